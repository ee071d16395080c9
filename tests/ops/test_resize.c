// SPDX-License-Identifier: MIT
/*
 * Resize and Upsample (op_resize.c): hand-computed cases (the Upsample
 * spec's examples, every nearest_mode, tf_crop_and_resize extrapolation, a
 * cubic weight worked out by hand, integer truncation, axes and
 * keep_aspect_ratio_policy, the opset-10 layout), seeded random cases
 * against a naive reference written from the spec (recursive 1-D
 * interpolation over the n nearest neighbours of an edge-padded axis), and
 * rejections of every invalid operand.
 */
#include <math.h>

#include "ops_test.h"

enum { M_NEAREST, M_LINEAR, M_CUBIC };

static const char *const mode_names[] = { "nearest", "linear", "cubic" };
static const char *const coord_names[] = {
	"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
	"tf_half_pixel_for_nn", "half_pixel_symmetric", "tf_crop_and_resize",
};
static const char *const nearest_names[] = {
	"round_prefer_floor", "round_prefer_ceil", "floor", "ceil",
};

/* ---- naive reference, from the operator description ---- */

struct ref {
	int rank;
	const int64_t *in, *out;
	const float *x;
	double scale[IR_MAX_RANK];	/* per axis */
	double roi_st[IR_MAX_RANK], roi_en[IR_MAX_RANK];
	int mode, coord, nearest;	/* indices into the name tables */
	double a, extrap;
	int exclude;
	int64_t stride[IR_MAX_RANK];
};

static double ref_orig(const struct ref *R, int ax, double xr)
{
	double s = R->scale[ax], lin = (double)R->in[ax];
	double lout = s * lin;	/* the spec's length_resized */
	const char *c = coord_names[R->coord];

	if (!strcmp(c, "half_pixel"))
		return (xr + 0.5) / s - 0.5;
	if (!strcmp(c, "pytorch_half_pixel"))
		return lout > 1 ? (xr + 0.5) / s - 0.5 : 0;
	if (!strcmp(c, "align_corners"))
		return lout == 1 ? 0 : xr * (lin - 1) / (lout - 1);
	if (!strcmp(c, "asymmetric"))
		return xr / s;
	if (!strcmp(c, "tf_half_pixel_for_nn"))
		return (xr + 0.5) / s;
	if (!strcmp(c, "half_pixel_symmetric")) {
		double adj = (double)R->out[ax] / lout, ctr = lin / 2;

		return ctr * (1 - adj) + (xr + 0.5) / s - 0.5;
	}
	/* tf_crop_and_resize */
	if (lout > 1)
		return R->roi_st[ax] * (lin - 1) +
		       xr * (R->roi_en[ax] - R->roi_st[ax]) * (lin - 1) /
		       (lout - 1);
	return 0.5 * (R->roi_st[ax] + R->roi_en[ax]) * (lin - 1);
}

/* Keys' cubic convolution kernel with parameter A. */
static double keys(double A, double d)
{
	d = fabs(d);
	if (d < 1)
		return (A + 2) * d * d * d - (A + 3) * d * d + 1;
	if (d < 2)
		return A * d * d * d - 5 * A * d * d + 8 * A * d - 4 * A;
	return 0;
}

/* The @cnt integers nearest to @x (ties: the smaller), ascending. */
static void nearest_ints(double x, int cnt, int64_t *idx)
{
	int64_t lo = (int64_t)floor(x), hi = lo + 1;
	int k = 0;

	if (x == floor(x)) {
		idx[0] = lo;
		lo--;
		k = 1;
	}
	while (k < cnt) {
		if (x - (double)lo <= (double)hi - x)
			idx[k++] = lo--;
		else
			idx[k++] = hi++;
	}
	for (int i = 0; i < cnt; i++)	/* sort */
		for (int j = i + 1; j < cnt; j++)
			if (idx[j] < idx[i]) {
				int64_t t = idx[i];

				idx[i] = idx[j];
				idx[j] = t;
			}
}

