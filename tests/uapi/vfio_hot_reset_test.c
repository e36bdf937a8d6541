// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, VFIO_DEVICE_PCI_HOT_RESET and
 * VFIO_DEVICE_RESET.
 *
 * edu sits on the root bus: no slot or bus reset exists for it.  The
 * testbed's nvme (1b36:0010) sits behind a PCIe root port, alone on its
 * bus: its hot reset affects itself (and whatever else the bus holds),
 * and it has FLR for VFIO_DEVICE_RESET.  That a reset happened shows in
 * the MSI-X table (in BAR0, mappable): a PCI reset clears its entries,
 * and with MSI-X disabled the kernel does not write them back, so the
 * message data a test wrote there reads 0 again (NVMe registers such as
 * AQA survive a function reset in QEMU's model).  That the config space
 * was put back shows in the hardware config space (sysfs "config":
 * command register and BARs as before) and in BAR0 answering again
 * through the mapping made before the reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define NVME_VENDOR	0x1b36
#define NVME_DEVICE	0x0010
#define NVME_REG_VS	0x08
#define MSIX_DATA_TEST	0x1234abcdU
/* What the hot reset must put back, read from the hardware */
#define HW_CFG_START	PCI_COMMAND
#define HW_CFG_END	(PCI_BASE_ADDRESS_5 + 4)

#define INFO_MINSZ	(offsetof(struct vfio_pci_hot_reset_info, count) + \
			 sizeof(uint32_t))
#define RESET_MINSZ	(offsetof(struct vfio_pci_hot_reset, count) + \
			 sizeof(uint32_t))

/* "0000:01:00.0" into the fields of a dependent device entry */
static int parse_bdf(const char *bdf, unsigned int *seg, unsigned int *bus,
		     unsigned int *devfn)
{
	unsigned int dev, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", seg, bus, &dev, &fn) != 4)
		return -EINVAL;
	*devfn = (dev << 3) | fn;
	return 0;
}

/*
 * GET_PCI_HOT_RESET_INFO with room for @room entries; returns the
 * ioctl's result (0 or -1 with errno) and the header/entries in *@out
 * (malloc()ed, freed by the caller).
 */
static int hot_reset_info(int device, unsigned int room,
			  struct vfio_pci_hot_reset_info **out)
{
	size_t sz = sizeof(**out) +
		    room * sizeof(struct vfio_pci_dependent_device);
	struct vfio_pci_hot_reset_info *info = calloc(1, sz);

	*out = info;
	if (!info) {
		errno = ENOMEM;
		return -1;
	}
	info->argsz = sz;
	return ioctl(device, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);
}

/* PCI_HOT_RESET with @count group fds from @fds; 0 or -1 with errno. */
static int hot_reset(int device, uint32_t flags, const int32_t *fds,
		     unsigned int count)
{
	size_t sz = sizeof(struct vfio_pci_hot_reset) +
		    count * sizeof(int32_t);
	struct vfio_pci_hot_reset *req = calloc(1, sz);
	int ret, saved;

	if (!req) {
		errno = ENOMEM;
		return -1;
	}
	req->argsz = sz;
	req->flags = flags;
	req->count = count;
	if (count)
		memcpy(req->group_fds, fds, count * sizeof(int32_t));
	ret = ioctl(device, VFIO_DEVICE_PCI_HOT_RESET, req);
	saved = errno;
	free(req);
	errno = saved;
	return ret;
}

/* Hardware config space bytes [@start, @end) through sysfs. */
static int hw_config_read(const char *bdf, unsigned int start,
			  unsigned int end, uint8_t *buf)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, end - start, start);
	close(fd);
	return n == (ssize_t)(end - start) ? 0 : -EIO;
}

static uint32_t mmio_read32(volatile void *bar, unsigned int reg)
{
	return *(volatile uint32_t *)((volatile char *)bar + reg);
}

static void mmio_write32(volatile void *bar, unsigned int reg, uint32_t val)
{
	*(volatile uint32_t *)((volatile char *)bar + reg) = val;
}

/*
 * Offset in BAR0 of the message data of MSI-X table entry 0, from the
 * capability as the config region shows it; -ENOENT without MSI-X or
 * with the table in another BAR.
 */
