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
 * rows of an NCHW image are already the GEMM's B matrix); other 2-D convs
 * as a GEMM whose B rows are runs of a padded, stride-split copy of the
 * input (conv_ind_*: no im2col matrix); other ranks through an im2col
 * matrix in the workspace.
 */
enum conv_path { CONV_IM2COL, CONV_1X1, CONV_DW, CONV_IND };

/* Strides up to this split into phases (larger: im2col). */
#define CONV_IND_MAX_STRIDE 16

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
	if (g->nsp == 2 && g->s[0] <= CONV_IND_MAX_STRIDE &&
	    g->s[1] <= CONV_IND_MAX_STRIDE)
		return CONV_IND;
	return CONV_IM2COL;
}

/* Padded plane of a depthwise conv: rows, columns. */
static void dw_padded(const struct cpu_geom *g, int64_t *ph, int64_t *pw)
{
	*ph = g->in[0] + g->pb[0] + g->pe[0];
	*pw = g->in[1] + g->pb[1] + g->pe[1];
}

/*
 * Slots of per-thread scratch a conv's workspace holds: the tasks of one
 * run never outnumber them (the pool a run uses is unknown at plan time;
 * its threads are at most the CPUs, capped here).
 */
#define CONV_MAX_SLOTS 8

static uint32_t conv_slots(void)
{
	/* once per process: a run must find the slots its plan sized */
	static uint32_t slots;
	uint32_t n = __atomic_load_n(&slots, __ATOMIC_RELAXED);

	if (!n) {
		n = par_cpus();
		n = n > CONV_MAX_SLOTS ? CONV_MAX_SLOTS : n < 1 ? 1 : n;
		__atomic_store_n(&slots, n, __ATOMIC_RELAXED);
		n = __atomic_load_n(&slots, __ATOMIC_RELAXED);
	}
	return n;
}

/*
 * GCC turns short copy loops into memset/memcpy calls, slower than the
 * loops for the rows of a few floats that convs pad; the functions that
 * pad say so (all of them, so that pad_row() still inlines).
 */
#if defined(__GNUC__) && !defined(__clang__)
#define CONV_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define CONV_NO_LIBCALL
#endif

/*
 * Row @dst of @len floats of a depthwise conv's padded plane: zeros,
 * src[lo .. hi), zeros (a loop inlined: an indirect call per row of a
 * few floats costs more than the copy; conv_ind's rows, split by stride
 * too, go through the kernels' pad_plane()).
 */
static inline CONV_NO_LIBCALL void pad_row(float *restrict dst, int64_t len,
			   const float *restrict src, int64_t lo, int64_t hi)
{
	int64_t j = 0;

	for (; j < lo; j++)
		dst[j] = 0.0f;
	for (; j < hi; j++)
		dst[j] = src[j];
	for (; j < len; j++)
		dst[j] = 0.0f;
}

/* Tasks for @items work items on the current pool, at most @slots. */
static uint32_t conv_tasks(uint32_t slots, int64_t items)
{
	uint32_t t = par_threads();

	if (t > slots)
		t = slots;
	if ((int64_t)t > items)
		t = items > 0 ? (uint32_t)items : 1;
	return t;
}

/*
 * conv_ind: the input of one image, zero-padded and split by stride
 * phase, so that every tap of the kernel reads a contiguous run:
 * xs[c][ry][rx][i][j] = xpad[i * sh + ry][j * sw + rx] with planes of
 * @ph2 x @pw2 (xpad: the input with its padding).  Output (oy, ox) of tap
 * (ky, kx) reads xs[c][ky*dh % sh][kx*dw % sw][oy + ky*dh / sh]
 * [ox + kx*dw / sw], so output (oy, ox) reads row p's run at
 * boff[p] + oy * pw2 + ox: the GEMM (gemm_ind's 2-D columns, ow per row of
 * pw2) writes Y with the epilogue.  Narrow rows (@exact false) compute
 * @pw2 columns per output row instead (the last pw2 - ow dropped) into a
 * scratch block, copied out with the epilogue.
 */
struct ind_geom {
	int64_t ph2, pw2, plane, chan, xs_len, rows, cbuf_len;
	/* the phases some tap reads, their index among those (else -1) */
	int8_t py[CONV_IND_MAX_STRIDE], px[CONV_IND_MAX_STRIDE];
	int nphy, nphx;
	bool exact;	/* the GEMM writes Y's columns only (no cbuf) */
};

