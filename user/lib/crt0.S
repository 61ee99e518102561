/*
 * user/lib/crt0.S - process entry: RDI holds the start-info page (include/abi/start_info.h).
 */
	.text
	.globl _start
_start:
	andq $-16, %rsp		/* SysV: 16-byte aligned before the call */
	xorl %ebp, %ebp
	call user_main_entry	/* (const struct start_info *) */
	movl %eax, %edi
	movl $0, %eax		/* SYS_EXIT */
	syscall
	ud2

	.section .note.GNU-stack, "", @progbits
