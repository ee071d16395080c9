// SPDX-License-Identifier: MIT
/*
 * Control flow: If, Loop, Scan (opset 9 and later).
 *
 * A subgraph's values are its declared inputs, then the values of
 * enclosing graphs it captures (ir.h: the owning node lists them after its
 * own inputs, graph->capture_src says which).  infer() runs the shape pass
 * on the subgraph with the node's input shapes; captured values known at
 * planning (constants, folded values) are bound as constants, so that an
 * If whose condition is known plans only the branch it takes and a Loop
 * body sees which of its values are fixed.  run() evaluates the subgraph
 * on the run's data with the shape pass in evaluation mode (every node
 * folded): a control-flow step allocates while it runs, unlike every
 * other step of a plan.
 *
 * Output shapes are fixed at planning: both If branches must give the same
 * types and shapes unless the condition is known, a Loop with scan outputs
 * needs a trip count known at planning (M constant, and cond absent or a
 * body that provably keeps it true), loop-carried and Scan state values
 * keep their shape from one iteration to the next.  What depends on data
 * beyond that is refused at planning with -EOPNOTSUPP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"
#include "ops/shape_pass.h"

static const bool cf_true = true;
static const int64_t cf_iter0;

/* Graph tensor @dst is computed from tensor @src (nodes are in order). */
static bool depends_on(const struct ir_graph *g, int src, int dst)
{
	bool *m = calloc((size_t)g->n_tensors + 1, 1), r;

	if (!m)
		return true;
	m[src] = true;
	for (int i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		bool any = false;

		for (int k = 0; k < n->n_inputs; k++)
			any |= n->inputs[k] >= 0 && m[n->inputs[k]];
		for (int k = 0; any && k < n->n_outputs; k++)
			if (n->outputs[k] >= 0)
				m[n->outputs[k]] = true;
	}
	r = m[dst];
	free(m);
	return r;
}

static void fmt_shape(char *buf, size_t sz, const struct ir_value *v)
{
	size_t o = 0;

	o += (size_t)snprintf(buf, sz, "%s[", ir_dtype_name(v->dtype));
	for (int i = 0; i < v->rank && o < sz; i++)
		o += (size_t)snprintf(buf + o, sz - o, "%s%lld", i ? "," : "",
				      (long long)v->dims[i]);
	if (o < sz)
		snprintf(buf + o, sz - o, "]");
}

static bool same_type_shape(const struct ir_value *a, const struct ir_value *b)
{
	return a->dtype == b->dtype && a->rank == b->rank &&
	       !memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank);
}

/* Prefix @e's message with the node and the subgraph attribute. */
static int cf_wrap(struct accel_err *e, int ret, const struct ir_node *n,
		   const char *attr)
{
	char msg[ACCEL_ERR_MSG_MAX];

	if (!e)
		return ret;
	memcpy(msg, e->msg, sizeof(msg));
	msg[sizeof(msg) - 1] = 0;
	return accel_seterr(e, ret, "node '%s' (%s) %s: %s", n->name,
			    n->op_type, attr, msg);
}

/*
 * The input values of subgraph @sg: @decl (its declared inputs), then its
 * captures from the node's inputs @in.  Returns a malloc()ed array.
 */
static struct ir_value *sub_values(const struct ir_graph *sg,
				   const struct ir_value *decl,
				   const struct ir_value *in)
{
	int nd = sg->n_inputs - sg->n_captures;
	struct ir_value *v = calloc((size_t)sg->n_inputs + 1, sizeof(*v));

	if (!v)
		return NULL;
	if (nd)
		memcpy(v, decl, (size_t)nd * sizeof(*v));
	for (int k = 0; k < sg->n_captures; k++)
		v[nd + k] = in[sg->capture_src[k]];
	return v;
}

/*
 * The shape pass of subgraph @sg of node @n (attribute @attr) on @decl and
 * the captures in @in; with @eval, evaluated on data.
 */
static struct shape_pass *sub_pass(const struct ir_node *n, const char *attr,
				   const struct ir_graph *sg,
				   const struct ir_value *decl,
				   const struct ir_value *in, bool eval,
				   struct accel_err *e, int *err)
{
	struct ir_value *v = sub_values(sg, decl, in);
	struct shape_pass *s;

