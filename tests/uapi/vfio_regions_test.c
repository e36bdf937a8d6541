// SPDX-License-Identifier: GPL-2.0-only
/*
 * The regions of a vfio-pci device, as 6.1 reports and serves them, on
 * every device the testbed binds: edu, an e1000 (I/O-port BAR1), the
 * e1000e (MSI-X BAR3, I/O-port BAR2) and the nvme behind the root port.
 *
 * The expected answers come from the device itself: the sysfs "resource"
 * file gives each BAR's size and type, the MSI-X capability (read through
 * the config region) its BAR.  Checked: GET_REGION_INFO of every index
 * (offset, size, flags, the capability chain), pread/pwrite and mmap of
 * every region kind, BAR sizing through the virtual config space, and the
 * errno of each bad access.  The config region's contents are
 * vfio_config_test's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define NUM_BARS	6
#define RES_IO		0x100UL	/* IORESOURCE_IO in sysfs "resource" */
#define RES_MEM		0x200UL	/* IORESOURCE_MEM */
#define IDX_OFF(i)	((uint64_t)(i) << 40)	/* VFIO_PCI_INDEX_TO_OFFSET */

/* e1000's indirect register access in its I/O BAR */
#define E1000_IOADDR	0x0
#define E1000_IODATA	0x4

FIXTURE(regions) {
	struct edu_location loc;
	struct vfio_session s;
	struct vfio_region_info cfg;
	uint64_t start[7], len[7], flags[7];	/* sysfs, BAR0-5 and ROM */
	int msix_bar;				/* -1: no MSI-X */
	uint32_t msix_table;			/* table offset in it */
	long page;
	uint16_t cmd;				/* command register at setup */
};

FIXTURE_VARIANT(regions) {
	unsigned int vendor, device;
	const char *label;
	unsigned int reg;	/* a side-effect free 32-bit register, BAR0 */
	bool iodata;		/* e1000 IOADDR/IODATA in its I/O BAR */
	bool scratch;		/* BAR0 writes are harmless (edu) */
};

FIXTURE_VARIANT_ADD(regions, edu) {
	.vendor = EDU_VENDOR_ID, .device = EDU_DEVICE_ID, .label = "edu",
	.reg = EDU_REG_ID, .scratch = true,
};

/*
 * RAL0, the low half of the MAC address.  QEMU's e1000 has an I/O BAR
 * that ignores writes and reads 0; e1000e implements IOADDR/IODATA.
 */
FIXTURE_VARIANT_ADD(regions, e1000) {
	.vendor = 0x8086, .device = 0x100e, .label = "e1000",
	.reg = 0x5400,
};

FIXTURE_VARIANT_ADD(regions, e1000e) {
	.vendor = 0x8086, .device = 0x10d3, .label = "e1000e",
	.reg = 0x5400, .iodata = true,
};

/* VS, the NVMe version */
FIXTURE_VARIANT_ADD(regions, nvme) {
	.vendor = 0x1b36, .device = 0x0010, .label = "nvme",
	.reg = 0x8,
};

/* Lines 0-6 of the device's sysfs "resource" file. */
static int read_resources(const char *bdf, uint64_t *start, uint64_t *len,
			  uint64_t *flags)
{
	unsigned long long s, e, f;
	char path[512];
	FILE *fp;
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	for (i = 0; i < 7; i++) {
		if (fscanf(fp, "%llx %llx %llx", &s, &e, &f) != 3) {
			fclose(fp);
			return -EIO;
		}
		start[i] = s;
		len[i] = e ? e - s + 1 : 0;
		flags[i] = f;
	}
	fclose(fp);
	return 0;
}

static int cfg_read(struct _test_data_regions *self, unsigned int off,
		    void *buf, size_t len)
{
	return vfio_region_read(self->s.device, &self->cfg, off, buf, len);
}

