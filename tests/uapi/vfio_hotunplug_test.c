// SPDX-License-Identifier: GPL-2.0-only
/*
 * Surprise-free hot-unplug of a device that user space holds: the outer
 * QEMU removes the testbed's pci-testdev (1b36:0005, QEMU id "hotdev",
 * alone on a hot-pluggable PCIe root port) while this program has its
 * container, group and device open, a DMA mapping in the container, its
 * BAR0 mmap()ed and an eventfd on the REQ interrupt index.
 *
 * The request goes out through the testbed's request channel: the line
 * "device_del hotdev" written to the guest's ttyS2 is relayed to QEMU's
 * monitor (tests/testbed/qmp-relay.py).  QEMU 7.2's q35 signals the
 * unplug through ACPI (the guest's acpiphp runs the root port's slot; a
 * pciehp slot would add a 5 s attention-button delay), and the guest
 * removes the device: vfio-pci's remove() waits for the user and, as in
 * 6.1's vfio_unregister_group_dev(), asks for the device back through
 * REQ at once and again every 10 seconds.  QEMU reports DEVICE_DELETED
 * (in the run's qmp.log) only once the guest has let the device go.
 *
 * A BAR mapping holds the device file (the vma's vm_file), so closing
 * the device fd alone does not release the device: it stays present and
 * REQ keeps firing until the mapping goes too.  No access through a BAR
 * mapping can therefore reach a removed device; the program unmaps
 * before the removal can complete, as any user must.  Once every device
 * reference is gone the device leaves /sys/bus/pci/devices and its group
 * node /dev/vfio/<group> disappears (both in 6.1 and ours, even while
 * the group fd is still open); after the group and container are closed
 * VmLck is back where it started.
 *
 * Variant sysfs_remove takes the same kernel path (pci_stop_and_remove_
 * bus_device(), remove(), the REQ loop) through the device's sysfs
 * "remove" file instead, for kernels without a PCI hotplug driver: the
 * testbed's debug kernel has neither pciehp nor acpiphp, so there QEMU's
 * device_del never reaches the guest.  It restores the device afterwards
 * (bus rescan, bound to vfio-pci again).
 *
 * One shot per boot: device_del removes the device for good, and the
 * variant that runs second then finds no pci-testdev and skips.  Skips
 * when the pci-testdev is not bound to vfio-pci, or (device_del) its slot
 * has no hotplug driver or the request channel is absent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define TESTDEV_VENDOR		0x1b36
#define TESTDEV_DEVICE		0x0005
#define REQUEST_TTY		"/dev/ttyS2"
#define UNPLUG_REQUEST		"device_del hotdev\n"

/* acpiphp acts at once, pciehp after 5 s; TCG is slow. */
#define FIRST_REQ_MS		30000
/* The core asks again every 10 s. */
#define NEXT_REQ_MS		20000
/* How long a held device must stay put after a close that keeps it held */
#define STILL_HELD_MS		1500
#define GONE_MS			30000
#define VMLCK_MS		5000

#define DMA_IOVA		0x100000ULL
#define DMA_SIZE		(1ULL << 20)

FIXTURE(hotunplug) {
	struct edu_location loc;
	struct vfio_session s;
	void *bar;
	uint64_t bar_size;
	void *dma;
	int req;
	long vmlck_start;
	char sysfs[512];
	char node[64];
	pid_t child;
};

/*
 * How the device goes: device_del asks the outer QEMU to unplug it (the
 * hardware goes away); sysfs_remove writes its sysfs "remove" file from
 * a child, the same kernel path without the hardware going, for kernels
 * without a PCI hotplug driver (the debug kernel has neither pciehp nor
 * acpiphp).  The device is gone after either, so the second variant to
 * run finds no pci-testdev and skips; sysfs_remove brings the function
 * back with a bus rescan and binds it to vfio-pci again.
 */
FIXTURE_VARIANT(hotunplug) {
	bool device_del;
};

FIXTURE_VARIANT_ADD(hotunplug, device_del) {
	.device_del = true,
};

FIXTURE_VARIANT_ADD(hotunplug, sysfs_remove) {
	.device_del = false,
};

