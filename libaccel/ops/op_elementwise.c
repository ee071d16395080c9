// SPDX-License-Identifier: MIT
/*
 * Elementwise operators: Add, Sub, Mul, Div, Max (multidirectional
 * broadcasting, numeric types), Relu, LeakyRelu, Sigmoid, Tanh, Clip,
 * Identity.
 */
#include <math.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

enum bin_op { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MAX, BIN_MIN, BIN_NR };

typedef void (*bin_fn)(const void *va, int64_t sa, const void *vb, int64_t sb,
		       void *vo, int64_t cnt);

/* One kernel per (op, type); four loops so the common cases vectorise. */
#define DEF_BIN(name, T, EXPR)						\
static void name(const void *va, int64_t sa, const void *vb, int64_t sb, \
		 void *vo, int64_t cnt)					\
{									\
	const T *a = va, *b = vb;					\
	T *o = vo;							\
									\
	if (sa == 1 && sb == 1) {					\
		for (int64_t i = 0; i < cnt; i++) {			\
			T x = a[i], y = b[i];				\
			o[i] = (EXPR);					\
		}							\
	} else if (sa == 1 && sb == 0) {				\
		T y = b[0];						\
		for (int64_t i = 0; i < cnt; i++) {			\
			T x = a[i];					\
			o[i] = (EXPR);					\
		}							\
	} else if (sa == 0 && sb == 1) {				\
		T x = a[0];						\
		for (int64_t i = 0; i < cnt; i++) {			\
			T y = b[i];					\
			o[i] = (EXPR);					\
		}							\
	} else {							\
		for (int64_t i = 0; i < cnt; i++) {			\
			T x = a[i * sa], y = b[i * sb];			\
			o[i] = (EXPR);					\
		}							\
	}								\
}

