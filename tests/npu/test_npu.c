// SPDX-License-Identifier: MIT
/*
 * libaccel's NPU backend and the 0.2 API (asynchronous runs, zero-copy
 * mappings, context options, device listing).
 *
 * The API points run everywhere (the CPU backend implements the same
 * contract).  The device points need an ENPU device (/dev/accel/accel*,
 * enpu.ko): without one they SKIP with a loud reason; they run in the QEMU
 * VM (make suite-npu-vm).  Every device result is compared bit for bit
 * with the NumPy QDQ reference logits (models/digits_ref_int8.npy, made
 * without libaccel, which the int8 program reproduces exactly) and with the
 * CPU backend.  The CPU comparison only tests the transport: both run the
 * same compiler and firmware interpreter, so a compiler bug would pass it.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"
#include "core/npy.h"
#include "tap.h"

/* Output quantization of the int8 model (models/README.md). */
#define OUT_SCALE 0.251020223f

static const char *models = "models";
static struct accel_tensor tx, ty, ref8;
static int64_t n_img;
static float *cpu_logits;	/* CPU backend, whole split, image by image */
static bool have_npu;
static char no_npu_why[300];

static void path_of(char *buf, size_t len, const char *file)
{
	snprintf(buf, len, "%s/%s", models, file);
}

static accel_model *load(accel_ctx *ctx, const char *file)
{
	char p[256];
	accel_model *m;
	int err;

	path_of(p, sizeof(p), file);
	m = accel_model_load(ctx, p, &err);
	TAP_CHECK(m != NULL, "load %s: %d %s", p, err, accel_last_error());
	return m;
}

static struct accel_tensor image(int64_t i)
{
	struct accel_tensor t = { .dtype = ACCEL_DTYPE_F32, .rank = 4,
				  .dims = { 1, 1, 8, 8 } };

	t.data = (float *)tx.data + i * 64;
	t.size = 64 * sizeof(float);
	return t;
}

/* Every image through @m synchronously into @logits (n_img x 10). */
static int run_all(accel_model *m, float *logits)
{
	int64_t i;

	for (i = 0; i < n_img; i++) {
		struct accel_tensor in = image(i);
		struct accel_tensor out = { .data = logits + i * 10,
					    .size = 10 * sizeof(float) };
		int r = accel_run(m, &in, 1, &out, 1);

		if (!TAP_CHECK(r == 0, "image %lld: %d %s", (long long)i, r,
			       accel_last_error()))
			return r;
	}
	return 0;
}

/* Logits bit-identical to the NumPy QDQ reference; the gap in quanta. */
static void check_reference(const float *logits, const char *what)
{
	const float *ref = ref8.data;
	int64_t i, exact = 0;
	int maxq = 0;

	for (i = 0; i < n_img * 10; i++) {
		int a = (int)nearbyintf(logits[i] / OUT_SCALE);
		int r = (int)nearbyintf(ref[i] / OUT_SCALE);

		exact += !memcmp(&logits[i], &ref[i], sizeof(float));
		if (abs(a - r) > maxq)
			maxq = abs(a - r);
	}
	printf("# %s: %lld/%lld logits bit-identical to the NumPy QDQ reference, max difference %d quanta\n",
	       what, (long long)exact, (long long)n_img * 10, maxq);
	TAP_CHECK(exact == n_img * 10, "%s: %lld logits differ from the reference (max %d quanta)",
		  what, (long long)(n_img * 10 - exact), maxq);
}

/*
 * @n images' logits from image @k on equal, bit for bit, to the CPU
 * backend's (transport) and to the NumPy reference's (correctness).
 */
static bool same_logits(const float *o, int64_t k, int64_t n)
{
	size_t sz = (size_t)n * 10 * sizeof(float);

	return !memcmp(o, cpu_logits + k * 10, sz) &&
	       !memcmp(o, (const float *)ref8.data + k * 10, sz);
}

