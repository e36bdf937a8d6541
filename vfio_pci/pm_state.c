// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: the D-states the user asks for through the PM capability.
 *
 * A write of the PowerState field of PMCSR moves the function to that
 * state with pci_set_power_state(), as 6.1 does, and the field then reads
 * the state the function is really in.  In D3hot the BARs are out of
 * reach: the mappings are zapped on the way there, and faults, reads and
 * writes fail until the function is back in D0 (vpci_memory_enabled()).
 * A function without No_Soft_Reset loses its config space on the way back
 * from D3hot, so it is saved on the way in and restored on the way out.
 * A reset, a hot reset and the close put the function back in D0 first.
 */
#include <linux/pci.h>
#include <linux/slab.h>

#include "vfio_pci_priv.h"

/* pci_power_t as a number that compares: 0 D0 ... 3 D3hot, 4 D3cold. */
static int vpci_d(pci_power_t state)
{
	return (__force int)state;
}

/**
 * vpci_set_power_state_locked() - move an open function to a D-state
 * @vp: an open device, memory_lock held for writing
 * @state: PCI_D0 to PCI_D3hot
 *
 * Return: 0, -EBUSY for a low power state of a PF with VFs enabled (as
 * 6.1), or the error of pci_set_power_state().
 */
int vpci_set_power_state_locked(struct vfio_pci_dev *vp, pci_power_t state)
{
	struct pci_dev *pdev = vp->pdev;
	bool save = false, restore = false;
	u16 pmcsr;
	int ret;

	lockdep_assert_held_write(&vp->memory_lock);
	if (!pdev->pm_cap)
		return 0;
	if (vpci_d(state) > vpci_d(PCI_D0) && pdev->is_physfn &&
	    pci_num_vf(pdev))
		return -EBUSY;

	pci_read_config_word(pdev, pdev->pm_cap + PCI_PM_CTRL, &pmcsr);
	if (!(pmcsr & PCI_PM_CTRL_NO_SOFT_RESET)) {
		save = vpci_d(pdev->current_state) < vpci_d(PCI_D3hot) &&
		       vpci_d(state) >= vpci_d(PCI_D3hot);
		restore = vpci_d(pdev->current_state) >= vpci_d(PCI_D3hot) &&
			  state == PCI_D0;
	}
	if (save)
		pci_save_state(pdev);

	ret = pci_set_power_state(pdev, state);
	if (ret)
		return ret;

	if (save && vpci_d(pdev->current_state) >= vpci_d(PCI_D3hot)) {
		kfree(vp->pm_save);
		vp->pm_save = pci_store_saved_state(pdev);
	} else if (restore && vp->pm_save) {
		pci_load_and_free_saved_state(pdev, &vp->pm_save);
		pci_restore_state(pdev);
	}
	return 0;
}

/**
 * vpci_pm_state_release() - back to D0, as a closed function is kept
 * @vp: a device being closed
 */
void vpci_pm_state_release(struct vfio_pci_dev *vp)
{
	down_write(&vp->memory_lock);
	vpci_set_power_state_locked(vp, PCI_D0);
	up_write(&vp->memory_lock);
	kfree(vp->pm_save);
	vp->pm_save = NULL;
}

/**
 * vpci_pmcsr_write() - act on a user write of PMCSR's PowerState field
 * @vp: an open device, igate held
 * @pm_pos: offset of its PM capability
 *
 * The written state is in vconfig; afterwards vconfig holds the state
 * the function is in (the transition may fail, or the state not exist).
 */
void vpci_pmcsr_write(struct vfio_pci_dev *vp, int pm_pos)
{
	u8 *ctrl = &vp->vconfig[pm_pos + PCI_PM_CTRL];
	int bits = *ctrl & PCI_PM_CTRL_STATE_MASK;
	pci_power_t state = (__force pci_power_t)bits;

	lockdep_assert_held(&vp->igate);
	if (bits >= vpci_d(PCI_D3hot))
		vpci_zap_and_lock_memory(vp);
	else
		down_write(&vp->memory_lock);
	if (vpci_set_power_state_locked(vp, state))
		pci_dbg(vp->pdev, "user power state D%d refused\n", bits);
	bits = min(vpci_d(vp->pdev->current_state), vpci_d(PCI_D3hot));
	up_write(&vp->memory_lock);

	*ctrl = (*ctrl & ~PCI_PM_CTRL_STATE_MASK) | bits;
}
