/*
 * lib/errors.c - names for the project-wide error codes (include/abi/errors.h).
 */
#include "include/abi/errors.h"

const char *cr_err_name(int err)
{
	switch (err) {
	case CR_OK:		return "ok";
	case CR_EINVAL:		return "einval";
	case CR_ENOMEM:		return "enomem";
	case CR_EPERM:		return "eperm";
	case CR_EBADCAP:	return "ebadcap";
	case CR_ERANGE:		return "erange";
	case CR_ETIMEDOUT:	return "etimedout";
	case CR_EIO:		return "eio";
	case CR_ENODEV:		return "enodev";
	case CR_EBUSY:		return "ebusy";
	case CR_ENOSYS:		return "enosys";
	case CR_EFAULT:		return "efault";
	case CR_EAGAIN:		return "eagain";
	case CR_EPROTO:		return "eproto";
	case CR_EEXIST:		return "eexist";
	case CR_ENOENT:		return "enoent";
	}
	return "unknown";
}
