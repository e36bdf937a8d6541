// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA.
 *
 * Invariant: every mapping in the tree that is not pending is pinned and
 * programmed, in full, into every domain of the container.  A pending
 * mapping reserves its IOVA range while MAP_DMA pins and programs it
 * outside type1_iommu::lock, so concurrent MAP_DMAs run in parallel; an
 * overlapping MAP_DMA fails with -EEXIST and UNMAP_DMA ignores it (as if
 * the unmap came first).  The domain list cannot change meanwhile (the core
 * holds its container rwsem across ioctls).
 *
 * Ranges: user requests give (iova, size), converted to an inclusive
 * last = iova + size - 1 once the size is known not to be 0 and not to
 * wrap; a wrapping MAP_DMA range fails with -EOVERFLOW (as later upstream
 * kernels do), a wrapping UNMAP_DMA range with -EINVAL (as 6.1).
 *
 * With VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, each mapping is reported
 * dirty (dirty.c) just before it leaves the tree; a failed report stops
 * the unmap there, with what was already unmapped staying unmapped.
 *
 * Unmap tears mappings down in three steps: out of the tree under the
 * lock, out of every domain with one IOTLB gather and sync per domain,
 * then unpinned run by run outside the lock.
 */
#include <linux/iommu.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "type1_priv.h"
#include "vfio_compat.h"

/* iommu_map() of one run or page, behind the fail_iommu_map point. */
static int type1_iommu_map(struct type1_domain *d, u64 iova, phys_addr_t pa,
			   size_t len, int prot)
{
	if (type1_fail_iommu_map())
		return -ENOMEM;
	return vfio_compat_iommu_map(d->domain, iova, pa, len, prot,
				     GFP_KERNEL_ACCOUNT);
}

/**
 * type1_map_dma_domain() - program a pinned mapping into one domain
 * @dma: a mapping whose runs are complete
 * @d: the domain
 *
 * On failure nothing of @dma stays mapped in @d.
 *
 * Return: 0 or the iommu_map() error.
 */
int type1_map_dma_domain(struct type1_dma *dma, struct type1_domain *d)
{
	int prot = dma->prot | d->prot;
	struct type1_run_chunk *chunk;
	u64 iova = dma->iova;
	unsigned long i, j;
	int ret;

	for (chunk = dma->first; chunk; chunk = chunk->next) {
		for (i = 0; i < chunk->nr; i++) {
			struct type1_run *run = &chunk->runs[i];

			size_t len = (size_t)run->npages << PAGE_SHIFT;

			if (!type1_disable_hugepages) {
				ret = type1_iommu_map(d, iova,
						      PFN_PHYS(run->pfn),
						      len, prot);
				if (ret)
					goto out_unmap;
				iova += len;
				continue;
			}
			for (j = 0; j < run->npages; j++) {
				ret = type1_iommu_map(d, iova,
						      PFN_PHYS(run->pfn + j),
						      PAGE_SIZE, prot);
				if (ret)
					goto out_unmap;
				iova += PAGE_SIZE;
			}
		}
		cond_resched();
	}
	return 0;

out_unmap:
	if (iova != dma->iova)
		iommu_unmap(d->domain, dma->iova, iova - dma->iova);
	return ret;
}

/* Take @dma out of the tree and give its slot back. */
static void type1_dma_remove(struct type1_iommu *iommu, struct type1_dma *dma)
{
	lockdep_assert_held(&iommu->lock);

	type1_dma_erase(iommu, dma);
	iommu->dma_avail++;
	if (dma->vaddr_invalid)
		iommu->vaddr_invalid_count--;
}

/* Unpin and free a mapping that is out of the tree and of every domain. */
static void type1_dma_free(struct type1_dma *dma)
{
	type1_unpin_dma(dma);
	mmdrop(dma->mm);
	kfree(dma);
}

