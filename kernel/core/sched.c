/*
 * kernel/core/sched.c - per-CPU run queues, wait queues and placement (see sched.h).
 *
 * Everything here runs under the big kernel lock (kernel/core/locking.h).
 * Each CPU runs its scheduler loop on its own stack (the boot stack, or
 * the AP's) and takes processes from its own run queue first; a CPU with
 * nothing queued takes the first waiting process of the busiest other
 * queue (balancing).  A blocked process sits in one wait-queue bucket
 * (hashed by channel) and, with a deadline, in the deadline list: a wakeup
 * walks one bucket and a tick looks at the list's head, never at every
 * process slot.  Queueing work for another CPU that is idle, or that must
 * preempt (a device event), sends it VECTOR_IPI_RESCHED at once.
 */
#include "kernel/core/sched.h"

#include <stdbool.h>

#include "include/abi/errors.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/kick_halt.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/clock.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/locking.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/core/proc.h"
#include "lib/cmdline.h"

#define WAIT_BUCKETS 64

static bool (*idle_hooks[4])(void);	/* sched_on_idle */
static struct proc *wait_buckets[WAIT_BUCKETS];
static struct proc *deadlines;		/* blocked with a deadline, soonest first */
static unsigned int place_cursor;	/* sched_place's round-robin */
static struct sched_stats stats;

/* ---------------------------------------------------------------- wait queues */

static unsigned bucket_of(const void *chan)
{
	uint64_t x = (uint64_t)(uintptr_t)chan;

	x ^= x >> 29;
	x *= 0x9e3779b97f4a7c15ull;
	return (unsigned)(x >> 58) % WAIT_BUCKETS;
}

static void wait_insert(struct proc *p)
{
	struct proc **head = &wait_buckets[bucket_of(p->p_wait_chan)];

	p->p_wq_next = *head;
	p->p_wq_pprev = head;
	if (*head)
		(*head)->p_wq_pprev = &p->p_wq_next;
	*head = p;
}

static void wait_remove(struct proc *p)
{
	if (!p->p_wq_pprev)
		return;
	*p->p_wq_pprev = p->p_wq_next;
	if (p->p_wq_next)
		p->p_wq_next->p_wq_pprev = p->p_wq_pprev;
	p->p_wq_next = NULL;
	p->p_wq_pprev = NULL;
}

static void deadline_insert(struct proc *p)
{
	struct proc **at = &deadlines;

	while (*at && (*at)->p_wait_deadline <= p->p_wait_deadline)
		at = &(*at)->p_dl_next;
	p->p_dl_next = *at;
	*at = p;
	p->p_on_dl = true;
}

static void deadline_remove(struct proc *p)
{
	if (!p->p_on_dl)
		return;
	for (struct proc **at = &deadlines; *at; at = &(*at)->p_dl_next) {
		if (*at == p) {
			*at = p->p_dl_next;
			break;
		}
	}
	p->p_dl_next = NULL;
	p->p_on_dl = false;
}

/* ---------------------------------------------------------------- run queues */

static bool cpu_usable(unsigned int cpu)
{
	return cpu < CPU_MAX && percpu_blocks[cpu].cpu_sched_online && smp_cpu_running(cpu);
}

static bool cpu_busy(const struct percpu *c)
{
	return c->cpu_current || c->cpu_rq_head;
}

