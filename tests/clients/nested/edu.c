// SPDX-License-Identifier: GPL-2.0-only
/*
 * QEMU's edu device (1234:11e8) as the nested kernel sees it through
 * QEMU's vfio-pci: its configuration space, its BAR0 registers, a DMA
 * round trip through this guest's RAM (which QEMU mapped for the device
 * with VFIO_IOMMU_MAP_DMA) and an MSI (which QEMU set up with
 * VFIO_DEVICE_SET_IRQS when this kernel enabled the capability).
 */
#include "nested.h"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_BAR0_SIZE	0x100000
#define EDU_ID_VALUE	0x010000ed

#define EDU_ID		0x00
#define EDU_LIVENESS	0x04
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_START	0x1
#define EDU_DMA_TO_RAM	0x2

/* edu's buffer at device address 0x40000; at most 2048 bytes a go */
#define EDU_DEV_BUF	0x40000
#define DMA_LEN		2048
#define DMA_SECONDS	10

#define PCI_INTERRUPT_PIN	0x3d
#define PCI_CAP_ID_MSI		0x05
#define MSI_FLAGS		2
#define MSI_FLAGS_ENABLE	0x1
#define MSI_FLAGS_QMASK		0xe	/* log2 of the vectors capable */
#define MSI_FLAGS_64BIT		0x80
#define MSI_ADDR_LO		4
#define MSI_ADDR_HI		8
#define MSI_DATA_32		8
#define MSI_DATA_64		12

#define EDU_VECTOR		0x41
#define IRQ_SECONDS		10

static uint8_t dma_out[DMA_LEN] __attribute__((aligned(64)));
static uint8_t dma_in[DMA_LEN] __attribute__((aligned(64)));

static uint8_t pattern(unsigned int i)
{
	return (uint8_t)(i * 7 + 0x3b) ^ (uint8_t)(i >> 8);
}

/* edu_dma(): one transfer, polled to its end (cmd bit 0 clear). */
static bool edu_dma(uint32_t bar, uint32_t src, uint32_t dst, uint32_t cmd)
{
	struct deadline d;
	bool done;

	mmio_write32(bar + EDU_DMA_SRC, src);
	mmio_write32(bar + EDU_DMA_DST, dst);
	mmio_write32(bar + EDU_DMA_COUNT, DMA_LEN);
	mmio_write32(bar + EDU_DMA_CMD, cmd | EDU_DMA_START);
	deadline_start(&d, DMA_SECONDS);
	while (!(done = !(mmio_read32(bar + EDU_DMA_CMD) & EDU_DMA_START)) &&
	       !deadline_passed(&d))
		cpu_relax();
	/* the device wrote RAM behind the compiler's back */
	asm volatile("" : : : "memory");
	return done;
}

static void edu_dma_test(uint32_t bar)
{
	unsigned int i, bad = 0, first = 0;

	for (i = 0; i < DMA_LEN; i++) {
		dma_out[i] = pattern(i);
		dma_in[i] = (uint8_t)~pattern(i);
	}
	if (!check(edu_dma(bar, (uint32_t)dma_out, EDU_DEV_BUF, 0),
		   "edu_dma_to_device", "%u bytes from RAM 0x%x", DMA_LEN,
		   (uint32_t)dma_out))
		return;
	if (!check(edu_dma(bar, EDU_DEV_BUF, (uint32_t)dma_in,
			   EDU_DMA_TO_RAM),
		   "edu_dma_from_device", "%u bytes to RAM 0x%x", DMA_LEN,
		   (uint32_t)dma_in))
		return;
	for (i = 0; i < DMA_LEN; i++) {
		if (dma_in[i] != pattern(i)) {
			if (!bad)
				first = i;
			bad++;
		}
	}
	check(!bad, "edu_dma_data",
	      "%u of %u bytes differ, the first at %u: 0x%02x, expected 0x%02x",
	      bad, DMA_LEN, first, dma_in[first], pattern(first));
}

