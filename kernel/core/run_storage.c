/*
 * kernel/core/run_storage.c - mode=smoke and mode=bench: the storage path.
 *
 * Select the DMA lane, bind the first NVMe controller (by class triple),
 * start the provider in ring 3 with exactly four kinds of capability, run
 * until it exits, classify what was bound, and release the controller.
 */
#include "include/abi/cap.h"
#include "include/abi/nvme_provider.h"
#include "kernel/cap/console.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/core/proc.h"
#include "kernel/core/run_modes.h"
#include "kernel/core/sched.h"
#include "kernel/core/user_images.h"
#include "kernel/dma/dma_select.h"
#include "kernel/nvme/classify.h"
#include "kernel/nvme/manager.h"
#include "kernel/pci/pci.h"
#include "lib/string.h"

static struct nvme_job job;

static void fill_job(const struct boot_options *o, bool amazon)
{
	memset(&job, 0, sizeof(job));
	job.j_mode = o->mode == RUN_MODE_BENCH ? NVME_JOB_BENCH : NVME_JOB_SMOKE;
	job.j_nsid = o->nsid;
	for (unsigned i = 0; i < o->nreads; i++)
		job.j_reads[i] = (struct nvme_job_extent){ o->reads[i].lba, 0, o->reads[i].count, 0 };
	for (unsigned i = 0; i < o->nwrites; i++)
		job.j_writes[i] = (struct nvme_job_extent){ o->writes[i].lba, o->writes[i].seed, o->writes[i].count, 0 };
	job.j_nreads = o->nreads;
	job.j_nwrites = o->nwrites;
	job.j_bench_pattern = o->bench_pattern;
	job.j_bench_block_bytes = o->bench_block_bytes;
	job.j_bench_qd = o->bench_qd;
	job.j_bench_seconds = o->bench_seconds;
	job.j_hostile = o->selftest;
	job.j_cloud_ebs = amazon;
}

/* How long the run may take before whatever is still alive is ended (run.timeout_s). */
static uint64_t run_timeout_s(const struct boot_options *o)
{
	if (o->run_timeout_s)
		return o->run_timeout_s;
	return o->mode == RUN_MODE_BENCH ? (uint64_t)o->bench_seconds + 300 : 600;
}

static struct proc *start_provider(struct nvme_ctrl *c, struct dma_pool *pool, struct proc_outcome *out)
{
	const struct user_image *img = user_image_find("nvme");
	struct proc *p = img ? proc_create("nvme", img, &job, sizeof(job)) : NULL;

	if (!p)
		return NULL;
	p->p_outcome = out;
	bool ok = proc_grant(p, &console_object, CAP_RIGHT_WRITE) >= 0 &&
		  proc_grant(p, &c->nc_obj, CAP_RIGHT_READ | CAP_RIGHT_WRITE) >= 0 &&
		  proc_grant(p, &pool->dp_obj, CAP_RIGHT_MAP) >= 0;
	for (unsigned i = 0; ok && i < c->nc_nvectors; i++)
		ok = proc_grant(p, &c->nc_irq_obj[i]->io_obj, CAP_RIGHT_WAIT) >= 0;
	if (!ok || proc_start(p) < 0) {
		kerror("nvme: error cannot grant the provider its capabilities");
		return NULL;
	}
	c->nc_provider_pid = p->p_pid;
	return p;
}

bool run_storage(const struct boot_options *opts)
{
	struct dma_selection sel = dma_select(opts);
	struct proc_outcome out = { 0 };

	if (!sel.ds_ok)
		return false;
	struct pci_dev *d = pci_find_nvme(0);
	if (!d) {
		dma_select_finish();
		kerror("nvme: error no controller found (class 0x01/0x08/0x02)");
		return false;
	}
	struct nvme_ctrl *c = nvme_bind(d, &sel);
	dma_select_finish();
	if (!c)
		return false;
	struct dma_pool *pool = dma_pool_create(8u << 20, 1u << 20, c->nc_dma.dd_limits.dl_max_addr, c->nc_lane);
	if (pool)
		pool->dp_iova_base = c->nc_dma.dd_pool_iova;	/* where the direct lane maps it (0 otherwise) */
	if (!pool) {
		kerror("nvme: error no memory for the provider's DMA pool");
		kobj_put(&c->nc_obj);
		return false;
	}
	fill_job(opts, c->nc_amazon);
	bool started = start_provider(c, pool, &out) != NULL;
	sched_set_deadline(clock_ns() + run_timeout_s(opts) * NSEC_PER_SEC);
	kobj_put(&pool->dp_obj);	/* the provider (and the broker, once enabled) hold it now */
	if (started)
		sched_run();

	nvme_classify(c);
	kobj_put(&c->nc_obj);		/* shuts the controller down and frees the broker */
	sched_set_deadline(0);
	if (started && (!out.po_exited || out.po_faulted || out.po_status != 0))
		kerror("nvme: error provider ended status=%d faulted=%s killed=%s", out.po_status,
		       out.po_faulted ? "yes" : "no", out.po_killed ? "yes" : "no");
	return started && out.po_exited && !out.po_faulted && out.po_status == 0;
}
