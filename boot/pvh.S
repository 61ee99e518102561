/*
 * boot/pvh.S - PVH entry: from 32-bit protected mode to the 64-bit kernel.
 *
 * QEMU's -kernel loader (and Xen, Firecracker, cloud-hypervisor) enters an
 * ELF kernel that carries a XEN_ELFNOTE_PHYS32_ENTRY note in 32-bit flat
 * protected mode with paging off and %ebx holding the physical address of
 * struct hvm_start_info (Xen's "x86/HVM direct boot ABI", docs/misc/pvh.pandoc).
 *
 * This file builds just enough paging to reach long mode:
 *   - identity map of 0..1 GiB (the boot code and start info live there),
 *   - the same 1 GiB at the direct-map base (0xffff800000000000),
 *   - the same 1 GiB at the kernel image base (0xffffffff80000000),
 * then jumps to kernel_main(start_info_phys) in the higher half.  The C code
 * replaces these tables with the real kernel page tables (kernel/arch/x86_64/paging.c).
 */
#include "kernel/core/memlayout.h"

#define PVH_NOTE_PHYS32_ENTRY 18
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

	.section .note.pvh, "a", @note
	.balign 4
	.long 4				/* namesz: "Xen\0" */
	.long 8				/* descsz: QEMU reads a 64-bit entry */
	.long PVH_NOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad pvh_start32

	.section .boot.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	movl %ebx, %edi			/* start info; survives to kernel_main */
	movl $boot_stack_top, %esp

	/* 2 MiB pages covering the first GiB. */
	movl $boot_pd, %eax
	xorl %ecx, %ecx
1:	movl %ecx, %edx
	shll $21, %edx
	orl $(PTE_P | PTE_W | PTE_PS), %edx
	movl %edx, (%eax, %ecx, 8)
	movl $0, 4(%eax, %ecx, 8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	movl $(boot_pd + PTE_P + PTE_W), boot_pdpt_low
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
	jz 2f
	orl $EFER_NXE, %esi
2:	movl $MSR_EFER, %ecx
	rdmsr
	orl %esi, %eax
	wrmsr

	movl %cr0, %eax
	orl $(CR0_PE | CR0_PG | CR0_WP), %eax
	movl %eax, %cr0

	lgdt boot_gdt_desc
	ljmp $0x08, $pvh_start64

	.code64
pvh_start64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $(boot_stack_top + KERNEL_IMAGE_BASE), %rsp
	xorl %ebp, %ebp
	/* %edi = start info physical address, zero-extended. */
	movabsq $kernel_main, %rax
	call *%rax
3:	cli
	hlt
	jmp 3b

	.section .boot.data, "aw"
	.balign 8
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
boot_pd:	.skip 4096
boot_stack:	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
