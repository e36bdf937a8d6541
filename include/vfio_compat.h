/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-API differences between the kernels the modules build for.
 *
 * scripts/conftest.sh compiles a small probe per difference against the
 * target kernel and writes include/generated/vfio_compat_conftest.h, one
 * VFIO_COMPAT_HAVE_<X> define per feature found.  This header turns those
 * into one small wrapper per difference; the module code calls the
 * wrappers and never tests a kernel version.  Each wrapper names the
 * kernel release and the upstream change that made it necessary; the
 * probes are listed in Documentation/compat.rst.
 *
 * Differences that need no wrapper:
 *  - no_llseek was removed in 6.12 ("fs: remove no_llseek"): our
 *    file_operations leave .llseek NULL, which makes lseek() fail with
 *    -ESPIPE on every kernel (VFIO_COMPAT_HAVE_NO_LLSEEK is still probed).
 */
#ifndef VFIO_COMPAT_H
#define VFIO_COMPAT_H

/*
 * The top-level Makefile generates it; a build straight from the tree (as
 * dkms does) must first run, from the tree's top directory:
 *   scripts/conftest.sh <KDIR> include/generated/vfio_compat_conftest.h
 * sparse, which runs after the compiler, has no __has_include.
 */
#ifdef __has_include
#if !__has_include("vfio_compat_conftest.h")
#error "vfio_compat_conftest.h missing: run scripts/conftest.sh as said above"
#endif
#endif
#include "vfio_compat_conftest.h"

#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/string.h>

/*
 * 6.2, "driver core: make struct class.devnode() take a const *": use as
 * the qualifier of a devnode callback's device argument.
 */
#ifdef VFIO_COMPAT_HAVE_CLASS_DEVNODE_CONST
#define VFIO_COMPAT_DEVNODE_CONST const
#else
#define VFIO_COMPAT_DEVNODE_CONST
#endif

/* 6.4, "driver core: class: remove module * from class_create()" */
static inline struct class *vfio_compat_class_create(const char *name)
{
#ifdef VFIO_COMPAT_HAVE_CLASS_CREATE_NO_OWNER
	return class_create(name);
#else
	return class_create(THIS_MODULE, name);
#endif
}

/* 6.8, "eventfd: simplify eventfd_signal()": the count (always 1) went. */
static inline void vfio_compat_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef VFIO_COMPAT_HAVE_EVENTFD_SIGNAL_NO_COUNT
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * 6.12, "introduce fd_file(), convert all accessors to it": struct fd
 * lost its file member.  Evaluates to the file of @f, NULL if fdget()
 * found none.
 */
#ifdef VFIO_COMPAT_HAVE_FD_FILE
#define vfio_compat_fd_file(f) fd_file(f)
#else
#define vfio_compat_fd_file(f) ((f).file)
#endif

/*
 * 6.3, "mm: introduce vma->vm_flags wrapper functions": vm_flags became
 * read-only; writers must go through vm_flags_set() and friends.
 */
static inline void vfio_compat_vm_flags_set(struct vm_area_struct *vma,
					    unsigned long flags)
{
#ifdef VFIO_COMPAT_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/**
 * vfio_compat_follow_pfn() - read the frame mapped at a user address
 * @vma: the VM_PFNMAP/VM_IO vma holding @addr; mmap_lock held
 * @addr: the user address
 * @pfn: set to the frame number
 * @writable: set to whether the mapping is writable
 *
 * 6.10, "mm: pass VMA instead of MM to follow_pte()", then 6.12, "mm: new
 * follow_pfnmap API" and "mm: remove follow_pte()": the page table walk
 * takes the vma, then became follow_pfnmap_start()/follow_pfnmap_end().
 *
 * Return: 0, or -EINVAL if nothing is mapped at @addr (fault it in and
 * retry).
 */
static inline int vfio_compat_follow_pfn(struct vm_area_struct *vma,
					 unsigned long addr,
					 unsigned long *pfn, bool *writable)
{
#ifdef VFIO_COMPAT_HAVE_FOLLOW_PFNMAP_START
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };
	int ret;

	ret = follow_pfnmap_start(&args);
	if (ret)
		return ret;
	*pfn = args.pfn;
	*writable = args.writable;
	follow_pfnmap_end(&args);
	return 0;
#else
	spinlock_t *ptl;	/* the page table lock follow_pte() takes */
	pte_t *ptep;
	int ret;

#ifdef VFIO_COMPAT_HAVE_FOLLOW_PTE_VMA
	ret = follow_pte(vma, addr, &ptep, &ptl);
#else
	ret = follow_pte(vma->vm_mm, addr, &ptep, &ptl);
#endif
	if (ret)
		return ret;
	__acquire(ptl);		/* follow_pte() returned with it held */
	*writable = pte_write(*ptep);
	*pfn = pte_pfn(*ptep);
	pte_unmap_unlock(ptep, ptl);
	return 0;
#endif
}

