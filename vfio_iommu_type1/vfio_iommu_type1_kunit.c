// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of vfio_iommu_type1.ko: the parts that need no IOMMU.
 *
 * Suites:
 *   vfio_type1_dma_tree  the mapping tree (dma_tree.c): lookups of
 *                        inclusive ranges, edges, the top of the space
 *   vfio_type1_ranges    valid IOVA ranges (domain.c): aperture
 *                        intersection minus reserved regions, page sizes
 *   vfio_type1_runs      coalescing of frames into runs (pin.c)
 *   vfio_type1_ioctl     the container ioctls on a container without
 *                        domains, with user memory borrowed from the
 *                        process loading this module (vfio_kunit.h):
 *                        MAP/UNMAP validation, pinning and locked_vm
 *                        accounting, GET_INFO's capability chain and
 *                        argsz protocol, dirty bitmaps
 *   vfio_type1_account   locked_vm accounting per pin batch (pin.c): RAM
 *                        charged exactly, device memory (a VM_PFNMAP
 *                        mapping made here) never, RLIMIT_MEMLOCK without
 *                        CAP_IPC_LOCK, and a pin failing in the middle
 *                        leaving nothing pinned or charged
 *
 * The separate_domains parameter (domain.c) is not tested here: it only
 * changes type1_attach_group(), which needs an IOMMU group with a device
 * behind a real IOMMU; tests/uapi/vfio_domains_test.c covers it.
 */
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/resource.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "type1_priv.h"
#include "vfio_kunit.h"

/* ---- helpers ---------------------------------------------------------- */

static struct type1_iommu *t1k_iommu(struct kunit *test)
{
	struct type1_iommu *iommu;

	iommu = kunit_kzalloc(test, sizeof(*iommu), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, iommu);
	mutex_init(&iommu->lock);
	iommu->dmas = RB_ROOT;
	INIT_LIST_HEAD(&iommu->domains);
	INIT_LIST_HEAD(&iommu->ranges);
	iommu->pgsize_bitmap = PAGE_MASK;
	return iommu;
}

static struct type1_dma *t1k_dma(struct kunit *test, u64 iova, u64 size)
{
	struct type1_dma *dma;

	dma = kunit_kzalloc(test, sizeof(*dma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dma);
	dma->iova = iova;
	dma->size = size;
	RB_CLEAR_NODE(&dma->node);
	INIT_LIST_HEAD(&dma->reap);
	return dma;
}

static struct type1_dma *t1k_insert(struct kunit *test,
				    struct type1_iommu *iommu, u64 iova,
				    u64 size)
{
	struct type1_dma *dma = t1k_dma(test, iova, size);

	type1_dma_insert(iommu, dma);
	return dma;
}

/* ---- vfio_type1_dma_tree ---------------------------------------------- */

static void t1k_tree_empty(struct kunit *test)
{
	struct type1_iommu *iommu = t1k_iommu(test);

	mutex_lock(&iommu->lock);
	KUNIT_EXPECT_NULL(test, type1_dma_first(iommu, 0, U64_MAX));
	KUNIT_EXPECT_NULL(test, type1_dma_settled_at(iommu, 0));
	mutex_unlock(&iommu->lock);
}

static void t1k_tree_edges(struct kunit *test)
{
	struct type1_iommu *iommu = t1k_iommu(test);
	struct type1_dma *a, *b;

	mutex_lock(&iommu->lock);
	a = t1k_insert(test, iommu, 0x1000, 0x2000);	/* [0x1000, 0x2fff] */
	b = t1k_insert(test, iommu, 0x5000, 0x1000);	/* [0x5000, 0x5fff] */

	KUNIT_EXPECT_EQ(test, type1_dma_last(a), 0x2fffULL);
	/* a range ending one byte before a mapping misses it */
	KUNIT_EXPECT_NULL(test, type1_dma_first(iommu, 0, 0xfff));
	/* its first byte and its last byte both hit it */
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_first(iommu, 0, 0x1000), a);
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_first(iommu, 0x2fff, 0x2fff), a);
	/* the hole between them */
	KUNIT_EXPECT_NULL(test, type1_dma_first(iommu, 0x3000, 0x4fff));
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_first(iommu, 0x3000, 0x5000), b);
	/* the lowest of several */
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_first(iommu, 0x2000, U64_MAX), a);
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_first(iommu, 0x5fff, U64_MAX), b);
	KUNIT_EXPECT_NULL(test, type1_dma_first(iommu, 0x6000, U64_MAX));

	KUNIT_EXPECT_PTR_EQ(test, type1_dma_next(a), b);
	KUNIT_EXPECT_NULL(test, type1_dma_next(b));

	KUNIT_EXPECT_PTR_EQ(test, type1_dma_settled_at(iommu, 0x2fff), a);
	KUNIT_EXPECT_NULL(test, type1_dma_settled_at(iommu, 0x3000));
	KUNIT_EXPECT_NULL(test, type1_dma_settled_at(iommu, 0xfff));
	mutex_unlock(&iommu->lock);
}

static void t1k_tree_top_of_space(struct kunit *test)
{
	struct type1_iommu *iommu = t1k_iommu(test);
	struct type1_dma *low, *top;

	mutex_lock(&iommu->lock);
	top = t1k_insert(test, iommu, U64_MAX - PAGE_SIZE + 1, PAGE_SIZE);
	low = t1k_insert(test, iommu, 0, PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, type1_dma_last(top), U64_MAX);
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_first(iommu, U64_MAX, U64_MAX),
			    top);
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_settled_at(iommu, U64_MAX), top);
	KUNIT_EXPECT_NULL(test, type1_dma_first(iommu, PAGE_SIZE,
						U64_MAX - PAGE_SIZE));
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_first(iommu, 0, 0), low);
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_first(iommu, 0, U64_MAX), low);
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_next(low), top);
	mutex_unlock(&iommu->lock);
}

static void t1k_tree_pending(struct kunit *test)
{
	struct type1_iommu *iommu = t1k_iommu(test);
	struct type1_dma *dma;

	mutex_lock(&iommu->lock);
	dma = t1k_insert(test, iommu, 0x10000, 0x4000);
	dma->pending = true;
	/* a pending mapping reserves its range but is not "settled" */
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_first(iommu, 0x13fff, 0x13fff),
			    dma);
	KUNIT_EXPECT_NULL(test, type1_dma_settled_at(iommu, 0x10000));
	dma->pending = false;
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_settled_at(iommu, 0x10000), dma);
	mutex_unlock(&iommu->lock);
}

static void t1k_tree_erase(struct kunit *test)
{
	struct type1_iommu *iommu = t1k_iommu(test);
	struct type1_dma *a, *b, *c;

	mutex_lock(&iommu->lock);
	a = t1k_insert(test, iommu, 0x1000, 0x1000);
	b = t1k_insert(test, iommu, 0x2000, 0x1000);
	c = t1k_insert(test, iommu, 0x3000, 0x1000);
	type1_dma_erase(iommu, b);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_NODE(&b->node));
	KUNIT_EXPECT_NULL(test, type1_dma_first(iommu, 0x2000, 0x2fff));
	KUNIT_EXPECT_PTR_EQ(test, type1_dma_next(a), c);
	type1_dma_erase(iommu, a);
	type1_dma_erase(iommu, c);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&iommu->dmas));
	mutex_unlock(&iommu->lock);
}

static void t1k_tree_order(struct kunit *test)
{
	struct type1_iommu *iommu = t1k_iommu(test);
	struct type1_dma *dma;
	u64 expect = 0;
	int i, n = 0;

	mutex_lock(&iommu->lock);
	/* 37 is prime to 64: every slot once, in scrambled order */
	for (i = 0; i < 64; i++)
		t1k_insert(test, iommu, (u64)((i * 37) % 64) * SZ_64K, SZ_64K);
	for (dma = type1_dma_first(iommu, 0, U64_MAX); dma;
	     dma = type1_dma_next(dma)) {
		KUNIT_EXPECT_EQ(test, dma->iova, expect);
		expect += SZ_64K;
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 64);
	/* a lookup in the middle finds the slot containing it */
	dma = type1_dma_first(iommu, 20 * SZ_64K + 5, 20 * SZ_64K + 5);
	KUNIT_EXPECT_NOT_NULL(test, dma);
	if (dma)
		KUNIT_EXPECT_EQ(test, dma->iova, 20ULL * SZ_64K);
	mutex_unlock(&iommu->lock);
}

/* Which ranges cut a mapping in two (v2 unmap and dirty-bitmap rule). */
static void t1k_tree_range_cuts(struct kunit *test)
{
	struct type1_iommu *iommu = t1k_iommu(test);
	struct type1_dma *pend;

	mutex_lock(&iommu->lock);
	t1k_insert(test, iommu, 0x1000, 0x2000);	/* [0x1000, 0x2fff] */
	t1k_insert(test, iommu, 0x5000, 0x1000);	/* [0x5000, 0x5fff] */

	/* covering mappings whole, or touching none, cuts nothing */
	KUNIT_EXPECT_FALSE(test, type1_range_cuts_dma(iommu, 0x1000, 0x2fff));
	KUNIT_EXPECT_FALSE(test, type1_range_cuts_dma(iommu, 0, U64_MAX));
	KUNIT_EXPECT_FALSE(test, type1_range_cuts_dma(iommu, 0x3000, 0x4fff));
	KUNIT_EXPECT_FALSE(test, type1_range_cuts_dma(iommu, 0x1000, 0x5fff));
	/* starting or ending inside one cuts it */
	KUNIT_EXPECT_TRUE(test, type1_range_cuts_dma(iommu, 0x2000, 0x4fff));
	KUNIT_EXPECT_TRUE(test, type1_range_cuts_dma(iommu, 0x0, 0x1fff));
	KUNIT_EXPECT_TRUE(test, type1_range_cuts_dma(iommu, 0x3000, 0x5000));
	KUNIT_EXPECT_TRUE(test, type1_range_cuts_dma(iommu, 0x1fff, 0x1fff));

	/* a pending mapping is not cut: it does not exist yet */
	pend = t1k_insert(test, iommu, 0x8000, 0x2000);
	pend->pending = true;
	KUNIT_EXPECT_FALSE(test, type1_range_cuts_dma(iommu, 0x9000, 0x9fff));
	mutex_unlock(&iommu->lock);
}

