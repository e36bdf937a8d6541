// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X with several vectors, driven by a real device: the e1000e
 * (8086:10d3, 5 MSI-X vectors).  Its IVAR register routes each of five
 * interrupt causes (RX queue 0/1, TX queue 0/1, "other") to a vector of
 * our choice, and a write to ICS raises a cause, so a test can make the
 * device send exactly one chosen vector and check that exactly the
 * eventfd of that vector fired.  With EIAC set for the five causes the
 * device clears a cause once it has sent it, so it can be raised again
 * (re-enabled in IMS each time).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define E1000E_VENDOR	0x8086
#define E1000E_DEVICE	0x10d3
#define NVEC		5

/* 82574 registers (BAR0) and interrupt causes */
#define REG_ICR		0x000c0
#define REG_ICS		0x000c8
#define REG_IMS		0x000d0
#define REG_IMC		0x000d8
#define REG_EIAC	0x000dc
#define REG_IVAR	0x000e4
#define IVAR_VALID	0x8U

#define FIRE_MS		5000
#define QUIET_MS	200

/* The cause routed to vector i by route_all(): RXQ0..TXQ1, OTHER. */
static const uint32_t cause_of_vec[NVEC] = {
	1U << 20, 1U << 21, 1U << 22, 1U << 23, 1U << 24,
};

FIXTURE(msix) {
	struct edu_location loc;
	struct vfio_session s;
	volatile uint8_t *bar0;
	uint64_t bar0_size;
	int efd[NVEC];
};

static void reg_write(FIXTURE_DATA(msix) * self, unsigned int reg,
		      uint32_t val)
{
	*(volatile uint32_t *)(self->bar0 + reg) = val;
	/* reads back to flush the posted write */
	(void)*(volatile uint32_t *)(self->bar0 + 0x8);
}

FIXTURE_SETUP(msix)
{
	struct vfio_region_info reg;
	const char *step;
	char why[512];
	int i, ret;

	vfio_session_init(&self->s);
	self->bar0 = MAP_FAILED;
	for (i = 0; i < NVEC; i++)
		self->efd[i] = -1;
	if (vfio_pci_find(E1000E_VENDOR, E1000E_DEVICE, "e1000e", &self->loc,
			  why, sizeof(why)))
		SKIP(return, "%s", why);
	ret = vfio_session_open(&self->s, &self->loc, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	/* memory decoding for the registers, bus mastering for the MSIs */
	ASSERT_EQ(0, vfio_pci_enable_master(self->s.device));
	ASSERT_EQ(0, vfio_region_get_info(self->s.device,
					  VFIO_PCI_BAR0_REGION_INDEX, &reg));
	self->bar0 = vfio_region_mmap(self->s.device, &reg);
	ASSERT_NE(MAP_FAILED, self->bar0) TH_LOG("mmap BAR0: %s",
						 strerror(errno));
	self->bar0_size = reg.size;
	for (i = 0; i < NVEC; i++) {
		self->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, self->efd[i]);
	}
	/* nothing enabled, nothing pending */
	reg_write(self, REG_IMC, ~0U);
	reg_write(self, REG_ICR, ~0U);
}

FIXTURE_TEARDOWN(msix)
{
	int i;

	if (self->bar0 != MAP_FAILED) {
		reg_write(self, REG_IMC, ~0U);
		reg_write(self, REG_ICR, ~0U);
		munmap((void *)self->bar0, self->bar0_size);
	}
	vfio_session_close(&self->s);
	for (i = 0; i < NVEC; i++)
		if (self->efd[i] >= 0)
			close(self->efd[i]);
}

/* SET_IRQS(MSI-X, TRIGGER) with eventfds over [start, start + count). */
static int msix_set_fds(int device, uint32_t start, uint32_t count,
			const int32_t *fds)
{
	return vfio_irq_set_eventfds(device, VFIO_PCI_MSIX_IRQ_INDEX,
				     VFIO_IRQ_SET_ACTION_TRIGGER, start, count,
				     fds);
}

