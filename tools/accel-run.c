// SPDX-License-Identifier: MIT
/*
 * accel-run - run an ONNX model once (or N times) on inputs from .npy or raw
 * files, or random data, and print outputs, top-5 and latency.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"
#include "common/args.h"
#include "common/die.h"
#include "common/input.h"
#include "common/timing.h"

#define MAX_IO 64

const char tool_name[] = "accel-run";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: accel-run MODEL (--input [NAME=]FILE... | --random [--seed N])\n"
		"                 [--output FILE.npy]... [--device cpu|npu|auto] [--repeat N]\n"
		"                 [--threads N] [--kernels NAME] [--npu-index N] [--version]\n"
		"\n"
		"Runs MODEL (ONNX) on the given inputs, one --input per model input, in\n"
		"order or by name (NAME=FILE; .npy, or raw little-endian data in the\n"
		"model's declared shape, symbolic dimensions taken as 1), or on random\n"
		"data with --random.\n"
		"Prints each output's shape, the top-5 classes of a classifier output,\n"
		"the device that ran it and the median latency over --repeat runs.\n"
		"--threads: CPU threads one run uses (default: every CPU this process\n"
		"may run on); --kernels: CPU kernel variant (auto, scalar, avx2,\n"
		"avxvnni, avx512bw, avx512vnni, neon, neondot); --npu-index: the NPU\n"
		"/dev/accel/accelN to use (default: the first usable one).\n");
}

static void print_shape(const struct accel_tensor *t)
{
	int d;

	printf("[");
	for (d = 0; d < t->rank; d++)
		printf("%s%lld", d ? "," : "", (long long)t->dims[d]);
	printf("]");
}

/* Top-5 of each row (first 4 rows) of a float [N, C] output. */
static void print_top5(const struct accel_tensor *t)
{
	int64_t rows = t->rank == 2 ? t->dims[0] : 1;
	int64_t cls = t->dims[t->rank - 1], r;

	for (r = 0; r < rows && r < 4; r++) {
		const float *v = (const float *)t->data + r * cls;
		int best[5], k, j, nb = cls < 5 ? (int)cls : 5;

		for (k = 0; k < nb; k++) {
			best[k] = -1;
			for (j = 0; j < cls; j++) {
				int used = 0;

				for (int u = 0; u < k; u++)
					used |= best[u] == j;
				if (!used && (best[k] < 0 || v[j] > v[best[k]]))
					best[k] = j;
			}
		}
		printf("  top-5 row %lld:", (long long)r);
		for (k = 0; k < nb; k++)
			printf(" %d (%.4g)", best[k], v[best[k]]);
		printf("\n");
	}
	if (rows > 4)
		printf("  ... %lld more rows\n", (long long)(rows - 4));
}

/*
 * Can @path be written?  An existing file must be writable, a new one's
 * directory must exist and be writable.  Returns 0, or 1 after saying why.
 */
