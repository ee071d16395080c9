// SPDX-License-Identifier: MIT
/*
 * Concat along one axis: each input requantized into its slice of the output.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compile/qcompile_internal.h"

int qc_lower_concat(struct qc *q, int ni, int x0, int y)
{
	/* every input, x0 included, is read in the loop below */
	(void)x0;
	const struct ir_node *n = &q->g->nodes[ni];
	float xs = 0;
	struct qpend *p;
	int64_t axis = ir_attr_int(n, "axis", 0);
	int i;

	if (n->n_inputs > 16)
		return qc_nosup(q, ni, "too many inputs");
	p = qc_new_pend(q, ni, PEND_CONCAT, y);
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
		p->ins[i] = qc_view_in(q, n->inputs[i], &xs);
		if (p->ins[i] < 0)
			return qc_nosup(q, ni, "inputs are not quantized");
		p->real[i] = xs;
	}
	p->n_ins = n->n_inputs;
	return 0;
}


/* Concat: one requantizing copy per input, emitted here (QC_EMITTED). */
int qc_finalize_concat(struct qc *q, struct qpend *p, float ys, int32_t yzp)
{
	struct enpu_op *op = &p->op;
	uint32_t off = 0, axis = op->params.concat.axis;
	int i, r;

	(void)yzp;
	for (i = 0; i < p->n_ins; i++) {
		struct enpu_op c = *op;
		const struct qact *in = &q->acts[p->ins[i]];

		c.in[0] = (uint32_t)p->ins[i];
		c.params.concat.offset = off;
		off += in->t.dims[axis];
		c.quant_index = (uint32_t)q->n_quant;
		c.quant_count = 1;
		r = qc_add_quant(q, p->real[i] / ys, 0);
		if (r < 0)
			return r == -ENOMEM ? r :
			       qc_nosup(q, p->node, "scale out of range");
		r = qc_emit(q, &c);
		if (r < 0)
			return r;
	}
	return QC_EMITTED;
}
