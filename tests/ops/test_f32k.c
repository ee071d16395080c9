// SPDX-License-Identifier: MIT
/*
 * The float32 kernels of libaccel/ops/f32k*.c, every variant this CPU runs,
 * against plain references computed here (double sums): gemm tiles with
 * ragged rows and columns, bias, residual and clamp; gemv_t; depthwise
 * planes with strides 1-3 and dilation.  Then the Conv operator on each
 * variant with channel counts that fill and overhang the register tiles,
 * and with a fused residual + clamp (run_fused).  Outputs carry sentinels.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "ops_test.h"
#include "ops/f32k.h"
#include "util/parallel.h"

static const char *const variant_names[] = { "scalar", "avx2", "avx512" };

static float clampf(double v, float lo, float hi)
{
	float f = (float)v;

	return f < lo ? lo : f > hi ? hi : f;
}

static float *rnd(uint64_t *seed, size_t n)
{
	float *p = malloc((n + 16) * sizeof(float));

	for (size_t i = 0; i < n; i++)
		p[i] = t_randf(seed);
	for (size_t i = n; i < n + 16; i++)
		p[i] = 12345.0f;	/* sentinel */
	return p;
}

static int sentinel_ok(const float *p, size_t n)
{
	for (size_t i = n; i < n + 16; i++)
		if (p[i] != 12345.0f)
			return 0;
	return 1;
}

static void test_gemm_one(const struct f32_kernels *k, uint64_t *seed)
{
	int m = t_randi(seed, 1, 21), n = t_randi(seed, 1, 97);
	/* now and then deep enough for several passes over k */
	int kd = t_randi(seed, 1, t_randi(seed, 0, 3) ? 71 : 400);
	int use_b = t_randi(seed, 0, 1);
	int use_r = t_randi(seed, 0, 1), act = t_randi(seed, 0, 2);
	int ldc = n + t_randi(seed, 0, 3), lda = kd + t_randi(seed, 0, 2);
	float *a = rnd(seed, (size_t)m * lda), *b = rnd(seed, (size_t)kd * n);
	float *bias = rnd(seed, (size_t)m), *res = rnd(seed, (size_t)m * n);
	float *c = rnd(seed, (size_t)m * ldc), *want = malloc((size_t)m * ldc * 4);
	struct f32_epi ep = {
		.bias = use_b ? bias : NULL, .res = use_r ? res : NULL, .ldr = n,
		.lo = act ? 0.0f : -INFINITY, .hi = act == 2 ? 0.5f : INFINITY,
	};
	char what[96];

	memcpy(want, c, (size_t)m * ldc * 4);
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double s = use_b ? bias[i] : 0.0;

			for (int p = 0; p < kd; p++)
				s += (double)a[i * lda + p] * b[p * n + j];
			if (use_r)
				s += res[i * n + j];
			want[i * ldc + j] = clampf(s, ep.lo, ep.hi);
		}
	k->gemm(m, n, kd, a, lda, b, n, c, ldc, &ep);
	snprintf(what, sizeof(what), "%s gemm m%d n%d k%d", k->name, m, n, kd);
	t_close(c, want, (int64_t)m * ldc, 1e-5f, what);
	CHECK(sentinel_ok(c, (size_t)m * ldc), "%s: wrote past C", what);
	free(a), free(b), free(bias), free(res), free(c), free(want);
}

/*
 * gemm_ind: B rows at random, overlapping offsets of one buffer; columns
 * in one run, or in rows of bw (8, 16 and up, or any) bld apart
 */
