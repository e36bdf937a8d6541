/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private state of vfio_iommu_type1.ko, shared by its files.
 *
 * A container ("iommu") holds a set of user mappings (struct type1_dma),
 * each pinned once into a list of physically contiguous runs, and a list of
 * IOMMU domains into which every settled mapping is programmed.
 *
 * Lock order (outermost first):
 *   the core's container rwsem (read across ioctl, write across
 *     open/attach/detach/release)
 *   type1_iommu::lock
 *   mm->mmap_lock (taken inside pin/account helpers only)
 *
 * Because attach, detach and release run with the core's rwsem held for
 * writing, the domain list, the group lists, the valid IOVA ranges and
 * pgsize_bitmap never change while an ioctl runs: ioctls read them without
 * type1_iommu::lock.  They are still written under type1_iommu::lock.
 */
#ifndef VFIO_TYPE1_PRIV_H
#define VFIO_TYPE1_PRIV_H

#include <kunit/visibility.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/types.h>

extern bool type1_allow_unsafe_interrupts;
extern bool type1_disable_hugepages;
extern bool type1_separate_domains;
extern unsigned int type1_dma_entry_limit;

/**
 * struct type1_run - physically contiguous frames
 * @pfn: first page frame
 * @npages: number of frames, >= 1
 * @mmio: frames of a VM_PFNMAP mapping (device memory): not pinned, not
 *        charged to locked_vm, never unpinned
 */
struct type1_run {
	unsigned long pfn;
	unsigned int npages;
	bool mmio;
};

/* Runs in a chunk of one page, the most a chunk holds. */
#define TYPE1_RUNS_PER_CHUNK \
	((PAGE_SIZE - 3 * sizeof(unsigned long)) / sizeof(struct type1_run))

/**
 * struct type1_run_chunk - up to a page worth of runs, singly linked
 * @next: the following chunk, or NULL
 * @nr: used entries of @runs
 * @cap: entries of @runs, 1..TYPE1_RUNS_PER_CHUNK: never more than the
 *       mapping's pages not yet recorded when the chunk was allocated (each
 *       run holds at least one), so a small mapping gets a small chunk
 * @runs: the runs, in IOVA order
 */
struct type1_run_chunk {
	struct type1_run_chunk *next;
	unsigned long nr;
	unsigned long cap;
	struct type1_run runs[];
};

/**
 * struct type1_dma - one user mapping, IOVA [iova, iova + size)
 * @node: in type1_iommu::dmas, keyed by @iova (mappings never overlap)
 * @reap: on a private list while being torn down
 * @iova: first IOVA
 * @size: length in bytes, a multiple of PAGE_SIZE, never 0
 * @vaddr: user address backing @iova
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @pending: MAP_DMA is still pinning/mapping it outside the lock; such
 *           an entry reserves its IOVA range but is invisible to UNMAP_DMA
 * @vaddr_invalid: user space invalidated @vaddr (VFIO_DMA_UNMAP_FLAG_VADDR)
 * @mm: the mm the pages were pinned from (mmgrab()ed)
 * @locked: pages charged to @mm's locked_vm: the pinned RAM pages, never
 *          MMIO frames (@pinned - @mmio once pinning is complete)
 * @first: first chunk of runs
 * @last_chunk: chunk receiving new runs
 * @pinned: frames held by the runs, MMIO ones included
 * @mmio: MMIO frames among them
 *
 * @pending, @vaddr, @vaddr_invalid, @mm and @locked are protected by
 * type1_iommu::lock once the entry is in the tree.
 */
struct type1_dma {
	struct rb_node node;
	struct list_head reap;
	u64 iova;
	u64 size;
	unsigned long vaddr;
	int prot;
	bool pending;
	bool vaddr_invalid;
	struct mm_struct *mm;
	unsigned long locked;
	struct type1_run_chunk *first;
	struct type1_run_chunk *last_chunk;
	unsigned long pinned;
	unsigned long mmio;
};

/**
 * struct type1_domain - one iommu_domain and the groups attached to it
 * @node: in type1_iommu::domains
 * @domain: the IOMMU domain
 * @groups: struct type1_group list
 * @prot: extra IOMMU_* flags for every map (IOMMU_CACHE)
 * @enforce_cc: the domain blocks no-snoop DMA
 */
struct type1_domain {
	struct list_head node;
	struct iommu_domain *domain;
	struct list_head groups;
	int prot;
	bool enforce_cc;
};

/**
 * struct type1_group - an attached IOMMU group
 * @node: in type1_domain::groups
 * @group: the IOMMU group
 * @resv: its reserved regions (struct iommu_resv_region)
 */
struct type1_group {
	struct list_head node;
	struct iommu_group *group;
	struct list_head resv;
};

/**
 * struct type1_range - a valid IOVA range [start, last], both inclusive
 * @node: in a sorted, non-overlapping list
 * @start: first valid IOVA
 * @last: last valid IOVA
 */
struct type1_range {
	struct list_head node;
	u64 start;
	u64 last;
};