static double ref_axis(const struct ref *R, const int64_t *o, int ax,
		       int64_t base)
{
	double x, r, c[4], sum = 0, acc = 0;
	int64_t idx[4], lin;
	int cnt;

	if (ax == R->rank)
		return R->x[base];
	lin = R->in[ax];
	x = ref_orig(R, ax, (double)o[ax]);
	if (R->coord == 6 && (x < 0 || x > (double)(lin - 1)))
		return R->extrap;
	r = x == floor(x) ? 1 : x - floor(x);
	if (R->mode == M_CUBIC) {
		cnt = 4;
		c[0] = keys(R->a, r + 1);
		c[1] = keys(R->a, r);
		c[2] = keys(R->a, 1 - r);
		c[3] = keys(R->a, 2 - r);
	} else {
		cnt = 2;
		if (R->mode == M_LINEAR) {
			c[0] = 1 - r;
		} else {
			switch (R->nearest) {
			case 0: c[0] = r <= 0.5; break;
			case 1: c[0] = r < 0.5; break;
			case 2: c[0] = r < 1; break;
			default: c[0] = 0; break;
			}
		}
		c[1] = 1 - c[0];
	}
	nearest_ints(x, cnt, idx);
	if (R->exclude) {
		for (int j = 0; j < cnt; j++) {
			if (idx[j] < 0 || idx[j] >= lin)
				c[j] = 0;
			sum += c[j];
		}
		for (int j = 0; j < cnt; j++)
			c[j] /= sum;
	}
	for (int j = 0; j < cnt; j++) {
		int64_t i = idx[j] < 0 ? 0 : (idx[j] >= lin ? lin - 1 : idx[j]);

		if (c[j] != 0)
			acc += c[j] * ref_axis(R, o, ax + 1,
					       base + i * R->stride[ax]);
	}
	return acc;
}

static void ref_resize(struct ref *R, float *y)
{
	int64_t o[IR_MAX_RANK] = { 0 }, n = 1;

	for (int d = R->rank - 1, st = 1; d >= 0; d--) {
		R->stride[d] = st;
		st *= (int)R->in[d];
	}
	for (int d = 0; d < R->rank; d++)
		n *= R->out[d];
	for (int64_t i = 0; i < n; i++) {
		y[i] = (float)ref_axis(R, o, 0, 0);
		for (int d = R->rank - 1; d >= 0; d--) {
			if (++o[d] < R->out[d])
				break;
			o[d] = 0;
		}
	}
}

/* ---- helpers ---- */

static int eval1(struct tnode *t, struct ir_value *in, int n_in,
		 struct ir_value *out)
{
	struct accel_err e = { { 0 } };
	int r = t_eval(t, in, n_in, out, 1, &e);

	CHECK(r == 0, "%s: %d %s", t->n.op_type, r, e.msg);
	return r;
}

static void resize_node(struct tnode *t, int opset, const char *mode)
{
	tn_init(t, "Resize");
	t->n.opset = opset;
	if (mode)
		tn_str(t, "mode", mode);
}

/* Run a rank-1 float resize and compare with @want (@cnt values). */
static void check1(struct tnode *t, const float *x, int64_t nx,
		   struct ir_value *scales, struct ir_value *sizes,
		   const float *want, int64_t cnt, const char *what)
{
	struct ir_value in[4], out[1];

	in[0] = tv(IR_F32, x, 1, nx);
	in[1] = tv_none();
	in[2] = scales ? *scales : tv_none();
	in[3] = sizes ? *sizes : tv_none();
	if (!eval1(t, in, sizes ? 4 : 3, out))
		CHECK(out[0].rank == 1 && out[0].dims[0] == cnt &&
		      t_close(out[0].data, want, cnt, 1e-6f, what),
		      "%s: shape [%lld]", what, (long long)out[0].dims[0]);
	t_free_outs(out, 1);
}

/* ---- hand-computed cases ---- */

