/*
 * kernel/nvme/identify.c - what the manager learns about a controller with
 * its own commands (I4).
 *
 * At bind, before any provider exists, the manager resets the controller,
 * enables it with an admin queue of its own, and issues IDENTIFY
 * CONTROLLER, the Active Namespace List (CNS 2, page after page; probing
 * 1..NN on controllers without it) and IDENTIFY NAMESPACE for every active
 * id into its own pages, skipping NSZE=0 (GCP lists many such ids).  The
 * block size, size, metadata layout and transfer limit the broker enforces
 * come only from here; nothing whose timing a provider controls can change
 * them.  When an asynchronous event says namespace attributes changed, the
 * manager identifies its namespaces again the same way, and I/O to them
 * waits until it has (nvme_ns_refresh).
 */
#include "include/abi/errors.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/bits.h"
#include "lib/string.h"

#define MGR_CMD_TIMEOUT_MS	30000
#define NS_LIST_IDS		(NVME_IDENTIFY_BYTES / 4)

const struct nvme_broker_ns *nvme_ns_find(const struct nvme_ctrl *c, uint32_t nsid)
{
	for (unsigned i = 0; i < c->nc_nns; i++) {
		if (c->nc_ns[i].nsid == nsid)
			return &c->nc_ns[i];
	}
	return NULL;
}

static int identify(struct nvme_ctrl *c, uint32_t cns, uint32_t nsid)
{
	struct nvme_mgr_cmd m = { .mc_sqe = {
		.opc = NVME_ADMIN_IDENTIFY, .nsid = nsid, .prp1 = c->nc_mgr_buf_addr, .cdw10 = cns } };
	int err = broker_mgr_exec(c, 0, &m, MGR_CMD_TIMEOUT_MS);

	if (err)
		return err;
	if (NVME_STATUS_SCT(m.mc_cqe.status) || NVME_STATUS_SC(m.mc_cqe.status))
		return CR_EIO;
	return 0;
}

/* MDTS, the broker's own ceiling and half the staging pool, whichever is least. */
static uint32_t transfer_limit(const struct nvme_ctrl *c)
{
	uint64_t limit = BROKER_MAX_TRANSFER;
	uint64_t mdts = nvme_mdts_bytes(c->nc_id.mdts, NVME_CAP_MPSMIN(c->nc_cap));
	uint64_t staging_half = c->nc_dma.dd_staging_bytes / 2;

	if (mdts && mdts < limit)
		limit = mdts;
	if (staging_half && staging_half < limit)
		limit = staging_half;
	return (uint32_t)limit;
}

/* Parse the namespace page in the manager buffer into *out; false if inactive or unusable. */
static bool parse_ns(struct nvme_ctrl *c, uint32_t nsid, struct nvme_broker_ns *out, bool report)
{
	struct nvme_ns_info ns;
	const char *why = NULL;

	if (nvme_parse_identify_ns(c->nc_mgr_buf, &ns, &why) < 0) {
		kprintf("nvme: manager ignores namespace bdf=%s nsid=%u reason=%s", c->nc_bdf, nsid, why);
		return false;
	}
	if (ns.nsze == 0) {
		c->nc_ns_zero += report;	/* the walk's count, not a refresh's */
		return false;
	}
	*out = (struct nvme_broker_ns){ nsid, ns.nsze, ns.lba_bytes, ns.ms, ns.extended, (uint8_t)(ns.dps & 7),
					ns.shared };
	if (report)
		kprintf("nvme: identify namespace nsid=%u lbas=%lu lba_bytes=%u ms=%u extended=%s formats=%u format=%u capacity_bytes=%lu pi_type=%u shared=%s bdf=%s",
			nsid, ns.nsze, ns.lba_bytes, ns.ms, ns.extended ? "yes" : "no", ns.nlbaf + 1u, ns.lbaf_index,
			ns.nsze * ns.lba_bytes, ns.dps & 7, ns.shared ? "yes" : "no", c->nc_bdf);
	return true;
}