/**
 * struct type1_iommu - per-container state
 * @lock: protects @dmas, @dma_avail, @vaddr_invalid_count, @dirty_tracking
 *        and the mutable fields of each type1_dma; taken inside the
 *        core's rwsem
 * @dmas: rb-tree of struct type1_dma
 * @dma_avail: how many more mappings may be created
 * @vaddr_invalid_count: mappings with an invalidated vaddr
 * @dirty_tracking: VFIO_IOMMU_DIRTY_PAGES_FLAG_START is in effect
 * @domains: struct type1_domain list (see the file comment for locking)
 * @ranges: valid IOVA ranges, struct type1_range list
 * @pgsize_bitmap: page sizes every domain supports
 * @v2: TYPE1v2 semantics
 * @nesting: VFIO_TYPE1_NESTING_IOMMU was asked for
 */
struct type1_iommu {
	struct mutex lock;		/* inside the core's rwsem, see above */
	struct rb_root dmas;
	unsigned int dma_avail;
	unsigned int vaddr_invalid_count;
	bool dirty_tracking;
	struct list_head domains;
	struct list_head ranges;
	unsigned long pgsize_bitmap;
	bool v2;
	bool nesting;
};

/* debugfs.c */
struct seq_file;
void type1_debugfs_show(void *iommu_data, struct seq_file *m);

/* dma_tree.c */
struct type1_dma *type1_dma_first(struct type1_iommu *iommu, u64 start,
				  u64 last);
struct type1_dma *type1_dma_settled_at(struct type1_iommu *iommu, u64 iova);
bool type1_range_cuts_dma(struct type1_iommu *iommu, u64 iova, u64 last);
struct type1_dma *type1_dma_next(struct type1_dma *dma);
void type1_dma_insert(struct type1_iommu *iommu, struct type1_dma *dma);
void type1_dma_erase(struct type1_iommu *iommu, struct type1_dma *dma);

static inline u64 type1_dma_last(const struct type1_dma *dma)
{
	return dma->iova + dma->size - 1;
}

/* pin.c */
int type1_pin_dma(struct type1_dma *dma);
void type1_unpin_dma(struct type1_dma *dma);
int type1_account(struct mm_struct *mm, unsigned long npages, bool inc);
int type1_add_run(struct type1_dma *dma, unsigned long pfn, unsigned long n,
		  bool mmio);

/* Append one frame: type1_add_run() of one. */
static inline int type1_add_pfn(struct type1_dma *dma, unsigned long pfn,
				bool mmio)
{
	return type1_add_run(dma, pfn, 1, mmio);
}

/* pfnmap.c */
long type1_follow_pfnmap(struct type1_dma *dma, unsigned long addr,
			 unsigned long n);

/* map.c */
int type1_map_dma_domain(struct type1_dma *dma, struct type1_domain *d);
void type1_dma_destroy(struct type1_iommu *iommu, struct type1_dma *dma);
void type1_remove_all_dmas(struct type1_iommu *iommu);
long type1_ioctl_map_dma(struct type1_iommu *iommu, unsigned long arg);
long type1_ioctl_unmap_dma(struct type1_iommu *iommu, unsigned long arg);

/* dirty.c */
#define TYPE1_BITMAP_BYTES(nbits) (ALIGN(nbits, 64) / 8)
#define TYPE1_BITMAP_PAGES_MAX ((u64)INT_MAX)
#define TYPE1_BITMAP_SIZE_MAX TYPE1_BITMAP_BYTES(TYPE1_BITMAP_PAGES_MAX)

int type1_check_bitmap(u64 pgsize, u64 size, u64 bitmap_size,
		       const void __user *data);
int type1_dirty_mark(u64 __user *bitmap, struct type1_dma *dma, u64 base,
		     unsigned int pgshift);
long type1_ioctl_dirty_pages(struct type1_iommu *iommu, unsigned long arg);

/* fault.c: fault-injection points (CONFIG_FAULT_INJECTION kernels only) */
#if IS_ENABLED(CONFIG_FAULT_INJECTION)
bool type1_fail_pin(void);
bool type1_fail_iommu_map(void);
void type1_fault_init(void);
void type1_fault_exit(void);
#else
static inline bool type1_fail_pin(void)
{
	return false;
}

static inline bool type1_fail_iommu_map(void)
{
	return false;
}

static inline void type1_fault_init(void)
{
}

static inline void type1_fault_exit(void)
{
}
#endif

/* info.c */
long type1_ioctl_get_info(struct type1_iommu *iommu, unsigned long arg);

/* domain.c */
int type1_attach_group(void *iommu_data, struct iommu_group *group);
void type1_detach_group(void *iommu_data, struct iommu_group *group);
void type1_free_ranges(struct list_head *ranges);
bool type1_range_valid(struct type1_iommu *iommu, u64 start, u64 last);
bool type1_enforces_cc(struct type1_iommu *iommu);

#if IS_ENABLED(CONFIG_KUNIT)
/* Internals exported to vfio_iommu_type1_kunit.ko only (VISIBLE_IF_KUNIT) */
void *type1_open(unsigned long type);
void type1_release(void *iommu_data);
long type1_ioctl(void *iommu_data, unsigned int cmd, unsigned long arg);
int type1_ranges_exclude(struct list_head *ranges, u64 start, u64 last);
int type1_ranges_build(struct type1_iommu *iommu, struct type1_domain *new_d,
		       struct type1_group *new_g, struct list_head *out);
void type1_update_pgsizes(struct type1_iommu *iommu);
#endif

#endif /* VFIO_TYPE1_PRIV_H */
