// SPDX-License-Identifier: MIT
/*
 * Elementwise, activation, normalisation, shape and quantization operators:
 * hand-computed cases, broadcasting, both opset forms of attributes that
 * moved to inputs, and infer() rejections.
 */
#include <math.h>

#include "ops/ops_util.h"
#include "ops_test.h"

/* Evaluate a one-output node and compare float32 results. */
static void eval_f32(struct tnode *t, struct ir_value *in, int n_in,
		     const float *want, int rank, const int64_t *dims,
		     const char *what)
{
	struct ir_value out[1];
	struct accel_err e;
	int64_t cnt = 1;
	int r = t_eval(t, in, n_in, out, 1, &e);

	if (TAP_CHECK(r == 0, "%s: %d %s", what, r, e.msg) &&
	    TAP_CHECK(out[0].dtype == IR_F32 && out[0].rank == rank,
		      "%s: type %d rank %d", what, out[0].dtype, out[0].rank)) {
		for (int i = 0; i < rank; i++) {
			CHECK(out[0].dims[i] == dims[i], "%s: dim %d %lld != %lld",
			      what, i, (long long)out[0].dims[i],
			      (long long)dims[i]);
			cnt *= dims[i];
		}
		t_close(out[0].data, want, cnt, 1e-6f, what);
	}
	t_free_outs(out, 1);
}

static void test_broadcast(void)
{
	static const float a[6] = { 1, 2, 3, 4, 5, 6 };	/* [2,3] */
	static const float b[3] = { 10, 20, 30 };		/* [3] */
	static const float c[2] = { 100, 200 };		/* [2,1] */
	static const float s = 2;
	static const float add[6] = { 11, 22, 33, 14, 25, 36 };
	static const float sub[6] = { -99, -98, -97, -196, -195, -194 };
	static const float mul[6] = { 2, 4, 6, 8, 10, 12 };
	static const float div[6] = { 10, 10, 10, 5, 4, 5 };
	static const float mx[6] = { 100, 100, 100, 200, 200, 200 };
	static const int64_t d23[2] = { 2, 3 }, d213[3] = { 2, 2, 3 };
	float big[12];
	struct ir_value in[3];
	struct tnode t;

	in[0] = tv(IR_F32, a, 2, 2LL, 3LL);
	in[1] = tv(IR_F32, b, 1, 3LL);
	tn_init(&t, "Add");
	eval_f32(&t, in, 2, add, 2, d23, "add [2,3]+[3]");
	in[1] = tv(IR_F32, c, 2, 2LL, 1LL);
	tn_init(&t, "Sub");
	eval_f32(&t, in, 2, sub, 2, d23, "sub [2,3]-[2,1]");
	in[1] = tv(IR_F32, &s, 0);
	tn_init(&t, "Mul");
	eval_f32(&t, in, 2, mul, 2, d23, "mul by scalar");
	in[0] = tv(IR_F32, b, 1, 3LL);	/* [3] / [2,3] */
	{
		static const float den[6] = { 1, 2, 3, 2, 5, 6 };

		in[1] = tv(IR_F32, den, 2, 2LL, 3LL);
	}
	tn_init(&t, "Div");
	eval_f32(&t, in, 2, div, 2, d23, "div [3]/[2,3]");
	/* variadic max with three-way broadcast */
	in[0] = tv(IR_F32, a, 2, 2LL, 3LL);
	in[1] = tv(IR_F32, c, 2, 2LL, 1LL);
	in[2] = tv(IR_F32, b, 1, 3LL);
	tn_init(&t, "Max");
	eval_f32(&t, in, 3, mx, 2, d23, "max x3");
	/* [2,1,3] + [2,3] -> [2,2,3] */
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			for (int k = 0; k < 3; k++)
				big[(i * 2 + j) * 3 + k] = a[i * 3 + k] + a[j * 3 + k];
	in[0] = tv(IR_F32, a, 3, 2LL, 1LL, 3LL);
	in[1] = tv(IR_F32, a, 2, 2LL, 3LL);
	tn_init(&t, "Add");
	eval_f32(&t, in, 2, big, 3, d213, "add [2,1,3]+[2,3]");
	/* rejections */
	in[1] = tv(IR_F32, a, 1, 2LL);
	in[0] = tv(IR_F32, a, 2, 2LL, 3LL);
	tn_init(&t, "Add");
	T_REJECT(&t, in, 2, 1, -EINVAL, "[2,3]+[2]");
	in[1] = tv(IR_I32, a, 1, 3LL);
	tn_init(&t, "Mul");
	T_REJECT(&t, in, 2, 1, -EINVAL, "mixed types");
	tn_init(&t, "Add");
	T_REJECT(&t, in, 1, 1, -EINVAL, "one input");
}