static void test_gemm_ind_one(const struct f32_kernels *k, uint64_t *seed)
{
	int m = t_randi(seed, 1, 21), n = t_randi(seed, 1, 97);
	int kd = t_randi(seed, 1, t_randi(seed, 0, 3) ? 71 : 400);
	int shape = t_randi(seed, 0, 3), bw, bld, rows, ext, span;
	int ldc = n + t_randi(seed, 0, 3), act = t_randi(seed, 0, 2);
	float *a, *b, *bias, *res, *c, *want;
	int64_t *off = malloc((size_t)kd * sizeof(*off));
	char what[128];

	bw = shape == 0 ? n : shape == 1 ? 8 :
	     shape == 2 ? t_randi(seed, 16, 40) : t_randi(seed, 1, 20);
	bld = bw + t_randi(seed, 0, 4);
	rows = (n + bw - 1) / bw;
	ext = (rows - 1) * bld + (n < bw ? n : bw);
	span = ext + t_randi(seed, 0, 200);
	a = rnd(seed, (size_t)m * kd);
	b = rnd(seed, (size_t)span);
	bias = rnd(seed, (size_t)m);
	res = rnd(seed, (size_t)m * n);
	c = rnd(seed, (size_t)m * ldc);
	want = malloc((size_t)m * ldc * 4);
	struct f32_epi ep = {
		.bias = t_randi(seed, 0, 1) ? bias : NULL,
		.res = t_randi(seed, 0, 1) ? res : NULL, .ldr = n,
		.lo = act ? 0.0f : -INFINITY, .hi = act == 2 ? 0.5f : INFINITY,
	};

	for (int p = 0; p < kd; p++)
		off[p] = t_randi(seed, 0, span - ext);
	memcpy(want, c, (size_t)m * ldc * 4);
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double v = ep.bias ? bias[i] : 0.0;

			for (int p = 0; p < kd; p++)
				v += (double)a[i * kd + p] *
				     b[off[p] + j / bw * bld + j % bw];
			if (ep.res)
				v += res[i * n + j];
			want[i * ldc + j] = clampf(v, ep.lo, ep.hi);
		}
	k->gemm_ind(m, n, kd, a, kd, b, off, bw, bld, c, ldc, &ep);
	snprintf(what, sizeof(what), "%s gemm_ind m%d n%d k%d bw%d bld%d",
		 k->name, m, n, kd, bw, bld);
	t_close(c, want, (int64_t)m * ldc, 1e-5f, what);
	CHECK(sentinel_ok(c, (size_t)m * ldc), "%s: wrote past C", what);
	free(a), free(b), free(bias), free(res), free(c), free(want), free(off);
}

static void test_gemv_one(const struct f32_kernels *k, uint64_t *seed)
{
	int n = t_randi(seed, 1, 37), kd = t_randi(seed, 1, 700);
	int ldw = kd + t_randi(seed, 0, 3);
	float *x = rnd(seed, (size_t)kd), *w = rnd(seed, (size_t)n * ldw);
	float *bias = rnd(seed, (size_t)n), *y = rnd(seed, (size_t)n);
	float want[40];
	struct f32_epi ep = { .bias = bias, .lo = 0.0f, .hi = INFINITY };
	char what[96];

	for (int j = 0; j < n; j++) {
		double s = bias[j];

		for (int p = 0; p < kd; p++)
			s += (double)x[p] * w[j * ldw + p];
		want[j] = clampf(s, 0.0f, INFINITY);
	}
	k->gemv_t(n, kd, x, w, ldw, y, &ep);
	snprintf(what, sizeof(what), "%s gemv_t n%d k%d", k->name, n, kd);
	t_close(y, want, n, 1e-5f, what);
	CHECK(sentinel_ok(y, (size_t)n), "%s: wrote past y", what);
	free(x), free(w), free(bias), free(y);
}

