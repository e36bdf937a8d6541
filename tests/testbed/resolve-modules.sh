#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# resolve-modules.sh <ours|reference> <kernel release> <repo root>
#
# Print, one per line and in load order, the host paths of the kernel
# modules the testbed guest loads:
#   ours       our vfio.ko, vfio_iommu_type1.ko and vfio-pci.ko from the repo
#              tree, preceded by the in-tree modules they depend on
#              (irqbypass, ...) but never an in-tree VFIO module;
#   reference  Debian's in-tree VFIO modules of that release, as
#              `modprobe --show-depends` orders them.
# Paths may name compressed modules (.ko.xz, .ko.zst); the caller
# decompresses them.
set -euo pipefail

mode=$1
release=$2
root=$3

die() {
	echo "resolve-modules: $*" >&2
	exit 1
}

# show_depends <module>: the insmod paths modprobe would load, in order.
show_depends() {
	modprobe -S "$release" --show-depends "$1" ||
		die "modprobe cannot resolve '$1' for kernel $release"
}

insmod_paths() {
	sed -n 's/^insmod \([^ ]*\).*/\1/p'
}

# Print each line once, keeping the first occurrence.
uniq_keep_order() {
	awk '!seen[$0]++'
}

case $mode in
ours)
	ours=("$root/vfio_core/vfio.ko"
	      "$root/vfio_iommu_type1/vfio_iommu_type1.ko"
	      "$root/vfio_pci/vfio-pci.ko")
	for ko in "${ours[@]}"; do
		[ -f "$ko" ] || die "$ko is missing: run 'make' first"
	done
	{
		for ko in "${ours[@]}"; do
			deps=$(modinfo -F depends "$ko" | tr , ' ')
			for dep in $deps; do
				case $dep in
				vfio | vfio_iommu_type1 | vfio_pci | vfio-pci)
					continue ;;
				esac
				show_depends "$dep" | insmod_paths
			done
		done
	} | uniq_keep_order | while read -r path; do
		case $path in
		*/drivers/vfio/*)
			die "our modules depend on in-tree $path" ;;
		esac
		echo "$path"
	done
	printf '%s\n' "${ours[@]}"
	;;
reference)
	{
		show_depends vfio-pci
		show_depends vfio_iommu_type1
	} | insmod_paths | uniq_keep_order
	;;
*)
	die "unknown mode '$mode'"
	;;
esac
