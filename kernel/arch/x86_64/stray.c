/*
 * kernel/arch/x86_64/stray.c - interrupts nobody asked for: a device's
 * fixed interrupt on an exception vector, on the spurious or legacy-PIC
 * vectors, on a vector no handler owns; NMIs with no known source.
 *
 * Any device that can write the interrupt window (0xFEE0_0000, an MSI) can
 * raise these at will where interrupt remapping does not block it (no VT-d
 * IR, or compatibility-format requests passed through, as QEMU's
 * intel-iommu does).  None of them is an error of the code that was
 * running, so none panics the kernel or kills a process: each is EOI'd
 * when the local APIC delivered it, counted (lib/irq_stray.h: one line per
 * vector, however many arrive) and summed up at the end of the run.
 * INIT, SMI and Start-up messages cannot be handled here at all.
 *
 * Vector 2 shares its gate with NMI: a real NMI that arrives while a
 * device's fixed vector 2 is in service finds ISR bit 2 set and is counted
 * as that fixed interrupt (it is still counted, and nothing panics); the
 * two one-instruction windows on its IST stack are described at
 * trap_gate2 in trap_entry.S.  The NMI count is atomic (any CPU may take
 * one, outside the BKL) and each CPU has its own TSS and IST2; the other
 * counts are kept under the BKL (kernel/core/locking.h).
 */
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/log.h"
#include "lib/fmt.h"
#include "lib/irq_stray.h"

#define PORT_NMI_STATUS		0x61	/* PC system control port B: NMI reasons */
#define  NMI_STATUS_SERR	0x80	/* PCI SERR# / memory parity */
#define  NMI_STATUS_IOCHK	0x40	/* ISA IOCHK# */

static struct irq_stray strays;
static volatile uint8_t nmi_last_status;	/* port 0x61 at the last unknown NMI */

static const char *cpl_name(const struct trap_frame *tf)
{
	return trap_from_user(tf) ? "3" : "0";
}

void stray_external(struct trap_frame *tf)
{
	lapic_eoi();	/* first: its ISR bit blocks every vector of its priority class and below */
	if (irq_stray_count(&strays, (unsigned int)tf->vector))
		kprintf("irq: stray vector=0x%02lx kind=external-on-exception-vector cpl=%s rip=0x%lx action=eoi,count "
			"(further ones counted quietly)", tf->vector, cpl_name(tf), tf->rip);
}

void stray_unowned(unsigned int vector, const char *kind)
{
	bool in_service = lapic_isr_set((uint8_t)vector);

	/* A true spurious or masked-8259 interrupt sets no ISR bit and is owed no EOI; a device's MSI is. */
	if (in_service)
		lapic_eoi();
	if (irq_stray_count(&strays, vector))
		kprintf("irq: stray vector=0x%02x kind=%s in_service=%s action=%scount (further ones counted quietly)",
			vector, kind, in_service ? "yes" : "no", in_service ? "eoi," : "");
}

/*
 * Runs on its own IST stack with NMIs blocked, anywhere in the kernel (even
 * between SYSCALL and the stack switch, or halfway through a console
 * line): it counts and returns, and prints nothing.  Known sources would be
 * asked here first (a panic-stop IPI, performance counters): there are none
 * yet, so every NMI is unknown.
 */
void stray_nmi(struct trap_frame *tf)
{
	(void)tf;
	nmi_last_status = inb(PORT_NMI_STATUS);
	irq_stray_nmi(&strays);
}

void stray_report_pending(void)
{
	uint64_t n;

	if (irq_stray_nmi_due(&strays, &n)) {
		uint8_t st = nmi_last_status;
		kprintf("trap: nmi unknown count=%lu port61=0x%02x serr=%s iochk=%s action=count (lines at 1, 2, 4, ...)",
			n, st, st & NMI_STATUS_SERR ? "yes" : "no", st & NMI_STATUS_IOCHK ? "yes" : "no");
	}
}

/* "0x30-0x3a,0x40": the vectors a handler owns, which a stray on them reaches instead of the counts. */
static void owned_ranges(char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = 0;
	for (unsigned v = 0; v < IRQ_STRAY_VECTORS && at < len; v++) {
		if (!irq_vector_ever_owned(v) || (v > 0 && irq_vector_ever_owned(v - 1)))
			continue;
		unsigned last = v;
		while (last + 1 < IRQ_STRAY_VECTORS && irq_vector_ever_owned(last + 1))
			last++;
		int n = last == v ? fmt_snprintf(buf + at, len - at, "%s0x%02x", at ? "," : "", v)
				  : fmt_snprintf(buf + at, len - at, "%s0x%02x-0x%02x", at ? "," : "", v, last);
		at = n < 0 ? len : at + (size_t)n;
	}
}

void trap_report_strays(void)
{
	char owned[256];

	char counts[16 * 21 + 1];
	unsigned vectors = 0;

	stray_report_pending();
	for (unsigned v = 0; v < IRQ_STRAY_VECTORS; v++)
		vectors += strays.is_count[v] != 0;
	for (unsigned first = 0; first < IRQ_STRAY_VECTORS; first += IRQ_STRAY_PER_LINE) {
		if (irq_stray_format(&strays, first, counts, sizeof(counts)))
			kprintf("irq: stray counts vectors=0x%02x-0x%02x counts=%s", first, first + IRQ_STRAY_PER_LINE - 1,
				counts);
	}
	owned_ranges(owned, sizeof(owned));
	kprintf("irq: stray summary total=%lu vectors=%u nmi_unknown=%lu owned=%s", strays.is_total, vectors,
		(uint64_t)strays.is_nmi_unknown, owned[0] ? owned : "none");
}
