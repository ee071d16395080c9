/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the CPU operator kernels: error messages naming the
 * node, strict attribute parsing, overflow-checked shapes, multidirectional
 * broadcasting and the spatial geometry of convolution and pooling.
 *
 * Every helper taking a node and an accel_err returns 0 or a negative errno
 * with a message "node '<name>' (<op>): ..." already set.
 */
#ifndef LIBACCEL_CPU_OPS_UTIL_H
#define LIBACCEL_CPU_OPS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"
#include "util/err.h"

/* Return @errnum with a message prefixed by the node's name and op type. */
#define CPU_ERR(n, e, errnum, fmt, ...)					\
	accel_seterr((e), (errnum), "node '%s' (%s): " fmt,		\
		     (n)->name ? (n)->name : "", (n)->op_type,		\
		     ##__VA_ARGS__)

/* Maximum spatial rank of convolution and pooling. */
#define CPU_MAX_SPATIAL (IR_MAX_RANK - 2)

/* Element size of @dtype, 0 when the CPU backend cannot hold it. */
static inline size_t cpu_dtype_size(int dtype)
{
	return ir_dtype_size(dtype);
}
/* Short name of @dtype for messages ("float32", "int64", ...). */
static inline const char *cpu_dtype_name(int dtype)
{
	return ir_dtype_name(dtype);
}

/*
 * Element count of @v; -1 when a dimension is negative or the count (or
 * its byte size) overflows.
 */
int64_t cpu_numel(const struct ir_value *v);

/**
 * cpu_set_out() - set an output value's type and shape after checking it
 * @n: node (for messages); @out: output to fill
 * @dtype: element type; @rank: 0..IR_MAX_RANK; @dims: @rank dimensions
 * @e: error sink
 *
 * Fails with -EINVAL on a bad rank or negative dimension and -EOVERFLOW
 * when the byte size would not fit in int64.
 */
int cpu_set_out(const struct ir_node *n, struct ir_value *out, int dtype,
		int rank, const int64_t *dims, struct accel_err *e);

/* True when input @i exists (index in range and not omitted). */
bool cpu_has_in(const struct ir_value *in, int n_in, int i);
/* True when output @j is requested by the graph. */
bool cpu_has_out(const struct ir_node *n, int n_out, int j);

/**
 * cpu_check_io() - check the input and output counts of a node
 * @min_in/@max_in: allowed input count; inputs below @min_in must exist
 * @min_out/@max_out: allowed output count
 */
int cpu_check_io(const struct ir_node *n, int n_in, int min_in, int max_in,
		 int n_out, int min_out, int max_out, struct accel_err *e);

/*
 * Check input @i has dtype @dtype (any type when IR_UNDEFINED) and a rank in
 * [@min_rank, @max_rank]; @what names the input in messages.
 */
int cpu_check_in(const struct ir_node *n, const struct ir_value *in, int i,
		 const char *what, int dtype, int min_rank, int max_rank,
		 struct accel_err *e);

/*
 * Check the input/output counts of a one-output data-movement op and that
 * input 0 ("data", any type and rank) exists.
 */
int cpu_check_data(const struct ir_node *n, const struct ir_value *in,
		   int n_in, int min_in, int max_in, int n_out,
		   struct accel_err *e);

/*
 * Checks shared by Gather and GatherElements after cpu_check_data():
 * "indices" (input 1) is int32/int64 with a rank in [0, IR_MAX_RANK], or
 * equal to data's rank when @same_rank; data has rank >= 1; attribute
 * "axis" (default 0) normalised into @ax.
 */
int cpu_check_gather(const struct ir_node *n, const struct ir_value *in,
		     bool same_rank, int *ax, struct accel_err *e);

/*
 * Normalisations: inputs 1 .. @n_in - 1 are float vectors of one element per
 * channel of input 0 (dim 1); @what names inputs 0 .. @n_in - 1.
 */
int cpu_check_per_channel(const struct ir_node *n, const struct ir_value *in,
			  int n_in, const char *const *what,
			  struct accel_err *e);

/*
 * GatherElements/ScatterElements: every dim of "indices" (input 1) but
 * @ax is at most data's (input 0).
 */
int cpu_check_elem_dims(const struct ir_node *n, const struct ir_value *in,
			int ax, struct accel_err *e);

/*
 * GatherElements/ScatterElements: *@off = the element of @data (strides
 * @str) at position @idx with the coordinate on @ax replaced by index
 * value @v; -EINVAL when @v is outside [-dims[ax], dims[ax]).
 */
int cpu_elem_offset(const struct ir_node *n, const struct ir_value *data,
		    const int64_t *str, const int64_t *idx, int ax, int64_t v,
		    int64_t *off, struct accel_err *e);

/* Attributes: ir/ir.h's API under the kernels' names. */
#define cpu_attr ir_attr_find
#define cpu_get_int ir_get_int
#define cpu_get_float ir_get_float
#define cpu_get_string ir_get_string
#define cpu_get_ints ir_get_ints

/*
 * Read a 1-D (or scalar) int64/int32 input with known data (shape, axes,
 * pads...) into @buf (at most @max elements).  -EOPNOTSUPP when the data
 * is not known at planning time, -EINVAL on a wrong type/rank/too many.
 */
int cpu_read_ints(const struct ir_node *n, const struct ir_value *v,
		  const char *what, int64_t *buf, size_t max, size_t *cnt,
		  struct accel_err *e);

/*
 * Reduced axes of a Reduce* node into @red (IR_MAX_RANK flags): "axes" from
 * the attribute or from input 1 (not both), normalised, none repeated.  No
 * axes reduces every axis, or none (*@noop) with noop_with_empty_axes.
 */
int cpu_reduce_axes(const struct ir_node *n, const struct ir_value *in,
		    int n_in, bool *red, bool *noop, struct accel_err *e);

/* Normalise @axis in [-rank, rank) (or [-rank, rank] with @inclusive). */
int cpu_norm_axis(const struct ir_node *n, int64_t axis, int rank,
		  bool inclusive, int *out, struct accel_err *e);

/*
 * Multidirectional (numpy) broadcast of @cnt values into @rank/@dims.
 * -EINVAL naming the inputs when incompatible.
 */
int cpu_bcast_shape(const struct ir_node *n, const struct ir_value *const *v,
		    int cnt, int *rank, int64_t *dims, struct accel_err *e);
/*
 * Element strides of @v seen through the broadcast output shape
 * (@rank/@dims, @v's rank <= @rank): 0 along broadcast dimensions.
 */
void cpu_bcast_strides(const struct ir_value *v, int rank,
		       const int64_t *dims, int64_t *strides);

/* Row-major strides of a shape (in elements). */
void cpu_strides(int rank, const int64_t *dims, int64_t *strides);

/* Advance the row-major odometer @idx over @dims; false when it wraps. */
bool cpu_odo_next(int64_t *idx, const int64_t *dims, int rank);

/*
 * Element counts of @v before and after dimension @ax (products of
 * dims[0..ax) and dims(ax..rank)).
 */
void cpu_axis_split(const struct ir_value *v, int ax, int64_t *outer,
		    int64_t *inner);

/**
 * struct cpu_geom - spatial geometry of a convolution or pooling window
 * @nsp: number of spatial dimensions
 * @in: input spatial size; @k: kernel size; @s: stride; @d: dilation
 * @pb/@pe: padding at the beginning / end of each dimension
 * @out: output spatial size
 */
struct cpu_geom {
	int nsp;
	int64_t in[CPU_MAX_SPATIAL];
	int64_t k[CPU_MAX_SPATIAL];
	int64_t s[CPU_MAX_SPATIAL];
	int64_t d[CPU_MAX_SPATIAL];
	int64_t pb[CPU_MAX_SPATIAL];
	int64_t pe[CPU_MAX_SPATIAL];
	int64_t out[CPU_MAX_SPATIAL];
};

/**
 * cpu_geom_init() - parse strides/dilations/pads/auto_pad/ceil_mode
 * @n: node; @x: input [N, C, spatial...]; @kernel: kernel sizes (@x rank - 2)
 * @allow_ceil: whether the op has ceil_mode (pooling)
 * @allow_dil: whether the op has dilations
 * @g: filled geometry
 *
 * Validates every attribute and computes the output size with ONNX
 * semantics (NOTSET/VALID/SAME_UPPER/SAME_LOWER, ceil_mode where the last
 * window must start inside the input or its begin padding).
 */
int cpu_geom_init(const struct ir_node *n, const struct ir_value *x,
		  const int64_t *kernel, bool allow_ceil, bool allow_dil,
		  struct cpu_geom *g, struct accel_err *e);

/* Round half to even (ONNX/numpy rint) then saturate to [lo, hi]. */
int32_t cpu_round_sat(double v, int32_t lo, int32_t hi);
/*
 * ONNX QuantizeLinear of one value: round(@x / @scale) half to even, plus
 * @zp, saturated to [@lo, @hi].  NaN gives @lo (what ONNX Runtime's x86
 * kernels produce).  The one quantizer of the library: the QuantizeLinear
 * operator and the int8 program's edge both use it.
 */
int32_t cpu_quantize_f32(float x, float scale, int32_t zp, int32_t lo,
			 int32_t hi);

/* Range of a quantized type (uint8/int8/int32): -EINVAL otherwise. */
int cpu_qrange(const struct ir_node *n, int dtype, int32_t *lo, int32_t *hi,
	       struct accel_err *e);
/* Load element @i of an integer tensor of type @dtype as int32. */
int32_t cpu_load_i32(const void *data, int dtype, int64_t i);

/* Opset of the node's domain as the loader recorded it, else @def. */
int64_t cpu_node_opset(const struct ir_node *n, int64_t def);

/*
 * Naive float GEMM: C[M,N] (+)= A[M,K] * B[K,N], all row-major with leading
 * dimensions lda/ldb/ldc.  When @accumulate is false C is overwritten.
 * i-k-j order with blocking over K so the inner loop vectorises.
 */
void cpu_sgemm(int64_t m, int64_t nn, int64_t k, const float *a, int64_t lda,
	       const float *b, int64_t ldb, float *c, int64_t ldc,
	       bool accumulate);

/* memcpy that accepts NULL pointers when @bytes is 0. */
static inline void cpu_copy(void *dst, const void *src, size_t bytes)
{
	if (bytes)
		__builtin_memcpy(dst, src, bytes);
}

/* Byte size of a value whose shape was checked by cpu_set_out(). */
static inline size_t cpu_nbytes(const struct ir_value *v)
{
	return (size_t)cpu_numel(v) * cpu_dtype_size(v->dtype);
}

/* Alignment of the pieces carved from an operator's workspace. */
#define CPU_WS_ALIGN 64

/*
 * Add @cnt elements of @elem bytes (at least one element), rounded up to
 * CPU_WS_ALIGN, to the workspace size @total; -EOVERFLOW past the plan's
 * value limit.  workspace() and run_ws() carve their pieces in the same
 * order with cpu_ws_take().
 */
int cpu_ws_add(const struct ir_node *n, size_t *total, int64_t cnt,
	       size_t elem, struct accel_err *e);
/* The next piece of @cnt elements from workspace cursor @ws. */
void *cpu_ws_take(unsigned char **ws, int64_t cnt, size_t elem);

/* run() of every op whose output is its first input's bytes. */
int cpu_copy_run(const struct ir_node *n, const struct ir_value *in,
		 int n_in, struct ir_value *out, int n_out,
		 struct accel_err *e);


/* Inputs of one cpu_bcast_map() call at most. */
#define CPU_BCAST_MAX 4

/*
 * Kernel of cpu_bcast_map(): @cnt output elements from @cnt elements of
 * each input; p[k] advances by s[k] elements of input k (0 or 1).
 */
typedef void (*cpu_map_fn)(const void *const *p, const int64_t *s, void *o,
			   int64_t cnt, const void *ctx);

/**
 * cpu_bcast_map() - apply a kernel over broadcast inputs
 * @v: @cnt (1..CPU_BCAST_MAX) inputs, each broadcastable to @o's shape
 * @o: output with data, shape already inferred (e.g. by cpu_bcast_shape())
 * @fn: kernel called once per run along the last output dimension
 * @ctx: passed to @fn
 *
 * @o must not alias an input unless that input has @o's shape.
 */
void cpu_bcast_map(const struct ir_value *const *v, int cnt,
		   struct ir_value *o, cpu_map_fn fn, const void *ctx);

/* Broadcast @x's bytes into @o (same dtype, shape already inferred). */
void cpu_bcast_copy(const struct ir_value *x, struct ir_value *o);

/* Element @i of a numeric tensor (floats, ints, bool) as double/int64. */
double cpu_load_f64(const void *data, int dtype, int64_t i);
int64_t cpu_load_i64(const void *data, int dtype, int64_t i);
/*
 * Store @v into element @i of a numeric tensor: float types round, integer
 * types truncate toward zero and saturate (NaN to 0), bool is v != 0.
 */
void cpu_store_f64(void *data, int dtype, int64_t i, double v);
/* Store @v into an integer/bool tensor wrapping (two's complement). */
void cpu_store_i64(void *data, int dtype, int64_t i, int64_t v);
/* True for float32/float64; true for the integer types (not bool). */
bool cpu_is_float(int dtype);
bool cpu_is_int(int dtype);

struct cpu_op;
/* The operator table entries (one per op_*.c definition). */
#define CPU_OPS_LIST(X)							\
	X(add) X(sub) X(mul) X(div) X(max) X(min) X(relu) X(leaky_relu)	\
	X(sigmoid) X(tanh) X(clip) X(identity) X(matmul) X(matmul_integer) \
	X(max_pool) X(average_pool)					\
	X(global_average_pool) X(softmax) X(batch_norm) X(reduce_mean)	\
	X(reshape) X(flatten) X(transpose) X(concat) X(shape) X(gather)	\
	X(unsqueeze) X(squeeze) X(cast) X(pad) X(quantize_linear)	\
	X(dequantize_linear)						\
	X(abs) X(neg) X(sign) X(exp) X(log) X(sqrt) X(reciprocal)	\
	X(ceil) X(floor) X(round) X(sin) X(cos) X(tan) X(asin) X(acos)	\
	X(atan) X(sinh) X(cosh) X(asinh) X(acosh) X(atanh) X(erf)	\
	X(elu) X(selu) X(celu) X(softplus) X(softsign) X(hard_sigmoid)	\
	X(hard_swish) X(thresholded_relu) X(shrink) X(mish) X(is_nan)	\
	X(is_inf) X(not)						\
	X(equal) X(less) X(less_or_equal) X(greater)			\
	X(greater_or_equal) X(and) X(or) X(xor) X(where) X(pow) X(mod)	\
	X(prelu) X(sum) X(mean)						\
	X(reduce_max) X(reduce_min) X(reduce_sum) X(reduce_prod)	\
	X(reduce_l1) X(reduce_l2) X(reduce_log_sum) X(reduce_log_sum_exp) \
	X(reduce_sum_square) X(arg_max) X(arg_min) X(global_max_pool)	\
	X(log_softmax) X(hardmax)					\
	X(slice) X(expand) X(tile) X(constant_of_shape) X(range)	\
	X(split) X(size) X(depth_to_space) X(space_to_depth)		\
	X(gather_elements) X(cumsum) X(trilu) X(onehot)		\
	X(resize) X(upsample) X(dropout) X(layer_norm) X(instance_norm) \
	X(mvn) X(lrn) X(gather_nd) X(scatter_nd) X(einsum)		\
	X(scatter_elements) X(scatter) X(cast_like) X(eye_like) \
	X(bit_shift) X(reverse_sequence) X(dynamic_quantize_linear)	\
	X(if) X(loop) X(scan)
/* Operators with a workspace (struct cpu_op_ws). */
#define CPU_OPS_WS_LIST(X)						\
	X(conv) X(conv_integer) X(qlinear_conv) X(gemm) X(qlinear_matmul) \
	X(topk) X(conv_transpose) X(rnn) X(gru) X(lstm)
#define CPU_OP_DECLARE(name) extern const struct cpu_op cpu_op_##name;
CPU_OPS_LIST(CPU_OP_DECLARE)
struct cpu_op_ws;
#define CPU_OP_WS_DECLARE(name) extern const struct cpu_op_ws cpu_op_##name;
CPU_OPS_WS_LIST(CPU_OP_WS_DECLARE)

#endif /* LIBACCEL_CPU_OPS_UTIL_H */
