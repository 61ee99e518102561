/*
 * lib/block_replay.c - see block_replay.h.
 *
 * A request lives at slot tag % BLOCK_REPLAY_SLOTS when that is free (tags
 * are consecutive, so it nearly always is), else in the first free slot;
 * an ack finds it there in one look, and the table is walked only while
 * some request lives away from its home slot.  A lost
 * request is marked with a flag in its replay count, so its position
 * stays what it was until it is posted again.
 */
#include "lib/block_replay.h"

#include "include/abi/errors.h"
#include "lib/string.h"


static struct block_tracked *find(struct block_replay *r, uint64_t tag)
{
	struct block_tracked *home = &r->r_slot[tag % BLOCK_REPLAY_SLOTS];

	if (home->t_used && home->t_req.br_tag == tag)
		return home;
	for (unsigned i = 0; r->r_displaced && i < BLOCK_REPLAY_SLOTS; i++) {
		if (r->r_slot[i].t_used && r->r_slot[i].t_req.br_tag == tag)
			return &r->r_slot[i];
	}
	return NULL;
}

void block_replay_init(struct block_replay *r, uint32_t generation)
{
	memset(r, 0, sizeof(*r));
	r->r_generation = generation;
}

bool block_replay_room(const struct block_replay *r)
{
	return r->r_count < BLOCK_REPLAY_SLOTS;
}

int block_replay_track(struct block_replay *r, const struct block_request *req, uint32_t pos)
{
	if (find(r, req->br_tag))
		return CR_EEXIST;
	for (unsigned n = 0; n < BLOCK_REPLAY_SLOTS; n++) {
		struct block_tracked *t = &r->r_slot[(req->br_tag + n) % BLOCK_REPLAY_SLOTS];
		if (!t->t_used) {
			*t = (struct block_tracked){ .t_used = true, .t_pos = pos, .t_req = *req };
			r->r_count++;
			r->r_displaced += n != 0;
			return 0;
		}
	}
	return CR_EBUSY;
}

static void retire(struct block_replay *r, struct block_tracked *t)
{
	t->t_used = false;
	r->r_count--;
	r->r_displaced -= t != &r->r_slot[t->t_req.br_tag % BLOCK_REPLAY_SLOTS];
}

bool block_replay_ack(struct block_replay *r, uint64_t tag)
{
	struct block_tracked *t = find(r, tag);

	if (!t)
		return false;
	retire(r, t);
	return true;
}

/* The top bit of a slot's replay count marks it lost (BLOCK_REPLAY_MAX is far below it). */
#define LOST_FLAG 0x80u

unsigned int block_replay_restart(struct block_replay *r, uint32_t gen, uint32_t head)
{
	unsigned int lost = 0;

	if ((int32_t)(gen - r->r_generation) <= 0)
		return 0;
	r->r_generation = gen;
	for (unsigned i = 0; i < BLOCK_REPLAY_SLOTS; i++) {
		struct block_tracked *t = &r->r_slot[i];
		/* Posted before the head (ring positions run modulo 2^32): the dead provider had it. */
		if (t->t_used && (int32_t)(head - t->t_pos) > 0) {
			t->t_replays |= LOST_FLAG;
			lost++;
		}
	}
	return lost;
}

bool block_replay_next_lost(struct block_replay *r, struct block_request *out, bool *give_up)
{
	for (unsigned i = 0; i < BLOCK_REPLAY_SLOTS; i++) {
		struct block_tracked *t = &r->r_slot[i];
		if (!t->t_used || !(t->t_replays & LOST_FLAG))
			continue;
		t->t_replays &= (uint8_t)~LOST_FLAG;
		*out = t->t_req;
		*give_up = t->t_replays >= BLOCK_REPLAY_MAX;
		if (*give_up) {
			retire(r, t);
			r->r_failed++;
		}
		return true;
	}
	return false;
}

void block_replay_reposted(struct block_replay *r, uint64_t tag, uint32_t pos)
{
	struct block_tracked *t = find(r, tag);

	if (!t)
		return;
	t->t_replays++;
	t->t_pos = pos;
	r->r_replayed++;
}