static struct kunit_case t1k_tree_cases[] = {
	KUNIT_CASE(t1k_tree_empty),
	KUNIT_CASE(t1k_tree_edges),
	KUNIT_CASE(t1k_tree_top_of_space),
	KUNIT_CASE(t1k_tree_pending),
	KUNIT_CASE(t1k_tree_erase),
	KUNIT_CASE(t1k_tree_order),
	KUNIT_CASE(t1k_tree_range_cuts),
	{}
};

static struct kunit_suite t1k_tree_suite = {
	.name = "vfio_type1_dma_tree",
	.test_cases = t1k_tree_cases,
};

/* ---- vfio_type1_ranges ------------------------------------------------ */

struct t1k_range {
	u64 start;
	u64 last;
};

static void t1k_ranges_add(struct kunit *test, struct list_head *list,
			   u64 start, u64 last)
{
	struct type1_range *r = kzalloc(sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->start = start;
	r->last = last;
	list_add_tail(&r->node, list);
}

static void t1k_ranges_expect(struct kunit *test, struct list_head *list,
			      const struct t1k_range *want, int n)
{
	struct type1_range *r;
	int i = 0;

	list_for_each_entry(r, list, node) {
		if (i < n) {
			KUNIT_EXPECT_EQ_MSG(test, r->start, want[i].start,
					    "range %d", i);
			KUNIT_EXPECT_EQ_MSG(test, r->last, want[i].last,
					    "range %d", i);
		}
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, n);
}

static void t1k_ranges_split(struct kunit *test)
{
	static const struct t1k_range want[] = {
		{ 0, 0xfff }, { 0x2000, U64_MAX },
	};
	LIST_HEAD(list);

	t1k_ranges_add(test, &list, 0, U64_MAX);
	KUNIT_EXPECT_EQ(test, type1_ranges_exclude(&list, 0x1000, 0x1fff), 0);
	t1k_ranges_expect(test, &list, want, ARRAY_SIZE(want));
	type1_free_ranges(&list);
	KUNIT_EXPECT_TRUE(test, list_empty(&list));
}

static void t1k_ranges_trim(struct kunit *test)
{
	static const struct t1k_range front[] = { { 0x2000, 0x8fff } };
	static const struct t1k_range back[] = { { 0x2000, 0x7fff } };
	LIST_HEAD(list);

	t1k_ranges_add(test, &list, 0x1000, 0x8fff);
	KUNIT_EXPECT_EQ(test, type1_ranges_exclude(&list, 0, 0x1fff), 0);
	t1k_ranges_expect(test, &list, front, ARRAY_SIZE(front));
	KUNIT_EXPECT_EQ(test, type1_ranges_exclude(&list, 0x8000, U64_MAX), 0);
	t1k_ranges_expect(test, &list, back, ARRAY_SIZE(back));
	/* touching but not overlapping: nothing changes */
	KUNIT_EXPECT_EQ(test, type1_ranges_exclude(&list, 0x8000, 0x8000), 0);
	KUNIT_EXPECT_EQ(test, type1_ranges_exclude(&list, 0x1fff, 0x1fff), 0);
	t1k_ranges_expect(test, &list, back, ARRAY_SIZE(back));
	type1_free_ranges(&list);
}

static void t1k_ranges_drop(struct kunit *test)
{
	static const struct t1k_range want[] = {
		{ 0, 0x7ff }, { 0x4800, 0x4fff },
	};
	LIST_HEAD(list);

	t1k_ranges_add(test, &list, 0, 0xfff);
	t1k_ranges_add(test, &list, 0x2000, 0x2fff);
	t1k_ranges_add(test, &list, 0x4000, 0x4fff);
	/* trims the first, drops the second, trims the third */
	KUNIT_EXPECT_EQ(test, type1_ranges_exclude(&list, 0x800, 0x47ff), 0);
	t1k_ranges_expect(test, &list, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, type1_ranges_exclude(&list, 0, U64_MAX), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&list));
}

static void t1k_ranges_extremes(struct kunit *test)
{
	static const struct t1k_range want[] = { { 1, U64_MAX - 1 } };
	LIST_HEAD(list);

	t1k_ranges_add(test, &list, 0, U64_MAX);
	KUNIT_EXPECT_EQ(test, type1_ranges_exclude(&list, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, type1_ranges_exclude(&list, U64_MAX, U64_MAX),
			0);
	t1k_ranges_expect(test, &list, want, ARRAY_SIZE(want));
	type1_free_ranges(&list);
}

static void t1k_ranges_valid(struct kunit *test)
{
	struct type1_iommu *iommu = t1k_iommu(test);

	/* no ranges known yet: anything goes */
	KUNIT_EXPECT_TRUE(test, type1_range_valid(iommu, 0, U64_MAX));

	t1k_ranges_add(test, &iommu->ranges, 0x1000, 0x1fff);
	t1k_ranges_add(test, &iommu->ranges, 0x3000, U64_MAX);
	KUNIT_EXPECT_TRUE(test, type1_range_valid(iommu, 0x1000, 0x1fff));
	KUNIT_EXPECT_FALSE(test, type1_range_valid(iommu, 0xfff, 0x1fff));
	KUNIT_EXPECT_FALSE(test, type1_range_valid(iommu, 0x1000, 0x2000));
	/* spanning the hole, even with both ends valid */
	KUNIT_EXPECT_FALSE(test, type1_range_valid(iommu, 0x1000, 0x3fff));
	KUNIT_EXPECT_TRUE(test, type1_range_valid(iommu, U64_MAX, U64_MAX));
	type1_free_ranges(&iommu->ranges);
}

/* A fake domain: only geometry and pgsize_bitmap are read. */
static struct type1_domain *t1k_domain(struct kunit *test,
				       struct type1_iommu *iommu, u64 start,
				       u64 end, unsigned long pgsizes)
{
	struct type1_domain *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->domain = kunit_kzalloc(test, sizeof(*d->domain), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d->domain);
	d->domain->geometry.aperture_start = start;
	d->domain->geometry.aperture_end = end;
	d->domain->pgsize_bitmap = pgsizes;
	INIT_LIST_HEAD(&d->groups);
	if (iommu)
		list_add_tail(&d->node, &iommu->domains);
	return d;
}

static struct type1_group *t1k_group(struct kunit *test,
				     struct type1_domain *d)
{
	struct type1_group *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, g);
	INIT_LIST_HEAD(&g->resv);
	if (d)
		list_add_tail(&g->node, &d->groups);
	return g;
}

