/*
 * tests/host/test_pci_decode.c - host tests for lib/pci_decode.c: NVMe class
 * matching, BAR decoding, the capability-list walk and MSI-X location, run
 * on a 256-byte configuration-space image read through the reader callback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/pci_decode.h"
#include "lib/pci_reg.h"

/* cmocka hands every test a state pointer these tests do not use. */
#define UNUSED __attribute__((unused))

/* ------------------------------------------------------------ config image */

struct cfg {
	uint8_t b[PCI_CFG_SPACE_SIZE];
	unsigned reads;		/* callback invocations, to bound loops */
};

static uint32_t cfg_read(void *ctx, uint16_t offset, unsigned width)
{
	struct cfg *c = ctx;
	uint32_t v = 0;

	/* The contract: width 1, 2 or 4, aligned, inside the 256 bytes. */
	assert_true(width == 1 || width == 2 || width == 4);
	assert_int_equal(offset % width, 0);
	assert_true(offset + width <= PCI_CFG_SPACE_SIZE);
	c->reads++;
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)c->b[offset + i] << (8 * i);
	return v;
}

static void cfg_put16(struct cfg *c, unsigned off, uint16_t v)
{
	c->b[off] = (uint8_t)v;
	c->b[off + 1] = (uint8_t)(v >> 8);
}

static void cfg_put32(struct cfg *c, unsigned off, uint32_t v)
{
	cfg_put16(c, off, (uint16_t)v);
	cfg_put16(c, off + 2, (uint16_t)(v >> 16));
}

/* A device with vendor/device ids and, if first_cap, a capability list. */
static void cfg_init(struct cfg *c, uint8_t first_cap)
{
	memset(c, 0, sizeof(*c));
	cfg_put16(c, PCI_VENDOR_ID, 0x1b36);
	cfg_put16(c, PCI_DEVICE_ID, 0x0010);
	c->b[PCI_CLASS] = PCI_CLASS_STORAGE;
	c->b[PCI_SUBCLASS] = PCI_SUBCLASS_NVM;
	c->b[PCI_PROG_IF] = PCI_PROG_IF_NVME;
	if (first_cap) {
		cfg_put16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
		c->b[PCI_CAPABILITY_LIST] = first_cap;
	}
}

static void cfg_cap(struct cfg *c, uint8_t at, uint8_t id, uint8_t next)
{
	c->b[at] = id;
	c->b[at + 1] = next;
}

/* MSI at 0x40 -> PCIe at 0x50 -> MSI-X at 0x70 -> end. */
static void cfg_chain(struct cfg *c)
{
	cfg_init(c, 0x40);
	cfg_cap(c, 0x40, PCI_CAP_ID_MSI, 0x50);
	cfg_cap(c, 0x50, PCI_CAP_ID_PCIE, 0x70);
	cfg_cap(c, 0x70, PCI_CAP_ID_MSIX, 0x00);
}

static struct pci_cfg_reader reader(struct cfg *c)
{
	return (struct pci_cfg_reader){ cfg_read, c };
}

/* ------------------------------------------------------------ pci_is_nvme */

static void test_is_nvme_exact_match(void **state UNUSED)
{
	assert_true(pci_is_nvme(0x01, 0x08, 0x02));
}

static void test_is_nvme_each_field_must_match(void **state UNUSED)
{
	assert_false(pci_is_nvme(0x02, 0x08, 0x02));	/* network */
	assert_false(pci_is_nvme(0x01, 0x06, 0x01));	/* SATA AHCI */
	assert_false(pci_is_nvme(0x01, 0x08, 0x01));	/* NVMHCI */
	assert_false(pci_is_nvme(0x01, 0x08, 0x03));	/* NVMe admin-only controller */
	assert_false(pci_is_nvme(0x01, 0x01, 0x02));
	assert_false(pci_is_nvme(0x00, 0x08, 0x02));
	assert_false(pci_is_nvme(0x08, 0x01, 0x02));	/* fields swapped */
	assert_false(pci_is_nvme(0, 0, 0));
	assert_false(pci_is_nvme(0xff, 0xff, 0xff));
}

