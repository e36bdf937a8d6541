// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA through the IOMMU with QEMU's edu device: a RAM -> device -> RAM
 * round trip through a type1 mapping, an MSI delivered to an eventfd,
 * a DMA blocked once its IOVA is unmapped, INTx re-armed through an unmask
 * eventfd, and MAP_DMA's argument checks.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vfio_test_util.h"

/* One 2 MiB mapping at 16 MiB: well below edu's 28-bit DMA limit. */
#define BUF_SIZE	(2ULL << 20)
#define BUF_IOVA	(16ULL << 20)
/* Source and destination straddle page boundaries on purpose. */
#define SRC_OFF		0x3c00ULL
#define DST_OFF		((1ULL << 20) + 0x0e00ULL)
#define DMA_LEN		EDU_DMA_MAX_LEN

#define SEED_DATA	1
#define SEED_STALE	2
#define SEED_GUARD	3

#define IRQ_BITS	0x1U
#define MSI_TIMEOUT_MS	5000

FIXTURE(dma) {
	struct vfio_session s;
	void *bar0;
	uint64_t bar0_size;
	uint8_t *buf;
};

FIXTURE_SETUP(dma)
{
	struct edu_location edu;

	self->buf = MAP_FAILED;
	EDU_FIXTURE_OPEN(&edu, &self->s, &self->bar0, &self->bar0_size);

	self->buf = anon_alloc(BUF_SIZE);
	ASSERT_NE(MAP_FAILED, self->buf)
		TH_LOG("mmap %llu bytes: %s", BUF_SIZE, strerror(errno));
}

FIXTURE_TEARDOWN(dma)
{
	if (self->buf != MAP_FAILED)
		munmap(self->buf, BUF_SIZE);
	edu_session_close(&self->s, &self->bar0, self->bar0_size);
}

/* Maps the whole buffer at BUF_IOVA for device reads and writes. */
static void map_buf(struct __test_metadata *_metadata, int container,
		    void *buf)
{
	int ret;

	ret = vfio_dma_map(container, buf, BUF_IOVA, BUF_SIZE,
			   VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	ASSERT_EQ(0, ret) TH_LOG("VFIO_IOMMU_MAP_DMA: %s", strerror(-ret));
}

TEST_F(dma, round_trip)
{
	uint64_t unmapped = 0;
	long bad;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	map_buf(_metadata, self->s.container, self->buf);
	fill_pattern(self->buf + SRC_OFF, DMA_LEN, SEED_DATA);
	fill_pattern(self->buf + DST_OFF, DMA_LEN, SEED_STALE);

	ret = edu_dma(self->bar0, BUF_IOVA + SRC_OFF, EDU_DMA_BUF_ADDR,
		      DMA_LEN, false);
	ASSERT_EQ(0, ret) TH_LOG("DMA RAM -> device: %s", strerror(-ret));
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR, BUF_IOVA + DST_OFF,
		      DMA_LEN, true);
	ASSERT_EQ(0, ret) TH_LOG("DMA device -> RAM: %s", strerror(-ret));

	bad = check_pattern(self->buf + DST_OFF, DMA_LEN, SEED_DATA);
	EXPECT_EQ(-1, bad) TH_LOG("first wrong byte at offset %ld", bad);

	ret = vfio_dma_unmap(self->s.container, BUF_IOVA, BUF_SIZE, &unmapped);
	EXPECT_EQ(0, ret) TH_LOG("VFIO_IOMMU_UNMAP_DMA: %s", strerror(-ret));
	EXPECT_EQ(BUF_SIZE, unmapped);
}

