// SPDX-License-Identifier: MIT
/*
 * Add and Mul of two quantized activations, or of one and a constant
 * (quantized into the constants when it is not already); finalization:
 * Add's input and output rescaling.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compile/qcompile_internal.h"

/* The ISA's ADD/MUL take in[0] (and in[1] unless broadcast) at the output's
 * exact shape, not merely its element count. */
static bool same_dims(const struct ir_value *a, const struct ir_value *b)
{
	return a->rank == b->rank &&
	       !memcmp(a->dims, b->dims, (size_t)a->rank * sizeof(a->dims[0]));
}

/* Largest constant operand expanded to the output's shape, in elements. */
#define QC_ELT_CONST_MAX	(1 << 20)

/*
 * How constant @c (ONNX-broadcast to @y) enters ADD/MUL: 0 at y's shape
 * (*expand: from a smaller shape), 1 one value per channel (dims[1]), 2 one
 * value; -1 when it does not broadcast to y.
 */
static int const_broadcast(const struct ir_value *c, const struct ir_value *y,
			   bool *expand)
{
	int64_t n = ir_value_numel(c);
	int d, off = y->rank - c->rank, chan = 1;

	*expand = false;
	if (off < 0)
		return -1;
	for (d = 0; d < c->rank; d++)
		if (c->dims[d] != 1 && c->dims[d] != y->dims[off + d])
			return -1;
	if (n == 1)
		return 2;
	if (same_dims(c, y))
		return 0;
	/* every extent 1 but the channel axis: one value per channel */
	for (d = 0; d < c->rank; d++)
		if (c->dims[d] != 1 && off + d != 1)
			chan = 0;
	if (chan && y->rank >= 2 && n == y->dims[1])
		return 1;
	*expand = true;
	return ir_value_numel(y) <= QC_ELT_CONST_MAX ? 0 : -1;
}

/*
 * Quantize the real value @r at (@scale, @zp) into [@lo, @hi], rounding
 * half to even as QuantizeLinear does.
 */
static int32_t quantize_one(double r, double scale, int32_t zp, int lo, int hi)
{
	double v = nearbyint(r / scale) + zp;

	return (int32_t)fmin(fmax(v, lo), hi);
}

/*
 * The constant input @t of Add/Mul (a DequantizeLinear of an initializer, or
 * a float initializer) as an ISA tensor in the constants, laid out for
 * @mode (const_broadcast(); @expand: repeated to y's shape), of dtype
 * @isadt unless it keeps its own quantization.  A per-tensor int8/uint8
 * constant keeps its quanta and scale, so the result is what ONNX Runtime's
 * QDQ Add/Mul computes; any other (float, per-channel scales) is quantized
 * here over the range of its values and 0, each value within half a step
 * of its own.  Returns the act and its scale in *@scale.
 */
static int const_operand(struct qc *q, int t, const struct ir_value *y,
			 int mode, bool expand, int isadt, float *scale)
{
	const struct qv *c = &q->v[t];
	const struct ir_value *v = qc_val(q, t);
	int64_t dims[ENPU_ISA_MAX_DIMS], n, i, k, idx, rem;
	bool keep = c->cscales && c->nscales == 1 &&
		    (c->cdtype == IR_I8 || c->cdtype == IR_U8);
	double lo = 0, hi = 0, r, sc;
	int32_t zp = 0;
	int rank, d, off, a, qlo, qhi;
	uint8_t *buf;

	if (!v || !c->cdata || y->rank > ENPU_ISA_MAX_DIMS ||
	    (c->cdtype != IR_F32 && !(c->cscales &&
	    (c->cdtype == IR_I8 || c->cdtype == IR_U8))))
		return -EOPNOTSUPP;
	if (keep) {
		isadt = qc_isa_dtype(c->cdtype);
		zp = c->czp ? qc_elem_i32(c->czp, c->cdtype, 0) : 0;
		sc = c->cscales[0];
	}
	qlo = qc_qmin(isadt);
	qhi = qc_qmax(isadt);
	if (mode == 2) {
		rank = 1;
		dims[0] = 1;
	} else if (mode == 1) {
		rank = 1;
		dims[0] = y->dims[1];
	} else {
		rank = y->rank;
		memcpy(dims, y->dims, sizeof(dims[0]) * (size_t)rank);
	}
	n = 1;
	for (d = 0; d < rank; d++)
		n *= dims[d];
	if (!keep) {
		for (i = 0; i < ir_value_numel(v); i++) {
			r = qc_const_real(c, v, (size_t)i);
			if (!isfinite(r))
				return -EOPNOTSUPP;
			lo = fmin(lo, r);
			hi = fmax(hi, r);
		}
		sc = (float)((hi - lo) / (qhi - qlo));
		if (!(sc > 1e-30))
			sc = 1;		/* all zero */
		/* one sign: the range's far end is a quantum exactly */
		zp = lo == 0 ? qlo : hi == 0 ? qhi :
		     (int32_t)fmin(fmax(nearbyint(qlo - lo / sc), qlo), qhi);
	}
	buf = malloc((size_t)n);
	if (!buf)
		return -ENOMEM;
	off = y->rank - v->rank;
	for (i = 0; i < n; i++) {
		/* the constant's element that broadcasts to y's element i */
		if (mode == 2) {
			idx = 0;
		} else if (mode == 1 || !expand) {
			idx = i;
		} else {
			idx = 0;
			rem = i;
			for (d = y->rank - 1, k = 1; d >= 0; d--) {
				int64_t yi = rem % y->dims[d];

				rem /= y->dims[d];
				if (d >= off) {
					int64_t cd = v->dims[d - off];

					idx += (cd == 1 ? 0 : yi) * k;
					k *= cd;
				}
			}
		}
		if (keep)
			buf[i] = (uint8_t)qc_elem_i32(c->cdata, c->cdtype, (size_t)idx);
		else
			buf[i] = (uint8_t)quantize_one(qc_const_real(c, v, (size_t)idx),
						       sc, zp, qlo, qhi);
	}
	a = qc_const_act(q, buf, (size_t)n, isadt, rank, dims, zp);
	free(buf);
	*scale = (float)sc;
	return a;
}

