// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA by QEMU's edu device into type1 mappings with different backings:
 * 4 KiB pages, transparent huge pages, 2 MiB hugetlb pages, and THP with
 * vfio_iommu_type1's disable_hugepages=1; each a mapping of several MiB
 * with transfers at several offsets, across 2 MiB boundaries, in both
 * directions.  Then permissions and ranges: a read-only mapping the
 * device writes to, a DMA just past the end of a mapping, DMA after a
 * partial unmap, a memfd (shmem) shared mapping, and a PROT_READ user
 * mapping asked for device writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT	26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#endif

#define SZ_2M		(2ULL << 20)
#define PG		4096ULL
#define RW		(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define DMA_LEN		EDU_DMA_MAX_LEN

/* 8 MiB at 32 MiB: 2 MiB aligned in IOVA and in the process. */
#define BIG_SIZE	(8ULL << 20)
#define BIG_IOVA	(32ULL << 20)
#define BIG_HUGEPAGES	(BIG_SIZE / SZ_2M)

#define HUGEPAGES_2M	"/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define DISABLE_HUGEPAGES \
	"/sys/module/vfio_iommu_type1/parameters/disable_hugepages"

/* A background byte that no pattern starts with by accident. */
#define BG		0xa5

enum backing { SMALL, THP, HUGETLB };

/* AnonHugePages (kB) of the mapping that contains @addr; -1 if unknown. */
static long anon_huge_kb(const void *addr)
{
	unsigned long start, end, a = (unsigned long)addr;
	bool inside = false;
	char line[512];
	long kb = -1, v;
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			inside = a >= start && a < end;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %ld kB", &v) == 1) {
			kb = v;
			break;
		}
	}
	fclose(f);
	return kb;
}

/* Offset of the first byte in [@p, @p + @len) that is not @val, or -1. */
static long check_fill(const uint8_t *p, size_t len, uint8_t val)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != val)
			return (long)i;
	return -1;
}

/*
 * RAM at @src_off -> device -> RAM at @dst_off, both in the mapping of
 * @buf at @iova: the destination holds the source's bytes afterwards,
 * and the 4 KiB on each side of it are untouched.
 */
static void round_trip_at(struct __test_metadata *_metadata,
			  volatile void *bar0, uint8_t *buf, size_t size,
			  uint64_t iova, uint64_t src_off, uint64_t dst_off,
			  unsigned int seed)
{
	uint64_t lo = dst_off >= PG ? dst_off - PG : 0;
	uint64_t hi = dst_off + DMA_LEN + PG <= size ?
		      dst_off + DMA_LEN + PG : size;
	long bad;
	int ret;

	memset(buf + lo, BG, hi - lo);
	fill_pattern(buf + src_off, DMA_LEN, seed);
	ret = edu_dma(bar0, iova + src_off, EDU_DMA_BUF_ADDR, DMA_LEN, false);
	ASSERT_EQ(0, ret) TH_LOG("RAM +%#llx -> device: %s",
				 (unsigned long long)src_off, strerror(-ret));
	ret = edu_dma(bar0, EDU_DMA_BUF_ADDR, iova + dst_off, DMA_LEN, true);
	ASSERT_EQ(0, ret) TH_LOG("device -> RAM +%#llx: %s",
				 (unsigned long long)dst_off, strerror(-ret));
	bad = check_pattern(buf + dst_off, DMA_LEN, seed);
	EXPECT_EQ(-1, bad) TH_LOG("+%#llx -> +%#llx: byte %ld differs",
				  (unsigned long long)src_off,
				  (unsigned long long)dst_off, bad);
	bad = check_fill(buf + lo, dst_off - lo, BG);
	EXPECT_EQ(-1, bad) TH_LOG("DMA wrote before +%#llx",
				  (unsigned long long)dst_off);
	bad = check_fill(buf + dst_off + DMA_LEN, hi - dst_off - DMA_LEN, BG);
	EXPECT_EQ(-1, bad) TH_LOG("DMA wrote after +%#llx + %u",
				  (unsigned long long)dst_off, DMA_LEN);
}

FIXTURE(backing) {
	struct vfio_session s;
	void *bar0;
	uint64_t bar0_size;
	uint8_t *raw;		/* what mmap() returned */
	size_t raw_size;
	uint8_t *buf;		/* BIG_SIZE, 2 MiB aligned */
	long nr_hugepages;	/* to restore; -1 if untouched */
	char disable_hugepages[8];	/* to restore; "" if untouched */
};

