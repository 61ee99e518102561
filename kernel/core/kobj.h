/*
 * kernel/core/kobj.h - the header every capability-addressable object starts with.
 *
 * Capabilities hold references.  When the last one goes (a process exits or
 * is killed), ko_release runs: a DeviceMmio object, for example, resets its
 * controller there so no DMA outlives the provider that started it.
 */
#ifndef CAPROCK_CORE_KOBJ_H
#define CAPROCK_CORE_KOBJ_H

#include <stdint.h>

struct kobj {
	uint32_t ko_type;	/* enum cap_type */
	uint32_t ko_refs;
	void (*ko_release)(struct kobj *ko);	/* NULL: static object */
};

static inline struct kobj *kobj_get(struct kobj *ko)
{
	ko->ko_refs++;
	return ko;
}

static inline void kobj_put(struct kobj *ko)
{
	if (--ko->ko_refs == 0 && ko->ko_release)
		ko->ko_release(ko);
}

#endif
