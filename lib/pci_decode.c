/*
 * lib/pci_decode.c - PCI class matching, BAR sizing arithmetic, capabilities.
 */
#include "lib/pci_decode.h"

#include "lib/pci_reg.h"

bool pci_is_nvme(uint8_t class_code, uint8_t subclass, uint8_t prog_if)
{
	return class_code == PCI_CLASS_STORAGE && subclass == PCI_SUBCLASS_NVM &&
	       prog_if == PCI_PROG_IF_NVME;
}

struct pci_bar pci_decode_bar(uint32_t lo, uint32_t lo_probe, uint32_t hi, uint32_t hi_probe)
{
	struct pci_bar b = { PCI_BAR_NONE, false, 0, 0 };

	if (lo & PCI_BAR_IO) {
		uint32_t mask = lo_probe & ~0x3u;
		if (!mask)
			return b;
		/* I/O BARs may implement only 16 address bits; the upper ones read 0. */
		if (!(mask & 0xffff0000u))
			mask |= 0xffff0000u;
		b.kind = PCI_BAR_IO;
		b.base = lo & ~0x3u;
		b.size = mask & (~mask + 1);
		return b;
	}
	b.prefetchable = lo & PCI_BAR_MEM_PREFETCH;
	if ((lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64) {
		uint64_t mask = ((uint64_t)hi_probe << 32) | (lo_probe & ~0xfu);
		if (!mask)
			return b;
		b.kind = PCI_BAR_MEM64;
		b.base = ((uint64_t)hi << 32) | (lo & ~0xfu);
		/* The lowest writable bit is the size, even if high bits are hardwired to 0. */
		b.size = mask & (~mask + 1);
		return b;
	}
	uint32_t mask = lo_probe & ~0xfu;
	if (!mask)
		return b;
	b.kind = PCI_BAR_MEM32;
	b.base = lo & ~0xfu;
	b.size = mask & (~mask + 1);
	return b;
}

uint8_t pci_find_capability(const struct pci_cfg_reader *r, uint8_t cap_id)
{
	if (!(r->read(r->ctx, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	uint8_t off = (uint8_t)r->read(r->ctx, PCI_CAPABILITY_LIST, 1);
	for (int n = 0; n < 48; n++) {
		off &= 0xfc;	/* the two low bits are reserved */
		if (off < 0x40)
			return 0;
		if ((uint8_t)r->read(r->ctx, off, 1) == cap_id)
			return off;
		off = (uint8_t)r->read(r->ctx, (uint16_t)(off + 1), 1);
	}
	return 0;
}

bool pci_read_msix(const struct pci_cfg_reader *r, uint8_t cap, struct pci_msix_info *out)
{
	/* Capabilities are dword aligned; reads must be aligned to their width. */
	if (cap < 0x40 || cap > 0xf4 || (cap & 3))
		return false;
	uint16_t ctrl = (uint16_t)r->read(r->ctx, (uint16_t)(cap + PCI_MSIX_CTRL), 2);
	uint32_t table = r->read(r->ctx, (uint16_t)(cap + PCI_MSIX_TABLE), 4);
	uint32_t pba = r->read(r->ctx, (uint16_t)(cap + PCI_MSIX_PBA), 4);

	out->table_size = (ctrl & PCI_MSIX_CTRL_SIZE_MASK) + 1u;
	out->table_bir = table & PCI_MSIX_BIR_MASK;
	out->table_offset = table & ~(uint32_t)PCI_MSIX_BIR_MASK;
	out->pba_bir = pba & PCI_MSIX_BIR_MASK;
	out->pba_offset = pba & ~(uint32_t)PCI_MSIX_BIR_MASK;
	/* BIR 6 and 7 are reserved. */
	return out->table_bir <= 5 && out->pba_bir <= 5;
}
