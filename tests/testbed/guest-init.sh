#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the testbed guest (busybox sh).  Installed by make-initramfs.sh
# together with /etc/testbed.conf, which sets:
#   TESTBED_MODE          ours | reference | demo
#   TESTBED_TEST_TIMEOUT  seconds each program may run
#   TESTBED_MODULES       the .ko file names under /lib/modules/testbed,
#                         in load order
#
# Output channels: kernel messages and demo output go to ttyS0 (the
# console); the TAP stream goes to ttyS1 (fd 3) only, so the two never
# interleave.  The TAP stream is:
#   TAP version 13
#   # testbed: setup          init's own lines: insmod, device binding
#   # program: <name>         a test program's stdout, unchanged, then its
#                             stderr as "# stderr:" comments, then init's
#                             "not ok" line if it failed, timed out or
#                             broke its TAP plan
#   # testbed: teardown       rmmod lines
#   # dmesg: begin ... # dmesg: end
#   # testbed: end            end marker: its absence means a crash/hang

PATH=/bin
export PATH

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

# shellcheck source=/dev/null
. /etc/testbed.conf

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1

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
		if insmod "/lib/modules/testbed/$ko" 2>/tmp/insmod.err; then
			tap "ok - insmod $ko"
			loaded="${ko%.ko} $loaded"
		else
			tap "not ok - insmod $ko"
			sed 's/^/# /' /tmp/insmod.err >&3
		fi
	done
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
			tap "not ok - bind $bdf ($2 $want) to vfio-pci: driver is ${drv:+${drv##*/}}${drv:-none}"
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
tap "# testbed: setup mode=$TESTBED_MODE kernel=$(uname -r)"
say "mode $TESTBED_MODE, loading modules"
load_modules

if [ "$TESTBED_MODE" = demo ]; then
	bind_id 1234:11e8 edu
	run_demo
else
	bind_id 1234:11e8 edu
	bind_id 8086:100e e1000
	bind_id 8086:10d3 e1000e
	for prog in /tests/*_test; do
		[ -x "$prog" ] || continue
		run_program "$prog" "$TESTBED_TEST_TIMEOUT"
	done
fi

tap "# testbed: teardown"
say "unloading modules"
unload_modules

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
