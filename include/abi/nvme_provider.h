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

enum nvme_job_mode {
	NVME_JOB_SMOKE = 1,
	NVME_JOB_BENCH = 2,
};

struct nvme_job_extent {
	uint64_t je_lba;
	uint64_t je_seed;	/* writes only */
	uint32_t je_count;	/* logical blocks */
	uint32_t je_rsvd;
};
_Static_assert(sizeof(struct nvme_job_extent) == 24, "nvme_job_extent layout is ABI");

struct nvme_job {
	uint32_t j_mode;		/* enum nvme_job_mode */
	uint32_t j_nsid;		/* 0: first active namespace */
	uint32_t j_nreads, j_nwrites;
	struct nvme_job_extent j_reads[NVME_JOB_MAX_EXTENTS];
	struct nvme_job_extent j_writes[NVME_JOB_MAX_EXTENTS];
	uint32_t j_bench_pattern;	/* enum bench_pattern (lib/cmdline.h) */
	uint32_t j_bench_block_bytes;
	uint32_t j_bench_qd;
	uint32_t j_bench_seconds;
	uint32_t j_hostile;		/* enum selftest_kind (lib/cmdline.h): attack the kernel first */
	uint32_t j_cloud_ebs;		/* the manager saw Amazon's identity: never time out early */
};
_Static_assert(sizeof(struct nvme_job) == 808, "nvme_job layout is ABI");
_Static_assert(offsetof(struct nvme_job, j_writes) == 400, "nvme_job.j_writes");
_Static_assert(offsetof(struct nvme_job, j_bench_pattern) == 784, "nvme_job.j_bench_pattern");
_Static_assert(offsetof(struct nvme_job, j_cloud_ebs) == 804, "nvme_job.j_cloud_ebs");

#endif
