// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_fuzz: a structure-aware fuzzer of the VFIO UAPI.
 *
 * Several worker processes, each with several threads, issue random
 * sequences of every container, group and device ioctl of <linux/vfio.h>
 * that type1, vfio-pci and the core handle, plus pread/pwrite/mmap/munmap
 * on the regions, eventfd signals, fork(), close() and SIGKILL of
 * siblings and children at random times.  The arguments are drawn from
 * what the process holds (its containers, groups, devices, eventfds, DMA
 * mappings, BAR mappings, the region offsets and irq counts learnt
 * before the run) or are deliberately wrong (argsz, flags, wrapping and
 * unaligned ranges, bad pointers, closed or foreign file descriptors).
 * A supervisor (the first process) kills workers at random and starts
 * new ones until the time is up, then reaps everything and checks what
 * must hold afterwards, one kselftest result each:
 *   fuzz                  no worker died of anything but SIGKILL, and no
 *                         answer broke the UAPI's own rules (a capability
 *                         chain pointing outside argsz, an fd that is not
 *                         one);
 *   no_process_left       every process of the run is gone;
 *   no_pins_left          the pages pinned system wide (FOLL_PIN counters
 *                         of /proc/vmstat) are back to what they were;
 *   no_locked_memory      no process of the system has VmLck left, and a
 *                         fresh MAP/UNMAP brings ours back to 0;
 *   groups_reopen         every group opens again (no EBUSY), is viable,
 *                         gives its devices, and edu still DMAs through a
 *                         fresh container (data checked);
 *   modules_reload        the VFIO modules unload and load again, and the
 *                         devices are back on vfio-pci.
 * Kernel splats (KASAN, lockdep, WARN) and kmemleak reports fail the
 * testbed boot itself.
 *
 * What is never done, so that the TCG guest keeps running:
 *   - device BARs are written (pwrite, a write through an mmap, a
 *     triggered ioeventfd, DMA into a mapped BAR) only on edu and
 *     pci-testdev.  Random register writes make the e1000/e1000e/nvme/
 *     virtio models start DMA or interrupt throttling timers; QEMU 7.2's
 *     e1000e aborts when such a timer fires after MSI-X went off.  Their
 *     BARs are read (pread, mmap) only;
 *   - edu's DMA registers (0x80-0x9f) are written only by the edu_dma
 *     operation, which programs a whole transfer under a lock shared by
 *     every process, with a device-buffer range QEMU accepts (at most
 *     2048 bytes, never up to the buffer's end: QEMU 7.2 aborts on an
 *     out-of-range transfer) and an IOVA below edu's 28-bit DMA mask.
 *     The IOVA is otherwise random: mapped, unmapped, never mapped, read
 *     only; the vIOMMU confines the device, which is the point.  Only
 *     pci-testdev's BARs are ever mapped for DMA (peer to peer);
 *   - edu never interrupts: its raise register (0x60), its DMA-done
 *     interrupt and its factorial (0x08, a random input keeps a host core
 *     busy for seconds) are left alone.  An edu INTx that no SET_IRQS set
 *     up is handled by nobody; on the GSI it shares with a device whose
 *     INTx is set up, both stacks (ours and 6.1's in-tree) see a storm,
 *     the kernel prints "irq 22: nobody cared" with a backtrace and
 *     disables the line (under TCG the storm first stalls a CPU);
 *   - config space is written only below 0x100 (the extended space holds
 *     the nvme PF's SR-IOV control and AER); the command register only
 *     gets its I/O, memory, bus master and INTx-disable bits changed;
 *   - the VGA device (1234:1111), virtio-rng (1af4:1044: QEMU 7.2 died
 *     of SIGSEGV, once in seven runs, a second after a reset of its root
 *     port's bus, with no kernel message before) and devices the testbed
 *     does not list are left alone.
 * A process touching a BAR mapping while the memory decode is off gets
 * SIGBUS; that is caught around every access.
 *
 * In reference mode (VFIO_TEST_MODE=reference) each worker has one thread
 * and never forks, so that no two tasks ever share a container: the
 * in-tree container passes MAP_DMA/UNMAP_DMA to type1 without holding
 * its group lock, so a group leaving the container (close, unset, exit
 * of a sharer) during such an ioctl frees type1's data under it.  The
 * 6.1 guest stalled twice that way under the fuzzer (a CPU spinning for
 * good on the freed type1 mutex, from MAP_DMA and from the container's
 * release); vfio_race_test's close_during_map skips in reference mode for
 * the same reason.
 *
 * Options: --seed N (printed at the start; each worker's stream is drawn
 * from it, so a run is replayed up to the scheduling), --seconds N,
 * --procs N, --threads N, --verbose, --ops ,name,name, (only these
 * operations, by the names of the counts printed at the end: to narrow a
 * problem down); without arguments, those of /data/<program
 * name>.args (/data/vfio_fuzz_test.args) if it exists (run-fuzz.sh, the
 * long on-demand run, writes it).  Default budget: 360 s on the debug kernel
 * (uname -r ends in "-debug"), 40 s elsewhere, 25 s in reference mode
 * (VFIO_TEST_MODE=reference).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest.h"
#include "vfio_test_util.h"

#define PAGE			4096UL
#define MAX_DEVS		16
#define MAX_REGIONS		12
#define MAX_IRQS		8
#define MAX_PROCS		16
#define MAX_THREADS		8
#define MAX_PIDS		128
#define MAX_FDS			48
#define MAX_MAPS		16
#define MAX_DMAS		64
#define NR_BUFS			4
#define BUF_SIZE		(1UL << 20)
#define MAX_CHILDREN		3
#define WORKER_COMM		"vfuzz-worker"
#define CHILD_COMM		"vfuzz-child"

/* edu: writes never reach these registers except through op_edu_dma() */
#define EDU_DMA_REGS_START	0x80
#define EDU_DMA_REGS_END	0xa0
/* nor ever the factorial: a random 32-bit input busies a host core */
#define EDU_REG_FACT		0x08
/*
 * nor the interrupt raise: an edu INTx nobody handles (edu's INTx not set
 * up through SET_IRQS) storms the GSI it shares with a device whose INTx
 * is, and the kernel disables the line ("irq 22: nobody cared") with
 * either stack
 */
#define EDU_REG_RAISE		0x60
#define EDU_BUF_SIZE		4096U

enum dev_policy {
	DEV_READ_ONLY,		/* BARs are only read */
	DEV_WRITABLE,		/* BARs take random writes */
	DEV_EDU,		/* writable but the DMA registers */
};

struct dev_desc {
	char bdf[64];
	unsigned int vendor, device;
	int group;
	enum dev_policy policy;
	unsigned int num_regions, num_irqs;
	struct vfio_region_info regions[MAX_REGIONS];
	struct vfio_irq_info irqs[MAX_IRQS];
};

enum op {
	OP_OPEN_CONTAINER, OP_OPEN_GROUP, OP_GET_DEVICE_FD, OP_NEW_EVENTFD,
	OP_CLOSE, OP_API_VERSION, OP_CHECK_EXTENSION, OP_SET_IOMMU,
	OP_IOMMU_INFO, OP_MAP_DMA, OP_UNMAP_DMA, OP_DIRTY_PAGES,
	OP_GROUP_STATUS, OP_SET_CONTAINER, OP_UNSET_CONTAINER,
	OP_DEVICE_INFO, OP_REGION_INFO, OP_IRQ_INFO, OP_SET_IRQS, OP_RESET,
	OP_HOT_RESET_INFO, OP_HOT_RESET, OP_IOEVENTFD, OP_FEATURE,
	OP_PREAD, OP_PWRITE, OP_MMAP, OP_MUNMAP, OP_MAP_ACCESS, OP_SIGNAL,
	OP_EDU_DMA, OP_REMAP_BUF, OP_FORK, OP_KILL, NR_OPS
};

static const struct {
	const char *name;
	unsigned int weight;
} op_table[NR_OPS] = {
	[OP_OPEN_CONTAINER]	= { "open_container", 4 },
	[OP_OPEN_GROUP]		= { "open_group", 5 },
	[OP_GET_DEVICE_FD]	= { "get_device_fd", 6 },
	[OP_NEW_EVENTFD]	= { "eventfd", 3 },
	[OP_CLOSE]		= { "close", 5 },
	[OP_API_VERSION]	= { "get_api_version", 1 },
	[OP_CHECK_EXTENSION]	= { "check_extension", 2 },
	[OP_SET_IOMMU]		= { "set_iommu", 5 },
	[OP_IOMMU_INFO]		= { "iommu_get_info", 2 },
	[OP_MAP_DMA]		= { "map_dma", 12 },
	[OP_UNMAP_DMA]		= { "unmap_dma", 9 },
	[OP_DIRTY_PAGES]	= { "dirty_pages", 3 },
	[OP_GROUP_STATUS]	= { "group_get_status", 2 },
	[OP_SET_CONTAINER]	= { "set_container", 5 },
	[OP_UNSET_CONTAINER]	= { "unset_container", 2 },
	[OP_DEVICE_INFO]	= { "device_get_info", 2 },
	[OP_REGION_INFO]	= { "get_region_info", 4 },
	[OP_IRQ_INFO]		= { "get_irq_info", 2 },
	[OP_SET_IRQS]		= { "set_irqs", 10 },
	[OP_RESET]		= { "reset", 2 },
	[OP_HOT_RESET_INFO]	= { "hot_reset_info", 2 },
	[OP_HOT_RESET]		= { "hot_reset", 1 },
	[OP_IOEVENTFD]		= { "ioeventfd", 4 },
	[OP_FEATURE]		= { "device_feature", 4 },
	[OP_PREAD]		= { "pread", 10 },
	[OP_PWRITE]		= { "pwrite", 8 },
	[OP_MMAP]		= { "mmap", 4 },
	[OP_MUNMAP]		= { "munmap", 3 },
	[OP_MAP_ACCESS]		= { "bar_access", 8 },
	[OP_SIGNAL]		= { "eventfd_signal", 4 },
	[OP_EDU_DMA]		= { "edu_dma", 4 },
	[OP_REMAP_BUF]		= { "remap_buffer", 1 },
	[OP_FORK]		= { "fork", 1 },
	[OP_KILL]		= { "kill", 1 },
};

/* Shared by every process of the run (MAP_SHARED, made before forks). */
struct shared {
	pthread_mutex_t edu_lock;	/* robust: edu's DMA registers */
	atomic_int stop;
	atomic_int pids[MAX_PIDS];	/* [0, procs): workers */
	atomic_ullong calls[NR_OPS], succ[NR_OPS];
	atomic_uint forks, kills, crashes, anomalies;
	char anomaly[256];
};

static struct shared *sh;
static struct dev_desc devs[MAX_DEVS];
static unsigned int nr_devs;
static int groups[MAX_DEVS];
static unsigned int nr_groups;
static unsigned int opt_threads = 2, opt_procs = 3;
static unsigned long long opt_seed;
static unsigned int opt_seconds;
static bool opt_verbose;
static char *opt_ops;
static uint64_t deadline_ms;

enum fd_kind { FD_NONE, FD_CONTAINER, FD_GROUP, FD_DEVICE, FD_EVENTFD };

struct fd_slot {
	int fd;
	enum fd_kind kind;
	int dev;	/* FD_DEVICE: index in devs[]; FD_GROUP: group id */
};

struct bar_map {
	char *addr;
	size_t len;
	int dev, region;
	uint64_t region_off;	/* where the mapping starts in the region */
	bool readable, writable;
};

struct dma_rec {
	int container;
	uint64_t iova, size;
	char *vaddr;
};

/* The objects of one process; every thread of it draws from them. */
static struct {
	pthread_mutex_t lock;	/* fds, dmas */
	pthread_rwlock_t maplock;	/* maps: read to access, write to change */
	struct fd_slot fds[MAX_FDS];
	struct bar_map maps[MAX_MAPS];
	struct dma_rec dmas[MAX_DMAS];
	char *bufs[NR_BUFS];
	char *ro_page, *none_page;
	bool is_child;
	pid_t children[MAX_CHILDREN];
	uint64_t end_ms;
} ps = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.maplock = PTHREAD_RWLOCK_INITIALIZER,
};

struct rng {
	uint64_t s;
};

static __thread struct rng *trng;
static __thread sigjmp_buf fault_jmp;
static __thread volatile sig_atomic_t fault_armed;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	uint64_t x = trng->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	trng->s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* 0 .. n-1 (n > 0) */
static uint64_t rn(uint64_t n)
{
	return rnd() % n;
}

/* true with probability pct percent */
static bool chance(unsigned int pct)
{
	return rn(100) < pct;
}

/* An "interesting" 32-bit value: small, boundary or random. */
static uint32_t r32(void)
{
	static const uint32_t edge[] = { 0, 1, 2, 3, 4, 7, 8, 16, 0x7fffffff,
					 0x80000000, 0xfffffffe, 0xffffffff };

	if (chance(50))
		return edge[rn(ARRAY_SIZE(edge))];
	return (uint32_t)rnd();
}

static uint64_t r64(void)
{
	static const uint64_t edge[] = { 0, 1, PAGE - 1, PAGE, 1ULL << 32,
					 ~0ULL, ~0ULL - PAGE + 1, 1ULL << 63,
					 (1ULL << 63) - PAGE };

	if (chance(50))
		return edge[rn(ARRAY_SIZE(edge))];
	return rnd();
}

static void anomaly(const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&sh->anomalies, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(sh->anomaly, sizeof(sh->anomaly), fmt, ap);
	va_end(ap);
}

static void fault_handler(int sig)
{
	if (fault_armed) {
		fault_armed = 0;
		siglongjmp(fault_jmp, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- the process's object table ---- */

static int fd_add(int fd, enum fd_kind kind, int dev)
{
	int i, victim = -1;

	pthread_mutex_lock(&ps.lock);
	for (i = 0; i < MAX_FDS; i++) {
		if (ps.fds[i].kind == FD_NONE) {
			ps.fds[i] = (struct fd_slot){ fd, kind, dev };
			pthread_mutex_unlock(&ps.lock);
			return 0;
		}
	}
	/* full: the new one replaces a random one */
	i = (int)rn(MAX_FDS);
	victim = ps.fds[i].fd;
	ps.fds[i] = (struct fd_slot){ fd, kind, dev };
	pthread_mutex_unlock(&ps.lock);
	close(victim);
	return 0;
}

/*
 * A file descriptor of @kind (its slot in *@slot when not NULL), or now
 * and then a wrong one: -1, a closed number, another kind of object.
 */
static int fd_pick(enum fd_kind kind, struct fd_slot *slot)
{
	int i, n = 0, idx[MAX_FDS], fd = -1;

	if (slot)
		slot->kind = FD_NONE;
	if (chance(4))
		return chance(50) ? -1 : (int)rn(MAX_FDS + 8);
	pthread_mutex_lock(&ps.lock);
	for (i = 0; i < MAX_FDS; i++)
		if (ps.fds[i].kind == kind ||
		    (ps.fds[i].kind != FD_NONE && chance(2)))
			idx[n++] = i;
	if (n) {
		i = idx[rn(n)];
		fd = ps.fds[i].fd;
		if (slot)
			*slot = ps.fds[i];
	}
	pthread_mutex_unlock(&ps.lock);
	return fd;
}

/* An eventfd of the table, never anything else (it gets written). */
static int eventfd_pick(void)
{
	int i, n = 0, idx[MAX_FDS], fd = -1;

	pthread_mutex_lock(&ps.lock);
	for (i = 0; i < MAX_FDS; i++)
		if (ps.fds[i].kind == FD_EVENTFD)
			idx[n++] = i;
	if (n)
		fd = dup(ps.fds[idx[rn(n)]].fd);
	pthread_mutex_unlock(&ps.lock);
	return fd;
}

/*
 * A dup() of a device file of the wanted policy (any if @writable is
 * false), so that the file cannot change under the caller; -1 if none.
 */
static int device_grab(bool writable, int *dev)
{
	int i, n = 0, idx[MAX_FDS], fd = -1;

	pthread_mutex_lock(&ps.lock);
	for (i = 0; i < MAX_FDS; i++) {
		if (ps.fds[i].kind != FD_DEVICE)
			continue;
		if (writable && devs[ps.fds[i].dev].policy == DEV_READ_ONLY)
			continue;
		idx[n++] = i;
	}
	if (n) {
		i = idx[rn(n)];
		fd = dup(ps.fds[i].fd);
		*dev = ps.fds[i].dev;
	}
	pthread_mutex_unlock(&ps.lock);
	return fd;
}

static void dma_record(int container, uint64_t iova, uint64_t size,
		       char *vaddr)
{
	pthread_mutex_lock(&ps.lock);
	ps.dmas[rn(MAX_DMAS)] = (struct dma_rec){ container, iova, size,
						  vaddr };
	pthread_mutex_unlock(&ps.lock);
}

static bool dma_pick(struct dma_rec *d)
{
	unsigned int i, start = (unsigned int)rn(MAX_DMAS);
	bool found = false;

	pthread_mutex_lock(&ps.lock);
	for (i = 0; i < MAX_DMAS; i++) {
		struct dma_rec *r = &ps.dmas[(start + i) % MAX_DMAS];

		if (r->size) {
			*d = *r;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&ps.lock);
	return found;
}

/* Some memory the kernel may read or write, or a wrong pointer. */
static void *user_ptr(void *good)
{
	switch (rn(40)) {
	case 0:
		return NULL;
	case 1:
		return ps.none_page;
	case 2:
		return ps.ro_page;
	case 3:
		return (void *)(uintptr_t)0xffff800000000000ULL;
	default:
		return good;
	}
}

/*
 * An ioctl on an object of @kind.  Mostly on a dup() of one (*@sure: the
 * answer comes from that kind of object and may be checked), now and then
 * on a number that may be anything by now (the same ioctl number means
 * another request to another kind of file: IOMMU_GET_INFO and
 * GET_PCI_HOT_RESET_INFO share theirs).
 */
static int kind_ioctl(enum fd_kind kind, unsigned long req, void *arg,
		      bool *sure)
{
	int i, n = 0, idx[MAX_FDS], fd = -1, ret;

	*sure = false;
	if (chance(15))
		return ioctl(fd_pick(kind, NULL), req, arg);
	pthread_mutex_lock(&ps.lock);
	for (i = 0; i < MAX_FDS; i++)
		if (ps.fds[i].kind == kind)
			idx[n++] = i;
	if (n)
		fd = dup(ps.fds[idx[rn(n)]].fd);
	pthread_mutex_unlock(&ps.lock);
	if (fd < 0)
		return -1;
	ret = ioctl(fd, req, arg);
	close(fd);
	*sure = arg != ps.ro_page && arg != ps.none_page;
	return ret;
}

/* Walks a capability chain of an info answer; flags a bad offset. */
static void check_caps(const char *what, const void *buf, uint32_t argsz,
		       uint32_t got, uint32_t hdr, uint32_t off)
{
	unsigned int n = 0;

	if (got > argsz)
		return;	/* the kernel asks for more room: nothing filled */
	while (off) {
		const struct vfio_info_cap_header *cap;

		if (off < hdr || off + sizeof(*cap) > got || ++n > 32) {
			anomaly("%s: capability at %u outside [%u, %u)", what,
				off, hdr, got);
			return;
		}
		cap = (const void *)((const char *)buf + off);
		off = cap->next;
	}
}

/* ---- ops ---- */

/* SET_IOMMU as a user does it, type1v2 mostly; its result is the op's */
static int set_iommu_usual(int container)
{
	return ioctl(container, VFIO_SET_IOMMU,
		     chance(85) ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU);
}

/* A container; mostly set up the usual way, with a group of ours. */
static bool op_open_container(void)
{
	int fd = open("/dev/vfio/vfio", O_RDWR), group;

	if (fd < 0)
		return false;
	if (chance(70)) {
		group = fd_pick(FD_GROUP, NULL);
		if (!ioctl(group, VFIO_GROUP_SET_CONTAINER, &fd))
			set_iommu_usual(fd);
	}
	fd_add(fd, FD_CONTAINER, -1);
	return true;
}

static bool op_open_group(void)
{
	char path[64];
	int id, fd;

	id = chance(95) ? groups[rn(nr_groups)] : (int)rn(64);
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return false;
	fd_add(fd, FD_GROUP, id);
	return true;
}

static bool op_get_device_fd(void)
{
	char name[128];
	struct fd_slot g;
	int fd, i, dev = -1;
	void *arg = name;

	fd = fd_pick(FD_GROUP, &g);
	if (g.kind == FD_GROUP && chance(85)) {
		int cand[MAX_DEVS], n = 0;

		for (i = 0; i < (int)nr_devs; i++)
			if (devs[i].group == g.dev)
				cand[n++] = i;
		if (n)
			dev = cand[rn(n)];
	} else if (chance(50)) {
		dev = (int)rn(nr_devs);
	}
	if (dev >= 0) {
		snprintf(name, sizeof(name), "%s", devs[dev].bdf);
	} else {
		for (i = 0; i < (int)sizeof(name) - 1; i++)
			name[i] = (char)(' ' + rn(95));
		name[rn(sizeof(name) - 1)] = '\0';
		name[sizeof(name) - 1] = '\0';
		arg = user_ptr(name);
	}
	fd = ioctl(fd, VFIO_GROUP_GET_DEVICE_FD, arg);
	if (fd < 0)
		return false;
	if (dev < 0) {
		anomaly("GET_DEVICE_FD of a made-up name gave fd %d", fd);
		close(fd);
		return true;
	}
	fd_add(fd, FD_DEVICE, dev);
	return true;
}

static bool op_new_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | (chance(20) ? EFD_SEMAPHORE : 0));

	if (fd < 0)
		return false;
	fd_add(fd, FD_EVENTFD, -1);
	return true;
}

static bool op_close(void)
{
	int i, fd = -1;

	pthread_mutex_lock(&ps.lock);
	i = (int)rn(MAX_FDS);
	if (ps.fds[i].kind != FD_NONE) {
		fd = ps.fds[i].fd;
		ps.fds[i].kind = FD_NONE;
	}
	pthread_mutex_unlock(&ps.lock);
	return fd >= 0 && !close(fd);
}

static bool op_api_version(void)
{
	return ioctl(fd_pick(FD_CONTAINER, NULL), VFIO_GET_API_VERSION) >= 0;
}

static bool op_check_extension(void)
{
	unsigned long arg = chance(80) ? rn(16) : r64();

	return ioctl(fd_pick(FD_CONTAINER, NULL), VFIO_CHECK_EXTENSION,
		     arg) >= 0;
}

static bool op_set_iommu(void)
{
	unsigned long arg;

	if (chance(70))
		arg = VFIO_TYPE1v2_IOMMU;
	else if (chance(50))
		arg = VFIO_TYPE1_IOMMU;
	else
		arg = chance(50) ? rn(16) : r64();
	return !ioctl(fd_pick(FD_CONTAINER, NULL), VFIO_SET_IOMMU, arg);
}

static bool op_iommu_info(void)
{
	union {
		struct vfio_iommu_type1_info info;
		char raw[4096];
	} u;
	uint32_t argsz;
	bool sure;

	memset(&u, 0, sizeof(u));
	switch (rn(4)) {
	case 0:
		argsz = sizeof(u.info);
		break;
	case 1:
		argsz = (uint32_t)rn(sizeof(u.info));
		break;
	default:
		argsz = sizeof(u.raw) - (uint32_t)rn(64);
		break;
	}
	u.info.argsz = argsz;
	u.info.flags = chance(90) ? 0 : r32();
	if (kind_ioctl(FD_CONTAINER, VFIO_IOMMU_GET_INFO, user_ptr(&u),
		       &sure))
		return false;
	if (sure && argsz >= sizeof(u.info) &&
	    (u.info.flags & VFIO_IOMMU_INFO_CAPS) && u.info.cap_offset)
		check_caps("IOMMU_GET_INFO", &u, argsz, u.info.argsz,
			   sizeof(u.info), u.info.cap_offset);
	return true;
}

/* A page-aligned IOVA edu can reach, or a wrong one. */
static uint64_t pick_iova(void)
{
	if (chance(85))
		return rn(EDU_IOVA_LIMIT / PAGE) * PAGE;
	return chance(50) ? r64() : rn(EDU_IOVA_LIMIT);
}

static bool in_bufs(const char *p)
{
	unsigned int i;

	for (i = 0; i < NR_BUFS; i++)
		if (p >= ps.bufs[i] && p < ps.bufs[i] + BUF_SIZE)
			return true;
	return false;
}

/*
 * Memory to map: a piece of a buffer, a BAR mapping, or junk.  For a BAR
 * mapping the map lock stays held (*@locked) until the caller is done
 * with the address, so that it cannot become another device's BAR.
 */
static char *pick_vaddr(__u64 *size, bool *locked)
{
	char *buf = ps.bufs[rn(NR_BUFS)];
	uint64_t off, len;
	int i;

	switch (rn(20)) {
	case 0:
		*size = PAGE;
		return ps.ro_page;
	case 1:
		*size = PAGE;
		return chance(50) ? ps.none_page : NULL;
	case 2:
		*size = r64();
		return (char *)(uintptr_t)r64();
	case 3:
	case 4:
		/*
		 * MMIO: only pci-testdev's BARs (a DMA may write them; into
		 * edu's own BAR it could raise edu's interrupt)
		 */
		pthread_rwlock_rdlock(&ps.maplock);
		i = (int)rn(MAX_MAPS);
		if (ps.maps[i].addr && ps.maps[i].writable &&
		    devs[ps.maps[i].dev].policy == DEV_WRITABLE) {
			*size = ps.maps[i].len;
			*locked = true;
			return ps.maps[i].addr;
		}
		pthread_rwlock_unlock(&ps.maplock);
		break;
	default:
		break;
	}
	off = rn(BUF_SIZE / PAGE) * PAGE;
	len = (1 + rn(32)) * PAGE;
	if (off + len > BUF_SIZE)
		len = BUF_SIZE - off;
	if (chance(5))
		off += 1 + rn(PAGE - 1);
	*size = len;
	return buf + off;
}

static bool op_map_dma(void)
{
	struct vfio_iommu_type1_dma_map map;
	struct dma_rec d;
	bool locked = false, ret;
	int fd;

	memset(&map, 0, sizeof(map));
	map.argsz = chance(92) ? sizeof(map) : r32();
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (chance(10))
		map.flags = VFIO_DMA_MAP_FLAG_READ;
	else if (chance(5))
		map.flags = r32();
	if (chance(12) && dma_pick(&d)) {
		/* VADDR: give an invalidated range its (or new) memory */
		fd = d.container;
		map.flags = VFIO_DMA_MAP_FLAG_VADDR;
		map.iova = d.iova;
		map.size = d.size;
		/* a recorded BAR address may be another BAR's by now */
		if (chance(80) && in_bufs(d.vaddr))
			map.vaddr = (uintptr_t)d.vaddr;
		else
			map.vaddr = (uintptr_t)pick_vaddr(&map.size, &locked);
		if (chance(20))
			map.size = r64();
		ret = !ioctl(fd, VFIO_IOMMU_MAP_DMA, user_ptr(&map));
		if (locked)
			pthread_rwlock_unlock(&ps.maplock);
		return ret;
	}
	fd = fd_pick(FD_CONTAINER, NULL);
	map.vaddr = (uintptr_t)pick_vaddr(&map.size, &locked);
	map.iova = pick_iova();
	if (chance(5))
		map.size = chance(50) ? r64() : map.size + 1 + rn(PAGE);
	ret = !ioctl(fd, VFIO_IOMMU_MAP_DMA, user_ptr(&map));
	if (locked)
		pthread_rwlock_unlock(&ps.maplock);
	if (ret)
		dma_record(fd, map.iova, map.size,
			   (char *)(uintptr_t)map.vaddr);
	return ret;
}

static bool op_unmap_dma(void)
{
	struct {
		struct vfio_iommu_type1_dma_unmap unmap;
		struct vfio_bitmap bitmap;
	} u;
	static __thread uint64_t bits[2048];
	struct dma_rec d;
	int fd;

	memset(&u, 0, sizeof(u));
	u.unmap.argsz = sizeof(u.unmap);
	if (dma_pick(&d) && chance(80)) {
		fd = chance(95) ? d.container : fd_pick(FD_CONTAINER, NULL);
		u.unmap.iova = d.iova;
		u.unmap.size = d.size;
		if (chance(15)) {
			u.unmap.iova += rn(d.size / PAGE + 1) * PAGE;
			u.unmap.size = rn(d.size / PAGE + 2) * PAGE;
		}
	} else {
		fd = fd_pick(FD_CONTAINER, NULL);
		u.unmap.iova = pick_iova();
		u.unmap.size = chance(70) ? (1 + rn(64)) * PAGE : r64();
	}
	switch (rn(12)) {
	case 0:
		u.unmap.flags = VFIO_DMA_UNMAP_FLAG_ALL;
		if (chance(80)) {
			u.unmap.iova = 0;
			u.unmap.size = 0;
		}
		break;
	case 1:
	case 2:
		u.unmap.flags = VFIO_DMA_UNMAP_FLAG_VADDR;
		if (chance(20))
			u.unmap.flags |= VFIO_DMA_UNMAP_FLAG_ALL;
		break;
	case 3:
		u.unmap.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
		u.unmap.argsz = sizeof(u);
		u.bitmap.pgsize = chance(85) ? PAGE : r64();
		u.bitmap.size = (u.unmap.size / PAGE + 63) / 64 * 8;
		if (u.bitmap.size > sizeof(bits) || chance(10))
			u.bitmap.size = chance(50) ? sizeof(bits) : r64();
		u.bitmap.data = (__u64 *)user_ptr(bits);
		break;
	case 4:
		u.unmap.flags = r32();
		break;
	default:
		break;
	}
	if (chance(4))
		u.unmap.argsz = r32();
	return !ioctl(fd, VFIO_IOMMU_UNMAP_DMA, user_ptr(&u));
}

static bool op_dirty_pages(void)
{
	struct {
		struct vfio_iommu_type1_dirty_bitmap hdr;
		struct vfio_iommu_type1_dirty_bitmap_get get;
	} u;
	static __thread uint64_t bits[2048];
	struct dma_rec d;

	memset(&u, 0, sizeof(u));
	u.hdr.argsz = sizeof(u.hdr);
	switch (rn(5)) {
	case 0:
		u.hdr.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START;
		break;
	case 1:
		u.hdr.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP;
		break;
	case 2:
	case 3:
		u.hdr.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
		u.hdr.argsz = sizeof(u);
		if (dma_pick(&d) && chance(80)) {
			u.get.iova = d.iova;
			u.get.size = d.size;
		} else {
			u.get.iova = pick_iova();
			u.get.size = chance(70) ? (1 + rn(64)) * PAGE : r64();
		}
		u.get.bitmap.pgsize = chance(85) ? PAGE : r64();
		u.get.bitmap.size = (u.get.size / PAGE + 63) / 64 * 8;
		if (u.get.bitmap.size > sizeof(bits) || chance(10))
			u.get.bitmap.size = chance(50) ? sizeof(bits) : r64();
		u.get.bitmap.data = (__u64 *)user_ptr(bits);
		break;
	default:
		u.hdr.flags = r32();
		break;
	}
	if (chance(5))
		u.hdr.argsz = r32();
	return !ioctl(fd_pick(FD_CONTAINER, NULL), VFIO_IOMMU_DIRTY_PAGES,
		      user_ptr(&u));
}

static bool op_group_status(void)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	if (chance(10))
		st.argsz = r32();
	if (chance(5))
		st.flags = r32();
	return !ioctl(fd_pick(FD_GROUP, NULL), VFIO_GROUP_GET_STATUS,
		      user_ptr(&st));
}

static bool op_set_container(void)
{
	int group = fd_pick(FD_GROUP, NULL);
	int container;

	container = fd_pick(chance(90) ? FD_CONTAINER : FD_EVENTFD, NULL);
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, user_ptr(&container)))
		return false;
	if (chance(70))
		set_iommu_usual(container);
	return true;
}

static bool op_unset_container(void)
{
	return !ioctl(fd_pick(FD_GROUP, NULL), VFIO_GROUP_UNSET_CONTAINER);
}

static bool op_device_info(void)
{
	union {
		struct vfio_device_info info;
		char raw[1024];
	} u;
	uint32_t argsz;
	bool sure;

	memset(&u, 0, sizeof(u));
	argsz = chance(50) ? sizeof(u.info) - 4 * (uint32_t)rn(2) :
		chance(50) ? (uint32_t)sizeof(u.raw) : (uint32_t)rn(32);
	u.info.argsz = argsz;
	if (kind_ioctl(FD_DEVICE, VFIO_DEVICE_GET_INFO, user_ptr(&u), &sure))
		return false;
	if (sure && argsz >= sizeof(u.info) &&
	    (u.info.flags & VFIO_DEVICE_FLAGS_CAPS) && u.info.cap_offset)
		check_caps("DEVICE_GET_INFO", &u, argsz, u.info.argsz,
			   sizeof(u.info), u.info.cap_offset);
	return true;
}

static bool op_region_info(void)
{
	union {
		struct vfio_region_info info;
		char raw[2048];
	} u;
	uint32_t argsz;
	bool sure;

	memset(&u, 0, sizeof(u));
	argsz = chance(50) ? (uint32_t)sizeof(u.info) :
		chance(70) ? (uint32_t)sizeof(u.raw) : (uint32_t)rn(40);
	u.info.argsz = argsz;
	u.info.index = chance(90) ? (uint32_t)rn(MAX_REGIONS) : r32();
	if (kind_ioctl(FD_DEVICE, VFIO_DEVICE_GET_REGION_INFO, user_ptr(&u),
		       &sure))
		return false;
	if (sure && argsz >= sizeof(u.info) &&
	    (u.info.flags & VFIO_REGION_INFO_FLAG_CAPS) && u.info.cap_offset)
		check_caps("GET_REGION_INFO", &u, argsz, u.info.argsz,
			   sizeof(u.info), u.info.cap_offset);
	return true;
}

static bool op_irq_info(void)
{
	struct vfio_irq_info info = { .argsz = sizeof(info) };

	if (chance(10))
		info.argsz = r32();
	info.index = chance(90) ? (uint32_t)rn(MAX_IRQS) : r32();
	return !ioctl(fd_pick(FD_DEVICE, NULL), VFIO_DEVICE_GET_IRQ_INFO,
		      user_ptr(&info));
}

static bool op_set_irqs(void)
{
	struct {
		struct vfio_irq_set set;
		int32_t data[64];
	} u;
	struct fd_slot dev;
	uint32_t i, count = 0, max = 1;
	int fd;

	memset(&u, 0, sizeof(u));
	fd = fd_pick(FD_DEVICE, &dev);
	u.set.index = (uint32_t)rn(5);
	if (dev.kind == FD_DEVICE && u.set.index < devs[dev.dev].num_irqs)
		max = devs[dev.dev].irqs[u.set.index].count;
	if (!max)
		max = 1;
	if (chance(70)) {
		/* well formed: TRIGGER/MASK/UNMASK over a valid range */
		static const uint32_t actions[] = {
			VFIO_IRQ_SET_ACTION_TRIGGER,
			VFIO_IRQ_SET_ACTION_TRIGGER,
			VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK,
		};

		u.set.flags = actions[rn(4)];
		if (max > 64)
			max = 64;
		switch (rn(4)) {
		case 0:
			u.set.flags |= VFIO_IRQ_SET_DATA_NONE;
			count = chance(30) ? 0 : 1 + (uint32_t)rn(max);
			break;
		case 1:
			u.set.flags |= VFIO_IRQ_SET_DATA_BOOL;
			count = 1 + (uint32_t)rn(max);
			for (i = 0; i < count; i++)
				((uint8_t *)u.data)[i] = (uint8_t)rn(2);
			break;
		default:
			u.set.flags |= VFIO_IRQ_SET_DATA_EVENTFD;
			count = 1 + (uint32_t)rn(max);
			for (i = 0; i < count; i++)
				u.data[i] = chance(80) ?
					    fd_pick(FD_EVENTFD, NULL) : -1;
			break;
		}
		u.set.start = count && chance(80) ? 0 :
			      (uint32_t)rn(max - (count ? count - 1 : 0));
		if (count > max - u.set.start)
			count = max - u.set.start;
		u.set.count = count;
		u.set.argsz = sizeof(u.set) +
			      ((u.set.flags & VFIO_IRQ_SET_DATA_BOOL) ? count :
			       (u.set.flags & VFIO_IRQ_SET_DATA_EVENTFD) ?
			       count * 4 : 0);
	} else {
		u.set.flags = chance(50) ? (uint32_t)rn(64) : r32();
		u.set.index = chance(80) ? (uint32_t)rn(8) : r32();
		u.set.start = chance(50) ? (uint32_t)rn(8) : r32();
		u.set.count = chance(50) ? (uint32_t)rn(70) : r32();
		for (i = 0; i < 64; i++)
			u.data[i] = chance(50) ? fd_pick(FD_EVENTFD, NULL) :
				    (int32_t)r32();
		u.set.argsz = chance(50) ? (uint32_t)sizeof(u) :
			      (uint32_t)(sizeof(u.set) + rn(sizeof(u.data)));
		if (chance(10))
			u.set.argsz = r32();
	}
	return !ioctl(fd, VFIO_DEVICE_SET_IRQS, user_ptr(&u));
}

static bool op_reset(void)
{
	return !ioctl(fd_pick(FD_DEVICE, NULL), VFIO_DEVICE_RESET);
}

static bool op_hot_reset_info(void)
{
	struct {
		struct vfio_pci_hot_reset_info info;
		struct vfio_pci_dependent_device devices[32];
	} u;
	bool sure;

	memset(&u, 0, sizeof(u));
	u.info.argsz = chance(30) ? sizeof(u.info) :
		       chance(80) ? sizeof(u) : r32();
	if (chance(5))
		u.info.flags = r32();
	if (kind_ioctl(FD_DEVICE, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
		       user_ptr(&u), &sure))
		return false;
	if (sure && u.info.argsz == sizeof(u) && u.info.count > 32)
		anomaly("HOT_RESET_INFO filled %u entries in room for 32",
			u.info.count);
	return true;
}

static bool op_hot_reset(void)
{
	struct {
		struct vfio_pci_hot_reset reset;
		int32_t fds[MAX_FDS];
	} u;
	uint32_t n = 0;
	int i;

	memset(&u, 0, sizeof(u));
	pthread_mutex_lock(&ps.lock);
	for (i = 0; i < MAX_FDS; i++)
		if (ps.fds[i].kind == FD_GROUP ||
		    (ps.fds[i].kind != FD_NONE && chance(5)))
			u.fds[n++] = ps.fds[i].fd;
	pthread_mutex_unlock(&ps.lock);
	if (chance(10) && n < MAX_FDS)
		u.fds[n++] = (int32_t)r32();
	u.reset.count = chance(90) ? n : r32();
	u.reset.argsz = chance(90) ? sizeof(u.reset) + 4 * n : r32();
	if (chance(5))
		u.reset.flags = r32();
	return !ioctl(fd_pick(FD_DEVICE, NULL), VFIO_DEVICE_PCI_HOT_RESET,
		      user_ptr(&u));
}

static bool overlaps(uint64_t off, uint64_t len, uint64_t start,
		     uint64_t n)
{
	return off < start + n && start < off + len;
}

/* May [off, off + len) of region @r of @d be written? */
static bool write_allowed(const struct dev_desc *d, unsigned int r,
			  uint64_t off, uint64_t len)
{
	if (r == VFIO_PCI_CONFIG_REGION_INDEX)
		return off + len <= 0x100 && off + len > off;
	if (d->policy == DEV_READ_ONLY || r > VFIO_PCI_BAR5_REGION_INDEX)
		return false;
	if (d->policy == DEV_EDU && r == VFIO_PCI_BAR0_REGION_INDEX)
		return off + len > off && !overlaps(off, len, EDU_REG_FACT, 4) &&
		       !overlaps(off, len, EDU_REG_RAISE, 4) &&
		       !overlaps(off, len, EDU_DMA_REGS_START,
				 EDU_DMA_REGS_END - EDU_DMA_REGS_START);
	return true;
}

static bool op_ioeventfd(void)
{
	struct vfio_device_ioeventfd ev = { .argsz = sizeof(ev) };
	static const uint32_t sizes[] = { 1, 2, 4, 8 };
	const struct dev_desc *d;
	int fd, dev, r;
	bool ret;

	fd = device_grab(chance(85), &dev);
	if (fd < 0)
		return false;
	d = &devs[dev];
	ev.flags = sizes[rn(4)];
	r = (int)rn(VFIO_PCI_BAR5_REGION_INDEX + 1);
	ev.offset = d->regions[r].offset;
	if (d->regions[r].size)
		ev.offset += rn(d->regions[r].size) & ~(uint64_t)(ev.flags - 1);
	ev.data = r64();
	ev.fd = chance(80) ? fd_pick(FD_EVENTFD, NULL) : -1;
	if (!write_allowed(d, r, ev.offset - d->regions[r].offset, ev.flags)) {
		/* may not write there: only requests that cannot register */
		ev.fd = -1;
		if (chance(50))
			ev.flags = chance(50) ? 3 : 0x10 | ev.flags;
	} else if (chance(10)) {
		ev.flags = r32();
		ev.fd = -1;
	}
	if (chance(5)) {
		ev.argsz = r32();
		ev.fd = -1;
	}
	ret = !ioctl(fd, VFIO_DEVICE_IOEVENTFD, &ev);
	close(fd);
	return ret;
}

static bool op_feature(void)
{
	struct {
		struct vfio_device_feature f;
		uint8_t data[64];
	} u;
	unsigned int i;

	memset(&u, 0, sizeof(u));
	u.f.flags = chance(85) ? (uint32_t)rn(12) : (uint32_t)rn(0x10000);
	switch (rn(4)) {
	case 0:
		u.f.flags |= VFIO_DEVICE_FEATURE_PROBE;
		break;
	case 1:
		u.f.flags |= VFIO_DEVICE_FEATURE_GET;
		break;
	case 2:
		u.f.flags |= VFIO_DEVICE_FEATURE_SET;
		break;
	default:
		u.f.flags |= (uint32_t)rn(16) << 16;
		break;
	}
	for (i = 0; i < sizeof(u.data); i++)
		u.data[i] = (uint8_t)rnd();
	if ((u.f.flags & 0xffff) ==
	    VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP && chance(70)) {
		int32_t efd = fd_pick(FD_EVENTFD, NULL);

		memcpy(u.data, &efd, sizeof(efd));
		memset(u.data + 4, 0, 4);
	}
	u.f.argsz = sizeof(u.f) + (chance(70) ? 16 : (uint32_t)rn(65));
	if (chance(5))
		u.f.argsz = r32();
	return !ioctl(fd_pick(FD_DEVICE, NULL), VFIO_DEVICE_FEATURE,
		      user_ptr(&u));
}

/* An offset in region @r of @d, and a length, mostly sensible. */
static void pick_range(const struct dev_desc *d, unsigned int r,
		       uint64_t *off, size_t *len, size_t max)
{
	static const size_t lens[] = { 1, 2, 4, 4, 4, 8 };
	uint64_t size = r < d->num_regions ? d->regions[r].size : 0;

	*len = chance(90) ? lens[rn(6)] : 1 + rn(max);
	if (size && chance(92)) {
		*off = rn(size);
		if (chance(85))
			*off &= ~(uint64_t)(*len - 1);
	} else {
		*off = chance(50) ? size + rn(64) : r64() >> 24;
	}
}

static uint64_t region_base(const struct dev_desc *d, unsigned int r)
{
	if (r < d->num_regions && d->regions[r].size)
		return d->regions[r].offset;
	return (uint64_t)r << 40;	/* vfio-pci's layout */
}

static bool op_pread(void)
{
	static __thread char buf[4096];
	struct fd_slot s;
	const struct dev_desc *d;
	unsigned int r;
	uint64_t off;
	size_t len;
	int fd;

	fd = fd_pick(FD_DEVICE, &s);
	d = s.kind == FD_DEVICE ? &devs[s.dev] : &devs[rn(nr_devs)];
	r = chance(95) ? (unsigned int)rn(VFIO_PCI_NUM_REGIONS) :
			 (unsigned int)rn(64);
	pick_range(d, r, &off, &len, sizeof(buf));
	return pread(fd, user_ptr(buf), len,
		     (off_t)(region_base(d, r) + off)) >= 0;
}

/* A random value for config space; the command register kept tame. */
static void config_data(uint64_t off, char *buf, size_t len)
{
	uint16_t keep = PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
			PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE;
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t at = off + i;

		buf[i] = (char)rnd();
		if (at == PCI_COMMAND)
			buf[i] &= (char)(keep & 0xff);
		else if (at == PCI_COMMAND + 1)
			buf[i] &= (char)(keep >> 8);
	}
}

