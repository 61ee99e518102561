/*
 * kernel/block/gpt_scan.c - the block devices of a controller, found at
 * bind: each active namespace, and each partition of its GPT.
 *
 * The manager reads the tables itself (kernel/nvme/mgr_io.c) before any
 * provider runs, and checks them with lib/gpt.c (UEFI 2.x §5.3: both
 * headers, both CRCs, every entry).  A bad table is reported and offers no
 * partition; a bad primary with a good backup is used through the backup
 * and says so, with how the copies compare and the rule that decided.  A
 * partition over a sector any boot could read as the table is not offered
 * (issue 15 §2: its client could rewrite another partition's bounds) and
 * gets a line saying so.  A GPT behind a legacy MBR (entries, no 0xEE:
 * lib/mbr.h) is stale to the readers that check, which use the MBR: none
 * of its partitions is offered either.  The lines are DESIGN.md §2's
 * `block: gpt` and `block: partition`.
 */
#include "kernel/block/gpt_scan.h"

#include "include/abi/errors.h"
#include "kernel/block/block_dev.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/gpt.h"
#include "lib/mbr.h"
#include "lib/string.h"

#define GPT_SCRATCH_FIRST	(64u << 10)
#define GPT_MAX_PARTS		128

struct read_ctx {
	struct nvme_ctrl *c;
	const struct nvme_broker_ns *ns;
};

static int read_lbas(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct read_ctx *r = ctx;

	return nvme_mgr_read(r->c, r->ns, lba, count, buf);
}

static void report_partitions(struct nvme_ctrl *c, unsigned int unit, const struct nvme_broker_ns *ns,
			      const char *dev, const struct gpt_partition *parts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		char type[GPT_GUID_STR_BYTES];
		const struct gpt_partition *p = &parts[i];
		struct block_dev *bd = block_dev_add(c, unit, ns->nsid, p->first_lba, gpt_partition_blocks(p),
						     ns->lba_bytes, p->index);
		gpt_guid_format(p->type_guid, type);
		kprintf("block: partition dev=%sp%u first_lba=%lu last_lba=%lu type=%s name=\"%s\" blocks=%lu bdf=%s%s",
			dev, p->index, p->first_lba, p->last_lba, type, p->name, gpt_partition_blocks(p), c->nc_bdf,
			bd ? "" : " offered=no");
	}
}

/* The partitions of the table that are not offered, each with what it covers. */
static void report_refused(struct nvme_ctrl *c, const char *dev, const struct gpt_disk *d)
{
	unsigned int n = d->entries.nrefused < GPT_REFUSED_MAX ? d->entries.nrefused : GPT_REFUSED_MAX;

	for (unsigned int i = 0; i < n; i++) {
		char type[GPT_GUID_STR_BYTES];
		const struct gpt_partition *p = &d->refused[i].part;
		gpt_guid_format(p->type_guid, type);
		kprintf("block: partition dev=%sp%u first_lba=%lu last_lba=%lu type=%s name=\"%s\" blocks=%lu bdf=%s offered=no reason=covers-%s",
			dev, p->index, p->first_lba, p->last_lba, type, p->name, gpt_partition_blocks(p), c->nc_bdf,
			gpt_meta_name(d->refused[i].covers));
	}
	if (d->entries.nrefused > n)
		kprintf("block: gpt dev=%s refused=%u described=%u reason=limit bdf=%s", dev, d->entries.nrefused, n,
			c->nc_bdf);
}

/* What sector 0 is (lib/mbr.h); MBR_NONE when it cannot be read. */
static enum mbr_kind read_mbr(struct read_ctx *rc)
{
	uint8_t *s = kmalloc(rc->ns->lba_bytes);
	enum mbr_kind k = MBR_NONE;

	if (s && rc->ns->lba_bytes >= MBR_BYTES && read_lbas(rc, 0, 1, s) == 0)
		k = mbr_classify(s);
	kfree(s);
	return k;
}

/*
 * The device that already serves this namespace through another controller
 * of its NVM subsystem, or NULL.  A shared namespace (NMIC bit 0) is one
 * namespace behind every controller of the subsystem (same SUBNQN) that
 * lists it under the same id (Base 2.0c §2.4.1): served twice, two clients
 * and two partition tables would write it unaware of each other.
 */
static const struct block_dev *served_elsewhere(const struct nvme_ctrl *c, const struct nvme_broker_ns *ns)
{
	const struct block_dev *d;

	if (!ns->shared || !c->nc_id.subnqn[0])
		return NULL;	/* private, or a controller too old to name its subsystem */
	for (unsigned int i = 0; (d = block_dev_next(&i));) {
		const struct nvme_ctrl *o = d->bd_ctrl;
		if (o == c || d->bd_partition || d->bd_nsid != ns->nsid || strcmp(o->nc_id.subnqn, c->nc_id.subnqn))
			continue;
		const struct nvme_broker_ns *other = nvme_ns_find(o, ns->nsid);
		if (other && other->shared)
			return d;
	}
	return NULL;
}

