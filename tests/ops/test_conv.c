// SPDX-License-Identifier: MIT
/*
 * Conv, ConvInteger, QLinearConv, MaxPool, AveragePool, GlobalAveragePool:
 * hand-computed cases, seeded random cases against naive references, and
 * infer() rejections.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "ops_test.h"
#include "util/parallel.h"

/* 3x3 input 1..9, 3x3 kernel of ones, pads 1: sums of neighbourhoods. */
static void test_conv_hand(void)
{
	static const float x[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const float w[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const float b[1] = { 0.5f };
	static const float want[9] = { 12, 21, 16, 27, 45, 33, 24, 39, 28 };
	static const int64_t pads[4] = { 1, 1, 1, 1 };
	struct ir_value in[3] = {
		tv(IR_F32, x, 4, 1LL, 1LL, 3LL, 3LL),
		tv(IR_F32, w, 4, 1LL, 1LL, 3LL, 3LL),
		tv(IR_F32, b, 1, 1LL),
	}, out[1];
	struct accel_err e;
	struct tnode t;
	float wb[9];
	int r;

	tn_init(&t, "Conv");
	tn_ints(&t, "pads", pads, 4);
	r = t_eval(&t, in, 2, out, 1, &e);
	CHECK(r == 0, "conv: %d %s", r, e.msg);
	if (!r) {
		CHECK(out[0].rank == 4 && out[0].dims[2] == 3 &&
			  out[0].dims[3] == 3, "shape");
		t_close(out[0].data, want, 9, 0, "conv 3x3");
	}
	t_free_outs(out, 1);
	/* with bias and stride 2: corners only */
	tn_init(&t, "Conv");
	tn_ints(&t, "pads", pads, 4);
	{
		static const int64_t st[2] = { 2, 2 };

		tn_ints(&t, "strides", st, 2);
	}
	r = t_eval(&t, in, 3, out, 1, &e);
	CHECK(r == 0, "conv s2: %d %s", r, e.msg);
	if (!r) {
		float c[4] = { 12.5f, 16.5f, 24.5f, 28.5f };

		CHECK(out[0].dims[2] == 2 && out[0].dims[3] == 2, "shape");
		t_close(out[0].data, c, 4, 0, "conv stride 2 + bias");
	}
	t_free_outs(out, 1);
	/* kernel [[0,0,0],[0,0,0],[0,0,1]] with no pad picks x[2][2] */
	memset(wb, 0, sizeof(wb));
	wb[8] = 2.0f;
	in[1].data = wb;
	tn_init(&t, "Conv");
	r = t_eval(&t, in, 2, out, 1, &e);
	CHECK(r == 0 && out[0].dims[2] == 1 &&
		  ((float *)out[0].data)[0] == 18.0f, "conv valid pick");
	t_free_outs(out, 1);
}

struct conv_case {
	int n, c, h, w, m, kh, kw, group, sh, sw, dh, dw;
	int pt, pl, pb, pr;
	const char *auto_pad;
	int bias;
};

/* Direct 2-D convolution reference with explicit pads. */
static void conv_ref(const struct conv_case *k, const float *x,
		     const float *w, const float *b, float *y, int oh, int ow)
{
	int cg = k->c / k->group, mg = k->m / k->group;

	for (int n = 0; n < k->n; n++)
		for (int m = 0; m < k->m; m++)
			for (int i = 0; i < oh; i++)
				for (int j = 0; j < ow; j++) {
					double s = b ? b[m] : 0;
					int g = m / mg;

					for (int c = 0; c < cg; c++)
						for (int u = 0; u < k->kh; u++)
							for (int v = 0; v < k->kw; v++) {
								int yy = i * k->sh - k->pt + u * k->dh;
								int xx = j * k->sw - k->pl + v * k->dw;

								if (yy < 0 || yy >= k->h || xx < 0 || xx >= k->w)
									continue;
								s += x[((n * k->c + g * cg + c) * k->h + yy) * k->w + xx] *
								     w[((m * cg + c) * k->kh + u) * k->kw + v];
							}
					y[((n * k->m + m) * oh + i) * ow + j] = (float)s;
				}
}

/* Independent SAME padding: total = max(0, (ceil(in/s)-1)*s + ek - in). */
static void same_pads(int in, int k, int s, int d, int upper, int *pb,
		      int *pe, int *o)
{
	int ek = (k - 1) * d + 1, out = (in + s - 1) / s;
	int tot = (out - 1) * s + ek - in;

	if (tot < 0)
		tot = 0;
	*o = out;
	*pb = upper ? tot / 2 : tot - tot / 2;
	*pe = tot - *pb;
}

static void test_conv_random(void)
{
	uint64_t seed = 0x1234567;
	int cases = 0;

	for (int it = 0; it < 60; it++) {
		struct conv_case k;
		int64_t pads[4], st[2], dl[2];
		struct ir_value in[3], out[1];
		struct accel_err e;
		struct tnode t;
		float *x, *w, *b, *ref;
		int oh, ow, r, mode = it % 5;
		size_t xn, wn, yn;

		k.group = t_randi(&seed, 1, 3);
		k.n = t_randi(&seed, 1, 2);
		k.c = k.group * t_randi(&seed, 1, 3);
		k.m = k.group * t_randi(&seed, 1, 3);
		k.kh = t_randi(&seed, 1, 4);
		k.kw = t_randi(&seed, 1, 3);
		k.sh = t_randi(&seed, 1, 3);
		k.sw = t_randi(&seed, 1, 2);
		k.dh = t_randi(&seed, 1, 2);
		k.dw = t_randi(&seed, 1, 3);
		k.h = (k.kh - 1) * k.dh + t_randi(&seed, 1, 7);
		k.w = (k.kw - 1) * k.dw + t_randi(&seed, 1, 6);
		k.pt = t_randi(&seed, 0, 2);
		k.pl = t_randi(&seed, 0, 2);
		k.pb = t_randi(&seed, 0, 2);
		k.pr = t_randi(&seed, 0, 2);
		k.bias = it & 1;
		k.auto_pad = mode == 1 ? "SAME_UPPER" : mode == 2 ?
			     "SAME_LOWER" : mode == 3 ? "VALID" : NULL;
		if (mode == 1 || mode == 2) {
			same_pads(k.h, k.kh, k.sh, k.dh, mode == 1, &k.pt,
				  &k.pb, &oh);
			same_pads(k.w, k.kw, k.sw, k.dw, mode == 1, &k.pl,
				  &k.pr, &ow);
		} else {
			if (mode == 3)
				k.pt = k.pl = k.pb = k.pr = 0;
			oh = (k.h + k.pt + k.pb - (k.kh - 1) * k.dh - 1) / k.sh + 1;
			ow = (k.w + k.pl + k.pr - (k.kw - 1) * k.dw - 1) / k.sw + 1;
		}
		xn = (size_t)k.n * k.c * k.h * k.w;
		wn = (size_t)k.m * (k.c / k.group) * k.kh * k.kw;
		yn = (size_t)k.n * k.m * oh * ow;
		x = malloc(xn * 4);
		w = malloc(wn * 4);
		b = malloc((size_t)k.m * 4);
		ref = malloc(yn * 4);
		for (size_t i = 0; i < xn; i++)
			x[i] = t_randf(&seed);
		for (size_t i = 0; i < wn; i++)
			w[i] = t_randf(&seed);
		for (int i = 0; i < k.m; i++)
			b[i] = t_randf(&seed);
		conv_ref(&k, x, w, k.bias ? b : NULL, ref, oh, ow);

		in[0] = tv(IR_F32, x, 4, (int64_t)k.n, (int64_t)k.c,
			   (int64_t)k.h, (int64_t)k.w);
		in[1] = tv(IR_F32, w, 4, (int64_t)k.m,
			   (int64_t)(k.c / k.group), (int64_t)k.kh,
			   (int64_t)k.kw);
		in[2] = tv(IR_F32, b, 1, (int64_t)k.m);
		tn_init(&t, "Conv");
		tn_int(&t, "group", k.group);
		st[0] = k.sh;
		st[1] = k.sw;
		dl[0] = k.dh;
		dl[1] = k.dw;
		tn_ints(&t, "strides", st, 2);
		tn_ints(&t, "dilations", dl, 2);
		if (k.auto_pad) {
			tn_str(&t, "auto_pad", k.auto_pad);
		} else {
			pads[0] = k.pt;
			pads[1] = k.pl;
			pads[2] = k.pb;
			pads[3] = k.pr;
			tn_ints(&t, "pads", pads, 4);
		}
		r = t_eval(&t, in, k.bias ? 3 : 2, out, 1, &e);
		if (TAP_CHECK(r == 0, "case %d: %d %s", it, r, e.msg) &&
		    TAP_CHECK(out[0].dims[2] == oh && out[0].dims[3] == ow,
			      "case %d: out %lldx%lld want %dx%d", it,
			      (long long)out[0].dims[2],
			      (long long)out[0].dims[3], oh, ow)) {
			char what[64];

			snprintf(what, sizeof(what), "conv case %d", it);
			t_close(out[0].data, ref, (int64_t)yn, 1e-5f, what);
			cases++;
		}
		t_free_outs(out, 1);
		free(x);
		free(w);
		free(b);
		free(ref);
	}
	CHECK(cases == 60, "only %d cases ran", cases);
}

/* 1-D and 3-D convolutions reduce to the 2-D reference with unit dims. */
static void test_conv_nd(void)
{
	static const float x[5] = { 1, -2, 3, 4, -5 };
	static const float w[2] = { 2, 1 };
	/* y[i] = 2*x[i] + x[i+1] with pads 1,0 -> x[-1]=0 */
	static const float want1[5] = { 1, 0, -1, 10, 3 };
	static const int64_t p1[2] = { 1, 0 };
	float x3[2 * 2 * 2], w3[8], want3[1] = { 0 };
	struct ir_value in[2], out[1];
	struct accel_err e;
	struct tnode t;
	int r;

	in[0] = tv(IR_F32, x, 3, 1LL, 1LL, 5LL);
	in[1] = tv(IR_F32, w, 3, 1LL, 1LL, 2LL);
	tn_init(&t, "Conv");
	tn_ints(&t, "pads", p1, 2);
	r = t_eval(&t, in, 2, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].dims[2] == 5, "conv1d %d %s", r, e.msg))
		t_close(out[0].data, want1, 5, 0, "conv1d");
	t_free_outs(out, 1);
	for (int i = 0; i < 8; i++) {
		x3[i] = (float)(i + 1);
		w3[i] = (float)(i % 3);
		want3[0] += x3[i] * w3[i];
	}
	in[0] = tv(IR_F32, x3, 5, 1LL, 1LL, 2LL, 2LL, 2LL);
	in[1] = tv(IR_F32, w3, 5, 1LL, 1LL, 2LL, 2LL, 2LL);
	tn_init(&t, "Conv");
	r = t_eval(&t, in, 2, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].rank == 5, "conv3d %d %s", r, e.msg))
		t_close(out[0].data, want3, 1, 0, "conv3d");
	t_free_outs(out, 1);
}

