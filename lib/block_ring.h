/*
 * lib/block_ring.h - the two ends of a BlockDevice session's ring
 * (include/abi/block.h), each keeping its own indices.
 *
 * The ring page is shared with a peer that may be hostile or broken, so an
 * end never takes back an index it owns from the page: it keeps it here
 * and only publishes it.  The peer's index is read once per call and
 * checked (at most BLOCK_RING_ENTRIES ahead); anything else is CR_EPROTO,
 * and the caller stops trusting that session.  Entries are copied out
 * before they are looked at.
 *
 * The two ends may run on different CPUs at once: an index is published
 * with release order after its entry, and read with acquire order before
 * the entry.  Wake-ups follow include/abi/block.h's event indices: the
 * sleeper arms (publish its event index, full fence, re-read the tail) and
 * the poster, after publishing, fences and asks whether the tail crossed
 * it; one of the two sees the other, so no wake-up is lost.
 */
#ifndef CAPROCK_LIB_BLOCK_RING_H
#define CAPROCK_LIB_BLOCK_RING_H

#include <stdint.h>

#include "include/abi/block.h"

/* The provider's end: takes requests, posts acks. */
struct block_ring_server {
	struct block_ring *s_ring;
	uint32_t s_req_head;		/* requests taken */
	uint32_t s_ack_tail;		/* acks posted */
	uint32_t s_ack_told;		/* ack tail when we last decided whether to notify */
};

/* The client's end: posts requests, takes acks. */
struct block_ring_client {
	struct block_ring *c_ring;
	uint32_t c_req_tail;		/* requests posted */
	uint32_t c_ack_head;		/* acks taken */
	uint32_t c_req_told;		/* request tail when we last decided whether to notify */
};

/* virtio's vring_need_event: did the tail, moving old -> new, pass event? */
static inline int block_ring_need_event(uint32_t event, uint32_t new_tail, uint32_t old_tail)
{
	return (uint32_t)(new_tail - event - 1) < (uint32_t)(new_tail - old_tail);
}

void block_ring_server_init(struct block_ring_server *s, struct block_ring *r);
void block_ring_client_init(struct block_ring_client *c, struct block_ring *r);

/* Requests waiting (0..BLOCK_RING_ENTRIES), or CR_EPROTO. */
int block_ring_requests(const struct block_ring_server *s);
/* Copy out the oldest waiting request and take it (only after block_ring_requests said one waits). */
void block_ring_take_request(struct block_ring_server *s, struct block_request *out);
/* Acks that can be posted now (0..BLOCK_RING_ENTRIES), or CR_EPROTO. */
int block_ring_ack_room(const struct block_ring_server *s);
void block_ring_post_ack(struct block_ring_server *s, const struct block_ack *a);

/*
 * Before sleeping: ask to be notified of the next request; returns whether
 * one is already waiting (then do not sleep).
 */
int block_ring_server_arm(struct block_ring_server *s);
/*
 * Requests wait that cannot be taken yet: ask to be notified of the next
 * one posted after them (the next completion brings us back to these).
 */
void block_ring_server_arm_tail(struct block_ring_server *s);
/* After posting acks: must the client be notified (SYS_BLOCK_NOTIFY)?  Covers every ack since the last call. */
int block_ring_server_must_notify(struct block_ring_server *s);

/* Requests that can be posted now, or CR_EPROTO. */
int block_ring_submit_room(const struct block_ring_client *c);
void block_ring_submit(struct block_ring_client *c, const struct block_request *req);
/* Acks waiting, or CR_EPROTO. */
int block_ring_acks(const struct block_ring_client *c);
void block_ring_take_ack(struct block_ring_client *c, struct block_ack *out);
/* Before sleeping: ask to be notified of the next ack; returns whether one is already waiting. */
int block_ring_client_arm(struct block_ring_client *c);
/* After posting requests: must the provider be notified?  Covers every request since the last call. */
int block_ring_client_must_notify(struct block_ring_client *c);

#endif
