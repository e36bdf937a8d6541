#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-profile.sh <side> <sub-benchmark>...: run in the benchmark guest by
# bench-init.sh (run-bench.sh --profile), with one side's modules loaded
# and the devices bound, the host's root file system at /host and
# run-bench.sh's --out/profile directory at /profile.  For each
# sub-benchmark, two passes of /bench/vfio_bench --bench <name>:
#   1. ftrace's function_graph tracer, rooted at the system calls and the
#      interrupt entry the benchmarks use (GRAPH_ROOTS): every kernel
#      function they call, with its duration;
#      /profile/<side>-<name>.graph (graph-summary.awk makes a per-call
#      tree of it on the host);
#   2. the host's perf, in a chroot: `perf record -e cpu-clock -a -g`
#      (TCG has no PMU: software sampling) and two `perf report`s, flat
#      (self time by command, object and symbol) and with children
#      (inclusive time by symbol): /profile/<side>-<name>.perf-{self,children}.
# Each pass's own samples go to /profile/<side>-<name>.{graph,perf}.samples,
# not to the benchmark's table: tracing slows every traced call.

side=$1
shift
T=/sys/kernel/tracing
P=/profile
GRAPH_ROOTS="__x64_sys_ioctl __x64_sys_pread64 __x64_sys_pwrite64
__x64_sys_read __x64_sys_openat task_work_run handle_irq_event"

say() {
	echo "bench-profile: $*" >/dev/console
}

# Arguments of one pass: enough perf samples (4000 a second), a trace
# that fits the buffer.  pfnmap: only the BARs up to 128 KiB (the
# e1000e's and the curve's small ones), the ones whose cost is per call.
args_of() {
	case $1:$2 in
	pfnmap:graph) echo "--reps 1 --bar-max 128K" ;;
	pfnmap:perf) echo "--reps 150 --bar-max 128K" ;;
	config:graph) echo "--reps 1" ;;
	config:perf) echo "--reps 300" ;;
	open:graph) echo "--reps 1 --opens 5" ;;
	open:perf) echo "--reps 20" ;;
	irq:graph) echo "--reps 1" ;;
	irq:perf) echo "--reps 60" ;;
	*:graph) echo "--reps 1" ;;
	*) echo "--reps 3" ;;
	esac
}

graph_pass() {
	name=$1
	[ -d $T/options ] || mount -t tracefs nodev $T 2>/dev/null
	if [ ! -w $T/current_tracer ]; then
		say "no tracefs: no function_graph pass"
		return
	fi
	echo 0 >$T/tracing_on
	echo nop >$T/current_tracer
	echo 65536 >$T/buffer_size_kb
	: >$T/set_graph_function
	for f in $GRAPH_ROOTS; do
		echo "$f" >>$T/set_graph_function 2>/dev/null ||
			say "no $f to trace"
	done
	echo 12 >$T/max_graph_depth
	echo 1 >$T/options/funcgraph-tail
	echo 1 >$T/options/funcgraph-proc
	echo 1 >$T/options/funcgraph-irqs 2>/dev/null
	echo function_graph >$T/current_tracer
	: >$T/trace
	echo 1 >$T/tracing_on
	# shellcheck disable=SC2046 # args_of: several words
	/bench/vfio_bench --side "$side" --round 1 --bench "$name" \
		$(args_of "$name" graph) >/tmp/samples 2>&1
	echo 0 >$T/tracing_on
	cat $T/trace >"$P/$side-$name.graph"
	# a full buffer would drop events: say so next to the samples
	grep overrun $T/per_cpu/cpu*/stats >>/tmp/samples
	cp /tmp/samples "$P/$side-$name.graph.samples"
	echo nop >$T/current_tracer
	: >$T/set_graph_function
	echo 1408 >$T/buffer_size_kb
}

perf_pass() {
	name=$1
	if [ ! -x /host/usr/bin/perf ]; then
		say "no /host/usr/bin/perf: no perf pass"
		return
	fi
	cp /bench/vfio_bench /host/tmp/vfio_bench
	# shellcheck disable=SC2046 # args_of: several words
	chroot /host perf record -q -e cpu-clock -a -g -o /tmp/perf.data -- \
		/tmp/vfio_bench --side "$side" --round 1 --bench "$name" \
		$(args_of "$name" perf) >/tmp/samples 2>&1
	cp /tmp/samples "$P/$side-$name.perf.samples"
	chroot /host perf report -i /tmp/perf.data --stdio --no-children \
		--kallsyms /proc/kallsyms --sort comm,dso,sym -g none \
		--percent-limit 0.2 >"$P/$side-$name.perf-self" 2>&1
	chroot /host perf report -i /tmp/perf.data --stdio --children \
		--kallsyms /proc/kallsyms --comm vfio_bench --sort sym -g none \
		--percent-limit 1 >"$P/$side-$name.perf-children" 2>&1
	rm -f /host/tmp/perf.data /host/tmp/vfio_bench
}

# Every function_graph pass first: switching the tracer on patches kernel
# text with IPIs to the other vCPU, and once, after a perf pass, that
# IPI was never answered under TCG (a soft lockup in text_poke_bp_batch).
for name in "$@"; do
	say "$side: $name under function_graph"
	graph_pass "$name"
done
for name in "$@"; do
	say "$side: $name under perf"
	perf_pass "$name"
done
