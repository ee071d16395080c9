// SPDX-License-Identifier: MIT
/*
 * Pooling: MaxPool (float32, uint8, int8; no Indices output), AveragePool
 * (float32, count_include_pad), GlobalAveragePool and GlobalMaxPool
 * (float32).  N-D spatial, pads, strides, dilations, ceil_mode and
 * auto_pad.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"
#include "util/parallel.h"

static int pool_geom(const struct ir_node *n, const struct ir_value *x,
		     struct cpu_geom *g, struct accel_err *e)
{
	const int64_t *ks;
	size_t nk;
	int ret;

	if ((ret = cpu_get_ints(n, "kernel_shape", &ks, &nk, e)) < 0)
		return ret;
	if (!ret)
		return CPU_ERR(n, e, -EINVAL, "kernel_shape is required");
	if (nk != (size_t)(x->rank - 2))
		return CPU_ERR(n, e, -EINVAL,
			       "kernel_shape has %zu values, input has %d spatial dims",
			       nk, x->rank - 2);
	return cpu_geom_init(n, x, ks, true, true, g, e);
}

static int pool_set_out(const struct ir_node *n, const struct ir_value *x,
			const struct cpu_geom *g, struct ir_value *out,
			struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK];

	dims[0] = x->dims[0];
	dims[1] = x->dims[1];
	for (int i = 0; i < g->nsp; i++)
		dims[i + 2] = g->out[i];
	return cpu_set_out(n, out, x->dtype, x->rank, dims, e);
}

static int max_pool_infer(const struct ir_node *n, const struct ir_value *in,
			  int n_in, struct ir_value *out, int n_out,
			  struct accel_err *e)
{
	struct cpu_geom g;
	int64_t so;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 2, e)) ||
	    (ret = cpu_check_in(n, in, 0, "X", IR_UNDEFINED, 3, IR_MAX_RANK,
				e)))
		return ret;
	if (in[0].dtype != IR_F32 && in[0].dtype != IR_U8 &&
	    in[0].dtype != IR_I8)
		return CPU_ERR(n, e, -EOPNOTSUPP, "type %s not supported",
			       cpu_dtype_name(in[0].dtype));
	if (cpu_has_out(n, n_out, 1))
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "the Indices output is not supported");
	if ((ret = cpu_get_int(n, "storage_order", 0, &so, e)))
		return ret;
	if (so != 0 && so != 1)
		return CPU_ERR(n, e, -EINVAL, "storage_order must be 0 or 1");
	if ((ret = pool_geom(n, &in[0], &g, e)))
		return ret;
	return pool_set_out(n, &in[0], &g, &out[0], e);
}

static int avg_pool_infer(const struct ir_node *n, const struct ir_value *in,
			  int n_in, struct ir_value *out, int n_out,
			  struct accel_err *e)
{
	struct cpu_geom g;
	int64_t cip;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "X", IR_F32, 3, IR_MAX_RANK, e)) ||
	    (ret = cpu_get_int(n, "count_include_pad", 0, &cip, e)))
		return ret;
	if (cip != 0 && cip != 1)
		return CPU_ERR(n, e, -EINVAL,
			       "count_include_pad must be 0 or 1");
	if ((ret = pool_geom(n, &in[0], &g, e)))
		return ret;
	return pool_set_out(n, &in[0], &g, &out[0], e);
}

/*
 * Taps j in [0, k) of a window starting at @st with dilation @d whose
 * position st + j * d lies in [a, b): the half-open range [*lo, *hi).
 */
static void tap_range(int64_t st, int64_t d, int64_t k, int64_t a, int64_t b,
		      int64_t *lo, int64_t *hi)
{
	int64_t l = 0, h = k;

	if (a > st)
		l = (a - st) / d + ((a - st) % d != 0);
	if (b - 1 < st)
		h = 0;
	else if ((b - 1 - st) / d + 1 < h)
		h = (b - 1 - st) / d + 1;
	*lo = l < k ? l : k;
	*hi = h > *lo ? h : *lo;
}

