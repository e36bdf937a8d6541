#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Print the path of an unpacked Debian linux-source-6.1 tree, unpacking the
# package's tarball into the cache on first use.  The cache entry is keyed
# by the package version, so an upgraded linux-source package is unpacked
# afresh.  Used for checkpatch.pl, kselftest_harness.h and kunit.py: we use
# them in place and never copy them into our tree.
set -eu
cache=${VFIO_OOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-oot}
pkg=$(dpkg-query -W -f='${Package}\n' 'linux-source-*' 2>/dev/null |
	grep -E '^linux-source-[0-9.]+$' | sort -V | tail -n 1)
[ -n "$pkg" ] || { echo "linux-source is not installed (run scripts/install-deps.sh)" >&2; exit 1; }
ver=$(dpkg-query -W -f='${Version}' "$pkg")
tarball=$(ls /usr/src/"$pkg".tar.* | head -n 1)
dest="$cache/$pkg-$ver"
if [ ! -f "$dest/.unpacked" ]; then
	mkdir -p "$dest"
	tar -xf "$tarball" -C "$dest" --strip-components=1
	touch "$dest/.unpacked"
fi
echo "$dest"
