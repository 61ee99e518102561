/*
 * kernel/core/main.c - bring-up order and the run modes.
 *
 * Each step depends on the ones before it: the console first (so every
 * later failure has a line), then the loader's hand-off (PVH or
 * Multiboot2), memory, traps, firmware tables, the local APIC, time
 * (calibrated against the firmware's references, LAPIC timer included),
 * interrupts, the power button, buses, and finally the mode the command
 * line asked for.
 */
#include "kernel/acpi/acpi.h"
#include "kernel/acpi/power_button.h"
#include "kernel/core/locking.h"
#include "kernel/arch/x86_64/ioapic.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/paging.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/arch/x86_64/uart.h"
#include "kernel/cap/console.h"
#include "kernel/core/bootinfo.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/core/power.h"
#include "kernel/core/proc.h"
#include "kernel/core/run_modes.h"
#include "kernel/core/sched.h"
#include "kernel/dma/dma_copy.h"
#include "kernel/nvme/units.h"
#include "kernel/pci/pci.h"
#include "lib/cmdline.h"
#include "lib/multiboot2.h"

static struct boot_options opts;

void kernel_main(uint32_t info_phys, uint32_t loader_magic);

static const char *entry_name(uint32_t magic)
{
	return magic == MB2_BOOTLOADER_MAGIC ? "multiboot2" : magic == 0x336ec578 ? "pvh" : "unknown";
}

void kernel_main(uint32_t info_phys, uint32_t loader_magic)
{
	uart_init();
	klog_write("\n", 1);	/* firmware leaves the cursor mid-line ("Booting from ROM..") */
	kprintf("boot: caprock kernel entry=%s info=0x%x loader=%s", entry_name(loader_magic), info_phys,
		entry_name(loader_magic));
	gdt_init();
	bkl_acquire();	/* the boot runs under the big kernel lock like any kernel code (locking.h) */
	idt_init();
	if (bootinfo_init(info_phys, loader_magic) < 0)
		panic("boot: cannot continue without a memory map");
	if (boot_info.loader_name[0])
		kprintf("boot: loader name=\"%s\"", boot_info.loader_name);
	kprintf("boot: memory map regions=%u", boot_info.nmemmap);
	kprintf("boot: cmdline=\"%s\"%s", boot_info.cmdline, boot_info.cmdline_truncated ? " truncated=yes" : "");
	/* Parsed now (pure) because clock.source= matters before the errors can be reported. */
	cmdline_parse(boot_info.cmdline, &opts);

	pmm_init();
	paging_init();
	fpu_init();
	syscall_init();
	acpi_init();
	lapic_init(acpi.have_madt ? acpi.madt.lapic_phys : 0, opts.apic_mode);
	if (clock_init(opts.clock_source) < 0)
		power_off_after_run(false);	/* every timeout depends on the clock: stop here */
	ioapic_init();
	lapic_timer_start(SCHED_HZ, opts.apic_timer);
	bkl_set_halt_after_us(opts.smp_bkl_halt_us);
	sched_set_idle_poll_us(opts.smp_idle_poll_us);
	smp_init(&opts);	/* the APs come online and wait for the BKL to run their schedulers */
	(void)power_button_init();	/* optional: without it, mode=serve needs serve.seconds */
	pci_init();

	if (boot_info.cmdline_truncated)
		kerror("cmdline: error command line longer than %d bytes", BOOT_CMDLINE_MAX - 1);
	for (unsigned i = 0; i < opts.nerrors && i < CMDLINE_MAX_ERRORS; i++)
		kerror("%s", opts.errors[i]);
	if (opts.nerrors > CMDLINE_MAX_ERRORS)
		kerror("cmdline: error %u more problems not shown", opts.nerrors - CMDLINE_MAX_ERRORS);
	if (opts.nerrors || boot_info.cmdline_truncated)
		power_off_after_run(false);

	kprintf("boot: mode=%s dma.backend=%s", run_mode_name(opts.mode), dma_choice_name(opts.dma_backend));
	if (opts.fault_shootdown_skip) {
		kprintf("tlb: fault injected fault.shootdown=skip other_cpus=not-told");
		tlb_set_skip(true);
	}
	if (opts.fault_retire_skip) {
		kprintf("tlb: fault injected fault.retire=skip other_cpus=not-asked roots=kept-if-held");
		tlb_set_retire_skip(true);
	}
	dma_copy_choose(opts.dma_copy);
	bool pass;
	switch (opts.mode) {
	case RUN_MODE_BOOT:
		pass = run_boot_selftest(&opts);
		break;
	default:
		pass = nvme_run(&opts);	/* smoke, bench, serve */
		break;
	}
	power_off_after_run(pass);
}
