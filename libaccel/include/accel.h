/* SPDX-License-Identifier: MIT */
/*
 * libaccel - run ONNX models on an ENPU NPU or, where there is none, the CPU.
 *
 *	int err;
 *	accel_ctx *ctx = accel_open(ACCEL_DEVICE_AUTO, &err);
 *	accel_model *m = accel_model_load(ctx, "model.onnx", &err);
 *	struct accel_tensor in = { .dtype = ACCEL_DTYPE_F32, .rank = 4,
 *		.dims = { 1, 1, 8, 8 }, .data = pixels, .size = sizeof(pixels) };
 *	struct accel_tensor out = { 0 };	// libaccel allocates
 *	err = accel_run(m, &in, 1, &out, 1);
 *	...
 *	accel_tensor_release(&out);
 *	accel_model_free(m);
 *	accel_close(ctx);
 *
 * Errors: every call returns 0 (or a count) on success and a negative errno
 * on failure; calls returning a pointer return NULL and store the negative
 * errno in *err.  errno is never set.  accel_last_error() gives the message
 * of the calling thread's most recent failure ("node 'conv1' (Conv): weight
 * has 3 input channels, input has 1").
 *
 * Thread safety: every call may be made from several threads at once on the
 * same context and models, except accel_model_free() and accel_close(),
 * which must not race with other calls on the same object; free a
 * context's models before closing it.  On the NPU a context owns one submission
 * ring: its submissions and completions are serialised by one lock that a
 * synchronous accel_run() or a blocking accel_wait() holds while it waits,
 * so for parallel submission from several threads open one context per
 * thread (contexts are independent; several per process are fine).  On the
 * CPU, runs of one model at one input shape are serialised (each compiled
 * form has one scratch arena); different models run in parallel.
 *
 * NPU: a context opened with ACCEL_DEVICE_NPU or AUTO drives an ENPU device
 * (/dev/accel/accelN, DRM driver "enpu") through enpu.ko.  Each model's
 * constants and command buffer are uploaded once into buffer objects; inputs
 * and outputs live in mmapped buffer objects (accel_model_map_input() hands
 * them to the app for zero-copy).  Jobs go to the kernel through io_uring
 * (IORING_OP_URING_CMD on an IORING_SETUP_SQE128 ring; accel_submit() only
 * queues, so N submissions cost one io_uring_enter), with SQPOLL on request
 * (ACCEL_CTX_SQPOLL: no syscalls per inference while the device is busy),
 * or through the SUBMIT/WAIT ioctls (ACCEL_CTX_SUBMIT_IOCTL, kept for
 * comparison).  AUTO falls back to the CPU when there is no usable device or
 * a model cannot run on it (float model, unsupported op, too large) and says
 * why in one line on stderr (ACCEL_CTX_QUIET silences it);
 * accel_model_device() tells where a model ran.
 */
#ifndef ACCEL_H
#define ACCEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACCEL_VERSION_MAJOR 0
#define ACCEL_VERSION_MINOR 5
#define ACCEL_VERSION_PATCH 0
#define ACCEL_VERSION_NUMBER \
	(ACCEL_VERSION_MAJOR * 10000 + ACCEL_VERSION_MINOR * 100 + \
	 ACCEL_VERSION_PATCH)

#define ACCEL_API __attribute__((visibility("default")))

/** Largest tensor rank libaccel handles. */
#define ACCEL_MAX_RANK 8

/**
 * enum accel_device - where models run.
 * @ACCEL_DEVICE_AUTO: the NPU when present and able to run the model, else
 *	the CPU.  The ACCEL_DEVICE environment variable (cpu, npu, auto)
 *	overrides AUTO.
 * @ACCEL_DEVICE_CPU: in-process CPU backend.
 * @ACCEL_DEVICE_NPU: an ENPU device (/dev/accel/accelN); fails with -ENODEV
 *	when none is usable.
 */
enum accel_device {
	ACCEL_DEVICE_AUTO = 0,
	ACCEL_DEVICE_CPU = 1,
	ACCEL_DEVICE_NPU = 2,
};

/** enum accel_dtype - element types (values are ONNX's TensorProto ones). */
enum accel_dtype {
	ACCEL_DTYPE_F32 = 1,
	ACCEL_DTYPE_U8 = 2,
	ACCEL_DTYPE_I8 = 3,
	ACCEL_DTYPE_I32 = 6,
	ACCEL_DTYPE_I64 = 7,
	ACCEL_DTYPE_BOOL = 9,
};

