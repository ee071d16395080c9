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
		   struct accel_err *e);
};

/* NULL when the operator is not supported. */
const struct cpu_op *cpu_op_find(const char *domain, const char *op_type);
/* Every supported operator, NULL-terminated (for the conformance runner). */
extern const struct cpu_op *const cpu_ops[];

#endif /* LIBACCEL_CPU_OPS_H */