/* Unmap every mapping on @reap from every domain, one IOTLB sync each. */
static void type1_unmap_domains(struct type1_iommu *iommu,
				struct list_head *reap)
{
	struct iommu_iotlb_gather gather;
	struct type1_domain *d;
	struct type1_dma *dma;
	size_t unmapped;

	list_for_each_entry(d, &iommu->domains, node) {
		iommu_iotlb_gather_init(&gather);
		list_for_each_entry(dma, reap, reap) {
			unmapped = iommu_unmap_fast(d->domain, dma->iova,
						    dma->size, &gather);
			WARN_ON_ONCE(unmapped != dma->size);
			cond_resched();
		}
		iommu_iotlb_sync(d->domain, &gather);
	}
}

static void type1_free_reaped(struct list_head *reap)
{
	struct type1_dma *dma, *tmp;

	list_for_each_entry_safe(dma, tmp, reap, reap) {
		list_del(&dma->reap);
		type1_dma_free(dma);
	}
}

/**
 * type1_remove_all_dmas() - unmap, unpin and free every mapping
 * @iommu: the container, with no ioctl running (attach/detach/release)
 */
void type1_remove_all_dmas(struct type1_iommu *iommu)
{
	struct type1_dma *dma, *next;
	LIST_HEAD(reap);

	lockdep_assert_held(&iommu->lock);

	for (dma = type1_dma_first(iommu, 0, U64_MAX); dma; dma = next) {
		next = type1_dma_next(dma);
		WARN_ON(dma->pending);
		type1_dma_remove(iommu, dma);
		list_add_tail(&dma->reap, &reap);
	}
	type1_unmap_domains(iommu, &reap);
	type1_free_reaped(&reap);
}

/* MAP_DMA with VFIO_DMA_MAP_FLAG_VADDR: give an invalidated mapping a vaddr. */
static int type1_update_vaddr(struct type1_iommu *iommu, u64 iova, u64 last,
			      unsigned long vaddr)
{
	struct mm_struct *mm = current->mm;
	struct type1_dma *dma;
	int ret = 0;

	mutex_lock(&iommu->lock);
	dma = type1_dma_first(iommu, iova, last);
	if (!dma) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (!dma->vaddr_invalid || dma->iova != iova ||
	    type1_dma_last(dma) != last) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (dma->mm != mm) {
		/* A new process took over: move the charge to it. */
		ret = type1_account(mm, dma->locked, true);
		if (ret)
			goto out_unlock;
		type1_account(dma->mm, dma->locked, false);
		mmgrab(mm);
		mmdrop(dma->mm);
		dma->mm = mm;
	}
	dma->vaddr = vaddr;
	dma->vaddr_invalid = false;
	iommu->vaddr_invalid_count--;
out_unlock:
	mutex_unlock(&iommu->lock);
	return ret;
}

/* Reserve [iova, last] for a new pending mapping. */
static int type1_dma_reserve(struct type1_iommu *iommu, struct type1_dma *dma)
{
	u64 last = type1_dma_last(dma);
	int ret = 0;

	mutex_lock(&iommu->lock);
	if (type1_dma_first(iommu, dma->iova, last))
		ret = -EEXIST;
	else if (!iommu->dma_avail)
		ret = -ENOSPC;
	else if (!type1_range_valid(iommu, dma->iova, last))
		ret = -EINVAL;
	if (!ret) {
		dma->pending = true;
		type1_dma_insert(iommu, dma);
		iommu->dma_avail--;
	}
	mutex_unlock(&iommu->lock);
	return ret;
}

static int type1_do_map(struct type1_iommu *iommu,
			struct vfio_iommu_type1_dma_map *map)
{
	bool set_vaddr = map->flags & VFIO_DMA_MAP_FLAG_VADDR;
	u64 pgmask = (1ULL << __ffs(iommu->pgsize_bitmap)) - 1;
	struct type1_domain *d;
	struct type1_dma *dma;
	int prot = 0;
	int ret;

