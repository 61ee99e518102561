/*
 * kernel/core/log_buffer.c - console output deferred to the ends of
 * interrupts-off stretches (see log_buffer.h).
 *
 * Under the console lock, interrupts off whenever this runs (locking.h
 * L8: a leaf lock, so a CPU in an NVMe controller's section without the
 * BKL can still log); a panic takes the lock over after stopping the
 * other CPUs, whatever one of them held.
 */
#include "kernel/core/log_buffer.h"

#include "kernel/arch/x86_64/uart.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/kspin.h"

#define CHUNK 8		/* bytes between checks: with a CR before each LF, a 16550's FIFO */

static char ring[LOG_BUFFER_BYTES];
static uint32_t ring_head;		/* next byte to write out; free-running */
static uint32_t ring_tail;		/* next free byte; free-running */
static struct kspin console = KSPIN_INIT("console", KSPIN_RANK_CONSOLE);
static bool shared;		/* from log_buffer_defer on, sections without the BKL may write: lock */
static bool deferring;
static uint64_t full_waits;

/* Write out up to n queued bytes (contiguous pieces of the ring). */
static void write_out(uint32_t n)
{
	while (n) {
		uint32_t at = ring_head % LOG_BUFFER_BYTES;
		uint32_t piece = LOG_BUFFER_BYTES - at < n ? LOG_BUFFER_BYTES - at : n;
		uart_write(ring + at, piece);
		ring_head += piece;
		n -= piece;
	}
}

static uint32_t queued(void)
{
	return ring_tail - ring_head;
}

static void write_locked(const char *s, size_t n)
{
	if (!deferring) {
		uart_write(s, n);
		return;
	}
	while (n) {
		if (queued() == LOG_BUFFER_BYTES) {
			full_waits++;	/* order over latency: the writer pays for the UART */
			write_out(LOG_BUFFER_BYTES / 4);
		}
		uint32_t room = LOG_BUFFER_BYTES - queued();
		uint32_t take = n < room ? (uint32_t)n : room;
		for (uint32_t i = 0; i < take; i++)
			ring[(ring_tail + i) % LOG_BUFFER_BYTES] = s[i];
		ring_tail += take;
		s += take;
		n -= take;
	}
}

/* Before the scheduler starts (the boot, under the BKL, before per-CPU state exists) there is nobody to lock out. */
static void lock(void)
{
	if (shared)
		kspin_lock(&console);
}

static void unlock(void)
{
	if (shared)
		kspin_unlock(&console);
}

void log_buffer_write(const char *s, size_t n)
{
	lock();
	write_locked(s, n);
	unlock();
}

void log_buffer_defer(void)
{
	shared = true;
	lock();
	deferring = true;
	unlock();
}

void log_buffer_drain(void)
{
	if (!log_buffer_pending())
		return;		/* nothing queued: no need for the lock */
	lock();
	/* A UART still busy with the last chunk (its reader is slow) is not waited for: the rest goes later. */
	for (unsigned chunks = 0; queued() && irqsoff_may_take_us(LOG_DRAIN_US, chunks, UINT32_MAX) && uart_tx_empty();
	     chunks++)
		write_out(queued() < CHUNK ? queued() : CHUNK);
	unlock();
}

bool log_buffer_pending(void)
{
	/* A hint without the lock: the writer's CPU may be adding to it right now. */
	return __atomic_load_n(&ring_tail, __ATOMIC_RELAXED) != __atomic_load_n(&ring_head, __ATOMIC_RELAXED);
}

void log_buffer_flush(void)
{
	lock();
	write_out(queued());
	deferring = false;
	unlock();
}

void log_buffer_take_over(void)
{
	if (!shared)
		return;
	if (kspin_held(&console))
		kspin_unlock(&console);	/* this CPU panicked while writing: the line it wrote is cut */
	guest_unlock(&console.ks_lock);	/* the other CPUs are stopped; one may have held it */
}

uint64_t log_buffer_full_waits(void)
{
	return full_waits;
}