TEST_F(dma, msi_eventfd)
{
	char irq_buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)irq_buf;
	struct vfio_irq_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_MSI_IRQ_INDEX,
	};
	struct vfio_irq_set off = {
		.argsz = sizeof(off),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSI_IRQ_INDEX,
		.start = 0,
		.count = 0,
	};
	struct pollfd pfd;
	uint64_t count = 0;
	int32_t efd;

	RETURN_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_GET_IRQ_INFO, &info))
		TH_LOG("VFIO_DEVICE_GET_IRQ_INFO(MSI): %s", strerror(errno));
	EXPECT_LE(1, info.count);
	EXPECT_TRUE(info.flags & VFIO_IRQ_INFO_EVENTFD);

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd) TH_LOG("eventfd: %s", strerror(errno));

	set->argsz = sizeof(irq_buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &efd, sizeof(efd));
	EXPECT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_SET_IRQS, set))
		TH_LOG("VFIO_DEVICE_SET_IRQS(MSI, eventfd): %s",
		       strerror(errno));

	/* start from a clean irq status, then raise one */
	edu_write32(self->bar0, EDU_REG_IRQ_ACK, 0xffffffffU);
	edu_write32(self->bar0, EDU_REG_IRQ_RAISE, IRQ_BITS);

	pfd.fd = efd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	EXPECT_EQ(1, poll(&pfd, 1, MSI_TIMEOUT_MS))
		TH_LOG("no MSI on the eventfd within %d ms", MSI_TIMEOUT_MS);
	EXPECT_EQ((ssize_t)sizeof(count), read(efd, &count, sizeof(count)));
	EXPECT_LE(1, count);

	EXPECT_EQ(IRQ_BITS, edu_read32(self->bar0, EDU_REG_IRQ_STATUS) &
		  IRQ_BITS);
	edu_write32(self->bar0, EDU_REG_IRQ_ACK, IRQ_BITS);
	EXPECT_EQ(0, edu_read32(self->bar0, EDU_REG_IRQ_STATUS) & IRQ_BITS);

	EXPECT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_SET_IRQS, &off))
		TH_LOG("VFIO_DEVICE_SET_IRQS(MSI, none): %s", strerror(errno));
	close(efd);
}

TEST_F(dma, unmapped_iova_blocked)
{
	uint64_t unmapped = 0;
	long bad;
	int ret;

	RETURN_IF_SETUP_SKIPPED();
	/* put known data in the device buffer while the IOVA is mapped */
	map_buf(_metadata, self->s.container, self->buf);
	fill_pattern(self->buf + SRC_OFF, DMA_LEN, SEED_DATA);
	ret = edu_dma(self->bar0, BUF_IOVA + SRC_OFF, EDU_DMA_BUF_ADDR,
		      DMA_LEN, false);
	ASSERT_EQ(0, ret) TH_LOG("DMA RAM -> device: %s", strerror(-ret));

	ret = vfio_dma_unmap(self->s.container, BUF_IOVA, BUF_SIZE, &unmapped);
	ASSERT_EQ(0, ret) TH_LOG("VFIO_IOMMU_UNMAP_DMA: %s", strerror(-ret));
	ASSERT_EQ(BUF_SIZE, unmapped);

	/* the pages stay in our address space, but not in the IOMMU */
	fill_pattern(self->buf, BUF_SIZE, SEED_GUARD);
	ret = edu_dma(self->bar0, EDU_DMA_BUF_ADDR, BUF_IOVA + DST_OFF,
		      DMA_LEN, true);
	/* completion or a stuck engine are both fine: the data is what counts */
	EXPECT_TRUE(ret == 0 || ret == -ETIMEDOUT)
		TH_LOG("DMA to the unmapped IOVA: %s", strerror(-ret));
	bad = check_pattern(self->buf, BUF_SIZE, SEED_GUARD);
	EXPECT_EQ(-1, bad) TH_LOG("DMA reached unmapped memory at offset %ld",
				  bad);
}

TEST_F(dma, unmap_unmapped_range)
{
	uint64_t unmapped = 1;

	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(0, vfio_dma_unmap(self->s.container, BUF_IOVA, BUF_SIZE,
				    &unmapped));
	EXPECT_EQ(0, unmapped);
}

TEST_F(dma, map_without_access_flags)
{
	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->s.container, self->buf,
					BUF_IOVA, BUF_SIZE, 0));
}

TEST_F(dma, map_unknown_flags)
{
	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->s.container, self->buf,
					BUF_IOVA, BUF_SIZE,
					VFIO_DMA_MAP_FLAG_READ | (1U << 31)));
}

TEST_F(dma, map_zero_size)
{
	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->s.container, self->buf,
					BUF_IOVA, 0,
					VFIO_DMA_MAP_FLAG_READ |
					VFIO_DMA_MAP_FLAG_WRITE));
}

TEST_F(dma, map_misaligned_iova)
{
	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->s.container, self->buf,
					BUF_IOVA + 0x800, BUF_SIZE / 2,
					VFIO_DMA_MAP_FLAG_READ |
					VFIO_DMA_MAP_FLAG_WRITE));
}

TEST_F(dma, map_misaligned_vaddr)
{
	RETURN_IF_SETUP_SKIPPED();
	EXPECT_EQ(-EINVAL, vfio_dma_map(self->s.container, self->buf + 0x800,
					BUF_IOVA, BUF_SIZE / 2,
					VFIO_DMA_MAP_FLAG_READ |
					VFIO_DMA_MAP_FLAG_WRITE));
}

