// SPDX-License-Identifier: MIT
/*
 * RNN, GRU and LSTM against a scalar reference written here from the
 * ONNX equations (double precision, one batch entry and one gate element
 * at a time), over seeded random shapes: every direction and layout,
 * ragged sequence_lens, initial states, peepholes, clip,
 * linear_before_reset, input_forget, every activation with and without
 * activation_alpha/beta, any subset of the outputs (the semantics of the
 * corner cases, clip and an empty sequence, checked against ONNX Runtime
 * by hand).  Then the refusals:
 * bad shapes and attributes at infer(), bad sequence_lens at run().
 */
#include <math.h>

#include "ops/ops_util.h"
#include "ops_test.h"

enum { K_RNN, K_GRU, K_LSTM };

static const char *const kinds[] = { "RNN", "GRU", "LSTM" };

/* Every activation, with the count of alpha/beta values it takes. */
static const struct {
	const char *name;
	int params;
	double alpha, beta;
} acts[] = {
	{ "Relu", 0, 0, 0 }, { "Tanh", 0, 0, 0 }, { "Sigmoid", 0, 0, 0 },
	{ "Affine", 2, 1.0, 0.0 }, { "LeakyRelu", 1, 0.01, 0 },
	{ "ThresholdedRelu", 1, 1.0, 0 }, { "ScaledTanh", 2, 1.0, 1.0 },
	{ "HardSigmoid", 2, 0.2, 0.5 }, { "Elu", 1, 1.0, 0 },
	{ "Softsign", 0, 0, 0 }, { "Softplus", 0, 0, 0 },
};
#define N_ACTS ((int)(sizeof(acts) / sizeof(*acts)))

struct ref_act {
	int id;
	double alpha, beta;
};

static double ref_f(const struct ref_act *a, double x)
{
	const char *nm = acts[a->id].name;

	if (!strcmp(nm, "Relu"))
		return x > 0 ? x : 0;
	if (!strcmp(nm, "Tanh"))
		return tanh(x);
	if (!strcmp(nm, "Sigmoid"))
		return 1.0 / (1.0 + exp(-x));
	if (!strcmp(nm, "Affine"))
		return a->alpha * x + a->beta;
	if (!strcmp(nm, "LeakyRelu"))
		return x >= 0 ? x : a->alpha * x;
	if (!strcmp(nm, "ThresholdedRelu"))
		return x > a->alpha ? x : 0;
	if (!strcmp(nm, "ScaledTanh"))
		return a->alpha * tanh(a->beta * x);
	if (!strcmp(nm, "HardSigmoid"))
		return fmin(fmax(a->alpha * x + a->beta, 0), 1);
	if (!strcmp(nm, "Elu"))
		return x >= 0 ? x : a->alpha * (exp(x) - 1);
	if (!strcmp(nm, "Softsign"))
		return x / (1 + fabs(x));
	return log(1 + exp(x));		/* Softplus */
}

/**
 * struct rcase - one random case
 * @kind, @nd (directions), @rev (forward-only direction reversed),
 * @layout, @t/@b/@i/@h sizes, @clip (0: none), @lbr, @input_forget,
 * @act[d][k] per direction, the present inputs and outputs
 */
struct rcase {
	int kind, nd, rev, layout;
	int t, b, i, h;
	double clip;
	int lbr, input_forget;
	struct ref_act act[2][3];
	bool has_b, has_seq, has_h0, has_c0, has_p;
	bool has_y, has_yh, has_yc;
	float *x, *w, *r, *bias, *h0, *c0, *p;
	int32_t *seq;
};

static int n_gates(int kind)
{
	return kind == K_RNN ? 1 : kind == K_GRU ? 3 : 4;
}

static int n_acts(int kind)
{
	return kind == K_RNN ? 1 : kind == K_GRU ? 2 : 3;
}

static double clipv(const struct rcase *c, double v)
{
	if (c->clip > 0)
		v = fmin(fmax(v, -c->clip), c->clip);
	return v;
}

/* X[t, b, :] in either layout. */
static const float *xat(const struct rcase *c, int t, int b)
{
	return c->x + (c->layout ? b * c->t + t : t * c->b + b) * c->i;
}

/* Row @row of W (R) for direction @d, dotted with x (h). */
static double dotw(const float *m, int d, int rows, int cols, int row,
		   const double *v)
{
	double s = 0;

	for (int k = 0; k < cols; k++)
		s += (double)m[((size_t)d * rows + row) * cols + k] * v[k];
	return s;
}

