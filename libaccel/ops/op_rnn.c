// SPDX-License-Identifier: MIT
/*
 * Recurrent layers (float32): RNN, GRU and LSTM with ONNX's semantics of
 * opsets 7, 14 and 22 (directions forward, reverse and bidirectional,
 * layout 0 [seq, batch, ...] and 1 [batch, seq, ...], the optional inputs
 * B, sequence_lens, initial_h, initial_c and P and any subset of the
 * outputs Y, Y_h and Y_c, clip, activations with activation_alpha/beta,
 * GRU's linear_before_reset and LSTM's input_forget).
 *
 * Per direction, one GEMM projects the whole sequence, XW = X * W^T + Wb
 * (+ Rb), and each step adds one GEMM of the batch's hidden states,
 * H_{t-1} * R^T, before the gates' element-wise work.  The framework has no
 * prepare hook, so W and R are transposed into the workspace at each run:
 * that costs 1 / (seq * batch) of the projection and 1 / seq of the
 * recurrent products.
 *
 * sequence_lens: batch entry b runs steps 0 .. len[b] - 1 (the reverse
 * direction from len[b] - 1 down to 0); Y is zero past len[b] and Y_h/Y_c
 * hold the state after the last step that ran (zeros when len[b] is 0,
 * as ONNX Runtime gives, not the initial state).  clip bounds every gate's pre-activation (the inputs of f
 * and g, peepholes included), not the cell state LSTM's h reads.
 */
#include <math.h>
#include <strings.h>
#include <string.h>

#include "ops/f32k.h"
#include "ops/ops.h"
#include "ops/ops_util.h"

enum rnn_kind { RK_RNN, RK_GRU, RK_LSTM, RK_COUNT };

enum rnn_act_kind {
	RA_RELU, RA_TANH, RA_SIGMOID, RA_AFFINE, RA_LEAKY_RELU,
	RA_THRESHOLDED_RELU, RA_SCALED_TANH, RA_HARD_SIGMOID, RA_ELU,
	RA_SOFTSIGN, RA_SOFTPLUS,
};

/*
 * The activations the spec names, how many of activation_alpha (1) and
 * activation_beta (2) each takes, and their defaults (those of the
 * operators of the same name).
 */
static const struct {
	const char *name;
	enum rnn_act_kind kind;
	int params;
	float alpha, beta;
} rnn_acts[] = {
	{ "Relu", RA_RELU, 0, 0.0f, 0.0f },
	{ "Tanh", RA_TANH, 0, 0.0f, 0.0f },
	{ "Sigmoid", RA_SIGMOID, 0, 0.0f, 0.0f },
	{ "Affine", RA_AFFINE, 2, 1.0f, 0.0f },
	{ "LeakyRelu", RA_LEAKY_RELU, 1, 0.01f, 0.0f },
	{ "ThresholdedRelu", RA_THRESHOLDED_RELU, 1, 1.0f, 0.0f },
	{ "ScaledTanh", RA_SCALED_TANH, 2, 1.0f, 1.0f },
	{ "HardSigmoid", RA_HARD_SIGMOID, 2, 0.2f, 0.5f },
	{ "Elu", RA_ELU, 1, 1.0f, 0.0f },
	{ "Softsign", RA_SOFTSIGN, 0, 0.0f, 0.0f },
	{ "Softplus", RA_SOFTPLUS, 0, 0.0f, 0.0f },
};

struct rnn_act {
	enum rnn_act_kind kind;
	float alpha, beta;
};

/**
 * struct rnn_cfg - one recurrent node, validated
 * @kind: RNN, GRU or LSTM; @ng: gates (1, 3, 4)
 * @nd: directions (1, 2); @rev: direction 0 runs backwards (reverse)
 * @layout: 0 (X [T, B, I]) or 1 (X [B, T, I])
 * @t/@b/@i/@h: sequence length, batch, input size, hidden size
 * @clip: bound of the gates' pre-activations (INFINITY: none)
 * @lbr: GRU linear_before_reset; @input_forget: LSTM's coupled gates
 * @nact: activations per direction (1, 2, 3); @act: per direction
 */
struct rnn_cfg {
	enum rnn_kind kind;
	int ng, nd, layout;
	bool rev, lbr, input_forget;
	int64_t t, b, i, h;
	float clip;
	int nact;
	struct rnn_act act[2][3];
};

/* Inputs of each kind: X W R B sequence_lens initial_h [initial_c P]. */
enum { RI_X, RI_W, RI_R, RI_B, RI_SEQ, RI_H0, RI_C0, RI_P };

