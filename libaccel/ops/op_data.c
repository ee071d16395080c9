// SPDX-License-Identifier: MIT
/*
 * More data movement and generators: Slice (attributes before opset 10,
 * inputs after; negative steps and clamping), Expand, Tile,
 * ConstantOfShape, Range, Split, Size, DepthToSpace, SpaceToDepth,
 * GatherElements, CumSum, Trilu, OneHot and TopK.
 *
 * Shape operands (starts, shape, repeats, split, K, depth...) must be known
 * at planning time; when they are not, infer() fails with -EOPNOTSUPP
 * naming the operand.  Every op is a byte mover unless noted, so it works
 * on any element type the CPU backend holds.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

/* Largest element count a generated dimension may have (Range, OneHot). */
#define DATA_MAX_GEN (INT64_C(1) << 40)

/*
 * A scalar (or 1-element) operand with known data as double: -EOPNOTSUPP
 * when unknown at planning.
 */
static int read_scalar(const struct ir_node *n, const struct ir_value *in,
		       int i, const char *what, double *v,
		       struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_in(n, in, i, what, IR_UNDEFINED, 0, 1, e)))
		return ret;
	if (!cpu_is_float(in[i].dtype) && !cpu_is_int(in[i].dtype))
		return CPU_ERR(n, e, -EINVAL, "%s has type %s", what,
			       cpu_dtype_name(in[i].dtype));
	if (cpu_numel(&in[i]) != 1)
		return CPU_ERR(n, e, -EINVAL, "%s must have one element",
			       what);
	if (!in[i].data)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "%s is not a constant (unknown at planning)",
			       what);
	*v = cpu_load_f64(in[i].data, in[i].dtype, 0);
	return 0;
}

/* An integer scalar (int32/int64) read now if known; *known says so. */
static int int_scalar(const struct ir_node *n, const struct ir_value *in,
		      int i, const char *what, int64_t *v, bool *known,
		      struct accel_err *e)
{
	int ret;

	*known = false;
	if ((ret = cpu_check_in(n, in, i, what, IR_UNDEFINED, 0, 1, e)))
		return ret;
	if (in[i].dtype != IR_I64 && in[i].dtype != IR_I32)
		return CPU_ERR(n, e, -EINVAL, "%s must be int32/int64, not %s",
			       what, cpu_dtype_name(in[i].dtype));
	if (cpu_numel(&in[i]) != 1)
		return CPU_ERR(n, e, -EINVAL, "%s must have one element",
			       what);
	if (in[i].data) {
		*v = cpu_load_i64(in[i].data, in[i].dtype, 0);
		*known = true;
	}
	return 0;
}

/* ---- Slice ---- */

struct slice_params {
	int64_t start[IR_MAX_RANK], step[IR_MAX_RANK], len[IR_MAX_RANK];
};

static int slice_read(const struct ir_node *n, const struct ir_value *in,
		      int n_in, int i, const char *what, int64_t *buf,
		      size_t *cnt, bool *given, struct accel_err *e)
{
	const int64_t *a;
	int ret;

	*given = false;
	if (n_in > 1) {
		if (!cpu_has_in(in, n_in, i))
			return 0;
		*given = true;
		return cpu_read_ints(n, &in[i], what, buf, IR_MAX_RANK, cnt,
				     e);
	}
	if ((ret = cpu_get_ints(n, what, &a, cnt, e)) < 0)
		return ret;
	*given = ret;
	if (*cnt > IR_MAX_RANK)
		return CPU_ERR(n, e, -EINVAL, "%s has too many values", what);
	cpu_copy(buf, a, *cnt * sizeof(int64_t));
	return 0;
}

static int slice_params(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct slice_params *p,
			struct accel_err *e)
{
	int64_t st[IR_MAX_RANK], en[IR_MAX_RANK], ax[IR_MAX_RANK];
	int64_t sp[IR_MAX_RANK];
	bool seen[IR_MAX_RANK] = { false }, g_st, g_en, g_ax, g_sp;
	size_t nst = 0, nen = 0, nax = 0, nsp = 0;
	int r = in[0].rank, ret;

