/*
 * kernel/core/proc.h - user processes.
 *
 * A process is an address space (user half of a page-table root), a
 * capability table, one thread of execution with its own kernel stack, and
 * saved FPU state.  The kernel half of every address space is shared.
 */
#ifndef CAPROCK_CORE_PROC_H
#define CAPROCK_CORE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/kobj.h"
#include "lib/cap_table.h"

#define PROC_MAX	160	/* a provider and a client per controller, 64 controllers, and room */
#define KSTACK_PAGES	4

enum proc_state {
	PROC_FREE,
	PROC_RUNNABLE,
	PROC_BLOCKED,
	PROC_ZOMBIE,	/* exited; resources released by the scheduler */
};

struct proc {
	int p_pid;
	enum proc_state p_state;
	char p_name[16];
	uint64_t p_root;		/* page-table root (physical) */
	uint64_t p_kstack;		/* kernel stack base (physical), KSTACK_PAGES long */
	uint64_t p_kctx_rsp;		/* saved kernel RSP while switched out */
	struct trap_frame *p_tf;	/* user registers, at the top of the kernel stack */
	struct cap_table p_caps;
	uint32_t p_cap_index[CAP_SLOTS];	/* per slot: nth capability of its type */
	const void *p_args;		/* argument block copied into the start page */
	size_t p_args_len;

	/* Blocking: woken by sched_wakeup(p_wait_chan) or the deadline. */
	const void *p_wait_chan;
	uint64_t p_wait_deadline;	/* clock_ns; 0 = none */
	int p_wait_result;		/* 0 woken, CR_ETIMEDOUT */

	/* Scheduling (sched.c, under the BKL). */
	int p_cpu;			/* home CPU (sched_place); -1: wherever it was woken */
	int p_on_cpu;			/* CPU running it now; -1 while switched out */
	int p_last_cpu;			/* CPU that ran it last; -1 before its first run */
	int p_rq_cpu;			/* whose run queue holds it; -1: none */
	struct proc *p_rq_next;
	struct proc *p_wq_next, **p_wq_pprev;	/* its wait-queue bucket while blocked */
	struct proc *p_dl_next;		/* the deadline list while blocked with one */
	bool p_on_dl;

	int p_exit_status;
	bool p_faulted;			/* killed by a CPU exception */
	bool p_expect_fault;		/* a self-test that must fault (not an error) */
	bool p_supervised;		/* restarted when it ends (kernel/nvme/supervise.c): its end is reported there */
	const char *p_kill_reason;	/* set: the kernel ends the process at its next return to user */
	uint64_t p_map_next;		/* next free user address for shared mappings */
	struct proc_outcome *p_outcome;	/* optional: where to report the end */
	uint8_t p_fpu[512] __attribute__((aligned(16)));	/* FXSAVE area */
};

struct user_image;

/* Filled in when a process ends, for whoever started it. */
struct proc_outcome {
	bool po_exited;
	int po_status;		/* exit status, or -1 after a fault */
	bool po_faulted;
	bool po_killed;		/* ended by the kernel (a run deadline, the power button) */
	uint64_t po_fault_vector;
	uint64_t po_fault_cr2;	/* the faulting address of a page fault */
	void (*po_on_exit)(struct proc_outcome *o);	/* optional: told as the process ends */
};

/* Load img into a new process; grant capabilities, then proc_start. NULL on failure. */
struct proc *proc_create(const char *name, const struct user_image *img, const void *args, size_t args_len);
/* Grant a reference to ko in p's table; returns the slot or an error. */
int proc_grant(struct proc *p, struct kobj *ko, uint32_t rights);
/* Write the start page and make p runnable. */
int proc_start(struct proc *p);
/* Undo proc_create for a process that was never started (its capabilities go too). */
void proc_abandon(struct proc *p);

struct proc *proc_current(void);
/* Processes created and not yet ended (the scheduler's "anything left?"). */
unsigned int proc_alive_count(void);
struct proc *proc_table(unsigned int i);

/* End the current process (from a system call or a fault): never returns. */
__attribute__((noreturn)) void proc_exit(int status);
/* A CPU exception in user mode: report, kill, never return. */
__attribute__((noreturn)) void proc_fault(struct trap_frame *tf, const char *name, uint64_t cr2);
/*
 * Have the kernel end p (reason goes in the line): a blocked process is
 * woken, and every process ends at its next return to user mode.
 */
void proc_kill(struct proc *p, const char *reason);
/* The same where stopping is what was asked for (the power button): a line, not an error. */
void proc_stop(struct proc *p, const char *reason);
/* proc_kill every live process. */
void proc_kill_all(const char *reason);
/* At a return to user mode: end the current process if it was killed. */
void proc_check_killed(void);

/* Release the resources of a zombie (called by the scheduler, on its own stack). */
void proc_reap(struct proc *p);

/*
 * Map bytes of physical memory the kernel keeps (pools, regions, rings)
 * into p, writable or not; returns the user address or 0.  The frames stay
 * the object's: unmapping the address space does not free them.
 */
uint64_t proc_map_shared(struct proc *p, uint64_t phys, uint64_t bytes, bool writable);
/* The same for device registers: writable, uncached (the direct lane's doorbell page). */
uint64_t proc_map_device(struct proc *p, uint64_t phys, uint64_t bytes);

/*
 * Remove [va, va+len) from p's address space, with a TLB shootdown
 * (kernel/arch/x86_64/tlb.h) when p may run on another CPU.  0 when no CPU
 * can reach what was mapped any more; CR_ETIMEDOUT when a CPU did not
 * answer (the caller must not reuse what it reached); CR_ENOENT if
 * nothing was mapped there.
 */
int proc_unmap(struct proc *p, uint64_t va, uint64_t len);

/* Copy between user memory of the current process and the kernel (CR_EFAULT if unmapped). */
int copy_from_user(void *dst, uint64_t usrc, size_t n);
int copy_to_user(uint64_t udst, const void *src, size_t n);

#endif