/* Tell cpu about new work: an IPI if it is idle, or if it must preempt what it runs. */
static void kick(unsigned int cpu, bool preempt)
{
	struct percpu *c = &percpu_blocks[cpu];

	if (cpu == this_cpu()->cpu_index) {
		if (preempt && c->cpu_current)
			c->cpu_need_resched = true;
		return;
	}
	if (preempt && c->cpu_current)
		c->cpu_need_resched = true;
	/* Dekker with idle_poll: the queue was stored; a CPU still polling sees it, one that stopped gets the IPI. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (c->cpu_idle && !preempt && __atomic_load_n(&c->cpu_polling, __ATOMIC_RELAXED)) {
		stats.ss_ipis_saved++;
		return;
	}
	if (c->cpu_idle || preempt) {
		stats.ss_ipis++;
		(void)smp_send_ipi(cpu, VECTOR_IPI_RESCHED);
	}
}

static void enqueue(struct proc *p, bool preempt)
{
	unsigned int self = this_cpu()->cpu_index;
	unsigned int cpu = p->p_cpu >= 0 && cpu_usable((unsigned)p->p_cpu) ? (unsigned)p->p_cpu : self;
	struct percpu *c = &percpu_blocks[cpu];

	p->p_rq_next = NULL;
	if (c->cpu_rq_tail)
		c->cpu_rq_tail->p_rq_next = p;
	else
		c->cpu_rq_head = p;
	c->cpu_rq_tail = p;
	c->cpu_rq_len++;
	p->p_rq_cpu = (int)cpu;
	kick(cpu, preempt);
	if (!c->cpu_idle && cpu_busy(c) && c->cpu_rq_len > (c->cpu_current ? 0u : 1u)) {
		/* Its home is busy: an idle CPU takes it instead (balancing). */
		for (unsigned i = 0; i < smp_cpu_slots(); i++) {
			if (i != cpu && cpu_usable(i) && percpu_blocks[i].cpu_idle && !cpu_busy(&percpu_blocks[i])) {
				kick(i, false);
				break;
			}
		}
	}
}

static struct proc *dequeue(struct percpu *c)
{
	struct proc *p = c->cpu_rq_head;

	if (!p)
		return NULL;
	c->cpu_rq_head = p->p_rq_next;
	if (!c->cpu_rq_head)
		c->cpu_rq_tail = NULL;
	c->cpu_rq_len--;
	p->p_rq_next = NULL;
	p->p_rq_cpu = -1;
	return p;
}

/*
 * Could pick() give this CPU something?  Its own queue, or another whose
 * CPU is busy (the balancing rule).  Read without the BKL as a hint: pick()
 * decides under it.
 */
static bool stealable(const struct percpu *c)
{
	return __atomic_load_n(&c->cpu_rq_head, __ATOMIC_RELAXED) &&
	       (__atomic_load_n(&c->cpu_current, __ATOMIC_RELAXED) || !c->cpu_sched_online);
}

/*
 * Balancing: take the first waiting process of the busiest queue whose CPU
 * is running something else.  A queue whose CPU is idle is left alone: that
 * CPU was kicked and takes its own work (locality: its provider's
 * interrupts go there), and an idle boot CPU, waking first, would
 * otherwise take every client from its own CPU.
 */
static struct proc *pick(void)
{
	struct percpu *self = this_cpu();
	struct proc *p = dequeue(self);

	if (p)
		return p;
	struct percpu *busiest = NULL;
	for (unsigned i = 0; i < smp_cpu_slots(); i++) {
		struct percpu *c = &percpu_blocks[i];
		if (c != self && stealable(c) && (!busiest || c->cpu_rq_len > busiest->cpu_rq_len))
			busiest = c;
	}
	if (!busiest)
		return NULL;
	stats.ss_steals++;
	return dequeue(busiest);
}

/* ---------------------------------------------------------------- the loop */

static void run(struct proc *p)
{
	struct percpu *c = this_cpu();

	c->cpu_current = p;
	p->p_on_cpu = (int)c->cpu_index;
	if (p->p_last_cpu != (int)c->cpu_index && p->p_last_cpu >= 0)
		stats.ss_migrations++;
	p->p_last_cpu = (int)c->cpu_index;
	cpu_set_kernel_stack((uint64_t)p->p_tf + sizeof(struct trap_frame));
	paging_switch(p->p_root);
	fxrstor(p->p_fpu);
	c->cpu_slice_ticks = 0;
	c->cpu_need_resched = false;
	stats.ss_switches++;
	context_switch(&c->cpu_sched_rsp, p->p_kctx_rsp);
	/* Back on this CPU's scheduler stack: the process left this CPU. */
	fxsave(p->p_fpu);
	c->cpu_current = NULL;
	p->p_on_cpu = -1;
	if (p->p_state == PROC_ZOMBIE)
		proc_reap(p);
	else if (p->p_state == PROC_RUNNABLE)
		enqueue(p, false);	/* preempted or yielded: back at the end of its queue */
}

