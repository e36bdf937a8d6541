#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# vfio_dkms_test: what dkms installed is what modprobe loads, and after
# `dkms remove` modprobe loads the in-tree modules again.  The guest side
# of tests/dkms/dkms-test.sh, which built and installed our modules with
# Debian's dkms in a scratch tree for every Debian kernel and left a copy
# in the guest's /data/dkms: src/ (dkms's source tree), tree/ (its dkms
# tree) and root/, where lib/modules/<release>/ holds copies of the
# in-tree drivers/vfio and virt, ours in updates/dkms/ and depmod's
# files, and etc/modprobe.d holds vfio-oot.conf, put there by dkms's
# POST_INSTALL.
#
# The test copies the sources, the dkms tree and this kernel's part of
# the root to the chroot's tmpfs (/tmp/dkms), points the dkms tree's
# source link there, unloads the vfio modules, and:
#   1. modprobe -d <root> -C <root>/etc/modprobe.d vfio-pci: the loaded
#      vfio, vfio_iommu_type1 and vfio_pci have the build IDs of the files
#      dkms installed, not the in-tree ones', version 1.0 (ours) and
#      parameters only ours have; every parameter in
#      /sys/module/<module>/parameters has a description in modinfo;
#      vfio-pci took back every function it had;
#   2. vfio-oot.conf: kmod parses its softdeps; with vfio loaded alone,
#      modprobe vfio-pci loads vfio_iommu_type1 too; modprobe -r vfio-pci
#      unloads all three;
#   3. dkms remove -k <release> (Debian's dkms, in the chroot, on the
#      copy): the files leave updates/dkms/, POST_REMOVE removes
#      vfio-oot.conf, dkms status no longer lists the kernel; after
#      depmod -b, modprobe vfio-pci loads the in-tree modules.
# At the end the modules init loaded are back and every function is on
# vfio-pci as before.  The same in modes ours and reference: it loads
# the dkms build either way.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. /lib/testbed/clients.sh

client_require_hostfs

release=$(uname -r)
data=/data/dkms
[ -d "$data/root/lib/modules/$release/updates/dkms" ] ||
	client_skip_all "no dkms install for $release in $data (tests/dkms/dkms-test.sh makes it)"
src_dir=$(echo "$data"/src/*-*)
name_version=${src_dir##*/}
name=${name_version%-*}
version=${name_version##*-}

# Paths as the chroot sees them (its /tmp is a tmpfs of the guest).
work=/tmp/dkms
mroot=$work/root
moddir=$mroot/lib/modules/$release
conf=$mroot/etc/modprobe.d/vfio-oot.conf
out=/tmp/dkms.out

# unload_vfio: every vfio module (several passes, dependencies last).
unload_vfio() {
	for _ in 1 2 3 4 5 6; do
		for uv_mod in $(vfio_modules); do
			rmmod "$uv_mod" 2>/dev/null
		done
		[ -z "$(vfio_modules)" ] && return 0
	done
	return 1
}

# tool <step> <command> [args...]: a host program in the chroot; one test
# line for its exit status, its output as TAP comments (and in $out).
tool() {
	tl_step=$1
	shift
	host_run "$@" >"$HOSTFS$out" 2>&1
	tl_rc=$?
	if [ $tl_rc = 0 ]; then
		ok "$tl_step: '$*' exits 0"
	else
		not_ok "$tl_step: '$*' exits $tl_rc"
	fi
	diag <"$HOSTFS$out"
	return $tl_rc
}

# ko_of <dir in the chroot> <module file name>: the file, .ko or .ko.xz.
ko_of() {
	for ko_f in "$1/$2.ko" "$1/$2.ko.xz"; do
		[ -f "$HOSTFS$ko_f" ] && echo "$ko_f" && return 0
	done
	return 1
}

# identify <ours|in-tree> <module> <file name> <dir under $moddir>: test
# lines saying which file the loaded module came from: its build ID,
# /sys/module/<module>/version and the O (out-of-tree) taint.
identify() {
	id_loaded=$(loaded_build_id "$2")
	id_ours=$(ko_build_id "$(ko_of "$moddir/updates/dkms" "$3")")
	id_intree=$(ko_build_id "$(ko_of "$moddir/kernel/drivers/vfio/$4" "$3")")
	id_version=$(cat "/sys/module/$2/version" 2>/dev/null)
	id_taint=$(cat "/sys/module/$2/taint")
	if [ "$1" = ours ]; then
		if [ -n "$id_loaded" ] && [ "$id_loaded" = "$id_ours" ] &&
			[ "$id_loaded" != "$id_intree" ]; then
			ok "modprobe loaded our $2: build ID $id_loaded is that of updates/dkms/$3"
		else
			not_ok "modprobe loaded $2 with build ID '$id_loaded': dkms's is '$id_ours', the in-tree one '$id_intree'"
		fi
		check "$2: /sys/module/$2/version is '$id_version' ($version)" \
			[ "$id_version" = "$version" ]
		case $id_taint in
		*O*) ok "$2 is tainted '$id_taint' (out of tree)" ;;
		*) not_ok "$2 is tainted '$id_taint', not O (out of tree)" ;;
		esac
	else
		if [ -n "$id_loaded" ] && [ "$id_loaded" = "$id_intree" ]; then
			ok "modprobe loaded the in-tree $2: build ID $id_loaded"
		else
			not_ok "modprobe loaded $2 with build ID '$id_loaded': the in-tree one is '$id_intree'"
		fi
		check "$2: /sys/module/$2/version is '$id_version', not ours ($version)" \
			[ "$id_version" != "$version" ]
		case $id_taint in
		*O*) not_ok "$2 is tainted '$id_taint' (out of tree)" ;;
		*) ok "$2 is not tainted O: '$id_taint'" ;;
		esac
	fi
}

