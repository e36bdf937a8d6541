#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check-results.sh <mode> <out dir> <qemu exit status> <timeout seconds>
#
# Judge one testbed run from <out dir>/results.tap (ttyS1) and
# <out dir>/console.log (ttyS0), print every failure, then the one-line
# summary "<mode>: N passed, N failed, N skipped", and exit 1 if anything
# failed.  What fails a run:
#   - a "not ok" line (a test, or init's own lines: insmod, bind, rmmod,
#     a program that failed, timed out or broke its TAP plan);
#   - a missing "# testbed: end" marker (the guest crashed or hung);
#   - qemu killed by the host timeout, or exiting with an error;
#   - a kernel splat (splat-patterns) in console.log or the dmesg section.
# Each of the last three counts as one failed test.
set -euo pipefail

mode=$1
out=$2
qemu_status=$3
limit=$4

here=$(cd "$(dirname "$0")" && pwd)
tap=$out/results.tap
console=$out/console.log

[ -f "$tap" ] || : >"$tap"
[ -f "$console" ] || : >"$console"

# The TAP stream without serial carriage returns, and its dmesg section.
tr -d '\r' <"$tap" >"$out/results.clean.tap"
sed -n '/^# dmesg: begin$/,/^# dmesg: end$/p' "$out/results.clean.tap" \
	>"$out/dmesg.log"

# Count the test lines outside the dmesg section.  Prints the failing
# lines, then "passed failed skipped" as the last line.
counts=$(awk '
	BEGIN { section = "init" }
	/^# dmesg: begin$/ { indmesg = 1; next }
	/^# dmesg: end$/ { indmesg = 0; next }
	indmesg { next }
	/^# program: / { section = substr($0, 12); next }
	/^# testbed: / { section = "init"; next }
	/^not ok/ {
		printf "FAIL: [%s] %s\n", section, $0
		failed++; next
	}
	/^ok/ {
		if ($0 ~ /#[ \t]*[Ss][Kk][Ii][Pp]/)
			skipped++
		else
			passed++
	}
	END { printf "%d %d %d\n", passed, failed, skipped }
' "$out/results.clean.tap")

echo "$counts" | sed '$d'
read -r passed failed skipped <<<"$(echo "$counts" | tail -n 1)"

# A hung, crashed or failed guest counts once, whatever the reason.
if [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
	echo "FAIL: the guest did not power off within $limit s (hung); see $console"
	failed=$((failed + 1))
elif [ "$qemu_status" != 0 ]; then
	echo "FAIL: qemu exited with status $qemu_status; see $out/qemu.log"
	failed=$((failed + 1))
elif ! grep -qx '# testbed: end' "$out/results.clean.tap"; then
	echo "FAIL: no end marker in $tap: the guest crashed or hung; see $console"
	failed=$((failed + 1))
fi

patterns=$(grep -v '^#' "$here/splat-patterns")
splats=$(cat "$console" "$out/dmesg.log" | tr -d '\r' |
	 grep -a -E -e "$patterns" | head -n 40 | sed 's/^/    /' || true)
if [ -n "$splats" ]; then
	echo "FAIL: kernel splat in the guest (console.log / dmesg):"
	echo "$splats"
	failed=$((failed + 1))
fi

echo "$mode: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
