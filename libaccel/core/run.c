// SPDX-License-Identifier: MIT
/*
 * Synchronous runs: check the inputs, look up (or compile) the form for
 * their shapes, size the outputs, and run on the form's engine.  The run
 * funnel (run_begin()/run_sync()) also serves accel_submit().
 */
#include <pthread.h>
#include <stdlib.h>

#include "core/accel_internal.h"
#include "exec/plan.h"
#include "compile/qcompile.h"

static int check_inputs(const accel_model *m, const struct accel_tensor *in,
			int n)
{
	int i, d;

	if (n != m->g->n_inputs)
		return accel_failf(-EINVAL, "model takes %d inputs, %d given",
				   m->g->n_inputs, n);
	for (i = 0; i < n; i++) {
		const struct accel_tensor_info *inf = &m->in_info[i];
		int64_t numel = 1;
		size_t es = ir_dtype_size(in[i].dtype);

		if (in[i].rank < 0 || in[i].rank > ACCEL_MAX_RANK || !es)
			return accel_failf(-EINVAL, "input '%s': bad rank or dtype", inf->name);
		if (in[i].dtype != inf->dtype)
			return accel_failf(-EINVAL, "input '%s': model expects %s, got %s",
					   inf->name, ir_dtype_name(inf->dtype),
					   ir_dtype_name(in[i].dtype));
		if (inf->rank >= 0 && in[i].rank != inf->rank)
			return accel_failf(-EINVAL, "input '%s': model expects rank %d, got %d",
					   inf->name, inf->rank, in[i].rank);
		for (d = 0; d < in[i].rank; d++) {
			if (in[i].dims[d] < 0 ||
			    (inf->rank >= 0 && inf->dims[d] >= 0 &&
			     in[i].dims[d] != inf->dims[d]))
				return accel_failf(-EINVAL, "input '%s': dimension %d is %lld, model expects %lld",
						   inf->name, d, (long long)in[i].dims[d],
						   (long long)inf->dims[d]);
			if (__builtin_mul_overflow(numel, in[i].dims[d], &numel))
				return accel_failf(-EOVERFLOW, "input '%s': too many elements",
						   inf->name);
		}
		if (!in[i].data || in[i].size / es < (uint64_t)numel)
			return accel_failf(-EINVAL, "input '%s': buffer of %zu bytes, shape needs %llu",
					   inf->name, in[i].size,
					   (unsigned long long)numel * es);
	}
	return 0;
}

/* Size (and allocate) the @n outputs; run_begin() checked @n. */
static int prepare_outputs(const accel_model *m, const struct compiled *c,
			   struct accel_tensor *out, int n)
{
	int i, d;

	for (i = 0; i < n; i++) {
		const struct ir_value *v = &c->out_info[i];
		int64_t bytes = ir_value_nbytes(v);

		if (bytes < 0 || v->rank > ACCEL_MAX_RANK)
			return accel_failf(-EOVERFLOW, "output '%s' too large",
					   m->out_info[i].name);
		if (out[i].data && !(out[i].flags & ACCEL_TENSOR_OWNED) &&
		    out[i].size < (size_t)bytes)
			return accel_failf(-ENOSPC, "output '%s': buffer of %zu bytes, needs %lld",
					   m->out_info[i].name, out[i].size,
					   (long long)bytes);
		if (!out[i].data || (out[i].flags & ACCEL_TENSOR_OWNED)) {
			if (out[i].data && out[i].size >= (size_t)bytes) {
				/* reuse our earlier allocation */
			} else {
				void *p = malloc(bytes ? (size_t)bytes : 1);

				if (!p)
					return accel_failf(-ENOMEM, "out of memory");
				if (out[i].flags & ACCEL_TENSOR_OWNED)
					free(out[i].data);
				out[i].data = p;
				out[i].flags |= ACCEL_TENSOR_OWNED;
			}
		}
		out[i].size = (size_t)bytes;
		out[i].dtype = v->dtype;
		out[i].rank = v->rank;
		for (d = 0; d < ACCEL_MAX_RANK; d++)
			out[i].dims[d] = d < v->rank ? v->dims[d] : 0;
	}
	return 0;
}

