// SPDX-License-Identifier: MIT
/*
 * Resize (opsets 10, 11, 13, 18, 19 input layouts) and Upsample (opsets 7
 * and 9): nearest (every nearest_mode), N-D linear and cubic
 * (cubic_coeff_a, exclude_outside) interpolation with the coordinate
 * transformations half_pixel, half_pixel_symmetric, pytorch_half_pixel,
 * align_corners, asymmetric, tf_half_pixel_for_nn and tf_crop_and_resize
 * (roi, extrapolation_value); opset 18's axes and keep_aspect_ratio_policy.
 *
 * Layouts:
 *   Upsample-7        X; attribute scales
 *   Upsample-9        X, scales
 *   Resize-10         X, scales
 *   Resize-11..       X, roi, scales, sizes (optional inputs may be omitted
 *                     or empty; exactly one of scales and sizes is given)
 * Upsample and Resize-10 have no coordinate_transformation_mode: they map
 * output coordinate x to x / scale (asymmetric); nearest takes floor() when
 * an axis is upsampled and ceil() when it is downsampled (as ONNX Runtime
 * does for these opsets), linear interpolates between clamped neighbours.
 *
 * Output sizes: floor(input_dim * scale) from scales (the roi does not
 * change them, as in the ONNX reference implementation), or sizes as given
 * (stretch), or round(input_dim * s) with one common s for
 * keep_aspect_ratio_policy not_larger/not_smaller.  With sizes the
 * coordinate transformation uses scale = output_dim / input_dim.
 *
 * Interpolation is the tensor product of 1-D kernels over the resized
 * axes; neighbours outside the input are clamped to its edge, or dropped
 * and the weights renormalised with exclude_outside=1.  Linear and cubic
 * compute in double: integer outputs truncate toward zero and saturate
 * (like the reference's astype).  Nearest moves bytes, so it works on any
 * element type.  Not supported (-EOPNOTSUPP): antialias=1 when a linear or
 * cubic resize shrinks an axis (with no axis shrunk it changes nothing),
 * cubic over more than RS_MAX_CUBIC_AXES resized axes, linear/cubic on
 * float16 or bool data, tf_crop_and_resize on float16 data.  Scales and sizes must be known at planning time.
 */
#include <math.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

/* Cubic over more axes costs 4^k taps per output element. */
#define RS_MAX_CUBIC_AXES 4
/* Largest output dimension computed from a scale (then cpu_set_out). */
#define RS_MAX_DIM 0x1p62

enum rs_mode { RS_NEAREST, RS_LINEAR, RS_CUBIC };

enum rs_coord {
	RS_HALF_PIXEL,
	RS_HALF_PIXEL_SYM,
	RS_PYTORCH_HALF_PIXEL,
	RS_ALIGN_CORNERS,
	RS_ASYMMETRIC,
	RS_TF_HALF_PIXEL_NN,
	RS_TF_CROP,
};

enum rs_nearest {
	RS_ROUND_PREFER_FLOOR,
	RS_ROUND_PREFER_CEIL,
	RS_FLOOR,
	RS_CEIL,
	RS_LEGACY,	/* Upsample, Resize-10: floor up, ceil down */
};

/**
 * struct rs_params - a Resize/Upsample node resolved for one input shape
 * @mode/@coord/@nearest: enum rs_mode/rs_coord/rs_nearest
 * @cubic_a: cubic_coeff_a; @extrap: extrapolation_value
 * @exclude: exclude_outside
 * @roi_in: index of the roi input, -1 when absent or empty
 * @rank: rank of X
 * @scale: per-axis scale used by the coordinate transformation
 * @out: output dims
 */
struct rs_params {
	int mode, coord, nearest;
	double cubic_a, extrap;
	bool exclude;
	int roi_in;
	int rank;
	double scale[IR_MAX_RANK];
	int64_t out[IR_MAX_RANK];
};

static int pick(const struct ir_node *n, const char *attr, const char *v,
		const char *const *names, int cnt, int *out,
		struct accel_err *e)
{
	for (int i = 0; i < cnt; i++)
		if (names[i] && !strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	return CPU_ERR(n, e, -EINVAL, "unknown %s '%s'", attr, v);
}

/* Mode and (from opset 11) the Resize-only attributes. */
static int rs_attrs(const struct ir_node *n, bool legacy,
		    struct rs_params *p, struct accel_err *e)
{
	static const char *const modes[] = { "nearest", "linear", "cubic" };
	static const char *const coords[] = {
		"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
		"align_corners", "asymmetric", "tf_half_pixel_for_nn",
		"tf_crop_and_resize",
	};
	static const char *const nearests[] = {
		"round_prefer_floor", "round_prefer_ceil", "floor", "ceil",
	};
	const char *s;
	int64_t ex;
	float f;
	int ret;

