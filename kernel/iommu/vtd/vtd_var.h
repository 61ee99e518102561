/*
 * kernel/iommu/vtd/vtd_var.h - the VT-d driver's state: one struct per
 * remapping unit, one per domain.  Private to kernel/iommu/vtd/; the rest
 * of the kernel sees vtd.h and the DMA backend (kernel/dma/dma.h).
 *
 * Legacy translation mode (VT-d 3.3 §3.4.2): a root table of 256 entries,
 * one per bus, each pointing at a context table of 256 entries, one per
 * device function; a present context entry names a domain id and that
 * domain's second-level page tables (lib/vtd_pgtable.h).
 */
#ifndef CAPROCK_IOMMU_VTD_VAR_H
#define CAPROCK_IOMMU_VTD_VAR_H

#include <stdbool.h>
#include <stdint.h>

#include "include/abi/device.h"
#include "kernel/dma/dma.h"
#include "kernel/pci/pci.h"
#include "lib/acpi_tables.h"
#include "lib/ratelimit.h"
#include "lib/vtd_cap.h"
#include "lib/vtd_fault.h"
#include "lib/vtd_inval.h"
#include "lib/vtd_irte.h"
#include "lib/vtd_pgtable.h"
#include "lib/vtd_reg.h"
#include "lib/vtd_scope.h"

#define VTD_MAX_UNITS		ACPI_MAX_DRHD
#define VTD_FAULT_LOG		16	/* faults remembered for verification */
#define VTD_QI_ENTRIES		256	/* one page of 128-bit descriptors (IQA.QS = 0) */
#define VTD_WAIT_MS		1000	/* every wait on the hardware ends after this */
#define VTD_MAX_COHERENT	64	/* manager allocations a domain keeps mapped at once */
#define VTD_IRT_ENTRIES		1024	/* interrupt remapping table: 4 pages of 16-byte entries */

struct vtd_unit {
	unsigned u_index;
	uint64_t u_phys;			/* register base, from the DRHD */
	uint64_t u_reg_bytes;			/* mapped: the page, plus IOTLB and fault registers beyond it */
	volatile uint8_t *u_regs;
	uint16_t u_segment;
	const struct acpi_dmar_unit_info *u_drhd;
	struct vtd_caps u_caps;
	uint32_t u_ver;
	uint64_t u_cap, u_ecap;
	const char *u_unusable;			/* why this unit is not used, or NULL */
	const char *u_no_dma;			/* why it remaps interrupts only (no DMA translation), or NULL */

	/* translation structures (§9.1, §9.3) */
	uint64_t u_root_phys;
	struct vtd_root_entry *u_root;
	struct vtd_context_entry *u_ctx[VTD_ROOT_ENTRIES];	/* context table per bus, or NULL */
	uint32_t u_live_contexts;		/* present context entries (domains, pass-through, RMRR) */
	uint32_t u_domains;			/* of them, domains made by domain.c */
	bool u_verified;			/* some domain on this unit passed the DMA verification */
	bool u_translating;			/* we set TE and GSTS.TES said so */

	/* domain ids: 0 stays unused (caching mode files not-present entries under it) */
	uint8_t u_did_used[(1u << 16) / 8];
	uint32_t u_did_count;

	/* invalidation (§6.5) */
	enum vtd_inval_mode u_inval;
	struct vtd_inv_desc *u_qi;		/* VTD_QI_ENTRIES descriptors */
	uint64_t u_qi_phys;
	uint32_t u_qi_tail;
	volatile uint32_t *u_qi_status;		/* written by the unit on each wait descriptor */
	uint64_t u_qi_status_phys;
	uint32_t u_qi_seq;
	uint64_t u_invalidations;		/* operations completed */

	/* interrupt remapping (§5.1, irq_remap.c) */
	bool u_ir;				/* our table is installed and GSTS.IRES said so */
	const char *u_ir_off;			/* why interrupt remapping is off on this unit, or NULL */
	bool u_eime;				/* x2APIC: IRTEs name 32-bit destinations */
	struct vtd_irte *u_irt;			/* VTD_IRT_ENTRIES, or NULL */
	uint64_t u_irt_phys;
	uint8_t u_irt_used[VTD_IRT_ENTRIES / 8];
	uint32_t u_irt_live;			/* present entries */

	/* fault reporting (§7.2, §7.3) */
	int u_fault_vector;			/* CPU vector of the fault event interrupt, or -1 */
	uint64_t u_faults, u_fault_events, u_faults_unlogged;
	struct vtd_fault u_fault_log[VTD_FAULT_LOG];
	uint32_t u_fault_log_next;		/* total ever logged; the ring holds the last VTD_FAULT_LOG */
	struct ratelimit u_fault_lines;
};

/* A manager page range mapped into a domain (queue rings, identify pages, verification probes). */
struct vtd_coherent {
	uint64_t c_iova, c_phys, c_bytes;
};

struct vtd_domain {
	struct vtd_unit *vd_unit;
	uint16_t vd_sid, vd_did;
	char vd_bdf[16];
	struct vtd_window vd_win;
	struct vtd_pt vd_pt;
	bool vd_context_set;
	uint64_t vd_pool_iova, vd_pool_bytes;	/* the attached pool's mapping, if any */
	uint64_t vd_space_bytes[DMA_DIRECT_SPACES];	/* block sessions' regions mapped (space >= 1) */
	struct vtd_coherent vd_coherent[VTD_MAX_COHERENT];
	uint64_t vd_mgr_next;			/* next free manager IOVA (bump; freed ranges are reused by size) */
	uint64_t vd_maps, vd_unmaps;		/* pages, for the release line */
	const char *vd_irq_isolation;		/* "verified" or "unverified", once the DMA steps passed */
};

