// SPDX-License-Identifier: MIT
/*
 * Normalisations by statistics of the data itself: LayerNormalization,
 * InstanceNormalization, MeanVarianceNormalization and LRN.  Mean and
 * variance are accumulated in double, so a long axis loses no precision
 * against the reference.
 */
#include <math.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

/* Mean and 1/sqrt(var + eps) of @len floats at stride @st. */
static void moments(const float *x, int64_t len, int64_t st, float eps,
		    double *mean, double *inv)
{
	double s = 0.0, q = 0.0;

	for (int64_t i = 0; i < len; i++)
		s += x[i * st];
	s /= (double)len;
	for (int64_t i = 0; i < len; i++) {
		double d = x[i * st] - s;

		q += d * d;
	}
	*mean = s;
	*inv = 1.0 / sqrt(q / (double)len + eps);
}

/* ---- LayerNormalization ---- */

/*
 * X as [outer, inner] with inner = X.dims[axis:]; Scale and B broadcast
 * unidirectionally to X.dims[axis:].
 */
static int ln_dims(const struct ir_node *n, const struct ir_value *in,
		   int n_in, int *ax, int64_t *outer, int64_t *inner,
		   struct accel_err *e)
{
	static const char *const what[] = { "X", "Scale", "B" };
	int64_t axis, stash;
	float eps;
	int ret, r = in[0].rank;

	if ((ret = cpu_get_int(n, "axis", -1, &axis, e)) ||
	    (ret = cpu_get_int(n, "stash_type", 1, &stash, e)) ||
	    (ret = cpu_get_float(n, "epsilon", 1e-5f, &eps, e)))
		return ret;
	if (stash != 1)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "stash_type %lld is not supported (only 1, float)",
			       (long long)stash);
	if (!(eps >= 0.0f))
		return CPU_ERR(n, e, -EINVAL, "epsilon must be >= 0");
	if (r == 0)
		return CPU_ERR(n, e, -EINVAL, "X must have rank >= 1");
	if ((ret = cpu_norm_axis(n, axis, r, false, ax, e)))
		return ret;
	*outer = *inner = 1;
	for (int i = 0; i < r; i++) {
		if (i < *ax)
			*outer *= in[0].dims[i];
		else
			*inner *= in[0].dims[i];
	}
	for (int i = 1; i < 3; i++) {
		const struct ir_value *v = &in[i];

		if (!cpu_has_in(in, n_in, i))
			continue;
		if ((ret = cpu_check_in(n, in, i, what[i], IR_F32, 0,
					r - *ax, e)))
			return ret;
		for (int d = 0; d < v->rank; d++) {
			int64_t xd = in[0].dims[r - v->rank + d];

			if (v->dims[d] != 1 && v->dims[d] != xd)
				return CPU_ERR(n, e, -EINVAL,
					       "%s dimension %d is %lld, does not broadcast to X's %lld",
					       what[i], d, (long long)v->dims[d],
					       (long long)xd);
		}
	}
	return 0;
}

static int ln_infer(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	int64_t outer, inner, sdims[IR_MAX_RANK];
	int ax, ret;

	if ((ret = cpu_check_io(n, n_in, 2, 3, n_out, 1, 3, e)) ||
	    (ret = cpu_check_in(n, in, 0, "X", IR_F32, 1, IR_MAX_RANK, e)) ||
	    (ret = ln_dims(n, in, n_in, &ax, &outer, &inner, e)) ||
	    (ret = cpu_set_out(n, &out[0], IR_F32, in[0].rank, in[0].dims,
			       e)))
		return ret;
	for (int i = 0; i < in[0].rank; i++)
		sdims[i] = i < ax ? in[0].dims[i] : 1;
	for (int j = 1; j < n_out; j++)
		if ((ret = cpu_set_out(n, &out[j], IR_F32, in[0].rank, sdims,
				       e)))
			return ret;
	return 0;
}

/*
 * Element strides of a Scale/B value broadcast over the inner block
 * X.dims[ax:] (0 where it is 1 or absent), as an offset table walked with
 * the inner index.
 */
static void ln_bstrides(const struct ir_value *x, int ax,
			const struct ir_value *v, int64_t *st)
{
	int r = x->rank, k = r - ax;
	int64_t s = 1;

	for (int d = k - 1; d >= 0; d--) {
		int vd = d - (k - v->rank);

		if (vd < 0 || v->dims[vd] == 1) {
			st[d] = 0;
		} else {
			st[d] = s;
			s *= v->dims[vd];
		}
	}
}

/* Offset into a broadcast Scale/B of inner element @i. */
static int64_t ln_boff(const int64_t *idims, int k, const int64_t *st,
		       int64_t i)
{
	int64_t off = 0;

	for (int d = k - 1; d >= 0; d--) {
		off += (i % idims[d]) * st[d];
		i /= idims[d];
	}
	return off;
}