static long msix_entry0_data(int device)
{
	struct vfio_region_info cfg;
	uint8_t pos, id;
	uint32_t table;
	int ttl = 48;

	if (vfio_region_get_info(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg) ||
	    vfio_region_read(device, &cfg, PCI_CAPABILITY_LIST, &pos, 1))
		return -EIO;
	while (pos && ttl--) {
		if (vfio_region_read(device, &cfg, pos, &id, 1))
			return -EIO;
		if (id == PCI_CAP_ID_MSIX) {
			if (vfio_region_read(device, &cfg, pos + PCI_MSIX_TABLE,
					     &table, sizeof(table)))
				return -EIO;
			if ((table & PCI_MSIX_TABLE_BIR) != 0)
				return -ENOENT;
			return (table & PCI_MSIX_TABLE_OFFSET) +
			       PCI_MSIX_ENTRY_DATA;
		}
		if (vfio_region_read(device, &cfg, pos + 1, &pos, 1))
			return -EIO;
	}
	return -ENOENT;
}

FIXTURE(edu) {
	struct vfio_session s;
};

FIXTURE_SETUP(edu)
{
	struct edu_location edu;
	const char *step;
	char why[512];
	int ret;

	vfio_session_init(&self->s);
	if (edu_find(&edu, why, sizeof(why)))
		SKIP(return, "%s", why);
	ret = vfio_session_open(&self->s, &edu, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
}

FIXTURE_TEARDOWN(edu)
{
	vfio_session_close(&self->s);
}

/* A device on the root bus has neither a slot nor a bus reset. */
TEST_F(edu, info_root_bus_enodev)
{
	struct vfio_pci_hot_reset_info *info;

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, hot_reset_info(self->s.device, 8, &info));
	EXPECT_EQ(ENODEV, errno);
	free(info);
}

TEST_F(edu, hot_reset_root_bus_enodev)
{
	int32_t fd = self->s.group;

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, hot_reset(self->s.device, 0, &fd, 1));
	EXPECT_EQ(ENODEV, errno);
}

/* edu has no reset method at all: no RESET flag, VFIO_DEVICE_RESET fails */
TEST_F(edu, no_function_reset)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_FALSE(info.flags & VFIO_DEVICE_FLAGS_RESET);
	EXPECT_EQ(-1, ioctl(self->s.device, VFIO_DEVICE_RESET));
	EXPECT_EQ(EINVAL, errno);
}

FIXTURE(nvme) {
	struct edu_location loc;
	struct vfio_session s;
	void *bar0;
	uint64_t bar0_size;
	unsigned int affected;
	long msix_data;
};

FIXTURE_SETUP(nvme)
{
	struct vfio_pci_hot_reset_info *info;
	struct vfio_region_info reg;
	const char *step;
	char why[512];
	int ret;

	vfio_session_init(&self->s);
	self->bar0 = MAP_FAILED;
	if (vfio_pci_find(NVME_VENDOR, NVME_DEVICE, "nvme", &self->loc, why,
			  sizeof(why)))
		SKIP(return, "%s", why);
	ret = vfio_session_open(&self->s, &self->loc, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));

	ret = vfio_pci_set_command(self->s.device, PCI_COMMAND_MEMORY);
	ASSERT_EQ(0, ret) TH_LOG("enable memory: %s", strerror(-ret));
	ret = vfio_region_get_info(self->s.device, VFIO_PCI_BAR0_REGION_INDEX,
				   &reg);
	ASSERT_EQ(0, ret) TH_LOG("BAR0 info: %s", strerror(-ret));
	ASSERT_TRUE(reg.flags & VFIO_REGION_INFO_FLAG_MMAP);
	self->bar0 = vfio_region_mmap(self->s.device, &reg);
	ASSERT_NE(MAP_FAILED, self->bar0) TH_LOG("mmap BAR0: %s",
						 strerror(errno));
	self->bar0_size = reg.size;
	self->msix_data = msix_entry0_data(self->s.device);
	ASSERT_LE(0, self->msix_data) TH_LOG("MSI-X table of nvme in BAR0");
	ASSERT_GT(self->bar0_size, (uint64_t)self->msix_data);

	/* The number of affected devices, for the count checks */
	ASSERT_EQ(0, hot_reset_info(self->s.device, 64, &info))
		TH_LOG("GET_PCI_HOT_RESET_INFO: %s", strerror(errno));
	self->affected = info->count;
	free(info);
	ASSERT_LE(1, self->affected);
}