static void t1k_resv(struct kunit *test, struct type1_group *g, u64 start,
		     u64 length, enum iommu_resv_type type)
{
	struct iommu_resv_region *r = kunit_kzalloc(test, sizeof(*r),
						    GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->start = start;
	r->length = length;
	r->type = type;
	list_add_tail(&r->list, &g->resv);
}

static void t1k_ranges_build(struct kunit *test)
{
	static const struct t1k_range want[] = {
		{ 0x1000, 0xfedfffff }, { 0xfef00000, 0xffffffff },
	};
	struct type1_iommu *iommu = t1k_iommu(test);
	struct type1_domain *d1, *d2;
	struct type1_group *g;
	LIST_HEAD(out);

	d1 = t1k_domain(test, iommu, 0, 0xffffffffffffULL, 0);
	d2 = t1k_domain(test, NULL, 0x1000, 0xffffffff, 0);
	g = t1k_group(test, d1);
	t1k_resv(test, g, 0xfee00000, 0x100000, IOMMU_RESV_MSI);
	/* relaxable direct mappings and empty regions do not count */
	t1k_resv(test, g, 0x100000, 0x100000, IOMMU_RESV_DIRECT_RELAXABLE);
	t1k_resv(test, g, 0x200000, 0, IOMMU_RESV_RESERVED);

	/* d2 joining narrows the aperture to its own */
	KUNIT_EXPECT_EQ(test, type1_ranges_build(iommu, d2, NULL, &out), 0);
	t1k_ranges_expect(test, &out, want, ARRAY_SIZE(want));
	type1_free_ranges(&out);
}

static void t1k_ranges_build_top(struct kunit *test)
{
	static const struct t1k_range want[] = {
		{ 0, 0xfff }, { 0x3000, U64_MAX - 0x2000 },
	};
	struct type1_iommu *iommu = t1k_iommu(test);
	struct type1_group *new_g;
	LIST_HEAD(out);

	t1k_domain(test, iommu, 0, U64_MAX, 0);
	new_g = t1k_group(test, NULL);
	t1k_resv(test, new_g, 0x1000, 0x2000, IOMMU_RESV_RESERVED);
	/* a region whose end wraps covers everything up to U64_MAX */
	t1k_resv(test, new_g, U64_MAX - 0x1fff, 0x4000, IOMMU_RESV_RESERVED);
	KUNIT_EXPECT_EQ(test, type1_ranges_build(iommu, NULL, new_g, &out), 0);
	t1k_ranges_expect(test, &out, want, ARRAY_SIZE(want));
	type1_free_ranges(&out);
}

static void t1k_ranges_build_empty(struct kunit *test)
{
	struct type1_iommu *iommu = t1k_iommu(test);
	struct type1_domain *d;
	struct type1_group *g;
	LIST_HEAD(out);

	/* disjoint apertures */
	t1k_domain(test, iommu, 0, 0xffff, 0);
	d = t1k_domain(test, NULL, 0x10000, 0x1ffff, 0);
	KUNIT_EXPECT_EQ(test, type1_ranges_build(iommu, d, NULL, &out),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, list_empty(&out));

	/* an aperture entirely reserved */
	g = t1k_group(test, NULL);
	t1k_resv(test, g, 0, 0x10000, IOMMU_RESV_MSI);
	KUNIT_EXPECT_EQ(test, type1_ranges_build(iommu, NULL, g, &out),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, list_empty(&out));
}

static void t1k_ranges_pgsizes(struct kunit *test)
{
	struct type1_iommu *iommu = t1k_iommu(test);
	struct type1_domain *d1, *d2;

	/* no domain: every size from PAGE_SIZE up */
	type1_update_pgsizes(iommu);
	KUNIT_EXPECT_EQ(test, iommu->pgsize_bitmap, PAGE_MASK);

	d1 = t1k_domain(test, iommu, 0, U64_MAX, SZ_4K | SZ_2M | SZ_1G);
	d2 = t1k_domain(test, iommu, 0, U64_MAX, SZ_4K | SZ_2M);
	type1_update_pgsizes(iommu);
	KUNIT_EXPECT_EQ(test, iommu->pgsize_bitmap,
			(unsigned long)(SZ_4K | SZ_2M));

	/* sub-page IOMMU pages are used as whole CPU pages */
	d1->domain->pgsize_bitmap = SZ_2K | SZ_64K;
	d2->domain->pgsize_bitmap = SZ_2K | SZ_64K | SZ_2M;
	type1_update_pgsizes(iommu);
	KUNIT_EXPECT_EQ(test, iommu->pgsize_bitmap,
			(unsigned long)(PAGE_SIZE | SZ_64K));

	/* nothing in common */
	d1->domain->pgsize_bitmap = SZ_2M;
	d2->domain->pgsize_bitmap = SZ_1G;
	type1_update_pgsizes(iommu);
	KUNIT_EXPECT_EQ(test, iommu->pgsize_bitmap, PAGE_SIZE);
}

static struct kunit_case t1k_ranges_cases[] = {
	KUNIT_CASE(t1k_ranges_split),
	KUNIT_CASE(t1k_ranges_trim),
	KUNIT_CASE(t1k_ranges_drop),
	KUNIT_CASE(t1k_ranges_extremes),
	KUNIT_CASE(t1k_ranges_valid),
	KUNIT_CASE(t1k_ranges_build),
	KUNIT_CASE(t1k_ranges_build_top),
	KUNIT_CASE(t1k_ranges_build_empty),
	KUNIT_CASE(t1k_ranges_pgsizes),
	{}
};

static struct kunit_suite t1k_ranges_suite = {
	.name = "vfio_type1_ranges",
	.test_cases = t1k_ranges_cases,
};

/* ---- vfio_type1_runs -------------------------------------------------- */

static void t1k_runs_free(struct type1_dma *dma)
{
	struct type1_run_chunk *chunk, *next;

	for (chunk = dma->first; chunk; chunk = next) {
		next = chunk->next;
		kfree(chunk);
	}
	dma->first = NULL;
	dma->last_chunk = NULL;
}

static void t1k_runs_expect(struct kunit *test, struct type1_dma *dma,
			    const struct type1_run *want, int n)
{
	struct type1_run_chunk *chunk;
	unsigned long i;
	int k = 0;

	for (chunk = dma->first; chunk; chunk = chunk->next) {
		for (i = 0; i < chunk->nr; i++, k++) {
			if (k >= n)
				continue;
			KUNIT_EXPECT_EQ_MSG(test, chunk->runs[i].pfn,
					    want[k].pfn, "run %d", k);
			KUNIT_EXPECT_EQ_MSG(test, chunk->runs[i].npages,
					    want[k].npages, "run %d", k);
			KUNIT_EXPECT_EQ_MSG(test, chunk->runs[i].mmio,
					    want[k].mmio, "run %d", k);
		}
	}
	KUNIT_EXPECT_EQ(test, k, n);
}

static void t1k_runs_coalesce(struct kunit *test)
{
	static const unsigned long pfns[] = { 100, 101, 102, 200, 201, 50, 49 };
	static const struct type1_run want[] = {
		{ 100, 3, false }, { 200, 2, false }, { 50, 1, false },
		{ 49, 1, false },
	};
	struct type1_dma *dma = t1k_dma(test, 0, 64 * PAGE_SIZE);
	int i;

	for (i = 0; i < ARRAY_SIZE(pfns); i++)
		KUNIT_EXPECT_EQ(test, type1_add_pfn(dma, pfns[i], false), 0);
	/* only a frame that follows the last run physically extends it */
	t1k_runs_expect(test, dma, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, dma->pinned, (unsigned long)ARRAY_SIZE(pfns));
	KUNIT_EXPECT_EQ(test, dma->mmio, 0UL);
	KUNIT_EXPECT_PTR_EQ(test, dma->first, dma->last_chunk);
	t1k_runs_free(dma);
}

static void t1k_runs_mmio(struct kunit *test)
{
	static const struct type1_run want[] = {
		{ 10, 1, false }, { 11, 2, true }, { 13, 1, false },
	};
	struct type1_dma *dma = t1k_dma(test, 0, 64 * PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, type1_add_pfn(dma, 10, false), 0);
	KUNIT_EXPECT_EQ(test, type1_add_pfn(dma, 11, true), 0);
	KUNIT_EXPECT_EQ(test, type1_add_pfn(dma, 12, true), 0);
	KUNIT_EXPECT_EQ(test, type1_add_pfn(dma, 13, false), 0);
	/* RAM and device memory never share a run */
	t1k_runs_expect(test, dma, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, dma->pinned, 4UL);
	KUNIT_EXPECT_EQ(test, dma->mmio, 2UL);
	t1k_runs_free(dma);
}

static void t1k_runs_chunks(struct kunit *test)
{
	unsigned long i, n = TYPE1_RUNS_PER_CHUNK + 1;
	/* chunks are sized by the mapping's pages still to come */
	struct type1_dma *dma = t1k_dma(test, 0, n * PAGE_SIZE);

	/* every other frame: each one a run of its own */
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, type1_add_pfn(dma, 2 * i, false), 0);
	KUNIT_EXPECT_NOT_NULL(test, dma->first);
	if (dma->first) {
		KUNIT_EXPECT_EQ(test, dma->first->nr, TYPE1_RUNS_PER_CHUNK);
		KUNIT_EXPECT_PTR_EQ(test, dma->first->next, dma->last_chunk);
		KUNIT_EXPECT_EQ(test, dma->last_chunk->nr, 1UL);
		KUNIT_EXPECT_EQ(test, dma->first->cap, TYPE1_RUNS_PER_CHUNK);
		/* one page was left for the second chunk */
		KUNIT_EXPECT_EQ(test, dma->last_chunk->cap, 1UL);
		KUNIT_EXPECT_EQ(test, dma->last_chunk->runs[0].pfn, 2 * (n - 1));
		KUNIT_EXPECT_NULL(test, dma->last_chunk->next);
	}
	KUNIT_EXPECT_EQ(test, dma->pinned, n);
	/* a full chunk fits in one page */
	KUNIT_EXPECT_LE(test, struct_size(dma->first, runs,
					  TYPE1_RUNS_PER_CHUNK), PAGE_SIZE);
	t1k_runs_free(dma);
}

static void t1k_runs_npages_cap(struct kunit *test)
{
	struct type1_dma *dma = t1k_dma(test, 0, 64 * PAGE_SIZE);
	struct type1_run *run;
	unsigned long base = 1000;

	KUNIT_ASSERT_EQ(test, type1_add_pfn(dma, base, false), 0);
	run = &dma->first->runs[0];
	run->npages = UINT_MAX - 1;
	KUNIT_EXPECT_EQ(test, type1_add_pfn(dma, base + UINT_MAX - 1, false),
			0);
	KUNIT_EXPECT_EQ(test, run->npages, UINT_MAX);
	/* a full run is not extended: the count would wrap */
	KUNIT_EXPECT_EQ(test, type1_add_pfn(dma, base + UINT_MAX, false), 0);
	KUNIT_EXPECT_EQ(test, run->npages, UINT_MAX);
	KUNIT_EXPECT_EQ(test, dma->first->nr, 2UL);
	KUNIT_EXPECT_EQ(test, dma->first->runs[1].pfn, base + UINT_MAX);
	t1k_runs_free(dma);
}

