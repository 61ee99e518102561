/*
 * include/abi/nvme_provider.h - the job the manager hands the NVMe provider.
 *
 * Copied into the provider's start page (si_args): which namespace, which
 * extents to read and write, the benchmark parameters, and whether to run
 * the hostile self-test.  All of it comes from the kernel command line.
 */
#ifndef CAPROCK_ABI_NVME_PROVIDER_H
#define CAPROCK_ABI_NVME_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#define NVME_JOB_MAX_EXTENTS 16

/*
 * The provider's inbox Notification: one bit per block session (its
 * clients posted requests, or one went away), one for the controller's
 * completion interrupts, one for the kernel asking it to finish (the power
 * button, the end of a run).
 */
#define NVME_INBOX_SESSION(i)	(1ull << (i))	/* i < NVME_INBOX_SESSIONS */
#define NVME_INBOX_SESSIONS	48
#define NVME_INBOX_IRQ		(1ull << 56)
#define NVME_INBOX_STOP		(1ull << 60)

enum nvme_job_mode {
	NVME_JOB_SERVE = 1,		/* serve the BlockSession capabilities granted until NVME_INBOX_STOP */
	NVME_JOB_BENCH = 2,		/* benchmark the namespace on the provider's own queue, then serve */
};

/* What a write extent asks (nvme.write=, nvme.zeroes=, nvme.trim=). */
enum nvme_job_write_op {
	NVME_JOB_WRITE_PATTERN = 0,	/* the pattern of je_seed, flushed, read back */
	NVME_JOB_WRITE_ZEROES = 1,	/* Write Zeroes, flushed, read back as zeros */
	NVME_JOB_TRIM = 2,		/* Dataset Management deallocate: what reads return after is the device's */
};

/* Logical blocks at an LBA; the seed of the write pattern for writes. */
struct nvme_job_extent {
	uint64_t je_lba;
	uint64_t je_seed;	/* writes only */
	uint32_t je_count;	/* logical blocks */
	uint32_t je_op;		/* writes: enum nvme_job_write_op; reads: 0 */
};
_Static_assert(sizeof(struct nvme_job_extent) == 24, "nvme_job_extent layout is ABI");

struct nvme_job {
	uint32_t j_mode;		/* enum nvme_job_mode */
	uint32_t j_nsid;		/* bench: the namespace */
	uint32_t j_bench_pattern;	/* enum bench_pattern (lib/cmdline.h) */
	uint32_t j_bench_block_bytes;
	uint32_t j_bench_qd;
	uint32_t j_bench_seconds;
	uint32_t j_hostile;		/* enum selftest_kind (lib/cmdline.h): attack the kernel first */
	uint32_t j_cloud_ebs;		/* the manager saw Amazon's identity: never time out early */
	uint32_t j_data_bytes;		/* its own buffers need this much of the pool (bench, hostile) */
	uint32_t j_fault;		/* enum fault_mode (lib/cmdline.h): fault.provider=, generation 1 only */
	uint32_t j_fault_after;		/* FAULT_AFTER / FAULT_HANG: after taking this many requests */
	uint32_t j_generation;		/* 1, then +1 per restart (kernel/nvme/supervise.c) */
	uint32_t j_poll;		/* enum nvme_poll_choice (lib/cmdline.h): nvme.poll= */
	uint32_t j_rsvd;
};
_Static_assert(sizeof(struct nvme_job) == 56, "nvme_job layout is ABI");
_Static_assert(offsetof(struct nvme_job, j_poll) == 48, "nvme_job.j_poll");
_Static_assert(offsetof(struct nvme_job, j_cloud_ebs) == 28, "nvme_job.j_cloud_ebs");

#endif
