/*
 * kernel/arch/x86_64/uart.h - the COM1 16550 serial console.
 */
#ifndef CAPROCK_ARCH_UART_H
#define CAPROCK_ARCH_UART_H

#include <stdbool.h>
#include <stddef.h>

void uart_init(void);
void uart_write(const char *s, size_t n);
/* Is the transmit FIFO empty (16 bytes may go without waiting)?  True without a UART. */
bool uart_tx_empty(void);

#endif
