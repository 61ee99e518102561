/*
 * kernel/core/kworker.c - kernel work on a stack of its own, parked while
 * it waits on a device (kworker.h).
 *
 * A kworker's stack is switched to with the scheduler's own
 * context_switch: the resumer's callee-saved registers and stack pointer
 * are kept in the kworker, and parking (or finishing) switches back to
 * them.  Both sides run under the BKL with interrupts off, so nothing but
 * the stack changes hands.
 */
#include "kernel/core/kworker.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/core/clock.h"
#include "kernel/core/kspin.h"
#include "kernel/core/locking.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/core/sched.h"

static uint64_t switches_now(void)
{
	struct sched_stats s;

	sched_get_stats(&s);
	return s.ss_switches;
}

/* Where a new kworker's first switch "returns" to. */
static __attribute__((noreturn)) void kworker_main(void)
{
	struct kworker *w = this_cpu()->cpu_kworker;

	w->kw_fn(w->kw_arg);
	w->kw_state = KW_IDLE;
	context_switch(&w->kw_rsp, w->kw_resumer_rsp);
	panic("kworker: a finished worker was resumed what=%s", w->kw_what);
}

/* Switch to w until it parks or is done; under the BKL, interrupts off. */
static bool step(struct kworker *w)
{
	struct percpu *c = this_cpu();
	struct kworker *outer = c->cpu_kworker;	/* a kworker may resume another (nested tick) */

	KASSERT(bkl_held() && !irqs_enabled());
	w->kw_state = KW_RUNNING;
	c->cpu_kworker = w;
	context_switch(&w->kw_resumer_rsp, w->kw_rsp);
	this_cpu()->cpu_kworker = outer;
	if (w->kw_state == KW_PARKED)
		return false;
	pmm_free(w->kw_stack, KWORKER_STACK_PAGES);
	w->kw_stack = 0;
	if (w->kw_parks)
		kprintf("kworker: done what=%s parks=%u parked_ms=%lu total_ms=%lu switches_meanwhile=%lu", w->kw_what,
			w->kw_parks, w->kw_parked_ns / NSEC_PER_MSEC, (clock_ns() - w->kw_start_ns) / NSEC_PER_MSEC,
			w->kw_switches_meanwhile);
	return true;
}

bool kworker_run(struct kworker *w, const char *what, void (*fn)(void *), void *arg)
{
	KASSERT(w->kw_state == KW_IDLE);
	*w = (struct kworker){ .kw_what = what, .kw_fn = fn, .kw_arg = arg, .kw_start_ns = clock_ns() };
	w->kw_stack = pmm_alloc(KWORKER_STACK_PAGES, 1, PMM_NO_LIMIT);
	if (!w->kw_stack) {
		kprintf("kworker: no stack what=%s action=wait-in-place", what);
		fn(arg);
		return true;
	}
	/* The first switch pops six callee-saved registers and returns into kworker_main, aligned as after a call. */
	uint64_t *top = (uint64_t *)((uint8_t *)phys_to_virt(w->kw_stack) + KWORKER_STACK_PAGES * PAGE_SIZE);
	*--top = 0;
	*--top = (uint64_t)kworker_main;
	for (int i = 0; i < 6; i++)
		*--top = 0;
	w->kw_rsp = (uint64_t)top;
	return step(w);
}

bool kworker_resume(struct kworker *w)
{
	if (w->kw_state != KW_PARKED || clock_ns() < w->kw_wake_ns)
		return false;		/* idle, running below this (a nested tick), or still pausing */
	return step(w);
}

void kworker_finish(struct kworker *w)
{
	/* Running below this (a nested tick) it could not be finished here: no caller does that. */
	KASSERT(w->kw_state != KW_RUNNING);
	if (w->kw_state == KW_IDLE)
		return;
	w->kw_finishing = true;
	w->kw_wake_ns = 0;
	(void)step(w);
	KASSERT(w->kw_state == KW_IDLE);
}

bool kworker_may_park(uint64_t since_ns, uint32_t may_hold)
{
	const struct percpu *c = this_cpu();
	const struct kworker *w = c->cpu_kworker;

	return w && !w->kw_finishing && (c->cpu_kspin_ranks & ~may_hold) == 0 &&
	       clock_ns() - since_ns >= (uint64_t)KWORKER_SPIN_US * 1000;
}

void kworker_park(uint32_t us)
{
	struct kworker *w = this_cpu()->cpu_kworker;
	uint64_t from = clock_ns(), switches = switches_now();	/* on the kworker's own stack: kept while parked */

	KASSERT(w && w->kw_state == KW_RUNNING && !kspin_any_held());
	w->kw_wake_ns = from + (uint64_t)us * 1000;
	w->kw_state = KW_PARKED;
	w->kw_parks++;
	context_switch(&w->kw_rsp, w->kw_resumer_rsp);
	/* Resumed, by the tick or by kworker_finish, on this CPU or another. */
	w->kw_parked_ns += clock_ns() - from;
	w->kw_switches_meanwhile += switches_now() - switches;
}
