// SPDX-License-Identifier: MIT
/*
 * ConvTranspose, LayerNormalization, Einsum, GatherND/ScatterND and
 * Dropout: the cases the ONNX node tests leave out (groups with
 * dilation and output_padding, broadcast Scale, ellipsis broadcasting,
 * bad indices at run time) against naive references written here, and
 * infer() rejections with their errno.
 */
#include <math.h>

#include "ops/ops_util.h"
#include "ops_test.h"

/*
 * The definition of ConvTranspose, 2-D: every input pixel scatters its
 * kernel, times the pixel, into the output at i * s + k * d - pad.
 */
static void ct_ref(const float *x, const float *w, const float *b,
		   int nb, int c, int h, int wd, int group, int mg, int kh,
		   int kw, int s, int d, int pt, int pl, int oh, int ow,
		   float *y)
{
	int cg = c / group, m = mg * group;

	for (int i = 0; i < nb * m * oh * ow; i++)
		y[i] = b[(i / (oh * ow)) % m];
	for (int n = 0; n < nb; n++)
		for (int ic = 0; ic < c; ic++)
			for (int ih = 0; ih < h; ih++)
				for (int iw = 0; iw < wd; iw++)
					for (int oc = 0; oc < mg; oc++)
						for (int a = 0; a < kh; a++)
							for (int bb = 0; bb < kw; bb++) {
								int yh = ih * s + a * d - pt;
								int yw = iw * s + bb * d - pl;
								int om = (ic / cg) * mg + oc;

								if (yh < 0 || yh >= oh || yw < 0 ||
								    yw >= ow)
									continue;
								y[((n * m + om) * oh + yh) * ow + yw] +=
									x[((n * c + ic) * h + ih) * wd + iw] *
									w[((ic * mg + oc) * kh + a) * kw + bb];
							}
}

static void test_conv_transpose(void)
{
	/* 2 groups, stride 2, dilation 2, asymmetric pads, output_padding 1 */
	enum { NB = 2, C = 4, H = 3, W = 5, G = 2, MG = 3, KH = 3, KW = 2 };
	static const int64_t strides[] = { 2, 2 }, dil[] = { 2, 2 };
	static const int64_t pads[] = { 1, 0, 2, 1 }, opad[] = { 1, 1 };
	float x[NB * C * H * W], w[C * MG * KH * KW], b[G * MG];
	float *want;
	struct ir_value in[3], out[1];
	struct accel_err e;
	struct tnode t;
	uint64_t seed = 11;
	int oh, ow, r;

	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		x[i] = t_randf(&seed);
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		w[i] = t_randf(&seed);
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		b[i] = t_randf(&seed);
	oh = 2 * (H - 1) + 1 + (KH - 1) * 2 + 1 - 1 - 2;
	ow = 2 * (W - 1) + 1 + (KW - 1) * 2 + 1 - 0 - 1;
	want = malloc(sizeof(float) * NB * G * MG * oh * ow);
	if (!TAP_CHECK(want, "out of memory"))
		return;
	ct_ref(x, w, b, NB, C, H, W, G, MG, KH, KW, 2, 2, 1, 0, oh, ow, want);
	tn_init(&t, "ConvTranspose");
	tn_int(&t, "group", G);
	tn_ints(&t, "strides", strides, 2);
	tn_ints(&t, "dilations", dil, 2);
	tn_ints(&t, "pads", pads, 4);
	tn_ints(&t, "output_padding", opad, 2);
	in[0] = tv(IR_F32, x, 4, (int64_t)NB, (int64_t)C, (int64_t)H,
		   (int64_t)W);
	in[1] = tv(IR_F32, w, 4, (int64_t)C, (int64_t)MG, (int64_t)KH,
		   (int64_t)KW);
	in[2] = tv(IR_F32, b, 1, (int64_t)(G * MG));
	r = t_eval(&t, in, 3, out, 1, &e);
	if (TAP_CHECK(r == 0, "eval: %d %s", r, e.msg) &&
	    TAP_CHECK(out[0].dims[1] == G * MG && out[0].dims[2] == oh &&
		      out[0].dims[3] == ow, "shape %lld %lld %lld",
		      (long long)out[0].dims[1], (long long)out[0].dims[2],
		      (long long)out[0].dims[3]))
		t_close(out[0].data, want, NB * G * MG * oh * ow, 1e-5f,
			"grouped dilated");
	t_free_outs(out, 1);
	free(want);

	/* output_padding must stay below the stride or the dilation */
	{
		static const int64_t big[] = { 2, 1 };

		tn_init(&t, "ConvTranspose");
		tn_int(&t, "group", G);
		tn_ints(&t, "strides", strides, 2);
		tn_ints(&t, "output_padding", big, 2);
		r = t_infer(&t, in, 3, out, 1, &e);
		CHECK(r == -EINVAL, "output_padding 2, stride 2: %d", r);
	}
	/* group must divide the input channels */
	tn_init(&t, "ConvTranspose");
	tn_int(&t, "group", 3);
	r = t_infer(&t, in, 2, out, 1, &e);
	CHECK(r == -EINVAL, "group 3 of 4 channels: %d", r);
}