static void test_conv_reject(void)
{
	static const float d[64];
	static const int64_t bad_pads[4] = { -1, 0, 0, 0 };
	static const int64_t three[3] = { 1, 1, 1 };
	static const int64_t zero_st[2] = { 0, 1 };
	struct ir_value in[3];
	struct tnode t;

	in[0] = tv(IR_F32, d, 4, 1LL, 4LL, 5LL, 5LL);
	in[1] = tv(IR_F32, d, 4, 2LL, 3LL, 3LL, 3LL);	/* 3 != 4 channels */
	tn_init(&t, "Conv");
	T_REJECT(&t, in, 2, 1, -EINVAL, "channel mismatch");
	in[1] = tv(IR_F32, d, 4, 3LL, 2LL, 3LL, 3LL);
	tn_init(&t, "Conv");
	tn_int(&t, "group", 2);	/* M = 3 not divisible by group 2 */
	T_REJECT(&t, in, 2, 1, -EINVAL, "group vs M");
	in[1] = tv(IR_F32, d, 3, 2LL, 4LL, 3LL);
	tn_init(&t, "Conv");
	T_REJECT(&t, in, 2, 1, -EINVAL, "W rank");
	in[1] = tv(IR_F32, d, 4, 2LL, 4LL, 3LL, 3LL);
	tn_init(&t, "Conv");
	tn_ints(&t, "pads", bad_pads, 4);
	T_REJECT(&t, in, 2, 1, -EINVAL, "negative pad");
	tn_init(&t, "Conv");
	tn_ints(&t, "pads", three, 3);
	T_REJECT(&t, in, 2, 1, -EINVAL, "pads count");
	tn_init(&t, "Conv");
	tn_ints(&t, "strides", zero_st, 2);
	T_REJECT(&t, in, 2, 1, -EINVAL, "zero stride");
	tn_init(&t, "Conv");
	tn_str(&t, "auto_pad", "SAME_MIDDLE");
	T_REJECT(&t, in, 2, 1, -EINVAL, "auto_pad");
	tn_init(&t, "Conv");
	tn_int(&t, "pads", 1);	/* wrong attribute type */
	T_REJECT(&t, in, 2, 1, -EINVAL, "pads type");
	in[1] = tv(IR_F32, d, 4, 2LL, 4LL, 7LL, 3LL);	/* kernel > input */
	tn_init(&t, "Conv");
	T_REJECT(&t, in, 2, 1, -EINVAL, "kernel larger than input");
	in[1] = tv(IR_F32, d, 4, 2LL, 4LL, 3LL, 3LL);
	in[2] = tv(IR_F32, d, 1, 3LL);
	tn_init(&t, "Conv");
	T_REJECT(&t, in, 3, 1, -EINVAL, "bias length");
	in[0] = tv(IR_I32, d, 4, 1LL, 4LL, 5LL, 5LL);
	tn_init(&t, "Conv");
	T_REJECT(&t, in, 2, 1, -EINVAL, "int32 input");
	/* element count overflows int64 */
	in[0] = tv(IR_F32, d, 4, INT64_C(1) << 40, 4LL, INT64_C(1) << 20,
		   INT64_C(1) << 20);
	tn_init(&t, "Conv");
	T_REJECT(&t, in, 2, 1, -EOVERFLOW, "overflowing input");
	in[0] = tv(IR_F32, d, 4, 1LL, 4LL, 5LL, 5LL);
	tn_init(&t, "Conv");
	T_REJECT(&t, in, 1, 1, -EINVAL, "missing W");
}

