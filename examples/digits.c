// SPDX-License-Identifier: MIT
/*
 * digits - classify the held-out digits test split with an ONNX model and
 * report accuracy and latency: the demo's main job, and an example of an app
 * using libaccel.
 *
 *	example-digits MODEL.onnx TEST_X.npy TEST_Y.npy [--device cpu|npu|auto]
 *		[--save-pred FILE.npy] [--save-logits FILE.npy]
 *		[--compare LOGITS.npy] [--reference LOGITS.npy [--tolerance T]]
 *
 * --compare reports how many predictions and logits (bit for bit) agree with
 * another run's --save-logits file (the demo: NPU against the CPU backend)
 * and fails when the logits are not identical.  --reference does the same
 * against logits computed without libaccel (models/digits_ref_*.npy, the
 * NumPy reference) and fails when a logit is more than T away (default 0:
 * bit-identical, which the int8 model must be).
 *
 * Every image is run on its own (batch 1, as a sensor pipeline would) for the
 * latency figures, then the whole split once as one batch.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accel.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int argmax(const float *v, int n)
{
	int i, b = 0;

	for (i = 1; i < n; i++)
		if (v[i] > v[b])
			b = i;
	return b;
}

/*
 * Read @path's [N,10] float32 logits into @t and count the predictions and
 * logits (bit for bit) of this run that agree with them, and the largest
 * logit difference.
 */
static int agreement(const char *path, struct accel_tensor *t,
		     const struct accel_tensor *logits,
		     const struct accel_tensor *pred, int64_t *same_pred,
		     int64_t *same_bits, double *maxd)
{
	int64_t i, n = logits->dims[0];

	if (accel_npy_read(path, t)) {
		fprintf(stderr, "digits: %s\n", accel_last_error());
		return -1;
	}
	if (t->dtype != ACCEL_DTYPE_F32 || t->size != logits->size) {
		fprintf(stderr, "digits: %s: not [%lld,10] float32 logits\n",
			path, (long long)n);
		return -1;
	}
	*same_pred = *same_bits = 0;
	*maxd = 0;
	for (i = 0; i < n * 10; i++) {
		float a = ((const float *)logits->data)[i];
		float b = ((const float *)t->data)[i];
		double d = fabs((double)a - (double)b);

		*same_bits += !memcmp(&a, &b, sizeof(float));
		if (!(d <= *maxd))	/* NaN counts as the worst */
			*maxd = isnan(d) ? INFINITY : d;
	}
	for (i = 0; i < n; i++)
		*same_pred += argmax((const float *)t->data + i * 10, 10) ==
			      ((const int64_t *)pred->data)[i];
	return 0;
}