/*
 * Visit every output position of one plane; for each, the taps of its
 * window that land in the input (clipped per dim, so the work is bounded by
 * the input whatever the kernel extent), counting cnt of them and pcnt of
 * those in the padding.  Taps beyond the padding (ceil_mode) count in
 * neither.
 */
#define POOL_PLANE(T, ACC_T, INIT, TAP, FINISH)				\
	do {								\
		int64_t oidx[CPU_MAX_SPATIAL] = { 0 };			\
		for (int64_t op = 0; op < osz; op++) {			\
			int64_t lo[CPU_MAX_SPATIAL], hi[CPU_MAX_SPATIAL]; \
			int64_t kidx[CPU_MAX_SPATIAL], cnt = 1;		\
			double pcnt = 1;				\
			ACC_T acc = INIT;				\
			int i;						\
									\
			for (i = 0; i < nsp; i++) {			\
				int64_t st = oidx[i] * g.s[i] - g.pb[i]; \
				int64_t plo, phi;			\
									\
				tap_range(st, g.d[i], g.k[i], 0, g.in[i], \
					  &lo[i], &hi[i]);		\
				tap_range(st, g.d[i], g.k[i], -g.pb[i],	\
					  g.in[i] + g.pe[i], &plo, &phi); \
				cnt *= hi[i] - lo[i];			\
				pcnt *= (double)(phi - plo);		\
				kidx[i] = lo[i];			\
			}						\
			pcnt -= (double)cnt;				\
			while (cnt) {					\
				int64_t off = 0;			\
									\
				for (i = 0; i < nsp; i++)		\
					off = off * g.in[i] +		\
					      oidx[i] * g.s[i] - g.pb[i] + \
					      kidx[i] * g.d[i];		\
				{					\
					T v = xp[off];			\
					TAP;				\
				}					\
				for (i = nsp - 1; i >= 0; i--) {	\
					if (++kidx[i] < hi[i])		\
						break;			\
					kidx[i] = lo[i];		\
				}					\
				if (i < 0)				\
					break;				\
			}						\
			FINISH;						\
			(void)pcnt;					\
			for (i = nsp - 1; i >= 0; i--) {		\
				if (++oidx[i] < g.out[i])		\
					break;				\
				oidx[i] = 0;				\
			}						\
		}							\
	} while (0)

static int pool_run(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	bool is_max = n->op_type[0] == 'M';
	int64_t planes, isz = 1, osz = 1, cip = 0;
	struct cpu_geom g;
	int nsp, ret;

	(void)n_in;
	(void)n_out;
	if ((ret = pool_geom(n, &in[0], &g, e)))
		return ret;
	if (!is_max &&
	    (ret = cpu_get_int(n, "count_include_pad", 0, &cip, e)))
		return ret;
	nsp = g.nsp;
	planes = in[0].dims[0] * in[0].dims[1];
	for (int i = 0; i < nsp; i++) {
		isz *= g.in[i];
		osz *= g.out[i];
	}
	for (int64_t pl = 0; pl < planes; pl++) {
		if (!is_max) {
			const float *xp = (const float *)in[0].data + pl * isz;
			float *yp = (float *)out[0].data + pl * osz;

			POOL_PLANE(float, float, 0.0f, acc += v,
				   yp[op] = (cnt + (cip ? pcnt : 0)) ?
					acc / (float)(cnt + (cip ? pcnt : 0)) :
					0.0f);
		} else if (in[0].dtype == IR_F32) {
			const float *xp = (const float *)in[0].data + pl * isz;
			float *yp = (float *)out[0].data + pl * osz;

			POOL_PLANE(float, float, -FLT_MAX,
				   if (v > acc || v != v) acc = v,
				   yp[op] = acc);
		} else if (in[0].dtype == IR_U8) {
			const uint8_t *xp = (const uint8_t *)in[0].data +
					    pl * isz;
			uint8_t *yp = (uint8_t *)out[0].data + pl * osz;

			POOL_PLANE(uint8_t, uint8_t, 0,
				   if (v > acc) acc = v,
				   yp[op] = acc);
		} else {
			const int8_t *xp = (const int8_t *)in[0].data +
					   pl * isz;
			int8_t *yp = (int8_t *)out[0].data + pl * osz;

			POOL_PLANE(int8_t, int8_t, -128,
				   if (v > acc) acc = v,
				   yp[op] = acc);
		}
	}
	return 0;
}

