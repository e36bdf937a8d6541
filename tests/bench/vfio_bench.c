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
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
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
	size_t sizes[MAX_SIZES];
	unsigned int nr_sizes;
	bool backing[NR_BACKINGS];
	bool map, small, open;
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
	else
		snprintf(buf, len, "%zuM", size >> 20);
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
	emit_info("%s AnonHugePages=%ldkB Private_Hugetlb=%ldkB of %ldkB",
		  figure, anon_huge_kb, hugetlb_kb, want_kb);
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
	char name[16], figure[48], map_fig[64], unmap_fig[64];
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
static void bench_open(void)
{
	struct vfio_session s;
	double t0, t1;
	unsigned int r, i;

	for (r = 0; r < opt.reps; r++) {
		t0 = now();
		for (i = 0; i < opt.opens; i++) {
			if (open_session(&s, true, "open-close"))
				return;
			vfio_session_close(&s);
		}
		t1 = now();
		emit_sample("open-close", "open/s", opt.opens / (t1 - t0));
	}
}

static void usage(void)
{
	fprintf(stderr,
		"vfio_bench [--side NAME] [--round N] [--reps N]\n"
		"           [--bench map,small,open] [--sizes 64M,256M]\n"
		"           [--backings 4k,thp,hugetlb] [--small-count N]\n"
		"           [--opens N]\n");
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
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!opt.map && !opt.small && !opt.open)
		opt.map = true;
	if (!opt.nr_sizes) {
		add_size("64M");
		add_size("256M");
	}
	if (!opt.backing[BACKING_4K] && !opt.backing[BACKING_THP] &&
	    !opt.backing[BACKING_HUGETLB])
		split_list("4k,thp,hugetlb", add_backing);

	if (edu_find(&edu, why, sizeof(why))) {
		emit_error("setup", "%s", why);
		return 1;
	}
	emit_info("edu %s group %d", edu.bdf, edu.group_id);

	if (opt.map)
		bench_map();
	if (opt.small)
		bench_small();
	if (opt.open)
		bench_open();
	return errors ? 1 : 0;
}
