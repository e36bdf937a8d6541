#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (once) and locate the debug kernel of the debug-kernel tier.
#
#   scripts/debug-kernel.sh          print the build directory, building it
#                                    first when the cache has no entry
#   scripts/debug-kernel.sh --key    print the cache key only
#
# The kernel is Debian's linux-source-6.1 configured with x86_64_defconfig,
# kernel/configs/kvm_guest.config and tests/debug-kernel/debug.config.  The
# cache entry lives outside the clone (VFIO_OOT_CACHE, default
# ~/.cache/vfio-oot) and is keyed by a hash of the fragment, this script,
# the source package version and the compiler version, so it is rebuilt only
# when one of them changes.  The build directory is a complete kbuild output
# tree: out-of-tree modules build against it with KDIR=<dir>.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${VFIO_OOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-oot}
fragment=$here/tests/debug-kernel/debug.config
src=$("$here/scripts/linux-source.sh")

key=$( {
	cat "$fragment" "$0"
	basename "$src"
	gcc --version | head -n 1
} | sha256sum | cut -c1-16)

if [ "${1:-}" = "--key" ]; then
	echo "$key"
	exit 0
fi

out=$cache/debug-kernel-$key
if [ -f "$out/.built" ]; then
	echo "$out"
	exit 0
fi

log=$cache/debug-kernel-$key.log
echo "building the debug kernel into $out (log: $log)" >&2
rm -rf "$out"
mkdir -p "$out"
jobs=$(( $(nproc) + 1 ))
{
	make -C "$src" O="$out" x86_64_defconfig
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "$src/kernel/configs/kvm_guest.config" "$fragment")
	make -C "$src" O="$out" olddefconfig
} >"$log" 2>&1

# Every option the fragment asks for must have survived olddefconfig, or
# the tier would silently test less than it claims.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=y|CONFIG_*=m)
		if ! grep -qx "$line" "$out/.config"; then
			echo "debug kernel: $line did not survive olddefconfig" >&2
			missing=1
		fi
		;;
	esac
done <"$fragment"
[ "$missing" = 0 ] || exit 1

if ! make -C "$src" O="$out" -j"$jobs" bzImage modules >>"$log" 2>&1; then
	tail -n 40 "$log" >&2
	exit 1
fi
make -C "$src" O="$out" INSTALL_MOD_PATH="$out/modroot" \
	INSTALL_MOD_STRIP=1 modules_install >>"$log" 2>&1
touch "$out/.built"
echo "$out"
