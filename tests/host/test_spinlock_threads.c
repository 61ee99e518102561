/*
 * tests/host/test_spinlock_threads.c - lib/spinlock.h, the ticket lock the
 * SMP kernel's big kernel lock (issue 18, requirement 3) is built on, from
 * real threads at once; `make tsan` runs it under ThreadSanitizer, `make
 * test-host` under ASan/UBSan.
 *
 * What it models: every CPU entering the kernel (system call, interrupt,
 * exception, idle wakeup) takes the one lock, does some work on kernel
 * structures with plain loads and stores, and lets go.  Everything the
 * broker and the DMA ledger promise on SMP rests on four properties of the
 * lock, each a test here:
 *  - mutual exclusion: N threads add to a plain counter under the lock; no
 *    update is lost, no two are ever inside at once, and ThreadSanitizer
 *    sees every access ordered (acquire in spin_lock, release in
 *    spin_unlock) - also across the wrap of the 32-bit ticket counters;
 *  - FIFO fairness: waiters get the lock in the order they took tickets
 *    (a CPU flooding the kernel with entries cannot starve another);
 *  - trylock: succeeds only when nobody holds or waits, and a successful
 *    trylock excludes like spin_lock;
 *  - spin_held_by / spin_has_waiters: exact for the asking holder.
 *
 * Shown to fail: built with -DSPINLOCK_TEST_BROKEN the exclusion tests use a
 * "lock" that checks and then sets the owner with plain loads and stores
 * (the classic broken test-and-set).  `make tsan` builds that variant as
 * $(BUILD)/tsan/xfail_spinlock_broken and requires a ThreadSanitizer data
 * race report from it (exit 66); it comes on the first contended round,
 * every run.  Without TSan the same build passed 6 of 6 runs here (ASan,
 * 3 threads, 2 cores): the check-then-set window is a few instructions
 * wide, so counting lost updates almost never catches it - which is why
 * the concurrency tests run under ThreadSanitizer at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>

#include "lib/spinlock.h"
#include "tests/host/under_tsan.h"

#define UNUSED __attribute__((unused))

/*
 * Threads and rounds: a ticket lock with more spinning threads than free
 * cores convoys (the next ticket's thread may be off its core), and TSan
 * makes every atomic slow; a race needs only a few unordered pairs to be
 * reported, so the TSan build runs fewer rounds.
 */
#define NTHREADS	3
#ifdef UNDER_TSAN
#define ITERS		2000
#else
#define ITERS		20000
#endif

static struct spinlock L;

/* The lock the exclusion tests use: the real one, or the broken one of the file comment. */
static void t_lock(struct spinlock *l, uint32_t id)
{
#ifdef SPINLOCK_TEST_BROKEN
	/* Check, then set, with plain accesses: two threads can both see it free. */
	while (*(volatile uint32_t *)&l->sl_owner)
		spin_relax();
	l->sl_owner = id + 1;
#else
	spin_lock(l, id);
#endif
}

static void t_unlock(struct spinlock *l)
{
#ifdef SPINLOCK_TEST_BROKEN
	l->sl_owner = 0;
#else
	spin_unlock(l);
#endif
}

static bool t_trylock(struct spinlock *l, uint32_t id)
{
#ifdef SPINLOCK_TEST_BROKEN
	if (*(volatile uint32_t *)&l->sl_owner)
		return false;
	l->sl_owner = id + 1;
	return true;
#else
	return spin_trylock(l, id);
#endif
}

/* Kernel state under the lock: plain memory, as the broker's is. */
static uint64_t counter;
static uint64_t per_thread[NTHREADS];
static uint32_t inside;		/* atomic: how many are in the critical section (must be 0 or 1) */
static uint32_t overlaps;	/* atomic: times someone found another inside */
static uint32_t not_held;	/* atomic: times spin_held_by said no to the holder */
static uint32_t go;		/* atomic: start line */

static void run_threads(void *(*fn)(void *), unsigned n)
{
	pthread_t t[NTHREADS];

	__atomic_store_n(&go, 0, __ATOMIC_RELAXED);
	for (uintptr_t i = 0; i < n; i++)
		assert_int_equal(pthread_create(&t[i], NULL, fn, (void *)i), 0);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
}

static void wait_for_go(void)
{
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		spin_relax();
}

static void critical(uint32_t id)
{
	if (__atomic_fetch_add(&inside, 1, __ATOMIC_RELAXED) != 0)
		__atomic_fetch_add(&overlaps, 1, __ATOMIC_RELAXED);
#ifndef SPINLOCK_TEST_BROKEN
	if (!spin_held_by(&L, id))
		__atomic_fetch_add(&not_held, 1, __ATOMIC_RELAXED);
#endif
	/* A read-modify-write spread out, so that a second thread inside loses it. */
	uint64_t v = counter;
	spin_relax();
	counter = v + 1;
	per_thread[id]++;
	__atomic_fetch_sub(&inside, 1, __ATOMIC_RELAXED);
}

