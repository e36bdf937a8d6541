// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_bench: type1 benchmarks over /dev/vfio, run in the testbed guest by
 * bench-init.sh once per module set (in-tree, ours) and round.
 *
 * Sub-benchmarks (--bench, comma separated):
 *   map    MAP_DMA and UNMAP_DMA of one mapping per backing (4k: anonymous
 *          memory with MADV_NOHUGEPAGE; thp: 2 MiB aligned anonymous memory
 *          with MADV_HUGEPAGE, checked in smaps' AnonHugePages; hugetlb:
 *          MAP_HUGETLB of 2 MiB pages) and size, in GiB/s.  The memory is
 *          faulted in before the first MAP, so only pinning, accounting and
 *          IOMMU programming are timed.
 *   small  many 4 KiB mappings (up to dma_entry_limit) mapped one by one,
 *          then torn down by closing the group and the container, both in
 *          mappings per second.
 *   open   open the container and the group, SET_CONTAINER, SET_IOMMU,
 *          GET_DEVICE_FD, then close all three: cycles per second.
 *
 * Every figure is a rate: higher is better.  Output, one line each, for
 * run-bench.sh to collect:
 *   sample <side> <round> <figure> <unit> <value>
 *   info <side> <round> <text>
 *   error <side> <round> <figure> <text>
 * The exit status is 1 if any error line was printed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "vfio_test_util.h"

#define SZ_4K		4096UL
#define SZ_2M		(2UL << 20)
#define GIB		(1024.0 * 1024.0 * 1024.0)

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#endif

/* Far above the low reserved ranges (the MSI window at 0xfee00000). */
#define BENCH_IOVA	(1ULL << 32)
/* IOVA stride of the small mappings: a gap so none can be merged. */
#define SMALL_STRIDE	(2 * SZ_4K)

#define MAX_SIZES	8
#define PAGEMAP_PRESENT		(1ULL << 63)
#define PAGEMAP_PFN_MASK	((1ULL << 55) - 1)
#define PAGEMAP_BATCH		512UL
#define MAX_COUNTS	8
#define RW		(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Peers: the e1000e (MSI-X, a 128 KiB BAR0) and ivshmem (a RAM BAR2). */
#define E1000E_VENDOR	0x8086
#define E1000E_DEVICE	0x10d3
#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110

/* 82574 registers (BAR0) for raising an MSI-X vector by hand */
#define E1000E_STATUS	0x00008
#define E1000E_ICR	0x000c0
#define E1000E_ICS	0x000c8
#define E1000E_IMS	0x000d0
#define E1000E_IMC	0x000d8
#define E1000E_EIAC	0x000dc
#define E1000E_IVAR	0x000e4
#define E1000E_ITR	0x000c4
#define E1000E_EITR(n)	(0x000e8 + 4 * (n))
#define E1000E_NR_EITR	5
#define E1000E_IVAR_VALID	0x8U	/* cause RXQ0 -> vector 0, valid */
#define E1000E_CAUSE_RXQ0	(1U << 20)

#define NR_MAP_THREADS	2U
#define CONFIG_READS	2000U
/* edu has no register from 0x100 on: BAR reads and writes go there. */
#define BAR_OFFSET	0x10000UL
#define BAR_CHUNK	16384L
#define BAR_CALLS	8U
#define IRQ_LOOPS	64U
#define IRQ_TIMEOUT_MS	5000
/* longer than the longest e1000e throttling interval (65535 x 256 ns) */
#define THROTTLE_WAIT_US	50000
#define DMA_ENTRY_LIMIT	"/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"

enum backing { BACKING_4K, BACKING_THP, BACKING_HUGETLB, NR_BACKINGS };

static const char * const backing_name[NR_BACKINGS] = {
	"4k", "thp", "hugetlb",
};

static struct {
	const char *side;
	unsigned int round;
	unsigned int reps;
	unsigned int opens;
	unsigned long small_count;
	unsigned long long bar_max;
	size_t sizes[MAX_SIZES];
	unsigned int nr_sizes;
	size_t curve_sizes[MAX_SIZES];
	unsigned int nr_curve_sizes;
	unsigned long curve_counts[MAX_COUNTS];
	unsigned int nr_curve_counts;
	bool backing[NR_BACKINGS];
	bool map, small, open, pfnmap, threads, config, bar, irq, kmem, curve;
} opt = {
	.side = "unknown",
	.reps = 3,
	.opens = 20,
	.small_count = 65535,
};

static struct edu_location edu;
static int errors;

static void emit_sample(const char *figure, const char *unit, double value)
{
	printf("sample %s %u %s %s %.6g\n", opt.side, opt.round, figure, unit,
	       value);
	fflush(stdout);
}

static void emit_info(const char *fmt, ...)
{
	va_list ap;

	printf("info %s %u ", opt.side, opt.round);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void emit_error(const char *figure, const char *fmt, ...)
{
	va_list ap;

	printf("error %s %u %s ", opt.side, opt.round, figure);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	errors++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * What one now() costs: every timed interval holds about one.  Under TCG
 * the guest's clocksource is the HPET, read by a system call.
 */
static double clock_cost_ns(void)
{
	double t0, t1 = 0;
	unsigned int i;

	t0 = now();
	for (i = 0; i < 1000; i++)
		t1 = now();
	return (t1 - t0) * 1e9 / 1000;
}

/* "64M", "1G", "4096": bytes, or 0 if not a size. */
static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'K': case 'k':
		v <<= 10;
		end++;
		break;
	case 'M': case 'm':
		v <<= 20;
		end++;
		break;
	case 'G': case 'g':
		v <<= 30;
		end++;
		break;
	}
	return *end ? 0 : v;
}

static void size_name(size_t size, char *buf, size_t len)
{
	if (size >= (1UL << 30) && !(size & ((1UL << 30) - 1)))
		snprintf(buf, len, "%zuG", size >> 30);
	else if (size >= (1UL << 20) && !(size & ((1UL << 20) - 1)))
		snprintf(buf, len, "%zuM", size >> 20);
	else
		snprintf(buf, len, "%zuK", size >> 10);
}

static int open_session(struct vfio_session *s, bool with_device,
			const char *figure)
{
	const char *step;
	int ret = vfio_session_open(s, &edu, with_device, &step);

	if (ret)
		emit_error(figure, "%s: %s", step, strerror(-ret));
	return ret;
}

/*
 * The smaps fields of the mapping holding @addr, in kB: AnonHugePages and
 * Private_Hugetlb.  -1 if it is not found.
 */
static int smaps_of(void *addr, long *anon_huge_kb, long *hugetlb_kb)
{
	unsigned long start, end, a = (unsigned long)addr;
	bool inside = false, found = false;
	char line[512];
	long kb;
	FILE *f;

	*anon_huge_kb = 0;
	*hugetlb_kb = 0;
	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			inside = a >= start && a < end;
			found |= inside;
			continue;
		}
		if (!inside)
			continue;
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			*anon_huge_kb = kb;
		else if (sscanf(line, "Private_Hugetlb: %ld kB", &kb) == 1)
			*hugetlb_kb = kb;
	}
	fclose(f);
	return found ? 0 : -1;
}

