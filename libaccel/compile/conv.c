// SPDX-License-Identifier: MIT
/*
 * Conv, Gemm/MatMul (FC) and their QOperator forms (QLinearConv, QLinearMatMul,
 * MatMul + Add bias): weights, bias, window; finalization: per-channel
 * requantization.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compile/qcompile_internal.h"

/*
 * Weights of a conv/fc: a QK_CONST int8/uint8 tensor with per-tensor or
 * per-axis (@axis) scales.  Copies it into the constant slot, optionally
 * transposing a 2-D [N,K] matrix to [K,N].  Fills per-channel scale/zp.
 */
static int lower_weights(struct qc *q, struct qpend *p, int t, int out_ch,
			 int axis, bool transpose)
{
	const struct qv *c = &q->v[t];
	const struct ir_value *v = qc_val(q, t);
	int64_t n = ir_value_numel(v);
	int64_t dims[4];
	void *buf = NULL;
	const void *src;
	int i, a;

	if (c->kind != QK_CONST || (c->cdtype != IR_I8 && c->cdtype != IR_U8))
		return -EOPNOTSUPP;
	/* An empty weight matrix (0 output channels) has nothing to lower. */
	if (out_ch < 1 || n < 1)
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
			    qc_elem_i32(c->czp, c->cdtype,
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
	a = qc_const_act(q, src, (size_t)n, qc_isa_dtype(c->cdtype), v->rank, dims,
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
	const struct ir_value *v = qc_val(q, t);
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
		double r = s > 0 ? nearbyint(qc_const_real(c, v, (size_t)i) / s) : 0;

		b[i] = (int32_t)fmax(fmin(r, 2147483647.0), -2147483648.0);
	}
	a = qc_const_act(q, b, sizeof(int32_t) * (size_t)p->nreal, ENPU_DTYPE_S32,
			 1, dims, 0);
	free(b);
	if (a < 0)
		return a;
	p->op.in[2] = (uint32_t)a;
	return 0;
}

static int lower_conv(struct qc *q, int ni, int x_act, int w, int b,
		      float x_scale, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	const struct ir_value *xv = qc_val(q, n->inputs[0]), *wv = qc_val(q, w);
	const struct ir_value *yv = qc_val(q, y);
	const int64_t *a;
	int64_t k[2], s[2] = { 1, 1 }, d[2] = { 1, 1 };
	uint16_t pad[4];
	struct qpend *p;
	int r;

	if (!xv || xv->rank != 4 || !wv || wv->rank != 4 || !yv)
		return qc_nosup(q, ni, "only 2-D convolution lowers to the NPU");
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
	p = qc_new_pend(q, ni, PEND_CONV, y);
	if (!p)
		return -ENOMEM;
	p->op.opcode = ENPU_OP_CONV2D;
	p->op.in[0] = (uint32_t)x_act;
	p->op.params.conv.stride_h = (uint16_t)s[0];
	p->op.params.conv.stride_w = (uint16_t)s[1];
	p->op.params.conv.dilation_h = (uint16_t)d[0];
	p->op.params.conv.dilation_w = (uint16_t)d[1];
	p->op.params.conv.groups = (uint32_t)ir_attr_int(n, "group", 1);
	if (qc_pads4(n, xv, k, s, d, pad, yv, false) || !qc_window_fits(k, s, d, pad))
		return qc_nosup(q, ni, "kernel, stride, dilation or padding beyond the ISA's limits");
	p->op.params.conv.pad_top = pad[0];
	p->op.params.conv.pad_left = pad[1];
	p->op.params.conv.pad_bottom = pad[2];
	p->op.params.conv.pad_right = pad[3];
	r = lower_weights(q, p, w, (int)wv->dims[0], 0, false);
	if (r)
		return r == -ENOMEM ? r :
		       qc_nosup(q, ni, "weights are not a quantized constant");
	for (r = 0; r < p->nreal; r++)
		p->real[r] *= x_scale;
	if (b >= 0) {
		r = lower_bias(q, p, b);
		if (r)
			return r == -ENOMEM ? r :
			       qc_nosup(q, ni, "bias is not a constant");
	}
	return 0;
}

/* FC: x [M,K] act; w const [K,N] (or [N,K] with transpose). */
static int lower_fc(struct qc *q, int ni, int x_act, int w, bool trans,
		    float x_scale, int y, float alpha)
{
	const struct ir_value *wv = qc_val(q, w);
	struct qpend *p;
	int r, nout;

	if (!wv || wv->rank != 2 || q->acts[x_act].t.rank != 2)
		return qc_nosup(q, ni, "only 2-D matrix products lower to the NPU");
	nout = (int)(trans ? wv->dims[0] : wv->dims[1]);
	p = qc_new_pend(q, ni, PEND_FC, y);
	if (!p)
		return -ENOMEM;
	p->op.opcode = ENPU_OP_FULLY_CONNECTED;
	p->op.in[0] = (uint32_t)x_act;
	r = lower_weights(q, p, w, nout, trans ? 0 : 1, trans);
	if (r)
		return r == -ENOMEM ? r :
		       qc_nosup(q, ni, "weights are not a quantized constant");
	for (r = 0; r < p->nreal; r++)
		p->real[r] *= (double)x_scale * alpha;
	return 0;
}

int qc_lower_conv(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	float xs = 0;
	int xa;
	xa = qc_view_in(q, x0, &xs);
	if (xa < 0)
		return qc_nosup(q, ni, "input is not quantized");
	return lower_conv(q, ni, xa, n->inputs[1],
			  n->n_inputs > 2 ? n->inputs[2] : -1, xs, y);
}

int qc_lower_qlinear(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	struct qv *vy = &q->v[y];
	const char *op = n->op_type;
	float xs = 0;
	int xa, r;
	bool conv = op[7] == 'C';
	int wi = 3, a, zdt;
	int32_t zp;
	float ys;
	struct qv *wq;

	xa = qc_act_of(q, x0, false);
	if (xa < 0)
		return qc_nosup(q, ni, "input is not quantized");
	if (n->n_inputs < 8 || qc_const_scale(q, n->inputs[1], &xs) ||
	    qc_const_scale(q, n->inputs[6], &ys))
		return qc_nosup(q, ni, "needs constant scales");
	/* Describe w as a quantized constant for lower_weights(). */
	wq = &q->v[n->inputs[wi]];
	if (wq->kind != QK_CONST || !qc_val(q, n->inputs[4]) ||
	    !qc_val(q, n->inputs[4])->data)
		return qc_nosup(q, ni, "weights are not constant");
	if (qc_val(q, n->inputs[4])->dtype != IR_F32)
		return qc_nosup(q, ni, "weight scale must be float");
	wq->cscales = qc_val(q, n->inputs[4])->data;
	wq->nscales = (int)ir_value_numel(qc_val(q, n->inputs[4]));
	for (int k = 0; k < wq->nscales; k++)
		if (!isfinite(wq->cscales[k]) || !(wq->cscales[k] > 0))
			return qc_nosup(q, ni, "scales must be positive and finite");
	wq->czp = qc_val(q, n->inputs[5]) ? qc_val(q, n->inputs[5])->data : NULL;
	wq->nzp = wq->czp ? (int)ir_value_numel(qc_val(q, n->inputs[5])) : 0;
	if (wq->czp && qc_val(q, n->inputs[5])->dtype != wq->cdtype)
		return qc_nosup(q, ni, "weight zero point type differs from the weights'");
	wq->caxis = conv ? 0 : 1;
	if (qc_const_zp(q, n->inputs[2], IR_U8, &zdt, &zp))
		return qc_nosup(q, ni, "needs a constant input zero point");
	if (q->v[x0].scale == 0) {
		/* A quantized graph input: the op defines it. */
		q->v[x0].scale = xs;
		q->acts[xa].t.zero_point = zp;
	} else if (q->v[x0].scale != xs ||
		   q->acts[xa].t.zero_point != zp) {
		return qc_nosup(q, ni, "input quantization differs from its producer's");
	}
	if (qc_const_zp(q, n->inputs[7], IR_U8, &zdt, &zp))
		return qc_nosup(q, ni, "needs a constant output zero point");
	if (conv)
		r = lower_conv(q, ni, xa, n->inputs[3],
			       n->n_inputs > 8 ? n->inputs[8] : -1, xs, y);
	else
		r = lower_fc(q, ni, xa, n->inputs[3], false, xs, y, 1);
	if (r)
		return r;
	a = qc_new_arena_act(q, qc_val(q, y), qc_isa_dtype(zdt), zp);
	if (a < 0)
		return a == -ENOMEM ? a : qc_nosup(q, ni, "shape not supported");
	r = qc_finalize(q, vy->pend, a, ys, zp);
	if (r)
		return r;
	vy->kind = QK_ACT;
	vy->view = false;
	vy->act = a;
	vy->scale = ys;
	vy->zp = zp;
	return 0;
}

int qc_lower_gemm(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	struct qv *vy = &q->v[y];
	const char *op = n->op_type;
	float xs = 0;
	int xa, r;
	bool gemm = op[0] == 'G';
	int c = gemm && n->n_inputs > 2 ? n->inputs[2] : -1;
	struct qpend *p;

	xa = qc_view_in(q, x0, &xs);
	if (xa < 0)
		return qc_nosup(q, ni, "input is not quantized");
	if (gemm && (ir_attr_int(n, "transA", 0) ||
		     (c >= 0 && ir_attr_float(n, "beta", 1) != 1.0f)))
		return qc_nosup(q, ni, "transA/beta not supported by the NPU");
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
			       qc_nosup(q, ni, "bias is not a constant");
	}
	return 0;
}

