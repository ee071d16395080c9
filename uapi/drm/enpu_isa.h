/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * ENPU command-buffer instruction set.
 *
 * A command buffer is one contiguous, little-endian blob:
 *
 *   +----------------------------+  offset 0
 *   | struct enpu_cmdbuf_header  |
 *   +----------------------------+  header.tensor_offset
 *   | struct enpu_tensor [n]     |  tensor table
 *   +----------------------------+  header.op_offset
 *   | struct enpu_op [n]         |  operation list, executed in order
 *   +----------------------------+  header.quant_offset
 *   | struct enpu_quant [n]      |  requantization table
 *   +----------------------------+  header.total_size
 *
 * Sections may appear in any order but must not overlap, must be 8-byte
 * aligned and must lie inside header.total_size.  Element sizes are carried in
 * the header so that records can grow at the end in later ISA minor versions:
 * an executor accepts an element size at least as large as the one it knows
 * and ignores the tail, which must be zero.
 *
 * Tensors do not own memory.  Each names a buffer slot (an index into the
 * array of buffers bound at submission: a GEM object for the kernel driver, a
 * (pointer, size) pair for the CPU backend) and a byte offset inside it.  The
 * validator proves before execution that every byte any operation may touch
 * lies inside the buffer bound to the tensor's slot; operations never
 * dereference a value read from a buffer except as a bounded table index.
 *
 * Layout is dense, row-major, with the dimensions in ONNX order: activations
 * are NCHW, convolution weights OIHW (I = input channels / groups), matrices
 * [rows][cols].  Tensors of rank < 4 use the leading entries of dims[]; the
 * unused entries must be 1.
 *
 * Quantized arithmetic.  A quantized tensor holds q with real value
 * scale * (q - zero_point).  Scales are folded at compile time into the
 * requantization table: an operation producing an int8/uint8 output from an
 * int32 accumulator acc computes
 *
 *   y = clamp(round(acc * multiplier / 2^(31 + shift)) + out.zero_point,
 *             act_min, act_max)
 *
 * with multiplier in [2^30, 2^31) (or 0), shift in [-31, 32], the product
 * formed exactly in 64 bits and the division rounded half to even
 * (ENPU_ROUND_HALF_EVEN, as ONNX QuantizeLinear / QLinearConv) or half
 * upwards (ENPU_ROUND_HALF_UP, TFLite's single-rounding mode).  Sums are
 * formed exactly and saturated to the int32 range before they are
 * requantized (an executor never wraps).  act_min and act_max implement a
 * fused ReLU / ReLU6 / Clip and must lie inside the output type's range;
 * every operation clamps its output to them (a compiler emits the output
 * type's full range when nothing is fused).  Every operation's output is S8
 * or U8.
 *
 * This header is the ABI: fields are appended, never reused.
 */
#ifndef _UAPI_DRM_ENPU_ISA_H_
#define _UAPI_DRM_ENPU_ISA_H_

#include <linux/types.h>

#if defined(__cplusplus)
extern "C" {
#endif

/** ENPU_ISA_MAGIC - "ENPU" read as a little-endian __u32. */
#define ENPU_ISA_MAGIC		0x55504e45u
/** ENPU_ISA_VERSION_MAJOR - incompatible changes bump this. */
#define ENPU_ISA_VERSION_MAJOR	1
/** ENPU_ISA_VERSION_MINOR - compatible additions bump this. */
#define ENPU_ISA_VERSION_MINOR	0

/** ENPU_ISA_MAX_DIMS - maximum tensor rank. */
#define ENPU_ISA_MAX_DIMS	4
/** ENPU_ISA_MAX_SLOTS - maximum number of buffer slots per command buffer. */
#define ENPU_ISA_MAX_SLOTS	64
/** ENPU_ISA_MAX_TENSORS - maximum number of tensor descriptors. */
#define ENPU_ISA_MAX_TENSORS	65536
/** ENPU_ISA_MAX_OPS - maximum number of operations. */
#define ENPU_ISA_MAX_OPS	65536
/** ENPU_ISA_MAX_QUANT - maximum number of requantization entries. */
#define ENPU_ISA_MAX_QUANT	(1u << 20)
/** ENPU_ISA_MAX_SIZE - maximum command-buffer size in bytes (64 MiB). */
#define ENPU_ISA_MAX_SIZE	(64u << 20)
/** ENPU_ISA_MAX_DIM - largest single dimension. */
#define ENPU_ISA_MAX_DIM	(1u << 24)
/** ENPU_ISA_MAX_KERNEL - largest convolution/pooling window side. */
#define ENPU_ISA_MAX_KERNEL	64
/** ENPU_NO_TENSOR - marks an unused operand. */
#define ENPU_NO_TENSOR		0xffffffffu

/**
 * enum enpu_dtype - element types.
 * @ENPU_DTYPE_INVALID: zero is never a valid type.
 * @ENPU_DTYPE_S8: signed 8-bit integer.
 * @ENPU_DTYPE_U8: unsigned 8-bit integer.
 * @ENPU_DTYPE_S32: signed 32-bit integer (bias, accumulators).
 */
enum enpu_dtype {
	ENPU_DTYPE_INVALID = 0,
	ENPU_DTYPE_S8 = 1,
	ENPU_DTYPE_U8 = 2,
	ENPU_DTYPE_S32 = 3,
};

/**
 * enum enpu_opcode - operations.
 *
 * Operand conventions (in[] are tensor indices, ENPU_NO_TENSOR when unused):
 *
 * @ENPU_OP_INVALID: zero is never a valid opcode.
 * @ENPU_OP_CONV2D: in[0] input [N,C,H,W] (S8/U8), in[1] weights
 *	[O, C/groups, KH, KW] (S8/U8), in[2] optional bias [O] (S32); out
 *	[N,O,OH,OW] (S8/U8).  params.conv.  Requantization: quant_count is 1 or
 *	O (per output channel).  The weight zero point is in[1]'s zero_point
 *	(per-tensor) or, when @ENPU_QUANT_PER_CHANNEL_ZP is set in params.conv
 *	flags, the zero_point field of each requantization entry (then
 *	quant_count must be O and in[1]'s zero_point 0).  The bias may have any
 *	shape with O elements.  Depthwise is groups == C with O a multiple of
 *	C.
 * @ENPU_OP_FULLY_CONNECTED: in[0] input [M,K], in[1] weights [K,N] (the
 *	ONNX MatMul orientation), in[2] optional bias [N] (S32); out [M,N];
 *	input, weights and output have rank 2.
 *	quant_count is 1 or N.  Per-channel weight zero points as for conv.
 * @ENPU_OP_ADD: out = requant(in[0] + in[1]).  params.eltwise holds the
 *	rescaling of each input to a common scale; in[1] may broadcast (see
 *	&struct enpu_op_eltwise).  quant_count is 1.  The two rescaled inputs
 *	and their sum each saturate to the int32 range.
 * @ENPU_OP_MUL: out = requant(in[0] * in[1]), operands centred on their zero
 *	points.  Broadcast as for ADD.  quant_count is 1.
 * @ENPU_OP_AVGPOOL: in[0] [N,C,H,W] -> out [N,C,OH,OW].  params.pool.
 *	quant_count is 1: the window sum of (x - in.zero_point) is divided by
 *	the window count (see count_include_pad; with it set, kernel_h *
 *	kernel_w), rounding half away from zero, then requantized
 *	(multiplier = in_scale / out_scale).
 * @ENPU_OP_MAXPOOL: in[0] [N,C,H,W] -> out [N,C,OH,OW].  params.pool.  Input
 *	and output share type and quantization; quant_count must be 0.
 * @ENPU_OP_GLOBAL_AVGPOOL: in[0] [N,C,H,W] -> out [N,C,1,1].  The sum of
 *	(x - in.zero_point) over each plane, saturated to int32, is
 *	requantized directly: the producer folds 1/(H*W) into the multiplier
 *	(in_scale / (out_scale * H * W)) so that the mean is rounded once.
 *	quant_count is 1.
 * @ENPU_OP_CONCAT: copies in[0] into out at position params.concat.offset
 *	along axis params.concat.axis; every other dimension must match.  One
 *	operation per concatenated input.  quant_count is 0 (plain copy, same
 *	type and zero point required) or 1 (requantize).
 * @ENPU_OP_COPY: reshape / copy: out receives in[0]'s elements in order;
 *	element counts must match.  quant_count 0 or 1 as for CONCAT.
 * @ENPU_OP_SOFTMAX: softmax along the last dimension of in[0] (S8/U8).  in[1]
 *	is a [256] S32 table: entry d holds round(2^16 * exp(-d * in_scale))
 *	for d = max - x in [0, 255] (max of the row; an element read above
 *	the max, possible only when the buffer changes during execution,
 *	uses d = 0); entries are clamped to [0, 2^16] when read.  For each
 *	row, with e_i = table[max - x_i] and S = sum e_i, the Q15
 *	probability p_i = round_half_even(e_i * 2^15 / S) (0 when S is 0)
 *	is requantized with the op's single &struct enpu_quant entry
 *	(multiplier = 2^-15 / out_scale) and out's zero point, then clamped.
 * @ENPU_OP_LUT: out[i] = table[in[0][i] + 128] for S8 input, table[in[0][i]]
 *	for U8.  in[1] is the [256] table with out's dtype; out has in[0]'s
 *	shape.  Implements any int8 activation (sigmoid, tanh, leaky relu,
 *	...).  quant_count is 0.
 */
enum enpu_opcode {
	ENPU_OP_INVALID = 0,
	ENPU_OP_CONV2D = 1,
	ENPU_OP_FULLY_CONNECTED = 2,
	ENPU_OP_ADD = 3,
	ENPU_OP_MUL = 4,
	ENPU_OP_AVGPOOL = 5,
	ENPU_OP_MAXPOOL = 6,
	ENPU_OP_GLOBAL_AVGPOOL = 7,
	ENPU_OP_CONCAT = 8,
	ENPU_OP_COPY = 9,
	ENPU_OP_SOFTMAX = 10,
	ENPU_OP_LUT = 11,
	ENPU_OP_COUNT,
};

/**
 * enum enpu_rounding - how requantization rounds (op flags bit field).
 * @ENPU_ROUND_HALF_EVEN: ties to even (ONNX).
 * @ENPU_ROUND_HALF_UP: ties towards +infinity (TFLite single rounding).
 */
enum enpu_rounding {
	ENPU_ROUND_HALF_EVEN = 0,
	ENPU_ROUND_HALF_UP = 1,
};

/**
 * ENPU_OP_FLAG_ROUND_HALF_UP - &struct enpu_op flags: use ENPU_ROUND_HALF_UP.
 *
 * Selects the rounding of every requantization of the op (for ADD also the
 * two input rescalings).  Only valid on ops that requantize: CONV2D,
 * FULLY_CONNECTED, ADD, MUL, AVGPOOL, GLOBAL_AVGPOOL, SOFTMAX, and COPY /
 * CONCAT with quant_count 1.  MAXPOOL, LUT and plain COPY / CONCAT
 * (quant_count 0) never round: the flag is rejected (-EINVAL) there.  It
 * does not change AVGPOOL's window division (half away from zero) nor
 * SOFTMAX's Q15 probability (half to even).
 */
#define ENPU_OP_FLAG_ROUND_HALF_UP	(1u << 0)
/** ENPU_OP_FLAGS_ALL - every defined op flag. */
#define ENPU_OP_FLAGS_ALL		ENPU_OP_FLAG_ROUND_HALF_UP

/** ENPU_QUANT_PER_CHANNEL_ZP - conv/fc flags: weight zero point per channel. */
#define ENPU_QUANT_PER_CHANNEL_ZP	(1u << 0)

/**
 * struct enpu_cmdbuf_header - start of every command buffer.
 * @magic: must be %ENPU_ISA_MAGIC.
 * @version_major: must equal %ENPU_ISA_VERSION_MAJOR.
 * @version_minor: ISA minor version the buffer was built for; must not exceed
 *	the executor's.
 * @header_size: sizeof(struct enpu_cmdbuf_header) as the producer knew it, in
 *	bytes; at least 72, multiple of 8.
 * @total_size: size of the whole command buffer in bytes, at most
 *	%ENPU_ISA_MAX_SIZE and at most the size submitted (bytes past it are
 *	ignored).
 * @flags: must be zero.
 * @num_slots: number of buffer slots the buffer uses (1..%ENPU_ISA_MAX_SLOTS);
 *	the submitter binds exactly this many buffers.
 * @tensor_offset: byte offset of the tensor table, 8-byte aligned.
 * @tensor_size: size of one tensor record in bytes (>= 48, multiple of 8).
 * @num_tensors: number of tensor records (<= %ENPU_ISA_MAX_TENSORS).
 * @op_offset: byte offset of the operation list, 8-byte aligned.
 * @op_size: size of one operation record in bytes (>= 96, multiple of 8).
 * @num_ops: number of operations (1..%ENPU_ISA_MAX_OPS).
 * @quant_offset: byte offset of the requantization table, 8-byte aligned.
 * @quant_size: size of one &struct enpu_quant in bytes (>= 16, multiple of 8).
 * @num_quant: number of requantization entries (<= %ENPU_ISA_MAX_QUANT).
 * @reserved: must be zero.
 */
struct enpu_cmdbuf_header {
	__u32 magic;
	__u16 version_major;
	__u16 version_minor;
	__u32 header_size;
	__u32 total_size;
	__u32 flags;
	__u32 num_slots;
	__u32 tensor_offset;
	__u32 tensor_size;
	__u32 num_tensors;
	__u32 op_offset;
	__u32 op_size;
	__u32 num_ops;
	__u32 quant_offset;
	__u32 quant_size;
	__u32 num_quant;
	__u32 reserved[3];
};

/**
 * struct enpu_tensor - a tensor descriptor.
 * @slot: buffer slot holding the data (< header.num_slots).
 * @dtype: &enum enpu_dtype.
 * @rank: number of dimensions, 1..%ENPU_ISA_MAX_DIMS.
 * @flags: must be zero.
 * @offset: byte offset of element 0 inside the slot's buffer.
 * @dims: extent of each dimension, each 1..%ENPU_ISA_MAX_DIM; entries at and
 *	after @rank must be 1.  The element count must fit in 2^31 - 1 and the
 *	byte extent must lie inside the slot's buffer.
 * @zero_point: quantization zero point, inside the range of @dtype (zero
 *	for S32).
 * @reserved: must be zero.
 */
struct enpu_tensor {
	__u32 slot;
	__u8 dtype;
	__u8 rank;
	__u16 flags;
	__u64 offset;
	__u32 dims[ENPU_ISA_MAX_DIMS];
	__s32 zero_point;
	__u32 reserved[3];
};

/**
 * struct enpu_quant - one requantization entry.
 * @multiplier: fixed-point multiplier, 0 or in [2^30, 2^31).
 * @shift: right shift added to 31, in [-31, 32]: the effective scale is
 *	multiplier * 2^-(31 + shift).
 * @zero_point: per-channel weight zero point (see
 *	%ENPU_QUANT_PER_CHANNEL_ZP), inside the weight type's range; zero
 *	otherwise.
 * @reserved: must be zero.
 */
struct enpu_quant {
	__s32 multiplier;
	__s32 shift;
	__s32 zero_point;
	__u32 reserved;
};

/**
 * struct enpu_op_conv - CONV2D parameters.
 * @stride_h: vertical stride, 1..%ENPU_ISA_MAX_KERNEL.
 * @stride_w: horizontal stride, 1..%ENPU_ISA_MAX_KERNEL.
 * @dilation_h: vertical dilation, 1..%ENPU_ISA_MAX_KERNEL.
 * @dilation_w: horizontal dilation, 1..%ENPU_ISA_MAX_KERNEL.
 * @pad_top: rows of implicit input zero point above, < dilated kernel height.
 * @pad_left: columns of padding on the left, < dilated kernel width.
 * @pad_bottom: rows of padding below, < dilated kernel height.
 * @pad_right: columns of padding on the right, < dilated kernel width.
 * @groups: channel groups, >= 1, dividing both C and O.
 * @flags: %ENPU_QUANT_PER_CHANNEL_ZP or zero.
 *
 * The output extent must equal
 * (H + pad_top + pad_bottom - dilation_h * (KH - 1) - 1) / stride_h + 1
 * and likewise for the width.  Padding reads as the input zero point.
 */
struct enpu_op_conv {
	__u16 stride_h;
	__u16 stride_w;
	__u16 dilation_h;
	__u16 dilation_w;
	__u16 pad_top;
	__u16 pad_left;
	__u16 pad_bottom;
	__u16 pad_right;
	__u32 groups;
	__u32 flags;
};

/**
 * struct enpu_op_fc - FULLY_CONNECTED parameters.
 * @flags: %ENPU_QUANT_PER_CHANNEL_ZP or zero.
 * @reserved: must be zero.
 */
struct enpu_op_fc {
	__u32 flags;
	__u32 reserved;
};

/**
 * struct enpu_op_pool - AVGPOOL / MAXPOOL parameters.
 * @kernel_h: window height, 1..%ENPU_ISA_MAX_KERNEL.
 * @kernel_w: window width, 1..%ENPU_ISA_MAX_KERNEL.
 * @stride_h: vertical stride, 1..%ENPU_ISA_MAX_KERNEL.
 * @stride_w: horizontal stride, 1..%ENPU_ISA_MAX_KERNEL.
 * @pad_top: padding above, < kernel_h.
 * @pad_left: padding on the left, < kernel_w.
 * @pad_bottom: padding below, < kernel_h.
 * @pad_right: padding on the right, < kernel_w.
 * @count_include_pad: AVGPOOL: 1 divides by the full window (padding
 *	counts as the zero point), 0 by the number of real elements; must be
 *	0 for MAXPOOL, which ignores padding.
 * @reserved: must be zero.
 *
 * The output extent must equal (H + pad_top + pad_bottom - kernel_h) /
 * stride_h + 1 and likewise for the width (floor mode; the compiler turns
 * ceil mode into extra bottom/right padding).
 */
struct enpu_op_pool {
	__u16 kernel_h;
	__u16 kernel_w;
	__u16 stride_h;
	__u16 stride_w;
	__u16 pad_top;
	__u16 pad_left;
	__u16 pad_bottom;
	__u16 pad_right;
	__u32 count_include_pad;
	__u32 reserved;
};

/**
 * struct enpu_op_eltwise - ADD / MUL parameters.
 * @in_multiplier: ADD only: fixed-point multiplier bringing each centred
 *	input to the common scale, as in &struct enpu_quant (0 for MUL).
 * @in_shift: ADD only: matching shifts, each in [-31, 32].
 * @left_shift: ADD only: centred inputs are first multiplied by
 *	2^left_shift (0..20) to keep precision; 0 for MUL.
 * @broadcast: 0: in[1] has out's shape; 1: in[1] has one element per
 *	channel (dims[1] of out) and is broadcast over the others; 2: in[1]
 *	is a single element.  in[0] always has out's shape.
 *
 * ADD computes acc = rq(x0 << left_shift, m0, s0) + rq(x1 << left_shift, m1,
 * s1) (each rq rounding like the op) and then requantizes acc with the op's
 * &struct enpu_quant.
 */
struct enpu_op_eltwise {
	__s32 in_multiplier[2];
	__s32 in_shift[2];
	__u32 left_shift;
	__u32 broadcast;
};

/**
 * struct enpu_op_concat - CONCAT parameters.
 * @axis: dimension along which in[0] is placed, < out rank.
 * @offset: first index along @axis that in[0] fills; offset + in extent
 *	must not exceed out's extent.
 */
struct enpu_op_concat {
	__u32 axis;
	__u32 offset;
};

/**
 * struct enpu_op_softmax - SOFTMAX parameters.
 * @reserved: must be zero.
 */
struct enpu_op_softmax {
	__u32 reserved[2];
};

/**
 * struct enpu_op - one operation.
 * @opcode: &enum enpu_opcode.
 * @flags: %ENPU_OP_FLAG_* bits; undefined bits must be zero, and
 *	%ENPU_OP_FLAG_ROUND_HALF_UP only on ops that round.
 * @in: operand tensor indices, %ENPU_NO_TENSOR when unused.
 * @out: result tensor index.  Must not alias an input (the validator
 *	rejects overlapping byte ranges in the same slot), except for COPY and
 *	LUT where exact in-place (same slot, offset and size) is allowed.
 * @quant_index: first entry of the requantization table used.
 * @quant_count: number of entries used (see each opcode); the quant_count
 *	of all operations may sum to at most %ENPU_ISA_MAX_QUANT, so that
 *	validation stays linear.
 * @act_min: lower clamp of the quantized output, inside out's type range.
 * @act_max: upper clamp, act_min <= act_max, inside out's type range.
 * @reserved: must be zero.
 * @params: per-opcode parameters; unused bytes must be zero.
 * @params.conv: CONV2D.
 * @params.fc: FULLY_CONNECTED.
 * @params.pool: AVGPOOL, MAXPOOL.
 * @params.eltwise: ADD, MUL.
 * @params.concat: CONCAT.
 * @params.softmax: SOFTMAX.
 * @params.raw: the union as words, for zero checks and future ops.
 */
struct enpu_op {
	__u32 opcode;
	__u32 flags;
	__u32 in[3];
	__u32 out;
	__u32 quant_index;
	__u32 quant_count;
	__s32 act_min;
	__s32 act_max;
	__u32 reserved[2];
	union {
		struct enpu_op_conv conv;
		struct enpu_op_fc fc;
		struct enpu_op_pool pool;
		struct enpu_op_eltwise eltwise;
		struct enpu_op_concat concat;
		struct enpu_op_softmax softmax;
		__u32 raw[12];
	} params;
};

#if defined(__cplusplus)
#define ENPU_ISA_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define ENPU_ISA_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

ENPU_ISA_STATIC_ASSERT(sizeof(struct enpu_cmdbuf_header) == 72,
		       "enpu_cmdbuf_header is 72 bytes");
ENPU_ISA_STATIC_ASSERT(sizeof(struct enpu_tensor) == 48,
		       "enpu_tensor is 48 bytes");
ENPU_ISA_STATIC_ASSERT(sizeof(struct enpu_quant) == 16,
		       "enpu_quant is 16 bytes");
ENPU_ISA_STATIC_ASSERT(sizeof(struct enpu_op) == 96,
		       "enpu_op is 96 bytes");

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_DRM_ENPU_ISA_H_ */