/**
 * enum accel_status - reasons errno cannot say; value-pinned.
 * Returned (negated) only where documented; accel_strerror() knows them.
 */
enum accel_status {
	ACCEL_E_MODEL = 1000,		/* malformed or unsupported model */
	ACCEL_E_SHAPE = 1001,		/* input shape/type does not fit the model */
};

typedef struct accel_ctx accel_ctx;
typedef struct accel_model accel_model;

/** ACCEL_TENSOR_OWNED - &struct accel_tensor flags: libaccel allocated @data. */
#define ACCEL_TENSOR_OWNED 1u

/**
 * struct accel_tensor - a tensor passed to or returned by accel_run().
 * @dtype: &enum accel_dtype.
 * @rank: number of dimensions (0..ACCEL_MAX_RANK).
 * @dims: extents, dense row-major.
 * @data: the elements.  For an output, NULL asks libaccel to allocate (free
 *	with accel_tensor_release()); otherwise a caller buffer of @size bytes.
 * @size: byte size of @data.
 * @flags: set by libaccel; callers initialise to zero.
 * @reserved: must be zero.
 */
struct accel_tensor {
	int32_t dtype;
	int32_t rank;
	int64_t dims[ACCEL_MAX_RANK];
	void *data;
	size_t size;
	uint32_t flags;
	uint32_t reserved[7];
};

/**
 * struct accel_tensor_info - a model input or output as declared.
 * @name: ONNX name, owned by the model.
 * @dtype: &enum accel_dtype (other ONNX types appear as their ONNX number).
 * @rank: number of dimensions, -1 when the model does not say.
 * @dims: extents; -1 for a symbolic dimension (e.g. batch).
 * @reserved: zero.
 */
struct accel_tensor_info {
	const char *name;
	int32_t dtype;
	int32_t rank;
	int64_t dims[ACCEL_MAX_RANK];
	uint32_t reserved[8];
};

/* Library. */
ACCEL_API const char *accel_version(void);
ACCEL_API const char *accel_strerror(int err);
ACCEL_API const char *accel_last_error(void);

/* Contexts: one per device choice; models load into a context. */
ACCEL_API accel_ctx *accel_open(enum accel_device device, int *err);
ACCEL_API void accel_close(accel_ctx *ctx);
/* The device this context runs on (never AUTO). */
ACCEL_API enum accel_device accel_ctx_device(const accel_ctx *ctx);
ACCEL_API const char *accel_device_name(enum accel_device device);

/* Models. */
ACCEL_API accel_model *accel_model_load(accel_ctx *ctx, const char *path,
					int *err);
ACCEL_API accel_model *accel_model_load_mem(accel_ctx *ctx, const void *buf,
					    size_t len, int *err);
ACCEL_API void accel_model_free(accel_model *model);
ACCEL_API int accel_model_num_inputs(const accel_model *model);
ACCEL_API int accel_model_num_outputs(const accel_model *model);
ACCEL_API int accel_model_input(const accel_model *model, int index,
				struct accel_tensor_info *info);
ACCEL_API int accel_model_output(const accel_model *model, int index,
				 struct accel_tensor_info *info);
/* Where the model ran last: ACCEL_DEVICE_CPU or ACCEL_DEVICE_NPU. */
ACCEL_API enum accel_device accel_model_device(const accel_model *model);

/**
 * enum accel_engine - how the model's last run executed.
 * @ACCEL_ENGINE_NONE: not run yet.
 * @ACCEL_ENGINE_FP32: float graph executor (CPU).
 * @ACCEL_ENGINE_INT8: int8 command buffer (ENPU ISA) on the firmware core.
 */
enum accel_engine {
	ACCEL_ENGINE_NONE = 0,
	ACCEL_ENGINE_FP32 = 1,
	ACCEL_ENGINE_INT8 = 2,
};
ACCEL_API enum accel_engine accel_model_engine(const accel_model *model);
/*
 * Bytes of the activation arena planned for the last input shapes run
 * (intermediate tensors and the operators' scratch memory).
 */
ACCEL_API size_t accel_model_arena_size(const accel_model *model);

