// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device file of QEMU's edu device bound to vfio-pci: device and
 * region info, config space through the config region, and BAR0 through
 * both mmap() and pread()/pwrite() of the region.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define LIVENESS_VALUE_MMAP	0x12345678U
#define LIVENESS_VALUE_PWRITE	0xa5c3f00fU

FIXTURE(device) {
	struct vfio_session s;
};

FIXTURE_SETUP(device)
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

FIXTURE_TEARDOWN(device)
{
	vfio_session_close(&self->s);
}

/* Region info of BAR0 with MEMORY and MASTER enabled in PCI_COMMAND. */
static void bar0_prepare(struct __test_metadata *_metadata, int device,
			 struct vfio_region_info *bar0)
{
	int ret;

	ret = vfio_pci_enable_master(device);
	ASSERT_EQ(0, ret) TH_LOG("enable PCI_COMMAND_MEMORY: %s",
				 strerror(-ret));
	ret = vfio_region_get_info(device, VFIO_PCI_BAR0_REGION_INDEX, bar0);
	ASSERT_EQ(0, ret) TH_LOG("BAR0 region info: %s", strerror(-ret));
	ASSERT_EQ(EDU_BAR0_SIZE, bar0->size);
}

TEST_F(device, get_info)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_INFO, &info))
		TH_LOG("VFIO_DEVICE_GET_INFO: %s", strerror(errno));
	EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PCI);
	EXPECT_LE(VFIO_PCI_NUM_REGIONS, info.num_regions);
	EXPECT_LE(VFIO_PCI_NUM_IRQS, info.num_irqs);
}

TEST_F(device, get_info_small_argsz)
{
	struct vfio_device_info info = {
		.argsz = offsetof(struct vfio_device_info, num_irqs),
	};

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, ioctl(self->s.device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, config_region_info)
{
	const uint32_t rw = VFIO_REGION_INFO_FLAG_READ |
			    VFIO_REGION_INFO_FLAG_WRITE;
	struct vfio_region_info cfg;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ret = vfio_region_get_info(self->s.device,
				   VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	ASSERT_EQ(0, ret) TH_LOG("config region info: %s", strerror(-ret));
	EXPECT_EQ(rw, cfg.flags & rw);
	EXPECT_TRUE(cfg.size == 256 || cfg.size == 4096)
		TH_LOG("config region size %llu",
		       (unsigned long long)cfg.size);
}

TEST_F(device, bar0_region_info)
{
	const uint32_t want = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE |
			      VFIO_REGION_INFO_FLAG_MMAP;
	struct vfio_region_info bar0;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ret = vfio_region_get_info(self->s.device, VFIO_PCI_BAR0_REGION_INDEX,
				   &bar0);
	ASSERT_EQ(0, ret) TH_LOG("BAR0 region info: %s", strerror(-ret));
	EXPECT_EQ(EDU_BAR0_SIZE, bar0.size);
	EXPECT_EQ(want, bar0.flags & want);
}

TEST_F(device, region_info_bad_index)
{
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_region_info info;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_INFO, &dinfo));

	/* the first index past the last region */
	EXPECT_EQ(-EINVAL, vfio_region_get_info(self->s.device,
						dinfo.num_regions, &info));
	EXPECT_EQ(-EINVAL, vfio_region_get_info(self->s.device, 0xffffffffU,
						&info));
}

TEST_F(device, region_info_small_argsz)
{
	struct vfio_region_info info = {
		.argsz = offsetof(struct vfio_region_info, offset),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, ioctl(self->s.device, VFIO_DEVICE_GET_REGION_INFO,
			    &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, intx_irq_info)
{
	struct vfio_irq_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_INTX_IRQ_INDEX,
	};

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_IRQ_INFO, &info))
		TH_LOG("VFIO_DEVICE_GET_IRQ_INFO(INTx): %s", strerror(errno));
	/* edu has interrupt pin A */
	EXPECT_EQ(1, info.count);
	EXPECT_TRUE(info.flags & VFIO_IRQ_INFO_EVENTFD);
}

