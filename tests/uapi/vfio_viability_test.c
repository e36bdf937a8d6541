// SPDX-License-Identifier: GPL-2.0-only
/*
 * Group viability with a multi-device IOMMU group, the ICH9 functions of
 * QEMU's q35 machine (00:1f.0 LPC, 00:1f.2 SATA, 00:1f.3 SMBus): viable
 * while every function is bound to vfio-pci or to no driver, not viable
 * while i2c-i801 (a driver using the DMA API) drives 00:1f.3, and that
 * host driver kept off 00:1f.3 while the group is in use.  Also two
 * groups (edu and an e1000) sharing one container.
 *
 * The test binds the functions itself (driver_override + drivers_probe)
 * and puts them back at teardown: unbound, driver_override cleared, and
 * probed again if they had a driver before.  i2c-i801 is loaded from the
 * initramfs (/lib/testmods); without it the tests that need it skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define ICH9_FUNCS	3
#define SMBUS		2	/* index of 00:1f.3 in ich9_bdf[] */
#define I801_DRIVER	"i801_smbus"
#define I801_MODULE	"i2c_i801"
#define I801_KO		"i2c-i801.ko"

static const char * const ich9_bdf[ICH9_FUNCS] = {
	"0000:00:1f.0", "0000:00:1f.2", "0000:00:1f.3",
};

#define BUF_SIZE	(64ULL << 10)
#define BUF_IOVA	(32ULL << 20)

static uint32_t group_flags(struct __test_metadata *_metadata, int group)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	EXPECT_EQ(0, ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		TH_LOG("VFIO_GROUP_GET_STATUS: %s", strerror(errno));
	return status.flags;
}

static int open_group(int id)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	return open(path, O_RDWR | O_CLOEXEC);
}

/*
 * Reads the kernel log records written after @kmsg was opened and moved
 * to the end; true when one of them contains all of @a, @b and @c.
 */
static bool kmsg_has(int kmsg, const char *a, const char *b, const char *c)
{
	char rec[2048];
	bool found = false;
	ssize_t n;

	for (;;) {
		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, a) && strstr(rec, b) && strstr(rec, c))
			found = true;
	}
	return found;
}

/* True when a line of @path contains all of @a, @b and @c. */
static bool file_has_line(const char *path, const char *a, const char *b,
			  const char *c)
{
	char line[512];
	bool found = false;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, a) && strstr(line, b) && strstr(line, c);
	fclose(f);
	return found;
}

FIXTURE(ich9) {
	char orig[ICH9_FUNCS][64];
	bool touched;
	int i801;	/* 0 when i2c-i801 is loaded, else -errno */
	int group_id;
	int container;
	int group;
};

FIXTURE_SETUP(ich9)
{
	int i, id, ret;

	self->touched = false;
	self->container = -1;
	self->group = -1;
	self->group_id = -1;
	for (i = 0; i < ICH9_FUNCS; i++) {
		if (pci_driver_name(ich9_bdf[i], self->orig[i],
				    sizeof(self->orig[i])))
			SKIP(return, "no ICH9 function %s (not a q35 guest?)",
			     ich9_bdf[i]);
		id = pci_iommu_group(ich9_bdf[i]);
		if (id < 0)
			SKIP(return, "%s has no IOMMU group", ich9_bdf[i]);
		if (i && id != self->group_id)
			SKIP(return, "%s is in group %d, not %d", ich9_bdf[i],
			     id, self->group_id);
		self->group_id = id;
	}
	self->i801 = testmod_load(I801_KO);

	self->touched = true;
	for (i = 0; i < ICH9_FUNCS; i++) {
		ret = pci_bind(ich9_bdf[i], "vfio-pci");
		ASSERT_EQ(0, ret) TH_LOG("bind %s to vfio-pci: %s",
					 ich9_bdf[i], strerror(-ret));
	}
	self->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->container) TH_LOG("open /dev/vfio/vfio: %s",
					     strerror(errno));
}

FIXTURE_TEARDOWN(ich9)
{
	int i;

	if (self->group >= 0)
		close(self->group);
	if (self->container >= 0)
		close(self->container);
	if (!self->touched)
		return;
	for (i = 0; i < ICH9_FUNCS; i++) {
		pci_unbind(ich9_bdf[i]);
		pci_set_override(ich9_bdf[i], NULL);
		if (self->orig[i][0])
			pci_probe(ich9_bdf[i]);
	}
}

/* The testbed's premise: the three functions form one group. */
TEST_F(ich9, one_group)
{
	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(self->group_id, pci_iommu_group(ich9_bdf[0]));
	EXPECT_EQ(self->group_id, pci_iommu_group(ich9_bdf[1]));
	EXPECT_EQ(self->group_id, pci_iommu_group(ich9_bdf[2]));
}