int qc_lower_eltwise(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	const char *op = n->op_type;
	float xs = 0, xs1 = 0;
	int xa, xa1, mode;
	struct qpend *p;
	int x1 = n->inputs[1];
	bool expand;

	xa = qc_view_in(q, x0, &xs);
	xa1 = qc_view_in(q, x1, &xs1);
	/* Add and Mul commute: the activation first, a constant second */
	if (xa < 0 && xa1 >= 0 && q->v[x0].kind == QK_CONST) {
		int t = x0;

		x0 = x1;
		x1 = t;
		xa = xa1;
		xs = xs1;
		xa1 = -1;
	}
	if (xa >= 0 && xa1 < 0 && q->v[x1].kind == QK_CONST) {
		if (!same_dims(qc_val(q, x0), qc_val(q, y)))
			return qc_nosup(q, ni, "broadcast pattern not supported");
		mode = const_broadcast(qc_val(q, x1), qc_val(q, y), &expand);
		if (mode < 0)
			return qc_nosup(q, ni, "constant does not broadcast to the output");
		xa1 = const_operand(q, x1, qc_val(q, y), mode, expand,
				    q->acts[xa].t.dtype, &xs1);
		if (xa1 == -ENOMEM)
			return xa1;
		if (xa1 < 0)
			return qc_nosup(q, ni, "constant input not quantizable");
	} else {
		mode = -1;
	}
	if (xa < 0 || xa1 < 0)
		return qc_nosup(q, ni, "inputs are not quantized");
	p = qc_new_pend(q, ni, op[0] == 'A' ? PEND_ADD : PEND_MUL, y);
	if (!p)
		return -ENOMEM;
	p->op.opcode = op[0] == 'A' ? ENPU_OP_ADD : ENPU_OP_MUL;
	p->op.in[0] = (uint32_t)xa;
	p->op.in[1] = (uint32_t)xa1;
	if (!same_dims(qc_val(q, x0), qc_val(q, y)))
		return qc_nosup(q, ni, "broadcast pattern not supported");
	if (mode >= 0)
		p->op.params.eltwise.broadcast = (uint32_t)mode;
	else if (same_dims(qc_val(q, x1), qc_val(q, y)))
		p->op.params.eltwise.broadcast = 0;
	else if (ir_value_numel(qc_val(q, x1)) == 1)
		p->op.params.eltwise.broadcast = 2;
	else
		return qc_nosup(q, ni, "broadcast pattern not supported");
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

/*
 * Add: both inputs rescaled (left-shifted by 20) to twice the larger input
 * scale, then one output requantization.
 */
int qc_finalize_add(struct qc *q, struct qpend *p, float ys, int32_t yzp)
{
	struct enpu_op *op = &p->op;
	double s0 = p->real[0], s1 = p->real[1];
	double twice = 2 * fmax(s0, s1);
	int32_t m, s;
	int r;

	(void)yzp;
	op->params.eltwise.left_shift = 20;
	if (qprog_quantize_multiplier(s0 / twice, &m, &s))
		return qc_nosup(q, p->node, "scale out of range");
	op->params.eltwise.in_multiplier[0] = m;
	op->params.eltwise.in_shift[0] = s;
	if (qprog_quantize_multiplier(s1 / twice, &m, &s))
		return qc_nosup(q, p->node, "scale out of range");
	op->params.eltwise.in_multiplier[1] = m;
	op->params.eltwise.in_shift[1] = s;
	op->quant_index = (uint32_t)q->n_quant;
	op->quant_count = 1;
	r = qc_add_quant(q, twice / ((double)(1 << 20) * ys), 0);
	if (r < 0)
		return r == -ENOMEM ? r :
		       qc_nosup(q, p->node, "scale out of range");
	return 0;
}

/*
 * Add: MatMul followed by Add of a constant is an FC with a bias (conv.c);
 * any other Add is element-wise.
 */
int qc_lower_add(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];

	if (q->v[x0].kind == QK_PEND &&
	    q->pends[q->v[x0].pend].kind == PEND_FC &&
	    q->pends[q->v[x0].pend].op.in[2] == ENPU_NO_TENSOR &&
	    n->n_inputs > 1 && q->v[n->inputs[1]].kind == QK_CONST)
		return qc_lower_matmul_bias(q, ni, x0, y);
	return qc_lower_eltwise(q, ni, x0, y);
}
