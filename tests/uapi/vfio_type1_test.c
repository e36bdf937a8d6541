// SPDX-License-Identifier: GPL-2.0-only
/*
 * The type1 IOMMU backend's UAPI on a container holding edu's group:
 * VFIO_CHECK_EXTENSION before and after VFIO_SET_IOMMU, VFIO_SET_IOMMU's
 * types, VFIO_IOMMU_GET_INFO and its capability chain, MAP_DMA refusals
 * (reserved MSI window, wrapping ranges, dma_entry_limit), the TYPE1 (v1)
 * and TYPE1v2 rules of VFIO_IOMMU_UNMAP_DMA, VFIO_DMA_UNMAP_FLAG_ALL and
 * the vaddr update protocol (VFIO_UPDATE_VADDR).
 *
 * Expected answers are those of Linux 6.1's drivers/vfio/container.c and
 * vfio_iommu_type1.c; where our modules follow a later kernel on purpose
 * (Documentation/uapi-differences.rst) the test says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define RW		(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
/* The smallest IOMMU page (checked in info_pgsizes) */
#define PG		0x1000ULL
/* The user buffer the mappings come from */
#define BUF_SIZE	(1ULL << 20)
/* Every IOVA below is in edu's reach (28-bit DMA mask) */
#define BASE_IOVA	(32ULL << 20)
/* x86's MSI window, a reserved region of every device behind VT-d */
#define MSI_START	0xfee00000ULL
#define MSI_LAST	0xfeefffffULL

/* No backend answers these extension / SET_IOMMU numbers */
#define UNKNOWN_EXTENSION	1000
#define UNKNOWN_TYPE		0x7fff

#define DMA_ENTRY_LIMIT_PARAM \
	"/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"
#define SMALL_LIMIT	4

/* Where the edu DMA test puts its data in the mapping */
#define DMA_SRC_OFF	0x1100ULL
#define DMA_DST_OFF	0x3200ULL
#define SEED_DATA	11
#define SEED_STALE	12
#define SEED_GUARD	13

#define CHAIN_MAX	32	/* more capabilities than this is a loop */

/* struct vfio_iommu_type1_info up to iova_pgsizes: the oldest layout */
#define INFO_MINSZ	(offsetof(struct vfio_iommu_type1_info, iova_pgsizes) + \
			 sizeof(uint64_t))

FIXTURE(type1) {
	struct edu_location edu;
	int container;
	int group;
	int device;
	void *bar0;
	uint64_t bar0_size;
	uint8_t *buf;
	uint8_t *buf2;
	long saved_limit;	/* dma_entry_limit to restore, or -1 */
};

FIXTURE_SETUP(type1)
{
	const char *step;
	char why[512];
	int ret;

	self->container = -1;
	self->group = -1;
	self->device = -1;
	self->bar0 = MAP_FAILED;
	self->buf = MAP_FAILED;
	self->buf2 = MAP_FAILED;
	self->saved_limit = -1;
	if (edu_find(&self->edu, why, sizeof(why)))
		SKIP(return, "%s", why);

	ret = vfio_container_attach(&self->edu, &self->container,
				    &self->group, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));

	self->buf = anon_alloc(BUF_SIZE);
	ASSERT_NE(MAP_FAILED, self->buf) TH_LOG("mmap: %s", strerror(errno));
	self->buf2 = anon_alloc(BUF_SIZE);
	ASSERT_NE(MAP_FAILED, self->buf2) TH_LOG("mmap: %s", strerror(errno));
}

FIXTURE_TEARDOWN(type1)
{
	if (self->saved_limit >= 0)
		sysfs_write_long(DMA_ENTRY_LIMIT_PARAM, self->saved_limit);
	if (self->bar0 != MAP_FAILED)
		munmap(self->bar0, self->bar0_size);
	if (self->device >= 0)
		close(self->device);
	if (self->group >= 0)
		close(self->group);
	if (self->container >= 0)
		close(self->container);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, BUF_SIZE);
	if (self->buf2 != MAP_FAILED)
		munmap(self->buf2, BUF_SIZE);
}

static int set_iommu(int container, unsigned long type)
{
	return ioctl(container, VFIO_SET_IOMMU, type) ? -errno : 0;
}

static long check_ext(int container, unsigned long ext)
{
	return ioctl(container, VFIO_CHECK_EXTENSION, ext);
}

/*
 * GET_INFO with the argsz-growth protocol: a first call with the fixed
 * part tells the size needed, the second gets the chain.  Returns a
 * malloc()ed buffer (NULL on failure, errno set).
 */
static struct vfio_iommu_type1_info *get_info(int container)
{
	struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) };
	struct vfio_iommu_type1_info *info;

	if (ioctl(container, VFIO_IOMMU_GET_INFO, &probe))
		return NULL;
	if (probe.argsz < sizeof(probe)) {
		errno = EPROTO;
		return NULL;
	}
	info = calloc(1, probe.argsz);
	if (!info)
		return NULL;
	info->argsz = probe.argsz;
	if (ioctl(container, VFIO_IOMMU_GET_INFO, info)) {
		free(info);
		return NULL;
	}
	return info;
}

