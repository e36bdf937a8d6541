// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a vfio-pci device shows in the core's debugfs groups file
 * (/sys/kernel/debug/vfio/groups), below its "device" line, one line:
 *
 *   irqs: type <none|INTx|MSI|MSI-X>, vectors N, eventfds N, masked N,
 *         err eventfd <yes|no>, req eventfd <yes|no>
 *
 * "vectors" are the contexts of the active interrupt type, "eventfds"
 * those of them with a trigger, "masked" the INTx lines masked now.
 *
 * The core calls this with the group's locks held, which come before
 * igate nowhere else: igate is only trylocked, and a device whose
 * interrupts are being changed at that moment says "irqs: busy".
 */
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "vfio_pci_priv.h"

static const char *vpci_debugfs_irq_type(int type)
{
	switch (type) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return "INTx";
	case VFIO_PCI_MSI_IRQ_INDEX:
		return "MSI";
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return "MSI-X";
	default:
		return "none";
	}
}

/**
 * vpci_debugfs_show() - the device's debugfs_show callback
 * @vdev: a vfio-pci device
 * @m: the groups file being read
 */
void vpci_debugfs_show(struct vfio_device *vdev, struct seq_file *m)
{
	struct vfio_pci_dev *vp = to_vpci(vdev);
	int i, triggers = 0, masked = 0;

	if (!mutex_trylock(&vp->igate)) {
		seq_puts(m, "    irqs: busy\n");
		return;
	}
	for (i = 0; i < vp->num_ctx; i++) {
		if (vp->ctx[i].trigger)
			triggers++;
		if (vp->irq_type == VFIO_PCI_INTX_IRQ_INDEX &&
		    vp->ctx[i].masked)
			masked++;
	}
	seq_printf(m, "    irqs: type %s, vectors %d, eventfds %d, masked %d, err eventfd %s, req eventfd %s\n",
		   vpci_debugfs_irq_type(vp->irq_type), vp->num_ctx, triggers,
		   masked, vp->err_trigger ? "yes" : "no",
		   vp->req_trigger ? "yes" : "no");
	mutex_unlock(&vp->igate);
}
