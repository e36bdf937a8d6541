/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The nested test kernel: a freestanding 32-bit program that QEMU boots
 * with -kernel (multiboot) in a guest whose PCI devices are passed
 * through by QEMU's vfio-pci.  It drives them directly (paging off, so
 * a bus address is a physical address) and reports each check on COM1
 * as a line the test script turns into TAP:
 *
 *   NESTED ok <name>[: detail]
 *   NESTED not ok <name>: detail
 *   NESTED info <text>
 *   NESTED done <checks> checks, <failures> failed
 *
 * then leaves QEMU through isa-debug-exit (status (code << 1) | 1).
 */
#ifndef NESTED_H
#define NESTED_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* isa-debug-exit codes: QEMU exits with 33 when every check passed */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define EXIT_PASS	0x10
#define EXIT_FAIL	0x11
#define DEBUG_EXIT_PORT	0xf4

static inline void outb(uint16_t port, uint8_t val)
{
	asm volatile("out %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t val;

	asm volatile("in %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

static inline void outl(uint16_t port, uint32_t val)
{
	asm volatile("out %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t val;

	asm volatile("in %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

static inline uint32_t mmio_read32(uint32_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uint32_t addr, uint32_t val)
{
	*(volatile uint32_t *)addr = val;
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

/* boot.S: the entry calls kmain(); one 16-byte stub per vector */
extern const char isr_stubs[];
void kmain(uint32_t magic, uint32_t mbi);

/* serial.c: COM1, 115200 8N1 */
void serial_init(void);
void serial_putc(char c);

/* report.c: formatted lines, checks, the end of the run */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool check(bool cond, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void finish(void);
__attribute__((noreturn)) void die(const char *what);

/* clock.c: the CMOS RTC's seconds, for timeouts */
struct deadline {
	uint8_t last;
	unsigned int left;
};

void deadline_start(struct deadline *d, unsigned int seconds);
bool deadline_passed(struct deadline *d);

/* pci.c: configuration mechanism #1 on bus 0 */
struct pci_dev {
	uint8_t bus, dev, fn;
};

uint32_t pci_read32(const struct pci_dev *p, uint8_t off);
uint16_t pci_read16(const struct pci_dev *p, uint8_t off);
uint8_t pci_read8(const struct pci_dev *p, uint8_t off);
void pci_write32(const struct pci_dev *p, uint8_t off, uint32_t val);
void pci_write16(const struct pci_dev *p, uint8_t off, uint16_t val);
bool pci_find(uint16_t vendor, uint16_t device, struct pci_dev *p);
uint8_t pci_find_cap(const struct pci_dev *p, uint8_t id);
bool pci_bar_mem(const struct pci_dev *p, int bar, uint32_t *addr,
		 uint32_t *size);
void pci_enable(const struct pci_dev *p);

/* irq.c: IDT, 8259 masked, local APIC, MSI delivery */
#define MSI_ADDR_BASE	0xfee00000U

void irq_init(void);
unsigned int irq_count(uint8_t vector);
void irq_forget(void);
unsigned int irq_unexpected(uint8_t vector);
unsigned int irq_wait(uint8_t vector, unsigned int want,
		      unsigned int seconds);
void isr_dispatch(uint32_t vector);

/* the tests */
void edu_test(void);
void e1000e_test(void);

#endif
