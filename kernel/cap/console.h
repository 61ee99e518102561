/*
 * kernel/cap/console.h - the Console object: user processes' log lines.
 */
#ifndef CAPROCK_CAP_CONSOLE_H
#define CAPROCK_CAP_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/core/kobj.h"

extern struct kobj console_object;

/* True if a user line would impersonate a kernel subsystem's proof line. */
bool console_line_reserved(const char *line, size_t n);

#endif
