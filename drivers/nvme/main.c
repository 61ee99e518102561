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
	for (d->d_nirq = 0; d->d_nirq < NVME_MAX_VECTORS; d->d_nirq++) {
		int slot = start_cap(si, CAP_TYPE_INTERRUPT, d->d_nirq);
		if (slot < 0)
			break;
		d->d_irq[d->d_nirq] = slot;
	}
	if (d->d_mmio < 0 || d->d_pool_cap < 0 || d->d_nirq == 0) {
		nvme_error("provider: error missing capabilities mmio=%d pool=%d interrupts=%u",
			   d->d_mmio, d->d_pool_cap, d->d_nirq);
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

static int smoke(struct nvme_dev *d, const struct nvme_job *job)
{
	const struct nvme_ns *ns = ctrl_ns(d, job->j_nsid);
	int failures = 0;

	if (!ns) {
		nvme_error("provider: error namespace nsid=%u is not active", job->j_nsid);
		return CR_ENOENT;
	}
	if (!ns->n_max_blocks) {
		nvme_error("provider: error namespace nsid=%u cannot be read within the transfer limit", ns->n_nsid);
		return CR_EINVAL;
	}
	/* The standing proof: 4 KiB (or one block, if larger) from LBA 0. */
	uint32_t blocks = ns->n_info.lba_bytes >= 4096 ? 1 : 4096 / ns->n_info.lba_bytes;
	if (blocks > ns->n_info.nsze)
		blocks = (uint32_t)ns->n_info.nsze;
	failures += io_read_extent(d, ns, 0, blocks) < 0;
	for (unsigned i = 0; i < job->j_nwrites && i < NVME_JOB_MAX_EXTENTS; i++)
		failures += io_write_extent(d, ns, job->j_writes[i].je_lba, job->j_writes[i].je_count,
					    job->j_writes[i].je_seed) < 0;
	for (unsigned i = 0; i < job->j_nreads && i < NVME_JOB_MAX_EXTENTS; i++)
		failures += io_read_extent(d, ns, job->j_reads[i].je_lba, job->j_reads[i].je_count) < 0;
	return failures ? CR_EIO : 0;
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
	if ((err = setup(d, si)) < 0 || (err = ctrl_start(d)) < 0 || (err = ctrl_identify(d, job->j_nsid)) < 0)
		return 1;

	uint16_t io_entries = NVME_IO_ENTRIES_MAX;
	if (NVME_CAP_MQES(d->d_cap) + 1 < io_entries)
		io_entries = (uint16_t)(NVME_CAP_MQES(d->d_cap) + 1);
	if (queue_init(d, &d->d_io, 1, io_entries, 1) < 0 || cmd_create_io_queues(d, &d->d_io) < 0) {
		nvme_error("provider: error cannot create the I/O queue pair");
		return 1;
	}
	if (job->j_hostile == SELFTEST_HOSTILE && hostile_prepare(d) < 0) {
		nvme_error("provider: error pool too small for the hostile test's queue pair");
		return 1;
	}
	d->d_md = pool_alloc(d, d->d_info.di_page_size, d->d_info.di_page_size);
	d->d_data_bytes = d->d_pool_bytes - d->d_pool_next - 4096;
	d->d_data = pool_alloc(d, d->d_data_bytes, 4096);
	if (d->d_md == UINT64_MAX || d->d_data == UINT64_MAX || d->d_data_bytes < d->d_max_transfer) {
		nvme_error("provider: error pool too small for one maximum transfer");
		return 1;
	}
	if (job->j_hostile == SELFTEST_HOSTILE_HANG)
		hostile_hang(d);
	if (job->j_hostile == SELFTEST_HOSTILE && hostile_run(d) < 0)
		return 1;
	if (job->j_mode == NVME_JOB_BENCH) {
		const struct nvme_ns *ns = ctrl_ns(d, job->j_nsid);
		err = ns ? bench_run(d, ns, job) : CR_ENOENT;
		if (!ns)
			nvme_error("bench: error namespace nsid=%u is not active", job->j_nsid);
	} else {
		err = smoke(d, job);
	}
	return err || d->d_errors ? 1 : 0;
}
