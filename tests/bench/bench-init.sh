#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the benchmark guest (busybox sh), installed by run-bench.sh
# with /etc/bench.conf, which sets:
#   BENCH_ROUNDS     rounds; each loads both module sets in turn
#   BENCH_ARGS       arguments of every /bench/vfio_bench run
#   INTREE_MODULES   .ko names under /lib/modules/intree, in load order
#   OURS_MODULES     .ko names under /lib/modules/ours, in load order
# Each round loads one side's modules, binds edu (and the peers the
# pfnmap and irq benchmarks use: the e1000e, ivshmem) to vfio-pci, runs
# /bench/vfio_bench --side <side> --round <n>, unbinds them and unloads
# the modules, then does the same for the other side; odd rounds start
# with the in-tree modules, even rounds with ours.
#
# ttyS0 is the console; ttyS1 (fd 3) carries only the lines run-bench.sh
# collects: vfio_bench's sample/info/error lines, init's own
# "info"/"error" lines, and "end" when everything ran.

PATH=/bin
export PATH

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

# shellcheck source=/dev/null
. /etc/bench.conf

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1

out() {
	echo "$*" >&3
}

say() {
	echo "bench: $*" >/dev/console
}

# The sysfs directories of edu (1234:11e8) and of the peers: the e1000e
# (8086:10d3) and ivshmem (1af4:1110), when the machine has them.
edu=""
peers=""
for dev in /sys/bus/pci/devices/*; do
	case "$(cat "$dev/vendor"):$(cat "$dev/device")" in
	0x1234:0x11e8) edu=$dev ;;
	0x8086:0x10d3 | 0x1af4:0x1110) peers="$peers $dev" ;;
	esac
done

# run_side <side> <round>: load, bind, measure, unbind, unload.
run_side() {
	side=$1
	round=$2
	if [ "$side" = intree ]; then
		modules=$INTREE_MODULES
	else
		modules=$OURS_MODULES
	fi
	say "round $round: $side"
	loaded=""
	ok=1
	for ko in $modules; do
		if insmod "/lib/modules/$side/$ko" 2>/tmp/err; then
			loaded="$(echo "${ko%.ko}" | tr - _) $loaded"
		else
			out "error $side $round setup insmod $ko: $(cat /tmp/err)"
			ok=0
			break
		fi
	done
	if [ $ok = 1 ]; then
		for dev in $edu $peers; do
			echo vfio-pci >"$dev/driver_override"
			echo "${dev##*/}" >/sys/bus/pci/drivers_probe 2>/dev/null
			drv=$(readlink "$dev/driver")
			if [ "${drv##*/}" != vfio-pci ]; then
				out "error $side $round setup ${dev##*/} not bound to vfio-pci"
				ok=0
			fi
		done
	fi
	if [ $ok = 1 ]; then
		# shellcheck disable=SC2086 # BENCH_ARGS: several words
		/bench/vfio_bench --side "$side" --round "$round" $BENCH_ARGS \
			</dev/null >&3 2>/tmp/err ||
			out "error $side $round vfio_bench exit status $?: $(cat /tmp/err)"
	fi
	for dev in $edu $peers; do
		[ -e "$dev/driver" ] && echo "${dev##*/}" >"$dev/driver/unbind"
		echo >"$dev/driver_override"
	done
	for mod in $loaded; do
		rmmod "$mod" 2>/tmp/err ||
			out "error $side $round teardown rmmod $mod: $(cat /tmp/err)"
	done
}

echo >/dev/console
out "info - 0 kernel $(uname -r)"
out "info - 0 thp $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
out "info - 0 hugepages $(cat /proc/sys/vm/nr_hugepages)"
if [ -z "$edu" ]; then
	out "error - 0 setup no edu device (1234:11e8) in the guest"
else
	round=1
	while [ "$round" -le "$BENCH_ROUNDS" ]; do
		if [ $((round % 2)) = 1 ]; then
			run_side intree "$round"
			run_side ours "$round"
		else
			run_side ours "$round"
			run_side intree "$round"
		fi
		round=$((round + 1))
	done
fi
out "end"

# Let both serial ports drain before the machine goes away.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
sync
sleep 1
poweroff -f
