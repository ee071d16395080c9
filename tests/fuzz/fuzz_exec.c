// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the CPU executor's run path on hostile but loadable
 * models.  The input is a choice stream from which a small ONNX model is
 * built and serialized: one to three graph inputs of small shapes (some
 * symbolic), initializers, and up to six nodes, each a registered operator
 * whose inputs are earlier values or fresh constants, with random attributes
 * (small values, boundary and absurd ones).  In QDQ mode every node is one
 * the int8 compiler lowers, wrapped in QuantizeLinear/DequantizeLinear with
 * quantized weights, so that the int8 program path compiles.
 *
 * A model that loads and plans runs on the float executor with inputs of
 * the planned shapes filled from the rest of the stream (NaN, infinities,
 * out-of-range indices included), every buffer exactly sized.  When the int8
 * compiler takes it, its command buffer must pass the validator and the
 * model also runs through accel_run() on a CPU context, which executes the
 * program on the firmware core.  Must never crash, hang, leak or trip a
 * sanitizer.  Fuzzing builds (ENPU_FUZZING) cap planned values at 256 KiB
 * (ops/shape_pass.h), so every run is quick.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel.h>
#include <drm/enpu_isa.h>

#include "../onnx/pbw.h"
#include "exec/plan.h"
#include "ops/shape_pass.h"
#include "enpu_fw.h"
#include "ir/ir.h"
#include "compile/qcompile.h"
#include "fuzz_qprog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the choice stream: zeros once exhausted -------------------------- */

struct rd {
	const uint8_t *p;
	size_t n;
};

static unsigned u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static unsigned pick(struct rd *r, unsigned n)
{
	return n ? u8(r) % n : 0;
}

static int64_t pick_int(struct rd *r)
{
	static const int64_t odd[] = {
		0, -1, INT64_MAX, INT64_MIN, INT32_MAX, INT32_MIN,
		INT64_C(1) << 33, -(INT64_C(1) << 33),
	};
	unsigned c = u8(r);

	return c < 224 ? (int64_t)(c % 13) - 4 : odd[c % 8];
}

static float pick_float(struct rd *r)
{
	static const float odd[] = {
		0.f, -0.f, 1.f, -1.f, 0.5f, 2.f, 1e-30f, 1e30f, INFINITY,
		-INFINITY, NAN, 1e-45f, FLT_MAX, 3.f, 0.25f, 255.f,
	};
	unsigned c = u8(r);

	return c < 160 ? ((int)c - 80) / 16.0f : odd[c % 16];
}

/* Quantization scales: mostly sane, sometimes zero, negative or absurd. */
static float pick_scale(struct rd *r)
{
	static const float sane[] = {
		0.1f, 0.02f, 1.f, 0.5f, 1.f / 256, 0.0078125f, 2.f, 0.3f,
	};
	static const float odd[] = {
		0.f, -1.f, NAN, INFINITY, 1e-30f, 1e30f, 1e-45f, -0.f,
	};
	unsigned c = u8(r);

	return c < 224 ? sane[c % 8] : odd[c % 8];
}

/* ---- the model being built ------------------------------------------- */

#define MAX_VALS 64

enum kind { K_F32, K_INT, K_BOOL, K_Q8, K_ANY };

struct val {
	char name[16];
	enum kind kind;
	bool hidden;		/* not an operand (QDQ mode's raw inputs) */
	int rank;		/* -1 unknown */
	int64_t dims[4];
};

struct builder {
	struct rd *r;
	struct pbw graph;	/* GraphProto being written */
	struct val vals[MAX_VALS];
	int n_vals, n_names, n_nodes;
	bool qdq;
};

static struct val *new_val(struct builder *b, enum kind k)
{
	struct val *v;

	if (b->n_vals == MAX_VALS)
		return NULL;
	v = &b->vals[b->n_vals++];
	snprintf(v->name, sizeof(v->name), "v%d", b->n_names++);
	v->kind = k;
	v->hidden = false;
	v->rank = -1;
	return v;
}

static size_t dtype_size(int dt)
{
	switch (dt) {
	case IR_I64: case IR_F64: return 8;
	case IR_F32: case IR_I32: return 4;
	case IR_F16: return 2;
	default: return 1;
	}
}

