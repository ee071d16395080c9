// SPDX-License-Identifier: MIT
/*
 * CPU graph planner and executor (see plan.h).
 *
 * Every value of the plan lives in one of five places: a constant of the
 * graph, a buffer the planner folded at plan time, the caller's input or
 * output buffer, or an offset in the activation arena.  The arena layout is
 * greedy by size: values are placed from the largest down at the lowest
 * offset that does not overlap any already placed value whose lifetime
 * (producing step .. last consuming step) intersects its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "exec/plan.h"

enum plan_where {
	W_NONE = 0,	/* not computed (omitted output the op left unset) */
	W_CONST,	/* graph constant, used in place */
	W_FOLDED,	/* computed at plan time, owned by the plan */
	W_INPUT,	/* caller's input buffer */
	W_OUTPUT,	/* caller's output buffer */
	W_ARENA,	/* activation arena */
};

struct plan_step {
	int node;
	const struct cpu_op *op;
	int *outs;	/* value index per node output, -1 when absent */
};

struct cpu_plan {
	const struct ir_graph *g;
	int n_vals;		/* graph tensors, then anonymous outputs */
	struct ir_value *vals;
	struct ir_value *info;	/* cpu_plan_value(): data only when known */
	unsigned char *where;
	int *bind;		/* W_INPUT/W_OUTPUT: graph input/output index */
	size_t *off;		/* W_ARENA: offset */
	int *def, *last;	/* lifetime in steps (W_ARENA) */
	struct plan_step *steps;
	int n_steps;
	int *out_idx_pool;
	struct ir_value *in_scratch, *out_scratch;
	int max_in, max_out;
	unsigned char *arena;
	size_t arena_size;
	size_t folded_bytes;
};

/* Zero-byte values still get a non-NULL, suitably aligned address. */
static _Alignas(64) unsigned char plan_empty[64];

static const char *tname(const struct cpu_plan *p, int v)
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

static int check_input(struct cpu_plan *p, int i, const struct ir_value *v,
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
	    (uint64_t)ir_value_nbytes(v) > CPU_PLAN_MAX_VALUE)
		return accel_seterr(e, -EINVAL, "input '%s': shape %s is too large",
				    t->name, a);
	return 0;
}

/* An inferred graph output must agree with what the model declares. */
static int check_output(struct cpu_plan *p, int v, const struct bindings *bs,
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

/* ---- planning ------------------------------------------------------------ */

static void load_in(const struct cpu_plan *p, const struct ir_node *n,
		    struct ir_value *in)
{
	int k;

	for (k = 0; k < n->n_inputs; k++) {
		if (n->inputs[k] < 0) {
			memset(&in[k], 0, sizeof(in[k]));
			in[k].dtype = IR_UNDEFINED;
			in[k].rank = -1;
		} else {
			in[k] = p->vals[n->inputs[k]];
		}
	}
}

static bool value_ok(const struct ir_value *v)
{
	int64_t nb;

	if (v->rank < 0 || v->rank > IR_MAX_RANK || !ir_dtype_size(v->dtype))
		return false;
	nb = ir_value_nbytes(v);
	return nb >= 0 && (uint64_t)nb <= CPU_PLAN_MAX_VALUE;
}

/* Operators whose outputs depend on their inputs' shapes only. */
static bool shape_only(const struct ir_node *n)
{
	return !n->domain[0] &&
	       (!strcmp(n->op_type, "Shape") || !strcmp(n->op_type, "Size"));
}

/*
 * Infer node @ni; fill @outs with the value index of each output (fresh
 * anonymous values, numbered from *anon, for omitted outputs the op still
 * sizes).  Returns 1 when the node can be folded, 0 when it must run, or a
 * negative errno.
 */
static int plan_node(struct cpu_plan *p, int ni, int *outs, int *anon,
		     struct accel_err *e)
{
	const struct ir_graph *g = p->g;
	const struct ir_node *n = &g->nodes[ni];
	const struct cpu_op *op = cpu_op_find(n->domain, n->op_type);
	struct ir_value *in = p->in_scratch, *out = p->out_scratch;
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
	p->steps[p->n_steps].op = op;
	load_in(p, n, in);
	for (k = 0; k < n->n_inputs; k++) {
		int v = n->inputs[k];

		if (v < 0)
			continue;
		any_in = true;
		if (p->where[v] == W_NONE)
			return accel_seterr(e, -EINVAL,
					    "node '%s' (%s): input '%s' was not computed by its producer",
					    n->name, n->op_type, tname(p, v));
		if (p->where[v] != W_CONST && p->where[v] != W_FOLDED &&
		    !shape_only(n))
			fold = false;
	}
	fold = fold && any_in;
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

		outs[k] = -1;
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
		outs[k] = v;
		nb = ir_value_nbytes(&out[k]);
		fold_bytes += (uint64_t)nb;
		if (nb > CPU_PLAN_FOLD_MAX)
			fold = false;
	}
	if (fold_bytes + p->folded_bytes > CPU_PLAN_FOLD_TOTAL)
		fold = false;
	return fold ? 1 : 0;
}