	if (!v) {
		*err = accel_seterr(e, -ENOMEM, "out of memory");
		return NULL;
	}
	*err = 0;
	s = shape_infer_ex(sg, v, sg->n_inputs,
			   SHAPE_BIND_DATA | (eval ? SHAPE_EVAL : 0), e, err);
	free(v);
	if (!s)
		*err = cf_wrap(e, *err ? *err : -EINVAL, n, attr);
	return s;
}

/* Output @k of an evaluated pass: its value, data set. */
static int sub_output(const struct ir_node *n, const char *attr,
		      const struct shape_pass *s, int k,
		      const struct ir_value **v, struct accel_err *e)
{
	*v = &s->vals[s->g->outputs[k]];
	if (!(*v)->data)
		return accel_seterr(e, -EINVAL,
				    "node '%s' (%s) %s: output %d was not computed",
				    n->name, n->op_type, attr, k);
	return 0;
}

/* Copy @src into @dst, which must have its type and shape. */
static int put_value(const struct ir_node *n, const char *what,
		     const struct ir_value *src, struct ir_value *dst,
		     struct accel_err *e)
{
	char a[96], b[96];

	if (!same_type_shape(src, dst)) {
		fmt_shape(a, sizeof(a), src);
		fmt_shape(b, sizeof(b), dst);
		return accel_seterr(e, -EINVAL,
				    "node '%s' (%s): %s is %s at run time, %s was planned",
				    n->name, n->op_type, what, a, b);
	}
	if (ir_value_nbytes(dst) > 0 && dst->data != src->data)
		memmove(dst->data, src->data, (size_t)ir_value_nbytes(dst));
	return 0;
}

/*
 * Outputs @first.. @first + @cnt - 1 of evaluated pass @s into @dst[0..cnt):
 * the loop-carried values or Scan state.  A body may pass one of its inputs
 * straight through (a swap of two carried values), and those live in @dst:
 * then every value is staged in a copy before any is written.
 */
static int put_states(const struct ir_node *n, const char *what,
		      const struct shape_pass *s, int first, int cnt,
		      struct ir_value *dst, struct accel_err *e)
{
	const struct ir_value *v;
	bool alias = false;
	int64_t total = 0, off = 0;
	char *stage;
	int k, j, ret;

	for (k = 0; k < cnt; k++) {
		ret = sub_output(n, "body", s, first + k, &v, e);
		if (ret)
			return ret;
		for (j = 0; j < cnt; j++)
			alias |= j != k && v->data == dst[j].data &&
				 ir_value_nbytes(&dst[j]) > 0;
		total += ir_value_nbytes(v);
	}
	if (!alias) {
		for (k = 0; k < cnt; k++) {
			sub_output(n, "body", s, first + k, &v, e);
			ret = put_value(n, what, v, &dst[k], e);
			if (ret)
				return ret;
		}
		return 0;
	}
	stage = malloc(total > 0 ? (size_t)total : 1);
	if (!stage)
		return accel_seterr(e, -ENOMEM, "out of memory");
	for (k = 0; k < cnt; k++) {
		sub_output(n, "body", s, first + k, &v, e);
		memcpy(stage + off, v->data, (size_t)ir_value_nbytes(v));
		off += ir_value_nbytes(v);
	}
	for (k = 0, off = 0, ret = 0; k < cnt && !ret; k++) {
		struct ir_value x;

		sub_output(n, "body", s, first + k, &v, e);
		x = *v;
		x.data = stage + off;
		off += ir_value_nbytes(v);
		ret = put_value(n, what, &x, &dst[k], e);
	}
	free(stage);
	return ret;
}

static int bool_scalar(const struct ir_node *n, const char *what,
		       const struct ir_value *v, struct accel_err *e)
{
	if (v->dtype != IR_BOOL || ir_value_numel(v) != 1)
		return accel_seterr(e, -EINVAL,
				    "node '%s' (%s): %s must be a bool tensor of one element",
				    n->name, n->op_type, what);
	return 0;
}

/* ---- If ---------------------------------------------------------------- */

