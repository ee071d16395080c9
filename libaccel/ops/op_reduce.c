// SPDX-License-Identifier: MIT
/*
 * Reductions: ReduceMax/Min/Sum/Prod/L1/L2/LogSum/LogSumExp/SumSquare
 * (axes as attribute or as input, keepdims, noop_with_empty_axes),
 * ArgMax/ArgMin (keepdims, select_last_index).  GlobalMaxPool lives
 * with the other pools in op_pool.c, LogSoftmax and Hardmax with Softmax
 * in op_norm.c.
 *
 * Float reductions accumulate in double; integer ones in int64 (wrapping).
 */
#include <math.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

enum rkind {
	R_MAX, R_MIN, R_SUM, R_PROD, R_L1, R_L2, R_LOGSUM, R_LOGSUMEXP,
	R_SUMSQ, R_NR
};

static const char *const rnames[R_NR] = {
	"ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd", "ReduceL1",
	"ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare",
};

static int rkind_of(const struct ir_node *n)
{
	for (int i = 0; i < R_NR; i++)
		if (!strcmp(n->op_type, rnames[i]))
			return i;
	return -1;
}

/* Kept and reduced dimensions of the input, with their input strides. */
struct rgeom {
	int nk, nr;
	int64_t kd[IR_MAX_RANK], ks[IR_MAX_RANK];
	int64_t rd[IR_MAX_RANK], rs[IR_MAX_RANK];
	int64_t rcnt;		/* elements per reduction */
	bool noop;		/* empty axes with noop_with_empty_axes */
	int rank;		/* output shape */
	int64_t dims[IR_MAX_RANK];
};

static int reduce_geom(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct rgeom *g, struct accel_err *e)
{
	int64_t keepdims, str[IR_MAX_RANK];
	bool red[IR_MAX_RANK];
	int r = in[0].rank, ret;

	memset(g, 0, sizeof(*g));
	if ((ret = cpu_get_int(n, "keepdims", 1, &keepdims, e)) ||
	    (ret = cpu_reduce_axes(n, in, n_in, red, &g->noop, e)))
		return ret;
	cpu_strides(r, in[0].dims, str);
	g->rcnt = 1;
	for (int i = 0; i < r; i++) {
		if (red[i]) {
			g->rd[g->nr] = in[0].dims[i];
			g->rs[g->nr++] = str[i];
			g->rcnt *= in[0].dims[i];
			if (keepdims)
				g->dims[g->rank++] = 1;
		} else {
			g->kd[g->nk] = in[0].dims[i];
			g->ks[g->nk++] = str[i];
			g->dims[g->rank++] = in[0].dims[i];
		}
	}
	return 0;
}

static bool reduce_int_ok(enum rkind k)
{
	return k != R_L2 && k != R_LOGSUM && k != R_LOGSUMEXP;
}

static int reduce_infer(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct ir_value *out, int n_out,
			struct accel_err *e)
{
	int k = rkind_of(n), t, ret;
	struct rgeom g;

	if ((ret = cpu_check_io(n, n_in, 1, 2, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "data", IR_UNDEFINED, 0,
				IR_MAX_RANK, e)))
		return ret;
	if (k < 0)
		return CPU_ERR(n, e, -EOPNOTSUPP, "unknown reduction");
	t = in[0].dtype;
	if (!cpu_is_float(t) &&
	    !(cpu_is_int(t) && reduce_int_ok((enum rkind)k)))
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "input 0 (data) type %s not supported",
			       cpu_dtype_name(t));
	if ((ret = reduce_geom(n, in, n_in, &g, e)))
		return ret;
	return cpu_set_out(n, &out[0], t, g.rank, g.dims, e);
}

/* Offset of reduced element @j (row-major over g->rd). */
static int64_t red_off(const struct rgeom *g, int64_t j)
{
	int64_t off = 0;

	for (int d = g->nr - 1; d >= 0; d--) {
		off += (j % g->rd[d]) * g->rs[d];
		j /= g->rd[d];
	}
	return off;
}

