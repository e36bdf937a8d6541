/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vfio core's API for IOMMU backends (vfio_iommu_type1 and later ones).
 *
 * A container (/dev/vfio/vfio) starts without a backend.  Until
 * VFIO_SET_IOMMU, VFIO_CHECK_EXTENSION is answered by asking every
 * registered backend with ops->ioctl(NULL, VFIO_CHECK_EXTENSION, ext) and
 * returning the first non-zero answer.
 *
 * VFIO_SET_IOMMU(type) is accepted only while at least one group is attached
 * to the container and no backend is set.  The core tries the registered
 * backends in registration order: a backend whose
 * ioctl(NULL, VFIO_CHECK_EXTENSION, type) answers <= 0 is skipped; otherwise
 * open(type) creates its per-container state and every attached group is
 * handed to attach_group().  If any attach fails, the groups attached so far
 * are detached, the state is released and the next backend is tried.
 *
 * After that, ioctls the core does not handle itself are forwarded to
 * ops->ioctl(iommu_data, cmd, arg), groups joining the container later are
 * attached with attach_group(), groups leaving are detached with
 * detach_group(), and release() is called when the last group leaves (the
 * container returns to having no backend) or the container is destroyed.
 *
 * Concurrency: the core holds the container's rwsem for reading across
 * ioctl() and for writing across open/attach/detach/release, so a backend's
 * ioctl() may run concurrently with itself but never with attach, detach or
 * release of the same container.  The core holds a reference on @owner
 * while a backend is set on a container.
 */
#ifndef VFIO_BACKEND_API_H
#define VFIO_BACKEND_API_H

#include <linux/list.h>
#include <linux/module.h>

struct iommu_group;
struct seq_file;
struct vm_area_struct;

/**
 * struct vfio_iommu_backend_ops - what an IOMMU backend implements
 * @name: the backend's name, for diagnostics
 * @owner: THIS_MODULE
 * @open: create per-container state for IOMMU type @type (the argument of
 *        VFIO_SET_IOMMU); returns the state or an ERR_PTR()
 * @release: destroy the state; every group has been detached; never fails
 * @ioctl: container ioctls; @iommu_data is NULL for VFIO_CHECK_EXTENSION
 *         asked before a backend is set
 * @attach_group: start confining the DMA of every device in @group;
 *                returns 0 or a negative errno
 * @detach_group: stop confining @group's DMA; never fails
 * @debugfs_show: optional; describe the container's state (mappings,
 *                pinned memory) in the core's debugfs containers file.
 *                Called with the container's rwsem held for reading;
 *                must not change any state.
 */
struct vfio_iommu_backend_ops {
	const char *name;
	struct module *owner;
	void *(*open)(unsigned long type);
	void (*release)(void *iommu_data);
	long (*ioctl)(void *iommu_data, unsigned int cmd, unsigned long arg);
	int (*attach_group)(void *iommu_data, struct iommu_group *group);
	void (*detach_group)(void *iommu_data, struct iommu_group *group);
	void (*debugfs_show)(void *iommu_data, struct seq_file *m);
};

/**
 * vfio_register_iommu_backend() - offer a backend to containers
 * @ops: the backend; must stay valid until unregistered
 *
 * Return: 0, or -EBUSY if @ops is already registered.
 */
int vfio_register_iommu_backend(const struct vfio_iommu_backend_ops *ops);

/**
 * vfio_unregister_iommu_backend() - withdraw a backend
 * @ops: a registered backend; no container may still use it (the module
 *       reference the core holds guarantees that at module exit)
 */
void vfio_unregister_iommu_backend(const struct vfio_iommu_backend_ops *ops);

/**
 * vfio_device_vma_pfns() - the frames behind a vfio device's mmap()
 * @vma: any vma, with its mm's mmap_lock held (read is enough)
 * @addr: an address inside @vma
 * @pfn: set to the frame backing @addr
 * @npages: set to how many frames from @pfn on are physically contiguous
 *          and mapped by @vma (at least 1)
 *
 * Lets a backend map a peer device's BAR (VM_PFNMAP) by arithmetic instead
 * of faulting and walking the page table one page at a time.
 *
 * Return: 0; -ENODEV when @vma is not a mapping of a vfio device file or
 * its driver cannot tell (fall back to the page table); -EFAULT when an
 * access through @vma would fault now.
 */
int vfio_device_vma_pfns(struct vm_area_struct *vma, unsigned long addr,
			 unsigned long *pfn, unsigned long *npages);

#endif /* VFIO_BACKEND_API_H */
