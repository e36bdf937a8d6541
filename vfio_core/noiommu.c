// SPDX-License-Identifier: GPL-2.0-only
/*
 * noiommu mode: user space drivers for devices that no IOMMU translates.
 *
 * With the enable_unsafe_noiommu_mode parameter set, a device that is
 * registered without an IOMMU group gets a fake one of its own (named
 * "vfio-noiommu"), exposed as /dev/vfio/noiommu-<id>.  Such a group, its
 * device files and the built-in "vfio-noiommu" container backend require
 * CAP_SYS_RAWIO: the device can DMA anywhere in memory, so the kernel is
 * tainted (TAINT_USER) when such a group is created.
 *
 * Invariants:
 *   - a noiommu group has exactly one device, which was added to the fake
 *     IOMMU group by vfio_noiommu_group_alloc() and is removed from it by
 *     vfio_noiommu_group_remove_device() when it unregisters;
 *   - a container holds either only noiommu groups or none
 *     (vfio_container::noiommu, checked in container.c); only a noiommu
 *     container can select the noiommu backend, and it can select no other;
 *   - the backend keeps no state (iommu_data is NULL) and maps nothing:
 *     every ioctl but VFIO_CHECK_EXTENSION fails with -ENOTTY.
 *
 * Ranges: none; the only number taken from user space is an extension or
 * IOMMU type, compared against VFIO_NOIOMMU_IOMMU.
 */
#include <linux/capability.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/panic.h>
#include <uapi/linux/vfio.h>

#include "vfio_core_priv.h"

static bool vfio_noiommu;
module_param_named(enable_unsafe_noiommu_mode, vfio_noiommu, bool, 0644);
MODULE_PARM_DESC(enable_unsafe_noiommu_mode,
		 "Enable UNSAFE, no-IOMMU mode: devices without an IOMMU group get a fake one (/dev/vfio/noiommu-<id>), with no device isolation, no DMA translation and no protection of the host kernel. Needs CAP_SYS_RAWIO, cannot be used to assign devices to virtual machines, and taints the kernel. (default: false)");

/**
 * vfio_noiommu_enabled() - is enable_unsafe_noiommu_mode set
 *
 * Return: the parameter's current value.
 */
bool vfio_noiommu_enabled(void)
{
	return READ_ONCE(vfio_noiommu);
}

/**
 * vfio_noiommu_group_alloc() - give a device without IOMMU a fake group
 * @dev: a device being registered that has no IOMMU group
 *
 * Creates an IOMMU group named "vfio-noiommu" holding only @dev, taints
 * the kernel and warns.  The caller owns the returned reference and
 * undoes the membership with vfio_noiommu_group_remove_device().
 *
 * Return: the new IOMMU group, or an ERR_PTR().
 */
struct iommu_group *vfio_noiommu_group_alloc(struct device *dev)
{
	struct iommu_group *iommu_group;
	int ret;

	iommu_group = iommu_group_alloc();
	if (IS_ERR(iommu_group))
		return iommu_group;

	ret = iommu_group_set_name(iommu_group, "vfio-noiommu");
	if (ret)
		goto put_group;
	ret = iommu_group_add_device(iommu_group, dev);
	if (ret)
		goto put_group;

	add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	dev_warn(dev, "vfio-noiommu: fake IOMMU group without DMA isolation, kernel tainted\n");
	return iommu_group;

put_group:
	iommu_group_put(iommu_group);
	return ERR_PTR(ret);
}

/**
 * vfio_noiommu_group_remove_device() - undo vfio_noiommu_group_alloc()
 * @dev: the device; its fake group goes with the last reference on it
 */
void vfio_noiommu_group_remove_device(struct device *dev)
{
	iommu_group_remove_device(dev);
}

static void *vfio_noiommu_open(unsigned long type)
{
	if (type != VFIO_NOIOMMU_IOMMU)
		return ERR_PTR(-EINVAL);
	if (!capable(CAP_SYS_RAWIO))
		return ERR_PTR(-EPERM);
	return NULL;
}

static void vfio_noiommu_release(void *iommu_data)
{
}

static long vfio_noiommu_ioctl(void *iommu_data, unsigned int cmd,
			       unsigned long arg)
{
	if (cmd == VFIO_CHECK_EXTENSION)
		return vfio_noiommu_check_extension(arg);
	return -ENOTTY;
}

static int vfio_noiommu_attach_group(void *iommu_data,
				     struct iommu_group *iommu_group)
{
	return 0;
}

static void vfio_noiommu_detach_group(void *iommu_data,
				      struct iommu_group *iommu_group)
{
}

static const struct vfio_iommu_backend_ops vfio_noiommu_ops = {
	.name = "vfio-noiommu",
	.owner = THIS_MODULE,
	.open = vfio_noiommu_open,
	.release = vfio_noiommu_release,
	.ioctl = vfio_noiommu_ioctl,
	.attach_group = vfio_noiommu_attach_group,
	.detach_group = vfio_noiommu_detach_group,
};

/**
 * vfio_noiommu_check_extension() - the noiommu backend's CHECK_EXTENSION
 * @ext: the extension asked about
 *
 * Return: 1 for VFIO_NOIOMMU_IOMMU while the mode is enabled, else 0.
 */
long vfio_noiommu_check_extension(unsigned long ext)
{
	return vfio_noiommu_enabled() && ext == VFIO_NOIOMMU_IOMMU;
}

/**
 * vfio_noiommu_select() - VFIO_SET_IOMMU on a container of noiommu groups
 * @container: a container with only noiommu groups and no backend yet
 * @type: the IOMMU type user space asked for
 *
 * Return: 0, -ENODEV for any type but VFIO_NOIOMMU_IOMMU (or with the mode
 * disabled), -EPERM without CAP_SYS_RAWIO.
 */
int vfio_noiommu_select(struct vfio_container *container, unsigned long type)
{
	void *data;

	lockdep_assert_held_write(&container->lock);

	if (vfio_noiommu_check_extension(type) <= 0)
		return -ENODEV;
	data = vfio_noiommu_open(type);
	if (IS_ERR(data))
		return PTR_ERR(data);

	/* Dropped with the backend by vfio_container_detach_group(). */
	__module_get(THIS_MODULE);
	container->backend = &vfio_noiommu_ops;
	container->iommu_data = data;
	return 0;
}
