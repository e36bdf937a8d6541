#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# dkms's POST_INSTALL and POST_REMOVE script (dkms.conf): dkms installs
# modules only, so this installs and removes modprobe.d/vfio-oot.conf.
#
#   dkms-hook.sh install <install tree>
#   dkms-hook.sh remove <install tree>
#
# <install tree> is dkms's (/lib/modules, or --installtree); the file
# goes to etc/modprobe.d beside it: /etc/modprobe.d for /lib/modules,
# <root>/etc/modprobe.d for a scratch <root>/lib/modules.  remove deletes
# the file only when no kernel under the install tree still has our
# vfio.ko in updates/dkms/ (dkms runs it once per kernel it removes from).
# Runs in the dkms source directory.
set -eu

conf=vfio-oot.conf
[ $# = 2 ] || {
	echo "usage: dkms-hook.sh install|remove <install tree>" >&2
	exit 2
}
tree=${2%/}
case $tree in
*/lib/modules) dir=${tree%/lib/modules}/etc/modprobe.d ;;
*)
	echo "dkms-hook.sh: install tree $2 is not <root>/lib/modules;" \
	     "copy modprobe.d/$conf to your modprobe.d by hand" >&2
	exit 0
	;;
esac

case $1 in
install)
	mkdir -p "$dir"
	cp "modprobe.d/$conf" "$dir/$conf"
	chmod 0644 "$dir/$conf"
	echo "dkms-hook.sh: installed $dir/$conf"
	;;
remove)
	for ko in "$tree"/*/updates/dkms/vfio.ko*; do
		if [ -e "$ko" ]; then
			echo "dkms-hook.sh: $ko is still installed; keeping $dir/$conf"
			exit 0
		fi
	done
	rm -f "$dir/$conf"
	echo "dkms-hook.sh: removed $dir/$conf"
	;;
*)
	echo "dkms-hook.sh: unknown action $1" >&2
	exit 2
	;;
esac
