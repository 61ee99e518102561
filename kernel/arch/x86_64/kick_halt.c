/*
 * kernel/arch/x86_64/kick_halt.c - halt until kicked by an NMI (kick_halt.h).
 */
#include "kernel/arch/x86_64/kick_halt.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/trap.h"

/* kick_halt_until.S */
bool kick_halt_until(const uint64_t *kicks, uint64_t seen);
extern const char kick_halt_window[], kick_halt_insn[], kick_halt_done[];

static uint64_t kicks_sent, kicks_woke;	/* atomic */

uint64_t kick_seen(void)
{
	return __atomic_load_n(&this_cpu()->cpu_kicks, __ATOMIC_ACQUIRE);
}

bool kick_halt(uint64_t seen)
{
	if (irqs_enabled())
		return false;	/* an interrupt would end the halt and run a handler in the waiter's place */
	return kick_halt_until(&this_cpu()->cpu_kicks, seen);
}

void kick_cpu(unsigned int i)
{
	__atomic_fetch_add(&percpu_blocks[i].cpu_kicks, 1, __ATOMIC_SEQ_CST);	/* before the NMI: see kick_halt_until.S */
	if (smp_send_nmi(i) == 0)
		__atomic_fetch_add(&kicks_sent, 1, __ATOMIC_RELAXED);
}

bool kick_halt_nmi(struct trap_frame *tf)
{
	struct percpu *pc = &percpu_blocks[smp_this_cpu_index()];
	uint64_t k = __atomic_load_n(&pc->cpu_kicks, __ATOMIC_ACQUIRE);

	if (k != pc->cpu_kicks_taken) {
		/*
		 * Kicks sent after the first NMI was raised may have NMIs still
		 * to come (each kick sends one; pending NMIs collapse into one):
		 * those are kicks too, not unknown NMIs.
		 */
		pc->cpu_kick_nmis_owed += k - pc->cpu_kicks_taken - 1;
		pc->cpu_kicks_taken = k;
	} else if (pc->cpu_kick_nmis_owed) {
		pc->cpu_kick_nmis_owed--;
	} else {
		return false;
	}
	uintptr_t rip = (uintptr_t)tf->rip;
	if (rip >= (uintptr_t)kick_halt_window && rip <= (uintptr_t)kick_halt_insn)
		tf->rip = (uint64_t)(uintptr_t)kick_halt_done;
	if (rip >= (uintptr_t)kick_halt_window && rip <= (uintptr_t)kick_halt_done)
		__atomic_fetch_add(&kicks_woke, 1, __ATOMIC_RELAXED);
	return true;
}

void kick_stats(uint64_t *kicks, uint64_t *woke)
{
	*kicks = __atomic_load_n(&kicks_sent, __ATOMIC_RELAXED);
	*woke = __atomic_load_n(&kicks_woke, __ATOMIC_RELAXED);
}
