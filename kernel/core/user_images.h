/*
 * kernel/core/user_images.h - user programs linked into the kernel image.
 */
#ifndef CAPROCK_CORE_USER_IMAGES_H
#define CAPROCK_CORE_USER_IMAGES_H

#include <stdint.h>

struct user_image {
	const char *ui_name;
	const uint8_t *ui_start;
	const uint8_t *ui_end;
};

/* NULL if no program of that name was built in. */
const struct user_image *user_image_find(const char *name);

#endif