/* Initial state value (initial_h or initial_c) of (d, b, j). */
static double st0(const struct rcase *c, const float *s, int d, int b, int j)
{
	if (!s)
		return 0;
	return s[(c->layout ? b * c->nd + d : d * c->b + b) * c->h + j];
}

/*
 * The reference: y [T, nd, B, H] in layout 0 order (zeros past each
 * length), yh/yc [nd, B, H].
 */
static void ref_run(const struct rcase *c, double *y, double *yh, double *yc)
{
	int g = n_gates(c->kind), hh = c->h;
	double hs[16], cs[16], xv[16], nh[16], nc[16], rv[16];

	memset(y, 0, sizeof(double) * c->t * c->nd * c->b * hh);
	for (int d = 0; d < c->nd; d++) {
		bool rev = c->nd == 2 ? d == 1 : c->rev;
		const struct ref_act *a = c->act[d];
		const float *bb = c->has_b ? c->bias + d * 2 * g * hh : NULL;

		for (int b = 0; b < c->b; b++) {
			int len = c->has_seq ? c->seq[b] : c->t;

			for (int j = 0; j < hh; j++) {
				hs[j] = st0(c, c->has_h0 ? c->h0 : NULL, d, b, j);
				cs[j] = st0(c, c->has_c0 ? c->c0 : NULL, d, b, j);
			}
			for (int s = 0; s < len; s++) {
				int t = rev ? len - 1 - s : s;

				for (int k = 0; k < c->i; k++)
					xv[k] = xat(c, t, b)[k];
				/* GRU's reset gate, all of it (r (.) H needs it) */
				for (int k = 0; c->kind == K_GRU && k < hh; k++)
					rv[k] = ref_f(&a[0], clipv(c,
						dotw(c->w, d, g * hh, c->i, hh + k, xv) +
						dotw(c->r, d, g * hh, hh, hh + k, hs) +
						(bb ? (double)bb[hh + k] + bb[(g + 1) * hh + k] : 0)));
				for (int j = 0; j < hh; j++) {
#define WB(q) (bb ? (double)bb[(q) * hh + j] : 0.0)
#define RB(q) (bb ? (double)bb[(g + (q)) * hh + j] : 0.0)
#define XW(q) dotw(c->w, d, g * hh, c->i, (q) * hh + j, xv)
#define HR(q) dotw(c->r, d, g * hh, hh, (q) * hh + j, hs)
					if (c->kind == K_RNN) {
						nh[j] = ref_f(&a[0], clipv(c, XW(0) + HR(0) + WB(0) + RB(0)));
					} else if (c->kind == K_GRU) {
						double z = ref_f(&a[0], clipv(c, XW(0) + HR(0) + WB(0) + RB(0)));
						double r = rv[j];
						double pre;

						if (c->lbr) {
							pre = XW(2) + r * (HR(2) + RB(2)) + WB(2);
						} else {
							/* (r (.) H) * Rh^T: row j of Rh over r_k * h_k */
							double rh = 0;

							for (int k = 0; k < hh; k++)
								rh += c->r[((size_t)d * g * hh + 2 * hh + j) * hh + k] *
								      rv[k] * hs[k];
							pre = XW(2) + rh + WB(2) + RB(2);
						}
						nh[j] = (1 - z) * ref_f(&a[1], clipv(c, pre)) + z * hs[j];
					} else {
						/* gates i, o, f, c; peepholes i, o, f */
						const float *p = c->has_p ? c->p + d * 3 * hh : NULL;
						double ig = XW(0) + HR(0) + WB(0) + RB(0) + (p ? p[j] * cs[j] : 0);
						double fg = XW(2) + HR(2) + WB(2) + RB(2) + (p ? p[2 * hh + j] * cs[j] : 0);
						double cg = XW(3) + HR(3) + WB(3) + RB(3);
						double og = XW(1) + HR(1) + WB(1) + RB(1);

						ig = ref_f(&a[0], clipv(c, ig));
						fg = c->input_forget ? 1 - ig : ref_f(&a[0], clipv(c, fg));
						cg = ref_f(&a[1], clipv(c, cg));
						nc[j] = fg * cs[j] + ig * cg;
						og = ref_f(&a[0], clipv(c, og + (p ? p[hh + j] * nc[j] : 0)));
						nh[j] = og * ref_f(&a[2], nc[j]);
					}
#undef WB
#undef RB
#undef XW
#undef HR
				}
				for (int j = 0; j < hh; j++) {
					hs[j] = nh[j];
					if (c->kind == K_LSTM)
						cs[j] = nc[j];
					y[((t * c->nd + d) * c->b + b) * hh + j] = hs[j];
				}
			}
			/* an empty sequence has no last state: zeros (ORT) */
			for (int j = 0; j < hh; j++) {
				yh[(d * c->b + b) * hh + j] = len ? hs[j] : 0;
				yc[(d * c->b + b) * hh + j] = len ? cs[j] : 0;
			}
		}
	}
}

