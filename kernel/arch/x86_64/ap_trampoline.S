/*
 * kernel/arch/x86_64/ap_trampoline.S - where an application processor
 * starts (see ap_trampoline.h for the parameter block and smp.c for the
 * sequence that sends it here).
 *
 * Copied to a page P below 1 MiB; the STARTUP IPI starts the processor in
 * real mode at CS:IP = (P >> 4):0, so everything here is addressed relative
 * to the page: through DS = CS in real mode, through EBX = P afterwards.
 * Intel SDM Vol. 3A §9.9.1 (real -> protected) and §9.8.5 (-> IA-32e).
 * Interrupts stay off throughout; nothing here needs a stack until the
 * 64-bit part, which takes the AP's own.
 */
#include "kernel/arch/x86_64/ap_trampoline.h"

#define CR0_PE		(1 << 0)
#define CR0_ET		(1 << 4)
#define CR0_WP		(1 << 16)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define MSR_EFER	0xc0000080

	.section .rodata, "a"
	.balign 16
	.globl ap_trampoline_start, ap_trampoline_end, ap_trampoline_pm, ap_trampoline_lm
	.code16
ap_trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movzwl %ax, %ebx
	shll $4, %ebx			/* EBX = the page's physical address, kept to the end */
	/* CD and NW come set out of INIT: write CR0 whole, caches on (SDM §9.1.1). */
	lgdtl TRAMP_PARAMS + TRAMP_GDT_DESC
	movl $(CR0_PE | CR0_ET), %eax
	movl %eax, %cr0
	ljmpl *(TRAMP_PARAMS + TRAMP_PM_JUMP)

	.code32
ap_trampoline_pm:
	movw $TRAMP_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl (TRAMP_PARAMS + TRAMP_CR3)(%ebx), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl (TRAMP_PARAMS + TRAMP_EFER)(%ebx), %eax	/* LME, and NXE: the kernel's tables use NX */
	wrmsr
	movl $(CR0_PE | CR0_ET | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0
	ljmpl *(TRAMP_PARAMS + TRAMP_LM_JUMP)(%ebx)

	.code64
ap_trampoline_lm:
	movl %ebx, %ebx			/* upper halves are undefined after the switch */
	movq (TRAMP_PARAMS + TRAMP_STACK)(%rbx), %rsp
	movl (TRAMP_PARAMS + TRAMP_CPU)(%rbx), %edi
	movq (TRAMP_PARAMS + TRAMP_ENTRY)(%rbx), %rax
	xorl %ebp, %ebp			/* end the backtrace chain here */
	call *%rax			/* smp_ap_entry(cpu): never returns */
1:	cli
	hlt
	jmp 1b

	.org ap_trampoline_start + TRAMP_PARAMS
	.skip TRAMP_PARAMS_END		/* filled by smp.c in the copy */
ap_trampoline_end:

	.section .note.GNU-stack, "", @progbits
