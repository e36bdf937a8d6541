// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pinning the user memory behind a mapping and charging it to locked_vm.
 *
 * A mapping's pages are pinned once, in batches of one page worth of page
 * pointers, and recorded as runs of physically contiguous frames in IOVA
 * order: the runs are what gets programmed into each IOMMU domain and what
 * gets unpinned, so no path ever walks an IOMMU page table page by page.
 *
 * Accounting: the whole mapping is charged to the owner's locked_vm with
 * one account_locked_vm() call before pinning (one mmap_write_lock per
 * MAP_DMA, the RLIMIT_MEMLOCK/CAP_IPC_LOCK check of the calling task) and
 * uncharged with one call when the pages are released.  Frames of
 * VM_PFNMAP mappings (device memory: no struct page, nothing pinned) are
 * uncharged again once the mapping is complete.  type1_dma::locked always
 * equals what is charged, so nothing is charged twice or leaked.  If the
 * owner's address space is gone, the uncharge is skipped: its locked_vm
 * died with it.  Sizes are in pages; the callers have checked that the
 * user range does not wrap.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "type1_priv.h"
#include "vfio_compat.h"

#define TYPE1_PIN_BATCH (PAGE_SIZE / sizeof(struct page *))

/**
 * type1_account() - charge or uncharge pages to an mm's locked_vm
 * @mm: the owner (mmgrab()ed by the caller)
 * @npages: pages to charge or uncharge
 * @inc: true to charge (checked against the caller's RLIMIT_MEMLOCK)
 *
 * Return: 0, -ENOMEM over the limit, or -ESRCH when charging an mm whose
 * process has exited.  Uncharging never fails.
 */
int type1_account(struct mm_struct *mm, unsigned long npages, bool inc)
{
	int ret;

	if (!npages)
		return 0;
	if (!mmget_not_zero(mm))
		return inc ? -ESRCH : 0;
	ret = account_locked_vm(mm, npages, inc);
	mmput(mm);
	return ret;
}

/**
 * type1_add_pfn() - append one frame to a mapping's runs
 * @dma: the mapping being pinned
 * @pfn: the frame at the next IOVA
 * @mmio: @pfn is device memory (not pinned, not charged)
 *
 * Extends the last run when @pfn follows it physically and is of the same
 * kind, else starts a new run (and a new chunk when the last one is full).
 *
 * Return: 0 or -ENOMEM.
 */
VISIBLE_IF_KUNIT int type1_add_pfn(struct type1_dma *dma, unsigned long pfn, bool mmio)
{
	struct type1_run_chunk *chunk = dma->last_chunk;
	struct type1_run *run;

	if (chunk && chunk->nr) {
		run = &chunk->runs[chunk->nr - 1];
		if (run->pfn + run->npages == pfn && run->mmio == mmio &&
		    run->npages < UINT_MAX) {
			run->npages++;
			goto out_count;
		}
	}
	if (!chunk || chunk->nr == TYPE1_RUNS_PER_CHUNK) {
		chunk = kzalloc(sizeof(*chunk), GFP_KERNEL_ACCOUNT);
		if (!chunk)
			return -ENOMEM;
		if (dma->last_chunk)
			dma->last_chunk->next = chunk;
		else
			dma->first = chunk;
		dma->last_chunk = chunk;
	}
	run = &chunk->runs[chunk->nr++];
	run->pfn = pfn;
	run->npages = 1;
	run->mmio = mmio;
out_count:
	dma->pinned++;
	if (mmio)
		dma->mmio++;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(type1_add_pfn);

/* Record @n pinned pages; on failure the ones not recorded are unpinned. */
static int type1_add_pages(struct type1_dma *dma, struct page **pages,
			   long n)
{
	long i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = type1_add_pfn(dma, page_to_pfn(pages[i]), false);
		if (ret) {
			unpin_user_pages(pages + i, n - i);
			return ret;
		}
	}
	return 0;
}

/*
 * GUP refuses VM_PFNMAP mappings (device memory such as another device's
 * BAR, mapped by its driver).  Resolve up to @n of their frames from the
 * page table, faulting them in first if needed, and record them as MMIO
 * runs.  Returns how many frames were recorded, or an errno (-EFAULT if
 * @addr is not in such a mapping, or is read-only while @dma is writable).
 */
