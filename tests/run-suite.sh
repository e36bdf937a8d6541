#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The whole test suite (`make check`): build the modules and the test
# programs, boot the QEMU testbed with our modules (mode ours) and then
# with Debian's in-tree ones (mode reference), print each mode's summary,
# and end with exactly one line "N passed, N failed, N skipped" totalled
# over both modes.  A failed build, or a guest that crashed, hung or
# splatted, counts as a failure.  Exits non-zero if anything failed.
#
# Environment: KVER (kernel release, default scripts/kernel-release.sh),
# TESTBED_TIMEOUT (seconds per boot, default 600), TESTBED_TEST_TIMEOUT.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

kver=${KVER:-$("$root/scripts/kernel-release.sh")} || exit 1
limit=${TESTBED_TIMEOUT:-600}
make=${MAKE:-make}

passed=0
failed=0
skipped=0
summaries=()

fail() {
	echo "run-suite: FAIL: $*"
	failed=$((failed + 1))
}

modules_built=1
if ! $make KVER="$kver" modules; then
	fail "the module build failed"
	modules_built=0
fi
if ! $make KVER="$kver" tests; then
	fail "the test program build failed"
fi

# run_mode <mode>: boot the testbed once and add its counts to the totals.
run_mode() {
	local mode=$1 log summary p f s

	log=$(mktemp)
	tests/testbed/run-guest.sh --mode "$mode" --kernel "$kver" \
		--tests "$root/build/tests" --out "$root/build/testbed/$mode" \
		--timeout "$limit" 2>&1 | tee "$log"
	summary=$(grep -E "^$mode: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" \
		  "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$summary" ]; then
		fail "mode $mode produced no summary (the testbed did not run)"
		summaries+=("$mode: did not run")
		return
	fi
	read -r p f s <<<"$(echo "$summary" |
		sed -E 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	summaries+=("$summary")
}

if [ $modules_built = 1 ]; then
	run_mode ours
else
	summaries+=("ours: not run (the module build failed)")
fi
run_mode reference

echo
for line in "${summaries[@]}"; do
	echo "$line"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
