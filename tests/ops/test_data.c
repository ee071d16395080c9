// SPDX-License-Identifier: MIT
/*
 * Data movement and generators (op_data.c): Slice against a naive
 * Python-style slicer over many start/end/step combinations, Expand,
 * Tile, ConstantOfShape, Range, Split, Size, DepthToSpace/SpaceToDepth
 * against a reshape-transpose reference, GatherElements, CumSum, Trilu,
 * OneHot and TopK against a naive sort, plus rejections.
 */
#include <math.h>

#include "ops_test.h"

static int eval_n(struct tnode *t, struct ir_value *in, int n_in,
		  struct ir_value *out, int n_out)
{
	struct accel_err e;
	int r = t_eval(t, in, n_in, out, n_out, &e);

	CHECK(r == 0, "%s: %d %s", t->n.op_type, r, e.msg);
	return r;
}

static int eval(struct tnode *t, struct ir_value *in, int n_in,
		struct ir_value *out)
{
	return eval_n(t, in, n_in, out, 1);
}

/* Python semantics of x[start:end:step] over range(dim): the indices. */
static int py_slice(int64_t dim, int64_t st, int64_t en, int64_t step,
		    int64_t *idx)
{
	int cnt = 0;

	if (st < 0)
		st = st + dim < 0 ? (step < 0 ? -1 : 0) : st + dim;
	else if (st >= dim)
		st = step < 0 ? dim - 1 : dim;
	if (en < 0)
		en = en + dim < 0 ? (step < 0 ? -1 : 0) : en + dim;
	else if (en >= dim)
		en = step < 0 ? dim - 1 : dim;
	for (int64_t i = st; step > 0 ? i < en : i > en; i += step)
		idx[cnt++] = i;
	return cnt;
}

static void test_slice(void)
{
	static const int64_t vals[] = {
		INT64_MIN, -100, -7, -3, -1, 0, 1, 2, 5, 6, 7, 100, INT64_MAX
	};
	static const int64_t steps[] = { 1, 2, 3, -1, -2, -4, 7, -7, INT64_MIN };
	int32_t x[7];
	int cases = 0, nv = sizeof(vals) / sizeof(vals[0]);

	for (int i = 0; i < 7; i++)
		x[i] = 100 + i;
	for (int a = 0; a < nv; a++)
	for (int b = 0; b < nv; b++)
	for (size_t c = 0; c < sizeof(steps) / sizeof(steps[0]); c++) {
		int64_t st = vals[a], en = vals[b], sp = steps[c], idx[16];
		struct ir_value in[5], out[1];
		struct tnode t;
		int cnt = py_slice(7, st, en, sp == INT64_MIN ? -100 : sp, idx);

		in[0] = tv(IR_I32, x, 1, 7LL);
		in[1] = tv(IR_I64, &st, 1, 1LL);
		in[2] = tv(IR_I64, &en, 1, 1LL);
		in[3] = tv_none();
		in[4] = tv(IR_I64, &sp, 1, 1LL);
		tn_init(&t, "Slice");
		if (!eval(&t, in, 5, out)) {
			const int32_t *y = out[0].data;
			int ok = out[0].dims[0] == cnt;

			for (int i = 0; ok && i < cnt; i++)
				ok = y[i] == x[idx[i]];
			CHECK(ok, "slice [%lld:%lld:%lld] got %lld want %d",
			      (long long)st, (long long)en, (long long)sp,
			      (long long)out[0].dims[0], cnt);
			cases++;
		}
		t_free_outs(out, 1);
	}
	CHECK(cases == nv * nv * 9, "slice ran %d", cases);
	/* 2-D with axes (negative) and opset-1 attributes */
	{
		static const int64_t st[2] = { 1, 0 }, en[2] = { -1, 3 };
		static const int64_t ax[2] = { -1, 0 };
		struct ir_value in[5], out[1];
		struct tnode t;
		float m[12];

		for (int i = 0; i < 12; i++)
			m[i] = (float)i;	/* [3,4] */
		in[0] = tv(IR_F32, m, 2, 3LL, 4LL);
		in[1] = tv(IR_I64, st, 1, 2LL);
		in[2] = tv(IR_I64, en, 1, 2LL);
		in[3] = tv(IR_I64, ax, 1, 2LL);
		tn_init(&t, "Slice");
		if (!eval(&t, in, 4, out)) {
			/* rows 0..2 (ends 3), cols 1..2 */
			static const float w[6] = { 1, 2, 5, 6, 9, 10 };

			CHECK(out[0].dims[0] == 3 && out[0].dims[1] == 2 &&
			      t_close(out[0].data, w, 6, 0, "slice 2d"),
			      "slice 2d shape");
		}
		t_free_outs(out, 1);
		tn_init(&t, "Slice");
		tn_ints(&t, "starts", st, 2);
		tn_ints(&t, "ends", en, 2);
		tn_ints(&t, "axes", ax, 2);
		if (!eval(&t, in, 1, out))
			CHECK(out[0].dims[0] == 3 && out[0].dims[1] == 2 &&
			      ((float *)out[0].data)[5] == 10, "slice attrs");
		t_free_outs(out, 1);
		{
			static const int64_t zero[2] = { 1, 0 };
			static const int64_t rep[2] = { 1, -1 };

			in[3] = tv(IR_I64, rep, 1, 2LL);
			tn_init(&t, "Slice");
			T_REJECT(&t, in, 4, 1, -EINVAL, "slice repeated axis");
			in[3] = tv_none();
			in[4] = tv(IR_I64, zero, 1, 2LL);
			tn_init(&t, "Slice");
			T_REJECT(&t, in, 5, 1, -EINVAL, "slice step 0");
			in[4] = tv(IR_I64, zero, 1, 1LL);
			tn_init(&t, "Slice");
			T_REJECT(&t, in, 5, 1, -EINVAL, "slice steps count");
			in[1] = tv(IR_I64, NULL, 1, 2LL);
			tn_init(&t, "Slice");
			T_REJECT(&t, in, 3, 1, -EOPNOTSUPP, "slice starts unknown");
		}
	}
}

