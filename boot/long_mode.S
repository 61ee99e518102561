/*
 * boot/long_mode.S - from 32-bit protected mode to the 64-bit kernel, for
 * every boot protocol (boot/pvh.S, boot/multiboot2.S).
 *
 * Entered with paging off, flat 32-bit segments, interrupts off, and the
 * loader's hand-off stored in boot_handoff_info / boot_handoff_magic.  It
 * builds just enough paging to reach long mode (Intel SDM Vol. 3A §9.8.5):
 *   - identity map of 0..4 GiB (boot code, loader data and, under UEFI, a
 *     Multiboot2 information structure GRUB may place anywhere below 4 GiB),
 *   - the same 4 GiB at the direct-map base (0xffff800000000000),
 *   - the first GiB at the kernel image base (0xffffffff80000000),
 * with 2 MiB pages, then calls kernel_main(info_phys, loader_magic) in the
 * higher half.  The C code replaces these tables (kernel/arch/x86_64/paging.c).
 */
#include "kernel/core/memlayout.h"

#define CR0_PE   (1 << 0)
#define CR0_WP   (1 << 16)
#define CR0_PG   (1 << 31)
#define CR4_PAE  (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define PTE_P    0x1
#define PTE_W    0x2
#define PTE_PS   0x80
#define BOOT_MAPPED_GIB 4

	.section .boot.text, "ax"
	.code32
	.globl boot_long_mode
boot_long_mode:
	movl $boot_stack_top, %esp

	/* A 64-bit kernel needs long mode (CPUID 0x80000001 EDX bit 29): without it, say so and stop. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz no_long_mode
	/*
	 * FXSR, SSE and SSE2 (CPUID 1 EDX bits 24-26), which every x86-64 CPU has and
	 * the kernel uses (fxsave of user state, mfence, SSE page clearing).
	 */
	movl $1, %eax
	cpuid
	andl $(7 << 24), %edx
	cmpl $(7 << 24), %edx
	jne no_sse2

	/* 2 MiB pages covering the first 4 GiB: 4 page directories, 2048 entries. */
	movl $boot_pd, %eax
	xorl %ecx, %ecx
1:	movl %ecx, %edx
	shll $21, %edx
	orl $(PTE_P | PTE_W | PTE_PS), %edx
	movl %edx, (%eax, %ecx, 8)
	movl %ecx, %edx
	shrl $11, %edx			/* bits 32+ of the address: entry / 2048 */
	movl %edx, 4(%eax, %ecx, 8)
	incl %ecx
	cmpl $(512 * BOOT_MAPPED_GIB), %ecx
	jne 1b

	/* PDPT entries 0..3 -> the four directories; the image base sees the first GiB. */
	xorl %ecx, %ecx
2:	movl %ecx, %edx
	shll $12, %edx
	addl $(boot_pd + PTE_P + PTE_W), %edx
	movl %edx, boot_pdpt_low(, %ecx, 8)
	incl %ecx
	cmpl $BOOT_MAPPED_GIB, %ecx
	jne 2b
	movl $(boot_pd + PTE_P + PTE_W), boot_pdpt_high + 510 * 8
	movl $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4
	movl $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4 + 256 * 8
	movl $(boot_pdpt_high + PTE_P + PTE_W), boot_pml4 + 511 * 8

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3

	/* EFER.NXE only when the CPU has NX (CPUID 0x80000001 EDX bit 20). */
	movl $0x80000001, %eax
	cpuid
	movl $EFER_LME, %esi
	testl $(1 << 20), %edx
	jz 3f
	orl $EFER_NXE, %esi
3:	movl $MSR_EFER, %ecx
	rdmsr
	orl %esi, %eax
	wrmsr

	movl %cr0, %eax
	orl $(CR0_PE | CR0_PG | CR0_WP), %eax
	movl %eax, %cr0

	lgdt boot_gdt_desc
	ljmp $0x08, $boot_start64

/*
 * No long mode: the line on COM1 (the console every boot protocol here
 * shares; written byte by byte once the transmitter is empty, each wait
 * bounded), then halt for good: nothing else can run.
 */
no_sse2:
	movl $no_sse2_msg, %esi
	jmp 4f
no_long_mode:
	movl $no_long_mode_msg, %esi
4:	movb (%esi), %bl
	testb %bl, %bl
	jz 6f
	movl $100000, %ecx
5:	movw $0x3fd, %dx		/* line status: transmitter holding register empty (bit 5) */
	inb %dx, %al
	testb $0x20, %al
	jnz 7f
	loop 5b
7:	movw $0x3f8, %dx
	movb %bl, %al
	outb %al, %dx
	incl %esi
	jmp 4b
6:	cli
	hlt
	jmp 6b

	.section .boot.data, "aw"
no_long_mode_msg:
	.asciz "\r\nboot: error this CPU has no long mode (CPUID 0x80000001 EDX bit 29): Caprock is a 64-bit kernel; halting\r\n"
no_sse2_msg:
	.asciz "\r\nboot: error this CPU lacks FXSR, SSE or SSE2 (CPUID 1 EDX bits 24-26), which every x86-64 CPU has and the kernel uses; halting\r\n"
	.section .boot.text, "ax"

	.code64
boot_start64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $(boot_stack_top + KERNEL_IMAGE_BASE), %rsp
	xorl %ebp, %ebp
	movl boot_handoff_info, %edi	/* zero-extended: kernel_main(info_phys, magic) */
	movl boot_handoff_magic, %esi
	movabsq $kernel_main, %rax
	call *%rax
4:	cli
	hlt
	jmp 4b

	.section .boot.data, "aw"
	.balign 8
	.globl boot_handoff_info, boot_handoff_magic
boot_handoff_info:	.long 0		/* EBX at entry: PVH start info or Multiboot2 information */
boot_handoff_magic:	.long 0		/* which protocol: HVM start-info magic or EAX = 0x36d76289 */
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4096 * BOOT_MAPPED_GIB
boot_stack:	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