#define set_none vfio_irq_set_none

/*
 * Bitmap of the fixture's eventfds that fired (each consumed): waits up
 * to @ms for the first, then gives the others QUIET_MS more to show up.
 */
static unsigned int fired_set(FIXTURE_DATA(msix) * self, int ms)
{
	struct pollfd pfd[NVEC];
	unsigned int got = 0;
	int i;

	for (i = 0; i < NVEC; i++) {
		pfd[i].fd = self->efd[i];
		pfd[i].events = POLLIN;
	}
	if (ms && poll(pfd, NVEC, ms) > 0)
		usleep(QUIET_MS * 1000);
	for (i = 0; i < NVEC; i++)
		if (eventfd_wait_ms(self->efd[i], 0))
			got |= 1U << i;
	return got;
}

/* Cause i to vector i, all valid; causes cleared once sent. */
static void route_all(FIXTURE_DATA(msix) * self)
{
	uint32_t ivar = 0, eiac = 0;
	int i;

	for (i = 0; i < NVEC; i++) {
		ivar |= (IVAR_VALID | i) << (4 * i);
		eiac |= cause_of_vec[i];
	}
	reg_write(self, REG_IVAR, ivar);
	reg_write(self, REG_EIAC, eiac);
}

/* Makes the device send the vector routed to @vec. */
static void raise_vec(FIXTURE_DATA(msix) * self, int vec)
{
	reg_write(self, REG_IMS, cause_of_vec[vec]);
	reg_write(self, REG_ICS, cause_of_vec[vec]);
}

/* Is MSI-X enabled in the hardware (sysfs config, as the host sees)? */
static int hw_msix_enabled(const char *bdf)
{
	uint8_t cfg[256];
	char path[512];
	int fd, pos, guard;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (n != sizeof(cfg))
		return -1;
	pos = cfg[PCI_CAPABILITY_LIST] & ~3;
	for (guard = 0; pos && guard < 48; guard++) {
		if (cfg[pos] == PCI_CAP_ID_MSIX)
			return !!(cfg[pos + PCI_MSIX_FLAGS + 1] &
				  (PCI_MSIX_FLAGS_ENABLE >> 8));
		pos = cfg[pos + 1] & ~3;
	}
	return -1;
}

TEST_F(msix, irq_info)
{
	struct vfio_irq_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
	};

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_IRQ_INFO, &info));
	EXPECT_EQ(NVEC, info.count);
	EXPECT_TRUE(info.flags & VFIO_IRQ_INFO_EVENTFD);
	EXPECT_FALSE(info.flags & (VFIO_IRQ_INFO_MASKABLE |
				   VFIO_IRQ_INFO_AUTOMASKED));
	/* 6.1 cannot add vectors to an enabled MSI-X; 6.5+ can */
	if (!vfio_test_reference_since(6, 5))
		EXPECT_TRUE(info.flags & VFIO_IRQ_INFO_NORESIZE);
}

/* Each cause arrives on exactly the eventfd of the vector it is routed to. */
TEST_F(msix, every_vector_its_own_eventfd)
{
	int32_t fds[NVEC];
	int i, round;

	RETURN_IF_SETUP_SKIPPED();
	memcpy(fds, self->efd, sizeof(fds));
	ASSERT_EQ(0, msix_set_fds(self->s.device, 0, NVEC, fds));
	EXPECT_EQ(1, hw_msix_enabled(self->loc.bdf));
	route_all(self);

	for (round = 0; round < 2; round++) {
		for (i = 0; i < NVEC; i++) {
			raise_vec(self, i);
			EXPECT_EQ(1U << i, fired_set(self, FIRE_MS))
				TH_LOG("round %d: cause of vector %d", round, i);
		}
	}
	/* routed the other way round: cause i to vector NVEC - 1 - i */
	{
		uint32_t ivar = 0;

		for (i = 0; i < NVEC; i++)
			ivar |= (IVAR_VALID | (NVEC - 1 - i)) << (4 * i);
		reg_write(self, REG_IVAR, ivar);
	}
	for (i = 0; i < NVEC; i++) {
		raise_vec(self, i);
		EXPECT_EQ(1U << (NVEC - 1 - i), fired_set(self, FIRE_MS))
			TH_LOG("cause %d routed to vector %d", i, NVEC - 1 - i);
	}

	ASSERT_EQ(0, set_none(self->s.device, VFIO_PCI_MSIX_IRQ_INDEX,
			      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0));
	EXPECT_EQ(0, hw_msix_enabled(self->loc.bdf));
}

