/* SPDX-License-Identifier: MIT */
/* Timing helpers shared by the command-line tools. */
#ifndef ENPU_TOOLS_TIMING_H
#define ENPU_TOOLS_TIMING_H

#include <stddef.h>

/* CLOCK_MONOTONIC in seconds. */
double tool_now_s(void);
/* Sort @n samples in ascending order (for percentiles). */
void tool_sort(double *v, size_t n);

#endif /* ENPU_TOOLS_TIMING_H */
