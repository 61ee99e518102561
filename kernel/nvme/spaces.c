/*
 * kernel/nvme/spaces.c - the NVMe handle spaces of a controller: 0 is the
 * provider's own DMAPool, 1.. are block sessions' regions (include/abi/block.h).
 *
 * Each space also carries its session's window of a namespace, which the
 * broker checks every command against; a namespace that changes size
 * (EBS modify-volume, Namespace Attribute Changed) moves the windows here.
 */
#include "include/abi/errors.h"
#include "kernel/nvme/lane_direct.h"
#include "kernel/nvme/nvme_ctrl.h"

int nvme_space_register(struct nvme_ctrl *c, struct nvme_space *sp)
{
	nvme_ctrl_assert_locked(c);
	for (uint32_t s = 1; s <= BROKER_MAX_SPACES; s++) {
		if (!c->nc_spaces[s]) {
			c->nc_spaces[s] = sp;
			return (int)s;
		}
	}
	return CR_ENOMEM;
}

void nvme_space_unregister(struct nvme_ctrl *c, uint32_t id)
{
	nvme_ctrl_assert_locked(c);
	if (id >= 1 && id <= BROKER_MAX_SPACES) {
		nvme_direct_space_detach(c, id);	/* before the caller drops the region */
		c->nc_spaces[id] = NULL;
	}
}

void nvme_spaces_let_go(struct nvme_ctrl *c, bool stopped)
{
	nvme_ctrl_assert_locked(c);
	if (c->nc_lane != DMA_LANE_DIRECT)
		return;		/* brokered: a region is reached only through a command's holds (I1) */
	for (uint32_t s = 1; s <= BROKER_MAX_SPACES; s++) {
		struct nvme_space *sp = c->nc_spaces[s];
		if (!sp || !sp->sp_region)
			continue;
		if (stopped)
			nvme_direct_space_detach(c, s);
		else
			kobj_get(&sp->sp_region->dp_obj);	/* never freed: the device may still write it */
	}
}

struct dma_pool *nvme_space_pool(struct nvme_ctrl *c, uint32_t space)
{
	if (space == 0)
		return c->nc_dma.dd_pool;
	return space <= BROKER_MAX_SPACES && c->nc_spaces[space] ? c->nc_spaces[space]->sp_region : NULL;
}

/*
 * nsid is now new_blocks long (0: gone).  A window over the whole of it
 * follows it, growing or shrinking; any other window (a partition) stays,
 * unless it no longer fits: then it is closed (0 blocks, every command
 * refused as out of range) rather than cut short under its user.
 */
void nvme_spaces_resized(struct nvme_ctrl *c, uint32_t nsid, uint64_t old_blocks, uint64_t new_blocks)
{
	for (uint32_t s = 1; s <= BROKER_MAX_SPACES; s++) {
		struct nvme_space *sp = c->nc_spaces[s];
		if (!sp || sp->sp_nsid != nsid)
			continue;
		if (sp->sp_first_lba == 0 && sp->sp_blocks == old_blocks)
			sp->sp_blocks = new_blocks;
		else if (sp->sp_first_lba + sp->sp_blocks > new_blocks)
			sp->sp_blocks = 0;
	}
	if (c->nc_ns_resized)
		c->nc_ns_resized(c, nsid, old_blocks, new_blocks);
}