static int bit_diffs(const float *a, const float *b, int64_t n)
{
	int64_t i;
	int d = 0;

	for (i = 0; i < n; i++)
		d += memcmp(&a[i], &b[i], sizeof(float)) != 0;
	return d;
}

static bool need_npu(void)
{
	if (!have_npu)
		tap_skip("NO ENPU DEVICE: %s -- NPU coverage runs in the VM: make suite-npu-vm",
			 no_npu_why);
	return have_npu;
}

/* ---- API points (CPU backend; run everywhere) ---- */

static void test_cpu_reference(void)
{
	accel_ctx *ctx = accel_open(ACCEL_DEVICE_CPU, NULL);
	accel_model *m = ctx ? load(ctx, "digits_int8.onnx") : NULL;

	if (!m)
		goto out;
	if (!run_all(m, cpu_logits))
		check_reference(cpu_logits, "cpu int8");
	TAP_CHECK(accel_model_device(m) == ACCEL_DEVICE_CPU, "device %d",
		  accel_model_device(m));
	TAP_CHECK(!strcmp(accel_ctx_submit_path(ctx), "cpu"), "path %s",
		  accel_ctx_submit_path(ctx));
out:
	accel_model_free(m);
	accel_close(ctx);
}

/* Submit every image asynchronously; completions carry the index. */
static void async_all(accel_ctx *ctx, accel_model *m, float *logits,
		      int batch)
{
	struct accel_completion done[64];
	int64_t i, got = 0;
	char *seen = calloc((size_t)n_img, 1);
	int r, k, in_flight = 0;

	for (i = 0; i < n_img || in_flight; ) {
		while (i < n_img && in_flight < batch) {
			struct accel_tensor in = image(i);
			struct accel_tensor out = { .data = logits + i * 10,
						    .size = 10 * sizeof(float) };

			r = accel_submit(m, &in, 1, &out, 1, 1000 + (uint64_t)i);
			if (!TAP_CHECK(r == 0, "submit %lld: %d %s",
				       (long long)i, r, accel_last_error()))
				goto out;
			i++;
			in_flight++;
		}
		/* Reap half the window at a time: batches of submissions. */
		r = accel_wait(ctx, done, 64, in_flight / 2 > 0 ? in_flight / 2 : 1);
		if (!TAP_CHECK(r > 0, "wait: %d %s", r, accel_last_error()))
			goto out;
		for (k = 0; k < r; k++) {
			uint64_t idx = done[k].user_data - 1000;

			TAP_CHECK(idx < (uint64_t)n_img && !seen[idx],
				  "completion with bad or repeated user_data %llu",
				  (unsigned long long)done[k].user_data);
			TAP_CHECK(done[k].status == 0, "request %llu status %d",
				  (unsigned long long)idx, done[k].status);
			if (idx < (uint64_t)n_img)
				seen[idx] = 1;
			got++;
		}
		in_flight -= r;
	}
	TAP_CHECK(got == n_img, "%lld completions for %lld requests",
		  (long long)got, (long long)n_img);
	TAP_CHECK(accel_ctx_pending(ctx) == 0, "pending %d", accel_ctx_pending(ctx));
	TAP_CHECK(accel_poll(ctx, done, 64) == 0, "extra completions");
out:
	free(seen);
}

static void test_cpu_async(void)
{
	accel_ctx *ctx = accel_open(ACCEL_DEVICE_CPU, NULL);
	accel_model *m = ctx ? load(ctx, "digits_int8.onnx") : NULL;
	float *l = calloc((size_t)n_img * 10, sizeof(float));

	if (m && l) {
		async_all(ctx, m, l, 16);
		TAP_CHECK(bit_diffs(l, cpu_logits, n_img * 10) == 0,
			  "async CPU logits differ from accel_run's");
		check_reference(l, "cpu async");
	}
	TAP_CHECK(accel_wait(NULL, NULL, 0, 0) == -EINVAL, "NULL ctx accepted");
	free(l);
	accel_model_free(m);
	accel_close(ctx);
}