static int rnn_acts_parse(const struct ir_node *n, struct rnn_cfg *c,
			  struct accel_err *e)
{
	static const char *const defs[][3] = {
		{ "Tanh" }, { "Sigmoid", "Tanh" },
		{ "Sigmoid", "Tanh", "Tanh" },
	};
	_Static_assert(sizeof(defs) / sizeof(*defs) == RK_COUNT,
		       "default activations of each rnn_kind");
	const char *const *names;
	const float *al, *be;
	size_t cnt, nal, nbe, ia = 0, ib = 0;
	int ret;

	if ((ret = ir_get_strings(n, "activations", &names, &cnt, e)) < 0 ||
	    (ret = ir_get_floats(n, "activation_alpha", &al, &nal, e)) < 0 ||
	    (ret = ir_get_floats(n, "activation_beta", &be, &nbe, e)) < 0)
		return ret;
	if (cnt && cnt != (size_t)(c->nact * c->nd) &&
	    cnt != (size_t)c->nact)
		return CPU_ERR(n, e, -EINVAL,
			       "activations has %zu names, expected %d per direction (%d)",
			       cnt, c->nact, c->nact * c->nd);
	for (int d = 0; d < c->nd; d++)
		for (int k = 0; k < c->nact; k++) {
			size_t at = cnt == (size_t)c->nact ? (size_t)k :
				    (size_t)(d * c->nact + k);
			const char *nm = cnt ? names[at] : defs[c->kind][k];
			struct rnn_act *a = &c->act[d][k];
			size_t j;

			for (j = 0; j < sizeof(rnn_acts) / sizeof(*rnn_acts);
			     j++)
				if (!strcasecmp(nm, rnn_acts[j].name))
					break;
			if (j == sizeof(rnn_acts) / sizeof(*rnn_acts))
				return CPU_ERR(n, e, -EINVAL,
					       "unknown activation '%s'", nm);
			a->kind = rnn_acts[j].kind;
			a->alpha = rnn_acts[j].alpha;
			a->beta = rnn_acts[j].beta;
			/* the lists are consumed in the order of use */
			if (rnn_acts[j].params >= 1 && ia < nal)
				a->alpha = al[ia++];
			if (rnn_acts[j].params >= 2 && ib < nbe)
				a->beta = be[ib++];
		}
	return 0;
}

/* Input @i of rank 2 or 3 with these dims (@what names it). */
static int rnn_dims(const struct ir_node *n, const struct ir_value *in,
		    int i, const char *what, int rank, int64_t d0,
		    int64_t d1, int64_t d2, struct accel_err *e)
{
	const int64_t want[3] = { d0, d1, d2 };
	int ret;

	if ((ret = cpu_check_in(n, in, i, what, IR_F32, rank, rank, e)))
		return ret;
	for (int k = 0; k < rank; k++)
		if (in[i].dims[k] != want[k])
			return CPU_ERR(n, e, -EINVAL,
				       "%s dimension %d is %lld, expected %lld",
				       what, k, (long long)in[i].dims[k],
				       (long long)want[k]);
	return 0;
}

