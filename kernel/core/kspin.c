/*
 * kernel/core/kspin.c - kernel spinlocks after the BKL (see kspin.h).
 */
#include "kernel/core/kspin.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/core/log.h"

static uint32_t me(void)
{
	return this_cpu()->cpu_index;
}

void kspin_lock(struct kspin *l)
{
	uint32_t cpu = me();
	bool waited = false;

	if (guest_held_by(&l->ks_lock, cpu))
		panic("kspin: %s taken twice on cpu%u (locking.h L5)", l->ks_name, cpu);
	if (!kspin_order_allows(l->ks_rank))
		panic("kspin: %s (rank %u) taken on cpu%u holding a lock of the same or a higher rank (held 0x%x; locking.h L5)",
		      l->ks_name, l->ks_rank, cpu, this_cpu()->cpu_kspin_ranks);
	while (!guest_trylock(&l->ks_lock, cpu)) {
		waited = true;
		tlb_answer_pending();	/* a holder may be waiting for this CPU's answer */
		spin_relax();
	}
	this_cpu()->cpu_kspin_ranks |= 1u << l->ks_rank;
	l->ks_acquires++;
	if (waited)
		l->ks_contended++;
}

void kspin_unlock(struct kspin *l)
{
	uint32_t cpu = me();

	if (!guest_held_by(&l->ks_lock, cpu))
		panic("kspin: %s released on cpu%u, which does not hold it (locking.h L5)", l->ks_name, cpu);
	this_cpu()->cpu_kspin_ranks &= ~(1u << l->ks_rank);
	guest_unlock(&l->ks_lock);
}

bool kspin_order_allows(uint32_t rank)
{
	return !(this_cpu()->cpu_kspin_ranks >> rank);
}

bool kspin_any_held(void)
{
	return this_cpu()->cpu_kspin_ranks != 0;
}

uint32_t kspin_ranks_stash(void)
{
	uint32_t *ranks = &this_cpu()->cpu_kspin_ranks;
	uint32_t held = *ranks;

	*ranks = 0;
	return held;
}

void kspin_ranks_restore(uint32_t ranks)
{
	if (this_cpu()->cpu_kspin_ranks)
		panic("kspin: an interrupt window's handlers returned holding a lock (ranks 0x%x; locking.h L5)",
		      this_cpu()->cpu_kspin_ranks);
	this_cpu()->cpu_kspin_ranks = ranks;
}

bool kspin_held(const struct kspin *l)
{
	return guest_held_by(&l->ks_lock, me());
}

void kspin_assert_held(const struct kspin *l)
{
	if (!guest_held_by(&l->ks_lock, me()))
		panic("kspin: %s not held on cpu%u where it must be (locking.h L8)", l->ks_name, me());
}
