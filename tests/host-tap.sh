# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# TAP lines for the host-side checks (tests/dkms/dkms-test.sh,
# tests/docs/docs-test.sh), sourced by them: ok and not_ok number each
# line and count the failures in $failed; the script prints "1..$n".

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}