static bool op_pwrite(void)
{
	static __thread char buf[4096];
	const struct dev_desc *d;
	unsigned int r;
	uint64_t off;
	size_t len;
	int fd, dev;
	bool ret;

	fd = device_grab(false, &dev);
	if (fd < 0)
		return false;
	d = &devs[dev];
	r = chance(40) ? VFIO_PCI_CONFIG_REGION_INDEX :
	    chance(97) ? (unsigned int)rn(VFIO_PCI_NUM_REGIONS) :
	    (unsigned int)rn(64);
	pick_range(d, r, &off, &len, 256);
	if (r >= d->num_regions || !d->regions[r].size) {
		/* a region that is not there: only on writable devices */
		ret = false;
		if (d->policy != DEV_READ_ONLY)
			ret = pwrite(fd, buf, len,
				     (off_t)region_base(d, r) + off) >= 0;
		close(fd);
		return ret;
	}
	if (r == VFIO_PCI_CONFIG_REGION_INDEX && chance(80))
		off %= 0x100;
	if (!write_allowed(d, r, off, len)) {
		close(fd);
		return false;
	}
	if (r == VFIO_PCI_CONFIG_REGION_INDEX)
		config_data(off, buf, len);
	else
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)rnd();
	ret = pwrite(fd, chance(3) ? ps.none_page : buf, len,
		     (off_t)(d->regions[r].offset + off)) >= 0;
	close(fd);
	return ret;
}

