/*
 * kernel/core/sched.h - one CPU, round-robin, run to block or preemption.
 *
 * The scheduler loop runs on the boot stack.  A process enters it by
 * sched_yield (preempted, or blocking in a system call) and leaves it when
 * chosen again.  With nothing runnable the CPU halts with interrupts on;
 * that idle halt and the interrupt windows of long kernel work
 * (kernel/core/irqsoff.h) are the only places the kernel is interruptible,
 * and an interrupt there never switches processes.
 */
#ifndef CAPROCK_CORE_SCHED_H
#define CAPROCK_CORE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define SCHED_HZ 250
#define SCHED_SLICE_TICKS 5

/* Run processes until none is left alive. */
void sched_run(void);

/* Give up the CPU; the caller stays runnable. */
void sched_yield(void);
/*
 * Block the current process on chan until sched_wakeup(chan) or deadline
 * (clock_ns, 0 = none).  Returns 0 when woken, CR_ETIMEDOUT at the deadline.
 */
int sched_block(const void *chan, uint64_t deadline);
void sched_wakeup(const void *chan);

/*
 * Is another process waiting to run on this CPU?  Bounded spinning (polling
 * a device or a ring) gives up when it is: polling never starves work.
 */
bool sched_others_runnable(void);

/* From the timer interrupt. */
void sched_timer_tick(void);
/* Processes still alive at deadline_ns (clock_ns; 0: none) are ended: a run cannot hang. */
void sched_set_deadline(uint64_t deadline_ns);
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
