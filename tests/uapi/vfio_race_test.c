// SPDX-License-Identifier: GPL-2.0-only
/*
 * Races between the users of one VFIO device and between a user and the
 * host, each made to overlap on purpose (threads released together by a
 * barrier, a second process started on a flag) and repeated a bounded
 * number of times:
 *
 *   unbind_vs_device_open    sysfs unbind while GET_DEVICE_FD, REQ and
 *                            close run in a loop; the unbind completes
 *                            once the device is given back
 *   close_during_map         the group and container closed while
 *                            another thread maps and unmaps on them
 *   map_unmap_overlap        MAP/UNMAP on overlapping ranges from four
 *                            threads; afterwards the IOVA space, the
 *                            reported sizes, VmLck and the pins agree
 *   set_irqs_while_firing    MSI and INTx enabled, replaced, disabled
 *                            while edu raises interrupts in a loop
 *   reset_while_bar_read     VFIO_DEVICE_RESET of the nvme while another
 *                            thread reads its mmap()ed BAR0
 *   kill_during_ioctl        SIGKILL of the process in MAP_DMA, UNMAP_DMA,
 *                            SET_IRQS, RESET or GET_DEVICE_FD: the pins
 *                            come back and the group opens again
 *
 * The debug-kernel tier runs the same program under KASAN and lockdep,
 * which is where a race that goes wrong inside the kernel shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define PG		4096ULL
#define RW		(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

#define E1000_VENDOR	0x8086
#define E1000_DEVICE	0x100e
#define NVME_VENDOR	0x1b36
#define NVME_DEVICE	0x0010
#define NVME_REG_CAP	0x00
#define NVME_REG_VS	0x08

/* Milliseconds since an arbitrary start. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits up to @ms for @pid; its wait status, or -1 on timeout. */
static int wait_child_ms(pid_t pid, int ms)
{
	long long end = now_ms() + ms;
	int status;

	do {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(5000);
	} while (now_ms() < end);
	return -1;
}

/*
 * The pins of the whole system are back at @base: polled for a while,
 * since the last fput of a dead process's files may still be running.
 * True also when the counters are missing (@have false).
 */
static bool pins_back(bool have, long long base, long long *now)
{
	int i;

	*now = base;
	if (!have)
		return true;
	for (i = 0; i < 50; i++) {
		if (!foll_pins(now) && *now == base)
			return true;
		usleep(20000);
	}
	return false;
}

/* Opens @loc's chain, retrying while the group is still busy (EBUSY). */
static int session_reopen(struct vfio_session *s,
			  const struct edu_location *loc, bool with_device,
			  const char **step)
{
	int i, ret = -EBUSY;

	for (i = 0; i < 100 && ret == -EBUSY; i++) {
		ret = vfio_session_open(s, loc, with_device, step);
		if (ret == -EBUSY)
			usleep(20000);
	}
	return ret;
}

/* ---- unbind while the device is being opened and closed ---- */

#define UNBIND_ROUNDS		3
#define UNBIND_TIMEOUT_MS	20000
#define REQ_WAIT_MS		30

struct unbind_shared {
	atomic_int go;
	int ret;
};

FIXTURE(nic) {
	struct edu_location loc;
	struct vfio_session s;
	pid_t child;
};

FIXTURE_SETUP(nic)
{
	char why[512];

	vfio_session_init(&self->s);
	self->child = -1;
	self->loc.bdf[0] = 0;
	if (vfio_pci_find(E1000_VENDOR, E1000_DEVICE, "e1000", &self->loc, why,
			  sizeof(why)))
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(nic)
{
	char driver[64] = "";

	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	vfio_session_close(&self->s);
	if (self->loc.bdf[0] &&
	    (pci_driver_name(self->loc.bdf, driver, sizeof(driver)) ||
	     strcmp(driver, "vfio-pci")))
		pci_bind(self->loc.bdf, "vfio-pci");
}

/* Writes @bdf to its driver's unbind file once @sh->go is set. */
static void unbind_child(const char *bdf, struct unbind_shared *sh,
			 int delay_ms)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
		 bdf);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		sh->ret = -errno;
		_exit(1);
	}
	while (!atomic_load(&sh->go))
		sched_yield();
	usleep(delay_ms * 1000);
	if (write(fd, bdf, strlen(bdf)) != (ssize_t)strlen(bdf))
		sh->ret = -errno;
	_exit(0);
}

/*
 * One device user in a loop: GET_DEVICE_FD, the REQ eventfd, a config
 * read, then a short wait for REQ (the host asking for the device) and
 * close.  Returns when GET_DEVICE_FD fails (the device is gone) or the
 * unbinding child has exited; counts what happened.
 */
