// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU domains, group attach/detach and the container's valid IOVA ranges.
 *
 * Invariants, with type1_iommu::lock held and no ioctl running (the core
 * holds its container rwsem for writing around attach and detach):
 *  - every attached group is on exactly one domain's list, and every
 *    domain on the container's list has at least one group;
 *  - every mapping is programmed into every domain (a new domain gets the
 *    existing mappings replayed before it joins the list);
 *  - a new group joins the first existing domain that accepts it, and
 *    gets a domain of its own only if none does (or, for testing, while
 *    the separate_domains parameter is set);
 *  - type1_iommu::ranges is the intersection of every domain's aperture
 *    minus every group's reserved regions (relaxable direct-mapped regions
 *    excepted); it is sorted, non-overlapping and non-empty while a group
 *    is attached, and every mapping lies inside one range.
 *
 * Ranges and apertures are inclusive: [start, last].  A reserved region of
 * length L at S covers [S, S + L - 1]; regions of length 0 are ignored.
 */
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/slab.h>

#include "type1_priv.h"
#include "vfio_compat.h"
#include "vfio_fault.h"

/**
 * type1_free_ranges() - free a list of struct type1_range
 * @ranges: the list; left empty
 */
void type1_free_ranges(struct list_head *ranges)
{
	struct type1_range *r, *tmp;

	list_for_each_entry_safe(r, tmp, ranges, node) {
		list_del(&r->node);
		kfree(r);
	}
}
EXPORT_SYMBOL_IF_KUNIT(type1_free_ranges);

/**
 * type1_range_valid() - is [start, last] inside one valid IOVA range
 * @iommu: the container
 * @start: first IOVA
 * @last: last IOVA, inclusive
 *
 * Return: true if so, or if the container knows no ranges at all.
 */