FIXTURE_VARIANT(backing) {
	enum backing backing;
	bool disable_hugepages;
};

FIXTURE_VARIANT_ADD(backing, pages_4k) { .backing = SMALL };
FIXTURE_VARIANT_ADD(backing, thp) { .backing = THP };
FIXTURE_VARIANT_ADD(backing, hugetlb_2m) { .backing = HUGETLB };
FIXTURE_VARIANT_ADD(backing, thp_disable_hugepages) {
	.backing = THP,
	.disable_hugepages = true,
};

/* nr_hugepages + BIG_HUGEPAGES, or SKIP; the old value is kept. */
static int reserve_hugepages(long *old, char *why, size_t why_len)
{
	long free_now;

	if (sysfs_read_long(HUGEPAGES_2M "nr_hugepages", old)) {
		*old = -1;
		snprintf(why, why_len, "no 2 MiB hugetlb pages in this kernel");
		return -ENODEV;
	}
	if (sysfs_write_long(HUGEPAGES_2M "nr_hugepages",
			     *old + (long)BIG_HUGEPAGES)) {
		snprintf(why, why_len, "cannot write nr_hugepages");
		return -ENODEV;
	}
	if (sysfs_read_long(HUGEPAGES_2M "free_hugepages", &free_now))
		free_now = -1;
	if (free_now < (long)BIG_HUGEPAGES) {
		snprintf(why, why_len, "only %ld free 2 MiB pages, need %llu",
			 free_now, BIG_HUGEPAGES);
		return -ENODEV;
	}
	return 0;
}

FIXTURE_SETUP(backing)
{
	struct edu_location edu;
	char why[512];
	long kb;
	int ret;

	self->raw = MAP_FAILED;
	self->nr_hugepages = -1;
	self->disable_hugepages[0] = '\0';
	/*
	 * A failed ASSERT in setup skips the teardown: everything that can
	 * fail comes before the settings this fixture changes (after them,
	 * only SKIP).
	 */
	EDU_FIXTURE_OPEN(&edu, &self->s, &self->bar0, &self->bar0_size);

	if (variant->backing == HUGETLB) {
		ret = reserve_hugepages(&self->nr_hugepages, why,
					sizeof(why));
		if (ret)
			SKIP(return, "%s", why);
		self->raw_size = BIG_SIZE;
		self->raw = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
				 MAP_HUGE_2MB, -1, 0);
		if (self->raw == MAP_FAILED)
			SKIP(return, "mmap(MAP_HUGETLB): %s", strerror(errno));
		self->buf = self->raw;
	} else {
		/* 2 MiB more, to align the start */
		self->raw_size = BIG_SIZE + SZ_2M;
		self->raw = anon_alloc(self->raw_size);
		ASSERT_NE(MAP_FAILED, self->raw);
		self->buf = (uint8_t *)(((uintptr_t)self->raw + SZ_2M - 1) &
					~(uintptr_t)(SZ_2M - 1));
		ret = madvise(self->buf, BIG_SIZE, variant->backing == THP ?
			      MADV_HUGEPAGE : MADV_NOHUGEPAGE);
		if (ret && variant->backing == THP)
			SKIP(return, "MADV_HUGEPAGE: %s", strerror(errno));
	}
	/* fault it all in now: THP is allocated at the first touch */
	memset(self->buf, BG, BIG_SIZE);
	kb = anon_huge_kb(self->buf);
	if (variant->backing == THP && kb < (long)(BIG_SIZE >> 10) / 2)
		SKIP(return, "only %ld kB of %llu kB are THP", kb,
		     BIG_SIZE >> 10);
	if (variant->backing == SMALL)
		ASSERT_EQ(0, kb) TH_LOG("4 KiB variant got THP");

	if (variant->disable_hugepages) {
		ret = sysfs_read_line(DISABLE_HUGEPAGES,
				      self->disable_hugepages,
				      sizeof(self->disable_hugepages));
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", DISABLE_HUGEPAGES,
					 strerror(-ret));
		ret = sysfs_write_str(DISABLE_HUGEPAGES, "Y");
		ASSERT_EQ(0, ret) TH_LOG("set disable_hugepages: %s",
					 strerror(-ret));
		ret = sysfs_read_line(DISABLE_HUGEPAGES, why, sizeof(why));
		EXPECT_EQ(0, ret);
		EXPECT_STREQ("Y", why);
	}
}

