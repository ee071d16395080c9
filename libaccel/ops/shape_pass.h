/* SPDX-License-Identifier: MIT */
/*
 * The shape pass: every value's type and shape for one set of concrete
 * input shapes, and the values known ahead of execution.
 *
 * It checks the inputs against the model (symbolic dims bind once), asks
 * each node's operator to infer its outputs (the operator registry's
 * infer()), and folds the nodes whose inputs are all known (constants,
 * Shape->Gather->Concat->Reshape chains) by running them now.  What is left
 * is the list of steps an executor must run.  It allocates no activation
 * memory: the float executor (exec/plan.c) lays out an arena for the steps,
 * the int8 compiler (compile/compile.c) reads shapes and folded constants only.
 *
 *	s = shape_infer(g, shapes, g->n_inputs, &e, &err);
 *	v = shape_value(s, t);	// dtype, rank, dims; data when known
 *	shape_free(s);
 */
#ifndef LIBACCEL_IR_SHAPE_H
#define LIBACCEL_IR_SHAPE_H

#include <stddef.h>

#include "ir/ir.h"

/* Limits of the pass. */
#ifndef ENPU_FUZZING
#define SHAPE_MAX_VALUE		(4ULL << 30)	/* bytes in one value */
#define SHAPE_FOLD_MAX		(16u << 20)	/* bytes of one folded output */
#define SHAPE_FOLD_TOTAL	(256u << 20)	/* bytes folded per pass */
#else
/* Fuzzing builds (tests/fuzz): small values keep every run quick. */
#define SHAPE_MAX_VALUE		(256ULL << 10)
#define SHAPE_FOLD_MAX		(64u << 10)
#define SHAPE_FOLD_TOTAL	(1u << 20)
#endif

/* What a value is after the pass. */
enum shape_kind {
	SHAPE_NONE = 0,	/* not computed (omitted output the op left unset) */
	SHAPE_CONST,	/* graph constant: data is the graph's */
	SHAPE_FOLDED,	/* computed by the pass: data owned by it */
	SHAPE_INPUT,	/* graph input: data bound per run */
	SHAPE_RUN,	/* produced by a step: data bound per run */
};

struct cpu_op;

/* One node left to execute. */
struct shape_step {
	int node;
	const struct cpu_op *op;
	int *outs;	/* value index per node output, -1 when absent */
};

/**
 * struct shape_pass - result of shape_infer()
 * @g: the graph (must outlive the pass: constants are used in place)
 * @n_vals: graph tensors, then anonymous values (omitted outputs an
 *	    operator still produces)
 * @vals: per value: dtype, rank, dims; data for SHAPE_CONST/SHAPE_FOLDED
 * @kind: per value, enum shape_kind
 * @steps: nodes to run, in order (folded nodes are not listed)
 * @n_steps: count of @steps
 * @max_in/@max_out: most inputs / outputs of one node
 */
struct shape_pass {
	const struct ir_graph *g;
	int n_vals;
	struct ir_value *vals;
	unsigned char *kind;
	struct shape_step *steps;
	int n_steps;
	int max_in, max_out;
	/* private */
	unsigned flags;
	int *out_idx_pool;
	size_t folded_bytes;
};

/**
 * shape_infer() - the shape pass of @g for concrete input shapes
 * @g: the graph
 * @inputs: one value per graph input, in g->inputs order: dtype, rank and
 *	    dims (data is ignored).  dtype must equal the declared one, fixed
 *	    dims must match and each symbolic dim name binds to one value.
 * @n_inputs: must equal g->n_inputs
 * @e: error message naming the input, node or tensor at fault
 * @err: set to a negative errno on failure: -EINVAL (bad shapes, invalid
 *	 graph), -EOPNOTSUPP (operator or feature not supported), -ENOMEM, or
 *	 what an operator's infer()/run() returned.
 *
 * Return: the pass, or NULL on failure.
 */
struct shape_pass *shape_infer(const struct ir_graph *g,
			       const struct ir_value *inputs, int n_inputs,
			       struct accel_err *e, int *err);

/*
 * shape_infer() with @flags:
 * SHAPE_BIND_DATA: an input whose data is set is a constant of the pass
 *	(a subgraph's captured constants; the values a body runs on).  The
 *	data must outlive the pass.
 * SHAPE_EVAL: fold every node, whatever its size and even without inputs:
 *	with every input bound, this evaluates the graph (control-flow
 *	operators run their bodies so; such runs allocate).
 */
#define SHAPE_BIND_DATA	1u
#define SHAPE_EVAL	2u
struct shape_pass *shape_infer_ex(const struct ir_graph *g,
				  const struct ir_value *inputs, int n_inputs,
				  unsigned flags, struct accel_err *e,
				  int *err);

/*
 * Graph tensor @t: dtype, rank, dims, data only when known ahead of
 * execution (NULL otherwise).  NULL when @t is out of range or was never
 * computed.
 */
const struct ir_value *shape_value(const struct shape_pass *s, int t);

void shape_free(struct shape_pass *s);

#endif /* LIBACCEL_IR_SHAPE_H */
