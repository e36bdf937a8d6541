// SPDX-License-Identifier: GPL-2.0-only
/*
 * Containers: /dev/vfio/vfio.
 *
 * Every open of the misc device creates a container.  A container starts
 * without a backend; VFIO_SET_IOMMU picks one once at least one group is
 * attached, and the container drops it again when its last group leaves,
 * which makes an empty container unprivileged.
 *
 * Invariants (under vfio_container::lock):
 *   - backend != NULL implies group_list is not empty;
 *   - every group on group_list owns the DMA of its IOMMU group (claimed
 *     and released by group.c around attach and detach) and, if a backend
 *     is set, was handed to attach_group();
 *   - each group on group_list holds one kref on the container.
 *
 * Errnos follow Linux 6.1: VFIO_SET_IOMMU without a group or with a
 * backend already set is -EINVAL, with no backend claiming the type it is
 * -ENODEV; an ioctl the core does not know is -EINVAL without a backend.
 * A container holds either noiommu groups only (and can then select only
 * noiommu.c's backend) or IOMMU groups only; mixing is -EPERM.
 *
 * Ranges and overflow: none are handled here.  Arguments of forwarded
 * ioctls (IOVA ranges and sizes) reach the backend untouched; the backend
 * validates them.
 */
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <uapi/linux/vfio.h>

#include "vfio_core_priv.h"

static void vfio_container_free(struct kref *kref)
{
	struct vfio_container *container =
		container_of(kref, struct vfio_container, kref);

	/* Groups hold references, so the backend left with the last one. */
	WARN_ON(!list_empty(&container->group_list));
	WARN_ON(container->backend);
	kfree(container);
}

static void vfio_container_put(struct vfio_container *container)
{
	kref_put(&container->kref, vfio_container_free);
}

/**
 * vfio_container_has_backend() - has VFIO_SET_IOMMU succeeded
 * @container: a container the caller holds a reference on
 *
 * Return: true if a backend is set.
 */
bool vfio_container_has_backend(struct vfio_container *container)
{
	bool ret;

	down_read(&container->lock);
	ret = container->backend;
	up_read(&container->lock);
	return ret;
}

/**
 * vfio_container_check_extension() - VFIO_CHECK_EXTENSION
 * @container: the container asked
 * @ext: the extension
 *
 * Return: the set backend's answer, or without a backend the first
 * positive answer of a backend the container could select (noiommu.c's
 * built-in one for a container of noiommu groups, the registered ones for
 * a container of IOMMU groups, any for an empty container), else 0.
 */
long vfio_container_check_extension(struct vfio_container *container,
				    unsigned long ext)
{
	long ret;

	down_read(&container->lock);
	if (container->backend) {
		ret = container->backend->ioctl(container->iommu_data,
						VFIO_CHECK_EXTENSION, ext);
	} else if (list_empty(&container->group_list)) {
		ret = vfio_backends_check_extension(ext);
		if (ret <= 0)
			ret = vfio_noiommu_check_extension(ext);
	} else if (container->noiommu) {
		/* Groups restrict the answer to the backends they allow. */
		ret = vfio_noiommu_check_extension(ext);
	} else {
		ret = vfio_backends_check_extension(ext);
	}
	up_read(&container->lock);
	return ret;
}

static long vfio_container_set_iommu(struct vfio_container *container,
				     unsigned long type)
{
	long ret;

	down_write(&container->lock);
	/*
	 * Only attaching a group gives the right to allocate IOMMU
	 * resources, and a backend is set at most once.
	 */
	if (list_empty(&container->group_list) || container->backend)
		ret = -EINVAL;
	else if (container->noiommu)
		ret = vfio_noiommu_select(container, type);
	else
		ret = vfio_backends_select(container, type);
	up_write(&container->lock);
	return ret;
}

static long vfio_container_forward(struct vfio_container *container,
				   unsigned int cmd, unsigned long arg)
{
	long ret = -EINVAL;

	down_read(&container->lock);
	if (container->backend)
		ret = container->backend->ioctl(container->iommu_data, cmd,
						arg);
	up_read(&container->lock);
	return ret;
}