/* Synchronous int8 run of @c. */
static int run_int8(accel_ctx *ctx, struct compiled *c,
		    const struct accel_tensor *in, struct accel_tensor *out,
		    struct accel_err *e)
{
	void *op[64];
	struct frame *f;
	int r, i;

	if (c->prog->n_outputs > 64)
		return accel_seterr(e, -E2BIG, "more than 64 outputs");
	for (i = 0; i < c->prog->n_outputs; i++)
		op[i] = out[i].data;
	pthread_mutex_lock(&ctx->lock);
	f = frame_get(ctx, c, e, &r);
	pthread_mutex_unlock(&ctx->lock);
	if (!f)
		return r;
	/* The frame is ours (busy) until we clear busy. */
	frame_quantize_inputs(c, f, in);
	r = c->be->run(ctx, f, e);
	if (!r)
		frame_dequantize_outputs(c, f, op);
	pthread_mutex_lock(&ctx->lock);
	f->busy = false;
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

/*
 * Run @c now on its engine, with the reference run_begin() took (the caller
 * puts it).
 */
int run_sync(struct compiled *c, const struct accel_tensor *inputs,
	     int n_inputs, struct accel_tensor *outputs, int n_outputs,
	     struct accel_err *e)
{
	if (c->engine == ACCEL_ENGINE_INT8)
		return run_int8(c->m->ctx, c, inputs, outputs, e);
	return c->be->run_fp32(c->m->ctx, c, inputs, n_inputs, outputs,
			       n_outputs, e);
}

/* Look up (or compile) the form for @inputs and take a reference on it. */
struct compiled *run_begin(accel_model *m, const struct accel_tensor *inputs,
			   int n_inputs, struct accel_tensor *outputs,
			   int n_outputs, int *err)
{
	struct accel_err e = { { 0 } };
	struct compiled *c;
	int r;

	if (!m || (n_inputs && !inputs) || (n_outputs && !outputs)) {
		*err = accel_failf(-EINVAL, "accel_run: NULL argument");
		return NULL;
	}
	r = check_inputs(m, inputs, n_inputs);
	if (!r && n_outputs != m->g->n_outputs)
		r = accel_failf(-EINVAL, "model has %d outputs, %d given",
				m->g->n_outputs, n_outputs);
	if (r) {
		*err = r;
		return NULL;
	}
	pthread_mutex_lock(&m->lock);
	c = model_get_compiled(m, inputs, &e, &r);
	if (!c) {
		pthread_mutex_unlock(&m->lock);
		*err = accel_fail(r, &e);
		return NULL;
	}
	__atomic_add_fetch(&c->users, 1, __ATOMIC_ACQUIRE);
	m->last_engine = c->engine;
	m->last_device = c->be->device;
	m->last_arena = c->engine == ACCEL_ENGINE_INT8 ? c->prog->arena_size :
			cpu_plan_arena_size(c->plan);
	pthread_mutex_unlock(&m->lock);
	r = prepare_outputs(m, c, outputs, n_outputs);
	if (r) {
		__atomic_sub_fetch(&c->users, 1, __ATOMIC_RELEASE);
		*err = r;
		return NULL;
	}
	*err = 0;
	return c;
}

int accel_run(accel_model *m, const struct accel_tensor *inputs, int n_inputs,
	      struct accel_tensor *outputs, int n_outputs)
{
	struct accel_err e = { { 0 } };
	struct compiled *c;
	int r;

	c = run_begin(m, inputs, n_inputs, outputs, n_outputs, &r);
	if (!c)
		return r;
	r = run_sync(c, inputs, n_inputs, outputs, n_outputs, &e);
	__atomic_sub_fetch(&c->users, 1, __ATOMIC_RELEASE);
	return r ? accel_fail(r, &e) : 0;
}

void accel_tensor_release(struct accel_tensor *t)
{
	if (!t || !(t->flags & ACCEL_TENSOR_OWNED))
		return;
	free(t->data);
	t->data = NULL;
	t->size = 0;
	t->flags &= ~ACCEL_TENSOR_OWNED;
}
