// SPDX-License-Identifier: MIT
/*
 * Convolutions: Conv (float32), ConvInteger and QLinearConv (uint8/int8,
 * int32 accumulation).  N-D spatial, groups, dilations, strides, explicit
 * or automatic padding.  The integer ones lower each image and group by
 * im2col into a [C/group * prod(kernel)] x [prod(output)] matrix and
 * multiply it by the group's weights; the float one picks a path by shape
 * (conv_path()) and runs the kernels of f32k.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"
#include "ops/f32k.h"
#include "util/parallel.h"

/*
 * Column matrix of one group of one image: row (c, kernel offset), column
 * output position; positions in the padding read as zero.
 */
#define DEF_IM2COL(name, T)						\
static void name(const T *x, int64_t cg, const struct cpu_geom *g,	\
		 T *col)						\
{									\
	int nsp = g->nsp, last = nsp - 1;				\
	int64_t ksz = 1, osz = 1, isz = 1, ow = g->out[last];		\
									\
	for (int i = 0; i < nsp; i++) {					\
		ksz *= g->k[i];						\
		osz *= g->out[i];					\
		isz *= g->in[i];					\
	}								\
	for (int64_t c = 0; c < cg; c++) {				\
		const T *xc = x + c * isz;				\
									\
		for (int64_t kk = 0; kk < ksz; kk++) {			\
			int64_t kidx[CPU_MAX_SPATIAL], t = kk;		\
			T *row = col + (c * ksz + kk) * osz;		\
									\
			for (int i = nsp - 1; i >= 0; i--) {		\
				kidx[i] = t % g->k[i];			\
				t /= g->k[i];				\
			}						\
			for (int64_t q = 0; q < osz / ow; q++) {	\
				int64_t base = 0, u = q;		\
				int64_t mul = g->in[last];		\
				bool inside = true;			\
				T *dst = row + q * ow;			\
									\
				for (int i = last - 1; i >= 0; i--) {	\
					int64_t o = u % g->out[i];	\
					int64_t p = o * g->s[i] - g->pb[i] + \
						    kidx[i] * g->d[i];	\
									\
					u /= g->out[i];			\
					if (p < 0 || p >= g->in[i])	\
						inside = false;		\
					base += p * mul;		\
					mul *= g->in[i];		\
				}					\
				if (!inside) {				\
					memset(dst, 0, (size_t)ow * sizeof(T)); \
					continue;			\
				}					\
				for (int64_t o = 0; o < ow; o++) {	\
					int64_t p = o * g->s[last] -	\
						    g->pb[last] +	\
						    kidx[last] * g->d[last]; \
									\
					dst[o] = (p >= 0 && p < g->in[last]) ? \
						 xc[base + p] : (T)0;	\
				}					\
			}						\
		}							\
	}								\
}

DEF_IM2COL(im2col_f32, float)
DEF_IM2COL(im2col_i32, int32_t)

/*
 * One tap's row of a stride-1 im2col, output rows [@r0, @r1), when output
 * rows are as wide as the input's: the valid rows are one contiguous copy
 * of input rows (shifted by @off), then the few columns outside [@lo, @hi)
 * that came from the neighbouring rows are zeroed, as are the rows in the
 * padding.
 */
static void im2col_tap_s1(const float *xc, const struct cpu_geom *g,
			  int64_t ky, int64_t off, int64_t lo, int64_t hi,
			  int64_t r0, int64_t r1, float *dst)
{
	int64_t ih = g->in[0], ow = g->out[1];
	int64_t dy = ky * g->d[0] - g->pb[0];
	int64_t y0 = dy >= 0 ? 0 : -dy, y1 = ih - dy;
	int64_t first, last;

	y0 = y0 > r0 ? y0 : r0;
	y1 = y1 < r1 ? y1 : r1;
	if (y1 < y0)
		y1 = y0;
	/* dst is row r0 of this tap */
	memset(dst, 0, (size_t)((y0 - r0) * ow) * sizeof(float));
	memset(dst + (y1 - r0) * ow, 0,
	       (size_t)((r1 - y1) * ow) * sizeof(float));
	if (y1 == y0)
		return;
	first = y0 * ow + lo;
	last = (y1 - 1) * ow + hi;
	memcpy(dst + first - r0 * ow, xc + dy * ow + off + first,
	       (size_t)(last - first) * sizeof(float));
	for (int64_t oy = y0; oy < y1; oy++) {
		float *row = dst + (oy - r0) * ow;

		for (int64_t o = 0; o < lo; o++)
			row[o] = 0.0f;
		for (int64_t o = hi; o < ow; o++)
			row[o] = 0.0f;
	}
}

