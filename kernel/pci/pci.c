/*
 * kernel/pci/pci.c - configuration access (ECAM from the MCFG, else ports
 * 0xcf8/0xcfc) and enumeration of every bus.
 *
 * Enumeration probes every bus number the MCFG covers (or 0..255 without
 * one), which finds functions behind bridges and under extra host bridges
 * alike, whatever bus numbers firmware gave them.
 */
#include "kernel/pci/pci.h"

#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/core/log.h"
#include "lib/fmt.h"
#include "lib/pci_reg.h"

#define CF8_ADDRESS 0xcf8
#define CFC_DATA    0xcfc

static struct pci_dev devices[PCI_MAX_DEVICES];
static unsigned int ndevices;
static const char *access_method = "none";

static uint32_t legacy_read(const struct pci_dev *d, uint16_t off, unsigned width)
{
	outl(CF8_ADDRESS, 0x80000000u | ((uint32_t)d->pd_bus << 16) | ((uint32_t)d->pd_dev << 11) |
			  ((uint32_t)d->pd_fn << 8) | (off & 0xfc));
	switch (width) {
	case 1: return inb((uint16_t)(CFC_DATA + (off & 3)));
	case 2: return inw((uint16_t)(CFC_DATA + (off & 2)));
	default: return inl(CFC_DATA);
	}
}

static void legacy_write(const struct pci_dev *d, uint16_t off, unsigned width, uint32_t v)
{
	outl(CF8_ADDRESS, 0x80000000u | ((uint32_t)d->pd_bus << 16) | ((uint32_t)d->pd_dev << 11) |
			  ((uint32_t)d->pd_fn << 8) | (off & 0xfc));
	switch (width) {
	case 1: outb((uint16_t)(CFC_DATA + (off & 3)), (uint8_t)v); break;
	case 2: outw((uint16_t)(CFC_DATA + (off & 2)), (uint16_t)v); break;
	default: outl(CFC_DATA, v); break;
	}
}

uint32_t pci_cfg_read(const struct pci_dev *d, uint16_t off, unsigned width)
{
	if (!d->pd_ecam) {
		if (off >= PCI_CFG_SPACE_SIZE)
			return 0xffffffffu;
		return legacy_read(d, off, width);
	}
	switch (width) {
	case 1: return mmio_read8(d->pd_ecam + off);
	case 2: return mmio_read16(d->pd_ecam + off);
	default: return mmio_read32(d->pd_ecam + off);
	}
}

void pci_cfg_write(const struct pci_dev *d, uint16_t off, unsigned width, uint32_t v)
{
	if (!d->pd_ecam) {
		if (off < PCI_CFG_SPACE_SIZE)
			legacy_write(d, off, width, v);
		return;
	}
	switch (width) {
	case 1: mmio_write8(d->pd_ecam + off, (uint8_t)v); break;
	case 2: mmio_write16(d->pd_ecam + off, (uint16_t)v); break;
	default: mmio_write32(d->pd_ecam + off, v); break;
	}
}

static uint32_t reader_fn(void *ctx, uint16_t off, unsigned width)
{
	return pci_cfg_read(ctx, off, width);
}

struct pci_cfg_reader pci_reader(const struct pci_dev *d)
{
	return (struct pci_cfg_reader){ reader_fn, (void *)d };
}

const char *pci_bdf(const struct pci_dev *d, char buf[16])
{
	fmt_snprintf(buf, 16, "%04x:%02x:%02x.%x", d->pd_segment, d->pd_bus, d->pd_dev, d->pd_fn);
	return buf;
}

void pci_set_command_bits(const struct pci_dev *d, uint16_t set, uint16_t clear)
{
	uint16_t cmd = (uint16_t)pci_cfg_read(d, PCI_COMMAND, 2);

	pci_cfg_write(d, PCI_COMMAND, 2, (uint16_t)((cmd & ~clear) | set));
}