static int cfg_write(struct _test_data_regions *self, unsigned int off,
		     const void *buf, size_t len)
{
	return vfio_region_write(self->s.device, &self->cfg, off, buf, len);
}

/* The MSI-X BAR and table offset, from the virtual capability chain. */
static void find_msix(struct _test_data_regions *self)
{
	uint8_t pos = 0, id;
	uint32_t table;
	int n;

	self->msix_bar = -1;
	if (cfg_read(self, PCI_CAPABILITY_LIST, &pos, 1))
		return;
	for (n = 0; pos && n < 48; n++) {
		if (cfg_read(self, pos, &id, 1))
			return;
		if (id == PCI_CAP_ID_MSIX) {
			if (cfg_read(self, pos + PCI_MSIX_TABLE, &table, 4))
				return;
			self->msix_bar = table & PCI_MSIX_TABLE_BIR;
			self->msix_table = table & PCI_MSIX_TABLE_OFFSET;
			return;
		}
		if (cfg_read(self, pos + PCI_CAP_LIST_NEXT, &pos, 1))
			return;
	}
}

FIXTURE_SETUP(regions)
{
	const char *step;
	char why[512];
	int ret;

	vfio_session_init(&self->s);
	self->cmd = 0xffff;
	self->page = sysconf(_SC_PAGESIZE);
	if (vfio_pci_find(variant->vendor, variant->device, variant->label,
			  &self->loc, why, sizeof(why)))
		SKIP(return, "%s", why);
	ret = read_resources(self->loc.bdf, self->start, self->len,
			     self->flags);
	ASSERT_EQ(0, ret) TH_LOG("sysfs resource: %s", strerror(-ret));
	ret = vfio_session_open(&self->s, &self->loc, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	ASSERT_EQ(0, vfio_region_get_info(self->s.device,
					  VFIO_PCI_CONFIG_REGION_INDEX,
					  &self->cfg));
	ASSERT_EQ(0, cfg_read(self, PCI_COMMAND, &self->cmd, 2));
	find_msix(self);
	ASSERT_EQ(0, vfio_pci_set_command(self->s.device, PCI_COMMAND_MEMORY |
					  PCI_COMMAND_IO));
}

FIXTURE_TEARDOWN(regions)
{
	if (self->s.device >= 0 && self->cmd != 0xffff)
		cfg_write(self, PCI_COMMAND, &self->cmd, 2);
	vfio_session_close(&self->s);
}

/* 6.1's vfio_pci_probe_mmaps(): memory BARs, sub-page ones if aligned. */
static bool bar_mmappable(struct _test_data_regions *self, int bar)
{
	if (!(self->flags[bar] & RES_MEM) || !self->len[bar])
		return false;
	return self->len[bar] >= (uint64_t)self->page ||
	       !(self->start[bar] & (self->page - 1));
}

static int region_info_argsz(int device, uint32_t index, uint32_t argsz,
			     struct vfio_region_info *info)
{
	memset(info, 0, argsz);
	info->argsz = argsz;
	info->index = index;
	return ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info) ? errno : 0;
}

TEST_F(regions, bar_info)
{
	struct vfio_region_info info;
	uint32_t want;
	int bar;

	RETURN_IF_SETUP_SKIPPED();
	for (bar = 0; bar < NUM_BARS; bar++) {
		ASSERT_EQ(0, vfio_region_get_info(self->s.device, bar, &info));
		EXPECT_EQ(IDX_OFF(bar), info.offset) TH_LOG("BAR%d", bar);
		EXPECT_EQ(self->len[bar], info.size) TH_LOG("BAR%d", bar);
		want = 0;
		if (self->len[bar])
			want = VFIO_REGION_INFO_FLAG_READ |
			       VFIO_REGION_INFO_FLAG_WRITE;
		if (bar_mmappable(self, bar))
			want |= VFIO_REGION_INFO_FLAG_MMAP;
		if (bar_mmappable(self, bar) && bar == self->msix_bar)
			want |= VFIO_REGION_INFO_FLAG_CAPS;
		EXPECT_EQ(want, info.flags)
			TH_LOG("BAR%d: flags 0x%x, want 0x%x (sysfs flags 0x%llx)",
			       bar, info.flags, want,
			       (unsigned long long)self->flags[bar]);
	}
}

