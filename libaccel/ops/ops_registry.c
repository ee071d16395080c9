// SPDX-License-Identifier: MIT
/* The CPU operator registry: every op_*.c entry, looked up by name. */
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

#define CPU_OP_ENTRY(name) &cpu_op_##name,
const struct cpu_op *const cpu_ops[] = {
	CPU_OPS_LIST(CPU_OP_ENTRY)
	NULL
};

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