	if ((ret = cpu_get_string(n, "mode", "nearest", &s, e)) ||
	    (ret = pick(n, "mode", s, modes, legacy ? 2 : 3, &p->mode, e)))
		return ret;
	if (legacy) {
		p->coord = RS_ASYMMETRIC;
		p->nearest = RS_LEGACY;
		p->cubic_a = -0.75;
		p->extrap = 0;
		p->exclude = false;
		return 0;
	}
	if ((ret = cpu_get_string(n, "coordinate_transformation_mode",
				  "half_pixel", &s, e)) ||
	    (ret = pick(n, "coordinate_transformation_mode", s, coords, 7,
			&p->coord, e)) ||
	    (ret = cpu_get_string(n, "nearest_mode", "round_prefer_floor",
				  &s, e)) ||
	    (ret = pick(n, "nearest_mode", s, nearests, 4, &p->nearest, e)) ||
	    (ret = cpu_get_int(n, "exclude_outside", 0, &ex, e)))
		return ret;
	if (ex != 0 && ex != 1)
		return CPU_ERR(n, e, -EINVAL, "exclude_outside must be 0 or 1");
	p->exclude = ex;
	if ((ret = cpu_get_float(n, "cubic_coeff_a", -0.75f, &f, e)))
		return ret;
	if (!isfinite(f))
		return CPU_ERR(n, e, -EINVAL, "cubic_coeff_a is not finite");
	p->cubic_a = f;
	if ((ret = cpu_get_float(n, "extrapolation_value", 0.0f, &f, e)))
		return ret;
	p->extrap = f;
	return 0;
}

/* True when input @i is given and holds at least one element. */
static bool rs_given(const struct ir_value *in, int n_in, int i)
{
	return cpu_has_in(in, n_in, i) && in[i].rank >= 0 &&
	       cpu_numel(&in[i]) != 0;
}

/* Read @cnt float scales from input @i (known data) into @s. */
static int rs_read_scales(const struct ir_node *n, const struct ir_value *v,
			  int cnt, double *s, struct accel_err *e)
{
	int64_t numel = cpu_numel(v);

	if (!cpu_is_float(v->dtype))
		return CPU_ERR(n, e, -EINVAL, "scales must be float, not %s",
			       cpu_dtype_name(v->dtype));
	if (v->rank != 1)
		return CPU_ERR(n, e, -EINVAL, "scales must be 1-D, has rank %d",
			       v->rank);
	if (numel != cnt)
		return CPU_ERR(n, e, -EINVAL,
			       "scales has %lld values, need %d",
			       (long long)numel, cnt);
	if (!v->data)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "scales is not a constant (unknown at planning)");
	for (int i = 0; i < cnt; i++)
		s[i] = cpu_load_f64(v->data, v->dtype, i);
	return 0;
}

/* Layout, attributes, axes, scales or sizes: output shape and scales. */
static int rs_params(const struct ir_node *n, const struct ir_value *in,
		     int n_in, int n_out, struct rs_params *p,
		     struct accel_err *e)
{
	bool upsample = !strcmp(n->op_type, "Upsample");
	int64_t opset = cpu_node_opset(n, upsample ? 9 : 13);
	bool legacy = upsample || opset < 11;
	double sc[IR_MAX_RANK];
	int64_t sz[IR_MAX_RANK], anti = 0;
	int axes[IR_MAX_RANK], k, r, ret;
	bool use_sizes = false, not_larger;
	const char *policy = "stretch";
	bool seen[IR_MAX_RANK] = { false };

