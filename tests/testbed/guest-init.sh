#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the testbed guest (busybox sh).  Installed by make-initramfs.sh
# together with /etc/testbed.conf, which sets:
#   TESTBED_MODE          ours | reference | demo
#   TESTBED_TEST_TIMEOUT  seconds each program may run
#   TESTBED_MODULES       the .ko file names under /lib/modules/testbed,
#                         in load order
# and reads the kernel command line: testbed.mode=noiommu (run-guest.sh
# --mode noiommu, a guest without an IOMMU) loads vfio.ko with
# enable_unsafe_noiommu_mode=1, binds only edu and runs only the programs
# named in NOIOMMU_TESTS; testbed.intremap=off (run-guest.sh --no-intremap,
# a vIOMMU without interrupt remapping) binds only edu and runs only the
# programs named in NOINTREMAP_TESTS; testbed.hostfs=on (run-guest.sh, in
# modes ours and reference on Debian's kernels) loads /lib/hostfs's
# modules and mounts the host's root file system read-only at /host (9p
# tag hostfs), with /dev, /proc, /sys bound into it and tmpfs on its
# tmp, run and mnt, for the real-client tests (tests/clients/lib.sh).
#
# Output channels: kernel messages and demo output go to ttyS0 (the
# console); the TAP stream goes to ttyS1 (fd 3) only, so the two never
# interleave.  The TAP stream is:
#   TAP version 13
#   # testbed: setup          init's own lines: insmod, device binding
#   # kunit: begin <module>   after a KUnit test module (*_kunit.ko) loaded:
#   # ktap: <dmesg line>      the kernel log lines its load printed (its
#   # kunit: end              KTAP), for check-results.sh to parse
#   # program: <name>         a test program's stdout, unchanged, then its
#                             stderr as "# stderr:" comments, then init's
#                             "not ok" line if it failed, timed out or
#                             broke its TAP plan
#   # testbed: teardown       rmmod lines
#   # kmemleak: ...           kernels with kmemleak: the leak report after
#                             the unloads, and an ok/not ok line
#   # dmesg: begin ... # dmesg: end
#   # testbed: end            end marker: its absence means a crash/hang

PATH=/bin
export PATH

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
kmemleak=/sys/kernel/debug/kmemleak

# shellcheck source=/dev/null
. /etc/testbed.conf

# The programs that run in a noiommu boot; the others need an IOMMU.
NOIOMMU_TESTS="vfio_noiommu_test"
noiommu=0
case " $(cat /proc/cmdline) " in
*" testbed.mode=noiommu "*) noiommu=1 ;;
esac
# The programs that run without interrupt remapping.
NOINTREMAP_TESTS="vfio_intremap_test"
nointremap=0
case " $(cat /proc/cmdline) " in
*" testbed.intremap=off "*) nointremap=1 ;;
esac

hostfs=0
case " $(cat /proc/cmdline) " in
*" testbed.hostfs=on "*) hostfs=1 ;;
esac

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
stty -F /dev/ttyS2 raw -echo 2>/dev/null

tap() {
	echo "$*" >&3
}

say() {
	echo "testbed: $*" >/dev/console
}

# Modules actually loaded, most recent first, for the reverse unload.
loaded=""

load_modules() {
	for ko in $TESTBED_MODULES; do
		before=$(dmesg | wc -l)
		params=""
		if [ $noiommu = 1 ] && [ "$ko" = vfio.ko ]; then
			params=enable_unsafe_noiommu_mode=1
		fi
		# shellcheck disable=SC2086 # $params: zero or one word
		if insmod "/lib/modules/testbed/$ko" $params 2>/tmp/insmod.err; then
			tap "ok - insmod $ko${params:+ $params}"
			loaded="${ko%.ko} $loaded"
		else
			tap "not ok - insmod $ko"
			sed 's/^/# /' /tmp/insmod.err >&3
		fi
		case $ko in
		*_kunit.ko)
			# KUnit runs a module's suites while it loads and
			# prints their KTAP to the kernel log.
			tap "# kunit: begin ${ko%.ko}"
			dmesg | tail -n +$((before + 1)) | sed 's/^/# ktap: /' >&3
			tap "# kunit: end"
			;;
		esac
	done
}

