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
# KUnit: each "# kunit: begin <module>" section (the KTAP a test module
# printed while loading) is written to <out dir>/kunit-<module>.ktap and
# parsed with the kernel's `kunit.py parse`; its tests are added to the
# counts (crashed and errored ones as failed), and a module whose KTAP
# does not parse or holds no test counts as one failure.
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

# KUnit sections.
rm -f "$out"/kunit-*.ktap "$out"/kunit-*.parsed
awk -v dir="$out" '
	/^# kunit: begin / { file = dir "/kunit-" $4 ".ktap"; printf "" >file; next }
	/^# kunit: end$/ { file = ""; next }
	file != "" && /^# ktap: / {
		sub(/^# ktap: /, "")
		sub(/^\[ *[0-9]+\.[0-9]+\] /, "")
		print >file
	}' "$out/results.clean.tap"
kunit_py=""
for ktap in "$out"/kunit-*.ktap; do
	[ -e "$ktap" ] || continue
	name=${ktap##*/kunit-}
	name=${name%.ktap}
	if [ -z "$kunit_py" ]; then
		kunit_py=$("$here/../../scripts/linux-source.sh")/tools/testing/kunit/kunit.py
	fi
	parsed=${ktap%.ktap}.parsed
	# A test module's KTAP (6.1) has no top-level header: its suites
	# start with an indented "KTAP version 1", and their top-level result
	# lines are numbered on from the suites of modules loaded before.
	# Give kunit.py a document it accepts: drop what precedes the first
	# version line, add the header, number the results from 1.
	awk '
		!started && /^[ \t]*K?TAP version/ {
			started = 1
			indented = ($0 ~ /^[ \t]/)
		}
		!started { next }
		{ line[++n] = $0 }
		/^(not )?ok [0-9]+/ { results++ }
		END {
			if (indented)
				printf "KTAP version 1\n1..%d\n", results
			for (i = 1; i <= n; i++) {
				l = line[i]
				if (l ~ /^(not )?ok [0-9]+/)
					sub(/ok [0-9]+/, "ok " ++k, l)
				print l
			}
		}' "$ktap" >"$ktap.tmp"
	mv "$ktap.tmp" "$ktap"
	python3 "$kunit_py" parse "$ktap" >"$parsed" 2>&1 || true
	summary=$(sed -n 's/.*Testing complete\. Ran \([0-9]*\) tests\?: \(.*\)$/\1 \2/p' \
		  "$parsed" | tail -n 1)
	read -r total rest <<<"${summary:-0}"
	get() {
		echo "${rest:-}" | sed -n "s/.*\b$1: \([0-9]*\).*/\1/p" | grep . ||
			echo 0
	}
	kp=$(get passed)
	kf=$(($(get failed) + $(get crashed) + $(get errors)))
	ks=$(get skipped)
	grep -E '\[(FAILED|CRASHED)\]|^\[[0-9:]+\] +# .*(FAILED|failed)' "$parsed" |
		sed "s/^/FAIL: [kunit $name] /" || true
	if [ "$total" = 0 ]; then
		echo "FAIL: [kunit $name] no KUnit test results in its KTAP; see $parsed"
		kf=1
	fi
	echo "kunit $name: $kp passed, $kf failed, $ks skipped"
	passed=$((passed + kp))
	failed=$((failed + kf))
	skipped=$((skipped + ks))
done

# The guest's /init (busybox sh) must run without shell errors.
init_errors=$(tr -d '\r' <"$console" | grep -a -E '^/init: ' | head -n 10 || true)
if [ -n "$init_errors" ]; then
	echo "FAIL: shell errors in the guest's /init (console.log):"
	echo "$init_errors" | sed 's/^/    /'
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
