// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: mmap() of BARs, faulted in page by page and zapped when the
 * user turns memory decoding off or resets the device.
 *
 * The vma covers [req_start, req_start + req_len) of the BAR, an open
 * range that must lie inside the page-aligned BAR size; vm_pgoff's low
 * (VPCI_OFFSET_SHIFT - PAGE_SHIFT) bits give req_start, so req_start <
 * 2^40 and the sum cannot wrap.  After mmap() vm_pgoff is the BAR's pfn
 * plus the page offset, so a fault at address A maps pfn vm_pgoff +
 * (A - vm_start) / PAGE_SIZE.
 *
 * Every vma of the device is on vma_list from mmap() (or vm_ops->open
 * for a split or a fork) until vm_ops->close; "populated" says it may
 * have PTEs.  A fault inserts its page only while the user has memory
 * decoding enabled and no low power request is engaged (power.c), else
 * SIGBUS.
 *
 * vpci_vma_pfns() gives an IOMMU backend the same answer a fault would,
 * by arithmetic, so a peer device's BAR maps without faulting page by page.
 *
 * Lock order: mmap_lock, then vma_lock, then memory_lock.  To zap, we
 * find a populated vma under vma_lock, drop it to take that mm's
 * mmap_lock, retake vma_lock and zap every populated vma of that mm
 * that is still mapped; repeat until none is left, then take
 * memory_lock for writing before dropping vma_lock, so that no fault
 * can map a page again until the command register write is done.
 */
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "vfio_compat.h"
#include "vfio_pci_priv.h"

/**
 * struct vpci_mmap_vma - one user mapping of a BAR of the device
 * @vma: the mapping
 * @populated: PTEs may exist (vma_lock)
 * @node: link on vfio_pci_dev::vma_list (vma_lock)
 */
struct vpci_mmap_vma {
	struct vm_area_struct *vma;
	bool populated;
	struct list_head node;
};

static struct vpci_mmap_vma *vpci_vma_find(struct vfio_pci_dev *vp,
					   struct vm_area_struct *vma)
{
	struct vpci_mmap_vma *mv;

	lockdep_assert_held(&vp->vma_lock);
	list_for_each_entry(mv, &vp->vma_list, node)
		if (mv->vma == vma)
			return mv;
	return NULL;
}

static int vpci_vma_track(struct vfio_pci_dev *vp, struct vm_area_struct *vma,
			  bool populated)
{
	struct vpci_mmap_vma *mv;

	mv = kmalloc(sizeof(*mv), GFP_KERNEL_ACCOUNT);
	if (!mv)
		return -ENOMEM;
	mv->vma = vma;
	mv->populated = populated;

	mutex_lock(&vp->vma_lock);
	list_add(&mv->node, &vp->vma_list);
	mutex_unlock(&vp->vma_lock);
	return 0;
}

/* A split or a fork made a new vma: it may already have PTEs. */
static void vpci_vma_open(struct vm_area_struct *vma)
{
	struct vfio_pci_dev *vp = vma->vm_private_data;

	if (vpci_vma_track(vp, vma, true)) {
		/* Untracked: make sure it has nothing mapped at least */
		zap_vma_ptes(vma, vma->vm_start, vma->vm_end - vma->vm_start);
	}
}

static void vpci_vma_close(struct vm_area_struct *vma)
{
	struct vfio_pci_dev *vp = vma->vm_private_data;
	struct vpci_mmap_vma *mv;

	mutex_lock(&vp->vma_lock);
	mv = vpci_vma_find(vp, vma);
	if (mv) {
		list_del(&mv->node);
		kfree(mv);
	}
	mutex_unlock(&vp->vma_lock);
}

static vm_fault_t vpci_vma_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vfio_pci_dev *vp = vma->vm_private_data;
	unsigned long pfn;
	struct vpci_mmap_vma *mv;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	pfn = vma->vm_pgoff + ((vmf->address - vma->vm_start) >> PAGE_SHIFT);

	mutex_lock(&vp->vma_lock);
	mv = vpci_vma_find(vp, vma);
	if (!mv)
		goto out_unlock_vma;

	down_read(&vp->memory_lock);
	if (!vp->pm_runtime_engaged && vpci_memory_enabled(vp)) {
		ret = vmf_insert_pfn(vma, vmf->address, pfn);
		mv->populated = true;
	}
	up_read(&vp->memory_lock);
out_unlock_vma:
	mutex_unlock(&vp->vma_lock);
	return ret;
}

static const struct vm_operations_struct vpci_mmap_ops = {
	.open = vpci_vma_open,
	.close = vpci_vma_close,
	.fault = vpci_vma_fault,
};

/* First populated vma whose mm is still alive (mm referenced), or NULL. */
static struct mm_struct *vpci_zap_next_mm(struct vfio_pci_dev *vp)
{
	struct vpci_mmap_vma *mv;

	lockdep_assert_held(&vp->vma_lock);
	list_for_each_entry(mv, &vp->vma_list, node) {
		if (!mv->populated)
			continue;
		if (mmget_not_zero(mv->vma->vm_mm))
			return mv->vma->vm_mm;
		/* The process is exiting: its mappings are going away */
		mv->populated = false;
	}
	return NULL;
}

/* Zap every populated vma of @mm; vma_lock and @mm's mmap_lock held. */
static void vpci_zap_mm_vmas(struct vfio_pci_dev *vp, struct mm_struct *mm)
{
	struct vpci_mmap_vma *mv;

	lockdep_assert_held(&vp->vma_lock);
	mmap_assert_locked(mm);
	list_for_each_entry(mv, &vp->vma_list, node) {
		struct vm_area_struct *vma = mv->vma;

		if (vma->vm_mm != mm || !mv->populated)
			continue;
		/* Skip a vma munmap has already detached */
		if (find_vma(mm, vma->vm_start) == vma)
			zap_vma_ptes(vma, vma->vm_start,
				     vma->vm_end - vma->vm_start);
		mv->populated = false;
	}
}