static void user_loop(struct vfio_session *s, const char *bdf, pid_t child,
		      int *opens, int *reqs, int *last_err, int *status)
{
	struct vfio_region_info ci;
	uint16_t vendor;
	int32_t efd;
	int fd;

	*status = -1;
	for (;;) {
		fd = ioctl(s->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
		if (fd < 0) {
			*last_err = errno;
			break;
		}
		(*opens)++;
		efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (efd >= 0 &&
		    !vfio_irq_set_eventfds(fd, VFIO_PCI_REQ_IRQ_INDEX,
					   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
					   &efd) &&
		    !vfio_region_get_info(fd, VFIO_PCI_CONFIG_REGION_INDEX,
					  &ci))
			vfio_region_read(fd, &ci, PCI_VENDOR_ID, &vendor,
					 sizeof(vendor));
		if (efd >= 0 && eventfd_wait_ms(efd, REQ_WAIT_MS))
			(*reqs)++;
		close(fd);
		if (efd >= 0)
			close(efd);
		if (waitpid(child, status, WNOHANG) == child)
			break;
	}
}

TEST_F_TIMEOUT(nic, unbind_vs_device_open, 150)
{
	int round, opens_all = 0, reqs_all = 0;
	struct unbind_shared *sh;
	char driver[64];
	const char *step;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	sh = shared_alloc(sizeof(*sh));
	ASSERT_NE(MAP_FAILED, sh);
	for (round = 0; round < UNBIND_ROUNDS; round++) {
		int opens = 0, reqs = 0, last_err = 0, status;

		ret = session_reopen(&self->s, &self->loc, false, &step);
		ASSERT_EQ(0, ret) TH_LOG("round %d: %s: %s", round, step,
					 strerror(-ret));
		atomic_store(&sh->go, 0);
		sh->ret = 0;
		self->child = fork();
		ASSERT_LE(0, self->child);
		if (!self->child) {
			vfio_session_close(&self->s);
			unbind_child(self->loc.bdf, sh, round * 7);
		}
		atomic_store(&sh->go, 1);
		user_loop(&self->s, self->loc.bdf, self->child, &opens, &reqs,
			  &last_err, &status);
		/* the device is not open any more: the unbind must finish */
		if (status == -1)
			status = wait_child_ms(self->child, UNBIND_TIMEOUT_MS);
		ASSERT_NE(-1, status) TH_LOG("round %d: unbind blocked", round);
		self->child = -1;
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
		EXPECT_EQ(0, sh->ret) TH_LOG("unbind: %s", strerror(-sh->ret));
		ASSERT_EQ(0, pci_driver_name(self->loc.bdf, driver,
					     sizeof(driver)));
		EXPECT_STREQ("", driver);
		/* gone for good while unbound */
		EXPECT_EQ(-1, ioctl(self->s.group, VFIO_GROUP_GET_DEVICE_FD,
				    self->loc.bdf));
		fprintf(stderr, "# round %d: %d opens, %d REQs, last error %s\n",
			round, opens, reqs, strerror(last_err));
		opens_all += opens;
		reqs_all += reqs;

		vfio_session_close(&self->s);
		ASSERT_EQ(0, pci_bind(self->loc.bdf, "vfio-pci"));
		ret = session_reopen(&self->s, &self->loc, true, &step);
		ASSERT_EQ(0, ret) TH_LOG("after rebinding: %s: %s", step,
					 strerror(-ret));
		vfio_session_close(&self->s);
	}
	/* the unbinds did meet an open device, at least sometimes */
	EXPECT_LT(0, opens_all);
	fprintf(stderr, "# %d opens, %d REQs in %d rounds\n", opens_all,
		reqs_all, UNBIND_ROUNDS);
	munmap(sh, sizeof(*sh));
}

/* ---- edu: the container, DMA mappings and interrupts ---- */

FIXTURE(edu) {
	struct edu_location loc;
	struct vfio_session s;
	void *bar0;
	uint64_t bar0_size;
	bool have_pins;
	long long pins0;
	long kb0;
};

FIXTURE_SETUP(edu)
{
	EDU_FIXTURE_OPEN(&self->loc, &self->s, &self->bar0, &self->bar0_size);
	self->have_pins = !foll_pins(&self->pins0);
	self->kb0 = proc_vmlck_kb(getpid());
}

FIXTURE_TEARDOWN(edu)
{
	edu_session_close(&self->s, &self->bar0, self->bar0_size);
}

#define CLOSE_ROUNDS	6
#define CLOSE_CHUNK	(4ULL << 20)
#define CLOSE_CHUNKS	8
#define CLOSE_IOVA	(32ULL << 20)
#define CLOSE_MAX_OPS	4000

struct mapper {
	pthread_barrier_t *start;
	int container;
	uint8_t *buf;
	int maps;
	int err;
};

/* Maps the chunks one by one, unmaps them all, again, until an error. */
static void *mapper_thread(void *arg)
{
	struct mapper *m = arg;
	int i, ops = 0, ret = 0;

	pthread_barrier_wait(m->start);
	while (!ret && ops < CLOSE_MAX_OPS) {
		for (i = 0; i < CLOSE_CHUNKS && !ret; i++, ops++) {
			ret = vfio_dma_map(m->container,
					   m->buf + i * CLOSE_CHUNK,
					   CLOSE_IOVA + i * CLOSE_CHUNK,
					   CLOSE_CHUNK, RW);
			if (!ret)
				m->maps++;
		}
		if (!ret)
			ret = vfio_dma_unmap(m->container, CLOSE_IOVA,
					     CLOSE_CHUNK * CLOSE_CHUNKS, NULL);
	}
	m->err = ret;
	return NULL;
}

/*
 * The group and the container are closed (in either order) while
 * another thread maps on the container; once it stops, nothing stays
 * pinned or charged and the group opens again.  The device fd is not
 * open, so the group's close really detaches it.
 *
 * Not in reference mode: the in-tree container (drivers/vfio/container.c
 * in 6.1) passes MAP/UNMAP to type1 without holding group_lock, and the
 * last group's detach releases type1's data under that running ioctl; the
 * use after free crashed the 6.1 guest (rb_erase() in vfio_remove_dma(),
 * then slab corruption).
 */
TEST_F_TIMEOUT(edu, close_during_map, 120)
{
	size_t len = CLOSE_CHUNK * CLOSE_CHUNKS;
	pthread_barrier_t start;
	int round, maps_all = 0;
	const char *step;
	long long pins;
	uint8_t *buf;
	long kb;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	if (vfio_test_reference())
		SKIP(return, "in-tree container: use after free, crashes the guest");
	edu_session_close(&self->s, &self->bar0, self->bar0_size);
	buf = anon_alloc(len);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 0x5a, len);
	for (round = 0; round < CLOSE_ROUNDS; round++) {
		struct mapper m = { .start = &start };
		pthread_t th;

		ret = session_reopen(&self->s, &self->loc, false, &step);
		ASSERT_EQ(0, ret) TH_LOG("round %d: %s: %s", round, step,
					 strerror(-ret));
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
		m.container = self->s.container;
		m.buf = buf;
		ASSERT_EQ(0, pthread_create(&th, NULL, mapper_thread, &m));
		pthread_barrier_wait(&start);
		usleep(round * 9000);
		if (round & 1) {
			close(self->s.container);
			close(self->s.group);
		} else {
			close(self->s.group);
			close(self->s.container);
		}
		vfio_session_init(&self->s);
		pthread_join(th, NULL);
		pthread_barrier_destroy(&start);
		fprintf(stderr, "# round %d: %d maps, stopped by %s\n", round,
			m.maps, strerror(-m.err));
		maps_all += m.maps;
		/* nothing charged, nothing pinned */
		kb = proc_vmlck_kb(getpid());
		EXPECT_EQ(self->kb0, kb) TH_LOG("round %d: VmLck %ld kB", round,
						kb);
		EXPECT_TRUE(pins_back(self->have_pins, self->pins0, &pins))
			TH_LOG("round %d: %lld pages still pinned", round,
			       pins - self->pins0);
	}
	EXPECT_LT(0, maps_all);
	ret = session_reopen(&self->s, &self->loc, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	vfio_session_close(&self->s);
	munmap(buf, len);
}

#define OV_THREADS	4
#define OV_OPS		300
#define OV_SLOT		(64ULL << 10)
#define OV_SLOTS	16
#define OV_IOVA		(64ULL << 20)
#define OV_TIME_MS	20000

struct overlapper {
	pthread_barrier_t *start;
	int container;
	uint8_t *buf;
	unsigned int seed;
	long long deadline;
	uint64_t mapped, unmapped;
	int maps, unmaps, eexist, einval;
	int bad_err, bad_op;
};

/* Maps or unmaps 1, 2 or 4 slots at a random place, OV_OPS times. */
static void *overlap_thread(void *arg)
{
	struct overlapper *o = arg;
	uint64_t iova, len, done;
	int i, slot, n, ret;

	pthread_barrier_wait(o->start);
	for (i = 0; i < OV_OPS && now_ms() < o->deadline; i++) {
		int r = rand_r(&o->seed);

		n = 1 << (r % 3);
		slot = (r >> 4) % (OV_SLOTS - n + 1);
		iova = OV_IOVA + slot * OV_SLOT;
		len = n * OV_SLOT;
		if ((r >> 12) & 1) {
			ret = vfio_dma_map(o->container,
					   o->buf + slot * OV_SLOT, iova, len,
					   RW);
			if (!ret) {
				o->maps++;
				o->mapped += len;
			} else if (ret == -EEXIST) {
				o->eexist++;
			} else {
				o->bad_err = ret;
				o->bad_op = i;
			}
			continue;
		}
		done = 0;
		ret = vfio_dma_unmap(o->container, iova, len, &done);
		if (!ret) {
			o->unmaps++;
			o->unmapped += done;
		} else if (ret == -EINVAL) {
			/* TYPE1v2 never splits a mapping */
			o->einval++;
		} else {
			o->bad_err = ret;
			o->bad_op = i;
		}
	}
	return NULL;
}

/*
 * Is the page at @iova mapped?  1 (MAP_DMA of it says EEXIST), 0 (the
 * MAP works, and is undone), or a negative errno.
 */
static int page_mapped(int container, void *vaddr, uint64_t iova)
{
	uint64_t done = 0;
	int ret;

	ret = vfio_dma_map(container, vaddr, iova, PG, RW);
	if (ret == -EEXIST)
		return 1;
	if (ret)
		return ret;
	ret = vfio_dma_unmap(container, iova, PG, &done);
	if (ret)
		return ret;
	return done == PG ? 0 : -EIO;
}

/*
 * Four threads map and unmap 1, 2 or 4 slots of 64 KiB at random places
 * of one 1 MiB window, over and over: their ranges overlap all the time.
 * Afterwards every slot is all mapped or all free, the bytes the MAPs
 * added minus what the UNMAPs reported is what is mapped, VmLck and the
 * pins count exactly that, and unmapping everything gives it all back.
 */
TEST_F_TIMEOUT(edu, map_unmap_overlap, 120)
{
	struct overlapper o[OV_THREADS];
	pthread_t th[OV_THREADS];
	uint64_t balance = 0, probed = 0, done = 0;
	int i, s, ret, eexist = 0, einval = 0, ops = 0;
	pthread_barrier_t start;
	long long pins = 0;
	uint8_t *buf;
	long kb;

	RETURN_IF_SETUP_SKIPPED();
	buf = anon_alloc(OV_SLOT * OV_SLOTS);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 0xa5, OV_SLOT * OV_SLOTS);
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, OV_THREADS));
	for (i = 0; i < OV_THREADS; i++) {
		memset(&o[i], 0, sizeof(o[i]));
		o[i].start = &start;
		o[i].container = self->s.container;
		o[i].buf = buf;
		o[i].seed = 1000 + i;
		o[i].deadline = now_ms() + OV_TIME_MS;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, overlap_thread,
					    &o[i]));
	}
	for (i = 0; i < OV_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);

	for (i = 0; i < OV_THREADS; i++) {
		EXPECT_EQ(0, o[i].bad_err)
			TH_LOG("thread %d, op %d: %s", i, o[i].bad_op,
			       strerror(-o[i].bad_err));
		balance += o[i].mapped - o[i].unmapped;
		eexist += o[i].eexist;
		einval += o[i].einval;
		ops += o[i].maps + o[i].unmaps + o[i].eexist + o[i].einval;
	}
	fprintf(stderr, "# %d ops: %d EEXIST, %d EINVAL (split refused)\n",
		ops, eexist, einval);
	/* the threads did collide */
	EXPECT_LT(0, eexist);

	/* each slot all mapped or all free: first, middle and last page */
	for (s = 0; s < OV_SLOTS; s++) {
		uint64_t iova = OV_IOVA + s * OV_SLOT;
		uint8_t *va = buf + s * OV_SLOT;
		int a, b, c;

		a = page_mapped(self->s.container, va, iova);
		b = page_mapped(self->s.container, va + OV_SLOT / 2,
				iova + OV_SLOT / 2);
		c = page_mapped(self->s.container, va + OV_SLOT - PG,
				iova + OV_SLOT - PG);
		ASSERT_LE(0, a) TH_LOG("slot %d: %s", s, strerror(-a));
		EXPECT_EQ(a, b) TH_LOG("slot %d half mapped", s);
		EXPECT_EQ(a, c) TH_LOG("slot %d half mapped", s);
		if (a)
			probed += OV_SLOT;
	}
	EXPECT_EQ(balance, probed) TH_LOG("MAPs - UNMAPs: %llu bytes, mapped: %llu",
					  (unsigned long long)balance,
					  (unsigned long long)probed);
	kb = proc_vmlck_kb(getpid());
	EXPECT_EQ(self->kb0 + (long)(probed >> 10), kb);
	if (self->have_pins) {
		ASSERT_EQ(0, foll_pins(&pins));
		EXPECT_EQ(self->pins0 + (long long)(probed / PG), pins);
	}

	ret = vfio_dma_unmap(self->s.container, OV_IOVA, OV_SLOT * OV_SLOTS,
			     &done);
	EXPECT_EQ(0, ret) TH_LOG("UNMAP of everything: %s", strerror(-ret));
	EXPECT_EQ(probed, done);
	EXPECT_EQ(self->kb0, proc_vmlck_kb(getpid()));
	EXPECT_TRUE(pins_back(self->have_pins, self->pins0, &pins));
	munmap(buf, OV_SLOT * OV_SLOTS);
}