static void test_int_arith(void)
{
	static const int32_t a[4] = { INT32_MAX, 7, -7, INT32_MIN };
	static const int32_t b[4] = { 1, 0, 2, -1 };
	static const uint8_t ua[2] = { 250, 3 }, ub[2] = { 10, 5 };
	struct ir_value in[2], out[1];
	struct accel_err e;
	struct tnode t;
	int r;

	in[0] = tv(IR_I32, a, 1, 4LL);
	in[1] = tv(IR_I32, b, 1, 4LL);
	tn_init(&t, "Add");
	r = t_eval(&t, in, 2, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].dtype == IR_I32, "add i32 %d", r)) {
		const int32_t *y = out[0].data;

		/* two's complement wrap, no UB */
		CHECK(y[0] == INT32_MIN && y[1] == 7 && y[2] == -5 &&
		      y[3] == INT32_MAX, "add i32 %d %d %d %d", y[0], y[1],
		      y[2], y[3]);
	}
	t_free_outs(out, 1);
	tn_init(&t, "Div");
	r = t_eval(&t, in, 2, out, 1, &e);
	if (TAP_CHECK(r == 0, "div i32 %d", r)) {
		const int32_t *y = out[0].data;

		/* x/0 -> 0 and INT_MIN/-1 wraps instead of trapping */
		CHECK(y[0] == INT32_MAX && y[1] == 0 && y[2] == -3 &&
		      y[3] == INT32_MIN, "div i32 %d %d %d %d", y[0], y[1],
		      y[2], y[3]);
	}
	t_free_outs(out, 1);
	in[0] = tv(IR_U8, ua, 1, 2LL);
	in[1] = tv(IR_U8, ub, 1, 2LL);
	tn_init(&t, "Sub");
	r = t_eval(&t, in, 2, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].dtype == IR_U8, "sub u8 %d", r))
		CHECK(((uint8_t *)out[0].data)[0] == 240 &&
		      ((uint8_t *)out[0].data)[1] == 254, "sub u8 wrap");
	t_free_outs(out, 1);
}

