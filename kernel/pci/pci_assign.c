/*
 * kernel/pci/pci_assign.c - addresses for the memory BARs of a function
 * hot-added after firmware assigned the rest (Linux: pci_assign_unassigned_*).
 *
 * SeaBIOS packs the BARs it assigns at boot at the top of the 32-bit PCI
 * window (just below the I/O APIC at 0xfec00000).  New BARs are taken
 * downward from the lowest address any function decodes, each aligned to
 * its size, and never below the end of RAM.  Addresses are not reused when
 * a device is ejected: a bump allocator, which the 64 units a run can bind
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

static uint64_t lowest_decoded(void)
{
	uint64_t low = WINDOW_TOP;

	for (unsigned i = 0; pci_device(i); i++) {
		for (unsigned b = 0; b < 6; b++) {
			const struct pci_bar *bar = &pci_device(i)->pd_bars[b];
			if ((bar->kind == PCI_BAR_MEM32 || bar->kind == PCI_BAR_MEM64) && bar->base && bar->base < low)
				low = bar->base;
		}
	}
	return low;
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
		if (!next_top)
			next_top = lowest_decoded();
		uint64_t base = next_top > bar->size ? ALIGN_DOWN(next_top - bar->size, bar->size) : 0;
		if (base < floor) {
			kerror("pci: error no address for bdf=%s bar=%u size=0x%lx floor=0x%lx", bdf, b, bar->size, floor);
			return CR_ENOMEM;
		}
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * b);
		uint32_t lo = pci_cfg_read(d, off, 4);
		pci_cfg_write(d, off, 4, (uint32_t)base | (lo & 0xf));
		if (bar->kind == PCI_BAR_MEM64)
			pci_cfg_write(d, off + 4, 4, 0);
		bar->base = base;
		next_top = base;
		kprintf("pci: bar assigned bdf=%s bar=%u base=0x%lx size=0x%lx by=kernel reason=hot-added", bdf, b, base,
			bar->size);
	}
	return 0;
}
