// SPDX-License-Identifier: MIT
/*
 * ONNX loader and CPU planner tests.  Models are encoded byte by byte with
 * pbw.h from onnx.proto's field numbers; expected results are computed here
 * by naive loops.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"
#include "ops/ops.h"
#include "exec/plan.h"
#include "ir/ir.h"
#include "onnx/onnx.h"
#include "pbw.h"
#include "tap.h"

/* ---- model builders (ONNX field numbers) -------------------------------- */

/* dims: >= 0 fixed, -1 symbolic named by params[i] ("" = unknown). */
static void value_info(struct pbw *g, int field, const char *name, int dt,
		       int rank, const int64_t *dims, const char *const *params)
{
	struct pbw vi = { 0 }, tp = { 0 }, tt = { 0 }, sh = { 0 };
	int i;

	for (i = 0; i < rank; i++) {
		struct pbw d = { 0 };

		if (dims[i] >= 0)
			pbw_int(&d, 1, dims[i]);
		else if (params && params[i] && params[i][0])
			pbw_str(&d, 2, params[i]);
		pbw_msg(&sh, 1, &d);
	}
	pbw_int(&tt, 1, dt);
	if (rank >= 0)
		pbw_msg(&tt, 2, &sh);
	free(sh.buf);
	pbw_msg(&tp, 1, &tt);
	pbw_str(&vi, 1, name);
	pbw_msg(&vi, 2, &tp);
	pbw_msg(g, field, &vi);
}

static void f32_initializer(struct pbw *g, const char *name, int rank,
			    const int64_t *dims, const float *v, int n,
			    bool raw)
{
	struct pbw t = { 0 };
	int i;

	for (i = 0; i < rank; i++)
		pbw_int(&t, 1, dims[i]);
	pbw_int(&t, 2, IR_F32);
	pbw_str(&t, 8, name);
	if (raw) {
		pbw_bytes(&t, 9, v, (size_t)n * 4);
	} else {
		for (i = 0; i < n; i++)	/* unpacked encoding */
			pbw_float(&t, 4, v[i]);
	}
	pbw_msg(g, 5, &t);
}

/* Node with up to 4 inputs/outputs; NULL-terminated name lists. */
static void node(struct pbw *g, const char *op, const char *name,
		 const char *const *in, const char *const *out,
		 struct pbw *attrs)
{
	struct pbw n = { 0 };

	for (; in && *in; in++)
		pbw_str(&n, 1, *in);
	for (; out && *out; out++)
		pbw_str(&n, 2, *out);
	pbw_str(&n, 3, name);
	pbw_str(&n, 4, op);
	if (attrs && attrs->len)
		pbw_put(&n, attrs->buf, attrs->len);
	if (attrs) {
		free(attrs->buf);
		memset(attrs, 0, sizeof(*attrs));
	}
	pbw_msg(g, 1, &n);
}

/* Wrap graph @g into a model importing opset 13; frees @g. */
static struct pbw model(struct pbw *g)
{
	struct pbw m = { 0 }, o = { 0 };

	pbw_int(&m, 1, 8);
	pbw_msg(&m, 7, g);
	pbw_str(&o, 1, "");
	pbw_int(&o, 2, 13);
	pbw_msg(&m, 8, &o);
	return m;
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const float bias3[3] = { 0.5f, -1.0f, 2.0f };

/* Y = Relu(X + B), X [N,3] symbolic N, B [3]; nodes written out of order. */
static struct pbw model_add_relu(void)
{
	struct pbw g = { 0 };
	int64_t xd[2] = { -1, 3 }, bd[1] = { 3 };