/* A TensorProto of @dt and @rank/@dims, elements from the stream. */
static void tensor_proto(struct builder *b, struct pbw *t, const char *name,
			 int dt, int rank, const int64_t *dims, bool scale)
{
	struct rd *r = b->r;
	int64_t n = 1;
	uint8_t *raw;
	size_t es = dtype_size(dt);
	int i;

	for (i = 0; i < rank; i++) {
		pbw_int(t, 1, dims[i]);
		n *= dims[i];
	}
	pbw_int(t, 2, dt);
	if (name)
		pbw_str(t, 8, name);
	raw = calloc((size_t)n + 1, es);
	if (!raw)
		abort();
	for (i = 0; i < n; i++) {
		uint8_t *p = raw + (size_t)i * es;

		if (dt == IR_F32) {
			float f = scale ? pick_scale(r) : pick_float(r);

			memcpy(p, &f, 4);
		} else if (dt == IR_I64) {
			int64_t v = pick_int(r);

			memcpy(p, &v, 8);
		} else if (dt == IR_I32) {
			int32_t v = (int32_t)pick_int(r);

			memcpy(p, &v, 4);
		} else if (dt == IR_BOOL) {
			/* mostly 0/1; a hostile model may store any byte */
			*p = pick(r, 8) ? (uint8_t)pick(r, 2) : (uint8_t)u8(r);
		} else {
			int k;

			for (k = 0; k < (int)es; k++)
				p[k] = (uint8_t)u8(r);
		}
	}
	pbw_bytes(t, 9, raw, (size_t)n * es);
	free(raw);
}

/* A fresh initializer of @dt and the given shape; returns its value. */
static struct val *add_const(struct builder *b, enum kind k, int dt, int rank,
			     const int64_t *dims, bool scale)
{
	struct val *v = new_val(b, k);
	struct pbw t = { 0 };
	int i;

	if (!v)
		return NULL;
	v->hidden = b->qdq;
	v->rank = rank;
	for (i = 0; i < rank && i < 4; i++)
		v->dims[i] = dims[i];
	tensor_proto(b, &t, v->name, dt, rank, dims, scale);
	pbw_msg(&b->graph, 5, &t);
	return v;
}

/* A small random shape: rank 0..@maxrank, extents 1..3 (rarely 0). */
static int rand_shape(struct rd *r, int maxrank, int64_t *dims)
{
	int rank = (int)pick(r, (unsigned)maxrank + 1), i;

	for (i = 0; i < rank; i++)
		dims[i] = pick(r, 16) ? 1 + pick(r, 3) : 0;
	return rank;
}

static struct val *rand_const(struct builder *b, char spec)
{
	struct rd *r = b->r;
	int64_t dims[4] = { 1, 1, 1, 1 };
	int rank, dt;

	switch (spec) {
	case 'i':	/* int64 operand: a short vector, sometimes a scalar */
		rank = pick(r, 5) ? 1 : 0;
		dims[0] = pick(r, 5);
		return add_const(b, K_INT, IR_I64, rank, dims, false);
	case 'k':	/* scalar, mostly int64 */
		return add_const(b, K_INT, pick(r, 4) ? IR_I64 : IR_F32, 0,
				 dims, false);
	case 's':	/* scale: scalar or per channel */
		rank = pick(r, 3) ? 0 : 1;
		dims[0] = 1 + pick(r, 3);
		return add_const(b, K_F32, IR_F32, rank, dims, true);
	case 'q':	/* zero point */
		rank = pick(r, 3) ? 0 : 1;
		dims[0] = 1 + pick(r, 3);
		return add_const(b, K_Q8, pick(r, 2) ? IR_U8 : IR_I8, rank,
				 dims, false);
	case 'u':	/* 8-bit data */
		rank = rand_shape(r, 4, dims);
		return add_const(b, K_Q8, pick(r, 2) ? IR_U8 : IR_I8, rank,
				 dims, false);
	case 'B':	/* int32 bias */
		dims[0] = 1 + pick(r, 3);
		return add_const(b, K_INT, IR_I32, 1, dims, false);
	case 'b':
		rank = rand_shape(r, 4, dims);
		return add_const(b, K_BOOL, IR_BOOL, rank, dims, false);
	case 'f':	/* small float operand */
		rank = pick(r, 2);
		dims[0] = 1 + pick(r, 4);
		return add_const(b, K_F32, IR_F32, rank, dims, false);
	default:	/* 'w', 'x': a float tensor */
		dt = pick(r, 8) ? IR_F32 : IR_I64;
		rank = rand_shape(r, 4, dims);
		return add_const(b, dt == IR_F32 ? K_F32 : K_INT, dt, rank,
				 dims, false);
	}
}

static bool pool_ok(const struct val *v, enum kind want)
{
	return !v->hidden && (want == K_ANY || v->kind == want ||
			      v->kind == K_ANY);
}

static struct val *pool_pick(struct builder *b, enum kind want)
{
	int n = 0, i, k;

	for (i = 0; i < b->n_vals; i++)
		n += pool_ok(&b->vals[i], want);
	if (!n)
		return NULL;
	k = (int)pick(b->r, (unsigned)n);
	for (i = 0; i < b->n_vals; i++)
		if (pool_ok(&b->vals[i], want) && !k--)
			return &b->vals[i];
	return NULL;
}

