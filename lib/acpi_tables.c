/*
 * lib/acpi_tables.c - bounds-checked ACPI and DMAR table parsers.
 */
#include "lib/acpi_tables.h"

#include "include/abi/errors.h"
#include "lib/bits.h"
#include "lib/string.h"

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return CR_EPROTO;
}

bool acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

int acpi_parse_rsdp(const void *p, size_t avail, struct acpi_rsdp_info *out, const char **why)
{
	const struct acpi_rsdp *r = p;

	if (avail < ACPI_RSDP_V1_LEN)
		return fail(why, "rsdp-truncated");
	if (memcmp(r->signature, "RSD PTR ", 8) != 0)
		return fail(why, "rsdp-bad-signature");
	if (!acpi_checksum_ok(r, ACPI_RSDP_V1_LEN))
		return fail(why, "rsdp-bad-checksum");
	out->revision = r->revision;
	out->root_is_xsdt = false;
	out->root_phys = r->rsdt_address;
	if (r->revision >= 2) {
		if (avail < sizeof(*r) || r->length < sizeof(*r) || r->length > avail)
			return fail(why, "rsdp-bad-length");
		if (!acpi_checksum_ok(r, r->length))
			return fail(why, "rsdp-bad-extended-checksum");
		if (r->xsdt_address) {
			out->root_is_xsdt = true;
			out->root_phys = r->xsdt_address;
		}
	}
	if (!out->root_phys)
		return fail(why, "rsdp-no-root-table");
	return 0;
}

long acpi_check_table(const void *p, size_t avail, const char *sig, const char **why)
{
	const struct acpi_sdt_header *h = p;

	if (avail < sizeof(*h))
		return fail(why, "header-truncated");
	if (sig && memcmp(h->signature, sig, 4) != 0)
		return fail(why, "bad-signature");
	if (h->length < sizeof(*h))
		return fail(why, "length-below-header");
	if (h->length > avail)
		return fail(why, "length-exceeds-mapping");
	if (!acpi_checksum_ok(h, h->length))
		return fail(why, "bad-checksum");
	return (long)h->length;
}

int acpi_root_entries(const void *root, size_t len, bool xsdt, uint64_t *out, size_t max,
		      const char **why)
{
	size_t width = xsdt ? 8 : 4;
	const uint8_t *b = root;

	if (len < sizeof(struct acpi_sdt_header))
		return fail(why, "root-truncated");
	size_t n = (len - sizeof(struct acpi_sdt_header)) / width;
	if ((len - sizeof(struct acpi_sdt_header)) % width)
		return fail(why, "root-ragged-entry-array");
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = b + sizeof(struct acpi_sdt_header) + i * width;
		out[i] = xsdt ? load_le64(e) : load_le32(e);
	}
	return (int)n;
}

/*
 * Iterate variable-length sub-structures of [p+start, p+len): each begins
 * with a length at length_off of size length_bytes.  Returns the next
 * entry's length via *elen, or 0 at the end, or -1 when malformed.
 */
static int next_entry(const uint8_t *p, size_t len, size_t off, size_t length_off,
		      size_t length_bytes, size_t min_len, size_t *elen)
{
	if (off == len)
		return 0;
	if (len - off < length_off + length_bytes)
		return -1;
	size_t l = length_bytes == 1 ? p[off + length_off] : load_le16(p + off + length_off);
	if (l < min_len || l > len - off)
		return -1;
	*elen = l;
	return 1;
}

/*
 * flags: MADT_CPU_ENABLED / MADT_CPU_ONLINE_CAPABLE (ACPI 6.3 §5.2.12.2: the
 * second is reserved, and ignored here, when the first is set).  Firmware may
 * list a processor both as Local APIC and as Local x2APIC: the first entry
 * counts, the others are only counted as duplicates.  True if this entry
 * listed a processor.
 */
static bool add_cpu(struct acpi_madt_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
	bool enabled = flags & MADT_CPU_ENABLED;

	if (!enabled && !(flags & MADT_CPU_ONLINE_CAPABLE))
		return false;
	for (unsigned i = 0; i < out->ncpus; i++) {
		if (out->cpu_apic_ids[i] == apic_id) {
			out->ncpus_duplicate++;
			return false;
		}
	}
	out->ncpus_listed++;
	out->ncpus_enabled += enabled;
	out->max_apic_id = MAX(out->max_apic_id, apic_id);
	if (out->ncpus < ACPI_MAX_CPUS) {
		out->cpu_apic_ids[out->ncpus] = apic_id;
		out->cpu_uids[out->ncpus] = uid;
		out->cpu_enabled[out->ncpus] = enabled;
		out->ncpus++;
	}
	return true;
}

