// SPDX-License-Identifier: MIT
/*
 * Unary elementwise operators, table driven: the float math functions
 * (Exp, Log, Sqrt, trigonometric and hyperbolic, Erf, rounding), the
 * parametrised activations (Elu, Selu, Celu, Softplus, Softsign,
 * HardSigmoid, HardSwish, ThresholdedRelu, Shrink, Mish), Abs/Neg/Sign
 * (float and integer), IsNaN, IsInf and Not.
 *
 * Float kernels compute in double and round once to the output type.
 */
#include <math.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

/* Attribute values of one node (defaults per op). */
struct uparm {
	double alpha, beta, gamma, lambd, bias;
};

/* Which element types an op accepts, and what it produces. */
enum ukind {
	U_FLOAT,	/* float32/float64 -> same */
	U_SIGNED,	/* floats and integers -> same */
	U_PRED,		/* float32/float64 -> bool (IsNaN, IsInf) */
	U_BOOL,		/* bool -> bool (Not) */
};

/* Names of the float attributes an op reads, with their defaults. */
struct uattr {
	const char *name;
	float def;
	size_t off;	/* offset in struct uparm */
};

struct udef {
	const char *op;
	enum ukind kind;
	double (*f)(double x, const struct uparm *p);
	int64_t (*fi)(int64_t x, bool is_unsigned);	/* U_SIGNED ints */
	struct uattr attr[2];
};

#define UP(field) offsetof(struct uparm, field)

static double f_abs(double x, const struct uparm *p) { (void)p; return fabs(x); }
static double f_neg(double x, const struct uparm *p) { (void)p; return -x; }
static double f_exp(double x, const struct uparm *p) { (void)p; return exp(x); }
static double f_log(double x, const struct uparm *p) { (void)p; return log(x); }
static double f_sqrt(double x, const struct uparm *p) { (void)p; return sqrt(x); }
static double f_recip(double x, const struct uparm *p) { (void)p; return 1.0 / x; }
static double f_ceil(double x, const struct uparm *p) { (void)p; return ceil(x); }
static double f_floor(double x, const struct uparm *p) { (void)p; return floor(x); }
/* nearbyint() in the default rounding mode: half to even */
static double f_round(double x, const struct uparm *p) { (void)p; return nearbyint(x); }
static double f_sin(double x, const struct uparm *p) { (void)p; return sin(x); }
static double f_cos(double x, const struct uparm *p) { (void)p; return cos(x); }
static double f_tan(double x, const struct uparm *p) { (void)p; return tan(x); }
static double f_asin(double x, const struct uparm *p) { (void)p; return asin(x); }
static double f_acos(double x, const struct uparm *p) { (void)p; return acos(x); }
static double f_atan(double x, const struct uparm *p) { (void)p; return atan(x); }
static double f_sinh(double x, const struct uparm *p) { (void)p; return sinh(x); }
static double f_cosh(double x, const struct uparm *p) { (void)p; return cosh(x); }
static double f_asinh(double x, const struct uparm *p) { (void)p; return asinh(x); }
static double f_acosh(double x, const struct uparm *p) { (void)p; return acosh(x); }
static double f_atanh(double x, const struct uparm *p) { (void)p; return atanh(x); }
static double f_erf(double x, const struct uparm *p) { (void)p; return erf(x); }

static double f_sign(double x, const struct uparm *p)
{
	(void)p;
	return x > 0 ? 1.0 : (x < 0 ? -1.0 : x);	/* keeps 0 and NaN */
}

static double f_elu(double x, const struct uparm *p)
{
	return x < 0 ? p->alpha * expm1(x) : x;
}

static double f_selu(double x, const struct uparm *p)
{
	return p->gamma * (x <= 0 ? p->alpha * expm1(x) : x);
}

static double f_celu(double x, const struct uparm *p)
{
	return x > 0 ? x : p->alpha * expm1(x / p->alpha);
}

