// SPDX-License-Identifier: MIT
/*
 * Activations: Relu and Clip (fused clamp or a clamping table), Sigmoid,
 * Tanh, LeakyRelu (256-entry tables) and Softmax; finalization builds the tables.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compile/qcompile_internal.h"

int qc_lower_clamp(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	struct qv *vy = &q->v[y];
	const char *op = n->op_type;
	float xs = 0;
	int xa;
	double lo = 0, hi = INFINITY;

	if (!strcmp(op, "Clip")) {
		float f;

		lo = -INFINITY;
		if (n->n_inputs > 1 && n->inputs[1] >= 0) {
			if (qc_const_f32(q, n->inputs[1], &f))
				return qc_nosup(q, ni, "min must be constant");
			lo = f;
		} else if (n->n_inputs == 1) {
			lo = ir_attr_float(n, "min", -INFINITY);
		}
		if (n->n_inputs > 2 && n->inputs[2] >= 0) {
			if (qc_const_f32(q, n->inputs[2], &f))
				return qc_nosup(q, ni, "max must be constant");
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
	xa = qc_view_in(q, x0, &xs);
	if (xa < 0)
		return qc_nosup(q, ni, "input is not quantized");
	{
		struct qpend *p = qc_new_pend(q, ni, PEND_LUT, y);

		if (!p)
			return -ENOMEM;
		p->op.opcode = ENPU_OP_LUT;
		p->op.in[0] = (uint32_t)xa;
		p->fn = LUT_CLAMP;
		p->lo = lo;
		p->hi = hi;
		p->real = calloc(1, sizeof(double));
		if (!p->real)
			return -ENOMEM;
		p->real[0] = xs;
	}
	return 0;
}

int qc_lower_lut(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	const char *op = n->op_type;
	float xs = 0;
	int xa;
	struct qpend *p;
	bool sm = op[0] == 'S' && op[1] == 'o';

	xa = qc_view_in(q, x0, &xs);
	if (xa < 0)
		return qc_nosup(q, ni, "input is not quantized");
	if (sm) {
		int64_t axis = ir_attr_int(n, "axis", q->g->opset >= 13 ? -1 : 1);
		int rank = q->acts[xa].t.rank;

		if (axis < 0)
			axis += rank;
		if (axis != rank - 1)
			return qc_nosup(q, ni, "softmax only along the last axis");
	}
	p = qc_new_pend(q, ni, sm ? PEND_SOFTMAX : PEND_LUT, y);
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


/* Softmax: the exp(-i * scale) table (Q16) and the output scale. */
int qc_finalize_softmax(struct qc *q, struct qpend *p, float ys, int32_t yzp)
{
	struct enpu_op *op = &p->op;
	int32_t tab[256];
	int64_t dims[1] = { 256 };
	int i, r;

	(void)yzp;
	for (i = 0; i < 256; i++)
		tab[i] = (int32_t)nearbyint(65536.0 *
					    exp(-i * p->real[0]));
	r = qc_const_act(q, tab, sizeof(tab), ENPU_DTYPE_S32, 1, dims, 0);
	if (r < 0)
		return r;
	op->in[1] = (uint32_t)r;
	op->quant_index = (uint32_t)q->n_quant;
	op->quant_count = 1;
	r = qc_add_quant(q, 1.0 / (32768.0 * ys), 0);
	if (r < 0)
		return r == -ENOMEM ? r :
		       qc_nosup(q, p->node, "scale out of range");
	return 0;
}

/* LUT activations: the 256-entry table from input to output quantization. */
int qc_finalize_lut(struct qc *q, struct qpend *p, float ys, int32_t yzp)
{
	struct enpu_op *op = &p->op;
	const struct qact *in = &q->acts[op->in[0]];
	int odt = q->acts[op->out].t.dtype, i, r;
	uint8_t tab[256];
	int64_t dims[1] = { 256 };

	for (i = 0; i < 256; i++) {
		int qv = in->t.dtype == ENPU_DTYPE_S8 ? i - 128 : i;
		double x = (qv - in->t.zero_point) * p->real[0], yv;

		switch (p->fn) {
		case LUT_SIGMOID: yv = 1 / (1 + exp(-x)); break;
		case LUT_TANH: yv = tanh(x); break;
		case LUT_LEAKY: yv = x < 0 ? x * p->alpha : x; break;
		default: yv = x; break;	/* LUT_CLAMP */
		}
		yv = fmin(fmax(yv, p->lo), p->hi);
		yv = nearbyint((double)(float)(yv / ys)) + yzp;
		yv = fmin(fmax(yv, qc_qmin(odt)), qc_qmax(odt));
		tab[i] = (uint8_t)(int)yv;
	}
	r = qc_const_act(q, tab, sizeof(tab), odt, 1, dims, 0);
	if (r < 0)
		return r;
	op->in[1] = (uint32_t)r;
	op->act_min = qc_qmin(odt);
	op->act_max = qc_qmax(odt);
	return 0;
}
