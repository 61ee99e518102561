/*
 * user/lib/ulib.h - the user-space runtime: system call wrappers and printing.
 */
#ifndef CAPROCK_USER_ULIB_H
#define CAPROCK_USER_ULIB_H

#include <stddef.h>
#include <stdint.h>

#include "include/abi/cap.h"
#include "include/abi/errors.h"
#include "include/abi/start_info.h"
#include "include/abi/syscall.h"

long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
int user_read_cpl(void);
void user_try_hlt(void);

/* Programs define this; its return value is the exit status. */
int main(const struct start_info *si);

/* The slot of the nth capability of type, or -1. */
int start_cap(const struct start_info *si, uint32_t type, uint32_t nth);

__attribute__((noreturn)) void sys_exit(int status);
uint64_t sys_clock_ns(void);
/* Nanoseconds the CPU has sat idle since boot: busy share = 1 - idle / elapsed over a window. */
/* Idle ns summed over the running CPUs; *cpus (if not NULL) gets how many. */
uint64_t sys_cpu_idle_ns(unsigned int *cpus);

/* The CPU's busy share over a benchmark's measured window, from the idle counter at its two ends. */
struct busy_window {
	uint64_t bw_t0, bw_idle0, bw_t1, bw_idle1;
	unsigned int bw_cpus;	/* CPUs the idle time is summed over */
};
/* Call as the loop runs (now: clock_now_ns()); samples once at from and once at to. */
void busy_window_note(struct busy_window *w, uint64_t now, uint64_t from, uint64_t to);
/* Percent busy over all the window's CPUs, or -1 when the window was not seen whole. */
int busy_window_pct(const struct busy_window *w);
/* Monotonic ns, the kernel's clock: a user-mode RDTSC with the kernel's calibration, no system call. */
uint64_t clock_now_ns(void);
int sys_sleep_ns(uint64_t ns);
int sys_cap_info(int slot, struct cap_info *out);

struct block_info;
struct block_map;
struct region_info;
/* The bits that were set (taken), 0 after timeout_ns, or a negative CR_* code. */
int64_t sys_notify_wait(int notification, uint64_t timeout_ns);
int sys_block_info(int dev, struct block_info *out);
int sys_block_map(int dev, struct block_map *out);
int sys_block_attach(int dev, int region);
int sys_block_notify(int dev);
/* Wake dev's provider, then wait on notification (as sys_notify_wait): one crossing. */
int64_t sys_block_notify_wait(int dev, int notification, uint64_t timeout_ns);
int sys_region_map(int region, struct region_info *out);

/* printf to the Console capability found at start; one call = one or more whole lines. */
void uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The raw SYS_LOG result, for tests that expect refusals. */
int ulog_raw(int console_slot, const char *buf, size_t len);
int ulog_console_slot(void);

#endif
