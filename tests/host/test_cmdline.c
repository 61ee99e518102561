/*
 * tests/host/test_cmdline.c - host tests for lib/cmdline.c: the kernel
 * command-line parser (defaults, every key, extent lists, and every error
 * path with its message and count).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "include/abi/nvme_provider.h"
#include "lib/cmdline.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

/* Parse into a static buffer: struct boot_options is a few KiB. */
static struct boot_options opts;

static struct boot_options *parse(const char *line)
{
	/* Poison first, so a field the parser forgets to set shows up. */
	memset(&opts, 0xa5, sizeof(opts));
	cmdline_parse(line, &opts);
	return &opts;
}

/* The defaults that every successful line not mentioning a key keeps. */
static void assert_defaults(const struct boot_options *o)
{
	assert_int_equal(o->mode, RUN_MODE_SMOKE);
	assert_int_equal(o->nreads, 0);
	assert_int_equal(o->nwrites, 0);
	assert_int_equal(o->nsid, 0);
	assert_int_equal(o->dma_backend, DMA_CHOICE_AUTO);
	assert_int_equal(o->bench_pattern, BENCH_RANDREAD);
	assert_int_equal(o->bench_block_bytes, 4096);
	assert_int_equal(o->bench_qd, 32);
	assert_int_equal(o->bench_seconds, 5);
	assert_int_equal(o->selftest, SELFTEST_NONE);
	assert_int_equal(o->run_timeout_s, 0);
	assert_string_equal(o->dev, "");
	assert_int_equal(o->bench_path, BENCH_PATH_PROVIDER);
	assert_int_equal(o->nvme_poll, NVME_POLL_ADAPTIVE);
	assert_false(o->bench_all_devs);
	assert_int_equal(o->nbench_devs, 0);
	assert_int_equal(o->serve_seconds, 0);
	assert_int_equal(o->clock_source, CLOCK_SRC_NONE);
	assert_int_equal(o->apic_mode, APIC_REQ_AUTO);
	assert_int_equal(o->apic_timer, APIC_REQ_AUTO);
	assert_int_equal(o->smp_cpus, 0);
	assert_int_equal(o->nerrors, 0);
}

/* Exactly one error, whose message contains every given fragment. */
static void assert_one_error(const struct boot_options *o, const char *frag1, const char *frag2)
{
	assert_int_equal(o->nerrors, 1);
	assert_true(strlen(o->errors[0]) > 0);
	assert_true(strlen(o->errors[0]) < CMDLINE_ERROR_LEN);
	if (frag1 && !strstr(o->errors[0], frag1))
		fail_msg("error \"%s\" lacks \"%s\"", o->errors[0], frag1);
	if (frag2 && !strstr(o->errors[0], frag2))
		fail_msg("error \"%s\" lacks \"%s\"", o->errors[0], frag2);
}

/* ------------------------------------------------------------ defaults */

static void test_null_line_gives_defaults(void **state UNUSED)
{
	assert_defaults(parse(NULL));
}

static void test_empty_line_gives_defaults(void **state UNUSED)
{
	assert_defaults(parse(""));
}

static void test_whitespace_only_gives_defaults(void **state UNUSED)
{
	assert_defaults(parse("  \t\r\n   "));
}

static void test_tokens_separated_by_any_whitespace(void **state UNUSED)
{
	struct boot_options *o = parse("\tmode=bench\n\rbench.qd=7  \t dma.backend=remap\n");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->mode, RUN_MODE_BENCH);
	assert_int_equal(o->bench_qd, 7);
	assert_int_equal(o->dma_backend, DMA_CHOICE_REMAP);
}

/* ------------------------------------------------------------ mode */

static void test_mode_smoke(void **state UNUSED)
{
	struct boot_options *o = parse("mode=smoke");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->mode, RUN_MODE_SMOKE);
}

static void test_mode_bench(void **state UNUSED)
{
	struct boot_options *o = parse("mode=bench");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->mode, RUN_MODE_BENCH);
}

static void test_mode_boot(void **state UNUSED)
{
	struct boot_options *o = parse("mode=boot");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->mode, RUN_MODE_BOOT);
}

static void test_mode_bad_values(void **state UNUSED)
{
	static const char *const bad[] = {
		"mode=", "mode=Smoke", "mode=smokey", "mode=smok", "mode=boot=1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct boot_options *o = parse(bad[i]);
		assert_one_error(o, "bad value", bad[i]);
		assert_int_equal(o->mode, RUN_MODE_SMOKE);
	}
}

/* ------------------------------------------------------------ nvme.read */

static void test_mode_serve(void **state UNUSED)
{
	struct boot_options *o = parse("mode=serve");

	assert_int_equal(o->mode, RUN_MODE_SERVE);
	assert_string_equal(run_mode_name(o->mode), "serve");
	assert_int_equal(o->serve_seconds, 0);	/* only the power button ends it */
	assert_int_equal(o->nerrors, 0);
}

static void test_serve_seconds(void **state UNUSED)
{
	struct boot_options *o = parse("serve.seconds=30 mode=serve nvme.write=1:1:1");

	assert_int_equal(o->mode, RUN_MODE_SERVE);
	assert_int_equal(o->serve_seconds, 30);
	assert_int_equal(o->nwrites, 1);
	assert_int_equal(o->nerrors, 0);
	o = parse("mode=serve serve.seconds=4294967295");
	assert_int_equal(o->serve_seconds, 4294967295u);
	assert_int_equal(o->nerrors, 0);
}

static void test_serve_seconds_bad_values(void **state UNUSED)
{
	assert_one_error(parse("mode=serve serve.seconds=0"), "bad value", "serve.seconds=0");
	assert_one_error(parse("mode=serve serve.seconds=4294967296"), "bad value", NULL);
	assert_one_error(parse("mode=serve serve.seconds=-1"), "bad value", NULL);
	assert_one_error(parse("mode=serve serve.seconds="), "bad value", NULL);
	assert_one_error(parse("mode=serve serve.seconds=1 serve.seconds=2"), "duplicate key", NULL);
}

static void test_soak_seconds(void **state UNUSED)
{
	struct boot_options *o = parse("mode=smoke");

	assert_int_equal(o->soak_seconds, 0);	/* no soak unless asked */
	o = parse("soak.seconds=60 fault.provider=nvme3:after=40");
	assert_int_equal(o->soak_seconds, 60);
	assert_int_equal(o->fault_provider, 3);
	assert_int_equal(o->nerrors, 0);
	o = parse("mode=serve soak.seconds=3600");
	assert_int_equal(o->soak_seconds, 3600);
	assert_int_equal(o->nerrors, 0);
	assert_one_error(parse("soak.seconds=0"), "bad value", "soak.seconds=0");
	assert_one_error(parse("soak.seconds=3601"), "bad value", NULL);
	assert_one_error(parse("soak.seconds=1 soak.seconds=2"), "duplicate key", NULL);
	assert_one_error(parse("mode=bench soak.seconds=5"), "soak.seconds is not for mode=bench", NULL);
}

static void test_serve_seconds_needs_serve_mode(void **state UNUSED)
{
	assert_one_error(parse("serve.seconds=5"), "serve.seconds needs mode=serve", NULL);
	assert_one_error(parse("mode=boot serve.seconds=5"), "needs mode=serve", NULL);
}

