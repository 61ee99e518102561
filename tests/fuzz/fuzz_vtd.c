/*
 * tests/fuzz/fuzz_vtd.c - libFuzzer harness for the VT-d pure logic that
 * consumes what firmware and hardware hand the kernel: the DMAR's device
 * scopes and RMRRs resolved against a PCI topology (lib/vtd_scope.c),
 * capability registers and the IOVA window (lib/vtd_cap.c), fault records
 * (lib/vtd_fault.c), invalidation plans (lib/vtd_inval.c), and sequences
 * of page-table operations (lib/vtd_pgtable.c) against a flat model.
 *
 * Input: u16 length L, then L bytes of DMAR table (header length and
 * checksum are fixed up so the parser gets past its gates), then bytes
 * that the reader turns into a topology, registers and operations.
 */
#include <stdlib.h>
#include <string.h>

#include "include/abi/errors.h"
#include "lib/acpi_tables.h"
#include "lib/bits.h"
#include "lib/vtd_cap.h"
#include "lib/vtd_fault.h"
#include "lib/vtd_inval.h"
#include "lib/vtd_pgtable.h"
#include "lib/vtd_scope.h"
#include "tests/fuzz/fuzz_common.h"

/* ------------------------------------------------------------ topology */

struct bridge {
	uint8_t bus, dev, fn, sec, sub;
};
static struct bridge bridges[4];

static int read_bridge(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint8_t *sec, uint8_t *sub)
{
	(void)ctx;
	for (unsigned i = 0; i < 4; i++) {
		if (seg == 0 && bridges[i].bus == bus && bridges[i].dev == dev && bridges[i].fn == fn) {
			*sec = bridges[i].sec;
			*sub = bridges[i].sub;
			return 0;
		}
	}
	return CR_ENOENT;
}

static void scopes(struct fuzz_reader *r, const uint8_t *table, size_t len)
{
	static struct acpi_dmar_info d;
	const char *why = NULL;

	if (acpi_parse_dmar(table, len, &d, &why) < 0)
		return;
	for (unsigned i = 0; i < 4; i++)
		bridges[i] = (struct bridge){ fr_u8(r), (uint8_t)(fr_u8(r) & 31), (uint8_t)(fr_u8(r) & 7), fr_u8(r), fr_u8(r) };
	struct vtd_bus_reader rd = { read_bridge, NULL };
	for (unsigned k = 0; k < 8; k++) {
		struct vtd_pci_addr a = { (uint16_t)(fr_u8(r) & 1), fr_u8(r), (uint8_t)(fr_u8(r) & 31), (uint8_t)(fr_u8(r) & 7) };
		bool ex;
		int u = vtd_unit_for_device(&d, a, &rd, &ex);
		CHECK(u >= -1 && u < (int)d.nunits);
		if (u >= 0) {
			CHECK(d.units[u].segment == a.seg);
			CHECK(ex == !(d.units[u].flags & DRHD_INCLUDE_PCI_ALL));
		}
		unsigned idx[ACPI_MAX_RMRR];
		unsigned n = vtd_rmrrs_for_device(&d, a, &rd, idx, ACPI_MAX_RMRR);
		CHECK(n <= d.nrmrr);
		for (unsigned j = 0; j < n; j++) {
			CHECK(idx[j] < d.nrmrr);
			CHECK(d.rmrr[idx[j]].segment == a.seg);
			const char *w = NULL;
			if (vtd_rmrr_check(&d.rmrr[idx[j]], 39, 1ull << 38, 1ull << 39, &w) == 0) {
				CHECK(IS_ALIGNED(d.rmrr[idx[j]].base, 4096));
				CHECK(d.rmrr[idx[j]].limit < 1ull << 38);
			} else {
				CHECK(w != NULL);
			}
		}
	}
}

/* ------------------------------------------------------------ registers */

static void registers(struct fuzz_reader *r)
{
	struct vtd_caps c;
	struct vtd_window w;
	const char *why = NULL;

	vtd_caps_decode(fr_u32(r), fr_u64(r), fr_u64(r), &c);
	CHECK(c.did_bits >= 4 && c.did_bits <= 16 && c.nfr >= 1 && c.nfr <= 256 && c.mgaw >= 1 && c.mgaw <= 64);
	unsigned haw = fr_u8(r) % 70;
	uint64_t ram_end = fr_u64(r) >> (fr_u8(r) % 64), limit = fr_u8(r) & 1 ? fr_u64(r) : 0;
	if (vtd_plan_window(&c, haw, ram_end, limit, &w, &why) == 0) {
		CHECK(w.levels >= 3 && w.levels <= 5 && (c.sagaw & (1u << (w.levels - 2))));
		CHECK(w.top - w.base == VTD_WINDOW_BYTES && w.base >= ram_end);
		CHECK(w.agaw >= 64 || w.top <= 1ull << w.agaw);
		CHECK(c.mgaw >= 64 || w.top <= 1ull << c.mgaw);
		CHECK(!limit || w.top <= limit);
		CHECK(w.pool_base == w.base && w.guard == w.base + VTD_DATA_REGION_BYTES && w.mgr_base > w.guard &&
		      w.mgr_top == w.top);
		CHECK(w.base >= 0xfef00000ull || w.top <= 0xfee00000ull);
	} else {
		CHECK(why != NULL);
	}
	/* A fault record: decoded only when F is set, its fields where the spec puts them. */
	uint64_t lo = fr_u64(r), hi = fr_u64(r);
	struct vtd_fault f;
	bool got = vtd_fault_decode(lo, hi, &f);
	CHECK(got == !!(hi >> 63));
	if (got)
		CHECK(f.sid == (uint16_t)hi && f.addr == (lo & ~0xfffull) && vtd_fault_reason_name(f.reason) != NULL);
	/* An unmap plan covers the range exactly, in aligned blocks within MAMV, or flushes the domain. */
	struct vtd_inv_plan p;
	uint64_t addr = (fr_u64(r) & ((1ull << 48) - 1)) & ~0xfffull, len = ((uint64_t)fr_u16(r) + 1) << 12;
	vtd_inval_plan(&c, VTD_EV_UNMAP, 7, 0x10, addr, len, &p);
	CHECK(p.n >= 1 && p.n <= VTD_PLAN_MAX + 2);
	uint64_t next = addr;
	bool domain = false;
	for (unsigned i = 0; i < p.n; i++) {
		if (p.op[i].kind == VTD_OP_IOTLB_DOMAIN)
			domain = true;
		if (p.op[i].kind != VTD_OP_IOTLB_PAGES)
			continue;
		CHECK(p.op[i].am <= c.mamv && p.op[i].addr == next && IS_ALIGNED(next, 4096ull << p.op[i].am));
		next += 4096ull << p.op[i].am;
	}
	CHECK(domain || next == addr + len);
}