/* ---- pooling ---- */

static void pool_ref(int is_max, int cip, const float *x, int planes, int h,
		     int w, int kh, int kw, int sh, int sw, int dh, int dw,
		     int pt, int pl, int pb, int pr, int oh, int ow, float *y)
{
	for (int p = 0; p < planes; p++)
		for (int i = 0; i < oh; i++)
			for (int j = 0; j < ow; j++) {
				float acc = is_max ? -FLT_MAX : 0;
				int cnt = 0, padcnt = 0;

				for (int u = 0; u < kh; u++)
					for (int v = 0; v < kw; v++) {
						int yy = i * sh - pt + u * dh;
						int xx = j * sw - pl + v * dw;

						if (yy < 0 || yy >= h || xx < 0 || xx >= w) {
							if (yy >= -pt && yy < h + pb &&
							    xx >= -pl && xx < w + pr)
								padcnt++;
							continue;
						}
						float vv = x[(p * h + yy) * w + xx];

						if (is_max)
							acc = vv > acc ? vv : acc;
						else
							acc += vv;
						cnt++;
					}
				if (!is_max)
					acc /= (float)(cnt + (cip ? padcnt : 0));
				y[(p * oh + i) * ow + j] = acc;
			}
}

static int out_size(int in, int k, int s, int d, int pb, int pe, int ceil)
{
	int ek = (k - 1) * d + 1, span = in + pb + pe - ek;
	int o = (ceil ? (span + s - 1) / s : span / s) + 1;

	if (ceil && (o - 1) * s >= in + pb)
		o--;
	return o;
}