/* The value for input @spec of a node: an earlier value or a constant. */
static struct val *operand(struct builder *b, char spec)
{
	struct rd *r = b->r;
	struct val *v = NULL;

	switch (spec) {
	case 'x':
		v = pick(r, 8) ? pool_pick(b, K_F32) : pool_pick(b, K_ANY);
		break;
	case 'w':
		if (!pick(r, 3))
			v = pool_pick(b, K_F32);
		break;
	case 'i':
		if (!pick(r, 4))
			v = pool_pick(b, K_INT);
		break;
	case 'b':
		if (pick(r, 2))
			v = pool_pick(b, K_BOOL);
		break;
	case 'u':
		if (pick(r, 2))
			v = pool_pick(b, K_Q8);
		break;
	default:
		break;
	}
	return v ? v : rand_const(b, spec);
}

/* ---- operators -------------------------------------------------------- */

/*
 * Inputs: one letter each (see operand()); an upper-case letter is
 * optional (omitted or cut off at random); '*' is one to three 'x'.
 * Attributes: "name:T" with T i (int), I (ints), f, F (floats), t (a type),
 * T (a one-element tensor), or s=a|b (one of the strings).
 */
struct opdef {
	const char *op, *in, *attrs;
	int max_out;
	enum kind out;
	bool q8;		/* the int8 compiler lowers it */
};

#define UNARY(name) { name, "x", "", 1, K_F32, false }
#define BINARY(name) { name, "xx", "", 1, K_F32, false }
#define CMP(name) { name, "xx", "", 1, K_BOOL, false }
#define POOL "auto_pad:s=NOTSET|SAME_UPPER|SAME_LOWER|VALID|BAD,kernel_shape:I,pads:I,strides:I,dilations:I,ceil_mode:i"
#define RED "axes:I,keepdims:i,noop_with_empty_axes:i"