static float *rand_buf(uint64_t *s, size_t cnt, float scale)
{
	float *p = malloc((cnt ? cnt : 1) * sizeof(float));

	for (size_t i = 0; i < cnt; i++)
		p[i] = t_randf(s) * scale;
	return p;
}

/* Compare an output (layout @layout) with the layout-0 reference. */
static int cmp_y(const struct rcase *c, const float *got, const double *want)
{
	for (int t = 0; t < c->t; t++)
		for (int d = 0; d < c->nd; d++)
			for (int b = 0; b < c->b; b++)
				for (int j = 0; j < c->h; j++) {
					size_t gi = c->layout ?
						(((size_t)b * c->t + t) * c->nd + d) * c->h + j :
						(((size_t)t * c->nd + d) * c->b + b) * c->h + j;
					double w = want[((t * c->nd + d) * c->b + b) * c->h + j];

					if (!(fabs(got[gi] - w) <= 1e-4 * (1 + fabs(w)))) {
						CHECK(0, "Y[t %d d %d b %d j %d] got %g want %g",
						      t, d, b, j, got[gi], w);
						return 0;
					}
				}
	return 1;
}

static int cmp_st(const struct rcase *c, const float *got,
		  const double *want, const char *what)
{
	for (int d = 0; d < c->nd; d++)
		for (int b = 0; b < c->b; b++)
			for (int j = 0; j < c->h; j++) {
				size_t gi = (c->layout ? b * c->nd + d : d * c->b + b) *
					    (size_t)c->h + j;
				double w = want[(d * c->b + b) * c->h + j];

				if (!(fabs(got[gi] - w) <= 1e-4 * (1 + fabs(w)))) {
					CHECK(0, "%s[d %d b %d j %d] got %g want %g",
					      what, d, b, j, got[gi], w);
					return 0;
				}
			}
	return 1;
}

static int cases_run;

