// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device memory in a mapping: user ranges that are VM_PFNMAP vmas (another
 * device's BAR mmap()ed by its driver), which GUP refuses.
 *
 * Their frames have no struct page: they are recorded as MMIO runs, never
 * pinned, never charged to locked_vm and never unpinned.  Two ways to find
 * them, both under the owner's mmap_lock so the vma cannot change:
 *   - a vma of a vfio device file: the driver computes the frames
 *     (vfio_device_vma_pfns()), one call for the whole rest of the vma, as
 *     a BAR is physically contiguous;
 *   - any other VM_PFNMAP vma: the page table, faulting each page in first
 *     if needed.
 * A writable mapping needs a writable vma.  Ranges: [addr, addr + n pages)
 * lies inside the user range the caller checked for wrap-around.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include "type1_priv.h"
#include "vfio_backend_api.h"
#include "vfio_compat.h"

/* Frames one page-table walk resolves before mmap_lock is let go again. */
#define TYPE1_PFNMAP_WALK_MAX	512UL

/* The page-table walk, faulting pages in; returns frames recorded or errno. */
static long type1_walk_pfnmap(struct type1_dma *dma,
			      struct vm_area_struct *vma, unsigned long addr,
			      unsigned long n)
{
	unsigned int fault_flags = 0;
	unsigned long i, pfn;
	bool writable;
	int ret;

	if (dma->prot & IOMMU_WRITE)
		fault_flags |= FAULT_FLAG_WRITE;

	for (i = 0; i < n; i++, addr += PAGE_SIZE) {
		/* Without "unlocked", the fault keeps mmap_lock held. */
		if (vfio_compat_follow_pfn(vma, addr, &pfn, &writable) &&
		    (fixup_user_fault(dma->mm, addr, fault_flags, NULL) ||
		     vfio_compat_follow_pfn(vma, addr, &pfn, &writable)))
			break;
		if ((fault_flags & FAULT_FLAG_WRITE) && !writable)
			break;
		ret = type1_add_pfn(dma, pfn, true);
		if (ret)
			return ret;
	}
	return i ? i : -EFAULT;
}

/**
 * type1_follow_pfnmap() - record the device memory at a user address
 * @dma: the mapping being pinned
 * @addr: the user address of the next IOVA of @dma
 * @n: frames still wanted from @addr on
 *
 * Looks at the vma first, so that type1_pin_dma() can try this before GUP:
 * an address outside any VM_PFNMAP vma is left to GUP (return 0) without
 * reaching the fail_pin point, which counts one lookup of device memory.
 * A vfio device's vma is recorded to its end (or @n) at once; any other is
 * walked at most TYPE1_PFNMAP_WALK_MAX pages per call.
 *
 * Return: how many frames (1..@n) were recorded as MMIO runs, 0 if @addr
 * is not in a VM_PFNMAP vma (nothing recorded), -EFAULT if that vma is
 * read-only while @dma is writable or the memory cannot be accessed now;
 * -ENOMEM; -ESRCH if the owner's address space is gone.
 */
long type1_follow_pfnmap(struct type1_dma *dma, unsigned long addr,
			 unsigned long n)
{
	struct mm_struct *mm = dma->mm;
	struct vm_area_struct *vma;
	unsigned long pfn, run;
	long ret;

	if (!mmget_not_zero(mm))
		return -ESRCH;
	mmap_read_lock(mm);

	vma = vma_lookup(mm, addr);
	if (!vma || !(vma->vm_flags & VM_PFNMAP)) {
		ret = 0;
		goto out_unlock;
	}
	if (type1_fail_pin()) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	if ((dma->prot & IOMMU_WRITE) && !(vma->vm_flags & VM_WRITE)) {
		ret = -EFAULT;
		goto out_unlock;
	}
	n = min(n, (vma->vm_end - addr) >> PAGE_SHIFT);

	ret = vfio_device_vma_pfns(vma, addr, &pfn, &run);
	if (!ret) {
		run = min(n, run);
		ret = type1_add_run(dma, pfn, run, true);
		if (!ret)
			ret = run;
	} else if (ret == -ENODEV) {
		ret = type1_walk_pfnmap(dma, vma, addr,
					min(n, TYPE1_PFNMAP_WALK_MAX));
	}

out_unlock:
	mmap_read_unlock(mm);
	mmput(mm);
	return ret;
}
