/*
 * tests/host/test_cap_table.c - host tests for lib/cap_table.c: inserting,
 * looking up (slot, type and rights checks) and removing capabilities, and
 * cap_type_name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "include/abi/cap.h"
#include "include/abi/errors.h"
#include "lib/cap_table.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

/* Distinct objects to put in slots; the table never dereferences them. */
static int objs[CAP_SLOTS + 1];

static struct cap_table table;

static void fresh(void)
{
	memset(&table, 0xa5, sizeof(table));	/* init must clear every slot */
	cap_table_init(&table);
}

/* ------------------------------------------------------------ init / insert */

static void test_init_empties_every_slot(void **state UNUSED)
{
	const struct cap *c;

	fresh();
	for (unsigned i = 0; i < CAP_SLOTS; i++) {
		assert_int_equal(table.ct_slots[i].c_type, CAP_TYPE_NONE);
		assert_int_equal(cap_lookup(&table, i, CAP_TYPE_NONE, 0, &c), CR_EBADCAP);
	}
}

static void test_insert_fills_lowest_slot(void **state UNUSED)
{
	fresh();
	assert_int_equal(cap_insert(&table, CAP_TYPE_CONSOLE, CAP_RIGHT_WRITE, &objs[0]), 0);
	assert_int_equal(cap_insert(&table, CAP_TYPE_DMA_POOL, CAP_RIGHT_MAP, &objs[1]), 1);
	assert_int_equal(cap_insert(&table, CAP_TYPE_INTERRUPT, CAP_RIGHT_WAIT, &objs[2]), 2);
	assert_int_equal(table.ct_slots[1].c_type, CAP_TYPE_DMA_POOL);
	assert_int_equal(table.ct_slots[1].c_rights, CAP_RIGHT_MAP);
	assert_ptr_equal(table.ct_slots[1].c_object, &objs[1]);
}

static void test_insert_reuses_lowest_hole(void **state UNUSED)
{
	fresh();
	for (int i = 0; i < 5; i++)
		assert_int_equal(cap_insert(&table, CAP_TYPE_CONSOLE, 0, &objs[i]), i);
	assert_ptr_equal(cap_remove(&table, 3), &objs[3]);
	assert_ptr_equal(cap_remove(&table, 1), &objs[1]);
	assert_int_equal(cap_insert(&table, CAP_TYPE_CONSOLE, 0, &objs[10]), 1);
	assert_int_equal(cap_insert(&table, CAP_TYPE_CONSOLE, 0, &objs[11]), 3);
	assert_int_equal(cap_insert(&table, CAP_TYPE_CONSOLE, 0, &objs[12]), 5);
}

static void test_insert_full_table(void **state UNUSED)
{
	struct cap_table before;

	fresh();
	for (int i = 0; i < CAP_SLOTS; i++)
		assert_int_equal(cap_insert(&table, CAP_TYPE_BLOCK_DEVICE, CAP_RIGHT_READ, &objs[i]), i);
	memcpy(&before, &table, sizeof(table));
	assert_int_equal(cap_insert(&table, CAP_TYPE_CONSOLE, 0, &objs[CAP_SLOTS]), CR_ENOMEM);
	assert_memory_equal(&before, &table, sizeof(table));
	/* One slot freed: insertion works again, into that slot. */
	assert_ptr_equal(cap_remove(&table, 17), &objs[17]);
	assert_int_equal(cap_insert(&table, CAP_TYPE_CONSOLE, 0, &objs[CAP_SLOTS]), 17);
}

static void test_insert_rejects_none_type(void **state UNUSED)
{
	fresh();
	assert_int_equal(cap_insert(&table, CAP_TYPE_NONE, CAP_RIGHT_ALL, &objs[0]), CR_EINVAL);
	assert_int_equal(table.ct_slots[0].c_type, CAP_TYPE_NONE);
}

static void test_insert_rejects_unknown_type(void **state UNUSED)
{
	fresh();
	assert_int_equal(cap_insert(&table, CAP_TYPE_COUNT, 0, &objs[0]), CR_EINVAL);
	assert_int_equal(cap_insert(&table, 0xffffffffu, 0, &objs[0]), CR_EINVAL);
	assert_int_equal(table.ct_slots[0].c_type, CAP_TYPE_NONE);
}

