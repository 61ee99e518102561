/*
 * kernel/nvme/lane_direct.h - the manager's side of the direct lane.
 *
 * On this lane the controller's IOMMU domain maps the provider's DMAPool
 * (kernel/iommu/vtd/domain.c); the provider's I/O rings are the device's
 * rings and its I/O commands carry IOVAs.  The manager keeps what it keeps
 * on the brokered lane: it authors AQA/ASQ/ACQ and CC, the admin queue is
 * its own and brokered exactly as there (allow-lists, I6), it owns the
 * MSI-X table and receives every interrupt, and the register page stays
 * behind DeviceMmio (reads from the allow-list, the reset claim).  What it
 * hands over is the doorbell page, mapped into the provider (uncached,
 * never the page that holds the MSI-X table or PBA), and the interrupt,
 * forwarded to the provider's Interrupt capability.
 *
 * The lane's invariants (compare kernel/nvme/broker.h I1-I7):
 *  D1 Reach.  While a provider runs, its controller's domain maps its pool
 *     and the regions its clients lent to block sessions on this controller,
 *     each at its space's place (include/abi/device.h), and of the
 *     manager's memory only the admin queue: its submission ring read-only
 *     (no DMA, whoever aims it, writes a command there), its completion
 *     ring writable.  Everything the manager used at bind is unmapped
 *     before the enable, and every controller has its own domain.  A device
 *     address outside those faults in the IOMMU (recorded, printed), never
 *     reaches memory.
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
 *     only signals: bounded work (I7).  A DMA write into 0xFEE0_0000-
 *     0xFEEF_FFFF is an interrupt request, not memory, and the provider
 *     aims its I/O commands wherever it likes: so only granted vectors are
 *     reachable only where the unit remaps interrupts
 *     (kernel/iommu/vtd/irq_remap.c): every message the kernel programs
 *     (this controller's MSI-X, the I/O APIC's pins) names an entry with
 *     the kernel's vector and destination and the requester id allowed to
 *     use it, the controller has entries for its granted vectors only, and
 *     compatibility format is blocked (GCMD.CFI never set, GSTS.CFIS
 *     checked clear).  That isolation is verified at bind like DMA's
 *     (kernel/iommu/vtd/verify_irq.c: the controller writes a
 *     compatibility message and a remappable one naming an entry it does
 *     not own, and neither may arrive).  By default a controller whose
 *     interrupt isolation is not verified (no IR on its unit, or a unit
 *     that lets either through: QEMU's does) does not get this lane;
 *     iommu.interrupt_isolation=optional gives it the lane anyway, labelled
 *     interrupt_isolation=unverified, and then D5 does not hold: its device
 *     can raise any vector, an NMI, or INIT/SMI (which no software can
 *     defend against).
 *  D6 Admin.  I6 holds here too: admin commands reach the device only
 *     through the broker.  The provider can still store to SQ 0's tail in
 *     its doorbell page; the device then fetches slots of the manager's
 *     ring, which hold only commands the broker passed, and zeros once they
 *     completed (an invalid command).  What that can do is confuse this
 *     controller's admin queue, which only its own provider uses.
 * Not kept on this lane: the broker's checks of I/O commands (I4) and a
 * session's partition window, which the device sees unbrokered; what an
 * I/O command can reach is bounded by D1, and the namespace is the
 * provider's whole disk.
 */
#ifndef CAPROCK_NVME_LANE_DIRECT_H
#define CAPROCK_NVME_LANE_DIRECT_H

#include <stdint.h>

#include "include/abi/nvme_broker.h"
#include "kernel/cap/interrupt.h"
#include "kernel/dma/dma_pool.h"
#include "kernel/nvme/nvme_ctrl.h"

struct proc;


/* A block session's region, lent to the session: reachable by the device at its space's IOVA (0: done). */
int nvme_direct_space_attach(struct nvme_ctrl *c, uint32_t space, struct dma_pool *region);
/* The session ends: unmapped and invalidated before the region can go. */
static inline void nvme_direct_space_detach(struct nvme_ctrl *c, uint32_t space)
{
	if (c->nc_lane == DMA_LANE_DIRECT && c->nc_dma.dd_ops && !c->nc_detached)	/* detached: domain gone */
		c->nc_dma.dd_ops->unmap_space(&c->nc_dma, space);
}

/*
 * SYS_NVME_DOORBELL_MAP: map the doorbell page into p; the user address in *va.
 * The page is never unmapped from a live provider, and need not be: the BAR
 * behind it goes to another device only after finish_detach (units.c),
 * which waits until the provider has ended (killed at once if the function
 * vanished), and its CPU switched away from and freed that address space
 * under the same BKL hold (sched.c, locking.h L7), so no CPU keeps the
 * mapping.  Until then a write through it reaches this controller, or
 * nothing once it is gone.  A path that let the BAR go with the provider
 * alive would have to proc_unmap the page first.
 */
int nvme_direct_doorbell_map(struct nvme_ctrl *c, struct proc *p, uint64_t *va);

/* The controller's vector index fired: the provider reaps its own queues (D5). */
static inline void nvme_direct_irq(struct nvme_ctrl *c, unsigned int index)
{
	c->nc_direct_irqs++;
	if (index < c->nc_nvectors)
		irq_object_signal(c->nc_irq_obj[index]);
}

#endif