static int if_infer(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	const struct ir_graph *t = ir_attr_graph(n, "then_branch");
	const struct ir_graph *f = ir_attr_graph(n, "else_branch");
	struct shape_pass *st = NULL, *sf = NULL;
	char a[96], b[96];
	int k, ret;

	if (!t || !f || n_in < 1 || t->n_outputs != n_out ||
	    f->n_outputs != n_out)
		return accel_seterr(e, -EINVAL, "node '%s' (If): invalid branches",
				    n->name);
	ret = bool_scalar(n, "cond", &in[0], e);
	if (ret)
		return ret;
	if (in[0].data) {
		/* Known condition: plan the branch taken only. */
		bool c = *(const bool *)in[0].data;

		st = sub_pass(n, c ? "then_branch" : "else_branch", c ? t : f,
			      NULL, in, false, e, &ret);
		if (!st)
			return ret;
		for (k = 0; k < n_out; k++) {
			out[k] = st->vals[st->g->outputs[k]];
			out[k].data = NULL;
		}
		shape_free(st);
		return 0;
	}
	st = sub_pass(n, "then_branch", t, NULL, in, false, e, &ret);
	if (st)
		sf = sub_pass(n, "else_branch", f, NULL, in, false, e, &ret);
	for (k = 0; sf && k < n_out; k++) {
		const struct ir_value *x = &st->vals[t->outputs[k]];
		const struct ir_value *y = &sf->vals[f->outputs[k]];

		if (!same_type_shape(x, y)) {
			fmt_shape(a, sizeof(a), x);
			fmt_shape(b, sizeof(b), y);
			ret = accel_seterr(e, -EOPNOTSUPP,
					   "node '%s' (If): output %d is %s from then_branch and %s from else_branch: an output shape chosen by run-time data is not supported",
					   n->name, k, a, b);
			break;
		}
		out[k] = *x;
		out[k].data = NULL;
	}
	shape_free(st);
	shape_free(sf);
	return ret;
}

static int if_run(const struct ir_node *n, const struct ir_value *in,
		  int n_in, struct ir_value *out, int n_out,
		  struct accel_err *e)
{
	bool c = *(const bool *)in[0].data;
	const char *attr = c ? "then_branch" : "else_branch";
	const struct ir_graph *b = ir_attr_graph(n, attr);
	struct shape_pass *s;
	int k, ret;

	(void)n_in;
	s = sub_pass(n, attr, b, NULL, in, true, e, &ret);
	if (!s)
		return ret;
	for (k = 0; k < n_out && !ret; k++) {
		const struct ir_value *v;

		ret = sub_output(n, attr, s, k, &v, e);
		if (!ret)
			ret = put_value(n, "output", v, &out[k], e);
	}
	shape_free(s);
	return ret;
}

const struct cpu_op cpu_op_if = { "", "If", if_infer, if_run };

/* ---- Loop -------------------------------------------------------------- */

/* Loop's body and value counts. */
struct loop_sig {
	const struct ir_graph *body;
	int nc;		/* loop-carried values */
	int nk;		/* scan outputs */
	bool has_m, has_cond;
};

static int loop_sig(const struct ir_node *n, const struct ir_value *in,
		    int n_out, struct loop_sig *ls, struct accel_err *e)
{
	int ret;

	ls->body = ir_attr_graph(n, "body");
	ls->nc = n->n_inputs - n->n_captured - 2;
	if (!ls->body || ls->nc < 0 ||
	    ls->body->n_outputs != 1 + n_out)
		return accel_seterr(e, -EINVAL, "node '%s' (Loop): invalid body",
				    n->name);
	ls->nk = n_out - ls->nc;
	ls->has_m = in[0].rank >= 0;
	ls->has_cond = in[1].rank >= 0;
	if (ls->has_m && (in[0].dtype != IR_I64 || ir_value_numel(&in[0]) != 1))
		return accel_seterr(e, -EINVAL,
				    "node '%s' (Loop): M must be an int64 tensor of one element",
				    n->name);
	if (ls->has_cond) {
		ret = bool_scalar(n, "cond", &in[1], e);
		if (ret)
			return ret;
	}
	return 0;
}

/* The body's declared inputs: iteration number, cond, carried values. */
static struct ir_value *loop_decl(const struct loop_sig *ls,
				  const struct ir_value *carried)
{
	struct ir_value *d = calloc((size_t)ls->nc + 3, sizeof(*d));

	if (!d)
		return NULL;
	d[0].dtype = IR_I64;
	d[1].dtype = IR_BOOL;
	for (int i = 0; i < ls->nc; i++)
		d[2 + i] = carried[i];
	return d;
}

