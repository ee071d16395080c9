/* SPDX-License-Identifier: MIT */
/*
 * Minimal TAP test support for host unit tests.
 *
 *	static void test_foo(void) { ... TAP_CHECK(x == y, "x %d y %d", x, y); }
 *	int main(void) { tap_run("foo", test_foo); return tap_done("suite"); }
 *
 * Each tap_run() is one TAP test point: it passes when no TAP_CHECK inside it
 * failed and it did not call tap_skip().  A skipped point prints
 * "ok N - <name> # SKIP <first reason>"; <name> (no '#' in it) is the test id
 * that the suite's expected-skips list names (scripts/check-skips.sh: a skip
 * not on the list fails `make check`).  tap_done() prints
 * "<suite>: N passed, N failed, N skipped" and returns the exit status: 1 on
 * any failure, and also 1 when no test point passed (a suite that ran nothing
 * must not look green).
 */
#ifndef ENPU_TESTS_TAP_H
#define ENPU_TESTS_TAP_H

#include <stdio.h>

void tap_run(const char *name, void (*fn)(void));
/* Mark the current test point skipped, with a reason. */
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Record a failure of the current test point (prints a diagnostic). */
void tap_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Number of failures recorded in the current test point so far. */
int tap_failures(void);
int tap_done(const char *suite);

/* Fail the current test point when @cond is false; evaluates to @cond. */
#define TAP_CHECK(cond, ...) ({ \
	int tap_ok_ = !!(cond); \
	if (!tap_ok_) \
		tap_fail(__FILE__, __LINE__, __VA_ARGS__); \
	tap_ok_; })

#endif /* ENPU_TESTS_TAP_H */
