/*
 * include/abi/start_info.h - what a new process finds at start.
 *
 * The kernel maps one read-only page at a fixed address and passes its
 * address in RDI to _start: the process's own pid, the capabilities it was
 * granted (slot, type, rights), an opaque argument block whose layout
 * belongs to the program (e.g. include/abi/nvme_provider.h), and the
 * kernel's TSC calibration, so that a timestamp is a user-mode RDTSC and
 * not a system call (ns = ((rdtsc() - sc_tsc_start) * sc_mult) >> 32, the
 * kernel's own clock_ns()).
 */
#ifndef CAPROCK_ABI_START_INFO_H
#define CAPROCK_ABI_START_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "include/abi/cap.h"

#define START_INFO_MAGIC	0x43505253u	/* "SRPC" */
#define START_INFO_ARGS_MAX	3072

struct start_cap {
	uint32_t sc_slot;
	uint32_t sc_type;
	uint32_t sc_rights;
	uint32_t sc_index;	/* nth capability of this type granted (e.g. interrupt vector 0, 1) */
};
_Static_assert(sizeof(struct start_cap) == 16, "start_cap layout is ABI");

struct start_clock {
	uint64_t sc_tsc_start;
	uint64_t sc_mult;
	uint32_t sc_valid;	/* 0: no calibrated TSC; use SYS_CLOCK_NS */
	uint32_t sc_reserved;
};
_Static_assert(sizeof(struct start_clock) == 24, "start_clock layout is ABI");

struct start_info {
	uint32_t si_magic;
	uint32_t si_pid;
	uint32_t si_ncaps;
	uint32_t si_args_len;
	struct start_cap si_caps[CAP_SLOTS];
	uint8_t si_args[START_INFO_ARGS_MAX];
	struct start_clock si_clock;
};
_Static_assert(sizeof(struct start_info) <= 4096, "start info fits one page");
_Static_assert(offsetof(struct start_info, si_clock) == 16 + 16 * CAP_SLOTS + START_INFO_ARGS_MAX,
	       "start_info.si_clock");
_Static_assert(offsetof(struct start_info, si_caps) == 16, "start_info.si_caps");
_Static_assert(offsetof(struct start_info, si_args) == 16 + 16 * CAP_SLOTS, "start_info.si_args");

#endif
