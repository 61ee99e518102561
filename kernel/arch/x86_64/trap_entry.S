/*
 * kernel/arch/x86_64/trap_entry.S - interrupt, exception and SYSCALL entry.
 *
 * Each of the 256 IDT stubs pushes an error code (0 when the CPU does not)
 * and its vector, then joins trap_common, which saves the general registers
 * into a struct trap_frame (trap.h) and calls trap_dispatch.  SYSCALL builds
 * the same frame by hand, so one return path (iretq) serves everything.
 * GS holds the per-CPU block while in the kernel; swapgs on every crossing.
 */
#include "kernel/arch/x86_64/asm_offsets.h"

	.text

/* Vectors for which the CPU pushes an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

/*
 * On an error-code vector the CPU pushes one only for its own exception: a
 * device's fixed interrupt on the same vector (an MSI aimed at vector 14,
 * say) arrives without one.  Those stubs push the vector and let
 * trap_errcode_check look at the local APIC's ISR bit (set only for an
 * interrupt it delivered; lib/trap_class.h) to know which frame this is.
 */
/*
 * \op $NMI_NEST_SHIFT on this CPU's TSS.IST2, found through SGDT (each CPU
 * has its own GDT with the TSS right after it, gdt.c) because GS may still
 * hold the user's value here.  Every register is left as it was.
 */
.macro NMI_NEST_MOVE op
	pushq %rax
	subq $16, %rsp
	sgdt (%rsp)
	movq 2(%rsp), %rax
	\op $NMI_NEST_SHIFT, SEG_TSS+TSS_IST2(%rax)
	addq $16, %rsp
	popq %rax
.endm

.macro TRAP_STUB v
	.balign 16
trap_stub_\v:
	.if HAS_ERROR(\v)
	pushq $\v
	jmp trap_errcode_check
	.elseif \v == 2
	jmp trap_gate2
	.else
	pushq $0
	pushq $\v
	jmp trap_common
	.endif
	.org trap_stub_\v + 16, 0xcc	/* the IDT expects 16 bytes a stub: longer fails to assemble */
.endm

	.balign 16
	.globl trap_stubs_start
trap_stubs_start:		/* stub for vector v at trap_stubs_start + 16 * v */
	.altmacro
	.set v, 0
	.rept 256
	TRAP_STUB %v
	.set v, v + 1
	.endr

/*
 * Stack: vector, then the CPU's error code or (an external interrupt) its
 * RIP.  Interrupts are off and nothing has been EOI'd: the ISR bit read
 * here is the one lib/trap_class.c and trap_dispatch go by.
 */
trap_errcode_check:
	pushq %rax
	pushq %rcx
	pushq %rdx
	movl lapic_isr0_access(%rip), %eax
	cmpl $LAPIC_ISR0_MMIO, %eax
	je 1f
	cmpl $LAPIC_ISR0_MSR, %eax
	jne 3f			/* no local APIC yet: only the CPU raises these */
	movl $MSR_X2APIC_ISR0, %ecx
	rdmsr
	jmp 2f
1:	movq lapic_isr0_mmio(%rip), %rax
	movl (%rax), %eax
2:	movl 24(%rsp), %ecx	/* the vector, below 32 */
	btl %ecx, %eax
	jnc 3f
	/* Delivered by the APIC: no error code.  Give it one (0) under the vector. */
	popq %rdx
	popq %rcx
	popq %rax
	pushq (%rsp)
	movq $0, 8(%rsp)
	jmp trap_common
3:	popq %rdx
	popq %rcx
	popq %rax
	jmp trap_common

.macro SAVE_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro RESTORE_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

/*
 * Gate 2 takes NMIs and a device's fixed interrupts on vector 2, both on
 * IST2.  An NMI can arrive while the fixed one is being handled and would
 * be written over its frame at the top of IST2; so IST2 moves down while
 * the gate runs (NMI_NEST_MOVE, first thing), and a nested NMI lands
 * below.  Left open: an NMI inside the move itself (its seven instructions
 * find this CPU's TSS through SGDT) or between the move back and the
 * iretq; only interrupt remapping closes them, as it stops the device's
 * vector 2 at the source.
 */
trap_gate2:
	/* First: move this CPU's IST2 down, so an NMI nested in a device's vector 2 lands below us. */
	NMI_NEST_MOVE subq
	pushq $0
	pushq $2
	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	SAVE_REGS
	cld
	movq %rsp, %rdi
	xorl %ebp, %ebp
	call trap_dispatch
	RESTORE_REGS
	testb $3, 24(%rsp)
	jz 2f
	swapgs
2:	addq $16, %rsp
	NMI_NEST_MOVE addq
	iretq

trap_common:
	/* Came from user mode (CS.RPL == 3 in the CPU frame)? Then swap GS. */
	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	SAVE_REGS
	cld
	movq %rsp, %rdi
	xorl %ebp, %ebp		/* end the backtrace chain at the trap */
	call trap_dispatch
	jmp trap_exit

	.globl trap_exit
trap_exit:
	RESTORE_REGS
	testb $3, 24(%rsp)
	jz 2f
	swapgs
2:	addq $16, %rsp		/* vector and error code */
	iretq

/* trap_return_to_user(frame): start or resume a process from a prepared frame. */
	.globl trap_return_to_user
trap_return_to_user:
	movq %rdi, %rsp
	jmp trap_exit

/*
 * SYSCALL: RCX = user RIP, R11 = user RFLAGS, RSP still the user stack,
 * IF cleared by FMASK.  Build an iret frame on the kernel stack.
 */
	.globl syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:CPU_USER_RSP
	movq %gs:CPU_KERNEL_RSP, %rsp
	pushq $USER_DS
	pushq %gs:CPU_USER_RSP
	pushq %r11
	pushq $USER_CS
	pushq %rcx
	pushq $0
	pushq $TRAP_SYSCALL_VECTOR
	SAVE_REGS
	cld
	movq %rsp, %rdi
	xorl %ebp, %ebp
	call syscall_dispatch
	jmp trap_exit

	.section .note.GNU-stack, "", @progbits
