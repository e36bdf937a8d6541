// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a VFIO user and its device cannot reach:
 *
 *   dma_*                 edu's DMA engine aimed at IOVAs that are not
 *                         (or not any more, or not writably) mapped: the
 *                         user memory behind them never changes, and
 *                         what the device reads from them is never that
 *                         memory's content
 *   group_needs_permission  an unprivileged uid gets EACCES on the group
 *                         node and on the device's sysfs files
 *   rlimit_unprivileged_user  a process of another uid, holding a
 *                         container root set up, is bound by its own
 *                         RLIMIT_MEMLOCK
 *   config_protected_bits BAR, ROM BAR and MSI enable writes through the
 *                         config region never reach the hardware
 *   bar_mapping_*         a BAR mapping keeps the device (and its group)
 *                         owned until it goes, and faults once memory
 *                         decoding is off
 *
 * The kernel log is read for the IOMMU's fault reports (DMAR) after each
 * blocked DMA; they are logged, not asserted, since the kernel rate
 * limits them.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define PG		4096ULL
#define RW		(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define DMA_LEN		EDU_DMA_MAX_LEN

/* IOVAs, all below edu's 28-bit limit */
#define IOVA_BUF	(16ULL << 20)	/* the buffer under test */
#define IOVA_OUT	(32ULL << 20)	/* where results are read back */
#define IOVA_NEVER	(200ULL << 20)	/* never mapped by anyone */
#define BUF_LEN		(64ULL << 10)
#define OUT_LEN		(16ULL << 10)

#define SEED_KNOWN	11	/* put into edu's buffer first */
#define SEED_GUARD	12	/* user memory the device must not touch */
#define SEED_SECRET	13	/* user memory the device must not read */

#define UNPRIV_UID	65534	/* "nobody" */
#define UNPRIV_GID	65534

FIXTURE(iso) {
	struct edu_location loc;
	struct vfio_session s;
	void *bar0;
	uint64_t bar0_size;
	uint8_t *buf;	/* 2 * BUF_LEN */
	uint8_t *out;	/* OUT_LEN, mapped read-write at IOVA_OUT */
	int kmsg;
};

FIXTURE_SETUP(iso)
{
	int ret;

	self->buf = MAP_FAILED;
	self->out = MAP_FAILED;
	self->kmsg = -1;
	EDU_FIXTURE_OPEN(&self->loc, &self->s, &self->bar0, &self->bar0_size);
	self->buf = anon_alloc(2 * BUF_LEN);
	ASSERT_NE(MAP_FAILED, self->buf);
	self->out = anon_alloc(OUT_LEN);
	ASSERT_NE(MAP_FAILED, self->out);
	ret = vfio_dma_map(self->s.container, self->out, IOVA_OUT, OUT_LEN,
			   RW);
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA of the output: %s", strerror(-ret));
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (self->kmsg >= 0)
		lseek(self->kmsg, 0, SEEK_END);
}

FIXTURE_TEARDOWN(iso)
{
	if (self->kmsg >= 0)
		close(self->kmsg);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, 2 * BUF_LEN);
	if (self->out != MAP_FAILED)
		munmap(self->out, OUT_LEN);
	edu_session_close(&self->s, &self->bar0, self->bar0_size);
}

/* Kernel log records since the fixture started that name a DMAR fault. */
static int dmar_faults(int kmsg)
{
	char rec[1024];
	ssize_t n;
	int found = 0;

	if (kmsg < 0)
		return -1;
	for (;;) {
		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		if (strstr(rec, "DMAR") && strstr(rec, "ault"))
			found++;
	}
	return found;
}

/*
 * Loads SEED_KNOWN into edu's buffer through the output mapping (a DMA
 * that must work: it shows the engine is alive).
 */
static void load_known(struct __test_metadata *_metadata,
		       struct _test_data_iso *self)
{
	int ret;

	fill_pattern(self->out, DMA_LEN, SEED_KNOWN);
	ret = edu_dma(self->bar0, IOVA_OUT, EDU_DMA_BUF_ADDR, DMA_LEN, false);
	ASSERT_EQ(0, ret) TH_LOG("DMA RAM -> edu: %s", strerror(-ret));
}

