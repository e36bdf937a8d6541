// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vfio_file_* exports: kvm.ko (through symbol_get()) and device drivers
 * ask about a group file with these.  Signatures are those of Linux 6.1.
 *
 * Every function accepts any struct file and answers the "not a vfio group
 * file" case itself, exactly as 6.1 does.  The caller holds a reference on
 * @file, so file->private_data (the group) stays valid throughout.
 */
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <uapi/linux/vfio.h>

#include "vfio_core_priv.h"

/**
 * vfio_file_is_group() - is @file a /dev/vfio/<id> group file of ours
 * @file: any file
 *
 * Return: true for a vfio group file.
 */
bool vfio_file_is_group(struct file *file)
{
	return vfio_file_is_our_group(file);
}
EXPORT_SYMBOL_GPL(vfio_file_is_group);

/**
 * vfio_file_iommu_group() - the IOMMU group behind a group file
 * @file: any file
 *
 * As in 6.1, only kernels with SPAPR TCE IOMMU support (whose kvm needs
 * the group for its TCE tables) get an answer; the caller gets a reference
 * on the returned IOMMU group and drops it with iommu_group_put().
 *
 * Return: the IOMMU group; NULL without CONFIG_SPAPR_TCE_IOMMU, if @file is
 * not a vfio group file, or if its group has lost its last device.
 */
struct iommu_group *vfio_file_iommu_group(struct file *file)
{
	struct iommu_group *iommu_group = NULL;
	struct vfio_group *group;

	/* kvm.ko only needs the group for SPAPR TCE tables, as in 6.1. */
	if (!IS_ENABLED(CONFIG_SPAPR_TCE_IOMMU))
		return NULL;
	if (!vfio_file_is_our_group(file))
		return NULL;

	group = file->private_data;
	mutex_lock(&group->group_lock);
	if (group->iommu_group)
		iommu_group = iommu_group_ref_get(group->iommu_group);
	mutex_unlock(&group->group_lock);
	return iommu_group;
}
EXPORT_SYMBOL_GPL(vfio_file_iommu_group);

/**
 * vfio_file_enforced_coherent() - is all DMA of the group cache coherent
 * @file: any file
 *
 * The answer comes from the container's IOMMU backend
 * (VFIO_CHECK_EXTENSION of VFIO_DMA_CC_IOMMU), so user space must attach
 * the group to a container before it can claim non-coherent DMA (which
 * lets a guest use WBINVD).
 *
 * Return: false only for a group in a container whose backend says DMA
 * may bypass the CPU caches; true otherwise, also for a file that is not a
 * vfio group file.
 */
bool vfio_file_enforced_coherent(struct file *file)
{
	struct vfio_group *group;
	bool ret = true;

	if (!vfio_file_is_our_group(file))
		return true;

	group = file->private_data;
	mutex_lock(&group->group_lock);
	if (group->container)
		ret = vfio_container_check_extension(group->container,
						     VFIO_DMA_CC_IOMMU) != 0;
	mutex_unlock(&group->group_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_file_enforced_coherent);

/**
 * vfio_file_set_kvm() - remember the kvm that uses a group file
 * @file: any file; ignored unless a vfio group file
 * @kvm: the kvm, or NULL to forget it
 *
 * Devices opened from now on see @kvm in vfio_device::kvm while open.
 */
void vfio_file_set_kvm(struct file *file, struct kvm *kvm)
{
	struct vfio_group *group;

	if (!vfio_file_is_our_group(file))
		return;

	group = file->private_data;
	mutex_lock(&group->group_lock);
	group->kvm = kvm;
	mutex_unlock(&group->group_lock);
}
EXPORT_SYMBOL_GPL(vfio_file_set_kvm);

/**
 * vfio_file_has_dev() - is @vdev a device of the group behind @file
 * @file: any file
 * @vdev: a registered device
 *
 * Return: true if @file is the group file of @vdev's group.
 */
bool vfio_file_has_dev(struct file *file, struct vfio_device *vdev)
{
	if (!vfio_file_is_our_group(file))
		return false;
	return file->private_data == vdev->group;
}
EXPORT_SYMBOL_GPL(vfio_file_has_dev);
