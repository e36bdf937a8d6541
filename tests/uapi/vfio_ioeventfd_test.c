// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_IOEVENTFD on QEMU's edu device: a signal of the eventfd
 * writes the registered value into BAR0, seen through edu's liveness
 * register (0x04 reads back the bitwise complement of the last value
 * written).  Also every input the ioctl refuses with its errno, the
 * 1000-registration limit, deletion with fd -1, what closing the eventfd
 * and the device file do to registrations, and the disable_denylist
 * module parameter.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define IOEVENTFD_MAX		1000
#define FIRE_TIMEOUT_MS		2000
/* How long a write that must not happen is given to happen anyway */
#define NO_FIRE_WAIT_MS		300

#define VALUE_A			0x13572468U
#define VALUE_B			0x9abcdef0U
#define VALUE_DIRECT		0x0badcafeU

FIXTURE(ioeventfd) {
	struct vfio_session s;
	struct edu_location edu;
	struct vfio_region_info bar0;
	int efd[2];
};

FIXTURE_SETUP(ioeventfd)
{
	const char *step;
	char why[512];
	int ret;

	self->efd[0] = -1;
	self->efd[1] = -1;
	vfio_session_init(&self->s);
	if (edu_find(&self->edu, why, sizeof(why)))
		SKIP(return, "%s", why);
	ret = vfio_session_open(&self->s, &self->edu, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	ret = vfio_pci_enable_master(self->s.device);
	ASSERT_EQ(0, ret) TH_LOG("enable memory decoding: %s", strerror(-ret));
	ret = vfio_region_get_info(self->s.device, VFIO_PCI_BAR0_REGION_INDEX,
				   &self->bar0);
	ASSERT_EQ(0, ret) TH_LOG("BAR0 region info: %s", strerror(-ret));
	ASSERT_EQ(EDU_BAR0_SIZE, self->bar0.size);
	self->efd[0] = eventfd(0, EFD_CLOEXEC);
	self->efd[1] = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, self->efd[0]);
	ASSERT_LE(0, self->efd[1]);
}

FIXTURE_TEARDOWN(ioeventfd)
{
	/* Closing the device frees whatever a test left registered. */
	vfio_session_close(&self->s);
	if (self->efd[0] >= 0)
		close(self->efd[0]);
	if (self->efd[1] >= 0)
		close(self->efd[1]);
}

/* VFIO_DEVICE_IOEVENTFD; returns 0 or the errno. */
static int ioeventfd_set(int device, uint32_t argsz, uint32_t flags,
			 uint64_t offset, uint64_t data, int32_t fd)
{
	struct vfio_device_ioeventfd req = {
		.argsz = argsz,
		.flags = flags,
		.offset = offset,
		.data = data,
		.fd = fd,
	};

	return ioctl(device, VFIO_DEVICE_IOEVENTFD, &req) ? errno : 0;
}

/* A well-formed 4-byte registration at @reg of BAR0. */
static int bar0_set32(FIXTURE_DATA(ioeventfd) * self, uint64_t reg,
		      uint32_t data, int fd)
{
	return ioeventfd_set(self->s.device,
			     sizeof(struct vfio_device_ioeventfd),
			     VFIO_DEVICE_IOEVENTFD_32, self->bar0.offset + reg,
			     data, fd);
}

static uint32_t liveness(FIXTURE_DATA(ioeventfd) * self)
{
	uint32_t v = 0;

	if (vfio_region_read(self->s.device, &self->bar0, EDU_REG_LIVENESS,
			     &v, sizeof(v)))
		return 0;
	return v;
}

