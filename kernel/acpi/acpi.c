/*
 * kernel/acpi/acpi.c - locate and validate the ACPI tables (ACPI 6.5 §5.2),
 * switch the chipset to ACPI mode, and power off (S5, §7.4.2 and §16.1.6).
 *
 * The RSDP comes from the boot loader (the PVH start info's address, or the
 * copy GRUB puts in the Multiboot2 information), else from a scan of the
 * EBDA's first KiB and the BIOS area 0xe0000..0xfffff on 16-byte
 * boundaries (§5.2.5.1).  Revision 0 (ACPI 1.0: an RSDT only, what AWS Nitro
 * and SeaBIOS give) and revision 2+ (an XSDT, what OVMF gives) both work.
 * Every table is checksummed before use; a table that fails is reported on
 * one line and ignored.
 */
#include "kernel/acpi/acpi.h"

#include "include/abi/errors.h"
#include "kernel/acpi/acpi_io.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/core/bootinfo.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define ACPI_MAX_TABLES		64
#define ACPI_MAX_SSDTS		8
#define ACPI_ENABLE_TIMEOUT_MS	3000	/* Linux waits as long for SCI_EN */
#define UNCALIBRATED_SPINS	50000000ull	/* a bound on waits that run before (or without) a clock */

struct acpi_state acpi;

static uint64_t ssdts[ACPI_MAX_SSDTS];
static unsigned int nssdts;

