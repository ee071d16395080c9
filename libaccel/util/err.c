// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "util/err.h"

int accel_seterr(struct accel_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return errnum;
}
