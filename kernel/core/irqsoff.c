/*
 * kernel/core/irqsoff.c - the interrupts-off tracer (see irqsoff.h).
 *
 * Each transition costs one RDTSC and a few stores; names are formatted
 * only when a stretch beats the longest so far.
 */
#include "kernel/core/irqsoff.h"

#include <stdbool.h>

#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/clock.h"
#include "kernel/core/kspin.h"
#include "kernel/core/log.h"
#include "kernel/core/proc.h"
#include "kernel/core/syscall.h"
#include "lib/fmt.h"
#include "lib/latency_hist.h"
#include "lib/work_budget.h"

static bool armed;			/* interrupts have been on once: stretches are traced */

/* Each CPU's open stretch: written by that CPU only. */
struct stretch {
	bool open;
	uint64_t tsc;
	uint64_t work_tsc;		/* when the BKL was had: the work budget (I7) runs from here */
	enum irqsoff_kind kind;
	uint64_t nr;
	const char *window;		/* IRQSOFF_WINDOW: what the window is in */
	int pid;
};
static struct stretch stretches[CPU_MAX];

/* The longest stretch of any CPU and the counts: under the BKL (closed stretches end under it). */
static uint64_t max_ticks;
static struct irqsoff_stats stats;
static struct latency_hist hist;	/* every closed stretch, in microseconds */

static void name_site(char *buf, size_t size, enum irqsoff_kind kind, uint64_t nr, const char *window)
{
	switch (kind) {
	case IRQSOFF_SYSCALL:
		fmt_snprintf(buf, size, "syscall:%s", syscall_name(nr));
		break;
	case IRQSOFF_TRAP:
		if (nr == VECTOR_TIMER)
			fmt_snprintf(buf, size, "irq:timer");
		else if (nr < 32)
			fmt_snprintf(buf, size, "exception:%lu", nr);
		else
			fmt_snprintf(buf, size, "irq:0x%lx", nr);
		break;
	case IRQSOFF_IDLE:
		fmt_snprintf(buf, size, "idle");
		break;
	case IRQSOFF_USER:
		fmt_snprintf(buf, size, "return-to-user");
		break;
	case IRQSOFF_FIRST_RUN:
		fmt_snprintf(buf, size, "first-run");
		break;
	case IRQSOFF_WINDOW:
		fmt_snprintf(buf, size, "window:%s", window ? window : "?");
		break;
	}
}

static struct stretch *mine(void)
{
	return &stretches[this_cpu()->cpu_index];
}

static void enter(enum irqsoff_kind kind, uint64_t nr, const char *window)
{
	struct stretch *st = mine();

	if (st->open)
		return;
	st->window = window;
	st->open = true;
	st->tsc = st->work_tsc = rdtsc();
	st->kind = kind;
	st->nr = nr;
	struct proc *p = proc_current();
	st->pid = p ? p->p_pid : -1;
}

void irqsoff_enter(enum irqsoff_kind kind, uint64_t nr)
{
	enter(kind, nr, NULL);
}

static void leave(enum irqsoff_kind kind, uint64_t nr, const char *window)
{
	uint64_t now = rdtsc();
	struct stretch *st = mine();

	if (!armed) {
		armed = true;	/* interrupts come on for the first time: the boot is not traced */
		st->open = false;
		return;
	}
	if (!st->open)
		return;
	st->open = false;
	uint64_t ticks = now - st->tsc;
	stats.is_stretches++;
	uint64_t hz = clock_tsc_hz();
	if (hz >= 1000000)
		latency_hist_add(&hist, ticks / (hz / 1000000));
	if (hz && ticks > hz / 1000)
		stats.is_over_1ms++;
	if (ticks <= max_ticks)
		return;
	max_ticks = ticks;
	name_site(stats.is_site, sizeof(stats.is_site), st->kind, st->nr, st->window);
	name_site(stats.is_end, sizeof(stats.is_end), kind, nr, window);
	stats.is_site_pid = st->pid;
}