#define IRQ_ROUNDS	100
#define IRQ_TIME_MS	15000
#define IRQ_EFDS	3

struct firer {
	volatile void *bar0;
	atomic_int stop;
	long raised;
};

/* Raises edu's interrupt and acknowledges it, until told to stop. */
static void *fire_thread(void *arg)
{
	struct firer *f = arg;

	while (!atomic_load(&f->stop)) {
		edu_write32(f->bar0, EDU_REG_IRQ_RAISE, 1);
		usleep(50);
		edu_write32(f->bar0, EDU_REG_IRQ_ACK, 1);
		f->raised++;
	}
	return NULL;
}

/* Reads and sums the counts of @n non-blocking eventfds. */
static uint64_t drain(const int32_t *efd, int n)
{
	uint64_t sum = 0, v;
	int i;

	for (i = 0; i < n; i++)
		while (read(efd[i], &v, sizeof(v)) == sizeof(v))
			sum += v;
	return sum;
}

/* Which interrupt modes one storm switches through. */
#define STORM_MSI	0x1
#define STORM_INTX	0x2

/*
 * One round of reconfiguration: MSI enabled, switched to another
 * eventfd and disabled, and/or INTx enabled, unmasked and disabled.
 * Returns the number of SET_IRQS that failed; the first is logged.
 */
