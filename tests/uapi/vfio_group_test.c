// SPDX-License-Identifier: GPL-2.0-only
/*
 * The group file, /dev/vfio/<group> of QEMU's edu device: exclusive open,
 * status flags, attaching to a container, getting the device fd, and the
 * rules for detaching from the container.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

/* A well-formed PCI name that no device in the edu group has. */
#define BOGUS_DEVICE_NAME	"0000:ff:1f.7"

FIXTURE(group) {
	struct edu_location edu;
	int container;
	int group;
	int device;
};

FIXTURE_SETUP(group)
{
	char why[512];
	char path[64];

	self->container = -1;
	self->group = -1;
	self->device = -1;
	if (edu_find(&self->edu, why, sizeof(why)))
		SKIP(return, "%s", why);

	self->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->container) TH_LOG("open /dev/vfio/vfio: %s",
					     strerror(errno));
	snprintf(path, sizeof(path), "/dev/vfio/%d", self->edu.group_id);
	self->group = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->group) TH_LOG("open %s: %s", path,
					 strerror(errno));
}

FIXTURE_TEARDOWN(group)
{
	if (self->device >= 0)
		close(self->device);
	if (self->group >= 0)
		close(self->group);
	if (self->container >= 0)
		close(self->container);
}

/* Attaches the group to the container and sets the TYPE1v2 IOMMU. */
static void attach(struct __test_metadata *_metadata, int group,
		   int container)
{
	ASSERT_EQ(0, ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		TH_LOG("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		TH_LOG("VFIO_SET_IOMMU: %s", strerror(errno));
}

static uint32_t group_flags(struct __test_metadata *_metadata, int group)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	EXPECT_EQ(0, ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		TH_LOG("VFIO_GROUP_GET_STATUS: %s", strerror(errno));
	return status.flags;
}

TEST_F(group, second_open_busy)
{
	char path[64];
	int fd;

	RETURN_IF_SETUP_SKIPPED();
	snprintf(path, sizeof(path), "/dev/vfio/%d", self->edu.group_id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno);
	if (fd >= 0)
		close(fd);
}

TEST_F(group, status_viable_without_container)
{
	uint32_t flags;

	RETURN_IF_SETUP_SKIPPED();
	flags = group_flags(_metadata, self->group);
	EXPECT_TRUE(flags & VFIO_GROUP_FLAGS_VIABLE);
	EXPECT_FALSE(flags & VFIO_GROUP_FLAGS_CONTAINER_SET);
}

TEST_F(group, set_container_and_iommu)
{
	uint32_t flags;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container))
		TH_LOG("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	flags = group_flags(_metadata, self->group);
	EXPECT_TRUE(flags & VFIO_GROUP_FLAGS_VIABLE);
	EXPECT_TRUE(flags & VFIO_GROUP_FLAGS_CONTAINER_SET);
	EXPECT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_TYPE1v2_IOMMU))
		TH_LOG("VFIO_SET_IOMMU: %s", strerror(errno));
}

TEST_F(group, get_device_fd)
{
	RETURN_IF_SETUP_SKIPPED();
	attach(_metadata, self->group, self->container);
	self->device = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD,
			     self->edu.bdf);
	EXPECT_LE(0, self->device)
		TH_LOG("VFIO_GROUP_GET_DEVICE_FD(%s): %s", self->edu.bdf,
		       strerror(errno));
}

TEST_F(group, get_device_fd_bogus_name)
{
	int fd;

	RETURN_IF_SETUP_SKIPPED();
	attach(_metadata, self->group, self->container);
	fd = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, BOGUS_DEVICE_NAME);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ENODEV, errno);
	if (fd >= 0)
		close(fd);
}

TEST_F(group, unset_container_busy_while_device_open)
{
	uint32_t flags;

	RETURN_IF_SETUP_SKIPPED();
	attach(_metadata, self->group, self->container);
	self->device = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD,
			     self->edu.bdf);
	ASSERT_LE(0, self->device)
		TH_LOG("VFIO_GROUP_GET_DEVICE_FD(%s): %s", self->edu.bdf,
		       strerror(errno));

	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(EBUSY, errno);

	close(self->device);
	self->device = -1;
	EXPECT_EQ(0, ioctl(self->group, VFIO_GROUP_UNSET_CONTAINER))
		TH_LOG("VFIO_GROUP_UNSET_CONTAINER: %s", strerror(errno));
	flags = group_flags(_metadata, self->group);
	EXPECT_FALSE(flags & VFIO_GROUP_FLAGS_CONTAINER_SET);
}

TEST_F(group, unset_container_without_container)
{
	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(group, set_container_twice)
{
	RETURN_IF_SETUP_SKIPPED();
	attach(_metadata, self->group, self->container);
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			    &self->container));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(group, set_container_not_a_container)
{
	int fd = -1;

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER, &fd));
	EXPECT_EQ(EBADF, errno);
	/*
	 * An open file, but not a container: EINVAL on 6.1.  Since v6.2
	 * ("vfio-iommufd: Allow iommufd to be used in place of a container
	 * fd") the in-tree stack also accepts an iommufd here and answers an
	 * fd that is neither with EBADFD; our modules keep 6.1's EINVAL.
	 */
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			    &self->group));
	EXPECT_EQ(vfio_test_reference_since(6, 2) ? EBADFD : EINVAL, errno);
}

TEST_F(group, set_iommu_twice)
{
	RETURN_IF_SETUP_SKIPPED();
	attach(_metadata, self->group, self->container);
	EXPECT_EQ(-1, ioctl(self->container, VFIO_SET_IOMMU,
			    VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(group, get_device_fd_without_iommu)
{
	int fd;

	RETURN_IF_SETUP_SKIPPED();
	/* no container at all */
	fd = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->edu.bdf);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EINVAL, errno);
	if (fd >= 0)
		close(fd);

	/* a container, but no IOMMU set on it */
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container));
	fd = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->edu.bdf);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EINVAL, errno);
	if (fd >= 0)
		close(fd);
}

TEST_F(group, unknown_ioctl)
{
	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, ioctl(self->group, _IO(VFIO_TYPE, VFIO_BASE + 99)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(group, get_status_small_argsz)
{
	struct vfio_group_status status = {
		.argsz = offsetof(struct vfio_group_status, flags),
	};

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_GET_STATUS, &status));
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
