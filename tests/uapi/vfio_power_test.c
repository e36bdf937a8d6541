// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runtime power management of vfio-pci devices: an idle device (bound,
 * nobody has it open) is runtime-suspended into D3hot, an open one is in
 * D0, and the LOW_POWER_ENTRY, LOW_POWER_ENTRY_WITH_WAKEUP and
 * LOW_POWER_EXIT device features put it in low power and out again.
 *
 * The state is read from sysfs: power/runtime_status, power_state where
 * the kernel has it, and the power state field of the PM capability's
 * PMCSR in the config file (the PCI core does not resume a D3hot device
 * for a config read).  The e1000e, which has a PM capability, is the
 * device under test; edu has none: it is runtime-suspended but stays in
 * D0.  disable_idle_d3 is read when vfio-pci loads, so its test reloads
 * the module with it set, then without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
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

#define E1000E_VENDOR		0x8086
#define E1000E_DEVICE		0x10d3
/* Receive address 0, low and high: the MAC address, set by the device */
#define E1000E_RAL0		0x5400
#define E1000E_RAH0		0x5404

#define PARAM_IDLE_D3	"/sys/module/vfio_pci/parameters/disable_idle_d3"

/* Runtime suspend is asynchronous: how long to wait for a state. */
#define STATE_TIMEOUT_MS	5000
/* How long a state must hold to count as stable. */
#define STABLE_MS		300

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* "active", "suspended"... of power/runtime_status; "" if unreadable. */
static void read_runtime_status(const char *bdf, char *buf, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/power/runtime_status",
		 bdf);
	if (sysfs_read_line(path, buf, len))
		buf[0] = '\0';
}

static bool is_suspended(const char *bdf)
{
	char st[32];

	read_runtime_status(bdf, st, sizeof(st));
	return !strcmp(st, "suspended");
}

