#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# vfio_diag_test: the diagnostic tool tools/vfio-diag (static, in /data
# with its helper vfio-diag-hold, tests/clients/vfio_diag_hold.c) run in
# the testbed guest, its output checked against what sysfs, procfs and
# the kernel say:
#   - usage: no command, an unknown one, bad arguments exit 2; --help 0;
#   - groups: the groups and devices are those of /sys/kernel/iommu_groups,
#     each with the driver sysfs shows; each group with a /dev/vfio node
#     is called viable or not as VFIO_GROUP_GET_STATUS says; a group held
#     open names its holder;
#   - a group made not viable: i2c-i801 (Debian's module, from the host
#     file system) takes the ICH9 SMBus function, and groups names that
#     function and driver; bind of a sibling then exits 1 saying the
#     group is not viable, and the kernel agrees (GET_STATUS);
#   - bind/unbind round trips: edu to no driver and back (everywhere),
#     the first e1000 to Debian's e1000 and back (host file system):
#     sysfs driver links, driver_override, /dev/vfio/<group>, the record
#     in /run/vfio-diag; unbind refuses a device whose group is open;
#   - check: IOMMU, interrupt remapping (off only in nointremap boots),
#     the modules (vfio-oot's in mode ours, the in-tree ones in mode
#     reference), /dev/vfio/vfio, the groups on vfio-pci; exit 0; as an
#     unprivileged user with a 64 KiB RLIMIT_MEMLOCK (setpriv, host file
#     system) --memory 1G FAILs and exits 1, --memory 32K passes;
#   - state, while vfio-diag-hold holds edu's group with a container, a
#     mapping of known IOVA and size and one interrupt eventfd: mode ours
#     shows the container, the mapping, its pinned pages (its size) and
#     locked pages (the holder's VmLck), the group's opener and the
#     device's interrupts, and nothing pinned after the holder exits;
#     mode reference (no vfio-oot debugfs) exits 3 saying so.
# At the end every device is where init left it and no module is added.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. /lib/testbed/clients.sh

mode=${VFIO_TEST_MODE:-ours}
tool=/data/vfio-diag
hold=/data/vfio-diag-hold
out=/tmp/vfio-diag.out
err=/tmp/vfio-diag.err
page=4096

[ -x "$tool" ] && [ -x "$hold" ] ||
	client_skip_all "no $tool or $hold (make tests builds them into data/)"
[ -d /sys/kernel/iommu_groups ] && [ -c /dev/vfio/vfio ] ||
	client_skip_all "no IOMMU groups or no /dev/vfio/vfio in this boot"

hostfs=0
[ -x "$HOSTFS/usr/bin/env" ] && hostfs=1
run_existed=0
[ -d /run ] && run_existed=1

# vd <args...>: run the tool, stdout in $out, stderr in $err; sets rc.
vd() {
	"$tool" "$@" >"$out" 2>"$err"
	rc=$?
}

# show: the last run's output as TAP comments.
show() {
	cat "$out" "$err" | diag
}

# expect_rc <description> <status>: one test line for the last run.
expect_rc() {
	if [ "$rc" = "$2" ]; then
		ok "$1: exit status $rc"
	else
		not_ok "$1: exit status $rc, want $2"
		show
	fi
}

# has <file> <fixed string>: whether a line of the file contains it.
has() {
	grep -qF -- "$2" "$1"
}

# group_block <group>: the lines of `groups` output for one group.
group_block() {
	awk -v g="group $1:" '
		/^group / { in_g = (index($0, g) == 1) }
		in_g' "$out"
}

usage_part() {
	vd
	expect_rc "no command" 2
	vd frobnicate
	expect_rc "unknown command" 2
	vd --help
	expect_rc "--help" 0
	check "--help prints the usage" has "$out" "usage:"
	vd bind
	expect_rc "bind without a BDF" 2
	vd bind not-a-bdf
	expect_rc "bind not-a-bdf" 2
	vd check --memory lots
	expect_rc "check --memory lots" 2
	vd groups extra
	expect_rc "groups with an extra argument" 2
}