static void test_clock_source(void **state UNUSED)
{
	static const struct { const char *line; enum clock_source s; } cases[] = {
		{ "clock.source=cpuid", CLOCK_SRC_CPUID },
		{ "clock.source=hypervisor", CLOCK_SRC_HYPERVISOR },
		{ "clock.source=acpi-pm", CLOCK_SRC_ACPI_PM },
		{ "clock.source=hpet", CLOCK_SRC_HPET },
		{ "clock.source=pit", CLOCK_SRC_PIT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct boot_options *o = parse(cases[i].line);
		assert_int_equal(o->clock_source, cases[i].s);
		assert_int_equal(o->nerrors, 0);
	}
	assert_one_error(parse("clock.source=tsc"), "bad value", "clock.source=tsc");
	assert_one_error(parse("clock.source=none"), "bad value", NULL);
	assert_one_error(parse("clock.source="), "bad value", NULL);
	assert_one_error(parse("clock.source=pit clock.source=hpet"), "duplicate key", NULL);
}

static void test_apic_keys(void **state UNUSED)
{
	struct boot_options *o = parse("apic.mode=xapic apic.timer=periodic");

	assert_int_equal(o->apic_mode, APIC_REQ_XAPIC);
	assert_int_equal(o->apic_timer, APIC_REQ_PERIODIC);
	assert_int_equal(o->nerrors, 0);
	o = parse("apic.mode=x2apic apic.timer=tsc-deadline");
	assert_int_equal(o->apic_mode, APIC_REQ_X2APIC);
	assert_int_equal(o->apic_timer, APIC_REQ_TSC_DEADLINE);
	o = parse("apic.mode=auto apic.timer=auto");
	assert_int_equal(o->apic_mode, APIC_REQ_AUTO);
	assert_int_equal(o->apic_timer, APIC_REQ_AUTO);
	assert_int_equal(o->nerrors, 0);
	assert_one_error(parse("apic.mode=x3apic"), "bad value", "apic.mode=x3apic");
	assert_one_error(parse("apic.timer=periodic apic.timer=auto"), "duplicate key", NULL);
	assert_one_error(parse("apic.timer=deadline"), "bad value", NULL);
}

/* smp.cpus=N: at most N processors, the boot CPU included; 0 in opts means every enabled one. */
static void test_smp_cpus(void **state UNUSED)
{
	struct boot_options *o = parse("smp.cpus=1");

	assert_int_equal(o->smp_cpus, 1);
	assert_int_equal(o->nerrors, 0);
	o = parse("smp.cpus=4");
	assert_int_equal(o->smp_cpus, 4);
	assert_int_equal(o->nerrors, 0);
	o = parse("smp.cpus=4096");
	assert_int_equal(o->smp_cpus, 4096);
	assert_int_equal(o->nerrors, 0);
	assert_one_error(parse("smp.cpus=0"), "bad value", "smp.cpus=0");
	assert_one_error(parse("smp.cpus=4097"), "bad value", NULL);
	assert_one_error(parse("smp.cpus=-1"), "bad value", NULL);
	assert_one_error(parse("smp.cpus="), "bad value", NULL);
	assert_one_error(parse("smp.cpus=two"), "bad value", NULL);
	assert_one_error(parse("smp.cpus=2 smp.cpus=3"), "duplicate key", NULL);
}

/* smp.bkl_halt_us=N: how long a wait for the BKL spins before it halts until kicked; 0 never halts. */
static void test_smp_bkl_halt_us(void **state UNUSED)
{
	struct boot_options *o = parse("");

	assert_int_equal(o->smp_bkl_halt_us, CMDLINE_BKL_HALT_US_DEFAULT);
	o = parse("smp.bkl_halt_us=0");
	assert_int_equal(o->smp_bkl_halt_us, 0);
	assert_int_equal(o->nerrors, 0);
	o = parse("smp.bkl_halt_us=1000000");
	assert_int_equal(o->smp_bkl_halt_us, 1000000);
	assert_int_equal(o->nerrors, 0);
	assert_one_error(parse("smp.bkl_halt_us=1000001"), "bad value", "smp.bkl_halt_us=1000001");
	assert_one_error(parse("smp.bkl_halt_us=-1"), "bad value", NULL);
	assert_one_error(parse("smp.bkl_halt_us="), "bad value", NULL);
	assert_one_error(parse("smp.bkl_halt_us=1 smp.bkl_halt_us=2"), "duplicate key", NULL);
}

/* smp.idle_poll_us=N: how long an idle CPU polls its run queue before it halts; 0 never polls. */
static void test_smp_idle_poll_us(void **state UNUSED)
{
	struct boot_options *o = parse("");

	assert_int_equal(o->smp_idle_poll_us, CMDLINE_IDLE_POLL_US_DEFAULT);
	o = parse("smp.idle_poll_us=0");
	assert_int_equal(o->smp_idle_poll_us, 0);
	assert_int_equal(o->nerrors, 0);
	o = parse("smp.idle_poll_us=10000");
	assert_int_equal(o->smp_idle_poll_us, 10000);
	assert_int_equal(o->nerrors, 0);
	assert_one_error(parse("smp.idle_poll_us=10001"), "bad value", "smp.idle_poll_us=10001");
	/* A number out of range says the range. */
	assert_one_error(parse("smp.idle_poll_us=10001"), "\"smp.idle_poll_us=10001\"", "(want 0..10000)");
	assert_one_error(parse("nvme.timeout_ms=1"), "bad value", "(want 100..3600000)");
	assert_one_error(parse("mode=fast"), "bad value in \"mode=fast\"", NULL);
	assert_null(strstr(parse("mode=fast")->errors[0], "want"));
	assert_one_error(parse("smp.idle_poll_us=-5"), "bad value", NULL);
	assert_one_error(parse("smp.idle_poll_us=1 smp.idle_poll_us=2"), "duplicate key", NULL);
}

/* nvme.zeroes= and nvme.trim= join the writes' list in command-line order, each with its op and no seed. */
static void test_zeroes_and_trim_extents(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.zeroes=5:6 nvme.write=1:2:0x3 nvme.trim=7:8,9:10");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nwrites, 4);
	assert_int_equal(o->writes[0].op, NVME_JOB_WRITE_ZEROES);
	assert_int_equal(o->writes[0].lba, 5);
	assert_int_equal(o->writes[0].count, 6);
	assert_int_equal(o->writes[0].seed, 0);
	assert_int_equal(o->writes[1].op, NVME_JOB_WRITE_PATTERN);
	assert_int_equal(o->writes[1].seed, 3);
	assert_int_equal(o->writes[2].op, NVME_JOB_TRIM);
	assert_int_equal(o->writes[3].lba, 9);
	assert_int_equal(o->writes[3].count, 10);
	assert_one_error(parse("nvme.zeroes=5:6:7"), "malformed extent", "(want LBA:COUNT)");
	assert_one_error(parse("nvme.trim=5:0"), "extent out of range", NULL);
}

static void test_read_single_extent(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=0:8");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nreads, 1);
	assert_int_equal(o->reads[0].lba, 0);
	assert_int_equal(o->reads[0].count, 8);
	assert_int_equal(o->reads[0].seed, 0);
	assert_int_equal(o->nwrites, 0);
}

static void test_read_multiple_extents(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=0:1,100:2,4096:256");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nreads, 3);
	assert_int_equal(o->reads[0].lba, 0);
	assert_int_equal(o->reads[0].count, 1);
	assert_int_equal(o->reads[1].lba, 100);
	assert_int_equal(o->reads[1].count, 2);
	assert_int_equal(o->reads[2].lba, 4096);
	assert_int_equal(o->reads[2].count, 256);
}

static void test_read_64bit_lba(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=18446744073709551000:16");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nreads, 1);
	assert_true(o->reads[0].lba == 18446744073709551000ull);
	assert_int_equal(o->reads[0].count, 16);
}

static void test_read_largest_extent_ending_at_uint64_max(void **state UNUSED)
{
	/* LBA + COUNT = 2^64 - 1 exactly: the sum does not wrap. */
	struct boot_options *o = parse("nvme.read=18446744069414584320:4294967295");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nreads, 1);
	assert_true(o->reads[0].lba == 0xffffffff00000000ull);
	assert_int_equal(o->reads[0].count, 0xffffffffu);
}