static bool op_mmap(void)
{
	const struct dev_desc *d;
	unsigned int r;
	uint64_t off, size, len;
	int fd, dev, i, prot, flags;
	void *p;

	fd = device_grab(false, &dev);
	if (fd < 0)
		return false;
	d = &devs[dev];
	r = chance(90) ? (unsigned int)rn(VFIO_PCI_ROM_REGION_INDEX) :
			 (unsigned int)rn(VFIO_PCI_NUM_REGIONS);
	size = r < d->num_regions ? d->regions[r].size : 0;
	off = size >= PAGE && chance(60) ? rn(size / PAGE) * PAGE : 0;
	len = size > off ? size - off : PAGE;
	if (chance(50) && len > PAGE)
		len = (1 + rn(len / PAGE)) * PAGE;
	if (chance(5))
		len += PAGE;
	if (len > (16UL << 20))
		len = 16UL << 20;
	prot = chance(80) ? PROT_READ | PROT_WRITE :
	       chance(50) ? PROT_READ : PROT_NONE;
	flags = chance(95) ? MAP_SHARED : MAP_PRIVATE;
	pthread_rwlock_wrlock(&ps.maplock);
	p = mmap(NULL, len, prot, flags, fd,
		 (off_t)(region_base(d, r) + off));
	close(fd);
	if (p == MAP_FAILED) {
		pthread_rwlock_unlock(&ps.maplock);
		return false;
	}
	i = (int)rn(MAX_MAPS);
	if (ps.maps[i].addr)
		munmap(ps.maps[i].addr, ps.maps[i].len);
	ps.maps[i] = (struct bar_map){
		.addr = p, .len = len, .dev = dev, .region = (int)r,
		.region_off = off, .readable = prot & PROT_READ,
		.writable = (prot & PROT_WRITE) && flags == MAP_SHARED &&
			    d->policy != DEV_READ_ONLY,
	};
	pthread_rwlock_unlock(&ps.maplock);
	return true;
}