bool type1_range_valid(struct type1_iommu *iommu, u64 start, u64 last)
{
	struct type1_range *r;

	if (list_empty(&iommu->ranges))
		return true;
	list_for_each_entry(r, &iommu->ranges, node)
		if (r->start <= start && last <= r->last)
			return true;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(type1_range_valid);

/**
 * type1_enforces_cc() - does every domain block no-snoop DMA
 * @iommu: the container
 *
 * Return: true if every domain enforces cache coherency.
 */
bool type1_enforces_cc(struct type1_iommu *iommu)
{
	struct type1_domain *d;

	list_for_each_entry(d, &iommu->domains, node)
		if (!d->enforce_cc)
			return false;
	return true;
}

/**
 * type1_ranges_exclude() - remove [start, last] from a sorted range list
 * @ranges: sorted, non-overlapping struct type1_range list
 * @start: first IOVA to remove
 * @last: last IOVA to remove, inclusive
 *
 * Ranges inside are dropped, ranges overlapping an end are trimmed, and a
 * range strictly containing [start, last] is split in two.
 *
 * Return: 0 or -ENOMEM (the list is then left as it was).
 */
VISIBLE_IF_KUNIT int type1_ranges_exclude(struct list_head *ranges, u64 start, u64 last)
{
	struct type1_range *r, *tmp, *split;

	list_for_each_entry_safe(r, tmp, ranges, node) {
		if (r->last < start || r->start > last)
			continue;
		if (start <= r->start && last >= r->last) {
			list_del(&r->node);
			kfree(r);
		} else if (start > r->start && last < r->last) {
			split = kzalloc(sizeof(*split), GFP_KERNEL);
			if (!split)
				return -ENOMEM;
			split->start = last + 1;
			split->last = r->last;
			r->last = start - 1;
			list_add(&split->node, &r->node);
			return 0;
		} else if (start <= r->start) {
			r->start = last + 1;
		} else {
			r->last = start - 1;
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(type1_ranges_exclude);

static int type1_ranges_exclude_group(struct list_head *ranges,
				      struct type1_group *g)
{
	struct iommu_resv_region *resv;
	u64 last;
	int ret;

	list_for_each_entry(resv, &g->resv, list) {
		if (resv->type == IOMMU_RESV_DIRECT_RELAXABLE || !resv->length)
			continue;
		last = resv->start + resv->length - 1;
		if (last < resv->start)
			last = U64_MAX;	/* a region reaching the top */
		ret = type1_ranges_exclude(ranges, resv->start, last);
		if (ret)
			return ret;
	}
	return 0;
}

static void type1_clip_aperture(struct type1_domain *d, u64 *start, u64 *last)
{
	struct iommu_domain_geometry *geo = &d->domain->geometry;

	*start = max_t(u64, *start, geo->aperture_start);
	*last = min_t(u64, *last, geo->aperture_end);
}

/**
 * type1_ranges_build() - compute a container's valid IOVA ranges
 * @iommu: the container
 * @new_d: a domain about to join, or NULL
 * @new_g: a group about to join, or NULL
 * @out: receives the ranges (initialized here)
 *
 * The ranges are the intersection of the apertures of every domain of
 * @iommu and @new_d, minus the reserved regions of every group.
 *
 * Return: 0, -EINVAL if nothing is left, or -ENOMEM.
 */
VISIBLE_IF_KUNIT int type1_ranges_build(struct type1_iommu *iommu,
					struct type1_domain *new_d,
					struct type1_group *new_g,
					struct list_head *out)
{
	u64 start = 0, last = U64_MAX;
	struct type1_domain *d;
	struct type1_group *g;
	struct type1_range *r;
	int ret;

	INIT_LIST_HEAD(out);
	list_for_each_entry(d, &iommu->domains, node)
		type1_clip_aperture(d, &start, &last);
	if (new_d)
		type1_clip_aperture(new_d, &start, &last);
	if (start > last)
		return -EINVAL;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->start = start;
	r->last = last;
	list_add(&r->node, out);

	list_for_each_entry(d, &iommu->domains, node) {
		list_for_each_entry(g, &d->groups, node) {
			ret = type1_ranges_exclude_group(out, g);
			if (ret)
				goto out_free;
		}
	}
	if (new_g) {
		ret = type1_ranges_exclude_group(out, new_g);
		if (ret)
			goto out_free;
	}
	if (list_empty(out))
		return -EINVAL;
	return 0;

out_free:
	type1_free_ranges(out);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(type1_ranges_build);

/* Every existing mapping must stay inside the new ranges. */
static int type1_check_dmas(struct type1_iommu *iommu, struct list_head *ranges)
{
	struct type1_dma *dma;
	struct type1_range *r;
	bool inside;

	lockdep_assert_held(&iommu->lock);

	for (dma = type1_dma_first(iommu, 0, U64_MAX); dma;
	     dma = type1_dma_next(dma)) {
		inside = false;
		list_for_each_entry(r, ranges, node) {
			if (r->start <= dma->iova &&
			    type1_dma_last(dma) <= r->last) {
				inside = true;
				break;
			}
		}
		if (!inside)
			return -EINVAL;
	}
	return 0;
}

/**
 * type1_update_pgsizes() - recompute the page sizes every domain supports
 * @iommu: the container
 *
 * Sub-page IOMMU page sizes count as PAGE_SIZE; without domains, or with
 * nothing in common, the result is PAGE_SIZE.
 */
VISIBLE_IF_KUNIT void type1_update_pgsizes(struct type1_iommu *iommu)
{
	unsigned long bitmap = ULONG_MAX;
	struct type1_domain *d;

	list_for_each_entry(d, &iommu->domains, node)
		bitmap &= d->domain->pgsize_bitmap;

	/* Sub-page IOMMU pages are used as whole CPU pages. */
	if (bitmap & ~PAGE_MASK) {
		bitmap &= PAGE_MASK;
		bitmap |= PAGE_SIZE;
	}
	if (!bitmap)
		bitmap = PAGE_SIZE;
	iommu->pgsize_bitmap = bitmap;
}
EXPORT_SYMBOL_IF_KUNIT(type1_update_pgsizes);

/* Program every mapping into a domain that is not on the list yet. */
static int type1_replay(struct type1_iommu *iommu, struct type1_domain *d)
{
	struct type1_dma *dma;
	int ret;

	lockdep_assert_held(&iommu->lock);

	for (dma = type1_dma_first(iommu, 0, U64_MAX); dma;
	     dma = type1_dma_next(dma)) {
		if (WARN_ON(dma->pending))
			continue;
		ret = type1_map_dma_domain(dma, d);
		if (ret)
			return ret;	/* the caller frees the domain */
	}
	return 0;
}

static int type1_msi_cookie(struct type1_domain *d, struct type1_group *g)
{
	struct iommu_resv_region *resv;
	int ret;

	list_for_each_entry(resv, &g->resv, list) {
		if (resv->type != IOMMU_RESV_SW_MSI)
			continue;
		ret = iommu_get_msi_cookie(d->domain, resv->start);
		return ret == -ENODEV ? 0 : ret;
	}
	return 0;
}

static struct type1_group *type1_find_group(struct type1_iommu *iommu,
					    struct iommu_group *group,
					    struct type1_domain **domain)
{
	struct type1_domain *d;
	struct type1_group *g;

	list_for_each_entry(d, &iommu->domains, node) {
		list_for_each_entry(g, &d->groups, node) {
			if (g->group == group) {
				if (domain)
					*domain = d;
				return g;
			}
		}
	}
	return NULL;
}

/* iommu_detach_group(), with fail-nth held (see vfio_fault.h). */
static void type1_iommu_detach_group(struct iommu_domain *domain,
				     struct iommu_group *group)
{
	unsigned int nth = vfio_fail_nth_hold();

	iommu_detach_group(domain, group);
	vfio_fail_nth_resume(nth);
}

static void type1_free_group(struct type1_group *g)
{
	struct iommu_resv_region *resv, *tmp;

	list_for_each_entry_safe(resv, tmp, &g->resv, list) {
		list_del(&resv->list);
		kfree(resv);
	}
	kfree(g);
}

static int type1_first_dev(struct device *dev, void *data)
{
	*(struct device **)data = dev;
	return 1;
}

static int type1_dev_lacks_intremap(struct device *dev, void *data)
{
	if (vfio_compat_dev_has_isolated_msi(dev))
		return 0;
	*(struct device **)data = dev;
	return 1;
}

/*
 * Without interrupt remapping, a device could forge MSI writes to any
 * interrupt of the host: refuse unless the administrator allowed it.
 */
static int type1_check_intremap(struct iommu_group *group)
{
	struct device *dev = NULL;

	/* Outside the group walk: see vfio_compat_msi_isolated_globally(). */
	if (vfio_compat_msi_isolated_globally())
		return 0;
	if (!iommu_group_for_each_dev(group, &dev, type1_dev_lacks_intremap))
		return 0;
	if (!type1_allow_unsafe_interrupts) {
		dev_warn(dev,
			 "vfio_iommu_type1: no interrupt remapping for this device, refusing it (its MSIs could reach any host interrupt); load vfio_iommu_type1 with allow_unsafe_interrupts=1 to accept that risk\n");
		return -EPERM;
	}
	dev_warn(dev,
		 "vfio_iommu_type1: no interrupt remapping for this device, accepted because allow_unsafe_interrupts=1\n");
	return 0;
}

/**
 * type1_attach_group() - the backend's attach_group operation
 * @iommu_data: the container (struct type1_iommu)
 * @group: the IOMMU group to confine
 *
 * Return: 0; -EINVAL if @group is already attached or its reserved regions
 * or aperture conflict with existing mappings; -EPERM without interrupt
 * remapping; -EBUSY while a mapping has an invalidated vaddr; -ENODEV for
 * a group without devices; -EIO if no domain can be allocated; or the
 * IOMMU layer's error.
 */
int type1_attach_group(void *iommu_data, struct iommu_group *group)
{
	bool separate = READ_ONCE(type1_separate_domains);
	struct type1_domain *d, *target = NULL, *new_d = NULL;
	struct type1_iommu *iommu = iommu_data;
	struct device *dev = NULL;
	struct type1_group *g;
	LIST_HEAD(ranges);
	int ret;

	mutex_lock(&iommu->lock);

	/* Replay would need the pages, which 6.1 re-pins: keep its rule. */
	if (iommu->vaddr_invalid_count) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (type1_find_group(iommu, group, NULL)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	iommu_group_for_each_dev(group, &dev, type1_first_dev);
	if (!dev) {
		ret = -ENODEV;
		goto out_unlock;
	}
	ret = type1_check_intremap(group);
	if (ret)
		goto out_unlock;

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	g->group = group;
	INIT_LIST_HEAD(&g->resv);
	ret = iommu_get_group_resv_regions(group, &g->resv);
	if (ret)
		goto out_free_group;

	new_d = kzalloc(sizeof(*new_d), GFP_KERNEL);
	if (!new_d) {
		ret = -ENOMEM;
		goto out_free_group;
	}
	INIT_LIST_HEAD(&new_d->groups);
	new_d->prot = IOMMU_CACHE;
	new_d->domain = vfio_compat_domain_alloc(dev);
	if (!new_d->domain) {
		ret = -EIO;
		goto out_free_new_d;
	}
	if (iommu->nesting) {
		ret = vfio_compat_enable_nesting(new_d->domain);
		if (ret)
			goto out_free_domain;
	}

	/*
	 * Prefer a compatible domain we already have: no replay needed.
	 * The separate_domains testing aid skips this, so that one IOMMU
	 * gives a container several domains.
	 */
	list_for_each_entry(d, &iommu->domains, node) {
		if (separate)
			break;
		if (d->domain->ops == new_d->domain->ops &&
		    !iommu_attach_group(d->domain, group)) {
			target = d;
			break;
		}
	}
	if (target) {
		iommu_domain_free(new_d->domain);
		kfree(new_d);
		new_d = NULL;
	} else {
		ret = iommu_attach_group(new_d->domain, group);
		if (ret)
			goto out_free_domain;
		target = new_d;
	}

	ret = type1_ranges_build(iommu, new_d, g, &ranges);
	if (ret)
		goto out_detach;
	ret = type1_check_dmas(iommu, &ranges);
	if (ret)
		goto out_free_ranges;

	if (new_d) {
		if (new_d->domain->ops->enforce_cache_coherency)
			new_d->enforce_cc =
				new_d->domain->ops->enforce_cache_coherency(new_d->domain);
		ret = type1_replay(iommu, new_d);
		if (ret)
			goto out_free_ranges;
		ret = type1_msi_cookie(new_d, g);
		if (ret)
			goto out_free_ranges;
		list_add_tail(&new_d->node, &iommu->domains);
		if (separate)
			dev_info(dev,
				 "vfio_iommu_type1: separate_domains: group %d got a domain of its own, %zu in its container\n",
				 iommu_group_id(group),
				 list_count_nodes(&iommu->domains));
	}
	list_add_tail(&g->node, &target->groups);

	type1_free_ranges(&iommu->ranges);
	list_splice(&ranges, &iommu->ranges);
	type1_update_pgsizes(iommu);
	mutex_unlock(&iommu->lock);
	return 0;

out_free_ranges:
	type1_free_ranges(&ranges);
out_detach:
	type1_iommu_detach_group(target->domain, group);
out_free_domain:
	if (new_d)
		iommu_domain_free(new_d->domain);
out_free_new_d:
	kfree(new_d);
out_free_group:
	type1_free_group(g);
out_unlock:
	mutex_unlock(&iommu->lock);
	return ret;
}

/**
 * type1_detach_group() - the backend's detach_group operation
 * @iommu_data: the container (struct type1_iommu)
 * @group: an attached IOMMU group
 *
 * A domain left without groups is freed; when the last group leaves, every
 * mapping is unpinned and freed.  Never fails.
 */
void type1_detach_group(void *iommu_data, struct iommu_group *group)
{
	struct type1_iommu *iommu = iommu_data;
	struct type1_domain *d;
	struct type1_group *g;
	LIST_HEAD(ranges);

	mutex_lock(&iommu->lock);

	g = type1_find_group(iommu, group, &d);
	if (WARN_ON(!g))
		goto out_unlock;

	type1_iommu_detach_group(d->domain, group);
	list_del(&g->node);
	type1_free_group(g);

	if (list_empty(&d->groups)) {
		list_del(&d->node);
		iommu_domain_free(d->domain);
		kfree(d);
	}

	if (list_empty(&iommu->domains)) {
		type1_remove_all_dmas(iommu);
		type1_free_ranges(&iommu->ranges);
	} else if (!type1_ranges_build(iommu, NULL, NULL, &ranges)) {
		/* Fewer constraints: the ranges can only grow. */
		type1_free_ranges(&iommu->ranges);
		list_splice(&ranges, &iommu->ranges);
	}
	type1_update_pgsizes(iommu);

out_unlock:
	mutex_unlock(&iommu->lock);
}
