/*
 * kernel/pci/pcie_hotplug.c - polled PCIe native hot-plug slots (see
 * pcie_hotplug.h).
 *
 * Each poll reads Slot Status once and writes back exactly the change bits
 * it saw (write 1 to clear), so a change that lands between the two is
 * seen on the next poll.  Presence is compared with what the last poll
 * saw, so an arrival and a departure are each reported once.
 */
#include "kernel/pci/pcie_hotplug.h"

#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/pci/pci.h"
#include "lib/fmt.h"
#include "lib/pci_reg.h"

#define PCIE_HP_MAX_SLOTS	32

struct pcie_slot {
	struct pci_dev *ps_port;
	uint16_t ps_cap;		/* the port's PCI Express capability */
	uint8_t ps_bus;			/* its secondary bus */
	bool ps_present;		/* Presence Detect State at the last poll */
	bool ps_removing;		/* the attention button asked; reported once */
};

static struct pcie_slot slots[PCIE_HP_MAX_SLOTS];
static unsigned int nslots;

static uint16_t sltsta(const struct pcie_slot *s)
{
	return (uint16_t)pci_cfg_read(s->ps_port, (uint16_t)(s->ps_cap + PCIE_SLTSTA), 2);
}

int pcie_hotplug_init(void)
{
	char bdf[16], list[96] = "";
	size_t used = 0;

	for (unsigned i = 0; pci_device(i) && nslots < PCIE_HP_MAX_SLOTS; i++) {
		struct pci_dev *d = pci_device(i);
		if (d->pd_gone || d->pd_header_type != PCI_HEADER_BRIDGE || !d->pd_cap_pcie)
			continue;
		uint16_t caps = (uint16_t)pci_cfg_read(d, (uint16_t)(d->pd_cap_pcie + PCIE_CAPS), 2);
		uint32_t sltcap = pci_cfg_read(d, (uint16_t)(d->pd_cap_pcie + PCIE_SLTCAP), 4);
		uint8_t type = PCIE_CAPS_TYPE(caps);
		if ((type != PCIE_TYPE_ROOT_PORT && type != PCIE_TYPE_DOWNSTREAM) || !(caps & PCIE_CAPS_SLOT) ||
		    !(sltcap & PCIE_SLTCAP_HPC))
			continue;
		struct pcie_slot *s = &slots[nslots++];
		*s = (struct pcie_slot){ d, d->pd_cap_pcie, (uint8_t)pci_cfg_read(d, PCI_SECONDARY_BUS, 1), false, false };
		uint16_t sts = sltsta(s);
		s->ps_present = sts & PCIE_SLTSTA_PDS;
		pci_cfg_write(d, (uint16_t)(s->ps_cap + PCIE_SLTSTA), 2,
			      sts & (PCIE_SLTSTA_ABP | PCIE_SLTSTA_PDC | PCIE_SLTSTA_DLLSC));	/* nothing stale */
		if (used + 24 < sizeof(list))
			used += (size_t)fmt_snprintf(list + used, sizeof(list) - used, "%s%s:bus%u", used ? "," : "",
						     pci_bdf(d, bdf), s->ps_bus);
	}
	if (!nslots) {
		kprintf("pcie: hotplug unavailable reason=no-hot-plug-capable-slot");
		return CR_ENODEV;
	}
	kprintf("pcie: hotplug ready slots=%u kind=native signal=polled-from-tick ports=%s", nslots, list);
	return 0;
}

unsigned int pcie_hotplug_poll(struct pcie_hp_event *ev, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned i = 0; i < nslots && n + 2 <= max; i++) {
		struct pcie_slot *s = &slots[i];
		uint16_t sts = sltsta(s);
		uint16_t changed = sts & (PCIE_SLTSTA_ABP | PCIE_SLTSTA_PDC | PCIE_SLTSTA_DLLSC);
		if (sts == 0xffff || !changed)
			continue;
		pci_cfg_write(s->ps_port, (uint16_t)(s->ps_cap + PCIE_SLTSTA), 2, changed);
		bool present = sts & PCIE_SLTSTA_PDS;
		char bdf[16];
		unsigned first = n;
		/*
		 * Presence changed but reads as before: it went and came back between two
		 * looks (a device_add at once after the last one's removal).  Whatever was
		 * there is gone, and what is there now is new.
		 */
		if (present && s->ps_present && (changed & PCIE_SLTSTA_PDC)) {
			ev[n++] = (struct pcie_hp_event){ s->ps_bus, PCIE_HP_GONE };
			s->ps_present = false;
		}
		if (present && !s->ps_present) {
			s->ps_removing = false;
			uint16_t ctl = (uint16_t)pci_cfg_read(s->ps_port, (uint16_t)(s->ps_cap + PCIE_SLTCTL), 2);
			if (ctl & PCIE_SLTCTL_PCC)	/* we powered it off for the last device: on again */
				pci_cfg_write(s->ps_port, (uint16_t)(s->ps_cap + PCIE_SLTCTL), 2,
					      (uint16_t)((ctl & ~(PCIE_SLTCTL_PCC | PCIE_SLTCTL_PIC_MASK)) | PCIE_SLTCTL_PIC_ON));
			ev[n++] = (struct pcie_hp_event){ s->ps_bus, PCIE_HP_ATTACH };
		} else if (!present && s->ps_present) {
			ev[n++] = (struct pcie_hp_event){ s->ps_bus, PCIE_HP_GONE };
		} else if (present && (changed & PCIE_SLTSTA_ABP) && !s->ps_removing) {
			s->ps_removing = true;
			ev[n++] = (struct pcie_hp_event){ s->ps_bus, PCIE_HP_DETACH };
		}
		s->ps_present = present;
		for (unsigned e = first; e < n; e++)
			kprintf("pcie: hotplug event port=%s bus=%u kind=%s slot_status=0x%04x", pci_bdf(s->ps_port, bdf),
				s->ps_bus, ev[e].he_kind == PCIE_HP_ATTACH ? "attach" :
				ev[e].he_kind == PCIE_HP_DETACH ? "detach" : "gone", sts);
	}
	return n;
}

bool pcie_hotplug_power_off(uint8_t bus)
{
	for (unsigned i = 0; i < nslots; i++) {
		struct pcie_slot *s = &slots[i];
		if (s->ps_bus != bus)
			continue;
		uint16_t ctl = (uint16_t)pci_cfg_read(s->ps_port, (uint16_t)(s->ps_cap + PCIE_SLTCTL), 2);
		pci_cfg_write(s->ps_port, (uint16_t)(s->ps_cap + PCIE_SLTCTL), 2,
			      (uint16_t)((ctl & ~PCIE_SLTCTL_PIC_MASK) | PCIE_SLTCTL_PCC | PCIE_SLTCTL_PIC_OFF));
		return true;
	}
	return false;
}
