// SPDX-License-Identifier: MIT
/*
 * MaxPool, AveragePool and GlobalAveragePool.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compile/qcompile_internal.h"

int qc_lower_pool(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	struct qv *vy = &q->v[y];
	const char *op = n->op_type;
	float xs = 0;
	int xa, r;
	const struct ir_value *xv = qc_val(q, x0), *yv = qc_val(q, y);
	const int64_t *a;
	int64_t k[2], s[2] = { 1, 1 }, d[2] = { 1, 1 };
	struct enpu_op po;
	uint16_t pad[4];
	bool gap = op[0] == 'G';

	/* MaxPool also runs on a quantized tensor itself (QOperator). */
	xa = op[0] == 'M' && q->v[x0].kind == QK_ACT ? q->v[x0].act :
	     qc_view_in(q, x0, &xs);
	if (xa < 0 || xv->rank != 4)
		return qc_nosup(q, ni, "input is not a quantized 2-D image");
	if (n->n_outputs > 1 && n->outputs[1] >= 0)
		return qc_nosup(q, ni, "Indices output not supported");
	qc_op_init(&po, gap ? ENPU_OP_GLOBAL_AVGPOOL :
		   op[0] == 'M' ? ENPU_OP_MAXPOOL : ENPU_OP_AVGPOOL);
	po.in[0] = (uint32_t)xa;
	if (!gap) {
		if (ir_attr_ints(n, "kernel_shape", &a) != 2)
			return qc_nosup(q, ni, "kernel_shape must be 2-D");
		k[0] = a[0];
		k[1] = a[1];
		if (ir_attr_ints(n, "strides", &a) == 2) {
			s[0] = a[0];
			s[1] = a[1];
		}
		if (ir_attr_ints(n, "dilations", &a) == 2 &&
		    (a[0] != 1 || a[1] != 1))
			return qc_nosup(q, ni, "dilated pooling not supported");
		po.params.pool.kernel_h = (uint16_t)k[0];
		po.params.pool.kernel_w = (uint16_t)k[1];
		po.params.pool.stride_h = (uint16_t)s[0];
		po.params.pool.stride_w = (uint16_t)s[1];
		if (qc_pads4(n, xv, k, s, d, pad, yv, true) ||
		    !qc_window_fits(k, s, d, pad))
			return qc_nosup(q, ni, "kernel, stride or padding beyond the ISA's limits");
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
		int a2 = qc_new_arena_act(q, yv, in->t.dtype,
					  in->t.zero_point);

		if (a2 < 0)
			return a2;
		po.out = (uint32_t)a2;
		po.act_min = qc_qmin(in->t.dtype);
		po.act_max = qc_qmax(in->t.dtype);
		r = qc_emit(q, &po);
		if (r < 0)
			return r;
		*vy = q->v[x0];
		vy->act = a2;
		return 0;
	}
	{
		struct qpend *p = qc_new_pend(q, ni, gap ? PEND_GAP :
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
