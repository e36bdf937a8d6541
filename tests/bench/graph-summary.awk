# SPDX-License-Identifier: GPL-2.0-only
#
# graph-summary.awk <trace>: a per-call tree of an ftrace function_graph
# trace (bench-profile.sh's <side>-<name>.graph, taken with funcgraph-tail
# and funcgraph-proc).  Every call path (root;child;...) with its number of
# calls, total and average duration in microseconds, depth first, children
# in name order; paths under 2 % of their caller's total, and the timer
# ticks and softirqs that interrupted a call, are left out.
#   calls   total-us   avg-us  function (indented by depth)
# The durations include the tracer's own cost, which grows with the
# number of functions called: compare paths, not absolute times.

# The stack of the task (per CPU for the idle tasks) a line belongs to.
function key(head,    k) {
	k = head
	sub(/^ *[0-9]+\)/, "", k)
	gsub(/^ +| +$/, "", k)
	if (k ~ /-0$/ || k !~ /-[0-9]+$/)
		k = cpu ":" k
	return k
}

function record(k, name, us,    path) {
	path = depth[k] ? stack[k, depth[k]] ";" name : name
	calls[path]++
	total[path] += us
}

{
	if ($0 ~ /^#/ || $0 ~ /=>|==========|<==========|^ *-+ *$/)
		next
	n = split($0, f, "|")
	if (n < 2)
		next
	if (!match(f[1], /[0-9]+\)/))
		next
	cpu = substr(f[1], RSTART, RLENGTH - 1)
	k = key(n > 2 ? f[1] : cpu)
	fn = f[n]
	us = ""
	if (match(f[n - 1], /[0-9]+\.[0-9]+ us/))
		us = substr(f[n - 1], RSTART, RLENGTH - 3) + 0
	sub(/^ +/, "", fn)
	sub(/ +$/, "", fn)
	if (fn ~ /\(\) \{$/) {
		name = fn
		sub(/\(\) \{$/, "", name)
		d = ++depth[k]
		stack[k, d] = (d > 1 ? stack[k, d - 1] ";" : "") name
	} else if (fn ~ /^\}/) {
		if (!depth[k])
			next	# the trace began inside this call
		name = stack[k, depth[k]]
		calls[name]++
		total[name] += us
		depth[k]--
	} else if (fn ~ /\(\);$/) {
		name = fn
		sub(/\(\);$/, "", name)
		record(k, name, us)
	}
}

END {
	cmd = "LC_ALL=C sort -t '\t' -k1,1 | cut -f2-"
	for (p in calls) {
		nd = split(p, part, ";")
		caller = p
		sub(/;[^;]*$/, "", caller)
		if (nd > 1 && total[caller] > 0 &&
		    total[p] < total[caller] * 0.02)
			continue
		if (p ~ /;(__sysvec_apic_timer_interrupt|irq_exit_rcu|__irq_exit_rcu|handle_softirqs|__do_softirq)(;|$)/)
			continue
		ind = ""
		for (i = 1; i < nd; i++)
			ind = ind "  "
		sortkey = p
		gsub(/;/, "\001", sortkey)
		printf "%s\t%8d %11.1f %9.3f  %s%s\n", sortkey, calls[p],
		       total[p], total[p] / calls[p], ind, part[nd] | cmd
	}
	close(cmd)
}
