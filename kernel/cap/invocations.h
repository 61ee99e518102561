/*
 * kernel/cap/invocations.h - system calls that invoke a capability, one file per object type.
 */
#ifndef CAPROCK_CAP_INVOCATIONS_H
#define CAPROCK_CAP_INVOCATIONS_H

#include "kernel/core/syscall.h"

int64_t sys_log(const struct syscall_args *a);			/* console.c */
int64_t sys_mmio_read(const struct syscall_args *a);		/* device_mmio.c */
int64_t sys_mmio_write(const struct syscall_args *a);
int64_t sys_device_info(const struct syscall_args *a);
int64_t sys_nvme_enable(const struct syscall_args *a);
int64_t sys_nvme_doorbell(const struct syscall_args *a);
int64_t sys_nvme_doorbell_map(const struct syscall_args *a);
int64_t sys_irq_wait(const struct syscall_args *a);		/* interrupt.c */
int64_t sys_dma_pool_map(const struct syscall_args *a);	/* dma_pool.c */

#endif