static int rnn_parse(const struct ir_node *n, enum rnn_kind kind,
		     const struct ir_value *in, int n_in, int n_out,
		     struct rnn_cfg *c, struct accel_err *e)
{
	const char *dir;
	int64_t hs, layout, v;
	float clip;
	int max_in = kind == RK_LSTM ? 8 : 6;
	int max_out = kind == RK_LSTM ? 3 : 2;
	const struct ir_value *x, *w;
	int ret;

	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->ng = kind == RK_RNN ? 1 : kind == RK_GRU ? 3 : 4;
	c->nact = kind == RK_RNN ? 1 : kind == RK_GRU ? 2 : 3;
	if ((ret = cpu_check_io(n, n_in, 3, max_in, n_out, 0, max_out, e)) ||
	    (ret = cpu_check_in(n, in, RI_X, "X", IR_F32, 3, 3, e)) ||
	    (ret = cpu_check_in(n, in, RI_W, "W", IR_F32, 3, 3, e)) ||
	    (ret = cpu_check_in(n, in, RI_R, "R", IR_F32, 3, 3, e)) ||
	    (ret = cpu_get_string(n, "direction", "forward", &dir, e)) ||
	    (ret = cpu_get_int(n, "layout", 0, &layout, e)) ||
	    (ret = cpu_get_int(n, "hidden_size", -1, &hs, e)) ||
	    (ret = cpu_get_float(n, "clip", INFINITY, &clip, e)))
		return ret;
	if (!strcmp(dir, "forward") || !strcmp(dir, "reverse")) {
		c->nd = 1;
		c->rev = dir[0] == 'r';
	} else if (!strcmp(dir, "bidirectional")) {
		c->nd = 2;
	} else {
		return CPU_ERR(n, e, -EINVAL,
			       "unknown direction '%s' (forward, reverse or bidirectional)",
			       dir);
	}
	if (layout != 0 && layout != 1)
		return CPU_ERR(n, e, -EINVAL, "layout must be 0 or 1, not %lld",
			       (long long)layout);
	c->layout = (int)layout;
	if (!(clip > 0.0f))
		return CPU_ERR(n, e, -EINVAL, "clip must be > 0");
	c->clip = clip;
	if (kind == RK_GRU) {
		if ((ret = cpu_get_int(n, "linear_before_reset", 0, &v, e)))
			return ret;
		if (v != 0 && v != 1)
			return CPU_ERR(n, e, -EINVAL,
				       "linear_before_reset must be 0 or 1");
		c->lbr = v;
	}
	if (kind == RK_LSTM) {
		if ((ret = cpu_get_int(n, "input_forget", 0, &v, e)))
			return ret;
		if (v != 0 && v != 1)
			return CPU_ERR(n, e, -EINVAL,
				       "input_forget must be 0 or 1");
		c->input_forget = v;
	}
	x = &in[RI_X];
	w = &in[RI_W];
	c->t = x->dims[layout ? 1 : 0];
	c->b = x->dims[layout ? 0 : 1];
	c->i = x->dims[2];
	c->h = in[RI_R].dims[2];
	if (c->t < 0 || c->b < 0 || c->i < 0)
		return CPU_ERR(n, e, -EINVAL, "X has an unknown dimension");
	if (c->h < 1 || c->h > (INT64_C(1) << 24))
		return CPU_ERR(n, e, -EINVAL,
			       "R's hidden size %lld is out of range",
			       (long long)c->h);
	if (hs != -1 && hs != c->h)
		return CPU_ERR(n, e, -EINVAL,
			       "hidden_size %lld does not match R's last dimension %lld",
			       (long long)hs, (long long)c->h);
	if (w->dims[0] != c->nd)
		return CPU_ERR(n, e, -EINVAL,
			       "W has %lld directions, direction '%s' needs %d",
			       (long long)w->dims[0], dir, c->nd);
	if (w->dims[1] != c->ng * c->h)
		return CPU_ERR(n, e, -EINVAL,
			       "W has %lld rows, %d gates of hidden_size %lld need %lld",
			       (long long)w->dims[1], c->ng, (long long)c->h,
			       (long long)(c->ng * c->h));
	if (w->dims[2] != c->i)
		return CPU_ERR(n, e, -EINVAL,
			       "W has %lld columns, X has input size %lld",
			       (long long)w->dims[2], (long long)c->i);
	if ((ret = rnn_dims(n, in, RI_R, "R", 3, c->nd, c->ng * c->h, c->h,
			    e)))
		return ret;
	if (cpu_has_in(in, n_in, RI_B) &&
	    (ret = rnn_dims(n, in, RI_B, "B", 2, c->nd, 2 * c->ng * c->h, 0,
			    e)))
		return ret;
	if (cpu_has_in(in, n_in, RI_SEQ)) {
		const struct ir_value *s = &in[RI_SEQ];

		if ((ret = cpu_check_in(n, in, RI_SEQ, "sequence_lens",
					IR_UNDEFINED, 1, 1, e)))
			return ret;
		if (s->dtype != IR_I32 && s->dtype != IR_I64)
			return CPU_ERR(n, e, -EINVAL,
				       "sequence_lens is %s, expected int32",
				       cpu_dtype_name(s->dtype));
		if (s->dims[0] != c->b)
			return CPU_ERR(n, e, -EINVAL,
				       "sequence_lens has %lld elements, the batch is %lld",
				       (long long)s->dims[0], (long long)c->b);
	}
	for (int k = RI_H0; k <= RI_C0; k++) {
		static const char *const what[] = { "initial_h", "initial_c" };

		if (k == RI_C0 && kind != RK_LSTM)
			break;
		if (cpu_has_in(in, n_in, k) &&
		    (ret = rnn_dims(n, in, k, what[k - RI_H0], 3,
				    layout ? c->b : c->nd,
				    layout ? c->nd : c->b, c->h, e)))
			return ret;
	}
	if (kind == RK_LSTM && cpu_has_in(in, n_in, RI_P) &&
	    (ret = rnn_dims(n, in, RI_P, "P", 2, c->nd, 3 * c->h, 0, e)))
		return ret;
	return rnn_acts_parse(n, c, e);
}