	if ((ret = slice_read(n, in, n_in, 1, "starts", st, &nst, &g_st,
			      e)) ||
	    (ret = slice_read(n, in, n_in, 2, "ends", en, &nen, &g_en, e)) ||
	    (ret = slice_read(n, in, n_in, 3, "axes", ax, &nax, &g_ax, e)))
		return ret;
	if (n_in > 1 &&
	    (ret = slice_read(n, in, n_in, 4, "steps", sp, &nsp, &g_sp, e)))
		return ret;
	if (!g_st || !g_en)
		return CPU_ERR(n, e, -EINVAL, "starts and ends are required");
	if (nst != nen)
		return CPU_ERR(n, e, -EINVAL,
			       "starts has %zu values, ends %zu", nst, nen);
	if (!g_ax) {
		if (nst > (size_t)r)
			return CPU_ERR(n, e, -EINVAL,
				       "%zu starts for rank %d", nst, r);
		for (size_t i = 0; i < nst; i++)
			ax[i] = (int64_t)i;
	} else if (nax != nst) {
		return CPU_ERR(n, e, -EINVAL, "axes has %zu values, need %zu",
			       nax, nst);
	}
	if (n_in > 1 && g_sp && nsp != nst)
		return CPU_ERR(n, e, -EINVAL, "steps has %zu values, need %zu",
			       nsp, nst);
	for (int d = 0; d < r; d++) {
		p->start[d] = 0;
		p->step[d] = 1;
		p->len[d] = in[0].dims[d];
	}
	for (size_t i = 0; i < nst; i++) {
		int64_t s = st[i], en_ = en[i], step = nsp ? sp[i] : 1, dim;
		int64_t mag, len;
		int a;

		if ((ret = cpu_norm_axis(n, ax[i], r, false, &a, e)))
			return ret;
		if (seen[a])
			return CPU_ERR(n, e, -EINVAL, "axis %d repeated", a);
		seen[a] = true;
		if (step == 0)
			return CPU_ERR(n, e, -EINVAL, "steps[%zu] is 0", i);
		dim = in[0].dims[a];
		if (s < 0)
			s += dim;	/* s >= INT64_MIN + 0: no overflow */
		if (en_ < 0)
			en_ += dim;
		if (step > 0) {
			s = s < 0 ? 0 : (s > dim ? dim : s);
			en_ = en_ < 0 ? 0 : (en_ > dim ? dim : en_);
			mag = step > dim ? dim + 1 : step;
			len = en_ > s ? (en_ - s + mag - 1) / mag : 0;
		} else {
			s = s < 0 ? -1 : (s > dim - 1 ? dim - 1 : s);
			en_ = en_ < -1 ? -1 : (en_ > dim - 1 ? dim - 1 : en_);
			mag = step < -dim ? dim + 1 : -step;
			len = s > en_ ? (s - en_ + mag - 1) / mag : 0;
		}
		p->start[a] = len ? s : 0;
		p->step[a] = step > 0 ? mag : -mag;
		p->len[a] = len;
	}
	return 0;
}

static int slice_infer(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct ir_value *out, int n_out,
		       struct accel_err *e)
{
	struct slice_params p;
	int ret;

	if ((ret = cpu_check_data(n, in, n_in, 1, 5, n_out, e)))
		return ret;
	if (n_in == 2)
		return CPU_ERR(n, e, -EINVAL, "ends is missing");
	if ((ret = slice_params(n, in, n_in, &p, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, p.len, e);
}

static int slice_run(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int64_t idx[IR_MAX_RANK] = { 0 }, str[IR_MAX_RANK];
	size_t es = cpu_dtype_size(in[0].dtype);
	int64_t numel = cpu_numel(&out[0]);
	struct slice_params p;
	char *y = out[0].data;
	int r = in[0].rank, ret;

	(void)n_out;
	if ((ret = slice_params(n, in, n_in, &p, e)))
		return ret;
	cpu_strides(r, in[0].dims, str);
	for (int64_t i = 0; i < numel; i++) {
		int64_t off = 0;

		for (int d = 0; d < r; d++)
			off += (p.start[d] + idx[d] * p.step[d]) * str[d];
		memcpy(y + i * (int64_t)es,
		       (const char *)in[0].data + off * (int64_t)es, es);
		cpu_odo_next(idx, p.len, r);
	}
	return 0;
}

const struct cpu_op cpu_op_slice = { "", "Slice", slice_infer, slice_run };

/* ---- Expand ---- */

static int expand_infer(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct ir_value *out, int n_out,
			struct accel_err *e)
{
	const struct ir_value *vs[2];
	struct ir_value sh = { .dtype = in[0].dtype };
	int64_t dims[IR_MAX_RANK];
	size_t cnt;
	int rank, ret;

	if ((ret = cpu_check_data(n, in, n_in, 2, 2, n_out, e)) ||
	    (ret = cpu_check_in(n, in, 1, "shape", IR_I64, 1, 1, e)) ||
	    (ret = cpu_read_ints(n, &in[1], "shape", sh.dims, IR_MAX_RANK,
				 &cnt, e)))
		return ret;
	sh.rank = (int)cnt;
	for (size_t i = 0; i < cnt; i++)
		if (sh.dims[i] < 0)
			return CPU_ERR(n, e, -EINVAL, "shape[%zu]=%lld invalid",
				       i, (long long)sh.dims[i]);
	vs[0] = &in[0];
	vs[1] = &sh;
	if ((ret = cpu_bcast_shape(n, vs, 2, &rank, dims, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, rank, dims, e);
}

static int expand_run(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	(void)n;
	(void)n_in;
	(void)n_out;
	(void)e;
	cpu_bcast_copy(&in[0], &out[0]);
	return 0;
}

const struct cpu_op cpu_op_expand = { "", "Expand", expand_infer,
				      expand_run };

/* ---- Tile ---- */

static int tile_infer(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	int64_t rep[IR_MAX_RANK], dims[IR_MAX_RANK];
	size_t cnt;
	int ret;

	if ((ret = cpu_check_data(n, in, n_in, 2, 2, n_out, e)) ||
	    (ret = cpu_check_in(n, in, 1, "repeats", IR_I64, 1, 1, e)) ||
	    (ret = cpu_read_ints(n, &in[1], "repeats", rep, IR_MAX_RANK,
				 &cnt, e)))
		return ret;
	if (cnt != (size_t)in[0].rank)
		return CPU_ERR(n, e, -EINVAL, "repeats has %zu values, rank %d",
			       cnt, in[0].rank);
	for (int d = 0; d < in[0].rank; d++) {
		if (rep[d] < 0)
			return CPU_ERR(n, e, -EINVAL, "repeats[%d] is negative",
				       d);
		if (__builtin_mul_overflow(in[0].dims[d], rep[d], &dims[d]))
			return CPU_ERR(n, e, -EOVERFLOW,
				       "tiled dim %d overflows", d);
	}
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, dims, e);
}

static int tile_run(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	int64_t idx[IR_MAX_RANK] = { 0 }, str[IR_MAX_RANK];
	size_t es = cpu_dtype_size(in[0].dtype);
	int64_t numel = cpu_numel(&out[0]);
	char *y = out[0].data;
	int r = in[0].rank;

	(void)n;
	(void)n_in;
	(void)n_out;
	(void)e;
	cpu_strides(r, in[0].dims, str);
	for (int64_t i = 0; i < numel; i++) {
		int64_t off = 0;

		for (int d = 0; d < r; d++)
			off += (idx[d] % in[0].dims[d]) * str[d];
		memcpy(y + i * (int64_t)es,
		       (const char *)in[0].data + off * (int64_t)es, es);
		cpu_odo_next(idx, out[0].dims, r);
	}
	return 0;
}

const struct cpu_op cpu_op_tile = { "", "Tile", tile_infer, tile_run };

/* ---- ConstantOfShape ---- */

static int cos_value(const struct ir_node *n, const struct ir_value **v,
		     struct accel_err *e)
{
	const struct ir_attr *a = cpu_attr(n, "value");

	*v = NULL;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_TENSOR)
		return CPU_ERR(n, e, -EINVAL, "attribute 'value' must be a tensor");
	if (!cpu_dtype_size(a->t.dtype) || a->t.dtype == IR_F16)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "value of type %s not supported",
			       cpu_dtype_name(a->t.dtype));
	if (cpu_numel(&a->t) != 1 || !a->t.data)
		return CPU_ERR(n, e, -EINVAL,
			       "value must hold exactly one element");
	*v = &a->t;
	return 0;
}

static int cos_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	const struct ir_value *v;
	int64_t dims[IR_MAX_RANK];
	size_t cnt;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "input", IR_I64, 1, 1, e)) ||
	    (ret = cos_value(n, &v, e)) ||
	    (ret = cpu_read_ints(n, &in[0], "input", dims, IR_MAX_RANK, &cnt,
				 e)))
		return ret;
	return cpu_set_out(n, &out[0], v ? v->dtype : IR_F32, (int)cnt, dims,
			   e);
}