/* The capability @id in @info's chain, or NULL. */
static struct vfio_info_cap_header *find_cap(struct vfio_iommu_type1_info *info,
					     uint16_t id)
{
	struct vfio_info_cap_header *hdr;
	uint32_t off;
	int n = 0;

	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		return NULL;
	for (off = info->cap_offset; off && n < CHAIN_MAX; off = hdr->next) {
		if (off < sizeof(*info) || off + sizeof(*hdr) > info->argsz)
			return NULL;
		hdr = (struct vfio_info_cap_header *)((char *)info + off);
		if (hdr->id == id)
			return hdr;
		n++;
	}
	return NULL;
}

/* DMA_AVAIL's count, or -errno (-ENOENT without the capability). */
static long dma_avail(int container)
{
	struct vfio_iommu_type1_info_dma_avail *cap;
	struct vfio_iommu_type1_info *info;
	long avail;

	info = get_info(container);
	if (!info)
		return -errno;
	cap = (void *)find_cap(info, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	avail = cap ? (long)cap->avail : -ENOENT;
	free(info);
	return avail;
}

/* Extensions type1 offers whatever the container's state. */
static void expect_type1_extensions(struct __test_metadata *_metadata,
				    int container)
{
	EXPECT_EQ(1, check_ext(container, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(1, check_ext(container, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, check_ext(container, VFIO_TYPE1_NESTING_IOMMU));
	EXPECT_EQ(1, check_ext(container, VFIO_UNMAP_ALL));
	EXPECT_EQ(0, check_ext(container, UNKNOWN_EXTENSION));
}

TEST_F(type1, extensions_before_set_iommu)
{
	int bare;

	RETURN_IF_SETUP_SKIPPED();
	/* a container with a group but no backend polls every backend */
	expect_type1_extensions(_metadata, self->container);
	/* both need a container's backend state: none yet */
	EXPECT_EQ(0, check_ext(self->container, VFIO_UPDATE_VADDR));
	EXPECT_EQ(0, check_ext(self->container, VFIO_DMA_CC_IOMMU));

	/* and the same for a container without any group */
	bare = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, bare) TH_LOG("open /dev/vfio/vfio: %s", strerror(errno));
	expect_type1_extensions(_metadata, bare);
	EXPECT_EQ(0, check_ext(bare, VFIO_UPDATE_VADDR));
	EXPECT_EQ(0, check_ext(bare, VFIO_DMA_CC_IOMMU));
	close(bare);
}

static void extensions_after(struct __test_metadata *_metadata,
			     int container, unsigned long type)
{
	long cc;

	ASSERT_EQ(0, set_iommu(container, type));
	expect_type1_extensions(_metadata, container);
	/* no emulated (mdev) group in the container: offered */
	EXPECT_EQ(1, check_ext(container, VFIO_UPDATE_VADDR));
	/* depends on the IOMMU's snoop control: either, but no error */
	cc = check_ext(container, VFIO_DMA_CC_IOMMU);
	EXPECT_TRUE(cc == 0 || cc == 1) TH_LOG("DMA_CC_IOMMU: %ld", cc);
	/* the backend is now the only one asked */
	EXPECT_EQ(0, check_ext(container, VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(0, check_ext(container, VFIO_SPAPR_TCE_IOMMU));
	EXPECT_EQ(0, check_ext(container, VFIO_SPAPR_TCE_v2_IOMMU));
}

TEST_F(type1, extensions_after_set_iommu_v1)
{
	RETURN_IF_SETUP_SKIPPED();
	extensions_after(_metadata, self->container, VFIO_TYPE1_IOMMU);
}

TEST_F(type1, extensions_after_set_iommu_v2)
{
	RETURN_IF_SETUP_SKIPPED();
	extensions_after(_metadata, self->container, VFIO_TYPE1v2_IOMMU);
}

TEST_F(type1, set_iommu_twice)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(-EINVAL, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(-EINVAL, set_iommu(self->container, VFIO_TYPE1_IOMMU));
	/* the backend set first still works */
	EXPECT_EQ(0, vfio_dma_map(self->container, self->buf, BASE_IOVA, PG,
				  RW));
}

TEST_F(type1, set_iommu_unknown_type)
{
	RETURN_IF_SETUP_SKIPPED();
	/* no backend claims these: 6.1's vfio_ioctl_set_iommu() -ENODEV */
	EXPECT_EQ(-ENODEV, set_iommu(self->container, UNKNOWN_TYPE));
	EXPECT_EQ(-ENODEV, set_iommu(self->container, VFIO_SPAPR_TCE_IOMMU));
	/* and the container is still unset */
	EXPECT_EQ(0, check_ext(self->container, VFIO_UPDATE_VADDR));
	EXPECT_EQ(0, set_iommu(self->container, VFIO_TYPE1_IOMMU));
}

TEST_F(type1, set_iommu_nesting)
{
	RETURN_IF_SETUP_SKIPPED();
	/*
	 * type1 accepts the type, but attaching the group needs
	 * iommu_enable_nesting(), which VT-d does not implement in 6.1 or
	 * 6.12: the attach fails with -EINVAL and the container stays unset.
	 */
	EXPECT_EQ(-EINVAL, set_iommu(self->container,
				     VFIO_TYPE1_NESTING_IOMMU));
	EXPECT_EQ(0, check_ext(self->container, VFIO_UPDATE_VADDR));
	EXPECT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(0, vfio_dma_map(self->container, self->buf, BASE_IOVA, PG,
				  RW));
}

TEST_F(type1, dirty_pages_v1)
{
	struct vfio_iommu_type1_dirty_bitmap dirty = {
		.argsz = sizeof(dirty),
		.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
	};

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1_IOMMU));
	/* dirty tracking is a v2 feature */
	EXPECT_EQ(-1, ioctl(self->container, VFIO_IOMMU_DIRTY_PAGES, &dirty));
	EXPECT_EQ(EACCES, errno);
}

TEST_F(type1, info_small_argsz)
{
	struct vfio_iommu_type1_info info = {
		.argsz = INFO_MINSZ - 1,
	};

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(-1, ioctl(self->container, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(type1, info_without_cap_offset)
{
	struct vfio_iommu_type1_info info = {
		.argsz = INFO_MINSZ,
		.cap_offset = 0xdeadbeef,
	};

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	/* an old user's struct ends before cap_offset */
	ASSERT_EQ(0, ioctl(self->container, VFIO_IOMMU_GET_INFO, &info))
		TH_LOG("GET_INFO: %s", strerror(errno));
	EXPECT_TRUE(info.flags & VFIO_IOMMU_INFO_PGSIZES);
	EXPECT_TRUE(info.flags & VFIO_IOMMU_INFO_CAPS);
	EXPECT_NE(0, info.iova_pgsizes);
	/* told how much the chain needs ... */
	EXPECT_LT(sizeof(info), info.argsz);
	/* ... without anything written past what the user gave */
	EXPECT_EQ(0xdeadbeef, info.cap_offset);
}

TEST_F(type1, info_pgsizes)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, ioctl(self->container, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_TRUE(info.flags & VFIO_IOMMU_INFO_PGSIZES);
	/* 4 KiB is the smallest size: nothing below it, 4 KiB itself in */
	EXPECT_EQ(PG, info.iova_pgsizes & -info.iova_pgsizes)
		TH_LOG("iova_pgsizes %#llx", (unsigned long long)info.iova_pgsizes);
}

TEST_F(type1, info_cap_chain)
{
	struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) };
	struct vfio_iommu_type1_info *info;
	struct vfio_info_cap_header *hdr;
	int seen_iova = 0, seen_mig = 0, seen_avail = 0, n = 0;
	uint32_t need, off;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));

	/* room for the fixed part only: the size needed comes back */
	probe.cap_offset = 0xdeadbeef;
	ASSERT_EQ(0, ioctl(self->container, VFIO_IOMMU_GET_INFO, &probe));
	EXPECT_TRUE(probe.flags & VFIO_IOMMU_INFO_CAPS);
	EXPECT_EQ(0, probe.cap_offset);
	need = probe.argsz;
	ASSERT_LT(sizeof(probe), need);

	/* one byte short still gets no chain */
	info = calloc(1, need + 4096);
	ASSERT_NE(NULL, info);
	info->argsz = need - 1;
	ASSERT_EQ(0, ioctl(self->container, VFIO_IOMMU_GET_INFO, info));
	EXPECT_EQ(0, info->cap_offset);
	EXPECT_EQ(need, info->argsz);

	/* more room than needed: the chain, argsz left as given */
	memset(info, 0, need + 4096);
	info->argsz = need + 4096;
	ASSERT_EQ(0, ioctl(self->container, VFIO_IOMMU_GET_INFO, info));
	EXPECT_EQ(need + 4096, info->argsz);
	EXPECT_TRUE(info->flags & VFIO_IOMMU_INFO_CAPS);
	ASSERT_LE(sizeof(*info), info->cap_offset);

	for (off = info->cap_offset; off; off = hdr->next) {
		ASSERT_GT(CHAIN_MAX, n++) TH_LOG("capability chain loops");
		ASSERT_LE(sizeof(*info), off);
		ASSERT_GE(need, off + sizeof(*hdr))
			TH_LOG("capability at %u beyond argsz %u", off, need);
		hdr = (struct vfio_info_cap_header *)((char *)info + off);
		EXPECT_EQ(1, hdr->version) TH_LOG("capability %u", hdr->id);
		switch (hdr->id) {
		case VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE:
			seen_iova++;
			break;
		case VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION:
			seen_mig++;
			break;
		case VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL:
			seen_avail++;
			break;
		default:
			TH_LOG("unexpected capability id %u", hdr->id);
			EXPECT_TRUE(false);
		}
	}
	EXPECT_EQ(1, seen_iova);
	EXPECT_EQ(1, seen_mig);
	EXPECT_EQ(1, seen_avail);
	free(info);
}

TEST_F(type1, info_iova_ranges)
{
	struct vfio_iommu_type1_info_cap_iova_range *cap;
	struct vfio_iommu_type1_info *info;
	uint64_t start, end;
	bool edu_window = false;
	uint32_t i;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	info = get_info(self->container);
	ASSERT_NE(NULL, info) TH_LOG("GET_INFO: %s", strerror(errno));
	cap = (void *)find_cap(info, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	ASSERT_NE(NULL, cap);
	ASSERT_LE(1, cap->nr_iovas);
	ASSERT_GE(info->argsz, (char *)&cap->iova_ranges[cap->nr_iovas] -
			       (char *)info);

	for (i = 0; i < cap->nr_iovas; i++) {
		start = cap->iova_ranges[i].start;
		end = cap->iova_ranges[i].end;
		TH_LOG("range %u: [%#llx, %#llx]", i,
		       (unsigned long long)start, (unsigned long long)end);
		EXPECT_LE(start, end);
		/* sorted, disjoint and not adjacent (else one range) */
		if (i)
			EXPECT_LT(cap->iova_ranges[i - 1].end + 1, start);
		/* the MSI window is reserved */
		EXPECT_TRUE(end < MSI_START || start > MSI_LAST);
		if (start <= BASE_IOVA && end >= BASE_IOVA + BUF_SIZE - 1)
			edu_window = true;

		/* MAP_DMA agrees: both ends inside, the pages around out */
		EXPECT_EQ(0, vfio_dma_map(self->container, self->buf,
					  start, PG, RW))
			TH_LOG("first page of range %u", i);
		EXPECT_EQ(0, vfio_dma_map(self->container, self->buf,
					  end + 1 - PG, PG, RW))
			TH_LOG("last page of range %u", i);
		if (start)
			EXPECT_EQ(-EINVAL, vfio_dma_map(self->container,
							self->buf, start - PG,
							PG, RW));
		if (end != UINT64_MAX)
			EXPECT_EQ(-EINVAL, vfio_dma_map(self->container,
							self->buf, end + 1,
							PG, RW));
	}
	EXPECT_TRUE(edu_window);
	free(info);
}

TEST_F(type1, map_msi_window)
{
	long avail;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	avail = dma_avail(self->container);
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf,
					MSI_START, PG, RW));
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf,
					MSI_LAST + 1 - PG, PG, RW));
	/* a range reaching into it from below */
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf,
					MSI_START - PG, 2 * PG, RW));
	/* and one around all of it */
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf,
					MSI_START - BUF_SIZE / 4, BUF_SIZE,
					RW));
	/* and none of them took an entry */
	EXPECT_EQ(avail, dma_avail(self->container));
}

