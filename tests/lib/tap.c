// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

static int n_run, n_pass, n_fail, n_skip;
static int cur_fail, cur_skip;

void tap_run(const char *name, void (*fn)(void))
{
	cur_fail = 0;
	cur_skip = 0;
	n_run++;
	fn();
	if (cur_fail) {
		n_fail++;
		printf("not ok %d - %s\n", n_run, name);
	} else if (cur_skip) {
		n_skip++;
		printf("ok %d - %s # SKIP\n", n_run, name);
	} else {
		n_pass++;
		printf("ok %d - %s\n", n_run, name);
	}
	fflush(stdout);
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	cur_skip = 1;
	printf("# skip: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void tap_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	/* Cap the noise from one broken test point. */
	if (cur_fail++ >= 10)
		return;
	printf("# FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int tap_failures(void)
{
	return cur_fail;
}

int tap_done(const char *suite)
{
	printf("1..%d\n", n_run);
	if (n_pass == 0 && n_fail == 0)
		printf("# %s: no test point ran: failing\n", suite);
	printf("%s: %d passed, %d failed, %d skipped\n", suite, n_pass, n_fail,
	       n_skip);
	return (n_fail || n_pass == 0) ? 1 : 0;
}
