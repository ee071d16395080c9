// SPDX-License-Identifier: MIT
/*
 * The CPU backend: an int8 program on the firmware core (the same command
 * buffer the NPU runs) in heap frames, or a float plan on the CPU graph
 * executor (exec/plan.c).  Every request completes in the caller's thread.
 */
#include <pthread.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "compile/qcompile.h"
#include "exec/plan.h"

static int cpu_prepare(accel_ctx *ctx, struct compiled *c, struct accel_err *e)
{
	(void)ctx;
	(void)e;
	c->be = &backend_cpu_ops;
	return 0;
}

static void cpu_release(accel_ctx *ctx, struct compiled *c)
{
	(void)ctx;
	(void)c;
}

static int cpu_frame_init(accel_ctx *ctx, struct compiled *c, struct frame *f,
			  struct accel_err *e)
{
	const struct qprog *p = c->prog;
	uint32_t i;

	(void)ctx;
	f->slots[0].data = p->consts;
	f->slots[0].size = p->consts_size;
	for (i = QPROG_SLOT_ARENA; i < p->num_slots; i++) {
		size_t sz = prog_slot_size(p, i);

		f->slots[i].data = aligned_alloc(64, (sz + 63) & ~(size_t)63);
		if (!f->slots[i].data)
			return accel_seterr(e, -ENOMEM, "out of memory");
		f->slots[i].size = sz;
	}
	return 0;
}

static void cpu_frame_fini(accel_ctx *ctx, struct compiled *c, struct frame *f)
{
	uint32_t i;

	(void)ctx;
	for (i = QPROG_SLOT_ARENA; i < c->prog->num_slots; i++)
		free(f->slots[i].data);
}

/* The int8 program on the firmware core; counted as a request. */
static int cpu_run(accel_ctx *ctx, struct frame *f, struct accel_err *e)
{
	const struct qprog *p = f->c->prog;
	struct enpu_fw_status st = { 0 };
	int r;

	pthread_mutex_lock(&ctx->lock);
	ctx->cpu_submitted++;
	pthread_mutex_unlock(&ctx->lock);
	r = enpu_fw_execute(p->cmdbuf, p->cmdbuf_size, f->slots, p->num_slots,
			    NULL, &st);
	pthread_mutex_lock(&ctx->lock);
	ctx->cpu_completed++;
	pthread_mutex_unlock(&ctx->lock);
	if (r)
		return accel_seterr(e, r, "int8 execution failed at op %u: %s",
				    st.op, st.msg ? st.msg : "");
	return 0;
}

static int cpu_run_fp32(accel_ctx *ctx, struct compiled *c,
			const struct accel_tensor *inputs, int n_inputs,
			struct accel_tensor *outputs, int n_outputs,
			struct accel_err *e)
{
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

/* Nothing is ever in flight: every request completed when it was made. */
static int cpu_flush(accel_ctx *ctx)
{
	(void)ctx;
	return 0;
}

static int cpu_reap(accel_ctx *ctx, unsigned int min)
{
	(void)ctx;
	(void)min;
	return 0;
}

static unsigned int cpu_inflight(const accel_ctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct backend_ops backend_cpu_ops = {
	.name = "cpu",
	.device = ACCEL_DEVICE_CPU,
	.runs_fp32 = true,
	.prepare = cpu_prepare,
	.release = cpu_release,
	.frame_init = cpu_frame_init,
	.frame_fini = cpu_frame_fini,
	.run = cpu_run,
	.run_fp32 = cpu_run_fp32,
	.submit = NULL,		/* accel_submit() runs at once */
	.flush = cpu_flush,
	.reap = cpu_reap,
	.inflight = cpu_inflight,
};