# groups_part: every group and device of sysfs, with its driver, and the
# kernel's verdict on viability.
groups_part() {
	vd groups
	expect_rc "groups" 0
	gp_bad=""
	gp_nodes=0
	gp_n=0
	for gp_dir in /sys/kernel/iommu_groups/*; do
		gp_g=${gp_dir##*/}
		gp_n=$((gp_n + 1))
		gp_want=$(ls "$gp_dir/devices" | sort | tr '\n' ' ')
		gp_got=$(group_block "$gp_g" |
			awk '/^  [0-9a-f]+:[0-9a-f]/ { print $1 }' |
			sort | tr '\n' ' ')
		[ "$gp_want" = "$gp_got" ] ||
			gp_bad="$gp_bad group $gp_g: sysfs '$gp_want', groups '$gp_got';"
		for gp_dev in $gp_want; do
			gp_drv=$(pci_driver "$gp_dev")
			group_block "$gp_g" |
				grep -qE "^  $gp_dev .* driver $gp_drv( |\$)" ||
				gp_bad="$gp_bad $gp_dev not shown on driver $gp_drv;"
		done
		[ -c "/dev/vfio/$gp_g" ] || continue
		# The kernel's verdict (not held open: GET_STATUS answers).
		gp_nodes=$((gp_nodes + 1))
		gp_k=$("$hold" --status "$gp_g" 2>&1)
		gp_line=$(group_block "$gp_g" | head -n 1)
		case "$gp_k:$gp_line" in
		viable:"group $gp_g: viable"*) ;;
		not-viable:"group $gp_g: not viable"*) ;;
		*) gp_bad="$gp_bad group $gp_g: kernel '$gp_k', groups '$gp_line';" ;;
		esac
	done
	gp_headers=$(grep -c '^group [0-9]*: ' "$out")
	[ "$gp_headers" = "$gp_n" ] ||
		gp_bad="$gp_bad $gp_headers group lines for $gp_n groups;"
	if [ -z "$gp_bad" ]; then
		ok "groups: the $gp_n groups of sysfs with their devices and drivers; viability as GET_STATUS says for the $gp_nodes with a /dev/vfio node"
	else
		not_ok "groups:$gp_bad"
		show
	fi
}

# nonviable_part: i2c-i801 takes the ICH9 SMBus function; its group is
# then reported not viable, naming it.
nonviable_part() {
	smbus=$(pci_devices 8086:2930 | head -n 1)
	if [ "$hostfs" = 0 ] || [ -z "$smbus" ]; then
		skip "not-viable group: needs the host file system (Debian's i2c-i801) and the ICH9 SMBus 8086:2930"
		return
	fi
	nv_mods=$(module_list)
	nv_g=$(vfio_group "$smbus")
	nv_sib=""
	for nv_fn in "/sys/kernel/iommu_groups/$nv_g/devices/"*; do
		nv_fn=${nv_fn##*/}
		[ "$nv_fn" != "$smbus" ] && [ "$(pci_driver "$nv_fn")" = none ] &&
			nv_sib=$nv_fn && break
	done
	echo "SMBus $smbus in group $nv_g (driver $(pci_driver "$smbus")), sibling $nv_sib" | diag
	# An earlier program (vfio_bind_test) may have left i2c-i801 loaded
	# with the SMBus unbound: then bind it by hand, and unbind it again
	# at the end rather than unloading what this program did not load.
	nv_had=0
	testbed_module_loaded i2c_i801 && nv_had=1
	[ $nv_had = 1 ] || host_run modprobe i2c-i801 2>&1 | diag
	if [ "$(pci_driver "$smbus")" = none ] &&
		[ -d /sys/bus/pci/drivers/i801_smbus ]; then
		echo "$smbus" >/sys/bus/pci/drivers/i801_smbus/bind 2>/dev/null
	fi
	nv_drv=$(pci_driver "$smbus")
	if [ "$nv_drv" = none ]; then
		skip "not-viable group: i2c-i801 did not bind $smbus"
		[ $nv_had = 1 ] || host_run modprobe -r i2c-i801
		return
	fi
	vd groups
	nv_head=$(group_block "$nv_g" | head -n 1)
	case $nv_head in
	"group $nv_g: not viable: device $smbus bound to driver $nv_drv "*)
		ok "groups: '$nv_head'" ;;
	*)
		not_ok "groups: group $nv_g's line is '$nv_head', want it not viable for $smbus on $nv_drv"
		show ;;
	esac
	check "groups marks $smbus and gives a fix" \
		sh -c "grep -q '^  $smbus .*<- keeps the group' '$out' &&
			grep -q '^  fix: bind $smbus to vfio-pci' '$out'"

	if [ -n "$nv_sib" ]; then
		vd bind "$nv_sib"
		expect_rc "bind $nv_sib into a group that is not viable" 1
		check "bind names $smbus and $nv_drv as what keeps group $nv_g from being viable" \
			grep -q "device $smbus is bound to driver $nv_drv" "$err"
		nv_k=$("$hold" --status "$nv_g" 2>&1)
		check "the kernel agrees: GET_STATUS of group $nv_g says '$nv_k'" \
			[ "$nv_k" = not-viable ]
		if [ "$mode" = ours ]; then
			check "our debugfs names the same device and driver" \
				grep -q "^group $nv_g: not viable: device $smbus bound to driver $nv_drv" \
				/sys/kernel/debug/vfio/groups
		fi
		vd unbind "$nv_sib"
		expect_rc "unbind $nv_sib (back to no driver)" 0
		check "$nv_sib is on no driver again" [ "$(pci_driver "$nv_sib")" = none ]
		check "$nv_sib has no driver_override" [ "$(override_of "$nv_sib")" = "(null)" ]
	fi

	if [ $nv_had = 1 ]; then
		echo "$smbus" >"/sys/bus/pci/drivers/$nv_drv/unbind"
		check "$smbus is on no driver again, as found" \
			[ "$(pci_driver "$smbus")" = none ]
	else
		host_run modprobe -r i2c-i801 2>&1 | diag
	fi
	for _ in 1 2 3; do
		for nv_m in $(module_list); do
			echo "$nv_mods" | grep -qx "$nv_m" || rmmod "$nv_m" 2>/dev/null
		done
	done
	check "the modules are those before this part (i2c-i801 unloaded if this part loaded it)" [ "$(module_list)" = "$nv_mods" ]
	vd groups
	nv_head=$(group_block "$nv_g" | head -n 1)
	check "group $nv_g is viable again: '$nv_head'" \
		sh -c "echo '$nv_head' | grep -q '^group $nv_g: viable'"
}

