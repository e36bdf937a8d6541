#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The documentation builds: `make docs` (sphinx-build -W -n: any warning,
# an unresolved reference or a file in no toctree is an error) into
# build/docs/html, and every Documentation/*.rst became a page.
# Output: TAP, for tests/run-suite.sh's totals.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

# shellcheck source=tests/host-tap.sh
. "$root/tests/host-tap.sh"

if ! command -v sphinx-build >/dev/null; then
	not_ok "sphinx-build is not installed (python3-sphinx; run scripts/install-deps.sh)"
	echo "1..$n"
	exit 1
fi

log=$(mktemp)
rm -rf build/docs
start=$(date +%s)
if make --no-print-directory docs >"$log" 2>&1; then
	ok "make docs (sphinx-build -W -n) builds without a warning in $(($(date +%s) - start)) s"
else
	not_ok "make docs fails (sphinx-build -W -n: warnings are errors)"
	sed 's/^/# /' "$log"
fi
rm -f "$log"

missing=
for rst in Documentation/*.rst; do
	page=build/docs/html/$(basename "$rst" .rst).html
	[ -s "$page" ] || missing="$missing $page"
done
if [ -z "$missing" ]; then
	ok "every Documentation/*.rst has its page in build/docs/html"
else
	not_ok "pages missing:$missing"
fi

echo "1..$n"
[ "$failed" = 0 ]
