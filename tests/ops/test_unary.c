// SPDX-License-Identifier: MIT
/*
 * Unary elementwise operators (op_unary.c): every float op against a libm
 * reference written from the ONNX formula, attribute defaults and
 * overrides, hand-computed rounding/sign/integer cases, IsNaN/IsInf/Not,
 * and infer() rejections.
 */
#include <math.h>

#include "ops_test.h"

#define NX 13
static const float xs[NX] = {
	-3.5f, -2, -1, -0.75f, -0.5f, -0.1f, 0, 0.1f, 0.5f, 0.75f, 1, 2, 3.5f
};

struct uref {
	const char *op;
	double (*ref)(double x);
	bool unit;	/* domain [-1, 1] only */
	bool pos;	/* domain > 0 only */
};

static double r_abs(double x) { return x < 0 ? -x : x; }
static double r_neg(double x) { return -x; }
static double r_exp(double x) { return exp(x); }
static double r_log(double x) { return log(x); }
static double r_sqrt(double x) { return sqrt(x); }
static double r_recip(double x) { return 1 / x; }
static double r_ceil(double x) { return ceil(x); }
static double r_floor(double x) { return floor(x); }
static double r_sin(double x) { return sin(x); }
static double r_cos(double x) { return cos(x); }
static double r_tan(double x) { return tan(x); }
static double r_asin(double x) { return asin(x); }
static double r_acos(double x) { return acos(x); }
static double r_atan(double x) { return atan(x); }
static double r_sinh(double x) { return (exp(x) - exp(-x)) / 2; }
static double r_cosh(double x) { return (exp(x) + exp(-x)) / 2; }
static double r_asinh(double x) { return log(x + sqrt(x * x + 1)); }
static double r_acosh(double x) { return log(x + sqrt(x * x - 1)); }
static double r_atanh(double x) { return 0.5 * log((1 + x) / (1 - x)); }
static double r_erf(double x) { return erf(x); }
/* default attributes from the ONNX operator pages */
static double r_elu(double x) { return x < 0 ? exp(x) - 1 : x; }
static double r_selu(double x)
{
	return 1.0507009873554805 *
	       (x > 0 ? x : 1.6732632423543772 * (exp(x) - 1));
}
static double r_celu(double x) { return x > 0 ? x : exp(x) - 1; }
static double r_softplus(double x) { return log(exp(x) + 1); }
static double r_softsign(double x) { return x / (1 + fabs(x)); }
static double r_hsig(double x) { return fmax(0, fmin(1, 0.2 * x + 0.5)); }
static double r_hswish(double x) { return x * fmax(0, fmin(1, x / 6 + 0.5)); }
static double r_trelu(double x) { return x > 1 ? x : 0; }
static double r_shrink(double x) { return x < -0.5 || x > 0.5 ? x : 0; }
static double r_mish(double x) { return x * tanh(log(1 + exp(x))); }

static const struct uref refs[] = {
	{ "Abs", r_abs, 0, 0 }, { "Neg", r_neg, 0, 0 },
	{ "Exp", r_exp, 0, 0 }, { "Log", r_log, 0, 1 },
	{ "Sqrt", r_sqrt, 0, 1 }, { "Reciprocal", r_recip, 0, 1 },
	{ "Ceil", r_ceil, 0, 0 }, { "Floor", r_floor, 0, 0 },
	{ "Sin", r_sin, 0, 0 }, { "Cos", r_cos, 0, 0 },
	{ "Tan", r_tan, 0, 0 }, { "Asin", r_asin, 1, 0 },
	{ "Acos", r_acos, 1, 0 }, { "Atan", r_atan, 0, 0 },
	{ "Sinh", r_sinh, 0, 0 }, { "Cosh", r_cosh, 0, 0 },
	{ "Asinh", r_asinh, 0, 0 }, { "Atanh", r_atanh, 1, 0 },
	{ "Erf", r_erf, 0, 0 }, { "Elu", r_elu, 0, 0 },
	{ "Selu", r_selu, 0, 0 }, { "Celu", r_celu, 0, 0 },
	{ "Softplus", r_softplus, 0, 0 }, { "Softsign", r_softsign, 0, 0 },
	{ "HardSigmoid", r_hsig, 0, 0 }, { "HardSwish", r_hswish, 0, 0 },
	{ "ThresholdedRelu", r_trelu, 0, 0 }, { "Shrink", r_shrink, 0, 0 },
	{ "Mish", r_mish, 0, 0 },
};