static void add_nmi(struct acpi_madt_info *out, uint32_t uid, uint16_t flags, uint8_t lint)
{
	if (out->nnmis < ACPI_MAX_NMIS)
		out->nmis[out->nnmis++] = (struct acpi_nmi_info){ uid, flags, lint };
}

int acpi_parse_madt(const void *p, size_t len, struct acpi_madt_info *out, const char **why)
{
	const uint8_t *b = p;
	const struct acpi_madt *m = p;
	size_t off = sizeof(*m), elen;
	int r;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(*m))
		return fail(why, "madt-truncated");
	out->lapic_phys = m->lapic_address;
	out->pcat_compat = m->flags & 1;
	while ((r = next_entry(b, len, off, 1, 1, 2, &elen)) > 0) {
		const struct acpi_madt_entry *e = (const void *)(b + off);
		switch (e->type) {
		case MADT_LAPIC: {
			const struct acpi_madt_lapic *l = (const void *)e;
			if (elen < sizeof(*l))
				return fail(why, "madt-short-lapic");
			/* 0xff is the xAPIC broadcast id, never a processor's (x2APIC entries list those). */
			if (l->apic_id != 0xff)
				add_cpu(out, l->apic_id, l->processor_uid, l->flags);
			break;
		}
		case MADT_X2APIC: {
			const struct acpi_madt_x2apic *x = (const void *)e;
			if (elen < sizeof(*x))
				return fail(why, "madt-short-x2apic");
			/* A duplicate of an earlier entry is not one more x2APIC processor. */
			out->nx2apic += add_cpu(out, x->x2apic_id, x->processor_uid, x->flags);
			break;
		}
		case MADT_LAPIC_NMI: {
			const struct acpi_madt_lapic_nmi *n = (const void *)e;
			if (elen < sizeof(*n))
				return fail(why, "madt-short-lapic-nmi");
			if (n->lint > 1)
				return fail(why, "madt-nmi-bad-lint");
			add_nmi(out, n->processor_uid == 0xff ? ACPI_NMI_ALL_CPUS : n->processor_uid,
				n->flags, n->lint);
			break;
		}
		case MADT_X2APIC_NMI: {
			const struct acpi_madt_x2apic_nmi *n = (const void *)e;
			if (elen < sizeof(*n))
				return fail(why, "madt-short-x2apic-nmi");
			if (n->lint > 1)
				return fail(why, "madt-nmi-bad-lint");
			add_nmi(out, n->processor_uid, n->flags, n->lint);
			break;
		}
		case MADT_IOAPIC: {
			const struct acpi_madt_ioapic *io = (const void *)e;
			if (elen < sizeof(*io))
				return fail(why, "madt-short-ioapic");
			if (out->nioapics < ACPI_MAX_IOAPICS)
				out->ioapics[out->nioapics++] = (struct acpi_ioapic_info){
					io->ioapic_id, io->address, io->gsi_base };
			break;
		}
		case MADT_ISO: {
			const struct acpi_madt_iso *iso = (const void *)e;
			if (elen < sizeof(*iso))
				return fail(why, "madt-short-override");
			if (out->nisos < ACPI_MAX_ISOS)
				out->isos[out->nisos++] = (struct acpi_iso_info){
					iso->source, iso->gsi, iso->flags };
			break;
		}
		case MADT_LAPIC_OVERRIDE: {
			const struct acpi_madt_lapic_override *o = (const void *)e;
			if (elen < sizeof(*o))
				return fail(why, "madt-short-lapic-override");
			out->lapic_phys = o->address;
			break;
		}
		default:
			break;	/* NMI sources, GIC entries...: not ours */
		}
		off += elen;
	}
	if (r < 0)
		return fail(why, "madt-entry-overruns-table");
	if (!out->lapic_phys)
		return fail(why, "madt-no-lapic-address");
	return 0;
}

int acpi_parse_mcfg(const void *p, size_t len, struct acpi_mcfg_info *out, const char **why)
{
	const uint8_t *b = p;

	memset(out, 0, sizeof(*out));
	if (len < ACPI_MCFG_ENTRIES_OFFSET)
		return fail(why, "mcfg-truncated");
	if ((len - ACPI_MCFG_ENTRIES_OFFSET) % sizeof(struct acpi_mcfg_entry))
		return fail(why, "mcfg-ragged-entry-array");
	size_t n = (len - ACPI_MCFG_ENTRIES_OFFSET) / sizeof(struct acpi_mcfg_entry);
	for (size_t i = 0; i < n; i++) {
		const struct acpi_mcfg_entry *e =
			(const void *)(b + ACPI_MCFG_ENTRIES_OFFSET + i * sizeof(*e));
		if (e->end_bus < e->start_bus)
			return fail(why, "mcfg-end-bus-below-start-bus");
		if (e->base_address == 0 || !IS_ALIGNED(e->base_address, 1u << 20))
			return fail(why, "mcfg-bad-base-address");
		if (out->nsegments == ACPI_MAX_MCFG)
			break;
		out->segments[out->nsegments].base = e->base_address;
		out->segments[out->nsegments].segment = e->segment;
		out->segments[out->nsegments].start_bus = e->start_bus;
		out->segments[out->nsegments].end_bus = e->end_bus;
		out->nsegments++;
	}
	if (out->nsegments == 0)
		return fail(why, "mcfg-no-segments");
	return 0;
}

