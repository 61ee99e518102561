/*
 * include/abi/block_job.h - what a block client is asked to do (its start
 * page's argument block), from the kernel command line and the policy
 * that gave it its BlockDevice capabilities (kernel/nvme/units.c).
 */
#ifndef CAPROCK_ABI_BLOCK_JOB_H
#define CAPROCK_ABI_BLOCK_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "include/abi/nvme_provider.h"

#define BLOCK_JOB_PROOF		(1u << 0)	/* read 4 KiB (or one block) at LBA 0 of each device */
#define BLOCK_JOB_EXTENTS	(1u << 1)	/* the reads and writes below, on device 0 */
#define BLOCK_JOB_BENCH		(1u << 2)	/* the benchmark, on every device at once */
#define BLOCK_JOB_HOSTILE	(1u << 3)	/* selftest=hostile-client first, on device 0 */
#define BLOCK_JOB_SPIN		(1u << 4)	/* look at the rings for a short, learned while before sleeping (nvme.poll=, more than one CPU) */
#define BLOCK_JOB_SOAK		(1u << 5)	/* soak.seconds=: write, read back, verify on device 0 */

struct block_job {
	uint32_t bj_flags;
	uint32_t bj_ndevs;		/* BlockDevice capabilities granted (nth 0..), one Region each */
	uint32_t bj_nreads, bj_nwrites;
	struct nvme_job_extent bj_reads[NVME_JOB_MAX_EXTENTS];
	struct nvme_job_extent bj_writes[NVME_JOB_MAX_EXTENTS];
	uint32_t bj_bench_pattern;	/* enum bench_pattern (lib/cmdline.h) */
	uint32_t bj_bench_block_bytes;
	uint32_t bj_bench_qd;		/* per device */
	uint32_t bj_bench_seconds;
	uint32_t bj_soak_seconds;	/* BLOCK_JOB_SOAK: how long */
	uint16_t bj_bench_part;		/* bench.clients=per-device: this client's share, 1.. (0: the only client) */
	uint16_t bj_bench_parts;	/* ... of how many */
};
_Static_assert(sizeof(struct block_job) == 16 + 2 * 16 * 24 + 24, "block_job layout is ABI");
_Static_assert(offsetof(struct block_job, bj_writes) == 16 + 16 * 24, "block_job.bj_writes");

#endif
