/*
 * kernel/arch/x86_64/uart.c - polled output on COM1 (I/O port 0x3f8).
 *
 * QEMU's -serial stdio and -nographic attach here.  Output only: the
 * console is the proof-line channel, nothing reads from it.
 */
#include "kernel/arch/x86_64/uart.h"

#include "kernel/arch/x86_64/cpu.h"

#define COM1		0x3f8
#define UART_THR	0	/* transmit holding register */
#define UART_IER	1	/* interrupt enable */
#define UART_FCR	2	/* FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */
#define  UART_LSR_THRE	0x20	/* transmit holding register empty */
#define UART_LCR_DLAB	0x80
#define UART_SPIN_LIMIT	100000	/* a missing UART must not hang the kernel */

static int uart_present;

void uart_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + 0, 0x01);		/* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1 */
	outb(COM1 + UART_FCR, 0xc7);	/* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x03);
	/* An absent UART reads as all ones. */
	uart_present = inb(COM1 + UART_LSR) != 0xff;
}

static void uart_putc(char c)
{
	for (int i = 0; i < UART_SPIN_LIMIT; i++) {
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
			break;
		cpu_relax();
	}
	outb(COM1 + UART_THR, (uint8_t)c);
}

bool uart_tx_empty(void)
{
	return !uart_present || (inb(COM1 + UART_LSR) & UART_LSR_THRE);
}

void uart_write(const char *s, size_t n)
{
	if (!uart_present)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}
