// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "die.h"

int tool_arg_long(const char *opt, const char *s, long lo, long hi, long *v)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	if (end == s || *end || errno || x < lo || x > hi)
		return die("--%s: '%s' is not a whole number in %ld..%ld", opt,
			   s, lo, hi);
	*v = x;
	return 0;
}

int tool_arg_secs(const char *opt, const char *s, double hi, double *v)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(x) || x <= 0 || x > hi)
		return die("--%s: '%s' is not a number of seconds > 0 and <= %g",
			   opt, s, hi);
	*v = x;
	return 0;
}

int tool_arg_device(const char *s, enum accel_device *dev)
{
	if (!strcmp(s, "cpu"))
		*dev = ACCEL_DEVICE_CPU;
	else if (!strcmp(s, "npu"))
		*dev = ACCEL_DEVICE_NPU;
	else if (!strcmp(s, "auto"))
		*dev = ACCEL_DEVICE_AUTO;
	else
		return die("--device: '%s' is not cpu, npu or auto", s);
	return 0;
}

void tool_print_version(FILE *f)
{
	fprintf(f, "%s (ENPU) %s\nlibaccel %s\n", tool_name, ACCEL_VERSION_STRING,
		accel_version());
}

void tool_input_arg_parse(const char *arg, struct tool_input_arg *a)
{
	const char *eq = strchr(arg, '=');

	/* "NAME=FILE"; a leading '=' or a '/' before it is a path */
	if (eq && eq != arg && !memchr(arg, '/', (size_t)(eq - arg))) {
		a->name = arg;
		a->name_len = (size_t)(eq - arg);
		a->path = eq + 1;
	} else {
		a->name = NULL;
		a->name_len = 0;
		a->path = arg;
	}
}

int tool_inputs_match(accel_model *m, const struct tool_input_arg *args,
		      int n_args, const char **paths, int n_paths)
{
	int n_in = accel_model_num_inputs(m), named = 0, i, k;

	if (n_in > n_paths)
		return die("model has more than %d inputs", n_paths);
	for (i = 0; i < n_in; i++)
		paths[i] = NULL;
	for (k = 0; k < n_args; k++)
		named += args[k].name != NULL;
	if (named && named != n_args)
		return die("--input: give every input by name (NAME=FILE) or every one by position, not both");
	if (!named) {
		if (n_args > n_in)
			return die("model has %d input%s, %d --input given", n_in,
				   n_in == 1 ? "" : "s", n_args);
		for (k = 0; k < n_args; k++)
			paths[k] = args[k].path;
		return 0;
	}
	for (k = 0; k < n_args; k++) {
		for (i = 0; i < n_in; i++) {
			struct accel_tensor_info inf;

			accel_model_input(m, i, &inf);
			if (strlen(inf.name) == args[k].name_len &&
			    !memcmp(inf.name, args[k].name, args[k].name_len))
				break;
		}
		if (i == n_in)
			return die("--input %.*s=...: the model has no input '%.*s'",
				   (int)args[k].name_len, args[k].name,
				   (int)args[k].name_len, args[k].name);
		if (paths[i])
			return die("--input: input '%.*s' given twice",
				   (int)args[k].name_len, args[k].name);
		paths[i] = args[k].path;
	}
	return 0;
}
