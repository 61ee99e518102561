/*
 * kernel/core/kobj.h - the header every capability-addressable object starts with.
 *
 * Capabilities hold references.  When the last one goes (a process exits or
 * is killed), ko_release runs: a DeviceMmio object, for example, resets its
 * controller there so no DMA outlives the provider that started it.
 */
#ifndef CAPROCK_CORE_KOBJ_H
#define CAPROCK_CORE_KOBJ_H

#include <stdbool.h>
#include <stdint.h>

struct kobj {
	uint32_t ko_type;	/* enum cap_type */
	uint32_t ko_refs;
	void (*ko_release)(struct kobj *ko);	/* NULL: static object */
};

/*
 * Counts are atomic: an NVMe controller's section without the BKL
 * (locking.h L8) takes and drops holds on pools.  A release runs only
 * under the BKL, so that section drops only holds that are not the last
 * (kobj_put_unless_last) and leaves a last one for later.
 */
static inline struct kobj *kobj_get(struct kobj *ko)
{
	__atomic_add_fetch(&ko->ko_refs, 1, __ATOMIC_RELAXED);
	return ko;
}

static inline void kobj_put(struct kobj *ko)
{
	if (__atomic_sub_fetch(&ko->ko_refs, 1, __ATOMIC_ACQ_REL) == 0 && ko->ko_release)
		ko->ko_release(ko);
}

/* Drop a hold unless it is the last one; false: nothing was done, the caller still has it. */
static inline bool kobj_put_unless_last(struct kobj *ko)
{
	uint32_t refs = __atomic_load_n(&ko->ko_refs, __ATOMIC_RELAXED);

	while (refs > 1) {
		if (__atomic_compare_exchange_n(&ko->ko_refs, &refs, refs - 1, true, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}

#endif
