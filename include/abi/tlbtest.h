/*
 * include/abi/tlbtest.h - selftest=tlb-shootdown and selftest=lazy-root:
 * what the kernel's tests (kernel/core/tlb_selftest.c,
 * lazy_root_selftest.c) and their user program (user/tlbtest) share.
 *
 * One page the kernel allocated is mapped into both processes.  The victim,
 * on a CPU other than the boot CPU, says it started and then increments
 * tp_counter forever with no system call, so only its TLB stands between
 * it and the page once the kernel unmapped it.  The spinner keeps the boot
 * CPU busy (an idle boot CPU would take the victim from its queue) until
 * the kernel sets tp_done.  The sleeper counts its naps in tp_counter
 * until the kernel sets tp_done, then exits.  Each word has its own cache
 * line.
 */
#ifndef CAPROCK_ABI_TLBTEST_H
#define CAPROCK_ABI_TLBTEST_H

#include <stddef.h>
#include <stdint.h>

enum tlbtest_role {
	TLBTEST_VICTIM = 1,
	TLBTEST_SPINNER = 2,
	TLBTEST_SLEEPER = 3,	/* selftest=lazy-root: naps of 20 ms until tp_done, then exits */
};

/* The argument block (start_info.si_args). */
struct tlbtest_args {
	uint64_t ta_page;	/* user address of the shared page */
	uint32_t ta_role;	/* enum tlbtest_role */
	uint32_t ta_reserved;
};

struct tlbtest_page {
	uint64_t tp_started;	/* the victim: nonzero once it runs */
	uint64_t tp_pad0[7];
	uint64_t tp_counter;	/* the victim: incremented forever */
	uint64_t tp_pad1[7];
	uint64_t tp_done;	/* the kernel: nonzero when the spinner may exit */
};
_Static_assert(offsetof(struct tlbtest_page, tp_counter) == 64, "tlbtest_page layout");
_Static_assert(offsetof(struct tlbtest_page, tp_done) == 128, "tlbtest_page layout");

#endif
