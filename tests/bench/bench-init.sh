#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the benchmark guest (busybox sh), installed by run-bench.sh
# with /etc/bench.conf, which sets:
#   BENCH_ROUNDS     rounds; each loads both module sets in turn
#   BENCH_ARGS       arguments of every /bench/vfio_bench run
#   INTREE_MODULES   .ko names under /lib/modules/intree, in load order
#   OURS_MODULES     .ko names under /lib/modules/ours, in load order
#   BENCH_PROFILE    sub-benchmarks to profile (run-bench.sh --profile),
#                    comma separated, or empty
# Each round loads one side's modules, binds edu (and the peers the
# pfnmap and irq benchmarks use: the e1000e, ivshmem) to vfio-pci, runs
# /bench/vfio_bench --side <side> --round <n>, unbinds them and unloads
# the modules, then does the same for the other side; odd rounds start
# with the in-tree modules, even rounds with ours.  With BENCH_PROFILE,
# after the rounds, each side is loaded once more (in-tree first) and
# /bench/bench-profile.sh runs those sub-benchmarks under ftrace and perf,
# with the host's root file system at /host (9p tag hostfs, read-only,
# the testbed's /lib/hostfs modules) and the host's --out/profile
# directory at /profile (9p tag benchout, writable).
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

# side_up <side> <round>: load the side's modules, bind the devices;
# false (with an error line) if that failed.
side_up() {
	side=$1
	round=$2
	if [ "$side" = intree ]; then
		modules=$INTREE_MODULES
	else
		modules=$OURS_MODULES
	fi
	loaded=""
	for ko in $modules; do
		if insmod "/lib/modules/$side/$ko" 2>/tmp/err; then
			loaded="$(echo "${ko%.ko}" | tr - _) $loaded"
		else
			out "error $side $round setup insmod $ko: $(cat /tmp/err)"
			return 1
		fi
	done
	ok=0
	for dev in $edu $peers; do
		echo vfio-pci >"$dev/driver_override"
		echo "${dev##*/}" >/sys/bus/pci/drivers_probe 2>/dev/null
		drv=$(readlink "$dev/driver")
		if [ "${drv##*/}" != vfio-pci ]; then
			out "error $side $round setup ${dev##*/} not bound to vfio-pci"
			ok=1
		fi
	done
	return $ok
}

# side_down <side> <round>: unbind the devices, unload what side_up loaded.
side_down() {
	for dev in $edu $peers; do
		[ -e "$dev/driver" ] && echo "${dev##*/}" >"$dev/driver/unbind"
		echo >"$dev/driver_override"
	done
	for mod in $loaded; do
		rmmod "$mod" 2>/tmp/err ||
			out "error $1 $2 teardown rmmod $mod: $(cat /tmp/err)"
	done
}

# run_side <side> <round>: load, bind, measure, unbind, unload.
run_side() {
	say "round $2: $1"
	if side_up "$1" "$2"; then
		# shellcheck disable=SC2086 # BENCH_ARGS: several words
		/bench/vfio_bench --side "$1" --round "$2" $BENCH_ARGS \
			</dev/null >&3 2>/tmp/err ||
			out "error $1 $2 vfio_bench exit status $?: $(cat /tmp/err)"
	fi
	side_down "$1" "$2"
}

# mount_profile: /host and /profile for bench-profile.sh (see the header).
mount_profile() {
	for ko in $(cat /lib/hostfs/order); do
		insmod "/lib/hostfs/$ko" 2>/tmp/err || {
			out "error - 0 profile insmod $ko: $(cat /tmp/err)"
			return 1
		}
	done
	opts=trans=virtio,version=9p2000.L,msize=262144
	mkdir -p /host /profile
	mount -t 9p -o "$opts,ro" hostfs /host 2>/tmp/err &&
		mount -t 9p -o "$opts" benchout /profile 2>>/tmp/err || {
		out "error - 0 profile mount: $(cat /tmp/err)"
		return 1
	}
	for dir in dev proc sys; do
		mount --bind "/$dir" "/host/$dir"
	done
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	for dir in tmp run mnt; do
		mount -t tmpfs tmpfs "/host/$dir"
	done
}

# profile_side <side>: bench-profile.sh with the side loaded.
profile_side() {
	say "profile: $1"
	if side_up "$1" profile; then
		# shellcheck disable=SC2046 # one argument per sub-benchmark
		/bench/bench-profile.sh "$1" $(echo "$BENCH_PROFILE" | tr , ' ') \
			</dev/null >/dev/console 2>&1 ||
			out "error $1 0 profile bench-profile.sh status $?"
	fi
	side_down "$1" profile
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
	if [ -n "${BENCH_PROFILE:-}" ] && mount_profile; then
		profile_side intree
		profile_side ours
	fi
fi
out "end"

# Let both serial ports drain before the machine goes away.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
sync
sleep 1
poweroff -f
