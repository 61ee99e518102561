/*
 * kernel/core/bkl.c - the big kernel lock (see locking.h for what it
 * protects and the rules around it).
 */
#include "kernel/core/locking.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/kick_halt.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/core/clock.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/kspin.h"
#include "kernel/core/log.h"
#include "lib/spinlock.h"

/* Test-and-set, not tickets: the kernel is a guest whose vCPUs the host may deschedule (spinlock.h). */
static struct guest_lock bkl = GUEST_LOCK_INIT;
/*
 * Test-and-set is unfair: a CPU that gives the lock up and takes it again
 * at once (a process that yields in a loop) can keep another out for good.
 * A CPU that has waited STARVE_US claims `starving` (its id + 1); from then
 * on the others leave the lock to it, so a wait is bounded by one claim per
 * waiting CPU.  Only the claimant can be handed the lock by a descheduled
 * vCPU problem, and only after it starved.
 */
#define STARVE_US 50
static uint32_t starving;
/*
 * A CPU that has waited halt_after_us halts until the holder kicks it (L0):
 * by then the holder is most likely a vCPU the host descheduled, and a
 * spinning waiter only keeps the host core from it.  `sleepers` has a bit
 * per halted (or halting) CPU, cleared only by that CPU once it is awake.
 * A release kicks each halted CPU once (`kicked`: every NMI more is one an
 * unknown NMI could hide behind, kick_halt.c); a TLB shootdown kicks them
 * all; and a CPU whose ticks find the lock free and the same CPU halted
 * for RESCUE_TICKS in a row kicks it again: a lost kick costs 100 ms, not
 * the machine.  (Sooner would mostly kick vCPUs that were kicked and that
 * the host has not run yet; each NMI more can merge with a foreign one.)
 */
#define RESCUE_TICKS 25
static uint32_t halt_after_us;	/* set once at boot, before the APs run */
static uint64_t sleepers;	/* atomic */
static uint64_t kicked;		/* atomic: sleepers a release kicked since they began to halt */
/* Each CPU's own: the halted waiters its ticks found with the lock free, for how many ticks in a row. */
static struct {
	uint64_t mask;
	uint32_t ticks;
} tick_seen[CPU_MAX];
static uint64_t halts;		/* atomic: waits that halted */
static uint64_t tick_kicks;	/* atomic: halted waiters a tick found with the lock free */
static struct bkl_stats stats;	/* under the BKL */
static uint64_t held_since;	/* TSC at the holder's acquisition; under the BKL */

/* TSC ticks to ns (0 before the clock is calibrated); no 128-bit arithmetic in the kernel. */
static uint64_t ticks_to_ns(uint64_t ticks)
{
	uint64_t mhz = clock_tsc_hz() / 1000000u;

	return mhz ? ticks * 1000u / mhz : 0;
}

static uint32_t me(void)
{
	return this_cpu()->cpu_index;
}

/* May cpu take the lock now, given starving (s)?  Nobody starves, or cpu is the one. */
static bool my_turn(uint32_t s, uint32_t cpu)
{
	return s == 0 || s == cpu + 1;
}

void bkl_set_halt_after_us(uint32_t us)
{
	halt_after_us = us;
}

/* Kick every CPU in m; how many. */
static unsigned kick_mask(uint64_t m)
{
	unsigned n = 0;

	for (; m; m &= m - 1, n++)
		kick_cpu((unsigned int)__builtin_ctzll(m));
	return n;
}

void bkl_kick_sleepers(void)
{
	(void)kick_mask(__atomic_load_n(&sleepers, __ATOMIC_SEQ_CST));
}

/* A release: kick the halted CPUs no release has kicked yet. */
static void kick_fresh_sleepers(void)
{
	uint64_t m = __atomic_load_n(&sleepers, __ATOMIC_SEQ_CST);

	(void)kick_mask(m & ~__atomic_fetch_or(&kicked, m, __ATOMIC_SEQ_CST));
}

void bkl_tick(void)
{
	uint32_t cpu = me();
	uint64_t m = __atomic_load_n(&sleepers, __ATOMIC_SEQ_CST) & ~(1ull << cpu);

	if (__atomic_load_n(&bkl.gl_locked, __ATOMIC_SEQ_CST))
		m = 0;	/* its holder's release kicks them */
	if (m & tick_seen[cpu].mask) {
		tick_seen[cpu].mask &= m;
		tick_seen[cpu].ticks++;
	} else {
		tick_seen[cpu].mask = m;
		tick_seen[cpu].ticks = 0;
	}
	if (tick_seen[cpu].ticks >= RESCUE_TICKS) {
		__atomic_fetch_add(&tick_kicks, kick_mask(tick_seen[cpu].mask), __ATOMIC_RELAXED);
		tick_seen[cpu].ticks = 0;
	}
}

/*
 * Make this CPU known to kickers, look at the lock once more, and halt if
 * it is still taken.  The bit is set before the look and the releaser
 * unlocks before it reads the bits (both sequentially consistent), so one
 * of the two sees the other: a release cannot pass a halting CPU by.
 */
