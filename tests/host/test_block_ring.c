/*
 * tests/host/test_block_ring.c - host tests for lib/block_ring.c: the two
 * ends of a BlockDevice session's ring over one shared page, with indices
 * that wrap, a full ring, acks in another order than the requests, and a
 * peer that writes nonsense into the page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "include/abi/errors.h"
#include "lib/block_ring.h"

#define UNUSED __attribute__((unused))
#define N BLOCK_RING_ENTRIES

static struct block_ring page;
static struct block_ring_server S;
static struct block_ring_client C;

static void start_at(uint32_t index)
{
	memset(&page, 0, sizeof(page));
	page.br_submit_tail = page.br_submit_head = page.br_ack_tail = page.br_ack_head = index;
	block_ring_server_init(&S, &page);
	block_ring_client_init(&C, &page);
}

static void submit(uint64_t tag, uint64_t lba)
{
	struct block_request r = { .br_tag = tag, .br_lba = lba, .br_blocks = 1, .br_op = BLOCK_OP_READ };

	block_ring_submit(&C, &r);
}

static void test_round_trip_across_the_wrap(void **state UNUSED)
{
	start_at(UINT32_MAX - 5);	/* indices wrap modulo 2^32 half-way through */
	for (uint64_t round = 0; round < 5; round++) {
		assert_int_equal(block_ring_submit_room(&C), N);
		for (uint64_t i = 0; i < 10; i++)
			submit(round * 100 + i, i);
		assert_int_equal(block_ring_requests(&S), 10);
		for (uint64_t i = 0; i < 10; i++) {
			struct block_request r;
			block_ring_take_request(&S, &r);
			assert_int_equal(r.br_tag, round * 100 + i);
			assert_int_equal(r.br_lba, i);
			struct block_ack a = { .ba_tag = r.br_tag };
			block_ring_post_ack(&S, &a);
		}
		assert_int_equal(block_ring_requests(&S), 0);
		assert_int_equal(block_ring_acks(&C), 10);
		for (uint64_t i = 0; i < 10; i++) {
			struct block_ack a;
			block_ring_take_ack(&C, &a);
			assert_int_equal(a.ba_tag, round * 100 + i);
		}
		assert_int_equal(block_ring_acks(&C), 0);
	}
}

static void test_full_ring(void **state UNUSED)
{
	start_at(7);
	for (uint64_t i = 0; i < N; i++)
		submit(i, i);
	assert_int_equal(block_ring_submit_room(&C), 0);
	assert_int_equal(block_ring_requests(&S), N);
	struct block_request r;
	block_ring_take_request(&S, &r);
	assert_int_equal(block_ring_submit_room(&C), 1);	/* taken frees a request slot at once */
	/* Acks: the server may post as many as the client has taken room for. */
	assert_int_equal(block_ring_ack_room(&S), N);
	for (uint64_t i = 0; i < N; i++)
		block_ring_post_ack(&S, &(struct block_ack){ .ba_tag = i });
	assert_int_equal(block_ring_ack_room(&S), 0);
	assert_int_equal(block_ring_acks(&C), N);
}

/* Completions come in any order: tags, not positions, match them. */
static void test_out_of_order_acks(void **state UNUSED)
{
	uint64_t order[] = { 3, 0, 2, 1 };
	bool seen[4] = { false };

	start_at(0);
	for (uint64_t i = 0; i < 4; i++)
		submit(1000 + i, i);
	for (uint64_t i = 0; i < 4; i++) {
		struct block_request r;
		block_ring_take_request(&S, &r);
	}
	for (uint64_t i = 0; i < 4; i++)
		block_ring_post_ack(&S, &(struct block_ack){ .ba_tag = 1000 + order[i], .ba_status = -(int)order[i] });
	for (uint64_t i = 0; i < 4; i++) {
		struct block_ack a;
		block_ring_take_ack(&C, &a);
		assert_int_equal(a.ba_tag, 1000 + order[i]);
		assert_int_equal(a.ba_status, -(int)order[i]);
		seen[a.ba_tag - 1000] = true;
	}
	assert_true(seen[0] && seen[1] && seen[2] && seen[3]);
}