FIXTURE_TEARDOWN(backing)
{
	edu_session_close(&self->s, &self->bar0, self->bar0_size);
	if (self->raw != MAP_FAILED)
		munmap(self->raw, self->raw_size);
	if (self->disable_hugepages[0])
		sysfs_write_str(DISABLE_HUGEPAGES, self->disable_hugepages);
	if (self->nr_hugepages >= 0)
		sysfs_write_long(HUGEPAGES_2M "nr_hugepages",
				 self->nr_hugepages);
}

/*
 * Transfers at the start, across each 2 MiB boundary and at the very end
 * of the mapping; every destination is another transfer's source, so a
 * wrong page anywhere shows.
 */
TEST_F_TIMEOUT(backing, dma_at_offsets, 120)
{
	static const uint64_t off[] = {
		0,
		SZ_2M - DMA_LEN / 2,		/* across 2 MiB */
		2 * SZ_2M - 0x100,		/* across 4 MiB */
		3 * SZ_2M + 0x12340,		/* inside the 4th */
		3 * SZ_2M - DMA_LEN / 4,	/* across 6 MiB */
		BIG_SIZE - DMA_LEN,		/* the last bytes */
	};
	const size_t n = ARRAY_SIZE(off);
	uint64_t unmapped = 0;
	size_t i;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ret = vfio_dma_map(self->s.container, self->buf, BIG_IOVA, BIG_SIZE,
			   RW);
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA %llu MiB: %s", BIG_SIZE >> 20,
				 strerror(-ret));
	for (i = 0; i < n; i++)
		round_trip_at(_metadata, self->bar0, self->buf, BIG_SIZE,
			      BIG_IOVA, off[i], off[(i + 1) % n], 40 + i);
	if (variant->backing == THP)
		TH_LOG("AnonHugePages %ld kB", anon_huge_kb(self->buf));
	ret = vfio_dma_unmap(self->s.container, BIG_IOVA, BIG_SIZE, &unmapped);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(BIG_SIZE, unmapped);
}

/*
 * The mapping split in two MAP_DMA calls that meet in the middle of a
 * huge page: both halves reach the right bytes.
 */
TEST_F_TIMEOUT(backing, split_at_odd_page, 120)
{
	const uint64_t cut = SZ_2M + 5 * PG;
	uint64_t unmapped = 0;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, vfio_dma_map(self->s.container, self->buf, BIG_IOVA,
				  cut, RW));
	ASSERT_EQ(0, vfio_dma_map(self->s.container, self->buf + cut,
				  BIG_IOVA + cut, BIG_SIZE - cut, RW));
	round_trip_at(_metadata, self->bar0, self->buf, BIG_SIZE, BIG_IOVA,
		      cut - DMA_LEN / 2, SZ_2M + 0x800, 61);
	round_trip_at(_metadata, self->bar0, self->buf, BIG_SIZE, BIG_IOVA,
		      SZ_2M - 0x400, cut - DMA_LEN / 2, 62);
	EXPECT_EQ(0, vfio_dma_unmap(self->s.container, BIG_IOVA, BIG_SIZE,
				    &unmapped));
	EXPECT_EQ(BIG_SIZE, unmapped);
}

/* Small buffers for the permission and range tests. */
#define SMALL_SIZE	(64ULL << 10)
#define IOVA_RW		(16ULL << 20)
#define IOVA_OTHER	(20ULL << 20)

FIXTURE(dmaperm) {
	struct vfio_session s;
	void *bar0;
	uint64_t bar0_size;
	uint8_t *rw;		/* SMALL_SIZE, mapped read-write at IOVA_RW */
	uint8_t *other;		/* 2 * SMALL_SIZE, for each test */
};

