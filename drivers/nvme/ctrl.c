/*
 * drivers/nvme/ctrl.c - controller bring-up and discovery (Base 2.0c §3.5.1).
 *
 * Reset (the provider's one register-write claim), wait for RDY=0 within
 * CAP.TO, ask the manager for the brokered enable (it writes AQA, ASQ, ACQ
 * and CC), wait for RDY=1, negotiate queues, identify the controller and
 * its active namespaces (skipping NSZE=0), then create the I/O queue pair.
 */
#include "drivers/nvme/nvme_var.h"
#include "lib/nvme_broker_check.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

#define NSEC_PER_MS 1000000ull
#define CMD_TIMEOUT_MS 30000

static int wait_ready(struct nvme_dev *d, bool want, const char *phase)
{
	uint64_t deadline = clock_now_ns() + (uint64_t)d->d_ready_timeout_ms * NSEC_PER_MS;
	uint32_t csts = 0;

	for (;;) {
		if (sys_mmio_read32(d, NVME_CSTS, &csts) < 0 || csts == 0xffffffffu) {
			nvme_error("provider: error cannot read CSTS during %s", phase);
			return CR_EIO;
		}
		if (want && (csts & NVME_CSTS_CFS)) {
			nvme_error("provider: error controller fatal status during %s csts=0x%x", phase, csts);
			return CR_EIO;
		}
		if (!!(csts & NVME_CSTS_RDY) == want)
			return 0;
		if (clock_now_ns() > deadline) {
			nvme_error("provider: error timeout waiting for CSTS.RDY=%d during %s timeout_ms=%u csts=0x%x",
				   want, phase, d->d_ready_timeout_ms, csts);
			return CR_ETIMEDOUT;
		}
		sys_sleep_ns(1000000);
	}
}

int ctrl_start(struct nvme_dev *d)
{
	uint32_t cc;
	int err;

	if ((err = sys_mmio_read64(d, NVME_CAP, &d->d_cap)) < 0 || (err = sys_mmio_read32(d, NVME_VS, &d->d_vs)) < 0 ||
	    (err = sys_mmio_read32(d, NVME_CC, &cc)) < 0) {
		nvme_error("provider: error cannot read controller registers err=%s", cr_err_name(err));
		return err;
	}
	d->d_ready_timeout_ms = (NVME_CAP_TO(d->d_cap) ? NVME_CAP_TO(d->d_cap) : 1) * 500;
	d->d_cmd_timeout_ms = CMD_TIMEOUT_MS;

	/* The reset claim: clear EN, wait for the controller to notice. */
	if ((err = sys_mmio_write32(d, NVME_CC, cc & ~NVME_CC_EN)) < 0) {
		nvme_error("provider: error reset claim refused err=%s", cr_err_name(err));
		return err;
	}
	if ((err = wait_ready(d, false, "reset")) < 0)
		return err;

	static struct nvme_slot admin_slots[NVME_ADMIN_ENTRIES];
	static uint16_t admin_done[NVME_ADMIN_ENTRIES];
	uint16_t admin_entries = NVME_ADMIN_ENTRIES;	/* CAP.MQES bounds I/O queues only */
	if ((err = queue_init(d, &d->d_admin, 0, admin_entries, 0, admin_slots, admin_done)) < 0) {
		nvme_error("provider: error pool too small for the admin queue");
		return err;
	}
	struct nvme_enable_req req = {
		.er_pool_slot = (uint32_t)d->d_pool_cap,
		.er_asq_entries = admin_entries, .er_acq_entries = admin_entries,
		.er_asq_handle = d->d_admin.q_sq_handle, .er_acq_handle = d->d_admin.q_cq_handle,
	};
	if ((err = sys_nvme_enable(d, &req)) < 0) {
		nvme_error("provider: error brokered enable refused err=%s", cr_err_name(err));
		return err;
	}
	if ((err = wait_ready(d, true, "enable")) < 0)
		return err;

	/* One I/O queue pair does the job; ask for it and learn what the controller allows. */
	if ((err = cmd_set_num_queues(d, 1, &d->d_ioqpairs)) < 0)
		return err;
	bool by_irq = d->d_admin.q_woke_by_interrupt;
	struct device_info *di = &d->d_info;
	uprintf("nvme: bound bdf=%04x:%02x:%02x.%x lane=%s version=%u.%u.%u mqes=%u dstrd=%u ioqpairs=%u",
		di->di_segment, di->di_bus, di->di_dev, di->di_fn,
		d->d_lane == DMA_LANE_BROKERED ? "brokered" : "direct", NVME_VS_MJR(d->d_vs), NVME_VS_MNR(d->d_vs),
		NVME_VS_TER(d->d_vs), NVME_CAP_MQES(d->d_cap), NVME_CAP_DSTRD(d->d_cap), d->d_ioqpairs);
	uprintf("nvme: admin completion wake=%s vector=%u kind=%s cpu_vector=auto",
		by_irq ? "interrupt" : "poll", d->d_admin.q_vector,
		di->di_irq_kind == IRQ_KIND_MSIX ? "msix" : di->di_irq_kind == IRQ_KIND_MSI ? "msi" : "intx");
	if (!by_irq)
		nvme_error("provider: error first admin completion arrived without an interrupt");
	return 0;
}