/* Check sequence_lens' values (when known) against the sequence length. */
static int rnn_seq_check(const struct ir_node *n, const struct rnn_cfg *c,
			 const struct ir_value *in, int n_in,
			 struct accel_err *e)
{
	const struct ir_value *s = &in[RI_SEQ];

	if (!cpu_has_in(in, n_in, RI_SEQ) || !s->data)
		return 0;
	for (int64_t b = 0; b < c->b; b++) {
		int64_t v = cpu_load_i64(s->data, s->dtype, b);

		if (v < 0 || v > c->t)
			return CPU_ERR(n, e, -EINVAL,
				       "sequence_lens[%lld] = %lld is outside [0, %lld]",
				       (long long)b, (long long)v,
				       (long long)c->t);
	}
	return 0;
}

static int rnn_infer_kind(enum rnn_kind kind, const struct ir_node *n,
			  const struct ir_value *in, int n_in,
			  struct ir_value *out, int n_out,
			  struct accel_err *e)
{
	int64_t yd[4], sd[3];
	struct rnn_cfg c;
	int ret;

	if ((ret = rnn_parse(n, kind, in, n_in, n_out, &c, e)) ||
	    (ret = rnn_seq_check(n, &c, in, n_in, e)))
		return ret;
	if (c.layout) {
		yd[0] = c.b, yd[1] = c.t, yd[2] = c.nd, yd[3] = c.h;
		sd[0] = c.b, sd[1] = c.nd, sd[2] = c.h;
	} else {
		yd[0] = c.t, yd[1] = c.nd, yd[2] = c.b, yd[3] = c.h;
		sd[0] = c.nd, sd[1] = c.b, sd[2] = c.h;
	}
	for (int j = 0; j < n_out; j++)
		if ((ret = cpu_set_out(n, &out[j], IR_F32, j ? 3 : 4,
				       j ? sd : yd, e)))
			return ret;
	return 0;
}

/* Element counts of the workspace pieces, overflow-checked. */
struct rnn_sizes {
	int64_t wt, rt, xw, gh, st, g;
};

static int rnn_sizes(const struct ir_node *n, const struct rnn_cfg *c,
		     struct rnn_sizes *s, struct accel_err *e)
{
	int64_t tb;

	s->gh = c->ng * c->h;
	if (__builtin_mul_overflow(c->i, s->gh, &s->wt) ||
	    __builtin_mul_overflow(c->h, s->gh, &s->rt) ||
	    __builtin_mul_overflow(c->t, c->b, &tb) ||
	    __builtin_mul_overflow(tb, s->gh, &s->xw) ||
	    __builtin_mul_overflow(c->b, c->h, &s->st) ||
	    __builtin_mul_overflow(c->b, s->gh, &s->g))
		return CPU_ERR(n, e, -EOVERFLOW, "scratch memory too large");
	return 0;
}

/*
 * Workspace: W^T [I, GH], R^T [H, GH], XW [T * B, GH], the summed bias
 * [GH], the states H and C [B, H], the recurrent products [B, GH], GRU's
 * r (.) H [B, H] and the lengths [B].
 */
static int rnn_ws_kind(enum rnn_kind kind, const struct ir_node *n,
		       const struct ir_value *in, int n_in,
		       const struct ir_value *out, int n_out, size_t *bytes,
		       struct accel_err *e)
{
	struct rnn_sizes s = { 0 };
	struct rnn_cfg c;
	int ret;

	(void)out;
	if ((ret = rnn_parse(n, kind, in, n_in, n_out, &c, e)) ||
	    (ret = rnn_sizes(n, &c, &s, e)) ||
	    (ret = cpu_ws_add(n, bytes, s.wt, sizeof(float), e)) ||
	    (ret = cpu_ws_add(n, bytes, s.rt, sizeof(float), e)) ||
	    (ret = cpu_ws_add(n, bytes, s.xw, sizeof(float), e)) ||
	    (ret = cpu_ws_add(n, bytes, s.gh, sizeof(float), e)) ||
	    (ret = cpu_ws_add(n, bytes, s.st, sizeof(float), e)) ||
	    (ret = cpu_ws_add(n, bytes, s.st, sizeof(float), e)) ||
	    (ret = cpu_ws_add(n, bytes, s.g, sizeof(float), e)) ||
	    (ret = cpu_ws_add(n, bytes, s.st, sizeof(float), e)))
		return ret;
	return cpu_ws_add(n, bytes, c.b, sizeof(int64_t), e);
}

/* ---- the gates' element-wise work ---- */

static void rnn_clip(float *v, int64_t cnt, float clip)
{
	if (clip == INFINITY)
		return;
	for (int64_t i = 0; i < cnt; i++)
		v[i] = v[i] < -clip ? -clip : v[i] > clip ? clip : v[i];
}