/*
 * 2-D float im2col of output rows [@r0, @r1): the columns of im2col_f32()'s
 * matrix for those rows, [kdim] x [(@r1 - @r0) * ow], with the valid range
 * of each output row worked out once instead of tested per element.
 */
static void im2col2d_f32(const float *x, int64_t cg, const struct cpu_geom *g,
			 int64_t r0, int64_t r1, float *col)
{
	int64_t ih = g->in[0], iw = g->in[1], oh = r1 - r0, ow = g->out[1];
	int64_t sh = g->s[0], sw = g->s[1];

	for (int64_t c = 0; c < cg; c++)
		for (int64_t ky = 0; ky < g->k[0]; ky++)
			for (int64_t kx = 0; kx < g->k[1]; kx++) {
				int64_t off = kx * g->d[1] - g->pb[1], lo, hi;
				float *dst = col + ((c * g->k[0] + ky) * g->k[1] + kx) *
						   oh * ow;

				/* ox with 0 <= ox * sw + off < iw */
				lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
				hi = iw - off <= 0 ? 0 : (iw - off + sw - 1) / sw;
				if (hi > ow)
					hi = ow;
				if (lo > hi)
					lo = hi;
				if (sw == 1 && sh == 1 && iw == ow && hi > lo) {
					im2col_tap_s1(x + c * ih * iw, g, ky, off,
						      lo, hi, r0, r1, dst);
					continue;
				}
				for (int64_t oy = r0; oy < r1; oy++, dst += ow) {
					int64_t iy = oy * sh - g->pb[0] + ky * g->d[0];
					const float *src;

					if (iy < 0 || iy >= ih) {
						memset(dst, 0, (size_t)ow * sizeof(float));
						continue;
					}
					/* rows are short: loops, not calls */
					src = x + (c * ih + iy) * iw + off;
					for (int64_t o = 0; o < lo; o++)
						dst[o] = 0.0f;
					if (sw == 1)
						for (int64_t o = lo; o < hi; o++)
							dst[o] = src[o];
					else
						for (int64_t o = lo; o < hi; o++)
							dst[o] = src[o * sw];
					for (int64_t o = hi; o < ow; o++)
						dst[o] = 0.0f;
				}
			}
}

/* Shape checks shared by the three convolutions. */
static int conv_shapes(const struct ir_node *n, const struct ir_value *x,
		       const struct ir_value *w, int64_t *group,
		       struct cpu_geom *g, struct accel_err *e)
{
	const int64_t *ks;
	size_t nk;
	int ret;

	if (x->rank < 3)
		return CPU_ERR(n, e, -EINVAL, "X must have rank >= 3, has %d",
			       x->rank);
	if (w->rank != x->rank)
		return CPU_ERR(n, e, -EINVAL, "W rank %d differs from X rank %d",
			       w->rank, x->rank);
	if ((ret = cpu_get_int(n, "group", 1, group, e)) ||
	    (ret = cpu_get_ints(n, "kernel_shape", &ks, &nk, e)) < 0)
		return ret;
	if (*group < 1 || *group > x->dims[1] || x->dims[1] % *group)
		return CPU_ERR(n, e, -EINVAL,
			       "group %lld does not divide %lld input channels",
			       (long long)*group, (long long)x->dims[1]);
	if (w->dims[0] < 1 || w->dims[0] % *group)
		return CPU_ERR(n, e, -EINVAL,
			       "group %lld does not divide %lld output channels",
			       (long long)*group, (long long)w->dims[0]);
	if (w->dims[1] != x->dims[1] / *group)
		return CPU_ERR(n, e, -EINVAL,
			       "W has %lld input channels per group, X has %lld / group %lld",
			       (long long)w->dims[1], (long long)x->dims[1],
			       (long long)*group);
	if (nk && nk != (size_t)(w->rank - 2))
		return CPU_ERR(n, e, -EINVAL, "kernel_shape has %zu values",
			       nk);
	for (size_t i = 0; i < nk; i++)
		if (ks[i] != w->dims[i + 2])
			return CPU_ERR(n, e, -EINVAL,
				       "kernel_shape[%zu]=%lld differs from W",
				       i, (long long)ks[i]);
	return cpu_geom_init(n, x, w->dims + 2, false, true, g, e);
}