/* Polls until the device is (or is not) runtime-suspended. */
static bool wait_suspended(const char *bdf, bool want)
{
	unsigned int waited;

	for (waited = 0; waited < STATE_TIMEOUT_MS; waited += 10) {
		if (is_suspended(bdf) == want)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* Does the state hold for STABLE_MS? */
static bool stays_suspended(const char *bdf, bool want)
{
	unsigned int waited;

	for (waited = 0; waited < STABLE_MS; waited += 10) {
		if (is_suspended(bdf) != want)
			return false;
		sleep_ms(10);
	}
	return true;
}

/* PMCSR's power state (0 = D0, 3 = D3hot) read from sysfs, or -1. */
static int pmcsr_state(const char *bdf)
{
	uint8_t cfg[256];
	char path[512];
	unsigned int pos, n = 0;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	len = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (len != sizeof(cfg) || !(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return -1;
	for (pos = cfg[PCI_CAPABILITY_LIST] & ~3u; pos && n < 48; n++) {
		if (pos > sizeof(cfg) - 8)
			return -1;
		if (cfg[pos + PCI_CAP_LIST_ID] == PCI_CAP_ID_PM)
			return cfg[pos + PCI_PM_CTRL] & PCI_PM_CTRL_STATE_MASK;
		pos = cfg[pos + PCI_CAP_LIST_NEXT] & ~3u;
	}
	return -1;
}

/* sysfs power_state ("D0", "D3hot"...), "" where the kernel has none. */
static void read_power_state(const char *bdf, char *buf, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/power_state",
		 bdf);
	if (sysfs_read_line(path, buf, len))
		buf[0] = '\0';
}

/* Expects D3hot (@d3) or D0 in PMCSR and, where it exists, power_state. */
static void expect_power(struct __test_metadata *_metadata, const char *bdf,
			 bool d3)
{
	char ps[32];

	EXPECT_EQ(d3 ? 3 : 0, pmcsr_state(bdf));
	read_power_state(bdf, ps, sizeof(ps));
	if (ps[0])
		EXPECT_STREQ(d3 ? "D3hot" : "D0", ps);
}

#define EXPECT_POWER(bdf, d3) expect_power(_metadata, bdf, d3)

static int feature(int device, uint32_t flags, const void *data,
		   size_t size)
{
	struct {
		struct vfio_device_feature hdr;
		uint8_t data[64];
	} arg;

	memset(&arg, 0, sizeof(arg));
	arg.hdr.argsz = sizeof(arg.hdr) + size;
	arg.hdr.flags = flags;
	if (size)
		memcpy(arg.data, data, size);
	return ioctl(device, VFIO_DEVICE_FEATURE, &arg) ? -errno : 0;
}

static int entry(int device)
{
	return feature(device, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0);
}

static int entry_wakeup(int device, int efd)
{
	struct vfio_device_low_power_entry_with_wakeup w = {
		.wakeup_eventfd = efd,
	};

	return feature(device, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
		       &w, sizeof(w));
}

static int low_power_exit(int device)
{
	return feature(device, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, NULL, 0);
}

/* How many times @efd was signalled since the last call (0 if none). */
static uint64_t eventfd_count(int efd)
{
	uint64_t n = 0;

	if (read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

static int bar0_read32(int device, uint64_t off, uint32_t *val)
{
	struct vfio_region_info info;
	int ret;

	ret = vfio_region_get_info(device, VFIO_PCI_BAR0_REGION_INDEX, &info);
	if (ret)
		return ret;
	return vfio_region_read(device, &info, off, val, sizeof(*val));
}

static bool idle_d3_disabled(void)
{
	char v[8];

	return !sysfs_read_line(PARAM_IDLE_D3, v, sizeof(v)) && v[0] == 'Y';
}

FIXTURE(power) {
	struct edu_location loc;
	struct vfio_session s;
	uint32_t mac_lo;	/* RAL0 read in D0 */
};

FIXTURE_SETUP(power)
{
	const char *step;
	char why[512];
	int ret;

	vfio_session_init(&self->s);
	if (vfio_pci_find(E1000E_VENDOR, E1000E_DEVICE, "e1000e", &self->loc,
			  why, sizeof(why)))
		SKIP(return, "%s", why);
	if (pmcsr_state(self->loc.bdf) < 0)
		SKIP(return, "the e1000e has no PM capability");
	if (idle_d3_disabled())
		SKIP(return, "vfio-pci was loaded with disable_idle_d3=1");
	ret = vfio_session_open(&self->s, &self->loc, false, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
}

FIXTURE_TEARDOWN(power)
{
	vfio_session_close(&self->s);
}

static int open_device(struct vfio_session *s, const char *bdf)
{
	s->device = ioctl(s->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	return s->device < 0 ? -errno : 0;
}

static void close_device(struct vfio_session *s)
{
	close(s->device);
	s->device = -1;
}

/* Open, enable memory decoding, read RAL0 in D0. */
#define OPEN_DEVICE() do {						\
	ASSERT_EQ(0, open_device(&self->s, self->loc.bdf));		\
	ASSERT_EQ(0, vfio_pci_set_command(self->s.device,		\
					  PCI_COMMAND_MEMORY));		\
	ASSERT_EQ(0, bar0_read32(self->s.device, E1000E_RAL0,		\
				 &self->mac_lo));			\
} while (0)

/* Bound, nobody has it open: runtime-suspended, in D3hot. */
TEST_F(power, idle_device_in_d3hot)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_TRUE(wait_suspended(self->loc.bdf, true));
	EXPECT_POWER(self->loc.bdf, true);
}

/* Open: active, in D0 right away; suspended again after the close. */
TEST_F(power, open_device_in_d0)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_TRUE(wait_suspended(self->loc.bdf, true));
	OPEN_DEVICE();
	EXPECT_FALSE(is_suspended(self->loc.bdf));
	EXPECT_POWER(self->loc.bdf, false);
	EXPECT_TRUE(stays_suspended(self->loc.bdf, false));
	EXPECT_NE(0, self->mac_lo);

	close_device(&self->s);
	EXPECT_TRUE(wait_suspended(self->loc.bdf, true));
	EXPECT_POWER(self->loc.bdf, true);
}

/*
 * LOW_POWER_ENTRY: D3hot while open.  A BAR read resumes the device for
 * the access (same data as in D0); it then suspends again, until EXIT.
 */
TEST_F(power, low_power_entry_and_exit)
{
	uint32_t val = 0;

	RETURN_IF_SETUP_SKIPPED();
	OPEN_DEVICE();
	ASSERT_EQ(0, entry(self->s.device));
	ASSERT_TRUE(wait_suspended(self->loc.bdf, true));
	EXPECT_POWER(self->loc.bdf, true);

	EXPECT_EQ(0, bar0_read32(self->s.device, E1000E_RAL0, &val));
	EXPECT_EQ(self->mac_lo, val);
	EXPECT_TRUE(wait_suspended(self->loc.bdf, true));

	/* A config read through VFIO too */
	EXPECT_EQ(0, vfio_pci_set_command(self->s.device, PCI_COMMAND_MEMORY));
	EXPECT_TRUE(wait_suspended(self->loc.bdf, true));

	EXPECT_EQ(0, low_power_exit(self->s.device));
	EXPECT_FALSE(is_suspended(self->loc.bdf));
	EXPECT_POWER(self->loc.bdf, false);
	EXPECT_TRUE(stays_suspended(self->loc.bdf, false));
}

/*
 * WITH_WAKEUP: a BAR read wakes the device, which signals the eventfd
 * once and ends the low power request: the device stays in D0.
 */
TEST_F(power, wakeup_eventfd_on_access)
{
	struct pollfd pfd;
	uint32_t val = 0;
	int efd;

	RETURN_IF_SETUP_SKIPPED();
	OPEN_DEVICE();
	efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, entry_wakeup(self->s.device, efd));
	ASSERT_TRUE(wait_suspended(self->loc.bdf, true));
	EXPECT_POWER(self->loc.bdf, true);
	EXPECT_EQ(0, eventfd_count(efd));

	EXPECT_EQ(0, bar0_read32(self->s.device, E1000E_RAL0, &val));
	EXPECT_EQ(self->mac_lo, val);
	pfd.fd = efd;
	pfd.events = POLLIN;
	EXPECT_EQ(1, poll(&pfd, 1, STATE_TIMEOUT_MS));
	EXPECT_EQ(1, eventfd_count(efd));
	EXPECT_TRUE(stays_suspended(self->loc.bdf, false));
	EXPECT_POWER(self->loc.bdf, false);

	/* The request is over: EXIT has nothing to do, no new signal */
	EXPECT_EQ(0, low_power_exit(self->s.device));
	EXPECT_EQ(0, eventfd_count(efd));
	close(efd);
}

/* EXIT of a suspended WITH_WAKEUP request: its own resume signals. */
TEST_F(power, wakeup_eventfd_on_exit)
{
	int efd;

	RETURN_IF_SETUP_SKIPPED();
	OPEN_DEVICE();
	efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, entry_wakeup(self->s.device, efd));
	ASSERT_TRUE(wait_suspended(self->loc.bdf, true));
	EXPECT_EQ(0, low_power_exit(self->s.device));
	EXPECT_EQ(1, eventfd_count(efd));
	EXPECT_TRUE(stays_suspended(self->loc.bdf, false));
	close(efd);
}

/* Close during a low power request: idle D3hot afterwards, reopen in D0. */
TEST_F(power, close_in_low_power)
{
	uint32_t val = 0;

	RETURN_IF_SETUP_SKIPPED();
	OPEN_DEVICE();
	ASSERT_EQ(0, entry(self->s.device));
	ASSERT_TRUE(wait_suspended(self->loc.bdf, true));
	close_device(&self->s);
	EXPECT_TRUE(wait_suspended(self->loc.bdf, true));

	OPEN_DEVICE();
	EXPECT_TRUE(stays_suspended(self->loc.bdf, false));
	EXPECT_EQ(0, bar0_read32(self->s.device, E1000E_RAL0, &val));
	EXPECT_EQ(self->mac_lo, val);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, sig);
}

/* Reads through @p; false if that raised SIGBUS. */
static bool mmio_read_ok(volatile uint32_t *p, uint32_t *val)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool ok = false;

	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(bus_jmp, 1)) {
		*val = *p;
		ok = true;
	}
	sigaction(SIGBUS, &old, NULL);
	return ok;
}

