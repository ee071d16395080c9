// SPDX-License-Identifier: MIT
/*
 * Runs never allocate: after a model's first run at a shape (which compiles
 * and sizes that form), every further accel_run() makes no heap allocation
 * at all, on the float executor and on the int8 program, for the digits
 * models and for ONNX node-test models whose kernels need scratch memory
 * (Conv, Gemm with transposes, QLinearConv, QLinearMatMul, ConvInteger,
 * MatMulInteger, Gather, MatMul).
 *
 * Allocations are counted by wrapping malloc, calloc, realloc,
 * aligned_alloc and posix_memalign at link time (-Wl,--wrap, see
 * suite.mk): every call libaccel's own code makes goes through the
 * counters below and on to the real allocator, which is ASan's or
 * valgrind's in those builds, so the count is the same under both.  The
 * hook proves it is live before it is trusted: loading a model must count.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "accel.h"
#include "ir/ir.h"
#include "onnx/onnx.h"
#include "tap.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t sz);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t sz);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);

static atomic_long n_allocs;

void *__wrap_malloc(size_t n)
{
	atomic_fetch_add(&n_allocs, 1);
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t sz)
{
	atomic_fetch_add(&n_allocs, 1);
	return __real_calloc(n, sz);
}

void *__wrap_realloc(void *p, size_t n)
{
	atomic_fetch_add(&n_allocs, 1);
	return __real_realloc(p, n);
}

void *__wrap_aligned_alloc(size_t a, size_t n)
{
	atomic_fetch_add(&n_allocs, 1);
	return __real_aligned_alloc(a, n);
}

int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
	atomic_fetch_add(&n_allocs, 1);
	return __real_posix_memalign(p, a, n);
}

#define MAX_IO 8
#define RUNS 4

struct io {
	struct accel_tensor in[MAX_IO], out[MAX_IO];
	int n_in, n_out;
};

static void io_free(struct io *io)
{
	for (int i = 0; i < io->n_in; i++)
		free(io->in[i].data);
	for (int i = 0; i < io->n_out; i++)
		accel_tensor_release(&io->out[i]);
}

/*
 * Run @m RUNS times on @io's inputs (outputs allocated by libaccel on the
 * first run and reused); the first run may allocate, no later one may, and
 * every later run gives the first run's bytes.
 */
static void check_runs(const char *what, accel_model *m, struct io *io,
		       enum accel_engine want)
{
	void *first[MAX_IO] = { 0 };
	long before, n, total = 0;
	int r;

	r = accel_run(m, io->in, io->n_in, io->out, io->n_out);
	if (!TAP_CHECK(r == 0, "%s: first run: %d %s", what, r,
		       accel_last_error()))
		return;
	TAP_CHECK(accel_model_engine(m) == want, "%s: engine %d, expected %d",
		  what, accel_model_engine(m), want);
	for (int i = 0; i < io->n_out; i++) {
		first[i] = malloc(io->out[i].size ? io->out[i].size : 1);
		if (!TAP_CHECK(first[i], "out of memory"))
			goto out;
		memcpy(first[i], io->out[i].data, io->out[i].size);
	}
	for (int k = 2; k <= RUNS; k++) {
		before = atomic_load(&n_allocs);
		r = accel_run(m, io->in, io->n_in, io->out, io->n_out);
		n = atomic_load(&n_allocs) - before;
		total += n;
		TAP_CHECK(r == 0, "%s: run %d: %d %s", what, k, r,
			  accel_last_error());
		TAP_CHECK(n == 0, "%s: run %d made %ld heap allocations", what,
			  k, n);
		for (int i = 0; i < io->n_out; i++)
			TAP_CHECK(!memcmp(first[i], io->out[i].data,
					  io->out[i].size),
				  "%s: run %d: output %d differs from run 1",
				  what, k, i);
	}
	printf("# %s: %zu-byte arena, %ld allocations in runs 2..%d\n",
	       what, accel_model_arena_size(m), total, RUNS);
out:
	for (int i = 0; i < io->n_out; i++)
		free(first[i]);
}

/* Symbolic first dimensions of the inputs fill_inputs() makes. */
static int64_t fill_batch = 1;

/*
 * Inputs of the declared shapes (a symbolic first dimension fill_batch,
 * others 1), a fixed ramp of values.
 */
static int fill_inputs(accel_model *m, struct io *io)
{
	io->n_in = accel_model_num_inputs(m);
	io->n_out = accel_model_num_outputs(m);
	if (io->n_in > MAX_IO || io->n_out > MAX_IO)
		return -1;
	for (int i = 0; i < io->n_in; i++) {
		struct accel_tensor_info inf;
		struct accel_tensor *t = &io->in[i];
		size_t cnt = 1;

		if (accel_model_input(m, i, &inf) || inf.dtype != ACCEL_DTYPE_F32)
			return -1;
		t->dtype = inf.dtype;
		t->rank = inf.rank;
		for (int d = 0; d < inf.rank; d++) {
			t->dims[d] = inf.dims[d] >= 0 ? inf.dims[d] :
				     d ? 1 : fill_batch;
			cnt *= (size_t)t->dims[d];
		}
		t->size = cnt * sizeof(float);
		t->data = malloc(t->size);
		if (!t->data)
			return -1;
		for (size_t j = 0; j < cnt; j++)
			((float *)t->data)[j] = (float)(j % 17) / 16.0f;
	}
	return 0;
}

static void run_file(const char *what, const char *path, const char *engine,
		     enum accel_engine want)
{
	struct io io = { 0 };
	accel_ctx *c = accel_open(ACCEL_DEVICE_CPU, NULL);
	accel_model *m = NULL;
	long before;
	int err;