/*
 * One vector's eventfd replaced or removed while the others stay: the
 * device's interrupt follows the change and the others are untouched.
 */
TEST_F(msix, change_one_vector)
{
	int32_t fds[NVEC], one;
	int other;

	RETURN_IF_SETUP_SKIPPED();
	memcpy(fds, self->efd, sizeof(fds));
	ASSERT_EQ(0, msix_set_fds(self->s.device, 0, NVEC, fds));
	route_all(self);

	other = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, other);
	one = other;
	ASSERT_EQ(0, msix_set_fds(self->s.device, 2, 1, &one));
	raise_vec(self, 2);
	EXPECT_EQ(1, eventfd_wait_ms(other, FIRE_MS)) TH_LOG("the new eventfd");
	EXPECT_EQ(0U, fired_set(self, QUIET_MS));

	/* -1: vector 2 has no eventfd; its interrupt goes nowhere */
	one = -1;
	ASSERT_EQ(0, msix_set_fds(self->s.device, 2, 1, &one));
	raise_vec(self, 2);
	EXPECT_EQ(0, eventfd_wait_ms(other, QUIET_MS));
	EXPECT_EQ(0U, fired_set(self, 0));
	/* the neighbours still work */
	raise_vec(self, 1);
	EXPECT_EQ(1U << 1, fired_set(self, FIRE_MS));
	raise_vec(self, 3);
	EXPECT_EQ(1U << 3, fired_set(self, FIRE_MS));

	/* and vector 2 comes back with the original eventfd */
	one = self->efd[2];
	ASSERT_EQ(0, msix_set_fds(self->s.device, 2, 1, &one));
	raise_vec(self, 2);
	EXPECT_EQ(1U << 2, fired_set(self, FIRE_MS));
	close(other);
}

/* DATA_NONE and DATA_BOOL triggers signal the eventfds from the kernel. */
TEST_F(msix, loopback_triggers)
{
	const uint8_t bools[3] = { 1, 0, 1 };
	int32_t fds[NVEC];

	RETURN_IF_SETUP_SKIPPED();
	/* before MSI-X is enabled there is nothing to trigger */
	EXPECT_EQ(-EINVAL, set_none(self->s.device, VFIO_PCI_MSIX_IRQ_INDEX,
				    VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));

	memcpy(fds, self->efd, sizeof(fds));
	ASSERT_EQ(0, msix_set_fds(self->s.device, 0, NVEC, fds));
	ASSERT_EQ(0, set_none(self->s.device, VFIO_PCI_MSIX_IRQ_INDEX,
			      VFIO_IRQ_SET_ACTION_TRIGGER, 1, 1));
	EXPECT_EQ(1U << 1, fired_set(self, FIRE_MS));
	ASSERT_EQ(0, set_none(self->s.device, VFIO_PCI_MSIX_IRQ_INDEX,
			      VFIO_IRQ_SET_ACTION_TRIGGER, 0, NVEC));
	EXPECT_EQ((1U << NVEC) - 1, fired_set(self, FIRE_MS));
	ASSERT_EQ(0, vfio_irq_set_bools(self->s.device,
					VFIO_PCI_MSIX_IRQ_INDEX,
					VFIO_IRQ_SET_ACTION_TRIGGER, 2, 3,
					bools));
	EXPECT_EQ((1U << 2) | (1U << 4), fired_set(self, FIRE_MS));
}

