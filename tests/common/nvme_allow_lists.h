/*
 * tests/common/nvme_allow_lists.h - the opcode allow-lists the broker must
 * enforce, written out independently of lib/nvme_broker_check.c so the host
 * tests and the fuzzer check the library against one expectation.
 */
#ifndef CAPROCK_TESTS_NVME_ALLOW_LISTS_H
#define CAPROCK_TESTS_NVME_ALLOW_LISTS_H

#include <stdbool.h>

#include "lib/nvme_reg.h"

static inline bool admin_allowed(unsigned opc)
{
	switch (opc) {
	case NVME_ADMIN_DELETE_SQ: case NVME_ADMIN_CREATE_SQ: case NVME_ADMIN_GET_LOG_PAGE:
	case NVME_ADMIN_DELETE_CQ: case NVME_ADMIN_CREATE_CQ: case NVME_ADMIN_IDENTIFY:
	case NVME_ADMIN_ABORT: case NVME_ADMIN_SET_FEATURES: case NVME_ADMIN_GET_FEATURES:
	case NVME_ADMIN_ASYNC_EVENT: case NVME_ADMIN_KEEP_ALIVE:
		return true;
	}
	return false;
}

static inline bool io_allowed(unsigned opc)
{
	switch (opc) {
	case NVME_CMD_FLUSH: case NVME_CMD_WRITE: case NVME_CMD_READ: case NVME_CMD_WRITE_UNCOR:
	case NVME_CMD_COMPARE: case NVME_CMD_WRITE_ZEROES: case NVME_CMD_DSM: case NVME_CMD_VERIFY:
		return true;
	}
	return false;
}

#endif