static void rnn_act(const struct rnn_act *a, float *v, int64_t cnt)
{
	float al = a->alpha, be = a->beta;

	switch (a->kind) {
	case RA_RELU:
		for (int64_t i = 0; i < cnt; i++)
			v[i] = v[i] > 0.0f ? v[i] : 0.0f;
		break;
	case RA_TANH:
		for (int64_t i = 0; i < cnt; i++)
			v[i] = tanhf(v[i]);
		break;
	case RA_SIGMOID:
		for (int64_t i = 0; i < cnt; i++)
			v[i] = 1.0f / (1.0f + expf(-v[i]));
		break;
	case RA_AFFINE:
		for (int64_t i = 0; i < cnt; i++)
			v[i] = al * v[i] + be;
		break;
	case RA_LEAKY_RELU:
		for (int64_t i = 0; i < cnt; i++)
			v[i] = v[i] >= 0.0f ? v[i] : al * v[i];
		break;
	case RA_THRESHOLDED_RELU:
		for (int64_t i = 0; i < cnt; i++)
			v[i] = v[i] > al ? v[i] : 0.0f;
		break;
	case RA_SCALED_TANH:
		for (int64_t i = 0; i < cnt; i++)
			v[i] = al * tanhf(be * v[i]);
		break;
	case RA_HARD_SIGMOID:
		for (int64_t i = 0; i < cnt; i++) {
			float y = al * v[i] + be;

			v[i] = y < 0.0f ? 0.0f : y > 1.0f ? 1.0f : y;
		}
		break;
	case RA_ELU:
		for (int64_t i = 0; i < cnt; i++)
			v[i] = v[i] >= 0.0f ? v[i] : al * expm1f(v[i]);
		break;
	case RA_SOFTSIGN:
		for (int64_t i = 0; i < cnt; i++)
			v[i] = v[i] / (1.0f + fabsf(v[i]));
		break;
	case RA_SOFTPLUS:
		/* log(1 + e^x) without overflow for large x */
		for (int64_t i = 0; i < cnt; i++)
			v[i] = v[i] > 0.0f ? v[i] + log1pf(expf(-v[i])) :
					     log1pf(expf(v[i]));
		break;
	}
}

/* Pre-activation @g (+)= @x, clipped, then activation @a. */
static void rnn_gate(const struct rnn_act *a, float clip, float *g,
		     const float *x, int64_t cnt)
{
	for (int64_t i = 0; i < cnt; i++)
		g[i] += x[i];
	rnn_clip(g, cnt, clip);
	rnn_act(a, g, cnt);
}

/**
 * struct rnn_run - one direction's run
 * @c: the node; @k: GEMM kernels
 * @xw: [T * B, GH] projected inputs with the bias; @rt: R^T [H, GH]
 * @rbh: GRU with linear_before_reset: Rb of the h gate, else NULL
 * @p: LSTM peepholes [3H] (i, o, f) or NULL
 * @h/@cs: states [B, H]; @g: [B, GH]; @rh: GRU's r (.) H [B, H]
 * @len: steps of each batch entry; @act: this direction's activations
 * @rev: runs backwards; @d: direction index
 * @y: Y or NULL
 */
struct rnn_run {
	const struct rnn_cfg *c;
	const struct f32_kernels *k;
	const float *xw, *rt, *rbh, *p;
	float *h, *cs, *g, *rh, *y;
	const int64_t *len;
	const struct rnn_act *act;
	bool rev;
	int d;
};

/* Row of XW of step @s of batch entry @b. */
static const float *rnn_xrow(const struct rnn_run *r, int64_t t, int64_t b)
{
	const struct rnn_cfg *c = r->c;

	return r->xw + (c->layout ? b * c->t + t : t * c->b + b) *
		       (c->ng * c->h);
}

/* Y offset of step @t, batch entry @b, this direction. */
static float *rnn_yrow(const struct rnn_run *r, int64_t t, int64_t b)
{
	const struct rnn_cfg *c = r->c;

	if (!r->y)
		return NULL;
	return r->y + (c->layout ? (b * c->t + t) * c->nd + r->d :
				   (t * c->nd + r->d) * c->b + b) * c->h;
}

/* Time index of step @s of batch entry @b (which runs @s). */
static int64_t rnn_time(const struct rnn_run *r, int64_t s, int64_t b)
{
	return r->rev ? r->len[b] - 1 - s : s;
}

