/*
 * tests/fuzz/fuzz_nvme_identify.c - libFuzzer harness for lib/nvme_identify.c.
 *
 * IDENTIFY data is written by the controller into host memory: the input
 * becomes one 4096-byte identify page (zero-padded) parsed as a controller,
 * a namespace and an active namespace list; every result must respect the
 * promises of nvme_identify.h.  nvme_copy_ascii also runs on the raw input
 * at its exact length.
 */
#define _POSIX_C_SOURCE 200809L	/* strnlen */

#include <string.h>

#include "include/abi/errors.h"
#include "lib/nvme_identify.h"
#include "lib/nvme_reg.h"
#include "tests/fuzz/fuzz_common.h"

static void check_str(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	CHECK(n <= max);
	for (size_t i = 0; i < n; i++)
		CHECK(s[i] >= 0x20 && s[i] <= 0x7e);
	if (n)
		CHECK(s[n - 1] != ' ');	/* trailing padding removed */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t page[NVME_IDENTIFY_BYTES];
	struct nvme_ctrl_info ci;
	struct nvme_ns_info ni;

	memset(page, 0, sizeof(page));
	memcpy(page, data, size < sizeof(page) ? size : sizeof(page));

	nvme_parse_identify_ctrl(page, &ci);
	check_str(ci.sn, 20);
	check_str(ci.mn, 40);
	check_str(ci.fr, 8);
	CHECK(ci.strings_repaired <= 20 + 40 + 8);
	CHECK(ci.mdts == page[NVME_IDC_MDTS]);

	for (uint32_t mps = 0; mps < 16; mps++) {
		uint64_t m = nvme_mdts_bytes(ci.mdts, mps);
		CHECK(m == 0 || ((m & (m - 1)) == 0 && m >= (4096ull << mps)));
	}

	const char *why = NULL;
	int rc = nvme_parse_identify_ns(page, &ni, &why);
	if (rc == 0) {
		if (ni.nsze != 0) {
			CHECK(ni.lba_bytes >= 512 && ni.lba_bytes <= (1u << 31) && (ni.lba_bytes & (ni.lba_bytes - 1)) == 0);
			CHECK(ni.nlbaf < NVME_IDNS_LBAF_MAX && ni.lbaf_index <= ni.nlbaf);
			CHECK(ni.ncap <= ni.nsze);
		}
	} else {
		CHECK(rc == CR_EPROTO && why != NULL);
		CHECK(ni.nsze != 0);
	}

	static uint32_t ids[1100];
	static const unsigned maxes[] = { 0, 1, 7, 1024, 1100 };
	for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		unsigned n = nvme_parse_ns_list(page, ids, maxes[m]);
		CHECK(n <= maxes[m] && n <= NVME_IDENTIFY_BYTES / 4);
		for (unsigned i = 0; i < n; i++) {
			CHECK(ids[i] != 0 && ids[i] != NVME_NSID_BROADCAST);
			if (i)
				CHECK(ids[i] > ids[i - 1]);
		}
	}

	/* The string cleaner on the raw bytes, any length up to a page. */
	size_t len = size < 200 ? size : 200;
	char *dst = malloc(len + 1);
	if (!dst)
		return 0;
	unsigned rep = nvme_copy_ascii(dst, data, len);
	check_str(dst, len);
	CHECK(rep <= len);
	free(dst);
	return 0;
}
