// SPDX-License-Identifier: MIT
/* Shared helpers of the CPU operator kernels (see ops_util.h). */
#include <math.h>
#include <string.h>

#include "ops/ops_util.h"

int64_t cpu_numel(const struct ir_value *v)
{
	int64_t cnt = 1;
	size_t es = cpu_dtype_size(v->dtype);
	int64_t bytes;

	if (v->rank < 0 || v->rank > IR_MAX_RANK)
		return -1;
	for (int i = 0; i < v->rank; i++) {
		if (v->dims[i] < 0 ||
		    __builtin_mul_overflow(cnt, v->dims[i], &cnt))
			return -1;
	}
	if (es && __builtin_mul_overflow(cnt, (int64_t)es, &bytes))
		return -1;
	return cnt;
}

int cpu_set_out(const struct ir_node *n, struct ir_value *out, int dtype,
		int rank, const int64_t *dims, struct accel_err *e)
{
	struct ir_value v = { .dtype = dtype, .rank = rank };

	if (rank < 0 || rank > IR_MAX_RANK)
		return CPU_ERR(n, e, -EINVAL, "output rank %d out of range",
			       rank);
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return CPU_ERR(n, e, -EINVAL,
				       "negative output dimension %lld",
				       (long long)dims[i]);
		v.dims[i] = dims[i];
	}
	if (cpu_numel(&v) < 0)
		return CPU_ERR(n, e, -EOVERFLOW, "output size overflows");
	out->dtype = v.dtype;
	out->rank = v.rank;
	memcpy(out->dims, v.dims, sizeof(out->dims));
	return 0;
}

bool cpu_has_in(const struct ir_value *in, int n_in, int i)
{
	return i >= 0 && i < n_in && in[i].dtype != IR_UNDEFINED &&
	       in[i].rank >= 0;
}

bool cpu_has_out(const struct ir_node *n, int n_out, int j)
{
	if (j < 0 || j >= n_out)
		return false;
	if (n->outputs && j < n->n_outputs)
		return n->outputs[j] >= 0;
	return true;
}

int cpu_check_io(const struct ir_node *n, int n_in, int min_in, int max_in,
		 int n_out, int min_out, int max_out, struct accel_err *e)
{
	if (n_in < min_in || n_in > max_in)
		return CPU_ERR(n, e, -EINVAL,
			       "has %d inputs, expected %d..%d", n_in, min_in,
			       max_in);
	if (n_out < min_out || n_out > max_out)
		return CPU_ERR(n, e, -EINVAL,
			       "has %d outputs, expected %d..%d", n_out,
			       min_out, max_out);
	return 0;
}

int cpu_check_in(const struct ir_node *n, const struct ir_value *in, int i,
		 const char *what, int dtype, int min_rank, int max_rank,
		 struct accel_err *e)
{
	const struct ir_value *v = &in[i];

	if (v->dtype == IR_UNDEFINED || v->rank < 0)
		return CPU_ERR(n, e, -EINVAL, "input %d (%s) is missing", i,
			       what);
	if (dtype != IR_UNDEFINED && v->dtype != dtype)
		return CPU_ERR(n, e, -EINVAL,
			       "input %d (%s) has type %s, expected %s", i,
			       what, cpu_dtype_name(v->dtype),
			       cpu_dtype_name(dtype));
	if (!cpu_dtype_size(v->dtype))
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "input %d (%s) has unsupported type %s", i,
			       what, cpu_dtype_name(v->dtype));
	if (v->rank < min_rank || v->rank > max_rank ||
	    v->rank > IR_MAX_RANK)
		return CPU_ERR(n, e, -EINVAL,
			       "input %d (%s) has rank %d, expected %d..%d",
			       i, what, v->rank, min_rank, max_rank);
	if (cpu_numel(v) < 0)
		return CPU_ERR(n, e, -EOVERFLOW,
			       "input %d (%s) has a bad or overflowing shape",
			       i, what);
	return 0;
}

