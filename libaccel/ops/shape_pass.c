// SPDX-License-Identifier: MIT
/*
 * The shape pass (see shape.h): type and shape inference and constant
 * folding for one set of concrete input shapes, before any memory is laid
 * out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/shape_pass.h"

/* Zero-byte values and Shape's unknown inputs get this non-NULL address. */
static _Alignas(64) unsigned char shape_empty[64];

static const char *tname(const struct shape_pass *p, int v)
{
	return v < p->g->n_tensors ? p->g->tensors[v].name : "(omitted)";
}

static void fmt_dims(char *buf, size_t sz, int rank, const int64_t *dims)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(buf + o, sz - o, "[");
	for (i = 0; i < rank && o < sz; i++)
		o += (size_t)snprintf(buf + o, sz - o, "%s%lld",
				      i ? "," : "", (long long)dims[i]);
	if (o < sz)
		snprintf(buf + o, sz - o, "]");
}

/* ---- symbolic dimension bindings ---------------------------------------- */

struct dim_binding {
	const char *name;
	int64_t value;
	const char *input;	/* where it was bound, for messages */
};

struct bindings {
	struct dim_binding *b;
	int n, cap;
};

static const struct dim_binding *binding_find(const struct bindings *bs,
					      const char *name)
{
	int i;

	for (i = 0; i < bs->n; i++)
		if (!strcmp(bs->b[i].name, name))
			return &bs->b[i];
	return NULL;
}

static int check_input(struct shape_pass *p, int i, const struct ir_value *v,
		       struct bindings *bs, struct accel_err *e)
{
	const struct ir_tensor *t = &p->g->tensors[p->g->inputs[i]];
	char a[160], b[160];
	int d;

	if (v->rank < 0 || v->rank > IR_MAX_RANK)
		return accel_seterr(e, -EINVAL,
				    "input '%s': rank %d is out of range",
				    t->name, v->rank);
	if (!ir_dtype_size(v->dtype))
		return accel_seterr(e, -EOPNOTSUPP,
				    "input '%s': element type %s is not supported",
				    t->name, ir_dtype_name(v->dtype));
	if (t->dtype != IR_UNDEFINED && v->dtype != t->dtype)
		return accel_seterr(e, -EINVAL,
				    "input '%s': given %s, the model declares %s",
				    t->name, ir_dtype_name(v->dtype),
				    ir_dtype_name(t->dtype));
	fmt_dims(a, sizeof(a), v->rank, v->dims);
	if (t->rank >= 0 && t->rank != v->rank)
		return accel_seterr(e, -EINVAL,
				    "input '%s': given shape %s has rank %d, the model declares rank %d",
				    t->name, a, v->rank, t->rank);
	for (d = 0; d < v->rank; d++) {
		if (v->dims[d] < 0)
			return accel_seterr(e, -EINVAL,
					    "input '%s': given shape %s has a negative dimension",
					    t->name, a);
		if (t->rank < 0)
			continue;
		if (t->dims[d] >= 0 && t->dims[d] != v->dims[d]) {
			fmt_dims(b, sizeof(b), t->rank, t->dims);
			return accel_seterr(e, -EINVAL,
					    "input '%s': given shape %s does not match the declared %s (dimension %d)",
					    t->name, a, b, d);
		}
		if (t->dim_param[d]) {
			const struct dim_binding *x =
				binding_find(bs, t->dim_param[d]);

			if (x && x->value != v->dims[d])
				return accel_seterr(e, -EINVAL,
						    "input '%s': dimension %d ('%s') is %lld but input '%s' bound '%s' to %lld",
						    t->name, d, t->dim_param[d],
						    (long long)v->dims[d],
						    x->input, x->name,
						    (long long)x->value);
			if (!x) {
				if (bs->n == bs->cap)
					return accel_seterr(e, -ENOMEM,
							    "out of memory");
				bs->b[bs->n].name = t->dim_param[d];
				bs->b[bs->n].value = v->dims[d];
				bs->b[bs->n].input = t->name;
				bs->n++;
			}
		}
	}
	if (ir_value_nbytes(v) < 0 ||
	    (uint64_t)ir_value_nbytes(v) > SHAPE_MAX_VALUE)
		return accel_seterr(e, -EINVAL, "input '%s': shape %s is too large",
				    t->name, a);
	return 0;
}

