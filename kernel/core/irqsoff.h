/*
 * kernel/core/irqsoff.h - the interrupts-off tracer (like Linux's irqsoff).
 *
 * The kernel runs with interrupts off everywhere except user mode, the
 * idle halt and the windows below, so a stretch opens at every kernel
 * entry that finds none open (a system call, an interrupt or exception
 * from user mode, an interrupt waking the idle halt) and closes where
 * interrupts come back on: the return to user mode, the idle halt, a
 * window.  The longest stretch is kept with the entry that opened it
 * (site) and the exit that closed it (end).  The boot, before interrupts
 * are first enabled, is not traced.
 *
 * The open stretch is also the budget of kernel work (I7 in
 * kernel/nvme/broker.h): loops over what a process or a device queued
 * take a next entry only while the stretch is younger than
 * IRQSOFF_WORK_US (a call's first entry goes anyway unless other work of
 * the stretch came first), and leave the rest for the next call, the idle
 * loop or the tick.
 *
 * Each CPU has its own open stretch; the longest and the counts are
 * kept under the big kernel lock (locking.h).  A stretch includes the
 * wait for that lock: interrupts are off while a CPU spins for it.
 */
#ifndef CAPROCK_CORE_IRQSOFF_H
#define CAPROCK_CORE_IRQSOFF_H

#include <stdint.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/core/cpu_idle.h"
#include "kernel/core/locking.h"
#include "kernel/core/log_buffer.h"

#define IRQSOFF_WORK_US		250	/* kernel work per stretch; the console gets up to LOG_DRAIN_US */

enum irqsoff_kind {
	IRQSOFF_SYSCALL,	/* nr: the system call number */
	IRQSOFF_TRAP,		/* nr: the vector */
	IRQSOFF_IDLE,		/* the idle halt returned */
	IRQSOFF_USER,		/* the return to user mode */
	IRQSOFF_FIRST_RUN,	/* a new process's first entry to user mode */
	IRQSOFF_WINDOW,		/* an interrupt window in long kernel work (irqsoff_window) */
};

/* Open a stretch unless one is open; the site names what opened it. */
void irqsoff_enter(enum irqsoff_kind kind, uint64_t nr);
/*
 * The BKL was had after a wait that began at since_tsc: the stretch's
 * work budget starts now (waiting is interrupts-off time, not work).
 */
void irqsoff_lock_taken(uint64_t since_tsc);
/* Close the open stretch (interrupts are about to come on) and keep it if it is the longest. */
void irqsoff_leave(enum irqsoff_kind kind, uint64_t nr);

/*
 * Long kernel work that cannot be left for later (the release audit) opens
 * an interrupt window here once the work budget is spent.  Only where no
 * state an interrupt handler touches is half-updated: handlers run, the
 * scheduler does not (an interrupt from kernel mode never switches).
 * `site` (a static string) names the stretches that follow.
 */
void irqsoff_window(const char *site);

/* Whether this CPU has a stretch open (with interrupts on, only a handler opens one). */
bool irqsoff_open(void);

/* May entry `taken` of at most `limit` start, with the open stretch younger than us? */
bool irqsoff_may_take_us(uint32_t us, unsigned taken, unsigned limit);
/* The same with the kernel work budget, IRQSOFF_WORK_US. */
bool irqsoff_may_take(unsigned taken, unsigned limit);

/*
 * The idle halt: the BKL given up (other CPUs' kernel entries go on,
 * locking.h L1) and interrupts on until one arrives, with the stretch
 * closed around it.  While work is left (work_left, or console output) only
 * a window instead of the halt, so that the idle loop goes on with it.
 * With `wake` (an unlocked hint: an AP's "is there work for me"), the CPU
 * halts again after each interrupt until it says yes.
 */
static inline void irqsoff_idle(bool work_left, bool (*wake)(void))
{
	log_buffer_drain();
	irqsoff_leave(IRQSOFF_IDLE, 0);
	bool window = work_left || log_buffer_pending();
	bkl_release();
	do {
		cpu_note_irq_open();
		if (window) {
			irq_window();
			break;
		}
		cpu_idle_begin();
		irq_enable_and_halt();
		cpu_idle_end();		/* the waking handler ended it already; this covers a spurious wake */
	} while (wake && !wake());
	irqsoff_enter(IRQSOFF_IDLE, 0);	/* no-op when an interrupt handler opened it */
	bkl_acquire();
}

struct irqsoff_stats {
	uint64_t is_max_us;		/* the longest stretch */
	char is_site[40];		/* what opened it, e.g. "syscall:nvme_ring_wait" */
	char is_end[40];		/* what closed it */
	int is_site_pid;		/* the process that entered, or -1 */
	uint64_t is_stretches;		/* stretches closed */
	uint64_t is_over_1ms;		/* of them, longer than 1 ms */
	uint64_t is_p99_us, is_p999_us;	/* percentiles over them: less sensitive to a host's scheduling than the max */
};

void irqsoff_stats(struct irqsoff_stats *out);
/* Print "sched: irqs_off_max_us=… site=… end=… …" with where the report is made (scope). */
void irqsoff_report(const char *scope);

#endif
