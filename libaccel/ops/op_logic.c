// SPDX-License-Identifier: MIT
/*
 * Broadcasting binary and variadic operators beyond the arithmetic four:
 * Pow (mixed base/exponent types), Mod (both fmod forms), BitShift, PRelu,
 * Sum and Mean (variadic), the comparisons Equal/Less/LessOrEqual/
 * Greater/GreaterOrEqual, the logical And/Or/Xor and Where.
 */
#include <math.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

static bool is_unsigned(int t)
{
	return t == IR_U8 || t == IR_U16 || t == IR_U32 || t == IR_U64 ||
	       t == IR_BOOL;
}

/* Check input @i is present, of a CPU-held type, and not float16. */
static int check_operand(const struct ir_node *n, const struct ir_value *in,
			 int i, const char *what, struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_in(n, in, i, what, IR_UNDEFINED, 0, IR_MAX_RANK,
				e)))
		return ret;
	if (in[i].dtype == IR_F16)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "input %d (%s) has unsupported type float16", i,
			       what);
	return 0;
}

/* Broadcast the first @cnt inputs into out[0] with type @dtype. */
static int bcast_out(const struct ir_node *n, const struct ir_value *in,
		     int cnt, struct ir_value *out, int dtype,
		     struct accel_err *e)
{
	const struct ir_value *vs[64];
	int64_t dims[IR_MAX_RANK];
	int rank, ret;

	if (cnt > 64)
		return CPU_ERR(n, e, -EINVAL, "too many inputs (%d)", cnt);
	for (int i = 0; i < cnt; i++)
		vs[i] = &in[i];
	if ((ret = cpu_bcast_shape(n, vs, cnt, &rank, dims, e)))
		return ret;
	return cpu_set_out(n, &out[0], dtype, rank, dims, e);
}

/* ---- comparisons and logic: any numeric/bool -> bool ---- */

enum cmp_op { C_EQ, C_LT, C_LE, C_GT, C_GE, C_AND, C_OR, C_XOR };

static const char *const cmp_names[] = {
	"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual",
	"And", "Or", "Xor",
};

struct cmp_ctx {
	enum cmp_op op;
	int dtype;
};

static int cmp_of(const struct ir_node *n)
{
	for (size_t i = 0; i < sizeof(cmp_names) / sizeof(cmp_names[0]); i++)
		if (!strcmp(n->op_type, cmp_names[i]))
			return (int)i;
	return -1;
}

/* -1, 0, 1 for a < b, a == b, a > b; 2 when unordered (NaN). */
static int cmp3(const void *a, const void *b, int t)
{
	if (cpu_is_float(t)) {
		double x = cpu_load_f64(a, t, 0), y = cpu_load_f64(b, t, 0);

		return x < y ? -1 : (x > y ? 1 : (x == y ? 0 : 2));
	}
	if (t == IR_U64) {
		uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

		return x < y ? -1 : (x > y ? 1 : 0);
	}
	{
		int64_t x = cpu_load_i64(a, t, 0), y = cpu_load_i64(b, t, 0);

		return x < y ? -1 : (x > y ? 1 : 0);
	}
}

static void cmp_kernel(const void *const *p, const int64_t *s, void *vo,
		       int64_t cnt, const void *vctx)
{
	const struct cmp_ctx *c = vctx;
	size_t es = cpu_dtype_size(c->dtype);
	const char *a = p[0], *b = p[1];
	uint8_t *o = vo;

	for (int64_t i = 0; i < cnt; i++) {
		const char *x = a + i * s[0] * (int64_t)es;
		const char *y = b + i * s[1] * (int64_t)es;
		int r = c->op >= C_AND ? 0 : cmp3(x, y, c->dtype);
		bool v;

		switch (c->op) {
		case C_EQ: v = r == 0; break;
		case C_LT: v = r == -1; break;
		case C_LE: v = r == -1 || r == 0; break;
		case C_GT: v = r == 1; break;
		case C_GE: v = r == 1 || r == 0; break;
		case C_AND: v = *x && *y; break;
		case C_OR: v = *x || *y; break;
		default: v = !*x != !*y; break;
		}
		o[i] = v;
	}
}

