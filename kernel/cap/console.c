/*
 * kernel/cap/console.c - Console capability: write log lines.
 *
 * User processes print their own proof lines ("nvme: read ok ..."), but
 * the kernel's subsystems ("run:", "dma:", "pci:" ...) are the kernel's
 * alone: a line that would impersonate one is refused and reported, so a
 * compromised provider cannot forge the verdict a test reads.
 */
#include "kernel/cap/console.h"

#include "include/abi/cap.h"
#include "include/abi/errors.h"
#include "kernel/cap/invocations.h"
#include "kernel/core/log.h"
#include "kernel/core/proc.h"
#include "lib/string.h"

#define LOG_MAX 1024

struct kobj console_object = { CAP_TYPE_CONSOLE, 1, NULL };

static const char *const reserved_prefixes[] = {
	"run:", "dma:", "pci:", "acpi:", "apic:", "boot:", "clock:", "cmdline:", "console:",
	"irq:", "mem:", "panic:", "power:", "proc:", "trap:", "kernel:", "manager:", "iommu:",
};

bool console_line_reserved(const char *line, size_t n)
{
	for (unsigned i = 0; i < sizeof(reserved_prefixes) / sizeof(reserved_prefixes[0]); i++) {
		size_t k = strlen(reserved_prefixes[i]);
		if (n >= k && memcmp(line, reserved_prefixes[i], k) == 0)
			return true;
	}
	return false;
}

int64_t sys_log(const struct syscall_args *a)
{
	const struct cap *c;
	char buf[LOG_MAX];
	size_t len = a->a[2];
	int err = cap_decode(a->a[0], CAP_TYPE_CONSOLE, CAP_RIGHT_WRITE, &c);

	if (err)
		return err;
	if (len > LOG_MAX)
		return CR_EINVAL;
	if ((err = copy_from_user(buf, a->a[1], len)) < 0)
		return err;

	/* perform: one console line per '\n'-separated piece, control bytes made visible */
	struct proc *p = proc_current();
	size_t start = 0;
	int result = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && buf[i] != '\n') {
			if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
				buf[i] = '?';
			continue;
		}
		size_t n = i - start;
		if (n && console_line_reserved(buf + start, n)) {
			kprintf("console: refused forged line pid=%d name=%s text=\"%.*s\"", p->p_pid,
			       p->p_name, (int)(n > 60 ? 60 : n), buf + start);
			result = CR_EPERM;
		} else if (n)
			kprintf("%.*s", (int)n, buf + start);
		start = i + 1;
	}
	return result;
}
