/*
 * kernel/cap/notification.c - Notification objects and SYS_NOTIFY_WAIT.
 *
 * Signals are bits, so a burst of them costs one wake-up; a wait that finds
 * bits already set returns at once, so none is lost between a process
 * looking at its rings and going to sleep.
 */
#include "kernel/cap/notification.h"

#include "include/abi/cap.h"
#include "include/abi/errors.h"
#include "kernel/cap/invocations.h"
#include "kernel/core/clock.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/proc.h"
#include "kernel/core/sched.h"

/* The longest one wait may last (I7 in kernel/nvme/broker.h): a waiter that wants more waits again. */
#define NOTIFY_WAIT_MAX_NS (3600ull * NSEC_PER_SEC)

static void notification_release(struct kobj *ko)
{
	kfree(ko);
}

struct notification *notification_create(void)
{
	struct notification *n = kmalloc(sizeof(*n));

	if (n)
		n->n_obj = (struct kobj){ CAP_TYPE_NOTIFICATION, 1, notification_release };
	return n;
}

void notification_signal(struct notification *n, uint64_t bits)
{
	if (!bits)
		return;
	n->n_bits |= bits;
	n->n_signals++;
	sched_wakeup(n);
}

/* (notification, timeout_ns) -> bits taken; 0 after the timeout. */
uint64_t notification_wait(struct notification *n, uint64_t timeout_ns)
{
	if (!n->n_bits && timeout_ns) {
		uint64_t deadline = clock_ns() + (timeout_ns < NOTIFY_WAIT_MAX_NS ? timeout_ns : NOTIFY_WAIT_MAX_NS);
		kobj_get(&n->n_obj);	/* outlive the sleep even if the slot is emptied meanwhile */
		while (!n->n_bits && sched_block(n, deadline) == 0 && !proc_current()->p_kill_reason)
			;
		kobj_put(&n->n_obj);
	}
	uint64_t bits = n->n_bits;
	n->n_bits = 0;
	return bits & INT64_MAX;	/* bit 63 is never handed out: results stay non-negative */
}

int64_t sys_notify_wait(const struct syscall_args *a)
{
	const struct cap *c;
	int err = cap_decode(a->a[0], CAP_TYPE_NOTIFICATION, CAP_RIGHT_WAIT, &c);

	if (err)
		return err;
	return (int64_t)notification_wait(c->c_object, a->a[1]);
}