static void test_insert_rejects_null_object(void **state UNUSED)
{
	fresh();
	assert_int_equal(cap_insert(&table, CAP_TYPE_CONSOLE, CAP_RIGHT_WRITE, NULL), CR_EINVAL);
	assert_int_equal(table.ct_slots[0].c_type, CAP_TYPE_NONE);
	/* The next good insert still lands in slot 0. */
	assert_int_equal(cap_insert(&table, CAP_TYPE_CONSOLE, CAP_RIGHT_WRITE, &objs[0]), 0);
}

static void test_insert_every_valid_type(void **state UNUSED)
{
	fresh();
	for (uint32_t t = CAP_TYPE_NONE + 1; t < CAP_TYPE_COUNT; t++) {
		int slot = cap_insert(&table, t, CAP_RIGHT_ALL, &objs[t]);
		assert_true(slot >= 0);
		assert_int_equal(table.ct_slots[slot].c_type, t);
	}
}

/* ------------------------------------------------------------ lookup */

static void test_lookup_exact(void **state UNUSED)
{
	const struct cap *c = NULL;

	fresh();
	int slot = cap_insert(&table, CAP_TYPE_DEVICE_MMIO, CAP_RIGHT_READ | CAP_RIGHT_WRITE, &objs[4]);
	assert_int_equal(cap_lookup(&table, (uint64_t)slot, CAP_TYPE_DEVICE_MMIO,
				    CAP_RIGHT_READ | CAP_RIGHT_WRITE, &c), 0);
	assert_ptr_equal(c, &table.ct_slots[slot]);
	assert_ptr_equal(c->c_object, &objs[4]);
	assert_int_equal(c->c_type, CAP_TYPE_DEVICE_MMIO);
}

static void test_lookup_subset_of_rights(void **state UNUSED)
{
	const struct cap *c = NULL;

	fresh();
	cap_insert(&table, CAP_TYPE_DMA_POOL, CAP_RIGHT_READ | CAP_RIGHT_MAP, &objs[0]);
	assert_int_equal(cap_lookup(&table, 0, CAP_TYPE_DMA_POOL, CAP_RIGHT_MAP, &c), 0);
	assert_int_equal(cap_lookup(&table, 0, CAP_TYPE_DMA_POOL, CAP_RIGHT_READ, &c), 0);
	assert_int_equal(cap_lookup(&table, 0, CAP_TYPE_DMA_POOL, 0, &c), 0);
	assert_ptr_equal(c, &table.ct_slots[0]);
}

static void test_lookup_wrong_type(void **state UNUSED)
{
	const struct cap *c = NULL;

	fresh();
	cap_insert(&table, CAP_TYPE_CONSOLE, CAP_RIGHT_ALL, &objs[0]);
	assert_int_equal(cap_lookup(&table, 0, CAP_TYPE_DMA_POOL, 0, &c), CR_EBADCAP);
	assert_int_equal(cap_lookup(&table, 0, CAP_TYPE_BLOCK_DEVICE, CAP_RIGHT_READ, &c), CR_EBADCAP);
	assert_null(c);	/* *out is only written on success */
}

static void test_lookup_wrong_type_beats_missing_right(void **state UNUSED)
{
	const struct cap *c = NULL;

	/* A forged slot of the wrong type reports EBADCAP, not EPERM. */
	fresh();
	cap_insert(&table, CAP_TYPE_CONSOLE, 0, &objs[0]);
	assert_int_equal(cap_lookup(&table, 0, CAP_TYPE_INTERRUPT, CAP_RIGHT_WAIT, &c), CR_EBADCAP);
}

static void test_lookup_missing_right(void **state UNUSED)
{
	const struct cap *c = NULL;

	fresh();
	cap_insert(&table, CAP_TYPE_DEVICE_MMIO, CAP_RIGHT_READ, &objs[0]);
	assert_int_equal(cap_lookup(&table, 0, CAP_TYPE_DEVICE_MMIO, CAP_RIGHT_WRITE, &c), CR_EPERM);
	/* Needing two rights, holding one of them, is still missing a right. */
	assert_int_equal(cap_lookup(&table, 0, CAP_TYPE_DEVICE_MMIO,
				    CAP_RIGHT_READ | CAP_RIGHT_WRITE, &c), CR_EPERM);
	assert_null(c);
}