	if (engine)
		setenv("ACCEL_ENGINE", engine, 1);
	else
		unsetenv("ACCEL_ENGINE");
	if (!TAP_CHECK(c, "open the CPU"))
		goto out;
	before = atomic_load(&n_allocs);
	m = accel_model_load(c, path, &err);
	if (!TAP_CHECK(m, "load %s: %d %s", path, err, accel_last_error()))
		goto out;
	/* The counters must see libaccel's allocations, or prove nothing. */
	if (!TAP_CHECK(atomic_load(&n_allocs) > before,
		       "the allocation hook saw no allocation while loading"))
		goto out;
	if (!TAP_CHECK(fill_inputs(m, &io) == 0, "%s: inputs", what))
		goto out;
	check_runs(what, m, &io, want);
out:
	io_free(&io);
	accel_model_free(m);
	accel_close(c);
	unsetenv("ACCEL_ENGINE");
}

static void test_digits_fp32(void)
{
	run_file("digits fp32", "models/digits_fp32.onnx", NULL,
		 ACCEL_ENGINE_FP32);
}

static void test_digits_int8(void)
{
	run_file("digits int8", "models/digits_int8.onnx", NULL,
		 ACCEL_ENGINE_INT8);
}

static void test_digits_qdq_fp32(void)
{
	run_file("digits int8 QDQ on the float executor",
		 "models/digits_int8.onnx", "fp32", ACCEL_ENGINE_FP32);
}

/* A batch split across 3 threads: parts, frames and sub-forms made once. */
static void test_digits_int8_batch(void)
{
	setenv("ACCEL_THREADS", "3", 1);
	setenv("ACCEL_BATCH_SPLIT", "1", 1);
	fill_batch = 7;
	run_file("digits int8, batch 7 split on 3 threads",
		 "models/digits_int8.onnx", NULL, ACCEL_ENGINE_INT8);
	fill_batch = 1;
	unsetenv("ACCEL_BATCH_SPLIT");
	unsetenv("ACCEL_THREADS");
}

static const char *node_dir(void)
{
	static const char *const cands[] = {
		"/usr/share/libonnx-testdata/data/node",
		"/usr/share/onnx/testdata/node",
	};
	const char *env = getenv("ENPU_ONNX_TESTDATA");
	struct stat st;

	if (env && env[0])
		return stat(env, &st) == 0 ? env : NULL;
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (stat(cands[i], &st) == 0)
			return cands[i];
	return NULL;
}

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 &&
	    !fseek(f, 0, SEEK_SET) && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* One ONNX node test: its model and test_data_set_0's inputs. */
static void run_node_test(const char *root, const char *name)
{
	struct io io = { 0 };
	accel_ctx *c = accel_open(ACCEL_DEVICE_CPU, NULL);
	accel_model *m = NULL;
	char path[4096];
	int err;

	unsetenv("ACCEL_ENGINE");
	if (!TAP_CHECK(c, "open the CPU"))
		goto out;
	snprintf(path, sizeof(path), "%s/%s/model.onnx", root, name);
	m = accel_model_load(c, path, &err);
	if (!TAP_CHECK(m, "load %s: %d %s", path, err, accel_last_error()))
		goto out;
	io.n_in = accel_model_num_inputs(m);
	io.n_out = accel_model_num_outputs(m);
	if (!TAP_CHECK(io.n_in <= MAX_IO && io.n_out <= MAX_IO, "%s: io", name))
		goto out;
	for (int i = 0; i < io.n_in; i++) {
		struct accel_err e = { { 0 } };
		struct ir_value v;
		struct accel_tensor *t = &io.in[i];
		size_t len;
		void *buf;

		snprintf(path, sizeof(path), "%s/%s/test_data_set_0/input_%d.pb",
			 root, name, i);
		buf = slurp(path, &len);
		if (!TAP_CHECK(buf, "read %s", path))
			goto out;
		err = onnx_load_tensor(buf, len, &v, NULL, &e);
		free(buf);
		if (!TAP_CHECK(err == 0, "%s: %s", path, e.msg))
			goto out;
		t->dtype = v.dtype;
		t->rank = v.rank;
		memcpy(t->dims, v.dims, sizeof(int64_t) * (size_t)v.rank);
		t->data = v.data;
		t->size = (size_t)ir_value_nbytes(&v);
	}
	check_runs(name, m, &io, ACCEL_ENGINE_FP32);
out:
	io_free(&io);
	accel_model_free(m);
	accel_close(c);
}

static void test_node_models(void)
{
	static const char *const names[] = {
		"test_conv_with_strides_padding", "test_gemm_all_attributes",
		"test_qlinearconv", "test_qlinearmatmul_2D",
		"test_convinteger_with_padding", "test_matmulinteger",
		"test_gather_0", "test_matmul_2d",
	};
	const char *root = node_dir();

	if (!root) {
		tap_skip("ONNX node test data not found; install libonnx-testdata or set ENPU_ONNX_TESTDATA");
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		run_node_test(root, names[i]);
}

int main(void)
{
	tap_run("digits fp32: runs after the first do not allocate",
		test_digits_fp32);
	tap_run("digits int8: runs after the first do not allocate",
		test_digits_int8);
	tap_run("digits int8, a batch split across threads: runs do not allocate",
		test_digits_int8_batch);
	tap_run("digits int8 on the float executor: runs do not allocate",
		test_digits_qdq_fp32);
	tap_run("conv/gemm/qlinear/integer/gather/matmul node models: runs do not allocate",
		test_node_models);
	return tap_done("core-noalloc");
}