static int conv_set_out(const struct ir_node *n, const struct ir_value *x,
			const struct ir_value *w, const struct cpu_geom *g,
			int dtype, struct ir_value *out, struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK];
	struct ir_value col = { .dtype = IR_F32, .rank = 2 };
	int64_t ksz = 1;
	int ret;

	dims[0] = x->dims[0];
	dims[1] = w->dims[0];
	for (int i = 0; i < g->nsp; i++) {
		dims[i + 2] = g->out[i];
		if (__builtin_mul_overflow(ksz, g->k[i], &ksz))
			return CPU_ERR(n, e, -EOVERFLOW, "kernel too large");
	}
	if ((ret = cpu_set_out(n, out, dtype, x->rank, dims, e)))
		return ret;
	/* the scratch matrix must be addressable too */
	col.dims[0] = ksz;
	col.dims[1] = cpu_numel(out) / (dims[0] && dims[1] ? dims[0] * dims[1] : 1);
	if (__builtin_mul_overflow(col.dims[0], w->dims[1], &col.dims[0]) ||
	    cpu_numel(&col) < 0)
		return CPU_ERR(n, e, -EOVERFLOW, "im2col matrix too large");
	return 0;
}

static int conv_infer(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	struct cpu_geom g;
	int64_t group;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 2, 3, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "X", IR_F32, 3, IR_MAX_RANK, e)) ||
	    (ret = cpu_check_in(n, in, 1, "W", IR_F32, 3, IR_MAX_RANK, e)) ||
	    (ret = conv_shapes(n, &in[0], &in[1], &group, &g, e)))
		return ret;
	if (cpu_has_in(in, n_in, 2)) {
		if ((ret = cpu_check_in(n, in, 2, "B", IR_F32, 1, 1, e)))
			return ret;
		if (in[2].dims[0] != in[1].dims[0])
			return CPU_ERR(n, e, -EINVAL,
				       "B has %lld elements, expected %lld",
				       (long long)in[2].dims[0],
				       (long long)in[1].dims[0]);
	}
	return conv_set_out(n, &in[0], &in[1], &g, IR_F32, &out[0], e);
}

static void conv_sizes(const struct ir_value *x, const struct ir_value *w,
		       const struct cpu_geom *g, int64_t group, int64_t *cg,
		       int64_t *mg, int64_t *kdim, int64_t *osz, int64_t *isz)
{
	*cg = x->dims[1] / group;
	*mg = w->dims[0] / group;
	*kdim = *cg;
	*osz = 1;
	*isz = 1;
	for (int i = 0; i < g->nsp; i++) {
		*kdim *= g->k[i];
		*osz *= g->out[i];
		*isz *= g->in[i];
	}
}

/*
 * How a float Conv runs: depthwise (one input and one output channel per
 * group, 2-D) straight over a zero-padded copy of each plane; a 1x1 kernel
 * with unit strides and no padding as a GEMM over the input itself (the
 * rows of an NCHW image are already the GEMM's B matrix); everything else
 * through an im2col matrix in the workspace.
 */
enum conv_path { CONV_IM2COL, CONV_1X1, CONV_DW };

static enum conv_path conv_path(const struct cpu_geom *g, int64_t cg,
				int64_t mg)
{
	bool unit = true;

	for (int i = 0; i < g->nsp; i++)
		if (g->k[i] != 1 || g->s[i] != 1 || g->pb[i] || g->pe[i])
			unit = false;
	if (unit)
		return CONV_1X1;
	if (cg == 1 && mg == 1 && g->nsp == 2 && g->s[0] <= INT32_MAX &&
	    g->s[1] <= INT32_MAX && g->d[0] <= INT32_MAX &&
	    g->d[1] <= INT32_MAX && g->k[0] <= INT32_MAX &&
	    g->k[1] <= INT32_MAX)
		return CONV_DW;
	return CONV_IM2COL;
}

/* Padded plane of a depthwise conv: rows, columns. */
static void dw_padded(const struct cpu_geom *g, int64_t *ph, int64_t *pw)
{
	*ph = g->in[0] + g->pb[0] + g->pe[0];
	*pw = g->in[1] + g->pb[1] + g->pe[1];
}

/*
 * Output rows per im2col block: 2-D convs build and multiply the matrix a
 * block of rows at a time, small enough (128 KiB) to stay in cache for
 * the GEMM; other ranks build it whole.
 */
static int64_t im2col_rows(const struct cpu_geom *g, int64_t kdim)
{
	int64_t rows;

	if (g->nsp != 2)
		return g->out[0];
	rows = kdim * g->out[1] > 0 ? 32768 / (kdim * g->out[1]) : 1;
	return rows < 1 ? 1 : rows > g->out[0] ? g->out[0] : rows;
}

/* Workspace: the im2col matrix [kdim, osz] (or a block of it), or the
 * padded planes. */