/*
 * Zero-copy: quantize image 0 ourselves (real = (q - zp) * scale, the
 * ONNX QuantizeLinear rule with round-half-even), run through the mapping
 * and compare the dequantized output with accel_run's.
 */
static void mapped_check(accel_ctx *ctx, const char *what)
{
	accel_model *m = load(ctx, "digits_int8.onnx");
	struct accel_tensor ti, to;
	struct accel_quant qi, qo;
	int r, j, bad = 0;

	if (!m)
		return;
	r = accel_model_map_input(m, 0, &ti, &qi);
	if (!TAP_CHECK(r == 0, "%s: map input: %d %s", what, r, accel_last_error()))
		goto out;
	r = accel_model_map_output(m, 0, &to, &qo);
	TAP_CHECK(r == 0, "%s: map output: %d", what, r);
	TAP_CHECK(ti.dtype == ACCEL_DTYPE_I8 || ti.dtype == ACCEL_DTYPE_U8,
		  "mapped input dtype %d", ti.dtype);
	TAP_CHECK(ti.size == 64 && qi.scale > 0, "mapped input %zu bytes scale %g",
		  ti.size, qi.scale);
	TAP_CHECK(to.size == 10 && qo.scale > 0, "mapped output %zu bytes", to.size);
	if (tap_failures())
		goto out;
	for (j = 0; j < 64; j++) {
		float v = nearbyintf(((float *)tx.data)[j] / qi.scale) + (float)qi.zero_point;
		int lo = ti.dtype == ACCEL_DTYPE_I8 ? -128 : 0;
		int q = (int)fminf(fmaxf(v, (float)lo), (float)(lo + 255));

		if (ti.dtype == ACCEL_DTYPE_I8)
			((int8_t *)ti.data)[j] = (int8_t)q;
		else
			((uint8_t *)ti.data)[j] = (uint8_t)q;
	}
	r = accel_run_mapped(m);
	TAP_CHECK(r == 0, "%s: run_mapped: %d %s", what, r, accel_last_error());
	for (j = 0; j < 10; j++) {
		int q = to.dtype == ACCEL_DTYPE_I8 ? ((int8_t *)to.data)[j] :
			((uint8_t *)to.data)[j];
		float real = (float)(q - qo.zero_point) * qo.scale;

		bad += fabsf(real - cpu_logits[j]) > 1e-6f * (1 + fabsf(real)) ||
		       fabsf(real - ((float *)ref8.data)[j]) > 1e-6f * (1 + fabsf(real));
	}
	TAP_CHECK(bad == 0, "%s: %d mapped logits differ from accel_run's or the reference's",
		  what, bad);
out:
	accel_model_free(m);
}

static void test_cpu_mapped(void)
{
	accel_ctx *ctx = accel_open(ACCEL_DEVICE_CPU, NULL);
	accel_model *m;
	struct accel_tensor t;

	mapped_check(ctx, "cpu");
	m = load(ctx, "digits_fp32.onnx");
	TAP_CHECK(accel_model_map_input(m, 0, &t, NULL) == -EOPNOTSUPP,
		  "float model mapped");
	accel_model_free(m);
	accel_close(ctx);
}