TEST_F(type1, info_migration_cap)
{
	struct vfio_iommu_type1_info_cap_migration *mig;
	struct vfio_iommu_type1_info *info;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	info = get_info(self->container);
	ASSERT_NE(NULL, info) TH_LOG("GET_INFO: %s", strerror(errno));
	mig = (void *)find_cap(info, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
	ASSERT_NE(NULL, mig);
	EXPECT_EQ(0, mig->flags);
	/* dirty bitmaps come in the smallest IOMMU page size only */
	EXPECT_EQ(info->iova_pgsizes & -info->iova_pgsizes,
		  mig->pgsize_bitmap);
	/* at least a bitmap for all of edu's 256 MiB window */
	EXPECT_LE((EDU_IOVA_LIMIT / PG) / 8, mig->max_dirty_bitmap_size);
	EXPECT_EQ(0, mig->max_dirty_bitmap_size % sizeof(uint64_t));
	free(info);
}

TEST_F(type1, info_dma_avail)
{
	long avail, limit;
	uint64_t unmapped = 0;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	avail = dma_avail(self->container);
	ASSERT_LT(0, avail) TH_LOG("DMA_AVAIL: %s", strerror(-avail));
	if (!sysfs_read_long(DMA_ENTRY_LIMIT_PARAM, &limit))
		EXPECT_EQ(limit, avail);

	ASSERT_EQ(0, vfio_dma_map(self->container, self->buf, BASE_IOVA,
				  2 * PG, RW));
	EXPECT_EQ(avail - 1, dma_avail(self->container));
	/* adjacent mappings stay separate entries */
	ASSERT_EQ(0, vfio_dma_map(self->container, self->buf + 2 * PG,
				  BASE_IOVA + 2 * PG, PG, RW));
	EXPECT_EQ(avail - 2, dma_avail(self->container));
	/* a refused map takes nothing */
	EXPECT_EQ(-EEXIST, vfio_dma_map(self->container, self->buf,
					BASE_IOVA, PG, RW));
	EXPECT_EQ(avail - 2, dma_avail(self->container));

	EXPECT_EQ(0, vfio_dma_unmap(self->container, BASE_IOVA, 2 * PG,
				    &unmapped));
	EXPECT_EQ(2 * PG, unmapped);
	EXPECT_EQ(avail - 1, dma_avail(self->container));
	EXPECT_EQ(0, vfio_dma_unmap(self->container, BASE_IOVA + 2 * PG, PG,
				    &unmapped));
	EXPECT_EQ(avail, dma_avail(self->container));
}

TEST_F(type1, dma_entry_limit)
{
	uint64_t unmapped = 0;
	long old;
	int i, ret;

	RETURN_IF_SETUP_SKIPPED();
	ret = sysfs_read_long(DMA_ENTRY_LIMIT_PARAM, &old);
	if (ret)
		SKIP(return, "%s: %s", DMA_ENTRY_LIMIT_PARAM, strerror(-ret));
	ret = sysfs_write_long(DMA_ENTRY_LIMIT_PARAM, SMALL_LIMIT);
	ASSERT_EQ(0, ret) TH_LOG("write %s: %s", DMA_ENTRY_LIMIT_PARAM,
				 strerror(-ret));
	self->saved_limit = old;

	/* the limit is taken when the backend is opened (SET_IOMMU) ... */
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	/* ... so restoring it now changes nothing for this container */
	ASSERT_EQ(0, sysfs_write_long(DMA_ENTRY_LIMIT_PARAM, old));
	self->saved_limit = -1;
	EXPECT_EQ(SMALL_LIMIT, dma_avail(self->container));

	for (i = 0; i < SMALL_LIMIT; i++)
		ASSERT_EQ(0, vfio_dma_map(self->container, self->buf + i * PG,
					  BASE_IOVA + 2 * i * PG, PG, RW))
			TH_LOG("mapping %d", i);
	EXPECT_EQ(0, dma_avail(self->container));
	EXPECT_EQ(-ENOSPC, vfio_dma_map(self->container, self->buf + i * PG,
					BASE_IOVA + 2 * i * PG, PG, RW));
	/* an overlap is still an overlap */
	EXPECT_EQ(-EEXIST, vfio_dma_map(self->container, self->buf,
					BASE_IOVA, PG, RW));

	EXPECT_EQ(0, vfio_dma_unmap(self->container, BASE_IOVA, PG,
				    &unmapped));
	EXPECT_EQ(PG, unmapped);
	EXPECT_EQ(1, dma_avail(self->container));
	EXPECT_EQ(0, vfio_dma_map(self->container, self->buf + i * PG,
				  BASE_IOVA + 2 * i * PG, PG, RW));
	EXPECT_EQ(0, dma_avail(self->container));
}

/*
 * A wrapping MAP_DMA range: 6.1 (and the in-tree 6.12) answer -EINVAL;
 * ours answers -EOVERFLOW, as later upstream kernels do
 * (Documentation/uapi-differences.rst).
 */
static int map_wrap_errno(void)
{
	return vfio_test_reference() ? -EINVAL : -EOVERFLOW;
}

TEST_F(type1, map_iova_wrap)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(map_wrap_errno(),
		  vfio_dma_map(self->container, self->buf, -PG, 2 * PG, RW));
	EXPECT_EQ(map_wrap_errno(),
		  vfio_dma_map(self->container, self->buf, BASE_IOVA,
			       -BASE_IOVA + PG, RW));
}

