// SPDX-License-Identifier: MIT
/*
 * Broadcasting binary/variadic operators (op_logic.c): comparisons and
 * logic against naive broadcast loops, Pow with mixed types, both Mod
 * forms, PRelu, Where, Sum/Mean, and infer() rejections.
 */
#include <math.h>

#include "ops_test.h"

static int eval(struct tnode *t, struct ir_value *in, int n_in,
		struct ir_value *out)
{
	struct accel_err e;
	int r = t_eval(t, in, n_in, out, 1, &e);

	CHECK(r == 0, "%s: %d %s", t->n.op_type, r, e.msg);
	return r;
}

/* a [2,3,1] against b [4]: naive comparisons over [2,3,4] */
static void test_compare(void)
{
	static const char *const ops[] = {
		"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"
	};
	float a[6], b[4];
	int32_t ia[6], ib[4];
	uint64_t s = 7;

	for (int i = 0; i < 6; i++) {
		ia[i] = t_randi(&s, -2, 2);
		a[i] = (float)ia[i];
	}
	for (int i = 0; i < 4; i++) {
		ib[i] = t_randi(&s, -2, 2);
		b[i] = (float)ib[i];
	}
	b[3] = NAN;	/* NaN compares false, even to itself */
	for (int k = 0; k < 5; k++) {
		for (int ty = 0; ty < 2; ty++) {
			struct ir_value in[2], out[1];
			struct tnode t;

			in[0] = ty ? tv(IR_I32, ia, 3, 2LL, 3LL, 1LL)
				   : tv(IR_F32, a, 3, 2LL, 3LL, 1LL);
			in[1] = ty ? tv(IR_I32, ib, 1, 4LL)
				   : tv(IR_F32, b, 1, 4LL);
			tn_init(&t, ops[k]);
			if (!eval(&t, in, 2, out) &&
			    TAP_CHECK(out[0].dtype == IR_BOOL &&
				      out[0].rank == 3 && out[0].dims[0] == 2 &&
				      out[0].dims[1] == 3 &&
				      out[0].dims[2] == 4, "%s shape", ops[k])) {
				const uint8_t *y = out[0].data;

				for (int i = 0; i < 6; i++)
					for (int j = 0; j < 4; j++) {
						double x = ty ? ia[i] : a[i];
						double z = ty ? ib[j] : b[j];
						bool w = k == 0 ? x == z :
							 k == 1 ? x < z :
							 k == 2 ? x <= z :
							 k == 3 ? x > z : x >= z;

						CHECK(y[i * 4 + j] == w,
						      "%s %s [%d,%d]", ops[k],
						      ty ? "i32" : "f32", i, j);
					}
			}
			t_free_outs(out, 1);
		}
	}
}

static void test_bool_logic(void)
{
	static const uint8_t a[4] = { 0, 0, 1, 1 }, b[2] = { 0, 1 };
	static const char *const ops[] = { "And", "Or", "Xor", "Equal" };
	static const uint8_t want[4][8] = {
		{ 0, 0, 0, 0, 0, 1, 0, 1 },	/* a[4,1] & b[2] */
		{ 0, 1, 0, 1, 1, 1, 1, 1 },
		{ 0, 1, 0, 1, 1, 0, 1, 0 },
		{ 1, 0, 1, 0, 0, 1, 0, 1 },
	};

	for (int k = 0; k < 4; k++) {
		struct ir_value in[2], out[1];
		struct tnode t;

		in[0] = tv(IR_BOOL, a, 2, 4LL, 1LL);
		in[1] = tv(IR_BOOL, b, 1, 2LL);
		tn_init(&t, ops[k]);
		if (!eval(&t, in, 2, out))
			CHECK(!memcmp(out[0].data, want[k], 8), "%s", ops[k]);
		t_free_outs(out, 1);
	}
}

