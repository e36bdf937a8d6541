// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: INTx delivered to user space through an eventfd.
 *
 * The line is level triggered, so the handler masks it (DisINTx when
 * the device supports PCI 2.3 masking, disable_irq otherwise) before
 * signalling the eventfd; user space unmasks it once it has serviced
 * the device (ACTION_UNMASK).  ctx[0].masked says whether we masked it.
 * A mask can come from the handler, from ACTION_MASK or from DisINTx in
 * the virtual command register (virq_disabled); irqlock serializes them.
 * INTx mode may be on with no eventfd (irq not requested).
 */
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "vfio_compat.h"
#include "vfio_fault.h"
#include "vfio_pci_priv.h"

static bool vpci_is_intx(struct vfio_pci_dev *vp)
{
	return vp->irq_type == VFIO_PCI_INTX_IRQ_INDEX;
}

/**
 * vpci_intx_signal() - tell user space the line fired
 * @vp: an open device
 *
 * Runs in the irq handler, under igate, or from the unmask eventfd's
 * work item, which is flushed before the trigger is replaced.
 */
void vpci_intx_signal(struct vfio_pci_dev *vp)
{
	struct eventfd_ctx *trigger;

	if (!vpci_is_intx(vp) || vp->virq_disabled)
		return;
	trigger = READ_ONCE(vp->ctx[0].trigger);
	if (trigger)
		vfio_compat_eventfd_signal(trigger);
}

/**
 * vpci_intx_mask() - mask INTx for the user
 * @vp: an open device
 *
 * Also used for DisINTx in the virtual command register while INTx is
 * not in use: the hardware bit then follows the virtual one.
 *
 * Return: true if INTx is in use and this call masked it, false if it
 * was masked already or INTx is not in use.
 */
bool vpci_intx_mask(struct vfio_pci_dev *vp)
{
	struct pci_dev *pdev = vp->pdev;
	unsigned long flags;
	bool masked = false;

	spin_lock_irqsave(&vp->irqlock, flags);
	if (!vpci_is_intx(vp)) {
		if (vp->pci_2_3)
			pci_intx(pdev, 0);
	} else if (!vp->ctx[0].masked) {
		if (vp->pci_2_3)
			pci_intx(pdev, 0);
		else
			disable_irq_nosync(pdev->irq);
		vp->ctx[0].masked = true;
		masked = true;
	}
	spin_unlock_irqrestore(&vp->irqlock, flags);
	return masked;
}

/**
 * vpci_intx_unmask_hw() - unmask INTx, without signalling
 * @vp: an open device
 *
 * May run in atomic context (the unmask eventfd's wakeup).
 *
 * Return: true when the line was still asserted: it stays masked and
 * the caller must signal the trigger again.
 */
bool vpci_intx_unmask_hw(struct vfio_pci_dev *vp)
{
	struct pci_dev *pdev = vp->pdev;
	unsigned long flags;
	bool pending = false;

	spin_lock_irqsave(&vp->irqlock, flags);
	if (!vpci_is_intx(vp)) {
		if (vp->pci_2_3)
			pci_intx(pdev, 1);
	} else if (vp->ctx[0].masked && !vp->virq_disabled) {
		/* Still asserted: keep it masked and tell the user again */
		if (vp->pci_2_3)
			pending = !pci_check_and_unmask_intx(pdev);
		else
			enable_irq(pdev->irq);
		vp->ctx[0].masked = pending;
	}
	spin_unlock_irqrestore(&vp->irqlock, flags);
	return pending;
}

/**
 * vpci_intx_unmask() - unmask INTx for the user
 * @vp: an open device
 */
void vpci_intx_unmask(struct vfio_pci_dev *vp)
{
	if (vpci_intx_unmask_hw(vp))
		vpci_intx_signal(vp);
}

static irqreturn_t vpci_intx_handler(int irq, void *data)
{
	struct vfio_pci_dev *vp = data;
	irqreturn_t ret = IRQ_NONE;
	unsigned long flags;

	spin_lock_irqsave(&vp->irqlock, flags);
	if (!vp->pci_2_3) {
		disable_irq_nosync(vp->pdev->irq);
		vp->ctx[0].masked = true;
		ret = IRQ_HANDLED;
	} else if (!vp->ctx[0].masked &&
		   pci_check_and_mask_intx(vp->pdev)) {
		vp->ctx[0].masked = true;
		ret = IRQ_HANDLED;
	}
	spin_unlock_irqrestore(&vp->irqlock, flags);

	if (ret == IRQ_HANDLED)
		vpci_intx_signal(vp);
	return ret;
}

static int vpci_intx_enable(struct vfio_pci_dev *vp)
{
	lockdep_assert_held(&vp->igate);

	if (vp->irq_type != VPCI_IRQ_NONE)
		return -EINVAL;
	if (!vp->pdev->irq)
		return -ENODEV;

	vp->ctx = kzalloc(sizeof(*vp->ctx), GFP_KERNEL);
	if (!vp->ctx)
		return -ENOMEM;
	vp->num_ctx = 1;

	/* DisINTx set by the user before enabling keeps the line masked */
	vp->ctx[0].masked = vp->virq_disabled;
	if (vp->pci_2_3)
		pci_intx(vp->pdev, !vp->ctx[0].masked);

	vp->irq_type = VFIO_PCI_INTX_IRQ_INDEX;
	return 0;
}

