#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Print the release of Debian 12's stock kernel (the one the
# linux-headers-amd64 metapackage points at), falling back to the newest
# installed linux-headers-*-amd64 tree.  Nothing here is hard-coded.
set -eu
dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
if [ -n "$dep" ] && [ -d "/usr/src/linux-headers-$dep" ]; then
	echo "$dep"
	exit 0
fi
ls -d /usr/src/linux-headers-*-amd64 2>/dev/null |
	sed 's|^/usr/src/linux-headers-||' | sort -V | tail -n 1 | grep . ||
	{ echo "no Debian kernel headers installed (run scripts/install-deps.sh)" >&2; exit 1; }
