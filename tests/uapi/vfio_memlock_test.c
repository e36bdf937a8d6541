// SPDX-License-Identifier: GPL-2.0-only
/*
 * Locked-memory accounting of type1 mappings, seen from userspace: the
 * VmLck line of /proc/<pid>/status (the mm's locked_vm, which type1
 * charges per pinned page) and the kernel's FOLL_PIN counters in
 * /proc/vmstat (nr_foll_pin_acquired - nr_foll_pin_released = pages
 * pinned right now).
 *
 * Exact charges for maps, unmaps and close; two mappings of the same user
 * pages (6.1 charges each one); a MAP that fails halfway; the owning
 * process SIGKILLed while its mappings exist; a forked child mapping
 * through the inherited container; RLIMIT_MEMLOCK with and without
 * CAP_IPC_LOCK.
 *
 * Children report through a MAP_SHARED page and never assert themselves:
 * the test process checks what they saw.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define PAGE_KB		4L
#define PG		4096ULL
#define RW		(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/* IOVAs: all 2 MiB apart and below edu's 28-bit DMA limit. */
#define IOVA_A		(16ULL << 20)
#define IOVA_B		(32ULL << 20)
#define IOVA_C		(48ULL << 20)
#define IOVA_D		(64ULL << 20)

/* The RLIMIT_MEMLOCK the rlimit tests set: 16 pages. */
#define SMALL_LIMIT	(64ULL << 10)

/* What a child saw; written by the child, read by the test. */
struct report {
	int setup;		/* 0, or the -errno of the child's setup */
	int err[8];		/* results of the child's steps, by index */
	long kb[8];		/* its VmLck after each step */
	long long pins[8];	/* FOLL_PIN pages after each step */
	int pins_ok;		/* foll_pins() worked in the child */
};

static struct report *report_new(void)
{
	struct report *r;

	r = shared_alloc(sizeof(*r));
	if (r == MAP_FAILED)
		return NULL;
	r->setup = -EINPROGRESS;
	return r;
}

/* Waits for @pid; returns its exit code, or -1 if it did not exit. */
static int wait_exit(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

FIXTURE(memlock) {
	struct edu_location edu;
	struct vfio_session s;
	void *bar0;
	uint64_t bar0_size;
	long base_kb;		/* VmLck before the test maps anything */
	long long base_pins;	/* FOLL_PIN pages before it */
	bool have_pins;
};

FIXTURE_SETUP(memlock)
{
	EDU_FIXTURE_OPEN(&self->edu, &self->s, &self->bar0, &self->bar0_size);
	self->base_kb = proc_vmlck_kb(getpid());
	ASSERT_LE(0, self->base_kb) TH_LOG("no VmLck in /proc/self/status");
	self->have_pins = !foll_pins(&self->base_pins);
}

FIXTURE_TEARDOWN(memlock)
{
	edu_session_close(&self->s, &self->bar0, self->bar0_size);
}

/* Asserts the pinned-page count is @base + @delta (when it is known). */
#define EXPECT_PINS(base, delta) do {					\
	long long __want = (long long)(base) + (delta), __now = 0;	\
	if (self->have_pins) {						\
		ASSERT_EQ(0, foll_pins(&__now));			\
		EXPECT_EQ(__want, __now)				\
			TH_LOG("FOLL_PIN pages: %lld, expected %lld",	\
			       __now, __want);				\
	}								\
} while (0)

/* Asserts this process's VmLck is @kb. */
#define EXPECT_VMLCK(kb) do {						\
	long __kb = (kb);						\
	EXPECT_EQ(__kb, proc_vmlck_kb(getpid()))			\
		TH_LOG("VmLck, expected %ld kB", __kb);			\
} while (0)

/* The counters this file relies on exist in the guest's kernel. */
TEST_F(memlock, counters_present)
{
	long long pins;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ret = foll_pins(&pins);
	if (ret)
		SKIP(return,
		     "no nr_foll_pin_acquired/released in /proc/vmstat");
	EXPECT_LE(0, pins);
	/* a new process has nothing locked; the harness mlocks nothing */
	EXPECT_EQ(0, self->base_kb);
}

