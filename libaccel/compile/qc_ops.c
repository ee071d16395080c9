// SPDX-License-Identifier: MIT
/*
 * The int8 compiler's operator tables: which family file lowers each ONNX
 * operator (qc_ops[], sorted by op type, searched with bsearch()), and which
 * finalizes each kind of pending op once its output quantization is known
 * (qc_finalizers[], indexed by enum pend_kind).  Adding an operator is one
 * line here plus its lowering (and finalization) in its family's file.
 */
#include <stdlib.h>
#include <string.h>

#include "compile/qcompile_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct qc_op {
	const char *op_type;
	int (*lower)(struct qc *q, int ni, int x0, int y);
};

/* Sorted by op_type (strcmp order): qc_op_find() bisects. */
static const struct qc_op qc_ops[] = {
	{ "Add",		qc_lower_add },		/* eltwise.c */
	{ "AveragePool",	qc_lower_pool },	/* pool.c */
	{ "Clip",		qc_lower_clamp },	/* activation.c */
	{ "Concat",		qc_lower_concat },	/* concat.c */
	{ "Conv",		qc_lower_conv },	/* conv.c */
	{ "DequantizeLinear",	qc_lower_dequantize },	/* quant.c */
	{ "Flatten",		qc_lower_view },	/* view.c */
	{ "Gemm",		qc_lower_gemm },	/* conv.c */
	{ "GlobalAveragePool",	qc_lower_pool },	/* pool.c */
	{ "Identity",		qc_lower_view },	/* view.c */
	{ "LeakyRelu",		qc_lower_lut },		/* activation.c */
	{ "MatMul",		qc_lower_gemm },	/* conv.c */
	{ "MaxPool",		qc_lower_pool },	/* pool.c */
	{ "Mul",		qc_lower_eltwise },	/* eltwise.c */
	{ "QLinearConv",	qc_lower_qlinear },	/* conv.c */
	{ "QLinearMatMul",	qc_lower_qlinear },	/* conv.c */
	{ "QuantizeLinear",	qc_lower_quantize },	/* quant.c */
	{ "Relu",		qc_lower_clamp },	/* activation.c */
	{ "Reshape",		qc_lower_view },	/* view.c */
	{ "Sigmoid",		qc_lower_lut },		/* activation.c */
	{ "Softmax",		qc_lower_lut },		/* activation.c */
	{ "Squeeze",		qc_lower_view },	/* view.c */
	{ "Tanh",		qc_lower_lut },		/* activation.c */
	{ "Unsqueeze",		qc_lower_view },	/* view.c */
};
_Static_assert(ARRAY_SIZE(qc_ops) == QC_NUM_OPS,
	       "qc_ops[] and QC_NUM_OPS disagree: add the operator to both");

/* One finalizer per pending kind; a missing one is a build error below. */
static int (*const qc_finalizers[])(struct qc *q, struct qpend *p, float ys,
				    int32_t yzp) = {
	[PEND_CONV] = qc_finalize_conv,		/* conv.c */
	[PEND_FC] = qc_finalize_conv,		/* conv.c */
	[PEND_ADD] = qc_finalize_add,		/* eltwise.c */
	[PEND_MUL] = qc_finalize_requant,	/* one output requantization */
	[PEND_AVGPOOL] = qc_finalize_requant,
	[PEND_GAP] = qc_finalize_requant,
	[PEND_LUT] = qc_finalize_lut,		/* activation.c */
	[PEND_SOFTMAX] = qc_finalize_softmax,	/* activation.c */
	[PEND_CONCAT] = qc_finalize_concat,	/* concat.c */
	[PEND_COPY] = qc_finalize_requant,
};
_Static_assert(ARRAY_SIZE(qc_finalizers) == PEND_COUNT,
	       "qc_finalizers[] lacks a pending kind");

static int qc_op_cmp(const void *key, const void *ent)
{
	return strcmp(key, ((const struct qc_op *)ent)->op_type);
}

static const struct qc_op *qc_op_find(const char *op_type)
{
	return bsearch(op_type, qc_ops, ARRAY_SIZE(qc_ops), sizeof(qc_ops[0]),
		       qc_op_cmp);
}

/* Mul, AveragePool, GlobalAveragePool, copies: one quant entry. */
int qc_finalize_requant(struct qc *q, struct qpend *p, float ys, int32_t yzp)
{
	struct enpu_op *op = &p->op;
	int r;

	(void)yzp;
	op->quant_index = (uint32_t)q->n_quant;
	op->quant_count = 1;
	r = qc_add_quant(q, p->real[0] / ys, 0);
	if (r < 0)
		return r == -ENOMEM ? r :
		       qc_nosup(q, p->node, "scale out of range");
	return 0;
}

int qc_finalize_kind(struct qc *q, struct qpend *p, float ys, int32_t yzp)
{
	if ((unsigned int)p->kind >= ARRAY_SIZE(qc_finalizers) ||
	    !qc_finalizers[p->kind])
		return qc_nosup(q, p->node, "pending op has no finalizer");
	return qc_finalizers[p->kind](q, p, ys, yzp);
}

/* Lower node @ni: fold constants, then call its operator's lowering. */
int qc_lower_node(struct qc *q, int ni)
{
	const struct ir_node *n = &q->g->nodes[ni];
	const char *op = n->op_type;
	int x0 = n->n_inputs > 0 ? n->inputs[0] : -1;
	int y = n->n_outputs > 0 ? n->outputs[0] : -1;
	struct qv *vy = y >= 0 ? &q->v[y] : NULL;
	const struct qc_op *ent;

	if (n->domain[0] && strcmp(n->domain, "ai.onnx"))
		return qc_nosup(q, ni, "operator domain not supported");
	if (!vy)
		return qc_nosup(q, ni, "node has no output");
	if (x0 < 0)
		return qc_nosup(q, ni, "node has no input");

	/* Already constant (folded by the planner): nothing to emit. */
	if (qc_val(q, y) && qc_val(q, y)->data) {
		const struct ir_value *v = qc_val(q, y);

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

	ent = qc_op_find(op);
	if (!ent)
		return qc_nosup(q, ni, "operator has no int8 lowering");
	return ent->lower(q, ni, x0, y);
}
