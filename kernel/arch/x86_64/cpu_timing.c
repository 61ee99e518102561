/*
 * kernel/arch/x86_64/cpu_timing.c - CPUID leaves for calibration (see cpu_timing.h).
 */
#include "kernel/arch/x86_64/cpu_timing.h"

#include "kernel/arch/x86_64/cpu.h"
#include "lib/clock_calc.h"
#include "lib/string.h"

void cpu_timing_read(struct cpu_timing *t)
{
	uint32_t a, b, c, d;

	memset(t, 0, sizeof(*t));
	cpuid(0, 0, &a, &b, &c, &d);
	t->max_leaf = a;
	cpuid(1, 0, &a, &b, &c, &d);
	t->x2apic = (c >> 21) & 1;
	t->tsc_deadline = (c >> 24) & 1;
	t->hypervisor = (c >> 31) & 1;
	if (t->max_leaf >= 0x15)
		cpuid(0x15, 0, &t->leaf15_eax, &t->leaf15_ebx, &t->leaf15_ecx, &d);
	if (t->max_leaf >= 0x16)
		cpuid(0x16, 0, &t->leaf16_eax, &b, &c, &d);
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		t->invariant_tsc = (d >> 8) & 1;
	}
	if (!t->hypervisor)
		return;
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	t->hv_max_leaf = a;
	memcpy(t->hv_signature, &b, 4);
	memcpy(t->hv_signature + 4, &c, 4);
	memcpy(t->hv_signature + 8, &d, 4);
	t->hv_signature[12] = '\0';
	t->hv_timing_leaf = clock_hypervisor_has_timing_leaf(t->hv_signature, t->hv_max_leaf);
	/* For log lines: stop at the first NUL, hide anything unprintable. */
	for (int i = 0; i < 12 && t->hv_signature[i]; i++) {
		if (t->hv_signature[i] < 0x20 || t->hv_signature[i] > 0x7e || t->hv_signature[i] == '"')
			t->hv_signature[i] = '?';
	}
	if (t->hv_timing_leaf) {
		cpuid(CPUID_HV_TIMING_LEAF, 0, &a, &b, &c, &d);
		t->hv_tsc_khz = a;
		t->hv_apic_bus_khz = b;
	}
}
