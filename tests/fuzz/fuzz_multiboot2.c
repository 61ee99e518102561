/*
 * tests/fuzz/fuzz_multiboot2.c - libFuzzer harness for lib/multiboot2.c.
 *
 * The boot information comes from whatever loaded the kernel.  The first
 * input byte selects a fix-up (bit 0: set total_size to the input size, so
 * the fuzzer gets past the outer gate); the rest is the structure, copied
 * to an exact-size buffer so any read beyond it is caught.  Whatever the
 * parser accepts must stay inside the buffer and keep its promises.
 */
#include <string.h>

#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/multiboot2.h"
#include "tests/fuzz/fuzz_common.h"

static bool inside(const uint8_t *base, size_t n, const void *p, size_t len)
{
	const uint8_t *q = p;

	return q >= base && len <= n && (size_t)(q - base) <= n - len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t n = size - 1;
	uint8_t *b = malloc(n ? n : 1);
	if (!b)
		return 0;
	memcpy(b, data + 1, n);
	if ((data[0] & 1) && n >= 4)
		store_le32(b, (uint32_t)n);

	struct mb2_info info;
	const char *why = NULL;
	int rc = mb2_parse(b, n, &info, &why);
	if (rc < 0) {
		CHECK(rc == CR_EPROTO);
		CHECK(why != NULL && why[0] != '\0');
	} else {
		CHECK(info.total_size >= 16 && info.total_size <= n);
		if (info.cmdline)
			CHECK(inside(b, info.total_size, info.cmdline, strlen(info.cmdline) + 1));
		if (info.loader_name)
			CHECK(inside(b, info.total_size, info.loader_name, strlen(info.loader_name) + 1));
		if (info.rsdp) {
			CHECK(info.rsdp_len >= (info.rsdp_is_new ? MB2_RSDP_V2_LEN : MB2_RSDP_V1_LEN));
			CHECK(inside(b, info.total_size, info.rsdp, info.rsdp_len));
		}
		if (info.mmap) {
			CHECK(info.mmap_entry_size >= MB2_MMAP_ENTRY_MIN && info.mmap_entry_size % 8 == 0);
			CHECK(inside(b, info.total_size, info.mmap,
				     (size_t)info.mmap_count * info.mmap_entry_size));
			for (uint32_t i = 0; i < info.mmap_count; i++) {
				struct mb2_mmap_entry e;
				mb2_mmap_entry(&info, i, &e);
				(void)e;
			}
		} else {
			CHECK(info.mmap_count == 0);
		}
	}
	free(b);
	return 0;
}
