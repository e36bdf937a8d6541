// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: open/close of a device, function reset and the memory-enable
 * lock.
 *
 * Invariants: between open_device() and close_device() the function is
 * enabled (pci_enable_device), vconfig and the permission tables exist
 * and saved_state holds the config space as it was before the user got
 * the device.  close_device() never fails: whatever the user left
 * behind (interrupts, eventfds, bus mastering, BAR mappings) is undone
 * and the saved state is written back.
 */
#include <linux/pci.h>

#include "vfio_fault.h"
#include "vfio_pci_priv.h"

/**
 * vpci_memory_enabled() - does the user see memory decoding enabled
 * @vp: an open device
 *
 * Return: the memory-enable bit of the virtual command register, false
 * while the device may be runtime-suspended (D3hot decodes nothing).
 * Caller holds memory_lock (read or write).
 */
bool vpci_memory_enabled(struct vfio_pci_dev *vp)
{
	lockdep_assert_held(&vp->memory_lock);
	if (vp->pm_suspended ||
	    (__force int)vp->pdev->current_state >= (__force int)PCI_D3hot)
		return false;
	return le16_to_cpup((__le16 *)&vp->vconfig[PCI_COMMAND]) &
		PCI_COMMAND_MEMORY;
}

/**
 * vpci_memory_lock_and_enable() - make the kernel's own BAR accesses work
 * @vp: an open device
 *
 * Takes memory_lock for writing and turns memory decoding on in the
 * hardware if it is off, for instance around MSI-X table updates.
 *
 * Return: the command register to give vpci_memory_unlock_and_restore().
 */
u16 vpci_memory_lock_and_enable(struct vfio_pci_dev *vp)
{
	u16 cmd;

	down_write(&vp->memory_lock);
	pci_read_config_word(vp->pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write_config_word(vp->pdev, PCI_COMMAND,
				      cmd | PCI_COMMAND_MEMORY);
	return cmd;
}

/**
 * vpci_memory_unlock_and_restore() - undo vpci_memory_lock_and_enable()
 * @vp: an open device
 * @cmd: the value vpci_memory_lock_and_enable() returned
 */
void vpci_memory_unlock_and_restore(struct vfio_pci_dev *vp, u16 cmd)
{
	pci_write_config_word(vp->pdev, PCI_COMMAND, cmd);
	up_write(&vp->memory_lock);
}

/**
 * vpci_reset() - VFIO_DEVICE_RESET: reset the function, keep its config
 * @vp: an open device
 *
 * pci_try_reset_function() saves and restores the config space around
 * the reset.  BAR mappings are zapped and memory_lock held for writing
 * so that nothing touches the BARs meanwhile.
 *
 * Return: 0, -EINVAL without a working reset method, or the error of
 * the reset (-EAGAIN if the device lock is contended).
 */
int vpci_reset(struct vfio_pci_dev *vp)
{
	int ret;

	if (!vp->reset_works)
		return -EINVAL;

	vpci_zap_and_lock_memory(vp);
	vpci_set_power_state_locked(vp, PCI_D0);
	ret = pci_try_reset_function(vp->pdev);
	up_write(&vp->memory_lock);
	return ret;
}

/* DisINTx is ours to use when the device supports PCI 2.3 masking. */
static void vpci_intx_setup(struct vfio_pci_dev *vp)
{
	struct pci_dev *pdev = vp->pdev;
	u16 cmd;

	vp->pci_2_3 = !vpci_nointxmask && pci_intx_mask_supported(pdev);
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (vp->pci_2_3 && (cmd & PCI_COMMAND_INTX_DISABLE))
		pci_write_config_word(pdev, PCI_COMMAND,
				      cmd & ~PCI_COMMAND_INTX_DISABLE);
}

/*
 * pci_enable_device() and pci_disable_device() with fail-nth held (see
 * vfio_fault.h): on x86 both evaluate the ACPI _PRT of the device's
 * bridge, and an allocation failing inside 6.1's ACPICA interpreter
 * leaves its reference counts wrong (KASAN: use-after-free in
 * acpi_ns_get_attached_object() at a later evaluation).
 */
static int vpci_enable(struct pci_dev *pdev)
{
	unsigned int nth = vfio_fail_nth_hold();
	int ret;

	ret = pci_enable_device(pdev);
	vfio_fail_nth_resume(nth);
	return ret;
}

static void vpci_disable(struct pci_dev *pdev)
{
	unsigned int nth = vfio_fail_nth_hold();

	pci_disable_device(pdev);
	vfio_fail_nth_resume(nth);
}

int vpci_open_device(struct vfio_device *vdev)
{
	struct vfio_pci_dev *vp = to_vpci(vdev);
	struct pci_dev *pdev = vp->pdev;
	int ret;

	vpci_hot_reset_opened(vp);
	ret = vpci_pm_open(vp);
	if (ret)
		goto err_unused;

	ret = vpci_enable(pdev);
	if (ret)
		goto err_power;

	/* A reset at open hands the user a clean device, when possible. */
	ret = pci_try_reset_function(pdev);
	if (ret == -EAGAIN)
		goto err_disable;
	vp->reset_works = !ret;

	pci_save_state(pdev);
	vp->saved_state = pci_store_saved_state(pdev);
	if (!vp->saved_state)
		pci_dbg(pdev, "cannot store the config space to restore at close\n");

	vpci_intx_setup(vp);

	ret = vpci_config_init(vp);
	if (ret)
		goto err_free_state;

	vpci_bar_mmap_probe(vp);
	vp->virq_disabled = false;
	vp->irq_type = VPCI_IRQ_NONE;
	vpci_vf_token_get(vp);
	return 0;

err_free_state:
	kfree(vp->saved_state);
	vp->saved_state = NULL;
err_disable:
	vpci_disable(pdev);
err_power:
	vpci_pm_close_done(vp);
err_unused:
	vpci_hot_reset_closed(vp, false);
	return ret;
}

void vpci_close_device(struct vfio_device *vdev)
{
	struct vfio_pci_dev *vp = to_vpci(vdev);
	struct pci_dev *pdev = vp->pdev;
	bool needs_reset = true;

	/* Out of any low power state first: the reset needs D0. */
	vpci_pm_close(vp);
	vpci_pm_state_release(vp);

	vpci_vf_token_put(vp);

	/* No more DMA, then no more interrupts. */
	pci_clear_master(pdev);
	vpci_irqs_teardown(vp);

	/* Mask INTx and stop decoding while the device is reset. */
	pci_write_config_word(pdev, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE);
	if (vp->reset_works && pci_dev_trylock(pdev)) {
		needs_reset = !!__pci_reset_function_locked(pdev);
		pci_dev_unlock(pdev);
	}

	if (vp->saved_state) {
		if (pci_load_and_free_saved_state(pdev, &vp->saved_state))
			pci_info(pdev, "cannot reload the config space saved at open\n");
		else
			pci_restore_state(pdev);
	}

	vpci_bars_release(vp);
	vpci_bar_mmap_release(vp);
	vpci_disable(pdev);
	vpci_config_free(vp);
	vp->virq_disabled = false;
	/* a slot or bus reset if this was the last user of it (as 6.1) */
	vpci_hot_reset_closed(vp, needs_reset);
	vpci_pm_close_done(vp);
}
