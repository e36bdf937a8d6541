// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X of the e1000e (8086:10d3, 82574) through QEMU's vfio-pci: this
 * kernel enables MSI-X in the capability and programs one table entry
 * (QEMU emulates the table and, as the entry is unmasked, sets the
 * vector up with VFIO_DEVICE_SET_IRQS), routes one interrupt cause of
 * the device to that entry (IVAR) and raises the cause (IMS, ICS).  The
 * message reaches QEMU through the vector's eventfd and must come out
 * at this CPU's APIC as the vector number written in the entry.  With
 * the entry masked the message must wait in the pending bit array
 * instead, and arrive once the entry is unmasked.
 */
#include "nested.h"

#define E1000E_VENDOR	0x8086
#define E1000E_DEVICE	0x10d3
#define E1000E_NVEC	5

/* 82574 registers in BAR0 */
#define REG_STATUS	0x00008
#define REG_ICR		0x000c0
#define REG_ICS		0x000c8
#define REG_IMS		0x000d0
#define REG_IMC		0x000d8
#define REG_EIAC	0x000dc
#define REG_IVAR	0x000e4
#define IVAR_VALID	0x8U
#define IVAR_TXQ0_SHIFT	8
#define CAUSE_TXQ0	(1U << 22)

#define PCI_CAP_ID_MSIX		0x11
#define MSIX_FLAGS		2
#define MSIX_FLAGS_QSIZE	0x7ff
#define MSIX_FLAGS_MASKALL	0x4000
#define MSIX_FLAGS_ENABLE	0x8000
#define MSIX_TABLE		4
#define MSIX_PBA		8
#define MSIX_BIR		0x7
#define MSIX_ENTRY_SIZE		16
#define MSIX_ENTRY_ADDR_LO	0
#define MSIX_ENTRY_ADDR_HI	4
#define MSIX_ENTRY_DATA		8
#define MSIX_ENTRY_CTRL		12
#define MSIX_ENTRY_MASKED	0x1

/* the table entry under test, and the vector it names */
#define ENTRY		2
#define E1000E_VECTOR	0x52
#define IRQ_SECONDS	10
#define QUIET_SECONDS	3

struct msix {
	uint32_t bar0;
	uint32_t entry;		/* address of the table entry ENTRY */
	uint32_t pba;		/* address of the PBA's first dword */
};

static void reg_write(const struct msix *m, uint32_t reg, uint32_t val)
{
	mmio_write32(m->bar0 + reg, val);
	/* a read flushes the posted write */
	(void)mmio_read32(m->bar0 + REG_STATUS);
}

/* raise(): the device sends whatever message TXQ0 is routed to. */
static void raise(const struct msix *m)
{
	reg_write(m, REG_IMS, CAUSE_TXQ0);
	reg_write(m, REG_ICS, CAUSE_TXQ0);
}

/* msix_locate(): the table entry and PBA addresses from their BARs. */
static bool msix_locate(const struct pci_dev *p, uint8_t pos, struct msix *m)
{
	uint32_t table = pci_read32(p, pos + MSIX_TABLE);
	uint32_t pba = pci_read32(p, pos + MSIX_PBA);
	uint32_t bar, size;

	if (!pci_bar_mem(p, table & MSIX_BIR, &bar, &size))
		return false;
	m->entry = bar + (table & ~MSIX_BIR) + ENTRY * MSIX_ENTRY_SIZE;
	if (!pci_bar_mem(p, pba & MSIX_BIR, &bar, &size))
		return false;
	m->pba = bar + (pba & ~MSIX_BIR);
	say("e1000e MSI-X table in BAR%u at +0x%x, PBA in BAR%u at +0x%x",
	    table & MSIX_BIR, table & ~MSIX_BIR, pba & MSIX_BIR,
	    pba & ~MSIX_BIR);
	return true;
}