static int liveness_set(FIXTURE_DATA(ioeventfd) * self, uint32_t v)
{
	return vfio_region_write(self->s.device, &self->bar0,
				 EDU_REG_LIVENESS, &v, sizeof(v));
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Wait up to @timeout_ms for the liveness register to read ~@value
 * (the write is done by a kernel work item, maybe later than the
 * signal).  Returns true once it does.
 */
static bool liveness_wait(FIXTURE_DATA(ioeventfd) * self, uint32_t value,
			  unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	do {
		if (liveness(self) == ~value)
			return true;
		usleep(1000);
	} while (now_ms() < end);
	return liveness(self) == ~value;
}

static int signal_efd(int fd)
{
	return eventfd_write(fd, 1);
}

/* Registered value arrives at the register on each signal. */
TEST_F(ioeventfd, write_on_signal)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, liveness_set(self, VALUE_DIRECT));
	ASSERT_EQ(~VALUE_DIRECT, liveness(self));

	ASSERT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A,
				self->efd[0]));
	/* registering writes nothing */
	usleep(NO_FIRE_WAIT_MS * 1000);
	EXPECT_EQ(~VALUE_DIRECT, liveness(self));

	ASSERT_EQ(0, signal_efd(self->efd[0]));
	EXPECT_TRUE(liveness_wait(self, VALUE_A, FIRE_TIMEOUT_MS))
		TH_LOG("liveness reads %#x after the signal, expected %#x",
		       liveness(self), ~VALUE_A);

	/* again: each signal writes */
	ASSERT_EQ(0, liveness_set(self, VALUE_DIRECT));
	ASSERT_EQ(0, signal_efd(self->efd[0]));
	EXPECT_TRUE(liveness_wait(self, VALUE_A, FIRE_TIMEOUT_MS));
}

/* A signal sent before the registration is acted on at registration. */
TEST_F(ioeventfd, pending_signal)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, liveness_set(self, VALUE_DIRECT));
	ASSERT_EQ(0, signal_efd(self->efd[0]));
	ASSERT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A,
				self->efd[0]));
	EXPECT_TRUE(liveness_wait(self, VALUE_A, FIRE_TIMEOUT_MS));
}

/*
 * The data is part of the registration: one register, two values, two
 * eventfds; each eventfd writes its own value.
 */
TEST_F(ioeventfd, data_per_registration)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A,
				self->efd[0]));
	ASSERT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_B,
				self->efd[1]));

	ASSERT_EQ(0, signal_efd(self->efd[1]));
	EXPECT_TRUE(liveness_wait(self, VALUE_B, FIRE_TIMEOUT_MS));
	ASSERT_EQ(0, signal_efd(self->efd[0]));
	EXPECT_TRUE(liveness_wait(self, VALUE_A, FIRE_TIMEOUT_MS));
	ASSERT_EQ(0, signal_efd(self->efd[1]));
	EXPECT_TRUE(liveness_wait(self, VALUE_B, FIRE_TIMEOUT_MS));

	/* deleting one leaves the other working */
	EXPECT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A, -1));
	ASSERT_EQ(0, liveness_set(self, VALUE_DIRECT));
	ASSERT_EQ(0, signal_efd(self->efd[0]));
	ASSERT_EQ(0, signal_efd(self->efd[1]));
	EXPECT_TRUE(liveness_wait(self, VALUE_B, FIRE_TIMEOUT_MS));
}

/* After fd -1 deletes it, a signal writes nothing. */
TEST_F(ioeventfd, delete_stops_writes)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A,
				self->efd[0]));
	ASSERT_EQ(0, signal_efd(self->efd[0]));
	ASSERT_TRUE(liveness_wait(self, VALUE_A, FIRE_TIMEOUT_MS));

	ASSERT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A, -1));
	ASSERT_EQ(0, liveness_set(self, VALUE_DIRECT));
	ASSERT_EQ(0, signal_efd(self->efd[0]));
	usleep(NO_FIRE_WAIT_MS * 1000);
	EXPECT_EQ(~VALUE_DIRECT, liveness(self));

	/* gone: a second delete finds nothing */
	EXPECT_EQ(ENODEV, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A, -1));
}