TEST_F(type1, map_vaddr_wrap)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(map_wrap_errno(),
		  vfio_dma_map(self->container, (void *)(uintptr_t)-PG,
			       BASE_IOVA, 2 * PG, RW));
}

TEST_F(type1, unmap_iova_wrap)
{
	uint64_t unmapped = 0;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, vfio_dma_map(self->container, self->buf, BASE_IOVA, PG,
				  RW));
	/* EINVAL in 6.1 and, on purpose, in ours too */
	EXPECT_EQ(-EINVAL, vfio_dma_unmap(self->container, BASE_IOVA,
					  -BASE_IOVA + PG, NULL));
	EXPECT_EQ(-EINVAL, vfio_dma_unmap(self->container, -PG, 2 * PG,
					  NULL));
	EXPECT_EQ(0, vfio_dma_unmap(self->container, BASE_IOVA, PG,
				    &unmapped));
	EXPECT_EQ(PG, unmapped);
}

/*
 * Three mappings of 4 pages: A at BASE_IOVA, B right after it, C after a
 * hole of 4 pages.
 */
#define A_IOVA	BASE_IOVA
#define B_IOVA	(BASE_IOVA + 4 * PG)
#define C_IOVA	(BASE_IOVA + 12 * PG)
#define ABC_END	(C_IOVA + 4 * PG)