static int storm_round(struct __test_metadata *_metadata, int dev, int modes,
		       int32_t a, int32_t b, int round)
{
	int r[6] = { 0 }, i, fails = 0;

	if (modes & STORM_MSI) {
		r[0] = vfio_irq_set_eventfds(dev, VFIO_PCI_MSI_IRQ_INDEX,
					     VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
					     &a);
		usleep(200);
		r[1] = vfio_irq_set_eventfds(dev, VFIO_PCI_MSI_IRQ_INDEX,
					     VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
					     &b);
		usleep(200);
		r[2] = vfio_irq_set_none(dev, VFIO_PCI_MSI_IRQ_INDEX,
					 VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
	}
	if (modes & STORM_INTX) {
		r[3] = vfio_irq_set_eventfds(dev, VFIO_PCI_INTX_IRQ_INDEX,
					     VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
					     &a);
		usleep(200);
		r[4] = vfio_irq_set_none(dev, VFIO_PCI_INTX_IRQ_INDEX,
					 VFIO_IRQ_SET_ACTION_UNMASK, 0, 1);
		r[5] = vfio_irq_set_none(dev, VFIO_PCI_INTX_IRQ_INDEX,
					 VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
	}
	for (i = 0; i < 6; i++) {
		if (r[i] && !fails++)
			TH_LOG("round %d, step %d: %s", round, i,
			       strerror(-r[i]));
	}
	return fails;
}

/*
 * While one thread raises edu's interrupt in a loop, the test switches
 * interrupt modes through @modes again and again.  Every SET_IRQS
 * succeeds, the interrupts keep coming to whichever eventfd is current,
 * and at the end, with MSI set to a last eventfd, one interrupt reaches
 * it and none of the others.
 */
static void irq_storm(struct __test_metadata *_metadata,
		      struct _test_data_edu *self, int modes)
{
	const int dev = self->s.device;
	struct firer f = { .bar0 = self->bar0 };
	long long deadline = now_ms() + IRQ_TIME_MS;
	int32_t efd[IRQ_EFDS], last;
	int i, k, fails = 0;
	uint64_t got = 0, stale;
	pthread_t th;

	for (i = 0; i < IRQ_EFDS; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, efd[i]);
	}
	last = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, last);
	edu_write32(self->bar0, EDU_REG_IRQ_ACK, 0xffffffffU);
	ASSERT_EQ(0, pthread_create(&th, NULL, fire_thread, &f));

	for (k = 0; k < IRQ_ROUNDS && now_ms() < deadline; k++) {
		fails += storm_round(_metadata, dev, modes, efd[k % IRQ_EFDS],
				     efd[(k + 1) % IRQ_EFDS], k);
		got += drain(efd, IRQ_EFDS);
	}
	atomic_store(&f.stop, 1);
	pthread_join(th, NULL);
	fprintf(stderr, "# %d rounds, %ld raised, %llu signalled\n", k,
		f.raised, (unsigned long long)got);
	EXPECT_EQ(0, fails);
	/* interrupts did arrive while the eventfds changed */
	EXPECT_LT(0, got);

	/* quiet now: one MSI goes to the last eventfd only */
	edu_write32(self->bar0, EDU_REG_IRQ_ACK, 0xffffffffU);
	ASSERT_EQ(0, vfio_irq_set_eventfds(dev, VFIO_PCI_MSI_IRQ_INDEX,
					   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
					   &last));
	drain(efd, IRQ_EFDS);
	drain(&last, 1);
	edu_write32(self->bar0, EDU_REG_IRQ_RAISE, 1);
	EXPECT_LE(1, eventfd_wait_ms(last, 5000))
		TH_LOG("no MSI on the current eventfd");
	usleep(100000);
	stale = drain(efd, IRQ_EFDS);
	EXPECT_EQ(0, stale) TH_LOG("%llu signals on replaced eventfds",
				   (unsigned long long)stale);
	edu_write32(self->bar0, EDU_REG_IRQ_ACK, 0xffffffffU);
	EXPECT_EQ(0, vfio_irq_set_none(dev, VFIO_PCI_MSI_IRQ_INDEX,
				       VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0));
	for (i = 0; i < IRQ_EFDS; i++)
		close(efd[i]);
	close(last);
}