/*
 * With memory decoding off the write is dropped, not kept for later:
 * turning decoding back on shows the value written before.
 */
TEST_F(ioeventfd, memory_disabled)
{
	struct vfio_region_info cfg;
	uint16_t cmd, off;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, vfio_region_get_info(self->s.device,
					  VFIO_PCI_CONFIG_REGION_INDEX, &cfg));
	ASSERT_EQ(0, vfio_region_read(self->s.device, &cfg, PCI_COMMAND,
				      &cmd, sizeof(cmd)));
	ASSERT_TRUE(cmd & PCI_COMMAND_MEMORY);
	ASSERT_EQ(0, liveness_set(self, VALUE_DIRECT));
	ASSERT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A,
				self->efd[0]));

	off = cmd & ~PCI_COMMAND_MEMORY;
	ASSERT_EQ(0, vfio_region_write(self->s.device, &cfg, PCI_COMMAND,
				       &off, sizeof(off)));
	ASSERT_EQ(0, signal_efd(self->efd[0]));
	usleep(NO_FIRE_WAIT_MS * 1000);
	ASSERT_EQ(0, vfio_region_write(self->s.device, &cfg, PCI_COMMAND,
				       &cmd, sizeof(cmd)));
	usleep(NO_FIRE_WAIT_MS * 1000);
	EXPECT_EQ(~VALUE_DIRECT, liveness(self));

	/* and the registration still works once decoding is back */
	ASSERT_EQ(0, signal_efd(self->efd[0]));
	EXPECT_TRUE(liveness_wait(self, VALUE_A, FIRE_TIMEOUT_MS));
}