static double softplus(double x)
{
	return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double f_softplus(double x, const struct uparm *p)
{
	(void)p;
	return softplus(x);
}

static double f_softsign(double x, const struct uparm *p)
{
	(void)p;
	return x / (1.0 + fabs(x));
}

static double hard_sigmoid(double x, double alpha, double beta)
{
	double y = alpha * x + beta;

	return y < 0 ? 0 : (y > 1 ? 1 : y);
}

static double f_hard_sigmoid(double x, const struct uparm *p)
{
	return isnan(x) ? x : hard_sigmoid(x, p->alpha, p->beta);
}

static double f_hard_swish(double x, const struct uparm *p)
{
	(void)p;
	return isnan(x) ? x : x * hard_sigmoid(x, 1.0 / 6.0, 0.5);
}

static double f_thresholded_relu(double x, const struct uparm *p)
{
	return x > p->alpha ? x : 0.0;
}

static double f_shrink(double x, const struct uparm *p)
{
	if (x < -p->lambd)
		return x + p->bias;
	if (x > p->lambd)
		return x - p->bias;
	return isnan(x) ? x : 0.0;
}

static double f_mish(double x, const struct uparm *p)
{
	(void)p;
	return x * tanh(softplus(x));
}

static double f_isnan(double x, const struct uparm *p)
{
	(void)p;
	return isnan(x);
}

static double f_isinf(double x, const struct uparm *p)
{
	/* alpha: detect_negative, beta: detect_positive */
	return isinf(x) && (x < 0 ? p->alpha != 0 : p->beta != 0);
}

/* Integer forms wrap through uint64_t (Neg/Abs of the minimum). */
static int64_t i_abs(int64_t x, bool u)
{
	return u || x >= 0 ? x : (int64_t)(0 - (uint64_t)x);
}

static int64_t i_neg(int64_t x, bool u)
{
	(void)u;
	return (int64_t)(0 - (uint64_t)x);
}

static int64_t i_sign(int64_t x, bool u)
{
	(void)u;
	return x > 0 ? 1 : (x < 0 ? -1 : 0);
}

static const struct udef udefs[] = {
	{ "Abs", U_SIGNED, f_abs, i_abs, { { 0 } } },
	{ "Neg", U_SIGNED, f_neg, i_neg, { { 0 } } },
	{ "Sign", U_SIGNED, f_sign, i_sign, { { 0 } } },
	{ "Exp", U_FLOAT, f_exp, NULL, { { 0 } } },
	{ "Log", U_FLOAT, f_log, NULL, { { 0 } } },
	{ "Sqrt", U_FLOAT, f_sqrt, NULL, { { 0 } } },
	{ "Reciprocal", U_FLOAT, f_recip, NULL, { { 0 } } },
	{ "Ceil", U_FLOAT, f_ceil, NULL, { { 0 } } },
	{ "Floor", U_FLOAT, f_floor, NULL, { { 0 } } },
	{ "Round", U_FLOAT, f_round, NULL, { { 0 } } },
	{ "Sin", U_FLOAT, f_sin, NULL, { { 0 } } },
	{ "Cos", U_FLOAT, f_cos, NULL, { { 0 } } },
	{ "Tan", U_FLOAT, f_tan, NULL, { { 0 } } },
	{ "Asin", U_FLOAT, f_asin, NULL, { { 0 } } },
	{ "Acos", U_FLOAT, f_acos, NULL, { { 0 } } },
	{ "Atan", U_FLOAT, f_atan, NULL, { { 0 } } },
	{ "Sinh", U_FLOAT, f_sinh, NULL, { { 0 } } },
	{ "Cosh", U_FLOAT, f_cosh, NULL, { { 0 } } },
	{ "Asinh", U_FLOAT, f_asinh, NULL, { { 0 } } },
	{ "Acosh", U_FLOAT, f_acosh, NULL, { { 0 } } },
	{ "Atanh", U_FLOAT, f_atanh, NULL, { { 0 } } },
	{ "Erf", U_FLOAT, f_erf, NULL, { { 0 } } },
	{ "Elu", U_FLOAT, f_elu, NULL, { { "alpha", 1.0f, UP(alpha) } } },
	{ "Selu", U_FLOAT, f_selu, NULL,
	  { { "alpha", 1.67326319217681884765625f, UP(alpha) },
	    { "gamma", 1.05070102214813232421875f, UP(gamma) } } },
	{ "Celu", U_FLOAT, f_celu, NULL, { { "alpha", 1.0f, UP(alpha) } } },
	{ "Softplus", U_FLOAT, f_softplus, NULL, { { 0 } } },
	{ "Softsign", U_FLOAT, f_softsign, NULL, { { 0 } } },
	{ "HardSigmoid", U_FLOAT, f_hard_sigmoid, NULL,
	  { { "alpha", 0.2f, UP(alpha) }, { "beta", 0.5f, UP(beta) } } },
	{ "HardSwish", U_FLOAT, f_hard_swish, NULL, { { 0 } } },
	{ "ThresholdedRelu", U_FLOAT, f_thresholded_relu, NULL,
	  { { "alpha", 1.0f, UP(alpha) } } },
	{ "Shrink", U_FLOAT, f_shrink, NULL,
	  { { "lambd", 0.5f, UP(lambd) }, { "bias", 0.0f, UP(bias) } } },
	{ "Mish", U_FLOAT, f_mish, NULL, { { 0 } } },
	{ "IsNaN", U_PRED, f_isnan, NULL, { { 0 } } },
	{ "Not", U_BOOL, NULL, NULL, { { 0 } } },
};

static const struct udef *udef_of(const struct ir_node *n)
{
	for (size_t i = 0; i < sizeof(udefs) / sizeof(udefs[0]); i++)
		if (!strcmp(udefs[i].op, n->op_type))
			return &udefs[i];
	return NULL;
}

static const struct udef isinf_def = { "IsInf", U_PRED, f_isinf, NULL,
				       { { 0 } } };

/* Parse the node's attributes into @p (defaults when absent). */
static int uparams(const struct ir_node *n, const struct udef *d,
		   struct uparm *p, struct accel_err *e)
{
	int ret;

	memset(p, 0, sizeof(*p));
	if (d == &isinf_def) {
		int64_t neg, pos;

		if ((ret = cpu_get_int(n, "detect_negative", 1, &neg, e)) ||
		    (ret = cpu_get_int(n, "detect_positive", 1, &pos, e)))
			return ret;
		if ((neg != 0 && neg != 1) || (pos != 0 && pos != 1))
			return CPU_ERR(n, e, -EINVAL,
				       "detect_negative/detect_positive must be 0 or 1");
		p->alpha = (double)neg;
		p->beta = (double)pos;
		return 0;
	}
	for (int i = 0; i < 2 && d->attr[i].name; i++) {
		float f;

		if ((ret = cpu_get_float(n, d->attr[i].name, d->attr[i].def,
					 &f, e)))
			return ret;
		if (!isfinite(f))
			return CPU_ERR(n, e, -EINVAL,
				       "attribute '%s' must be finite",
				       d->attr[i].name);
		*(double *)((char *)p + d->attr[i].off) = f;
	}
	if (!strcmp(d->op, "Celu") && p->alpha == 0)
		return CPU_ERR(n, e, -EINVAL, "alpha must not be 0");
	return 0;
}

static const struct udef *udef_find(const struct ir_node *n)
{
	return !strcmp(n->op_type, "IsInf") ? &isinf_def : udef_of(n);
}

static int unary_infer(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct ir_value *out, int n_out,
		       struct accel_err *e)
{
	const struct udef *d = udef_find(n);
	struct uparm p;
	int t, ret, ot;
	bool ok;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e)))
		return ret;
	if (!d)
		return CPU_ERR(n, e, -EOPNOTSUPP, "unknown unary op");
	if (in[0].dtype == IR_F16)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "input 0 (X) has unsupported type float16");
	if ((ret = cpu_check_in(n, in, 0, "X", IR_UNDEFINED, 0, IR_MAX_RANK,
				e)) ||
	    (ret = uparams(n, d, &p, e)))
		return ret;
	t = in[0].dtype;
	ot = t;
	switch (d->kind) {
	case U_SIGNED:
		ok = cpu_is_float(t) || cpu_is_int(t);
		break;
	case U_BOOL:
		ok = t == IR_BOOL;
		break;
	case U_PRED:
		ot = IR_BOOL;
		ok = cpu_is_float(t);
		break;
	default:
		ok = cpu_is_float(t);
		break;
	}
	if (!ok)
		return CPU_ERR(n, e, -EINVAL,
			       "input 0 (X) has type %s, not allowed for %s",
			       cpu_dtype_name(t), d->op);
	return cpu_set_out(n, &out[0], ot, in[0].rank, in[0].dims, e);
}