static int cos_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	static const float zero;
	int64_t numel = cpu_numel(&out[0]);
	size_t es = cpu_dtype_size(out[0].dtype);
	const struct ir_value *v;
	const void *src = &zero;
	int ret;

	(void)in;
	(void)n_in;
	(void)n_out;
	if ((ret = cos_value(n, &v, e)))
		return ret;
	if (v)
		src = v->data;
	for (int64_t i = 0; i < numel; i++)
		memcpy((char *)out[0].data + i * (int64_t)es, src, es);
	return 0;
}

const struct cpu_op cpu_op_constant_of_shape = { "", "ConstantOfShape",
						 cos_infer, cos_run };

/* ---- Range ---- */

static int range_count(const struct ir_node *n, const struct ir_value *in,
		       int64_t *cnt, struct accel_err *e)
{
	static const char *const what[] = { "start", "limit", "delta" };
	int t = in[0].dtype, ret;
	double v[3];

	for (int i = 0; i < 3; i++) {
		if ((ret = cpu_check_in(n, in, i, what[i], t, 0, 0, e)))
			return ret;
	}
	if (t != IR_F32 && t != IR_F64 && t != IR_I16 && t != IR_I32 &&
	    t != IR_I64)
		return CPU_ERR(n, e, -EINVAL, "type %s not allowed",
			       cpu_dtype_name(t));
	for (int i = 0; i < 3; i++)
		if ((ret = read_scalar(n, in, i, what[i], &v[i], e)))
			return ret;
	if (cpu_is_float(t)) {
		double c;

		if (!isfinite(v[0]) || !isfinite(v[1]) || !isfinite(v[2]) ||
		    v[2] == 0)
			return CPU_ERR(n, e, -EINVAL,
				       "start/limit/delta must be finite, delta non-zero");
		c = ceil((v[1] - v[0]) / v[2]);
		if (!(c <= (double)DATA_MAX_GEN))
			return CPU_ERR(n, e, -EOVERFLOW,
				       "range has too many elements");
		*cnt = c > 0 ? (int64_t)c : 0;
	} else {
		int64_t s = cpu_load_i64(in[0].data, t, 0);
		int64_t l = cpu_load_i64(in[1].data, t, 0);
		int64_t d = cpu_load_i64(in[2].data, t, 0), diff, c;

		if (d == 0)
			return CPU_ERR(n, e, -EINVAL, "delta is 0");
		if (__builtin_sub_overflow(l, s, &diff))
			return CPU_ERR(n, e, -EOVERFLOW, "limit - start overflows");
		if ((diff > 0) != (d > 0) || diff == 0) {
			c = 0;
		} else {
			/* same signs: ceil(diff / d) without overflow */
			c = diff / d + (diff % d != 0);
		}
		if (c > DATA_MAX_GEN)
			return CPU_ERR(n, e, -EOVERFLOW,
				       "range has too many elements");
		*cnt = c;
	}
	return 0;
}

