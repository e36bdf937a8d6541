#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The whole test suite (`make check`), tier by tier:
#   stock     Debian's stock 6.1 kernel: the testbed with our modules (mode
#             ours), then with the kernel's in-tree ones (mode reference),
#             then ours again in a guest without an IOMMU (mode noiommu:
#             Debian's in-tree VFIO has no noiommu, so ours only), then
#             ours and reference with a vIOMMU without interrupt
#             remapping (modes ours-nointremap, reference-nointremap),
#             then the fuzzer (build/fuzz/vfio_fuzz_test) alone with ours
#             and with reference (modes ours-fuzz, reference-fuzz:
#             run-guest.sh --fuzz);
#   backports every other installed Debian kernel with headers (the
#             bookworm-backports 6.12): the same seven boots.  None
#             installed is a failure: scripts/install-deps.sh installs one;
#   debug     the debug kernel of scripts/debug-kernel.sh (built first if
#             not cached): ours, with the KUnit test modules, and KASAN,
#             lockdep and kmemleak watching, then noiommu, then the
#             fuzzer with ours (--quick leaves this tier out).
# Before the tiers, host-side checks that print TAP: tests/dkms/dkms-test.sh
# (dkms add/build/install in a scratch tree, build/dkms, copied into
# build/tests/data/dkms for the guest test vfio_dkms_test, which loads
# the modules from it) and tests/docs/docs-test.sh (the
# sphinx build); each prints a summary line "host/<name>: ..." and counts
# in the totals.
# Each tier builds its modules (build/kernel-<release>/), boots once per
# mode and prints one summary line per mode; the last line is exactly
# "N passed, N failed, N skipped" over all of them.  A failed build, or a
# guest that crashed, hung or splatted, counts as a failure.  Exits
# non-zero if anything failed.
#
#   run-suite.sh [--quick]
#
# Environment: KVER (the stock kernel release, default
# scripts/kernel-release.sh), TESTBED_TIMEOUT (seconds per boot; default
# 600, 1800 for the debug kernel), TESTBED_TEST_TIMEOUT (per program).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

quick=0
case ${1:-} in
--quick) quick=1 ;;
"") ;;
*) echo "usage: run-suite.sh [--quick]" >&2; exit 2 ;;
esac

stock=${KVER:-$("$root/scripts/kernel-release.sh")} || exit 1
make=${MAKE:-make}

passed=0
failed=0
skipped=0
summaries=()
timings=()

fail() {
	echo "run-suite: FAIL: $*"
	failed=$((failed + 1))
}

# run_mode <release> <mode> [timeout]: boot the testbed once and add its
# counts to the totals.  <mode> is a run-guest.sh mode, or ours-nointremap
# / reference-nointremap for that mode with --no-intremap, or ours-fuzz /
# reference-fuzz for the fuzzer's own boot (--fuzz, build/fuzz).
run_mode() {
	local kernel=$1 mode=$2 log summary p f s
	local timeout=(${3:+--timeout "$3"}) args=(--mode "$mode")
	local tests=$root/build/tests

	case $mode in
	*-nointremap) args=(--mode "${mode%-nointremap}" --no-intremap) ;;
	*-fuzz)
		args=(--mode "${mode%-fuzz}" --fuzz)
		tests=$root/build/fuzz ;;
	esac
	log=$(mktemp)
	tests/testbed/run-guest.sh "${args[@]}" --kernel "$kernel" \
		--tests "$tests" "${timeout[@]}" 2>&1 | tee "$log"
	summary=$(grep -E "^[^ ]+/$mode: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" \
		  "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$summary" ]; then
		fail "$kernel mode $mode produced no summary (the testbed did not run)"
		summaries+=("$kernel/$mode: did not run")
		return
	fi
	read -r p f s <<<"$(echo "$summary" |
		sed -E 's/^.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	summaries+=("$summary")
}

# host_check <name> <script>: run a host-side TAP script and add its
# ok / not ok / SKIP lines to the totals.
host_check() {
	local name=$1 script=$2 log p f s rc
	log=$(mktemp)
	echo "==== host check $name: $script ===="
	"$script" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log")
	p=$(($(grep -cE '^ok [0-9]+' "$log") - s))
	f=$(grep -cE '^not ok [0-9]+' "$log")
	rm -f "$log"
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		fail "host check $name exited $rc with no failed test"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	summaries+=("host/$name: $p passed, $f failed, $s skipped")
}

# tier <name> <release> <kdir> <modes...>: build our modules for the
# kernel, then run each mode.
tier() {
	local name=$1 kernel=$2 kdir=$3 start mode
	shift 3
	start=$(date +%s)
	echo "==== tier $name: $kernel ===="
	if ! $make --no-print-directory KDIR="$kdir" modules; then
		fail "the module build for $kernel failed"
		for mode in "$@"; do
			case $mode in
			ours | noiommu | ours-nointremap)
				summaries+=("$kernel/$mode: not run (the module build failed)") ;;
			*) run_mode "$kernel" "$mode" "${limit:-}" ;;
			esac
		done
	else
		for mode in "$@"; do
			run_mode "$kernel" "$mode" "${limit:-}"
		done
	fi
	timings+=("tier $name ($kernel): $(($(date +%s) - start)) s")
}

limit=${TESTBED_TIMEOUT:-}
suite_start=$(date +%s)

if ! $make --no-print-directory tests; then
	fail "the test program build failed"
fi

start=$(date +%s)
host_check dkms tests/dkms/dkms-test.sh
host_check docs tests/docs/docs-test.sh
timings+=("host checks (dkms, docs): $(($(date +%s) - start)) s")

tier stock "$stock" "/usr/src/linux-headers-$stock" ours reference noiommu \
	ours-nointremap reference-nointremap ours-fuzz reference-fuzz

others=$(tests/testbed/kernels.sh --others | grep -vxF "$stock")
if [ -z "$others" ]; then
	fail "no bookworm-backports kernel with headers is installed" \
	     "(run scripts/install-deps.sh)"
	summaries+=("backports: not run (no kernel installed)")
fi
for kernel in $others; do
	tier backports "$kernel" "/usr/src/linux-headers-$kernel" \
		ours reference noiommu ours-nointremap reference-nointremap \
		ours-fuzz reference-fuzz
done

if [ $quick = 0 ]; then
	start=$(date +%s)
	if debug_dir=$(scripts/debug-kernel.sh); then
		timings+=("debug kernel (build or cache): $(($(date +%s) - start)) s")
		debug_rel=$(tests/testbed/kernels.sh --release "$debug_dir")
		tier debug "$debug_rel" "$debug_dir" ours noiommu ours-fuzz
	else
		fail "the debug kernel did not build (scripts/debug-kernel.sh)"
		summaries+=("debug: not run (the debug kernel did not build)")
	fi
fi

echo
for line in "${timings[@]}"; do
	echo "run-suite: $line"
done
echo "run-suite: total $(($(date +%s) - suite_start)) s"
echo
for line in "${summaries[@]}"; do
	echo "$line"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
