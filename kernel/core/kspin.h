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

struct kspin {
	struct guest_lock ks_lock;	/* test-and-set: see spinlock.h for why in a guest */
	const char *ks_name;
	uint64_t ks_acquires;		/* under the lock */
	uint64_t ks_contended;
};

#define KSPIN_INIT(name) { GUEST_LOCK_INIT, name, 0, 0 }

void kspin_lock(struct kspin *l);
void kspin_unlock(struct kspin *l);
/* Does this CPU hold it? */
bool kspin_held(const struct kspin *l);
/* Stop with a line unless this CPU holds it (the check is one load). */
void kspin_assert_held(const struct kspin *l);

#endif