/* Replace the eventfd of the line; fd < 0 only removes the old one. */
static int vpci_intx_set_signal(struct vfio_pci_dev *vp, int fd)
{
	struct pci_dev *pdev = vp->pdev;
	struct vpci_irq_ctx *ctx = &vp->ctx[0];
	unsigned long irqflags = vp->pci_2_3 ? IRQF_SHARED : 0;
	struct eventfd_ctx *trigger;
	unsigned long flags;
	unsigned int nth;
	char *name;
	int ret;

	lockdep_assert_held(&vp->igate);

	if (ctx->trigger) {
		struct eventfd_ctx *old = ctx->trigger;

		free_irq(pdev->irq, vp);
		WRITE_ONCE(ctx->trigger, NULL);
		/* The unmask eventfd's work may still hold the old trigger */
		vpci_unmask_fd_flush(vp);
		kfree(ctx->name);
		ctx->name = NULL;
		eventfd_ctx_put(old);
	}
	if (fd < 0)
		return 0;

	name = kasprintf(GFP_KERNEL, "vfio-intx(%s)", pci_name(pdev));
	if (!name)
		return -ENOMEM;

	trigger = eventfd_ctx_fdget(fd);
	if (IS_ERR(trigger)) {
		ret = PTR_ERR(trigger);
		goto err_free_name;
	}
	WRITE_ONCE(ctx->trigger, trigger);
	ctx->name = name;

	nth = vfio_fail_nth_hold();	/* see vfio_fault.h */
	ret = request_irq(pdev->irq, vpci_intx_handler, irqflags, name, vp);
	vfio_fail_nth_resume(nth);
	if (ret)
		goto err_put_trigger;

	/* A mask set while no handler was installed must stay in force */
	spin_lock_irqsave(&vp->irqlock, flags);
	if (!vp->pci_2_3 && ctx->masked)
		disable_irq_nosync(pdev->irq);
	spin_unlock_irqrestore(&vp->irqlock, flags);
	return 0;

err_put_trigger:
	ctx->trigger = NULL;
	ctx->name = NULL;
	eventfd_ctx_put(trigger);
err_free_name:
	kfree(name);
	return ret;
}

/**
 * vpci_intx_disable() - leave INTx mode, freeing the irq and eventfd
 * @vp: an open device in INTx mode
 */
void vpci_intx_disable(struct vfio_pci_dev *vp)
{
	lockdep_assert_held(&vp->igate);

	vpci_unmask_fd_disable(vp);
	vpci_intx_set_signal(vp, -1);
	/* Nobody handles the line any more: keep the device quiet on it */
	if (vp->pci_2_3)
		pci_intx(vp->pdev, 0);
	vp->irq_type = VPCI_IRQ_NONE;
	vp->num_ctx = 0;
	kfree(vp->ctx);
	vp->ctx = NULL;
}

static int vpci_intx_check(struct vfio_pci_dev *vp, unsigned int start,
			   unsigned int count)
{
	if (!vpci_is_intx(vp) || start != 0 || count != 1)
		return -EINVAL;
	return 0;
}

/* ACTION_MASK on the INTx index */
int vpci_set_intx_mask(struct vfio_pci_dev *vp, unsigned int start,
		       unsigned int count, u32 flags, void *data)
{
	int ret = vpci_intx_check(vp, start, count);

	if (ret)
		return ret;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		vpci_intx_mask(vp);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(u8 *)data)
			vpci_intx_mask(vp);
	} else {
		/* A mask eventfd is not provided, as in 6.1 */
		return -ENOTTY;
	}
	return 0;
}

/* ACTION_UNMASK on the INTx index */
int vpci_set_intx_unmask(struct vfio_pci_dev *vp, unsigned int start,
			 unsigned int count, u32 flags, void *data)
{
	int ret = vpci_intx_check(vp, start, count);

	if (ret)
		return ret;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		vpci_intx_unmask(vp);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(u8 *)data)
			vpci_intx_unmask(vp);
	} else {
		s32 fd = *(s32 *)data;

		if (fd >= 0)
			return vpci_unmask_fd_enable(vp, fd);
		vpci_unmask_fd_disable(vp);
	}
	return 0;
}

/* ACTION_TRIGGER on the INTx index */
int vpci_set_intx_trigger(struct vfio_pci_dev *vp, unsigned int start,
			  unsigned int count, u32 flags, void *data)
{
	int ret;

	lockdep_assert_held(&vp->igate);

	if (vpci_is_intx(vp) && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		vpci_intx_disable(vp);
		return 0;
	}

	if (!(vpci_is_intx(vp) || vp->irq_type == VPCI_IRQ_NONE) ||
	    start != 0 || count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		s32 fd = *(s32 *)data;

		if (vpci_is_intx(vp))
			return vpci_intx_set_signal(vp, fd);

		ret = vpci_intx_enable(vp);
		if (ret)
			return ret;
		ret = vpci_intx_set_signal(vp, fd);
		if (ret)
			vpci_intx_disable(vp);
		return ret;
	}

	if (!vpci_is_intx(vp))
		return -EINVAL;

	/* Loopback: signal as if the line fired */
	if (flags & VFIO_IRQ_SET_DATA_NONE)
		vpci_intx_signal(vp);
	else if (*(u8 *)data)
		vpci_intx_signal(vp);
	return 0;
}