/* Whole stretches at once: merged with the last run when they follow it. */
static void t1k_runs_stretches(struct kunit *test)
{
	static const struct type1_run want[] = {
		{ .pfn = 100, .npages = 150 },
		{ .pfn = 300, .npages = 10 },
		{ .pfn = 310, .npages = 4, .mmio = true },
	};
	struct type1_dma *dma = t1k_dma(test, 0, 256 * PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, type1_add_run(dma, 100, 100, false), 0);
	KUNIT_EXPECT_EQ(test, type1_add_run(dma, 200, 50, false), 0);
	KUNIT_EXPECT_EQ(test, type1_add_run(dma, 300, 10, false), 0);
	/* physically next, but device memory: a run of its own */
	KUNIT_EXPECT_EQ(test, type1_add_run(dma, 310, 4, true), 0);
	t1k_runs_expect(test, dma, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, dma->pinned, 164UL);
	KUNIT_EXPECT_EQ(test, dma->mmio, 4UL);
	t1k_runs_free(dma);
}

/* A stretch that would overflow the last run's count continues in a new one. */
static void t1k_runs_stretch_split(struct kunit *test)
{
	struct type1_dma *dma = t1k_dma(test, 0, 64 * PAGE_SIZE);
	unsigned long base = 1000;
	struct type1_run *run;

	KUNIT_ASSERT_EQ(test, type1_add_run(dma, base, 1, false), 0);
	run = &dma->first->runs[0];
	run->npages = UINT_MAX - 2;
	KUNIT_EXPECT_EQ(test, type1_add_run(dma, base + UINT_MAX - 2, 5, false),
			0);
	KUNIT_EXPECT_EQ(test, run->npages, UINT_MAX);
	KUNIT_EXPECT_EQ(test, dma->first->nr, 2UL);
	KUNIT_EXPECT_EQ(test, dma->first->runs[1].pfn, base + UINT_MAX);
	KUNIT_EXPECT_EQ(test, dma->first->runs[1].npages, 3U);
	KUNIT_EXPECT_EQ(test, dma->pinned, 6UL);
	t1k_runs_free(dma);
}

static struct kunit_case t1k_runs_cases[] = {
	KUNIT_CASE(t1k_runs_coalesce),
	KUNIT_CASE(t1k_runs_mmio),
	KUNIT_CASE(t1k_runs_chunks),
	KUNIT_CASE(t1k_runs_npages_cap),
	KUNIT_CASE(t1k_runs_stretches),
	KUNIT_CASE(t1k_runs_stretch_split),
	{}
};

static struct kunit_suite t1k_runs_suite = {
	.name = "vfio_type1_runs",
	.test_cases = t1k_runs_cases,
};

/* ---- vfio_type1_ioctl ------------------------------------------------- */

/*
 * Layout of the borrowed user area: ioctl arguments in page 0, a dirty
 * bitmap from page 1, memory to map from T1K_BUF_PAGE.
 */
#define T1K_USER_PAGES	32
#define T1K_ARG_OFF	0
#define T1K_BITMAP_OFF	PAGE_SIZE
#define T1K_BUF_PAGE	16
#define T1K_BUF_PAGES	8

static struct vfio_kunit_user t1k_user;

struct t1k_ctx {
	struct type1_iommu *iommu;
	void __user *arg;
	u64 __user *bitmap;
	unsigned long buf;
};

static int t1k_ioctl_suite_init(struct kunit_suite *suite)
{
	return vfio_kunit_user_setup(&t1k_user, T1K_USER_PAGES * PAGE_SIZE);
}

static void t1k_ioctl_suite_exit(struct kunit_suite *suite)
{
	vfio_kunit_user_teardown(&t1k_user);
}

/* A fresh TYPE1v2 container and @user's memory for one case. */
static int t1k_ctx_init(struct kunit *test, struct vfio_kunit_user *user)
{
	struct t1k_ctx *ctx;
	void *iommu;
	int ret;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	iommu = type1_open(VFIO_TYPE1v2_IOMMU);
	if (IS_ERR(iommu))
		return PTR_ERR(iommu);
	ret = vfio_kunit_user_enter(user);
	if (ret) {
		type1_release(iommu);
		return ret;
	}
	ctx->iommu = iommu;
	ctx->arg = vfio_kunit_uptr(user, T1K_ARG_OFF);
	ctx->bitmap = vfio_kunit_uptr(user, T1K_BITMAP_OFF);
	ctx->buf = user->base + T1K_BUF_PAGE * PAGE_SIZE;
	test->priv = ctx;
	return 0;
}

static void t1k_ctx_exit(struct kunit *test, struct vfio_kunit_user *user)
{
	struct t1k_ctx *ctx = test->priv;

	if (ctx && ctx->iommu)
		type1_release(ctx->iommu);
	vfio_kunit_user_leave(user);
}

static int t1k_ioctl_init(struct kunit *test)
{
	return t1k_ctx_init(test, &t1k_user);
}

static void t1k_ioctl_exit(struct kunit *test)
{
	t1k_ctx_exit(test, &t1k_user);
}

static long t1k_map_argsz(struct t1k_ctx *ctx, void *iommu, u32 argsz,
			  u32 flags, u64 vaddr, u64 iova, u64 size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = argsz,
		.flags = flags,
		.vaddr = vaddr,
		.iova = iova,
		.size = size,
	};

	if (copy_to_user(ctx->arg, &map, sizeof(map)))
		return -EFAULT;
	return type1_ioctl(iommu, VFIO_IOMMU_MAP_DMA, (unsigned long)ctx->arg);
}

static long t1k_map(struct t1k_ctx *ctx, u32 flags, u64 vaddr, u64 iova,
		    u64 size)
{
	return t1k_map_argsz(ctx, ctx->iommu,
			     sizeof(struct vfio_iommu_type1_dma_map), flags,
			     vaddr, iova, size);
}

#define T1K_RW	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/* UNMAP_DMA; *size_out gets the size field written back. */
static long t1k_unmap_on(struct t1k_ctx *ctx, void *iommu, u32 flags,
			 u64 iova, u64 size, u64 *size_out)
{
	struct {
		struct vfio_iommu_type1_dma_unmap unmap;
		struct vfio_bitmap bitmap;
	} arg = {
		.unmap.argsz = sizeof(arg.unmap),
		.unmap.flags = flags,
		.unmap.iova = iova,
		.unmap.size = size,
	};
	long ret;

	if (flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) {
		arg.unmap.argsz = sizeof(arg);
		arg.bitmap.pgsize = PAGE_SIZE;
		arg.bitmap.size = PAGE_SIZE;
		arg.bitmap.data = (__u64 __user *)ctx->bitmap;
	}
	if (copy_to_user(ctx->arg, &arg, sizeof(arg)))
		return -EFAULT;
	ret = type1_ioctl(iommu, VFIO_IOMMU_UNMAP_DMA,
			  (unsigned long)ctx->arg);
	if (size_out && copy_from_user(&arg, ctx->arg, sizeof(arg)))
		return -EFAULT;
	if (size_out)
		*size_out = arg.unmap.size;
	return ret;
}

static long t1k_unmap(struct t1k_ctx *ctx, u32 flags, u64 iova, u64 size,
		      u64 *size_out)
{
	return t1k_unmap_on(ctx, ctx->iommu, flags, iova, size, size_out);
}

static void t1k_map_validation(struct kunit *test)
{
	struct t1k_ctx *ctx = test->priv;
	u64 top = U64_MAX - PAGE_SIZE + 1, done = 0;
	unsigned long buf = ctx->buf;
	u32 minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);

	KUNIT_EXPECT_EQ(test, t1k_map_argsz(ctx, ctx->iommu, minsz - 1, T1K_RW,
					    buf, 0, PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW | BIT(3), buf, 0, PAGE_SIZE),
			-EINVAL);
	/* neither READ nor WRITE, or VADDR together with them */
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, 0, buf, 0, PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, VFIO_DMA_MAP_FLAG_VADDR |
				      VFIO_DMA_MAP_FLAG_READ, buf, 0,
				      PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, buf, 0, 0), -EINVAL);
	/* iova, vaddr and size must be page aligned */
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, buf, 0x800, PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, buf + 8, 0, PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, buf, 0, PAGE_SIZE + 1),
			-EINVAL);
	/* ranges that wrap: EOVERFLOW (later upstream), not EINVAL */
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, buf, top, 2 * PAGE_SIZE),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, U64_MAX - PAGE_SIZE + 1, 0,
				      2 * PAGE_SIZE), -EOVERFLOW);
	/* VADDR update of a mapping that does not exist */
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, VFIO_DMA_MAP_FLAG_VADDR, buf, 0,
				      PAGE_SIZE), -ENOENT);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&ctx->iommu->dmas));

	/* the last page of the IOVA space is valid: last == U64_MAX */
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, buf, top, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, top, PAGE_SIZE, &done), 0);
	KUNIT_EXPECT_EQ(test, done, (u64)PAGE_SIZE);
}