static long type1_follow_pfnmap(struct type1_dma *dma, unsigned long addr,
				unsigned long n)
{
	unsigned int fault_flags = 0;
	struct mm_struct *mm = dma->mm;
	struct vm_area_struct *vma;
	unsigned long i, pfn;
	bool writable;
	long ret = 0;

	if (dma->prot & IOMMU_WRITE)
		fault_flags |= FAULT_FLAG_WRITE;
	if (!mmget_not_zero(mm))
		return -ESRCH;
	mmap_read_lock(mm);

	vma = vma_lookup(mm, addr);
	if (!vma || !(vma->vm_flags & VM_PFNMAP)) {
		ret = -EFAULT;
		goto out_unlock;
	}
	n = min(n, (vma->vm_end - addr) >> PAGE_SHIFT);

	for (i = 0; i < n; i++, addr += PAGE_SIZE) {
		/* Without "unlocked", the fault keeps mmap_lock held. */
		if (vfio_compat_follow_pfn(vma, addr, &pfn, &writable) &&
		    (fixup_user_fault(mm, addr, fault_flags, NULL) ||
		     vfio_compat_follow_pfn(vma, addr, &pfn, &writable)))
			break;
		if ((fault_flags & FAULT_FLAG_WRITE) && !writable)
			break;
		ret = type1_add_pfn(dma, pfn, true);
		if (ret)
			goto out_unlock;
	}
	ret = i ? i : -EFAULT;

out_unlock:
	mmap_read_unlock(mm);
	mmput(mm);
	return ret;
}

/* Pin up to @n pages at @addr of @mm; returns how many, or an errno. */
static long type1_pin_batch(struct mm_struct *mm, unsigned long addr,
			    unsigned long n, unsigned int gup_flags,
			    struct page **pages)
{
	long got;

	if (mm == current->mm)
		return pin_user_pages_fast(addr, n, gup_flags, pages);

	if (!mmget_not_zero(mm))
		return -ESRCH;
	mmap_read_lock(mm);
	got = vfio_compat_pin_user_pages_remote(mm, addr, n, gup_flags, pages,
						NULL);
	mmap_read_unlock(mm);
	mmput(mm);
	return got;
}

/**
 * type1_pin_dma() - pin and charge the user memory behind a mapping
 * @dma: a mapping with @vaddr, @size, @prot and @mm set and nothing pinned
 *
 * On failure nothing stays pinned or charged.
 *
 * Return: 0, -ENOMEM (memlock limit or allocation), -EFAULT (memory that
 * can be neither pinned nor followed as VM_PFNMAP) or another pin error.
 */
int type1_pin_dma(struct type1_dma *dma)
{
	unsigned long npages = dma->size >> PAGE_SHIFT;
	unsigned int gup_flags = FOLL_LONGTERM;
	unsigned long done = 0, addr, n;
	struct page **pages;
	long got;
	int ret;

	if (dma->prot & IOMMU_WRITE)
		gup_flags |= FOLL_WRITE;

	ret = type1_account(dma->mm, npages, true);
	if (ret)
		return ret;
	dma->locked = npages;

	pages = (struct page **)__get_free_page(GFP_KERNEL);
	if (!pages) {
		ret = -ENOMEM;
		goto out_unpin;
	}

	while (done < npages) {
		addr = dma->vaddr + (done << PAGE_SHIFT);
		n = min_t(unsigned long, npages - done, TYPE1_PIN_BATCH);
		got = type1_pin_batch(dma->mm, addr, n, gup_flags, pages);
		if (got == -EFAULT) {
			got = type1_follow_pfnmap(dma, addr, n);
		} else if (got > 0) {
			ret = type1_add_pages(dma, pages, got);
			if (ret)
				goto out_free_batch;
		}
		if (got <= 0) {
			ret = got ? got : -EFAULT;
			goto out_free_batch;
		}
		done += got;
		cond_resched();
	}
	free_page((unsigned long)pages);

	/* Device memory is not locked RAM: give its share of the charge back. */
	type1_account(dma->mm, dma->mmio, false);
	dma->locked -= dma->mmio;
	return 0;

out_free_batch:
	free_page((unsigned long)pages);
out_unpin:
	type1_unpin_dma(dma);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(type1_pin_dma);

/**
 * type1_unpin_dma() - release every page of a mapping and uncharge it
 * @dma: a mapping no IOMMU domain translates to any more
 *
 * Pages of a writable mapping are marked dirty.  Never fails.
 */
void type1_unpin_dma(struct type1_dma *dma)
{
	bool dirty = dma->prot & IOMMU_WRITE;
	struct type1_run_chunk *chunk, *next;
	struct type1_run *run;
	unsigned long i;

	for (chunk = dma->first; chunk; chunk = next) {
		for (i = 0; i < chunk->nr; i++) {
			run = &chunk->runs[i];
			if (run->mmio)
				continue;
			unpin_user_page_range_dirty_lock(pfn_to_page(run->pfn),
							 run->npages, dirty);
			cond_resched();
		}
		next = chunk->next;
		kfree(chunk);
	}
	dma->first = NULL;
	dma->last_chunk = NULL;
	dma->pinned = 0;
	dma->mmio = 0;

	type1_account(dma->mm, dma->locked, false);
	dma->locked = 0;
}
EXPORT_SYMBOL_IF_KUNIT(type1_unpin_dma);
