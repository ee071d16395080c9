// SPDX-License-Identifier: MIT
/*
 * Add and Mul of two quantized activations; finalization: Add's input and
 * output rescaling.
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

int qc_lower_eltwise(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	const char *op = n->op_type;
	float xs = 0, xs1 = 0;
	int xa, xa1;
	struct qpend *p;
	int x1 = n->inputs[1];

	xa = qc_view_in(q, x0, &xs);
	xa1 = qc_view_in(q, x1, &xs1);
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
	if (same_dims(qc_val(q, x1), qc_val(q, y)))
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
