/*
 * drivers/nvme/hostile.c - selftest=hostile: a provider that misbehaves.
 *
 * Each attempt is something a compromised driver might try in order to
 * reach memory or state it was not given, forge what the kernel says, or
 * hold the kernel up.  Every one must be refused (the manager logs its own
 * line too) or shown harmless; the device must still work afterwards,
 * which the smoke job that follows proves.  The stateful queue attacks are
 * in hostile_queues.c.
 */
#include "drivers/nvme/hostile.h"

#include "lib/fmt.h"
#include "lib/nvme_status.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

static unsigned attempts, passed;

void hostile_verdict(const char *name, bool ok, const char *result, const char *how)
{
	attempts++;
	passed += ok;
	if (ok)
		uprintf("selftest: hostile attempt=%s result=%s how=%s", name, result, how);
	else
		nvme_error("selftest: hostile attempt=%s result=ALLOWED how=%s", name, how);
}

static void syscall_refused(const char *name, int err)
{
	hostile_verdict(name, err < 0, "refused", err < 0 ? cr_err_name(err) : "succeeded");
}

bool hostile_is_refusal(const struct nvme_cqe *e, uint32_t reason)
{
	return (e->dw0 & 0xffff0000u) == NVME_BROKER_REFUSED && NVME_BROKER_REASON(e->dw0) == reason &&
	       NVME_STATUS_DNR(e->status);
}

/* Send one raw command and expect the broker's refusal with this reason. */
void hostile_command_refused(struct nvme_dev *d, struct nvme_queue *q, const char *name, struct nvme_sqe c,
			     uint32_t reason)
{
	struct nvme_cqe e;

	if (queue_exec(d, q, &c, &e) < 0) {
		hostile_verdict(name, false, "refused", "no-completion");
		return;
	}
	bool ok = hostile_is_refusal(&e, reason);
	hostile_verdict(name, ok, "refused", ok ? nvme_broker_reason_name(reason) : "wrong-or-no-refusal");
}

