// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a type1 container shows in the core's debugfs containers file
 * (/sys/kernel/debug/vfio/containers), below its "container" line:
 *
 *   type1: v2 yes, domains N, mappings N (N pending), dma_avail N,
 *          pinned N pages (N MMIO), locked N pages
 *   mapping iova 0x<first>-0x<last> size 0x<size> prot <r-|rw|-w|-->
 *           pinned N locked N mmio N[ pending][ vaddr-invalid]
 *
 * (each on one line, indented by two and four spaces).  Ranges are
 * inclusive: <last> is the last IOVA of the mapping.  Counts are in
 * pages of PAGE_SIZE.  A mapping still pinned by a MAP_DMA outside the
 * lock is listed as pending with no counts, and counts nowhere: its
 * numbers change under no lock.  At most TYPE1_DEBUGFS_MAX_DMAS
 * mappings are listed one by one; the totals cover them all.
 *
 * Runs with the core's container rwsem held for reading (so the domain
 * list is stable, see type1_priv.h) and takes type1_iommu::lock, the
 * order every ioctl takes them in.  Nothing here changes state.
 */
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "type1_priv.h"

#define TYPE1_DEBUGFS_MAX_DMAS 4096

static const char *type1_debugfs_prot(int prot)
{
	switch (prot & (IOMMU_READ | IOMMU_WRITE)) {
	case IOMMU_READ | IOMMU_WRITE:
		return "rw";
	case IOMMU_READ:
		return "r-";
	case IOMMU_WRITE:
		return "-w";
	default:
		return "--";
	}
}

/**
 * type1_debugfs_show() - the backend's debugfs_show callback
 * @iommu_data: the container's struct type1_iommu
 * @m: the containers file being read
 */
void type1_debugfs_show(void *iommu_data, struct seq_file *m)
{
	struct type1_iommu *iommu = iommu_data;
	unsigned long pinned = 0, locked = 0, mmio = 0;
	unsigned int count = 0, pending = 0, domains = 0;
	struct type1_domain *domain;
	struct type1_dma *dma;

	list_for_each_entry(domain, &iommu->domains, node)
		domains++;

	mutex_lock(&iommu->lock);
	for (dma = type1_dma_first(iommu, 0, U64_MAX); dma;
	     dma = type1_dma_next(dma)) {
		count++;
		if (dma->pending) {
			pending++;
			continue;
		}
		pinned += dma->pinned;
		locked += dma->locked;
		mmio += dma->mmio;
	}
	seq_printf(m, "  type1: v2 %s, domains %u, mappings %u (%u pending), dma_avail %u, pinned %lu pages (%lu MMIO), locked %lu pages\n",
		   iommu->v2 ? "yes" : "no", domains, count, pending,
		   iommu->dma_avail, pinned, mmio, locked);

	count = 0;
	for (dma = type1_dma_first(iommu, 0, U64_MAX); dma;
	     dma = type1_dma_next(dma)) {
		if (count++ == TYPE1_DEBUGFS_MAX_DMAS) {
			seq_puts(m, "    more mappings not listed\n");
			break;
		}
		seq_printf(m, "    mapping iova 0x%llx-0x%llx size 0x%llx prot %s",
			   dma->iova, type1_dma_last(dma), dma->size,
			   type1_debugfs_prot(dma->prot));
		if (dma->pending)
			seq_puts(m, " pending");
		else
			seq_printf(m, " pinned %lu locked %lu mmio %lu%s",
				   dma->pinned, dma->locked, dma->mmio,
				   dma->vaddr_invalid ? " vaddr-invalid" : "");
		seq_putc(m, '\n');
	}
	mutex_unlock(&iommu->lock);
}
