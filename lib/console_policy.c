/*
 * lib/console_policy.c - the process line allow-list (see header).
 */
#include "lib/console_policy.h"

#include "lib/string.h"

/* subsystem, event ("*": every event of a subsystem the kernel never writes) */
static const struct { const char *subsys, *event; } process_events[] = {
	{ "provider", "*" },
	{ "client", "*" },
	{ "bench", "*" },
	{ "user", "*" },		/* the ring-3 self-test programs */
	{ "selftest", "hostile" },
	{ "selftest", "hostile-client" },
	{ "nvme", "bound" },		/* the provider's view of bring-up */
	{ "nvme", "admin" },		/* its admin completions and their errors */
	{ "nvme", "namespaces" },
	{ "nvme", "namespace" },
	{ "nvme", "read" },		/* read ok / read error: the I/O it asked for */
	{ "nvme", "write" },
	{ "nvme", "flush" },
	{ "nvme", "zeroes" },
	{ "nvme", "trim" },
	{ "nvme", "command" },		/* its timeouts and recoveries */
	{ "nvme", "bench" },
};

static bool span_eq(const char *p, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return n == k && memcmp(p, lit, k) == 0;
}

static bool is_subsys_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}

bool console_process_line_allowed(const char *line, size_t n, const char **why)
{
	size_t s = 0;

	while (s < n && is_subsys_char(line[s]))
		s++;
	if (s == 0 || s + 1 >= n || line[s] != ':' || line[s + 1] != ' ') {
		*why = "not-subsystem-event-form";
		return false;
	}
	size_t e0 = s + 2, e = e0;
	while (e < n && line[e] != ' ')
		e++;
	for (size_t i = e0; i + 4 <= n; i++) {
		if ((i == 0 || line[i - 1] == ' ') && memcmp(line + i, "pid=", 4) == 0) {
			*why = "pid-key-is-the-kernels";
			return false;
		}
	}
	for (size_t i = 0; i < sizeof(process_events) / sizeof(process_events[0]); i++) {
		if (!span_eq(line, s, process_events[i].subsys))
			continue;
		if (process_events[i].event[0] == '*' || span_eq(line + e0, e - e0, process_events[i].event))
			return true;
	}
	*why = "kernel-event";
	return false;
}
