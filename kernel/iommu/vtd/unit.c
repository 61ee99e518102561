/*
 * kernel/iommu/vtd/unit.c - bring up the DMA-remapping units the DMAR
 * lists (VT-d 3.3 §8.3), and the unit-wide commands.
 *
 * Bring-up maps the registers (the page, plus the IOTLB and fault
 * recording registers wherever CAP.FRO and ECAP.IRO put them), decodes
 * the capabilities (lib/vtd_cap.c), sets up invalidation (queued or
 * register-based), installs an empty root table (§10.4.6, SRTP) and the
 * fault event interrupt, and leaves translation off: it is enabled by the
 * first domain made on the unit, after that domain's context entry and
 * any RMRR identity maps exist (domain.c, rmrr.c).  Interrupt remapping
 * is turned on once every unit is up (irq_remap.c).
 *
 * Every Global Command write repeats the enables Global Status shows
 * (lib/vtd_inval.h: vtd_gcmd_value, §10.4.4): writing only the new bit
 * would turn translation or queued invalidation off.
 */
#include "kernel/iommu/vtd/vtd.h"

#include "include/abi/errors.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/iommu/vtd/vtd_var.h"
#include "lib/bits.h"
#include "lib/pci_reg.h"
#include "lib/string.h"

struct vtd_unit vtd_units[VTD_MAX_UNITS];
unsigned vtd_nunits;
const struct acpi_dmar_info *vtd_dmar;

int vtd_gcmd(struct vtd_unit *u, uint32_t set, uint32_t clear, uint32_t status, bool want, const char *what)
{
	uint32_t gsts = vtd_read32(u, VTD_GSTS);

	vtd_write32(u, VTD_GCMD, vtd_gcmd_value(gsts, set, clear));
	return vtd_wait32(u, VTD_GSTS, status, want ? status : 0, what);
}

int vtd_did_alloc(struct vtd_unit *u, uint16_t *did)
{
	for (uint32_t d = 1; d <= u->u_did_count && d < 65536; d++) {
		if (!(u->u_did_used[d / 8] & (1u << (d % 8)))) {
			u->u_did_used[d / 8] |= (uint8_t)(1u << (d % 8));
			*did = (uint16_t)d;
			return 0;
		}
	}
	return CR_ENOMEM;
}

void vtd_did_free(struct vtd_unit *u, uint16_t did)
{
	u->u_did_used[did / 8] &= (uint8_t)~(1u << (did % 8));
}

int vtd_enable_translation(struct vtd_unit *u)
{
	int err;

	if (u->u_translating)
		return 0;
	/* Firmware's reserved regions must be reachable by their devices before anything is translated (§8.4). */
	vtd_rmrr_install(u);
	if ((err = vtd_gcmd(u, VTD_GCMD_TE, 0, VTD_GCMD_TE, true, "translation enable (GSTS.TES)")) < 0)
		return err;
	u->u_translating = true;
	kprintf("iommu: translation enabled unit=%u gsts=0x%08x live_contexts=%u", u->u_index,
		vtd_read32(u, VTD_GSTS), u->u_live_contexts);
	return 0;
}

/*
 * Back to untranslated DMA, but only when no domain is left and none was
 * ever verified on the unit: the first verification failed, and the boot
 * falls back to the bounce lane.  Once a domain was verified, translation
 * stays on for the rest of the run (a device without a context entry is
 * then blocked, which is the safe state).
 */
void vtd_disable_translation_if_idle(struct vtd_unit *u)
{
	if (!u->u_translating || u->u_domains || u->u_verified)
		return;
	if (vtd_gcmd(u, 0, VTD_GCMD_TE, VTD_GCMD_TE, false, "translation disable (GSTS.TES)") < 0)
		return;
	u->u_translating = false;
	vtd_rmrr_remove(u);
	kprintf("iommu: translation disabled unit=%u reason=no-verified-domain", u->u_index);
}

/* The registers span the page plus the IOTLB and fault registers, wherever they are. */
static uint64_t register_span(const struct vtd_caps *c)
{
	uint64_t end = MAX((uint64_t)VTD_REG_BYTES, (uint64_t)c->iro + 16);

	end = MAX(end, (uint64_t)c->fro + (uint64_t)c->nfr * VTD_FRCD_BYTES);
	return ALIGN_UP(end, (uint64_t)PAGE_SIZE);
}