static void t1k_map_accounting(struct kunit *test)
{
	struct t1k_ctx *ctx = test->priv;
	struct type1_iommu *iommu = ctx->iommu;
	unsigned long base = t1k_user.mm->locked_vm;
	unsigned int avail = iommu->dma_avail;
	struct type1_run_chunk *chunk;
	struct type1_dma *dma;
	unsigned long i, npages = 0;
	u64 done = 0;

	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf, SZ_1M,
				      4 * PAGE_SIZE), 0);
	/* one charge for the whole mapping */
	KUNIT_EXPECT_EQ(test, t1k_user.mm->locked_vm, base + 4);
	KUNIT_EXPECT_EQ(test, iommu->dma_avail, avail - 1);

	mutex_lock(&iommu->lock);
	dma = type1_dma_settled_at(iommu, SZ_1M);
	KUNIT_EXPECT_NOT_NULL(test, dma);
	if (dma) {
		KUNIT_EXPECT_EQ(test, dma->locked, 4UL);
		KUNIT_EXPECT_EQ(test, dma->pinned, 4UL);
		KUNIT_EXPECT_EQ(test, dma->mmio, 0UL);
		KUNIT_EXPECT_PTR_EQ(test, dma->mm, t1k_user.mm);
		for (chunk = dma->first; chunk; chunk = chunk->next)
			for (i = 0; i < chunk->nr; i++)
				npages += chunk->runs[i].npages;
		KUNIT_EXPECT_EQ(test, npages, 4UL);
	}
	mutex_unlock(&iommu->lock);

	/* overlapping: refused; adjacent (last + 1): fine */
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf,
				      SZ_1M + 3 * PAGE_SIZE, PAGE_SIZE),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, VFIO_DMA_MAP_FLAG_READ,
				      ctx->buf + 4 * PAGE_SIZE,
				      SZ_1M + 4 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, t1k_user.mm->locked_vm, base + 6);
	KUNIT_EXPECT_EQ(test, iommu->dma_avail, avail - 2);

	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0,
					&done), 0);
	KUNIT_EXPECT_EQ(test, done, 6ULL * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, t1k_user.mm->locked_vm, base);
	KUNIT_EXPECT_EQ(test, iommu->dma_avail, avail);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&iommu->dmas));
}

static void t1k_map_entry_limit(struct kunit *test)
{
	struct t1k_ctx *ctx = test->priv;
	u64 done = 0;

	ctx->iommu->dma_avail = 1;
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf, PAGE_SIZE,
				      PAGE_SIZE), -ENOSPC);
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, 0, PAGE_SIZE, &done), 0);
	KUNIT_EXPECT_EQ(test, ctx->iommu->dma_avail, 1U);
	/* outside the valid ranges */
	t1k_ranges_add(test, &ctx->iommu->ranges, SZ_1M, SZ_2M - 1);
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf, SZ_2M - PAGE_SIZE,
				      2 * PAGE_SIZE), -EINVAL);
}

static void t1k_unmap_validation(struct kunit *test)
{
	struct t1k_ctx *ctx = test->priv;
	u64 done = 1;

	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, 0x800, PAGE_SIZE, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, 0, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, 0, PAGE_SIZE + 1, NULL),
			-EINVAL);
	/* a wrapping range is EINVAL for UNMAP (as 6.1) */
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, U64_MAX - PAGE_SIZE + 1,
					2 * PAGE_SIZE, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, VFIO_DMA_UNMAP_FLAG_ALL,
					PAGE_SIZE, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, VFIO_DMA_UNMAP_FLAG_ALL, 0,
					PAGE_SIZE, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, BIT(5), 0, PAGE_SIZE, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx,
					VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP |
					VFIO_DMA_UNMAP_FLAG_ALL, 0, 0, NULL),
			-EINVAL);
	/* a bitmap while dirty tracking is off */
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx,
					VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
					0, PAGE_SIZE, NULL), -EINVAL);
	/* nothing mapped: success, nothing unmapped */
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, 0, SZ_1M, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 0ULL);
}

static void t1k_unmap_v2_no_split(struct kunit *test)
{
	struct t1k_ctx *ctx = test->priv;
	u64 done = 1;

	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf, SZ_1M,
				      4 * PAGE_SIZE), 0);
	/* a range starting or ending inside a mapping cuts it: refused */
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, SZ_1M + PAGE_SIZE, PAGE_SIZE,
					NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, SZ_1M, 2 * PAGE_SIZE, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, 0, SZ_1M + PAGE_SIZE, NULL),
			-EINVAL);
	/* covering it with room on both sides is fine */
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, 0, SZ_2M, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 4ULL * PAGE_SIZE);
}

