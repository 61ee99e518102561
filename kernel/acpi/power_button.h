/*
 * kernel/acpi/power_button.h - the ACPI fixed-feature power button.
 *
 * QEMU's `system_powerdown` and EC2's `stop-instances` press it (ACPI 6.5
 * §4.8.2.2.1.1 "Power Button", fixed-feature programming model): the
 * chipset sets PWRBTN_STS in the PM1 status register and, with PWRBTN_EN
 * set, raises the SCI.  A guest that ignores it is hard-powered-off by EC2
 * after several minutes (DESIGN.md §6).
 *
 * Use: power_button_init() once, after acpi_init, the I/O APICs and the
 * clock.  Then either poll power_button_pressed(), or block a process with
 * sched_block(power_button_channel(), deadline) (the SCI handler calls
 * sched_wakeup on it), or register a callback that runs in the SCI handler.
 */
#ifndef CAPROCK_ACPI_POWER_BUTTON_H
#define CAPROCK_ACPI_POWER_BUTTON_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Route the SCI, put the chipset in ACPI mode, clear a stale press, enable
 * PWRBTN_EN.  Prints "power: button ready ..." or the reason it is
 * unavailable.  Returns 0 or a negative error (the kernel runs on without
 * a power button; mode=serve then needs serve.seconds).
 */
int power_button_init(void);
bool power_button_available(void);
/* Has the button been pressed since power_button_init?  Stays true. */
bool power_button_pressed(void);
/* clock_ns() of the first press (0 if none). */
uint64_t power_button_pressed_ns(void);
/* The wait channel the SCI handler wakes (sched_wakeup) on a press. */
const void *power_button_channel(void);
/*
 * Called once, from the SCI handler (interrupts off, on the interrupted
 * stack), on the first press.  Keep it short: set a flag, wake something.
 */
void power_button_set_notify(void (*fn)(void *ctx), void *ctx);
/*
 * Handle GPE0 bit `bit` without AML: its status is cleared and fn runs in
 * the SCI handler (same rules as the notify above), then its enable is
 * set.  Needs power_button_init to have routed the SCI.  0, CR_ENODEV (no
 * GPE0 block, or the bit is outside it) or CR_EBUSY (one is taken).
 */
int acpi_gpe0_handle(unsigned int bit, void (*fn)(void *ctx), void *ctx);

#endif
