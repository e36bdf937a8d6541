// SPDX-License-Identifier: GPL-2.0-only
/*
 * Diagnostics for a group that cannot be given to user space.
 *
 * VFIO_GROUP_SET_CONTAINER fails with -EPERM when a device of the IOMMU
 * group is bound to a kernel driver that uses the kernel's DMA API (one
 * that does not declare driver_managed_dma).  The user then wants to know
 * which device and which driver: this file names them in the kernel log.
 *
 * The walk runs with none of our locks held.  Devices are collected under
 * the IOMMU group's own mutex with a reference each, and their drivers are
 * read afterwards under device_trylock(): taking device_lock() inside
 * iommu_group_for_each_dev() would invert the driver core's order (probe
 * holds device_lock() and then takes the IOMMU group's mutex).
 */
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "vfio_core_priv.h"

/* How many devices of one group are named at most. */
#define VFIO_VIABILITY_MAX_DEVS 16

struct vfio_viability_walk {
	struct device *devs[VFIO_VIABILITY_MAX_DEVS];
	unsigned int count;
	unsigned int skipped;
};

static int vfio_viability_collect(struct device *dev, void *data)
{
	struct vfio_viability_walk *walk = data;

	if (walk->count == ARRAY_SIZE(walk->devs)) {
		walk->skipped++;
		return 0;
	}
	walk->devs[walk->count++] = get_device(dev);
	return 0;
}

/* Does the bound driver of @dev keep the IOMMU group's DMA owned? */
static bool vfio_driver_owns_dma(struct device *dev)
{
	lockdep_assert_held(&dev->mutex);

	if (!dev->driver)
		return false;
	if (dev_is_pci(dev))
		return !to_pci_driver(dev->driver)->driver_managed_dma;
	/* Other buses keep the flag in their own driver structs. */
	return true;
}

/*
 * vfio_viability_check_dev() - describe @dev if it keeps its group from
 * being viable; returns true (and calls @fn) when it does, or when it is
 * busy binding and was not checked (then @driver is NULL).
 */
static bool vfio_viability_check_dev(struct device *dev,
				     vfio_dma_owner_fn fn, void *data)
{
	const char *module;
	bool owns;

	/* Never wait here for a probe or removal that may take long. */
	if (!device_trylock(dev)) {
		fn(dev, NULL, NULL, data);
		return true;
	}
	owns = vfio_driver_owns_dma(dev);
	if (owns) {
		module = dev->driver->owner ?
			 module_name(dev->driver->owner) : "built-in";
		fn(dev, dev->driver->name, module, data);
	}
	device_unlock(dev);
	return owns;
}

/**
 * vfio_dma_owners_walk() - name the devices of an IOMMU group bound to
 * a driver that uses the kernel's DMA API
 * @iommu_group: the group; the caller holds a reference and, of our locks,
 *	at most vfio_groups_lock (the walk takes the IOMMU group's mutex and
 *	device_trylock() only)
 * @fn: called for each such device with its driver and module names, or
 *	with NULL names for a device busy binding (not checked)
 * @data: passed to @fn
 *
 * Return: the number of devices @fn was called for, plus those beyond the
 * first VFIO_VIABILITY_MAX_DEVS that were not checked.
 */
unsigned int vfio_dma_owners_walk(struct iommu_group *iommu_group,
				  vfio_dma_owner_fn fn, void *data)
{
	struct vfio_viability_walk walk = { .count = 0 };
	unsigned int i, found = 0;

	iommu_group_for_each_dev(iommu_group, &walk, vfio_viability_collect);
	for (i = 0; i < walk.count; i++) {
		if (vfio_viability_check_dev(walk.devs[i], fn, data))
			found++;
		put_device(walk.devs[i]);
	}
	return found + walk.skipped;
}

static void vfio_viability_log(struct device *dev, const char *driver,
			       const char *module, void *data)
{
	struct vfio_group *group = data;

	if (!driver)
		pr_info("vfio: group %d: device %s is busy (driver binding or unbinding), not checked\n",
			group->id, dev_name(dev));
	else
		pr_info("vfio: group %d: device %s is bound to driver %s (module %s), which uses the DMA API; unbind it (or bind it to vfio-pci) to make the group viable\n",
			group->id, dev_name(dev), driver, module);
}

/**
 * vfio_group_report_not_viable() - say why SET_CONTAINER was refused
 * @group: the group; the caller holds no lock
 * @err: the errno of the DMA-ownership claim
 */
void vfio_group_report_not_viable(struct vfio_group *group, int err)
{
	struct iommu_group *iommu_group = NULL;
	unsigned int found;

	mutex_lock(&group->group_lock);
	if (group->iommu_group)
		iommu_group = iommu_group_ref_get(group->iommu_group);
	mutex_unlock(&group->group_lock);
	if (!iommu_group)
		return;

	pr_info("vfio: group %d is not viable (%pe): a kernel driver owns its DMA or another user claimed it\n",
		group->id, ERR_PTR(err));
	found = vfio_dma_owners_walk(iommu_group, vfio_viability_log, group);
	if (!found)
		pr_info("vfio: group %d: no device is bound to a DMA-API driver; another user owns the group's DMA\n",
			group->id);

	iommu_group_put(iommu_group);
}
