/*
 * kernel/cap/console.c - Console capability: write log lines.
 *
 * Processes print their own observations ("nvme: read ok ..."), but every
 * other event belongs to the kernel (lib/console_policy.c): a line that
 * would pass for one is refused, so a compromised process cannot forge the
 * lines tests read.  Each accepted line gets the writer's " pid=N"
 * appended by the kernel.  Refusal lines are rate-limited, so a process
 * cannot flood the console through them.
 */
#include "kernel/cap/console.h"

#include "include/abi/cap.h"
#include "include/abi/errors.h"
#include "kernel/cap/invocations.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/core/proc.h"
#include "lib/console_policy.h"
#include "lib/ratelimit.h"

#define LOG_MAX 1024

struct kobj console_object = { CAP_TYPE_CONSOLE, 1, NULL };

static struct ratelimit refusal_log = RATELIMIT_INIT(64, 8);

static void refuse_line(const struct proc *p, const char *line, size_t n, const char *why)
{
	char shown[61];
	size_t k = n < sizeof(shown) - 1 ? n : sizeof(shown) - 1;

	if (!ratelimit_allow(&refusal_log, clock_ns()))
		return;
	uint64_t held = ratelimit_take_suppressed(&refusal_log);
	if (held)
		kprintf("console: refusals suppressed count=%lu", held);
	for (size_t i = 0; i < k; i++)	/* quoted: its own quotes must not end the value */
		shown[i] = line[i] == '"' ? '\'' : line[i];
	shown[k] = 0;
	kprintf("console: refused line pid=%d name=%s reason=%s text=\"%s\"", p->p_pid, p->p_name, why, shown);
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

	/* perform: one console line per '\n'-separated piece, control bytes and quotes made visible */
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
		const char *why;
		if (n && !console_process_line_allowed(buf + start, n, &why)) {
			refuse_line(p, buf + start, n, why);
			result = CR_EPERM;
		} else if (n) {
			kprintf("%.*s pid=%d", (int)n, buf + start, p->p_pid);
		}
		start = i + 1;
	}
	return result;
}
