#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Nested QEMU as a real vfio-pci client: the host's unmodified
# qemu-system-x86_64 (TCG), run in the testbed guest's chroot of the
# host, passes the edu and the e1000e through with -device
# vfio-pci,host=<bdf> to a nested guest that boots our tiny multiboot
# kernel (tests/clients/nested/, /data/nested-kernel.elf).  That kernel
# reads both devices' config space, uses edu's BAR0, makes edu copy a
# pattern RAM -> device -> RAM by DMA and raise an MSI, and makes the
# e1000e send an MSI-X message, masked and unmasked; QEMU sets every one
# of these up through /dev/vfio (MAP_DMA of the nested guest's RAM,
# region mmaps, SET_IRQS for MSI and MSI-X).  The kernel prints one
# "NESTED ok|not ok <check>: <detail>" line per check on its COM1 (a
# file here) and ends QEMU through isa-debug-exit, which exits with 33
# when every check passed.  Here each expected check becomes a TAP line
# (a missing one fails), QEMU's exit status is checked, and, from the
# outside, the vfio-msix interrupt QEMU requested on the e1000e, the
# absence of new DMAR faults, and that both devices stay with vfio-pci.

# shellcheck source=lib.sh
. /lib/testbed/clients.sh

KERNEL=/data/nested-kernel.elf
# in the chroot: /tmp there is $HOSTFS/tmp here
WORK=/tmp/vfio_client_qemu
QEMU_TIMEOUT=200
EXIT_PASS=33

# every check the nested kernel reports, in its order
CHECKS="multiboot
edu_found edu_config_ids edu_intx_pin edu_cap_msi edu_bar0 edu_bar0_id
edu_liveness edu_dma_to_device edu_dma_from_device edu_dma_data
edu_msi_irq edu_msi_irq_again
e1000e_found e1000e_cap_msix e1000e_bars e1000e_msix_irq
e1000e_msix_masked e1000e_msix_unmask"

client_require_hostfs
host_run test -x /usr/bin/qemu-system-x86_64 ||
	client_skip_all "the host has no qemu-system-x86_64 (qemu-system-x86)"
edu=$(pci_devices 1234:11e8 | head -n 1)
nic=$(pci_devices 8086:10d3 | head -n 1)
[ -n "$edu" ] || client_skip_all "no edu device (1234:11e8)"
[ -n "$nic" ] || client_skip_all "no e1000e device (8086:10d3)"

check "edu $edu is bound to vfio-pci" vfio_bind "$edu"
check "e1000e $nic is bound to vfio-pci" vfio_bind "$nic"
if ! check "the nested kernel is in $KERNEL" [ -s "$KERNEL" ]; then
	client_done
	exit
fi

rm -rf "$HOSTFS$WORK"
mkdir -p "$HOSTFS$WORK"
cp "$KERNEL" "$HOSTFS$WORK/nested-kernel.elf"

# dmar_faults: how many DMA remapping faults the kernel has logged.
dmar_faults() {
	dmesg | grep -c 'DMAR: \[DMA'
}

# sample_irqs <file>: while QEMU runs, the /proc/interrupts lines of the
# vectors vfio-pci requested for the two devices, the last seen of each.
sample_irqs() {
	while [ ! -e "$HOSTFS$WORK/qemu.done" ]; do
		grep -F -e "($edu)" -e "($nic)" /proc/interrupts |
			grep vfio-msi >>"$1.all"
		sleep 0.3
	done
	for name in $(awk '{ print $NF }' "$1.all" | sort -u); do
		grep -F "$name" "$1.all" | tail -n 1
	done >"$1"
	rm -f "$1.all"
}

# irq_sum <line>: the sum of a /proc/interrupts line's per-CPU counts.
irq_sum() {
	echo "$1" | awk -v ncpu="$(grep -c '^processor' /proc/cpuinfo)" \
		'{ s = 0; for (i = 2; i <= ncpu + 1; i++) s += $i; print s }'
}

faults_before=$(dmar_faults)
sample_irqs /tmp/qemu_irqs &
sampler=$!
start=$(date +%s)
host_run timeout -s KILL "$QEMU_TIMEOUT" qemu-system-x86_64 \
	-M pc -accel tcg -cpu qemu64 -smp 1 -m 64M \
	-nodefaults -display none -monitor none -no-reboot \
	-serial "file:$WORK/serial.log" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$WORK/nested-kernel.elf" \
	-device "vfio-pci,host=$edu" \
	-device "vfio-pci,host=$nic" \
	</dev/null >"$HOSTFS$WORK/qemu.out" 2>&1
rc=$?
elapsed=$(($(date +%s) - start))
touch "$HOSTFS$WORK/qemu.done"
wait "$sampler"

serial=$HOSTFS$WORK/serial.log
[ -e "$serial" ] || : >"$serial"
echo "nested QEMU ran $elapsed s, exit status $rc; its serial port said:" |
	diag
diag <"$serial"
if [ -s "$HOSTFS$WORK/qemu.out" ]; then
	echo "QEMU's output:" | diag
	diag <"$HOSTFS$WORK/qemu.out"
fi

check "nested QEMU exits through isa-debug-exit with $EXIT_PASS (every check passed): exit status $rc" \
	[ "$rc" = "$EXIT_PASS" ]

for name in $CHECKS; do
	line=$(grep -E "^NESTED (not )?ok $name:" "$serial" | head -n 1)
	line=${line#NESTED }
	case $line in
	"ok $name:"*)
		ok "nested: ${line#ok }"
		;;
	"not ok $name:"*)
		not_ok "nested: ${line#not ok }"
		;;
	*)
		not_ok "nested: $name: not reported"
		;;
	esac
done
nchecks=$(echo "$CHECKS" | wc -w)
check "the nested kernel ran $nchecks checks, none failed" \
	grep -q "^NESTED done $nchecks checks, 0 failed" "$serial"

echo "vfio interrupts of $edu and $nic while QEMU ran:" | diag
diag </tmp/qemu_irqs
line=$(grep -F "vfio-msix[2]($nic)" /tmp/qemu_irqs)
count=0
[ -n "$line" ] && count=$(irq_sum "$line")
check "QEMU requested MSI-X vector 2 of $nic from vfio-pci, which took $count interrupts (>= 2)" \
	[ "$count" -ge 2 ]
faults_after=$(dmar_faults)
check "no DMAR faults ($faults_before before, $faults_after after)" \
	[ "$faults_after" = "$faults_before" ]

check "edu $edu is still bound to vfio-pci" \
	[ "$(pci_driver "$edu")" = vfio-pci ]
check "e1000e $nic is still bound to vfio-pci" \
	[ "$(pci_driver "$nic")" = vfio-pci ]

rm -rf "${HOSTFS:?}$WORK" /tmp/qemu_irqs
client_done