static int range_infer(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct ir_value *out, int n_out,
		       struct accel_err *e)
{
	int64_t cnt;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 3, 3, n_out, 1, 1, e)) ||
	    (ret = range_count(n, in, &cnt, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, 1, &cnt, e);
}

static int range_run(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int64_t cnt = out[0].dims[0];
	int t = out[0].dtype;

	(void)n;
	(void)n_in;
	(void)n_out;
	(void)e;
	if (cpu_is_float(t)) {
		double s = cpu_load_f64(in[0].data, t, 0);
		double d = cpu_load_f64(in[2].data, t, 0);

		for (int64_t i = 0; i < cnt; i++)
			cpu_store_f64(out[0].data, t, i, s + (double)i * d);
	} else {
		int64_t s = cpu_load_i64(in[0].data, t, 0);
		int64_t d = cpu_load_i64(in[2].data, t, 0);

		/* every value lies between start and limit: no overflow */
		for (int64_t i = 0; i < cnt; i++)
			cpu_store_i64(out[0].data, t, i, s + i * d);
	}
	return 0;
}

const struct cpu_op cpu_op_range = { "", "Range", range_infer, range_run };

/* ---- Split ---- */

static int split_sizes(const struct ir_node *n, const struct ir_value *in,
		       int n_in, int n_out, int *ax, int64_t *sz,
		       struct accel_err *e)
{
	int64_t axis, nout, dim, sum = 0;
	int64_t *buf = sz;
	const int64_t *a;
	size_t cnt = 0;
	bool given;
	int ret;

	if ((ret = cpu_get_int(n, "axis", 0, &axis, e)) ||
	    (ret = cpu_norm_axis(n, axis, in[0].rank, false, ax, e)) ||
	    (ret = cpu_get_int(n, "num_outputs", 0, &nout, e)))
		return ret;
	if ((ret = cpu_get_ints(n, "split", &a, &cnt, e)) < 0)
		return ret;
	given = ret;
	if (given && cpu_has_in(in, n_in, 1))
		return CPU_ERR(n, e, -EINVAL,
			       "split given as attribute and input");
	if (given) {
		if (cnt != (size_t)n_out)
			return CPU_ERR(n, e, -EINVAL,
				       "split has %zu values for %d outputs",
				       cnt, n_out);
		cpu_copy(buf, a, cnt * sizeof(int64_t));
	} else if (cpu_has_in(in, n_in, 1)) {
		given = true;
		if ((ret = cpu_read_ints(n, &in[1], "split", buf,
					 (size_t)n_out, &cnt, e)))
			return ret;
		if (cnt != (size_t)n_out)
			return CPU_ERR(n, e, -EINVAL,
				       "split has %zu values for %d outputs",
				       cnt, n_out);
	}
	if (cpu_attr(n, "num_outputs") && nout != n_out)
		return CPU_ERR(n, e, -EINVAL,
			       "num_outputs is %lld but the node has %d outputs",
			       (long long)nout, n_out);
	if (given && cpu_attr(n, "num_outputs"))
		return CPU_ERR(n, e, -EINVAL,
			       "split and num_outputs both given");
	dim = in[0].dims[*ax];
	if (given) {
		for (int i = 0; i < n_out; i++) {
			if (sz[i] < 0 ||
			    __builtin_add_overflow(sum, sz[i], &sum))
				return CPU_ERR(n, e, -EINVAL,
					       "split[%d]=%lld invalid", i,
					       (long long)sz[i]);
		}
		if (sum != dim)
			return CPU_ERR(n, e, -EINVAL,
				       "split sums to %lld, axis %d has %lld",
				       (long long)sum, *ax, (long long)dim);
		return 0;
	}
	if (cpu_attr(n, "num_outputs")) {
		/* ceil-sized chunks, the last one smaller */
		int64_t c = dim / n_out + (dim % n_out != 0);

		for (int i = 0; i < n_out; i++) {
			sz[i] = dim - sum < c ? dim - sum : c;
			sum += sz[i];
		}
		if (n_out > 1 && sz[n_out - 1] <= 0 && dim)
			return CPU_ERR(n, e, -EINVAL,
				       "cannot split %lld into %d chunks",
				       (long long)dim, n_out);
		return 0;
	}
	if (dim % n_out)
		return CPU_ERR(n, e, -EINVAL,
			       "axis %d of size %lld does not split evenly into %d",
			       *ax, (long long)dim, n_out);
	for (int i = 0; i < n_out; i++)
		sz[i] = dim / n_out;
	return 0;
}

#define SPLIT_MAX_OUT 1024

static int split_infer(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct ir_value *out, int n_out,
		       struct accel_err *e)
{
	int64_t sz[SPLIT_MAX_OUT], dims[IR_MAX_RANK];
	int ax, ret;

	if ((ret = cpu_check_io(n, n_in, 1, 2, n_out, 1, SPLIT_MAX_OUT, e)) ||
	    (ret = cpu_check_in(n, in, 0, "input", IR_UNDEFINED, 1,
				IR_MAX_RANK, e)) ||
	    (ret = split_sizes(n, in, n_in, n_out, &ax, sz, e)))
		return ret;
	memcpy(dims, in[0].dims, sizeof(dims));
	for (int j = 0; j < n_out; j++) {
		dims[ax] = sz[j];
		if ((ret = cpu_set_out(n, &out[j], in[0].dtype, in[0].rank,
				       dims, e)))
			return ret;
	}
	return 0;
}