/* Evaluate a one-input, one-output node; returns the infer/run status. */
static int eval1(struct tnode *t, struct ir_value x, struct ir_value *out)
{
	struct accel_err e;
	int r = t_eval(t, &x, 1, out, 1, &e);

	CHECK(r == 0, "%s: %d %s", t->n.op_type, r, e.msg);
	return r;
}

static void test_float_refs(void)
{
	int ran = 0;

	for (size_t k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
		float x[NX], want[NX];
		struct ir_value out[1];
		struct tnode t;
		int cnt = 0;

		for (int i = 0; i < NX; i++) {
			float v = xs[i];

			if (refs[k].unit && fabsf(v) >= 1)
				continue;
			if (refs[k].pos && v <= 0)
				continue;
			x[cnt] = v;
			want[cnt++] = (float)refs[k].ref(v);
		}
		tn_init(&t, refs[k].op);
		if (!eval1(&t, tv(IR_F32, x, 1, (int64_t)cnt), out)) {
			CHECK(out[0].dtype == IR_F32 && out[0].rank == 1 &&
			      out[0].dims[0] == cnt, "%s shape", refs[k].op);
			t_close(out[0].data, want, cnt, 1e-5f, refs[k].op);
			ran++;
		}
		t_free_outs(out, 1);
	}
	/* Acosh on its own domain x >= 1 */
	{
		static const float x[4] = { 1, 1.5f, 2, 10 };
		float want[4];
		struct ir_value out[1];
		struct tnode t;

		for (int i = 0; i < 4; i++)
			want[i] = (float)r_acosh(x[i]);
		tn_init(&t, "Acosh");
		if (!eval1(&t, tv(IR_F32, x, 1, 4LL), out))
			t_close(out[0].data, want, 4, 1e-5f, "Acosh");
		t_free_outs(out, 1);
	}
	CHECK(ran == (int)(sizeof(refs) / sizeof(refs[0])), "ran %d ops", ran);
}

