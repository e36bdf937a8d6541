/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry of the nested test kernel: a multiboot (v1) header, a flat GDT
 * of our own (the boot loader's may be anywhere), a stack, and one
 * 16-byte stub per interrupt vector that pushes its vector number and
 * enters isr_dispatch() with every general register saved.
 *
 * The boot loader enters _start in 32-bit protected mode, paging off,
 * interrupts off, EAX = the multiboot magic, EBX = its information.
 */

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0

#define SEL_CODE	0x08
#define SEL_DATA	0x10

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
_start:
	cli
	lgdt gdt_desc
	ljmp $SEL_CODE, $1f
1:	movw $SEL_DATA, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %fs
	movw %cx, %gs
	movw %cx, %ss
	movl $stack_top, %esp
	pushl %ebx
	pushl %eax
	call kmain
2:	cli
	hlt
	jmp 2b

/*
 * isr_stubs[n] (16 bytes apart): push n, go to isr_common.  Exceptions
 * with an error code leave one more word on the stack; isr_dispatch()
 * never returns from an exception, so the frame need not match.
 */
	.balign 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	pushl $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	pushal
	cld
	pushl 32(%esp)
	call isr_dispatch
	addl $4, %esp
	popal
	addl $4, %esp
	iret

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* SEL_CODE: base 0, 4 GiB, 32-bit code */
	.quad 0x00cf92000000ffff	/* SEL_DATA: base 0, 4 GiB, data */
gdt_end:

	.balign 4
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.bss
	.balign 16
	.skip 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