static void msix_irq_test(const struct pci_dev *p, uint8_t pos,
			  const struct msix *m)
{
	uint16_t flags = pci_read16(p, pos + MSIX_FLAGS);
	unsigned int n;
	uint32_t pba;

	/* enabled with the function masked while the entry is written */
	pci_write16(p, pos + MSIX_FLAGS,
		    flags | MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
	mmio_write32(m->entry + MSIX_ENTRY_ADDR_LO, MSI_ADDR_BASE);
	mmio_write32(m->entry + MSIX_ENTRY_ADDR_HI, 0);
	mmio_write32(m->entry + MSIX_ENTRY_DATA, E1000E_VECTOR);
	mmio_write32(m->entry + MSIX_ENTRY_CTRL, 0);
	pci_write16(p, pos + MSIX_FLAGS, flags | MSIX_FLAGS_ENABLE);

	reg_write(m, REG_IMC, ~0U);
	reg_write(m, REG_ICR, ~0U);
	reg_write(m, REG_IVAR, (IVAR_VALID | ENTRY) << IVAR_TXQ0_SHIFT);
	reg_write(m, REG_EIAC, CAUSE_TXQ0);

	raise(m);
	n = irq_wait(E1000E_VECTOR, 1, IRQ_SECONDS);
	check(n == 1 && !irq_unexpected(E1000E_VECTOR), "e1000e_msix_irq",
	      "MSI-X entry %u, vector 0x%x taken %u times, %u other interrupts",
	      ENTRY, E1000E_VECTOR, n, irq_unexpected(E1000E_VECTOR));

	/* masked: no message, the pending bit instead */
	mmio_write32(m->entry + MSIX_ENTRY_CTRL, MSIX_ENTRY_MASKED);
	raise(m);
	n = irq_wait(E1000E_VECTOR, 2, QUIET_SECONDS);
	pba = mmio_read32(m->pba);
	check(n == 1 && (pba & (1U << ENTRY)), "e1000e_msix_masked",
	      "vector 0x%x taken %u times in all, PBA 0x%x", E1000E_VECTOR,
	      n, pba);

	/* unmasked: the pending message is sent */
	mmio_write32(m->entry + MSIX_ENTRY_CTRL, 0);
	n = irq_wait(E1000E_VECTOR, 2, IRQ_SECONDS);
	pba = mmio_read32(m->pba);
	check(n == 2 && !(pba & (1U << ENTRY)), "e1000e_msix_unmask",
	      "vector 0x%x taken %u times in all, PBA 0x%x", E1000E_VECTOR,
	      n, pba);

	reg_write(m, REG_IMC, ~0U);
	reg_write(m, REG_ICR, ~0U);
	pci_write16(p, pos + MSIX_FLAGS, flags & ~MSIX_FLAGS_ENABLE);
}

void e1000e_test(void)
{
	struct pci_dev p;
	struct msix m;
	uint32_t size;
	uint16_t flags;
	uint8_t pos;
	bool found;

	found = pci_find(E1000E_VENDOR, E1000E_DEVICE, &p);
	if (!check(found, "e1000e_found", "8086:10d3 at 00:%02x.%u on bus 0",
		   p.dev, p.fn))
		return;
	pos = pci_find_cap(&p, PCI_CAP_ID_MSIX);
	flags = pos ? pci_read16(&p, pos + MSIX_FLAGS) : 0;
	if (!check(pos && (flags & MSIX_FLAGS_QSIZE) + 1 == E1000E_NVEC,
		   "e1000e_cap_msix", "MSI-X capability at 0x%x, %u vectors",
		   pos, (flags & MSIX_FLAGS_QSIZE) + 1))
		return;
	found = pci_bar_mem(&p, 0, &m.bar0, &size) &&
		msix_locate(&p, pos, &m);
	if (!check(found, "e1000e_bars", "BAR0 at 0x%08x, 0x%x bytes",
		   m.bar0, size))
		return;
	pci_enable(&p);
	msix_irq_test(&p, pos, &m);
}
