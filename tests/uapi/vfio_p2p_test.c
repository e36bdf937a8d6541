// SPDX-License-Identifier: GPL-2.0-only
/*
 * Peer-to-peer DMA through a VM_PFNMAP mapping: the e1000e's MSI-X BAR,
 * mmap()ed through VFIO, is mapped with MAP_DMA into the container that
 * also holds edu, and edu moves data between it and RAM.  The MSI-X
 * table is plain storage while MSI-X is off: written through the mmap,
 * read back by DMA, and the other way round.
 *
 * Device memory is not locked RAM: mapping it leaves VmLck unchanged and
 * works under a one-page RLIMIT_MEMLOCK without CAP_IPC_LOCK.  A
 * read-write MAP_DMA of a BAR mmapped PROT_READ fails with EFAULT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

#define E1000E_VENDOR	0x8086
#define E1000E_DEVICE	0x10d3

#define RW		(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define BAR_IOVA	(64ULL << 20)
#define RAM_IOVA	(80ULL << 20)
#define RAM_SIZE	(64ULL << 10)
#define SPARE_IOVA	(96ULL << 20)
#define RAM_OFF		0x1000ULL	/* where DMA lands in the RAM buffer */
#define MAX_TABLE	2048U		/* bytes of the table we use, at most */

/* Reads @len (1, 2 or 4) bytes of config space at @off. */
static uint32_t cfg_read(int device, const struct vfio_region_info *cfg,
			 unsigned int off, size_t len)
{
	uint32_t v = 0;

	if (vfio_region_read(device, cfg, off, &v, len))
		return 0;
	return v;
}

/*
 * Locates the MSI-X table: the BAR (@bir) and offset in it, and its
 * length in bytes.  0, or -ENOENT if the device has no MSI-X capability.
 */
