/*
 * kernel/cap/interrupt.c - Interrupt capability: SYS_IRQ_WAIT.
 *
 * The manager handles the CPU interrupt itself (on the brokered lane it
 * must first move completions into the provider's queue) and then signals
 * this object; the waiting process wakes with reason=interrupt.  A wait
 * that finds signals already pending returns at once, so none is lost
 * between a process checking its queue and going to sleep.
 */
#include "kernel/cap/interrupt.h"

#include "include/abi/cap.h"
#include "include/abi/device.h"
#include "include/abi/errors.h"
#include "kernel/cap/invocations.h"
#include "kernel/cap/notification.h"
#include "kernel/core/clock.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/proc.h"
#include "kernel/core/sched.h"

/* The longest one wait may last; a provider that wants longer waits again (I7). */
#define IRQ_WAIT_MAX_NS (3600ull * NSEC_PER_SEC)

static void irq_object_release(struct kobj *ko)
{
	struct irq_object *o = (struct irq_object *)ko;

	if (o->io_notify)
		kobj_put(&o->io_notify->n_obj);
	kfree(ko);
}

void irq_object_bind(struct irq_object *o, struct notification *n, uint64_t bits)
{
	if (o->io_notify)
		kobj_put(&o->io_notify->n_obj);
	o->io_notify = n ? (struct notification *)kobj_get(&n->n_obj) : NULL;
	o->io_notify_bits = bits;
}

struct irq_object *irq_object_create(uint32_t index, uint32_t cpu_vector, uint32_t kind)
{
	struct irq_object *o = kmalloc(sizeof(*o));

	if (!o)
		return NULL;
	o->io_obj = (struct kobj){ CAP_TYPE_INTERRUPT, 1, irq_object_release };
	o->io_index = index;
	o->io_cpu_vector = cpu_vector;
	o->io_kind = kind;
	return o;
}

void irq_object_signal(struct irq_object *o)
{
	o->io_pending++;
	o->io_total++;
	sched_wakeup(o);
	if (o->io_notify)
		notification_signal(o->io_notify, o->io_notify_bits);
}

/* (irq, timeout_ns, out): timeout 0 polls; longer than an hour is an hour. */
uint64_t irq_object_wait(struct irq_object *o, uint64_t timeout_ns)
{
	if (!o->io_pending && timeout_ns) {
		uint64_t deadline = clock_ns() + (timeout_ns < IRQ_WAIT_MAX_NS ? timeout_ns : IRQ_WAIT_MAX_NS);
		/* Hold a reference: the object must outlive this sleep even if the slot is emptied. */
		kobj_get(&o->io_obj);
		sched_block(o, deadline);
		kobj_put(&o->io_obj);
	}
	uint64_t taken = o->io_pending;
	o->io_pending = 0;
	return taken;
}

int64_t sys_irq_wait(const struct syscall_args *a)
{
	const struct cap *c;
	int err = cap_decode(a->a[0], CAP_TYPE_INTERRUPT, CAP_RIGHT_WAIT, &c);

	if (err)
		return err;
	struct irq_object *o = c->c_object;
	struct irq_wait_result r = { IRQ_WAIT_TIMEOUT, o->io_index, o->io_kind, o->io_cpu_vector, 0 };
	uint64_t taken = irq_object_wait(o, a->a[1]);
	if (taken) {
		r.iw_reason = IRQ_WAIT_INTERRUPT;
		r.iw_count = taken;
	}
	return copy_to_user(a->a[2], &r, sizeof(r));
}
