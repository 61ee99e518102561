/*
 * kernel/arch/x86_64/kick_halt_until.S - halt until another CPU kicks this one
 * (kick_halt.h).
 *
 * bool kick_halt_until(const uint64_t *kicks, uint64_t seen): halt unless
 * *kicks has moved on from seen; whether it halted.  Called with interrupts off, so only an
 * NMI ends the halt.  A kick bumps *kicks before it sends its NMI; one that
 * lands between the compare and the HLT would be lost, so the NMI path
 * moves a RIP inside [kick_halt_window, kick_halt_insn] past the HLT
 * (kick_halt_nmi).
 */
	.text
	.globl kick_halt_until, kick_halt_window, kick_halt_insn, kick_halt_done
kick_halt_until:
	xorl %eax, %eax
kick_halt_window:
	cmpq %rsi, (%rdi)
	jne kick_halt_done
kick_halt_insn:
	hlt
	movl $1, %eax		/* halted (an NMI in the window returns 0 through kick_halt_done) */
kick_halt_done:
	ret

	.section .note.GNU-stack, "", @progbits
