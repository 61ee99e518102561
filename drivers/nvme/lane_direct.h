/*
 * drivers/nvme/lane_direct.h - the provider's direct-lane hooks (see
 * lane_direct.c).  Everything else in the driver is lane-neutral: it
 * builds commands with pool handles and calls these where the lane
 * matters (setup, submission, release, doorbells).
 */
#ifndef CAPROCK_DRIVERS_NVME_LANE_DIRECT_H
#define CAPROCK_DRIVERS_NVME_LANE_DIRECT_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nvme/nvme_var.h"

/* Map the doorbell page and set aside PRP list pages (before the data area takes the pool). */
int lane_direct_init(struct nvme_dev *d, const struct dma_pool_info *pi);
/* The command as the device must see it: IOVAs, PRP2 and a list; CR_EAGAIN when list pages run out. */
int lane_direct_prepare(struct nvme_dev *d, struct nvme_queue *q, uint16_t cid, struct nvme_sqe *c);
/* The command completed (or was abandoned): its list page is free again. */
void lane_direct_release(const struct nvme_queue *q, uint16_t cid);
int lane_direct_ring_sq(struct nvme_dev *d, const struct nvme_queue *q);
void lane_direct_ring_cq(struct nvme_dev *d, const struct nvme_queue *q);
/* Ring the doorbell page (the SQ tail; the CQ head when due) and leave rw holding only the wait; entries taken. */
int lane_direct_kick(struct nvme_dev *d, struct nvme_queue *q, struct nvme_ring_wait *rw);
/* Device address of pool offset handle. */
uint64_t lane_direct_iova(uint64_t handle);
/* The next submitted command already carries device addresses: leave it alone (hostile self-test). */
void lane_direct_raw_next(bool raw);
/* Is there room for one more command (a PRP list chunk free)? */
bool lane_direct_can_submit(void);
/* At most this many commands of bytes each can be in flight at once. */
uint32_t lane_direct_cap_qd(uint32_t qd, uint64_t bytes);

#endif