/**
 * vpci_zap_and_lock_memory() - unmap every BAR mapping, take memory_lock
 * @vp: an open device
 *
 * Returns with memory_lock held for writing and no BAR page mapped in
 * any process; faults wait until memory_lock is released.
 */
void vpci_zap_and_lock_memory(struct vfio_pci_dev *vp)
{
	struct mm_struct *mm;

	for (;;) {
		mutex_lock(&vp->vma_lock);
		mm = vpci_zap_next_mm(vp);
		if (!mm)
			break;
		mutex_unlock(&vp->vma_lock);

		mmap_read_lock(mm);
		mutex_lock(&vp->vma_lock);
		vpci_zap_mm_vmas(vp, mm);
		mutex_unlock(&vp->vma_lock);
		mmap_read_unlock(mm);
		mmput(mm);
	}

	down_write(&vp->memory_lock);
	mutex_unlock(&vp->vma_lock);
}

/**
 * vpci_try_zap_and_lock_vma() - vpci_zap_and_lock_memory() without waiting
 * @vp: a device; for a reset of several devices at once
 *
 * Zaps every BAR mapping of @vp taking each lock with a trylock, so that
 * it can be called with other devices' vma_lock held (a hot reset).
 * Returns with vma_lock held: no fault can map a page again until the
 * caller has taken memory_lock and released vma_lock.
 *
 * Return: 0, or -EBUSY with nothing held when a lock is contended.
 */
int vpci_try_zap_and_lock_vma(struct vfio_pci_dev *vp)
{
	struct mm_struct *mm;

	for (;;) {
		if (!mutex_trylock(&vp->vma_lock))
			return -EBUSY;
		mm = vpci_zap_next_mm(vp);
		if (!mm)
			return 0;
		mutex_unlock(&vp->vma_lock);

		if (!mmap_read_trylock(mm))
			goto err_mmput;
		if (!mutex_trylock(&vp->vma_lock))
			goto err_mmap_unlock;
		vpci_zap_mm_vmas(vp, mm);
		mutex_unlock(&vp->vma_lock);
		mmap_read_unlock(mm);
		mmput(mm);
	}

err_mmap_unlock:
	mmap_read_unlock(mm);
err_mmput:
	mmput(mm);
	return -EBUSY;
}

/**
 * vpci_vma_pfns() - the BAR frames behind one of our vmas, by arithmetic
 * @vdev: the device whose file @vma maps
 * @vma: a vma, its mm's mmap_lock held
 * @addr: an address in @vma
 * @pfn: set to the frame a fault at @addr would insert
 * @npages: set to the frames from @addr to the end of @vma
 *
 * Answers what the fault handler would do, without inserting anything:
 * the BAR is contiguous, so the whole rest of the vma is one run.
 *
 * Return: 0, -ENODEV if @vma is not a BAR mapping of ours, or -EFAULT
 * while the user has memory decoding disabled or a low power request is
 * engaged (a fault would SIGBUS).
 */
int vpci_vma_pfns(struct vfio_device *vdev, struct vm_area_struct *vma,
		  unsigned long addr, unsigned long *pfn,
		  unsigned long *npages)
{
	struct vfio_pci_dev *vp = to_vpci(vdev);
	int ret = 0;

	if (vma->vm_ops != &vpci_mmap_ops || vma->vm_private_data != vp)
		return -ENODEV;
	if (addr < vma->vm_start || addr >= vma->vm_end)
		return -EFAULT;

	down_read(&vp->memory_lock);
	if (!vp->pm_runtime_engaged && vpci_memory_enabled(vp)) {
		*pfn = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
		*npages = (vma->vm_end - addr) >> PAGE_SHIFT;
	} else {
		ret = -EFAULT;
	}
	up_read(&vp->memory_lock);
	return ret;
}

int vpci_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	struct vfio_pci_dev *vp = to_vpci(vdev);
	struct pci_dev *pdev = vp->pdev;
	unsigned long index, pgoff, req_len;
	u64 req_start, phys_len;
	int ret;

	index = vma->vm_pgoff >> (VPCI_OFFSET_SHIFT - PAGE_SHIFT);
	if (index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	if (vma->vm_end < vma->vm_start)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (index >= VFIO_PCI_ROM_REGION_INDEX)
		return -EINVAL;
	if (!vp->bar_mmap_ok[index])
		return -EINVAL;

	phys_len = PAGE_ALIGN(pci_resource_len(pdev, index));
	req_len = vma->vm_end - vma->vm_start;
	pgoff = vma->vm_pgoff &
		((1UL << (VPCI_OFFSET_SHIFT - PAGE_SHIFT)) - 1);
	req_start = (u64)pgoff << PAGE_SHIFT;
	if (req_start + req_len > phys_len)
		return -EINVAL;

	/* Claim the BAR so no other driver maps it behind our back. */
	ret = vpci_bar_map(vp, index);
	if (ret)
		return ret;

	ret = vpci_vma_track(vp, vma, false);
	if (ret)
		return ret;

	vma->vm_private_data = vp;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_pgoff = (pci_resource_start(pdev, index) >> PAGE_SHIFT) +
			pgoff;
	vfio_compat_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND |
				      VM_DONTDUMP);
	vma->vm_ops = &vpci_mmap_ops;
	return 0;
}