/* Size the BARs with decoding off, so the all-ones probe never claims addresses. */
static void size_bars(struct pci_dev *d)
{
	unsigned nbars = d->pd_header_type == PCI_HEADER_NORMAL ? 6 :
			 d->pd_header_type == PCI_HEADER_BRIDGE ? 2 : 0;
	uint16_t cmd = (uint16_t)pci_cfg_read(d, PCI_COMMAND, 2);

	pci_cfg_write(d, PCI_COMMAND, 2, cmd & (uint16_t)~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < nbars; i++) {
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
		uint32_t lo = pci_cfg_read(d, off, 4), hi = 0, hi_probe = 0;
		pci_cfg_write(d, off, 4, 0xffffffffu);
		uint32_t lo_probe = pci_cfg_read(d, off, 4);
		pci_cfg_write(d, off, 4, lo);
		bool is64 = !(lo & PCI_BAR_IO) && (lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64;
		if (is64 && i + 1 < nbars) {
			hi = pci_cfg_read(d, off + 4, 4);
			pci_cfg_write(d, off + 4, 4, 0xffffffffu);
			hi_probe = pci_cfg_read(d, off + 4, 4);
			pci_cfg_write(d, off + 4, 4, hi);
		}
		d->pd_bars[i] = pci_decode_bar(lo, lo_probe, hi, hi_probe);
		if (is64 && i + 1 < nbars)
			d->pd_bars[++i].kind = PCI_BAR_MEM64_UPPER;
	}
	pci_cfg_write(d, PCI_COMMAND, 2, cmd);
}

static bool probe_function(uint16_t seg, volatile uint8_t *ecam_bus0, uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct pci_dev probe = { .pd_segment = seg, .pd_bus = bus, .pd_dev = dev, .pd_fn = fn };

	if (ecam_bus0)
		probe.pd_ecam = ecam_bus0 + (((uint64_t)bus << 20) | ((uint64_t)dev << 15) | ((uint64_t)fn << 12));
	if ((pci_cfg_read(&probe, PCI_VENDOR_ID, 2) & 0xffff) == 0xffff)
		return false;
	if (ndevices == PCI_MAX_DEVICES) {
		kerror("pci: error more than %d functions; %02x:%02x.%x ignored", PCI_MAX_DEVICES, bus, dev, fn);
		return false;
	}
	struct pci_dev *d = &devices[ndevices++];
	*d = probe;
	d->pd_vendor = (uint16_t)pci_cfg_read(d, PCI_VENDOR_ID, 2);
	d->pd_device = (uint16_t)pci_cfg_read(d, PCI_DEVICE_ID, 2);
	d->pd_revision = (uint8_t)pci_cfg_read(d, PCI_REVISION_ID, 1);
	d->pd_prog_if = (uint8_t)pci_cfg_read(d, PCI_PROG_IF, 1);
	d->pd_subclass = (uint8_t)pci_cfg_read(d, PCI_SUBCLASS, 1);
	d->pd_class = (uint8_t)pci_cfg_read(d, PCI_CLASS, 1);
	d->pd_header_type = (uint8_t)pci_cfg_read(d, PCI_HEADER_TYPE, 1) & PCI_HEADER_TYPE_MASK;
	d->pd_irq_line = (uint8_t)pci_cfg_read(d, PCI_INTERRUPT_LINE, 1);
	d->pd_irq_pin = (uint8_t)pci_cfg_read(d, PCI_INTERRUPT_PIN, 1);
	if (d->pd_header_type == PCI_HEADER_NORMAL) {
		d->pd_subsys_vendor = (uint16_t)pci_cfg_read(d, PCI_SUBSYSTEM_VENDOR_ID, 2);
		d->pd_subsys_id = (uint16_t)pci_cfg_read(d, PCI_SUBSYSTEM_ID, 2);
	}
	struct pci_cfg_reader r = pci_reader(d);
	d->pd_cap_msi = pci_find_capability(&r, PCI_CAP_ID_MSI);
	d->pd_cap_msix = pci_find_capability(&r, PCI_CAP_ID_MSIX);
	d->pd_cap_pcie = pci_find_capability(&r, PCI_CAP_ID_PCIE);
	size_bars(d);

	char bdf[16];
	kprintf("pci: device bdf=%s vendor=0x%04x device=0x%04x class=0x%02x subclass=0x%02x prog_if=0x%02x header=%u msi=%s msix=%s pcie=%s",
		pci_bdf(d, bdf), d->pd_vendor, d->pd_device, d->pd_class, d->pd_subclass, d->pd_prog_if,
		d->pd_header_type, d->pd_cap_msi ? "yes" : "no", d->pd_cap_msix ? "yes" : "no",
		d->pd_cap_pcie ? "yes" : "no");
	if (pci_is_nvme(d->pd_class, d->pd_subclass, d->pd_prog_if))
		kprintf("pci: nvme controller bdf=%s vendor=0x%04x device=0x%04x class=0x%02x subclass=0x%02x prog_if=0x%02x",
			bdf, d->pd_vendor, d->pd_device, d->pd_class, d->pd_subclass, d->pd_prog_if);
	return true;
}

static void scan_bus(uint16_t seg, volatile uint8_t *ecam_bus0, uint8_t bus)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		struct pci_dev probe = { .pd_segment = seg, .pd_bus = bus, .pd_dev = dev };
		if (ecam_bus0)
			probe.pd_ecam = ecam_bus0 + (((uint64_t)bus << 20) | ((uint64_t)dev << 15));
		if ((pci_cfg_read(&probe, PCI_VENDOR_ID, 2) & 0xffff) == 0xffff)
			continue;
		bool multi = pci_cfg_read(&probe, PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTIFUNCTION;
		for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
			probe_function(seg, ecam_bus0, bus, dev, fn);
	}
}

