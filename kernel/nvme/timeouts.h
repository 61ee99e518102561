/*
 * kernel/nvme/timeouts.h - commands that do not complete and controllers
 * that fail (timeouts.c), from the timer tick.
 */
#ifndef CAPROCK_NVME_TIMEOUTS_H
#define CAPROCK_NVME_TIMEOUTS_H

struct nvme_ctrl;

/* Look at CSTS and the oldest outstanding command; may set nc_reset_wanted for the supervisor. */
void nvme_timeout_tick(struct nvme_ctrl *c);

#endif
