/*
 * kernel/core/log_buffer.h - console output deferred to the ends of
 * interrupts-off stretches.
 *
 * Under TCG each byte to the UART costs two port exits, a 130-byte line
 * about half a millisecond; printed where it is formatted, a burst of
 * lines (a refusal flood, a provider's own log) kept interrupts off for
 * milliseconds.  Once the scheduler runs, lines go into a ring in order
 * and are written out where a stretch ends (return to user, the idle
 * halt), while the stretch is younger than LOG_DRAIN_US and the UART's
 * FIFO has room (a slow reader is not waited for with interrupts off);
 * the idle loop keeps draining between interrupt windows.  Nothing is dropped: a full
 * ring is drained on the spot, and counted.  Before the scheduler, and
 * from a panic or the final power-off on, output is written at once.
 */
#ifndef CAPROCK_CORE_LOG_BUFFER_H
#define CAPROCK_CORE_LOG_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_BUFFER_BYTES	(64u * 1024)
#define LOG_DRAIN_US		600	/* console bytes go out until the stretch is this old */

/* Queue s (or write it at once when not deferring). */
void log_buffer_write(const char *s, size_t n);
/* From now on queue output (the scheduler is about to run). */
void log_buffer_defer(void);
/* Write queued bytes while the open stretch is younger than LOG_DRAIN_US (at least one chunk). */
void log_buffer_drain(void);
bool log_buffer_pending(void);
/* Write everything queued and stop deferring (panic, power-off). */
void log_buffer_flush(void);
/* A panic, the other CPUs stopped: the console lock is this CPU's whoever held it. */
void log_buffer_take_over(void);
/* Times a full ring made a writer wait for the UART. */
uint64_t log_buffer_full_waits(void);

#endif