static void test_expand_tile_cos(void)
{
	static const int16_t x[3] = { 1, 2, 3 };	/* [3,1] */
	static const int64_t shape[3] = { 2, 1, 4 }, rep[2] = { 2, 3 };
	static const int64_t bad[2] = { 2, 2 }, neg[2] = { 1, -1 };
	struct ir_value in[2], out[1];
	struct tnode t;

	in[0] = tv(IR_I16, x, 2, 3LL, 1LL);
	in[1] = tv(IR_I64, shape, 1, 3LL);
	tn_init(&t, "Expand");
	if (!eval(&t, in, 2, out)) {
		const int16_t *y = out[0].data;
		int ok = out[0].rank == 3 && out[0].dims[0] == 2 &&
			 out[0].dims[1] == 3 && out[0].dims[2] == 4;

		for (int i = 0; ok && i < 24; i++)
			ok = y[i] == x[(i / 4) % 3];
		CHECK(ok, "expand [3,1] to [2,3,4]");
	}
	t_free_outs(out, 1);
	in[1] = tv(IR_I64, bad, 1, 2LL);
	tn_init(&t, "Expand");
	T_REJECT(&t, in, 2, 1, -EINVAL, "expand 3 vs 2");
	in[1] = tv(IR_I64, rep, 1, 2LL);
	tn_init(&t, "Tile");
	if (!eval(&t, in, 2, out)) {
		const int16_t *y = out[0].data;
		int ok = out[0].dims[0] == 6 && out[0].dims[1] == 3;

		for (int i = 0; ok && i < 18; i++)
			ok = y[i] == x[(i / 3) % 3];
		CHECK(ok, "tile [3,1] by [2,3]");
	}
	t_free_outs(out, 1);
	in[1] = tv(IR_I64, neg, 1, 2LL);
	tn_init(&t, "Tile");
	T_REJECT(&t, in, 2, 1, -EINVAL, "tile negative repeat");
	in[1] = tv(IR_I64, rep, 1, 1LL);
	tn_init(&t, "Tile");
	T_REJECT(&t, in, 2, 1, -EINVAL, "tile repeats length");
	{
		static const int64_t huge[2] = { INT64_MAX / 2, 3 };

		in[1] = tv(IR_I64, huge, 1, 2LL);
		tn_init(&t, "Tile");
		T_REJECT(&t, in, 2, 1, -EOVERFLOW, "tile overflow");
	}
	/* ConstantOfShape: default float 0, int32 value tensor */
	{
		static const int32_t seven = 7;
		struct ir_attr *a;

		in[0] = tv(IR_I64, rep, 1, 2LL);
		tn_init(&t, "ConstantOfShape");
		if (!eval(&t, in, 1, out)) {
			static const float z[6];

			CHECK(out[0].dtype == IR_F32 && out[0].dims[1] == 3 &&
			      !memcmp(out[0].data, z, sizeof(z)), "cos zero");
		}
		t_free_outs(out, 1);
		tn_init(&t, "ConstantOfShape");
		a = tn_attr(&t, "value", IR_ATTR_TENSOR);
		a->t = tv(IR_I32, &seven, 1, 1LL);
		if (!eval(&t, in, 1, out)) {
			const int32_t *y = out[0].data;
			int ok = out[0].dtype == IR_I32;

			for (int i = 0; ok && i < 6; i++)
				ok = y[i] == 7;
			CHECK(ok, "cos int32 7");
		}
		t_free_outs(out, 1);
		in[0] = tv(IR_I64, neg, 1, 2LL);
		tn_init(&t, "ConstantOfShape");
		T_REJECT(&t, in, 1, 1, -EINVAL, "cos negative dim");
		in[0] = tv(IR_I64, rep, 1, 2LL);
		tn_init(&t, "ConstantOfShape");
		a = tn_attr(&t, "value", IR_ATTR_TENSOR);
		a->t = tv(IR_I32, x, 1, 2LL);
		T_REJECT(&t, in, 1, 1, -EINVAL, "cos value of 2 elements");
	}
}