static void test_options_and_devices(void)
{
	struct accel_ctx_options o = { .size = sizeof(o), .npu_index = -1 };
	struct accel_device_info info[8];
	accel_ctx *ctx;
	int err, n;

	o.flags = ACCEL_CTX_SQPOLL | ACCEL_CTX_SUBMIT_IOCTL;
	TAP_CHECK(!accel_open_opts(ACCEL_DEVICE_CPU, &o, &err) && err == -EINVAL,
		  "conflicting flags accepted");
	o.flags = 0;
	o.reserved[3] = 1;
	TAP_CHECK(!accel_open_opts(ACCEL_DEVICE_CPU, &o, &err) && err == -EINVAL,
		  "reserved field accepted");
	o.reserved[3] = 0;
	o.size = 4;
	TAP_CHECK(!accel_open_opts(ACCEL_DEVICE_CPU, &o, &err) && err == -EINVAL,
		  "tiny size accepted");
	o.size = sizeof(o);
	ctx = accel_open_opts(ACCEL_DEVICE_CPU, &o, &err);
	TAP_CHECK(ctx && err == 0, "open: %d", err);
	accel_close(ctx);

	n = accel_devices(info, 8);
	TAP_CHECK(n >= 1 && info[0].kind == ACCEL_DEVICE_CPU && info[0].usable == 0,
		  "device list starts with a usable CPU (n %d)", n);
	TAP_CHECK(accel_devices(NULL, 0) == n, "count-only call disagrees");
	TAP_CHECK(accel_devices(NULL, 1) == -EINVAL, "NULL array accepted");
	o.npu_index = 63;	/* never exists in the VM nor on the host */
	TAP_CHECK(!accel_open_opts(ACCEL_DEVICE_NPU, &o, &err) && err == -ENODEV,
		  "accel63 opened: %d", err);
}

/* ---- device points ---- */

static void npu_bitexact(uint32_t flags, const char *path)
{
	struct accel_ctx_options o = { .size = sizeof(o), .flags = flags,
				       .npu_index = -1 };
	struct accel_ctx_stats s0, s1;
	float *l = calloc((size_t)n_img * 10, sizeof(float));
	accel_ctx *ctx;
	accel_model *m = NULL;
	int err, d;

	ctx = accel_open_opts(ACCEL_DEVICE_NPU, &o, &err);
	if (!TAP_CHECK(ctx, "open npu (%s): %d %s", path, err, accel_last_error()))
		goto out;
	TAP_CHECK(!strcmp(accel_ctx_submit_path(ctx), path), "path %s, wanted %s",
		  accel_ctx_submit_path(ctx), path);
	m = load(ctx, "digits_int8.onnx");
	if (!m || !l)
		goto out;
	accel_ctx_stats(ctx, &s0);
	if (run_all(m, l))
		goto out;
	accel_ctx_stats(ctx, &s1);
	TAP_CHECK(accel_model_device(m) == ACCEL_DEVICE_NPU, "ran on %s",
		  accel_device_name(accel_model_device(m)));
	d = bit_diffs(l, cpu_logits, n_img * 10);
	printf("# %s: %lld images, %d logits differ bitwise from the CPU backend; %.2f ioctl + %.2f io_uring_enter per inference (after the first)\n",
	       path, (long long)n_img, d,
	       (double)(s1.ioctls - s0.ioctls) / (double)n_img,
	       (double)(s1.uring_enters - s0.uring_enters) / (double)n_img);
	TAP_CHECK(d == 0, "%s: NPU differs from the CPU backend", path);
	check_reference(l, path);
	TAP_CHECK(s1.completed - s0.completed == (uint64_t)n_img, "completed %llu",
		  (unsigned long long)(s1.completed - s0.completed));
	/* The first run compiled and uploaded; later runs: only submissions. */
	if (!strcmp(path, "ioctl"))
		TAP_CHECK(s1.ioctls - s0.ioctls <= 2 * (uint64_t)n_img + 16 &&
			  s1.uring_enters == s0.uring_enters,
			  "ioctl path made %llu ioctls, %llu enters",
			  (unsigned long long)(s1.ioctls - s0.ioctls),
			  (unsigned long long)(s1.uring_enters - s0.uring_enters));
	else if (!strcmp(path, "io_uring"))
		TAP_CHECK(s1.uring_enters - s0.uring_enters <= (uint64_t)n_img &&
			  s1.ioctls - s0.ioctls <= 16,
			  "io_uring path made %llu enters, %llu ioctls",
			  (unsigned long long)(s1.uring_enters - s0.uring_enters),
			  (unsigned long long)(s1.ioctls - s0.ioctls));
out:
	free(l);
	accel_model_free(m);
	accel_close(ctx);
}