/*
 * The MSI-X BAR: 6.1 says the table may be mmapped (MSIX_MAPPABLE) and
 * adds no sparse-mmap capability; a short argsz gets the size needed.
 */
TEST_F(regions, msix_bar_caps)
{
	uint8_t buf[sizeof(struct vfio_region_info) + 256];
	struct vfio_region_info *info = (void *)buf;
	struct vfio_info_cap_header *hdr;
	uint32_t next;
	bool msix_cap = false;
	int n;

	RETURN_IF_SETUP_SKIPPED();
	if (self->msix_bar < 0)
		SKIP(return, "%s has no MSI-X", variant->label);
	ASSERT_EQ(0, region_info_argsz(self->s.device, self->msix_bar,
				       sizeof(*info), info));
	ASSERT_TRUE(info->flags & VFIO_REGION_INFO_FLAG_CAPS);
	EXPECT_LT(sizeof(*info), info->argsz);
	EXPECT_GE(sizeof(buf), info->argsz);
	EXPECT_EQ(0, info->cap_offset);

	ASSERT_EQ(0, region_info_argsz(self->s.device, self->msix_bar,
				       sizeof(buf), info));
	EXPECT_EQ(self->len[self->msix_bar], info->size);
	next = info->cap_offset;
	EXPECT_LE(sizeof(*info), next);
	for (n = 0; next && n < 8; n++) {
		ASSERT_GE(sizeof(buf) - sizeof(*hdr), next);
		hdr = (void *)(buf + next);
		EXPECT_NE(VFIO_REGION_INFO_CAP_SPARSE_MMAP, hdr->id);
		if (hdr->id == VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) {
			msix_cap = true;
			EXPECT_EQ(1, hdr->version);
		}
		next = hdr->next;
	}
	EXPECT_TRUE(msix_cap);
}

TEST_F(regions, other_info)
{
	struct vfio_region_info info;
	char path[512];
	struct stat st;

	RETURN_IF_SETUP_SKIPPED();
	/* config: the size of the sysfs config file (256 or 4096) */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config",
		 self->loc.bdf);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(IDX_OFF(VFIO_PCI_CONFIG_REGION_INDEX), self->cfg.offset);
	EXPECT_EQ((uint64_t)st.st_size, self->cfg.size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		  self->cfg.flags);

	/* ROM: the ROM BAR's size, read-only, or 0 when there is none */
	ASSERT_EQ(0, vfio_region_get_info(self->s.device,
					  VFIO_PCI_ROM_REGION_INDEX, &info));
	EXPECT_EQ(IDX_OFF(VFIO_PCI_ROM_REGION_INDEX), info.offset);
	if (!self->len[6]) {
		EXPECT_EQ(0, info.size);
		EXPECT_EQ(0, info.flags);
	} else if (info.size) {
		EXPECT_EQ(self->len[6], info.size);
		EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ, info.flags);
	} else {
		/* a ROM BAR without a valid image reads as no ROM */
		EXPECT_EQ(0, info.flags);
	}

	/* VGA on a device that is not a VGA controller */
	EXPECT_EQ(-EINVAL, vfio_region_get_info(self->s.device,
						VFIO_PCI_VGA_REGION_INDEX,
						&info));
	/* Beyond the last region (no device-specific regions here) */
	EXPECT_EQ(-EINVAL, vfio_region_get_info(self->s.device,
						VFIO_PCI_NUM_REGIONS, &info));
	EXPECT_EQ(-EINVAL, vfio_region_get_info(self->s.device, ~0U, &info));
}

