/*
 * kernel/iommu/vtd/inval_queue.c - queued invalidation (VT-d 3.3 §6.5.2,
 * §10.4.22-§10.4.24).
 *
 * One page of 256 legacy (128-bit) descriptors.  A batch is the planned
 * descriptors followed by an invalidation wait descriptor that writes a
 * fresh sequence number to a status word in manager memory once every
 * descriptor before it has completed (SW, with FN so that nothing after
 * it starts early).  The tail register is written once per batch; the
 * status word is polled with a timeout, and an invalidation queue error
 * (FSTS.IQE/ICE/ITE) ends the wait with an error line.  If firmware left
 * the queue enabled, it is drained and disabled before ours replaces it.
 */
#include "include/abi/errors.h"
#include "kernel/arch/x86_64/barrier.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/iommu/vtd/vtd_var.h"

#define IQ_ERRORS (VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)

int vtd_inval_queue_init(struct vtd_unit *u)
{
	int err;

	if (vtd_read32(u, VTD_GSTS) & VTD_GCMD_QIE) {
		/* Someone else's queue: let it drain (head reaches tail), then turn it off. */
		uint64_t tail = vtd_read64(u, VTD_IQT);
		if ((err = vtd_wait64(u, VTD_IQH, ~0ull, tail, "firmware invalidation queue drain (IQH)")) < 0 ||
		    (err = vtd_gcmd(u, 0, VTD_GCMD_QIE, VTD_GCMD_QIE, false, "queued invalidation disable (GSTS.QIES)")) < 0)
			return err;
	}
	u->u_qi_phys = pmm_alloc_page();
	u->u_qi_status_phys = pmm_alloc_page();
	if (!u->u_qi_phys || !u->u_qi_status_phys)
		return CR_ENOMEM;
	u->u_qi = phys_to_virt(u->u_qi_phys);
	u->u_qi_status = phys_to_virt(u->u_qi_status_phys);
	u->u_qi_tail = 0;
	vtd_write64(u, VTD_IQT, 0);
	vtd_write64(u, VTD_IQA, u->u_qi_phys | VTD_IQA_QS(0));
	return vtd_gcmd(u, VTD_GCMD_QIE, 0, VTD_GCMD_QIE, true, "queued invalidation enable (GSTS.QIES)");
}

static void put(struct vtd_unit *u, struct vtd_inv_desc d)
{
	u->u_qi[u->u_qi_tail] = d;
	u->u_qi_tail = (u->u_qi_tail + 1) % VTD_QI_ENTRIES;
}

int vtd_inval_queue_run(struct vtd_unit *u, const struct vtd_inv_op *ops, unsigned n)
{
	/* The previous batch completed before its call returned: the whole ring is free. */
	uint32_t seq = ++u->u_qi_seq;

	for (unsigned i = 0; i < n; i++)
		put(u, vtd_qi_desc(&ops[i]));
	put(u, vtd_qi_wait_desc(u->u_qi_status_phys, seq));
	/* Descriptors are read like any DMA: with a snooping read, but make sure the stores are out. */
	mb();
	vtd_write64(u, VTD_IQT, (uint64_t)u->u_qi_tail << VTD_IQ_INDEX_SHIFT);
	uint64_t deadline = clock_ns() + VTD_WAIT_MS * NSEC_PER_MSEC;
	while (*u->u_qi_status != seq) {
		uint32_t fsts = vtd_read32(u, VTD_FSTS);
		if (fsts & IQ_ERRORS) {
			kerror("iommu: error unit=%u invalidation queue fault fsts=0x%x head=0x%lx tail=0x%x ops=%u",
			       u->u_index, fsts, vtd_read64(u, VTD_IQH), u->u_qi_tail, n);
			vtd_write32(u, VTD_FSTS, fsts & IQ_ERRORS);
			return CR_EIO;
		}
		if (clock_ns() > deadline) {
			kerror("iommu: error timeout unit=%u waiting for invalidation wait descriptor seq=%u head=0x%lx tail=0x%x timeout_ms=%u",
			       u->u_index, seq, vtd_read64(u, VTD_IQH), u->u_qi_tail, VTD_WAIT_MS);
			return CR_ETIMEDOUT;
		}
		cpu_relax();
	}
	return 0;
}
