/*
 * kernel/core/cpu_idle.c - idle time of the CPU that runs processes (see cpu_idle.h).
 */
#include "kernel/core/cpu_idle.h"

#include <stdbool.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/clock.h"

static uint64_t idle_ticks, halted_at;
static bool halted;

void cpu_idle_begin(void)
{
	halted_at = rdtsc();
	halted = true;
}

void cpu_idle_end(void)
{
	if (!halted)
		return;
	halted = false;
	idle_ticks += rdtsc() - halted_at;
}

uint64_t cpu_idle_ns(void)
{
	uint64_t hz = clock_tsc_hz();

	if (!hz)
		return 0;
	/* No 128-bit division in the kernel: whole seconds, then the remainder. */
	return idle_ticks / hz * 1000000000u + idle_ticks % hz * 1000000000u / hz;
}