static int msix_table(int device, unsigned int *bir, uint32_t *off,
		      uint32_t *len)
{
	struct vfio_region_info cfg;
	unsigned int pos, guard = 0;
	uint32_t tbl;
	uint16_t flags;

	if (vfio_region_get_info(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg))
		return -EIO;
	if (!(cfg_read(device, &cfg, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return -ENOENT;
	pos = cfg_read(device, &cfg, PCI_CAPABILITY_LIST, 1) & ~3U;
	while (pos && guard++ < 48) {
		if (cfg_read(device, &cfg, pos + PCI_CAP_LIST_ID, 1) ==
		    PCI_CAP_ID_MSIX) {
			flags = cfg_read(device, &cfg, pos + PCI_MSIX_FLAGS, 2);
			tbl = cfg_read(device, &cfg, pos + PCI_MSIX_TABLE, 4);
			*bir = tbl & PCI_MSIX_TABLE_BIR;
			*off = tbl & PCI_MSIX_TABLE_OFFSET;
			*len = ((flags & PCI_MSIX_FLAGS_QSIZE) + 1) *
			       PCI_MSIX_ENTRY_SIZE;
			return 0;
		}
		pos = cfg_read(device, &cfg, pos + PCI_CAP_LIST_NEXT, 1) & ~3U;
	}
	return -ENOENT;
}

/* 32-bit copies to and from device memory (MSI-X takes dword access). */
static void mmio_write(volatile void *dst, const void *src, size_t len)
{
	volatile uint32_t *d = dst;
	const uint32_t *s = src;
	size_t i;

	for (i = 0; i < len / 4; i++)
		d[i] = s[i];
}

static void mmio_read(void *dst, const volatile void *src, size_t len)
{
	const volatile uint32_t *s = src;
	uint32_t *d = dst;
	size_t i;

	for (i = 0; i < len / 4; i++)
		d[i] = s[i];
}

/*
 * MSI-X table contents for the tests: a pattern with every entry's
 * vector masked (Vector Control bit 0), so that no write ever unmasks a
 * vector of the live e1000e with a garbage message address and data
 * (QEMU sends a pending vector's message as soon as it is unmasked).
 */
static void table_pattern(uint8_t *buf, size_t len, unsigned int seed)
{
	size_t i;

	fill_pattern(buf, len, seed);
	for (i = PCI_MSIX_ENTRY_VECTOR_CTRL; i < len;
	     i += PCI_MSIX_ENTRY_SIZE)
		buf[i] |= PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

/* Offset of the first byte differing from table_pattern(@seed), or -1. */
static long table_check(const uint8_t *buf, size_t len, unsigned int seed)
{
	uint8_t want[MAX_TABLE];
	size_t i;

	table_pattern(want, len, seed);
	for (i = 0; i < len; i++)
		if (buf[i] != want[i])
			return (long)i;
	return -1;
}

FIXTURE(p2p) {
	struct edu_location edu;
	char nic[256];
	char nic_driver[64];	/* its driver before the test */
	bool rebound;
	struct vfio_session s;
	int nic_group;
	int nic_device;
	void *bar0;
	uint64_t bar0_size;
	struct vfio_region_info bar;	/* the MSI-X BAR of the e1000e */
	uint8_t *bar_map;
	uint32_t table_off;
	uint32_t table_len;
	uint8_t saved[MAX_TABLE];
	bool saved_valid;
	uint8_t *ram;
	char fail[256];		/* why the setup failed; "" if it did not */
};

/*
 * A failed ASSERT in FIXTURE_SETUP skips the teardown, which rebinds the
 * e1000e: the setup records what failed after the binding, and each test
 * fails on it (P2P_READY) with the teardown still to run.
 */
#define SETUP_FAIL(fmt, ...) do {					\
	snprintf(self->fail, sizeof(self->fail), fmt, ##__VA_ARGS__);	\
	return;								\
} while (0)

#define P2P_READY() do {						\
	if (_metadata->skip)						\
		return;							\
	ASSERT_STREQ("", self->fail);					\
} while (0)

FIXTURE_SETUP(p2p)
{
	unsigned int bir = 0;
	const char *step;
	char path[64], why[512];
	int ret, gid;

	vfio_session_init(&self->s);
	self->nic_group = -1;
	self->nic_device = -1;
	self->bar0 = MAP_FAILED;
	self->bar_map = MAP_FAILED;
	self->ram = MAP_FAILED;
	if (edu_find(&self->edu, why, sizeof(why)))
		SKIP(return, "%s", why);
	if (pci_find_any(E1000E_VENDOR, E1000E_DEVICE, self->nic,
			 sizeof(self->nic)))
		SKIP(return, "no e1000e (%04x:%04x)", E1000E_VENDOR,
		     E1000E_DEVICE);
	if (pci_driver_name(self->nic, self->nic_driver,
			    sizeof(self->nic_driver)))
		SKIP(return, "e1000e %s vanished", self->nic);
	if (strcmp(self->nic_driver, "vfio-pci")) {
		/* rebound in the teardown, which runs from here on */
		self->rebound = true;
		ret = pci_bind(self->nic, "vfio-pci");
		if (ret)
			SKIP(return, "bind %s to vfio-pci: %s", self->nic,
			     strerror(-ret));
	}
	gid = pci_iommu_group(self->nic);
	if (gid < 0)
		SKIP(return, "e1000e %s has no IOMMU group", self->nic);
	if (gid == self->edu.group_id)
		SKIP(return, "e1000e shares edu's group %d", gid);

	ret = vfio_session_open(&self->s, &self->edu, true, &step);
	if (ret)
		SETUP_FAIL("edu: %s: %s", step, strerror(-ret));
	snprintf(path, sizeof(path), "/dev/vfio/%d", gid);
	self->nic_group = open(path, O_RDWR | O_CLOEXEC);
	if (self->nic_group < 0)
		SETUP_FAIL("open %s: %s", path, strerror(errno));
	if (ioctl(self->nic_group, VFIO_GROUP_SET_CONTAINER, &self->s.container))
		SETUP_FAIL("e1000e group into edu's container: %s",
			   strerror(errno));
	self->nic_device = ioctl(self->nic_group, VFIO_GROUP_GET_DEVICE_FD,
				 self->nic);
	if (self->nic_device < 0)
		SETUP_FAIL("e1000e device fd: %s", strerror(errno));
	ret = edu_map_bar0(self->s.device, &self->bar0, &self->bar0_size);
	if (ret)
		SETUP_FAIL("edu BAR0: %s", strerror(-ret));

	ret = msix_table(self->nic_device, &bir, &self->table_off,
			 &self->table_len);
	if (ret)
		SETUP_FAIL("no MSI-X table on the e1000e: %s",
			   strerror(-ret));
	if (self->table_len > MAX_TABLE)
		self->table_len = MAX_TABLE;
	ret = vfio_pci_set_command(self->nic_device, PCI_COMMAND_MEMORY);
	if (ret)
		SETUP_FAIL("e1000e memory decode: %s", strerror(-ret));
	ret = vfio_region_get_info(self->nic_device, bir, &self->bar);
	if (ret)
		SETUP_FAIL("BAR%u info: %s", bir, strerror(-ret));
	if (!(self->bar.flags & VFIO_REGION_INFO_FLAG_MMAP) ||
	    self->table_off + self->table_len > self->bar.size)
		SETUP_FAIL("BAR%u (MSI-X table) not mmappable, flags %#x",
			   bir, self->bar.flags);
	self->bar_map = vfio_region_mmap(self->nic_device, &self->bar);
	if (self->bar_map == MAP_FAILED)
		SETUP_FAIL("mmap BAR%u: %s", bir, strerror(errno));
	mmio_read(self->saved, self->bar_map + self->table_off,
		  self->table_len);
	self->saved_valid = true;

	self->ram = anon_alloc(RAM_SIZE);
	if (self->ram == MAP_FAILED)
		SETUP_FAIL("mmap: %s", strerror(errno));
	ret = vfio_dma_map(self->s.container, self->ram, RAM_IOVA, RAM_SIZE,
			   RW);
	if (ret)
		SETUP_FAIL("MAP_DMA of RAM: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(p2p)
{
	if (self->saved_valid)
		mmio_write(self->bar_map + self->table_off, self->saved,
			   self->table_len);
	if (self->bar_map != MAP_FAILED)
		munmap(self->bar_map, self->bar.size);
	if (self->bar0 != MAP_FAILED)
		munmap(self->bar0, self->bar0_size);
	if (self->nic_device >= 0)
		close(self->nic_device);
	if (self->nic_group >= 0)
		close(self->nic_group);
	vfio_session_close(&self->s);
	if (self->ram != MAP_FAILED)
		munmap(self->ram, RAM_SIZE);
	if (self->rebound) {
		pci_unbind(self->nic);
		pci_set_override(self->nic, NULL);
		if (self->nic_driver[0])
			pci_probe(self->nic);
	}
}

/* MAP_DMA of the whole BAR mmap at BAR_IOVA. */
#define MAP_BAR(flags) do {						\
	int __ret = vfio_dma_map(self->s.container, self->bar_map,	\
				 BAR_IOVA, self->bar.size, (flags));	\
	ASSERT_EQ(0, __ret) TH_LOG("MAP_DMA of the BAR mmap: %s",	\
				   strerror(-__ret));			\
} while (0)

/* BAR -> edu -> RAM: the bytes written into the BAR through the mmap. */
TEST_F(p2p, bar_to_ram)
{
	uint8_t want[MAX_TABLE];
	uint64_t unmapped = 0;
	long bad;
	int ret;

	P2P_READY();
	table_pattern(want, self->table_len, 201);
	mmio_write(self->bar_map + self->table_off, want, self->table_len);
	memset(self->ram, 0xa5, RAM_SIZE);
	MAP_BAR(RW);

	ret = edu_dma(self->bar0, BAR_IOVA + self->table_off,
		      EDU_DMA_BUF_ADDR, self->table_len, false);
	ASSERT_EQ(0, ret) TH_LOG("DMA BAR -> edu: %s", strerror(-ret));
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR, RAM_IOVA + RAM_OFF,
		      self->table_len, true);
	ASSERT_EQ(0, ret) TH_LOG("DMA edu -> RAM: %s", strerror(-ret));
	bad = table_check(self->ram + RAM_OFF, self->table_len, 201);
	EXPECT_EQ(-1, bad) TH_LOG("byte %ld of the BAR differs", bad);

	ret = vfio_dma_unmap(self->s.container, BAR_IOVA, self->bar.size,
			     &unmapped);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(self->bar.size, unmapped);
}

/* RAM -> edu -> BAR: read back through the mmap. */
TEST_F(p2p, ram_to_bar)
{
	uint8_t got[MAX_TABLE];
	uint64_t unmapped = 0;
	long bad;
	int ret;

	P2P_READY();
	table_pattern(got, self->table_len, 200);
	mmio_write(self->bar_map + self->table_off, got, self->table_len);
	table_pattern(self->ram + RAM_OFF, self->table_len, 202);
	MAP_BAR(RW);

	ret = edu_dma(self->bar0, RAM_IOVA + RAM_OFF, EDU_DMA_BUF_ADDR,
		      self->table_len, false);
	ASSERT_EQ(0, ret) TH_LOG("DMA RAM -> edu: %s", strerror(-ret));
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR,
		      BAR_IOVA + self->table_off, self->table_len, true);
	ASSERT_EQ(0, ret) TH_LOG("DMA edu -> BAR: %s", strerror(-ret));
	mmio_read(got, self->bar_map + self->table_off, self->table_len);
	bad = table_check(got, self->table_len, 202);
	EXPECT_EQ(-1, bad) TH_LOG("byte %ld of the BAR differs", bad);

	ret = vfio_dma_unmap(self->s.container, BAR_IOVA, self->bar.size,
			     &unmapped);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(self->bar.size, unmapped);
}

/* After UNMAP the device no longer reaches the BAR. */
TEST_F(p2p, unmap_blocks)
{
	uint8_t want[MAX_TABLE], got[MAX_TABLE];
	uint64_t unmapped = 0;
	long bad;
	int ret;

	P2P_READY();
	table_pattern(want, self->table_len, 203);
	mmio_write(self->bar_map + self->table_off, want, self->table_len);
	MAP_BAR(RW);
	ASSERT_EQ(0, vfio_dma_unmap(self->s.container, BAR_IOVA,
				    self->bar.size, &unmapped));
	ASSERT_EQ(self->bar.size, unmapped);

	table_pattern(self->ram + RAM_OFF, self->table_len, 204);
	ret = edu_dma(self->bar0, RAM_IOVA + RAM_OFF, EDU_DMA_BUF_ADDR,
		      self->table_len, false);
	ASSERT_EQ(0, ret);
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR,
		      BAR_IOVA + self->table_off, self->table_len, true);
	EXPECT_TRUE(ret == 0 || ret == -ETIMEDOUT)
		TH_LOG("%s", strerror(-ret));
	mmio_read(got, self->bar_map + self->table_off, self->table_len);
	bad = table_check(got, self->table_len, 203);
	EXPECT_EQ(-1, bad) TH_LOG("DMA reached the unmapped BAR at %ld", bad);
}

/* Device memory is not locked RAM: VmLck does not move. */
TEST_F(p2p, bar_map_not_locked)
{
	long before;

	P2P_READY();
	before = proc_vmlck_kb(getpid());
	ASSERT_LE(0, before);
	MAP_BAR(RW);
	EXPECT_EQ(before, proc_vmlck_kb(getpid()));
	EXPECT_EQ(0, vfio_dma_unmap(self->s.container, BAR_IOVA,
				    self->bar.size, NULL));
	EXPECT_EQ(before, proc_vmlck_kb(getpid()));
}

/*
 * Under a one-page RLIMIT_MEMLOCK without CAP_IPC_LOCK (in a child):
 * two pages of RAM are refused, the whole BAR maps.
 */
TEST_F(p2p, bar_map_under_tiny_rlimit)
{
	struct report {
		int setup, ram, bar, unmap;
		long kb_before, kb_after;
		uint64_t unmapped;
	} *r;
	int status;
	pid_t pid;

	P2P_READY();
	r = shared_alloc(sizeof(*r));
	ASSERT_NE(MAP_FAILED, r);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		void *two = anon_alloc(2 * 4096);

		r->setup = drop_cap_ipc_lock();
		if (!r->setup)
			r->setup = set_memlock_rlimit(4096);
		if (!r->setup && two == MAP_FAILED)
			r->setup = -ENOMEM;
		if (r->setup)
			_exit(0);
		r->kb_before = proc_vmlck_kb(getpid());
		r->ram = vfio_dma_map(self->s.container, two, SPARE_IOVA,
				      2 * 4096, RW);
		r->bar = vfio_dma_map(self->s.container, self->bar_map,
				      BAR_IOVA, self->bar.size, RW);
		r->kb_after = proc_vmlck_kb(getpid());
		r->unmap = vfio_dma_unmap(self->s.container, BAR_IOVA,
					  self->bar.size, &r->unmapped);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, r->setup) TH_LOG("child setup: %s", strerror(-r->setup));
	EXPECT_EQ(-ENOMEM, r->ram) TH_LOG("2 RAM pages over a 1-page limit: %s",
					  strerror(-r->ram));
	EXPECT_EQ(0, r->bar) TH_LOG("BAR under a 1-page limit: %s",
				    strerror(-r->bar));
	EXPECT_EQ(r->kb_before, r->kb_after);
	EXPECT_EQ(0, r->unmap);
	EXPECT_EQ(self->bar.size, r->unmapped);
	munmap(r, sizeof(*r));
}