/**
 * accel_run() - run the model once, synchronously.
 * @model: a loaded model.
 * @inputs: one tensor per model input, in model order, with shape and data.
 *	Symbolic dimensions take the extent given; the model is compiled once
 *	per distinct set of input shapes and cached.
 * @n_inputs: must equal accel_model_num_inputs().
 * @outputs: one tensor per model output; libaccel sets dtype, rank, dims and
 *	either fills the caller's buffer (-ENOSPC when @size is too small) or
 *	allocates one when @data is NULL.
 * @n_outputs: must equal accel_model_num_outputs().
 *
 * The first run at a set of input shapes compiles that form and allocates
 * its arena (and the outputs libaccel allocates); later runs at the same
 * shapes make no heap allocation (an allocated output is reused).
 *
 * Return: 0 or a negative errno (accel_last_error() says why).
 */
ACCEL_API int accel_run(accel_model *model, const struct accel_tensor *inputs,
			int n_inputs, struct accel_tensor *outputs,
			int n_outputs);

/* Free an output buffer libaccel allocated; no-op for caller buffers. */
ACCEL_API void accel_tensor_release(struct accel_tensor *t);
/* Size in bytes of one element of @dtype, 0 when unknown. */
ACCEL_API size_t accel_dtype_size(int dtype);
ACCEL_API const char *accel_dtype_name(int dtype);

/* ---- 0.2: devices, context options, NPU, asynchronous runs ---- */

/**
 * struct accel_device_info - one device libaccel knows about.
 * @kind: &enum accel_device (CPU or NPU).
 * @usable: 0 when libaccel can run models on it, else a negative errno.
 * @path: device node ("/dev/accel/accel0"), "" for the CPU.
 * @driver: DRM driver name ("enpu"), "cpu" for the CPU.
 * @description: driver's description.
 * @why: "usable", or why libaccel cannot use the device.
 * @driver_version: driver interface version, major << 16 | minor.
 * @isa_version: command-buffer ISA version, major << 16 | minor.
 * @fw_version: firmware core version, major << 16 | minor.
 * @num_engines: execution units (CPU: online cores).
 * @engine_type: 0 soft engine (kernel workers), 1 PCI NPU; CPU: 0.
 * @job_timeout_ms: per-job timeout, 0 when none.
 * @capabilities: the driver's DRM_ENPU_CAP_* bits.
 * @memory_size: bytes buffers can come from.
 * @max_alloc_size: largest single buffer, bytes.
 * @reserved: zero.
 */
struct accel_device_info {
	int32_t kind;
	int32_t usable;
	char path[32];
	char driver[32];
	char description[64];
	char why[160];
	uint32_t driver_version;
	uint32_t isa_version;
	uint32_t fw_version;
	uint32_t num_engines;
	uint32_t engine_type;
	uint32_t job_timeout_ms;
	uint64_t capabilities;
	uint64_t memory_size;
	uint64_t max_alloc_size;
	uint32_t reserved[16];
};

/*
 * accel_devices() - list the CPU and every /dev/accel/accel* node.
 * Fills up to @max entries of @info (may be NULL with @max 0).
 * Return: the number of devices (may exceed @max) or a negative errno.
 */
ACCEL_API int accel_devices(struct accel_device_info *info, int max);

/** ACCEL_CTX_SUBMIT_IOCTL - NPU: submit by ioctl (SUBMIT + WAIT per job). */
#define ACCEL_CTX_SUBMIT_IOCTL	(1u << 0)
/** ACCEL_CTX_SQPOLL - NPU: io_uring with a kernel SQ polling thread. */
#define ACCEL_CTX_SQPOLL	(1u << 1)
/** ACCEL_CTX_QUIET - do not log the one-line CPU fallback notice. */
#define ACCEL_CTX_QUIET		(1u << 2)

/**
 * struct accel_ctx_options - accel_open_opts() settings.
 * @size: sizeof(struct accel_ctx_options) as the caller knows it.
 * @flags: ACCEL_CTX_* bits.  The ACCEL_NPU_SUBMIT environment variable
 *	(uring, sqpoll, ioctl) overrides the submission bits.
 * @npu_index: N of /dev/accel/accelN, or -1 for the first usable one.
 * @queue_depth: NPU: io_uring entries and the most requests in flight per
 *	model form; 0 picks 256.
 * @threads: (0.4) CPU execution: threads one run uses, the caller's
 *	included; 0 picks one per CPU the process may run on
 *	(sched_getaffinity()).  At most 256.  The ACCEL_THREADS environment
 *	variable overrides it.  An int8 batch of independent images runs as
 *	parts across the threads when large enough; ACCEL_BATCH_SPLIT=0
 *	keeps batches whole, =1 splits any (auto: the default).
 * @cpu_kernels: (0.4) CPU execution: &enum accel_cpu_kernels, the kernel
 *	variant to run; AUTO picks the fastest this CPU runs.  Every variant
 *	gives bit-identical int8 results.  ACCEL_CPU_KERNELS=NAME (auto,
 *	scalar, avx2, avxvnni, avx512bw, avx512vnni, neon, neondot) overrides
 *	it.  A variant the CPU cannot run fails accel_open_opts() with
 *	-EOPNOTSUPP.
 * @reserved: must be zero.
 */
