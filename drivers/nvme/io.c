/*
 * drivers/nvme/io.c - the smoke job's reads and writes.
 *
 * An extent of any length is split into commands of at most the transfer
 * limit (MDTS, and the broker's), each checked against the namespace
 * first.  The proof line's crc32 is zlib's CRC-32 of exactly the bytes the
 * reads returned, chained across the commands.  Writes carry the DESIGN.md
 * write pattern, are flushed, then read back and compared.
 */
#include "drivers/nvme/nvme_var.h"
#include "lib/crc32.h"
#include "lib/nvme_status.h"
#include "lib/pattern.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

static bool in_namespace(const char *what, const struct nvme_ns *ns, uint64_t lba, uint32_t count)
{
	if (lba >= ns->n_info.nsze || count > ns->n_info.nsze - lba) {
		nvme_error("nvme: %s error nsid=%u lba=%lu blocks=%u reason=beyond-namespace lbas=%lu",
			   what, ns->n_nsid, lba, count, ns->n_info.nsze);
		return false;
	}
	return true;
}

/* One command on the I/O queue; reports a bad status under what. */
static int rw(struct nvme_dev *d, const struct nvme_ns *ns, uint8_t opc, uint64_t lba, uint32_t n)
{
	struct nvme_sqe c;
	struct nvme_cqe e;
	const char *what = opc == NVME_CMD_READ ? "read" : "write";

	cmd_rw(&c, opc, ns, lba, n, d->d_data, d->d_md);
	int err = queue_exec(d, &d->d_io, &c, &e);
	if (err) {
		nvme_error("nvme: %s error nsid=%u lba=%lu blocks=%u reason=%s", what, ns->n_nsid, lba, n, cr_err_name(err));
		return err;
	}
	if (!nvme_status_ok(nvme_status_decode(e.status))) {
		report_status(what, ns->n_nsid, lba, n, &e);
		return CR_EIO;
	}
	return 0;
}

int io_read_extent(struct nvme_dev *d, const struct nvme_ns *ns, uint64_t lba, uint32_t count)
{
	uint32_t per = ns->n_max_blocks, crc = 0;
	uint64_t bytes = 0;

	if (!in_namespace("read", ns, lba, count))
		return CR_ERANGE;
	for (uint64_t done = 0; done < count;) {
		uint32_t n = (uint32_t)(count - done < per ? count - done : per);
		int err = rw(d, ns, NVME_CMD_READ, lba + done, n);
		if (err)
			return err;
		uint64_t len = (uint64_t)n * ns->n_block_xfer;
		crc = crc32_update(crc, pool_ptr(d, d->d_data), len);
		bytes += len;
		done += n;
	}
	uprintf("nvme: read ok nsid=%u lba=%lu blocks=%u bytes=%lu crc32=0x%08x commands=%lu md_bytes=%lu",
		ns->n_nsid, lba, count, bytes, crc, ((uint64_t)count + per - 1) / per,
		(uint64_t)count * ns->n_md_bytes);
	return 0;
}

/* The pattern for blocks [lba, lba+n) into the data buffer; metadata (if inline) zeroed. */
static void fill(struct nvme_dev *d, const struct nvme_ns *ns, uint64_t lba, uint32_t n, uint64_t seed)
{
	uint8_t *buf = pool_ptr(d, d->d_data);
	uint32_t lbs = ns->n_info.lba_bytes, xfer = ns->n_block_xfer;

	for (uint32_t b = 0; b < n; b++) {
		pattern_fill(buf + (uint64_t)b * xfer, (lba + b) * lbs, lbs, seed);
		memset(buf + (uint64_t)b * xfer + lbs, 0, xfer - lbs);
	}
}

static long check(struct nvme_dev *d, const struct nvme_ns *ns, uint64_t lba, uint32_t n, uint64_t seed)
{
	const uint8_t *buf = pool_ptr(d, d->d_data);
	uint32_t lbs = ns->n_info.lba_bytes, xfer = ns->n_block_xfer;

	for (uint32_t b = 0; b < n; b++) {
		long bad = pattern_check(buf + (uint64_t)b * xfer, (lba + b) * lbs, lbs, seed);
		if (bad >= 0)
			return (long)b * (lbs / 8) + bad;
	}
	return -1;
}

int io_write_extent(struct nvme_dev *d, const struct nvme_ns *ns, uint64_t lba, uint32_t count, uint64_t seed)
{
	uint32_t per = ns->n_max_blocks, crc = 0;
	int err;

	if (!in_namespace("write", ns, lba, count))
		return CR_ERANGE;
	if (ns->n_md_bytes)
		memset(pool_ptr(d, d->d_md), 0, d->d_info.di_page_size);	/* no protection information to supply */
	for (uint64_t done = 0; done < count;) {
		uint32_t n = (uint32_t)(count - done < per ? count - done : per);
		fill(d, ns, lba + done, n, seed);
		crc = crc32_update(crc, pool_ptr(d, d->d_data), (uint64_t)n * ns->n_block_xfer);
		if ((err = rw(d, ns, NVME_CMD_WRITE, lba + done, n)) < 0)
			return err;
		done += n;
	}
	if ((err = cmd_flush(d, ns->n_nsid)) < 0)
		return err;
	/* Read it back: what the device returns must be the pattern, block for block. */
	for (uint64_t done = 0; done < count;) {
		uint32_t n = (uint32_t)(count - done < per ? count - done : per);
		if ((err = rw(d, ns, NVME_CMD_READ, lba + done, n)) < 0)
			return err;
		long bad = check(d, ns, lba + done, n, seed);
		if (bad >= 0) {
			nvme_error("nvme: write error nsid=%u lba=%lu blocks=%u reason=readback-mismatch word=%ld",
				   ns->n_nsid, lba + done, n, bad);
			return CR_EIO;
		}
		done += n;
	}
	uprintf("nvme: write ok nsid=%u lba=%lu blocks=%u bytes=%lu seed=0x%lx crc32=0x%08x flush=ok verify=readback-match",
		ns->n_nsid, lba, count, (uint64_t)count * ns->n_block_xfer, seed, crc);
	return 0;
}
