// SPDX-License-Identifier: MIT
/*
 * Data movement: Reshape, Flatten, Squeeze, Unsqueeze (byte copies),
 * Transpose, Concat, Shape, Gather, Pad (any fixed-size type) and Cast
 * (numeric types and bool).
 */
#include <math.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

/* ---- Reshape ---- */

static int reshape_infer(const struct ir_node *n, const struct ir_value *in,
			 int n_in, struct ir_value *out, int n_out,
			 struct accel_err *e)
{
	int64_t shape[IR_MAX_RANK], allowzero, known = 1, numel;
	const int64_t *as;
	size_t cnt = 0;
	int neg = -1, ret;

	if ((ret = cpu_check_data(n, in, n_in, 1, 2, n_out, e)) ||
	    (ret = cpu_get_int(n, "allowzero", 0, &allowzero, e)))
		return ret;
	if (cpu_has_in(in, n_in, 1)) {
		if ((ret = cpu_read_ints(n, &in[1], "shape", shape,
					 IR_MAX_RANK, &cnt, e)))
			return ret;
	} else {
		if ((ret = cpu_get_ints(n, "shape", &as, &cnt, e)) < 0)
			return ret;
		if (!ret)
			return CPU_ERR(n, e, -EINVAL, "shape is missing");
		if (cnt > IR_MAX_RANK)
			return CPU_ERR(n, e, -EINVAL, "shape too long");
		cpu_copy(shape, as, cnt * sizeof(int64_t));
	}
	numel = cpu_numel(&in[0]);
	for (size_t i = 0; i < cnt; i++) {
		if (shape[i] == 0 && !allowzero) {
			if ((int)i >= in[0].rank)
				return CPU_ERR(n, e, -EINVAL,
					       "shape[%zu]=0 copies a missing dim",
					       i);
			shape[i] = in[0].dims[i];
		}
		if (shape[i] == -1) {
			if (neg >= 0)
				return CPU_ERR(n, e, -EINVAL,
					       "more than one -1 in shape");
			neg = (int)i;
			continue;
		}
		if (shape[i] < 0)
			return CPU_ERR(n, e, -EINVAL, "shape[%zu]=%lld invalid",
				       i, (long long)shape[i]);
		if (__builtin_mul_overflow(known, shape[i], &known))
			return CPU_ERR(n, e, -EOVERFLOW, "shape overflows");
	}
	if (neg >= 0) {
		if (known == 0 || numel % known)
			return CPU_ERR(n, e, -EINVAL,
				       "cannot infer -1: %lld elements, %lld known",
				       (long long)numel, (long long)known);
		shape[neg] = numel / known;
	} else if (known != numel) {
		return CPU_ERR(n, e, -EINVAL,
			       "shape has %lld elements, data %lld",
			       (long long)known, (long long)numel);
	}
	return cpu_set_out(n, &out[0], in[0].dtype, (int)cnt, shape, e);
}

const struct cpu_op cpu_op_reshape = { "", "Reshape", reshape_infer,
				       cpu_copy_run };

/* ---- Flatten ---- */

static int flatten_infer(const struct ir_node *n, const struct ir_value *in,
			 int n_in, struct ir_value *out, int n_out,
			 struct accel_err *e)
{
	int64_t axis, dims[2] = { 1, 1 };
	int ax, ret;

	if ((ret = cpu_check_data(n, in, n_in, 1, 1, n_out, e)) ||
	    (ret = cpu_get_int(n, "axis", 1, &axis, e)) ||
	    (ret = cpu_norm_axis(n, axis, in[0].rank, true, &ax, e)))
		return ret;
	for (int i = 0; i < in[0].rank; i++)
		dims[i < ax ? 0 : 1] *= in[0].dims[i];
	return cpu_set_out(n, &out[0], in[0].dtype, 2, dims, e);
}

const struct cpu_op cpu_op_flatten = { "", "Flatten", flatten_infer,
				       cpu_copy_run };

/* ---- Squeeze / Unsqueeze ---- */