/* Registers that hold or reveal addresses, and writes other than the reset claim (I5). */
static void registers(struct nvme_dev *d)
{
	static const struct { const char *name; uint32_t off; uint32_t width; } reads[] = {
		{ "read-asq", NVME_ASQ, 8 }, { "read-asq-low-dword", NVME_ASQ, 4 },
		{ "read-asq-high-dword", NVME_ASQ + 4, 4 }, { "read-acq", NVME_ACQ, 8 },
		{ "read-acq-low-dword", NVME_ACQ, 4 }, { "read-cmbloc", 0x38, 4 }, { "read-bpmbl", 0x48, 8 },
		{ "read-bpmbl-low-dword", 0x48, 4 }, { "read-cmbmsc", 0x50, 8 }, { "read-cmbmsc-low-dword", 0x50, 4 },
		{ "read-pmrmscl", 0xe14, 4 }, { "read-pmrmscu", 0xe18, 4 },
		{ "read-doorbell-page", NVME_REG_PAGE, 8 }, { "read-msix-table", 0x2000, 8 },
		{ "read-misaligned", 4, 8 }, { "read-odd-width", NVME_CSTS, 2 },
	};
	uint64_t v;

	for (unsigned i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		syscall_refused(reads[i].name, (int)syscall6(SYS_MMIO_READ, d->d_mmio, reads[i].off,
							      reads[i].width, (long)&v, 0, 0));
	syscall_refused("write-asq", sys_mmio_write32(d, NVME_ASQ, 0x1000));
	syscall_refused("write-aqa", sys_mmio_write32(d, NVME_AQA, 0));
	syscall_refused("write-cc-enable", sys_mmio_write32(d, NVME_CC, NVME_CC_EN));
	syscall_refused("write-nssr", sys_mmio_write32(d, NVME_NSSR, 0x4e564d65));
	syscall_refused("write-intms", sys_mmio_write32(d, NVME_INTMS, 1));
}

/*
 * Lines that must never pass for the kernel's: one for every event the
 * kernel writes that a test or a person reads (lib/console_policy.c), and
 * a provider line carrying a pid of its choosing.
 */
static void forged_lines(int console)
{
	static const char *const lines[] = {
		"run: complete status=pass errors=0",
		"nvme: controller released bdf=0000:00:02.0 stopped=yes ledger_live=0 submitted=1 completed=1",
		("nvme: cloud shape classification cloud_shape=aws-nitro-ebs pci_vendor=0x1d0f pci_device_id=0x8061 "
		 "real_aws_enumeration=amazon-ebs-identity-enumerated"),
		"nvme: cloud surface best=aws-nitro-ebs ambiguous=no",
		"selftest: ring3 hello_status=0 privtest_faulted=yes kernel_survived=yes result=pass",
		"dma: audit provider_bytes_scanned=1 matching_words=0 result=pass",
		"dma: backend selection backend=direct-remapping iommu=intel-vtd verified=true",
		"nvme: identify controller vid=0x1d0f model=\"Amazon Elastic Block Store\" serial=\"vol0123\"",
		"nvme: identify namespace nsid=1 lbas=1 lba_bytes=512",
		"nvme: manager identify bdf=0000:00:02.0 active=1",
		"nvme: manager bind bdf=0000:00:02.0",
		"nvme: brokered enable bdf=0000:00:02.0 writer=manager",
		"nvme: broker refused bdf=0000:00:02.0 pid=1 qid=0 reason=none",
		"nvme: shutdown bdf=0000:00:02.0 result=complete ms=1",
		"nvme: error device completion for no live command",
		"pci: nvme controller bdf=0000:00:04.0 vendor=0x1d0f device=0x8061",
		"proc: exit pid=1 name=nvme status=0",
		"proc: killed pid=1 name=nvme reason=run-deadline",
		"boot: caprock kernel entry=pvh",
		"clock: tsc_hz=1 source=cpuid",
		"power: button",
		"block: gpt dev=nvme0n1 partitions=3 header_crc=ok entries_crc=ok backup=ok",
		"iommu: verify step=blocked-dma result=ok",
		"console: refused line pid=1",
		"acpi: rsdp phys=0x0 revision=2",
		"mem: ram_end=0x0",
		"nvme: read ok nsid=1 lba=0 blocks=8 bytes=4096 crc32=0x00000000 pid=99",
		"no subsystem here at all",
	};
	char name[48];

	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		fmt_snprintf(name, sizeof(name), "forge-line-%u", i);
		syscall_refused(name, ulog_raw(console, lines[i], strlen(lines[i])));
	}
}

/* Doorbells, capabilities and kernel pointers. */
static void syscalls(struct nvme_dev *d)
{
	uint64_t v;

	syscall_refused("doorbell-unknown-queue", sys_nvme_doorbell(d, 9, NVME_DB_SQ_TAIL, 1));
	syscall_refused("doorbell-tail-outside-ring", sys_nvme_doorbell(d, 0, NVME_DB_SQ_TAIL, 4000));
	syscall_refused("doorbell-cq-head-ahead", sys_nvme_doorbell(d, 0, NVME_DB_CQ_HEAD,
							       (uint16_t)((d->d_admin.q_cq_head + 5) % d->d_admin.q_size)));
	syscall_refused("mmio-read-through-console-cap",
			(int)syscall6(SYS_MMIO_READ, d->d_console, 0, 4, (long)&v, 0, 0));
	syscall_refused("log-from-kernel-address", ulog_raw(d->d_console, (const char *)0xffffffff80200000ull, 16));
	syscall_refused("device-info-into-kernel",
			(int)syscall6(SYS_DEVICE_INFO, d->d_mmio, (long)0xffff800000001000ull, 0, 0, 0, 0));
	syscall_refused("second-enable-while-running", sys_nvme_enable(d, &(struct nvme_enable_req){
		.er_pool_slot = (uint32_t)d->d_pool_cap, .er_asq_entries = 2, .er_acq_entries = 2 }));
	/* The one-crossing ring-and-wait: every argument checked before anything is done. */
	struct nvme_ring_wait rw = { .rw_qid = 0, .rw_sq_tail = NVME_RW_KEEP, .rw_cq_head = NVME_RW_KEEP,
				     .rw_wait_slot = (uint32_t)d->d_pool_cap };
	syscall_refused("ring-wait-on-a-dma-pool", sys_nvme_ring_wait(d, &rw));
	rw.rw_wait_slot = (uint32_t)d->d_console;
	syscall_refused("ring-wait-on-the-console", sys_nvme_ring_wait(d, &rw));
	rw.rw_wait_slot = CAP_SLOTS + 7;
	syscall_refused("ring-wait-on-a-slot-beyond-the-table", sys_nvme_ring_wait(d, &rw));
	/* The wake-up it may fold in: only a BlockSession's client, never another object. */
	rw = (struct nvme_ring_wait){ .rw_qid = 0, .rw_sq_tail = NVME_RW_KEEP, .rw_cq_head = NVME_RW_KEEP,
				      .rw_wait_slot = NVME_RW_NO_WAIT, .rw_notify_slot = (uint16_t)(d->d_console + 1) };
	syscall_refused("ring-wait-notify-the-console", sys_nvme_ring_wait(d, &rw));
	rw.rw_notify_slot = CAP_SLOTS + 7;
	syscall_refused("ring-wait-notify-beyond-the-table", sys_nvme_ring_wait(d, &rw));
	rw.rw_notify_slot = 0;
	rw.rw_qid = 0xffff;
	syscall_refused("ring-wait-queue-out-of-range", sys_nvme_ring_wait(d, &rw));
	rw.rw_qid = 0;
	rw.rw_sq_tail = 4000;
	syscall_refused("ring-wait-tail-outside-ring", sys_nvme_ring_wait(d, &rw));
	syscall_refused("ring-wait-args-in-kernel",
			(int)syscall6(SYS_NVME_RING_WAIT, d->d_mmio, (long)0xffffffff80200000ull, 0, 0, 0, 0));
}

