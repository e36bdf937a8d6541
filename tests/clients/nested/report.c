// SPDX-License-Identifier: GPL-2.0-only
/*
 * The nested kernel's reports: a small printf to COM1 (%s %c %d %u %x
 * with an optional zero-padded width), the check lines the test script
 * reads, and the end of the run through isa-debug-exit.
 */
#include "nested.h"

static unsigned int checks, failures;

static void put_str(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

static void put_num(uint32_t val, unsigned int base, unsigned int width,
		    char pad)
{
	char buf[12];
	unsigned int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[val % base];
		val /= base;
	} while (val);
	while (width > n) {
		serial_putc(pad);
		width--;
	}
	while (n)
		serial_putc(buf[--n]);
}

static void vkprintf(const char *fmt, va_list ap)
{
	unsigned int width;
	char pad;
	int sval;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			serial_putc(*fmt);
			continue;
		}
		fmt++;
		pad = ' ';
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned int)(*fmt++ - '0');
		switch (*fmt) {
		case 's':
			put_str(va_arg(ap, const char *));
			break;
		case 'c':
			serial_putc((char)va_arg(ap, int));
			break;
		case 'd':
			sval = va_arg(ap, int);
			if (sval < 0) {
				serial_putc('-');
				put_num(-(uint32_t)sval, 10, width, pad);
			} else {
				put_num((uint32_t)sval, 10, width, pad);
			}
			break;
		case 'u':
			put_num(va_arg(ap, uint32_t), 10, width, pad);
			break;
		case 'x':
			put_num(va_arg(ap, uint32_t), 16, width, pad);
			break;
		case '%':
			serial_putc('%');
			break;
		default:
			return;
		}
	}
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
}

/*
 * check(): one "NESTED ok|not ok <name>: <detail>" line; returns @cond
 * so that a test can stop at a failed prerequisite.
 */
bool check(bool cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (!cond)
		failures++;
	kprintf("NESTED %s %s: ", cond ? "ok" : "not ok", name);
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	serial_putc('\n');
	return cond;
}

void say(const char *fmt, ...)
{
	va_list ap;

	put_str("NESTED info ");
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	serial_putc('\n');
}

void finish(void)
{
	kprintf("NESTED done %u checks, %u failed\n", checks, failures);
	outl(DEBUG_EXIT_PORT, failures ? EXIT_FAIL : EXIT_PASS);
	/* not reached with isa-debug-exit; without it, stop here */
	for (;;)
		asm volatile("cli; hlt");
}

/* die(): a failure that ends the run (an exception, a bad boot). */
void die(const char *what)
{
	checks++;
	failures++;
	kprintf("NESTED not ok fatal: %s\n", what);
	finish();
}
