/*
 * kernel/acpi/power_button.c - SCI routing and the fixed power-button event
 * (ACPI 6.5 §4.8.2.2.1.1, §4.8.3.1 PM1 event registers, §5.2.9 SCI_INT).
 *
 * Each PM1 event block (PM1a, and PM1b where the chipset splits them) is
 * PM1_EVT_LEN bytes: the status register in the first half, the enable
 * register in the second.  Status bits are write-1-to-clear, so the handler
 * writes exactly the bit it handles.  Without an AML interpreter nothing
 * else may raise the SCI: every other PM1 enable and every GPE enable is
 * cleared at init, and only a GPE the kernel handles itself (the PCI
 * hot-plug one, kernel/acpi/pci_hotplug.c) is enabled again; a
 * level-triggered SCI that keeps firing with nothing of ours pending is
 * masked after SCI_STORM_LIMIT with an error line.
 */
#include "kernel/acpi/power_button.h"

#include "include/abi/errors.h"
#include "kernel/acpi/acpi.h"
#include "kernel/acpi/acpi_io.h"
#include "kernel/arch/x86_64/ioapic.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/clock.h"
#include "kernel/core/log.h"
#include "kernel/core/sched.h"
#include "lib/acpi_irq.h"

#define SCI_STORM_LIMIT	1000
#define GPE_MAX_BYTES	64

struct pm1_block {
	struct acpi_reg pb_sts;		/* PM1x_STS: write 1 to clear */
	struct acpi_reg pb_en;		/* PM1x_EN */
};

static struct {
	bool ready;
	struct pm1_block a, b;		/* b.pb_sts.ar_present false without a PM1b block */
	struct acpi_irq_route route;
	uint8_t vector;
	volatile bool pressed;
	uint64_t pressed_ns;
	unsigned int presses;
	unsigned int spurious;
	void (*notify)(void *ctx);
	void *notify_ctx;
	struct acpi_reg gpe_sts, gpe_en;	/* the GPE0 byte holding gpe_bit */
	uint8_t gpe_mask;
	void (*gpe_fn)(void *ctx);
	void *gpe_ctx;
} pb;

static int block_init(struct pm1_block *blk, const struct acpi_gas *g, uint8_t len)
{
	int rc = acpi_reg_init(&blk->pb_sts, g, 0, 2);

	return rc < 0 ? rc : acpi_reg_init(&blk->pb_en, g, len / 2, 2);
}

/* Clear a GPE block's enables, then its status (first half status, second half enable). */
static void gpe_quiesce(const struct acpi_gas *g, uint8_t len)
{
	struct acpi_reg r;

	for (uint8_t i = 0; g->address && i < len / 2 && i < GPE_MAX_BYTES; i++) {
		if (acpi_reg_init(&r, g, len / 2 + i, 1) == 0)
			acpi_reg_write(&r, 0);
		if (acpi_reg_init(&r, g, i, 1) == 0)
			acpi_reg_write(&r, 0xff);
	}
}

static uint32_t status(void)
{
	uint32_t s = acpi_reg_read(&pb.a.pb_sts);

	if (pb.b.pb_sts.ar_present)
		s |= acpi_reg_read(&pb.b.pb_sts);
	return s;
}

static void clear_status(uint32_t bits)
{
	acpi_reg_write(&pb.a.pb_sts, bits);
	if (pb.b.pb_sts.ar_present)
		acpi_reg_write(&pb.b.pb_sts, bits);
}

static void sci_handler(void *ctx, unsigned int vector)
{
	(void)ctx;
	(void)vector;
	uint32_t sts = status();

	if (pb.gpe_mask && (acpi_reg_read(&pb.gpe_sts) & pb.gpe_mask)) {
		/* Clear first: an event that comes while fn runs sets it again and raises the SCI again. */
		acpi_reg_write(&pb.gpe_sts, pb.gpe_mask);
		pb.gpe_fn(pb.gpe_ctx);
		if (!(sts & ACPI_PM1_PWRBTN))
			return;
	}
	if (!(sts & ACPI_PM1_PWRBTN)) {
		if (++pb.spurious == SCI_STORM_LIMIT) {
			ioapic_mask(pb.route.gsi);
			kerror("power: error sci storm: %u interrupts with no power-button status (pm1_sts=0x%x); "
			       "sci masked", pb.spurious, sts);
		}
		return;
	}
	clear_status(ACPI_PM1_PWRBTN);
	if (pb.presses++)
		return;		/* already on the way down */
	pb.pressed_ns = clock_ns();
	pb.pressed = true;
	kprintf("power: button");
	if (pb.notify)
		pb.notify(pb.notify_ctx);
	sched_wakeup(power_button_channel());
}