int cpu_read_ints(const struct ir_node *n, const struct ir_value *v,
		  const char *what, int64_t *buf, size_t max, size_t *cnt,
		  struct accel_err *e)
{
	int64_t numel;

	if (v->dtype != IR_I64 && v->dtype != IR_I32)
		return CPU_ERR(n, e, -EINVAL, "%s must be int64, not %s",
			       what, cpu_dtype_name(v->dtype));
	if (v->rank > 1)
		return CPU_ERR(n, e, -EINVAL, "%s must be 1-D, has rank %d",
			       what, v->rank);
	numel = cpu_numel(v);
	if (numel < 0 || (uint64_t)numel > max)
		return CPU_ERR(n, e, -EINVAL, "%s has too many elements",
			       what);
	if (!v->data)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "%s is not a constant (unknown at planning)",
			       what);
	for (int64_t i = 0; i < numel; i++)
		buf[i] = v->dtype == IR_I64 ? ((const int64_t *)v->data)[i]
					    : ((const int32_t *)v->data)[i];
	*cnt = (size_t)numel;
	return 0;
}

int cpu_norm_axis(const struct ir_node *n, int64_t axis, int rank,
		  bool inclusive, int *out, struct accel_err *e)
{
	int64_t hi = inclusive ? rank + 1 : rank;

	if (axis < -(int64_t)rank || axis >= hi)
		return CPU_ERR(n, e, -EINVAL, "axis %lld out of range for rank %d",
			       (long long)axis, rank);
	*out = (int)(axis < 0 ? axis + rank : axis);
	return 0;
}

int cpu_bcast_shape(const struct ir_node *n, const struct ir_value *const *v,
		    int cnt, int *rank, int64_t *dims, struct accel_err *e)
{
	int r = 0;

	for (int i = 0; i < cnt; i++)
		if (v[i]->rank > r)
			r = v[i]->rank;
	if (r > IR_MAX_RANK)
		return CPU_ERR(n, e, -EINVAL, "rank %d too large", r);
	for (int d = 0; d < r; d++)
		dims[d] = 1;
	for (int i = 0; i < cnt; i++) {
		int off = r - v[i]->rank;

		for (int d = 0; d < v[i]->rank; d++) {
			int64_t x = v[i]->dims[d];
			int64_t *o = &dims[off + d];

			if (x == *o || x == 1)
				continue;
			if (*o == 1) {
				*o = x;
				continue;
			}
			return CPU_ERR(n, e, -EINVAL,
				       "input %d dimension %d (%lld) does not broadcast against %lld",
				       i, d, (long long)x, (long long)*o);
		}
	}
	*rank = r;
	return 0;
}

void cpu_strides(int rank, const int64_t *dims, int64_t *strides)
{
	int64_t s = 1;

	for (int d = rank - 1; d >= 0; d--) {
		strides[d] = s;
		s *= dims[d];
	}
}

void cpu_bcast_strides(const struct ir_value *v, int rank,
		       const int64_t *dims, int64_t *strides)
{
	int off = rank - v->rank;
	int64_t s = 1;

	for (int d = rank - 1; d >= 0; d--) {
		int64_t vd = d >= off ? v->dims[d - off] : 1;

		(void)dims;
		strides[d] = vd == 1 ? 0 : s;
		s *= vd;
	}
}

int cpu_geom_init(const struct ir_node *n, const struct ir_value *x,
		  const int64_t *kernel, bool allow_ceil, bool allow_dil,
		  struct cpu_geom *g, struct accel_err *e)
{
	const int64_t *strides, *dil, *pads;
	size_t ns, nd, np;
	const char *ap;
	int64_t ceil_mode = 0;
	int nsp = x->rank - 2;
	int ret;

