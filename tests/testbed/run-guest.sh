#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot the QEMU testbed guest once and judge the run.
#
#   run-guest.sh --mode ours|reference|noiommu|demo
#                [--kernel <release>|debug]
#                [--tests <dir>] [--build <dir>] [--out <dir>]
#                [--timeout <seconds>] [--no-intremap] [--fuzz]
#
#   --mode     ours: our three modules built for the kernel (and, if built,
#              the KUnit test modules *_kunit.ko); reference: Debian's
#              in-tree VFIO modules of the kernel; noiommu: ours in a
#              guest without an IOMMU (no intel-iommu, intel_iommu=off),
#              vfio loaded with enable_unsafe_noiommu_mode=1, edu bound,
#              and only the vfio_noiommu_test program run; demo: ours,
#              and run the tests/examples programs on the console.
#   --kernel   an installed Debian kernel release (/boot/vmlinuz-<release>,
#              default scripts/kernel-release.sh, the stock kernel), or
#              "debug" (or its release) for the debug kernel of
#              scripts/debug-kernel.sh, which is built if not cached.
#   --tests    directory holding the built test programs (default
#              build/tests); every executable *_test in it runs in the
#              guest (mode demo runs the tests/examples programs from it).
#   --build    our modules' build directory (default
#              build/kernel-<release>, where `make KVER=<release>` puts them).
#   --out      where console.log, results.tap and qemu.log go (default
#              build/testbed/<release>/<mode>).
#   --timeout  seconds before the whole run counts as hung (default 600;
#              1800 for the debug kernel).
#   --no-intremap  (modes ours and reference) the vIOMMU without interrupt
#              remapping: only edu is bound and only the programs of
#              guest-init.sh's NOINTREMAP_TESTS run; reported as mode
#              <mode>-nointremap (also the default --out directory name).
#   --fuzz     (modes ours and reference) the fuzzer's own boot: --tests
#              names a directory holding only vfio_fuzz_test; reported as
#              <mode>-fuzz.
# QEMU runs both vCPUs on one TCG thread (-accel tcg,thread=single): with
# a thread per vCPU, QEMU 7.2 loses local-APIC timer interrupts under load
# (the vector stays in service, the CPU never ticks again, the guest
# stalls), see Documentation/threat-model.rst, "Known gaps".
# Modes ours and reference on Debian's kernels (not the debug kernel, not
# --no-intremap) also share the host's root file system read-only with
# the guest (9p, tag hostfs; testbed.hostfs=on on the kernel command
# line) for the real-client tests.  In every mode the guest's ttyS2 is a
# request channel to this QEMU's monitor (tests/testbed/qmp-relay.py,
# logged in <out>/qmp.log): the hot-unplug test asks for device_del.
# Environment: TESTBED_TEST_TIMEOUT, seconds each program may run in the
# guest (default 300; 900 for the debug kernel).
#
# Prints failures and "<release>/<mode>: N passed, N failed, N skipped";
# exits non-zero if anything failed.  See Documentation/testing.rst.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
	sed -n '4,53s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

die() {
	echo "run-guest: $*" >&2
	exit 2
}

mode=""
kernel=""
tests=""
build=""
out=""
limit=""
intremap=on
fuzz=0
while [ $# -gt 0 ]; do
	case $1 in
	--mode) mode=${2:-}; shift 2 || usage ;;
	--kernel) kernel=${2:-}; shift 2 || usage ;;
	--tests) tests=${2:-}; shift 2 || usage ;;
	--build) build=${2:-}; shift 2 || usage ;;
	--out) out=${2:-}; shift 2 || usage ;;
	--timeout) limit=${2:-}; shift 2 || usage ;;
	--no-intremap) intremap=off; shift ;;
	--fuzz) fuzz=1; shift ;;
	-h | --help) usage ;;
	*) echo "run-guest: unknown argument '$1'" >&2; usage ;;
	esac
done

case $mode in
ours | reference | noiommu | demo) ;;
*) usage ;;
esac
# The label of the run: its mode, and the vIOMMU's interrupt remapping.
label=$mode
if [ "$intremap" = off ]; then
	case $mode in
	ours | reference) label=$mode-nointremap ;;
	*) die "--no-intremap goes with --mode ours or reference" ;;
	esac
