// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lifetimes of the container, group and device files of QEMU's edu
 * device: every order of closing the three, with the device doing DMA
 * through its existing mapping until its own fd closes (an open device
 * keeps its group file, and so the container and its mappings, alive);
 * the group busy while a device fd still holds it; a container fd that
 * outlives its group; and opening everything again after a close.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define BUF_SIZE	(64ULL << 10)
#define BUF_IOVA	(48ULL << 20)

/* What both fixtures hold: edu's fds, its BAR0 and a DMA buffer. */
struct life {
	struct edu_location edu;
	struct vfio_session s;
	void *bar0;
	uint64_t bar0_size;
	uint8_t *buf;
};

/* Opens container, group and device, maps the buffer and edu's BAR0. */
static void open_all(struct __test_metadata *_metadata, struct life *self)
{
	const char *step;
	int ret;

	ret = vfio_session_open(&self->s, &self->edu, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	ret = vfio_dma_map(self->s.container, self->buf, BUF_IOVA, BUF_SIZE,
			   VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA: %s", strerror(-ret));
	ret = edu_map_bar0(self->s.device, &self->bar0, &self->bar0_size);
	ASSERT_EQ(0, ret) TH_LOG("edu BAR0: %s", strerror(-ret));
}

/* The mapping of BAR0 holds the device file too: drop it first. */
static void close_device(struct life *self)
{
	if (self->bar0 != MAP_FAILED)
		munmap(self->bar0, self->bar0_size);
	self->bar0 = MAP_FAILED;
	close(self->s.device);
	self->s.device = -1;
}

/* Returns 0, or -ENODEV with the reason in @why (for SKIP()). */
static int life_setup(struct life *self, char *why, size_t why_len)
{
	vfio_session_init(&self->s);
	self->bar0 = MAP_FAILED;
	self->buf = MAP_FAILED;
	if (edu_find(&self->edu, why, why_len))
		return -ENODEV;
	self->buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 0;
}

static void life_teardown(struct life *self)
{
	close_device(self);
	vfio_session_close(&self->s);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, BUF_SIZE);
}

FIXTURE(lifetime) {
	struct life l;
};

FIXTURE_SETUP(lifetime)
{
	char why[512];

	if (life_setup(&self->l, why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_NE(MAP_FAILED, self->l.buf);
}

FIXTURE_TEARDOWN(lifetime)
{
	life_teardown(&self->l);
}

FIXTURE(close) {
	struct life l;
};

FIXTURE_VARIANT(close) {
	const char *order;	/* c: container, g: group, d: device */
};

FIXTURE_VARIANT_ADD(close, container_group_device) { .order = "cgd" };
FIXTURE_VARIANT_ADD(close, container_device_group) { .order = "cdg" };
FIXTURE_VARIANT_ADD(close, group_container_device) { .order = "gcd" };
FIXTURE_VARIANT_ADD(close, group_device_container) { .order = "gdc" };
FIXTURE_VARIANT_ADD(close, device_container_group) { .order = "dcg" };
FIXTURE_VARIANT_ADD(close, device_group_container) { .order = "dgc" };

FIXTURE_SETUP(close)
{
	char why[512];

	if (life_setup(&self->l, why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_NE(MAP_FAILED, self->l.buf);
}

FIXTURE_TEARDOWN(close)
{
	life_teardown(&self->l);
}

/*
 * Close the three fds in the variant's order; while the device fd is
 * open it keeps doing DMA through the mapping made at the start.  Then
 * everything opens again from scratch and works.
 */
TEST_F(close, order)
{
	struct life *l = &self->l;
	unsigned int seed = 20;
	const char *c;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	open_all(_metadata, l);
	ret = edu_round_trip(l->bar0, l->buf, BUF_IOVA, seed++);
	ASSERT_EQ(0, ret) TH_LOG("DMA with all open: %s", strerror(-ret));

	for (c = variant->order; *c; c++) {
		switch (*c) {
		case 'c':
			close(l->s.container);
			l->s.container = -1;
			break;
		case 'g':
			close(l->s.group);
			l->s.group = -1;
			break;
		case 'd':
			close_device(l);
			break;
		}
		if (l->s.device >= 0) {
			ret = edu_round_trip(l->bar0, l->buf, BUF_IOVA,
					     seed++);
			EXPECT_EQ(0, ret) TH_LOG("DMA after closing '%c': %s",
						 *c, strerror(-ret));
		}
		if (l->s.group >= 0) {
			struct vfio_group_status st = { .argsz = sizeof(st) };

			EXPECT_EQ(0, ioctl(l->s.group,
					   VFIO_GROUP_GET_STATUS, &st));
			EXPECT_TRUE(st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET)
				TH_LOG("group lost its container after '%c'",
				       *c);
		}
	}

	/* everything released: it all opens again */
	open_all(_metadata, l);
	ret = edu_round_trip(l->bar0, l->buf, BUF_IOVA, seed++);
	EXPECT_EQ(0, ret) TH_LOG("DMA after reopening: %s", strerror(-ret));
}

/*
 * A device fd holds its group file: the group cannot be opened again
 * until the device fd closes too, and then it comes back without a
 * container.
 */
TEST_F(lifetime, device_holds_group)
{
	struct life *l = &self->l;
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	int fd, ret;

	RETURN_IF_SETUP_SKIPPED();
	open_all(_metadata, l);
	snprintf(path, sizeof(path), "/dev/vfio/%d", l->edu.group_id);
	close(l->s.group);
	l->s.group = -1;
	close(l->s.container);
	l->s.container = -1;

	fd = open(path, O_RDWR | O_CLOEXEC);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno);
	if (fd >= 0)
		close(fd);
	ret = edu_round_trip(l->bar0, l->buf, BUF_IOVA, 40);
	EXPECT_EQ(0, ret) TH_LOG("DMA, only the device open: %s",
				 strerror(-ret));

	close_device(l);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s after the last close: %s", path,
				strerror(errno));
	EXPECT_EQ(0, ioctl(fd, VFIO_GROUP_GET_STATUS, &st));
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, st.flags);
	close(fd);
}

/*
 * A container fd outlives the group that used it: the group's close
 * detaches it (and, as the last group, the IOMMU backend), and the same
 * container takes a group and an IOMMU type again.
 */
TEST_F(lifetime, container_outlives_group)
{
	struct life *l = &self->l;
	char path[64];
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	open_all(_metadata, l);
	close_device(l);
	close(l->s.group);
	l->s.group = -1;

	EXPECT_EQ(VFIO_API_VERSION,
		  ioctl(l->s.container, VFIO_GET_API_VERSION));
	EXPECT_EQ(1, ioctl(l->s.container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));

	snprintf(path, sizeof(path), "/dev/vfio/%d", l->edu.group_id);
	l->s.group = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, l->s.group) TH_LOG("reopen group: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(l->s.group, VFIO_GROUP_SET_CONTAINER,
			   &l->s.container))
		TH_LOG("SET_CONTAINER on the old container: %s",
		       strerror(errno));
	ASSERT_EQ(0, ioctl(l->s.container, VFIO_SET_IOMMU,
			   VFIO_TYPE1v2_IOMMU))
		TH_LOG("SET_IOMMU again: %s", strerror(errno));
	ret = vfio_dma_map(l->s.container, l->buf, BUF_IOVA, BUF_SIZE,
			   VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA again: %s", strerror(-ret));
	l->s.device = ioctl(l->s.group, VFIO_GROUP_GET_DEVICE_FD, l->edu.bdf);
	ASSERT_LE(0, l->s.device) TH_LOG("device fd: %s", strerror(errno));
	ret = edu_map_bar0(l->s.device, &l->bar0, &l->bar0_size);
	ASSERT_EQ(0, ret) TH_LOG("edu BAR0: %s", strerror(-ret));
	ret = edu_round_trip(l->bar0, l->buf, BUF_IOVA, 50);
	EXPECT_EQ(0, ret) TH_LOG("DMA in the reused container: %s",
				 strerror(-ret));
}

/* Open, use and close the whole chain several times in a row. */
TEST_F(lifetime, reopen_cycles)
{
	struct life *l = &self->l;
	int i, ret;

	RETURN_IF_SETUP_SKIPPED();
	for (i = 0; i < 3; i++) {
		open_all(_metadata, l);
		ret = edu_round_trip(l->bar0, l->buf, BUF_IOVA, 60 + i);
		EXPECT_EQ(0, ret) TH_LOG("cycle %d: %s", i, strerror(-ret));
		close_device(l);
		vfio_session_close(&l->s);
	}
}

TEST_HARNESS_MAIN
