/*
 * lib/cmdline.h - the kernel command line, parsed into typed options.
 *
 * The grammar is space-separated key=value tokens (DESIGN.md §2).  Every
 * problem (unknown key, malformed or out-of-range value, duplicate key) is
 * recorded as a message in opts->errors; parsing never stops early, so one
 * boot reports every mistake at once.
 */
#ifndef CAPROCK_LIB_CMDLINE_H
#define CAPROCK_LIB_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/apic_mode.h"
#include "lib/clock_calc.h"

#define CMDLINE_MAX_EXTENTS	16
#define CMDLINE_MAX_ERRORS	8
#define CMDLINE_MAX_SMP_CPUS	4096	/* smp.cpus= upper bound: more than any instance has */
#define CMDLINE_BKL_HALT_US_DEFAULT	25	/* smp.bkl_halt_us= (kernel/core/locking.h L0) */
#define CMDLINE_MAX_BKL_HALT_US		1000000
#define CMDLINE_IDLE_POLL_US_DEFAULT	50	/* smp.idle_poll_us= (kernel/core/sched.c) */
#define CMDLINE_MAX_IDLE_POLL_US	10000
#define CMDLINE_ERROR_LEN	160

enum run_mode {
	RUN_MODE_SMOKE,		/* bind, identify, read, classify, report */
	RUN_MODE_BENCH,		/* in-guest benchmark */
	RUN_MODE_BOOT,		/* foundation only: enumerate, ring-3 self-test */
	RUN_MODE_SERVE,		/* the jobs, then idle until the power button (or serve.seconds) */
};

/* dma.copy=: how the bounce lane copies (kernel/arch/x86_64/copy_variants.h); auto measures at boot. */
enum dma_copy_choice {
	DMA_COPY_AUTO,
	DMA_COPY_WORDS,
	DMA_COPY_UNROLLED,
	DMA_COPY_REP_MOVSQ,
	DMA_COPY_REP_MOVSB,
	DMA_COPY_SSE,
	DMA_COPY_NCHOICES
};

enum dma_backend_choice {
	DMA_CHOICE_AUTO,	/* direct remapping if verified, else bounce */
	DMA_CHOICE_BOUNCE,
	DMA_CHOICE_REMAP,
};

/* dma.bounce=: on the no-IOMMU lane, stage only buffers the device cannot take in place, or every byte. */
enum dma_bounce_choice {
	DMA_BOUNCE_WHEN_NEEDED,	/* the default */
	DMA_BOUNCE_ALWAYS,
};

/* iommu.invalidation=: how VT-d caches are invalidated (auto: queued where the unit has it). */
enum iommu_inval_choice {
	IOMMU_INVAL_AUTO,
	IOMMU_INVAL_REGISTER,
	IOMMU_INVAL_QUEUED,
};

/*
 * iommu.interrupt_isolation=: must a controller's interrupt isolation be
 * verified at bind before it gets the direct lane?  optional lets a
 * controller whose DMA isolation verified take the direct lane anyway
 * (labelled unverified): a device could then raise interrupts it was not
 * granted, INIT and SMI included.
 */
enum irq_isolation_choice {
	IRQ_ISOLATION_REQUIRED,
	IRQ_ISOLATION_OPTIONAL,
};

enum bench_pattern {
	BENCH_RANDREAD,
	BENCH_RANDWRITE,
	BENCH_SEQREAD,
	BENCH_SEQWRITE,
};

enum selftest_kind {
	SELFTEST_NONE,
	SELFTEST_HOSTILE,	/* the provider attacks the kernel, then does its job */
	SELFTEST_HOSTILE_HANG,	/* the provider waits forever: the run deadline must end it */
	SELFTEST_HOSTILE_CLIENT,	/* a client attacks its session, the provider and other clients */
	SELFTEST_HOSTILE_IRQ,	/* the provider makes its device raise interrupts (direct lane), then does its job */
	SELFTEST_TLB_SHOOTDOWN,	/* mode=boot: a process on another CPU keeps writing a page CPU 0 unmaps; it must fault */
	SELFTEST_LOCK_ORDER,	/* mode=boot: the lock order check refuses what locking.h L5 forbids */
	SELFTEST_LAZY_ROOT,	/* mode=boot: a root an idle CPU kept is let go there before it is freed */
};