	memset(g, 0, sizeof(*g));
	if (nsp < 1 || nsp > CPU_MAX_SPATIAL)
		return CPU_ERR(n, e, -EINVAL,
			       "input must have 1..%d spatial dims, rank is %d",
			       CPU_MAX_SPATIAL, x->rank);
	g->nsp = nsp;
	if ((ret = cpu_get_ints(n, "strides", &strides, &ns, e)) < 0 ||
	    (ret = cpu_get_ints(n, "dilations", &dil, &nd, e)) < 0 ||
	    (ret = cpu_get_ints(n, "pads", &pads, &np, e)) < 0 ||
	    (ret = cpu_get_string(n, "auto_pad", "NOTSET", &ap, e)) < 0)
		return ret;
	if (allow_ceil &&
	    (ret = cpu_get_int(n, "ceil_mode", 0, &ceil_mode, e)) < 0)
		return ret;
	if (ceil_mode != 0 && ceil_mode != 1)
		return CPU_ERR(n, e, -EINVAL, "ceil_mode must be 0 or 1");
	if (ns && ns != (size_t)nsp)
		return CPU_ERR(n, e, -EINVAL, "strides has %zu values, need %d",
			       ns, nsp);
	if (nd && (!allow_dil || nd != (size_t)nsp))
		return CPU_ERR(n, e, -EINVAL,
			       "dilations has %zu values, need %d", nd, nsp);
	if (np && np != 2 * (size_t)nsp)
		return CPU_ERR(n, e, -EINVAL, "pads has %zu values, need %d",
			       np, 2 * nsp);
	if (strcmp(ap, "NOTSET") && strcmp(ap, "VALID") &&
	    strcmp(ap, "SAME_UPPER") && strcmp(ap, "SAME_LOWER"))
		return CPU_ERR(n, e, -EINVAL, "unknown auto_pad '%s'", ap);
	if (np && strcmp(ap, "NOTSET"))
		return CPU_ERR(n, e, -EINVAL,
			       "pads given together with auto_pad %s", ap);

	for (int i = 0; i < nsp; i++) {
		int64_t in = x->dims[i + 2], k = kernel[i];
		int64_t s = ns ? strides[i] : 1, d = nd ? dil[i] : 1;
		int64_t ek, span, o;

		if (k < 1 || s < 1 || d < 1)
			return CPU_ERR(n, e, -EINVAL,
				       "kernel %lld, stride %lld, dilation %lld must be >= 1 (dim %d)",
				       (long long)k, (long long)s,
				       (long long)d, i);
		/* effective kernel (k - 1) * d + 1 */
		if (__builtin_mul_overflow(k - 1, d, &ek) ||
		    __builtin_add_overflow(ek, 1, &ek))
			return CPU_ERR(n, e, -EOVERFLOW,
				       "kernel extent overflows (dim %d)", i);
		g->in[i] = in;
		g->k[i] = k;
		g->s[i] = s;
		g->d[i] = d;
		if (!strcmp(ap, "NOTSET")) {
			int64_t pb = np ? pads[i] : 0, pe = np ? pads[i + nsp] : 0;

			if (pb < 0 || pe < 0)
				return CPU_ERR(n, e, -EINVAL,
					       "negative pads (dim %d)", i);
			if (__builtin_add_overflow(in, pb, &span) ||
			    __builtin_add_overflow(span, pe, &span))
				return CPU_ERR(n, e, -EOVERFLOW,
					       "padded size overflows (dim %d)",
					       i);
			g->pb[i] = pb;
			g->pe[i] = pe;
			if (span < ek)
				return CPU_ERR(n, e, -EINVAL,
					       "kernel extent %lld larger than padded input %lld (dim %d)",
					       (long long)ek, (long long)span, i);
			if (ceil_mode) {
				o = (span - ek + s - 1) / s + 1;
				/* the last window must start in input+pb */
				if ((o - 1) * s >= in + pb)
					o--;
			} else {
				o = (span - ek) / s + 1;
			}
		} else if (!strcmp(ap, "VALID")) {
			if (in < ek)
				return CPU_ERR(n, e, -EINVAL,
					       "kernel extent %lld larger than input %lld (dim %d)",
					       (long long)ek, (long long)in, i);
			o = (in - ek) / s + 1;
		} else {
			int64_t total;

			o = in / s + (in % s != 0);
			if (o < 1)
				return CPU_ERR(n, e, -EINVAL,
					       "empty spatial input (dim %d)",
					       i);
			if (__builtin_mul_overflow(o - 1, s, &total) ||
			    __builtin_add_overflow(total, ek, &total))
				return CPU_ERR(n, e, -EOVERFLOW,
					       "padding overflows (dim %d)", i);
			total -= in;
			if (total < 0)
				total = 0;
			if (!strcmp(ap, "SAME_UPPER")) {
				g->pb[i] = total / 2;
				g->pe[i] = total - total / 2;
			} else {
				g->pe[i] = total / 2;
				g->pb[i] = total - total / 2;
			}
		}
		g->out[i] = o;
	}
	return 0;
}

