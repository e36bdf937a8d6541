#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# vfio_client_bindtools_test: the tools users move devices between their
# host drivers and vfio-pci with, run unmodified from the host's file
# system in the chroot (lib.sh host_run):
#   - DPDK's dpdk-devbind.py (Debian's dpdk 22.11): --bind=vfio-pci,
#     --status, --bind=<host driver>, -u;
#   - driverctl (Debian's 0.111, a bash script): --nosave set-override
#     and --nosave unset-override;
#   - libvirt 9.0's `virsh nodedev-detach` / `nodedev-reattach` sysfs
#     sequence (libvirt is not installed: libvirt_detach and
#     libvirt_reattach below write what it writes);
#   - `modprobe vfio-pci` over a module tree where depmod sees both the
#     in-tree modules and, in mode ours, ours in updates/ (where dkms
#     installs them): the modules that load must be ours; in mode
#     reference (no updates/) the in-tree ones.
# The devices with host drivers are the first e1000 (8086:100e, Debian's
# e1000) and the nvme 1b36:0010 (Debian's nvme); dpdk-devbind.py handles
# network devices only (its device classes do not include NVMe), so it
# runs on the e1000 alone.  After each step the test reads sysfs: the
# driver link, driver_override, and whether /dev/vfio/<group> exists
# (it must exactly while a function of the group is bound to vfio-pci).
# At the end every device is bound to vfio-pci again, as init left it,
# and the loaded modules are those of the start.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. /lib/testbed/clients.sh

client_require_hostfs

mode=${VFIO_TEST_MODE:-ours}
release=$(uname -r)
out=/tmp/bindtools.out
# The scratch module root, as the chroot sees it (tmpfs on the host's /tmp).
modroot=/tmp/bindtools-modroot
moddir=$modroot/lib/modules/$release

# modules_as <when> <list>: one test line: the loaded modules are those
# of <list>; if not, the ones not in it are unloaded (rmmod, several
# passes for their dependencies) so that later programs find the
# machine as init left it.
modules_as() {
	ma_now=$(module_list)
	if [ "$ma_now" = "$2" ]; then
		ok "$1: the loaded modules are those of the start"
		return 0
	fi
	not_ok "$1: the loaded modules differ from those of the start"
	echo "before: $(echo "$2" | tr '\n' ' ')" | diag
	echo "now: $(echo "$ma_now" | tr '\n' ' ')" | diag
	for _ in 1 2 3 4; do
		for ma_mod in $(module_list); do
			echo "$2" | grep -qx "$ma_mod" || rmmod "$ma_mod" 2>/dev/null
		done
	done
	return 1
}