# kmemleak_clear: forget what kmemleak finds before our modules load
# (boot-time noise is not ours): a scan, then "clear" marks every
# object reported so far as not leaked.
kmemleak_clear() {
	[ -w $kmemleak ] || return 0
	say "kmemleak: clearing boot-time reports"
	echo scan >$kmemleak
	echo clear >$kmemleak
	tap "# kmemleak: boot-time reports cleared"
}

# kmemleak_before_unload: two scans while our modules are still loaded
# (a new object is reported only once its contents held still over a
# scan), kept for the report: their backtraces name our functions, which
# they no longer can once the modules are gone.
kmemleak_before_unload() {
	[ -w $kmemleak ] || return 0
	say "kmemleak: scanning before the unloads"
	echo scan >$kmemleak
	sleep 5
	echo scan >$kmemleak
	cat $kmemleak >/tmp/kmemleak.loaded 2>&1
}

# kmemleak_check: after the unloads, two scans a few seconds apart (an
# object must stay unreferenced, and be old enough, to be reported), then
# any report fails the run.
kmemleak_check() {
	[ -w $kmemleak ] || return 0
	say "kmemleak: scanning"
	echo scan >$kmemleak
	sleep 5
	echo scan >$kmemleak
	cat $kmemleak >/tmp/kmemleak 2>&1
	leaks=$(grep -c '^unreferenced object' /tmp/kmemleak)
	if [ -s /tmp/kmemleak ]; then
		tap "not ok - kmemleak: $leaks unreferenced objects after the tests"
		if [ -s /tmp/kmemleak.loaded ]; then
			tap "# kmemleak: found before the unloads (symbolized):"
			sed 's/^/# kmemleak: /' /tmp/kmemleak.loaded >&3
			tap "# kmemleak: found after the unloads:"
		fi
		sed 's/^/# kmemleak: /' /tmp/kmemleak >&3
	else
		tap "ok - kmemleak: no leaks"
	fi
}

unload_modules() {
	for mod in $loaded; do
		name=$(echo "$mod" | tr - _)
		if rmmod "$name" 2>/tmp/rmmod.err; then
			tap "ok - rmmod $name"
		else
			tap "not ok - rmmod $name"
			sed 's/^/# /' /tmp/rmmod.err >&3
		fi
	done
}

# mount_hostfs: the host's root file system at /host (see the header).
mount_hostfs() {
	for ko in $(cat /lib/hostfs/order); do
		if ! insmod "/lib/hostfs/$ko" 2>/tmp/insmod.err; then
			tap "not ok - insmod $ko (host file system)"
			sed 's/^/# /' /tmp/insmod.err >&3
			return
		fi
	done
	if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 \
		hostfs /host 2>/tmp/mount.err; then
		tap "not ok - mount the host file system at /host"
		sed 's/^/# /' /tmp/mount.err >&3
		return
	fi
	for dir in dev proc sys; do
		mount --bind "/$dir" "/host/$dir"
	done
	for dir in tmp run mnt; do
		mount -t tmpfs tmpfs "/host/$dir"
	done
	tap "ok - mount the host file system at /host"
}

# bind_id <vendor:device> <label>: bind every such device to vfio-pci.
bind_id() {
	want=$1
	found=0
	for dev in /sys/bus/pci/devices/*; do
		id="$(cat "$dev/vendor"):$(cat "$dev/device")"
		id=$(echo "$id" | sed 's/0x//g')
		[ "$id" = "$want" ] || continue
		found=1
		bdf=${dev##*/}
		if [ -e "$dev/driver" ]; then
			echo "$bdf" >"$dev/driver/unbind"
		fi
		echo vfio-pci >"$dev/driver_override"
		echo "$bdf" >/sys/bus/pci/drivers_probe 2>/dev/null
		drv=$(readlink "$dev/driver")
		if [ "${drv##*/}" = vfio-pci ]; then
			tap "ok - bind $bdf ($2 $want) to vfio-pci"
		else
			drv=${drv##*/}
			tap "not ok - bind $bdf ($2 $want) to vfio-pci: driver is ${drv:-none}"
		fi
	done
	[ $found = 1 ] || tap "not ok - no $2 ($want) device in the guest"
}

