// SPDX-License-Identifier: MIT
/*
 * The int8 compiler's lowering rules: one function per ONNX operator (or
 * family), called in topological order by qprog_compile().  Each either
 * records what its output is in the integer world (a quantized activation,
 * a constant, or a pending op awaiting its output quantization) or declines
 * with -EOPNOTSUPP naming the node, so the float executor runs the model.
 * See qcompile.c for the model of QDQ / QOperator graphs this follows.
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
	if (pads4(n, xv, k, s, d, pad, yv) || !window_fits(k, s, d, pad))
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

/* An activation-valued input of a float op: DQ view of a quantized act. */
static int view_in(struct qc *q, int t, float *scale)
{
	if (t < 0 || q->v[t].kind != QK_ACT || !q->v[t].view)
		return -1;
	*scale = q->v[t].scale;
	return q->v[t].act;
}

static int lower_quantize(struct qc *q, int ni, int x0, int y)
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
	} else if ((xa = view_in(q, x0, &xs)) >= 0) {
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

static int lower_dequantize(struct qc *q, int ni, int x0, int y)
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

static int lower_conv_node(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	float xs = 0;
	int xa;
	xa = view_in(q, x0, &xs);
	if (xa < 0)
		return qc_nosup(q, ni, "input is not quantized");
	return lower_conv(q, ni, xa, n->inputs[1],
			  n->n_inputs > 2 ? n->inputs[2] : -1, xs, y);
}

static int lower_qlinear(struct qc *q, int ni, int x0, int y)
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

static int lower_gemm(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	struct qv *vy = &q->v[y];
	const char *op = n->op_type;
	float xs = 0;
	int xa, r;
	bool gemm = op[0] == 'G';
	int c = gemm && n->n_inputs > 2 ? n->inputs[2] : -1;
	struct qpend *p;

	xa = view_in(q, x0, &xs);
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

static int lower_matmul_bias(struct qc *q, int ni, int x0, int y)
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

static int lower_clamp(struct qc *q, int ni, int x0, int y)
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
	xa = view_in(q, x0, &xs);
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

static int lower_lut(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	const char *op = n->op_type;
	float xs = 0;
	int xa;
	struct qpend *p;
	bool sm = op[0] == 'S' && op[1] == 'o';

	xa = view_in(q, x0, &xs);
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

static int lower_pool(struct qc *q, int ni, int x0, int y)
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
	     view_in(q, x0, &xs);
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
		if (pads4(n, xv, k, s, d, pad, yv) ||
		    !window_fits(k, s, d, pad))
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

static int lower_eltwise(struct qc *q, int ni, int x0, int y)
{
	const struct ir_node *n = &q->g->nodes[ni];
	const char *op = n->op_type;
	float xs = 0, xs1 = 0;
	int xa, xa1;
	struct qpend *p;
	int x1 = n->inputs[1];

	xa = view_in(q, x0, &xs);
	xa1 = view_in(q, x1, &xs1);
	if (xa < 0 || xa1 < 0)
		return qc_nosup(q, ni, "inputs are not quantized");
	p = qc_new_pend(q, ni, op[0] == 'A' ? PEND_ADD : PEND_MUL, y);
	if (!p)
		return -ENOMEM;
	p->op.opcode = op[0] == 'A' ? ENPU_OP_ADD : ENPU_OP_MUL;
	p->op.in[0] = (uint32_t)xa;
	p->op.in[1] = (uint32_t)xa1;
	if (ir_value_numel(qc_val(q, x1)) == ir_value_numel(qc_val(q, y)) &&
	    ir_value_numel(qc_val(q, x0)) == ir_value_numel(qc_val(q, y)))
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

static int lower_concat(struct qc *q, int ni, int x0, int y)
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
		p->ins[i] = view_in(q, n->inputs[i], &xs);
		if (p->ins[i] < 0)
			return qc_nosup(q, ni, "inputs are not quantized");
		p->real[i] = xs;
	}
	p->n_ins = n->n_inputs;
	return 0;
}

static int lower_view(struct qc *q, int ni, int x0, int y)
{
	struct qv *vy = &q->v[y];
	int xa;
	int a;

	if (q->v[x0].kind != QK_ACT)
		return qc_nosup(q, ni, "input is not quantized");
	xa = q->v[x0].act;
	a = qc_new_act(q, qc_val(q, y), q->acts[xa].t.dtype,
		       q->acts[xa].t.zero_point, q->acts[xa].buf);
	if (a < 0)
		return a == -ENOMEM ? a : qc_nosup(q, ni, "shape not supported");
	*vy = q->v[x0];
	vy->act = a;
	return 0;
}

int qc_lower_node(struct qc *q, int ni)
{
	const struct ir_node *n = &q->g->nodes[ni];
	const char *op = n->op_type;
	int x0 = n->n_inputs > 0 ? n->inputs[0] : -1;
	int y = n->n_outputs > 0 ? n->outputs[0] : -1;
	struct qv *vy = y >= 0 ? &q->v[y] : NULL;

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

	if (!strcmp(op, "QuantizeLinear"))
		return lower_quantize(q, ni, x0, y);
	if (!strcmp(op, "DequantizeLinear"))
		return lower_dequantize(q, ni, x0, y);
	if (!strcmp(op, "Conv"))
		return lower_conv_node(q, ni, x0, y);
	if (!strcmp(op, "QLinearConv") || !strcmp(op, "QLinearMatMul"))
		return lower_qlinear(q, ni, x0, y);
	if (!strcmp(op, "Gemm") || !strcmp(op, "MatMul"))
		return lower_gemm(q, ni, x0, y);
	if (!strcmp(op, "Add") && q->v[x0].kind == QK_PEND &&
	    q->pends[q->v[x0].pend].kind == PEND_FC &&
	    q->pends[q->v[x0].pend].op.in[2] == ENPU_NO_TENSOR &&
	    q->v[n->inputs[1]].kind == QK_CONST)
		return lower_matmul_bias(q, ni, x0, y);
	if (!strcmp(op, "Relu") || !strcmp(op, "Clip"))
		return lower_clamp(q, ni, x0, y);
	if (!strcmp(op, "Sigmoid") || !strcmp(op, "Tanh") ||
	    !strcmp(op, "LeakyRelu") || !strcmp(op, "Softmax"))
		return lower_lut(q, ni, x0, y);
	if (!strcmp(op, "MaxPool") || !strcmp(op, "AveragePool") ||
	    !strcmp(op, "GlobalAveragePool"))
		return lower_pool(q, ni, x0, y);
	if (!strcmp(op, "Add") || !strcmp(op, "Mul"))
		return lower_eltwise(q, ni, x0, y);
	if (!strcmp(op, "Concat"))
		return lower_concat(q, ni, x0, y);
	if (!strcmp(op, "Reshape") || !strcmp(op, "Flatten") ||
	    !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze") ||
	    !strcmp(op, "Identity"))
		return lower_view(q, ni, x0, y);
	return qc_nosup(q, ni, "operator has no int8 lowering");
}