static void test_range_split_size(void)
{
	static const int32_t s = 10, l = 1, d = -3;
	static const float fs = 1, fl = 2, fd = 0.25f;
	static const int64_t z = 0, i5 = 5, i0 = 0;
	struct ir_value in[3], out[3];
	struct tnode t;
	float x[10];

	in[0] = tv(IR_I32, &s, 0);
	in[1] = tv(IR_I32, &l, 0);
	in[2] = tv(IR_I32, &d, 0);
	tn_init(&t, "Range");
	if (!eval(&t, in, 3, out)) {
		const int32_t *y = out[0].data;

		CHECK(out[0].dims[0] == 3 && y[0] == 10 && y[1] == 7 &&
		      y[2] == 4, "range int32 10..1 step -3");
	}
	t_free_outs(out, 1);
	in[0] = tv(IR_F32, &fs, 0);
	in[1] = tv(IR_F32, &fl, 0);
	in[2] = tv(IR_F32, &fd, 0);
	tn_init(&t, "Range");
	if (!eval(&t, in, 3, out)) {
		static const float w[4] = { 1, 1.25f, 1.5f, 1.75f };

		CHECK(out[0].dims[0] == 4 &&
		      t_close(out[0].data, w, 4, 0, "range f32"), "range f32");
	}
	t_free_outs(out, 1);
	in[0] = tv(IR_I64, &i5, 0);
	in[1] = tv(IR_I64, &i0, 0);
	in[2] = tv(IR_I64, &i5, 0);
	tn_init(&t, "Range");
	if (!eval(&t, in, 3, out))
		CHECK(out[0].dims[0] == 0, "range empty");
	t_free_outs(out, 1);
	in[2] = tv(IR_I64, &z, 0);
	tn_init(&t, "Range");
	T_REJECT(&t, in, 3, 1, -EINVAL, "range delta 0");
	in[2] = tv(IR_I64, NULL, 0);
	tn_init(&t, "Range");
	T_REJECT(&t, in, 3, 1, -EOPNOTSUPP, "range delta unknown");
	{
		static const int64_t lo = INT64_MIN, hi = INT64_MAX, one = 1;

		in[0] = tv(IR_I64, &lo, 0);
		in[1] = tv(IR_I64, &hi, 0);
		in[2] = tv(IR_I64, &one, 0);
		tn_init(&t, "Range");
		T_REJECT(&t, in, 3, 1, -EOVERFLOW, "range overflow");
	}
	/* Split [2,5] along axis 1 */
	for (int i = 0; i < 10; i++)
		x[i] = (float)i;
	{
		static const int64_t sp[3] = { 1, 3, 1 }, sp2[2] = { 2, 2 };

		in[0] = tv(IR_F32, x, 2, 2LL, 5LL);
		in[1] = tv(IR_I64, sp, 1, 3LL);
		tn_init(&t, "Split");
		tn_int(&t, "axis", 1);
		if (!eval_n(&t, in, 2, out, 3)) {
			static const float w1[6] = { 1, 2, 3, 6, 7, 8 };

			CHECK(out[0].dims[1] == 1 && out[1].dims[1] == 3 &&
			      out[2].dims[1] == 1 &&
			      ((float *)out[0].data)[1] == 5 &&
			      ((float *)out[2].data)[1] == 9 &&
			      t_close(out[1].data, w1, 6, 0, "split mid"),
			      "split input sizes");
		}
		t_free_outs(out, 3);
		tn_init(&t, "Split");
		tn_int(&t, "axis", -1);
		tn_ints(&t, "split", sp, 3);
		if (!eval_n(&t, in, 1, out, 3))
			CHECK(out[1].dims[1] == 3 &&
			      ((float *)out[1].data)[3] == 6, "split attr");
		t_free_outs(out, 3);
		tn_init(&t, "Split");
		tn_int(&t, "axis", 1);
		T_REJECT(&t, in, 1, 2, -EINVAL, "split 5 into 2");
		tn_init(&t, "Split");
		tn_int(&t, "axis", 1);
		tn_int(&t, "num_outputs", 2);
		if (!eval_n(&t, in, 1, out, 2))
			CHECK(out[0].dims[1] == 3 && out[1].dims[1] == 2 &&
			      ((float *)out[1].data)[0] == 3, "num_outputs");
		t_free_outs(out, 2);
		in[1] = tv(IR_I64, sp2, 1, 2LL);
		tn_init(&t, "Split");
		tn_int(&t, "axis", 1);
		T_REJECT(&t, in, 2, 2, -EINVAL, "split sums to 4");
		tn_init(&t, "Split");
		tn_int(&t, "axis", 0);
		if (!eval_n(&t, in, 1, out, 2))
			CHECK(((float *)out[1].data)[0] == 5, "split axis 0");
		t_free_outs(out, 2);
	}
	in[0] = tv(IR_F32, x, 3, 2LL, 5LL, 0LL);
	tn_init(&t, "Size");
	if (!eval(&t, in, 1, out))
		CHECK(out[0].rank == 0 && out[0].dtype == IR_I64 &&
		      *(int64_t *)out[0].data == 0, "size of empty");
	t_free_outs(out, 1);
	in[0] = tv(IR_F32, x, 2, 2LL, 5LL);
	tn_init(&t, "Size");
	if (!eval(&t, in, 1, out))
		CHECK(*(int64_t *)out[0].data == 10, "size 10");
	t_free_outs(out, 1);
}