/* A peer that writes indices far ahead (or behind) is caught, whichever end it is. */
static void test_nonsense_from_the_peer(void **state UNUSED)
{
	start_at(100);
	page.br_submit_tail = 100 + N + 1;		/* a client claiming more requests than fit */
	assert_int_equal(block_ring_requests(&S), CR_EPROTO);
	page.br_submit_tail = 99;			/* or fewer than it posted */
	assert_int_equal(block_ring_requests(&S), CR_EPROTO);
	page.br_submit_tail = 100 + N;
	assert_int_equal(block_ring_requests(&S), N);

	start_at(100);
	page.br_ack_head = 101;				/* a client that took an ack never posted */
	assert_int_equal(block_ring_ack_room(&S), CR_EPROTO);
	start_at(100);
	page.br_ack_tail = 100 + N + 1;			/* a server posting more acks than fit */
	assert_int_equal(block_ring_acks(&C), CR_EPROTO);
	start_at(100);
	page.br_submit_head = 101;			/* a server that took a request never posted */
	assert_int_equal(block_ring_submit_room(&C), CR_EPROTO);
	/* What an end keeps for itself is not read back from the page. */
	start_at(5);
	submit(1, 1);
	page.br_submit_tail = 0xdead;			/* the peer scribbles our own index */
	submit(2, 2);
	assert_int_equal(page.br_submit_tail, 7);
}

/* An entry is copied out before the peer can change it. */
static void test_entries_are_copied(void **state UNUSED)
{
	struct block_request r;

	start_at(0);
	submit(42, 9);
	block_ring_take_request(&S, &r);
	page.br_req[0].br_lba = 123456;
	assert_int_equal(r.br_lba, 9);
}

/* Event indices: a busy provider is not notified again; one about to sleep is. */
static void test_submit_notify_only_past_the_event(void **state UNUSED)
{
	start_at(UINT32_MAX - 1);	/* the event index wraps too */
	page.br_submit_event = page.br_ack_event = UINT32_MAX - 1;
	submit(1, 0);
	assert_true(block_ring_client_must_notify(&C));		/* the provider sleeps at the start */
	submit(2, 0);
	submit(3, 0);
	assert_false(block_ring_client_must_notify(&C));	/* it was told and has not slept since */
	assert_false(block_ring_client_must_notify(&C));	/* nothing new: nothing to say */
	struct block_request r;
	block_ring_take_request(&S, &r);
	assert_true(block_ring_server_arm(&S));			/* two still wait: do not sleep */
	block_ring_take_request(&S, &r);
	block_ring_take_request(&S, &r);
	assert_false(block_ring_server_arm(&S));		/* all taken: sleep, and be woken by the next */
	submit(4, 0);
	assert_true(block_ring_client_must_notify(&C));
}

/* Acks posted in a batch cost one notification, and none while the client is busy. */
static void test_acks_batched(void **state UNUSED)
{
	start_at(7);
	page.br_submit_event = page.br_ack_event = 7;
	for (uint64_t i = 0; i < 5; i++) {
		struct block_ack a = { .ba_tag = i };
		block_ring_post_ack(&S, &a);
	}
	assert_true(block_ring_server_must_notify(&S));
	assert_false(block_ring_server_must_notify(&S));
	struct block_ack a;
	block_ring_take_ack(&C, &a);
	struct block_ack b = { .ba_tag = 9 };
	block_ring_post_ack(&S, &b);
	assert_false(block_ring_server_must_notify(&S));	/* the client never armed: it is still looking */
	while (block_ring_acks(&C) > 0)
		block_ring_take_ack(&C, &a);
	assert_false(block_ring_client_arm(&C));
	block_ring_post_ack(&S, &b);
	assert_true(block_ring_server_must_notify(&S));
}

/* A peer's event index is only a number: any value gives a yes or a no, never a fault. */
static void test_event_nonsense(void **state UNUSED)
{
	start_at(0);
	page.br_submit_event = 0x80000000u;
	submit(1, 0);
	assert_false(block_ring_client_must_notify(&C));
	page.br_submit_tail = 12345;	/* a scribbled tail makes arming say "look", and the look says EPROTO */
	assert_true(block_ring_server_arm(&S));
	assert_int_equal(block_ring_requests(&S), CR_EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_across_the_wrap),
		cmocka_unit_test(test_full_ring),
		cmocka_unit_test(test_out_of_order_acks),
		cmocka_unit_test(test_nonsense_from_the_peer),
		cmocka_unit_test(test_entries_are_copied),
		cmocka_unit_test(test_submit_notify_only_past_the_event),
		cmocka_unit_test(test_acks_batched),
		cmocka_unit_test(test_event_nonsense),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
