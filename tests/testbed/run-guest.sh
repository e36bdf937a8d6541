#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot the QEMU testbed guest once and judge the run.
#
#   run-guest.sh --mode ours|reference|demo [--kernel <release>]
#                [--tests <dir>] [--out <dir>] [--timeout <seconds>]
#
#   --mode     ours: our three modules from the repo tree; reference:
#              Debian's in-tree VFIO modules of the kernel; demo: ours, and
#              run the tests/examples programs on the console.
#   --kernel   kernel release to boot (/boot/vmlinuz-<release>); default
#              scripts/kernel-release.sh (Debian's stock kernel).
#   --tests    directory holding the built test programs (default
#              build/tests); every executable *_test in it runs in the
#              guest (mode demo runs the tests/examples programs from it).
#   --out      where console.log, results.tap and qemu.log go (default
#              build/testbed/<mode>).
#   --timeout  seconds before the whole run counts as hung (default 600).
# Environment: TESTBED_TEST_TIMEOUT, seconds each program may run in the
# guest (default 300).
#
# Prints failures and "<mode>: N passed, N failed, N skipped"; exits
# non-zero if anything failed.  See Documentation/testing.rst.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
	sed -n '4,24s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

die() {
	echo "run-guest: $*" >&2
	exit 2
}

mode=""
kernel=""
tests=""
out=""
limit=600
while [ $# -gt 0 ]; do
	case $1 in
	--mode) mode=${2:-}; shift 2 || usage ;;
	--kernel) kernel=${2:-}; shift 2 || usage ;;
	--tests) tests=${2:-}; shift 2 || usage ;;
	--out) out=${2:-}; shift 2 || usage ;;
	--timeout) limit=${2:-}; shift 2 || usage ;;
	-h | --help) usage ;;
	*) echo "run-guest: unknown argument '$1'" >&2; usage ;;
	esac
done

case $mode in
ours | reference | demo) ;;
*) usage ;;
esac
[[ $limit =~ ^[1-9][0-9]*$ ]] || die "--timeout needs a positive number of seconds"
[ -n "$kernel" ] || kernel=$("$root/scripts/kernel-release.sh")
tests=${tests:-$root/build/tests}
out=${out:-$root/build/testbed/$mode}

vmlinuz=/boot/vmlinuz-$kernel
[ -r "$vmlinuz" ] || die "$vmlinuz not found: install linux-image-$kernel"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found (run scripts/install-deps.sh)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/results.tap" "$out/console.log" "$out/qemu.log"
work=$(mktemp -d "${TMPDIR:-/tmp}/testbed.XXXXXX")
qemu_pid=""
cleanup() {
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$here/make-initramfs.sh" "$mode" "$kernel" "$tests" "$work" \
	"$work/initrd.gz" || die "could not build the initramfs"

append="console=ttyS0 intel_iommu=on panic=-1"
[ "$mode" = demo ] && append="$append quiet"

# shellcheck disable=SC2054 # the commas are qemu's own syntax
qemu=(qemu-system-x86_64
	-M q35 -m 2G -smp 2 -cpu max -accel tcg
	-nographic -nodefaults -no-reboot
	-kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "$append"
	-chardev "file,id=con,path=$out/console.log"
	-serial chardev:con
	-chardev "file,id=res,path=$out/results.tap"
	-device isa-serial,chardev=res,index=1
	-device intel-iommu,intremap=on
	-device edu
	-netdev hubport,hubid=0,id=h0 -device e1000,netdev=h0,romfile=
	-netdev hubport,hubid=0,id=h1 -device e1000,netdev=h1,romfile=
	-netdev hubport,hubid=1,id=h2 -device e1000e,netdev=h2,romfile=)

echo "run-guest: booting $kernel in mode $mode (logs in $out)"
start=$(date +%s)
timeout -k 10 "$limit" "${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 &
qemu_pid=$!
if [ "$mode" = demo ]; then
	# Show the guest console live while it runs, without the firmware's
	# terminal control sequences.
	tail -n +1 -F --pid="$qemu_pid" "$out/console.log" 2>/dev/null |
		sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' || true
fi
status=0
wait "$qemu_pid" || status=$?
qemu_pid=""
echo "run-guest: guest finished after $(($(date +%s) - start)) s"

"$here/check-results.sh" "$mode" "$out" "$status" "$limit"