static void test_read_hex_values(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=0x10:0x20,0XfFfF:0Xa");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nreads, 2);
	assert_int_equal(o->reads[0].lba, 0x10);
	assert_int_equal(o->reads[0].count, 0x20);
	assert_int_equal(o->reads[1].lba, 0xffff);
	assert_int_equal(o->reads[1].count, 10);
}

static void test_read_hex_64bit_max_lba(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=0xfffffffffffffffe:1");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nreads, 1);
	assert_true(o->reads[0].lba == 0xfffffffffffffffeull);
}

static void test_read_exactly_16_extents(void **state UNUSED)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "nvme.read=");

	for (int i = 0; i < CMDLINE_MAX_EXTENTS; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%d:%d", i ? "," : "", i * 10, i + 1);
	struct boot_options *o = parse(line);
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nreads, CMDLINE_MAX_EXTENTS);
	for (int i = 0; i < CMDLINE_MAX_EXTENTS; i++) {
		assert_int_equal(o->reads[i].lba, i * 10);
		assert_int_equal(o->reads[i].count, i + 1);
	}
}

static void test_read_given_twice_appends(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=1:1,2:2 mode=boot nvme.read=3:3");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nreads, 3);
	assert_int_equal(o->reads[0].lba, 1);
	assert_int_equal(o->reads[1].lba, 2);
	assert_int_equal(o->reads[2].lba, 3);
	assert_int_equal(o->reads[2].count, 3);
	assert_int_equal(o->mode, RUN_MODE_BOOT);
}

static void test_read_appending_beyond_16_is_an_error(void **state UNUSED)
{
	struct boot_options *o = parse(
		"nvme.read=0:1,1:1,2:1,3:1,4:1,5:1,6:1,7:1,8:1,9:1,10:1,11:1,12:1,13:1,14:1 "
		"nvme.read=15:1,16:1");

	/* The sixteenth fits; the seventeenth is reported and dropped. */
	assert_int_equal(o->nreads, CMDLINE_MAX_EXTENTS);
	assert_int_equal(o->reads[15].lba, 15);
	assert_one_error(o, "too many extents", "16:1");
}

/* ------------------------------------------------------------ nvme.write */

static void test_write_lba_count_seed(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.write=100:8:12345");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nwrites, 1);
	assert_int_equal(o->writes[0].lba, 100);
	assert_int_equal(o->writes[0].count, 8);
	assert_int_equal(o->writes[0].seed, 12345);
	assert_int_equal(o->nreads, 0);
}

static void test_write_multiple_with_hex_seed(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.write=0:1:0xdeadbeefcafef00d,7:2:0");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nwrites, 2);
	assert_true(o->writes[0].seed == 0xdeadbeefcafef00dull);
	assert_int_equal(o->writes[1].lba, 7);
	assert_int_equal(o->writes[1].count, 2);
	assert_int_equal(o->writes[1].seed, 0);
}

static void test_write_without_seed_is_malformed(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.write=100:8");

	assert_one_error(o, "malformed extent", "\"100:8\"");
	assert_non_null(strstr(o->errors[0], "LBA:COUNT:SEED"));
	assert_int_equal(o->nwrites, 0);
}

static void test_read_with_seed_is_malformed(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=100:8:1");

	assert_one_error(o, "malformed extent", "\"100:8:1\"");
	assert_int_equal(o->nreads, 0);
}

static void test_write_count_zero(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.write=5:0:1");

	assert_one_error(o, "out of range", "5:0:1");
	assert_int_equal(o->nwrites, 0);
}

/* ------------------------------------------------------------ nvme.nsid */

static void test_nsid_zero_rejected(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.nsid=0");

	assert_one_error(o, "bad value", "nvme.nsid=0");
	assert_int_equal(o->nsid, 0);
}

static void test_nsid_broadcast_rejected(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.nsid=0xffffffff");

	assert_one_error(o, "bad value", "nvme.nsid=0xffffffff");
	assert_int_equal(o->nsid, 0);
	assert_int_equal(parse("nvme.nsid=4294967295")->nerrors, 1);
	assert_int_equal(parse("nvme.nsid=4294967296")->nerrors, 1);
}

static void test_nsid_bounds_accepted(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.nsid=1");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nsid, 1);
	o = parse("nvme.nsid=0xfffffffe");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nsid, 0xfffffffeu);
	o = parse("nvme.nsid=4294967294");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nsid, 0xfffffffeu);
}

static void test_nsid_not_a_number(void **state UNUSED)
{
	assert_one_error(parse("nvme.nsid=one"), "bad value", "nvme.nsid=one");
	assert_one_error(parse("nvme.nsid=-1"), "bad value", "nvme.nsid=-1");
	assert_one_error(parse("nvme.nsid=0x"), "bad value", "nvme.nsid=0x");
	assert_one_error(parse("nvme.nsid=1a"), "bad value", "nvme.nsid=1a");
	assert_one_error(parse("nvme.nsid="), "bad value", "nvme.nsid=");
}

/* ------------------------------------------------------------ dma.backend */

static void test_dma_backend_values(void **state UNUSED)
{
	struct boot_options *o = parse("dma.backend=auto");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->dma_backend, DMA_CHOICE_AUTO);
	o = parse("dma.backend=bounce");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->dma_backend, DMA_CHOICE_BOUNCE);
	o = parse("dma.backend=remap");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->dma_backend, DMA_CHOICE_REMAP);
}

static void test_dma_backend_bad_value(void **state UNUSED)
{
	struct boot_options *o = parse("dma.backend=iommu");

	assert_one_error(o, "bad value", "dma.backend=iommu");
	assert_int_equal(o->dma_backend, DMA_CHOICE_AUTO);
}

/* ------------------------------------------------------------ dma.bounce */

static void test_dma_bounce(void **state UNUSED)
{
	struct boot_options *o = parse("");

	assert_int_equal(o->dma_bounce, DMA_BOUNCE_WHEN_NEEDED);	/* in place where the device can reach */
	o = parse("dma.bounce=always");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->dma_bounce, DMA_BOUNCE_ALWAYS);
	assert_string_equal(dma_bounce_choice_name(o->dma_bounce), "always");
	o = parse("dma.bounce=when-needed dma.backend=bounce");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->dma_bounce, DMA_BOUNCE_WHEN_NEEDED);
	assert_string_equal(dma_bounce_choice_name(o->dma_bounce), "when-needed");
	assert_one_error(parse("dma.bounce=never"), "bad value", "dma.bounce=never");
	assert_one_error(parse("dma.bounce="), "bad value", "dma.bounce=");
	assert_one_error(parse("dma.bounce=always dma.bounce=when-needed"), "duplicate key", NULL);
}