static void test_activations(void)
{
	static const float x[5] = { -2, -0.5f, 0, 0.5f, 3 };
	static const int64_t d5[1] = { 5 };
	static const float relu[5] = { 0, 0, 0, 0.5f, 3 };
	static const float leaky[5] = { -0.2f, -0.05f, 0, 0.5f, 3 };
	static const float clip[5] = { -1, -0.5f, 0, 0.5f, 1 };
	static const float clip_lo[5] = { -0.5f, -0.5f, 0, 0.5f, 3 };
	static const float lo = -0.5f, hi = 1.0f;
	float sig[5], th[5];
	struct ir_value in[3];
	struct tnode t;

	for (int i = 0; i < 5; i++) {
		sig[i] = (float)(1.0 / (1.0 + exp(-(double)x[i])));
		th[i] = (float)tanh((double)x[i]);
	}
	in[0] = tv(IR_F32, x, 1, 5LL);
	tn_init(&t, "Relu");
	eval_f32(&t, in, 1, relu, 1, d5, "relu");
	tn_init(&t, "LeakyRelu");
	tn_float(&t, "alpha", 0.1f);
	eval_f32(&t, in, 1, leaky, 1, d5, "leaky");
	tn_init(&t, "Sigmoid");
	eval_f32(&t, in, 1, sig, 1, d5, "sigmoid");
	tn_init(&t, "Tanh");
	eval_f32(&t, in, 1, th, 1, d5, "tanh");
	/* opset < 11: attributes */
	tn_init(&t, "Clip");
	tn_float(&t, "min", -1);
	tn_float(&t, "max", 1);
	eval_f32(&t, in, 1, clip, 1, d5, "clip attrs");
	/* opset >= 11: inputs, max omitted */
	in[1] = tv(IR_F32, &lo, 0);
	in[2] = tv_none();
	tn_init(&t, "Clip");
	eval_f32(&t, in, 3, clip_lo, 1, d5, "clip min input");
	in[2] = tv(IR_F32, &hi, 1, 1LL);
	{
		static const float want[5] = { -0.5f, -0.5f, 0, 0.5f, 1 };

		tn_init(&t, "Clip");
		eval_f32(&t, in, 3, want, 1, d5, "clip min/max inputs");
	}
	in[2] = tv(IR_F32, x, 1, 2LL);
	tn_init(&t, "Clip");
	T_REJECT(&t, in, 3, 1, -EINVAL, "clip vector max");
	in[0] = tv(IR_I32, x, 1, 5LL);
	tn_init(&t, "Relu");
	T_REJECT(&t, in, 1, 1, -EINVAL, "relu int32");
}

static void test_softmax(void)
{
	/* [2,2,2]: axis -1 vs legacy axis 1 (flatten to [2,4]) */
	static const float x[8] = { 0, 1, 2, 3, 0, 0, 1, 1 };
	static const int64_t d[3] = { 2, 2, 2 };
	float last[8], legacy[8];
	struct ir_value in[1];
	struct tnode t;

	for (int r = 0; r < 4; r++) {
		double s = exp(x[2 * r]) + exp(x[2 * r + 1]);

		last[2 * r] = (float)(exp(x[2 * r]) / s);
		last[2 * r + 1] = (float)(exp(x[2 * r + 1]) / s);
	}
	for (int r = 0; r < 2; r++) {
		double s = 0;

		for (int i = 0; i < 4; i++)
			s += exp(x[4 * r + i]);
		for (int i = 0; i < 4; i++)
			legacy[4 * r + i] = (float)(exp(x[4 * r + i]) / s);
	}
	in[0] = tv(IR_F32, x, 3, 2LL, 2LL, 2LL);
	tn_init(&t, "Softmax");
	eval_f32(&t, in, 1, last, 3, d, "softmax default axis");
	tn_init(&t, "Softmax");
	t.n.opset = 11;
	eval_f32(&t, in, 1, legacy, 3, d, "softmax opset 11");
	tn_init(&t, "Softmax");
	tn_int(&t, "axis", 3);
	T_REJECT(&t, in, 1, 1, -EINVAL, "softmax axis 3");
}