static int conv_ws(const struct ir_node *n, const struct ir_value *in,
		   int n_in, const struct ir_value *out, int n_out,
		   size_t *bytes, struct accel_err *e)
{
	int64_t group, cg, mg, kdim, osz, isz, ph, pw;
	struct cpu_geom g;
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = conv_shapes(n, &in[0], &in[1], &group, &g, e)))
		return ret;
	conv_sizes(&in[0], &in[1], &g, group, &cg, &mg, &kdim, &osz, &isz);
	if (!cpu_numel(&out[0]))
		return 0;
	switch (conv_path(&g, cg, mg)) {
	case CONV_1X1:
		return 0;
	case CONV_DW:
		dw_padded(&g, &ph, &pw);
		if (ph > INT64_MAX / pw || ph * pw > INT64_MAX / group)
			return CPU_ERR(n, e, -EOVERFLOW, "padded input too large");
		return cpu_ws_add(n, bytes, ph * pw * group, sizeof(float), e);
	default:
		break;
	}
	if (kdim > INT64_MAX / (osz ? osz : 1))
		return CPU_ERR(n, e, -EOVERFLOW, "im2col too large");
	return cpu_ws_add(n, bytes, kdim * im2col_rows(&g, kdim) *
			  (osz / g.out[0]), sizeof(float), e);
}

/**
 * struct conv_gemm - one group's GEMM, split into tasks for par_run()
 * @k: the kernels; @m/@nn/@kd: rows (output channels), columns (output
 * positions), depth; @a/@b/@c: weights, input matrix, output (row strides
 * @ldb, @ldc); @epi: the
 * epilogue; @tm/@tn: rows and columns per task; @ntn: tasks along columns
 */
struct conv_gemm {
	const struct f32_kernels *k;
	int64_t m, nn, kd, ldb, ldc;
	const float *a, *b;
	float *c;
	struct f32_epi epi;
	int64_t tm, tn;
	uint32_t ntn;
};

static void conv_gemm_task(void *arg, uint32_t t)
{
	const struct conv_gemm *cg = arg;
	int64_t i0 = (int64_t)(t / cg->ntn) * cg->tm;
	int64_t j0 = (int64_t)(t % cg->ntn) * cg->tn;
	int64_t mi = cg->m - i0 < cg->tm ? cg->m - i0 : cg->tm;
	int64_t nj = cg->nn - j0 < cg->tn ? cg->nn - j0 : cg->tn;
	struct f32_epi ep = cg->epi;

	if (ep.bias)
		ep.bias += i0;
	if (ep.res)
		ep.res += i0 * ep.ldr + j0;
	cg->k->gemm(mi, nj, cg->kd, cg->a + i0 * cg->kd, cg->kd, cg->b + j0,
		    cg->ldb, cg->c + i0 * cg->ldc + j0, cg->ldc, &ep);
}

/* Work per task: enough that a second thread pays for waking it. */
#define CONV_TASK_MACS (256 * 1024)

/* c = epi(a[m x kd] * b[kd x nn]), on the current pool's threads. */
static void conv_gemm_run(struct conv_gemm *g)
{
	uint32_t thr = par_threads(), nt = 1;
	double macs = (double)g->m * (double)g->nn * (double)g->kd;
	int64_t nm;

	if (thr > 1 && macs >= 2.0 * CONV_TASK_MACS) {
		nt = (uint32_t)(macs / CONV_TASK_MACS);
		if (nt > 4 * thr)
			nt = 4 * thr;
	}
	/* split columns in 32s first, then rows in 8s */
	g->tn = g->nn;
	g->tm = g->m;
	g->ntn = 1;
	if (nt > 1) {
		int64_t cols = (g->nn + 31) / 32;

		if (cols >= nt) {
			g->tn = (cols + nt - 1) / nt * 32;
		} else {
			int64_t rows = (g->m + 7) / 8, want = nt / cols;

			g->tn = 32;
			if (rows > 1 && want > 1)
				g->tm = (rows + want - 1) / want * 8;
		}
		g->ntn = (uint32_t)((g->nn + g->tn - 1) / g->tn);
	}
	nm = (g->m + g->tm - 1) / g->tm;
	par_run(conv_gemm_task, g, (uint32_t)nm * g->ntn);
}

/**
 * struct conv_dw - a depthwise conv's channels, tasks of par_run()
 */
struct conv_dw {
	const struct f32_kernels *k;
	const struct cpu_geom *g;
	const float *x, *w, *b;
	float *y, *pad;
	const float *res;
	float lo, hi;
	int64_t ph, pw, osz, chans;
	uint32_t per;
};