static void t1k_unmap_v1(struct kunit *test)
{
	struct t1k_ctx *ctx = test->priv;
	void *v1 = type1_open(VFIO_TYPE1_IOMMU);
	u64 done = 1;

	KUNIT_EXPECT_FALSE(test, IS_ERR(v1));
	if (IS_ERR(v1))
		return;
	KUNIT_EXPECT_EQ(test, t1k_map_argsz(ctx, v1,
					    sizeof(struct vfio_iommu_type1_dma_map),
					    T1K_RW, ctx->buf, SZ_1M,
					    4 * PAGE_SIZE), 0);
	/* v1: a range starting inside a mapping unmaps nothing */
	KUNIT_EXPECT_EQ(test, t1k_unmap_on(ctx, v1, 0, SZ_1M + PAGE_SIZE,
					   PAGE_SIZE, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 0ULL);
	/* ... and one ending inside it unmaps all of it */
	KUNIT_EXPECT_EQ(test, t1k_unmap_on(ctx, v1, 0, SZ_1M - PAGE_SIZE,
					   2 * PAGE_SIZE, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 4ULL * PAGE_SIZE);
	/* v1 containers have no dirty tracking */
	KUNIT_EXPECT_EQ(test, type1_ioctl(v1, VFIO_IOMMU_DIRTY_PAGES,
					  (unsigned long)ctx->arg), -EACCES);
	type1_release(v1);
}

/* GET_INFO with @argsz; the returned struct is copied to @info. */
static long t1k_get_info(struct t1k_ctx *ctx, u32 argsz,
			 struct vfio_iommu_type1_info *info)
{
	struct vfio_iommu_type1_info in = { .argsz = argsz };
	long ret;

	/* a canary where cap_offset is, for callers that do not ask for it */
	in.cap_offset = 0xa5a5a5a5;
	if (copy_to_user(ctx->arg, &in, sizeof(in)))
		return -EFAULT;
	ret = type1_ioctl(ctx->iommu, VFIO_IOMMU_GET_INFO,
			  (unsigned long)ctx->arg);
	if (copy_from_user(info, ctx->arg, sizeof(*info)))
		return -EFAULT;
	return ret;
}

static void t1k_info_argsz(struct kunit *test)
{
	u32 minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info info;
	struct t1k_ctx *ctx = test->priv;
	u32 need;

	KUNIT_EXPECT_EQ(test, t1k_get_info(ctx, minsz - 1, &info), -EINVAL);

	/* room for the struct only: argsz grows, cap_offset 0 */
	KUNIT_EXPECT_EQ(test, t1k_get_info(ctx, sizeof(info), &info), 0);
	KUNIT_EXPECT_GT(test, info.argsz, (u32)sizeof(info));
	KUNIT_EXPECT_EQ(test, info.cap_offset, 0U);
	KUNIT_EXPECT_EQ(test, info.flags,
			VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
	KUNIT_EXPECT_EQ(test, info.iova_pgsizes, (u64)PAGE_MASK);
	need = info.argsz;

	/* old user space: argsz grows too, cap_offset is never written */
	KUNIT_EXPECT_EQ(test, t1k_get_info(ctx, minsz, &info), 0);
	KUNIT_EXPECT_EQ(test, info.argsz, need);
	KUNIT_EXPECT_EQ(test, info.flags,
			VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
	KUNIT_EXPECT_EQ(test, info.cap_offset, 0xa5a5a5a5U);

	/* one byte short: still only the size needed */
	KUNIT_EXPECT_EQ(test, t1k_get_info(ctx, need - 1, &info), 0);
	KUNIT_EXPECT_EQ(test, info.argsz, need);
	KUNIT_EXPECT_EQ(test, info.cap_offset, 0U);

	KUNIT_EXPECT_EQ(test, t1k_get_info(ctx, need, &info), 0);
	KUNIT_EXPECT_EQ(test, info.argsz, need);
	KUNIT_EXPECT_EQ(test, info.cap_offset, (u32)sizeof(info));
}

static void t1k_info_caps(struct kunit *test)
{
	struct vfio_iommu_type1_info_cap_iova_range *iova_cap;
	struct vfio_iommu_type1_info_cap_migration *mig;
	struct vfio_iommu_type1_info_dma_avail *avail;
	struct vfio_iommu_type1_info info;
	struct vfio_info_cap_header *hdr;
	struct t1k_ctx *ctx = test->priv;
	u32 off, seen = 0;
	size_t end;
	u8 *buf;

	t1k_ranges_add(test, &ctx->iommu->ranges, 0, 0xfedfffff);
	t1k_ranges_add(test, &ctx->iommu->ranges, 0xfef00000, U64_MAX);

	KUNIT_EXPECT_EQ(test, t1k_get_info(ctx, sizeof(info), &info), 0);
	KUNIT_EXPECT_LE(test, info.argsz, (u32)PAGE_SIZE);
	if (info.argsz > PAGE_SIZE)
		return;
	KUNIT_EXPECT_EQ(test, t1k_get_info(ctx, info.argsz, &info), 0);
	buf = kunit_kzalloc(test, info.argsz, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, buf);
	if (!buf || copy_from_user(buf, ctx->arg, info.argsz))
		return;

	for (off = info.cap_offset; off; off = hdr->next) {
		KUNIT_EXPECT_EQ(test, off % 8, 0U);
		KUNIT_EXPECT_LE(test, off + (u32)sizeof(*hdr), info.argsz);
		if (off % 8 || off + sizeof(*hdr) > info.argsz || seen > 8)
			return;
		hdr = (struct vfio_info_cap_header *)(buf + off);
		KUNIT_EXPECT_EQ(test, hdr->version, 1);
		switch (hdr->id) {
		case VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION:
			KUNIT_EXPECT_EQ(test, seen, 0U);
			mig = (void *)hdr;
			KUNIT_EXPECT_EQ(test, mig->pgsize_bitmap, (u64)PAGE_SIZE);
			KUNIT_EXPECT_EQ(test, mig->max_dirty_bitmap_size,
					(u64)TYPE1_BITMAP_SIZE_MAX);
			break;
		case VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL:
			KUNIT_EXPECT_EQ(test, seen, 1U);
			avail = (void *)hdr;
			KUNIT_EXPECT_EQ(test, avail->avail,
					ctx->iommu->dma_avail);
			break;
		case VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE:
			KUNIT_EXPECT_EQ(test, seen, 2U);
			iova_cap = (void *)hdr;
			end = off + struct_size(iova_cap, iova_ranges, 2);
			KUNIT_EXPECT_LE(test, end, (size_t)info.argsz);
			KUNIT_EXPECT_EQ(test, iova_cap->nr_iovas, 2U);
			KUNIT_EXPECT_EQ(test, iova_cap->iova_ranges[0].start,
					0ULL);
			KUNIT_EXPECT_EQ(test, iova_cap->iova_ranges[0].end,
					0xfedfffffULL);
			KUNIT_EXPECT_EQ(test, iova_cap->iova_ranges[1].start,
					0xfef00000ULL);
			KUNIT_EXPECT_EQ(test, iova_cap->iova_ranges[1].end,
					U64_MAX);
			KUNIT_EXPECT_EQ(test, hdr->next, 0);
			break;
		default:
			KUNIT_FAIL(test, "unexpected capability %u", hdr->id);
			return;
		}
		seen++;
	}
	KUNIT_EXPECT_EQ(test, seen, 3U);
}

/* Read @n words of the user bitmap. */
static int t1k_read_bitmap(struct t1k_ctx *ctx, u64 *words, int n)
{
	return copy_from_user(words, ctx->bitmap, n * sizeof(u64)) ?
	       -EFAULT : 0;
}

static void t1k_dirty_mark_partial(struct kunit *test)
{
	struct t1k_ctx *ctx = test->priv;
	u64 pre[4] = { 0x1, 0x100, 0, 0x8000000000000000ULL };
	struct type1_dma *dma;
	u64 w[4];

	KUNIT_EXPECT_EQ(test, copy_to_user(ctx->bitmap, pre, sizeof(pre)), 0);
	/* bits 60..67: the top of word 0 and the bottom of word 1 */
	dma = t1k_dma(test, 0x1000000 + 60 * PAGE_SIZE, 8 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, type1_dirty_mark(ctx->bitmap, dma, 0x1000000,
					       PAGE_SHIFT), 0);
	KUNIT_EXPECT_EQ(test, t1k_read_bitmap(ctx, w, 4), 0);
	/* the user's own bits around the range survive */
	KUNIT_EXPECT_EQ(test, w[0], 0xf000000000000001ULL);
	KUNIT_EXPECT_EQ(test, w[1], 0x10fULL);
	KUNIT_EXPECT_EQ(test, w[2], 0ULL);
	KUNIT_EXPECT_EQ(test, w[3], 0x8000000000000000ULL);

	/* whole words 1 and 2, word 3 untouched */
	dma = t1k_dma(test, 64 * PAGE_SIZE, 128 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, type1_dirty_mark(ctx->bitmap, dma, 0,
					       PAGE_SHIFT), 0);
	KUNIT_EXPECT_EQ(test, t1k_read_bitmap(ctx, w, 4), 0);
	KUNIT_EXPECT_EQ(test, w[0], 0xf000000000000001ULL);
	KUNIT_EXPECT_EQ(test, w[1], U64_MAX);
	KUNIT_EXPECT_EQ(test, w[2], U64_MAX);
	KUNIT_EXPECT_EQ(test, w[3], 0x8000000000000000ULL);
}

static void t1k_dirty_mark_pgshift(struct kunit *test)
{
	struct t1k_ctx *ctx = test->priv;
	struct type1_dma *dma;
	u64 w[1];

	/* two pages per bit: pages 4..7 are bits 2 and 3 */
	dma = t1k_dma(test, 4 * PAGE_SIZE, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, type1_dirty_mark(ctx->bitmap, dma, 0,
					       PAGE_SHIFT + 1), 0);
	KUNIT_EXPECT_EQ(test, t1k_read_bitmap(ctx, w, 1), 0);
	KUNIT_EXPECT_EQ(test, w[0], 0xcULL);
}

static void t1k_dirty_mark_long(struct kunit *test)
{
	/* more words than one page of ones: the copy loop runs twice */
	const u64 start = 5, nbits = 600 * 64 + 3;
	const int nwords = 603;
	struct t1k_ctx *ctx = test->priv;
	struct type1_dma *dma;
	u64 *w, bit;
	int bad = 0;

	w = kunit_kcalloc(test, nwords, sizeof(u64), GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, w);
	if (!w)
		return;
	KUNIT_EXPECT_LE(test, T1K_BITMAP_OFF + nwords * sizeof(u64),
			(unsigned long)T1K_BUF_PAGE * PAGE_SIZE);
	dma = t1k_dma(test, start * PAGE_SIZE, nbits * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, type1_dirty_mark(ctx->bitmap, dma, 0,
					       PAGE_SHIFT), 0);
	KUNIT_EXPECT_EQ(test, t1k_read_bitmap(ctx, w, nwords), 0);
	for (bit = 0; bit < nwords * 64; bit++) {
		bool set = w[bit / 64] & BIT_ULL(bit % 64);
		bool want = bit >= start && bit < start + nbits;

		if (set != want && bad++ < 4)
			KUNIT_FAIL(test, "bit %llu is %d", bit, set);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

static void t1k_check_bitmap(struct kunit *test)
{
	struct t1k_ctx *ctx = test->priv;
	void __user *data = ctx->bitmap;
	u64 sz = 65 * PAGE_SIZE;	/* 65 bits: two u64 words */

	KUNIT_EXPECT_EQ(test, type1_check_bitmap(0, sz, 16, data), -EINVAL);
	KUNIT_EXPECT_EQ(test, type1_check_bitmap(3 * PAGE_SIZE, sz, 16, data),
			-EINVAL);
	/* less than one page: no bit */
	KUNIT_EXPECT_EQ(test, type1_check_bitmap(PAGE_SIZE, PAGE_SIZE - 1, 16,
						 data), -EINVAL);
	KUNIT_EXPECT_EQ(test, type1_check_bitmap(PAGE_SIZE, sz, 0, data),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, type1_check_bitmap(PAGE_SIZE, sz, 8, data),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, type1_check_bitmap(PAGE_SIZE, sz, 16, data), 0);
	/* with twice the page size, one word is enough */
	KUNIT_EXPECT_EQ(test, type1_check_bitmap(2 * PAGE_SIZE, sz, 8, data),
			0);
	KUNIT_EXPECT_EQ(test, type1_check_bitmap(PAGE_SIZE, sz,
						 TYPE1_BITMAP_SIZE_MAX + 1,
						 data), -EINVAL);
	/* not user memory */
	KUNIT_EXPECT_EQ(test, type1_check_bitmap(PAGE_SIZE, sz, 16,
						 (void __user *)-4096L),
			-EINVAL);
}

static long t1k_dirty(struct t1k_ctx *ctx, u32 flags, u64 iova, u64 size)
{
	struct {
		struct vfio_iommu_type1_dirty_bitmap hdr;
		struct vfio_iommu_type1_dirty_bitmap_get get;
	} arg = {
		.hdr.argsz = sizeof(arg),
		.hdr.flags = flags,
		.get.iova = iova,
		.get.size = size,
		.get.bitmap.pgsize = PAGE_SIZE,
		.get.bitmap.size = PAGE_SIZE,
		.get.bitmap.data = (__u64 __user *)ctx->bitmap,
	};

	if (copy_to_user(ctx->arg, &arg, sizeof(arg)))
		return -EFAULT;
	return type1_ioctl(ctx->iommu, VFIO_IOMMU_DIRTY_PAGES,
			   (unsigned long)ctx->arg);
}

static void t1k_dirty_ioctl(struct kunit *test)
{
	const u32 start = VFIO_IOMMU_DIRTY_PAGES_FLAG_START;
	const u32 stop = VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP;
	const u32 get = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	struct t1k_ctx *ctx = test->priv;
	u64 w[2], done = 0;

	/* exactly one operation per call */
	KUNIT_EXPECT_EQ(test, t1k_dirty(ctx, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_dirty(ctx, start | stop, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_dirty(ctx, BIT(7), 0, 0), -EINVAL);
	/* no bitmap before tracking starts */
	KUNIT_EXPECT_EQ(test, t1k_dirty(ctx, get, 0, SZ_1M), -EINVAL);

	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf, 2 * PAGE_SIZE,
				      3 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, t1k_dirty(ctx, start, 0, 0), 0);
	KUNIT_EXPECT_TRUE(test, ctx->iommu->dirty_tracking);

	/* every page of a mapping is reported dirty */
	KUNIT_EXPECT_EQ(test, t1k_dirty(ctx, get, 0, 64 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, t1k_read_bitmap(ctx, w, 1), 0);
	KUNIT_EXPECT_EQ(test, w[0], 0x1cULL);
	/* a range cutting the mapping is refused; misaligned too */
	KUNIT_EXPECT_EQ(test, t1k_dirty(ctx, get, 3 * PAGE_SIZE, PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t1k_dirty(ctx, get, 1, PAGE_SIZE), -EINVAL);
	/* wrapping range */
	KUNIT_EXPECT_EQ(test, t1k_dirty(ctx, get, U64_MAX - PAGE_SIZE + 1,
					2 * PAGE_SIZE), -EINVAL);

	/* unmap with a bitmap: bit 0 is the unmap's iova */
	KUNIT_EXPECT_EQ(test, clear_user(ctx->bitmap, 16), 0);
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx,
					VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
					PAGE_SIZE, 8 * PAGE_SIZE, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 3ULL * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, t1k_read_bitmap(ctx, w, 2), 0);
	KUNIT_EXPECT_EQ(test, w[0], 0xeULL);

	KUNIT_EXPECT_EQ(test, t1k_dirty(ctx, stop, 0, 0), 0);
	KUNIT_EXPECT_FALSE(test, ctx->iommu->dirty_tracking);
}

static void t1k_check_extension(struct kunit *test)
{
	struct t1k_ctx *ctx = test->priv;

	/* without a container (asked by the core before SET_IOMMU) */
	KUNIT_EXPECT_EQ(test, type1_ioctl(NULL, VFIO_CHECK_EXTENSION,
					  VFIO_TYPE1v2_IOMMU), 1L);
	KUNIT_EXPECT_EQ(test, type1_ioctl(NULL, VFIO_CHECK_EXTENSION,
					  VFIO_UPDATE_VADDR), 0L);
	KUNIT_EXPECT_EQ(test, type1_ioctl(NULL, VFIO_CHECK_EXTENSION,
					  VFIO_SPAPR_TCE_IOMMU), 0L);
	KUNIT_EXPECT_EQ(test, type1_ioctl(NULL, VFIO_IOMMU_GET_INFO, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, type1_ioctl(ctx->iommu, VFIO_CHECK_EXTENSION,
					  VFIO_UPDATE_VADDR), 1L);
	KUNIT_EXPECT_EQ(test, type1_ioctl(ctx->iommu, VFIO_CHECK_EXTENSION,
					  VFIO_UNMAP_ALL), 1L);
	KUNIT_EXPECT_EQ(test, type1_ioctl(ctx->iommu, VFIO_GET_API_VERSION, 0),
			-ENOTTY);
	KUNIT_EXPECT_TRUE(test, IS_ERR(type1_open(VFIO_SPAPR_TCE_IOMMU)));
}

static struct kunit_case t1k_ioctl_cases[] = {
	KUNIT_CASE(t1k_map_validation),
	KUNIT_CASE(t1k_map_accounting),
	KUNIT_CASE(t1k_map_entry_limit),
	KUNIT_CASE(t1k_unmap_validation),
	KUNIT_CASE(t1k_unmap_v2_no_split),
	KUNIT_CASE(t1k_unmap_v1),
	KUNIT_CASE(t1k_info_argsz),
	KUNIT_CASE(t1k_info_caps),
	KUNIT_CASE(t1k_dirty_mark_partial),
	KUNIT_CASE(t1k_dirty_mark_pgshift),
	KUNIT_CASE(t1k_dirty_mark_long),
	KUNIT_CASE(t1k_check_bitmap),
	KUNIT_CASE(t1k_dirty_ioctl),
	KUNIT_CASE(t1k_check_extension),
	{}
};

static struct kunit_suite t1k_ioctl_suite = {
	.name = "vfio_type1_ioctl",
	.suite_init = t1k_ioctl_suite_init,
	.suite_exit = t1k_ioctl_suite_exit,
	.init = t1k_ioctl_init,
	.exit = t1k_ioctl_exit,
	.test_cases = t1k_ioctl_cases,
};

/* ---- vfio_type1_account ----------------------------------------------- */

/*
 * User memory of this suite, in the process loading the module:
 *   t1a_user   laid out as t1k_user (arguments in page 0, ctx->buf from
 *              page T1K_BUF_PAGE), with T1A_RAM_PAGES of RAM at ctx->buf
 *              (cleared, hence present, at the start of every case);
 *   t1a_mixed  T1A_MIX_RAM pages of anonymous RAM directly followed by
 *              T1A_MMIO_PAGES of a VM_PFNMAP mapping (remap_pfn_range()
 *              of t1a_mmio, standing in for a peer device's BAR);
 *   t1a_holey  T1A_HOLEY_PAGES of anonymous RAM, page T1A_HOLE unmapped.
 * T1A_BATCH is pin.c's batch: one page worth of page pointers.
 */
#define T1A_BATCH	(PAGE_SIZE / sizeof(struct page *))
#define T1A_RAM_PAGES	(2 * T1A_BATCH + 37)
#define T1A_MIX_RAM	8
#define T1A_MMIO_ORDER	2
#define T1A_MMIO_PAGES	BIT(T1A_MMIO_ORDER)
#define T1A_MIX_PAGES	(T1A_MIX_RAM + T1A_MMIO_PAGES)
#define T1A_HOLEY_PAGES	(T1A_BATCH + 64)
#define T1A_HOLE	(T1A_BATCH + 32)

static struct vfio_kunit_user t1a_user;
static struct page *t1a_mmio;
static unsigned long t1a_mixed;
static unsigned long t1a_holey;

static int t1a_mmio_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start;

	if (vma->vm_pgoff || size > T1A_MMIO_PAGES * PAGE_SIZE)
		return -EINVAL;
	return remap_pfn_range(vma, vma->vm_start, page_to_pfn(t1a_mmio),
			       size, vma->vm_page_prot);
}

static const struct file_operations t1a_mmio_fops = {
	.owner = THIS_MODULE,
	.mmap = t1a_mmio_mmap,
};

/* In the loading process: map the VM_PFNMAP part of t1a_mixed. */
static int t1a_map_mmio(void)
{
	unsigned long want = t1a_mixed + T1A_MIX_RAM * PAGE_SIZE, addr;
	struct file *file;

	file = anon_inode_getfile("[vfio-type1-kunit]", &t1a_mmio_fops, NULL,
				  O_RDWR);
	if (IS_ERR(file))
		return PTR_ERR(file);
	addr = vm_mmap(file, want, T1A_MMIO_PAGES * PAGE_SIZE,
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, 0);
	fput(file);	/* the vma holds its own reference */
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	return addr == want ? 0 : -EINVAL;
}

static unsigned long t1a_anon(unsigned long npages)
{
	return vm_mmap(NULL, 0, npages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
}

static int t1a_suite_init(struct kunit_suite *suite)
{
	unsigned long addr;
	int ret;

	ret = vfio_kunit_user_setup(&t1a_user, (T1K_BUF_PAGE + T1A_RAM_PAGES) *
				    PAGE_SIZE);
	if (ret)
		return ret;
	t1a_mmio = alloc_pages(GFP_KERNEL | __GFP_ZERO, T1A_MMIO_ORDER);
	if (!t1a_mmio) {
		ret = -ENOMEM;
		goto out_teardown;
	}

	addr = t1a_anon(T1A_MIX_PAGES);
	if (IS_ERR_VALUE(addr)) {
		ret = (int)addr;
		goto out_free_mmio;
	}
	t1a_mixed = addr;
	ret = t1a_map_mmio();
	if (ret)
		goto out_unmap_mixed;

	addr = t1a_anon(T1A_HOLEY_PAGES);
	if (IS_ERR_VALUE(addr)) {
		ret = (int)addr;
		goto out_unmap_mixed;
	}
	t1a_holey = addr;
	ret = vm_munmap(t1a_holey + T1A_HOLE * PAGE_SIZE, PAGE_SIZE);
	if (ret)
		goto out_unmap_holey;
	return 0;

out_unmap_holey:
	vm_munmap(t1a_holey, T1A_HOLEY_PAGES * PAGE_SIZE);
out_unmap_mixed:
	vm_munmap(t1a_mixed, T1A_MIX_PAGES * PAGE_SIZE);
out_free_mmio:
	__free_pages(t1a_mmio, T1A_MMIO_ORDER);
out_teardown:
	vfio_kunit_user_teardown(&t1a_user);
	return ret;
}

static void t1a_suite_exit(struct kunit_suite *suite)
{
	/* The frames may only go once no process maps them any more. */
	if (current->mm == t1a_user.mm) {
		vm_munmap(t1a_holey, T1A_HOLEY_PAGES * PAGE_SIZE);
		vm_munmap(t1a_mixed, T1A_MIX_PAGES * PAGE_SIZE);
		__free_pages(t1a_mmio, T1A_MMIO_ORDER);
	}
	vfio_kunit_user_teardown(&t1a_user);
}

static int t1a_init(struct kunit *test)
{
	return t1k_ctx_init(test, &t1a_user);
}

static void t1a_exit(struct kunit *test)
{
	t1k_ctx_exit(test, &t1a_user);
}

static unsigned long t1a_locked(void)
{
	return READ_ONCE(t1a_user.mm->locked_vm);
}

static struct type1_dma *t1a_dma_at(struct t1k_ctx *ctx, u64 iova)
{
	struct type1_dma *dma;

	mutex_lock(&ctx->iommu->lock);
	dma = type1_dma_settled_at(ctx->iommu, iova);
	mutex_unlock(&ctx->iommu->lock);
	return dma;
}

/* Whether the page at user address @addr holds a DMA pin now. */
static bool t1a_pinned(unsigned long addr)
{
	struct page *page;
	bool pinned;

	if (get_user_pages_fast(addr, 1, 0, &page) != 1)
		return false;
	pinned = page_maybe_dma_pinned(page);
	put_page(page);
	return pinned;
}

/*
 * The case thread (a kthread, so far with every capability) becomes like
 * an unprivileged task: no CAP_IPC_LOCK and an RLIMIT_MEMLOCK of @pages.
 */
struct t1a_unpriv {
	const struct cred *old_cred;
	struct rlimit old_rlim;
};

static int t1a_unpriv_enter(struct t1a_unpriv *u, unsigned long pages)
{
	struct rlimit *rlim = &current->signal->rlim[RLIMIT_MEMLOCK];
	struct cred *cred;

	cred = prepare_creds();
	if (!cred)
		return -ENOMEM;
	cap_lower(cred->cap_effective, CAP_IPC_LOCK);
	u->old_cred = override_creds(cred);
	put_cred(cred);

	task_lock(current->group_leader);
	u->old_rlim = *rlim;
	rlim->rlim_cur = pages << PAGE_SHIFT;
	rlim->rlim_max = pages << PAGE_SHIFT;
	task_unlock(current->group_leader);
	return 0;
}

static void t1a_unpriv_leave(struct t1a_unpriv *u)
{
	task_lock(current->group_leader);
	current->signal->rlim[RLIMIT_MEMLOCK] = u->old_rlim;
	task_unlock(current->group_leader);
	revert_creds(u->old_cred);
}

/* Several pin batches of RAM: exactly the pinned pages are charged. */
static void t1a_ram_charged(struct kunit *test)
{
	const u64 size = T1A_RAM_PAGES * PAGE_SIZE;
	struct t1k_ctx *ctx = test->priv;
	unsigned long base = t1a_locked();
	struct type1_dma *dma;
	u64 done = 0;

	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf, SZ_16M, size), 0);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base + T1A_RAM_PAGES);
	dma = t1a_dma_at(ctx, SZ_16M);
	KUNIT_EXPECT_NOT_NULL(test, dma);
	if (dma) {
		KUNIT_EXPECT_EQ(test, dma->pinned, T1A_RAM_PAGES);
		KUNIT_EXPECT_EQ(test, dma->mmio, 0UL);
		KUNIT_EXPECT_EQ(test, dma->locked, T1A_RAM_PAGES);
	}
	KUNIT_EXPECT_TRUE(test, t1a_pinned(ctx->buf));
	KUNIT_EXPECT_TRUE(test, t1a_pinned(ctx->buf + size - PAGE_SIZE));

	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, SZ_16M, size, &done), 0);
	KUNIT_EXPECT_EQ(test, done, size);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base);
	KUNIT_EXPECT_FALSE(test, t1a_pinned(ctx->buf));
}

/*
 * VM_PFNMAP frames are never charged, not even against a limit with no
 * headroom at all; RAM in front of them in the same mapping is.
 */
static void t1a_mmio_not_charged(struct kunit *test)
{
	const unsigned long mmio_va = t1a_mixed + T1A_MIX_RAM * PAGE_SIZE;
	struct type1_run want = {
		.pfn = page_to_pfn(t1a_mmio),
		.npages = T1A_MMIO_PAGES,
		.mmio = true,
	};
	struct t1k_ctx *ctx = test->priv;
	int refs = page_ref_count(t1a_mmio);
	unsigned long base = t1a_locked();
	struct type1_dma *dma;
	struct t1a_unpriv u;
	u64 done = 0;

	if (t1a_unpriv_enter(&u, base)) {
		KUNIT_FAIL(test, "cannot drop CAP_IPC_LOCK");
		return;
	}
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, mmio_va, SZ_16M,
				      T1A_MMIO_PAGES * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base);
	dma = t1a_dma_at(ctx, SZ_16M);
	KUNIT_EXPECT_NOT_NULL(test, dma);
	if (dma) {
		t1k_runs_expect(test, dma, &want, 1);
		KUNIT_EXPECT_EQ(test, dma->mmio, T1A_MMIO_PAGES);
		KUNIT_EXPECT_EQ(test, dma->locked, 0UL);
	}
	/* device memory is not pinned either */
	KUNIT_EXPECT_EQ(test, page_ref_count(t1a_mmio), refs);

	/* the RAM before it must fit under the limit */
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, t1a_mixed, SZ_32M,
				      T1A_MIX_PAGES * PAGE_SIZE), -ENOMEM);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base);
	KUNIT_EXPECT_FALSE(test, t1a_pinned(t1a_mixed));
	t1a_unpriv_leave(&u);

	if (t1a_unpriv_enter(&u, base + T1A_MIX_RAM)) {
		KUNIT_FAIL(test, "cannot drop CAP_IPC_LOCK");
		return;
	}
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, t1a_mixed, SZ_32M,
				      T1A_MIX_PAGES * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base + T1A_MIX_RAM);
	dma = t1a_dma_at(ctx, SZ_32M);
	KUNIT_EXPECT_NOT_NULL(test, dma);
	if (dma) {
		KUNIT_EXPECT_EQ(test, dma->pinned, T1A_MIX_PAGES);
		KUNIT_EXPECT_EQ(test, dma->mmio, T1A_MMIO_PAGES);
		KUNIT_EXPECT_EQ(test, dma->locked, (unsigned long)T1A_MIX_RAM);
		KUNIT_EXPECT_TRUE(test, dma->last_chunk &&
				  dma->last_chunk->runs[dma->last_chunk->nr - 1].mmio);
	}
	t1a_unpriv_leave(&u);

	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0,
					&done), 0);
	KUNIT_EXPECT_EQ(test, done, (T1A_MMIO_PAGES + T1A_MIX_PAGES) *
			PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base);
	KUNIT_EXPECT_EQ(test, page_ref_count(t1a_mmio), refs);
}

