/*
 * kernel/pci/msi.c - MSI-X table programming (PCI 3.0 §6.8.2), MSI, INTx.
 *
 * Messages target the boot CPU's local APIC in physical destination mode
 * with fixed delivery, edge triggered (Intel SDM Vol. 3A §11.11).  Where
 * an IOMMU remaps the device's interrupts, each message is in remappable
 * format instead and names an entry that holds exactly that (VT-d 3.3
 * §5.1.5.2; kernel/iommu/irq_remap.h): the device gets entries only for
 * the vectors it was given.  The MSI-X table is the manager's: it lies in
 * a BAR the provider never maps.
 */
#include "kernel/pci/msi.h"

#include "include/abi/errors.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/ioapic.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/core/log.h"
#include "kernel/pci/intx.h"
#include "lib/apic_mode.h"
#include "lib/pci_reg.h"

const char *irq_kind_name(enum irq_kind k)
{
	switch (k) {
	case IRQ_KIND_MSIX:	return "msix";
	case IRQ_KIND_MSI:	return "msi";
	case IRQ_KIND_INTX:	return "intx";
	}
	return "none";
}

/*
 * The message for vector i of s: remappable where d's IOMMU remaps
 * interrupts, else compatibility format with the boot CPU's APIC id in
 * the 8-bit destination field.  A larger id (x2APIC on large instances)
 * cannot be named that way: refuse loudly rather than truncate the id.
 */
static int message(const struct pci_dev *d, struct pci_irq_set *s, unsigned i, uint32_t *addr, uint32_t *data)
{
	uint32_t id = lapic_id();
	int err = irq_remap_msi(d, s->pi_cpu_vector[i], addr, data, &s->pi_remap[i]);

	if (err != CR_ENOENT)
		return err;
	if (!apic_dest_reachable_8bit(id)) {
		kerror("msi: error destination apic_id=%u not reachable by an 8-bit MSI destination "
		       "(no interrupt remapping)", id);
		return CR_ERANGE;
	}
	*addr = MSI_ADDR_BASE | (id << MSI_ADDR_DEST_SHIFT);
	*data = s->pi_cpu_vector[i];
	return 0;
}

static void free_vectors(struct pci_irq_set *s)
{
	for (unsigned i = 0; i < s->pi_count; i++) {
		irq_remap_free(&s->pi_remap[i]);
		irq_free_vector(s->pi_cpu_vector[i]);
	}
	s->pi_count = 0;
}

static int alloc_vectors(unsigned n, irq_handler_fn handler, void *const *ctx, struct pci_irq_set *s)
{
	for (unsigned i = 0; i < n; i++) {
		int v = irq_alloc_vector(handler, ctx[i]);
		if (v < 0) {
			while (i--)
				irq_free_vector(s->pi_cpu_vector[i]);
			return v;
		}
		s->pi_cpu_vector[i] = (uint8_t)v;
		s->pi_remap[i] = IRQ_REMAP_NONE;
	}
	s->pi_count = n;
	return 0;
}

static int setup_msix(struct pci_dev *d, unsigned want, irq_handler_fn handler, void *const *ctx,
		      struct pci_irq_set *s)
{
	struct pci_msix_info mi;
	struct pci_cfg_reader r = pci_reader(d);
	uint16_t cap = d->pd_cap_msix;