/* Admin commands the broker must refuse (I6), on both lanes: the admin queue is always brokered. */
static void admin_commands(struct nvme_dev *d)
{
	struct nvme_queue *a = &d->d_admin;
	uint64_t buf = d->d_data;

	hostile_command_refused(d, a, "format-nvm", (struct nvme_sqe){ .opc = NVME_ADMIN_FORMAT_NVM, .nsid = 1 },
				NBR_ADMIN_OPCODE);
	hostile_command_refused(d, a, "firmware-commit", (struct nvme_sqe){ .opc = NVME_ADMIN_FW_COMMIT },
				NBR_ADMIN_OPCODE);
	hostile_command_refused(d, a, "doorbell-buffer-config", (struct nvme_sqe){ .opc = NVME_ADMIN_DOORBELL_BUF_CFG,
		.prp1 = 0x1000, .prp2 = 0x2000 }, NBR_ADMIN_OPCODE);
	hostile_command_refused(d, a, "host-memory-buffer", (struct nvme_sqe){ .opc = NVME_ADMIN_SET_FEATURES,
		.cdw10 = 0x0d, .cdw11 = 1 }, NBR_FEATURE);
	hostile_command_refused(d, a, "set-features-save", (struct nvme_sqe){ .opc = NVME_ADMIN_SET_FEATURES,
		.cdw10 = NVME_FEAT_VOLATILE_WC | NVME_FEAT_SV, .cdw11 = 0 }, NBR_FEATURE_SAVE);
	hostile_command_refused(d, a, "identify-cns-allocated-list", (struct nvme_sqe){ .opc = NVME_ADMIN_IDENTIFY,
		.prp1 = buf, .cdw10 = 0x10 }, NBR_CNS);
	hostile_command_refused(d, a, "identify-cns-controller-list", (struct nvme_sqe){ .opc = NVME_ADMIN_IDENTIFY,
		.prp1 = buf, .cdw10 = 0x13 }, NBR_CNS);
	hostile_command_refused(d, a, "log-page-telemetry", (struct nvme_sqe){ .opc = NVME_ADMIN_GET_LOG_PAGE,
		.prp1 = buf, .cdw10 = 0x07 | 127u << 16 }, NBR_LOG_PAGE);
	hostile_command_refused(d, a, "log-page-vendor", (struct nvme_sqe){ .opc = NVME_ADMIN_GET_LOG_PAGE,
		.prp1 = buf, .cdw10 = 0xc0 | 127u << 16 }, NBR_LOG_PAGE);
	hostile_command_refused(d, a, "identify-into-kernel-memory", (struct nvme_sqe){ .opc = NVME_ADMIN_IDENTIFY,
		.prp1 = 0xffffffff80200000ull, .cdw10 = NVME_CNS_CONTROLLER }, NBR_HANDLE);
	hostile_command_refused(d, a, "create-sq-on-foreign-memory", (struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_SQ,
		.prp1 = d->d_pool_bytes, .cdw10 = 2 | 15u << 16, .cdw11 = NVME_QUEUE_PC | 1u << 16 }, NBR_HANDLE);
	hostile_command_refused(d, a, "create-cq-ungranted-vector-ien0", (struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_CQ,
		.prp1 = buf, .cdw10 = 3 | 15u << 16, .cdw11 = NVME_QUEUE_PC | 99u << 16 }, NBR_VECTOR);
}