static int output_writable(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];

	if (!access(path, F_OK))
		return access(path, W_OK) ?
		       die("--output %s: %s", path, strerror(errno)) : 0;
	if (!slash) {
		dir[0] = '.';
		dir[1] = '\0';
	} else if (slash == path) {
		dir[0] = '/';
		dir[1] = '\0';
	} else if ((size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	} else {
		return die("--output %s: path too long", path);
	}
	if (access(dir, W_OK))
		return die("--output %s: directory %s: %s", path, dir,
			   strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "random", no_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'd' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "kernels", required_argument, NULL, 'k' },
		{ "npu-index", required_argument, NULL, 'x' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in_paths[MAX_IO], *out_paths[MAX_IO];
	struct tool_input_arg in_args[MAX_IO];
	struct accel_tensor in[MAX_IO], out[MAX_IO];
	enum accel_device dev = ACCEL_DEVICE_AUTO;
	int n_in_paths = 0, n_out_paths = 0, repeat = 1, c, err, i, ret = 1;
	int n_in = 0, n_out = 0;
	struct accel_ctx_options co = { .size = sizeof(co), .npu_index = -1 };
	long threads = 0, v;
	bool random = false;
	struct tool_rng rng = { .state = 1 };
	double *lat = NULL;
	accel_ctx *ctx = NULL;
	accel_model *m = NULL;

	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	while ((c = getopt_long(argc, argv, "i:o:rs:d:n:t:k:x:Vh", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'i':
			if (n_in_paths == MAX_IO)
				return die("too many --input");
			tool_input_arg_parse(optarg, &in_args[n_in_paths++]);
			break;
		case 'o':
			if (n_out_paths == MAX_IO)
				return die("too many --output");
			out_paths[n_out_paths++] = optarg;
			break;
		case 'r':
			random = true;
			break;
		case 's':
			errno = 0;
			rng.state = strtoull(optarg, &end, 0);
			if (end == optarg || *end || errno || *optarg == '-')
				return die("--seed: '%s' is not a number", optarg);
			break;
		case 'd':
			if (tool_arg_device(optarg, &dev))
				return 1;
			break;
		case 'n':
			if (tool_arg_long("repeat", optarg, 1, 1000000, &v))
				return 1;
			repeat = (int)v;
			break;
		case 't':
			if (tool_arg_long("threads", optarg, 1, 256, &threads))
				return 1;
			break;
		case 'x':
			if (tool_arg_long("npu-index", optarg, 0, 63, &v))
				return 1;
			co.npu_index = (int32_t)v;
			break;
		case 'k':
			/* the library checks the name against this CPU */
			if (setenv("ACCEL_CPU_KERNELS", optarg, 1))
				return die("--kernels: %s", strerror(errno));
			break;
		case 'V':
			tool_print_version(stdout);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (n_in_paths && random)
		return die("--input and --random exclude each other");
	/* Find out now, not after the runs, that an output cannot be written. */
	for (i = 0; i < n_out_paths; i++)
		if (output_writable(out_paths[i]))
			return 1;

	co.threads = (uint32_t)threads;
	ctx = accel_open_opts(dev, &co, &err);
	if (!ctx)
		return die("%s", accel_last_error());
	m = accel_model_load(ctx, argv[optind], &err);
	if (!m) {
		die("%s", accel_last_error());
		goto out;
	}
	n_in = accel_model_num_inputs(m);
	n_out = accel_model_num_outputs(m);
	if (n_in > MAX_IO || n_out > MAX_IO) {
		die("model has more than %d inputs or outputs", MAX_IO);
		goto out;
	}
	if (!n_in_paths && !random && n_in) {
		struct accel_tensor_info inf;
		char dims[128];

		accel_model_input(m, 0, &inf);
		die("model has %d input%s (the first is '%s' %s %s): give --input FILE for each, or --random",
		    n_in, n_in == 1 ? "" : "s", inf.name,
		    accel_dtype_name(inf.dtype), tool_fmt_dims(&inf, dims, sizeof(dims)));
		goto out;
	}
	if (tool_inputs_match(m, in_args, n_in_paths, in_paths, MAX_IO))
		goto out;
	for (i = 0; n_in_paths && i < n_in; i++) {
		if (!in_paths[i]) {
			struct accel_tensor_info inf;

			accel_model_input(m, i, &inf);
			die("model has %d inputs and no --input for '%s'", n_in,
			    inf.name);
			goto out;
		}
	}
	if (n_out_paths > n_out) {
		die("model has %d outputs, %d --output given", n_out, n_out_paths);
		goto out;
	}
	for (i = 0; i < n_in; i++) {
		struct accel_tensor_info inf;

		accel_model_input(m, i, &inf);
		if (n_in_paths ? tool_load_input(in_paths[i], &inf, &in[i]) :
		    tool_make_input(&inf, 1, NULL, &rng, &in[i]))
			goto out;
	}
	lat = calloc((size_t)repeat, sizeof(double));
	if (!lat) {
		die("out of memory");
		goto out;
	}
	for (i = 0; i < repeat; i++) {
		double t0 = (tool_now_s() * 1e6);

		err = accel_run(m, in, n_in, out, n_out);
		lat[i] = (tool_now_s() * 1e6) - t0;
		if (err) {
			die("%s", accel_last_error());
			goto out;
		}
	}
	printf("model:   %s\n", argv[optind]);
	if (accel_model_device(m) == ACCEL_DEVICE_NPU)
		printf("device:  npu (%s, %s submission, int8 command buffer)\n",
		       accel_ctx_device_path(ctx), accel_ctx_submit_path(ctx));
	else
		printf("device:  %s (%s, %s kernels, %u thread%s)\n",
		       accel_device_name(accel_model_device(m)),
		       accel_model_engine(m) == ACCEL_ENGINE_INT8 ?
		       "int8 command buffer on the firmware core" : "fp32 graph executor",
		       accel_ctx_cpu_kernels(ctx), accel_ctx_threads(ctx),
		       accel_ctx_threads(ctx) == 1 ? "" : "s");
	printf("arena:   %zu bytes\n", accel_model_arena_size(m));
	for (i = 0; i < n_out; i++) {
		struct accel_tensor_info inf;

		accel_model_output(m, i, &inf);
		printf("output %d '%s': %s ", i, inf.name, accel_dtype_name(out[i].dtype));
		print_shape(&out[i]);
		printf("\n");
		if (out[i].dtype == ACCEL_DTYPE_F32 && out[i].rank >= 1 &&
		    out[i].rank <= 2 && out[i].dims[out[i].rank - 1] > 1)
			print_top5(&out[i]);
		if (i < n_out_paths && tool_save_output(out_paths[i], &out[i]))
			goto out;
	}
	tool_sort(lat, (size_t)repeat);
	printf("latency: median %.1f us over %d run%s (first run compiles: %.1f us max)\n",
	       lat[repeat / 2], repeat, repeat > 1 ? "s" : "", lat[repeat - 1]);
	ret = 0;
out:
	free(lat);
	for (i = 0; i < n_in; i++)
		accel_tensor_release(&in[i]);
	for (i = 0; i < n_out; i++)
		accel_tensor_release(&out[i]);
	accel_model_free(m);
	accel_close(ctx);
	return ret;
}