/* argsz must cover up to .offset; no more is needed without caps. */
TEST_F(regions, info_argsz)
{
	uint32_t minsz = offsetof(struct vfio_region_info, offset) +
			 sizeof(uint64_t);
	struct vfio_region_info info;
	int bar;

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(EINVAL, region_info_argsz(self->s.device, 0, minsz - 1,
					    &info));
	EXPECT_EQ(EINVAL, region_info_argsz(self->s.device, 0, 0, &info));
	for (bar = 0; bar < NUM_BARS; bar++) {
		if (!self->len[bar] || bar == self->msix_bar)
			continue;
		ASSERT_EQ(0, region_info_argsz(self->s.device, bar, minsz,
					       &info));
		EXPECT_EQ(self->len[bar], info.size);
		EXPECT_EQ(IDX_OFF(bar), info.offset);
	}
}

/* A register read through pread() equals the same one through mmap. */
TEST_F(regions, bar_rw_matches_mmap)
{
	struct vfio_region_info info;
	uint32_t by_rw, by_mmap, val;
	volatile uint32_t *reg;
	void *map;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, vfio_region_get_info(self->s.device, 0, &info));
	ASSERT_TRUE(info.flags & VFIO_REGION_INFO_FLAG_MMAP);
	map = vfio_region_mmap(self->s.device, &info);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	reg = (volatile uint32_t *)((char *)map + variant->reg);
	ASSERT_EQ(0, vfio_region_read(self->s.device, &info, variant->reg,
				      &by_rw, 4));
	by_mmap = *reg;
	EXPECT_EQ(by_mmap, by_rw);
	EXPECT_NE(0xffffffffU, by_rw);
	if (variant->scratch) {
		/* edu's liveness register reads back the inverse */
		val = 0x5a5aa5a5;
		ASSERT_EQ(0, vfio_region_write(self->s.device, &info,
					       EDU_REG_LIVENESS, &val, 4));
		EXPECT_EQ(~val, edu_read32(map, EDU_REG_LIVENESS));
		edu_write32(map, EDU_REG_LIVENESS, 0x1234);
		ASSERT_EQ(0, vfio_region_read(self->s.device, &info,
					      EDU_REG_LIVENESS, &val, 4));
		EXPECT_EQ(~0x1234U, val);
	}
	munmap(map, info.size);
}

/*
 * The MSI-X table is not reachable through read()/write(): its bytes
 * read as 0xff, while the mmap shows the real table (vector control of
 * an unused, masked entry is 1, its reserved bits 0).
 */
TEST_F(regions, msix_table_hidden_from_rw)
{
	struct vfio_region_info info;
	uint8_t entry[16];
	uint32_t ctrl;
	void *map;
	int i;

	RETURN_IF_SETUP_SKIPPED();
	if (self->msix_bar < 0)
		SKIP(return, "%s has no MSI-X", variant->label);
	ASSERT_EQ(0, vfio_region_get_info(self->s.device, self->msix_bar,
					  &info));
	ASSERT_EQ(0, vfio_region_read(self->s.device, &info,
				      self->msix_table, entry, sizeof(entry)));
	for (i = 0; i < (int)sizeof(entry); i++)
		EXPECT_EQ(0xff, entry[i]) TH_LOG("byte %d", i);
	map = vfio_region_mmap(self->s.device, &info);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	ctrl = edu_read32(map, self->msix_table + PCI_MSIX_ENTRY_VECTOR_CTRL);
	EXPECT_EQ(0, ctrl & ~PCI_MSIX_ENTRY_CTRL_MASKBIT);
	munmap(map, info.size);
}

static ssize_t rd(int fd, uint64_t off, size_t len)
{
	uint8_t buf[64];

	return pread(fd, buf, len, (off_t)off);
}

static ssize_t wr(int fd, uint64_t off, size_t len)
{
	uint8_t buf[64] = { 0 };

	return pwrite(fd, buf, len, (off_t)off);
}

