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

/* Answer a pending shootdown, if any (the IPI handler, the BKL spin). */
void tlb_answer_pending(void);

/* Shootdowns requested and IPIs sent, for the run's summary. */
void tlb_stats(uint64_t *shootdowns, uint64_t *ipis);

/* fault.shootdown=skip: leave other CPUs' TLBs alone (for the test that shows it matters). */
void tlb_set_skip(bool skip);

#endif
