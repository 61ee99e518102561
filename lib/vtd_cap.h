/*
 * lib/vtd_cap.h - what a VT-d unit can do, and whether a domain fits it.
 *
 * Decodes the Version, Capability and Extended Capability registers
 * (VT-d 3.3 §10.4.1-§10.4.3) into plain fields, chooses the second-level
 * page-table depth for a domain (§3.6: SAGAW lists the depths the unit
 * walks, MGAW caps the address width), and lays out the IOVA window every
 * domain uses: two gigabytes at the top of what the device and the unit
 * can address, above all RAM, so that no IOVA is ever numerically a host
 * address.  Pure: the kernel (kernel/iommu/vtd/unit.c) reads the
 * registers, the host tests feed values.
 */
#ifndef CAPROCK_LIB_VTD_CAP_H
#define CAPROCK_LIB_VTD_CAP_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_caps {
	unsigned ver_major, ver_minor;
	unsigned did_bits;		/* domain ids are did_bits wide (4 + 2 * CAP.ND) */
	bool rwbf;			/* write-buffer flush required after table updates */
	bool caching_mode;		/* not-present entries may be cached (virtual IOMMUs) */
	unsigned sagaw;			/* supported depths: bit 1 = 3 levels, 2 = 4, 3 = 5 */
	unsigned mgaw;			/* maximum guest address width, bits */
	unsigned fro, nfr;		/* fault recording registers: offset (bytes) and count */
	unsigned sllps;			/* large pages: bit 0 = 2 MiB, bit 1 = 1 GiB */
	bool psi;			/* page-selective IOTLB invalidation */
	unsigned mamv;			/* largest PSI address mask */
	bool drain_read, drain_write;
	bool coherent;			/* ECAP.C: walks snoop; else table writes need clflush */
	bool qi;			/* queued invalidation */
	bool ir;			/* interrupt remapping */
	bool eim;			/* ECAP.EIM: IRTA.EIME may be set (x2APIC, 32-bit destinations); else reserved */
	bool pt;			/* pass-through translation type */
	bool scalable;			/* ECAP.SMTS (we use legacy mode either way) */
	unsigned iro;			/* IOTLB registers offset, bytes */
};

void vtd_caps_decode(uint32_t ver, uint64_t cap, uint64_t ecap, struct vtd_caps *out);

/*
 * The IOVA layout of a domain (see the file comment): two gigabytes, the
 * lower one for the provider's data spaces (its pool at the base, block
 * sessions' regions every DMA_DIRECT_SPACE_STRIDE above it: the provider
 * computes those addresses itself), then a guard page that is never
 * mapped, then the manager's own pages.
 */
#define VTD_WINDOW_BYTES	(2ull << 30)
#define VTD_DATA_REGION_BYTES	(1ull << 30)
#define VTD_MGR_OFFSET		(VTD_DATA_REGION_BYTES + (2ull << 20))

struct vtd_window {
	unsigned levels;		/* 3, 4 or 5 */
	unsigned agaw;			/* 39, 48 or 57 */
	unsigned ctx_aw;		/* the context entry's AW field: levels - 2 */
	uint64_t top;			/* every IOVA is below this */
	uint64_t base;			/* the window: [base, top) */
	uint64_t pool_base;		/* where a provider's pool (data space 0) is mapped */
	uint64_t guard;			/* one page never mapped, between the data spaces and the manager's */
	uint64_t mgr_base, mgr_top;	/* the manager's own device-visible pages */
};

/*
 * Lay out a domain for a unit with caps, a DMAR host address width of
 * haw_bits, RAM ending at ram_end and a device that addresses below
 * dev_limit (0: no limit of its own).  Returns 0, or CR_ENODEV with *why
 * naming the first thing that does not fit.
 */
int vtd_plan_window(const struct vtd_caps *c, unsigned haw_bits, uint64_t ram_end, uint64_t dev_limit,
		    struct vtd_window *out, const char **why);

/* Domain ids this unit offers to us: 1 .. (1 << did_bits) - 1 (0 is reserved in caching mode, and kept unused). */
uint32_t vtd_did_count(const struct vtd_caps *c);

#endif