static void test_batchnorm_reduce(void)
{
	static const float x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };	/* [1,2,2,2] */
	static const float sc[2] = { 2, 1 }, bi[2] = { 1, 0 };
	static const float mean[2] = { 2.5f, 0 }, var[2] = { 4, 1 };
	static const int64_t d4[4] = { 1, 2, 2, 2 }, axes1[1] = { 1 };
	static const int64_t axes_neg[2] = { -1, -2 };
	static const int64_t d_keep[4] = { 1, 2, 1, 1 }, d_nokeep[1] = { 1 };
	static const int64_t d_all[4] = { 1, 1, 1, 1 };
	static const float m_keep[2] = { 2.5f, 6.5f };
	static const float m_ax1[4] = { 3, 4, 5, 6 };
	static const float m_all[1] = { 4.5f };
	float bn[8];
	struct ir_value in[5];
	struct tnode t;

	for (int i = 0; i < 8; i++) {
		int c = i / 4;

		bn[i] = (x[i] - mean[c]) / sqrtf(var[c] + 1e-5f) * sc[c] + bi[c];
	}
	in[0] = tv(IR_F32, x, 4, 1LL, 2LL, 2LL, 2LL);
	in[1] = tv(IR_F32, sc, 1, 2LL);
	in[2] = tv(IR_F32, bi, 1, 2LL);
	in[3] = tv(IR_F32, mean, 1, 2LL);
	in[4] = tv(IR_F32, var, 1, 2LL);
	tn_init(&t, "BatchNormalization");
	eval_f32(&t, in, 5, bn, 4, d4, "batchnorm");
	tn_init(&t, "BatchNormalization");
	tn_int(&t, "training_mode", 1);
	T_REJECT(&t, in, 5, 1, -EOPNOTSUPP, "training mode");
	in[4] = tv(IR_F32, var, 1, 1LL);
	tn_init(&t, "BatchNormalization");
	T_REJECT(&t, in, 5, 1, -EINVAL, "var length");

	tn_init(&t, "ReduceMean");
	tn_ints(&t, "axes", axes_neg, 2);
	eval_f32(&t, in, 1, m_keep, 4, d_keep, "reducemean axes attr keep");
	{
		static const int64_t ax[1] = { 1 };

		in[1] = tv(IR_I64, ax, 1, 1LL);	/* opset 18: axes input */
	}
	tn_init(&t, "ReduceMean");
	tn_int(&t, "keepdims", 0);
	{
		static const int64_t d3[3] = { 1, 2, 2 };

		eval_f32(&t, in, 2, m_ax1, 3, d3, "reducemean axes input");
	}
	tn_init(&t, "ReduceMean");
	eval_f32(&t, in, 1, m_all, 4, d_all, "reducemean all");
	tn_init(&t, "ReduceMean");
	tn_int(&t, "keepdims", 0);
	eval_f32(&t, in, 1, m_all, 0, d_nokeep, "reducemean all scalar");
	in[1] = tv(IR_I64, NULL, 1, 0LL);
	in[1].data = (void *)axes1;	/* empty axes input, noop */
	tn_init(&t, "ReduceMean");
	tn_int(&t, "noop_with_empty_axes", 1);
	eval_f32(&t, in, 2, x, 4, d4, "reducemean noop");
	in[1] = tv(IR_I64, NULL, 1, 1LL);	/* axes not constant */
	tn_init(&t, "ReduceMean");
	T_REJECT(&t, in, 2, 1, -EOPNOTSUPP, "non-constant axes");
	tn_init(&t, "ReduceMean");
	{
		static const int64_t rep[2] = { 1, -3 };

		tn_ints(&t, "axes", rep, 2);
	}
	T_REJECT(&t, in, 1, 1, -EINVAL, "repeated axis");
}

