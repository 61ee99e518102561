/*
 * kernel/core/user_images.c - look up an embedded user program by name.
 */
#include "kernel/core/user_images.h"

#include "lib/string.h"

#define DECLARE_IMAGE(n) extern const uint8_t user_image_##n##_start[], user_image_##n##_end[]
DECLARE_IMAGE(hello);
DECLARE_IMAGE(privtest);
DECLARE_IMAGE(nvme);
DECLARE_IMAGE(blk);
DECLARE_IMAGE(tlbtest);

#define IMAGE(n) { #n, user_image_##n##_start, user_image_##n##_end }
static const struct user_image images[] = {
	IMAGE(hello),
	IMAGE(privtest),
	IMAGE(nvme),
	IMAGE(blk),
	IMAGE(tlbtest),
};

const struct user_image *user_image_find(const char *name)
{
	for (unsigned i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		if (strcmp(images[i].ui_name, name) == 0)
			return &images[i];
	}
	return 0;
}