static int get_axes(const struct ir_node *n, const struct ir_value *in,
		    int n_in, int64_t *axes, size_t *cnt, bool *given,
		    struct accel_err *e)
{
	const int64_t *aa;
	int ret;

	*cnt = 0;
	if ((ret = cpu_get_ints(n, "axes", &aa, cnt, e)) < 0)
		return ret;
	*given = ret;
	if (*cnt > IR_MAX_RANK)
		return CPU_ERR(n, e, -EINVAL, "too many axes");
	if (ret)
		cpu_copy(axes, aa, *cnt * sizeof(int64_t));
	if (cpu_has_in(in, n_in, 1)) {
		if (*given)
			return CPU_ERR(n, e, -EINVAL,
				       "axes given as attribute and input");
		*given = true;
		return cpu_read_ints(n, &in[1], "axes", axes, IR_MAX_RANK, cnt,
				     e);
	}
	return 0;
}

static int squeeze_infer(const struct ir_node *n, const struct ir_value *in,
			 int n_in, struct ir_value *out, int n_out,
			 struct accel_err *e)
{
	int64_t axes[IR_MAX_RANK], dims[IR_MAX_RANK];
	bool drop[IR_MAX_RANK] = { false }, given;
	size_t cnt;
	int rank = 0, ret;

	if ((ret = cpu_check_data(n, in, n_in, 1, 2, n_out, e)) ||
	    (ret = get_axes(n, in, n_in, axes, &cnt, &given, e)))
		return ret;
	for (size_t i = 0; i < cnt; i++) {
		int ax;

		if ((ret = cpu_norm_axis(n, axes[i], in[0].rank, false, &ax,
					 e)))
			return ret;
		if (drop[ax])
			return CPU_ERR(n, e, -EINVAL, "axis %d repeated", ax);
		if (in[0].dims[ax] != 1)
			return CPU_ERR(n, e, -EINVAL,
				       "axis %d has size %lld, not 1", ax,
				       (long long)in[0].dims[ax]);
		drop[ax] = true;
	}
	for (int i = 0; i < in[0].rank; i++) {
		if (!cnt && in[0].dims[i] == 1)
			drop[i] = true;
		if (!drop[i])
			dims[rank++] = in[0].dims[i];
	}
	return cpu_set_out(n, &out[0], in[0].dtype, rank, dims, e);
}

static int unsqueeze_infer(const struct ir_node *n, const struct ir_value *in,
			   int n_in, struct ir_value *out, int n_out,
			   struct accel_err *e)
{
	int64_t axes[IR_MAX_RANK], dims[IR_MAX_RANK];
	bool ins[IR_MAX_RANK] = { false }, given;
	size_t cnt;
	int rank, ret, src = 0;

	if ((ret = cpu_check_data(n, in, n_in, 1, 2, n_out, e)) ||
	    (ret = get_axes(n, in, n_in, axes, &cnt, &given, e)))
		return ret;
	if (!given)
		return CPU_ERR(n, e, -EINVAL, "axes is missing");
	rank = in[0].rank + (int)cnt;
	if (rank > IR_MAX_RANK)
		return CPU_ERR(n, e, -EINVAL, "output rank %d too large", rank);
	for (size_t i = 0; i < cnt; i++) {
		int ax;

		if ((ret = cpu_norm_axis(n, axes[i], rank, false, &ax, e)))
			return ret;
		if (ins[ax])
			return CPU_ERR(n, e, -EINVAL, "axis %d repeated", ax);
		ins[ax] = true;
	}
	for (int i = 0; i < rank; i++)
		dims[i] = ins[i] ? 1 : in[0].dims[src++];
	return cpu_set_out(n, &out[0], in[0].dtype, rank, dims, e);
}

const struct cpu_op cpu_op_squeeze = { "", "Squeeze", squeeze_infer,
				       cpu_copy_run };
const struct cpu_op cpu_op_unsqueeze = { "", "Unsqueeze", unsqueeze_infer,
					 cpu_copy_run };

/* ---- Transpose ---- */

