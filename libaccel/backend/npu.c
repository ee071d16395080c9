// SPDX-License-Identifier: MIT
/*
 * NPU execution: upload a compiled int8 program to buffer objects once, and
 * run a frame on the device and wait for it.  The device itself is npu.c.
 */
#include <string.h>

#include "core/accel_internal.h"
#include "compile/qcompile.h"

/* Upload the constants and the command buffer into BOs, once. */
int backend_npu_upload(accel_ctx *ctx, struct compiled *c, struct accel_err *e)
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
	c->on_npu = true;
	return 0;
}

/* Run @f's job on the device and wait for it.  Under ctx->lock. */
int backend_npu_run(accel_ctx *ctx, struct frame *f, struct accel_err *e)
{
	int r;

	f->async = false;
	r = npu_queue(ctx->npu, &f->job, e);
	if (r)
		return r;
	while (!f->job.done) {
		r = npu_reap(ctx->npu, 1, async_complete, ctx);
		if (r < 0)
			return accel_seterr(e, r, "%s: waiting for the job: %s",
					    npu_path(ctx->npu), strerror(-r));
	}
	if (f->job.status)
		return accel_seterr(e, f->job.status, "%s: job of %s failed: %s",
				    npu_path(ctx->npu), f->c->m->name,
				    accel_strerror(f->job.status));
	return 0;
}