static double reduce_f(enum rkind k, const void *x, int t, int64_t base,
		       const struct rgeom *g)
{
	double acc, mx = -INFINITY;
	int64_t j;

	switch (k) {
	case R_MAX: acc = -INFINITY; break;
	case R_MIN: acc = INFINITY; break;
	case R_PROD: acc = 1.0; break;
	default: acc = 0.0; break;
	}
	if (k == R_LOGSUMEXP) {
		for (j = 0; j < g->rcnt; j++) {
			double v = cpu_load_f64(x, t, base + red_off(g, j));

			if (v > mx || isnan(v))
				mx = v;
			if (isnan(v))
				break;
		}
		if (!isfinite(mx))
			return mx;
	}
	for (j = 0; j < g->rcnt; j++) {
		double v = cpu_load_f64(x, t, base + red_off(g, j));

		switch (k) {
		case R_MAX: acc = (v > acc || isnan(v)) ? v : acc; break;
		case R_MIN: acc = (v < acc || isnan(v)) ? v : acc; break;
		case R_PROD: acc *= v; break;
		case R_L1: acc += fabs(v); break;
		case R_L2: case R_SUMSQ: acc += v * v; break;
		case R_LOGSUMEXP: acc += exp(v - mx); break;
		default: acc += v; break;
		}
		if ((k == R_MAX || k == R_MIN) && isnan(acc))
			break;
	}
	switch (k) {
	case R_L2: return sqrt(acc);
	case R_LOGSUM: return log(acc);
	case R_LOGSUMEXP: return mx + log(acc);
	default: return acc;
	}
}

static int64_t reduce_i(enum rkind k, const void *x, int t, int64_t base,
			const struct rgeom *g)
{
	bool u = t == IR_U64;
	uint64_t acc = k == R_PROD ? 1 : 0;
	int64_t j;

	if (k == R_MAX)
		acc = u ? 0 : (uint64_t)INT64_MIN;
	if (k == R_MIN)
		acc = u ? UINT64_MAX : (uint64_t)INT64_MAX;
	if ((k == R_MAX || k == R_MIN) && !u) {
		int64_t lim = k == R_MAX ? INT64_MIN : INT64_MAX;

		/* the identity in the element type's own range */
		switch (t) {
		case IR_I8: lim = k == R_MAX ? INT8_MIN : INT8_MAX; break;
		case IR_U8: lim = k == R_MAX ? 0 : UINT8_MAX; break;
		case IR_I16: lim = k == R_MAX ? INT16_MIN : INT16_MAX; break;
		case IR_U16: lim = k == R_MAX ? 0 : UINT16_MAX; break;
		case IR_I32: lim = k == R_MAX ? INT32_MIN : INT32_MAX; break;
		case IR_U32: lim = k == R_MAX ? 0 : UINT32_MAX; break;
		default: break;
		}
		acc = (uint64_t)lim;
	}
	for (j = 0; j < g->rcnt; j++) {
		int64_t v = cpu_load_i64(x, t, base + red_off(g, j));
		uint64_t uv = (uint64_t)v;

		switch (k) {
		case R_MAX:
			if (u ? uv > acc : v > (int64_t)acc)
				acc = uv;
			break;
		case R_MIN:
			if (u ? uv < acc : v < (int64_t)acc)
				acc = uv;
			break;
		case R_PROD: acc *= uv; break;
		case R_L1: acc += (!u && v < 0) ? 0 - uv : uv; break;
		case R_SUMSQ: acc += uv * uv; break;
		default: acc += uv; break;
		}
	}
	return (int64_t)acc;
}

static int reduce_run(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	int64_t idx[IR_MAX_RANK] = { 0 }, onumel = cpu_numel(&out[0]);
	int k = rkind_of(n), t = in[0].dtype, ret;
	int64_t base = 0;
	struct rgeom g;

	(void)n_out;
	if (k < 0)
		return CPU_ERR(n, e, -EOPNOTSUPP, "unknown reduction");
	if ((ret = reduce_geom(n, in, n_in, &g, e)))
		return ret;
	if (g.noop) {
		cpu_copy(out[0].data, in[0].data, cpu_nbytes(&out[0]));
		return 0;
	}
	for (int64_t o = 0; o < onumel; o++) {
		if (cpu_is_float(t))
			cpu_store_f64(out[0].data, t, o,
				      reduce_f((enum rkind)k, in[0].data, t,
					       base, &g));
		else
			cpu_store_i64(out[0].data, t, o,
				      reduce_i((enum rkind)k, in[0].data, t,
					       base, &g));
		for (int d = g.nk - 1; d >= 0; d--) {
			base += g.ks[d];
			if (++idx[d] < g.kd[d])
				break;
			base -= g.ks[d] * g.kd[d];
			idx[d] = 0;
		}
	}
	return 0;
}

