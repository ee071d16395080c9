// SPDX-License-Identifier: MIT
/*
 * QuantizeLinear and DequantizeLinear: the edges of the integer world.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compile/qcompile_internal.h"

int qc_lower_quantize(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	struct qv *vy = &q->v[y];
	float xs = 0, xs1 = 0;
	int xa, r;
	int zdt, a;
	int32_t zp;

	if (qc_const_scale(q, n->inputs[1], &xs1) ||
	    qc_const_zp(q, n->n_inputs > 2 ? n->inputs[2] : -1, IR_U8,
		     &zdt, &zp) || !qc_isa_dtype(zdt) || zdt == IR_I32)
		return qc_nosup(q, ni, "needs constant per-tensor scale and zero point");
	if (q->v[x0].kind == QK_PEND) {
		a = qc_new_arena_act(q, qc_val(q, y), qc_isa_dtype(zdt), zp);
		if (a < 0)
			return a == -ENOMEM ? a : qc_nosup(q, ni, "shape not supported");
		r = qc_finalize(q, q->v[x0].pend, a, xs1, zp);
		if (r)
			return r;
	} else if ((xa = qc_view_in(q, x0, &xs)) >= 0) {
		if (xs == xs1 && q->acts[xa].t.zero_point == zp &&
		    q->acts[xa].t.dtype == qc_isa_dtype(zdt)) {
			a = xa;	/* Q(DQ(x)) with the same parameters */
		} else {
			struct qpend *p = qc_new_pend(q, ni, PEND_COPY, y);

			if (!p)
				return -ENOMEM;
			p->op.opcode = ENPU_OP_COPY;
			p->op.in[0] = (uint32_t)xa;
			p->real = calloc(1, sizeof(double));
			if (!p->real)
				return -ENOMEM;
			p->real[0] = xs;
			a = qc_new_arena_act(q, qc_val(q, y), qc_isa_dtype(zdt), zp);
			if (a < 0)
				return a;
			r = qc_finalize(q, q->n_pends - 1, a, xs1, zp);
			if (r)
				return r;
		}
	} else if (q->v[x0].kind == QK_NONE &&
		   q->g->tensors[x0].kind == IR_TENSOR_INPUT) {
		/* Graph edge: quantized on the host. */
		a = qc_new_arena_act(q, qc_val(q, y), qc_isa_dtype(zdt), zp);
		if (a < 0)
			return a;
		q->v[x0].kind = QK_ACT;
		q->v[x0].act = a;
		q->v[x0].scale = xs1;
		q->v[x0].zp = zp;
	} else {
		return qc_nosup(q, ni, "input is not a quantizable value");
	}
	vy->kind = QK_ACT;
	vy->view = false;
	vy->act = a;
	vy->scale = xs1;
	vy->zp = zp;
	return 0;
}

int qc_lower_dequantize(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	struct qv *vy = &q->v[y];
	float xs = 0;
	const struct ir_value *sv = qc_val(q, n->inputs[1]);
	int zdt;
	int32_t zp;

	if (q->v[x0].kind == QK_ACT && !q->v[x0].view) {
		if (qc_const_scale(q, n->inputs[1], &xs) ||
		    qc_const_zp(q, n->n_inputs > 2 ? n->inputs[2] : -1,
			     IR_U8, &zdt, &zp))
			return qc_nosup(q, ni, "needs constant per-tensor scale");
		/*
		 * The zero point lives in the ISA tensor: a quantized graph
		 * input takes it from its first consumer; anywhere else it
		 * must be the producer's.
		 */
		if (q->v[x0].scale == 0) {
			q->v[x0].scale = xs;
			q->v[x0].zp = zp;
			q->acts[q->v[x0].act].t.zero_point = zp;
		} else if (q->acts[q->v[x0].act].t.zero_point != zp) {
			return qc_nosup(q, ni, "zero point differs from its producer's");
		}
		*vy = q->v[x0];
		vy->view = true;
		vy->scale = xs;
		vy->zp = zp;
		return 0;
	}
	if (q->v[x0].kind == QK_CONST && sv && sv->data &&
	    sv->dtype == IR_F32) {
		const struct ir_value *xv = qc_val(q, x0);
		const struct ir_value *zv = n->n_inputs > 2 ?
			qc_val(q, n->inputs[2]) : NULL;
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
				return qc_nosup(q, ni, "scales must be positive and finite");
		if (!vy->cscales || vy->nscales < 1 ||
		    (vy->nscales > 1 && (axis >= xv->rank ||
		     xv->dims[axis] != vy->nscales)) ||
		    (zv && (!zv->data || zv->dtype != xv->dtype)))
			return qc_nosup(q, ni, "quantization parameters do not fit the tensor");
		return 0;
	}
	return qc_nosup(q, ni, "input is not a quantized tensor");
}
