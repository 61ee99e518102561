/*
 * tests/fuzz/fuzz_acpi.c - libFuzzer harness for lib/acpi_tables.c.
 *
 * ACPI tables come from firmware (or, in a VM, from whoever built the VM).
 * The first input byte selects fix-ups that let the fuzzer past the
 * length and checksum gates (bit 0: set the header length to the input
 * size, bit 1: fix the SDT checksum, bit 2: fix the RSDP checksums); the
 * rest is the table, copied to an exact-size buffer so any read beyond it
 * is caught.  Every acpi_* parser runs on it, including acpi_find_s5 and
 * acpi_parse_hpet, and
 * each result is checked against the limits acpi_tables.h promises.
 */
#include <string.h>

#include "include/abi/errors.h"
#include "lib/acpi_tables.h"
#include "lib/bits.h"
#include "tests/fuzz/fuzz_common.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static void fixups(uint8_t flags, uint8_t *t, size_t n)
{
	if ((flags & 1) && n >= sizeof(struct acpi_sdt_header))
		store_le32(t + 4, (uint32_t)n);
	if ((flags & 2) && n >= sizeof(struct acpi_sdt_header)) {
		t[9] = 0;
		t[9] = (uint8_t)-sum(t, n);
	}
	if ((flags & 4) && n >= ACPI_RSDP_V1_LEN) {
		memcpy(t, "RSD PTR ", 8);
		t[8] = 0;
		t[8] = (uint8_t)-sum(t, ACPI_RSDP_V1_LEN);
		if (n >= sizeof(struct acpi_rsdp)) {
			store_le32(t + 20, (uint32_t)n);
			t[32] = 0;
			t[32] = (uint8_t)-sum(t, n);
		}
	}
}

static void check_why(int rc, const char *why)
{
	if (rc < 0) {
		CHECK(rc == CR_EPROTO);
		CHECK(why != NULL && why[0] != '\0');
	}
}

static void run_all(const uint8_t *t, size_t n)
{
	const char *why;
	int rc;

	(void)acpi_checksum_ok(t, n);

	struct acpi_rsdp_info rsdp;
	why = NULL;
	rc = acpi_parse_rsdp(t, n, &rsdp, &why);
	check_why(rc, why);
	if (rc == 0) {
		CHECK(rsdp.root_phys != 0);
		CHECK(!rsdp.root_is_xsdt || rsdp.revision >= 2);
	}

	static const char *const sigs[] = { NULL, "APIC", "MCFG", "DMAR", "FACP", "XSDT", "RSDT", "DSDT" };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		why = NULL;
		long len = acpi_check_table(t, n, sigs[i], &why);
		if (len < 0) {
			CHECK(len == CR_EPROTO && why != NULL);
		} else {
			CHECK((size_t)len <= n && (size_t)len >= sizeof(struct acpi_sdt_header));
			CHECK(acpi_checksum_ok(t, (size_t)len));
			if (sigs[i])
				CHECK(memcmp(t, sigs[i], 4) == 0);
		}
	}

	uint64_t ents[64];
	for (int x = 0; x < 2; x++) {
		for (size_t max = 0; max <= 64; max += 7) {
			why = NULL;
			rc = acpi_root_entries(t, n, x, ents, max, &why);
			check_why(rc, why);
			if (rc >= 0)
				CHECK((size_t)rc <= max);
		}
	}

	struct acpi_madt_info madt;
	why = NULL;
	rc = acpi_parse_madt(t, n, &madt, &why);
	check_why(rc, why);
	CHECK(madt.ncpus <= ACPI_MAX_CPUS && madt.nioapics <= ACPI_MAX_IOAPICS && madt.nisos <= ACPI_MAX_ISOS);
	CHECK(madt.nnmis <= ACPI_MAX_NMIS && madt.ncpus <= madt.ncpus_listed && madt.nx2apic <= madt.ncpus_listed);
	for (unsigned i = 0; i < madt.ncpus; i++)
		CHECK(madt.cpu_apic_ids[i] <= madt.max_apic_id);
	for (unsigned i = 0; i < madt.nnmis; i++)
		CHECK(madt.nmis[i].lint <= 1);
	if (rc == 0)
		CHECK(madt.lapic_phys != 0);

	struct acpi_mcfg_info mcfg;
	why = NULL;
	rc = acpi_parse_mcfg(t, n, &mcfg, &why);
	check_why(rc, why);
	CHECK(mcfg.nsegments <= ACPI_MAX_MCFG);
	if (rc == 0) {
		CHECK(mcfg.nsegments >= 1);
		for (unsigned i = 0; i < mcfg.nsegments; i++) {
			CHECK(mcfg.segments[i].start_bus <= mcfg.segments[i].end_bus);
			CHECK(mcfg.segments[i].base != 0 && (mcfg.segments[i].base & 0xfffff) == 0);
		}
	}

	static struct acpi_dmar_info dmar;
	why = NULL;
	rc = acpi_parse_dmar(t, n, &dmar, &why);
	check_why(rc, why);
	CHECK(dmar.nunits <= ACPI_MAX_DRHD && dmar.nrmrr <= ACPI_MAX_RMRR);
	for (unsigned u = 0; u < dmar.nunits; u++) {
		CHECK(dmar.units[u].nscopes <= ACPI_MAX_SCOPES);
		CHECK(dmar.units[u].register_base != 0 && (dmar.units[u].register_base & 0xfff) == 0);
		for (unsigned s = 0; s < dmar.units[u].nscopes; s++)
			CHECK(dmar.units[u].scopes[s].npath <= ACPI_MAX_SCOPE_PATH);
	}
	for (unsigned m = 0; m < dmar.nrmrr; m++) {
		CHECK(dmar.rmrr[m].nscopes <= ACPI_MAX_SCOPES);
		CHECK(dmar.rmrr[m].base <= dmar.rmrr[m].limit);
	}
	if (rc == 0) {
		CHECK(dmar.nunits >= 1);
		for (unsigned u = 0; u < dmar.nunits; u++) {
			for (unsigned s = 0; s < dmar.units[u].nscopes; s++) {
				const struct acpi_dmar_scope_info *si = &dmar.units[u].scopes[s];
				for (unsigned k = 0; k < si->npath; k++)
					CHECK(si->path[k].device <= 31 && si->path[k].function <= 7);
			}
		}
	}

	struct acpi_fadt_info fadt;
	why = NULL;
	rc = acpi_parse_fadt(t, n, &fadt, &why);
	check_why(rc, why);
	if (rc == 0)
		CHECK(fadt.hw_reduced || fadt.pm1a_cnt.address != 0);

	struct acpi_hpet_info hpet;
	why = NULL;
	rc = acpi_parse_hpet(t, n, &hpet, &why);
	check_why(rc, why);
	if (rc == 0)
		CHECK(hpet.base != 0 && (hpet.base & 0x3ff) == 0);

	uint8_t a = 0xaa, b = 0xbb;
	rc = acpi_find_s5(t, n, &a, &b);
	CHECK(rc == 0 || rc == CR_EPROTO || rc == CR_ENOENT);
	if (rc == 0)
		CHECK(a <= 7 && b <= 7);	/* SLP_TYP is 3 bits */
	else
		CHECK(a == 0xaa && b == 0xbb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	size_t n = size - 1;
	uint8_t *t = malloc(n ? n : 1);

	if (!t)
		return 0;
	memcpy(t, data + 1, n);
	fixups(flags, t, n);
	run_all(t, n);
	free(t);
	return 0;
}