/* ------------------------------------------------------------ iommu.invalidation */

static void test_iommu_invalidation(void **state UNUSED)
{
	struct boot_options *o = parse("");

	assert_int_equal(o->iommu_inval, IOMMU_INVAL_AUTO);
	o = parse("iommu.invalidation=register");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->iommu_inval, IOMMU_INVAL_REGISTER);
	assert_string_equal(iommu_inval_choice_name(o->iommu_inval), "register");
	o = parse("iommu.invalidation=queued dma.backend=remap");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->iommu_inval, IOMMU_INVAL_QUEUED);
	o = parse("iommu.invalidation=auto");
	assert_int_equal(o->iommu_inval, IOMMU_INVAL_AUTO);
	assert_one_error(parse("iommu.invalidation=qi"), "bad value", "iommu.invalidation=qi");
	assert_one_error(parse("iommu.invalidation=queued iommu.invalidation=register"), "duplicate key",
			 "iommu.invalidation=register");
}

/* ------------------------------------------------------------ iommu.interrupt_isolation */

static void test_iommu_interrupt_isolation(void **state UNUSED)
{
	struct boot_options *o = parse("");

	/* Required by default: an unverified interrupt path keeps a controller off the direct lane. */
	assert_int_equal(o->irq_isolation, IRQ_ISOLATION_REQUIRED);
	assert_string_equal(irq_isolation_choice_name(o->irq_isolation), "required");
	o = parse("iommu.interrupt_isolation=optional");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->irq_isolation, IRQ_ISOLATION_OPTIONAL);
	assert_string_equal(irq_isolation_choice_name(o->irq_isolation), "optional");
	o = parse("iommu.interrupt_isolation=required dma.backend=remap");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->irq_isolation, IRQ_ISOLATION_REQUIRED);
	assert_one_error(parse("iommu.interrupt_isolation=off"), "bad value", "iommu.interrupt_isolation=off");
	assert_one_error(parse("iommu.interrupt_isolation="), "bad value", "iommu.interrupt_isolation=");
	assert_one_error(parse("iommu.interrupt_isolation=optional iommu.interrupt_isolation=required"),
			 "duplicate key", "iommu.interrupt_isolation=required");
}

/* ------------------------------------------------------------ bench.* */

static void test_bench_job_randread4k(void **state UNUSED)
{
	struct boot_options *o = parse("bench.job=randread4k");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->bench_pattern, BENCH_RANDREAD);
	assert_int_equal(o->bench_block_bytes, 4096);
}

static void test_bench_job_seqread128k(void **state UNUSED)
{
	struct boot_options *o = parse("bench.job=seqread128k");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->bench_pattern, BENCH_SEQREAD);
	assert_int_equal(o->bench_block_bytes, 128 * 1024);
}

static void test_bench_job_write_patterns(void **state UNUSED)
{
	struct boot_options *o = parse("bench.job=randwrite8k");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->bench_pattern, BENCH_RANDWRITE);
	assert_int_equal(o->bench_block_bytes, 8192);
	o = parse("bench.job=seqwrite1k");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->bench_pattern, BENCH_SEQWRITE);
	assert_int_equal(o->bench_block_bytes, 1024);
	o = parse("bench.job=seqwrite65536k");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->bench_block_bytes, 65536u * 1024);
}

static void test_bench_job_bad_values(void **state UNUSED)
{
	static const char *const bad[] = {
		"bench.job=randread", "bench.job=randreadk", "bench.job=randread0k",
		"bench.job=randread4", "bench.job=randread4K", "bench.job=randread4kb",
		"bench.job=randread65537k", "bench.job=read4k", "bench.job=seqreadxk",
		"bench.job=", "bench.job=4k",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct boot_options *o = parse(bad[i]);
		assert_one_error(o, "bad value", bad[i]);
		/* A rejected job leaves the defaults alone. */
		assert_int_equal(o->bench_pattern, BENCH_RANDREAD);
		assert_int_equal(o->bench_block_bytes, 4096);
	}
}

static void test_bench_qd(void **state UNUSED)
{
	struct boot_options *o = parse("bench.qd=1");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->bench_qd, 1);
	o = parse("bench.qd=65535");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->bench_qd, 65535);
	assert_one_error(parse("bench.qd=0"), "bad value", "bench.qd=0");
	assert_one_error(parse("bench.qd=65536"), "bad value", "bench.qd=65536");
}

static void test_bench_seconds_bounds(void **state UNUSED)
{
	struct boot_options *o = parse("bench.seconds=1");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->bench_seconds, 1);
	o = parse("bench.seconds=3600");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->bench_seconds, 3600);
	o = parse("bench.seconds=0");
	assert_one_error(o, "bad value", "bench.seconds=0");
	assert_int_equal(o->bench_seconds, 5);
	o = parse("bench.seconds=3601");
	assert_one_error(o, "bad value", "bench.seconds=3601");
	assert_int_equal(o->bench_seconds, 5);
}

/* ------------------------------------------------------------ selftest */

static void test_selftest_hostile(void **state UNUSED)
{
	struct boot_options *o = parse("selftest=hostile");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->selftest, SELFTEST_HOSTILE);
}

static void test_selftest_bad_value(void **state UNUSED)
{
	struct boot_options *o = parse("selftest=friendly");

	assert_one_error(o, "bad value", "selftest=friendly");
	assert_int_equal(o->selftest, SELFTEST_NONE);
}

/* ------------------------------------------------------------ a full line */

static void test_everything_at_once(void **state UNUSED)
{
	struct boot_options *o = parse(
		"mode=bench nvme.nsid=2 dma.backend=bounce bench.job=seqwrite16k bench.qd=64 "
		"bench.seconds=30 selftest=hostile nvme.read=1:2 nvme.write=3:4:5");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->mode, RUN_MODE_BENCH);
	assert_int_equal(o->nsid, 2);
	assert_int_equal(o->dma_backend, DMA_CHOICE_BOUNCE);
	assert_int_equal(o->bench_pattern, BENCH_SEQWRITE);
	assert_int_equal(o->bench_block_bytes, 16384);
	assert_int_equal(o->bench_qd, 64);
	assert_int_equal(o->bench_seconds, 30);
	assert_int_equal(o->selftest, SELFTEST_HOSTILE);
	assert_int_equal(o->nreads, 1);
	assert_int_equal(o->nwrites, 1);
	assert_int_equal(o->writes[0].seed, 5);
}

/* ------------------------------------------------------------ errors */

static void test_error_unknown_key(void **state UNUSED)
{
	struct boot_options *o = parse("frobnicate=yes");

	assert_one_error(o, "unknown key", "frobnicate=yes");
	/* Keys are case-sensitive and must match exactly. */
	assert_one_error(parse("MODE=smoke"), "unknown key", "MODE=smoke");
	assert_one_error(parse("nvme.reads=0:1"), "unknown key", "nvme.reads=0:1");
}

static void test_error_token_without_equals(void **state UNUSED)
{
	struct boot_options *o = parse("quiet");

	assert_one_error(o, "not key=value", "\"quiet\"");
}

static void test_error_token_with_empty_key(void **state UNUSED)
{
	assert_one_error(parse("=smoke"), "not key=value", "\"=smoke\"");
	assert_one_error(parse("="), "not key=value", "\"=\"");
}

