/*
 * kernel/core/log.c - formatted console output and the error count.
 */
#include "kernel/core/log.h"

#include <stdarg.h>

#include "kernel/arch/x86_64/cpu.h"
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

	error_count++;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void klog_count_error(void)
{
	error_count++;
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
	return error_count;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	irq_disable();
	log_buffer_flush();	/* what led here first, then the panic at once */
	klog_write("panic: ", 7);
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	trap_print_backtrace(read_rbp());
	error_count++;
	power_off_after_run(false);
}