static void conv_dw_task(void *arg, uint32_t t)
{
	const struct conv_dw *d = arg;
	const struct cpu_geom *g = d->g;
	int64_t c0 = (int64_t)t * d->per, c1 = c0 + d->per;
	int64_t ih = g->in[0], iw = g->in[1];

	if (c1 > d->chans)
		c1 = d->chans;
	for (int64_t c = c0; c < c1; c++) {
		const float *plane = d->x + c * ih * iw;
		struct f32_epi ep = {
			.bias = d->b ? d->b + c : NULL,
			.res = d->res ? d->res + c * d->osz : NULL,
			.lo = d->lo, .hi = d->hi,
		};

		if (d->ph != ih || d->pw != iw) {
			float *p = d->pad + c * d->ph * d->pw;

			memset(p, 0, (size_t)(d->ph * d->pw) * sizeof(float));
			for (int64_t r = 0; r < ih; r++)
				memcpy(p + (r + g->pb[0]) * d->pw + g->pb[1],
				       plane + r * iw, (size_t)iw * sizeof(float));
			plane = p;
		}
		d->k->dwconv(plane, d->pw, g->out[0], g->out[1], (int)g->k[0],
			     (int)g->k[1], (int)g->s[0], (int)g->s[1],
			     (int)g->d[0], (int)g->d[1], d->w + c * g->k[0] * g->k[1],
			     d->y + c * d->osz, &ep);
	}
}

/*
 * Y = act(conv(X, W) + B [+ @f->res]): the float Conv, with what the plan
 * fused into it (@f NULL: nothing).
 */
static int conv_f32(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, void *ws,
		    const struct cpu_fused *f, struct accel_err *e)
{
	const struct f32_kernels *k = f32k_get();
	unsigned char *wp = ws;
	const float *x = in[0].data, *w = in[1].data;
	const float *b = cpu_has_in(in, n_in, 2) ? in[2].data : NULL;
	const float *res = f ? f->res : NULL;
	float *y = out[0].data, lo = f ? f->lo : -INFINITY;
	float hi = f ? f->hi : INFINITY;
	int64_t group, cg, mg, kdim, osz, isz;
	enum conv_path path;
	struct cpu_geom g;
	float *col = NULL;
	int ret;

	if ((ret = conv_shapes(n, &in[0], &in[1], &group, &g, e)))
		return ret;
	conv_sizes(&in[0], &in[1], &g, group, &cg, &mg, &kdim, &osz, &isz);
	if (!cpu_numel(&out[0]))
		return 0;
	path = conv_path(&g, cg, mg);
	if (path == CONV_DW) {
		struct conv_dw d = {
			.k = k, .g = &g, .w = w, .b = b, .lo = lo, .hi = hi,
			.osz = osz, .chans = group,
		};
		uint32_t thr = par_threads(), nt = 1;
		double macs = (double)osz * (double)kdim * (double)group;

		dw_padded(&g, &d.ph, &d.pw);
		d.pad = cpu_ws_take(&wp, d.ph * d.pw * group, sizeof(float));
		if (thr > 1 && macs >= 2.0 * CONV_TASK_MACS / 4)
			nt = thr * 2;
		d.per = (uint32_t)((group + nt - 1) / nt);
		for (int64_t img = 0; img < in[0].dims[0]; img++) {
			d.x = x + img * group * isz;
			d.y = y + img * group * osz;
			d.res = res ? res + img * group * osz : NULL;
			par_run(conv_dw_task, &d,
				(uint32_t)((group + d.per - 1) / d.per));
		}
		return 0;
	}
	if (path == CONV_IM2COL)
		col = cpu_ws_take(&wp, kdim * im2col_rows(&g, kdim) *
				  (osz / g.out[0]), sizeof(float));
	for (int64_t img = 0; img < in[0].dims[0]; img++) {
		for (int64_t gi = 0; gi < group; gi++) {
			const float *xg = x + (img * in[0].dims[1] + gi * cg) * isz;
			int64_t yoff = (img * out[0].dims[1] + gi * mg) * osz;
			int64_t rows = col ? im2col_rows(&g, kdim) : g.out[0];
			int64_t rlen = osz / g.out[0];

			for (int64_t r0 = 0; r0 < g.out[0]; r0 += rows) {
				int64_t r1 = r0 + rows < g.out[0] ? r0 + rows :
					     g.out[0];
				int64_t j0 = r0 * rlen;
				struct conv_gemm cgm = {
					.k = k, .m = mg, .nn = (r1 - r0) * rlen,
					.kd = kdim, .ldb = osz, .ldc = osz,
					.a = w + gi * mg * kdim, .b = xg + j0,
					.c = y + yoff + j0,
					.epi = {
						.bias = b ? b + gi * mg : NULL,
						.res = res ? res + yoff + j0 : NULL,
						.ldr = osz, .lo = lo, .hi = hi,
					},
				};

				if (col && g.nsp == 2) {
					im2col2d_f32(xg, cg, &g, r0, r1, col);
					cgm.b = col;
					cgm.ldb = cgm.nn;
				} else if (col) {
					im2col_f32(xg, cg, &g, col);
					cgm.b = col;
				}
				conv_gemm_run(&cgm);
			}
		}
	}
	return 0;
}