static void run_case(uint64_t *s, int kind)
{
	static const char *const dirs[] = { "forward", "reverse", "bidirectional" };
	const char *names[6];
	float alpha[6], beta[6];
	struct rcase c = { .kind = kind };
	struct ir_value in[8], out[3];
	struct accel_err e;
	struct tnode t;
	int dir = t_randi(s, 0, 2), g = n_gates(kind), na = n_acts(kind);
	int nal = 0, nbe = 0, n_in, n_out, ret;
	size_t st_cnt;
	double *y, *yh, *yc;

	c.nd = dir == 2 ? 2 : 1;
	c.rev = dir == 1;
	c.layout = t_randi(s, 0, 1);
	c.t = t_randi(s, 1, 5);
	c.b = t_randi(s, 1, 4);
	c.i = t_randi(s, 0, 6);	/* 0: an empty input */
	c.h = t_randi(s, 1, 7);
	c.clip = t_randi(s, 0, 2) ? 0 : 0.2 + 0.1 * t_randi(s, 0, 8);
	c.lbr = kind == K_GRU && t_randi(s, 0, 1);
	c.input_forget = kind == K_LSTM && !t_randi(s, 0, 3);
	c.has_b = t_randi(s, 0, 3);
	c.has_seq = t_randi(s, 0, 1);
	c.has_h0 = t_randi(s, 0, 1);
	c.has_c0 = kind == K_LSTM && t_randi(s, 0, 1);
	c.has_p = kind == K_LSTM && t_randi(s, 0, 1);
	c.has_y = t_randi(s, 0, 3);
	c.has_yh = t_randi(s, 0, 3) || !c.has_y;
	c.has_yc = kind == K_LSTM && t_randi(s, 0, 1);
	c.x = rand_buf(s, (size_t)c.t * c.b * c.i, 1.0f);
	c.w = rand_buf(s, (size_t)c.nd * g * c.h * c.i, 0.6f);
	c.r = rand_buf(s, (size_t)c.nd * g * c.h * c.h, 0.6f);
	c.bias = rand_buf(s, (size_t)c.nd * 2 * g * c.h, 0.5f);
	st_cnt = (size_t)c.nd * c.b * c.h;
	c.h0 = rand_buf(s, st_cnt, 0.8f);
	c.c0 = rand_buf(s, st_cnt, 0.8f);
	c.p = rand_buf(s, (size_t)c.nd * 3 * c.h, 0.5f);
	c.seq = malloc(c.b * sizeof(int32_t));
	for (int b = 0; b < c.b; b++)
		c.seq[b] = t_randi(s, b == 0 ? c.t : 0, c.t);	/* ragged */

	/* activations: the defaults, or random ones with alpha/beta */
	bool custom = t_randi(s, 0, 1);

	for (int d = 0; d < c.nd; d++)
		for (int k = 0; k < na; k++) {
			static const int defs[3][3] = { { 1 }, { 2, 1 }, { 2, 1, 1 } };
			struct ref_act *a = &c.act[d][k];

			a->id = custom ? t_randi(s, 0, N_ACTS - 1) : defs[kind][k];
			a->alpha = acts[a->id].alpha;
			a->beta = acts[a->id].beta;
			names[d * na + k] = acts[a->id].name;
			if (!custom)
				continue;
			if (acts[a->id].params >= 1 && t_randi(s, 0, 3))
				alpha[nal++] = 0.25f * (float)t_randi(s, 1, 6);
			if (acts[a->id].params >= 2 && nbe < nal &&
			    t_randi(s, 0, 3))
				beta[nbe++] = 0.1f * (float)t_randi(s, 1, 6);
		}
	/*
	 * The lists were built with gaps (an activation that takes alpha
	 * may have added none): each activation takes the next unused value
	 * of each list it uses, its default when the list has run out.
	 */
	if (custom) {
		int ia = 0, ib = 0;

		for (int d = 0; d < c.nd; d++)
			for (int k = 0; k < na; k++) {
				struct ref_act *a = &c.act[d][k];

				a->alpha = acts[a->id].alpha;
				a->beta = acts[a->id].beta;
				if (acts[a->id].params >= 1 && ia < nal)
					a->alpha = alpha[ia++];
				if (acts[a->id].params >= 2 && ib < nbe)
					a->beta = beta[ib++];
			}
	}

	tn_init(&t, kinds[kind]);
	tn_str(&t, "direction", dirs[dir]);
	if (c.layout || t_randi(s, 0, 1))
		tn_int(&t, "layout", c.layout);
	if (t_randi(s, 0, 1))
		tn_int(&t, "hidden_size", c.h);
	if (c.clip > 0)
		tn_float(&t, "clip", (float)c.clip);
	if (kind == K_GRU)
		tn_int(&t, "linear_before_reset", c.lbr);
	if (c.input_forget)
		tn_int(&t, "input_forget", 1);
	if (custom || t_randi(s, 0, 1)) {
		struct ir_attr *a = tn_attr(&t, "activations", IR_ATTR_STRINGS);

		a->strings = (char **)names;
		a->n = (size_t)(c.nd * na);
	}
	if (nal) {
		struct ir_attr *a = tn_attr(&t, "activation_alpha", IR_ATTR_FLOATS);

		a->floats = alpha;
		a->n = (size_t)nal;
	}
	if (nbe) {
		struct ir_attr *a = tn_attr(&t, "activation_beta", IR_ATTR_FLOATS);

		a->floats = beta;
		a->n = (size_t)nbe;
	}

	in[0] = c.layout ? tv(IR_F32, c.x, 3, (int64_t)c.b, (int64_t)c.t, (int64_t)c.i) :
			   tv(IR_F32, c.x, 3, (int64_t)c.t, (int64_t)c.b, (int64_t)c.i);
	in[1] = tv(IR_F32, c.w, 3, (int64_t)c.nd, (int64_t)g * c.h, (int64_t)c.i);
	in[2] = tv(IR_F32, c.r, 3, (int64_t)c.nd, (int64_t)g * c.h, (int64_t)c.h);
	in[3] = c.has_b ? tv(IR_F32, c.bias, 2, (int64_t)c.nd, (int64_t)2 * g * c.h) :
			  tv_none();
	in[4] = c.has_seq ? tv(IR_I32, c.seq, 1, (int64_t)c.b) : tv_none();
	in[5] = !c.has_h0 ? tv_none() :
		c.layout ? tv(IR_F32, c.h0, 3, (int64_t)c.b, (int64_t)c.nd, (int64_t)c.h) :
			   tv(IR_F32, c.h0, 3, (int64_t)c.nd, (int64_t)c.b, (int64_t)c.h);
	in[6] = !c.has_c0 ? tv_none() :
		c.layout ? tv(IR_F32, c.c0, 3, (int64_t)c.b, (int64_t)c.nd, (int64_t)c.h) :
			   tv(IR_F32, c.c0, 3, (int64_t)c.nd, (int64_t)c.b, (int64_t)c.h);
	in[7] = c.has_p ? tv(IR_F32, c.p, 2, (int64_t)c.nd, (int64_t)3 * c.h) : tv_none();
	/* trailing omitted inputs are dropped, inner ones stay omitted */
	n_in = kind == K_LSTM ? 8 : 6;
	while (n_in > 3 && in[n_in - 1].rank < 0)
		n_in--;
	n_out = kind == K_LSTM ? 3 : 2;
	if (!c.has_yc && kind == K_LSTM)
		n_out = 2;
	if (!c.has_yh && n_out == 2)
		n_out = 1;
	t.n.n_outputs = n_out;
	t.outputs[0] = c.has_y ? 0 : -1;
	t.outputs[1] = c.has_yh ? 1 : -1;
	t.outputs[2] = c.has_yc ? 2 : -1;

	y = malloc(sizeof(double) * c.t * c.nd * c.b * c.h);
	yh = malloc(sizeof(double) * st_cnt);
	yc = malloc(sizeof(double) * st_cnt);
	ref_run(&c, y, yh, yc);
	ret = t_eval(&t, in, n_in, out, n_out, &e);
	if (TAP_CHECK(ret == 0, "%s run: %d (%s)", kinds[kind], ret, e.msg)) {
		bool ok = true;

		if (c.has_y)
			ok &= cmp_y(&c, out[0].data, y);
		if (c.has_yh && n_out > 1)
			ok &= cmp_st(&c, out[1].data, yh, "Y_h");
		if (c.has_yc && n_out > 2)
			ok &= cmp_st(&c, out[2].data, yc, "Y_c");
		if (!ok)
			CHECK(0, "case: %s dir %s layout %d T %d B %d I %d H %d clip %g lbr %d if %d B %d seq %d h0 %d c0 %d P %d acts %s",
				 kinds[kind], dirs[dir], c.layout, c.t, c.b, c.i, c.h, c.clip,
				 c.lbr, c.input_forget, c.has_b, c.has_seq, c.has_h0, c.has_c0,
				 c.has_p, custom ? "custom" : "default");
		cases_run++;
	}
	t_free_outs(out, n_out);
	free(y);
	free(yh);
	free(yc);
	free(c.x);
	free(c.w);
	free(c.r);
	free(c.bias);
	free(c.h0);
	free(c.c0);
	free(c.p);
	free(c.seq);
}