static void rnn_step_rnn(const struct rnn_run *r, int64_t s)
{
	const struct rnn_cfg *c = r->c;
	int64_t hh = c->h;

	r->k->gemm(c->b, hh, hh, r->h, hh, r->rt, hh, r->g, hh,
		   &(struct f32_epi){ .lo = -INFINITY, .hi = INFINITY });
	for (int64_t b = 0; b < c->b; b++) {
		int64_t t = rnn_time(r, s, b);
		float *gb = r->g + b * hh, *y;

		if (s >= r->len[b])
			continue;
		rnn_gate(&r->act[0], c->clip, gb, rnn_xrow(r, t, b), hh);
		memcpy(r->h + b * hh, gb, (size_t)hh * sizeof(float));
		if ((y = rnn_yrow(r, t, b)))
			memcpy(y, gb, (size_t)hh * sizeof(float));
	}
}

static void rnn_step_gru(const struct rnn_run *r, int64_t s)
{
	const struct rnn_cfg *c = r->c;
	const struct f32_epi ep = { .lo = -INFINITY, .hi = INFINITY };
	int64_t hh = c->h, gh = 3 * hh;

	/* z and r (and, linear before reset, H * Rh^T) */
	r->k->gemm(c->b, c->lbr ? gh : 2 * hh, hh, r->h, hh, r->rt, gh, r->g,
		   gh, &ep);
	for (int64_t b = 0; b < c->b; b++) {
		float *gb = r->g + b * gh, *hb = r->h + b * hh;
		float *rhb = r->rh + b * hh;

		if (s >= r->len[b]) {
			memset(rhb, 0, (size_t)hh * sizeof(float));
			continue;
		}
		rnn_gate(&r->act[0], c->clip, gb, rnn_xrow(r, rnn_time(r, s, b),
							   b), 2 * hh);
		for (int64_t j = 0; j < hh; j++)
			rhb[j] = gb[hh + j] * hb[j];
	}
	if (!c->lbr)
		r->k->gemm(c->b, hh, hh, r->rh, hh, r->rt + 2 * hh, gh,
			   r->g + 2 * hh, gh, &ep);
	for (int64_t b = 0; b < c->b; b++) {
		int64_t t = rnn_time(r, s, b);
		float *gb = r->g + b * gh, *hb = r->h + b * hh, *y;
		float *hg = gb + 2 * hh;
		const float *xh;

		if (s >= r->len[b])
			continue;
		xh = rnn_xrow(r, t, b) + 2 * hh;
		if (c->lbr)
			for (int64_t j = 0; j < hh; j++)
				hg[j] = gb[hh + j] * (hg[j] + r->rbh[j]);
		rnn_gate(&r->act[1], c->clip, hg, xh, hh);
		for (int64_t j = 0; j < hh; j++)
			hb[j] = (1.0f - gb[j]) * hg[j] + gb[j] * hb[j];
		if ((y = rnn_yrow(r, t, b)))
			memcpy(y, hb, (size_t)hh * sizeof(float));
	}
}

static void rnn_step_lstm(const struct rnn_run *r, int64_t s)
{
	const struct rnn_cfg *c = r->c;
	int64_t hh = c->h, gh = 4 * hh;

	r->k->gemm(c->b, gh, hh, r->h, hh, r->rt, gh, r->g, gh,
		   &(struct f32_epi){ .lo = -INFINITY, .hi = INFINITY });
	for (int64_t b = 0; b < c->b; b++) {
		int64_t t = rnn_time(r, s, b);
		float *gb = r->g + b * gh, *hb = r->h + b * hh;
		float *cb = r->cs + b * hh, *y;
		/* gate order of W, R and B: i, o, f, c; of P: i, o, f */
		float *ig = gb, *og = gb + hh, *fg = gb + 2 * hh;
		float *cg = gb + 3 * hh;
		const float *xr;

		if (s >= r->len[b])
			continue;
		xr = rnn_xrow(r, t, b);
		for (int64_t j = 0; j < gh; j++)
			gb[j] += xr[j];
		if (r->p)
			for (int64_t j = 0; j < hh; j++) {
				ig[j] += r->p[j] * cb[j];
				fg[j] += r->p[2 * hh + j] * cb[j];
			}
		rnn_clip(ig, hh, c->clip);
		rnn_act(&r->act[0], ig, hh);
		if (c->input_forget) {
			for (int64_t j = 0; j < hh; j++)
				fg[j] = 1.0f - ig[j];
		} else {
			rnn_clip(fg, hh, c->clip);
			rnn_act(&r->act[0], fg, hh);
		}
		rnn_clip(cg, hh, c->clip);
		rnn_act(&r->act[1], cg, hh);
		for (int64_t j = 0; j < hh; j++)
			cb[j] = fg[j] * cb[j] + ig[j] * cg[j];
		if (r->p)
			for (int64_t j = 0; j < hh; j++)
				og[j] += r->p[hh + j] * cb[j];
		rnn_clip(og, hh, c->clip);
		rnn_act(&r->act[0], og, hh);
		memcpy(cg, cb, (size_t)hh * sizeof(float));
		rnn_act(&r->act[2], cg, hh);
		for (int64_t j = 0; j < hh; j++)
			hb[j] = og[j] * cg[j];
		if ((y = rnn_yrow(r, t, b)))
			memcpy(y, hb, (size_t)hh * sizeof(float));
	}
}