static void test_error_duplicate_scalar_key(void **state UNUSED)
{
	static const char *const dup[] = {
		"mode=smoke mode=bench", "nvme.nsid=1 nvme.nsid=2", "dma.backend=auto dma.backend=remap",
		"bench.job=randread4k bench.job=seqread4k", "bench.qd=1 bench.qd=2",
		"bench.seconds=1 bench.seconds=2", "selftest=hostile selftest=hostile",
	};

	for (size_t i = 0; i < sizeof(dup) / sizeof(dup[0]); i++) {
		struct boot_options *o = parse(dup[i]);
		/* The message names the second occurrence. */
		assert_one_error(o, "duplicate key", strchr(dup[i], ' ') + 1);
	}
}

static void test_error_duplicate_after_bad_value_is_reported_once_each(void **state UNUSED)
{
	struct boot_options *o = parse("mode=fast mode=boot");

	/* The first is a bad value; the second still repeats the key. */
	assert_int_equal(o->nerrors, 2);
	assert_non_null(strstr(o->errors[0], "bad value"));
	assert_non_null(strstr(o->errors[0], "mode=fast"));
	assert_non_null(strstr(o->errors[1], "duplicate key"));
	assert_non_null(strstr(o->errors[1], "mode=boot"));
}

static void test_error_malformed_extents(void **state UNUSED)
{
	static const char *const bad[] = {
		"12", ":8", "12:", "a:1", "1:b", "1:2:3", "0x:1", "1::2", "-1:2", "+1:2", "1:2x",
	};
	char line[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "nvme.read=%s", bad[i]);
		struct boot_options *o = parse(line);
		char quoted[32];
		snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
		assert_one_error(o, "malformed extent", quoted);
		assert_int_equal(o->nreads, 0);
	}
}

static void test_error_lba_not_64bit(void **state UNUSED)
{
	/* 2^64 does not fit; neither does a 17-digit hex number. */
	assert_one_error(parse("nvme.read=18446744073709551616:1"), "malformed extent", NULL);
	assert_one_error(parse("nvme.read=0x10000000000000000:1"), "malformed extent", NULL);
}

static void test_error_count_zero(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=7:0");

	assert_one_error(o, "out of range", "\"7:0\"");
	assert_int_equal(o->nreads, 0);
}

static void test_error_count_above_32_bits(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=0:4294967296");

	assert_one_error(o, "out of range", "0:4294967296");
	assert_int_equal(o->nreads, 0);
	o = parse("nvme.read=0:4294967295");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->reads[0].count, 0xffffffffu);
}

static void test_error_lba_plus_count_overflow(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=18446744073709551615:1");

	assert_one_error(o, "out of range", "18446744073709551615:1");
	assert_int_equal(o->nreads, 0);
	o = parse("nvme.read=0xffffffffffffff00:0x100");
	assert_one_error(o, "out of range", "0xffffffffffffff00:0x100");
}

static void test_error_bad_extent_keeps_the_good_ones(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=1:1,2:0,3:3");

	assert_one_error(o, "out of range", "\"2:0\"");
	assert_int_equal(o->nreads, 2);
	assert_int_equal(o->reads[0].lba, 1);
	assert_int_equal(o->reads[1].lba, 3);
}

static void test_error_trailing_comma(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.read=0:8,");

	assert_one_error(o, "malformed extent", "\"\"");
	assert_int_equal(o->nreads, 1);
	assert_int_equal(o->reads[0].count, 8);
}

static void test_error_leading_and_double_comma(void **state UNUSED)
{
	assert_int_equal(parse("nvme.read=,0:8")->nerrors, 1);
	assert_int_equal(opts.nreads, 1);
	assert_int_equal(parse("nvme.read=0:8,,1:1")->nerrors, 1);
	assert_int_equal(opts.nreads, 2);
}

static void test_error_empty_extent_list(void **state UNUSED)
{
	assert_one_error(parse("nvme.read="), "malformed extent", NULL);
	assert_int_equal(opts.nreads, 0);
	assert_one_error(parse("nvme.write="), "malformed extent", "LBA:COUNT:SEED");
	assert_int_equal(opts.nwrites, 0);
}

static void test_error_more_than_16_extents(void **state UNUSED)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "nvme.write=");

	for (int i = 0; i < CMDLINE_MAX_EXTENTS + 1; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%d:1:0", i ? "," : "", i);
	struct boot_options *o = parse(line);
	/* The whole key is rejected: nothing is taken. */
	assert_one_error(o, "too many extents", "0:1:0,1:1:0");
	assert_int_equal(o->nwrites, 0);
}

static void test_error_several_in_one_line_all_counted(void **state UNUSED)
{
	struct boot_options *o = parse(
		"bogus mode=fast nvme.nsid=0 color=red nvme.read=1:0 bench.qd=2 bench.qd=3");

	assert_int_equal(o->nerrors, 6);
	assert_non_null(strstr(o->errors[0], "\"bogus\""));
	assert_non_null(strstr(o->errors[1], "mode=fast"));
	assert_non_null(strstr(o->errors[2], "nvme.nsid=0"));
	assert_non_null(strstr(o->errors[3], "color=red"));
	assert_non_null(strstr(o->errors[4], "1:0"));
	assert_non_null(strstr(o->errors[5], "bench.qd=3"));
	/* Good tokens among the bad ones still take effect. */
	assert_int_equal(o->bench_qd, 3);
	assert_int_equal(o->mode, RUN_MODE_SMOKE);
}

static void test_error_count_exceeds_stored_messages(void **state UNUSED)
{
	char line[256] = "";
	int n = 0;

	for (int i = 0; i < CMDLINE_MAX_ERRORS + 3; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "bad%d ", i);
	struct boot_options *o = parse(line);
	assert_int_equal(o->nerrors, CMDLINE_MAX_ERRORS + 3);
	for (int i = 0; i < CMDLINE_MAX_ERRORS; i++) {
		char want[24];
		snprintf(want, sizeof(want), "\"bad%d\"", i);
		assert_non_null(strstr(o->errors[i], want));
	}
}

static void test_error_long_token_is_truncated_safely(void **state UNUSED)
{
	char line[600];

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	struct boot_options *o = parse(line);
	assert_int_equal(o->nerrors, 1);
	assert_true(strlen(o->errors[0]) < CMDLINE_ERROR_LEN);
	assert_non_null(strstr(o->errors[0], "xxxxxxxxxxxxxxxx"));
	assert_non_null(strstr(o->errors[0], "not key=value"));
}

/* ------------------------------------------------------------ names */

static void test_names(void **state UNUSED)
{
	assert_string_equal(run_mode_name(RUN_MODE_SMOKE), "smoke");
	assert_string_equal(run_mode_name(RUN_MODE_BENCH), "bench");
	assert_string_equal(run_mode_name(RUN_MODE_BOOT), "boot");
	assert_string_equal(run_mode_name((enum run_mode)99), "?");
	assert_string_equal(dma_choice_name(DMA_CHOICE_AUTO), "auto");
	assert_string_equal(dma_choice_name(DMA_CHOICE_BOUNCE), "bounce");
	assert_string_equal(dma_choice_name(DMA_CHOICE_REMAP), "remap");
	assert_string_equal(dma_choice_name((enum dma_backend_choice)99), "?");
	assert_string_equal(bench_pattern_name(BENCH_RANDREAD), "randread");
	assert_string_equal(bench_pattern_name(BENCH_RANDWRITE), "randwrite");
	assert_string_equal(bench_pattern_name(BENCH_SEQREAD), "seqread");
	assert_string_equal(bench_pattern_name(BENCH_SEQWRITE), "seqwrite");
	assert_string_equal(bench_pattern_name((enum bench_pattern)99), "?");
}

