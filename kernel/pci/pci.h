/*
 * kernel/pci/pci.h - PCI functions found at boot and their configuration space.
 */
#ifndef CAPROCK_PCI_H
#define CAPROCK_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/pci_decode.h"

#define PCI_MAX_DEVICES 128

struct pci_dev {
	uint16_t pd_segment;
	uint8_t pd_bus, pd_dev, pd_fn;
	uint16_t pd_vendor, pd_device;
	uint16_t pd_subsys_vendor, pd_subsys_id;
	uint8_t pd_class, pd_subclass, pd_prog_if, pd_revision;
	uint8_t pd_header_type;		/* PCI_HEADER_NORMAL or PCI_HEADER_BRIDGE */
	uint8_t pd_irq_line, pd_irq_pin;
	uint8_t pd_cap_msi, pd_cap_msix, pd_cap_pcie;	/* capability offsets, 0 if absent */
	struct pci_bar pd_bars[6];
	volatile uint8_t *pd_ecam;	/* this function's 4 KiB of ECAM, or NULL (port I/O) */
	bool pd_gone;			/* hot-removed: skipped by every lookup; its entry is never reused */
};

void pci_init(void);

/* The first function with the NVMe class triple, by enumeration order; NULL if none. */
struct pci_dev *pci_find_nvme(unsigned int nth);
/* The function at seg:bus:dev.fn, if enumeration found one. */
struct pci_dev *pci_find_bdf(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn);
/* The i-th function found (enumeration order), or NULL past the last. */
struct pci_dev *pci_device(unsigned int i);

/*
 * A slot of bus 0 got a device (ACPI hot-plug): probe its functions not
 * already known, with the same lines as at boot, and give their memory
 * BARs addresses (firmware assigned only what was there at boot).  Returns
 * how many functions were added.
 */
unsigned int pci_rescan_slot(uint8_t bus, uint8_t dev);
/* The device in that slot was ejected: its functions are gone. */
void pci_forget_slot(uint8_t bus, uint8_t dev);
/* Unassigned memory BARs of d get addresses (kernel/pci/pci_assign.c); 0 or an error (with a line). */
int pci_assign_bars(struct pci_dev *d);

uint32_t pci_cfg_read(const struct pci_dev *d, uint16_t off, unsigned width);
void pci_cfg_write(const struct pci_dev *d, uint16_t off, unsigned width, uint32_t v);
struct pci_cfg_reader pci_reader(const struct pci_dev *d);

/* Map len bytes of memory BAR bar uncached; NULL if it is not an assigned memory BAR. */
volatile uint8_t *pci_map_bar(const struct pci_dev *d, unsigned bar, uint64_t len);

/* Undo pci_map_bar. */
void pci_unmap_bar(volatile uint8_t *p, uint64_t len);

void pci_set_command_bits(const struct pci_dev *d, uint16_t set, uint16_t clear);

/* "0000:00:04.0" into buf (13 bytes). */
const char *pci_bdf(const struct pci_dev *d, char buf[16]);

#endif