/* RLIMIT_MEMLOCK without CAP_IPC_LOCK: ENOMEM past it, nothing left. */
static void t1a_limit(struct kunit *test)
{
	const unsigned long fit = T1A_BATCH + 10;
	struct t1k_ctx *ctx = test->priv;
	unsigned int avail = ctx->iommu->dma_avail;
	unsigned long base = t1a_locked();
	struct t1a_unpriv u;
	u64 done = 0;

	if (t1a_unpriv_enter(&u, base + fit)) {
		KUNIT_FAIL(test, "cannot drop CAP_IPC_LOCK");
		return;
	}
	/* the first batch fits, the second goes past the limit */
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf, SZ_16M,
				      2 * T1A_BATCH * PAGE_SIZE), -ENOMEM);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&ctx->iommu->dmas));
	KUNIT_EXPECT_EQ(test, ctx->iommu->dma_avail, avail);
	KUNIT_EXPECT_FALSE(test, t1a_pinned(ctx->buf));

	/* up to the limit exactly is fine, one page more is not */
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf, SZ_16M,
				      fit * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base + fit);
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf + fit * PAGE_SIZE,
				      SZ_32M, PAGE_SIZE), -ENOMEM);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base + fit);
	t1a_unpriv_leave(&u);

	/* CAP_IPC_LOCK is exempt from the limit, still charged */
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, ctx->buf + fit * PAGE_SIZE,
				      SZ_32M, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base + fit + 1);

	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, VFIO_DMA_UNMAP_FLAG_ALL, 0, 0,
					&done), 0);
	KUNIT_EXPECT_EQ(test, done, (fit + 1) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base);
}

