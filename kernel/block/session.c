/*
 * kernel/block/session.c - BlockDevice sessions and their invocations
 * (see session.h; the ring and request layout are include/abi/block.h).
 *
 * Decode checks the capability (which end, which right) and the arguments;
 * perform maps, attaches or signals.  Nothing here reads the ring: it is
 * the two processes' business, each of which treats the other as untrusted.
 */
#include "kernel/block/session.h"

#include "include/abi/cap.h"
#include "include/abi/errors.h"
#include "include/abi/nvme_provider.h"
#include "kernel/cap/invocations.h"
#include "kernel/core/kmalloc.h"
#include "kernel/core/log.h"
#include "kernel/core/pmm.h"
#include "kernel/core/proc.h"
#include "kernel/nvme/lane_direct.h"
#include "lib/cloud_shape.h"
#include "lib/string.h"

#define container_of(p, type, member) ((type *)((char *)(p) - __builtin_offsetof(type, member)))

static void session_free(struct block_session *s)
{
	/* Commands still mapped hold the region themselves; new ones can no longer name it. */
	nvme_ctrl_lock(s->bs_ctrl);
	nvme_space_unregister(s->bs_ctrl, s->bs_space_id);
	nvme_ctrl_unlock(s->bs_ctrl);
	if (s->bs_space.sp_region)
		kobj_put(&s->bs_space.sp_region->dp_obj);
	pmm_free(s->bs_ring_phys, 1);
	kobj_put(&s->bs_client_wake->n_obj);
	kobj_put(&s->bs_provider_inbox->n_obj);
	kobj_put(&s->bs_ctrl->nc_obj);
	kfree(s);
}

static void end_released(struct block_session *s)
{
	if (--s->bs_ends == 0)
		session_free(s);
}

static void client_end_release(struct kobj *ko)
{
	struct block_session *s = container_of(ko, struct block_session, bs_client_obj);

	/* Tell the provider, so it can stop serving a client that is gone. */
	s->bs_ring->br_flags |= BLOCK_RING_CLIENT_GONE;
	notification_signal(s->bs_provider_inbox, NVME_INBOX_SESSION(s->bs_space_id - 1));
	end_released(s);
}

static void provider_end_release(struct kobj *ko)
{
	struct block_session *s = container_of(ko, struct block_session, bs_provider_obj);

	s->bs_ring->br_flags |= BLOCK_RING_PROVIDER_GONE;
	notification_signal(s->bs_client_wake, 1);	/* a waiting client finds no more acks coming */
	end_released(s);
}

struct block_session *block_session_create(const struct block_dev *dev, struct notification *client_wake,
					   struct notification *provider_inbox)
{
	struct block_session *s = kmalloc(sizeof(*s));

	if (!s)
		goto nomem;
	s->bs_ring_phys = pmm_alloc_page();
	if (!s->bs_ring_phys) {
		kfree(s);
		goto nomem;
	}
	s->bs_ring = phys_to_virt(s->bs_ring_phys);
	s->bs_dev = *dev;
	s->bs_space = (struct nvme_space){ NULL, dev->bd_nsid, dev->bd_first_lba, dev->bd_blocks };
	nvme_ctrl_lock(dev->bd_ctrl);
	int id = nvme_space_register(dev->bd_ctrl, &s->bs_space);
	nvme_ctrl_unlock(dev->bd_ctrl);
	if (id < 0) {
		kerror("block: error too many sessions on one controller dev=%s limit=%u", dev->bd_name,
		       BROKER_MAX_SPACES);
		pmm_free(s->bs_ring_phys, 1);
		kfree(s);
		return NULL;
	}
	s->bs_space_id = (uint32_t)id;
	s->bs_client_obj = (struct kobj){ CAP_TYPE_BLOCK_DEVICE, 1, client_end_release };
	s->bs_provider_obj = (struct kobj){ CAP_TYPE_BLOCK_SESSION, 1, provider_end_release };
	s->bs_ends = 2;
	s->bs_generation = 0;		/* until a supervisor adopts it (supervise_add_session) */
	s->bs_restart_head = 0;
	s->bs_ctrl = dev->bd_ctrl;
	kobj_get(&s->bs_ctrl->nc_obj);
	s->bs_client_wake = (struct notification *)kobj_get(&client_wake->n_obj);
	s->bs_provider_inbox = (struct notification *)kobj_get(&provider_inbox->n_obj);
	return s;

nomem:
	kerror("block: error out of memory for a session dev=%s", dev->bd_name);
	return NULL;
}

