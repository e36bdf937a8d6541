# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
#
# Shell library of the real-client tests (tests/clients/*.sh), sourced by
# them in the testbed guest as /lib/testbed/clients.sh (busybox sh).
#
# The guest's init mounts the host's root file system read-only at /host
# (9p) when run-guest.sh asks for it (testbed.hostfs=on), with the
# guest's /dev, /proc and /sys bound into it and tmpfs on /host/tmp,
# /host/run and /host/mnt, so that host programs (qemu-system-x86_64,
# dpdk-testpmd, dpdk-devbind.py, modprobe) run unmodified in a chroot.
#
# TAP: ok/not_ok/skip number the test lines; client_done prints the plan
# at the end and exits 0, or 1 if any test failed.

HOSTFS=/host
client_n=0
client_failed=0

ok() {
	client_n=$((client_n + 1))
	echo "ok $client_n - $*"
}

not_ok() {
	client_n=$((client_n + 1))
	client_failed=$((client_failed + 1))
	echo "not ok $client_n - $*"
}

skip() {
	client_n=$((client_n + 1))
	echo "ok $client_n - $* # SKIP"
}

# check <description> <command...>: one test line from a command's status.
check() {
	desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

# diag: a TAP comment for each line of standard input.
diag() {
	sed 's/^/# /'
}

client_done() {
	echo "1..$client_n"
	[ "$client_failed" = 0 ]
}

# client_skip_all <reason>: the whole program does not apply here.
client_skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

# client_require_hostfs: skip the program when the host's file system is
# not mounted (the debug kernel, noiommu and nointremap boots).
client_require_hostfs() {
	[ -x "$HOSTFS/usr/bin/env" ] ||
		client_skip_all "the host file system is not mounted at $HOSTFS"
}

# host_run <command> [args...]: run a host program in the chroot, with a
# clean environment.
host_run() {
	chroot "$HOSTFS" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root TERM=dumb LC_ALL=C "$@"
}

# pci_devices <vendor:device>: the BDFs of every such function, sorted.
pci_devices() {
	for dev in /sys/bus/pci/devices/*; do
		id="$(cat "$dev/vendor"):$(cat "$dev/device")"
		id=$(echo "$id" | sed 's/0x//g')
		[ "$id" = "$1" ] && echo "${dev##*/}"
	done | sort
}

# pci_driver <bdf>: the name of the driver bound to a function, or "none".
pci_driver() {
	drv=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)
	if [ -n "$drv" ]; then
		echo "${drv##*/}"
	else
		echo none
	fi
}

# vfio_bind <bdf>: bind a function to vfio-pci through driver_override
# (what the testbed's init does at boot); fails if it did not bind.
vfio_bind() {
	dev=/sys/bus/pci/devices/$1
	[ "$(pci_driver "$1")" = vfio-pci ] && return 0
	if [ -e "$dev/driver" ]; then
		echo "$1" >"$dev/driver/unbind"
	fi
	echo vfio-pci >"$dev/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe 2>/dev/null
	[ "$(pci_driver "$1")" = vfio-pci ]
}

# vfio_group <bdf>: the IOMMU group number of a function.
vfio_group() {
	grp=$(readlink "/sys/bus/pci/devices/$1/iommu_group")
	echo "${grp##*/}"
}

# testbed_module_loaded <name>: whether a module is loaded.
testbed_module_loaded() {
	[ -d "/sys/module/$1" ]
}

# module_list: the loaded modules, sorted.
module_list() {
	cut -d ' ' -f 1 /proc/modules | sort
}

# vfio_modules: the loaded vfio modules.
vfio_modules() {
	awk '$1 ~ /^vfio/ { print $1 }' /proc/modules
}

# vfio_bound: the functions bound to vfio-pci, sorted.
vfio_bound() {
	for vb_dev in /sys/bus/pci/drivers/vfio-pci/0000:*; do
		[ -e "$vb_dev" ] && echo "${vb_dev##*/}"
	done | sort
}

# override_of <bdf>: the function's driver_override ("(null)": unset).
override_of() {
	cat "/sys/bus/pci/devices/$1/driver_override"
}

# reload_init_modules: the modules /init loaded (/etc/testbed.conf's
# TESTBED_MODULES, in /lib/modules/testbed) that are not loaded now.
reload_init_modules() {
	# shellcheck source=/dev/null
	. /etc/testbed.conf
	for rl_ko in $TESTBED_MODULES; do
		rl_name=$(echo "${rl_ko%.ko}" | tr - _)
		testbed_module_loaded "$rl_name" ||
			insmod "/lib/modules/testbed/$rl_ko"
	done
}

# ko_build_id <path in the host's root>: the GNU build ID of a module
# file (decompressed first when it is .ko.xz); nothing for no path.
ko_build_id() {
	kb_file=$1
	[ -n "$kb_file" ] || return 0
	case $kb_file in
	*.xz)
		# shellcheck disable=SC2016 # $1 is the inner shell's
		host_run sh -c 'xz -dc "$1" >/tmp/clients-ko' sh "$kb_file"
		kb_file=/tmp/clients-ko
		;;
	esac
	host_run readelf -n "$kb_file" | sed -n 's/^ *Build ID: *//p'
}

# loaded_build_id <module>: the build ID of a loaded module, from its
# ELF note in sysfs (12 bytes of note header, "GNU\0", then the ID).
loaded_build_id() {
	host_run od -An -v -tx1 -j16 "/sys/module/$1/notes/.note.gnu.build-id" |
		tr -d ' \n'
}

# host_request <command>: ask the outer QEMU for something through the
# testbed's request channel (ttyS2, relayed by tests/testbed/qmp-relay.py
# to QEMU's monitor); only "device_del <id>" is accepted.
host_request() {
	echo "$*" >/dev/ttyS2
}