fi
if [ "$fuzz" = 1 ]; then
	case $label in
	ours | reference) label=$mode-fuzz ;;
	*) die "--fuzz goes with --mode ours or reference, with interrupt remapping" ;;
	esac
fi
[ -n "$kernel" ] || kernel=$("$root/scripts/kernel-release.sh")

# The debug kernel: "debug", or the release of the cached one.
debug_dir=""
if [ "$kernel" = debug ]; then
	debug_dir=$("$root/scripts/debug-kernel.sh") ||
		die "could not build the debug kernel"
elif [ ! -e "/boot/vmlinuz-$kernel" ]; then
	debug_dir=$("$here/kernels.sh" --debug-cached)
	if [ -z "$debug_dir" ] ||
	   [ "$("$here/kernels.sh" --release "$debug_dir")" != "$kernel" ]; then
		die "/boot/vmlinuz-$kernel not found: install linux-image-$kernel"
	fi
fi
if [ -n "$debug_dir" ]; then
	kernel=$("$here/kernels.sh" --release "$debug_dir")
	vmlinuz=$debug_dir/arch/x86/boot/bzImage
	# modprobe -d: the debug kernel's in-tree modules.
	export TESTBED_MODROOT=$debug_dir/modroot
	limit=${limit:-1800}
	export TESTBED_TEST_TIMEOUT=${TESTBED_TEST_TIMEOUT:-900}
	# -cpu max offers 5-level paging; with it, 6.1's KASAN reports a
	# per-CPU access in rcu_is_watching() when an interrupt arrives during
	# identify_boot_cpu() (2 boots in about 8 under TCG, before any code
	# of ours ran).  4-level paging booted cleanly every time.
	qemu_cpu=max,la57=off
else
	vmlinuz=/boot/vmlinuz-$kernel
	export TESTBED_MODROOT=/
	limit=${limit:-600}
fi
qemu_cpu=${qemu_cpu:-max}
[[ $limit =~ ^[1-9][0-9]*$ ]] || die "--timeout needs a positive number of seconds"
[ -r "$vmlinuz" ] || die "$vmlinuz not found"
tests=${tests:-$root/build/tests}
export TESTBED_BUILDDIR=${build:-$root/build/kernel-$kernel}
out=${out:-$root/build/testbed/$kernel/$label}

command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found (run scripts/install-deps.sh)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/results.tap "$out"/console.log "$out"/qemu.log "$out"/kunit-* \
	"$out"/requests.log "$out"/qmp.log