/* I/O commands the broker must refuse (I4): on the bounce lane, where every I/O command is brokered. */
static void io_commands(struct nvme_dev *d)
{
	const struct nvme_ns *ns = ctrl_ns(d, 0);
	struct nvme_queue *io = &d->d_io;
	uint64_t buf = d->d_data;

	if (!ns)
		return;
	uint64_t last = ns->n_info.nsze - 1;
	hostile_command_refused(d, io, "read-raw-prp2", (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = ns->n_nsid,
		.prp1 = buf, .prp2 = 0x100000, .cdw12 = 15 }, NBR_PRP2);
	hostile_command_refused(d, io, "read-beyond-pool", (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = ns->n_nsid,
		.prp1 = d->d_pool_bytes - 512, .cdw12 = 7 }, NBR_HANDLE);
	hostile_command_refused(d, io, "read-beyond-namespace", (struct nvme_sqe){ .opc = NVME_CMD_READ,
		.nsid = ns->n_nsid, .prp1 = buf, .cdw10 = (uint32_t)last, .cdw11 = (uint32_t)(last >> 32),
		.cdw12 = 1 }, NBR_LBA_RANGE);
	hostile_command_refused(d, io, "read-with-sgl", (struct nvme_sqe){ .opc = NVME_CMD_READ, .flags = 0x40,
		.nsid = ns->n_nsid, .prp1 = buf }, NBR_SGL);
	hostile_command_refused(d, io, "read-with-metadata-pointer", (struct nvme_sqe){ .opc = NVME_CMD_READ,
		.nsid = ns->n_nsid, .prp1 = buf, .mptr = 0x200000 }, NBR_MPTR);
	hostile_command_refused(d, io, "fused-compare-write", (struct nvme_sqe){ .opc = NVME_CMD_COMPARE, .flags = 1,
		.nsid = ns->n_nsid, .prp1 = buf }, NBR_FUSED);
	hostile_command_refused(d, io, "vendor-io-opcode", (struct nvme_sqe){ .opc = 0x81, .nsid = ns->n_nsid },
				NBR_IO_OPCODE);
	hostile_command_refused(d, io, "unknown-namespace", (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = 0x7777,
		.prp1 = buf }, NBR_NAMESPACE);
}

int hostile_run(struct nvme_dev *d)
{
	attempts = passed = 0;
	registers(d);
	forged_lines(d->d_console);
	syscalls(d);
	admin_commands(d);
	if (d->d_lane == DMA_LANE_DIRECT)
		hostile_direct_commands(d);	/* I/O is not brokered there: the IOMMU stops these */
	else
		io_commands(d);
	hostile_queues(d);
	bool pass = attempts == passed;
	uprintf("selftest: hostile attempts=%u refused_or_harmless=%u result=%s", attempts, passed,
		pass ? "pass" : "fail");
	return pass ? 0 : CR_EPERM;
}

/* selftest=hostile-hang: wait as long as the ABI allows on a vector nothing will signal. */
int hostile_hang(struct nvme_dev *d)
{
	struct irq_wait_result r;
	int irq = d->d_irq[d->d_nirq - 1];

	uprintf("selftest: hostile attempt=wait-forever result=started how=irq-wait-timeout-2^64-1");
	for (;;)
		sys_irq_wait(irq, UINT64_MAX, &r);
}
