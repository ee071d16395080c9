// SPDX-License-Identifier: MIT
/*
 * CPU graph planner and executor (see plan.h).
 *
 * The shape pass (ops/shape_pass.c) gives every value's type and shape and folds
 * what is known ahead of time.  The plan then puts every value in one of
 * five places: a constant of the graph, a buffer the shape pass folded, the
 * caller's input or output buffer, or an offset in the activation arena.
 * The arena also holds each step's operator workspace; the memory planner
 * (memplan/memplan.c) lays both out with liveness-based reuse.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "exec/plan.h"
#include "ops/shape_pass.h"
#include "memplan/memplan.h"
#include "util/parallel.h"

enum plan_where {
	W_NONE = 0,	/* not computed (omitted output the op left unset) */
	W_CONST,	/* graph constant, used in place */
	W_FOLDED,	/* computed at plan time, owned by the shape pass */
	W_INPUT,	/* caller's input buffer */
	W_OUTPUT,	/* caller's output buffer */
	W_ARENA,	/* activation arena */
};

struct cpu_plan {
	struct shape_pass *s;	/* owned: steps, shapes, folded values */
	const struct ir_graph *g;
	int n_vals;		/* graph tensors, then anonymous outputs */
	struct ir_value *vals;	/* bound data */
	unsigned char *where;
	int *bind;		/* W_INPUT/W_OUTPUT: graph input/output index */
	void **ws;		/* per step: its workspace in the arena, or NULL */
	struct plan_fuse *fuse;	/* per step: what it absorbed (plan_fuse()) */
	struct ir_value *in_scratch, *out_scratch;
	unsigned char *arena;
	size_t arena_size;
	/* batch-separable graphs: the plan of @chunk images, run per chunk */
	struct cpu_plan *sub;
	int64_t batch, chunk;
	const void **chunk_in;	/* the sub-plan's input and output pointers */
	void **chunk_out;
};

/**
 * struct plan_fuse - a step's epilogue fused from the steps after it
 * @head: the step that runs this one's work (itself when not absorbed)
 * @out: value the head writes (the last absorbed node's output), -1: none
 * @res: value of a fused Add's other operand, or -1
 * @abs: the steps absorbed, in order, -1 past the last (for error messages)
 * @lo/@hi: fused Relu/Clip bounds
 */
struct plan_fuse {
	int head, out, res, abs[2];
	float lo, hi;
};

/* Zero-byte values still get a non-NULL, suitably aligned address. */
static _Alignas(64) unsigned char plan_empty[64];

static void load_in(const struct cpu_plan *p, const struct ir_node *n,
		    struct ir_value *in)
{
	ir_node_inputs(n, p->vals, in);
}

static void bind_outs(const struct cpu_plan *p, const struct ir_node *n,
		      const int *outs, struct ir_value *out)
{
	ir_node_outputs(n, outs, p->vals, out);
}

static size_t align_up(size_t x)
{
	return (x + CPU_PLAN_ALIGN - 1) & ~(size_t)(CPU_PLAN_ALIGN - 1);
}

/* How many node inputs and graph outputs read value @v. */
static int plan_uses(const struct ir_graph *g, int v)
{
	int i, k, cnt = 0;

	for (i = 0; i < g->n_nodes; i++)
		for (k = 0; k < g->nodes[i].n_inputs; k++)
			cnt += g->nodes[i].inputs[k] == v;
	for (i = 0; i < g->n_outputs; i++)
		cnt += g->outputs[i] == v;
	return cnt;
}

static bool same_shape(const struct ir_value *a, const struct ir_value *b)
{
	return a->dtype == b->dtype && a->rank == b->rank &&
	       !memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank);
}

/* A constant float scalar (Clip's min/max), or absent: @def. */
static bool const_scalar(const struct cpu_plan *p, const struct ir_node *n,
			 int k, float def, float *v)
{
	int t = k < n->n_inputs ? n->inputs[k] : -1;

	*v = def;
	if (t < 0)
		return true;
	if ((p->where[t] != W_CONST && p->where[t] != W_FOLDED) ||
	    p->vals[t].dtype != IR_F32 || ir_value_numel(&p->vals[t]) != 1 ||
	    !p->vals[t].data)
		return false;
	*v = *(const float *)p->vals[t].data;
	return true;
}

