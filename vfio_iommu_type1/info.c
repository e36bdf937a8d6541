// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_IOMMU_GET_INFO and its capability chain.
 *
 * The chain is laid out right after struct vfio_iommu_type1_info, in
 * 6.1's order: MIGRATION (dirty bitmaps at the smallest page size, see
 * dirty.c), DMA_AVAIL, then IOVA_RANGE (one inclusive [start, end] pair
 * per valid range), each starting on an 8-byte boundary, each header's
 * "next" holding the offset of the following one from the
 * start of the user's buffer (0 for the last).  A buffer too small for the
 * chain gets only the fixed part, with argsz raised to the size needed and
 * cap_offset 0.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "type1_priv.h"

static unsigned long type1_pgsizes(struct type1_iommu *iommu)
{
	if (type1_disable_hugepages)
		return 1UL << __ffs(iommu->pgsize_bitmap);
	return iommu->pgsize_bitmap;
}

/* Build the chain into a new buffer whose offsets start at @base. */
static void *type1_build_caps(struct type1_iommu *iommu, size_t base,
			      size_t *size)
{
	struct vfio_iommu_type1_info_cap_iova_range *iova_cap;
	struct vfio_iommu_type1_info_cap_migration *mig_cap;
	struct vfio_iommu_type1_info_dma_avail *avail_cap;
	size_t mig_sz, avail_sz, iova_sz;
	struct type1_range *r;
	u32 nr = 0, i = 0;
	void *buf;

	list_for_each_entry(r, &iommu->ranges, node)
		nr++;

	mig_sz = ALIGN(sizeof(*mig_cap), sizeof(u64));
	avail_sz = ALIGN(sizeof(*avail_cap), sizeof(u64));
	iova_sz = nr ? ALIGN(struct_size(iova_cap, iova_ranges, nr),
			     sizeof(u64)) : 0;
	buf = kzalloc(mig_sz + avail_sz + iova_sz, GFP_KERNEL);
	if (!buf)
		return NULL;

	mig_cap = buf;
	mig_cap->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION;
	mig_cap->header.version = 1;
	mig_cap->header.next = base + mig_sz;
	mig_cap->pgsize_bitmap = 1ULL << __ffs(iommu->pgsize_bitmap);
	mig_cap->max_dirty_bitmap_size = TYPE1_BITMAP_SIZE_MAX;

	avail_cap = buf + mig_sz;
	avail_cap->header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
	avail_cap->header.version = 1;
	mutex_lock(&iommu->lock);
	avail_cap->avail = iommu->dma_avail;
	mutex_unlock(&iommu->lock);

	if (nr) {
		avail_cap->header.next = base + mig_sz + avail_sz;
		iova_cap = buf + mig_sz + avail_sz;
		iova_cap->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
		iova_cap->header.version = 1;
		iova_cap->nr_iovas = nr;
		list_for_each_entry(r, &iommu->ranges, node) {
			iova_cap->iova_ranges[i].start = r->start;
			iova_cap->iova_ranges[i].end = r->last;
			i++;
		}
	}
	*size = mig_sz + avail_sz + iova_sz;
	return buf;
}

/**
 * type1_ioctl_get_info() - VFIO_IOMMU_GET_INFO
 * @iommu: the container
 * @arg: user pointer to struct vfio_iommu_type1_info
 *
 * Return: 0 or a negative errno.
 */
long type1_ioctl_get_info(struct type1_iommu *iommu, unsigned long arg)
{
	struct vfio_iommu_type1_info info;
	unsigned long minsz, capsz;
	size_t caps_size = 0;
	void *caps;
	int ret = 0;

	minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	capsz = offsetofend(struct vfio_iommu_type1_info, cap_offset);

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	/* Older user space knows no cap_offset: never write past minsz. */
	if (info.argsz >= capsz) {
		minsz = capsz;
		info.cap_offset = 0;
	}

	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = type1_pgsizes(iommu);

	caps = type1_build_caps(iommu, sizeof(info), &caps_size);
	if (!caps)
		return -ENOMEM;

	info.flags |= VFIO_IOMMU_INFO_CAPS;
	if (info.argsz < sizeof(info) + caps_size) {
		info.argsz = sizeof(info) + caps_size;
	} else {
		if (copy_to_user((void __user *)arg + sizeof(info), caps,
				 caps_size))
			ret = -EFAULT;
		info.cap_offset = sizeof(info);
	}
	kfree(caps);
	if (ret)
		return ret;

	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}