static int split_run(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int64_t sz[SPLIT_MAX_OUT], outer, inner, pos = 0;
	size_t es = cpu_dtype_size(in[0].dtype);
	int ax, ret;

	if ((ret = split_sizes(n, in, n_in, n_out, &ax, sz, e)))
		return ret;
	cpu_axis_split(&in[0], ax, &outer, &inner);
	for (int j = 0; j < n_out; j++) {
		size_t chunk = (size_t)(sz[j] * inner) * es;

		if (out[j].data)
			for (int64_t o = 0; o < outer; o++)
				cpu_copy((char *)out[j].data + o * chunk,
					 (const char *)in[0].data +
					 ((size_t)(o * in[0].dims[ax] + pos) *
					  (size_t)inner) * es, chunk);
		pos += sz[j];
	}
	return 0;
}

const struct cpu_op cpu_op_split = { "", "Split", split_infer, split_run };

/* ---- Size ---- */

static int size_infer(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_data(n, in, n_in, 1, 1, n_out, e)))
		return ret;
	return cpu_set_out(n, &out[0], IR_I64, 0, NULL, e);
}

static int size_run(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	(void)n;
	(void)n_in;
	(void)n_out;
	(void)e;
	*(int64_t *)out[0].data = cpu_numel(&in[0]);
	return 0;
}

const struct cpu_op cpu_op_size = { "", "Size", size_infer, size_run };

/* ---- DepthToSpace / SpaceToDepth (NCHW) ---- */

static int d2s_params(const struct ir_node *n, const struct ir_value *x,
		      int64_t *b, bool *crd, struct accel_err *e)
{
	const char *mode = "DCR";
	int ret;

	if (!cpu_attr(n, "blocksize"))
		return CPU_ERR(n, e, -EINVAL, "blocksize is required");
	if ((ret = cpu_get_int(n, "blocksize", 0, b, e)))
		return ret;
	if (*b < 1 || *b > (INT64_C(1) << 20))
		return CPU_ERR(n, e, -EINVAL, "blocksize %lld invalid",
			       (long long)*b);
	*crd = false;
	if (!strcmp(n->op_type, "DepthToSpace")) {
		if ((ret = cpu_get_string(n, "mode", "DCR", &mode, e)))
			return ret;
		if (strcmp(mode, "DCR") && strcmp(mode, "CRD"))
			return CPU_ERR(n, e, -EINVAL, "unknown mode '%s'",
				       mode);
		*crd = !strcmp(mode, "CRD");
	}
	(void)x;
	return 0;
}

static int d2s_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	bool d2s = !strcmp(n->op_type, "DepthToSpace"), crd;
	int64_t dims[4], b, bb;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "input", IR_UNDEFINED, 4, 4, e)) ||
	    (ret = d2s_params(n, &in[0], &b, &crd, e)))
		return ret;
	bb = b * b;
	memcpy(dims, in[0].dims, sizeof(dims));
	if (d2s) {
		if (dims[1] % bb)
			return CPU_ERR(n, e, -EINVAL,
				       "channels %lld not divisible by blocksize^2 %lld",
				       (long long)dims[1], (long long)bb);
		dims[1] /= bb;
		if (__builtin_mul_overflow(dims[2], b, &dims[2]) ||
		    __builtin_mul_overflow(dims[3], b, &dims[3]))
			return CPU_ERR(n, e, -EOVERFLOW, "output overflows");
	} else {
		if (dims[2] % b || dims[3] % b)
			return CPU_ERR(n, e, -EINVAL,
				       "H %lld / W %lld not divisible by blocksize %lld",
				       (long long)dims[2], (long long)dims[3],
				       (long long)b);
		dims[2] /= b;
		dims[3] /= b;
		if (__builtin_mul_overflow(dims[1], bb, &dims[1]))
			return CPU_ERR(n, e, -EOVERFLOW, "output overflows");
	}
	return cpu_set_out(n, &out[0], in[0].dtype, 4, dims, e);
}

static int d2s_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	bool d2s = !strcmp(n->op_type, "DepthToSpace"), crd;
	size_t es = cpu_dtype_size(in[0].dtype);
	/* the space-side (large H/W, few channels) tensor */
	const struct ir_value *sp = d2s ? &out[0] : &in[0];
	const struct ir_value *dp = d2s ? &in[0] : &out[0];
	int64_t b, nb = sp->dims[0], c = sp->dims[1];
	int64_t h = dp->dims[2], w = dp->dims[3], dc = dp->dims[1];
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = d2s_params(n, &in[0], &b, &crd, e)))
		return ret;
	for (int64_t ni = 0; ni < nb; ni++)
	for (int64_t ci = 0; ci < c; ci++)
	for (int64_t i = 0; i < b; i++)
	for (int64_t j = 0; j < b; j++) {
		int64_t dch = crd ? ci * b * b + i * b + j
				  : (i * b + j) * c + ci;

		for (int64_t hi = 0; hi < h; hi++)
		for (int64_t wi = 0; wi < w; wi++) {
			int64_t so = ((ni * c + ci) * h * b + hi * b + i) *
				     w * b + wi * b + j;
			int64_t doff = ((ni * dc + dch) * h + hi) * w + wi;
			const char *src;
			char *dst;

			if (d2s) {
				src = (const char *)in[0].data + doff * (int64_t)es;
				dst = (char *)out[0].data + so * (int64_t)es;
			} else {
				src = (const char *)in[0].data + so * (int64_t)es;
				dst = (char *)out[0].data + doff * (int64_t)es;
			}
			memcpy(dst, src, es);
		}
	}
	return 0;
}