# expect <step> <bdf> <driver> <driver_override>: the function's driver,
# driver_override, and /dev/vfio/<group> exactly while it is on vfio-pci.
expect() {
	ex_drv=$(pci_driver "$2")
	ex_ovr=$(override_of "$2")
	ex_grp=$(vfio_group "$2")
	ex_node=absent
	[ -c "/dev/vfio/$ex_grp" ] && ex_node=present
	ex_want=absent
	[ "$3" = vfio-pci ] && ex_want=present
	if [ "$ex_drv" = "$3" ] && [ "$ex_ovr" = "$4" ] &&
		[ "$ex_node" = "$ex_want" ]; then
		ok "$1: $2 on $ex_drv, driver_override $ex_ovr, /dev/vfio/$ex_grp $ex_node"
	else
		not_ok "$1: $2 on $ex_drv (want $3), driver_override $ex_ovr (want $4), /dev/vfio/$ex_grp $ex_node (want $ex_want)"
		show
	fi
}

# record_of <bdf>: the driver bind recorded, or "(none)" without a record.
record_of() {
	if [ -f "/run/vfio-diag/$1" ]; then
		sed -n 's/^driver=//p' "/run/vfio-diag/$1"
	else
		echo "(none)"
	fi
}

# round_trip <bdf> <driver>: from vfio-pci to <driver> ("none": no
# driver) with unbind --driver, back with bind, to <driver> again from
# bind's record, and back to vfio-pci as init left it.
round_trip() {
	rt_host=$2
	[ "$rt_host" = none ] && rt_host=""
	vd unbind --driver "$2" "$1"
	expect_rc "unbind --driver $2 $1" 0
	expect "unbind --driver $2" "$1" "$2" "(null)"
	vd bind "$1"
	expect_rc "bind $1" 0
	check "bind says the group is viable and its node ready" \
		has "$out" "bound to vfio-pci; IOMMU group $(vfio_group "$1") is viable"
	expect "bind" "$1" vfio-pci vfio-pci
	rt_rec=$(record_of "$1")
	check "bind recorded the previous driver: '$rt_rec'" [ "$rt_rec" = "$rt_host" ]
	vd unbind "$1"
	expect_rc "unbind $1 (recorded driver)" 0
	expect "unbind" "$1" "$2" "(null)"
	check "unbind removed the record" [ "$(record_of "$1")" = "(none)" ]
	vd bind "$1"
	expect_rc "bind $1 again" 0
	expect "bind again" "$1" vfio-pci vfio-pci
	rm -f "/run/vfio-diag/$1"
}

