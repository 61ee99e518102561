/*
 * include/abi/errors.h - the one project-wide error code enum.
 *
 * Functions return 0 (or a non-negative value) on success and one of these
 * negative codes on failure; system calls return them to user space as-is.
 */
#ifndef CAPROCK_ABI_ERRORS_H
#define CAPROCK_ABI_ERRORS_H

enum cr_err {
	CR_OK = 0,
	CR_EINVAL = -1,		/* malformed argument */
	CR_ENOMEM = -2,		/* out of memory or of a fixed table */
	CR_EPERM = -3,		/* capability lacks the right, or the operation is forbidden */
	CR_EBADCAP = -4,	/* empty slot or wrong capability type */
	CR_ERANGE = -5,		/* offset, length or index outside the object */
	CR_ETIMEDOUT = -6,	/* a bounded wait expired */
	CR_EIO = -7,		/* the device reported an error */
	CR_ENODEV = -8,		/* no such device or table */
	CR_EBUSY = -9,		/* resource in use */
	CR_ENOSYS = -10,	/* unknown system call or unsupported feature */
	CR_EFAULT = -11,	/* user pointer not mapped or not accessible */
	CR_EAGAIN = -12,	/* try again later (resource temporarily exhausted) */
	CR_EPROTO = -13,	/* malformed firmware table or wire data */
	CR_EEXIST = -14,	/* object already exists */
	CR_ENOENT = -15,	/* object does not exist */
};

/* A stable short name for log lines ("einval"); never NULL. */
const char *cr_err_name(int err);

#endif
