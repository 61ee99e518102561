/*
 * kernel/core/serve.c - mode=serve (DESIGN.md §2): run the jobs, then stay
 * up until the power button or serve.seconds, then shut down cleanly.
 *
 * The wait is the idle loop: `sti; hlt` until an interrupt, then check.  The
 * SCI handler (kernel/acpi/power_button.c) sets the pressed flag; the
 * scheduler tick bounds every halt, so the deadline is noticed within one
 * tick.  With controllers, the storage run (kernel/nvme/units.c) keeps its
 * providers serving instead and stops them on the same events; this wait
 * is for a machine with nothing to serve but the button.
 */
#include "kernel/core/serve.h"

#include "kernel/acpi/power_button.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/clock.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/log.h"

const char *serve_end_name(enum serve_end e)
{
	switch (e) {
	case SERVE_END_POWER_BUTTON:	return "power-button";
	case SERVE_END_TIMEOUT:		return "timeout";
	case SERVE_END_UNAVAILABLE:	return "unavailable";
	}
	return "?";
}

enum serve_end serve_wait(uint32_t seconds)
{
	bool button = power_button_available();
	uint64_t start = clock_ns();
	uint64_t deadline = seconds ? start + (uint64_t)seconds * NSEC_PER_SEC : 0;
	enum serve_end end;

	if (!button && !seconds) {
		kerror("serve: error no power button and no serve.seconds: nothing would ever end the run");
		return SERVE_END_UNAVAILABLE;
	}
	if (seconds)
		kprintf("serve: waiting power_button=%s seconds=%u", button ? "ready" : "unavailable", seconds);
	else
		kprintf("serve: waiting power_button=ready seconds=unlimited");
	for (;;) {
		if (power_button_pressed()) {
			end = SERVE_END_POWER_BUTTON;
			break;
		}
		if (deadline && clock_ns() >= deadline) {
			end = SERVE_END_TIMEOUT;
			break;
		}
		irqsoff_idle(false, NULL);
	}
	kprintf("serve: end reason=%s waited_ms=%lu", serve_end_name(end), (clock_ns() - start) / NSEC_PER_MSEC);
	return end;
}
