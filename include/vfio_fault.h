/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Keeping injected faults out of kernel calls that cannot cope with them.
 *
 * The fail-nth sweep (tests/uapi/vfio_failnth_test.c) makes the n-th
 * fault-injection point a task reaches fail (/proc/<pid>/task/<tid>/
 * fail-nth).  A few calls of the kernel that our modules make allocate
 * memory but cannot report a failure, and break when one is injected:
 *  - iommu_detach_group() and iommu_group_release_dma_owner() put a
 *    group back into its default domain; if the IOMMU driver cannot
 *    allocate what that takes, the 6.1 core WARNs and leaves the group
 *    in the old (soon freed) domain, so every later owner gets EBUSY;
 *  - request_irq() creates /proc/irq/<n>/ and ignores a failure to
 *    create its entries, after which free_irq() WARNs removing the
 *    missing ones;
 *  - pci_enable_device() and pci_disable_device() evaluate ACPI _PRT on
 *    x86, and an allocation failing inside ACPICA's interpreter leaves
 *    its reference counts wrong: a use-after-free (KASAN) follows.
 * Our modules make these calls with the task's fail-nth count held:
 * vfio_fail_nth_hold() before, vfio_fail_nth_resume() after.  The count
 * goes on after the call, so every point of ours is still reached, and
 * the points inside these kernel calls are never counted.  Only fail-nth
 * is held: a fault_attr's probability still applies.  Without
 * CONFIG_FAULT_INJECTION both compile to nothing.
 */
#ifndef VFIO_FAULT_H
#define VFIO_FAULT_H

#include <linux/compiler.h>
#include <linux/sched.h>

/* Returns the task's fail-nth count and sets it to 0 (off). */
static inline unsigned int vfio_fail_nth_hold(void)
{
#ifdef CONFIG_FAULT_INJECTION
	unsigned int nth = READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return nth;
#else
	return 0;
#endif
}

/* Gives back the count vfio_fail_nth_hold() returned. */
static inline void vfio_fail_nth_resume(unsigned int nth)
{
#ifdef CONFIG_FAULT_INJECTION
	if (nth)
		WRITE_ONCE(current->fail_nth, nth);
#endif
}

#endif /* VFIO_FAULT_H */