static void test_is_nvme_exhaustive(void **state UNUSED)
{
	unsigned matches = 0;

	for (unsigned cls = 0; cls < 256; cls++)
		for (unsigned sub = 0; sub < 256; sub++)
			for (unsigned pi = 0; pi < 256; pi++)
				if (pci_is_nvme((uint8_t)cls, (uint8_t)sub, (uint8_t)pi))
					matches++;
	assert_int_equal(matches, 1);
}

/* ------------------------------------------------------------ BARs */

static void test_bar_mem32(void **state UNUSED)
{
	/* 16 KiB non-prefetchable at 0xfebf0000. */
	struct pci_bar b = pci_decode_bar(0xfebf0000u, 0xffffc000u, 0, 0);

	assert_int_equal(b.kind, PCI_BAR_MEM32);
	assert_false(b.prefetchable);
	assert_int_equal(b.base, 0xfebf0000u);
	assert_int_equal(b.size, 0x4000);
}

static void test_bar_mem32_prefetchable(void **state UNUSED)
{
	/* 256 MiB prefetchable at 0xe0000000. */
	struct pci_bar b = pci_decode_bar(0xe0000008u, 0xf0000008u, 0, 0);

	assert_int_equal(b.kind, PCI_BAR_MEM32);
	assert_true(b.prefetchable);
	assert_int_equal(b.base, 0xe0000000u);
	assert_int_equal(b.size, 0x10000000u);
}

static void test_bar_mem32_2gib(void **state UNUSED)
{
	struct pci_bar b = pci_decode_bar(0x80000000u, 0x80000000u, 0, 0);

	assert_int_equal(b.kind, PCI_BAR_MEM32);
	assert_int_equal(b.base, 0x80000000u);
	assert_int_equal(b.size, 0x80000000u);
}

static void test_bar_mem32_unassigned(void **state UNUSED)
{
	/* Sized but firmware left the base at zero. */
	struct pci_bar b = pci_decode_bar(0, 0xfffff000u, 0, 0);

	assert_int_equal(b.kind, PCI_BAR_MEM32);
	assert_int_equal(b.base, 0);
	assert_int_equal(b.size, 0x1000);
}

static void test_bar_mem64(void **state UNUSED)
{
	/* 16 KiB, 64-bit, non-prefetchable, above 4 GiB. */
	struct pci_bar b = pci_decode_bar(0xfe000004u, 0xffffc004u, 0x1, 0xffffffffu);

	assert_int_equal(b.kind, PCI_BAR_MEM64);
	assert_false(b.prefetchable);
	assert_true(b.base == 0x1fe000000ull);
	assert_int_equal(b.size, 0x4000);
}

static void test_bar_mem64_prefetchable(void **state UNUSED)
{
	struct pci_bar b = pci_decode_bar(0xc000000cu, 0xfff0000cu, 0, 0xffffffffu);

	assert_int_equal(b.kind, PCI_BAR_MEM64);
	assert_true(b.prefetchable);
	assert_int_equal(b.base, 0xc0000000u);
	assert_int_equal(b.size, 0x100000);
}

static void test_bar_mem64_size_4gib(void **state UNUSED)
{
	/* Exactly 4 GiB: every low address bit reads back zero. */
	struct pci_bar b = pci_decode_bar(0x0000000cu, 0x0000000cu, 0x10, 0xffffffffu);

	assert_int_equal(b.kind, PCI_BAR_MEM64);
	assert_true(b.base == 0x1000000000ull);
	assert_true(b.size == 0x100000000ull);
}

static void test_bar_mem64_size_above_4gib(void **state UNUSED)
{
	/* 8 GiB at 32 GiB (bit 32 of the mask reads back zero too). */
	struct pci_bar b = pci_decode_bar(0x0000000cu, 0x0000000cu, 0x8, 0xfffffffeu);

	assert_int_equal(b.kind, PCI_BAR_MEM64);
	assert_true(b.prefetchable);
	assert_true(b.base == 0x800000000ull);
	assert_true(b.size == 0x200000000ull);

	/* 64 GiB */
	b = pci_decode_bar(0x4u, 0x4u, 0x40, 0xfffffff0u);
	assert_true(b.size == 0x1000000000ull);
	assert_false(b.prefetchable);
}