static void test_pool_random(void)
{
	uint64_t seed = 99;
	int cases = 0;

	for (int it = 0; it < 80; it++) {
		int is_max = it & 1, cip = (it >> 1) & 1, ceil = (it >> 2) & 1;
		int planes = t_randi(&seed, 1, 5), kh = t_randi(&seed, 1, 3);
		int kw = t_randi(&seed, 1, 4), sh = t_randi(&seed, 1, 3);
		int sw = t_randi(&seed, 1, 2);
		int dh = is_max ? t_randi(&seed, 1, 2) : 1, dw = 1;
		int pt = t_randi(&seed, 0, kh - 1), pl = t_randi(&seed, 0, kw - 1);
		int pb = t_randi(&seed, 0, kh - 1), pr = t_randi(&seed, 0, kw - 1);
		int h = (kh - 1) * dh + t_randi(&seed, 1, 8);
		int w = kw + t_randi(&seed, 0, 7);
		int oh = out_size(h, kh, sh, dh, pt, pb, ceil);
		int ow = out_size(w, kw, sw, dw, pl, pr, ceil);
		int64_t ks[2] = { kh, kw }, st[2] = { sh, sw }, dl[2] = { dh, dw };
		int64_t pads[4] = { pt, pl, pb, pr };
		float *x = malloc(sizeof(float) * planes * h * w);
		float *ref = malloc(sizeof(float) * planes * oh * ow);
		struct ir_value in[1], out[1];
		struct accel_err e;
		struct tnode t;
		int r;

		for (int i = 0; i < planes * h * w; i++)
			x[i] = t_randf(&seed);
		pool_ref(is_max, cip, x, planes, h, w, kh, kw, sh, sw, dh, dw,
			 pt, pl, pb, pr, oh, ow, ref);
		in[0] = tv(IR_F32, x, 4, 1LL, (int64_t)planes, (int64_t)h,
			   (int64_t)w);
		tn_init(&t, is_max ? "MaxPool" : "AveragePool");
		tn_ints(&t, "kernel_shape", ks, 2);
		tn_ints(&t, "strides", st, 2);
		tn_ints(&t, "pads", pads, 4);
		tn_int(&t, "ceil_mode", ceil);
		if (is_max)
			tn_ints(&t, "dilations", dl, 2);
		else
			tn_int(&t, "count_include_pad", cip);
		r = t_eval(&t, in, 1, out, 1, &e);
		if (TAP_CHECK(r == 0, "pool %d: %d %s", it, r, e.msg) &&
		    TAP_CHECK(out[0].dims[2] == oh && out[0].dims[3] == ow,
			      "pool %d: %lldx%lld want %dx%d", it,
			      (long long)out[0].dims[2],
			      (long long)out[0].dims[3], oh, ow)) {
			char what[32];

			snprintf(what, sizeof(what), "pool case %d", it);
			t_close(out[0].data, ref, planes * oh * ow, 1e-6f, what);
			cases++;
		}
		t_free_outs(out, 1);
		free(x);
		free(ref);
	}
	CHECK(cases == 80, "only %d cases ran", cases);
}

