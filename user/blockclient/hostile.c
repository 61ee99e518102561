/*
 * user/blockclient/hostile.c - selftest=hostile-client: a client that
 * misbehaves against its own session, its provider and the kernel.
 *
 * It reads outside its device and across its end, names memory outside
 * its region, lends a region it does not hold, invokes capabilities it
 * does not hold, sends garbage and floods.  Every attempt must be refused
 * (by the provider's checks, the kernel's capability checks, or both) and
 * the session must keep working afterwards, which a proof read shows.  The
 * last attempt scribbles the ring's indices: the provider must stop
 * serving this session and carry on with every other.
 */
#include "lib/fmt.h"
#include "lib/string.h"
#include "user/blockclient/blk.h"
#include "user/lib/ulib.h"

#define NSEC_PER_MS 1000000ull

static unsigned attempts, refused;

static void verdict(const char *name, bool ok, const char *how)
{
	attempts++;
	refused += ok;
	if (ok)
		uprintf("selftest: hostile-client attempt=%s result=refused how=%s", name, how);
	else
		blk_error("selftest: hostile-client attempt=%s result=ALLOWED how=%s", name, how);
}

/* A request the provider must answer with exactly this error, without the device. */
static void request_refused(struct bdev *b, const char *name, uint16_t op, uint64_t lba, uint32_t blocks,
			    uint64_t offset, int want)
{
	uint16_t nvme_status;
	int err = bdev_io(b, op, lba, blocks, offset, &nvme_status);

	verdict(name, err == want && nvme_status == 0, err ? cr_err_name(err) : "completed");
}

static void syscall_refused(const char *name, int err, int want)
{
	verdict(name, err == want, err ? cr_err_name(err) : "succeeded");
}

int hostile_client_run(struct bdev *b)
{
	uint64_t n = b->info.bi_blocks, region_blocks = b->region_bytes / b->info.bi_block_xfer;
	uint32_t one_region = (uint32_t)(region_blocks < 65536 ? region_blocks : 65536);
	struct block_info info;
	struct block_map m;

	attempts = refused = 0;
	/* Outside the device: a partition's client must never reach its neighbour. */
	request_refused(b, "read-past-the-end", BLOCK_OP_READ, n, 1, 0, CR_ERANGE);
	request_refused(b, "read-straddling-the-end", BLOCK_OP_READ, n - 1, 2, 0, CR_ERANGE);
	request_refused(b, "write-straddling-the-end", BLOCK_OP_WRITE, n - 1, 2, 0, CR_ERANGE);
	request_refused(b, "zeroes-straddling-the-end", BLOCK_OP_WRITE_ZEROES, n - 1, 2, 0, CR_ERANGE);
	request_refused(b, "read-lba-wraps", BLOCK_OP_READ, UINT64_MAX, 2, 0, CR_ERANGE);
	/* Memory that is not its region. */
	request_refused(b, "read-past-the-region", BLOCK_OP_READ, 0, 1, b->region_bytes, CR_ERANGE);
	request_refused(b, "read-straddling-the-region", BLOCK_OP_READ, 0, 2,
			b->region_bytes - b->info.bi_block_xfer, CR_ERANGE);
	request_refused(b, "read-offset-wraps", BLOCK_OP_READ, 0, 1, UINT64_MAX - 8, CR_ERANGE);
	request_refused(b, "read-unaligned-offset", BLOCK_OP_READ, 0, 1, 1, CR_ERANGE);
	/* Garbage. */
	request_refused(b, "unknown-operation", 99, 0, 1, 0, CR_EINVAL);
	request_refused(b, "zero-blocks", BLOCK_OP_READ, 0, 0, 0, CR_ERANGE);
	request_refused(b, "more-blocks-than-nlb", BLOCK_OP_READ, 0, 65537, 0, CR_ERANGE);
	if (one_region < b->info.bi_blocks && one_region < 65536)
		request_refused(b, "larger-than-the-transfer-limit", BLOCK_OP_READ, 0, b->max_blocks + 1, 0,
				b->max_blocks + 1 > one_region ? CR_ERANGE : CR_EINVAL);
	/* Capabilities it does not hold, and a region it does not own. */
	syscall_refused("attach-a-notification-as-region", sys_block_attach(b->cap, blk.wake), CR_EBADCAP);
	syscall_refused("attach-a-second-region", sys_block_attach(b->cap, b->region_cap), CR_EEXIST);
	syscall_refused("attach-from-an-empty-slot", sys_block_attach(b->cap, CAP_SLOTS - 1), CR_EBADCAP);
	syscall_refused("info-on-an-empty-slot", sys_block_info(CAP_SLOTS - 1, &info), CR_EBADCAP);
	syscall_refused("info-on-the-console", sys_block_info(blk.console, &info), CR_EBADCAP);
	syscall_refused("notify-through-the-region", sys_block_notify(b->region_cap), CR_EBADCAP);
	syscall_refused("map-the-ring-twice", sys_block_map(b->cap, &m), CR_EBUSY);
	syscall_refused("wait-on-the-device", (int)sys_notify_wait(b->cap, 1), CR_EBADCAP);
	syscall_refused("notify-then-wait-on-the-console", (int)sys_block_notify_wait(b->cap, blk.console, 1),
			CR_EBADCAP);
	syscall_refused("nvme-doorbell-with-a-block-cap", (int)syscall6(SYS_NVME_DOORBELL, b->cap, 1, 0, 1, 0, 0),
			CR_EBADCAP);
	/* Floods: a burst of wake-ups, and a full ring of refused requests in one go. */
	for (int i = 0; i < 10000; i++)
		sys_block_notify(b->cap);
	verdict("notify-flood", true, "harmless");
	int room = block_ring_submit_room(&b->ring);
	for (int i = 0; i < room; i++)
		bdev_submit(b, 99, 0, 1, 0);
	sys_block_notify(b->cap);
	unsigned answered = 0;
	for (uint64_t t0 = clock_now_ns(); answered < (unsigned)room && clock_now_ns() - t0 < 5000 * NSEC_PER_MS;) {
		struct block_ack acks[BLOCK_RING_ENTRIES];
		int k = bdev_acks(b, acks, BLOCK_RING_ENTRIES);
		for (int i = 0; i < k; i++)
			answered += acks[i].ba_status == CR_EINVAL;
		if (answered < (unsigned)room)
			blk_wait(100 * NSEC_PER_MS);
	}
	char how[64];
	fmt_snprintf(how, sizeof(how), "requests=%d refused=%u", room, answered);
	verdict("request-flood", answered == (unsigned)room, how);
	/* Still serving: the session works after all of that. */
	verdict("session-still-works", io_proof(b) == 0, "proof-read");
	/* Last: indices the provider must not believe.  It stops serving this session, nothing else. */
	b->ring.c_ring->br_submit_tail = b->ring.c_req_tail + 1000;
	sys_block_notify(b->cap);
	blk_wait(200 * NSEC_PER_MS);
	verdict("scribbled-ring-indices", b->ring.c_ring->br_ack_tail == b->ring.c_ack_head, "no-ack-for-garbage");
	bool pass = attempts == refused;
	uprintf("selftest: hostile-client attempts=%u refused=%u result=%s", attempts, refused, pass ? "pass" : "fail");
	return pass ? 0 : CR_EPERM;
}
