// SPDX-License-Identifier: GPL-2.0-only
/*
 * noiommu mode: vfio.ko loaded with enable_unsafe_noiommu_mode=1 in a
 * guest without an IOMMU gives QEMU's edu device a fake group,
 * /dev/vfio/noiommu-<id>.  The container offers VFIO_NOIOMMU_IOMMU, which
 * maps nothing; the group and its device files need CAP_SYS_RAWIO; the
 * kernel is tainted (TAINT_USER).  With the parameter turned off (it is
 * writable at run time) vfio-pci cannot bind such a device.
 *
 * Every test SKIPs unless edu sits in such a group, which only the
 * testbed's noiommu boot (run-guest.sh --mode noiommu) gives it: in every
 * other boot edu is behind the emulated IOMMU.  Debian's in-tree
 * VFIO is built without CONFIG_VFIO_NOIOMMU, so mode reference always
 * skips here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

/* include/linux/panic.h: TAINT_USER, "U" in the taint string */
#define TAINT_USER_BIT		6

FIXTURE(noiommu) {
	struct edu_location edu;
	char path[64];
	int container;
	int group;
	int device;
};

FIXTURE_SETUP(noiommu)
{
	char why[512];

	self->container = -1;
	self->group = -1;
	self->device = -1;
	if (edu_find(&self->edu, why, sizeof(why)))
		SKIP(return, "%s", why);
	snprintf(self->path, sizeof(self->path), "/dev/vfio/noiommu-%d",
		 self->edu.group_id);
	if (access(self->path, F_OK))
		SKIP(return, "%s does not exist: not a noiommu boot",
		     self->path);

	self->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->container) TH_LOG("open /dev/vfio/vfio: %s",
					     strerror(errno));
	self->group = open(self->path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->group) TH_LOG("open %s: %s", self->path,
					 strerror(errno));
}

FIXTURE_TEARDOWN(noiommu)
{
	if (self->device >= 0)
		close(self->device);
	if (self->group >= 0)
		close(self->group);
	if (self->container >= 0)
		close(self->container);
}