static bool op_munmap(void)
{
	int i = (int)rn(MAX_MAPS);
	bool ret = false;

	pthread_rwlock_wrlock(&ps.maplock);
	if (ps.maps[i].addr) {
		if (chance(20) && ps.maps[i].len > PAGE) {
			/* unmap the tail only */
			size_t keep = (1 + rn(ps.maps[i].len / PAGE - 1)) *
				      PAGE;

			ret = !munmap(ps.maps[i].addr + keep,
				      ps.maps[i].len - keep);
			ps.maps[i].len = keep;
		} else {
			ret = !munmap(ps.maps[i].addr, ps.maps[i].len);
			ps.maps[i].addr = NULL;
		}
	}
	pthread_rwlock_unlock(&ps.maplock);
	return ret;
}

static bool op_map_access(void)
{
	int i = (int)rn(MAX_MAPS);
	volatile uint32_t *p;
	struct bar_map *m;
	volatile bool ret = false;
	uint64_t off;

	pthread_rwlock_rdlock(&ps.maplock);
	m = &ps.maps[i];
	if (!m->addr || !m->readable || m->len < 4)
		goto out;
	off = rn(m->len) & ~3ULL;
	p = (volatile uint32_t *)(m->addr + off);
	if (sigsetjmp(fault_jmp, 1))
		goto out;	/* SIGBUS/SIGSEGV: the access was refused */
	fault_armed = 1;
	(void)*p;
	if (m->writable && chance(50) &&
	    write_allowed(&devs[m->dev], (unsigned int)m->region,
			  m->region_off + off, 4))
		*p = (uint32_t)rnd();
	fault_armed = 0;
	ret = true;
out:
	fault_armed = 0;
	pthread_rwlock_unlock(&ps.maplock);
	return ret;
}

