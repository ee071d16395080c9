// SPDX-License-Identifier: MIT
/*
 * The int8 compiler: quantized ONNX graph -> ENPU command buffer.
 *
 * The graph is walked once in topological order, tracking what each graph
 * tensor is in the integer world:
 *
 *   QK_ACT    a quantized activation held by an ISA tensor.  A float tensor
 *             produced by DequantizeLinear of an activation is the same ISA
 *             tensor seen as real values (view == true).
 *   QK_CONST  a constant: a quantized initializer (int8/uint8/int32 with its
 *             scale and zero point, per tensor or per axis) or a plain float
 *             constant.
 *   QK_PEND   the float result of an operation whose output quantization is
 *             not known yet: ops are emitted when the QuantizeLinear that
 *             consumes them is reached (optionally through Relu/Clip, which
 *             fold into the output clamp).
 *
 * This covers the QDQ form (DequantizeLinear -> op -> QuantizeLinear) and the
 * QOperator form (QLinearConv, QLinearMatMul).  Anything else makes the
 * compile fail with -EOPNOTSUPP naming the node, and the caller runs the float
 * executor instead.
 *
 * Scales are folded into fixed-point multipliers (see enpu_isa.h); rounding is
 * half to even, as ONNX QuantizeLinear.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <drm/enpu_isa.h>

#include "cpu/plan.h"
#include "ir.h"
#include "qcompile.h"

enum qk { QK_NONE = 0, QK_ACT, QK_CONST, QK_PEND };

struct qbuf {
	uint64_t size;
	int slot;
	uint64_t offset;
	int first, last;	/* op indices using the buffer */
};

struct qact {
	struct enpu_tensor t;
	int buf;
};

enum pend_kind {
	PEND_CONV, PEND_FC, PEND_ADD, PEND_MUL, PEND_AVGPOOL, PEND_GAP,
	PEND_LUT, PEND_SOFTMAX, PEND_CONCAT, PEND_COPY,
};

enum lut_fn { LUT_SIGMOID, LUT_TANH, LUT_LEAKY, LUT_RELU };

struct qpend {
	enum pend_kind kind;
	int node;
	struct enpu_op op;	/* in[] hold act indices */
	double *real;		/* per-channel accumulator scale (before / out) */
	int32_t *wzp;		/* per-channel weight zero points or NULL */
	int nreal;
	double lo, hi;		/* fused clamp in the real domain */
	int ins[16];		/* PEND_CONCAT: input acts */
	int n_ins;
	enum lut_fn fn;
	float alpha;
	int bias_const;		/* tensor index of a bias to fold, or -1 */
	struct ir_value shape;	/* float result shape */
};

struct qv {
	enum qk kind;
	bool view;		/* QK_ACT: graph tensor holds real values */
	int act;
	float scale;
	int32_t zp;
	/* QK_CONST */
	int cdtype;		/* IR dtype of the quantized data, or IR_F32 */
	const void *cdata;
	const float *cscales;
	int nscales;
	const void *czp;	/* same IR dtype as cdata, nzp entries */
	int nzp;
	int caxis;
	/* QK_PEND */
	int pend;
};

struct qc {
	const struct ir_graph *g;
	struct cpu_plan *plan;
	struct accel_err *e;
	struct qv *v;
	struct qact *acts;
	int n_acts, cap_acts;
	struct qbuf *bufs;
	int n_bufs, cap_bufs;
	struct enpu_op *ops;
	int n_ops, cap_ops;
	struct enpu_quant *quant;
	int n_quant, cap_quant;
	struct qpend *pends;
	int n_pends, cap_pends;
	uint8_t *consts;
	size_t n_consts, cap_consts;
	int n_in;
};

