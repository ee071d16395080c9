/* SPDX-License-Identifier: MIT */
/*
 * The backend interface: what libaccel's core (core/) asks of a device, and
 * the runtime objects it hands over.  Two implementations:
 *
 *	backend/cpu.c	the CPU: int8 programs on the firmware core, float
 *			plans on the graph executor (exec/)
 *	backend/npu.c	the NPU: programs uploaded to buffer objects, frames
 *			submitted to enpu.ko through backend/npu_dev.c (DRM
 *			device, BOs, ioctl and io_uring submission)
 *
 * A context's backend (ctx->be) is its device's; a compiled form's (c->be)
 * is the NPU's once prepare() uploaded it, else the CPU's (AUTO fallback,
 * float plans).  The core never tests which device it has: it calls through
 * these tables.
 */
#ifndef LIBACCEL_BACKEND_H
#define LIBACCEL_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel.h"
#include "enpu_fw.h"
#include "backend/npu_dev.h"
#include "util/err.h"
#include "util/parallel.h"

struct accel_model;

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
	 * protects npu (npu_dev.c has no lock of its own), done, pending,
	 * cpu_submitted/cpu_completed and every frame's busy/async state
	 */
	pthread_mutex_t lock;
	const struct backend_ops *be;	/* the device's backend; set at open */
	struct npu_dev *npu;		/* NPU contexts; NULL on the CPU */
	/* npu_reap() callback for finished jobs (core/async.c) */
	void (*job_done)(struct npu_job *job, void *arg);
	struct done_queue done;		/* under lock */
	unsigned int pending;		/* submitted, completion not yet returned; under lock */
	uint64_t cpu_submitted, cpu_completed;	/* under lock */
	/* CPU execution, fixed at open: int8 kernel variant and threads */
	const struct enpu_fw_kernels *kernels;
	const struct f32_kernels *f32;	/* the float kernels of that variant */
	struct par_pool *pool;		/* NULL for one thread */
};

struct compiled;
struct f32_kernels;

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
	void *scratch;			/* CPU: the variant kernels' working memory */
	bool fw_valid;			/* CPU: the firmware accepted the program
					 * with these slots (never change) */
};

/* One compiled form of a model, for one set of input shapes. */
struct compiled {
	struct compiled *next;		/* model cache list; under m->lock */
	struct accel_model *m;
	const char *name;		/* the model's, for messages */
	struct ir_value *shapes;	/* per input: dtype/rank/dims */
	enum accel_engine engine;
	struct cpu_plan *plan;		/* ACCEL_ENGINE_FP32 */
	struct qprog *prog;		/* ACCEL_ENGINE_INT8 */
	const struct backend_ops *be;	/* runs it: the NPU's once uploaded, else the CPU's */
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
	/* CPU int8: per op, the kernel variant's packed weights (or NULL) */
	void **op_state;
	uint32_t n_op_state;
};

/**
 * struct backend_ops - one device's side of compiling, running and waiting.
 * @name: "cpu" or "npu".
 * @device: what accel_model_device() reports for forms it runs.
 * @runs_fp32: runs float plans (the CPU); a context whose backend does not
 *	refuses float-only models unless AUTO lets them fall back to the CPU.
 * @prepare: make the int8 form @c runnable here (the NPU uploads constants
 *	and command buffer) and point c->be at the backend that will run it.
 * @release: free what @prepare made; safe on a form never prepared.
 * @frame_init: give the new frame @f of @c its slot buffers (heap, or BOs).
 * @frame_fini: free them.
 * @run: execute frame @f synchronously and wait; called without ctx->lock.
 * @run_fp32: run float plan @c (CPU only, NULL elsewhere).
 * @submit: queue frame @f asynchronously, under ctx->lock; NULL when the
 *	backend completes every request at once (the CPU: accel_submit() runs
 *	it and queues its completion).
 * @flush: push queued submissions to the device, under ctx->lock; 0 or a
 *	negative errno.
 * @reap: complete at least @min finished jobs, calling ctx->job_done for
 *	each, under ctx->lock; returns how many or a negative errno.
 * @inflight: jobs submitted and not reaped, under ctx->lock.
 */
struct backend_ops {
	const char *name;
	enum accel_device device;
	bool runs_fp32;
	int (*prepare)(accel_ctx *ctx, struct compiled *c, struct accel_err *e);
	void (*release)(accel_ctx *ctx, struct compiled *c);
	int (*frame_init)(accel_ctx *ctx, struct compiled *c, struct frame *f,
			  struct accel_err *e);
	void (*frame_fini)(accel_ctx *ctx, struct compiled *c, struct frame *f);
	int (*run)(accel_ctx *ctx, struct frame *f, struct accel_err *e);
	int (*run_fp32)(accel_ctx *ctx, struct compiled *c,
			const struct accel_tensor *inputs, int n_inputs,
			struct accel_tensor *outputs, int n_outputs,
			struct accel_err *e);
	int (*submit)(accel_ctx *ctx, struct frame *f, struct accel_err *e);
	int (*flush)(accel_ctx *ctx);
	int (*reap)(accel_ctx *ctx, unsigned int min);
	unsigned int (*inflight)(const accel_ctx *ctx);
};

extern const struct backend_ops backend_cpu_ops;	/* backend/cpu.c */
/*
 * CPU int8: pack @c's weights once for the context's kernel variant
 * (cpu_pack), and free what it made (cpu_unpack, safe when never packed).
 */
int cpu_pack(accel_ctx *ctx, struct compiled *c, struct accel_err *e);
void cpu_unpack(struct compiled *c);
extern const struct backend_ops backend_npu_ops;	/* backend/npu.c */

/* backend/backend.c: bytes of slot @slot of @p (the arena at least 64). */
size_t prog_slot_size(const struct qprog *p, uint32_t slot);

#endif /* LIBACCEL_BACKEND_H */