static int ln_run(const struct ir_node *n, const struct ir_value *in,
		  int n_in, struct ir_value *out, int n_out,
		  struct accel_err *e)
{
	const float *x = in[0].data, *sc = in[1].data;
	const float *b = cpu_has_in(in, n_in, 2) ? in[2].data : NULL;
	int64_t outer, inner, sst[IR_MAX_RANK], bst[IR_MAX_RANK] = { 0 };
	float *y = out[0].data, eps;
	float *om = n_out > 1 && cpu_has_out(n, n_out, 1) ? out[1].data : NULL;
	float *oi = n_out > 2 && cpu_has_out(n, n_out, 2) ? out[2].data : NULL;
	const int64_t *idims;
	bool plain_s, plain_b;
	int ax, k, ret;

	if ((ret = ln_dims(n, in, n_in, &ax, &outer, &inner, e)) ||
	    (ret = cpu_get_float(n, "epsilon", 1e-5f, &eps, e)))
		return ret;
	idims = in[0].dims + ax;
	k = in[0].rank - ax;
	ln_bstrides(&in[0], ax, &in[1], sst);
	plain_s = cpu_numel(&in[1]) == inner;
	plain_b = !b || cpu_numel(&in[2]) == inner;
	if (b)
		ln_bstrides(&in[0], ax, &in[2], bst);
	for (int64_t o = 0; o < outer; o++) {
		const float *xp = x + o * inner;
		float *yp = y + o * inner;
		double mean, inv;

		moments(xp, inner, 1, eps, &mean, &inv);
		if (om)
			om[o] = (float)mean;
		if (oi)
			oi[o] = (float)inv;
		for (int64_t i = 0; i < inner; i++) {
			float s = sc[plain_s ? i : ln_boff(idims, k, sst, i)];
			float bb = !b ? 0.0f :
				   b[plain_b ? i : ln_boff(idims, k, bst, i)];

			yp[i] = (float)((xp[i] - mean) * inv) * s + bb;
		}
	}
	return 0;
}

const struct cpu_op cpu_op_layer_norm = { "", "LayerNormalization",
					  ln_infer, ln_run };

/* ---- InstanceNormalization ---- */

static int in_infer(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	static const char *const what[] = { "input", "scale", "B" };
	float eps;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 3, 3, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "input", IR_F32, 3, IR_MAX_RANK,
				e)) ||
	    (ret = cpu_get_float(n, "epsilon", 1e-5f, &eps, e)))
		return ret;
	if (!(eps >= 0.0f))
		return CPU_ERR(n, e, -EINVAL, "epsilon must be >= 0");
	if ((ret = cpu_check_per_channel(n, in, 3, what, e)))
		return ret;
	return cpu_set_out(n, &out[0], IR_F32, in[0].rank, in[0].dims, e);
}

static int in_run(const struct ir_node *n, const struct ir_value *in,
		  int n_in, struct ir_value *out, int n_out,
		  struct accel_err *e)
{
	const float *x = in[0].data, *sc = in[1].data, *bi = in[2].data;
	int64_t nb = in[0].dims[0], c = in[0].dims[1], sz = 1;
	float *y = out[0].data, eps;
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = cpu_get_float(n, "epsilon", 1e-5f, &eps, e)))
		return ret;
	for (int i = 2; i < in[0].rank; i++)
		sz *= in[0].dims[i];
	for (int64_t p = 0; p < nb * c; p++) {
		const float *xp = x + p * sz;
		float *yp = y + p * sz;
		double mean, inv;
		int64_t ch = p % c;

		if (!sz)
			continue;
		moments(xp, sz, 1, eps, &mean, &inv);
		for (int64_t i = 0; i < sz; i++)
			yp[i] = (float)((xp[i] - mean) * inv) * sc[ch] +
				bi[ch];
	}
	return 0;
}

const struct cpu_op cpu_op_instance_norm = { "", "InstanceNormalization",
					     in_infer, in_run };

/* ---- MeanVarianceNormalization ---- */

/* Reduced axes (attribute "axes", default [0, 2, 3]) into @red. */
static int mvn_axes(const struct ir_node *n, const struct ir_value *x,
		    bool *red, struct accel_err *e)
{
	static const int64_t def[] = { 0, 2, 3 };
	const int64_t *axes;
	size_t na;
	int ret, ax;

	ret = cpu_get_ints(n, "axes", &axes, &na, e);
	if (ret < 0)
		return ret;
	if (!ret) {
		axes = def;
		na = 3;
	}
	memset(red, 0, sizeof(bool) * IR_MAX_RANK);
	for (size_t i = 0; i < na; i++) {
		if ((ret = cpu_norm_axis(n, axes[i], x->rank, false, &ax, e)))
			return ret;
		if (red[ax])
			return CPU_ERR(n, e, -EINVAL, "axis %d is repeated",
				       ax);
		red[ax] = true;
	}
	return 0;
}

static int mvn_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	bool red[IR_MAX_RANK];
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "X", IR_F32, 1, IR_MAX_RANK, e)) ||
	    (ret = mvn_axes(n, &in[0], red, e)))
		return ret;
	return cpu_set_out(n, &out[0], IR_F32, in[0].rank, in[0].dims, e);
}