static void set_container(struct __test_metadata *_metadata, int group,
			  int container)
{
	ASSERT_EQ(0, ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		TH_LOG("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
}

/* Drops CAP_SYS_RAWIO from the effective and permitted sets. */
static int drop_rawio(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(CAP_SYS_RAWIO)].effective &=
		~CAP_TO_MASK(CAP_SYS_RAWIO);
	data[CAP_TO_INDEX(CAP_SYS_RAWIO)].permitted &=
		~CAP_TO_MASK(CAP_SYS_RAWIO);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/*
 * Runs @fn in a child without CAP_SYS_RAWIO; returns its exit status:
 * 0 if @fn saw EPERM, 1 if it succeeded, 2 for another error, 3 if the
 * capability could not be dropped.
 */
static int run_without_rawio(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (drop_rawio())
			_exit(3);
		if (fn(arg) >= 0)
			_exit(1);
		_exit(errno == EPERM ? 0 : 2);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

TEST_F(noiommu, extensions)
{
	RETURN_IF_SETUP_SKIPPED();

	EXPECT_EQ(1, ioctl(self->container, VFIO_CHECK_EXTENSION,
			   VFIO_NOIOMMU_IOMMU));
	/* An empty container answers for every backend (type1 is loaded). */
	EXPECT_EQ(1, ioctl(self->container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, ioctl(self->container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1_IOMMU));

	/* With a noiommu group only the noiommu backend is offered. */
	set_container(_metadata, self->group, self->container);
	EXPECT_EQ(1, ioctl(self->container, VFIO_CHECK_EXTENSION,
			   VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(0, ioctl(self->container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
}

TEST_F(noiommu, group_node_name)
{
	char plain[64];

	RETURN_IF_SETUP_SKIPPED();

	/* Only the noiommu- name exists for a fake group. */
	snprintf(plain, sizeof(plain), "/dev/vfio/%d", self->edu.group_id);
	EXPECT_NE(0, access(plain, F_OK));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(noiommu, set_iommu_noiommu)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.size = 4096,
	};
	struct vfio_group_status status = { .argsz = sizeof(status) };

	RETURN_IF_SETUP_SKIPPED();

	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_GET_STATUS, &status));
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, status.flags);

	set_container(_metadata, self->group, self->container);
	ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_NOIOMMU_IOMMU))
		TH_LOG("VFIO_SET_IOMMU(NOIOMMU): %s", strerror(errno));

	/* The noiommu backend maps nothing (6.1: -ENOTTY). */
	EXPECT_EQ(-1, ioctl(self->container, VFIO_IOMMU_MAP_DMA, &map));
	EXPECT_EQ(ENOTTY, errno);
	/* A backend is set only once. */
	EXPECT_EQ(-1, ioctl(self->container, VFIO_SET_IOMMU,
			    VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(noiommu, set_iommu_type1_refused)
{
	RETURN_IF_SETUP_SKIPPED();

	set_container(_metadata, self->group, self->container);
	/* 6.1: type1 is not allowed on a noiommu container: no backend. */
	EXPECT_EQ(-1, ioctl(self->container, VFIO_SET_IOMMU,
			    VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(ENODEV, errno);
	/* The container is still free to take the noiommu backend. */
	EXPECT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_NOIOMMU_IOMMU));
}

TEST_F(noiommu, device_fd)
{
	struct vfio_region_info cfg, bar0;
	uint16_t vendor = 0, device = 0;
	void *map;

	RETURN_IF_SETUP_SKIPPED();

	/* No device before a backend is set. */
	set_container(_metadata, self->group, self->container);
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD,
			    self->edu.bdf));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_NOIOMMU_IOMMU));
	self->device = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD,
			     self->edu.bdf);
	ASSERT_LE(0, self->device) TH_LOG("GET_DEVICE_FD %s: %s",
					  self->edu.bdf, strerror(errno));

	ASSERT_EQ(0, vfio_region_get_info(self->device,
					  VFIO_PCI_CONFIG_REGION_INDEX, &cfg));
	ASSERT_EQ(0, vfio_region_read(self->device, &cfg, PCI_VENDOR_ID,
				      &vendor, sizeof(vendor)));
	ASSERT_EQ(0, vfio_region_read(self->device, &cfg, PCI_DEVICE_ID,
				      &device, sizeof(device)));
	EXPECT_EQ(EDU_VENDOR_ID, vendor);
	EXPECT_EQ(EDU_DEVICE_ID, device);

	ASSERT_EQ(0, vfio_pci_enable_master(self->device));
	ASSERT_EQ(0, vfio_region_get_info(self->device,
					  VFIO_PCI_BAR0_REGION_INDEX, &bar0));
	map = vfio_region_mmap(self->device, &bar0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap BAR0: %s", strerror(errno));
	EXPECT_EQ(EDU_ID_VALUE, edu_read32(map, EDU_REG_ID));
	munmap(map, bar0.size);
}

static int open_group(void *arg)
{
	return open(arg, O_RDWR | O_CLOEXEC);
}

TEST_F(noiommu, open_needs_rawio)
{
	RETURN_IF_SETUP_SKIPPED();

	/* The group is exclusive: let the child try a fresh open. */
	close(self->group);
	self->group = -1;
	EXPECT_EQ(0, run_without_rawio(open_group, self->path));

	/* With the capability the group opens again. */
	self->group = open(self->path, O_RDWR | O_CLOEXEC);
	EXPECT_LE(0, self->group) TH_LOG("open %s: %s", self->path,
					 strerror(errno));
}

struct get_device_arg {
	int group;
	const char *bdf;
};

static int get_device_fd(void *arg)
{
	struct get_device_arg *a = arg;

	return ioctl(a->group, VFIO_GROUP_GET_DEVICE_FD, a->bdf);
}

TEST_F(noiommu, get_device_fd_needs_rawio)
{
	struct get_device_arg arg;

	RETURN_IF_SETUP_SKIPPED();

	set_container(_metadata, self->group, self->container);
	ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
			   VFIO_NOIOMMU_IOMMU));
	arg.group = self->group;
	arg.bdf = self->edu.bdf;
	EXPECT_EQ(0, run_without_rawio(get_device_fd, &arg));
}

TEST_F(noiommu, kernel_tainted)
{
	unsigned long tainted = 0;
	FILE *f;

	RETURN_IF_SETUP_SKIPPED();

	f = fopen("/proc/sys/kernel/tainted", "re");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%lu", &tainted));
	fclose(f);
	EXPECT_NE(0, tainted & (1UL << TAINT_USER_BIT))
		TH_LOG("tainted = %lu", tainted);
}

#define NOIOMMU_PARAM	"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"

static int write_param(const char *val)
{
	int fd, ret = 0;

	fd = open(NOIOMMU_PARAM, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * With the parameter off, a device without an IOMMU gets no group:
 * vfio-pci's probe fails.  Turned back on, a rebind gives it a new fake
 * group.  Leaves edu bound in noiommu mode again, for the other tests
 * (the harness may run this one first).
 */
TEST(registration_needs_param)
{
	struct edu_location edu;
	char why[512], path[64];
	int group_id;

	if (edu_find(&edu, why, sizeof(why)))
		SKIP(return, "%s", why);
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", edu.group_id);
	if (access(path, F_OK))
		SKIP(return, "%s does not exist: not a noiommu boot", path);

	ASSERT_EQ(0, write_param("N"));
	EXPECT_NE(0, pci_bind(edu.bdf, "vfio-pci"));
	EXPECT_NE(0, access(path, F_OK));

	ASSERT_EQ(0, write_param("Y"));
	ASSERT_EQ(0, pci_bind(edu.bdf, "vfio-pci"));
	group_id = pci_iommu_group(edu.bdf);
	ASSERT_LE(0, group_id);
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", group_id);
	EXPECT_EQ(0, access(path, F_OK))
		TH_LOG("%s: %s", path, strerror(errno));
}

TEST_HARNESS_MAIN
