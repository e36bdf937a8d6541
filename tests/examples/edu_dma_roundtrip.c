// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu_dma_roundtrip - the whole path a VFIO user program takes, shown on
 * QEMU's "edu" teaching device (PCI 1234:11e8) bound to vfio-pci:
 *
 *   container -> group -> SET_CONTAINER -> SET_IOMMU -> GET_DEVICE_FD
 *   -> bus master on -> mmap BAR0 -> MAP_DMA -> edu DMA RAM -> device
 *   -> RAM -> compare -> MSI through an eventfd -> UNMAP_DMA
 *
 * Usage: edu_dma_roundtrip [<PCI name, e.g. 0000:00:03.0>]
 * Without an argument the first edu device in sysfs is used.
 * Prints every step; exits 0 on success, 1 on the first failure.
 *
 * It needs only libc and <linux/vfio.h>, and runs the same on the kernel's
 * own VFIO modules and on any drop-in replacement.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
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

/*
 * edu registers (QEMU hw/misc/edu.c), offsets into BAR0.  The DMA
 * registers are 64 bits wide, but edu also takes 32-bit accesses, and all
 * our addresses are below 4 GiB: 32-bit accesses work on every QEMU.
 */
#define EDU_REG_ID		0x00
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_ID_VALUE		0x010000edU
#define EDU_DMA_START		0x1
#define EDU_DMA_TO_RAM		0x2
#define EDU_DMA_BUF		0x40000ULL	/* device-side buffer address */

#define BUF_SIZE	(2ULL << 20)	/* our DMA buffer: 2 MiB */
#define BUF_IOVA	(16ULL << 20)	/* below edu's 28-bit DMA limit */
#define DST_OFF		(1ULL << 20)	/* where the data comes back */
#define XFER_LEN	2048U		/* QEMU 7.2 aborts on 4096 */
#define TIMEOUT_MS	5000

/* Everything the program opens, so that cleanup() can undo it. */
struct state {
	int container, group, device, efd;
	volatile uint8_t *bar0;
	uint64_t bar0_size;
	uint8_t *buf;
	int mapped;
};

static void step(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("* ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

/* Prints the failed step with errno and returns 1 (the exit status). */
static int fail(const char *what)
{
	printf("FAILED: %s: %s (errno %d)\n", what, strerror(errno), errno);
	printf("edu DMA round trip through the IOMMU: FAILED\n");
	return 1;
}

static uint32_t rd32(struct state *st, unsigned int reg)
{
	return *(volatile uint32_t *)(st->bar0 + reg);
}

static void wr32(struct state *st, unsigned int reg, uint32_t val)
{
	*(volatile uint32_t *)(st->bar0 + reg) = val;
}

/* Reads the last component of a sysfs symlink, e.g. the group number. */
static int link_name(const char *dev, const char *link, char *out, size_t n)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t len;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dev, link);
	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0)
		return -1;
	target[len] = '\0';
	snprintf(out, n, "%s", basename(target));
	return 0;
}

static unsigned long read_id(const char *dev, const char *attr)
{
	char path[PATH_MAX], text[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dev, attr);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	return strtoul(text, NULL, 0);
}