static void test_layer_norm(void)
{
	/* X [2, 3, 4], axis 1: Scale [1, 4] broadcast over [3, 4], no B */
	float x[24], sc[4] = { 0.5f, -1.0f, 2.0f, 1.5f }, want[24];
	float wmean[2], winv[2];
	struct ir_value in[2], out[3];
	struct accel_err e;
	struct tnode t;
	uint64_t seed = 5;
	int r;

	for (int i = 0; i < 24; i++)
		x[i] = t_randf(&seed) * 3.0f;
	for (int o = 0; o < 2; o++) {
		double s = 0, q = 0;

		for (int i = 0; i < 12; i++)
			s += x[o * 12 + i];
		s /= 12;
		for (int i = 0; i < 12; i++)
			q += (x[o * 12 + i] - s) * (x[o * 12 + i] - s);
		wmean[o] = (float)s;
		winv[o] = (float)(1.0 / sqrt(q / 12 + 1e-3));
		for (int i = 0; i < 12; i++)
			want[o * 12 + i] = (float)((x[o * 12 + i] - s) *
						   winv[o]) * sc[i % 4];
	}
	tn_init(&t, "LayerNormalization");
	tn_int(&t, "axis", 1);
	tn_float(&t, "epsilon", 1e-3f);
	in[0] = tv(IR_F32, x, 3, (int64_t)2, (int64_t)3, (int64_t)4);
	in[1] = tv(IR_F32, sc, 2, (int64_t)1, (int64_t)4);
	r = t_eval(&t, in, 2, out, 3, &e);
	if (TAP_CHECK(r == 0, "eval: %d %s", r, e.msg) &&
	    TAP_CHECK(out[1].rank == 3 && out[1].dims[0] == 2 &&
		      out[1].dims[1] == 1 && out[1].dims[2] == 1,
		      "Mean shape")) {
		t_close(out[0].data, want, 24, 1e-5f, "Y");
		t_close(out[1].data, wmean, 2, 1e-6f, "Mean");
		t_close(out[2].data, winv, 2, 1e-5f, "InvStdDev");
	}
	t_free_outs(out, 3);

	/* Scale [3] does not broadcast to [3, 4] */
	in[1] = tv(IR_F32, sc, 1, (int64_t)3);
	tn_init(&t, "LayerNormalization");
	tn_int(&t, "axis", 1);
	r = t_infer(&t, in, 2, out, 1, &e);
	CHECK(r == -EINVAL, "Scale [3] over [3, 4]: %d", r);
	in[1] = tv(IR_F32, sc, 1, (int64_t)4);
	tn_init(&t, "LayerNormalization");
	tn_int(&t, "axis", 3);
	r = t_infer(&t, in, 2, out, 1, &e);
	CHECK(r == -EINVAL, "axis 3 of rank 3: %d", r);
}