/* N pages of fresh memory: exactly N * 4 kB, and N pins. */
TEST_F(memlock, map_charges_exact)
{
	const long n = 37;
	uint64_t unmapped = 0;
	void *buf = anon_alloc(n * PG);

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_NE(MAP_FAILED, buf);
	EXPECT_VMLCK(self->base_kb);
	ASSERT_EQ(0, vfio_dma_map(self->s.container, buf, IOVA_A, n * PG, RW));
	EXPECT_VMLCK(self->base_kb + n * PAGE_KB);
	EXPECT_PINS(self->base_pins, n);
	/* and the pages really are what the device reaches */
	EXPECT_EQ(0, edu_round_trip(self->bar0, buf, IOVA_A, 5));

	ASSERT_EQ(0, vfio_dma_unmap(self->s.container, IOVA_A, n * PG,
				    &unmapped));
	EXPECT_EQ(n * PG, unmapped);
	EXPECT_VMLCK(self->base_kb);
	EXPECT_PINS(self->base_pins, 0);
	munmap(buf, n * PG);
}

/* Several maps add up; each unmap gives back exactly its own share. */
TEST_F(memlock, maps_add_up)
{
	const long na = 5, nb = 16, nc = 300;
	void *a = anon_alloc(na * PG), *b = anon_alloc(nb * PG);
	void *c = anon_alloc(nc * PG);
	const int ct = self->s.container;
	uint64_t unmapped = 0;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_NE(MAP_FAILED, c);
	ASSERT_EQ(0, vfio_dma_map(ct, a, IOVA_A, na * PG, RW));
	EXPECT_VMLCK(self->base_kb + na * PAGE_KB);
	ASSERT_EQ(0, vfio_dma_map(ct, b, IOVA_B, nb * PG, RW));
	EXPECT_VMLCK(self->base_kb + (na + nb) * PAGE_KB);
	ASSERT_EQ(0, vfio_dma_map(ct, c, IOVA_C, nc * PG, RW));
	EXPECT_VMLCK(self->base_kb + (na + nb + nc) * PAGE_KB);
	EXPECT_PINS(self->base_pins, na + nb + nc);

	/* the middle one */
	ASSERT_EQ(0, vfio_dma_unmap(ct, IOVA_B, nb * PG, &unmapped));
	EXPECT_EQ(nb * PG, unmapped);
	EXPECT_VMLCK(self->base_kb + (na + nc) * PAGE_KB);
	EXPECT_PINS(self->base_pins, na + nc);

	/* one range over the other two (and the hole between them) */
	ASSERT_EQ(0, vfio_dma_unmap(ct, IOVA_A, IOVA_C + nc * PG - IOVA_A,
				    &unmapped));
	EXPECT_EQ((na + nc) * PG, unmapped);
	EXPECT_VMLCK(self->base_kb);
	EXPECT_PINS(self->base_pins, 0);

	munmap(a, na * PG);
	munmap(b, nb * PG);
	munmap(c, nc * PG);
}

/* Closing the last fd of the container returns every charge. */
TEST_F(memlock, close_returns_all)
{
	const long na = 64, nb = 512;
	void *a = anon_alloc(na * PG), *b = anon_alloc(nb * PG);

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, vfio_dma_map(self->s.container, a, IOVA_A, na * PG, RW));
	ASSERT_EQ(0, vfio_dma_map(self->s.container, b, IOVA_B, nb * PG, RW));
	EXPECT_VMLCK(self->base_kb + (na + nb) * PAGE_KB);
	EXPECT_PINS(self->base_pins, na + nb);

	edu_session_close(&self->s, &self->bar0, self->bar0_size);
	EXPECT_VMLCK(self->base_kb);
	EXPECT_PINS(self->base_pins, 0);
	munmap(a, na * PG);
	munmap(b, nb * PG);
}

/*
 * The same user pages mapped at two IOVAs: 6.1 charges locked_vm for
 * each mapping (vfio_pin_pages_remote() counts every page it pins, and
 * the pages are pinned twice).
 */