/*
 * The number of physically contiguous runs of 4 KiB pages in [@p, @p +
 * @size), from /proc/self/pagemap (root sees the frame numbers); 0 if it
 * cannot be read.  A backend that keeps runs does per-run work on them.
 */
static unsigned long phys_runs(const char *p, size_t size)
{
	unsigned long runs = 0, i, j, n = size / SZ_4K, first;
	uint64_t e[PAGEMAP_BATCH], pfn, prev = 0;
	size_t len;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	first = (uintptr_t)p / SZ_4K;
	for (i = 0; i < n; i += PAGEMAP_BATCH) {
		len = (n - i < PAGEMAP_BATCH ? n - i : PAGEMAP_BATCH) *
		      sizeof(e[0]);
		if (pread(fd, e, len, (first + i) * sizeof(e[0])) !=
		    (ssize_t)len) {
			runs = 0;
			break;
		}
		for (j = 0; j < len / sizeof(e[0]); j++) {
			pfn = e[j] & PAGEMAP_PFN_MASK;
			if (!(e[j] & PAGEMAP_PRESENT) || !pfn) {
				close(fd);
				return 0;
			}
			if (!(i + j) || pfn != prev + 1)
				runs++;
			prev = pfn;
		}
	}
	close(fd);
	return runs;
}

/* Memory of @b, faulted in; NULL (and an error line) on failure. */
static void *alloc_backing(enum backing b, size_t size, const char *figure)
{
	long anon_huge_kb, hugetlb_kb, want_kb = size >> 10;
	size_t i, len = size;
	char *p, *mem;

	switch (b) {
	case BACKING_4K:
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		if (madvise(p, size, MADV_NOHUGEPAGE))
			emit_error(figure, "MADV_NOHUGEPAGE: %s",
				   strerror(errno));
		break;
	case BACKING_THP:
		/* Reserve 2 MiB more, keep the aligned part. */
		len = size + SZ_2M;
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED) {
			p = MAP_FAILED;
			break;
		}
		p = (char *)(((unsigned long)mem + SZ_2M - 1) & ~(SZ_2M - 1));
		if (p > mem)
			munmap(mem, p - mem);
		munmap(p + size, mem + len - (p + size));
		if (madvise(p, size, MADV_HUGEPAGE))
			emit_error(figure, "MADV_HUGEPAGE: %s",
				   strerror(errno));
		break;
	case BACKING_HUGETLB:
	default:
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			 MAP_HUGE_2MB, -1, 0);
		break;
	}
	if (p == MAP_FAILED) {
		emit_error(figure, "mmap of %zu bytes: %s", size,
			   strerror(errno));
		return NULL;
	}

	/* Fault every page in; hugetlb pages may still be missing here. */
	for (i = 0; i < size; i += SZ_4K)
		p[i] = (char)i;

	if (smaps_of(p, &anon_huge_kb, &hugetlb_kb)) {
		emit_error(figure, "mapping not found in /proc/self/smaps");
		munmap(p, size);
		return NULL;
	}
	emit_info("%s AnonHugePages=%ldkB Private_Hugetlb=%ldkB of %ldkB, %lu physical runs",
		  figure, anon_huge_kb, hugetlb_kb, want_kb,
		  phys_runs(p, size));
	if ((b == BACKING_4K && anon_huge_kb) ||
	    (b == BACKING_THP && anon_huge_kb < want_kb) ||
	    (b == BACKING_HUGETLB && hugetlb_kb < want_kb)) {
		emit_error(figure, "not backed as asked: %ldkB THP, %ldkB hugetlb",
			   anon_huge_kb, hugetlb_kb);
		munmap(p, size);
		return NULL;
	}
	return p;
}

/* One backing and size: reps x (timed MAP, timed UNMAP). */
static void bench_map_one(enum backing b, size_t size)
{
	struct vfio_iommu_type1_dma_unmap unmap;
	struct vfio_iommu_type1_dma_map map;
	char name[24], figure[48], map_fig[64], unmap_fig[64];
	struct vfio_session s;
	double t0, t1;
	unsigned int i;
	int ret;
	char *p;

	size_name(size, name, sizeof(name));
	snprintf(figure, sizeof(figure), "%s/%s", backing_name[b], name);
	snprintf(map_fig, sizeof(map_fig), "map/%s", figure);
	snprintf(unmap_fig, sizeof(unmap_fig), "unmap/%s", figure);
	p = alloc_backing(b, size, figure);
	if (!p)
		return;
	if (open_session(&s, false, figure))
		goto out_free;

	for (i = 0; i < opt.reps; i++) {
		memset(&map, 0, sizeof(map));
		map.argsz = sizeof(map);
		map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
		map.vaddr = (uintptr_t)p;
		map.iova = BENCH_IOVA;
		map.size = size;
		t0 = now();
		ret = ioctl(s.container, VFIO_IOMMU_MAP_DMA, &map);
		t1 = now();
		if (ret) {
			emit_error(map_fig, "MAP_DMA: %s", strerror(errno));
			break;
		}
		emit_sample(map_fig, "GiB/s", size / GIB / (t1 - t0));

		memset(&unmap, 0, sizeof(unmap));
		unmap.argsz = sizeof(unmap);
		unmap.iova = BENCH_IOVA;
		unmap.size = size;
		t0 = now();
		ret = ioctl(s.container, VFIO_IOMMU_UNMAP_DMA, &unmap);
		t1 = now();
		if (ret || unmap.size != size) {
			emit_error(unmap_fig, "UNMAP_DMA: %s, %llu bytes unmapped",
				   ret ? strerror(errno) : "ok",
				   (unsigned long long)unmap.size);
			break;
		}
		emit_sample(unmap_fig, "GiB/s", size / GIB / (t1 - t0));
	}
	vfio_session_close(&s);
out_free:
	munmap(p, size);
}

static void bench_map(void)
{
	unsigned int i;
	int b;

	for (b = 0; b < NR_BACKINGS; b++) {
		if (!opt.backing[b])
			continue;
		for (i = 0; i < opt.nr_sizes; i++)
			bench_map_one(b, opt.sizes[i]);
	}
}

