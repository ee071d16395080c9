// SPDX-License-Identifier: MIT
/*
 * ConvTranspose (float32): the gradient of Conv with respect to its input.
 * Per image and group, one GEMM makes the columns
 *	cols[M/g * K, in] = W_g^T[M/g * K, C/g] * X_g[C/g, in]
 * (K the kernel's size, in the input's spatial size), and col2im adds each
 * column to the output position it lands on: o = i * stride + k * dilation
 * - pad_begin, dropped outside the output.  Workspace: W_g^T and cols.
 */
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

/**
 * struct ct_geom - ConvTranspose geometry
 * @nsp: spatial rank; @group: groups
 * @in/@k/@s/@d/@pb/@pe/@op/@out: per spatial dimension: input, kernel,
 *	stride, dilation, begin/end pad, output_padding, output size
 */
struct ct_geom {
	int nsp;
	int64_t group;
	int64_t in[CPU_MAX_SPATIAL], k[CPU_MAX_SPATIAL];
	int64_t s[CPU_MAX_SPATIAL], d[CPU_MAX_SPATIAL];
	int64_t pb[CPU_MAX_SPATIAL], pe[CPU_MAX_SPATIAL];
	int64_t op[CPU_MAX_SPATIAL], out[CPU_MAX_SPATIAL];
};

/* An ints attribute of @want elements (or absent: @def for each). */
static int ct_ints(const struct ir_node *n, const char *name, size_t want,
		   int64_t def, int64_t min, int64_t *v, bool *present,
		   struct accel_err *e)
{
	const int64_t *a;
	size_t cnt;
	int ret;

	ret = cpu_get_ints(n, name, &a, &cnt, e);
	if (ret < 0)
		return ret;
	if (present)
		*present = ret;
	if (ret && cnt != want)
		return CPU_ERR(n, e, -EINVAL, "%s has %zu values, expected %zu",
			       name, cnt, want);
	for (size_t i = 0; i < want; i++) {
		v[i] = ret ? a[i] : def;
		if (v[i] < min || v[i] > (INT64_C(1) << 31))
			return CPU_ERR(n, e, -EINVAL, "%s[%zu] = %lld is out of range",
				       name, i, (long long)v[i]);
	}
	return 0;
}

static int ct_geom(const struct ir_node *n, const struct ir_value *x,
		   const struct ir_value *w, struct ct_geom *g,
		   struct accel_err *e)
{
	int64_t pads[2 * CPU_MAX_SPATIAL], oshape[IR_MAX_RANK];
	const char *auto_pad;
	const int64_t *os;
	size_t nos;
	int nsp = x->rank - 2, ret;
	bool has_ks;