static void test_bar_io_16bit_decode(void **state UNUSED)
{
	/* 32 ports at 0xc000; the upper 16 bits read back zero. */
	struct pci_bar b = pci_decode_bar(0xc001u, 0x0000ffe1u, 0, 0);

	assert_int_equal(b.kind, PCI_BAR_IO);
	assert_false(b.prefetchable);
	assert_int_equal(b.base, 0xc000);
	assert_int_equal(b.size, 0x20);
}

static void test_bar_io_32bit_decode(void **state UNUSED)
{
	struct pci_bar b = pci_decode_bar(0xc041u, 0xffffffc1u, 0, 0);

	assert_int_equal(b.kind, PCI_BAR_IO);
	assert_int_equal(b.base, 0xc040);
	assert_int_equal(b.size, 0x40);
}

static void test_bar_io_reserved_bit_masked(void **state UNUSED)
{
	/* Bit 1 of an I/O BAR is reserved: neither base nor size may see it. */
	struct pci_bar b = pci_decode_bar(0x1003u, 0xffffffffu, 0, 0);

	assert_int_equal(b.kind, PCI_BAR_IO);
	assert_int_equal(b.base, 0x1000);
	assert_int_equal(b.size, 4);
}

static void test_bar_unimplemented(void **state UNUSED)
{
	struct pci_bar b = pci_decode_bar(0, 0, 0, 0);

	assert_int_equal(b.kind, PCI_BAR_NONE);
	assert_int_equal(b.size, 0);
	assert_int_equal(b.base, 0);
}

static void test_bar_unimplemented_variants(void **state UNUSED)
{
	/* Only the type bits read back: nothing decodes. */
	struct pci_bar b = pci_decode_bar(0x4, 0x4, 0, 0);
	assert_int_equal(b.kind, PCI_BAR_NONE);
	assert_int_equal(b.size, 0);

	b = pci_decode_bar(0x1, 0x1, 0, 0);
	assert_int_equal(b.kind, PCI_BAR_NONE);
	assert_int_equal(b.size, 0);

	b = pci_decode_bar(0x8, 0x8, 0, 0);
	assert_int_equal(b.kind, PCI_BAR_NONE);
	assert_int_equal(b.size, 0);
}

/* ------------------------------------------------------------ capabilities */

static void test_cap_chain(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;

	cfg_chain(&c);
	r = reader(&c);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSI), 0x40);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_PCIE), 0x50);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSIX), 0x70);
}

static void test_cap_absent(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;

	cfg_chain(&c);
	r = reader(&c);
	assert_int_equal(pci_find_capability(&r, 0x01), 0);	/* power management */
	assert_int_equal(pci_find_capability(&r, 0x09), 0);	/* vendor specific */
}

static void test_cap_first_of_duplicates(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;

	cfg_init(&c, 0x60);
	cfg_cap(&c, 0x60, 0x09, 0x48);
	cfg_cap(&c, 0x48, 0x09, 0x00);
	r = reader(&c);
	assert_int_equal(pci_find_capability(&r, 0x09), 0x60);
}

static void test_cap_no_list_bit(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;

	cfg_chain(&c);
	cfg_put16(&c, PCI_STATUS, 0);	/* the pointer is there, the status bit is not */
	r = reader(&c);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSI), 0);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSIX), 0);
	/* Other status bits do not stand in for it. */
	cfg_put16(&c, PCI_STATUS, (uint16_t)~PCI_STATUS_CAP_LIST);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSI), 0);
}

static void test_cap_self_loop_terminates(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;

	cfg_init(&c, 0x40);
	cfg_cap(&c, 0x40, PCI_CAP_ID_MSI, 0x40);
	r = reader(&c);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSI), 0x40);
	c.reads = 0;
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSIX), 0);
	/* Status, pointer, then two reads per visit: at most 48 visits. */
	assert_true(c.reads <= 2 + 2 * 48);
	assert_true(c.reads > 2 + 2 * 8);	/* it did walk the loop for a while */
}