static int add_ns(struct nvme_ctrl *c, uint32_t nsid)
{
	struct nvme_broker_ns ns;
	int err = identify(c, NVME_CNS_NAMESPACE, nsid);

	if (err)
		return err;
	if (!parse_ns(c, nsid, &ns, true))
		return 0;
	if (c->nc_nns == BROKER_MAX_NS) {
		kprintf("nvme: manager namespace table full bdf=%s nsid=%u not brokered", c->nc_bdf, nsid);
		return 0;
	}
	c->nc_ns[c->nc_nns++] = ns;
	if (!c->nc_ns_raw_nsid) {	/* the lowest active one: cloud vendor data for classification */
		c->nc_ns_raw_nsid = nsid;
		memcpy(c->nc_ns_raw, c->nc_mgr_buf, NVME_IDENTIFY_BYTES);
	}
	return 0;
}

static int walk_namespaces(struct nvme_ctrl *c, unsigned *listed)
{
	uint32_t after = 0;
	int err;

	*listed = 0;
	for (;;) {
		err = identify(c, NVME_CNS_ACTIVE_NS_LIST, after);
		if (err == CR_EIO && after == 0)
			break;		/* NVMe 1.0: no list; probe below */
		if (err)
			return err;
		uint32_t ids[NS_LIST_IDS];
		unsigned got = nvme_parse_ns_list(c->nc_mgr_buf, ids, NS_LIST_IDS);
		for (unsigned i = 0; i < got; i++) {
			if ((err = add_ns(c, ids[i])) < 0)
				return err;
		}
		*listed += got;
		if (got < NS_LIST_IDS || ids[got - 1] >= NVME_NSID_BROADCAST - 1)
			return 0;
		after = ids[got - 1];
	}
	for (uint32_t nsid = 1; nsid <= c->nc_id.nn && nsid <= BROKER_MAX_NS; nsid++) {
		(*listed)++;
		if ((err = add_ns(c, nsid)) < 0)
			return err;
	}
	return 0;
}

static int identify_all(struct nvme_ctrl *c)
{
	unsigned listed = 0;
	int err = identify(c, NVME_CNS_CONTROLLER, 0);

	if (err) {
		kerror("nvme: error manager identify controller failed bdf=%s err=%s", c->nc_bdf, cr_err_name(err));
		return err;
	}
	memcpy(c->nc_id_raw, c->nc_mgr_buf, NVME_IDENTIFY_BYTES);
	nvme_parse_identify_ctrl(c->nc_id_raw, &c->nc_id);
	c->nc_have_id = true;
	c->nc_max_transfer = transfer_limit(c);
	const struct nvme_ctrl_info *id = &c->nc_id;
	kprintf("nvme: identify controller vid=0x%04x model=\"%s\" serial=\"%s\" firmware=\"%s\" mdts_bytes=%lu nn=%u ssvid=0x%04x cntlid=%u version=0x%08x strings=%s cmic=0x%02x subnqn=\"%s\" bdf=%s",
		id->vid, id->mn, id->sn, id->fr, nvme_mdts_bytes(id->mdts, NVME_CAP_MPSMIN(c->nc_cap)), id->nn,
		id->ssvid, id->cntlid, id->ver, id->strings_repaired ? "repaired" : "clean", id->cmic, id->subnqn,
		c->nc_bdf);
	c->nc_nns = 0;
	c->nc_ns_raw_nsid = 0;
	c->nc_ns_zero = 0;
	if ((err = walk_namespaces(c, &listed)) < 0) {
		kerror("nvme: error manager namespace walk failed bdf=%s err=%s", c->nc_bdf, cr_err_name(err));
		return err;
	}
	kprintf("nvme: manager identify bdf=%s nn=%u listed=%u active=%u max_transfer=%u mdts=%u source=manager-issued size_zero=%u",
		c->nc_bdf, c->nc_id.nn, listed, c->nc_nns, c->nc_max_transfer, c->nc_id.mdts, c->nc_ns_zero);
	return 0;
}

/*
 * Reset, enable with the manager's own admin queue, identify, let scan read
 * what it needs (the partition tables) through a manager I/O queue, and
 * leave the controller disabled.
 */
