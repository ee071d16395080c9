/* SPDX-License-Identifier: MIT */
/*
 * The int8 compiler: lowers a quantized ONNX graph (QDQ or QOperator form),
 * at concrete input shapes, to an ENPU command buffer with a static memory
 * plan.
 *
 * Buffer slots of the produced program:
 *	slot 0			constants (weights, biases, tables), built here
 *	slot 1			activation arena (liveness-planned)
 *	slot 2 .. 2+ni-1	one per graph input (quantized at the edge)
 *	slot 2+ni ..		one per graph output (dequantized at the edge)
 */
#ifndef LIBACCEL_QCOMPILE_H
#define LIBACCEL_QCOMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"

struct shape_pass;

#define QPROG_SLOT_CONST 0
#define QPROG_SLOT_ARENA 1
#define QPROG_SLOT_IO 2

/* How one graph input or output crosses the edge of the int8 program. */
struct qprog_edge {
	int tensor;		/* graph tensor index */
	int slot;		/* buffer slot of the quantized data */
	int isa_dtype;		/* ENPU_DTYPE_S8 / U8 */
	bool convert;		/* float at the graph edge: (de)quantize */
	float scale;
	int32_t zero_point;
	struct ir_value shape;	/* graph-side type and shape (data NULL) */
	size_t qbytes;		/* bytes in the slot */
};

struct qprog {
	void *cmdbuf;		/* ENPU ISA command buffer */
	size_t cmdbuf_size;
	void *consts;		/* slot 0 contents */
	size_t consts_size;
	size_t arena_size;	/* slot 1 size */
	uint32_t num_slots;
	int n_ops;
	struct qprog_edge *inputs;
	int n_inputs;
	struct qprog_edge *outputs;
	int n_outputs;
};

/*
 * Compile @g for the concrete input types/shapes in @in (one per graph input,
 * data ignored).  @shapes is the shape pass of @g for the same shapes
 * (shape_infer(), ops/shape_pass.h): the compiler takes every value's shape and the
 * folded constants from it, so a caller that falls back to the float
 * executor plans from that same pass (cpu_plan_from_shapes()); it stays the
 * caller's.  Returns -EOPNOTSUPP with a message naming the first node
 * that cannot be lowered when the graph is not (entirely) quantized: callers
 * fall back to the float executor then.
 */
int qprog_compile(const struct ir_graph *g, const struct shape_pass *shapes,
		  const struct ir_value *in, int n_in, struct qprog **out,
		  struct accel_err *e);
void qprog_free(struct qprog *p);

/*
 * Express @real (> 0) as multiplier * 2^-(31 + shift) with multiplier in
 * [2^30, 2^31) and shift in [-31, 32]; returns -ERANGE when it cannot be
 * represented (tiny values give multiplier 0).
 */
int qprog_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift);

/*
 * Whether program @p, compiled for batch @n, computes every image of the
 * batch from that image alone, so that parts of the batch may run as the
 * program compiled for a smaller batch (compile/batch.c).  Conservative:
 * false for anything it cannot prove.
 */
bool qprog_per_image(const struct qprog *p, uint32_t n);
/*
 * The work of one run of @p: multiply-adds of its convolutions and fully
 * connected layers plus one per element every other operation writes.
 */
uint64_t qprog_work(const struct qprog *p);

/* Edge conversions, ONNX QuantizeLinear semantics (round half to even). */
void qprog_quantize(const float *x, void *q, size_t n, int isa_dtype,
		    float scale, int32_t zp);
void qprog_dequantize(const void *q, float *x, size_t n, int isa_dtype,
		      float scale, int32_t zp);

#endif /* LIBACCEL_QCOMPILE_H */