static void test_cap_two_entry_loop_terminates(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;

	cfg_init(&c, 0x40);
	cfg_cap(&c, 0x40, PCI_CAP_ID_MSI, 0x80);
	cfg_cap(&c, 0x80, PCI_CAP_ID_PCIE, 0x40);
	r = reader(&c);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_PCIE), 0x80);
	c.reads = 0;
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSIX), 0);
	assert_true(c.reads <= 2 + 2 * 48);
}

static void test_cap_pointer_below_0x40(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;

	/* The first pointer aims into the standard header. */
	cfg_init(&c, 0x20);
	c.b[0x20] = PCI_CAP_ID_MSI;
	c.b[0x21] = 0x00;
	r = reader(&c);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSI), 0);

	/* A next pointer below 0x40 ends the walk. */
	cfg_init(&c, 0x40);
	cfg_cap(&c, 0x40, PCI_CAP_ID_PCIE, 0x3c);
	c.b[0x3c] = PCI_CAP_ID_MSI;
	r = reader(&c);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSI), 0);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_PCIE), 0x40);
}

static void test_cap_pointer_low_bits_masked(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;

	/* The two low bits of a pointer are reserved (PCI 3.0 §6.7). */
	cfg_init(&c, 0x43);
	cfg_cap(&c, 0x40, PCI_CAP_ID_MSI, 0x52);
	cfg_cap(&c, 0x50, PCI_CAP_ID_MSIX, 0x00);
	r = reader(&c);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSI), 0x40);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_MSIX), 0x50);
}

static void test_cap_last_dword(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;

	cfg_init(&c, 0xfc);
	cfg_cap(&c, 0xfc, PCI_CAP_ID_PCIE, 0x00);
	r = reader(&c);
	assert_int_equal(pci_find_capability(&r, PCI_CAP_ID_PCIE), 0xfc);
}

/* ------------------------------------------------------------ MSI-X */

static void cfg_msix(struct cfg *c, uint8_t at, uint16_t ctrl, uint32_t table, uint32_t pba)
{
	cfg_put16(c, at + PCI_MSIX_CTRL, ctrl);
	cfg_put32(c, at + PCI_MSIX_TABLE, table);
	cfg_put32(c, at + PCI_MSIX_PBA, pba);
}

static void test_msix_decode(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;
	struct pci_msix_info m;

	cfg_chain(&c);
	cfg_msix(&c, 0x70, 0x001f, 0x00002000u, 0x00003004u);
	r = reader(&c);
	assert_true(pci_read_msix(&r, 0x70, &m));
	assert_int_equal(m.table_size, 32);
	assert_int_equal(m.table_bir, 0);
	assert_int_equal(m.table_offset, 0x2000);
	assert_int_equal(m.pba_bir, 4);
	assert_int_equal(m.pba_offset, 0x3000);
}

static void test_msix_control_bits_do_not_affect_size(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;
	struct pci_msix_info m;

	cfg_chain(&c);
	cfg_msix(&c, 0x70, PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_FUNC_MASK | 0x7ff, 0x5u, 0x10002u);
	r = reader(&c);
	assert_true(pci_read_msix(&r, 0x70, &m));
	assert_int_equal(m.table_size, 2048);
	assert_int_equal(m.table_bir, 5);
	assert_int_equal(m.table_offset, 0);
	assert_int_equal(m.pba_bir, 2);
	assert_int_equal(m.pba_offset, 0x10000);
}

static void test_msix_single_entry(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;
	struct pci_msix_info m;

	cfg_chain(&c);
	cfg_msix(&c, 0x70, 0x0000, 0xfffffff8u, 0x1u);
	r = reader(&c);
	assert_true(pci_read_msix(&r, 0x70, &m));
	assert_int_equal(m.table_size, 1);
	assert_int_equal(m.table_offset, 0xfffffff8u);
	assert_int_equal(m.pba_bir, 1);
}