TEST_F(device, irq_info_bad_index)
{
	struct vfio_irq_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_NUM_IRQS,
	};

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, ioctl(self->s.device, VFIO_DEVICE_GET_IRQ_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, config_ids)
{
	struct vfio_region_info cfg;
	uint16_t vendor, device;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, vfio_region_get_info(self->s.device,
					  VFIO_PCI_CONFIG_REGION_INDEX, &cfg));
	ASSERT_EQ(0, vfio_region_read(self->s.device, &cfg, PCI_VENDOR_ID,
				      &vendor, sizeof(vendor)));
	ASSERT_EQ(0, vfio_region_read(self->s.device, &cfg, PCI_DEVICE_ID,
				      &device, sizeof(device)));
	EXPECT_EQ(EDU_VENDOR_ID, vendor);
	EXPECT_EQ(EDU_DEVICE_ID, device);
}

TEST_F(device, config_command_write)
{
	const uint16_t bits = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	struct vfio_region_info cfg;
	uint16_t cmd;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, vfio_region_get_info(self->s.device,
					  VFIO_PCI_CONFIG_REGION_INDEX, &cfg));
	ASSERT_EQ(0, vfio_region_read(self->s.device, &cfg, PCI_COMMAND,
				      &cmd, sizeof(cmd)));
	cmd |= bits;
	ASSERT_EQ(0, vfio_region_write(self->s.device, &cfg, PCI_COMMAND,
				       &cmd, sizeof(cmd)));
	cmd = 0;
	ASSERT_EQ(0, vfio_region_read(self->s.device, &cfg, PCI_COMMAND,
				      &cmd, sizeof(cmd)));
	EXPECT_EQ(bits, cmd & bits) TH_LOG("PCI_COMMAND reads 0x%04x", cmd);
}

TEST_F(device, bar0_mmap_registers)
{
	struct vfio_region_info bar0;
	void *regs;

	RETURN_IF_SETUP_SKIPPED();
	bar0_prepare(_metadata, self->s.device, &bar0);
	regs = vfio_region_mmap(self->s.device, &bar0);
	ASSERT_NE(MAP_FAILED, regs) TH_LOG("mmap BAR0: %s", strerror(errno));

	EXPECT_EQ(EDU_ID_VALUE, edu_read32(regs, EDU_REG_ID));
	edu_write32(regs, EDU_REG_LIVENESS, LIVENESS_VALUE_MMAP);
	EXPECT_EQ(~LIVENESS_VALUE_MMAP, edu_read32(regs, EDU_REG_LIVENESS));

	munmap(regs, bar0.size);
}

TEST_F(device, bar0_rw_matches_mmap)
{
	struct vfio_region_info bar0;
	uint32_t val;
	void *regs;

	RETURN_IF_SETUP_SKIPPED();
	bar0_prepare(_metadata, self->s.device, &bar0);
	regs = vfio_region_mmap(self->s.device, &bar0);
	ASSERT_NE(MAP_FAILED, regs) TH_LOG("mmap BAR0: %s", strerror(errno));

	val = 0;
	EXPECT_EQ(0, vfio_region_read(self->s.device, &bar0, EDU_REG_ID, &val,
				      sizeof(val)));
	EXPECT_EQ(EDU_ID_VALUE, val);
	EXPECT_EQ(edu_read32(regs, EDU_REG_ID), val);

	/* written through pwrite(), seen through both paths */
	val = LIVENESS_VALUE_PWRITE;
	EXPECT_EQ(0, vfio_region_write(self->s.device, &bar0,
				       EDU_REG_LIVENESS, &val, sizeof(val)));
	val = 0;
	EXPECT_EQ(0, vfio_region_read(self->s.device, &bar0,
				      EDU_REG_LIVENESS, &val, sizeof(val)));
	EXPECT_EQ(~LIVENESS_VALUE_PWRITE, val);
	EXPECT_EQ(~LIVENESS_VALUE_PWRITE, edu_read32(regs, EDU_REG_LIVENESS));

	/* written through the mapping, seen through pread() */
	edu_write32(regs, EDU_REG_LIVENESS, LIVENESS_VALUE_MMAP);
	val = 0;
	EXPECT_EQ(0, vfio_region_read(self->s.device, &bar0,
				      EDU_REG_LIVENESS, &val, sizeof(val)));
	EXPECT_EQ(~LIVENESS_VALUE_MMAP, val);

	munmap(regs, bar0.size);
}

TEST_HARNESS_MAIN
