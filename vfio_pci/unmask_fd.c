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
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "vfio_compat.h"
#include "vfio_pci_priv.h"

/**
 * struct vpci_unmask_fd - one eventfd that unmasks INTx
 * @vp: the device
 * @eventfd: the eventfd, referenced
 * @wait: our entry on the eventfd's wait queue
 * @pt: poll table used once to add @wait
 * @resend: signals the INTx trigger when the line was still asserted
 * @hung_up: the eventfd was closed; @wait is off the queue
 */
struct vpci_unmask_fd {
	struct vfio_pci_dev *vp;
	struct eventfd_ctx *eventfd;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct resend;
	bool hung_up;
};

static void vpci_unmask_fd_resend(struct work_struct *work)
{
	struct vpci_unmask_fd *ufd = container_of(work, struct vpci_unmask_fd,
						  resend);

	vpci_intx_signal(ufd->vp);
}

static int vpci_unmask_fd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
				 int sync, void *key)
{
	struct vpci_unmask_fd *ufd = container_of(wait, struct vpci_unmask_fd,
						  wait);
	__poll_t flags = key_to_poll(key);

	if (flags & EPOLLIN) {
		u64 cnt;

		eventfd_ctx_do_read(ufd->eventfd, &cnt);
		if (vpci_intx_unmask_hw(ufd->vp))
			schedule_work(&ufd->resend);
	}

	if (flags & EPOLLHUP) {
		/* The queue's lock is held: unlink ourselves directly */
		list_del_init(&wait->entry);
		WRITE_ONCE(ufd->hung_up, true);
	}
	return 0;
}

static void vpci_unmask_fd_queue(struct file *file, wait_queue_head_t *wqh,
				 poll_table *pt)
{
	struct vpci_unmask_fd *ufd = container_of(pt, struct vpci_unmask_fd,
						  pt);

	add_wait_queue(wqh, &ufd->wait);
}

static void vpci_unmask_fd_free(struct vpci_unmask_fd *ufd)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(ufd->eventfd, &ufd->wait, &cnt);
	cancel_work_sync(&ufd->resend);
	eventfd_ctx_put(ufd->eventfd);
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
	struct eventfd_ctx *eventfd;
	__poll_t events;
	struct fd f;
	int ret;

	lockdep_assert_held(&vp->igate);

	if (vp->unmask_fd) {
		if (!READ_ONCE(vp->unmask_fd->hung_up))
			return -EBUSY;
		vpci_unmask_fd_disable(vp);
	}

	ufd = kzalloc(sizeof(*ufd), GFP_KERNEL_ACCOUNT);
	if (!ufd)
		return -ENOMEM;
	ufd->vp = vp;
	INIT_WORK(&ufd->resend, vpci_unmask_fd_resend);
	init_waitqueue_func_entry(&ufd->wait, vpci_unmask_fd_wakeup);
	init_poll_funcptr(&ufd->pt, vpci_unmask_fd_queue);

	f = fdget(fd);
	if (!vfio_compat_fd_file(f)) {
		ret = -EBADF;
		goto err_free;
	}
	eventfd = eventfd_ctx_fileget(vfio_compat_fd_file(f));
	if (IS_ERR(eventfd)) {
		ret = PTR_ERR(eventfd);
		goto err_fdput;
	}
	ufd->eventfd = eventfd;
	vp->unmask_fd = ufd;

	events = vfs_poll(vfio_compat_fd_file(f), &ufd->pt);
	fdput(f);

	/* A signal sent before we listened still counts */
	if ((events & EPOLLIN) && vpci_intx_unmask_hw(vp))
		schedule_work(&ufd->resend);
	return 0;

err_fdput:
	fdput(f);
err_free:
	kfree(ufd);
	return ret;
}
