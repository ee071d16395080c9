/* SPDX-License-Identifier: MIT */
/*
 * Strict command-line values for the tools: a number is the whole argument
 * or an error naming the option, never a silent 0 (atoi) or a truncated
 * prefix; inputs by position or by name.
 */
#ifndef ENPU_TOOLS_ARGS_H
#define ENPU_TOOLS_ARGS_H

#include <stdio.h>

#include "accel.h"

/*
 * Parse @s as a whole decimal integer in @lo..@hi into @v.  Returns 0, or
 * 1 after printing "--OPT: 'S' is not a whole number in LO..HI".
 */
int tool_arg_long(const char *opt, const char *s, long lo, long hi, long *v);

/*
 * Parse @s as a finite number of seconds, > 0 and at most @hi.  Returns 0,
 * or 1 after printing why.
 */
int tool_arg_secs(const char *opt, const char *s, double hi, double *v);

/* --device cpu|npu|auto into @dev.  Returns 0, or 1 after saying why. */
int tool_arg_device(const char *s, enum accel_device *dev);

/* Print "TOOL (ENPU) VERSION" and libaccel's version to @f. */
void tool_print_version(FILE *f);

/*
 * One --input: "FILE" (the next input by position) or "NAME=FILE" (the
 * input called NAME; a FILE of that form by position needs "./" in front).
 */
struct tool_input_arg {
	const char *name;	/* NULL: by position */
	size_t name_len;
	const char *path;
};

/* Split @arg into @a (pointers into @arg). */
void tool_input_arg_parse(const char *arg, struct tool_input_arg *a);

/*
 * Match @n_args --input arguments to @m's inputs: @paths[i] (one per model
 * input, NULL where none was given) gets the file of input i.  Either
 * every argument is positional or every one is named; a name the model
 * lacks, an input named twice, or more positional arguments than inputs is
 * an error.  Returns 0, or 1 after printing why.
 */
int tool_inputs_match(accel_model *m, const struct tool_input_arg *args,
		      int n_args, const char **paths, int n_paths);

#endif /* ENPU_TOOLS_ARGS_H */