# expect <step> <bdf> <driver> <driver_override>: one test line: the
# function is bound to <driver> ("none": to no driver), driver_override
# reads <driver_override> ("(null)": unset), and /dev/vfio/<group>
# exists exactly when a function of its IOMMU group is bound to vfio-pci.
expect() {
	ex_drv=$(pci_driver "$2")
	ex_ovr=$(override_of "$2")
	ex_grp=$(vfio_group "$2")
	ex_node=absent
	[ -c "/dev/vfio/$ex_grp" ] && ex_node=present
	ex_want=absent
	for ex_fn in "/sys/kernel/iommu_groups/$ex_grp/devices/"*; do
		[ "$(pci_driver "${ex_fn##*/}")" = vfio-pci ] && ex_want=present
	done
	if [ "$ex_drv" = "$3" ] && [ "$ex_ovr" = "$4" ] &&
		[ "$ex_node" = "$ex_want" ]; then
		ok "$1: $2 on $ex_drv, driver_override $ex_ovr, /dev/vfio/$ex_grp $ex_node"
	else
		not_ok "$1: $2 on $ex_drv (want $3), driver_override $ex_ovr (want $4), /dev/vfio/$ex_grp $ex_node (want $ex_want)"
	fi
}

# tool <step> <command> [args...]: run a host program in the chroot; one
# test line for its exit status, its output as TAP comments (kept in
# $out for the callers that parse it).
tool() {
	tl_step=$1
	shift
	host_run "$@" >"$out" 2>&1
	tl_rc=$?
	if [ $tl_rc = 0 ]; then
		ok "$tl_step: '$*' exits 0"
	else
		not_ok "$tl_step: '$*' exits $tl_rc"
	fi
	diag <"$out"
	return $tl_rc
}

# libvirt_detach <bdf>: what `virsh nodedev-detach` writes, mirroring
# libvirt 9.0's src/util/virpci.c virPCIDeviceDetach():
# virPCIDeviceBindToStub() first has virPCIProbeDriver() load vfio-pci
# when /sys/bus/pci/drivers/vfio-pci is missing, returns early when the
# driver link already points there, else
# virPCIDeviceBindWithDriverOverride() writes "vfio-pci" (no newline,
# virFileWriteStr) to driver_override and virPCIDeviceRebind() writes
# the address to driver/unbind (virPCIDeviceUnbind(), when bound) and
# then to /sys/bus/pci/drivers_probe.
libvirt_detach() {
	lv_dev=/sys/bus/pci/devices/$1
	if [ ! -d /sys/bus/pci/drivers/vfio-pci ]; then
		host_run modprobe vfio-pci || return 1
	fi
	[ "$(pci_driver "$1")" = vfio-pci ] && return 0
	printf '%s' vfio-pci >"$lv_dev/driver_override" || return 1
	if [ -e "$lv_dev/driver" ]; then
		printf '%s' "$1" >"$lv_dev/driver/unbind" || return 1
	fi
	printf '%s' "$1" >/sys/bus/pci/drivers_probe
}

# libvirt_reattach <bdf>: what `virsh nodedev-reattach` writes, mirroring
# libvirt 9.0's virPCIDeviceReattach() -> virPCIDeviceUnbindFromStub() ->
# virPCIDeviceBindWithDriverOverride(dev, "\n"): a lone newline clears
# driver_override, then virPCIDeviceRebind() unbinds vfio-pci and writes
# the address to drivers_probe, where the host driver takes the device.
libvirt_reattach() {
	lv_dev=/sys/bus/pci/devices/$1
	printf '\n' >"$lv_dev/driver_override" || return 1
	if [ -e "$lv_dev/driver" ]; then
		printf '%s' "$1" >"$lv_dev/driver/unbind" || return 1
	fi
	printf '%s' "$1" >/sys/bus/pci/drivers_probe
}

# devbind_listed <section title> <bdf> <driver>: whether the last
# `dpdk-devbind.py --status` output (in $out) lists <bdf> with
# drv=<driver> in that section.
devbind_listed() {
	awk -v title="$1" -v bdf="$2" -v drv="drv=$3" '
		$0 == title { in_section = 1; next }
		/^$/ { in_section = 0 }
		in_section && $1 == bdf {
			for (i = 2; i <= NF; i++)
				if ($i == drv)
					found = 1
		}
		END { exit !found }' "$out"
}

# cycle <bdf> <host driver>: libvirt's and driverctl's round trips, from
# vfio-pci (driver_override vfio-pci, as init binds) to the host driver
# and back.
cycle() {
	check "libvirt reattach $1 (vfio-pci -> $2)" libvirt_reattach "$1"
	expect "libvirt reattach" "$1" "$2" "(null)"
	check "libvirt detach $1 ($2 -> vfio-pci)" libvirt_detach "$1"
	expect "libvirt detach" "$1" vfio-pci vfio-pci
	check "libvirt reattach $1 (vfio-pci -> $2)" libvirt_reattach "$1"
	expect "libvirt reattach" "$1" "$2" "(null)"

	# driverctl runs as it is: set-override and unset-override need
	# bash, realpath, cut and /sbin/modprobe (it looks for
	# /sys/module/vfio-pci, which never exists, so it always runs
	# `modprobe -q vfio-pci`: a no-op, vfio_pci is loaded), not
	# udevadm (only list-devices --debug calls it); --nosave keeps it
	# off /etc/driverctl.d, read-only here.
	tool "driverctl" driverctl --nosave set-override "$1" vfio-pci
	expect "driverctl set-override" "$1" vfio-pci vfio-pci
	tool "driverctl" driverctl --nosave unset-override "$1"
	expect "driverctl unset-override" "$1" "$2" "(null)"
}

# devbind <bdf> <host driver>: dpdk-devbind.py's round trips from the
# host driver.  Its bind_one() writes driver_override, binds through
# drivers/vfio-pci/bind, then clears driver_override again (writes "\0"),
# so a device it bound has none.
devbind() {
	dpdk="Network devices using DPDK-compatible driver"
	kernel="Network devices using kernel driver"

	tool "dpdk-devbind" dpdk-devbind.py --bind=vfio-pci "$1"
	expect "dpdk-devbind --bind=vfio-pci" "$1" vfio-pci "(null)"
	tool "dpdk-devbind" dpdk-devbind.py --status-dev net
	check "dpdk-devbind --status lists $1 under \"$dpdk\" with drv=vfio-pci" \
		devbind_listed "$dpdk" "$1" vfio-pci

	tool "dpdk-devbind" dpdk-devbind.py --bind="$2" "$1"
	expect "dpdk-devbind --bind=$2" "$1" "$2" "(null)"
	tool "dpdk-devbind" dpdk-devbind.py --status-dev net
	check "dpdk-devbind --status lists $1 under \"$kernel\" with drv=$2" \
		devbind_listed "$kernel" "$1" "$2"

	tool "dpdk-devbind" dpdk-devbind.py --bind=vfio-pci "$1"
	expect "dpdk-devbind --bind=vfio-pci" "$1" vfio-pci "(null)"
	tool "dpdk-devbind" dpdk-devbind.py -u "$1"
	expect "dpdk-devbind -u" "$1" none "(null)"
	# -u leaves the function to whoever probes it next: with the
	# driver_override cleared, that is the host driver.
	echo "$1" >/sys/bus/pci/drivers_probe
	expect "drivers_probe after dpdk-devbind -u" "$1" "$2" "(null)"
}

# The host drivers' part: parts 1, 2, 4 and 5 of the brief.
host_drivers() {
	e1000=$(pci_devices 8086:100e | head -n 1)
	nvme=$(pci_devices 1b36:0010 | head -n 1)
	if [ -z "$e1000" ] || [ -z "$nvme" ]; then
		skip "no e1000 or no nvme 1b36:0010 in this guest"
		return
	fi
	expect "initial state" "$e1000" vfio-pci vfio-pci
	expect "initial state" "$nvme" vfio-pci vfio-pci

	# The host drivers do not take the devices while driver_override
	# names vfio-pci.
	tool "host driver" modprobe e1000
	tool "host driver" modprobe nvme
	expect "after modprobe e1000" "$e1000" vfio-pci vfio-pci
	expect "after modprobe nvme" "$nvme" vfio-pci vfio-pci

	cycle "$e1000" e1000
	devbind "$e1000" e1000
	cycle "$nvme" nvme

	# Back to vfio-pci the way init binds (lib.sh vfio_bind).
	check "vfio_bind $e1000" vfio_bind "$e1000"
	expect "rebound" "$e1000" vfio-pci vfio-pci
	check "vfio_bind $nvme" vfio_bind "$nvme"
	expect "rebound" "$nvme" vfio-pci vfio-pci
	tool "host driver" modprobe -r e1000 nvme
	# modprobe -r leaves some of what nvme pulled in (t10_pi, the CRC
	# modules): unload every module that was not loaded at the start.
	for _ in 1 2 3 4; do
		for mod in $(module_list); do
			echo "$modules_start" | grep -qx "$mod" && continue
			rmmod "$mod" 2>/dev/null && echo "rmmod $mod" | diag
		done
	done
}

# intree_ko <path under kernel/drivers/vfio>: the in-tree module file.
intree_ko() {
	for ik_file in "$HOSTFS/lib/modules/$release/kernel/drivers/vfio/$1".ko*; do
		[ -f "$ik_file" ] && echo "${ik_file#"$HOSTFS"}"
	done
}

# identify <module> <in-tree path>: test lines saying which file the
# loaded module came from.  Mode ours: the build ID is that of ours in
# updates/ and not the in-tree one's, and the module is tainted O
# (out of tree); mode reference: the in-tree one's, not tainted O.
identify() {
	id_loaded=$(loaded_build_id "$1")
	id_intree=$(ko_build_id "$(intree_ko "$2")")
	id_taint=$(cat "/sys/module/$1/taint")
	if [ "$mode" = ours ]; then
		id_ours=$(ko_build_id "$moddir/updates/${2##*/}.ko")
		if [ -n "$id_loaded" ] && [ "$id_loaded" = "$id_ours" ] &&
			[ "$id_loaded" != "$id_intree" ]; then
			ok "modprobe loaded our $1: build ID $id_loaded is that of updates/${2##*/}.ko"
		else
			not_ok "modprobe loaded $1 with build ID '$id_loaded': ours is '$id_ours', the in-tree one '$id_intree'"
		fi
		case $id_taint in
		*O*) ok "$1 is tainted '$id_taint' (out of tree)" ;;
		*) not_ok "$1 is tainted '$id_taint', not O (out of tree)" ;;
		esac
	else
		if [ -n "$id_loaded" ] && [ "$id_loaded" = "$id_intree" ]; then
			ok "modprobe loaded the in-tree $1: build ID $id_loaded"
		else
			not_ok "modprobe loaded $1 with build ID '$id_loaded': the in-tree one is '$id_intree'"
		fi
		case $id_taint in
		*O*) not_ok "$1 is tainted '$id_taint' (out of tree)" ;;
		*) ok "$1 is not tainted O: '$id_taint'" ;;
		esac
	fi
}

