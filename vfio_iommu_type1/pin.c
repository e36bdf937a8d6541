// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pinning the user memory behind a mapping and charging it to locked_vm.
 *
 * A mapping's pages are pinned once, in batches of one page worth of page
 * pointers, and recorded as runs of physically contiguous frames in IOVA
 * order: the runs are what gets programmed into each IOMMU domain and what
 * gets unpinned, so no path ever walks an IOMMU page table page by page.
 *
 * Pages are pinned with pin_user_pages_fast(): MAP_DMA is the only caller
 * and pins from its own caller's address space (type1_dma::mm is always
 * current->mm there), which lets GUP take whole huge PMDs at once.
 *
 * Accounting: only pinned RAM pages are charged to the owner's locked_vm,
 * with one account_locked_vm() per pinned batch (one mmap_write_lock per
 * batch, never per page or per contiguous run), after the batch is pinned
 * and recorded.  The charge fails with -ENOMEM as soon as the pages pinned
 * so far exceed the caller's RLIMIT_MEMLOCK (CAP_IPC_LOCK exempts it; the
 * check is account_locked_vm()'s); the whole mapping is then unwound.
 * Frames of VM_PFNMAP mappings (device memory: no struct page, nothing
 * pinned, see pfnmap.c) are never charged, so mapping a large peer BAR
 * needs no locked-memory headroom.  type1_dma::locked always equals what
 * is charged: once a mapping is complete it is pinned - mmio; every
 * release (unmap, close, a failed MAP_DMA) uncharges exactly that, with
 * one call.  If the owner's address space is gone, the uncharge is
 * skipped: its locked_vm died with it.  Sizes are in pages; the callers
 * have checked that the user range does not wrap.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "type1_priv.h"

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
 * type1_add_run() - append physically contiguous frames to a mapping's runs
 * @dma: the mapping being pinned
 * @pfn: the frame at the next IOVA
 * @n: how many frames from @pfn on, at consecutive IOVAs
 * @mmio: the frames are device memory (not pinned, not charged)
 *
 * Extends the last run when @pfn follows it physically and is of the same
 * kind, else starts a new run (and a new chunk when the last one is full:
 * sized for the pages of @dma still to come, at most a page).  A run holds
 * at most UINT_MAX frames.
 *
 * Return: 0, or -ENOMEM with the frames recorded so far (dma->pinned tells
 * how many) kept.
 */