/* The step that reads value @v, when exactly one step after @i does and
 * nothing else (no other node, no graph output) reads it; else -1. */
static int plan_consumer(const struct cpu_plan *p, int i, int v)
{
	const struct shape_pass *s = p->s;

	if (plan_uses(p->g, v) != 1)
		return -1;
	for (int j = i + 1; j < s->n_steps; j++) {
		const struct ir_node *a = &p->g->nodes[s->steps[j].node];

		for (int k = 0; k < a->n_inputs; k++)
			if (a->inputs[k] == v)
				return j;
	}
	return -1;
}

/* Value @v is ready before step @i runs (a constant, an input, or the
 * output of an earlier step's head). */
static bool plan_ready_before(const struct cpu_plan *p, int i, int v)
{
	const struct shape_pass *s = p->s;

	if (p->where[v] == W_CONST || p->where[v] == W_FOLDED ||
	    p->where[v] == W_INPUT)
		return true;
	for (int j = 0; j < s->n_steps; j++) {
		const struct ir_node *a = &p->g->nodes[s->steps[j].node];

		for (int k = 0; k < a->n_outputs; k++)
			if (s->steps[j].outs[k] == v)
				return p->fuse[j].head < i;
	}
	return false;
}

/*
 * Fold into a step that offers run_fused (Conv, Gemm) the steps that only
 * finish its output: the one consumer of its output when it is an Add of
 * a value of the same shape ready before the step (a residual), then the
 * one consumer of that when it is Relu or Clip with constant bounds.  The
 * consumers need not follow the step directly (a graph may order a
 * shortcut branch in between): their only other input is ready earlier,
 * and whatever reads their output runs after them anyway.  The
 * intermediate values are then never stored.
 */
static void plan_fuse(struct cpu_plan *p)
{
	const struct shape_pass *s = p->s;
	const struct ir_graph *g = p->g;

	for (int i = 0; i < s->n_steps; i++) {
		p->fuse[i] = (struct plan_fuse){ .head = i, .out = -1,
			.res = -1, .abs = { -1, -1 }, .lo = -INFINITY,
			.hi = INFINITY };
	}
	for (int i = 0; i < s->n_steps; i++) {
		const struct shape_step *st = &s->steps[i];
		const struct ir_node *nd = &g->nodes[st->node];
		const struct cpu_op_ws *ow = (const struct cpu_op_ws *)st->op;
		struct plan_fuse *f = &p->fuse[i];
		int cur, j, n_abs = 0;

		if (st->op->run || !ow->run_fused || nd->n_outputs != 1 ||
		    st->outs[0] < 0 || p->vals[st->outs[0]].dtype != IR_F32 ||
		    p->fuse[i].head != i)
			continue;
		cur = st->outs[0];
		j = plan_consumer(p, i, cur);
		if (j >= 0 && p->fuse[j].head == j) {
			const struct ir_node *a = &g->nodes[s->steps[j].node];

			if (!strcmp(a->op_type, "Add") && !a->domain[0] &&
			    a->n_inputs == 2 && a->n_outputs == 1 &&
			    s->steps[j].outs[0] >= 0 &&
			    (a->inputs[0] == cur) != (a->inputs[1] == cur)) {
				int u = a->inputs[a->inputs[0] == cur];
				int o = s->steps[j].outs[0];

				if (u >= 0 && same_shape(&p->vals[u], &p->vals[cur]) &&
				    same_shape(&p->vals[o], &p->vals[cur]) &&
				    plan_ready_before(p, i, u)) {
					f->res = u;
					f->abs[n_abs++] = j;
					cur = o;
					j = plan_consumer(p, j, cur);
				}
			}
		}
		if (j >= 0 && p->fuse[j].head == j) {
			const struct ir_node *a = &g->nodes[s->steps[j].node];
			int o = s->steps[j].outs[0];
			float lo = -INFINITY, hi = INFINITY;
			bool ok = false;

			if (a->domain[0] || a->n_outputs != 1 || o < 0 ||
			    !a->n_inputs || a->inputs[0] != cur ||
			    !same_shape(&p->vals[o], &p->vals[cur]))
				ok = false;
			else if (!strcmp(a->op_type, "Relu"))
				ok = true, lo = 0.0f;
			else if (!strcmp(a->op_type, "Clip"))
				ok = !ir_get_float(a, "min", -INFINITY, &lo, NULL) &&
				     !ir_get_float(a, "max", INFINITY, &hi, NULL) &&
				     const_scalar(p, a, 1, lo, &lo) &&
				     const_scalar(p, a, 2, hi, &hi);
			if (ok) {
				f->lo = lo;
				f->hi = hi;
				f->abs[n_abs++] = j;
				cur = o;
			}
		}
		if (!n_abs)
			continue;
		f->out = cur;
		for (int k = 0; k < n_abs; k++)
			p->fuse[f->abs[k]].head = i;
	}
}