/* Parse the device scopes in [b+off, b+end) into scopes[]. */
static int parse_scopes(const uint8_t *b, size_t off, size_t end,
			struct acpi_dmar_scope_info *scopes, unsigned int *nscopes, const char **why)
{
	size_t elen;
	int r;

	*nscopes = 0;
	while ((r = next_entry(b, end, off, 1, 1, sizeof(struct acpi_dmar_scope), &elen)) > 0) {
		const struct acpi_dmar_scope *s = (const void *)(b + off);
		size_t npath = (elen - sizeof(*s)) / 2;
		if ((elen - sizeof(*s)) % 2 || npath == 0)
			return fail(why, "dmar-scope-bad-path");
		if (*nscopes < ACPI_MAX_SCOPES) {
			struct acpi_dmar_scope_info *si = &scopes[(*nscopes)++];
			si->type = s->type;
			si->enumeration_id = s->enumeration_id;
			si->start_bus = s->start_bus;
			si->npath = (uint8_t)MIN(npath, (size_t)ACPI_MAX_SCOPE_PATH);
			for (size_t i = 0; i < si->npath; i++) {
				si->path[i].device = b[off + sizeof(*s) + 2 * i];
				si->path[i].function = b[off + sizeof(*s) + 2 * i + 1];
				if (si->path[i].device > 31 || si->path[i].function > 7)
					return fail(why, "dmar-scope-bad-device-function");
			}
			if (npath > ACPI_MAX_SCOPE_PATH)
				return fail(why, "dmar-scope-path-too-deep");
		}
		off += elen;
	}
	if (r < 0)
		return fail(why, "dmar-scope-overruns-structure");
	return 0;
}

int acpi_parse_dmar(const void *p, size_t len, struct acpi_dmar_info *out, const char **why)
{
	const uint8_t *b = p;
	const struct acpi_dmar *d = p;
	size_t off = sizeof(*d), elen;
	int r;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(*d))
		return fail(why, "dmar-truncated");
	out->host_address_width = d->host_address_width;
	out->flags = d->flags;
	while ((r = next_entry(b, len, off, 2, 2, sizeof(struct acpi_dmar_entry), &elen)) > 0) {
		const struct acpi_dmar_entry *e = (const void *)(b + off);
		if (e->type == DMAR_TYPE_DRHD) {
			const struct acpi_dmar_drhd *u = (const void *)e;
			if (elen < sizeof(*u))
				return fail(why, "dmar-short-drhd");
			if (u->register_base == 0 || !IS_ALIGNED(u->register_base, 4096))
				return fail(why, "dmar-drhd-bad-register-base");
			if (out->nunits == ACPI_MAX_DRHD)
				return fail(why, "dmar-too-many-units");
			struct acpi_dmar_unit_info *ui = &out->units[out->nunits++];
			ui->register_base = u->register_base;
			ui->segment = u->segment;
			ui->flags = u->flags;
			if (parse_scopes(b, off + sizeof(*u), off + elen, ui->scopes, &ui->nscopes, why) < 0)
				return CR_EPROTO;
		} else if (e->type == DMAR_TYPE_RMRR) {
			const struct acpi_dmar_rmrr *rm = (const void *)e;
			if (elen < sizeof(*rm))
				return fail(why, "dmar-short-rmrr");
			if (rm->limit < rm->base)
				return fail(why, "dmar-rmrr-limit-below-base");
			if (out->nrmrr == ACPI_MAX_RMRR)
				return fail(why, "dmar-too-many-rmrr");
			struct acpi_dmar_rmrr_info *ri = &out->rmrr[out->nrmrr++];
			ri->base = rm->base;
			ri->limit = rm->limit;
			ri->segment = rm->segment;
			if (parse_scopes(b, off + sizeof(*rm), off + elen, ri->scopes, &ri->nscopes, why) < 0)
				return CR_EPROTO;
		} else {
			out->nother++;
		}
		off += elen;
	}
	if (r < 0)
		return fail(why, "dmar-structure-overruns-table");
	if (out->nunits == 0)
		return fail(why, "dmar-no-remapping-units");
	return 0;
}

