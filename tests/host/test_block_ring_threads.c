/*
 * tests/host/test_block_ring_threads.c - lib/block_ring.c with its two
 * ends on two threads at once (as a client and its provider on two CPUs):
 * a million requests and their acks through one ring, each side sleeping
 * on a simulated Notification when it has nothing to do and woken only
 * when the other side's event index says so.  A lost wake-up shows as a
 * sleep that nobody ends (the wait gives up after WAIT_LIMIT_S and the
 * test fails); a lost, duplicated or reordered entry as a tag out of
 * sequence.  Built with ThreadSanitizer too (test_*_threads.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/block_ring.h"

#define UNUSED __attribute__((unused))
#define ENTRIES_TOTAL 1000000u
#define WAIT_LIMIT_S 10

/* A Notification (kernel/cap/notification.c): a bit set by signal, taken by wait; a wait finding it set returns. */
struct sim_notification {
	pthread_mutex_t m;
	pthread_cond_t cv;
	bool bit;
	uint64_t signals, sleeps;
};

static void sim_init(struct sim_notification *n)
{
	pthread_mutex_init(&n->m, NULL);
	pthread_cond_init(&n->cv, NULL);
	n->bit = false;
	n->signals = n->sleeps = 0;
}

static void sim_signal(struct sim_notification *n)
{
	pthread_mutex_lock(&n->m);
	n->bit = true;
	n->signals++;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->m);
}

/* False if nobody signalled within WAIT_LIMIT_S: a lost wake-up. */
static bool sim_wait(struct sim_notification *n)
{
	struct timespec until;
	bool ok = true;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_LIMIT_S;
	pthread_mutex_lock(&n->m);
	n->sleeps++;
	while (!n->bit && ok)
		ok = pthread_cond_timedwait(&n->cv, &n->m, &until) != ETIMEDOUT || n->bit;
	n->bit = false;
	pthread_mutex_unlock(&n->m);
	return ok;
}

struct run {
	struct block_ring ring;
	struct sim_notification client_wake, provider_inbox;
	uint32_t start;			/* initial value of every index */
	uint32_t total;
	/* Results, each written by one thread. */
	bool provider_lost_wakeup, client_lost_wakeup, provider_bad_tag, client_bad_tag;
	uint64_t provider_taken, client_acked;
	uint64_t notifies_to_provider, notifies_to_client;
};

/* The provider: take requests, ack each (tag echoed), notify the client only when its event index says so. */
static void *provider(void *arg)
{
	struct run *r = arg;
	struct block_ring_server s;
	uint64_t expect = 1;

	block_ring_server_init(&s, &r->ring);
	while (r->provider_taken < r->total) {
		int waiting = block_ring_requests(&s), room = block_ring_ack_room(&s), did = 0;
		if (waiting < 0 || room < 0) {
			r->provider_bad_tag = true;
			return NULL;
		}
		while (waiting-- > 0 && room-- > 0) {
			struct block_request q;
			block_ring_take_request(&s, &q);
			if (q.br_tag != expect++ || q.br_lba != q.br_tag * 7) {
				r->provider_bad_tag = true;
				return NULL;
			}
			struct block_ack a = { .ba_tag = q.br_tag };
			block_ring_post_ack(&s, &a);
			r->provider_taken++;
			did++;
		}
		if (block_ring_server_must_notify(&s)) {
			r->notifies_to_client++;
			sim_signal(&r->client_wake);
		}
		if (did || block_ring_server_arm(&s))
			continue;
		if (!sim_wait(&r->provider_inbox)) {
			r->provider_lost_wakeup = true;
			return NULL;
		}
	}
	return NULL;
}

/* The client: keep the ring full, take acks in order, notify the provider only when its event index says so. */
static void *client(void *arg)
{
	struct run *r = arg;
	struct block_ring_client c;
	uint64_t next_tag = 1, expect = 1;

	block_ring_client_init(&c, &r->ring);
	while (r->client_acked < r->total) {
		int room = block_ring_submit_room(&c), acks = block_ring_acks(&c), did = 0;
		if (room < 0 || acks < 0) {
			r->client_bad_tag = true;
			return NULL;
		}
		while (room-- > 0 && next_tag <= r->total) {
			struct block_request q = { .br_tag = next_tag, .br_lba = next_tag * 7, .br_blocks = 1,
						   .br_op = BLOCK_OP_READ };
			block_ring_submit(&c, &q);
			next_tag++;
			did++;
		}
		if (block_ring_client_must_notify(&c)) {
			r->notifies_to_provider++;
			sim_signal(&r->provider_inbox);
		}
		while (acks-- > 0) {
			struct block_ack a;
			block_ring_take_ack(&c, &a);
			if (a.ba_tag != expect++) {
				r->client_bad_tag = true;
				return NULL;
			}
			r->client_acked++;
			did++;
		}
		if (did || block_ring_client_arm(&c))
			continue;
		if (!sim_wait(&r->client_wake)) {
			r->client_lost_wakeup = true;
			return NULL;
		}
	}
	return NULL;
}

static struct run R;

static void run_pair(uint32_t start, uint32_t total)
{
	pthread_t p, c;

	memset(&R, 0, sizeof(R));
	R.start = start;
	R.total = total;
	R.ring.br_submit_tail = R.ring.br_submit_head = R.ring.br_ack_tail = R.ring.br_ack_head = start;
	R.ring.br_submit_event = R.ring.br_ack_event = start;
	sim_init(&R.client_wake);
	sim_init(&R.provider_inbox);
	assert_int_equal(pthread_create(&p, NULL, provider, &R), 0);
	assert_int_equal(pthread_create(&c, NULL, client, &R), 0);
	pthread_join(c, NULL);
	if (R.client_lost_wakeup || R.client_bad_tag)
		sim_signal(&R.provider_inbox);	/* let a waiting provider see it is over */
	pthread_join(p, NULL);
	printf("ring threads: start=%u entries=%u notifies_to_provider=%lu notifies_to_client=%lu sleeps=%lu/%lu\n",
	       start, total, (unsigned long)R.notifies_to_provider, (unsigned long)R.notifies_to_client,
	       (unsigned long)R.provider_inbox.sleeps, (unsigned long)R.client_wake.sleeps);
	assert_false(R.provider_lost_wakeup);
	assert_false(R.client_lost_wakeup);
	assert_false(R.provider_bad_tag);
	assert_false(R.client_bad_tag);
	assert_int_equal(R.provider_taken, total);
	assert_int_equal(R.client_acked, total);
	/* Every index where both ends agree: nothing taken twice, nothing left behind. */
	assert_int_equal(R.ring.br_submit_head, (uint32_t)(start + total));
	assert_int_equal(R.ring.br_ack_head, (uint32_t)(start + total));
}

static void test_a_million_round_trips(void **state UNUSED)
{
	run_pair(0, ENTRIES_TOTAL);
}

static void test_indices_wrap_mid_run(void **state UNUSED)
{
	run_pair(UINT32_MAX - 50000, 200000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_million_round_trips),
		cmocka_unit_test(test_indices_wrap_mid_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
