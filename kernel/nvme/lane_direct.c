/*
 * kernel/nvme/lane_direct.c - the direct lane's enable and doorbell page
 * (see lane_direct.h; NVMe Base 2.0c §3.1.2 doorbells, §3.5.1 enable;
 * PCI 3.0 §6.8.2 MSI-X table and PBA placement).
 */
#include "kernel/nvme/lane_direct.h"

#include "include/abi/device.h"
#include "include/abi/errors.h"
#include "kernel/core/log.h"
#include "kernel/core/memlayout.h"
#include "kernel/core/proc.h"
#include "lib/bits.h"
#include "lib/pci_reg.h"

_Static_assert(BROKER_MAX_SPACES < DMA_DIRECT_SPACES, "every session's space has its place in the IOVA window");

int nvme_direct_space_attach(struct nvme_ctrl *c, uint32_t space, struct dma_pool *region)
{
	if (c->nc_lane != DMA_LANE_DIRECT || !c->nc_dma.dd_ops)
		return 0;
	int err = c->nc_dma.dd_ops->map_space(&c->nc_dma, space, region);
	if (err < 0)
		kerror("nvme: error region not mapped for the direct lane bdf=%s space=%u bytes=%lu err=%s", c->nc_bdf,
		       space, region->dp_bytes, cr_err_name(err));
	return err;
}

/* Does [lo, hi) of BAR bar overlap the MSI-X table or PBA? */
static bool overlaps_msix(const struct nvme_ctrl *c, unsigned bar, uint64_t lo, uint64_t hi)
{
	struct pci_msix_info mi;
	struct pci_cfg_reader r = pci_reader(c->nc_pci);

	if (!c->nc_pci->pd_cap_msix)
		return false;
	if (!pci_read_msix(&r, c->nc_pci->pd_cap_msix, &mi))
		return true;	/* malformed: assume the worst */
	uint64_t t_lo = mi.table_offset, t_hi = t_lo + (uint64_t)mi.table_size * PCI_MSIX_ENTRY_SIZE;
	uint64_t p_lo = mi.pba_offset, p_hi = p_lo + DIV_ROUND_UP((uint64_t)mi.table_size, 64) * 8;
	return (mi.table_bir == bar && t_lo < hi && t_hi > lo) || (mi.pba_bir == bar && p_lo < hi && p_hi > lo);
}

int nvme_direct_doorbell_map(struct nvme_ctrl *c, struct proc *p, uint64_t *va)
{
	const struct pci_bar *bar = &c->nc_pci->pd_bars[0];
	uint64_t lo = NVME_REG_PAGE, hi = NVME_REG_PAGE + PAGE_SIZE;

	if (c->nc_lane != DMA_LANE_DIRECT)
		return CR_EPERM;	/* brokered lane: doorbells are SYS_NVME_DOORBELL */
	if (p->p_pid != c->nc_provider_pid)
		return CR_EPERM;
	if (c->nc_doorbell_pid)
		return CR_EBUSY;	/* once, into the provider */
	/* Every queue the provider may create must have both doorbells in this one page. */
	if (nvme_cq_doorbell(BROKER_MAX_QID, c->nc_dstrd) + 4 > hi || bar->size < hi || bar->base & (PAGE_SIZE - 1)) {
		kerror("nvme: error doorbell page refused bdf=%s reason=doorbells-not-in-one-page dstrd=%u", c->nc_bdf,
		       c->nc_dstrd);
		return CR_ENOSYS;
	}
	if (overlaps_msix(c, 0, lo, hi)) {
		kerror("nvme: error doorbell page refused bdf=%s reason=msix-table-or-pba-in-that-page", c->nc_bdf);
		return CR_EPERM;
	}
	*va = proc_map_device(p, bar->base + lo, PAGE_SIZE);
	if (!*va)
		return CR_ENOMEM;
	c->nc_doorbell_pid = p->p_pid;
	kprintf("nvme: doorbell page mapped bdf=%s pid=%d bar0_offset=0x%lx bytes=%u queues=%u msix_table=elsewhere",
		c->nc_bdf, p->p_pid, lo, PAGE_SIZE, BROKER_MAX_QID + 1);
	return 0;
}