FIXTURE_TEARDOWN(nvme)
{
	if (self->bar0 != MAP_FAILED)
		munmap(self->bar0, self->bar0_size);
	vfio_session_close(&self->s);
}

/* The list holds the nvme itself; each entry's group is its sysfs group. */
TEST_F(nvme, info_lists_devices)
{
	unsigned int seg, bus, devfn, i, self_seen = 0;
	struct vfio_pci_hot_reset_info *info;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, parse_bdf(self->loc.bdf, &seg, &bus, &devfn));
	ASSERT_EQ(0, hot_reset_info(self->s.device, self->affected, &info))
		TH_LOG("GET_PCI_HOT_RESET_INFO: %s", strerror(errno));
	EXPECT_EQ(0, info->flags);
	ASSERT_EQ(self->affected, info->count);
	for (i = 0; i < info->count; i++) {
		struct vfio_pci_dependent_device *d = &info->devices[i];
		char bdf[32];

		snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", d->segment,
			 d->bus, d->devfn >> 3, d->devfn & 7);
		EXPECT_EQ(pci_iommu_group(bdf), (int)d->group_id)
			TH_LOG("entry %u: %s", i, bdf);
		/* Behind a root port: never the root bus */
		EXPECT_NE(0, d->bus) TH_LOG("entry %u: %s", i, bdf);
		if (d->segment == seg && d->bus == bus && d->devfn == devfn) {
			self_seen++;
			EXPECT_EQ(self->loc.group_id, (int)d->group_id);
		}
	}
	EXPECT_EQ(1, self_seen) TH_LOG("%s listed %u times", self->loc.bdf,
				       self_seen);
	free(info);
}

