// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: VFIO_DEVICE_IOEVENTFD, BAR writes triggered by an eventfd.
 *
 * User space (QEMU, for a register a guest writes often) asks that every
 * signal of an eventfd writes @data, 1/2/4/8 bytes wide, at @pos of a BAR,
 * so that the write does not need a trip through user space.
 *
 * A registration is identified by (bar, pos, count, data): the same
 * place may be registered again with another value, and fd -1 deletes
 * the one registration that matches all four.  At most
 * VPCI_IOEVENTFD_MAX exist per device.  [pos, pos + count) lies inside
 * the BAR and outside the MSI-X table.
 *
 * Firing: we sit on the eventfd's wait queue.  The wakeup runs with the
 * queue's spinlock held (atomic context): it writes at once when it can
 * take memory_lock for reading without waiting, else a work item does
 * the write with memory_lock taken normally.  Either way a memory BAR is
 * written only while the virtual command register has memory decoding
 * enabled; otherwise the write is dropped.  I/O port BARs are written
 * unconditionally.
 *
 * Lifetime: registrations live on vp->ioeventfds (ioeventfd_lock) until
 * deleted with fd -1 or until the device is closed.  When the user
 * closes the eventfd (EPOLLHUP) we leave its wait queue and the
 * registration goes idle but stays listed, and counted, as with the
 * in-tree 6.1 driver: registering the same tuple again fails with
 * -EEXIST until it is deleted.
 */
#include <linux/io.h>
/* 8-byte writes as two 4-byte ones where no atomic one exists (as 6.1) */
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "vfio_pci_priv.h"

/**
 * struct vpci_ioeventfd - one registered eventfd-triggered BAR write
 * @node: link on vfio_pci_dev::ioeventfds (ioeventfd_lock)
 * @vp: the device
 * @addr: kernel mapping of the target, inside vp->barmap[@bar]
 * @data: value written, as given by the user (low @count bytes used)
 * @pos: offset in the BAR
 * @bar: BAR index 0..5
 * @count: width of the write in bytes: 1, 2, 4 or 8
 * @test_mem: memory BAR: write only while memory decoding is enabled
 * @efd: waits on the eventfd, referenced until the registration is freed
 * @work: does the write when the wakeup could not take memory_lock
 */
struct vpci_ioeventfd {
	struct list_head node;
	struct vfio_pci_dev *vp;
	void __iomem *addr;
	u64 data;
	loff_t pos;
	int bar;
	int count;
	bool test_mem;
	struct vpci_efd_waiter efd;
	struct work_struct work;
};

static void vpci_ioeventfd_do_write(struct vpci_ioeventfd *ioe)
{
	switch (ioe->count) {
	case 1:
		iowrite8(ioe->data, ioe->addr);
		break;
	case 2:
		iowrite16(ioe->data, ioe->addr);
		break;
	case 4:
		iowrite32(ioe->data, ioe->addr);
		break;
#ifdef iowrite64
	case 8:
		iowrite64(ioe->data, ioe->addr);
		break;
#endif
	}
}

/*
 * From atomic context: write unless memory_lock is contended.
 * Returns false when the work item has to do it.
 */
static bool vpci_ioeventfd_try_write(struct vpci_ioeventfd *ioe)
{
	struct vfio_pci_dev *vp = ioe->vp;

	if (!ioe->test_mem) {
		vpci_ioeventfd_do_write(ioe);
		return true;
	}
	if (!down_read_trylock(&vp->memory_lock))
		return false;
	if (vpci_memory_enabled(vp))
		vpci_ioeventfd_do_write(ioe);
	up_read(&vp->memory_lock);
	return true;
}

static void vpci_ioeventfd_work(struct work_struct *work)
{
	struct vpci_ioeventfd *ioe = container_of(work, struct vpci_ioeventfd,
						  work);
	struct vfio_pci_dev *vp = ioe->vp;

	if (!ioe->test_mem) {
		vpci_ioeventfd_do_write(ioe);
		return;
	}
	down_read(&vp->memory_lock);
	if (vpci_memory_enabled(vp))
		vpci_ioeventfd_do_write(ioe);
	up_read(&vp->memory_lock);
}

/* Atomic context: write now, or leave it to the work item. */
static void vpci_ioeventfd_signal(struct vpci_efd_waiter *w)
{
	struct vpci_ioeventfd *ioe = container_of(w, struct vpci_ioeventfd,
						  efd);

	if (!vpci_ioeventfd_try_write(ioe))
		schedule_work(&ioe->work);
}

/* Stop listening, wait for a write in flight, free.  ioeventfd_lock held. */
static void vpci_ioeventfd_free(struct vfio_pci_dev *vp,
				struct vpci_ioeventfd *ioe)
{
	lockdep_assert_held(&vp->ioeventfd_lock);