#define EXPECT_ERRNO(err, call) do {					\
	errno = 0;							\
	EXPECT_EQ(-1, (call));						\
	EXPECT_EQ(err, errno) TH_LOG("%s: %s", #call, strerror(errno));	\
} while (0)

/*
 * An I/O BAR: read()/write() of ports, clipped at its end as a memory
 * BAR, never mmap()ed.  On e1000e, IOADDR selects a register and IODATA
 * reads it: the same value as through BAR0.
 */
TEST_F(regions, io_bar)
{
	struct vfio_region_info io, bar0;
	uint32_t addr = variant->reg, data, mmio;
	int fd = self->s.device;
	void *map;
	int bar;

	RETURN_IF_SETUP_SKIPPED();
	for (bar = 0; bar < NUM_BARS; bar++)
		if (self->flags[bar] & RES_IO && self->len[bar])
			break;
	if (bar == NUM_BARS)
		SKIP(return, "%s has no I/O BAR", variant->label);
	ASSERT_EQ(0, vfio_region_get_info(self->s.device, bar, &io));
	EXPECT_FALSE(io.flags & VFIO_REGION_INFO_FLAG_MMAP);
	map = mmap(NULL, self->page, PROT_READ, MAP_SHARED, self->s.device,
		   (off_t)io.offset);
	EXPECT_EQ(MAP_FAILED, map);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(4, rd(fd, io.offset, 4));
	EXPECT_EQ(2, rd(fd, io.offset + io.size - 2, 4));
	EXPECT_ERRNO(EINVAL, rd(fd, io.offset + io.size, 4));
	EXPECT_ERRNO(EINVAL, wr(fd, io.offset + io.size, 4));
	if (!variant->iodata)
		return;

	ASSERT_EQ(0, vfio_region_write(self->s.device, &io, E1000_IOADDR,
				       &addr, 4));
	ASSERT_EQ(0, vfio_region_read(self->s.device, &io, E1000_IODATA,
				      &data, 4));
	ASSERT_EQ(0, vfio_region_get_info(self->s.device, 0, &bar0));
	ASSERT_EQ(0, vfio_region_read(self->s.device, &bar0, variant->reg,
				      &mmio, 4));
	EXPECT_EQ(mmio, data);
	/* and IOADDR reads back what was written */
	ASSERT_EQ(0, vfio_region_read(self->s.device, &io, E1000_IOADDR,
				      &data, 4));
	EXPECT_EQ(addr, data);
}

/* Per BAR: the dword 6.1's virtual BAR shows after a write of ~0. */
static uint32_t sized_bar(struct _test_data_regions *self, int bar,
			  uint32_t orig)
{
	uint64_t mask = ~(self->len[bar] - 1);

	if (!self->len[bar])
		return 0;
	if (self->flags[bar] & RES_IO)
		return ((uint32_t)mask & PCI_BASE_ADDRESS_IO_MASK) |
		       PCI_BASE_ADDRESS_SPACE_IO;
	return ((uint32_t)mask & PCI_BASE_ADDRESS_MEM_MASK) |
	       (orig & ~PCI_BASE_ADDRESS_MEM_MASK);
}

static void size_one(struct __test_metadata *_metadata,
		     struct _test_data_regions *self, unsigned int off,
		     uint32_t probe, uint32_t want, const char *what)
{
	uint32_t orig, got, back;

	ASSERT_EQ(0, cfg_read(self, off, &orig, 4));
	ASSERT_EQ(0, cfg_write(self, off, &probe, 4));
	ASSERT_EQ(0, cfg_read(self, off, &got, 4));
	ASSERT_EQ(0, cfg_write(self, off, &orig, 4));
	ASSERT_EQ(0, cfg_read(self, off, &back, 4));
	EXPECT_EQ(want, got) TH_LOG("%s: read 0x%08x after 0x%08x, want 0x%08x",
				    what, got, probe, want);
	EXPECT_EQ(orig, back) TH_LOG("%s not restored", what);
}