/* Every function bound to vfio-pci: viable, and usable. */
TEST_F(ich9, all_vfio_viable)
{
	RETURN_IF_SETUP_SKIPPED();
	self->group = open_group(self->group_id);
	ASSERT_LE(0, self->group) TH_LOG("open group %d: %s", self->group_id,
					 strerror(errno));
	EXPECT_TRUE(group_flags(_metadata, self->group) &
		    VFIO_GROUP_FLAGS_VIABLE);
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container))
		TH_LOG("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_TYPE1v2_IOMMU))
		TH_LOG("VFIO_SET_IOMMU: %s", strerror(errno));
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  group_flags(_metadata, self->group));
}

/* Functions without any driver do not make the group unviable. */
TEST_F(ich9, unbound_functions_viable)
{
	char drv[64];

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, pci_unbind(ich9_bdf[0]));
	ASSERT_EQ(0, pci_unbind(ich9_bdf[SMBUS]));
	ASSERT_EQ(0, pci_driver_name(ich9_bdf[SMBUS], drv, sizeof(drv)));
	ASSERT_STREQ("", drv);

	self->group = open_group(self->group_id);
	ASSERT_LE(0, self->group) TH_LOG("open group %d: %s", self->group_id,
					 strerror(errno));
	EXPECT_TRUE(group_flags(_metadata, self->group) &
		    VFIO_GROUP_FLAGS_VIABLE);
	EXPECT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container))
		TH_LOG("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
}

/*
 * i2c-i801 on 00:1f.3: not viable, SET_CONTAINER -> EPERM, and (ours
 * only) the kernel log and debugfs name the device and the driver; the
 * in-tree core says nothing about why.  Rebinding 00:1f.3 to vfio-pci
 * makes the group viable again.
 */
TEST_F(ich9, host_driver_not_viable)
{
	bool ours = !vfio_test_reference();
	char id[32], pid[32];
	int kmsg, ret;

	RETURN_IF_SETUP_SKIPPED();
	if (self->i801)
		SKIP(return, "cannot load %s/%s: %s", TESTMODS_DIR, I801_KO,
		     strerror(-self->i801));
	ret = pci_bind(ich9_bdf[SMBUS], I801_DRIVER);
	ASSERT_EQ(0, ret) TH_LOG("bind %s to %s: %s", ich9_bdf[SMBUS],
				 I801_DRIVER, strerror(-ret));

	self->group = open_group(self->group_id);
	ASSERT_LE(0, self->group) TH_LOG("open group %d: %s", self->group_id,
					 strerror(errno));
	EXPECT_FALSE(group_flags(_metadata, self->group) &
		     VFIO_GROUP_FLAGS_VIABLE);

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, kmsg) TH_LOG("open /dev/kmsg: %s", strerror(errno));
	lseek(kmsg, 0, SEEK_END);
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			    &self->container));
	EXPECT_EQ(EPERM, errno);
	if (ours)
		EXPECT_TRUE(kmsg_has(kmsg, ich9_bdf[SMBUS], I801_DRIVER,
				     I801_MODULE))
			TH_LOG("no kernel log line names %s and %s",
			       ich9_bdf[SMBUS], I801_DRIVER);
	close(kmsg);

	snprintf(id, sizeof(id), "group %d: not viable", self->group_id);
	if (ours)
		EXPECT_TRUE(file_has_line("/sys/kernel/debug/vfio/groups", id,
					  ich9_bdf[SMBUS], I801_DRIVER))
			TH_LOG("debugfs vfio/groups has no '%s' line for %s",
			       id, ich9_bdf[SMBUS]);
	/* and it names us as the group's opener */
	snprintf(id, sizeof(id), "group %d (", self->group_id);
	snprintf(pid, sizeof(pid), "open by pid %d,", getpid());
	if (ours)
		EXPECT_TRUE(file_has_line("/sys/kernel/debug/vfio/groups", id,
					  pid, ""))
			TH_LOG("debugfs vfio/groups: no '%s' ... '%s'", id,
			       pid);
	snprintf(id, sizeof(id), "group %d: not viable", self->group_id);

	/* and back: vfio-pci on 00:1f.3 again */
	ret = pci_bind(ich9_bdf[SMBUS], "vfio-pci");
	ASSERT_EQ(0, ret) TH_LOG("bind %s to vfio-pci: %s", ich9_bdf[SMBUS],
				 strerror(-ret));
	EXPECT_TRUE(group_flags(_metadata, self->group) &
		    VFIO_GROUP_FLAGS_VIABLE);
	EXPECT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container))
		TH_LOG("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	if (ours)
		EXPECT_FALSE(file_has_line("/sys/kernel/debug/vfio/groups",
					   id, ich9_bdf[SMBUS], I801_DRIVER));
}

/*
 * While the group is attached to a container, the kernel's DMA-ownership
 * claim keeps i2c-i801 off 00:1f.3 (its probe fails, the function stays
 * without a driver); once the group is released the driver binds.
 */
