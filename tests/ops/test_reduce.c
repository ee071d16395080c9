// SPDX-License-Identifier: MIT
/*
 * Reductions (op_reduce.c): every Reduce* op over every axis subset of a
 * [3,4,5] tensor against a naive reference, integer reductions, axes as
 * input, noop_with_empty_axes, ArgMax/ArgMin ties, GlobalMaxPool,
 * LogSoftmax/Hardmax against naive formulas, and rejections.
 */
#include <math.h>

#include "ops_test.h"

static const char *const rops[] = {
	"ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd", "ReduceL1",
	"ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare",
};

/* Naive reference of reduction @k over the elements vals[0..cnt). */
static double ref_reduce(int k, const double *v, int cnt)
{
	double acc = k == 0 ? -INFINITY : (k == 1 ? INFINITY :
		     (k == 3 ? 1 : 0));

	for (int i = 0; i < cnt; i++) {
		switch (k) {
		case 0: acc = fmax(acc, v[i]); break;
		case 1: acc = fmin(acc, v[i]); break;
		case 3: acc *= v[i]; break;
		case 4: acc += fabs(v[i]); break;
		case 5: case 8: acc += v[i] * v[i]; break;
		case 7: acc += exp(v[i]); break;
		default: acc += v[i]; break;
		}
	}
	return k == 5 ? sqrt(acc) : (k == 6 || k == 7) ? log(acc) : acc;
}

static int eval(struct tnode *t, struct ir_value *in, int n_in,
		struct ir_value *out)
{
	struct accel_err e;
	int r = t_eval(t, in, n_in, out, 1, &e);

	CHECK(r == 0, "%s: %d %s", t->n.op_type, r, e.msg);
	return r;
}

static void test_reduce_all_axes(void)
{
	static const int64_t dims[3] = { 3, 4, 5 };
	float x[60];
	uint64_t s = 11;
	int cases = 0;

	for (int i = 0; i < 60; i++)
		x[i] = 0.25f + (float)(t_rand(&s) % 1000) / 1000.0f;
	for (int k = 0; k < 9; k++)
	for (int mask = 0; mask < 8; mask++)
	for (int keep = 0; keep < 2; keep++) {
		int64_t axes[3], odims[3], orank = 0;
		struct ir_value in[2], out[1];
		float want[60];
		struct tnode t;
		size_t na = 0;
		int ocnt = 1;

		for (int d = 0; d < 3; d++) {
			bool red = !mask || (mask & (1 << d));

			if (mask & (1 << d))
				axes[na++] = d == 2 ? -1 : d;
			if (!red)
				odims[orank++] = dims[d];
			else if (keep)
				odims[orank++] = 1;
		}
		/* reference: group input elements by output index */
		for (int o = 0; o < 60; o++) {
			int oi[3] = { o / 20, (o / 5) % 4, o % 5 };
			double v[60];
			int cnt = 0, lin = 0, skip = 0;

			for (int d = 0; d < 3; d++)
				if ((!mask || (mask & (1 << d))) && oi[d])
					skip = 1;
			if (skip)
				continue;
			for (int i = 0; i < 60; i++) {
				int ii[3] = { i / 20, (i / 5) % 4, i % 5 };
				int same = 1;

				for (int d = 0; d < 3; d++)
					if (mask && !(mask & (1 << d)) &&
					    ii[d] != oi[d])
						same = 0;
				if (same)
					v[cnt++] = x[i];
			}
			for (int d = 0; d < 3; d++)
				if (mask && !(mask & (1 << d)))
					lin = lin * (int)dims[d] + oi[d];
			want[lin] = (float)ref_reduce(k, v, cnt);
		}
		for (int d = 0; d < 3; d++)
			if (mask && !(mask & (1 << d)))
				ocnt *= (int)dims[d];
		in[0] = tv(IR_F32, x, 3, 3LL, 4LL, 5LL);
		tn_init(&t, rops[k]);
		tn_int(&t, "keepdims", keep);
		/* axes as attribute for odd masks, as input otherwise */
		if (mask & 1) {
			if (na)
				tn_ints(&t, "axes", axes, na);
			if (!eval(&t, in, 1, out))
				cases++;
		} else {
			in[1] = tv(IR_I64, axes, 1, (int64_t)na);
			if (!eval(&t, in, 2, out))
				cases++;
		}
		if (out[0].data) {
			CHECK(out[0].rank == (int)orank, "%s mask %d keep %d rank %d",
			      rops[k], mask, keep, out[0].rank);
			for (int d = 0; d < orank && d < out[0].rank; d++)
				CHECK(out[0].dims[d] == odims[d],
				      "%s mask %d keep %d dim %d", rops[k], mask,
				      keep, d);
			t_close(out[0].data, want, ocnt, 1e-5f, rops[k]);
		}
		t_free_outs(out, 1);
	}
	CHECK(cases == 9 * 8 * 2, "ran %d cases", cases);
}

