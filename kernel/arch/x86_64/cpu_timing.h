/*
 * kernel/arch/x86_64/cpu_timing.h - what CPUID says about time and the local APIC.
 *
 * Intel SDM Vol. 2A (CPUID leaves 01H, 15H, 16H, 80000007H) and the
 * hypervisor range 0x40000000.. (signature in EBX/ECX/EDX; KVM and VMware
 * put the TSC and APIC bus rates in kHz at 0x40000010).
 */
#ifndef CAPROCK_ARCH_CPU_TIMING_H
#define CAPROCK_ARCH_CPU_TIMING_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_timing {
	uint32_t max_leaf;
	uint32_t leaf15_eax, leaf15_ebx, leaf15_ecx;	/* 0 when the leaf is absent */
	uint32_t leaf16_eax;
	bool x2apic;			/* CPUID.01H:ECX[21] */
	bool tsc_deadline;		/* CPUID.01H:ECX[24] */
	bool hypervisor;		/* CPUID.01H:ECX[31] */
	bool invariant_tsc;		/* CPUID.80000007H:EDX[8] */
	char hv_signature[13];		/* NUL-terminated; "" without a hypervisor */
	uint32_t hv_max_leaf;
	bool hv_timing_leaf;		/* 0x40000010 is defined and reachable */
	uint32_t hv_tsc_khz, hv_apic_bus_khz;
};

void cpu_timing_read(struct cpu_timing *t);

#endif
