/*
 * kernel/arch/x86_64/context_switch.S - switch kernel stacks.
 *
 * context_switch(uint64_t *save_rsp, uint64_t new_rsp): save the callee-
 * saved registers on the current stack, store RSP in *save_rsp, load
 * new_rsp, restore its callee-saved registers, and return on that stack.
 * A new process's stack is prepared so this "returns" into proc_first_run,
 * which leaves through trap_exit.
 */
	.text
	.globl context_switch
context_switch:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

	.section .note.GNU-stack, "", @progbits