static int conv_run(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out, void *ws,
		    struct accel_err *e)
{
	(void)n_out;
	return conv_f32(n, in, n_in, out, ws, NULL, e);
}

static int conv_run_fused(const struct ir_node *n, const struct ir_value *in,
			  int n_in, struct ir_value *out, int n_out, void *ws,
			  const struct cpu_fused *f, struct accel_err *e)
{
	(void)n_out;
	return conv_f32(n, in, n_in, out, ws, f, e);
}

const struct cpu_op_ws cpu_op_conv = {
	.op = { "", "Conv", conv_infer, NULL },
	.workspace = conv_ws,
	.run = conv_run,
	.run_fused = conv_run_fused,
};

/* ---- integer convolutions ---- */

/*
 * Scale or zero point @i of type @dtype: scalar (or [1]), or per output
 * channel when @per_len > 0.
 */
static int check_scale(const struct ir_node *n, const struct ir_value *in,
		       int i, const char *what, int dtype, int64_t per_len,
		       struct accel_err *e)
{
	int64_t cnt;
	int ret;

	if ((ret = cpu_check_in(n, in, i, what, dtype, 0, 1, e)))
		return ret;
	cnt = cpu_numel(&in[i]);
	if (cnt != 1 && (per_len <= 0 || cnt != per_len))
		return CPU_ERR(n, e, -EINVAL,
			       "%s has %lld elements, expected 1%s", what,
			       (long long)cnt, per_len > 0 ? " or per channel" : "");
	return 0;
}

/* Optional zero point: absent is fine, else as check_scale(). */
static int check_zp(const struct ir_node *n, const struct ir_value *in,
		    int n_in, int i, const char *what, int dtype,
		    int64_t per_len, struct accel_err *e)
{
	if (!cpu_has_in(in, n_in, i))
		return 0;
	return check_scale(n, in, i, what, dtype, per_len, e);
}

static bool is_q8(int dtype)
{
	return dtype == IR_U8 || dtype == IR_I8;
}

/*
 * Workspace of conv_int_core(): x and w widened to int32, the im2col
 * matrix.
 */
static int conv_int_ws(const struct ir_node *n, const struct ir_value *x,
		       const struct ir_value *w, size_t *bytes,
		       struct accel_err *e)
{
	int64_t group, cg, mg, kdim, osz, isz;
	struct cpu_geom g;
	int ret;

	if ((ret = conv_shapes(n, x, w, &group, &g, e)))
		return ret;
	conv_sizes(x, w, &g, group, &cg, &mg, &kdim, &osz, &isz);
	if (kdim > INT64_MAX / (osz ? osz : 1))
		return CPU_ERR(n, e, -EOVERFLOW, "im2col too large");
	if ((ret = cpu_ws_add(n, bytes, cpu_numel(x), sizeof(int32_t), e)) ||
	    (ret = cpu_ws_add(n, bytes, cpu_numel(w), sizeof(int32_t), e)))
		return ret;
	return cpu_ws_add(n, bytes, kdim * osz, sizeof(int32_t), e);
}

/*
 * Integer convolution core: Y[n, m, p] = sum (x - xzp) * (w - wzp[m]) with
 * int32 (wrapping) accumulation; @acc receives [N, M, prod(out)].  @wp is
 * the workspace cursor, conv_int_ws() bytes.
 */
static int conv_int_core(const struct ir_node *n, const struct ir_value *x,
			 const struct ir_value *w, const struct ir_value *xzp,
			 const struct ir_value *wzp, int32_t *acc,
			 unsigned char *wp, struct accel_err *e)
{
	int64_t group, cg, mg, kdim, osz, isz, xn, wn, m_all;
	int32_t xz = 0, *xi = NULL, *wi = NULL, *col = NULL;
	struct cpu_geom g;
	int ret;

	if ((ret = conv_shapes(n, x, w, &group, &g, e)))
		return ret;
	conv_sizes(x, w, &g, group, &cg, &mg, &kdim, &osz, &isz);
	xn = cpu_numel(x);
	wn = cpu_numel(w);
	m_all = w->dims[0];
	if (xzp && xzp->data)
		xz = cpu_load_i32(xzp->data, xzp->dtype, 0);
	xi = cpu_ws_take(&wp, xn, sizeof(int32_t));
	wi = cpu_ws_take(&wp, wn, sizeof(int32_t));
	col = cpu_ws_take(&wp, kdim * osz, sizeof(int32_t));
	for (int64_t i = 0; i < xn; i++)
		xi[i] = cpu_load_i32(x->data, x->dtype, i) - xz;
	for (int64_t m = 0; m < m_all; m++) {
		int32_t wz = 0;

		if (wzp && wzp->data)
			wz = cpu_load_i32(wzp->data, wzp->dtype,
					  cpu_numel(wzp) == 1 ? 0 : m);
		for (int64_t k = 0; k < kdim; k++)
			wi[m * kdim + k] = cpu_load_i32(w->data, w->dtype,
							m * kdim + k) - wz;
	}
	for (int64_t img = 0; img < x->dims[0]; img++) {
		for (int64_t gi = 0; gi < group; gi++) {
			const int32_t *wg = wi + gi * mg * kdim;
			int32_t *yg = acc + (img * m_all + gi * mg) * osz;

			im2col_i32(xi + (img * x->dims[1] + gi * cg) * isz, cg,
				   &g, col);
			for (int64_t m = 0; m < mg; m++) {
				uint32_t *yr = (uint32_t *)yg + m * osz;

				memset(yr, 0, (size_t)osz * sizeof(*yr));
				for (int64_t k = 0; k < kdim; k++) {
					uint32_t wv = (uint32_t)wg[m * kdim + k];
					const int32_t *cr = col + k * osz;

					for (int64_t p = 0; p < osz; p++)
						yr[p] += wv * (uint32_t)cr[p];
				}
			}
		}
	}
	return 0;
}