/* An inferred graph output must agree with what the model declares. */
static int check_output(struct shape_pass *p, int v, const struct bindings *bs,
			struct accel_err *e)
{
	const struct ir_tensor *t = &p->g->tensors[v];
	const struct ir_value *x = &p->vals[v];
	char a[160], b[160];
	int d;

	if (t->dtype != IR_UNDEFINED && t->dtype != x->dtype)
		return accel_seterr(e, -EINVAL,
				    "graph output '%s': computed type %s, the model declares %s",
				    t->name, ir_dtype_name(x->dtype),
				    ir_dtype_name(t->dtype));
	if (t->rank < 0)
		return 0;
	fmt_dims(a, sizeof(a), x->rank, x->dims);
	fmt_dims(b, sizeof(b), t->rank, t->dims);
	if (t->rank != x->rank)
		goto mismatch;
	for (d = 0; d < t->rank; d++) {
		const struct dim_binding *bd;

		if (t->dims[d] >= 0 && t->dims[d] != x->dims[d])
			goto mismatch;
		bd = t->dim_param[d] ? binding_find(bs, t->dim_param[d]) : NULL;
		if (bd && bd->value != x->dims[d])
			return accel_seterr(e, -EINVAL,
					    "graph output '%s': computed shape %s, but dimension %d ('%s') is bound to %lld",
					    t->name, a, d, bd->name,
					    (long long)bd->value);
	}
	return 0;
mismatch:
	return accel_seterr(e, -EINVAL,
			    "graph output '%s': computed shape %s does not match the declared %s",
			    t->name, a, b);
}

/* ---- inference and folding ---------------------------------------------- */

static void load_in(const struct shape_pass *p, const struct ir_node *n,
		    struct ir_value *in)
{
	ir_node_inputs(n, p->vals, in);
}

static bool value_ok(const struct ir_value *v)
{
	int64_t nb;

	if (v->rank < 0 || v->rank > IR_MAX_RANK || !ir_dtype_size(v->dtype))
		return false;
	nb = ir_value_nbytes(v);
	return nb >= 0 && (uint64_t)nb <= SHAPE_MAX_VALUE;
}

/* Operators whose outputs depend on their inputs' shapes only. */
static bool shape_only(const struct ir_node *n)
{
	return !n->domain[0] &&
	       (!strcmp(n->op_type, "Shape") || !strcmp(n->op_type, "Size"));
}

/*
 * Infer node @ni into step @st; fill st->outs with the value index of each
 * output (fresh anonymous values, numbered from *anon, for omitted outputs
 * the op still sizes).  Returns 1 when the node can be folded, 0 when it
 * must run, or a negative errno.
 */
static int infer_node(struct shape_pass *p, int ni, struct shape_step *st,
		      struct ir_value *in, struct ir_value *out, int *anon,
		      struct accel_err *e)
{
	const struct ir_graph *g = p->g;
	const struct ir_node *n = &g->nodes[ni];
	const struct cpu_op *op = cpu_op_find(n->domain, n->op_type);
	bool fold = true, any_in = false;
	uint64_t fold_bytes = 0;
	int k, ret;

	if (!op) {
		if (n->domain[0])
			return accel_seterr(e, -EOPNOTSUPP,
					    "node '%s' (%s:%s): operator not supported by the CPU backend",
					    n->name, n->domain, n->op_type);
		return accel_seterr(e, -EOPNOTSUPP,
				    "node '%s' (%s): operator not supported by the CPU backend",
				    n->name, n->op_type);
	}
	st->node = ni;
	st->op = op;
	load_in(p, n, in);
	for (k = 0; k < n->n_inputs; k++) {
		int v = n->inputs[k];

		if (v < 0)
			continue;
		any_in = true;
		if (p->kind[v] == SHAPE_NONE)
			return accel_seterr(e, -EINVAL,
					    "node '%s' (%s): input '%s' was not computed by its producer",
					    n->name, n->op_type, tname(p, v));
		if (p->kind[v] != SHAPE_CONST && p->kind[v] != SHAPE_FOLDED &&
		    !shape_only(n))
			fold = false;
	}
	fold = fold && (any_in || (p->flags & SHAPE_EVAL));
	for (k = 0; k < n->n_outputs; k++) {
		memset(&out[k], 0, sizeof(out[k]));
		out[k].rank = -1;
	}
	ret = op->infer(n, in, n->n_inputs, out, n->n_outputs, e);
	if (ret)
		return ret;

