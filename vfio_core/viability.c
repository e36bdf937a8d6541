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

static void vfio_viability_report_dev(struct vfio_group *group,
				      struct device *dev)
{
	/* Never wait here for a probe or removal that may take long. */
	if (!device_trylock(dev)) {
		pr_info("vfio: group %d: device %s is busy (driver binding or unbinding), not checked\n",
			group->id, dev_name(dev));
		return;
	}
	if (vfio_driver_owns_dma(dev))
		pr_info("vfio: group %d: device %s is bound to driver %s, which uses the DMA API; unbind it (or bind it to vfio-pci) to make the group viable\n",
			group->id, dev_name(dev), dev->driver->name);
	device_unlock(dev);
}

/**
 * vfio_group_report_not_viable() - say why SET_CONTAINER was refused
 * @group: the group; the caller holds no lock
 * @err: the errno of the DMA-ownership claim
 */
void vfio_group_report_not_viable(struct vfio_group *group, int err)
{
	struct vfio_viability_walk walk = { .count = 0 };
	struct iommu_group *iommu_group = NULL;
	unsigned int i;

	mutex_lock(&group->group_lock);
	if (group->iommu_group)
		iommu_group = iommu_group_ref_get(group->iommu_group);
	mutex_unlock(&group->group_lock);
	if (!iommu_group)
		return;

	pr_info("vfio: group %d is not viable (%pe): a kernel driver owns its DMA or another user claimed it\n",
		group->id, ERR_PTR(err));

	iommu_group_for_each_dev(iommu_group, &walk, vfio_viability_collect);
	for (i = 0; i < walk.count; i++) {
		vfio_viability_report_dev(group, walk.devs[i]);
		put_device(walk.devs[i]);
	}
	if (walk.skipped)
		pr_info("vfio: group %d: %u more devices not checked\n",
			group->id, walk.skipped);

	iommu_group_put(iommu_group);
}
