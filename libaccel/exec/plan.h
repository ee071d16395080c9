/* SPDX-License-Identifier: MIT */
/*
 * CPU graph planner and executor.
 *
 * A plan compiles a graph for one set of concrete input shapes: the shape
 * pass (ops/shape_pass.h) infers every value's type and shape and folds the nodes
 * whose inputs are all known ahead of time; the plan lays out every
 * remaining intermediate value and every operator's workspace in one
 * activation arena with liveness-based reuse (memplan/memplan.h).  Running
 * a plan calls each node's kernel in topological order; it never allocates
 * and never infers.
 *
 *	p = cpu_plan_create(g, shapes, g->n_inputs, &e, &err);
 *	for (i = 0; i < g->n_outputs; i++)
 *		cpu_plan_output_info(p, i, &out[i]);	// size the buffers
 *	cpu_plan_run(p, in_ptrs, out_ptrs, &e);
 *	cpu_plan_free(p);
 */
#ifndef LIBACCEL_CPU_PLAN_H
#define LIBACCEL_CPU_PLAN_H

#include <stddef.h>

#include "ir/ir.h"

/* Arena offsets and size (value limits: ops/shape_pass.h). */
#define CPU_PLAN_ALIGN		64

struct cpu_plan;
struct shape_pass;

/**
 * cpu_plan_create() - compile @g for concrete input shapes
 * @g: the graph; must outlive the plan (constants are used in place)
 * @inputs: one value per graph input, in g->inputs order: dtype, rank and
 *	    dims (data is ignored).  dtype must equal the declared one, fixed
 *	    dims must match and each symbolic dim name binds to one value.
 * @n_inputs: must equal g->n_inputs
 * @e: error message naming the input, node or tensor at fault
 * @err: set to a negative errno on failure: -EINVAL (bad shapes, invalid
 *	 graph), -EOPNOTSUPP (operator or feature not supported by the CPU
 *	 backend), -ENOMEM, or what an operator's infer()/run() returned.
 *
 * Return: the plan, or NULL on failure.
 */
struct cpu_plan *cpu_plan_create(const struct ir_graph *g,
				 const struct ir_value *inputs, int n_inputs,
				 struct accel_err *e, int *err);

/*
 * The same from a shape pass already made (shape_infer()); the plan takes
 * @s over (freed with the plan, or here on failure).
 */
struct cpu_plan *cpu_plan_from_shapes(struct shape_pass *s,
				      struct accel_err *e, int *err);

/*
 * Bytes of the plan's activation arena (allocated once, by create): the
 * intermediate values and the operators' workspaces.
 */
size_t cpu_plan_arena_size(const struct cpu_plan *p);

/*
 * Shape and dtype of graph input or output @i (data set to NULL); 0 or
 * -EINVAL when @i is out of range.  Output buffers passed to cpu_plan_run()
 * must hold ir_value_nbytes() of the output's info.
 */
int cpu_plan_input_info(const struct cpu_plan *p, int i, struct ir_value *out);
int cpu_plan_output_info(const struct cpu_plan *p, int i, struct ir_value *out);

/*
 * The planned value of graph tensor @t: dtype, rank, dims, and data only
 * when known at plan time (constants and folded values; NULL otherwise).
 * NULL when @t is out of range or was never computed.  Valid until
 * cpu_plan_free().
 */
const struct ir_value *cpu_plan_value(const struct cpu_plan *p, int t);
/* The plan's shape pass (owned by the plan). */
const struct shape_pass *cpu_plan_shapes(const struct cpu_plan *p);

/**
 * cpu_plan_run() - execute the plan once
 * @p: the plan; one run at a time per plan (the arena is shared)
 * @inputs: g->n_inputs pointers to dense data of the planned shapes
 * @outputs: g->n_outputs caller buffers sized per cpu_plan_output_info();
 *	     they must not overlap the inputs or each other
 * @e: error message
 *
 * Return: 0 or the negative errno of the first failing kernel.
 */
int cpu_plan_run(struct cpu_plan *p, const void *const *inputs,
		 void *const *outputs, struct accel_err *e);

void cpu_plan_free(struct cpu_plan *p);

#endif /* LIBACCEL_CPU_PLAN_H */