/*
 * A BAR mmapped PROT_READ: a read-write MAP_DMA fails with EFAULT (6.1's
 * follow_fault_pfn() refuses a write fault on it), a read-only one works.
 */
TEST_F(p2p, read_only_bar_mmap)
{
	uint64_t unmapped = 0;
	void *ro;

	P2P_READY();
	ro = mmap(NULL, self->bar.size, PROT_READ, MAP_SHARED,
		  self->nic_device, (off_t)self->bar.offset);
	ASSERT_NE(MAP_FAILED, ro) TH_LOG("mmap PROT_READ: %s",
					 strerror(errno));
	EXPECT_EQ(-EFAULT, vfio_dma_map(self->s.container, ro, BAR_IOVA,
					self->bar.size, RW));
	EXPECT_EQ(0, vfio_dma_unmap(self->s.container, BAR_IOVA,
				    self->bar.size, &unmapped));
	EXPECT_EQ(0, unmapped);
	EXPECT_EQ(0, vfio_dma_map(self->s.container, ro, BAR_IOVA,
				  self->bar.size, VFIO_DMA_MAP_FLAG_READ));
	EXPECT_EQ(0, vfio_dma_unmap(self->s.container, BAR_IOVA,
				    self->bar.size, &unmapped));
	EXPECT_EQ(self->bar.size, unmapped);
	munmap(ro, self->bar.size);
}

TEST_HARNESS_MAIN
