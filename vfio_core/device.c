// SPDX-License-Identifier: GPL-2.0-only
/*
 * The registration API for device drivers (include/vfio_device_api.h).
 *
 * Invariants:
 *   - a device is on its group's device list exactly between a successful
 *     vfio_register_group_dev() and the start of
 *     vfio_unregister_group_dev(); only listed devices can be opened;
 *   - vdev->users is 1 for the registration plus 1 per open device file;
 *     it is taken from the list only with refcount_inc_not_zero(), and
 *     users_gone completes when it reaches zero;
 *   - a given struct device is registered at most once (all devices of an
 *     IOMMU group share one vfio group, so checking that group suffices).
 *
 * Overflow: users is a refcount_t, which saturates (with a warning) rather
 * than wrap; the request() counter is unsigned and may wrap harmlessly
 * after 2^32 rounds of 10 seconds.
 */
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/sched.h>

#include "vfio_core_priv.h"

/**
 * vfio_init_device() - prepare an embedded struct vfio_device
 * @vdev: the device to initialize; the core's members are overwritten
 * @dev: the physical device
 * @ops: the driver's callbacks; must outlive the device
 */
void vfio_init_device(struct vfio_device *vdev, struct device *dev,
		      const struct vfio_device_ops *ops)
{
	vdev->dev = dev;
	vdev->ops = ops;
	vdev->group = NULL;
	INIT_LIST_HEAD(&vdev->group_entry);
	refcount_set(&vdev->users, 0);
	init_completion(&vdev->users_gone);
	mutex_init(&vdev->open_lock);
	vdev->open_count = 0;
	vdev->kvm = NULL;
}
EXPORT_SYMBOL_GPL(vfio_init_device);

/**
 * vfio_uninit_device() - release what vfio_init_device() set up
 * @vdev: a device that is not (or no longer) registered
 */
void vfio_uninit_device(struct vfio_device *vdev)
{
	WARN_ON(refcount_read(&vdev->users));
	mutex_destroy(&vdev->open_lock);
}
EXPORT_SYMBOL_GPL(vfio_uninit_device);

/**
 * vfio_device_put_users() - drop one vfio_device::users reference
 * @vdev: the device
 *
 * Wakes vfio_unregister_group_dev() when the last one goes.
 */
void vfio_device_put_users(struct vfio_device *vdev)
{
	if (refcount_dec_and_test(&vdev->users))
		complete(&vdev->users_gone);
}

static bool vfio_group_has_dev(struct vfio_group *group, struct device *dev)
{
	struct vfio_device *it;

	lockdep_assert_held(&group->device_lock);

	list_for_each_entry(it, &group->device_list, group_entry)
		if (it->dev == dev)
			return true;
	return false;
}

/**
 * vfio_register_group_dev() - make a device available to user space
 * @vdev: an initialized device whose @dev is in an IOMMU group
 *
 * A device without an IOMMU group gets a fake one when noiommu mode is
 * enabled (see noiommu.c).
 *
 * Return: 0, -EINVAL if the device has no IOMMU group (and noiommu mode is
 * off) or its IOMMU cannot enforce cache coherent DMA, -EBUSY if the same
 * struct device is already registered, or another negative errno.
 */
int vfio_register_group_dev(struct vfio_device *vdev)
{
	struct iommu_group *iommu_group;
	struct vfio_group *group;
	bool noiommu = false;
	int ret;

	iommu_group = iommu_group_get(vdev->dev);
	if (!iommu_group) {
		/* No IOMMU: only in noiommu mode, with a fake group. */
		if (!vfio_noiommu_enabled()) {
			dev_warn(vdev->dev,
				 "vfio: no IOMMU group (and vfio enable_unsafe_noiommu_mode is off)\n");
			return -EINVAL;
		}
		iommu_group = vfio_noiommu_group_alloc(vdev->dev);
		if (IS_ERR(iommu_group))
			return PTR_ERR(iommu_group);
		noiommu = true;
	} else if (!device_iommu_capable(vdev->dev,
					 IOMMU_CAP_CACHE_COHERENCY)) {
		/* Mappings are always IOMMU_CACHE: the IOMMU must honour it. */
		ret = -EINVAL;
		goto put_iommu_group;
	}

	group = vfio_group_get_or_create(iommu_group, noiommu);
	if (IS_ERR(group)) {
		ret = PTR_ERR(group);
		goto put_iommu_group;
	}

	mutex_lock(&group->device_lock);
	if (vfio_group_has_dev(group, vdev->dev)) {
		mutex_unlock(&group->device_lock);
		dev_warn(vdev->dev, "vfio: already registered in group %d\n",
			 group->id);
		ret = -EBUSY;
		goto put_registration;
	}
	vdev->group = group;
	vdev->open_count = 0;
	vdev->kvm = NULL;
	reinit_completion(&vdev->users_gone);
	refcount_set(&vdev->users, 1);
	list_add_tail(&vdev->group_entry, &group->device_list);
	mutex_unlock(&group->device_lock);

	/* The vfio group holds its own reference on the IOMMU group. */
	iommu_group_put(iommu_group);
	return 0;

put_registration:
	vfio_group_put_registration(group);
put_iommu_group:
	if (noiommu)
		vfio_noiommu_group_remove_device(vdev->dev);
	iommu_group_put(iommu_group);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_register_group_dev);

/* Sleep until the last users reference is gone, nagging the driver. */
static void vfio_device_wait_users(struct vfio_device *vdev)
{
	bool interrupted = false;
	unsigned int count = 0;
	bool done;
	long left;

	done = try_wait_for_completion(&vdev->users_gone);
	while (!done) {
		if (vdev->ops->request)
			vdev->ops->request(vdev, count++);

		if (interrupted) {
			done = wait_for_completion_timeout(&vdev->users_gone,
							   HZ * 10);
			continue;
		}

		left = wait_for_completion_interruptible_timeout(&vdev->users_gone,
								 HZ * 10);
		done = left > 0;
		if (left < 0) {
			/* A signal ends only the interruptible part. */
			interrupted = true;
			dev_warn(vdev->dev,
				 "vfio: device in use, task \"%s\" (%d) blocked until it is released\n",
				 current->comm, task_pid_nr(current));
		}
	}
}

/**
 * vfio_unregister_group_dev() - withdraw a device and wait for its users
 * @vdev: a registered device
 *
 * The device first leaves its group's list, so it cannot be opened again;
 * then this waits for every open device file to be closed, calling
 * ops->request() every 10 seconds so the driver can ask user space to give
 * the device back.  Finally the group is unregistered if this was its last
 * device.  Never fails.
 */
void vfio_unregister_group_dev(struct vfio_device *vdev)
{
	struct vfio_group *group = vdev->group;

	mutex_lock(&group->device_lock);
	list_del_init(&vdev->group_entry);
	mutex_unlock(&group->device_lock);

	vfio_device_put_users(vdev);
	vfio_device_wait_users(vdev);

	vdev->group = NULL;
	/* Leave the fake group; the vfio group still holds a reference. */
	if (group->noiommu)
		vfio_noiommu_group_remove_device(vdev->dev);
	vfio_group_put_registration(group);
}
EXPORT_SYMBOL_GPL(vfio_unregister_group_dev);

/**
 * vfio_device_get_group_id() - the IOMMU group id of a registered device
 * @vdev: a registered device
 *
 * Return: the number in /dev/vfio/<id>.
 */
int vfio_device_get_group_id(struct vfio_device *vdev)
{
	return vdev->group->id;
}
EXPORT_SYMBOL_GPL(vfio_device_get_group_id);
