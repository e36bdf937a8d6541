#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The long, on-demand run of the VFIO fuzzer: boots the testbed guest
# once with vfio_fuzz_test as its only program and the given options
# (run-guest.sh --fuzz, like the suite's short runs).
#
#   run-fuzz.sh [--seconds N] [--seed N] [--procs N] [--threads N]
#               [--kernel debug|<release>] [--mode ours|reference]
#               [--out <dir>]
#
#   --seconds  how long the fuzzer runs (default 3600)
#   --seed     the seed to replay (default: a new one, printed)
#   --procs, --threads  worker processes and threads per process
#              (default: the fuzzer's, 3 x 2)
#   --kernel   default debug (KASAN, lockdep, kmemleak); build its
#              modules first: make KVER=debug
#   --mode     default ours
#   --out      default build/testbed/fuzz-<kernel>-<mode>
# The options reach the guest as /data/vfio_fuzz_test.args (the testbed
# starts its programs without arguments).  The per-program and the
# whole-run limits grow with --seconds.  Holds /tmp/vfio-guest.lock for
# the boot, like every guest on a shared machine.  Prints the testbed's
# verdict; the fuzzer's counts and seed are in <out>/results.tap.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
	sed -n '4,24s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

seconds=3600
kernel=debug
mode=ours
out=""
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=${2:-}; shift 2 || usage ;;
	--seed | --procs | --threads)
		[ $# -ge 2 ] || usage
		args+=("$1" "$2"); shift 2 ;;
	--kernel) kernel=${2:-}; shift 2 || usage ;;
	--mode) mode=${2:-}; shift 2 || usage ;;
	--out) out=${2:-}; shift 2 || usage ;;
	-h | --help) usage ;;
	*) echo "run-fuzz: unknown argument '$1'" >&2; usage ;;
	esac
done
case $seconds in
'' | *[!0-9]*) usage ;;
esac
[ -n "$out" ] || out=$root/build/testbed/fuzz-$kernel-$mode

work=$(mktemp -d /tmp/vfio-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
make -s -C "$here" O="$work/tests"
mkdir -p "$work/tests/data"
echo "--seconds $seconds ${args[*]}" >"$work/tests/data/vfio_fuzz_test.args"

# the fuzzer's own end: its run, reaping (up to 120 s) and the checks
export TESTBED_TEST_TIMEOUT=$((seconds + 600))
flock /tmp/vfio-guest.lock "$root/tests/testbed/run-guest.sh" \
	--mode "$mode" --fuzz --kernel "$kernel" --tests "$work/tests" \
	--out "$out" --timeout $((seconds + 1200))