static const struct opdef ops[] = {
	{ "Add", "xx", "", 1, K_F32, true },
	{ "Mul", "xx", "", 1, K_F32, true },
	BINARY("Sub"), BINARY("Div"), BINARY("Pow"), BINARY("PRelu"),
	{ "Mod", "xx", "fmod:i", 1, K_F32, false },
	CMP("Equal"), CMP("Less"), CMP("LessOrEqual"), CMP("Greater"),
	CMP("GreaterOrEqual"),
	{ "And", "bb", "", 1, K_BOOL, false },
	{ "Or", "bb", "", 1, K_BOOL, false },
	{ "Xor", "bb", "", 1, K_BOOL, false },
	{ "Not", "b", "", 1, K_BOOL, false },
	{ "Where", "bxx", "", 1, K_F32, false },
	{ "Max", "*", "", 1, K_F32, false },
	{ "Min", "*", "", 1, K_F32, false },
	{ "Sum", "*", "", 1, K_F32, false },
	{ "Mean", "*", "", 1, K_F32, false },
	{ "Relu", "x", "", 1, K_F32, true },
	{ "Sigmoid", "x", "", 1, K_F32, true },
	{ "Tanh", "x", "", 1, K_F32, true },
	{ "Identity", "x", "", 1, K_ANY, true },
	UNARY("Abs"), UNARY("Neg"), UNARY("Sign"), UNARY("Exp"), UNARY("Log"),
	UNARY("Sqrt"), UNARY("Reciprocal"), UNARY("Ceil"), UNARY("Floor"),
	UNARY("Round"), UNARY("Sin"), UNARY("Cos"), UNARY("Tan"),
	UNARY("Asin"), UNARY("Acos"), UNARY("Atan"), UNARY("Sinh"),
	UNARY("Cosh"), UNARY("Asinh"), UNARY("Acosh"), UNARY("Atanh"),
	UNARY("Erf"), UNARY("Softsign"), UNARY("Softplus"), UNARY("Mish"),
	UNARY("HardSwish"),
	{ "IsNaN", "x", "", 1, K_BOOL, false },
	{ "IsInf", "x", "detect_negative:i,detect_positive:i", 1, K_BOOL, false },
	{ "LeakyRelu", "x", "alpha:f", 1, K_F32, true },
	{ "Elu", "x", "alpha:f", 1, K_F32, false },
	{ "Selu", "x", "alpha:f,gamma:f", 1, K_F32, false },
	{ "Celu", "x", "alpha:f", 1, K_F32, false },
	{ "HardSigmoid", "x", "alpha:f,beta:f", 1, K_F32, false },
	{ "ThresholdedRelu", "x", "alpha:f", 1, K_F32, false },
	{ "Shrink", "x", "bias:f,lambd:f", 1, K_F32, false },
	{ "Clip", "xFF", "min:f,max:f", 1, K_F32, true },
	{ "Conv", "xwW", "auto_pad:s=NOTSET|SAME_UPPER|SAME_LOWER|VALID,dilations:I,group:i,kernel_shape:I,pads:I,strides:I",
	  1, K_F32, true },
	{ "ConvInteger", "uuQQ", "auto_pad:s=NOTSET|VALID,dilations:I,group:i,pads:I,strides:I",
	  1, K_INT, false },
	{ "QLinearConv", "usqusqsqB", "auto_pad:s=NOTSET|SAME_UPPER,dilations:I,group:i,pads:I,strides:I",
	  1, K_Q8, false },
	{ "MatMul", "xw", "", 1, K_F32, true },
	{ "Gemm", "xwW", "alpha:f,beta:f,transA:i,transB:i", 1, K_F32, true },
	{ "MatMulInteger", "uuQQ", "", 1, K_INT, false },
	{ "QLinearMatMul", "usqusqsq", "", 1, K_Q8, false },
	{ "MaxPool", "x", POOL ",storage_order:i", 2, K_F32, true },
	{ "AveragePool", "x", POOL ",count_include_pad:i", 1, K_F32, true },
	{ "GlobalAveragePool", "x", "", 1, K_F32, true },
	{ "GlobalMaxPool", "x", "", 1, K_F32, false },
	{ "Softmax", "x", "axis:i", 1, K_F32, true },
	{ "LogSoftmax", "x", "axis:i", 1, K_F32, false },
	{ "Hardmax", "x", "axis:i", 1, K_F32, false },
	{ "BatchNormalization", "xwwww", "epsilon:f,momentum:f,training_mode:i",
	  1, K_F32, false },
	{ "ReduceMean", "xI", RED, 1, K_F32, false },
	{ "ReduceMax", "xI", RED, 1, K_F32, false },
	{ "ReduceMin", "xI", RED, 1, K_F32, false },
	{ "ReduceSum", "xI", RED, 1, K_F32, false },
	{ "ReduceProd", "xI", RED, 1, K_F32, false },
	{ "ReduceL1", "xI", RED, 1, K_F32, false },
	{ "ReduceL2", "xI", RED, 1, K_F32, false },
	{ "ReduceLogSum", "xI", RED, 1, K_F32, false },
	{ "ReduceLogSumExp", "xI", RED, 1, K_F32, false },
	{ "ReduceSumSquare", "xI", RED, 1, K_F32, false },
	{ "ArgMax", "x", "axis:i,keepdims:i,select_last_index:i", 1, K_INT, false },
	{ "ArgMin", "x", "axis:i,keepdims:i,select_last_index:i", 1, K_INT, false },
	{ "Reshape", "xi", "allowzero:i", 1, K_ANY, true },
	{ "Flatten", "x", "axis:i", 1, K_ANY, true },
	{ "Transpose", "x", "perm:I", 1, K_ANY, false },
	{ "Concat", "*", "axis:i", 1, K_ANY, true },
	{ "Shape", "x", "start:i,end:i", 1, K_INT, false },
	{ "Size", "x", "", 1, K_INT, false },
	{ "Gather", "xi", "axis:i", 1, K_ANY, false },
	{ "GatherElements", "xi", "axis:i", 1, K_ANY, false },
	{ "Unsqueeze", "xI", "axes:I", 1, K_ANY, true },
	{ "Squeeze", "xI", "axes:I", 1, K_ANY, true },
	{ "Cast", "x", "to:t,saturate:i", 1, K_ANY, false },
	{ "Pad", "xIFI", "mode:s=constant|reflect|edge|wrap|bad,pads:I,value:f",
	  1, K_ANY, false },
	{ "QuantizeLinear", "xsQ", "axis:i,saturate:i", 1, K_Q8, false },
	{ "DequantizeLinear", "usQ", "axis:i", 1, K_F32, false },
	{ "Slice", "xiiII", "starts:I,ends:I,axes:I", 1, K_ANY, false },
	{ "Expand", "xi", "", 1, K_ANY, false },
	{ "Tile", "xi", "", 1, K_ANY, false },
	{ "ConstantOfShape", "i", "value:T", 1, K_ANY, false },
	{ "Range", "kkk", "", 1, K_ANY, false },
	{ "Split", "xI", "axis:i,split:I,num_outputs:i", 3, K_ANY, false },
	{ "DepthToSpace", "x", "blocksize:i,mode:s=DCR|CRD|bad", 1, K_ANY, false },
	{ "SpaceToDepth", "x", "blocksize:i", 1, K_ANY, false },
	{ "CumSum", "xk", "exclusive:i,reverse:i", 1, K_ANY, false },
	{ "Trilu", "xK", "upper:i", 1, K_ANY, false },
	{ "OneHot", "ikf", "axis:i", 1, K_F32, false },
	{ "TopK", "xk", "axis:i,largest:i,sorted:i", 2, K_ANY, false },
	{ "Resize", "xFFI",
	  "mode:s=nearest|linear|cubic|bad,coordinate_transformation_mode:s=half_pixel|asymmetric|align_corners|pytorch_half_pixel|tf_crop_and_resize|half_pixel_symmetric,nearest_mode:s=round_prefer_floor|round_prefer_ceil|floor|ceil,cubic_coeff_a:f,exclude_outside:i,extrapolation_value:f,antialias:i,keep_aspect_ratio_policy:s=stretch|not_larger|not_smaller,axes:I",
	  1, K_F32, false },
	{ "Upsample", "xF", "mode:s=nearest|linear,scales:F", 1, K_F32, false },
};
#define N_OPS (sizeof(ops) / sizeof(ops[0]))