void irqsoff_lock_taken(uint64_t since_tsc)
{
	struct stretch *st = mine();

	/* Only when this stretch began at or after the entry that waited: an older one's work counts. */
	if (st->open && st->work_tsc <= since_tsc)
		st->work_tsc = rdtsc();
}

bool irqsoff_open(void)
{
	return __atomic_load_n(&mine()->open, __ATOMIC_RELAXED);
}

void irqsoff_leave(enum irqsoff_kind kind, uint64_t nr)
{
	leave(kind, nr, NULL);
}

void irqsoff_window(const char *site)
{
	if (irqsoff_may_take(1, 2))
		return;		/* budget left: no window yet */
	log_buffer_drain();
	leave(IRQSOFF_WINDOW, 0, site);
	cpu_note_irq_open();
	uint32_t held = kspin_ranks_stash();	/* the handlers' own context (kspin.h) */
	uint32_t outer = this_cpu()->cpu_window_ranks;
	this_cpu()->cpu_window_ranks = outer | held;	/* a tick in the window runs no hooks (sched.c) */
	irq_window();
	this_cpu()->cpu_window_ranks = outer;
	kspin_ranks_restore(held);
	enter(IRQSOFF_WINDOW, 0, site);
}

bool irqsoff_may_take_us(uint32_t us, unsigned taken, unsigned limit)
{
	struct work_budget b;

	/* Outside a traced stretch (the boot, bind-time polling) only the count bounds the work. */
	const struct stretch *st = mine();

	work_budget_init(&b, st->work_tsc, st->open && armed ? work_budget_ticks_us(clock_tsc_hz(), us) : 0);
	return work_budget_may_take(&b, rdtsc(), taken, limit);
}

bool irqsoff_may_take(unsigned taken, unsigned limit)
{
	return irqsoff_may_take_us(IRQSOFF_WORK_US, taken, limit);
}

void irqsoff_stats(struct irqsoff_stats *out)
{
	uint64_t hz = clock_tsc_hz();
	uint64_t now = rdtsc();
	const struct stretch *st = mine();

	/* The stretch this report is made in counts too, as far as it has gone (end "open"). */
	if (armed && st->open && now - st->tsc > max_ticks) {
		max_ticks = now - st->tsc;
		name_site(stats.is_site, sizeof(stats.is_site), st->kind, st->nr, st->window);
		fmt_snprintf(stats.is_end, sizeof(stats.is_end), "open");
		stats.is_site_pid = st->pid;
	}
	*out = stats;
	out->is_p99_us = latency_hist_percentile(&hist, 990);
	out->is_p999_us = latency_hist_percentile(&hist, 999);
	/* Per microsecond, not times 1e9: a stretch of seconds must not overflow. */
	out->is_max_us = hz >= 1000000 ? max_ticks / (hz / 1000000) : 0;
	if (!max_ticks) {
		fmt_snprintf(out->is_site, sizeof(out->is_site), "none");
		fmt_snprintf(out->is_end, sizeof(out->is_end), "none");
		out->is_site_pid = -1;
	}
}

void irqsoff_report(const char *scope)
{
	struct irqsoff_stats s;

	irqsoff_stats(&s);
	if (!clock_tsc_hz()) {
		kprintf("sched: irqs_off_max_us=unknown site=%s end=%s scope=%s reason=clock-uncalibrated", s.is_site,
			s.is_end, scope);
		return;
	}
	kprintf("sched: irqs_off_max_us=%lu site=%s end=%s site_pid=%d stretches=%lu over_1ms=%lu p99_us=%lu p999_us=%lu console_full_waits=%lu scope=%s",
		s.is_max_us, s.is_site, s.is_end, s.is_site_pid, s.is_stretches, s.is_over_1ms, s.is_p99_us,
		s.is_p999_us, log_buffer_full_waits(), scope);
}