static int identify_ns(struct nvme_dev *d, uint32_t nsid, uint64_t buf)
{
	struct nvme_ns ns = { .n_nsid = nsid };
	const char *why = NULL;

	if (cmd_identify(d, NVME_CNS_NAMESPACE, nsid, buf) < 0)
		return CR_EIO;
	if (nvme_parse_identify_ns(pool_ptr(d, buf), &ns.n_info, &why) < 0) {
		nvme_error("provider: error identify namespace nsid=%u malformed reason=%s", nsid, why);
		return CR_EPROTO;
	}
	if (ns.n_info.nsze == 0)
		return 0;	/* allocated but inactive (GCP T2A lists many of these) */
	struct nvme_broker_ns bn = { nsid, ns.n_info.nsze, ns.n_info.lba_bytes, ns.n_info.ms,
				     ns.n_info.extended, (uint8_t)(ns.n_info.dps & 7), ns.n_info.shared };
	ns.n_block_xfer = nvme_broker_block_xfer(&bn, false);
	ns.n_md_bytes = nvme_broker_block_md(&bn, false);
	ns.n_max_blocks = nvme_broker_max_blocks(&bn, d->d_max_transfer, d->d_info.di_page_size);
	d->d_ns[d->d_nns++] = ns;
	if (!ns.n_max_blocks)
		uprintf("nvme: namespace nsid=%u unusable: a %u-byte block (%u metadata) exceeds the %lu-byte transfer limit",
			nsid, ns.n_block_xfer, ns.n_md_bytes, d->d_max_transfer);
	return 0;
}

int ctrl_identify(struct nvme_dev *d, uint32_t wanted_nsid)
{
	uint64_t buf = pool_alloc(d, NVME_IDENTIFY_BYTES, 4096);
	int err;

	if (buf == UINT64_MAX)
		return CR_ENOMEM;
	if ((err = cmd_identify(d, NVME_CNS_CONTROLLER, 0, buf)) < 0)
		return err;
	nvme_parse_identify_ctrl(pool_ptr(d, buf), &d->d_id);
	uint64_t mdts = nvme_mdts_bytes(d->d_id.mdts, NVME_CAP_MPSMIN(d->d_cap));
	sys_device_info(d, &d->d_info);		/* the broker's limit is known now */
	d->d_max_transfer = d->d_info.di_max_transfer;
	if (mdts && mdts < d->d_max_transfer)
		d->d_max_transfer = mdts;
	d->d_nn = d->d_id.nn;
	if (!d->d_max_transfer) {
		nvme_error("provider: error no usable transfer size (mdts=%u broker=%u)", d->d_id.mdts, d->d_info.di_max_transfer);
		return CR_EPROTO;
	}

	/*
	 * Active namespaces (CNS 2, NVMe 1.1+), a page of up to 1024 ids at a
	 * time, each page starting after the last id of the one before; older
	 * controllers: probe 1..NN.  The first NVME_MAX_NS - 1 active ones are
	 * tracked, and the one the job asks for always is.
	 */
	static uint32_t ids[NVME_LIST_MAX];
	unsigned n = 0;
	struct nvme_cqe e;
	for (uint32_t after = 0; n < NVME_LIST_MAX;) {
		if (cmd_identify_quiet(d, NVME_CNS_ACTIVE_NS_LIST, after, buf, &e) < 0) {
			if (n)
				break;
			uprintf("nvme: namespaces list=unavailable status=0x%04x probing=1..%u", e.status, d->d_nn);
			for (uint32_t i = 1; i <= d->d_nn && n < NVME_LIST_MAX; i++)
				ids[n++] = i;
			break;
		}
		unsigned got = nvme_parse_ns_list(pool_ptr(d, buf), ids + n, NVME_LIST_MAX - n);
		n += got;
		if (got < NVME_IDENTIFY_BYTES / 4)
			break;
		after = ids[n - 1];
	}
	bool wanted_listed = wanted_nsid == 0;
	for (unsigned i = 0; i < n; i++) {
		wanted_listed |= ids[i] == wanted_nsid;
		if (d->d_nns < NVME_MAX_NS - 1 && (err = identify_ns(d, ids[i], buf)) < 0)
			return err;
	}
	if (wanted_listed && wanted_nsid && !ctrl_ns(d, wanted_nsid) && (err = identify_ns(d, wanted_nsid, buf)) < 0)
		return err;
	uprintf("nvme: namespaces active=%u listed=%u nn=%u tracked_limit=%u", d->d_nns, n, d->d_nn, NVME_MAX_NS);
	if (d->d_nns == 0)
		uprintf("provider: no active namespace: nothing to serve until stopped");	/* legal: none attached yet */
	return 0;
}

const struct nvme_ns *ctrl_ns(struct nvme_dev *d, uint32_t nsid)
{
	for (unsigned i = 0; i < d->d_nns; i++) {
		if (nsid == 0 || d->d_ns[i].n_nsid == nsid)
			return &d->d_ns[i];
	}
	return NULL;
}