/*
 * Transposed copy of a rows x cols matrix into @t, in 32 x 32 tiles: the
 * plain loop's writes at a stride of @rows floats miss the cache and TLB
 * at every element (a third of a large LSTM's run).
 */
static void rnn_transpose(const float *src, int64_t rows, int64_t cols,
			  float *t)
{
	enum { TILE = 32 };

	for (int64_t i0 = 0; i0 < rows; i0 += TILE)
		for (int64_t j0 = 0; j0 < cols; j0 += TILE) {
			int64_t i1 = i0 + TILE < rows ? i0 + TILE : rows;
			int64_t j1 = j0 + TILE < cols ? j0 + TILE : cols;

			for (int64_t j = j0; j < j1; j++)
				for (int64_t i = i0; i < i1; i++)
					t[j * rows + i] = src[i * cols + j];
		}
}

/* State row of batch entry @b, direction @d, in initial_h/Y_h's layout. */
static int64_t rnn_srow(const struct rnn_cfg *c, int d, int64_t b)
{
	return (c->layout ? b * c->nd + d : d * c->b + b) * c->h;
}

static int rnn_run_kind(enum rnn_kind kind, const struct ir_node *n,
			const struct ir_value *in, int n_in,
			struct ir_value *out, int n_out, void *ws,
			struct accel_err *e)
{
	const struct f32_epi ep = { .lo = -INFINITY, .hi = INFINITY };
	const float *x = in[RI_X].data, *w = in[RI_W].data;
	const float *rw = in[RI_R].data, *bias = NULL, *h0 = NULL, *c0 = NULL;
	const float *pp = NULL;
	float *yh = NULL, *yc = NULL, *wt, *cbias;
	struct rnn_run r = { .k = f32k_get() };
	unsigned char *cur = ws;
	struct rnn_sizes s = { 0 };
	struct rnn_cfg c;
	int64_t *len, maxlen;
	int ret;

