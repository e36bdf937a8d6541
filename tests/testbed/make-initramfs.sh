#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make-initramfs.sh <mode> <kernel release> <tests dir> <work dir> <output>
#
# Build the testbed guest's initramfs (cpio newc, gzip) from scratch in
# <work dir>/root: busybox-static with its applet links, guest-init.sh as
# /init, the kernel modules of <mode> (see resolve-modules.sh), and the
# modules the tests load themselves (resolve-modules.sh testmods) in
# /lib/testmods, with their load order in /lib/testmods/order, the
# modules that mount the host's file system (resolve-modules.sh hostfs)
# in /lib/hostfs with their order in /lib/hostfs/order, the real-client
# tests' shell library (tests/clients/lib.sh) as /lib/testbed/clients.sh
# and their data (<tests dir>/data, e.g. the nested guest's kernel) in
# /data, and the programs to run: every executable *_test in <tests dir>
# (modes ours and reference) or the tests/examples programs built there
# (mode demo).
# Environment: TESTBED_BUILDDIR and TESTBED_MODROOT, passed on to
# resolve-modules.sh; TESTBED_TEST_TIMEOUT.
set -euo pipefail

mode=$1
release=$2
tests=$3
work=$4
output=$5

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
test_timeout=${TESTBED_TEST_TIMEOUT:-300}

die() {
	echo "make-initramfs: $*" >&2
	exit 1
}

busybox=$(command -v busybox) || die "busybox not found (install busybox-static)"
file -L "$busybox" | grep -q 'statically linked' ||
	die "$busybox is not static (install busybox-static)"

fs=$work/root
rm -rf "$fs"
mkdir -p "$fs"/{bin,dev,proc,sys,tmp,etc,tests,examples} \
	"$fs"/lib/modules/testbed "$fs"/lib/testmods "$fs"/lib/hostfs \
	"$fs"/lib/testbed "$fs"/host "$fs"/data

cp "$busybox" "$fs/bin/busybox"
for applet in $("$fs/bin/busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$fs/bin/$applet"
done
install -m 0755 "$here/guest-init.sh" "$fs/init"

# copy_module <path> <dir>: copy (decompressing if needed) a module into
# <dir> and print its uncompressed file name.
copy_module() {
	local base=${1##*/}

	case $base in
	*.ko.xz)
		base=${base%.xz}
		xz -dc "$1" >"$2/$base" ;;
	*.ko.zst)
		base=${base%.zst}
		zstd -q -dc "$1" >"$2/$base" ;;
	*.ko.gz)
		base=${base%.gz}
		gzip -dc "$1" >"$2/$base" ;;
	*.ko)
		cp "$1" "$2/$base" ;;
	*)
		die "unexpected module file $1" ;;
	esac
	echo "$base"
}

# Modules: copy in load order.
module_mode=$mode
[ "$mode" = demo ] && module_mode=ours
"$here/resolve-modules.sh" "$module_mode" "$release" \
	>"$work/modules.list" || die "cannot resolve the $module_mode modules"
names=()
while read -r path; do
	names+=("$(copy_module "$path" "$fs/lib/modules/testbed")")
done <"$work/modules.list"
[ ${#names[@]} -gt 0 ] || die "no modules resolved"

# Modules the tests load themselves (i2c-i801, tests/kmod), in order.
"$here/resolve-modules.sh" testmods "$release" >"$work/testmods.list" ||
	die "cannot resolve the test modules"
while read -r path; do
	copy_module "$path" "$fs/lib/testmods"
done <"$work/testmods.list" >"$fs/lib/testmods/order"

# The host's file system over 9p (the real-client tests run host
# programs: qemu, dpdk-testpmd, dpdk-devbind.py).  A kernel that cannot
# resolve them (the debug kernel has them built in) gets none.
"$here/resolve-modules.sh" hostfs "$release" >"$work/hostfs.list" \
	2>/dev/null || : >"$work/hostfs.list"
while read -r path; do
	copy_module "$path" "$fs/lib/hostfs"
done <"$work/hostfs.list" >"$fs/lib/hostfs/order"
install -m 0644 "$root/tests/clients/lib.sh" "$fs/lib/testbed/clients.sh"
if [ -d "$tests/data" ]; then
	cp -R "$tests/data/." "$fs/data/"
fi

# Programs.
if [ "$mode" = demo ]; then
	for src in "$root"/tests/examples/*.c; do
		[ -e "$src" ] || continue
		name=$(basename "$src" .c)
		[ -x "$tests/$name" ] || continue
		install -m 0755 "$tests/$name" "$fs/examples/$name"
	done
	[ -n "$(ls "$fs/examples")" ] ||
		die "no tests/examples program found in $tests (run 'make tests')"
else
	[ -d "$tests" ] || die "no test directory $tests (run 'make tests')"
	while read -r prog; do
		name=${prog##*/}
		[ ! -e "$fs/tests/$name" ] ||
			die "two test programs named $name under $tests"
		install -m 0755 "$prog" "$fs/tests/$name"
	done < <(find "$tests" -type f -name '*_test' -perm -u+x | sort)
	[ -n "$(ls "$fs/tests")" ] ||
		echo "make-initramfs: warning: no *_test program in $tests" >&2
fi

cat >"$fs/etc/testbed.conf" <<EOF
TESTBED_MODE=$mode
TESTBED_TEST_TIMEOUT=$test_timeout
TESTBED_MODULES="${names[*]}"
EOF

(cd "$fs" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$output"
