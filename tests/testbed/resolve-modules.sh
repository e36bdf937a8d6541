#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# resolve-modules.sh <ours|reference|testmods|hostfs> <kernel release>
#
# Print, one per line and in load order, the host paths of the kernel
# modules the testbed guest loads:
#   ours       our vfio.ko, vfio_iommu_type1.ko and vfio-pci.ko from the
#              build directory, preceded by the in-tree modules they depend
#              on (irqbypass, ...) but never an in-tree VFIO module, and
#              followed by every KUnit test module (*_kunit.ko) built there
#              (only kernels with CONFIG_KUNIT build them): they depend on
#              ours, so they load after them and unload before;
#   reference  Debian's in-tree VFIO modules of that release, as
#              `modprobe --show-depends` orders them (on 6.12 vfio_virqfd
#              is part of vfio.ko: modprobe knows);
#   testmods   modules the tests load themselves, in any mode: Debian's
#              i2c-i801 with its dependencies (a host DMA driver for the
#              ICH9 SMBus function, for the viability tests) and the test
#              modules built into <build directory>/tests/kmod.  Nothing
#              is printed for what this kernel lacks (the tests skip);
#   hostfs     the modules that mount the host's root file system in the
#              guest (virtio_pci, 9pnet_virtio, 9p) with their
#              dependencies: nothing for what the kernel has built in.
# Paths may name compressed modules (.ko.xz, .ko.zst); the caller
# decompresses them.
# Environment: TESTBED_BUILDDIR (our build directory, for mode ours),
# TESTBED_MODROOT (the root holding lib/modules/<release>; default /).
set -euo pipefail

mode=$1
release=$2
builddir=${TESTBED_BUILDDIR:-}
modroot=${TESTBED_MODROOT:-/}

die() {
	echo "resolve-modules: $*" >&2
	exit 1
}

# show_depends <module>: the insmod paths modprobe would load, in order.
show_depends() {
	modprobe -d "$modroot" -S "$release" --show-depends "$1" ||
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
	[ -n "$builddir" ] || die "TESTBED_BUILDDIR is not set"
	ours=("$builddir/vfio_core/vfio.ko"
	      "$builddir/vfio_iommu_type1/vfio_iommu_type1.ko"
	      "$builddir/vfio_pci/vfio-pci.ko")
	for ko in "${ours[@]}"; do
		[ -f "$ko" ] ||
			die "$ko is missing: run 'make KVER=$release' first"
	done
	kunit=()
	while read -r ko; do
		[ -n "$ko" ] && kunit+=("$ko")
	done < <(find "$builddir" -name '*_kunit.ko' -type f | sort)
	{
		for ko in "${ours[@]}" "${kunit[@]}"; do
			deps=$(modinfo -F depends "$ko" | tr , ' ')
			for dep in $deps; do
				case $dep in
				vfio | vfio_iommu_type1 | vfio_pci | vfio-pci)
					continue ;;
				*_kunit)
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
	printf '%s\n' "${ours[@]}" "${kunit[@]}"
	;;
reference)
	{
		show_depends vfio-pci
		show_depends vfio_iommu_type1
	} | insmod_paths | uniq_keep_order
	;;
testmods)
	# first: loading it must not load i2c-i801 too (see testmod_load())
	modprobe -d "$modroot" -S "$release" --show-depends aer_inject \
		2>/dev/null | insmod_paths || true
	modprobe -d "$modroot" -S "$release" --show-depends i2c-i801 \
		2>/dev/null | insmod_paths | uniq_keep_order || true
	if [ -n "$builddir" ] && [ -d "$builddir/tests/kmod" ]; then
		find "$builddir/tests/kmod" -name '*.ko' -type f | sort
	fi
	;;
hostfs)
	for mod in virtio_pci 9pnet_virtio 9p; do
		show_depends "$mod" | insmod_paths
	done | uniq_keep_order
	;;
*)
	die "unknown mode '$mode'"
	;;
esac
