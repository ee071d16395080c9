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
 * Thread safety: contexts and models may be used from several threads;
 * accel_run() on the same model from several threads at once is safe (runs
 * of one model are serialised; load one model per thread for parallelism).
 * accel_model_free() and accel_close() must not race with other calls on the
 * same object.
 */
#ifndef ACCEL_H
#define ACCEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACCEL_VERSION_MAJOR 0
#define ACCEL_VERSION_MINOR 1
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
/* Bytes of the activation arena planned for the last input shapes run. */
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

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_H */