static void test_upsample_examples(void)
{
	static const float x[4] = { 1, 2, 3, 4 };	/* [1,1,2,2] */
	static const float s_lin[4] = { 1, 1, 2, 4 }, s_nn[4] = { 1, 1, 2, 3 };
	/* Upsample's linear example: asymmetric, clamped at the end */
	static const float w_lin[32] = {
		1, 1.25, 1.5, 1.75, 2, 2, 2, 2,
		2, 2.25, 2.5, 2.75, 3, 3, 3, 3,
		3, 3.25, 3.5, 3.75, 4, 4, 4, 4,
		3, 3.25, 3.5, 3.75, 4, 4, 4, 4,
	};
	static const float w_nn[24] = {
		1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
		3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4,
	};
	struct ir_value in[2], out[1];
	struct tnode t;

	in[0] = tv(IR_F32, x, 4, 1LL, 1LL, 2LL, 2LL);
	in[1] = tv(IR_F32, s_lin, 1, 4LL);
	tn_init(&t, "Upsample");
	t.n.opset = 9;
	tn_str(&t, "mode", "linear");
	if (!eval1(&t, in, 2, out))
		CHECK(out[0].dims[2] == 4 && out[0].dims[3] == 8 &&
		      t_close(out[0].data, w_lin, 32, 1e-6f, "upsample lin"),
		      "upsample linear shape");
	t_free_outs(out, 1);
	/* Upsample-7: scales as an attribute */
	tn_init(&t, "Upsample");
	t.n.opset = 7;
	{
		struct ir_attr *a = tn_attr(&t, "scales", IR_ATTR_FLOATS);

		a->floats = (float *)s_nn;
		a->n = 4;
	}
	if (!eval1(&t, in, 1, out))
		CHECK(out[0].dims[2] == 4 && out[0].dims[3] == 6 &&
		      t_close(out[0].data, w_nn, 24, 0, "upsample nn"),
		      "upsample nearest shape");
	t_free_outs(out, 1);
	/* Resize-10: same layout and semantics; downsampling takes ceil */
	{
		static const float x1[5] = { 1, 2, 3, 4, 5 }, s06 = 0.6f;
		static const float w[3] = { 1, 3, 5 };	/* x = 0, 5/3, 10/3 */
		struct ir_value sc = tv(IR_F32, &s06, 1, 1LL);

		resize_node(&t, 10, NULL);
		in[0] = tv(IR_F32, x1, 1, 5LL);
		in[1] = sc;
		if (!eval1(&t, in, 2, out))
			CHECK(out[0].dims[0] == 3 &&
			      t_close(out[0].data, w, 3, 0, "resize10"),
			      "resize-10 down shape %lld",
			      (long long)out[0].dims[0]);
		t_free_outs(out, 1);
	}
}

static void test_nearest_modes(void)
{
	static const float x[4] = { 10, 20, 30, 40 };
	static const int64_t up = 8, down = 3;
	/* asymmetric, x = o / 2 = 0, .5, 1, ... 3.5 */
	static const float w_up[4][8] = {
		{ 10, 10, 20, 20, 30, 30, 40, 40 },	/* round_prefer_floor */
		{ 10, 20, 20, 30, 30, 40, 40, 40 },	/* round_prefer_ceil */
		{ 10, 10, 20, 20, 30, 30, 40, 40 },	/* floor */
		{ 10, 20, 20, 30, 30, 40, 40, 40 },	/* ceil */
	};
	/* asymmetric, x = o * 4 / 3 = 0, 1.33, 2.67 */
	static const float w_down[4][3] = {
		{ 10, 20, 40 }, { 10, 20, 40 }, { 10, 20, 30 }, { 10, 30, 40 },
	};
	/* half_pixel default mode, sizes 8: x = o/2 - .25 */
	static const float w_hp[8] = { 10, 10, 20, 20, 30, 30, 40, 40 };

	for (int m = 0; m < 4; m++) {
		struct ir_value sz;
		struct tnode t;
		char what[64];

		snprintf(what, sizeof(what), "nearest %s up", nearest_names[m]);
		resize_node(&t, 13, "nearest");
		tn_str(&t, "coordinate_transformation_mode", "asymmetric");
		tn_str(&t, "nearest_mode", nearest_names[m]);
		sz = tv(IR_I64, &up, 1, 1LL);
		check1(&t, x, 4, NULL, &sz, w_up[m], 8, what);
		snprintf(what, sizeof(what), "nearest %s down",
			 nearest_names[m]);
		resize_node(&t, 13, "nearest");
		tn_str(&t, "coordinate_transformation_mode", "asymmetric");
		tn_str(&t, "nearest_mode", nearest_names[m]);
		sz = tv(IR_I64, &down, 1, 1LL);
		check1(&t, x, 4, NULL, &sz, w_down[m], 3, what);
	}
	{
		struct ir_value sz = tv(IR_I64, &up, 1, 1LL);
		struct tnode t;

		resize_node(&t, 13, NULL);
		check1(&t, x, 4, NULL, &sz, w_hp, 8, "nearest half_pixel");
	}
	/* nearest moves bytes: int16 data, rank 2 */
	{
		static const int16_t xi[6] = { -1, 2, -3, 4, -5, 6 };
		static const float sc[2] = { 2, 0.5f };
		static const int16_t w[4] = { -1, -1, 4, 4 };
		struct ir_value in[3], out[1];
		struct tnode t;

		/* [2,3] -> [4,1]; asymmetric: rows 0,0,1,1, column 0 */
		resize_node(&t, 13, "nearest");
		tn_str(&t, "coordinate_transformation_mode", "asymmetric");
		in[0] = tv(IR_I16, xi, 2, 2LL, 3LL);
		in[1] = tv_none();
		in[2] = tv(IR_F32, sc, 1, 2LL);
		if (!eval1(&t, in, 3, out))
			CHECK(out[0].dtype == IR_I16 && out[0].dims[0] == 4 &&
			      out[0].dims[1] == 1 &&
			      !memcmp(out[0].data, w, sizeof(w)),
			      "nearest int16");
		t_free_outs(out, 1);
	}
}

