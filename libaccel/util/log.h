/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics on stderr, filtered by ACCEL_LOG (read once per process):
 *
 *	error	only what the caller cannot see in a return value (a failure
 *		in a background completion, a device that faulted)
 *	warn	(default) also: a model or context running on the CPU instead
 *		of the NPU and why, settings that were ignored
 *	info	also: the device, kernels and threads a context chose, each
 *		model loaded, each shape compiled and the engine it got
 *	debug	also: every error returned to the caller, with its message
 *
 * A number 0..3 is accepted for the same levels.  Lines start with
 * "libaccel: " (warn), "libaccel: error: ", "libaccel: info: " or
 * "libaccel: debug: ".
 */
#ifndef LIBACCEL_LOG_H
#define LIBACCEL_LOG_H

#include <stdbool.h>

enum accel_log_level {
	ACCEL_LOG_ERROR = 0,
	ACCEL_LOG_WARN = 1,
	ACCEL_LOG_INFO = 2,
	ACCEL_LOG_DEBUG = 3,
};

/* Would a message of @level be printed? */
bool accel_log_on(enum accel_log_level level);

/* Print one line (no trailing newline in @fmt) if @level is enabled. */
void accel_log(enum accel_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* LIBACCEL_LOG_H */