static int transpose_perm(const struct ir_node *n, const struct ir_value *x,
			  int *perm, struct accel_err *e)
{
	bool seen[IR_MAX_RANK] = { false };
	const int64_t *p;
	size_t cnt;
	int ret;

	if ((ret = cpu_get_ints(n, "perm", &p, &cnt, e)) < 0)
		return ret;
	if (!ret) {
		for (int i = 0; i < x->rank; i++)
			perm[i] = x->rank - 1 - i;
		return 0;
	}
	if (cnt != (size_t)x->rank)
		return CPU_ERR(n, e, -EINVAL, "perm has %zu values, rank is %d",
			       cnt, x->rank);
	for (size_t i = 0; i < cnt; i++) {
		if (p[i] < 0 || p[i] >= x->rank || seen[p[i]])
			return CPU_ERR(n, e, -EINVAL,
				       "perm is not a permutation");
		seen[p[i]] = true;
		perm[i] = (int)p[i];
	}
	return 0;
}

static int transpose_infer(const struct ir_node *n, const struct ir_value *in,
			   int n_in, struct ir_value *out, int n_out,
			   struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK];
	int perm[IR_MAX_RANK], ret;

	if ((ret = cpu_check_data(n, in, n_in, 1, 1, n_out, e)) ||
	    (ret = transpose_perm(n, &in[0], perm, e)))
		return ret;
	for (int i = 0; i < in[0].rank; i++)
		dims[i] = in[0].dims[perm[i]];
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, dims, e);
}

static int transpose_run(const struct ir_node *n, const struct ir_value *in,
			 int n_in, struct ir_value *out, int n_out,
			 struct accel_err *e)
{
	int64_t istr[IR_MAX_RANK], sstr[IR_MAX_RANK], idx[IR_MAX_RANK] = { 0 };
	int64_t numel = cpu_numel(&out[0]), off = 0;
	size_t es = cpu_dtype_size(in[0].dtype);
	const char *x = in[0].data;
	char *y = out[0].data;
	int perm[IR_MAX_RANK], r = in[0].rank, ret;

	(void)n_in;
	(void)n_out;
	if ((ret = transpose_perm(n, &in[0], perm, e)))
		return ret;
	cpu_strides(r, in[0].dims, istr);
	for (int i = 0; i < r; i++)
		sstr[i] = istr[perm[i]];
	for (int64_t i = 0; i < numel; i++) {
		memcpy(y + i * es, x + off * es, es);
		for (int d = r - 1; d >= 0; d--) {
			off += sstr[d];
			if (++idx[d] < out[0].dims[d])
				break;
			off -= sstr[d] * out[0].dims[d];
			idx[d] = 0;
		}
	}
	return 0;
}

const struct cpu_op cpu_op_transpose = { "", "Transpose", transpose_infer,
					 transpose_run };

/* ---- Concat ---- */

static int concat_infer(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct ir_value *out, int n_out,
			struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK], axis;
	int ax, ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1 << 16, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "input", IR_UNDEFINED, 1,
				IR_MAX_RANK, e)))
		return ret;
	if (!cpu_attr(n, "axis"))
		return CPU_ERR(n, e, -EINVAL, "axis is required");
	if ((ret = cpu_get_int(n, "axis", 0, &axis, e)) ||
	    (ret = cpu_norm_axis(n, axis, in[0].rank, false, &ax, e)))
		return ret;
	memcpy(dims, in[0].dims, sizeof(dims));
	for (int i = 1; i < n_in; i++) {
		if ((ret = cpu_check_in(n, in, i, "input", in[0].dtype,
					in[0].rank, in[0].rank, e)))
			return ret;
		for (int d = 0; d < in[0].rank; d++) {
			if (d != ax && in[i].dims[d] != dims[d])
				return CPU_ERR(n, e, -EINVAL,
					       "input %d dim %d is %lld, expected %lld",
					       i, d, (long long)in[i].dims[d],
					       (long long)dims[d]);
		}
		if (__builtin_add_overflow(dims[ax], in[i].dims[ax],
					   &dims[ax]))
			return CPU_ERR(n, e, -EOVERFLOW, "concat overflows");
	}
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, dims, e);
}

