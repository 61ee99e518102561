/*
 * kernel/core/kspin.h - a kernel spinlock that comes after the BKL
 * (locking.h L5): the lock of one NVMe controller's broker, the console's.
 *
 * Held with interrupts off, never across a wait for anything but another
 * CPU finishing its own short section.  The spin answers TLB shootdowns
 * (as the BKL's does), so a holder waiting for a shootdown answer cannot
 * deadlock with a CPU waiting for this lock.  Taking it twice on one CPU
 * is a bug that stops the kernel with a line naming the lock.
 */
#ifndef CAPROCK_CORE_KSPIN_H
#define CAPROCK_CORE_KSPIN_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"

/*
 * The lock order (locking.h L5) as ranks: a CPU takes a lock only while it
 * holds none of the same or a higher rank, and the BKL only while it holds
 * none at all.  Checked on every acquisition (one load and a compare).
 */
enum kspin_rank {
	KSPIN_RANK_CTRL = 1,		/* an NVMe controller's broker (one at a time) */
	KSPIN_RANK_CONSOLE = 2,		/* the console: a leaf */
};

struct kspin {
	struct guest_lock ks_lock;	/* test-and-set: see spinlock.h for why in a guest */
	const char *ks_name;
	uint32_t ks_rank;		/* enum kspin_rank */
	uint64_t ks_acquires;		/* under the lock */
	uint64_t ks_contended;
};

#define KSPIN_INIT(name, rank) { GUEST_LOCK_INIT, name, rank, 0, 0 }

void kspin_lock(struct kspin *l);
void kspin_unlock(struct kspin *l);
/* Does this CPU hold it? */
bool kspin_held(const struct kspin *l);
/* Stop with a line unless this CPU holds it (the check is one load). */
void kspin_assert_held(const struct kspin *l);
/* May this CPU take a kspin of this rank now?  (kspin_lock stops if not.) */
bool kspin_order_allows(uint32_t rank);
/* Does this CPU hold any kspin?  (bkl.c: then it may not take the BKL.) */
bool kspin_any_held(void);
/*
 * An interrupt window (irqsoff_window) runs this CPU's handlers nested in
 * a section that may hold a controller's lock (the release audit).  The
 * handlers are a context of their own: the order is checked within it,
 * from no lock held.  Sound because the window's caller holds the BKL, so
 * no other CPU can be waiting for two controller locks, and the handlers
 * cannot reach the controller it holds (off the tick's list, no vectors);
 * taking that one again would still stop as "taken twice".
 */
uint32_t kspin_ranks_stash(void);
void kspin_ranks_restore(uint32_t ranks);

#endif