TEST_F(ioeventfd, bad_input)
{
	const uint32_t minsz = offsetof(struct vfio_device_ioeventfd, fd) +
			       sizeof(int32_t);
	const uint32_t w32 = VFIO_DEVICE_IOEVENTFD_32;
	uint64_t bar0 = self->bar0.offset;
	struct vfio_region_info cfg, bar1;
	int dev = self->s.device;
	int efd = self->efd[0];
	int notefd, closed;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, vfio_region_get_info(dev, VFIO_PCI_CONFIG_REGION_INDEX,
					  &cfg));
	ASSERT_EQ(0, vfio_region_get_info(dev, VFIO_PCI_BAR1_REGION_INDEX,
					  &bar1));
	ASSERT_EQ(0, bar1.size) TH_LOG("edu is expected to have no BAR1");

	/* argsz and flags */
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz - 1, w32, bar0 + 4,
					VALUE_A, efd));
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz, 0, bar0 + 4, VALUE_A,
					efd));
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz,
					w32 | VFIO_DEVICE_IOEVENTFD_16,
					bar0 + 4, VALUE_A, efd));
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz,
					VFIO_DEVICE_IOEVENTFD_SIZE_MASK,
					bar0 + 4, VALUE_A, efd));
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz, w32 | 0x10, bar0 + 4,
					VALUE_A, efd));
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz, w32 | (1U << 31),
					bar0 + 4, VALUE_A, efd));
	/* fd below -1 */
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz, w32, bar0 + 4, VALUE_A,
					-2));

	/* where: BAR0 bounds, regions that are no BAR or an empty BAR */
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz, w32,
					bar0 + EDU_BAR0_SIZE, VALUE_A, efd));
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz, w32,
					bar0 + EDU_BAR0_SIZE - 2, VALUE_A,
					efd));
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz,
					VFIO_DEVICE_IOEVENTFD_64,
					bar0 + EDU_BAR0_SIZE - 4, VALUE_A,
					efd));
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz, w32, cfg.offset + 4,
					VALUE_A, efd));
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz, w32, bar1.offset,
					VALUE_A, efd));
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz, w32,
					(uint64_t)VFIO_PCI_ROM_REGION_INDEX
					<< 40, VALUE_A, efd));

	/* the last bytes of the BAR are fine, every width */
	EXPECT_EQ(0, ioeventfd_set(dev, minsz, w32, bar0 + EDU_BAR0_SIZE - 4,
				   VALUE_A, efd));
	EXPECT_EQ(0, ioeventfd_set(dev, minsz, VFIO_DEVICE_IOEVENTFD_8,
				   bar0 + EDU_BAR0_SIZE - 1, VALUE_A, efd));
	EXPECT_EQ(0, ioeventfd_set(dev, minsz, VFIO_DEVICE_IOEVENTFD_16,
				   bar0 + EDU_BAR0_SIZE - 2, VALUE_A, efd));
	EXPECT_EQ(0, ioeventfd_set(dev, minsz, VFIO_DEVICE_IOEVENTFD_64,
				   bar0 + EDU_BAR0_SIZE - 8, VALUE_A, efd));

	/* not an eventfd, not a file */
	notefd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, notefd);
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz, w32, bar0 + 4, VALUE_A,
					notefd));
	close(notefd);
	closed = dup(efd);
	ASSERT_LE(0, closed);
	close(closed);
	EXPECT_EQ(EBADF, ioeventfd_set(dev, minsz, w32, bar0 + 4, VALUE_A,
				       closed));

	/* duplicate: same place, width and data, whatever the eventfd */
	EXPECT_EQ(0, ioeventfd_set(dev, minsz, w32, bar0 + 4, VALUE_A, efd));
	EXPECT_EQ(EEXIST, ioeventfd_set(dev, minsz, w32, bar0 + 4, VALUE_A,
					efd));
	EXPECT_EQ(EEXIST, ioeventfd_set(dev, minsz, w32, bar0 + 4, VALUE_A,
					self->efd[1]));
	/* another width or value at the same place is another one */
	EXPECT_EQ(0, ioeventfd_set(dev, minsz, VFIO_DEVICE_IOEVENTFD_16,
				   bar0 + 4, VALUE_A, efd));
	EXPECT_EQ(0, ioeventfd_set(dev, minsz, w32, bar0 + 4, VALUE_B, efd));

	/* delete: only an exact match */
	EXPECT_EQ(ENODEV, ioeventfd_set(dev, minsz, w32, bar0 + 8, VALUE_A,
					-1));
	EXPECT_EQ(ENODEV, ioeventfd_set(dev, minsz, w32, bar0 + 4,
					VALUE_A + 1, -1));
	EXPECT_EQ(ENODEV, ioeventfd_set(dev, minsz, VFIO_DEVICE_IOEVENTFD_8,
					bar0 + 4, VALUE_A, -1));
	EXPECT_EQ(0, ioeventfd_set(dev, minsz, w32, bar0 + 4, VALUE_A, -1));
	EXPECT_EQ(ENODEV, ioeventfd_set(dev, minsz, w32, bar0 + 4, VALUE_A,
					-1));
	/* a bad region is refused before any lookup */
	EXPECT_EQ(EINVAL, ioeventfd_set(dev, minsz, w32, cfg.offset + 4,
					VALUE_A, -1));
}

/* 1000 registrations per device; one eventfd may serve them all. */
TEST_F(ioeventfd, limit)
{
	uint32_t i;
	int ret = 0;

	RETURN_IF_SETUP_SKIPPED();
	for (i = 0; i < IOEVENTFD_MAX && !ret; i++)
		ret = bar0_set32(self, EDU_REG_LIVENESS, i, self->efd[0]);
	ASSERT_EQ(0, ret) TH_LOG("registration %u: %s", i, strerror(ret));

	EXPECT_EQ(ENOSPC, bar0_set32(self, EDU_REG_LIVENESS, IOEVENTFD_MAX,
				     self->efd[0]));
	EXPECT_EQ(ENOSPC, bar0_set32(self, EDU_REG_ID, 0, self->efd[1]));
	/* a duplicate is still reported as such */
	EXPECT_EQ(EEXIST, bar0_set32(self, EDU_REG_LIVENESS, 7, self->efd[0]));

	/* deleting one makes room for one */
	EXPECT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, 7, -1));
	EXPECT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A,
				self->efd[1]));
	EXPECT_EQ(ENOSPC, bar0_set32(self, EDU_REG_LIVENESS, VALUE_B,
				     self->efd[1]));

	/* the one on its own eventfd still fires */
	ASSERT_EQ(0, liveness_set(self, VALUE_DIRECT));
	ASSERT_EQ(0, signal_efd(self->efd[1]));
	EXPECT_TRUE(liveness_wait(self, VALUE_A, FIRE_TIMEOUT_MS));
}