int32_t cpu_round_sat(double v, int32_t lo, int32_t hi)
{
	double r;

	if (isnan(v))
		return lo > 0 ? lo : (hi < 0 ? hi : 0);
	r = nearbyint(v);
	if (r < lo)
		return lo;
	if (r > hi)
		return hi;
	return (int32_t)r;
}

int32_t cpu_quantize_f32(float x, float scale, int32_t zp, int32_t lo,
			 int32_t hi)
{
	float q = nearbyintf(x / scale);

	if (isnan(q))
		return lo;
	return cpu_round_sat((double)q + zp, lo, hi);
}

int cpu_qrange(const struct ir_node *n, int dtype, int32_t *lo, int32_t *hi,
	       struct accel_err *e)
{
	switch (dtype) {
	case IR_U8:
		*lo = 0;
		*hi = 255;
		return 0;
	case IR_I8:
		*lo = -128;
		*hi = 127;
		return 0;
	case IR_I32:
		*lo = INT32_MIN;
		*hi = INT32_MAX;
		return 0;
	default:
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "quantized type %s not supported",
			       cpu_dtype_name(dtype));
	}
}

int32_t cpu_load_i32(const void *data, int dtype, int64_t i)
{
	switch (dtype) {
	case IR_U8:
		return ((const uint8_t *)data)[i];
	case IR_I8:
		return ((const int8_t *)data)[i];
	case IR_I32:
		return ((const int32_t *)data)[i];
	default:
		return 0;
	}
}

int64_t cpu_node_opset(const struct ir_node *n, int64_t def)
{
	return n->opset > 0 ? n->opset : def;
}

void cpu_sgemm(int64_t m, int64_t nn, int64_t k, const float *a, int64_t lda,
	       const float *b, int64_t ldb, float *c, int64_t ldc,
	       bool accumulate)
{
	enum { KB = 128, NB = 512 };

	if (!accumulate)
		for (int64_t i = 0; i < m; i++)
			memset(c + i * ldc, 0, (size_t)nn * sizeof(float));
	for (int64_t j0 = 0; j0 < nn; j0 += NB) {
		int64_t jn = nn - j0 < NB ? nn - j0 : NB;

		for (int64_t p0 = 0; p0 < k; p0 += KB) {
			int64_t pn = k - p0 < KB ? k - p0 : KB;

			for (int64_t i = 0; i < m; i++) {
				float *restrict crow = c + i * ldc + j0;
				const float *arow = a + i * lda + p0;

				for (int64_t p = 0; p < pn; p++) {
					const float *restrict brow =
						b + (p0 + p) * ldb + j0;
					float av = arow[p];

					for (int64_t j = 0; j < jn; j++)
						crow[j] += av * brow[j];
				}
			}
		}
	}
}

void cpu_bcast_map(const struct ir_value *const *v, int cnt,
		   struct ir_value *o, cpu_map_fn fn, const void *ctx)
{
	int64_t str[CPU_BCAST_MAX][IR_MAX_RANK], off[CPU_BCAST_MAX] = { 0 };
	int64_t idx[IR_MAX_RANK] = { 0 }, s[CPU_BCAST_MAX];
	const void *p[CPU_BCAST_MAX];
	size_t es[CPU_BCAST_MAX], oes = cpu_dtype_size(o->dtype);
	int r = o->rank;
	int64_t numel = cpu_numel(o), inner = r ? o->dims[r - 1] : 1, outer;

