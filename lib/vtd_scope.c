/*
 * lib/vtd_scope.c - device scopes, unit selection and RMRRs (see header).
 */
#include "lib/vtd_scope.h"

#include "include/abi/errors.h"
#include "lib/bits.h"

bool vtd_scope_matches(const struct acpi_dmar_scope_info *s, uint16_t seg, struct vtd_pci_addr a,
		       const struct vtd_bus_reader *r)
{
	if (seg != a.seg || s->npath == 0 ||
	    (s->type != DMAR_SCOPE_PCI_ENDPOINT && s->type != DMAR_SCOPE_PCI_SUBTREE))
		return false;
	uint8_t bus = s->start_bus;
	/* Every hop but the last is a bridge: continue on its secondary bus. */
	for (unsigned i = 0; i + 1 < s->npath; i++) {
		uint8_t sec, sub;
		if (r->bridge(r->ctx, seg, bus, s->path[i].device, s->path[i].function, &sec, &sub) < 0)
			return false;
		bus = sec;
	}
	uint8_t dev = s->path[s->npath - 1].device, fn = s->path[s->npath - 1].function;
	if (a.bus == bus && a.dev == dev && a.fn == fn)
		return true;
	if (s->type != DMAR_SCOPE_PCI_SUBTREE)
		return false;
	uint8_t sec, sub;
	if (r->bridge(r->ctx, seg, bus, dev, fn, &sec, &sub) < 0 || sec == 0 || sub < sec)
		return false;	/* not a bridge, or one firmware left unnumbered */
	return a.bus >= sec && a.bus <= sub;
}

static bool listed(const struct acpi_dmar_scope_info *scopes, unsigned n, uint16_t seg, struct vtd_pci_addr a,
		   const struct vtd_bus_reader *r)
{
	for (unsigned i = 0; i < n; i++) {
		if (vtd_scope_matches(&scopes[i], seg, a, r))
			return true;
	}
	return false;
}

int vtd_unit_for_device(const struct acpi_dmar_info *d, struct vtd_pci_addr a, const struct vtd_bus_reader *r,
			bool *explicit_scope)
{
	int all = -1;

	*explicit_scope = false;
	for (unsigned i = 0; i < d->nunits && i < ACPI_MAX_DRHD; i++) {
		const struct acpi_dmar_unit_info *u = &d->units[i];
		if (u->segment != a.seg)
			continue;
		if (u->flags & DRHD_INCLUDE_PCI_ALL) {
			if (all < 0)
				all = (int)i;
			continue;
		}
		if (listed(u->scopes, MIN(u->nscopes, (unsigned)ACPI_MAX_SCOPES), u->segment, a, r)) {
			*explicit_scope = true;
			return (int)i;
		}
	}
	return all;
}

unsigned vtd_rmrrs_for_device(const struct acpi_dmar_info *d, struct vtd_pci_addr a, const struct vtd_bus_reader *r,
			      unsigned *idx, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->nrmrr && i < ACPI_MAX_RMRR; i++) {
		const struct acpi_dmar_rmrr_info *rm = &d->rmrr[i];
		if (listed(rm->scopes, MIN(rm->nscopes, (unsigned)ACPI_MAX_SCOPES), rm->segment, a, r)) {
			if (n < max)
				idx[n] = i;
			n++;
		}
	}
	return n;
}

int vtd_rmrr_check(const struct acpi_dmar_rmrr_info *rm, unsigned haw_bits, uint64_t avoid_lo, uint64_t avoid_hi,
		   const char **why)
{
	if (rm->limit < rm->base) {
		*why = "rmrr-limit-below-base";
		return CR_EPROTO;
	}
	if (!IS_ALIGNED(rm->base, 4096) || !IS_ALIGNED(rm->limit + 1, 4096) || rm->limit == UINT64_MAX) {
		*why = "rmrr-not-page-aligned";
		return CR_EPROTO;
	}
	if (haw_bits < 64 && rm->limit >> haw_bits) {
		*why = "rmrr-above-host-address-width";
		return CR_EPROTO;
	}
	if (rm->base < avoid_hi && rm->limit >= avoid_lo) {
		*why = "rmrr-overlaps-iova-window";
		return CR_EPROTO;
	}
	return 0;
}