	if (!pci_read_msix(&r, (uint8_t)cap, &mi))
		return CR_EPROTO;
	const struct pci_bar *bar = &d->pd_bars[mi.table_bir];
	uint64_t table_bytes = (uint64_t)mi.table_size * PCI_MSIX_ENTRY_SIZE;
	if ((bar->kind != PCI_BAR_MEM32 && bar->kind != PCI_BAR_MEM64) || !bar->base ||
	    mi.table_offset + table_bytes > bar->size)
		return CR_EPROTO;
	uint32_t addr[PCI_IRQ_MAX_VECTORS], data[PCI_IRQ_MAX_VECTORS];
	s->pi_msix_table = (volatile uint8_t *)mmio_map(bar->base + mi.table_offset, table_bytes);
	if (!s->pi_msix_table)
		return CR_ENOMEM;
	unsigned n = want < mi.table_size ? want : mi.table_size;
	int err = alloc_vectors(n, handler, ctx, s);
	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		if ((err = message(d, s, i, &addr[i], &data[i])) < 0) {
			free_vectors(s);
			return err;
		}
		s->pi_msg_addr[i] = addr[i];
		s->pi_msg_data[i] = data[i];
	}

	uint16_t ctrl = (uint16_t)pci_cfg_read(d, (uint16_t)(cap + PCI_MSIX_CTRL), 2);
	/* Function mask on while the table changes; every entry masked, then ours opened. */
	pci_cfg_write(d, (uint16_t)(cap + PCI_MSIX_CTRL), 2, ctrl | PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_FUNC_MASK);
	for (unsigned i = 0; i < mi.table_size; i++) {
		volatile uint8_t *e = s->pi_msix_table + i * PCI_MSIX_ENTRY_SIZE;
		mmio_write32(e + PCI_MSIX_ENTRY_CTRL, PCI_MSIX_ENTRY_MASKED);
		if (i < n) {
			mmio_write32(e + PCI_MSIX_ENTRY_ADDR_LO, addr[i]);
			mmio_write32(e + PCI_MSIX_ENTRY_ADDR_HI, 0);
			mmio_write32(e + PCI_MSIX_ENTRY_DATA, data[i]);
			mmio_write32(e + PCI_MSIX_ENTRY_CTRL, 0);
		}
	}
	pci_cfg_write(d, (uint16_t)(cap + PCI_MSIX_CTRL), 2,
		      (ctrl | PCI_MSIX_CTRL_ENABLE) & (uint16_t)~PCI_MSIX_CTRL_FUNC_MASK);
	s->pi_kind = IRQ_KIND_MSIX;
	return 0;
}

static int setup_msi(struct pci_dev *d, irq_handler_fn handler, void *const *ctx, struct pci_irq_set *s)
{
	uint16_t cap = d->pd_cap_msi;
	uint16_t ctrl = (uint16_t)pci_cfg_read(d, (uint16_t)(cap + PCI_MSI_CTRL), 2);
	uint32_t addr, data;
	int err = alloc_vectors(1, handler, ctx, s);

	if (err)
		return err;
	if ((err = message(d, s, 0, &addr, &data)) < 0) {
		free_vectors(s);
		return err;
	}
	s->pi_msg_addr[0] = addr;
	s->pi_msg_data[0] = data;
	bool is64 = ctrl & PCI_MSI_CTRL_64BIT;
	pci_cfg_write(d, (uint16_t)(cap + PCI_MSI_ADDR_LO), 4, addr);
	if (is64)
		pci_cfg_write(d, (uint16_t)(cap + PCI_MSI_ADDR_HI), 4, 0);
	pci_cfg_write(d, (uint16_t)(cap + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32)), 2, data);
	if (ctrl & PCI_MSI_CTRL_PVM)
		pci_cfg_write(d, (uint16_t)(cap + (is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32)), 4, 0);
	/* One message (MME = 0), enabled. */
	ctrl &= (uint16_t)~(7u << PCI_MSI_CTRL_MME_SHIFT);
	pci_cfg_write(d, (uint16_t)(cap + PCI_MSI_CTRL), 2, ctrl | PCI_MSI_CTRL_ENABLE);
	s->pi_kind = IRQ_KIND_MSI;
	return 0;
}

/*
 * INTx: without an AML interpreter there is no _PRT, so the GSI is the
 * Interrupt Line firmware programmed (an ISA IRQ, mapped through the MADT
 * overrides).  QEMU's chipsets drive that I/O APIC pin, level triggered,
 * and functions share pins: the line is kernel/pci/intx.c's.
 */