/*
 * Device -> RAM to @iova, which must not reach the user memory [@guard,
 * @guard + @len) filled with SEED_GUARD.  A blocked DMA may complete or
 * leave edu's engine stuck; both are fine, the memory is what counts.
 */
static void write_blocked(struct __test_metadata *_metadata,
			  struct _test_data_iso *self, uint64_t iova,
			  uint8_t *guard, size_t len, const char *what)
{
	long bad;
	int ret;

	load_known(_metadata, self);
	fill_pattern(guard, len, SEED_GUARD);
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR, iova, DMA_LEN, true);
	EXPECT_TRUE(ret == 0 || ret == -ETIMEDOUT)
		TH_LOG("%s: DMA: %s", what, strerror(-ret));
	bad = check_pattern(guard, len, SEED_GUARD);
	EXPECT_EQ(-1, bad) TH_LOG("%s: the DMA changed user memory at +%ld",
				  what, bad);
	fprintf(stderr, "# %s: DMA %s, %d DMAR fault report(s) logged\n", what,
		ret ? "stuck" : "completed", dmar_faults(self->kmsg));
}

/* True when all @len bytes of @p are the same. */
static bool uniform(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 1; i < len; i++)
		if (p[i] != p[0])
			return false;
	return true;
}

/*
 * RAM -> device from @iova, behind which lies user memory holding
 * SEED_SECRET (or nothing): edu's buffer must afterwards hold what it
 * had (SEED_KNOWN) or the IOMMU's fault value (one byte repeated), never
 * the secret.
 */
static void read_blocked(struct __test_metadata *_metadata,
			 struct _test_data_iso *self, uint64_t iova,
			 const char *what)
{
	int ret;

	load_known(_metadata, self);
	ret = edu_dma(self->bar0, iova, EDU_DMA_BUF_ADDR, DMA_LEN, false);
	EXPECT_TRUE(ret == 0 || ret == -ETIMEDOUT)
		TH_LOG("%s: DMA: %s", what, strerror(-ret));
	memset(self->out, 0x77, DMA_LEN);
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR, IOVA_OUT, DMA_LEN, true);
	ASSERT_EQ(0, ret) TH_LOG("%s: DMA edu -> RAM: %s", what,
				 strerror(-ret));
	EXPECT_NE(-1, check_pattern(self->out, DMA_LEN, SEED_SECRET))
		TH_LOG("%s: the device read unmapped user memory", what);
	EXPECT_TRUE(check_pattern(self->out, DMA_LEN, SEED_KNOWN) == -1 ||
		    uniform(self->out, DMA_LEN))
		TH_LOG("%s: edu's buffer holds neither its data nor a fault value",
		       what);
	fprintf(stderr, "# %s: edu's buffer %s, %d DMAR fault report(s)\n",
		what, check_pattern(self->out, DMA_LEN, SEED_KNOWN) == -1 ?
		"unchanged" : "overwritten with a fault value",
		dmar_faults(self->kmsg));
}

/* An IOVA nobody ever mapped: no write lands, no read returns data. */
TEST_F(iso, dma_never_mapped)
{
	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, vfio_dma_map(self->s.container, self->buf, IOVA_BUF,
				  BUF_LEN, RW));
	write_blocked(_metadata, self, IOVA_NEVER, self->buf, 2 * BUF_LEN,
		      "write to a never mapped IOVA");
	fill_pattern(self->buf, 2 * BUF_LEN, SEED_SECRET);
	read_blocked(_metadata, self, IOVA_NEVER,
		     "read from a never mapped IOVA");
}

/*
 * Unmapped after use: the pages stay in the process with a secret in
 * them, but a read through their old IOVA gets nothing of it (the write
 * side is vfio_dma_test's unmapped_iova_blocked).
 */
