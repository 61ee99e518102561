/*
 * lib/vtd_scope.h - which VT-d unit translates a PCI function, and which
 * reserved memory regions (RMRRs) firmware says it uses.
 *
 * VT-d 3.3 §8.3 (DRHD, INCLUDE_PCI_ALL), §8.3.1 (device scope: a start
 * bus and a path of (device, function) hops through bridges, naming an
 * endpoint or a bridge and everything below it) and §8.4 (RMRR).  A path
 * is resolved the way the spec describes it: each hop but the last is a
 * PCI-to-PCI bridge whose secondary bus the next hop lives on, read from
 * configuration space through the caller's reader (the kernel reads the
 * real bridge, the host tests a made-up topology).  Pure logic over the
 * parsed table (lib/acpi_tables.h); nothing here trusts firmware: a path
 * that does not resolve simply matches nothing.
 */
#ifndef CAPROCK_LIB_VTD_SCOPE_H
#define CAPROCK_LIB_VTD_SCOPE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/acpi_tables.h"

struct vtd_pci_addr {
	uint16_t seg;
	uint8_t bus, dev, fn;
};

struct vtd_bus_reader {
	/*
	 * If (seg, bus, dev, fn) exists and is a PCI-to-PCI bridge: 0 with its
	 * secondary and subordinate bus numbers.  Otherwise CR_ENOENT.
	 */
	int (*bridge)(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint8_t *secondary,
		      uint8_t *subordinate);
	void *ctx;
};

/* Does scope s of a structure in segment seg name function a (itself, or below a named bridge)? */
bool vtd_scope_matches(const struct acpi_dmar_scope_info *s, uint16_t seg, struct vtd_pci_addr a,
		       const struct vtd_bus_reader *r);

/*
 * The unit translating a: the first DRHD of a's segment whose explicit
 * scopes name it, else that segment's INCLUDE_PCI_ALL unit.  Returns the
 * unit's index in d->units, or -1 if no unit covers it (its DMA is then
 * not translated at all).  *explicit_scope says which rule matched.
 */
int vtd_unit_for_device(const struct acpi_dmar_info *d, struct vtd_pci_addr a, const struct vtd_bus_reader *r,
			bool *explicit_scope);

/* Indices (into d->rmrr) of the RMRRs whose scopes name a; returns how many (at most max stored). */
unsigned vtd_rmrrs_for_device(const struct acpi_dmar_info *d, struct vtd_pci_addr a, const struct vtd_bus_reader *r,
			      unsigned *idx, unsigned max);

/*
 * Can rm be mapped 1:1?  Base and limit + 1 page aligned, limit >= base,
 * below 2^haw_bits and not inside [avoid_lo, avoid_hi) (the IOVA window).
 * Returns 0 or CR_EPROTO with *why.
 */
int vtd_rmrr_check(const struct acpi_dmar_rmrr_info *rm, unsigned haw_bits, uint64_t avoid_lo, uint64_t avoid_hi,
		   const char **why);

#endif