static void test_linear_cubic_hand(void)
{
	static const float x[4] = { 1, 2, 3, 4 }, two = 2;
	struct ir_value sc = tv(IR_F32, &two, 1, 1LL);
	struct tnode t;

	/* half_pixel: x = o/2 - .25 */
	{
		static const float w[8] = {
			1, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4
		};

		resize_node(&t, 13, "linear");
		check1(&t, x, 4, &sc, NULL, w, 8, "linear half_pixel");
	}
	/* align_corners to 7: x = o/2 */
	{
		static const int64_t seven = 7;
		static const float w[7] = { 1, 1.5, 2, 2.5, 3, 3.5, 4 };
		struct ir_value sz = tv(IR_I64, &seven, 1, 1LL);

		resize_node(&t, 13, "linear");
		tn_str(&t, "coordinate_transformation_mode", "align_corners");
		check1(&t, x, 4, NULL, &sz, w, 7, "linear align_corners");
	}
	/*
	 * Cubic, A=-0.75, asymmetric, output 3 of [1,2,4,8]: x = 1.5, taps
	 * 0..3 weigh -0.09375, 0.59375, 0.59375, -0.09375 -> 2.71875.
	 * Output 0 is x = 0: exactly 1.  Output 7 (x = 3.5) clamps: taps
	 * 2,3,3,3 -> -0.09375*4 + (0.59375+0.59375-0.09375)*8 = 8.375.
	 */
	{
		static const float xc[4] = { 1, 2, 4, 8 };

		resize_node(&t, 13, "cubic");
		tn_str(&t, "coordinate_transformation_mode", "asymmetric");
		{
			struct ir_value in[3], out[1];

			in[0] = tv(IR_F32, xc, 1, 4LL);
			in[1] = tv_none();
			in[2] = sc;
			if (!eval1(&t, in, 3, out)) {
				const float *y = out[0].data;

				CHECK(out[0].dims[0] == 8 && y[0] == 1 &&
				      fabsf(y[3] - 2.71875f) < 1e-6f &&
				      fabsf(y[7] - 8.375f) < 1e-6f,
				      "cubic: %g %g %g", y[0], y[3], y[7]);
			}
			t_free_outs(out, 1);
		}
		/* exclude_outside at x=3.5: taps 2,3 renormalised:
		 * (-0.09375*4 + 0.59375*8) / 0.5 = 8.75 */
		resize_node(&t, 13, "cubic");
		tn_str(&t, "coordinate_transformation_mode", "asymmetric");
		tn_int(&t, "exclude_outside", 1);
		{
			struct ir_value in[3], out[1];

			in[0] = tv(IR_F32, xc, 1, 4LL);
			in[1] = tv_none();
			in[2] = sc;
			if (!eval1(&t, in, 3, out)) {
				const float *y = out[0].data;

				CHECK(fabsf(y[7] - 8.75f) < 1e-5f &&
				      fabsf(y[3] - 2.71875f) < 1e-6f,
				      "cubic exclude: %g", y[7]);
			}
			t_free_outs(out, 1);
		}
	}
	/* tf_crop_and_resize: roi [0.5, 1.5] of [0,10,20,30] to 3 */
	{
		static const float xt[4] = { 0, 10, 20, 30 };
		static const float roi[2] = { 0.5f, 1.5f };
		static const int64_t three = 3;
		static const float w[3] = { 15, 30, -1 };	/* 1.5, 3, 4.5 */
		struct ir_value in[4], out[1];

		resize_node(&t, 13, "linear");
		tn_str(&t, "coordinate_transformation_mode",
		       "tf_crop_and_resize");
		tn_float(&t, "extrapolation_value", -1);
		in[0] = tv(IR_F32, xt, 1, 4LL);
		in[1] = tv(IR_F32, roi, 1, 2LL);
		in[2] = tv_none();
		in[3] = tv(IR_I64, &three, 1, 1LL);
		if (!eval1(&t, in, 4, out))
			CHECK(t_close(out[0].data, w, 3, 1e-6f, "tf_crop"),
			      "tf_crop shape");
		t_free_outs(out, 1);
	}
	/* uint8 linear truncates toward zero: 100/3 -> 33, 200/3 -> 66 */
	{
		static const uint8_t xu[2] = { 0, 100 };
		static const uint8_t w[4] = { 0, 33, 66, 100 };
		static const int64_t four = 4;
		struct ir_value in[4], out[1];

		resize_node(&t, 13, "linear");
		tn_str(&t, "coordinate_transformation_mode", "align_corners");
		in[0] = tv(IR_U8, xu, 1, 2LL);
		in[1] = tv_none();
		in[2] = tv_none();
		in[3] = tv(IR_I64, &four, 1, 1LL);
		if (!eval1(&t, in, 4, out))
			CHECK(!memcmp(out[0].data, w, 4), "uint8 linear");
		t_free_outs(out, 1);
	}
}