# The module part: part 3 of the brief.
modprobe_part() {
	mods_before=$(module_list)
	bound_before=$(vfio_bound)
	echo "$bound_before" | sed 's/^/bound to vfio-pci: /' | diag

	# Configuration that would change depmod's order: none on Debian
	# 12, so kmod's built-in "updates built-in" applies (depmod.d(5):
	# "By default, depmod will give a higher priority to a directory
	# with the name updates using this built-in search string:
	# 'updates built-in'").
	conf=$(cat "$HOSTFS"/etc/depmod.d/*.conf "$HOSTFS"/usr/lib/depmod.d/*.conf \
		"$HOSTFS"/usr/local/lib/depmod.d/*.conf 2>/dev/null |
		grep -E '^[[:space:]]*(search|override)')
	if [ -z "$conf" ]; then
		ok "no depmod.d search or override line: depmod's default order 'updates built-in'"
	else
		not_ok "depmod.d changes the search order: $conf"
	fi

	# rmmod vfio_pci unbinds its devices; their driver_override still
	# names vfio-pci, so no other driver takes them meanwhile.
	for _ in 1 2 3 4 5 6; do
		for mod in $(vfio_modules); do
			rmmod "$mod" 2>/dev/null
		done
		[ -z "$(vfio_modules)" ] && break
	done
	left=$(vfio_modules | tr '\n' ' ')
	check "rmmod: no vfio module is left ($left)" [ -z "$left" ]
	unbound=1
	for bdf in $bound_before; do
		[ "$(pci_driver "$bdf")" = none ] || unbound=0
	done
	check "the functions vfio-pci had are on no driver" [ "$unbound" = 1 ]

	# The scratch module root: the in-tree directories that hold
	# vfio-pci and everything it depends on (drivers/vfio, and virt for
	# irqbypass), through symlinks that depmod follows, the files depmod
	# reads beside them, and ours in updates/ in mode ours.  Not the
	# whole tree: depmod reading all of it over 9p took 56-80 s.
	rm -rf "$HOSTFS$modroot"
	mkdir -p "$HOSTFS$moddir/kernel/drivers"
	ln -s "/lib/modules/$release/kernel/drivers/vfio" \
		"$HOSTFS$moddir/kernel/drivers/vfio"
	ln -s "/lib/modules/$release/kernel/virt" "$HOSTFS$moddir/kernel/virt"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -f "$HOSTFS/lib/modules/$release/$f" ] &&
			cp "$HOSTFS/lib/modules/$release/$f" "$HOSTFS$moddir/"
	done
	if [ "$mode" = ours ]; then
		mkdir "$HOSTFS$moddir/updates"
		for ko in vfio.ko vfio_iommu_type1.ko vfio-pci.ko; do
			cp "/lib/modules/testbed/$ko" "$HOSTFS$moddir/updates/"
		done
	fi
	start=$(date +%s)
	tool "depmod" depmod -b "$modroot" "$release"
	echo "depmod took $(($(date +%s) - start)) s" | diag
	tool "modprobe" modprobe -d "$modroot" --show-depends vfio-pci
	tool "modprobe" modprobe -d "$modroot" vfio-pci
	for mod in vfio vfio_iommu_type1 vfio_pci; do
		check "modprobe vfio-pci loaded $mod" testbed_module_loaded "$mod"
	done
	identify vfio vfio
	identify vfio_iommu_type1 vfio_iommu_type1
	identify vfio_pci pci/vfio-pci

	# vfio-pci's registration bound every function whose
	# driver_override names it.
	rebound=1
	for bdf in $bound_before; do
		[ "$(pci_driver "$bdf")" = vfio-pci ] || rebound=0
	done
	check "vfio-pci took back every function it had" [ "$rebound" = 1 ]

	# Restore exactly what init left, whatever failed above.
	testbed_module_loaded vfio_pci || reload_init_modules
	for bdf in $bound_before; do
		vfio_bind "$bdf" || echo "cannot bind $bdf to vfio-pci" | diag
	done
	check "every function is bound to vfio-pci as before" \
		[ "$(vfio_bound)" = "$bound_before" ]
	rm -rf "$HOSTFS$modroot"
	modules_as "after modprobe vfio-pci" "$mods_before"
}

began=$(date +%s)
modules_start=$(module_list)
host_drivers
modules_as "after unloading the host drivers" "$modules_start"
modprobe_part
modules_as "at the end" "$modules_start"
rm -f "$out" "$HOSTFS/tmp/bindtools-ko"
echo "$(($(date +%s) - began)) s in all" | diag
client_done