static void map_abc(struct __test_metadata *_metadata, int container,
		    uint8_t *buf)
{
	ASSERT_EQ(0, vfio_dma_map(container, buf, A_IOVA, 4 * PG, RW));
	ASSERT_EQ(0, vfio_dma_map(container, buf + 4 * PG, B_IOVA, 4 * PG,
				  RW));
	ASSERT_EQ(0, vfio_dma_map(container, buf + 8 * PG, C_IOVA, 4 * PG,
				  RW));
}

/*
 * Is the page at @iova part of a mapping?  A MAP_DMA of it says EEXIST;
 * one that succeeds is undone.
 */
static bool is_mapped(int container, uint8_t *buf, uint64_t iova)
{
	int ret = vfio_dma_map(container, buf, iova, PG, RW);

	if (!ret)
		vfio_dma_unmap(container, iova, PG, NULL);
	return ret == -EEXIST;
}

TEST_F(type1, v2_unmap_refuses_split)
{
	uint64_t unmapped = 1;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	map_abc(_metadata, self->container, self->buf);

	/* a part of A: its head, its tail, its middle */
	EXPECT_EQ(-EINVAL, vfio_dma_unmap(self->container, A_IOVA, PG,
					  &unmapped));
	EXPECT_EQ(-EINVAL, vfio_dma_unmap(self->container, A_IOVA + PG,
					  3 * PG, &unmapped));
	EXPECT_EQ(-EINVAL, vfio_dma_unmap(self->container, A_IOVA + PG,
					  2 * PG, &unmapped));
	/* starting before A, ending inside it */
	EXPECT_EQ(-EINVAL, vfio_dma_unmap(self->container, A_IOVA - PG,
					  2 * PG, &unmapped));
	/* all of A, then into B */
	EXPECT_EQ(-EINVAL, vfio_dma_unmap(self->container, A_IOVA, 5 * PG,
					  &unmapped));
	/* from inside B to past C */
	EXPECT_EQ(-EINVAL, vfio_dma_unmap(self->container, B_IOVA + PG,
					  ABC_END - B_IOVA, &unmapped));
	/* the failures left the size alone and everything mapped */
	EXPECT_EQ(1, unmapped);
	EXPECT_TRUE(is_mapped(self->container, self->buf, A_IOVA));
	EXPECT_TRUE(is_mapped(self->container, self->buf, A_IOVA + 3 * PG));
	EXPECT_TRUE(is_mapped(self->container, self->buf, B_IOVA + PG));

	/* a range of only the hole unmaps nothing */
	EXPECT_EQ(0, vfio_dma_unmap(self->container, B_IOVA + 4 * PG, 4 * PG,
				    &unmapped));
	EXPECT_EQ(0, unmapped);
}

