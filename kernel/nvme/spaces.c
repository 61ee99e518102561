/*
 * kernel/nvme/spaces.c - the NVMe handle spaces of a controller: 0 is the
 * provider's own DMAPool, 1.. are block sessions' regions (include/abi/block.h).
 */
#include "include/abi/errors.h"
#include "kernel/nvme/lane_direct.h"
#include "kernel/nvme/nvme_ctrl.h"

int nvme_space_register(struct nvme_ctrl *c, struct nvme_space *sp)
{
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
	if (id >= 1 && id <= BROKER_MAX_SPACES) {
		nvme_direct_space_detach(c, id);	/* before the caller drops the region */
		c->nc_spaces[id] = NULL;
	}
}

struct dma_pool *nvme_space_pool(struct nvme_ctrl *c, uint32_t space)
{
	if (space == 0)
		return c->nc_dma.dd_pool;
	return space <= BROKER_MAX_SPACES && c->nc_spaces[space] ? c->nc_spaces[space]->sp_region : NULL;
}
