// SPDX-License-Identifier: MIT
/*
 * Synchronous runs: check the inputs, look up (or compile) the form for
 * their shapes, size the outputs, and run on the form's engine.  The run
 * funnel (run_begin()/run_sync()) also serves accel_submit().
 */
#include <pthread.h>
#include <stdatomic.h>
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

/*
 * Batch split.  On the CPU with T > 1 threads, a batch of N >= 2 images
 * whose program computes every image on its own (qprog_per_image()) runs
 * as parts of B = ceil(N / (SPLIT_PER_THREAD * T)) images, or more when
 * that is less than SPLIT_MIN_WORK (at least two parts): each part is
 * one task of the pool running the whole program compiled for batch B (or
 * for the last part's size) in a frame of its own, edge conversions
 * included.  The threads meet once per run instead of at every operation.
 * More parts than threads keep both busy when one loses its CPU for a
 * while (parts are claimed one at a time); when the workers make runs
 * slower (struct par_tune, or a busy machine), the pool runs the parts in
 * order on the caller.  An
 * image's result does not depend on its batch (every kernel is bit-exact
 * to the scalar one at any batch), so the outputs are those of the whole
 * batch on one thread.  ACCEL_BATCH_SPLIT=0 keeps batches whole, =1 splits
 * them whatever their work (tests).
 */
#define SPLIT_PER_THREAD	4
/*
 * Least work of a part (qprog_work(): about 4 M multiply-adds, tens of
 * microseconds of the int8 kernels), so that a part's fixed cost (its
 * frame, the interpreter's pass over the operations, weights read again)
 * stays small: a batch of a tiny model splits into fewer, larger parts,
 * or none.
 */
#define SPLIT_MIN_WORK		(4ULL << 20)
#define SPLIT_MAX_EDGES		64

struct split_run {
	accel_ctx *ctx;
	struct compiled *form[2];	/* parts of b images; the last part */
	const struct accel_tensor *in;
	struct accel_tensor *out;
	int n_in, n_out;
	uint32_t n, b;
	size_t in_img[SPLIT_MAX_EDGES];	/* bytes of one image, per input */
	size_t out_img[SPLIT_MAX_EDGES];	/* and per output */
	_Atomic int err;		/* the first part's error to fail */
	struct accel_err e;		/* its message, written by that part */
};

static void split_task(void *arg, uint32_t i)
{
	struct split_run *s = arg;
	const uint32_t n0 = i * s->b;
	const uint32_t cnt = s->n - n0 < s->b ? s->n - n0 : s->b;
	struct compiled *c = cnt == s->b ? s->form[0] : s->form[1];
	struct accel_tensor in[SPLIT_MAX_EDGES];
	void *op[SPLIT_MAX_EDGES];
	struct accel_err e = { { 0 } };
	struct frame *f;
	int r, k, none = 0;

	if (atomic_load_explicit(&s->err, memory_order_relaxed))
		return;		/* an earlier part failed: the run does */
	for (k = 0; k < s->n_in; k++) {
		in[k] = s->in[k];
		in[k].data = (uint8_t *)s->in[k].data + n0 * s->in_img[k];
	}
	for (k = 0; k < s->n_out; k++)
		op[k] = (uint8_t *)s->out[k].data + n0 * s->out_img[k];
	pthread_mutex_lock(&s->ctx->lock);
	f = frame_get(s->ctx, c, &e, &r);
	pthread_mutex_unlock(&s->ctx->lock);
	if (f) {
		frame_quantize_inputs(c, f, in);
		r = c->be->run_part(s->ctx, f, &e);
		if (!r)
			frame_dequantize_outputs(c, f, op);
		pthread_mutex_lock(&s->ctx->lock);
		f->busy = false;
		pthread_mutex_unlock(&s->ctx->lock);
	}
	if (r && atomic_compare_exchange_strong(&s->err, &none, r))
		s->e = e;
}

/* The form of @m for @in's shapes with batch @b, referenced; or NULL. */
static struct compiled *split_form(accel_model *m,
				   const struct accel_tensor *in, int n_in,
				   uint32_t b)
{
	struct accel_tensor t[SPLIT_MAX_EDGES];
	struct accel_err e = { { 0 } };
	struct compiled *c;
	int k, r;

	for (k = 0; k < n_in; k++) {
		t[k] = in[k];
		t[k].dims[0] = b;
	}
	c = model_get_compiled(m, t, &e, &r);
	if (!c || c->engine != ACCEL_ENGINE_INT8 || !c->be->run_part ||
	    !qprog_per_image(c->prog, b) ||
	    c->prog->n_inputs != n_in ||
	    c->prog->n_outputs != m->g->n_outputs)
		return NULL;
	__atomic_add_fetch(&c->users, 1, __ATOMIC_ACQUIRE);
	return c;
}

/*
 * Make the frames @k parts of form @c use at once now, in the run that
 * compiled it, so that later runs allocate nothing.
 */