static void ind_geom(const struct cpu_geom *g, int64_t cin, int64_t mg,
		     int64_t kdim, struct ind_geom *ig)
{
	int64_t ph = g->in[0] + g->pb[0] + g->pe[0];
	int64_t pw = g->in[1] + g->pb[1] + g->pe[1];
	int64_t need = (g->out[0] - 1) * g->s[0] + (g->k[0] - 1) * g->d[0] + 1;

	if (ph < need)
		ph = need;
	ig->ph2 = (ph + g->s[0] - 1) / g->s[0];
	ig->pw2 = (pw + g->s[1] - 1) / g->s[1];
	ig->plane = ig->ph2 * ig->pw2;
	/* only the phases some tap reads (a 1x1 stride-2 conv: one of 4) */
	memset(ig->py, -1, sizeof(ig->py));
	memset(ig->px, -1, sizeof(ig->px));
	for (int64_t ky = 0; ky < g->k[0]; ky++)
		ig->py[ky * g->d[0] % g->s[0]] = 0;
	for (int64_t kx = 0; kx < g->k[1]; kx++)
		ig->px[kx * g->d[1] % g->s[1]] = 0;
	ig->nphy = ig->nphx = 0;
	for (int i = 0; i < g->s[0]; i++)
		if (!ig->py[i])
			ig->py[i] = (int8_t)ig->nphy++;
	for (int i = 0; i < g->s[1]; i++)
		if (!ig->px[i])
			ig->px[i] = (int8_t)ig->nphx++;
	ig->chan = ig->plane * ig->nphy * ig->nphx;
	/*
	 * garbage columns read up to a row past the last plane; pad_plane()
	 * writes up to F32K_PAD_SLACK past a plane (the last one's cleared)
	 */
	ig->xs_len = cin * ig->chan + ig->pw2 + 16 + F32K_PAD_SLACK;
	/*
	 * Rows whose vectors of 16 outputs span at most two runs of the
	 * split input go straight into Y (gemm_ind's 2-D columns), others
	 * through a scratch block of 32K floats at most.
	 */
	ig->exact = g->out[1] >= 16 || g->out[1] == 8;
	ig->rows = mg * ig->pw2 > 0 ? 32768 / (mg * ig->pw2) : 1;
	if (ig->rows < 1 || ig->exact)
		ig->rows = ig->exact ? g->out[0] : 1;
	if (ig->rows > g->out[0])
		ig->rows = g->out[0];
	ig->cbuf_len = ig->exact ? 0 : mg * ig->rows * ig->pw2;
	(void)kdim;
}

/* Sizes are checked for overflow first (conv_ws()). */
static bool ind_fits(const struct cpu_geom *g, int64_t cin)
{
	int64_t ph = g->in[0] + g->pb[0] + g->pe[0] + g->k[0] * g->d[0];
	int64_t pw = g->in[1] + g->pb[1] + g->pe[1] + 16;

	return ph > 0 && pw > 0 && ph < (INT64_C(1) << 28) &&
	       pw < (INT64_C(1) << 28) && ph * pw < (INT64_C(1) << 32) &&
	       cin < (INT64_C(1) << 28) && ph * pw * cin < (INT64_C(1) << 36);
}