/* A pin failing after a batch was pinned and charged undoes it all. */
static void t1a_failed_pin(struct kunit *test)
{
	struct t1k_ctx *ctx = test->priv;
	unsigned int avail = ctx->iommu->dma_avail;
	unsigned long base = t1a_locked();
	u64 done = 0;

	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, t1a_holey, SZ_16M,
				      T1A_HOLEY_PAGES * PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&ctx->iommu->dmas));
	KUNIT_EXPECT_EQ(test, ctx->iommu->dma_avail, avail);
	KUNIT_EXPECT_FALSE(test, t1a_pinned(t1a_holey));
	KUNIT_EXPECT_FALSE(test, t1a_pinned(t1a_holey +
					    (T1A_HOLE - 1) * PAGE_SIZE));

	/* the same memory up to the hole maps, and is charged */
	KUNIT_EXPECT_EQ(test, t1k_map(ctx, T1K_RW, t1a_holey, SZ_16M,
				      T1A_HOLE * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base + T1A_HOLE);
	KUNIT_EXPECT_TRUE(test, t1a_pinned(t1a_holey));
	KUNIT_EXPECT_EQ(test, t1k_unmap(ctx, 0, SZ_16M, T1A_HOLE * PAGE_SIZE,
					&done), 0);
	KUNIT_EXPECT_EQ(test, t1a_locked(), base);
}

static struct kunit_case t1a_cases[] = {
	KUNIT_CASE(t1a_ram_charged),
	KUNIT_CASE(t1a_mmio_not_charged),
	KUNIT_CASE(t1a_limit),
	KUNIT_CASE(t1a_failed_pin),
	{}
};

static struct kunit_suite t1a_suite = {
	.name = "vfio_type1_account",
	.suite_init = t1a_suite_init,
	.suite_exit = t1a_suite_exit,
	.init = t1a_init,
	.exit = t1a_exit,
	.test_cases = t1a_cases,
};

kunit_test_suites(&t1k_tree_suite, &t1k_ranges_suite, &t1k_runs_suite,
		  &t1k_ioctl_suite, &t1a_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of vfio_iommu_type1");
