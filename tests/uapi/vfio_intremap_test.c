// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt remapping and vfio_iommu_type1's allow_unsafe_interrupts.
 *
 * Without interrupt remapping a device can forge MSI writes to any host
 * interrupt, so type1 refuses to confine its group (VFIO_SET_IOMMU fails
 * with EPERM, and a group joining a container with a backend set fails
 * VFIO_GROUP_SET_CONTAINER) unless the administrator set
 * allow_unsafe_interrupts=1.  The testbed boots once with the vIOMMU's
 * interrupt remapping off (run-guest.sh --no-intremap) to see the refusal;
 * in the other boots remapping is on and SET_IOMMU must simply work.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define UNSAFE_PARAM \
	"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
/* VT-d extended capability register, bit 3: interrupt remapping. */
#define DMAR_ECAP	"/sys/class/iommu/dmar0/intel-iommu/ecap"
#define DMAR_ECAP_IR	(1ULL << 3)

#define BUF_SIZE	(64ULL << 10)
#define BUF_IOVA	(32ULL << 20)

/* 1 with interrupt remapping, 0 without, -1 if it cannot be told. */
static int intremap_present(void)
{
	unsigned long long ecap;
	FILE *f = fopen(DMAR_ECAP, "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%llx", &ecap);
	fclose(f);
	if (n != 1)
		return -1;
	return !!(ecap & DMAR_ECAP_IR);
}

FIXTURE(intremap) {
	struct edu_location edu;
	int container;
	int group;
	int present;
	char saved[8];	/* the parameter's value, "" until read */
};

FIXTURE_SETUP(intremap)
{
	const char *step;
	char why[512];
	int ret;

	self->container = -1;
	self->group = -1;
	self->saved[0] = '\0';
	if (edu_find(&self->edu, why, sizeof(why)))
		SKIP(return, "%s", why);
	self->present = intremap_present();
	if (self->present < 0)
		SKIP(return, "no VT-d unit at " DMAR_ECAP);
	ret = sysfs_read_line(UNSAFE_PARAM, self->saved, sizeof(self->saved));
	ASSERT_EQ(0, ret) TH_LOG("read %s: %s", UNSAFE_PARAM, strerror(-ret));

	ret = vfio_container_attach(&self->edu, &self->container,
				    &self->group, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
}

FIXTURE_TEARDOWN(intremap)
{
	if (self->group >= 0)
		close(self->group);
	if (self->container >= 0)
		close(self->container);
	if (self->saved[0])
		sysfs_write_str(UNSAFE_PARAM, self->saved);
}

/* With remapping, SET_IOMMU works whatever the parameter says. */
TEST_F(intremap, safe_platform_accepted)
{
	RETURN_IF_SETUP_SKIPPED();
	if (!self->present)
		SKIP(return, "interrupt remapping is off in this boot");
	ASSERT_EQ(0, sysfs_write_str(UNSAFE_PARAM, "N"));
	EXPECT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_TYPE1v2_IOMMU))
		TH_LOG("VFIO_SET_IOMMU: %s", strerror(errno));
}

/* Without it, the group is refused and the container stays usable. */
TEST_F(intremap, unsafe_platform_refused)
{
	RETURN_IF_SETUP_SKIPPED();
	if (self->present)
		SKIP(return, "interrupt remapping is on in this boot");
	ASSERT_EQ(0, sysfs_write_str(UNSAFE_PARAM, "N"));
	EXPECT_EQ(-1, ioctl(self->container, VFIO_SET_IOMMU,
			    VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(EPERM, errno);
	/* nothing was set: the container answers as before SET_IOMMU */
	EXPECT_EQ(-1, ioctl(self->container, VFIO_IOMMU_GET_INFO, NULL));
	/* and the administrator's override is then honoured */
	ASSERT_EQ(0, sysfs_write_str(UNSAFE_PARAM, "Y"));
	EXPECT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_TYPE1v2_IOMMU))
		TH_LOG("VFIO_SET_IOMMU with allow_unsafe_interrupts=1: %s",
		       strerror(errno));
}

/* Accepted with the override, DMA is still confined by the IOMMU. */
TEST_F(intremap, override_still_translates)
{
	uint64_t bar0_size;
	void *bar0 = MAP_FAILED;
	uint8_t *buf;
	int device, ret;

	RETURN_IF_SETUP_SKIPPED();
	if (self->present)
		SKIP(return, "interrupt remapping is on in this boot");
	ASSERT_EQ(0, sysfs_write_str(UNSAFE_PARAM, "Y"));
	ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_TYPE1v2_IOMMU))
		TH_LOG("VFIO_SET_IOMMU: %s", strerror(errno));
	device = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->edu.bdf);
	ASSERT_LE(0, device) TH_LOG("GET_DEVICE_FD: %s", strerror(errno));

	ret = edu_map_bar0(device, &bar0, &bar0_size);
	ASSERT_EQ(0, ret) TH_LOG("edu BAR0: %s", strerror(-ret));
	buf = anon_alloc(BUF_SIZE);
	ASSERT_NE(MAP_FAILED, buf);
	ret = vfio_dma_map(self->container, buf, BUF_IOVA, BUF_SIZE,
			   VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA: %s", strerror(-ret));
	ret = edu_round_trip(bar0, buf, BUF_IOVA, 7);
	EXPECT_EQ(0, ret) TH_LOG("DMA round trip: %s", strerror(-ret));

	munmap(buf, BUF_SIZE);
	munmap(bar0, bar0_size);
	close(device);
}

TEST_HARNESS_MAIN
