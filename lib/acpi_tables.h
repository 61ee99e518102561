/*
 * lib/acpi_tables.h - parsers for ACPI tables held in memory as bytes.
 *
 * Each parser takes a pointer and the number of bytes that are really
 * there, validates lengths and checksums before reading a field, and
 * returns 0 or CR_EPROTO with *why naming the defect ("bad-checksum",
 * "entry-overruns-table", ...).  No parser maps memory: the kernel (acpi.c)
 * maps, the host tests build images in arrays.
 */
#ifndef CAPROCK_LIB_ACPI_TABLES_H
#define CAPROCK_LIB_ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/acpi_reg.h"

#define ACPI_MAX_IOAPICS	8
#define ACPI_MAX_ISOS		24
#define ACPI_MAX_CPUS		64
#define ACPI_MAX_NMIS		8
#define ACPI_MAX_MCFG		8
#define ACPI_MAX_DRHD		8
#define ACPI_MAX_RMRR		8
#define ACPI_MAX_SCOPES		16
#define ACPI_MAX_SCOPE_PATH	8

struct acpi_rsdp_info {
	uint8_t revision;
	bool root_is_xsdt;
	uint64_t root_phys;	/* XSDT if present (revision >= 2), else RSDT */
};

struct acpi_ioapic_info {
	uint8_t id;
	uint64_t phys;
	uint32_t gsi_base;
};

struct acpi_iso_info {
	uint8_t source;		/* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;		/* MPS INTI flags */
};

/* A Local APIC NMI (type 4) or Local x2APIC NMI (type 0xA) entry. */
struct acpi_nmi_info {
	uint32_t uid;		/* ACPI processor UID; ACPI_NMI_ALL_CPUS for every processor */
	uint16_t flags;		/* MPS INTI flags */
	uint8_t lint;		/* LINT0 or LINT1 */
};
#define ACPI_NMI_ALL_CPUS	0xffffffffu

struct acpi_madt_info {
	uint64_t lapic_phys;
	bool pcat_compat;
	unsigned int ncpus;	/* enabled or online-capable processors (at most ACPI_MAX_CPUS kept) */
	uint32_t cpu_apic_ids[ACPI_MAX_CPUS];
	uint32_t cpu_uids[ACPI_MAX_CPUS];	/* ACPI processor UID of cpu_apic_ids[i] */
	/* Enabled: usable now, started at boot.  Otherwise online-capable (ACPI 6.3): hot-add only. */
	bool cpu_enabled[ACPI_MAX_CPUS];
	unsigned int ncpus_enabled;	/* how many are enabled, also those beyond ACPI_MAX_CPUS */
	unsigned int ncpus_duplicate;	/* entries naming an APIC id already listed, skipped */
	unsigned int ncpus_listed;	/* every enabled or online-capable one, also those beyond ACPI_MAX_CPUS */
	unsigned int nx2apic;	/* how many were listed by x2APIC (type 9) entries (duplicates not) */
	uint32_t max_apic_id;	/* over every enabled processor */
	unsigned int nnmis;
	struct acpi_nmi_info nmis[ACPI_MAX_NMIS];
	unsigned int nioapics;
	struct acpi_ioapic_info ioapics[ACPI_MAX_IOAPICS];
	unsigned int nisos;
	struct acpi_iso_info isos[ACPI_MAX_ISOS];
};

struct acpi_mcfg_info {
	unsigned int nsegments;
	struct {
		uint64_t base;	/* ECAM address of bus 0 of the segment, even if start_bus > 0 */
		uint16_t segment;
		uint8_t start_bus;
		uint8_t end_bus;
	} segments[ACPI_MAX_MCFG];
};

/* A DMAR device scope: start bus plus the (device, function) path to the device. */
struct acpi_dmar_scope_info {
	uint8_t type;		/* DMAR_SCOPE_* */
	uint8_t enumeration_id;	/* IOAPIC/HPET id */
	uint8_t start_bus;
	uint8_t npath;
	struct { uint8_t device, function; } path[ACPI_MAX_SCOPE_PATH];
};

