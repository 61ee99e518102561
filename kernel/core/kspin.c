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
	while (!guest_trylock(&l->ks_lock, cpu)) {
		waited = true;
		tlb_answer_pending();	/* a holder may be waiting for this CPU's answer */
		spin_relax();
	}
	l->ks_acquires++;
	if (waited)
		l->ks_contended++;
}

void kspin_unlock(struct kspin *l)
{
	uint32_t cpu = me();

	if (!guest_held_by(&l->ks_lock, cpu))
		panic("kspin: %s released on cpu%u, which does not hold it (locking.h L5)", l->ks_name, cpu);
	guest_unlock(&l->ks_lock);
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
