/*
 * kernel/nvme/lane_direct.h - the manager's side of the direct lane.
 *
 * On this lane the controller's IOMMU domain maps exactly the provider's
 * DMAPool (kernel/iommu/vtd/domain.c); the provider's rings are the
 * device's rings and its commands carry IOVAs.  The manager keeps what it
 * keeps on the brokered lane: it authors AQA/ASQ/ACQ (the IOVAs of the
 * provider's admin rings) and CC, it owns the MSI-X table and receives
 * every interrupt, and the register page stays behind DeviceMmio (reads
 * from the allow-list, the reset claim).  What it hands over is the
 * doorbell page, mapped into the provider (uncached, never the page that
 * holds the MSI-X table or PBA), and the interrupt, forwarded to the
 * provider's Interrupt capability.
 *
 * The lane's invariants (compare kernel/nvme/broker.h I1-I7):
 *  D1 Reach.  While a provider runs, its controller's domain maps its pool
 *     and the regions its clients lent to block sessions on this controller,
 *     each at its space's place (include/abi/device.h), and nothing else:
 *     manager pages are unmapped before the enable, and every controller
 *     has its own domain.  A device address outside those faults in the
 *     IOMMU (recorded, printed), never reaches memory.
 *  D2 Release.  The pool is unmapped, and the IOTLB invalidated, only after
 *     the controller stopped (CSTS.RDY = 0); the domain's context entry is
 *     cleared and invalidated before its tables are freed; the pool's memory
 *     is freed only after both (kobj reference held by the domain).  A
 *     session's region is unmapped and invalidated when the session ends,
 *     before its last reference goes (kernel/block/session.c); the device
 *     may still be running then, and what it does with the region from that
 *     point on faults.
 *  D3 Addresses.  IOVAs lie in a window above all RAM (lib/vtd_cap.c), so no
 *     IOVA is a host address; no call returns a host-physical address; the
 *     release audit scans the pool for manager physical addresses.
 *  D4 Registers.  As I5: reads from the allow-list, the reset claim the
 *     only write, AQA/ASQ/ACQ/CC by the manager; the doorbell page holds
 *     doorbells only (checked against the MSI-X table and PBA).
 *  D5 Interrupts.  The MSI-X table is the manager's; a vector the provider
 *     names that was not granted stays masked there.  The interrupt handler
 *     only signals: bounded work (I7).
 * Not kept on this lane: I6's narrowing of admin commands.  The device
 * fetches the provider's admin queue itself, so the manager cannot refuse
 * an opcode there; what such a command can reach is still bounded by D1.
 */
#ifndef CAPROCK_NVME_LANE_DIRECT_H
#define CAPROCK_NVME_LANE_DIRECT_H

#include <stdint.h>

#include "include/abi/nvme_broker.h"
#include "kernel/cap/interrupt.h"
#include "kernel/dma/dma_pool.h"
#include "kernel/nvme/nvme_ctrl.h"

struct proc;

/* The provider's enable on the direct lane: map the pool, point the admin queue at its rings (IOVAs), enable. */
int nvme_direct_enable(struct nvme_ctrl *c, struct dma_pool *pool, const struct nvme_enable_req *req);

/* A block session's region, lent to the session: reachable by the device at its space's IOVA (0: done). */
int nvme_direct_space_attach(struct nvme_ctrl *c, uint32_t space, struct dma_pool *region);
/* The session ends: unmapped and invalidated before the region can go. */
static inline void nvme_direct_space_detach(struct nvme_ctrl *c, uint32_t space)
{
	if (c->nc_lane == DMA_LANE_DIRECT && c->nc_dma.dd_ops)
		c->nc_dma.dd_ops->unmap_space(&c->nc_dma, space);
}

/* SYS_NVME_DOORBELL_MAP: map the doorbell page into p; the user address in *va. */
int nvme_direct_doorbell_map(struct nvme_ctrl *c, struct proc *p, uint64_t *va);

/* The controller's vector index fired: the provider reaps its own queues (D5). */
static inline void nvme_direct_irq(struct nvme_ctrl *c, unsigned int index)
{
	c->nc_direct_irqs++;
	if (index < c->nc_nvectors)
		irq_object_signal(c->nc_irq_obj[index]);
}

#endif
