/*
 * kernel/block/block_dev.c - the table of block devices (see block_dev.h).
 */
#include "kernel/block/block_dev.h"

#include <stddef.h>

#include "kernel/core/log.h"
#include "lib/fmt.h"
#include "lib/string.h"

static struct block_dev devs[BLOCK_MAX_DEVS];
static unsigned int ndevs;

struct block_dev *block_dev_find(const char *name)
{
	for (unsigned int i = 0; i < ndevs; i++) {
		if (devs[i].bd_ctrl && strcmp(devs[i].bd_name, name) == 0)
			return &devs[i];
	}
	return NULL;
}

struct block_dev *block_dev_next(unsigned int *cursor)
{
	while (*cursor < ndevs) {
		struct block_dev *d = &devs[(*cursor)++];
		if (d->bd_ctrl)
			return d;	/* removed entries keep their slots */
	}
	return NULL;
}

struct block_dev *block_dev_add(struct nvme_ctrl *c, unsigned int unit, uint32_t nsid, uint64_t first_lba,
				uint64_t blocks, uint32_t lba_bytes, unsigned int part_index)
{
	struct block_dev d = {
		.bd_ctrl = c, .bd_unit = unit, .bd_nsid = nsid, .bd_first_lba = first_lba, .bd_blocks = blocks,
		.bd_lba_bytes = lba_bytes, .bd_partition = part_index != 0, .bd_part_index = part_index,
	};

	if (part_index)
		fmt_snprintf(d.bd_name, sizeof(d.bd_name), "nvme%un%up%u", unit, nsid, part_index);
	else
		fmt_snprintf(d.bd_name, sizeof(d.bd_name), "nvme%un%u", unit, nsid);
	if (block_dev_find(d.bd_name)) {
		kerror("block: error device name taken dev=%s", d.bd_name);
		return NULL;
	}
	if (ndevs == BLOCK_MAX_DEVS) {
		kerror("block: error device table full dev=%s limit=%u", d.bd_name, BLOCK_MAX_DEVS);
		return NULL;
	}
	devs[ndevs] = d;
	return &devs[ndevs++];
}

void block_dev_remove_ctrl(const struct nvme_ctrl *c)
{
	for (unsigned int i = 0; i < ndevs; i++) {
		if (devs[i].bd_ctrl == c)
			devs[i].bd_ctrl = NULL;
	}
}

void block_ns_resized(struct nvme_ctrl *c, uint32_t nsid, uint64_t old_blocks, uint64_t new_blocks)
{
	for (unsigned int i = 0; i < ndevs; i++) {
		struct block_dev *d = &devs[i];
		if (d->bd_ctrl != c || d->bd_nsid != nsid)
			continue;
		if (!d->bd_partition) {
			kprintf("block: resized dev=%s blocks=%lu->%lu", d->bd_name, old_blocks, new_blocks);
			d->bd_blocks = new_blocks;
		} else if (d->bd_first_lba + d->bd_blocks > new_blocks && d->bd_blocks) {
			kprintf("block: failed dev=%s reason=namespace-shrank first_lba=%lu blocks=%lu namespace_blocks=%lu",
			       d->bd_name, d->bd_first_lba, d->bd_blocks, new_blocks);
			d->bd_blocks = 0;	/* new sessions get an empty window; open ones were closed */
		}
	}
}
