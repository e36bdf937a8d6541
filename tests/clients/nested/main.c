// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmain(): the order of the nested kernel's checks.  Every check prints
 * its line; finish() ends QEMU with the verdict.
 */
#include "nested.h"

#define MULTIBOOT_BOOTLOADER_MAGIC	0x2badb002

void kmain(uint32_t magic, uint32_t mbi)
{
	serial_init();
	say("nested test kernel up, multiboot information at 0x%x", mbi);
	check(magic == MULTIBOOT_BOOTLOADER_MAGIC, "multiboot",
	      "boot loader magic 0x%08x", magic);
	irq_init();
	edu_test();
	irq_forget();
	e1000e_test();
	finish();
}