static const int types[] = {
	IR_F32, IR_U8, IR_I8, IR_I32, IR_I64, IR_BOOL, IR_F16, IR_F64,
	IR_I16, IR_U16, IR_U32, IR_U64, IR_STRING, 0, 99,
};

static void attribute(struct builder *b, struct pbw *node, const char *spec,
		      size_t len)
{
	struct rd *r = b->r;
	struct pbw a = { 0 };
	const char *colon = memchr(spec, ':', len);
	char name[64];
	size_t nl;
	int i, n;

	if (!colon || (size_t)(colon - spec) >= sizeof(name))
		return;
	nl = (size_t)(colon - spec);
	memcpy(name, spec, nl);
	name[nl] = '\0';
	pbw_str(&a, 1, name);
	switch (colon[1]) {
	case 'i':
		pbw_int(&a, 20, 2);
		pbw_int(&a, 3, pick_int(r));
		break;
	case 't':
		pbw_int(&a, 20, 2);
		pbw_int(&a, 3, types[pick(r, sizeof(types) / sizeof(types[0]))]);
		break;
	case 'f':
		pbw_int(&a, 20, 1);
		pbw_float(&a, 2, pick_float(r));
		break;
	case 'I':
		pbw_int(&a, 20, 7);
		n = (int)pick(r, 7);
		for (i = 0; i < n; i++)
			pbw_int(&a, 8, pick_int(r));
		break;
	case 'F':
		pbw_int(&a, 20, 6);
		n = (int)pick(r, 6);
		for (i = 0; i < n; i++)
			pbw_float(&a, 7, pick_float(r));
		break;
	case 'T': {
		static const int tdt[] = { IR_F32, IR_I64, IR_I32, IR_BOOL,
					   IR_U8, IR_F64 };
		struct pbw t = { 0 };
		int64_t one = 1;

		pbw_int(&a, 20, 4);
		tensor_proto(b, &t, NULL, tdt[pick(r, 6)], pick(r, 4) ? 1 : 0,
			     &one, false);
		pbw_msg(&a, 5, &t);
		break;
	}
	case 's': {
		/* "s=a|b|c": pick one alternative */
		const char *p = colon + 3, *end = spec + len, *bar;
		int alts = 1, k;

		if (colon + 2 >= end)
			break;
		for (bar = p; bar < end; bar++)
			alts += *bar == '|';
		k = (int)pick(r, (unsigned)alts);
		while (k--) {
			p = memchr(p, '|', (size_t)(end - p));
			p++;
		}
		bar = memchr(p, '|', (size_t)(end - p));
		pbw_int(&a, 20, 3);
		pbw_bytes(&a, 4, p, (size_t)((bar ? bar : end) - p));
		break;
	}
	default:
		free(a.buf);
		return;
	}
	pbw_msg(node, 5, &a);
}

/* Emit a node; @in are input names ("" for an omitted one). */
static void emit_node(struct builder *b, const char *op, const char **in,
		      int n_in, struct val **out, int n_out,
		      const struct opdef *d)
{
	struct pbw node = { 0 };
	char name[16];
	int i;

	for (i = 0; i < n_in; i++)
		pbw_str(&node, 1, in[i]);
	for (i = 0; i < n_out; i++)
		pbw_str(&node, 2, out[i]->name);
	snprintf(name, sizeof(name), "n%d", b->n_nodes++);
	pbw_str(&node, 3, name);
	pbw_str(&node, 4, op);
	if (d && d->attrs[0]) {
		const char *s = d->attrs;

		while (*s) {
			const char *comma = strchr(s, ',');
			size_t len = comma ? (size_t)(comma - s) : strlen(s);

			if (pick(b->r, 2))
				attribute(b, &node, s, len);
			s += len + (comma ? 1 : 0);
		}
	}
	pbw_msg(&b->graph, 1, &node);
}