/* ---------------------------------------------------------------- decode */

/* Either end of a session; *provider says which. */
static int decode_end(uint64_t slot, uint32_t rights, struct block_session **out, bool *provider)
{
	const struct cap *c;
	int err = cap_decode(slot, CAP_TYPE_BLOCK_DEVICE, rights, &c);

	if (!err) {
		*out = container_of(c->c_object, struct block_session, bs_client_obj);
		*provider = false;
		return 0;
	}
	if ((err = cap_decode(slot, CAP_TYPE_BLOCK_SESSION, rights, &c)) < 0)
		return err;
	*out = container_of(c->c_object, struct block_session, bs_provider_obj);
	*provider = true;
	return 0;
}

/* ---------------------------------------------------------------- invocations */

/* A NUL-terminated copy that never reads or writes past either buffer. */
static void copy_string(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = 0;
}

static uint32_t block_xfer(const struct nvme_ctrl *c, uint32_t nsid)
{
	const struct nvme_broker_ns *ns = nvme_ns_find(c, nsid);

	return ns ? nvme_broker_block_xfer(ns, false) : 0;
}

static uint32_t block_md(const struct nvme_ctrl *c, uint32_t nsid)
{
	const struct nvme_broker_ns *ns = nvme_ns_find(c, nsid);

	return ns ? nvme_broker_block_md(ns, false) : 0;
}

/*
 * Bytes one request may carry: the blocks one command of the namespace may
 * (nvme_broker_max_blocks: the transfer limit, and what the metadata
 * allows); a larger request would be refused whole, so the client splits.
 */
static uint32_t max_transfer(const struct nvme_ctrl *c, uint32_t nsid)
{
	const struct nvme_broker_ns *ns = nvme_ns_find(c, nsid);

	if (!ns)
		return 0;
	return (uint32_t)((uint64_t)nvme_broker_max_blocks(ns, c->nc_max_transfer, c->nc_page_size) *
			  nvme_broker_block_xfer(ns, false));
}

/* (device or session, struct block_info *out) */
int64_t sys_block_info(const struct syscall_args *a)
{
	struct block_session *s;
	bool provider;
	int err = decode_end(a->a[0], CAP_RIGHT_READ, &s, &provider);

	if (err)
		return err;
	const struct nvme_ctrl *c = s->bs_ctrl;
	const struct pci_dev *d = c->nc_pci;
	struct block_info info = {
		.bi_blocks = s->bs_space.sp_blocks,	/* the window as it is now: a volume may have grown */ .bi_block_bytes = s->bs_dev.bd_lba_bytes,
		.bi_max_transfer = max_transfer(c, s->bs_dev.bd_nsid), .bi_nsid = s->bs_dev.bd_nsid,
		.bi_first_lba = s->bs_dev.bd_first_lba,
		.bi_region_bytes = s->bs_space.sp_region ? s->bs_space.sp_region->dp_bytes : 0,
		.bi_space = provider ? s->bs_space_id : 0,
		.bi_block_xfer = block_xfer(c, s->bs_dev.bd_nsid),
		.bi_lane = (uint8_t)c->nc_lane,
		.bi_md_bytes = (uint16_t)block_md(c, s->bs_dev.bd_nsid),
		.bi_generation = s->bs_generation, .bi_restart_head = s->bs_restart_head,
		.bi_segment = d->pd_segment, .bi_bus = d->pd_bus, .bi_dev = d->pd_dev, .bi_fn = d->pd_fn,
	};
	memcpy(info.bi_name, s->bs_dev.bd_name, sizeof(info.bi_name));
	if (c->nc_id.vwc & NVME_VWC_PRESENT)
		info.bi_flags |= BLOCK_WRITE_CACHE;
	if (c->nc_id.oncs & NVME_ONCS_WRITE_ZEROES)
		info.bi_flags |= BLOCK_WRITE_ZEROES;
	if (c->nc_id.oncs & NVME_ONCS_DSM)
		info.bi_flags |= BLOCK_TRIM;
	if (s->bs_dev.bd_partition)
		info.bi_flags |= BLOCK_PARTITION;
	copy_string(info.bi_model, sizeof(info.bi_model), c->nc_id.mn);
	copy_string(info.bi_serial, sizeof(info.bi_serial), c->nc_id.sn);
	struct cloud_input in = { .vendor = d->pd_vendor, .device = d->pd_device, .class_code = d->pd_class,
				  .subclass = d->pd_subclass, .prog_if = d->pd_prog_if,
				  .id_ctrl = c->nc_have_id ? c->nc_id_raw : NULL };
	struct cloud_result r;
	cloud_classify(&in, &r);
	copy_string(info.bi_ebs_volume_id, sizeof(info.bi_ebs_volume_id), r.ebs_volume_id);
	copy_string(info.bi_ebs_device_name, sizeof(info.bi_ebs_device_name), r.ebs_device_name);
	return copy_to_user(a->a[1], &info, sizeof(info));
}

