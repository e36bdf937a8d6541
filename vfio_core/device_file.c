// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device files: the "[vfio-device]" anonymous files that
 * VFIO_GROUP_GET_DEVICE_FD returns, forwarding to the driver's ops.
 *
 * An open device file holds, until its release:
 *   - one vfio_device::users reference (unregistration waits for it),
 *   - one vfio_device::open_count (open_device() ran for the first),
 *   - one vfio_group::device_opens and a reference on the group file, so
 *     the group keeps its container and its backend while the device may
 *     do DMA,
 *   - a module reference on the bound driver.
 * open_device()/close_device() run under group->group_lock and
 * vdev->open_lock, so they never overlap for one device and see a stable
 * group->kvm.
 *
 * Ranges: region offsets (*ppos, vma->vm_pgoff) and counts are passed to
 * the driver untouched; the driver validates and bounds them.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pm_runtime.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <uapi/linux/vfio.h>

#include "vfio_core_priv.h"

/* First opener calls open_device(); the count goes up only on success. */
static int vfio_device_first_open(struct vfio_group *group,
				  struct vfio_device *vdev)
{
	int ret = 0;

	lockdep_assert_held(&group->group_lock);

	mutex_lock(&vdev->open_lock);
	if (!vdev->open_count) {
		vdev->kvm = group->kvm;
		if (vdev->ops->open_device)
			ret = vdev->ops->open_device(vdev);
		if (ret)
			vdev->kvm = NULL;
	}
	if (!ret)
		vdev->open_count++;
	mutex_unlock(&vdev->open_lock);
	return ret;
}

/* Last closer calls close_device(). */
static void vfio_device_last_close(struct vfio_group *group,
				   struct vfio_device *vdev)
{
	lockdep_assert_held(&group->group_lock);

	mutex_lock(&vdev->open_lock);
	if (!WARN_ON(!vdev->open_count) && !--vdev->open_count) {
		if (vdev->ops->close_device)
			vdev->ops->close_device(vdev);
		vdev->kvm = NULL;
	}
	mutex_unlock(&vdev->open_lock);
}

static int vfio_device_fop_release(struct inode *inode, struct file *file)
{
	struct vfio_device *vdev = file->private_data;
	struct vfio_group *group = vdev->group;
	struct file *group_file;

	mutex_lock(&group->group_lock);
	vfio_device_last_close(group, vdev);
	WARN_ON(!group->device_opens);
	group->device_opens--;
	group_file = group->opened_file;
	mutex_unlock(&group->group_lock);

	module_put(vdev->dev->driver->owner);
	fput(group_file);
	vfio_device_put_users(vdev);
	return 0;
}

/* Runtime-resume the device around an ioctl, as the 6.1 core does. */
static int vfio_device_pm_get(struct vfio_device *vdev)
{
	struct device *dev = vdev->dev;
	int ret;

	if (!dev->driver || !dev->driver->pm)
		return 0;
	ret = pm_runtime_resume_and_get(dev);
	if (ret) {
		dev_info_ratelimited(dev, "vfio: runtime resume failed %d\n",
				     ret);
		return -EIO;
	}
	return 0;
}

static void vfio_device_pm_put(struct vfio_device *vdev)
{
	struct device *dev = vdev->dev;

	if (dev->driver && dev->driver->pm)
		pm_runtime_put(dev);
}

/**
 * vfio_device_feature_check() - the core's checks of VFIO_DEVICE_FEATURE
 * @arg: user pointer to struct vfio_device_feature
 *
 * The header checks 6.1 makes in the core, before any driver sees the
 * ioctl: argsz, known flag bits, not both GET and SET unless PROBE.
 *
 * Return: 0, -EFAULT or -EINVAL.
 */
VISIBLE_IF_KUNIT int vfio_device_feature_check(unsigned long arg)
{
	size_t minsz = offsetofend(struct vfio_device_feature, flags);
	struct vfio_device_feature feature;

	if (copy_from_user(&feature, (void __user *)arg, minsz))
		return -EFAULT;
	if (feature.argsz < minsz)
		return -EINVAL;
	if (feature.flags & ~(VFIO_DEVICE_FEATURE_MASK |
			      VFIO_DEVICE_FEATURE_SET |
			      VFIO_DEVICE_FEATURE_GET |
			      VFIO_DEVICE_FEATURE_PROBE))
		return -EINVAL;
	if (!(feature.flags & VFIO_DEVICE_FEATURE_PROBE) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_SET) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_GET))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_device_feature_check);