/*
 * Operators that compute each image of a batch from that image alone
 * (with the checks of plan_separable()).
 */
static const char *const per_image_ops[] = {
	"Conv", "Relu", "Clip", "Add", "Mul", "Sub", "Sigmoid", "Tanh",
	"LeakyRelu", "HardSigmoid", "HardSwish", "GlobalAveragePool",
	"GlobalMaxPool", "MaxPool", "AveragePool", "Flatten", "Gemm",
	"Identity", "BatchNormalization",
};

static bool plan_is_const(const struct cpu_plan *p, int v)
{
	return v >= 0 && (p->where[v] == W_CONST || p->where[v] == W_FOLDED);
}

/*
 * The images of a batch of @batch (> 1) go through the graph apart: every
 * step is an operator of per_image_ops[] on the default domain, every
 * value it computes and every graph input and output has @batch images
 * along its first axis (and nothing else that is not constant), constants
 * are weights that never hold a batch axis (Conv's W/B, Gemm's B/C, a
 * broadcast operand of rank below the output's or first dim 1), Flatten
 * keeps axis 0 apart, Gemm does not transpose A.
 */
static bool plan_separable(const struct cpu_plan *p, int64_t *batch)
{
	const struct shape_pass *s = p->s;
	const struct ir_graph *g = p->g;
	int64_t nb = -1;

	for (int i = 0; i < g->n_inputs; i++) {
		const struct ir_value *v = &p->vals[g->inputs[i]];

		if (v->rank < 2)
			return false;
		if (nb < 0)
			nb = v->dims[0];
		if (v->dims[0] != nb)
			return false;
	}
	if (nb < 2 || !s->n_steps)
		return false;
	for (int i = 0; i < g->n_outputs; i++) {
		const struct ir_value *v = &p->vals[g->outputs[i]];

		if (plan_is_const(p, g->outputs[i]) ||
		    p->where[g->outputs[i]] == W_INPUT || v->rank < 1 ||
		    v->dims[0] != nb)
			return false;
	}
	for (int i = 0; i < s->n_steps; i++) {
		const struct ir_node *nd = &g->nodes[s->steps[i].node];
		bool known = false;
		int64_t iv;

		if (nd->domain[0])
			return false;
		for (size_t k = 0; k < sizeof(per_image_ops) / sizeof(*per_image_ops); k++)
			known |= !strcmp(nd->op_type, per_image_ops[k]);
		if (!known || nd->n_outputs < 1)
			return false;
		for (int k = 0; k < nd->n_outputs; k++) {
			int v = s->steps[i].outs[k];

			if (v < 0)
				continue;
			if (p->vals[v].rank < 1 || p->vals[v].dims[0] != nb)
				return false;
		}
		for (int k = 0; k < nd->n_inputs; k++) {
			int v = nd->inputs[k];
			const struct ir_value *x;

			if (v < 0)
				continue;
			x = &p->vals[v];
			if (!plan_is_const(p, v)) {
				if (x->rank < 1 || x->dims[0] != nb)
					return false;
				continue;
			}
			/* a constant: weights of Conv/Gemm/BatchNorm/Clip */
			if (k == 0)
				return false;
			if (!strcmp(nd->op_type, "Add") ||
			    !strcmp(nd->op_type, "Mul") ||
			    !strcmp(nd->op_type, "Sub")) {
				const struct ir_value *o =
					&p->vals[s->steps[i].outs[0]];

				if (x->rank >= o->rank && x->dims[0] != 1)
					return false;
			}
		}
		if (!strcmp(nd->op_type, "Flatten") &&
		    (ir_get_int(nd, "axis", 1, &iv, NULL) || iv < 1))
			return false;
		if (!strcmp(nd->op_type, "Gemm") &&
		    (ir_get_int(nd, "transA", 0, &iv, NULL) || iv ||
		     (nd->n_inputs > 1 && !plan_is_const(p, nd->inputs[1])) ||
		     (nd->n_inputs > 2 && nd->inputs[2] >= 0 &&
		      !plan_is_const(p, nd->inputs[2]))))
			return false;
		if ((!strcmp(nd->op_type, "Conv") ||
		     !strcmp(nd->op_type, "BatchNormalization")) &&
		    nd->n_inputs > 1 && !plan_is_const(p, nd->inputs[1]))
			return false;
	}
	*batch = nb;
	return true;
}