	g->nsp = nsp;
	if (w->rank != x->rank)
		return CPU_ERR(n, e, -EINVAL, "W has rank %d, X has rank %d",
			       w->rank, x->rank);
	if ((ret = cpu_get_int(n, "group", 1, &g->group, e)) ||
	    (ret = cpu_get_string(n, "auto_pad", "NOTSET", &auto_pad, e)))
		return ret;
	if (g->group < 1 || x->dims[1] % g->group)
		return CPU_ERR(n, e, -EINVAL,
			       "group %lld does not divide the %lld input channels",
			       (long long)g->group, (long long)x->dims[1]);
	if (w->dims[0] != x->dims[1])
		return CPU_ERR(n, e, -EINVAL,
			       "W has %lld input channels, X has %lld",
			       (long long)w->dims[0], (long long)x->dims[1]);
	if (strcmp(auto_pad, "NOTSET") && strcmp(auto_pad, "VALID") &&
	    strcmp(auto_pad, "SAME_UPPER") && strcmp(auto_pad, "SAME_LOWER"))
		return CPU_ERR(n, e, -EINVAL, "unknown auto_pad '%s'",
			       auto_pad);
	if ((ret = ct_ints(n, "kernel_shape", nsp, 1, 1, g->k, &has_ks, e)) ||
	    (ret = ct_ints(n, "strides", nsp, 1, 1, g->s, NULL, e)) ||
	    (ret = ct_ints(n, "dilations", nsp, 1, 1, g->d, NULL, e)) ||
	    (ret = ct_ints(n, "output_padding", nsp, 0, 0, g->op, NULL, e)) ||
	    (ret = ct_ints(n, "pads", 2 * nsp, 0, 0, pads, NULL, e)))
		return ret;
	ret = cpu_get_ints(n, "output_shape", &os, &nos, e);
	if (ret < 0)
		return ret;
	if (ret && nos != (size_t)nsp && nos != (size_t)x->rank)
		return CPU_ERR(n, e, -EINVAL,
			       "output_shape has %zu values, X has %d spatial dimensions",
			       nos, nsp);
	for (int i = 0; i < nsp; i++) {
		int64_t full;

		g->in[i] = x->dims[2 + i];
		if (has_ks && g->k[i] != w->dims[2 + i])
			return CPU_ERR(n, e, -EINVAL,
				       "kernel_shape[%d] = %lld, W has %lld",
				       i, (long long)g->k[i],
				       (long long)w->dims[2 + i]);
		g->k[i] = w->dims[2 + i];
		if (g->k[i] < 1 || g->in[i] < 1)
			return CPU_ERR(n, e, -EINVAL,
				       "empty spatial dimension %d", i);
		if (g->op[i] >= g->s[i] && g->op[i] >= g->d[i])
			return CPU_ERR(n, e, -EINVAL,
				       "output_padding[%d] = %lld must be below the stride or the dilation",
				       i, (long long)g->op[i]);
		/* the size without padding; all factors are below 2^31 */
		full = g->s[i] * (g->in[i] - 1) + g->op[i] +
		       (g->k[i] - 1) * g->d[i] + 1;
		if (nos)
			oshape[i] = os[nos - nsp + i];
		else if (!strcmp(auto_pad, "SAME_UPPER") ||
			 !strcmp(auto_pad, "SAME_LOWER"))
			oshape[i] = g->in[i] * g->s[i];
		else
			oshape[i] = -1;
		if (oshape[i] >= 0) {
			/*
			 * tot < 0 (an output larger than the kernel reaches)
			 * pads negatively: the extra positions get the bias
			 */
			int64_t tot = full - oshape[i];
			int64_t half = tot >= 0 ? tot / 2 : -((1 - tot) / 2);

			if (oshape[i] < 1 || oshape[i] > (INT64_C(1) << 31))
				return CPU_ERR(n, e, -EINVAL,
					       "output_shape[%d] = %lld is out of range",
					       i, (long long)oshape[i]);
			/* SAME_UPPER puts the odd pad at the end */
			if (!strcmp(auto_pad, "SAME_UPPER")) {
				g->pb[i] = half;
				g->pe[i] = tot - half;
			} else {
				g->pb[i] = tot - half;
				g->pe[i] = half;
			}
		} else if (!strcmp(auto_pad, "VALID")) {
			g->pb[i] = g->pe[i] = 0;
		} else {
			g->pb[i] = pads[i];
			g->pe[i] = pads[nsp + i];
		}
		g->out[i] = full - g->pb[i] - g->pe[i];
		if (g->out[i] < 1)
			return CPU_ERR(n, e, -EINVAL,
				       "pads leave no output in dimension %d", i);
	}
	return 0;
}

static int ct_shapes(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ct_geom *g, struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_in(n, in, 0, "X", IR_F32, 3,
				2 + CPU_MAX_SPATIAL, e)) ||
	    (ret = cpu_check_in(n, in, 1, "W", IR_F32, 3,
				2 + CPU_MAX_SPATIAL, e)) ||
	    (ret = ct_geom(n, &in[0], &in[1], g, e)))
		return ret;
	if (cpu_has_in(in, n_in, 2)) {
		if ((ret = cpu_check_in(n, in, 2, "B", IR_F32, 1, 1, e)))
			return ret;
		if (in[2].dims[0] != in[1].dims[1] * g->group)
			return CPU_ERR(n, e, -EINVAL,
				       "B has %lld elements, the output has %lld channels",
				       (long long)in[2].dims[0],
				       (long long)(in[1].dims[1] * g->group));
	}
	return 0;
}

static int ct_infer(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK];
	struct ct_geom g;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 2, 3, n_out, 1, 1, e)) ||
	    (ret = ct_shapes(n, in, n_in, &g, e)))
		return ret;
	if (in[1].dims[1] > INT64_MAX / g.group)
		return CPU_ERR(n, e, -EOVERFLOW, "too many output channels");
	dims[0] = in[0].dims[0];
	dims[1] = in[1].dims[1] * g.group;
	for (int i = 0; i < g.nsp; i++)
		dims[2 + i] = g.out[i];
	return cpu_set_out(n, &out[0], IR_F32, in[0].rank, dims, e);
}

/* Kernel size K and input spatial size, checked against overflow. */
static int ct_sizes(const struct ir_node *n, const struct ct_geom *g,
		    int64_t mg, int64_t *kk, int64_t *isz,
		    struct accel_err *e)
{
	int64_t k = 1, s = 1, r;

	for (int i = 0; i < g->nsp; i++)
		if (__builtin_mul_overflow(k, g->k[i], &k) ||
		    __builtin_mul_overflow(s, g->in[i], &s))
			return CPU_ERR(n, e, -EOVERFLOW, "kernel or input too large");
	if (__builtin_mul_overflow(mg, k, &r) ||
	    __builtin_mul_overflow(r, s, &r))
		return CPU_ERR(n, e, -EOVERFLOW, "column buffer too large");
	*kk = k;
	*isz = s;
	return 0;
}

