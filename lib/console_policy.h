/*
 * lib/console_policy.h - which console lines a process may write.
 *
 * Tests and people read the console as "subsystem: event key=value".  The
 * kernel owns every event except the few listed here as a process's own
 * (what a provider or client observed: its reads and writes, its bring-up,
 * its benchmark, its hostile self-test).  A process line naming any other
 * event is refused, so nothing a process writes can pass for a line the
 * kernel wrote; the kernel then attributes each accepted line by
 * appending " pid=N", so a process may not write a pid= key itself.
 */
#ifndef CAPROCK_LIB_CONSOLE_POLICY_H
#define CAPROCK_LIB_CONSOLE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* May a process write this one line (no newline in it)?  If not, *why says why. */
bool console_process_line_allowed(const char *line, size_t n, const char **why);

#endif
