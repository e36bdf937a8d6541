// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty page reporting: VFIO_IOMMU_DIRTY_PAGES and the bitmap of
 * VFIO_IOMMU_UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP.
 *
 * Every device of a type1 container writes through its IOMMU domain with
 * no way to tell which pages it wrote, so while tracking is on, every page
 * of every settled mapping is reported dirty, each time it is asked for
 * (what 6.1 does for IOMMU-backed groups).  No per-mapping bitmap is kept.
 *
 * Bitmaps are arrays of u64 in user memory, bit n standing for the page at
 * base + n * pgsize.  Only the words covering a reported mapping are
 * written, and partial words are read, OR-ed and written back, so bits of
 * neighbouring mappings and of holes are left as the user set them.
 * Bit ranges are [start, start + nbits), open at the end.
 */
#include <linux/bits.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "type1_priv.h"

/**
 * type1_check_bitmap() - validate a user bitmap for a range of @size bytes
 * @pgsize: bytes per bit, a power of two
 * @size: bytes of IOVA the bitmap covers
 * @bitmap_size: bytes of bitmap user space provides
 * @data: the bitmap
 *
 * Return: 0 or -EINVAL.
 */
int type1_check_bitmap(u64 pgsize, u64 size, u64 bitmap_size,
		       const void __user *data)
{
	u64 npages;

	if (!pgsize || !is_power_of_2(pgsize))
		return -EINVAL;
	npages = size >> __ffs64(pgsize);
	if (!npages || !bitmap_size || bitmap_size > TYPE1_BITMAP_SIZE_MAX ||
	    bitmap_size < TYPE1_BITMAP_BYTES(npages))
		return -EINVAL;
	if (!access_ok(data, bitmap_size))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(type1_check_bitmap);

/* Set bits [start, start + nbits) of a user bitmap. */
static int type1_set_user_bits(u64 __user *map, u64 start, u64 nbits)
{
	u64 end = start + nbits, hi, word, nwords;
	u64 *ones = NULL;
	int ret = 0;

	while (start < end) {
		u64 __user *at = map + start / 64;

		if (start % 64 || end - start < 64) {
			hi = min(end, round_down(start, 64) + 64);
			if (get_user(word, at)) {
				ret = -EFAULT;
				break;
			}
			word |= GENMASK_ULL((hi - 1) % 64, start % 64);
			if (put_user(word, at)) {
				ret = -EFAULT;
				break;
			}
			start = hi;
			continue;
		}
		if (!ones) {
			ones = (u64 *)__get_free_page(GFP_KERNEL);
			if (!ones)
				return -ENOMEM;
			memset(ones, 0xff, PAGE_SIZE);
		}
		nwords = min_t(u64, (end - start) / 64, PAGE_SIZE / sizeof(u64));
		if (copy_to_user(at, ones, nwords * sizeof(u64))) {
			ret = -EFAULT;
			break;
		}
		start += nwords * 64;
		cond_resched();
	}
	if (ones)
		free_page((unsigned long)ones);
	return ret;
}

/**
 * type1_dirty_mark() - report every page of a mapping dirty
 * @bitmap: user bitmap whose bit 0 stands for @base
 * @dma: a settled mapping at or above @base
 * @base: IOVA of bit 0
 * @pgshift: log2 of the bytes per bit
 *
 * Return: 0, -EFAULT or -ENOMEM.
 */
int type1_dirty_mark(u64 __user *bitmap, struct type1_dma *dma, u64 base,
		     unsigned int pgshift)
{
	return type1_set_user_bits(bitmap, (dma->iova - base) >> pgshift,
				   dma->size >> pgshift);
}
EXPORT_SYMBOL_IF_KUNIT(type1_dirty_mark);

static int type1_get_bitmap(struct type1_iommu *iommu,
			    struct vfio_iommu_type1_dirty_bitmap_get *range)
{
	u64 pgsize = 1ULL << __ffs(iommu->pgsize_bitmap);
	u64 iova = range->iova, last;
	struct type1_dma *dma;
	int ret = 0;

	if (range->bitmap.pgsize != pgsize || iova & (pgsize - 1) ||
	    !range->size || range->size & (pgsize - 1))
		return -EINVAL;
	last = iova + range->size - 1;

	mutex_lock(&iommu->lock);
	if (!iommu->dirty_tracking) {
		ret = -EINVAL;
		goto out_unlock;
	}
	/* Like a v2 unmap, the range must not cut a mapping. */
	if (type1_range_cuts_dma(iommu, iova, last)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	for (dma = type1_dma_first(iommu, iova, last);
	     dma && dma->iova <= last; dma = type1_dma_next(dma)) {
		if (dma->pending)
			continue;
		ret = type1_dirty_mark(range->bitmap.data, dma, iova,
				       __ffs64(pgsize));
		if (ret)
			break;
	}
out_unlock:
	mutex_unlock(&iommu->lock);
	return ret;
}

/**
 * type1_ioctl_dirty_pages() - VFIO_IOMMU_DIRTY_PAGES
 * @iommu: the container
 * @arg: user pointer to struct vfio_iommu_type1_dirty_bitmap, followed by
 *       struct vfio_iommu_type1_dirty_bitmap_get for GET_BITMAP
 *
 * Return: 0 or a negative errno (-EACCES on a TYPE1 (v1) container).
 */
long type1_ioctl_dirty_pages(struct type1_iommu *iommu, unsigned long arg)
{
	u32 mask = VFIO_IOMMU_DIRTY_PAGES_FLAG_START |
		   VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP |
		   VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	struct vfio_iommu_type1_dirty_bitmap_get range;
	struct vfio_iommu_type1_dirty_bitmap dirty;
	unsigned long minsz;
	int ret;

	if (!iommu->v2)
		return -EACCES;

	minsz = offsetofend(struct vfio_iommu_type1_dirty_bitmap, flags);
	if (copy_from_user(&dirty, (void __user *)arg, minsz))
		return -EFAULT;
	if (dirty.argsz < minsz || dirty.flags & ~mask)
		return -EINVAL;
	/* Exactly one operation per call. */
	if (hweight32(dirty.flags) != 1)
		return -EINVAL;

	switch (dirty.flags) {
	case VFIO_IOMMU_DIRTY_PAGES_FLAG_START:
	case VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP:
		mutex_lock(&iommu->lock);
		iommu->dirty_tracking =
			dirty.flags == VFIO_IOMMU_DIRTY_PAGES_FLAG_START;
		mutex_unlock(&iommu->lock);
		return 0;
	default:
		break;
	}

	if (dirty.argsz < minsz + sizeof(range))
		return -EINVAL;
	if (copy_from_user(&range, (void __user *)arg + minsz, sizeof(range)))
		return -EFAULT;
	if (range.iova + range.size < range.iova)
		return -EINVAL;
	ret = type1_check_bitmap(range.bitmap.pgsize, range.size,
				 range.bitmap.size, range.bitmap.data);
	if (ret)
		return ret;

	return type1_get_bitmap(iommu, &range);
}
