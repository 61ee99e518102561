/*
 * lib/cmdline.c - kernel command-line parser (see cmdline.h, DESIGN.md §2).
 */
#include "lib/cmdline.h"

#include <stddef.h>

#include "include/abi/nvme_provider.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* A token is a view into the command line: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

static void add_error(struct boot_options *o, const char *fmt, struct span s)
{
	if (o->nerrors < CMDLINE_MAX_ERRORS)
		fmt_snprintf(o->errors[o->nerrors], CMDLINE_ERROR_LEN, fmt,
			     (int)(s.n > 96 ? 96 : s.n), s.p);
	o->nerrors++;
}

static bool span_is(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* Unsigned decimal or 0x-prefixed hexadecimal; the whole span must be used. */
static bool parse_u64(struct span s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (s.n >= 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == s.n)
		return false;
	for (; i < s.n; i++) {
		char c = s.p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* The range the last refused number had to be in, for the error line (hi 0: none). */
static uint64_t refused_lo, refused_hi;

static bool parse_u32_range(struct span s, uint64_t lo, uint64_t hi, uint32_t *out)
{
	uint64_t v;

	if (!parse_u64(s, &v) || v < lo || v > hi) {
		refused_lo = lo;
		refused_hi = hi;
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* Split s into at most max fields at sep; returns the field count (max+1 if more). */
static size_t split_fields(struct span s, char sep, struct span *f, size_t max)
{
	size_t nf = 0, start = 0;

	for (size_t i = 0; i <= s.n; i++) {
		if (i == s.n || s.p[i] == sep) {
			if (nf == max)
				return max + 1;
			f[nf++] = (struct span){ s.p + start, i - start };
			start = i + 1;
		}
	}
	return nf;
}

/* "nvmeN" (a controller's name, N < 64) into *unit. */
static bool parse_unit_name(struct span v, uint32_t *unit)
{
	return v.n > 4 && memcmp(v.p, "nvme", 4) == 0 &&
	       parse_u32_range((struct span){ v.p + 4, v.n - 4 }, 0, 63, unit);
}

/*
 * LBA:COUNT[,...] (reads) or LBA:COUNT:SEED[,...] (writes) into list[*n].
 * COUNT is 1..2^32-1 and LBA + COUNT must not wrap 64 bits.
 */
static void parse_extents(struct boot_options *o, struct span val,
			  struct cmdline_extent *list, unsigned int *n, bool with_seed, uint32_t op)
{
	struct span items[CMDLINE_MAX_EXTENTS + 1];
	size_t nitems = split_fields(val, ',', items, CMDLINE_MAX_EXTENTS);

	if (nitems > CMDLINE_MAX_EXTENTS) {
		add_error(o, "cmdline: too many extents in \"%.*s\" (at most 16 per key)", val);
		return;
	}
	for (size_t i = 0; i < nitems; i++) {
		struct span f[4];
		size_t want = with_seed ? 3 : 2;
		uint64_t v[3] = { 0, 0, 0 }, end;
		bool ok = split_fields(items[i], ':', f, 3) == want;

		for (size_t k = 0; ok && k < want; k++)
			ok = parse_u64(f[k], &v[k]);
		if (!ok) {
			add_error(o, with_seed ?
				  "cmdline: malformed extent \"%.*s\" (want LBA:COUNT:SEED)" :
				  "cmdline: malformed extent \"%.*s\" (want LBA:COUNT)", items[i]);
		} else if (v[1] == 0 || v[1] > UINT32_MAX || __builtin_add_overflow(v[0], v[1], &end)) {
			add_error(o, "cmdline: extent out of range \"%.*s\" (COUNT 1..4294967295, LBA+COUNT within 64 bits)",
				  items[i]);
		} else if (*n >= CMDLINE_MAX_EXTENTS) {
			add_error(o, "cmdline: too many extents at \"%.*s\" (at most 16 per key)", items[i]);
		} else {
			list[(*n)++] = (struct cmdline_extent){ v[0], (uint32_t)v[1], v[2], op };
		}
	}
}

/* "randread4k", "seqwrite128k": pattern name then block size in KiB. */
static bool parse_bench_job(struct span s, enum bench_pattern *pat, uint32_t *bytes)
{
	static const struct { const char *name; enum bench_pattern pat; } pats[] = {
		{ "randread", BENCH_RANDREAD }, { "randwrite", BENCH_RANDWRITE },
		{ "seqread", BENCH_SEQREAD }, { "seqwrite", BENCH_SEQWRITE },
	};

	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		size_t n = strlen(pats[i].name);
		uint32_t kib;
		if (s.n < n + 2 || memcmp(s.p, pats[i].name, n) != 0 || s.p[s.n - 1] != 'k')
			continue;
		if (!parse_u32_range((struct span){ s.p + n, s.n - n - 1 }, 1, 65536, &kib))
			return false;
		*pat = pats[i].pat;
		*bytes = kib * 1024;
		return true;
	}
	return false;
}

/* Keys that take one value; a second occurrence is an error. */
enum scalar_key { K_MODE, K_NSID, K_DMA, K_JOB, K_QD, K_SECONDS, K_SELFTEST, K_RUN_TIMEOUT, K_SERVE_SECONDS,
		  K_CLOCK, K_APIC_MODE, K_APIC_TIMER, K_DEV, K_BENCH_PATH, K_BENCH_DEVS, K_BENCH_CLIENTS, K_FAULT, K_DMA_COPY,
		  K_IOMMU_INVAL, K_FAULT_IRQ, K_NVME_IRQ, K_IRQ_ISOLATION, K_SMP_CPUS, K_FAULT_CPU, K_FAULT_PANIC,
		  K_FAULT_CTRL, K_NVME_TIMEOUT, K_FAULT_RDY, K_FAULT_VANISH, K_DMA_BOUNCE, K_NVME_POLL, K_SOAK_SECONDS,
		  K_FAULT_SHOOTDOWN, K_SMP_BKL_HALT, K_FAULT_RDY_LATE, K_FAULT_RETIRE, K_SMP_IDLE_POLL, K_NKEYS };

/* A decimal number at *i without leading zeros; false if there is none. */
static bool take_number(struct span s, size_t *i, bool zero_ok)
{
	size_t start = *i;

	while (*i < s.n && s.p[*i] >= '0' && s.p[*i] <= '9')
		(*i)++;
	if (*i == start || *i - start > 5)
		return false;
	return s.p[start] != '0' || (zero_ok && *i - start == 1);
}

/* A device name as DESIGN.md §2 spells them: nvme<c>n<ns>[p<part>], c from 0, ns and part from 1. */
static bool parse_dev_name(struct span s, char out[CMDLINE_DEV_BYTES])
{
	size_t i = 4;

	if (s.n >= CMDLINE_DEV_BYTES || s.n < 7 || memcmp(s.p, "nvme", 4) != 0)
		return false;
	if (!take_number(s, &i, true) || i >= s.n || s.p[i++] != 'n' || !take_number(s, &i, false))
		return false;
	if (i < s.n && (s.p[i++] != 'p' || !take_number(s, &i, false)))
		return false;
	if (i != s.n)
		return false;
	memcpy(out, s.p, s.n);
	out[s.n] = 0;
	return true;
}

static void parse_token(struct boot_options *o, struct span tok, bool seen[K_NKEYS])
{
	struct span f[2] = { { 0, 0 }, { 0, 0 } };
	size_t nf = split_fields(tok, '=', f, 1);
	int key = -1;

	if (nf == 1 || f[0].n == 0) {
		add_error(o, "cmdline: token \"%.*s\" is not key=value", tok);
		return;
	}
	struct span k = f[0];
	struct span v = { f[0].p + f[0].n + 1, tok.n - f[0].n - 1 };

	if (span_is(k, "nvme.read")) {
		parse_extents(o, v, o->reads, &o->nreads, false, 0);
		return;
	}
	if (span_is(k, "nvme.write")) {
		parse_extents(o, v, o->writes, &o->nwrites, true, NVME_JOB_WRITE_PATTERN);
		return;
	}
	if (span_is(k, "nvme.zeroes") || span_is(k, "nvme.trim")) {
		/* They share the writes' list (and its 16 extents), in command-line order. */
		parse_extents(o, v, o->writes, &o->nwrites, false,
			      span_is(k, "nvme.trim") ? NVME_JOB_TRIM : NVME_JOB_WRITE_ZEROES);
		return;
	}

	bool ok = true;

	refused_hi = 0;
	if (span_is(k, "mode")) {
		key = K_MODE;
		if (span_is(v, "smoke"))
			o->mode = RUN_MODE_SMOKE;
		else if (span_is(v, "bench"))
			o->mode = RUN_MODE_BENCH;
		else if (span_is(v, "boot"))
			o->mode = RUN_MODE_BOOT;
		else if (span_is(v, "serve"))
			o->mode = RUN_MODE_SERVE;
		else
			ok = false;
	} else if (span_is(k, "nvme.nsid")) {
		/* 0 and 0xffffffff (broadcast) never name one namespace. */
		key = K_NSID;
		ok = parse_u32_range(v, 1, 0xfffffffe, &o->nsid);
	} else if (span_is(k, "dma.backend")) {
		key = K_DMA;
		if (span_is(v, "auto"))
			o->dma_backend = DMA_CHOICE_AUTO;
		else if (span_is(v, "bounce"))
			o->dma_backend = DMA_CHOICE_BOUNCE;
		else if (span_is(v, "remap"))
			o->dma_backend = DMA_CHOICE_REMAP;
		else
			ok = false;
	} else if (span_is(k, "iommu.invalidation")) {
		key = K_IOMMU_INVAL;
		if (span_is(v, "auto"))
			o->iommu_inval = IOMMU_INVAL_AUTO;
		else if (span_is(v, "register"))
			o->iommu_inval = IOMMU_INVAL_REGISTER;
		else if (span_is(v, "queued"))
			o->iommu_inval = IOMMU_INVAL_QUEUED;
		else
			ok = false;
	} else if (span_is(k, "iommu.interrupt_isolation")) {
		key = K_IRQ_ISOLATION;
		if (span_is(v, "required"))
			o->irq_isolation = IRQ_ISOLATION_REQUIRED;
		else if (span_is(v, "optional"))
			o->irq_isolation = IRQ_ISOLATION_OPTIONAL;
		else
			ok = false;
	} else if (span_is(k, "dma.copy")) {
		key = K_DMA_COPY;
		ok = false;
		for (int c = DMA_COPY_AUTO; c < DMA_COPY_NCHOICES && !ok; c++) {
			if (span_is(v, dma_copy_choice_name((enum dma_copy_choice)c))) {
				o->dma_copy = (enum dma_copy_choice)c;
				ok = true;
			}
		}
	} else if (span_is(k, "dma.bounce")) {
		key = K_DMA_BOUNCE;
		if (span_is(v, "when-needed"))
			o->dma_bounce = DMA_BOUNCE_WHEN_NEEDED;
		else if (span_is(v, "always"))
			o->dma_bounce = DMA_BOUNCE_ALWAYS;
		else
			ok = false;
	} else if (span_is(k, "bench.job")) {
		key = K_JOB;
		ok = parse_bench_job(v, &o->bench_pattern, &o->bench_block_bytes);
	} else if (span_is(k, "bench.qd")) {
		key = K_QD;
		ok = parse_u32_range(v, 1, 65535, &o->bench_qd);
	} else if (span_is(k, "bench.seconds")) {
		key = K_SECONDS;
		ok = parse_u32_range(v, 1, 3600, &o->bench_seconds);
	} else if (span_is(k, "serve.seconds")) {
		key = K_SERVE_SECONDS;
		ok = parse_u32_range(v, 1, UINT32_MAX, &o->serve_seconds);
	} else if (span_is(k, "soak.seconds")) {
		/* Every client writes, reads back and verifies on its device for this long (tests). */
		key = K_SOAK_SECONDS;
		ok = parse_u32_range(v, 1, 3600, &o->soak_seconds);
	} else if (span_is(k, "clock.source")) {
		/* Calibrate from this reference only (tests; a machine whose best source lies). */
		key = K_CLOCK;
		o->clock_source = clock_source_from_name(v.p, v.n);
		ok = o->clock_source != CLOCK_SRC_NONE;
	} else if (span_is(k, "apic.mode")) {
		/* A way round an x2APIC path that misbehaves on some machine: apic.mode=xapic. */
		key = K_APIC_MODE;
		if (span_is(v, "auto"))
			o->apic_mode = APIC_REQ_AUTO;
		else if (span_is(v, "xapic"))
			o->apic_mode = APIC_REQ_XAPIC;
		else if (span_is(v, "x2apic"))
			o->apic_mode = APIC_REQ_X2APIC;
		else
			ok = false;
	} else if (span_is(k, "apic.timer")) {
		key = K_APIC_TIMER;
		if (span_is(v, "auto"))
			o->apic_timer = APIC_REQ_AUTO;
		else if (span_is(v, "periodic"))
			o->apic_timer = APIC_REQ_PERIODIC;
		else if (span_is(v, "tsc-deadline"))
			o->apic_timer = APIC_REQ_TSC_DEADLINE;
		else
			ok = false;
	} else if (span_is(k, "smp.cpus")) {
		/* 1 keeps the boot CPU alone, as before SMP. */
		key = K_SMP_CPUS;
		ok = parse_u32_range(v, 1, CMDLINE_MAX_SMP_CPUS, &o->smp_cpus);
	} else if (span_is(k, "smp.bkl_halt_us")) {
		/* 0: a CPU waiting for the big kernel lock spins however long it takes. */
		key = K_SMP_BKL_HALT;
		ok = parse_u32_range(v, 0, CMDLINE_MAX_BKL_HALT_US, &o->smp_bkl_halt_us);
	} else if (span_is(k, "smp.idle_poll_us")) {
		/* 0: an idle CPU halts at once, and work queued for it always costs an IPI. */
		key = K_SMP_IDLE_POLL;
		ok = parse_u32_range(v, 0, CMDLINE_MAX_IDLE_POLL_US, &o->smp_idle_poll_us);
	} else if (span_is(k, "selftest")) {
		key = K_SELFTEST;
		if (span_is(v, "hostile"))
			o->selftest = SELFTEST_HOSTILE;
		else if (span_is(v, "hostile-hang"))
			o->selftest = SELFTEST_HOSTILE_HANG;
		else if (span_is(v, "hostile-client"))
			o->selftest = SELFTEST_HOSTILE_CLIENT;
		else if (span_is(v, "hostile-irq"))
			o->selftest = SELFTEST_HOSTILE_IRQ;
		else if (span_is(v, "tlb-shootdown"))
			o->selftest = SELFTEST_TLB_SHOOTDOWN;
		else if (span_is(v, "lock-order"))
			o->selftest = SELFTEST_LOCK_ORDER;
		else if (span_is(v, "lazy-root"))
			o->selftest = SELFTEST_LAZY_ROOT;
		else
			ok = false;
	} else if (span_is(k, "nvme.dev")) {
		key = K_DEV;
		ok = parse_dev_name(v, o->dev);
	} else if (span_is(k, "fault.provider")) {
		/* Fault injection: nvmeN[:after=K|:hang]; that provider must be restarted, the others carry on. */
		struct span parts[3];
		size_t n = split_fields(v, ':', parts, 2);
		uint32_t unit;
		key = K_FAULT;
		ok = n <= 2 && parse_unit_name(parts[0], &unit);
		o->fault_mode = FAULT_AT_ONCE;
		if (ok && n == 2) {
			if (span_is(parts[1], "hang")) {
				o->fault_mode = FAULT_HANG;
				o->fault_after = 1;
			} else if (span_is(parts[1], "bind")) {
				o->fault_mode = FAULT_AT_BIND;
			} else if (span_is(parts[1], "always")) {
				o->fault_mode = FAULT_ALWAYS;
			} else if (parts[1].n > 6 && memcmp(parts[1].p, "after=", 6) == 0) {
				o->fault_mode = FAULT_AFTER;
				ok = parse_u32_range((struct span){ parts[1].p + 6, parts[1].n - 6 }, 1, 1u << 30,
						     &o->fault_after);
			} else {
				ok = false;
			}
		}
		if (ok)
			o->fault_provider = (int)unit;
		else
			o->fault_mode = FAULT_NONE;
	} else if (span_is(k, "fault.irq")) {
		/* Fault injection: a platform that stops delivering one controller's interrupts. */
		uint32_t unit;
		key = K_FAULT_IRQ;
		ok = parse_unit_name(v, &unit);
		if (ok)
			o->fault_irq = (int)unit;
	} else if (span_is(k, "fault.ctrl")) {
		/* Fault injection: a controller that stops answering (its DMA cut) in the middle of a job. */
		uint32_t unit;
		key = K_FAULT_CTRL;
		ok = parse_unit_name(v, &unit);
		if (ok)
			o->fault_ctrl = (int)unit;
	} else if (span_is(k, "fault.rdy")) {
		/* Fault injection: a controller that does not stop when disabled (the manager sees RDY stuck). */
		struct span parts[3];
		size_t n = split_fields(v, ':', parts, 2);
		uint32_t unit;
		key = K_FAULT_RDY;
		ok = n <= 2 && parse_unit_name(parts[0], &unit) && (n == 1 || span_is(parts[1], "always"));
		if (ok) {
			o->fault_rdy = (int)unit;
			o->fault_rdy_always = n == 2;
		}
	} else if (span_is(k, "fault.rdy_late")) {
		/* Fault injection: a controller slow to become ready (the manager sees RDY=1 only after MS). */
		struct span parts[3];
		size_t n = split_fields(v, ':', parts, 2);
		uint32_t unit, ms;
		key = K_FAULT_RDY_LATE;
		ok = n == 2 && parse_unit_name(parts[0], &unit) && parse_u32_range(parts[1], 1, 60000, &ms);
		if (ok) {
			o->fault_rdy_late = (int)unit;
			o->fault_rdy_late_ms = ms;
		}
	} else if (span_is(k, "fault.vanish")) {
		/* Fault injection: a surprise removal (the function ejected behind the manager's back). */
		uint32_t unit;
		key = K_FAULT_VANISH;
		ok = parse_unit_name(v, &unit);
		if (ok)
			o->fault_vanish = (int)unit;
	} else if (span_is(k, "nvme.timeout_ms")) {
		key = K_NVME_TIMEOUT;
		ok = parse_u32_range(v, 100, 3600u * 1000, &o->nvme_timeout_ms);
	} else if (span_is(k, "nvme.irq")) {
		key = K_NVME_IRQ;
		if (span_is(v, "auto"))
			o->nvme_irq_kinds = 0;
		else if (span_is(v, "msix"))
			o->nvme_irq_kinds = NVME_IRQ_MSIX;
		else if (span_is(v, "msi"))
			o->nvme_irq_kinds = NVME_IRQ_MSI;
		else if (span_is(v, "intx"))
			o->nvme_irq_kinds = NVME_IRQ_INTX;
		else
			ok = false;
	} else if (span_is(k, "fault.cpu")) {
		/* Fault injection: that processor gets INIT but no STARTUP; bring-up must time out and go on. */
		uint32_t id;
		key = K_FAULT_CPU;
		ok = parse_u32_range(v, 0, UINT32_MAX, &id);
		if (ok)
			o->fault_cpu = id;
	} else if (span_is(k, "fault.panic")) {
		/* Fault injection: CPU N (percpu index) panics once online; every other CPU must stop. */
		uint32_t cpu;
		key = K_FAULT_PANIC;
		ok = v.n > 3 && memcmp(v.p, "cpu", 3) == 0 &&
		     parse_u32_range((struct span){ v.p + 3, v.n - 3 }, 0, CMDLINE_MAX_SMP_CPUS - 1, &cpu);
		if (ok)
			o->fault_panic_cpu = (int)cpu;
	} else if (span_is(k, "nvme.poll")) {
		key = K_NVME_POLL;
		ok = false;
		for (int c = NVME_POLL_ADAPTIVE; c <= NVME_POLL_NEVER && !ok; c++) {
			if (span_is(v, nvme_poll_choice_name((enum nvme_poll_choice)c))) {
				o->nvme_poll = (enum nvme_poll_choice)c;
				ok = true;
			}
		}
	} else if (span_is(k, "fault.shootdown")) {
		/* Fault injection: other CPUs keep stale TLB entries (selftest=tlb-shootdown must then fail). */
		key = K_FAULT_SHOOTDOWN;
		ok = span_is(v, "skip");
		o->fault_shootdown_skip = ok;
	} else if (span_is(k, "fault.retire")) {
		/* Fault injection: an idle CPU keeps a dead process's root (selftest=lazy-root must then fail). */
		key = K_FAULT_RETIRE;
		ok = span_is(v, "skip");
		o->fault_retire_skip = ok;
	} else if (span_is(k, "bench.path")) {
		key = K_BENCH_PATH;
		if (span_is(v, "provider"))
			o->bench_path = BENCH_PATH_PROVIDER;
		else if (span_is(v, "client"))
			o->bench_path = BENCH_PATH_CLIENT;
		else
			ok = false;
	} else if (span_is(k, "bench.devs")) {
		/* all, or a list: the client benchmark runs on each at once. */
		key = K_BENCH_DEVS;
		struct span items[CMDLINE_MAX_BENCH_DEVS + 1];
		size_t n = split_fields(v, ',', items, CMDLINE_MAX_BENCH_DEVS);
		if (span_is(v, "all"))
			o->bench_all_devs = true;
		else if (n > CMDLINE_MAX_BENCH_DEVS)
			ok = false;
		/* A second bench.devs= is a duplicate-key error, and must not write past the list either. */
		if (!o->bench_all_devs && o->nbench_devs + n > CMDLINE_MAX_BENCH_DEVS)
			ok = false;
		for (size_t i = 0; ok && !o->bench_all_devs && i < n; i++)
			ok = parse_dev_name(items[i], o->bench_devs[o->nbench_devs++]);
	} else if (span_is(k, "bench.clients")) {
		/* Several devices: a client process each (as fio's one job per device), or one for all. */
		key = K_BENCH_CLIENTS;
		ok = span_is(v, "per-device") || span_is(v, "one");
		o->bench_one_client = span_is(v, "one");
	} else if (span_is(k, "run.timeout_s")) {
		/* The run's deadline: processes still alive then are ended (0: the mode's default). */
		key = K_RUN_TIMEOUT;
		ok = parse_u32_range(v, 1, 7 * 24 * 3600, &o->run_timeout_s);
	} else {
		add_error(o, "cmdline: unknown key in \"%.*s\"", tok);
		return;
	}

	if (!ok && refused_hi) {
		char fmt[80];
		fmt_snprintf(fmt, sizeof(fmt), "cmdline: bad value in \"%%.*s\" (want %lu..%lu)", refused_lo, refused_hi);
		add_error(o, fmt, tok);
	} else if (!ok) {
		add_error(o, "cmdline: bad value in \"%.*s\"", tok);
	}
	else if (seen[key])
		add_error(o, "cmdline: duplicate key in \"%.*s\"", tok);
	seen[key] = true;
}

void cmdline_parse(const char *line, struct boot_options *o)
{
	bool seen[K_NKEYS] = { false };

	memset(o, 0, sizeof(*o));
	o->mode = RUN_MODE_SMOKE;
	o->dma_backend = DMA_CHOICE_AUTO;
	o->bench_pattern = BENCH_RANDREAD;
	o->bench_block_bytes = 4096;
	o->bench_qd = 32;
	o->bench_seconds = 5;
	o->clock_source = CLOCK_SRC_NONE;
	o->smp_bkl_halt_us = CMDLINE_BKL_HALT_US_DEFAULT;
	o->smp_idle_poll_us = CMDLINE_IDLE_POLL_US_DEFAULT;
	o->fault_provider = -1;
	o->fault_irq = -1;
	o->fault_ctrl = -1;
	o->fault_rdy = -1;
	o->fault_rdy_late = -1;
	o->fault_vanish = -1;
	o->fault_cpu = -1;
	o->fault_panic_cpu = -1;
	if (!line)
		return;

	const char *p = line;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		const char *start = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		if (p > start)
			parse_token(o, (struct span){ start, (size_t)(p - start) }, seen);
	}
	if (o->serve_seconds && o->mode != RUN_MODE_SERVE)
		add_error(o, "cmdline: %.*s needs mode=serve", (struct span){ "serve.seconds", 13 });
	if (o->soak_seconds && o->mode == RUN_MODE_BENCH)
		add_error(o, "cmdline: %.*s is not for mode=bench", (struct span){ "soak.seconds", 12 });
	/* The NVMe run modes read selftest= as their provider's attack: this one is the kernel's own. */
	if (o->selftest == SELFTEST_TLB_SHOOTDOWN && o->mode != RUN_MODE_BOOT)
		add_error(o, "cmdline: %.*s needs mode=boot", (struct span){ "selftest=tlb-shootdown", 22 });
	if (o->selftest == SELFTEST_LOCK_ORDER && o->mode != RUN_MODE_BOOT)
		add_error(o, "cmdline: %.*s needs mode=boot", (struct span){ "selftest=lock-order", 19 });
	if (o->selftest == SELFTEST_LAZY_ROOT && o->mode != RUN_MODE_BOOT)
		add_error(o, "cmdline: %.*s needs mode=boot", (struct span){ "selftest=lazy-root", 18 });
}

const char *iommu_inval_choice_name(enum iommu_inval_choice choice)
{
	switch (choice) {
	case IOMMU_INVAL_AUTO:		return "auto";
	case IOMMU_INVAL_REGISTER:	return "register";
	case IOMMU_INVAL_QUEUED:	return "queued";
	}
	return "unknown";
}

const char *run_mode_name(enum run_mode mode)
{
	switch (mode) {
	case RUN_MODE_SMOKE:	return "smoke";
	case RUN_MODE_BENCH:	return "bench";
	case RUN_MODE_BOOT:	return "boot";
	case RUN_MODE_SERVE:	return "serve";
	}
	return "?";
}

const char *dma_copy_choice_name(enum dma_copy_choice choice)
{
	static const char *const names[DMA_COPY_NCHOICES] = {
		[DMA_COPY_AUTO] = "auto", [DMA_COPY_WORDS] = "words", [DMA_COPY_UNROLLED] = "unrolled",
		[DMA_COPY_REP_MOVSQ] = "rep-movsq", [DMA_COPY_REP_MOVSB] = "rep-movsb", [DMA_COPY_SSE] = "sse",
	};
	return (unsigned)choice < DMA_COPY_NCHOICES ? names[choice] : "unknown";
}

const char *dma_bounce_choice_name(enum dma_bounce_choice choice)
{
	return choice == DMA_BOUNCE_ALWAYS ? "always" : choice == DMA_BOUNCE_WHEN_NEEDED ? "when-needed" : "unknown";
}

const char *dma_choice_name(enum dma_backend_choice choice)
{
	switch (choice) {
	case DMA_CHOICE_AUTO:	return "auto";
	case DMA_CHOICE_BOUNCE:	return "bounce";
	case DMA_CHOICE_REMAP:	return "remap";
	}
	return "?";
}

const char *nvme_poll_choice_name(enum nvme_poll_choice choice)
{
	switch (choice) {
	case NVME_POLL_ADAPTIVE:	return "adaptive";
	case NVME_POLL_ALWAYS:		return "always";
	case NVME_POLL_NEVER:		return "never";
	}
	return "?";
}

const char *bench_pattern_name(enum bench_pattern pattern)
{
	switch (pattern) {
	case BENCH_RANDREAD:	return "randread";
	case BENCH_RANDWRITE:	return "randwrite";
	case BENCH_SEQREAD:	return "seqread";
	case BENCH_SEQWRITE:	return "seqwrite";
	}
	return "?";
}

const char *irq_isolation_choice_name(enum irq_isolation_choice choice)
{
	switch (choice) {
	case IRQ_ISOLATION_REQUIRED:	return "required";
	case IRQ_ISOLATION_OPTIONAL:	return "optional";
	}
	return "unknown";
}