static int unary_run(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	const struct udef *d = udef_find(n);
	int64_t cnt = cpu_numel(&out[0]);
	int t = in[0].dtype, ot = out[0].dtype;
	const void *x = in[0].data;
	void *y = out[0].data;
	struct uparm p;
	int ret;

	(void)n_in;
	(void)n_out;
	if (!d)
		return CPU_ERR(n, e, -EOPNOTSUPP, "unknown unary op");
	if ((ret = uparams(n, d, &p, e)))
		return ret;
	if (d->kind == U_BOOL) {
		for (int64_t i = 0; i < cnt; i++)
			((uint8_t *)y)[i] = !((const uint8_t *)x)[i];
	} else if (cpu_is_int(t)) {
		bool u = t == IR_U8 || t == IR_U16 || t == IR_U32 ||
			 t == IR_U64;

		for (int64_t i = 0; i < cnt; i++)
			cpu_store_i64(y, ot, i,
				      d->fi(cpu_load_i64(x, t, i), u));
	} else if (t == IR_F32 && ot == IR_F32) {
		const float *xf = x;
		float *yf = y;

		for (int64_t i = 0; i < cnt; i++)
			yf[i] = (float)d->f(xf[i], &p);
	} else {
		for (int64_t i = 0; i < cnt; i++)
			cpu_store_f64(y, ot, i, d->f(cpu_load_f64(x, t, i), &p));
	}
	return 0;
}