TEST_F(dma, map_small_argsz)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = offsetof(struct vfio_iommu_type1_dma_map, size),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.size = BUF_SIZE,
		.iova = BUF_IOVA,
	};

	RETURN_IF_SETUP_SKIPPED();
	map.vaddr = (uintptr_t)self->buf;
	EXPECT_EQ(-1, ioctl(self->s.container, VFIO_IOMMU_MAP_DMA, &map));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dma, map_overlap)
{
	const uint32_t rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	const uint64_t half = BUF_SIZE / 2;
	uint64_t unmapped = 0;

	RETURN_IF_SETUP_SKIPPED();
	/* [BUF_IOVA, BUF_IOVA + half) is mapped */
	ASSERT_EQ(0, vfio_dma_map(self->s.container, self->buf, BUF_IOVA,
				  half, rw));
	/* the same range */
	EXPECT_EQ(-EEXIST, vfio_dma_map(self->s.container, self->buf,
					BUF_IOVA, half, rw));
	/* overlapping its end */
	EXPECT_EQ(-EEXIST, vfio_dma_map(self->s.container, self->buf + half,
					BUF_IOVA + half / 2, half, rw));
	/* overlapping its start */
	EXPECT_EQ(-EEXIST, vfio_dma_map(self->s.container, self->buf + half,
					BUF_IOVA - half / 2, half, rw));
	/* inside it */
	EXPECT_EQ(-EEXIST, vfio_dma_map(self->s.container, self->buf + half,
					BUF_IOVA + 0x1000, 0x1000, rw));
	/* right after it is free */
	EXPECT_EQ(0, vfio_dma_map(self->s.container, self->buf + half,
				  BUF_IOVA + half, half, rw));

	EXPECT_EQ(0, vfio_dma_unmap(self->s.container, BUF_IOVA, BUF_SIZE,
				    &unmapped));
	EXPECT_EQ(BUF_SIZE, unmapped);
}

/* Sets INTx's @action to the eventfd @fd (DATA_EVENTFD). */
static int intx_set_eventfd(int device, uint32_t action, int32_t fd)
{
	return vfio_irq_set_eventfds(device, VFIO_PCI_INTX_IRQ_INDEX, action,
				     0, 1, &fd);
}

/*
 * INTx is masked when it fires (automask); a signal on the unmask
 * eventfd (ACTION_UNMASK, DATA_EVENTFD: KVM's irqfd resampler) unmasks
 * it, and a line still asserted fires again.
 */
TEST_F(dma, intx_unmask_eventfd)
{
	struct vfio_irq_set off = {
		.argsz = sizeof(off),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_INTX_IRQ_INDEX,
	};
	int trigger, unmask, ret;

	RETURN_IF_SETUP_SKIPPED();
	trigger = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	unmask = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, trigger);
	ASSERT_LE(0, unmask);
	ret = intx_set_eventfd(self->s.device, VFIO_IRQ_SET_ACTION_TRIGGER,
			       trigger);
	ASSERT_EQ(0, ret) TH_LOG("SET_IRQS(INTx trigger): %s", strerror(-ret));
	ret = intx_set_eventfd(self->s.device, VFIO_IRQ_SET_ACTION_UNMASK,
			       unmask);
	ASSERT_EQ(0, ret) TH_LOG("SET_IRQS(INTx unmask eventfd): %s",
				 strerror(-ret));

	edu_write32(self->bar0, EDU_REG_IRQ_ACK, 0xffffffffU);
	edu_write32(self->bar0, EDU_REG_IRQ_RAISE, IRQ_BITS);
	EXPECT_EQ(1, eventfd_wait_ms(trigger, MSI_TIMEOUT_MS))
		TH_LOG("no INTx on the trigger eventfd");
	/* still asserted, but masked: nothing more */
	EXPECT_EQ(0, eventfd_wait_ms(trigger, 300));

	ASSERT_EQ((ssize_t)sizeof(uint64_t),
		  write(unmask, &(uint64_t){ 1 }, sizeof(uint64_t)));
	EXPECT_EQ(1, eventfd_wait_ms(trigger, MSI_TIMEOUT_MS))
		TH_LOG("the unmask eventfd did not unmask the asserted line");

	edu_write32(self->bar0, EDU_REG_IRQ_ACK, IRQ_BITS);
	EXPECT_EQ(0, ioctl(self->s.device, VFIO_DEVICE_SET_IRQS, &off))
		TH_LOG("SET_IRQS(INTx, none): %s", strerror(errno));
	close(unmask);
	close(trigger);
}

TEST_HARNESS_MAIN