	if (map->flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map->flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	if (!prot == !set_vaddr)
		return -EINVAL;

	if (!map->size || (map->size | map->iova | map->vaddr) & pgmask)
		return -EINVAL;
	if (map->iova + map->size - 1 < map->iova ||
	    map->vaddr + map->size - 1 < map->vaddr)
		return -EOVERFLOW;
	if (!current->mm)
		return -EFAULT;

	if (set_vaddr)
		return type1_update_vaddr(iommu, map->iova,
					  map->iova + map->size - 1,
					  map->vaddr);

	dma = kzalloc(sizeof(*dma), GFP_KERNEL_ACCOUNT);
	if (!dma)
		return -ENOMEM;
	dma->iova = map->iova;
	dma->size = map->size;
	dma->vaddr = map->vaddr;
	dma->prot = prot;
	RB_CLEAR_NODE(&dma->node);
	INIT_LIST_HEAD(&dma->reap);

	ret = type1_dma_reserve(iommu, dma);
	if (ret) {
		kfree(dma);
		return ret;
	}
	mmgrab(current->mm);
	dma->mm = current->mm;

	ret = type1_pin_dma(dma);
	if (ret)
		goto out_remove;

	list_for_each_entry(d, &iommu->domains, node) {
		ret = type1_map_dma_domain(dma, d);
		if (ret)
			goto out_unmap;
	}

	mutex_lock(&iommu->lock);
	dma->pending = false;
	mutex_unlock(&iommu->lock);
	return 0;

out_unmap:
	list_for_each_entry_continue_reverse(d, &iommu->domains, node)
		iommu_unmap(d->domain, dma->iova, dma->size);
out_remove:
	mutex_lock(&iommu->lock);
	type1_dma_remove(iommu, dma);
	mutex_unlock(&iommu->lock);
	type1_dma_free(dma);
	return ret;
}

/**
 * type1_ioctl_map_dma() - VFIO_IOMMU_MAP_DMA
 * @iommu: the container
 * @arg: user pointer to struct vfio_iommu_type1_dma_map
 *
 * Return: 0 or a negative errno.
 */
long type1_ioctl_map_dma(struct type1_iommu *iommu, unsigned long arg)
{
	u32 mask = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE |
		   VFIO_DMA_MAP_FLAG_VADDR;
	struct vfio_iommu_type1_dma_map map;
	unsigned long minsz;

	minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	if (copy_from_user(&map, (void __user *)arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz || map.flags & ~mask)
		return -EINVAL;

	return type1_do_map(iommu, &map);
}

/*
 * UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_VADDR: mark the mappings that start in
 * [iova, last] as having no valid vaddr; all or nothing.
 */
static int type1_invalidate_vaddr(struct type1_iommu *iommu, u64 iova,
				  u64 last, u64 *done)
{
	struct type1_dma *dma, *tmp;
	LIST_HEAD(marked);
	int ret = 0;

	lockdep_assert_held(&iommu->lock);

	for (dma = type1_dma_first(iommu, iova, last);
	     dma && dma->iova <= last; dma = type1_dma_next(dma)) {
		if (dma->pending)
			continue;
		if (!iommu->v2 && iova > dma->iova)
			break;
		if (dma->vaddr_invalid) {
			ret = -EINVAL;
			break;
		}
		dma->vaddr_invalid = true;
		iommu->vaddr_invalid_count++;
		list_add_tail(&dma->reap, &marked);
		*done += dma->size;
	}

	/* The list only remembers what to undo if a mapping was invalid. */
	list_for_each_entry_safe(dma, tmp, &marked, reap) {
		if (ret) {
			dma->vaddr_invalid = false;
			iommu->vaddr_invalid_count--;
		}
		list_del_init(&dma->reap);
	}
	if (ret)
		*done = 0;
	return ret;
}

static int type1_do_unmap(struct type1_iommu *iommu,
			  struct vfio_iommu_type1_dma_unmap *unmap,
			  struct vfio_bitmap *bitmap)
{
	u64 pgmask = (1ULL << __ffs(iommu->pgsize_bitmap)) - 1;
	bool all = unmap->flags & VFIO_DMA_UNMAP_FLAG_ALL;
	u64 iova = unmap->iova, last, done = 0;
	struct type1_dma *dma, *next;
	LIST_HEAD(reap);
	int ret = 0;

	if (iova & pgmask)
		return -EINVAL;
	if (all) {
		if (iova || unmap->size)
			return -EINVAL;
		last = U64_MAX;
	} else {
		if (!unmap->size || unmap->size & pgmask ||
		    iova + unmap->size - 1 < iova)
			return -EINVAL;
		last = iova + unmap->size - 1;
	}

	mutex_lock(&iommu->lock);

	if (bitmap && (!iommu->dirty_tracking || bitmap->pgsize != pgmask + 1)) {
		ret = -EINVAL;
		goto out_unlock;
	}

	/* v2 refuses a range that cuts a mapping in two. */
	if (iommu->v2 && !all && type1_range_cuts_dma(iommu, iova, last)) {
		ret = -EINVAL;
		goto out_unlock;
	}

	if (unmap->flags & VFIO_DMA_UNMAP_FLAG_VADDR) {
		ret = type1_invalidate_vaddr(iommu, iova, last, &done);
		goto out_unlock;
	}

	for (dma = type1_dma_first(iommu, iova, last);
	     dma && dma->iova <= last; dma = next) {
		next = type1_dma_next(dma);
		if (dma->pending)
			continue;
		/* v1 unmaps nothing when the range starts inside a mapping. */
		if (!iommu->v2 && iova > dma->iova)
			break;
		if (bitmap) {
			ret = type1_dirty_mark(bitmap->data, dma, iova,
					       __ffs64(bitmap->pgsize));
			if (ret)
				break;
		}
		done += dma->size;
		type1_dma_remove(iommu, dma);
		list_add_tail(&dma->reap, &reap);
	}
	type1_unmap_domains(iommu, &reap);

out_unlock:
	mutex_unlock(&iommu->lock);
	type1_free_reaped(&reap);
	unmap->size = done;
	return ret;
}

/**
 * type1_ioctl_unmap_dma() - VFIO_IOMMU_UNMAP_DMA
 * @iommu: the container
 * @arg: user pointer to struct vfio_iommu_type1_dma_unmap; on success its
 *       size field is set to the number of bytes unmapped
 *
 * Return: 0 or a negative errno.
 */
long type1_ioctl_unmap_dma(struct type1_iommu *iommu, unsigned long arg)
{
	u32 mask = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
		   VFIO_DMA_UNMAP_FLAG_VADDR | VFIO_DMA_UNMAP_FLAG_ALL;
	struct vfio_iommu_type1_dma_unmap unmap;
	struct vfio_bitmap bitmap;
	unsigned long minsz;
	int ret;

	minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	if (copy_from_user(&unmap, (void __user *)arg, minsz))
		return -EFAULT;
	if (unmap.argsz < minsz || unmap.flags & ~mask)
		return -EINVAL;
	if ((unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) &&
	    (unmap.flags & (VFIO_DMA_UNMAP_FLAG_ALL |
			    VFIO_DMA_UNMAP_FLAG_VADDR)))
		return -EINVAL;

	if (!(unmap.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP)) {
		ret = type1_do_unmap(iommu, &unmap, NULL);
	} else {
		if (unmap.argsz < minsz + sizeof(bitmap))
			return -EINVAL;
		if (copy_from_user(&bitmap, (void __user *)arg + minsz,
				   sizeof(bitmap)))
			return -EFAULT;
		ret = type1_check_bitmap(bitmap.pgsize, unmap.size, bitmap.size,
					 bitmap.data);
		if (ret)
			return ret;
		ret = type1_do_unmap(iommu, &unmap, &bitmap);
	}
	if (ret)
		return ret;

	return copy_to_user((void __user *)arg, &unmap, minsz) ? -EFAULT : 0;
}