/* x -> QuantizeLinear -> DequantizeLinear: a float value on the int8 grid. */
static struct val *qdq(struct builder *b, struct val *x)
{
	struct rd *r = b->r;
	int64_t one = 1;
	/* per tensor mostly: what the int8 compiler takes */
	struct val *s = pick(r, 32) ? add_const(b, K_F32, IR_F32, 0, &one, true) :
			rand_const(b, 's');
	struct val *zp = pick(r, 32) ? add_const(b, K_Q8, pick(r, 2) ? IR_U8 :
						IR_I8, 0, &one, false) :
			 rand_const(b, 'q');
	struct val *q = new_val(b, K_Q8), *dq;
	const char *in[3];

	if (!s || !zp || !q)
		return x;
	in[0] = x->name;
	in[1] = s->name;
	in[2] = zp->name;
	emit_node(b, "QuantizeLinear", in, 3, &q, 1, NULL);
	q->hidden = true;
	dq = new_val(b, K_F32);
	if (!dq)
		return q;
	in[0] = q->name;
	emit_node(b, "DequantizeLinear", in, 3, &dq, 1, NULL);
	return dq;
}

/*
 * A quantized weight of rank @rank (mostly): DequantizeLinear(const int8,
 * scale, zp[, axis]) with per-tensor or per-channel parameters, or for a
 * bias (@rank 1) sometimes int32 data or a float constant.
 */
static struct val *q_weight(struct builder *b, int rank)
{
	struct rd *r = b->r;
	int64_t dims[4], pdims[1] = { 1 }, axis = 0;
	struct val *w, *s, *zp = NULL, *dq;
	struct pbw node = { 0 };
	int i, dt, prank = 0;
	char name[16];

	if (pick(r, 4))
		for (i = 0; i < rank; i++)
			dims[i] = 1 + pick(r, 3);
	else
		rank = rand_shape(r, 4, dims);
	if (rank == 1 && !pick(r, 3))
		return add_const(b, K_F32, IR_F32, 1, dims, false);
	dt = rank == 1 && pick(r, 2) ? IR_I32 : pick(r, 4) ? IR_I8 : IR_U8;
	w = add_const(b, K_Q8, dt, rank, dims, false);
	if (rank && !pick(r, 3)) {	/* per channel */
		axis = pick(r, 8) ? 0 : pick_int(r);
		prank = 1;
		pdims[0] = axis >= 0 && axis < rank ? dims[axis] : 1 + pick(r, 3);
	}
	s = add_const(b, K_F32, IR_F32, prank, pdims, true);
	if (pick(r, 2))
		zp = add_const(b, K_Q8, pick(r, 16) ? dt : IR_U8, prank, pdims,
			       false);
	dq = new_val(b, K_F32);
	if (!w || !s || !dq)
		return w;
	pbw_str(&node, 1, w->name);
	pbw_str(&node, 1, s->name);
	if (zp)
		pbw_str(&node, 1, zp->name);
	pbw_str(&node, 2, dq->name);
	snprintf(name, sizeof(name), "n%d", b->n_nodes++);
	pbw_str(&node, 3, name);
	pbw_str(&node, 4, "DequantizeLinear");
	if (prank) {
		struct pbw a = { 0 };

		pbw_str(&a, 1, "axis");
		pbw_int(&a, 20, 2);
		pbw_int(&a, 3, axis);
		pbw_msg(&node, 5, &a);
	}
	pbw_msg(&b->graph, 1, &node);
	return dq;
}

static void add_node(struct builder *b, struct val **last, int *n_last)
{
	struct rd *r = b->r;
	const struct opdef *d;
	const char *in[12];
	struct val *out[3];
	int n_in = 0, n_out, i, k;
	const char *s;

	d = &ops[pick(r, 256) % N_OPS];
	if (b->qdq) {
		int nq = 0, want;

		for (i = 0; i < (int)N_OPS; i++)
			nq += ops[i].q8;
		want = (int)pick(r, (unsigned)nq);
		for (i = 0; i < (int)N_OPS; i++)
			if (ops[i].q8 && !want--) {
				d = &ops[i];
				break;
			}
	}
	for (s = d->in; *s && n_in < 12; s++) {
		char c = *s;
		struct val *v;

		if (c == '*') {
			k = 1 + (int)pick(r, 3);
			while (k-- && n_in < 12) {
				v = operand(b, 'x');
				in[n_in++] = v ? v->name : "";
			}
			continue;
		}
		if (c >= 'A' && c <= 'Z') {
			k = (int)pick(r, 4);
			if (k == 0)
				break;	/* cut off the optional tail */
			if (k == 1) {
				in[n_in++] = "";
				continue;
			}
			c = (char)(c - 'A' + 'a');
		}
		if (b->qdq && c == 'w')
			v = q_weight(b, n_in > 1 ? 1 :
				     !strcmp(d->op, "Conv") ? 4 : 2);
		else
			v = operand(b, c);
		in[n_in++] = v ? v->name : "";
	}
	n_out = 1 + (int)pick(r, (unsigned)d->max_out);
	for (i = 0; i < n_out; i++) {
		out[i] = new_val(b, d->out);
		if (!out[i])
			return;
	}
	emit_node(b, d->op, in, n_in, out, n_out, d);
	if (b->qdq && d->out != K_Q8 && pick(r, 8)) {
		out[0]->hidden = true;
		out[0] = qdq(b, out[0]);
	}
	for (i = 0; i < n_out; i++)
		last[i] = out[i];
	*n_last = n_out;
}