	if ((ret = rnn_parse(n, kind, in, n_in, n_out, &c, e)) ||
	    (ret = rnn_sizes(n, &c, &s, e)))
		return ret;
	if (cpu_has_in(in, n_in, RI_SEQ) && !in[RI_SEQ].data)
		return CPU_ERR(n, e, -EINVAL, "sequence_lens has no data");
	if ((ret = rnn_seq_check(n, &c, in, n_in, e)))
		return ret;
	if (!c.b)
		return 0;
	r.c = &c;
	if (cpu_has_in(in, n_in, RI_B))
		bias = in[RI_B].data;
	if (cpu_has_in(in, n_in, RI_H0))
		h0 = in[RI_H0].data;
	if (kind == RK_LSTM && cpu_has_in(in, n_in, RI_C0))
		c0 = in[RI_C0].data;
	if (kind == RK_LSTM && cpu_has_in(in, n_in, RI_P))
		pp = in[RI_P].data;
	if (cpu_has_out(n, n_out, 0))
		r.y = out[0].data;
	if (cpu_has_out(n, n_out, 1))
		yh = out[1].data;
	if (kind == RK_LSTM && cpu_has_out(n, n_out, 2))
		yc = out[2].data;
	wt = cpu_ws_take(&cur, s.wt, sizeof(float));
	r.rt = cpu_ws_take(&cur, s.rt, sizeof(float));
	r.xw = cpu_ws_take(&cur, s.xw, sizeof(float));
	cbias = cpu_ws_take(&cur, s.gh, sizeof(float));
	r.h = cpu_ws_take(&cur, s.st, sizeof(float));
	r.cs = cpu_ws_take(&cur, s.st, sizeof(float));
	r.g = cpu_ws_take(&cur, s.g, sizeof(float));
	r.rh = cpu_ws_take(&cur, s.st, sizeof(float));
	len = cpu_ws_take(&cur, c.b, sizeof(int64_t));
	maxlen = cpu_has_in(in, n_in, RI_SEQ) ? 0 : c.t;
	for (int64_t b = 0; b < c.b; b++) {
		len[b] = cpu_has_in(in, n_in, RI_SEQ) ?
			 cpu_load_i64(in[RI_SEQ].data, in[RI_SEQ].dtype, b) :
			 c.t;
		maxlen = len[b] > maxlen ? len[b] : maxlen;
	}
	r.len = len;
	if (r.y)
		memset(r.y, 0, cpu_nbytes(&out[0]));
	for (int d = 0; d < c.nd; d++) {
		const float *bw = bias ? bias + d * 2 * s.gh : NULL;
		float *xw = (float *)r.xw;

		r.d = d;
		r.rev = c.nd == 2 ? d == 1 : c.rev;
		r.act = c.act[d];
		r.p = pp ? pp + d * 3 * c.h : NULL;
		/* (no B: cbias is all zeros, so it serves as Rb too) */
		r.rbh = c.lbr ? (bw ? bw + s.gh + 2 * c.h : cbias) : NULL;
		/* Wb + Rb, but Rb of GRU's h gate goes inside r (.) (...) */
		for (int64_t j = 0; j < s.gh; j++) {
			bool inner = c.lbr && j >= 2 * c.h;

			cbias[j] = !bw ? 0.0f :
				   bw[j] + (inner ? 0.0f : bw[s.gh + j]);
		}
		rnn_transpose(w + d * s.wt, s.gh, c.i, wt);
		rnn_transpose(rw + d * s.rt, s.gh, c.h, (float *)r.rt);
		if (s.xw && c.i)
			r.k->gemm(c.t * c.b, s.gh, c.i, x, c.i, wt, s.gh, xw,
				  s.gh, &ep);
		else if (s.xw)	/* input size 0: X contributes nothing */
			memset(xw, 0, (size_t)s.xw * sizeof(float));
		for (int64_t q = 0; q < c.t * c.b; q++)
			for (int64_t j = 0; j < s.gh; j++)
				xw[q * s.gh + j] += cbias[j];
		for (int64_t b = 0; b < c.b; b++) {
			int64_t o = rnn_srow(&c, d, b);

			if (h0)
				memcpy(r.h + b * c.h, h0 + o,
				       (size_t)c.h * sizeof(float));
			else
				memset(r.h + b * c.h, 0,
				       (size_t)c.h * sizeof(float));
			if (c0)
				memcpy(r.cs + b * c.h, c0 + o,
				       (size_t)c.h * sizeof(float));
			else
				memset(r.cs + b * c.h, 0,
				       (size_t)c.h * sizeof(float));
		}
		for (int64_t st = 0; st < maxlen; st++) {
			if (kind == RK_RNN)
				rnn_step_rnn(&r, st);
			else if (kind == RK_GRU)
				rnn_step_gru(&r, st);
			else
				rnn_step_lstm(&r, st);
		}
		for (int64_t b = 0; b < c.b; b++) {
			int64_t o = rnn_srow(&c, d, b);
			size_t hb = (size_t)c.h * sizeof(float);

			if (yh && len[b])
				memcpy(yh + o, r.h + b * c.h, hb);
			else if (yh)
				memset(yh + o, 0, hb);
			if (yc && len[b])
				memcpy(yc + o, r.cs + b * c.h, hb);
			else if (yc)
				memset(yc + o, 0, hb);
		}
	}
	return 0;
}

#define RNN_OP(name, kind, op_type)					\
static int name##_infer(const struct ir_node *n,			\
			const struct ir_value *in, int n_in,		\
			struct ir_value *out, int n_out,		\
			struct accel_err *e)				\
{									\
	return rnn_infer_kind(kind, n, in, n_in, out, n_out, e);	\
}									\
static int name##_ws(const struct ir_node *n,				\
		     const struct ir_value *in, int n_in,		\
		     const struct ir_value *out, int n_out,		\
		     size_t *bytes, struct accel_err *e)		\
{									\
	return rnn_ws_kind(kind, n, in, n_in, out, n_out, bytes, e);	\
}									\
static int name##_run(const struct ir_node *n,				\
		      const struct ir_value *in, int n_in,		\
		      struct ir_value *out, int n_out, void *ws,	\
		      struct accel_err *e)				\
{									\
	return rnn_run_kind(kind, n, in, n_in, out, n_out, ws, e);	\
}									\
const struct cpu_op_ws cpu_op_##name = {				\
	.op = { "", op_type, name##_infer, NULL },			\
	.workspace = name##_ws,						\
	.run = name##_run,						\
}

RNN_OP(rnn, RK_RNN, "RNN");
RNN_OP(gru, RK_GRU, "GRU");
RNN_OP(lstm, RK_LSTM, "LSTM");