int qc_lower_matmul_bias(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	struct qv *vy = &q->v[y];
	int r;
	/* MatMul + Add(bias): fold the bias into the FC. */
	struct qpend *p = &q->pends[q->v[x0].pend];

	r = lower_bias(q, p, n->inputs[1]);
	if (r)
		return r == -ENOMEM ? r : qc_nosup(q, ni, "bias shape not supported");
	*vy = q->v[x0];
	return 0;
}


/*
 * Conv and FC: one quant entry per output channel; the weight zero points
 * move to the quant entries when they differ between channels.
 */
int qc_finalize_conv(struct qc *q, struct qpend *p, float ys, int32_t yzp)
{
	struct enpu_op *op = &p->op;
	bool pc_zp = false;
	int i, r;

	(void)yzp;
	op->quant_index = (uint32_t)q->n_quant;
	op->quant_count = (uint32_t)p->nreal;
	for (i = 0; i < p->nreal; i++)
		if (p->wzp[i] != p->wzp[0])
			pc_zp = true;
	for (i = 0; i < p->nreal; i++) {
		r = qc_add_quant(q, p->real[i] / ys, pc_zp ? p->wzp[i] : 0);
		if (r < 0)
			return r == -ENOMEM ? r :
			       qc_nosup(q, p->node, "scale out of range");
	}
	if (pc_zp) {
		/* zero points move to the quant entries */
		q->acts[op->in[1]].t.zero_point = 0;
		if (p->kind == PEND_CONV)
			op->params.conv.flags = ENPU_QUANT_PER_CHANNEL_ZP;
		else
			op->params.fc.flags = ENPU_QUANT_PER_CHANNEL_ZP;
	}
	return 0;
}
