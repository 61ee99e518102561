/*
 * kernel/block/gpt_scan.h - a controller's block devices, found at bind.
 */
#ifndef CAPROCK_BLOCK_GPT_SCAN_H
#define CAPROCK_BLOCK_GPT_SCAN_H

struct nvme_ctrl;

/*
 * For each namespace c identified: a device for it and one per partition
 * of a valid GPT, with the block: lines.  ctx points at the controller's
 * unit number (the 0 of nvme0).  Runs while the manager holds the
 * controller (nvme_identify_at_bind's scan hook); always returns 0: a bad
 * table is a report, not a failed bind.
 */
int block_scan_controller(struct nvme_ctrl *c, void *ctx);

#endif