static bool halt_for_lock(uint32_t cpu)
{
	uint64_t bit = 1ull << cpu, seen = kick_seen();

	__atomic_fetch_and(&kicked, ~bit, __ATOMIC_SEQ_CST);	/* a new halt: the next release kicks it */
	__atomic_fetch_or(&sleepers, bit, __ATOMIC_SEQ_CST);
	uint32_t s = __atomic_load_n(&starving, __ATOMIC_SEQ_CST);
	if (my_turn(s, cpu) && !__atomic_load_n(&bkl.gl_locked, __ATOMIC_SEQ_CST) && guest_trylock(&bkl, cpu)) {
		__atomic_fetch_and(&sleepers, ~bit, __ATOMIC_RELAXED);
		return true;
	}
	tlb_answer_pending();	/* a shootdown posted before our bit was seen: answered; later ones kick */
	if (kick_halt(seen))
		__atomic_fetch_add(&halts, 1, __ATOMIC_RELAXED);
	__atomic_fetch_and(&sleepers, ~bit, __ATOMIC_RELAXED);
	return false;
}

void bkl_acquire(void)
{
	uint32_t cpu = me();

	if (guest_held_by(&bkl, cpu))
		panic("bkl: taken twice on cpu%u (locking.h L5)", cpu);
	if (kspin_any_held())	/* the BKL comes first: a CPU in a controller's section gives that up first */
		panic("bkl: taken on cpu%u holding a lock that comes after it (ranks 0x%x; locking.h L5)", cpu,
		      this_cpu()->cpu_kspin_ranks);
	if (!__atomic_load_n(&starving, __ATOMIC_RELAXED) && guest_trylock(&bkl, cpu)) {
		stats.bs_acquires++;
		held_since = rdtsc();
		return;
	}
	/* Answer shootdowns while it is held elsewhere (L3). */
	uint64_t t0 = rdtsc(), mhz = clock_tsc_hz() / 1000000u;
	uint64_t starve_at = t0 + (mhz ? mhz : 1000) * STARVE_US;
	uint64_t halt_at = t0 + (mhz ? mhz : 1000) * halt_after_us;
	bool claimed = false, may_halt = halt_after_us && !irqs_enabled();	/* only an NMI ends a halt with them off */
	for (;;) {
		tlb_answer_pending();
		uint32_t s = __atomic_load_n(&starving, __ATOMIC_RELAXED);
		if (my_turn(s, cpu) && guest_trylock(&bkl, cpu))
			break;
		uint64_t now = rdtsc();
		if (!claimed && s == 0 && now > starve_at) {
			uint32_t none = 0;
			claimed = __atomic_compare_exchange_n(&starving, &none, cpu + 1, false, __ATOMIC_ACQ_REL,
							      __ATOMIC_RELAXED);
		}
		/* The claimant does not halt: the others wait for it, and a kick may be lost (L0). */
		if (may_halt && !claimed && now > halt_at && halt_for_lock(cpu))
			break;
		spin_relax();
	}
	if (claimed)
		__atomic_store_n(&starving, 0, __ATOMIC_RELEASE);
	tlb_answer_pending();
	irqsoff_lock_taken(t0);	/* a shootdown that finished before we got in: nothing may stay stale */
	stats.bs_acquires++;
	stats.bs_contended++;
	held_since = rdtsc();
	stats.bs_wait_ns += ticks_to_ns(held_since - t0);
}

void bkl_release(void)
{
	uint32_t cpu = me();

	if (!guest_held_by(&bkl, cpu))
		panic("bkl: released on cpu%u, which does not hold it (locking.h L5)", cpu);
	uint64_t held = ticks_to_ns(rdtsc() - held_since);
	stats.bs_hold_ns += held;
	if (held > BKL_LONG_HOLD_US * 1000u) {
		stats.bs_long_holds++;
		stats.bs_long_hold_ns += held;
	}
	guest_unlock(&bkl);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* the unlock before the look at sleepers: halt_for_lock */
	if (__atomic_load_n(&sleepers, __ATOMIC_RELAXED))
		kick_fresh_sleepers();
}

bool bkl_held(void)
{
	return guest_held_by(&bkl, me());
}

bool bkl_acquire_for_trap(void)
{
	if (guest_held_by(&bkl, me()))
		return false;
	bkl_acquire();
	return true;
}

bool bkl_irq_may_release(void)
{
	const struct percpu *c = this_cpu();

	return c->cpu_in_irq && c->cpu_irq_owns_bkl && guest_held_by(&bkl, me());
}

void bkl_stats(struct bkl_stats *out)
{
	*out = stats;
	out->bs_halts = __atomic_load_n(&halts, __ATOMIC_RELAXED);
	out->bs_tick_kicks = __atomic_load_n(&tick_kicks, __ATOMIC_RELAXED);
}
