// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: VFIO_DEVICE_SET_IRQS validation and dispatch, the ERR and
 * REQ eventfds, and the interrupt teardown at close.
 *
 * Validation follows 6.1: argsz >= the fixed header, a known index, no
 * unknown flag bits, exactly one DATA_ type, [start, start + count)
 * inside the index's vector count (count < U32_MAX - start, so the sum
 * never wraps) and enough payload for count entries.  An action the
 * index does not support is -ENOTTY.  Handlers run under igate.
 */
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vfio_compat.h"
#include "vfio_pci_priv.h"

/**
 * vpci_irq_count() - number of vectors of an interrupt index
 * @vp: an open device
 * @index: VFIO_PCI_*_IRQ_INDEX; anything else has none
 *
 * Return: the count GET_IRQ_INFO reports and SET_IRQS checks against.
 */
int vpci_irq_count(struct vfio_pci_dev *vp, unsigned int index)
{
	struct pci_dev *pdev = vp->pdev;
	u16 flags;

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return vp->vconfig[PCI_INTERRUPT_PIN] ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		if (!pdev->msi_cap)
			return 0;
		pci_read_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS,
				     &flags);
		return 1 << ((flags & PCI_MSI_FLAGS_QMASK) >> 1);
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (!pdev->msix_cap)
			return 0;
		pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS,
				     &flags);
		return (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return pci_is_pcie(pdev) ? 1 : 0;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return 0;
	}
}

/* One eventfd per index (ERR, REQ), with DATA_NONE/BOOL loopback. */
static int vpci_set_single_trigger(struct eventfd_ctx **slot,
				   unsigned int count, u32 flags, void *data)
{
	struct eventfd_ctx *trigger;
	s32 fd;

	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (!*slot)
			return -EINVAL;
		if (count) {
			vfio_compat_eventfd_signal(*slot);
		} else {
			eventfd_ctx_put(*slot);
			*slot = NULL;
		}
		return 0;
	}

	if (!count)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(u8 *)data && *slot)
			vfio_compat_eventfd_signal(*slot);
		return 0;
	}

	fd = *(s32 *)data;
	if (fd == -1) {
		if (*slot)
			eventfd_ctx_put(*slot);
		*slot = NULL;
	} else if (fd >= 0) {
		trigger = eventfd_ctx_fdget(fd);
		if (IS_ERR(trigger))
			return PTR_ERR(trigger);
		if (*slot)
			eventfd_ctx_put(*slot);
		*slot = trigger;
	}
	return 0;
}

/**
 * vpci_set_irqs() - apply one validated SET_IRQS request
 * @vp: an open device
 * @flags: one DATA_ type and the action bits
 * @index: VFIO_PCI_*_IRQ_INDEX
 * @start: first vector
 * @count: number of vectors
 * @data: the payload (NULL for DATA_NONE)
 *
 * Return: 0 or a negative errno; -ENOTTY for an unsupported action.
 */
int vpci_set_irqs(struct vfio_pci_dev *vp, u32 flags, unsigned int index,
		  unsigned int start, unsigned int count, void *data)
{
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;

	lockdep_assert_held(&vp->igate);

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_MASK)
			return vpci_set_intx_mask(vp, start, count, flags, data);
		if (action == VFIO_IRQ_SET_ACTION_UNMASK)
			return vpci_set_intx_unmask(vp, start, count, flags,
						    data);
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vpci_set_intx_trigger(vp, start, count, flags,
						     data);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		/* Per-vector masking is not offered, as in 6.1 */
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vpci_set_msi_trigger(vp, index, start, count,
						    flags, data);
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER &&
		    pci_is_pcie(vp->pdev)) {
			if (start != 0 || count > 1)
				return -EINVAL;
			return vpci_set_single_trigger(&vp->err_trigger, count,
						       flags, data);
		}
		break;
	case VFIO_PCI_REQ_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
			if (start != 0 || count > 1)
				return -EINVAL;
			return vpci_set_single_trigger(&vp->req_trigger, count,
						       flags, data);
		}
		break;
	}
	return -ENOTTY;
}

/**
 * vpci_set_irqs_ioctl() - VFIO_DEVICE_SET_IRQS
 * @vp: an open device
 * @arg: the user's struct vfio_irq_set and its payload
 *
 * Return: 0 or a negative errno.
 */
long vpci_set_irqs_ioctl(struct vfio_pci_dev *vp, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t size, data_size = 0;
	void *data = NULL;
	unsigned int max;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;

	if (hdr.argsz < minsz || hdr.index >= VFIO_PCI_NUM_IRQS ||
	    hdr.count >= U32_MAX - hdr.start ||
	    hdr.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			  VFIO_IRQ_SET_ACTION_TYPE_MASK))
		return -EINVAL;

	max = vpci_irq_count(vp, hdr.index);
	if (hdr.start >= max || hdr.start + hdr.count > max)
		return -EINVAL;

	switch (hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		size = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		size = sizeof(u8);
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		size = sizeof(s32);
		break;
	default:
		return -EINVAL;
	}

	if (size) {
		data_size = size * hdr.count;
		if (hdr.argsz - minsz < data_size)
			return -EINVAL;
	}

	if (data_size) {
		data = memdup_user(arg + minsz, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	mutex_lock(&vp->igate);
	ret = vpci_set_irqs(vp, hdr.flags, hdr.index, hdr.start, hdr.count,
			    data);
	mutex_unlock(&vp->igate);
	kfree(data);
	return ret;
}

/**
 * vpci_irqs_teardown() - free every interrupt and eventfd at close
 * @vp: a device being closed
 */
void vpci_irqs_teardown(struct vfio_pci_dev *vp)
{
	mutex_lock(&vp->igate);
	switch (vp->irq_type) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		vpci_intx_disable(vp);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
		vpci_msi_disable(vp, false);
		break;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		vpci_msi_disable(vp, true);
		break;
	default:
		break;
	}
	if (vp->err_trigger) {
		eventfd_ctx_put(vp->err_trigger);
		vp->err_trigger = NULL;
	}
	if (vp->req_trigger) {
		eventfd_ctx_put(vp->req_trigger);
		vp->req_trigger = NULL;
	}
	mutex_unlock(&vp->igate);
}