static void test_npu_uring(void)
{
	if (need_npu())
		npu_bitexact(0, "io_uring");
}

static void test_npu_ioctl(void)
{
	if (need_npu())
		npu_bitexact(ACCEL_CTX_SUBMIT_IOCTL, "ioctl");
}

static void test_npu_sqpoll(void)
{
	if (need_npu())
		npu_bitexact(ACCEL_CTX_SQPOLL, "io_uring+sqpoll");
}

static void test_npu_async_batched(void)
{
	struct accel_ctx_stats s0, s1;
	accel_ctx *ctx;
	accel_model *m;
	float *l;

	if (!need_npu())
		return;
	ctx = accel_open(ACCEL_DEVICE_NPU, NULL);
	m = ctx ? load(ctx, "digits_int8.onnx") : NULL;
	l = calloc((size_t)n_img * 10, sizeof(float));
	if (m && l) {
		async_all(ctx, m, l, 1);	/* warm: compile + upload */
		accel_ctx_stats(ctx, &s0);
		async_all(ctx, m, l, 32);
		accel_ctx_stats(ctx, &s1);
		printf("# async, 32 in flight: %llu io_uring_enter for %lld requests\n",
		       (unsigned long long)(s1.uring_enters - s0.uring_enters),
		       (long long)n_img);
		TAP_CHECK(bit_diffs(l, cpu_logits, n_img * 10) == 0,
			  "async NPU logits differ from the CPU backend");
		check_reference(l, "npu async");
		/* Batched: far fewer enters than requests. */
		TAP_CHECK((s1.uring_enters - s0.uring_enters) * 4 <= (uint64_t)n_img,
			  "%llu enters for %lld requests: not batched",
			  (unsigned long long)(s1.uring_enters - s0.uring_enters),
			  (long long)n_img);
	}
	free(l);
	accel_model_free(m);
	accel_close(ctx);
}

static void test_npu_mapped(void)
{
	accel_ctx *ctx;

	if (!need_npu())
		return;
	ctx = accel_open(ACCEL_DEVICE_NPU, NULL);
	TAP_CHECK(ctx, "open npu");
	if (ctx)
		mapped_check(ctx, "npu");
	accel_close(ctx);
}

/* Float models: AUTO runs them on the CPU, an NPU context refuses them. */
static void test_npu_fallback(void)
{
	struct accel_tensor in = image(0), out = { 0 };
	accel_ctx *ctx, *npu;
	accel_model *f, *q, *f2;
	int r;

	if (!need_npu())
		return;
	ctx = accel_open(ACCEL_DEVICE_AUTO, NULL);
	TAP_CHECK(ctx && accel_ctx_device(ctx) == ACCEL_DEVICE_NPU, "auto did not pick the NPU");
	f = load(ctx, "digits_fp32.onnx");
	q = load(ctx, "digits_int8.onnx");
	if (f && q) {
		r = accel_run(f, &in, 1, &out, 1);
		TAP_CHECK(r == 0 && accel_model_device(f) == ACCEL_DEVICE_CPU,
			  "fp32 under auto: %d on %s", r,
			  accel_device_name(accel_model_device(f)));
		r = accel_run(q, &in, 1, &out, 1);
		TAP_CHECK(r == 0 && accel_model_device(q) == ACCEL_DEVICE_NPU,
			  "int8 under auto: %d on %s", r,
			  accel_device_name(accel_model_device(q)));
		TAP_CHECK(same_logits(out.data, 0, 1),
			  "int8 under auto differs from the CPU backend or the reference");
	}
	npu = accel_open(ACCEL_DEVICE_NPU, NULL);
	f2 = npu ? load(npu, "digits_fp32.onnx") : NULL;
	if (f2) {
		r = accel_run(f2, &in, 1, &out, 1);
		TAP_CHECK(r == -EOPNOTSUPP, "fp32 on an NPU context: %d", r);
		TAP_CHECK(strstr(accel_last_error(), "NPU") != NULL,
			  "message does not say why: %s", accel_last_error());
	}
	accel_tensor_release(&out);
	accel_model_free(f2);
	accel_model_free(f);
	accel_model_free(q);
	accel_close(npu);
	accel_close(ctx);
}

