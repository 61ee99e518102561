/*
 * kernel/core/sched.c - the scheduler loop (see sched.h).
 */
#include "kernel/core/sched.h"

#include <stdbool.h>

#include "include/abi/errors.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/core/clock.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/core/proc.h"

static uint64_t sched_rsp;		/* the scheduler loop's saved stack */
static unsigned int slice_ticks;
static bool need_resched;
static bool (*idle_hooks[4])(void);	/* sched_on_idle */

static void wake_expired(void)
{
	uint64_t now = clock_ns();

	for (unsigned i = 0; i < PROC_MAX; i++) {
		struct proc *p = proc_table(i);
		if (p->p_state == PROC_BLOCKED && p->p_wait_deadline && now >= p->p_wait_deadline) {
			p->p_state = PROC_RUNNABLE;
			p->p_wait_result = CR_ETIMEDOUT;
			p->p_wait_deadline = 0;
		}
	}
}

static struct proc *pick(unsigned int *cursor)
{
	for (unsigned n = 0; n < PROC_MAX; n++) {
		unsigned i = (*cursor + 1 + n) % PROC_MAX;
		struct proc *p = proc_table(i);
		if (p->p_state == PROC_RUNNABLE) {
			*cursor = i;
			return p;
		}
	}
	return NULL;
}

bool sched_others_runnable(void)
{
	for (unsigned i = 0; i < PROC_MAX; i++) {
		const struct proc *p = proc_table(i);
		if (p->p_state == PROC_RUNNABLE && p != proc_current())
			return true;
	}
	return false;
}

static bool any_alive(void)
{
	for (unsigned i = 0; i < PROC_MAX; i++) {
		enum proc_state s = proc_table(i)->p_state;
		if (s == PROC_RUNNABLE || s == PROC_BLOCKED)
			return true;
	}
	return false;
}

static void run(struct proc *p)
{
	this_cpu()->cpu_current = p;
	cpu_set_kernel_stack((uint64_t)p->p_tf + sizeof(struct trap_frame));
	paging_switch(p->p_root);
	fxrstor(p->p_fpu);
	slice_ticks = 0;
	need_resched = false;
	context_switch(&sched_rsp, p->p_kctx_rsp);
	fxsave(p->p_fpu);
	this_cpu()->cpu_current = NULL;
	if (p->p_state == PROC_ZOMBIE)
		proc_reap(p);
}

static bool run_idle_hooks(void)
{
	bool left = false;

	for (unsigned i = 0; i < sizeof(idle_hooks) / sizeof(idle_hooks[0]) && idle_hooks[i]; i++)
		left |= idle_hooks[i]();
	return left;
}

void sched_run(void)
{
	unsigned int cursor = PROC_MAX - 1;

	log_buffer_defer();	/* from here the console is written where stretches end */
	for (;;) {
		struct proc *p = pick(&cursor);
		if (p) {
			run(p);
			continue;
		}
		if (!any_alive())
			return;
		irqsoff_idle(run_idle_hooks());
		wake_expired();
	}
}

void sched_yield(void)
{
	struct proc *p = proc_current();

	KASSERT(p);
	context_switch(&p->p_kctx_rsp, sched_rsp);
}

int sched_block(const void *chan, uint64_t deadline)
{
	struct proc *p = proc_current();

	KASSERT(p);
	p->p_state = PROC_BLOCKED;
	p->p_wait_chan = chan;
	p->p_wait_deadline = deadline;
	p->p_wait_result = 0;
	sched_yield();
	p->p_wait_chan = NULL;
	return p->p_wait_result;
}

void sched_wakeup(const void *chan)
{
	for (unsigned i = 0; i < PROC_MAX; i++) {
		struct proc *p = proc_table(i);
		if (p->p_state == PROC_BLOCKED && p->p_wait_chan == chan) {
			p->p_state = PROC_RUNNABLE;
			p->p_wait_result = 0;
			p->p_wait_deadline = 0;
			/*
			 * A device event runs its waiter now (completion latency); a process
			 * waking another (a session ack, a request) keeps the CPU until it
			 * blocks, so it finishes its batch first: one switch per batch, not
			 * per notification.
			 */
			if (proc_current() && this_cpu()->cpu_in_irq)
				need_resched = true;
		}
	}
}

static uint64_t run_deadline_ns;
static void (*tick_hooks[4])(void);

int sched_on_idle(bool (*fn)(void))
{
	for (unsigned i = 0; i < sizeof(idle_hooks) / sizeof(idle_hooks[0]); i++) {
		if (idle_hooks[i] == fn)
			return 0;
		if (!idle_hooks[i]) {
			idle_hooks[i] = fn;
			return 0;
		}
	}
	return CR_ENOMEM;
}

int sched_on_tick(void (*fn)(void))
{
	for (unsigned i = 0; i < sizeof(tick_hooks) / sizeof(tick_hooks[0]); i++) {
		if (tick_hooks[i] == fn)
			return 0;
		if (!tick_hooks[i]) {
			tick_hooks[i] = fn;
			return 0;
		}
	}
	return CR_ENOMEM;
}

void sched_set_deadline(uint64_t deadline_ns)
{
	run_deadline_ns = deadline_ns;
}

void sched_timer_tick(void)
{
	if (proc_current() && ++slice_ticks >= SCHED_SLICE_TICKS)
		need_resched = true;
	if (run_deadline_ns && clock_ns() >= run_deadline_ns) {
		run_deadline_ns = 0;
		proc_kill_all("run-deadline");
		need_resched = true;
	}
	wake_expired();
	for (unsigned i = 0; i < sizeof(tick_hooks) / sizeof(tick_hooks[0]) && tick_hooks[i]; i++)
		tick_hooks[i]();
}

void sched_return_to_user(void)
{
	if (need_resched)
		sched_yield();
	proc_check_killed();
	log_buffer_drain();
	irqsoff_leave(IRQSOFF_USER, 0);	/* trap_exit's iretq turns interrupts on */
}
