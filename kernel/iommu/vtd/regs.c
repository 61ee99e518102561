/*
 * kernel/iommu/vtd/regs.c - a VT-d unit's registers (VT-d 3.3 §10.4).
 *
 * Registers are 32 or 64 bits wide and read with accesses of exactly that
 * width (§10.2: software may access 64-bit registers as one 64-bit access).
 * Kept apart so that the host tests can put a model of the unit behind the
 * same four functions (tests/host/model/vtd_model.c).
 */
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/iommu/vtd/vtd_var.h"

uint32_t vtd_read32(struct vtd_unit *u, uint32_t off) { return mmio_read32(u->u_regs + off); }
uint64_t vtd_read64(struct vtd_unit *u, uint32_t off) { return mmio_read64(u->u_regs + off); }
void vtd_write32(struct vtd_unit *u, uint32_t off, uint32_t v) { mmio_write32(u->u_regs + off, v); }
void vtd_write64(struct vtd_unit *u, uint32_t off, uint64_t v) { mmio_write64(u->u_regs + off, v); }