/* Integer arithmetic wraps (through uint64_t) instead of overflowing. */
#define WRAP(T, e) ((T)(uint64_t)(e))
#define DEF_INT(tn, T, SIGNED)						\
DEF_BIN(add_##tn, T, WRAP(T, (uint64_t)x + (uint64_t)y))		\
DEF_BIN(sub_##tn, T, WRAP(T, (uint64_t)x - (uint64_t)y))		\
DEF_BIN(mul_##tn, T, WRAP(T, (uint64_t)x * (uint64_t)y))		\
DEF_BIN(div_##tn, T, y == 0 ? (T)0 :					\
	((SIGNED) && y == (T)-1) ? WRAP(T, 0 - (uint64_t)x) : (T)(x / y)) \
DEF_BIN(max_##tn, T, x > y ? x : y)					\
DEF_BIN(min_##tn, T, x < y ? x : y)

#define DEF_FLT(tn, T)							\
DEF_BIN(add_##tn, T, x + y)						\
DEF_BIN(sub_##tn, T, x - y)						\
DEF_BIN(mul_##tn, T, x * y)						\
DEF_BIN(div_##tn, T, x / y)						\
DEF_BIN(max_##tn, T, (x > y || isnan(x)) ? x : y)			\
DEF_BIN(min_##tn, T, (x < y || isnan(x)) ? x : y)

DEF_FLT(f32, float)
DEF_FLT(f64, double)
DEF_INT(i8, int8_t, 1)
DEF_INT(u8, uint8_t, 0)
DEF_INT(i16, int16_t, 1)
DEF_INT(u16, uint16_t, 0)
DEF_INT(i32, int32_t, 1)
DEF_INT(u32, uint32_t, 0)
DEF_INT(i64, int64_t, 1)
DEF_INT(u64, uint64_t, 0)

#define ROW(tn) { add_##tn, sub_##tn, mul_##tn, div_##tn, max_##tn, min_##tn }
static const struct {
	int dtype;
	bin_fn fn[BIN_NR];
} bin_table[] = {
	{ IR_F32, ROW(f32) }, { IR_F64, ROW(f64) },
	{ IR_I8, ROW(i8) }, { IR_U8, ROW(u8) },
	{ IR_I16, ROW(i16) }, { IR_U16, ROW(u16) },
	{ IR_I32, ROW(i32) }, { IR_U32, ROW(u32) },
	{ IR_I64, ROW(i64) }, { IR_U64, ROW(u64) },
};

static bin_fn bin_lookup(int dtype, enum bin_op op)
{
	for (size_t i = 0; i < sizeof(bin_table) / sizeof(bin_table[0]); i++)
		if (bin_table[i].dtype == dtype)
			return bin_table[i].fn[op];
	return NULL;
}

/* o = a (op) b with a and b broadcast to o's shape; o may alias a. */
static void bin_apply(bin_fn fn, const struct ir_value *a,
		      const struct ir_value *b, struct ir_value *o)
{
	int64_t sa[IR_MAX_RANK], sb[IR_MAX_RANK], idx[IR_MAX_RANK] = { 0 };
	size_t es = cpu_dtype_size(o->dtype);
	int r = o->rank;
	int64_t inner = r ? o->dims[r - 1] : 1;
	int64_t isa = r ? 0 : 1, isb = r ? 0 : 1;
	int64_t numel = cpu_numel(o), outer, offa = 0, offb = 0;

	if (numel <= 0)
		return;
	cpu_bcast_strides(a, r, o->dims, sa);
	cpu_bcast_strides(b, r, o->dims, sb);
	if (r) {
		isa = sa[r - 1];
		isb = sb[r - 1];
	}
	/* a scalar-like run along the last dim still needs stride 0/1 only */
	if (r && isa > 1)
		isa = 1;
	if (r && isb > 1)
		isb = 1;
	outer = numel / inner;
	for (int64_t i = 0; i < outer; i++) {
		fn((const char *)a->data + offa * es, isa,
		   (const char *)b->data + offb * es, isb,
		   (char *)o->data + i * inner * es, inner);
		for (int d = r - 2; d >= 0; d--) {
			offa += sa[d];
			offb += sb[d];
			if (++idx[d] < o->dims[d])
				break;
			offa -= sa[d] * o->dims[d];
			offb -= sb[d] * o->dims[d];
			idx[d] = 0;
		}
	}
}

static int bin_infer_common(const struct ir_node *n, const struct ir_value *in,
			    int n_in, struct ir_value *out, int n_out,
			    int min_in, int max_in, enum bin_op op,
			    struct accel_err *e)
{
	const struct ir_value *vs[64];
	int64_t dims[IR_MAX_RANK];
	int rank, ret;

	if ((ret = cpu_check_io(n, n_in, min_in, max_in, n_out, 1, 1, e)))
		return ret;
	if (n_in > 64)
		return CPU_ERR(n, e, -EINVAL, "too many inputs (%d)", n_in);
	for (int i = 0; i < n_in; i++) {
		if ((ret = cpu_check_in(n, in, i, "operand", IR_UNDEFINED, 0,
					IR_MAX_RANK, e)))
			return ret;
		if (in[i].dtype != in[0].dtype)
			return CPU_ERR(n, e, -EINVAL,
				       "input %d has type %s, input 0 %s", i,
				       cpu_dtype_name(in[i].dtype),
				       cpu_dtype_name(in[0].dtype));
		vs[i] = &in[i];
	}
	if (!bin_lookup(in[0].dtype, op))
		return CPU_ERR(n, e, -EOPNOTSUPP, "type %s not supported",
			       cpu_dtype_name(in[0].dtype));
	if ((ret = cpu_bcast_shape(n, vs, n_in, &rank, dims, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, rank, dims, e);
}

static enum bin_op bin_op_of(const struct ir_node *n)
{
	static const char *const names[BIN_NR] = {
		"Add", "Sub", "Mul", "Div", "Max", "Min"
	};

	for (int i = 0; i < BIN_NR; i++)
		if (!strcmp(n->op_type, names[i]))
			return (enum bin_op)i;
	return BIN_ADD;
}

static int binary_infer(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct ir_value *out, int n_out,
			struct accel_err *e)
{
	return bin_infer_common(n, in, n_in, out, n_out, 2, 2, bin_op_of(n), e);
}

static int variadic_infer(const struct ir_node *n, const struct ir_value *in,
			  int n_in, struct ir_value *out, int n_out,
			  struct accel_err *e)
{
	return bin_infer_common(n, in, n_in, out, n_out, 1, 64, bin_op_of(n),
				e);
}

static int binary_run(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	bin_fn fn = bin_lookup(in[0].dtype, bin_op_of(n));

	(void)n_out;
	if (!fn)
		return CPU_ERR(n, e, -EOPNOTSUPP, "type not supported");
	if (n_in == 1) {
		cpu_copy(out[0].data, in[0].data, cpu_nbytes(&out[0]));
		return 0;
	}
	bin_apply(fn, &in[0], &in[1], &out[0]);
	for (int i = 2; i < n_in; i++)
		bin_apply(fn, &out[0], &in[i], &out[0]);
	return 0;
}

const struct cpu_op cpu_op_add = { "", "Add", binary_infer, binary_run };
const struct cpu_op cpu_op_sub = { "", "Sub", binary_infer, binary_run };
const struct cpu_op cpu_op_mul = { "", "Mul", binary_infer, binary_run };
const struct cpu_op cpu_op_div = { "", "Div", binary_infer, binary_run };
const struct cpu_op cpu_op_max = { "", "Max", variadic_infer, binary_run };
const struct cpu_op cpu_op_min = { "", "Min", variadic_infer, binary_run };

/* ---- unary float ops ---- */

static int unary_f32_infer(const struct ir_node *n, const struct ir_value *in,
			   int n_in, struct ir_value *out, int n_out,
			   struct accel_err *e)
{
	float alpha;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "X", IR_F32, 0, IR_MAX_RANK, e)))
		return ret;
	if (!strcmp(n->op_type, "LeakyRelu") &&
	    (ret = cpu_get_float(n, "alpha", 0.01f, &alpha, e)))
		return ret;
	return cpu_set_out(n, &out[0], IR_F32, in[0].rank, in[0].dims, e);
}

static int unary_f32_run(const struct ir_node *n, const struct ir_value *in,
			 int n_in, struct ir_value *out, int n_out,
			 struct accel_err *e)
{
	const float *x = in[0].data;
	float *y = out[0].data;
	int64_t cnt = cpu_numel(&out[0]);
	float alpha;
	int ret;

	(void)n_in;
	(void)n_out;
	switch (n->op_type[0]) {
	case 'R':	/* Relu: NaN stays NaN, as fused into Conv/Gemm and in torch */
		for (int64_t i = 0; i < cnt; i++)
			y[i] = !(x[i] <= 0.0f) ? x[i] : 0.0f;
		break;
	case 'L':	/* LeakyRelu */
		if ((ret = cpu_get_float(n, "alpha", 0.01f, &alpha, e)))
			return ret;
		for (int64_t i = 0; i < cnt; i++)
			y[i] = x[i] >= 0.0f ? x[i] : alpha * x[i];
		break;
	case 'S':	/* Sigmoid */
		for (int64_t i = 0; i < cnt; i++) {
			if (x[i] >= 0.0f) {
				y[i] = 1.0f / (1.0f + expf(-x[i]));
			} else {
				float t = expf(x[i]);

				y[i] = t / (1.0f + t);
			}
		}
		break;
	case 'T':	/* Tanh */
		for (int64_t i = 0; i < cnt; i++)
			y[i] = tanhf(x[i]);
		break;
	default:
		return CPU_ERR(n, e, -EOPNOTSUPP, "unknown unary op");
	}
	return 0;
}

const struct cpu_op cpu_op_relu = { "", "Relu", unary_f32_infer,
				    unary_f32_run };
const struct cpu_op cpu_op_leaky_relu = { "", "LeakyRelu", unary_f32_infer,
					  unary_f32_run };
const struct cpu_op cpu_op_sigmoid = { "", "Sigmoid", unary_f32_infer,
				       unary_f32_run };
const struct cpu_op cpu_op_tanh = { "", "Tanh", unary_f32_infer,
				    unary_f32_run };

/* ---- Clip: bounds as attributes (opset < 11) or scalar inputs ---- */

static int clip_infer(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	float f;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 3, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "input", IR_UNDEFINED, 0,
				IR_MAX_RANK, e)))
		return ret;
	if (!bin_lookup(in[0].dtype, BIN_MAX))
		return CPU_ERR(n, e, -EOPNOTSUPP, "type %s not supported",
			       cpu_dtype_name(in[0].dtype));
	if ((ret = cpu_get_float(n, "min", 0, &f, e)) ||
	    (ret = cpu_get_float(n, "max", 0, &f, e)))
		return ret;
	if ((cpu_attr(n, "min") || cpu_attr(n, "max")) && in[0].dtype != IR_F32)
		return CPU_ERR(n, e, -EINVAL,
			       "min/max attributes need float32 input");
	for (int i = 1; i < n_in; i++) {
		if (!cpu_has_in(in, n_in, i))
			continue;
		if ((ret = cpu_check_in(n, in, i, i == 1 ? "min" : "max",
					in[0].dtype, 0, 1, e)))
			return ret;
		if (cpu_numel(&in[i]) != 1)
			return CPU_ERR(n, e, -EINVAL,
				       "input %d must be a scalar", i);
	}
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, in[0].dims, e);
}

static int clip_run(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	struct ir_value lo = { .dtype = in[0].dtype, .rank = 0 };
	struct ir_value hi = lo;
	float flo = -INFINITY, fhi = INFINITY;
	int ret;

	(void)n_out;
	cpu_copy(out[0].data, in[0].data, cpu_nbytes(&out[0]));
	if ((ret = cpu_get_float(n, "min", -INFINITY, &flo, e)) ||
	    (ret = cpu_get_float(n, "max", INFINITY, &fhi, e)))
		return ret;
	lo.data = &flo;
	hi.data = &fhi;
	if (cpu_has_in(in, n_in, 1))
		lo.data = in[1].data;
	if (cpu_has_in(in, n_in, 2))
		hi.data = in[2].data;
	if (lo.data != &flo || in[0].dtype == IR_F32)
		bin_apply(bin_lookup(in[0].dtype, BIN_MAX), &out[0], &lo,
			  &out[0]);
	if (hi.data != &fhi || in[0].dtype == IR_F32)
		bin_apply(bin_lookup(in[0].dtype, BIN_MIN), &out[0], &hi,
			  &out[0]);
	return 0;
}

const struct cpu_op cpu_op_clip = { "", "Clip", clip_infer, clip_run };

/* ---- Identity ---- */

static int identity_infer(const struct ir_node *n, const struct ir_value *in,
			  int n_in, struct ir_value *out, int n_out,
			  struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "input", IR_UNDEFINED, 0,
				IR_MAX_RANK, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, in[0].dims, e);
}

int cpu_copy_run(const struct ir_node *n, const struct ir_value *in,
		 int n_in, struct ir_value *out, int n_out,
		 struct accel_err *e)
{
	(void)n;
	(void)n_in;
	(void)n_out;
	(void)e;
	cpu_copy(out[0].data, in[0].data, cpu_nbytes(&out[0]));
	return 0;
}

const struct cpu_op cpu_op_identity = { "", "Identity", identity_infer,
					cpu_copy_run };

/* ---- Dropout (inference) ---- */

/*
 * Inference Dropout is the identity with an all-true mask.  Training mode
 * (attribute is_test = 0 before opset 7, input training_mode from opset
 * 12) with a ratio above 0 draws random masks: refused, since no two
 * generators agree on them.
 */
static int dropout_check(const struct ir_node *n, const struct ir_value *in,
			 int n_in, struct accel_err *e)
{
	int64_t is_test;
	float ratio;
	bool training;
	int ret;

	if ((ret = cpu_get_int(n, "is_test", 0, &is_test, e)) ||
	    (ret = cpu_get_float(n, "ratio", 0.5f, &ratio, e)))
		return ret;
	training = cpu_node_opset(n, 13) < 7 && !is_test;
	if (cpu_has_in(in, n_in, 1)) {
		if ((ret = cpu_check_in(n, in, 1, "ratio", IR_UNDEFINED, 0, 0,
					e)))
			return ret;
		if (!cpu_is_float(in[1].dtype))
			return CPU_ERR(n, e, -EINVAL,
				       "ratio must be a float scalar, not %s",
				       cpu_dtype_name(in[1].dtype));
		ratio = in[1].data ? (float)cpu_load_f64(in[1].data,
							 in[1].dtype, 0)
				   : 0.5f;
	}
	if (cpu_has_in(in, n_in, 2)) {
		if ((ret = cpu_check_in(n, in, 2, "training_mode", IR_BOOL, 0,
					0, e)))
			return ret;
		if (!in[2].data)
			return CPU_ERR(n, e, -EOPNOTSUPP,
				       "training_mode is not a constant (unknown at planning)");
		training = ((const uint8_t *)in[2].data)[0] != 0;
	}
	if (!(ratio >= 0.0f && ratio < 1.0f))
		return CPU_ERR(n, e, -EINVAL, "ratio %g is not in [0, 1)",
			       (double)ratio);
	if (training && cpu_has_in(in, n_in, 1) && !in[1].data)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "ratio is not a constant (unknown at planning)");
	if (training && ratio > 0.0f)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "training mode with ratio > 0 (random masks) is not supported");
	return 0;
}

static int dropout_infer(const struct ir_node *n, const struct ir_value *in,
			 int n_in, struct ir_value *out, int n_out,
			 struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 3, n_out, 1, 2, e)) ||
	    (ret = cpu_check_in(n, in, 0, "data", IR_UNDEFINED, 0,
				IR_MAX_RANK, e)))
		return ret;
	if (!cpu_is_float(in[0].dtype))
		return CPU_ERR(n, e, -EINVAL, "data must be float, not %s",
			       cpu_dtype_name(in[0].dtype));
	if ((ret = dropout_check(n, in, n_in, e)) ||
	    (ret = cpu_set_out(n, &out[0], in[0].dtype, in[0].rank,
			       in[0].dims, e)))
		return ret;
	/* the mask: bool from opset 10, the data's type before */
	if (n_out > 1)
		return cpu_set_out(n, &out[1],
				   cpu_node_opset(n, 13) >= 10 ? IR_BOOL
							       : in[0].dtype,
				   in[0].rank, in[0].dims, e);
	return 0;
}

static int dropout_run(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct ir_value *out, int n_out,
		       struct accel_err *e)
{
	(void)n_in;
	(void)e;
	cpu_copy(out[0].data, in[0].data, cpu_nbytes(&out[0]));
	if (n_out > 1 && cpu_has_out(n, n_out, 1)) {
		int64_t cnt = cpu_numel(&out[1]);

		for (int64_t i = 0; i < cnt; i++)
			cpu_store_f64(out[1].data, out[1].dtype, i, 1.0);
	}
	return 0;
}

const struct cpu_op cpu_op_dropout = { "", "Dropout", dropout_infer,
				       dropout_run };
