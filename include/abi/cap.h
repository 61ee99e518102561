/*
 * include/abi/cap.h - capability types and rights, as user space sees them.
 *
 * A process names kernel objects only by slot number in its capability
 * table.  No capability and no system call ever yields a host-physical
 * address: device registers are reached through DeviceMmio invocations,
 * DMA memory through a DMAPool mapping plus byte offsets ("handles").
 */
#ifndef CAPROCK_ABI_CAP_H
#define CAPROCK_ABI_CAP_H

#include <stdint.h>

#define CAP_SLOTS 32

enum cap_type {
	CAP_TYPE_NONE = 0,
	CAP_TYPE_CONSOLE = 1,		/* write log lines */
	CAP_TYPE_DEVICE_MMIO = 2,	/* one PCI function's registers: reads, claimed writes, brokered doorbells */
	CAP_TYPE_INTERRUPT = 3,		/* wait for one interrupt vector of a device */
	CAP_TYPE_DMA_POOL = 4,		/* device-reachable memory, named by offset */
	CAP_TYPE_BLOCK_DEVICE = 5,	/* client end of a block session: a namespace or partition */
	CAP_TYPE_NOTIFICATION = 6,	/* a word of signal bits a process waits on */
	CAP_TYPE_REGION = 7,		/* a client's memory it maps and lends to one block session */
	CAP_TYPE_BLOCK_SESSION = 8,	/* provider end of a block session */
	CAP_TYPE_COUNT
};

enum cap_rights {
	CAP_RIGHT_READ = 1u << 0,
	CAP_RIGHT_WRITE = 1u << 1,
	CAP_RIGHT_WAIT = 1u << 2,
	CAP_RIGHT_MAP = 1u << 3,
	CAP_RIGHT_ALL = 0xf,
};

/* What SYS_CAP_INFO reports about a slot. */
struct cap_info {
	uint32_t ci_type;	/* enum cap_type */
	uint32_t ci_rights;	/* enum cap_rights bits */
};
_Static_assert(sizeof(struct cap_info) == 8, "cap_info is 8 bytes");

const char *cap_type_name(uint32_t type);

#endif