static void test_names_round_trip_through_parser(void **state UNUSED)
{
	char line[64];

	for (int m = RUN_MODE_SMOKE; m <= RUN_MODE_BOOT; m++) {
		snprintf(line, sizeof(line), "mode=%s", run_mode_name((enum run_mode)m));
		assert_int_equal(parse(line)->nerrors, 0);
		assert_int_equal(opts.mode, m);
	}
	for (int d = DMA_CHOICE_AUTO; d <= DMA_CHOICE_REMAP; d++) {
		snprintf(line, sizeof(line), "dma.backend=%s", dma_choice_name((enum dma_backend_choice)d));
		assert_int_equal(parse(line)->nerrors, 0);
		assert_int_equal(opts.dma_backend, d);
	}
	for (int b = BENCH_RANDREAD; b <= BENCH_SEQWRITE; b++) {
		snprintf(line, sizeof(line), "bench.job=%s32k", bench_pattern_name((enum bench_pattern)b));
		assert_int_equal(parse(line)->nerrors, 0);
		assert_int_equal(opts.bench_pattern, b);
		assert_int_equal(opts.bench_block_bytes, 32768);
	}
}

/* ------------------------------------------------------------ devices, bench path, hostile client */

static void test_dev_names(void **state UNUSED)
{
	static const char *const good[] = { "nvme0n1", "nvme1n2", "nvme0n1p2", "nvme12n34p56", "nvme63n255p128" };
	static const char *const bad[] = { "nvme0", "nvme0n0", "nvme0n1p0", "nvme01n1", "nvme0n01", "nvmen1", "nvme0n1p",
					   "sda1", "nvme0n1:", "NVME0N1", "nvme0n1p2x", "nvme123456n1", "nvme0x1",
					   "nvme0n1p123456", "nvme" };
	char line[64];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(line, sizeof(line), "nvme.dev=%s", good[i]);
		struct boot_options *o = parse(line);
		assert_int_equal(o->nerrors, 0);
		assert_string_equal(o->dev, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "nvme.dev=%s", bad[i]);
		struct boot_options *o = parse(line);
		if (o->nerrors != 1)
			fail_msg("nvme.dev=%s accepted", bad[i]);
	}
	assert_one_error(parse("nvme.dev=nvme0n1 nvme.dev=nvme0n2"), "duplicate", "nvme.dev=nvme0n2");
}

static void test_bench_path_and_devs(void **state UNUSED)
{
	struct boot_options *o = parse("bench.path=client bench.devs=nvme0n1,nvme1n1,nvme2n1p3");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->bench_path, BENCH_PATH_CLIENT);
	assert_int_equal(o->nbench_devs, 3);
	assert_string_equal(o->bench_devs[2], "nvme2n1p3");
	o = parse("bench.devs=all");
	assert_true(o->bench_all_devs);
	assert_int_equal(o->nbench_devs, 0);
	assert_one_error(parse("bench.path=sideways"), "bad value", "bench.path=sideways");
	assert_one_error(parse("bench.devs=nvme0n1,,nvme1n1"), "bad value", NULL);
	assert_one_error(parse("bench.devs=nvme0n1,all"), "bad value", NULL);
	char line[1024] = "bench.devs=nvme0n1";
	for (int i = 1; i <= CMDLINE_MAX_BENCH_DEVS; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), ",nvme%dn1", i);
	assert_one_error(parse(line), "bad value", NULL);	/* one more than the limit */
	/* bench.clients=: a client per device unless told one for all. */
	assert_false(parse("bench.devs=all")->bench_one_client);
	o = parse("bench.devs=all bench.clients=one");
	assert_int_equal(o->nerrors, 0);
	assert_true(o->bench_one_client);
	assert_false(parse("bench.clients=per-device")->bench_one_client);
	assert_one_error(parse("bench.clients=two"), "bad value", "bench.clients=two");
	assert_one_error(parse("bench.clients=one bench.clients=one"), "duplicate key", NULL);
}

/* nvme.poll=: three policies by name; anything else, or twice, is an error line. */
static void test_nvme_poll(void **state UNUSED)
{
	struct boot_options *o = parse("nvme.poll=never");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nvme_poll, NVME_POLL_NEVER);
	o = parse("nvme.poll=always mode=bench");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nvme_poll, NVME_POLL_ALWAYS);
	o = parse("nvme.poll=adaptive");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->nvme_poll, NVME_POLL_ADAPTIVE);
	assert_string_equal(nvme_poll_choice_name(NVME_POLL_ALWAYS), "always");
	assert_one_error(parse("nvme.poll=sometimes"), "bad value", "nvme.poll=sometimes");
	assert_one_error(parse("nvme.poll="), "bad value", NULL);
	assert_one_error(parse("nvme.poll=Always"), "bad value", NULL);
	assert_one_error(parse("nvme.poll=never nvme.poll=always"), "duplicate key", NULL);
}

static void test_fault_provider(void **state UNUSED)
{
	assert_int_equal(parse("")->fault_provider, -1);		/* none unless asked */
	assert_int_equal(parse("nvme.read=0:1")->fault_provider, -1);
	assert_int_equal(parse("fault.provider=nvme3")->fault_provider, 3);
	assert_int_equal(parse("fault.provider=nvme0")->nerrors, 0);
	assert_one_error(parse("fault.provider=nvme64"), "bad value", NULL);
	assert_one_error(parse("fault.provider=nvme"), "bad value", NULL);
	assert_one_error(parse("fault.provider=sda"), "bad value", NULL);
	assert_int_equal(parse("fault.provider=nvme3")->fault_mode, FAULT_AT_ONCE);
	assert_int_equal(parse("")->fault_mode, FAULT_NONE);
	const struct boot_options *o = parse("fault.provider=nvme1:after=40");
	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->fault_provider, 1);
	assert_int_equal(o->fault_mode, FAULT_AFTER);
	assert_int_equal(o->fault_after, 40);
	o = parse("fault.provider=nvme2:hang");
	assert_int_equal(o->fault_provider, 2);
	assert_int_equal(o->fault_mode, FAULT_HANG);
	assert_one_error(parse("fault.provider=nvme1:after=0"), "bad value", NULL);
	assert_one_error(parse("fault.provider=nvme1:after="), "bad value", NULL);
	assert_one_error(parse("fault.provider=nvme1:later"), "bad value", NULL);
	assert_one_error(parse("fault.provider=nvme1:hang:after=3"), "bad value", NULL);
	assert_int_equal(parse("fault.provider=nvme1:later")->fault_mode, FAULT_NONE);
	assert_int_equal(parse("fault.provider=nvme0:bind")->fault_mode, FAULT_AT_BIND);
	assert_int_equal(parse("fault.provider=nvme0:always")->fault_mode, FAULT_ALWAYS);
}

/* Two long bench.devs= lists (fuzz_cmdline found it): an error, and nothing written past the list. */
static void test_bench_devs_twice(void **state UNUSED)
{
	char line[1200] = "bench.devs=";
	for (int round = 0; round < 2; round++) {
		if (round)
			strcat(line, " bench.devs=");
		for (int i = 0; i < 20; i++)
			strcat(line, i ? ",nvme0n1" : "nvme0n1");
	}
	const struct boot_options *o = parse(line);
	assert_true(o->nerrors >= 1);
	assert_true(o->nbench_devs <= CMDLINE_MAX_BENCH_DEVS);
}