struct accel_ctx_options {
	uint32_t size;
	uint32_t flags;
	int32_t npu_index;
	uint32_t queue_depth;
	uint32_t threads;
	uint32_t cpu_kernels;
	uint32_t reserved[10];
};

/** enum accel_cpu_kernels - CPU kernel variants (accel_ctx_options). */
enum accel_cpu_kernels {
	ACCEL_CPU_KERNELS_AUTO = 0,
	ACCEL_CPU_KERNELS_SCALAR,	/* portable C, the reference */
	ACCEL_CPU_KERNELS_AVX2,
	ACCEL_CPU_KERNELS_AVXVNNI,	/* AVX2 + AVX-VNNI */
	ACCEL_CPU_KERNELS_AVX512BW,
	ACCEL_CPU_KERNELS_AVX512VNNI,
	ACCEL_CPU_KERNELS_NEON,
	ACCEL_CPU_KERNELS_NEONDOT,	/* NEON + dot product */
};

ACCEL_API accel_ctx *accel_open_opts(enum accel_device device,
				     const struct accel_ctx_options *opts,
				     int *err);

/**
 * struct accel_ctx_stats - a context's counters since accel_open().
 * @submitted: requests submitted (synchronous and asynchronous).
 * @completed: requests completed.
 * @ioctls: ioctl() system calls libaccel made on the device (including BO
 *	creation at model upload; diff two snapshots for a steady state).
 * @uring_enters: io_uring_enter() system calls (submit and wait).
 * @reserved: zero.
 */
struct accel_ctx_stats {
	uint64_t submitted;
	uint64_t completed;
	uint64_t ioctls;
	uint64_t uring_enters;
	uint64_t reserved[8];
};
ACCEL_API int accel_ctx_stats(accel_ctx *ctx, struct accel_ctx_stats *st);
/* "cpu", "ioctl", "io_uring" or "io_uring+sqpoll". */
ACCEL_API const char *accel_ctx_submit_path(const accel_ctx *ctx);
/* The context's device node ("/dev/accel/accel0"), "" on the CPU. */
ACCEL_API const char *accel_ctx_device_path(const accel_ctx *ctx);

/* ---- 0.4: CPU kernels and threads ---- */

/* The CPU kernel variant the context runs: "avx512vnni", ..., "scalar". */
ACCEL_API const char *accel_ctx_cpu_kernels(const accel_ctx *ctx);
/* Threads one CPU run of the context uses (1 or more). */
ACCEL_API unsigned int accel_ctx_threads(const accel_ctx *ctx);

/**
 * struct accel_completion - one finished asynchronous request.
 * @user_data: as given to accel_submit().
 * @status: 0, or the request's negative errno (-ETIMEDOUT: the job hung,
 *	-ECANCELED, -EINVAL ...).
 * @reserved: zero.
 */
struct accel_completion {
	uint64_t user_data;
	int32_t status;
	uint32_t reserved[5];
};

/*
 * accel_submit() - start one run without waiting for it.  Inputs are
 * consumed (quantized into device memory) before it returns; outputs are
 * prepared as by accel_run() (shape set, buffer allocated when @data is
 * NULL) and filled when the request completes, so their buffers must stay
 * valid until accel_poll()/accel_wait() return its completion.  On the NPU
 * the request is queued and reaches the kernel with the next accel_flush(),
 * accel_poll() or accel_wait() (one io_uring_enter for all queued); on the
 * CPU it runs at once and its completion is queued.  At most queue_depth
 * requests per model form are in flight; beyond that accel_submit() first
 * waits for a completion (kept for the next accel_poll()/accel_wait()).
 * Return: 0, or a negative errno when the request was not started (no
 * completion will be reported for it).
 */
ACCEL_API int accel_submit(accel_model *model,
			   const struct accel_tensor *inputs, int n_inputs,
			   struct accel_tensor *outputs, int n_outputs,
			   uint64_t user_data);
