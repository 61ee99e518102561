/*
 * lib/fmt.h - printf-style formatting into a bounded buffer.
 *
 * Supports %c %s %d %i %u %x %X %p %% with the flags '-' and '0', a field
 * width, a precision for strings ("%.*s") and the length modifiers hh, h, l,
 * ll, z.  Output is always NUL-terminated when size > 0; the return value is
 * the length the full output would have had (like C99 vsnprintf).
 */
#ifndef CAPROCK_LIB_FMT_H
#define CAPROCK_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
