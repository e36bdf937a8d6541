// SPDX-License-Identifier: GPL-2.0-only
/*
 * Groups: one object per IOMMU group that has a registered vfio device,
 * exposed as /dev/vfio/<iommu group id>.
 *
 * A single cdev covers the whole minor range of the "vfio" chrdev region;
 * open() finds the group through vfio_group_minors, under
 * vfio_groups_lock, and takes a kref on it.  So a group is reachable for
 * new opens exactly while it is registered (has a registered device), and
 * lives on, unregistered, while its file is still open.
 *
 * Invariants:
 *   - at most one registered group per struct iommu_group, all on
 *     vfio_groups and in vfio_group_minors (vfio_groups_lock);
 *   - group->registrations counts the registered devices; the group is
 *     unregistered when it drops to zero;
 *   - after unregistration group->iommu_group is NULL and the group has no
 *     container (both under group->group_lock); every operation that needs
 *     the IOMMU group checks for this and fails with -ENODEV.
 *
 * Ranges: minors are allocated from the inclusive range [0, MINORMASK]
 * (XA_LIMIT() takes an inclusive maximum); the chrdev region and the cdev
 * cover MINORMASK + 1 minors starting at 0.  A full table fails the
 * registration with -EBUSY from xa_alloc(); nothing wraps.
 */
#include <linux/capability.h>
#include <linux/cdev.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "vfio_core_priv.h"
#include "vfio_fault.h"

/* Protects vfio_groups, vfio_group_minors and group->registrations. */
static DEFINE_MUTEX(vfio_groups_lock);
static LIST_HEAD(vfio_groups);
static DEFINE_XARRAY_ALLOC(vfio_group_minors);
static struct cdev vfio_group_cdev;

static void vfio_group_free(struct kref *kref)
{
	struct vfio_group *group = container_of(kref, struct vfio_group, kref);

	WARN_ON(group->iommu_group);
	WARN_ON(group->container);
	WARN_ON(!list_empty(&group->device_list));
	mutex_destroy(&group->group_lock);
	mutex_destroy(&group->device_lock);
	kfree(group);
}

/**
 * vfio_group_put() - drop a reference on a group
 * @group: the group
 */
void vfio_group_put(struct vfio_group *group)
{
	kref_put(&group->kref, vfio_group_free);
}

static struct vfio_group *vfio_group_find(struct iommu_group *iommu_group)
{
	struct vfio_group *group;

	lockdep_assert_held(&vfio_groups_lock);

	list_for_each_entry(group, &vfio_groups, registry_entry)
		if (group->iommu_group == iommu_group)
			return group;
	return NULL;
}

static struct vfio_group *vfio_group_create(struct iommu_group *iommu_group,
					    bool noiommu)
{
	struct vfio_group *group;
	u32 minor;
	int ret;

	lockdep_assert_held(&vfio_groups_lock);

	group = kzalloc(sizeof(*group), GFP_KERNEL);
	if (!group)
		return ERR_PTR(-ENOMEM);

	kref_init(&group->kref);
	group->id = iommu_group_id(iommu_group);
	group->noiommu = noiommu;
	mutex_init(&group->device_lock);
	INIT_LIST_HEAD(&group->device_list);
	mutex_init(&group->group_lock);
	INIT_LIST_HEAD(&group->container_entry);

	ret = xa_alloc(&vfio_group_minors, &minor, group,
		       XA_LIMIT(0, MINORMASK), GFP_KERNEL);
	if (ret)
		goto free_group;
	group->minor = minor;

	group->dev = device_create(vfio_group_class, NULL,
				   MKDEV(MAJOR(vfio_group_devt), minor), group,
				   "%s%d", noiommu ? "noiommu-" : "",
				   group->id);
	if (IS_ERR(group->dev)) {
		ret = PTR_ERR(group->dev);
		goto erase_minor;
	}

	group->iommu_group = iommu_group_ref_get(iommu_group);
	list_add_tail(&group->registry_entry, &vfio_groups);
	return group;

erase_minor:
	xa_erase(&vfio_group_minors, minor);
free_group:
	mutex_destroy(&group->group_lock);
	mutex_destroy(&group->device_lock);
	kfree(group);
	return ERR_PTR(ret);
}

/**
 * vfio_group_get_or_create() - find or make the group of an IOMMU group
 * @iommu_group: the IOMMU group of a device being registered
 * @noiommu: @iommu_group is a fake one from vfio_noiommu_group_alloc()
 *
 * Counts one more registered device on the group.  The caller undoes this
 * with vfio_group_put_registration().
 *
 * Return: the group, or an ERR_PTR().
 */
struct vfio_group *vfio_group_get_or_create(struct iommu_group *iommu_group,
					    bool noiommu)
{
	struct vfio_group *group;

	mutex_lock(&vfio_groups_lock);
	group = vfio_group_find(iommu_group);
	if (!group)
		group = vfio_group_create(iommu_group, noiommu);
	if (!IS_ERR(group))
		group->registrations++;
	mutex_unlock(&vfio_groups_lock);
	return group;
}

/**
 * vfio_group_leave_container() - detach from the container, give up DMA
 * @group: a group with a container and no open device file
 *
 * Never fails.
 */
