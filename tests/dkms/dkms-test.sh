#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The host side of the dkms test: the package as a user installs it
# (`make dkms-source`, `dkms add`, `dkms build`, `dkms install`), run
# with Debian's dkms against Debian's kernel headers, for every installed
# Debian kernel with headers (stock 6.1 and the backports 6.12), in a
# SCRATCH dkms tree: never /var/lib/dkms, /usr/src or /lib/modules.
#
#   tests/dkms/dkms-test.sh [--data <dir>] [<release>...]
#
# Everything goes to build/dkms/ (removed first):
#   src/vfio-oot-<version>/   the sources, from `make dkms-source`
#                             (dkms --sourcetree)
#   tree/                     dkms --dkmstree
#   root/lib/modules/         dkms --installtree.  Before the install each
#                             <release>/ gets a copy of the in-tree
#                             drivers/vfio and virt (irqbypass) and the
#                             modules.order/builtin files, so that dkms's
#                             version check meets the in-tree modules as
#                             on a real machine, and depmod -b resolves
#                             vfio-pci's dependencies
#   root/etc/modprobe.d/      where dkms's POST_INSTALL puts vfio-oot.conf
#   fake-kernel/              a kernel tree of nothing but a .config
#                             without CONFIG_IOMMU_API:
#                             BUILD_EXCLUSIVE_CONFIG must exclude it
#   make-install/             `make install DESTDIR=` for the stock kernel
# At the end src/, tree/ and root/ are copied to <dir>/dkms (default
# build/tests/data/dkms: make-initramfs.sh puts build/tests/data into
# every guest as /data), where the guest test
# tests/clients/vfio_dkms_test.sh finds them: it loads the modules from
# them with modprobe, runs `dkms remove` on a copy and checks that
# modprobe then loads the in-tree modules.  (A copy, not a path on the
# host: the guest sees the host's root at /host, but with tmpfs on its
# /tmp, /run and /mnt, where a clone may live.)
#
# dkms signs what it builds with its own key, /var/lib/dkms/mok.key,
# which Debian's dkms package creates when it is installed (dkms would
# create it on the first build otherwise); the kernels do not enforce
# signatures.  dkms install runs with --no-depmod (dkms's depmod would
# work on the host's /lib/modules); depmod -b runs on the scratch root.
#
# Output: TAP (one line per check, the plan last), so tests/run-suite.sh
# adds the counts to its totals.  Exits 1 if a check failed.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

out=$root/build/dkms
src_tree=$out/src
dkms_tree=$out/tree
mod_root=$out/root
install_tree=$mod_root/lib/modules
log=$out/log
arch=$(uname -m)

# shellcheck source=tests/host-tap.sh
. "$root/tests/host-tap.sh"

skip() {
	n=$((n + 1))
	echo "ok $n - $* # SKIP"
}

diag() {
	sed 's/^/# /'
}

finish() {
	echo "1..$n"
	[ "$failed" = 0 ]
	exit $?
}

# run <description> <command...>: one test line from the command's
# status; its output goes to $log and, on failure, to TAP comments.
run() {
	local desc=$1 rc
	shift
	"$@" >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		ok "$desc"
	else
		not_ok "$desc (exit status $rc)"
		tail -n 30 "$log" | diag
	fi
	return $rc
}

dkms_cmd() {
	nice dkms --dkmstree "$dkms_tree" --sourcetree "$src_tree" \
		--installtree "$install_tree" "$@"
}

for tool in dkms depmod modprobe modinfo make; do
	if ! command -v "$tool" >/dev/null; then
		not_ok "$tool is not installed (run scripts/install-deps.sh)"
		finish
	fi
done

name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' dkms.conf)
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
header_version=$(sed -n 's/^#define VFIO_OOT_VERSION "\(.*\)"$/\1/p' \
	include/vfio_oot_version.h)
if [ -n "$version" ] && [ "$version" = "$header_version" ]; then
	ok "dkms.conf's PACKAGE_VERSION $version is the modules' VFIO_OOT_VERSION"
else
	not_ok "dkms.conf's PACKAGE_VERSION '$version' is not the modules' VFIO_OOT_VERSION '$header_version'"
fi

data=$root/build/tests/data
if [ "${1:-}" = --data ]; then
	data=$2
	shift 2
