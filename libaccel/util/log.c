// SPDX-License-Identifier: MIT
/* Diagnostics filtered by ACCEL_LOG, see log.h. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"

static enum accel_log_level log_level = ACCEL_LOG_WARN;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void log_init(void)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	const char *env = getenv("ACCEL_LOG");
	unsigned int i;

	if (!env || !*env)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(env, names[i]) ||
		    (env[0] == (char)('0' + i) && !env[1])) {
			log_level = (enum accel_log_level)i;
			return;
		}
	}
	if (!strcasecmp(env, "warning")) {
		log_level = ACCEL_LOG_WARN;
		return;
	}
	fprintf(stderr, "libaccel: ACCEL_LOG=%s is not error, warn, info or debug; using warn\n",
		env);
}

bool accel_log_on(enum accel_log_level level)
{
	pthread_once(&log_once, log_init);
	return level <= log_level;
}

void accel_log(enum accel_log_level level, const char *fmt, ...)
{
	static const char *const tags[] = {
		"error: ", "", "info: ", "debug: ",
	};
	char line[1024];
	va_list ap;

	if (!accel_log_on(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one write per line, so that lines of threads do not interleave */
	fprintf(stderr, "libaccel: %s%s\n", tags[level], line);
}
