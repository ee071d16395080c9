// SPDX-License-Identifier: MIT
/*
 * Frames: the buffers one int8 run uses (made by the backend: heap on the
 * CPU, mmapped BOs on the NPU), and the conversions at the program's edges.
 */
#include <stdlib.h>
#include <string.h>

#include "core/accel_internal.h"
#include "compile/qcompile.h"

void frame_free(accel_ctx *ctx, struct compiled *c, struct frame *f)
{
	if (!f)
		return;
	if (f->slots)
		c->be->frame_fini(ctx, c, f);
	free(f->bos);
	free(f->slots);
	free(f->out_data);
	free(f);
}

struct frame *frame_new(accel_ctx *ctx, struct compiled *c,
			struct accel_err *e, int *err)
{
	const struct qprog *p = c->prog;
	struct frame *f = calloc(1, sizeof(*f));

	if (!f || !(f->slots = calloc(p->num_slots, sizeof(*f->slots))) ||
	    !(f->out_data = calloc((size_t)p->n_outputs + 1, sizeof(void *)))) {
		*err = accel_seterr(e, -ENOMEM, "out of memory");
		goto fail;
	}
	f->c = c;
	*err = c->be->frame_init(ctx, c, f, e);
	if (*err)
		goto fail;
	return f;
fail:
	frame_free(ctx, c, f);
	return NULL;
}

void frame_quantize_inputs(const struct compiled *c, struct frame *f,
			   const struct accel_tensor *in)
{
	const struct qprog *p = c->prog;
	int i;

	for (i = 0; i < p->n_inputs; i++) {
		const struct qprog_edge *ed = &p->inputs[i];

		if (ed->convert)
			qprog_quantize(in[i].data, f->slots[ed->slot].data,
				       ed->qbytes, ed->isa_dtype, ed->scale,
				       ed->zero_point);
		else
			memcpy(f->slots[ed->slot].data, in[i].data, ed->qbytes);
	}
}

void frame_dequantize_outputs(const struct compiled *c,
			      const struct frame *f, void *const *out)
{
	const struct qprog *p = c->prog;
	int i;

	for (i = 0; i < p->n_outputs; i++) {
		const struct qprog_edge *ed = &p->outputs[i];

		if (ed->convert)
			qprog_dequantize(f->slots[ed->slot].data, out[i],
					 ed->qbytes, ed->isa_dtype, ed->scale,
					 ed->zero_point);
		else
			memcpy(out[i], f->slots[ed->slot].data, ed->qbytes);
	}
}

/* A free frame of @c, created on demand.  Under ctx->lock. */
struct frame *frame_get(accel_ctx *ctx, struct compiled *c,
			struct accel_err *e, int *err)
{
	struct frame *f, **v;
	unsigned int i;
	int r;

	for (;;) {
		for (i = 0; i < c->n_frames; i++)
			if (!c->frames[i]->busy) {
				c->frames[i]->busy = true;
				return c->frames[i];
			}
		if (c->n_frames < ctx->depth)
			break;
		if (!c->be->inflight(ctx)) {
			*err = accel_seterr(e, -EBUSY, "%s: more than %u runs at once",
					    c->m->name, ctx->depth);
			return NULL;
		}
		r = c->be->reap(ctx, 1);
		if (r < 0) {
			*err = accel_seterr(e, r, "%s: waiting for a completion: %s",
					    accel_ctx_device_path(ctx), strerror(-r));
			return NULL;
		}
	}
	v = realloc(c->frames, (c->n_frames + 1) * sizeof(*v));
	if (!v) {
		*err = accel_seterr(e, -ENOMEM, "out of memory");
		return NULL;
	}
	c->frames = v;
	f = frame_new(ctx, c, e, err);
	if (!f)
		return NULL;
	c->frames[c->n_frames++] = f;
	f->busy = true;
	return f;
}