/* y = transpose(reshape(x, r6), perm) for a 6-D reshape, as in the spec. */
static void ref_t6(const float *x, const int64_t *r6, const int *perm,
		   float *y)
{
	int64_t str[6], idx[6] = { 0 }, od[6], n = 1;

	for (int d = 5; d >= 0; d--) {
		str[d] = n;
		n *= r6[d];
	}
	for (int d = 0; d < 6; d++)
		od[d] = r6[perm[d]];
	for (int64_t i = 0; i < n; i++) {
		int64_t off = 0;

		for (int d = 0; d < 6; d++)
			off += idx[d] * str[perm[d]];
		y[i] = x[off];
		for (int d = 5; d >= 0; d--) {
			if (++idx[d] < od[d])
				break;
			idx[d] = 0;
		}
	}
}

static void test_depth_space(void)
{
	/* N=2, C=8, H=2, W=3, blocksize 2 */
	static const int dcr[6] = { 0, 3, 4, 1, 5, 2 };
	static const int crd[6] = { 0, 1, 4, 2, 5, 3 };
	static const int s2d[6] = { 0, 3, 5, 1, 2, 4 };
	static const int64_t rd[6] = { 2, 2, 2, 2, 2, 3 };
	static const int64_t rc[6] = { 2, 2, 2, 2, 2, 3 };
	static const int64_t rs[6] = { 2, 2, 2, 2, 3, 2 };
	float x[96], w[96], back[96];
	struct ir_value in[1], out[1];
	struct tnode t;

	for (int i = 0; i < 96; i++)
		x[i] = (float)i;
	in[0] = tv(IR_F32, x, 4, 2LL, 8LL, 2LL, 3LL);
	for (int m = 0; m < 2; m++) {
		ref_t6(x, m ? rc : rd, m ? crd : dcr, w);
		tn_init(&t, "DepthToSpace");
		tn_int(&t, "blocksize", 2);
		if (m)
			tn_str(&t, "mode", "CRD");
		if (!eval(&t, in, 1, out))
			CHECK(out[0].dims[1] == 2 && out[0].dims[2] == 4 &&
			      out[0].dims[3] == 6 &&
			      t_close(out[0].data, w, 96, 0,
				      m ? "d2s CRD" : "d2s DCR"), "d2s shape");
		if (!m && out[0].data) {
			/* SpaceToDepth inverts DCR */
			struct ir_value o2[1];
			struct ir_value i2 = out[0];

			memcpy(back, out[0].data, sizeof(back));
			i2.data = back;
			tn_init(&t, "SpaceToDepth");
			tn_int(&t, "blocksize", 2);
			if (!eval(&t, &i2, 1, o2))
				t_close(o2[0].data, x, 96, 0, "s2d(d2s(x))");
			t_free_outs(o2, 1);
		}
		t_free_outs(out, 1);
	}
	/* SpaceToDepth of [2,2,4,6] against reshape/transpose */
	in[0] = tv(IR_F32, x, 4, 2LL, 2LL, 4LL, 6LL);
	{
		static const int64_t r6[6] = { 2, 2, 2, 2, 3, 2 };

		(void)rs;
		ref_t6(x, r6, s2d, w);
	}
	tn_init(&t, "SpaceToDepth");
	tn_int(&t, "blocksize", 2);
	if (!eval(&t, in, 1, out))
		CHECK(out[0].dims[1] == 8 && out[0].dims[2] == 2 &&
		      t_close(out[0].data, w, 96, 0, "s2d"), "s2d shape");
	t_free_outs(out, 1);
	tn_init(&t, "SpaceToDepth");
	tn_int(&t, "blocksize", 4);
	T_REJECT(&t, in, 1, 1, -EINVAL, "s2d H not divisible");
	in[0] = tv(IR_F32, x, 4, 2LL, 6LL, 2LL, 3LL);
	tn_init(&t, "DepthToSpace");
	tn_int(&t, "blocksize", 2);
	T_REJECT(&t, in, 1, 1, -EINVAL, "d2s C not divisible");
	tn_init(&t, "DepthToSpace");
	T_REJECT(&t, in, 1, 1, -EINVAL, "d2s no blocksize");
	tn_init(&t, "DepthToSpace");
	tn_int(&t, "blocksize", 1);
	tn_str(&t, "mode", "XYZ");
	T_REJECT(&t, in, 1, 1, -EINVAL, "d2s bad mode");
}

