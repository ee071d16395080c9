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

#include "memplan/memplan.h"
#include "ops/ops_util.h"
#include "compile/qcompile_internal.h"

int qc_grow(void **p, int *cap, int need, size_t elem)
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


int qc_nosup(struct qc *q, int node, const char *why)
{
	const struct ir_node *n = &q->g->nodes[node];

	return accel_seterr(q->e, -EOPNOTSUPP, "node '%s' (%s): %s", n->name,
			    n->op_type, why);
}

const struct ir_value *qc_val(struct qc *q, int t)
{
	return t < 0 ? NULL : shape_value(q->shapes, t);
}

int qc_isa_dtype(int irdt)
{
	return irdt == IR_I8 ? ENPU_DTYPE_S8 :
	       irdt == IR_U8 ? ENPU_DTYPE_U8 :
	       irdt == IR_I32 ? ENPU_DTYPE_S32 : 0;
}

int qc_qmin(int isadt)
{
	return isadt == ENPU_DTYPE_S8 ? -128 : 0;
}

int qc_qmax(int isadt)
{
	return isadt == ENPU_DTYPE_S8 ? 127 : 255;
}

/* A new logical buffer of @size bytes in @slot (arena by default). */
int qc_new_buf(struct qc *q, uint64_t size, int slot)
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
int qc_new_act(struct qc *q, const struct ir_value *shape, int dtype,
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

uint64_t qc_act_bytes(const struct qact *a)
{
	uint64_t n = a->t.dtype == ENPU_DTYPE_S32 ? 4 : 1;
	int i;

	for (i = 0; i < ENPU_ISA_MAX_DIMS; i++)
		n *= a->t.dims[i];
	return n;
}

/* A fresh activation with its own arena buffer. */
int qc_new_arena_act(struct qc *q, const struct ir_value *shape, int dtype,
			 int32_t zp)
{
	int64_t n = ir_value_numel(shape);
	int b;

	if (n <= 0)
		return -EOPNOTSUPP;
	b = qc_new_buf(q, (uint64_t)n * (dtype == ENPU_DTYPE_S32 ? 4 : 1),
		       QPROG_SLOT_ARENA);
	if (b < 0)
		return b;
	return qc_new_act(q, shape, dtype, zp, b);
}

/* Append constant bytes (64-byte aligned) and describe them as a tensor. */
int qc_const_act(struct qc *q, const void *data, size_t bytes, int dtype,
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
	b = qc_new_buf(q, bytes, QPROG_SLOT_CONST);
	if (b < 0)
		return b;
	q->bufs[b].offset = off;
	a = qc_new_act(q, &shape, dtype, zp, b);
	return a;
}

int qc_add_quant(struct qc *q, double real, int32_t wzp)
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

int qc_emit(struct qc *q, const struct enpu_op *op)
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

void qc_op_init(struct enpu_op *op, uint32_t opcode)
{
	memset(op, 0, sizeof(*op));
	op->opcode = opcode;
	op->in[0] = op->in[1] = op->in[2] = ENPU_NO_TENSOR;
}

/* Scalar float of a constant (scale inputs). */
int qc_const_f32(struct qc *q, int t, float *out)
{
	const struct ir_value *v = qc_val(q, t);

	if (!v || !v->data || v->dtype != IR_F32 || ir_value_numel(v) != 1)
		return -EOPNOTSUPP;
	*out = *(const float *)v->data;
	return 0;
}

/* A quantization scale: a positive, finite float constant. */
int qc_const_scale(struct qc *q, int t, float *out)
{
	if (qc_const_f32(q, t, out) || !isfinite(*out) || !(*out > 0) ||
	    *out < 1e-30f)
		return -EOPNOTSUPP;
	return 0;
}

int qc_const_zp(struct qc *q, int t, int dtype_if_absent, int *dtype,
		    int32_t *zp)
{
	const struct ir_value *v = qc_val(q, t);

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

int32_t qc_elem_i32(const void *p, int dtype, size_t i)
{
	switch (dtype) {
	case IR_U8: return ((const uint8_t *)p)[i];
	case IR_I8: return ((const int8_t *)p)[i];
	case IR_I32: return ((const int32_t *)p)[i];
	default: return 0;
	}
}

/* Real value of element i of a QK_CONST tensor (c: its qv, shape v). */
double qc_const_real(const struct qv *c, const struct ir_value *v,
			 size_t i)
{
	size_t ch = 0, inner = 1;
	int d;

	if (c->cdtype == IR_F32)
		return ((const float *)c->cdata)[i];
	if (!c->cscales)	/* a plain integer constant */
		return qc_elem_i32(c->cdata, c->cdtype, i);
	if (c->nscales > 1) {
		for (d = c->caxis + 1; d < v->rank; d++)
			inner *= (size_t)v->dims[d];
		ch = (i / inner) % (size_t)c->nscales;
	}
	return ((double)qc_elem_i32(c->cdata, c->cdtype, i) -
		(c->czp ? qc_elem_i32(c->czp, c->cdtype,
				   c->nzp == 1 ? 0 : ch) : 0)) *
	       c->cscales[ch];
}

/* Quantized activation input: the ISA tensor behind graph tensor t. */
int qc_act_of(struct qc *q, int t, bool want_view)
{
	if (t < 0 || q->v[t].kind != QK_ACT || q->v[t].view != want_view)
		return -1;
	return q->v[t].act;
}

struct qpend *qc_new_pend(struct qc *q, int node, enum pend_kind kind,
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
	qc_op_init(&p->op, 0);
	p->shape = *qc_val(q, out_tensor);
	p->shape.data = NULL;
	q->v[out_tensor].kind = QK_PEND;
	q->v[out_tensor].pend = q->n_pends++;
	return p;
}

/* Emit a pending op now that its output quantization is known. */
int qc_finalize(struct qc *q, int pi, int out_act, float ys, int32_t yzp)
{
	struct qpend *p = &q->pends[pi];
	struct enpu_op *op = &p->op;
	int odt = q->acts[out_act].t.dtype, r;
	double lo, hi;

	lo = p->lo / ys + yzp;
	hi = p->hi / ys + yzp;
	op->act_min = qc_qmin(odt);
	op->act_max = qc_qmax(odt);
	if (lo > op->act_min)	/* false for NaN */
		op->act_min = (int32_t)fmin(nearbyint(lo), qc_qmax(odt));
	if (hi < op->act_max)
		op->act_max = (int32_t)fmax(nearbyint(hi), qc_qmin(odt));
	/* Clip with min > max yields max everywhere (min applies first). */
	if (op->act_min > op->act_max)
		op->act_min = op->act_max;
	op->out = (uint32_t)out_act;

	/* The family's finalization (compile/qc_ops.c's table), then emit. */
	r = qc_finalize_kind(q, p, ys, yzp);
	if (r)
		return r == QC_EMITTED ? 0 : r;
	r = qc_emit(q, op);
	return r < 0 ? r : 0;
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
}

/*
 * Lay out the arena buffers (those an op uses) with the memory planner:
 * each live from its first to its last op, 64-byte aligned.  Returns the
 * arena size or UINT64_MAX when out of memory.
 */
static uint64_t place_arena(struct qc *q)
{
	struct memplan_buf *mb;
	int *idx, i, n = 0;
	size_t top = 0;

	mb = calloc((size_t)q->n_bufs + 1, sizeof(*mb));
	idx = malloc(sizeof(int) * (size_t)(q->n_bufs + 1));
	if (!mb || !idx) {
		free(mb);
		free(idx);
		return UINT64_MAX;
	}
	for (i = 0; i < q->n_bufs; i++)
		if (q->bufs[i].slot == QPROG_SLOT_ARENA && q->bufs[i].first >= 0) {
			mb[n].size = (size_t)q->bufs[i].size;
			mb[n].align = 64;
			mb[n].first = q->bufs[i].first;
			mb[n].last = q->bufs[i].last;
			idx[n++] = i;
		}
	if (memplan_place(mb, (size_t)n, &top))
		top = UINT64_MAX;
	else
		for (i = 0; i < n; i++)
			q->bufs[idx[i]].offset = mb[i].offset;
	free(mb);
	free(idx);
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
		ed->qbytes = qc_act_bytes(&q->acts[v->act]);
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
		const struct ir_value *sv = qc_val(q, t);
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
		ed->qbytes = qc_act_bytes(&q->acts[v->act]);
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

int qprog_compile(const struct ir_graph *g, const struct shape_pass *shapes,
		  const struct ir_value *in, int n_in, struct qprog **out,
		  struct accel_err *e)
{
	struct qc q = { .g = g, .shapes = shapes, .e = e, .n_in = n_in };
	int i, r;

	*out = NULL;
	if (n_in != g->n_inputs)
		return accel_seterr(e, -EINVAL, "model has %d inputs, %d given",
				    g->n_inputs, n_in);
	q.v = calloc((size_t)g->n_tensors + 1, sizeof(*q.v));
	if (!q.v) {
		qc_free(&q);
		return -ENOMEM;
	}
	for (i = 0; i < g->n_tensors; i++) {
		const struct ir_value *v = qc_val(&q, i);

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
		v->act = qc_new_arena_act(&q, &in[i], qc_isa_dtype(in[i].dtype), 0);
		if (v->act < 0) {
			qc_free(&q);
			return accel_seterr(e, -EOPNOTSUPP, "input '%s': shape not supported",
					    g->tensors[g->inputs[i]].name);
		}
	}
	for (i = 0; i < g->n_nodes; i++) {
		r = qc_lower_node(&q, i);
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