static long vfio_container_fop_ioctl(struct file *file, unsigned int cmd,
				     unsigned long arg)
{
	struct vfio_container *container = file->private_data;

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return vfio_container_check_extension(container, arg);
	case VFIO_SET_IOMMU:
		return vfio_container_set_iommu(container, arg);
	default:
		return vfio_container_forward(container, cmd, arg);
	}
}

static int vfio_container_fop_open(struct inode *inode, struct file *file)
{
	struct vfio_container *container;

	container = kzalloc(sizeof(*container), GFP_KERNEL_ACCOUNT);
	if (!container)
		return -ENOMEM;

	kref_init(&container->kref);
	init_rwsem(&container->lock);
	INIT_LIST_HEAD(&container->group_list);
	file->private_data = container;
	return 0;
}

static int vfio_container_fop_release(struct inode *inode, struct file *file)
{
	struct vfio_container *container = file->private_data;

	file->private_data = NULL;
	vfio_container_put(container);
	return 0;
}

static const struct file_operations vfio_container_fops = {
	.owner = THIS_MODULE,
	.open = vfio_container_fop_open,
	.release = vfio_container_fop_release,
	.unlocked_ioctl = vfio_container_fop_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice vfio_container_misc = {
	.minor = VFIO_MINOR,
	.name = "vfio",
	.fops = &vfio_container_fops,
	.nodename = "vfio/vfio",
	.mode = 0666,
};

/**
 * vfio_container_from_file() - the container behind a /dev/vfio/vfio file
 * @file: any file the caller holds a reference on
 *
 * Return: the container, or NULL if @file is not a container file.
 */
struct vfio_container *vfio_container_from_file(struct file *file)
{
	if (file->f_op != &vfio_container_fops)
		return NULL;
	return file->private_data;
}

/**
 * vfio_container_attach_group() - VFIO_GROUP_SET_CONTAINER, container side
 * @container: the container to join
 * @group: a group without a container that has claimed DMA ownership of
 *         its IOMMU group
 *
 * If a backend is already set, the group is handed to it first.
 *
 * Return: 0, -EPERM for a noiommu group without CAP_SYS_RAWIO or when the
 * container holds groups of the other kind (noiommu or IOMMU), or the
 * backend's errno.
 */
int vfio_container_attach_group(struct vfio_container *container,
				struct vfio_group *group)
{
	int ret = 0;

	lockdep_assert_held(&group->group_lock);

	if (group->noiommu && !capable(CAP_SYS_RAWIO))
		return -EPERM;

	down_write(&container->lock);
	/* noiommu groups and IOMMU groups never share a container. */
	if (!list_empty(&container->group_list) &&
	    container->noiommu != group->noiommu) {
		ret = -EPERM;
		goto unlock;
	}
	if (container->backend) {
		ret = container->backend->attach_group(container->iommu_data,
						       group->iommu_group);
		if (ret)
			goto unlock;
	}

	kref_get(&container->kref);
	container->noiommu = group->noiommu;
	group->container = container;
	list_add_tail(&group->container_entry, &container->group_list);
unlock:
	up_write(&container->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_container_attach_group);

/**
 * vfio_container_detach_group() - take a group out of its container
 * @group: a group with a container and no open device file
 *
 * The backend forgets the group; if it was the container's last group the
 * backend state is released too.  DMA ownership stays with the caller.
 * Never fails.
 */
void vfio_container_detach_group(struct vfio_group *group)
{
	struct vfio_container *container = group->container;
	const struct vfio_iommu_backend_ops *backend;

	lockdep_assert_held(&group->group_lock);
	WARN_ON(group->device_opens);

	down_write(&container->lock);
	backend = container->backend;
	if (backend)
		backend->detach_group(container->iommu_data,
				      group->iommu_group);
	list_del(&group->container_entry);
	group->container = NULL;

	if (backend && list_empty(&container->group_list)) {
		backend->release(container->iommu_data);
		container->backend = NULL;
		container->iommu_data = NULL;
		module_put(backend->owner);
	}
	up_write(&container->lock);

	vfio_container_put(container);
}

/**
 * vfio_container_init() - create /dev/vfio/vfio
 *
 * Return: 0 or the errno of misc_register().
 */
int vfio_container_init(void)
{
	return misc_register(&vfio_container_misc);
}

/**
 * vfio_container_exit() - remove /dev/vfio/vfio
 */
void vfio_container_exit(void)
{
	misc_deregister(&vfio_container_misc);
}