static bool op_signal(void)
{
	uint64_t v = chance(90) ? 1 : r64();
	int fd = eventfd_pick();
	bool ret;

	if (fd < 0)
		return false;
	if (chance(30))
		ret = read(fd, &v, sizeof(v)) == sizeof(v);
	else
		ret = write(fd, &v, sizeof(v)) == sizeof(v);
	close(fd);
	return ret;
}

static int edu_reg_write(int fd, const struct dev_desc *d, unsigned int reg,
			 uint32_t val)
{
	return pwrite(fd, &val, 4, (off_t)(d->regions[0].offset + reg)) == 4 ?
	       0 : -1;
}

/* One whole edu transfer, programmed under the run-wide lock. */
static bool op_edu_dma(void)
{
	const struct dev_desc *d;
	uint32_t cmd = 0, len, boff;
	uint64_t iova;
	struct dma_rec rec;
	bool ret = false;
	int fd, dev, err;

	fd = device_grab(true, &dev);
	if (fd < 0)
		return false;
	d = &devs[dev];
	if (d->policy != DEV_EDU)
		goto out_close;
	len = 1 + (uint32_t)rn(EDU_DMA_MAX_LEN);
	boff = (uint32_t)rn(EDU_BUF_SIZE - len);	/* ends before the end */
	if (dma_pick(&rec) && chance(75))
		iova = rec.iova + rn(rec.size ? rec.size : 1);
	else
		iova = rn(EDU_IOVA_LIMIT);
	iova %= EDU_IOVA_LIMIT - EDU_DMA_MAX_LEN;
	err = pthread_mutex_lock(&sh->edu_lock);
	if (err == EOWNERDEAD)
		pthread_mutex_consistent(&sh->edu_lock);
	else if (err)
		goto out_close;
	if (pread(fd, &cmd, 4, (off_t)(d->regions[0].offset +
				       EDU_REG_DMA_CMD)) != 4 ||
	    (cmd & EDU_DMA_CMD_START))
		goto out_unlock;	/* busy, or BAR not reachable now */
	/* never EDU_DMA_CMD_IRQ: see EDU_REG_RAISE */
	cmd = EDU_DMA_CMD_START;
	if (chance(50)) {
		cmd |= EDU_DMA_CMD_TO_RAM;
		err = edu_reg_write(fd, d, EDU_REG_DMA_SRC,
				    (uint32_t)(EDU_DMA_BUF_ADDR + boff)) ||
		      edu_reg_write(fd, d, EDU_REG_DMA_DST, (uint32_t)iova);
	} else {
		err = edu_reg_write(fd, d, EDU_REG_DMA_SRC, (uint32_t)iova) ||
		      edu_reg_write(fd, d, EDU_REG_DMA_DST,
				    (uint32_t)(EDU_DMA_BUF_ADDR + boff));
	}
	if (!err)
		err = edu_reg_write(fd, d, EDU_REG_DMA_COUNT, len);
	/*
	 * A register write refused half-way (memory decode switched off by
	 * another thread) must not let a later start pick up a half-new
	 * setting: start only if all three went in; the next transfer
	 * writes all of them again anyway.
	 */
	if (!err)
		ret = !edu_reg_write(fd, d, EDU_REG_DMA_CMD, cmd);
out_unlock:
	pthread_mutex_unlock(&sh->edu_lock);
out_close:
	close(fd);
	return ret;
}

