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

.macro TRAP_STUB v
	.balign 16
trap_stub_\v:
	.if !HAS_ERROR(\v)
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
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