TEST_F(iso, dma_read_after_unmap)
{
	uint64_t done = 0;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, vfio_dma_map(self->s.container, self->buf, IOVA_BUF,
				  BUF_LEN, RW));
	/* the mapping works: the device reads the buffer */
	fill_pattern(self->buf, DMA_LEN, SEED_KNOWN);
	ret = edu_dma(self->bar0, IOVA_BUF, EDU_DMA_BUF_ADDR, DMA_LEN, false);
	ASSERT_EQ(0, ret) TH_LOG("DMA while mapped: %s", strerror(-ret));
	ASSERT_EQ(0, vfio_dma_unmap(self->s.container, IOVA_BUF, BUF_LEN,
				    &done));
	ASSERT_EQ(BUF_LEN, done);
	fill_pattern(self->buf, DMA_LEN, SEED_SECRET);
	read_blocked(_metadata, self, IOVA_BUF, "read from an unmapped IOVA");
}

/*
 * Just past the end of a mapping: the user memory that follows the
 * mapped part in the process is not reachable, neither by a DMA that
 * starts at the end nor by one that straddles it.
 */
TEST_F(iso, dma_beyond_end)
{
	uint8_t *after = self->buf + BUF_LEN;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, vfio_dma_map(self->s.container, self->buf, IOVA_BUF,
				  BUF_LEN, RW));
	write_blocked(_metadata, self, IOVA_BUF + BUF_LEN, after, BUF_LEN,
		      "write at the end of a mapping");
	write_blocked(_metadata, self, IOVA_BUF + BUF_LEN - DMA_LEN / 2, after,
		      BUF_LEN, "write across the end of a mapping");
	fill_pattern(after, BUF_LEN, SEED_SECRET);
	read_blocked(_metadata, self, IOVA_BUF + BUF_LEN,
		     "read at the end of a mapping");
}

/*
 * A mapping without VFIO_DMA_MAP_FLAG_WRITE: the device reads it (the
 * data arrives), but its writes never change the memory.
 */
TEST_F(iso, dma_write_to_read_only)
{
	long bad;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	/*
	 * Filled before the MAP: a read-only pin of a page never written
	 * would pin the shared zero page, which the first write then
	 * replaces in the process (copy on write).
	 */
	fill_pattern(self->buf, BUF_LEN, SEED_GUARD);
	ASSERT_EQ(0, vfio_dma_map(self->s.container, self->buf, IOVA_BUF,
				  BUF_LEN, VFIO_DMA_MAP_FLAG_READ));
	/* readable: buf -> edu -> out carries the data */
	ret = edu_dma(self->bar0, IOVA_BUF, EDU_DMA_BUF_ADDR, DMA_LEN, false);
	ASSERT_EQ(0, ret) TH_LOG("DMA from the read-only mapping: %s",
				 strerror(-ret));
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR, IOVA_OUT, DMA_LEN, true);
	ASSERT_EQ(0, ret);
	bad = check_pattern(self->out, DMA_LEN, SEED_GUARD);
	EXPECT_EQ(-1, bad) TH_LOG("read-only mapping not readable (+%ld)", bad);

	/* not writable */
	write_blocked(_metadata, self, IOVA_BUF, self->buf, BUF_LEN,
		      "write to a read-only mapping");
	write_blocked(_metadata, self, IOVA_BUF + BUF_LEN - DMA_LEN, self->buf,
		      BUF_LEN, "write to the end of a read-only mapping");
}

/* Gives up root for good: no groups, "nobody", no capabilities. */
static int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(UNPRIV_GID, UNPRIV_GID, UNPRIV_GID) ||
	    setresuid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID))
		return -errno;
	return 0;
}

/* What the unprivileged child saw (errno values, 0 for success). */
struct unpriv_report {
	int setup;
	int group_open;
	int container_open;
	int config_open;
	int unbind_open;
	long kb[4];
	int err[4];
};

