/*
 * lib/work_budget.h - work bounded in time as well as in entries.
 *
 * Kernel work runs with interrupts off, so a loop over untrusted input
 * (shadow SQ entries, device completions, console bytes) is bounded twice:
 * by a count of entries and by a span of clock ticks since its budget
 * started.  The first entry is always allowed, so every call makes
 * progress; what is left waits for the next call or the timer tick.  The
 * clock is whatever the caller counts in (the kernel uses the TSC).
 */
#ifndef CAPROCK_LIB_WORK_BUDGET_H
#define CAPROCK_LIB_WORK_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

struct work_budget {
	uint64_t wb_start;		/* clock when the budget started */
	uint64_t wb_span;		/* ticks it lasts; 0: no time limit */
};

void work_budget_init(struct work_budget *b, uint64_t now, uint64_t span);
/* Has the time run out at now?  (A clock that went back has not spent it.) */
bool work_budget_spent(const struct work_budget *b, uint64_t now);
/* May entry number `taken` (0-based) start at now, with at most `limit` entries per call? */
bool work_budget_may_take(const struct work_budget *b, uint64_t now, unsigned taken, unsigned limit);
/* Ticks for us microseconds at hz ticks a second (0 when hz is unknown: no time limit). */
uint64_t work_budget_ticks_us(uint64_t hz, uint32_t us);

#endif