static int loop_infer(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	struct loop_sig ls;
	struct ir_value *d;
	struct shape_pass *s;
	int64_t count = -1;
	bool iter_bound = false;
	char a[96], b[96];
	int i, ret;

	(void)n_in;
	ret = loop_sig(n, in, n_out, &ls, e);
	if (ret)
		return ret;
	if (!ls.has_m && !ls.has_cond)
		return accel_seterr(e, -EINVAL,
				    "node '%s' (Loop): neither M nor cond is given: the loop never ends",
				    n->name);
	d = loop_decl(&ls, in + 2);
	if (!d)
		return accel_seterr(e, -ENOMEM, "out of memory");
	/*
	 * The body only runs with cond true: bind it, so that a body which
	 * passes it on shows a constant-true cond output.  The carried values
	 * change per iteration: never bound.  A body whose shapes depend on
	 * the iteration number (a Slice at it) is planned for iteration 0;
	 * each iteration's shapes are checked against that plan at run time.
	 */
	d[1].data = (void *)&cf_true;
	for (i = 0; i < ls.nc; i++)
		d[2 + i].data = NULL;
	s = sub_pass(n, "body", ls.body, d, in, false, e, &ret);
	if (!s && ret == -EOPNOTSUPP) {
		d[0].data = (void *)&cf_iter0;
		s = sub_pass(n, "body", ls.body, d, in, false, e, &ret);
		iter_bound = true;
	}
	free(d);
	if (!s)
		return ret;
	for (i = 0; i < ls.nc; i++) {
		const struct ir_value *x = &s->vals[ls.body->outputs[1 + i]];

		if (!same_type_shape(x, &in[2 + i])) {
			fmt_shape(a, sizeof(a), &in[2 + i]);
			fmt_shape(b, sizeof(b), x);
			ret = accel_seterr(e, -EOPNOTSUPP,
					   "node '%s' (Loop): loop-carried value %d is %s before the loop and %s after an iteration: a shape that changes across iterations is not supported",
					   n->name, i, a, b);
			goto out;
		}
		out[i] = *x;
		out[i].data = NULL;
	}
	if (ls.nk) {
		const struct ir_value *co = &s->vals[ls.body->outputs[0]];

		if (!ls.has_m) {
			ret = accel_seterr(e, -EOPNOTSUPP,
					   "node '%s' (Loop): scan outputs need a trip count M known at planning",
					   n->name);
			goto out;
		}
		if (!in[0].data || (ls.has_cond && !in[1].data)) {
			ret = accel_seterr(e, -EOPNOTSUPP,
					   "node '%s' (Loop): %s is not a constant (unknown at planning) and sizes the scan outputs",
					   n->name, in[0].data ? "cond" : "M");
			goto out;
		}
		count = *(const int64_t *)in[0].data;
		if (count < 0)
			count = 0;
		if (ls.has_cond && !*(const bool *)in[1].data)
			count = 0;
		if (ls.has_cond && count > 0 &&
		    (!co->data || co->dtype != IR_BOOL ||
		     !*(const bool *)co->data ||
		     (iter_bound && depends_on(ls.body, ls.body->inputs[0],
					       ls.body->outputs[0])))) {
			ret = accel_seterr(e, -EOPNOTSUPP,
					   "node '%s' (Loop): the body's cond output depends on data (unknown at planning), so does the size of the scan outputs",
					   n->name);
			goto out;
		}
		for (i = 0; i < ls.nk; i++) {
			const struct ir_value *x =
				&s->vals[ls.body->outputs[1 + ls.nc + i]];
			struct ir_value *o = &out[ls.nc + i];

			if (x->rank >= IR_MAX_RANK) {
				ret = accel_seterr(e, -EOPNOTSUPP,
						   "node '%s' (Loop): scan output %d would exceed rank %d",
						   n->name, i, IR_MAX_RANK);
				goto out;
			}
			o->dtype = x->dtype;
			o->rank = x->rank + 1;
			o->dims[0] = count;
			memcpy(o->dims + 1, x->dims,
			       sizeof(int64_t) * (size_t)x->rank);
			o->data = NULL;
			if (ir_value_nbytes(o) < 0) {
				ret = accel_seterr(e, -EINVAL,
						   "node '%s' (Loop): scan output %d is too large",
						   n->name, i);
				goto out;
			}
		}
	}
out:
	shape_free(s);
	return ret;
}