/* Sizing every BAR and the ROM BAR through the config region. */
TEST_F(regions, bar_sizing)
{
	uint32_t orig, want;
	char what[32];
	int bar;
	bool is64;

	RETURN_IF_SETUP_SKIPPED();
	for (bar = 0; bar < NUM_BARS; bar++) {
		ASSERT_EQ(0, cfg_read(self, PCI_BASE_ADDRESS_0 + 4 * bar,
				      &orig, 4));
		is64 = self->len[bar] && (self->flags[bar] & RES_MEM) &&
		       (orig & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
		       PCI_BASE_ADDRESS_MEM_TYPE_64;
		want = sized_bar(self, bar, orig);
		snprintf(what, sizeof(what), "BAR%d", bar);
		size_one(_metadata, self, PCI_BASE_ADDRESS_0 + 4 * bar,
			 ~0U, want, what);
		if (is64 && bar + 1 < NUM_BARS) {
			/* the upper dword of a 64-bit BAR */
			EXPECT_EQ(0, self->len[bar + 1]);
			want = (uint32_t)(~(self->len[bar] - 1) >> 32);
			snprintf(what, sizeof(what), "BAR%d (upper)", bar + 1);
			bar++;
			size_one(_metadata, self, PCI_BASE_ADDRESS_0 + 4 * bar,
				 ~0U, want, what);
		}
	}
	/* without the enable bit, so that no ROM gets enabled */
	want = self->len[6] ? (uint32_t)~(self->len[6] - 1) &
			      PCI_ROM_ADDRESS_MASK : 0;
	size_one(_metadata, self, PCI_ROM_ADDRESS, PCI_ROM_ADDRESS_MASK,
		 want, "ROM BAR");
}

/* read()/write() outside what a region has, with 6.1's errnos. */
TEST_F(regions, bad_rw)
{
	int fd = self->s.device, bar, empty = -1;
	uint64_t end;

	RETURN_IF_SETUP_SKIPPED();
	/* no region 9+, no VGA region on these devices */
	EXPECT_ERRNO(EINVAL, rd(fd, IDX_OFF(VFIO_PCI_NUM_REGIONS), 4));
	EXPECT_ERRNO(EINVAL, rd(fd, IDX_OFF(20), 4));
	EXPECT_ERRNO(EINVAL, rd(fd, IDX_OFF(VFIO_PCI_VGA_REGION_INDEX), 4));
	EXPECT_ERRNO(EINVAL, wr(fd, IDX_OFF(VFIO_PCI_VGA_REGION_INDEX), 4));
	/* a zero-length access succeeds without looking at the offset */
	EXPECT_EQ(0, rd(fd, IDX_OFF(VFIO_PCI_NUM_REGIONS), 0));

	/* BAR0: at the end, and straddling it (clipped, as 6.1) */
	end = self->len[0];
	EXPECT_ERRNO(EINVAL, rd(fd, IDX_OFF(0) + end, 4));
	EXPECT_ERRNO(EINVAL, wr(fd, IDX_OFF(0) + end, 4));
	EXPECT_ERRNO(EINVAL, rd(fd, IDX_OFF(0) + (1ULL << 39), 4));
	EXPECT_EQ(4, rd(fd, IDX_OFF(0) + end - 4, 16));
	if (variant->scratch)
		EXPECT_EQ(4, wr(fd, IDX_OFF(0) + end - 4, 16));

	/* a BAR of size 0 */
	for (bar = 0; bar < NUM_BARS && empty < 0; bar++)
		if (!self->len[bar])
			empty = bar;
	if (empty >= 0) {
		EXPECT_ERRNO(EINVAL, rd(fd, IDX_OFF(empty), 4));
		EXPECT_ERRNO(EINVAL, wr(fd, IDX_OFF(empty), 4));
	}

	/* the ROM: never writable; no ROM, nothing to read */
	EXPECT_ERRNO(EINVAL, wr(fd, IDX_OFF(VFIO_PCI_ROM_REGION_INDEX), 4));
	if (!self->len[6])
		EXPECT_ERRNO(EINVAL,
			     rd(fd, IDX_OFF(VFIO_PCI_ROM_REGION_INDEX), 4));

	/* config: no clipping, EFAULT for anything outside */
	end = self->cfg.size;
	EXPECT_ERRNO(EFAULT, rd(fd, self->cfg.offset + end, 4));
	EXPECT_ERRNO(EFAULT, rd(fd, self->cfg.offset + end - 2, 4));
	EXPECT_ERRNO(EFAULT, wr(fd, self->cfg.offset + end, 4));
}

/* A memory BAR with memory decoding off in the command register: EIO. */
TEST_F(regions, bar_rw_decode_off)
{
	uint16_t cmd;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, cfg_read(self, PCI_COMMAND, &cmd, 2));
	cmd &= ~PCI_COMMAND_MEMORY;
	ASSERT_EQ(0, cfg_write(self, PCI_COMMAND, &cmd, 2));
	EXPECT_ERRNO(EIO, rd(self->s.device, IDX_OFF(0) + variant->reg, 4));
	cmd |= PCI_COMMAND_MEMORY;
	ASSERT_EQ(0, cfg_write(self, PCI_COMMAND, &cmd, 2));
	EXPECT_EQ(4, rd(self->s.device, IDX_OFF(0) + variant->reg, 4));
}

static int try_mmap(int fd, uint64_t off, size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ, flags, fd, (off_t)off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

/* mmap() of what cannot be mapped: EINVAL for all of it in 6.1. */
TEST_F(regions, bad_mmap)
{
	int fd = self->s.device, bar;
	size_t pg = self->page;
	uint64_t plen;

	RETURN_IF_SETUP_SKIPPED();
	for (bar = 0; bar < NUM_BARS; bar++) {
		if (bar_mmappable(self, bar)) {
			plen = (self->len[bar] + pg - 1) & ~(uint64_t)(pg - 1);
			EXPECT_EQ(0, try_mmap(fd, IDX_OFF(bar), pg, MAP_SHARED));
			EXPECT_EQ(0, try_mmap(fd, IDX_OFF(bar) + plen - pg, pg,
					      MAP_SHARED));
			EXPECT_EQ(EINVAL, try_mmap(fd, IDX_OFF(bar) + plen, pg,
						   MAP_SHARED));
			EXPECT_EQ(EINVAL, try_mmap(fd, IDX_OFF(bar), plen + pg,
						   MAP_SHARED));
			EXPECT_EQ(EINVAL, try_mmap(fd, IDX_OFF(bar), pg,
						   MAP_PRIVATE));
			EXPECT_EQ(EINVAL, try_mmap(fd, IDX_OFF(bar) + 64, pg,
						   MAP_SHARED));
		} else {
			EXPECT_EQ(EINVAL, try_mmap(fd, IDX_OFF(bar), pg,
						   MAP_SHARED))
				TH_LOG("BAR%d", bar);
		}
	}
	EXPECT_EQ(EINVAL, try_mmap(fd, IDX_OFF(VFIO_PCI_ROM_REGION_INDEX), pg,
				   MAP_SHARED));
	EXPECT_EQ(EINVAL, try_mmap(fd, self->cfg.offset, pg, MAP_SHARED));
	EXPECT_EQ(EINVAL, try_mmap(fd, IDX_OFF(VFIO_PCI_VGA_REGION_INDEX), pg,
				   MAP_SHARED));
	EXPECT_EQ(EINVAL, try_mmap(fd, IDX_OFF(VFIO_PCI_NUM_REGIONS), pg,
				   MAP_SHARED));
}

TEST_HARNESS_MAIN