/* @k3s1: the common 3x3 stride-1 shape (a kernel may special-case it) */
static void test_dw_one(const struct f32_kernels *k, uint64_t *seed, int k3s1)
{
	int kh = t_randi(seed, 1, 4), kw = t_randi(seed, 1, 4);
	int sh = t_randi(seed, 1, 3), sw = t_randi(seed, 1, 3);

	if (k3s1)
		kh = kw = 3, sh = sw = 1;
	int dh = t_randi(seed, 1, 2), dw = t_randi(seed, 1, 2);
	int oh = t_randi(seed, 1, k3s1 ? 60 : 9), ow = t_randi(seed, 1, 40);
	int ph = (oh - 1) * sh + (kh - 1) * dh + 1;
	int pw = (ow - 1) * sw + (kw - 1) * dw + 1 + t_randi(seed, 0, 2);
	float *xp = rnd(seed, (size_t)ph * pw), *w = rnd(seed, (size_t)kh * kw);
	float *res = rnd(seed, (size_t)oh * ow), *y = rnd(seed, (size_t)oh * ow);
	float *want = malloc((size_t)oh * ow * 4), bias = 0.25f;
	struct f32_epi ep = { .bias = &bias, .res = res, .lo = -0.5f,
			      .hi = 0.75f };
	char what[96];

	for (int oy = 0; oy < oh; oy++)
		for (int ox = 0; ox < ow; ox++) {
			double s = bias + res[oy * ow + ox];

			for (int ky = 0; ky < kh; ky++)
				for (int kx = 0; kx < kw; kx++)
					s += (double)w[ky * kw + kx] *
					     xp[(oy * sh + ky * dh) * pw +
						ox * sw + kx * dw];
			want[oy * ow + ox] = clampf(s, ep.lo, ep.hi);
		}
	k->dwconv(xp, pw, oh, ow, kh, kw, sh, sw, dh, dw, w, y, &ep);
	snprintf(what, sizeof(what), "%s dwconv %dx%d s%d,%d d%d,%d out %dx%d",
		 k->name, kh, kw, sh, sw, dh, dw, oh, ow);
	t_close(y, want, (int64_t)oh * ow, 1e-5f, what);
	CHECK(sentinel_ok(y, (size_t)oh * ow), "%s: wrote past y", what);
	free(xp), free(w), free(res), free(y), free(want);
}

/* pad_plane: zero rows, rows of zeros, a run every step-th input, zeros */
static void test_pad_plane_one(const struct f32_kernels *k, uint64_t *seed)
{
	int rows = t_randi(seed, 1, 9), len = t_randi(seed, 1, 70);
	int rlo = t_randi(seed, 0, rows), rhi = t_randi(seed, rlo, rows);
	int lo = t_randi(seed, 0, len), hi = t_randi(seed, lo, len);
	int step = t_randi(seed, 1, 3), lds = len * step + t_randi(seed, 0, 5);
	int nsrc = rows * lds + len * step;
	float *src = rnd(seed, (size_t)nsrc);
	/* up to F32K_PAD_SLACK floats past the plane are the kernel's */
	float *dst = rnd(seed, (size_t)rows * len + F32K_PAD_SLACK);
	char what[96];
	int bad = -1;

	k->pad_plane(dst, rows, len, src, lds, rlo, rhi, lo, hi, step);
	for (int i = 0; i < rows * len && bad < 0; i++) {
		int r = i / len, j = i % len;
		bool in = r >= rlo && r < rhi && j >= lo && j < hi;

		if (dst[i] != (in ? src[r * lds + j * step] : 0.0f))
			bad = i;
	}
	snprintf(what, sizeof(what),
		 "%s pad_plane %dx%d rows [%d, %d) cols [%d, %d) step %d",
		 k->name, rows, len, rlo, rhi, lo, hi, step);
	CHECK(bad < 0, "%s: element %d wrong", what, bad);
	CHECK(sentinel_ok(dst, (size_t)rows * len + F32K_PAD_SLACK),
	      "%s: wrote past dst", what);
	free(src), free(dst);
}

static void test_kernels(void)
{
	int ran = 0;

	for (size_t v = 0; v < sizeof(variant_names) / sizeof(*variant_names); v++) {
		const struct f32_kernels *k = f32k_find(variant_names[v]);
		uint64_t seed = 0x5eed + v;

		if (!k)
			continue;
		for (int it = 0; it < 150; it++) {
			test_gemm_one(k, &seed);
			test_gemm_ind_one(k, &seed);
			test_gemv_one(k, &seed);
			test_dw_one(k, &seed, 0);
			test_dw_one(k, &seed, 1);
			test_pad_plane_one(k, &seed);
		}
		ran++;
	}
	CHECK(ran >= 1, "no kernel variant ran");
}