static void test_attrs_f64(void)
{
	static const float x[4] = { -2, -0.5f, 0.5f, 2 };
	static const double xd[3] = { -1, 0.25, 4 };
	struct ir_value out[1];
	struct tnode t;
	float want[4];

	/* Elu alpha=2 */
	for (int i = 0; i < 4; i++)
		want[i] = x[i] < 0 ? (float)(2 * (exp(x[i]) - 1)) : x[i];
	tn_init(&t, "Elu");
	tn_float(&t, "alpha", 2);
	if (!eval1(&t, tv(IR_F32, x, 1, 4LL), out))
		t_close(out[0].data, want, 4, 1e-6f, "elu alpha=2");
	t_free_outs(out, 1);
	/* HardSigmoid alpha=0.5 beta=0.25: clip(0.5x + 0.25, 0, 1) */
	{
		static const float hs[4] = { 0, 0, 0.5f, 1 };

		tn_init(&t, "HardSigmoid");
		tn_float(&t, "alpha", 0.5f);
		tn_float(&t, "beta", 0.25f);
		if (!eval1(&t, tv(IR_F32, x, 1, 4LL), out))
			t_close(out[0].data, hs, 4, 1e-6f, "hardsigmoid");
		t_free_outs(out, 1);
	}
	/* Shrink lambd=1 bias=0.5 */
	{
		static const float sh[4] = { -1.5f, 0, 0, 1.5f };

		tn_init(&t, "Shrink");
		tn_float(&t, "lambd", 1);
		tn_float(&t, "bias", 0.5f);
		if (!eval1(&t, tv(IR_F32, x, 1, 4LL), out))
			t_close(out[0].data, sh, 4, 1e-6f, "shrink");
		t_free_outs(out, 1);
	}
	/* Celu alpha=2: x > 0 ? x : 2 * (exp(x / 2) - 1) */
	for (int i = 0; i < 4; i++)
		want[i] = x[i] > 0 ? x[i] : (float)(2 * (exp(x[i] / 2) - 1));
	tn_init(&t, "Celu");
	tn_float(&t, "alpha", 2);
	if (!eval1(&t, tv(IR_F32, x, 1, 4LL), out))
		t_close(out[0].data, want, 4, 1e-6f, "celu alpha=2");
	t_free_outs(out, 1);
	/* float64 path */
	tn_init(&t, "Sqrt");
	if (!eval1(&t, tv(IR_F64, xd + 1, 1, 2LL), out)) {
		const double *y = out[0].data;

		CHECK(out[0].dtype == IR_F64 && y[0] == 0.5 && y[1] == 2,
		      "sqrt f64 %g %g", y[0], y[1]);
	}
	t_free_outs(out, 1);
	tn_init(&t, "Exp");
	if (!eval1(&t, tv(IR_F64, xd, 0), out))
		CHECK(fabs(*(double *)out[0].data - exp(-1.0)) < 1e-15,
		      "exp f64 scalar");
	t_free_outs(out, 1);
}

static void test_round_sign_int(void)
{
	static const float x[8] = { 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f,
				    -2.6f, 3 };
	static const float rnd[8] = { 0, 2, 2, -0.0f, -2, 2, -3, 3 };
	static const float sx[4] = { -3, 0, 2, NAN };
	static const int32_t ix[4] = { INT32_MIN, -5, 0, 7 };
	static const uint8_t ux[3] = { 0, 1, 200 };
	struct ir_value out[1];
	struct tnode t;

	tn_init(&t, "Round");
	if (!eval1(&t, tv(IR_F32, x, 1, 8LL), out))
		t_close(out[0].data, rnd, 8, 0, "round half to even");
	t_free_outs(out, 1);
	tn_init(&t, "Sign");
	if (!eval1(&t, tv(IR_F32, sx, 1, 4LL), out)) {
		const float *y = out[0].data;

		CHECK(y[0] == -1 && y[1] == 0 && y[2] == 1 && isnan(y[3]),
		      "sign %g %g %g %g", y[0], y[1], y[2], y[3]);
	}
	t_free_outs(out, 1);
	tn_init(&t, "Neg");
	if (!eval1(&t, tv(IR_I32, ix, 1, 4LL), out)) {
		const int32_t *y = out[0].data;

		CHECK(out[0].dtype == IR_I32 && y[0] == INT32_MIN &&
		      y[1] == 5 && y[2] == 0 && y[3] == -7, "neg i32");
	}
	t_free_outs(out, 1);
	tn_init(&t, "Abs");
	if (!eval1(&t, tv(IR_I32, ix, 1, 4LL), out)) {
		const int32_t *y = out[0].data;

		CHECK(y[0] == INT32_MIN && y[1] == 5 && y[2] == 0 && y[3] == 7,
		      "abs i32");
	}
	t_free_outs(out, 1);
	tn_init(&t, "Sign");
	if (!eval1(&t, tv(IR_I32, ix, 1, 4LL), out)) {
		const int32_t *y = out[0].data;

		CHECK(y[0] == -1 && y[1] == -1 && y[2] == 0 && y[3] == 1,
		      "sign i32");
	}
	t_free_outs(out, 1);
	tn_init(&t, "Abs");
	if (!eval1(&t, tv(IR_U8, ux, 1, 3LL), out)) {
		const uint8_t *y = out[0].data;

		CHECK(y[0] == 0 && y[1] == 1 && y[2] == 200, "abs u8");
	}
	t_free_outs(out, 1);
}