/* BAR mappings fault with SIGBUS in low power, and work after EXIT. */
TEST_F(power, mmap_blocked_in_low_power)
{
	struct vfio_region_info info;
	volatile uint32_t *ral0;
	uint32_t val = 0;
	void *bar;

	RETURN_IF_SETUP_SKIPPED();
	OPEN_DEVICE();
	ASSERT_EQ(0, vfio_region_get_info(self->s.device,
					  VFIO_PCI_BAR0_REGION_INDEX, &info));
	if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP))
		SKIP(return, "BAR0 cannot be mmapped");
	bar = vfio_region_mmap(self->s.device, &info);
	ASSERT_NE(MAP_FAILED, bar);
	ral0 = (volatile uint32_t *)((char *)bar + E1000E_RAL0);
	EXPECT_TRUE(mmio_read_ok(ral0, &val));
	EXPECT_EQ(self->mac_lo, val);

	ASSERT_EQ(0, entry(self->s.device));
	EXPECT_FALSE(mmio_read_ok(ral0, &val));
	ASSERT_TRUE(wait_suspended(self->loc.bdf, true));
	EXPECT_FALSE(mmio_read_ok(ral0, &val));
	/* A mapping access does not wake the device */
	EXPECT_TRUE(stays_suspended(self->loc.bdf, true));

	EXPECT_EQ(0, low_power_exit(self->s.device));
	val = 0;
	EXPECT_TRUE(mmio_read_ok(ral0, &val));
	EXPECT_EQ(self->mac_lo, val);
	munmap(bar, info.size);
}

