// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several IOMMU domains in one type1 container: edu's group and a NIC's
 * group (the e1000e, else an e1000) share a container, each in an IOMMU
 * domain of its own.  The testbed has one vIOMMU, which would put both
 * groups in one domain; our vfio_iommu_type1 has a testing aid for this,
 * the separate_domains parameter, which the fixture sets (and restores).
 *
 * Each test first attaches one group, maps memory, then attaches the
 * other group (a new domain: the existing mapping is replayed into it),
 * in both orders (variants edu_first and edu_second).  With edu second,
 * edu's DMA goes through the domain that only got the mapping by replay.
 * Then: a mapping made while both groups are attached reaches edu's
 * domain; detaching the NIC's group (its domain goes away, or edu's
 * first domain does) leaves edu working; unmapped IOVAs are blocked.
 *
 * In reference mode (the in-tree modules) the knob does not exist: the
 * same sequence runs with both groups in one domain, and only the check
 * that the groups really got domains of their own is skipped.
 *
 * The NIC is bound to vfio-pci if it is not already, and given back to
 * its driver at the end.
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

#define KNOB "/sys/module/vfio_iommu_type1/parameters/separate_domains"
#define PCI_DIR "/sys/bus/pci/devices"

/* Two mappings, both well below edu's 28-bit DMA limit. */
#define BUF_SIZE	(64ULL << 10)
#define IOVA_A		(16ULL << 20)	/* made with one group attached */
#define IOVA_B		(32ULL << 20)	/* made with both attached */
#define SRC_OFF		0x1000ULL
#define DST_OFF		0x8000ULL
#define DMA_LEN		EDU_DMA_MAX_LEN

#define SEED_DATA	21
#define SEED_GUARD	22

static const struct {
	unsigned int vendor, device;
	const char *label;
} nics[] = {
	{ 0x8086, 0x10d3, "e1000e" },
	{ 0x8086, 0x100e, "e1000" },
};

/* Reads a bool module parameter: 'Y'/'N', or -errno. */
static int knob_read(void)
{
	char val[8];
	int ret = sysfs_read_line(KNOB, val, sizeof(val));

	return ret ? ret : val[0];
}

static int knob_write(char c)
{
	const char val[2] = { c, '\0' };

	return sysfs_write_str(KNOB, val);
}

/* True when a kernel log record written since @kmsg was opened has all. */
static bool kmsg_has(int kmsg, const char *a, const char *b, const char *c)
{
	char rec[2048];
	bool found = false;
	ssize_t n;

	for (;;) {
		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, a) && strstr(rec, b) && strstr(rec, c))
			found = true;
	}
	return found;
}

static int open_group(int id)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	return open(path, O_RDWR | O_CLOEXEC);
}

FIXTURE(domains) {
	struct edu_location edu;
	char nic_bdf[256];
	const char *nic_label;
	char nic_orig[64];	/* its driver before the test, "" if none */
	bool nic_rebound;
	int nic_group_id;
	int knob_orig;		/* 'Y'/'N', or -errno without the knob */
	int kmsg;
	int container;
	int g_edu;
	int g_nic;
	int d_edu;
	void *bar0;
	uint64_t bar0_size;
	uint8_t *buf_a;
	uint8_t *buf_b;
};

FIXTURE_VARIANT(domains) {
	bool edu_first;
};

FIXTURE_VARIANT_ADD(domains, edu_first) {
	.edu_first = true,
};

FIXTURE_VARIANT_ADD(domains, edu_second) {
	.edu_first = false,
};