TEST_F(memlock, same_pages_twice)
{
	const long n = 24;
	uint64_t unmapped = 0;
	void *buf = anon_alloc(n * PG);

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, vfio_dma_map(self->s.container, buf, IOVA_A, n * PG, RW));
	ASSERT_EQ(0, vfio_dma_map(self->s.container, buf, IOVA_B, n * PG, RW));
	EXPECT_VMLCK(self->base_kb + 2 * n * PAGE_KB);
	EXPECT_PINS(self->base_pins, 2 * n);

	ASSERT_EQ(0, vfio_dma_unmap(self->s.container, IOVA_A, n * PG,
				    &unmapped));
	EXPECT_EQ(n * PG, unmapped);
	EXPECT_VMLCK(self->base_kb + n * PAGE_KB);
	EXPECT_PINS(self->base_pins, n);
	/* the other one still reaches the pages */
	EXPECT_EQ(0, edu_round_trip(self->bar0, buf, IOVA_B, 9));

	ASSERT_EQ(0, vfio_dma_unmap(self->s.container, IOVA_B, n * PG,
				    &unmapped));
	EXPECT_EQ(n * PG, unmapped);
	EXPECT_VMLCK(self->base_kb);
	EXPECT_PINS(self->base_pins, 0);
	munmap(buf, n * PG);
}

/* A MAP that fails halfway (a hole in the range) charges nothing. */
TEST_F(memlock, failed_map_charges_nothing)
{
	const long n = 64, half = 32;
	uint8_t *buf = anon_alloc(n * PG);
	uint64_t unmapped = 0;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_NE(MAP_FAILED, buf);
	/* the first half exists (and is touched), the second is a hole */
	memset(buf, 0x5a, half * PG);
	ASSERT_EQ(0, munmap(buf + half * PG, (n - half) * PG));

	EXPECT_EQ(-EFAULT, vfio_dma_map(self->s.container, buf, IOVA_A,
					n * PG, RW));
	EXPECT_VMLCK(self->base_kb);
	EXPECT_PINS(self->base_pins, 0);
	/* nothing is left mapped: the range is free again */
	EXPECT_EQ(0, vfio_dma_unmap(self->s.container, IOVA_A, n * PG,
				    &unmapped));
	EXPECT_EQ(0, unmapped);
	ASSERT_EQ(0, vfio_dma_map(self->s.container, buf, IOVA_A, half * PG,
				  RW));
	EXPECT_VMLCK(self->base_kb + half * PAGE_KB);
	EXPECT_PINS(self->base_pins, half);
	EXPECT_EQ(0, vfio_dma_unmap(self->s.container, IOVA_A, half * PG,
				    &unmapped));
	EXPECT_EQ(half * PG, unmapped);
	EXPECT_VMLCK(self->base_kb);
	munmap(buf, half * PG);
}

/*
 * The owner of the container dies by SIGKILL with its pages mapped: the
 * pins go away with its files, and the group can be opened again.
 */
TEST_F(memlock, owner_killed)
{
	const long n = 100;
	struct vfio_session again;
	struct report *r;
	const char *step;
	int ready[2], ret;
	long long pins0 = 0;
	long kb;
	pid_t pid;
	char c;

	RETURN_IF_SETUP_SKIPPED();
	/* the child needs the group for itself */
	edu_session_close(&self->s, &self->bar0, self->bar0_size);
	r = report_new();
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, pipe(ready));
	if (self->have_pins)
		ASSERT_EQ(0, foll_pins(&pins0));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct vfio_session s;
		void *buf = anon_alloc(n * PG);

		close(ready[0]);
		r->setup = vfio_session_open(&s, &self->edu, true, &step);
		if (!r->setup && buf == MAP_FAILED)
			r->setup = -ENOMEM;
		if (!r->setup)
			r->err[0] = vfio_dma_map(s.container, buf, IOVA_A,
						 n * PG, RW);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	ASSERT_EQ(0, r->setup) TH_LOG("child: %s", strerror(-r->setup));
	ASSERT_EQ(0, r->err[0]) TH_LOG("child's MAP_DMA: %s",
				       strerror(-r->err[0]));
	kb = proc_vmlck_kb(pid);
	EXPECT_EQ(n * PAGE_KB, kb) TH_LOG("child's VmLck %ld kB", kb);
	EXPECT_PINS(pins0, n);

	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_PINS(pins0, 0);

	ret = vfio_session_open(&again, &self->edu, true, &step);
	EXPECT_EQ(0, ret) TH_LOG("reopen after the owner died: %s: %s", step,
				 strerror(-ret));
	vfio_session_close(&again);
	munmap(r, sizeof(*r));
}