# params_described <module> <file name>: every parameter the loaded
# module shows in sysfs has a description in `modinfo -p` of its file
# (lines "name:description (type)"), and every parameter modinfo lists
# has one.
params_described() {
	pd_file=$(ko_of "$moddir/updates/dkms" "$2")
	host_run modinfo -p "$pd_file" >"$HOSTFS$out" 2>&1
	diag <"$HOSTFS$out"
	pd_described=$(awk '{ name = $0; sub(/:.*/, "", name)
		d = $0; sub(/^[^:]*:[ \t]*/, "", d); sub(/ *\([a-z]*\)$/, "", d)
		if (d != "") print name }' "$HOSTFS$out")
	pd_bad=$(awk '{ d = $0; sub(/^[^:]*:[ \t]*/, "", d)
		sub(/ *\([a-z]*\)$/, "", d)
		if (d == "") { sub(/:.*/, ""); print } }' "$HOSTFS$out" | tr '\n' ' ')
	pd_n=0
	for pd_p in "/sys/module/$1/parameters/"*; do
		[ -e "$pd_p" ] || continue
		pd_n=$((pd_n + 1))
		echo "$pd_described" | grep -qx "${pd_p##*/}" ||
			pd_bad="$pd_bad ${pd_p##*/}"
	done
	if [ "$pd_n" -gt 0 ] && [ -z "$(echo "$pd_bad" | tr -d ' ')" ]; then
		ok "$1: all $pd_n parameters in /sys/module/$1/parameters have a description in modinfo -p"
	else
		not_ok "$1: parameters without a description: $pd_bad (sysfs lists $pd_n)"
	fi
}

# took_back <step>: vfio-pci's registration bound every function whose
# driver_override names it.
took_back() {
	tb_ok=1
	for tb_bdf in $bound_before; do
		[ "$(pci_driver "$tb_bdf")" = vfio-pci ] || tb_ok=0
	done
	check "$1: vfio-pci took back every function it had" [ "$tb_ok" = 1 ]
}

began=$(date +%s)
modules_start=$(module_list)
bound_before=$(vfio_bound)

# The copy: the sources, the dkms tree (its source link pointed at the
# copied sources) and this kernel's root.
rm -rf "$HOSTFS$work"
mkdir -p "$HOSTFS$mroot/lib/modules" "$HOSTFS$mroot/etc"
check "copy the scratch dkms tree and root to $work" sh -c "
	cp -a '$data/src' '$data/tree' '$HOSTFS$work/' &&
	ln -sfn '$work/src/$name_version' \
		'$HOSTFS$work/tree/$name/$version/source' &&
	cp -a '$data/root/lib/modules/$release' '$HOSTFS$mroot/lib/modules/' &&
	cp -a '$data/root/etc/modprobe.d' '$HOSTFS$mroot/etc/'"

check "rmmod: no vfio module is left" unload_vfio

# 1. modprobe loads ours.
tool "dkms install" modprobe -d "$mroot" -C "$mroot/etc/modprobe.d" vfio-pci
for mod in vfio vfio_iommu_type1 vfio_pci; do
	check "modprobe vfio-pci loaded $mod" testbed_module_loaded "$mod"
done
identify ours vfio vfio .
identify ours vfio_iommu_type1 vfio_iommu_type1 .
identify ours vfio_pci vfio-pci pci
check "vfio_iommu_type1 has separate_domains, a parameter only ours has" \
	[ -e /sys/module/vfio_iommu_type1/parameters/separate_domains ]
params_described vfio vfio
params_described vfio_iommu_type1 vfio_iommu_type1
params_described vfio_pci vfio-pci
took_back "dkms install"

# 2. vfio-oot.conf: kmod takes its lines (a line kmod cannot parse is
# skipped with a warning only); vfio loaded alone (as after a
# `modprobe -r vfio_iommu_type1`), modprobe vfio-pci loads the backend
# too; and modprobe -r vfio-pci unloads all three.  What kmod does
# without the file (vfio.ko's own softdep, in modules.softdep) is
# printed for comparison.
host_run modprobe -d "$mroot" -C "$mroot/etc/modprobe.d" --showconfig \
	>"$HOSTFS$out" 2>&1
