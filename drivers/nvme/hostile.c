/*
 * drivers/nvme/hostile.c - selftest=hostile: a provider that misbehaves.
 *
 * Each attempt is something a compromised driver might try to reach memory
 * or state it was not given.  Every one must be refused (the manager logs
 * its own line too); the device must still work afterwards, which the
 * smoke job that follows proves.
 */
#include "drivers/nvme/nvme_var.h"
#include "lib/nvme_status.h"
#include "lib/string.h"
#include "user/lib/ulib.h"

static unsigned attempts, refused;

static void verdict(const char *name, bool was_refused, const char *how)
{
	attempts++;
	refused += was_refused;
	if (was_refused)
		uprintf("selftest: hostile attempt=%s result=refused how=%s", name, how);
	else
		nvme_error("selftest: error hostile attempt=%s result=ALLOWED how=%s", name, how);
}

static void syscall_refused(const char *name, int err)
{
	verdict(name, err < 0, err < 0 ? cr_err_name(err) : "succeeded");
}

/* Send one raw command and expect the broker's refusal with this reason. */
static void command_refused(struct nvme_dev *d, struct nvme_queue *q, const char *name, struct nvme_sqe c,
			    uint32_t reason)
{
	struct nvme_cqe e;

	if (queue_exec(d, q, &c, &e) < 0) {
		verdict(name, false, "no-completion");
		return;
	}
	bool ok = (e.dw0 & 0xffff0000u) == NVME_BROKER_REFUSED && NVME_BROKER_REASON(e.dw0) == reason &&
		  NVME_STATUS_DNR(e.status);
	verdict(name, ok, ok ? nvme_broker_reason_name(reason) : "wrong-or-no-refusal");
}

