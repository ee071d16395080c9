// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ONNX loader on arbitrary bytes and, when a graph
 * loads, the CPU planner and the int8 compiler with every declared input
 * shape (symbolic or unknown dims = 1).  A command buffer the compiler
 * produces must pass the firmware validator.  Must never crash, hang, leak
 * or trip a sanitizer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <drm/enpu_isa.h>

#include "exec/plan.h"
#include "enpu_fw.h"
#include "ir/ir.h"
#include "compile/qcompile.h"
#include "fuzz_qprog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void compile(const struct ir_graph *g, const struct shape_pass *p,
		    const struct ir_value *in)
{
	struct accel_err e;
	struct qprog *q;

	if (qprog_compile(g, p, in, g->n_inputs, &q, &e))
		return;
	fuzz_check_qprog(q);
	qprog_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct accel_err e;
	struct ir_graph *g;
	struct ir_value *in;
	struct cpu_plan *p;
	int err, i, d;

	g = ir_load_onnx(data, size, &e, &err);
	if (!g)
		return 0;
	in = calloc((size_t)g->n_inputs + 1, sizeof(*in));
	if (in) {
		for (i = 0; i < g->n_inputs; i++) {
			const struct ir_tensor *t = &g->tensors[g->inputs[i]];

			in[i].dtype = t->dtype;
			in[i].rank = t->rank < 0 ? 0 : t->rank;
			for (d = 0; d < in[i].rank; d++)
				in[i].dims[d] = t->dims[d] < 0 ? 1 : t->dims[d];
		}
		p = cpu_plan_create(g, in, g->n_inputs, &e, &err);
		if (p)
			compile(g, cpu_plan_shapes(p), in);
		cpu_plan_free(p);
		free(in);
	}
	ir_graph_free(g);
	return 0;
}
