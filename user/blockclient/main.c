/*
 * user/blockclient/main.c - a block client: open every device it was
 * given, then run its job (include/abi/block_job.h).
 */
#include <stdarg.h>

#include "lib/fmt.h"
#include "user/blockclient/blk.h"
#include "user/lib/ulib.h"

struct blk blk;

void blk_error(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	uprintf("%s", line);
	blk.errors++;
}

static int open_devices(const struct start_info *si, const struct block_job *job)
{
	blk.console = start_cap(si, CAP_TYPE_CONSOLE, 0);
	blk.wake = start_cap(si, CAP_TYPE_NOTIFICATION, 0);
	for (unsigned int i = 0; i < job->bj_ndevs && i < BLK_MAX_DEVS; i++) {
		int cap = start_cap(si, CAP_TYPE_BLOCK_DEVICE, i), region = start_cap(si, CAP_TYPE_REGION, i);
		int err = cap < 0 || region < 0 ? CR_EBADCAP : bdev_open(&blk.dev[i], cap, region);
		if (err) {
			blk_error("client: error cannot open device %u err=%s", i, cr_err_name(err));
			return err;
		}
		blk.ndevs++;
	}
	if (blk.wake < 0 || blk.ndevs == 0) {
		blk_error("client: error missing capabilities wake=%d devices=%u", blk.wake, blk.ndevs);
		return CR_EBADCAP;
	}
	return 0;
}

int main(const struct start_info *si)
{
	const struct block_job *job = (const struct block_job *)si->si_args;
	int failures = 0;

	if (si->si_args_len < sizeof(*job)) {
		uprintf("client: error no job in the start page");
		return 2;
	}
	if (open_devices(si, job) < 0)
		return 1;
	blk.spin = job->bj_flags & BLOCK_JOB_SPIN;
	struct bdev *b = &blk.dev[0];
	if (job->bj_flags & BLOCK_JOB_PROOF) {
		for (unsigned int i = 0; i < blk.ndevs; i++)
			failures += io_proof(&blk.dev[i]) < 0;
	}
	if (job->bj_flags & BLOCK_JOB_HOSTILE)
		failures += hostile_client_run(b) < 0;
	if (job->bj_flags & BLOCK_JOB_EXTENTS) {
		for (unsigned int i = 0; i < job->bj_nwrites && i < NVME_JOB_MAX_EXTENTS; i++) {
			const struct nvme_job_extent *w = &job->bj_writes[i];
			if (w->je_op == NVME_JOB_WRITE_ZEROES)
				failures += io_zeroes(b, w->je_lba, w->je_count) < 0;
			else if (w->je_op == NVME_JOB_TRIM)
				failures += io_trim(b, w->je_lba, w->je_count) < 0;
			else
				failures += io_write(b, w->je_lba, w->je_count, w->je_seed) < 0;
		}
		for (unsigned int i = 0; i < job->bj_nreads && i < NVME_JOB_MAX_EXTENTS; i++)
			failures += io_read(b, job->bj_reads[i].je_lba, job->bj_reads[i].je_count) < 0;
	}
	if (job->bj_flags & BLOCK_JOB_SOAK)
		failures += soak_run(b, job->bj_soak_seconds) < 0;
	if (job->bj_flags & BLOCK_JOB_BENCH)
		failures += bench_run(job) < 0;
	return failures || blk.errors ? 1 : 0;
}