/* fault.provider=nvmeN[:after=K|:hang|:bind|:always]: what generation 1 of that provider does on purpose. */
enum fault_mode {
	FAULT_NONE,
	FAULT_AT_ONCE,		/* a page fault as soon as it serves */
	FAULT_AFTER,		/* a page fault after taking fault_after requests (mid-job) */
	FAULT_HANG,		/* stops making progress after taking its first request */
	FAULT_AT_BIND,		/* a page fault while binding: its admin queue enabled, no I/O queue yet */
	FAULT_ALWAYS,		/* every generation faults once serving: the volume must be declared failed */
};

/*
 * nvme.poll=: completion polling (kernel/nvme/poll.c).  adaptive: before
 * waiting for an interrupt, look at the device's completion queue for a
 * bound learned from recent completion times; always: poll for the whole
 * work budget, and the provider polls its session rings while busy (a
 * provider with a CPU of its own); never: interrupts only.  Polling always
 * gives way to other runnable work.
 */
enum nvme_poll_choice {
	NVME_POLL_ADAPTIVE,
	NVME_POLL_ALWAYS,
	NVME_POLL_NEVER,
};

enum bench_path {
	BENCH_PATH_PROVIDER,	/* the provider drives its own queue (the device's cost alone) */
	BENCH_PATH_CLIENT,	/* a client through BlockDevice sessions (what a user of the storage gets) */
};

/* nvme.irq=msix|msi|intx: the only interrupt kind a controller may use (testing the fallbacks). */
#define NVME_IRQ_MSIX		(1u << 0)
#define NVME_IRQ_MSI		(1u << 1)
#define NVME_IRQ_INTX		(1u << 2)

#define CMDLINE_DEV_BYTES	16	/* "nvme12n3p17" and its NUL */
#define CMDLINE_MAX_BENCH_DEVS	32

/* One nvme.read (seed unused) or nvme.write extent, in logical blocks. */
struct cmdline_extent {
	uint64_t lba;
	uint32_t count;
	uint64_t seed;
	uint32_t op;	/* writes: enum nvme_job_write_op (nvme.write=, nvme.zeroes=, nvme.trim=, in their order) */
};