	node(&g, "Relu", "relu0", L("T"), L("Y"), NULL);
	node(&g, "Add", "add0", L("X", "B"), L("T"), NULL);
	pbw_str(&g, 2, "g");
	f32_initializer(&g, "B", 1, bd, bias3, 3, false);
	value_info(&g, 11, "X", IR_F32, 2, xd, L("N", ""));
	value_info(&g, 11, "B", IR_F32, 1, bd, NULL);	/* old-style input */
	value_info(&g, 12, "Y", IR_F32, 2, xd, L("N", ""));
	return model(&g);
}

static struct ir_graph *load(const struct pbw *m, int *err,
			     struct accel_err *e)
{
	*err = 0;
	e->msg[0] = 0;
	return ir_load_onnx(m->buf, m->len, e, err);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_valid_model(void)
{
	struct pbw m = model_add_relu();
	struct accel_err e;
	struct ir_graph *g;
	const struct ir_tensor *x, *b;
	int err;

	g = load(&m, &err, &e);
	free(m.buf);
	if (!TAP_CHECK(g, "load failed %d: %s", err, e.msg))
		return;
	TAP_CHECK(g->opset == 13, "opset %lld", (long long)g->opset);
	TAP_CHECK(g->n_inputs == 1, "n_inputs %d (initializer B must not count)",
		  g->n_inputs);
	TAP_CHECK(g->n_nodes == 2, "n_nodes %d", g->n_nodes);
	TAP_CHECK(!strcmp(g->nodes[0].op_type, "Add") &&
		  !strcmp(g->nodes[1].op_type, "Relu"),
		  "not topologically sorted: %s, %s", g->nodes[0].op_type,
		  g->nodes[1].op_type);
	x = &g->tensors[g->inputs[0]];
	TAP_CHECK(!strcmp(x->name, "X") && x->kind == IR_TENSOR_INPUT,
		  "input %s", x->name);
	TAP_CHECK(x->rank == 2 && x->dims[0] == -1 && x->dims[1] == 3 &&
		  x->dim_param[0] && !strcmp(x->dim_param[0], "N") &&
		  !x->dim_param[1], "X shape");
	b = &g->tensors[ir_tensor_find(g, "B")];
	TAP_CHECK(b->kind == IR_TENSOR_CONST && b->nbytes == 12 &&
		  b->data && !memcmp(b->data, bias3, 12), "B constant");
	TAP_CHECK(g->n_outputs == 1 &&
		  g->tensors[g->outputs[0]].is_output &&
		  !strcmp(g->tensors[g->outputs[0]].name, "Y"), "output Y");
	TAP_CHECK(g->tensors[ir_tensor_find(g, "T")].producer == 0 &&
		  g->tensors[ir_tensor_find(g, "Y")].producer == 1,
		  "producers after sorting");
	TAP_CHECK(g->nodes[0].inputs[0] == g->inputs[0] &&
		  g->nodes[0].inputs[1] == ir_tensor_find(g, "B"),
		  "Add inputs");
	ir_graph_free(g);
}

static void test_plan_run(void)
{
	struct pbw m = model_add_relu();
	struct accel_err e;
	struct ir_graph *g;
	struct cpu_plan *p;
	struct ir_value in = { .dtype = IR_F32, .rank = 2, .dims = { 4, 3 } };
	struct ir_value oi;
	float x[12], y[12 + 4], ref;
	const void *ins[1] = { x };
	void *outs[1] = { y };
	int err, i;

	g = load(&m, &err, &e);
	free(m.buf);
	if (!TAP_CHECK(g, "load: %s", e.msg))
		return;
	p = cpu_plan_create(g, &in, 1, &e, &err);
	if (!TAP_CHECK(p, "plan failed %d: %s", err, e.msg))
		goto out;
	TAP_CHECK(!cpu_plan_output_info(p, 0, &oi) && oi.dtype == IR_F32 &&
		  oi.rank == 2 && oi.dims[0] == 4 && oi.dims[1] == 3,
		  "output info");
	TAP_CHECK(cpu_plan_output_info(p, 1, &oi) == -EINVAL, "bad index");
	for (i = 0; i < 12; i++)
		x[i] = (float)(i * 7 % 11) - 5.25f;
	for (i = 12; i < 16; i++)
		y[i] = 1234.5f;	/* sentinels */
	err = cpu_plan_run(p, ins, outs, &e);
	TAP_CHECK(!err, "run: %d %s", err, e.msg);
	for (i = 0; i < 12; i++) {
		ref = x[i] + bias3[i % 3];
		ref = ref > 0 ? ref : 0;
		TAP_CHECK(y[i] == ref, "y[%d] %g want %g", i, y[i], ref);
	}
	for (i = 12; i < 16; i++)
		TAP_CHECK(y[i] == 1234.5f, "overrun at %d", i);
	cpu_plan_free(p);

	/* Wrong fixed dim, wrong dtype, wrong rank. */
	in.dims[1] = 4;
	p = cpu_plan_create(g, &in, 1, &e, &err);
	TAP_CHECK(!p && err == -EINVAL && strstr(e.msg, "'X'"),
		  "fixed dim mismatch: %d %s", err, e.msg);
	in.dims[1] = 3;
	in.dtype = IR_I32;
	p = cpu_plan_create(g, &in, 1, &e, &err);
	TAP_CHECK(!p && err == -EINVAL && strstr(e.msg, "'X'"),
		  "dtype mismatch: %d %s", err, e.msg);
	in.dtype = IR_F32;
	in.rank = 3;
	p = cpu_plan_create(g, &in, 1, &e, &err);
	TAP_CHECK(!p && err == -EINVAL, "rank mismatch: %d %s", err, e.msg);
out:
	ir_graph_free(g);
}

/* Two inputs share dim_param "N": bindings must agree. */
static void test_symbolic_binding(void)
{
	struct pbw g = { 0 }, m;
	int64_t d[2] = { -1, 2 };
	struct ir_value in[2] = {
		{ .dtype = IR_F32, .rank = 2, .dims = { 5, 2 } },
		{ .dtype = IR_F32, .rank = 2, .dims = { 5, 2 } },
	};
	struct accel_err e;
	struct ir_graph *gr;
	struct cpu_plan *p;
	struct ir_value oi;
	int err;

	node(&g, "Add", "add", L("A", "B"), L("C"), NULL);
	value_info(&g, 11, "A", IR_F32, 2, d, L("N", ""));
	value_info(&g, 11, "B", IR_F32, 2, d, L("N", ""));
	value_info(&g, 12, "C", IR_F32, 2, d, L("N", ""));
	m = model(&g);
	gr = load(&m, &err, &e);
	free(m.buf);
	if (!TAP_CHECK(gr, "load: %s", e.msg))
		return;
	p = cpu_plan_create(gr, in, 2, &e, &err);
	TAP_CHECK(p, "plan: %s", e.msg);
	if (p) {
		cpu_plan_output_info(p, 0, &oi);
		TAP_CHECK(oi.dims[0] == 5, "N bound to %lld",
			  (long long)oi.dims[0]);
		cpu_plan_free(p);
	}
	in[1].dims[0] = 6;
	p = cpu_plan_create(gr, in, 2, &e, &err);
	TAP_CHECK(!p && err == -EINVAL && strstr(e.msg, "'B'") &&
		  strstr(e.msg, "'N'"), "inconsistent N: %d %s", err, e.msg);
	p = cpu_plan_create(gr, in, 1, &e, &err);
	TAP_CHECK(!p && err == -EINVAL, "input count");
	ir_graph_free(gr);
}

static void test_truncated(void)
{
	struct pbw m = model_add_relu();
	struct accel_err e;
	struct ir_graph *g;
	size_t len;
	int err, bad = 0;

	for (len = 0; len < m.len; len++) {
		err = 0;
		e.msg[0] = 0;
		g = ir_load_onnx(m.buf, len, &e, &err);
		if (g || err >= 0 || !e.msg[0]) {
			if (bad++ < 5)
				tap_fail(__FILE__, __LINE__, "prefix %zu: loaded or no error (%d '%s')",
					  len, err, e.msg);
			ir_graph_free(g);
		}
	}
	TAP_CHECK(!bad, "%d prefixes accepted of %zu", bad, m.len);
	/* A cut inside the graph message is a protobuf error. */
	g = ir_load_onnx(m.buf, m.len / 2, &e, &err);
	TAP_CHECK(!g && err == -EINVAL && strstr(e.msg, "truncated"),
		  "half model: %d %s", err, e.msg);
	free(m.buf);
}

static void test_corrupted(void)
{
	static const uint8_t flips[] = { 0xff, 0x80, 0x01, 0x7f };
	struct pbw m = model_add_relu();
	struct ir_value in = { .dtype = IR_F32, .rank = 2, .dims = { 2, 3 } };
	struct accel_err e;
	size_t i, f, n_loaded = 0, n_failed = 0;

	for (i = 0; i < m.len; i++)
		for (f = 0; f < sizeof(flips); f++) {
			struct ir_graph *g;
			struct cpu_plan *p;
			int err = 0;

			m.buf[i] ^= flips[f];
			e.msg[0] = 0;
			g = ir_load_onnx(m.buf, m.len, &e, &err);
			if (!g) {
				n_failed++;
				if (err >= 0 || !e.msg[0])
					tap_fail(__FILE__, __LINE__, "byte %zu ^%#x: err %d msg '%s'",
						  i, flips[f], err, e.msg);
			} else {
				n_loaded++;
				if (g->n_inputs == 1) {
					p = cpu_plan_create(g, &in, 1, &e, &err);
					cpu_plan_free(p);
				}
				ir_graph_free(g);
			}
			m.buf[i] ^= flips[f];
		}
	TAP_CHECK(n_failed > 0, "no corruption was detected");
	free(m.buf);
}

static void expect_load_error(struct pbw *g, int want, const char *const *words,
			      const char *what)
{
	struct pbw m = model(g);
	struct accel_err e;
	struct ir_graph *gr;
	int err;

	gr = load(&m, &err, &e);
	free(m.buf);
	TAP_CHECK(!gr && err == want, "%s: got %p err %d (%s), want %d", what,
		  (void *)gr, err, e.msg, want);
	for (; words && *words; words++)
		TAP_CHECK(strstr(e.msg, *words), "%s: message '%s' lacks '%s'",
			  what, e.msg, *words);
	ir_graph_free(gr);
}

static void test_cycle(void)
{
	struct pbw g = { 0 };
	int64_t d[1] = { 2 };

	node(&g, "Add", "a", L("X", "Z"), L("Y"), NULL);
	node(&g, "Relu", "b", L("Y"), L("Z"), NULL);
	value_info(&g, 11, "X", IR_F32, 1, d, NULL);
	value_info(&g, 12, "Z", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EINVAL, L("cycle"), "cycle");

	/* A node reading its own output. */
	node(&g, "Relu", "self", L("Y"), L("Y"), NULL);
	value_info(&g, 11, "X", IR_F32, 1, d, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EINVAL, L("cycle", "'self'"), "self loop");
}

static void test_undefined_and_duplicate(void)
{
	struct pbw g = { 0 };
	int64_t d[1] = { 2 };

	node(&g, "Relu", "r0", L("nowhere"), L("Y"), NULL);
	value_info(&g, 11, "X", IR_F32, 1, d, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EINVAL, L("'r0'", "'nowhere'"), "undefined");

	node(&g, "Relu", "r0", L("X"), L("Y"), NULL);
	node(&g, "Relu", "r1", L("X"), L("Y"), NULL);
	value_info(&g, 11, "X", IR_F32, 1, d, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EINVAL, L("'r1'", "'Y'", "already"),
			  "duplicate output");

	node(&g, "Relu", "r0", L("X"), L("Y"), NULL);
	value_info(&g, 11, "X", IR_F32, 1, d, NULL);
	value_info(&g, 12, "Q", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EINVAL, L("'Q'"), "undefined graph output");
}

static void test_unsupported_op(void)
{
	struct pbw g = { 0 }, m;
	int64_t d[1] = { 2 };
	struct ir_value in = { .dtype = IR_F32, .rank = 1, .dims = { 2 } };
	struct accel_err e;
	struct ir_graph *gr;
	struct cpu_plan *p;
	int err;

	node(&g, "FrobnicateXYZ", "frob", L("X"), L("Y"), NULL);
	value_info(&g, 11, "X", IR_F32, 1, d, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	m = model(&g);
	gr = load(&m, &err, &e);
	free(m.buf);
	if (!TAP_CHECK(gr, "unknown ops must load: %s", e.msg))
		return;
	p = cpu_plan_create(gr, &in, 1, &e, &err);
	TAP_CHECK(!p && err == -EOPNOTSUPP &&
		  !strcmp(e.msg, "node 'frob' (FrobnicateXYZ): operator not supported by the CPU backend"),
		  "%d '%s'", err, e.msg);
	ir_graph_free(gr);
}

/*
 * accel_model_load_mem() refuses a model whose operators the CPU backend
 * lacks at load, naming every such node in one message grouped by
 * operator, and cuts a long list with "...".
 */
static void test_unsupported_at_load(void)
{
	struct pbw g = { 0 }, m;
	int64_t d[1] = { 2 };
	char name[64];
	accel_model *am;
	accel_ctx *ctx;
	int err;

	ctx = accel_open(ACCEL_DEVICE_CPU, &err);
	if (!TAP_CHECK(ctx, "open: %s", accel_last_error()))
		return;
	node(&g, "Relu", "r0", L("X"), L("A"), NULL);
	node(&g, "Det", "det1", L("A"), L("B"), NULL);
	node(&g, "Relu", "r1", L("B"), L("C"), NULL);
	node(&g, "FrobnicateXYZ", "frob", L("C"), L("D"), NULL);
	node(&g, "Det", "det2", L("D"), L("Y"), NULL);
	value_info(&g, 11, "X", IR_F32, 1, d, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	m = model(&g);
	am = accel_model_load_mem(ctx, m.buf, m.len, &err);
	free(m.buf);
	TAP_CHECK(!am && err == -EOPNOTSUPP &&
		  strstr(accel_last_error(),
			 "3 nodes use operators the CPU backend does not support: Det ('det1', 'det2'), FrobnicateXYZ ('frob')"),
		  "%d '%s'", err, accel_last_error());
	accel_model_free(am);

	memset(&g, 0, sizeof(g));
	for (int i = 0; i < 40; i++) {
		char a[16], b[16];

		snprintf(a, sizeof(a), "v%d", i);
		snprintf(b, sizeof(b), "v%d", i + 1);
		snprintf(name, sizeof(name), "a_rather_long_node_name_%d", i);
		node(&g, i % 2 ? "Det" : "Unique", name, L(i ? a : "X"),
		     L(i == 39 ? "Y" : b), NULL);
	}
	value_info(&g, 11, "X", IR_F32, 1, d, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	m = model(&g);
	am = accel_model_load_mem(ctx, m.buf, m.len, &err);
	free(m.buf);
	TAP_CHECK(!am && err == -EOPNOTSUPP &&
		  strstr(accel_last_error(), "40 nodes use operators") &&
		  strstr(accel_last_error(), "Unique ('a_rather_long_node_name_0', 'a_rather_long_node_name_2'") &&
		  !strcmp(accel_last_error() + strlen(accel_last_error()) - 3,
			  "..."),
		  "%d '%s'", err, accel_last_error());
	accel_model_free(am);
	accel_close(ctx);
}

/* A STRINGS attribute (RNN's activations) reaches the IR. */
static void test_strings_attr(void)
{
	struct pbw g = { 0 }, m, at = { 0 }, a = { 0 };
	int64_t d[1] = { 2 };
	const char *const *v;
	struct ir_graph *gr;
	struct accel_err e;
	size_t cnt;
	int err;

	pbw_str(&a, 1, "names");
	pbw_str(&a, 9, "Sigmoid");
	pbw_str(&a, 9, "");
	pbw_str(&a, 9, "Tanh");
	pbw_int(&a, 20, 8);
	pbw_msg(&at, 5, &a);
	node(&g, "Relu", "r0", L("X"), L("Y"), &at);
	value_info(&g, 11, "X", IR_F32, 1, d, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	m = model(&g);
	gr = load(&m, &err, &e);
	free(m.buf);
	if (!TAP_CHECK(gr, "load: %s", e.msg))
		return;
	err = ir_get_strings(&gr->nodes[0], "names", &v, &cnt, &e);
	TAP_CHECK(err == 1 && cnt == 3 && !strcmp(v[0], "Sigmoid") &&
		  !strcmp(v[1], "") && !strcmp(v[2], "Tanh"),
		  "strings: %d %zu", err, cnt);
	err = ir_get_ints(&gr->nodes[0], "names", &(const int64_t *){ 0 },
			  &cnt, &e);
	TAP_CHECK(err == -EINVAL && strstr(e.msg, "names"),
		  "strings read as ints: %d '%s'", err, e.msg);
	ir_graph_free(gr);
}

static void test_external_and_subgraph(void)
{
	struct pbw g = { 0 }, t = { 0 }, kv = { 0 }, a = { 0 }, sub = { 0 };
	int64_t d[1] = { 2 };

	pbw_int(&t, 1, 2);
	pbw_int(&t, 2, IR_F32);
	pbw_str(&t, 8, "W_ext");
	pbw_str(&kv, 1, "location");
	pbw_str(&kv, 2, "weights.bin");
	pbw_msg(&t, 13, &kv);
	pbw_int(&t, 14, 1);
	pbw_msg(&g, 5, &t);
	node(&g, "Add", "a", L("X", "W_ext"), L("Y"), NULL);
	value_info(&g, 11, "X", IR_F32, 1, d, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EOPNOTSUPP, L("'W_ext'", "external"),
			  "external data");

	/* If with a then_branch graph attribute (field 6, type GRAPH). */
	pbw_str(&sub, 2, "then");
	pbw_str(&a, 1, "then_branch");
	pbw_msg(&a, 6, &sub);
	pbw_int(&a, 20, 5);
	{
		struct pbw attrs = { 0 };

		pbw_msg(&attrs, 5, &a);
		node(&g, "If", "branchy", L("C"), L("Y"), &attrs);
	}
	value_info(&g, 11, "C", IR_BOOL, 0, NULL, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EINVAL,
			  L("node 'branchy' (If) attribute 'then_branch'",
			    "no outputs"), "empty subgraph");

	/* Type GRAPH without the graph. */
	pbw_str(&a, 1, "then_branch");
	pbw_int(&a, 20, 5);
	{
		struct pbw attrs = { 0 };

		pbw_msg(&attrs, 5, &a);
		node(&g, "If", "branchy", L("C"), L("Y"), &attrs);
	}
	value_info(&g, 11, "C", IR_BOOL, 0, NULL, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EINVAL,
			  L("'branchy'", "'then_branch'", "holds no graph"),
			  "graph attribute without a graph");
}

/* Subgraphs nested past ONNX_MAX_DEPTH are refused before parsing on. */
static void test_subgraph_depth(void)
{
	struct pbw g = { 0 };
	int64_t d[1] = { 2 };
	int i;

	pbw_str(&g, 2, "innermost");
	for (i = 0; i < ONNX_MAX_DEPTH + 4; i++) {
		struct pbw a = { 0 }, attrs = { 0 }, outer = { 0 };

		pbw_str(&a, 1, "then_branch");
		pbw_msg(&a, 6, &g);
		pbw_int(&a, 20, 5);
		pbw_msg(&attrs, 5, &a);
		node(&outer, "If", "nest", L("C"), L("Y"), &attrs);
		g = outer;
	}
	value_info(&g, 11, "C", IR_BOOL, 0, NULL, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -E2BIG, L("nested deeper than 16"),
			  "deeply nested subgraphs");
}

static void test_tensor_data_checks(void)
{
	struct pbw g = { 0 }, t = { 0 };
	int64_t d[1] = { 3 }, big[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	float v[2] = { 1, 2 };

	/* raw_data of 8 bytes for a [3] float tensor. */
	pbw_int(&t, 1, 3);
	pbw_int(&t, 2, IR_F32);
	pbw_str(&t, 8, "short");
	pbw_bytes(&t, 9, v, 8);
	pbw_msg(&g, 5, &t);
	node(&g, "Relu", "r", L("short"), L("Y"), NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EINVAL, L("'short'"), "raw_data size");

	/* float_data count mismatch. */
	f32_initializer(&g, "few", 1, d, v, 2, false);
	node(&g, "Relu", "r", L("few"), L("Y"), NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EINVAL, L("'few'"), "float_data count");

	/* rank 9 input. */
	node(&g, "Relu", "r", L("X"), L("Y"), NULL);
	value_info(&g, 11, "X", IR_F32, 9, big, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EOPNOTSUPP, L("'X'", "rank"), "rank 9");

	/* string and unknown element types. */
	node(&g, "Relu", "r", L("X"), L("Y"), NULL);
	value_info(&g, 11, "X", IR_STRING, 1, d, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EOPNOTSUPP, L("'X'", "string"), "string input");
	node(&g, "Relu", "r", L("X"), L("Y"), NULL);
	value_info(&g, 11, "X", 99, 1, d, NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	expect_load_error(&g, -EOPNOTSUPP, L("'X'", "99"), "dtype 99");

	/* No opset_import at all. */
	{
		struct pbw m = { 0 }, gg = { 0 };
		struct accel_err e;
		int err = 0;

		node(&gg, "Relu", "r", L("X"), L("Y"), NULL);
		value_info(&gg, 11, "X", IR_F32, 1, d, NULL);
		value_info(&gg, 12, "Y", IR_F32, 1, d, NULL);
		pbw_msg(&m, 7, &gg);
		TAP_CHECK(!ir_load_onnx(m.buf, m.len, &e, &err) &&
			  err == -EINVAL && strstr(e.msg, "opset"),
			  "no opset: %d %s", err, e.msg);
		free(m.buf);
	}
}

/* Typed fields: packed and unpacked encodings, narrow types, Constant. */
static void test_typed_fields(void)
{
	struct pbw g = { 0 }, t = { 0 }, pk = { 0 }, m, a = { 0 }, attrs = { 0 };
	int64_t d[1] = { 3 };
	const float pf[3] = { 1.5f, -2.0f, 3.25f };
	struct accel_err e;
	struct ir_graph *gr;
	const struct ir_tensor *x;
	int err, i;

	/* float_data packed */
	pbw_int(&t, 1, 3);
	pbw_int(&t, 2, IR_F32);
	pbw_str(&t, 8, "packed");
	pbw_bytes(&t, 4, pf, sizeof(pf));
	pbw_msg(&g, 5, &t);
	/* int8 via int32_data, packed varints incl. a negative */
	pbw_int(&t, 1, 3);
	pbw_int(&t, 2, IR_I8);
	pbw_str(&t, 8, "i8");
	pbw_varint(&pk, 5);
	pbw_varint(&pk, (uint64_t)(int64_t)-7);
	pbw_varint(&pk, 127);
	pbw_msg(&t, 5, &pk);
	pbw_msg(&g, 5, &t);
	f32_initializer(&g, "unpacked", 1, d, pf, 3, false);
	/* Constant node with value_ints (unpacked ints) */
	pbw_str(&a, 1, "value_ints");
	pbw_int(&a, 8, 4);
	pbw_int(&a, 8, -1);
	pbw_int(&a, 20, 7);
	pbw_msg(&attrs, 5, &a);
	node(&g, "Constant", "c", NULL, L("shape"), &attrs);
	node(&g, "Add", "a", L("packed", "unpacked"), L("Y"), NULL);
	value_info(&g, 12, "Y", IR_F32, 1, d, NULL);
	value_info(&g, 12, "i8", IR_I8, 1, d, NULL);
	value_info(&g, 12, "shape", IR_I64, -1, NULL, NULL);
	m = model(&g);
	gr = load(&m, &err, &e);
	free(m.buf);
	if (!TAP_CHECK(gr, "load: %s", e.msg))
		return;
	x = &gr->tensors[ir_tensor_find(gr, "packed")];
	TAP_CHECK(x->nbytes == 12 && !memcmp(x->data, pf, 12), "packed floats");
	x = &gr->tensors[ir_tensor_find(gr, "unpacked")];
	TAP_CHECK(x->nbytes == 12 && !memcmp(x->data, pf, 12),
		  "unpacked floats");
	x = &gr->tensors[ir_tensor_find(gr, "i8")];
	TAP_CHECK(x->nbytes == 3 && ((int8_t *)x->data)[0] == 5 &&
		  ((int8_t *)x->data)[1] == -7 &&
		  ((int8_t *)x->data)[2] == 127, "int8 from int32_data");
	x = &gr->tensors[ir_tensor_find(gr, "shape")];
	TAP_CHECK(x->kind == IR_TENSOR_CONST && x->dtype == IR_I64 &&
		  x->rank == 1 && x->dims[0] == 2 && x->nbytes == 16,
		  "Constant value_ints");
	if (x->nbytes == 16) {
		TAP_CHECK(((int64_t *)x->data)[0] == 4 &&
			  ((int64_t *)x->data)[1] == -1, "Constant values");
	}
	TAP_CHECK(gr->n_nodes == 1, "Constant node kept: %d nodes",
		  gr->n_nodes);
	for (i = 0; i < gr->n_outputs; i++)
		TAP_CHECK(gr->tensors[gr->outputs[i]].is_output, "is_output");
	ir_graph_free(gr);
}

/* A chain of Relus: the arena must ping-pong between two buffers. */
static void test_arena_reuse(void)
{
	enum { N = 1024, CHAIN = 7 };
	struct pbw g = { 0 }, m;
	int64_t d[2] = { 1, N };
	char in[16], out[16];
	struct ir_value iv = { .dtype = IR_F32, .rank = 2, .dims = { 1, N } };
	struct accel_err e;
	struct ir_graph *gr;
	struct cpu_plan *p;
	float *x, *y;
	const void *ins[1];
	void *outs[1];
	int err, i;

	for (i = 0; i < CHAIN; i++) {
		snprintf(in, sizeof(in), i ? "t%d" : "X", i);
		snprintf(out, sizeof(out), i == CHAIN - 1 ? "Y" : "t%d", i + 1);
		node(&g, i % 2 ? "Relu" : "Sigmoid", "n", L(in), L(out), NULL);
	}
	value_info(&g, 11, "X", IR_F32, 2, d, NULL);
	value_info(&g, 12, "Y", IR_F32, 2, d, NULL);
	m = model(&g);
	gr = load(&m, &err, &e);
	free(m.buf);
	if (!TAP_CHECK(gr, "load: %s", e.msg))
		return;
	p = cpu_plan_create(gr, &iv, 1, &e, &err);
	if (!TAP_CHECK(p, "plan: %d %s", err, e.msg))
		goto out;
	/* 6 intermediates of 4 KiB, at most two live at once. */
	TAP_CHECK(cpu_plan_arena_size(p) == 2 * N * sizeof(float),
		  "arena %zu, want %zu (sum of intermediates %zu)",
		  cpu_plan_arena_size(p), 2 * N * sizeof(float),
		  (CHAIN - 1) * N * sizeof(float));
	x = malloc(N * sizeof(float));
	y = malloc(N * sizeof(float));
	for (i = 0; i < N; i++)
		x[i] = (float)((i * 37) % 101) / 10.0f - 5.0f;
	ins[0] = x;
	outs[0] = y;
	err = cpu_plan_run(p, ins, outs, &e);
	TAP_CHECK(!err, "run: %s", e.msg);
	for (i = 0; i < N && !err; i++) {
		double r = x[i];
		int k;

		for (k = 0; k < CHAIN; k++)
			r = k % 2 ? (r > 0 ? r : 0) : 1.0 / (1.0 + exp(-r));
		if (!TAP_CHECK(fabs(y[i] - r) <= 1e-5 * fabs(r) + 1e-6,
			       "y[%d] %g want %g", i, y[i], r))
			break;
	}
	free(x);
	free(y);
	cpu_plan_free(p);
out:
	ir_graph_free(gr);
}

/*
 * Reshape(X, Concat(Gather(Shape(X), 0), [-1])) is folded at plan time:
 * the run only executes Reshape's copy, outputs that are inputs are copied.
 */
static void test_fold_shape_chain(void)
{
	static const char *const need[] = { "Shape", "Gather", "Concat",
					     "Reshape", "Unsqueeze" };
	struct pbw g = { 0 }, m, a = { 0 }, attrs = { 0 }, t = { 0 };
	int64_t xd[3] = { 2, 3, 4 }, yd[2] = { 2, 12 };
	struct ir_value iv = { .dtype = IR_F32, .rank = 3, .dims = { 2, 3, 4 } };
	struct accel_err e;
	struct ir_graph *gr;
	struct cpu_plan *p;
	float x[24], y[24], y2[24];
	const void *ins[1] = { x };
	void *outs[2] = { y, y2 };
	struct ir_value oi;
	int64_t idx0 = 0, minus1 = -1, zero = 0;
	size_t i;
	int err;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!cpu_op_find("", need[i])) {
			tap_skip("operator %s not in the registry", need[i]);
			return;
		}
	pbw_int(&t, 2, IR_I64);
	pbw_str(&t, 8, "i0");
	pbw_bytes(&t, 9, &idx0, 8);
	pbw_msg(&g, 5, &t);
	pbw_int(&t, 1, 1);
	pbw_int(&t, 2, IR_I64);
	pbw_str(&t, 8, "m1");
	pbw_bytes(&t, 9, &minus1, 8);
	pbw_msg(&g, 5, &t);
	pbw_int(&t, 1, 1);
	pbw_int(&t, 2, IR_I64);
	pbw_str(&t, 8, "ax0");
	pbw_bytes(&t, 9, &zero, 8);
	pbw_msg(&g, 5, &t);
	node(&g, "Shape", "s", L("X"), L("sh"), NULL);
	node(&g, "Gather", "ga", L("sh", "i0"), L("n0"), NULL);
	node(&g, "Unsqueeze", "u", L("n0", "ax0"), L("n0v"), NULL);
	pbw_str(&a, 1, "axis");
	pbw_int(&a, 3, 0);
	pbw_int(&a, 20, 2);
	pbw_msg(&attrs, 5, &a);
	node(&g, "Concat", "c", L("n0v", "m1"), L("newshape"), &attrs);
	node(&g, "Reshape", "r", L("X", "newshape"), L("Y"), NULL);
	value_info(&g, 11, "X", IR_F32, 3, xd, NULL);
	value_info(&g, 12, "Y", IR_F32, 2, yd, NULL);
	value_info(&g, 12, "X", IR_F32, 3, xd, NULL);
	m = model(&g);
	gr = load(&m, &err, &e);
	free(m.buf);
	if (!TAP_CHECK(gr, "load: %s", e.msg))
		return;
	p = cpu_plan_create(gr, &iv, 1, &e, &err);
	if (!TAP_CHECK(p, "plan: %d %s", err, e.msg))
		goto out;
	TAP_CHECK(!cpu_plan_output_info(p, 0, &oi) && oi.rank == 2 &&
		  oi.dims[0] == 2 && oi.dims[1] == 12, "Y shape");
	TAP_CHECK(cpu_plan_arena_size(p) == 0,
		  "shape chain should fold, arena %zu", cpu_plan_arena_size(p));
	for (i = 0; i < 24; i++)
		x[i] = (float)i * 0.5f - 3;
	err = cpu_plan_run(p, ins, outs, &e);
	TAP_CHECK(!err, "run: %s", e.msg);
	TAP_CHECK(!memcmp(x, y, sizeof(x)), "reshape data");
	TAP_CHECK(!memcmp(x, y2, sizeof(x)), "input as output copied");
	cpu_plan_free(p);
out:
	ir_graph_free(gr);
}

/* Backend test data TensorProto files use the same converter. */
static void test_load_tensor(void)
{
	struct pbw t = { 0 };
	struct ir_value v;
	struct accel_err e;
	char *name;
	int64_t vals[2] = { -3, 1LL << 40 };
	int err;

	pbw_int(&t, 1, 2);
	pbw_int(&t, 2, IR_I64);
	pbw_str(&t, 8, "t");
	pbw_int(&t, 7, vals[0]);
	pbw_int(&t, 7, vals[1]);
	err = onnx_load_tensor(t.buf, t.len, &v, &name, &e);
	TAP_CHECK(!err && v.dtype == IR_I64 && v.rank == 1 && v.dims[0] == 2 &&
		  !memcmp(v.data, vals, 16) && !strcmp(name, "t"),
		  "int64 tensor: %d %s", err, e.msg);
	if (!err) {
		free(v.data);
		free(name);
	}
	err = onnx_load_tensor(t.buf, t.len - 1, &v, NULL, &e);
	TAP_CHECK(err == -EINVAL, "truncated tensor: %d", err);
	free(t.buf);
}

/* Conv of [1, 2, 6, 5] with W [2, 2, 3, 3], pads 1 (reference). */
static void conv_ref2(const float *x, const float *w, const float *b,
		      float *y)
{
	for (int o = 0; o < 2; o++)
		for (int r = 0; r < 6; r++)
			for (int c = 0; c < 5; c++) {
				double s = b[o];

				for (int i = 0; i < 2; i++)
					for (int ky = 0; ky < 3; ky++)
						for (int kx = 0; kx < 3; kx++) {
							int iy = r + ky - 1, ix = c + kx - 1;

							if (iy < 0 || iy >= 6 || ix < 0 || ix >= 5)
								continue;
							s += (double)x[(i * 6 + iy) * 5 + ix] *
							     w[((o * 2 + i) * 3 + ky) * 3 + kx];
						}
				y[(o * 6 + r) * 5 + c] = (float)s;
			}
}

/*
 * The float plan fuses Add (residual) and Relu/Clip into the Conv before
 * them: S = Add(Conv(X), X) is a graph output too, so its Relu stays a
 * step of its own; Y = Clip(Conv(Relu(S)), -0.5, 0.75) fuses whole.
 */
static void test_plan_fusion(void)
{
	struct pbw g = { 0 }, m, a = { 0 }, attrs = { 0 };
	int64_t xd[4] = { 1, 2, 6, 5 }, wd[4] = { 2, 2, 3, 3 }, bd[1] = { 2 };
	int64_t sd[1] = { 1 };
	float w[36], b[2] = { 0.25f, -0.5f }, lo = -0.5f, hi = 0.75f;
	float x[60], s_ref[60], y_ref[60], t[60], s[60 + 4], y[60 + 4];
	struct ir_value in = { .dtype = IR_F32, .rank = 4,
			       .dims = { 1, 2, 6, 5 } };
	const void *ins[1] = { x };
	void *outs[2] = { y, s };
	struct accel_err e;
	struct ir_graph *gr;
	struct cpu_plan *p;
	int err, bad = 0;

	for (int i = 0; i < 36; i++)
		w[i] = (float)((i * 5) % 7) / 7.0f - 0.4f;
	for (int i = 0; i < 60; i++)
		x[i] = (float)((i * 11) % 13) / 13.0f - 0.5f;
	for (int k = 0; k < 2; k++) {
		struct pbw at = { 0 };

		pbw_str(&at, 1, "pads");
		for (int i = 0; i < 4; i++)
			pbw_int(&at, 8, 1);
		pbw_int(&at, 20, 7);
		pbw_msg(&attrs, 5, &at);
		node(&g, "Conv", k ? "conv1" : "conv0",
		     k ? L("R", "W", "B") : L("X", "W", "B"),
		     k ? L("D") : L("C"), &attrs);
		if (!k) {
			node(&g, "Add", "add0", L("C", "X"), L("S"), NULL);
			node(&g, "Relu", "relu0", L("S"), L("R"), NULL);
		}
	}
	node(&g, "Clip", "clip0", L("D", "lo", "hi"), L("Y"), NULL);
	(void)a;
	pbw_str(&g, 2, "g");
	f32_initializer(&g, "W", 4, wd, w, 36, false);
	f32_initializer(&g, "B", 1, bd, b, 2, false);
	f32_initializer(&g, "lo", 0, sd, &lo, 1, false);
	f32_initializer(&g, "hi", 0, sd, &hi, 1, false);
	value_info(&g, 11, "X", IR_F32, 4, xd, NULL);
	value_info(&g, 12, "Y", IR_F32, 4, xd, NULL);
	value_info(&g, 12, "S", IR_F32, 4, xd, NULL);
	m = model(&g);
	gr = load(&m, &err, &e);
	free(m.buf);
	if (!TAP_CHECK(gr, "load: %s", e.msg))
		return;
	p = cpu_plan_create(gr, &in, 1, &e, &err);
	if (!TAP_CHECK(p, "plan: %d %s", err, e.msg))
		goto out;
	conv_ref2(x, w, b, s_ref);
	for (int i = 0; i < 60; i++) {
		s_ref[i] += x[i];
		t[i] = s_ref[i] > 0 ? s_ref[i] : 0;
	}
	conv_ref2(t, w, b, y_ref);
	for (int i = 0; i < 60; i++)
		y_ref[i] = y_ref[i] < lo ? lo : y_ref[i] > hi ? hi : y_ref[i];
	for (int i = 60; i < 64; i++)
		s[i] = y[i] = 1234.5f;
	err = cpu_plan_run(p, ins, outs, &e);
	TAP_CHECK(!err, "run: %d %s", err, e.msg);
	for (int i = 0; i < 60 && !bad; i++)
		bad = fabsf(y[i] - y_ref[i]) > 1e-5f ||
		      fabsf(s[i] - s_ref[i]) > 1e-5f;
	TAP_CHECK(!bad, "fused residual/relu/clip differ from the reference");
	TAP_CHECK(y[60] == 1234.5f && s[60] == 1234.5f, "overrun");
	cpu_plan_free(p);
out:
	ir_graph_free(gr);
}

int main(void)
{
	tap_run("valid model loads with the right IR", test_valid_model);
	tap_run("plan and run Add+Relu, shape checks", test_plan_run);
	tap_run("symbolic dims bind consistently", test_symbolic_binding);
	tap_run("every truncated prefix is rejected", test_truncated);
	tap_run("corrupted bytes never crash", test_corrupted);
	tap_run("cycles are rejected", test_cycle);
	tap_run("undefined inputs and duplicate outputs",
		test_undefined_and_duplicate);
	tap_run("unsupported operator message", test_unsupported_op);
	tap_run("every unsupported node reported at load",
		test_unsupported_at_load);
	tap_run("STRINGS attributes", test_strings_attr);
	tap_run("external data and subgraphs", test_external_and_subgraph);
	tap_run("subgraph nesting is bounded", test_subgraph_depth);
	tap_run("tensor data checks", test_tensor_data_checks);
	tap_run("typed fields, packed and unpacked, Constant",
		test_typed_fields);
	tap_run("arena reuse along a chain", test_arena_reuse);
	tap_run("Conv + Add + Relu/Clip fused in the float plan",
		test_plan_fusion);
	tap_run("Shape->Gather->Concat->Reshape folds", test_fold_shape_chain);
	tap_run("standalone TensorProto", test_load_tensor);
	return tap_done("onnx");
}