work=$(mktemp -d "${TMPDIR:-/tmp}/testbed.XXXXXX")
qemu_pid=""
relay_pid=""
cleanup() {
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null || true
	fi
	if [ -n "$relay_pid" ]; then
		kill "$relay_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# noiommu boots our modules; guest-init.sh sees the mode on the kernel
# command line (testbed.mode=noiommu, a parameter the kernel ignores).
initramfs_mode=$mode
[ "$mode" = noiommu ] && initramfs_mode=ours
"$here/make-initramfs.sh" "$initramfs_mode" "$kernel" "$tests" "$work" \
	"$work/initrd.gz" || die "could not build the initramfs"

# log_buf_len: the guest reads KUnit's KTAP back from dmesg; keep it all.
append="console=ttyS0 intel_iommu=on panic=-1 log_buf_len=4M"
[ "$mode" = demo ] && append="$append quiet"
# shellcheck disable=SC2054 # the comma is qemu's own syntax
iommu=(-device intel-iommu,intremap=on)
if [ "$intremap" = off ]; then
	# shellcheck disable=SC2054 # the comma is qemu's own syntax
	iommu=(-device intel-iommu,intremap=off)
	append="$append testbed.intremap=off"
fi
if [ "$mode" = noiommu ]; then
	append="console=ttyS0 intel_iommu=off panic=-1 log_buf_len=4M"
	append="$append testbed.mode=noiommu"
	iommu=()
fi
# The host's root file system for the real-client tests (see the header).
hostfs=()
if [ -z "$debug_dir" ] && [ "$intremap" = on ] &&
   { [ "$mode" = ours ] || [ "$mode" = reference ]; }; then
	# shellcheck disable=SC2054 # the commas are qemu's own syntax
	hostfs=(-virtfs local,path=/,mount_tag=hostfs,security_model=none,readonly=on,multidevs=remap)
	append="$append testbed.hostfs=on"
fi

# shellcheck disable=SC2054 # the commas are qemu's own syntax
qemu=(qemu-system-x86_64
	-M q35 -m 2G -smp 2 -cpu "$qemu_cpu" -accel tcg,thread=single
	-nographic -nodefaults -no-reboot
	-kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "$append"
	-chardev "file,id=con,path=$out/console.log"
	-serial chardev:con
	-chardev "file,id=res,path=$out/results.tap"
	-device isa-serial,chardev=res,index=1
	-chardev "file,id=req,path=$out/requests.log"
	-device isa-serial,chardev=req,index=2
	-qmp "unix:$work/qmp.sock,server=on,wait=off"
	"${iommu[@]}"
	"${hostfs[@]}"
	-device edu
	-netdev hubport,hubid=0,id=h0 -device e1000,netdev=h0,romfile=
	-netdev hubport,hubid=0,id=h1 -device e1000,netdev=h1,romfile=
	-netdev hubport,hubid=0,id=h2 -device e1000e,netdev=h2,romfile=
	-drive if=none,id=nvm,driver=null-co,read-zeroes=on
	-device pcie-root-port,id=rp1,chassis=1,slot=1,x-speed=5,x-width=1
	-device nvme,bus=rp1,serial=vfio0,drive=nvm
	-device pcie-root-port,id=rp2,chassis=2,slot=2,x-speed=5,x-width=1
	-device nvme-subsys,id=nvmsub,nqn=vfio-sriov
	-device nvme,bus=rp2,serial=vfio1,subsys=nvmsub,use-intel-id=on,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=4
	-device pcie-root-port,id=rp3,chassis=3,slot=3
	-device virtio-rng-pci,bus=rp3,aer=on
	-device pcie-root-port,id=rp4,chassis=4,slot=4
	-device pci-testdev,bus=rp4,id=hotdev
	-device VGA,romfile=)

# A splat printed before the guest's /init says anything ("testbed: ...")
# comes from the kernel's own early boot, before any test or module of
# ours ran: under TCG, a debug kernel can take an interrupt early enough
# for KASAN to report a per-CPU access (seen on 6.1.176: rcu_is_watching
# from identify_boot_cpu).  Such a boot tests nothing and leaves lockdep
# off, so it is retried once, saying so; a second one fails the run.
boot_splat() {
	local patterns
	patterns=$(grep -v '^#' "$here/splat-patterns")
	tr -d '\r' <"$out/console.log" | sed '/^testbed: /q' |
		grep -q -E -e "$patterns"
}

attempt=1
while :; do
	echo "run-guest: booting $kernel in mode $mode (logs in $out)"
	start=$(date +%s)
	: >"$out/requests.log"
	timeout -k 10 "$limit" "${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 &
	qemu_pid=$!
	python3 "$here/qmp-relay.py" "$work/qmp.sock" "$out/requests.log" \
		>>"$out/qmp.log" 2>&1 &
	relay_pid=$!
	if [ "$mode" = demo ]; then
		# Show the guest console live while it runs, without the
		# firmware's terminal control sequences.
		tail -n +1 -F --pid="$qemu_pid" "$out/console.log" 2>/dev/null |
			sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' \
			       -e 's/\x1bc//g' || true
	fi
	status=0
	wait "$qemu_pid" || status=$?
	qemu_pid=""
	wait "$relay_pid" 2>/dev/null || true
	relay_pid=""
	echo "run-guest: guest finished after $(($(date +%s) - start)) s"
	if [ "$attempt" -ge 2 ] || ! boot_splat; then
		break
	fi
	echo "run-guest: kernel splat during early boot, before the guest's" \
	     "init ran (not our code); kept as console.boot-splat.log," \
	     "booting once more"
	mv "$out/console.log" "$out/console.boot-splat.log"
	rm -f "$out/results.tap" "$out/qemu.log" "$out"/kunit-*
	attempt=$((attempt + 1))
done

"$here/check-results.sh" "$kernel/$label" "$out" "$status" "$limit"
