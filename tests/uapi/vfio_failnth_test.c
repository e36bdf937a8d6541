// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fail-nth sweep over the ioctl paths of the container, group and device
 * files: for n = 1, 2, ... the n-th fault-injection point a path reaches
 * is made to fail (/proc/self/task/<tid>/fail-nth counts every
 * should_fail() the task evaluates: failslab, fail_page_alloc and
 * fail_usercopy, and type1's own fail_pin and fail_iommu_map), and the
 * path must either succeed (the fault was tolerated) or fail with an errno
 * of accepted_errno(), then be undone without leaving anything behind:
 * VmLck back at its baseline, no IOVA left mapped (an UNMAP of the range
 * reports the bytes the run left, and the next run maps the same IOVA),
 * the group, device and interrupts usable by the next run, no pinned page
 * left (FOLL_PIN counters, after each path).  The sweep of a path ends at
 * the first run that completes without reaching its n-th point, which must
 * succeed and is checked in full (the data the path returns, an interrupt
 * through the eventfd it set up); a path that does not end within
 * MAX_POINTS fails.  KASAN, lockdep and kmemleak reports of the error
 * paths fail the boot (the testbed checks them).
 *
 * Only kernels with CONFIG_FAULT_INJECTION have fail-nth: the testbed's
 * debug tier.  Debian's stock kernels lack it, so there every test SKIPs,
 * in mode ours and in mode reference alike (the debug tier runs our
 * modules only; the in-tree ones would pass the sweep without type1's
 * fail_pin and fail_iommu_map points, which only ours have).
 *
 * For fail-nth to reach GFP_KERNEL allocations, failslab's and
 * fail_page_alloc's ignore-gfp-wait are turned off and fail_page_alloc's
 * min-order lowered to 0; every attribute's verbosity goes to 0 (a forced
 * failure would otherwise dump a stack, which the testbed counts as a
 * splat).  The probabilities stay 0: nothing fails outside the armed
 * task.  Everything is restored at the end of each test.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define DEBUGFS			"/sys/kernel/debug/"
#define TYPE1_FAULTS		DEBUGFS "vfio_iommu_type1/"
#define HUGEPAGES_2M		"/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define THP_ENABLED		"/sys/kernel/mm/transparent_hugepage/enabled"

#define E1000E_VENDOR		0x8086
#define E1000E_DEVICE		0x10d3
#define NVME_VENDOR		0x1b36
#define NVME_DEVICE		0x0010

#define RW	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define SZ_2M	(2UL << 20)

/* A path that has not ended after this many points is a failure. */
#define MAX_POINTS		3000U
/* Seconds one path may take (the harness kills it then). */
#define PATH_TIMEOUT		200

#define BUF_IOVA		(16ULL << 20)
#define BAR_IOVA		(64ULL << 20)
/* 4 KiB pages: a few, so that a run covers every point fast. */
#define SMALL_LEN		(64UL << 10)
/* THP and hugetlb: two huge pages, more than one pin batch. */
#define HUGE_LEN		(2 * SZ_2M)
#define DIRTY_LEN		(256UL << 10)

#define IOEVENTFD_DATA		0x5a5a1234U
#define MAX_EFDS		8
#define MAX_REGIONS		12
#define REGION_ARGSZ		512
#define INFO_ARGSZ		4096
#define HOT_RESET_DEVS		16

/* The debugfs settings fail-nth needs; restored by the teardown. */
struct knob {
	const char *path;
	const char *val;
	bool ours;	/* exists with our vfio_iommu_type1 only */
	bool saved;
	char old[32];
};

static const struct knob knob_defaults[] = {
	{ .path = DEBUGFS "failslab/ignore-gfp-wait", .val = "N" },
	{ .path = DEBUGFS "failslab/verbose", .val = "0" },
	{ .path = DEBUGFS "fail_page_alloc/ignore-gfp-wait", .val = "N" },
	{ .path = DEBUGFS "fail_page_alloc/min-order", .val = "0" },
	{ .path = DEBUGFS "fail_page_alloc/verbose", .val = "0" },
	{ .path = DEBUGFS "fail_usercopy/verbose", .val = "0" },
	{ .path = TYPE1_FAULTS "fail_pin/verbose", .val = "0", .ours = true },
	{ .path = TYPE1_FAULTS "fail_iommu_map/verbose", .val = "0", .ours = true },
};

#define NR_KNOBS	ARRAY_SIZE(knob_defaults)

FIXTURE(failnth) {
	int nth_fd;
	struct knob knobs[NR_KNOBS];
	long vmlck;		/* VmLck baseline, kB */
	long long pins;		/* FOLL_PIN baseline */
	bool pins_known;
	long nr_hugepages;	/* to restore; -1 if untouched */

	struct edu_location loc;
	struct vfio_session s;
	int tmp_fd;		/* opened by a run, closed after it */
	int tmp_fd2;
	void *bar0;
	uint64_t bar0_size;
	uint64_t bar0_offset;	/* of BAR0 in the device file */
	uint64_t cfg_offset;	/* of config space in the device file */
	void *buf;		/* what the munmap takes */
	size_t buf_len;
	uint8_t *dma;		/* the part MAP_DMA maps */
	size_t dma_len;
	void *run_map;		/* an mmap a run made */
	int efd[MAX_EFDS];
	unsigned int nefd;
	uint64_t unmapped;	/* by a run's UNMAP_DMA */
	uint32_t val[4];	/* values a run read */
	uint64_t *bitmap;	/* dirty bitmaps, two of DIRTY_LEN pages */
	uint8_t info[INFO_ARGSZ];
	uint8_t regions[MAX_REGIONS][REGION_ARGSZ];
	uint8_t baseline[MAX_REGIONS][REGION_ARGSZ];
	unsigned int region_index[MAX_REGIONS];	/* the regions that exist */
	unsigned int nregions;
};