static void test_pool_hand(void)
{
	/* 4x4 ramp, 2x2 max pool stride 2 -> bottom-right of each block */
	static const float x[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
				     12, 13, 14, 15 };
	static const float wmax[4] = { 5, 7, 13, 15 };
	static const float wavg[4] = { 2.5f, 4.5f, 10.5f, 12.5f };
	static const int64_t k2[2] = { 2, 2 };
	static const uint8_t xu[4] = { 3, 250, 7, 1 };
	struct ir_value in[1], out[2];
	struct accel_err e;
	struct tnode t;
	int r;

	in[0] = tv(IR_F32, x, 4, 1LL, 1LL, 4LL, 4LL);
	tn_init(&t, "MaxPool");
	tn_ints(&t, "kernel_shape", k2, 2);
	tn_ints(&t, "strides", k2, 2);
	r = t_eval(&t, in, 1, out, 1, &e);
	if (TAP_CHECK(r == 0, "maxpool %d %s", r, e.msg))
		t_close(out[0].data, wmax, 4, 0, "maxpool");
	t_free_outs(out, 1);
	tn_init(&t, "AveragePool");
	tn_ints(&t, "kernel_shape", k2, 2);
	tn_ints(&t, "strides", k2, 2);
	r = t_eval(&t, in, 1, out, 1, &e);
	if (TAP_CHECK(r == 0, "avgpool %d %s", r, e.msg))
		t_close(out[0].data, wavg, 4, 0, "avgpool");
	t_free_outs(out, 1);
	/* SAME_UPPER 2x2 stride 1 on 4x4: output 4x4, last col/row padded */
	tn_init(&t, "AveragePool");
	tn_ints(&t, "kernel_shape", k2, 2);
	tn_str(&t, "auto_pad", "SAME_UPPER");
	r = t_eval(&t, in, 1, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].dims[2] == 4, "same_upper %d", r)) {
		const float *y = out[0].data;

		CHECK(y[3] == 5.0f && y[15] == 15.0f && y[0] == 2.5f,
			  "same_upper values %g %g %g", y[3], y[15], y[0]);
	}
	t_free_outs(out, 1);
	/* global average */
	tn_init(&t, "GlobalAveragePool");
	r = t_eval(&t, in, 1, out, 1, &e);
	CHECK(r == 0 && out[0].rank == 4 && out[0].dims[2] == 1 &&
		  ((float *)out[0].data)[0] == 7.5f, "global avg");
	t_free_outs(out, 1);
	/* uint8 max pool */
	in[0] = tv(IR_U8, xu, 4, 1LL, 1LL, 2LL, 2LL);
	tn_init(&t, "MaxPool");
	tn_ints(&t, "kernel_shape", k2, 2);
	r = t_eval(&t, in, 1, out, 1, &e);
	CHECK(r == 0 && out[0].dtype == IR_U8 &&
		  ((uint8_t *)out[0].data)[0] == 250, "u8 maxpool");
	t_free_outs(out, 1);
	/* Indices output is not supported */
	in[0] = tv(IR_F32, x, 4, 1LL, 1LL, 4LL, 4LL);
	tn_init(&t, "MaxPool");
	tn_ints(&t, "kernel_shape", k2, 2);
	T_REJECT(&t, in, 1, 2, -EOPNOTSUPP, "indices");
	tn_init(&t, "MaxPool");
	T_REJECT(&t, in, 1, 1, -EINVAL, "no kernel_shape");
	tn_init(&t, "AveragePool");
	tn_ints(&t, "kernel_shape", k2, 2);
	tn_int(&t, "count_include_pad", 2);
	T_REJECT(&t, in, 1, 1, -EINVAL, "count_include_pad 2");
	tn_init(&t, "AveragePool");
	tn_ints(&t, "kernel_shape", k2, 1);
	T_REJECT(&t, in, 1, 1, -EINVAL, "kernel_shape rank");
}

