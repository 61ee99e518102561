/*
 * user/lib/ulib.c - system call wrappers and formatted output for user programs.
 */
#include "user/lib/ulib.h"

#include <stdarg.h>

#include "lib/fmt.h"

static int console_slot = -1;
static struct start_clock tsc_clock;

int user_main_entry(const struct start_info *si);

int user_main_entry(const struct start_info *si)
{
	if (si->si_magic != START_INFO_MAGIC)
		return 127;
	console_slot = start_cap(si, CAP_TYPE_CONSOLE, 0);
	tsc_clock = si->si_clock;
	return main(si);
}

int start_cap(const struct start_info *si, uint32_t type, uint32_t nth)
{
	for (uint32_t i = 0; i < si->si_ncaps && i < CAP_SLOTS; i++) {
		if (si->si_caps[i].sc_type == type && si->si_caps[i].sc_index == nth)
			return (int)si->si_caps[i].sc_slot;
	}
	return -1;
}

void sys_exit(int status)
{
	syscall6(SYS_EXIT, status, 0, 0, 0, 0, 0);
	for (;;)
		;
}

uint64_t sys_clock_ns(void)
{
	return (uint64_t)syscall6(SYS_CLOCK_NS, 0, 0, 0, 0, 0, 0);
}

uint64_t sys_cpu_idle_ns(unsigned int *cpus)
{
	uint32_t n = 1;
	int64_t r = syscall6(SYS_CPU_IDLE_NS, (long)&n, 0, 0, 0, 0, 0);

	if (cpus)
		*cpus = n ? n : 1;
	return r < 0 ? 0 : (uint64_t)r;
}

uint64_t clock_now_ns(void)
{
	uint32_t lo, hi;

	if (!tsc_clock.sc_valid)
		return sys_clock_ns();
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	uint64_t ticks = ((uint64_t)hi << 32 | lo) - tsc_clock.sc_tsc_start;
	return (uint64_t)(((unsigned __int128)ticks * tsc_clock.sc_mult) >> 32);
}

int sys_sleep_ns(uint64_t ns)
{
	return (int)syscall6(SYS_SLEEP_NS, (long)ns, 0, 0, 0, 0, 0);
}

int sys_cap_info(int slot, struct cap_info *out)
{
	return (int)syscall6(SYS_CAP_INFO, slot, (long)out, 0, 0, 0, 0);
}

int64_t sys_notify_wait(int notification, uint64_t timeout_ns)
{
	return syscall6(SYS_NOTIFY_WAIT, notification, (long)timeout_ns, 0, 0, 0, 0);
}

int sys_block_info(int dev, struct block_info *out)
{
	return (int)syscall6(SYS_BLOCK_INFO, dev, (long)out, 0, 0, 0, 0);
}

int sys_block_map(int dev, struct block_map *out)
{
	return (int)syscall6(SYS_BLOCK_MAP, dev, (long)out, 0, 0, 0, 0);
}

int sys_block_attach(int dev, int region)
{
	return (int)syscall6(SYS_BLOCK_ATTACH, dev, region, 0, 0, 0, 0);
}

int sys_block_notify(int dev)
{
	return (int)syscall6(SYS_BLOCK_NOTIFY, dev, 0, 0, 0, 0, 0);
}

int64_t sys_block_notify_wait(int dev, int notification, uint64_t timeout_ns)
{
	return syscall6(SYS_BLOCK_NOTIFY, dev, notification + 1, (long)timeout_ns, 0, 0, 0);
}

int sys_region_map(int region, struct region_info *out)
{
	return (int)syscall6(SYS_REGION_MAP, region, (long)out, 0, 0, 0, 0);
}

int ulog_raw(int slot, const char *buf, size_t len)
{
	return (int)syscall6(SYS_LOG, slot, (long)buf, (long)len, 0, 0, 0);
}

int ulog_console_slot(void)
{
	return console_slot;
}

void uprintf(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (console_slot >= 0)
		ulog_raw(console_slot, line, (size_t)n);
}

void busy_window_note(struct busy_window *w, uint64_t now, uint64_t from, uint64_t to)
{
	if (!w->bw_t0 && now >= from) {
		w->bw_t0 = now;
		w->bw_idle0 = sys_cpu_idle_ns(&w->bw_cpus);
	} else if (w->bw_t0 && !w->bw_t1 && now >= to) {
		w->bw_t1 = now;
		w->bw_idle1 = sys_cpu_idle_ns(NULL);
	}
}

int busy_window_pct(const struct busy_window *w)
{
	uint64_t span = (w->bw_t1 - w->bw_t0) * (w->bw_cpus ? w->bw_cpus : 1), idle = w->bw_idle1 - w->bw_idle0;

	if (!w->bw_t1 || !span)
		return -1;
	return idle >= span ? 0 : (int)((span - idle) * 100 / span);
}