static void test_shapes(void)
{
	static const float x[24] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
				     13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23 };
	static const int64_t sh1[3] = { 0, -1, 2 }, sh_bad[2] = { -1, -1 };
	static const int64_t sh0[2] = { 0, 4 };
	static const int64_t d_r[3] = { 2, 6, 2 }, d_f[2] = { 6, 4 };
	static const int64_t perm[3] = { 2, 0, 1 }, d_t[3] = { 4, 2, 3 };
	static const int64_t ax0[1] = { 0 }, ax_neg[2] = { -1, 0 };
	float tr[24];
	struct ir_value in[3], out[1];
	struct accel_err e;
	struct tnode t;
	int r;

	in[0] = tv(IR_F32, x, 3, 2LL, 3LL, 4LL);
	in[1] = tv(IR_I64, sh1, 1, 3LL);
	tn_init(&t, "Reshape");
	eval_f32(&t, in, 2, x, 3, d_r, "reshape 0,-1,2");
	in[1] = tv(IR_I64, sh_bad, 1, 2LL);
	tn_init(&t, "Reshape");
	T_REJECT(&t, in, 2, 1, -EINVAL, "two -1");
	in[1] = tv(IR_I64, sh0, 1, 2LL);
	tn_init(&t, "Reshape");
	tn_int(&t, "allowzero", 1);	/* literal 0: 0 elements != 24 */
	T_REJECT(&t, in, 2, 1, -EINVAL, "allowzero mismatch");
	in[1] = tv(IR_I64, NULL, 1, 3LL);
	tn_init(&t, "Reshape");
	T_REJECT(&t, in, 2, 1, -EOPNOTSUPP, "shape not constant");
	tn_init(&t, "Flatten");
	tn_int(&t, "axis", -1);
	eval_f32(&t, in, 1, x, 2, d_f, "flatten -1");
	/* transpose perm (2,0,1): y[k][i][j] = x[i][j][k] */
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 4; k++)
				tr[(k * 2 + i) * 3 + j] = x[(i * 3 + j) * 4 + k];
	tn_init(&t, "Transpose");
	tn_ints(&t, "perm", perm, 3);
	eval_f32(&t, in, 1, tr, 3, d_t, "transpose");
	tn_init(&t, "Transpose");
	tn_ints(&t, "perm", sh_bad, 2);
	T_REJECT(&t, in, 1, 1, -EINVAL, "bad perm");
	/* concat [2,3,4] and [2,1,4] along axis 1 */
	{
		static const int64_t d_c[3] = { 2, 4, 4 };
		float want[32];
		int p = 0;

		for (int i = 0; i < 2; i++) {
			for (int j = 0; j < 12; j++)
				want[p++] = x[i * 12 + j];
			for (int j = 0; j < 4; j++)
				want[p++] = x[i * 4 + j];
		}
		in[1] = tv(IR_F32, x, 3, 2LL, 1LL, 4LL);
		tn_init(&t, "Concat");
		tn_int(&t, "axis", 1);
		eval_f32(&t, in, 2, want, 3, d_c, "concat");
		in[1] = tv(IR_F32, x, 3, 2LL, 1LL, 3LL);
		tn_init(&t, "Concat");
		tn_int(&t, "axis", 1);
		T_REJECT(&t, in, 2, 1, -EINVAL, "concat mismatch");
	}
	/* Shape with start */
	tn_init(&t, "Shape");
	tn_int(&t, "start", -2);
	r = t_eval(&t, in, 1, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].dtype == IR_I64 && out[0].dims[0] == 2,
		      "shape %d", r))
		CHECK(((int64_t *)out[0].data)[0] == 3 &&
		      ((int64_t *)out[0].data)[1] == 4, "shape values");
	t_free_outs(out, 1);
	/* Gather axis 1 with a negative index */
	{
		static const int64_t idx[2] = { -1, 0 };
		static const int64_t d_g[3] = { 2, 2, 4 };
		float want[16];

		for (int i = 0; i < 2; i++)
			for (int k = 0; k < 4; k++) {
				want[(i * 2 + 0) * 4 + k] = x[(i * 3 + 2) * 4 + k];
				want[(i * 2 + 1) * 4 + k] = x[(i * 3 + 0) * 4 + k];
			}
		in[1] = tv(IR_I64, idx, 1, 2LL);
		tn_init(&t, "Gather");
		tn_int(&t, "axis", 1);
		eval_f32(&t, in, 2, want, 3, d_g, "gather");
		in[1] = tv(IR_I64, sh0, 1, 2LL);	/* index 4 > 3 */
		tn_init(&t, "Gather");
		tn_int(&t, "axis", 1);
		T_REJECT(&t, in, 2, 1, -EINVAL, "gather out of range");
	}
	/* Unsqueeze (input and attribute forms), Squeeze */
	{
		static const int64_t d_u[5] = { 1, 2, 3, 4, 1 };
		static const int64_t d_s[3] = { 2, 3, 4 };

		in[1] = tv(IR_I64, ax_neg, 1, 2LL);
		tn_init(&t, "Unsqueeze");
		eval_f32(&t, in, 2, x, 5, d_u, "unsqueeze input axes");
		tn_init(&t, "Unsqueeze");
		tn_ints(&t, "axes", ax_neg, 2);
		eval_f32(&t, in, 1, x, 5, d_u, "unsqueeze attr axes");
		in[0] = tv(IR_F32, x, 5, 1LL, 2LL, 3LL, 4LL, 1LL);
		tn_init(&t, "Squeeze");
		eval_f32(&t, in, 1, x, 3, d_s, "squeeze all");
		in[1] = tv(IR_I64, ax0, 1, 1LL);
		{
			static const int64_t d_s0[4] = { 2, 3, 4, 1 };

			tn_init(&t, "Squeeze");
			eval_f32(&t, in, 2, x, 4, d_s0, "squeeze axis 0");
		}
		in[0] = tv(IR_F32, x, 3, 2LL, 3LL, 4LL);
		tn_init(&t, "Squeeze");
		T_REJECT(&t, in, 2, 1, -EINVAL, "squeeze non-1 dim");
	}
	{
		static const int64_t d_id[3] = { 2, 3, 4 };

		tn_init(&t, "Identity");
		eval_f32(&t, in, 1, x, 3, d_id, "identity");
	}
}