grep '^softdep' "$HOSTFS$out" | diag
check "modprobe --showconfig has vfio-oot.conf's softdep vfio post: vfio_iommu_type1" \
	grep -q '^softdep vfio post: vfio_iommu_type1' "$HOSTFS$out"
check "modprobe --showconfig has vfio-oot.conf's softdep vfio_pci pre: vfio_iommu_type1" \
	grep -q '^softdep vfio_pci pre: vfio_iommu_type1' "$HOSTFS$out"
rmmod vfio_pci vfio_iommu_type1
if testbed_module_loaded vfio && ! testbed_module_loaded vfio_iommu_type1; then
	tool "softdep" modprobe -d "$mroot" -C /dev/null vfio-pci
	echo "without vfio-oot.conf, modprobe vfio-pci with vfio loaded alone loads: $(vfio_modules | tr '\n' ' ')" | diag
	rmmod vfio_pci vfio_iommu_type1 2>/dev/null
	tool "softdep" modprobe -d "$mroot" -C "$mroot/etc/modprobe.d" vfio-pci
	check "with vfio-oot.conf modprobe vfio-pci, vfio loaded alone, loads vfio_iommu_type1 too" \
		testbed_module_loaded vfio_iommu_type1
else
	not_ok "softdep: cannot unload vfio_pci and vfio_iommu_type1 alone"
fi
took_back "softdep"
tool "softdep" modprobe -d "$mroot" -C /dev/null -r vfio-pci
echo "without vfio-oot.conf, modprobe -r vfio-pci leaves: $(vfio_modules | tr '\n' ' ')" | diag
unload_vfio
tool "softdep" modprobe -d "$mroot" -C "$mroot/etc/modprobe.d" vfio-pci
tool "softdep" modprobe -d "$mroot" -C "$mroot/etc/modprobe.d" -r vfio-pci
left=$(vfio_modules | tr '\n' ' ')
check "with vfio-oot.conf modprobe -r vfio-pci unloads every vfio module ($left)" \
	[ -z "$left" ]
check "rmmod: no vfio module is left" unload_vfio

# 3. dkms remove: back to the in-tree modules.  dkms (bash) uses process
# substitution, which needs /dev/fd: the guest's devtmpfs has none (udev
# makes it on a real system), so it is made for the run.
made_fd=
if [ ! -e /dev/fd ]; then
	ln -s /proc/self/fd /dev/fd && made_fd=1
fi
tool "dkms remove" dkms --dkmstree "$work/tree" --sourcetree "$work/src" \
	--installtree "$mroot/lib/modules" remove -m "$name" -v "$version" \
	-k "$release" --no-depmod
left=$(ls "$HOSTFS$moddir/updates/dkms" 2>/dev/null | tr '\n' ' ')
check "dkms remove took our modules out of updates/dkms/ ($left)" [ -z "$left" ]
check "dkms remove's POST_REMOVE removed etc/modprobe.d/vfio-oot.conf" \
	[ ! -e "$HOSTFS$conf" ]
host_run dkms --dkmstree "$work/tree" --sourcetree "$work/src" \
	--installtree "$mroot/lib/modules" status -m "$name" -v "$version" \
	-k "$release" >"$HOSTFS$out" 2>/dev/null
diag <"$HOSTFS$out"
check "dkms status no longer lists $release" \
	sh -c "! grep -q '$release' '$HOSTFS$out'"
[ -n "$made_fd" ] && rm -f /dev/fd
tool "dkms remove" depmod -b "$mroot" "$release"
tool "dkms remove" modprobe -d "$mroot" vfio-pci
for mod in vfio vfio_iommu_type1 vfio_pci; do
	check "modprobe vfio-pci loaded $mod" testbed_module_loaded "$mod"
done
identify in-tree vfio vfio .
identify in-tree vfio_iommu_type1 vfio_iommu_type1 .
identify in-tree vfio_pci vfio-pci pci
check "vfio_iommu_type1 has no separate_domains (in-tree)" \
	[ ! -e /sys/module/vfio_iommu_type1/parameters/separate_domains ]
took_back "dkms remove"

# Back to what init left.
unload_vfio
reload_init_modules
for bdf in $bound_before; do
	vfio_bind "$bdf" || echo "cannot bind $bdf to vfio-pci" | diag
done
check "every function is bound to vfio-pci as before" \
	[ "$(vfio_bound)" = "$bound_before" ]
now=$(module_list)
if [ "$now" = "$modules_start" ]; then
	ok "the loaded modules are those of the start"
else
	not_ok "the loaded modules differ from those of the start"
	echo "before: $(echo "$modules_start" | tr '\n' ' ')" | diag
	echo "now: $(echo "$now" | tr '\n' ' ')" | diag
fi
rm -rf "$HOSTFS$work" "$HOSTFS$out" "$HOSTFS/tmp/dkms-ko"
echo "$(($(date +%s) - began)) s in all" | diag
client_done