/* Direct reference: [1, c, h, w] (*) [m, c/g, kh, kw], pads, strides. */
static void conv_ref(const float *x, const float *w, const float *b,
		     const float *res, float lo, float hi, float *y, int c,
		     int h, int wd, int m, int g, int kh, int kw, int s, int d,
		     int pad, int oh, int ow)
{
	int cg = c / g, mg = m / g;

	for (int o = 0; o < m; o++)
		for (int oy = 0; oy < oh; oy++)
			for (int ox = 0; ox < ow; ox++) {
				double sum = b ? b[o] : 0.0;

				for (int ci = 0; ci < cg; ci++)
					for (int ky = 0; ky < kh; ky++)
						for (int kx = 0; kx < kw; kx++) {
							int iy = oy * s - pad + ky * d;
							int ix = ox * s - pad + kx * d;
							int cin = (o / mg) * cg + ci;

							if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
								continue;
							sum += (double)x[(cin * h + iy) * wd + ix] *
							       w[((o * cg + ci) * kh + ky) * kw + kx];
						}
				if (res)
					sum += res[(o * oh + oy) * ow + ox];
				y[(o * oh + oy) * ow + ox] = clampf(sum, lo, hi);
			}
}

/* Conv on each variant: depthwise, 1x1, 3x3, grouped; plain and fused. */
static void test_conv_paths(void)
{
	static const struct { int c, m, g, k, s, d, pad, h, w; } cs[] = {
		{ 17, 17, 17, 3, 1, 1, 1, 13, 21 },	/* depthwise s1 */
		{ 8, 8, 8, 3, 2, 1, 1, 48, 48 },	/* depthwise s2 */
		{ 5, 5, 5, 3, 1, 2, 2, 9, 7 },		/* depthwise dilated */
		{ 7, 7, 7, 5, 1, 1, 2, 33, 61 },	/* depthwise 5x5 same */
		{ 3, 3, 3, 3, 1, 1, 1, 70, 70 },	/* same, plane > limit */
		{ 64, 64, 1, 1, 1, 1, 0, 25, 5 },	/* 1x1 (DS-CNN) */
		{ 13, 37, 1, 1, 1, 1, 0, 9, 11 },	/* 1x1 odd */
		{ 16, 32, 1, 1, 2, 1, 0, 16, 16 },	/* 1x1 s2 shortcut */
		{ 16, 16, 1, 3, 1, 1, 1, 32, 32 },	/* 3x3 (ResNet) */
		{ 16, 32, 1, 3, 2, 1, 1, 32, 32 },	/* 3x3 s2, im2col blocks */
		{ 24, 8, 1, 3, 1, 2, 0, 30, 40 },	/* dilated, no pad, blocks */
		{ 3, 8, 1, 3, 2, 1, 1, 19, 23 },	/* first layer */
		{ 6, 9, 3, 3, 1, 1, 0, 8, 10 },		/* grouped */
		{ 2, 3, 1, 2, 17, 1, 0, 40, 40 },	/* stride > 16: im2col */
		/* output rows of 8, 16 + 1 and 25: vectors over two rows */
		{ 19, 21, 1, 3, 1, 1, 1, 8, 8 },
		{ 7, 9, 1, 3, 1, 1, 1, 6, 17 },
		{ 5, 11, 1, 3, 2, 1, 1, 49, 50 },
	};
	const struct cpu_op_ws *op = (const void *)cpu_op_find("", "Conv");
	int ran = 0;

	CHECK(op && op->run_fused, "Conv offers run_fused");
	if (!op || !op->run_fused)
		return;
	for (size_t v = 0; v < sizeof(variant_names) / sizeof(*variant_names); v++) {
		const struct f32_kernels *k = f32k_find(variant_names[v]);
		uint64_t seed = 0xc0de;

		if (!k)
			continue;
		f32k_set(k);
		for (size_t i = 0; i < sizeof(cs) / sizeof(*cs); i++) {
			int oh = (cs[i].h + 2 * cs[i].pad - (cs[i].k - 1) * cs[i].d - 1) / cs[i].s + 1;
			int ow = (cs[i].w + 2 * cs[i].pad - (cs[i].k - 1) * cs[i].d - 1) / cs[i].s + 1;
			size_t xn = (size_t)cs[i].c * cs[i].h * cs[i].w;
			size_t wn = (size_t)cs[i].m * (cs[i].c / cs[i].g) * cs[i].k * cs[i].k;
			size_t yn = (size_t)cs[i].m * oh * ow;
			float *x = rnd(&seed, xn), *w = rnd(&seed, wn);
			float *b = rnd(&seed, (size_t)cs[i].m), *res = rnd(&seed, yn);
			float *want = malloc(yn * 4);
			int64_t pads[4] = { cs[i].pad, cs[i].pad, cs[i].pad, cs[i].pad };
			int64_t st[2] = { cs[i].s, cs[i].s }, dl[2] = { cs[i].d, cs[i].d };
			struct ir_value in[3] = {
				tv(IR_F32, x, 4, 1LL, (int64_t)cs[i].c,
				   (int64_t)cs[i].h, (int64_t)cs[i].w),
				tv(IR_F32, w, 4, (int64_t)cs[i].m,
				   (int64_t)(cs[i].c / cs[i].g), (int64_t)cs[i].k,
				   (int64_t)cs[i].k),
				tv(IR_F32, b, 1, (int64_t)cs[i].m),
			}, out[1];
			struct cpu_fused f = { .res = res, .lo = 0.0f, .hi = 6.0f };
			struct accel_err e;
			struct tnode t;
			char what[96];
			size_t wsz = 0;
			void *ws;
			int r;

			tn_init(&t, "Conv");
			tn_int(&t, "group", cs[i].g);
			tn_ints(&t, "pads", pads, 4);
			tn_ints(&t, "strides", st, 2);
			tn_ints(&t, "dilations", dl, 2);
			snprintf(what, sizeof(what), "%s conv case %zu", k->name, i);
			conv_ref(x, w, b, NULL, -INFINITY, INFINITY, want, cs[i].c,
				 cs[i].h, cs[i].w, cs[i].m, cs[i].g, cs[i].k,
				 cs[i].k, cs[i].s, cs[i].d, cs[i].pad, oh, ow);
			r = t_eval(&t, in, 3, out, 1, &e);
			CHECK(r == 0, "%s: %d %s", what, r, e.msg);
			if (!r)
				t_close(out[0].data, want, (int64_t)yn, 1e-5f, what);
			/* fused residual + clip [0, 6] */
			conv_ref(x, w, b, res, 0.0f, 6.0f, want, cs[i].c,
				 cs[i].h, cs[i].w, cs[i].m, cs[i].g, cs[i].k,
				 cs[i].k, cs[i].s, cs[i].d, cs[i].pad, oh, ow);
			r = cpu_op_workspace(&op->op, &t.n, in, 3, out, 1, &wsz, &e);
			ws = aligned_alloc(64, (wsz + 63) & ~(size_t)63);
			if (!r && out[0].data)
				r = op->run_fused(&t.n, in, 3, out, 1, ws, &f, &e);
			CHECK(r == 0, "%s fused: %d %s", what, r, e.msg);
			if (!r && out[0].data)
				t_close(out[0].data, want, (int64_t)yn, 1e-5f, what);
			free(ws);
			t_free_outs(out, 1);
			free(x), free(w), free(b), free(res), free(want);
		}
		ran++;
	}
	f32k_set(NULL);
	CHECK(ran >= 1, "no kernel variant ran");
}