static void test_axes_aspect(void)
{
	static const float x[24] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
		12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
	};	/* [4,6] */
	static const int64_t ax1[1] = { -1 }, ax2[2] = { 0, 1 };
	static const int64_t sz1 = 2, sz2[2] = { 2, 2 };
	struct ir_value in[4], out[1];
	struct tnode t;

	/* axes [-1], sizes [2]: columns 0 and 3 (nearest, asymmetric) */
	resize_node(&t, 18, "nearest");
	tn_str(&t, "coordinate_transformation_mode", "asymmetric");
	tn_ints(&t, "axes", ax1, 1);
	in[0] = tv(IR_F32, x, 2, 4LL, 6LL);
	in[1] = tv_none();
	in[2] = tv_none();
	in[3] = tv(IR_I64, &sz1, 1, 1LL);
	if (!eval1(&t, in, 4, out)) {
		static const float w[8] = { 0, 3, 6, 9, 12, 15, 18, 21 };

		CHECK(out[0].dims[0] == 4 && out[0].dims[1] == 2 &&
		      t_close(out[0].data, w, 8, 0, "axes"), "axes shape");
	}
	t_free_outs(out, 1);
	/* not_larger: scale min(2/4, 2/6) = 1/3 -> [1, 2] */
	resize_node(&t, 18, "nearest");
	tn_str(&t, "coordinate_transformation_mode", "asymmetric");
	tn_ints(&t, "axes", ax2, 2);
	tn_str(&t, "keep_aspect_ratio_policy", "not_larger");
	in[3] = tv(IR_I64, sz2, 1, 2LL);
	if (!eval1(&t, in, 4, out)) {
		static const float w[2] = { 0, 3 };	/* x = 0, 3 */

		CHECK(out[0].dims[0] == 1 && out[0].dims[1] == 2 &&
		      t_close(out[0].data, w, 2, 0, "not_larger"),
		      "not_larger shape [%lld,%lld]",
		      (long long)out[0].dims[0], (long long)out[0].dims[1]);
	}
	t_free_outs(out, 1);
	/* not_smaller: scale 1/2 -> [2, 3], x = 2o */
	resize_node(&t, 18, "nearest");
	tn_str(&t, "coordinate_transformation_mode", "asymmetric");
	tn_str(&t, "keep_aspect_ratio_policy", "not_smaller");
	tn_ints(&t, "axes", ax2, 2);
	if (!eval1(&t, in, 4, out)) {
		static const float w[6] = { 0, 2, 4, 12, 14, 16 };

		CHECK(out[0].dims[0] == 2 && out[0].dims[1] == 3 &&
		      t_close(out[0].data, w, 6, 0, "not_smaller"),
		      "not_smaller shape");
	}
	t_free_outs(out, 1);
	/* antialias with upscaling only changes nothing */
	{
		static const float s[2] = { 1, 2 };

		resize_node(&t, 18, "linear");
		tn_int(&t, "antialias", 1);
		in[2] = tv(IR_F32, s, 1, 2LL);
		in[3] = tv_none();
		if (!eval1(&t, in, 4, out))
			CHECK(out[0].dims[1] == 12 &&
			      ((float *)out[0].data)[1] == 0.25f,
			      "antialias upscale %g",
			      ((float *)out[0].data)[1]);
		t_free_outs(out, 1);
	}
}