static int concat_run(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	size_t es = cpu_dtype_size(out[0].dtype);
	int64_t outer, inner, pos = 0, axis;
	char *y = out[0].data;
	int ax, ret;

	(void)n_out;
	if ((ret = cpu_get_int(n, "axis", 0, &axis, e)) ||
	    (ret = cpu_norm_axis(n, axis, out[0].rank, false, &ax, e)))
		return ret;
	cpu_axis_split(&out[0], ax, &outer, &inner);
	for (int i = 0; i < n_in; i++) {
		size_t chunk = (size_t)(in[i].dims[ax] * inner) * es;

		for (int64_t o = 0; o < outer; o++)
			cpu_copy(y + ((size_t)(o * out[0].dims[ax] + pos) *
				      (size_t)inner) * es,
				 (const char *)in[i].data + (size_t)o * chunk,
				 chunk);
		pos += in[i].dims[ax];
	}
	return 0;
}

const struct cpu_op cpu_op_concat = { "", "Concat", concat_infer,
				      concat_run };

/* ---- Shape ---- */

static int shape_range(const struct ir_node *n, const struct ir_value *x,
		       int64_t *start, int64_t *end, struct accel_err *e)
{
	int ret;

	if ((ret = cpu_get_int(n, "start", 0, start, e)) ||
	    (ret = cpu_get_int(n, "end", x->rank, end, e)))
		return ret;
	if (*start < 0)
		*start += x->rank;
	if (*end < 0)
		*end += x->rank;
	*start = *start < 0 ? 0 : (*start > x->rank ? x->rank : *start);
	*end = *end < 0 ? 0 : (*end > x->rank ? x->rank : *end);
	if (*end < *start)
		*end = *start;
	return 0;
}

static int shape_infer(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct ir_value *out, int n_out,
		       struct accel_err *e)
{
	int64_t start, end, dims[1];
	int ret;

	if ((ret = cpu_check_data(n, in, n_in, 1, 1, n_out, e)) ||
	    (ret = shape_range(n, &in[0], &start, &end, e)))
		return ret;
	dims[0] = end - start;
	return cpu_set_out(n, &out[0], IR_I64, 1, dims, e);
}

static int shape_run(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int64_t start, end;
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = shape_range(n, &in[0], &start, &end, e)))
		return ret;
	for (int64_t i = start; i < end; i++)
		((int64_t *)out[0].data)[i - start] = in[0].dims[i];
	return 0;
}

const struct cpu_op cpu_op_shape = { "", "Shape", shape_infer, shape_run };

/* ---- Gather ---- */

static int gather_infer(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct ir_value *out, int n_out,
			struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK];
	int ax, rank = 0, ret;

	if ((ret = cpu_check_data(n, in, n_in, 2, 2, n_out, e)) ||
	    (ret = cpu_check_gather(n, in, false, &ax, e)))
		return ret;
	if (in[0].rank - 1 + in[1].rank > IR_MAX_RANK)
		return CPU_ERR(n, e, -EINVAL, "output rank too large");
	for (int i = 0; i < ax; i++)
		dims[rank++] = in[0].dims[i];
	for (int i = 0; i < in[1].rank; i++)
		dims[rank++] = in[1].dims[i];
	for (int i = ax + 1; i < in[0].rank; i++)
		dims[rank++] = in[0].dims[i];
	if (in[1].data) {
		int64_t cnt = cpu_numel(&in[1]), lim = in[0].dims[ax];

		for (int64_t i = 0; i < cnt; i++) {
			int64_t v = cpu_load_i64(in[1].data, in[1].dtype, i);

			if (v < -lim || v >= lim)
				return CPU_ERR(n, e, -EINVAL,
					       "index %lld out of range [-%lld, %lld)",
					       (long long)v, (long long)lim,
					       (long long)lim);
		}
	}
	return cpu_set_out(n, &out[0], in[0].dtype, rank, dims, e);
}