/* 6.3, "iommu: Add a gfp parameter to iommu_map()" */
static inline int vfio_compat_iommu_map(struct iommu_domain *domain,
					unsigned long iova, phys_addr_t paddr,
					size_t size, int prot, gfp_t gfp)
{
#ifdef VFIO_COMPAT_HAVE_IOMMU_MAP_GFP
	return iommu_map(domain, iova, paddr, size, prot, gfp);
#else
	return iommu_map(domain, iova, paddr, size, prot);
#endif
}

/**
 * vfio_compat_domain_alloc() - allocate an unmanaged paging domain
 * @dev: a device the domain will be attached to
 *
 * 6.11, "iommu: Add iommu_paging_domain_alloc() interface": domains are
 * allocated for a device's IOMMU instead of a bus (iommu_domain_alloc()
 * is gone in 6.13).
 *
 * Return: the domain, or NULL if none could be allocated.
 */
static inline struct iommu_domain *vfio_compat_domain_alloc(struct device *dev)
{
#ifdef VFIO_COMPAT_HAVE_IOMMU_PAGING_DOMAIN_ALLOC
	struct iommu_domain *domain = iommu_paging_domain_alloc(dev);

	return IS_ERR(domain) ? NULL : domain;
#else
	return iommu_domain_alloc(dev->bus);
#endif
}

/*
 * 6.13, "iommu/vfio: Remove VFIO_TYPE1_NESTING_IOMMU": the IOMMU layer no
 * longer offers nesting to type1; refuse it there.
 */
static inline int vfio_compat_enable_nesting(struct iommu_domain *domain)
{
#ifdef VFIO_COMPAT_HAVE_IOMMU_ENABLE_NESTING
	return iommu_enable_nesting(domain);
#else
	return -EOPNOTSUPP;
#endif
}

/**
 * vfio_compat_dev_has_isolated_msi() - can the device's MSIs reach only
 * its own interrupts?
 * @dev: the device
 *
 * 6.3, "genirq/msi: Add msi_device_has_isolated_msi()", "iommu: Remove
 * IOMMU_CAP_INTR_REMAP" and "irq: Remove unused
 * irq_domain_check_msi_remap() code": the IOMMU capability and the global
 * irq-domain test became one per-device test of the MSI domain.
 *
 * Return: true with interrupt remapping (or an isolating MSI controller).
 */
static inline bool vfio_compat_dev_has_isolated_msi(struct device *dev)
{
#ifdef VFIO_COMPAT_HAVE_MSI_DEVICE_HAS_ISOLATED_MSI
	return msi_device_has_isolated_msi(dev);
#else
	return device_iommu_capable(dev, IOMMU_CAP_INTR_REMAP);
#endif
}

/**
 * vfio_compat_msi_isolated_globally() - does every MSI controller isolate
 * devices, whatever IOMMU they are behind?
 *
 * Before 6.3 (see vfio_compat_dev_has_isolated_msi()) this was a separate,
 * global test of the irq domains, which takes irq_domain_mutex: call it
 * without any IOMMU group lock held, since the IOMMU drivers take the group
 * mutex inside irq_domain_mutex.  From 6.3 on the per-device test covers it.
 *
 * Return: true if all MSIs are isolated whatever the device.
 */
static inline bool vfio_compat_msi_isolated_globally(void)
{
#ifdef VFIO_COMPAT_HAVE_MSI_DEVICE_HAS_ISOLATED_MSI
	return false;
#else
	return irq_domain_check_msi_remap();
#endif
}

/*
 * 6.13, "module: Convert symbol namespace to string literal": takes the
 * namespace as a bare identifier on every kernel.
 */
#ifdef VFIO_COMPAT_HAVE_MODULE_IMPORT_NS_STRING
#define VFIO_COMPAT_MODULE_IMPORT_NS(ns) MODULE_IMPORT_NS(__stringify(ns))
#else
#define VFIO_COMPAT_MODULE_IMPORT_NS(ns) MODULE_IMPORT_NS(ns)
#endif

/*
 * Driver core, "generic driver_override infrastructure" (backported into
 * Debian's 6.12.y): the override string moved from struct pci_dev into
 * struct device.  Sets @pdev's driver_override to @name.
 */
static inline int vfio_compat_set_driver_override(struct pci_dev *pdev,
						  const char *name)
{
#ifdef VFIO_COMPAT_HAVE_DEVICE_SET_DRIVER_OVERRIDE
	return device_set_driver_override(&pdev->dev, name);
#else
	return driver_set_override(&pdev->dev, &pdev->driver_override, name,
				   strlen(name));
#endif
}

#endif /* VFIO_COMPAT_H */