# run_program <path> <timeout>: run one program, its stdout going to fd 3
# as it comes; add a "not ok" line if it fails, times out, or its TAP plan
# (1..N) disagrees with the number of test lines it printed.
run_program() {
	prog=$1
	name=${prog##*/}
	tap "# program: $name"
	say "running $name"
	start=$(date +%s)
	# busybox ash has pipefail: the status is the program's, not tee's.
	# shellcheck disable=SC3040
	set -o pipefail
	(cd /tmp && VFIO_TEST_MODE=$TESTBED_MODE \
		timeout -s KILL "$2" "$prog" </dev/null 2>/tmp/stderr) |
		tee /tmp/stdout >&3
	rc=$?
	# shellcheck disable=SC3040
	set +o pipefail
	elapsed=$(($(date +%s) - start))
	sed 's/^/# stderr: /' /tmp/stderr >&3
	plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' /tmp/stdout | head -n 1)
	ran=$(grep -c -E '^(not )?ok' /tmp/stdout)
	case $rc in
	0 | 4)
		[ $rc = 0 ] || tap "# $name: exit status 4 (KSFT_SKIP)"
		if [ -n "$plan" ] && [ "$plan" != "$ran" ]; then
			tap "not ok - $name planned $plan tests, reported $ran"
		fi
		;;
	*)
		if [ "$elapsed" -ge "$2" ]; then
			tap "not ok - $name timed out after $2 s"
		elif [ $rc -gt 128 ]; then
			tap "not ok - $name killed by signal $((rc - 128))"
		else
			tap "not ok - $name exited with status $rc"
		fi
		;;
	esac
}

run_demo() {
	for prog in /examples/*; do
		[ -x "$prog" ] || continue
		name=${prog##*/}
		echo "==== demo: $name ====" >/dev/console
		timeout -s KILL "$TESTBED_TEST_TIMEOUT" "$prog" \
			</dev/null >/dev/console 2>&1
		rc=$?
		echo "==== demo: $name exited with status $rc ====" >/dev/console
		if [ $rc = 0 ]; then
			tap "ok - demo $name"
		else
			tap "not ok - demo $name exited with status $rc"
		fi
	done
}

echo >/dev/console
tap "TAP version 13"
tap "# testbed: setup mode=$TESTBED_MODE noiommu=$noiommu nointremap=$nointremap kernel=$(uname -r)"
kmemleak_clear
say "mode $TESTBED_MODE, loading modules"
load_modules
# Before the devices are bound: virtio_pci would take virtio-rng.
[ $hostfs = 1 ] && mount_hostfs

if [ "$TESTBED_MODE" = demo ]; then
	bind_id 1234:11e8 edu
	run_demo
elif [ $noiommu = 1 ] || [ $nointremap = 1 ]; then
	bind_id 1234:11e8 edu
	names=$NOIOMMU_TESTS
	[ $nointremap = 1 ] && names=$NOINTREMAP_TESTS
	for name in $names; do
		if [ -x "/tests/$name" ]; then
			run_program "/tests/$name" "$TESTBED_TEST_TIMEOUT"
		else
			tap "not ok - $name is not in the initramfs"
		fi
	done
else
	bind_id 1234:11e8 edu
	bind_id 8086:100e e1000
	bind_id 8086:10d3 e1000e
	bind_id 1b36:0010 nvme
	bind_id 1af4:1044 virtio-rng
	bind_id 8086:5845 nvme-sriov
	bind_id 1234:1111 vga
	bind_id 1b36:0005 pci-testdev
	for prog in /tests/*_test; do
		[ -x "$prog" ] || continue
		run_program "$prog" "$TESTBED_TEST_TIMEOUT"
	done
fi

tap "# testbed: teardown"
kmemleak_before_unload
say "unloading modules"
unload_modules
kmemleak_check

tap "# dmesg: begin"
dmesg >&3
tap "# dmesg: end"
tap "# testbed: end"

# Let both serial ports drain before the machine goes away: stty on a
# tty waits for pending output (TCSADRAIN); the sleep covers the rest.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
stty -F /dev/console -echo 2>/dev/null
sync
sleep 1
poweroff -f
