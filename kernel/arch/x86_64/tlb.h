/*
 * kernel/arch/x86_64/tlb.h - TLB shootdown: no CPU keeps using a mapping
 * after it was removed or narrowed.
 *
 * The requester (holding the BKL, locking.h L1) has already changed the
 * page tables; it flushes its own TLB, publishes the range with a new
 * generation, sends VECTOR_IPI_TLB to every other running CPU and waits,
 * bounded, until each has answered by flushing and storing the generation
 * in its cpu_tlb_gen.  A CPU in user mode or halted answers from the IPI;
 * a CPU spinning for the BKL answers from the spin (bkl.c), so the wait
 * cannot deadlock.  Frames and device pages behind the old mapping are
 * reused only after tlb_shootdown returned true.
 *
 * An idle CPU keeps the root of the process it ran last (sched.c: under
 * TCG a CR3 load empties the whole TLB, and the process often comes back
 * to the same CPU).  So a root is freed only after tlb_retire_root: every
 * CPU still holding it loads the kernel's root first, answering the same
 * way as to a shootdown.
 */
#ifndef CAPROCK_ARCH_TLB_H
#define CAPROCK_ARCH_TLB_H

#include <stdbool.h>
#include <stdint.h>

/*
 * [va, va+len) stopped meaning what it meant in the address space rooted
 * at root (0: the kernel half, shared by all).  True when every CPU that
 * may have cached it has flushed; false (with an error line naming them)
 * when some CPU did not answer in time: the caller must then not reuse
 * what the mapping reached.
 */
bool tlb_shootdown(uint64_t root, uint64_t va, uint64_t len);

/*
 * root's process is gone and root is about to be freed: this CPU and
 * every other that still holds it (idle, lazily) load the kernel's root.
 * True when none holds it any more; false (with an error line) when a CPU
 * did not answer in time: the caller must then keep the root's pages.
 */
bool tlb_retire_root(uint64_t root);

/* Answer a pending shootdown, if any (the IPI handler, the BKL spin). */
void tlb_answer_pending(void);

struct tlb_stats {
	uint64_t ts_shootdowns, ts_ipis;	/* shootdowns requested, IPIs they sent */
	uint64_t ts_retires;			/* roots retired (one per process reaped) */
	uint64_t ts_retire_ipis;		/* other CPUs that still held one, asked by IPI */
};

/* For the run's summary. */
void tlb_stats(struct tlb_stats *out);

/* fault.shootdown=skip: leave other CPUs' TLBs alone (for the test that shows it matters). */
void tlb_set_skip(bool skip);

/* fault.retire=skip: do not ask other CPUs to let a root go (roots are then kept, never freed). */
void tlb_set_retire_skip(bool skip);

#endif