static int split_frames(accel_ctx *ctx, struct compiled *c, unsigned int k,
			struct accel_err *e)
{
	struct frame *got[256];
	unsigned int i, n = 0;
	int r = 0;

	if (k > 256)
		k = 256;
	pthread_mutex_lock(&ctx->lock);
	for (i = 0; i < k && !r; i++) {
		got[n] = frame_get(ctx, c, e, &r);
		if (got[n])
			n++;
	}
	for (i = 0; i < n; i++)
		got[i]->busy = false;
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

static void split_put(struct split_run *s)
{
	if (s->form[1] && s->form[1] != s->form[0])
		__atomic_sub_fetch(&s->form[1]->users, 1, __ATOMIC_RELEASE);
	if (s->form[0])
		__atomic_sub_fetch(&s->form[0]->users, 1, __ATOMIC_RELEASE);
}

/*
 * Run @c's batch as parts across the context's threads; 1 when it does not
 * split (the caller runs it whole), else 0 or a negative errno.
 */
static int run_split(accel_ctx *ctx, struct compiled *c,
		     const struct accel_tensor *in, struct accel_tensor *out,
		     struct accel_err *e)
{
	const struct qprog *p = c->prog;
	const unsigned int threads = par_pool_threads(ctx->pool);
	accel_model *m = c->m;
	struct split_run s = { .ctx = ctx, .in = in, .out = out,
			       .n_in = p->n_inputs, .n_out = p->n_outputs };
	struct par_pool *saved;
	uint32_t parts, last;
	int k, r;

	pthread_mutex_lock(&m->lock);
	if (!c->split) {
		uint32_t n = in[0].dims[0] <= UINT32_MAX ?
			     (uint32_t)in[0].dims[0] : 0;
		uint64_t img = n ? qprog_work(p) / n : 0, b;

		c->split = -1;
		b = n ? (n + SPLIT_PER_THREAD * threads - 1) /
			(SPLIT_PER_THREAD * threads) : 0;
		if (img && b * img < SPLIT_MIN_WORK && !ctx->batch_split)
			b = (SPLIT_MIN_WORK + img - 1) / img;
		if (n >= 2 && b < n && threads > 1 &&
		    ctx->depth >= threads && p->n_inputs <= SPLIT_MAX_EDGES &&
		    p->n_outputs <= SPLIT_MAX_EDGES && qprog_per_image(p, n)) {
			c->split = 1;
			c->split_b = (uint32_t)b;
		}
	}
	if (c->split < 0) {
		pthread_mutex_unlock(&m->lock);
		return 1;
	}
	s.n = (uint32_t)in[0].dims[0];
	s.b = c->split_b;
	parts = (s.n + s.b - 1) / s.b;
	last = s.n - (parts - 1) * s.b;
	s.form[0] = split_form(m, in, s.n_in, s.b);
	s.form[1] = last == s.b ? s.form[0] :
		    s.form[0] ? split_form(m, in, s.n_in, last) : NULL;
	if (!s.form[0] || !s.form[1]) {
		/* the smaller batch does not compile alike: keep it whole */
		c->split = -1;
		split_put(&s);
		pthread_mutex_unlock(&m->lock);
		return 1;
	}
	if (c->split == 1) {
		/* the first split run: every part's frame, now */
		k = (int)(parts < threads ? parts : threads);
		r = split_frames(ctx, s.form[0], (unsigned int)k, e);
		if (!r && s.form[1] != s.form[0])
			r = split_frames(ctx, s.form[1], 1, e);
		if (r) {
			split_put(&s);
			pthread_mutex_unlock(&m->lock);
			return r;
		}
		c->split = 2;
	}
	pthread_mutex_unlock(&m->lock);
	for (k = 0; k < s.n_in; k++)
		s.in_img[k] = p->inputs[k].qbytes / s.n *
			      (p->inputs[k].convert ? sizeof(float) : 1);
	for (k = 0; k < s.n_out; k++)
		s.out_img[k] = p->outputs[k].qbytes / s.n *
			       (p->outputs[k].convert ? sizeof(float) : 1);
	pthread_mutex_lock(&ctx->lock);
	ctx->cpu_submitted++;
	pthread_mutex_unlock(&ctx->lock);
	par_enter_tuned(ctx->pool, &saved, &c->tune);
	par_run(split_task, &s, parts);
	par_leave(saved);
	pthread_mutex_lock(&ctx->lock);
	ctx->cpu_completed++;
	pthread_mutex_unlock(&ctx->lock);
	split_put(&s);
	r = atomic_load(&s.err);
	if (r)
		*e = s.e;
	return r;
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
	if (ctx->pool && ctx->batch_split >= 0 && c->be->run_part &&
	    c->prog->n_inputs && in[0].rank >= 1 && in[0].dims[0] >= 2) {
		r = run_split(ctx, c, in, out, e);
		if (r != 1)
			return r;
	}
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