const struct cpu_op cpu_op_max_pool = { "", "MaxPool", max_pool_infer,
					pool_run };
const struct cpu_op cpu_op_average_pool = { "", "AveragePool",
					    avg_pool_infer, pool_run };

/* ---- GlobalAveragePool / GlobalMaxPool ---- */

static int global_pool_infer(const struct ir_node *n,
			     const struct ir_value *in, int n_in,
			     struct ir_value *out, int n_out,
			     struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK];
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "X", IR_F32, 3, IR_MAX_RANK, e)))
		return ret;
	for (int i = 0; i < in[0].rank; i++)
		dims[i] = i < 2 ? in[0].dims[i] : 1;
	for (int i = 2; i < in[0].rank; i++)
		if (!in[0].dims[i])
			return CPU_ERR(n, e, -EINVAL, "empty spatial dim %d",
				       i);
	return cpu_set_out(n, &out[0], IR_F32, in[0].rank, dims, e);
}

/* Sum of @sz floats in 16 running partial sums (no one long chain). */
static float plane_sum(const float *xp, int64_t sz)
{
	float part[16] = { 0 }, s = 0.0f;
	int64_t i = 0;

	for (; i + 16 <= sz; i += 16)
		for (int t = 0; t < 16; t++)
			part[t] += xp[i + t];
	for (int w = 8; w >= 1; w /= 2)
		for (int t = 0; t < w; t++)
			part[t] += part[t + w];
	s = part[0];
	for (; i < sz; i++)
		s += xp[i];
	return s;
}

/**
 * struct gpool - a global pool's planes, in blocks of @per for par_run()
 */
struct gpool {
	const float *x;
	float *y;
	int64_t planes, sz, per;
	bool is_max;
};

static void gpool_task(void *arg, uint32_t t)
{
	const struct gpool *g = arg;
	int64_t p0 = (int64_t)t * g->per, p1 = p0 + g->per;

	if (p1 > g->planes)
		p1 = g->planes;
	for (int64_t p = p0; p < p1; p++) {
		const float *xp = g->x + p * g->sz;

		if (g->is_max) {
			float m = xp[0];

			for (int64_t i = 1; i < g->sz; i++)
				if (xp[i] > m || isnan(xp[i]))
					m = xp[i];
			g->y[p] = m;
			continue;
		}
		g->y[p] = plane_sum(xp, g->sz) / (float)g->sz;
	}
}

/* Elements per task of a threaded global pool (below: one task). */
#define GPOOL_TASK_ELEMS (64 * 1024)

static int global_pool_run(const struct ir_node *n,
			   const struct ir_value *in, int n_in,
			   struct ir_value *out, int n_out,
			   struct accel_err *e)
{
	struct gpool g = {
		.x = in[0].data, .y = out[0].data,
		.planes = in[0].dims[0] * in[0].dims[1], .sz = 1,
		.is_max = !strcmp(n->op_type, "GlobalMaxPool"),
	};
	int64_t tasks = 1;

	(void)n_in;
	(void)n_out;
	(void)e;
	for (int i = 2; i < in[0].rank; i++)
		g.sz *= in[0].dims[i];
	if (g.planes <= 0)
		return 0;
	if (par_threads() > 1 && g.sz > 0 &&
	    g.planes * g.sz >= 2 * GPOOL_TASK_ELEMS) {
		tasks = g.planes * g.sz / GPOOL_TASK_ELEMS;
		if (tasks > 4 * (int64_t)par_threads())
			tasks = 4 * (int64_t)par_threads();
		if (tasks > g.planes)
			tasks = g.planes;
	}
	g.per = (g.planes + tasks - 1) / tasks;
	par_run(gpool_task, &g, (uint32_t)((g.planes + g.per - 1) / g.per));
	return 0;
}

const struct cpu_op cpu_op_global_average_pool = { "", "GlobalAveragePool",
						   global_pool_infer,
						   global_pool_run };
const struct cpu_op cpu_op_global_max_pool = { "", "GlobalMaxPool",
					       global_pool_infer,
					       global_pool_run };
