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
 *	backend_cpu.c	CPU execution: fp32 plan, int8 program on the fw core
 *	backend_npu.c	NPU execution: program upload, run a frame and wait
 *	npu.c		the ENPU device itself (enpu.ko uapi, io_uring)
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
#include "enpu_fw.h"
#include "util/err.h"
#include "ir/ir.h"
#include "backend/npu_dev.h"

struct cpu_plan;
struct qprog;

/* Finished asynchronous requests waiting for accel_poll()/accel_wait(). */
struct done_queue {
	struct accel_completion *v;	/* ring of @cap entries */
	size_t head, len, cap;
};

struct accel_ctx {
	enum accel_device device;	/* CPU or NPU, never AUTO; set at open */
	bool auto_fallback;		/* AUTO: models the NPU cannot run go to the CPU */
	uint32_t flags;			/* ACCEL_CTX_* */
	unsigned int depth;		/* most frames per compiled form */
	/*
	 * protects npu (npu.c has no lock of its own), done, pending,
	 * cpu_submitted/cpu_completed and every frame's busy/async state
	 */
	pthread_mutex_t lock;
	struct npu_dev *npu;		/* NPU contexts; NULL on the CPU */
	struct done_queue done;		/* under lock */
	unsigned int pending;		/* submitted, completion not yet returned; under lock */
	uint64_t cpu_submitted, cpu_completed;	/* under lock */
};

struct compiled;

/*
 * One set of buffers to run a compiled int8 form: the arena and the edge
 * tensors (mmapped BOs on the NPU, heap on the CPU).  Several frames let
 * requests overlap; one frame is reserved for the zero-copy mapping.
 */
struct frame {
	struct compiled *c;
	struct npu_job job;		/* NPU */
	struct enpu_fw_buf *slots;	/* CPU view of every slot */
	struct npu_bo *bos;		/* NPU: per slot (slot 0 unused) */
	bool busy;			/* under ctx->lock */
	bool mapped;			/* the zero-copy frame */
	bool async;			/* under ctx->lock */
	uint64_t user_data;		/* async: reported in the completion */
	void **out_data;		/* async: where to dequantize outputs */
};

/* One compiled form of a model, for one set of input shapes. */
struct compiled {
	struct compiled *next;		/* model cache list; under m->lock */
	struct accel_model *m;
	struct ir_value *shapes;	/* per input: dtype/rank/dims */
	enum accel_engine engine;
	struct cpu_plan *plan;		/* ACCEL_ENGINE_FP32 */
	struct qprog *prog;		/* ACCEL_ENGINE_INT8 */
	bool on_npu;			/* INT8 uploaded to the device */
	struct npu_bo const_bo, cmd_bo;	/* NPU: slot 0 and command buffer */
	struct frame **frames;		/* INT8, grown up to ctx->depth; under ctx->lock */
	unsigned int n_frames;		/* under ctx->lock */
	struct ir_value *out_info;
	/*
	 * runs and async requests in progress (atomic; taken under m->lock,
	 * put by the run or, for an async NPU request, by async_complete())
	 */
	int users;
	bool pinned;			/* holds the zero-copy frame */
	pthread_mutex_t lock;		/* protects plan's arena: one FP32 run at a time */
};

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
size_t prog_slot_size(const struct qprog *p, uint32_t slot);
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

/* backend_cpu.c */
int backend_cpu_run_int8(struct frame *f, struct accel_err *e);
int backend_cpu_run_fp32(struct compiled *c, const struct accel_tensor *inputs,
			 int n_inputs, struct accel_tensor *outputs,
			 int n_outputs, struct accel_err *e);

/* backend_npu.c */
int backend_npu_upload(accel_ctx *ctx, struct compiled *c,
		       struct accel_err *e);
int backend_npu_run(accel_ctx *ctx, struct frame *f, struct accel_err *e);

#endif /* LIBACCEL_ACCEL_INTERNAL_H */
