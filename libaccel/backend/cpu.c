// SPDX-License-Identifier: MIT
/*
 * CPU execution: an int8 program on the firmware core (the same command
 * buffer the NPU runs), or a float plan on the CPU graph executor.
 */
#include <pthread.h>

#include "core/accel_internal.h"
#include "exec/plan.h"
#include "compile/qcompile.h"

int backend_cpu_run_int8(struct frame *f, struct accel_err *e)
{
	const struct qprog *p = f->c->prog;
	struct enpu_fw_status st = { 0 };
	int r;

	r = enpu_fw_execute(p->cmdbuf, p->cmdbuf_size, f->slots, p->num_slots,
			    NULL, &st);
	if (r)
		return accel_seterr(e, r, "int8 execution failed at op %u: %s",
				    st.op, st.msg ? st.msg : "");
	return 0;
}

int backend_cpu_run_fp32(struct compiled *c, const struct accel_tensor *inputs,
			 int n_inputs, struct accel_tensor *outputs,
			 int n_outputs, struct accel_err *e)
{
	accel_ctx *ctx = c->m->ctx;
	const void *ip[64];
	void *op[64];
	int r, i;

	if (n_inputs > 64 || n_outputs > 64)
		return accel_seterr(e, -E2BIG, "more than 64 inputs or outputs");
	for (i = 0; i < n_inputs; i++)
		ip[i] = inputs[i].data;
	for (i = 0; i < n_outputs; i++)
		op[i] = outputs[i].data;
	pthread_mutex_lock(&ctx->lock);
	ctx->cpu_submitted++;
	pthread_mutex_unlock(&ctx->lock);
	pthread_mutex_lock(&c->lock);
	r = cpu_plan_run(c->plan, ip, op, e);
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_lock(&ctx->lock);
	ctx->cpu_completed++;
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

