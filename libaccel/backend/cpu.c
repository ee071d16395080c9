// SPDX-License-Identifier: MIT
/*
 * The CPU backend: an int8 program on the firmware core (the same command
 * buffer the NPU runs) in heap frames, or a float plan on the CPU graph
 * executor (exec/plan.c).  Every request completes in the caller's thread,
 * helped by the context's thread pool.  The int8 program runs the kernel
 * variant the context chose (SIMD, firmware/simd/) with its weights packed
 * once by cpu_pack(), bit-identical to the scalar kernels.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <drm/enpu_isa.h>

#include "backend/backend.h"
#include "compile/qcompile.h"
#include "exec/plan.h"
#include "ops/f32k.h"

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

static void *cpu_alloc(void *actx, __u64 size)
{
	void *p;

	(void)actx;
	if (size > SIZE_MAX - 63)
		return NULL;
	p = aligned_alloc(64, (size + 63) & ~(__u64)63);
	if (p)
		memset(p, 0, size);
	return p;
}

int cpu_pack(accel_ctx *ctx, struct compiled *c, struct accel_err *e)
{
	const struct qprog *p = c->prog;
	struct enpu_cmdbuf_header h;
	struct enpu_fw_buf slot0 = { p->consts, p->consts_size };
	struct enpu_fw_buf *slots;
	uint32_t i;
	int r;

	if (c->op_state || !ctx->kernels)
		return 0;
	memcpy(&h, p->cmdbuf, sizeof(h));
	/* prepare() reads slot 0 only; the others are never touched */
	slots = calloc(p->num_slots, sizeof(*slots));
	c->op_state = calloc(h.num_ops ? h.num_ops : 1, sizeof(*c->op_state));
	if (!slots || !c->op_state) {
		free(slots);
		cpu_unpack(c);
		return accel_seterr(e, -ENOMEM, "out of memory");
	}
	slots[0] = slot0;
	c->n_op_state = h.num_ops;
	r = enpu_fw_kernels_prepare(ctx->kernels, p->cmdbuf, slots, 0,
				    c->op_state, cpu_alloc, NULL);
	free(slots);
	if (r) {
		cpu_unpack(c);
		return accel_seterr(e, r, "packing the weights for the %s kernels failed",
				    enpu_fw_kernels_name(ctx->kernels));
	}
	for (i = 0; i < c->n_op_state && !c->op_state[i]; i++)
		;
	if (i == c->n_op_state) {
		/* nothing packed: keep no table */
		cpu_unpack(c);
	}
	return 0;
}

void cpu_unpack(struct compiled *c)
{
	uint32_t i;

	if (!c->op_state)
		return;
	for (i = 0; i < c->n_op_state; i++)
		free(c->op_state[i]);
	free(c->op_state);
	c->op_state = NULL;
	c->n_op_state = 0;
}

static int cpu_frame_init(accel_ctx *ctx, struct compiled *c, struct frame *f,
			  struct accel_err *e)
{
	const struct qprog *p = c->prog;
	uint32_t i;

	if (ctx->kernels) {
		f->scratch = aligned_alloc(64, ENPU_FW_SCRATCH_SIZE);
		if (!f->scratch)
			return accel_seterr(e, -ENOMEM, "out of memory");
	}
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
	free(f->scratch);
	f->scratch = NULL;
}

/* The firmware's parallel hook: the context's pool (current in this run). */
static void cpu_parallel(void *hctx, void (*fn)(void *arg, __u32 i), void *arg,
			 __u32 n)
{
	(void)hctx;
	par_run(fn, arg, n);
}

/* The int8 program on the firmware core; counted as a request. */
static int cpu_run(accel_ctx *ctx, struct frame *f, struct accel_err *e)
{
	const struct qprog *p = f->c->prog;
	struct enpu_fw_status st = { 0 };
	struct enpu_fw_hooks hooks = {
		.kernels = ctx->kernels,
		.scratch = f->scratch,
		.scratch_size = f->scratch ? ENPU_FW_SCRATCH_SIZE : 0,
		.parallel = ctx->pool ? cpu_parallel : NULL,
		.op_state = f->c->op_state,
		.num_op_state = f->c->n_op_state,
	};
	struct par_pool *saved;
	int r;

	pthread_mutex_lock(&ctx->lock);
	ctx->cpu_submitted++;
	pthread_mutex_unlock(&ctx->lock);
	par_enter(ctx->pool, &saved);
	/*
	 * The program is ours and never changes after compile, and a frame's
	 * slots keep their buffers and sizes: what the validator accepted once
	 * it accepts on every run (it reads neither slot contents nor
	 * hooks), so later runs of the frame skip it.  Never done for a
	 * command buffer of another origin (the kernel validates its copy).
	 */
	if (f->fw_valid)
		r = enpu_fw_execute_validated(p->cmdbuf, f->slots, &hooks, &st);
	else
		r = enpu_fw_execute(p->cmdbuf, p->cmdbuf_size, f->slots,
				    p->num_slots, &hooks, &st);
	if (!r)
		f->fw_valid = true;
	par_leave(saved);
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
	const struct f32_kernels *fsaved;
	struct par_pool *saved;
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
	par_enter(ctx->pool, &saved);
	f32k_enter(ctx->f32, &fsaved);
	r = cpu_plan_run(c->plan, ip, op, e);
	f32k_leave(fsaved);
	par_leave(saved);
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
