/*
 * kernel/acpi/acpi.c - locate and validate the ACPI tables (ACPI 6.5 §5.2).
 *
 * The RSDP comes from the PVH start info, or from a scan of the EBDA's
 * first KiB and the BIOS area 0xe0000..0xfffff on 16-byte boundaries
 * (§5.2.5.1).  Every table is checksummed before use; a table that fails is
 * reported on one line and ignored.
 */
#include "kernel/acpi/acpi.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/core/bootinfo.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "lib/string.h"

#define ACPI_MAX_TABLES 64

struct acpi_state acpi;

static uint64_t find_rsdp(void)
{
	if (boot_info.rsdp_phys)
		return boot_info.rsdp_phys;

	uint64_t ebda = (uint64_t)(*(const uint16_t *)phys_to_virt(0x40e)) << 4;
	struct { uint64_t start, len; } areas[] = { { ebda, 1024 }, { 0xe0000, 0x20000 } };
	for (unsigned a = 0; a < 2; a++) {
		if (areas[a].start < 0x400 || areas[a].start >= 0x100000)
			continue;
		for (uint64_t pa = areas[a].start; pa + 20 <= areas[a].start + areas[a].len; pa += 16) {
			const char *p = phys_to_virt(pa);
			if (memcmp(p, "RSD PTR ", 8) == 0 && acpi_checksum_ok(p, ACPI_RSDP_V1_LEN))
				return pa;
		}
	}
	return 0;
}

/* Map a table: its header first, then all of it. Returns NULL and logs on failure. */
static const void *map_table(uint64_t pa, const char *sig, long *len_out)
{
	const char *why = "unmappable";
	const struct acpi_sdt_header *h = firmware_map(pa, sizeof(*h));
	long len;

	if (h && h->length >= sizeof(*h) && h->length <= (1u << 24)) {
		const void *t = firmware_map(pa, h->length);
		if (t && (len = acpi_check_table(t, h->length, sig, &why)) > 0) {
			*len_out = len;
			return t;
		}
	} else if (h) {
		why = "implausible-length";
	}
	kerror("acpi: error table rejected phys=0x%lx sig=%.4s reason=%s", pa,
	       h ? h->signature : "????", why);
	return NULL;
}

static void parse_dsdt(void)
{
	long len;
	const void *dsdt = acpi.fadt.dsdt_phys ? map_table(acpi.fadt.dsdt_phys, "DSDT", &len) : NULL;

	if (dsdt && acpi_find_s5(dsdt, (size_t)len, &acpi.s5_typa, &acpi.s5_typb) == 0)
		acpi.have_s5 = true;
	else
		kprintf("acpi: no \\_S5 package in the DSDT; ACPI power-off unavailable");
}

static void parse_table(const char sig[4], const void *t, long len)
{
	const char *why = NULL;

	if (memcmp(sig, "APIC", 4) == 0) {
		acpi.have_madt = acpi_parse_madt(t, (size_t)len, &acpi.madt, &why) == 0;
	} else if (memcmp(sig, "MCFG", 4) == 0) {
		acpi.have_mcfg = acpi_parse_mcfg(t, (size_t)len, &acpi.mcfg, &why) == 0;
	} else if (memcmp(sig, "DMAR", 4) == 0) {
		acpi.have_dmar = acpi_parse_dmar(t, (size_t)len, &acpi.dmar, &why) == 0;
		if (!acpi.have_dmar)
			acpi.dmar_error = why;
	} else if (memcmp(sig, "FACP", 4) == 0) {
		acpi.have_fadt = acpi_parse_fadt(t, (size_t)len, &acpi.fadt, &why) == 0;
		if (acpi.have_fadt)
			parse_dsdt();
	}
	if (why)
		kerror("acpi: error table malformed sig=%.4s reason=%s", sig, why);
}

