/*
 * lib/pci_decode.h - pure PCI logic: class matching, BAR decoding, the
 * capability list, MSI-X table location.  Everything reads configuration
 * space through a callback, so host tests run it on byte images.
 */
#ifndef CAPROCK_LIB_PCI_DECODE_H
#define CAPROCK_LIB_PCI_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* NVM Express: class 0x01 mass storage, subclass 0x08 NVM, prog-if 0x02 NVMe. */
#define PCI_CLASS_STORAGE	0x01
#define PCI_SUBCLASS_NVM	0x08
#define PCI_PROG_IF_NVME	0x02

bool pci_is_nvme(uint8_t class_code, uint8_t subclass, uint8_t prog_if);

enum pci_bar_kind {
	PCI_BAR_NONE,		/* unimplemented (sized to zero) */
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,
	PCI_BAR_MEM64_UPPER,	/* the high half of the previous BAR */
};

struct pci_bar {
	enum pci_bar_kind kind;
	bool prefetchable;
	uint64_t base;		/* 0: not assigned by firmware */
	uint64_t size;
};

/*
 * Decode a BAR from its original value(s) and the value(s) read back after
 * writing all ones.  hi/hi_probe are used for 64-bit memory BARs only.
 */
struct pci_bar pci_decode_bar(uint32_t lo, uint32_t lo_probe, uint32_t hi, uint32_t hi_probe);

/* Configuration reads, width 1, 2 or 4, offset aligned to width. */
struct pci_cfg_reader {
	uint32_t (*read)(void *ctx, uint16_t offset, unsigned width);
	void *ctx;
};

/*
 * Offset of the first capability with id cap_id, or 0.  The walk stops at
 * 48 entries (loops in broken devices), masks the two reserved low bits of
 * each pointer, and stops at a pointer below 0x40.
 */
uint8_t pci_find_capability(const struct pci_cfg_reader *r, uint8_t cap_id);

struct pci_msix_info {
	unsigned int table_size;	/* entries */
	uint8_t table_bir;
	uint32_t table_offset;
	uint8_t pba_bir;
	uint32_t pba_offset;
};

/* Read the MSI-X capability at cap; returns false if it is malformed. */
bool pci_read_msix(const struct pci_cfg_reader *r, uint8_t cap, struct pci_msix_info *out);

#endif