static void *increment(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;

	wait_for_go();
	for (int i = 0; i < ITERS; i++) {
		t_lock(&L, id);
		critical(id);
		t_unlock(&L);
	}
	return NULL;
}

static void reset(void)
{
	memset(&L, 0, sizeof(L));
	counter = 0;
	memset(per_thread, 0, sizeof(per_thread));
	inside = overlaps = not_held = 0;
}

static void check_counts(uint64_t want)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < NTHREADS; i++)
		sum += per_thread[i];
	assert_int_equal(overlaps, 0);
	assert_int_equal(not_held, 0);
	assert_int_equal(counter, want);
	assert_int_equal(sum, want);
}

static void test_mutual_exclusion(void **state UNUSED)
{
	reset();
	run_threads(increment, NTHREADS);
	check_counts((uint64_t)NTHREADS * ITERS);
#ifndef SPINLOCK_TEST_BROKEN
	assert_int_equal(L.sl_next, L.sl_serving);	/* every ticket served */
	assert_int_equal(L.sl_owner, 0);
#endif
}

/* The same, with both ticket counters about to wrap past UINT32_MAX. */
static void test_mutual_exclusion_across_ticket_wrap(void **state UNUSED)
{
	reset();
	L.sl_next = L.sl_serving = UINT32_MAX - 1000;
	run_threads(increment, NTHREADS);
	check_counts((uint64_t)NTHREADS * ITERS);
#ifndef SPINLOCK_TEST_BROKEN
	assert_int_equal(L.sl_next, L.sl_serving);
	assert_true(L.sl_next < (uint32_t)NTHREADS * ITERS);	/* it did wrap */
#endif
}

/* ------------------------------------------------------------ FIFO */

#define NFIFO 6
static uint32_t order[NFIFO];
static unsigned norder;

static void *fifo_waiter(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;

	spin_lock(&L, id);
	order[norder++] = id;
	spin_unlock(&L);
	return NULL;
}

/*
 * The main thread holds the lock; waiter i is started only once waiter i-1
 * has its ticket (sl_next moved), so ticket order is known.  Released, they
 * must enter in exactly that order whatever the scheduler does.
 */
static void test_fifo_order(void **state UNUSED)
{
	pthread_t t[NFIFO];

	reset();
	norder = 0;
	spin_lock(&L, 100);
	assert_false(spin_has_waiters(&L));
	for (uintptr_t i = 0; i < NFIFO; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, fifo_waiter, (void *)i), 0);
		while (__atomic_load_n(&L.sl_next, __ATOMIC_RELAXED) != i + 2)
			sched_yield();
		assert_true(spin_has_waiters(&L));
	}
	assert_true(spin_held_by(&L, 100));
	spin_unlock(&L);
	for (unsigned i = 0; i < NFIFO; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	spin_lock(&L, 100);
	assert_int_equal(norder, NFIFO);
	for (unsigned i = 0; i < NFIFO; i++)
		assert_int_equal(order[i], i);
	spin_unlock(&L);
}

/* ------------------------------------------------------------ trylock */

static uint32_t try_result;	/* atomic: 1 + what the other thread's trylock said */

static void *try_once(void *arg UNUSED)
{
	bool got = spin_trylock(&L, 7);

	if (got)
		spin_unlock(&L);
	__atomic_store_n(&try_result, 1u + got, __ATOMIC_RELEASE);
	return NULL;
}