	memset(p, 0, sizeof(*p));
	p->roi_in = -1;
	if (upsample && opset < 7)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "Upsample-%lld (before opset 7) not supported",
			       (long long)opset);
	if (!upsample && opset < 10)
		return CPU_ERR(n, e, -EINVAL,
			       "Resize does not exist in opset %lld",
			       (long long)opset);
	if (upsample && opset < 9)
		ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e);
	else if (legacy)
		ret = cpu_check_io(n, n_in, 2, 2, n_out, 1, 1, e);
	else
		ret = cpu_check_io(n, n_in, 1, 4, n_out, 1, 1, e);
	if (ret ||
	    (ret = cpu_check_in(n, in, 0, "X", IR_UNDEFINED, 1, IR_MAX_RANK,
				e)) ||
	    (ret = rs_attrs(n, legacy, p, e)))
		return ret;
	r = p->rank = in[0].rank;
	if (!cpu_dtype_size(in[0].dtype) || in[0].dtype == IR_STRING)
		return CPU_ERR(n, e, -EOPNOTSUPP, "X of type %s not supported",
			       cpu_dtype_name(in[0].dtype));
	if (p->mode != RS_NEAREST && !cpu_is_float(in[0].dtype) &&
	    !cpu_is_int(in[0].dtype))
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "%s interpolation of %s not supported",
			       p->mode == RS_LINEAR ? "linear" : "cubic",
			       cpu_dtype_name(in[0].dtype));

	/* Axes the scales/sizes refer to (opset 18). */
	k = r;
	for (int d = 0; d < r; d++)
		axes[d] = d;
	if (!legacy) {
		const int64_t *ax;
		size_t nax;

		if ((ret = cpu_get_ints(n, "axes", &ax, &nax, e)) < 0)
			return ret;
		if (ret) {
			if (nax < 1 || nax > (size_t)r)
				return CPU_ERR(n, e, -EINVAL,
					       "axes has %zu values for rank %d",
					       nax, r);
			k = (int)nax;
			for (int i = 0; i < k; i++) {
				if ((ret = cpu_norm_axis(n, ax[i], r, false,
							 &axes[i], e)))
					return ret;
				if (seen[axes[i]])
					return CPU_ERR(n, e, -EINVAL,
						       "axis %d repeated",
						       axes[i]);
				seen[axes[i]] = true;
			}
		}
		if ((ret = cpu_get_int(n, "antialias", 0, &anti, e)) ||
		    (ret = cpu_get_string(n, "keep_aspect_ratio_policy",
					  "stretch", &policy, e)))
			return ret;
		if (anti != 0 && anti != 1)
			return CPU_ERR(n, e, -EINVAL,
				       "antialias must be 0 or 1");
		if (strcmp(policy, "stretch") && strcmp(policy, "not_larger") &&
		    strcmp(policy, "not_smaller"))
			return CPU_ERR(n, e, -EINVAL,
				       "unknown keep_aspect_ratio_policy '%s'",
				       policy);
	}

	/* Where the scales come from. */
	if (upsample && opset < 9) {
		const struct ir_attr *a = cpu_attr(n, "scales");

		if (!a)
			return CPU_ERR(n, e, -EINVAL,
				       "attribute scales is required");
		if (a->type != IR_ATTR_FLOATS)
			return CPU_ERR(n, e, -EINVAL,
				       "attribute scales must be floats");
		if (a->n != (size_t)r)
			return CPU_ERR(n, e, -EINVAL,
				       "scales has %zu values, need %d", a->n,
				       r);
		for (int i = 0; i < r; i++)
			sc[i] = a->floats[i];
	} else if (legacy) {
		if ((ret = cpu_check_in(n, in, 1, "scales", IR_UNDEFINED, 1, 1,
					e)) ||
		    (ret = rs_read_scales(n, &in[1], r, sc, e)))
			return ret;
	} else {
		bool has_sc = rs_given(in, n_in, 2);
		bool has_sz = rs_given(in, n_in, 3);

		if (has_sc == has_sz)
			return CPU_ERR(n, e, -EINVAL, "%s",
				       has_sc ? "both scales and sizes are given"
					      : "one of scales and sizes is required");
		if (cpu_has_in(in, n_in, 1) &&
		    (ret = cpu_check_in(n, in, 1, "roi", IR_UNDEFINED, 1, 1,
					e)))
			return ret;
		if (has_sc) {
			if ((ret = rs_read_scales(n, &in[2], k, sc, e)))
				return ret;
		} else {
			size_t cnt;

			use_sizes = true;
			if ((ret = cpu_check_in(n, in, 3, "sizes", IR_I64, 1, 1,
						e)) ||
			    (ret = cpu_read_ints(n, &in[3], "sizes", sz,
						 IR_MAX_RANK, &cnt, e)))
				return ret;
			if (cnt != (size_t)k)
				return CPU_ERR(n, e, -EINVAL,
					       "sizes has %zu values, need %d",
					       cnt, k);
		}
	}

	for (int d = 0; d < r; d++) {
		p->scale[d] = 1.0;
		p->out[d] = in[0].dims[d];
	}
	if (!use_sizes) {
		for (int i = 0; i < k; i++) {
			int d = axes[i];
			double v;

			if (!isfinite(sc[i]) || !(sc[i] > 0))
				return CPU_ERR(n, e, -EINVAL,
					       "scales[%d]=%g must be finite and > 0",
					       i, sc[i]);
			if (upsample && sc[i] < 1)
				return CPU_ERR(n, e, -EINVAL,
					       "scales[%d]=%g: Upsample needs scales >= 1",
					       i, sc[i]);
			v = floor(sc[i] * (double)in[0].dims[d]);
			if (!(v < RS_MAX_DIM))
				return CPU_ERR(n, e, -EOVERFLOW,
					       "output dim %d overflows (%lld * %g)",
					       d, (long long)in[0].dims[d],
					       sc[i]);
			p->scale[d] = sc[i];
			p->out[d] = (int64_t)v;
		}
	} else {
		bool keep = strcmp(policy, "stretch"), first = true;
		double common = 0;

		not_larger = !strcmp(policy, "not_larger");

		for (int i = 0; i < k; i++) {
			int d = axes[i];
			double s;

			if (sz[i] < 0)
				return CPU_ERR(n, e, -EINVAL,
					       "sizes[%d]=%lld is negative", i,
					       (long long)sz[i]);
			if (!in[0].dims[d]) {
				if (sz[i] || keep)
					return CPU_ERR(n, e, -EINVAL,
						       "cannot resize empty dim %d to %lld",
						       d, (long long)sz[i]);
				continue;
			}
			s = (double)sz[i] / (double)in[0].dims[d];
			p->scale[d] = s;
			p->out[d] = sz[i];
			if (first || (not_larger ? s < common : s > common))
				common = s;
			first = false;
		}
		if (keep) {
			if (!(common > 0))
				return CPU_ERR(n, e, -EINVAL,
					       "keep_aspect_ratio_policy %s with a size of 0",
					       policy);
			for (int i = 0; i < k; i++) {
				int d = axes[i];
				double v = floor(common * (double)in[0].dims[d] +
						 0.5);

				if (!(v < RS_MAX_DIM))
					return CPU_ERR(n, e, -EOVERFLOW,
						       "output dim %d overflows",
						       d);
				p->scale[d] = common;
				p->out[d] = (int64_t)v;
			}
		}
	}

	if (p->mode != RS_NEAREST) {
		int busy = 0;

		for (int d = 0; d < r; d++) {
			if (anti && p->scale[d] < 1 && p->out[d] != in[0].dims[d])
				return CPU_ERR(n, e, -EOPNOTSUPP,
					       "antialias=1 when shrinking dim %d (scale %g) not supported",
					       d, p->scale[d]);
			if (p->out[d] != in[0].dims[d] || p->scale[d] != 1 ||
			    p->coord == RS_TF_CROP)
				busy++;
		}
		if (p->mode == RS_CUBIC && busy > RS_MAX_CUBIC_AXES)
			return CPU_ERR(n, e, -EOPNOTSUPP,
				       "cubic resize of %d axes not supported (at most %d)",
				       busy, RS_MAX_CUBIC_AXES);
	}
	if (p->coord == RS_TF_CROP) {
		if (!cpu_is_float(in[0].dtype) && !cpu_is_int(in[0].dtype) &&
		    in[0].dtype != IR_BOOL)
			return CPU_ERR(n, e, -EOPNOTSUPP,
				       "tf_crop_and_resize of %s not supported",
				       cpu_dtype_name(in[0].dtype));
		if (!rs_given(in, n_in, 1))
			return CPU_ERR(n, e, -EINVAL,
				       "tf_crop_and_resize needs a roi");
		if (!cpu_is_float(in[1].dtype))
			return CPU_ERR(n, e, in[1].dtype == IR_F16 ?
					     -EOPNOTSUPP : -EINVAL,
				       "roi of type %s not supported",
				       cpu_dtype_name(in[1].dtype));
		if (cpu_numel(&in[1]) != 2 * k)
			return CPU_ERR(n, e, -EINVAL,
				       "roi has %lld values, need %d",
				       (long long)cpu_numel(&in[1]), 2 * k);
		p->roi_in = 1;
	}
	return 0;
}