	for (k = 0; k < n->n_outputs; k++) {
		int v = n->outputs[k];
		int64_t nb;

		st->outs[k] = -1;
		if (v < 0) {
			if (out[k].rank < 0 && out[k].dtype == IR_UNDEFINED)
				continue;	/* the op produces nothing */
			v = g->n_tensors + (*anon)++;
		}
		if (!value_ok(&out[k]))
			return accel_seterr(e, -EINVAL,
					    "node '%s' (%s): output '%s' has no valid type and shape after inference",
					    n->name, n->op_type, tname(p, v));
		out[k].data = NULL;
		p->vals[v] = out[k];
		st->outs[k] = v;
		nb = ir_value_nbytes(&out[k]);
		fold_bytes += (uint64_t)nb;
		if (nb > SHAPE_FOLD_MAX && !(p->flags & SHAPE_EVAL))
			fold = false;
	}
	if (fold_bytes + p->folded_bytes > SHAPE_FOLD_TOTAL &&
	    !(p->flags & SHAPE_EVAL))
		fold = false;
	return fold ? 1 : 0;
}

static void bind_outs(const struct shape_pass *p, const struct ir_node *n,
		      const int *outs, struct ir_value *out)
{
	ir_node_outputs(n, outs, p->vals, out);
}

/* Run step @st now; its outputs become SHAPE_FOLDED. */
static int fold_node(struct shape_pass *p, const struct shape_step *st,
		     struct ir_value *in, struct ir_value *out,
		     struct accel_err *e)
{
	const struct ir_node *n = &p->g->nodes[st->node];
	size_t wsz = 0;
	void *ws = NULL;
	int k, ret;

	for (k = 0; k < n->n_outputs; k++) {
		int v = st->outs[k];
		int64_t nb;

		if (v < 0)
			continue;
		nb = ir_value_nbytes(&p->vals[v]);
		p->vals[v].data = calloc(1, nb ? (size_t)nb : 1);
		if (!p->vals[v].data)
			return accel_seterr(e, -ENOMEM, "out of memory");
		p->kind[v] = SHAPE_FOLDED;
		p->folded_bytes += (size_t)nb;
	}
	load_in(p, n, in);
	/* Shape/Size read no data: their unknown inputs get a dummy. */
	for (k = 0; k < n->n_inputs; k++)
		if (n->inputs[k] >= 0 && !in[k].data)
			in[k].data = shape_empty;
	bind_outs(p, n, st->outs, out);
	ret = cpu_op_workspace(st->op, n, in, n->n_inputs, out, n->n_outputs,
			       &wsz, e);
	if (ret)
		return ret;
	/* Planning may allocate; runs take their workspace from the arena. */
	if (wsz && !(ws = aligned_alloc(64, (wsz + 63) & ~(size_t)63)))
		return accel_seterr(e, -ENOMEM, "out of memory");
	ret = cpu_op_run(st->op, n, in, n->n_inputs, out, n->n_outputs, ws, e);
	free(ws);
	return ret;
}

void shape_free(struct shape_pass *p)
{
	int i;

	if (!p)
		return;
	if (p->vals && p->kind)
		for (i = 0; i < p->n_vals; i++)
			if (p->kind[i] == SHAPE_FOLDED)
				free(p->vals[i].data);
	free(p->vals);
	free(p->kind);
	free(p->steps);
	free(p->out_idx_pool);
	free(p);
}

struct shape_pass *shape_infer(const struct ir_graph *g,
			       const struct ir_value *inputs, int n_inputs,
			       struct accel_err *e, int *err)
{
	return shape_infer_ex(g, inputs, n_inputs, 0, e, err);
}