	if (numel <= 0 || cnt < 1 || cnt > CPU_BCAST_MAX)
		return;
	for (int k = 0; k < cnt; k++) {
		cpu_bcast_strides(v[k], r, o->dims, str[k]);
		es[k] = cpu_dtype_size(v[k]->dtype);
		s[k] = r ? str[k][r - 1] : 0;
	}
	outer = numel / inner;
	for (int64_t i = 0; i < outer; i++) {
		for (int k = 0; k < cnt; k++)
			p[k] = (const char *)v[k]->data + off[k] * (int64_t)es[k];
		fn(p, s, (char *)o->data + i * inner * (int64_t)oes, inner,
		   ctx);
		for (int d = r - 2; d >= 0; d--) {
			for (int k = 0; k < cnt; k++)
				off[k] += str[k][d];
			if (++idx[d] < o->dims[d])
				break;
			for (int k = 0; k < cnt; k++)
				off[k] -= str[k][d] * o->dims[d];
			idx[d] = 0;
		}
	}
}

bool cpu_is_float(int dtype)
{
	return dtype == IR_F32 || dtype == IR_F64;
}

bool cpu_is_int(int dtype)
{
	switch (dtype) {
	case IR_U8: case IR_I8: case IR_U16: case IR_I16:
	case IR_U32: case IR_I32: case IR_U64: case IR_I64:
		return true;
	default:
		return false;
	}
}

double cpu_load_f64(const void *data, int dtype, int64_t i)
{
	switch (dtype) {
	case IR_F32:
		return ((const float *)data)[i];
	case IR_F64:
		return ((const double *)data)[i];
	case IR_U64:
		return (double)((const uint64_t *)data)[i];
	default:
		return (double)cpu_load_i64(data, dtype, i);
	}
}

int64_t cpu_load_i64(const void *data, int dtype, int64_t i)
{
	switch (dtype) {
	case IR_U8: case IR_BOOL: return ((const uint8_t *)data)[i];
	case IR_I8: return ((const int8_t *)data)[i];
	case IR_U16: return ((const uint16_t *)data)[i];
	case IR_I16: return ((const int16_t *)data)[i];
	case IR_U32: return ((const uint32_t *)data)[i];
	case IR_I32: return ((const int32_t *)data)[i];
	case IR_U64: return (int64_t)((const uint64_t *)data)[i];
	case IR_I64: return ((const int64_t *)data)[i];
	case IR_F32: case IR_F64: {
		double d = cpu_load_f64(data, dtype, i);

		if (isnan(d))
			return 0;
		if (d <= -9223372036854775808.0)
			return INT64_MIN;
		if (d >= 9223372036854775808.0)
			return INT64_MAX;
		return (int64_t)d;
	}
	default: return 0;
	}
}

void cpu_store_i64(void *data, int dtype, int64_t i, int64_t v)
{
	switch (dtype) {
	case IR_BOOL: ((uint8_t *)data)[i] = v != 0; break;
	case IR_U8: case IR_I8: ((uint8_t *)data)[i] = (uint8_t)v; break;
	case IR_U16: case IR_I16: ((uint16_t *)data)[i] = (uint16_t)v; break;
	case IR_U32: case IR_I32: ((uint32_t *)data)[i] = (uint32_t)v; break;
	case IR_U64: case IR_I64: ((uint64_t *)data)[i] = (uint64_t)v; break;
	case IR_F32: ((float *)data)[i] = (float)v; break;
	case IR_F64: ((double *)data)[i] = (double)v; break;
	default: break;
	}
}

