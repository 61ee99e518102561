/*
 * kernel/cap/interrupt.h - the Interrupt object: one device vector a process can wait on.
 */
#ifndef CAPROCK_CAP_INTERRUPT_H
#define CAPROCK_CAP_INTERRUPT_H

#include <stdint.h>

#include "kernel/core/kobj.h"

struct notification;

struct irq_object {
	struct kobj io_obj;
	uint32_t io_index;		/* the device's vector number (MSI-X entry) */
	uint32_t io_cpu_vector;		/* IDT vector */
	uint32_t io_kind;		/* enum irq_kind */
	uint64_t io_pending;		/* signals not yet consumed by a wait */
	uint64_t io_total;		/* signals since creation */
	struct notification *io_notify;	/* also signalled with io_notify_bits, if set (a provider's inbox) */
	uint64_t io_notify_bits;
};

struct irq_object *irq_object_create(uint32_t index, uint32_t cpu_vector, uint32_t kind);
/* Also signal n with bits on every interrupt (NULL: stop); holds a reference to n. */
void irq_object_bind(struct irq_object *o, struct notification *n, uint64_t bits);
/* Record one interrupt and wake a waiter (called from interrupt context). */
void irq_object_signal(struct irq_object *o);
/* Block until a signal is pending or timeout_ns passes (0: do not block); take and return the count. */
uint64_t irq_object_wait(struct irq_object *o, uint64_t timeout_ns);

#endif