static int cmp_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int op = cmp_of(n), ret, t;

	if ((ret = cpu_check_io(n, n_in, 2, 2, n_out, 1, 1, e)) ||
	    (ret = check_operand(n, in, 0, "A", e)) ||
	    (ret = check_operand(n, in, 1, "B", e)))
		return ret;
	if (op < 0)
		return CPU_ERR(n, e, -EOPNOTSUPP, "unknown comparison");
	t = in[0].dtype;
	if (in[1].dtype != t)
		return CPU_ERR(n, e, -EINVAL, "A has type %s, B %s",
			       cpu_dtype_name(t), cpu_dtype_name(in[1].dtype));
	if (op >= C_AND ? t != IR_BOOL :
	    !(cpu_is_float(t) || cpu_is_int(t) ||
	      (op == C_EQ && t == IR_BOOL)))
		return CPU_ERR(n, e, -EINVAL, "type %s not allowed",
			       cpu_dtype_name(t));
	return bcast_out(n, in, 2, out, IR_BOOL, e);
}

static int cmp_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	const struct ir_value *vs[2] = { &in[0], &in[1] };
	struct cmp_ctx c = { .dtype = in[0].dtype };
	int op = cmp_of(n);

	(void)n_in;
	(void)n_out;
	if (op < 0)
		return CPU_ERR(n, e, -EOPNOTSUPP, "unknown comparison");
	c.op = (enum cmp_op)op;
	cpu_bcast_map(vs, 2, &out[0], cmp_kernel, &c);
	return 0;
}

#define CMP_OP(name, op)						\
const struct cpu_op cpu_op_##name = { "", op, cmp_infer, cmp_run };
CMP_OP(equal, "Equal")
CMP_OP(less, "Less")
CMP_OP(less_or_equal, "LessOrEqual")
CMP_OP(greater, "Greater")
CMP_OP(greater_or_equal, "GreaterOrEqual")
CMP_OP(and, "And")
CMP_OP(or, "Or")
CMP_OP(xor, "Xor")

/* ---- Where ---- */

static void where_kernel(const void *const *p, const int64_t *s, void *vo,
			 int64_t cnt, const void *vctx)
{
	size_t es = *(const size_t *)vctx;
	const uint8_t *c = p[0];
	const char *x = p[1], *y = p[2];
	char *o = vo;

	for (int64_t i = 0; i < cnt; i++)
		memcpy(o + i * (int64_t)es,
		       c[i * s[0]] ? x + i * s[1] * (int64_t)es
				   : y + i * s[2] * (int64_t)es, es);
}

static int where_infer(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct ir_value *out, int n_out,
		       struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_io(n, n_in, 3, 3, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "condition", IR_BOOL, 0,
				IR_MAX_RANK, e)) ||
	    (ret = cpu_check_in(n, in, 1, "X", IR_UNDEFINED, 0, IR_MAX_RANK,
				e)) ||
	    (ret = cpu_check_in(n, in, 2, "Y", in[1].dtype, 0, IR_MAX_RANK,
				e)))
		return ret;
	return bcast_out(n, in, 3, out, in[1].dtype, e);
}

static int where_run(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	const struct ir_value *vs[3] = { &in[0], &in[1], &in[2] };
	size_t es = cpu_dtype_size(in[1].dtype);

	(void)n;
	(void)n_in;
	(void)n_out;
	(void)e;
	cpu_bcast_map(vs, 3, &out[0], where_kernel, &es);
	return 0;
}

const struct cpu_op cpu_op_where = { "", "Where", where_infer, where_run };

/* ---- Pow: base type T, exponent any numeric type ---- */

struct pow_ctx {
	int bt, et;
};

/* Integer power by squaring, wrapping; negative exponents truncate. */
static int64_t ipow(int64_t b, int64_t x)
{
	uint64_t r = 1, base = (uint64_t)b;

	if (x < 0)
		return b == 1 ? 1 : (b == -1 ? ((x & 1) ? -1 : 1) : 0);
	while (x) {
		if (x & 1)
			r *= base;
		base *= base;
		x >>= 1;
	}
	return (int64_t)r;
}

