/* SPDX-License-Identifier: MIT */
/*
 * ONNX loader internals shared with tests and tools: parsing one serialized
 * TensorProto (the format of the ONNX backend test data's input_N.pb and
 * output_N.pb files) into a dense value.
 */
#ifndef LIBACCEL_ONNX_ONNX_H
#define LIBACCEL_ONNX_ONNX_H

#include <stddef.h>

#include "ir/ir.h"

/* Hard limits on untrusted models (see onnx_load.c). */
#define ONNX_MAX_FILE_SIZE	(2ULL << 30)	/* bytes */
#define ONNX_MAX_NODES		(1 << 20)
#define ONNX_MAX_TENSORS	(4 << 20)	/* named values of all kinds */
#define ONNX_MAX_NODE_IO	65536	/* inputs or outputs of one node */
#define ONNX_MAX_ATTRS		1024	/* attributes of one node */
#define ONNX_MAX_NAME		4096	/* bytes in one name */
#define ONNX_MAX_STRINGS	1024	/* strings of one STRINGS attribute */
#define ONNX_MAX_DEPTH		16	/* nesting of subgraphs (If in Loop...) */

/**
 * onnx_load_tensor() - parse a serialized TensorProto
 * @buf: the bytes (untrusted)
 * @len: their count
 * @out: filled with dtype, rank, dims and freshly malloc()ed dense data
 *	 (never NULL on success, even for zero elements); free(out->data)
 * @name: when non-NULL, set to a malloc()ed copy of the tensor's name
 *	  ("" when it has none)
 * @e: error message
 *
 * Return: 0, or a negative errno: -EINVAL for a malformed protobuf or
 * inconsistent sizes, -EOPNOTSUPP for element types, ranks or external data
 * the loader does not handle, -ENOMEM.
 */
int onnx_load_tensor(const void *buf, size_t len, struct ir_value *out,
		     char **name, struct accel_err *e);

#endif /* LIBACCEL_ONNX_ONNX_H */