/* MSI enabled, moved to another eventfd, disabled, under interrupts. */
TEST_F_TIMEOUT(edu, set_irqs_msi_while_firing, 120)
{
	RETURN_IF_SETUP_SKIPPED();
	irq_storm(_metadata, self, STORM_MSI);
}

/* INTx enabled, unmasked, disabled, with the line going up and down. */
TEST_F_TIMEOUT(edu, set_irqs_intx_while_firing, 120)
{
	RETURN_IF_SETUP_SKIPPED();
	irq_storm(_metadata, self, STORM_INTX);
}

/*
 * From MSI to INTx and back, each round, under interrupts.  In the
 * testbed this hangs the guest about one run in three, with our modules
 * and with the in-tree ones alike: a stray interrupt lands on a vector
 * without handler ("No irq handler for vector"), and the next INTx
 * free_irq() spins for ever in __synchronize_hardirq() (soft lockup).
 * Until the cause (the kernel's IO-APIC code or QEMU's) is found it runs
 * only when VFIO_TEST_MSI_INTX_STORM is set in the environment.
 */
TEST_F_TIMEOUT(edu, set_irqs_msi_intx_while_firing, 120)
{
	RETURN_IF_SETUP_SKIPPED();
	if (!getenv("VFIO_TEST_MSI_INTX_STORM"))
		SKIP(return, "%s", "hangs INTx free_irq(), in-tree too; "
		     "VFIO_TEST_MSI_INTX_STORM=1 runs it");
	irq_storm(_metadata, self, STORM_MSI | STORM_INTX);
}