static bool run_idle_hooks(void)
{
	bool left = false;

	for (unsigned i = 0; i < sizeof(idle_hooks) / sizeof(idle_hooks[0]) && idle_hooks[i]; i++)
		left |= idle_hooks[i]();
	return left;
}

static bool work_visible(void)
{
	const struct percpu *self = this_cpu();

	if (__atomic_load_n(&self->cpu_rq_head, __ATOMIC_RELAXED))
		return true;
	for (unsigned i = 0; i < smp_cpu_slots(); i++) {
		if (&percpu_blocks[i] != self && stealable(&percpu_blocks[i]))
			return true;
	}
	return false;
}

/*
 * Before halting, an idle CPU watches the run queues for a short while
 * (smp.idle_poll_us=), without the BKL and with cpu_polling set, so that
 * work queued for it meanwhile needs no IPI and no wake from a halt: each
 * costs a hypervisor exit and a host thread wake-up in a guest (Linux's
 * cpuidle-haltpoll does the same for the same reason).  Interrupts are on
 * meanwhile, as in the halt: a completion for a provider of this CPU is
 * taken when it comes, not when the poll gives up, and ends the poll (its
 * handler opened a stretch, irqsoff.h); the poll is no interrupts-off
 * time.  True when work showed up or an interrupt came (go round again).
 */
static uint32_t idle_poll_us = CMDLINE_IDLE_POLL_US_DEFAULT;

void sched_set_idle_poll_us(uint32_t us)
{
	idle_poll_us = us;
}

