/*
 * lib/spinlock.h - a ticket spinlock, the kernel's one locking primitive.
 *
 * Tickets make the lock fair: CPUs get it in the order they asked, so no
 * CPU starves behind a faster one (a plain test-and-set lock does not
 * promise that).  Written on the compiler's __atomic builtins only, so the
 * same code builds freestanding for the kernel and hosted for the
 * concurrency tests, where ThreadSanitizer checks it
 * (tests/host/test_spinlock_threads.c).
 *
 * sl_owner records who holds the lock (an opaque id + 1; 0 = nobody), for
 * assertions and for "do I already hold it" questions; it is written only
 * by the holder, read by anyone (relaxed), so a reader other than the
 * holder learns only "not me".
 */
#ifndef CAPROCK_LIB_SPINLOCK_H
#define CAPROCK_LIB_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	uint32_t sl_next;	/* next ticket to hand out */
	uint32_t sl_serving;	/* ticket that may enter */
	uint32_t sl_owner;	/* holder's id + 1, 0 when free */
	uint32_t sl_pad;
};

#define SPINLOCK_INIT { 0, 0, 0, 0 }

#if defined(__x86_64__) || defined(__i386__)
static inline void spin_relax(void) { __asm__ volatile("pause" : : : "memory"); }
#else
static inline void spin_relax(void) { __asm__ volatile("" : : : "memory"); }
#endif

/* Take l for holder `id` (any number but UINT32_MAX); spins until it is ours. */
static inline void spin_lock(struct spinlock *l, uint32_t id)
{
	uint32_t me = __atomic_fetch_add(&l->sl_next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->sl_serving, __ATOMIC_ACQUIRE) != me)
		spin_relax();
	__atomic_store_n(&l->sl_owner, id + 1, __ATOMIC_RELAXED);
}

/* Take l only if nobody holds or waits for it. */
static inline bool spin_trylock(struct spinlock *l, uint32_t id)
{
	uint32_t serving = __atomic_load_n(&l->sl_serving, __ATOMIC_ACQUIRE);
	uint32_t expected = serving;

	if (!__atomic_compare_exchange_n(&l->sl_next, &expected, serving + 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	__atomic_store_n(&l->sl_owner, id + 1, __ATOMIC_RELAXED);
	return true;
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->sl_owner, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->sl_serving, __atomic_load_n(&l->sl_serving, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

/* Does holder id hold l?  (Exact for the asking holder itself.) */
static inline bool spin_held_by(const struct spinlock *l, uint32_t id)
{
	return __atomic_load_n(&l->sl_owner, __ATOMIC_RELAXED) == id + 1;
}

/* For the holder: does anyone wait behind it? */
static inline bool spin_has_waiters(const struct spinlock *l)
{
	return __atomic_load_n(&l->sl_next, __ATOMIC_RELAXED) - __atomic_load_n(&l->sl_serving, __ATOMIC_RELAXED) > 1;
}

/*
 * A test-and-test-and-set lock: whoever is running when the lock comes
 * free takes it.  For the kernel as a guest: a ticket lock hands the lock
 * to the next CPU in line even when the hypervisor has descheduled that
 * vCPU, and every CPU behind it waits for the host to run it again
 * (lock-waiter preemption; Linux falls back to test-and-set in guests
 * without paravirtual spinlocks for the same reason, virt_spin_lock).
 * Not fair by itself: kernel/core/bkl.c bounds how long a CPU can lose.
 */
struct guest_lock {
	uint32_t gl_locked;
	uint32_t gl_owner;	/* holder's id + 1, 0 when free */
};

#define GUEST_LOCK_INIT { 0, 0 }

static inline bool guest_trylock(struct guest_lock *l, uint32_t id)
{
	if (__atomic_load_n(&l->gl_locked, __ATOMIC_RELAXED) ||
	    __atomic_exchange_n(&l->gl_locked, 1, __ATOMIC_ACQUIRE))
		return false;
	__atomic_store_n(&l->gl_owner, id + 1, __ATOMIC_RELAXED);
	return true;
}

static inline void guest_unlock(struct guest_lock *l)
{
	__atomic_store_n(&l->gl_owner, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->gl_locked, 0, __ATOMIC_RELEASE);
}

static inline bool guest_held_by(const struct guest_lock *l, uint32_t id)
{
	return __atomic_load_n(&l->gl_owner, __ATOMIC_RELAXED) == id + 1;
}

#endif
