#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark command (`make bench`): our type1 against Debian's in-tree
# VFIO modules of the same kernel, in one testbed guest boot.
#
#   run-bench.sh [--kernel <release>] [--rounds N] [--reps N]
#                [--sizes 64M,256M[,1G]] [--bench map[,small,...]]
#                [--memory 4G] [--build <dir>] [--out <dir>]
#                [--timeout <seconds>] [--profile pfnmap[,config,...]]
#
#   --kernel   an installed Debian kernel (default scripts/kernel-release.sh)
#   --rounds   rounds (default 5); each loads the in-tree modules and ours
#              in turn, alternating which side goes first
#   --reps     repetitions of each measurement within a round (default 3)
#   --sizes    MAP/UNMAP sizes (default 64M,256M; 1G fits in --memory 4G)
#   --bench    vfio_bench's sub-benchmarks (default: all of them): map
#              (MAP_DMA/UNMAP_DMA of 4k, thp and hugetlb memory), small
#              (4 KiB mappings up to dma_entry_limit, and their teardown at
#              close), open (device open-to-close), pfnmap (a peer's BAR
#              mmap), threads (MAP_DMA from two threads), config (config
#              pread latency), bar (BAR pread/pwrite), irq (INTx and MSI-X
#              latency), kmem (kernel memory per GiB mapped), curve (map
#              time against size and number of mappings)
#   --memory   guest RAM (default 4G)
#   --build    our modules' build directory (default build/kernel-<release>)
#   --out      where summary.txt, samples.log and console.log go (default
#              build/bench/<release>)
#   --timeout  seconds the guest may run (default 3600)
#   --profile  after the rounds (--rounds 0: none), run these
#              sub-benchmarks once more per side under ftrace's
#              function_graph and perf (tests/bench/bench-profile.sh);
#              the reports go to <out>/profile (graph-summary.awk makes
#              <side>-<name>.tree of each trace)
# Environment: BENCH_LOCK, a lock file taken with flock(1) around the
# guest, for machines where concurrent TCG guests must not run.
#
# Builds our modules and tests/bench, boots one guest (the testbed's q35
# machine: TCG, intel-iommu with intremap, edu, the e1000e, plus a 64 MiB
# ivshmem-plain for the pfnmap benchmark, and smaller ones of 4 KiB,
# 128 KiB, 1 MiB and 8 MiB for its BAR-size curve), prints each figure's median
# per side, the ratio (above 1: ours better) and the TARGETS of issue 9,
# and keeps every sample.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
testbed=$root/tests/testbed

usage() {
	sed -n '4,37s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

die() {
	echo "run-bench: $*" >&2
	exit 1
}

kernel=""
rounds=5
reps=3
sizes=64M,256M
bench=map,small,open,pfnmap,threads,config,bar,irq,kmem,curve
memory=4G
build=""
out=""
limit=3600
profile=""
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:-}; shift 2 || usage ;;
	--rounds) rounds=${2:-}; shift 2 || usage ;;
	--reps) reps=${2:-}; shift 2 || usage ;;
	--sizes) sizes=${2:-}; shift 2 || usage ;;
	--bench) bench=${2:-}; shift 2 || usage ;;
	--memory) memory=${2:-}; shift 2 || usage ;;
	--build) build=${2:-}; shift 2 || usage ;;
	--out) out=${2:-}; shift 2 || usage ;;
	--timeout) limit=${2:-}; shift 2 || usage ;;
	--profile) profile=${2:-}; shift 2 || usage ;;
	-h | --help) usage ;;
	*) echo "run-bench: unknown argument '$1'" >&2; usage ;;
	esac
done
for n in "$reps" "$limit"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || usage
done
# --rounds 0 only with --profile: the profile alone
[[ $rounds =~ ^[0-9]+$ ]] && { [ "$rounds" != 0 ] || [ -n "$profile" ]; } ||
	usage
[[ $profile =~ ^([a-z]+(,[a-z]+)*)?$ ]] || usage
[[ $sizes =~ ^[0-9]+[MG](,[0-9]+[MG])*$ ]] || usage

[ -n "$kernel" ] || kernel=$("$root/scripts/kernel-release.sh")
vmlinuz=/boot/vmlinuz-$kernel
[ -r "$vmlinuz" ] || die "$vmlinuz not found: install linux-image-$kernel"
build=${build:-$root/build/kernel-$kernel}
out=${out:-$root/build/bench/$kernel}
mkdir -p "$out"
out=$(cd "$out" && pwd)
start=$(date +%s)

# 1. Our modules and the benchmark program.
make -C "$root" --no-print-directory KVER="$kernel" BUILDDIR="$build" \
	modules >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log"; die "module build failed"; }
make -C "$here" --no-print-directory O="$out/bin" >>"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log"; die "vfio_bench build failed"; }

# 2. One initramfs holding both module sets: make-initramfs.sh builds
# the testbed's for each mode; the reference one becomes the base.
work=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/none"
for mode in reference ours; do
	TESTBED_BUILDDIR=$build TESTBED_MODROOT=/ "$testbed/make-initramfs.sh" \
		"$mode" "$kernel" "$work/none" "$work/$mode" "$work/$mode.gz" \
		2>"$work/err" || { cat "$work/err" >&2; die "initramfs failed"; }
	grep -v 'no \*_test program' "$work/err" >&2 || true