/* ---- random cases against the reference ---- */

static void test_random(void)
{
	static const float scale_set[] = {
		0.5f, 0.6f, 0.75f, 1, 1.5f, 2, 2.3f, 3
	};
	uint64_t seed = 0x5eed1234abcdULL;
	int ran = 0, cases = 600;

	for (int c = 0; c < cases; c++) {
		int64_t in_d[IR_MAX_RANK], sz[IR_MAX_RANK], out_d[IR_MAX_RANK];
		float sc[IR_MAX_RANK], roi[2 * IR_MAX_RANK], x[4096];
		float *want;
		struct ir_value in[4], out[1];
		struct ref R = { 0 };
		struct tnode t;
		int rank = t_randi(&seed, 1, 4), use_sizes = t_rand(&seed) & 1;
		int64_t nx = 1, ny = 1;
		char what[160];

		R.rank = rank;
		R.mode = t_randi(&seed, 0, 2);
		R.coord = t_randi(&seed, 0, 6);
		R.nearest = t_randi(&seed, 0, 3);
		R.a = (t_rand(&seed) & 1) ? -0.75 : -0.5;
		R.exclude = R.mode != M_NEAREST && (t_rand(&seed) & 1);
		R.extrap = 7.5;
		for (int d = 0; d < rank; d++) {
			in_d[d] = t_randi(&seed, 1, rank > 2 ? 4 : 6);
			nx *= in_d[d];
			if (use_sizes) {
				sz[d] = t_randi(&seed, 1, 7);
				out_d[d] = sz[d];
				R.scale[d] = (double)sz[d] / (double)in_d[d];
			} else {
				sc[d] = scale_set[t_randi(&seed, 0, 7)];
				out_d[d] = (int64_t)floor((double)sc[d] *
							  (double)in_d[d]);
				R.scale[d] = sc[d];
			}
			ny *= out_d[d];
			roi[d] = (float)t_randi(&seed, -2, 5) / 10.0f;
			roi[d + rank] = (float)t_randi(&seed, 5, 12) / 10.0f;
			R.roi_st[d] = roi[d];
			R.roi_en[d] = roi[d + rank];
		}
		for (int64_t i = 0; i < nx; i++)
			x[i] = t_randf(&seed) * 10;
		R.in = in_d;
		R.out = out_d;
		R.x = x;
		want = malloc((size_t)(ny ? ny : 1) * sizeof(float));
		if (!want)
			break;
		ref_resize(&R, want);

		resize_node(&t, 19, mode_names[R.mode]);
		tn_str(&t, "coordinate_transformation_mode",
		       coord_names[R.coord]);
		tn_str(&t, "nearest_mode", nearest_names[R.nearest]);
		tn_float(&t, "cubic_coeff_a", (float)R.a);
		tn_int(&t, "exclude_outside", R.exclude);
		tn_float(&t, "extrapolation_value", (float)R.extrap);
		in[0] = tv(IR_F32, x, rank, 1LL, 1LL, 1LL, 1LL);
		memcpy(in[0].dims, in_d, sizeof(int64_t) * (size_t)rank);
		in[1] = tv(IR_F32, roi, 1, (int64_t)(2 * rank));
		in[2] = use_sizes ? tv_none() : tv(IR_F32, sc, 1,
						    (int64_t)rank);
		in[3] = use_sizes ? tv(IR_I64, sz, 1, (int64_t)rank) :
				    tv_none();
		snprintf(what, sizeof(what),
			 "case %d: %s %s %s a=%g excl=%d rank %d %s", c,
			 mode_names[R.mode], coord_names[R.coord],
			 nearest_names[R.nearest], R.a, R.exclude, rank,
			 use_sizes ? "sizes" : "scales");
		if (!eval1(&t, in, 4, out)) {
			int ok = out[0].rank == rank;

			for (int d = 0; ok && d < rank; d++)
				ok = out[0].dims[d] == out_d[d];
			CHECK(ok, "%s: shape", what);
			if (ok && t_close(out[0].data, want, ny, 1e-4f, what))
				ran++;
		}
		t_free_outs(out, 1);
		free(want);
	}
	CHECK(ran == cases, "random: %d of %d matched", ran, cases);
}

/* ---- rejections ---- */

