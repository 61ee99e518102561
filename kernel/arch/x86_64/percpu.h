/*
 * kernel/arch/x86_64/percpu.h - the per-CPU block reached through GS, one
 * per processor.
 *
 * SYSCALL arrives on the user stack and needs a scratch slot and the kernel
 * stack before any register is free, so the block lives behind GS: each CPU
 * loads IA32_GS_BASE with its own block (gdt_init_cpu) and trap_entry.S
 * swaps GS on every crossing from and to ring 3.  Block 0 is the boot
 * processor's; smp.c fills the others as it starts each application
 * processor (AP).
 *
 * Each block is written by its own CPU, except where a field says
 * otherwise: the scheduler fields are under the big kernel lock
 * (kernel/core/locking.h), cpu_tlb_gen is the CPU's own answer to a
 * shootdown (kernel/arch/x86_64/tlb.c), read by the requester, cpu_root
 * is read by whoever frees a root (tlb.c), and
 * cpu_kicks is bumped by the CPUs that kick this one (kick_halt.c).
 */
#ifndef CAPROCK_ARCH_PERCPU_H
#define CAPROCK_ARCH_PERCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch/x86_64/asm_offsets.h"

struct kworker;
struct proc;
struct tss;

/* Processors the kernel can run on: the MADT parser keeps as many (ACPI_MAX_CPUS). */
#define CPU_MAX 64

struct percpu {
	uint64_t cpu_kernel_rsp;	/* top of the running process's kernel stack */
	uint64_t cpu_user_rsp;		/* scratch: user RSP during SYSCALL entry */
	struct proc *cpu_current;	/* running process, NULL in the scheduler */
	uint32_t cpu_in_irq;		/* inside a device interrupt handler */
	bool cpu_irq_owns_bkl;		/* and its entry took the BKL itself (not nested in a holder's window) */
	uint32_t cpu_index;		/* 0 = the boot processor; index into percpu_blocks */
	struct percpu *cpu_self;	/* this block's address: this_cpu() reads it through GS */
	struct tss *cpu_tss;		/* this CPU's TSS (RSP0 for traps from ring 3, IST stacks) */
	uint32_t cpu_apic_id;		/* as the CPU itself reads it from its local APIC */

	/* Scheduling (kernel/core/sched.c), under the big kernel lock. */
	uint64_t cpu_sched_rsp;		/* the scheduler loop's saved stack */
	struct proc *cpu_rq_head;	/* runnable, waiting for this CPU, in order */
	struct proc *cpu_rq_tail;
	uint32_t cpu_rq_len;
	uint32_t cpu_slice_ticks;
	bool cpu_need_resched;		/* switch at the next return to user mode */
	bool cpu_idle;			/* in the idle loop: a wakeup for it needs an IPI */
	bool cpu_polling;		/* idle and polling its queue: a wakeup needs no IPI (atomic; sched.c) */
	bool cpu_sched_online;		/* runs the scheduler: processes may be placed here */
	uint32_t cpu_placed;		/* processes placed here (sched_place) */

	/* Times this CPU let interrupts in (return to user, idle): a pending one was taken then. */
	uint64_t cpu_irq_opens;

	/* Shootdowns this CPU has done (tlb.c): written by it, read by the requester. */
	uint64_t cpu_tlb_gen;

	/*
	 * The root in this CPU's CR3 since paging_switch: the running
	 * process's, the kernel's, or while idle the last process's (lazy,
	 * sched.c).  Written by this CPU; read under the BKL by whoever frees
	 * a root (tlb_retire_root).
	 */
	uint64_t cpu_root;
	/* paging_switch's counts: its own, summed by paging_switch_stats (no shared line per switch). */
	uint64_t cpu_cr3_loads, cpu_cr3_kept;

	/* Local APIC timer in TSC-deadline mode: this CPU's next deadline (lapic.c). */
	uint64_t cpu_next_deadline;

	/* Idle accounting (kernel/core/cpu_idle.c): this CPU's own. */
	uint64_t cpu_idle_ticks, cpu_halted_at;
	bool cpu_halted;

	/*
	 * Kicks (kick_halt.c): bumped by another CPU before it sends this one
	 * an NMI to end a kick_halt; the NMI path's own count of those it took.
	 */
	uint64_t cpu_kicks;
	uint64_t cpu_kicks_taken, cpu_kick_nmis_owed;

	/* Ranks of the kspin locks this CPU holds, one bit each (kspin.c: the lock order, L5). */
	uint32_t cpu_kspin_ranks;
	/* The ranks the context an open interrupt window interrupted still holds (irqsoff.c); 0 outside windows. */
	uint32_t cpu_window_ranks;

	/* Gate 2 entries in progress: a second one is an NMI inside a device's fixed vector 2 (idt.c). */
	uint32_t cpu_vec2_depth;

	/* The kernel worker running on this CPU now, NULL when none (kernel/core/kworker.c). */
	struct kworker *cpu_kworker;
} __attribute__((aligned(64)));	/* one cache line each: no false sharing between CPUs */

_Static_assert(offsetof(struct percpu, cpu_kernel_rsp) == CPU_KERNEL_RSP, "percpu layout (trap_entry.S)");
_Static_assert(offsetof(struct percpu, cpu_user_rsp) == CPU_USER_RSP, "percpu layout (trap_entry.S)");

extern struct percpu percpu_blocks[CPU_MAX];

/* This CPU's block: one GS-relative load (valid from gdt_init_cpu on, in kernel mode). */
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__("movq %%gs:%c1, %0" : "=r"(p) : "i"(offsetof(struct percpu, cpu_self)));
	return p;
}

/* This CPU is about to let interrupts in (read by kernel/nvme/irq_watch.c from another CPU). */
static inline void cpu_note_irq_open(void)
{
	struct percpu *c = this_cpu();

	__atomic_store_n(&c->cpu_irq_opens, c->cpu_irq_opens + 1, __ATOMIC_RELAXED);
}

/* The boot processor: segments, TSS and GS for block 0. */
void gdt_init(void);
/*
 * Segments, TSS (IST1 = ist_top) and GS for block cpu on the calling CPU;
 * the boot processor's is gdt_init().
 */
void gdt_init_cpu(unsigned int cpu, uint64_t ist_top);
/* Stack the CPU switches to on a trap from ring 3 (TSS.RSP0 and SYSCALL). */
void cpu_set_kernel_stack(uint64_t top);
void syscall_init(void);
void fpu_init(void);

#endif