/*
 * Inputs "x" (0) and "w" (@wi) of ConvInteger/QLinearConv: 8-bit, rank >= 3,
 * with the convolution geometry.
 */
static int q8_conv_shapes(const struct ir_node *n, const struct ir_value *in,
			  int wi, int64_t *group, struct cpu_geom *g,
			  struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_in(n, in, 0, "x", IR_UNDEFINED, 3, IR_MAX_RANK,
				e)) ||
	    (ret = cpu_check_in(n, in, wi, "w", IR_UNDEFINED, 3, IR_MAX_RANK,
				e)))
		return ret;
	if (!is_q8(in[0].dtype) || !is_q8(in[wi].dtype))
		return CPU_ERR(n, e, -EINVAL, "x and w must be uint8 or int8");
	return conv_shapes(n, &in[0], &in[wi], group, g, e);
}

static int conv_integer_infer(const struct ir_node *n,
			      const struct ir_value *in, int n_in,
			      struct ir_value *out, int n_out,
			      struct accel_err *e)
{
	struct cpu_geom g;
	int64_t group;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 2, 4, n_out, 1, 1, e)) ||
	    (ret = q8_conv_shapes(n, in, 1, &group, &g, e)) ||
	    (ret = check_zp(n, in, n_in, 2, "x_zero_point", in[0].dtype, 0,
			    e)) ||
	    (ret = check_zp(n, in, n_in, 3, "w_zero_point", in[1].dtype,
			    in[1].dims[0], e)))
		return ret;
	return conv_set_out(n, &in[0], &in[1], &g, IR_I32, &out[0], e);
}

static int conv_integer_ws(const struct ir_node *n,
			   const struct ir_value *in, int n_in,
			   const struct ir_value *out, int n_out,
			   size_t *bytes, struct accel_err *e)
{
	(void)n_in;
	(void)n_out;
	if (!cpu_numel(&out[0]))
		return 0;
	return conv_int_ws(n, &in[0], &in[1], bytes, e);
}

static int conv_integer_run(const struct ir_node *n,
			    const struct ir_value *in, int n_in,
			    struct ir_value *out, int n_out, void *ws,
			    struct accel_err *e)
{
	(void)n_out;
	if (!cpu_numel(&out[0]))
		return 0;
	return conv_int_core(n, &in[0], &in[1],
			     cpu_has_in(in, n_in, 2) ? &in[2] : NULL,
			     cpu_has_in(in, n_in, 3) ? &in[3] : NULL,
			     out[0].data, ws, e);
}

const struct cpu_op_ws cpu_op_conv_integer = {
	.op = { "", "ConvInteger", conv_integer_infer, NULL },
	.workspace = conv_integer_ws,
	.run = conv_integer_run,
};