static int loop_run(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	struct loop_sig ls;
	struct ir_value *d = NULL;
	int64_t m = INT64_MAX, it;
	bool keep = true;
	int i, ret;

	(void)n_in;
	ret = loop_sig(n, in, n_out, &ls, e);
	if (ret)
		return ret;
	if (ls.has_m)
		m = *(const int64_t *)in[0].data;
	if (ls.has_cond)
		keep = *(const bool *)in[1].data;
	/* The carried values live in the node's outputs between iterations. */
	for (i = 0; i < ls.nc; i++) {
		ret = put_value(n, "loop-carried value", &in[2 + i], &out[i], e);
		if (ret)
			return ret;
	}
	d = loop_decl(&ls, out);
	if (!d)
		return accel_seterr(e, -ENOMEM, "out of memory");
	d[0].data = &it;
	d[1].data = &keep;
	for (it = 0; it < m && keep; it++) {
		struct shape_pass *s;
		const struct ir_value *v;
		bool next = keep;

		s = sub_pass(n, "body", ls.body, d, in, true, e, &ret);
		if (!s)
			break;
		if (ls.has_cond) {
			ret = sub_output(n, "body", s, 0, &v, e);
			if (!ret)
				ret = bool_scalar(n, "the body's cond output",
						  v, e);
			if (!ret)
				next = *(const bool *)v->data;
		}
		/* Scan outputs first: they may be this iteration's inputs. */
		for (i = 0; i < ls.nk && !ret; i++) {
			struct ir_value *o = &out[ls.nc + i], slice;

			if (it >= o->dims[0]) {
				ret = accel_seterr(e, -EINVAL,
						   "node '%s' (Loop): more iterations than the %lld planned",
						   n->name, (long long)o->dims[0]);
				break;
			}
			slice = *o;
			slice.rank = o->rank - 1;
			memmove(slice.dims, o->dims + 1,
				sizeof(int64_t) * (size_t)slice.rank);
			slice.data = (char *)o->data +
				     it * ir_value_nbytes(&slice);
			ret = sub_output(n, "body", s, 1 + ls.nc + i, &v, e);
			if (!ret)
				ret = put_value(n, "scan output", v, &slice, e);
		}
		if (!ret)
			ret = put_states(n, "loop-carried value", s, 1, ls.nc,
					 out, e);
		keep = next;	/* after the outputs: one may be cond_in */
		shape_free(s);
		if (ret)
			break;
	}
	for (i = 0; !ret && i < ls.nk; i++)
		if (it != out[ls.nc + i].dims[0])
			ret = accel_seterr(e, -EINVAL,
					   "node '%s' (Loop): ran %lld iterations, %lld were planned",
					   n->name, (long long)it,
					   (long long)out[ls.nc + i].dims[0]);
	free(d);
	return ret;
}

const struct cpu_op cpu_op_loop = { "", "Loop", loop_infer, loop_run };

/* ---- Scan (opset 9+) ---------------------------------------------------- */

struct scan_sig {
	const struct ir_graph *body;
	int ns, m, nk;		/* state variables, scan inputs, scan outputs */
	int64_t len;		/* the scanned axis' length */
	int64_t in_axis[IR_MAX_RANK * 8], out_axis[IR_MAX_RANK * 8];
};

/* Attribute @name[@i], 0 when absent. */
static int64_t list_at(const struct ir_node *n, const char *name, int i)
{
	const int64_t *v;
	size_t cnt = ir_attr_ints(n, name, &v);

	return (size_t)i < cnt ? v[i] : 0;
}