/* One path: the run is injected, pre and post are not. */
struct path {
	const char *name;
	/* Before each run: 0 or a negative errno. */
	int (*pre)(struct _test_data_failnth *self);
	/* The run: 0 or a negative errno. */
	int (*run)(struct _test_data_failnth *self);
	/* Undoes the run and checks what it left (@ret: its result). */
	void (*post)(struct __test_metadata *_metadata,
		     struct _test_data_failnth *self, int ret, bool fired);
};

static int knob_read(const char *path, char *buf, size_t len)
{
	return sysfs_read_line(path, buf, len);
}

static int nth_open(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	return open(path, O_RDWR | O_CLOEXEC);
}

/* Arms the n-th fault-injection point from now on. */
static int nth_arm(int fd, unsigned int n)
{
	char buf[16];
	int len;

	len = snprintf(buf, sizeof(buf), "%u", n);
	return pwrite(fd, buf, len, 0) == len ? 0 : -errno;
}

/*
 * Disarms fail-nth: 1 if the armed point fired during the run, 0 if the
 * run ended before it, or a negative errno.  The read's own copy to user
 * space is a point too: if it is the armed one, the read fails with
 * EFAULT (the run did not reach it).  The write of "0" may consume what
 * is left the same way; either way the count ends at 0.
 */
static int nth_disarm(int fd)
{
	char buf[16] = "";
	ssize_t len;
	int fired;

	len = pread(fd, buf, sizeof(buf) - 1, 0);
	if (len == 0 || (len < 0 && errno != EFAULT))
		return len ? -errno : -EIO;
	fired = len > 0 && strtoul(buf, NULL, 10) == 0;
	if (pwrite(fd, "0", 1, 0) != 1 && errno != EFAULT)
		return -errno;
	memset(buf, 0, sizeof(buf));
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	if (len <= 0 || strtoul(buf, NULL, 10) != 0)
		return -EIO;
	return fired;
}