static void test_random(void)
{
	uint64_t seed = 0x5eed1234;

	cases_run = 0;
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < 120; i++)
			run_case(&seed, k);
	CHECK(cases_run == 360, "only %d of 360 cases ran", cases_run);
}

/* A small forward LSTM's inputs: T 2, B 2, I 3, H 2. */
struct small {
	float x[12], w[24], r[16], b[16], p[6];
	int32_t seq[2];
	struct ir_value in[8];
};

static void small_init(struct small *m, struct tnode *t, const char *op)
{
	int g = !strcmp(op, "RNN") ? 1 : !strcmp(op, "GRU") ? 3 : 4;

	memset(m, 0, sizeof(*m));
	m->seq[0] = 2;
	m->seq[1] = 1;
	tn_init(t, op);
	m->in[0] = tv(IR_F32, m->x, 3, (int64_t)2, (int64_t)2, (int64_t)3);
	m->in[1] = tv(IR_F32, m->w, 3, (int64_t)1, (int64_t)g * 2, (int64_t)3);
	m->in[2] = tv(IR_F32, m->r, 3, (int64_t)1, (int64_t)g * 2, (int64_t)2);
	m->in[3] = tv(IR_F32, m->b, 2, (int64_t)1, (int64_t)g * 4);
	m->in[4] = tv(IR_I32, m->seq, 1, (int64_t)2);
	m->in[5] = tv_none();
	m->in[6] = tv_none();
	m->in[7] = tv(IR_F32, m->p, 2, (int64_t)1, (int64_t)6);
}