static void test_reduce_int_noop(void)
{
	static const int32_t x[6] = { 3, -7, 2, 5, 0, -1 };	/* [2,3] */
	static const int64_t ax1[1] = { 1 }, none[1] = { 0 };
	static const float fx[4] = { 1, 2, 3, 4 };
	struct ir_value in[2], out[1];
	struct tnode t;

	in[0] = tv(IR_I32, x, 2, 2LL, 3LL);
	tn_init(&t, "ReduceSum");
	tn_ints(&t, "axes", ax1, 1);
	tn_int(&t, "keepdims", 0);
	if (!eval(&t, in, 1, out)) {
		const int32_t *y = out[0].data;

		CHECK(out[0].dtype == IR_I32 && out[0].rank == 1 &&
		      y[0] == -2 && y[1] == 4, "reducesum i32");
	}
	t_free_outs(out, 1);
	tn_init(&t, "ReduceMax");
	tn_ints(&t, "axes", ax1, 1);
	if (!eval(&t, in, 1, out)) {
		const int32_t *y = out[0].data;

		CHECK(out[0].rank == 2 && y[0] == 3 && y[1] == 5, "reducemax i32");
	}
	t_free_outs(out, 1);
	tn_init(&t, "ReduceProd");
	if (!eval(&t, in, 1, out))
		CHECK(*(int32_t *)out[0].data == 0, "reduceprod i32 all");
	t_free_outs(out, 1);
	/* empty axes input with noop_with_empty_axes: identity */
	in[0] = tv(IR_F32, fx, 2, 2LL, 2LL);
	in[1] = tv(IR_I64, none, 1, 0LL);
	tn_init(&t, "ReduceSum");
	tn_int(&t, "noop_with_empty_axes", 1);
	if (!eval(&t, in, 2, out))
		CHECK(out[0].rank == 2 &&
		      t_close(out[0].data, fx, 4, 0, "noop"), "noop shape");
	t_free_outs(out, 1);
	tn_init(&t, "ReduceSum");
	if (!eval(&t, in, 2, out))
		CHECK(out[0].rank == 2 && out[0].dims[0] == 1 &&
		      *(float *)out[0].data == 10, "empty axes: all");
	t_free_outs(out, 1);
	/* rejections */
	tn_init(&t, "ReduceL2");
	in[0] = tv(IR_I32, x, 2, 2LL, 3LL);
	T_REJECT(&t, in, 1, 1, -EOPNOTSUPP, "reducel2 int32");
	in[0] = tv(IR_F32, fx, 2, 2LL, 2LL);
	in[1] = tv(IR_I64, ax1, 1, 1LL);
	tn_init(&t, "ReduceMin");
	tn_ints(&t, "axes", ax1, 1);
	T_REJECT(&t, in, 2, 1, -EINVAL, "axes attribute and input");
	{
		static const int64_t rep[2] = { 1, -1 }, big[1] = { 2 };

		tn_init(&t, "ReduceMin");
		tn_ints(&t, "axes", rep, 2);
		T_REJECT(&t, in, 1, 1, -EINVAL, "repeated axis");
		tn_init(&t, "ReduceMin");
		tn_ints(&t, "axes", big, 1);
		T_REJECT(&t, in, 1, 1, -EINVAL, "axis out of range");
	}
	in[1] = tv(IR_I64, NULL, 1, 1LL);
	tn_init(&t, "ReduceSum");
	T_REJECT(&t, in, 2, 1, -EOPNOTSUPP, "axes unknown at plan time");
}