/*
 * Closing the eventfd stops the writes but, as in 6.1, the registration
 * stays until deleted: the same one cannot be added again before.
 */
TEST_F(ioeventfd, eventfd_closed)
{
	int efd;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A,
				self->efd[0]));
	close(self->efd[0]);
	self->efd[0] = -1;

	EXPECT_EQ(EEXIST, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A,
				     self->efd[1]));
	EXPECT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A, -1));

	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	self->efd[0] = efd;
	ASSERT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_A, efd));
	ASSERT_EQ(0, liveness_set(self, VALUE_DIRECT));
	ASSERT_EQ(0, signal_efd(efd));
	EXPECT_TRUE(liveness_wait(self, VALUE_A, FIRE_TIMEOUT_MS));
}

/*
 * Closing the device file frees every registration: a signal afterwards
 * reaches nothing, and after reopening the same registrations succeed.
 */
TEST_F(ioeventfd, device_close_frees)
{
	uint32_t i;
	int ret = 0;

	RETURN_IF_SETUP_SKIPPED();
	for (i = 0; i < 16 && !ret; i++)
		ret = bar0_set32(self, EDU_REG_LIVENESS, VALUE_A + i,
				 self->efd[0]);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_B,
				self->efd[1]));

	close(self->s.device);
	self->s.device = -1;
	/* the wait queue entries are gone: this touches no freed memory */
	ASSERT_EQ(0, signal_efd(self->efd[0]));
	ASSERT_EQ(0, signal_efd(self->efd[1]));

	self->s.device = ioctl(self->s.group, VFIO_GROUP_GET_DEVICE_FD,
			       self->edu.bdf);
	ASSERT_LE(0, self->s.device) TH_LOG("reopen: %s", strerror(errno));
	ASSERT_EQ(0, vfio_pci_enable_master(self->s.device));

	for (i = 0; i < 16 && !ret; i++)
		ret = bar0_set32(self, EDU_REG_LIVENESS, VALUE_A + i,
				 self->efd[0]);
	EXPECT_EQ(0, ret) TH_LOG("re-registration %u: %s", i, strerror(ret));
	/* the one not registered again is not there */
	EXPECT_EQ(ENODEV, bar0_set32(self, EDU_REG_LIVENESS, VALUE_B, -1));

	ASSERT_EQ(0, bar0_set32(self, EDU_REG_LIVENESS, VALUE_B,
				self->efd[1]));
	ASSERT_EQ(0, liveness_set(self, VALUE_DIRECT));
	ASSERT_EQ(0, signal_efd(self->efd[1]));
	EXPECT_TRUE(liveness_wait(self, VALUE_B, FIRE_TIMEOUT_MS));
}

/* disable_denylist exists, read-only, off by default. */
TEST(denylist_parameter)
{
	const char *path = "/sys/module/vfio_pci/parameters/disable_denylist";
	char buf[8] = "";
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(path, &st))
		SKIP(return, "%s: %s (vfio-pci not loaded?)", path,
		     strerror(errno));
	EXPECT_EQ(0444, st.st_mode & 0777);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_LT(0, n);
	EXPECT_EQ('N', buf[0]);
}

TEST_HARNESS_MAIN
