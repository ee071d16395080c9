// SPDX-License-Identifier: MIT
/*
 * CPU execution settings: the kernel variant (accel_ctx_options.cpu_kernels,
 * ACCEL_CPU_KERNELS) and the threads of one run (accel_ctx_options.threads,
 * ACCEL_THREADS).  Bad settings fail accel_open_opts() with a precise
 * message; every variant this CPU runs, at 1 and 2 threads, gives the int8
 * digits model's outputs bit for bit as the scalar kernels on one thread do,
 * over the whole test set, and the float model's within float tolerance;
 * int8 batches, split across 2 and 3 threads or not, bit for bit too.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"
#include "enpu_fw.h"
#include "tap.h"

#define ROWS 64		/* test images run per setting */

static struct accel_tensor test_x;	/* [N, 1, 8, 8] float32 */

static accel_ctx *open_with(uint32_t kernels, uint32_t threads, int *err)
{
	struct accel_ctx_options o = {
		.size = sizeof(o), .npu_index = -1, .flags = ACCEL_CTX_QUIET,
		.threads = threads, .cpu_kernels = kernels,
	};

	return accel_open_opts(ACCEL_DEVICE_CPU, &o, err);
}

static void test_bad_settings(void)
{
	accel_ctx *c;
	int err;

	unsetenv("ACCEL_CPU_KERNELS");
	unsetenv("ACCEL_THREADS");
	c = open_with(999, 0, &err);
	TAP_CHECK(!c && err == -EINVAL, "cpu_kernels 999: %d", err);
	TAP_CHECK(strstr(accel_last_error(), "cpu_kernels") != NULL, "message: %s",
		  accel_last_error());
	c = open_with(0, 257, &err);
	TAP_CHECK(!c && err == -EINVAL, "threads 257: %d", err);
	TAP_CHECK(strstr(accel_last_error(), "257") != NULL, "message: %s",
		  accel_last_error());

	setenv("ACCEL_CPU_KERNELS", "fast", 1);
	c = open_with(0, 1, &err);
	TAP_CHECK(!c && err == -EINVAL, "ACCEL_CPU_KERNELS=fast: %d", err);
	TAP_CHECK(strstr(accel_last_error(), "ACCEL_CPU_KERNELS='fast': unknown") &&
		  strstr(accel_last_error(), "this CPU runs: scalar"),
		  "message: %s", accel_last_error());
	/* a variant of the other architecture never runs here */
#if defined(__x86_64__)
	setenv("ACCEL_CPU_KERNELS", "neon", 1);
#else
	setenv("ACCEL_CPU_KERNELS", "avx2", 1);
#endif
	c = open_with(0, 1, &err);
	TAP_CHECK(!c && err == -EOPNOTSUPP, "foreign variant: %d", err);
	TAP_CHECK(strstr(accel_last_error(), "lacks") != NULL, "message: %s",
		  accel_last_error());
	unsetenv("ACCEL_CPU_KERNELS");

	for (const char *const *v = (const char *const[]){ "0", "-1", "2x", "", "300", NULL };
	     *v; v++) {
		setenv("ACCEL_THREADS", *v, 1);
		c = open_with(0, 1, &err);
		if (!**v) {	/* empty: not set */
			TAP_CHECK(c && err == 0, "ACCEL_THREADS='': %d", err);
			accel_close(c);
			continue;
		}
		TAP_CHECK(!c && err == -EINVAL, "ACCEL_THREADS='%s': %d", *v, err);
		TAP_CHECK(strstr(accel_last_error(), "ACCEL_THREADS") != NULL,
			  "message: %s", accel_last_error());
	}
	setenv("ACCEL_THREADS", "3", 1);
	c = open_with(0, 1, &err);
	TAP_CHECK(c && accel_ctx_threads(c) == 3, "ACCEL_THREADS=3 overrides: %u",
		  c ? accel_ctx_threads(c) : 0);
	accel_close(c);
	unsetenv("ACCEL_THREADS");

	c = open_with(ACCEL_CPU_KERNELS_SCALAR, 2, &err);
	TAP_CHECK(c && !strcmp(accel_ctx_cpu_kernels(c), "scalar") &&
		  accel_ctx_threads(c) == 2, "scalar, 2 threads: %s %u",
		  c ? accel_ctx_cpu_kernels(c) : "-", c ? accel_ctx_threads(c) : 0);
	accel_close(c);
	c = open_with(ACCEL_CPU_KERNELS_AUTO, 0, &err);
	TAP_CHECK(c && !strcmp(accel_ctx_cpu_kernels(c),
			       enpu_fw_kernels_name(enpu_fw_kernels_best())),
		  "auto picks the best variant: %s", c ? accel_ctx_cpu_kernels(c) : "-");
	TAP_CHECK(c && accel_ctx_threads(c) >= 1, "default threads %u",
		  c ? accel_ctx_threads(c) : 0);
	accel_close(c);
}

