/*
 * lib/acpi_reg.h - ACPI table layouts (ACPI 6.5 §5.2) and the VT-d DMAR
 * table (Intel VT-d specification rev. 4, ch. 8).
 *
 * Firmware packs these structures without regard to alignment, so they are
 * declared packed; each carries a size assertion, and parsers bounds-check
 * every length before touching a field.
 */
#ifndef CAPROCK_LIB_ACPI_REG_H
#define CAPROCK_LIB_ACPI_REG_H

#include <stdint.h>

#define ACPI_PACKED __attribute__((packed))

/* Root System Description Pointer (§5.2.5.3). */
struct acpi_rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* first 20 bytes sum to 0 */
	char oem_id[6];
	uint8_t revision;		/* 0: ACPI 1.0 (20 bytes), 2: ACPI 2.0+ */
	uint32_t rsdt_address;
	uint32_t length;		/* revision >= 2 */
	uint64_t xsdt_address;
	uint8_t extended_checksum;	/* whole structure sums to 0 */
	uint8_t rsvd33[3];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP size");
#define ACPI_RSDP_V1_LEN 20

/* System Description Table header (§5.2.6). */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length;		/* whole table, header included */
	uint8_t revision;
	uint8_t checksum;		/* whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header size");

/* Generic Address Structure (§5.2.3.2). */
struct acpi_gas {
	uint8_t space_id;		/* ACPI_GAS_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS size");
#define ACPI_GAS_MEMORY	0
#define ACPI_GAS_IO	1

/*
 * Fixed ACPI Description Table (§5.2.9, Table 5.9): only the fields we read.
 * A revision-1 FADT (ACPI 1.0, what AWS Nitro and QEMU's i440FX give) ends
 * after FLAGS at byte 116; the X_ fields exist only in longer tables, and
 * an X_ field that is zero means "use the 32-bit field" (§5.2.9).
 */
#define FADT_DSDT		40	/* u32 */
#define FADT_SCI_INT		46	/* u16: ISA IRQ (or GSI) of the SCI */
#define FADT_SMI_CMD		48	/* u32 */
#define FADT_ACPI_ENABLE	52	/* u8 */
#define FADT_ACPI_DISABLE	53	/* u8 */
#define FADT_PM1A_EVT_BLK	56	/* u32 I/O port */
#define FADT_PM1B_EVT_BLK	60	/* u32 I/O port */
#define FADT_PM1A_CNT_BLK	64	/* u32 I/O port */
#define FADT_PM1B_CNT_BLK	68	/* u32 I/O port */
#define FADT_PM_TMR_BLK		76	/* u32 I/O port */
#define FADT_GPE0_BLK		80	/* u32 I/O port */
#define FADT_GPE1_BLK		84	/* u32 I/O port */
#define FADT_PM1_EVT_LEN	88	/* u8: bytes of a PM1 event block (status + enable halves) */
#define FADT_PM_TMR_LEN		91	/* u8: 4 if the PM timer exists, else 0 */
#define FADT_GPE0_BLK_LEN	92	/* u8 */
#define FADT_GPE1_BLK_LEN	93	/* u8 */
#define FADT_FLAGS		112	/* u32 */
#define  FADT_FLAG_PWR_BUTTON	(1u << 4)	/* 1: power button is a control-method device */
#define  FADT_FLAG_TMR_VAL_EXT	(1u << 8)	/* 1: PM timer is 32 bits, else 24 */
#define  FADT_FLAG_HW_REDUCED	(1u << 20)
#define FADT_REV1_LEN		116
#define FADT_X_DSDT		140	/* u64 (ACPI 2.0+) */
#define FADT_X_PM1A_EVT_BLK	148	/* GAS */
#define FADT_X_PM1B_EVT_BLK	160	/* GAS */
#define FADT_X_PM1A_CNT_BLK	172	/* GAS */
#define FADT_X_PM1B_CNT_BLK	184	/* GAS */
#define FADT_X_PM_TMR_BLK	208	/* GAS */
#define FADT_X_GPE0_BLK		220	/* GAS */
#define FADT_X_GPE1_BLK		232	/* GAS */
#define FADT_SLEEP_CONTROL_REG	244	/* GAS (ACPI 5.0+, HW-reduced) */

/* PM1 control (§4.8.3.2.1). */
#define ACPI_PM1_SCI_EN		(1u << 0)
#define ACPI_PM1_SLP_TYP_SHIFT	10
#define ACPI_PM1_SLP_EN		(1u << 13)
/* PM1 status and enable (§4.8.3.1, Tables 4.14/4.15): same bit positions. */
#define ACPI_PM1_TMR		(1u << 0)
#define ACPI_PM1_GBL		(1u << 5)
#define ACPI_PM1_PWRBTN		(1u << 8)
#define ACPI_PM1_SLPBTN		(1u << 9)
#define ACPI_PM1_RTC		(1u << 10)
#define ACPI_PM1_WAK_STS	(1u << 15)
#define ACPI_SLEEP_CTL_SLP_TYP_SHIFT 2
#define ACPI_SLEEP_CTL_SLP_EN	(1u << 5)

/* Multiple APIC Description Table (§5.2.12). */
struct acpi_madt {
	struct acpi_sdt_header hdr;
	uint32_t lapic_address;
	uint32_t flags;			/* bit 0: PC-AT 8259s present */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT size");

struct acpi_madt_entry {
	uint8_t type;
	uint8_t length;
} ACPI_PACKED;

#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_NMI		4
#define MADT_LAPIC_OVERRIDE	5
#define MADT_X2APIC		9
#define MADT_X2APIC_NMI		10

struct acpi_madt_lapic {
	struct acpi_madt_entry h;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;			/* MADT_CPU_* */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC size");

/* Local (x2)APIC flags (ACPI 6.3 Table 5.37). */
#define MADT_CPU_ENABLED		(1u << 0)
#define MADT_CPU_ONLINE_CAPABLE		(1u << 1)	/* may be enabled at run time; only if not enabled */

struct acpi_madt_ioapic {
	struct acpi_madt_entry h;
	uint8_t ioapic_id;
	uint8_t rsvd3;
	uint32_t address;
	uint32_t gsi_base;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC size");

struct acpi_madt_iso {
	struct acpi_madt_entry h;
	uint8_t bus;			/* 0 = ISA */
	uint8_t source;			/* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;			/* MPS INTI flags: polarity bits 1:0, trigger bits 3:2 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT ISO size");

struct acpi_madt_lapic_override {
	struct acpi_madt_entry h;
	uint16_t rsvd2;
	uint64_t address;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic_override) == 12, "MADT LAPIC override size");

struct acpi_madt_x2apic {
	struct acpi_madt_entry h;
	uint16_t rsvd2;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t processor_uid;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC size");

/* Local APIC NMI (§5.2.12.7): which LINT pin of which processor carries NMI. */
struct acpi_madt_lapic_nmi {
	struct acpi_madt_entry h;
	uint8_t processor_uid;		/* 0xff: all processors */
	uint16_t flags;			/* MPS INTI flags */
	uint8_t lint;			/* 0 or 1 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT LAPIC NMI size");

/* Local x2APIC NMI (§5.2.12.13). */
struct acpi_madt_x2apic_nmi {
	struct acpi_madt_entry h;
	uint16_t flags;			/* MPS INTI flags */
	uint32_t processor_uid;		/* 0xffffffff: all processors */
	uint8_t lint;			/* 0 or 1 */
	uint8_t rsvd9[3];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_x2apic_nmi) == 12, "MADT x2APIC NMI size");

/* MPS INTI flags (§5.2.12.5, Table 5.26): polarity bits 1:0, trigger bits 3:2. */
#define MPS_INTI_POLARITY_MASK	0x3
#define  MPS_INTI_POLARITY_BUS	0x0	/* conforms to the bus */
#define  MPS_INTI_POLARITY_HIGH	0x1
#define  MPS_INTI_POLARITY_LOW	0x3
#define MPS_INTI_TRIGGER_SHIFT	2
#define MPS_INTI_TRIGGER_MASK	0xc
#define  MPS_INTI_TRIGGER_BUS	0x0
#define  MPS_INTI_TRIGGER_EDGE	0x1
#define  MPS_INTI_TRIGGER_LEVEL	0x3

/* IA-PC HPET description table (HPET spec 1.0a §3.2.4). */
struct acpi_hpet {
	struct acpi_sdt_header hdr;
	uint32_t event_timer_block_id;	/* the GCAP_ID low 32 bits */
	struct acpi_gas base_address;	/* system memory */
	uint8_t hpet_number;
	uint16_t min_clock_tick;
	uint8_t page_protection;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET table size");
_Static_assert(__builtin_offsetof(struct acpi_hpet, base_address) == 40, "HPET base offset");

/* PCI Express memory-mapped configuration (PCI Firmware Spec 3.2 §4.1.2). */
struct acpi_mcfg_entry {
	uint64_t base_address;
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
	uint32_t rsvd12;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_mcfg_entry) == 16, "MCFG entry size");
#define ACPI_MCFG_ENTRIES_OFFSET 44	/* header + 8 reserved bytes */

/* DMA Remapping Reporting table (VT-d §8.1). */
struct acpi_dmar {
	struct acpi_sdt_header hdr;
	uint8_t host_address_width;	/* N: DMA addresses are N+1 bits */
	uint8_t flags;			/* DMAR_FLAG_* */
	uint8_t rsvd38[10];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_dmar) == 48, "DMAR size");
#define DMAR_FLAG_INTR_REMAP		(1u << 0)
#define DMAR_FLAG_X2APIC_OPT_OUT	(1u << 1)
#define DMAR_FLAG_DMA_CTRL_OPT_IN	(1u << 2)

struct acpi_dmar_entry {
	uint16_t type;
	uint16_t length;
} ACPI_PACKED;

#define DMAR_TYPE_DRHD	0
#define DMAR_TYPE_RMRR	1
#define DMAR_TYPE_ATSR	2
#define DMAR_TYPE_RHSA	3
#define DMAR_TYPE_ANDD	4
#define DMAR_TYPE_SATC	5

/* DMA Remapping Hardware Unit Definition (§8.3). */
struct acpi_dmar_drhd {
	struct acpi_dmar_entry h;
	uint8_t flags;			/* bit 0: INCLUDE_PCI_ALL */
	uint8_t size;			/* register set size, 2^size 4 KiB pages (rev 3+) */
	uint16_t segment;
	uint64_t register_base;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_dmar_drhd) == 16, "DRHD size");
#define DRHD_INCLUDE_PCI_ALL 0x01

/* Reserved Memory Region Reporting (§8.4). */
struct acpi_dmar_rmrr {
	struct acpi_dmar_entry h;
	uint16_t rsvd4;
	uint16_t segment;
	uint64_t base;
	uint64_t limit;			/* inclusive */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_dmar_rmrr) == 24, "RMRR size");

/* Device scope (§8.3.1), followed by (device, function) path pairs. */
struct acpi_dmar_scope {
	uint8_t type;			/* DMAR_SCOPE_* */
	uint8_t length;
	uint8_t flags;
	uint8_t rsvd3;
	uint8_t enumeration_id;
	uint8_t start_bus;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_dmar_scope) == 6, "DMAR scope size");
#define DMAR_SCOPE_PCI_ENDPOINT	1
#define DMAR_SCOPE_PCI_SUBTREE	2
#define DMAR_SCOPE_IOAPIC	3
#define DMAR_SCOPE_HPET		4
#define DMAR_SCOPE_ACPI_DEVICE	5

#endif
