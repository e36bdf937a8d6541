// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault-injection points of vfio_iommu_type1, built only for kernels with
 * CONFIG_FAULT_INJECTION (elsewhere type1_priv.h makes each hook an inline
 * "false" that costs nothing).
 *
 * Every allocation and user copy of an ioctl can already be made to fail
 * through failslab, fail_page_alloc and fail_usercopy.  Two steps of
 * MAP_DMA (and of the replay into a new domain) fail for other reasons,
 * which those never reach:
 *   fail_pin        one pin_user_pages_fast() batch, or one lookup of
 *                   device memory (VM_PFNMAP), records nothing: -ENOMEM
 *   fail_iommu_map  one iommu_map() of a run into a domain: -ENOMEM
 * Each is a struct fault_attr, so /proc/<pid>/task/<tid>/fail-nth counts
 * it like any other point, and with CONFIG_FAULT_INJECTION_DEBUG_FS it is
 * configured in /sys/kernel/debug/vfio_iommu_type1/<name>/ the way
 * failslab is.  Their probability starts at 0 (they fire through fail-nth
 * only until configured) and their verbosity at 1: a forced failure is
 * logged in one line, without the stack dump a testbed counts as a splat.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>

#include "type1_priv.h"

static DECLARE_FAULT_ATTR(type1_fail_pin_attr);
static DECLARE_FAULT_ATTR(type1_fail_iommu_map_attr);
static struct dentry *type1_fault_dir;

/**
 * type1_fail_pin() - should this pin (or VM_PFNMAP lookup) fail
 *
 * Return: true when the caller must fail the step with -ENOMEM.
 */
bool type1_fail_pin(void)
{
	return should_fail(&type1_fail_pin_attr, 1);
}

/**
 * type1_fail_iommu_map() - should this iommu_map() fail
 *
 * Return: true when the caller must fail the step with -ENOMEM.
 */
bool type1_fail_iommu_map(void)
{
	return should_fail(&type1_fail_iommu_map_attr, 1);
}

/**
 * type1_fault_init() - publish the fault attributes in debugfs
 *
 * Without debugfs the points still work through fail-nth; nothing here
 * can make the module fail to load.
 */
void type1_fault_init(void)
{
	type1_fail_pin_attr.verbose = 1;
	type1_fail_iommu_map_attr.verbose = 1;

	if (!IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS))
		return;
	type1_fault_dir = debugfs_create_dir("vfio_iommu_type1", NULL);
	fault_create_debugfs_attr("fail_pin", type1_fault_dir,
				  &type1_fail_pin_attr);
	fault_create_debugfs_attr("fail_iommu_map", type1_fault_dir,
				  &type1_fail_iommu_map_attr);
}

/**
 * type1_fault_exit() - remove what type1_fault_init() published
 */
void type1_fault_exit(void)
{
	debugfs_remove_recursive(type1_fault_dir);
}