static void value_info(struct pbw *g, int field, const struct val *v,
		       int dt, const char **dim_param)
{
	struct pbw vi = { 0 }, ty = { 0 }, tt = { 0 }, sh = { 0 };
	int i;

	pbw_str(&vi, 1, v->name);
	if (dt) {
		pbw_int(&tt, 1, dt);
		if (v->rank >= 0) {
			for (i = 0; i < v->rank; i++) {
				struct pbw dim = { 0 };

				if (dim_param && dim_param[i])
					pbw_str(&dim, 2, dim_param[i]);
				else
					pbw_int(&dim, 1, v->dims[i]);
				pbw_msg(&sh, 1, &dim);
			}
			/* an empty shape message still means rank 0 */
			pbw_bytes(&tt, 2, sh.buf, sh.len);
			free(sh.buf);
		}
		pbw_msg(&ty, 1, &tt);
		pbw_msg(&vi, 2, &ty);
	}
	pbw_msg(g, field, &vi);
}

/* Build the model; returns its bytes (free()) and their count. */
static uint8_t *build(struct rd *r, size_t *len)
{
	static const int in_types[] = { IR_F32, IR_F32, IR_F32, IR_F32,
					IR_F32, IR_I64, IR_I32, IR_U8, IR_I8,
					IR_BOOL };
	static const int opsets[] = { 13, 11, 17, 18, 19, 9, 7, 21 };
	struct builder b = { .r = r };
	struct pbw m = { 0 }, os = { 0 };
	struct val *last[3] = { NULL };
	int n_last = 0, n_in, n_nodes, i, d;

	b.qdq = !pick(r, 3);
	n_in = 1 + (int)pick(r, 3);
	for (i = 0; i < n_in; i++) {
		int dt = b.qdq ? IR_F32 : in_types[pick(r, 10)];
		struct val *v = new_val(&b, dt == IR_F32 ? K_F32 :
					dt == IR_BOOL ? K_BOOL :
					dt == IR_U8 || dt == IR_I8 ? K_Q8 : K_INT);
		const char *dp[4] = { NULL };

		v->rank = b.qdq && pick(r, 2) ? 4 : (int)pick(r, 5);
		for (d = 0; d < v->rank; d++) {
			v->dims[d] = pick(r, 16) ? 1 + pick(r, 4) : 0;
			if (!pick(r, 6))
				dp[d] = pick(r, 2) ? "N" : "M";
		}
		value_info(&b.graph, 11, v, dt, dp);
		if (b.qdq) {
			v->hidden = true;
			qdq(&b, v);
		}
	}
	n_nodes = 1 + (int)pick(r, 6);
	for (i = 0; i < n_nodes; i++)
		add_node(&b, last, &n_last);
	if (!n_last) {
		free(b.graph.buf);
		return NULL;
	}
	for (i = 0; i < n_last; i++)
		value_info(&b.graph, 12, last[i], 0, NULL);
	pbw_str(&b.graph, 2, "fuzz");

	pbw_int(&m, 1, 8);	/* ir_version */
	pbw_str(&os, 1, "");
	pbw_int(&os, 2, opsets[pick(r, 8)]);
	pbw_msg(&m, 8, &os);
	pbw_msg(&m, 7, &b.graph);
	*len = m.len;
	return m.buf;
}

/* ---- running ---------------------------------------------------------- */

static void fill(struct rd *r, struct ir_value *v, size_t nb)
{
	size_t i, es = ir_dtype_size(v->dtype);
	uint8_t *p = v->data;

	for (i = 0; i + es <= nb; i += es) {
		if (v->dtype == IR_F32) {
			float f = pick_float(r);

			memcpy(p + i, &f, 4);
		} else if (v->dtype == IR_I64) {
			int64_t x = pick_int(r);

			memcpy(p + i, &x, 8);
		} else if (v->dtype == IR_I32) {
			int32_t x = (int32_t)pick_int(r);

			memcpy(p + i, &x, 4);
		} else if (v->dtype == IR_BOOL) {
			p[i] = (uint8_t)pick(r, 2);
		} else {
			for (size_t k = 0; k < es; k++)
				p[i + k] = (uint8_t)u8(r);
		}
	}
}