static void test_fault_irq_and_kinds(void **state UNUSED)
{
	assert_int_equal(parse("")->fault_irq, -1);
	assert_int_equal(parse("fault.irq=nvme2")->fault_irq, 2);
	assert_int_equal(parse("fault.irq=nvme0 fault.provider=nvme1")->nerrors, 0);
	assert_one_error(parse("fault.irq=nvme64"), "bad value", NULL);
	assert_one_error(parse("fault.irq=all"), "bad value", NULL);
	assert_one_error(parse("fault.irq=nvme1 fault.irq=nvme2"), "duplicate key", NULL);
	assert_int_equal(parse("")->nvme_irq_kinds, 0);
	assert_int_equal(parse("nvme.irq=auto")->nvme_irq_kinds, 0);
	assert_int_equal(parse("nvme.irq=msix")->nvme_irq_kinds, NVME_IRQ_MSIX);
	assert_int_equal(parse("nvme.irq=msi")->nvme_irq_kinds, NVME_IRQ_MSI);
	assert_int_equal(parse("nvme.irq=intx")->nvme_irq_kinds, NVME_IRQ_INTX);
	assert_one_error(parse("nvme.irq=pin"), "bad value", NULL);
	assert_int_equal(parse("")->fault_ctrl, -1);
	assert_int_equal(parse("fault.ctrl=nvme4")->fault_ctrl, 4);
	assert_int_equal(parse("")->fault_rdy, -1);
	assert_int_equal(parse("fault.rdy=nvme1")->fault_rdy, 1);
	assert_one_error(parse("fault.rdy=nvme"), "bad value", NULL);
	assert_false(parse("fault.rdy=nvme1")->fault_rdy_always);
	assert_true(parse("fault.rdy=nvme1:always")->fault_rdy_always);
	assert_one_error(parse("fault.rdy=nvme1:later"), "bad value", NULL);
	assert_int_equal(parse("")->fault_rdy_late, -1);
	assert_int_equal(parse("fault.rdy_late=nvme2:1500")->fault_rdy_late, 2);
	assert_int_equal(parse("fault.rdy_late=nvme2:1500")->fault_rdy_late_ms, 1500);
	assert_int_equal(parse("fault.rdy_late=nvme0:60000")->fault_rdy_late_ms, 60000);
	assert_one_error(parse("fault.rdy_late=nvme2"), "bad value", NULL);
	assert_one_error(parse("fault.rdy_late=nvme2:0"), "bad value", NULL);
	assert_one_error(parse("fault.rdy_late=nvme2:60001"), "bad value", NULL);
	assert_one_error(parse("fault.rdy_late=nvme2:1500:x"), "bad value", NULL);
	assert_one_error(parse("fault.rdy_late=nvme0:10 fault.rdy_late=nvme1:10"), "duplicate key", NULL);
	assert_one_error(parse("fault.ctrl=4"), "bad value", NULL);
	assert_int_equal(parse("")->fault_vanish, -1);
	assert_int_equal(parse("fault.vanish=nvme1")->fault_vanish, 1);
	assert_one_error(parse("fault.vanish=1"), "bad value", NULL);
	assert_int_equal(parse("")->nvme_timeout_ms, 0);
	assert_int_equal(parse("nvme.timeout_ms=1500")->nvme_timeout_ms, 1500);
	assert_one_error(parse("nvme.timeout_ms=10"), "bad value", NULL);
}

/* fault.cpu=APICID: that processor gets INIT but no STARTUP, so it never comes online. */
static void test_fault_cpu(void **state UNUSED)
{
	assert_int_equal(parse("")->fault_cpu, -1);
	assert_int_equal(parse("fault.cpu=2")->fault_cpu, 2);
	assert_int_equal(parse("fault.cpu=0")->fault_cpu, 0);
	assert_int_equal(parse("fault.cpu=0xffffffff")->fault_cpu, 0xffffffffll);
	assert_int_equal(parse("fault.cpu=259 smp.cpus=4")->nerrors, 0);
	assert_one_error(parse("fault.cpu=0x100000000"), "bad value", NULL);
	assert_one_error(parse("fault.cpu=cpu1"), "bad value", NULL);
	assert_one_error(parse("fault.cpu=1 fault.cpu=2"), "duplicate", NULL);
}

/* fault.panic=cpuN: CPU N (0 = the boot CPU) panics once online; the others must be stopped. */
static void test_fault_panic(void **state UNUSED)
{
	assert_int_equal(parse("")->fault_panic_cpu, -1);
	assert_int_equal(parse("fault.panic=cpu0")->fault_panic_cpu, 0);
	assert_int_equal(parse("fault.panic=cpu3")->fault_panic_cpu, 3);
	assert_int_equal(parse("fault.panic=cpu4095")->nerrors, 0);
	assert_one_error(parse("fault.panic=cpu4096"), "bad value", NULL);
	assert_one_error(parse("fault.panic=3"), "bad value", NULL);
	assert_one_error(parse("fault.panic=cpu"), "bad value", NULL);
	assert_one_error(parse("fault.panic=cpu1 fault.panic=cpu2"), "duplicate", NULL);
}

static void test_dma_copy(void **state UNUSED)
{
	assert_int_equal(parse("")->dma_copy, DMA_COPY_AUTO);
	assert_int_equal(parse("dma.copy=sse")->dma_copy, DMA_COPY_SSE);
	assert_int_equal(parse("dma.copy=rep-movsb")->dma_copy, DMA_COPY_REP_MOVSB);
	assert_int_equal(parse("dma.copy=words")->dma_copy, DMA_COPY_WORDS);
	assert_int_equal(parse("dma.copy=auto")->nerrors, 0);
	assert_one_error(parse("dma.copy=avx512"), "bad value", NULL);
	assert_one_error(parse("dma.copy=sse dma.copy=words"), "duplicate", NULL);
	assert_string_equal(dma_copy_choice_name(DMA_COPY_UNROLLED), "unrolled");
	assert_string_equal(dma_copy_choice_name(DMA_COPY_NCHOICES), "unknown");
}

static void test_selftest_kinds(void **state UNUSED)
{
	assert_int_equal(parse("selftest=hostile-hang")->selftest, SELFTEST_HOSTILE_HANG);
	assert_int_equal(parse("selftest=hostile-client")->selftest, SELFTEST_HOSTILE_CLIENT);
	assert_int_equal(parse("selftest=hostile-irq")->selftest, SELFTEST_HOSTILE_IRQ);
	assert_one_error(parse("selftest=hostile-clients"), "bad value", NULL);
}