const struct cpu_op cpu_op_depth_to_space = { "", "DepthToSpace", d2s_infer,
					      d2s_run };
const struct cpu_op cpu_op_space_to_depth = { "", "SpaceToDepth", d2s_infer,
					      d2s_run };

/* ---- GatherElements ---- */

static int gather_el_infer(const struct ir_node *n, const struct ir_value *in,
			   int n_in, struct ir_value *out, int n_out,
			   struct accel_err *e)
{
	int ax, ret;

	if ((ret = cpu_check_data(n, in, n_in, 2, 2, n_out, e)) ||
	    (ret = cpu_check_gather(n, in, true, &ax, e)))
		return ret;
	if ((ret = cpu_check_elem_dims(n, in, ax, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, in[1].rank, in[1].dims,
			   e);
}

static int gather_el_run(const struct ir_node *n, const struct ir_value *in,
			 int n_in, struct ir_value *out, int n_out,
			 struct accel_err *e)
{
	int64_t idx[IR_MAX_RANK] = { 0 }, str[IR_MAX_RANK], axis;
	int64_t numel = cpu_numel(&out[0]);
	size_t es = cpu_dtype_size(in[0].dtype);
	int r = in[0].rank, ax, ret;

	(void)n_in;
	(void)n_out;
	if ((ret = cpu_get_int(n, "axis", 0, &axis, e)) ||
	    (ret = cpu_norm_axis(n, axis, r, false, &ax, e)))
		return ret;
	cpu_strides(r, in[0].dims, str);
	for (int64_t i = 0; i < numel; i++) {
		int64_t off;

		if ((ret = cpu_elem_offset(n, &in[0], str, idx, ax,
					   cpu_load_i64(in[1].data,
							in[1].dtype, i),
					   &off, e)))
			return ret;
		memcpy((char *)out[0].data + i * (int64_t)es,
		       (const char *)in[0].data + off * (int64_t)es, es);
		cpu_odo_next(idx, out[0].dims, r);
	}
	return 0;
}

const struct cpu_op cpu_op_gather_elements = { "", "GatherElements",
					       gather_el_infer,
					       gather_el_run };

/* ---- CumSum ---- */

static int cumsum_axis(const struct ir_node *n, const struct ir_value *in,
		       int *ax, bool need, struct accel_err *e)
{
	int64_t axis = 0;
	bool known;
	int ret;

	if ((ret = int_scalar(n, in, 1, "axis", &axis, &known, e)))
		return ret;
	if (!known) {
		*ax = 0;
		return need ? CPU_ERR(n, e, -EINVAL, "axis has no data") : 0;
	}
	return cpu_norm_axis(n, axis, in[0].rank, false, ax, e);
}

static int cumsum_infer(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct ir_value *out, int n_out,
			struct accel_err *e)
{
	int64_t excl, rev;
	int ax, ret;

	if ((ret = cpu_check_data(n, in, n_in, 2, 2, n_out, e)) ||
	    (ret = cpu_get_int(n, "exclusive", 0, &excl, e)) ||
	    (ret = cpu_get_int(n, "reverse", 0, &rev, e)))
		return ret;
	if (in[0].rank < 1)
		return CPU_ERR(n, e, -EINVAL, "x must have rank >= 1");
	if (!cpu_is_float(in[0].dtype) && !cpu_is_int(in[0].dtype))
		return CPU_ERR(n, e, -EINVAL, "type %s not allowed",
			       cpu_dtype_name(in[0].dtype));
	if ((ret = cumsum_axis(n, in, &ax, false, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, in[0].dims,
			   e);
}

static int cumsum_run(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	int64_t excl, rev, outer, len, inner;
	int t = in[0].dtype, ax, ret;

	(void)n_in;
	(void)n_out;
	if ((ret = cpu_get_int(n, "exclusive", 0, &excl, e)) ||
	    (ret = cpu_get_int(n, "reverse", 0, &rev, e)) ||
	    (ret = cumsum_axis(n, in, &ax, true, e)))
		return ret;
	cpu_axis_split(&in[0], ax, &outer, &inner);
	len = in[0].dims[ax];
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < inner; i++) {
			double fs = 0;
			uint64_t is = 0;

			for (int64_t k = 0; k < len; k++) {
				int64_t l = rev ? len - 1 - k : k;
				int64_t off = (o * len + l) * inner + i;

				if (excl) {
					if (cpu_is_float(t))
						cpu_store_f64(out[0].data, t,
							      off, fs);
					else
						cpu_store_i64(out[0].data, t,
							      off, (int64_t)is);
				}
				if (cpu_is_float(t))
					fs += cpu_load_f64(in[0].data, t, off);
				else
					is += (uint64_t)cpu_load_i64(in[0].data,
								     t, off);
				if (!excl) {
					if (cpu_is_float(t))
						cpu_store_f64(out[0].data, t,
							      off, fs);
					else
						cpu_store_i64(out[0].data, t,
							      off, (int64_t)is);
				}
			}
		}
	}
	return 0;
}

const struct cpu_op cpu_op_cumsum = { "", "CumSum", cumsum_infer,
				      cumsum_run };

/* ---- Trilu ---- */

static int trilu_infer(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct ir_value *out, int n_out,
		       struct accel_err *e)
{
	int64_t upper, k;
	bool known;
	int ret;

	if ((ret = cpu_check_data(n, in, n_in, 1, 2, n_out, e)) ||
	    (ret = cpu_get_int(n, "upper", 1, &upper, e)))
		return ret;
	if (in[0].rank < 2)
		return CPU_ERR(n, e, -EINVAL, "input must have rank >= 2");
	if (cpu_has_in(in, n_in, 1) &&
	    (ret = int_scalar(n, in, 1, "k", &k, &known, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, in[0].dims,
			   e);
}

static int trilu_run(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int r = in[0].rank, ret;
	int64_t rows = in[0].dims[r - 2], cols = in[0].dims[r - 1];
	int64_t mats = cpu_numel(&in[0]), upper, k = 0;
	size_t es = cpu_dtype_size(in[0].dtype);
	bool known = false;

	(void)n_out;
	if ((ret = cpu_get_int(n, "upper", 1, &upper, e)))
		return ret;
	if (cpu_has_in(in, n_in, 1) &&
	    (ret = int_scalar(n, in, 1, "k", &k, &known, e)))
		return ret;
	cpu_copy(out[0].data, in[0].data, cpu_nbytes(&out[0]));
	if (!rows || !cols)
		return 0;
	mats /= rows * cols;
	for (int64_t m = 0; m < mats; m++)
		for (int64_t i = 0; i < rows; i++)
			for (int64_t j = 0; j < cols; j++) {
				/* j - i is small; compare without overflow */
				bool keep = upper ? j - i >= k : j - i <= k;

				if (!keep)
					memset((char *)out[0].data +
					       ((m * rows + i) * cols + j) *
					       (int64_t)es, 0, es);
			}
	return 0;
}

const struct cpu_op cpu_op_trilu = { "", "Trilu", trilu_infer, trilu_run };

/* ---- OneHot ---- */

static int onehot_params(const struct ir_node *n, const struct ir_value *in,
			 int *ax, int64_t *depth, struct accel_err *e)
{
	int64_t axis;
	double d = 0;
	int ret;

	if ((ret = cpu_check_in(n, in, 0, "indices", IR_UNDEFINED, 0,
				IR_MAX_RANK - 1, e)) ||
	    (ret = cpu_check_in(n, in, 2, "values", IR_UNDEFINED, 1, 1, e)) ||
	    (ret = cpu_get_int(n, "axis", -1, &axis, e)))
		return ret;
	if (!cpu_is_float(in[0].dtype) && !cpu_is_int(in[0].dtype))
		return CPU_ERR(n, e, -EINVAL, "indices type %s not allowed",
			       cpu_dtype_name(in[0].dtype));
	if (in[2].dims[0] != 2)
		return CPU_ERR(n, e, -EINVAL,
			       "values must hold [off, on], has %lld",
			       (long long)in[2].dims[0]);
	if (in[2].dtype == IR_F16)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "values of type float16 not supported");
	if ((ret = cpu_norm_axis(n, axis, in[0].rank + 1, false, ax, e)) ||
	    (ret = read_scalar(n, in, 1, "depth", &d, e)))
		return ret;
	if (!(d >= 1 && d <= (double)DATA_MAX_GEN))
		return CPU_ERR(n, e, -EINVAL, "depth %g invalid", d);
	*depth = (int64_t)d;
	return 0;
}

static int onehot_infer(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct ir_value *out, int n_out,
			struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK], depth;
	int ax, ret, k = 0;

	if ((ret = cpu_check_io(n, n_in, 3, 3, n_out, 1, 1, e)) ||
	    (ret = onehot_params(n, in, &ax, &depth, e)))
		return ret;
	for (int d = 0; d <= in[0].rank; d++)
		dims[d] = d == ax ? depth : in[0].dims[k++];
	return cpu_set_out(n, &out[0], in[2].dtype, in[0].rank + 1, dims, e);
}

static int onehot_run(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	int64_t numel = cpu_numel(&out[0]);
	int64_t depth, outer = 1, inner = 1;
	size_t es = cpu_dtype_size(out[0].dtype);
	const char *vals = in[2].data;
	int ax, ret;

	(void)n_in;
	(void)n_out;
	if ((ret = onehot_params(n, in, &ax, &depth, e)))
		return ret;
	for (int64_t i = 0; i < numel; i++)
		memcpy((char *)out[0].data + i * (int64_t)es, vals, es);
	for (int d = 0; d < ax; d++)
		outer *= in[0].dims[d];
	for (int d = ax; d < in[0].rank; d++)
		inner *= in[0].dims[d];
	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0; i < inner; i++) {
			int64_t v = cpu_load_i64(in[0].data, in[0].dtype,
						 o * inner + i);

			if (v < 0)
				v += depth;
			if (v < 0 || v >= depth)
				continue;
			memcpy((char *)out[0].data +
			       ((o * depth + v) * inner + i) * (int64_t)es,
			       vals + es, es);
		}
	return 0;
}

const struct cpu_op cpu_op_onehot = { "", "OneHot", onehot_infer,
				      onehot_run };

/* ---- TopK ---- */

struct topk_params {
	int ax;
	int64_t k;
	bool largest;
};

static int topk_params(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct topk_params *p, struct accel_err *e)
{
	int64_t axis, largest, sorted, kv[1];
	size_t cnt;
	int ret;

	if ((ret = cpu_get_int(n, "axis", -1, &axis, e)) ||
	    (ret = cpu_get_int(n, "largest", 1, &largest, e)) ||
	    (ret = cpu_get_int(n, "sorted", 1, &sorted, e)))
		return ret;
	if (in[0].rank < 1)
		return CPU_ERR(n, e, -EINVAL, "X must have rank >= 1");
	if ((ret = cpu_norm_axis(n, axis, in[0].rank, false, &p->ax, e)))
		return ret;
	if (n_in > 1) {
		if ((ret = cpu_check_in(n, in, 1, "K", IR_I64, 0, 1, e)) ||
		    (ret = cpu_read_ints(n, &in[1], "K", kv, 1, &cnt, e)))
			return ret;
		if (cnt != 1)
			return CPU_ERR(n, e, -EINVAL, "K must have one element");
	} else if ((ret = cpu_get_int(n, "k", -1, &kv[0], e))) {
		return ret;
	}
	if (kv[0] < 0 || kv[0] > in[0].dims[p->ax])
		return CPU_ERR(n, e, -EINVAL, "K=%lld out of range [0, %lld]",
			       (long long)kv[0], (long long)in[0].dims[p->ax]);
	p->k = kv[0];
	p->largest = largest != 0;
	return 0;
}

static int topk_infer(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK];
	struct topk_params p;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 2, n_out, 2, 2, e)) ||
	    (ret = cpu_check_in(n, in, 0, "X", IR_UNDEFINED, 1, IR_MAX_RANK,
				e)))
		return ret;
	if (!cpu_is_float(in[0].dtype) && !cpu_is_int(in[0].dtype))
		return CPU_ERR(n, e, -EOPNOTSUPP, "type %s not supported",
			       cpu_dtype_name(in[0].dtype));
	if ((ret = topk_params(n, in, n_in, &p, e)))
		return ret;
	memcpy(dims, in[0].dims, sizeof(dims));
	dims[p.ax] = p.k;
	if ((ret = cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, dims,
			       e)))
		return ret;
	return cpu_set_out(n, &out[1], IR_I64, in[0].rank, dims, e);
}