void cpu_store_f64(void *data, int dtype, int64_t i, double v)
{
	static const struct { int t; double lo, hi; } r[] = {
		{ IR_U8, 0, 255 }, { IR_I8, -128, 127 },
		{ IR_U16, 0, 65535 }, { IR_I16, -32768, 32767 },
		{ IR_U32, 0, 4294967295.0 },
		{ IR_I32, -2147483648.0, 2147483647.0 },
		{ IR_U64, 0, 18446744073709549568.0 },
		{ IR_I64, -9223372036854775808.0, 9223372036854774784.0 },
	};

	if (dtype == IR_F32) {
		((float *)data)[i] = (float)v;
		return;
	}
	if (dtype == IR_F64) {
		((double *)data)[i] = v;
		return;
	}
	if (dtype == IR_BOOL) {
		((uint8_t *)data)[i] = v != 0;
		return;
	}
	if (isnan(v))
		v = 0;
	v = trunc(v);
	for (size_t k = 0; k < sizeof(r) / sizeof(r[0]); k++) {
		if (r[k].t != dtype)
			continue;
		v = v < r[k].lo ? r[k].lo : (v > r[k].hi ? r[k].hi : v);
		if (dtype == IR_U64)
			((uint64_t *)data)[i] = (uint64_t)v;
		else
			cpu_store_i64(data, dtype, i, (int64_t)v);
		return;
	}
}

int cpu_check_data(const struct ir_node *n, const struct ir_value *in,
		   int n_in, int min_in, int max_in, int n_out,
		   struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_io(n, n_in, min_in, max_in, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "data", IR_UNDEFINED, 0,
				IR_MAX_RANK, e)))
		return ret;
	return 0;
}

int cpu_check_gather(const struct ir_node *n, const struct ir_value *in,
		     bool same_rank, int *ax, struct accel_err *e)
{
	int min_rank = same_rank ? in[0].rank : 0;
	int max_rank = same_rank ? in[0].rank : IR_MAX_RANK;
	int64_t axis;
	int ret;

	if ((ret = cpu_check_in(n, in, 1, "indices", IR_UNDEFINED, min_rank,
				max_rank, e)) ||
	    (ret = cpu_get_int(n, "axis", 0, &axis, e)))
		return ret;
	if (in[1].dtype != IR_I64 && in[1].dtype != IR_I32)
		return CPU_ERR(n, e, -EINVAL, "indices must be int32/int64");
	if (in[0].rank < 1)
		return CPU_ERR(n, e, -EINVAL, "data must have rank >= 1");
	return cpu_norm_axis(n, axis, in[0].rank, false, ax, e);
}

int cpu_check_per_channel(const struct ir_node *n, const struct ir_value *in,
			  int n_in, const char *const *what,
			  struct accel_err *e)
{
	int ret;

	for (int i = 1; i < n_in; i++) {
		if ((ret = cpu_check_in(n, in, i, what[i], IR_F32, 1, 1, e)))
			return ret;
		if (in[i].dims[0] != in[0].dims[1])
			return CPU_ERR(n, e, -EINVAL,
				       "%s has %lld elements, %s has %lld channels",
				       what[i], (long long)in[i].dims[0],
				       what[0], (long long)in[0].dims[1]);
	}
	return 0;
}

int cpu_check_elem_dims(const struct ir_node *n, const struct ir_value *in,
			int ax, struct accel_err *e)
{
	for (int d = 0; d < in[0].rank; d++)
		if (d != ax && in[1].dims[d] > in[0].dims[d])
			return CPU_ERR(n, e, -EINVAL,
				       "indices dim %d (%lld) exceeds data's %lld",
				       d, (long long)in[1].dims[d],
				       (long long)in[0].dims[d]);
	return 0;
}

int cpu_elem_offset(const struct ir_node *n, const struct ir_value *data,
		    const int64_t *str, const int64_t *idx, int ax, int64_t v,
		    int64_t *off, struct accel_err *e)
{
	int64_t lim = data->dims[ax];

	if (v < -lim || v >= lim)
		return CPU_ERR(n, e, -EINVAL,
			       "index %lld out of range [-%lld, %lld)",
			       (long long)v, (long long)lim, (long long)lim);
	if (v < 0)
		v += lim;
	*off = 0;
	for (int d = 0; d < data->rank; d++)
		*off += (d == ax ? v : idx[d]) * str[d];
	return 0;
}

