/*
 * kernel/arch/x86_64/pit.c - 8254 channel 2, polled (see pit.h).
 */
#include "kernel/arch/x86_64/pit.h"

#include "kernel/arch/x86_64/cpu.h"

#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define  PIT_CMD_CH2_LOHI_MODE2	0xb4	/* channel 2, lobyte/hibyte, rate generator, binary */
#define  PIT_CMD_CH2_LATCH	0x80	/* counter latch for channel 2 */
#define PIT_GATE	0x61
#define  PIT_GATE_CH2		0x01
#define  PIT_SPEAKER		0x02

static uint8_t saved_gate;

void pit_start(void)
{
	saved_gate = inb(PIT_GATE);
	outb(PIT_GATE, (uint8_t)(saved_gate & ~(PIT_GATE_CH2 | PIT_SPEAKER)));
	outb(PIT_CMD, PIT_CMD_CH2_LOHI_MODE2);
	outb(PIT_CH2, 0);		/* initial count 0 = 65536 */
	outb(PIT_CH2, 0);
	outb(PIT_GATE, (uint8_t)((saved_gate & ~PIT_SPEAKER) | PIT_GATE_CH2));	/* rising gate loads the count */
}

uint32_t pit_read(void)
{
	outb(PIT_CMD, PIT_CMD_CH2_LATCH);
	uint32_t lo = inb(PIT_CH2);
	uint32_t hi = inb(PIT_CH2);
	return (0x10000u - (lo | hi << 8)) & 0xffff;
}

void pit_stop(void)
{
	outb(PIT_GATE, (uint8_t)(saved_gate & ~PIT_SPEAKER));
}