/* A GAS from the table at off, or NULL's worth (address 0) if the table is shorter. */
static struct acpi_gas gas_at(const uint8_t *b, size_t len, size_t off)
{
	struct acpi_gas g = { 0, 0, 0, 0, 0 };

	if (len >= off + sizeof(g))
		memcpy(&g, b + off, sizeof(g));
	return g;
}

/* A block given by a 32-bit I/O port field, or the X_ GAS that supersedes it when non-zero. */
static struct acpi_gas io_block(const uint8_t *b, size_t len, size_t port_off, size_t x_off,
				uint8_t bytes, uint8_t access_size)
{
	struct acpi_gas g = gas_at(b, len, x_off);

	if (g.address)
		return g;
	uint32_t port = load_le32(b + port_off);
	return (struct acpi_gas){ ACPI_GAS_IO, (uint8_t)(8 * bytes), 0, access_size, port };
}

int acpi_parse_fadt(const void *p, size_t len, struct acpi_fadt_info *out, const char **why)
{
	const uint8_t *b = p;

	memset(out, 0, sizeof(*out));
	/* ACPI 1.0 FADTs are 116 bytes; the X_ fields exist only in longer ones. */
	if (len < FADT_REV1_LEN)
		return fail(why, "fadt-truncated");
	out->revision = b[8];
	out->flags = load_le32(b + FADT_FLAGS);
	out->dsdt_phys = load_le32(b + FADT_DSDT);
	out->sci_int = load_le16(b + FADT_SCI_INT);
	out->smi_cmd = load_le32(b + FADT_SMI_CMD);
	out->acpi_enable = b[FADT_ACPI_ENABLE];
	out->hw_reduced = out->flags & FADT_FLAG_HW_REDUCED;
	out->pm_tmr_32bit = out->flags & FADT_FLAG_TMR_VAL_EXT;
	out->pm1_evt_len = b[FADT_PM1_EVT_LEN];
	out->gpe0_len = b[FADT_GPE0_BLK_LEN];
	out->gpe1_len = b[FADT_GPE1_BLK_LEN];
	if (len >= FADT_X_DSDT + 8 && load_le64(b + FADT_X_DSDT))
		out->dsdt_phys = load_le64(b + FADT_X_DSDT);

	out->pm1a_evt = io_block(b, len, FADT_PM1A_EVT_BLK, FADT_X_PM1A_EVT_BLK, out->pm1_evt_len, 2);
	out->pm1b_evt = io_block(b, len, FADT_PM1B_EVT_BLK, FADT_X_PM1B_EVT_BLK, out->pm1_evt_len, 2);
	out->pm1a_cnt = io_block(b, len, FADT_PM1A_CNT_BLK, FADT_X_PM1A_CNT_BLK, 2, 2);
	out->pm1b_cnt = io_block(b, len, FADT_PM1B_CNT_BLK, FADT_X_PM1B_CNT_BLK, 2, 2);
	out->gpe0 = io_block(b, len, FADT_GPE0_BLK, FADT_X_GPE0_BLK, out->gpe0_len, 1);
	out->gpe1 = io_block(b, len, FADT_GPE1_BLK, FADT_X_GPE1_BLK, out->gpe1_len, 1);
	/* PM_TMR_LEN is 4 when the timer exists and 0 when it does not (§5.2.9). */
	out->pm_tmr = io_block(b, len, FADT_PM_TMR_BLK, FADT_X_PM_TMR_BLK, 4, 3);
	if (b[FADT_PM_TMR_LEN] != 4 && !gas_at(b, len, FADT_X_PM_TMR_BLK).address)
		out->pm_tmr.address = 0;
	if (!out->gpe0_len)
		out->gpe0.address = 0;
	if (!out->gpe1_len)
		out->gpe1.address = 0;
	out->sleep_control = gas_at(b, len, FADT_SLEEP_CONTROL_REG);
	if (!out->hw_reduced && !out->pm1a_cnt.address)
		return fail(why, "fadt-no-pm1a-control");
	return 0;
}

int acpi_parse_hpet(const void *p, size_t len, struct acpi_hpet_info *out, const char **why)
{
	const struct acpi_hpet *h = p;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(*h))
		return fail(why, "hpet-truncated");
	/* The register block is 1 KiB in system memory (HPET spec §2.3.1). */
	if (h->base_address.space_id != ACPI_GAS_MEMORY || h->base_address.address == 0 ||
	    !IS_ALIGNED(h->base_address.address, 1024))
		return fail(why, "hpet-bad-base-address");
	out->base = h->base_address.address;
	out->event_timer_block_id = h->event_timer_block_id;
	out->hpet_number = h->hpet_number;
	out->min_clock_tick = h->min_clock_tick;
	return 0;
}
