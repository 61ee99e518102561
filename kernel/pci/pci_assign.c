/*
 * kernel/pci/pci_assign.c - addresses for the memory BARs of a function
 * hot-added after firmware assigned the rest (Linux: pci_assign_unassigned_*).
 *
 * SeaBIOS packs the BARs it assigns at boot at the top of the 32-bit PCI
 * window (just below the I/O APIC at 0xfec00000).  On bus 0, new BARs are
 * taken downward from the lowest address any function decodes, each
 * aligned to its size, and never below the end of RAM.  Behind a bridge (a
 * PCIe root port) they must fall inside its memory window, which firmware
 * sized with room for hot-plug (SeaBIOS: 2 MiB per hot-plug port): the
 * highest aligned range in the window that no present function decodes.
 * A root port's slot holds one device at a time, and the one before it was
 * powered off and removed, so its addresses are free again (SeaBIOS puts a
 * boot-time device at the window's bottom: counting it, the window was full
 * for the next device).  On bus 0 addresses are not reused when a device is
 * ejected: a bump allocator, which the 64 units a run can bind
 * (kernel/nvme/units.c) cannot exhaust with NVMe's 16-64 KiB BAR0.
 */
#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/pci/pci.h"
#include "lib/bits.h"
#include "lib/pci_reg.h"

#define WINDOW_TOP	0xfec00000ull	/* the I/O APIC: nothing of PCI's above this in the 32-bit hole */
#define FLOOR_ALIGN	(256ull << 20)

static uint64_t next_top;	/* every address at or above this is taken (0: not yet measured) */

/* The lowest memory BAR address in [floor, top) that any function (gone ones too) decodes; top if none. */
static uint64_t lowest_decoded(uint64_t floor, uint64_t top)
{
	uint64_t low = top;

	for (unsigned i = 0; pci_device(i); i++) {
		for (unsigned b = 0; b < 6; b++) {
			const struct pci_bar *bar = &pci_device(i)->pd_bars[b];
			if ((bar->kind == PCI_BAR_MEM32 || bar->kind == PCI_BAR_MEM64) && bar->base && bar->base >= floor &&
			    bar->base < low)
				low = bar->base;
		}
	}
	return low;
}

/*
 * The lowest base of a memory BAR that a present function decodes within
 * [start, end), or UINT64_MAX if the range is free.
 */
static uint64_t decoded_below(uint64_t start, uint64_t end)
{
	uint64_t low = UINT64_MAX;

	for (unsigned i = 0; pci_device(i); i++) {
		const struct pci_dev *d = pci_device(i);
		for (unsigned b = 0; b < 6 && !d->pd_gone; b++) {
			const struct pci_bar *bar = &d->pd_bars[b];
			if ((bar->kind == PCI_BAR_MEM32 || bar->kind == PCI_BAR_MEM64) && bar->base &&
			    bar->base < end && bar->base + bar->size > start && bar->base < low)
				low = bar->base;
		}
	}
	return low;
}

/* The bridge whose secondary bus is bus, or NULL. */
static struct pci_dev *bridge_of(uint8_t bus)
{
	for (unsigned i = 0; pci_device(i); i++) {
		struct pci_dev *d = pci_device(i);
		if (!d->pd_gone && d->pd_header_type == PCI_HEADER_BRIDGE &&
		    (uint8_t)pci_cfg_read(d, PCI_SECONDARY_BUS, 1) == bus)
			return d;
	}
	return NULL;
}

static int assign_in_bridge(struct pci_dev *d, struct pci_dev *br, unsigned b, struct pci_bar *bar, uint64_t *base)
{
	uint16_t mb = (uint16_t)pci_cfg_read(br, PCI_MEMORY_BASE, 2), ml = (uint16_t)pci_cfg_read(br, PCI_MEMORY_LIMIT, 2);
	uint64_t lo = (uint64_t)(mb & 0xfff0) << 16, top = ((uint64_t)(ml & 0xfff0) << 16) + (1u << 20);
	char bdf[16];

	if (ml < mb) {
		kerror("pci: error no memory window on the bridge above bdf=%s", pci_bdf(d, bdf));
		return CR_ENOMEM;
	}
	*base = 0;
	for (uint64_t at = top >= bar->size ? ALIGN_DOWN(top - bar->size, bar->size) : 0; at >= lo && at;) {
		uint64_t below = decoded_below(at, at + bar->size);
		if (below == UINT64_MAX) {
			*base = at;
			break;
		}
		at = below >= bar->size ? ALIGN_DOWN(below - bar->size, bar->size) : 0;
	}
	if (*base < lo || !*base) {
		kerror("pci: error bridge window full for bdf=%s bar=%u size=0x%lx window=0x%lx-0x%lx", pci_bdf(d, bdf), b,
		       bar->size, lo, top - 1);
		return CR_ENOMEM;
	}
	return 0;
}

int pci_assign_bars(struct pci_dev *d)
{
	uint64_t floor = ALIGN_UP(MIN(pmm_ram_end(), 1ull << 32), FLOOR_ALIGN);
	char bdf[16];

	pci_bdf(d, bdf);
	for (unsigned b = 0; b < 6; b++) {
		struct pci_bar *bar = &d->pd_bars[b];
		if ((bar->kind != PCI_BAR_MEM32 && bar->kind != PCI_BAR_MEM64) || bar->base || !bar->size)
			continue;
		struct pci_dev *br = d->pd_bus ? bridge_of(d->pd_bus) : NULL;
		uint64_t base;
		if (d->pd_bus && !br) {
			kerror("pci: error no bridge found above bdf=%s", bdf);
			return CR_ENOMEM;
		}
		if (br) {
			int err = assign_in_bridge(d, br, b, bar, &base);
			if (err)
				return err;
		} else {
			if (!next_top)
				next_top = lowest_decoded(0, WINDOW_TOP);
			base = next_top > bar->size ? ALIGN_DOWN(next_top - bar->size, bar->size) : 0;
			if (base < floor) {
				kerror("pci: error no address for bdf=%s bar=%u size=0x%lx floor=0x%lx", bdf, b, bar->size,
				       floor);
				return CR_ENOMEM;
			}
			next_top = base;
		}
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * b);
		uint32_t lo = pci_cfg_read(d, off, 4);
		pci_cfg_write(d, off, 4, (uint32_t)base | (lo & 0xf));
		if (bar->kind == PCI_BAR_MEM64)
			pci_cfg_write(d, off + 4, 4, 0);
		bar->base = base;
		kprintf("pci: bar assigned bdf=%s bar=%u base=0x%lx size=0x%lx by=kernel reason=hot-added window=%s", bdf,
			b, base, bar->size, br ? "bridge" : "root");
	}
	return 0;
}