static void test_einsum(void)
{
	/* "...ij,...jk->...ik": A [1, 2, 3] broadcast against B [3, 3, 2] */
	float a[6], b[18], want[12];
	struct ir_value in[2], out[1];
	struct accel_err e;
	struct tnode t;
	uint64_t seed = 7;
	int r;

	for (int i = 0; i < 6; i++)
		a[i] = t_randf(&seed);
	for (int i = 0; i < 18; i++)
		b[i] = t_randf(&seed);
	for (int bt = 0; bt < 3; bt++)
		for (int i = 0; i < 2; i++)
			for (int k = 0; k < 2; k++) {
				float s = 0;

				for (int j = 0; j < 3; j++)
					s += a[i * 3 + j] * b[bt * 6 + j * 2 + k];
				want[bt * 4 + i * 2 + k] = s;
			}
	tn_init(&t, "Einsum");
	tn_str(&t, "equation", "...ij, ...jk -> ...ik");
	in[0] = tv(IR_F32, a, 3, (int64_t)1, (int64_t)2, (int64_t)3);
	in[1] = tv(IR_F32, b, 3, (int64_t)3, (int64_t)3, (int64_t)2);
	r = t_eval(&t, in, 2, out, 1, &e);
	if (TAP_CHECK(r == 0, "eval: %d %s", r, e.msg) &&
	    TAP_CHECK(out[0].rank == 3 && out[0].dims[0] == 3 &&
		      out[0].dims[1] == 2 && out[0].dims[2] == 2, "shape"))
		t_close(out[0].data, want, 12, 1e-5f, "batched matmul");
	t_free_outs(out, 1);

	/* implicit output of "ij,jk" is "ik"; "ii" is a trace */
	tn_init(&t, "Einsum");
	tn_str(&t, "equation", "ij,jk");
	in[0] = tv(IR_F32, a, 2, (int64_t)2, (int64_t)3);
	in[1] = tv(IR_F32, b, 2, (int64_t)3, (int64_t)2);
	r = t_eval(&t, in, 2, out, 1, &e);
	if (TAP_CHECK(r == 0, "implicit: %d %s", r, e.msg))
		t_close(out[0].data, want, 4, 1e-5f, "implicit");
	t_free_outs(out, 1);
	{
		float m[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, tr = 15;

		tn_init(&t, "Einsum");
		tn_str(&t, "equation", "ii->");
		in[0] = tv(IR_F32, m, 2, (int64_t)3, (int64_t)3);
		r = t_eval(&t, in, 1, out, 1, &e);
		if (TAP_CHECK(r == 0 && out[0].rank == 0, "trace: %d %s", r,
			      e.msg))
			t_close(out[0].data, &tr, 1, 0, "trace");
		t_free_outs(out, 1);
	}
	/* rejections: label count against rank, sizes that disagree */
	in[0] = tv(IR_F32, a, 2, (int64_t)2, (int64_t)3);
	in[1] = tv(IR_F32, b, 2, (int64_t)2, (int64_t)2);
	tn_init(&t, "Einsum");
	tn_str(&t, "equation", "ijk,jk->i");
	CHECK(t_infer(&t, in, 2, out, 1, &e) == -EINVAL, "3 labels, rank 2");
	tn_init(&t, "Einsum");
	tn_str(&t, "equation", "ij,jk->ik");
	CHECK(t_infer(&t, in, 2, out, 1, &e) == -EINVAL, "j is 3 and 2");
	tn_init(&t, "Einsum");
	tn_str(&t, "equation", "i1,jk->ik");
	CHECK(t_infer(&t, in, 2, out, 1, &e) == -EINVAL, "bad label");
}

static void test_nd_index(void)
{
	float data[6] = { 0, 1, 2, 3, 4, 5 }, upd[3] = { 9, 8, 7 };
	float want[6] = { 0, 1, 2, 10, 11, 12 };
	int64_t idx[2] = { 1, -1 }, bad[2] = { 0, 2 };
	struct ir_value in[3], out[1];
	struct accel_err e;
	struct tnode t;
	int r;

	/* ScatterND add with a repeated (negative) index accumulates */
	tn_init(&t, "ScatterND");
	tn_str(&t, "reduction", "add");
	in[0] = tv(IR_F32, data, 2, (int64_t)2, (int64_t)3);
	in[1] = tv(IR_I64, idx, 2, (int64_t)2, (int64_t)1);
	{
		float u2[6] = { 1, 1, 1, 6, 6, 6 };

		in[2] = tv(IR_F32, u2, 2, (int64_t)2, (int64_t)3);
		r = t_eval(&t, in, 3, out, 1, &e);
		if (TAP_CHECK(r == 0, "scatternd: %d %s", r, e.msg))
			t_close(out[0].data, want, 6, 0, "scatternd add");
		t_free_outs(out, 1);
	}
	/* the last element is in range, one past it is -EINVAL at run time */
	tn_init(&t, "GatherND");
	in[1] = tv(IR_I64, bad, 2, (int64_t)1, (int64_t)2);
	r = t_eval(&t, in, 2, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].rank == 1, "gathernd: %d %s", r,
		      e.msg))
		t_close(out[0].data, &data[2], 1, 0, "gathernd (0, 2)");
	t_free_outs(out, 1);
	bad[1] = 3;
	r = t_eval(&t, in, 2, out, 1, &e);
	CHECK(r == -EINVAL, "gathernd index 3 of 3: %d", r);
	t_free_outs(out, 1);
	tn_init(&t, "ScatterND");
	in[1] = tv(IR_I64, bad, 2, (int64_t)1, (int64_t)2);
	in[2] = tv(IR_F32, upd, 1, (int64_t)1);
	r = t_eval(&t, in, 3, out, 1, &e);
	CHECK(r == -EINVAL, "scatternd index 3 of 3: %d", r);
	t_free_outs(out, 1);
	/* updates of the wrong shape */
	in[2] = tv(IR_F32, upd, 1, (int64_t)3);
	CHECK(t_infer(&t, in, 3, out, 1, &e) == -EINVAL, "updates [3]");
}