static unsigned long read_ulong(const char *path, unsigned long dflt)
{
	unsigned long v;
	FILE *f = fopen(path, "r");

	if (!f)
		return dflt;
	if (fscanf(f, "%lu", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

/*
 * Many 4 KiB mappings, one MAP_DMA each, then their teardown when the group
 * and then the container are closed (the backend drops every mapping when
 * the last group leaves the container).
 */
static void bench_small(void)
{
	struct vfio_iommu_type1_dma_map map;
	unsigned long i, n, limit;
	struct vfio_session s;
	char figure[64], close_fig[64];
	double t0, t1;
	unsigned int r;
	size_t size;
	char *p;

	limit = read_ulong(DMA_ENTRY_LIMIT, 65535);
	n = opt.small_count < limit ? opt.small_count : limit;
	snprintf(figure, sizeof(figure), "small-map/4k/x%lu", n);
	snprintf(close_fig, sizeof(close_fig), "small-close/4k/x%lu", n);
	size = n * SZ_4K;
	p = alloc_backing(BACKING_4K, size, figure);
	if (!p)
		return;

	for (r = 0; r < opt.reps; r++) {
		if (open_session(&s, false, figure))
			break;
		memset(&map, 0, sizeof(map));
		map.argsz = sizeof(map);
		map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
		map.size = SZ_4K;
		t0 = now();
		for (i = 0; i < n; i++) {
			map.vaddr = (uintptr_t)(p + i * SZ_4K);
			map.iova = BENCH_IOVA + i * SMALL_STRIDE;
			if (ioctl(s.container, VFIO_IOMMU_MAP_DMA, &map))
				break;
		}
		t1 = now();
		if (i < n) {
			emit_error(figure, "MAP_DMA number %lu: %s", i,
				   strerror(errno));
			vfio_session_close(&s);
			break;
		}
		emit_sample(figure, "map/s", n / (t1 - t0));

		t0 = now();
		close(s.group);
		close(s.container);
		t1 = now();
		emit_sample(close_fig, "map/s", n / (t1 - t0));
	}
	munmap(p, size);
}

/* Device open-to-close: the whole chain a VFIO user opens, then closes. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of @n values (sorted in place). */
static double median_of(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Open-to-close cycles: each sample is one over the median cycle time of
 * opt.opens cycles, so that a preemption of the vCPU thread by the host
 * does not move it.
 */
static void bench_open(void)
{
	struct vfio_session s;
	double *cycle, t0;
	unsigned int r, i;

	cycle = calloc(opt.opens, sizeof(*cycle));
	if (!cycle)
		return;
	for (r = 0; r < opt.reps; r++) {
		for (i = 0; i < opt.opens; i++) {
			t0 = now();
			if (open_session(&s, true, "open-close"))
				goto out;
			vfio_session_close(&s);
			cycle[i] = now() - t0;
		}
		emit_sample("open-close", "open/s",
			    1 / median_of(cycle, opt.opens));
	}
out:
	free(cycle);
}

/*
 * A peer device bound to vfio-pci, attached to @s's container: its group
 * and device fds in @group and @device (both -1 on failure, with an error
 * line for @figure).
 */
static int peer_attach(struct vfio_session *s, const struct edu_location *peer,
		       int *group, int *device, const char *figure)
{
	char path[64];

	*device = -1;
	snprintf(path, sizeof(path), "/dev/vfio/%d", peer->group_id);
	*group = open(path, O_RDWR | O_CLOEXEC);
	if (*group < 0) {
		emit_error(figure, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(*group, VFIO_GROUP_SET_CONTAINER, &s->container)) {
		emit_error(figure, "SET_CONTAINER of %s: %s", peer->bdf,
			   strerror(errno));
		goto out_group;
	}
	*device = ioctl(*group, VFIO_GROUP_GET_DEVICE_FD, peer->bdf);
	if (*device < 0) {
		emit_error(figure, "GET_DEVICE_FD %s: %s", peer->bdf,
			   strerror(errno));
		goto out_group;
	}
	return 0;

out_group:
	close(*group);
	*group = -1;
	return -1;
}

static void peer_detach(int group, int device)
{
	if (device >= 0)
		close(device);
	if (group >= 0)
		close(group);
}

/* A peer device's BAR whose mmap the pfnmap benchmark maps. */
struct pfn_peer {
	struct edu_location loc;
	const char *label;
	unsigned int bar;
	unsigned long long size;	/* from sysfs, 0 if unknown */
};

#define MAX_PFN_PEERS	8
#define PFNMAP_LOOPS	32U

/*
 * MAP_DMA and UNMAP_DMA of a peer's BAR mmap (VM_PFNMAP) in the container
 * of edu.  One untimed MAP/UNMAP first faults the whole mmap in, so only
 * the pfn lookup and the IOMMU programming are timed, as for RAM.  Each
 * sample is the median of PFNMAP_LOOPS map/unmap pairs: a small BAR's
 * calls take tens of microseconds, which a single preemption of the
 * guest's vCPU thread on a busy host would swamp.  @prefix
 * is "" for the figures issue 9 sets a target for, "curve-" for the
 * points of the BAR-size curve.
 */
static void bench_pfnmap_one(const struct pfn_peer *pp, const char *prefix)
{
	char name[24], figure[48], map_fig[64], unmap_fig[64];
	double map_s[PFNMAP_LOOPS], unmap_s[PFNMAP_LOOPS], t0, t1;
	struct vfio_region_info info;
	struct vfio_session s;
	int group, device, ret;
	uint64_t unmapped;
	unsigned int r, i;
	void *bar;

	if (open_session(&s, false, "pfnmap"))
		return;
	if (peer_attach(&s, &pp->loc, &group, &device, "pfnmap"))
		goto out_session;
	ret = vfio_pci_set_command(device, PCI_COMMAND_MEMORY);
	if (!ret)
		ret = vfio_region_get_info(device, pp->bar, &info);
	if (ret) {
		emit_error("pfnmap", "%s BAR%u: %s", pp->loc.bdf, pp->bar,
			   strerror(-ret));
		goto out_peer;
	}
	size_name(info.size, name, sizeof(name));
	snprintf(figure, sizeof(figure), "pfnmap/%s-%s", pp->label, name);
	snprintf(map_fig, sizeof(map_fig), "%smap/%s", prefix, figure);
	snprintf(unmap_fig, sizeof(unmap_fig), "%sunmap/%s", prefix, figure);
	if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		emit_error(figure, "BAR%u not mmappable", pp->bar);
		goto out_peer;
	}
	bar = vfio_region_mmap(device, &info);
	if (bar == MAP_FAILED) {
		emit_error(figure, "mmap: %s", strerror(errno));
		goto out_peer;
	}
	ret = vfio_dma_map(s.container, bar, BENCH_IOVA, info.size, RW);
	if (!ret)
		ret = vfio_dma_unmap(s.container, BENCH_IOVA, info.size, NULL);
	if (ret) {
		emit_error(figure, "first MAP/UNMAP: %s", strerror(-ret));
		goto out_bar;
	}
	for (r = 0; r < opt.reps; r++) {
		for (i = 0; i < PFNMAP_LOOPS; i++) {
			t0 = now();
			ret = vfio_dma_map(s.container, bar, BENCH_IOVA,
					   info.size, RW);
			t1 = now();
			if (ret) {
				emit_error(map_fig, "MAP_DMA: %s",
					   strerror(-ret));
				goto out_bar;
			}
			map_s[i] = t1 - t0;
			unmapped = 0;
			t0 = now();
			ret = vfio_dma_unmap(s.container, BENCH_IOVA, info.size,
					     &unmapped);
			t1 = now();
			if (ret || unmapped != info.size) {
				emit_error(unmap_fig, "UNMAP_DMA: %s, %llu bytes",
					   strerror(-ret),
					   (unsigned long long)unmapped);
				goto out_bar;
			}
			unmap_s[i] = t1 - t0;
		}
		emit_sample(map_fig, "GiB/s",
			    info.size / GIB / median_of(map_s, PFNMAP_LOOPS));
		emit_sample(unmap_fig, "GiB/s",
			    info.size / GIB / median_of(unmap_s, PFNMAP_LOOPS));
	}
out_bar:
	munmap(bar, info.size);
out_peer:
	peer_detach(group, device);
out_session:
	vfio_session_close(&s);
}

/* The size of BAR @bar of the PCI device @bdf from sysfs, 0 if unknown. */
static unsigned long long pci_bar_size(const char *bdf, unsigned int bar)
{
	unsigned long long start, end, flags;
	char path[512], line[128];
	unsigned int i;
	FILE *f;
	int ok = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "r");
	if (!f)
		return 0;
	for (i = 0; i <= bar && fgets(line, sizeof(line), f); i++)
		ok = sscanf(line, "%llx %llx %llx", &start, &end, &flags) == 3;
	fclose(f);
	return ok && i == bar + 1 && end > start ? end - start + 1 : 0;
}

/*
 * Every device @vendor:@device bound to vfio-pci, in @pp from index *@n
 * on (at most MAX_PFN_PEERS in all), BAR @bar of each.
 */
static void pfn_peers_find(unsigned int vendor, unsigned int device,
			   const char *label, unsigned int bar,
			   struct pfn_peer *pp, unsigned int *n)
{
	char path[512], drv[64];
	unsigned long long id;
	struct dirent *d;
	int group;
	DIR *dir;

	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return;
	while ((d = readdir(dir)) && *n < MAX_PFN_PEERS) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 d->d_name);
		if (sysfs_read_line(path, drv, sizeof(drv)) ||
		    strtoull(drv, NULL, 16) != vendor)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 d->d_name);
		if (sysfs_read_line(path, drv, sizeof(drv)))
			continue;
		id = strtoull(drv, NULL, 16);
		if (id != device || pci_driver_name(d->d_name, drv,
						    sizeof(drv)) ||
		    strcmp(drv, "vfio-pci"))
			continue;
		group = pci_iommu_group(d->d_name);
		if (group < 0)
			continue;
		snprintf(pp[*n].loc.bdf, sizeof(pp[*n].loc.bdf), "%s",
			 d->d_name);
		pp[*n].loc.group_id = group;
		pp[*n].label = label;
		pp[*n].bar = bar;
		pp[*n].size = pci_bar_size(d->d_name, bar);
		(*n)++;
	}
	closedir(dir);
}