static void test_gather_cumsum_trilu(void)
{
	static const float data[4] = { 1, 2, 3, 4 };
	static const int64_t idx[4] = { 0, 0, 1, 0 }, bad[4] = { 0, 2, 0, 0 };
	static const int32_t nidx[2] = { -1, -2 };
	static const int32_t cx[5] = { 1, 2, 3, 4, 5 };
	static const int64_t ax0 = 0, k1 = 1, km1 = -1;
	struct ir_value in[2], out[1];
	struct accel_err e;
	struct tnode t;

	in[0] = tv(IR_F32, data, 2, 2LL, 2LL);
	in[1] = tv(IR_I64, idx, 2, 2LL, 2LL);
	tn_init(&t, "GatherElements");
	tn_int(&t, "axis", 1);
	if (!eval(&t, in, 2, out)) {
		static const float w[4] = { 1, 1, 4, 3 };	/* spec */

		t_close(out[0].data, w, 4, 0, "gather_elements axis 1");
	}
	t_free_outs(out, 1);
	in[1] = tv(IR_I32, nidx, 2, 1LL, 2LL);
	tn_init(&t, "GatherElements");
	if (!eval(&t, in, 2, out)) {
		static const float w[2] = { 3, 2 };

		CHECK(out[0].dims[0] == 1 && out[0].dims[1] == 2 &&
		      t_close(out[0].data, w, 2, 0, "ge neg"), "ge neg shape");
	}
	t_free_outs(out, 1);
	in[1] = tv(IR_I64, bad, 2, 2LL, 2LL);
	tn_init(&t, "GatherElements");
	tn_int(&t, "axis", 1);
	CHECK(t_eval(&t, in, 2, out, 1, &e) == -EINVAL &&
	      strstr(e.msg, "GatherElements"), "ge index out of range");
	t_free_outs(out, 1);
	in[1] = tv(IR_I64, bad, 1, 4LL);
	tn_init(&t, "GatherElements");
	T_REJECT(&t, in, 2, 1, -EINVAL, "ge rank mismatch");
	/* CumSum */
	in[0] = tv(IR_I32, cx, 1, 5LL);
	in[1] = tv(IR_I64, &ax0, 0);
	for (int m = 0; m < 4; m++) {
		static const int32_t w[4][5] = {
			{ 1, 3, 6, 10, 15 }, { 0, 1, 3, 6, 10 },
			{ 15, 14, 12, 9, 5 }, { 14, 12, 9, 5, 0 },
		};

		tn_init(&t, "CumSum");
		tn_int(&t, "exclusive", m & 1);
		tn_int(&t, "reverse", m >> 1);
		if (!eval(&t, in, 2, out))
			CHECK(!memcmp(out[0].data, w[m], sizeof(w[m])),
			      "cumsum mode %d", m);
		t_free_outs(out, 1);
	}
	{
		static const float f[6] = { 1, 2, 3, 4, 5, 6 };
		static const float w[6] = { 1, 2, 3, 5, 7, 9 };

		in[0] = tv(IR_F32, f, 2, 2LL, 3LL);
		tn_init(&t, "CumSum");
		if (!eval(&t, in, 2, out))
			t_close(out[0].data, w, 6, 0, "cumsum axis 0 2d");
		t_free_outs(out, 1);
		in[1] = tv(IR_I64, &k1, 1, 1LL);
		{
			static const float w1[6] = { 1, 3, 6, 4, 9, 15 };

			tn_init(&t, "CumSum");
			if (!eval(&t, in, 2, out))
				t_close(out[0].data, w1, 6, 0, "cumsum axis 1");
			t_free_outs(out, 1);
		}
		in[1] = tv(IR_F32, f, 0);
		tn_init(&t, "CumSum");
		T_REJECT(&t, in, 2, 1, -EINVAL, "cumsum float axis");
	}
	/* Trilu on [3,4] */
	{
		int32_t m[12];
		static const int32_t up1[12] = {
			0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12 };
		static const int32_t lo_m1[12] = {
			0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0 };

		for (int i = 0; i < 12; i++)
			m[i] = i + 1;
		in[0] = tv(IR_I32, m, 2, 3LL, 4LL);
		in[1] = tv(IR_I64, &k1, 0);
		tn_init(&t, "Trilu");
		if (!eval(&t, in, 2, out))
			CHECK(!memcmp(out[0].data, up1, sizeof(up1)),
			      "triu k=1");
		t_free_outs(out, 1);
		in[1] = tv(IR_I64, &km1, 0);
		tn_init(&t, "Trilu");
		tn_int(&t, "upper", 0);
		if (!eval(&t, in, 2, out))
			CHECK(!memcmp(out[0].data, lo_m1, sizeof(lo_m1)),
			      "tril k=-1");
		t_free_outs(out, 1);
		tn_init(&t, "Trilu");
		if (!eval(&t, in, 1, out)) {
			int ok = 1;

			for (int i = 0; i < 12; i++)
				ok &= ((int32_t *)out[0].data)[i] ==
				      (i % 4 >= i / 4 ? m[i] : 0);
			CHECK(ok, "triu default k");
		}
		t_free_outs(out, 1);
		in[0] = tv(IR_I32, m, 1, 12LL);
		tn_init(&t, "Trilu");
		T_REJECT(&t, in, 1, 1, -EINVAL, "trilu rank 1");
	}
}