TEST_F(type1, v2_unmap_several)
{
	uint64_t unmapped = 0;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	map_abc(_metadata, self->container, self->buf);

	/* A and B exactly */
	EXPECT_EQ(0, vfio_dma_unmap(self->container, A_IOVA, 8 * PG,
				    &unmapped));
	EXPECT_EQ(8 * PG, unmapped);
	EXPECT_FALSE(is_mapped(self->container, self->buf, A_IOVA));
	EXPECT_FALSE(is_mapped(self->container, self->buf, B_IOVA + 3 * PG));
	/* a range wider than the mappings, with holes: C */
	EXPECT_EQ(0, vfio_dma_unmap(self->container, A_IOVA - 16 * PG,
				    ABC_END + 16 * PG - (A_IOVA - 16 * PG),
				    &unmapped));
	EXPECT_EQ(4 * PG, unmapped);
	EXPECT_EQ(0, vfio_dma_unmap(self->container, A_IOVA, ABC_END - A_IOVA,
				    &unmapped));
	EXPECT_EQ(0, unmapped);
}

TEST_F(type1, v1_unmap_start_inside)
{
	uint64_t unmapped = 1;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1_IOMMU));
	map_abc(_metadata, self->container, self->buf);

	/*
	 * 6.1 vfio_dma_do_unmap(), v1: a range starting after a mapping's
	 * first IOVA succeeds, unmaps nothing (not even the mappings after
	 * it) and reports 0.
	 */
	EXPECT_EQ(0, vfio_dma_unmap(self->container, A_IOVA + PG, PG,
				    &unmapped));
	EXPECT_EQ(0, unmapped);
	unmapped = 1;
	EXPECT_EQ(0, vfio_dma_unmap(self->container, A_IOVA + PG,
				    ABC_END - A_IOVA, &unmapped));
	EXPECT_EQ(0, unmapped);
	EXPECT_TRUE(is_mapped(self->container, self->buf, A_IOVA + PG));
	EXPECT_TRUE(is_mapped(self->container, self->buf, B_IOVA));
	EXPECT_TRUE(is_mapped(self->container, self->buf, C_IOVA));
}

TEST_F(type1, v1_unmap_covering_first_iova)
{
	uint64_t unmapped = 0;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1_IOMMU));
	map_abc(_metadata, self->container, self->buf);

	/* v1: a range holding a mapping's first IOVA unmaps all of it */
	EXPECT_EQ(0, vfio_dma_unmap(self->container, A_IOVA, PG, &unmapped));
	EXPECT_EQ(4 * PG, unmapped);
	EXPECT_FALSE(is_mapped(self->container, self->buf, A_IOVA + 3 * PG));
	EXPECT_TRUE(is_mapped(self->container, self->buf, B_IOVA));

	/* from before B to inside C: B and C whole */
	EXPECT_EQ(0, vfio_dma_unmap(self->container, B_IOVA - PG,
				    C_IOVA + PG - (B_IOVA - PG), &unmapped));
	EXPECT_EQ(8 * PG, unmapped);
	EXPECT_FALSE(is_mapped(self->container, self->buf, C_IOVA + 3 * PG));
	EXPECT_EQ(0, vfio_dma_unmap(self->container, A_IOVA, ABC_END - A_IOVA,
				    &unmapped));
	EXPECT_EQ(0, unmapped);
}

static void unmap_all_test(struct __test_metadata *_metadata,
			   int container, uint8_t *buf, unsigned long type)
{
	uint64_t unmapped = 0;
	long avail;

	ASSERT_EQ(0, set_iommu(container, type));
	avail = dma_avail(container);
	map_abc(_metadata, container, buf);

	/* iova and size must be 0 */
	EXPECT_EQ(-EINVAL, vfio_dma_unmap_flags(container, A_IOVA, 0,
						VFIO_DMA_UNMAP_FLAG_ALL,
						&unmapped));
	EXPECT_EQ(-EINVAL, vfio_dma_unmap_flags(container, 0, ABC_END,
						VFIO_DMA_UNMAP_FLAG_ALL,
						&unmapped));
	/* no dirty bitmap with it */
	EXPECT_EQ(-EINVAL, vfio_dma_unmap_flags(container, 0, 0,
						VFIO_DMA_UNMAP_FLAG_ALL |
						VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
						&unmapped));
	EXPECT_EQ(avail - 3, dma_avail(container));

	EXPECT_EQ(0, vfio_dma_unmap_flags(container, 0, 0,
					  VFIO_DMA_UNMAP_FLAG_ALL, &unmapped));
	EXPECT_EQ(12 * PG, unmapped);
	EXPECT_EQ(avail, dma_avail(container));
	EXPECT_EQ(0, vfio_dma_map(container, buf, B_IOVA, 8 * PG, RW));
	/* nothing left but the new one */
	EXPECT_EQ(0, vfio_dma_unmap_flags(container, 0, 0,
					  VFIO_DMA_UNMAP_FLAG_ALL, &unmapped));
	EXPECT_EQ(8 * PG, unmapped);
	EXPECT_EQ(0, vfio_dma_unmap_flags(container, 0, 0,
					  VFIO_DMA_UNMAP_FLAG_ALL, &unmapped));
	EXPECT_EQ(0, unmapped);
}

