/*
 * kernel/core/syscall.c - system call table and the calls that touch no object.
 *
 * Object invocations live with their object type in kernel/cap/ and follow
 * the decode/perform split: decode checks capability, rights and arguments
 * and changes nothing; perform cannot fail half-way.
 */
#include "kernel/core/syscall.h"

#include "include/abi/errors.h"
#include "include/abi/syscall.h"
#include "kernel/cap/invocations.h"
#include "kernel/core/clock.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/locking.h"
#include "kernel/core/proc.h"
#include "kernel/core/sched.h"

#define SLEEP_MAX_NS (3600ull * NSEC_PER_SEC)

int cap_decode(uint64_t slot, uint32_t type, uint32_t rights, const struct cap **out)
{
	return cap_lookup(&proc_current()->p_caps, slot, type, rights, out);
}

static int64_t sys_exit(const struct syscall_args *a)
{
	proc_exit((int)a->a[0]);
}

static int64_t sys_clock_ns(const struct syscall_args *a)
{
	(void)a;
	return (int64_t)clock_ns();
}

static int64_t sys_cpu_idle_ns(const struct syscall_args *a)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < smp_cpu_slots(); i++)
		n += smp_cpu_running(i);
	if (a->a[0]) {
		int err = copy_to_user(a->a[0], &n, sizeof(n));
		if (err)
			return err;
	}
	return (int64_t)cpu_idle_ns();
}

static int64_t sys_cap_info(const struct syscall_args *a)
{
	const struct cap *c;
	int err = cap_decode(a->a[0], CAP_TYPE_NONE, 0, &c);

	if (err)
		return err;
	struct cap_info info = { c->c_type, c->c_rights };
	return copy_to_user(a->a[1], &info, sizeof(info));
}

static int64_t sys_yield(const struct syscall_args *a)
{
	(void)a;
	sched_yield();
	return 0;
}

static int64_t sys_sleep_ns(const struct syscall_args *a)
{
	if (a->a[0] > SLEEP_MAX_NS)
		return CR_EINVAL;
	/* Nothing wakes this channel: only the deadline ends the wait. */
	static const char sleep_chan;
	sched_block(&sleep_chan, clock_ns() + a->a[0] + 1);
	return 0;
}

static const syscall_handler handlers[SYS_COUNT] = {
	[SYS_EXIT] = sys_exit,
	[SYS_LOG] = sys_log,
	[SYS_CLOCK_NS] = sys_clock_ns,
	[SYS_CAP_INFO] = sys_cap_info,
	[SYS_YIELD] = sys_yield,
	[SYS_SLEEP_NS] = sys_sleep_ns,
	[SYS_MMIO_READ] = sys_mmio_read,
	[SYS_MMIO_WRITE] = sys_mmio_write,
	[SYS_IRQ_WAIT] = sys_irq_wait,
	[SYS_DMA_POOL_MAP] = sys_dma_pool_map,
	[SYS_DEVICE_INFO] = sys_device_info,
	[SYS_NVME_ENABLE] = sys_nvme_enable,
	[SYS_NVME_DOORBELL] = sys_nvme_doorbell,
	[SYS_NOTIFY_WAIT] = sys_notify_wait,
	[SYS_REGION_MAP] = sys_region_map,
	[SYS_BLOCK_INFO] = sys_block_info,
	[SYS_BLOCK_MAP] = sys_block_map,
	[SYS_BLOCK_ATTACH] = sys_block_attach,
	[SYS_BLOCK_NOTIFY] = sys_block_notify,
	[SYS_NVME_RING_WAIT] = sys_nvme_ring_wait,
	[SYS_NVME_DOORBELL_MAP] = sys_nvme_doorbell_map,
	[SYS_CPU_IDLE_NS] = sys_cpu_idle_ns,
};

/* For the interrupts-off tracer's site names. */
static const char *const names[SYS_COUNT] = {
	[SYS_EXIT] = "exit", [SYS_LOG] = "log", [SYS_CLOCK_NS] = "clock_ns", [SYS_CAP_INFO] = "cap_info",
	[SYS_YIELD] = "yield", [SYS_SLEEP_NS] = "sleep_ns", [SYS_MMIO_READ] = "mmio_read",
	[SYS_MMIO_WRITE] = "mmio_write", [SYS_IRQ_WAIT] = "irq_wait", [SYS_DMA_POOL_MAP] = "dma_pool_map",
	[SYS_DEVICE_INFO] = "device_info", [SYS_NVME_ENABLE] = "nvme_enable", [SYS_NVME_DOORBELL] = "nvme_doorbell",
	[SYS_NOTIFY_WAIT] = "notify_wait", [SYS_REGION_MAP] = "region_map", [SYS_BLOCK_INFO] = "block_info",
	[SYS_BLOCK_MAP] = "block_map", [SYS_BLOCK_ATTACH] = "block_attach", [SYS_BLOCK_NOTIFY] = "block_notify",
	[SYS_NVME_RING_WAIT] = "nvme_ring_wait", [SYS_NVME_DOORBELL_MAP] = "nvme_doorbell_map",
	[SYS_CPU_IDLE_NS] = "cpu_idle_ns",
};

const char *syscall_name(uint64_t nr)
{
	return nr < SYS_COUNT && names[nr] ? names[nr] : "unknown";
}

void syscall_dispatch(struct trap_frame *tf)
{
	struct syscall_args args = { { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 } };
	uint64_t nr = tf->rax;

	irqsoff_enter(IRQSOFF_SYSCALL, nr);	/* the wait for the BKL is interrupts-off time too */
	bkl_acquire();		/* locking.h L1; sched_return_to_user gives it up */
	if (nr < SYS_COUNT && handlers[nr])
		tf->rax = (uint64_t)handlers[nr](&args);
	else
		tf->rax = (uint64_t)(int64_t)CR_ENOSYS;
	sched_return_to_user();
}
