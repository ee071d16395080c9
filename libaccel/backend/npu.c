// SPDX-License-Identifier: MIT
/*
 * The NPU backend: upload a compiled int8 program to buffer objects once,
 * give each frame BOs, and submit frames to the device and reap them.  The
 * device itself (DRM node, BOs, ioctl and io_uring submission) is
 * backend/npu_dev.c.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "compile/qcompile.h"

/* Upload the constants and the command buffer into BOs, once. */
static int npu_prepare(accel_ctx *ctx, struct compiled *c, struct accel_err *e)
{
	const struct qprog *p = c->prog;
	int r;

	r = npu_bo_alloc(ctx->npu, p->consts_size, &c->const_bo, e);
	if (r)
		return r;
	memcpy(c->const_bo.map, p->consts, p->consts_size);
	if (npu_cmdbuf_in_bo(ctx->npu)) {
		r = npu_bo_alloc(ctx->npu, p->cmdbuf_size, &c->cmd_bo, e);
		if (r)
			return r;
		memcpy(c->cmd_bo.map, p->cmdbuf, p->cmdbuf_size);
	}
	c->be = &backend_npu_ops;
	return 0;
}

static void npu_release(accel_ctx *ctx, struct compiled *c)
{
	npu_bo_free(ctx->npu, &c->const_bo);
	npu_bo_free(ctx->npu, &c->cmd_bo);
}

static int npu_frame_init(accel_ctx *ctx, struct compiled *c, struct frame *f,
			  struct accel_err *e)
{
	const struct qprog *p = c->prog;
	uint32_t i;
	int r;

	f->bos = calloc(p->num_slots, sizeof(*f->bos));
	if (!f->bos)
		return accel_seterr(e, -ENOMEM, "out of memory");
	f->slots[0].data = c->const_bo.map;
	f->slots[0].size = c->const_bo.size;
	f->job.handles[0] = c->const_bo.handle;
	for (i = QPROG_SLOT_ARENA; i < p->num_slots; i++) {
		size_t sz = prog_slot_size(p, i);

		r = npu_bo_alloc(ctx->npu, sz, &f->bos[i], e);
		if (r)
			return r;
		f->slots[i].data = f->bos[i].map;
		f->slots[i].size = sz;
		f->job.handles[i] = f->bos[i].handle;
	}
	f->job.n_handles = p->num_slots;
	f->job.cmdbuf_size = (uint32_t)p->cmdbuf_size;
	if (c->cmd_bo.handle)
		f->job.cmdbuf_handle = c->cmd_bo.handle;
	else
		f->job.cmdbuf_ptr = p->cmdbuf;
	return 0;
}

static void npu_frame_fini(accel_ctx *ctx, struct compiled *c, struct frame *f)
{
	uint32_t i;

	if (!f->bos)
		return;
	for (i = QPROG_SLOT_ARENA; i < c->prog->num_slots; i++)
		npu_bo_free(ctx->npu, &f->bos[i]);
}

/* Run @f's job on the device and wait for it. */
static int npu_run(accel_ctx *ctx, struct frame *f, struct accel_err *e)
{
	int r;

	pthread_mutex_lock(&ctx->lock);
	f->async = false;
	r = npu_queue(ctx->npu, &f->job, e);
	while (!r && !f->job.done) {
		r = npu_reap(ctx->npu, 1, ctx->job_done, ctx);
		if (r < 0)
			r = accel_seterr(e, r, "%s: waiting for the job: %s",
					 npu_path(ctx->npu), strerror(-r));
		else
			r = 0;
	}
	if (!r && f->job.status)
		r = accel_seterr(e, f->job.status, "%s: job of %s failed: %s",
				 npu_path(ctx->npu), f->c->name,
				 accel_strerror(f->job.status));
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

/* Queue @f for accel_poll()/accel_wait(); ctx->job_done completes it. */
static int npu_submit(accel_ctx *ctx, struct frame *f, struct accel_err *e)
{
	f->async = true;
	return npu_queue(ctx->npu, &f->job, e);
}

static int npu_flush_ctx(accel_ctx *ctx)
{
	return npu_flush(ctx->npu);
}

static int npu_reap_ctx(accel_ctx *ctx, unsigned int min)
{
	return npu_reap(ctx->npu, min, ctx->job_done, ctx);
}

static unsigned int npu_inflight_ctx(const accel_ctx *ctx)
{
	return npu_inflight(ctx->npu);
}

const struct backend_ops backend_npu_ops = {
	.name = "npu",
	.device = ACCEL_DEVICE_NPU,
	.runs_fp32 = false,
	.prepare = npu_prepare,
	.release = npu_release,
	.frame_init = npu_frame_init,
	.frame_fini = npu_frame_fini,
	.run = npu_run,
	.run_part = NULL,	/* a batch goes to the device whole */
	.run_fp32 = NULL,
	.submit = npu_submit,
	.flush = npu_flush_ctx,
	.reap = npu_reap_ctx,
	.inflight = npu_inflight_ctx,
};