static void test_reject(void)
{
	const char *bad_act[] = { "Sigmoid", "Tanhh", "Tanh" };
	const char *two_act[] = { "Sigmoid", "Tanh" };
	struct ir_value out[3];
	struct accel_err e;
	struct small m;
	struct tnode t;
	int ret;

	small_init(&m, &t, "LSTM");
	T_REJECT(&t, m.in, 8, 3, 0, "a valid LSTM");

	small_init(&m, &t, "LSTM");
	tn_int(&t, "hidden_size", 3);
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "hidden_size does not match R");

	small_init(&m, &t, "LSTM");
	m.in[1].dims[1] = 6;
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "W rows are not 4 * hidden_size");

	small_init(&m, &t, "LSTM");
	m.in[1].dims[2] = 4;
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "W columns are not the input size");

	small_init(&m, &t, "LSTM");
	tn_str(&t, "direction", "sideways");
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "unknown direction");

	small_init(&m, &t, "LSTM");
	tn_str(&t, "direction", "bidirectional");
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "bidirectional with one direction of W");

	small_init(&m, &t, "LSTM");
	{
		struct ir_attr *a = tn_attr(&t, "activations", IR_ATTR_STRINGS);

		a->strings = (char **)bad_act;
		a->n = 3;
	}
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "unknown activation");

	small_init(&m, &t, "LSTM");
	{
		struct ir_attr *a = tn_attr(&t, "activations", IR_ATTR_STRINGS);

		a->strings = (char **)two_act;
		a->n = 2;
	}
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "two activations for an LSTM");

	small_init(&m, &t, "LSTM");
	tn_int(&t, "activations", 1);
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "activations of the wrong type");

	small_init(&m, &t, "LSTM");
	tn_int(&t, "layout", 2);
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "layout 2");

	small_init(&m, &t, "LSTM");
	tn_float(&t, "clip", 0.0f);
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "clip 0");

	small_init(&m, &t, "LSTM");
	tn_int(&t, "input_forget", 2);
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "input_forget 2");

	small_init(&m, &t, "LSTM");
	m.in[3].dims[1] = 8;
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "B of 8 columns");

	small_init(&m, &t, "LSTM");
	m.in[7].dims[1] = 4;
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "P of 4 columns");

	small_init(&m, &t, "LSTM");
	m.in[5] = tv(IR_F32, m.x, 3, (int64_t)1, (int64_t)3, (int64_t)2);
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "initial_h of batch 3");

	small_init(&m, &t, "LSTM");
	m.in[4] = tv(IR_F32, m.x, 1, (int64_t)2);
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "float sequence_lens");

	small_init(&m, &t, "LSTM");
	m.in[4].dims[0] = 3;
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "sequence_lens of 3 for a batch of 2");

	small_init(&m, &t, "LSTM");
	m.in[0].dtype = IR_I32;
	T_REJECT(&t, m.in, 8, 3, -EINVAL, "int32 X");

	small_init(&m, &t, "GRU");
	m.in[3].dims[1] = 12;
	tn_int(&t, "linear_before_reset", 3);
	T_REJECT(&t, m.in, 6, 2, -EINVAL, "linear_before_reset 3");

	small_init(&m, &t, "RNN");
	T_REJECT(&t, m.in, 7, 2, -EINVAL, "an RNN with 7 inputs");

	small_init(&m, &t, "RNN");
	T_REJECT(&t, m.in, 6, 3, -EINVAL, "an RNN with 3 outputs");

	/* sequence_lens past the sequence, or negative (values known) */
	small_init(&m, &t, "LSTM");
	m.seq[1] = 3;
	ret = t_eval(&t, m.in, 8, out, 3, &e);
	CHECK(ret == -EINVAL && strstr(e.msg, "sequence_lens[1] = 3"),
	      "sequence_lens 3 > 2: %d (%s)", ret, e.msg);
	t_free_outs(out, 3);

	small_init(&m, &t, "LSTM");
	m.seq[0] = -1;
	ret = t_eval(&t, m.in, 8, out, 3, &e);
	CHECK(ret == -EINVAL && strstr(e.msg, "sequence_lens[0] = -1"),
	      "sequence_lens -1: %d (%s)", ret, e.msg);
	t_free_outs(out, 3);
}

int main(void)
{
	tap_run("rnn_gru_lstm_random_vs_reference", test_random);
	tap_run("rnn_gru_lstm_refusals", test_reject);
	return tap_done("ops-rnn");
}