static void test_lookup_out_of_range(void **state UNUSED)
{
	const struct cap *c = NULL;

	fresh();
	for (int i = 0; i < CAP_SLOTS; i++)
		cap_insert(&table, CAP_TYPE_CONSOLE, CAP_RIGHT_ALL, &objs[i]);
	assert_int_equal(cap_lookup(&table, CAP_SLOTS - 1, CAP_TYPE_CONSOLE, 0, &c), 0);
	c = NULL;
	assert_int_equal(cap_lookup(&table, CAP_SLOTS, CAP_TYPE_CONSOLE, 0, &c), CR_EBADCAP);
	assert_int_equal(cap_lookup(&table, 1ull << 32, CAP_TYPE_CONSOLE, 0, &c), CR_EBADCAP);
	assert_int_equal(cap_lookup(&table, UINT64_MAX, CAP_TYPE_NONE, 0, &c), CR_EBADCAP);
	/* A slot number that truncates to a valid 32-bit index is still out of range. */
	assert_int_equal(cap_lookup(&table, (1ull << 32) + 1, CAP_TYPE_CONSOLE, 0, &c), CR_EBADCAP);
	assert_null(c);
}

static void test_lookup_empty_slot(void **state UNUSED)
{
	const struct cap *c = NULL;

	fresh();
	cap_insert(&table, CAP_TYPE_CONSOLE, CAP_RIGHT_ALL, &objs[0]);
	assert_int_equal(cap_lookup(&table, 1, CAP_TYPE_CONSOLE, 0, &c), CR_EBADCAP);
	/* Asking for "any type" does not make an empty slot valid. */
	assert_int_equal(cap_lookup(&table, 1, CAP_TYPE_NONE, 0, &c), CR_EBADCAP);
	assert_null(c);
}

static void test_lookup_none_type_matches_any(void **state UNUSED)
{
	const struct cap *c = NULL;

	fresh();
	for (uint32_t t = CAP_TYPE_NONE + 1; t < CAP_TYPE_COUNT; t++) {
		int slot = cap_insert(&table, t, CAP_RIGHT_READ, &objs[t]);
		c = NULL;
		assert_int_equal(cap_lookup(&table, (uint64_t)slot, CAP_TYPE_NONE, 0, &c), 0);
		assert_int_equal(c->c_type, t);
		/* Rights are still checked for any-type lookups. */
		assert_int_equal(cap_lookup(&table, (uint64_t)slot, CAP_TYPE_NONE, CAP_RIGHT_WRITE, &c),
				 CR_EPERM);
	}
}

static void test_lookup_changes_nothing(void **state UNUSED)
{
	struct cap_table before;
	const struct cap *c;

	fresh();
	cap_insert(&table, CAP_TYPE_CONSOLE, CAP_RIGHT_WRITE, &objs[0]);
	cap_insert(&table, CAP_TYPE_DMA_POOL, CAP_RIGHT_MAP, &objs[1]);
	memcpy(&before, &table, sizeof(table));
	cap_lookup(&table, 0, CAP_TYPE_CONSOLE, CAP_RIGHT_WRITE, &c);
	cap_lookup(&table, 1, CAP_TYPE_CONSOLE, 0, &c);
	cap_lookup(&table, 1, CAP_TYPE_DMA_POOL, CAP_RIGHT_ALL, &c);
	cap_lookup(&table, 99, CAP_TYPE_NONE, 0, &c);
	assert_memory_equal(&before, &table, sizeof(table));
}

/* ------------------------------------------------------------ remove */