	vpci_efd_waiter_stop(&ioe->efd);
	cancel_work_sync(&ioe->work);
	list_del(&ioe->node);
	vp->num_ioeventfds--;
	kfree(ioe);
}

/* Create a registration listening on @fd; ioeventfd_lock held. */
static int vpci_ioeventfd_add(struct vfio_pci_dev *vp, int bar, loff_t pos,
			      int count, u64 data, int fd)
{
	struct vpci_ioeventfd *ioe;
	int ret;

	lockdep_assert_held(&vp->ioeventfd_lock);

	ioe = kzalloc(sizeof(*ioe), GFP_KERNEL_ACCOUNT);
	if (!ioe)
		return -ENOMEM;
	ioe->vp = vp;
	ioe->addr = vp->barmap[bar] + pos;
	ioe->data = data;
	ioe->pos = pos;
	ioe->bar = bar;
	ioe->count = count;
	ioe->test_mem = pci_resource_flags(vp->pdev, bar) & IORESOURCE_MEM;
	INIT_WORK(&ioe->work, vpci_ioeventfd_work);

	ret = vpci_efd_waiter_start(&ioe->efd, fd, vpci_ioeventfd_signal);
	if (ret) {
		kfree(ioe);
		return ret;
	}
	list_add(&ioe->node, &vp->ioeventfds);
	vp->num_ioeventfds++;
	return 0;
}

static int vpci_ioeventfd_set(struct vfio_pci_dev *vp, u64 offset, u64 data,
			      int count, int fd)
{
	u64 index = VPCI_OFFSET_TO_INDEX(offset);
	loff_t pos = offset & VPCI_OFFSET_MASK;
	struct vpci_ioeventfd *ioe;
	int bar, ret;

	/* BARs only, I/O port BARs included */
	if (index > VFIO_PCI_BAR5_REGION_INDEX)
		return -EINVAL;
	bar = index;
	if (pos + count > pci_resource_len(vp->pdev, bar))
		return -EINVAL;

	/* The MSI-X table is ours: no write may reach it this way either. */
	if (bar == vp->msix_bar && pos + count > vp->msix_offset &&
	    pos < vp->msix_offset + vp->msix_size)
		return -EINVAL;

#ifndef iowrite64
	if (count == 8)
		return -EINVAL;
#endif

	ret = vpci_bar_map(vp, bar);
	if (ret)
		return ret;

	mutex_lock(&vp->ioeventfd_lock);
	list_for_each_entry(ioe, &vp->ioeventfds, node) {
		if (ioe->bar != bar || ioe->pos != pos ||
		    ioe->count != count || ioe->data != data)
			continue;
		if (fd == -1) {
			vpci_ioeventfd_free(vp, ioe);
			ret = 0;
		} else {
			ret = -EEXIST;
		}
		goto out_unlock;
	}

	if (fd == -1)
		ret = -ENODEV;
	else if (vp->num_ioeventfds >= VPCI_IOEVENTFD_MAX)
		ret = -ENOSPC;
	else
		ret = vpci_ioeventfd_add(vp, bar, pos, count, data, fd);
out_unlock:
	mutex_unlock(&vp->ioeventfd_lock);
	return ret;
}

/**
 * vpci_ioeventfd_ioctl() - VFIO_DEVICE_IOEVENTFD
 * @vp: an open device
 * @arg: user pointer to a struct vfio_device_ioeventfd
 *
 * Return: 0; -EINVAL for a bad argsz, flags (exactly one size flag),
 * fd below -1, region or range; -EEXIST for a duplicate, -ENODEV when
 * deleting a registration that does not exist, -ENOSPC beyond
 * VPCI_IOEVENTFD_MAX, -EBADF for a bad fd, or another negative errno.
 */
long vpci_ioeventfd_ioctl(struct vfio_pci_dev *vp, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_ioeventfd, fd);
	struct vfio_device_ioeventfd req;
	u32 count;

	if (copy_from_user(&req, arg, minsz))
		return -EFAULT;
	if (req.argsz < minsz)
		return -EINVAL;
	if (req.flags & ~VFIO_DEVICE_IOEVENTFD_SIZE_MASK)
		return -EINVAL;

	count = req.flags & VFIO_DEVICE_IOEVENTFD_SIZE_MASK;
	if (hweight32(count) != 1 || req.fd < -1)
		return -EINVAL;

	return vpci_ioeventfd_set(vp, req.offset, req.data, count, req.fd);
}

/**
 * vpci_ioeventfds_release() - free every registration at close
 * @vp: a device being closed, before its BARs are unmapped
 */
void vpci_ioeventfds_release(struct vfio_pci_dev *vp)
{
	struct vpci_ioeventfd *ioe, *next;

	mutex_lock(&vp->ioeventfd_lock);
	list_for_each_entry_safe(ioe, next, &vp->ioeventfds, node)
		vpci_ioeventfd_free(vp, ioe);
	mutex_unlock(&vp->ioeventfd_lock);
}