int nvme_identify_at_bind(struct nvme_ctrl *c, nvme_bind_scan_fn scan, void *scan_ctx)
{
	int err;

	nvme_write32(c, NVME_CC, nvme_read32(c, NVME_CC) & ~NVME_CC_EN);
	if (!nvme_wait_ready(c, false, "manager reset"))
		return CR_ETIMEDOUT;
	broker_teardown(c);
	if ((err = broker_admin_start(c, 0, 0, 0, 0)) < 0)
		return err;
	if (!nvme_wait_ready(c, true, "manager enable")) {
		err = CR_ETIMEDOUT;
	} else {
		err = identify_all(c);
		/* On the remapping candidate, the controller's own DMA verifies its domain first (lane_verify.c);
		 * once, at bind: a provider restart keeps the verified domain. */
		if (!err && c->nc_lane == DMA_LANE_DIRECT && !c->nc_lane_verified && (err = nvme_verify_lane(c)) == 0)
			c->nc_lane_verified = true;
		if (!err && scan && c->nc_nns) {
			if ((err = nvme_mgr_io_open(c)) < 0)
				kerror("nvme: error manager I/O queue failed bdf=%s err=%s", c->nc_bdf, cr_err_name(err));
			else
				err = scan(c, scan_ctx);
		}
	}
	nvme_write32(c, NVME_CC, nvme_read32(c, NVME_CC) & ~NVME_CC_EN);
	broker_mark_reset(c);
	if (!nvme_wait_ready(c, false, "manager disable"))
		return CR_ETIMEDOUT;	/* memory stays with the controller: it may still use it */
	broker_teardown(c);
	nvme_mgr_io_free(c);
	return err;
}

/* ---------------------------------------------------------------- refresh after an event */

static void refresh_next(struct nvme_ctrl *c, unsigned i);

static void refresh_done(struct nvme_ctrl *c, struct nvme_mgr_cmd *m)
{
	unsigned i = (unsigned)(uintptr_t)m->mc_ctx;
	struct nvme_broker_ns ns;
	bool ok = !NVME_STATUS_SCT(m->mc_cqe.status) && !NVME_STATUS_SC(m->mc_cqe.status);

	if (ok && parse_ns(c, c->nc_ns[i].nsid, &ns, false)) {
		if (ns.lba_bytes != c->nc_ns[i].lba_bytes || ns.ms != c->nc_ns[i].ms)
			kprintf("nvme: manager namespace format changed bdf=%s nsid=%u lba_bytes=%u ms=%u",
				c->nc_bdf, ns.nsid, ns.lba_bytes, ns.ms);
		uint64_t old = c->nc_ns[i].nsze;
		c->nc_ns[i] = ns;
		if (ns.nsze != old)	/* grown (EBS modify-volume) or shrunk: the windows follow */
			nvme_spaces_resized(c, ns.nsid, old, ns.nsze);
		i++;
	} else {
		/* Gone or unreadable: no longer brokered, and no window on it stays open. */
		uint32_t nsid = c->nc_ns[i].nsid;
		uint64_t old = c->nc_ns[i].nsze;
		kprintf("nvme: manager namespace removed bdf=%s nsid=%u", c->nc_bdf, nsid);
		c->nc_ns[i] = c->nc_ns[--c->nc_nns];
		nvme_spaces_resized(c, nsid, old, 0);
	}
	refresh_next(c, i);
}

static void refresh_next(struct nvme_ctrl *c, unsigned i)
{
	struct nvme_mgr_cmd *m = &c->nc_refresh_cmd;	/* one refresh at a time: nc_ns_refreshing */

	if (i >= c->nc_nns) {
		c->nc_ns_refreshing = 0;
		kprintf("nvme: manager namespaces refreshed bdf=%s active=%u", c->nc_bdf, c->nc_nns);
		broker_submit_pending(c);
		return;
	}
	*m = (struct nvme_mgr_cmd){
		.mc_sqe = { .opc = NVME_ADMIN_IDENTIFY, .nsid = c->nc_ns[i].nsid, .prp1 = c->nc_mgr_buf_addr,
			    .cdw10 = NVME_CNS_NAMESPACE },
		.mc_callback = refresh_done, .mc_ctx = (void *)(uintptr_t)i,
	};
	if (broker_mgr_submit(c, 0, m) < 0) {
		kerror("nvme: error cannot identify namespaces again bdf=%s; I/O to them stays refused", c->nc_bdf);
		c->nc_nns = 0;
		c->nc_ns_refreshing = 0;
	}
}

void nvme_ns_refresh(struct nvme_ctrl *c)
{
	if (c->nc_ns_refreshing)
		return;
	if (!c->nc_mgr_buf_addr) {
		/* Direct lane: no manager page in the domain, and no I/O check that the geometry would feed. */
		kprintf("nvme: manager namespace refresh skipped bdf=%s reason=direct-lane-io-not-brokered", c->nc_bdf);
		return;
	}
	c->nc_ns_refreshing = 1;
	refresh_next(c, 0);
}