FIXTURE_SETUP(domains)
{
	int first, second, ret;
	unsigned int i;
	char why[512];

	self->nic_rebound = false;
	self->knob_orig = -ENOENT;
	self->kmsg = -1;
	self->container = -1;
	self->g_edu = -1;
	self->g_nic = -1;
	self->d_edu = -1;
	self->bar0 = MAP_FAILED;
	self->buf_a = MAP_FAILED;
	self->buf_b = MAP_FAILED;

	if (edu_find(&self->edu, why, sizeof(why)))
		SKIP(return, "%s", why);
	ret = -ENODEV;
	for (i = 0; i < ARRAY_SIZE(nics) && ret; i++) {
		ret = pci_find_any(nics[i].vendor, nics[i].device,
				   self->nic_bdf, sizeof(self->nic_bdf));
		self->nic_label = nics[i].label;
	}
	if (ret)
		SKIP(return, "no e1000e or e1000 in %s", PCI_DIR);
	self->nic_group_id = pci_iommu_group(self->nic_bdf);
	if (self->nic_group_id < 0)
		SKIP(return, "%s %s has no IOMMU group", self->nic_label,
		     self->nic_bdf);
	if (self->nic_group_id == self->edu.group_id)
		SKIP(return, "%s shares edu's IOMMU group %d", self->nic_bdf,
		     self->nic_group_id);

	ASSERT_EQ(0, pci_driver_name(self->nic_bdf, self->nic_orig,
				     sizeof(self->nic_orig)));
	if (strcmp(self->nic_orig, "vfio-pci")) {
		self->nic_rebound = true;
		ret = pci_bind(self->nic_bdf, "vfio-pci");
		ASSERT_EQ(0, ret) TH_LOG("bind %s to vfio-pci: %s",
					 self->nic_bdf, strerror(-ret));
	}

	self->knob_orig = knob_read();
	if (!vfio_test_reference())
		ASSERT_LT(0, self->knob_orig)
			TH_LOG("%s: %s", KNOB, strerror(-self->knob_orig));
	if (self->knob_orig > 0) {
		ret = knob_write('Y');
		ASSERT_EQ(0, ret) TH_LOG("set %s: %s", KNOB, strerror(-ret));
	}
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->kmsg) TH_LOG("open /dev/kmsg: %s", strerror(errno));
	lseek(self->kmsg, 0, SEEK_END);

	self->buf_a = anon_alloc(BUF_SIZE);
	ASSERT_NE(MAP_FAILED, self->buf_a);
	self->buf_b = anon_alloc(BUF_SIZE);
	ASSERT_NE(MAP_FAILED, self->buf_b);

	self->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->container) TH_LOG("open /dev/vfio/vfio: %s",
					     strerror(errno));
	self->g_edu = open_group(self->edu.group_id);
	ASSERT_LE(0, self->g_edu) TH_LOG("open edu group %d: %s",
					 self->edu.group_id, strerror(errno));
	self->g_nic = open_group(self->nic_group_id);
	ASSERT_LE(0, self->g_nic) TH_LOG("open %s group %d: %s",
					 self->nic_label, self->nic_group_id,
					 strerror(errno));

	first = variant->edu_first ? self->g_edu : self->g_nic;
	second = variant->edu_first ? self->g_nic : self->g_edu;
	ASSERT_EQ(0, ioctl(first, VFIO_GROUP_SET_CONTAINER, &self->container))
		TH_LOG("first group SET_CONTAINER: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_TYPE1v2_IOMMU))
		TH_LOG("VFIO_SET_IOMMU: %s", strerror(errno));
	/* mapped while only the first group is attached */
	ret = vfio_dma_map(self->container, self->buf_a, IOVA_A, BUF_SIZE,
			   VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA with one group: %s", strerror(-ret));
	/* a new domain for the second group: the mapping is replayed */
	ASSERT_EQ(0, ioctl(second, VFIO_GROUP_SET_CONTAINER, &self->container))
		TH_LOG("second group SET_CONTAINER: %s", strerror(errno));

	self->d_edu = ioctl(self->g_edu, VFIO_GROUP_GET_DEVICE_FD,
			    self->edu.bdf);
	ASSERT_LE(0, self->d_edu) TH_LOG("edu device fd: %s", strerror(errno));
	ret = edu_map_bar0(self->d_edu, &self->bar0, &self->bar0_size);
	ASSERT_EQ(0, ret) TH_LOG("edu BAR0: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(domains)
{
	if (self->bar0 != MAP_FAILED)
		munmap(self->bar0, self->bar0_size);
	if (self->d_edu >= 0)
		close(self->d_edu);
	if (self->g_nic >= 0)
		close(self->g_nic);
	if (self->g_edu >= 0)
		close(self->g_edu);
	if (self->container >= 0)
		close(self->container);
	if (self->kmsg >= 0)
		close(self->kmsg);
	if (self->knob_orig > 0)
		knob_write((char)self->knob_orig);
	if (self->buf_a != MAP_FAILED)
		munmap(self->buf_a, BUF_SIZE);
	if (self->buf_b != MAP_FAILED)
		munmap(self->buf_b, BUF_SIZE);
	if (self->nic_rebound) {
		pci_unbind(self->nic_bdf);
		pci_set_override(self->nic_bdf, NULL);
		if (self->nic_orig[0])
			pci_probe(self->nic_bdf);
	}
}

static int map_b(struct __test_metadata *_metadata, int container,
		 uint8_t *buf)
{
	int ret;

	ret = vfio_dma_map(container, buf, IOVA_B, BUF_SIZE,
			   VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	EXPECT_EQ(0, ret) TH_LOG("MAP_DMA with both groups: %s",
				 strerror(-ret));
	return ret;
}

/*
 * Unmaps [@iova, +BUF_SIZE) (backed by @buf) after loading the device
 * buffer from it, then lets edu write to it: nothing may arrive.
 */
static void check_unmapped_blocked(struct __test_metadata *_metadata,
				   int container, volatile void *bar0,
				   uint64_t iova, uint8_t *buf)
{
	uint64_t unmapped = 0;
	long bad;
	int ret;

	fill_pattern(buf + SRC_OFF, DMA_LEN, SEED_DATA);
	ret = edu_dma(bar0, iova + SRC_OFF, EDU_DMA_BUF_ADDR, DMA_LEN, false);
	ASSERT_EQ(0, ret) TH_LOG("DMA RAM -> device: %s", strerror(-ret));

	ret = vfio_dma_unmap(container, iova, BUF_SIZE, &unmapped);
	ASSERT_EQ(0, ret) TH_LOG("UNMAP_DMA: %s", strerror(-ret));
	ASSERT_EQ(BUF_SIZE, unmapped);

	fill_pattern(buf, BUF_SIZE, SEED_GUARD);
	ret = edu_dma(bar0, EDU_DMA_BUF_ADDR, iova + DST_OFF, DMA_LEN, true);
	/* completion or a stuck engine are both fine: the data is what counts */
	EXPECT_TRUE(ret == 0 || ret == -ETIMEDOUT)
		TH_LOG("DMA to the unmapped IOVA: %s", strerror(-ret));
	bad = check_pattern(buf, BUF_SIZE, SEED_GUARD);
	EXPECT_EQ(-1, bad) TH_LOG("DMA reached unmapped memory at offset %ld",
				  bad);
}

/* ours: the knob took effect, each group got a domain of its own */
TEST_F(domains, own_domain_each)
{
	const char *label = variant->edu_first ? self->nic_label : "edu";
	char id[32];

	RETURN_IF_SETUP_SKIPPED();
	if (self->knob_orig < 0)
		SKIP(return,
		     "in-tree vfio_iommu_type1 has no separate_domains parameter: both groups share one domain");
	/* the group attached second joined a container holding a domain */
	snprintf(id, sizeof(id), "group %d got",
		 variant->edu_first ? self->nic_group_id : self->edu.group_id);
	EXPECT_TRUE(kmsg_has(self->kmsg, "separate_domains", id,
			     "2 in its container"))
		TH_LOG("no log line: the %s group got no domain of its own",
		       label);
}

/* The mapping made before the second group came works for edu. */
TEST_F(domains, replayed_mapping)
{
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ret = edu_round_trip(self->bar0, self->buf_a, IOVA_A, 31);
	EXPECT_EQ(0, ret) TH_LOG("edu DMA at the mapping made before: %s",
				 strerror(-ret));
}

/* A mapping made while both groups are attached works for edu. */
TEST_F(domains, new_mapping_both_attached)
{
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, map_b(_metadata, self->container, self->buf_b));
	ret = edu_round_trip(self->bar0, self->buf_b, IOVA_B, 33);
	EXPECT_EQ(0, ret) TH_LOG("edu DMA at the new mapping: %s",
				 strerror(-ret));
	ret = edu_round_trip(self->bar0, self->buf_a, IOVA_A, 35);
	EXPECT_EQ(0, ret) TH_LOG("edu DMA at the first mapping: %s",
				 strerror(-ret));
}

/*
 * Detaching the NIC's group removes a domain (the NIC's, or with edu
 * second the first one); edu keeps both mappings.  The group can come
 * back (a new domain again, both mappings replayed).
 */
TEST_F(domains, detach_other_group)
{
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, map_b(_metadata, self->container, self->buf_b));
	ASSERT_EQ(0, ioctl(self->g_nic, VFIO_GROUP_UNSET_CONTAINER))
		TH_LOG("UNSET_CONTAINER: %s", strerror(errno));
	ret = edu_round_trip(self->bar0, self->buf_a, IOVA_A, 41);
	EXPECT_EQ(0, ret) TH_LOG("edu DMA at A, NIC gone: %s", strerror(-ret));
	ret = edu_round_trip(self->bar0, self->buf_b, IOVA_B, 43);
	EXPECT_EQ(0, ret) TH_LOG("edu DMA at B, NIC gone: %s", strerror(-ret));

	ASSERT_EQ(0, ioctl(self->g_nic, VFIO_GROUP_SET_CONTAINER,
			   &self->container))
		TH_LOG("SET_CONTAINER again: %s", strerror(errno));
	ret = edu_round_trip(self->bar0, self->buf_b, IOVA_B, 45);
	EXPECT_EQ(0, ret) TH_LOG("edu DMA at B, NIC back: %s", strerror(-ret));
}

/* Unmapped while both groups are attached: edu is blocked. */
TEST_F(domains, unmap_blocks_both_attached)
{
	RETURN_IF_SETUP_SKIPPED();
	check_unmapped_blocked(_metadata, self->container, self->bar0, IOVA_A,
			       self->buf_a);
}

/* The same once the NIC's group and its domain are gone. */
TEST_F(domains, unmap_blocks_after_detach)
{
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, map_b(_metadata, self->container, self->buf_b));
	ASSERT_EQ(0, ioctl(self->g_nic, VFIO_GROUP_UNSET_CONTAINER))
		TH_LOG("UNSET_CONTAINER: %s", strerror(errno));
	check_unmapped_blocked(_metadata, self->container, self->bar0, IOVA_B,
			       self->buf_b);
	/* the other mapping is untouched */
	ret = edu_round_trip(self->bar0, self->buf_a, IOVA_A, 51);
	EXPECT_EQ(0, ret) TH_LOG("edu DMA at A: %s", strerror(-ret));
}

TEST_HARNESS_MAIN