/* Waits for @pid; its exit code, or -1 if it did not exit normally. */
static int wait_exit(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* errno of opening @path with @flags (0 if it opens). */
static int open_errno(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/*
 * The group node is root's (0600 by default): an unprivileged uid gets
 * EACCES for it, while /dev/vfio/vfio (0666) opens, and root-only sysfs
 * files of the device (config written, driver unbind) stay closed too.
 * The group is free at the time, so EACCES is not EBUSY in disguise.
 */
TEST(group_needs_permission)
{
	char node[64], path[512], why[512];
	struct edu_location loc;
	struct unpriv_report *r;
	struct stat st;
	pid_t pid;

	if (edu_find(&loc, why, sizeof(why)))
		SKIP(return, "%s", why);
	snprintf(node, sizeof(node), "/dev/vfio/%d", loc.group_id);
	ASSERT_EQ(0, stat(node, &st));
	if (st.st_mode & 0066)
		SKIP(return, "%s is mode %o: open to others on this system",
		     node, st.st_mode & 0777);
	if (st.st_uid == UNPRIV_UID || st.st_gid == UNPRIV_GID)
		SKIP(return, "%s belongs to the unprivileged test user", node);
	r = shared_alloc(sizeof(*r));
	ASSERT_NE(MAP_FAILED, r);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		r->setup = become_nobody();
		if (r->setup)
			_exit(1);
		r->group_open = open_errno(node, O_RDWR);
		r->container_open = open_errno("/dev/vfio/vfio", O_RDWR);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config",
			 loc.bdf);
		r->config_open = open_errno(path, O_RDWR);
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver/unbind", loc.bdf);
		r->unbind_open = open_errno(path, O_WRONLY);
		_exit(0);
	}
	ASSERT_EQ(0, wait_exit(pid));
	ASSERT_EQ(0, r->setup) TH_LOG("setresuid: %s", strerror(-r->setup));
	EXPECT_EQ(EACCES, r->group_open) TH_LOG("%s: %s", node,
						strerror(r->group_open));
	EXPECT_EQ(0, r->container_open) TH_LOG("/dev/vfio/vfio: %s",
					       strerror(r->container_open));
	EXPECT_EQ(EACCES, r->config_open);
	EXPECT_EQ(EACCES, r->unbind_open);
	munmap(r, sizeof(*r));
}

#define SMALL_LIMIT	(16 * PG)

/*
 * Root opens the container and the group and hands them (by fork) to a
 * process of another uid, as libvirt does for QEMU; that process has no
 * CAP_IPC_LOCK and a RLIMIT_MEMLOCK of 16 pages: 8 pages map, 32 more
 * fail with ENOMEM charging nothing, and nothing stays pinned after it.
 */
TEST_F(iso, rlimit_unprivileged_user)
{
	struct unpriv_report *r;
	int go[2], done[2];
	long long pins0 = 0, pins = 0;
	bool have_pins;
	uint64_t left = 0;
	pid_t pid;
	char c;

	RETURN_IF_SETUP_SKIPPED();
	have_pins = !foll_pins(&pins0);
	r = shared_alloc(sizeof(*r));
	ASSERT_NE(MAP_FAILED, r);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		const int ct = self->s.container;
		uint8_t *a = anon_alloc(8 * PG), *b = anon_alloc(32 * PG);

		r->setup = set_memlock_rlimit(SMALL_LIMIT);
		if (!r->setup)
			r->setup = become_nobody();
		if (!r->setup && (a == MAP_FAILED || b == MAP_FAILED))
			r->setup = -ENOMEM;
		if (r->setup)
			_exit(1);
		r->kb[0] = proc_vmlck_kb(getpid());
		r->err[1] = vfio_dma_map(ct, a, IOVA_BUF, 8 * PG, RW);
		r->kb[1] = proc_vmlck_kb(getpid());
		r->err[2] = vfio_dma_map(ct, b, IOVA_BUF + BUF_LEN, 32 * PG,
					 RW);
		r->kb[2] = proc_vmlck_kb(getpid());
		/* the parent counts the pins now */
		if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		r->err[3] = vfio_dma_unmap(ct, IOVA_BUF, 2 * BUF_LEN, NULL);
		r->kb[3] = proc_vmlck_kb(getpid());
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	ASSERT_EQ(1, read(done[0], &c, 1)) TH_LOG("child setup: %s",
						  strerror(-r->setup));
	if (have_pins) {
		ASSERT_EQ(0, foll_pins(&pins));
		EXPECT_EQ(pins0 + 8, pins);
	}
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(0, wait_exit(pid));
	EXPECT_EQ(0, r->kb[0]);
	EXPECT_EQ(0, r->err[1]) TH_LOG("8 pages: %s", strerror(-r->err[1]));
	EXPECT_EQ(8 * PG / 1024, r->kb[1]);
	EXPECT_EQ(-ENOMEM, r->err[2]) TH_LOG("32 more pages: %s",
					     strerror(-r->err[2]));
	EXPECT_EQ(8 * PG / 1024, r->kb[2]);
	EXPECT_EQ(0, r->err[3]);
	EXPECT_EQ(0, r->kb[3]);
	EXPECT_EQ(0, vfio_dma_unmap(self->s.container, IOVA_BUF, 2 * BUF_LEN,
				    &left));
	EXPECT_EQ(0, left);
	if (have_pins) {
		ASSERT_EQ(0, foll_pins(&pins));
		EXPECT_EQ(pins0, pins);
	}
	close(go[1]);
	close(done[0]);
	munmap(r, sizeof(*r));
}

