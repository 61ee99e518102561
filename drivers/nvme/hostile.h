/*
 * drivers/nvme/hostile.h - selftest=hostile's shared verdict helpers.
 */
#ifndef CAPROCK_DRIVERS_NVME_HOSTILE_H
#define CAPROCK_DRIVERS_NVME_HOSTILE_H

#include <stdbool.h>

#include "drivers/nvme/nvme_var.h"

/* One attempt: ok means refused (or shown harmless); result names which. */
void hostile_verdict(const char *name, bool ok, const char *result, const char *how);
/* The broker's refusal with this reason (DNR set, reason in DW0)? */
bool hostile_is_refusal(const struct nvme_cqe *e, uint32_t reason);
/* Send one raw command on q and expect the broker's refusal with reason. */
void hostile_command_refused(struct nvme_dev *d, struct nvme_queue *q, const char *name, struct nvme_sqe c,
			     uint32_t reason);
/* hostile_direct.c: the direct lane's attacks (device addresses outside the pool). */
int hostile_direct_commands(struct nvme_dev *d);
/* hostile_queues.c: queue lifetime, geometry and flood attacks. */
void hostile_queues(struct nvme_dev *d);

#endif