static bool idle_poll(void)
{
	struct percpu *c = this_cpu();
	uint64_t hz = clock_tsc_hz();
	bool found = false;

	if (smp_cpus_online() < 2 || !hz || !idle_poll_us)
		return false;
	uint64_t until = rdtsc() + hz / 1000000u * idle_poll_us;
	log_buffer_drain();	/* console lines go out where stretches end (irqsoff.h) */
	irqsoff_leave(IRQSOFF_IDLE, 0);
	__atomic_store_n(&c->cpu_polling, true, __ATOMIC_SEQ_CST);
	bkl_release();
	cpu_note_irq_open();
	irq_enable();
	while (!(found = work_visible()) && rdtsc() < until && !irqsoff_open())
		cpu_relax();
	irq_disable();
	bool interrupted = irqsoff_open();
	__atomic_store_n(&c->cpu_polling, false, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	found = found || work_visible();	/* queued as polling ended: the kicker may have skipped the IPI */
	irqsoff_enter(IRQSOFF_IDLE, 0);		/* no-op when an interrupt's handler opened it */
	bkl_acquire();
	stats.ss_idle_polls++;
	stats.ss_idle_poll_hits += found;
	stats.ss_idle_poll_irqs += interrupted;
	return found || interrupted;
}

static void idle_once(void)
{
	struct percpu *c = this_cpu();
	bool left = c->cpu_index == 0 && run_idle_hooks();

	/*
	 * The root of the process that ran last stays loaded (L7): under TCG a
	 * CR3 load empties the whole TLB, and a provider or client that has a
	 * CPU of its own comes back to it after every wait.
	 */
	c->cpu_idle = true;
	if (!left && idle_poll()) {
		c->cpu_idle = false;
		return;
	}
	if (c->cpu_index == 0) {
		irqsoff_idle(left, NULL);	/* the boot CPU looks at its hooks and the run's end at each wake */
	} else {
		/* An AP halts until work shows up: its ticks and IPIs do not take the BKL (idt.c). */
		irqsoff_idle(false, work_visible);
	}
	c->cpu_idle = false;
}

static bool (*keep_running)(void);

void sched_set_keep_running(bool (*fn)(void))
{
	keep_running = fn;
}

static void loop(bool until_none_alive)
{
	for (;;) {
		struct proc *p = pick();
		if (p) {
			run(p);
			continue;
		}
		if (until_none_alive && proc_alive_count() == 0 && !(keep_running && keep_running()))
			return;
		idle_once();
	}
}

void sched_run(void)
{
	this_cpu()->cpu_sched_online = true;
	log_buffer_defer();	/* from here the console is written where stretches end */
	loop(true);
}

void sched_ap_main(void)
{
	bkl_acquire();
	this_cpu()->cpu_sched_online = true;
	loop(false);
}

/* ---------------------------------------------------------------- processes */

void sched_yield(void)
{
	struct proc *p = proc_current();

	KASSERT(p);
	context_switch(&p->p_kctx_rsp, this_cpu()->cpu_sched_rsp);
}

int sched_block(const void *chan, uint64_t deadline)
{
	struct proc *p = proc_current();

	KASSERT(p);
	p->p_state = PROC_BLOCKED;
	p->p_wait_chan = chan;
	p->p_wait_deadline = deadline;
	p->p_wait_result = 0;
	wait_insert(p);
	if (deadline)
		deadline_insert(p);
	sched_yield();
	p->p_wait_chan = NULL;
	return p->p_wait_result;
}

void sched_wake_proc(struct proc *p, int result)
{
	if (p->p_state != PROC_BLOCKED)
		return;
	wait_remove(p);
	deadline_remove(p);
	p->p_state = PROC_RUNNABLE;
	p->p_wait_result = result;
	p->p_wait_deadline = 0;
	/*
	 * A device event runs its waiter now (completion latency); a process
	 * waking another (a session ack, a request) keeps its CPU until it
	 * blocks, so it finishes its batch first: one switch per batch, not
	 * per notification.
	 */
	enqueue(p, this_cpu()->cpu_in_irq != 0);
}

void sched_wakeup(const void *chan)
{
	struct proc *p = wait_buckets[bucket_of(chan)];

	while (p) {
		struct proc *next = p->p_wq_next;
		if (p->p_state == PROC_BLOCKED && p->p_wait_chan == chan)
			sched_wake_proc(p, 0);
		p = next;
	}
}

void sched_start(struct proc *p)
{
	p->p_state = PROC_RUNNABLE;
	p->p_on_cpu = -1;
	p->p_rq_cpu = -1;
	enqueue(p, false);
}

void sched_kick_running(struct proc *p)
{
	if (p->p_on_cpu >= 0 && p->p_on_cpu != (int)this_cpu()->cpu_index)
		kick((unsigned)p->p_on_cpu, true);
}

bool sched_others_runnable(void)
{
	return this_cpu()->cpu_rq_head != NULL;
}

unsigned int sched_place(struct proc *p, enum sched_role role, int avoid)
{
	unsigned int slots = smp_cpu_slots(), n = 0, cpu = 0;
	unsigned int usable[CPU_MAX];

	for (unsigned i = 0; i < slots; i++) {
		if (smp_cpu_running(i))
			usable[n++] = i;
	}
	if (n == 0)
		n = 1, usable[0] = 0;
	if (role == SCHED_ROLE_PROVIDER) {
		cpu = usable[place_cursor++ % n];
	} else {
		/* A client: the least loaded CPU that is not its provider's, where there is one. */
		unsigned best = n;
		for (unsigned k = 0; k < n; k++) {
			unsigned i = usable[k];
			if ((int)i == avoid && n > 1)
				continue;
			if (best == n || percpu_blocks[i].cpu_placed < percpu_blocks[usable[best]].cpu_placed)
				best = k;
		}
		cpu = usable[best == n ? 0 : best];
	}
	sched_place_on(p, cpu, role);
	return cpu;
}

void sched_place_on(struct proc *p, unsigned int cpu, enum sched_role role)
{
	p->p_cpu = (int)cpu;
	percpu_blocks[cpu].cpu_placed++;
	if (smp_cpus_online() > 1)	/* one CPU: nothing to place, and the run's lines stay as they were */
		kprintf("sched: place pid=%d name=%s cpu=%u role=%s", p->p_pid, p->p_name, cpu,
			role == SCHED_ROLE_PROVIDER ? "provider" : "client");
}

void sched_unplace(struct proc *p)
{
	if (p->p_cpu >= 0 && p->p_cpu < CPU_MAX && percpu_blocks[p->p_cpu].cpu_placed)
		percpu_blocks[p->p_cpu].cpu_placed--;
	p->p_cpu = -1;
}

void sched_get_stats(struct sched_stats *out)
{
	*out = stats;
}

/* ---------------------------------------------------------------- ticks and hooks */

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

static void wake_expired(void)
{
	uint64_t now = clock_ns();

	while (deadlines && now >= deadlines->p_wait_deadline)
		sched_wake_proc(deadlines, CR_ETIMEDOUT);
}

void sched_timer_tick_local(void)
{
	struct percpu *c = this_cpu();

	if (c->cpu_current && ++c->cpu_slice_ticks >= SCHED_SLICE_TICKS)
		c->cpu_need_resched = true;
}

bool sched_switch_wanted(void)
{
	const struct percpu *c = this_cpu();

	return __atomic_load_n(&c->cpu_need_resched, __ATOMIC_RELAXED) || (c->cpu_current && c->cpu_current->p_kill_reason);
}

void sched_timer_tick(void)
{
	struct percpu *c = this_cpu();

	sched_timer_tick_local();
	if (c->cpu_index != 0)
		return;		/* the run's clocks and hooks tick on the boot CPU only */
	if (run_deadline_ns && clock_ns() >= run_deadline_ns) {
		run_deadline_ns = 0;
		keep_running = NULL;	/* the deadline ends the run, serving or not */
		proc_kill_all("run-deadline");
		c->cpu_need_resched = true;
	}
	wake_expired();
	/*
	 * L5: the hooks take controllers' locks (a unit's restart, bind or
	 * detach); not in an interrupt window whose interrupted context holds
	 * one, which may be the very lock.  The next tick outside runs them.
	 */
	if (c->cpu_window_ranks)
		return;
	for (unsigned i = 0; i < sizeof(tick_hooks) / sizeof(tick_hooks[0]) && tick_hooks[i]; i++)
		tick_hooks[i]();
}

void sched_return_to_user(void)
{
	if (this_cpu()->cpu_need_resched)
		sched_yield();
	proc_check_killed();
	log_buffer_drain();
	irqsoff_leave(IRQSOFF_USER, 0);	/* trap_exit's iretq turns interrupts on */
	cpu_note_irq_open();
	bkl_release();			/* last: L1 */
}

void sched_report(void)
{
	struct bkl_stats b;
	struct tlb_stats t;
	uint64_t kicks, kicks_woke, cr3_loads, cr3_kept;

	bkl_stats(&b);
	tlb_stats(&t);
	kick_stats(&kicks, &kicks_woke);
	paging_switch_stats(&cr3_loads, &cr3_kept);
	kprintf("sched: cpus=%u switches=%lu ipis=%lu ipis_saved=%lu idle_polls=%lu idle_poll_hits=%lu idle_poll_irqs=%lu steals=%lu migrations=%lu bkl_acquires=%lu bkl_contended=%lu bkl_wait_us=%lu tlb_shootdowns=%lu tlb_ipis=%lu bkl_hold_us=%lu bkl_long_holds=%lu bkl_long_hold_us=%lu bkl_halts=%lu kicks=%lu kicks_woke=%lu bkl_tick_kicks=%lu cr3_loads=%lu cr3_kept=%lu root_retires=%lu root_retire_ipis=%lu",
		smp_cpus_online(), stats.ss_switches, stats.ss_ipis, stats.ss_ipis_saved, stats.ss_idle_polls,
		stats.ss_idle_poll_hits, stats.ss_idle_poll_irqs, stats.ss_steals, stats.ss_migrations, b.bs_acquires, b.bs_contended,
		b.bs_wait_ns / 1000, t.ts_shootdowns, t.ts_ipis, b.bs_hold_ns / 1000, b.bs_long_holds,
		b.bs_long_hold_ns / 1000, b.bs_halts, kicks, kicks_woke, b.bs_tick_kicks, cr3_loads, cr3_kept, t.ts_retires,
		t.ts_retire_ipis);
}