static int cmp_pfn_peer(const void *a, const void *b)
{
	const struct pfn_peer *x = a, *y = b;

	return (x->size > y->size) - (x->size < y->size);
}

/*
 * The e1000e's 128 KiB BAR0, then every ivshmem's BAR2 from the smallest
 * up: the largest ivshmem BAR gives the map/pfnmap figure with issue 9's
 * target, the smaller ones the curve of cost against BAR size.
 */
static void bench_pfnmap(void)
{
	struct pfn_peer pp[MAX_PFN_PEERS];
	unsigned int n = 0, i, first_ivshmem;

	pfn_peers_find(E1000E_VENDOR, E1000E_DEVICE, "e1000e-bar0", 0, pp,
		       &n);
	if (!n)
		emit_error("pfnmap", "no e1000e (%04x:%04x) bound to vfio-pci",
			   E1000E_VENDOR, E1000E_DEVICE);
	else
		n = 1;
	first_ivshmem = n;
	pfn_peers_find(IVSHMEM_VENDOR, IVSHMEM_DEVICE, "ivshmem-bar2", 2, pp,
		       &n);
	if (n == first_ivshmem)
		emit_error("pfnmap", "no ivshmem (%04x:%04x) bound to vfio-pci",
			   IVSHMEM_VENDOR, IVSHMEM_DEVICE);
	qsort(pp + first_ivshmem, n - first_ivshmem, sizeof(*pp),
	      cmp_pfn_peer);
	for (i = 0; i < n; i++)
		if (!opt.bar_max || pp[i].size <= opt.bar_max)
			bench_pfnmap_one(&pp[i],
					 i < first_ivshmem || i == n - 1 ?
					 "" : "curve-");
}

struct map_thread {
	int container;
	char *p;
	size_t size;
	uint64_t iova;
	pthread_barrier_t *start;
	double t0, t1;
	int err;
};

static void *map_thread_fn(void *arg)
{
	struct map_thread *t = arg;

	pthread_barrier_wait(t->start);
	t->t0 = now();
	t->err = vfio_dma_map(t->container, t->p, t->iova, t->size, RW);
	t->t1 = now();
	return NULL;
}

/*
 * Two threads, each one MAP_DMA of its own buffer at a disjoint IOVA, on
 * one container: bytes of both over the time from the first start to the
 * last end.
 */
static void bench_threads_one(enum backing b, size_t size)
{
	struct map_thread t[NR_MAP_THREADS];
	pthread_t tid[NR_MAP_THREADS];
	pthread_barrier_t start;
	char name[24], figure[64];
	struct vfio_session s;
	double first, last;
	unsigned int r, i, n;
	int ret;

	size_name(size, name, sizeof(name));
	snprintf(figure, sizeof(figure), "threads-map/%s/%ux%s",
		 backing_name[b], NR_MAP_THREADS, name);
	memset(t, 0, sizeof(t));
	for (i = 0; i < NR_MAP_THREADS; i++) {
		t[i].p = alloc_backing(b, size, figure);
		if (!t[i].p)
			goto out_free;
		t[i].size = size;
		t[i].iova = BENCH_IOVA + i * (1ULL << 36);
		t[i].start = &start;
	}
	if (open_session(&s, false, figure))
		goto out_free;
	pthread_barrier_init(&start, NULL, NR_MAP_THREADS);
	for (r = 0; r < opt.reps; r++) {
		for (n = 0; n < NR_MAP_THREADS; n++) {
			t[n].container = s.container;
			ret = pthread_create(&tid[n], NULL, map_thread_fn,
					     &t[n]);
			if (ret) {
				/* the barrier never opens: give up */
				emit_error(figure, "pthread_create: %s",
					   strerror(ret));
				exit(1);
			}
		}
		for (i = 0; i < NR_MAP_THREADS; i++)
			pthread_join(tid[i], NULL);
		first = t[0].t0;
		last = t[0].t1;
		ret = 0;
		for (i = 0; i < NR_MAP_THREADS; i++) {
			if (t[i].t0 < first)
				first = t[i].t0;
			if (t[i].t1 > last)
				last = t[i].t1;
			if (t[i].err)
				ret = t[i].err;
		}
		for (i = 0; i < NR_MAP_THREADS; i++)
			if (!t[i].err)
				vfio_dma_unmap(s.container, t[i].iova, size,
					       NULL);
		if (ret) {
			emit_error(figure, "MAP_DMA: %s", strerror(-ret));
			break;
		}
		emit_sample(figure, "GiB/s",
			    NR_MAP_THREADS * size / GIB / (last - first));
	}
	pthread_barrier_destroy(&start);
	vfio_session_close(&s);
out_free:
	for (i = 0; i < NR_MAP_THREADS; i++)
		if (t[i].p)
			munmap(t[i].p, size);
}

