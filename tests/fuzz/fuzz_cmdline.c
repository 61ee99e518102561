/*
 * tests/fuzz/fuzz_cmdline.c - libFuzzer harness for lib/cmdline.c.
 *
 * The kernel command line comes from the boot loader: any bytes.  The input
 * is made NUL-terminated and parsed; the result must respect every limit
 * the grammar promises (DESIGN.md §2, lib/cmdline.h).
 */
#define _POSIX_C_SOURCE 200809L	/* strnlen */

#include <string.h>

#include "lib/cmdline.h"
#include "tests/fuzz/fuzz_common.h"

static void check_extents(const struct cmdline_extent *e, unsigned n)
{
	CHECK(n <= CMDLINE_MAX_EXTENTS);
	for (unsigned i = 0; i < n; i++) {
		uint64_t end;
		CHECK(e[i].count >= 1);
		CHECK(!__builtin_add_overflow(e[i].lba, (uint64_t)e[i].count, &end));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct boot_options o;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	cmdline_parse(line, &o);
	free(line);

	check_extents(o.reads, o.nreads);
	check_extents(o.writes, o.nwrites);
	for (unsigned i = 0; i < o.nreads; i++)
		CHECK(o.reads[i].seed == 0);	/* reads carry no seed */
	CHECK(o.nsid != 0xffffffffu);
	CHECK(o.bench_qd >= 1 && o.bench_qd <= 65535);
	CHECK(o.bench_seconds >= 1 && o.bench_seconds <= 3600);
	CHECK(o.bench_block_bytes >= 1024 && o.bench_block_bytes <= (64u << 20) &&
	      o.bench_block_bytes % 1024 == 0);
	CHECK(strcmp(run_mode_name(o.mode), "?") != 0);
	CHECK(strcmp(dma_choice_name(o.dma_backend), "?") != 0);
	CHECK(strcmp(bench_pattern_name(o.bench_pattern), "?") != 0);
	CHECK(o.clock_source <= CLOCK_SRC_NONE);
	CHECK(o.apic_mode == APIC_REQ_AUTO || o.apic_mode == APIC_REQ_XAPIC || o.apic_mode == APIC_REQ_X2APIC);
	CHECK(o.apic_timer == APIC_REQ_AUTO || o.apic_timer == APIC_REQ_PERIODIC ||
	      o.apic_timer == APIC_REQ_TSC_DEADLINE);
	CHECK(o.serve_seconds == 0 || o.mode == RUN_MODE_SERVE || o.nerrors > 0);
	for (unsigned i = 0; i < o.nerrors && i < CMDLINE_MAX_ERRORS; i++) {
		size_t n = strnlen(o.errors[i], CMDLINE_ERROR_LEN);
		CHECK(n < CMDLINE_ERROR_LEN);	/* terminated inside its slot */
		CHECK(strncmp(o.errors[i], "cmdline: ", 9) == 0);
	}
	/* Deterministic: the same line parses the same way. */
	struct boot_options o2;
	line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	cmdline_parse(line, &o2);
	free(line);
	CHECK(o2.nerrors == o.nerrors && o2.nreads == o.nreads && o2.nwrites == o.nwrites);
	return 0;
}