extern struct vtd_unit vtd_units[VTD_MAX_UNITS];
extern unsigned vtd_nunits;

/* regs.c: the unit's registers (the host tests put a model behind these) */
uint32_t vtd_read32(struct vtd_unit *u, uint32_t off);
uint64_t vtd_read64(struct vtd_unit *u, uint32_t off);
void vtd_write32(struct vtd_unit *u, uint32_t off, uint32_t v);
void vtd_write64(struct vtd_unit *u, uint32_t off, uint64_t v);
/* Poll a 32- or 64-bit register until (value & mask) == want: 0, or CR_ETIMEDOUT with an error line. */
int vtd_wait32(struct vtd_unit *u, uint32_t off, uint32_t mask, uint32_t want, const char *what);
int vtd_wait64(struct vtd_unit *u, uint32_t off, uint64_t mask, uint64_t want, const char *what);
/* Make CPU writes to translation structures visible to a unit that does not snoop (ECAP.C = 0). */
void vtd_flush_cpu(const struct vtd_unit *u, const void *p, uint64_t len);

/* unit.c */
int vtd_gcmd(struct vtd_unit *u, uint32_t set, uint32_t clear, uint32_t status, bool want, const char *what);
int vtd_enable_translation(struct vtd_unit *u);
void vtd_disable_translation_if_idle(struct vtd_unit *u);
int vtd_did_alloc(struct vtd_unit *u, uint16_t *did);
void vtd_did_free(struct vtd_unit *u, uint16_t did);

/* Which unit translates d (lib/vtd_scope.c over configuration space); NULL: none, its DMA is untranslated. */
struct vtd_unit *vtd_unit_for(const struct pci_dev *d, bool *explicit_scope);
extern const struct acpi_dmar_info *vtd_dmar;
extern const struct vtd_bus_reader vtd_pci_reader;
/* The requester id d's DMA carries (*aliased: a bridge's, not d's own). */
uint16_t vtd_requester_id(const struct pci_dev *d, bool *aliased);

/* rmrr.c: firmware's reserved regions (§8.4) */
/* Identity-map every RMRR for the devices on u it names (before translation is enabled). */
void vtd_rmrr_install(struct vtd_unit *u);
void vtd_rmrr_init(const struct vtd_unit *u);
void vtd_rmrr_remove(struct vtd_unit *u);
uint32_t vtd_rmrr_contexts(const struct vtd_unit *u);
/* The first RMRR naming d, or NULL; *n says how many do. */
const struct acpi_dmar_rmrr_info *vtd_rmrr_of(const struct pci_dev *d, unsigned *n);
/* d no longer needs the RMRR identity context rmrr.c gave it (its own domain replaces it). */
void vtd_rmrr_release_device(struct vtd_unit *u, uint16_t sid);

/* bypass.c: pass-through contexts for devices on the bounce lane */
void vtd_bypass_release(struct vtd_unit *u, uint16_t sid);
void vtd_bypass_init(const struct vtd_unit *u);

/* context.c */
int vtd_context_set(struct vtd_unit *u, uint16_t sid, uint16_t did, uint64_t tt, uint64_t slpt_phys, unsigned ctx_aw);
int vtd_context_clear(struct vtd_unit *u, uint16_t sid, uint16_t did);
bool vtd_context_present(const struct vtd_unit *u, uint16_t sid);

/* inval.c, inval_reg.c, inval_queue.c */
int vtd_invalidate(struct vtd_unit *u, enum vtd_inval_event ev, uint16_t did, uint16_t sid, uint64_t addr,
		   uint64_t len);
int vtd_inval_init(struct vtd_unit *u, enum vtd_inval_pref pref, const char **why);
int vtd_inval_reg_run(struct vtd_unit *u, const struct vtd_inv_op *op);
int vtd_inval_queue_init(struct vtd_unit *u);
int vtd_inval_queue_run(struct vtd_unit *u, const struct vtd_inv_op *ops, unsigned n);

/* pgtable.c: lib/vtd_pgtable.h over the page allocator, flushing for the unit */
const struct vtd_pt_env *vtd_pt_env(const struct vtd_unit *u);

/* irq_remap.c */
/* Interrupt remapping on every unit that offers it, after vtd_init brought them up. */
void vtd_ir_init(void);
/* A present entry on u for fields; its index, or CR_ENOMEM (table full) / CR_ERANGE (destination) / an invalidation error. */
int vtd_ir_alloc(struct vtd_unit *u, const struct vtd_irte_fields *f);
/* Clear entry index on u and drop it from the unit's cache. */
void vtd_ir_free(struct vtd_unit *u, uint16_t index);
/* The destination an IRTE names for this CPU, and whether the table runs in x2APIC mode. */
uint32_t vtd_ir_dest(const struct vtd_unit *u);

struct vtd_probe;
/* verify_irq.c: the interrupt-blocked step (scratch: a mapped page of the domain the device may write into) */
int vtd_verify_irq(struct vtd_domain *vd, uint64_t scratch, const struct vtd_probe *p, const char **step,
		   const char **why);

/* fault.c */
int vtd_fault_init(struct vtd_unit *u);
/* Read, log, print and clear every recorded fault; returns how many. */
unsigned vtd_fault_collect(struct vtd_unit *u, const char *event);
/* Was the fault event raised since u_fault_events read events_before (handled, or pending in the local APIC)? */
bool vtd_fault_event_raised(const struct vtd_unit *u, uint64_t events_before);

#endif