static int resize_infer(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct ir_value *out, int n_out,
			struct accel_err *e)
{
	struct rs_params p;
	int ret;

	if ((ret = rs_params(n, in, n_in, n_out, &p, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, p.rank, p.out, e);
}

/* Taps of one output coordinate along one axis. */
struct rs_taps {
	int64_t idx[4];
	double w[4];
	int cnt;
	bool outside;	/* tf_crop_and_resize: extrapolate */
};

/*
 * Output coordinate @o in input coordinates; @lin: input length, @s: the
 * axis' scale, @st/@en: its roi.  Like the ONNX reference, the "resized
 * length" of align_corners, pytorch_half_pixel, half_pixel_symmetric and
 * tf_crop_and_resize is @s * @lin, not the output length @lout_int.
 */
static double rs_coord(const struct rs_params *p, double o, double lin,
		       double lout_int, double s, double st, double en)
{
	double lout = s * lin;

	switch (p->coord) {
	case RS_HALF_PIXEL:
		return (o + 0.5) / s - 0.5;
	case RS_HALF_PIXEL_SYM: {
		double adj = lout_int / lout;

		return lin / 2 * (1 - adj) + (o + 0.5) / s - 0.5;
	}
	case RS_PYTORCH_HALF_PIXEL:
		return lout > 1 ? (o + 0.5) / s - 0.5 : 0;
	case RS_ALIGN_CORNERS:
		return lout > 1 ? o * (lin - 1) / (lout - 1) : 0;
	case RS_TF_HALF_PIXEL_NN:
		return (o + 0.5) / s;
	case RS_TF_CROP:
		return lout > 1 ? st * (lin - 1) +
				  o * (en - st) * (lin - 1) / (lout - 1)
				: 0.5 * (st + en) * (lin - 1);
	default:
		return o / s;
	}
}

static double rs_cubic_w(double a, double d)
{
	d = fabs(d);
	if (d <= 1)
		return ((a + 2) * d - (a + 3)) * d * d + 1;
	if (d < 2)
		return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
	return 0;
}

static void rs_taps(const struct rs_params *p, int64_t o, int64_t lin,
		    int64_t lout, double s, double st, double en,
		    struct rs_taps *t)
{
	double x = rs_coord(p, (double)o, (double)lin, (double)lout, s, st,
			    en);
	double f, frac, sum = 0;
	int64_t base;
	int cnt = 0;

	t->outside = false;
	t->cnt = 1;
	t->w[0] = 1;
	if (p->coord == RS_TF_CROP && !(x >= 0 && x <= (double)(lin - 1))) {
		t->outside = true;
		t->idx[0] = 0;
		return;
	}
	if (!isfinite(x))
		x = 0;
	/* far outside the input every tap clamps to the same edge */
	if (x < -4)
		x = -4;
	if (x > (double)lin + 4)
		x = (double)lin + 4;
	f = floor(x);
	frac = x - f;
	base = (int64_t)f;
	if (p->mode == RS_NEAREST) {
		int64_t i;

		switch (p->nearest) {
		case RS_ROUND_PREFER_FLOOR:
			i = frac <= 0.5 ? base : base + 1;
			break;
		case RS_ROUND_PREFER_CEIL:
			i = frac < 0.5 ? base : base + 1;
			break;
		case RS_FLOOR:
			i = base;
			break;
		case RS_CEIL:
			i = frac > 0 ? base + 1 : base;
			break;
		default:	/* legacy */
			i = s < 1 && frac > 0 ? base + 1 : base;
			break;
		}
		t->idx[0] = i < 0 ? 0 : (i >= lin ? lin - 1 : i);
		return;
	}
	if (p->mode == RS_LINEAR) {
		t->idx[0] = base;
		t->w[0] = 1 - frac;
		t->idx[1] = base + 1;
		t->w[1] = frac;
		cnt = 2;
	} else {
		for (int j = 0; j < 4; j++) {
			t->idx[j] = base - 1 + j;
			t->w[j] = rs_cubic_w(p->cubic_a, frac + 1 - j);
		}
		cnt = 4;
	}
	/* exclude_outside drops outside taps; the rest clamp to the edge */
	t->cnt = 0;
	for (int j = 0; j < cnt; j++) {
		int64_t i = t->idx[j];
		double w = t->w[j];

		if (i < 0 || i >= lin) {
			if (p->exclude)
				continue;
			i = i < 0 ? 0 : lin - 1;
		}
		if (w == 0)
			continue;
		t->idx[t->cnt] = i;
		t->w[t->cnt++] = w;
		sum += w;
	}
	if (!t->cnt || sum == 0) {
		t->cnt = 1;
		t->idx[0] = base < 0 ? 0 : (base >= lin ? lin - 1 : base);
		t->w[0] = 1;
		return;
	}
	if (p->exclude)
		for (int j = 0; j < t->cnt; j++)
			t->w[j] /= sum;
}

static int resize_run(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	double st[IR_MAX_RANK], en[IR_MAX_RANK];
	int64_t idx[IR_MAX_RANK] = { 0 }, str[IR_MAX_RANK], numel;
	struct rs_taps taps[IR_MAX_RANK];
	const struct ir_value *x = &in[0];
	size_t es = cpu_dtype_size(x->dtype);
	struct rs_params p;
	int r, ret, fresh;

	if ((ret = rs_params(n, in, n_in, n_out, &p, e)))
		return ret;
	r = p.rank;
	numel = cpu_numel(&out[0]);
	if (!numel)
		return 0;
	for (int d = 0; d < r; d++) {
		st[d] = 0;
		en[d] = 1;
		if (!x->dims[d])
			return CPU_ERR(n, e, -EINVAL,
				       "cannot resize empty dim %d", d);
	}
	if (p.roi_in >= 0) {
		const struct ir_value *roi = &in[p.roi_in];
		const int64_t *ax;
		size_t nax = 0;
		int k;

		if (cpu_get_ints(n, "axes", &ax, &nax, e) < 0)
			return -EINVAL;
		k = nax ? (int)nax : r;
		for (int i = 0; i < k; i++) {
			int d = i;
			double a = cpu_load_f64(roi->data, roi->dtype, i);
			double b = cpu_load_f64(roi->data, roi->dtype, i + k);

			if (nax && (ret = cpu_norm_axis(n, ax[i], r, false, &d,
							e)))
				return ret;
			if (!isfinite(a) || !isfinite(b))
				return CPU_ERR(n, e, -EINVAL,
					       "roi of axis %d is not finite",
					       d);
			st[d] = a;
			en[d] = b;
		}
	}
	cpu_strides(r, x->dims, str);
	fresh = 0;	/* axes >= fresh need new taps */
	for (int64_t i = 0; i < numel; i++) {
		int act[IR_MAX_RANK], na = 0, c[IR_MAX_RANK] = { 0 };
		int64_t base = 0;
		bool outside = false;
		double acc = 0;

		for (int d = fresh; d < r; d++)
			rs_taps(&p, idx[d], x->dims[d], p.out[d], p.scale[d],
				st[d], en[d], &taps[d]);
		for (int d = 0; d < r; d++) {
			outside |= taps[d].outside;
			if (taps[d].cnt == 1)
				base += taps[d].idx[0] * str[d];
			else
				act[na++] = d;
		}
		if (outside) {
			cpu_store_f64(out[0].data, out[0].dtype, i, p.extrap);
		} else if (p.mode == RS_NEAREST) {
			memcpy((char *)out[0].data + i * (int64_t)es,
			       (const char *)x->data + base * (int64_t)es, es);
		} else if (!na) {
			cpu_store_f64(out[0].data, out[0].dtype, i,
				      cpu_load_f64(x->data, x->dtype, base));
		} else {
			for (;;) {
				int64_t off = base;
				double w = 1;
				int j;

				for (j = 0; j < na; j++) {
					const struct rs_taps *t = &taps[act[j]];

					off += t->idx[c[j]] * str[act[j]];
					w *= t->w[c[j]];
				}
				acc += w * cpu_load_f64(x->data, x->dtype, off);
				for (j = na - 1; j >= 0; j--) {
					if (++c[j] < taps[act[j]].cnt)
						break;
					c[j] = 0;
				}
				if (j < 0)
					break;
			}
			cpu_store_f64(out[0].data, out[0].dtype, i, acc);
		}
		/* odometer: the first axis that changes needs new taps */
		for (fresh = r - 1; fresh >= 0; fresh--) {
			if (++idx[fresh] < p.out[fresh])
				break;
			idx[fresh] = 0;
		}
		if (fresh < 0)
			fresh = 0;
	}
	return 0;
}

const struct cpu_op cpu_op_resize = { "", "Resize", resize_infer,
				      resize_run };
const struct cpu_op cpu_op_upsample = { "", "Upsample", resize_infer,
					resize_run };
