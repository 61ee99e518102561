/*
 * kernel/core/cpu_idle.h - how long the CPU sat halted with nothing to
 * run: the benchmark's cpu_busy_pct (idle-loop accounting, DESIGN.md §4).
 *
 * Idle runs from the halt to the interrupt that ends it; the handler's
 * work counts as busy.  Each CPU counts its own halts (percpu.h); the
 * total is over every running CPU.
 */
#ifndef CAPROCK_CORE_CPU_IDLE_H
#define CAPROCK_CORE_CPU_IDLE_H

#include <stdint.h>

/* Around the idle halt: begin just before it, and the interrupt that wakes it ends it. */
void cpu_idle_begin(void);
void cpu_idle_end(void);
/* Nanoseconds spent halted since boot, summed over the running CPUs. */
uint64_t cpu_idle_ns(void);
/* The same for one CPU (percpu index). */
uint64_t cpu_idle_ns_of(unsigned int cpu);

#endif