struct boot_options {
	enum run_mode mode;
	struct cmdline_extent reads[CMDLINE_MAX_EXTENTS];
	unsigned int nreads;
	struct cmdline_extent writes[CMDLINE_MAX_EXTENTS];
	unsigned int nwrites;
	uint32_t nsid;			/* 0: the first active namespace */
	enum dma_backend_choice dma_backend;
	enum iommu_inval_choice iommu_inval;
	enum irq_isolation_choice irq_isolation;
	enum dma_copy_choice dma_copy;
	enum dma_bounce_choice dma_bounce;
	enum bench_pattern bench_pattern;
	uint32_t bench_block_bytes;
	uint32_t bench_qd;
	uint32_t bench_seconds;
	uint32_t soak_seconds;		/* soak.seconds=: every client loops write, read back, verify this long (0: none) */
	enum selftest_kind selftest;
	char dev[CMDLINE_DEV_BYTES];	/* nvme.dev=: the device the jobs address; "" = the default */
	int fault_provider;		/* fault.provider=nvmeN: that provider faults on purpose; -1 none */
	enum fault_mode fault_mode;	/* how: at once serving, after K requests, or a hang */
	uint32_t fault_after;		/* :after=K (K requests taken first) */
	int fault_irq;			/* fault.irq=nvmeN: its vectors masked behind the kernel's back; -1 none */
	int fault_vanish;		/* fault.vanish=nvmeN: ejected once it served its client, unasked (mode=serve, pc); -1 none */
	int fault_ctrl;			/* fault.ctrl=nvmeN: its bus mastering cleared mid-job (a dead controller); -1 none */
	int fault_rdy;			/* fault.rdy=nvmeN: the manager reads its CSTS.RDY as stuck at 1 until a function reset; -1 none */
	bool fault_rdy_always;		/* fault.rdy=nvmeN:always: stuck even after the function reset */
	int fault_rdy_late;		/* fault.rdy_late=nvmeN:MS: after boot, the manager reads RDY=1 only MS after CC.EN=1; -1 none */
	uint32_t fault_rdy_late_ms;
	uint32_t nvme_timeout_ms;	/* nvme.timeout_ms=: a command older than this is looked at (0: by surface) */
	unsigned int nvme_irq_kinds;	/* nvme.irq=: NVME_IRQ_* kinds bind may use (0 = any) */
	int64_t fault_cpu;		/* fault.cpu=APICID: no STARTUP for that processor (never starts); -1 none */
	int fault_panic_cpu;		/* fault.panic=cpuN: CPU N panics once online (tests the stop); -1 none */
	bool fault_shootdown_skip;	/* fault.shootdown=skip: no TLB shootdown IPIs (shows selftest=tlb-shootdown can fail) */
	bool fault_retire_skip;		/* fault.retire=skip: no CPU asked to let a root go (shows selftest=lazy-root can fail) */
	enum bench_path bench_path;
	bool bench_all_devs;		/* bench.devs=all: every controller's first namespace */
	bool bench_one_client;		/* bench.clients=one: one client process drives every device (else one each) */
	unsigned int nbench_devs;
	char bench_devs[CMDLINE_MAX_BENCH_DEVS][CMDLINE_DEV_BYTES];
	uint32_t run_timeout_s;		/* 0: the mode's default deadline */
	uint32_t serve_seconds;		/* mode=serve: stop after this long; 0 = only the power button */
	enum clock_source clock_source;	/* clock.source=: CLOCK_SRC_NONE = the most trusted available */
	enum apic_request apic_mode;	/* apic.mode=: APIC_REQ_AUTO, _XAPIC or _X2APIC */
	enum apic_request apic_timer;	/* apic.timer=: APIC_REQ_AUTO, _PERIODIC or _TSC_DEADLINE */
	uint32_t smp_cpus;		/* smp.cpus=: at most this many CPUs, the boot CPU included; 0 = all */
	uint32_t smp_bkl_halt_us;	/* smp.bkl_halt_us=: a wait for the BKL this long halts until kicked; 0 never */
	uint32_t smp_idle_poll_us;	/* smp.idle_poll_us=: an idle CPU watches for work this long before it halts; 0 never */
	enum nvme_poll_choice nvme_poll;	/* nvme.poll= */

	unsigned int nerrors;		/* may exceed CMDLINE_MAX_ERRORS; extra messages dropped */
	char errors[CMDLINE_MAX_ERRORS][CMDLINE_ERROR_LEN];
};

/* Parse a NUL-terminated command line (NULL means empty) into *opts. */
void cmdline_parse(const char *line, struct boot_options *opts);

const char *run_mode_name(enum run_mode mode);
const char *dma_choice_name(enum dma_backend_choice choice);
const char *iommu_inval_choice_name(enum iommu_inval_choice choice);
const char *irq_isolation_choice_name(enum irq_isolation_choice choice);
const char *dma_copy_choice_name(enum dma_copy_choice choice);
const char *dma_bounce_choice_name(enum dma_bounce_choice choice);
const char *bench_pattern_name(enum bench_pattern pattern);
const char *nvme_poll_choice_name(enum nvme_poll_choice choice);

#endif