static int ct_ws(const struct ir_node *n, const struct ir_value *in,
		 int n_in, const struct ir_value *out, int n_out,
		 size_t *bytes, struct accel_err *e)
{
	int64_t cg, mg = in[1].dims[1], kk = 0, isz = 0;
	struct ct_geom g;
	int ret;

	(void)out;
	(void)n_out;
	if ((ret = ct_shapes(n, in, n_in, &g, e)) ||
	    (ret = ct_sizes(n, &g, mg, &kk, &isz, e)))
		return ret;
	cg = in[0].dims[1] / g.group;
	if ((ret = cpu_ws_add(n, bytes, mg * kk * cg, sizeof(float), e)))
		return ret;
	return cpu_ws_add(n, bytes, mg * kk * isz, sizeof(float), e);
}

/* Add the columns of one group (@mg channels) into @y. */
static void ct_col2im(const struct ct_geom *g, const float *cols,
		      int64_t mg, int64_t kk, int64_t isz, int64_t osz,
		      float *y)
{
	int64_t ostr[CPU_MAX_SPATIAL];
	int nsp = g->nsp;

	ostr[nsp - 1] = 1;
	for (int i = nsp - 2; i >= 0; i--)
		ostr[i] = ostr[i + 1] * g->out[i + 1];
	for (int64_t oc = 0; oc < mg; oc++) {
		int64_t ki[CPU_MAX_SPATIAL] = { 0 };
		float *yc = y + oc * osz;

		for (int64_t r = 0; r < kk; r++) {
			const float *cr = cols + (oc * kk + r) * isz;
			int64_t ii[CPU_MAX_SPATIAL] = { 0 };

			for (int64_t i = 0; i < isz; i++) {
				int64_t off = 0;
				bool inside = true;

				for (int d = 0; d < nsp && inside; d++) {
					int64_t o = ii[d] * g->s[d] +
						    ki[d] * g->d[d] - g->pb[d];

					inside = o >= 0 && o < g->out[d];
					off += o * ostr[d];
				}
				if (inside)
					yc[off] += cr[i];
				cpu_odo_next(ii, g->in, nsp);
			}
			cpu_odo_next(ki, g->k, nsp);
		}
	}
}

static int ct_run(const struct ir_node *n, const struct ir_value *in,
		  int n_in, struct ir_value *out, int n_out, void *ws,
		  struct accel_err *e)
{
	const float *x = in[0].data, *w = in[1].data;
	const float *b = cpu_has_in(in, n_in, 2) ? in[2].data : NULL;
	int64_t nb = in[0].dims[0], c = in[0].dims[1], mg = in[1].dims[1];
	int64_t cg, m, kk = 0, isz = 0, osz = 1;
	unsigned char *cur = ws;
	float *y = out[0].data, *wt, *cols;
	struct ct_geom g;
	int ret;

	(void)n_out;
	if ((ret = ct_shapes(n, in, n_in, &g, e)) ||
	    (ret = ct_sizes(n, &g, mg, &kk, &isz, e)))
		return ret;
	cg = c / g.group;
	m = mg * g.group;
	for (int i = 0; i < g.nsp; i++)
		osz *= g.out[i];
	wt = cpu_ws_take(&cur, mg * kk * cg, sizeof(float));
	cols = cpu_ws_take(&cur, mg * kk * isz, sizeof(float));
	for (int64_t bi = 0; bi < nb; bi++)
		for (int64_t ch = 0; ch < m; ch++) {
			float *yc = y + (bi * m + ch) * osz;
			float v = b ? b[ch] : 0.0f;

			for (int64_t i = 0; i < osz; i++)
				yc[i] = v;
		}
	for (int64_t gi = 0; gi < g.group; gi++) {
		/* W_g is [cg, mg * kk]: transpose it to [mg * kk, cg] */
		const float *wg = w + gi * cg * mg * kk;

		for (int64_t ic = 0; ic < cg; ic++)
			for (int64_t r = 0; r < mg * kk; r++)
				wt[r * cg + ic] = wg[ic * mg * kk + r];
		for (int64_t bi = 0; bi < nb; bi++) {
			const float *xg = x + (bi * c + gi * cg) * isz;
			float *yg = y + (bi * m + gi * mg) * osz;

			cpu_sgemm(mg * kk, isz, cg, wt, cg, xg, isz, cols, isz,
				  false);
			ct_col2im(&g, cols, mg, kk, isz, osz, yg);
		}
	}
	return 0;
}

const struct cpu_op_ws cpu_op_conv_transpose = {
	.op = { "", "ConvTranspose", ct_infer, NULL },
	.workspace = ct_ws,
	.run = ct_run,
};