fi
if [ $# -gt 0 ]; then
	kernels=("$@")
else
	read -r -d '' -a kernels < <(tests/testbed/kernels.sh --debian)
fi
if [ ${#kernels[@]} = 0 ]; then
	not_ok "no Debian kernel with headers is installed (run scripts/install-deps.sh)"
	finish
fi

rm -rf "$out" "$data/dkms"
mkdir -p "$out" "$dkms_tree" "$install_tree"
began=$(date +%s)

run "make dkms-source copies the sources to $src_tree" \
	make --no-print-directory DKMS_SOURCETREE="$src_tree" dkms-source
stray=$(find "$src_tree" -name '*.o' -o -name '*.ko' -o -name '.*.cmd' |
	head -n 3)
if [ -z "$stray" ]; then
	ok "the dkms source holds no build output"
else
	not_ok "the dkms source holds build output: $stray"
fi

if ! run "dkms add -m $name -v $version" dkms_cmd add -m "$name" -v "$version"; then
	finish
fi
status=$(dkms_cmd status -m "$name" -v "$version" 2>/dev/null)
case $status in
"$name/$version: added") ok "dkms status: $status" ;;
*) not_ok "dkms status after add: '$status', not '$name/$version: added'" ;;
esac

# BUILD_EXCLUSIVE_CONFIG: a kernel tree whose .config lacks one of the
# options (IOMMU_API) must be refused with dkms's "excluded" status, 77.
fake=$out/fake-kernel
mkdir -p "$fake"
grep -v '^CONFIG_IOMMU_API=' "/usr/src/linux-headers-${kernels[0]}/.config" \
	>"$fake/.config"
dkms_cmd build -m "$name" -v "$version" -k 0.0.0-vfio-oot-fake \
	--kernelsourcedir "$fake" >"$log" 2>&1
rc=$?
if [ $rc = 77 ] && grep -q BUILD_EXCLUSIVE "$log"; then
	ok "dkms build for a kernel without CONFIG_IOMMU_API is excluded (exit status 77)"
else
	not_ok "dkms build for a kernel without CONFIG_IOMMU_API exits $rc, not 77 (excluded)"
	tail -n 20 "$log" | diag
fi
# ...and the same .config with the option does not hit the exclusion
# (the build itself fails later: the tree has nothing else).
echo CONFIG_IOMMU_API=y >>"$fake/.config"
dkms_cmd build -m "$name" -v "$version" -k 0.0.0-vfio-oot-fake \
	--kernelsourcedir "$fake" >"$log" 2>&1
rc=$?
if [ $rc != 77 ] && ! grep -q BUILD_EXCLUSIVE "$log"; then
	ok "with CONFIG_IOMMU_API=y the same tree is not excluded (exit status $rc)"
else
	not_ok "with CONFIG_IOMMU_API=y the same tree is still excluded (exit status $rc)"
	tail -n 20 "$log" | diag
fi
rm -rf "$dkms_tree/$name/$version/0.0.0-vfio-oot-fake"

# prepare_root <release>: the in-tree modules vfio-pci could resolve to,
# copied (not linked: dkms's version check uses find without -L).
prepare_root() {
	local dir=$install_tree/$1 f
	mkdir -p "$dir/kernel/drivers"
	cp -R "/lib/modules/$1/kernel/drivers/vfio" "$dir/kernel/drivers/" &&
		cp -R "/lib/modules/$1/kernel/virt" "$dir/kernel/" || return 1
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		if [ -f "/lib/modules/$1/$f" ]; then
			cp "/lib/modules/$1/$f" "$dir/" || return 1
		fi
	done
}

# ko_file <dir> <module>: the module's file in <dir>, .ko or .ko.xz (dkms
# compresses like the kernel's own modules: 6.12's are .ko.xz).
ko_file() {
	local f
	for f in "$1/$2.ko" "$1/$2.ko.xz"; do
		if [ -f "$f" ]; then
			echo "$f"
			return
		fi
	done
}

# modinfo_of <field> <file>: one field of a module file.
modinfo_of() {
	modinfo -F "$1" "$2" 2>/dev/null | head -n 1
}

# one_kernel <release>: build, install, resolve.
one_kernel() {
	local k=$1 start built dest m f v missing
	local mods=(vfio vfio_iommu_type1 vfio-pci)

	if [ ! -d "/lib/modules/$k/build" ] || [ ! -d "/lib/modules/$k/kernel" ]; then
		not_ok "$k: no /lib/modules/$k/build (linux-headers-$k) or modules"
		return
	fi
	run "$k: copy the in-tree drivers/vfio and virt into the scratch root" \
		prepare_root "$k" || return

	start=$(date +%s)
	run "$k: dkms build" dkms_cmd build -m "$name" -v "$version" -k "$k" ||
		return
	echo "dkms build for $k took $(($(date +%s) - start)) s" | diag
	built=$dkms_tree/$name/$version/$k/$arch/module
	missing=
	for m in "${mods[@]}"; do
		f=$(ko_file "$built" "$m")
		[ -n "$f" ] || { missing="$missing $m.ko"; continue; }
		v=$(modinfo_of vermagic "$f")
		case $v in
		"$k "*) ;;
		*) missing="$missing $m.ko(vermagic '$v')" ;;
		esac
		v=$(modinfo_of version "$f")
		[ "$v" = "$version" ] || missing="$missing $m.ko(version '$v')"
	done
	if [ -z "$missing" ]; then
		ok "$k: dkms built ${mods[*]} for $k, version $version"
	else
		not_ok "$k: dkms's build is wrong:$missing"
	fi

	run "$k: dkms install --no-depmod" \
		dkms_cmd install --no-depmod -m "$name" -v "$version" -k "$k" ||
		return
	dest=$install_tree/$k/updates/dkms
	missing=
	for m in "${mods[@]}"; do
		f=$(ko_file "$built" "$m")
		if [ -z "$f" ] || ! cmp -s "$dest/${f##*/}" "$f"; then
			missing="$missing $m.ko"
		fi
	done
	if [ -z "$missing" ]; then
		ok "$k: dkms installed ${mods[*]} into updates/dkms/"
	else
		not_ok "$k: not installed into updates/dkms/ as built:$missing"
		diag <"$log"
	fi
	# (dkms's readelf warns about 6.12's compressed modules on stderr)
	status=$(dkms_cmd status -m "$name" -v "$version" -k "$k" 2>/dev/null)
	case $status in
	"$name/$version, $k, $arch: installed") ok "$k: dkms status: $status" ;;
	*) not_ok "$k: dkms status: '$status'" ;;
	esac
	if cmp -s "$mod_root/etc/modprobe.d/vfio-oot.conf" modprobe.d/vfio-oot.conf; then
		ok "$k: POST_INSTALL put vfio-oot.conf into the root's etc/modprobe.d"
	else
		not_ok "$k: no etc/modprobe.d/vfio-oot.conf in the scratch root after the install"
	fi

	run "$k: depmod -b over the scratch root" depmod -b "$mod_root" "$k" ||
		return
	# Resolved as modprobe would, without loading anything (-S: the
	# release; -d: the root; -C: our modprobe.d alone).
	run "$k: modprobe --show-depends vfio-pci" \
		modprobe -d "$mod_root" -S "$k" -C "$mod_root/etc/modprobe.d" \
		--show-depends vfio-pci
	awk '{ print $2 }' "$log" | sed "s|^$install_tree/$k/||; s|\.xz$||" \
		>"$out/deps-$k"
	diag <"$out/deps-$k"
	if grep -qx updates/dkms/vfio-pci.ko "$out/deps-$k" &&
		grep -qx updates/dkms/vfio.ko "$out/deps-$k" &&
		! grep -q '^kernel/drivers/vfio/' "$out/deps-$k"; then
		ok "$k: modprobe vfio-pci resolves to vfio-pci.ko and vfio.ko of updates/dkms/, no in-tree VFIO module"
	else
		not_ok "$k: modprobe vfio-pci does not resolve to ours in updates/dkms/"
	fi
	if awk '$0 == "updates/dkms/vfio_iommu_type1.ko" { t = NR }
		$0 == "updates/dkms/vfio-pci.ko" { p = NR }
		END { exit !(t && p && t < p) }' "$out/deps-$k"; then
		ok "$k: with vfio-oot.conf modprobe vfio-pci loads vfio_iommu_type1 before vfio-pci"
	else
		not_ok "$k: with vfio-oot.conf modprobe vfio-pci does not load vfio_iommu_type1 before vfio-pci"
	fi
}