static void test_dropout(void)
{
	float x[4] = { 1, -2, 3, -4 }, ratio = 0.25f;
	uint8_t train = 1;
	struct ir_value in[3], out[2];
	struct accel_err e;
	struct tnode t;
	int r;

	tn_init(&t, "Dropout");
	t.n.opset = 13;
	in[0] = tv(IR_F32, x, 1, (int64_t)4);
	in[1] = tv(IR_F32, &ratio, 0);
	in[2] = tv(IR_BOOL, &train, 0);
	CHECK(t_infer(&t, in, 3, out, 2, &e) == -EOPNOTSUPP,
	      "training with ratio 0.25");
	train = 0;
	r = t_eval(&t, in, 3, out, 2, &e);
	if (TAP_CHECK(r == 0 && out[1].dtype == IR_BOOL, "eval: %d %s", r,
		      e.msg)) {
		const uint8_t *m = out[1].data;

		t_close(out[0].data, x, 4, 0, "identity");
		CHECK(m[0] == 1 && m[1] == 1 && m[2] == 1 && m[3] == 1,
		      "mask all true");
	}
	t_free_outs(out, 2);
	ratio = 1.0f;
	CHECK(t_infer(&t, in, 3, out, 2, &e) == -EINVAL, "ratio 1");
}

int main(void)
{
	tap_run("conv_transpose_groups_dilation", test_conv_transpose);
	tap_run("layer_norm_broadcast_stats", test_layer_norm);
	tap_run("einsum_ellipsis_implicit_trace", test_einsum);
	tap_run("gathernd_scatternd_indices", test_nd_index);
	tap_run("dropout_inference", test_dropout);
	return tap_done("ops-norm-index");
}