static int scan_sig(const struct ir_node *n, const struct ir_value *in,
		    int n_out, struct scan_sig *ss, struct accel_err *e)
{
	int nd = n->n_inputs - n->n_captured;

	ss->body = ir_attr_graph(n, "body");
	ss->m = (int)ir_attr_int(n, "num_scan_inputs", 0);
	ss->ns = nd - ss->m;
	ss->nk = n_out - ss->ns;
	if (!ss->body || ss->m < 1 || ss->ns < 0 || ss->nk < 0 ||
	    ss->body->n_outputs != n_out)
		return accel_seterr(e, -EINVAL, "node '%s' (Scan): invalid body",
				    n->name);
	if (ss->m > (int)(sizeof(ss->in_axis) / sizeof(ss->in_axis[0])) ||
	    ss->nk > (int)(sizeof(ss->out_axis) / sizeof(ss->out_axis[0])))
		return accel_seterr(e, -EOPNOTSUPP,
				    "node '%s' (Scan): too many scan inputs or outputs",
				    n->name);
	ss->len = -1;
	for (int j = 0; j < ss->m; j++) {
		const struct ir_value *x = &in[ss->ns + j];
		int64_t ax = list_at(n, "scan_input_axes", j);

		if (x->rank < 1 || ax < -x->rank || ax >= x->rank)
			return accel_seterr(e, -EINVAL,
					    "node '%s' (Scan): scan input %d: axis %lld is out of range for rank %d",
					    n->name, j, (long long)ax, x->rank);
		if (ax < 0)
			ax += x->rank;
		ss->in_axis[j] = ax;
		if (ss->len >= 0 && x->dims[ax] != ss->len)
			return accel_seterr(e, -EINVAL,
					    "node '%s' (Scan): scan input %d has %lld iterations along axis %lld, scan input 0 has %lld",
					    n->name, j, (long long)x->dims[ax],
					    (long long)ax, (long long)ss->len);
		ss->len = x->dims[ax];
	}
	return 0;
}

/* Value @x without axis @ax (one slice of it). */
static void drop_axis(const struct ir_value *x, int64_t ax, struct ir_value *s)
{
	*s = *x;
	s->rank = x->rank - 1;
	for (int d = (int)ax; d < s->rank; d++)
		s->dims[d] = x->dims[d + 1];
	s->data = NULL;
}

/* Bytes of the axes of @x before / from @ax on (outer count, inner bytes). */
static void split_at(const struct ir_value *x, int64_t ax, int64_t *outer,
		     int64_t *inner)
{
	*outer = 1;
	*inner = (int64_t)ir_dtype_size(x->dtype);
	for (int d = 0; d < x->rank; d++) {
		if (d < ax)
			*outer *= x->dims[d];
		else if (d > ax)
			*inner *= x->dims[d];
	}
}

static struct ir_value *scan_decl(const struct scan_sig *ss,
				  const struct ir_value *state,
				  const struct ir_value *in)
{
	struct ir_value *d = calloc((size_t)(ss->ns + ss->m) + 1, sizeof(*d));

	if (!d)
		return NULL;
	for (int i = 0; i < ss->ns; i++) {
		d[i] = state[i];
		d[i].data = NULL;
	}
	for (int j = 0; j < ss->m; j++)
		drop_axis(&in[ss->ns + j], ss->in_axis[j], &d[ss->ns + j]);
	return d;
}

static int scan_infer(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	struct scan_sig ss;
	struct shape_pass *s;
	struct ir_value *d;
	char a[96], b[96];
	int i, ret;

	(void)n_in;
	ret = scan_sig(n, in, n_out, &ss, e);
	if (ret)
		return ret;
	d = scan_decl(&ss, in, in);
	if (!d)
		return accel_seterr(e, -ENOMEM, "out of memory");
	s = sub_pass(n, "body", ss.body, d, in, false, e, &ret);
	free(d);
	if (!s)
		return ret;
	for (i = 0; i < ss.ns && !ret; i++) {
		const struct ir_value *x = &s->vals[ss.body->outputs[i]];

		if (!same_type_shape(x, &in[i])) {
			fmt_shape(a, sizeof(a), &in[i]);
			fmt_shape(b, sizeof(b), x);
			ret = accel_seterr(e, -EOPNOTSUPP,
					   "node '%s' (Scan): state variable %d is %s before the scan and %s after an iteration",
					   n->name, i, a, b);
			break;
		}
		out[i] = *x;
		out[i].data = NULL;
	}
	for (i = 0; i < ss.nk && !ret; i++) {
		const struct ir_value *x = &s->vals[ss.body->outputs[ss.ns + i]];
		struct ir_value *o = &out[ss.ns + i];
		int64_t ax = list_at(n, "scan_output_axes", i);

		if (x->rank >= IR_MAX_RANK || ax < -(x->rank + 1) ||
		    ax > x->rank) {
			ret = accel_seterr(e, -EINVAL,
					   "node '%s' (Scan): scan output %d: axis %lld is out of range for rank %d",
					   n->name, i, (long long)ax, x->rank + 1);
			break;
		}
		if (ax < 0)
			ax += x->rank + 1;
		o->dtype = x->dtype;
		o->rank = x->rank + 1;
		for (int k = 0, src = 0; k < o->rank; k++)
			o->dims[k] = k == ax ? ss.len : x->dims[src++];
		o->data = NULL;
		if (ir_value_nbytes(o) < 0)
			ret = accel_seterr(e, -EINVAL,
					   "node '%s' (Scan): scan output %d is too large",
					   n->name, i);
	}
	shape_free(s);
	return ret;
}