/* Entry twice is refused; EXIT without a request is accepted. */
TEST_F(power, entry_twice_exit_twice)
{
	int efd;

	RETURN_IF_SETUP_SKIPPED();
	OPEN_DEVICE();
	EXPECT_EQ(0, low_power_exit(self->s.device));
	ASSERT_EQ(0, entry(self->s.device));
	EXPECT_EQ(-EINVAL, entry(self->s.device));
	efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	EXPECT_EQ(-EINVAL, entry_wakeup(self->s.device, efd));
	EXPECT_EQ(0, low_power_exit(self->s.device));
	EXPECT_EQ(0, low_power_exit(self->s.device));
	EXPECT_TRUE(stays_suspended(self->loc.bdf, false));
	close(efd);
}

/* PROBE, GET, argsz and eventfd checks, with the errnos of 6.1. */
TEST_F(power, bad_inputs)
{
	static const uint32_t feats[] = {
		VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
		VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
		VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
	};
	struct vfio_device_low_power_entry_with_wakeup w = { };
	const uint32_t wake = VFIO_DEVICE_FEATURE_SET |
			      VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP;
	unsigned int i;
	int fd;

	RETURN_IF_SETUP_SKIPPED();
	OPEN_DEVICE();
	for (i = 0; i < ARRAY_SIZE(feats); i++) {
		uint32_t f = feats[i];

		EXPECT_EQ(0, feature(self->s.device, f |
				     VFIO_DEVICE_FEATURE_PROBE |
				     VFIO_DEVICE_FEATURE_SET, NULL, 0));
		EXPECT_EQ(0, feature(self->s.device, f |
				     VFIO_DEVICE_FEATURE_PROBE, NULL, 0));
		EXPECT_EQ(-EINVAL, feature(self->s.device, f |
					   VFIO_DEVICE_FEATURE_PROBE |
					   VFIO_DEVICE_FEATURE_GET, NULL, 0));
		EXPECT_EQ(-EINVAL, feature(self->s.device, f |
					   VFIO_DEVICE_FEATURE_GET, &w,
					   sizeof(w)));
		/* Neither GET nor SET */
		EXPECT_EQ(-EINVAL, feature(self->s.device, f, &w, sizeof(w)));
		/* GET and SET together */
		EXPECT_EQ(-EINVAL, feature(self->s.device, f |
					   VFIO_DEVICE_FEATURE_GET |
					   VFIO_DEVICE_FEATURE_SET, &w,
					   sizeof(w)));
	}

	/* The wakeup struct must be all there; no eventfd is taken */
	w.wakeup_eventfd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, w.wakeup_eventfd);
	EXPECT_EQ(-EINVAL, feature(self->s.device, wake, &w, 0));
	EXPECT_EQ(-EINVAL, feature(self->s.device, wake, &w, sizeof(w) - 1));
	close(w.wakeup_eventfd);

	w.wakeup_eventfd = -1;
	EXPECT_EQ(-EINVAL, feature(self->s.device, wake, &w, sizeof(w)));
	/* A number with no file behind it */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
	w.wakeup_eventfd = fd;
	EXPECT_EQ(-EBADF, feature(self->s.device, wake, &w, sizeof(w)));
	/* A file that is not an eventfd */
	w.wakeup_eventfd = self->s.device;
	EXPECT_EQ(-EINVAL, feature(self->s.device, wake, &w, sizeof(w)));

	/* None of these entered low power */
	EXPECT_TRUE(stays_suspended(self->loc.bdf, false));
	EXPECT_EQ(0, entry(self->s.device));
	EXPECT_EQ(0, low_power_exit(self->s.device));
}