/* ---- integer convolutions ---- */

static void test_conv_integer(void)
{
	uint64_t seed = 7;
	int cases = 0;

	for (int it = 0; it < 20; it++) {
		int c = t_randi(&seed, 1, 3), m = t_randi(&seed, 1, 3);
		int h = t_randi(&seed, 3, 7), w = t_randi(&seed, 3, 6);
		int k = t_randi(&seed, 1, 3), p = t_randi(&seed, 0, 1);
		int oh = h + 2 * p - k + 1, ow = w + 2 * p - k + 1;
		uint8_t *x = malloc((size_t)c * h * w), xz = (uint8_t)t_randi(&seed, 0, 255);
		int8_t *wt = malloc((size_t)m * c * k * k), wz[3];
		int32_t *ref = calloc((size_t)m * oh * ow, 4), bias[3];
		float xs = 0.02f, ws[3], ys = 0.5f + (float)(it % 3);
		uint8_t yz = 128;
		int64_t pads[4] = { p, p, p, p };
		struct ir_value in[9], out[1];
		struct accel_err e;
		struct tnode t;
		int r, ok = 1;

		for (int i = 0; i < c * h * w; i++)
			x[i] = (uint8_t)t_randi(&seed, 0, 255);
		for (int i = 0; i < m * c * k * k; i++)
			wt[i] = (int8_t)t_randi(&seed, -128, 127);
		for (int i = 0; i < m; i++) {
			wz[i] = (int8_t)t_randi(&seed, -5, 5);
			ws[i] = 0.01f * (float)(i + 1);
			bias[i] = t_randi(&seed, -1000, 1000);
		}
		/* reference: padding holds the zero point (contributes 0) */
		for (int mm = 0; mm < m; mm++)
			for (int i = 0; i < oh; i++)
				for (int j = 0; j < ow; j++) {
					int32_t s = 0;

					for (int cc = 0; cc < c; cc++)
						for (int u = 0; u < k; u++)
							for (int v = 0; v < k; v++) {
								int yy = i - p + u, xx = j - p + v;

								if (yy < 0 || yy >= h || xx < 0 || xx >= w)
									continue;
								s += (x[(cc * h + yy) * w + xx] - xz) *
								     (wt[((mm * c + cc) * k + u) * k + v] - wz[mm]);
							}
					ref[(mm * oh + i) * ow + j] = s;
				}
		in[0] = tv(IR_U8, x, 4, 1LL, (int64_t)c, (int64_t)h, (int64_t)w);
		in[1] = tv(IR_I8, wt, 4, (int64_t)m, (int64_t)c, (int64_t)k,
			   (int64_t)k);
		in[2] = tv(IR_U8, &xz, 0);
		in[3] = tv(IR_I8, wz, 1, (int64_t)m);
		tn_init(&t, "ConvInteger");
		tn_ints(&t, "pads", pads, 4);
		r = t_eval(&t, in, 4, out, 1, &e);
		if (TAP_CHECK(r == 0 && out[0].dtype == IR_I32, "convinteger %d %s",
			      r, e.msg)) {
			for (int i = 0; i < m * oh * ow && ok; i++)
				ok = TAP_CHECK(((int32_t *)out[0].data)[i] == ref[i],
					       "convinteger case %d elem %d: %d != %d",
					       it, i, ((int32_t *)out[0].data)[i],
					       ref[i]);
		}
		t_free_outs(out, 1);
		/* QLinearConv: requantize the same accumulators */
		in[0] = tv(IR_U8, x, 4, 1LL, (int64_t)c, (int64_t)h, (int64_t)w);
		in[1] = tv(IR_F32, &xs, 0);
		in[2] = tv(IR_U8, &xz, 0);
		in[3] = tv(IR_I8, wt, 4, (int64_t)m, (int64_t)c, (int64_t)k,
			   (int64_t)k);
		in[4] = tv(IR_F32, ws, 1, (int64_t)m);
		in[5] = tv(IR_I8, wz, 1, (int64_t)m);
		in[6] = tv(IR_F32, &ys, 0);
		in[7] = tv(IR_U8, &yz, 0);
		in[8] = tv(IR_I32, bias, 1, (int64_t)m);
		tn_init(&t, "QLinearConv");
		tn_ints(&t, "pads", pads, 4);
		r = t_eval(&t, in, 9, out, 1, &e);
		if (TAP_CHECK(r == 0 && out[0].dtype == IR_U8, "qlinearconv %d %s",
			      r, e.msg)) {
			for (int mm = 0; mm < m && ok; mm++) {
				float mult = xs * ws[mm] / ys;

				for (int i = 0; i < oh * ow && ok; i++) {
					double v = (double)(ref[mm * oh * ow + i] + bias[mm]) *
						   (double)mult;
					double rv = rint(v) + yz;
					int q = rv < 0 ? 0 : rv > 255 ? 255 : (int)rv;

					ok = TAP_CHECK(((uint8_t *)out[0].data)[mm * oh * ow + i] == q,
						       "qlinearconv case %d: %d != %d", it,
						       ((uint8_t *)out[0].data)[mm * oh * ow + i], q);
				}
			}
		}
		t_free_outs(out, 1);
		cases += ok;
		free(x);
		free(wt);
		free(ref);
	}
	CHECK(cases == 20, "only %d cases passed", cases);
}

