/*
 * kernel/core/syscall.h - system call dispatch.
 */
#ifndef CAPROCK_CORE_SYSCALL_H
#define CAPROCK_CORE_SYSCALL_H

#include <stdint.h>

#include "kernel/arch/x86_64/trap.h"
#include "lib/cap_table.h"

/* Arguments as the ABI passes them (include/abi/syscall.h). */
struct syscall_args {
	uint64_t a[6];
};

typedef int64_t (*syscall_handler)(const struct syscall_args *args);

void syscall_dispatch(struct trap_frame *tf);
/* "nvme_ring_wait", or "unknown". */
const char *syscall_name(uint64_t nr);

/* The "decode" step every object invocation starts with, on the current process. */
int cap_decode(uint64_t slot, uint32_t type, uint32_t rights, const struct cap **out);

#endif
