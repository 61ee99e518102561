/*
 * kernel/core/power.c - final report and power-off.
 *
 * QEMU's isa-debug-exit device (hw/misc/debugexit.c) exits QEMU with status
 * (value << 1) | 1 when written; it reads as 0 where unassigned ports read
 * as 0xff, which is how we detect it at the two usual addresses (0xf4 as
 * most test harnesses place it, 0x501 QEMU's default).
 */
#include "kernel/core/power.h"

#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/clock.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/log.h"
#include "kernel/core/sched.h"
#include "kernel/core/log_buffer.h"
#include "lib/fmt.h"

static const uint16_t debug_exit_ports[] = { 0xf4, 0x501 };

void power_off_after_run(bool pass)
{
	unsigned int errors = klog_error_count();
	unsigned int recovered = klog_recovery_count();
	char extra[32] = "";

	irq_disable();
	/* Stopped (NMI, then a halt they never leave), nothing can wake the APs before S5. */
	unsigned int others = smp_cpus_online() - 1;
	(void)smp_stop_others();	/* names any that did not stop */
	if (others && smp_cpus_stopped() == others)
		kprintf("cpu: stopped count=%u by=nmi", others);
	if (others)
		sched_report();
	trap_report_strays();
	errors = klog_error_count();
	if (errors)
		pass = false;
	if (recovered)
		fmt_snprintf(extra, sizeof(extra), " recoveries=%u", recovered);
	irqsoff_report("run");
	if (clock_ready())
		kprintf("run: complete status=%s errors=%u uptime_ms=%lu%s", pass ? "pass" : "fail", errors,
			clock_ns() / NSEC_PER_MSEC, extra);
	else
		kprintf("run: complete status=%s errors=%u uptime_ms=unknown%s", pass ? "pass" : "fail", errors, extra);
	log_buffer_flush();	/* all of it out before QEMU or the machine goes */

	for (unsigned i = 0; i < sizeof(debug_exit_ports) / sizeof(debug_exit_ports[0]); i++) {
		if (inb(debug_exit_ports[i]) == 0)
			outb(debug_exit_ports[i], pass ? 0 : 1);	/* QEMU exits 1 or 3 */
	}
	if (!acpi_power_off()) {
		kprintf("power: no ACPI S5 to power off with (fadt=%s); halting", acpi.have_fadt ? "yes" : "no");
	} else {
		for (int i = 0; i < 10000000; i++)	/* S5 takes effect asynchronously in a VMM */
			cpu_relax();
		kprintf("power: still running after S5 request; halting");
	}
	for (;;)
		cpu_halt();
}
