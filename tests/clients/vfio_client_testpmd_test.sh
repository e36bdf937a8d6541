#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# vfio_client_testpmd_test: Debian's unmodified dpdk-testpmd (DPDK 22.11,
# run from the host's file system in a chroot) drives the testbed's NICs
# through vfio-pci: the two e1000 (INTx only) and the e1000e (MSI-X), all
# three on one QEMU hub, so that every frame one port sends arrives at
# the two others.
#
# A run: 2 MiB hugepages on a hugetlbfs mount, testpmd in interactive
# mode with its commands on standard input: "start tx_first" once the
# prompt shows (io forwarding, chained topology, each port first sends a
# burst), forwarding for a fixed time, "stop", "show port stats all",
# "quit".  From testpmd's own NIC statistics: on every port RX-packets
# and TX-packets above zero (the device wrote received frames to, and
# read frames to send from, memory mapped through the IOMMU by
# VFIO_IOMMU_MAP_DMA), RX-errors and TX-errors zero.  Drops (RX-missed,
# RX-nombuf, the forward statistics' RX-dropped and TX-dropped) are only
# diagnostics: a port misses whatever its ring cannot take, and QEMU's
# e1000 keeps its missed-packets register across runs.  testpmd must
# exit with status 0 by itself, and leave nothing behind: no process
# holding /dev/vfio, every group openable again, the devices still bound
# to vfio-pci, no module loaded or unloaded, every hugepage free as soon
# as testpmd has exited (its files are unlinked, --huge-unlink: a page
# vfio left pinned would stay in use).
#
# Two runs: the three ports, then only the two e1000.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. /lib/testbed/clients.sh

TESTPMD=/usr/bin/dpdk-testpmd
HUGE_DIR=/mnt/vfio-testpmd-huge		# inside the chroot
HUGE_PAGES=300
FILE_PREFIX=client-testpmd
WAIT_PROMPT=150		# seconds testpmd may take to come up (TCG)
FORWARD_SECONDS=20
TESTPMD_TIMEOUT=240	# the whole testpmd run, a hang guard

client_require_hostfs
[ -x "$HOSTFS$TESTPMD" ] ||
	client_skip_all "no $TESTPMD on the host (apt-get install dpdk)"
[ -e /proc/sys/vm/nr_hugepages ] ||
	client_skip_all "no hugetlbfs support in this kernel"

scratch=$(mktemp -d /tmp/testpmd.XXXXXX)
old_nr_hugepages=$(cat /proc/sys/vm/nr_hugepages)
mounted=0

# hugepages_field <name>: a value of /proc/meminfo's HugePages_* lines.
hugepages_field() {
	sed -n "s/^HugePages_$1: *//p" /proc/meminfo
}

cleanup() {
	if [ $mounted = 1 ]; then
		umount "$HOSTFS$HUGE_DIR"
		rmdir "$HOSTFS$HUGE_DIR"
	fi
	rm -rf "$HOSTFS/run/dpdk/$FILE_PREFIX"
	rmdir "$HOSTFS/run/dpdk" 2>/dev/null
	echo "$old_nr_hugepages" >/proc/sys/vm/nr_hugepages
	rm -rf "$scratch"
}

# setup_hugepages: HUGE_PAGES more 2 MiB pages, mounted at HUGE_DIR.
setup_hugepages() {
	want=$((old_nr_hugepages + HUGE_PAGES))
	echo "$want" >/proc/sys/vm/nr_hugepages
	got=$(hugepages_field Total)
	if [ "$got" -lt "$want" ]; then
		not_ok "reserve $HUGE_PAGES hugepages: only $got of $want"
		return 1
	fi
	if ! mkdir -p "$HOSTFS$HUGE_DIR" ||
		! mount -t hugetlbfs -o pagesize=2M nodev "$HOSTFS$HUGE_DIR"; then
		not_ok "mount hugetlbfs at $HOSTFS$HUGE_DIR"
		return 1
	fi
	mounted=1
	ok "$HUGE_PAGES hugepages of 2 MiB on hugetlbfs at $HUGE_DIR"
}