/* Several contexts, several models each, interleaved. */
static void test_npu_many(void)
{
	accel_ctx *c[3] = { 0 };
	accel_model *m[3][2] = { { 0 } };
	int i, j, r;
	int64_t k;

	if (!need_npu())
		return;
	for (i = 0; i < 3; i++) {
		c[i] = accel_open(ACCEL_DEVICE_NPU, NULL);
		for (j = 0; c[i] && j < 2; j++)
			m[i][j] = load(c[i], "digits_int8.onnx");
	}
	for (k = 0; k < n_img && !tap_failures(); k++) {
		struct accel_tensor in = image(k);
		float o[10];
		struct accel_tensor out = { .data = o, .size = sizeof(o) };

		i = (int)(k % 3);
		j = (int)(k / 3 % 2);
		if (!m[i][j])
			break;
		r = accel_run(m[i][j], &in, 1, &out, 1);
		TAP_CHECK(r == 0 && same_logits(o, k, 1),
			  "image %lld via ctx %d model %d: %d", (long long)k, i, j, r);
	}
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 2; j++)
			accel_model_free(m[i][j]);
		accel_close(c[i]);
	}
}

/*
 * Async requests of one model, a synchronous run of another on the same
 * context while they are in flight, then the first model freed before its
 * completions are collected: they must still arrive, with correct outputs.
 */
static void test_npu_mixed(void)
{
	struct accel_completion done[32];
	float o[20][10], s[10];
	accel_ctx *ctx;
	accel_model *a, *b;
	int i, got = 0, r;

	if (!need_npu())
		return;
	ctx = accel_open(ACCEL_DEVICE_NPU, NULL);
	a = ctx ? load(ctx, "digits_int8.onnx") : NULL;
	b = ctx ? load(ctx, "digits_int8.onnx") : NULL;
	if (!a || !b)
		goto out;
	for (i = 0; i < 20; i++) {
		struct accel_tensor in = image(i);
		struct accel_tensor out = { .data = o[i], .size = sizeof(o[i]) };

		r = accel_submit(a, &in, 1, &out, 1, (uint64_t)i);
		TAP_CHECK(r == 0, "submit %d: %d %s", i, r, accel_last_error());
	}
	TAP_CHECK(accel_flush(ctx) == 0, "flush");
	{
		struct accel_tensor in = image(100);
		struct accel_tensor out = { .data = s, .size = sizeof(s) };

		r = accel_run(b, &in, 1, &out, 1);
		TAP_CHECK(r == 0 && same_logits(s, 100, 1),
			  "sync run among async ones: %d", r);
	}
	accel_model_free(a);
	a = NULL;
	TAP_CHECK(accel_ctx_pending(ctx) == 20, "pending %d", accel_ctx_pending(ctx));
	while (got < 20) {
		r = accel_wait(ctx, done, 32, 1);
		if (!TAP_CHECK(r > 0, "wait: %d", r))
			break;
		for (i = 0; i < r; i++) {
			uint64_t k = done[i].user_data;

			TAP_CHECK(k < 20 && done[i].status == 0 &&
				  same_logits(o[k], (int64_t)k, 1),
				  "request %llu: status %d or wrong logits",
				  (unsigned long long)k, done[i].status);
		}
		got += r;
	}
out:
	accel_model_free(a);
	accel_model_free(b);
	accel_close(ctx);
}

/* Four threads share one context and one model; each checks its images. */
struct thr {
	accel_model *m;
	int id, bad, err;
	pthread_t tid;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	int64_t k;

	for (k = t->id; k < n_img; k += 4) {
		struct accel_tensor in = image(k);
		float o[10];
		struct accel_tensor out = { .data = o, .size = sizeof(o) };

		if (accel_run(t->m, &in, 1, &out, 1))
			t->err++;
		else if (!same_logits(o, k, 1))
			t->bad++;
	}
	return NULL;
}