static void bench_threads(void)
{
	int b;

	for (b = 0; b < NR_BACKINGS; b++)
		if (opt.backing[b])
			bench_threads_one(b, opt.sizes[0]);
}

/* The first capability's offset in config space, 0 if none. */
static unsigned int first_cap(int device, uint64_t cfg_off)
{
	uint8_t pos = 0;

	if (pread(device, &pos, 1, cfg_off + PCI_CAPABILITY_LIST) != 1)
		return 0;
	return pos & ~3U;
}

/* 4-byte preads of config space at a few offsets: ns per read. */
static void bench_config(void)
{
	struct vfio_region_info info;
	struct vfio_session s;
	struct {
		const char *name;
		unsigned int off;
	} at[3] = {
		{ "config-read/0x00", PCI_VENDOR_ID },
		{ "config-read/0x10", PCI_BASE_ADDRESS_0 },
		{ "config-read/cap", 0 },
	};
	unsigned int r, i, k;
	double t0, t1;
	uint32_t v;
	int ret;

	if (open_session(&s, true, "config-read"))
		return;
	ret = vfio_region_get_info(s.device, VFIO_PCI_CONFIG_REGION_INDEX,
				   &info);
	if (ret) {
		emit_error("config-read", "config region: %s", strerror(-ret));
		goto out;
	}
	at[2].off = first_cap(s.device, info.offset);
	if (!at[2].off) {
		emit_error("config-read", "%s has no capability", edu.bdf);
		goto out;
	}
	for (r = 0; r < opt.reps; r++) {
		for (k = 0; k < ARRAY_SIZE(at); k++) {
			t0 = now();
			for (i = 0; i < CONFIG_READS; i++) {
				if (pread(s.device, &v, 4,
					  info.offset + at[k].off) != 4) {
					emit_error(at[k].name, "pread: %s",
						   strerror(errno));
					goto out;
				}
			}
			t1 = now();
			emit_sample(at[k].name, "ns",
				    (t1 - t0) * 1e9 / CONFIG_READS);
		}
	}
out:
	vfio_session_close(&s);
}

/*
 * pread and pwrite of edu's BAR0 through the device fd, BAR_CHUNK bytes a
 * call, where edu has no register (it ignores writes there): MB/s.
 */
static void bench_bar(void)
{
	struct vfio_region_info info;
	struct vfio_session s;
	unsigned int r, i;
	double t0, t1;
	char *buf;
	ssize_t n;
	int ret;

	buf = calloc(1, BAR_CHUNK);
	if (!buf || open_session(&s, true, "bar")) {
		free(buf);
		return;
	}
	ret = vfio_pci_set_command(s.device, PCI_COMMAND_MEMORY);
	if (!ret)
		ret = vfio_region_get_info(s.device,
					   VFIO_PCI_BAR0_REGION_INDEX, &info);
	if (ret) {
		emit_error("bar", "edu BAR0: %s", strerror(-ret));
		goto out;
	}
	if (info.size < BAR_OFFSET + BAR_CHUNK) {
		emit_error("bar", "edu BAR0 is only %llu bytes",
			   (unsigned long long)info.size);
		goto out;
	}
	for (r = 0; r < opt.reps; r++) {
		t0 = now();
		for (i = 0; i < BAR_CALLS; i++) {
			n = pread(s.device, buf, BAR_CHUNK,
				  info.offset + BAR_OFFSET);
			if (n != BAR_CHUNK) {
				emit_error("bar-read/edu", "pread: %zd, %s", n,
					   strerror(errno));
				goto out;
			}
		}
		t1 = now();
		emit_sample("bar-read/edu", "MB/s",
			    BAR_CALLS * BAR_CHUNK / 1e6 / (t1 - t0));
		memset(buf, 0, BAR_CHUNK);
		t0 = now();
		for (i = 0; i < BAR_CALLS; i++) {
			n = pwrite(s.device, buf, BAR_CHUNK,
				   info.offset + BAR_OFFSET);
			if (n != BAR_CHUNK) {
				emit_error("bar-write/edu", "pwrite: %zd, %s",
					   n, strerror(errno));
				goto out;
			}
		}
		t1 = now();
		emit_sample("bar-write/edu", "MB/s",
			    BAR_CALLS * BAR_CHUNK / 1e6 / (t1 - t0));
	}
out:
	vfio_session_close(&s);
	free(buf);
}

/*
 * Moves the calling thread onto the CPU that takes interrupt @irq
 * (/proc/irq/<irq>/effective_affinity_list), so that every delivery
 * wakes the reader on its own CPU on both sides; the old affinity goes
 * into @old.  Returns the CPU, or -1 (the thread stays where it was).
 */
static int follow_irq(unsigned int irq, cpu_set_t *old)
{
	char path[64], line[64];
	cpu_set_t set;
	long cpu;

	snprintf(path, sizeof(path), "/proc/irq/%u/effective_affinity_list",
		 irq);
	if (sysfs_read_line(path, line, sizeof(line)))
		return -1;
	cpu = strtol(line, NULL, 10);
	if (cpu < 0 || cpu >= CPU_SETSIZE ||
	    sched_getaffinity(0, sizeof(*old), old))
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -1;
	return cpu;
}

/* The irq number of @bdf's INTx, or of its first MSI/MSI-X vector. */
static int pci_irq_of(const char *bdf, bool msi)
{
	char path[512];
	struct dirent *d;
	long irq = -1;
	DIR *dir;

	if (!msi) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq",
			 bdf);
		return sysfs_read_long(path, &irq) ? -1 : (int)irq;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", bdf);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			irq = strtol(d->d_name, NULL, 10);
	closedir(dir);
	return (int)irq;
}

/*
 * INTx of edu: raise (register 0x60), the time until the trigger eventfd
 * reads; then ack and UNMASK outside the timing.  One sample per rep: the
 * median of IRQ_LOOPS deliveries, in microseconds.
 */