/* New pages under a buffer that may be mapped for DMA (VADDR's use). */
static bool op_remap_buf(void)
{
	char *b = ps.bufs[rn(NR_BUFS)];
	uint64_t off = rn(BUF_SIZE / PAGE) * PAGE;
	size_t len = (1 + rn(16)) * PAGE;

	if (off + len > BUF_SIZE)
		len = BUF_SIZE - off;
	return mmap(b + off, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
	       MAP_FAILED;
}

static void register_pid(pid_t pid)
{
	int i, zero;

	for (i = (int)opt_procs; i < MAX_PIDS; i++) {
		zero = 0;
		if (atomic_compare_exchange_strong(&sh->pids[i], &zero, pid))
			return;
	}
}

static void forget_pid(pid_t pid)
{
	int i, p;

	for (i = 0; i < MAX_PIDS; i++) {
		p = pid;
		if (atomic_compare_exchange_strong(&sh->pids[i], &p, 0))
			return;
	}
}

/* A child's or orphan's end: anything but SIGKILL or exit 0 is a crash. */
static void account_status(pid_t pid, int status)
{
	forget_pid(pid);
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
		atomic_fetch_add(&sh->crashes, 1);
		fprintf(stderr, "vfio_fuzz: process %d died of signal %d\n",
			(int)pid, WTERMSIG(status));
	} else if (WIFEXITED(status) && WEXITSTATUS(status)) {
		atomic_fetch_add(&sh->crashes, 1);
		fprintf(stderr, "vfio_fuzz: process %d exited with %d\n",
			(int)pid, WEXITSTATUS(status));
	}
}

static void reap_children(void)
{
	int i, status;
	pid_t pid;

	for (i = 0; i < MAX_CHILDREN; i++) {
		pid = ps.children[i];
		if (pid <= 0)
			continue;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			account_status(pid, status);
			ps.children[i] = 0;
		}
	}
}

static void fuzz_loop(void);
static void *thread_main(void *arg);

static bool op_fork(void)
{
	int i, slot = -1;
	uint64_t seed;
	pid_t pid;

	if (ps.is_child)
		return false;
	pthread_mutex_lock(&ps.lock);
	for (i = 0; i < MAX_CHILDREN; i++)
		if (!ps.children[i])
			slot = i;
	if (slot < 0) {
		pthread_mutex_unlock(&ps.lock);
		return false;
	}
	ps.children[slot] = -1;	/* reserved */
	seed = rnd();
	pthread_mutex_unlock(&ps.lock);

	pid = fork();
	if (pid < 0) {
		ps.children[slot] = 0;
		return false;
	}
	if (!pid) {
		static struct rng child_rng;
		pthread_t t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, CHILD_COMM);
		register_pid(getpid());
		child_rng.s = mix64(seed) | 1;
		trng = &child_rng;
		ps.is_child = true;
		memset(ps.children, 0, sizeof(ps.children));
		ps.end_ms = now_ms() + 50 + rn(2000);
		if (chance(40))
			pthread_create(&t, NULL, thread_main,
				       (void *)(uintptr_t)rnd());
		fuzz_loop();
		_exit(0);
	}
	ps.children[slot] = pid;
	atomic_fetch_add(&sh->forks, 1);
	return true;
}

static bool op_kill(void)
{
	char path[64], comm[32];
	pid_t pid = 0;
	int i;

	if (!ps.is_child && chance(60)) {
		for (i = 0; i < MAX_CHILDREN && !pid; i++)
			if (ps.children[i] > 0)
				pid = ps.children[i];
	} else {
		pid = atomic_load(&sh->pids[rn(MAX_PIDS)]);
	}
	if (pid <= 0 || pid == getpid())
		return false;
	/* a fuzzer process, not one that took a freed pid */
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (sysfs_read_line(path, comm, sizeof(comm)) ||
	    strncmp(comm, "vfuzz-", 6))
		return false;
	if (kill(pid, SIGKILL))
		return false;
	atomic_fetch_add(&sh->kills, 1);
	return true;
}

static bool (*const op_fn[NR_OPS])(void) = {
	[OP_OPEN_CONTAINER] = op_open_container,
	[OP_OPEN_GROUP] = op_open_group,
	[OP_GET_DEVICE_FD] = op_get_device_fd,
	[OP_NEW_EVENTFD] = op_new_eventfd,
	[OP_CLOSE] = op_close,
	[OP_API_VERSION] = op_api_version,
	[OP_CHECK_EXTENSION] = op_check_extension,
	[OP_SET_IOMMU] = op_set_iommu,
	[OP_IOMMU_INFO] = op_iommu_info,
	[OP_MAP_DMA] = op_map_dma,
	[OP_UNMAP_DMA] = op_unmap_dma,
	[OP_DIRTY_PAGES] = op_dirty_pages,
	[OP_GROUP_STATUS] = op_group_status,
	[OP_SET_CONTAINER] = op_set_container,
	[OP_UNSET_CONTAINER] = op_unset_container,
	[OP_DEVICE_INFO] = op_device_info,
	[OP_REGION_INFO] = op_region_info,
	[OP_IRQ_INFO] = op_irq_info,
	[OP_SET_IRQS] = op_set_irqs,
	[OP_RESET] = op_reset,
	[OP_HOT_RESET_INFO] = op_hot_reset_info,
	[OP_HOT_RESET] = op_hot_reset,
	[OP_IOEVENTFD] = op_ioeventfd,
	[OP_FEATURE] = op_feature,
	[OP_PREAD] = op_pread,
	[OP_PWRITE] = op_pwrite,
	[OP_MMAP] = op_mmap,
	[OP_MUNMAP] = op_munmap,
	[OP_MAP_ACCESS] = op_map_access,
	[OP_SIGNAL] = op_signal,
	[OP_EDU_DMA] = op_edu_dma,
	[OP_REMAP_BUF] = op_remap_buf,
	[OP_FORK] = op_fork,
	[OP_KILL] = op_kill,
};

static unsigned int total_weight, op_weight[NR_OPS];

/* A line in the kernel log, to tell where a hung guest was. */
static void log_kernel(const char *fmt, ...)
{
	char line[256];
	ssize_t n;
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = write(fd, line, strlen(line));
	(void)n;	/* the log is a help, not a must */
	close(fd);
}

static bool running(void)
{
	uint64_t now = now_ms();

	return !atomic_load(&sh->stop) && now < deadline_ms &&
	       (!ps.end_ms || now < ps.end_ms);
}

static void fuzz_loop(void)
{
	unsigned int w, op, n = 0;

	while (running()) {
		w = (unsigned int)rn(total_weight);
		for (op = 0; op < NR_OPS; op++) {
			if (w < op_weight[op])
				break;
			w -= op_weight[op];
		}
		if (opt_verbose)
			fprintf(stderr, "%d: %s\n", (int)gettid(),
				op_table[op].name);
		atomic_fetch_add(&sh->calls[op], 1);
		if (op_fn[op]())
			atomic_fetch_add(&sh->succ[op], 1);
		if (!(++n % 16) && !ps.is_child)
			reap_children();
	}
}

static void *thread_main(void *arg)
{
	struct rng r = { .s = mix64((uintptr_t)arg) | 1 };

	trng = &r;
	fuzz_loop();
	return NULL;
}

/* Locks held across fork() so that the child finds them free. */
static void atfork_prepare(void)
{
	pthread_rwlock_wrlock(&ps.maplock);
	pthread_mutex_lock(&ps.lock);
}

static void atfork_release(void)
{
	pthread_mutex_unlock(&ps.lock);
	pthread_rwlock_unlock(&ps.maplock);
}

static void atfork_child(void)
{
	pthread_mutex_init(&ps.lock, NULL);
	pthread_rwlock_init(&ps.maplock, NULL);
}