/* What a run may fail with when one of its points fails. */
static bool accepted_errno(int err)
{
	switch (err) {
	case ENOMEM:
	case EFAULT:
	case EINVAL:
	case ENOSPC:
	case EBUSY:
	case EIO:
	case EAGAIN:
	case ENFILE:
	case EMFILE:
	case ENODEV:
	case ENXIO:
		return true;
	default:
		return false;
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A run that touches a BAR mapping: SIGBUS there becomes -EFAULT. */
static sigjmp_buf bus_env;
static volatile sig_atomic_t bus_armed;

static void bus_handler(int sig)
{
	(void)sig;
	if (bus_armed)
		siglongjmp(bus_env, 1);
	_exit(2);
}

static void sweep(struct __test_metadata *_metadata,
		  struct _test_data_failnth *self, const struct path *p)
{
	unsigned int n, errs[256] = { 0 }, failed = 0, tolerated = 0, e;
	double t0 = now_s();
	char summary[512];
	long long pins;
	int ret = 0, fired = 1, len;

	for (n = 1; n <= MAX_POINTS && fired; n++) {
		if (p->pre) {
			ret = p->pre(self);
			ASSERT_EQ(0, ret)
				TH_LOG("%s: setup of run %u: %s", p->name, n,
				       strerror(-ret));
		}
		ASSERT_EQ(0, nth_arm(self->nth_fd, n))
			TH_LOG("arming fail-nth: %s", strerror(errno));
		ret = p->run(self);
		fired = nth_disarm(self->nth_fd);
		ASSERT_LE(0, fired)
			TH_LOG("reading fail-nth back: %s", strerror(-fired));
		if (ret) {
			EXPECT_TRUE(fired)
				TH_LOG("%s: failed with %s, no fault injected",
				       p->name, strerror(-ret));
			EXPECT_TRUE(accepted_errno(-ret))
				TH_LOG("%s: point %u: unexpected errno %d (%s)",
				       p->name, n, -ret, strerror(-ret));
			failed++;
			if (-ret < 256)
				errs[-ret]++;
		} else if (fired) {
			tolerated++;
		}
		p->post(_metadata, self, ret, fired);
		EXPECT_EQ(self->vmlck, proc_vmlck_kb(getpid()))
			TH_LOG("%s: point %u: VmLck not back at its baseline",
			       p->name, n);
		if (!_metadata->passed)
			return;
	}
	ASSERT_FALSE(fired)
		TH_LOG("%s: no end after %u points", p->name, MAX_POINTS);
	ASSERT_EQ(0, ret)
		TH_LOG("%s: the run without a fault failed: %s", p->name,
		       strerror(-ret));

	if (self->pins_known) {
		ASSERT_EQ(0, foll_pins(&pins));
		EXPECT_EQ(self->pins, pins)
			TH_LOG("%s: %lld pages left pinned", p->name,
			       pins - self->pins);
	}

	len = snprintf(summary, sizeof(summary),
		       "%s: %u points, %u failed", p->name, n - 2, failed);
	for (e = 1; e < 256; e++)
		if (errs[e] && len < (int)sizeof(summary))
			len += snprintf(summary + len, sizeof(summary) - len,
					" %s:%u", strerrorname_np(e) ?: "?",
					errs[e]);
	printf("# %s, %u tolerated, %.1f s\n", summary, tolerated,
	       now_s() - t0);
	fflush(stdout);
}

FIXTURE_SETUP(failnth)
{
	char why[512];
	unsigned int i;
	long long pins;

	self->nth_fd = -1;
	self->nr_hugepages = -1;
	self->tmp_fd = -1;
	self->tmp_fd2 = -1;
	self->bar0 = MAP_FAILED;
	self->buf = MAP_FAILED;
	self->run_map = MAP_FAILED;
	self->bitmap = MAP_FAILED;
	vfio_session_init(&self->s);
	for (i = 0; i < MAX_EFDS; i++)
		self->efd[i] = -1;
	memcpy(self->knobs, knob_defaults, sizeof(self->knobs));

	self->nth_fd = nth_open();
	if (self->nth_fd < 0)
		SKIP(return,
		     "no /proc/self/task/<tid>/fail-nth: a kernel without CONFIG_FAULT_INJECTION (the sweep runs on the debug tier)");
	for (i = 0; i < NR_KNOBS; i++) {
		struct knob *k = &self->knobs[i];

		if (knob_read(k->path, k->old, sizeof(k->old))) {
			if (k->ours && vfio_test_reference())
				continue;
			if (k->ours)
				ASSERT_TRUE(0) TH_LOG("%s missing", k->path);
			SKIP(return,
			     "no %s: a kernel without FAILSLAB, FAIL_PAGE_ALLOC, FAULT_INJECTION_USERCOPY or their debugfs",
			     k->path);
		}
		ASSERT_EQ(0, sysfs_write_str(k->path, k->val))
			TH_LOG("writing %s", k->path);
		k->saved = true;
	}

	if (edu_find(&self->loc, why, sizeof(why)))
		SKIP(return, "%s", why);
	self->vmlck = proc_vmlck_kb(getpid());
	ASSERT_LE(0, self->vmlck);
	self->pins_known = !foll_pins(&pins);
	self->pins = pins;
}

FIXTURE_TEARDOWN(failnth)
{
	unsigned int i;

	if (self->run_map != MAP_FAILED)
		munmap(self->run_map, self->bar0_size);
	if (self->bar0 != MAP_FAILED)
		munmap(self->bar0, self->bar0_size);
	if (self->tmp_fd >= 0)
		close(self->tmp_fd);
	if (self->tmp_fd2 >= 0)
		close(self->tmp_fd2);
	vfio_session_close(&self->s);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, self->buf_len);
	if (self->bitmap != MAP_FAILED)
		munmap(self->bitmap, 2 * (DIRTY_LEN / 4096 / 8));
	for (i = 0; i < MAX_EFDS; i++)
		if (self->efd[i] >= 0)
			close(self->efd[i]);
	if (self->nr_hugepages >= 0)
		sysfs_write_long(HUGEPAGES_2M "nr_hugepages",
				 self->nr_hugepages);
	for (i = NR_KNOBS; i-- > 0;)
		if (self->knobs[i].saved)
			sysfs_write_str(self->knobs[i].path,
					self->knobs[i].old);
	if (self->nth_fd >= 0)
		close(self->nth_fd);
}

/* --- setup helpers (not injected) --- */

static void open_session(struct __test_metadata *_metadata,
			 struct _test_data_failnth *self, bool with_device)
{
	const char *step = "";
	int ret;

	ret = vfio_session_open(&self->s, &self->loc, with_device, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
}

/* Another device instead of edu (SKIP if absent), opened with its group. */
static void open_other(struct __test_metadata *_metadata,
		       struct _test_data_failnth *self, unsigned int vendor,
		       unsigned int device, const char *label)
{
	char why[512];

	if (vfio_pci_find(vendor, device, label, &self->loc, why,
			  sizeof(why)))
		SKIP(return, "%s", why);
	open_session(_metadata, self, true);
}

static void map_bar0(struct __test_metadata *_metadata,
		     struct _test_data_failnth *self)
{
	struct vfio_region_info info;

	ASSERT_EQ(0, vfio_region_get_info(self->s.device,
					  VFIO_PCI_CONFIG_REGION_INDEX, &info));
	self->cfg_offset = info.offset;
	ASSERT_EQ(0, vfio_region_get_info(self->s.device,
					  VFIO_PCI_BAR0_REGION_INDEX, &info));
	self->bar0_offset = info.offset;
	ASSERT_EQ(0, edu_map_bar0(self->s.device, &self->bar0,
				  &self->bar0_size));
}

static void make_efds(struct __test_metadata *_metadata,
		      struct _test_data_failnth *self, unsigned int n)
{
	unsigned int i;

	ASSERT_GE(MAX_EFDS, n);
	for (i = 0; i < n; i++) {
		self->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, self->efd[i]);
	}
	self->nefd = n;
}

/* Anonymous memory: @len bytes aligned to @align, touched. */
static void alloc_buf(struct __test_metadata *_metadata,
		      struct _test_data_failnth *self, size_t len, size_t align,
		      int advice)
{
	uintptr_t start;

	self->buf_len = len + align;
	self->buf = anon_alloc(self->buf_len);
	ASSERT_NE(MAP_FAILED, self->buf);
	start = ((uintptr_t)self->buf + align - 1) & ~(uintptr_t)(align - 1);
	self->dma = (uint8_t *)start;
	self->dma_len = len;
	if (advice)
		ASSERT_EQ(0, madvise(self->dma, len, advice));
	memset(self->dma, 0x5a, len);
}

/* --- paths --- */

static int run_container(struct _test_data_failnth *self)
{
	int ret;

	self->tmp_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (self->tmp_fd < 0)
		return -errno;
	ret = ioctl(self->tmp_fd, VFIO_GET_API_VERSION);
	if (ret < 0)
		return -errno;
	self->val[0] = ret;
	ret = ioctl(self->tmp_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU);
	if (ret < 0)
		return -errno;
	self->val[1] = ret;
	return 0;
}

static void post_close_tmp(struct _test_data_failnth *self)
{
	if (self->tmp_fd >= 0)
		close(self->tmp_fd);
	if (self->tmp_fd2 >= 0)
		close(self->tmp_fd2);
	self->tmp_fd = -1;
	self->tmp_fd2 = -1;
}

static void post_container(struct __test_metadata *_metadata,
			   struct _test_data_failnth *self, int ret, bool fired)
{
	(void)fired;
	if (!ret) {
		EXPECT_EQ(VFIO_API_VERSION, self->val[0]);
		EXPECT_EQ(1, self->val[1]);
	}
	post_close_tmp(self);
}

static int pre_group(struct _test_data_failnth *self)
{
	self->tmp_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	return self->tmp_fd < 0 ? -errno : 0;
}

/* Group open, GET_STATUS, SET_CONTAINER, SET_IOMMU, UNSET_CONTAINER. */
static int run_group(struct _test_data_failnth *self)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", self->loc.group_id);
	self->tmp_fd2 = open(path, O_RDWR | O_CLOEXEC);
	if (self->tmp_fd2 < 0)
		return -errno;
	if (ioctl(self->tmp_fd2, VFIO_GROUP_GET_STATUS, &status))
		return -errno;
	self->val[0] = status.flags;
	if (ioctl(self->tmp_fd2, VFIO_GROUP_SET_CONTAINER, &self->tmp_fd))
		return -errno;
	if (ioctl(self->tmp_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -errno;
	if (ioctl(self->tmp_fd2, VFIO_GROUP_UNSET_CONTAINER))
		return -errno;
	return 0;
}

static void post_group(struct __test_metadata *_metadata,
		       struct _test_data_failnth *self, int ret, bool fired)
{
	(void)fired;
	if (!ret)
		EXPECT_TRUE(self->val[0] & VFIO_GROUP_FLAGS_VIABLE);
	post_close_tmp(self);
}

static int run_get_info(struct _test_data_failnth *self)
{
	struct vfio_iommu_type1_info *info = (void *)self->info;

	memset(self->info, 0, sizeof(self->info));
	info->argsz = sizeof(self->info);
	return ioctl(self->s.container, VFIO_IOMMU_GET_INFO, info) ? -errno
								    : 0;
}

static void post_get_info(struct __test_metadata *_metadata,
			  struct _test_data_failnth *self, int ret, bool fired)
{
	struct vfio_iommu_type1_info *info = (void *)self->info;
	struct vfio_info_cap_header *cap;
	bool range = false;
	uint32_t off;

	(void)fired;
	if (ret)
		return;
	EXPECT_TRUE(info->flags & VFIO_IOMMU_INFO_PGSIZES);
	EXPECT_TRUE(info->flags & VFIO_IOMMU_INFO_CAPS);
	EXPECT_NE(0, info->iova_pgsizes & 4096);
	for (off = info->cap_offset; off && off + sizeof(*cap) <= INFO_ARGSZ;
	     off = cap->next) {
		cap = (void *)(self->info + off);
		if (cap->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
			range = true;
	}
	EXPECT_TRUE(range) TH_LOG("GET_INFO without its IOVA range cap");
}

static int run_map(struct _test_data_failnth *self)
{
	return vfio_dma_map(self->s.container, self->dma, BUF_IOVA,
			    self->dma_len, RW);
}

/* The run's mapping is there in full after success, absent after failure. */
static void post_map(struct __test_metadata *_metadata,
		     struct _test_data_failnth *self, int ret, bool fired)
{
	uint64_t unmapped = 0;

	(void)fired;
	ASSERT_EQ(0, vfio_dma_unmap(self->s.container, BUF_IOVA,
				    self->dma_len, &unmapped));
	EXPECT_EQ(ret ? 0 : self->dma_len, unmapped)
		TH_LOG("MAP_DMA %s, then UNMAP_DMA took %llu bytes",
		       ret ? "failed" : "succeeded",
		       (unsigned long long)unmapped);
}

static int run_map_bar(struct _test_data_failnth *self)
{
	return vfio_dma_map(self->s.container, self->bar0, BAR_IOVA,
			    self->bar0_size, RW);
}

static void post_map_bar(struct __test_metadata *_metadata,
			 struct _test_data_failnth *self, int ret, bool fired)
{
	uint64_t unmapped = 0;

	(void)fired;
	ASSERT_EQ(0, vfio_dma_unmap(self->s.container, BAR_IOVA,
				    self->bar0_size, &unmapped));
	EXPECT_EQ(ret ? 0 : self->bar0_size, unmapped);
}

static int pre_map(struct _test_data_failnth *self)
{
	return run_map(self);
}

static int run_unmap(struct _test_data_failnth *self)
{
	self->unmapped = 0;
	return vfio_dma_unmap(self->s.container, BUF_IOVA, self->dma_len,
			      &self->unmapped);
}

/*
 * After an UNMAP_DMA that failed, the mapping is either whole (nothing was
 * unmapped) or gone (the unmap was done, then reporting it failed): a
 * second UNMAP_DMA takes all of it or nothing.  Either way the next run's
 * MAP_DMA of the same IOVA must succeed.
 */
static void check_unmapped(struct __test_metadata *_metadata,
			   struct _test_data_failnth *self, int ret)
{
	uint64_t unmapped = 0;

	ASSERT_EQ(0, vfio_dma_unmap(self->s.container, BUF_IOVA,
				    self->dma_len, &unmapped));
	if (ret) {
		EXPECT_TRUE(unmapped == 0 || unmapped == self->dma_len)
			TH_LOG("%llu bytes left mapped",
			       (unsigned long long)unmapped);
	} else {
		EXPECT_EQ(self->dma_len, self->unmapped + unmapped);
	}
}

static void post_unmap(struct __test_metadata *_metadata,
		       struct _test_data_failnth *self, int ret, bool fired)
{
	(void)fired;
	check_unmapped(_metadata, self, ret);
}

static int dirty_ioctl(int container, uint32_t flags, uint64_t *bitmap,
		       uint64_t len)
{
	uint8_t buf[sizeof(struct vfio_iommu_type1_dirty_bitmap) +
		    sizeof(struct vfio_iommu_type1_dirty_bitmap_get)] = { 0 };
	struct vfio_iommu_type1_dirty_bitmap *d = (void *)buf;
	struct vfio_iommu_type1_dirty_bitmap_get *get = (void *)d->data;

	d->argsz = bitmap ? sizeof(buf) : sizeof(*d);
	d->flags = flags;
	if (bitmap) {
		get->iova = BUF_IOVA;
		get->size = len;
		get->bitmap.pgsize = 4096;
		get->bitmap.size = len / 4096 / 8;
		get->bitmap.data = (void *)bitmap;
	}
	return ioctl(container, VFIO_IOMMU_DIRTY_PAGES, d) ? -errno : 0;
}

static int unmap_dirty(int container, uint64_t *bitmap, uint64_t len,
		       uint64_t *unmapped)
{
	uint8_t buf[sizeof(struct vfio_iommu_type1_dma_unmap) +
		    sizeof(struct vfio_bitmap)] = { 0 };
	struct vfio_iommu_type1_dma_unmap *u = (void *)buf;
	struct vfio_bitmap *b = (void *)u->data;

	u->argsz = sizeof(buf);
	u->flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	u->iova = BUF_IOVA;
	u->size = len;
	b->pgsize = 4096;
	b->size = len / 4096 / 8;
	b->data = (void *)bitmap;
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, u))
		return -errno;
	*unmapped = u->size;
	return 0;
}

static int pre_dirty(struct _test_data_failnth *self)
{
	memset(self->bitmap, 0, 2 * (DIRTY_LEN / 4096 / 8));
	return run_map(self);
}

/* START, GET_BITMAP, UNMAP_DMA with the bitmap, STOP. */
static int run_dirty(struct _test_data_failnth *self)
{
	uint64_t *second = self->bitmap + DIRTY_LEN / 4096 / 64;
	int ret;

	self->unmapped = 0;
	ret = dirty_ioctl(self->s.container, VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
			  NULL, 0);
	if (!ret)
		ret = dirty_ioctl(self->s.container,
				  VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
				  self->bitmap, DIRTY_LEN);
	if (!ret)
		ret = unmap_dirty(self->s.container, second, DIRTY_LEN,
				  &self->unmapped);
	if (!ret)
		ret = dirty_ioctl(self->s.container,
				  VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, NULL, 0);
	return ret;
}

static void post_dirty(struct __test_metadata *_metadata,
		       struct _test_data_failnth *self, int ret, bool fired)
{
	unsigned int i, words = DIRTY_LEN / 4096 / 64;

	(void)fired;
	EXPECT_EQ(0, dirty_ioctl(self->s.container,
				 VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, NULL, 0));
	check_unmapped(_metadata, self, ret);
	if (ret)
		return;
	for (i = 0; i < 2 * words; i++)
		EXPECT_EQ(~0ULL, self->bitmap[i])
			TH_LOG("bitmap %u, word %u", i / words, i % words);
}

static int run_device_fd(struct _test_data_failnth *self)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	self->tmp_fd = ioctl(self->s.group, VFIO_GROUP_GET_DEVICE_FD,
			     self->loc.bdf);
	if (self->tmp_fd < 0)
		return -errno;
	if (ioctl(self->tmp_fd, VFIO_DEVICE_GET_INFO, &info))
		return -errno;
	self->val[0] = info.flags;
	self->val[1] = info.num_regions;
	return 0;
}