static void bench_irq_intx(void)
{
	double lat[IRQ_LOOPS], t0, t1;
	struct vfio_session s;
	const char *step;
	uint64_t bar0_size;
	unsigned int r, i;
	int efd, ret, cpu;
	cpu_set_t old;
	void *bar0;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		emit_error("irq-intx/edu", "eventfd: %s", strerror(errno));
		return;
	}
	ret = edu_session_open(&s, &edu, &bar0, &bar0_size, &step);
	if (ret) {
		emit_error("irq-intx/edu", "%s: %s", step, strerror(-ret));
		goto out_efd;
	}
	ret = vfio_irq_set_eventfds(s.device, VFIO_PCI_INTX_IRQ_INDEX,
				    VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &efd);
	if (ret) {
		emit_error("irq-intx/edu", "SET_IRQS: %s", strerror(-ret));
		goto out;
	}
	cpu = follow_irq(pci_irq_of(edu.bdf, false), &old);
	emit_info("irq-intx/edu on cpu %d", cpu);
	for (r = 0; r < opt.reps; r++) {
		for (i = 0; i < IRQ_LOOPS; i++) {
			t0 = now();
			edu_write32(bar0, EDU_REG_IRQ_RAISE, 1);
			if (!eventfd_wait_ms(efd, IRQ_TIMEOUT_MS)) {
				emit_error("irq-intx/edu", "no interrupt");
				goto out_irq;
			}
			t1 = now();
			lat[i] = (t1 - t0) * 1e6;
			edu_write32(bar0, EDU_REG_IRQ_ACK, 1);
			ret = vfio_irq_set_none(s.device,
						VFIO_PCI_INTX_IRQ_INDEX,
						VFIO_IRQ_SET_ACTION_UNMASK,
						0, 1);
			if (ret) {
				emit_error("irq-intx/edu", "UNMASK: %s",
					   strerror(-ret));
				goto out_irq;
			}
		}
		emit_sample("irq-intx/edu", "us", median_of(lat, IRQ_LOOPS));
	}
out_irq:
	if (cpu >= 0)
		sched_setaffinity(0, sizeof(old), &old);
	edu_write32(bar0, EDU_REG_IRQ_ACK, ~0U);
	vfio_irq_set_none(s.device, VFIO_PCI_INTX_IRQ_INDEX,
			  VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
out:
	edu_session_close(&s, &bar0, bar0_size);
out_efd:
	close(efd);
}

static void e1000e_write(volatile uint8_t *bar0, unsigned int reg,
			 uint32_t val)
{
	*(volatile uint32_t *)(bar0 + reg) = val;
	/* read STATUS back: the write has reached the device */
	(void)*(volatile uint32_t *)(bar0 + E1000E_STATUS);
}

/*
 * MSI-X of the e1000e: its cause RXQ0 routed to vector 0 (IVAR), cleared
 * once sent (EIAC); the time from the ICS write raising it to the eventfd
 * read, median of IRQ_LOOPS per rep, in microseconds.
 */
static void bench_irq_msix(void)
{
	double lat[IRQ_LOOPS], t0, t1;
	struct vfio_region_info info;
	struct edu_location nic;
	volatile uint8_t *bar0;
	struct vfio_session s;
	const char *step;
	unsigned int r, i;
	int efd, ret, cpu;
	char why[512];
	cpu_set_t old;

	if (vfio_pci_find(E1000E_VENDOR, E1000E_DEVICE, "e1000e", &nic, why,
			  sizeof(why))) {
		emit_error("irq-msix/e1000e", "%s", why);
		return;
	}
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		emit_error("irq-msix/e1000e", "eventfd: %s", strerror(errno));
		return;
	}
	ret = vfio_session_open(&s, &nic, true, &step);
	if (ret) {
		emit_error("irq-msix/e1000e", "%s: %s", step, strerror(-ret));
		goto out_efd;
	}
	ret = vfio_pci_enable_master(s.device);
	if (!ret)
		ret = vfio_region_get_info(s.device,
					   VFIO_PCI_BAR0_REGION_INDEX, &info);
	if (ret) {
		emit_error("irq-msix/e1000e", "BAR0: %s", strerror(-ret));
		goto out;
	}
	bar0 = vfio_region_mmap(s.device, &info);
	if (bar0 == MAP_FAILED) {
		emit_error("irq-msix/e1000e", "mmap BAR0: %s",
			   strerror(errno));
		goto out;
	}
	e1000e_write(bar0, E1000E_IMC, ~0U);
	e1000e_write(bar0, E1000E_ICR, ~0U);
	/*
	 * No interrupt throttling: QEMU 7.2's e1000e aborts when a throttling
	 * timer armed by a sent vector fires after MSI-X was turned off.
	 */
	e1000e_write(bar0, E1000E_ITR, 0);
	for (i = 0; i < E1000E_NR_EITR; i++)
		e1000e_write(bar0, E1000E_EITR(i), 0);
	e1000e_write(bar0, E1000E_IVAR, E1000E_IVAR_VALID);
	e1000e_write(bar0, E1000E_EIAC, E1000E_CAUSE_RXQ0);
	ret = vfio_irq_set_eventfds(s.device, VFIO_PCI_MSIX_IRQ_INDEX,
				    VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &efd);
	if (ret) {
		emit_error("irq-msix/e1000e", "SET_IRQS: %s", strerror(-ret));
		goto out_bar;
	}
	cpu = follow_irq(pci_irq_of(nic.bdf, true), &old);
	emit_info("irq-msix/e1000e on cpu %d", cpu);
	for (r = 0; r < opt.reps; r++) {
		for (i = 0; i < IRQ_LOOPS; i++) {
			e1000e_write(bar0, E1000E_IMS, E1000E_CAUSE_RXQ0);
			t0 = now();
			*(volatile uint32_t *)(bar0 + E1000E_ICS) =
				E1000E_CAUSE_RXQ0;
			if (!eventfd_wait_ms(efd, IRQ_TIMEOUT_MS)) {
				emit_error("irq-msix/e1000e", "no interrupt");
				goto out_irq;
			}
			t1 = now();
			lat[i] = (t1 - t0) * 1e6;
		}
		emit_sample("irq-msix/e1000e", "us",
			    median_of(lat, IRQ_LOOPS));
	}
out_irq:
	if (cpu >= 0)
		sched_setaffinity(0, sizeof(old), &old);
	e1000e_write(bar0, E1000E_IMC, ~0U);
	/* and let any timer still armed run out while MSI-X is on */
	usleep(THROTTLE_WAIT_US);
	vfio_irq_set_none(s.device, VFIO_PCI_MSIX_IRQ_INDEX,
			  VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
out_bar:
	e1000e_write(bar0, E1000E_IMC, ~0U);
	e1000e_write(bar0, E1000E_ICR, ~0U);
	munmap((void *)bar0, info.size);
out:
	vfio_session_close(&s);
out_efd:
	close(efd);
}

static void bench_irq(void)
{
	bench_irq_intx();
	bench_irq_msix();
}

/*
 * Kernel memory right now, in KiB: unreclaimable slab (SUnreclaim), free
 * pages counting those on the per-cpu lists (zoneinfo: "pages free" plus
 * every pageset's "count"), and the IOMMU's page-table pages where the
 * kernel counts them (vmstat nr_iommu_pages, 6.11 on; -1 before).  The
 * per-cpu vmstat deltas are folded first.
 */