bind_part() {
	edu=$(pci_devices 1234:11e8 | head -n 1)
	if [ -z "$edu" ]; then
		skip "bind/unbind: no edu device"
	else
		expect "initial state" "$edu" vfio-pci vfio-pci
		round_trip "$edu" none
	fi

	vd bind 0000:00:1e.7
	expect_rc "bind of a function that does not exist" 1
	check "it says there is no such device" has "$err" "no PCI device 0000:00:1e.7"
	bp_host=$(pci_devices 8086:29c0 | head -n 1)
	if [ -n "$bp_host" ]; then
		vd unbind "$bp_host"
		expect_rc "unbind of $bp_host (not on vfio-pci)" 1
		check "it says $bp_host is not bound to vfio-pci" \
			has "$err" "$bp_host is not bound to vfio-pci"
	fi

	e1000=$(pci_devices 8086:100e | head -n 1)
	if [ "$hostfs" = 0 ] || [ -z "$e1000" ]; then
		skip "bind/unbind with a host driver: needs the host file system (Debian's e1000) and an e1000"
		return
	fi
	bp_mods=$(module_list)
	host_run modprobe e1000 2>&1 | diag
	expect "after modprobe e1000" "$e1000" vfio-pci vfio-pci
	round_trip "$e1000" e1000
	host_run modprobe -r e1000 2>&1 | diag
	check "e1000 is unloaded" [ "$(module_list)" = "$bp_mods" ]
}

# check_part: the readiness checks against the testbed's facts.
check_part() {
	vd check
	expect_rc "check" 0
	show
	check "check: PASS for the IOMMU" grep -q '^PASS: IOMMU: ' "$out"
	if grep -q 'testbed.intremap=off' /proc/cmdline; then
		check "check: interrupt remapping FAILs (nointremap boot)" \
			grep -q '^FAIL: interrupt remapping' "$out"
	else
		check "check: PASS for interrupt remapping" \
			grep -q '^PASS: interrupt remapping: enabled' "$out"
	fi
	if [ "$mode" = ours ]; then
		check "check: the modules are vfio-oot's" \
			grep -q "^PASS: modules: .*vfio-oot's" "$out"
	else
		check "check: the modules are the kernel's own" \
			grep -q "^PASS: modules: .*the kernel's own (in-tree)" "$out"
	fi
	check "check: PASS for /dev/vfio/vfio" grep -q '^PASS: /dev/vfio/vfio' "$out"
	cp_n=0
	for cp_dir in /sys/kernel/iommu_groups/*; do
		for cp_fn in "$cp_dir"/devices/*; do
			if [ "$(pci_driver "${cp_fn##*/}")" = vfio-pci ]; then
				cp_n=$((cp_n + 1))
				break
			fi
		done
	done
	check "check: the $cp_n groups with a device on vfio-pci are viable" \
		grep -q "^PASS: groups: $cp_n with a device on vfio-pci, all viable" "$out"

	if [ "$hostfs" = 0 ]; then
		skip "check --memory as an unprivileged user: needs setpriv from the host file system"
		return
	fi
	cp "$tool" "$HOSTFS/tmp/vfio-diag"
	# shellcheck disable=SC2016 # $1 is the inner shell's
	host_run setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all sh -c 'ulimit -l 64 && exec /tmp/vfio-diag check --memory "$1"' \
		sh 1G >"$out" 2>"$err"
	rc=$?
	expect_rc "check --memory 1G as nobody with a 64 KiB memlock limit" 1
	check "it FAILs the memlock check" \
		grep -q '^FAIL: memlock: limit 64 KiB, below the 1 GiB' "$out"
	# shellcheck disable=SC2016 # $1 is the inner shell's
	host_run setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all sh -c 'ulimit -l 64 && exec /tmp/vfio-diag check --memory "$1"' \
		sh 32K >"$out" 2>"$err"
	check "check --memory 32K as nobody passes the memlock check" \
		grep -q '^PASS: memlock: limit 64 KiB, enough for 32 KiB' "$out"
	show
	rm -f "$HOSTFS/tmp/vfio-diag"
}