/* Push queued NPU requests to the kernel now. */
ACCEL_API int accel_flush(accel_ctx *ctx);
/* Collect up to @max completions without blocking; returns how many. */
ACCEL_API int accel_poll(accel_ctx *ctx, struct accel_completion *done,
			 int max);
/*
 * Collect up to @max completions, blocking until at least @min are there
 * (capped at the number of requests in flight); returns how many.
 */
ACCEL_API int accel_wait(accel_ctx *ctx, struct accel_completion *done,
			 int max, int min);
/* Requests submitted and not yet returned by accel_poll()/accel_wait(). */
ACCEL_API int accel_ctx_pending(accel_ctx *ctx);

/**
 * struct accel_quant - how a mapped int8 tensor encodes real values:
 * real = (q - @zero_point) * @scale.  @scale is 0 for a tensor that is not
 * quantized.  @reserved: zero.
 */
struct accel_quant {
	float scale;
	int32_t zero_point;
	uint32_t reserved[6];
};

/*
 * Zero-copy: the buffers a model reads its inputs from and writes its
 * outputs to (mmapped device buffer objects on the NPU), at the model's
 * declared shapes (symbolic dimensions taken as 1).  They hold the int8
 * program's edge tensors: quantized (dtype I8/U8, see @q) when the model
 * quantizes at its edge.  Write inputs in place, call accel_run_mapped(),
 * read outputs in place.  The mapping lives as long as the model; only int8
 * models (ACCEL_ENGINE_INT8) have one (-EOPNOTSUPP otherwise).  Runs through
 * the mapping are serialised per model; @t's data must not be freed.
 */
ACCEL_API int accel_model_map_input(accel_model *model, int index,
				    struct accel_tensor *t,
				    struct accel_quant *q);
ACCEL_API int accel_model_map_output(accel_model *model, int index,
				     struct accel_tensor *t,
				     struct accel_quant *q);
ACCEL_API int accel_run_mapped(accel_model *model);

/* ---- 0.3: NumPy .npy files ---- */

/*
 * Read the .npy file @path (format 1.0-3.0, little-endian, C order; dtypes
 * float32, uint8, int8, int32, int64, bool) into @t: dtype, rank, dims, size
 * set, @data allocated and ACCEL_TENSOR_OWNED set (free it with
 * accel_tensor_release()).  0 or a negative errno (accel_last_error() says
 * why: missing file, bad header, unsupported dtype, truncated data).
 */
ACCEL_API int accel_npy_read(const char *path, struct accel_tensor *t);
/* Write @t (dtype, rank, dims, data) to @path as a .npy file version 1.0. */
ACCEL_API int accel_npy_write(const char *path, const struct accel_tensor *t);

/* ---- 0.5: inputs and outputs by name, symbolic dimensions, metadata ---- */

/*
 * The index of the input (output) called @name, or -ENOENT when the model
 * has none of that name (-EINVAL for a NULL argument).
 */
ACCEL_API int accel_model_input_index(const accel_model *model,
				      const char *name);
ACCEL_API int accel_model_output_index(const accel_model *model,
				       const char *name);
/*
 * The name a model gives dimension @dim of input (output) @index ("N",
 * "batch", "seq"), or NULL when that dimension is fixed, anonymous or does
 * not exist.  Owned by the model.
 */
ACCEL_API const char *accel_model_input_dim_name(const accel_model *model,
						 int index, int dim);
ACCEL_API const char *accel_model_output_dim_name(const accel_model *model,
						  int index, int dim);

/**
 * struct accel_model_meta - what a model file says about itself.
 * @producer_name: e.g. "pytorch", "" when absent (owned by the model, as
 *	every string here).
 * @producer_version: e.g. "2.1.0".
 * @domain: the model's reverse-DNS namespace.
 * @graph_name: the main graph's name.
 * @doc: the model's doc_string (at most its first 4 KiB).
 * @ir_version: ONNX IR version, 0 when absent.
 * @model_version: the producer's version of the model, 0 when absent.
 * @opset: the default ONNX domain's opset version.
 * @n_nodes: operators in the main graph.
 * @reserved: zero.
 */
struct accel_model_meta {
	const char *producer_name;
	const char *producer_version;
	const char *domain;
	const char *graph_name;
	const char *doc;
	int64_t ir_version;
	int64_t model_version;
	int64_t opset;
	int32_t n_nodes;
	uint32_t reserved[9];
};
/* Fill @meta.  0, or -EINVAL for a NULL argument. */
ACCEL_API int accel_model_metadata(const accel_model *model,
				   struct accel_model_meta *meta);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_H */
