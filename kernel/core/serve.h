/*
 * kernel/core/serve.h - mode=serve: stay up, interrupts on, until the ACPI
 * power button (EC2 stop-instances, QEMU system_powerdown) or serve.seconds.
 */
#ifndef CAPROCK_CORE_SERVE_H
#define CAPROCK_CORE_SERVE_H

#include <stdint.h>

enum serve_end {
	SERVE_END_POWER_BUTTON,
	SERVE_END_TIMEOUT,	/* serve.seconds elapsed */
	SERVE_END_UNAVAILABLE,	/* nothing could ever end the wait: no button and no serve.seconds */
};

/*
 * Idle (halt with interrupts on; the scheduler tick and the SCI wake it)
 * until the power button or, if seconds > 0, until seconds have passed.
 * Prints "serve: waiting ..." and "serve: end reason=...".  Call with no
 * process runnable: nothing else runs meanwhile.
 */
enum serve_end serve_wait(uint32_t seconds);
const char *serve_end_name(enum serve_end e);

#endif