/**
 * struct cgeo - one random Conv: batch, channels, groups, per-axis kernel,
 * stride, dilation, begin/end pads
 */
struct cgeo {
	int nb, c, m, g, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oh, ow;
};

static void conv_ref_n(const struct cgeo *q, const float *x, const float *w,
		       const float *b, const float *res, float lo, float hi,
		       float *y)
{
	int cg = q->c / q->g, mg = q->m / q->g;

	for (int i = 0; i < q->nb; i++)
		for (int o = 0; o < q->m; o++)
			for (int oy = 0; oy < q->oh; oy++)
				for (int ox = 0; ox < q->ow; ox++) {
					size_t yi = (((size_t)i * q->m + o) * q->oh + oy) * q->ow + ox;
					double sum = b[o];

					for (int ci = 0; ci < cg; ci++)
						for (int ky = 0; ky < q->kh; ky++)
							for (int kx = 0; kx < q->kw; kx++) {
								int iy = oy * q->sh - q->pt + ky * q->dh;
								int ix = ox * q->sw - q->pl + kx * q->dw;
								int cin = (o / mg) * cg + ci;

								if (iy < 0 || iy >= q->h || ix < 0 || ix >= q->w)
									continue;
								sum += (double)x[(((size_t)i * q->c + cin) * q->h + iy) * q->w + ix] *
								       w[((o * cg + ci) * q->kh + ky) * q->kw + kx];
							}
					if (res)
						sum += res[yi];
					y[yi] = clampf(sum, lo, hi);
				}
}