static void pow_kernel(const void *const *p, const int64_t *s, void *vo,
		       int64_t cnt, const void *vctx)
{
	const struct pow_ctx *c = vctx;

	for (int64_t i = 0; i < cnt; i++) {
		int64_t ia = i * s[0], ib = i * s[1];

		if (c->bt == IR_F32 && c->et == IR_F32)
			((float *)vo)[i] = powf(((const float *)p[0])[ia],
						((const float *)p[1])[ib]);
		else if (cpu_is_int(c->bt) && cpu_is_int(c->et))
			cpu_store_i64(vo, c->bt, i,
				      ipow(cpu_load_i64(p[0], c->bt, ia),
					   cpu_load_i64(p[1], c->et, ib)));
		else
			cpu_store_f64(vo, c->bt, i,
				      pow(cpu_load_f64(p[0], c->bt, ia),
					  cpu_load_f64(p[1], c->et, ib)));
	}
}

static int pow_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_io(n, n_in, 2, 2, n_out, 1, 1, e)) ||
	    (ret = check_operand(n, in, 0, "X", e)) ||
	    (ret = check_operand(n, in, 1, "Y", e)))
		return ret;
	if (!cpu_is_float(in[0].dtype) && in[0].dtype != IR_I32 &&
	    in[0].dtype != IR_I64)
		return CPU_ERR(n, e, -EINVAL, "base type %s not allowed",
			       cpu_dtype_name(in[0].dtype));
	if (!cpu_is_float(in[1].dtype) && !cpu_is_int(in[1].dtype))
		return CPU_ERR(n, e, -EINVAL, "exponent type %s not allowed",
			       cpu_dtype_name(in[1].dtype));
	return bcast_out(n, in, 2, out, in[0].dtype, e);
}

static int pow_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	const struct ir_value *vs[2] = { &in[0], &in[1] };
	struct pow_ctx c = { in[0].dtype, in[1].dtype };

	(void)n;
	(void)n_in;
	(void)n_out;
	(void)e;
	cpu_bcast_map(vs, 2, &out[0], pow_kernel, &c);
	return 0;
}

const struct cpu_op cpu_op_pow = { "", "Pow", pow_infer, pow_run };

/* ---- Mod ---- */

struct mod_ctx {
	int dtype;
	bool fmod;
};

static void mod_kernel(const void *const *p, const int64_t *s, void *vo,
		       int64_t cnt, const void *vctx)
{
	const struct mod_ctx *c = vctx;
	int t = c->dtype;

	for (int64_t i = 0; i < cnt; i++) {
		int64_t ia = i * s[0], ib = i * s[1];

		if (cpu_is_float(t)) {
			cpu_store_f64(vo, t, i,
				      fmod(cpu_load_f64(p[0], t, ia),
					   cpu_load_f64(p[1], t, ib)));
		} else if (is_unsigned(t)) {
			uint64_t a = (uint64_t)cpu_load_i64(p[0], t, ia);
			uint64_t b = (uint64_t)cpu_load_i64(p[1], t, ib);

			cpu_store_i64(vo, t, i, b ? (int64_t)(a % b) : 0);
		} else {
			int64_t a = cpu_load_i64(p[0], t, ia);
			int64_t b = cpu_load_i64(p[1], t, ib);
			int64_t r = (b == 0 || b == -1) ? 0 : a % b;

			/* Python semantics: the result takes b's sign */
			if (!c->fmod && r != 0 && ((r < 0) != (b < 0)))
				r += b;
			cpu_store_i64(vo, t, i, r);
		}
	}
}

static int mod_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int64_t fm;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 2, 2, n_out, 1, 1, e)) ||
	    (ret = check_operand(n, in, 0, "A", e)) ||
	    (ret = check_operand(n, in, 1, "B", e)) ||
	    (ret = cpu_get_int(n, "fmod", 0, &fm, e)))
		return ret;
	if (fm != 0 && fm != 1)
		return CPU_ERR(n, e, -EINVAL, "fmod must be 0 or 1");
	if (in[1].dtype != in[0].dtype)
		return CPU_ERR(n, e, -EINVAL, "A has type %s, B %s",
			       cpu_dtype_name(in[0].dtype),
			       cpu_dtype_name(in[1].dtype));
	if (!cpu_is_float(in[0].dtype) && !cpu_is_int(in[0].dtype))
		return CPU_ERR(n, e, -EINVAL, "type %s not allowed",
			       cpu_dtype_name(in[0].dtype));
	if (cpu_is_float(in[0].dtype) && !fm)
		return CPU_ERR(n, e, -EINVAL,
			       "floating-point Mod requires fmod=1");
	return bcast_out(n, in, 2, out, in[0].dtype, e);
}