/* A worker: a fresh process with a session on a random device. */
static void worker_main(uint64_t seed)
{
	pthread_t t[MAX_THREADS];
	struct vfio_session s;
	struct edu_location loc;
	struct rng r = { .s = mix64(seed) | 1 };
	const char *step;
	unsigned int i;
	struct sigaction sa = { .sa_handler = fault_handler };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, WORKER_COMM);
	trng = &r;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	pthread_atfork(atfork_prepare, atfork_release, atfork_child);
	for (i = 0; i < NR_BUFS; i++) {
		ps.bufs[i] = anon_alloc(BUF_SIZE);
		if (ps.bufs[i] == MAP_FAILED)
			_exit(2);
		memset(ps.bufs[i], (int)i, BUF_SIZE);
	}
	ps.ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	ps.none_page = mmap(NULL, PAGE, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < 4; i++)
		op_new_eventfd();
	/* a start that lets the device ops do something (busy groups fail) */
	i = (unsigned int)rn(nr_devs);
	snprintf(loc.bdf, sizeof(loc.bdf), "%.63s", devs[i].bdf);
	loc.group_id = devs[i].group;
	if (!vfio_session_open(&s, &loc, true, &step)) {
		fd_add(s.container, FD_CONTAINER, -1);
		fd_add(s.group, FD_GROUP, loc.group_id);
		fd_add(s.device, FD_DEVICE, (int)i);
	}
	for (i = 1; i < opt_threads; i++)
		if (pthread_create(&t[i], NULL, thread_main,
				   (void *)(uintptr_t)rnd()))
			break;
	fuzz_loop();
	_exit(0);
}

/* ---- the supervisor ---- */

static enum dev_policy policy_of(unsigned int vendor, unsigned int device,
				 bool *fuzz)
{
	*fuzz = true;
	if (vendor == EDU_VENDOR_ID && device == EDU_DEVICE_ID)
		return DEV_EDU;
	if (vendor == 0x1b36 && device == 0x0005)	/* pci-testdev */
		return DEV_WRITABLE;
	if ((vendor == 0x8086 && (device == 0x100e || device == 0x10d3 ||
				  device == 0x5845)) ||
	    (vendor == 0x1b36 && device == 0x0010))
		return DEV_READ_ONLY;
	/* VGA, virtio-rng, and anything the testbed does not list */
	*fuzz = false;
	return DEV_READ_ONLY;
}

static void add_group(int id)
{
	unsigned int i;

	for (i = 0; i < nr_groups; i++)
		if (groups[i] == id)
			return;
	groups[nr_groups++] = id;
}

/* The devices on vfio-pci that are fuzzed, with their regions and irqs. */
static int discover(void)
{
	struct dirent *de;
	DIR *dir;

	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return -errno;
	while ((de = readdir(dir)) && nr_devs < MAX_DEVS) {
		struct dev_desc *d = &devs[nr_devs];
		struct vfio_device_info info = { .argsz = sizeof(info) };
		struct edu_location loc;
		struct vfio_session s;
		char path[PATH_MAX], drv[64];
		const char *step;
		long vendor, device;
		unsigned int i;
		bool fuzz;

		if (de->d_name[0] == '.')
			continue;
		if (pci_driver_name(de->d_name, drv, sizeof(drv)) ||
		    strcmp(drv, "vfio-pci"))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		if (sysfs_read_long(path, &vendor))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		if (sysfs_read_long(path, &device))
			continue;
		d->policy = policy_of((unsigned int)vendor,
				      (unsigned int)device, &fuzz);
		if (!fuzz)
			continue;
		snprintf(d->bdf, sizeof(d->bdf), "%.63s", de->d_name);
		d->vendor = (unsigned int)vendor;
		d->device = (unsigned int)device;
		d->group = pci_iommu_group(d->bdf);
		if (d->group < 0)
			continue;
		snprintf(loc.bdf, sizeof(loc.bdf), "%s", d->bdf);
		loc.group_id = d->group;
		if (vfio_session_open(&s, &loc, true, &step)) {
			ksft_print_msg("%s: %s failed, not fuzzed\n", d->bdf,
				       step);
			continue;
		}
		if (!ioctl(s.device, VFIO_DEVICE_GET_INFO, &info)) {
			d->num_regions = info.num_regions < MAX_REGIONS ?
					 info.num_regions : MAX_REGIONS;
			d->num_irqs = info.num_irqs < MAX_IRQS ?
				      info.num_irqs : MAX_IRQS;
		}
		for (i = 0; i < d->num_regions; i++)
			vfio_region_get_info(s.device, i, &d->regions[i]);
		for (i = 0; i < d->num_irqs; i++) {
			d->irqs[i].argsz = sizeof(d->irqs[i]);
			d->irqs[i].index = i;
			ioctl(s.device, VFIO_DEVICE_GET_IRQ_INFO, &d->irqs[i]);
		}
		vfio_session_close(&s);
		add_group(d->group);
		ksft_print_msg("fuzzing %s (%04x:%04x, group %d, %s)\n",
			       d->bdf, d->vendor, d->device, d->group,
			       d->policy == DEV_READ_ONLY ? "BARs read only" :
			       d->policy == DEV_EDU ?
			       "BARs written but the DMA registers" :
			       "BARs written");
		nr_devs++;
	}
	closedir(dir);
	return nr_devs ? 0 : -ENODEV;
}

static pid_t spawn_worker(unsigned int slot, uint64_t seed)
{
	pid_t pid = fork();

	if (!pid)
		worker_main(seed);
	if (pid > 0)
		atomic_store(&sh->pids[slot], pid);
	return pid;
}

static int worker_slot(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < opt_procs; i++)
		if (atomic_load(&sh->pids[i]) == pid)
			return (int)i;
	return -1;
}

/* Reaps what has ended; respawns workers while the run goes on. */
static unsigned int reap_all(bool respawn, unsigned int *gen)
{
	unsigned int reaped = 0;
	int status, slot;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		reaped++;
		slot = worker_slot(pid);
		account_status(pid, status);
		if (slot >= 0 && respawn && running())
			spawn_worker((unsigned int)slot,
				     opt_seed ^ ((uint64_t)slot << 32) ^
				     ++*gen);
	}
	return reaped;
}

/* Kills and reaps every process of the run; false if one stays. */
static bool stop_all(unsigned int grace_s)
{
	uint64_t end = now_ms() + grace_s * 1000ULL;
	unsigned int gen = 0;
	bool killed = false;
	int i;
	pid_t pid;

	atomic_store(&sh->stop, 1);
	for (;;) {
		reap_all(false, &gen);
		if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
			return true;
		if (now_ms() > end)
			break;
		if (!killed && now_ms() > end - grace_s * 500ULL) {
			/* what has not ended by itself by half-time */
			for (i = 0; i < MAX_PIDS; i++) {
				pid = atomic_load(&sh->pids[i]);
				if (pid > 0)
					kill(pid, SIGKILL);
			}
			killed = true;
		}
		usleep(20000);
	}
	for (i = 0; i < MAX_PIDS; i++) {
		pid = atomic_load(&sh->pids[i]);
		if (pid > 0)
			ksft_print_msg("process %d is still there\n",
				       (int)pid);
	}
	return false;
}

/* Processes named like the fuzzer's, other than this one. */
static unsigned int fuzzer_processes(void)
{
	char path[PATH_MAX], comm[64];
	unsigned int n = 0;
	struct dirent *de;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (sysfs_read_line(path, comm, sizeof(comm)))
			continue;
		if (!strncmp(comm, "vfuzz-", 6)) {
			ksft_print_msg("process %s (%s) is left\n",
				       de->d_name, comm);
			n++;
		}
	}
	closedir(dir);
	return n;
}

/* The sum of VmLck over every process, in kB. */
static long vmlck_total(void)
{
	struct dirent *de;
	long total = 0, kb;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		kb = proc_vmlck_kb(atoi(de->d_name));
		if (kb > 0) {
			ksft_print_msg("process %s has VmLck %ld kB\n",
				       de->d_name, kb);
			total += kb;
		}
	}
	closedir(dir);
	return total;
}

/* Waits up to @ms for the system-wide pin count to drop to @want. */
static int pins_settle(long long want, long long *now, unsigned int ms)
{
	uint64_t end = now_ms() + ms;
	int ret;

	for (;;) {
		ret = foll_pins(now);
		if (ret || *now <= want || now_ms() > end)
			return ret;
		usleep(200000);
	}
}

/* edu as the next test wants it: no irq pending, no DMA running. */
static void edu_quiesce(void *bar0)
{
	edu_dma_wait(bar0, EDU_DMA_TIMEOUT_MS);
	edu_write32(bar0, EDU_REG_STATUS, 0);
	edu_write32(bar0, EDU_REG_IRQ_ACK, ~0U);
}

/* Every group opens, is viable, gives its devices; edu DMAs. */
static bool check_groups(void)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct vfio_session s;
	struct edu_location loc;
	const char *step;
	void *bar0 = MAP_FAILED;
	uint64_t bar0_size = 0;
	bool ok = true, edu_done = false;
	unsigned int i;
	uint8_t *buf;
	int ret;

	for (i = 0; i < nr_devs; i++) {
		snprintf(loc.bdf, sizeof(loc.bdf), "%.63s", devs[i].bdf);
		loc.group_id = devs[i].group;
		if (devs[i].policy != DEV_EDU || edu_done) {
			ret = vfio_session_open(&s, &loc, true, &step);
			if (!ret && (ioctl(s.group, VFIO_GROUP_GET_STATUS, &st) ||
				     !(st.flags & VFIO_GROUP_FLAGS_VIABLE))) {
				step = "GET_STATUS: viable";
				ret = -EINVAL;
			}
			vfio_session_close(&s);
			if (ret) {
				ksft_print_msg("%s: %s: %s\n", loc.bdf, step,
					       strerror(-ret));
				ok = false;
			}
			continue;
		}
		edu_done = true;
		ret = edu_session_open(&s, &loc, &bar0, &bar0_size, &step);
		if (ret) {
			ksft_print_msg("%s: %s: %s\n", loc.bdf, step,
				       strerror(-ret));
			ok = false;
			continue;
		}
		edu_quiesce(bar0);
		buf = anon_alloc(16 * PAGE);
		ret = buf == MAP_FAILED ? -ENOMEM :
		      vfio_dma_map(s.container, buf, 0x100000, 16 * PAGE,
				   VFIO_DMA_MAP_FLAG_READ |
				   VFIO_DMA_MAP_FLAG_WRITE);
		if (!ret) {
			ret = edu_round_trip(bar0, buf, 0x100000, 77);
			if (ret)
				ksft_print_msg("edu round trip: %s\n",
					       strerror(-ret));
			if (vfio_dma_unmap(s.container, 0x100000, 16 * PAGE,
					   NULL))
				ret = -EIO;
			if (proc_vmlck_kb(getpid()) != 0) {
				ksft_print_msg("VmLck %ld kB after UNMAP\n",
					       proc_vmlck_kb(getpid()));
				ret = -EIO;
			}
		} else {
			ksft_print_msg("MAP_DMA: %s\n", strerror(-ret));
		}
		if (ret)
			ok = false;
		edu_quiesce(bar0);
		edu_session_close(&s, &bar0, bar0_size);
		if (buf != MAP_FAILED)
			munmap(buf, 16 * PAGE);
	}
	return ok;
}