struct kmem_snap {
	long long sunreclaim_kb, free_kb, iommu_kb;
};

static int kmem_snapshot(struct kmem_snap *k)
{
	char line[256];
	long long v;
	FILE *f;

	sysfs_write_str("/proc/sys/vm/stat_refresh", "1");
	k->sunreclaim_kb = -1;
	k->free_kb = 0;
	k->iommu_kb = -1;
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %lld kB", &v) == 1)
			k->sunreclaim_kb = v;
	fclose(f);
	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " pages free %lld", &v) == 1 ||
		    sscanf(line, " count: %lld", &v) == 1)
			k->free_kb += v * (SZ_4K >> 10);
	fclose(f);
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "nr_iommu_pages %lld", &v) == 1)
			k->iommu_kb = v * (SZ_4K >> 10);
	fclose(f);
	return k->sunreclaim_kb < 0 ? -1 : 0;
}

/*
 * Kernel memory a mapping holds, per GiB mapped, for each backing: the
 * growth of SUnreclaim (the backends' own structures: kmalloc) and the
 * drop of free pages (everything the kernel took: slab, IOMMU page
 * tables, vmalloc), across one MAP_DMA of memory already faulted in, on
 * a fresh container each time; and the free pages still missing after
 * the UNMAP_DMA (kept until the container goes: IOMMU page tables the
 * unmap did not free).
 */
static void bench_kmem_one(enum backing b, size_t size)
{
	char name[24], figure[48], slab_fig[64], all_fig[64], iommu_fig[64];
	char kept_fig[64];
	struct kmem_snap k0, k1, k2;
	struct vfio_session s;
	double per_gib;
	unsigned int r;
	int ret;
	char *p;

	size_name(size, name, sizeof(name));
	snprintf(figure, sizeof(figure), "%s/%s", backing_name[b], name);
	snprintf(slab_fig, sizeof(slab_fig), "kmem-slab/%s", figure);
	snprintf(all_fig, sizeof(all_fig), "kmem-all/%s", figure);
	snprintf(iommu_fig, sizeof(iommu_fig), "kmem-iommu/%s", figure);
	snprintf(kept_fig, sizeof(kept_fig), "kmem-kept/%s", figure);
	per_gib = GIB / size;
	p = alloc_backing(b, size, figure);
	if (!p)
		return;
	for (r = 0; r < opt.reps; r++) {
		if (open_session(&s, false, figure))
			break;
		if (kmem_snapshot(&k0)) {
			emit_error(slab_fig, "/proc/meminfo or zoneinfo unreadable");
			vfio_session_close(&s);
			break;
		}
		ret = vfio_dma_map(s.container, p, BENCH_IOVA, size, RW);
		kmem_snapshot(&k1);
		if (ret) {
			emit_error(slab_fig, "MAP_DMA: %s", strerror(-ret));
			vfio_session_close(&s);
			break;
		}
		ret = vfio_dma_unmap(s.container, BENCH_IOVA, size, NULL);
		kmem_snapshot(&k2);
		vfio_session_close(&s);
		if (ret) {
			emit_error(slab_fig, "UNMAP_DMA: %s", strerror(-ret));
			break;
		}
		emit_sample(slab_fig, "KiB/GiB",
			    (k1.sunreclaim_kb - k0.sunreclaim_kb) * per_gib);
		emit_sample(all_fig, "KiB/GiB",
			    (k0.free_kb - k1.free_kb) * per_gib);
		if (k0.iommu_kb >= 0)
			emit_sample(iommu_fig, "KiB/GiB",
				    (k1.iommu_kb - k0.iommu_kb) * per_gib);
		emit_sample(kept_fig, "KiB/GiB",
			    (k0.free_kb - k2.free_kb) * per_gib);
	}
	munmap(p, size);
}

static void bench_kmem(void)
{
	size_t size = 0;
	unsigned int i;
	int b;

	for (i = 0; i < opt.nr_sizes; i++)
		if (opt.sizes[i] > size)
			size = opt.sizes[i];
	for (b = 0; b < NR_BACKINGS; b++)
		if (opt.backing[b])
			bench_kmem_one(b, size);
}

/*
 * How MAP_DMA and UNMAP_DMA time grows with the size of one mapping: the
 * first 16M, 64M... of one allocation of the largest curve size, for 4k
 * and THP memory; milliseconds per call.
 */
static void bench_curve_size(enum backing b)
{
	char name[24], map_fig[64], unmap_fig[64];
	struct vfio_session s;
	size_t max = 0, size;
	unsigned int i, r;
	double t0, t1;
	int ret;
	char *p;

	for (i = 0; i < opt.nr_curve_sizes; i++)
		if (opt.curve_sizes[i] > max)
			max = opt.curve_sizes[i];
	snprintf(map_fig, sizeof(map_fig), "curve-map/%s", backing_name[b]);
	p = alloc_backing(b, max, map_fig);
	if (!p)
		return;
	if (open_session(&s, false, map_fig))
		goto out_free;
	for (i = 0; i < opt.nr_curve_sizes; i++) {
		size = opt.curve_sizes[i];
		size_name(size, name, sizeof(name));
		snprintf(map_fig, sizeof(map_fig), "curve-map/%s/%s",
			 backing_name[b], name);
		snprintf(unmap_fig, sizeof(unmap_fig), "curve-unmap/%s/%s",
			 backing_name[b], name);
		for (r = 0; r < opt.reps; r++) {
			t0 = now();
			ret = vfio_dma_map(s.container, p, BENCH_IOVA, size,
					   RW);
			t1 = now();
			if (ret) {
				emit_error(map_fig, "MAP_DMA: %s",
					   strerror(-ret));
				goto out;
			}
			emit_sample(map_fig, "ms", (t1 - t0) * 1e3);
			t0 = now();
			ret = vfio_dma_unmap(s.container, BENCH_IOVA, size,
					     NULL);
			t1 = now();
			if (ret) {
				emit_error(unmap_fig, "UNMAP_DMA: %s",
					   strerror(-ret));
				goto out;
			}
			emit_sample(unmap_fig, "ms", (t1 - t0) * 1e3);
		}
	}
out:
	vfio_session_close(&s);
out_free:
	munmap(p, max);
}

/*
 * How the time of many 4 KiB MAP_DMAs, and of their teardown at close,
 * grows with their number: milliseconds for all of them.
 */