/* selftest=tlb-shootdown is the kernel's own test (mode=boot); fault.shootdown=skip makes it fail on purpose. */
static void test_selftest_tlb_shootdown(void **state UNUSED)
{
	struct boot_options *o = parse("mode=boot selftest=tlb-shootdown");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->selftest, SELFTEST_TLB_SHOOTDOWN);
	assert_false(o->fault_shootdown_skip);
	assert_one_error(parse("selftest=tlb-shootdown"), "selftest=tlb-shootdown needs mode=boot", NULL);
	assert_one_error(parse("mode=serve selftest=tlb-shootdown"), "needs mode=boot", NULL);
	o = parse("mode=boot selftest=tlb-shootdown fault.shootdown=skip");
	assert_int_equal(o->nerrors, 0);
	assert_true(o->fault_shootdown_skip);
	assert_true(parse("fault.shootdown=skip")->fault_shootdown_skip);	/* alone it only withholds the IPIs */
	o = parse("fault.shootdown=off");
	assert_one_error(o, "bad value", "fault.shootdown=off");
	assert_false(o->fault_shootdown_skip);
	assert_one_error(parse("fault.shootdown=skip fault.shootdown=skip"), "duplicate", NULL);
}

/* selftest=lock-order is the kernel's own too: it asks the lock order check, holding real locks. */
static void test_selftest_lock_order(void **state UNUSED)
{
	struct boot_options *o = parse("mode=boot selftest=lock-order");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->selftest, SELFTEST_LOCK_ORDER);
	assert_one_error(parse("selftest=lock-order"), "selftest=lock-order needs mode=boot", NULL);
	assert_one_error(parse("mode=bench selftest=lock-order"), "needs mode=boot", NULL);
	assert_one_error(parse("mode=boot selftest=lock-orders"), "bad value", NULL);
}

/* selftest=lazy-root is the kernel's own (mode=boot); fault.retire=skip makes it fail on purpose. */
static void test_selftest_lazy_root(void **state UNUSED)
{
	struct boot_options *o = parse("mode=boot selftest=lazy-root");

	assert_int_equal(o->nerrors, 0);
	assert_int_equal(o->selftest, SELFTEST_LAZY_ROOT);
	assert_false(o->fault_retire_skip);
	assert_one_error(parse("selftest=lazy-root"), "selftest=lazy-root needs mode=boot", NULL);
	assert_one_error(parse("mode=serve selftest=lazy-root"), "needs mode=boot", NULL);
	o = parse("mode=boot selftest=lazy-root fault.retire=skip");
	assert_int_equal(o->nerrors, 0);
	assert_true(o->fault_retire_skip);
	assert_false(o->fault_shootdown_skip);	/* two different faults */
	assert_true(parse("fault.retire=skip")->fault_retire_skip);	/* alone it only keeps dead roots held */
	o = parse("fault.retire=never");
	assert_one_error(o, "bad value", "fault.retire=never");
	assert_false(o->fault_retire_skip);
	assert_one_error(parse("fault.retire=skip fault.retire=skip"), "duplicate", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_line_gives_defaults),
		cmocka_unit_test(test_empty_line_gives_defaults),
		cmocka_unit_test(test_whitespace_only_gives_defaults),
		cmocka_unit_test(test_tokens_separated_by_any_whitespace),
		cmocka_unit_test(test_mode_smoke),
		cmocka_unit_test(test_mode_bench),
		cmocka_unit_test(test_mode_boot),
		cmocka_unit_test(test_mode_bad_values),
		cmocka_unit_test(test_mode_serve),
		cmocka_unit_test(test_serve_seconds),
		cmocka_unit_test(test_serve_seconds_bad_values),
		cmocka_unit_test(test_serve_seconds_needs_serve_mode),
		cmocka_unit_test(test_soak_seconds),
		cmocka_unit_test(test_clock_source),
		cmocka_unit_test(test_apic_keys),
		cmocka_unit_test(test_zeroes_and_trim_extents),
		cmocka_unit_test(test_read_single_extent),
		cmocka_unit_test(test_read_multiple_extents),
		cmocka_unit_test(test_read_64bit_lba),
		cmocka_unit_test(test_read_largest_extent_ending_at_uint64_max),
		cmocka_unit_test(test_read_hex_values),
		cmocka_unit_test(test_read_hex_64bit_max_lba),
		cmocka_unit_test(test_read_exactly_16_extents),
		cmocka_unit_test(test_read_given_twice_appends),
		cmocka_unit_test(test_read_appending_beyond_16_is_an_error),
		cmocka_unit_test(test_write_lba_count_seed),
		cmocka_unit_test(test_write_multiple_with_hex_seed),
		cmocka_unit_test(test_write_without_seed_is_malformed),
		cmocka_unit_test(test_read_with_seed_is_malformed),
		cmocka_unit_test(test_write_count_zero),
		cmocka_unit_test(test_nsid_zero_rejected),
		cmocka_unit_test(test_nsid_broadcast_rejected),
		cmocka_unit_test(test_nsid_bounds_accepted),
		cmocka_unit_test(test_nsid_not_a_number),
		cmocka_unit_test(test_dma_backend_values),
		cmocka_unit_test(test_dma_bounce),
		cmocka_unit_test(test_dma_backend_bad_value),
		cmocka_unit_test(test_iommu_invalidation),
		cmocka_unit_test(test_iommu_interrupt_isolation),
		cmocka_unit_test(test_bench_job_randread4k),
		cmocka_unit_test(test_bench_job_seqread128k),
		cmocka_unit_test(test_bench_job_write_patterns),
		cmocka_unit_test(test_bench_job_bad_values),
		cmocka_unit_test(test_bench_qd),
		cmocka_unit_test(test_bench_seconds_bounds),
		cmocka_unit_test(test_selftest_hostile),
		cmocka_unit_test(test_dev_names),
		cmocka_unit_test(test_bench_path_and_devs),
		cmocka_unit_test(test_nvme_poll),
		cmocka_unit_test(test_selftest_kinds),
		cmocka_unit_test(test_fault_provider),
		cmocka_unit_test(test_fault_irq_and_kinds),
		cmocka_unit_test(test_bench_devs_twice),
		cmocka_unit_test(test_fault_cpu),
		cmocka_unit_test(test_fault_panic),
		cmocka_unit_test(test_dma_copy),
		cmocka_unit_test(test_selftest_bad_value),
		cmocka_unit_test(test_everything_at_once),
		cmocka_unit_test(test_error_unknown_key),
		cmocka_unit_test(test_error_token_without_equals),
		cmocka_unit_test(test_error_token_with_empty_key),
		cmocka_unit_test(test_error_duplicate_scalar_key),
		cmocka_unit_test(test_error_duplicate_after_bad_value_is_reported_once_each),
		cmocka_unit_test(test_error_malformed_extents),
		cmocka_unit_test(test_error_lba_not_64bit),
		cmocka_unit_test(test_error_count_zero),
		cmocka_unit_test(test_error_count_above_32_bits),
		cmocka_unit_test(test_error_lba_plus_count_overflow),
		cmocka_unit_test(test_error_bad_extent_keeps_the_good_ones),
		cmocka_unit_test(test_error_trailing_comma),
		cmocka_unit_test(test_error_leading_and_double_comma),
		cmocka_unit_test(test_error_empty_extent_list),
		cmocka_unit_test(test_error_more_than_16_extents),
		cmocka_unit_test(test_error_several_in_one_line_all_counted),
		cmocka_unit_test(test_error_count_exceeds_stored_messages),
		cmocka_unit_test(test_error_long_token_is_truncated_safely),
		cmocka_unit_test(test_smp_cpus),
		cmocka_unit_test(test_smp_bkl_halt_us),
		cmocka_unit_test(test_smp_idle_poll_us),
		cmocka_unit_test(test_selftest_tlb_shootdown),
		cmocka_unit_test(test_selftest_lock_order),
		cmocka_unit_test(test_selftest_lazy_root),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_names_round_trip_through_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
