/*
 * drivers/nvme/hostile_irq.c - selftest=hostile-irq: on the direct lane the
 * provider makes its own device raise interrupts it was never granted.
 *
 * A DMA write into 0xFEE0_0000-0xFEEF_FFFF is not translated by VT-d: it
 * is an interrupt request (VT-d 3.3 §3.1.2, §5.1.2.1).  Without interrupt
 * remapping (or where the platform passes compatibility-format requests
 * through, as QEMU's intel-iommu does) the written dword is the MSI data:
 * vector bits 7:0, delivery mode bits 10:8 (Intel SDM Vol. 3A §11.11.2);
 * the address picks the destination (0xFEE00000: APIC id 0, physical).
 *
 * The provider owns the disk contents, so it first WRITEs one block per
 * shot whose first dword is the MSI data it wants, then READs that block
 * back with an SGL whose first data descriptor is 4 bytes at 0xFEE00000
 * and whose second takes the rest into the pool: exactly one interrupt
 * per READ.  Without SGL support the READ's PRP1 is the window itself and
 * the whole block (every dword the same data) lands there: 128 writes,
 * the half with bit 2 set (logical destination 0) reaching no CPU.
 *
 * Shots: every fixed vector 0-255, a few lowest-priority ones, NMIs and an
 * ExtINT.  Not sent: SMI, INIT and Start-up, which no software running on
 * the target CPU can defend against (only interrupt remapping can block
 * them).  The kernel must survive every shot, keep running the other
 * processes and count each interrupt it took; the QEMU test compares its
 * counts with the "injected" line printed here.
 */
#include "drivers/nvme/lane_direct.h"
#include "drivers/nvme/nvme_var.h"

#include "include/abi/errors.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

#define MSI_WINDOW		0xfee00000ull	/* destination APIC id 0, physical, no redirection hint */
#define MSI_DM_FIXED		(0u << 8)
#define MSI_DM_LOWEST		(1u << 8)
#define MSI_DM_NMI		(4u << 8)
#define MSI_DM_EXTINT		(7u << 8)

#define LOWEST_SHOTS		3
#define NMI_SHOTS		8
#define EXTINT_SHOTS		1
#define SHOTS			(256 + LOWEST_SHOTS + NMI_SHOTS + EXTINT_SHOTS)
#define BLOCK			512u

static const uint8_t lowest_vectors[LOWEST_SHOTS] = { 0x13, 0x80, 0xfe };

static uint32_t shot_data(unsigned i)
{
	if (i < 256)
		return MSI_DM_FIXED | i;
	i -= 256;
	if (i < LOWEST_SHOTS)
		return MSI_DM_LOWEST | lowest_vectors[i];
	i -= LOWEST_SHOTS;
	if (i < NMI_SHOTS)
		return MSI_DM_NMI;	/* the vector is ignored for NMI */
	return MSI_DM_EXTINT;
}

static bool controller_alive(struct nvme_dev *d)
{
	uint32_t csts = 0;

	return sys_mmio_read32(d, NVME_CSTS, &csts) == 0 && csts != 0xffffffffu && (csts & NVME_CSTS_RDY) &&
	       !(csts & NVME_CSTS_CFS);
}

/* Put every shot's MSI data on the disk, one block each, through the provider's own pool. */
static int write_shots(struct nvme_dev *d, const struct nvme_ns *ns, uint64_t lba0, uint64_t buf, bool sgl)
{
	uint8_t *p = pool_ptr(d, buf);
	uint32_t per_cmd = (uint32_t)(d->d_max_transfer / BLOCK);

	memset(p, 0, (uint64_t)SHOTS * BLOCK);
	for (unsigned i = 0; i < SHOTS; i++) {
		uint32_t *w = (uint32_t *)(p + (uint64_t)i * BLOCK);
		for (unsigned k = 0; k < (sgl ? 1u : BLOCK / 4); k++)
			w[k] = shot_data(i);
	}
	for (unsigned i = 0; i < SHOTS; i += per_cmd) {
		struct nvme_sqe c;
		struct nvme_cqe e;
		uint32_t n = SHOTS - i < per_cmd ? SHOTS - i : per_cmd;
		cmd_rw(&c, NVME_CMD_WRITE, ns, lba0 + i, n, buf + (uint64_t)i * BLOCK, d->d_md);
		if (queue_exec(d, &d->d_io, &c, &e) < 0 || (e.status & 0xfffe))
			return CR_EIO;
	}
	return 0;
}

