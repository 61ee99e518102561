/*
 * drivers/nvme/cmd.c - building commands and reporting their status.
 *
 * On the brokered lane a data pointer is a pool handle in PRP1; PRP2 stays
 * zero because the manager writes the real PRPs.
 */
#include "drivers/nvme/nvme_var.h"
#include "lib/nvme_status.h"
#include "lib/fmt.h"
#include "user/lib/ulib.h"

/*
 * "nvme: <what> error ...": what is an I/O event (read, write, flush,
 * bench) or "admin" with the command named, the provider's own events
 * (lib/console_policy.c).
 */
void report_status(const char *what, uint32_t nsid, uint64_t lba, uint32_t blocks, const struct nvme_cqe *cqe)
{
	struct nvme_status s = nvme_status_decode(cqe->status);
	char broker[64] = "";

	if ((cqe->dw0 & 0xffff0000u) == NVME_BROKER_REFUSED)
		fmt_snprintf(broker, sizeof(broker), " refused_by=manager reason=%s",
			     nvme_broker_reason_name(NVME_BROKER_REASON(cqe->dw0)));
	nvme_error("nvme: %s error nsid=%u lba=%lu blocks=%u sct=0x%x sc=0x%02x dnr=%u more=%u crd=%u status=%s%s",
		   what, nsid, lba, blocks, s.sct, s.sc, s.dnr, s.more, s.crd, nvme_status_name(s.sct, s.sc), broker);
}

/* Run an admin command; a failed one is reported under what and returns CR_EIO. */
static int admin(struct nvme_dev *d, const char *what, struct nvme_sqe *c, struct nvme_cqe *out)
{
	int err = queue_exec(d, &d->d_admin, c, out);

	if (err)
		return err;
	if (!nvme_status_ok(nvme_status_decode(out->status))) {
		report_status("admin", c->nsid, 0, 0, out);
		uprintf("provider: error admin command=\"%s\" failed", what);
		return CR_EIO;
	}
	return 0;
}

int cmd_identify_quiet(struct nvme_dev *d, uint32_t cns, uint32_t nsid, uint64_t buf, struct nvme_cqe *out)
{
	struct nvme_sqe c = { .opc = NVME_ADMIN_IDENTIFY, .nsid = nsid, .prp1 = buf, .cdw10 = cns };
	int err = queue_exec(d, &d->d_admin, &c, out);

	if (err)
		return err;
	return nvme_status_ok(nvme_status_decode(out->status)) ? 0 : CR_EIO;
}

int cmd_identify(struct nvme_dev *d, uint32_t cns, uint32_t nsid, uint64_t buf)
{
	struct nvme_sqe c = { .opc = NVME_ADMIN_IDENTIFY, .nsid = nsid, .prp1 = buf, .cdw10 = cns };
	struct nvme_cqe e;

	return admin(d, cns == NVME_CNS_CONTROLLER ? "identify controller" :
		     cns == NVME_CNS_NAMESPACE ? "identify namespace" : "identify", &c, &e);
}

int cmd_set_num_queues(struct nvme_dev *d, uint16_t want, uint32_t *granted)
{
	/* Counts are 0-based in both directions (Base §5.27.1.7). */
	struct nvme_sqe c = { .opc = NVME_ADMIN_SET_FEATURES, .cdw10 = NVME_FEAT_NUM_QUEUES,
			      .cdw11 = (uint32_t)(want - 1) | (uint32_t)(want - 1) << 16 };
	struct nvme_cqe e;
	int err = admin(d, "set features number-of-queues", &c, &e);

	if (!err) {
		uint32_t nsqa = (e.dw0 & 0xffff) + 1, ncqa = (e.dw0 >> 16) + 1;
		*granted = nsqa < ncqa ? nsqa : ncqa;
	}
	return err;
}

int cmd_create_io_queues(struct nvme_dev *d, struct nvme_queue *q)
{
	bool ien = d->d_nirq > 0;
	struct nvme_sqe cq = {
		.opc = NVME_ADMIN_CREATE_CQ, .prp1 = q->q_cq_handle,
		.cdw10 = q->q_id | (uint32_t)(q->q_size - 1) << 16,
		.cdw11 = NVME_QUEUE_PC | (ien ? NVME_CQ_IEN : 0) | q->q_vector << 16,
	};
	struct nvme_sqe sq = {
		.opc = NVME_ADMIN_CREATE_SQ, .prp1 = q->q_sq_handle,
		.cdw10 = q->q_id | (uint32_t)(q->q_size - 1) << 16,
		.cdw11 = NVME_QUEUE_PC | (uint32_t)q->q_id << 16,
	};
	struct nvme_cqe e;
	int err = admin(d, "create io completion queue", &cq, &e);

	return err ? err : admin(d, "create io submission queue", &sq, &e);
}

/* A READ or WRITE; md names the metadata buffer on namespaces that keep metadata apart. */
void cmd_rw(struct nvme_sqe *c, uint8_t opc, const struct nvme_ns *ns, uint64_t lba, uint32_t blocks,
	    uint64_t buf, uint64_t md)
{
	*c = (struct nvme_sqe){
		.opc = opc, .nsid = ns->n_nsid, .prp1 = buf, .mptr = ns->n_md_bytes ? md : 0,
		.cdw10 = (uint32_t)lba, .cdw11 = (uint32_t)(lba >> 32), .cdw12 = blocks - 1,
	};
}

int cmd_flush(struct nvme_dev *d, uint32_t nsid)
{
	struct nvme_sqe c = { .opc = NVME_CMD_FLUSH, .nsid = nsid };
	struct nvme_cqe e;
	int err = queue_exec(d, &d->d_io, &c, &e);

	if (err)
		return err;
	if (!nvme_status_ok(nvme_status_decode(e.status))) {
		report_status("flush", nsid, 0, 0, &e);
		return CR_EIO;
	}
	return 0;
}