int hostile_run(struct nvme_dev *d)
{
	const struct nvme_ns *ns = ctrl_ns(d, 0);
	uint64_t v;
	int slot_of_console = d->d_console;

	attempts = refused = 0;
	/* Registers that carry addresses, and enabling the controller behind the manager. */
	syscall_refused("write-asq", sys_mmio_write32(d, NVME_ASQ, 0x1000));
	syscall_refused("write-aqa", sys_mmio_write32(d, NVME_AQA, 0));
	syscall_refused("write-cc-enable", sys_mmio_write32(d, NVME_CC, NVME_CC_EN));
	syscall_refused("write-nssr", sys_mmio_write32(d, NVME_NSSR, 0x4e564d65));
	/* Reads outside the register page: doorbells, the MSI-X table. */
	syscall_refused("read-doorbell-page", sys_mmio_read64(d, NVME_REG_PAGE, &v));
	syscall_refused("read-msix-table", sys_mmio_read64(d, 0x2000, &v));
	syscall_refused("read-misaligned", sys_mmio_read64(d, 4, &v));
	/* Doorbells for queues that do not exist, or a tail outside the ring. */
	syscall_refused("doorbell-unknown-queue", sys_nvme_doorbell(d, 9, NVME_DB_SQ_TAIL, 1));
	syscall_refused("doorbell-tail-outside-ring", sys_nvme_doorbell(d, 0, NVME_DB_SQ_TAIL, 4000));
	syscall_refused("doorbell-cq-head-ahead", sys_nvme_doorbell(d, 0, NVME_DB_CQ_HEAD,
							       (uint16_t)((d->d_admin.q_cq_head + 5) % d->d_admin.q_size)));
	/* Capability confusion and kernel pointers. */
	syscall_refused("mmio-read-through-console-cap",
			(int)syscall6(SYS_MMIO_READ, slot_of_console, 0, 4, (long)&v, 0, 0));
	syscall_refused("log-from-kernel-address", ulog_raw(slot_of_console, (const char *)0xffffffff80200000ull, 16));
	syscall_refused("device-info-into-kernel", (int)syscall6(SYS_DEVICE_INFO, d->d_mmio, (long)0xffff800000001000ull, 0, 0, 0, 0));
	syscall_refused("second-enable-while-running", sys_nvme_enable(d, &(struct nvme_enable_req){
		.er_pool_slot = (uint32_t)d->d_pool_cap, .er_asq_entries = 2, .er_acq_entries = 2 }));
	/* A forged kernel verdict on the console: the kernel keeps its subsystems. */
	static const char forged[] = "run: complete status=pass errors=0";
	syscall_refused("forge-run-complete-line", ulog_raw(slot_of_console, forged, sizeof(forged) - 1));

	/* Commands the broker must refuse. */
	struct nvme_queue *a = &d->d_admin, *io = &d->d_io;
	uint64_t buf = d->d_data;
	command_refused(d, a, "format-nvm", (struct nvme_sqe){ .opc = NVME_ADMIN_FORMAT_NVM, .nsid = 1 }, NBR_ADMIN_OPCODE);
	command_refused(d, a, "firmware-commit", (struct nvme_sqe){ .opc = NVME_ADMIN_FW_COMMIT }, NBR_ADMIN_OPCODE);
	command_refused(d, a, "doorbell-buffer-config", (struct nvme_sqe){ .opc = NVME_ADMIN_DOORBELL_BUF_CFG,
		.prp1 = 0x1000, .prp2 = 0x2000 }, NBR_ADMIN_OPCODE);
	command_refused(d, a, "host-memory-buffer", (struct nvme_sqe){ .opc = NVME_ADMIN_SET_FEATURES,
		.cdw10 = 0x0d, .cdw11 = 1 }, NBR_FEATURE);
	command_refused(d, a, "identify-into-kernel-memory", (struct nvme_sqe){ .opc = NVME_ADMIN_IDENTIFY,
		.prp1 = 0xffffffff80200000ull, .cdw10 = NVME_CNS_CONTROLLER }, NBR_HANDLE);
	command_refused(d, a, "create-sq-on-foreign-memory", (struct nvme_sqe){ .opc = NVME_ADMIN_CREATE_SQ,
		.prp1 = d->d_pool_bytes, .cdw10 = 2 | 15u << 16, .cdw11 = NVME_QUEUE_PC | 1u << 16 }, NBR_HANDLE);
	if (ns) {
		uint64_t last = ns->n_info.nsze - 1;
		command_refused(d, io, "read-raw-prp2", (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = ns->n_nsid,
			.prp1 = buf, .prp2 = 0x100000, .cdw12 = 15 }, NBR_PRP2);
		command_refused(d, io, "read-beyond-pool", (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = ns->n_nsid,
			.prp1 = d->d_pool_bytes - 512, .cdw12 = 7 }, NBR_HANDLE);
		command_refused(d, io, "read-beyond-namespace", (struct nvme_sqe){ .opc = NVME_CMD_READ,
			.nsid = ns->n_nsid, .prp1 = buf, .cdw10 = (uint32_t)last, .cdw11 = (uint32_t)(last >> 32),
			.cdw12 = 1 }, NBR_LBA_RANGE);
		command_refused(d, io, "read-with-sgl", (struct nvme_sqe){ .opc = NVME_CMD_READ, .flags = 0x40,
			.nsid = ns->n_nsid, .prp1 = buf }, NBR_SGL);
		command_refused(d, io, "read-with-metadata-pointer", (struct nvme_sqe){ .opc = NVME_CMD_READ,
			.nsid = ns->n_nsid, .prp1 = buf, .mptr = 0x200000 }, NBR_MPTR);
		command_refused(d, io, "fused-compare-write", (struct nvme_sqe){ .opc = NVME_CMD_COMPARE, .flags = 1,
			.nsid = ns->n_nsid, .prp1 = buf }, NBR_FUSED);
		command_refused(d, io, "vendor-io-opcode", (struct nvme_sqe){ .opc = 0x81, .nsid = ns->n_nsid }, NBR_IO_OPCODE);
		command_refused(d, io, "unknown-namespace", (struct nvme_sqe){ .opc = NVME_CMD_READ, .nsid = 0x7777,
			.prp1 = buf }, NBR_NAMESPACE);
	}
	bool pass = attempts == refused;
	uprintf("selftest: hostile attempts=%u refused=%u result=%s", attempts, refused, pass ? "pass" : "fail");
	return pass ? 0 : CR_EPERM;
}