#define UNARY_OP(name, op)						\
const struct cpu_op cpu_op_##name = { "", op, unary_infer, unary_run };

UNARY_OP(abs, "Abs")
UNARY_OP(neg, "Neg")
UNARY_OP(sign, "Sign")
UNARY_OP(exp, "Exp")
UNARY_OP(log, "Log")
UNARY_OP(sqrt, "Sqrt")
UNARY_OP(reciprocal, "Reciprocal")
UNARY_OP(ceil, "Ceil")
UNARY_OP(floor, "Floor")
UNARY_OP(round, "Round")
UNARY_OP(sin, "Sin")
UNARY_OP(cos, "Cos")
UNARY_OP(tan, "Tan")
UNARY_OP(asin, "Asin")
UNARY_OP(acos, "Acos")
UNARY_OP(atan, "Atan")
UNARY_OP(sinh, "Sinh")
UNARY_OP(cosh, "Cosh")
UNARY_OP(asinh, "Asinh")
UNARY_OP(acosh, "Acosh")
UNARY_OP(atanh, "Atanh")
UNARY_OP(erf, "Erf")
UNARY_OP(elu, "Elu")
UNARY_OP(selu, "Selu")
UNARY_OP(celu, "Celu")
UNARY_OP(softplus, "Softplus")
UNARY_OP(softsign, "Softsign")
UNARY_OP(hard_sigmoid, "HardSigmoid")
UNARY_OP(hard_swish, "HardSwish")
UNARY_OP(thresholded_relu, "ThresholdedRelu")
UNARY_OP(shrink, "Shrink")
UNARY_OP(mish, "Mish")
UNARY_OP(is_nan, "IsNaN")
UNARY_OP(is_inf, "IsInf")
UNARY_OP(not, "Not")
