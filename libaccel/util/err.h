/* SPDX-License-Identifier: MIT */
/* Internal error funnel: every failure is a negative errno plus a message. */
#ifndef LIBACCEL_ERR_H
#define LIBACCEL_ERR_H

#include <errno.h>

#define ACCEL_ERR_MSG_MAX 256

struct accel_err {
	char msg[ACCEL_ERR_MSG_MAX];
};

/*
 * Format a message into @e (which may be NULL) and return @errnum, which must
 * be a negative errno, so that callers can write
 *	return accel_seterr(e, -EINVAL, "node '%s': ...", name);
 */
int accel_seterr(struct accel_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* LIBACCEL_ERR_H */
