// SPDX-License-Identifier: MIT
/*
 * Frames: the buffers one int8 run uses (heap on the CPU, mmapped BOs on
 * the NPU), and the conversions at the program's edges.
 */
#include <stdlib.h>
#include <string.h>

#include "core/accel_internal.h"
#include "compile/qcompile.h"

void frame_free(accel_ctx *ctx, struct compiled *c, struct frame *f)
{
	uint32_t i;

	if (!f)
		return;
	if (f->slots) {
		for (i = QPROG_SLOT_ARENA; i < c->prog->num_slots; i++) {
			if (f->bos)
				npu_bo_free(ctx->npu, &f->bos[i]);
			else
				free(f->slots[i].data);
		}
	}
	free(f->bos);
	free(f->slots);
	free(f->out_data);
	free(f);
}

size_t prog_slot_size(const struct qprog *p, uint32_t slot)
{
	int i;

	if (slot == QPROG_SLOT_CONST)
		return p->consts_size;
	if (slot == QPROG_SLOT_ARENA)
		return p->arena_size ? p->arena_size : 64;
	for (i = 0; i < p->n_inputs; i++)
		if ((uint32_t)p->inputs[i].slot == slot)
			return p->inputs[i].qbytes;
	for (i = 0; i < p->n_outputs; i++)
		if ((uint32_t)p->outputs[i].slot == slot)
			return p->outputs[i].qbytes;
	return 0;
}

struct frame *frame_new(accel_ctx *ctx, struct compiled *c,
			struct accel_err *e, int *err)
{
	const struct qprog *p = c->prog;
	struct frame *f = calloc(1, sizeof(*f));
	uint32_t i;

	if (!f || !(f->slots = calloc(p->num_slots, sizeof(*f->slots))) ||
	    !(f->out_data = calloc((size_t)p->n_outputs + 1, sizeof(void *))) ||
	    (c->on_npu && !(f->bos = calloc(p->num_slots, sizeof(*f->bos))))) {
		*err = accel_seterr(e, -ENOMEM, "out of memory");
		goto fail;
	}
	f->c = c;
	if (c->on_npu) {
		f->slots[0].data = c->const_bo.map;
		f->slots[0].size = c->const_bo.size;
		f->job.handles[0] = c->const_bo.handle;
	} else {
		f->slots[0].data = p->consts;
		f->slots[0].size = p->consts_size;
	}
	for (i = QPROG_SLOT_ARENA; i < p->num_slots; i++) {
		size_t sz = prog_slot_size(p, i);

		if (c->on_npu) {
			*err = npu_bo_alloc(ctx->npu, sz, &f->bos[i], e);
			if (*err)
				goto fail;
			f->slots[i].data = f->bos[i].map;
			f->job.handles[i] = f->bos[i].handle;
		} else {
			f->slots[i].data = aligned_alloc(64, (sz + 63) & ~(size_t)63);
			if (!f->slots[i].data) {
				*err = accel_seterr(e, -ENOMEM, "out of memory");
				goto fail;
			}
		}
		f->slots[i].size = sz;
	}
	f->job.n_handles = p->num_slots;
	f->job.cmdbuf_size = (uint32_t)p->cmdbuf_size;
	if (c->cmd_bo.handle)
		f->job.cmdbuf_handle = c->cmd_bo.handle;
	else
		f->job.cmdbuf_ptr = p->cmdbuf;
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
		if (!c->on_npu || !npu_inflight(ctx->npu)) {
			*err = accel_seterr(e, -EBUSY, "%s: more than %u runs at once",
					    c->m->name, ctx->depth);
			return NULL;
		}
		r = npu_reap(ctx->npu, 1, async_complete, ctx);
		if (r < 0) {
			*err = accel_seterr(e, r, "%s: waiting for a completion: %s",
					    npu_path(ctx->npu), strerror(-r));
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
