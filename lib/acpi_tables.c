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
			if ((l->flags & 3) && out->ncpus < ACPI_MAX_CPUS)
				out->cpu_apic_ids[out->ncpus++] = l->apic_id;
			break;
		}
		case MADT_X2APIC: {
			const struct acpi_madt_x2apic *x = (const void *)e;
			if (elen < sizeof(*x))
				return fail(why, "madt-short-x2apic");
			if ((x->flags & 3) && out->ncpus < ACPI_MAX_CPUS)
				out->cpu_apic_ids[out->ncpus++] = x->x2apic_id;
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

int acpi_parse_fadt(const void *p, size_t len, struct acpi_fadt_info *out, const char **why)
{
	const uint8_t *b = p;

	memset(out, 0, sizeof(*out));
	/* ACPI 1.0 FADTs are 116 bytes; the X_ fields exist only in longer ones. */
	if (len < FADT_FLAGS + 4)
		return fail(why, "fadt-truncated");
	out->dsdt_phys = load_le32(b + FADT_DSDT);
	out->smi_cmd = load_le32(b + FADT_SMI_CMD);
	out->acpi_enable = b[FADT_ACPI_ENABLE];
	out->hw_reduced = load_le32(b + FADT_FLAGS) & FADT_FLAG_HW_REDUCED;
	out->pm1a_cnt = (struct acpi_gas){ ACPI_GAS_IO, 16, 0, 2, load_le32(b + FADT_PM1A_CNT_BLK) };
	out->pm1b_cnt = (struct acpi_gas){ ACPI_GAS_IO, 16, 0, 2, load_le32(b + FADT_PM1B_CNT_BLK) };
	if (len >= FADT_X_DSDT + 8 && load_le64(b + FADT_X_DSDT))
		out->dsdt_phys = load_le64(b + FADT_X_DSDT);
	if (len >= FADT_X_PM1A_CNT_BLK + sizeof(struct acpi_gas)) {
		struct acpi_gas g;
		memcpy(&g, b + FADT_X_PM1A_CNT_BLK, sizeof(g));
		if (g.address)
			out->pm1a_cnt = g;
	}
	if (len >= FADT_X_PM1B_CNT_BLK + sizeof(struct acpi_gas)) {
		struct acpi_gas g;
		memcpy(&g, b + FADT_X_PM1B_CNT_BLK, sizeof(g));
		if (g.address)
			out->pm1b_cnt = g;
	}
	if (len >= FADT_SLEEP_CONTROL_REG + sizeof(struct acpi_gas))
		memcpy(&out->sleep_control, b + FADT_SLEEP_CONTROL_REG, sizeof(struct acpi_gas));
	if (!out->hw_reduced && !out->pm1a_cnt.address)
		return fail(why, "fadt-no-pm1a-control");
	return 0;
}

/* An AML integer data object at p[*i] (ACPI §20.2.3): ZeroOp, OneOp, BytePrefix, WordPrefix... */
static int aml_small_int(const uint8_t *p, size_t len, size_t *i, uint8_t *v)
{
	if (*i >= len)
		return -1;
	switch (p[*i]) {
	case 0x00: *v = 0; *i += 1; return 0;			/* ZeroOp */
	case 0x01: *v = 1; *i += 1; return 0;			/* OneOp */
	case 0x0a:						/* BytePrefix */
		if (*i + 1 >= len)
			return -1;
		*v = p[*i + 1];
		*i += 2;
		return 0;
	case 0x0b:						/* WordPrefix */
		if (*i + 2 >= len)
			return -1;
		*v = p[*i + 1];
		*i += 3;
		return 0;
	case 0x0c:						/* DWordPrefix */
		if (*i + 4 >= len)
			return -1;
		*v = p[*i + 1];
		*i += 5;
		return 0;
	}
	return -1;
}

int acpi_find_s5(const void *dsdt, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
	const uint8_t *p = dsdt;

	/* NameOp "_S5_" PackageOp PkgLength NumElements SLP_TYPa SLP_TYPb ... */
	for (size_t i = sizeof(struct acpi_sdt_header); i + 4 < len; i++) {
		if (memcmp(p + i, "_S5_", 4) != 0)
			continue;
		if (i < 1 || !(p[i - 1] == 0x08 || (i >= 2 && p[i - 1] == '\\' && p[i - 2] == 0x08)))
			continue;
		size_t j = i + 4;
		if (j >= len || p[j] != 0x12)
			continue;
		j++;
		if (j >= len)
			return CR_EPROTO;
		j += 1 + (p[j] >> 6);		/* PkgLength: lead byte bits 7:6 = extra bytes */
		j++;				/* NumElements */
		if (aml_small_int(p, len, &j, slp_typa) < 0)
			return CR_EPROTO;
		if (aml_small_int(p, len, &j, slp_typb) < 0)
			*slp_typb = *slp_typa;
		return 0;
	}
	return CR_ENOENT;
}