/*
 * Statistics over the reduced axes for every index of the kept ones: the
 * kept axes are walked by an odometer, the reduced ones by a second.
 */
static int mvn_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	int64_t kd[IR_MAX_RANK], ks[IR_MAX_RANK], rd[IR_MAX_RANK];
	int64_t rs[IR_MAX_RANK], st[IR_MAX_RANK], ki[IR_MAX_RANK] = { 0 };
	const struct ir_value *xv = &in[0];
	const float *x = xv->data;
	float *y = out[0].data;
	bool red[IR_MAX_RANK];
	int nk = 0, nr = 0, ret;
	int64_t cnt = 1;

	(void)n_in;
	(void)n_out;
	if ((ret = mvn_axes(n, xv, red, e)))
		return ret;
	if (cpu_numel(xv) == 0)
		return 0;
	cpu_strides(xv->rank, xv->dims, st);
	for (int i = 0; i < xv->rank; i++) {
		if (red[i]) {
			rd[nr] = xv->dims[i];
			rs[nr++] = st[i];
			cnt *= xv->dims[i];
		} else {
			kd[nk] = xv->dims[i];
			ks[nk++] = st[i];
		}
	}
	do {
		int64_t base = 0, ri[IR_MAX_RANK] = { 0 };
		double s = 0.0, q = 0.0, sd;

		for (int i = 0; i < nk; i++)
			base += ki[i] * ks[i];
		do {
			int64_t off = base;

			for (int i = 0; i < nr; i++)
				off += ri[i] * rs[i];
			s += x[off];
		} while (cpu_odo_next(ri, rd, nr));
		s /= (double)cnt;
		do {
			int64_t off = base;
			double d;

			for (int i = 0; i < nr; i++)
				off += ri[i] * rs[i];
			d = x[off] - s;
			q += d * d;
		} while (cpu_odo_next(ri, rd, nr));
		/* the spec's function body: (X - mean) / (sqrt(var) + 1e-9) */
		sd = sqrt(q / (double)cnt) + 1e-9;
		do {
			int64_t off = base;

			for (int i = 0; i < nr; i++)
				off += ri[i] * rs[i];
			y[off] = (float)((x[off] - s) / sd);
		} while (cpu_odo_next(ri, rd, nr));
	} while (cpu_odo_next(ki, kd, nk));
	return 0;
}

const struct cpu_op cpu_op_mvn = { "", "MeanVarianceNormalization",
				   mvn_infer, mvn_run };

/* ---- LRN (across channels) ---- */

static int lrn_attrs(const struct ir_node *n, float *alpha, float *beta,
		     float *bias, int64_t *size, struct accel_err *e)
{
	int ret;

	if ((ret = cpu_get_float(n, "alpha", 1e-4f, alpha, e)) ||
	    (ret = cpu_get_float(n, "beta", 0.75f, beta, e)) ||
	    (ret = cpu_get_float(n, "bias", 1.0f, bias, e)))
		return ret;
	if (!cpu_attr(n, "size"))
		return CPU_ERR(n, e, -EINVAL, "attribute 'size' is required");
	if ((ret = cpu_get_int(n, "size", 0, size, e)))
		return ret;
	if (*size < 1 || *size > INT32_MAX)
		return CPU_ERR(n, e, -EINVAL, "size %lld must be >= 1",
			       (long long)*size);
	return 0;
}

static int lrn_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	float alpha, beta, bias;
	int64_t size;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "X", IR_F32, 3, IR_MAX_RANK, e)) ||
	    (ret = lrn_attrs(n, &alpha, &beta, &bias, &size, e)))
		return ret;
	return cpu_set_out(n, &out[0], IR_F32, in[0].rank, in[0].dims, e);
}

static int lrn_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	const float *x = in[0].data;
	int64_t nb = in[0].dims[0], c = in[0].dims[1], sz = 1, size;
	int64_t lo, hi;
	float *y = out[0].data, alpha, beta, bias;
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = lrn_attrs(n, &alpha, &beta, &bias, &size, e)))
		return ret;
	for (int i = 2; i < in[0].rank; i++)
		sz *= in[0].dims[i];
	/* the window [c - floor((size-1)/2), c + ceil((size-1)/2)] */
	lo = (size - 1) / 2;
	hi = size - 1 - lo;
	for (int64_t b = 0; b < nb; b++)
		for (int64_t ch = 0; ch < c; ch++)
			for (int64_t i = 0; i < sz; i++) {
				int64_t c0 = ch - lo < 0 ? 0 : ch - lo;
				int64_t c1 = ch + hi >= c ? c - 1 : ch + hi;
				const float *xb = x + b * c * sz + i;
				double sq = 0.0;

				for (int64_t k = c0; k <= c1; k++)
					sq += (double)xb[k * sz] * xb[k * sz];
				y[(b * c + ch) * sz + i] = (float)(
					xb[ch * sz] /
					pow(bias + alpha / (double)size * sq,
					    beta));
			}
	return 0;
}

const struct cpu_op cpu_op_lrn = { "", "LRN", lrn_infer, lrn_run };