void pci_init(void)
{
	unsigned mapped = 0;

	for (unsigned s = 0; acpi.have_mcfg && s < acpi.mcfg.nsegments; s++) {
		uint64_t base = acpi.mcfg.segments[s].base;
		uint8_t start = acpi.mcfg.segments[s].start_bus, end = acpi.mcfg.segments[s].end_bus;
		uint64_t first = base + ((uint64_t)start << 20);
		volatile uint8_t *win = mmio_map(first, ((uint64_t)(end - start) + 1) << 20);
		if (!win) {
			kerror("pci: error cannot map ecam segment=%u base=0x%lx", acpi.mcfg.segments[s].segment, base);
			continue;
		}
		/* Index the window as if it started at bus 0, as the MCFG base does. */
		volatile uint8_t *bus0 = win - ((uint64_t)start << 20);
		mapped++;
		for (unsigned bus = start; bus <= end; bus++)
			scan_bus(acpi.mcfg.segments[s].segment, bus0, (uint8_t)bus);
	}
	if (mapped) {
		access_method = "ecam";
	} else {
		access_method = "port-io";
		for (unsigned bus = 0; bus < 256; bus++)
			scan_bus(0, NULL, (uint8_t)bus);
	}
	kprintf("pci: enumeration complete access=%s functions=%u", access_method, ndevices);
}


struct pci_dev *pci_find_nvme(unsigned int nth)
{
	for (unsigned i = 0; i < ndevices; i++) {
		if (!devices[i].pd_gone && pci_is_nvme(devices[i].pd_class, devices[i].pd_subclass, devices[i].pd_prog_if) &&
		    nth-- == 0)
			return &devices[i];
	}
	return NULL;
}

struct pci_dev *pci_find_bdf(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (unsigned i = 0; i < ndevices; i++) {
		struct pci_dev *d = &devices[i];
		if (!d->pd_gone && d->pd_segment == seg && d->pd_bus == bus && d->pd_dev == dev && d->pd_fn == fn)
			return d;
	}
	return NULL;
}

/*
 * Hot-plug (pc only: bus 0 through ports 0xcf8/0xcfc, or the ECAM window
 * mapped at boot).  Known functions are skipped; new ones are appended,
 * so a pointer to a gone function stays valid (its state may be kept).
 */
unsigned int pci_rescan_slot(uint8_t bus, uint8_t dev)
{
	volatile uint8_t *bus0 = NULL;
	unsigned int added = 0;

	if (ndevices && devices[0].pd_ecam)
		bus0 = devices[0].pd_ecam - (((uint64_t)devices[0].pd_bus << 20) | ((uint64_t)devices[0].pd_dev << 15) |
					     ((uint64_t)devices[0].pd_fn << 12));
	struct pci_dev probe = { .pd_bus = bus, .pd_dev = dev, .pd_ecam = bus0 ? bus0 + ((uint64_t)bus << 20 | (uint64_t)dev << 15) : NULL };
	if ((pci_cfg_read(&probe, PCI_VENDOR_ID, 2) & 0xffff) == 0xffff)
		return 0;
	bool multi = pci_cfg_read(&probe, PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTIFUNCTION;
	for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++) {
		if (pci_find_bdf(0, bus, dev, fn) || !probe_function(0, bus0, bus, dev, fn))
			continue;
		if (pci_assign_bars(&devices[ndevices - 1]) == 0)
			added++;
		else
			devices[ndevices - 1].pd_gone = true;	/* cannot be driven without its BARs */
	}
	return added;
}

void pci_forget_slot(uint8_t bus, uint8_t dev)
{
	for (unsigned i = 0; i < ndevices; i++) {
		if (devices[i].pd_bus == bus && devices[i].pd_dev == dev)
			devices[i].pd_gone = true;
	}
}

struct pci_dev *pci_device(unsigned int i)
{
	return i < ndevices ? &devices[i] : NULL;
}

void pci_unmap_bar(volatile uint8_t *p, uint64_t len)
{
	if (p)
		mmio_unmap(p, len);
}

volatile uint8_t *pci_map_bar(const struct pci_dev *d, unsigned bar, uint64_t len)
{
	if (bar >= 6)
		return NULL;
	const struct pci_bar *b = &d->pd_bars[bar];
	if ((b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) || !b->base || len > b->size)
		return NULL;
	return (volatile uint8_t *)mmio_map(b->base, len);
}
