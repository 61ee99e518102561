/*
 * lib/cap_table.c - capability slots (see cap_table.h).
 */
#include "lib/cap_table.h"

#include "include/abi/errors.h"

void cap_table_init(struct cap_table *t)
{
	for (unsigned i = 0; i < CAP_SLOTS; i++)
		t->ct_slots[i] = (struct cap){ CAP_TYPE_NONE, 0, 0 };
}

int cap_insert(struct cap_table *t, uint32_t type, uint32_t rights, void *object)
{
	if (type == CAP_TYPE_NONE || type >= CAP_TYPE_COUNT || !object)
		return CR_EINVAL;
	for (unsigned i = 0; i < CAP_SLOTS; i++) {
		if (t->ct_slots[i].c_type == CAP_TYPE_NONE) {
			t->ct_slots[i] = (struct cap){ type, rights, object };
			return (int)i;
		}
	}
	return CR_ENOMEM;
}

int cap_lookup(const struct cap_table *t, uint64_t slot, uint32_t type, uint32_t rights,
	       const struct cap **out)
{
	if (slot >= CAP_SLOTS)
		return CR_EBADCAP;
	const struct cap *c = &t->ct_slots[slot];
	if (c->c_type == CAP_TYPE_NONE || (type != CAP_TYPE_NONE && c->c_type != type))
		return CR_EBADCAP;
	if ((c->c_rights & rights) != rights)
		return CR_EPERM;
	*out = c;
	return 0;
}

void *cap_remove(struct cap_table *t, uint64_t slot)
{
	if (slot >= CAP_SLOTS)
		return 0;
	void *obj = t->ct_slots[slot].c_object;
	t->ct_slots[slot] = (struct cap){ CAP_TYPE_NONE, 0, 0 };
	return obj;
}

const char *cap_type_name(uint32_t type)
{
	switch (type) {
	case CAP_TYPE_NONE:		return "none";
	case CAP_TYPE_CONSOLE:		return "Console";
	case CAP_TYPE_DEVICE_MMIO:	return "DeviceMmio";
	case CAP_TYPE_INTERRUPT:	return "Interrupt";
	case CAP_TYPE_DMA_POOL:		return "DMAPool";
	case CAP_TYPE_BLOCK_DEVICE:	return "BlockDevice";
	case CAP_TYPE_NOTIFICATION:	return "Notification";
	case CAP_TYPE_REGION:		return "Region";
	case CAP_TYPE_BLOCK_SESSION:	return "BlockSession";
	}
	return "unknown";
}