int main(int argc, char **argv)
{
	enum accel_device dev = ACCEL_DEVICE_AUTO;
	struct accel_tensor x, y, in, out = { 0 }, pred = { 0 };
	const char *save = NULL, *save_logits = NULL, *compare = NULL;
	const char *reference = NULL;
	struct accel_tensor logits = { 0 }, other = { 0 }, ref = { 0 };
	double tolerance = 0;
	bool mismatch = false;
	struct accel_ctx_stats s0, s1;
	int64_t same_pred = 0, same_bits = 0;
	double maxd = 0;
	accel_ctx *ctx;
	accel_model *m;
	double *lat;
	int64_t n, i, img, correct = 0, batch_correct = 0, agree = 0;
	int err, classes, ret = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: %s MODEL.onnx TEST_X.npy TEST_Y.npy [--device cpu|npu|auto] [--save-pred FILE.npy] [--save-logits FILE.npy] [--compare LOGITS.npy] [--reference LOGITS.npy [--tolerance T]]\n",
			argv[0]);
		return 2;
	}
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--device") && i + 1 < argc) {
			i++;
			dev = !strcmp(argv[i], "cpu") ? ACCEL_DEVICE_CPU :
			      !strcmp(argv[i], "npu") ? ACCEL_DEVICE_NPU :
			      ACCEL_DEVICE_AUTO;
		} else if (!strcmp(argv[i], "--save-pred") && i + 1 < argc) {
			save = argv[++i];
		} else if (!strcmp(argv[i], "--save-logits") && i + 1 < argc) {
			save_logits = argv[++i];
		} else if (!strcmp(argv[i], "--compare") && i + 1 < argc) {
			compare = argv[++i];
		} else if (!strcmp(argv[i], "--reference") && i + 1 < argc) {
			reference = argv[++i];
		} else if (!strcmp(argv[i], "--tolerance") && i + 1 < argc) {
			tolerance = strtod(argv[++i], NULL);
		} else {
			fprintf(stderr, "digits: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (accel_npy_read(argv[2], &x) || accel_npy_read(argv[3], &y)) {
		fprintf(stderr, "digits: %s\n", accel_last_error());
		return 1;
	}
	n = x.dims[0];
	if (x.dtype != ACCEL_DTYPE_F32 || x.rank != 4 || y.dtype != ACCEL_DTYPE_I64 ||
	    y.rank != 1 || y.dims[0] != n || n < 1) {
		fprintf(stderr, "digits: expected X float32 [N,1,8,8] and Y int64 [N]\n");
		return 1;
	}
	img = x.dims[1] * x.dims[2] * x.dims[3];

	ctx = accel_open(dev, &err);
	if (!ctx) {
		fprintf(stderr, "digits: %s\n", accel_last_error());
		return 1;
	}
	m = accel_model_load(ctx, argv[1], &err);
	if (!m) {
		fprintf(stderr, "digits: %s\n", accel_last_error());
		accel_close(ctx);
		return 1;
	}
	lat = calloc((size_t)n, sizeof(double));
	pred.dtype = ACCEL_DTYPE_I64;
	pred.rank = 1;
	pred.dims[0] = n;
	pred.size = (size_t)n * sizeof(int64_t);
	pred.data = calloc((size_t)n, sizeof(int64_t));
	logits.dtype = ACCEL_DTYPE_F32;
	logits.rank = 2;
	logits.dims[0] = n;
	logits.dims[1] = 10;
	logits.size = (size_t)n * 10 * sizeof(float);
	logits.data = calloc((size_t)n * 10, sizeof(float));
	if (!lat || !pred.data || !logits.data)
		goto out;
	/* Warm-up: compile (and on the NPU upload) before timing. */
	in = x;
	in.flags = 0;
	in.dims[0] = 1;
	in.size = (size_t)img * sizeof(float);
	err = accel_run(m, &in, 1, &out, 1);
	if (err) {
		fprintf(stderr, "digits: %s\n", accel_last_error());
		goto out;
	}
	accel_ctx_stats(ctx, &s0);

	/* One image at a time: latency per inference. */
	in = x;
	in.flags = 0;
	in.dims[0] = 1;
	in.size = (size_t)img * sizeof(float);
	for (i = 0; i < n; i++) {
		double t0;

		in.data = (float *)x.data + i * img;
		t0 = now_us();
		err = accel_run(m, &in, 1, &out, 1);
		lat[i] = now_us() - t0;
		if (err) {
			fprintf(stderr, "digits: image %lld: %s\n", (long long)i,
				accel_last_error());
			goto out;
		}
		classes = (int)out.dims[1];
		if (classes == 10)
			memcpy((float *)logits.data + i * 10, out.data,
			       10 * sizeof(float));
		((int64_t *)pred.data)[i] = argmax(out.data, classes);
		correct += ((int64_t *)pred.data)[i] == ((int64_t *)y.data)[i];
	}
	accel_ctx_stats(ctx, &s1);
	/* The whole split as one batch: same answers expected. */
	err = accel_run(m, &x, 1, &out, 1);
	if (err) {
		fprintf(stderr, "digits: batch: %s\n", accel_last_error());
		goto out;
	}
	for (i = 0; i < n; i++) {
		int p = argmax((float *)out.data + i * out.dims[1], (int)out.dims[1]);

		batch_correct += p == ((int64_t *)y.data)[i];
		agree += p == ((int64_t *)pred.data)[i];
	}
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	printf("%-28s device %-3s engine %-4s accuracy %6.2f%% (%lld/%lld)  latency p50 %7.1f us  p99 %7.1f us  batch-%lld agrees %lld/%lld  arena %zu B\n",
	       strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1],
	       accel_device_name(accel_model_device(m)),
	       accel_model_engine(m) == ACCEL_ENGINE_INT8 ? "int8" : "fp32",
	       100.0 * (double)correct / (double)n, (long long)correct,
	       (long long)n, lat[(n - 1) / 2], lat[(n - 1) * 99 / 100],
	       (long long)n, (long long)agree, (long long)n,
	       accel_model_arena_size(m));
	if (accel_model_device(m) == ACCEL_DEVICE_NPU)
		printf("%-28s %s via %s: %.2f syscalls per inference (%.2f ioctl + %.2f io_uring_enter)\n",
		       "", accel_ctx_device_path(ctx), accel_ctx_submit_path(ctx),
		       (double)(s1.ioctls - s0.ioctls + s1.uring_enters - s0.uring_enters) / (double)n,
		       (double)(s1.ioctls - s0.ioctls) / (double)n,
		       (double)(s1.uring_enters - s0.uring_enters) / (double)n);
	printf("SUMMARY model=%s device=%s path=%s accuracy=%.2f p50_us=%.1f p99_us=%.1f syscalls=%.2f\n",
	       strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1],
	       accel_device_name(accel_model_device(m)),
	       accel_model_device(m) == ACCEL_DEVICE_NPU ? accel_ctx_submit_path(ctx) : "in-process",
	       100.0 * (double)correct / (double)n, lat[(n - 1) / 2],
	       lat[(n - 1) * 99 / 100],
	       (double)(s1.ioctls - s0.ioctls + s1.uring_enters - s0.uring_enters) / (double)n);
	if (compare) {
		if (agreement(compare, &other, &logits, &pred, &same_pred,
			      &same_bits, &maxd))
			goto out;
		printf("AGREEMENT predictions=%lld/%lld logits_bit_identical=%lld/%lld\n",
		       (long long)same_pred, (long long)n, (long long)same_bits,
		       (long long)n * 10);
		mismatch |= same_bits != n * 10;
	}
	if (reference) {
		if (agreement(reference, &ref, &logits, &pred, &same_pred,
			      &same_bits, &maxd))
			goto out;
		printf("REFERENCE predictions=%lld/%lld logits_bit_identical=%lld/%lld max_abs_diff=%.3g tolerance=%g\n",
		       (long long)same_pred, (long long)n, (long long)same_bits,
		       (long long)n * 10, maxd, tolerance);
		mismatch |= !(maxd <= tolerance);
	}
	if (save_logits && accel_npy_write(save_logits, &logits)) {
		fprintf(stderr, "digits: %s\n", accel_last_error());
		goto out;
	}
	if (save && accel_npy_write(save, &pred)) {
		fprintf(stderr, "digits: %s\n", accel_last_error());
		goto out;
	}
	if (mismatch)
		goto out;
	if (batch_correct != correct)
		printf("  note: the batched run classified %lld correctly\n",
		       (long long)batch_correct);
	ret = 0;
out:
	free(lat);
	free(pred.data);
	free(logits.data);
	accel_tensor_release(&other);
	accel_tensor_release(&ref);
	accel_tensor_release(&out);
	accel_tensor_release(&x);
	accel_tensor_release(&y);
	accel_model_free(m);
	accel_close(ctx);
	return ret;
}
