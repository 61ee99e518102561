/*
 * kernel/core/log.h - proof lines and error lines on the console.
 *
 * Every event is one line, "subsystem: event key=value ..." (DESIGN.md §2).
 * kerror() lines are also counted: the final "run: complete" line reports
 * the count and a run with errors fails.
 */
#ifndef CAPROCK_CORE_LOG_H
#define CAPROCK_CORE_LOG_H

#include <stddef.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kerror(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void klog_write(const char *s, size_t n);
unsigned int klog_error_count(void);
/* A fault the system survived (lost interrupts served by polling, ...): counted on the run line. */
void klog_recovery(void);
unsigned int klog_recovery_count(void);
void klog_count_error(void);

/* Kernel invariant broken: report and stop.  Never for device, firmware or user input. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define KASSERT(cond) \
	do { \
		if (!(cond)) \
			panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
