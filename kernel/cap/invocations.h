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
int64_t sys_nvme_ring_wait(const struct syscall_args *a);
int64_t sys_nvme_doorbell_map(const struct syscall_args *a);
int64_t sys_irq_wait(const struct syscall_args *a);		/* interrupt.c */
int64_t sys_dma_pool_map(const struct syscall_args *a);	/* kernel/dma/dma_pool.c */
int64_t sys_region_map(const struct syscall_args *a);
int64_t sys_notify_wait(const struct syscall_args *a);		/* notification.c */
int64_t sys_block_info(const struct syscall_args *a);		/* kernel/block/session.c */
int64_t sys_block_map(const struct syscall_args *a);
int64_t sys_block_attach(const struct syscall_args *a);
int64_t sys_block_notify(const struct syscall_args *a);

#endif