static int mod_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	const struct ir_value *vs[2] = { &in[0], &in[1] };
	struct mod_ctx c = { .dtype = in[0].dtype };
	int64_t fm;
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = cpu_get_int(n, "fmod", 0, &fm, e)))
		return ret;
	c.fmod = fm != 0;
	cpu_bcast_map(vs, 2, &out[0], mod_kernel, &c);
	return 0;
}

const struct cpu_op cpu_op_mod = { "", "Mod", mod_infer, mod_run };

/* ---- BitShift (unsigned types; a shift by the width or more gives 0) ---- */

struct shift_ctx {
	int dtype;
	bool left;
};

static void shift_kernel(const void *const *p, const int64_t *s, void *vo,
			 int64_t cnt, const void *vctx)
{
	const struct shift_ctx *c = vctx;
	int t = c->dtype;
	uint64_t bits = 8 * cpu_dtype_size(t);

	for (int64_t i = 0; i < cnt; i++) {
		uint64_t a = (uint64_t)cpu_load_i64(p[0], t, i * s[0]);
		uint64_t b = (uint64_t)cpu_load_i64(p[1], t, i * s[1]);
		uint64_t r = b >= bits ? 0 : c->left ? a << b : a >> b;

		cpu_store_i64(vo, t, i, (int64_t)r);
	}
}

static int shift_dir(const struct ir_node *n, bool *left,
		     struct accel_err *e)
{
	const char *d;
	int ret;

	if ((ret = cpu_get_string(n, "direction", NULL, &d, e)))
		return ret;
	if (!d || (strcmp(d, "LEFT") && strcmp(d, "RIGHT")))
		return CPU_ERR(n, e, -EINVAL,
			       "direction must be LEFT or RIGHT");
	*left = !strcmp(d, "LEFT");
	return 0;
}

static int shift_infer(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct ir_value *out, int n_out,
		       struct accel_err *e)
{
	bool left;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 2, 2, n_out, 1, 1, e)) ||
	    (ret = check_operand(n, in, 0, "X", e)) ||
	    (ret = check_operand(n, in, 1, "Y", e)) ||
	    (ret = shift_dir(n, &left, e)))
		return ret;
	if (in[1].dtype != in[0].dtype)
		return CPU_ERR(n, e, -EINVAL, "X has type %s, Y %s",
			       cpu_dtype_name(in[0].dtype),
			       cpu_dtype_name(in[1].dtype));
	if (!is_unsigned(in[0].dtype) || in[0].dtype == IR_BOOL)
		return CPU_ERR(n, e, -EINVAL, "type %s not allowed (unsigned only)",
			       cpu_dtype_name(in[0].dtype));
	return bcast_out(n, in, 2, out, in[0].dtype, e);
}

static int shift_run(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	const struct ir_value *vs[2] = { &in[0], &in[1] };
	struct shift_ctx c = { .dtype = in[0].dtype };
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = shift_dir(n, &c.left, e)))
		return ret;
	cpu_bcast_map(vs, 2, &out[0], shift_kernel, &c);
	return 0;
}

const struct cpu_op cpu_op_bit_shift = { "", "BitShift", shift_infer,
					 shift_run };

/* ---- PRelu: slope broadcasts unidirectionally to X ---- */

