// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: INTx unmask through an eventfd (ACTION_UNMASK, DATA_EVENTFD).
 *
 * KVM signals this eventfd when the guest has serviced the line (irqfd
 * resampling); every signal unmasks INTx as ACTION_UNMASK would.  We
 * wait on the eventfd's wait queue: the wakeup runs in atomic context
 * with the eventfd's lock held, so it only unmasks (irqlock) and leaves
 * re-signalling a still pending interrupt to a work item.
 *
 * Invariants: vp->unmask_fd is set and cleared under igate, exists only
 * in INTx mode and is freed before the INTx contexts are.  Once the
 * user closes the eventfd (EPOLLHUP) we stop listening and mark it
 * hung up; the object is freed when replaced, disabled or at close.
 */
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "vfio_pci_priv.h"

/**
 * struct vpci_unmask_fd - one eventfd that unmasks INTx
 * @vp: the device
 * @efd: waits on the eventfd
 * @resend: signals the INTx trigger when the line was still asserted
 */
struct vpci_unmask_fd {
	struct vfio_pci_dev *vp;
	struct vpci_efd_waiter efd;
	struct work_struct resend;
};

static void vpci_unmask_fd_resend(struct work_struct *work)
{
	struct vpci_unmask_fd *ufd = container_of(work, struct vpci_unmask_fd,
						  resend);

	vpci_intx_signal(ufd->vp);
}

/* Atomic context: unmask, and leave re-signalling to the work item. */
static void vpci_unmask_fd_signal(struct vpci_efd_waiter *w)
{
	struct vpci_unmask_fd *ufd = container_of(w, struct vpci_unmask_fd,
						  efd);

	if (vpci_intx_unmask_hw(ufd->vp))
		schedule_work(&ufd->resend);
}

static void vpci_unmask_fd_free(struct vpci_unmask_fd *ufd)
{
	vpci_efd_waiter_stop(&ufd->efd);
	cancel_work_sync(&ufd->resend);
	kfree(ufd);
}

/**
 * vpci_unmask_fd_flush() - wait for a pending re-signal of INTx
 * @vp: an open device
 */
void vpci_unmask_fd_flush(struct vfio_pci_dev *vp)
{
	lockdep_assert_held(&vp->igate);

	if (vp->unmask_fd)
		flush_work(&vp->unmask_fd->resend);
}

/**
 * vpci_unmask_fd_disable() - stop unmasking INTx through an eventfd
 * @vp: an open device
 */
void vpci_unmask_fd_disable(struct vfio_pci_dev *vp)
{
	lockdep_assert_held(&vp->igate);

	if (!vp->unmask_fd)
		return;
	vpci_unmask_fd_free(vp->unmask_fd);
	vp->unmask_fd = NULL;
}

/**
 * vpci_unmask_fd_enable() - unmask INTx whenever @fd is signalled
 * @vp: an open device in INTx mode
 * @fd: an eventfd
 *
 * Return: 0, -EBUSY if an eventfd is already set, -EBADF / -EINVAL for
 * a bad fd, or -ENOMEM.
 */
int vpci_unmask_fd_enable(struct vfio_pci_dev *vp, int fd)
{
	struct vpci_unmask_fd *ufd;
	int ret;

	lockdep_assert_held(&vp->igate);

	if (vp->unmask_fd) {
		if (!READ_ONCE(vp->unmask_fd->efd.hung_up))
			return -EBUSY;
		vpci_unmask_fd_disable(vp);
	}

	ufd = kzalloc(sizeof(*ufd), GFP_KERNEL_ACCOUNT);
	if (!ufd)
		return -ENOMEM;
	ufd->vp = vp;
	INIT_WORK(&ufd->resend, vpci_unmask_fd_resend);

	ret = vpci_efd_waiter_start(&ufd->efd, fd, vpci_unmask_fd_signal);
	if (ret) {
		kfree(ufd);
		return ret;
	}
	vp->unmask_fd = ufd;
	return 0;
}