static void test_pad(void)
{
	static const float x[6] = { 1, 2, 3, 4, 5, 6 };	/* [2,3] */
	static const int64_t pads[4] = { 1, 2, 0, 1 };	/* [2+1, 3+3] */
	static const int64_t d[2] = { 3, 6 };
	static const float cv = 9;
	/* constant 9 */
	static const float wc[18] = { 9, 9, 9, 9, 9, 9,
				      9, 9, 1, 2, 3, 9,
				      9, 9, 4, 5, 6, 9 };
	/* reflect: row -1 -> row 1; cols -2,-1 -> 2,1; col 3 -> 1 */
	static const float wr[18] = { 6, 5, 4, 5, 6, 5,
				      3, 2, 1, 2, 3, 2,
				      6, 5, 4, 5, 6, 5 };
	/* edge: clamp */
	static const float we[18] = { 1, 1, 1, 2, 3, 3,
				      1, 1, 1, 2, 3, 3,
				      4, 4, 4, 5, 6, 6 };
	static const int64_t crop[4] = { 0, -1, 0, 0 };
	static const float wcrop[4] = { 2, 3, 5, 6 };
	static const int64_t dcrop[2] = { 2, 2 };
	struct ir_value in[3];
	struct tnode t;

	in[0] = tv(IR_F32, x, 2, 2LL, 3LL);
	in[1] = tv(IR_I64, pads, 1, 4LL);
	in[2] = tv(IR_F32, &cv, 0);
	tn_init(&t, "Pad");
	eval_f32(&t, in, 3, wc, 2, d, "pad constant input");
	tn_init(&t, "Pad");
	tn_str(&t, "mode", "reflect");
	eval_f32(&t, in, 2, wr, 2, d, "pad reflect");
	tn_init(&t, "Pad");
	tn_str(&t, "mode", "edge");
	eval_f32(&t, in, 2, we, 2, d, "pad edge");
	/* opset < 11: attributes */
	tn_init(&t, "Pad");
	tn_ints(&t, "pads", pads, 4);
	tn_float(&t, "value", 9);
	eval_f32(&t, in, 1, wc, 2, d, "pad attrs");
	in[1] = tv(IR_I64, crop, 1, 4LL);
	tn_init(&t, "Pad");
	eval_f32(&t, in, 2, wcrop, 2, dcrop, "pad negative crops");
	in[1] = tv(IR_I64, pads, 1, 3LL);
	tn_init(&t, "Pad");
	T_REJECT(&t, in, 2, 1, -EINVAL, "pads count");
	in[1] = tv(IR_I64, pads, 1, 4LL);
	tn_init(&t, "Pad");
	tn_str(&t, "mode", "wrap");
	T_REJECT(&t, in, 2, 1, -EOPNOTSUPP, "wrap mode");
}