# feed <log>: testpmd's standard input.  Waits for its prompt, starts
# forwarding, lets it run FORWARD_SECONDS, then asks for the statistics
# and quits.  Without a prompt in time, or once testpmd has exited, it
# quits at once.
feed() {
	waited=0
	while ! grep -q 'testpmd> ' "$1" 2>/dev/null; do
		if [ $waited -ge $WAIT_PROMPT ] || [ -e "$scratch/exited" ]; then
			echo quit
			return
		fi
		sleep 1
		waited=$((waited + 1))
	done
	date +%s >"$scratch/started"
	echo "start tx_first"
	sleep "$FORWARD_SECONDS"
	echo stop
	date +%s >"$scratch/stopped"
	echo "show port stats all"
	echo quit
}

# block_stat <log> <block> <end> <port> <field>: a counter in the
# per-port block of testpmd's output whose header line reads "<block>
# for port N" (the block ends at a line matching the <end> pattern).
block_stat() {
	awk -v block="$2 for port" -v endre="$3" -v port="$4" -v field="$5:" '
		index($0, block) {
			p = $0
			sub(/.*for port /, "", p)
			sub(/[^0-9].*/, "", p)
			cur = p
			next
		}
		$0 ~ endre { cur = "" }
		cur == port {
			for (i = 1; i < NF; i++)
				if ($i == field) {
					print $(i + 1)
					exit
				}
		}' "$1"
}

# port_stat <log> <port> <field>: a counter of "show port stats" (the NIC
# statistics block of the port), e.g. RX-packets, TX-errors.
port_stat() {
	block_stat "$1" "NIC statistics" '#####+[ \t]*$' "$2" "$3"
}

# fwd_stat <log> <port> <field>: a counter of the forward statistics
# that "stop" prints (RX-dropped, TX-dropped).
fwd_stat() {
	block_stat "$1" "Forward statistics" "Accumulated forward statistics" \
		"$2" "$3"
}

# is_count <value>: a decimal number.
is_count() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
}