static void test_onehot_topk(void)
{
	static const int64_t ind[3] = { 0, -1, 5 };
	static const float depth = 3, vals[2] = { -1, 7 };
	struct ir_value in[3], out[2];
	struct tnode t;

	in[0] = tv(IR_I64, ind, 1, 3LL);
	in[1] = tv(IR_F32, &depth, 0);
	in[2] = tv(IR_F32, vals, 1, 2LL);
	tn_init(&t, "OneHot");
	if (!eval(&t, in, 3, out)) {
		/* rows: 0 -> col 0, -1 -> col 2, 5 out of range -> none */
		static const float w[9] = { 7, -1, -1, -1, -1, 7, -1, -1, -1 };

		CHECK(out[0].dims[0] == 3 && out[0].dims[1] == 3 &&
		      t_close(out[0].data, w, 9, 0, "onehot"), "onehot shape");
	}
	t_free_outs(out, 1);
	tn_init(&t, "OneHot");
	tn_int(&t, "axis", 0);
	if (!eval(&t, in, 3, out)) {
		static const float w[9] = { 7, -1, -1, -1, -1, -1, -1, 7, -1 };

		t_close(out[0].data, w, 9, 0, "onehot axis 0");
	}
	t_free_outs(out, 1);
	in[1] = tv(IR_F32, NULL, 0);
	tn_init(&t, "OneHot");
	T_REJECT(&t, in, 3, 1, -EOPNOTSUPP, "onehot depth unknown");
	in[1] = tv(IR_F32, vals, 0);
	tn_init(&t, "OneHot");
	T_REJECT(&t, in, 3, 1, -EINVAL, "onehot depth -1");
	/* TopK on [3,7] random ints with ties vs a naive stable sort */
	{
		float x[21];
		uint64_t s = 9;
		static const int64_t k3 = 3, k9 = 9;

		for (int i = 0; i < 21; i++)
			x[i] = (float)t_randi(&s, 0, 4);
		for (int largest = 0; largest < 2; largest++) {
			in[0] = tv(IR_F32, x, 2, 3LL, 7LL);
			in[1] = tv(IR_I64, &k3, 1, 1LL);
			tn_init(&t, "TopK");
			tn_int(&t, "largest", largest);
			if (!eval_n(&t, in, 2, out, 2)) {
				const float *v = out[0].data;
				const int64_t *ix = out[1].data;
				int ok = out[0].dims[1] == 3 &&
					 out[1].dtype == IR_I64;

				for (int r = 0; ok && r < 3; r++) {
					bool used[7] = { false };

					for (int j = 0; j < 3; j++) {
						int best = -1;

						for (int c = 0; c < 7; c++) {
							float a = x[r * 7 + c];

							if (used[c])
								continue;
							if (best < 0 ||
							    (largest ? a > x[r * 7 + best]
								     : a < x[r * 7 + best]))
								best = c;
						}
						used[best] = true;
						ok &= ix[r * 3 + j] == best &&
						      v[r * 3 + j] == x[r * 7 + best];
					}
				}
				CHECK(ok, "topk largest=%d", largest);
			}
			t_free_outs(out, 2);
		}
		in[1] = tv(IR_I64, &k9, 1, 1LL);
		tn_init(&t, "TopK");
		T_REJECT(&t, in, 2, 2, -EINVAL, "topk K > dim");
		in[1] = tv(IR_I64, &k3, 1, 1LL);
		tn_init(&t, "TopK");
		tn_int(&t, "axis", 0);
		if (!eval_n(&t, in, 2, out, 2))
			CHECK(out[0].dims[0] == 3 && out[0].dims[1] == 7,
			      "topk axis 0 shape");
		t_free_outs(out, 2);
	}
}

int main(void)
{
	tap_run("slice", test_slice);
	tap_run("expand_tile_constant_of_shape", test_expand_tile_cos);
	tap_run("range_split_size", test_range_split_size);
	tap_run("depth_space", test_depth_space);
	tap_run("gather_elements_cumsum_trilu", test_gather_cumsum_trilu);
	tap_run("onehot_topk", test_onehot_topk);
	return tap_done("ops-data");
}
