/*
 * kernel/core/cpu_idle.c - idle time of every CPU (see cpu_idle.h).
 */
#include "kernel/core/cpu_idle.h"

#include <stdbool.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/core/clock.h"

void cpu_idle_begin(void)
{
	struct percpu *c = this_cpu();

	c->cpu_halted_at = rdtsc();
	__atomic_store_n(&c->cpu_halted, true, __ATOMIC_RELEASE);
}

void cpu_idle_end(void)
{
	struct percpu *c = this_cpu();

	if (!c->cpu_halted)
		return;
	__atomic_store_n(&c->cpu_idle_ticks, c->cpu_idle_ticks + (rdtsc() - c->cpu_halted_at), __ATOMIC_RELEASE);
	__atomic_store_n(&c->cpu_halted, false, __ATOMIC_RELEASE);
}

static uint64_t to_ns(uint64_t ticks)
{
	uint64_t hz = clock_tsc_hz();

	if (!hz)
		return 0;
	/* No 128-bit division in the kernel: whole seconds, then the remainder. */
	return ticks / hz * 1000000000u + ticks % hz * 1000000000u / hz;
}

uint64_t cpu_idle_ns_of(unsigned int cpu)
{
	const struct percpu *c = &percpu_blocks[cpu];
	uint64_t ticks = __atomic_load_n(&c->cpu_idle_ticks, __ATOMIC_ACQUIRE);

	/* A CPU halted right now counts its current halt too (other CPUs' halts are not ended by our entry). */
	if (__atomic_load_n(&c->cpu_halted, __ATOMIC_ACQUIRE)) {
		uint64_t at = c->cpu_halted_at, now = rdtsc();
		if (now > at)
			ticks += now - at;
	}
	return to_ns(ticks);
}

uint64_t cpu_idle_ns(void)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < smp_cpu_slots(); i++) {
		if (smp_cpu_running(i))
			sum += cpu_idle_ns_of(i);
	}
	return sum;
}
