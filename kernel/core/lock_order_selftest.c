/*
 * kernel/core/lock_order_selftest.c - selftest=lock-order: the lock order
 * check (locking.h L5) refuses what it must and allows what it may.
 *
 * Real locks are held and the very predicates kspin_lock and bkl_acquire
 * stop on are asked: taking a refused lock would end the run in a panic,
 * so the test asks instead of taking.  It runs holding the BKL, as all
 * kernel code does.
 */
#include "kernel/core/kspin.h"
#include "kernel/core/locking.h"
#include "kernel/core/log.h"
#include "kernel/core/run_modes.h"

static struct kspin ctrl = KSPIN_INIT("selftest-ctrl", KSPIN_RANK_CTRL);
static struct kspin leaf = KSPIN_INIT("selftest-console", KSPIN_RANK_CONSOLE);

static const char *said(bool allowed)
{
	return allowed ? "allowed" : "refused";
}

bool run_lock_order_selftest(void)
{
	bool bkl = bkl_held();
	bool idle_ctrl = kspin_order_allows(KSPIN_RANK_CTRL);

	kspin_lock(&ctrl);
	bool ctrl_ctrl = kspin_order_allows(KSPIN_RANK_CTRL);
	bool ctrl_console = kspin_order_allows(KSPIN_RANK_CONSOLE);
	bool ctrl_bkl = !kspin_any_held();
	kspin_lock(&leaf);	/* no logging from here until it is given up: kprintf may take the console's */
	bool console_ctrl = kspin_order_allows(KSPIN_RANK_CTRL);
	bool console_console = kspin_order_allows(KSPIN_RANK_CONSOLE);
	kspin_unlock(&leaf);

	/* An interrupt window's handlers start from nothing held, and the section's ranks come back. */
	uint32_t held = kspin_ranks_stash();
	bool window_ctrl = kspin_order_allows(KSPIN_RANK_CTRL);
	kspin_ranks_restore(held);
	bool after_window_ctrl = kspin_order_allows(KSPIN_RANK_CTRL);
	kspin_unlock(&ctrl);
	bool released = kspin_order_allows(KSPIN_RANK_CTRL) && !kspin_any_held();

	bool pass = bkl && idle_ctrl && !ctrl_ctrl && ctrl_console && !ctrl_bkl && !console_ctrl &&
		    !console_console && window_ctrl && !after_window_ctrl && released;
	kprintf("selftest: lock order bkl=%s ctrl=%s ctrl_then_ctrl=%s ctrl_then_console=%s ctrl_then_bkl=%s console_then_ctrl=%s console_then_console=%s window_then_ctrl=%s after_window_ctrl=%s released=%s result=%s",
		bkl ? "held" : "not-held", said(idle_ctrl), said(ctrl_ctrl), said(ctrl_console), said(ctrl_bkl),
		said(console_ctrl), said(console_console), said(window_ctrl), said(after_window_ctrl), said(released),
		pass ? "pass" : "fail");
	if (!pass)
		kerror("selftest: error lock order check");
	return pass;
}