/* One namespace: the whole device, then its GPT (if any) and a device per partition. */
static void scan_namespace(struct nvme_ctrl *c, unsigned int unit, const struct nvme_broker_ns *ns)
{
	char dev[BLOCK_NAME_BYTES];
	const struct block_dev *first = served_elsewhere(c, ns);

	if (first) {
		kprintf("block: namespace nsid=%u bdf=%s served=no reason=shared-namespace-served-by dev=%s via=%s subnqn=\"%s\"",
			ns->nsid, c->nc_bdf, first->bd_name, first->bd_ctrl->nc_bdf, c->nc_id.subnqn);
		return;
	}
	struct block_dev *whole = block_dev_add(c, unit, ns->nsid, 0, ns->nsze, ns->lba_bytes, 0);

	if (!whole)
		return;
	memcpy(dev, whole->bd_name, sizeof(dev));
	if (ns->ms || ns->lba_bytes > GPT_LBA_MAX_BYTES || ns->nsze < 3) {
		kprintf("block: gpt dev=%s partitions=0 result=skipped reason=%s bdf=%s", dev,
			ns->ms ? "metadata-format" : ns->nsze < 3 ? "too-small" : "block-size", c->nc_bdf);
		return;
	}
	struct read_ctx rc = { c, ns };
	struct gpt_io io = { read_lbas, &rc, ns->lba_bytes, ns->nsze - 1, NULL, 0 };
	struct gpt_partition *parts = kmalloc(GPT_MAX_PARTS * sizeof(*parts));
	struct gpt_disk d = { 0 };
	int err = CR_ENOMEM;

	for (size_t want = GPT_SCRATCH_FIRST; parts && want && want <= 2 * GPT_ARRAY_MAX_BYTES;) {
		io.scratch = kmalloc(want);
		io.scratch_bytes = want;
		err = io.scratch ? gpt_read_disk(&io, parts, GPT_MAX_PARTS, &d) : CR_ENOMEM;
		kfree(io.scratch);
		size_t need = d.primary.scratch_needed > d.backup.scratch_needed ? d.primary.scratch_needed
										  : d.backup.scratch_needed;
		if (err != CR_ENOMEM || !io.scratch || need <= want)
			break;
		want = need;
	}
	enum mbr_kind mbr = err == 0 ? read_mbr(&rc) : MBR_NONE;
	if (err == CR_ENOENT) {
		kprintf("block: gpt dev=%s partitions=0 header_crc=none entries_crc=none backup=missing result=none bdf=%s",
			dev, c->nc_bdf);
	} else if (err == 0 && mbr == MBR_LEGACY) {
		/* A valid table the checking readers ignore: described, never offered. */
		kprintf("block: gpt dev=%s partitions=0 header_crc=%s entries_crc=%s backup=%s result=stale reason=legacy-mbr mbr=%s described=%u bdf=%s",
			dev, gpt_check_name(d.primary.header_crc), gpt_check_name(d.primary.entries_crc),
			gpt_backup_name(d.backup_state), mbr_kind_name(mbr), d.entries.nused, c->nc_bdf);
	} else if (err) {
		/*
		 * Reported, never trusted: no partition of this disk is offered.
		 * Overlapping entries invalidate their copy (§5.3.3), so neither
		 * is offered; the slots say which.
		 */
		char differs[96];
		gpt_diff_format(d.differs, differs, sizeof(differs));
		kprintf("block: gpt dev=%s partitions=0 header_crc=%s entries_crc=%s backup=%s result=invalid reason=%s backup_reason=%s copies=%s rule=%s differs=%s bad_slot=%u other_slot=%u backup_bad_slot=%u backup_other_slot=%u err=%s bdf=%s",
			dev, gpt_check_name(d.primary.header_crc), gpt_check_name(d.primary.entries_crc),
			gpt_backup_name(d.backup_state), d.primary.why ? d.primary.why : "none",
			d.backup.why ? d.backup.why : "none", gpt_copies_name(d.copies), gpt_rule_name(d.rule), differs,
			d.primary.entries.bad_slot, d.primary.entries.other_slot, d.backup.entries.bad_slot,
			d.backup.entries.other_slot, cr_err_name(err), c->nc_bdf);
	} else {
		char guid[GPT_GUID_STR_BYTES], differs[96];
		gpt_guid_format(d.hdr.disk_guid, guid);
		gpt_diff_format(d.differs, differs, sizeof(differs));
		kprintf("block: gpt dev=%s partitions=%u header_crc=%s entries_crc=%s backup=%s result=ok source=%s%s%s copies=%s rule=%s differs=%s offered=%u refused=%u disk_guid=%s lba_bytes=%u mbr=%s bdf=%s",
			dev, d.entries.nused, gpt_check_name(d.primary.header_crc),
			gpt_check_name(d.primary.entries_crc), gpt_backup_name(d.backup_state),
			d.used_backup ? "backup" : "primary", d.used_backup ? " primary_reason=" : "",
			d.used_backup && d.primary.why ? d.primary.why : "", gpt_copies_name(d.copies),
			gpt_rule_name(d.rule), differs, d.entries.nstored, d.entries.nrefused, guid, ns->lba_bytes,
			mbr_kind_name(mbr), c->nc_bdf);
		if (d.entries.nused - d.entries.nrefused > d.entries.nstored)
			kprintf("block: gpt dev=%s partitions_offered=%u of=%u reason=limit", dev, d.entries.nstored,
				d.entries.nused - d.entries.nrefused);
		report_partitions(c, unit, ns, dev, parts, d.entries.nstored);
		report_refused(c, dev, &d);
	}
	kfree(parts);
}

int block_scan_controller(struct nvme_ctrl *c, void *ctx)
{
	unsigned int unit = *(const unsigned int *)ctx;

	c->nc_ns_resized = block_ns_resized;	/* the devices follow the namespaces from now on */
	for (unsigned int i = 0; i < c->nc_nns; i++)
		scan_namespace(c, unit, &c->nc_ns[i]);
	return 0;
}