static int gather_run(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	int64_t axis, outer, inner, cnt = cpu_numel(&in[1]), lim;
	size_t es = cpu_dtype_size(in[0].dtype);
	char *y = out[0].data;
	int ax, ret;

	(void)n_in;
	(void)n_out;
	if ((ret = cpu_get_int(n, "axis", 0, &axis, e)) ||
	    (ret = cpu_norm_axis(n, axis, in[0].rank, false, &ax, e)))
		return ret;
	lim = in[0].dims[ax];
	cpu_axis_split(&in[0], ax, &outer, &inner);
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < cnt; i++) {
			int64_t v = cpu_load_i64(in[1].data, in[1].dtype, i);

			if (v < -lim || v >= lim)
				return CPU_ERR(n, e, -EINVAL,
					       "index %lld out of range",
					       (long long)v);
			if (v < 0)
				v += lim;
			cpu_copy(y + (size_t)((o * cnt + i) * inner) * es,
				 (const char *)in[0].data +
				 (size_t)((o * lim + v) * inner) * es,
				 (size_t)inner * es);
		}
	}
	return 0;
}

const struct cpu_op cpu_op_gather = { "", "Gather", gather_infer,
				      gather_run };

/* ---- Cast ---- */

static bool cast_ok(int t)
{
	return t == IR_F32 || t == IR_F64 || t == IR_U8 || t == IR_I8 ||
	       t == IR_U16 || t == IR_I16 || t == IR_I32 || t == IR_I64 ||
	       t == IR_U32 || t == IR_U64 || t == IR_BOOL;
}

static int cast_infer(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	int64_t to;
	int ret;

	if ((ret = cpu_check_data(n, in, n_in, 1, 1, n_out, e)))
		return ret;
	if (!cpu_attr(n, "to"))
		return CPU_ERR(n, e, -EINVAL, "attribute 'to' is required");
	if ((ret = cpu_get_int(n, "to", 0, &to, e)))
		return ret;
	if (!cast_ok((int)to) || to != (int)to || !cast_ok(in[0].dtype))
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "cast from %s to type %lld not supported",
			       cpu_dtype_name(in[0].dtype), (long long)to);
	return cpu_set_out(n, &out[0], (int)to, in[0].rank, in[0].dims, e);
}

static int cast_run(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	int st = in[0].dtype, dt = out[0].dtype;
	int64_t cnt = cpu_numel(&out[0]);
	const void *x = in[0].data;
	void *y = out[0].data;

	(void)n;
	(void)n_in;
	(void)n_out;
	(void)e;
	/* float sources/targets round-trip through double, the rest int64 */
	for (int64_t i = 0; i < cnt; i++) {
		if (cpu_is_float(st) || cpu_is_float(dt))
			cpu_store_f64(y, dt, i, cpu_load_f64(x, st, i));
		else
			cpu_store_i64(y, dt, i, cpu_load_i64(x, st, i));
	}
	return 0;
}

const struct cpu_op cpu_op_cast = { "", "Cast", cast_infer, cast_run };

/* CastLike: Cast to the type of input 1 (whose data is not read). */
static int cast_like_infer(const struct ir_node *n,
			   const struct ir_value *in, int n_in,
			   struct ir_value *out, int n_out,
			   struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_data(n, in, n_in, 2, 2, n_out, e)) ||
	    (ret = cpu_check_in(n, in, 1, "target_type", IR_UNDEFINED, 0,
				IR_MAX_RANK, e)))
		return ret;
	if (!cast_ok(in[1].dtype) || !cast_ok(in[0].dtype))
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "cast from %s to %s not supported",
			       cpu_dtype_name(in[0].dtype),
			       cpu_dtype_name(in[1].dtype));
	return cpu_set_out(n, &out[0], in[1].dtype, in[0].rank, in[0].dims,
			   e);
}

const struct cpu_op cpu_op_cast_like = { "", "CastLike", cast_like_infer,
					 cast_run };

