/*
 * tests/host/test_block_replay.c - host tests for lib/block_replay.c: a
 * client's requests kept until acknowledged and posted again after a
 * provider restart, never an acknowledged one, at most BLOCK_REPLAY_MAX
 * times, with ring positions that wrap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "include/abi/errors.h"
#include "lib/block_replay.h"

#define UNUSED __attribute__((unused))

static struct block_replay r;

static struct block_request req(uint64_t tag)
{
	return (struct block_request){ .br_tag = tag, .br_lba = tag * 8, .br_blocks = 8, .br_op = BLOCK_OP_WRITE };
}

/* Every lost request, in slot order: tags into out, how many given up into *gave_up. */
static unsigned drain_lost(uint64_t *out, unsigned *gave_up, uint32_t *pos)
{
	struct block_request q;
	bool give_up;
	unsigned n = 0;

	*gave_up = 0;
	while (block_replay_next_lost(&r, &q, &give_up)) {
		out[n++] = q.br_tag;
		if (give_up)
			(*gave_up)++;
		else
			block_replay_reposted(&r, q.br_tag, (*pos)++);
	}
	return n;
}

static void test_acked_never_replayed(void **state UNUSED)
{
	uint64_t lost[8];
	unsigned gave_up;
	uint32_t pos = 100;

	block_replay_init(&r, 1);
	for (uint64_t t = 1; t <= 4; t++) {
		struct block_request q = req(t);
		assert_int_equal(block_replay_track(&r, &q, pos++), 0);
	}
	assert_true(block_replay_ack(&r, 2));
	assert_true(block_replay_ack(&r, 4));
	assert_false(block_replay_ack(&r, 4));		/* a second ack for one request */
	/* The dead provider had taken positions 100..103; 1 and 3 have no ack. */
	assert_int_equal(block_replay_restart(&r, 2, 104), 2);
	assert_int_equal(drain_lost(lost, &gave_up, &pos), 2);
	assert_int_equal(gave_up, 0);
	assert_true((lost[0] == 1 && lost[1] == 3) || (lost[0] == 3 && lost[1] == 1));
	assert_int_equal(r.r_replayed, 2);
	assert_int_equal(r.r_count, 2);
}

static void test_untaken_stay_in_the_ring(void **state UNUSED)
{
	uint64_t lost[8];
	unsigned gave_up;
	uint32_t pos = 10;

	block_replay_init(&r, 1);
	for (uint64_t t = 1; t <= 5; t++) {
		struct block_request q = req(t);
		block_replay_track(&r, &q, pos++);
	}
	/* Taken up to 12: 1 and 2 lost; 3..5 still in the ring for the new provider. */
	assert_int_equal(block_replay_restart(&r, 2, 12), 2);
	assert_int_equal(drain_lost(lost, &gave_up, &pos), 2);
	assert_true(lost[0] <= 2 && lost[1] <= 2);
}

static void test_old_or_same_generation_is_nothing(void **state UNUSED)
{
	struct block_request q = req(1);

	block_replay_init(&r, 5);
	block_replay_track(&r, &q, 0);
	assert_int_equal(block_replay_restart(&r, 5, 1), 0);
	assert_int_equal(block_replay_restart(&r, 4, 1), 0);
	assert_int_equal(block_replay_restart(&r, 6, 1), 1);
}

static void test_gives_up_after_max(void **state UNUSED)
{
	uint64_t lost[8];
	unsigned gave_up;
	uint32_t pos = 0;
	struct block_request q = req(9);

	block_replay_init(&r, 1);
	block_replay_track(&r, &q, pos++);
	for (uint32_t gen = 2; gen < 2 + BLOCK_REPLAY_MAX; gen++) {
		assert_int_equal(block_replay_restart(&r, gen, pos), 1);
		assert_int_equal(drain_lost(lost, &gave_up, &pos), 1);
		assert_int_equal(gave_up, 0);
	}
	assert_int_equal(block_replay_restart(&r, 2 + BLOCK_REPLAY_MAX, pos), 1);
	assert_int_equal(drain_lost(lost, &gave_up, &pos), 1);
	assert_int_equal(gave_up, 1);
	assert_int_equal(r.r_failed, 1);
	assert_int_equal(r.r_count, 0);
	assert_false(block_replay_ack(&r, 9));		/* failed and retired: a late ack matches nothing */
}

static void test_positions_wrap(void **state UNUSED)
{
	uint64_t lost[8];
	unsigned gave_up;
	uint32_t pos = 0xfffffffeu;

	block_replay_init(&r, 1);
	for (uint64_t t = 1; t <= 4; t++) {
		struct block_request q = req(t);
		block_replay_track(&r, &q, pos++);	/* fffffffe, ffffffff, 0, 1 */
	}
	assert_int_equal(block_replay_restart(&r, 2, 1), 3);
	assert_int_equal(drain_lost(lost, &gave_up, &pos), 3);
}

static void test_full_and_duplicate_tags(void **state UNUSED)
{
	block_replay_init(&r, 1);
	for (uint64_t t = 1; t <= BLOCK_REPLAY_SLOTS; t++) {
		struct block_request q = req(t);
		assert_int_equal(block_replay_track(&r, &q, (uint32_t)t), 0);
	}
	assert_false(block_replay_room(&r));
	struct block_request q = req(BLOCK_REPLAY_SLOTS + 1);
	assert_int_equal(block_replay_track(&r, &q, 0), CR_EBUSY);
	q = req(3);
	assert_int_equal(block_replay_track(&r, &q, 0), CR_EEXIST);
}

static void test_displaced_tags_still_found(void **state UNUSED)
{
	struct block_request a = req(1), b = req(1 + BLOCK_REPLAY_SLOTS);	/* the same home slot */

	block_replay_init(&r, 1);
	assert_int_equal(block_replay_track(&r, &a, 0), 0);
	assert_int_equal(block_replay_track(&r, &b, 1), 0);	/* away from home */
	assert_int_equal(r.r_displaced, 1);
	assert_true(block_replay_ack(&r, 1));			/* its home is free now ... */
	assert_int_equal(block_replay_track(&r, &b, 2), CR_EEXIST);	/* ... and it is still found */
	assert_int_equal(block_replay_restart(&r, 2, 5), 1);
	struct block_request q;
	bool give_up;
	assert_true(block_replay_next_lost(&r, &q, &give_up));
	assert_int_equal(q.br_tag, b.br_tag);
	assert_true(block_replay_ack(&r, b.br_tag));
	assert_int_equal(r.r_displaced, 0);
	assert_int_equal(r.r_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acked_never_replayed),
		cmocka_unit_test(test_untaken_stay_in_the_ring),
		cmocka_unit_test(test_old_or_same_generation_is_nothing),
		cmocka_unit_test(test_gives_up_after_max),
		cmocka_unit_test(test_positions_wrap),
		cmocka_unit_test(test_full_and_duplicate_tags),
		cmocka_unit_test(test_displaced_tags_still_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