static void bench_curve_count(void)
{
	char map_fig[64], close_fig[64];
	unsigned long max = 0, n, i;
	struct vfio_session s;
	unsigned int c, r;
	double t0, t1;
	int ret;
	char *p;

	for (c = 0; c < opt.nr_curve_counts; c++)
		if (opt.curve_counts[c] > max)
			max = opt.curve_counts[c];
	p = alloc_backing(BACKING_4K, max * SZ_4K, "curve-nmap");
	if (!p)
		return;
	for (c = 0; c < opt.nr_curve_counts; c++) {
		n = opt.curve_counts[c];
		snprintf(map_fig, sizeof(map_fig), "curve-nmap/4k/x%lu", n);
		snprintf(close_fig, sizeof(close_fig), "curve-nclose/4k/x%lu",
			 n);
		for (r = 0; r < opt.reps; r++) {
			if (open_session(&s, false, map_fig))
				goto out;
			t0 = now();
			for (i = 0; i < n; i++) {
				ret = vfio_dma_map(s.container, p + i * SZ_4K,
						   BENCH_IOVA + i * SMALL_STRIDE,
						   SZ_4K, RW);
				if (ret)
					break;
			}
			t1 = now();
			if (i < n) {
				emit_error(map_fig, "MAP_DMA number %lu: %s",
					   i, strerror(-ret));
				vfio_session_close(&s);
				goto out;
			}
			emit_sample(map_fig, "ms", (t1 - t0) * 1e3);
			t0 = now();
			close(s.group);
			close(s.container);
			t1 = now();
			emit_sample(close_fig, "ms", (t1 - t0) * 1e3);
		}
	}
out:
	munmap(p, max * SZ_4K);
}

static void bench_curve(void)
{
	if (opt.backing[BACKING_4K])
		bench_curve_size(BACKING_4K);
	if (opt.backing[BACKING_THP])
		bench_curve_size(BACKING_THP);
	bench_curve_count();
}

static void usage(void)
{
	fprintf(stderr,
		"vfio_bench [--side NAME] [--round N] [--reps N]\n"
		"           [--bench map,small,open,pfnmap,threads,config,bar,\n"
		"                    irq,kmem,curve] [--sizes 64M,256M]\n"
		"           [--backings 4k,thp,hugetlb] [--small-count N]\n"
		"           [--opens N] [--curve-sizes 16M,64M,256M,1G]\n"
		"           [--curve-counts 1024,4096,16384]\n"
		"           [--bar-max SIZE (pfnmap: only BARs up to SIZE)]\n");
	exit(2);
}

/* Calls @fn for every comma-separated word of @list. */
static void split_list(const char *list, void (*fn)(const char *))
{
	char *copy = strdup(list), *save, *w;

	if (!copy)
		exit(1);
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		fn(w);
	free(copy);
}

static void add_bench(const char *w)
{
	if (!strcmp(w, "map"))
		opt.map = true;
	else if (!strcmp(w, "small"))
		opt.small = true;
	else if (!strcmp(w, "open"))
		opt.open = true;
	else if (!strcmp(w, "pfnmap"))
		opt.pfnmap = true;
	else if (!strcmp(w, "threads"))
		opt.threads = true;
	else if (!strcmp(w, "config"))
		opt.config = true;
	else if (!strcmp(w, "bar"))
		opt.bar = true;
	else if (!strcmp(w, "irq"))
		opt.irq = true;
	else if (!strcmp(w, "kmem") || !strcmp(w, "slab"))
		opt.kmem = true;
	else if (!strcmp(w, "curve"))
		opt.curve = true;
	else
		usage();
}

static void add_size(const char *w)
{
	size_t size = parse_size(w);

	if (!size || size % SZ_2M || opt.nr_sizes == MAX_SIZES)
		usage();
	opt.sizes[opt.nr_sizes++] = size;
}

static void add_backing(const char *w)
{
	int b;

	for (b = 0; b < NR_BACKINGS; b++) {
		if (!strcmp(w, backing_name[b])) {
			opt.backing[b] = true;
			return;
		}
	}
	usage();
}

static unsigned long parse_count(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || !v)
		usage();
	return v;
}

static void add_curve_size(const char *w)
{
	size_t size = parse_size(w);

	if (!size || size % SZ_2M || opt.nr_curve_sizes == MAX_SIZES)
		usage();
	opt.curve_sizes[opt.nr_curve_sizes++] = size;
}

static void add_curve_count(const char *w)
{
	if (opt.nr_curve_counts == MAX_COUNTS)
		usage();
	opt.curve_counts[opt.nr_curve_counts++] = parse_count(w);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "side", required_argument, NULL, 's' },
		{ "round", required_argument, NULL, 'r' },
		{ "reps", required_argument, NULL, 'n' },
		{ "bench", required_argument, NULL, 'b' },
		{ "sizes", required_argument, NULL, 'S' },
		{ "backings", required_argument, NULL, 'B' },
		{ "small-count", required_argument, NULL, 'c' },
		{ "opens", required_argument, NULL, 'o' },
		{ "curve-sizes", required_argument, NULL, 'C' },
		{ "curve-counts", required_argument, NULL, 'N' },
		{ "bar-max", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	char why[512];
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.side = optarg;
			break;
		case 'r':
			opt.round = parse_count(optarg);
			break;
		case 'n':
			opt.reps = parse_count(optarg);
			break;
		case 'b':
			split_list(optarg, add_bench);
			break;
		case 'S':
			split_list(optarg, add_size);
			break;
		case 'B':
			split_list(optarg, add_backing);
			break;
		case 'c':
			opt.small_count = parse_count(optarg);
			break;
		case 'o':
			opt.opens = parse_count(optarg);
			break;
		case 'C':
			split_list(optarg, add_curve_size);
			break;
		case 'N':
			split_list(optarg, add_curve_count);
			break;
		case 'M':
			opt.bar_max = parse_size(optarg);
			if (!opt.bar_max)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!opt.map && !opt.small && !opt.open && !opt.pfnmap &&
	    !opt.threads && !opt.config && !opt.bar && !opt.irq &&
	    !opt.kmem && !opt.curve)
		opt.map = true;
	if (!opt.nr_sizes) {
		add_size("64M");
		add_size("256M");
	}
	if (!opt.backing[BACKING_4K] && !opt.backing[BACKING_THP] &&
	    !opt.backing[BACKING_HUGETLB])
		split_list("4k,thp,hugetlb", add_backing);
	if (!opt.nr_curve_sizes)
		split_list("16M,64M,256M,1G", add_curve_size);
	if (!opt.nr_curve_counts)
		split_list("1024,4096,16384", add_curve_count);

	if (edu_find(&edu, why, sizeof(why))) {
		emit_error("setup", "%s", why);
		return 1;
	}
	emit_info("edu %s group %d", edu.bdf, edu.group_id);
	emit_info("clock_gettime %.0f ns a call", clock_cost_ns());

	if (opt.map)
		bench_map();
	if (opt.small)
		bench_small();
	if (opt.open)
		bench_open();
	if (opt.pfnmap)
		bench_pfnmap();
	if (opt.threads)
		bench_threads();
	if (opt.config)
		bench_config();
	if (opt.bar)
		bench_bar();
	if (opt.irq)
		bench_irq();
	if (opt.kmem)
		bench_kmem();
	if (opt.curve)
		bench_curve();
	return errors ? 1 : 0;
}