static long vfio_device_fop_ioctl(struct file *file, unsigned int cmd,
				  unsigned long arg)
{
	struct vfio_device *vdev = file->private_data;
	long ret;

	if (unlikely(!vdev->ops->ioctl))
		return -EINVAL;

	if (cmd == VFIO_DEVICE_FEATURE) {
		ret = vfio_device_feature_check(arg);
		if (ret)
			return ret;
	}

	ret = vfio_device_pm_get(vdev);
	if (ret)
		return ret;
	ret = vdev->ops->ioctl(vdev, cmd, arg);
	vfio_device_pm_put(vdev);
	return ret;
}

static ssize_t vfio_device_fop_read(struct file *file, char __user *buf,
				    size_t count, loff_t *ppos)
{
	struct vfio_device *vdev = file->private_data;

	if (unlikely(!vdev->ops->read))
		return -EINVAL;
	return vdev->ops->read(vdev, buf, count, ppos);
}

static ssize_t vfio_device_fop_write(struct file *file,
				     const char __user *buf, size_t count,
				     loff_t *ppos)
{
	struct vfio_device *vdev = file->private_data;

	if (unlikely(!vdev->ops->write))
		return -EINVAL;
	return vdev->ops->write(vdev, buf, count, ppos);
}

static int vfio_device_fop_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vfio_device *vdev = file->private_data;

	if (unlikely(!vdev->ops->mmap))
		return -EINVAL;
	return vdev->ops->mmap(vdev, vma);
}

/* No .llseek: like 6.1, lseek() on a device file fails with -ESPIPE. */
static const struct file_operations vfio_device_fops = {
	.owner = THIS_MODULE,
	.release = vfio_device_fop_release,
	.read = vfio_device_fop_read,
	.write = vfio_device_fop_write,
	.unlocked_ioctl = vfio_device_fop_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vfio_device_fop_mmap,
};

/*
 * A vma of a device file holds a reference on the file, hence on the
 * open device: the driver data stays valid while mmap_lock pins the vma.
 */
int vfio_device_vma_pfns(struct vm_area_struct *vma, unsigned long addr,
			 unsigned long *pfn, unsigned long *npages)
{
	struct file *file = vma->vm_file;
	struct vfio_device *vdev;

	mmap_assert_locked(vma->vm_mm);
	if (!file || file->f_op != &vfio_device_fops)
		return -ENODEV;
	vdev = file->private_data;
	if (!vdev->ops->vma_pfns)
		return -ENODEV;
	return vdev->ops->vma_pfns(vdev, vma, addr, pfn, npages);
}
EXPORT_SYMBOL_GPL(vfio_device_vma_pfns);

/**
 * vfio_device_open_fd() - VFIO_GROUP_GET_DEVICE_FD after the lookup
 * @group: the group whose file the ioctl came on
 * @vdev: a device of @group; the caller holds a users reference
 *
 * On success the caller's users reference moves to the new file.
 *
 * Return: the new file descriptor, -EINVAL if the group has no container
 * or the container no IOMMU backend, -EPERM for a noiommu device without
 * CAP_SYS_RAWIO, -ENODEV if the driver is going away,
 * open_device()'s errno, or another negative errno.
 */
int vfio_device_open_fd(struct vfio_group *group, struct vfio_device *vdev)
{
	struct module *owner = vdev->dev->driver->owner;
	struct file *file;
	int fd, ret;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;

	mutex_lock(&group->group_lock);
	if (!group->container ||
	    !vfio_container_has_backend(group->container)) {
		ret = -EINVAL;
		goto unlock_group;
	}
	if (group->noiommu && !capable(CAP_SYS_RAWIO)) {
		ret = -EPERM;
		goto unlock_group;
	}
	if (!try_module_get(owner)) {
		ret = -ENODEV;
		goto unlock_group;
	}
	ret = vfio_device_first_open(group, vdev);
	if (ret)
		goto put_module;
	group->device_opens++;
	get_file(group->opened_file);
	mutex_unlock(&group->group_lock);

	file = anon_inode_getfile("[vfio-device]", &vfio_device_fops, vdev,
				  O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto close_device;
	}
	/* anon_inode_getfile() leaves positional I/O off; regions need it. */
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;

	if (group->noiommu)
		dev_warn(vdev->dev, "vfio-noiommu: %s (pid %d) opened the device, which no IOMMU isolates\n",
			 current->comm, task_pid_nr(current));
	fd_install(fd, file);
	return fd;

close_device:
	mutex_lock(&group->group_lock);
	vfio_device_last_close(group, vdev);
	group->device_opens--;
	/* The caller's group fd still holds the file: this is not the last. */
	fput(group->opened_file);
put_module:
	module_put(owner);
unlock_group:
	mutex_unlock(&group->group_lock);
	put_unused_fd(fd);
	return ret;
}
