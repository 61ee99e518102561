/*
 * tests/host/model/kshim.c - host implementations of the kernel services
 * the broker uses (see kshim.h).
 *
 * "Physical" addresses: the kernel reaches physical page pa at
 * DIRECT_MAP_BASE + pa (kernel/core/pmm.h).  Here pmm_alloc hands out host
 * memory at address h and returns h - DIRECT_MAP_BASE (mod 2^64), so the
 * kernel's own phys_to_virt gives h back and the device model can DMA to
 * "physical" addresses the same way.  Those addresses stay below 2^48.
 */
#define _DEFAULT_SOURCE	/* syscall() */
#include "tests/host/model/kshim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/cap/interrupt.h"
#include "kernel/core/clock.h"
#include "kernel/core/irqsoff.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/kspin.h"
#include "kernel/core/locking.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/core/sched.h"
#include "kernel/dma/dma_copy.h"
#include "kernel/nvme/nvme_ctrl.h"
#include "lib/fmt.h"

char kshim_lines[KSHIM_LINES][512];
unsigned kshim_nlines, kshim_errors;
bool kshim_quiet = true;
uint64_t kshim_now_ns = 1000000;
static uint64_t pages_live;
bool kshim_pmm_fail;

/* ---------------------------------------------------------------- log */

static void vlog(const char *fmt, va_list ap)
{
	char *line = kshim_lines[kshim_nlines++ % KSHIM_LINES];

	vsnprintf(line, 512, fmt, ap);
	if (!kshim_quiet)
		fprintf(stderr, "kernel| %s\n", line);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void kerror(const char *fmt, ...)
{
	va_list ap;

	kshim_errors++;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- locks (kernel/core/kspin.h, locking.h) */

__thread bool kshim_bkl = true;
__thread bool kshim_lock_asserts = true;
static __thread uint32_t thread_id;
static uint32_t thread_ids;

static uint32_t me(void)
{
	if (!thread_id)
		thread_id = __atomic_add_fetch(&thread_ids, 1, __ATOMIC_RELAXED);
	return thread_id;
}

bool bkl_held(void)
{
	return kshim_bkl;
}

void kspin_lock(struct kspin *l)
{
	if (guest_held_by(&l->ks_lock, me()))
		panic("kspin: %s taken twice", l->ks_name);
	while (!guest_trylock(&l->ks_lock, me()))
		spin_relax();
	l->ks_acquires++;
}

void kspin_unlock(struct kspin *l)
{
	if (!guest_held_by(&l->ks_lock, me()))
		panic("kspin: %s released by a thread that does not hold it", l->ks_name);
	guest_unlock(&l->ks_lock);
}

bool kspin_held(const struct kspin *l)
{
	return guest_held_by(&l->ks_lock, me());
}

void kspin_assert_held(const struct kspin *l)
{
	if (kshim_lock_asserts && !guest_held_by(&l->ks_lock, me()))
		panic("kspin: %s not held where it must be", l->ks_name);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

bool kshim_logged(const char *s)
{
	unsigned n = kshim_nlines < KSHIM_LINES ? kshim_nlines : KSHIM_LINES;

	for (unsigned i = 0; i < n; i++) {
		if (strstr(kshim_lines[i], s))
			return true;
	}
	return false;
}

void kshim_reset_log(void)
{
	kshim_nlines = 0;
	kshim_errors = 0;
}

/* ---------------------------------------------------------------- memory */

void *kmalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

void kfree(void *p)
{
	free(p);
}

uint64_t pmm_alloc(uint64_t npages, uint64_t align_pages, uint64_t limit_phys)
{
	uint64_t align = align_pages * PAGE_SIZE;
	if (kshim_pmm_fail)
		return 0;
	void *p = aligned_alloc(align, npages * PAGE_SIZE);

	if (!p)
		return 0;
	memset(p, 0, npages * PAGE_SIZE);
	uint64_t pa = (uint64_t)(uintptr_t)p - DIRECT_MAP_BASE;
	if (limit_phys && pa + npages * PAGE_SIZE > limit_phys) {
		free(p);
		return 0;
	}
	pages_live += npages;
	return pa;
}

void (*kshim_pmm_free_hook)(uint64_t phys, uint64_t npages);

void pmm_free(uint64_t phys, uint64_t npages)
{
	if (kshim_pmm_free_hook)
		kshim_pmm_free_hook(phys, npages);
	pages_live -= npages;
	free(phys_to_virt(phys));
}

/* Host memory is anywhere below 2^48 (see the file comment). */
uint64_t pmm_ram_end(void)
{
	return 1ull << 48;
}

uint64_t kshim_pmm_pages_live(void)
{
	return pages_live;
}

void dma_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

void dma_zero(void *dst, size_t n)
{
	memset(dst, 0, n);
}

/* ---------------------------------------------------------------- scheduling (sched.h; the BKL's handover) */

bool kshim_others_runnable;
unsigned kshim_yields;
__thread bool kshim_irq_owns_bkl;
__thread unsigned kshim_bkl_releases;
void (*kshim_bkl_release_hook)(void);
void (*kshim_bkl_acquire_hook)(void);

/* Sections that give the BKL up (poll.c's spin, an interrupt's I/O completions): the thread holds it no more. */
void bkl_release(void)
{
	kshim_bkl = false;
	kshim_bkl_releases++;
	if (kshim_bkl_release_hook)
		kshim_bkl_release_hook();
}

void bkl_acquire(void)
{
	if (kshim_bkl_acquire_hook)
		kshim_bkl_acquire_hook();
	kshim_bkl = true;
}

bool bkl_irq_may_release(void)
{
	return kshim_irq_owns_bkl && kshim_bkl;
}

bool sched_others_runnable(void)
{
	return kshim_others_runnable;
}

/* The kernel's name shadows the C library's, which the threaded tests call: count, then really yield. */
void sched_yield(void)
{
	__atomic_add_fetch(&kshim_yields, 1, __ATOMIC_RELAXED);
	syscall(SYS_sched_yield);
}

/* ---------------------------------------------------------------- time */

uint64_t clock_ns(void)
{
	return kshim_now_ns += 1000;
}

void clock_delay_us(uint64_t us)
{
	kshim_now_ns += us * 1000;
}

unsigned kshim_budget_entries;

/* As kernel/core/irqsoff.c, with "the clock ran out" after kshim_budget_entries entries. */
bool irqsoff_may_take(unsigned taken, unsigned limit)
{
	if (taken >= limit)
		return false;
	return taken == 0 || !kshim_budget_entries || taken < kshim_budget_entries;
}

/* No interrupts on the host: a window lets nothing in. */
void irqsoff_window(const char *site)
{
	(void)site;
}

/* ---------------------------------------------------------------- objects */

static struct irq_object irqs[8];

struct irq_object *kshim_irq_object(unsigned index)
{
	irqs[index].io_index = index;
	return &irqs[index];
}

void irq_object_signal(struct irq_object *o)
{
	o->io_pending++;
	o->io_total++;
}

uint64_t kshim_irq_signals(unsigned index)
{
	return irqs[index].io_total;
}

void *dma_pool_ptr(struct dma_pool *p, uint64_t off, uint64_t len)
{
	uint64_t end;

	if (!p || __builtin_add_overflow(off, len, &end) || end > p->dp_bytes)
		return NULL;
	return p->dp_virt + off;
}

struct dma_pool *kshim_pool_create(uint64_t bytes)
{
	struct dma_pool *p = calloc(1, sizeof(*p));

	p->dp_obj = (struct kobj){ 4, 1, NULL };
	p->dp_phys = pmm_alloc(bytes / PAGE_SIZE, 1, 0);
	p->dp_virt = phys_to_virt(p->dp_phys);
	p->dp_bytes = bytes;
	p->dp_lane = 1;
	p->dp_mapped_pid = 7;
	return p;
}

void kshim_pool_destroy(struct dma_pool *p)
{
	pmm_free(p->dp_phys, p->dp_bytes / PAGE_SIZE);
	free(p);
}

/* ---------------------------------------------------------------- the IOMMU lane */

/* The broker rig binds on the bounce lane only: the remapping candidate never reaches this. */
int nvme_verify_lane(struct nvme_ctrl *c)
{
	(void)c;
	abort();
}