/*
 * Images per chunk of a separable batch: a few per thread, so that each
 * step splits over the threads and a chunk's activations stay in cache
 * (a batch of 32 run layer by layer streams every tensor through memory).
 * 0: run the batch whole.
 */
static int64_t plan_chunk(int64_t batch)
{
	int64_t want = 2 * (int64_t)par_cpus();

	if (want < 4)
		want = 4;
	for (int64_t c = want; c >= 2; c--)
		if (c < batch && batch % c == 0)
			return c;
	return 0;
}

/*
 * Where each value lives, then one memory plan of the arena values (live
 * from their producing step to their last consumer) and the steps'
 * workspaces (live during their step).
 */
static int plan_arena(struct cpu_plan *p, struct accel_err *e)
{
	const struct shape_pass *s = p->s;
	const struct ir_graph *g = p->g;
	struct memplan_buf *b;
	int *slot, i, k, n = 0, ret;
	size_t top;

	b = calloc((size_t)(p->n_vals + s->n_steps) + 1, sizeof(*b));
	slot = malloc(((size_t)(p->n_vals + s->n_steps) + 1) * sizeof(int));
	if (!b || !slot) {
		ret = accel_seterr(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < p->n_vals; i++)
		slot[i] = -1;
	for (i = 0; i < s->n_steps; i++) {
		const struct shape_step *st = &s->steps[i];
		const struct ir_node *nd = &g->nodes[st->node];

		for (k = 0; k < nd->n_outputs; k++) {
			int v = st->outs[k];

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
				slot[v] = p->fuse[i].head;	/* producer, for now */
			}
		}
	}
	/* Values a fused step never stores. */
	for (i = 0; i < s->n_steps; i++) {
		const struct plan_fuse *f = &p->fuse[i];

		if (f->head == i && f->out < 0)
			continue;
		for (k = 0; k < g->nodes[s->steps[i].node].n_outputs; k++) {
			int v = s->steps[i].outs[k];

			if (v >= 0 && v != p->fuse[f->head].out &&
			    p->where[v] == W_ARENA)
				p->where[v] = W_NONE;
		}
	}
	/* Arena values in index order, each live until its last consumer. */
	for (i = 0; i < p->n_vals; i++) {
		if (p->where[i] != W_ARENA)
			continue;
		b[n].size = align_up((size_t)ir_value_nbytes(&p->vals[i]));
		b[n].align = CPU_PLAN_ALIGN;
		b[n].first = b[n].last = slot[i];
		slot[i] = n++;
	}
	for (i = 0; i < s->n_steps; i++) {
		const struct ir_node *nd = &g->nodes[s->steps[i].node];

		for (k = 0; k < nd->n_inputs; k++) {
			int v = nd->inputs[k];

			if (v >= 0 && p->where[v] == W_ARENA && b[slot[v]].last < i)
				b[slot[v]].last = i;
		}
	}
	/* Then one workspace per step that needs one. */
	for (i = 0; i < s->n_steps; i++) {
		const struct shape_step *st = &s->steps[i];
		const struct ir_node *nd = &g->nodes[st->node];
		size_t wsz;

		slot[p->n_vals + i] = -1;
		if (p->fuse[i].head != i)
			continue;
		load_in(p, nd, p->in_scratch);
		bind_outs(p, nd, st->outs, p->out_scratch);
		ret = cpu_op_workspace(st->op, nd, p->in_scratch, nd->n_inputs,
				       p->out_scratch, nd->n_outputs, &wsz, e);
		if (ret)
			goto out;
		slot[p->n_vals + i] = -1;
		if (!wsz)
			continue;
		b[n].size = align_up(wsz);
		b[n].align = CPU_PLAN_ALIGN;
		b[n].first = b[n].last = i;
		slot[p->n_vals + i] = n++;
	}
	ret = memplan_place(b, (size_t)n, &top);
	if (ret) {
		ret = accel_seterr(e, ret, "cannot plan the activation arena");
		goto out;
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
			p->vals[i].data = b[slot[i]].size ?
					  p->arena + b[slot[i]].offset :
					  plan_empty;
	for (i = 0; i < s->n_steps; i++)
		if (slot[p->n_vals + i] >= 0)
			p->ws[i] = p->arena + b[slot[p->n_vals + i]].offset;
out:
	free(b);
	free(slot);
	return ret;
}

void cpu_plan_free(struct cpu_plan *p)
{
	if (!p)
		return;
	shape_free(p->s);
	free(p->vals);
	free(p->where);
	free(p->bind);
	free(p->ws);
	free(p->fuse);
	free(p->in_scratch);
	free(p->out_scratch);
	free(p->arena);
	cpu_plan_free(p->sub);
	free(p->chunk_in);
	free(p->chunk_out);
	free(p);
}

struct cpu_plan *cpu_plan_from_shapes(struct shape_pass *s,
				      struct accel_err *e, int *err)
{
	const struct ir_graph *g = s->g;
	struct cpu_plan *p;
	int i, ret;

	p = calloc(1, sizeof(*p));
	if (!p) {
		shape_free(s);
		ret = accel_seterr(e, -ENOMEM, "out of memory");
		goto fail;
	}
	p->s = s;
	p->g = g;
	p->n_vals = s->n_vals;
	p->vals = malloc(((size_t)p->n_vals + 1) * sizeof(*p->vals));
	p->where = calloc((size_t)p->n_vals + 1, 1);
	p->bind = calloc((size_t)p->n_vals + 1, sizeof(int));
	p->ws = calloc((size_t)s->n_steps + 1, sizeof(void *));
	p->fuse = calloc((size_t)s->n_steps + 1, sizeof(*p->fuse));
	p->in_scratch = calloc((size_t)s->max_in + 1, sizeof(struct ir_value));
	p->out_scratch = calloc((size_t)s->max_out + 1,
				sizeof(struct ir_value));
	if (!p->vals || !p->where || !p->bind || !p->ws || !p->fuse ||
	    !p->in_scratch ||
	    !p->out_scratch) {
		ret = accel_seterr(e, -ENOMEM, "out of memory");
		goto fail;
	}
	memcpy(p->vals, s->vals, (size_t)p->n_vals * sizeof(*p->vals));
	for (i = 0; i < p->n_vals; i++) {
		switch (s->kind[i]) {
		case SHAPE_CONST:
			p->where[i] = W_CONST;
			break;
		case SHAPE_FOLDED:
			p->where[i] = W_FOLDED;
			break;
		default:
			break;
		}
	}
	for (i = 0; i < g->n_inputs; i++) {
		p->where[g->inputs[i]] = W_INPUT;
		p->bind[g->inputs[i]] = i;
	}
	if (plan_separable(p, &p->batch) && (p->chunk = plan_chunk(p->batch))) {
		struct ir_value *sh = calloc((size_t)g->n_inputs + 1, sizeof(*sh));
		struct shape_pass *cs;

		if (!sh) {
			ret = accel_seterr(e, -ENOMEM, "out of memory");
			goto fail;
		}
		for (i = 0; i < g->n_inputs; i++) {
			sh[i] = p->vals[g->inputs[i]];
			sh[i].data = NULL;
			sh[i].dims[0] = p->chunk;
		}
		ret = 0;
		cs = shape_infer(g, sh, g->n_inputs, e, &ret);
		free(sh);
		p->sub = cs ? cpu_plan_from_shapes(cs, e, &ret) : NULL;
		if (!p->sub)
			goto fail;
		p->chunk_in = calloc((size_t)g->n_inputs + 1, sizeof(void *));
		p->chunk_out = calloc((size_t)g->n_outputs + 1, sizeof(void *));
		if (!p->chunk_in || !p->chunk_out) {
			ret = accel_seterr(e, -ENOMEM, "out of memory");
			goto fail;
		}
		p->arena_size = p->sub->arena_size;
		return p;
	}
	plan_fuse(p);
	ret = plan_arena(p, e);
	if (ret)
		goto fail;
	return p;
fail:
	cpu_plan_free(p);
	if (err)
		*err = ret;
	return NULL;
}

struct cpu_plan *cpu_plan_create(const struct ir_graph *g,
				 const struct ir_value *inputs, int n_inputs,
				 struct accel_err *e, int *err)
{
	struct shape_pass *s = shape_infer(g, inputs, n_inputs, e, err);

	return s ? cpu_plan_from_shapes(s, e, err) : NULL;
}

size_t cpu_plan_arena_size(const struct cpu_plan *p)
{
	return p->arena_size;
}

const struct ir_value *cpu_plan_value(const struct cpu_plan *p, int t)
{
	return shape_value(p->s, t);
}

const struct shape_pass *cpu_plan_shapes(const struct cpu_plan *p)
{
	return p->s;
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

/*
 * Step @i with what it absorbed; a failure names the absorbed nodes too.
 */
static int run_fused(struct cpu_plan *p, int i, const struct ir_node *n,
		     struct accel_err *e)
{
	const struct plan_fuse *f = &p->fuse[i];
	const struct cpu_op_ws *ow = (const struct cpu_op_ws *)p->s->steps[i].op;
	struct cpu_fused cf = {
		.res = f->res >= 0 ? p->vals[f->res].data : NULL,
		.lo = f->lo, .hi = f->hi,
	};
	char msg[sizeof(e->msg)];
	int ret;

	p->out_scratch[0] = p->vals[f->out];
	ret = ow->run_fused(n, p->in_scratch, n->n_inputs, p->out_scratch,
			    n->n_outputs, p->ws[i], &cf, e);
	if (!ret)
		return 0;
	memcpy(msg, e->msg, sizeof(msg));
	for (int k = 0; k < 2 && f->abs[k] >= 0; k++) {
		const struct ir_node *a = &p->g->nodes[p->s->steps[f->abs[k]].node];

		if (!k)
			accel_seterr(e, ret, "%s (fused with %s '%s'", msg,
				     a->op_type, a->name ? a->name : "");
		else
			accel_seterr(e, ret, "%s, %s '%s'", msg, a->op_type,
				     a->name ? a->name : "");
		memcpy(msg, e->msg, sizeof(msg));
	}
	return accel_seterr(e, ret, "%s)", msg);
}

/* A separable batch, chunk by chunk through the sub-plan. */
static int run_chunks(struct cpu_plan *p, const void *const *inputs,
		      void *const *outputs, struct accel_err *e)
{
	const struct ir_graph *g = p->g;
	const void **in = p->chunk_in;
	void **out = p->chunk_out;

	for (int64_t c = 0; c < p->batch / p->chunk; c++) {
		int ret;

		for (int i = 0; i < g->n_inputs; i++) {
			int64_t nb = ir_value_nbytes(&p->vals[g->inputs[i]]);

			in[i] = (const char *)inputs[i] + nb / p->batch * p->chunk * c;
		}
		for (int i = 0; i < g->n_outputs; i++) {
			int64_t nb = ir_value_nbytes(&p->vals[g->outputs[i]]);

			out[i] = (char *)outputs[i] + nb / p->batch * p->chunk * c;
		}
		ret = cpu_plan_run(p->sub, in, out, e);
		if (ret)
			return ret;
	}
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
	if (p->sub)
		return run_chunks(p, inputs, outputs, e);
	for (i = 0; i < p->s->n_steps; i++) {
		const struct shape_step *st = &p->s->steps[i];
		const struct ir_node *n = &g->nodes[st->node];

		const struct plan_fuse *f = &p->fuse[i];

		if (f->head != i)
			continue;
		load_in(p, n, p->in_scratch);
		bind_outs(p, n, st->outs, p->out_scratch);
		if (f->out >= 0) {
			ret = run_fused(p, i, n, e);
		} else {
			ret = cpu_op_run(st->op, n, p->in_scratch, n->n_inputs,
					 p->out_scratch, n->n_outputs, p->ws[i], e);
		}
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