struct shape_pass *shape_infer_ex(const struct ir_graph *g,
				  const struct ir_value *inputs, int n_inputs,
				  unsigned flags, struct accel_err *e,
				  int *err)
{
	struct ir_value *in = NULL, *out = NULL;
	struct bindings bs = { 0 };
	struct shape_pass *p;
	size_t n_outs = 0;
	int i, ret, anon = 0, pool = 0;

	p = calloc(1, sizeof(*p));
	if (!p) {
		ret = accel_seterr(e, -ENOMEM, "out of memory");
		goto fail;
	}
	p->g = g;
	p->flags = flags;
	if (n_inputs != g->n_inputs) {
		ret = accel_seterr(e, -EINVAL,
				   "the model has %d inputs, %d were given",
				   g->n_inputs, n_inputs);
		goto fail;
	}
	for (i = 0; i < g->n_nodes; i++) {
		n_outs += (size_t)g->nodes[i].n_outputs;
		if (g->nodes[i].n_inputs > p->max_in)
			p->max_in = g->nodes[i].n_inputs;
		if (g->nodes[i].n_outputs > p->max_out)
			p->max_out = g->nodes[i].n_outputs;
	}
	p->n_vals = g->n_tensors + (int)n_outs;
	p->vals = calloc((size_t)p->n_vals + 1, sizeof(*p->vals));
	p->kind = calloc((size_t)p->n_vals + 1, 1);
	p->steps = calloc((size_t)g->n_nodes + 1, sizeof(*p->steps));
	p->out_idx_pool = malloc((n_outs + 1) * sizeof(int));
	in = calloc((size_t)p->max_in + 1, sizeof(*in));
	out = calloc((size_t)p->max_out + 1, sizeof(*out));
	bs.cap = g->n_inputs * IR_MAX_RANK + 1;
	bs.b = calloc((size_t)bs.cap, sizeof(*bs.b));
	if (!p->vals || !p->kind || !p->steps || !p->out_idx_pool || !in ||
	    !out || !bs.b) {
		ret = accel_seterr(e, -ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < p->n_vals; i++)
		p->vals[i].rank = -1;
	for (i = 0; i < g->n_tensors; i++) {
		const struct ir_tensor *t = &g->tensors[i];

		if (t->kind != IR_TENSOR_CONST)
			continue;
		p->vals[i].dtype = t->dtype;
		p->vals[i].rank = t->rank;
		memcpy(p->vals[i].dims, t->dims, sizeof(t->dims));
		p->vals[i].data = t->data;
		p->kind[i] = SHAPE_CONST;
		if (!value_ok(&p->vals[i]) || !t->data) {
			ret = accel_seterr(e, -EINVAL,
					   "constant '%s' has no valid value",
					   t->name);
			goto fail;
		}
	}
	for (i = 0; i < g->n_inputs; i++) {
		int v = g->inputs[i];

		ret = check_input(p, i, &inputs[i], &bs, e);
		if (ret)
			goto fail;
		p->vals[v] = inputs[i];
		if ((flags & SHAPE_BIND_DATA) && inputs[i].data) {
			p->kind[v] = SHAPE_CONST;	/* the caller's data */
			continue;
		}
		p->vals[v].data = NULL;
		p->kind[v] = SHAPE_INPUT;
	}

	/* Infer every node in order; fold those with known inputs. */
	for (i = 0; i < g->n_nodes; i++) {
		struct shape_step *st = &p->steps[p->n_steps];
		const struct ir_node *n = &g->nodes[i];
		int k;

		st->outs = p->out_idx_pool + pool;
		pool += n->n_outputs;
		ret = infer_node(p, i, st, in, out, &anon, e);
		if (ret < 0)
			goto fail;
		if (ret == 1) {
			ret = fold_node(p, st, in, out, e);
			if (ret)
				goto fail;
			continue;
		}
		for (k = 0; k < n->n_outputs; k++)
			if (st->outs[k] >= 0)
				p->kind[st->outs[k]] = SHAPE_RUN;
		p->n_steps++;
	}
	for (i = 0; i < g->n_outputs; i++) {
		int v = g->outputs[i];

		if (p->kind[v] == SHAPE_NONE) {
			ret = accel_seterr(e, -EINVAL,
					   "graph output '%s' is never computed",
					   g->tensors[v].name);
			goto fail;
		}
		ret = check_output(p, v, &bs, e);
		if (ret)
			goto fail;
	}
	free(bs.b);
	free(in);
	free(out);
	return p;
fail:
	free(bs.b);
	free(in);
	free(out);
	shape_free(p);
	if (err)
		*err = ret;
	return NULL;
}

const struct ir_value *shape_value(const struct shape_pass *p, int t)
{
	if (!p || t < 0 || t >= p->g->n_tensors || p->kind[t] == SHAPE_NONE)
		return NULL;
	return &p->vals[t];
}
