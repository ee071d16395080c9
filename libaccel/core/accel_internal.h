/* SPDX-License-Identifier: MIT */
/*
 * libaccel internals shared by the files that implement the public API:
 *
 *	accel.c		library-level calls, errors, contexts, device choice
 *	model.c		model load/free/info and the per-shape compile cache
 *	frame.c		int8 frames: the buffers of one run and their edges
 *	run.c		synchronous runs (accel_run) and the run funnel
 *	async.c		accel_submit/poll/wait/flush and the completion queue
 *	map.c		zero-copy mapping (accel_model_map_*, accel_run_mapped)
 *
 * The objects they share with the backends (accel_ctx, compiled, frame) and
 * the backend interface are in backend/backend.h.
 *
 * Lock order (outer first): accel_model.map_lock, accel_model.lock,
 * accel_ctx.lock.  compiled.lock (fp32 arena) is taken alone.
 */
#ifndef LIBACCEL_ACCEL_INTERNAL_H
#define LIBACCEL_ACCEL_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel.h"
#include "backend/backend.h"
#include "ir/ir.h"
#include "util/err.h"

struct accel_model {
	accel_ctx *ctx;
	struct ir_graph *g;
	char *name;
	struct accel_tensor_info *in_info, *out_info;
	/* protects cache, n_cached, last_*, warned; mapped is set once under it */
	pthread_mutex_t lock;
	struct compiled *cache;		/* most recently used first */
	int n_cached;
	enum accel_engine last_engine;
	enum accel_device last_device;
	size_t last_arena;
	bool warned;			/* CPU fallback logged */
	struct compiled *mapped;	/* zero-copy form, pinned */
	struct frame *mapped_frame;
	pthread_mutex_t map_lock;	/* protects mapped_frame: one accel_run_mapped() at a time */
};

/* accel.c: record the message for accel_last_error(), return @err. */
int accel_fail(int err, const struct accel_err *e);
int accel_failf(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* model.c: the compiled form of @m for @in's shapes.  Under m->lock. */
struct compiled *model_get_compiled(accel_model *m,
				    const struct accel_tensor *in,
				    struct accel_err *e, int *err);

/* frame.c */
struct frame *frame_new(accel_ctx *ctx, struct compiled *c,
			struct accel_err *e, int *err);
void frame_free(accel_ctx *ctx, struct compiled *c, struct frame *f);
struct frame *frame_get(accel_ctx *ctx, struct compiled *c,
			struct accel_err *e, int *err);
void frame_quantize_inputs(const struct compiled *c, struct frame *f,
			   const struct accel_tensor *in);
void frame_dequantize_outputs(const struct compiled *c, const struct frame *f,
			      void *const *out);

/* run.c: validate, look up the compiled form and take a reference on it. */
struct compiled *run_begin(accel_model *m, const struct accel_tensor *inputs,
			   int n_inputs, struct accel_tensor *outputs,
			   int n_outputs, int *err);
int run_sync(struct compiled *c, const struct accel_tensor *inputs,
	     int n_inputs, struct accel_tensor *outputs, int n_outputs,
	     struct accel_err *e);

/* async.c: npu_reap() callback, a job finished.  Under ctx->lock. */
void async_complete(struct npu_job *job, void *arg);

#endif /* LIBACCEL_ACCEL_INTERNAL_H */
