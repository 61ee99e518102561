/*
 * tests/host/test_nvme_reg_access.c - host tests for lib/nvme_reg_access.c:
 * the provider's register reads come from an allow-list, and no register
 * that holds or reveals an address is on it (broker invariant I5).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "lib/nvme_reg.h"
#include "lib/nvme_reg_access.h"

#define UNUSED __attribute__((unused))

static void test_the_allow_list(void **state UNUSED)
{
	static const uint32_t dwords[] = { 0x00, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x1c, 0x24, 0x68 };
	unsigned allowed = 0;

	for (uint64_t off = 0; off < 0x2000; off++) {
		for (uint64_t w = 0; w <= 8; w++) {
			bool want = false;
			for (size_t i = 0; i < sizeof(dwords) / sizeof(dwords[0]); i++)
				want |= w == 4 && off == dwords[i];
			want |= w == 8 && off == NVME_CAP;
			if (nvme_provider_may_read(off, w) != want)
				fail_msg("offset 0x%llx width %llu: %s", (unsigned long long)off, (unsigned long long)w,
					 want ? "refused" : "allowed");
			allowed += want;
		}
	}
	assert_int_equal(allowed, 10);
}

static void test_address_registers_never(void **state UNUSED)
{
	/* ASQ, ACQ, CMBLOC, BPMBL, CMBMSC, PMRMSCL/U: every dword and qword. */
	static const uint64_t addr_regs[] = { NVME_ASQ, NVME_ACQ, 0x38, 0x48, 0x50, 0xe14, 0xe18 };

	for (size_t i = 0; i < sizeof(addr_regs) / sizeof(addr_regs[0]); i++) {
		for (uint64_t d = 0; d < 8; d++) {
			assert_false(nvme_provider_may_read(addr_regs[i] + d, 4));
			assert_false(nvme_provider_may_read(addr_regs[i] + d, 8));
		}
	}
	assert_false(nvme_provider_may_read(UINT64_MAX, 4));
	assert_false(nvme_provider_may_read(NVME_CC, UINT64_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_allow_list),
		cmocka_unit_test(test_address_registers_never),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
