/*
 * kernel/arch/x86_64/hpet.c - HPET main counter (IA-PC HPET 1.0a §2.3).
 *
 * Registers (64-bit, read here as 32-bit halves, which the spec allows):
 * GCAP_ID 0x000 (COUNTER_CLK_PERIOD in bits 63:32, femtoseconds),
 * GEN_CONF 0x010 (ENABLE_CNF bit 0), MAIN_COUNTER 0x0f0.  QEMU's HPET
 * counts at 100 MHz; chipset HPETs at 14.318 MHz.  AWS Nitro has none.
 */
#include "kernel/arch/x86_64/hpet.h"

#include "include/abi/errors.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/paging.h"
#include "lib/clock_calc.h"

#define HPET_GCAP_ID_PERIOD	0x004	/* high half of GCAP_ID */
#define HPET_GEN_CONF		0x010
#define  HPET_ENABLE_CNF	(1u << 0)
#define HPET_MAIN_COUNTER	0x0f0
#define HPET_REG_BYTES		1024

static volatile uint8_t *regs;
static uint64_t hz;

int hpet_init(uint64_t base)
{
	regs = mmio_map(base, HPET_REG_BYTES);
	if (!regs)
		return CR_ENOMEM;
	hz = clock_hpet_hz(mmio_read32(regs + HPET_GCAP_ID_PERIOD));
	if (!hz)
		return CR_EPROTO;	/* 0, or slower than 10 MHz: not an HPET (all ones: nothing there) */
	uint32_t conf = mmio_read32(regs + HPET_GEN_CONF);
	if (!(conf & HPET_ENABLE_CNF))
		mmio_write32(regs + HPET_GEN_CONF, conf | HPET_ENABLE_CNF);
	return 0;
}

uint32_t hpet_read(void)
{
	return mmio_read32(regs + HPET_MAIN_COUNTER);
}

uint64_t hpet_counter_hz(void)
{
	return hz;
}
