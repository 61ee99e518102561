/*
 * kernel/iommu/vtd/wait.c - bounded waits on a unit's registers, and cache
 * flushing for translation structures (VT-d 3.3 §10.4.3 ECAP.C).
 *
 * Every wait on the hardware ends after VTD_WAIT_MS with an error line
 * naming the register, its value and what was awaited.
 */
#include "include/abi/errors.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/iommu/vtd/vtd_var.h"

#define CACHE_LINE 64

int vtd_wait32(struct vtd_unit *u, uint32_t off, uint32_t mask, uint32_t want, const char *what)
{
	uint64_t deadline = clock_ns() + VTD_WAIT_MS * NSEC_PER_MSEC;
	uint32_t v;

	while (((v = vtd_read32(u, off)) & mask) != want) {
		if (clock_ns() > deadline) {
			kerror("iommu: error timeout unit=%u waiting for %s reg=0x%x value=0x%x mask=0x%x want=0x%x timeout_ms=%u",
			       u->u_index, what, off, v, mask, want, VTD_WAIT_MS);
			return CR_ETIMEDOUT;
		}
		cpu_relax();
	}
	return 0;
}

int vtd_wait64(struct vtd_unit *u, uint32_t off, uint64_t mask, uint64_t want, const char *what)
{
	uint64_t deadline = clock_ns() + VTD_WAIT_MS * NSEC_PER_MSEC;
	uint64_t v;

	while (((v = vtd_read64(u, off)) & mask) != want) {
		if (clock_ns() > deadline) {
			kerror("iommu: error timeout unit=%u waiting for %s reg=0x%x value=0x%lx mask=0x%lx want=0x%lx timeout_ms=%u",
			       u->u_index, what, off, v, mask, want, VTD_WAIT_MS);
			return CR_ETIMEDOUT;
		}
		cpu_relax();
	}
	return 0;
}

/*
 * A unit without page-walk coherency (ECAP.C = 0, §10.4.3; QEMU's among
 * them) reads root, context and page tables from memory, not from the
 * CPU's caches: the lines must be written back before it may look.  The
 * fence orders the flushes before the register write that tells it to.
 */
void vtd_flush_cpu(const struct vtd_unit *u, const void *p, uint64_t len)
{
	if (u->u_caps.coherent || !len)
		return;
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(CACHE_LINE - 1), end = (uintptr_t)p + len;
	for (; a < end; a += CACHE_LINE)
		clflush((const void *)a);
	mb();
}
