// SPDX-License-Identifier: MIT
/*
 * Asynchronous requests: accel_submit() queues a job on the NPU (or runs at
 * once on the CPU) and its completion waits in a per-context queue for
 * accel_poll()/accel_wait().
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/accel_internal.h"
#include "compile/qcompile.h"

/* Room for every completion that can still arrive.  Under ctx->lock. */
static int done_reserve(accel_ctx *ctx, size_t need)
{
	struct done_queue *q = &ctx->done;
	struct accel_completion *v;
	size_t cap, i;

	if (need <= q->cap)
		return 0;
	cap = q->cap ? q->cap * 2 : 64;
	while (cap < need)
		cap *= 2;
	v = malloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < q->len; i++)
		v[i] = q->v[(q->head + i) % q->cap];
	free(q->v);
	q->v = v;
	q->cap = cap;
	q->head = 0;
	return 0;
}

static void done_push(accel_ctx *ctx, uint64_t user_data, int status)
{
	struct done_queue *q = &ctx->done;
	struct accel_completion *cpl;

	/* Capacity was reserved when the request was submitted. */
	cpl = &q->v[(q->head + q->len) % q->cap];
	memset(cpl, 0, sizeof(*cpl));
	cpl->user_data = user_data;
	cpl->status = status;
	q->len++;
}

static int done_pop(accel_ctx *ctx, struct accel_completion *out, int max)
{
	struct done_queue *q = &ctx->done;
	int n = 0;

	while (n < max && q->len) {
		out[n++] = q->v[q->head];
		q->head = (q->head + 1) % q->cap;
		q->len--;
		ctx->pending--;
	}
	return n;
}

/* A job finished (ctx->lock held, called from npu_reap()). */
void async_complete(struct npu_job *job, void *arg)
{
	struct frame *f = (struct frame *)((char *)job -
					   offsetof(struct frame, job));
	accel_ctx *ctx = arg;

	if (!f->async)
		return;		/* its synchronous owner looks at job->done */
	if (!job->status)
		frame_dequantize_outputs(f->c, f, f->out_data);
	done_push(ctx, f->user_data, job->status);
	f->async = false;
	f->busy = false;
	__atomic_sub_fetch(&f->c->users, 1, __ATOMIC_RELEASE);
}

int accel_submit(accel_model *m, const struct accel_tensor *inputs,
		 int n_inputs, struct accel_tensor *outputs, int n_outputs,
		 uint64_t user_data)
{
	struct accel_err e = { { 0 } };
	struct compiled *c;
	struct frame *f;
	accel_ctx *ctx;
	int r, i;

	c = run_begin(m, inputs, n_inputs, outputs, n_outputs, &r);
	if (!c)
		return r;
	ctx = m->ctx;
	pthread_mutex_lock(&ctx->lock);
	r = done_reserve(ctx, (size_t)ctx->pending + 1);
	if (r) {
		pthread_mutex_unlock(&ctx->lock);
		__atomic_sub_fetch(&c->users, 1, __ATOMIC_RELEASE);
		return accel_failf(r, "out of memory");
	}
	if (!c->be->submit) {
		/* A synchronous backend (the CPU): run now, report through
		 * the completion queue. */
		ctx->pending++;
		pthread_mutex_unlock(&ctx->lock);
		r = run_sync(c, inputs, n_inputs, outputs, n_outputs, &e);
		if (r)
			accel_fail(r, &e);
		pthread_mutex_lock(&ctx->lock);
		done_push(ctx, user_data, r);
		pthread_mutex_unlock(&ctx->lock);
		__atomic_sub_fetch(&c->users, 1, __ATOMIC_RELEASE);
		return 0;
	}
	f = frame_get(ctx, c, &e, &r);
	if (!f)
		goto err_unlock;
	frame_quantize_inputs(c, f, inputs);
	for (i = 0; i < c->prog->n_outputs; i++)
		f->out_data[i] = outputs[i].data;
	f->user_data = user_data;
	r = c->be->submit(ctx, f, &e);
	if (r) {
		f->async = false;
		f->busy = false;
		goto err_unlock;
	}
	ctx->pending++;
	pthread_mutex_unlock(&ctx->lock);
	return 0;	/* the reference on c is dropped by async_complete() */
err_unlock:
	pthread_mutex_unlock(&ctx->lock);
	__atomic_sub_fetch(&c->users, 1, __ATOMIC_RELEASE);
	return accel_fail(r, &e);
}

int accel_flush(accel_ctx *ctx)
{
	int r = 0;

	if (!ctx)
		return accel_failf(-EINVAL, "accel_flush: NULL context");
	pthread_mutex_lock(&ctx->lock);
	r = ctx->be->flush(ctx);
	pthread_mutex_unlock(&ctx->lock);
	return r ? accel_failf(r, "%s: io_uring submit: %s",
			       accel_ctx_device_path(ctx), strerror(-r)) : 0;
}

static int collect(accel_ctx *ctx, struct accel_completion *done, int max,
		   int min)
{
	int r = 0;

	if (!ctx || max < 0 || (max && !done))
		return accel_failf(-EINVAL, "accel_poll/accel_wait: bad arguments");
	if (min > max)
		min = max;
	pthread_mutex_lock(&ctx->lock);
	if (min > (int)ctx->pending)
		min = (int)ctx->pending;
	if (ctx->be->inflight(ctx)) {
		unsigned int want = ctx->done.len < (size_t)min ?
				    (unsigned int)(min - (int)ctx->done.len) : 0;

		r = ctx->be->reap(ctx, want);
		while (r >= 0 && ctx->done.len < (size_t)min)
			r = ctx->be->reap(ctx, 1);
	}
	if (r >= 0)
		r = done_pop(ctx, done, max);
	else
		r = accel_failf(r, "%s: reaping completions: %s",
				accel_ctx_device_path(ctx), strerror(-r));
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

int accel_poll(accel_ctx *ctx, struct accel_completion *done, int max)
{
	return collect(ctx, done, max, 0);
}

int accel_wait(accel_ctx *ctx, struct accel_completion *done, int max,
	       int min)
{
	return collect(ctx, done, max, min < 0 ? 0 : min);
}

int accel_ctx_pending(accel_ctx *ctx)
{
	int n;

	if (!ctx)
		return -EINVAL;
	pthread_mutex_lock(&ctx->lock);
	n = (int)ctx->pending;
	pthread_mutex_unlock(&ctx->lock);
	return n;
}