static void bind_outs(const struct cpu_plan *p, const struct ir_node *n,
		      const int *outs, struct ir_value *out)
{
	int k;

	for (k = 0; k < n->n_outputs; k++) {
		if (outs[k] < 0) {
			memset(&out[k], 0, sizeof(out[k]));
			out[k].rank = -1;
		} else {
			out[k] = p->vals[outs[k]];
		}
	}
}

static int fold_node(struct cpu_plan *p, const struct plan_step *s,
		     struct accel_err *e)
{
	const struct ir_node *n = &p->g->nodes[s->node];
	int k, ret;

	for (k = 0; k < n->n_outputs; k++) {
		int v = s->outs[k];
		int64_t nb;

		if (v < 0)
			continue;
		nb = ir_value_nbytes(&p->vals[v]);
		p->vals[v].data = calloc(1, nb ? (size_t)nb : 1);
		if (!p->vals[v].data)
			return accel_seterr(e, -ENOMEM, "out of memory");
		p->where[v] = W_FOLDED;
		p->folded_bytes += (size_t)nb;
	}
	load_in(p, n, p->in_scratch);
	/* Shape/Size read no data: their unknown inputs get a dummy. */
	for (k = 0; k < n->n_inputs; k++)
		if (n->inputs[k] >= 0 && !p->in_scratch[k].data)
			p->in_scratch[k].data = plan_empty;
	bind_outs(p, n, s->outs, p->out_scratch);
	ret = s->op->run(n, p->in_scratch, n->n_inputs, p->out_scratch,
			 n->n_outputs, e);
	return ret;
}

struct arena_item {
	int v;
	size_t size;
};

static int cmp_item(const void *a, const void *b)
{
	const struct arena_item *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->v - y->v;
}

static size_t align_up(size_t x)
{
	return (x + CPU_PLAN_ALIGN - 1) & ~(size_t)(CPU_PLAN_ALIGN - 1);
}

/* Insertion sort of placed neighbours by offset (lists are short). */
static void sort_by_off(const struct cpu_plan *p, int *ids, int n)
{
	int i, j;

	for (i = 1; i < n; i++) {
		int x = ids[i];

		for (j = i; j > 0 && p->off[ids[j - 1]] > p->off[x]; j--)
			ids[j] = ids[j - 1];
		ids[j] = x;
	}
}