TEST_F(ich9, host_driver_kept_out_while_in_use)
{
	char drv[64];
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	if (self->i801)
		SKIP(return, "cannot load %s/%s: %s", TESTMODS_DIR, I801_KO,
		     strerror(-self->i801));
	self->group = open_group(self->group_id);
	ASSERT_LE(0, self->group) TH_LOG("open group %d: %s", self->group_id,
					 strerror(errno));
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container))
		TH_LOG("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_TYPE1v2_IOMMU))
		TH_LOG("VFIO_SET_IOMMU: %s", strerror(errno));

	ret = pci_bind(ich9_bdf[SMBUS], I801_DRIVER);
	EXPECT_NE(0, ret) TH_LOG("%s bound %s while the group is in use",
				 I801_DRIVER, ich9_bdf[SMBUS]);
	ASSERT_EQ(0, pci_driver_name(ich9_bdf[SMBUS], drv, sizeof(drv)));
	EXPECT_STREQ("", drv);
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  group_flags(_metadata, self->group));

	/* released: the host driver may have the function */
	close(self->group);
	self->group = -1;
	close(self->container);
	self->container = -1;
	ret = pci_bind(ich9_bdf[SMBUS], I801_DRIVER);
	EXPECT_EQ(0, ret) TH_LOG("bind %s to %s after release: %s",
				 ich9_bdf[SMBUS], I801_DRIVER, strerror(-ret));
}

/*
 * Two groups in one container: edu's and an e1000's.  One SET_IOMMU
 * serves both, a mapping made once is used by edu, and detaching the
 * e1000 group leaves edu working; the e1000 group can come back.
 */
TEST(two_groups_one_container)
{
	struct edu_location edu, nic;
	int container, g_edu, g_nic, d_edu, d_nic;
	uint64_t bar0_size = 0;
	void *bar0 = MAP_FAILED;
	uint8_t *buf;
	char why[512], ids[64];
	int ret;

	if (edu_find(&edu, why, sizeof(why)))
		SKIP(return, "%s", why);
	if (vfio_pci_find(0x8086, 0x100e, "e1000", &nic, why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_NE(edu.group_id, nic.group_id);

	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, container);
	g_edu = open_group(edu.group_id);
	ASSERT_LE(0, g_edu) TH_LOG("open edu group: %s", strerror(errno));
	g_nic = open_group(nic.group_id);
	ASSERT_LE(0, g_nic) TH_LOG("open e1000 group: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(g_edu, VFIO_GROUP_SET_CONTAINER, &container));
	ASSERT_EQ(0, ioctl(g_nic, VFIO_GROUP_SET_CONTAINER, &container))
		TH_LOG("second group SET_CONTAINER: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		TH_LOG("VFIO_SET_IOMMU: %s", strerror(errno));
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  group_flags(_metadata, g_nic));
	/* ours only: the in-tree core has no debugfs tree */
	snprintf(ids, sizeof(ids), "groups %d %d", edu.group_id,
		 nic.group_id);
	if (!vfio_test_reference())
		EXPECT_TRUE(file_has_line("/sys/kernel/debug/vfio/containers",
					  "backend", ids, ""))
			TH_LOG("debugfs vfio/containers has no '%s'", ids);

	buf = anon_alloc(BUF_SIZE);
	ASSERT_NE(MAP_FAILED, buf);
	ret = vfio_dma_map(container, buf, BUF_IOVA, BUF_SIZE,
			   VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA: %s", strerror(-ret));

	d_edu = ioctl(g_edu, VFIO_GROUP_GET_DEVICE_FD, edu.bdf);
	ASSERT_LE(0, d_edu) TH_LOG("edu device fd: %s", strerror(errno));
	d_nic = ioctl(g_nic, VFIO_GROUP_GET_DEVICE_FD, nic.bdf);
	ASSERT_LE(0, d_nic) TH_LOG("e1000 device fd: %s", strerror(errno));
	ret = edu_map_bar0(d_edu, &bar0, &bar0_size);
	ASSERT_EQ(0, ret) TH_LOG("edu BAR0: %s", strerror(-ret));
	ret = edu_round_trip(bar0, buf, BUF_IOVA, 11);
	EXPECT_EQ(0, ret) TH_LOG("edu DMA, two groups: %s", strerror(-ret));

	/* UNSET_CONTAINER waits for the group's device fds to close */
	EXPECT_EQ(-1, ioctl(g_nic, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(EBUSY, errno);
	close(d_nic);
	EXPECT_EQ(0, ioctl(g_nic, VFIO_GROUP_UNSET_CONTAINER))
		TH_LOG("UNSET_CONTAINER: %s", strerror(errno));
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_flags(_metadata, g_nic));
	ret = edu_round_trip(bar0, buf, BUF_IOVA, 13);
	EXPECT_EQ(0, ret) TH_LOG("edu DMA, e1000 gone: %s", strerror(-ret));

	/* back into the container, whose IOMMU is already set */
	EXPECT_EQ(0, ioctl(g_nic, VFIO_GROUP_SET_CONTAINER, &container))
		TH_LOG("SET_CONTAINER again: %s", strerror(errno));
	ret = edu_round_trip(bar0, buf, BUF_IOVA, 15);
	EXPECT_EQ(0, ret) TH_LOG("edu DMA, e1000 back: %s", strerror(-ret));

	munmap(bar0, bar0_size);
	close(d_edu);
	close(g_nic);
	close(g_edu);
	close(container);
	munmap(buf, BUF_SIZE);
}

TEST_HARNESS_MAIN