/* (device or session, struct block_map *out): the ring page, into the caller, once per end. */
int64_t sys_block_map(const struct syscall_args *a)
{
	struct block_session *s;
	bool provider;
	int err = decode_end(a->a[0], CAP_RIGHT_MAP, &s, &provider);
	struct proc *me = proc_current();

	if (err)
		return err;
	int *mapped = provider ? &s->bs_provider_pid : &s->bs_client_pid;
	if (*mapped)
		return CR_EBUSY;
	uint64_t va = proc_map_shared(me, s->bs_ring_phys, PAGE_SIZE, true);
	if (!va)
		return CR_ENOMEM;
	*mapped = me->p_pid;
	struct block_map m = { .bm_ring = va };
	return copy_to_user(a->a[1], &m, sizeof(m));
}

/* (device, region): the client lends the region it holds to its session; once. */
int64_t sys_block_attach(const struct syscall_args *a)
{
	const struct cap *dc, *rc;
	int err = cap_decode(a->a[0], CAP_TYPE_BLOCK_DEVICE, CAP_RIGHT_WRITE, &dc);

	if (err)
		return err;
	if ((err = cap_decode(a->a[1], CAP_TYPE_REGION, CAP_RIGHT_MAP, &rc)) < 0)
		return err;
	struct block_session *s = container_of(dc->c_object, struct block_session, bs_client_obj);
	struct dma_pool *r = rc->c_object;
	if (s->bs_space.sp_region)
		return CR_EEXIST;
	/* The device must reach it (Amazon: below 2^48); the kernel made it so, check anyway. */
	uint64_t limit = s->bs_ctrl->nc_dma.dd_limits.dl_max_addr;
	if (limit && r->dp_phys + r->dp_bytes > limit)
		return CR_ERANGE;
	/* The broker may be reading the space on another CPU (locking.h L8). */
	nvme_ctrl_lock(s->bs_ctrl);
	s->bs_space.sp_region = (struct dma_pool *)kobj_get(&r->dp_obj);
	/* On the direct lane the device reaches the region itself, at its space's IOVA. */
	if ((err = nvme_direct_space_attach(s->bs_ctrl, s->bs_space_id, r)) < 0) {
		s->bs_space.sp_region = NULL;
		kobj_put(&r->dp_obj);
	}
	nvme_ctrl_unlock(s->bs_ctrl);
	return err;
}

int block_end_decode(uint64_t slot, struct block_session **out, bool *provider)
{
	return decode_end(slot, CAP_RIGHT_WRITE, out, provider);
}

void block_end_notify(struct block_session *s, bool provider)
{
	if (provider)
		notification_signal(s->bs_client_wake, 1);
	else
		notification_signal(s->bs_provider_inbox, NVME_INBOX_SESSION(s->bs_space_id - 1));
}

/*
 * (device or session, wait_slot + 1, timeout_ns): wake the other end; then,
 * if wait_slot + 1 is not 0, wait on that Notification as SYS_NOTIFY_WAIT
 * does (a client's post and its sleep, one crossing).  Everything is
 * decoded before anything is done.  Returns 0, or the bits the wait took.
 */
int64_t sys_block_notify(const struct syscall_args *a)
{
	struct block_session *s;
	const struct cap *w = NULL;
	bool provider;
	int err = decode_end(a->a[0], CAP_RIGHT_WRITE, &s, &provider);

	if (err)
		return err;
	if (a->a[1] && (err = cap_decode(a->a[1] - 1, CAP_TYPE_NOTIFICATION, CAP_RIGHT_WAIT, &w)) < 0)
		return err;
	block_end_notify(s, provider);
	return w ? (int64_t)notification_wait(w->c_object, a->a[2]) : 0;
}