static void test_qconv_reject(void)
{
	static const uint8_t d[64];
	static const float s1 = 1.0f, s2[2] = { 1, 1 };
	struct ir_value in[9];
	struct tnode t;

	in[0] = tv(IR_U8, d, 4, 1LL, 1LL, 4LL, 4LL);
	in[1] = tv(IR_F32, &s1, 0);
	in[2] = tv(IR_U8, d, 0);
	in[3] = tv(IR_U8, d, 4, 3LL, 1LL, 2LL, 2LL);
	in[4] = tv(IR_F32, s2, 1, 2LL);	/* per-channel length 2 != 3 */
	in[5] = tv(IR_U8, d, 0);
	in[6] = tv(IR_F32, &s1, 0);
	in[7] = tv(IR_U8, d, 0);
	tn_init(&t, "QLinearConv");
	T_REJECT(&t, in, 8, 1, -EINVAL, "w_scale length");
	in[4] = tv(IR_F32, &s1, 0);
	in[7] = tv(IR_I32, d, 0);
	tn_init(&t, "QLinearConv");
	T_REJECT(&t, in, 8, 1, -EINVAL, "y_zero_point int32");
	in[7] = tv(IR_U8, d, 0);
	in[0] = tv(IR_F32, d, 4, 1LL, 1LL, 4LL, 4LL);
	tn_init(&t, "QLinearConv");
	T_REJECT(&t, in, 8, 1, -EINVAL, "float x");
	in[0] = tv(IR_U8, d, 4, 1LL, 1LL, 4LL, 4LL);
	in[1] = tv(IR_U8, d, 4, 3LL, 1LL, 2LL, 2LL);
	in[2] = tv(IR_U8, d, 1, 2LL);	/* x_zero_point must be scalar */
	tn_init(&t, "ConvInteger");
	T_REJECT(&t, in, 3, 1, -EINVAL, "x_zero_point vector");
}