/* ---- nvme: reset while the BAR is read ---- */

#define RESET_ROUNDS	20
#define RESET_TIME_MS	20000

FIXTURE(nvme) {
	struct edu_location loc;
	struct vfio_session s;
	struct vfio_region_info bar;
	volatile uint8_t *map;
};

FIXTURE_SETUP(nvme)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	char why[512];
	const char *step;
	int ret;

	vfio_session_init(&self->s);
	self->map = MAP_FAILED;
	if (vfio_pci_find(NVME_VENDOR, NVME_DEVICE, "nvme", &self->loc, why,
			  sizeof(why)))
		SKIP(return, "%s", why);
	ret = vfio_session_open(&self->s, &self->loc, true, &step);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_INFO, &info));
	if (!(info.flags & VFIO_DEVICE_FLAGS_RESET))
		SKIP(return, "the nvme has no reset method");
	ASSERT_EQ(0, vfio_region_get_info(self->s.device,
					  VFIO_PCI_BAR0_REGION_INDEX,
					  &self->bar));
	if (!(self->bar.flags & VFIO_REGION_INFO_FLAG_MMAP))
		SKIP(return, "nvme BAR0 cannot be mmapped");
	ASSERT_EQ(0, vfio_pci_set_command(self->s.device, PCI_COMMAND_MEMORY));
	self->map = vfio_region_mmap(self->s.device, &self->bar);
	ASSERT_NE(MAP_FAILED, self->map) TH_LOG("mmap: %s", strerror(errno));
}

FIXTURE_TEARDOWN(nvme)
{
	if (self->map != MAP_FAILED)
		munmap((void *)self->map, self->bar.size);
	vfio_session_close(&self->s);
}

static __thread sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, sig);
}

/* Reads 32 bits at @p; false if that raised SIGBUS. */
static bool mmio_read_ok(volatile uint8_t *p, uint32_t *val)
{
	if (sigsetjmp(bus_jmp, 1))
		return false;
	*val = *(volatile uint32_t *)p;
	return true;
}

struct reader {
	volatile uint8_t *map;
	uint32_t cap, vs;
	atomic_int stop;
	long ok, faults, wrong;
	uint32_t wrong_val;
};

/* Reads CAP and VS through the mapping until told to stop. */
static void *reader_thread(void *arg)
{
	struct reader *r = arg;
	uint32_t v;

	while (!atomic_load(&r->stop)) {
		if (!mmio_read_ok(r->map + NVME_REG_CAP, &v)) {
			r->faults++;
			continue;
		}
		if (v != r->cap) {
			r->wrong++;
			r->wrong_val = v;
		} else {
			r->ok++;
		}
		if (mmio_read_ok(r->map + NVME_REG_VS, &v) && v != r->vs) {
			r->wrong++;
			r->wrong_val = v;
		}
	}
	return NULL;
}

/*
 * VFIO_DEVICE_RESET (an FLR) again and again while another thread reads
 * the controller's CAP and VS registers through the mmap()ed BAR0: every
 * read gives the register's value or faults cleanly with SIGBUS, every
 * reset succeeds, and the mapping works after the last one.
 */
TEST_F_TIMEOUT(nvme, reset_while_bar_read, 120)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	long long deadline = now_ms() + RESET_TIME_MS;
	struct reader r = { .map = self->map };
	int k, fails = 0, ret = 0;
	uint32_t v = 0;
	pthread_t th;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, &old));
	ASSERT_TRUE(mmio_read_ok(self->map + NVME_REG_CAP, &r.cap));
	ASSERT_TRUE(mmio_read_ok(self->map + NVME_REG_VS, &r.vs));
	ASSERT_NE(0xffffffffU, r.cap);
	ASSERT_EQ(0, pthread_create(&th, NULL, reader_thread, &r));
	for (k = 0; k < RESET_ROUNDS && now_ms() < deadline; k++) {
		if (ioctl(self->s.device, VFIO_DEVICE_RESET)) {
			if (!fails++)
				ret = errno;
		}
		usleep(20000);
	}
	atomic_store(&r.stop, 1);
	pthread_join(th, NULL);
	fprintf(stderr, "# %d resets: %ld reads, %ld faults, %ld wrong\n", k,
		r.ok, r.faults, r.wrong);
	EXPECT_EQ(0, fails) TH_LOG("VFIO_DEVICE_RESET: %s", strerror(ret));
	EXPECT_EQ(0, r.wrong) TH_LOG("read 0x%08x", r.wrong_val);
	EXPECT_LT(0, r.ok);
	/* the mapping works after the resets */
	EXPECT_TRUE(mmio_read_ok(self->map + NVME_REG_CAP, &v));
	EXPECT_EQ(r.cap, v);
	sigaction(SIGBUS, &old, NULL);
}

