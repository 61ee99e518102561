/*
 * kernel/arch/x86_64/percpu.h - the per-CPU block reached through GS.
 *
 * Caprock runs on one CPU; the block still lives behind GS because SYSCALL
 * arrives on the user stack and needs a scratch slot and the kernel stack
 * before any register is free.
 */
#ifndef CAPROCK_ARCH_PERCPU_H
#define CAPROCK_ARCH_PERCPU_H

#include <stdint.h>

struct proc;

struct percpu {
	uint64_t cpu_kernel_rsp;	/* top of the running process's kernel stack */
	uint64_t cpu_user_rsp;		/* scratch: user RSP during SYSCALL entry */
	struct proc *cpu_current;	/* running process, NULL in the scheduler */
	uint32_t cpu_in_irq;		/* inside a device interrupt handler */
};

extern struct percpu percpu;

void gdt_init(void);
/* Stack the CPU switches to on a trap from ring 3 (TSS.RSP0 and SYSCALL). */
void cpu_set_kernel_stack(uint64_t top);
void syscall_init(void);
void fpu_init(void);

#endif
