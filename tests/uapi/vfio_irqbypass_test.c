// SPDX-License-Identifier: GPL-2.0-only
/*
 * irqbypass producers of vfio-pci's MSI and MSI-X vectors.
 *
 * As in 6.1, every MSI/MSI-X vector with a trigger eventfd is an
 * irqbypass producer whose token is that eventfd's context and whose irq
 * is the vector's host irq (the one /proc/interrupts lists as
 * "vfio-msi[<vector>](<device>)" or "vfio-msix[...]"); it leaves before
 * the irq is freed or the trigger replaced.  KVM is the consumer in real
 * use; here the test module vfio_bypass_probe (tests/kmod, shipped in
 * /lib/testmods) registers a consumer with the token of an eventfd the
 * test names, and logs every add_producer/del_producer call with the
 * producer's irq.  A KUnit case cannot do this: the fake device of
 * vfio_pci_kunit.c has no MSI vectors, and kernel code has no way to
 * create the eventfd a trigger needs.
 *
 * Devices: edu (one MSI vector) and the e1000e (MSI-X).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define PROBE_KO	"vfio_bypass_probe.ko"
#define PROBE_FILE	"/sys/kernel/debug/vfio_bypass_probe/consumer"
#define MAX_VEC		8

/* SET_IRQS eventfds for [start, start + count); 0 or -errno. */
static int set_efds(int device, uint32_t index, uint32_t start,
		    uint32_t count, const int32_t *fds)
{
	return vfio_irq_set_eventfds(device, index,
				     VFIO_IRQ_SET_ACTION_TRIGGER, start, count,
				     fds);
}

static int disable_irqs(int device, uint32_t index)
{
	return vfio_irq_set_none(device, index, VFIO_IRQ_SET_ACTION_TRIGGER,
				 0, 0);
}