static bool try_from_another_thread(void)
{
	pthread_t t;

	__atomic_store_n(&try_result, 0, __ATOMIC_RELAXED);
	assert_int_equal(pthread_create(&t, NULL, try_once, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	return __atomic_load_n(&try_result, __ATOMIC_ACQUIRE) == 2;
}

static void *blocked_waiter(void *arg UNUSED)
{
	spin_lock(&L, 8);
	spin_unlock(&L);
	return NULL;
}

static void test_trylock_semantics(void **state UNUSED)
{
	reset();
	/* Free: it succeeds, and the holder is recorded. */
	assert_true(spin_trylock(&L, 3));
	assert_true(spin_held_by(&L, 3));
	/* Held: another CPU's trylock fails and leaves no ticket behind. */
	uint32_t next = L.sl_next;
	assert_false(try_from_another_thread());
	assert_int_equal(L.sl_next, next);
	assert_true(spin_held_by(&L, 3));
	/* Held with a waiter queued: still no; once both are done, yes. */
	pthread_t w;
	assert_int_equal(pthread_create(&w, NULL, blocked_waiter, NULL), 0);
	while (!spin_has_waiters(&L))
		sched_yield();
	assert_false(try_from_another_thread());
	spin_unlock(&L);
	assert_int_equal(pthread_join(w, NULL), 0);
	assert_true(try_from_another_thread());
	assert_int_equal(L.sl_next, L.sl_serving);
	assert_int_equal(L.sl_owner, 0);
}

static void *try_increment(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;

	wait_for_go();
	for (int i = 0; i < ITERS; i++) {
		while (!t_trylock(&L, id))
			spin_relax();
		critical(id);
		t_unlock(&L);
	}
	return NULL;
}

/* Trylock in a loop against itself: a success excludes exactly as spin_lock does. */
static void test_trylock_excludes(void **state UNUSED)
{
	reset();
	run_threads(try_increment, NTHREADS);
	check_counts((uint64_t)NTHREADS * ITERS);
}

/* Half the threads lock, half trylock: the two paths exclude each other. */
static void *mixed(void *arg)
{
	return (uintptr_t)arg % 2 ? try_increment(arg) : increment(arg);
}

static void test_lock_and_trylock_mixed(void **state UNUSED)
{
	reset();
	run_threads(mixed, NTHREADS);
	check_counts((uint64_t)NTHREADS * ITERS);
}

/* ------------------------------------------------------------ spin_held_by */

static uint32_t seen_holder;	/* atomic: 1 + spin_held_by(&L, 5) as another thread sees it */

static void *ask_held(void *arg UNUSED)
{
	__atomic_store_n(&seen_holder, 1u + spin_held_by(&L, 5), __ATOMIC_RELEASE);
	return NULL;
}

static void test_held_by(void **state UNUSED)
{
	pthread_t t;

	reset();
	assert_false(spin_held_by(&L, 0));	/* nobody: 0 is not "held by id 0" */
	spin_lock(&L, 0);
	assert_true(spin_held_by(&L, 0));
	assert_false(spin_held_by(&L, 5));
	spin_unlock(&L);
	assert_false(spin_held_by(&L, 0));
	/* Another thread asking about itself while we hold it: "not me". */
	spin_lock(&L, 4);
	assert_int_equal(pthread_create(&t, NULL, ask_held, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(__atomic_load_n(&seen_holder, __ATOMIC_ACQUIRE), 1);
	spin_unlock(&L);
	/* The largest id allowed (UINT32_MAX is reserved: id + 1 would be 0). */
	spin_lock(&L, UINT32_MAX - 1);
	assert_true(spin_held_by(&L, UINT32_MAX - 1));
	spin_unlock(&L);
}

/* The BKL's lock (guest_lock: test-and-set, kernel/core/bkl.c): the same exclusion and holder questions. */
static struct guest_lock G;
static uint32_t g_inside, g_overlaps, g_not_held;
static uint64_t g_counter;

static void *guest_increment(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;

	wait_for_go();
	for (int i = 0; i < ITERS; i++) {
		while (!guest_trylock(&G, id))
			spin_relax();
		if (__atomic_fetch_add(&g_inside, 1, __ATOMIC_RELAXED) != 0)
			__atomic_fetch_add(&g_overlaps, 1, __ATOMIC_RELAXED);
		if (!guest_held_by(&G, id))
			__atomic_fetch_add(&g_not_held, 1, __ATOMIC_RELAXED);
		uint64_t v = g_counter;
		spin_relax();
		g_counter = v + 1;
		__atomic_fetch_sub(&g_inside, 1, __ATOMIC_RELAXED);
		guest_unlock(&G);
	}
	return NULL;
}

static void test_guest_lock_exclusion(void **state UNUSED)
{
	memset(&G, 0, sizeof(G));
	g_counter = 0;
	g_inside = g_overlaps = g_not_held = 0;
	run_threads(guest_increment, NTHREADS);
	assert_int_equal(g_overlaps, 0);
	assert_int_equal(g_not_held, 0);
	assert_int_equal(g_counter, (uint64_t)NTHREADS * ITERS);
	assert_int_equal(G.gl_locked, 0);
	assert_int_equal(G.gl_owner, 0);
}

static void test_guest_lock_trylock(void **state UNUSED)
{
	memset(&G, 0, sizeof(G));
	assert_false(guest_held_by(&G, 0));
	assert_true(guest_trylock(&G, 3));
	assert_true(guest_held_by(&G, 3));
	assert_false(guest_held_by(&G, 2));
	assert_false(guest_trylock(&G, 2));	/* held: another id cannot take it */
	assert_false(guest_trylock(&G, 3));	/* nor the holder again: the BKL's "taken twice" check is above it */
	guest_unlock(&G);
	assert_false(guest_held_by(&G, 3));
	assert_true(guest_trylock(&G, 2));
	guest_unlock(&G);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutual_exclusion),
		cmocka_unit_test(test_mutual_exclusion_across_ticket_wrap),
		cmocka_unit_test(test_trylock_excludes),
		cmocka_unit_test(test_lock_and_trylock_mixed),
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_trylock_semantics),
		cmocka_unit_test(test_held_by),
		cmocka_unit_test(test_guest_lock_exclusion),
		cmocka_unit_test(test_guest_lock_trylock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