static int qlinear_conv_infer(const struct ir_node *n,
			      const struct ir_value *in, int n_in,
			      struct ir_value *out, int n_out,
			      struct accel_err *e)
{
	struct cpu_geom g;
	int64_t group, m;
	int32_t lo, hi;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 8, 9, n_out, 1, 1, e)) ||
	    (ret = q8_conv_shapes(n, in, 3, &group, &g, e)))
		return ret;
	m = in[3].dims[0];
	if ((ret = check_scale(n, in, 1, "x_scale", IR_F32, 0, e)) ||
	    (ret = check_zp(n, in, n_in, 2, "x_zero_point", in[0].dtype, 0,
			    e)) ||
	    (ret = check_scale(n, in, 4, "w_scale", IR_F32, m, e)) ||
	    (ret = check_zp(n, in, n_in, 5, "w_zero_point", in[3].dtype, m,
			    e)) ||
	    (ret = check_scale(n, in, 6, "y_scale", IR_F32, 0, e)) ||
	    (ret = cpu_check_in(n, in, 7, "y_zero_point", IR_UNDEFINED, 0, 1,
				e)) ||
	    (ret = check_zp(n, in, n_in, 7, "y_zero_point", in[7].dtype, 0,
			    e)) ||
	    (ret = cpu_qrange(n, in[7].dtype, &lo, &hi, e)))
		return ret;
	if (!is_q8(in[7].dtype))
		return CPU_ERR(n, e, -EINVAL, "y_zero_point must be 8-bit");
	if (cpu_has_in(in, n_in, 8)) {
		if ((ret = cpu_check_in(n, in, 8, "B", IR_I32, 1, 1, e)))
			return ret;
		if (in[8].dims[0] != m)
			return CPU_ERR(n, e, -EINVAL,
				       "B has %lld elements, expected %lld",
				       (long long)in[8].dims[0], (long long)m);
	}
	return conv_set_out(n, &in[0], &in[3], &g, in[7].dtype, &out[0], e);
}

/*
 * Requantize int32 accumulators as the ONNX reference does: the float32
 * multiplier x_scale * w_scale / y_scale, product in double, round half
 * to even, add the zero point, saturate.
 */
static void requant(const int32_t *acc, int64_t outer, int64_t m_all,
		    int64_t inner, float sa, const struct ir_value *sw,
		    float sy, int32_t zp, int32_t lo, int32_t hi,
		    const int32_t *bias, void *y, int dtype)
{
	bool per_m = cpu_numel(sw) != 1;

	for (int64_t o = 0; o < outer; o++) {
		for (int64_t m = 0; m < m_all; m++) {
			float ws = ((const float *)sw->data)[per_m ? m : 0];
			float mult = sa * ws / sy;
			int64_t base = (o * m_all + m) * inner;

			for (int64_t p = 0; p < inner; p++) {
				int32_t a = acc[base + p];
				int32_t q;

				if (bias)
					a = (int32_t)((uint32_t)a +
						      (uint32_t)bias[m]);
				q = cpu_round_sat((double)a * (double)mult + zp,
						  lo, hi);
				if (dtype == IR_U8)
					((uint8_t *)y)[base + p] = (uint8_t)q;
				else
					((int8_t *)y)[base + p] = (int8_t)q;
			}
		}
	}
}

/* Workspace: the int32 accumulators, then conv_int_core()'s. */
static int qlinear_conv_ws(const struct ir_node *n,
			   const struct ir_value *in, int n_in,
			   const struct ir_value *out, int n_out,
			   size_t *bytes, struct accel_err *e)
{
	int64_t numel = cpu_numel(&out[0]);
	int ret;

	(void)n_in;
	(void)n_out;
	if (!numel)
		return 0;
	if ((ret = cpu_ws_add(n, bytes, numel, sizeof(int32_t), e)))
		return ret;
	return conv_int_ws(n, &in[0], &in[3], bytes, e);
}

static int qlinear_conv_run(const struct ir_node *n,
			    const struct ir_value *in, int n_in,
			    struct ir_value *out, int n_out, void *ws,
			    struct accel_err *e)
{
	int64_t numel = cpu_numel(&out[0]), inner = 1;
	unsigned char *wp = ws;
	int32_t *acc, lo, hi;
	int ret;

	(void)n_out;
	if (!numel)
		return 0;
	if ((ret = cpu_qrange(n, out[0].dtype, &lo, &hi, e)))
		return ret;
	acc = cpu_ws_take(&wp, numel, sizeof(int32_t));
	ret = conv_int_core(n, &in[0], &in[3],
			    cpu_has_in(in, n_in, 2) ? &in[2] : NULL,
			    cpu_has_in(in, n_in, 5) ? &in[5] : NULL, acc, wp, e);
	if (!ret) {
		for (int i = 2; i < out[0].rank; i++)
			inner *= out[0].dims[i];
		requant(acc, out[0].dims[0], out[0].dims[1], inner,
			*(const float *)in[1].data, &in[4],
			*(const float *)in[6].data,
			cpu_load_i32(in[7].data, in[7].dtype, 0), lo, hi,
			cpu_has_in(in, n_in, 8) ? in[8].data : NULL,
			out[0].data, out[0].dtype);
	}
	return ret;
}

const struct cpu_op_ws cpu_op_qlinear_conv = {
	.op = { "", "QLinearConv", qlinear_conv_infer, NULL },
	.workspace = qlinear_conv_ws,
	.run = qlinear_conv_run,
};