static int setup_intx(struct pci_dev *d, irq_handler_fn handler, void *const *ctx, struct pci_irq_set *s)
{
	bool level, low;

	if (d->pd_irq_pin == 0 || d->pd_irq_line == 0 || d->pd_irq_line == 0xff)
		return CR_ENODEV;
	s->pi_gsi = ioapic_isa_gsi(d->pd_irq_line, &level, &low);
	if (intx_attach(s->pi_gsi, handler, ctx[0], &s->pi_cpu_vector[0]) < 0)
		return CR_ENODEV;
	s->pi_remap[0] = IRQ_REMAP_NONE;
	s->pi_count = 1;
	s->pi_intx_handler = handler;
	s->pi_intx_ctx = ctx[0];
	pci_set_command_bits(d, 0, PCI_COMMAND_INTX_DISABLE);
	s->pi_kind = IRQ_KIND_INTX;
	return 0;
}

int pci_irq_setup(struct pci_dev *d, unsigned int want, unsigned int allow, irq_handler_fn handler,
		  void *const *ctx, struct pci_irq_set *out)
{
	int err = CR_ENODEV;

	*out = (struct pci_irq_set){ 0 };
	if (!allow)
		allow = PCI_IRQ_ALLOW_MSIX | PCI_IRQ_ALLOW_MSI | PCI_IRQ_ALLOW_INTX;
	if (want > PCI_IRQ_MAX_VECTORS)
		want = PCI_IRQ_MAX_VECTORS;
	if ((allow & PCI_IRQ_ALLOW_MSIX) && d->pd_cap_msix && (err = setup_msix(d, want, handler, ctx, out)) == 0)
		goto msg;
	if ((allow & PCI_IRQ_ALLOW_MSI) && d->pd_cap_msi && (err = setup_msi(d, handler, ctx, out)) == 0)
		goto msg;
	if ((allow & PCI_IRQ_ALLOW_INTX) && (err = setup_intx(d, handler, ctx, out)) == 0)
		return 0;
	return err;
msg:
	pci_set_command_bits(d, PCI_COMMAND_INTX_DISABLE, 0);
	return 0;
}

void pci_irq_teardown(struct pci_dev *d, struct pci_irq_set *s)
{
	if (s->pi_kind == IRQ_KIND_MSIX) {
		for (unsigned i = 0; i < s->pi_count; i++)
			mmio_write32(s->pi_msix_table + i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL,
				     PCI_MSIX_ENTRY_MASKED);
		uint16_t ctrl = (uint16_t)pci_cfg_read(d, (uint16_t)(d->pd_cap_msix + PCI_MSIX_CTRL), 2);
		pci_cfg_write(d, (uint16_t)(d->pd_cap_msix + PCI_MSIX_CTRL), 2, ctrl & (uint16_t)~PCI_MSIX_CTRL_ENABLE);
	} else if (s->pi_kind == IRQ_KIND_MSI) {
		uint16_t ctrl = (uint16_t)pci_cfg_read(d, (uint16_t)(d->pd_cap_msi + PCI_MSI_CTRL), 2);
		pci_cfg_write(d, (uint16_t)(d->pd_cap_msi + PCI_MSI_CTRL), 2, ctrl & (uint16_t)~PCI_MSI_CTRL_ENABLE);
	} else if (s->pi_kind == IRQ_KIND_INTX) {
		pci_set_command_bits(d, PCI_COMMAND_INTX_DISABLE, 0);	/* this function's line, whoever else shares the pin */
		intx_detach(s->pi_gsi, s->pi_intx_handler, s->pi_intx_ctx);
		s->pi_count = 0;	/* the vector was the line's */
		return;
	}
	free_vectors(s);
}