# state_part: vfio-diag-hold holds edu's group; state, groups and unbind
# see it.
state_part() {
	sp_edu=$(pci_devices 1234:11e8 | head -n 1)
	if [ -z "$sp_edu" ]; then
		skip "state: no edu device"
		return
	fi
	sp_g=$(vfio_group "$sp_edu")
	sp_iova=$((0x100000))
	sp_size=$((256 * page))
	sp_last=$(printf '0x%x' $((sp_iova + sp_size - 1)))
	"$hold" "$sp_edu" "$sp_iova" "$sp_size" >/tmp/vfio-diag-hold.out 2>&1 &
	sp_pid=$!
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		grep -q '^ready' /tmp/vfio-diag-hold.out && break
		kill -0 "$sp_pid" 2>/dev/null || break
		sleep 1
	done
	if ! grep -q '^ready' /tmp/vfio-diag-hold.out; then
		not_ok "vfio-diag-hold did not get ready"
		diag </tmp/vfio-diag-hold.out
		kill "$sp_pid" 2>/dev/null
		wait "$sp_pid" 2>/dev/null
		return
	fi
	sp_irq=$(awk '/^ready/ { print $3 }' /tmp/vfio-diag-hold.out)
	sp_lck=$(awk '/^VmLck:/ { print $2 }' "/proc/$sp_pid/status")
	echo "holder $sp_pid: group $sp_g, IOVA $sp_iova size $sp_size, irq $sp_irq, VmLck $sp_lck kB" | diag

	vd groups
	check "groups: group $sp_g is open by $sp_pid (vfio-diag-hold)" \
		sh -c "grep -q '^group $sp_g: viable, /dev/vfio/$sp_g open by $sp_pid (vfio-diag-hold)' '$out'"
	vd unbind "$sp_edu"
	expect_rc "unbind of $sp_edu while its group is open" 1
	check "unbind says $sp_edu is in use by $sp_pid" \
		sh -c "grep -q 'is in use: /dev/vfio/$sp_g is open by $sp_pid' '$err'"
	check "$sp_edu is still on vfio-pci" [ "$(pci_driver "$sp_edu")" = vfio-pci ]

	vd state
	show
	if [ "$mode" != ours ]; then
		expect_rc "state with the in-tree modules" 3
		check "state says there is no vfio-oot state" has "$out" "no vfio-oot state"
	else
		expect_rc "state" 0
		sp_cont=$(grep '^  container #' "$out" | grep " groups $sp_g\$")
		check "state: a container with group $sp_g: '$sp_cont'" [ -n "$sp_cont" ]
		sp_map=$(grep "^    IOVA $(printf '0x%x' "$sp_iova")-$sp_last " "$out")
		check "state: the mapping 0x$(printf '%x' "$sp_iova")-$sp_last: '$sp_map'" \
			[ -n "$sp_map" ]
		check "state: the mapping is read/write" \
			sh -c "echo '$sp_map' | grep -q '  rw  '"
		sp_pin=$(echo "$sp_map" | sed -n 's/.* pinned \([0-9]*\) pages.*/\1/p')
		check "state: pinned $sp_pin pages of $page bytes = the mapping's $sp_size bytes" \
			[ "$((${sp_pin:-0} * page))" = "$sp_size" ]
		sp_lock=$(echo "$sp_map" | sed -n 's/.* locked \([0-9]*\) pages.*/\1/p')
		check "state: locked $sp_lock pages = the holder's VmLck $sp_lck kB" \
			[ "$((${sp_lock:-0} * page / 1024))" = "$sp_lck" ]
		check "state: group $sp_g open by pid $sp_pid (vfio-diag-hold) in container #1" \
			sh -c "grep -q '^  group $sp_g (/dev/vfio/$sp_g): open by pid $sp_pid (vfio-diag-hold), container #1, device files open: 1' '$out'"
		check "state: $sp_edu has 1 open file" \
			grep -q "^    device $sp_edu (vfio-pci): 1 open file\$" "$out"
		check "state: $sp_edu's interrupts: $sp_irq, 1 vector with an eventfd" \
			grep -q "^      interrupts: $sp_irq, 1 vector, 1 with an eventfd" "$out"
	fi

	kill "$sp_pid"
	wait "$sp_pid" 2>/dev/null
	vd state
	if [ "$mode" = ours ]; then
		check "state after the holder exits: no container, nothing pinned" \
			sh -c "grep -q '^  none in use' '$out' &&
				grep -q '^total: 0 containers, pinned 0 pages' '$out'"
	else
		expect_rc "state with the in-tree modules, holder gone" 3
	fi
	rm -f /tmp/vfio-diag-hold.out
}

began=$(date +%s)
modules_start=$(module_list)
usage_part
groups_part
state_part
nonviable_part
bind_part
check_part
check "the loaded modules are those of the start" [ "$(module_list)" = "$modules_start" ]
rm -rf /run/vfio-diag
[ "$run_existed" = 0 ] && rmdir /run 2>/dev/null
rm -f "$out" "$err"
echo "$(($(date +%s) - began)) s in all" | diag
client_done
