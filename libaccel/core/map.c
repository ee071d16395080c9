// SPDX-License-Identifier: MIT
/*
 * Zero-copy: the edges of an int8 model mapped straight into a pinned
 * frame (BOs on the NPU), run in place by accel_run_mapped().
 */
#include <pthread.h>
#include <string.h>

#include <drm/enpu_isa.h>

#include "core/accel_internal.h"
#include "compile/qcompile.h"

static int ensure_mapped(accel_model *m, struct accel_err *e)
{
	struct accel_tensor in[16];
	struct compiled *c;
	int i, d, r;
	static const char dummy;

	if (m->mapped)
		return 0;
	if (m->g->n_inputs > 16)
		return accel_seterr(e, -E2BIG, "%s: more than 16 inputs", m->name);
	memset(in, 0, sizeof(in));
	for (i = 0; i < m->g->n_inputs; i++) {
		const struct accel_tensor_info *inf = &m->in_info[i];

		if (inf->rank < 0)
			return accel_seterr(e, -EINVAL, "input '%s' has no declared rank",
					    inf->name);
		in[i].dtype = inf->dtype;
		in[i].rank = inf->rank;
		for (d = 0; d < inf->rank; d++)
			in[i].dims[d] = inf->dims[d] < 0 ? 1 : inf->dims[d];
		in[i].data = (void *)&dummy;
	}
	c = model_get_compiled(m, in, e, &r);
	if (!c)
		return r;
	if (c->engine != ACCEL_ENGINE_INT8)
		return accel_seterr(e, -EOPNOTSUPP,
				    "%s is not an int8 model: nothing to map", m->name);
	pthread_mutex_lock(&m->ctx->lock);
	m->mapped_frame = frame_new(m->ctx, c, e, &r);
	pthread_mutex_unlock(&m->ctx->lock);
	if (!m->mapped_frame)
		return r;
	m->mapped_frame->mapped = true;
	c->pinned = true;
	m->mapped = c;
	return 0;
}

static int map_edge(accel_model *m, int index, bool output,
		    struct accel_tensor *t, struct accel_quant *q)
{
	struct accel_err e = { { 0 } };
	const struct qprog_edge *ed;
	const struct qprog *p;
	int r, d;

	if (!m || !t)
		return accel_failf(-EINVAL, "accel_model_map_*: NULL argument");
	pthread_mutex_lock(&m->lock);
	r = ensure_mapped(m, &e);
	pthread_mutex_unlock(&m->lock);
	if (r)
		return accel_fail(r, &e);
	p = m->mapped->prog;
	if (index < 0 || index >= (output ? p->n_outputs : p->n_inputs))
		return accel_failf(-EINVAL, "%s index %d out of range",
				   output ? "output" : "input", index);
	ed = output ? &p->outputs[index] : &p->inputs[index];
	memset(t, 0, sizeof(*t));
	t->data = m->mapped_frame->slots[ed->slot].data;
	t->size = ed->qbytes;
	t->dtype = ed->convert ? (ed->isa_dtype == ENPU_DTYPE_S8 ?
				  ACCEL_DTYPE_I8 : ACCEL_DTYPE_U8) :
		   ed->shape.dtype;
	t->rank = ed->shape.rank;
	for (d = 0; d < ed->shape.rank && d < ACCEL_MAX_RANK; d++)
		t->dims[d] = ed->shape.dims[d];
	if (q) {
		memset(q, 0, sizeof(*q));
		q->scale = ed->convert ? ed->scale : 0.0f;
		q->zero_point = ed->convert ? ed->zero_point : 0;
	}
	return 0;
}

int accel_model_map_input(accel_model *m, int index, struct accel_tensor *t,
			  struct accel_quant *q)
{
	return map_edge(m, index, false, t, q);
}

int accel_model_map_output(accel_model *m, int index, struct accel_tensor *t,
			   struct accel_quant *q)
{
	return map_edge(m, index, true, t, q);
}

int accel_run_mapped(accel_model *m)
{
	struct accel_err e = { { 0 } };
	struct frame *f;
	accel_ctx *ctx;
	int r;

	if (!m)
		return accel_failf(-EINVAL, "accel_run_mapped: NULL model");
	if (!m->mapped)
		return accel_failf(-EINVAL, "%s: call accel_model_map_input() first",
				   m->name);
	ctx = m->ctx;
	f = m->mapped_frame;
	pthread_mutex_lock(&m->map_lock);
	pthread_mutex_lock(&m->lock);
	m->last_engine = ACCEL_ENGINE_INT8;
	m->last_device = m->mapped->be->device;
	pthread_mutex_unlock(&m->lock);
	r = m->mapped->be->run(ctx, f, &e);
	pthread_mutex_unlock(&m->map_lock);
	return r ? accel_fail(r, &e) : 0;
}

