// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <time.h>

#include "timing.h"

double tool_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void tool_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
}