static void test_predicates(void)
{
	static const float x[5] = { 1, NAN, INFINITY, -INFINITY, 0 };
	static const uint8_t b[3] = { 0, 1, 0 };
	struct ir_value out[1];
	struct tnode t;

	tn_init(&t, "IsNaN");
	if (!eval1(&t, tv(IR_F32, x, 1, 5LL), out)) {
		const uint8_t *y = out[0].data;

		CHECK(out[0].dtype == IR_BOOL && !y[0] && y[1] && !y[2] &&
		      !y[3] && !y[4], "isnan");
	}
	t_free_outs(out, 1);
	tn_init(&t, "IsInf");
	if (!eval1(&t, tv(IR_F32, x, 1, 5LL), out)) {
		const uint8_t *y = out[0].data;

		CHECK(!y[0] && !y[1] && y[2] && y[3] && !y[4], "isinf");
	}
	t_free_outs(out, 1);
	tn_init(&t, "IsInf");
	tn_int(&t, "detect_negative", 0);
	if (!eval1(&t, tv(IR_F32, x, 1, 5LL), out)) {
		const uint8_t *y = out[0].data;

		CHECK(y[2] && !y[3], "isinf positive only");
	}
	t_free_outs(out, 1);
	tn_init(&t, "Not");
	if (!eval1(&t, tv(IR_BOOL, b, 2, 1LL, 3LL), out)) {
		const uint8_t *y = out[0].data;

		CHECK(out[0].rank == 2 && y[0] == 1 && y[1] == 0 && y[2] == 1,
		      "not");
	}
	t_free_outs(out, 1);
}

static void test_rejects(void)
{
	static const float x[2] = { 1, 2 };
	struct ir_value in[2];
	struct tnode t;

	in[0] = tv(IR_I32, x, 1, 2LL);
	tn_init(&t, "Exp");
	T_REJECT(&t, in, 1, 1, -EINVAL, "exp int32");
	in[0] = tv(IR_F16, x, 1, 2LL);
	tn_init(&t, "Sqrt");
	T_REJECT(&t, in, 1, 1, -EOPNOTSUPP, "sqrt float16");
	in[0] = tv(IR_F32, x, 1, 2LL);
	in[1] = in[0];
	tn_init(&t, "Abs");
	T_REJECT(&t, in, 2, 1, -EINVAL, "abs two inputs");
	tn_init(&t, "Celu");
	tn_float(&t, "alpha", 0);
	T_REJECT(&t, in, 1, 1, -EINVAL, "celu alpha 0");
	tn_init(&t, "Elu");
	tn_int(&t, "alpha", 1);
	T_REJECT(&t, in, 1, 1, -EINVAL, "elu int alpha");
	tn_init(&t, "IsNaN");
	in[0] = tv(IR_I32, x, 1, 2LL);
	T_REJECT(&t, in, 1, 1, -EINVAL, "isnan int32");
	tn_init(&t, "Not");
	in[0] = tv(IR_F32, x, 1, 2LL);
	T_REJECT(&t, in, 1, 1, -EINVAL, "not float");
	tn_init(&t, "IsInf");
	tn_int(&t, "detect_positive", 2);
	T_REJECT(&t, in, 1, 1, -EINVAL, "isinf detect_positive 2");
}

int main(void)
{
	tap_run("unary_float_refs", test_float_refs);
	tap_run("unary_attrs_f64", test_attrs_f64);
	tap_run("round_sign_int", test_round_sign_int);
	tap_run("isnan_isinf_not", test_predicates);
	tap_run("unary_rejects", test_rejects);
	return tap_done("ops-unary");
}