static int plan_arena(struct cpu_plan *p, struct accel_err *e)
{
	struct arena_item *items;
	int *placed, *near, n = 0, n_placed = 0, i, j, ret = 0;
	size_t top = 0;

	items = malloc((size_t)p->n_vals * sizeof(*items) + 1);
	placed = malloc((size_t)p->n_vals * sizeof(int) + 1);
	near = malloc((size_t)p->n_vals * sizeof(int) + 1);
	if (!items || !placed || !near) {
		ret = accel_seterr(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < p->n_vals; i++)
		if (p->where[i] == W_ARENA) {
			items[n].v = i;
			items[n].size =
				align_up((size_t)ir_value_nbytes(&p->vals[i]));
			n++;
		}
	qsort(items, (size_t)n, sizeof(*items), cmp_item);
	for (i = 0; i < n; i++) {
		int v = items[i].v, n_near = 0;
		size_t off = 0;

		for (j = 0; j < n_placed; j++) {
			int u = placed[j];

			if (p->def[u] <= p->last[v] && p->def[v] <= p->last[u])
				near[n_near++] = u;
		}
		sort_by_off(p, near, n_near);
		for (j = 0; j < n_near; j++) {
			int u = near[j];
			size_t usz = align_up((size_t)ir_value_nbytes(&p->vals[u]));

			if (p->off[u] >= off + items[i].size)
				break;	/* fits in the gap before u */
			if (p->off[u] + usz > off)
				off = p->off[u] + usz;
		}
		p->off[v] = off;
		placed[n_placed++] = v;
		if (off + items[i].size > top)
			top = off + items[i].size;
	}
	p->arena_size = top;
	if (top) {
		p->arena = aligned_alloc(CPU_PLAN_ALIGN, top);
		if (!p->arena) {
			ret = accel_seterr(e, -ENOMEM,
					   "cannot allocate a %zu-byte activation arena",
					   top);
			goto out;
		}
	}
	for (i = 0; i < p->n_vals; i++)
		if (p->where[i] == W_ARENA)
			p->vals[i].data = p->arena ? p->arena + p->off[i] :
						     plan_empty;
out:
	free(items);
	free(placed);
	free(near);
	return ret;
}

void cpu_plan_free(struct cpu_plan *p)
{
	int i;

	if (!p)
		return;
	if (p->vals)
		for (i = 0; i < p->n_vals; i++)
			if (p->where[i] == W_FOLDED)
				free(p->vals[i].data);
	free(p->vals);
	free(p->info);
	free(p->where);
	free(p->bind);
	free(p->off);
	free(p->def);
	free(p->last);
	free(p->steps);
	free(p->out_idx_pool);
	free(p->in_scratch);
	free(p->out_scratch);
	free(p->arena);
	free(p);
}

struct cpu_plan *cpu_plan_create(const struct ir_graph *g,
				 const struct ir_value *inputs, int n_inputs,
				 struct accel_err *e, int *err)
{
	struct bindings bs = { 0 };
	struct cpu_plan *p;
	size_t n_outs = 0;
	int i, k, ret, anon = 0, pool = 0;

	p = calloc(1, sizeof(*p));
	if (!p) {
		ret = accel_seterr(e, -ENOMEM, "out of memory");
		goto fail;
	}
	p->g = g;
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
	p->where = calloc((size_t)p->n_vals + 1, 1);
	p->bind = calloc((size_t)p->n_vals + 1, sizeof(int));
	p->off = calloc((size_t)p->n_vals + 1, sizeof(size_t));
	p->def = malloc(((size_t)p->n_vals + 1) * sizeof(int));
	p->last = malloc(((size_t)p->n_vals + 1) * sizeof(int));
	p->steps = calloc((size_t)g->n_nodes + 1, sizeof(*p->steps));
	p->out_idx_pool = malloc((n_outs + 1) * sizeof(int));
	p->in_scratch = calloc((size_t)p->max_in + 1, sizeof(struct ir_value));
	p->out_scratch = calloc((size_t)p->max_out + 1,
				sizeof(struct ir_value));
	bs.cap = g->n_inputs * IR_MAX_RANK + 1;
	bs.b = calloc((size_t)bs.cap, sizeof(*bs.b));
	if (!p->vals || !p->where || !p->bind || !p->off || !p->def ||
	    !p->last || !p->steps || !p->out_idx_pool || !p->in_scratch ||
	    !p->out_scratch || !bs.b) {
		ret = accel_seterr(e, -ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < p->n_vals; i++) {
		p->vals[i].rank = -1;
		p->def[i] = -2;
		p->last[i] = -1;
	}
	for (i = 0; i < g->n_tensors; i++) {
		const struct ir_tensor *t = &g->tensors[i];

		if (t->kind != IR_TENSOR_CONST)
			continue;
		p->vals[i].dtype = t->dtype;
		p->vals[i].rank = t->rank;
		memcpy(p->vals[i].dims, t->dims, sizeof(t->dims));
		p->vals[i].data = t->data;
		p->where[i] = W_CONST;
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
		p->vals[v].data = NULL;
		p->where[v] = W_INPUT;
		p->bind[v] = i;
	}

	/* Infer every node in order; fold those with known inputs. */
	for (i = 0; i < g->n_nodes; i++) {
		struct plan_step *s = &p->steps[p->n_steps];
		const struct ir_node *n = &g->nodes[i];

		s->node = i;
		s->outs = p->out_idx_pool + pool;
		pool += n->n_outputs;
		ret = plan_node(p, i, s->outs, &anon, e);
		if (ret < 0)
			goto fail;
		for (k = 0; k < n->n_outputs; k++)
			if (s->outs[k] >= 0)
				p->def[s->outs[k]] = p->n_steps;
		if (ret == 1) {
			ret = fold_node(p, s, e);
			if (ret)
				goto fail;
			continue;
		}
		for (k = 0; k < n->n_outputs; k++) {
			int v = s->outs[k];

			if (v < 0)
				continue;
			if (v < g->n_tensors && g->tensors[v].is_output) {
				int j;

				for (j = 0; g->outputs[j] != v; j++)
					;
				p->where[v] = W_OUTPUT;
				p->bind[v] = j;
			} else {
				p->where[v] = W_ARENA;
				p->last[v] = p->n_steps;
			}
		}
		for (k = 0; k < n->n_inputs; k++)
			if (n->inputs[k] >= 0)
				p->last[n->inputs[k]] = p->n_steps;
		p->n_steps++;
	}
	for (i = 0; i < g->n_outputs; i++) {
		int v = g->outputs[i];

		if (p->where[v] == W_NONE) {
			ret = accel_seterr(e, -EINVAL,
					   "graph output '%s' is never computed",
					   g->tensors[v].name);
			goto fail;
		}
		ret = check_output(p, v, &bs, e);
		if (ret)
			goto fail;
	}
	ret = plan_arena(p, e);
	if (ret)
		goto fail;
	p->info = calloc((size_t)g->n_tensors + 1, sizeof(*p->info));
	if (!p->info) {
		ret = accel_seterr(e, -ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < g->n_tensors; i++) {
		p->info[i] = p->vals[i];
		if (p->where[i] != W_CONST && p->where[i] != W_FOLDED)
			p->info[i].data = NULL;
	}
	free(bs.b);
	return p;
fail:
	free(bs.b);
	cpu_plan_free(p);
	if (err)
		*err = ret;
	return NULL;
}

size_t cpu_plan_arena_size(const struct cpu_plan *p)
{
	return p->arena_size;
}

const struct ir_value *cpu_plan_value(const struct cpu_plan *p, int t)
{
	if (t < 0 || t >= p->g->n_tensors || p->where[t] == W_NONE)
		return NULL;
	return &p->info[t];
}

int cpu_plan_input_info(const struct cpu_plan *p, int i, struct ir_value *out)
{
	if (i < 0 || i >= p->g->n_inputs)
		return -EINVAL;
	*out = p->vals[p->g->inputs[i]];
	out->data = NULL;
	return 0;
}

int cpu_plan_output_info(const struct cpu_plan *p, int i, struct ir_value *out)
{
	if (i < 0 || i >= p->g->n_outputs)
		return -EINVAL;
	*out = p->vals[p->g->outputs[i]];
	out->data = NULL;
	return 0;
}

int cpu_plan_run(struct cpu_plan *p, const void *const *inputs,
		 void *const *outputs, struct accel_err *e)
{
	const struct ir_graph *g = p->g;
	int i, ret;

	for (i = 0; i < g->n_inputs; i++) {
		int v = g->inputs[i];

		p->vals[v].data = inputs[i] ? (void *)inputs[i] : plan_empty;
		if (!inputs[i] && ir_value_nbytes(&p->vals[v]) > 0)
			return accel_seterr(e, -EINVAL, "input '%s' has no buffer",
					    g->tensors[v].name);
	}
	for (i = 0; i < g->n_outputs; i++) {
		int v = g->outputs[i];

		if (!outputs[i] && ir_value_nbytes(&p->vals[v]) > 0)
			return accel_seterr(e, -EINVAL,
					    "output '%s' has no buffer",
					    g->tensors[v].name);
		if (p->where[v] == W_OUTPUT && p->bind[v] == i)
			p->vals[v].data = outputs[i] ? outputs[i] : plan_empty;
	}
	for (i = 0; i < p->n_steps; i++) {
		const struct plan_step *s = &p->steps[i];
		const struct ir_node *n = &g->nodes[s->node];

		load_in(p, n, p->in_scratch);
		bind_outs(p, n, s->outs, p->out_scratch);
		ret = s->op->run(n, p->in_scratch, n->n_inputs,
				 p->out_scratch, n->n_outputs, e);
		if (ret)
			return ret;
	}
	/* Outputs that are inputs, constants, folded or listed twice. */
	for (i = 0; i < g->n_outputs; i++) {
		int v = g->outputs[i];
		int64_t nb = ir_value_nbytes(&p->vals[v]);

		if (p->where[v] == W_OUTPUT && p->bind[v] == i)
			continue;
		if (nb > 0)
			memmove(outputs[i], p->vals[v].data, (size_t)nb);
	}
	return 0;
}
