/*
 * drivers/nvme/main.c - the NVMe provider: wire the capabilities, run the job.
 *
 * Started by the manager with a Console, a DeviceMmio (the controller), one
 * Interrupt per vector and a DMAPool; the job comes from the kernel
 * command line through the start page (include/abi/nvme_provider.h).
 */
#include <stdarg.h>

#include "drivers/nvme/lane_direct.h"
#include "drivers/nvme/nvme_var.h"
#include "lib/cmdline.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

struct nvme_dev nvme;

void nvme_error(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	uprintf("%s", line);
	nvme.d_errors++;
}

static int find_caps(struct nvme_dev *d, const struct start_info *si)
{
	d->d_console = start_cap(si, CAP_TYPE_CONSOLE, 0);
	d->d_mmio = start_cap(si, CAP_TYPE_DEVICE_MMIO, 0);
	d->d_pool_cap = start_cap(si, CAP_TYPE_DMA_POOL, 0);
	d->d_inbox = start_cap(si, CAP_TYPE_NOTIFICATION, 0);
	for (d->d_nirq = 0; d->d_nirq < NVME_MAX_VECTORS; d->d_nirq++) {
		int slot = start_cap(si, CAP_TYPE_INTERRUPT, d->d_nirq);
		if (slot < 0)
			break;
		d->d_irq[d->d_nirq] = slot;
	}
	if (d->d_mmio < 0 || d->d_pool_cap < 0 || d->d_nirq == 0 || d->d_inbox < 0) {
		nvme_error("provider: error missing capabilities mmio=%d pool=%d interrupts=%u inbox=%d",
			   d->d_mmio, d->d_pool_cap, d->d_nirq, d->d_inbox);
		return CR_EBADCAP;
	}
	return 0;
}

static int setup(struct nvme_dev *d, const struct start_info *si)
{
	struct dma_pool_info pi;
	int err;

	if ((err = find_caps(d, si)) < 0)
		return err;
	if ((err = sys_device_info(d, &d->d_info)) < 0 || (err = sys_dma_pool_map(d->d_pool_cap, &pi)) < 0) {
		nvme_error("provider: error device info or pool map failed err=%s", cr_err_name(err));
		return err;
	}
	d->d_pool = (uint8_t *)pi.dp_base;
	d->d_pool_bytes = pi.dp_bytes;
	d->d_lane = pi.dp_lane;
	uprintf("provider: nvme started cpl=%d caps=DeviceMmio,Interrupt,DMAPool interrupts=%u pool_bytes=%lu lane=%s",
		user_read_cpl(), d->d_nirq, d->d_pool_bytes,
		d->d_lane == DMA_LANE_BROKERED ? "brokered" : "direct");
	if (d->d_lane == DMA_LANE_DIRECT)
		return lane_direct_init(d, &pi);
	return 0;
}

/* Carve the pool: metadata page, trim ranges, and the provider's own data buffer if it needs one. */
static int carve_pool(struct nvme_dev *d, const struct nvme_job *job)
{
	d->d_md = pool_alloc(d, d->d_info.di_page_size, d->d_info.di_page_size);
	d->d_ranges = pool_alloc(d, (uint64_t)NVME_IO_ENTRIES_MAX * NVME_DSM_RANGE_BYTES, 4096);
	if (d->d_md == UINT64_MAX || d->d_ranges == UINT64_MAX)
		return CR_ENOMEM;
	if (!job->j_data_bytes)
		return 0;
	d->d_data_bytes = d->d_pool_bytes - d->d_pool_next - 4096;
	d->d_data = pool_alloc(d, d->d_data_bytes, 4096);
	if (d->d_data == UINT64_MAX || d->d_data_bytes < d->d_max_transfer)
		return CR_ENOMEM;
	return 0;
}

int main(const struct start_info *si)
{
	struct nvme_dev *d = &nvme;
	const struct nvme_job *job = (const struct nvme_job *)si->si_args;
	int err;

	if (si->si_args_len < sizeof(*job)) {
		uprintf("provider: error no job in the start page");
		return 2;
	}
	d->d_never_give_up = job->j_cloud_ebs;
	if ((err = setup(d, si)) < 0 || (err = ctrl_start(d)) < 0)
		return 1;
	if (job->j_fault == FAULT_AT_BIND) {
		/* fault.provider=nvmeN:bind: die with the admin queue live and no I/O queue yet. */
		uprintf("provider: fault injected on purpose during-bind");
		volatile uintptr_t nowhere = 8;
		*(volatile uint32_t *)nowhere = 1;
	}
	if ((err = ctrl_identify(d, job->j_nsid)) < 0)
		return 1;

	uint16_t io_entries = NVME_IO_ENTRIES_MAX;
	if (NVME_CAP_MQES(d->d_cap) + 1 < io_entries)
		io_entries = (uint16_t)(NVME_CAP_MQES(d->d_cap) + 1);
	static struct nvme_slot io_slots[NVME_IO_ENTRIES_MAX];
	static uint16_t io_done[NVME_IO_ENTRIES_MAX];
	if (queue_init(d, &d->d_io, 1, io_entries, 1, io_slots, io_done) < 0 ||
	    cmd_create_io_queues(d, &d->d_io) < 0) {
		nvme_error("provider: error cannot create the I/O queue pair");
		return 1;
	}
	if (job->j_hostile == SELFTEST_HOSTILE && hostile_prepare(d) < 0) {
		nvme_error("provider: error pool too small for the hostile test's queue pair");
		return 1;
	}
	if (carve_pool(d, job) < 0) {
		nvme_error("provider: error pool too small pool_bytes=%lu max_transfer=%lu", d->d_pool_bytes,
			   d->d_max_transfer);
		return 1;
	}
	if (job->j_hostile == SELFTEST_HOSTILE_HANG)
		hostile_hang(d);
	if (job->j_hostile == SELFTEST_HOSTILE && hostile_run(d) < 0)
		return 1;
	if (job->j_hostile == SELFTEST_HOSTILE_IRQ && hostile_irq_run(d) < 0)
		return 1;
	if (job->j_mode == NVME_JOB_BENCH) {
		/* The benchmark is this provider's whole job: nobody else uses the controller meanwhile. */
		const struct nvme_ns *ns = ctrl_ns(d, job->j_nsid);
		err = ns ? bench_run(d, ns, job) : CR_ENOENT;
		if (!ns)
			nvme_error("bench: error namespace nsid=%u is not active", job->j_nsid);
	} else {
		err = serve_run(d, si, job);
	}
	return err || d->d_errors ? 1 : 0;
}