static void test_reject(void)
{
	static const float x[4] = { 1, 2, 3, 4 };
	static const float s_bad[][4] = {
		{ 1, 1, 0, 1 }, { 1, 1, -2, 1 }, { 1, 1, NAN, 1 },
		{ 1, 1, INFINITY, 1 },
	};
	static const float s_ok[4] = { 1, 1, 2, 2 }, s_huge[4] = {
		1, 1, 1e30f, 1 }, s_half[4] = { 1, 1, 0.5f, 1 };
	static const int64_t sz_ok[4] = { 1, 1, 4, 4 };
	static const int64_t sz_neg[4] = { 1, 1, -1, 4 };
	static const int64_t sz_big[4] = { 1, 1, INT64_MAX / 4, 4 };
	static const int64_t ax_rep[2] = { 2, -2 };
	static const float roi3[3] = { 0, 0, 1 };
	static const float roi8[8] = { 0, 0, 0, 0, 1, 1, 1, 1 };
	struct ir_value in[4];
	struct tnode t;

	in[0] = tv(IR_F32, x, 4, 1LL, 1LL, 2LL, 2LL);
	in[1] = tv_none();
	in[3] = tv_none();
	for (size_t i = 0; i < sizeof(s_bad) / sizeof(s_bad[0]); i++) {
		in[2] = tv(IR_F32, s_bad[i], 1, 4LL);
		resize_node(&t, 13, NULL);
		T_REJECT(&t, in, 3, 1, -EINVAL, "bad scale");
	}
	in[2] = tv(IR_F32, s_huge, 1, 4LL);
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 3, 1, -EOVERFLOW, "huge scale");
	in[2] = tv(IR_F32, s_ok, 1, 3LL);
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 3, 1, -EINVAL, "scales count");
	in[2] = tv(IR_F32, NULL, 1, 4LL);
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 3, 1, -EOPNOTSUPP, "scales unknown");
	in[2] = tv(IR_I64, sz_ok, 1, 4LL);
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 3, 1, -EINVAL, "int scales");
	/* both / neither */
	in[2] = tv(IR_F32, s_ok, 1, 4LL);
	in[3] = tv(IR_I64, sz_ok, 1, 4LL);
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 4, 1, -EINVAL, "scales and sizes");
	in[2] = tv(IR_F32, NULL, 1, 0LL);	/* empty: absent */
	in[3] = tv(IR_I64, NULL, 1, 0LL);
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 4, 1, -EINVAL, "neither scales nor sizes");
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 1, 1, -EINVAL, "X only");
	/* sizes */
	in[3] = tv(IR_I64, sz_ok, 1, 3LL);
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 4, 1, -EINVAL, "sizes count");
	in[3] = tv(IR_I64, sz_neg, 1, 4LL);
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 4, 1, -EINVAL, "negative size");
	in[3] = tv(IR_I64, sz_big, 1, 4LL);
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 4, 1, -EOVERFLOW, "huge sizes");
	in[3] = tv(IR_I64, NULL, 1, 4LL);
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 4, 1, -EOPNOTSUPP, "sizes unknown");
	in[3] = tv(IR_F32, s_ok, 1, 4LL);
	resize_node(&t, 13, NULL);
	T_REJECT(&t, in, 4, 1, -EINVAL, "float sizes");
	in[3] = tv(IR_I64, sz_ok, 1, 4LL);
	/* attributes */
	resize_node(&t, 13, "bilinear");
	T_REJECT(&t, in, 4, 1, -EINVAL, "mode");
	resize_node(&t, 13, NULL);
	tn_str(&t, "coordinate_transformation_mode", "corners");
	T_REJECT(&t, in, 4, 1, -EINVAL, "coordinate mode");
	resize_node(&t, 13, NULL);
	tn_str(&t, "nearest_mode", "round");
	T_REJECT(&t, in, 4, 1, -EINVAL, "nearest_mode");
	resize_node(&t, 13, "cubic");
	tn_int(&t, "exclude_outside", 2);
	T_REJECT(&t, in, 4, 1, -EINVAL, "exclude_outside");
	resize_node(&t, 13, NULL);
	tn_int(&t, "mode", 1);
	T_REJECT(&t, in, 4, 1, -EINVAL, "mode type");
	resize_node(&t, 18, NULL);
	tn_ints(&t, "axes", ax_rep, 2);
	T_REJECT(&t, in, 4, 1, -EINVAL, "repeated axes");
	resize_node(&t, 18, NULL);
	tn_str(&t, "keep_aspect_ratio_policy", "fit");
	T_REJECT(&t, in, 4, 1, -EINVAL, "policy");
	resize_node(&t, 18, NULL);
	tn_int(&t, "antialias", 2);
	T_REJECT(&t, in, 4, 1, -EINVAL, "antialias value");
	/* tf_crop_and_resize needs a roi of 2 * rank values */
	resize_node(&t, 13, "linear");
	tn_str(&t, "coordinate_transformation_mode", "tf_crop_and_resize");
	T_REJECT(&t, in, 4, 1, -EINVAL, "no roi");
	in[1] = tv(IR_F32, roi3, 1, 3LL);
	resize_node(&t, 13, "linear");
	tn_str(&t, "coordinate_transformation_mode", "tf_crop_and_resize");
	T_REJECT(&t, in, 4, 1, -EINVAL, "roi length");
	in[1] = tv_none();
	/* antialias when shrinking: not supported */
	in[2] = tv(IR_F32, s_half, 1, 4LL);
	in[3] = tv_none();
	resize_node(&t, 18, "linear");
	tn_int(&t, "antialias", 1);
	T_REJECT(&t, in, 3, 1, -EOPNOTSUPP, "antialias down");
	resize_node(&t, 18, "nearest");
	tn_int(&t, "antialias", 1);
	T_REJECT(&t, in, 3, 0 + 1, 0, "antialias nearest is fine");
	/* Resize-10 has no cubic; Upsample needs scales >= 1 */
	in[1] = tv(IR_F32, s_ok, 1, 4LL);
	resize_node(&t, 10, "cubic");
	T_REJECT(&t, in, 2, 1, -EINVAL, "resize-10 cubic");
	resize_node(&t, 10, NULL);
	T_REJECT(&t, in, 3, 1, -EINVAL, "resize-10 three inputs");
	in[1] = tv(IR_F32, s_half, 1, 4LL);
	tn_init(&t, "Upsample");
	t.n.opset = 9;
	T_REJECT(&t, in, 2, 1, -EINVAL, "upsample shrink");
	tn_init(&t, "Upsample");
	t.n.opset = 7;
	T_REJECT(&t, in, 1, 1, -EINVAL, "upsample-7 without scales");
	/* types and ranks */
	{
		static const uint8_t b[4] = { 0, 1, 1, 0 };
		static const float one = 1;

		in[0] = tv(IR_BOOL, b, 4, 1LL, 1LL, 2LL, 2LL);
		in[1] = tv_none();
		in[2] = tv(IR_F32, s_ok, 1, 4LL);
		resize_node(&t, 13, "linear");
		T_REJECT(&t, in, 3, 1, -EOPNOTSUPP, "linear bool");
		in[0].dtype = IR_F16;
		resize_node(&t, 13, NULL);
		T_REJECT(&t, in, 3, 1, 0, "nearest float16 is fine");
		in[1] = tv(IR_F32, roi8, 1, 8LL);
		resize_node(&t, 13, NULL);
		tn_str(&t, "coordinate_transformation_mode",
		       "tf_crop_and_resize");
		T_REJECT(&t, in, 3, 1, -EOPNOTSUPP, "tf_crop float16");
		in[1] = tv_none();
		in[0] = tv(IR_F32, x, 0);
		in[2] = tv(IR_F32, &one, 1, 0LL);
		resize_node(&t, 13, NULL);
		T_REJECT(&t, in, 3, 1, -EINVAL, "rank 0");
	}
	/* cubic over 5 resized axes */
	{
		static const float s5[5] = { 2, 2, 2, 2, 2 };

		in[0] = tv(IR_F32, x, 5, 1LL, 1LL, 1LL, 1LL, 1LL);
		in[2] = tv(IR_F32, s5, 1, 5LL);
		resize_node(&t, 13, "cubic");
		T_REJECT(&t, in, 3, 1, -EOPNOTSUPP, "cubic 5 axes");
		resize_node(&t, 13, "linear");
		T_REJECT(&t, in, 3, 1, 0, "linear 5 axes is fine");
	}
}

int main(void)
{
	tap_run("upsample_examples", test_upsample_examples);
	tap_run("nearest_modes", test_nearest_modes);
	tap_run("linear_cubic_hand", test_linear_cubic_hand);
	tap_run("axes_aspect", test_axes_aspect);
	tap_run("random_vs_reference", test_random);
	tap_run("reject", test_reject);
	return tap_done("ops-resize");
}