static int map_registers(struct vtd_unit *u)
{
	u->u_reg_bytes = VTD_REG_BYTES;
	u->u_regs = mmio_map(u->u_phys, u->u_reg_bytes);
	if (!u->u_regs)
		return CR_ENOMEM;
	u->u_ver = vtd_read32(u, VTD_VER);
	u->u_cap = vtd_read64(u, VTD_CAP);
	u->u_ecap = vtd_read64(u, VTD_ECAP);
	if (u->u_cap == ~0ull || u->u_ecap == ~0ull)
		return CR_ENODEV;
	vtd_caps_decode(u->u_ver, u->u_cap, u->u_ecap, &u->u_caps);
	uint64_t span = register_span(&u->u_caps);
	if (span > 16 * (uint64_t)PAGE_SIZE)
		return CR_EPROTO;	/* offsets no unit uses: do not map far beyond the page */
	if (span != u->u_reg_bytes) {
		mmio_unmap(u->u_regs, u->u_reg_bytes);
		u->u_reg_bytes = span;
		u->u_regs = mmio_map(u->u_phys, span);
	}
	return u->u_regs ? 0 : CR_ENOMEM;
}

/* An empty root table, pointed at with SRTP, then every cache dropped (§10.4.4 SRTP). */
static int install_root(struct vtd_unit *u)
{
	int err;

	u->u_root_phys = pmm_alloc_page();
	if (!u->u_root_phys)
		return CR_ENOMEM;
	u->u_root = phys_to_virt(u->u_root_phys);
	vtd_flush_cpu(u, u->u_root, PAGE_SIZE);
	vtd_write64(u, VTD_RTADDR, u->u_root_phys | VTD_RTADDR_TTM_LEGACY);
	if ((err = vtd_gcmd(u, VTD_GCMD_SRTP, 0, VTD_GCMD_SRTP, true, "root table pointer (GSTS.RTPS)")) < 0)
		return err;
	return vtd_invalidate(u, VTD_EV_ROOT_SET, 0, 0, 0, 0);
}

static const char *bringup(struct vtd_unit *u, enum vtd_inval_pref pref)
{
	const char *why = NULL;
	int err;

	if ((err = map_registers(u)) < 0)
		return err == CR_ENOMEM ? "cannot-map-registers" : "registers-unreadable";
	const struct vtd_caps *c = &u->u_caps;
	if (!(c->sagaw & 0xe) && !c->ir)
		return "no-supported-page-table-depth";
	if (!(c->sagaw & 0xe))	/* SAGAW 0 (QEMU dma-translation=off): interrupt remapping is all it does */
		u->u_no_dma = "no-supported-page-table-depth";
	u->u_did_count = vtd_did_count(c);
	uint32_t gsts = vtd_read32(u, VTD_GSTS);
	if (gsts & VTD_GCMD_TE)
		kprintf("iommu: vtd unit index=%u found translation enabled by firmware gsts=0x%08x; replacing its root table",
			u->u_index, gsts);
	if (gsts & VTD_GCMD_IRE)
		return "interrupt-remapping-left-enabled";	/* its table is firmware's: not ours to replace */
	if (vtd_inval_init(u, pref, &why) < 0)
		return why;
	if (!u->u_no_dma && install_root(u) < 0)
		return "root-table-not-accepted";
	if (vtd_fault_init(u) < 0)
		return "fault-interrupt-unavailable";
	u->u_translating = gsts & VTD_GCMD_TE;
	return NULL;
}