/* MSI: one vector to this CPU's APIC (id 0), fixed, edge. */
static void edu_msi_test(const struct pci_dev *p, uint8_t pos, uint32_t bar)
{
	uint16_t flags = pci_read16(p, pos + MSI_FLAGS);
	uint32_t status;
	unsigned int n;

	pci_write32(p, pos + MSI_ADDR_LO, MSI_ADDR_BASE);
	if (flags & MSI_FLAGS_64BIT) {
		pci_write32(p, pos + MSI_ADDR_HI, 0);
		pci_write16(p, pos + MSI_DATA_64, EDU_VECTOR);
	} else {
		pci_write16(p, pos + MSI_DATA_32, EDU_VECTOR);
	}
	pci_write16(p, pos + MSI_FLAGS,
		    (flags & ~MSI_FLAGS_QMASK) | MSI_FLAGS_ENABLE);

	mmio_write32(bar + EDU_IRQ_RAISE, 0x5a);
	n = irq_wait(EDU_VECTOR, 1, IRQ_SECONDS);
	status = mmio_read32(bar + EDU_IRQ_STATUS);
	mmio_write32(bar + EDU_IRQ_ACK, status);
	check(n == 1 && status == 0x5a, "edu_msi_irq",
	      "vector 0x%x taken %u times, irq status 0x%x", EDU_VECTOR, n,
	      status);

	mmio_write32(bar + EDU_IRQ_RAISE, 0x100);
	n = irq_wait(EDU_VECTOR, 2, IRQ_SECONDS);
	status = mmio_read32(bar + EDU_IRQ_STATUS);
	mmio_write32(bar + EDU_IRQ_ACK, status);
	check(n == 2 && status == 0x100 &&
	      !mmio_read32(bar + EDU_IRQ_STATUS) &&
	      !irq_unexpected(EDU_VECTOR),
	      "edu_msi_irq_again",
	      "vector 0x%x taken %u times in all, irq status 0x%x, %u other interrupts",
	      EDU_VECTOR, n, status, irq_unexpected(EDU_VECTOR));

	pci_write16(p, pos + MSI_FLAGS, flags & ~MSI_FLAGS_ENABLE);
}

void edu_test(void)
{
	uint32_t bar, size, id, val, got;
	static const uint32_t vals[] = { 0x12345678, 0xa5a5a5a5, 0 };
	struct pci_dev p;
	uint8_t msi;
	bool live = true, found;
	unsigned int i;

	found = pci_find(EDU_VENDOR, EDU_DEVICE, &p);
	if (!check(found, "edu_found", "1234:11e8 at 00:%02x.%u on bus 0",
		   p.dev, p.fn))
		return;
	id = pci_read32(&p, 0);
	check(id == ((uint32_t)EDU_DEVICE << 16 | EDU_VENDOR),
	      "edu_config_ids", "vendor:device %04x:%04x, class 0x%06x",
	      id & 0xffff, id >> 16, pci_read32(&p, 0x08) >> 8);
	check(pci_read8(&p, PCI_INTERRUPT_PIN) == 1, "edu_intx_pin",
	      "interrupt pin %u", pci_read8(&p, PCI_INTERRUPT_PIN));
	msi = pci_find_cap(&p, PCI_CAP_ID_MSI);
	check(msi && !(pci_read16(&p, msi + MSI_FLAGS) & MSI_FLAGS_QMASK),
	      "edu_cap_msi", "MSI capability at 0x%x, flags 0x%x", msi,
	      msi ? pci_read16(&p, msi + MSI_FLAGS) : 0);
	found = pci_bar_mem(&p, 0, &bar, &size);
	if (!check(found && size == EDU_BAR0_SIZE, "edu_bar0",
		   "BAR0 at 0x%08x, 0x%x bytes", bar, size))
		return;
	pci_enable(&p);

	id = mmio_read32(bar + EDU_ID);
	check(id == EDU_ID_VALUE, "edu_bar0_id", "id register 0x%08x", id);
	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		val = vals[i];
		mmio_write32(bar + EDU_LIVENESS, val);
		got = mmio_read32(bar + EDU_LIVENESS);
		if (got != ~val) {
			live = false;
			break;
		}
	}
	check(live, "edu_liveness", "wrote 0x%08x, read back 0x%08x", val,
	      got);

	edu_dma_test(bar);
	if (msi)
		edu_msi_test(&p, msi, bar);
}