/* Whether a hotplug driver (power file) runs the slot of PCI device @bdf. */
static bool hotplug_slot(const char *bdf)
{
	char path[PATH_MAX], addr[64];
	struct dirent *de;
	bool found = false;
	DIR *dir;

	dir = opendir("/sys/bus/pci/slots");
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/slots/%s/address",
			 de->d_name);
		/* "dddd:bb:ss" is the start of "dddd:bb:ss.f" */
		if (sysfs_read_line(path, addr, sizeof(addr)) ||
		    strncmp(addr, bdf, strlen(addr)) || bdf[strlen(addr)] != '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/slots/%s/power",
			 de->d_name);
		found = !access(path, F_OK);
	}
	closedir(dir);
	return found;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits up to @ms for @pid; its wait status, or -1 on timeout. */
static int wait_child(pid_t pid, int ms)
{
	long long start = now_ms();
	int status;

	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (now_ms() - start > ms)
			return -1;
		usleep(20 * 1000);
	}
	return status;
}

FIXTURE_SETUP(hotunplug)
{
	char why[512];

	vfio_session_init(&self->s);
	self->bar = MAP_FAILED;
	self->dma = MAP_FAILED;
	self->req = -1;
	self->child = -1;
	if (vfio_pci_find(TESTDEV_VENDOR, TESTDEV_DEVICE, "pci-testdev",
			  &self->loc, why, sizeof(why)))
		SKIP(return, "%s (removed by an earlier test in this boot?)",
		     why);
	if (variant->device_del && !hotplug_slot(self->loc.bdf))
		SKIP(return, "no PCI hotplug driver runs the slot of %s",
		     self->loc.bdf);
	if (variant->device_del && access(REQUEST_TTY, W_OK))
		SKIP(return, "no request channel %s: %s", REQUEST_TTY,
		     strerror(errno));
	snprintf(self->sysfs, sizeof(self->sysfs), "/sys/bus/pci/devices/%s",
		 self->loc.bdf);
	snprintf(self->node, sizeof(self->node), "/dev/vfio/%d",
		 self->loc.group_id);
	self->vmlck_start = proc_vmlck_kb(getpid());
	ASSERT_LE(0, self->vmlck_start);
}

FIXTURE_TEARDOWN(hotunplug)
{
	if (self->bar != MAP_FAILED)
		munmap(self->bar, self->bar_size);
	if (self->req >= 0)
		close(self->req);
	vfio_session_close(&self->s);
	if (self->dma != MAP_FAILED)
		munmap(self->dma, DMA_SIZE);
	if (self->child > 0 && wait_child(self->child, GONE_MS) == -1) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	/* sysfs_remove: the function comes back on a rescan. */
	if (!variant->device_del && self->loc.bdf[0] &&
	    access(self->sysfs, F_OK)) {
		sysfs_write_str("/sys/bus/pci/rescan", "1");
		if (pci_bind(self->loc.bdf, "vfio-pci"))
			TH_LOG("%s not back on vfio-pci after a rescan",
			       self->loc.bdf);
	}
}

/* Waits up to @ms for @path to vanish; its age in ms, or -1 if it stays. */
static long long wait_gone(const char *path, int ms)
{
	long long start = now_ms();

	while (!access(path, F_OK)) {
		if (now_ms() - start > ms)
			return -1;
		usleep(50 * 1000);
	}
	return now_ms() - start;
}

