/*
 * kernel/block/session.h - a BlockDevice session: one client, one device
 * (a namespace or a partition), the provider that serves its controller.
 *
 * One object with two capability ends: BlockDevice (the client's) and
 * BlockSession (the provider's).  The session owns a ring page both map,
 * and holds the region the client lends it; it registers that region with
 * the controller as an NVMe handle space whose commands the broker keeps
 * inside the device's LBA window (struct nvme_space).  It lives until both
 * ends are released; a mapping the device still uses holds the region by
 * itself (kernel/nvme/prp.c), so a client that goes away mid-I/O frees
 * nothing the device can reach.
 */
#ifndef CAPROCK_BLOCK_SESSION_H
#define CAPROCK_BLOCK_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/block.h"
#include "kernel/block/block_dev.h"
#include "kernel/cap/notification.h"
#include "kernel/core/kobj.h"
#include "kernel/nvme/nvme_ctrl.h"

struct block_session {
	struct kobj bs_client_obj;	/* CAP_TYPE_BLOCK_DEVICE */
	struct kobj bs_provider_obj;	/* CAP_TYPE_BLOCK_SESSION */
	unsigned int bs_ends;		/* ends not yet released (2 at creation) */
	struct block_dev bs_dev;	/* the window, copied: the table may forget it first */
	struct nvme_ctrl *bs_ctrl;	/* a reference: the controller outlives its sessions */
	struct nvme_space bs_space;	/* what the broker checks commands in this space against */
	uint32_t bs_space_id;		/* 1.. : the NVMe handle space, and inbox bit bs_space_id - 1 */
	uint64_t bs_ring_phys;
	struct block_ring *bs_ring;
	struct notification *bs_client_wake;	/* the client waits on it */
	struct notification *bs_provider_inbox;
	int bs_client_pid, bs_provider_pid;	/* who mapped the ring, at most one each (per provider generation) */
	uint32_t bs_generation;		/* the serving provider's generation (kernel/nvme/supervise.c) */
	uint32_t bs_restart_head;	/* ring position the last dead provider had taken up to */
};

/*
 * A session for dev between whoever gets its two ends; client_wake is the
 * client's Notification, provider_inbox the provider's.  NULL (with an
 * error line) when out of memory or out of spaces on the controller.
 */
struct block_session *block_session_create(const struct block_dev *dev, struct notification *client_wake,
					   struct notification *provider_inbox);

/*
 * SYS_BLOCK_NOTIFY's two halves, for calls that fold a notification into
 * another crossing: decode either end in slot (WRITE right), then wake the
 * other end.
 */
int block_end_decode(uint64_t slot, struct block_session **out, bool *provider);
void block_end_notify(struct block_session *s, bool provider);

#endif