/* ---- SIGKILL in the middle of an ioctl ---- */

enum kill_op {
	KILL_MAP,
	KILL_UNMAP,
	KILL_SET_IRQS,
	KILL_RESET,
	KILL_GET_DEVICE_FD,
};

#define KILL_ROUNDS	4
#define KILL_MAP_LEN	(64ULL << 20)
#define KILL_IOVA	(16ULL << 20)
#define KILL_SMALL	(256ULL << 10)
#define KILL_SMALLS	256

/* Written by the child, read by the test. */
struct kill_shared {
	atomic_int ready;
	atomic_long ops;
	int setup;
};

FIXTURE(kill) {
	struct edu_location loc;
	struct kill_shared *sh;
	pid_t child;
	bool have_pins;
	long long pins0;
};

FIXTURE_VARIANT(kill) {
	enum kill_op op;
	bool nvme;
};

FIXTURE_VARIANT_ADD(kill, map_dma) { .op = KILL_MAP };
FIXTURE_VARIANT_ADD(kill, unmap_dma) { .op = KILL_UNMAP };
FIXTURE_VARIANT_ADD(kill, set_irqs) { .op = KILL_SET_IRQS };
FIXTURE_VARIANT_ADD(kill, reset) { .op = KILL_RESET, .nvme = true };
FIXTURE_VARIANT_ADD(kill, get_device_fd) { .op = KILL_GET_DEVICE_FD };

FIXTURE_SETUP(kill)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_session s;
	const char *step;
	char why[512];
	int ret;

	self->child = -1;
	self->sh = MAP_FAILED;
	if (variant->nvme)
		ret = vfio_pci_find(NVME_VENDOR, NVME_DEVICE, "nvme",
				    &self->loc, why, sizeof(why));
	else
		ret = edu_find(&self->loc, why, sizeof(why));
	if (ret)
		SKIP(return, "%s", why);
	if (variant->op == KILL_RESET) {
		ret = vfio_session_open(&s, &self->loc, true, &step);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", step, strerror(-ret));
		ret = ioctl(s.device, VFIO_DEVICE_GET_INFO, &info);
		vfio_session_close(&s);
		ASSERT_EQ(0, ret);
		if (!(info.flags & VFIO_DEVICE_FLAGS_RESET))
			SKIP(return, "the nvme has no reset method");
	}
	self->sh = shared_alloc(sizeof(*self->sh));
	ASSERT_NE(MAP_FAILED, self->sh);
	self->have_pins = !foll_pins(&self->pins0);
}

FIXTURE_TEARDOWN(kill)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->sh != MAP_FAILED)
		munmap(self->sh, sizeof(*self->sh));
}

/* KILL_SMALLS mappings of KILL_SMALL bytes, one after the other. */
static void kill_map_smalls(struct vfio_session *s, uint8_t *buf)
{
	int i;

	for (i = 0; i < KILL_SMALLS; i++)
		vfio_dma_map(s->container, buf + i * KILL_SMALL,
			     KILL_IOVA + i * KILL_SMALL, KILL_SMALL, RW);
}

