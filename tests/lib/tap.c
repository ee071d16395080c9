// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

static int n_run, n_pass, n_fail, n_skip;
static int cur_fail, cur_skip;
/* The first reason given to tap_skip() in the current test point. */
static char cur_why[256];

void tap_run(const char *name, void (*fn)(void))
{
	cur_fail = 0;
	cur_skip = 0;
	cur_why[0] = '\0';
	n_run++;
	fn();
	if (cur_fail) {
		n_fail++;
		printf("not ok %d - %s\n", n_run, name);
		if (cur_skip)
			printf("# it also skipped: %s\n", cur_why);
	} else if (cur_skip) {
		n_skip++;
		/* The name is the test id scripts/check-skips.sh matches. */
		printf("ok %d - %s # SKIP %s\n", n_run, name, cur_why);
	} else {
		n_pass++;
		printf("ok %d - %s\n", n_run, name);
	}
	fflush(stdout);
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!cur_skip) {
		vsnprintf(cur_why, sizeof(cur_why), fmt, ap);
	} else {
		printf("# skip: ");
		vprintf(fmt, ap);
		printf("\n");
	}
	va_end(ap);
	cur_skip = 1;
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