done
modules_of() {
	sed -n 's/^TESTBED_MODULES="\(.*\)"$/\1/p' "$work/$1/root/etc/testbed.conf"
}
intree_modules=$(modules_of reference)
ours_modules=$(modules_of ours)
fs=$work/reference/root
mv "$fs/lib/modules/testbed" "$fs/lib/modules/intree"
mv "$work/ours/root/lib/modules/testbed" "$fs/lib/modules/ours"
rm -f "$fs/etc/testbed.conf"
install -m 0755 "$here/bench-init.sh" "$fs/init"
install -D -m 0755 "$out/bin/vfio_bench" "$fs/bench/vfio_bench"
install -m 0755 "$here/bench-profile.sh" "$fs/bench/bench-profile.sh"
cat >"$fs/etc/bench.conf" <<EOF
BENCH_ROUNDS=$rounds
BENCH_ARGS="--reps $reps --sizes $sizes --bench $bench"
INTREE_MODULES="$intree_modules"
OURS_MODULES="$ours_modules"
BENCH_PROFILE="$profile"
EOF
(cd "$fs" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$work/initrd.gz"

# 3. The guest.  Enough 2 MiB hugetlb pages for the largest size, and
# for the two buffers of the first size that the threads benchmark maps.
max_mib=0
first_mib=0
for s in ${sizes//,/ }; do
	mib=${s%[MG]}
	[ "${s: -1}" = G ] && mib=$((mib * 1024))
	[ "$first_mib" = 0 ] && first_mib=$mib
	[ "$mib" -gt "$max_mib" ] && max_mib=$mib
done
[ $((2 * first_mib)) -gt "$max_mib" ] && max_mib=$((2 * first_mib))
append="console=ttyS0 intel_iommu=on panic=-1"
append="$append hugepagesz=2M hugepages=$((max_mib / 2 + 8))"
# shellcheck disable=SC2054 # the commas are qemu's own syntax
qemu=(qemu-system-x86_64
	-M q35 -m "$memory" -smp 2 -cpu max -accel tcg
	-nographic -nodefaults -no-reboot
	-kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "$append"
	-chardev "file,id=con,path=$out/console.log" -serial chardev:con
	-chardev "file,id=res,path=$out/samples.log"
	-device isa-serial,chardev=res,index=1
	-device intel-iommu,intremap=on -device edu
	-object memory-backend-ram,id=shm,size=64M
	-device ivshmem-plain,memdev=shm
	-netdev hubport,hubid=0,id=h0 -device e1000,netdev=h0,romfile=
	-netdev hubport,hubid=0,id=h1 -device e1000,netdev=h1,romfile=
	-netdev hubport,hubid=1,id=h2 -device e1000e,netdev=h2,romfile=
	-drive if=none,id=nvm,driver=null-co,read-zeroes=on
	-device pcie-root-port,id=rp1,chassis=1,slot=1,x-speed=5,x-width=1
	-device nvme,bus=rp1,serial=vfio0,drive=nvm
	-device pcie-root-port,id=rp2,chassis=2,slot=2,x-speed=5,x-width=1
	-device nvme-subsys,id=nvmsub,nqn=vfio-sriov
	-device nvme,bus=rp2,serial=vfio1,subsys=nvmsub,use-intel-id=on,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=4)
# The pfnmap benchmark's curve: ivshmem BAR2s from one page up.
for s in 4K 128K 1M 8M; do
	qemu+=(-object "memory-backend-ram,id=shm$s,size=$s"
	       -device "ivshmem-plain,memdev=shm$s")
done
# The profile's file systems: the host's root (perf) and <out>/profile.
if [ -n "$profile" ]; then
	rm -rf "$out/profile"
	mkdir -p "$out/profile"
	qemu+=(-virtfs "local,path=/,mount_tag=hostfs,security_model=none,readonly=on,multidevs=remap"
	       -virtfs "local,path=$out/profile,mount_tag=benchout,security_model=none,multidevs=remap")
fi
lock=()
[ -n "${BENCH_LOCK:-}" ] && lock=(flock "$BENCH_LOCK")
rm -f "$out/console.log" "$out/samples.log"
echo "run-bench: booting $kernel, $rounds rounds (logs in $out)"
status=0
"${lock[@]}" timeout -k 10 "$limit" "${qemu[@]}" </dev/null \
	>"$out/qemu.log" 2>&1 || status=$?

# 4. The table.
[ -f "$out/samples.log" ] || : >"$out/samples.log"
{
	echo "vfio benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'):" \
	     "$rounds rounds x $reps repetitions, guest under TCG"
	vfio_ko=$(grep -m 1 '/vfio\.ko' "$work/reference/modules.list")
	vfio_ko=/${vfio_ko##*//}
	pkg=$(dpkg -S "$vfio_ko" 2>/dev/null | cut -d: -f1 || true)
	echo "in-tree: ${vfio_ko%/*}/ (${pkg:-unknown package}" \
	     "$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null || true)):" \
	     "$intree_modules"
	echo "ours:    $build/ (git $(git -C "$root" describe --always \
		--dirty 2>/dev/null || echo "?")): $ours_modules"
	tr -d '\r' <"$out/samples.log" | awk -f "$here/summary.awk"
} | tee "$out/summary.txt"
if [ -n "$profile" ]; then
	for trace in "$out"/profile/*.graph; do
		[ -f "$trace" ] || continue
		awk -f "$here/graph-summary.awk" "$trace" >"${trace%.graph}.tree"
	done
	echo "run-bench: profiles in $out/profile"
fi
echo "run-bench: samples in $out/samples.log; took $(($(date +%s) - start)) s"
[ "$status" = 0 ] || die "qemu exited with status $status (see $out/qemu.log)"
grep -q '^end' "$out/samples.log" || die "the guest did not finish"
! grep -q '^error' "$out/samples.log" || die "errors above"