/*
 * Conv with batches of images on pools of 1-3 threads, every variant:
 * random kernels, strides, dilations and uneven pads (the stride-split
 * GEMM, depthwise and 1x1 paths, their split over images and over rows
 * or channels), plain and with a fused residual + clamp, against the
 * direct reference.
 */
static void test_conv_batch_threads(void)
{
	struct par_pool *pools[3] = { NULL, par_pool_create(2),
				      par_pool_create(3) };
	const struct cpu_op_ws *op = (const void *)cpu_op_find("", "Conv");
	int ran = 0;

	CHECK(pools[1] && pools[2], "thread pools");
	for (size_t v = 0; v < sizeof(variant_names) / sizeof(*variant_names); v++) {
		const struct f32_kernels *k = f32k_find(variant_names[v]);
		uint64_t seed = 0xba7c4 + v;

		if (!k || !pools[1] || !pools[2])
			continue;
		f32k_set(k);
		for (int it = 0; it < 60; it++) {
			struct cgeo q;
			int kind = it % 4;

			q.nb = t_randi(&seed, 1, 5);
			q.g = 1;
			q.c = t_randi(&seed, 1, 19);
			q.m = t_randi(&seed, 1, 21);
			q.kh = t_randi(&seed, 1, 5), q.kw = t_randi(&seed, 1, 5);
			q.sh = t_randi(&seed, 1, 3), q.sw = t_randi(&seed, 1, 3);
			q.dh = t_randi(&seed, 1, 2), q.dw = t_randi(&seed, 1, 2);
			q.pt = t_randi(&seed, 0, 2), q.pb = t_randi(&seed, 0, 2);
			q.pl = t_randi(&seed, 0, 2), q.pr = t_randi(&seed, 0, 2);
			if (kind == 1) {	/* depthwise */
				q.m = q.g = q.c;
				if (it % 3) {	/* "same" output, maybe uneven pads */
					q.sh = q.sw = q.dh = q.dw = 1;
					q.pt = t_randi(&seed, 0, q.kh - 1);
					q.pb = q.kh - 1 - q.pt;
					q.pl = t_randi(&seed, 0, q.kw - 1);
					q.pr = q.kw - 1 - q.pl;
				} else if (it % 2) {	/* stride 2 */
					q.sh = q.sw = 2;
					q.dh = q.dw = 1;
				}
			} else if (kind == 2) {	/* unit 1x1 */
				q.kh = q.kw = q.sh = q.sw = q.dh = q.dw = 1;
				q.pt = q.pb = q.pl = q.pr = 0;
			} else if (kind == 3) {	/* grouped */
				q.g = t_randi(&seed, 2, 3);
				q.c = q.g * t_randi(&seed, 1, 5);
				q.m = q.g * t_randi(&seed, 1, 6);
			}
			q.h = (q.kh - 1) * q.dh + 1 + t_randi(&seed, 0, 30);
			q.w = (q.kw - 1) * q.dw + 1 + t_randi(&seed, 0, 40);
			if (it % 8 < 2 && kind != 2) {
				/* one image big enough to split over threads */
				q.nb = 1;
				q.kh = t_randi(&seed, 2, 4), q.kw = t_randi(&seed, 2, 4);
				q.c = kind == 3 ? 2 * 12 : 24;
				q.m = kind == 3 ? 2 * 15 : kind == 1 ? q.c : 30;
				q.g = kind == 3 ? 2 : kind == 1 ? q.c : 1;
				q.h = 40 + t_randi(&seed, 0, 9);
				q.w = 40 + t_randi(&seed, 0, 9);
			}
			q.oh = (q.h + q.pt + q.pb - (q.kh - 1) * q.dh - 1) / q.sh + 1;
			q.ow = (q.w + q.pl + q.pr - (q.kw - 1) * q.dw - 1) / q.sw + 1;

			size_t xn = (size_t)q.nb * q.c * q.h * q.w;
			size_t wn = (size_t)q.m * (q.c / q.g) * q.kh * q.kw;
			size_t yn = (size_t)q.nb * q.m * q.oh * q.ow;
			float *x = rnd(&seed, xn), *w = rnd(&seed, wn);
			float *b = rnd(&seed, (size_t)q.m), *res = rnd(&seed, yn);
			float *want = malloc(yn * 4), *want_f = malloc(yn * 4);
			int64_t pads[4] = { q.pt, q.pl, q.pb, q.pr };
			int64_t st[2] = { q.sh, q.sw }, dl[2] = { q.dh, q.dw };
			struct ir_value in[3] = {
				tv(IR_F32, x, 4, (int64_t)q.nb, (int64_t)q.c,
				   (int64_t)q.h, (int64_t)q.w),
				tv(IR_F32, w, 4, (int64_t)q.m, (int64_t)(q.c / q.g),
				   (int64_t)q.kh, (int64_t)q.kw),
				tv(IR_F32, b, 1, (int64_t)q.m),
			}, out[1];
			struct cpu_fused f = { .res = res, .lo = -0.25f, .hi = 2.0f };
			struct tnode t;

			conv_ref_n(&q, x, w, b, NULL, -INFINITY, INFINITY, want);
			conv_ref_n(&q, x, w, b, res, -0.25f, 2.0f, want_f);
			tn_init(&t, "Conv");
			tn_int(&t, "group", q.g);
			tn_ints(&t, "pads", pads, 4);
			tn_ints(&t, "strides", st, 2);
			tn_ints(&t, "dilations", dl, 2);
			for (int pi = 0; pi < 3; pi++) {
				struct par_pool *saved;
				struct accel_err e;
				char what[160];
				size_t wsz = 0;
				void *ws;
				int r;

				snprintf(what, sizeof(what),
					 "%s conv it %d n%d c%d m%d g%d %dx%d k%dx%d s%dx%d d%dx%d p%d%d%d%d, %d thr",
					 k->name, it, q.nb, q.c, q.m, q.g, q.h, q.w, q.kh,
					 q.kw, q.sh, q.sw, q.dh, q.dw, q.pt, q.pl, q.pb,
					 q.pr, pi + 1);
				par_enter(pools[pi], &saved);
				r = t_eval(&t, in, 3, out, 1, &e);
				CHECK(r == 0, "%s: %d %s", what, r, e.msg);
				if (!r)
					t_close(out[0].data, want, (int64_t)yn, 1e-5f, what);
				if (!r) {
					r = cpu_op_workspace(&op->op, &t.n, in, 3, out, 1,
							     &wsz, &e);
					ws = aligned_alloc(64, (wsz + 127) & ~(size_t)63);
					if (!r)
						r = op->run_fused(&t.n, in, 3, out, 1, ws,
								  &f, &e);
					CHECK(r == 0, "%s fused: %d %s", what, r, e.msg);
					if (!r)
						t_close(out[0].data, want_f, (int64_t)yn,
							1e-5f, what);
					free(ws);
				}
				par_leave(saved);
				t_free_outs(out, 1);
			}
			free(x), free(w), free(b), free(res), free(want), free(want_f);
		}
		ran++;
	}
	f32k_set(NULL);
	par_pool_destroy(pools[1]);
	par_pool_destroy(pools[2]);
	CHECK(ran >= 1, "no kernel variant ran");
}

int main(void)
{
	tap_run("f32_kernels_vs_ref", test_kernels);
	tap_run("conv_paths_vs_ref", test_conv_paths);
	tap_run("conv_batch_threads_vs_ref", test_conv_batch_threads);
	return tap_done("ops-f32k");
}