static void test_where(void)
{
	static const uint8_t c[3] = { 1, 0, 1 };		/* [3] */
	static const int64_t x[2] = { 10, 20 };		/* [2,1] */
	static const int64_t y = -1;			/* scalar */
	static const int64_t want[6] = { 10, -1, 10, 20, -1, 20 };
	struct ir_value in[3], out[1];
	struct tnode t;

	in[0] = tv(IR_BOOL, c, 1, 3LL);
	in[1] = tv(IR_I64, x, 2, 2LL, 1LL);
	in[2] = tv(IR_I64, &y, 0);
	tn_init(&t, "Where");
	if (!eval(&t, in, 3, out))
		CHECK(out[0].dtype == IR_I64 && out[0].rank == 2 &&
		      !memcmp(out[0].data, want, sizeof(want)), "where");
	t_free_outs(out, 1);
	in[2] = tv(IR_I32, &y, 0);
	tn_init(&t, "Where");
	T_REJECT(&t, in, 3, 1, -EINVAL, "where X/Y types differ");
	in[0] = tv(IR_I32, c, 1, 3LL);
	in[2] = tv(IR_I64, &y, 0);
	tn_init(&t, "Where");
	T_REJECT(&t, in, 3, 1, -EINVAL, "where int condition");
}

static void test_pow(void)
{
	static const float fb[4] = { 2, 9, 4, 0.5f }, fe[4] = { 3, 0.5f, -1, 2 };
	static const int64_t ib[5] = { 2, -2, 3, 2, 1 }, ie[5] = { 10, 3, 0, -1, -5 };
	static const int32_t ie32[2] = { 2, 3 };
	static const float fx[2] = { 1.5f, -2 };
	struct ir_value in[2], out[1];
	struct tnode t;

	in[0] = tv(IR_F32, fb, 1, 4LL);
	in[1] = tv(IR_F32, fe, 1, 4LL);
	tn_init(&t, "Pow");
	if (!eval(&t, in, 2, out)) {
		static const float want[4] = { 8, 3, 0.25f, 0.25f };

		t_close(out[0].data, want, 4, 1e-6f, "pow f32");
	}
	t_free_outs(out, 1);
	in[0] = tv(IR_I64, ib, 1, 5LL);
	in[1] = tv(IR_I64, ie, 1, 5LL);
	tn_init(&t, "Pow");
	if (!eval(&t, in, 2, out)) {
		const int64_t *y = out[0].data;

		CHECK(y[0] == 1024 && y[1] == -8 && y[2] == 1 && y[3] == 0 &&
		      y[4] == 1, "pow i64 %lld %lld %lld %lld %lld",
		      (long long)y[0], (long long)y[1], (long long)y[2],
		      (long long)y[3], (long long)y[4]);
	}
	t_free_outs(out, 1);
	/* float base, int32 exponent: type of the base */
	in[0] = tv(IR_F32, fx, 1, 2LL);
	in[1] = tv(IR_I32, ie32, 1, 2LL);
	tn_init(&t, "Pow");
	if (!eval(&t, in, 2, out)) {
		static const float want[2] = { 2.25f, -8 };

		CHECK(out[0].dtype == IR_F32, "pow mixed type");
		t_close(out[0].data, want, 2, 1e-6f, "pow f32^i32");
	}
	t_free_outs(out, 1);
	in[0] = tv(IR_BOOL, fx, 1, 2LL);
	tn_init(&t, "Pow");
	T_REJECT(&t, in, 2, 1, -EINVAL, "pow bool base");
}

static void test_mod(void)
{
	static const int32_t a[6] = { -4, 7, 5, -5, 4, INT32_MIN };
	static const int32_t b[6] = { 3, -3, 0, -1, 2, -1 };
	/* Python %: sign of the divisor; x % 0 defined as 0 here */
	static const int32_t py[6] = { 2, -2, 0, 0, 0, 0 };
	/* C fmod: sign of the dividend */
	static const int32_t cm[6] = { -1, 1, 0, 0, 0, 0 };
	static const float fa[3] = { -4.5f, 7, 5.25f }, fb[3] = { 2, -3, 1 };
	struct ir_value in[2], out[1];
	struct tnode t;

	in[0] = tv(IR_I32, a, 1, 6LL);
	in[1] = tv(IR_I32, b, 1, 6LL);
	tn_init(&t, "Mod");
	if (!eval(&t, in, 2, out))
		CHECK(!memcmp(out[0].data, py, sizeof(py)), "mod fmod=0");
	t_free_outs(out, 1);
	tn_init(&t, "Mod");
	tn_int(&t, "fmod", 1);
	if (!eval(&t, in, 2, out))
		CHECK(!memcmp(out[0].data, cm, sizeof(cm)), "mod fmod=1");
	t_free_outs(out, 1);
	in[0] = tv(IR_F32, fa, 1, 3LL);
	in[1] = tv(IR_F32, fb, 1, 3LL);
	tn_init(&t, "Mod");
	tn_int(&t, "fmod", 1);
	if (!eval(&t, in, 2, out)) {
		static const float want[3] = { -0.5f, 1, 0.25f };

		t_close(out[0].data, want, 3, 0, "mod float fmod");
	}
	t_free_outs(out, 1);
	tn_init(&t, "Mod");
	T_REJECT(&t, in, 2, 1, -EINVAL, "float mod without fmod");
	tn_init(&t, "Mod");
	tn_int(&t, "fmod", 2);
	T_REJECT(&t, in, 2, 1, -EINVAL, "fmod 2");
}