static void test_quant(void)
{
	/* x / 2 = 0.5, 1.5, 2.5, -0.5, -1.5, 300, -300, 3.4 */
	static const float x[8] = { 1, 3, 5, -1, -3, 600, -600, 6.8f };
	static const float sc = 2.0f;
	static const uint8_t zp = 10;
	static const int8_t zpi = -1;
	/* half to even: 0, 2, 2, -0, -2; saturate */
	static const uint8_t wu[8] = { 10, 12, 12, 10, 8, 255, 0, 13 };
	static const int8_t wi[8] = { -1, 1, 1, -1, -3, 127, -128, 2 };
	static const float ps[2] = { 1.0f, 0.5f };
	static const uint8_t pz[2] = { 0, 100 };
	static const float px[4] = { 1.2f, 3.0f, 1.2f, 3.0f };	/* [2,2] */
	static const uint8_t wpu[4] = { 1, 3, 102, 106 };
	struct ir_value in[3], out[1];
	struct accel_err e;
	struct tnode t;
	int r;

	in[0] = tv(IR_F32, x, 1, 8LL);
	in[1] = tv(IR_F32, &sc, 0);
	in[2] = tv(IR_U8, &zp, 0);
	tn_init(&t, "QuantizeLinear");
	r = t_eval(&t, in, 3, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].dtype == IR_U8, "q u8 %d %s", r, e.msg))
		for (int i = 0; i < 8; i++)
			CHECK(((uint8_t *)out[0].data)[i] == wu[i], "q u8 [%d] %d != %d",
			      i, ((uint8_t *)out[0].data)[i], wu[i]);
	t_free_outs(out, 1);
	in[2] = tv(IR_I8, &zpi, 0);
	tn_init(&t, "QuantizeLinear");
	r = t_eval(&t, in, 3, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].dtype == IR_I8, "q i8 %d %s", r, e.msg))
		for (int i = 0; i < 8; i++)
			CHECK(((int8_t *)out[0].data)[i] == wi[i], "q i8 [%d] %d != %d",
			      i, ((int8_t *)out[0].data)[i], wi[i]);
	t_free_outs(out, 1);
	/* per-axis along axis 0 of [2,2] */
	in[0] = tv(IR_F32, px, 2, 2LL, 2LL);
	in[1] = tv(IR_F32, ps, 1, 2LL);
	in[2] = tv(IR_U8, pz, 1, 2LL);
	tn_init(&t, "QuantizeLinear");
	tn_int(&t, "axis", 0);
	r = t_eval(&t, in, 3, out, 1, &e);
	if (TAP_CHECK(r == 0, "q axis %d %s", r, e.msg))
		for (int i = 0; i < 4; i++)
			CHECK(((uint8_t *)out[0].data)[i] == wpu[i], "q axis [%d] %d != %d",
			      i, ((uint8_t *)out[0].data)[i], wpu[i]);
	t_free_outs(out, 1);
	/* and back: (q - zp) * scale */
	{
		static const float want[4] = { 1, 3, 1, 3 };
		static const int64_t d[2] = { 2, 2 };

		in[0] = tv(IR_U8, wpu, 2, 2LL, 2LL);
		tn_init(&t, "DequantizeLinear");
		tn_int(&t, "axis", 0);
		eval_f32(&t, in, 3, want, 2, d, "dequantize axis");
	}
	in[0] = tv(IR_U8, wpu, 2, 2LL, 2LL);
	tn_init(&t, "DequantizeLinear");
	tn_int(&t, "axis", 1);	/* dims[1] = 2 ok; scale len 2 */
	in[2] = tv(IR_I8, pz, 1, 2LL);
	T_REJECT(&t, in, 3, 1, -EINVAL, "zero point type differs");
	in[1] = tv(IR_F32, ps, 1, 1LL);
	in[1].dims[0] = 3;
	in[2] = tv_none();
	tn_init(&t, "DequantizeLinear");
	T_REJECT(&t, in, 3, 1, -EINVAL, "scale length vs axis");
}

