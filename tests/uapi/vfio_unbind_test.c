// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unbinding vfio-pci from a device that user space holds open: the host
 * asks for the device back through the REQ interrupt (an eventfd), the
 * unbind waits until the user closes the device, and then completes; the
 * device can be bound to vfio-pci again afterwards.  Uses an e1000 so
 * that edu stays bound for the other programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define REQ_TIMEOUT_MS		10000
#define UNBIND_TIMEOUT_MS	20000

FIXTURE(unbind) {
	struct edu_location nic;
	struct vfio_session s;
	int req;
	pid_t child;
};

FIXTURE_SETUP(unbind)
{
	char why[512];

	vfio_session_init(&self->s);
	self->req = -1;
	self->child = -1;
	if (vfio_pci_find(0x8086, 0x100e, "e1000", &self->nic, why,
			  sizeof(why)))
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(unbind)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->req >= 0)
		close(self->req);
	vfio_session_close(&self->s);
	if (self->nic.bdf[0])
		pci_bind(self->nic.bdf, "vfio-pci");
}

/*
 * Writes @bdf to its driver's unbind file; exits 0 once that returns.  The
 * child first closes its copies of the VFIO files: a copy of the device
 * fd would hold the very device whose release the unbind waits for.
 */
static void unbind_in_child(const char *bdf, struct vfio_session *s, int req)
{
	char path[512];
	int fd;

	close(req);
	vfio_session_close(s);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 bdf);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(2);
	if (write(fd, bdf, strlen(bdf)) != (ssize_t)strlen(bdf))
		_exit(3);
	close(fd);
	_exit(0);
}

/* Waits up to @ms for @pid; returns its wait status or -1 on timeout. */
static int wait_child(pid_t pid, int ms)
{
	int status;

	for (; ms > 0; ms -= 20) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(20 * 1000);
	}
	return -1;
}

TEST_F(unbind, request_then_release)
{
	uint8_t buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	struct pollfd pfd;
	char driver[64], node[64];
	const char *step;
	uint64_t count;
	int ret, status;

	RETURN_IF_SETUP_SKIPPED();
	ret = vfio_session_open(&self->s, &self->nic, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));

	self->req = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->req);
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_REQ_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &self->req, sizeof(int32_t));
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_SET_IRQS, set))
		TH_LOG("SET_IRQS(REQ): %s", strerror(errno));

	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0)
		unbind_in_child(self->nic.bdf, &self->s, self->req);

	/* The host asks for the device back... */
	pfd.fd = self->req;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, REQ_TIMEOUT_MS))
		TH_LOG("no REQ signal within %d ms", REQ_TIMEOUT_MS);
	ASSERT_EQ(sizeof(count), read(self->req, &count, sizeof(count)));
	EXPECT_LE(1, count);
	/* ...and the unbind waits while the device is open. */
	EXPECT_EQ(0, waitpid(self->child, &status, WNOHANG));

	/* Give it back: the unbind completes. */
	close(self->s.device);
	self->s.device = -1;
	status = wait_child(self->child, UNBIND_TIMEOUT_MS);
	ASSERT_NE(-1, status) TH_LOG("unbind still blocked after close");
	self->child = -1;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("unbind writer status 0x%x", status);
	ASSERT_EQ(0, pci_driver_name(self->nic.bdf, driver, sizeof(driver)));
	EXPECT_STREQ("", driver);

	/* With every file closed, the group node is gone... */
	vfio_session_close(&self->s);
	snprintf(node, sizeof(node), "/dev/vfio/%d", self->nic.group_id);
	EXPECT_NE(0, access(node, F_OK));

	/* ...and binding vfio-pci again brings it back. */
	ASSERT_EQ(0, pci_bind(self->nic.bdf, "vfio-pci"));
	EXPECT_EQ(0, access(node, F_OK));
}

TEST_HARNESS_MAIN