#define REDUCE_OP(name, op)						\
const struct cpu_op cpu_op_##name = { "", op, reduce_infer, reduce_run };
REDUCE_OP(reduce_max, "ReduceMax")
REDUCE_OP(reduce_min, "ReduceMin")
REDUCE_OP(reduce_sum, "ReduceSum")
REDUCE_OP(reduce_prod, "ReduceProd")
REDUCE_OP(reduce_l1, "ReduceL1")
REDUCE_OP(reduce_l2, "ReduceL2")
REDUCE_OP(reduce_log_sum, "ReduceLogSum")
REDUCE_OP(reduce_log_sum_exp, "ReduceLogSumExp")
REDUCE_OP(reduce_sum_square, "ReduceSumSquare")

/* ---- ArgMax / ArgMin ---- */

static int arg_geom(const struct ir_node *n, const struct ir_value *x,
		    int *ax, int64_t *outer, int64_t *len, int64_t *inner,
		    bool *last, int *rank, int64_t *dims, struct accel_err *e)
{
	int64_t axis, keepdims, sli;
	int ret;

	if ((ret = cpu_get_int(n, "axis", 0, &axis, e)) ||
	    (ret = cpu_get_int(n, "keepdims", 1, &keepdims, e)) ||
	    (ret = cpu_get_int(n, "select_last_index", 0, &sli, e)))
		return ret;
	if (x->rank < 1)
		return CPU_ERR(n, e, -EINVAL, "input must have rank >= 1");
	if ((ret = cpu_norm_axis(n, axis, x->rank, false, ax, e)))
		return ret;
	if (sli != 0 && sli != 1)
		return CPU_ERR(n, e, -EINVAL,
			       "select_last_index must be 0 or 1");
	if (!x->dims[*ax])
		return CPU_ERR(n, e, -EINVAL, "axis %d is empty", *ax);
	*last = sli;
	*outer = *inner = 1;
	*len = x->dims[*ax];
	*rank = 0;
	for (int i = 0; i < x->rank; i++) {
		if (i < *ax)
			*outer *= x->dims[i];
		else if (i > *ax)
			*inner *= x->dims[i];
		if (i != *ax)
			dims[(*rank)++] = x->dims[i];
		else if (keepdims)
			dims[(*rank)++] = 1;
	}
	return 0;
}

static int arg_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK], a, b, c;
	int ax, rank, ret;
	bool last;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "data", IR_UNDEFINED, 0,
				IR_MAX_RANK, e)))
		return ret;
	if (!cpu_is_float(in[0].dtype) && !cpu_is_int(in[0].dtype))
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "input 0 (data) type %s not supported",
			       cpu_dtype_name(in[0].dtype));
	if ((ret = arg_geom(n, &in[0], &ax, &a, &b, &c, &last, &rank, dims,
			    e)))
		return ret;
	return cpu_set_out(n, &out[0], IR_I64, rank, dims, e);
}

/* >0 when @v beats @best for ArgMax (@max) or ArgMin; NaN wins first. */
static bool arg_better(double v, double best, bool max, bool last)
{
	if (isnan(best))
		return false;
	if (isnan(v))
		return true;
	if (last)
		return max ? v >= best : v <= best;
	return max ? v > best : v < best;
}

static int arg_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK], outer, len, inner;
	bool max = !strcmp(n->op_type, "ArgMax"), last;
	bool fl = cpu_is_float(in[0].dtype), u = in[0].dtype == IR_U64;
	int64_t *y = out[0].data;
	int ax, rank, t = in[0].dtype, ret;

	(void)n_in;
	(void)n_out;
	if ((ret = arg_geom(n, &in[0], &ax, &outer, &len, &inner, &last,
			    &rank, dims, e)))
		return ret;
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < inner; i++) {
			int64_t base = o * len * inner + i, bi = 0;
			double bf = cpu_load_f64(in[0].data, t, base);
			int64_t bv = cpu_load_i64(in[0].data, t, base);

			for (int64_t l = 1; l < len; l++) {
				int64_t off = base + l * inner;
				bool take;

				if (fl) {
					double v = cpu_load_f64(in[0].data, t,
								off);

					take = arg_better(v, bf, max, last);
					if (take)
						bf = v;
				} else {
					int64_t v = cpu_load_i64(in[0].data, t,
								 off);
					int c = u ? ((uint64_t)v > (uint64_t)bv) -
						    ((uint64_t)v < (uint64_t)bv)
						  : (v > bv) - (v < bv);

					take = max ? c > 0 : c < 0;
					if (last && c == 0)
						take = true;
					if (take)
						bv = v;
				}
				if (take)
					bi = l;
			}
			y[o * inner + i] = bi;
		}
	}
	return 0;
}

const struct cpu_op cpu_op_arg_max = { "", "ArgMax", arg_infer, arg_run };
const struct cpu_op cpu_op_arg_min = { "", "ArgMin", arg_infer, arg_run };