/* ------------------------------------------------------------ page tables */

#define NPAGES 64
static uint8_t pages[NPAGES][4096] __attribute__((aligned(4096)));
static bool used[NPAGES];

static void *pt_alloc(void *ctx, uint64_t *phys)
{
	(void)ctx;
	for (unsigned i = 0; i < NPAGES; i++) {
		if (!used[i]) {
			used[i] = true;
			memset(pages[i], 0, 4096);
			*phys = 0x100000ull + i * 4096ull;
			return pages[i];
		}
	}
	return NULL;
}

static void pt_free(void *ctx, void *page, uint64_t phys)
{
	(void)ctx;
	(void)page;
	used[(phys - 0x100000) / 4096] = false;
}

static void *pt_table(void *ctx, uint64_t phys)
{
	(void)ctx;
	CHECK(phys >= 0x100000 && phys < 0x100000 + NPAGES * 4096ull && used[(phys - 0x100000) / 4096]);
	return pages[(phys - 0x100000) / 4096];
}

static void pt_flush(void *ctx, const void *p, size_t len)
{
	(void)ctx;
	(void)p;
	(void)len;
}

static void page_tables(struct fuzz_reader *r)
{
	static const struct vtd_pt_env env = { pt_alloc, pt_free, pt_table, pt_flush, NULL };
	static uint64_t model[32];	/* pa | perm per slot, 0: unmapped */
	struct vtd_pt pt;
	unsigned levels = 3 + fr_u8(r) % 3;
	uint64_t base = (fr_u64(r) & ((1ull << (12 + 9 * levels)) - 1)) & ~0xfffull;

	memset(used, 0, sizeof(used));
	memset(model, 0, sizeof(model));
	if (vtd_pt_init(&pt, &env, levels) < 0)
		return;
	for (unsigned step = 0; step < 64 && r->n; step++) {
		unsigned at = fr_u8(r) % 32, n = 1 + fr_u8(r) % 4, op = fr_u8(r);
		uint64_t iova = base + at * 4096ull, pa = (uint64_t)fr_u16(r) << 12;
		n = MIN(n, 32 - at);
		if (iova + n * 4096ull > pt.limit)
			continue;
		if (op & 1) {
			bool free_run = true;
			for (unsigned i = 0; i < n; i++)
				free_run &= model[at + i] == 0;
			unsigned perm = 1 + (op >> 1) % 3;
			int rc = vtd_pt_map(&pt, &env, iova, pa, n * 4096ull, perm);
			CHECK(rc == 0 || rc == CR_EEXIST || rc == CR_ENOMEM);
			CHECK(free_run || rc == CR_EEXIST);
			for (unsigned i = 0; rc == 0 && i < n; i++)
				model[at + i] = (pa + i * 4096ull) | perm;
		} else {
			unsigned want = 0;
			for (unsigned i = 0; i < n; i++) {
				want += model[at + i] != 0;
				model[at + i] = 0;
			}
			CHECK(vtd_pt_unmap(&pt, &env, iova, n * 4096ull) == want);
		}
		for (unsigned i = 0; i < 32; i++) {
			uint64_t got;
			unsigned perm;
			int rc = vtd_pt_lookup(&pt, &env, base + i * 4096ull, &got, &perm);
			if (base + i * 4096ull >= pt.limit)
				continue;
			CHECK(model[i] ? rc == 0 && got == (model[i] & ~3ull) && perm == (model[i] & 3) : rc == CR_ENOENT);
		}
	}
	vtd_pt_destroy(&pt, &env);
	for (unsigned i = 0; i < NPAGES; i++)
		CHECK(!used[i]);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader r = { data, size };
	size_t len = fr_u16(&r) % 2048;

	if (len > r.n)
		len = r.n;
	uint8_t *t = malloc(len ? len : 1);
	fr_bytes(&r, t, len);
	if (len >= sizeof(struct acpi_sdt_header)) {
		memcpy(t, "DMAR", 4);
		store_le32(t + 4, (uint32_t)len);
		t[9] = 0;
		t[9] = (uint8_t)-sum(t, len);
	}
	scopes(&r, t, len);
	free(t);
	registers(&r);
	page_tables(&r);
	return 0;
}