/* Waits up to @ms for the REQ eventfd; the count read, 0 if it stayed quiet. */
static uint64_t req_wait(int efd, int ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t count = 0;

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	if (read(efd, &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

/* Waits up to @ms for VmLck to read @want kB; the last value read. */
static long vmlck_wait(long want, int ms)
{
	long long start = now_ms();
	long kb;

	for (;;) {
		kb = proc_vmlck_kb(getpid());
		if (kb == want || now_ms() - start > ms)
			return kb;
		usleep(50 * 1000);
	}
}

/* Asks the outer QEMU to device_del the pci-testdev; 0 or -errno. */
static int request_unplug(void)
{
	size_t len = strlen(UNPLUG_REQUEST);
	int fd, ret = 0;

	fd = open(REQUEST_TTY, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, UNPLUG_REQUEST, len) != (ssize_t)len)
		ret = -EIO;
	if (tcdrain(fd))
		ret = ret ?: -errno;
	close(fd);
	return ret;
}

/*
 * Writes 1 to @sysfs/remove in a child, which first lets go of its
 * copies of everything that holds the device (the BAR mapping and the
 * files); the write returns once the removal is complete.  The child's
 * pid, or -errno.
 */
static pid_t remove_in_child(const char *sysfs, void *bar, size_t bar_size,
			     struct vfio_session *s, int req)
{
	char path[PATH_MAX];
	pid_t pid;

	pid = fork();
	if (pid)
		return pid < 0 ? -errno : pid;
	munmap(bar, bar_size);
	close(req);
	vfio_session_close(s);
	snprintf(path, sizeof(path), "%s/remove", sysfs);
	_exit(sysfs_write_str(path, "1") ? 1 : 0);
}

/* The first memory BAR that can be mmap()ed, or -1. */
static int mappable_bar(int device, struct vfio_region_info *info)
{
	uint32_t i;

	for (i = VFIO_PCI_BAR0_REGION_INDEX; i <= VFIO_PCI_BAR5_REGION_INDEX;
	     i++) {
		if (vfio_region_get_info(device, i, info))
			continue;
		if (info->size && (info->flags & VFIO_REGION_INFO_FLAG_MMAP))
			return i;
	}
	return -1;
}

/* The vendor id as the device fd's config region reads it, or -1. */
static int config_vendor(int device)
{
	struct vfio_region_info cfg;
	uint16_t vendor;

	if (vfio_region_get_info(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg))
		return -1;
	if (vfio_region_read(device, &cfg, 0, &vendor, sizeof(vendor)))
		return -1;
	return vendor;
}

TEST_F_TIMEOUT(hotunplug, remove_while_held, 200)
{
	struct vfio_region_info bar_info;
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };
	struct vfio_group_status gstatus = { .argsz = sizeof(gstatus) };
	uint32_t before, after, pread_val;
	long long t0, t_req, waited;
	long vmlck_mapped, vmlck;
	const char *step;
	uint64_t count;
	int32_t efd;
	int ret, bar, status;

	RETURN_IF_SETUP_SKIPPED();

	ret = vfio_session_open(&self->s, &self->loc, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	ASSERT_EQ(TESTDEV_VENDOR, config_vendor(self->s.device));

	/* Something for the removal to clean up: pinned, accounted pages. */
	self->dma = anon_alloc(DMA_SIZE);
	ASSERT_NE(MAP_FAILED, self->dma);
	ret = vfio_dma_map(self->s.container, self->dma, DMA_IOVA, DMA_SIZE,
			   VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA: %s", strerror(-ret));
	vmlck_mapped = proc_vmlck_kb(getpid());
	ASSERT_LE(self->vmlck_start + (long)(DMA_SIZE >> 10), vmlck_mapped)
		TH_LOG("VmLck %ld kB before, %ld kB with 1 MiB mapped",
		       self->vmlck_start, vmlck_mapped);

	/* A BAR mapping, read through both the mapping and the fd. */
	ASSERT_EQ(0, vfio_pci_set_command(self->s.device, PCI_COMMAND_MEMORY));
	bar = mappable_bar(self->s.device, &bar_info);
	ASSERT_LE(0, bar) TH_LOG("pci-testdev has no mappable BAR");
	self->bar = vfio_region_mmap(self->s.device, &bar_info);
	ASSERT_NE(MAP_FAILED, self->bar) TH_LOG("mmap BAR%d: %s", bar,
						strerror(errno));
	self->bar_size = bar_info.size;
	before = *(volatile uint32_t *)self->bar;
	ASSERT_EQ(0, vfio_region_read(self->s.device, &bar_info, 0, &pread_val,
				      sizeof(pread_val)));
	ASSERT_EQ(before, pread_val);

	/* REQ: one vector, eventfd trigger. */
	irq.index = VFIO_PCI_REQ_IRQ_INDEX;
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_IRQ_INFO, &irq))
		TH_LOG("GET_IRQ_INFO(REQ): %s", strerror(errno));
	ASSERT_EQ(1, irq.count);
	self->req = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->req);
	efd = self->req;
	ret = vfio_irq_set_eventfds(self->s.device, VFIO_PCI_REQ_IRQ_INDEX,
				    VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &efd);
	ASSERT_EQ(0, ret) TH_LOG("SET_IRQS(REQ): %s", strerror(-ret));
	ASSERT_EQ(0, req_wait(self->req, 0)) TH_LOG("REQ before any request");

	/* The host takes the device away; the kernel asks for it back. */
	t0 = now_ms();
	if (variant->device_del) {
		ret = request_unplug();
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", REQUEST_TTY,
					 strerror(-ret));
	} else {
		self->child = remove_in_child(self->sysfs, self->bar,
					      self->bar_size, &self->s,
					      self->req);
		ASSERT_LT(0, self->child);
	}
	count = req_wait(self->req, FIRST_REQ_MS);
	t_req = now_ms();
	ASSERT_LE(1, count) TH_LOG("no REQ within %d ms of the removal",
				   FIRST_REQ_MS);
	TH_LOG("REQ %llu ms after the removal began", t_req - t0);

	/* While held, the device stays, and so does its hardware. */
	EXPECT_EQ(0, access(self->sysfs, F_OK));
	EXPECT_EQ(0, access(self->node, F_OK));
	EXPECT_EQ(TESTDEV_VENDOR, config_vendor(self->s.device));
	after = *(volatile uint32_t *)self->bar;
	EXPECT_EQ(before, after);

	/*
	 * Closing the device fd with BAR0 still mapped releases nothing:
	 * the mapping holds the file, REQ keeps coming, the device stays.
	 */
	close(self->s.device);
	self->s.device = -1;
	usleep(STILL_HELD_MS * 1000);
	EXPECT_EQ(0, access(self->sysfs, F_OK))
		TH_LOG("removed while BAR%d was still mapped", bar);
	count = req_wait(self->req, NEXT_REQ_MS);
	EXPECT_LE(1, count) TH_LOG("no second REQ within %d ms", NEXT_REQ_MS);
	if (count)
		TH_LOG("second REQ %llu ms after the first", now_ms() - t_req);
	EXPECT_EQ(0, access(self->sysfs, F_OK));
	after = *(volatile uint32_t *)self->bar;
	EXPECT_EQ(before, after);

	/* The mapping was the last reference: the removal completes. */
	ASSERT_EQ(0, munmap(self->bar, self->bar_size));
	self->bar = MAP_FAILED;
	waited = wait_gone(self->sysfs, GONE_MS);
	ASSERT_LE(0, waited) TH_LOG("%s still there %d ms after the munmap",
				    self->sysfs, GONE_MS);
	TH_LOG("device gone %lld ms after the munmap", waited);
	if (self->child > 0) {
		status = wait_child(self->child, GONE_MS);
		self->child = -1;
		EXPECT_EQ(0, status) TH_LOG("remove writer: status 0x%x",
					    status);
	}
	/* The group node goes with its last device, group fd open or not. */
	waited = wait_gone(self->node, GONE_MS);
	EXPECT_LE(0, waited) TH_LOG("%s still there", self->node);
	/*
	 * As in 6.1, the group leaves its container when its last device
	 * goes: the mapping is unpinned and unaccounted with the group and
	 * container files still open.
	 */
	vmlck = vmlck_wait(self->vmlck_start, VMLCK_MS);
	EXPECT_EQ(self->vmlck_start, vmlck)
		TH_LOG("VmLck %ld kB before, %ld kB mapped, %ld kB after the removal",
		       self->vmlck_start, vmlck_mapped, vmlck);

	/*
	 * The group file lives on, orphaned: no IOMMU group behind it
	 * (ENODEV); the container it left has no IOMMU backend any more,
	 * so it maps nothing (EINVAL, as for a container never set up).
	 */
	EXPECT_EQ(-1, ioctl(self->s.group, VFIO_GROUP_GET_STATUS, &gstatus));
	EXPECT_EQ(ENODEV, errno);
	ret = vfio_dma_map(self->s.container, self->dma, DMA_IOVA, DMA_SIZE,
			   VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_EQ(self->vmlck_start, proc_vmlck_kb(getpid()));

	/* Everything else let go: still nothing accounted. */
	close(self->req);
	self->req = -1;
	vfio_session_close(&self->s);
	EXPECT_EQ(self->vmlck_start, vmlck_wait(self->vmlck_start, VMLCK_MS));
	munmap(self->dma, DMA_SIZE);
	self->dma = MAP_FAILED;
}

TEST_HARNESS_MAIN
