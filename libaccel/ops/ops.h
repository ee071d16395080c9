/* SPDX-License-Identifier: MIT */
/*
 * CPU operator registry: one entry per ONNX operator the CPU backend runs.
 *
 * in[] holds one ir_value per node input; an omitted optional input has
 * dtype IR_UNDEFINED and rank -1.  During planning, in[i].data is non-NULL
 * only for values known ahead of execution (constants and folded results);
 * infer() must then set each out[j]'s dtype, rank and dims (never data) and
 * may read in[i].data when present (e.g. Reshape's shape).  When an input's
 * data is needed to infer a shape but absent, infer() fails with -EOPNOTSUPP
 * naming the input.  run() is called with every in[i].data and out[j].data
 * bound to buffers of exactly the inferred sizes; outputs never alias
 * inputs.  Both return 0 or a negative errno with a message naming the node.
 */
#ifndef LIBACCEL_CPU_OPS_H
#define LIBACCEL_CPU_OPS_H

#include "ir/ir.h"

struct cpu_op {
	const char *domain;	/* "" for ai.onnx */
	const char *op_type;
	int (*infer)(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e);
	int (*run)(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e);	/* NULL: a struct cpu_op_ws */
};

/**
 * struct cpu_fused - what the float plan fused into a node after it
 * @res: an Add of a float value of the output's shape (a residual), added
 *	after the node's own bias, or NULL
 * @lo/@hi: then the result is clamped to [@lo, @hi] (Relu: [0, inf],
 *	Clip: [min, max]; -inf/inf when no activation was fused)
 */
struct cpu_fused {
	const float *res;
	float lo, hi;
};

/*
 * An operator that needs scratch memory: @op.run is NULL and @workspace
 * tells, at plan time, how many bytes @run needs for the inferred shapes
 * (in[] and out[] as run() would see them, data NULL unless known ahead).
 * The planner places that workspace in the arena, live during the node's
 * step only, and @run gets it as @ws (64-byte aligned, at least that many
 * bytes).  So a run never allocates.
 */
struct cpu_op_ws {
	struct cpu_op op;
	int (*workspace)(const struct ir_node *n, const struct ir_value *in,
			 int n_in, const struct ir_value *out, int n_out,
			 size_t *bytes, struct accel_err *e);
	int (*run)(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out, void *ws,
		   struct accel_err *e);
	/*
	 * Optional: @run with the epilogue @f the plan fused into the node
	 * (exec/plan.c: a following Add and/or Relu/Clip).  Offering it says
	 * the operator can apply any struct cpu_fused to its float output.
	 */
	int (*run_fused)(const struct ir_node *n, const struct ir_value *in,
			 int n_in, struct ir_value *out, int n_out, void *ws,
			 const struct cpu_fused *f, struct accel_err *e);
};

/* NULL when the operator is not supported. */
const struct cpu_op *cpu_op_find(const char *domain, const char *op_type);

/* Workspace bytes of @op for these shapes (0 for ops without one). */
int cpu_op_workspace(const struct cpu_op *op, const struct ir_node *n,
		     const struct ir_value *in, int n_in,
		     const struct ir_value *out, int n_out, size_t *bytes,
		     struct accel_err *e);
/* Run @op, with workspace @ws when it is a struct cpu_op_ws. */
int cpu_op_run(const struct cpu_op *op, const struct ir_node *n,
	       const struct ir_value *in, int n_in, struct ir_value *out,
	       int n_out, void *ws, struct accel_err *e);
/*
 * 0 when the registry has every node's operator, else -EOPNOTSUPP with one
 * message naming them all, grouped by operator ("3 nodes use operators
 * the CPU backend does not support: Det (det1, det3), MaxUnpool
 * (unpool2)"; cut with "..." past the message's size).  accel_model_load()
 * calls it so that a model reports what it lacks at load, not at the
 * first run's shape pass.
 */
int cpu_ops_check_graph(const struct ir_graph *g, struct accel_err *e);

/* Every supported operator, NULL-terminated (for the conformance runner). */
extern const struct cpu_op *const cpu_ops[];

#endif /* LIBACCEL_CPU_OPS_H */