static void post_device_fd(struct __test_metadata *_metadata,
			   struct _test_data_failnth *self, int ret, bool fired)
{
	(void)fired;
	if (!ret) {
		EXPECT_TRUE(self->val[0] & VFIO_DEVICE_FLAGS_PCI);
		EXPECT_LE(VFIO_PCI_CONFIG_REGION_INDEX + 1, self->val[1]);
	}
	post_close_tmp(self);
}

static int region_info(int device, unsigned int index, uint8_t *buf)
{
	struct vfio_region_info *info = (void *)buf;

	memset(buf, 0, REGION_ARGSZ);
	info->argsz = REGION_ARGSZ;
	info->index = index;
	return ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info) ? -errno : 0;
}

static int run_region_info(struct _test_data_failnth *self)
{
	unsigned int i;
	int ret;

	for (i = 0; i < self->nregions; i++) {
		ret = region_info(self->s.device, self->region_index[i],
				  self->regions[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static void post_region_info(struct __test_metadata *_metadata,
			     struct _test_data_failnth *self, int ret, bool fired)
{
	unsigned int i;

	(void)fired;
	if (ret)
		return;
	for (i = 0; i < self->nregions; i++)
		EXPECT_EQ(0, memcmp(self->baseline[i], self->regions[i],
				    REGION_ARGSZ))
			TH_LOG("region %u answers differently",
			       self->region_index[i]);
}

static unsigned int irq_index;

static int run_irq(struct _test_data_failnth *self)
{
	return vfio_irq_set_eventfds(self->s.device, irq_index,
				     VFIO_IRQ_SET_ACTION_TRIGGER, 0,
				     self->nefd, self->efd);
}

/*
 * Off again; after a success without a fault, a loopback trigger
 * (DATA_NONE) must reach every eventfd first.
 */
static void post_irq(struct __test_metadata *_metadata,
		     struct _test_data_failnth *self, int ret, bool fired)
{
	unsigned int i;
	int off;

	if (!ret && !fired) {
		ASSERT_EQ(0, vfio_irq_set_none(self->s.device, irq_index,
					       VFIO_IRQ_SET_ACTION_TRIGGER, 0,
					       self->nefd));
		for (i = 0; i < self->nefd; i++)
			EXPECT_LE(1, eventfd_wait_ms(self->efd[i], 1000))
				TH_LOG("no interrupt on eventfd %u", i);
	}
	off = vfio_irq_set_none(self->s.device, irq_index,
				VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
	/* After a failed run nothing is on: switching off may be refused. */
	if (!ret)
		EXPECT_EQ(0, off) TH_LOG("switching off: %s", strerror(-off));
}

static int ioeventfd(struct _test_data_failnth *self, int fd)
{
	struct vfio_device_ioeventfd io = {
		.argsz = sizeof(io),
		.flags = VFIO_DEVICE_IOEVENTFD_32,
		.offset = self->bar0_offset + EDU_REG_LIVENESS,
		.data = IOEVENTFD_DATA,
		.fd = fd,
	};

	return ioctl(self->s.device, VFIO_DEVICE_IOEVENTFD, &io) ? -errno : 0;
}

static int run_ioeventfd(struct _test_data_failnth *self)
{
	return ioeventfd(self, self->efd[0]);
}

/* The last run: a write to the eventfd lands in edu's liveness register. */
static void post_ioeventfd(struct __test_metadata *_metadata,
			   struct _test_data_failnth *self, int ret, bool fired)
{
	uint64_t one = 1;
	unsigned int i;

	if (ret)
		return;
	if (!fired) {
		edu_write32(self->bar0, EDU_REG_LIVENESS, 0);
		ASSERT_EQ(sizeof(one), write(self->efd[0], &one, sizeof(one)));
		for (i = 0; i < 100; i++) {
			if (edu_read32(self->bar0, EDU_REG_LIVENESS) ==
			    ~IOEVENTFD_DATA)
				break;
			usleep(10000);
		}
		EXPECT_EQ(~IOEVENTFD_DATA,
			  edu_read32(self->bar0, EDU_REG_LIVENESS));
	}
	EXPECT_EQ(0, ioeventfd(self, -1));
}

static int run_reset(struct _test_data_failnth *self)
{
	uint8_t buf[sizeof(struct vfio_pci_hot_reset_info) +
		    HOT_RESET_DEVS * sizeof(struct vfio_pci_dependent_device)];
	struct vfio_pci_hot_reset_info *info = (void *)buf;

	if (ioctl(self->s.device, VFIO_DEVICE_RESET))
		return -errno;
	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(buf);
	if (ioctl(self->s.device, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info))
		return -errno;
	self->val[0] = info->count;
	return 0;
}

static void post_reset(struct __test_metadata *_metadata,
		       struct _test_data_failnth *self, int ret, bool fired)
{
	(void)fired;
	if (!ret)
		EXPECT_LE(1, self->val[0]);
}

/* Config space, a BAR0 write and two reads through the device file. */
static int run_rdwr(struct _test_data_failnth *self)
{
	uint32_t cfg[16], v = 0x12345678;

	if (pread(self->s.device, cfg, sizeof(cfg), self->cfg_offset) !=
	    sizeof(cfg))
		return -errno ?: -EIO;
	self->val[0] = cfg[0];
	if (pwrite(self->s.device, &v, 4,
		   self->bar0_offset + EDU_REG_LIVENESS) != 4)
		return -errno ?: -EIO;
	if (pread(self->s.device, &self->val[1], 4,
		  self->bar0_offset + EDU_REG_ID) != 4)
		return -errno ?: -EIO;
	if (pread(self->s.device, &self->val[2], 4,
		  self->bar0_offset + EDU_REG_LIVENESS) != 4)
		return -errno ?: -EIO;
	return 0;
}

static void post_rdwr(struct __test_metadata *_metadata,
		      struct _test_data_failnth *self, int ret, bool fired)
{
	(void)fired;
	if (ret)
		return;
	EXPECT_EQ(EDU_VENDOR_ID | EDU_DEVICE_ID << 16, self->val[0]);
	EXPECT_EQ(EDU_ID_VALUE, self->val[1]);
	EXPECT_EQ(~0x12345678U, self->val[2]);
}

/* mmap() of BAR0 and a read through it; SIGBUS counts as EFAULT. */
static int run_mmap(struct _test_data_failnth *self)
{
	void *p;

	p = mmap(NULL, self->bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->s.device, self->bar0_offset);
	if (p == MAP_FAILED)
		return -errno;
	self->run_map = p;
	if (sigsetjmp(bus_env, 1)) {
		bus_armed = 0;
		return -EFAULT;
	}
	bus_armed = 1;
	self->val[0] = edu_read32(p, EDU_REG_ID);
	bus_armed = 0;
	return 0;
}

static void post_mmap(struct __test_metadata *_metadata,
		      struct _test_data_failnth *self, int ret, bool fired)
{
	(void)fired;
	/* The mapping itself succeeded: the access may not fail. */
	EXPECT_FALSE(ret == -EFAULT && self->run_map != MAP_FAILED)
		TH_LOG("SIGBUS reading a BAR mapping after an injected fault");
	if (!ret)
		EXPECT_EQ(EDU_ID_VALUE, self->val[0]);
	if (self->run_map != MAP_FAILED)
		munmap(self->run_map, self->bar0_size);
	self->run_map = MAP_FAILED;
}

/* Everything a user holds, then all of it closed in the run. */
static int pre_close(struct _test_data_failnth *self)
{
	struct vfio_region_info info;
	const char *step;
	int ret;

	ret = vfio_session_open(&self->s, &self->loc, true, &step);
	if (ret)
		return ret;
	ret = vfio_region_get_info(self->s.device, VFIO_PCI_BAR0_REGION_INDEX,
				   &info);
	self->bar0_offset = info.offset;
	if (!ret)
		ret = run_map(self);
	if (!ret)
		ret = vfio_irq_set_eventfds(self->s.device,
					    VFIO_PCI_MSI_IRQ_INDEX,
					    VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
					    self->efd);
	if (!ret)
		ret = ioeventfd(self, self->efd[1]);
	return ret;
}

static int run_close(struct _test_data_failnth *self)
{
	vfio_session_close(&self->s);
	return 0;
}

static void post_close(struct __test_metadata *_metadata,
		       struct _test_data_failnth *self, int ret, bool fired)
{
	(void)_metadata;
	(void)self;
	(void)ret;
	(void)fired;
}

/* --- the tests: one path each --- */

TEST_F_TIMEOUT(failnth, container_open, PATH_TIMEOUT)
{
	static const struct path p = { "open /dev/vfio/vfio, API version, CHECK_EXTENSION",
		NULL, run_container, post_container };

	RETURN_IF_SETUP_SKIPPED();
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, group_set_container, PATH_TIMEOUT)
{
	static const struct path p = { "group open, SET_CONTAINER, SET_IOMMU, UNSET_CONTAINER",
		pre_group, run_group, post_group };

	RETURN_IF_SETUP_SKIPPED();
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, get_info, PATH_TIMEOUT)
{
	static const struct path p = { "IOMMU_GET_INFO with caps",
		NULL, run_get_info, post_get_info };

	RETURN_IF_SETUP_SKIPPED();
	open_session(_metadata, self, false);
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, map_4k, PATH_TIMEOUT)
{
	static const struct path p = { "MAP_DMA, 4 KiB pages",
		NULL, run_map, post_map };

	RETURN_IF_SETUP_SKIPPED();
	open_session(_metadata, self, false);
	alloc_buf(_metadata, self, SMALL_LEN, 4096, MADV_NOHUGEPAGE);
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, map_thp, PATH_TIMEOUT)
{
	static const struct path p = { "MAP_DMA, THP",
		NULL, run_map, post_map };
	char line[128];

	RETURN_IF_SETUP_SKIPPED();
	if (knob_read(THP_ENABLED, line, sizeof(line)) ||
	    strstr(line, "[never]"))
		SKIP(return, "transparent huge pages are off");
	open_session(_metadata, self, false);
	alloc_buf(_metadata, self, HUGE_LEN, SZ_2M, MADV_HUGEPAGE);
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, map_hugetlb, PATH_TIMEOUT)
{
	static const struct path p = { "MAP_DMA, hugetlb",
		NULL, run_map, post_map };
	long old, now;

	RETURN_IF_SETUP_SKIPPED();
	if (sysfs_read_long(HUGEPAGES_2M "nr_hugepages", &old))
		SKIP(return, "no 2 MiB hugetlb pages");
	self->nr_hugepages = old;
	if (sysfs_write_long(HUGEPAGES_2M "nr_hugepages",
			     old + HUGE_LEN / SZ_2M) ||
	    sysfs_read_long(HUGEPAGES_2M "nr_hugepages", &now) ||
	    now < old + (long)(HUGE_LEN / SZ_2M))
		SKIP(return, "cannot reserve %lu hugetlb pages",
		     HUGE_LEN / SZ_2M);
	open_session(_metadata, self, false);
	self->buf_len = HUGE_LEN;
	self->buf = mmap(NULL, HUGE_LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	self->dma = self->buf;
	self->dma_len = HUGE_LEN;
	memset(self->dma, 0x5a, HUGE_LEN);
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, map_peer_bar, PATH_TIMEOUT)
{
	static const struct path p = { "MAP_DMA of a BAR (VM_PFNMAP)",
		NULL, run_map_bar, post_map_bar };

	RETURN_IF_SETUP_SKIPPED();
	open_session(_metadata, self, true);
	map_bar0(_metadata, self);
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, unmap, PATH_TIMEOUT)
{
	static const struct path p = { "UNMAP_DMA",
		pre_map, run_unmap, post_unmap };

	RETURN_IF_SETUP_SKIPPED();
	open_session(_metadata, self, false);
	alloc_buf(_metadata, self, SMALL_LEN, 4096, MADV_NOHUGEPAGE);
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, dirty, PATH_TIMEOUT)
{
	static const struct path p = { "DIRTY_PAGES START, GET_BITMAP, UNMAP_DMA with bitmap, STOP",
		pre_dirty, run_dirty, post_dirty };

	RETURN_IF_SETUP_SKIPPED();
	open_session(_metadata, self, false);
	alloc_buf(_metadata, self, DIRTY_LEN, 4096, MADV_NOHUGEPAGE);
	self->bitmap = anon_alloc(2 * (DIRTY_LEN / 4096 / 8));
	ASSERT_NE(MAP_FAILED, self->bitmap);
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, get_device_fd, PATH_TIMEOUT)
{
	static const struct path p = { "GROUP_GET_DEVICE_FD, GET_INFO",
		NULL, run_device_fd, post_device_fd };

	RETURN_IF_SETUP_SKIPPED();
	open_session(_metadata, self, false);
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, region_info, PATH_TIMEOUT)
{
	static const struct path p = { "GET_REGION_INFO with caps (e1000e)",
		NULL, run_region_info, post_region_info };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	unsigned int i;

	RETURN_IF_SETUP_SKIPPED();
	open_other(_metadata, self, E1000E_VENDOR, E1000E_DEVICE, "e1000e");
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_INFO, &info));
	/* Only the regions the device has (no VGA region for a NIC). */
	for (i = 0; i < info.num_regions && self->nregions < MAX_REGIONS; i++)
		if (!region_info(self->s.device, i,
				 self->baseline[self->nregions]))
			self->region_index[self->nregions++] = i;
	ASSERT_LE(1, self->nregions);
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, set_irqs_intx, PATH_TIMEOUT)
{
	static const struct path p = { "SET_IRQS INTx eventfd",
		NULL, run_irq, post_irq };

	RETURN_IF_SETUP_SKIPPED();
	open_session(_metadata, self, true);
	make_efds(_metadata, self, 1);
	irq_index = VFIO_PCI_INTX_IRQ_INDEX;
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, set_irqs_msi, PATH_TIMEOUT)
{
	static const struct path p = { "SET_IRQS MSI eventfd",
		NULL, run_irq, post_irq };

	RETURN_IF_SETUP_SKIPPED();
	open_session(_metadata, self, true);
	make_efds(_metadata, self, 1);
	irq_index = VFIO_PCI_MSI_IRQ_INDEX;
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, set_irqs_msix, PATH_TIMEOUT)
{
	static const struct path p = { "SET_IRQS MSI-X eventfds (e1000e)",
		NULL, run_irq, post_irq };
	struct vfio_irq_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
	};

	RETURN_IF_SETUP_SKIPPED();
	open_other(_metadata, self, E1000E_VENDOR, E1000E_DEVICE, "e1000e");
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_IRQ_INFO, &info));
	ASSERT_LE(1, info.count);
	make_efds(_metadata, self, info.count < 2 ? info.count : 2);
	irq_index = VFIO_PCI_MSIX_IRQ_INDEX;
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, ioeventfd, PATH_TIMEOUT)
{
	static const struct path p = { "DEVICE_IOEVENTFD",
		NULL, run_ioeventfd, post_ioeventfd };

	RETURN_IF_SETUP_SKIPPED();
	open_session(_metadata, self, true);
	map_bar0(_metadata, self);
	make_efds(_metadata, self, 1);
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, reset, PATH_TIMEOUT)
{
	static const struct path p = { "DEVICE_RESET, GET_PCI_HOT_RESET_INFO (nvme)",
		NULL, run_reset, post_reset };

	RETURN_IF_SETUP_SKIPPED();
	open_other(_metadata, self, NVME_VENDOR, NVME_DEVICE, "nvme");
	RETURN_IF_SETUP_SKIPPED();
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, region_rdwr, PATH_TIMEOUT)
{
	static const struct path p = { "region read/write (config, BAR0)",
		NULL, run_rdwr, post_rdwr };

	RETURN_IF_SETUP_SKIPPED();
	open_session(_metadata, self, true);
	map_bar0(_metadata, self);
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, bar_mmap, PATH_TIMEOUT)
{
	static const struct path p = { "mmap of BAR0 and a read through it",
		NULL, run_mmap, post_mmap };
	struct sigaction sa = { .sa_handler = bus_handler };

	RETURN_IF_SETUP_SKIPPED();
	open_session(_metadata, self, true);
	map_bar0(_metadata, self);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	sweep(_metadata, self, &p);
}

TEST_F_TIMEOUT(failnth, close_all, PATH_TIMEOUT)
{
	static const struct path p = { "close of device, group, container",
		pre_close, run_close, post_close };

	RETURN_IF_SETUP_SKIPPED();
	alloc_buf(_metadata, self, SMALL_LEN, 4096, MADV_NOHUGEPAGE);
	make_efds(_metadata, self, 2);
	sweep(_metadata, self, &p);
}

TEST_HARNESS_MAIN
