// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ioctls of /dev/vfio/<id>: status, container membership and device fds.
 *
 * Each ioctl validates its argument before touching any state and takes
 * group->group_lock for the whole state change, so a concurrent ioctl on
 * the same group sees either the old or the new state.  Errnos are those of
 * Linux 6.1:
 *   GET_STATUS:      -EFAULT, -EINVAL (argsz), -ENODEV (group removed)
 *   SET_CONTAINER:   -EFAULT, -EBADF, -EINVAL (already set, not a
 *                    container), -ENODEV, the DMA-ownership claim's errno
 *                    (-EPERM: a kernel driver owns DMA, the group is not
 *                    viable), the backend's attach errno, -EPERM (a
 *                    noiommu group without CAP_SYS_RAWIO, or mixed with
 *                    IOMMU groups in one container)
 *   UNSET_CONTAINER: -EINVAL (no container), -EBUSY (device files open)
 *   GET_DEVICE_FD:   -EFAULT, -ENODEV (no such device), the driver's match
 *                    errno, -EINVAL (no container or no IOMMU backend set),
 *                    -EPERM (noiommu group without CAP_SYS_RAWIO)
 *
 * Sizes: only the first offsetofend(..., flags) bytes of vfio_group_status
 * are read and written, whatever argsz says beyond the minimum; the device
 * name is bounded by strndup_user() to PAGE_SIZE bytes including its NUL.
 */
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/vfio.h>

#include "vfio_compat.h"
#include "vfio_core_priv.h"
#include "vfio_fault.h"

static int vfio_group_get_status(struct vfio_group *group,
				 struct vfio_group_status __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_group_status, flags);
	struct vfio_group_status status;
	int ret = 0;

	if (copy_from_user(&status, arg, minsz))
		return -EFAULT;
	if (status.argsz < minsz)
		return -EINVAL;

	/* flags is output only; 6.1 ignores what user space passed in. */
	status.flags = 0;

	mutex_lock(&group->group_lock);
	if (!group->iommu_group)
		ret = -ENODEV;
	else if (group->container)
		status.flags = VFIO_GROUP_FLAGS_VIABLE |
			       VFIO_GROUP_FLAGS_CONTAINER_SET;
	else if (!iommu_group_dma_owner_claimed(group->iommu_group))
		status.flags = VFIO_GROUP_FLAGS_VIABLE;
	mutex_unlock(&group->group_lock);
	if (ret)
		return ret;

	if (copy_to_user(arg, &status, minsz))
		return -EFAULT;
	return 0;
}

static int vfio_group_set_container(struct vfio_group *group,
				    int __user *arg)
{
	struct vfio_container *container;
	bool not_viable = false;
	struct fd f;
	int ret;
	int fd;

	if (get_user(fd, arg))
		return -EFAULT;

	f = fdget(fd);
	if (!vfio_compat_fd_file(f))
		return -EBADF;

	mutex_lock(&group->group_lock);
	if (group->container) {
		ret = -EINVAL;
		goto unlock;
	}
	if (!group->iommu_group) {
		ret = -ENODEV;
		goto unlock;
	}
	container = vfio_container_from_file(vfio_compat_fd_file(f));
	if (!container) {
		ret = -EINVAL;
		goto unlock;
	}

	/* A fake noiommu group has nothing to claim (as in 6.1). */
	if (!group->noiommu) {
		ret = iommu_group_claim_dma_owner(group->iommu_group, group);
		if (ret) {
			/* EPERM: a driver owns it; EBUSY: another domain */
			not_viable = ret == -EPERM || ret == -EBUSY;
			goto unlock;
		}
	}
	ret = vfio_container_attach_group(container, group);
	if (ret)
		goto release_owner;
	mutex_unlock(&group->group_lock);
	fdput(f);
	return 0;

release_owner:
	if (!group->noiommu) {
		unsigned int nth = vfio_fail_nth_hold(); /* vfio_fault.h */

		iommu_group_release_dma_owner(group->iommu_group);
		vfio_fail_nth_resume(nth);
	}
unlock:
	mutex_unlock(&group->group_lock);
	fdput(f);
	if (not_viable)
		vfio_group_report_not_viable(group, ret);
	return ret;
}

static int vfio_group_unset_container(struct vfio_group *group)
{
	int ret = 0;

	mutex_lock(&group->group_lock);
	if (!group->container)
		ret = -EINVAL;
	else if (group->device_opens)
		ret = -EBUSY;
	else
		vfio_group_leave_container(group);
	mutex_unlock(&group->group_lock);
	return ret;
}

/**
 * vfio_group_find_device() - the device VFIO_GROUP_GET_DEVICE_FD names
 * @group: the group searched
 * @name: the user's string: the device name, or whatever the driver's
 *        match() accepts (for instance "<name> vf_token=<uuid>")
 *
 * Takes a users reference on the device found.  A driver's match() may
 * veto the whole lookup with an errno.
 *
 * Return: the device, or an ERR_PTR() (-ENODEV when nothing matches).
 */
VISIBLE_IF_KUNIT struct vfio_device *
vfio_group_find_device(struct vfio_group *group, const char *name)
{
	struct vfio_device *found = ERR_PTR(-ENODEV);
	struct vfio_device *vdev;
	int match;

	mutex_lock(&group->device_lock);
	list_for_each_entry(vdev, &group->device_list, group_entry) {
		if (vdev->ops->match)
			match = vdev->ops->match(vdev, name);
		else
			match = !strcmp(dev_name(vdev->dev), name);
		if (match < 0) {
			found = ERR_PTR(match);
			break;
		}
		if (match && refcount_inc_not_zero(&vdev->users)) {
			found = vdev;
			break;
		}
	}
	mutex_unlock(&group->device_lock);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_group_find_device);

static int vfio_group_get_device_fd(struct vfio_group *group,
				    const char __user *arg)
{
	struct vfio_device *vdev;
	char *name;
	int ret;

	name = strndup_user(arg, PAGE_SIZE);
	if (IS_ERR(name))
		return PTR_ERR(name);

	vdev = vfio_group_find_device(group, name);
	kfree(name);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	ret = vfio_device_open_fd(group, vdev);
	if (ret < 0)
		vfio_device_put_users(vdev);
	return ret;
}

/**
 * vfio_group_ioctl() - unlocked_ioctl of /dev/vfio/<id>
 * @file: the group file
 * @cmd: the ioctl
 * @arg: its argument
 *
 * Return: >= 0 on success (a file descriptor for GET_DEVICE_FD), else a
 * negative errno; -ENOTTY for an unknown ioctl.
 */
long vfio_group_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vfio_group *group = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_GROUP_GET_STATUS:
		return vfio_group_get_status(group, uarg);
	case VFIO_GROUP_SET_CONTAINER:
		return vfio_group_set_container(group, uarg);
	case VFIO_GROUP_UNSET_CONTAINER:
		return vfio_group_unset_container(group);
	case VFIO_GROUP_GET_DEVICE_FD:
		return vfio_group_get_device_fd(group, uarg);
	default:
		return -ENOTTY;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vfio_group_ioctl);