/* ---- EyeLike ---- */

static int eye_like_infer(const struct ir_node *n, const struct ir_value *in,
			  int n_in, struct ir_value *out, int n_out,
			  struct accel_err *e)
{
	int64_t dt, k;
	int ret;

	if ((ret = cpu_check_data(n, in, n_in, 1, 1, n_out, e)) ||
	    (ret = cpu_check_in(n, in, 0, "input", IR_UNDEFINED, 2, 2, e)) ||
	    (ret = cpu_get_int(n, "dtype", in[0].dtype, &dt, e)) ||
	    (ret = cpu_get_int(n, "k", 0, &k, e)))
		return ret;
	if (dt != (int)dt || !cast_ok((int)dt) || dt == IR_STRING)
		return CPU_ERR(n, e, -EOPNOTSUPP, "dtype %lld not supported",
			       (long long)dt);
	return cpu_set_out(n, &out[0], (int)dt, 2, in[0].dims, e);
}

static int eye_like_run(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct ir_value *out, int n_out,
			struct accel_err *e)
{
	int64_t rows = out[0].dims[0], cols = out[0].dims[1], k;
	int ret;

	(void)in;
	(void)n_in;
	(void)n_out;
	if ((ret = cpu_get_int(n, "k", 0, &k, e)))
		return ret;
	memset(out[0].data, 0, cpu_nbytes(&out[0]));
	for (int64_t r = 0; r < rows; r++)
		if (k > -cols && k < cols && r + k >= 0 && r + k < cols)
			cpu_store_f64(out[0].data, out[0].dtype,
				      r * cols + r + k, 1.0);
	return 0;
}

const struct cpu_op cpu_op_eye_like = { "", "EyeLike", eye_like_infer,
					eye_like_run };

/* ---- Pad ---- */

enum pad_mode { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE };

struct pad_params {
	enum pad_mode mode;
	int64_t pb[IR_MAX_RANK], pe[IR_MAX_RANK];
};

static int pad_params(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct pad_params *p, struct accel_err *e)
{
	int64_t pads[2 * IR_MAX_RANK], axes[IR_MAX_RANK];
	int r = in[0].rank, ret;
	const int64_t *ap;
	const char *mode;
	size_t np = 0, na = 0;

	memset(p, 0, sizeof(*p));
	if ((ret = cpu_get_string(n, "mode", "constant", &mode, e)))
		return ret;
	if (!strcmp(mode, "constant"))
		p->mode = PAD_CONSTANT;
	else if (!strcmp(mode, "reflect"))
		p->mode = PAD_REFLECT;
	else if (!strcmp(mode, "edge"))
		p->mode = PAD_EDGE;
	else
		return CPU_ERR(n, e, -EOPNOTSUPP, "mode '%s' not supported",
			       mode);
	if (cpu_has_in(in, n_in, 1)) {
		if ((ret = cpu_read_ints(n, &in[1], "pads", pads,
					 2 * IR_MAX_RANK, &np, e)))
			return ret;
	} else {
		if ((ret = cpu_get_ints(n, "pads", &ap, &np, e)) < 0)
			return ret;
		if (!ret)
			return CPU_ERR(n, e, -EINVAL, "pads is missing");
		if (np > 2 * IR_MAX_RANK)
			return CPU_ERR(n, e, -EINVAL, "too many pads");
		cpu_copy(pads, ap, np * sizeof(int64_t));
	}
	if (cpu_has_in(in, n_in, 3)) {
		if ((ret = cpu_read_ints(n, &in[3], "axes", axes, IR_MAX_RANK,
					 &na, e)))
			return ret;
	} else {
		na = (size_t)r;
		for (int i = 0; i < r; i++)
			axes[i] = i;
	}
	if (np != 2 * na)
		return CPU_ERR(n, e, -EINVAL, "pads has %zu values, need %zu",
			       np, 2 * na);
	for (size_t i = 0; i < na; i++) {
		int ax;

		if ((ret = cpu_norm_axis(n, axes[i], r, false, &ax, e)))
			return ret;
		p->pb[ax] = pads[i];
		p->pe[ax] = pads[i + na];
	}
	for (int d = 0; d < r; d++) {
		int64_t sz = in[0].dims[d];

		if (p->pb[d] < -sz || p->pe[d] < -sz ||
		    p->pb[d] > (INT64_C(1) << 40) ||
		    p->pe[d] > (INT64_C(1) << 40) ||
		    sz + p->pb[d] + p->pe[d] < 0)
			return CPU_ERR(n, e, -EINVAL,
				       "pads of dim %d out of range", d);
		if (p->mode != PAD_CONSTANT && sz == 0 &&
		    (p->pb[d] > 0 || p->pe[d] > 0))
			return CPU_ERR(n, e, -EINVAL,
				       "cannot %s-pad empty dim %d", mode, d);
	}
	return 0;
}

