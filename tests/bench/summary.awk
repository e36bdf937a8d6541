# SPDX-License-Identifier: GPL-2.0-only
#
# run-bench.sh's table, from the lines the benchmark guest printed:
#   sample <side> <round> <figure> <unit> <value>
#   info - 0 <text>                   (the guest's; shown once each)
#   error <side> <round> <figure> <text>
# For each figure, in first-seen order: the median of each side (intree,
# ours), their ratio and the sample counts.  The ratio is oriented so
# that above 1 means ours is better: ours / in-tree for rates (GiB/s,
# map/s, MB/s...), in-tree / ours for times (ns, us, ms) and for memory
# held (KiB/GiB).
# Then TARGETS: each figure's ratio against issue 9's target for it
# (THP map 3x, hugetlb map 1.2x, 4k map 1.1x, unmap 2x for every
# backing, pfnmap map 20x, kernel memory per GiB no more than the
# in-tree's, everything else 1.0x), met or missed.

function median(side, fig,    n, i, j, v, a) {
	n = count[side, fig]
	if (n == 0)
		return ""
	for (i = 1; i <= n; i++)
		a[i] = val[side, fig, i]
	for (i = 2; i <= n; i++) {
		v = a[i]
		for (j = i - 1; j >= 1 && a[j] > v; j--)
			a[j + 1] = a[j]
		a[j + 1] = v
	}
	if (n % 2)
		return a[(n + 1) / 2]
	return (a[n / 2] + a[n / 2 + 1]) / 2
}

# Lower is better for times and memory; higher for rates.
function lower_better(u) {
	return u ~ /^(ns|us|ms|s|KiB\/GiB)$/
}

# The ratio of the medians @a (in-tree) and @b (ours), above 1 when ours
# is better; "" when it has no meaning (a median missing or not > 0).
function ratio(f, a, b) {
	if (a == "" || b == "" || a <= 0 || b <= 0)
		return ""
	return lower_better(unit[f]) ? a / b : b / a
}

# Issue 9's target for figure @f: a minimum ratio, or "mem" (ours must
# hold no more kernel memory than the in-tree).
function target(f) {
	if (f ~ /^kmem-/)
		return "mem"
	if (f ~ /^(curve-)?unmap\//)
		return 2
	if (f ~ /^map\/pfnmap\//)
		return 20
	if (f ~ /^(curve-)?map\/thp\//)
		return 3
	if (f ~ /^(curve-)?map\/hugetlb\//)
		return 1.2
	if (f ~ /^(curve-)?map\/4k\//)
		return 1.1
	return 1.0
}

function fmt(v) {
	if (v == "")
		return "-"
	return sprintf("%.4g", v)
}

$1 == "sample" && NF == 6 {
	if (!(($4) in unit)) {
		order[++nfig] = $4
		unit[$4] = $5
	}
	val[$2, $4, ++count[$2, $4]] = $6
	next
}

$1 == "info" {
	text = $0
	sub(/^info [^ ]+ [^ ]+ /, "", text)
	if ($2 != "-")
		next	# per-side details (smaps checks): in the log only
	if (!(text in shown)) {
		shown[text] = 1
		infos[++ninfo] = text
	}
	next
}

$1 == "error" {
	errors[++nerr] = $0
	next
}

END {
	for (i = 1; i <= ninfo; i++)
		printf "guest: %s\n", infos[i]
	printf "ratio above 1: ours better (rates: ours / in-tree; times " \
	       "(ns, us, ms) and memory (KiB/GiB): in-tree / ours)\n"
	printf "%-38s %-7s %12s %12s %8s %7s\n", "figure", "unit",
	       "in-tree", "ours", "ratio", "n"
	for (i = 1; i <= nfig; i++) {
		f = order[i]
		a = median("intree", f)
		b = median("ours", f)
		r = ratio(f, a, b)
		printf "%-38s %-7s %12s %12s %8s %3d/%-3d\n", f, unit[f],
		       fmt(a), fmt(b), r == "" ? "-" : sprintf("%.2fx", r),
		       count["intree", f], count["ours", f]
	}

	printf "\nTARGETS (issue 9)\n"
	printf "%-38s %-15s %16s  %s\n", "figure", "target", "ratio",
	       "result"
	met = missed = 0
	for (i = 1; i <= nfig; i++) {
		f = order[i]
		a = median("intree", f)
		b = median("ours", f)
		t = target(f)
		if (a == "" || b == "") {
			printf "%-38s %-15s %16s  %s\n", f, "-", "-",
			       "not measured"
			missed++
			continue
		}
		if (t == "mem") {
			ok = b <= a
			printf "%-38s %-15s %16s  %s\n", f, "ours <= in-tree",
			       fmt(b) " vs " fmt(a), ok ? "met" : "MISSED"
		} else {
			r = ratio(f, a, b)
			ok = r != "" && r >= t
			printf "%-38s %-15s %16s  %s\n", f,
			       sprintf(">= %.1fx", t),
			       r == "" ? "-" : sprintf("%.2fx", r),
			       ok ? "met" : "MISSED"
		}
		if (ok)
			met++
		else
			missed++
	}
	printf "%d met, %d missed\n", met, missed
	for (i = 1; i <= nerr; i++)
		printf "%s\n", errors[i]
}
