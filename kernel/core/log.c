/*
 * kernel/core/log.c - formatted console output and the error count.
 */
#include "kernel/core/log.h"

#include <stdarg.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/log_buffer.h"
#include "kernel/core/power.h"
#include "lib/fmt.h"

#define LOG_LINE_MAX 1024

static unsigned int error_count;

void klog_write(const char *s, size_t n)
{
	log_buffer_write(s, n);
}

static void vlog(const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n = fmt_vsnprintf(line, sizeof(line) - 1, fmt, ap);

	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	klog_write(line, (size_t)n);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void kerror(const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(&error_count, 1, __ATOMIC_RELAXED);	/* also from a section without the BKL */
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void klog_count_error(void)
{
	__atomic_add_fetch(&error_count, 1, __ATOMIC_RELAXED);
}

static unsigned int recovery_count;

void klog_recovery(void)
{
	recovery_count++;
}

unsigned int klog_recovery_count(void)
{
	return recovery_count;
}

unsigned int klog_error_count(void)
{
	return __atomic_load_n(&error_count, __ATOMIC_RELAXED);
}

void panic(const char *fmt, ...)
{
	char msg[LOG_LINE_MAX - 32];
	va_list ap;

	irq_disable();
	/* One CPU reports; any other that panics meanwhile is being stopped by it. */
	if (!smp_panic_claim())
		smp_stop_self();
	bool others = smp_cpus_online() > 1;
	(void)smp_stop_others();	/* names any CPU that did not stop */
	log_buffer_take_over();
	log_buffer_flush();	/* what led here first, then the panic at once */
	if (others)
		klog_write("\n", 1);	/* a stopped CPU may have left half a line */
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("panic: %s cpu=%u", msg, smp_this_cpu_index());
	trap_print_backtrace(read_rbp());
	__atomic_add_fetch(&error_count, 1, __ATOMIC_RELAXED);
	power_off_after_run(false);
}