/*
 * The VFIO modules the testbed loaded (/etc/testbed.conf's
 * TESTBED_MODULES, in load order: ours or the in-tree ones, and the
 * KUnit modules that hold ours on the debug kernel) unloaded in reverse
 * order and loaded again; the devices must come back to vfio-pci.
 */
#define SEPARATORS "\"\n\t "
static int reload_modules(char *why, size_t len)
{
	char line[1024], *mods[16], *tok, *save = NULL, path[PATH_MAX];
	char name[64], drv[64];
	unsigned int n = 0, i, first = 0;
	int fd, ret = 0;
	FILE *f;

	f = fopen("/etc/testbed.conf", "re");
	if (!f) {
		snprintf(why, len, "no /etc/testbed.conf (not the testbed)");
		return -ENOENT;
	}
	line[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "TESTBED_MODULES=", 16))
			break;
	fclose(f);
	if (strncmp(line, "TESTBED_MODULES=", 16)) {
		snprintf(why, len, "no TESTBED_MODULES in /etc/testbed.conf");
		return -ENOENT;
	}
	for (tok = strtok_r(line + 16, SEPARATORS, &save); tok && n < 16;
	     tok = strtok_r(NULL, SEPARATORS, &save))
		if (!strncmp(tok, "vfio", 4))
			mods[n++] = tok;
	if (!n) {
		snprintf(why, len, "no vfio module in TESTBED_MODULES");
		return -ENOENT;
	}
	for (i = n; i-- > 0;) {
		size_t k;

		snprintf(name, sizeof(name), "%s", mods[i]);
		name[strcspn(name, ".")] = '\0';
		for (k = 0; name[k]; k++)
			if (name[k] == '-')
				name[k] = '_';
		if (syscall(SYS_delete_module, name, O_NONBLOCK)) {
			snprintf(why, len, "rmmod %s: %s", name,
				 strerror(errno));
			ret = -errno;
			first = i + 1;	/* what is still loaded stays */
			break;
		}
	}
	for (i = first; i < n; i++) {
		snprintf(path, sizeof(path), "/lib/modules/testbed/%s",
			 mods[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
			if (!ret)
				snprintf(why, len, "insmod %s: %s", mods[i],
					 strerror(errno));
			ret = ret ? ret : -errno;
		}
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < nr_devs; i++) {
		if (pci_driver_name(devs[i].bdf, drv, sizeof(drv)) ||
		    strcmp(drv, "vfio-pci")) {
			pci_probe(devs[i].bdf);
			if (pci_driver_name(devs[i].bdf, drv, sizeof(drv)) ||
			    strcmp(drv, "vfio-pci")) {
				if (!ret)
					snprintf(why, len,
						 "%s not back on vfio-pci",
						 devs[i].bdf);
				ret = ret ? ret : -ENODEV;
			}
		}
	}
	return ret;
}

static bool debug_kernel(void)
{
	struct utsname u;
	size_t n;

	if (uname(&u))
		return false;
	n = strlen(u.release);
	return n > 6 && !strcmp(u.release + n - 6, "-debug");
}

static void print_usage(const char *prog)
{
	fprintf(stderr, "%s [--seed N] [--seconds N] [--procs N]", prog);
	fprintf(stderr, " [--threads N] [--verbose]\n");
	exit(2);
}

/*
 * Without arguments, the options of a file (run-fuzz.sh puts one into
 * the guest's /data): the testbed starts every program with none.
 */
static char **args_from_file(int *argc, char **argv)
{
	static char buf[512], *args[16];
	char *tok, *save = NULL, path[PATH_MAX];
	const char *name = strrchr(argv[0], '/');
	int n = 1;

	snprintf(path, sizeof(path), "/data/%s.args", name ? name + 1 : argv[0]);
	if (*argc > 1 || sysfs_read_line(path, buf, sizeof(buf)))
		return argv;
	args[0] = argv[0];
	for (tok = strtok_r(buf, " \t", &save); tok && n < 15;
	     tok = strtok_r(NULL, " \t", &save))
		args[n++] = tok;
	args[n] = NULL;
	*argc = n;
	return args;
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "procs", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "ops", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct timespec ts;
	int c;

	clock_gettime(CLOCK_REALTIME, &ts);
	opt_seed = mix64((uint64_t)ts.tv_sec ^ ((uint64_t)ts.tv_nsec << 20) ^
			 (uint64_t)getpid());
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt_seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			opt_seconds = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'p':
			opt_procs = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'T':
			opt_threads = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'v':
			opt_verbose = true;
			break;
		case 'o':
			opt_ops = optarg;
			break;
		default:
			print_usage(argv[0]);
		}
	}
	if (!opt_procs || opt_procs > MAX_PROCS || !opt_threads ||
	    opt_threads > MAX_THREADS)
		print_usage(argv[0]);
	if (!opt_seconds)
		opt_seconds = debug_kernel() ? 360 :
			      vfio_test_reference() ? 25 : 40;
}

static void print_counts(void)
{
	unsigned int op;

	for (op = 0; op < NR_OPS; op++)
		ksft_print_msg("%-18s %10llu calls %10llu succeeded\n",
			       op_table[op].name,
			       (unsigned long long)atomic_load(&sh->calls[op]),
			       (unsigned long long)atomic_load(&sh->succ[op]));
	ksft_print_msg("forks %u, SIGKILLs %u\n", atomic_load(&sh->forks),
		       atomic_load(&sh->kills));
}

int main(int argc, char **argv)
{
	pthread_mutexattr_t ma;
	struct rng r;
	long long pins_before = 0, pins_after = 0;
	unsigned int i, gen = 0;
	uint64_t start, next_kill;
	bool gone, have_pins;
	char why[256];
	long vmlck;
	int ret;

	argv = args_from_file(&argc, argv);
	parse_args(argc, argv);
	/* In reference mode no two tasks share a container (see the top) */
	if (vfio_test_reference())
		opt_threads = 1;
	ksft_print_header();
	ksft_set_plan(6);
	ksft_print_msg("seed %llu, %u s, %u processes x %u threads%s\n",
		       opt_seed, opt_seconds, opt_procs, opt_threads,
		       vfio_test_reference() ? ", no fork (reference)" : "");
	if (discover()) {
		for (i = 0; i < 6; i++)
			ksft_test_result_skip("no device bound to vfio-pci to fuzz\n");
		ksft_finished();
	}
	for (i = 0; i < NR_OPS; i++) {
		char key[32];

		op_weight[i] = op_table[i].weight;
		snprintf(key, sizeof(key), ",%s,", op_table[i].name);
		if ((opt_ops && !strstr(opt_ops, key)) ||
		    (i == OP_FORK && vfio_test_reference()))
			op_weight[i] = 0;
		total_weight += op_weight[i];
	}
	if (!total_weight)
		ksft_exit_fail_msg("--ops ,name,name, selects no operation\n");
	log_kernel("vfio_fuzz: seed %llu ops %s\n", opt_seed, opt_ops ? opt_ops : "all");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&sh->edu_lock, &ma);
	have_pins = !foll_pins(&pins_before);
	/* orphans of killed workers come to us, to be reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	fflush(stdout);

	r.s = mix64(opt_seed) | 1;
	trng = &r;
	start = now_ms();
	deadline_ms = start + opt_seconds * 1000ULL;
	for (i = 0; i < opt_procs; i++)
		spawn_worker(i, opt_seed ^ ((uint64_t)i << 32));
	next_kill = start + 200 + rn(1500);
	while (now_ms() < deadline_ms) {
		usleep(20000);
		reap_all(true, &gen);
		if (now_ms() >= next_kill) {
			pid_t pid = atomic_load(&sh->pids[rn(opt_procs)]);

			if (pid > 0 && !kill(pid, SIGKILL))
				atomic_fetch_add(&sh->kills, 1);
			next_kill = now_ms() + 200 + rn(1500);
		}
	}
	gone = stop_all(debug_kernel() ? 120 : 60);
	ksft_print_msg("ran %llu ms, %u worker generations\n",
		       (unsigned long long)(now_ms() - start), gen + opt_procs);
	print_counts();

	if (atomic_load(&sh->anomalies))
		ksft_print_msg("first anomaly: %s\n", sh->anomaly);
	ksft_test_result(!atomic_load(&sh->crashes) &&
			 !atomic_load(&sh->anomalies),
			 "fuzz (%u crashes, %u anomalies, seed %llu)\n",
			 atomic_load(&sh->crashes),
			 atomic_load(&sh->anomalies), opt_seed);

	ksft_test_result(gone && !fuzzer_processes(), "no_process_left\n");

	if (!have_pins) {
		ksft_test_result_skip("no_pins_left: no FOLL_PIN counters in /proc/vmstat\n");
	} else {
		ret = pins_settle(pins_before, &pins_after, 10000);
		ksft_print_msg("pinned pages system wide: %lld before, %lld after\n",
			       pins_before, pins_after);
		ksft_test_result(!ret && pins_after <= pins_before,
				 "no_pins_left\n");
	}

	vmlck = vmlck_total();
	ksft_test_result(vmlck == 0, "no_locked_memory (VmLck %ld kB)\n",
			 vmlck);

	ksft_test_result(check_groups(), "groups_reopen\n");

	why[0] = '\0';
	ret = reload_modules(why, sizeof(why));
	if (ret == -ENOENT)
		ksft_test_result_skip("modules_reload: %s\n", why);
	else
		ksft_test_result(!ret, "modules_reload%s%s\n", ret ? ": " : "",
				 why);
	ksft_finished();
}