static int grow(void **p, int *cap, int need, size_t elem)
{
	void *n;
	int c;

	if (need <= *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	while (c < need)
		c *= 2;
	n = realloc(*p, (size_t)c * elem);
	if (!n)
		return -ENOMEM;
	memset((char *)n + (size_t)*cap * elem, 0, (size_t)(c - *cap) * elem);
	*p = n;
	*cap = c;
	return 0;
}

#define GROW(q, arr, n, cap) \
	grow((void **)&(q)->arr, &(q)->cap, (q)->n + 1, sizeof(*(q)->arr))

static int nosup(struct qc *q, int node, const char *why)
{
	const struct ir_node *n = &q->g->nodes[node];

	return accel_seterr(q->e, -EOPNOTSUPP, "node '%s' (%s): %s", n->name,
			    n->op_type, why);
}

static const struct ir_value *val(struct qc *q, int t)
{
	return t < 0 ? NULL : cpu_plan_value(q->plan, t);
}

static int isa_dtype(int irdt)
{
	return irdt == IR_I8 ? ENPU_DTYPE_S8 :
	       irdt == IR_U8 ? ENPU_DTYPE_U8 :
	       irdt == IR_I32 ? ENPU_DTYPE_S32 : 0;
}

static int qmin(int isadt)
{
	return isadt == ENPU_DTYPE_S8 ? -128 : 0;
}

static int qmax(int isadt)
{
	return isadt == ENPU_DTYPE_S8 ? 127 : 255;
}

/* A new logical buffer of @size bytes in @slot (arena by default). */
static int new_buf(struct qc *q, uint64_t size, int slot)
{
	if (GROW(q, bufs, n_bufs, cap_bufs))
		return -ENOMEM;
	q->bufs[q->n_bufs].size = size;
	q->bufs[q->n_bufs].slot = slot;
	q->bufs[q->n_bufs].first = -1;
	q->bufs[q->n_bufs].last = -1;
	return q->n_bufs++;
}

/* An ISA tensor of graph value shape @shape on buffer @buf. */
static int new_act(struct qc *q, const struct ir_value *shape, int dtype,
		   int32_t zp, int buf)
{
	struct enpu_tensor *t;
	int i;

	if (shape->rank > ENPU_ISA_MAX_DIMS)
		return -EOPNOTSUPP;
	if (GROW(q, acts, n_acts, cap_acts))
		return -ENOMEM;
	t = &q->acts[q->n_acts].t;
	memset(t, 0, sizeof(*t));
	t->dtype = dtype;
	t->rank = shape->rank ? shape->rank : 1;
	for (i = 0; i < ENPU_ISA_MAX_DIMS; i++) {
		int64_t d = i < shape->rank ? shape->dims[i] : 1;

		if (d < 1 || d > ENPU_ISA_MAX_DIM)
			return -EOPNOTSUPP;
		t->dims[i] = (uint32_t)d;
	}
	t->zero_point = zp;
	q->acts[q->n_acts].buf = buf;
	return q->n_acts++;
}

static uint64_t act_bytes(const struct qact *a)
{
	uint64_t n = a->t.dtype == ENPU_DTYPE_S32 ? 4 : 1;
	int i;

	for (i = 0; i < ENPU_ISA_MAX_DIMS; i++)
		n *= a->t.dims[i];
	return n;
}

/* A fresh activation with its own arena buffer. */
static int new_arena_act(struct qc *q, const struct ir_value *shape, int dtype,
			 int32_t zp)
{
	int64_t n = ir_value_numel(shape);
	int b;

	if (n <= 0)
		return -EOPNOTSUPP;
	b = new_buf(q, (uint64_t)n * (dtype == ENPU_DTYPE_S32 ? 4 : 1),
		    QPROG_SLOT_ARENA);
	if (b < 0)
		return b;
	return new_act(q, shape, dtype, zp, b);
}

/* Append constant bytes (64-byte aligned) and describe them as a tensor. */
static int const_act(struct qc *q, const void *data, size_t bytes, int dtype,
		     int rank, const int64_t *dims, int32_t zp)
{
	size_t off = (q->n_consts + 63) & ~(size_t)63;
	struct ir_value shape = { .rank = rank };
	int a, b;

	if (off + bytes > q->cap_consts) {
		size_t c = q->cap_consts ? q->cap_consts : 4096;
		uint8_t *n;

		while (c < off + bytes)
			c *= 2;
		n = realloc(q->consts, c);
		if (!n)
			return -ENOMEM;
		memset(n + q->cap_consts, 0, c - q->cap_consts);
		q->consts = n;
		q->cap_consts = c;
	}
	memcpy(q->consts + off, data, bytes);
	q->n_consts = off + bytes;
	memcpy(shape.dims, dims, sizeof(int64_t) * (size_t)rank);
	b = new_buf(q, bytes, QPROG_SLOT_CONST);
	if (b < 0)
		return b;
	q->bufs[b].offset = off;
	a = new_act(q, &shape, dtype, zp, b);
	return a;
}

static int add_quant(struct qc *q, double real, int32_t wzp)
{
	struct enpu_quant *qe;
	int32_t m = 0, s = 0;

	if (GROW(q, quant, n_quant, cap_quant))
		return -ENOMEM;
	if (real > 0 && qprog_quantize_multiplier(real, &m, &s))
		return -EOPNOTSUPP;
	qe = &q->quant[q->n_quant];
	qe->multiplier = m;
	qe->shift = s;
	qe->zero_point = wzp;
	return q->n_quant++;
}

static void use_buf(struct qc *q, int act, int opi)
{
	struct qbuf *b;

	if (act < 0 || act == (int)ENPU_NO_TENSOR)
		return;
	b = &q->bufs[q->acts[act].buf];
	if (b->first < 0 || opi < b->first)
		b->first = opi;
	if (opi > b->last)
		b->last = opi;
}

static int emit(struct qc *q, const struct enpu_op *op)
{
	int i;

	if (GROW(q, ops, n_ops, cap_ops))
		return -ENOMEM;
	q->ops[q->n_ops] = *op;
	for (i = 0; i < 3; i++)
		if (op->in[i] != ENPU_NO_TENSOR)
			use_buf(q, (int)op->in[i], q->n_ops);
	use_buf(q, (int)op->out, q->n_ops);
	return q->n_ops++;
}

static void op_init(struct enpu_op *op, uint32_t opcode)
{
	memset(op, 0, sizeof(*op));
	op->opcode = opcode;
	op->in[0] = op->in[1] = op->in[2] = ENPU_NO_TENSOR;
}

/* Scalar float of a constant (scale inputs). */
static int const_f32(struct qc *q, int t, float *out)
{
	const struct ir_value *v = val(q, t);

	if (!v || !v->data || v->dtype != IR_F32 || ir_value_numel(v) != 1)
		return -EOPNOTSUPP;
	*out = *(const float *)v->data;
	return 0;
}

/* A quantization scale: a positive, finite float constant. */
static int const_scale(struct qc *q, int t, float *out)
{
	if (const_f32(q, t, out) || !isfinite(*out) || !(*out > 0) ||
	    *out < 1e-30f)
		return -EOPNOTSUPP;
	return 0;
}

static int const_zp(struct qc *q, int t, int dtype_if_absent, int *dtype,
		    int32_t *zp)
{
	const struct ir_value *v = val(q, t);

	if (t < 0 || !v) {
		*dtype = dtype_if_absent;
		*zp = 0;
		return 0;
	}
	if (!v->data || ir_value_numel(v) != 1)
		return -EOPNOTSUPP;
	*dtype = v->dtype;
	if (v->dtype == IR_U8)
		*zp = *(const uint8_t *)v->data;
	else if (v->dtype == IR_I8)
		*zp = *(const int8_t *)v->data;
	else if (v->dtype == IR_I32)
		*zp = *(const int32_t *)v->data;
	else
		return -EOPNOTSUPP;
	return 0;
}

static int32_t elem_i32(const void *p, int dtype, size_t i)
{
	switch (dtype) {
	case IR_U8: return ((const uint8_t *)p)[i];
	case IR_I8: return ((const int8_t *)p)[i];
	case IR_I32: return ((const int32_t *)p)[i];
	default: return 0;
	}
}

/* Real value of element i of a QK_CONST tensor (c: its qv, shape v). */
static double const_real(const struct qv *c, const struct ir_value *v,
			 size_t i)
{
	size_t ch = 0, inner = 1;
	int d;

	if (c->cdtype == IR_F32)
		return ((const float *)c->cdata)[i];
	if (!c->cscales)	/* a plain integer constant */
		return elem_i32(c->cdata, c->cdtype, i);
	if (c->nscales > 1) {
		for (d = c->caxis + 1; d < v->rank; d++)
			inner *= (size_t)v->dims[d];
		ch = (i / inner) % (size_t)c->nscales;
	}
	return ((double)elem_i32(c->cdata, c->cdtype, i) -
		(c->czp ? elem_i32(c->czp, c->cdtype,
				   c->nzp == 1 ? 0 : ch) : 0)) *
	       c->cscales[ch];
}

/* Quantized activation input: the ISA tensor behind graph tensor t. */
static int act_of(struct qc *q, int t, bool want_view)
{
	if (t < 0 || q->v[t].kind != QK_ACT || q->v[t].view != want_view)
		return -1;
	return q->v[t].act;
}

static struct qpend *new_pend(struct qc *q, int node, enum pend_kind kind,
			      int out_tensor)
{
	struct qpend *p;

	if (GROW(q, pends, n_pends, cap_pends))
		return NULL;
	p = &q->pends[q->n_pends];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->node = node;
	p->lo = -INFINITY;
	p->hi = INFINITY;
	p->bias_const = -1;
	op_init(&p->op, 0);
	p->shape = *val(q, out_tensor);
	p->shape.data = NULL;
	q->v[out_tensor].kind = QK_PEND;
	q->v[out_tensor].pend = q->n_pends++;
	return p;
}

/*
 * Weights of a conv/fc: a QK_CONST int8/uint8 tensor with per-tensor or
 * per-axis (@axis) scales.  Copies it into the constant slot, optionally
 * transposing a 2-D [N,K] matrix to [K,N].  Fills per-channel scale/zp.
 */
static int lower_weights(struct qc *q, struct qpend *p, int t, int out_ch,
			 int axis, bool transpose)
{
	const struct qv *c = &q->v[t];
	const struct ir_value *v = val(q, t);
	int64_t n = ir_value_numel(v);
	int64_t dims[4];
	void *buf = NULL;
	const void *src;
	int i, a;

	if (c->kind != QK_CONST || (c->cdtype != IR_I8 && c->cdtype != IR_U8))
		return -EOPNOTSUPP;
	if (c->nscales != 1 && (c->nscales != out_ch || c->caxis != axis))
		return -EOPNOTSUPP;
	if (c->czp && c->nzp != 1 && c->nzp != c->nscales)
		return -EOPNOTSUPP;
	p->nreal = out_ch;
	p->real = calloc((size_t)out_ch, sizeof(double));
	p->wzp = calloc((size_t)out_ch, sizeof(int32_t));
	if (!p->real || !p->wzp)
		return -ENOMEM;
	for (i = 0; i < out_ch; i++) {
		int ch = c->nscales == 1 ? 0 : i;

		p->real[i] = c->cscales[ch];
		p->wzp[i] = !c->czp ? 0 :
			    elem_i32(c->czp, c->cdtype,
				     c->nzp == 1 ? 0 : (size_t)ch);
	}
	src = c->cdata;
	for (i = 0; i < v->rank; i++)
		dims[i] = v->dims[i];
	if (transpose) {
		int64_t r = v->dims[0], k = v->dims[1], x, y;
		uint8_t *d8;

		buf = malloc((size_t)n);
		if (!buf)
			return -ENOMEM;
		d8 = buf;
		for (x = 0; x < r; x++)
			for (y = 0; y < k; y++)
				d8[y * r + x] = ((const uint8_t *)src)[x * k + y];
		src = buf;
		dims[0] = k;
		dims[1] = r;
	}
	a = const_act(q, src, (size_t)n, isa_dtype(c->cdtype), v->rank, dims,
		      p->wzp[0]);
	free(buf);
	if (a < 0)
		return a;
	p->op.in[1] = (uint32_t)a;
	return 0;
}

/* A bias tensor (QK_CONST, any quantization or float) as S32 at the
 * accumulator scale p->real[c] (= x_scale * w_scale[c]). */
static int lower_bias(struct qc *q, struct qpend *p, int t)
{
	const struct qv *c = &q->v[t];
	const struct ir_value *v = val(q, t);
	int32_t *b;
	int64_t dims[1] = { p->nreal };
	int i, a;

	if (c->kind != QK_CONST || ir_value_numel(v) != p->nreal)
		return -EOPNOTSUPP;
	b = malloc(sizeof(int32_t) * (size_t)p->nreal);
	if (!b)
		return -ENOMEM;
	for (i = 0; i < p->nreal && c->cdtype == IR_I32 && !c->cscales; i++)
		/* QLinearConv: int32 bias already at x_scale * w_scale */
		b[i] = ((const int32_t *)c->cdata)[i];
	for (i = c->cdtype == IR_I32 && !c->cscales ? p->nreal : 0;
	     i < p->nreal; i++) {
		double s = p->real[i];
		double r = s > 0 ? nearbyint(const_real(c, v, (size_t)i) / s) : 0;

		b[i] = (int32_t)fmax(fmin(r, 2147483647.0), -2147483648.0);
	}
	a = const_act(q, b, sizeof(int32_t) * (size_t)p->nreal, ENPU_DTYPE_S32,
		      1, dims, 0);
	free(b);
	if (a < 0)
		return a;
	p->op.in[2] = (uint32_t)a;
	return 0;
}

static int pads4(const struct ir_node *n, const struct ir_value *x,
		 const int64_t *k, const int64_t *s, const int64_t *d,
		 uint16_t pad[4], const struct ir_value *y)
{
	const int64_t *pads;
	const char *ap = ir_attr_string(n, "auto_pad", "NOTSET");
	int i;

	memset(pad, 0, 4 * sizeof(uint16_t));
	if (!strcmp(ap, "NOTSET")) {
		size_t np = ir_attr_ints(n, "pads", &pads);

		if (np == 4) {
			for (i = 0; i < 4; i++)
				if (pads[i] < 0 || pads[i] > 4096)
					return -EOPNOTSUPP;
			pad[0] = (uint16_t)pads[0];
			pad[1] = (uint16_t)pads[1];
			pad[2] = (uint16_t)pads[2];
			pad[3] = (uint16_t)pads[3];
		} else if (np) {
			return -EOPNOTSUPP;
		}
	} else if (strcmp(ap, "VALID")) {
		for (i = 0; i < 2; i++) {
			int64_t in = x->dims[2 + i], out = y->dims[2 + i];
			int64_t tot = (out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - in;

			if (tot < 0)
				tot = 0;
			if (tot > 8192)
				return -EOPNOTSUPP;
			if (!strcmp(ap, "SAME_UPPER")) {
				pad[i] = (uint16_t)(tot / 2);
				pad[i + 2] = (uint16_t)(tot - tot / 2);
			} else {
				pad[i + 2] = (uint16_t)(tot / 2);
				pad[i] = (uint16_t)(tot - tot / 2);
			}
		}
	}
	/* Ceil mode or trailing rows: extend bottom/right so the floor
	 * formula yields the planned output extent. */
	for (i = 0; i < 2; i++) {
		int64_t need = (y->dims[2 + i] - 1) * s[i] + (k[i] - 1) * d[i] +
			       1 - x->dims[2 + i] - pad[i];

		if (need > 4096)
			return -EOPNOTSUPP;
		if (need > pad[i + 2])
			pad[i + 2] = (uint16_t)need;
	}
	return 0;
}

/* Window geometry the ISA can express (enpu_isa.h limits). */
static bool window_fits(const int64_t k[2], const int64_t s[2],
			const int64_t d[2], const uint16_t pad[4])
{
	int i;

	for (i = 0; i < 2; i++) {
		int64_t ext = (k[i] - 1) * d[i] + 1;

		if (k[i] < 1 || k[i] > ENPU_ISA_MAX_KERNEL || s[i] < 1 ||
		    s[i] > ENPU_ISA_MAX_KERNEL || d[i] < 1 ||
		    d[i] > ENPU_ISA_MAX_KERNEL || pad[i] >= ext ||
		    pad[i + 2] >= ext)
			return false;
	}
	return true;
}

static int lower_conv(struct qc *q, int ni, int x_act, int w, int b,
		      float x_scale, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	const struct ir_value *xv = val(q, n->inputs[0]), *wv = val(q, w);
	const struct ir_value *yv = val(q, y);
	const int64_t *a;
	int64_t k[2], s[2] = { 1, 1 }, d[2] = { 1, 1 };
	uint16_t pad[4];
	struct qpend *p;
	int r;

	if (!xv || xv->rank != 4 || !wv || wv->rank != 4 || !yv)
		return nosup(q, ni, "only 2-D convolution lowers to the NPU");
	k[0] = wv->dims[2];
	k[1] = wv->dims[3];
	if (ir_attr_ints(n, "strides", &a) == 2) {
		s[0] = a[0];
		s[1] = a[1];
	}
	if (ir_attr_ints(n, "dilations", &a) == 2) {
		d[0] = a[0];
		d[1] = a[1];
	}
	p = new_pend(q, ni, PEND_CONV, y);
	if (!p)
		return -ENOMEM;
	p->op.opcode = ENPU_OP_CONV2D;
	p->op.in[0] = (uint32_t)x_act;
	p->op.params.conv.stride_h = (uint16_t)s[0];
	p->op.params.conv.stride_w = (uint16_t)s[1];
	p->op.params.conv.dilation_h = (uint16_t)d[0];
	p->op.params.conv.dilation_w = (uint16_t)d[1];
	p->op.params.conv.groups = (uint32_t)ir_attr_int(n, "group", 1);
	if (pads4(n, xv, k, s, d, pad, yv) || !window_fits(k, s, d, pad))
		return nosup(q, ni, "kernel, stride, dilation or padding beyond the ISA's limits");
	p->op.params.conv.pad_top = pad[0];
	p->op.params.conv.pad_left = pad[1];
	p->op.params.conv.pad_bottom = pad[2];
	p->op.params.conv.pad_right = pad[3];
	r = lower_weights(q, p, w, (int)wv->dims[0], 0, false);
	if (r)
		return r == -ENOMEM ? r :
		       nosup(q, ni, "weights are not a quantized constant");
	for (r = 0; r < p->nreal; r++)
		p->real[r] *= x_scale;
	if (b >= 0) {
		r = lower_bias(q, p, b);
		if (r)
			return r == -ENOMEM ? r :
			       nosup(q, ni, "bias is not a constant");
	}
	return 0;
}

/* FC: x [M,K] act; w const [K,N] (or [N,K] with transpose). */
static int lower_fc(struct qc *q, int ni, int x_act, int w, bool trans,
		    float x_scale, int y, float alpha)
{
	const struct ir_value *wv = val(q, w);
	struct qpend *p;
	int r, nout;

	if (!wv || wv->rank != 2 || q->acts[x_act].t.rank != 2)
		return nosup(q, ni, "only 2-D matrix products lower to the NPU");
	nout = (int)(trans ? wv->dims[0] : wv->dims[1]);
	p = new_pend(q, ni, PEND_FC, y);
	if (!p)
		return -ENOMEM;
	p->op.opcode = ENPU_OP_FULLY_CONNECTED;
	p->op.in[0] = (uint32_t)x_act;
	r = lower_weights(q, p, w, nout, trans ? 0 : 1, trans);
	if (r)
		return r == -ENOMEM ? r :
		       nosup(q, ni, "weights are not a quantized constant");
	for (r = 0; r < p->nreal; r++)
		p->real[r] *= (double)x_scale * alpha;
	return 0;
}

/* Emit a pending op now that its output quantization is known. */
static int finalize(struct qc *q, int pi, int out_act, float ys, int32_t yzp)
{
	struct qpend *p = &q->pends[pi];
	struct enpu_op *op = &p->op;
	int odt = q->acts[out_act].t.dtype, i, r;
	double lo, hi;

	lo = p->lo / ys + yzp;
	hi = p->hi / ys + yzp;
	op->act_min = qmin(odt);
	op->act_max = qmax(odt);
	if (lo > op->act_min)	/* false for NaN */
		op->act_min = (int32_t)fmin(nearbyint(lo), qmax(odt));
	if (hi < op->act_max)
		op->act_max = (int32_t)fmax(nearbyint(hi), qmin(odt));
	/* Clip with min > max yields max everywhere (min applies first). */
	if (op->act_min > op->act_max)
		op->act_min = op->act_max;
	op->out = (uint32_t)out_act;

	switch (p->kind) {
	case PEND_CONV:
	case PEND_FC: {
		bool pc_zp = false;

		op->quant_index = (uint32_t)q->n_quant;
		op->quant_count = (uint32_t)p->nreal;
		for (i = 0; i < p->nreal; i++)
			if (p->wzp[i] != p->wzp[0])
				pc_zp = true;
		for (i = 0; i < p->nreal; i++) {
			r = add_quant(q, p->real[i] / ys, pc_zp ? p->wzp[i] : 0);
			if (r < 0)
				return r == -ENOMEM ? r :
				       nosup(q, p->node, "scale out of range");
		}
		if (pc_zp) {
			/* zero points move to the quant entries */
			q->acts[op->in[1]].t.zero_point = 0;
			if (p->kind == PEND_CONV)
				op->params.conv.flags = ENPU_QUANT_PER_CHANNEL_ZP;
			else
				op->params.fc.flags = ENPU_QUANT_PER_CHANNEL_ZP;
		}
		break;
	}
	case PEND_ADD: {
		double s0 = p->real[0], s1 = p->real[1];
		double twice = 2 * fmax(s0, s1);
		int32_t m, s;

		op->params.eltwise.left_shift = 20;
		if (qprog_quantize_multiplier(s0 / twice, &m, &s))
			return nosup(q, p->node, "scale out of range");
		op->params.eltwise.in_multiplier[0] = m;
		op->params.eltwise.in_shift[0] = s;
		if (qprog_quantize_multiplier(s1 / twice, &m, &s))
			return nosup(q, p->node, "scale out of range");
		op->params.eltwise.in_multiplier[1] = m;
		op->params.eltwise.in_shift[1] = s;
		op->quant_index = (uint32_t)q->n_quant;
		op->quant_count = 1;
		r = add_quant(q, twice / ((double)(1 << 20) * ys), 0);
		if (r < 0)
			return r == -ENOMEM ? r :
			       nosup(q, p->node, "scale out of range");
		break;
	}
	case PEND_MUL:
	case PEND_AVGPOOL:
	case PEND_GAP:
	case PEND_COPY:
		op->quant_index = (uint32_t)q->n_quant;
		op->quant_count = 1;
		r = add_quant(q, p->real[0] / ys, 0);
		if (r < 0)
			return r == -ENOMEM ? r :
			       nosup(q, p->node, "scale out of range");
		break;
	case PEND_SOFTMAX: {
		int32_t tab[256];
		int64_t dims[1] = { 256 };

		for (i = 0; i < 256; i++)
			tab[i] = (int32_t)nearbyint(65536.0 *
						    exp(-i * p->real[0]));
		r = const_act(q, tab, sizeof(tab), ENPU_DTYPE_S32, 1, dims, 0);
		if (r < 0)
			return r;
		op->in[1] = (uint32_t)r;
		op->quant_index = (uint32_t)q->n_quant;
		op->quant_count = 1;
		r = add_quant(q, 1.0 / (32768.0 * ys), 0);
		if (r < 0)
			return r == -ENOMEM ? r :
			       nosup(q, p->node, "scale out of range");
		break;
	}
	case PEND_LUT: {
		const struct qact *in = &q->acts[op->in[0]];
		uint8_t tab[256];
		int64_t dims[1] = { 256 };

		for (i = 0; i < 256; i++) {
			int qv = in->t.dtype == ENPU_DTYPE_S8 ? i - 128 : i;
			double x = (qv - in->t.zero_point) * p->real[0], yv;

			switch (p->fn) {
			case LUT_SIGMOID: yv = 1 / (1 + exp(-x)); break;
			case LUT_TANH: yv = tanh(x); break;
			case LUT_LEAKY: yv = x < 0 ? x * p->alpha : x; break;
			default: yv = x > 0 ? x : 0; break;
			}
			yv = fmin(fmax(yv, p->lo), p->hi);
			yv = nearbyint((double)(float)(yv / ys)) + yzp;
			yv = fmin(fmax(yv, qmin(odt)), qmax(odt));
			tab[i] = (uint8_t)(int)yv;
		}
		r = const_act(q, tab, sizeof(tab), odt, 1, dims, 0);
		if (r < 0)
			return r;
		op->in[1] = (uint32_t)r;
		op->act_min = qmin(odt);
		op->act_max = qmax(odt);
		break;
	}
	case PEND_CONCAT: {
		uint32_t off = 0, axis = op->params.concat.axis;

		for (i = 0; i < p->n_ins; i++) {
			struct enpu_op c = *op;
			const struct qact *in = &q->acts[p->ins[i]];

			c.in[0] = (uint32_t)p->ins[i];
			c.params.concat.offset = off;
			off += in->t.dims[axis];
			c.quant_index = (uint32_t)q->n_quant;
			c.quant_count = 1;
			r = add_quant(q, p->real[i] / ys, 0);
			if (r < 0)
				return r == -ENOMEM ? r :
				       nosup(q, p->node, "scale out of range");
			r = emit(q, &c);
			if (r < 0)
				return r;
		}
		return 0;
	}
	}
	r = emit(q, op);
	return r < 0 ? r : 0;
}

/* An activation-valued input of a float op: DQ view of a quantized act. */
static int view_in(struct qc *q, int t, float *scale)
{
	if (t < 0 || q->v[t].kind != QK_ACT || !q->v[t].view)
		return -1;
	*scale = q->v[t].scale;
	return q->v[t].act;
}

static int lower_node(struct qc *q, int ni)
{
	const struct ir_node *n = &q->g->nodes[ni];
	const char *op = n->op_type;
	int x0 = n->n_inputs > 0 ? n->inputs[0] : -1;
	int y = n->n_outputs > 0 ? n->outputs[0] : -1;
	struct qv *vy = y >= 0 ? &q->v[y] : NULL;
	float xs = 0, xs1 = 0;
	int xa, xa1, r;

	if (n->domain[0] && strcmp(n->domain, "ai.onnx"))
		return nosup(q, ni, "operator domain not supported");
	if (!vy)
		return nosup(q, ni, "node has no output");

	/* Already constant (folded by the planner): nothing to emit. */
	if (val(q, y) && val(q, y)->data) {
		const struct ir_value *v = val(q, y);

		if (!strcmp(op, "DequantizeLinear") && v->dtype == IR_F32 &&
		    q->v[x0].kind == QK_CONST) {
			/* keep the quantized form of DQ(const) for weights */
		} else {
			vy->kind = QK_CONST;
			vy->cdtype = v->dtype;
			vy->cdata = v->data;
			return 0;
		}
	}

	if (!strcmp(op, "QuantizeLinear")) {
		int zdt, a;
		int32_t zp;

		if (const_scale(q, n->inputs[1], &xs1) ||
		    const_zp(q, n->n_inputs > 2 ? n->inputs[2] : -1, IR_U8,
			     &zdt, &zp) || !isa_dtype(zdt) || zdt == IR_I32)
			return nosup(q, ni, "needs constant per-tensor scale and zero point");
		if (q->v[x0].kind == QK_PEND) {
			a = new_arena_act(q, val(q, y), isa_dtype(zdt), zp);
			if (a < 0)
				return a == -ENOMEM ? a : nosup(q, ni, "shape not supported");
			r = finalize(q, q->v[x0].pend, a, xs1, zp);
			if (r)
				return r;
		} else if ((xa = view_in(q, x0, &xs)) >= 0) {
			if (xs == xs1 && q->acts[xa].t.zero_point == zp &&
			    q->acts[xa].t.dtype == isa_dtype(zdt)) {
				a = xa;	/* Q(DQ(x)) with the same parameters */
			} else {
				struct qpend *p = new_pend(q, ni, PEND_COPY, y);

				if (!p)
					return -ENOMEM;
				p->op.opcode = ENPU_OP_COPY;
				p->op.in[0] = (uint32_t)xa;
				p->real = calloc(1, sizeof(double));
				if (!p->real)
					return -ENOMEM;
				p->real[0] = xs;
				a = new_arena_act(q, val(q, y), isa_dtype(zdt), zp);
				if (a < 0)
					return a;
				r = finalize(q, q->n_pends - 1, a, xs1, zp);
				if (r)
					return r;
			}
		} else if (q->v[x0].kind == QK_NONE &&
			   q->g->tensors[x0].kind == IR_TENSOR_INPUT) {
			/* Graph edge: quantized on the host. */
			a = new_arena_act(q, val(q, y), isa_dtype(zdt), zp);
			if (a < 0)
				return a;
			q->v[x0].kind = QK_ACT;
			q->v[x0].act = a;
			q->v[x0].scale = xs1;
			q->v[x0].zp = zp;
		} else {
			return nosup(q, ni, "input is not a quantizable value");
		}
		vy->kind = QK_ACT;
		vy->view = false;
		vy->act = a;
		vy->scale = xs1;
		vy->zp = zp;
		return 0;
	}

	if (!strcmp(op, "DequantizeLinear")) {
		const struct ir_value *sv = val(q, n->inputs[1]);
		int zdt;
		int32_t zp;

		if (q->v[x0].kind == QK_ACT && !q->v[x0].view) {
			if (const_scale(q, n->inputs[1], &xs) ||
			    const_zp(q, n->n_inputs > 2 ? n->inputs[2] : -1,
				     IR_U8, &zdt, &zp))
				return nosup(q, ni, "needs constant per-tensor scale");
			*vy = q->v[x0];
			vy->view = true;
			vy->scale = xs;
			vy->zp = zp;
			return 0;
		}
		if (q->v[x0].kind == QK_CONST && sv && sv->data &&
		    sv->dtype == IR_F32) {
			const struct ir_value *xv = val(q, x0);
			const struct ir_value *zv = n->n_inputs > 2 ?
				val(q, n->inputs[2]) : NULL;
			int64_t axis = ir_attr_int(n, "axis", 1);

			if (axis < 0)
				axis += xv->rank;
			vy->kind = QK_CONST;
			vy->cdtype = xv->dtype;
			vy->cdata = xv->data;
			vy->cscales = sv->data;
			vy->nscales = (int)ir_value_numel(sv);
			vy->czp = zv ? zv->data : NULL;
			vy->nzp = zv ? (int)ir_value_numel(zv) : 0;
			vy->caxis = (int)axis;
			for (int k = 0; k < vy->nscales; k++)
				if (!isfinite(vy->cscales[k]) || !(vy->cscales[k] > 0))
					return nosup(q, ni, "scales must be positive and finite");
			if (!vy->cscales || vy->nscales < 1 ||
			    (vy->nscales > 1 && (axis >= xv->rank ||
			     xv->dims[axis] != vy->nscales)) ||
			    (zv && (!zv->data || zv->dtype != xv->dtype)))
				return nosup(q, ni, "quantization parameters do not fit the tensor");
			return 0;
		}
		return nosup(q, ni, "input is not a quantized tensor");
	}

	if (!strcmp(op, "Conv")) {
		xa = view_in(q, x0, &xs);
		if (xa < 0)
			return nosup(q, ni, "input is not quantized");
		return lower_conv(q, ni, xa, n->inputs[1],
				  n->n_inputs > 2 ? n->inputs[2] : -1, xs, y);
	}

	if (!strcmp(op, "QLinearConv") || !strcmp(op, "QLinearMatMul")) {
		bool conv = op[7] == 'C';
		int wi = 3, a, zdt;
		int32_t zp;
		float ys;
		struct qv *wq;

		xa = act_of(q, x0, false);
		if (xa < 0)
			return nosup(q, ni, "input is not quantized");
		if (n->n_inputs < 8 || const_scale(q, n->inputs[1], &xs) ||
		    const_scale(q, n->inputs[6], &ys))
			return nosup(q, ni, "needs constant scales");
		/* Describe w as a quantized constant for lower_weights(). */
		wq = &q->v[n->inputs[wi]];
		if (wq->kind != QK_CONST || !val(q, n->inputs[4]) ||
		    !val(q, n->inputs[4])->data)
			return nosup(q, ni, "weights are not constant");
		if (val(q, n->inputs[4])->dtype != IR_F32)
			return nosup(q, ni, "weight scale must be float");
		wq->cscales = val(q, n->inputs[4])->data;
		wq->nscales = (int)ir_value_numel(val(q, n->inputs[4]));
		for (int k = 0; k < wq->nscales; k++)
			if (!isfinite(wq->cscales[k]) || !(wq->cscales[k] > 0))
				return nosup(q, ni, "scales must be positive and finite");
		wq->czp = val(q, n->inputs[5]) ? val(q, n->inputs[5])->data : NULL;
		wq->nzp = wq->czp ? (int)ir_value_numel(val(q, n->inputs[5])) : 0;
		if (wq->czp && val(q, n->inputs[5])->dtype != wq->cdtype)
			return nosup(q, ni, "weight zero point type differs from the weights'");
		wq->caxis = conv ? 0 : 1;
		if (const_zp(q, n->inputs[2], IR_U8, &zdt, &zp))
			return nosup(q, ni, "needs a constant input zero point");
		if (q->v[x0].scale == 0) {
			/* A quantized graph input: the op defines it. */
			q->v[x0].scale = xs;
			q->acts[xa].t.zero_point = zp;
		} else if (q->v[x0].scale != xs ||
			   q->acts[xa].t.zero_point != zp) {
			return nosup(q, ni, "input quantization differs from its producer's");
		}
		if (const_zp(q, n->inputs[7], IR_U8, &zdt, &zp))
			return nosup(q, ni, "needs a constant output zero point");
		if (conv)
			r = lower_conv(q, ni, xa, n->inputs[3],
				       n->n_inputs > 8 ? n->inputs[8] : -1, xs, y);
		else
			r = lower_fc(q, ni, xa, n->inputs[3], false, xs, y, 1);
		if (r)
			return r;
		a = new_arena_act(q, val(q, y), isa_dtype(zdt), zp);
		if (a < 0)
			return a == -ENOMEM ? a : nosup(q, ni, "shape not supported");
		r = finalize(q, vy->pend, a, ys, zp);
		if (r)
			return r;
		vy->kind = QK_ACT;
		vy->view = false;
		vy->act = a;
		vy->scale = ys;
		vy->zp = zp;
		return 0;
	}

	if (!strcmp(op, "Gemm") || !strcmp(op, "MatMul")) {
		bool gemm = op[0] == 'G';
		int c = gemm && n->n_inputs > 2 ? n->inputs[2] : -1;
		struct qpend *p;

		xa = view_in(q, x0, &xs);
		if (xa < 0)
			return nosup(q, ni, "input is not quantized");
		if (gemm && (ir_attr_int(n, "transA", 0) ||
			     (c >= 0 && ir_attr_float(n, "beta", 1) != 1.0f)))
			return nosup(q, ni, "transA/beta not supported by the NPU");
		r = lower_fc(q, ni, xa, n->inputs[1],
			     gemm && ir_attr_int(n, "transB", 0), xs, y,
			     gemm ? ir_attr_float(n, "alpha", 1) : 1);
		if (r)
			return r;
		p = &q->pends[vy->pend];
		if (c >= 0) {
			r = lower_bias(q, p, c);
			if (r)
				return r == -ENOMEM ? r :
				       nosup(q, ni, "bias is not a constant");
		}
		return 0;
	}

	if (!strcmp(op, "Add") && q->v[x0].kind == QK_PEND &&
	    q->pends[q->v[x0].pend].kind == PEND_FC &&
	    q->pends[q->v[x0].pend].op.in[2] == ENPU_NO_TENSOR &&
	    q->v[n->inputs[1]].kind == QK_CONST) {
		/* MatMul + Add(bias): fold the bias into the FC. */
		struct qpend *p = &q->pends[q->v[x0].pend];

		r = lower_bias(q, p, n->inputs[1]);
		if (r)
			return r == -ENOMEM ? r : nosup(q, ni, "bias shape not supported");
		*vy = q->v[x0];
		return 0;
	}

	if (!strcmp(op, "Relu") || !strcmp(op, "Clip")) {
		double lo = 0, hi = INFINITY;

		if (!strcmp(op, "Clip")) {
			float f;

			lo = -INFINITY;
			if (n->n_inputs > 1 && n->inputs[1] >= 0) {
				if (const_f32(q, n->inputs[1], &f))
					return nosup(q, ni, "min must be constant");
				lo = f;
			} else if (n->n_inputs == 1) {
				lo = ir_attr_float(n, "min", -INFINITY);
			}
			if (n->n_inputs > 2 && n->inputs[2] >= 0) {
				if (const_f32(q, n->inputs[2], &f))
					return nosup(q, ni, "max must be constant");
				hi = f;
			} else if (n->n_inputs == 1) {
				hi = ir_attr_float(n, "max", INFINITY);
			}
		}
		if (q->v[x0].kind == QK_PEND) {
			struct qpend *p = &q->pends[q->v[x0].pend];

			p->lo = fmax(p->lo, lo);
			p->hi = fmin(p->hi, hi);
			*vy = q->v[x0];
			return 0;
		}
		xa = view_in(q, x0, &xs);
		if (xa < 0)
			return nosup(q, ni, "input is not quantized");
		{
			struct qpend *p = new_pend(q, ni, PEND_LUT, y);

			if (!p)
				return -ENOMEM;
			p->op.opcode = ENPU_OP_LUT;
			p->op.in[0] = (uint32_t)xa;
			p->fn = LUT_RELU;
			p->lo = lo;
			p->hi = hi;
			p->real = calloc(1, sizeof(double));
			if (!p->real)
				return -ENOMEM;
			p->real[0] = xs;
		}
		return 0;
	}

	if (!strcmp(op, "Sigmoid") || !strcmp(op, "Tanh") ||
	    !strcmp(op, "LeakyRelu") || !strcmp(op, "Softmax")) {
		struct qpend *p;
		bool sm = op[0] == 'S' && op[1] == 'o';

		xa = view_in(q, x0, &xs);
		if (xa < 0)
			return nosup(q, ni, "input is not quantized");
		if (sm) {
			int64_t axis = ir_attr_int(n, "axis", q->g->opset >= 13 ? -1 : 1);
			int rank = q->acts[xa].t.rank;

			if (axis < 0)
				axis += rank;
			if (axis != rank - 1)
				return nosup(q, ni, "softmax only along the last axis");
		}
		p = new_pend(q, ni, sm ? PEND_SOFTMAX : PEND_LUT, y);
		if (!p)
			return -ENOMEM;
		p->op.opcode = sm ? ENPU_OP_SOFTMAX : ENPU_OP_LUT;
		p->op.in[0] = (uint32_t)xa;
		p->fn = op[0] == 'S' ? LUT_SIGMOID : op[0] == 'T' ? LUT_TANH :
			LUT_LEAKY;
		p->alpha = ir_attr_float(n, "alpha", 0.01f);
		p->real = calloc(1, sizeof(double));
		if (!p->real)
			return -ENOMEM;
		p->real[0] = xs;
		return 0;
	}

	if (!strcmp(op, "MaxPool") || !strcmp(op, "AveragePool") ||
	    !strcmp(op, "GlobalAveragePool")) {
		const struct ir_value *xv = val(q, x0), *yv = val(q, y);
		const int64_t *a;
		int64_t k[2], s[2] = { 1, 1 }, d[2] = { 1, 1 };
		struct enpu_op po;
		uint16_t pad[4];
		bool gap = op[0] == 'G';

		/* MaxPool also runs on a quantized tensor itself (QOperator). */
		xa = op[0] == 'M' && q->v[x0].kind == QK_ACT ? q->v[x0].act :
		     view_in(q, x0, &xs);
		if (xa < 0 || xv->rank != 4)
			return nosup(q, ni, "input is not a quantized 2-D image");
		if (n->n_outputs > 1 && n->outputs[1] >= 0)
			return nosup(q, ni, "Indices output not supported");
		op_init(&po, gap ? ENPU_OP_GLOBAL_AVGPOOL :
			op[0] == 'M' ? ENPU_OP_MAXPOOL : ENPU_OP_AVGPOOL);
		po.in[0] = (uint32_t)xa;
		if (!gap) {
			if (ir_attr_ints(n, "kernel_shape", &a) != 2)
				return nosup(q, ni, "kernel_shape must be 2-D");
			k[0] = a[0];
			k[1] = a[1];
			if (ir_attr_ints(n, "strides", &a) == 2) {
				s[0] = a[0];
				s[1] = a[1];
			}
			if (ir_attr_ints(n, "dilations", &a) == 2 &&
			    (a[0] != 1 || a[1] != 1))
				return nosup(q, ni, "dilated pooling not supported");
			po.params.pool.kernel_h = (uint16_t)k[0];
			po.params.pool.kernel_w = (uint16_t)k[1];
			po.params.pool.stride_h = (uint16_t)s[0];
			po.params.pool.stride_w = (uint16_t)s[1];
			if (pads4(n, xv, k, s, d, pad, yv) ||
			    !window_fits(k, s, d, pad))
				return nosup(q, ni, "kernel, stride or padding beyond the ISA's limits");
			po.params.pool.pad_top = pad[0];
			po.params.pool.pad_left = pad[1];
			po.params.pool.pad_bottom = pad[2];
			po.params.pool.pad_right = pad[3];
			if (po.opcode == ENPU_OP_AVGPOOL)
				po.params.pool.count_include_pad =
					(uint32_t)ir_attr_int(n, "count_include_pad", 0);
		}
		if (po.opcode == ENPU_OP_MAXPOOL) {
			const struct qact *in = &q->acts[xa];
			int a2 = new_arena_act(q, yv, in->t.dtype,
					       in->t.zero_point);

			if (a2 < 0)
				return a2;
			po.out = (uint32_t)a2;
			po.act_min = qmin(in->t.dtype);
			po.act_max = qmax(in->t.dtype);
			r = emit(q, &po);
			if (r < 0)
				return r;
			*vy = q->v[x0];
			vy->act = a2;
			return 0;
		}
		{
			struct qpend *p = new_pend(q, ni, gap ? PEND_GAP :
						   PEND_AVGPOOL, y);

			if (!p)
				return -ENOMEM;
			p->op = po;
			p->real = calloc(1, sizeof(double));
			if (!p->real)
				return -ENOMEM;
			/* GLOBAL_AVGPOOL requantizes the plane sum. */
			p->real[0] = gap ? xs / ((double)xv->dims[2] * xv->dims[3]) :
				     xs;
		}
		return 0;
	}

	if (!strcmp(op, "Add") || !strcmp(op, "Mul")) {
		struct qpend *p;
		int x1 = n->inputs[1];

		xa = view_in(q, x0, &xs);
		xa1 = view_in(q, x1, &xs1);
		if (xa < 0 || xa1 < 0)
			return nosup(q, ni, "inputs are not quantized");
		p = new_pend(q, ni, op[0] == 'A' ? PEND_ADD : PEND_MUL, y);
		if (!p)
			return -ENOMEM;
		p->op.opcode = op[0] == 'A' ? ENPU_OP_ADD : ENPU_OP_MUL;
		p->op.in[0] = (uint32_t)xa;
		p->op.in[1] = (uint32_t)xa1;
		if (ir_value_numel(val(q, x1)) == ir_value_numel(val(q, y)) &&
		    ir_value_numel(val(q, x0)) == ir_value_numel(val(q, y)))
			p->op.params.eltwise.broadcast = 0;
		else if (ir_value_numel(val(q, x1)) == 1)
			p->op.params.eltwise.broadcast = 2;
		else
			return nosup(q, ni, "broadcast pattern not supported");
		p->real = calloc(2, sizeof(double));
		if (!p->real)
			return -ENOMEM;
		if (op[0] == 'A') {
			p->real[0] = xs;
			p->real[1] = xs1;
		} else {
			p->real[0] = (double)xs * xs1;
		}
		return 0;
	}

	if (!strcmp(op, "Concat")) {
		struct qpend *p;
		int64_t axis = ir_attr_int(n, "axis", 0);
		int i;

		if (n->n_inputs > 16)
			return nosup(q, ni, "too many inputs");
		p = new_pend(q, ni, PEND_CONCAT, y);
		if (!p)
			return -ENOMEM;
		p->real = calloc((size_t)n->n_inputs, sizeof(double));
		if (!p->real)
			return -ENOMEM;
		p->op.opcode = ENPU_OP_CONCAT;
		if (axis < 0)
			axis += p->shape.rank;
		p->op.params.concat.axis = (uint32_t)axis;
		for (i = 0; i < n->n_inputs; i++) {
			p->ins[i] = view_in(q, n->inputs[i], &xs);
			if (p->ins[i] < 0)
				return nosup(q, ni, "inputs are not quantized");
			p->real[i] = xs;
		}
		p->n_ins = n->n_inputs;
		return 0;
	}

	if (!strcmp(op, "Reshape") || !strcmp(op, "Flatten") ||
	    !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze") ||
	    !strcmp(op, "Identity")) {
		int a;

		if (q->v[x0].kind != QK_ACT)
			return nosup(q, ni, "input is not quantized");
		xa = q->v[x0].act;
		a = new_act(q, val(q, y), q->acts[xa].t.dtype,
			    q->acts[xa].t.zero_point, q->acts[xa].buf);
		if (a < 0)
			return a == -ENOMEM ? a : nosup(q, ni, "shape not supported");
		*vy = q->v[x0];
		vy->act = a;
		return 0;
	}

	return nosup(q, ni, "operator has no int8 lowering");
}

static void qc_free(struct qc *q)
{
	int i;

	for (i = 0; i < q->n_pends; i++) {
		free(q->pends[i].real);
		free(q->pends[i].wzp);
	}
	free(q->pends);
	free(q->v);
	free(q->acts);
	free(q->bufs);
	free(q->ops);
	free(q->quant);
	free(q->consts);
	cpu_plan_free(q->plan);
}

/* Liveness-based first-fit placement of arena buffers. */
static uint64_t place_arena(struct qc *q)
{
	int *order, i, j, n = 0;
	uint64_t top = 0;

	order = malloc(sizeof(int) * (size_t)(q->n_bufs + 1));
	if (!order)
		return UINT64_MAX;
	for (i = 0; i < q->n_bufs; i++)
		if (q->bufs[i].slot == QPROG_SLOT_ARENA && q->bufs[i].first >= 0)
			order[n++] = i;
	/* largest first */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && q->bufs[order[j]].size >
				     q->bufs[order[j - 1]].size; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		struct qbuf *b = &q->bufs[order[i]];
		uint64_t off = 0;
		bool moved = true;

		while (moved) {
			moved = false;
			for (j = 0; j < i; j++) {
				struct qbuf *o = &q->bufs[order[j]];

				if (o->last < b->first || b->last < o->first)
					continue;
				if (off < o->offset + o->size &&
				    o->offset < off + b->size) {
					off = (o->offset + o->size + 63) &
					      ~(uint64_t)63;
					moved = true;
				}
			}
		}
		b->offset = off;
		if (off + b->size > top)
			top = off + b->size;
	}
	free(order);
	return top;
}

static int build(struct qc *q, const struct ir_value *in, struct qprog **out)
{
	const struct ir_graph *g = q->g;
	struct enpu_cmdbuf_header *h;
	struct qprog *p;
	size_t toff, ooff, qoff, total;
	uint8_t *cb;
	int i;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->inputs = calloc((size_t)g->n_inputs + 1, sizeof(*p->inputs));
	p->outputs = calloc((size_t)g->n_outputs + 1, sizeof(*p->outputs));
	if (!p->inputs || !p->outputs) {
		qprog_free(p);
		return -ENOMEM;
	}
	p->n_inputs = g->n_inputs;
	p->n_outputs = g->n_outputs;

	for (i = 0; i < g->n_inputs; i++) {
		struct qprog_edge *ed = &p->inputs[i];
		int t = g->inputs[i];
		struct qv *v = &q->v[t];

		if (v->kind != QK_ACT) {
			qprog_free(p);
			return accel_seterr(q->e, -EOPNOTSUPP,
					    "input '%s' does not feed a quantized path",
					    g->tensors[t].name);
		}
		ed->tensor = t;
		ed->slot = QPROG_SLOT_IO + i;
		ed->isa_dtype = q->acts[v->act].t.dtype;
		ed->convert = in[i].dtype == IR_F32;
		ed->scale = v->scale;
		ed->zero_point = q->acts[v->act].t.zero_point;
		ed->shape = in[i];
		ed->shape.data = NULL;
		ed->qbytes = act_bytes(&q->acts[v->act]);
		if (q->bufs[q->acts[v->act].buf].slot != QPROG_SLOT_ARENA) {
			qprog_free(p);
			return accel_seterr(q->e, -EOPNOTSUPP,
					    "input '%s' used twice at the edge",
					    g->tensors[t].name);
		}
		q->bufs[q->acts[v->act].buf].slot = ed->slot;
	}
	for (i = 0; i < g->n_outputs; i++) {
		struct qprog_edge *ed = &p->outputs[i];
		int t = g->outputs[i];
		struct qv *v = &q->v[t];
		const struct ir_value *sv = val(q, t);
		struct qbuf *b;

		if (v->kind != QK_ACT) {
			qprog_free(p);
			return accel_seterr(q->e, -EOPNOTSUPP,
					    "output '%s' is not produced by a quantized path",
					    g->tensors[t].name);
		}
		b = &q->bufs[q->acts[v->act].buf];
		if (b->slot != QPROG_SLOT_ARENA) {
			qprog_free(p);
			return accel_seterr(q->e, -EOPNOTSUPP,
					    "output '%s' is an input, a constant or another output",
					    g->tensors[t].name);
		}
		ed->tensor = t;
		ed->slot = QPROG_SLOT_IO + g->n_inputs + i;
		ed->isa_dtype = q->acts[v->act].t.dtype;
		ed->convert = v->view;
		ed->scale = v->scale;
		ed->zero_point = q->acts[v->act].t.zero_point;
		ed->shape = *sv;
		ed->shape.data = NULL;
		ed->qbytes = act_bytes(&q->acts[v->act]);
		b->slot = ed->slot;
		b->offset = 0;
	}
	if (q->n_ops == 0) {
		qprog_free(p);
		return accel_seterr(q->e, -EOPNOTSUPP, "graph has no int8 operation");
	}
	p->arena_size = place_arena(q);
	if (p->arena_size == UINT64_MAX) {
		qprog_free(p);
		return -ENOMEM;
	}
	for (i = 0; i < q->n_acts; i++) {
		q->acts[i].t.slot = (uint32_t)q->bufs[q->acts[i].buf].slot;
		q->acts[i].t.offset = q->bufs[q->acts[i].buf].offset;
	}

	toff = sizeof(struct enpu_cmdbuf_header);
	ooff = toff + sizeof(struct enpu_tensor) * (size_t)q->n_acts;
	qoff = ooff + sizeof(struct enpu_op) * (size_t)q->n_ops;
	total = qoff + sizeof(struct enpu_quant) * (size_t)q->n_quant;
	if (total > ENPU_ISA_MAX_SIZE || q->n_acts > (int)ENPU_ISA_MAX_TENSORS ||
	    q->n_ops > (int)ENPU_ISA_MAX_OPS) {
		qprog_free(p);
		return accel_seterr(q->e, -EOPNOTSUPP, "graph too large for one command buffer");
	}
	cb = calloc(1, total);
	if (!cb) {
		qprog_free(p);
		return -ENOMEM;
	}
	h = (struct enpu_cmdbuf_header *)cb;
	h->magic = ENPU_ISA_MAGIC;
	h->version_major = ENPU_ISA_VERSION_MAJOR;
	h->version_minor = ENPU_ISA_VERSION_MINOR;
	h->header_size = sizeof(*h);
	h->total_size = (uint32_t)total;
	h->num_slots = (uint32_t)(QPROG_SLOT_IO + g->n_inputs + g->n_outputs);
	h->tensor_offset = (uint32_t)toff;
	h->tensor_size = sizeof(struct enpu_tensor);
	h->num_tensors = (uint32_t)q->n_acts;
	h->op_offset = (uint32_t)ooff;
	h->op_size = sizeof(struct enpu_op);
	h->num_ops = (uint32_t)q->n_ops;
	h->quant_offset = (uint32_t)qoff;
	h->quant_size = sizeof(struct enpu_quant);
	h->num_quant = (uint32_t)q->n_quant;
	for (i = 0; i < q->n_acts; i++)
		memcpy(cb + toff + sizeof(struct enpu_tensor) * (size_t)i,
		       &q->acts[i].t, sizeof(struct enpu_tensor));
	memcpy(cb + ooff, q->ops, sizeof(struct enpu_op) * (size_t)q->n_ops);
	if (q->n_quant)
		memcpy(cb + qoff, q->quant,
		       sizeof(struct enpu_quant) * (size_t)q->n_quant);
	p->cmdbuf = cb;
	p->cmdbuf_size = total;
	p->consts = q->consts;
	p->consts_size = q->n_consts ? q->n_consts : 1;
	if (!p->consts) {
		p->consts = calloc(1, 64);
		if (!p->consts) {
			qprog_free(p);
			return -ENOMEM;
		}
	}
	q->consts = NULL;
	p->num_slots = h->num_slots;
	p->n_ops = q->n_ops;
	*out = p;
	return 0;
}

int qprog_compile(const struct ir_graph *g, const struct ir_value *in,
		  int n_in, struct qprog **out, struct accel_err *e)
{
	struct qc q = { .g = g, .e = e, .n_in = n_in };
	int i, r, err = 0;

	*out = NULL;
	if (n_in != g->n_inputs)
		return accel_seterr(e, -EINVAL, "model has %d inputs, %d given",
				    g->n_inputs, n_in);
	/* Shapes and folded constants come from the float planner. */
	q.plan = cpu_plan_create(g, in, n_in, e, &err);
	if (!q.plan)
		return err;
	q.v = calloc((size_t)g->n_tensors + 1, sizeof(*q.v));
	if (!q.v) {
		qc_free(&q);
		return -ENOMEM;
	}
	for (i = 0; i < g->n_tensors; i++) {
		const struct ir_value *v = val(&q, i);

		if (g->tensors[i].kind == IR_TENSOR_CONST || (v && v->data)) {
			q.v[i].kind = QK_CONST;
			q.v[i].cdtype = v ? v->dtype : g->tensors[i].dtype;
			q.v[i].cdata = v ? v->data : g->tensors[i].data;
		}
	}
	/* Quantized graph inputs (QOperator models) enter as activations
	 * whose scale the first consumer defines. */
	for (i = 0; i < g->n_inputs; i++) {
		struct qv *v = &q.v[g->inputs[i]];

		if (in[i].dtype != IR_U8 && in[i].dtype != IR_I8)
			continue;
		v->kind = QK_ACT;
		v->act = new_arena_act(&q, &in[i], isa_dtype(in[i].dtype), 0);
		if (v->act < 0) {
			qc_free(&q);
			return accel_seterr(e, -EOPNOTSUPP, "input '%s': shape not supported",
					    g->tensors[g->inputs[i]].name);
		}
	}
	for (i = 0; i < g->n_nodes; i++) {
		r = lower_node(&q, i);
		if (r) {
			qc_free(&q);
			return r;
		}
	}
	r = build(&q, in, out);
	qc_free(&q);
	return r;
}

void qprog_free(struct qprog *p)
{
	if (!p)
		return;
	free(p->cmdbuf);
	free(p->consts);
	free(p->inputs);
	free(p->outputs);
	free(p);
}

int qprog_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift)
{
	int e;
	double f;
	int64_t m;

	*multiplier = 0;
	*shift = 0;
	if (!(real > 0) || !isfinite(real))
		return real == 0 ? 0 : -ERANGE;
	f = frexp(real, &e);	/* real = f * 2^e, f in [0.5, 1) */
	m = (int64_t)nearbyint(f * 2147483648.0);
	if (m == 2147483648LL) {
		m /= 2;
		e++;
	}
	/* real = m * 2^(e - 31) = m * 2^-(31 + shift) */
	if (-e > 32)
		return 0;	/* too small: contributes nothing */
	if (-e < -31)
		return -ERANGE;
	*multiplier = (int32_t)m;
	*shift = -e;
	return 0;
}

void qprog_quantize(const float *x, void *q, size_t n, int isa_dtype,
		    float scale, int32_t zp)
{
	int lo = qmin(isa_dtype), hi = qmax(isa_dtype);
	size_t i;

	for (i = 0; i < n; i++) {
		float v = nearbyintf(x[i] / scale) + (float)zp;

		if (!(v >= lo))
			v = (float)lo;	/* also NaN */
		if (v > hi)
			v = (float)hi;
		if (isa_dtype == ENPU_DTYPE_S8)
			((int8_t *)q)[i] = (int8_t)v;
		else
			((uint8_t *)q)[i] = (uint8_t)v;
	}
}

void qprog_dequantize(const void *q, float *x, size_t n, int isa_dtype,
		      float scale, int32_t zp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int32_t v = isa_dtype == ENPU_DTYPE_S8 ? ((const int8_t *)q)[i] :
			    ((const uint8_t *)q)[i];

		x[i] = (float)(v - zp) * scale;
	}
}