static void test_cast(void)
{
	static const float x[6] = { 1.9f, -1.9f, 300, -300, NAN, 0 };
	static const int64_t big[2] = { INT64_C(1) << 40, -5 };
	struct ir_value in[1], out[1];
	struct accel_err e;
	struct tnode t;
	int r;

	in[0] = tv(IR_F32, x, 1, 6LL);
	tn_init(&t, "Cast");
	tn_int(&t, "to", IR_I8);
	r = t_eval(&t, in, 1, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].dtype == IR_I8, "cast %d", r)) {
		const int8_t *y = out[0].data;

		/* truncation, saturation, NaN -> 0 */
		CHECK(y[0] == 1 && y[1] == -1 && y[2] == 127 && y[3] == -128 &&
		      y[4] == 0 && y[5] == 0, "cast f32->i8 %d %d %d %d %d",
		      y[0], y[1], y[2], y[3], y[4]);
	}
	t_free_outs(out, 1);
	in[0] = tv(IR_I64, big, 1, 2LL);
	tn_init(&t, "Cast");
	tn_int(&t, "to", IR_F32);
	r = t_eval(&t, in, 1, out, 1, &e);
	if (TAP_CHECK(r == 0, "cast i64 %d", r))
		CHECK(((float *)out[0].data)[0] == 1099511627776.0f &&
		      ((float *)out[0].data)[1] == -5.0f, "cast i64->f32");
	t_free_outs(out, 1);
	tn_init(&t, "Cast");
	tn_int(&t, "to", IR_BOOL);
	r = t_eval(&t, in, 1, out, 1, &e);
	CHECK(r == 0 && ((uint8_t *)out[0].data)[1] == 1, "cast bool");
	t_free_outs(out, 1);
	tn_init(&t, "Cast");
	tn_int(&t, "to", IR_F16);
	T_REJECT(&t, in, 1, 1, -EOPNOTSUPP, "cast to f16");
	tn_init(&t, "Cast");
	T_REJECT(&t, in, 1, 1, -EINVAL, "no 'to'");
}

static void test_registry(void)
{
	static const char *const need[] = {
		"Conv", "Gemm", "MatMul", "Relu", "LeakyRelu", "Clip",
		"Sigmoid", "Tanh", "MaxPool", "AveragePool",
		"GlobalAveragePool", "Add", "Sub", "Mul", "Div", "Max",
		"Softmax", "Reshape", "Flatten", "Transpose", "Concat",
		"BatchNormalization", "Pad", "ReduceMean", "QuantizeLinear",
		"DequantizeLinear", "QLinearConv", "QLinearMatMul",
		"ConvInteger", "MatMulInteger", "Identity", "Shape", "Gather",
		"Unsqueeze", "Squeeze", "Cast",
	};
	int cnt = 0;

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		CHECK(cpu_op_find("", need[i]) != NULL, "%s missing", need[i]);
	CHECK(cpu_op_find("ai.onnx", "Conv") == cpu_op_find("", "Conv"),
	      "ai.onnx alias");
	CHECK(cpu_op_find("com.microsoft", "Conv") == NULL, "other domain");
	CHECK(cpu_op_find("", "NoSuchOp") == NULL, "unknown op");
	for (int i = 0; cpu_ops[i]; i++) {
		bool ws = false;

#define WS_OP(name) ws = ws || cpu_ops[i] == &cpu_op_##name.op;
		CPU_OPS_WS_LIST(WS_OP)
#undef WS_OP
		/* run(), or a workspace op's workspace() and run() */
		CHECK(cpu_ops[i]->infer && (ws ? !cpu_ops[i]->run :
					    cpu_ops[i]->run != NULL),
		      "entry %d", i);
		cnt++;
	}
#define WS_OP(name) CHECK(cpu_op_##name.workspace && cpu_op_##name.run, #name);
	CPU_OPS_WS_LIST(WS_OP)
#undef WS_OP
	CHECK(cnt >= (int)(sizeof(need) / sizeof(need[0])), "%d ops", cnt);
}

int main(void)
{
	tap_run("broadcast_arith", test_broadcast);
	tap_run("int_arith", test_int_arith);
	tap_run("activations_clip", test_activations);
	tap_run("softmax_opsets", test_softmax);
	tap_run("batchnorm_reducemean", test_batchnorm_reduce);
	tap_run("shape_ops", test_shapes);
	tap_run("pad_modes", test_pad);
	tap_run("quantize_dequantize", test_quant);
	tap_run("cast", test_cast);
	tap_run("registry", test_registry);
	return tap_done("ops-misc");
}
