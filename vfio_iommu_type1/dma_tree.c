// SPDX-License-Identifier: GPL-2.0-only
/*
 * The set of user mappings of a container, an rb-tree keyed by IOVA.
 *
 * Invariants: mappings never overlap, so ordering by first IOVA also orders
 * them by last IOVA, and "the first mapping that ends at or after X" is a
 * plain tree descent.  Ranges here are inclusive: [start, last], so a range
 * reaching U64_MAX needs no special case.  Callers have already rejected
 * sizes that wrap.  Everything here runs under type1_iommu::lock.
 */
#include <linux/lockdep.h>
#include <linux/rbtree.h>

#include "type1_priv.h"

/**
 * type1_dma_first() - lowest mapping that intersects [start, last]
 * @iommu: the container
 * @start: first IOVA of the range
 * @last: last IOVA of the range (inclusive)
 *
 * Return: the mapping, or NULL when none intersects.
 */
struct type1_dma *type1_dma_first(struct type1_iommu *iommu, u64 start,
				  u64 last)
{
	struct rb_node *node = iommu->dmas.rb_node;
	struct type1_dma *found = NULL;

	lockdep_assert_held(&iommu->lock);

	while (node) {
		struct type1_dma *dma = rb_entry(node, struct type1_dma, node);

		if (type1_dma_last(dma) >= start) {
			found = dma;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	if (found && found->iova > last)
		return NULL;
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(type1_dma_first);

/**
 * type1_dma_settled_at() - the mapping containing @iova, unless pending
 * @iommu: the container
 * @iova: an IOVA
 *
 * Return: the mapping or NULL.
 */
struct type1_dma *type1_dma_settled_at(struct type1_iommu *iommu, u64 iova)
{
	struct type1_dma *dma = type1_dma_first(iommu, iova, iova);

	return dma && !dma->pending ? dma : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(type1_dma_settled_at);

/**
 * type1_range_cuts_dma() - does [@iova, @last] cut a settled mapping in two
 * @iommu: the container, with type1_iommu::lock held
 * @iova: first IOVA of the range
 * @last: last IOVA of the range (inclusive)
 *
 * A range may cover mappings whole, but neither end may fall inside one:
 * v2 unmaps and dirty-bitmap queries refuse such a range.
 *
 * Return: true if a mapping starts before @iova and reaches it, or
 * reaches past @last from inside the range.
 */
bool type1_range_cuts_dma(struct type1_iommu *iommu, u64 iova, u64 last)
{
	struct type1_dma *dma;

	lockdep_assert_held(&iommu->lock);

	dma = type1_dma_settled_at(iommu, iova);
	if (dma && dma->iova != iova)
		return true;
	dma = type1_dma_settled_at(iommu, last);
	return dma && type1_dma_last(dma) != last;
}
EXPORT_SYMBOL_IF_KUNIT(type1_range_cuts_dma);

/**
 * type1_dma_next() - the mapping after @dma in IOVA order
 * @dma: a mapping in the tree
 *
 * Return: the next mapping or NULL.
 */
struct type1_dma *type1_dma_next(struct type1_dma *dma)
{
	struct rb_node *node = rb_next(&dma->node);

	return node ? rb_entry(node, struct type1_dma, node) : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(type1_dma_next);

/**
 * type1_dma_insert() - add a mapping that overlaps no other
 * @iommu: the container
 * @dma: the new mapping, @iova and @size set
 */
void type1_dma_insert(struct type1_iommu *iommu, struct type1_dma *dma)
{
	struct rb_node **link = &iommu->dmas.rb_node, *parent = NULL;

	lockdep_assert_held(&iommu->lock);

	while (*link) {
		struct type1_dma *cur = rb_entry(*link, struct type1_dma, node);

		parent = *link;
		if (type1_dma_last(dma) < cur->iova) {
			link = &parent->rb_left;
		} else {
			WARN_ON(dma->iova <= type1_dma_last(cur));
			link = &parent->rb_right;
		}
	}
	rb_link_node(&dma->node, parent, link);
	rb_insert_color(&dma->node, &iommu->dmas);
}
EXPORT_SYMBOL_IF_KUNIT(type1_dma_insert);

/**
 * type1_dma_erase() - take a mapping out of the tree
 * @iommu: the container
 * @dma: a mapping in the tree
 */
void type1_dma_erase(struct type1_iommu *iommu, struct type1_dma *dma)
{
	lockdep_assert_held(&iommu->lock);
	rb_erase(&dma->node, &iommu->dmas);
	RB_CLEAR_NODE(&dma->node);
}
EXPORT_SYMBOL_IF_KUNIT(type1_dma_erase);