static void test_argmax(void)
{
	/* [2,4] with ties */
	static const float x[8] = { 1, 5, 5, 0, -1, -3, 2, -3 };
	static const int32_t ix[4] = { 4, 1, 4, 1 };
	struct ir_value in[1], out[1];
	struct tnode t;

	in[0] = tv(IR_F32, x, 2, 2LL, 4LL);
	for (int c = 0; c < 8; c++) {
		bool max = c & 1, last = c & 2, ax0 = c & 4;
		int64_t w[4];
		int nw;

		tn_init(&t, max ? "ArgMax" : "ArgMin");
		tn_int(&t, "axis", ax0 ? 0 : -1);
		tn_int(&t, "keepdims", 0);
		if (last)
			tn_int(&t, "select_last_index", 1);
		if (ax0) {
			nw = 4;
			for (int j = 0; j < 4; j++) {
				float a = x[j], b = x[4 + j];

				w[j] = max ? (b > a || (last && b == a))
					   : (b < a || (last && b == a));
			}
		} else {
			/* hand-computed: rows {1,5,5,0} and {-1,-3,2,-3} */
			nw = 2;
			w[0] = max ? (last ? 2 : 1) : 3;
			w[1] = max ? 2 : (last ? 3 : 1);
		}
		if (!eval(&t, in, 1, out)) {
			CHECK(out[0].dtype == IR_I64 && out[0].rank == 1 &&
			      out[0].dims[0] == nw, "arg shape case %d", c);
			CHECK(!memcmp(out[0].data, w, (size_t)nw * 8),
			      "arg case %d", c);
		}
		t_free_outs(out, 1);
	}
	in[0] = tv(IR_I32, ix, 2, 1LL, 4LL);
	tn_init(&t, "ArgMax");
	tn_int(&t, "axis", 1);
	tn_int(&t, "select_last_index", 1);
	if (!eval(&t, in, 1, out))
		CHECK(out[0].rank == 2 && *(int64_t *)out[0].data == 2,
		      "argmax i32 last");
	t_free_outs(out, 1);
	in[0] = tv(IR_F32, x, 2, 2LL, 0LL);
	tn_init(&t, "ArgMax");
	tn_int(&t, "axis", 1);
	T_REJECT(&t, in, 1, 1, -EINVAL, "argmax over empty axis");
}

static void test_axis_ops(void)
{
	float x[24], ls[24], hm[24], gmp[6];
	struct ir_value in[1], out[1];
	struct tnode t;
	uint64_t s = 5;

	for (int i = 0; i < 24; i++)
		x[i] = (float)t_randi(&s, -3, 3);
	/* [2,3,4]: LogSoftmax/Hardmax along axis 1 (opset 13) */
	for (int a = 0; a < 2; a++)
		for (int c = 0; c < 4; c++) {
			double sum = 0, mx = -INFINITY;
			int arg = -1;

			for (int b = 0; b < 3; b++) {
				double v = x[(a * 3 + b) * 4 + c];

				sum += exp(v);
				if (v > mx) {
					mx = v;
					arg = b;
				}
			}
			for (int b = 0; b < 3; b++) {
				int i = (a * 3 + b) * 4 + c;

				ls[i] = (float)(x[i] - log(sum));
				hm[i] = b == arg;
			}
		}
	in[0] = tv(IR_F32, x, 3, 2LL, 3LL, 4LL);
	tn_init(&t, "LogSoftmax");
	t.n.opset = 13;
	tn_int(&t, "axis", 1);
	if (!eval(&t, in, 1, out))
		t_close(out[0].data, ls, 24, 1e-5f, "logsoftmax axis 1");
	t_free_outs(out, 1);
	tn_init(&t, "Hardmax");
	t.n.opset = 13;
	tn_int(&t, "axis", 1);
	if (!eval(&t, in, 1, out))
		t_close(out[0].data, hm, 24, 0, "hardmax axis 1 first max");
	t_free_outs(out, 1);
	/* opset 11 semantics: axis 1 flattens [3,4] into one row of 12 */
	for (int a = 0; a < 2; a++) {
		double sum = 0;

		for (int i = 0; i < 12; i++)
			sum += exp(x[a * 12 + i]);
		for (int i = 0; i < 12; i++)
			ls[a * 12 + i] = (float)(x[a * 12 + i] - log(sum));
	}
	tn_init(&t, "LogSoftmax");
	t.n.opset = 11;
	if (!eval(&t, in, 1, out))
		t_close(out[0].data, ls, 24, 1e-5f, "logsoftmax opset 11");
	t_free_outs(out, 1);
	/* GlobalMaxPool over [2,3,4] -> [2,3,1] */
	for (int p = 0; p < 6; p++) {
		gmp[p] = -INFINITY;
		for (int i = 0; i < 4; i++)
			gmp[p] = fmaxf(gmp[p], x[p * 4 + i]);
	}
	tn_init(&t, "GlobalMaxPool");
	if (!eval(&t, in, 1, out))
		CHECK(out[0].rank == 3 && out[0].dims[2] == 1 &&
		      t_close(out[0].data, gmp, 6, 0, "gmp"), "gmp shape");
	t_free_outs(out, 1);
	in[0] = tv(IR_F32, x, 2, 2LL, 12LL);
	tn_init(&t, "GlobalMaxPool");
	T_REJECT(&t, in, 1, 1, -EINVAL, "gmp rank 2");
	in[0] = tv(IR_F32, x, 0);
	tn_init(&t, "LogSoftmax");
	T_REJECT(&t, in, 1, 1, -EINVAL, "logsoftmax scalar");
}

int main(void)
{
	tap_run("reduce_all_axes", test_reduce_all_axes);
	tap_run("reduce_int_noop", test_reduce_int_noop);
	tap_run("argmax_argmin", test_argmax);
	tap_run("logsoftmax_hardmax_gmp", test_axis_ops);
	return tap_done("ops-reduce");
}
