// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_iommu_type1: the TYPE1/TYPE1v2 IOMMU backend of vfio containers.
 *
 * This file holds the module's parameters, per-container open/release,
 * VFIO_CHECK_EXTENSION and the ioctl dispatch.  The container's state is
 * described in type1_priv.h; mappings live in map.c and pin.c, domains and
 * IOVA ranges in domain.c, GET_INFO in info.c, dirty pages in dirty.c.
 *
 * Invariant: release() runs after every group was detached, so it only
 * has to free what detach left (nothing, or mappings if a detach was
 * skipped); it never fails.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "type1_priv.h"
#include "vfio_backend_api.h"
#include "vfio_oot_version.h"

bool type1_allow_unsafe_interrupts;
module_param_named(allow_unsafe_interrupts, type1_allow_unsafe_interrupts,
		   bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Accept devices whose MSIs the platform cannot remap (lets a device inject host interrupts; default: no)");

bool type1_disable_hugepages;
module_param_named(disable_hugepages, type1_disable_hugepages, bool, 0644);
MODULE_PARM_DESC(disable_hugepages,
		 "Map only the smallest IOMMU page size, never huge pages (default: no)");

/*
 * Testing aid: with one IOMMU in a machine (or a test VM), every group
 * would share one domain, and the multi-domain paths (replay into a
 * domain attached later, removal of a detached domain, page-size and
 * IOVA-range recomputation) would never run with a real device.
 */
bool type1_separate_domains;
module_param_named(separate_domains, type1_separate_domains, bool, 0644);
MODULE_PARM_DESC(separate_domains,
		 "Testing aid: give every newly attached group an IOMMU domain of its own instead of joining a compatible one (default: no)");

unsigned int type1_dma_entry_limit = U16_MAX;
module_param_named(dma_entry_limit, type1_dma_entry_limit, uint, 0644);
MODULE_PARM_DESC(dma_entry_limit,
		 "Maximum number of user DMA mappings per container (default: 65535)");

static long type1_check_extension(struct type1_iommu *iommu,
				  unsigned long ext)
{
	switch (ext) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_TYPE1_NESTING_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_UPDATE_VADDR:
		return iommu ? 1 : 0;
	case VFIO_DMA_CC_IOMMU:
		return iommu ? type1_enforces_cc(iommu) : 0;
	default:
		return 0;
	}
}

VISIBLE_IF_KUNIT long type1_ioctl(void *iommu_data, unsigned int cmd,
				  unsigned long arg)
{
	struct type1_iommu *iommu = iommu_data;

	if (cmd == VFIO_CHECK_EXTENSION)
		return type1_check_extension(iommu, arg);
	if (!iommu)
		return -EINVAL;

	switch (cmd) {
	case VFIO_IOMMU_GET_INFO:
		return type1_ioctl_get_info(iommu, arg);
	case VFIO_IOMMU_MAP_DMA:
		return type1_ioctl_map_dma(iommu, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return type1_ioctl_unmap_dma(iommu, arg);
	case VFIO_IOMMU_DIRTY_PAGES:
		return type1_ioctl_dirty_pages(iommu, arg);
	default:
		return -ENOTTY;
	}
}
EXPORT_SYMBOL_IF_KUNIT(type1_ioctl);

VISIBLE_IF_KUNIT void *type1_open(unsigned long type)
{
	struct type1_iommu *iommu;

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU &&
	    type != VFIO_TYPE1_NESTING_IOMMU)
		return ERR_PTR(-EINVAL);

	iommu = kzalloc(sizeof(*iommu), GFP_KERNEL_ACCOUNT);
	if (!iommu)
		return ERR_PTR(-ENOMEM);

	mutex_init(&iommu->lock);
	iommu->dmas = RB_ROOT;
	iommu->dma_avail = type1_dma_entry_limit;
	INIT_LIST_HEAD(&iommu->domains);
	INIT_LIST_HEAD(&iommu->ranges);
	iommu->pgsize_bitmap = PAGE_MASK;
	iommu->v2 = type != VFIO_TYPE1_IOMMU;
	iommu->nesting = type == VFIO_TYPE1_NESTING_IOMMU;
	return iommu;
}
EXPORT_SYMBOL_IF_KUNIT(type1_open);

VISIBLE_IF_KUNIT void type1_release(void *iommu_data)
{
	struct type1_iommu *iommu = iommu_data;
	struct type1_domain *d;
	struct type1_group *g;

	/* The core detaches every group first; cope if it did not. */
	while (!list_empty(&iommu->domains)) {
		WARN_ON_ONCE(1);
		d = list_first_entry(&iommu->domains, struct type1_domain, node);
		g = list_first_entry(&d->groups, struct type1_group, node);
		type1_detach_group(iommu, g->group);
	}

	mutex_lock(&iommu->lock);
	type1_remove_all_dmas(iommu);
	type1_free_ranges(&iommu->ranges);
	mutex_unlock(&iommu->lock);

	mutex_destroy(&iommu->lock);
	kfree(iommu);
}
EXPORT_SYMBOL_IF_KUNIT(type1_release);

static const struct vfio_iommu_backend_ops type1_ops = {
	.name		= "vfio-iommu-type1",
	.owner		= THIS_MODULE,
	.open		= type1_open,
	.release	= type1_release,
	.ioctl		= type1_ioctl,
	.attach_group	= type1_attach_group,
	.detach_group	= type1_detach_group,
	.debugfs_show	= type1_debugfs_show,
};

static int __init type1_init(void)
{
	int ret;

	type1_fault_init();
	ret = vfio_register_iommu_backend(&type1_ops);
	if (ret)
		type1_fault_exit();
	return ret;
}

static void __exit type1_exit(void)
{
	vfio_unregister_iommu_backend(&type1_ops);
	type1_fault_exit();
}

module_init(type1_init);
module_exit(type1_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO Type1 IOMMU backend (TYPE1/TYPE1v2 containers)");
MODULE_VERSION(VFIO_OOT_VERSION);