/* Output rows per im2col block (1-D and 3-D convs: the whole matrix). */
static int64_t im2col_rows(const struct cpu_geom *g, int64_t kdim)
{
	(void)kdim;
	return g->out[0];
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
		if (ph > INT64_MAX / pw || ph * pw > (INT64_C(1) << 36))
			return CPU_ERR(n, e, -EOVERFLOW, "padded input too large");
		return cpu_ws_add(n, bytes, (ph * pw + F32K_DW_SLACK) *
				  conv_slots(), sizeof(float), e);
	case CONV_IND: {
		struct ind_geom ig;
		uint32_t slots = conv_slots();

		if (!ind_fits(&g, in[0].dims[1]))
			return CPU_ERR(n, e, -EOVERFLOW, "padded input too large");
		ind_geom(&g, in[0].dims[1], mg, kdim, &ig);
		if ((ret = cpu_ws_add(n, bytes, kdim, sizeof(int64_t), e)))
			return ret;
		for (uint32_t t = 0; t < slots; t++)
			if ((ret = cpu_ws_add(n, bytes, ig.xs_len, sizeof(float), e)) ||
			    (ret = cpu_ws_add(n, bytes, ig.cbuf_len, sizeof(float), e)))
				return ret;
		return 0;
	}
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
 * struct conv_dw - a depthwise conv's (image, channel block) items, pulled
 * by the tasks of par_run() from @next; task t pads into slot t of @pad
 */
struct conv_dw {
	const struct f32_kernels *k;
	const struct cpu_geom *g;
	const float *x, *w, *b;
	float *y, *pad;
	const float *res;
	float lo, hi;
	int64_t ph, pw, osz, isz, chans, items, nblk;
	uint32_t per;
	bool same;	/* k->dw_same() over the unpadded planes */
	bool s2;	/* k->dw_s2() over the unpadded planes */
	int64_t next;
};

static CONV_NO_LIBCALL void conv_dw_task(void *arg, uint32_t t)
{
	struct conv_dw *d = arg;
	const struct cpu_geom *g = d->g;
	int64_t ih = g->in[0], iw = g->in[1], it;
	float *p = d->pad + (int64_t)t * (d->ph * d->pw + F32K_DW_SLACK);
	int64_t pt = g->pb[0], pl = g->pb[1];

	memset(p + d->ph * d->pw, 0, F32K_DW_SLACK * sizeof(float));
	while ((it = __atomic_fetch_add(&d->next, 1, __ATOMIC_RELAXED)) <
	       d->items) {
		int64_t img = it / d->nblk;
		int64_t c0 = it % d->nblk * d->per, c1 = c0 + d->per;

		if (c1 > d->chans)
			c1 = d->chans;
		if (d->same || d->s2) {
			/* channels [c0, c1) in one call over the unpadded planes */
			int64_t ch = img * d->chans + c0;
			struct f32_epi ep = {
				.bias = d->b ? d->b + c0 : NULL,
				.res = d->res ? d->res + ch * d->osz : NULL,
				.lo = d->lo, .hi = d->hi,
			};
			const float *xc = d->x + ch * d->isz;
			const float *wc = d->w + c0 * g->k[0] * g->k[1];
			float *yc = d->y + ch * d->osz;

			if (d->same)
				d->k->dw_same(xc, ih, iw, (int)g->k[0],
					      (int)g->k[1], (int)pt, (int)pl,
					      c1 - c0, wc, yc, &ep);
			else
				d->k->dw_s2(xc, ih, iw, g->out[0], g->out[1],
					    (int)g->k[0], (int)g->k[1], (int)pt,
					    (int)pl, c1 - c0, wc, yc, &ep);
			continue;
		}
		for (int64_t c = c0; c < c1; c++) {
			int64_t ch = img * d->chans + c;
			const float *plane = d->x + ch * d->isz;
			struct f32_epi ep = {
				.bias = d->b ? d->b + c : NULL,
				.res = d->res ? d->res + ch * d->osz : NULL,
				.lo = d->lo, .hi = d->hi,
			};

			if (d->ph != ih || d->pw != iw) {
				for (int64_t r = 0; r < d->ph; r++)
					if (r < pt || r >= pt + ih)
						pad_row(p + r * d->pw, d->pw, NULL,
							d->pw, d->pw);
					else
						pad_row(p + r * d->pw, d->pw,
							plane + (r - pt) * iw - pl,
							pl, pl + iw);
				plane = p;
			}
			d->k->dwconv(plane, d->pw, g->out[0], g->out[1],
				     (int)g->k[0], (int)g->k[1], (int)g->s[0],
				     (int)g->s[1], (int)g->d[0], (int)g->d[1],
				     d->w + c * g->k[0] * g->k[1],
				     d->y + ch * d->osz, &ep);
		}
	}
}

/**
 * struct conv_ind - a 2-D conv as GEMMs over the stride-split input
 * (struct ind_geom): items are whole images (each task splits its own
 * image into slot t's @xs) or, with fewer images than tasks, blocks of
 * output rows of one image whose @xs is shared
 */
struct conv_ind {
	const struct f32_kernels *k;
	const struct cpu_geom *g;
	struct ind_geom ig;
	const float *x, *w, *b, *res;
	float *y;
	const int64_t *off;
	unsigned char *slots;	/* per slot: xs, then the scratch block */
	size_t slot_bytes;
	float lo, hi;
	int64_t cin, cout, group, cg, mg, kdim, osz, isz, nblk;
	int64_t img, items, next;
	bool per_image;
};

/* Split image @img of the input into @xs (struct ind_geom). */
static void ind_split(const struct conv_ind *d, int64_t img,
				      float *xs)
{
	const struct cpu_geom *g = d->g;
	int64_t ih = g->in[0], iw = g->in[1], sh = g->s[0], sw = g->s[1];
	int64_t pt = g->pb[0], pl = g->pb[1], ph2 = d->ig.ph2, pw2 = d->ig.pw2;
	const float *x = d->x + img * d->cin * d->isz;

	for (int64_t c = 0; c < d->cin; c++) {
		const float *xc = x + c * d->isz;

		for (int64_t ry = 0; ry < sh; ry++)
			for (int64_t rx = 0; rx < sw; rx++) {
				float *pl2;
				if (d->ig.py[ry] < 0 || d->ig.px[rx] < 0)
					continue;
				pl2 = xs + c * d->ig.chan +
				      (d->ig.py[ry] * d->ig.nphx + d->ig.px[rx]) *
				      d->ig.plane;
				/* columns j with 0 <= j * sw + rx - pl < iw */
				int64_t jlo = pl - rx > 0 ? (pl - rx + sw - 1) / sw : 0;
				int64_t jhi = iw + pl - rx > 0 ?
					      (iw + pl - rx + sw - 1) / sw : 0;

				/* rows i with 0 <= i * sh + ry - pt < ih */
				int64_t ilo = pt - ry > 0 ? (pt - ry + sh - 1) / sh : 0;
				int64_t ihi = ih + pt - ry > 0 ?
					      (ih + pt - ry + sh - 1) / sh : 0;

				jhi = jhi < pw2 ? jhi : pw2;
				jlo = jlo < jhi ? jlo : jhi;
				ihi = ihi < ph2 ? ihi : ph2;
				ilo = ilo < ihi ? ilo : ihi;
				d->k->pad_plane(pl2, ph2, pw2,
						xc + (ry - pt) * iw + rx - pl,
						sh * iw, ilo, ihi, jlo, jhi, sw);
			}
	}
	memset(xs + d->cin * d->ig.chan, 0,
	       (size_t)(d->ig.xs_len - d->cin * d->ig.chan) * sizeof(float));
}

/* Output rows block @blk of group @gi of image @img, from @xs. */
static CONV_NO_LIBCALL void ind_block(const struct conv_ind *d, int64_t img, int64_t gi,
		      int64_t blk, const float *xs, float *cbuf)
{
	const struct cpu_geom *g = d->g;
	int64_t pw2 = d->ig.pw2, ow = g->out[1];
	int64_t r0 = blk * d->ig.rows, r1 = r0 + d->ig.rows;
	int64_t nn, yoff;
	struct f32_epi ep = {
		.bias = d->b ? d->b + gi * d->mg : NULL,
		.lo = d->res ? -INFINITY : d->lo,
		.hi = d->res ? INFINITY : d->hi,
	};

	if (r1 > g->out[0])
		r1 = g->out[0];
	yoff = (img * d->cout + gi * d->mg) * d->osz + r0 * ow;
	if (d->ig.exact) {
		ep.res = d->res ? d->res + yoff : NULL;
		ep.ldr = d->osz;
		ep.lo = d->lo;
		ep.hi = d->hi;
		d->k->gemm_ind(d->mg, (r1 - r0) * ow, d->kdim,
			       d->w + gi * d->mg * d->kdim, d->kdim,
			       xs + gi * d->cg * d->ig.chan + r0 * pw2, d->off,
			       ow, pw2, d->y + yoff, d->osz, &ep);
		return;
	}
	nn = (r1 - r0) * pw2;
	d->k->gemm_ind(d->mg, nn, d->kdim, d->w + gi * d->mg * d->kdim,
		       d->kdim, xs + gi * d->cg * d->ig.chan + r0 * pw2, d->off,
		       nn, pw2, cbuf, nn, &ep);
	for (int64_t m = 0; m < d->mg; m++) {
		const float *cr = cbuf + m * nn;
		float *yr = d->y + yoff + m * d->osz;
		const float *rr = d->res ? d->res + yoff + m * d->osz : NULL;

		for (int64_t r = 0; r < r1 - r0; r++, cr += pw2, yr += ow) {
			if (!rr) {	/* rows are short: a loop, not a call */
				for (int64_t o = 0; o < ow; o++)
					yr[o] = cr[o];
				continue;
			}
			for (int64_t o = 0; o < ow; o++) {
				float v = cr[o] + rr[o];

				v = v < d->lo ? d->lo : v;
				yr[o] = v > d->hi ? d->hi : v;
			}
			rr += ow;
		}
	}
}

static void conv_ind_task(void *arg, uint32_t t)
{
	struct conv_ind *d = arg;
	unsigned char *sp = d->slots + (size_t)t * d->slot_bytes;
	float *xs = cpu_ws_take(&sp, d->ig.xs_len, sizeof(float));
	float *cbuf = cpu_ws_take(&sp, d->ig.cbuf_len, sizeof(float));
	int64_t it;

	if (!d->per_image)	/* slot 0's xs holds the image */
		xs = (float *)(void *)d->slots;
	while ((it = __atomic_fetch_add(&d->next, 1, __ATOMIC_RELAXED)) <
	       d->items) {
		if (!d->per_image) {
			ind_block(d, d->img, it / d->nblk, it % d->nblk, xs,
				  cbuf);
			continue;
		}
		ind_split(d, it, xs);
		for (int64_t gi = 0; gi < d->group; gi++)
			for (int64_t blk = 0; blk < d->nblk; blk++)
				ind_block(d, it, gi, blk, xs, cbuf);
	}
}

/* Y = epi(conv(X, W)) through conv_ind (2-D, not depthwise). */
static void conv_ind_run(struct conv_ind *d, unsigned char *wp)
{
	const struct cpu_geom *g = d->g;
	int64_t nimg = d->items, kk = 0;
	uint32_t slots = conv_slots(), nt;
	int64_t *off = cpu_ws_take(&wp, d->kdim, sizeof(int64_t));
	unsigned char *sp = wp;
	double macs = (double)d->cout * (double)d->osz * (double)d->kdim;

	cpu_ws_take(&sp, d->ig.xs_len, sizeof(float));
	cpu_ws_take(&sp, d->ig.cbuf_len, sizeof(float));
	d->slot_bytes = (size_t)(sp - wp);
	d->slots = wp;
	for (int64_t c = 0; c < d->cg; c++)
		for (int64_t ky = 0; ky < g->k[0]; ky++)
			for (int64_t kx = 0; kx < g->k[1]; kx++) {
				int64_t ty = ky * g->d[0], tx = kx * g->d[1];

				off[kk++] = c * d->ig.chan +
					    (d->ig.py[ty % g->s[0]] * d->ig.nphx +
					     d->ig.px[tx % g->s[1]]) * d->ig.plane +
					    ty / g->s[0] * d->ig.pw2 + tx / g->s[1];
			}
	d->off = off;
	d->nblk = (g->out[0] + d->ig.rows - 1) / d->ig.rows;
	nt = conv_tasks(slots, INT64_MAX);
	if (nt == 1 || nimg >= nt || macs < 2.0 * CONV_TASK_MACS) {
		/* whole images per task */
		d->per_image = true;
		d->next = 0;
		par_run(conv_ind_task, d, conv_tasks(slots, nimg));
		return;
	}
	/* few images: rows blocks of each, enough for every thread */
	d->per_image = false;
	{
		int64_t want = (int64_t)par_threads() * 4;
		int64_t rows = (g->out[0] + want - 1) / want;

		if (rows < d->ig.rows) {
			d->ig.rows = rows < 1 ? 1 : rows;
			d->nblk = (g->out[0] + d->ig.rows - 1) / d->ig.rows;
		}
	}
	for (int64_t img = 0; img < nimg; img++) {
		ind_split(d, img, (float *)(void *)d->slots);
		d->img = img;
		d->items = d->group * d->nblk;
		d->next = 0;
		par_run(conv_ind_task, d, conv_tasks(slots, d->items));
	}
}

/**
 * struct conv_1x1 - a unit 1x1 conv's images, one GEMM each, pulled by the
 * tasks of par_run()
 */
struct conv_1x1 {
	const struct f32_kernels *k;
	const float *x, *w, *b, *res;
	float *y;
	float lo, hi;
	int64_t cin, cout, group, cg, mg, osz, items, next;
};

static void conv_1x1_task(void *arg, uint32_t t)
{
	struct conv_1x1 *d = arg;
	int64_t img;

	(void)t;
	while ((img = __atomic_fetch_add(&d->next, 1, __ATOMIC_RELAXED)) <
	       d->items)
		for (int64_t gi = 0; gi < d->group; gi++) {
			int64_t yoff = (img * d->cout + gi * d->mg) * d->osz;
			struct f32_epi ep = {
				.bias = d->b ? d->b + gi * d->mg : NULL,
				.res = d->res ? d->res + yoff : NULL,
				.ldr = d->osz, .lo = d->lo, .hi = d->hi,
			};

			d->k->gemm(d->mg, d->osz, d->cg, d->w + gi * d->mg * d->cg,
				   d->cg, d->x + (img * d->cin + gi * d->cg) * d->osz,
				   d->osz, d->y + yoff, d->osz, &ep);
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
	int64_t group, cg, mg, kdim, osz, isz, nimg = in[0].dims[0];
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
			.k = k, .g = &g, .x = x, .w = w, .b = b, .y = y,
			.res = res, .lo = lo, .hi = hi, .osz = osz, .isz = isz,
			.chans = group,
		};
		uint32_t thr = par_threads(), nt = 1;
		double macs = (double)osz * (double)kdim * (double)group;

		dw_padded(&g, &d.ph, &d.pw);
		d.same = k->dw_same && g.s[0] == 1 && g.s[1] == 1 &&
			 g.d[0] == 1 && g.d[1] == 1 && g.out[0] == g.in[0] &&
			 g.out[1] == g.in[1] &&
			 isz <= F32K_SAME_MAX_PLANE &&
			 g.k[0] * g.k[1] <= F32K_SAME_MAX_TAPS;
		d.s2 = !d.same && k->dw_s2 && g.s[0] == 2 && g.s[1] == 2 &&
		       g.d[0] == 1 && g.d[1] == 1 && g.k[0] <= 8 &&
		       g.k[1] <= 8 && g.pb[0] < 8 && g.pb[1] < 8 &&
		       g.out[1] <= F32K_S2_MAX_OW;
		d.pad = cpu_ws_take(&wp, (d.ph * d.pw + F32K_DW_SLACK) *
				    conv_slots(), sizeof(float));
		/* channel blocks: whole images when they are enough */
		if (thr > 1 && nimg < 2 * thr &&
		    macs >= 2.0 * CONV_TASK_MACS / 4)
			nt = thr * 2;
		d.per = (uint32_t)((group + nt - 1) / nt);
		d.nblk = (group + d.per - 1) / d.per;
		d.items = nimg * d.nblk;
		par_run(conv_dw_task, &d, conv_tasks(conv_slots(), d.items));
		return 0;
	}
	if (path == CONV_IND) {
		struct conv_ind d = {
			.k = k, .g = &g, .x = x, .w = w, .b = b, .res = res,
			.y = y, .lo = lo, .hi = hi, .cin = in[0].dims[1],
			.cout = out[0].dims[1], .group = group, .cg = cg,
			.mg = mg, .kdim = kdim, .osz = osz, .isz = isz,
			.items = nimg,
		};

		ind_geom(&g, d.cin, mg, kdim, &d.ig);
		conv_ind_run(&d, wp);
		return 0;
	}
	if (path == CONV_1X1 && nimg > 1 && par_threads() > 1) {
		struct conv_1x1 d = {
			.k = k, .x = x, .w = w, .b = b, .res = res, .y = y,
			.lo = lo, .hi = hi, .cin = in[0].dims[1],
			.cout = out[0].dims[1], .group = group, .cg = cg,
			.mg = mg, .osz = osz, .items = nimg,
		};

		par_run(conv_1x1_task, &d, conv_tasks(CONV_MAX_SLOTS, nimg));
		return 0;
	}
	if (path == CONV_IM2COL)
		col = cpu_ws_take(&wp, kdim * im2col_rows(&g, kdim) *
				  (osz / g.out[0]), sizeof(float));
	for (int64_t img = 0; img < nimg; img++) {
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

				if (col) {
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
