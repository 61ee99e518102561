/*
 * lib/nvme_timeout.h - what to do about a command that does not complete,
 * by cloud surface (DESIGN.md §6).
 *
 * EBS can stall for long periods during failovers, and AWS sets Linux's
 * nvme_core.io_timeout to its maximum: an EBS command is never failed
 * early.  After the timeout the manager polls the queue for a missed
 * completion and sends Abort (a no-op before NVMe 1.4 on older Nitro
 * types), then keeps waiting and says so at intervals; only CSTS.CFS or a
 * dead controller resets it.  Instance store keeps a finite timeout; Azure
 * asks for at least 240 s; everything else gets Linux's default, 30 s.
 * There, after the poll and the Abort's grace, the controller is reset
 * and the unacknowledged requests are replayed (kernel/nvme/supervise.c).
 */
#ifndef CAPROCK_LIB_NVME_TIMEOUT_H
#define CAPROCK_LIB_NVME_TIMEOUT_H

#include <stdbool.h>
#include <stdint.h>

#define NVME_TIMEOUT_DEFAULT_MS		30000u		/* Linux's nvme_core.io_timeout default */
#define NVME_TIMEOUT_AZURE_MS		240000u		/* Azure's guidance for its NVMe disks */
#define NVME_TIMEOUT_EBS_LOG_MS		30000u		/* an EBS command still waiting: a line this often */

struct nvme_timeout_policy {
	const char *surface;		/* ebs, instance-store, azure, generic */
	uint32_t timeout_ms;		/* a command older than this is looked at: poll, then Abort */
	uint32_t abort_grace_ms;	/* after the Abort, before giving up on the command */
	bool never_fail;		/* EBS: keep waiting after the grace (log at log_every_ms), never reset */
	uint32_t log_every_ms;
};

/*
 * The policy for a controller with this PCI identity; override_ms (the
 * nvme.timeout_ms= key, 0: none) replaces the timeout of any surface,
 * EBS included (then only when it is looked at, not whether it may fail).
 */
void nvme_timeout_policy(uint16_t vendor, uint16_t device, uint32_t override_ms, struct nvme_timeout_policy *out);

/* What the manager does now about its oldest outstanding command. */
enum nvme_timeout_action {
	NVME_TO_NONE,		/* young enough, or already handled at this stage */
	NVME_TO_POLL_ABORT,	/* past the timeout: poll the CQ, then send Abort */
	NVME_TO_LOG,		/* EBS: still waiting, say so */
	NVME_TO_RESET,		/* give up on it: reset the controller and replay */
};

/* Per-command stage the manager keeps: 0 = not yet timed out, 1 = aborted at abort_ms. */
struct nvme_timeout_state {
	uint32_t stage;
	uint64_t abort_ms;
	uint64_t logged_ms;
};

/* age_ms of the oldest command, now_ms the clock; advances st. */
enum nvme_timeout_action nvme_timeout_step(const struct nvme_timeout_policy *p, struct nvme_timeout_state *st,
					   uint64_t age_ms, uint64_t now_ms);

#endif