static int unavailable(const char *why, int rc)
{
	kprintf("power: button unavailable reason=%s", why);
	return rc;
}

int power_button_init(void)
{
	const struct acpi_fadt_info *f = &acpi.fadt;

	if (!acpi.have_fadt)
		return unavailable("no-fadt", CR_ENODEV);
	if (f->hw_reduced)
		return unavailable("hw-reduced-acpi", CR_ENOSYS);	/* a GPIO/GED event: needs AML */
	if (f->pm1_evt_len < 4 || f->pm1_evt_len % 2)
		return unavailable("bad-pm1-evt-len", CR_EPROTO);
	if (block_init(&pb.a, &f->pm1a_evt, f->pm1_evt_len) < 0)
		return unavailable("no-pm1a-event-block", CR_ENODEV);
	if (f->pm1b_evt.address && block_init(&pb.b, &f->pm1b_evt, f->pm1_evt_len) < 0)
		return unavailable("bad-pm1b-event-block", CR_ENODEV);
	int mode = acpi_enable_mode();
	if (mode < 0)
		return unavailable("acpi-mode-not-entered", CR_ETIMEDOUT);

	/* Quiet first: no enables we cannot handle, no stale status (Linux does the same). */
	acpi_reg_write(&pb.a.pb_en, 0);
	acpi_reg_write(&pb.b.pb_en, 0);
	gpe_quiesce(&f->gpe0, f->gpe0_len);
	gpe_quiesce(&f->gpe1, f->gpe1_len);
	clear_status(ACPI_PM1_PWRBTN);

	pb.route = acpi_sci_route(acpi.have_madt ? &acpi.madt : NULL, f->sci_int);
	int v = irq_alloc_vector(sci_handler, NULL);
	if (v < 0)
		return unavailable("no-free-vector", v);
	pb.vector = (uint8_t)v;
	int rc = ioapic_route(pb.route.gsi, pb.vector, pb.route.level, pb.route.active_low);
	if (rc < 0) {
		irq_free_vector(pb.vector);
		return unavailable(rc == CR_ERANGE ? "sci-destination-unreachable" : "sci-gsi-not-on-any-ioapic", rc);
	}
	acpi_reg_write(&pb.a.pb_en, ACPI_PM1_PWRBTN);
	acpi_reg_write(&pb.b.pb_en, ACPI_PM1_PWRBTN);
	pb.ready = true;
	kprintf("power: button ready sci_irq=%u gsi=%u trigger=%s polarity=%s override=%s vector=%u "
		"pm1a_evt=%s:0x%lx pm1b_evt=%s model=%s acpi_mode=%s",
		f->sci_int, pb.route.gsi, pb.route.level ? "level" : "edge", pb.route.active_low ? "low" : "high",
		pb.route.overridden ? "yes" : "no", pb.vector, acpi_reg_space(&pb.a.pb_sts), pb.a.pb_sts.ar_address,
		pb.b.pb_sts.ar_present ? "present" : "none",
		f->flags & FADT_FLAG_PWR_BUTTON ? "control-method" : "fixed", mode ? "entered-via-smi-cmd" : "already");
	return 0;
}

bool power_button_available(void)
{
	return pb.ready;
}

bool power_button_pressed(void)
{
	return pb.pressed;
}

uint64_t power_button_pressed_ns(void)
{
	return pb.pressed_ns;
}

const void *power_button_channel(void)
{
	return &pb;
}

void power_button_set_notify(void (*fn)(void *ctx), void *ctx)
{
	pb.notify_ctx = ctx;
	pb.notify = fn;
}

int acpi_gpe0_handle(unsigned int bit, void (*fn)(void *ctx), void *ctx)
{
	const struct acpi_fadt_info *f = &acpi.fadt;
	int rc;

	if (!pb.ready || !f->gpe0.address || bit >= 8u * (f->gpe0_len / 2u))
		return CR_ENODEV;
	if (pb.gpe_mask)
		return CR_EBUSY;	/* one kernel-handled GPE is all the hot-plug needs */
	if ((rc = acpi_reg_init(&pb.gpe_sts, &f->gpe0, bit / 8, 1)) < 0 ||
	    (rc = acpi_reg_init(&pb.gpe_en, &f->gpe0, f->gpe0_len / 2 + bit / 8, 1)) < 0)
		return rc;
	pb.gpe_fn = fn;
	pb.gpe_ctx = ctx;
	acpi_reg_write(&pb.gpe_sts, 1u << (bit % 8));		/* nothing stale */
	pb.gpe_mask = (uint8_t)(1u << (bit % 8));
	acpi_reg_write(&pb.gpe_en, acpi_reg_read(&pb.gpe_en) | pb.gpe_mask);
	return 0;
}