/* Where the RSDP is; *from names the source for the log. */
static uint64_t find_rsdp(const char **from)
{
	if (boot_info.rsdp_phys) {
		*from = "pvh";
		return boot_info.rsdp_phys;
	}
	*from = "bios-scan";
	const uint16_t *ebda_ptr = firmware_map(0x40e, 2);
	uint64_t ebda = ebda_ptr ? (uint64_t)*ebda_ptr << 4 : 0;
	struct { uint64_t start, len; } areas[] = { { ebda, 1024 }, { 0xe0000, 0x20000 } };
	for (unsigned a = 0; a < 2; a++) {
		if (areas[a].start < 0x400 || areas[a].start >= 0x100000)
			continue;
		const char *base = firmware_map(areas[a].start, areas[a].len);
		if (!base)
			continue;
		for (uint64_t off = 0; off + ACPI_RSDP_V1_LEN <= areas[a].len; off += 16) {
			if (memcmp(base + off, "RSD PTR ", 8) == 0 && acpi_checksum_ok(base + off, ACPI_RSDP_V1_LEN))
				return areas[a].start + off;
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

/* \_S5 lives in the DSDT on every PC we know; an SSDT may carry it instead. */
static void find_s5(void)
{
	long len;
	const void *t = acpi.fadt.dsdt_phys ? map_table(acpi.fadt.dsdt_phys, "DSDT", &len) : NULL;
	const char *where = "dsdt";
	int rc = t ? acpi_find_s5(t, (size_t)len, &acpi.s5_typa, &acpi.s5_typb) : CR_ENOENT;
	bool malformed = rc == CR_EPROTO;

	for (unsigned i = 0; rc < 0 && i < nssdts; i++) {
		t = map_table(ssdts[i], "SSDT", &len);
		if (t) {
			rc = acpi_find_s5(t, (size_t)len, &acpi.s5_typa, &acpi.s5_typb);
			malformed |= rc == CR_EPROTO;
			where = "ssdt";
		}
	}
	if (rc == 0) {
		acpi.have_s5 = true;
		kprintf("acpi: s5 slp_typa=%u slp_typb=%u table=%s", acpi.s5_typa, acpi.s5_typb, where);
	} else {
		kprintf("acpi: no usable \\_S5 package (%s); ACPI power-off unavailable",
			malformed ? "malformed" : "absent");
	}
}

static void parse_table(const char sig[4], uint64_t pa, const void *t, long len)
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
	} else if (memcmp(sig, "IVRS", 4) == 0) {
		acpi.other_iommu = "amd-vi";
	} else if (memcmp(sig, "VIOT", 4) == 0) {
		acpi.other_iommu = "virtio-iommu";
	} else if (memcmp(sig, "FACP", 4) == 0) {
		acpi.have_fadt = acpi_parse_fadt(t, (size_t)len, &acpi.fadt, &why) == 0;
	} else if (memcmp(sig, "HPET", 4) == 0) {
		acpi.have_hpet = acpi_parse_hpet(t, (size_t)len, &acpi.hpet, &why) == 0;
	} else if (memcmp(sig, "SSDT", 4) == 0 && nssdts < ACPI_MAX_SSDTS) {
		ssdts[nssdts++] = pa;
	}
	if (why)
		kerror("acpi: error table malformed sig=%.4s reason=%s", sig, why);
}

static void print_gas(char *buf, size_t n, const struct acpi_gas *g);

static void report(void)
{
	if (acpi.have_madt)
		kprintf("acpi: madt lapic=0x%lx cpus=%u enabled=%u x2apic_entries=%u max_apic_id=%u nmi_entries=%u ioapics=%u overrides=%u",
			acpi.madt.lapic_phys, acpi.madt.ncpus_listed, acpi.madt.ncpus_enabled, acpi.madt.nx2apic,
			acpi.madt.max_apic_id,
			acpi.madt.nnmis, acpi.madt.nioapics, acpi.madt.nisos);
	if (acpi.have_mcfg)
		kprintf("acpi: mcfg segments=%u seg0_base=0x%lx buses=%u-%u", acpi.mcfg.nsegments,
			acpi.mcfg.segments[0].base, acpi.mcfg.segments[0].start_bus,
			acpi.mcfg.segments[0].end_bus);
	else
		kprintf("acpi: no mcfg; pci configuration through ports 0xcf8/0xcfc");
	if (acpi.have_dmar)
		kprintf("acpi: dmar units=%u rmrr=%u haw=%u intr_remap=%s unit0=0x%lx include_all=%s",
			acpi.dmar.nunits, acpi.dmar.nrmrr, acpi.dmar.host_address_width + 1u,
			acpi.dmar.flags & DMAR_FLAG_INTR_REMAP ? "yes" : "no",
			acpi.dmar.units[0].register_base,
			acpi.dmar.units[0].flags & DRHD_INCLUDE_PCI_ALL ? "yes" : "no");
	if (acpi.have_fadt) {
		char evt[32], cnt[32], tmr[32];
		print_gas(evt, sizeof(evt), &acpi.fadt.pm1a_evt);
		print_gas(cnt, sizeof(cnt), &acpi.fadt.pm1a_cnt);
		print_gas(tmr, sizeof(tmr), &acpi.fadt.pm_tmr);
		kprintf("acpi: fadt revision=%u sci_irq=%u pm1a_evt=%s pm1b_evt=%s pm1a_cnt=%s pm_tmr=%s pm_tmr_bits=%u "
			"power_button=%s hw_reduced=%s",
			acpi.fadt.revision, acpi.fadt.sci_int, evt, acpi.fadt.pm1b_evt.address ? "present" : "none",
			cnt, tmr, acpi.fadt.pm_tmr_32bit ? 32 : 24,
			acpi.fadt.flags & FADT_FLAG_PWR_BUTTON ? "control-method" : "fixed",
			acpi.fadt.hw_reduced ? "yes" : "no");
	}
	if (acpi.have_hpet)
		kprintf("acpi: hpet base=0x%lx number=%u", acpi.hpet.base, acpi.hpet.hpet_number);
}

void acpi_init(void)
{
	struct acpi_rsdp_info info;
	const char *why = "not-found", *from;
	uint64_t rsdp_pa;
	const void *rsdp;
	size_t rsdp_len = sizeof(struct acpi_rsdp);

	if (boot_info.rsdp_copy_len) {
		/* Multiboot2 hands over a copy: parse it where it now lives. */
		from = "multiboot2";
		rsdp_pa = boot_info.rsdp_copy_phys;
		rsdp = boot_info.rsdp_copy;
		rsdp_len = boot_info.rsdp_copy_len;
	} else {
		rsdp_pa = find_rsdp(&from);
		rsdp = rsdp_pa ? firmware_map(rsdp_pa, rsdp_len) : NULL;
	}
	if (!rsdp_pa && !boot_info.rsdp_copy_len) {
		/* A machine without ACPI (QEMU -M pc,acpi=off) still runs: one CPU, PCI through ports, the PIT. */
		kprintf("acpi: warning no rsdp from=%s: no MADT, MCFG, FADT or DMAR; the boot CPU only, "
			"no power button, no S5", from);
		return;
	}
	if (!rsdp || acpi_parse_rsdp(rsdp, rsdp_len, &info, &why) < 0) {
		kerror("acpi: error rsdp unusable phys=0x%lx from=%s reason=%s", rsdp_pa, from, why);
		return;
	}
	acpi.rsdp_revision = info.revision;
	acpi.root_is_xsdt = info.root_is_xsdt;
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
	kprintf("acpi: rsdp phys=0x%lx revision=%u root=%s tables=%d from=%s", rsdp_pa, info.revision,
		info.root_is_xsdt ? "xsdt" : "rsdt", n, from);
	for (int i = 0; i < n; i++) {
		long len;
		const struct acpi_sdt_header *t = map_table(entries[i], NULL, &len);
		if (!t)
			continue;
		kprintf("acpi: table sig=%.4s phys=0x%lx len=%ld revision=%u oem=\"%.6s\"",
			t->signature, entries[i], len, t->revision, t->oem_id);
		parse_table(t->signature, entries[i], t, len);
	}
	report();
	if (acpi.have_fadt)
		find_s5();
}

static void print_gas(char *buf, size_t n, const struct acpi_gas *g)
{
	if (!g->address)
		fmt_snprintf(buf, n, "none");
	else
		fmt_snprintf(buf, n, "%s:0x%lx", g->space_id == ACPI_GAS_IO ? "io" : "mmio", g->address);
}

/* Wait for cond() with a deadline in ms (or a spin bound before the clock is calibrated). */
static bool wait_until(bool (*cond)(void), uint64_t timeout_ms)
{
	uint64_t deadline = clock_ready() ? clock_ns() + timeout_ms * NSEC_PER_MSEC : 0;

	for (uint64_t spins = 0; !cond(); spins++) {
		if (clock_ready() ? clock_ns() >= deadline : spins >= UNCALIBRATED_SPINS)
			return false;
		cpu_relax();
	}
	return true;
}

static struct acpi_reg pm1a_cnt_reg;

static bool sci_enabled(void)
{
	return acpi_reg_read(&pm1a_cnt_reg) & ACPI_PM1_SCI_EN;
}

int acpi_enable_mode(void)
{
	if (!acpi.have_fadt)
		return CR_ENODEV;
	if (acpi.fadt.hw_reduced)
		return 0;	/* no legacy mode to leave */
	if (!pm1a_cnt_reg.ar_present && acpi_reg_init(&pm1a_cnt_reg, &acpi.fadt.pm1a_cnt, 0, 2) < 0)
		return CR_ENODEV;
	if (sci_enabled())
		return 0;
	/* SMI_CMD 0 or ACPI_ENABLE 0: the platform has no legacy mode to switch out of (§5.2.9). */
	if (!acpi.fadt.smi_cmd || !acpi.fadt.acpi_enable || acpi.fadt.smi_cmd > 0xffff)
		return 0;
	outb((uint16_t)acpi.fadt.smi_cmd, acpi.fadt.acpi_enable);
	if (!wait_until(sci_enabled, ACPI_ENABLE_TIMEOUT_MS)) {
		kerror("acpi: error SCI_EN still clear %u ms after ACPI_ENABLE smi_cmd=0x%x value=0x%x",
		       ACPI_ENABLE_TIMEOUT_MS, acpi.fadt.smi_cmd, acpi.fadt.acpi_enable);
		return CR_ETIMEDOUT;
	}
	return 1;
}

/* SLP_TYP into one PM1 control register, then SLP_EN (the order §4.8.3.2.1 asks for). */
static void write_slp_typ(const struct acpi_gas *g, uint8_t typ, bool enable)
{
	struct acpi_reg r;

	if (acpi_reg_init(&r, g, 0, 2) < 0)
		return;
	uint32_t v = acpi_reg_read(&r) & ~(7u << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN);
	v |= (uint32_t)(typ & 7) << ACPI_PM1_SLP_TYP_SHIFT;
	acpi_reg_write(&r, enable ? v | ACPI_PM1_SLP_EN : v);
}

bool acpi_power_off(void)
{
	if (!acpi.have_fadt || !acpi.have_s5)
		return false;
	if (acpi.fadt.hw_reduced) {
		struct acpi_reg r;
		if (acpi_reg_init(&r, &acpi.fadt.sleep_control, 0, 1) == 0)
			acpi_reg_write(&r, ((acpi.s5_typa & 7u) << ACPI_SLEEP_CTL_SLP_TYP_SHIFT) |
					   ACPI_SLEEP_CTL_SLP_EN);
		return true;
	}
	(void)acpi_enable_mode();
	/* PM1a and PM1b together: each step on both blocks before the next (§4.8.3.2.1). */
	write_slp_typ(&acpi.fadt.pm1a_cnt, acpi.s5_typa, false);
	write_slp_typ(&acpi.fadt.pm1b_cnt, acpi.s5_typb, false);
	write_slp_typ(&acpi.fadt.pm1a_cnt, acpi.s5_typa, true);
	write_slp_typ(&acpi.fadt.pm1b_cnt, acpi.s5_typb, true);
	return true;
}
