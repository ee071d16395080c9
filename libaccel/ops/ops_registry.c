// SPDX-License-Identifier: MIT
/* The CPU operator registry: every op_*.c entry, looked up by name. */
#include <stddef.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

#define CPU_OP_ENTRY(name) &cpu_op_##name,
#define CPU_OP_WS_ENTRY(name) &cpu_op_##name.op,
const struct cpu_op *const cpu_ops[] = {
	CPU_OPS_LIST(CPU_OP_ENTRY)
	CPU_OPS_WS_LIST(CPU_OP_WS_ENTRY)
	NULL
};

static const struct cpu_op_ws *to_ws(const struct cpu_op *op)
{
	return op->run ? NULL :
	       (const struct cpu_op_ws *)((const char *)op -
					  offsetof(struct cpu_op_ws, op));
}

const struct cpu_op *cpu_op_find(const char *domain, const char *op_type)
{
	if (!op_type)
		return NULL;
	if (!domain || !strcmp(domain, "ai.onnx"))
		domain = "";
	for (int i = 0; cpu_ops[i]; i++)
		if (!strcmp(cpu_ops[i]->domain, domain) &&
		    !strcmp(cpu_ops[i]->op_type, op_type))
			return cpu_ops[i];
	return NULL;
}

int cpu_op_workspace(const struct cpu_op *op, const struct ir_node *n,
		     const struct ir_value *in, int n_in,
		     const struct ir_value *out, int n_out, size_t *bytes,
		     struct accel_err *e)
{
	const struct cpu_op_ws *w = to_ws(op);

	*bytes = 0;
	return w ? w->workspace(n, in, n_in, out, n_out, bytes, e) : 0;
}

int cpu_op_run(const struct cpu_op *op, const struct ir_node *n,
	       const struct ir_value *in, int n_in, struct ir_value *out,
	       int n_out, void *ws, struct accel_err *e)
{
	const struct cpu_op_ws *w = to_ws(op);

	if (w)
		return w->run(n, in, n_in, out, n_out, ws, e);
	return op->run(n, in, n_in, out, n_out, e);
}
