// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: MSI and MSI-X delivered to user space through eventfds.
 *
 * Enabling allocates exactly the number of vectors asked for
 * (start + count of the first ACTION_TRIGGER), one ctx each; a vector
 * has an irq requested exactly when its ctx has a trigger.  Vector
 * ranges [start, start + count) are open at the end; start + count
 * cannot wrap (checked in irq_ctl.c) and must fit in num_ctx.
 * The kernel writes the MSI-X table, which lives in a BAR, so those
 * writes run with memory decoding forced on (memory_lock).
 *
 * A vector with a trigger is also an irqbypass producer (token: the
 * trigger's eventfd_ctx, irq: its host irq), so that KVM, which registers
 * a consumer with the same token for an irqfd, can post the interrupt
 * straight to a vCPU.  The producer is registered after request_irq()
 * and unregistered before free_irq() and before the eventfd is put; a
 * failed registration is logged and the vector works without bypass.
 */
#include <linux/interrupt.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "vfio_compat.h"
#include "vfio_fault.h"
#include "vfio_pci_priv.h"

static irqreturn_t vpci_msi_handler(int irq, void *arg)
{
	struct eventfd_ctx *trigger = arg;

	vfio_compat_eventfd_signal(trigger);
	return IRQ_HANDLED;
}

/* irqbypass.ko may be absent (CONFIG_IRQ_BYPASS_MANAGER=n) */
static void vpci_msi_bypass_add(struct vfio_pci_dev *vp,
				struct vpci_irq_ctx *ctx,
				struct eventfd_ctx *trigger, int irq)
{
	int ret;

	ctx->producer.token = NULL;
	if (!IS_ENABLED(CONFIG_IRQ_BYPASS_MANAGER))
		return;

	ctx->producer.token = trigger;
	ctx->producer.irq = irq;
	ret = irq_bypass_register_producer(&ctx->producer);
	if (unlikely(ret)) {
		pci_info(vp->pdev,
			 "irq bypass producer (token %p) registration fails: %d\n",
			 ctx->producer.token, ret);
		ctx->producer.token = NULL;
	}
}

static void vpci_msi_bypass_del(struct vpci_irq_ctx *ctx)
{
	if (!IS_ENABLED(CONFIG_IRQ_BYPASS_MANAGER) || !ctx->producer.token)
		return;
	irq_bypass_unregister_producer(&ctx->producer);
	ctx->producer.token = NULL;
}

/* The virtual MSI enable bit tells the user what SET_IRQS did. */
static void vpci_msi_show_enable(struct vfio_pci_dev *vp, bool on)
{
	__le16 *vflags;

	if (!vp->pdev->msi_cap)
		return;
	vflags = (__le16 *)&vp->vconfig[vp->pdev->msi_cap + PCI_MSI_FLAGS];
	if (on)
		*vflags |= cpu_to_le16(PCI_MSI_FLAGS_ENABLE);
	else
		*vflags &= ~cpu_to_le16(PCI_MSI_FLAGS_ENABLE);
}

static int vpci_msi_enable(struct vfio_pci_dev *vp, int nvec, bool msix)
{
	unsigned int type = msix ? PCI_IRQ_MSIX : PCI_IRQ_MSI;
	u16 cmd;
	int ret;

	lockdep_assert_held(&vp->igate);

	if (vp->irq_type != VPCI_IRQ_NONE || nvec <= 0)
		return -EINVAL;

	vp->ctx = kcalloc(nvec, sizeof(*vp->ctx), GFP_KERNEL);
	if (!vp->ctx)
		return -ENOMEM;

	cmd = vpci_memory_lock_and_enable(vp);
	ret = pci_alloc_irq_vectors(vp->pdev, nvec, nvec, type);
	vpci_memory_unlock_and_restore(vp, cmd);
	if (ret < 0)
		goto err_free_ctx;

	vp->num_ctx = nvec;
	vp->irq_type = msix ? VFIO_PCI_MSIX_IRQ_INDEX : VFIO_PCI_MSI_IRQ_INDEX;
	if (!msix)
		vpci_msi_show_enable(vp, true);
	return 0;

err_free_ctx:
	kfree(vp->ctx);
	vp->ctx = NULL;
	return ret;
}

/* Give vector @vector the eventfd @fd; fd < 0 only frees the old one. */
static int vpci_msi_set_vector(struct vfio_pci_dev *vp, int vector, int fd,
			       bool msix)
{
	struct pci_dev *pdev = vp->pdev;
	struct vpci_irq_ctx *ctx;
	struct eventfd_ctx *trigger;
	unsigned int nth;
	char *name;
	int irq, ret;
	u16 cmd;

	lockdep_assert_held(&vp->igate);

	if (vector < 0 || vector >= vp->num_ctx)
		return -EINVAL;
	ctx = &vp->ctx[vector];
	irq = pci_irq_vector(pdev, vector);
	if (irq < 0)
		return -EINVAL;

	if (ctx->trigger) {
		vpci_msi_bypass_del(ctx);
		cmd = vpci_memory_lock_and_enable(vp);
		free_irq(irq, ctx->trigger);
		vpci_memory_unlock_and_restore(vp, cmd);
		kfree(ctx->name);
		ctx->name = NULL;
		eventfd_ctx_put(ctx->trigger);
		ctx->trigger = NULL;
	}
	if (fd < 0)
		return 0;

	name = kasprintf(GFP_KERNEL, "vfio-msi%s[%d](%s)", msix ? "x" : "",
			 vector, pci_name(pdev));
	if (!name)
		return -ENOMEM;

	trigger = eventfd_ctx_fdget(fd);
	if (IS_ERR(trigger)) {
		ret = PTR_ERR(trigger);
		goto err_free_name;
	}

	cmd = vpci_memory_lock_and_enable(vp);
	if (msix) {
		struct msi_msg msg;

		/* The table may have been cleared by a reset: rewrite it */
		get_cached_msi_msg(irq, &msg);
		pci_write_msi_msg(irq, &msg);
	}
	nth = vfio_fail_nth_hold();	/* see vfio_fault.h */
	ret = request_irq(irq, vpci_msi_handler, 0, name, trigger);
	vfio_fail_nth_resume(nth);
	vpci_memory_unlock_and_restore(vp, cmd);
	if (ret)
		goto err_put_trigger;

	vpci_msi_bypass_add(vp, ctx, trigger, irq);
	ctx->trigger = trigger;
	ctx->name = name;
	return 0;

err_put_trigger:
	eventfd_ctx_put(trigger);
err_free_name:
	kfree(name);
	return ret;
}

/* Set [start, start + count) from @fds (NULL: free them all). */
static int vpci_msi_set_block(struct vfio_pci_dev *vp, unsigned int start,
			      unsigned int count, s32 *fds, bool msix)
{
	unsigned int i;
	int ret = 0;

	if (start >= (unsigned int)vp->num_ctx ||
	    start + count > (unsigned int)vp->num_ctx)
		return -EINVAL;

	for (i = 0; i < count; i++) {
		ret = vpci_msi_set_vector(vp, start + i, fds ? fds[i] : -1,
					  msix);
		if (ret)
			break;
	}
	if (ret) {
		while (i-- > 0)
			vpci_msi_set_vector(vp, start + i, -1, msix);
	}
	return ret;
}

/**
 * vpci_msi_disable() - leave MSI or MSI-X mode, freeing every vector
 * @vp: an open device in that mode
 * @msix: which of the two
 */
void vpci_msi_disable(struct vfio_pci_dev *vp, bool msix)
{
	u16 cmd;

	lockdep_assert_held(&vp->igate);

	if (vp->num_ctx)
		vpci_msi_set_block(vp, 0, vp->num_ctx, NULL, msix);

	cmd = vpci_memory_lock_and_enable(vp);
	pci_free_irq_vectors(vp->pdev);
	vpci_memory_unlock_and_restore(vp, cmd);

	if (!msix)
		vpci_msi_show_enable(vp, false);
	vp->irq_type = VPCI_IRQ_NONE;
	vp->num_ctx = 0;
	kfree(vp->ctx);
	vp->ctx = NULL;
}

/**
 * vpci_set_msi_trigger() - ACTION_TRIGGER on the MSI or MSI-X index
 * @vp: an open device
 * @index: VFIO_PCI_MSI_IRQ_INDEX or VFIO_PCI_MSIX_IRQ_INDEX
 * @start: first vector
 * @count: number of vectors
 * @flags: VFIO_IRQ_SET_DATA_* (one of them) and the action
 * @data: @count s32 fds or u8 bools, or NULL for DATA_NONE
 *
 * Return: 0 or a negative errno.
 */
int vpci_set_msi_trigger(struct vfio_pci_dev *vp, unsigned int index,
			 unsigned int start, unsigned int count, u32 flags,
			 void *data)
{
	bool msix = index == VFIO_PCI_MSIX_IRQ_INDEX;
	unsigned int i;
	int ret;

	lockdep_assert_held(&vp->igate);

	if (vp->irq_type == index && !count &&
	    (flags & VFIO_IRQ_SET_DATA_NONE)) {
		vpci_msi_disable(vp, msix);
		return 0;
	}

	if (!(vp->irq_type == index || vp->irq_type == VPCI_IRQ_NONE))
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (vp->irq_type == index)
			return vpci_msi_set_block(vp, start, count, data, msix);

		ret = vpci_msi_enable(vp, start + count, msix);
		if (ret)
			return ret;
		ret = vpci_msi_set_block(vp, start, count, data, msix);
		if (ret)
			vpci_msi_disable(vp, msix);
		return ret;
	}

	if (vp->irq_type != index || start + count > (unsigned int)vp->num_ctx)
		return -EINVAL;

	/* Loopback: signal as if the vectors fired */
	for (i = start; i < start + count; i++) {
		if (!vp->ctx[i].trigger)
			continue;
		if (flags & VFIO_IRQ_SET_DATA_NONE)
			vfio_compat_eventfd_signal(vp->ctx[i].trigger);
		else if (((u8 *)data)[i - start])
			vfio_compat_eventfd_signal(vp->ctx[i].trigger);
	}
	return 0;
}