unsigned vtd_init(const struct acpi_dmar_info *dmar, enum vtd_inval_pref pref)
{
	unsigned usable = 0;

	vtd_nunits = 0;
	vtd_dmar = dmar;
	for (unsigned i = 0; i < dmar->nunits && i < VTD_MAX_UNITS; i++) {
		struct vtd_unit *u = &vtd_units[vtd_nunits++];
		const struct acpi_dmar_unit_info *d = &dmar->units[i];
		memset(u, 0, sizeof(*u));
		*u = (struct vtd_unit){ .u_index = i, .u_phys = d->register_base, .u_segment = d->segment,
					.u_drhd = d, .u_fault_vector = -1,
					.u_fault_lines = (struct ratelimit)RATELIMIT_INIT(16, 4) };
		vtd_rmrr_init(u);
		vtd_bypass_init(u);
		u->u_unusable = bringup(u, pref);
		const struct vtd_caps *c = &u->u_caps;
		if (u->u_unusable) {
			kerror("iommu: error vtd unit index=%u base=0x%lx unusable reason=%s", i, u->u_phys, u->u_unusable);
			continue;
		}
		usable++;
		kprintf("iommu: vtd unit index=%u base=0x%lx segment=%u version=%u.%u cap=0x%lx ecap=0x%lx sagaw=0x%x mgaw=%u did_bits=%u caching_mode=%s coherent=%s rwbf=%s psi=%s mamv=%u qi=%s pt=%s ir=%s nfr=%u fro=0x%x iro=0x%x scope=%s scopes=%u invalidation=%s fault_vector=%d",
			i, u->u_phys, u->u_segment, c->ver_major, c->ver_minor, u->u_cap, u->u_ecap, c->sagaw, c->mgaw,
			c->did_bits, c->caching_mode ? "yes" : "no", c->coherent ? "yes" : "no", c->rwbf ? "yes" : "no",
			c->psi ? "yes" : "no", c->mamv, c->qi ? "yes" : "no", c->pt ? "yes" : "no", c->ir ? "yes" : "no",
			c->nfr, c->fro, c->iro, d->flags & DRHD_INCLUDE_PCI_ALL ? "include-pci-all" : "explicit",
			d->nscopes, u->u_inval == VTD_INVAL_QUEUED ? "queued" : "register", u->u_fault_vector);
		if (u->u_no_dma) {
			kprintf("iommu: warning vtd unit index=%u does no DMA translation reason=%s: interrupt remapping only; DMA takes the bounce lane",
				i, u->u_no_dma);
			usable--;
		}
	}
	vtd_ir_init();
	return usable;
}

/* ---------------------------------------------------------------- which unit translates a device */

static int read_bridge(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint8_t *sec, uint8_t *sub)
{
	(void)ctx;
	const struct pci_dev *b = pci_find_bdf(seg, bus, dev, fn);

	if (!b || b->pd_header_type != PCI_HEADER_BRIDGE)
		return CR_ENOENT;
	*sec = (uint8_t)pci_cfg_read(b, PCI_SECONDARY_BUS, 1);
	*sub = (uint8_t)pci_cfg_read(b, PCI_SUBORDINATE_BUS, 1);
	return 0;
}

const struct vtd_bus_reader vtd_pci_reader = { read_bridge, NULL };

struct vtd_unit *vtd_unit_for(const struct pci_dev *d, bool *explicit_scope)
{
	struct vtd_pci_addr a = { d->pd_segment, d->pd_bus, d->pd_dev, d->pd_fn };
	int i = vtd_dmar ? vtd_unit_for_device(vtd_dmar, a, &vtd_pci_reader, explicit_scope) : -1;

	return i < 0 || (unsigned)i >= vtd_nunits ? NULL : &vtd_units[i];
}

#define PCIE_TYPE_PCIE_TO_PCI	0x7	/* PCI Express Capabilities register, device/port type */

/*
 * The requester id the unit sees for d's DMA (VT-d 3.3 §3.4.1; PCIe-to-PCI
 * bridge spec §2.3).  Below a bridge whose secondary side is conventional
 * PCI, requests carry the bridge's id: a PCIe-to-PCI bridge's secondary
 * bus with devfn 0, any other bridge its own.  The outermost such bridge
 * decides.  Walks up through the bridges enumeration found.
 */
uint16_t vtd_requester_id(const struct pci_dev *d, bool *aliased)
{
	uint16_t sid = vtd_sid(d->pd_bus, d->pd_dev, d->pd_fn);
	uint8_t bus = d->pd_bus;

	*aliased = false;
	for (unsigned hops = 0; hops < 256; hops++) {
		const struct pci_dev *up = NULL;
		for (unsigned i = 0; pci_device(i) && !up; i++) {
			const struct pci_dev *b = pci_device(i);
			if (b->pd_header_type == PCI_HEADER_BRIDGE && b->pd_segment == d->pd_segment && b->pd_bus != bus &&
			    (uint8_t)pci_cfg_read(b, PCI_SECONDARY_BUS, 1) == bus)
				up = b;
		}
		if (!up)
			return sid;	/* a root bus */
		bool to_pci = up->pd_cap_pcie &&
			      ((pci_cfg_read(up, (uint16_t)(up->pd_cap_pcie + 2), 2) >> 4) & 0xf) == PCIE_TYPE_PCIE_TO_PCI;
		if (to_pci) {
			sid = vtd_sid(bus, 0, 0);
			*aliased = true;
		} else if (!up->pd_cap_pcie) {
			sid = vtd_sid(up->pd_bus, up->pd_dev, up->pd_fn);
			*aliased = true;
		}
		bus = up->pd_bus;
	}
	return sid;
}