/* Strict order: a before b.  NaN ranks above every number. */
static bool topk_before(double a, int64_t ia, double b, int64_t ib,
			bool largest)
{
	bool na = isnan(a), nb = isnan(b);

	if (na || nb) {
		if (na && nb)
			return ia < ib;
		return largest ? na : nb;
	}
	if (a != b)
		return largest ? a > b : a < b;
	return ia < ib;
}

/* Workspace: the best-k values and indices of one row. */
static int topk_ws(const struct ir_node *n, const struct ir_value *in,
		   int n_in, const struct ir_value *out, int n_out,
		   size_t *bytes, struct accel_err *e)
{
	struct topk_params p;
	int ret;

	(void)out;
	(void)n_out;
	if ((ret = topk_params(n, in, n_in, &p, e)) ||
	    (ret = cpu_ws_add(n, bytes, p.k, sizeof(double), e)))
		return ret;
	return cpu_ws_add(n, bytes, p.k, sizeof(int64_t), e);
}

static int topk_run(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out, void *ws,
		    struct accel_err *e)
{
	unsigned char *wp = ws;
	int64_t outer, inner, len;
	struct topk_params p;
	int t = in[0].dtype, ret;
	double *bv;
	int64_t *bi;

	(void)n_out;
	if ((ret = topk_params(n, in, n_in, &p, e)))
		return ret;
	cpu_axis_split(&in[0], p.ax, &outer, &inner);
	len = in[0].dims[p.ax];
	if (!p.k || !outer || !inner)
		return 0;
	bv = cpu_ws_take(&wp, p.k, sizeof(*bv));
	bi = cpu_ws_take(&wp, p.k, sizeof(*bi));
	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0; i < inner; i++) {
			int64_t have = 0;

			/* insertion into the sorted best-k list */
			for (int64_t l = 0; l < len; l++) {
				double v = cpu_load_f64(in[0].data, t,
							(o * len + l) * inner +
							i);
				int64_t pos = have;

				if (have == p.k &&
				    !topk_before(v, l, bv[have - 1],
						 bi[have - 1], p.largest))
					continue;
				if (have < p.k)
					have++;
				else
					pos = have - 1;
				while (pos > 0 &&
				       topk_before(v, l, bv[pos - 1],
						   bi[pos - 1], p.largest)) {
					bv[pos] = bv[pos - 1];
					bi[pos] = bi[pos - 1];
					pos--;
				}
				bv[pos] = v;
				bi[pos] = l;
			}
			for (int64_t j = 0; j < p.k; j++) {
				int64_t off = (o * p.k + j) * inner + i;
				int64_t src = (o * len + bi[j]) * inner + i;
				size_t es = cpu_dtype_size(t);

				memcpy((char *)out[0].data + off * (int64_t)es,
				       (const char *)in[0].data +
				       src * (int64_t)es, es);
				if (out[1].data)
					((int64_t *)out[1].data)[off] = bi[j];
			}
		}
	return 0;
}

const struct cpu_op_ws cpu_op_topk = {
	.op = { "", "TopK", topk_infer, NULL },
	.workspace = topk_ws,
	.run = topk_run,
};
