// SPDX-License-Identifier: GPL-2.0-only
/*
 * The container file, /dev/vfio/vfio: API version, extensions, and
 * VFIO_SET_IOMMU refused while no group is attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

/* No IOMMU backend implements this extension number. */
#define UNKNOWN_EXTENSION	1000

FIXTURE(container) {
	int fd;
};

FIXTURE_SETUP(container)
{
	self->fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/vfio/vfio: %s",
				      strerror(errno));
}

FIXTURE_TEARDOWN(container)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(container, api_version)
{
	EXPECT_EQ(VFIO_API_VERSION, ioctl(self->fd, VFIO_GET_API_VERSION));
}

TEST_F(container, type1_extensions)
{
	EXPECT_EQ(1, ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(1, ioctl(self->fd, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
}

TEST_F(container, unknown_extension)
{
	EXPECT_EQ(0, ioctl(self->fd, VFIO_CHECK_EXTENSION, UNKNOWN_EXTENSION));
}

TEST_F(container, set_iommu_without_group)
{
	EXPECT_EQ(-1, ioctl(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