/* READ block lba so that its first dword is written at the interrupt window. */
static bool fire(struct nvme_dev *d, const struct nvme_ns *ns, uint64_t lba, uint64_t list, uint64_t sink, bool sgl)
{
	struct nvme_sqe c = { .opc = NVME_CMD_READ, .nsid = ns->n_nsid, .cdw10 = (uint32_t)lba,
			      .cdw11 = (uint32_t)(lba >> 32) };
	struct nvme_cqe e;

	if (sgl) {
		struct nvme_sgl_desc *l = pool_ptr(d, list);
		l[0] = (struct nvme_sgl_desc){ .addr = MSI_WINDOW, .len = 4, .id = NVME_SGL_DATA_BLOCK };
		l[1] = (struct nvme_sgl_desc){ .addr = lane_direct_iova(sink), .len = BLOCK - 4, .id = NVME_SGL_DATA_BLOCK };
		struct nvme_sgl_desc seg = { .addr = lane_direct_iova(list), .len = 2 * sizeof(*l),
					     .id = NVME_SGL_LAST_SEGMENT };
		c.flags = NVME_SQE_PSDT_SGL;
		memcpy(&c.prp1, &seg, sizeof(seg));	/* DPTR: PRP1 and PRP2 hold the first descriptor */
	} else {
		c.prp1 = MSI_WINDOW;
	}
	lane_direct_raw_next(true);
	int err = queue_exec(d, &d->d_io, &c, &e);
	lane_direct_raw_next(false);
	return err == 0 && !(e.status & 0xfffe);
}

int hostile_irq_run(struct nvme_dev *d)
{
	const struct nvme_ns *ns = ctrl_ns(d, 0);
	bool sgl = NVME_SGLS_SUPPORTED(d->d_id.sgls) != 0;
	uint64_t buf = d->d_data;
	uint64_t list = buf + (uint64_t)SHOTS * BLOCK, sink = list + 4096;

	if (d->d_lane != DMA_LANE_DIRECT || !ns || ns->n_block_xfer != BLOCK || ns->n_info.nsze < 4 * SHOTS ||
	    d->d_data_bytes < (uint64_t)SHOTS * BLOCK + 8192) {
		uprintf("selftest: hostile irq skipped reason=%s",
			d->d_lane != DMA_LANE_DIRECT ? "not-direct-lane" : "needs-512-byte-blocks");
		return 0;
	}
	uint64_t lba0 = ns->n_info.nsze - 2 * SHOTS;
	if (write_shots(d, ns, lba0, buf, sgl) < 0) {
		nvme_error("selftest: hostile irq error cannot write the MSI data lba=%lu", lba0);
		return CR_EIO;
	}
	unsigned completed = 0;
	for (unsigned i = 0; i < SHOTS; i++)
		completed += fire(d, ns, lba0 + i, list, sink, sgl);
	bool alive = controller_alive(d);
	uprintf("selftest: hostile irq injected=%u fixed=256 lowest_priority=%u nmi=%u extint=%u completed=%u "
		"dptr=%s window=0x%lx lba=%lu controller=%s not_sent=smi,init,startup",
		SHOTS, LOWEST_SHOTS, NMI_SHOTS, EXTINT_SHOTS, completed, sgl ? "sgl" : "prp-block",
		(uint64_t)MSI_WINDOW, lba0, alive ? "alive" : "DEAD");
	return completed == SHOTS && alive ? 0 : CR_EIO;
}