struct acpi_dmar_unit_info {
	uint64_t register_base;
	uint16_t segment;
	uint8_t flags;		/* DRHD_INCLUDE_PCI_ALL */
	unsigned int nscopes;
	struct acpi_dmar_scope_info scopes[ACPI_MAX_SCOPES];
};

struct acpi_dmar_rmrr_info {
	uint64_t base;
	uint64_t limit;		/* inclusive */
	uint16_t segment;
	unsigned int nscopes;
	struct acpi_dmar_scope_info scopes[ACPI_MAX_SCOPES];
};

struct acpi_dmar_info {
	uint8_t host_address_width;	/* DMA address bits = this + 1 */
	uint8_t flags;			/* DMAR_FLAG_* */
	unsigned int nunits;
	struct acpi_dmar_unit_info units[ACPI_MAX_DRHD];
	unsigned int nrmrr;
	struct acpi_dmar_rmrr_info rmrr[ACPI_MAX_RMRR];
	unsigned int nother;		/* ATSR, RHSA, ANDD, SATC and unknown types, skipped */
};

struct acpi_fadt_info {
	uint8_t revision;
	uint32_t flags;			/* FADT_FLAG_* */
	uint64_t dsdt_phys;
	bool hw_reduced;
	uint16_t sci_int;		/* ISA IRQ of the SCI (through the MADT overrides) */
	struct acpi_gas pm1a_evt;	/* whole event block: status half, then enable half */
	struct acpi_gas pm1b_evt;	/* address 0 if absent */
	uint8_t pm1_evt_len;		/* bytes of one event block (4 on every PC) */
	struct acpi_gas pm1a_cnt;	/* space_id I/O or memory; address 0 if absent */
	struct acpi_gas pm1b_cnt;
	struct acpi_gas pm_tmr;		/* address 0 if there is no PM timer */
	bool pm_tmr_32bit;		/* FADT_FLAG_TMR_VAL_EXT */
	struct acpi_gas gpe0;		/* status half, then enable half; address 0 if absent */
	uint8_t gpe0_len;
	struct acpi_gas gpe1;
	uint8_t gpe1_len;
	struct acpi_gas sleep_control;	/* HW-reduced ACPI only */
	uint32_t smi_cmd;
	uint8_t acpi_enable;
};

struct acpi_hpet_info {
	uint64_t base;			/* physical address of the 1 KiB register block */
	uint32_t event_timer_block_id;
	uint8_t hpet_number;
	uint16_t min_clock_tick;
};

bool acpi_checksum_ok(const void *p, size_t len);

int acpi_parse_rsdp(const void *p, size_t avail, struct acpi_rsdp_info *out, const char **why);

/*
 * Validate a table: header fits, length within avail, checksum, and (when
 * sig is not NULL) the signature.  Returns the table length or CR_EPROTO.
 */
long acpi_check_table(const void *p, size_t avail, const char *sig, const char **why);

/* Physical addresses listed by an RSDT (4-byte) or XSDT (8-byte); returns the count. */
int acpi_root_entries(const void *root, size_t len, bool xsdt, uint64_t *out, size_t max,
		      const char **why);

int acpi_parse_madt(const void *p, size_t len, struct acpi_madt_info *out, const char **why);
int acpi_parse_mcfg(const void *p, size_t len, struct acpi_mcfg_info *out, const char **why);
int acpi_parse_dmar(const void *p, size_t len, struct acpi_dmar_info *out, const char **why);
int acpi_parse_fadt(const void *p, size_t len, struct acpi_fadt_info *out, const char **why);
int acpi_parse_hpet(const void *p, size_t len, struct acpi_hpet_info *out, const char **why);

/*
 * Find \_S5's SLP_TYPa/SLP_TYPb in a DSDT or SSDT (lib/acpi_s5.c): a scan
 * for NameOp "_S5_" followed by a package of integers, no AML interpreter.
 * Returns 0, CR_ENOENT (no \_S5 object), or CR_EPROTO (one was found but
 * malformed); the outputs are written only on success.
 */
int acpi_find_s5(const void *aml_table, size_t len, uint8_t *slp_typa, uint8_t *slp_typb);

#endif