int pci_irq_retarget(struct pci_dev *d, struct pci_irq_set *s, uint32_t apic_id)
{
	if (s->pi_kind == IRQ_KIND_INTX)
		return CR_ENOSYS;	/* the pin stays with the boot CPU: the I/O APIC entry is shared */
	for (unsigned i = 0; i < s->pi_count; i++) {
		if (s->pi_remap[i].ir_unit >= 0) {
			int err = irq_remap_retarget(&s->pi_remap[i], apic_id);
			if (err < 0)
				return err;
			continue;
		}
		if (!apic_dest_reachable_8bit(apic_id))
			return CR_ERANGE;	/* compatibility format names 8-bit ids only */
		uint32_t addr = MSI_ADDR_BASE | (apic_id << MSI_ADDR_DEST_SHIFT);
		s->pi_msg_addr[i] = addr;
		if (s->pi_kind == IRQ_KIND_MSIX) {
			/* Masked while the address changes: a message is sent whole to the old or the new CPU. */
			volatile uint8_t *e = s->pi_msix_table + i * PCI_MSIX_ENTRY_SIZE;
			mmio_write32(e + PCI_MSIX_ENTRY_CTRL, PCI_MSIX_ENTRY_MASKED);
			mmio_write32(e + PCI_MSIX_ENTRY_ADDR_LO, addr);
			mmio_write32(e + PCI_MSIX_ENTRY_CTRL, 0);
		} else {
			pci_cfg_write(d, (uint16_t)(d->pd_cap_msi + PCI_MSI_ADDR_LO), 4, addr);
		}
	}
	return 0;
}

void pci_irq_restore(struct pci_dev *d, const struct pci_irq_set *s)
{
	if (s->pi_kind == IRQ_KIND_MSIX) {
		uint16_t cap = d->pd_cap_msix;
		uint16_t ctrl = (uint16_t)pci_cfg_read(d, (uint16_t)(cap + PCI_MSIX_CTRL), 2);
		pci_cfg_write(d, (uint16_t)(cap + PCI_MSIX_CTRL), 2, ctrl | PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_FUNC_MASK);
		for (unsigned i = 0; i < s->pi_count; i++) {
			volatile uint8_t *e = s->pi_msix_table + i * PCI_MSIX_ENTRY_SIZE;
			mmio_write32(e + PCI_MSIX_ENTRY_CTRL, PCI_MSIX_ENTRY_MASKED);
			mmio_write32(e + PCI_MSIX_ENTRY_ADDR_LO, s->pi_msg_addr[i]);
			mmio_write32(e + PCI_MSIX_ENTRY_ADDR_HI, 0);
			mmio_write32(e + PCI_MSIX_ENTRY_DATA, s->pi_msg_data[i]);
			mmio_write32(e + PCI_MSIX_ENTRY_CTRL, 0);
		}
		pci_cfg_write(d, (uint16_t)(cap + PCI_MSIX_CTRL), 2,
			      (ctrl | PCI_MSIX_CTRL_ENABLE) & (uint16_t)~PCI_MSIX_CTRL_FUNC_MASK);
	} else if (s->pi_kind == IRQ_KIND_MSI) {
		uint16_t cap = d->pd_cap_msi;
		uint16_t ctrl = (uint16_t)pci_cfg_read(d, (uint16_t)(cap + PCI_MSI_CTRL), 2);
		bool is64 = ctrl & PCI_MSI_CTRL_64BIT;
		pci_cfg_write(d, (uint16_t)(cap + PCI_MSI_ADDR_LO), 4, s->pi_msg_addr[0]);
		if (is64)
			pci_cfg_write(d, (uint16_t)(cap + PCI_MSI_ADDR_HI), 4, 0);
		pci_cfg_write(d, (uint16_t)(cap + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32)), 2, s->pi_msg_data[0]);
		ctrl &= (uint16_t)~(7u << PCI_MSI_CTRL_MME_SHIFT);
		pci_cfg_write(d, (uint16_t)(cap + PCI_MSI_CTRL), 2, ctrl | PCI_MSI_CTRL_ENABLE);
	}
	/* INTx: the command register's restore (pci_restore_config) cleared its disable bit again. */
}