/*
 * A forked child maps through the container it inherited and exits; the
 * parent unmaps.  The pages were charged to the child's mm, so the
 * parent's VmLck never moves, and the pins are all released.
 */
TEST_F(memlock, fork_child_maps_parent_unmaps)
{
	const long n = 48;
	uint64_t unmapped = 0;
	struct report *r;
	pid_t pid;

	RETURN_IF_SETUP_SKIPPED();
	r = report_new();
	ASSERT_NE(NULL, r);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		void *buf = anon_alloc(n * PG);

		r->setup = buf == MAP_FAILED ? -ENOMEM : 0;
		if (!r->setup) {
			r->err[0] = vfio_dma_map(self->s.container, buf,
						 IOVA_A, n * PG, RW);
			r->kb[0] = proc_vmlck_kb(getpid());
			/* the device reaches the child's pages */
			r->err[1] = edu_round_trip(self->bar0, buf, IOVA_A,
						   17);
		}
		_exit(0);
	}
	ASSERT_EQ(0, wait_exit(pid));
	ASSERT_EQ(0, r->setup);
	ASSERT_EQ(0, r->err[0]) TH_LOG("child's MAP_DMA: %s",
				       strerror(-r->err[0]));
	EXPECT_EQ(n * PAGE_KB, r->kb[0]);
	EXPECT_EQ(0, r->err[1]) TH_LOG("DMA into the child's pages: %s",
				       strerror(-r->err[1]));
	EXPECT_VMLCK(self->base_kb);
	/* the container still holds the dead child's pages */
	EXPECT_PINS(self->base_pins, n);

	ASSERT_EQ(0, vfio_dma_unmap(self->s.container, IOVA_A, n * PG,
				    &unmapped));
	EXPECT_EQ(n * PG, unmapped);
	EXPECT_VMLCK(self->base_kb);
	EXPECT_PINS(self->base_pins, 0);
	munmap(r, sizeof(*r));
}

/*
 * RLIMIT_MEMLOCK of 16 pages, CAP_IPC_LOCK dropped (in a child): within
 * the limit works, beyond it ENOMEM charging nothing, crossing it in
 * total ENOMEM leaving the earlier mapping working, up to exactly the
 * limit works.
 */
