#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make lint`: every static check the project requires, exiting non-zero
# on any finding.
#   1. checkpatch.pl --strict (from the unpacked linux-source) over every
#      .c/.h of the modules and include/, and of the userspace tests with
#      the rules listed in USERSPACE_IGNORE switched off (tools/ too),
#      and groff -man -ww over the tools' man pages;
#   2. sparse over the modules: a C=2 build (of the stock kernel's build
#      directory, build/kernel-<release>/), failing on any warning or
#      error it (or the compiler) prints;
#   3. shellcheck (warnings and errors) over our shell scripts.
# Environment: KDIR (kernel build tree; default the stock kernel's headers).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
kdir=${KDIR:-/usr/src/linux-headers-$("$root/scripts/kernel-release.sh")}

# checkpatch rules that do not apply to userspace C: there is no u32 (the
# test programs use <stdint.h> types), no BIT(), no fallthrough, no
# __packed/__aligned, no strscpy/kstrto*; volatile is the right way to
# access a mapped BAR from userspace; harness-style ASSERT helpers return
# from the test (flow control in a macro).
USERSPACE_IGNORE=PREFER_KERNEL_TYPES,BIT_MACRO,PREFER_FALLTHROUGH
USERSPACE_IGNORE=$USERSPACE_IGNORE,PREFER_DEFINED_ATTRIBUTE_MACRO,STRLCPY
USERSPACE_IGNORE=$USERSPACE_IGNORE,SSCANF_TO_KSTRTO,CONSIDER_KSTRTO,VOLATILE
USERSPACE_IGNORE=$USERSPACE_IGNORE,MACRO_WITH_FLOW_CONTROL

status=0
finding() {
	echo "lint: $*"
	status=1
}

# source_files <dir>...: the .c and .h files under the existing dirs.
source_files() {
	local dirs=() d
	for d in "$@"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	[ ${#dirs[@]} -gt 0 ] || return 0
	find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) \
		! -name '*.mod.c' | sort
}

# 1. checkpatch
src=$("$root/scripts/linux-source.sh") || exit 1
checkpatch=(perl "$src/scripts/checkpatch.pl" --strict --no-tree --quiet
	    --show-types --no-summary -f)
while read -r f; do
	[ -n "$f" ] || continue
	"${checkpatch[@]}" "$f" || finding "checkpatch: $f"
done <<<"$(source_files vfio_core vfio_iommu_type1 vfio_pci include tests/kmod)"
while read -r f; do
	[ -n "$f" ] || continue
	"${checkpatch[@]}" --ignore "$USERSPACE_IGNORE" "$f" ||
		finding "checkpatch: $f"
done <<<"$(source_files tests/uapi tests/examples tests/bench tests/clients \
	tests/fuzz tools)"

# the man pages
for f in tools/*/*.8; do
	[ -f "$f" ] || continue
	out=$(groff -man -ww -z "$f" 2>&1)
	[ -z "$out" ] || { echo "$out"; finding "groff -man -ww: $f"; }
done

# 2. sparse (C=2 checks every file, even those already built), through
# the Makefile: it builds in build/kernel-<release>/, never in the tree
log=$(mktemp)
if ! make -C "$root" --no-print-directory KDIR="$kdir" C=2 W=1 modules \
	>"$log" 2>&1; then
	cat "$log"
	finding "sparse: the C=2 build failed"
elif grep -E ':[0-9]+:([0-9]+:)? (warning|error): ' "$log"; then
	finding "sparse: warnings above"
fi
rm -f "$log"

# 3. shellcheck
if command -v shellcheck >/dev/null; then
	shellcheck -S warning scripts/*.sh tests/*.sh tests/testbed/*.sh \
		tests/bench/*.sh tests/dkms/*.sh tests/docs/*.sh \
		tests/fuzz/*.sh .ci/run || finding "shellcheck"
	shellcheck -S warning -s sh -x tests/clients/*.sh ||
		finding "shellcheck (tests/clients)"
else
	finding "shellcheck is not installed (run scripts/install-deps.sh)"
fi

[ $status = 0 ] && echo "lint: clean"
exit $status
