/*
 * user/tlbtest/main.c - the two processes of selftest=tlb-shootdown and
 * the one of selftest=lazy-root (include/abi/tlbtest.h).
 *
 * The victim writes the shared page in a loop with no system call: after
 * the kernel unmapped the page, only a stale TLB entry lets a write land,
 * and with the shootdown the next write must fault.  Reaching the line
 * after the loop is impossible; its status says so if it ever happens.
 */
#include "include/abi/tlbtest.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

int main(const struct start_info *si)
{
	struct tlbtest_args a;

	if (si->si_args_len != sizeof(a)) {
		uprintf("user: tlbtest error args_len=%u", si->si_args_len);
		return 2;
	}
	memcpy(&a, si->si_args, sizeof(a));
	volatile struct tlbtest_page *pg = (volatile struct tlbtest_page *)(uintptr_t)a.ta_page;

	if (a.ta_role == TLBTEST_SLEEPER) {
		uprintf("user: tlbtest role=sleeper page=0x%lx", (unsigned long)a.ta_page);
		while (!pg->tp_done) {
			pg->tp_counter = pg->tp_counter + 1;	/* naps so far: the kernel sees it ran */
			sys_sleep_ns(20000000);	/* 20 ms: several of the boot CPU's ticks see it asleep */
		}
		return 0;
	}
	if (a.ta_role == TLBTEST_SPINNER) {
		uprintf("user: tlbtest role=spinner page=0x%lx", (unsigned long)a.ta_page);
		while (!pg->tp_done)
			__asm__ volatile("pause");
		return 0;
	}
	uprintf("user: tlbtest role=victim page=0x%lx", (unsigned long)a.ta_page);
	pg->tp_started = 1;
	for (;;)
		pg->tp_counter = pg->tp_counter + 1;	/* no system call from here on */
	return 3;
}
