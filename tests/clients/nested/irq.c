// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupts of the nested kernel: an IDT whose every gate leads to
 * isr_dispatch() (boot.S), the 8259 pair moved to vectors 0x20-0x2f and
 * masked, and the local APIC software-enabled, so that the only
 * interrupts left are the MSI and MSI-X messages the tests make the
 * passed-through devices send: QEMU's vfio-pci receives them from
 * /dev/vfio (VFIO_DEVICE_SET_IRQS eventfds) and injects them into this
 * CPU's APIC, whose vector then runs isr_dispatch(), which counts it
 * and signals the end of interrupt.
 */
#include "nested.h"

#define SEL_CODE	0x08
#define GATE_INTR32	0x8e00	/* present, DPL 0, 32-bit interrupt gate */

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1
#define PIC_VECTOR_BASE	0x20

#define MSR_APIC_BASE	0x1b
#define APIC_BASE_EN	0x800
#define APIC_BASE_MASK	0xfffff000U
#define APIC_ID		0x020
#define APIC_TPR	0x080
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_SVR_EN	0x100
#define SPURIOUS_VECTOR	0xff

static uint32_t idt[256][2];
static volatile unsigned int counts[256];
static volatile unsigned int total;
static uint32_t apic;

static const char *const exception_names[32] = {
	[0] = "divide error", [6] = "invalid opcode",
	[8] = "double fault", [13] = "general protection",
	[14] = "page fault",
};

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void idt_init(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) desc;
	uint32_t stub;
	int v;

	for (v = 0; v < 256; v++) {
		stub = (uint32_t)isr_stubs + 16 * v;
		idt[v][0] = (uint32_t)SEL_CODE << 16 | (stub & 0xffff);
		idt[v][1] = (stub & 0xffff0000U) | GATE_INTR32;
	}
	desc.limit = sizeof(idt) - 1;
	desc.base = (uint32_t)idt;
	asm volatile("lidt %0" : : "m"(desc));
}

/* The 8259s: re-initialized off the exception vectors, all lines masked. */
static void pic_off(void)
{
	outb(PIC1_CMD, 0x11);		/* ICW1: edge, cascade, ICW4 */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, 0x04);		/* slave on IRQ2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);		/* 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void irq_init(void)
{
	uint64_t base;

	idt_init();
	pic_off();
	base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_EN))
		die("the local APIC is disabled in IA32_APIC_BASE");
	apic = (uint32_t)base & APIC_BASE_MASK;
	mmio_write32(apic + APIC_TPR, 0);
	mmio_write32(apic + APIC_SVR, APIC_SVR_EN | SPURIOUS_VECTOR);
	say("local APIC at 0x%08x, id %u", apic,
	    mmio_read32(apic + APIC_ID) >> 24);
	asm volatile("sti");
}

void isr_dispatch(uint32_t vector)
{
	if (vector < 32) {
		kprintf("NESTED info exception %u (%s)\n", vector,
			exception_names[vector] ? exception_names[vector] :
						  "?");
		die("CPU exception");
	}
	if (vector == SPURIOUS_VECTOR)
		return;		/* no EOI for the APIC's spurious vector */
	counts[vector]++;
	total++;
	mmio_write32(apic + APIC_EOI, 0);
}

unsigned int irq_count(uint8_t vector)
{
	return counts[vector];
}

/* irq_forget(): every count back to 0, between two tests. */
void irq_forget(void)
{
	int v;

	asm volatile("cli");
	for (v = 0; v < 256; v++)
		counts[v] = 0;
	total = 0;
	asm volatile("sti");
}

/* irq_unexpected(): interrupts counted at any vector but @vector. */
unsigned int irq_unexpected(uint8_t vector)
{
	return total - counts[vector];
}

/*
 * irq_wait(): waits until @vector has been taken @want times in all, or
 * @seconds passed; returns its count.
 */
unsigned int irq_wait(uint8_t vector, unsigned int want,
		      unsigned int seconds)
{
	struct deadline d;

	deadline_start(&d, seconds);
	while (counts[vector] < want && !deadline_passed(&d))
		cpu_relax();
	return counts[vector];
}