static void threads_check(enum accel_device dev)
{
	accel_ctx *ctx = accel_open(dev, NULL);
	accel_model *m = ctx ? load(ctx, "digits_int8.onnx") : NULL;
	struct thr t[4];
	int i;

	if (!m)
		goto out;
	for (i = 0; i < 4; i++) {
		t[i] = (struct thr){ .m = m, .id = i };
		TAP_CHECK(!pthread_create(&t[i].tid, NULL, thr_main, &t[i]),
			  "pthread_create");
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i].tid, NULL);
		TAP_CHECK(!t[i].err && !t[i].bad, "%s thread %d: %d errors, %d wrong",
			  accel_device_name(dev), i, t[i].err, t[i].bad);
	}
	TAP_CHECK(accel_model_device(m) == dev, "ran on %s",
		  accel_device_name(accel_model_device(m)));
out:
	accel_model_free(m);
	accel_close(ctx);
}

static void test_cpu_threads(void)
{
	threads_check(ACCEL_DEVICE_CPU);
}

static void test_npu_threads(void)
{
	if (need_npu())
		threads_check(ACCEL_DEVICE_NPU);
}

int main(int argc, char **argv)
{
	struct accel_err e;
	char p[256];
	accel_ctx *probe;
	int err;

	if (argc > 1)
		models = argv[1];
	else if (getenv("ENPU_MODELS"))
		models = getenv("ENPU_MODELS");
	path_of(p, sizeof(p), "digits_test_x.npy");
	if (npy_read(p, &tx, &e)) {
		printf("not ok 1 - test data: %s\n", e.msg);
		return 1;
	}
	path_of(p, sizeof(p), "digits_ref_int8.npy");
	if (npy_read(p, &ref8, &e)) {
		printf("not ok 1 - test data: %s\n", e.msg);
		return 1;
	}
	n_img = tx.dims[0];
	if (ref8.dtype != ACCEL_DTYPE_F32 ||
	    ref8.size != (size_t)n_img * 10 * sizeof(float)) {
		printf("not ok 1 - test data: digits_ref_int8.npy is not [%lld,10] float32\n",
		       (long long)n_img);
		return 1;
	}
	cpu_logits = calloc((size_t)n_img * 10, sizeof(float));
	probe = accel_open(ACCEL_DEVICE_NPU, &err);
	have_npu = probe != NULL;
	if (!have_npu)
		snprintf(no_npu_why, sizeof(no_npu_why), "%s", accel_last_error());
	accel_close(probe);
	if (!have_npu)
		printf("# SKIPPING NPU TESTS: %s\n", no_npu_why);

	tap_run("cpu backend matches the NumPy int8 reference", test_cpu_reference);
	tap_run("async submit/wait on the cpu backend", test_cpu_async);
	tap_run("zero-copy mapping on the cpu backend", test_cpu_mapped);
	tap_run("context options and device list", test_options_and_devices);
	tap_run("four threads share a cpu context", test_cpu_threads);
	tap_run("npu io_uring: digits bit-exact with cpu", test_npu_uring);
	tap_run("npu ioctl: digits bit-exact with cpu", test_npu_ioctl);
	tap_run("npu sqpoll: digits bit-exact with cpu", test_npu_sqpoll);
	tap_run("npu async batched submission", test_npu_async_batched);
	tap_run("npu zero-copy mapping", test_npu_mapped);
	tap_run("npu auto fallback and refusal of float models", test_npu_fallback);
	tap_run("npu several contexts and models", test_npu_many);
	tap_run("npu four threads share a context", test_npu_threads);
	tap_run("npu async + sync on one context, model freed in flight", test_npu_mixed);
	free(cpu_logits);
	accel_tensor_release(&tx);
	accel_tensor_release(&ref8);
	(void)ty;
	return tap_done("npu");
}