/* One step of the child's loop; the ioctl under test is in it. */
static void kill_step(enum kill_op op, struct vfio_session *s,
		      const char *bdf, uint8_t *buf, int32_t *efd)
{
	int fd;

	switch (op) {
	case KILL_MAP:
		/* the pages are faulted in again by every MAP */
		vfio_dma_map(s->container, buf, KILL_IOVA, KILL_MAP_LEN, RW);
		vfio_dma_unmap(s->container, KILL_IOVA, KILL_MAP_LEN, NULL);
		madvise(buf, KILL_MAP_LEN, MADV_DONTNEED);
		break;
	case KILL_UNMAP:
		/* mapped before the first step: the UNMAP comes first */
		vfio_dma_unmap(s->container, KILL_IOVA,
			       KILL_SMALL * KILL_SMALLS, NULL);
		kill_map_smalls(s, buf);
		break;
	case KILL_SET_IRQS:
		vfio_irq_set_eventfds(s->device, VFIO_PCI_MSI_IRQ_INDEX,
				      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, efd);
		vfio_irq_set_eventfds(s->device, VFIO_PCI_MSI_IRQ_INDEX,
				      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
				      efd + 1);
		vfio_irq_set_none(s->device, VFIO_PCI_MSI_IRQ_INDEX,
				  VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
		vfio_irq_set_eventfds(s->device, VFIO_PCI_INTX_IRQ_INDEX,
				      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, efd);
		break;
	case KILL_RESET:
		ioctl(s->device, VFIO_DEVICE_RESET);
		break;
	case KILL_GET_DEVICE_FD:
		fd = ioctl(s->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
		if (fd >= 0)
			close(fd);
		break;
	}
}

/* The child: opens the device, says it is ready, loops until killed. */
static void kill_child(enum kill_op op, const struct edu_location *loc,
		       struct kill_shared *sh)
{
	size_t len = KILL_MAP_LEN;
	struct vfio_session s;
	int32_t efd[2];
	const char *step;
	uint8_t *buf;

	buf = anon_alloc(len);
	efd[0] = eventfd(0, EFD_CLOEXEC);
	efd[1] = eventfd(0, EFD_CLOEXEC);
	sh->setup = session_reopen(&s, loc, op != KILL_GET_DEVICE_FD, &step);
	if (!sh->setup && (buf == MAP_FAILED || efd[0] < 0 || efd[1] < 0))
		sh->setup = -ENOMEM;
	if (!sh->setup && op == KILL_UNMAP)
		kill_map_smalls(&s, buf);
	atomic_store(&sh->ready, 1);
	if (sh->setup)
		_exit(1);
	for (;;) {
		kill_step(op, &s, loc->bdf, buf, efd);
		atomic_fetch_add(&sh->ops, 1);
	}
}

/*
 * A child loops on one ioctl and is SIGKILLed at a different moment each
 * round.  Afterwards the pages it had pinned are all released, the test
 * process's own VmLck never moved, and the group opens again and its
 * device works (an edu DMA round trip, or the nvme's CAP register).
 */
TEST_F_TIMEOUT(kill, during_ioctl, 150)
{
	static const int delay_ms[KILL_ROUNDS] = { 2, 15, 60, 150 };
	long kb0 = proc_vmlck_kb(getpid());
	struct vfio_session s;
	long long pins = 0;
	const char *step;
	int round, ret;
	uint8_t *buf;

	RETURN_IF_SETUP_SKIPPED();
	buf = anon_alloc(64 * PG);
	ASSERT_NE(MAP_FAILED, buf);
	for (round = 0; round < KILL_ROUNDS; round++) {
		long long deadline = now_ms() + 20000;

		atomic_store(&self->sh->ready, 0);
		atomic_store(&self->sh->ops, 0);
		self->child = fork();
		ASSERT_LE(0, self->child);
		if (!self->child)
			kill_child(variant->op, &self->loc, self->sh);
		while (!atomic_load(&self->sh->ready) && now_ms() < deadline)
			usleep(1000);
		ASSERT_TRUE(atomic_load(&self->sh->ready));
		ASSERT_EQ(0, self->sh->setup)
			TH_LOG("child: %s", strerror(-self->sh->setup));
		usleep(delay_ms[round] * 1000);
		ASSERT_EQ(0, kill(self->child, SIGKILL));
		ASSERT_EQ(self->child, waitpid(self->child, NULL, 0));
		self->child = -1;
		fprintf(stderr, "# round %d: killed after %d ms, %ld loops\n",
			round, delay_ms[round], atomic_load(&self->sh->ops));

		EXPECT_TRUE(pins_back(self->have_pins, self->pins0, &pins))
			TH_LOG("round %d: %lld pages still pinned", round,
			       pins - self->pins0);
		EXPECT_EQ(kb0, proc_vmlck_kb(getpid()));

		ret = session_reopen(&s, &self->loc, true, &step);
		ASSERT_EQ(0, ret) TH_LOG("round %d: reopen: %s: %s", round,
					 step, strerror(-ret));
		if (variant->nvme) {
			struct vfio_region_info bar;
			uint32_t cap = 0;

			ASSERT_EQ(0, vfio_region_get_info(s.device,
							  VFIO_PCI_BAR0_REGION_INDEX,
							  &bar));
			EXPECT_EQ(0, vfio_pci_set_command(s.device,
							  PCI_COMMAND_MEMORY));
			EXPECT_EQ(0, vfio_region_read(s.device, &bar,
						      NVME_REG_CAP, &cap,
						      sizeof(cap)));
			EXPECT_NE(0, cap);
			EXPECT_NE(0xffffffffU, cap);
		} else {
			void *bar0 = MAP_FAILED;
			uint64_t size = 0;

			ASSERT_EQ(0, edu_map_bar0(s.device, &bar0, &size));
			EXPECT_EQ(0, vfio_dma_map(s.container, buf,
						  KILL_IOVA, 64 * PG, RW));
			EXPECT_EQ(0, edu_round_trip(bar0, buf, KILL_IOVA,
						    round + 1));
			EXPECT_EQ(0, vfio_dma_unmap(s.container, KILL_IOVA,
						    64 * PG, NULL));
			munmap(bar0, size);
		}
		vfio_session_close(&s);
		EXPECT_TRUE(pins_back(self->have_pins, self->pins0, &pins));
	}
	munmap(buf, 64 * PG);
}

TEST_HARNESS_MAIN
