/*
 * kernel/cap/notification.h - the Notification object (seL4's notification):
 * a word of bits that signallers OR in and one waiter takes and clears.
 */
#ifndef CAPROCK_CAP_NOTIFICATION_H
#define CAPROCK_CAP_NOTIFICATION_H

#include <stdint.h>

#include "kernel/core/kobj.h"

struct notification {
	struct kobj n_obj;
	uint64_t n_bits;		/* signalled and not yet taken */
	uint64_t n_signals;		/* for reports */
};

/* A new notification with one reference; NULL when out of memory. */
struct notification *notification_create(void);
/* OR bits in and wake a waiter (any context; never blocks). */
void notification_signal(struct notification *n, uint64_t bits);
/* Block until a bit is set or timeout_ns passes (0: do not block); take and clear the bits. */
uint64_t notification_wait(struct notification *n, uint64_t timeout_ns);

#endif