/* MSI-X excludes INTx and MSI; masking it is not supported (6.1). */
TEST_F(msix, exclusive_and_unmaskable)
{
	int32_t fds[NVEC];

	RETURN_IF_SETUP_SKIPPED();
	memcpy(fds, self->efd, sizeof(fds));
	ASSERT_EQ(0, msix_set_fds(self->s.device, 0, 2, fds));

	EXPECT_EQ(-EINVAL, set_none(self->s.device, VFIO_PCI_MSI_IRQ_INDEX,
				    VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0));
	{
		char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
		struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

		set->argsz = sizeof(buf);
		set->flags = VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER;
		set->start = 0;
		set->count = 1;
		memcpy(set->data, &fds[2], sizeof(int32_t));
		set->index = VFIO_PCI_INTX_IRQ_INDEX;
		EXPECT_EQ(-1, ioctl(self->s.device, VFIO_DEVICE_SET_IRQS, set));
		EXPECT_EQ(EINVAL, errno);
		set->index = VFIO_PCI_MSI_IRQ_INDEX;
		EXPECT_EQ(-1, ioctl(self->s.device, VFIO_DEVICE_SET_IRQS, set));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(-ENOTTY, set_none(self->s.device, VFIO_PCI_MSIX_IRQ_INDEX,
				    VFIO_IRQ_SET_ACTION_MASK, 0, 1));
	EXPECT_EQ(-ENOTTY, set_none(self->s.device, VFIO_PCI_MSIX_IRQ_INDEX,
				    VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
}

/* Ranges, sizes and fds the kernel refuses. */
TEST_F(msix, bad_inputs)
{
	int32_t fds[NVEC + 1], bad;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	memcpy(fds, self->efd, sizeof(self->efd));
	fds[NVEC] = self->efd[0];
	/* beyond the table */
	EXPECT_EQ(-EINVAL, msix_set_fds(self->s.device, 0, NVEC + 1, fds));
	EXPECT_EQ(-EINVAL, msix_set_fds(self->s.device, NVEC, 1, fds));
	EXPECT_EQ(-EINVAL, msix_set_fds(self->s.device, 3, 3, fds));
	/* not an eventfd, not an fd */
	bad = self->s.device;
	EXPECT_EQ(-EINVAL, msix_set_fds(self->s.device, 0, 1, &bad));
	EXPECT_EQ(0, hw_msix_enabled(self->loc.bdf));
	bad = 1000;
	EXPECT_EQ(-EBADF, msix_set_fds(self->s.device, 0, 1, &bad));
	EXPECT_EQ(0, hw_msix_enabled(self->loc.bdf));

	/* enabled with 2 vectors: 6.1 cannot grow it to 4 */
	ASSERT_EQ(0, msix_set_fds(self->s.device, 0, 2, fds));
	ret = msix_set_fds(self->s.device, 3, 1, &fds[3]);
	if (vfio_test_reference_since(6, 5)) {
		/* upstream 6.5 "vfio/pci: Support dynamic MSI-X" */
		EXPECT_TRUE(ret == 0 || ret == -EINVAL)
			TH_LOG("6.5+ may grow an enabled MSI-X: %s",
			       strerror(-ret));
	} else {
		EXPECT_EQ(-EINVAL, ret) TH_LOG("grew an enabled MSI-X");
	}
	/* a bad fd in a block of an enabled MSI-X */
	fds[1] = self->s.device;
	EXPECT_EQ(-EINVAL, msix_set_fds(self->s.device, 0, 2, fds));
	ASSERT_EQ(0, set_none(self->s.device, VFIO_PCI_MSIX_IRQ_INDEX,
			      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0));
	EXPECT_EQ(0, hw_msix_enabled(self->loc.bdf));
}

TEST_HARNESS_MAIN
