// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ONNX loader on arbitrary bytes and, when a graph
 * loads, the CPU planner with every declared input shape (symbolic or
 * unknown dims = 1).  Must never crash, hang, leak or trip a sanitizer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cpu/plan.h"
#include "ir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		cpu_plan_free(p);
		free(in);
	}
	ir_graph_free(g);
	return 0;
}
