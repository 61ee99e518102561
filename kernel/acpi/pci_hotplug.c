/*
 * kernel/acpi/pci_hotplug.c - QEMU's ACPI PCI hot-plug registers, read
 * from the SCI (see pci_hotplug.h; QEMU docs/specs/acpi_pci_hotplug.rst).
 *
 * Registers (4 bytes each, one bit per slot of the selected bus):
 *   +0x00 PCI_UP    slots with a device injected (QEMU clears it on read
 *                   unless the machine is a legacy PIIX one: then it stays)
 *   +0x04 PCI_DOWN  slots whose device should be removed (until ejected)
 *   +0x08 PCI_EJ    write: eject the slots whose bits are set
 *   +0x0c PCI_RMV   slots that may be hot-unplugged
 *   +0x10 PCI_SEL   the bus the others speak of (0: the root bus)
 * Both a stale UP (legacy) and a DOWN already being handled are the
 * consumer's to ignore: it knows which slots it has bound or is removing.
 */
#include "kernel/acpi/pci_hotplug.h"

#include "include/abi/errors.h"
#include "kernel/acpi/power_button.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/log.h"
#include "kernel/pci/pci.h"

#define PCIHP_UP	0x00
#define PCIHP_DOWN	0x04
#define PCIHP_EJ	0x08
#define PCIHP_RMV	0x0c
#define PCIHP_SEL	0x10
#define PCIHP_GPE_BIT	1		/* QEMU's ACPI_PCI_HOTPLUG_STATUS: GPE0 bit 1, _E01 */

static const struct {
	uint16_t vendor, device;	/* the function that owns the ACPI PM block */
	uint16_t port;
	const char *name;
} chipsets[] = {
	{ 0x8086, 0x7113, 0xae00, "piix4" },	/* PIIX4 PM: QEMU's pc, Nitro's chipset */
	{ 0x8086, 0x2918, 0x0cc4, "ich9" },	/* ICH9 LPC: QEMU's q35 */
};

static struct {
	bool ready;
	uint16_t port;
	uint32_t up, down;		/* pending: set by the SCI, taken by the tick */
	unsigned int events;
} hp;

static void gpe(void *ctx)
{
	(void)ctx;
	outl(hp.port + PCIHP_SEL, 0);
	uint32_t up = inl(hp.port + PCIHP_UP), down = inl(hp.port + PCIHP_DOWN);

	hp.events++;
	__atomic_fetch_or(&hp.up, up, __ATOMIC_RELAXED);
	__atomic_fetch_or(&hp.down, down, __ATOMIC_RELAXED);
}

int pci_hotplug_init(void)
{
	const char *chip = NULL;
	int rc;

	for (unsigned i = 0; pci_device(i) && !chip; i++) {
		for (unsigned k = 0; k < sizeof(chipsets) / sizeof(chipsets[0]); k++) {
			if (pci_device(i)->pd_vendor == chipsets[k].vendor && pci_device(i)->pd_device == chipsets[k].device) {
				chip = chipsets[k].name;
				hp.port = chipsets[k].port;
			}
		}
	}
	if (!chip) {
		kprintf("acpi: pci hotplug unavailable reason=unknown-chipset");
		return CR_ENODEV;
	}
	if (hp.port != 0xae00) {
		/* q35: devices hot-plug behind root ports, whose buses have bus selects of their own: not done. */
		kprintf("acpi: pci hotplug unavailable reason=root-port-buses-not-supported chipset=%s io=0x%x native=see-pcie", chip,
			hp.port);
		return CR_ENOSYS;
	}
	/* Present only if the bus select reads back (an absent block reads all ones). */
	outl(hp.port + PCIHP_SEL, 0);
	uint32_t sel = inl(hp.port + PCIHP_SEL), rmv = inl(hp.port + PCIHP_RMV);
	if (sel != 0 || rmv == 0xffffffffu) {
		kprintf("acpi: pci hotplug unavailable reason=no-register-block chipset=%s io=0x%x sel=0x%x", chip, hp.port,
			sel);
		return CR_ENODEV;
	}
	if ((rc = acpi_gpe0_handle(PCIHP_GPE_BIT, gpe, NULL)) < 0) {
		kprintf("acpi: pci hotplug unavailable reason=%s chipset=%s io=0x%x",
			rc == CR_ENODEV ? "no-gpe0-or-sci" : "gpe-taken", chip, hp.port);
		return rc;
	}
	hp.ready = true;
	kprintf("acpi: pci hotplug ready chipset=%s io=0x%x gpe=%u bus=0 removable=0x%08x interface=qemu-acpiphp aml=none",
		chip, hp.port, PCIHP_GPE_BIT, rmv);
	return 0;
}

bool pci_hotplug_available(void)
{
	return hp.ready;
}

void pci_hotplug_take(uint32_t *up, uint32_t *down)
{
	*up = __atomic_exchange_n(&hp.up, 0, __ATOMIC_RELAXED);
	*down = __atomic_exchange_n(&hp.down, 0, __ATOMIC_RELAXED);
}

void pci_hotplug_eject(unsigned int slot)
{
	outl(hp.port + PCIHP_SEL, 0);
	outl(hp.port + PCIHP_EJ, 1u << slot);
}