TEST_F(type1, unmap_all_v2)
{
	RETURN_IF_SETUP_SKIPPED();
	unmap_all_test(_metadata, self->container, self->buf,
		       VFIO_TYPE1v2_IOMMU);
}

TEST_F(type1, unmap_all_v1)
{
	RETURN_IF_SETUP_SKIPPED();
	unmap_all_test(_metadata, self->container, self->buf,
		       VFIO_TYPE1_IOMMU);
}

TEST_F(type1, vaddr_invalidate_partial)
{
	uint64_t unmapped = 1;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	map_abc(_metadata, self->container, self->buf);

	/* v2's range rules hold for VADDR too: whole mappings only */
	EXPECT_EQ(-EINVAL, vfio_dma_unmap_flags(self->container, A_IOVA, PG,
						VFIO_DMA_UNMAP_FLAG_VADDR,
						&unmapped));
	EXPECT_EQ(-EINVAL, vfio_dma_unmap_flags(self->container, A_IOVA + PG,
						3 * PG, VFIO_DMA_UNMAP_FLAG_VADDR,
						&unmapped));
	EXPECT_EQ(-EINVAL, vfio_dma_unmap_flags(self->container, A_IOVA, 6 * PG,
						VFIO_DMA_UNMAP_FLAG_VADDR,
						&unmapped));
	EXPECT_EQ(1, unmapped);
	/* nothing was invalidated: a vaddr update finds valid mappings */
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf2, A_IOVA,
					4 * PG, VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf2, B_IOVA,
					4 * PG, VFIO_DMA_MAP_FLAG_VADDR));
}

TEST_F(type1, vaddr_invalidate_v1)
{
	uint64_t unmapped = 1;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1_IOMMU));
	map_abc(_metadata, self->container, self->buf);

	/* v1's unmap rules: a range starting inside A does nothing ... */
	EXPECT_EQ(0, vfio_dma_unmap_flags(self->container, A_IOVA + PG, PG,
					  VFIO_DMA_UNMAP_FLAG_VADDR,
					  &unmapped));
	EXPECT_EQ(0, unmapped);
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf2, A_IOVA,
					4 * PG, VFIO_DMA_MAP_FLAG_VADDR));
	/* ... one holding A's first IOVA takes all of A */
	EXPECT_EQ(0, vfio_dma_unmap_flags(self->container, A_IOVA, PG,
					  VFIO_DMA_UNMAP_FLAG_VADDR,
					  &unmapped));
	EXPECT_EQ(4 * PG, unmapped);
	EXPECT_EQ(-EEXIST, vfio_dma_map(self->container, self->buf2,
					A_IOVA + 3 * PG, PG, RW));
	EXPECT_EQ(0, vfio_dma_map(self->container, self->buf2, A_IOVA, 4 * PG,
				  VFIO_DMA_MAP_FLAG_VADDR));
	/* B was not touched */
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf2, B_IOVA,
					4 * PG, VFIO_DMA_MAP_FLAG_VADDR));
}

