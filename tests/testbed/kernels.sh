#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# List the kernels the build and the testbed can use.  Nothing is built.
#
#   kernels.sh --debian        the releases of the installed Debian kernels
#                              that have headers (/boot/vmlinuz-<release> and
#                              /usr/src/linux-headers-<release>), stock first
#   kernels.sh --others        the same without the stock kernel (the one
#                              scripts/kernel-release.sh prints): the
#                              bookworm-backports kernels
#   kernels.sh --debug-cached  the debug kernel's build directory if
#                              scripts/debug-kernel.sh has it cached
#   kernels.sh --kdirs         the kbuild trees of --debian, then of
#                              --debug-cached: what `make all-kernels` builds
#   kernels.sh --release <kdir>  the release of a kbuild tree (UTS_RELEASE)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)

release_of() {
	sed -n 's/.*UTS_RELEASE "\(.*\)".*/\1/p' \
		"$1/include/generated/utsrelease.h" 2>/dev/null
}

debian() {
	local stock rel dir
	stock=$("$root/scripts/kernel-release.sh" 2>/dev/null || true)
	for dir in /usr/src/linux-headers-*; do
		[ -f "$dir/include/generated/utsrelease.h" ] || continue
		rel=$(release_of "$dir")
		[ "$dir" = "/usr/src/linux-headers-$rel" ] || continue
		[ -r "/boot/vmlinuz-$rel" ] || continue
		echo "$rel"
	done | sort -V | awk -v stock="$stock" '
		$0 == stock { first = $0; next }
		{ rest[n++] = $0 }
		END {
			if (first != "")
				print first
			for (i = 0; i < n; i++)
				print rest[i]
		}'
}

debug_cached() {
	local cache key
	cache=${VFIO_OOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-oot}
	key=$("$root/scripts/debug-kernel.sh" --key 2>/dev/null) || return 0
	if [ -f "$cache/debug-kernel-$key/.built" ]; then
		echo "$cache/debug-kernel-$key"
	fi
}

case ${1:-} in
--debian)
	debian
	;;
--others)
	stock=$("$root/scripts/kernel-release.sh" 2>/dev/null || true)
	debian | { grep -vxF "$stock" || true; }
	;;
--debug-cached)
	debug_cached
	;;
--kdirs)
	debian | sed 's|^|/usr/src/linux-headers-|'
	debug_cached
	;;
--release)
	release_of "${2:?kernels.sh --release <kdir>}"
	;;
*)
	sed -n '4,16s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac
