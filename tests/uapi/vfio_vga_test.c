// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VGA region (VFIO_PCI_VGA_REGION_INDEX) of a VGA-class device: QEMU's
 * standard VGA (1234:1111) in the testbed.  The region is 0xc0000 bytes,
 * readable and writable, not mmap-able; offsets are the legacy addresses:
 * memory [0xa0000, 0xc0000) and I/O ports [0x3b0, 0x3bc) and
 * [0x3c0, 0x3e0).  Anything else is EINVAL, and an access is cut at the
 * end of the range it starts in (a short read or write).  A device that is
 * not VGA (edu) has no such region: EINVAL for its info, read and write.
 *
 * That accesses reach the device is seen in QEMU's VGA registers: the misc
 * output register (written at 0x3c2, read at 0x3cc) selects whether the
 * CRT controller answers at 0x3b4/0x3b5 (mono) or 0x3d4/0x3d5 (color);
 * the graphics controller and sequencer index/data pairs read back what
 * was written; with the sequencer in chain-4 mode and all planes enabled
 * the legacy memory window is plain video RAM.  Every register changed is
 * put back.
 *
 * disable_vga is read-only (0444) and read when vfio-pci probes a device,
 * so its test reloads vfio-pci with disable_vga=1, then without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define VGA_VENDOR		0x1234
#define VGA_DEVICE		0x1111

#define VGA_REGION_SIZE		0xc0000ULL
#define VGA_MEM_START		0xa0000ULL
#define VGA_MEM_END		0xc0000ULL
#define VGA_IO_LO_START		0x3b0ULL
#define VGA_IO_LO_END		0x3bcULL
#define VGA_IO_HI_START		0x3c0ULL
#define VGA_IO_HI_END		0x3e0ULL

/* VGA registers */
#define VGA_MISC_W		0x3c2	/* misc output, write */
#define VGA_MISC_R		0x3cc	/* misc output, read */
#define VGA_MISC_COLOR		0x01	/* CRTC at 0x3d4, else at 0x3b4 */
#define VGA_SEQ_I		0x3c4
#define VGA_SEQ_D		0x3c5
#define VGA_GFX_I		0x3ce
#define VGA_GFX_D		0x3cf
#define VGA_CRT_IM		0x3b4	/* CRTC index, mono */
#define VGA_CRT_DM		0x3b5
#define VGA_CRT_IC		0x3d4	/* CRTC index, color */
#define VGA_CRT_DC		0x3d5
#define VGA_SEQ_PLANE_WRITE	0x02
#define VGA_SEQ_MEMORY_MODE	0x04
#define VGA_SR04_CHAIN4		0x08
#define VGA_GFX_MODE		0x05
#define VGA_GFX_MISC		0x06
#define VGA_GFX_BIT_MASK	0x08	/* all eight bits are stored */
#define VGA_CRTC_START_HI	0x0c	/* all eight bits are stored */

#define PARAM_DISABLE_VGA	"/sys/module/vfio_pci/parameters/disable_vga"

/* pread/pwrite at a region offset: bytes done or -errno. */
static ssize_t vga_pread(int fd, const struct vfio_region_info *info,
			 uint64_t off, void *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len, (off_t)(info->offset + off));

	return n < 0 ? -errno : n;
}

static ssize_t vga_pwrite(int fd, const struct vfio_region_info *info,
			  uint64_t off, const void *buf, size_t len)
{
	ssize_t n = pwrite(fd, buf, len, (off_t)(info->offset + off));

	return n < 0 ? -errno : n;
}

/* One byte at a port; the byte, or -errno (or -EIO for a short access). */
static int inb_r(int fd, const struct vfio_region_info *info, uint64_t port)
{
	uint8_t v;
	ssize_t n = vga_pread(fd, info, port, &v, 1);

	if (n < 0)
		return (int)n;
	return n == 1 ? v : -EIO;
}

static int outb_r(int fd, const struct vfio_region_info *info, uint64_t port,
		  uint8_t v)
{
	ssize_t n = vga_pwrite(fd, info, port, &v, 1);

	if (n < 0)
		return (int)n;
	return n == 1 ? 0 : -EIO;
}

/* An indexed register (index port, data port = index port + 1). */
static int reg_read(int fd, const struct vfio_region_info *info,
		    uint64_t iport, uint8_t idx)
{
	int ret = outb_r(fd, info, iport, idx);

	return ret ? ret : inb_r(fd, info, iport + 1);
}

static int reg_write(int fd, const struct vfio_region_info *info,
		     uint64_t iport, uint8_t idx, uint8_t v)
{
	int ret = outb_r(fd, info, iport, idx);

	return ret ? ret : outb_r(fd, info, iport + 1, v);
}

static int region_info(int fd, uint32_t index, struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, info) ? -errno : 0;
}

/* "1" or "Y" in a bool module parameter */
static bool vga_disabled(void)
{
	char buf[16];

	return !sysfs_read_line(PARAM_DISABLE_VGA, buf, sizeof(buf)) &&
	       (buf[0] == 'Y' || buf[0] == '1');
}

FIXTURE(vga)
{
	struct edu_location loc;
	struct vfio_session s;
	struct vfio_region_info info;
	int misc;	/* misc output register before the test, or -1 */
};

FIXTURE_SETUP(vga)
{
	const char *step;
	char why[512];
	int ret;

	vfio_session_init(&self->s);
	self->misc = -1;
	if (vga_disabled())
		SKIP(return, "vfio-pci was loaded with disable_vga=1");
	if (vfio_pci_find(VGA_VENDOR, VGA_DEVICE, "VGA", &self->loc, why,
			  sizeof(why)))
		SKIP(return, "%s", why);
	ret = vfio_session_open(&self->s, &self->loc, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	ASSERT_EQ(0, region_info(self->s.device, VFIO_PCI_VGA_REGION_INDEX,
				 &self->info));
	/* The device decodes memory and I/O, as a guest driver would set. */
	ASSERT_EQ(0, vfio_pci_set_command(self->s.device,
					  PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	self->misc = inb_r(self->s.device, &self->info, VGA_MISC_R);
	ASSERT_LE(0, self->misc) TH_LOG("misc read: %s",
					strerror(-self->misc));
}

FIXTURE_TEARDOWN(vga)
{
	if (self->misc >= 0)
		outb_r(self->s.device, &self->info, VGA_MISC_W,
		       (uint8_t)self->misc);
	vfio_session_close(&self->s);
}

/* 6.1's VGA region: size, flags, offset, and no mmap */
TEST_F(vga, region_info)
{
	void *p;

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(VGA_REGION_SIZE, self->info.size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		  self->info.flags);
	EXPECT_EQ((uint64_t)VFIO_PCI_VGA_REGION_INDEX << 40, self->info.offset);

	p = mmap(NULL, 0x20000, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->s.device, (off_t)(self->info.offset + VGA_MEM_START));
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, 0x20000);
}

/*
 * The misc output register chooses where the CRT controller answers; a
 * CRTC register written through 0x3b4/0x3b5 in mono mode reads back
 * through 0x3d4/0x3d5 in color mode, where 0x3b5 floats (0xff).
 */
TEST_F(vga, misc_output_and_crtc)
{
	int fd = self->s.device, old, v;
	struct vfio_region_info *ri = &self->info;
	uint8_t misc = (uint8_t)self->misc;

	RETURN_IF_SETUP_SKIPPED();
	/* mono */
	ASSERT_EQ(0, outb_r(fd, ri, VGA_MISC_W, misc & ~VGA_MISC_COLOR));
	EXPECT_EQ(misc & ~VGA_MISC_COLOR, inb_r(fd, ri, VGA_MISC_R));
	old = reg_read(fd, ri, VGA_CRT_IM, VGA_CRTC_START_HI);
	ASSERT_LE(0, old);
	ASSERT_EQ(0, reg_write(fd, ri, VGA_CRT_IM, VGA_CRTC_START_HI, 0x5a));
	EXPECT_EQ(0x5a, reg_read(fd, ri, VGA_CRT_IM, VGA_CRTC_START_HI));
	ASSERT_EQ(0, reg_write(fd, ri, VGA_CRT_IM, VGA_CRTC_START_HI, 0xa5));
	EXPECT_EQ(0xa5, reg_read(fd, ri, VGA_CRT_IM, VGA_CRTC_START_HI));

	/* color: the same register at 0x3d4/0x3d5, nothing at 0x3b5 */
	ASSERT_EQ(0, outb_r(fd, ri, VGA_MISC_W, misc | VGA_MISC_COLOR));
	EXPECT_EQ(misc | VGA_MISC_COLOR, inb_r(fd, ri, VGA_MISC_R));
	EXPECT_EQ(0xa5, reg_read(fd, ri, VGA_CRT_IC, VGA_CRTC_START_HI));
	EXPECT_EQ(0xff, inb_r(fd, ri, VGA_CRT_DM));
	v = reg_write(fd, ri, VGA_CRT_IC, VGA_CRTC_START_HI, (uint8_t)old);
	EXPECT_EQ(0, v);
}

/*
 * 1, 2 and 4-byte accesses: a 2-byte write at an index port sets index
 * and data at once (as outw does), a 2-byte read returns both.
 */
TEST_F(vga, access_sizes)
{
	int fd = self->s.device, old, i;
	struct vfio_region_info *ri = &self->info;
	uint8_t b[4];
	uint16_t w;

	RETURN_IF_SETUP_SKIPPED();
	old = reg_read(fd, ri, VGA_GFX_I, VGA_GFX_BIT_MASK);
	ASSERT_LE(0, old);
	for (i = 0; i < 2; i++) {
		uint8_t val = i ? 0x3c : 0xc3;

		w = (uint16_t)(VGA_GFX_BIT_MASK | val << 8);
		ASSERT_EQ(2, vga_pwrite(fd, ri, VGA_GFX_I, &w, 2));
		EXPECT_EQ(val, inb_r(fd, ri, VGA_GFX_D));
		EXPECT_EQ(VGA_GFX_BIT_MASK, inb_r(fd, ri, VGA_GFX_I));
		w = 0;
		ASSERT_EQ(2, vga_pread(fd, ri, VGA_GFX_I, &w, 2));
		EXPECT_EQ(VGA_GFX_BIT_MASK | val << 8, w);
	}
	/*
	 * A 4-byte access is one inl (QEMU's VGA ports answer only 1 and
	 * 2-byte ones, so its value is not the registers').
	 */
	ASSERT_EQ(4, vga_pread(fd, ri, VGA_MISC_R, b, 4));
	/* the sequencer's plane write mask keeps its low four bits */
	w = (uint16_t)(VGA_SEQ_PLANE_WRITE | 0x0f << 8);
	ASSERT_EQ(2, vga_pwrite(fd, ri, VGA_SEQ_I, &w, 2));
	EXPECT_EQ(0x0f, reg_read(fd, ri, VGA_SEQ_I, VGA_SEQ_PLANE_WRITE));
	EXPECT_EQ(0, reg_write(fd, ri, VGA_GFX_I, VGA_GFX_BIT_MASK,
			       (uint8_t)old));
}

/*
 * The legacy memory window: with the sequencer in chain-4 mode, all
 * planes enabled and the graphics controller mapping 0xa0000-0xbffff, a
 * pattern written anywhere in it reads back, whatever the access sizes.
 */
TEST_F(vga, legacy_memory)
{
	static const uint64_t at[] = { VGA_MEM_START, 0xb8000, VGA_MEM_END - 0x1000 };
	int fd = self->s.device, sr2, sr4, gr5, gr6;
	struct vfio_region_info *ri = &self->info;
	uint8_t buf[0x1000], back[0x1000];
	unsigned int i;
	uint32_t v32;
	uint16_t v16;

	RETURN_IF_SETUP_SKIPPED();
	sr2 = reg_read(fd, ri, VGA_SEQ_I, VGA_SEQ_PLANE_WRITE);
	sr4 = reg_read(fd, ri, VGA_SEQ_I, VGA_SEQ_MEMORY_MODE);
	gr5 = reg_read(fd, ri, VGA_GFX_I, VGA_GFX_MODE);
	gr6 = reg_read(fd, ri, VGA_GFX_I, VGA_GFX_MISC);
	ASSERT_LE(0, sr2);
	ASSERT_LE(0, sr4);
	ASSERT_LE(0, gr5);
	ASSERT_LE(0, gr6);
	ASSERT_EQ(0, reg_write(fd, ri, VGA_SEQ_I, VGA_SEQ_PLANE_WRITE, 0x0f));
	ASSERT_EQ(0, reg_write(fd, ri, VGA_SEQ_I, VGA_SEQ_MEMORY_MODE,
			       VGA_SR04_CHAIN4 | 0x06));
	ASSERT_EQ(0, reg_write(fd, ri, VGA_GFX_I, VGA_GFX_MODE, 0));
	/* memory map 0: 0xa0000-0xbffff, graphics mode */
	ASSERT_EQ(0, reg_write(fd, ri, VGA_GFX_I, VGA_GFX_MISC, 0x01));

	for (i = 0; i < ARRAY_SIZE(at); i++) {
		fill_pattern(buf, sizeof(buf), i + 1);
		EXPECT_EQ((ssize_t)sizeof(buf),
			  vga_pwrite(fd, ri, at[i], buf, sizeof(buf)));
		memset(back, 0, sizeof(back));
		EXPECT_EQ((ssize_t)sizeof(back),
			  vga_pread(fd, ri, at[i], back, sizeof(back)));
		EXPECT_EQ(-1, check_pattern(back, sizeof(back), i + 1))
			TH_LOG("at %#llx", (unsigned long long)at[i]);
	}

	/* single accesses of each size, aligned and not */
	v32 = 0x12345678;
	EXPECT_EQ(4, vga_pwrite(fd, ri, VGA_MEM_START + 0x100, &v32, 4));
	v16 = 0;
	EXPECT_EQ(2, vga_pread(fd, ri, VGA_MEM_START + 0x101, &v16, 2));
	EXPECT_EQ(0x3456, v16);
	v16 = 0xbeef;
	EXPECT_EQ(2, vga_pwrite(fd, ri, VGA_MEM_START + 0x102, &v16, 2));
	v32 = 0;
	EXPECT_EQ(4, vga_pread(fd, ri, VGA_MEM_START + 0x100, &v32, 4));
	EXPECT_EQ(0xbeef5678, v32);
	EXPECT_EQ(0x56, inb_r(fd, ri, VGA_MEM_START + 0x101));

	reg_write(fd, ri, VGA_GFX_I, VGA_GFX_MISC, (uint8_t)gr6);
	reg_write(fd, ri, VGA_GFX_I, VGA_GFX_MODE, (uint8_t)gr5);
	reg_write(fd, ri, VGA_SEQ_I, VGA_SEQ_MEMORY_MODE, (uint8_t)sr4);
	reg_write(fd, ri, VGA_SEQ_I, VGA_SEQ_PLANE_WRITE, (uint8_t)sr2);
}

/* Offsets outside the three ranges are EINVAL, reads and writes */
TEST_F(vga, outside_ranges)
{
	static const uint64_t bad[] = {
		0, 0x3af, VGA_IO_LO_END, 0x3bf, VGA_IO_HI_END, 0x3ff,
		VGA_MEM_START - 1, VGA_MEM_END, VGA_MEM_END + 0x1000,
	};
	struct vfio_region_info *ri = &self->info;
	uint8_t b = 0;
	unsigned int i;

	RETURN_IF_SETUP_SKIPPED();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, vga_pread(self->s.device, ri, bad[i], &b, 1))
			TH_LOG("read at %#llx", (unsigned long long)bad[i]);
		EXPECT_EQ(-EINVAL, vga_pwrite(self->s.device, ri, bad[i], &b,
					      1))
			TH_LOG("write at %#llx", (unsigned long long)bad[i]);
	}
}

/* An access that runs past the end of its range is cut there */
TEST_F(vga, straddle_is_clipped)
{
	struct vfio_region_info *ri = &self->info;
	int fd = self->s.device;
	uint8_t b[16];

	RETURN_IF_SETUP_SKIPPED();
	/* 0x3b8..0x3bb, not 0x3bc.. */
	EXPECT_EQ(4, vga_pread(fd, ri, 0x3b8, b, 8));
	/* 0x3dc..0x3df */
	EXPECT_EQ(4, vga_pread(fd, ri, 0x3dc, b, 16));
	/* the last 4 bytes of the memory window, into the region's end */
	EXPECT_EQ(4, vga_pread(fd, ri, VGA_MEM_END - 4, b, 8));
	memset(b, 0, sizeof(b));
	EXPECT_EQ(4, vga_pwrite(fd, ri, VGA_MEM_END - 4, b, 8));
}

/* A device that is not VGA has no VGA region */
TEST(not_vga)
{
	struct vfio_region_info info;
	struct edu_location loc;
	struct vfio_session s;
	const char *step;
	char why[512];
	uint8_t b = 0;
	int ret;

	if (edu_find(&loc, why, sizeof(why)))
		SKIP(return, "%s", why);
	ret = vfio_session_open(&s, &loc, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	EXPECT_EQ(-EINVAL, region_info(s.device, VFIO_PCI_VGA_REGION_INDEX,
				       &info));
	info.offset = (uint64_t)VFIO_PCI_VGA_REGION_INDEX << 40;
	EXPECT_EQ(-EINVAL, vga_pread(s.device, &info, VGA_MISC_R, &b, 1));
	EXPECT_EQ(-EINVAL, vga_pwrite(s.device, &info, VGA_MISC_W, &b, 1));
	EXPECT_EQ(-EINVAL, vga_pread(s.device, &info, VGA_MEM_START, &b, 1));
	vfio_session_close(&s);
}

/*
 * The "decodes=" field of /dev/vga_arbiter's status for the target
 * device, into @out; 0 or -errno.
 */
static int arb_decodes(int fd, char *out, size_t len)
{
	char buf[256], *p, *end;
	ssize_t n;

	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	p = strstr(buf, "decodes=");
	if (!p)
		return -EPROTO;
	p += strlen("decodes=");
	end = strchr(p, ',');
	if (!end || (size_t)(end - p) >= len)
		return -EPROTO;
	memcpy(out, p, end - p);
	out[end - p] = 0;
	return 0;
}

static int arb_cmd(int fd, const char *cmd)
{
	ssize_t n = write(fd, cmd, strlen(cmd));

	if (n < 0)
		return -errno;
	return (size_t)n == strlen(cmd) ? 0 : -EIO;
}

/*
 * vfio-pci is the device's VGA arbiter client: the arbiter asks it what
 * the device decodes, and ignores what userspace says about it instead
 * ("decodes none" on /dev/vga_arbiter), as for any device whose kernel
 * driver registered a client.
 */
TEST(arbiter_client)
{
	struct edu_location loc;
	char why[512], cmd[300], dec[32];
	int fd, ret;

	if (vfio_pci_find(VGA_VENDOR, VGA_DEVICE, "VGA", &loc, why,
			  sizeof(why)))
		SKIP(return, "%s", why);
	fd = open("/dev/vga_arbiter", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "/dev/vga_arbiter: %s", strerror(errno));
	snprintf(cmd, sizeof(cmd), "target PCI:%s", loc.bdf);
	ASSERT_EQ(0, arb_cmd(fd, cmd));
	ASSERT_EQ(0, arb_decodes(fd, dec, sizeof(dec)));
	EXPECT_STREQ("io+mem", dec);

	ret = arb_cmd(fd, "decodes none");
	EXPECT_EQ(0, ret) TH_LOG("decodes none: %s", strerror(-ret));
	ASSERT_EQ(0, arb_decodes(fd, dec, sizeof(dec)));
	EXPECT_STREQ("io+mem", dec);
	/* put it back whatever happened */
	arb_cmd(fd, "decodes io+mem");
	close(fd);
}

/* VGA region info and a read of the misc output register, or -errno */
static int vga_region_works(const struct edu_location *loc)
{
	struct vfio_region_info info;
	struct vfio_session s;
	const char *step;
	int ret;

	ret = vfio_session_open(&s, loc, true, &step);
	if (ret)
		return ret;
	ret = region_info(s.device, VFIO_PCI_VGA_REGION_INDEX, &info);
	if (!ret) {
		ret = inb_r(s.device, &info, VGA_MISC_R);
		ret = ret < 0 ? ret : 0;
	} else {
		uint8_t b;
		ssize_t n;

		/* no region: its reads fail the same way */
		info.offset = (uint64_t)VFIO_PCI_VGA_REGION_INDEX << 40;
		n = vga_pread(s.device, &info, VGA_MISC_R, &b, 1);
		if (n != ret)
			ret = -EPROTO;
	}
	vfio_session_close(&s);
	return ret;
}

/* disable_vga=1 (0444, read at probe) hides the region; back without it */
TEST(disable_vga)
{
	struct edu_location loc;
	char why[512];
	struct stat st;
	int ret;

	if (vfio_pci_find(VGA_VENDOR, VGA_DEVICE, "VGA", &loc, why,
			  sizeof(why)))
		SKIP(return, "%s", why);
	if (stat(VFIO_PCI_KO, &st))
		SKIP(return, "no %s to reload", VFIO_PCI_KO);
	if (vga_disabled())
		SKIP(return, "vfio-pci was loaded with disable_vga=1");
	ASSERT_EQ(0, stat(PARAM_DISABLE_VGA, &st));
	EXPECT_EQ(0444, st.st_mode & 0777);
	EXPECT_EQ(0, vga_region_works(&loc));

	ret = vfio_pci_reload("disable_vga=1");
	if (ret == -EBUSY || ret == -EWOULDBLOCK)
		SKIP(return, "vfio-pci is in use: %s", strerror(-ret));
	ASSERT_EQ(0, ret) TH_LOG("reload: %s", strerror(-ret));
	EXPECT_TRUE(vga_disabled());
	EXPECT_EQ(-EINVAL, vga_region_works(&loc));

	ret = vfio_pci_reload("");
	ASSERT_EQ(0, ret) TH_LOG("reload: %s", strerror(-ret));
	EXPECT_FALSE(vga_disabled());
	EXPECT_EQ(0, vga_region_works(&loc));
}

TEST_HARNESS_MAIN
