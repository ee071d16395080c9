// SPDX-License-Identifier: MIT
/* The CPU operator registry: every op_*.c entry, looked up by name. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Append to @buf (@len used of @cap); a full buffer stays full. */
static void cat(char *buf, size_t cap, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void cat(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*len >= cap - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	*len = r < 0 ? *len : *len + (size_t)r < cap ? *len + (size_t)r :
	       cap - 1;
}

static bool same_op(const struct ir_node *a, const struct ir_node *b)
{
	return !strcmp(a->domain, b->domain) &&
	       !strcmp(a->op_type, b->op_type);
}

int cpu_ops_check_graph(const struct ir_graph *g, struct accel_err *e)
{
	char buf[ACCEL_ERR_MSG_MAX];
	bool *miss, *done;
	size_t len = 0;
	int cnt = 0;

	miss = calloc((size_t)g->n_nodes + 1, 2 * sizeof(bool));
	if (!miss)
		return accel_seterr(e, -ENOMEM, "out of memory");
	done = miss + g->n_nodes;
	for (int i = 0; i < g->n_nodes; i++) {
		miss[i] = !cpu_op_find(g->nodes[i].domain, g->nodes[i].op_type);
		cnt += miss[i];
	}
	if (!cnt) {
		free(miss);
		return 0;
	}
	cat(buf, sizeof(buf), &len,
	    "%d node%s use%s operators the CPU backend does not support:",
	    cnt, cnt > 1 ? "s" : "", cnt > 1 ? "" : "s");
	for (int i = 0, first = 1; i < g->n_nodes; i++) {
		const struct ir_node *a = &g->nodes[i];

		if (!miss[i] || done[i])
			continue;
		cat(buf, sizeof(buf), &len, "%s %s%s%s (", first ? "" : ",",
		    a->domain, a->domain[0] ? ":" : "", a->op_type);
		first = 0;
		for (int j = i, k = 0; j < g->n_nodes; j++) {
			if (!miss[j] || done[j] || !same_op(a, &g->nodes[j]))
				continue;
			done[j] = true;
			cat(buf, sizeof(buf), &len, "%s'%s'", k++ ? ", " : "",
			    g->nodes[j].name);
		}
		cat(buf, sizeof(buf), &len, ")");
	}
	free(miss);
	/* cut: end on "..." so that the message says it is incomplete */
	if (len >= sizeof(buf) - 1)
		memcpy(buf + sizeof(buf) - 4, "...", 4);
	return accel_seterr(e, -EOPNOTSUPP, "%s", buf);
}
