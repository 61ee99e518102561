/*
 * lib/work_budget.c - work bounded in time as well as in entries (see work_budget.h).
 */
#include "lib/work_budget.h"

void work_budget_init(struct work_budget *b, uint64_t now, uint64_t span)
{
	b->wb_start = now;
	b->wb_span = span;
}

bool work_budget_spent(const struct work_budget *b, uint64_t now)
{
	/* A clock that went back (a TSC not yet in step) has not spent it: no huge unsigned difference. */
	return b->wb_span && now >= b->wb_start && now - b->wb_start >= b->wb_span;
}

bool work_budget_may_take(const struct work_budget *b, uint64_t now, unsigned taken, unsigned limit)
{
	if (taken >= limit)
		return false;
	return taken == 0 || !work_budget_spent(b, now);
}

uint64_t work_budget_ticks_us(uint64_t hz, uint32_t us)
{
	return hz / 1000000u * us + hz % 1000000u * us / 1000000u;
}