FIXTURE_SETUP(dmaperm)
{
	struct edu_location edu;
	int ret;

	self->rw = MAP_FAILED;
	self->other = MAP_FAILED;
	EDU_FIXTURE_OPEN(&edu, &self->s, &self->bar0, &self->bar0_size);
	self->rw = anon_alloc(SMALL_SIZE);
	ASSERT_NE(MAP_FAILED, self->rw);
	self->other = anon_alloc(2 * SMALL_SIZE);
	ASSERT_NE(MAP_FAILED, self->other);
	ret = vfio_dma_map(self->s.container, self->rw, IOVA_RW, SMALL_SIZE,
			   RW);
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(dmaperm)
{
	edu_session_close(&self->s, &self->bar0, self->bar0_size);
	if (self->rw != MAP_FAILED)
		munmap(self->rw, SMALL_SIZE);
	if (self->other != MAP_FAILED)
		munmap(self->other, 2 * SMALL_SIZE);
}

/*
 * A mapping with VFIO_DMA_MAP_FLAG_READ only: the device reads it, but
 * its writes do not reach the memory.
 */
TEST_F(dmaperm, read_only_mapping)
{
	uint8_t *ro = self->other;
	long bad;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	fill_pattern(ro, SMALL_SIZE, 71);
	ASSERT_EQ(0, vfio_dma_map(self->s.container, ro, IOVA_OTHER,
				  SMALL_SIZE, VFIO_DMA_MAP_FLAG_READ));

	/* read: read-only mapping -> device -> read-write mapping */
	memset(self->rw, BG, DMA_LEN);
	ASSERT_EQ(0, edu_dma(self->bar0, IOVA_OTHER + 0x1c00,
			     EDU_DMA_BUF_ADDR, DMA_LEN, false));
	ASSERT_EQ(0, edu_dma(self->bar0, EDU_DMA_BUF_ADDR, IOVA_RW, DMA_LEN,
			     true));
	bad = memcmp(self->rw, ro + 0x1c00, DMA_LEN);
	EXPECT_EQ(0, bad) TH_LOG("the device did not read the RO mapping");

	/* write: read-write mapping -> device -> read-only mapping */
	fill_pattern(self->rw, DMA_LEN, 72);
	ASSERT_EQ(0, edu_dma(self->bar0, IOVA_RW, EDU_DMA_BUF_ADDR, DMA_LEN,
			     false));
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR, IOVA_OTHER + 0x3000,
		      DMA_LEN, true);
	/* the engine may finish or hang on the fault: the data decides */
	EXPECT_TRUE(ret == 0 || ret == -ETIMEDOUT)
		TH_LOG("%s", strerror(-ret));
	bad = check_pattern(ro, SMALL_SIZE, 71);
	EXPECT_EQ(-1, bad) TH_LOG("device wrote the RO mapping at +%ld", bad);
}

/* A DMA just past the end of a mapping reaches nothing beyond it. */
TEST_F(dmaperm, past_the_end_blocked)
{
	const uint64_t end = SMALL_SIZE;
	long bad;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	/* the first half of other is mapped, its second half is the guard */
	ASSERT_EQ(0, vfio_dma_map(self->s.container, self->other, IOVA_OTHER,
				  end, RW));
	memset(self->other, BG, 2 * SMALL_SIZE);
	fill_pattern(self->rw, DMA_LEN, 81);
	ASSERT_EQ(0, edu_dma(self->bar0, IOVA_RW, EDU_DMA_BUF_ADDR, DMA_LEN,
			     false));

	/* entirely past the end */
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR, IOVA_OTHER + end, DMA_LEN,
		      true);
	EXPECT_TRUE(ret == 0 || ret == -ETIMEDOUT)
		TH_LOG("%s", strerror(-ret));
	/* straddling the end: what lands inside is allowed, not beyond */
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR,
		      IOVA_OTHER + end - DMA_LEN / 2, DMA_LEN, true);
	EXPECT_TRUE(ret == 0 || ret == -ETIMEDOUT)
		TH_LOG("%s", strerror(-ret));
	bad = check_fill(self->other + end, SMALL_SIZE, BG);
	EXPECT_EQ(-1, bad) TH_LOG("DMA wrote past the end, at +%ld", bad);
	bad = check_fill(self->other, end - DMA_LEN / 2, BG);
	EXPECT_EQ(-1, bad) TH_LOG("DMA wrote before its target, at +%ld",
				  bad);
}

/*
 * Two mappings, one unmapped: the device no longer reaches its pages,
 * and still reaches the other's.
 */