for k in "${kernels[@]}"; do
	one_kernel "$k"
done

# make install, for the stock kernel, into a staging root: the same
# three modules in updates/, vfio-oot.conf, and a modules.dep that
# resolves vfio-pci to them.
k=${kernels[0]}
stage=$out/make-install
if run "$k: make install DESTDIR=$stage" \
	make --no-print-directory KDIR="/usr/src/linux-headers-$k" \
	DESTDIR="$stage" install; then
	missing=
	for m in vfio vfio_iommu_type1 vfio-pci; do
		f=$(find "$stage/lib/modules/$k/updates" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || missing="$missing $m.ko"
	done
	grep -q 'updates/.*vfio-pci.ko:' "$stage/lib/modules/$k/modules.dep" ||
		missing="$missing modules.dep"
	cmp -s "$stage/etc/modprobe.d/vfio-oot.conf" modprobe.d/vfio-oot.conf ||
		missing="$missing etc/modprobe.d/vfio-oot.conf"
	if [ -z "$missing" ]; then
		ok "$k: make install put the modules into lib/modules/$k/updates/, vfio-oot.conf into etc/modprobe.d/ and ran depmod"
	else
		not_ok "$k: make install left out:$missing"
	fi
fi

run "copy the scratch tree for the guest test to $data/dkms" sh -c "
	mkdir -p '$data/dkms' &&
	cp -a '$src_tree' '$dkms_tree' '$mod_root' '$data/dkms/'"

echo "dkms-test: $(($(date +%s) - began)) s" | diag
finish
