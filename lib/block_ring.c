/*
 * lib/block_ring.c - the BlockDevice ring's two ends (see block_ring.h).
 *
 * Indices run freely modulo 2^32; entry i lives in slot i % ENTRIES.  An
 * index is stored with (at least) release order, so the entry before it is
 * visible first, and the peer's loaded with acquire order, so its entry is
 * read after it: either end may run on another CPU.  Arming and the notify
 * check also need store-load order (below), which release/acquire does not
 * give, and x86 does not either without a fence.
 */
#include "lib/block_ring.h"

#include "include/abi/errors.h"

#define ENTRIES BLOCK_RING_ENTRIES

static uint32_t peek(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void publish(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/*
 * The two sides of a wake-up (arm; post then must_notify) are Dekker's
 * pattern: each stores its own word, then loads the other's, and at least
 * one must see the other's store.  That needs store-load order: the tail
 * and event stores and the loads that follow them are sequentially
 * consistent, with a full fence between (ThreadSanitizer builds leave the
 * fence out: gcc refuses it there, and the seq_cst accesses alone carry
 * the order in the C11 model).
 */
static void publish_sc(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static uint32_t peek_sc(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void full_fence(void)
{
#ifndef __SANITIZE_THREAD__
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* How far a peer's index is ahead of ours, if it is a sane distance. */
static int distance(uint32_t peer, uint32_t ours, uint32_t limit)
{
	uint32_t d = peer - ours;

	return d <= limit ? (int)d : CR_EPROTO;
}

void block_ring_server_init(struct block_ring_server *s, struct block_ring *r)
{
	s->s_ring = r;
	s->s_req_head = peek(&r->br_submit_head);
	s->s_ack_tail = peek(&r->br_ack_tail);
	s->s_ack_told = s->s_ack_tail;
}

void block_ring_client_init(struct block_ring_client *c, struct block_ring *r)
{
	c->c_ring = r;
	c->c_req_tail = peek(&r->br_submit_tail);
	c->c_ack_head = peek(&r->br_ack_head);
	c->c_req_told = c->c_req_tail;
}

int block_ring_requests(const struct block_ring_server *s)
{
	return distance(peek(&s->s_ring->br_submit_tail), s->s_req_head, ENTRIES);
}

void block_ring_take_request(struct block_ring_server *s, struct block_request *out)
{
	const volatile struct block_request *e = &s->s_ring->br_req[s->s_req_head % ENTRIES];

	out->br_tag = e->br_tag;
	out->br_lba = e->br_lba;
	out->br_offset = e->br_offset;
	out->br_blocks = e->br_blocks;
	out->br_op = e->br_op;
	out->br_flags = e->br_flags;
	publish(&s->s_ring->br_submit_head, ++s->s_req_head);
}

int block_ring_ack_room(const struct block_ring_server *s)
{
	int used = distance(s->s_ack_tail, peek(&s->s_ring->br_ack_head), ENTRIES);

	return used < 0 ? used : ENTRIES - used;
}

void block_ring_post_ack(struct block_ring_server *s, const struct block_ack *a)
{
	s->s_ring->br_ack[s->s_ack_tail % ENTRIES] = *a;
	publish_sc(&s->s_ring->br_ack_tail, ++s->s_ack_tail);
}

int block_ring_submit_room(const struct block_ring_client *c)
{
	int used = distance(c->c_req_tail, peek(&c->c_ring->br_submit_head), ENTRIES);

	return used < 0 ? used : ENTRIES - used;
}

void block_ring_submit(struct block_ring_client *c, const struct block_request *req)
{
	c->c_ring->br_req[c->c_req_tail % ENTRIES] = *req;
	publish_sc(&c->c_ring->br_submit_tail, ++c->c_req_tail);
}

int block_ring_acks(const struct block_ring_client *c)
{
	return distance(peek(&c->c_ring->br_ack_tail), c->c_ack_head, ENTRIES);
}

void block_ring_take_ack(struct block_ring_client *c, struct block_ack *out)
{
	const volatile struct block_ack *e = &c->c_ring->br_ack[c->c_ack_head % ENTRIES];

	out->ba_tag = e->ba_tag;
	out->ba_status = e->ba_status;
	out->ba_nvme_status = e->ba_nvme_status;
	out->ba_rsvd = 0;
	publish(&c->c_ring->br_ack_head, ++c->c_ack_head);
}

/* Publish "wake me past `consumed`", then look again at the peer's tail. */
static int arm(uint32_t *event, uint32_t consumed, const uint32_t *peer_tail)
{
	publish_sc(event, consumed);
	full_fence();
	return peek_sc(peer_tail) != consumed;
}

/* After publishing `tail`: did it pass the peer's event index since *told? */
static int must_notify(const uint32_t *event, uint32_t tail, uint32_t *told)
{
	uint32_t old = *told;

	if (tail == old)
		return 0;
	*told = tail;
	full_fence();
	return block_ring_need_event(peek_sc(event), tail, old);
}

int block_ring_server_arm(struct block_ring_server *s)
{
	return arm(&s->s_ring->br_submit_event, s->s_req_head, &s->s_ring->br_submit_tail);
}

void block_ring_server_arm_tail(struct block_ring_server *s)
{
	publish_sc(&s->s_ring->br_submit_event, peek_sc(&s->s_ring->br_submit_tail));
}

int block_ring_server_must_notify(struct block_ring_server *s)
{
	return must_notify(&s->s_ring->br_ack_event, s->s_ack_tail, &s->s_ack_told);
}

int block_ring_client_arm(struct block_ring_client *c)
{
	return arm(&c->c_ring->br_ack_event, c->c_ack_head, &c->c_ring->br_ack_tail);
}

int block_ring_client_must_notify(struct block_ring_client *c)
{
	return must_notify(&c->c_ring->br_submit_event, c->c_req_tail, &c->c_req_told);
}
