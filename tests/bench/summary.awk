# SPDX-License-Identifier: GPL-2.0-only
#
# run-bench.sh's table, from the lines the benchmark guest printed:
#   sample <side> <round> <figure> <unit> <value>
#   info - 0 <text>                   (the guest's; shown once each)
#   error <side> <round> <figure> <text>
# For each figure, in first-seen order: the median of each side (intree,
# ours), the ratio ours / in-tree of the medians, and the sample counts.
# Every figure is a rate, so a ratio above 1 means ours is faster.

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
	printf "Every figure is a rate: higher is better; ratio = ours / in-tree (above 1: ours faster)\n"
	printf "%-26s %-7s %12s %12s %8s %7s\n", "figure", "unit",
	       "in-tree", "ours", "ratio", "n"
	for (i = 1; i <= nfig; i++) {
		f = order[i]
		a = median("intree", f)
		b = median("ours", f)
		r = (a != "" && b != "" && a > 0) ? sprintf("%.2fx", b / a) : "-"
		printf "%-26s %-7s %12s %12s %8s %3d/%-3d\n", f, unit[f],
		       a == "" ? "-" : sprintf("%.4g", a),
		       b == "" ? "-" : sprintf("%.4g", b), r,
		       count["intree", f], count["ours", f]
	}
	for (i = 1; i <= nerr; i++)
		printf "%s\n", errors[i]
}
