/*
 * user/lib/syscall.S - the SYSCALL instruction, in one place for user programs.
 *
 * long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
 * maps the SysV C arguments onto the kernel ABI (include/abi/syscall.h):
 * number in RAX, arguments in RDI RSI RDX R10 R8 R9.
 */
	.text
	.globl syscall6
syscall6:
	movq %rdi, %rax
	movq %rsi, %rdi
	movq %rdx, %rsi
	movq %rcx, %rdx
	movq %r8, %r10
	movq %r9, %r8
	movq 8(%rsp), %r9
	syscall
	ret

/* The privilege level the code runs at: CS.RPL. */
	.globl user_read_cpl
user_read_cpl:
	movw %cs, %ax
	andl $3, %eax
	ret

/* Execute HLT: in ring 3 this must raise #GP. */
	.globl user_try_hlt
user_try_hlt:
	hlt
	ret

	.section .note.GNU-stack, "", @progbits