static void test_remove_returns_object_and_empties(void **state UNUSED)
{
	const struct cap *c;

	fresh();
	cap_insert(&table, CAP_TYPE_CONSOLE, CAP_RIGHT_WRITE, &objs[0]);
	cap_insert(&table, CAP_TYPE_INTERRUPT, CAP_RIGHT_WAIT, &objs[1]);
	assert_ptr_equal(cap_remove(&table, 1), &objs[1]);
	assert_int_equal(table.ct_slots[1].c_type, CAP_TYPE_NONE);
	assert_int_equal(table.ct_slots[1].c_rights, 0);
	assert_null(table.ct_slots[1].c_object);
	assert_int_equal(cap_lookup(&table, 1, CAP_TYPE_NONE, 0, &c), CR_EBADCAP);
	/* The neighbour is untouched. */
	assert_int_equal(cap_lookup(&table, 0, CAP_TYPE_CONSOLE, CAP_RIGHT_WRITE, &c), 0);
	assert_ptr_equal(c->c_object, &objs[0]);
}

static void test_remove_empty_slot(void **state UNUSED)
{
	fresh();
	assert_null(cap_remove(&table, 0));
	cap_insert(&table, CAP_TYPE_CONSOLE, 0, &objs[0]);
	assert_ptr_equal(cap_remove(&table, 0), &objs[0]);
	assert_null(cap_remove(&table, 0));	/* second remove: already empty */
}

static void test_remove_out_of_range(void **state UNUSED)
{
	struct cap_table before;

	fresh();
	for (int i = 0; i < CAP_SLOTS; i++)
		cap_insert(&table, CAP_TYPE_CONSOLE, 0, &objs[i]);
	memcpy(&before, &table, sizeof(table));
	assert_null(cap_remove(&table, CAP_SLOTS));
	assert_null(cap_remove(&table, UINT64_MAX));
	assert_null(cap_remove(&table, 1ull << 32));
	assert_memory_equal(&before, &table, sizeof(table));
}

/* ------------------------------------------------------------ names */

static void test_cap_type_name(void **state UNUSED)
{
	assert_string_equal(cap_type_name(CAP_TYPE_NONE), "none");
	assert_string_equal(cap_type_name(CAP_TYPE_CONSOLE), "Console");
	assert_string_equal(cap_type_name(CAP_TYPE_DEVICE_MMIO), "DeviceMmio");
	assert_string_equal(cap_type_name(CAP_TYPE_INTERRUPT), "Interrupt");
	assert_string_equal(cap_type_name(CAP_TYPE_DMA_POOL), "DMAPool");
	assert_string_equal(cap_type_name(CAP_TYPE_BLOCK_DEVICE), "BlockDevice");
	assert_string_equal(cap_type_name(CAP_TYPE_COUNT), "unknown");
	assert_string_equal(cap_type_name(0xffffffffu), "unknown");
}

static void test_cap_type_names_distinct(void **state UNUSED)
{
	for (uint32_t a = 0; a < CAP_TYPE_COUNT; a++) {
		assert_string_not_equal(cap_type_name(a), "unknown");
		for (uint32_t b = a + 1; b < CAP_TYPE_COUNT; b++)
			assert_string_not_equal(cap_type_name(a), cap_type_name(b));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empties_every_slot),
		cmocka_unit_test(test_insert_fills_lowest_slot),
		cmocka_unit_test(test_insert_reuses_lowest_hole),
		cmocka_unit_test(test_insert_full_table),
		cmocka_unit_test(test_insert_rejects_none_type),
		cmocka_unit_test(test_insert_rejects_unknown_type),
		cmocka_unit_test(test_insert_rejects_null_object),
		cmocka_unit_test(test_insert_every_valid_type),
		cmocka_unit_test(test_lookup_exact),
		cmocka_unit_test(test_lookup_subset_of_rights),
		cmocka_unit_test(test_lookup_wrong_type),
		cmocka_unit_test(test_lookup_wrong_type_beats_missing_right),
		cmocka_unit_test(test_lookup_missing_right),
		cmocka_unit_test(test_lookup_out_of_range),
		cmocka_unit_test(test_lookup_empty_slot),
		cmocka_unit_test(test_lookup_none_type_matches_any),
		cmocka_unit_test(test_lookup_changes_nothing),
		cmocka_unit_test(test_remove_returns_object_and_empties),
		cmocka_unit_test(test_remove_empty_slot),
		cmocka_unit_test(test_remove_out_of_range),
		cmocka_unit_test(test_cap_type_name),
		cmocka_unit_test(test_cap_type_names_distinct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