/*
 * GlobalAveragePool/GlobalMaxPool on random [N, C, H, W] (planes shorter
 * and longer than the 16 partial sums, odd sizes, a NaN in some planes)
 * on 1 and 2 threads, against double sums.
 */
static void test_global_pool_random(void)
{
	struct par_pool *pool = par_pool_create(2);
	uint64_t seed = 0x6b001;

	CHECK(pool != NULL, "thread pool");
	for (int it = 0; it < 40; it++) {
		int nb = t_randi(&seed, 1, 4), c = t_randi(&seed, 1, 70);
		int h = t_randi(&seed, 1, 40), w = t_randi(&seed, 1, 45);
		int is_max = it % 2;
		size_t np = (size_t)nb * c, sz = (size_t)h * w;
		float *x = malloc(np * sz * sizeof(float));
		float *want = malloc(np * sizeof(float));
		struct ir_value in[1] = {
			tv(IR_F32, x, 4, (int64_t)nb, (int64_t)c, (int64_t)h,
			   (int64_t)w),
		}, out[1];

		for (size_t i = 0; i < np * sz; i++)
			x[i] = t_randf(&seed);
		if (it % 4 == 1)
			x[t_randi(&seed, 0, (int)(np * sz) - 1)] = NAN;
		for (size_t p = 0; p < np; p++) {
			double s = 0.0;
			float m = x[p * sz];

			for (size_t i = 0; i < sz; i++) {
				s += x[p * sz + i];
				if (x[p * sz + i] > m || isnan(x[p * sz + i]))
					m = x[p * sz + i];
			}
			want[p] = is_max ? m : (float)(s / (double)sz);
		}
		for (int thr = 1; thr <= 2; thr++) {
			struct par_pool *saved;
			struct accel_err e;
			struct tnode t;
			char what[96];
			int r;

			snprintf(what, sizeof(what), "%s %dx%dx%dx%d, %d thr",
				 is_max ? "GlobalMaxPool" : "GlobalAveragePool",
				 nb, c, h, w, thr);
			tn_init(&t, is_max ? "GlobalMaxPool" : "GlobalAveragePool");
			par_enter(thr == 2 ? pool : NULL, &saved);
			r = t_eval(&t, in, 1, out, 1, &e);
			par_leave(saved);
			CHECK(r == 0, "%s: %d %s", what, r, e.msg);
			if (!r) {
				const float *y = out[0].data;

				for (size_t p = 0; p < np; p++) {
					float d = fabsf(y[p] - want[p]);

					if (isnan(want[p]) ? !isnan(y[p]) :
					    !(d <= 1e-5f * (1.0f + fabsf(want[p])))) {
						CHECK(0, "%s: plane %zu got %g want %g",
						      what, p, y[p], want[p]);
						break;
					}
				}
			}
			t_free_outs(out, 1);
		}
		free(x), free(want);
	}
	par_pool_destroy(pool);
}

int main(void)
{
	tap_run("conv_hand", test_conv_hand);
	tap_run("conv_random_vs_ref", test_conv_random);
	tap_run("conv_1d_3d", test_conv_nd);
	tap_run("conv_reject", test_conv_reject);
	tap_run("pool_hand", test_pool_hand);
	tap_run("pool_random_vs_ref", test_pool_random);
	tap_run("global_pool_random_vs_ref", test_global_pool_random);
	tap_run("conv_integer_qlinear_vs_ref", test_conv_integer);
	tap_run("qconv_reject", test_qconv_reject);
	return tap_done("ops-conv");
}