void acpi_init(void)
{
	struct acpi_rsdp_info info;
	const char *why = "not-found";
	uint64_t rsdp_pa = find_rsdp();
	const void *rsdp = rsdp_pa ? firmware_map(rsdp_pa, sizeof(struct acpi_rsdp)) : NULL;

	if (!rsdp || acpi_parse_rsdp(rsdp, sizeof(struct acpi_rsdp), &info, &why) < 0) {
		kerror("acpi: error rsdp unusable phys=0x%lx reason=%s", rsdp_pa, why);
		return;
	}
	long root_len;
	const void *root = map_table(info.root_phys, info.root_is_xsdt ? "XSDT" : "RSDT", &root_len);
	if (!root)
		return;
	uint64_t entries[ACPI_MAX_TABLES];
	int n = acpi_root_entries(root, (size_t)root_len, info.root_is_xsdt, entries, ACPI_MAX_TABLES, &why);
	if (n < 0) {
		kerror("acpi: error root table malformed reason=%s", why);
		return;
	}
	kprintf("acpi: rsdp phys=0x%lx revision=%u root=%s tables=%d", rsdp_pa, info.revision,
		info.root_is_xsdt ? "xsdt" : "rsdt", n);
	for (int i = 0; i < n; i++) {
		long len;
		const struct acpi_sdt_header *t = map_table(entries[i], NULL, &len);
		if (!t)
			continue;
		kprintf("acpi: table sig=%.4s phys=0x%lx len=%ld revision=%u oem=\"%.6s\"",
			t->signature, entries[i], len, t->revision, t->oem_id);
		parse_table(t->signature, t, len);
	}
	if (acpi.have_madt)
		kprintf("acpi: madt lapic=0x%lx cpus=%u ioapics=%u overrides=%u",
			acpi.madt.lapic_phys, acpi.madt.ncpus, acpi.madt.nioapics, acpi.madt.nisos);
	if (acpi.have_mcfg)
		kprintf("acpi: mcfg segments=%u seg0_base=0x%lx buses=%u-%u", acpi.mcfg.nsegments,
			acpi.mcfg.segments[0].base, acpi.mcfg.segments[0].start_bus,
			acpi.mcfg.segments[0].end_bus);
	if (acpi.have_dmar)
		kprintf("acpi: dmar units=%u rmrr=%u haw=%u intr_remap=%s unit0=0x%lx include_all=%s",
			acpi.dmar.nunits, acpi.dmar.nrmrr, acpi.dmar.host_address_width + 1u,
			acpi.dmar.flags & DMAR_FLAG_INTR_REMAP ? "yes" : "no",
			acpi.dmar.units[0].register_base,
			acpi.dmar.units[0].flags & DRHD_INCLUDE_PCI_ALL ? "yes" : "no");
}

static void gas_write16(const struct acpi_gas *g, uint16_t v)
{
	if (g->space_id == ACPI_GAS_IO && g->address <= 0xffff) {
		outw((uint16_t)g->address, v);
	} else if (g->space_id == ACPI_GAS_MEMORY) {
		volatile void *r = mmio_map(g->address, 2);
		if (r)
			mmio_write16(r, v);
	}
}

static void gas_write8(const struct acpi_gas *g, uint8_t v)
{
	if (g->space_id == ACPI_GAS_IO && g->address <= 0xffff) {
		outb((uint16_t)g->address, v);
	} else if (g->space_id == ACPI_GAS_MEMORY) {
		volatile void *r = mmio_map(g->address, 1);
		if (r)
			mmio_write8(r, v);
	}
}

void acpi_power_off(void)
{
	if (!acpi.have_fadt || !acpi.have_s5)
		return;
	if (acpi.fadt.hw_reduced) {
		if (acpi.fadt.sleep_control.address)
			gas_write8(&acpi.fadt.sleep_control,
				   (uint8_t)(((acpi.s5_typa & 7) << ACPI_SLEEP_CTL_SLP_TYP_SHIFT) |
					     ACPI_SLEEP_CTL_SLP_EN));
		return;
	}
	/* Firmware left ACPI in legacy mode (SCI_EN clear): ask SMM to hand it over (§4.8.2.1.1). */
	const struct acpi_gas *cnt = &acpi.fadt.pm1a_cnt;
	if (cnt->space_id == ACPI_GAS_IO && cnt->address <= 0xffff && !(inw((uint16_t)cnt->address) & 1) &&
	    acpi.fadt.smi_cmd && acpi.fadt.acpi_enable && acpi.fadt.smi_cmd <= 0xffff) {
		outb((uint16_t)acpi.fadt.smi_cmd, acpi.fadt.acpi_enable);
		uint64_t deadline = clock_ns() + 300 * NSEC_PER_MSEC;
		while (!(inw((uint16_t)cnt->address) & 1) && clock_ns() < deadline)
			cpu_relax();
	}
	gas_write16(&acpi.fadt.pm1a_cnt,
		    (uint16_t)(((acpi.s5_typa & 7) << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_SLP_EN));
	if (acpi.fadt.pm1b_cnt.address)
		gas_write16(&acpi.fadt.pm1b_cnt,
			    (uint16_t)(((acpi.s5_typb & 7) << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_SLP_EN));
}
