/*
 * lib/apic_mode.c - local APIC interface and timer choice (see apic_mode.h).
 */
#include "lib/apic_mode.h"

struct apic_mode_choice apic_choose_mode(const struct apic_mode_facts *f)
{
	struct apic_mode_choice c = { APIC_MODE_XAPIC, "cpu-lacks-x2apic", false, false, false };

	c.ids_above_8bit = f->max_apic_id > APIC_MAX_8BIT_DEST;
	if (f->firmware_enabled_x2apic) {
		/* Leaving x2APIC needs a full disable; keep what firmware chose. */
		c.mode = APIC_MODE_X2APIC;
		c.reason = "firmware-enabled";
		c.request_refused = f->request == APIC_REQ_XAPIC;
	} else if (f->request == APIC_REQ_XAPIC) {
		c.reason = "requested";
	} else if (f->request == APIC_REQ_X2APIC) {
		c.request_refused = !f->cpu_has_x2apic;
		if (f->cpu_has_x2apic) {
			c.mode = APIC_MODE_X2APIC;
			c.reason = "requested";
		}
	} else if (f->cpu_has_x2apic && f->dmar_x2apic_opt_out && !c.ids_above_8bit) {
		c.reason = "dmar-x2apic-opt-out";
	} else if (f->cpu_has_x2apic) {
		c.mode = APIC_MODE_X2APIC;
		c.reason = "cpu-offers-x2apic";
	}
	c.high_ids_unaddressable = c.ids_above_8bit && c.mode == APIC_MODE_XAPIC;
	return c;
}

enum apic_timer_mode apic_choose_timer(bool cpu_has_tsc_deadline, enum apic_request request, bool *refused)
{
	if (refused)
		*refused = request == APIC_REQ_TSC_DEADLINE && !cpu_has_tsc_deadline;
	if (request == APIC_REQ_PERIODIC)
		return APIC_TIMER_PERIODIC;
	return cpu_has_tsc_deadline ? APIC_TIMER_TSC_DEADLINE : APIC_TIMER_PERIODIC;
}

bool apic_dest_reachable_8bit(uint32_t apic_id)
{
	return apic_id <= APIC_MAX_8BIT_DEST;
}

const char *apic_mode_name(enum apic_mode m)
{
	return m == APIC_MODE_X2APIC ? "x2apic" : "xapic";
}

const char *apic_timer_mode_name(enum apic_timer_mode m)
{
	return m == APIC_TIMER_TSC_DEADLINE ? "tsc-deadline" : "periodic";
}
