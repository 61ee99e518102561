/*
 * tests/host/model/kshim.h - the kernel services the broker and the bounce
 * backend use, implemented on the host so that their real sources run in
 * the tests (SPDK's way: compile the code under test, stub its collaborators).
 */
#ifndef CAPROCK_TESTS_KSHIM_H
#define CAPROCK_TESTS_KSHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/dma/dma_pool.h"

/* Log lines the kernel code printed, newest last (kept to the last KSHIM_LINES). */
#define KSHIM_LINES 64
extern char kshim_lines[KSHIM_LINES][512];
extern unsigned kshim_nlines;		/* total ever printed */
extern unsigned kshim_errors;		/* kerror() calls */
extern bool kshim_quiet;		/* do not echo lines to stderr */
/* True if any kept line contains s. */
bool kshim_logged(const char *s);
void kshim_reset_log(void);

/* Does this thread "hold the BKL" (bkl_held)?  True unless a threaded test says otherwise. */
extern __thread bool kshim_bkl;
/* kspin_assert_held checks (off only where a test breaks the locking on purpose to see TSan catch it). */
extern __thread bool kshim_lock_asserts;

/*
 * bkl_irq_may_release()'s answer (with kshim_bkl): this thread is an interrupt entry that took the
 * BKL itself.  bkl_release() calls made by this thread; and, for tests whose threads share a real
 * lock for the BKL, what bkl_release() and bkl_acquire() also do with it.
 */
extern __thread bool kshim_irq_owns_bkl;
extern __thread unsigned kshim_bkl_releases;
extern void (*kshim_bkl_release_hook)(void);
extern void (*kshim_bkl_acquire_hook)(void);

/* sched_others_runnable()'s answer, and the sched_yield() calls made. */
extern bool kshim_others_runnable;
extern unsigned kshim_yields;

/* The fake clock: clock_ns() advances by this much per call (and clock_delay_us by its argument). */
extern uint64_t kshim_now_ns;
/* The kernel work budget (irqsoff_may_take): entries a stretch lets through, 0 for no time limit. */
extern unsigned kshim_budget_entries;

/* Interrupt objects: signals counted per object. */
struct irq_object *kshim_irq_object(unsigned index);
uint64_t kshim_irq_signals(unsigned index);

/* A DMAPool backed by host memory, with its own "physical" address (see kshim.c). */
struct dma_pool *kshim_pool_create(uint64_t bytes);
void kshim_pool_destroy(struct dma_pool *p);

/* Called on every pmm_free before the memory goes (the VT-d model checks nothing still leads to it). */
extern void (*kshim_pmm_free_hook)(uint64_t phys, uint64_t npages);
/* While set, pmm_alloc fails as a kernel out of memory would. */
extern bool kshim_pmm_fail;

/* Memory the shimmed pmm handed out and not yet freed, in pages. */
uint64_t kshim_pmm_pages_live(void);

#endif