/* Config region accesses of the fixture's device. */
static int cfg_read(struct _test_data_iso *self, unsigned int off,
		    unsigned int len, uint32_t *val)
{
	struct vfio_region_info ci;
	int ret;

	*val = 0;
	ret = vfio_region_get_info(self->s.device,
				   VFIO_PCI_CONFIG_REGION_INDEX, &ci);
	return ret ? ret : vfio_region_read(self->s.device, &ci, off, val,
					    len);
}

static int cfg_write(struct _test_data_iso *self, unsigned int off,
		     unsigned int len, uint32_t val)
{
	struct vfio_region_info ci;
	int ret;

	ret = vfio_region_get_info(self->s.device,
				   VFIO_PCI_CONFIG_REGION_INDEX, &ci);
	return ret ? ret : vfio_region_write(self->s.device, &ci, off, &val,
					     len);
}

/* The MSI capability's offset in edu's config space, or 0. */
static unsigned int msi_cap(struct _test_data_iso *self)
{
	uint32_t pos = 0, id = 0;
	int n;

	cfg_read(self, PCI_CAPABILITY_LIST, 1, &pos);
	for (n = 0; pos >= 0x40 && n < 48; n++) {
		if (cfg_read(self, pos, 2, &id))
			return 0;
		if ((id & 0xff) == PCI_CAP_ID_MSI)
			return pos;
		pos = (id >> 8) & 0xfc;
	}
	return 0;
}

/*
 * Writes through the config region to registers vfio keeps to itself:
 * every BAR, the ROM BAR, and MSI's enable and queue-size bits.  The
 * hardware's registers (sysfs, as the host sees them) never change,
 * whatever the user writes; then the user's values are put back and
 * the device still answers at its BAR.
 */
TEST_F(iso, config_protected_bits)
{
	static const uint32_t probes[] = { 0xffffffffU, 0x12345670U, 0 };
	unsigned int off, msi, i;
	long long hw0, hw1;
	uint32_t v0, id = 0;
	struct vfio_region_info bar;

	RETURN_IF_SETUP_SKIPPED();
	for (off = PCI_BASE_ADDRESS_0; off <= PCI_ROM_ADDRESS;
	     off += 4) {
		if (off > PCI_BASE_ADDRESS_5 && off < PCI_ROM_ADDRESS)
			continue;
		hw0 = pci_hw_config_read(self->loc.bdf, off, 4);
		ASSERT_LE(0, hw0);
		ASSERT_EQ(0, cfg_read(self, off, 4, &v0));
		for (i = 0; i < ARRAY_SIZE(probes); i++) {
			ASSERT_EQ(0, cfg_write(self, off, 4, probes[i]));
			hw1 = pci_hw_config_read(self->loc.bdf, off, 4);
			EXPECT_EQ(hw0, hw1)
				TH_LOG("0x%02x: wrote 0x%08x, hardware 0x%08llx, was 0x%08llx",
				       off, probes[i], hw1, hw0);
		}
		ASSERT_EQ(0, cfg_write(self, off, 4, v0));
	}

	msi = msi_cap(self);
	if (msi) {
		off = msi + PCI_MSI_FLAGS;
		hw0 = pci_hw_config_read(self->loc.bdf, off, 2);
		ASSERT_LE(0, hw0);
		ASSERT_EQ(0, cfg_read(self, off, 2, &v0));
		ASSERT_EQ(0, cfg_write(self, off, 2, v0 | PCI_MSI_FLAGS_ENABLE |
				       PCI_MSI_FLAGS_QSIZE));
		hw1 = pci_hw_config_read(self->loc.bdf, off, 2);
		EXPECT_EQ(hw0, hw1) TH_LOG("MSI flags: the hardware has 0x%04llx (was 0x%04llx)",
					   hw1, hw0);
		EXPECT_EQ(0, hw1 & PCI_MSI_FLAGS_ENABLE);
		ASSERT_EQ(0, cfg_write(self, off, 2, v0));
	}

	/* the device still decodes its BAR where the host put it */
	ASSERT_EQ(0, vfio_region_get_info(self->s.device,
					  VFIO_PCI_BAR0_REGION_INDEX, &bar));
	ASSERT_EQ(0, vfio_region_read(self->s.device, &bar, EDU_REG_ID, &id,
				      sizeof(id)));
	EXPECT_EQ(EDU_ID_VALUE, id);
	EXPECT_EQ(EDU_ID_VALUE, edu_read32(self->bar0, EDU_REG_ID));
}