void cpu_axis_split(const struct ir_value *v, int ax, int64_t *outer,
		    int64_t *inner)
{
	*outer = *inner = 1;
	for (int d = 0; d < ax; d++)
		*outer *= v->dims[d];
	for (int d = ax + 1; d < v->rank; d++)
		*inner *= v->dims[d];
}

/* cpu_bcast_map() kernel copying elements of ctx's size_t bytes. */
static void copy_kernel(const void *const *p, const int64_t *s, void *vo,
			int64_t cnt, const void *vctx)
{
	size_t es = *(const size_t *)vctx;

	if (s[0] == 1) {
		memcpy(vo, p[0], (size_t)cnt * es);
		return;
	}
	for (int64_t i = 0; i < cnt; i++)
		memcpy((char *)vo + i * (int64_t)es, p[0], es);
}

void cpu_bcast_copy(const struct ir_value *x, struct ir_value *o)
{
	const struct ir_value *vs[1] = { x };
	size_t es = cpu_dtype_size(x->dtype);

	cpu_bcast_map(vs, 1, o, copy_kernel, &es);
}

bool cpu_odo_next(int64_t *idx, const int64_t *dims, int rank)
{
	for (int d = rank - 1; d >= 0; d--) {
		if (++idx[d] < dims[d])
			return true;
		idx[d] = 0;
	}
	return false;
}

int cpu_reduce_axes(const struct ir_node *n, const struct ir_value *in,
		    int n_in, bool *red, bool *noop, struct accel_err *e)
{
	int64_t axes[IR_MAX_RANK], noop_empty;
	const int64_t *aa;
	size_t na = 0;
	int r = in[0].rank, ret;

	if ((ret = cpu_get_int(n, "noop_with_empty_axes", 0, &noop_empty,
			       e)))
		return ret;
	if ((ret = cpu_get_ints(n, "axes", &aa, &na, e)) < 0)
		return ret;
	if (ret && cpu_has_in(in, n_in, 1))
		return CPU_ERR(n, e, -EINVAL,
			       "axes given as attribute and input");
	if (na > IR_MAX_RANK)
		return CPU_ERR(n, e, -EINVAL, "too many axes (%zu)", na);
	cpu_copy(axes, aa, na * sizeof(int64_t));
	if (cpu_has_in(in, n_in, 1) &&
	    (ret = cpu_read_ints(n, &in[1], "axes", axes, IR_MAX_RANK, &na,
				 e)))
		return ret;
	memset(red, 0, sizeof(bool) * IR_MAX_RANK);
	*noop = !na && noop_empty;
	if (!na)
		for (int i = 0; i < r; i++)
			red[i] = !*noop;
	for (size_t i = 0; i < na; i++) {
		int ax = 0;

		if ((ret = cpu_norm_axis(n, axes[i], r, false, &ax, e)))
			return ret;
		if (red[ax])
			return CPU_ERR(n, e, -EINVAL, "axis %lld repeated",
				       (long long)axes[i]);
		red[ax] = true;
	}
	return 0;
}

static size_t ws_piece(int64_t cnt, size_t elem)
{
	return ((size_t)(cnt > 0 ? cnt : 1) * elem + CPU_WS_ALIGN - 1) &
	       ~(size_t)(CPU_WS_ALIGN - 1);
}

int cpu_ws_add(const struct ir_node *n, size_t *total, int64_t cnt,
	       size_t elem, struct accel_err *e)
{
	/* (4 GiB of pieces at most: the same bound as one planned value) */
	if (cnt < 0 || (uint64_t)cnt > (4ULL << 30) / elem ||
	    *total + ws_piece(cnt, elem) > (8ULL << 30))
		return CPU_ERR(n, e, -EOVERFLOW, "scratch memory too large");
	*total += ws_piece(cnt, elem);
	return 0;
}

void *cpu_ws_take(unsigned char **ws, int64_t cnt, size_t elem)
{
	void *p = *ws;

	*ws += ws_piece(cnt, elem);
	return p;
}