/* Finds the first edu device; returns 0 and its PCI name in @bdf. */
static int find_edu(char *bdf, size_t n)
{
	struct dirent *de;
	int ret = -1;
	DIR *d;

	d = opendir("/sys/bus/pci/devices");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (read_id(de->d_name, "vendor") == 0x1234 &&
		    read_id(de->d_name, "device") == 0x11e8) {
			snprintf(bdf, n, "%s", de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Starts one edu DMA and polls the command register until it is done. */
static int edu_dma(struct state *st, uint32_t src, uint32_t dst,
		   uint32_t cmd)
{
	uint64_t deadline;

	wr32(st, EDU_REG_DMA_SRC, src);
	wr32(st, EDU_REG_DMA_DST, dst);
	wr32(st, EDU_REG_DMA_COUNT, XFER_LEN);
	wr32(st, EDU_REG_DMA_CMD, cmd | EDU_DMA_START);

	deadline = now_ms() + TIMEOUT_MS;
	while (rd32(st, EDU_REG_DMA_CMD) & EDU_DMA_START) {
		if (now_ms() > deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(1000);
	}
	return 0;
}

/* Sets PCI_COMMAND_MEMORY and _MASTER through the config region. */
static int bus_master_on(struct state *st)
{
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint16_t cmd;

	if (ioctl(st->device, VFIO_DEVICE_GET_REGION_INFO, &cfg))
		return -1;
	if (pread(st->device, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		return -1;
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(st->device, &cmd, 2, cfg.offset + PCI_COMMAND) != 2)
		return -1;
	return 0;
}

/* Routes MSI vector 0 to @efd, or turns MSI off when @efd is -1. */
static int set_msi(struct state *st, int32_t efd)
{
	char raw[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)raw;

	memset(raw, 0, sizeof(raw));
	set->argsz = sizeof(raw);
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	if (efd >= 0) {
		set->flags = VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 1;
		memcpy(set->data, &efd, sizeof(efd));
	} else {
		set->flags = VFIO_IRQ_SET_DATA_NONE |
			     VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 0;
	}
	return ioctl(st->device, VFIO_DEVICE_SET_IRQS, set);
}

static int open_chain(struct state *st, const char *bdf)
{
	char group[32], path[64], driver[64];

	if (link_name(bdf, "driver", driver, sizeof(driver)) ||
	    strcmp(driver, "vfio-pci")) {
		errno = ENODEV;
		return fail("the device is not bound to vfio-pci");
	}

	step("open /dev/vfio/vfio (a new container)");
	st->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (st->container < 0)
		return fail("open /dev/vfio/vfio");
	if (ioctl(st->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(st->container, VFIO_CHECK_EXTENSION,
		  VFIO_TYPE1v2_IOMMU) != 1) {
		errno = ENOTSUP;
		return fail("VFIO API version or TYPE1v2 support");
	}

	if (link_name(bdf, "iommu_group", group, sizeof(group)))
		return fail("find the device's iommu_group in sysfs");
	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	step("open %s (the group of %s)", path, bdf);
	st->group = open(path, O_RDWR | O_CLOEXEC);
	if (st->group < 0)
		return fail(path);

	step("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(st->group, VFIO_GROUP_SET_CONTAINER, &st->container))
		return fail("VFIO_GROUP_SET_CONTAINER");
	step("VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU)");
	if (ioctl(st->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return fail("VFIO_SET_IOMMU");
	step("VFIO_GROUP_GET_DEVICE_FD(\"%s\")", bdf);
	st->device = ioctl(st->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (st->device < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD");
	return 0;
}

static int map_bar0(struct state *st)
{
	struct vfio_region_info bar0 = {
		.argsz = sizeof(bar0),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	void *p;

	step("turn on memory decoding and bus mastering (PCI_COMMAND)");
	if (bus_master_on(st))
		return fail("write PCI_COMMAND through the config region");

	if (ioctl(st->device, VFIO_DEVICE_GET_REGION_INFO, &bar0))
		return fail("VFIO_DEVICE_GET_REGION_INFO(BAR0)");
	step("mmap BAR0 (%llu bytes at region offset 0x%llx)",
	     (unsigned long long)bar0.size, (unsigned long long)bar0.offset);
	if (!(bar0.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		errno = ENOTSUP;
		return fail("BAR0 is not mmap()able");
	}
	p = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 st->device, bar0.offset);
	if (p == MAP_FAILED)
		return fail("mmap BAR0");
	st->bar0 = p;
	st->bar0_size = bar0.size;

	step("edu id register: 0x%08x", rd32(st, EDU_REG_ID));
	if (rd32(st, EDU_REG_ID) != EDU_ID_VALUE) {
		errno = ENODEV;
		return fail("unexpected edu id");
	}
	return 0;
}

static int dma_round_trip(struct state *st)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.iova = BUF_IOVA,
		.size = BUF_SIZE,
	};
	unsigned int i;
	void *p;

	p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail("mmap the DMA buffer");
	st->buf = p;

	map.vaddr = (uintptr_t)st->buf;
	step("VFIO_IOMMU_MAP_DMA: %llu bytes at IOVA 0x%llx",
	     (unsigned long long)map.size, (unsigned long long)map.iova);
	if (ioctl(st->container, VFIO_IOMMU_MAP_DMA, &map))
		return fail("VFIO_IOMMU_MAP_DMA");
	st->mapped = 1;

	for (i = 0; i < XFER_LEN; i++) {
		st->buf[i] = (uint8_t)(i * 7 + 3);
		st->buf[DST_OFF + i] = 0;
	}

	step("edu DMA: %u bytes RAM (IOVA 0x%llx) -> device buffer", XFER_LEN,
	     BUF_IOVA);
	if (edu_dma(st, BUF_IOVA, EDU_DMA_BUF, 0))
		return fail("DMA RAM -> device");
	step("edu DMA: %u bytes device buffer -> RAM (IOVA 0x%llx)", XFER_LEN,
	     BUF_IOVA + DST_OFF);
	if (edu_dma(st, EDU_DMA_BUF, BUF_IOVA + DST_OFF, EDU_DMA_TO_RAM))
		return fail("DMA device -> RAM");

	step("compare the bytes that came back");
	if (memcmp(st->buf, st->buf + DST_OFF, XFER_LEN)) {
		errno = EIO;
		return fail("data differs after the round trip");
	}
	return 0;
}

static int msi(struct state *st)
{
	struct vfio_irq_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_MSI_IRQ_INDEX,
	};
	struct pollfd pfd;
	uint64_t count;
	int ret;

	if (ioctl(st->device, VFIO_DEVICE_GET_IRQ_INFO, &info))
		return fail("VFIO_DEVICE_GET_IRQ_INFO(MSI)");
	step("MSI: %u vector(s), eventfd %ssupported", info.count,
	     info.flags & VFIO_IRQ_INFO_EVENTFD ? "" : "not ");

	st->efd = eventfd(0, EFD_CLOEXEC);
	if (st->efd < 0)
		return fail("eventfd");
	step("VFIO_DEVICE_SET_IRQS: MSI vector 0 -> eventfd");
	if (set_msi(st, st->efd))
		return fail("VFIO_DEVICE_SET_IRQS(MSI, eventfd)");

	step("raise an edu interrupt and wait for it on the eventfd");
	wr32(st, EDU_REG_IRQ_RAISE, 1);
	pfd.fd = st->efd;
	pfd.events = POLLIN;
	ret = poll(&pfd, 1, TIMEOUT_MS);
	if (ret <= 0) {
		if (!ret)
			errno = ETIMEDOUT;
		return fail("wait for the MSI");
	}
	if (read(st->efd, &count, sizeof(count)) != sizeof(count))
		return fail("read the eventfd");
	step("got %llu interrupt(s); irq status 0x%x, acknowledging",
	     (unsigned long long)count, rd32(st, EDU_REG_IRQ_STATUS));
	wr32(st, EDU_REG_IRQ_ACK, 1);

	step("VFIO_DEVICE_SET_IRQS: MSI off");
	if (set_msi(st, -1))
		return fail("VFIO_DEVICE_SET_IRQS(MSI, none)");
	return 0;
}

static int unmap(struct state *st)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = BUF_IOVA,
		.size = BUF_SIZE,
	};

	step("VFIO_IOMMU_UNMAP_DMA at IOVA 0x%llx", BUF_IOVA);
	if (ioctl(st->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return fail("VFIO_IOMMU_UNMAP_DMA");
	st->mapped = 0;
	step("unmapped %llu bytes", (unsigned long long)unmap.size);
	if (unmap.size != BUF_SIZE) {
		errno = EIO;
		return fail("unexpected unmapped size");
	}
	return 0;
}

/* Closing the files would undo everything too; this shows the order. */
static void cleanup(struct state *st)
{
	if (st->efd >= 0)
		close(st->efd);
	if (st->bar0)
		munmap((void *)st->bar0, st->bar0_size);
	if (st->device >= 0)
		close(st->device);
	if (st->group >= 0)
		close(st->group);
	if (st->container >= 0)
		close(st->container);
	if (st->buf)
		munmap(st->buf, BUF_SIZE);
}

int main(int argc, char **argv)
{
	struct state st = {
		.container = -1, .group = -1, .device = -1, .efd = -1,
	};
	char bdf[256];
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2) {
		fprintf(stderr, "usage: %s [<PCI name of an edu device>]\n",
			argv[0]);
		return 1;
	}
	if (argc == 2) {
		snprintf(bdf, sizeof(bdf), "%s", argv[1]);
	} else if (find_edu(bdf, sizeof(bdf))) {
		errno = ENODEV;
		return fail("no edu device (1234:11e8) found in sysfs");
	}
	step("using edu device %s", bdf);

	ret = open_chain(&st, bdf);
	if (!ret)
		ret = map_bar0(&st);
	if (!ret)
		ret = dma_round_trip(&st);
	if (!ret)
		ret = msi(&st);
	if (!ret)
		ret = unmap(&st);
	cleanup(&st);
	if (!ret)
		printf("edu DMA round trip through the IOMMU: OK\n");
	return ret;
}