/*
 * A BAR mapping holds the device file: with the device, group and
 * container fds all closed, the mapping still reaches the device, and
 * the group cannot be opened by anyone (EBUSY) until the mapping goes;
 * then it opens and the device with it.  So no mapping outlives the
 * user's hold on the device.
 */
TEST_F(iso, bar_mapping_holds_device)
{
	char node[64];
	const char *step;
	int fd, ret;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(EDU_ID_VALUE, edu_read32(self->bar0, EDU_REG_ID));
	munmap(self->out, OUT_LEN);
	self->out = MAP_FAILED;
	vfio_session_close(&self->s);

	/* still the user's: the liveness register answers */
	EXPECT_EQ(EDU_ID_VALUE, edu_read32(self->bar0, EDU_REG_ID));
	edu_write32(self->bar0, EDU_REG_LIVENESS, 0x1234);
	EXPECT_EQ(~0x1234U, edu_read32(self->bar0, EDU_REG_LIVENESS));
	snprintf(node, sizeof(node), "/dev/vfio/%d", self->loc.group_id);
	fd = open(node, O_RDWR | O_CLOEXEC);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno);
	if (fd >= 0)
		close(fd);

	munmap(self->bar0, self->bar0_size);
	self->bar0 = MAP_FAILED;
	ret = vfio_session_open(&self->s, &self->loc, true, &step);
	EXPECT_EQ(0, ret) TH_LOG("after munmap: %s: %s", step, strerror(-ret));
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, sig);
}

/* Reads 32 bits at @reg of @bar; false if that raised SIGBUS. */
static bool bar_read_ok(volatile void *bar, unsigned int reg, uint32_t *val)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool ok = false;

	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(bus_jmp, 1)) {
		*val = edu_read32(bar, reg);
		ok = true;
	}
	sigaction(SIGBUS, &old, NULL);
	return ok;
}

/*
 * Memory decoding turned off through the config region: the BAR mapping
 * faults (SIGBUS) instead of reaching a device that does not decode, and
 * works again once decoding is back on.
 */
TEST_F(iso, bar_mapping_decode_off)
{
	uint32_t cmd = 0, v = 0;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_TRUE(bar_read_ok(self->bar0, EDU_REG_ID, &v));
	ASSERT_EQ(EDU_ID_VALUE, v);
	ASSERT_EQ(0, cfg_read(self, PCI_COMMAND, 2, &cmd));
	ASSERT_EQ(0, cfg_write(self, PCI_COMMAND, 2,
			       cmd & ~PCI_COMMAND_MEMORY));
	EXPECT_EQ(0, pci_hw_config_read(self->loc.bdf, PCI_COMMAND, 2) &
		  PCI_COMMAND_MEMORY);
	EXPECT_FALSE(bar_read_ok(self->bar0, EDU_REG_ID, &v))
		TH_LOG("BAR0 read 0x%08x with decoding off", v);
	ASSERT_EQ(0, cfg_write(self, PCI_COMMAND, 2, cmd));
	v = 0;
	EXPECT_TRUE(bar_read_ok(self->bar0, EDU_REG_ID, &v));
	EXPECT_EQ(EDU_ID_VALUE, v);
}

TEST_HARNESS_MAIN
