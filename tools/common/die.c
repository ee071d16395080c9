// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "die.h"

int die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", tool_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}
