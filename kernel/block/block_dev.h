/*
 * kernel/block/block_dev.h - the block devices the kernel offers: every
 * active namespace of every bound controller (nvme0n1), and every GPT
 * partition on one (nvme0n1p2), named as Linux users know them.
 *
 * A device is a window (first_lba, blocks) of one namespace.  A BlockDevice
 * capability scoped to a device reaches that window and nothing else; its
 * LBAs are relative to first_lba (kernel/block/session.c, and the broker's
 * check of every command that names the session's region).
 */
#ifndef CAPROCK_BLOCK_BLOCK_DEV_H
#define CAPROCK_BLOCK_BLOCK_DEV_H

#include <stdbool.h>
#include <stdint.h>

#define BLOCK_MAX_DEVS		1024
#define BLOCK_NAME_BYTES	16

struct nvme_ctrl;

struct block_dev {
	char bd_name[BLOCK_NAME_BYTES];
	struct nvme_ctrl *bd_ctrl;
	unsigned int bd_unit;		/* the controller's number: the 0 of nvme0 */
	uint32_t bd_nsid;
	uint64_t bd_first_lba;		/* in the namespace */
	uint64_t bd_blocks;
	uint32_t bd_lba_bytes;
	bool bd_partition;
	unsigned int bd_part_index;	/* the 2 of nvme0n1p2 */
};

/* Add a device; NULL (with an error line) when the table is full or the name is taken. */
struct block_dev *block_dev_add(struct nvme_ctrl *c, unsigned int unit, uint32_t nsid, uint64_t first_lba,
				uint64_t blocks, uint32_t lba_bytes, unsigned int part_index);
struct block_dev *block_dev_find(const char *name);
/*
 * The live devices in the order added, from *cursor on (start at 0): the
 * next one, with *cursor moved past it, or NULL at the end.  Removed
 * entries keep their slots and are skipped:
 * for (unsigned i = 0; (d = block_dev_next(&i));) ...
 */
struct block_dev *block_dev_next(unsigned int *cursor);
/*
 * Namespace nsid of c is now new_blocks long (0: gone; the sessions' windows
 * have moved already, kernel/nvme/spaces.c): its whole-namespace device
 * follows (`block: resized dev=… blocks=OLD->NEW`); a partition that no
 * longer fits is closed (`block: failed dev=… reason=namespace-shrank …`).
 */
void block_ns_resized(struct nvme_ctrl *c, uint32_t nsid, uint64_t old_blocks, uint64_t new_blocks);
/* Forget every device of controller c (it is being released). */
void block_dev_remove_ctrl(const struct nvme_ctrl *c);

#endif
