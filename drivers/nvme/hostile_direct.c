/*
 * drivers/nvme/hostile_direct.c - selftest=hostile on the direct lane: the
 * provider aims its own device at memory outside its pool.
 *
 * On this lane no broker stands between the provider and the device, so
 * nothing refuses these commands: the IOMMU is what stops them.  Each
 * attempt writes a device address outside the pool raw into a command
 * (the low physical addresses where a kernel lives, a kernel virtual
 * address, the page just past the pool, a PRP list entry), waits for the
 * completion and checks what the provider itself can see: the command
 * completed, the controller is alive (no CSTS.CFS), and the pool around
 * the target holds exactly what it held.  The proof that the DMA was
 * blocked is the kernel's, not the provider's: one "iommu: fault ...
 * source=<bdf> addr=<page>" line per attempt, which the QEMU test reads
 * (and a write whose data came from "kernel memory" is checked in the
 * disk image on the host).
 *
 * Admin commands with lasting effects (Format NVM, Doorbell Buffer Config,
 * Set Features with Save, firmware) are tried by hostile.c on both lanes:
 * the admin queue stays brokered here too, so they are refused.
 */
#include "drivers/nvme/hostile.h"
#include "drivers/nvme/lane_direct.h"

#include "lib/fmt.h"
#include "lib/nvme_status.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

#define CANARY		0xc3
#define SCRATCH_BYTES	(64u << 10)
#define KERNEL_PHYS	0x200000ull		/* where the kernel image is loaded (kernel/core/memlayout.h) */

static bool canary_intact(const uint8_t *p, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++) {
		if (p[i] != CANARY)
			return false;
	}
	return true;
}

static bool controller_alive(struct nvme_dev *d)
{
	uint32_t csts = 0;

	return sys_mmio_read32(d, NVME_CSTS, &csts) == 0 && csts != 0xffffffffu && (csts & NVME_CSTS_RDY) &&
	       !(csts & NVME_CSTS_CFS);
}

/*
 * Send c (device addresses already in it) on q; harmless if it completed,
 * the controller lives, and scratch bytes outside [keep_from, keep_to)
 * still hold the canary.
 */
static void attempt(struct nvme_dev *d, struct nvme_queue *q, const char *name, struct nvme_sqe c, uint64_t addr,
		    const uint8_t *scratch, uint32_t keep_from, uint32_t keep_to)
{
	struct nvme_cqe e;
	char how[128];

	lane_direct_raw_next(true);
	int err = queue_exec(d, q, &c, &e);
	lane_direct_raw_next(false);	/* also if the command never reached the queue */
	bool alive = controller_alive(d);
	bool intact = canary_intact(scratch, 0, keep_from) && canary_intact(scratch, keep_to, SCRATCH_BYTES);
	fmt_snprintf(how, sizeof(how), "device-address=0x%lx completed=%s status=0x%04x controller=%s pool=%s", addr,
		     err ? "no" : "yes", err ? 0 : e.status & 0xfffe, alive ? "alive" : "DEAD", intact ? "untouched" : "CHANGED");
	hostile_verdict(name, !err && alive && intact, "harmless", how);
}

int hostile_direct_commands(struct nvme_dev *d)
{
	const struct nvme_ns *ns = ctrl_ns(d, 0);
	struct nvme_queue *io = &d->d_io;
	uint64_t buf = d->d_data;
	uint8_t *scratch = pool_ptr(d, buf);
	uint64_t pool_end = lane_direct_iova(d->d_pool_bytes);

	if (!ns || ns->n_block_xfer != 512 || d->d_data_bytes < SCRATCH_BYTES + 4096) {
		uprintf("selftest: hostile direct-lane attacks skipped reason=needs-512-byte-blocks");
		return 0;
	}
	memset(scratch, CANARY, SCRATCH_BYTES);
	/*
	 * First, while kernel memory is as loaded: the device reads memory for a write, so kernel text would
	 * go to the disk (the host checks it did not).
	 */
	uint64_t lba = ns->n_info.nsze - 8;
	attempt(d, io, "write-from-kernel-memory", (struct nvme_sqe){ .opc = NVME_CMD_WRITE, .nsid = ns->n_nsid,
		.prp1 = KERNEL_PHYS, .cdw10 = (uint32_t)lba, .cdw11 = (uint32_t)(lba >> 32), .cdw12 = 7 },
		KERNEL_PHYS, scratch, 0, 0);
	uprintf("selftest: hostile direct-lane exfiltration-target lba=%lu blocks=8 kernel_phys=0x%lx", lba,
		(uint64_t)KERNEL_PHYS);
	/* Two pages: the first is the provider's own, the second a raw address. */
	attempt(d, io, "read-raw-prp2", (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = ns->n_nsid,
		.prp1 = lane_direct_iova(buf), .prp2 = 0x100000, .cdw12 = 15 }, 0x100000, scratch, 0, 4096);
	memset(scratch, CANARY, SCRATCH_BYTES);
	/* 4 KiB starting 512 bytes before the end of the pool: the rest would land past it. */
	attempt(d, io, "read-beyond-pool", (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = ns->n_nsid,
		.prp1 = pool_end - 512, .prp2 = pool_end, .cdw12 = 7 }, pool_end, scratch, 0, 0);
	/* Three pages through a PRP list in the pool (just past the scratch bytes) whose second entry leaves it. */
	uint64_t *list = (uint64_t *)(scratch + SCRATCH_BYTES);
	list[0] = lane_direct_iova(buf + 4096);
	list[1] = 0x300000;
	attempt(d, io, "prp-list-entry-outside-pool", (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = ns->n_nsid,
		.prp1 = lane_direct_iova(buf), .prp2 = lane_direct_iova(buf + SCRATCH_BYTES), .cdw12 = 23 },
		0x300000, scratch, 0, 8192);
	/* The release audit looks for manager addresses the provider could only have learned: not our guesses. */
	list[0] = list[1] = 0;
	memset(scratch, CANARY, SCRATCH_BYTES);
	return 0;
}