/* Run @path on ROWS test images; outputs concatenated into @out. */
static int run_rows(accel_ctx *c, const char *path, float *out, int n_cls)
{
	struct accel_tensor in = { .dtype = ACCEL_DTYPE_F32, .rank = 4,
				   .dims = { 1, 1, 8, 8 } };
	accel_model *m = accel_model_load(c, path, NULL);
	int r = 0, i;

	if (!m)
		return -1;
	for (i = 0; i < ROWS && !r; i++) {
		struct accel_tensor o = { 0 };

		o.data = out + (size_t)i * n_cls;
		o.size = sizeof(float) * (size_t)n_cls;
		in.data = (float *)test_x.data + (size_t)i * 64;
		in.size = 64 * sizeof(float);
		r = accel_run(m, &in, 1, &o, 1);
		if (!r && (o.rank != 2 || o.dims[1] != n_cls))
			r = -1;
	}
	accel_model_free(m);
	return r;
}

static void check_variants(const char *path, int exact)
{
	static const char *const names[] = {
		"scalar", "avx2", "avxvnni", "avx512bw", "avx512vnni", "neon", "neondot",
	};
	float ref[ROWS * 10], got[ROWS * 10];
	accel_ctx *c;
	unsigned int v, t, ran = 0;
	int err;

	c = open_with(ACCEL_CPU_KERNELS_SCALAR, 1, &err);
	TAP_CHECK(c && !run_rows(c, path, ref, 10), "%s: scalar run: %s", path,
		  accel_last_error());
	accel_close(c);
	for (v = 0; v < sizeof(names) / sizeof(names[0]); v++) {
		if (!enpu_fw_kernels_find(names[v]))
			continue;
		for (t = 1; t <= 2; t++) {
			float worst = 0;
			int i;

			c = open_with(ACCEL_CPU_KERNELS_SCALAR + v, t, &err);
			TAP_CHECK(c && !strcmp(accel_ctx_cpu_kernels(c), names[v]),
				  "open %s: %d", names[v], err);
			if (!c)
				continue;
			memset(got, 0xff, sizeof(got));
			TAP_CHECK(!run_rows(c, path, got, 10), "%s %s/%u: %s", path,
				  names[v], t, accel_last_error());
			for (i = 0; i < ROWS * 10; i++)
				if (fabsf(got[i] - ref[i]) > worst || got[i] != got[i])
					worst = got[i] != got[i] ? INFINITY :
					       fabsf(got[i] - ref[i]);
			if (exact)
				TAP_CHECK(!memcmp(got, ref, sizeof(ref)),
					  "%s: %s kernels, %u threads differ from scalar (max %g)",
					  path, names[v], t, worst);
			else
				TAP_CHECK(worst <= 1e-4f,
					  "%s: %s kernels, %u threads: max diff %g", path,
					  names[v], t, worst);
			accel_close(c);
			ran++;
		}
	}
	printf("# %s: %u settings compared with scalar on one thread\n", path, ran);
	TAP_CHECK(ran >= 2, "only %u settings ran", ran);
}

static void test_int8_identical(void)
{
	check_variants("models/digits_int8.onnx", 1);
}

static void test_fp32_close(void)
{
	check_variants("models/digits_fp32.onnx", 0);
}

/*
 * fp32 batches: the float executor runs a batch-separable graph chunk by
 * chunk (exec/plan.c); batches of sizes that split into chunks and that
 * do not (prime), on 1 and 2 threads, give each image's outputs as a run
 * of that image alone does.
 */
static void test_fp32_batches(void)
{
	static const int sizes[] = { 2, 7, 12, 32, 64 };
	float ref[ROWS * 10], got[ROWS * 10];
	accel_ctx *c;
	int err, ran = 0;

	c = open_with(0, 1, &err);
	TAP_CHECK(c && !run_rows(c, "models/digits_fp32.onnx", ref, 10),
		  "per-image run: %s", accel_last_error());
	accel_close(c);
	for (unsigned int t = 1; t <= 2; t++) {
		accel_model *m;

		c = open_with(0, t, &err);
		m = c ? accel_model_load(c, "models/digits_fp32.onnx", NULL) : NULL;
		TAP_CHECK(m, "load: %s", accel_last_error());
		for (size_t k = 0; m && k < sizeof(sizes) / sizeof(*sizes); k++) {
			int nb = sizes[k], r;
			struct accel_tensor in = {
				.dtype = ACCEL_DTYPE_F32, .rank = 4,
				.dims = { nb, 1, 8, 8 }, .data = test_x.data,
				.size = (size_t)nb * 64 * sizeof(float),
			};
			struct accel_tensor o = {
				.data = got, .size = (size_t)nb * 10 * sizeof(float),
			};
			float worst = 0;

			memset(got, 0xff, sizeof(got));
			r = accel_run(m, &in, 1, &o, 1);
			TAP_CHECK(!r && o.rank == 2 && o.dims[0] == nb && o.dims[1] == 10,
				  "batch %d, %u threads: %d %s", nb, t, r,
				  accel_last_error());
			for (int i = 0; !r && i < nb * 10; i++)
				if (!(fabsf(got[i] - ref[i]) <= worst))
					worst = got[i] != got[i] ? INFINITY :
						fabsf(got[i] - ref[i]);
			TAP_CHECK(worst <= 1e-5f, "batch %d, %u threads: max diff %g",
				  nb, t, worst);
			ran++;
		}
		accel_model_free(m);
		accel_close(c);
	}
	TAP_CHECK(ran == 10, "only %d batches ran", ran);
}