TEST_F(type1, vaddr_update)
{
	uint64_t unmapped = 0;
	long avail;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	map_abc(_metadata, self->container, self->buf);
	avail = dma_avail(self->container);

	/* a valid mapping takes no new vaddr */
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf2, A_IOVA,
					4 * PG, VFIO_DMA_MAP_FLAG_VADDR));
	/* A and B, whole */
	EXPECT_EQ(0, vfio_dma_unmap_flags(self->container, A_IOVA, 8 * PG,
					  VFIO_DMA_UNMAP_FLAG_VADDR,
					  &unmapped));
	EXPECT_EQ(8 * PG, unmapped);
	EXPECT_EQ(avail, dma_avail(self->container));
	/* invalidating again: EINVAL, and nothing changes */
	EXPECT_EQ(-EINVAL, vfio_dma_unmap_flags(self->container, A_IOVA, 8 * PG,
						VFIO_DMA_UNMAP_FLAG_VADDR,
						&unmapped));
	/* A range with A (invalid) then C (valid): C stays valid */
	EXPECT_EQ(-EINVAL, vfio_dma_unmap_flags(self->container, A_IOVA,
						ABC_END - A_IOVA,
						VFIO_DMA_UNMAP_FLAG_VADDR,
						&unmapped));
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf2, C_IOVA,
					4 * PG, VFIO_DMA_MAP_FLAG_VADDR));

	/* the IOVA is still taken by the invalid mapping */
	EXPECT_EQ(-EEXIST, vfio_dma_map(self->container, self->buf2, A_IOVA,
					4 * PG, RW));
	EXPECT_EQ(-EEXIST, vfio_dma_map(self->container, self->buf2,
					A_IOVA + PG, PG, RW));
	/* a new vaddr: same iova and size only, and no access flags */
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf2, A_IOVA,
					2 * PG, VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf2, A_IOVA,
					8 * PG, VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf2, A_IOVA,
					4 * PG, VFIO_DMA_MAP_FLAG_VADDR |
					VFIO_DMA_MAP_FLAG_READ));
	/* nothing mapped there */
	EXPECT_EQ(-ENOENT, vfio_dma_map(self->container, self->buf2,
					ABC_END, 4 * PG,
					VFIO_DMA_MAP_FLAG_VADDR));

	EXPECT_EQ(0, vfio_dma_map(self->container, self->buf2, A_IOVA, 4 * PG,
				  VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(0, vfio_dma_map(self->container, self->buf2 + 4 * PG,
				  B_IOVA, 4 * PG, VFIO_DMA_MAP_FLAG_VADDR));
	/* valid again */
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->container, self->buf2, A_IOVA,
					4 * PG, VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(avail, dma_avail(self->container));

	/* an invalid mapping is unmapped like any other */
	EXPECT_EQ(0, vfio_dma_unmap_flags(self->container, C_IOVA, 4 * PG,
					  VFIO_DMA_UNMAP_FLAG_VADDR,
					  &unmapped));
	EXPECT_EQ(0, vfio_dma_unmap(self->container, A_IOVA, ABC_END - A_IOVA,
				    &unmapped));
	EXPECT_EQ(12 * PG, unmapped);
	EXPECT_EQ(avail + 3, dma_avail(self->container));
}

TEST_F(type1, vaddr_unmap_all)
{
	uint64_t unmapped = 0;
	long avail;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	map_abc(_metadata, self->container, self->buf);
	avail = dma_avail(self->container);

	EXPECT_EQ(0, vfio_dma_unmap_flags(self->container, 0, 0,
					  VFIO_DMA_UNMAP_FLAG_ALL |
					  VFIO_DMA_UNMAP_FLAG_VADDR,
					  &unmapped));
	EXPECT_EQ(12 * PG, unmapped);
	EXPECT_EQ(avail, dma_avail(self->container));
	/* every one is invalid now */
	EXPECT_EQ(-EINVAL, vfio_dma_unmap_flags(self->container, C_IOVA, 4 * PG,
						VFIO_DMA_UNMAP_FLAG_VADDR,
						&unmapped));
	EXPECT_EQ(0, vfio_dma_map(self->container, self->buf2, A_IOVA, 4 * PG,
				  VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(0, vfio_dma_map(self->container, self->buf2 + 4 * PG,
				  B_IOVA, 4 * PG, VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(0, vfio_dma_map(self->container, self->buf2 + 8 * PG,
				  C_IOVA, 4 * PG, VFIO_DMA_MAP_FLAG_VADDR));
	EXPECT_EQ(0, vfio_dma_unmap_flags(self->container, 0, 0,
					  VFIO_DMA_UNMAP_FLAG_ALL, &unmapped));
	EXPECT_EQ(12 * PG, unmapped);
}

TEST_F(type1, vaddr_update_keeps_pinned_pages)
{
	struct vfio_iommu_type1_info *before, *after;
	uint64_t unmapped = 0;
	long bad;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, set_iommu(self->container, VFIO_TYPE1v2_IOMMU));
	self->device = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD,
			     self->edu.bdf);
	ASSERT_LE(0, self->device)
		TH_LOG("VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
	ret = edu_map_bar0(self->device, &self->bar0, &self->bar0_size);
	ASSERT_EQ(0, ret) TH_LOG("edu BAR0: %s", strerror(-ret));

	ASSERT_EQ(0, vfio_dma_map(self->container, self->buf, BASE_IOVA,
				  4 * PG, RW));
	before = get_info(self->container);
	ASSERT_NE(NULL, before);

	/* the vaddr goes away and comes back as other memory */
	ASSERT_EQ(0, vfio_dma_unmap_flags(self->container, BASE_IOVA, 4 * PG,
					  VFIO_DMA_UNMAP_FLAG_VADDR,
					  &unmapped));
	ASSERT_EQ(0, vfio_dma_map(self->container, self->buf2, BASE_IOVA,
				  4 * PG, VFIO_DMA_MAP_FLAG_VADDR));
	after = get_info(self->container);
	ASSERT_NE(NULL, after);
	EXPECT_EQ(before->argsz, after->argsz);
	EXPECT_EQ(0, memcmp(before, after, before->argsz));
	free(before);
	free(after);

	/*
	 * The pages pinned at MAP_DMA stay the ones the IOMMU maps: the user
	 * promises the new vaddr maps the same memory (uapi vfio.h), and
	 * nothing is re-pinned.  So the device still reads and writes buf.
	 */
	fill_pattern(self->buf + DMA_SRC_OFF, EDU_DMA_MAX_LEN, SEED_DATA);
	fill_pattern(self->buf2, 4 * PG, SEED_GUARD);
	fill_pattern(self->buf + DMA_DST_OFF, EDU_DMA_MAX_LEN, SEED_STALE);
	ret = edu_dma(self->bar0, BASE_IOVA + DMA_SRC_OFF, EDU_DMA_BUF_ADDR,
		      EDU_DMA_MAX_LEN, false);
	ASSERT_EQ(0, ret) TH_LOG("DMA RAM -> device: %s", strerror(-ret));
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR, BASE_IOVA + DMA_DST_OFF,
		      EDU_DMA_MAX_LEN, true);
	ASSERT_EQ(0, ret) TH_LOG("DMA device -> RAM: %s", strerror(-ret));
	bad = check_pattern(self->buf + DMA_DST_OFF, EDU_DMA_MAX_LEN,
			    SEED_DATA);
	EXPECT_EQ(-1, bad) TH_LOG("original pages: first wrong byte at %ld",
				  bad);
	bad = check_pattern(self->buf2, 4 * PG, SEED_GUARD);
	EXPECT_EQ(-1, bad) TH_LOG("new vaddr written at offset %ld", bad);

	EXPECT_EQ(0, vfio_dma_unmap(self->container, BASE_IOVA, 4 * PG,
				    &unmapped));
	EXPECT_EQ(4 * PG, unmapped);
}

TEST_HARNESS_MAIN