static int pad_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK];
	struct pad_params p;
	float f;
	int ret;

	if ((ret = cpu_check_data(n, in, n_in, 1, 4, n_out, e)) ||
	    (ret = cpu_get_float(n, "value", 0.0f, &f, e)) ||
	    (ret = pad_params(n, in, n_in, &p, e)))
		return ret;
	if (cpu_has_in(in, n_in, 2)) {
		if ((ret = cpu_check_in(n, in, 2, "constant_value",
					in[0].dtype, 0, 1, e)))
			return ret;
		if (cpu_numel(&in[2]) != 1)
			return CPU_ERR(n, e, -EINVAL,
				       "constant_value must be a scalar");
	}
	if (cpu_attr(n, "value") && f != 0.0f && in[0].dtype != IR_F32)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "attribute 'value' needs float32 data");
	for (int d = 0; d < in[0].rank; d++)
		dims[d] = in[0].dims[d] + p.pb[d] + p.pe[d];
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, dims, e);
}

/* Source index for output coordinate @o of a dim of size @sz, -1: pad. */
static int64_t pad_src(int64_t o, int64_t pb, int64_t sz, enum pad_mode m)
{
	int64_t i = o - pb;

	if (i >= 0 && i < sz)
		return i;
	if (m == PAD_CONSTANT)
		return -1;
	if (m == PAD_EDGE || sz == 1)
		return i < 0 ? 0 : sz - 1;
	/* reflect without repeating the edge, period 2 * (sz - 1) */
	i %= 2 * (sz - 1);
	if (i < 0)
		i += 2 * (sz - 1);
	return i < sz ? i : 2 * (sz - 1) - i;
}

static int pad_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	int64_t idx[IR_MAX_RANK] = { 0 }, istr[IR_MAX_RANK];
	int64_t numel = cpu_numel(&out[0]);
	size_t es = cpu_dtype_size(in[0].dtype);
	unsigned char cval[8] = { 0 };
	struct pad_params p;
	char *y = out[0].data;
	int r = in[0].rank, ret;
	float f;

	(void)n_out;
	if ((ret = pad_params(n, in, n_in, &p, e)) ||
	    (ret = cpu_get_float(n, "value", 0.0f, &f, e)))
		return ret;
	if (cpu_has_in(in, n_in, 2))
		memcpy(cval, in[2].data, es);
	else if (in[0].dtype == IR_F32)
		memcpy(cval, &f, sizeof(f));
	cpu_strides(r, in[0].dims, istr);
	for (int64_t i = 0; i < numel; i++) {
		int64_t off = 0;
		bool pad = false;

		for (int d = 0; d < r; d++) {
			int64_t s = pad_src(idx[d], p.pb[d], in[0].dims[d],
					    p.mode);

			if (s < 0)
				pad = true;
			off += s * istr[d];
		}
		memcpy(y + i * es,
		       pad ? (const char *)cval
			   : (const char *)in[0].data + off * es, es);
		cpu_odo_next(idx, out[0].dims, r);
	}
	return 0;
}

const struct cpu_op cpu_op_pad = { "", "Pad", pad_infer, pad_run };
