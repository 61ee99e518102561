/*
 * kernel/arch/x86_64/pit.h - 8254 PIT channel 2 as a polled time reference
 * (Intel 8254 datasheet; the PC wiring of channel 2's gate and output to
 * port 0x61).  Last in the order of trust: on AWS Nitro the PIT is broken
 * and QEMU can leave it out (pit=off), so the caller checks that it ticks
 * and that the rate it gives is plausible before believing it.
 */
#ifndef CAPROCK_ARCH_PIT_H
#define CAPROCK_ARCH_PIT_H

#include <stdint.h>

/* Channel 2 free-running (mode 2, 65536 counts), gate on, speaker off. */
void pit_start(void);
/* The count, inverted so that it rises by one per 1/1193182 s (16 bits). */
uint32_t pit_read(void);
/* Gate and speaker back as they were. */
void pit_stop(void);

#endif