TEST_F(dmaperm, partial_unmap_stops_dma)
{
	uint64_t unmapped = 0;
	long bad;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, vfio_dma_map(self->s.container, self->other, IOVA_OTHER,
				  SMALL_SIZE, RW));
	ASSERT_EQ(0, vfio_dma_map(self->s.container,
				  self->other + SMALL_SIZE,
				  IOVA_OTHER + SMALL_SIZE, SMALL_SIZE, RW));
	/* the device sees the first one before the unmap */
	round_trip_at(_metadata, self->bar0, self->other, 2 * SMALL_SIZE,
		      IOVA_OTHER, 0x100, 0x5000, 91);
	ASSERT_EQ(0, vfio_dma_unmap(self->s.container, IOVA_OTHER, SMALL_SIZE,
				    &unmapped));
	ASSERT_EQ(SMALL_SIZE, unmapped);

	fill_pattern(self->rw, DMA_LEN, 92);
	ASSERT_EQ(0, edu_dma(self->bar0, IOVA_RW, EDU_DMA_BUF_ADDR, DMA_LEN,
			     false));
	memset(self->other, BG, 2 * SMALL_SIZE);
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR, IOVA_OTHER + 0x5000,
		      DMA_LEN, true);
	EXPECT_TRUE(ret == 0 || ret == -ETIMEDOUT)
		TH_LOG("%s", strerror(-ret));
	bad = check_fill(self->other, SMALL_SIZE, BG);
	EXPECT_EQ(-1, bad) TH_LOG("DMA reached unmapped pages at +%ld", bad);

	/* the remaining mapping still works */
	round_trip_at(_metadata, self->bar0, self->other + SMALL_SIZE,
		      SMALL_SIZE, IOVA_OTHER + SMALL_SIZE, 0x200, 0x6000, 93);
}

/* A MAP_SHARED mapping of a memfd (shmem): DMA lands in the file. */
TEST_F(dmaperm, memfd_shared)
{
	uint8_t *a = MAP_FAILED, *b = MAP_FAILED;
	uint64_t unmapped = 0;
	long bad;
	int fd;

	RETURN_IF_SETUP_SKIPPED();
	fd = memfd_create("vfio_backing", MFD_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("memfd_create: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(fd, SMALL_SIZE));
	a = mmap(NULL, SMALL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, a);
	/* a second view of the same file pages */
	b = mmap(NULL, SMALL_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, b);

	ASSERT_EQ(0, vfio_dma_map(self->s.container, a, IOVA_OTHER,
				  SMALL_SIZE, RW));
	round_trip_at(_metadata, self->bar0, a, SMALL_SIZE, IOVA_OTHER,
		      0x0f00, 0x9c00, 101);
	bad = check_pattern(b + 0x9c00, DMA_LEN, 101);
	EXPECT_EQ(-1, bad) TH_LOG("second view differs at +%ld", bad);
	EXPECT_EQ(0, vfio_dma_unmap(self->s.container, IOVA_OTHER, SMALL_SIZE,
				    &unmapped));
	EXPECT_EQ(SMALL_SIZE, unmapped);
	munmap(a, SMALL_SIZE);
	munmap(b, SMALL_SIZE);
	close(fd);
}

/*
 * A PROT_READ user mapping: READ|WRITE is refused with EFAULT (pinning
 * for write fails, vaddr_get_pfns() in 6.1); READ alone works.
 */
TEST_F(dmaperm, prot_read_user_mapping)
{
	uint64_t unmapped = 0;

	RETURN_IF_SETUP_SKIPPED();
	fill_pattern(self->other, SMALL_SIZE, 111);
	ASSERT_EQ(0, mprotect(self->other, SMALL_SIZE, PROT_READ));
	EXPECT_EQ(-EFAULT, vfio_dma_map(self->s.container, self->other,
					IOVA_OTHER, SMALL_SIZE, RW));
	EXPECT_EQ(0, vfio_dma_unmap(self->s.container, IOVA_OTHER, SMALL_SIZE,
				    &unmapped));
	EXPECT_EQ(0, unmapped);
	/* read-only works, and the device reads the data */
	ASSERT_EQ(0, vfio_dma_map(self->s.container, self->other, IOVA_OTHER,
				  SMALL_SIZE, VFIO_DMA_MAP_FLAG_READ));
	memset(self->rw, BG, DMA_LEN);
	ASSERT_EQ(0, edu_dma(self->bar0, IOVA_OTHER + 0x2000,
			     EDU_DMA_BUF_ADDR, DMA_LEN, false));
	ASSERT_EQ(0, edu_dma(self->bar0, EDU_DMA_BUF_ADDR, IOVA_RW, DMA_LEN,
			     true));
	EXPECT_EQ(0, memcmp(self->rw, self->other + 0x2000, DMA_LEN));
	ASSERT_EQ(0, mprotect(self->other, SMALL_SIZE,
			      PROT_READ | PROT_WRITE));
}

TEST_HARNESS_MAIN