static void test_msix_reserved_bir_rejected(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;
	struct pci_msix_info m;

	cfg_chain(&c);
	r = reader(&c);
	cfg_msix(&c, 0x70, 0x0003, 0x2006u, 0x3000u);
	assert_false(pci_read_msix(&r, 0x70, &m));
	cfg_msix(&c, 0x70, 0x0003, 0x2007u, 0x3000u);
	assert_false(pci_read_msix(&r, 0x70, &m));
	cfg_msix(&c, 0x70, 0x0003, 0x2000u, 0x3006u);
	assert_false(pci_read_msix(&r, 0x70, &m));
	cfg_msix(&c, 0x70, 0x0003, 0x2000u, 0x3007u);
	assert_false(pci_read_msix(&r, 0x70, &m));
	/* BIR 5 is the last valid one. */
	cfg_msix(&c, 0x70, 0x0003, 0x2005u, 0x3005u);
	assert_true(pci_read_msix(&r, 0x70, &m));
}

static void test_msix_capability_offset_bounds(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;
	struct pci_msix_info m;

	cfg_init(&c, 0xf4);
	cfg_cap(&c, 0xf4, PCI_CAP_ID_MSIX, 0);
	cfg_msix(&c, 0xf4, 0x0007, 0x1000u, 0x1800u);
	r = reader(&c);
	/* 0xf4 is the highest offset whose 12 bytes still fit. */
	assert_true(pci_read_msix(&r, 0xf4, &m));
	assert_int_equal(m.table_size, 8);
	assert_int_equal(m.pba_offset, 0x1800);
	c.reads = 0;
	assert_false(pci_read_msix(&r, 0xf8, &m));
	assert_false(pci_read_msix(&r, 0x3c, &m));
	assert_false(pci_read_msix(&r, 0x00, &m));
	assert_int_equal(c.reads, 0);	/* rejected before touching config space */
}

static void test_msix_found_via_capability_walk(void **state UNUSED)
{
	static struct cfg c;
	struct pci_cfg_reader r;
	struct pci_msix_info m;

	cfg_chain(&c);
	cfg_msix(&c, 0x70, 0x0040, 0x00000000u, 0x00000800u);
	r = reader(&c);
	uint8_t cap = pci_find_capability(&r, PCI_CAP_ID_MSIX);
	assert_int_equal(cap, 0x70);
	assert_true(pci_read_msix(&r, cap, &m));
	assert_int_equal(m.table_size, 65);
	assert_int_equal(m.pba_offset, 0x800);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_nvme_exact_match),
		cmocka_unit_test(test_is_nvme_each_field_must_match),
		cmocka_unit_test(test_is_nvme_exhaustive),
		cmocka_unit_test(test_bar_mem32),
		cmocka_unit_test(test_bar_mem32_prefetchable),
		cmocka_unit_test(test_bar_mem32_2gib),
		cmocka_unit_test(test_bar_mem32_unassigned),
		cmocka_unit_test(test_bar_mem64),
		cmocka_unit_test(test_bar_mem64_prefetchable),
		cmocka_unit_test(test_bar_mem64_size_4gib),
		cmocka_unit_test(test_bar_mem64_size_above_4gib),
		cmocka_unit_test(test_bar_io_16bit_decode),
		cmocka_unit_test(test_bar_io_32bit_decode),
		cmocka_unit_test(test_bar_io_reserved_bit_masked),
		cmocka_unit_test(test_bar_unimplemented),
		cmocka_unit_test(test_bar_unimplemented_variants),
		cmocka_unit_test(test_cap_chain),
		cmocka_unit_test(test_cap_absent),
		cmocka_unit_test(test_cap_first_of_duplicates),
		cmocka_unit_test(test_cap_no_list_bit),
		cmocka_unit_test(test_cap_self_loop_terminates),
		cmocka_unit_test(test_cap_two_entry_loop_terminates),
		cmocka_unit_test(test_cap_pointer_below_0x40),
		cmocka_unit_test(test_cap_pointer_low_bits_masked),
		cmocka_unit_test(test_cap_last_dword),
		cmocka_unit_test(test_msix_decode),
		cmocka_unit_test(test_msix_control_bits_do_not_affect_size),
		cmocka_unit_test(test_msix_single_entry),
		cmocka_unit_test(test_msix_reserved_bir_rejected),
		cmocka_unit_test(test_msix_capability_offset_bounds),
		cmocka_unit_test(test_msix_found_via_capability_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