/* Too small a buffer: ENOSPC and the count needed, no entry written. */
TEST_F(nvme, info_count_protocol)
{
	struct vfio_pci_hot_reset_info *info;
	unsigned int room;

	RETURN_IF_SETUP_SKIPPED();
	for (room = 0; room < self->affected; room++) {
		EXPECT_EQ(-1, hot_reset_info(self->s.device, room, &info));
		EXPECT_EQ(ENOSPC, errno) TH_LOG("room for %u", room);
		EXPECT_EQ(self->affected, info->count);
		free(info);
	}
	/* Just the header (what user space asks first): same answer */
	info = calloc(1, sizeof(*info) + sizeof(info->devices[0]));
	ASSERT_NE(NULL, info);
	info->argsz = sizeof(*info);
	EXPECT_EQ(-1, ioctl(self->s.device,
			    VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(self->affected, info->count);
	EXPECT_EQ(0, info->devices[0].group_id);
	EXPECT_EQ(0, info->devices[0].devfn);
	free(info);
	/* More room than needed is fine */
	EXPECT_EQ(0, hot_reset_info(self->s.device, self->affected + 3,
				    &info));
	EXPECT_EQ(self->affected, info->count);
	free(info);
}

TEST_F(nvme, info_short_argsz)
{
	struct vfio_pci_hot_reset_info info = { .argsz = INFO_MINSZ - 1 };

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, ioctl(self->s.device,
			    VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(nvme, hot_reset_bad_header)
{
	struct vfio_pci_hot_reset req = { .argsz = RESET_MINSZ - 1 };
	int32_t fd = self->s.group;

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, ioctl(self->s.device, VFIO_DEVICE_PCI_HOT_RESET, &req));
	EXPECT_EQ(EINVAL, errno);
	/* No flag is defined */
	EXPECT_EQ(-1, hot_reset(self->s.device, 1, &fd, 1));
	EXPECT_EQ(EINVAL, errno);
}

/* No group fd, or more than one per affected device: EINVAL */
TEST_F(nvme, hot_reset_bad_count)
{
	int32_t *fds;
	unsigned int i;

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, hot_reset(self->s.device, 0, NULL, 0));
	EXPECT_EQ(EINVAL, errno);

	fds = calloc(self->affected + 1, sizeof(*fds));
	ASSERT_NE(NULL, fds);
	for (i = 0; i <= self->affected; i++)
		fds[i] = self->s.group;
	EXPECT_EQ(-1, hot_reset(self->s.device, 0, fds, self->affected + 1));
	EXPECT_EQ(EINVAL, errno);
	free(fds);
}

/* Files that are not vfio groups: EBADF for no file, EINVAL otherwise */
TEST_F(nvme, hot_reset_not_a_group)
{
	int32_t fd;

	RETURN_IF_SETUP_SKIPPED();
	fd = -1;
	EXPECT_EQ(-1, hot_reset(self->s.device, 0, &fd, 1));
	EXPECT_EQ(EBADF, errno);
	fd = self->s.container;
	EXPECT_EQ(-1, hot_reset(self->s.device, 0, &fd, 1));
	EXPECT_EQ(EINVAL, errno);
	fd = self->s.device;
	EXPECT_EQ(-1, hot_reset(self->s.device, 0, &fd, 1));
	EXPECT_EQ(EINVAL, errno);
	fd = open("/dev/null", O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, hot_reset(self->s.device, 0, &fd, 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/* A group that holds none of the affected devices proves nothing */
TEST_F(nvme, hot_reset_wrong_group)
{
	struct edu_location edu;
	char why[512], path[64];
	int32_t fd;

	RETURN_IF_SETUP_SKIPPED();
	if (edu_find(&edu, why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_NE(self->loc.group_id, edu.group_id);
	snprintf(path, sizeof(path), "/dev/vfio/%d", edu.group_id);
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
	mmio_write32(self->bar0, self->msix_data, MSIX_DATA_TEST);
	EXPECT_EQ(-1, hot_reset(self->s.device, 0, &fd, 1));
	EXPECT_EQ(EINVAL, errno);
	/* Refused means not reset */
	EXPECT_EQ(MSIX_DATA_TEST, mmio_read32(self->bar0, self->msix_data));
	close(fd);
}

/*
 * With its group's fd the reset happens: the MSI-X entry is cleared, the
 * hardware
 * command register and BARs are what they were, the config region shows
 * what the user set, and the BAR0 mapping made before works again.
 */
TEST_F(nvme, hot_reset_restores_state)
{
	uint8_t hw_before[HW_CFG_END - HW_CFG_START];
	uint8_t hw_after[HW_CFG_END - HW_CFG_START];
	struct vfio_region_info cfg;
	uint16_t cmd_before, cmd_after;
	uint32_t vs, bar_before, bar_after;
	int32_t fd = self->s.group;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ret = vfio_region_get_info(self->s.device,
				   VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, vfio_region_read(self->s.device, &cfg, PCI_COMMAND,
				      &cmd_before, sizeof(cmd_before)));
	ASSERT_EQ(0, vfio_region_read(self->s.device, &cfg,
				      PCI_BASE_ADDRESS_0, &bar_before,
				      sizeof(bar_before)));
	ASSERT_TRUE(cmd_before & PCI_COMMAND_MEMORY);

	vs = mmio_read32(self->bar0, NVME_REG_VS);
	ASSERT_NE(0xffffffffU, vs);
	ASSERT_NE(0, vs);
	mmio_write32(self->bar0, self->msix_data, MSIX_DATA_TEST);
	ASSERT_EQ(MSIX_DATA_TEST, mmio_read32(self->bar0, self->msix_data));
	ASSERT_EQ(0, hw_config_read(self->loc.bdf, HW_CFG_START, HW_CFG_END,
				    hw_before));

	ASSERT_EQ(0, hot_reset(self->s.device, 0, &fd, 1))
		TH_LOG("PCI_HOT_RESET: %s", strerror(errno));

	ASSERT_EQ(0, hw_config_read(self->loc.bdf, HW_CFG_START, HW_CFG_END,
				    hw_after));
	/* Status (0x06) may change; command and BARs must not */
	EXPECT_EQ(0, memcmp(hw_before, hw_after, 2));
	EXPECT_EQ(0, memcmp(hw_before + PCI_BASE_ADDRESS_0 - HW_CFG_START,
			    hw_after + PCI_BASE_ADDRESS_0 - HW_CFG_START,
			    HW_CFG_END - PCI_BASE_ADDRESS_0));
	ASSERT_EQ(0, vfio_region_read(self->s.device, &cfg, PCI_COMMAND,
				      &cmd_after, sizeof(cmd_after)));
	ASSERT_EQ(0, vfio_region_read(self->s.device, &cfg,
				      PCI_BASE_ADDRESS_0, &bar_after,
				      sizeof(bar_after)));
	EXPECT_EQ(cmd_before, cmd_after);
	EXPECT_EQ(bar_before, bar_after);

	/* The old mapping faults back in onto the reset controller */
	EXPECT_EQ(vs, mmio_read32(self->bar0, NVME_REG_VS));
	EXPECT_EQ(0, mmio_read32(self->bar0, self->msix_data));
}

/* nvme has FLR: the RESET flag, and VFIO_DEVICE_RESET resets it */
TEST_F(nvme, function_reset)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint32_t vs;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_INFO, &info));
	ASSERT_TRUE(info.flags & VFIO_DEVICE_FLAGS_RESET);

	vs = mmio_read32(self->bar0, NVME_REG_VS);
	mmio_write32(self->bar0, self->msix_data, MSIX_DATA_TEST);
	ASSERT_EQ(MSIX_DATA_TEST, mmio_read32(self->bar0, self->msix_data));
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_RESET))
		TH_LOG("VFIO_DEVICE_RESET: %s", strerror(errno));
	EXPECT_EQ(vs, mmio_read32(self->bar0, NVME_REG_VS));
	EXPECT_EQ(0, mmio_read32(self->bar0, self->msix_data));
}

/* Reopens the fixture's nvme session and BAR0 mapping. */
static int nvme_reopen(struct _test_data_nvme *self, const char **step)
{
	struct vfio_region_info reg;
	int ret;

	ret = vfio_session_open(&self->s, &self->loc, true, step);
	if (ret)
		return ret;
	*step = "enable memory";
	ret = vfio_pci_set_command(self->s.device, PCI_COMMAND_MEMORY);
	if (ret)
		return ret;
	*step = "BAR0 info";
	ret = vfio_region_get_info(self->s.device, VFIO_PCI_BAR0_REGION_INDEX,
				   &reg);
	if (ret)
		return ret;
	*step = "mmap BAR0";
	self->bar0 = vfio_region_mmap(self->s.device, &reg);
	return self->bar0 == MAP_FAILED ? -errno : 0;
}

/* Closes the fixture's nvme session and BAR0 mapping. */
static void nvme_close(struct _test_data_nvme *self)
{
	if (self->bar0 != MAP_FAILED)
		munmap(self->bar0, self->bar0_size);
	self->bar0 = MAP_FAILED;
	vfio_session_close(&self->s);
}

/*
 * A device closed without a function reset (here: every reset method
 * switched off through sysfs "reset_method", so none works at open or
 * close) gets a bus reset once no device on its bus is open any more,
 * as 6.1 does: the MSI-X entry written before the close reads 0 at the
 * next open.  With the reset methods switched off, nothing else could
 * have cleared it.
 */
TEST_F(nvme, bus_reset_at_last_close)
{
	char path[512];
	const char *step;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	if (self->affected != 1)
		SKIP(return, "%d devices share the nvme's bus", self->affected);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset_method",
		 self->loc.bdf);
	nvme_close(self);
	ASSERT_EQ(0, sysfs_write_str(path, "\n"))
		TH_LOG("switching the reset methods off: %s", path);

	ret = nvme_reopen(self, &step);
	if (!ret) {
		struct vfio_device_info info = { .argsz = sizeof(info) };

		EXPECT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_INFO,
				   &info));
		EXPECT_FALSE(info.flags & VFIO_DEVICE_FLAGS_RESET);
		mmio_write32(self->bar0, self->msix_data, MSIX_DATA_TEST);
		EXPECT_EQ(MSIX_DATA_TEST,
			  mmio_read32(self->bar0, self->msix_data));
		nvme_close(self);
		ret = nvme_reopen(self, &step);
	}
	if (!ret)
		EXPECT_EQ(0, mmio_read32(self->bar0, self->msix_data))
			TH_LOG("no bus reset after the last close");
	EXPECT_EQ(0, sysfs_write_str(path, "default"));
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
}

TEST_HARNESS_MAIN
