// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: putting the BAR registers back after a reset we did not do.
 *
 * A device can lose its BAR programming behind our back: a reset it
 * triggers itself, a power transition, a write by the host through
 * sysfs.  Its config space then decodes nothing, or the wrong range.
 * The BAR registers the PCI core assigned are recorded when the device
 * is opened; when the user turns memory or I/O decoding on and the
 * hardware no longer holds them (or shows decoding off although the
 * user had it on), they are written back first, as 6.1 does.
 */
#include <linux/pci.h>

#include "vfio_pci_priv.h"

/**
 * vpci_bars_record() - remember the hardware's BAR registers at open
 * @vp: a device whose vconfig still holds the raw hardware config space
 */
void vpci_bars_record(struct vfio_pci_dev *vp)
{
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		vp->raw_bars[i] = le32_to_cpup((__le32 *)
			&vp->vconfig[PCI_BASE_ADDRESS_0 + 4 * i]);
	vp->raw_bars[PCI_STD_NUM_BARS] =
		le32_to_cpup((__le32 *)&vp->vconfig[PCI_ROM_ADDRESS]);
}

/* Config offset of raw_bars[@i]: the six BARs, then the ROM BAR. */
static int vpci_raw_bar_pos(int i)
{
	return i < PCI_STD_NUM_BARS ? PCI_BASE_ADDRESS_0 + 4 * i :
				      PCI_ROM_ADDRESS;
}

/* Does a BAR register the device had at open now read differently? */
static bool vpci_bars_lost(struct vfio_pci_dev *vp)
{
	u32 now;
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!vp->raw_bars[i])
			continue;
		if (pci_user_read_config_dword(vp->pdev, vpci_raw_bar_pos(i),
					       &now) || now != vp->raw_bars[i])
			return true;
	}
	return false;
}

/**
 * vpci_bars_restore_if_lost() - write back BARs a device lost
 * @vp: an open device, memory_lock held for writing
 * @new_cmd: the command register value the user is writing
 *
 * Called before a user write of the command register reaches the
 * hardware.  If it turns decoding on while the hardware shows it off
 * although the user had it on, or if any recorded BAR register no
 * longer matches, every BAR and the ROM BAR get their recorded values.
 * A VF has no BAR registers of its own and is left alone.
 */
void vpci_bars_restore_if_lost(struct vfio_pci_dev *vp, u16 new_cmd)
{
	struct pci_dev *pdev = vp->pdev;
	u16 vcmd = le16_to_cpup((__le16 *)&vp->vconfig[PCI_COMMAND]);
	bool lost_mem = false, lost_io = false;
	u16 hw_cmd;
	int i;

	if (pdev->is_virtfn)
		return;
	if (pci_user_read_config_word(pdev, PCI_COMMAND, &hw_cmd))
		return;
	if ((new_cmd & vcmd & PCI_COMMAND_MEMORY) &&
	    !(hw_cmd & PCI_COMMAND_MEMORY) && !pdev->no_command_memory)
		lost_mem = true;
	if ((new_cmd & vcmd & PCI_COMMAND_IO) && !(hw_cmd & PCI_COMMAND_IO))
		lost_io = true;
	if (!lost_mem && !lost_io && !vpci_bars_lost(vp))
		return;

	pci_info(pdev, "BAR registers lost (reset?), writing them back\n");
	for (i = 0; i <= PCI_STD_NUM_BARS; i++)
		pci_user_write_config_dword(pdev, vpci_raw_bar_pos(i),
					    vp->raw_bars[i]);
}