void vfio_group_leave_container(struct vfio_group *group)
{
	unsigned int nth;

	lockdep_assert_held(&group->group_lock);

	vfio_container_detach_group(group);
	/* A fake noiommu group never claimed DMA ownership. */
	if (!group->noiommu) {
		nth = vfio_fail_nth_hold();	/* see vfio_fault.h */
		iommu_group_release_dma_owner(group->iommu_group);
		vfio_fail_nth_resume(nth);
	}
}

/* The last device is gone: no new opens, and the group lets go of it all. */
static void vfio_group_unregister(struct vfio_group *group)
{
	struct iommu_group *iommu_group;

	lockdep_assert_held(&vfio_groups_lock);

	list_del(&group->registry_entry);
	xa_erase(&vfio_group_minors, group->minor);
	device_destroy(vfio_group_class,
		       MKDEV(MAJOR(vfio_group_devt), group->minor));

	mutex_lock(&group->group_lock);
	group->dev = NULL;
	/*
	 * The group file may still be open with a container set but no
	 * device file open (those pin the devices); the IOMMU group is no
	 * longer ours to hold, so leave the container now.
	 */
	if (group->container)
		vfio_group_leave_container(group);
	iommu_group = group->iommu_group;
	group->iommu_group = NULL;
	mutex_unlock(&group->group_lock);

	iommu_group_put(iommu_group);
	vfio_group_put(group);
}

/**
 * vfio_group_put_registration() - one device of the group is gone
 * @group: a group from vfio_group_get_or_create()
 *
 * Unregisters the group when its last device goes.
 */
void vfio_group_put_registration(struct vfio_group *group)
{
	mutex_lock(&vfio_groups_lock);
	if (!WARN_ON(!group->registrations) && !--group->registrations)
		vfio_group_unregister(group);
	mutex_unlock(&vfio_groups_lock);
}

/**
 * vfio_groups_for_each() - call @fn on every registered group
 * @fn: called under vfio_groups_lock; may take the group's own locks
 * @data: passed to @fn
 */
void vfio_groups_for_each(void (*fn)(struct vfio_group *group, void *data),
			  void *data)
{
	struct vfio_group *group;

	mutex_lock(&vfio_groups_lock);
	list_for_each_entry(group, &vfio_groups, registry_entry)
		fn(group, data);
	mutex_unlock(&vfio_groups_lock);
}

static int vfio_group_fop_open(struct inode *inode, struct file *file)
{
	struct vfio_group *group;
	int ret;

	mutex_lock(&vfio_groups_lock);
	group = xa_load(&vfio_group_minors, iminor(inode));
	if (group)
		kref_get(&group->kref);
	mutex_unlock(&vfio_groups_lock);
	if (!group)
		return -ENODEV;

	mutex_lock(&group->group_lock);
	if (!group->iommu_group) {
		ret = -ENODEV;
		goto unlock;
	}
	if (group->noiommu && !capable(CAP_SYS_RAWIO)) {
		ret = -EPERM;
		goto unlock;
	}
	if (group->opened_file) {
		ret = -EBUSY;
		goto unlock;
	}
	group->opened_file = file;
	group->opener = get_pid(task_tgid(current));
	file->private_data = group;
	mutex_unlock(&group->group_lock);
	return 0;

unlock:
	mutex_unlock(&group->group_lock);
	vfio_group_put(group);
	return ret;
}

static int vfio_group_fop_release(struct inode *inode, struct file *file)
{
	struct vfio_group *group = file->private_data;

	mutex_lock(&group->group_lock);
	/* Device files hold this file, so none of them is open any more. */
	WARN_ON(group->device_opens);
	if (group->container)
		vfio_group_leave_container(group);
	group->opened_file = NULL;
	put_pid(group->opener);
	group->opener = NULL;
	mutex_unlock(&group->group_lock);

	vfio_group_put(group);
	return 0;
}

static const struct file_operations vfio_group_fops = {
	.owner = THIS_MODULE,
	.open = vfio_group_fop_open,
	.release = vfio_group_fop_release,
	.unlocked_ioctl = vfio_group_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/**
 * vfio_file_is_our_group() - is @file an open /dev/vfio/<id> of ours
 * @file: any file
 *
 * Return: true if file->private_data is a struct vfio_group.
 */
bool vfio_file_is_our_group(struct file *file)
{
	return file->f_op == &vfio_group_fops;
}

/**
 * vfio_group_init() - make the group minors reachable
 *
 * Return: 0 or the errno of cdev_add().
 */
int vfio_group_init(void)
{
	cdev_init(&vfio_group_cdev, &vfio_group_fops);
	vfio_group_cdev.owner = THIS_MODULE;
	return cdev_add(&vfio_group_cdev, vfio_group_devt, MINORMASK + 1);
}

/**
 * vfio_group_exit() - undo vfio_group_init()
 *
 * Every device has unregistered by now (the drivers depend on us), so no
 * group is left.
 */
void vfio_group_exit(void)
{
	WARN_ON(!list_empty(&vfio_groups));
	cdev_del(&vfio_group_cdev);
	xa_destroy(&vfio_group_minors);
}