static void prelu_kernel(const void *const *p, const int64_t *s, void *vo,
			 int64_t cnt, const void *vctx)
{
	int t = *(const int *)vctx;

	for (int64_t i = 0; i < cnt; i++) {
		if (t == IR_F32) {
			float x = ((const float *)p[0])[i * s[0]];
			float a = ((const float *)p[1])[i * s[1]];

			((float *)vo)[i] = x < 0 ? a * x : x;
		} else {
			double x = cpu_load_f64(p[0], t, i * s[0]);
			double a = cpu_load_f64(p[1], t, i * s[1]);

			cpu_store_f64(vo, t, i, x < 0 ? a * x : x);
		}
	}
}

static int prelu_infer(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct ir_value *out, int n_out,
		       struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_io(n, n_in, 2, 2, n_out, 1, 1, e)) ||
	    (ret = check_operand(n, in, 0, "X", e)) ||
	    (ret = check_operand(n, in, 1, "slope", e)))
		return ret;
	if (!cpu_is_float(in[0].dtype))
		return CPU_ERR(n, e, -EOPNOTSUPP, "type %s not supported",
			       cpu_dtype_name(in[0].dtype));
	if (in[1].dtype != in[0].dtype)
		return CPU_ERR(n, e, -EINVAL, "slope has type %s, X %s",
			       cpu_dtype_name(in[1].dtype),
			       cpu_dtype_name(in[0].dtype));
	if ((ret = bcast_out(n, in, 2, out, in[0].dtype, e)))
		return ret;
	if (out[0].rank != in[0].rank ||
	    memcmp(out[0].dims, in[0].dims,
		   sizeof(int64_t) * (size_t)in[0].rank))
		return CPU_ERR(n, e, -EINVAL,
			       "slope does not broadcast to the shape of X");
	return 0;
}

static int prelu_run(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	const struct ir_value *vs[2] = { &in[0], &in[1] };
	int t = in[0].dtype;

	(void)n;
	(void)n_in;
	(void)n_out;
	(void)e;
	cpu_bcast_map(vs, 2, &out[0], prelu_kernel, &t);
	return 0;
}

const struct cpu_op cpu_op_prelu = { "", "PRelu", prelu_infer, prelu_run };

/* ---- Sum / Mean (variadic, float) ---- */

static void acc_kernel(const void *const *p, const int64_t *s, void *vo,
		       int64_t cnt, const void *vctx)
{
	int t = *(const int *)vctx;

	for (int64_t i = 0; i < cnt; i++) {
		if (t == IR_F32)
			((float *)vo)[i] = ((const float *)p[0])[i * s[0]] +
					   ((const float *)p[1])[i * s[1]];
		else
			((double *)vo)[i] = ((const double *)p[0])[i * s[0]] +
					    ((const double *)p[1])[i * s[1]];
	}
}

static int sum_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 64, n_out, 1, 1, e)))
		return ret;
	for (int i = 0; i < n_in; i++) {
		if ((ret = check_operand(n, in, i, "data", e)))
			return ret;
		if (in[i].dtype != in[0].dtype)
			return CPU_ERR(n, e, -EINVAL,
				       "input %d has type %s, input 0 %s", i,
				       cpu_dtype_name(in[i].dtype),
				       cpu_dtype_name(in[0].dtype));
	}
	if (!cpu_is_float(in[0].dtype))
		return CPU_ERR(n, e, -EOPNOTSUPP, "type %s not supported",
			       cpu_dtype_name(in[0].dtype));
	return bcast_out(n, in, n_in, out, in[0].dtype, e);
}

static int sum_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	const struct ir_value *vs[2] = { &out[0], NULL };
	int64_t cnt = cpu_numel(&out[0]);
	int t = out[0].dtype;

	(void)n_out;
	(void)e;
	cpu_bcast_copy(&in[0], &out[0]);
	for (int i = 1; i < n_in; i++) {
		vs[1] = &in[i];
		cpu_bcast_map(vs, 2, &out[0], acc_kernel, &t);
	}
	if (!strcmp(n->op_type, "Mean") && n_in > 1)
		for (int64_t i = 0; i < cnt; i++)
			cpu_store_f64(out[0].data, t, i,
				      cpu_load_f64(out[0].data, t, i) / n_in);
	return 0;
}

const struct cpu_op cpu_op_sum = { "", "Sum", sum_infer, sum_run };
const struct cpu_op cpu_op_mean = { "", "Mean", sum_infer, sum_run };