static int scan_run(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	struct scan_sig ss;
	struct ir_value *d;
	int64_t t, outer, inner, o;
	int i, j, ret;

	(void)n_in;
	ret = scan_sig(n, in, n_out, &ss, e);
	if (ret)
		return ret;
	for (i = 0; i < ss.nk; i++) {
		int64_t ax = list_at(n, "scan_output_axes", i);

		ss.out_axis[i] = ax < 0 ? ax + out[ss.ns + i].rank : ax;
	}
	/* The state lives in the node's outputs between iterations. */
	for (i = 0; i < ss.ns; i++) {
		ret = put_value(n, "state variable", &in[i], &out[i], e);
		if (ret)
			return ret;
	}
	d = scan_decl(&ss, out, in);
	if (!d)
		return accel_seterr(e, -ENOMEM, "out of memory");
	for (i = 0; i < ss.ns; i++)
		d[i].data = out[i].data;
	for (j = 0; j < ss.m; j++) {
		int64_t nb = ir_value_nbytes(&d[ss.ns + j]);

		d[ss.ns + j].data = malloc(nb > 0 ? (size_t)nb : 1);
		if (!d[ss.ns + j].data) {
			ret = accel_seterr(e, -ENOMEM, "out of memory");
			goto out;
		}
	}
	for (t = 0; t < ss.len; t++) {
		struct shape_pass *s;

		/* Slice t (or len-1-t, reversed) of each scan input. */
		for (j = 0; j < ss.m; j++) {
			const struct ir_value *x = &in[ss.ns + j];
			int64_t at = list_at(n, "scan_input_directions", j) ?
				     ss.len - 1 - t : t;
			char *dst = d[ss.ns + j].data;

			split_at(x, ss.in_axis[j], &outer, &inner);
			for (o = 0; o < outer; o++)
				memcpy(dst + o * inner,
				       (const char *)x->data +
				       (o * ss.len + at) * inner,
				       (size_t)inner);
		}
		s = sub_pass(n, "body", ss.body, d, in, true, e, &ret);
		if (!s)
			goto out;
		/* Scan outputs first: they may be this iteration's state. */
		for (i = 0; i < ss.nk && !ret; i++) {
			struct ir_value *y = &out[ss.ns + i], sl;
			const struct ir_value *v;
			int64_t at = list_at(n, "scan_output_directions", i) ?
				     ss.len - 1 - t : t;

			ret = sub_output(n, "body", s, ss.ns + i, &v, e);
			if (ret)
				break;
			drop_axis(y, ss.out_axis[i], &sl);
			if (!same_type_shape(v, &sl)) {
				ret = put_value(n, "scan output", v, &sl, e);
				break;
			}
			split_at(y, ss.out_axis[i], &outer, &inner);
			for (o = 0; o < outer; o++)
				memcpy((char *)y->data +
				       (o * ss.len + at) * inner,
				       (const char *)v->data + o * inner,
				       (size_t)inner);
		}
		if (!ret)
			ret = put_states(n, "state variable", s, 0, ss.ns, out,
					 e);
		shape_free(s);
		if (ret)
			goto out;
	}
out:
	for (j = 0; j < ss.m; j++)
		free(d[ss.ns + j].data);
	free(d);
	return ret;
}

const struct cpu_op cpu_op_scan = { "", "Scan", scan_infer, scan_run };
