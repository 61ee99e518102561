/*
 * kernel/core/sched.h - every CPU, a run queue each, round-robin, run to
 * block or preemption.
 *
 * Each CPU's scheduler loop runs on its own stack (the boot stack, an AP's
 * start stack).  A process enters it by sched_yield (preempted, or
 * blocking in a system call) and leaves it when chosen again, on whichever
 * CPU chooses it: its home (sched_place) when that CPU is free, another
 * that would idle otherwise.  With nothing runnable a CPU halts with
 * interrupts on; that idle halt and the interrupt windows of long kernel
 * work (kernel/core/irqsoff.h) are the only places the kernel is
 * interruptible, and an interrupt there never switches processes.  All of
 * it runs under the big kernel lock (kernel/core/locking.h).
 */
#ifndef CAPROCK_CORE_SCHED_H
#define CAPROCK_CORE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define SCHED_HZ 250
#define SCHED_SLICE_TICKS 5

struct proc;

/* Run processes until none is left alive (the boot CPU; the APs keep their loops). */
/* smp.idle_poll_us=: how long an idle CPU polls its run queue before it halts (0: never). */
void sched_set_idle_poll_us(uint32_t us);
void sched_run(void);
/* An AP's scheduler loop, from smp_ap_entry once it is online: never returns. */
void sched_ap_main(void);

/* Give up the CPU; the caller stays runnable. */
void sched_yield(void);
/*
 * Block the current process on chan until sched_wakeup(chan) or deadline
 * (clock_ns, 0 = none).  Returns 0 when woken, CR_ETIMEDOUT at the deadline.
 */
int sched_block(const void *chan, uint64_t deadline);
void sched_wakeup(const void *chan);
/* Wake p if it is blocked, with result as sched_block's return. */
void sched_wake_proc(struct proc *p, int result);
/* Make a new process runnable (proc_start). */
void sched_start(struct proc *p);
/* p runs on another CPU: make that CPU enter the kernel (a kill, a shootdown's victim). */
void sched_kick_running(struct proc *p);

enum sched_role { SCHED_ROLE_PROVIDER, SCHED_ROLE_CLIENT };
/*
 * Give p a home CPU by policy: providers round-robin over the CPUs, a
 * client on the least loaded CPU that is not `avoid` (its provider's; -1:
 * none) where there is another.  Prints "sched: place ...".  Returns it.
 */
unsigned int sched_place(struct proc *p, enum sched_role role, int avoid);
/* The same on a given CPU (a restarted provider goes where its predecessor ran). */
void sched_place_on(struct proc *p, unsigned int cpu, enum sched_role role);
/* p ends: its home no longer counts it. */
void sched_unplace(struct proc *p);

struct sched_stats {
	uint64_t ss_switches;	/* processes switched to */
	uint64_t ss_ipis;	/* reschedule IPIs sent */
	uint64_t ss_steals;	/* processes an idle CPU took from another's queue */
	uint64_t ss_migrations;	/* a process ran on another CPU than last time */
	uint64_t ss_ipis_saved;	/* wakeups of a polling idle CPU: no IPI needed */
	uint64_t ss_idle_polls, ss_idle_poll_hits;	/* idle polls, and those that found work before halting */
	uint64_t ss_idle_poll_irqs;			/* idle polls an interrupt ended (they run with interrupts on) */
};
void sched_get_stats(struct sched_stats *out);
/* At the end of a run with more than one CPU: "sched: cpus=N switches=... bkl_contended=... ...". */
void sched_report(void);

/*
 * Is another process waiting to run on this CPU?  Bounded spinning (polling
 * a device or a ring) gives up when it is: polling never starves work.
 */
bool sched_others_runnable(void);

/* From the timer interrupt (the boot CPU, under the BKL): slice, deadlines, the run's hooks. */
void sched_timer_tick(void);
/* Only this CPU's slice (an AP's tick, without the BKL). */
void sched_timer_tick_local(void);
/* Should this CPU switch at its next return to user mode (a slice over, a kick, a kill)? */
bool sched_switch_wanted(void);
/* Processes still alive at deadline_ns (clock_ns; 0: none) are ended: a run cannot hang. */
void sched_set_deadline(uint64_t deadline_ns);
/*
 * sched_run returns when no process is alive, unless fn (NULL: none)
 * says the run goes on without one (mode=serve until its end: every volume
 * may be detached and new ones attached).  Asked on the boot CPU when idle.
 */
void sched_set_keep_running(bool (*fn)(void));
/* Run fn on every timer tick (interrupt context): work that bounded calls left over. */
int sched_on_tick(void (*fn)(void));
/*
 * Run fn in the idle loop before the CPU halts; while it returns true (work
 * left), the loop opens an interrupt window and calls it again instead of
 * halting.  Each call runs in its own interrupts-off stretch.
 */
int sched_on_idle(bool (*fn)(void));
/* On the way back to user mode after an interrupt: preempt if the slice is over. */
void sched_return_to_user(void);

void context_switch(uint64_t *save_rsp, uint64_t new_rsp);

#endif
