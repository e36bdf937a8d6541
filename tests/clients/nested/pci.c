// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI configuration space through mechanism #1 (0xcf8/0xcfc), which is
 * what QEMU's vfio-pci answers for a passed-through function: reads of
 * its emulated or passed-through registers, BARs that the firmware
 * (SeaBIOS) placed and that QEMU maps onto the device's regions.
 */
#include "nested.h"

#define PCI_ADDR	0xcf8
#define PCI_DATA	0xcfc

#define PCI_VENDOR_ID	0x00
#define PCI_COMMAND	0x04
#define PCI_COMMAND_MEMORY	0x2
#define PCI_COMMAND_MASTER	0x4
#define PCI_STATUS	0x06
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_HEADER_TYPE	0x0e
#define PCI_BAR0	0x10
#define PCI_CAP_PTR	0x34

#define BAR_IO		0x1
#define BAR_TYPE_MASK	0x6
#define BAR_TYPE_64	0x4
#define BAR_ADDR_MASK	0xfffffff0U

static void pci_select(const struct pci_dev *p, uint8_t off)
{
	outl(PCI_ADDR, 0x80000000U | (uint32_t)p->bus << 16 |
		       (uint32_t)p->dev << 11 | (uint32_t)p->fn << 8 |
		       (off & 0xfc));
}

uint32_t pci_read32(const struct pci_dev *p, uint8_t off)
{
	pci_select(p, off);
	return inl(PCI_DATA);
}

uint16_t pci_read16(const struct pci_dev *p, uint8_t off)
{
	return (uint16_t)(pci_read32(p, off) >> (8 * (off & 2)));
}

uint8_t pci_read8(const struct pci_dev *p, uint8_t off)
{
	return (uint8_t)(pci_read32(p, off) >> (8 * (off & 3)));
}

void pci_write32(const struct pci_dev *p, uint8_t off, uint32_t val)
{
	pci_select(p, off);
	outl(PCI_DATA, val);
}

void pci_write16(const struct pci_dev *p, uint8_t off, uint16_t val)
{
	pci_select(p, off);
	asm volatile("outw %0, %1"
		     : : "a"(val), "Nd"((uint16_t)(PCI_DATA + (off & 2))));
}

/* pci_find(): the first function on bus 0 with these ids. */
bool pci_find(uint16_t vendor, uint16_t device, struct pci_dev *p)
{
	uint32_t want = (uint32_t)device << 16 | vendor;
	uint8_t fns;

	p->bus = 0;
	for (p->dev = 0; p->dev < 32; p->dev++) {
		p->fn = 0;
		if (pci_read16(p, PCI_VENDOR_ID) == 0xffff)
			continue;
		fns = (pci_read8(p, PCI_HEADER_TYPE) & 0x80) ? 8 : 1;
		for (p->fn = 0; p->fn < fns; p->fn++)
			if (pci_read32(p, PCI_VENDOR_ID) == want)
				return true;
	}
	return false;
}

/* pci_find_cap(): the offset of a capability, 0 if the list lacks it. */
uint8_t pci_find_cap(const struct pci_dev *p, uint8_t id)
{
	uint8_t pos;
	int ttl = 48;

	if (!(pci_read16(p, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = pci_read8(p, PCI_CAP_PTR) & 0xfc;
	while (pos && ttl--) {
		if (pci_read8(p, pos) == id)
			return pos;
		pos = pci_read8(p, pos + 1) & 0xfc;
	}
	return 0;
}

/*
 * pci_bar_mem(): the address and size of a memory BAR below 4 GiB, the
 * size found the standard way (all ones written, the mask read back)
 * with memory decoding off meanwhile.
 */
bool pci_bar_mem(const struct pci_dev *p, int bar, uint32_t *addr,
		 uint32_t *size)
{
	uint8_t off = PCI_BAR0 + 4 * bar;
	uint16_t cmd = pci_read16(p, PCI_COMMAND);
	uint32_t val = pci_read32(p, off);
	uint32_t mask;

	if (val & BAR_IO)
		return false;
	if ((val & BAR_TYPE_MASK) == BAR_TYPE_64 && pci_read32(p, off + 4))
		return false;
	pci_write16(p, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY);
	pci_write32(p, off, ~0U);
	mask = pci_read32(p, off) & BAR_ADDR_MASK;
	pci_write32(p, off, val);
	pci_write16(p, PCI_COMMAND, cmd);
	*addr = val & BAR_ADDR_MASK;
	*size = ~mask + 1;
	return mask && *addr;
}

/* pci_enable(): memory decoding and bus mastering (DMA, MSI) on. */
void pci_enable(const struct pci_dev *p)
{
	uint16_t cmd = pci_read16(p, PCI_COMMAND);

	pci_write16(p, PCI_COMMAND,
		    cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}
