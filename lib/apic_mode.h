/*
 * lib/apic_mode.h - which local APIC interface and timer to use, and which
 * destinations an interrupt message can name.
 *
 * Intel SDM Vol. 3A §11.12 (x2APIC: 32-bit ids, MSR interface; once firmware
 * has switched a CPU to x2APIC it cannot go back to xAPIC without a reset of
 * the APIC state), §11.5.4.1 (TSC-deadline timer, CPUID.01H:ECX[24]),
 * §11.11.1 (MSI address: an 8-bit destination id, 0xff broadcast) and the
 * 82093AA I/O APIC datasheet (8-bit physical destination).  VT-d §8.1: the
 * DMAR table may ask the OS not to enable x2APIC (X2APIC_OPT_OUT).
 */
#ifndef CAPROCK_LIB_APIC_MODE_H
#define CAPROCK_LIB_APIC_MODE_H

#include <stdbool.h>
#include <stdint.h>

enum apic_mode {
	APIC_MODE_XAPIC,	/* MMIO registers, 8-bit ids */
	APIC_MODE_X2APIC,	/* MSRs 0x800.., 32-bit ids */
};

enum apic_timer_mode {
	APIC_TIMER_PERIODIC,	/* counts down from a calibrated initial count */
	APIC_TIMER_TSC_DEADLINE,	/* fires when the TSC reaches IA32_TSC_DEADLINE */
};

/* The highest APIC id a physical-mode MSI or I/O APIC redirection can name (0xff broadcasts). */
#define APIC_MAX_8BIT_DEST	254u

/* What the command line asks for (apic.mode=, apic.timer=); AUTO leaves it to the rules below. */
enum apic_request {
	APIC_REQ_AUTO,
	APIC_REQ_XAPIC,			/* apic.mode=xapic */
	APIC_REQ_X2APIC,		/* apic.mode=x2apic */
	APIC_REQ_PERIODIC,		/* apic.timer=periodic */
	APIC_REQ_TSC_DEADLINE,		/* apic.timer=tsc-deadline */
};

struct apic_mode_facts {
	enum apic_request request;	/* APIC_REQ_AUTO, _XAPIC or _X2APIC */
	bool cpu_has_x2apic;		/* CPUID.01H:ECX[21] */
	bool firmware_enabled_x2apic;	/* IA32_APIC_BASE.EXTD already set at boot */
	bool dmar_x2apic_opt_out;	/* DMAR flags bit 1 */
	uint32_t max_apic_id;		/* over the MADT's enabled processors (0 if none listed) */
};

struct apic_mode_choice {
	enum apic_mode mode;
	const char *reason;		/* "firmware-enabled", "cpu-offers-x2apic", ... */
	bool ids_above_8bit;		/* some processor has an id no 8-bit destination reaches */
	bool high_ids_unaddressable;	/* ... and xAPIC mode cannot even address it */
	bool request_refused;		/* the request could not be honoured (see reason) */
};

struct apic_mode_choice apic_choose_mode(const struct apic_mode_facts *f);

/*
 * TSC-deadline where the CPU offers it, else the periodic count-down timer;
 * request is APIC_REQ_AUTO, _PERIODIC or _TSC_DEADLINE.  *refused (may be
 * NULL) is set when a TSC-deadline request meets a CPU without it.
 */
enum apic_timer_mode apic_choose_timer(bool cpu_has_tsc_deadline, enum apic_request request, bool *refused);

/* Can a physical-mode MSI or I/O APIC message (8-bit destination) reach apic_id? */
bool apic_dest_reachable_8bit(uint32_t apic_id);

const char *apic_mode_name(enum apic_mode m);
const char *apic_timer_mode_name(enum apic_timer_mode m);

#endif