TEST_F(memlock, rlimit_without_cap_ipc_lock)
{
	const int ct = self->s.container;
	uint64_t unmapped = 0;
	struct report *r;
	pid_t pid;

	RETURN_IF_SETUP_SKIPPED();
	r = report_new();
	ASSERT_NE(NULL, r);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		void *a = anon_alloc(8 * PG), *b = anon_alloc(32 * PG);
		void *c = anon_alloc(12 * PG), *d = anon_alloc(8 * PG);

		r->setup = drop_cap_ipc_lock();
		if (!r->setup)
			r->setup = set_memlock_rlimit(SMALL_LIMIT);
		if (!r->setup && (a == MAP_FAILED || b == MAP_FAILED ||
				  c == MAP_FAILED || d == MAP_FAILED))
			r->setup = -ENOMEM;
		if (r->setup)
			_exit(0);
		r->pins_ok = !foll_pins(&r->pins[0]);
		r->kb[0] = proc_vmlck_kb(getpid());
		/* 8 pages: within the limit */
		r->err[1] = vfio_dma_map(ct, a, IOVA_A, 8 * PG, RW);
		r->kb[1] = proc_vmlck_kb(getpid());
		foll_pins(&r->pins[1]);
		/* 32 pages alone: beyond it */
		r->err[2] = vfio_dma_map(ct, b, IOVA_B, 32 * PG, RW);
		r->kb[2] = proc_vmlck_kb(getpid());
		foll_pins(&r->pins[2]);
		/* 12 more: 20 in all, crossing it */
		r->err[3] = vfio_dma_map(ct, c, IOVA_C, 12 * PG, RW);
		r->kb[3] = proc_vmlck_kb(getpid());
		foll_pins(&r->pins[3]);
		/* the first mapping still works */
		r->err[4] = edu_round_trip(self->bar0, a, IOVA_A, 23);
		/* 8 more: exactly 16 */
		r->err[5] = vfio_dma_map(ct, d, IOVA_D, 8 * PG, RW);
		r->kb[5] = proc_vmlck_kb(getpid());
		r->err[6] = vfio_dma_unmap(ct, 0, EDU_IOVA_LIMIT, NULL);
		r->kb[6] = proc_vmlck_kb(getpid());
		_exit(0);
	}
	ASSERT_EQ(0, wait_exit(pid));
	ASSERT_EQ(0, r->setup) TH_LOG("child setup: %s", strerror(-r->setup));
	EXPECT_EQ(0, r->kb[0]);
	EXPECT_EQ(0, r->err[1]) TH_LOG("8 pages: %s", strerror(-r->err[1]));
	EXPECT_EQ(8 * PAGE_KB, r->kb[1]);
	EXPECT_EQ(-ENOMEM, r->err[2]) TH_LOG("32 pages: %s",
					     strerror(-r->err[2]));
	EXPECT_EQ(8 * PAGE_KB, r->kb[2]);
	EXPECT_EQ(-ENOMEM, r->err[3]) TH_LOG("12 more pages: %s",
					     strerror(-r->err[3]));
	EXPECT_EQ(8 * PAGE_KB, r->kb[3]);
	if (self->have_pins && r->pins_ok) {
		EXPECT_EQ(r->pins[0] + 8, r->pins[1]);
		EXPECT_EQ(r->pins[1], r->pins[2]);
		EXPECT_EQ(r->pins[1], r->pins[3]);
	}
	EXPECT_EQ(0, r->err[4]) TH_LOG("DMA through the first mapping: %s",
				       strerror(-r->err[4]));
	EXPECT_EQ(0, r->err[5]) TH_LOG("up to the limit: %s",
				       strerror(-r->err[5]));
	EXPECT_EQ(16 * PAGE_KB, r->kb[5]);
	EXPECT_EQ(0, r->err[6]);
	EXPECT_EQ(0, r->kb[6]);
	/* whatever the child left, nothing stays mapped */
	EXPECT_EQ(0, vfio_dma_unmap(ct, 0, EDU_IOVA_LIMIT, &unmapped));
	EXPECT_EQ(0, unmapped);
	EXPECT_PINS(self->base_pins, 0);
	munmap(r, sizeof(*r));
}

/*
 * CAP_IPC_LOCK exempts from RLIMIT_MEMLOCK, but 6.1 still charges
 * locked_vm: __account_locked_vm() adds the pages whether or not it
 * bypasses the limit.
 */
TEST_F(memlock, rlimit_with_cap_ipc_lock)
{
	const long n = 64;
	const int ct = self->s.container;
	struct report *r;
	pid_t pid;

	RETURN_IF_SETUP_SKIPPED();
	r = report_new();
	ASSERT_NE(NULL, r);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		void *buf = anon_alloc(n * PG);

		r->setup = set_memlock_rlimit(SMALL_LIMIT);
		if (!r->setup && buf == MAP_FAILED)
			r->setup = -ENOMEM;
		if (r->setup)
			_exit(0);
		r->err[0] = vfio_dma_map(ct, buf, IOVA_A, n * PG, RW);
		r->kb[0] = proc_vmlck_kb(getpid());
		r->err[1] = edu_round_trip(self->bar0, buf, IOVA_A, 29);
		r->err[2] = vfio_dma_unmap(ct, IOVA_A, n * PG, NULL);
		r->kb[2] = proc_vmlck_kb(getpid());
		_exit(0);
	}
	ASSERT_EQ(0, wait_exit(pid));
	ASSERT_EQ(0, r->setup) TH_LOG("child setup: %s", strerror(-r->setup));
	EXPECT_EQ(0, r->err[0]) TH_LOG("%ld pages over a 16-page limit: %s",
				       n, strerror(-r->err[0]));
	EXPECT_EQ(n * PAGE_KB, r->kb[0]);
	EXPECT_EQ(0, r->err[1]);
	EXPECT_EQ(0, r->err[2]);
	EXPECT_EQ(0, r->kb[2]);
	EXPECT_PINS(self->base_pins, 0);
	munmap(r, sizeof(*r));
}

TEST_HARNESS_MAIN
