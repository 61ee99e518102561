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
 * per halted (or halting) CPU; bkl_release and a TLB shootdown kick them.
 */
static uint32_t halt_after_us;	/* set once at boot, before the APs run */
static uint64_t sleepers;	/* atomic */
static uint64_t halts;		/* atomic: waits that halted */
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

void bkl_kick_sleepers(void)
{
	uint64_t m = __atomic_exchange_n(&sleepers, 0, __ATOMIC_SEQ_CST);

	while (m) {
		kick_cpu((unsigned int)__builtin_ctzll(m));
		m &= m - 1;
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
		if (may_halt && now > halt_at && halt_for_lock(cpu))
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
		bkl_kick_sleepers();
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
}