# nothing_left <label> <bdf...>: no process holds a vfio file, each
# device's group opens again and the devices are still bound to vfio-pci.
nothing_left() {
	label=$1
	shift
	holders=""
	for fd in /proc/[0-9]*/fd/*; do
		case $(readlink "$fd" 2>/dev/null) in
		/dev/vfio/*)
			pid=${fd#/proc/}
			holders="$holders ${pid%%/*}"
			;;
		esac
	done
	if [ -z "$holders" ]; then
		ok "$label: no process holds a /dev/vfio file after testpmd"
	else
		not_ok "$label: /dev/vfio files still open by pids$holders"
	fi
	for bdf in "$@"; do
		grp=$(vfio_group "$bdf")
		# The group of a device no one uses opens (EBUSY if held).
		if (exec 5<>"/dev/vfio/$grp") 2>"$scratch/open.err"; then
			ok "$label: group $grp of $bdf opens again"
		else
			not_ok "$label: group $grp of $bdf does not open again"
			diag <"$scratch/open.err"
		fi
		drv=$(pci_driver "$bdf")
		if [ "$drv" = vfio-pci ]; then
			ok "$label: $bdf still bound to vfio-pci"
		else
			not_ok "$label: $bdf bound to $drv after testpmd"
		fi
	done
}

# run_testpmd <label> <bdf...>: one testpmd run over those ports (port i
# is the i-th BDF) and its checks.
run_testpmd() {
	label=$1
	shift
	log=$scratch/$label.log
	failed_before=$client_failed
	dmesg_before=$(dmesg | wc -l)
	modules_before=$(cut -d ' ' -f 1 /proc/modules | sort)
	rm -f "$scratch/started" "$scratch/stopped" "$scratch/exited"
	: >"$log"
	eal="-l 0-1 -n 1 --file-prefix=$FILE_PREFIX --huge-dir=$HUGE_DIR"
	eal="$eal --huge-unlink --no-telemetry"
	for bdf in "$@"; do
		eal="$eal -a $bdf"
	done
	app="-i --forward-mode=io --port-topology=chained --nb-cores=1"
	t0=$(date +%s)
	# shellcheck disable=SC2086 # $eal and $app: lists of words
	feed "$log" | {
		host_run timeout -k 10 $TESTPMD_TIMEOUT \
			stdbuf -oL -eL $TESTPMD $eal -- $app >>"$log" 2>&1
		echo $? >"$scratch/status"
		: >"$scratch/exited"
	}
	status=$(cat "$scratch/status")
	t1=$(date +%s)
	started=$(cat "$scratch/started" 2>/dev/null)
	stopped=$(cat "$scratch/stopped" 2>/dev/null)
	forwarded=never
	[ -n "$started" ] && forwarded="$((stopped - started)) s"
	echo "$label: testpmd ran $((t1 - t0)) s, forwarded $forwarded" | diag
	# What EAL says about VFIO and the IOVA mode, for the record.
	grep -i -E '^EAL: .*(vfio|iova)' "$log" | sed "s/^/$label: /" | diag

	if [ "$status" = 0 ]; then
		ok "$label: testpmd exited with status 0"
	else
		not_ok "$label: testpmd exited with status $status"
	fi
	if [ -n "$started" ]; then
		ok "$label: testpmd came up and forwarded for $FORWARD_SECONDS s"
	else
		not_ok "$label: no testpmd prompt within $WAIT_PROMPT s"
	fi

	port=0
	for bdf in "$@"; do
		rx=$(port_stat "$log" $port RX-packets)
		tx=$(port_stat "$log" $port TX-packets)
		rxerr=$(port_stat "$log" $port RX-errors)
		txerr=$(port_stat "$log" $port TX-errors)
		missed=$(port_stat "$log" $port RX-missed)
		nombuf=$(port_stat "$log" $port RX-nombuf)
		rxdrop=$(fwd_stat "$log" $port RX-dropped)
		txdrop=$(fwd_stat "$log" $port TX-dropped)
		echo "$label: port $port ($bdf): RX-packets $rx TX-packets $tx" \
			"RX-errors $rxerr TX-errors $txerr RX-missed $missed" \
			"RX-nombuf $nombuf RX-dropped $rxdrop TX-dropped $txdrop" |
			diag
		if is_count "$rx" && is_count "$tx" &&
			[ "$rx" -gt 0 ] && [ "$tx" -gt 0 ]; then
			ok "$label: port $port ($bdf) received $rx and sent $tx packets"
		else
			not_ok "$label: port $port ($bdf) RX-packets '$rx' TX-packets '$tx'"
		fi
		if [ "$rxerr" = 0 ] && [ "$txerr" = 0 ]; then
			ok "$label: port $port ($bdf) no RX or TX errors"
		else
			not_ok "$label: port $port ($bdf) RX-errors '$rxerr' TX-errors '$txerr'"
		fi
		port=$((port + 1))
	done

	total=$(hugepages_field Total)
	free=$(hugepages_field Free)
	if [ "$free" = "$total" ]; then
		ok "$label: every hugepage free after testpmd ($free of $total)"
	else
		not_ok "$label: hugepages in use after testpmd: $free free of $total"
	fi
	nothing_left "$label" "$@"
	modules_after=$(cut -d ' ' -f 1 /proc/modules | sort)
	if [ "$modules_after" = "$modules_before" ]; then
		ok "$label: the same modules loaded as before testpmd"
	else
		not_ok "$label: modules loaded before and after testpmd differ"
		echo "$modules_before" >"$scratch/modules.before"
		echo "$modules_after" | diff "$scratch/modules.before" - | diag
	fi

	if [ "$client_failed" != "$failed_before" ]; then
		echo "$label: testpmd output:" | diag
		diag <"$log"
		echo "$label: kernel messages since testpmd started:" | diag
		dmesg | tail -n +$((dmesg_before + 1)) | diag
	fi
}

trap cleanup EXIT

e1000=$(pci_devices 8086:100e)
e1000e=$(pci_devices 8086:10d3)
# shellcheck disable=SC2086 # lists of BDFs
set -- $e1000 $e1000e
if [ $# != 3 ]; then
	not_ok "find two e1000 and one e1000e: found '$e1000' and '$e1000e'"
	client_done
	exit
fi
for bdf in "$@"; do
	drv=$(pci_driver "$bdf")
	if [ "$drv" != vfio-pci ]; then
		not_ok "$bdf is bound to vfio-pci: driver $drv"
		client_done
		exit
	fi
done

if setup_hugepages; then
	run_testpmd e1000x2+e1000e "$@"
	# shellcheck disable=SC2086 # two BDFs
	run_testpmd e1000x2 $e1000

	umount "$HOSTFS$HUGE_DIR" && rmdir "$HOSTFS$HUGE_DIR" && mounted=0
fi
echo "$old_nr_hugepages" >/proc/sys/vm/nr_hugepages
total=$(hugepages_field Total)
if [ "$total" = "$old_nr_hugepages" ]; then
	ok "nr_hugepages back to $old_nr_hugepages"
else
	not_ok "nr_hugepages: $total instead of $old_nr_hugepages"
fi
client_done
