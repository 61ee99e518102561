/*
 * lib/block_replay.h - a client's requests, kept until acknowledged, and
 * posted again after a provider restart (include/abi/block.h).
 *
 * Every request a client posts is tracked with its ring position.  An ack
 * retires it.  After a restart, a tracked request posted before the
 * restart head was taken by the dead provider and lost with it: it is
 * posted again, at most BLOCK_REPLAY_MAX times; past that it fails with
 * CR_EIO and is reported.  An acknowledged request is never posted again,
 * since acks retire requests before a restart is looked at.  Pure logic,
 * shared by the block client and the host tests.
 */
#ifndef CAPROCK_LIB_BLOCK_REPLAY_H
#define CAPROCK_LIB_BLOCK_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/block.h"

#define BLOCK_REPLAY_SLOTS	(2 * BLOCK_RING_ENTRIES)	/* posted, in the ring or taken */
#define BLOCK_REPLAY_MAX	3				/* posts of one request after the first */

struct block_tracked {
	bool t_used;
	uint8_t t_replays;
	uint32_t t_pos;			/* ring position of its latest post */
	struct block_request t_req;
};

struct block_replay {
	struct block_tracked r_slot[BLOCK_REPLAY_SLOTS];
	unsigned int r_count;
	unsigned int r_displaced;	/* tracked away from their home slot (tag % BLOCK_REPLAY_SLOTS) */
	uint32_t r_generation;		/* the provider incarnation last seen */
	uint64_t r_replayed, r_failed;	/* posts again, requests given up */
};

void block_replay_init(struct block_replay *r, uint32_t generation);
/* Room for another tracked request? */
bool block_replay_room(const struct block_replay *r);
/* Track req posted at ring position pos; CR_EBUSY when full, CR_EEXIST when its tag is tracked. */
int block_replay_track(struct block_replay *r, const struct block_request *req, uint32_t pos);
/* An ack arrived: retire its request.  false if no tracked request has that tag. */
bool block_replay_ack(struct block_replay *r, uint64_t tag);

/*
 * A restart to generation gen, with the dead provider's restart head.
 * Marks every tracked request posted before head as lost; returns how
 * many (0 if gen is not newer: nothing happened).  Then take them one by
 * one with block_replay_next_lost.
 */
unsigned int block_replay_restart(struct block_replay *r, uint32_t gen, uint32_t head);
/*
 * The next lost request: true with *out set and *give_up telling whether
 * it has been posted BLOCK_REPLAY_MAX times again already (then it is
 * retired and must be failed to its caller); false when none is left.
 * Otherwise the caller posts it again and calls block_replay_reposted.
 */
bool block_replay_next_lost(struct block_replay *r, struct block_request *out, bool *give_up);
void block_replay_reposted(struct block_replay *r, uint64_t tag, uint32_t pos);

#endif