/*
 * int8 batches: on several threads a batch runs as parts, each the program
 * compiled for a smaller batch (core/run.c; ACCEL_BATCH_SPLIT=1 splits
 * even this small model, auto leaves it whole, 0 never splits).  Batches
 * smaller than, equal to and not a multiple of the thread count, on 1, 2
 * and 3 threads, with the scalar and the best kernels, give every image's
 * outputs bit for bit as the scalar kernels on that image alone do.
 */
static void test_int8_batches(void)
{
	static const int sizes[] = { 1, 2, 3, 5, 7, 13, 32, 64 };
	static const char *const split[] = { "1", "auto", "0" };
	static const uint32_t kern[] = { ACCEL_CPU_KERNELS_SCALAR, ACCEL_CPU_KERNELS_AUTO };
	float ref[ROWS * 10], got[ROWS * 10 + 1];
	accel_ctx *c;
	int err, ran = 0;

	c = open_with(ACCEL_CPU_KERNELS_SCALAR, 1, &err);
	TAP_CHECK(c && !run_rows(c, "models/digits_int8.onnx", ref, 10),
		  "per-image scalar run: %s", accel_last_error());
	accel_close(c);
	for (size_t sp = 0; sp < sizeof(split) / sizeof(*split); sp++) {
		setenv("ACCEL_BATCH_SPLIT", split[sp], 1);
		for (size_t kv = 0; kv < sizeof(kern) / sizeof(*kern); kv++) {
			for (unsigned int t = 1; t <= 3; t++) {
				accel_model *m;

				c = open_with(kern[kv], t, &err);
				m = c ? accel_model_load(c, "models/digits_int8.onnx", NULL) :
					NULL;
				TAP_CHECK(m, "load: %s", accel_last_error());
				for (size_t k = 0; m && k < sizeof(sizes) / sizeof(*sizes); k++) {
					int nb = sizes[k], r;
					struct accel_tensor in = {
						.dtype = ACCEL_DTYPE_F32, .rank = 4,
						.dims = { nb, 1, 8, 8 }, .data = test_x.data,
						.size = (size_t)nb * 64 * sizeof(float),
					};
					struct accel_tensor o = {
						.data = got, .size = (size_t)nb * 10 * sizeof(float),
					};

					/* a sentinel after the outputs */
					memset(got, 0xff, sizeof(got));
					r = accel_run(m, &in, 1, &o, 1);
					TAP_CHECK(!r && o.rank == 2 && o.dims[0] == nb &&
						  o.dims[1] == 10,
						  "split %s, %s, batch %d, %u threads: %d %s",
						  split[sp], accel_ctx_cpu_kernels(c), nb, t, r,
						  accel_last_error());
					TAP_CHECK(!r && !memcmp(got, ref, (size_t)nb * 10 * sizeof(float)),
						  "split %s, %s, batch %d, %u threads: differs from scalar",
						  split[sp], accel_ctx_cpu_kernels(c), nb, t);
					TAP_CHECK(((const uint32_t *)got)[nb * 10] == 0xffffffffu,
						  "batch %d wrote past its outputs", nb);
					ran++;
				}
				accel_model_free(m);
				accel_close(c);
			}
		}
	}
	unsetenv("ACCEL_BATCH_SPLIT");
	setenv("ACCEL_BATCH_SPLIT", "2", 1);
	c = open_with(0, 2, &err);
	TAP_CHECK(!c && err == -EINVAL &&
		  strstr(accel_last_error(), "ACCEL_BATCH_SPLIT='2'") != NULL,
		  "ACCEL_BATCH_SPLIT=2: %d %s", err, accel_last_error());
	accel_close(c);
	unsetenv("ACCEL_BATCH_SPLIT");
	TAP_CHECK(ran == 3 * 2 * 3 * 8, "only %d batches ran", ran);
}

int main(void)
{
	if (accel_npy_read("models/digits_test_x.npy", &test_x) ||
	    test_x.dtype != ACCEL_DTYPE_F32 || test_x.rank != 4 ||
	    test_x.dims[0] < ROWS || test_x.dims[1] * test_x.dims[2] * test_x.dims[3] != 64) {
		printf("# cannot read models/digits_test_x.npy as float32 [N, 1, 8, 8]\n");
		return 1;
	}
	tap_run("bad CPU settings fail precisely", test_bad_settings);
	tap_run("int8: every kernel variant and thread count is bit-identical",
		test_int8_identical);
	tap_run("fp32: every kernel variant and thread count agrees",
		test_fp32_close);
	tap_run("fp32: batches agree with single images", test_fp32_batches);
	tap_run("int8: batches on 1-3 threads are bit-identical to single images",
		test_int8_batches);
	free(test_x.data);
	return tap_done("test_cpu_exec");
}