/* Register the probe's consumer for eventfd @fd (-1: unregister). */
static int consumer_set(int fd)
{
	char buf[16];
	int pfd, ret = 0, n;

	pfd = open(PROBE_FILE, O_WRONLY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d", fd);
	if (write(pfd, buf, n) != n)
		ret = -errno;
	close(pfd);
	return ret;
}

/* The probe's log, NUL-terminated, in @buf. */
static int consumer_log(char *buf, size_t len)
{
	ssize_t n;
	int pfd;

	pfd = open(PROBE_FILE, O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	n = read(pfd, buf, len - 1);
	close(pfd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The host irq /proc/interrupts lists under @name, or -1. */
static int proc_irq_of(const char *name)
{
	char line[1024];
	int irq = -1;
	FILE *f;

	f = fopen("/proc/interrupts", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, name)) {
			irq = atoi(line);
			break;
		}
	}
	fclose(f);
	return irq;
}

FIXTURE(bypass) {
	struct edu_location loc;
	struct vfio_session s;
	int efd[MAX_VEC];
	int spare;
	bool registered;
};

FIXTURE_VARIANT(bypass) {
	unsigned int vendor, device;
	const char *label;
	uint32_t index;
	const char *irq_prefix;
	unsigned int nvec;	/* vectors enabled */
	unsigned int watched;	/* the vector the consumer follows */
};

FIXTURE_VARIANT_ADD(bypass, edu_msi) {
	.vendor = EDU_VENDOR_ID,
	.device = EDU_DEVICE_ID,
	.label = "edu",
	.index = VFIO_PCI_MSI_IRQ_INDEX,
	.irq_prefix = "vfio-msi",
	.nvec = 1,
	.watched = 0,
};

FIXTURE_VARIANT_ADD(bypass, e1000e_msix) {
	.vendor = 0x8086,
	.device = 0x10d3,
	.label = "e1000e",
	.index = VFIO_PCI_MSIX_IRQ_INDEX,
	.irq_prefix = "vfio-msix",
	.nvec = 3,
	.watched = 1,
};

FIXTURE_SETUP(bypass)
{
	const char *step = "";
	char why[512];
	unsigned int i;
	int ret;

	vfio_session_init(&self->s);
	for (i = 0; i < MAX_VEC; i++)
		self->efd[i] = -1;
	self->spare = -1;
	self->registered = false;
	if (vfio_pci_find(variant->vendor, variant->device, variant->label,
			  &self->loc, why, sizeof(why)))
		SKIP(return, "%s", why);
	if (access(TESTMODS_DIR "/" PROBE_KO, R_OK))
		SKIP(return, "%s not shipped: no CONFIG_IRQ_BYPASS_MANAGER",
		     PROBE_KO);
	ret = testmod_load(PROBE_KO);
	ASSERT_EQ(0, ret) TH_LOG("loading %s: %s", PROBE_KO, strerror(-ret));
	ret = vfio_session_open(&self->s, &self->loc, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	for (i = 0; i < variant->nvec; i++) {
		self->efd[i] = eventfd(0, EFD_CLOEXEC);
		ASSERT_LE(0, self->efd[i]);
	}
	self->spare = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, self->spare);
}

FIXTURE_TEARDOWN(bypass)
{
	unsigned int i;

	if (self->registered)
		consumer_set(-1);
	vfio_session_close(&self->s);
	/* it holds irqbypass.ko, which the testbed unloads at the end */
	syscall(SYS_delete_module, "vfio_bypass_probe", O_NONBLOCK);
	for (i = 0; i < MAX_VEC; i++) {
		if (self->efd[i] >= 0)
			close(self->efd[i]);
	}
	if (self->spare >= 0)
		close(self->spare);
}

/* The irq of vfio-pci's vector @vector of @bdf (/proc/interrupts). */
static int vector_irq(const char *prefix, unsigned int vector,
		      const char *bdf)
{
	char name[128];

	snprintf(name, sizeof(name), "%s[%u](%s)", prefix, vector, bdf);
	return proc_irq_of(name);
}

/*
 * Consumer first, then the vectors: add_producer comes with the watched
 * vector's host irq; replacing its trigger, and disabling, delete it.
 */
TEST_F(bypass, consumer_then_vectors)
{
	char log[1024], want[256];
	const char *pfx, *bdf;
	unsigned int vec;
	int dev, irq;

	RETURN_IF_SETUP_SKIPPED();
	pfx = variant->irq_prefix;
	vec = variant->watched;
	bdf = self->loc.bdf;
	dev = self->s.device;
	ASSERT_EQ(0, consumer_set(self->efd[variant->watched]));
	self->registered = true;
	ASSERT_EQ(0, consumer_log(log, sizeof(log)));
	EXPECT_STREQ("", log);

	ASSERT_EQ(0, set_efds(dev, variant->index, 0, variant->nvec,
			      self->efd));
	irq = vector_irq(pfx, vec, bdf);
	ASSERT_LT(0, irq);
	ASSERT_EQ(0, consumer_log(log, sizeof(log)));
	snprintf(want, sizeof(want), "add irq=%d\n", irq);
	EXPECT_STREQ(want, log);

	/* another eventfd on the watched vector: the producer leaves */
	ASSERT_EQ(0, set_efds(dev, variant->index, variant->watched, 1,
			      &self->spare));
	ASSERT_EQ(0, consumer_log(log, sizeof(log)));
	snprintf(want, sizeof(want), "add irq=%d\ndel irq=%d\n", irq, irq);
	EXPECT_STREQ(want, log);

	/* and comes back with the old one */
	ASSERT_EQ(0, set_efds(dev, variant->index, variant->watched, 1,
			      &self->efd[variant->watched]));
	EXPECT_EQ(irq, vector_irq(pfx, vec, bdf));
	ASSERT_EQ(0, consumer_log(log, sizeof(log)));
	snprintf(want, sizeof(want), "add irq=%d\ndel irq=%d\nadd irq=%d\n",
		 irq, irq, irq);
	EXPECT_STREQ(want, log);

	/* disabling the index deletes it before the irq is freed */
	ASSERT_EQ(0, disable_irqs(dev, variant->index));
	EXPECT_EQ(-1, vector_irq(pfx, vec, bdf));
	ASSERT_EQ(0, consumer_log(log, sizeof(log)));
	snprintf(want, sizeof(want),
		 "add irq=%d\ndel irq=%d\nadd irq=%d\ndel irq=%d\n",
		 irq, irq, irq, irq);
	EXPECT_STREQ(want, log);
}

/*
 * Vectors first, then the consumer: it connects at once; eventfd -1 on
 * the vector disconnects it; closing the device with a live producer
 * disconnects it too.
 */
TEST_F(bypass, vectors_then_consumer)
{
	char log[1024], want[256];
	const char *pfx, *bdf;
	int32_t off = -1;
	unsigned int vec;
	int dev, irq;

	RETURN_IF_SETUP_SKIPPED();
	pfx = variant->irq_prefix;
	vec = variant->watched;
	bdf = self->loc.bdf;
	dev = self->s.device;
	ASSERT_EQ(0, set_efds(dev, variant->index, 0, variant->nvec,
			      self->efd));
	irq = vector_irq(pfx, vec, bdf);
	ASSERT_LT(0, irq);

	ASSERT_EQ(0, consumer_set(self->efd[variant->watched]));
	self->registered = true;
	ASSERT_EQ(0, consumer_log(log, sizeof(log)));
	snprintf(want, sizeof(want), "add irq=%d\n", irq);
	EXPECT_STREQ(want, log);

	ASSERT_EQ(0, set_efds(dev, variant->index, variant->watched, 1, &off));
	ASSERT_EQ(0, consumer_log(log, sizeof(log)));
	snprintf(want, sizeof(want), "add irq=%d\ndel irq=%d\n", irq, irq);
	EXPECT_STREQ(want, log);

	/* set again, then close the device without disabling */
	ASSERT_EQ(0, set_efds(dev, variant->index, variant->watched, 1,
			      &self->efd[variant->watched]));
	close(self->s.device);
	self->s.device = -1;
	EXPECT_EQ(-1, vector_irq(pfx, vec, bdf));
	ASSERT_EQ(0, consumer_log(log, sizeof(log)));
	snprintf(want, sizeof(want),
		 "add irq=%d\ndel irq=%d\nadd irq=%d\ndel irq=%d\n",
		 irq, irq, irq, irq);
	EXPECT_STREQ(want, log);
}

/* A consumer on another eventfd sees none of the device's vectors. */
TEST_F(bypass, other_token)
{
	const char *pfx, *bdf;
	unsigned int vec;
	char log[1024];

	RETURN_IF_SETUP_SKIPPED();
	pfx = variant->irq_prefix;
	vec = variant->watched;
	bdf = self->loc.bdf;
	ASSERT_EQ(0, consumer_set(self->spare));
	self->registered = true;
	ASSERT_EQ(0, set_efds(self->s.device, variant->index, 0,
			      variant->nvec, self->efd));
	ASSERT_LT(0, vector_irq(pfx, vec, bdf));
	ASSERT_EQ(0, disable_irqs(self->s.device, variant->index));
	ASSERT_EQ(0, consumer_log(log, sizeof(log)));
	EXPECT_STREQ("", log);
}

TEST_HARNESS_MAIN
