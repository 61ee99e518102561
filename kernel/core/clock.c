/*
 * kernel/core/clock.c - TSC-based monotonic time, calibrated at boot.
 *
 * The PIT (8254) counts at 1.193182 MHz; channel 2 can be gated and polled
 * through port 0x61 without interrupts, which makes it the usual reference.
 * Some virtual machines have no PIT; then CPUID leaf 0x15 (TSC/crystal ratio)
 * or 0x16 (base frequency) gives the rate.
 */
#include "kernel/core/clock.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/log.h"

#define PIT_HZ		1193182ull
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_GATE	0x61
#define CALIBRATE_MS	20ull

static uint64_t tsc_hz;
static uint64_t tsc_start;
static uint64_t mult;	/* ns = (ticks * mult) >> 32 */

static uint64_t pit_calibrate(void)
{
	uint64_t count = PIT_HZ * CALIBRATE_MS / 1000;
	uint8_t gate = inb(PIT_GATE);

	outb(PIT_GATE, (uint8_t)((gate & ~0x02) | 0x01));	/* gate on, speaker off */
	outb(PIT_CMD, 0xb0);					/* ch2, lo/hi, mode 0 */
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	uint64_t t0 = rdtsc();
	/* OUT2 (bit 5) rises at terminal count; give up after ~4e9 cycles. */
	while (!(inb(PIT_GATE) & 0x20)) {
		if (rdtsc() - t0 > 4000000000ull)
			return 0;
	}
	uint64_t t1 = rdtsc();
	outb(PIT_GATE, gate);
	return (t1 - t0) * 1000 / CALIBRATE_MS;
}

static uint64_t cpuid_calibrate(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	uint32_t max = a;
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c)
			return (uint64_t)c * b / a;
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		if (a & 0xffff)
			return (uint64_t)(a & 0xffff) * 1000000;
	}
	return 0;
}

void clock_init(void)
{
	const char *source = "pit";

	tsc_hz = pit_calibrate();
	if (!tsc_hz) {
		source = "cpuid";
		tsc_hz = cpuid_calibrate();
	}
	if (!tsc_hz) {
		kerror("clock: error no PIT and no CPUID frequency; assuming 1 GHz TSC");
		source = "assumed";
		tsc_hz = 1000000000ull;
	}
	mult = (NSEC_PER_SEC << 32) / tsc_hz;
	tsc_start = rdtsc();
	kprintf("clock: tsc_hz=%lu source=%s", tsc_hz, source);
}

uint64_t clock_ns(void)
{
	uint64_t ticks = rdtsc() - tsc_start;

	return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

void clock_delay_us(uint64_t us)
{
	uint64_t end = clock_ns() + us * 1000;

	while (clock_ns() < end)
		cpu_relax();
}
