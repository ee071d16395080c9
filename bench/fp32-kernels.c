// SPDX-License-Identifier: MIT
/*
 * fp32-kernels - time the float Conv/Gemm operators on the layer shapes of
 * the MLPerf Tiny models (DS-CNN keyword spotting, MobileNetV1-0.25 96x96,
 * ResNet-8, the FC autoencoder), batch 1, in the calling thread.  Prints
 * microseconds per call and GFLOP/s per layer.  ACCEL_CPU_KERNELS picks
 * the kernels (scalar, avx2, avx512; default: the best this CPU runs).
 * Times are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which a
 * loaded machine disturbs less than wall time; with BENCH_THREADS=N times are
 * wall-clock, and for N > 1 the operators split their work on a pool of N
 * threads.  BENCH_LAYER=TEXT times only the layers whose name contains
 * TEXT (for perf record).
 * Only the operator interface (ops/ops.h) is used, so the same file
 * measures older trees too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/ops.h"
#include "util/parallel.h"

static clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;

struct layer {
	const char *name;
	const char *op;		/* "Conv" or "Gemm" */
	int c, h, w, m, kh, kw, s, pt, pl, group;	/* Gemm: c = K, m = N */
};

static const struct layer layers[] = {
	{ "kws conv1 10x4 s2 1->64", "Conv", 1, 49, 10, 64, 10, 4, 2, 4, 1, 1 },
	{ "kws dw 3x3 64 25x5", "Conv", 64, 25, 5, 64, 3, 3, 1, 1, 1, 64 },
	{ "kws pw 1x1 64->64 25x5", "Conv", 64, 25, 5, 64, 1, 1, 1, 0, 0, 1 },
	{ "kws fc 64->12", "Gemm", 64, 1, 1, 12, 0, 0, 0, 0, 0, 0 },
	{ "mbv1 conv1 3x3 s2 3->8 96", "Conv", 3, 96, 96, 8, 3, 3, 2, 1, 1, 1 },
	{ "mbv1 dw 3x3 8 48x48", "Conv", 8, 48, 48, 8, 3, 3, 1, 1, 1, 8 },
	{ "mbv1 pw 8->16 48x48", "Conv", 8, 48, 48, 16, 1, 1, 1, 0, 0, 1 },
	{ "mbv1 dw 3x3 s2 16 48->24", "Conv", 16, 48, 48, 16, 3, 3, 2, 1, 1, 16 },
	{ "mbv1 pw 16->32 24x24", "Conv", 16, 24, 24, 32, 1, 1, 1, 0, 0, 1 },
	{ "mbv1 pw 32->32 24x24", "Conv", 32, 24, 24, 32, 1, 1, 1, 0, 0, 1 },
	{ "mbv1 pw 64->64 12x12", "Conv", 64, 12, 12, 64, 1, 1, 1, 0, 0, 1 },
	{ "mbv1 pw 128->128 6x6", "Conv", 128, 6, 6, 128, 1, 1, 1, 0, 0, 1 },
	{ "mbv1 dw 3x3 128 6x6", "Conv", 128, 6, 6, 128, 3, 3, 1, 1, 1, 128 },
	{ "mbv1 pw 256->256 3x3", "Conv", 256, 3, 3, 256, 1, 1, 1, 0, 0, 1 },
	{ "rn8 conv1 3x3 3->16 32", "Conv", 3, 32, 32, 16, 3, 3, 1, 1, 1, 1 },
	{ "rn8 3x3 16->16 32x32", "Conv", 16, 32, 32, 16, 3, 3, 1, 1, 1, 1 },
	{ "rn8 3x3 s2 16->32 32", "Conv", 16, 32, 32, 32, 3, 3, 2, 1, 1, 1 },
	{ "rn8 1x1 s2 16->32 32", "Conv", 16, 32, 32, 32, 1, 1, 2, 0, 0, 1 },
	{ "rn8 3x3 32->32 16x16", "Conv", 32, 16, 16, 32, 3, 3, 1, 1, 1, 1 },
	{ "rn8 3x3 64->64 8x8", "Conv", 64, 8, 8, 64, 3, 3, 1, 1, 1, 1 },
	{ "ae fc 640->128", "Gemm", 640, 1, 1, 128, 0, 0, 0, 0, 0, 0 },
	{ "ae fc 128->128", "Gemm", 128, 1, 1, 128, 0, 0, 0, 0, 0, 0 },
	{ "ae fc 128->640", "Gemm", 128, 1, 1, 640, 0, 0, 0, 0, 0, 0 },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(bench_clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static float *buf(size_t n)
{
	float *p = malloc((n ? n : 1) * sizeof(float));

	for (size_t i = 0; i < n; i++)
		p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
	return p;
}

static int bench(const struct layer *l, double *us, double *macs)
{
	const struct cpu_op *op = cpu_op_find("", l->op);
	struct ir_attr attrs[6];
	int64_t pads[4], st[2], ks[2];
	int outs[1] = { 0 };
	struct ir_node n = {
		.name = (char *)l->name, .op_type = (char *)l->op,
		.domain = (char *)"", .attrs = attrs, .outputs = outs,
		.n_outputs = 1,
	};
	struct ir_value in[3] = { { 0 } }, out[1] = { { 0 } };
	struct accel_err e;
	size_t wsz = 0;
	void *ws = NULL;
	int ret, iters = 0;
	double t0, t1;

	if (!op)
		return -1;
	if (!strcmp(l->op, "Conv")) {
		pads[0] = l->pt;
		pads[1] = l->pl;
		pads[2] = l->pt;
		pads[3] = l->pl;
		st[0] = st[1] = l->s;
		ks[0] = l->kh;
		ks[1] = l->kw;
		attrs[0] = (struct ir_attr){ .name = (char *)"pads",
			.type = IR_ATTR_INTS, .ints = pads, .n = 4 };
		attrs[1] = (struct ir_attr){ .name = (char *)"strides",
			.type = IR_ATTR_INTS, .ints = st, .n = 2 };
		attrs[2] = (struct ir_attr){ .name = (char *)"group",
			.type = IR_ATTR_INT, .i = l->group };
		attrs[3] = (struct ir_attr){ .name = (char *)"kernel_shape",
			.type = IR_ATTR_INTS, .ints = ks, .n = 2 };
		n.n_attrs = 4;
		in[0] = (struct ir_value){ .dtype = IR_F32, .rank = 4,
			.dims = { 1, l->c, l->h, l->w } };
		in[1] = (struct ir_value){ .dtype = IR_F32, .rank = 4,
			.dims = { l->m, l->c / l->group, l->kh, l->kw } };
	} else {
		attrs[0] = (struct ir_attr){ .name = (char *)"transB",
			.type = IR_ATTR_INT, .i = 1 };
		n.n_attrs = 1;
		in[0] = (struct ir_value){ .dtype = IR_F32, .rank = 2,
			.dims = { 1, l->c } };
		in[1] = (struct ir_value){ .dtype = IR_F32, .rank = 2,
			.dims = { l->m, l->c } };
	}
	in[2] = (struct ir_value){ .dtype = IR_F32, .rank = 1,
		.dims = { l->m } };
	for (int i = 0; i < 3; i++)
		in[i].data = buf((size_t)ir_value_numel(&in[i]));
	ret = op->infer(&n, in, 3, out, 1, &e);
	if (!ret)
		ret = cpu_op_workspace(op, &n, in, 3, out, 1, &wsz, &e);
	if (ret) {
		fprintf(stderr, "%s: %s\n", l->name, e.msg);
		return ret;
	}
	out[0].data = buf((size_t)ir_value_numel(&out[0]));
	ws = wsz ? aligned_alloc(64, (wsz + 63) & ~(size_t)63) : NULL;
	*macs = (double)ir_value_numel(&out[0]) * (double)l->c /
		(l->group ? l->group : 1) * (l->kh ? l->kh * l->kw : 1);
	t0 = now();
	do {
		ret = cpu_op_run(op, &n, in, 3, out, 1, ws, &e);
		iters++;
		t1 = now();
	} while (!ret && t1 - t0 < 0.1);
	*us = (t1 - t0) / iters * 1e6;
	for (int i = 0; i < 3; i++)
		free(in[i].data);
	free(out[0].data);
	free(ws);
	return ret;
}

int main(void)
{
	const char *k = getenv("ACCEL_CPU_KERNELS");
	const char *th = getenv("BENCH_THREADS");
	const char *only = getenv("BENCH_LAYER");
	unsigned int threads = th ? (unsigned int)atoi(th) : 1;
	struct par_pool *pool = NULL, *saved = NULL;
	double total = 0;

	if (th)
		bench_clock = CLOCK_MONOTONIC;
	if (threads > 1) {
		pool = par_pool_create(threads);
		if (!pool)
			return 1;
		par_enter(pool, &saved);
	}
	printf("# kernels: %s (ACCEL_CPU_KERNELS), %u thread(s)\n",
	       k ? k : "auto", threads > 1 ? threads : 1);
	printf("%-30s %10s %8s %8s\n", "layer", "us/call", "MMAC", "GFLOP/s");
	for (size_t i = 0; i < sizeof(layers) / sizeof(*layers); i++) {
		double us = 0, macs = 0;

		if (only && !strstr(layers[i].name, only))
			continue;
		if (bench(&layers[i], &us, &macs))
			return 1;
		total += us;
		printf("%-30s %10.2f %8.3f %8.2f\n", layers[i].name, us,
		       macs / 1e6, 2 * macs / us / 1e3);
	}
	printf("%-30s %10.2f\n", "sum", total);
	if (pool) {
		par_leave(saved);
		par_pool_destroy(pool);
	}
	return 0;
}
