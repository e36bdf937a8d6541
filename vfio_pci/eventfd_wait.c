// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: a callback on every signal of a user's eventfd.
 *
 * Used where the device acts on an eventfd itself instead of user space
 * reading it: the INTx unmask eventfd (unmask_fd.c) and ioeventfds
 * (ioeventfd.c).  The waiter sits on the eventfd's wait queue; its
 * wakeup runs in atomic context with the queue's spinlock held, consumes
 * the count and calls ->signal(), which must not sleep (callers hand
 * anything that sleeps to a work item of their own).  When the user
 * closes the eventfd (EPOLLHUP) the waiter leaves the queue and is marked
 * hung up; the eventfd reference stays until vpci_efd_waiter_stop().
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/wait.h>

#include "vfio_compat.h"
#include "vfio_pci_priv.h"

static int vpci_efd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct vpci_efd_waiter *w = container_of(wait, struct vpci_efd_waiter,
						 wait);
	__poll_t flags = key_to_poll(key);

	if (flags & EPOLLIN) {
		u64 cnt;

		eventfd_ctx_do_read(w->eventfd, &cnt);
		w->signal(w);
	}

	if (flags & EPOLLHUP) {
		/* The queue's lock is held: unlink ourselves directly */
		list_del_init(&wait->entry);
		WRITE_ONCE(w->hung_up, true);
	}
	return 0;
}

static void vpci_efd_queue(struct file *file, wait_queue_head_t *wqh,
			   poll_table *pt)
{
	struct vpci_efd_waiter *w = container_of(pt, struct vpci_efd_waiter,
						 pt);

	add_wait_queue(wqh, &w->wait);
}

/**
 * vpci_efd_waiter_start() - call @signal on every signal of eventfd @fd
 * @w: an unused waiter, embedded in the caller's object
 * @fd: the user's eventfd
 * @signal: called in atomic context for each signal, and once at once
 *          (in process context) if @fd was already signalled
 *
 * Return: 0, -EBADF for a closed fd, or -EINVAL for one that is not an
 * eventfd.
 */
int vpci_efd_waiter_start(struct vpci_efd_waiter *w, int fd,
			  void (*signal)(struct vpci_efd_waiter *w))
{
	struct eventfd_ctx *eventfd;
	__poll_t events;
	struct fd f;

	f = fdget(fd);
	if (!vfio_compat_fd_file(f))
		return -EBADF;
	eventfd = eventfd_ctx_fileget(vfio_compat_fd_file(f));
	if (IS_ERR(eventfd)) {
		fdput(f);
		return PTR_ERR(eventfd);
	}
	w->eventfd = eventfd;
	w->signal = signal;
	w->hung_up = false;
	init_waitqueue_func_entry(&w->wait, vpci_efd_wakeup);
	init_poll_funcptr(&w->pt, vpci_efd_queue);

	/* Our file reference keeps EPOLLHUP away until we are set up. */
	events = vfs_poll(vfio_compat_fd_file(f), &w->pt);
	fdput(f);

	/* A signal sent before we listened still counts. */
	if (events & EPOLLIN)
		signal(w);
	return 0;
}

/**
 * vpci_efd_waiter_stop() - stop listening and drop the eventfd
 * @w: a started waiter; ->signal() no longer runs once this returns
 */
void vpci_efd_waiter_stop(struct vpci_efd_waiter *w)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(w->eventfd, &w->wait, &cnt);
	eventfd_ctx_put(w->eventfd);
	w->eventfd = NULL;
}