static accel_ctx *cpu_ctx(void)
{
	static accel_ctx *ctx;

	if (!ctx) {
		struct accel_ctx_options o = {
			.size = sizeof(o), .flags = ACCEL_CTX_QUIET,
			.npu_index = -1,
		};

		ctx = accel_open_opts(ACCEL_DEVICE_CPU, &o, NULL);
		if (!ctx)
			abort();
	}
	return ctx;
}

/* The int8 path: validate the program, then run the model as an app would. */
static void run_int8(const struct ir_graph *g, const struct ir_value *in,
		     const uint8_t *model, size_t len)
{
	struct shape_pass *s;
	struct accel_tensor ti[8], to[8];
	struct accel_err e;
	struct qprog *q;
	accel_model *m;
	int i, d, err;

	s = shape_infer(g, in, g->n_inputs, &e, &err);
	if (!s)
		return;
	err = qprog_compile(g, s, in, g->n_inputs, &q, &e);
	shape_free(s);
	if (err)
		return;
	fuzz_check_qprog(q);
	qprog_free(q);
	if (g->n_inputs > 8 || g->n_outputs > 8)
		return;
	m = accel_model_load_mem(cpu_ctx(), model, len, NULL);
	if (!m)
		return;
	memset(ti, 0, sizeof(ti));
	memset(to, 0, sizeof(to));
	for (i = 0; i < g->n_inputs; i++) {
		ti[i].dtype = in[i].dtype;
		ti[i].rank = in[i].rank;
		for (d = 0; d < in[i].rank; d++)
			ti[i].dims[d] = in[i].dims[d];
		ti[i].data = in[i].data;
		ti[i].size = (size_t)ir_value_nbytes(&in[i]);
	}
	accel_run(m, ti, g->n_inputs, to, g->n_outputs);
	for (i = 0; i < g->n_outputs; i++)
		accel_tensor_release(&to[i]);
	accel_model_free(m);
}

static void run(struct rd *r, const struct ir_graph *g, const uint8_t *model,
		size_t len)
{
	struct ir_value *in = calloc((size_t)g->n_inputs + 1, sizeof(*in));
	void **ip = calloc((size_t)g->n_inputs + 1, sizeof(void *));
	void **op = calloc((size_t)g->n_outputs + 1, sizeof(void *));
	int64_t bind[2] = { 1 + pick(r, 3), 1 + pick(r, 3) };
	struct accel_err e;
	struct cpu_plan *p = NULL;
	int i, d, err;

	if (!in || !ip || !op)
		goto out;
	for (i = 0; i < g->n_inputs; i++) {
		const struct ir_tensor *t = &g->tensors[g->inputs[i]];
		int64_t nb;

		in[i].dtype = t->dtype;
		in[i].rank = t->rank < 0 ? 0 : t->rank;
		for (d = 0; d < in[i].rank; d++)
			in[i].dims[d] = t->dims[d] >= 0 ? t->dims[d] :
					bind[t->dim_param[d] &&
					     t->dim_param[d][0] == 'M'];
		nb = ir_value_nbytes(&in[i]);
		if (nb < 0 || nb > (1 << 20))
			goto out;
		/* exactly sized, so an overread is an ASan report */
		in[i].data = malloc(nb ? (size_t)nb : 1);
		if (!in[i].data)
			goto out;
		fill(r, &in[i], (size_t)nb);
		ip[i] = in[i].data;
	}
	p = cpu_plan_create(g, in, g->n_inputs, &e, &err);
	if (!p)
		goto out;
	for (i = 0; i < g->n_outputs; i++) {
		struct ir_value v;
		int64_t nb;

		if (cpu_plan_output_info(p, i, &v))
			abort();
		nb = ir_value_nbytes(&v);
		if (nb < 0)
			abort();
		op[i] = malloc(nb ? (size_t)nb : 1);
		if (!op[i])
			goto out;
	}
	cpu_plan_run(p, (const void *const *)ip, op, &e);
	run_int8(g, in, model, len);
out:
	cpu_plan_free(p);
	for (i = 0; in && i < g->n_inputs; i++)
		free(in[i].data);
	for (i = 0; op && i < g->n_outputs; i++)
		free(op[i]);
	free(in);
	free(ip);
	free(op);
}

/* ENPU_FUZZ_DUMP=FILE: write the model built from the input (triage). */
static void dump(const uint8_t *model, size_t len)
{
	const char *path = getenv("ENPU_FUZZ_DUMP");
	FILE *f = path ? fopen(path, "wb") : NULL;

	if (f) {
		fwrite(model, 1, len, f);
		fclose(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { data, size };
	struct accel_err e;
	struct ir_graph *g;
	uint8_t *model;
	size_t len = 0;
	int err;

	model = build(&r, &len);
	if (!model)
		return 0;
	dump(model, len);
	g = ir_load_onnx(model, len, &e, &err);
	if (g) {
		run(&r, g, model, len);
		ir_graph_free(g);
	}
	free(model);
	return 0;
}