/* edu has no PM capability: runtime-suspended while idle, but in D0. */
TEST(edu_without_pm_cap)
{
	struct edu_location loc;
	char why[512], ps[32];

	if (edu_find(&loc, why, sizeof(why)))
		SKIP(return, "%s", why);
	if (idle_d3_disabled())
		SKIP(return, "vfio-pci was loaded with disable_idle_d3=1");
	ASSERT_EQ(-1, pmcsr_state(loc.bdf));
	EXPECT_TRUE(wait_suspended(loc.bdf, true));
	read_power_state(loc.bdf, ps, sizeof(ps));
	if (ps[0])
		EXPECT_STRNE("D3hot", ps);
}

static bool bound_to_vfio_pci(const char *bdf)
{
	char drv[64];

	return !pci_driver_name(bdf, drv, sizeof(drv)) &&
	       !strcmp(drv, "vfio-pci");
}

/*
 * disable_idle_d3=1 (read when the module loads): an idle device stays
 * active and in D0; LOW_POWER_ENTRY still suspends an open one.
 */
TEST(disable_idle_d3)
{
	struct edu_location loc;
	struct vfio_session s;
	const char *step;
	char why[512];
	struct stat st;
	int ret;

	if (vfio_pci_find(E1000E_VENDOR, E1000E_DEVICE, "e1000e", &loc,
			  why, sizeof(why)))
		SKIP(return, "%s", why);
	if (pmcsr_state(loc.bdf) < 0)
		SKIP(return, "the e1000e has no PM capability");
	if (stat(VFIO_PCI_KO, &st))
		SKIP(return, "no %s to reload", VFIO_PCI_KO);
	if (idle_d3_disabled())
		SKIP(return, "vfio-pci was loaded with disable_idle_d3=1");

	ret = vfio_pci_reload("disable_idle_d3=1");
	if (ret == -EBUSY || ret == -EWOULDBLOCK)
		SKIP(return, "vfio-pci is in use: %s", strerror(-ret));
	ASSERT_EQ(0, ret) TH_LOG("reload: %s", strerror(-ret));
	EXPECT_TRUE(idle_d3_disabled());
	EXPECT_TRUE(bound_to_vfio_pci(loc.bdf));
	EXPECT_TRUE(stays_suspended(loc.bdf, false));
	EXPECT_POWER(loc.bdf, false);

	ret = vfio_session_open(&s, &loc, true, &step);
	EXPECT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	if (!ret) {
		EXPECT_TRUE(stays_suspended(loc.bdf, false));
		EXPECT_EQ(0, entry(s.device));
		EXPECT_TRUE(wait_suspended(loc.bdf, true));
		EXPECT_POWER(loc.bdf, true);
		EXPECT_EQ(0, low_power_exit(s.device));
		vfio_session_close(&s);
		EXPECT_TRUE(stays_suspended(loc.bdf, false));
		EXPECT_POWER(loc.bdf, false);
	}

	/* Back to the default: idle D3hot */
	ret = vfio_pci_reload("");
	ASSERT_EQ(0, ret) TH_LOG("reload: %s", strerror(-ret));
	EXPECT_FALSE(idle_d3_disabled());
	EXPECT_TRUE(bound_to_vfio_pci(loc.bdf));
	EXPECT_TRUE(wait_suspended(loc.bdf, true));
	EXPECT_POWER(loc.bdf, true);
}

TEST_HARNESS_MAIN