int type1_add_run(struct type1_dma *dma, unsigned long pfn, unsigned long n,
		  bool mmio)
{
	struct type1_run_chunk *chunk;
	struct type1_run *run;
	unsigned long take;

	while (n) {
		chunk = dma->last_chunk;
		if (chunk && chunk->nr) {
			run = &chunk->runs[chunk->nr - 1];
			if (run->pfn + run->npages == pfn &&
			    run->mmio == mmio && run->npages < UINT_MAX) {
				take = min_t(unsigned long, n,
					     UINT_MAX - run->npages);
				run->npages += take;
				goto count;
			}
		}
		if (!chunk || chunk->nr == chunk->cap) {
			unsigned long left = (dma->size >> PAGE_SHIFT) -
					     dma->pinned;
			unsigned long cap = clamp(left, 1UL,
						  TYPE1_RUNS_PER_CHUNK);

			chunk = kmalloc(struct_size(chunk, runs, cap),
					GFP_KERNEL_ACCOUNT);
			if (!chunk)
				return -ENOMEM;
			chunk->next = NULL;
			chunk->nr = 0;
			chunk->cap = cap;
			if (dma->last_chunk)
				dma->last_chunk->next = chunk;
			else
				dma->first = chunk;
			dma->last_chunk = chunk;
		}
		take = min_t(unsigned long, n, UINT_MAX);
		run = &chunk->runs[chunk->nr++];
		run->pfn = pfn;
		run->npages = take;
		run->mmio = mmio;
count:
		dma->pinned += take;
		if (mmio)
			dma->mmio += take;
		pfn += take;
		n -= take;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(type1_add_run);

/*
 * Record @n pinned pages, a physically contiguous stretch at a time; on
 * failure the ones not recorded are unpinned.
 */
static int type1_add_pages(struct type1_dma *dma, struct page **pages,
			   long n)
{
	unsigned long pfn, before;
	long i, j;
	int ret;

	for (i = 0; i < n; i = j) {
		pfn = page_to_pfn(pages[i]);
		for (j = i + 1; j < n; j++)
			if (page_to_pfn(pages[j]) != pfn + (j - i))
				break;
		before = dma->pinned;
		ret = type1_add_run(dma, pfn, j - i, false);
		if (ret) {
			i += dma->pinned - before;
			unpin_user_pages(pages + i, n - i);
			return ret;
		}
	}
	return 0;
}

/*
 * Pin and record one batch of at most TYPE1_PIN_BATCH pages from @addr into
 * @pages, then charge them.  Returns pages pinned or a negative errno
 * (-EFAULT where GUP refuses the memory, e.g. a VM_PFNMAP vma).
 */
static long type1_pin_batch(struct type1_dma *dma, unsigned long addr,
			    unsigned long n, unsigned int gup_flags,
			    struct page **pages)
{
	long got;
	int ret;

	if (type1_fail_pin())
		return -ENOMEM;
	got = pin_user_pages_fast(addr, n, gup_flags, pages);
	if (got <= 0)
		return got ? got : -EFAULT;
	ret = type1_add_pages(dma, pages, got);
	if (ret)
		return ret;
	/* Recorded first: the caller's unwind releases them. */
	ret = type1_account(dma->mm, got, true);
	if (ret)
		return ret;
	dma->locked += got;
	return got;
}

/**
 * type1_pin_dma() - pin and charge the user memory behind a mapping
 * @dma: a mapping with @vaddr, @size, @prot and @mm set and nothing pinned;
 *       @mm must be the caller's own address space
 *
 * The range may cross vmas of both kinds.  Where the last step ended at a
 * vma boundary (at the start, and after device memory) the vma decides:
 * type1_follow_pfnmap() records a VM_PFNMAP one without a GUP attempt that
 * would fail on it (and with no page-pointer array: that is only
 * allocated once GUP is needed); elsewhere GUP pins batch after batch
 * until it refuses an address, which then must be device memory.
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
	struct page **pages = NULL;
	bool look = true;
	long got;
	int ret;

	/* GUP fast pins from current->mm only; MAP_DMA guarantees it. */
	if (WARN_ON_ONCE(dma->mm != current->mm))
		return -EFAULT;
	if (dma->prot & IOMMU_WRITE)
		gup_flags |= FOLL_WRITE;

	while (done < npages) {
		addr = dma->vaddr + (done << PAGE_SHIFT);
		if (look) {
			/* Device memory: a BAR goes in one call, not by batch */
			got = type1_follow_pfnmap(dma, addr, npages - done);
			if (got < 0) {
				ret = got;
				goto out_unpin;
			}
			if (got) {
				done += got;
				cond_resched();
				continue;
			}
			look = false;
		}
		n = min_t(unsigned long, npages - done, TYPE1_PIN_BATCH);
		/* A small mapping needs no full page of pointers. */
		if (!pages) {
			pages = kmalloc_array(min_t(unsigned long, npages,
						    TYPE1_PIN_BATCH),
					      sizeof(*pages), GFP_KERNEL);
			if (!pages) {
				ret = -ENOMEM;
				goto out_unpin;
			}
		}
		got = type1_pin_batch(dma, addr, n, gup_flags, pages);
		if (got == -EFAULT) {
			/* GUP stopped at a vma it refuses: look at that one */
			look = true;
			got = type1_follow_pfnmap(dma, addr, npages - done);
			if (!got)
				got = -EFAULT;
		}
		if (got < 0) {
			ret = got;
			goto out_unpin;
		}
		done += got;
		cond_resched();
	}
	kfree(pages);
	WARN_ON_ONCE(dma->locked != dma->pinned - dma->mmio);
	return 0;

out_unpin:
	kfree(pages);
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