static void test_prelu_sum_mean(void)
{
	float x[12], slope[3] = { 0.1f, 0.5f, 2 }, want[12];
	static const float s1[3] = { 1, 2, 3 }, s2[2] = { 10, 20 };
	static const float s3 = 100;
	struct ir_value in[3], out[1];
	struct tnode t;
	uint64_t s = 3;

	/* X [1,3,2,2], slope [3,1,1] */
	for (int i = 0; i < 12; i++) {
		x[i] = t_randf(&s);
		want[i] = x[i] < 0 ? slope[i / 4] * x[i] : x[i];
	}
	in[0] = tv(IR_F32, x, 4, 1LL, 3LL, 2LL, 2LL);
	in[1] = tv(IR_F32, slope, 3, 3LL, 1LL, 1LL);
	tn_init(&t, "PRelu");
	if (!eval(&t, in, 2, out))
		t_close(out[0].data, want, 12, 0, "prelu channel slope");
	t_free_outs(out, 1);
	in[1] = tv(IR_F32, slope, 1, 3LL);
	tn_init(&t, "PRelu");
	T_REJECT(&t, in, 2, 1, -EINVAL, "prelu slope [3] vs last dim 2");
	in[0] = tv(IR_F32, x, 1, 2LL);
	in[1] = tv(IR_F32, x, 2, 3LL, 2LL);
	tn_init(&t, "PRelu");
	T_REJECT(&t, in, 2, 1, -EINVAL, "prelu slope larger than X");
	/* Sum/Mean of [3] + [2,1] + scalar */
	in[0] = tv(IR_F32, s1, 1, 3LL);
	in[1] = tv(IR_F32, s2, 2, 2LL, 1LL);
	in[2] = tv(IR_F32, &s3, 0);
	for (int m = 0; m < 2; m++) {
		float w[6];

		for (int i = 0; i < 2; i++)
			for (int j = 0; j < 3; j++)
				w[i * 3 + j] = (s1[j] + s2[i] + s3) /
					       (m ? 3.0f : 1.0f);
		tn_init(&t, m ? "Mean" : "Sum");
		if (!eval(&t, in, 3, out))
			CHECK(out[0].rank == 2 && out[0].dims[0] == 2 &&
			      out[0].dims[1] == 3 &&
			      t_close(out[0].data, w, 6, 1e-6f, t.n.op_type),
			      "%s shape", t.n.op_type);
		t_free_outs(out, 1);
	}
	tn_init(&t, "Sum");
	if (!eval(&t, in, 1, out))
		t_close(out[0].data, s1, 3, 0, "sum of one");
	t_free_outs(out, 1);
	in[1] = tv(IR_F32, s2, 1, 2LL);
	tn_init(&t, "Sum");
	T_REJECT(&t, in, 2, 1, -EINVAL, "sum [3]+[2]");
	in[1] = tv(IR_F64, s2, 2, 2LL, 1LL);
	tn_init(&t, "Mean");
	T_REJECT(&t, in, 2, 1, -EINVAL, "mean mixed types");
	tn_init(&t, "Equal");
	in[1] = tv(IR_I32, s2, 2, 2LL, 1LL);
	T_REJECT(&t, in, 2, 1, -EINVAL, "equal mixed types");
	tn_init(&t, "And");
	in[1] = tv(IR_F32, s2, 2, 2LL, 1LL);
	T_REJECT(&t, in, 2, 1, -EINVAL, "and on floats");
}

int main(void)
{
	tap_run("compare_bcast", test_compare);
	tap_run("bool_logic", test_bool_logic);
	tap_run("where", test_where);
	tap_run("pow", test_pow);
	tap_run("mod", test_mod);
	tap_run("prelu_sum_mean", test_prelu_sum_mean);
	return tap_done("ops-logic");
}
