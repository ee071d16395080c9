/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * ENPU firmware internals shared by the validator, the interpreter and the
 * kernels.  Not an API.
 */
#ifndef _ENPU_FW_INTERNAL_H_
#define _ENPU_FW_INTERNAL_H_

#include "enpu_fw.h"
#include <drm/enpu_isa.h>
#include "requant.h"

#define fw_memcpy __builtin_memcpy
/* ARRAY_SIZE() without <linux/kernel.h> (not in the freestanding build). */
#define FW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Element count limit of one tensor (2^31 - 1). */
#define FW_MAX_COUNT	0x7fffffffULL
/*
 * Yield accounting.  Kernels charge fw_tick() with the work they did, in
 * units of about one multiply-accumulate (a byte moved by memcpy is 1/8),
 * and call it after every bounded block of work, so that whatever the shape
 * no more than about FW_YIELD_WORK + FW_TICK_MAX units pass between two
 * calls of the yield hook (~1 ms of a scalar core).  Work that does not
 * scale with the multiply-accumulates (the setup and requantization of an
 * output element, one tap row of a window, one move of a concatenation) is
 * charged with the fixed costs below, so that shapes made of many tiny
 * pieces are bounded too.
 */
#define FW_YIELD_WORK	(1ULL << 20)
/* Largest charge of one fw_tick() call (one block of work), roughly. */
#define FW_TICK_MAX	(1ULL << 18)
/* An output element: setup, requantization, clamp and store. */
#define FW_COST_OUT	16
/* One call of a per-row / per-tap helper (range computation, pointers). */
#define FW_COST_CALL	16

/*
 * Records are read by copying: the command buffer need not be aligned and
 * its element sizes may be larger than the structs (the tail is zero).
 */
static inline void fw_read_header(const __u8 *cb,
				  struct enpu_cmdbuf_header *h)
{
	fw_memcpy(h, cb, sizeof(*h));
}

static inline void fw_read_tensor(const __u8 *cb,
				  const struct enpu_cmdbuf_header *h, __u32 i,
				  struct enpu_tensor *t)
{
	fw_memcpy(t, cb + h->tensor_offset + (__u64)i * h->tensor_size,
		  sizeof(*t));
}

static inline void fw_read_op(const __u8 *cb,
			      const struct enpu_cmdbuf_header *h, __u32 i,
			      struct enpu_op *op)
{
	fw_memcpy(op, cb + h->op_offset + (__u64)i * h->op_size, sizeof(*op));
}

static inline void fw_read_quant(const __u8 *cb,
				 const struct enpu_cmdbuf_header *h, __u32 i,
				 struct enpu_quant *q)
{
	fw_memcpy(q, cb + h->quant_offset + (__u64)i * h->quant_size,
		  sizeof(*q));
}

/* Little-endian, alignment-free load of an S32 element. */
static inline __s32 fw_ld_s32(const __u8 *p)
{
	return (__s32)((__u32)p[0] | (__u32)p[1] << 8 | (__u32)p[2] << 16 |
		       (__u32)p[3] << 24);
}

/**
 * struct fw_tensor - a resolved tensor for the kernels.
 * @data: element 0.
 * @dims: extents (1 past the rank).
 * @rank: 1..4.
 * @count: element count.
 * @zp: zero point.
 * @dtype: &enum enpu_dtype.
 * @flip: 0x80 for S8, else 0.  Kernels work in the unsigned domain:
 *	(raw ^ flip) is the stored value plus @bias, in [0, 255].
 * @bias: 128 for S8, else 0.
 * @zpu: @zp + @bias, so the centred value is (raw ^ flip) - zpu.
 */
struct fw_tensor {
	__u8 *data;
	__u32 dims[ENPU_ISA_MAX_DIMS];
	__u32 rank;
	__u32 count;
	__s32 zp;
	__u8 dtype;
	__u8 flip;
	__s32 bias;
	__s32 zpu;
};

/**
 * struct fw_exec - state of one enpu_fw_execute() call (on its stack).
 * @cb: the command buffer.
 * @hdr: its header.
 * @hooks: the caller's hooks or NULL.
 * @work: work done since the yield hook was last called.
 * @in_simd: a variant kernel runs, between the hooks' simd_begin() and
 *	simd_end().
 * @err: the yield hook's error where it could not be returned (between
 *	two chunks of fw_parallel()): fw_tick() returns it from then on and
 *	the interpreter when the operation ends.
 */
struct fw_exec {
	const __u8 *cb;
	struct enpu_cmdbuf_header hdr;
	const struct enpu_fw_hooks *hooks;
	__u64 work;
	int in_simd;
	int err;
};

/**
 * struct fw_op_ctx - what a kernel receives.
 * @ex: the execution.
 * @op: the (validated) operation.
 * @in: resolved inputs (unused ones have NULL data).
 * @out: resolved output.
 * @half_up: rounding mode of every requantization in the op.
 * @index: the operation's index in the command buffer.
 * @state: what the variant's prepare() made for it (hooks->op_state), or
 *	NULL.
 */
struct fw_op_ctx {
	struct fw_exec *ex;
	struct enpu_op op;
	struct fw_tensor in[3];
	struct fw_tensor out;
	int half_up;
	__u32 index;
	void *state;
};

/* Resolve operation @i of a validated buffer into @c (state NULL). */
void fw_op_ctx_init(struct fw_exec *ex, const struct enpu_fw_buf *slots,
		    __u32 i, struct fw_op_ctx *c);

/* Call the yield hook, outside the vector register section if in one. */
int fw_yield(struct fw_exec *ex);

/* Account @work and call the yield hook when enough has accumulated. */
static inline int fw_tick(struct fw_exec *ex, __u64 work)
{
	if (ex->err)
		return ex->err;
	ex->work += work;
	if (ex->work < FW_YIELD_WORK)
		return 0;
	ex->work = 0;
	if (ex->hooks && ex->hooks->yield)
		return fw_yield(ex);
	return 0;
}

/* Requantization parameters of entry op.quant_index + @i, with the op's clamp. */
static inline void fw_op_rq(const struct fw_op_ctx *c, __u32 i,
			    struct fw_rq_out *rq)
{
	struct enpu_quant q;

	fw_read_quant(c->ex->cb, &c->ex->hdr, c->op.quant_index + i, &q);
	rq->mult = q.multiplier;
	rq->shift = q.shift;
	rq->zp = c->out.zp;
	rq->lo = c->op.act_min;
	rq->hi = c->op.act_max;
	rq->half_up = c->half_up;
}

/* Store a clamped output value of dtype S8 or U8. */
static inline void fw_st8(__u8 *p, __s32 v)
{
	*p = (__u8)v;
}

int fw_validate(const __u8 *cb, __u64 size, const __u64 *slot_sizes,
		const struct enpu_fw_buf *slots, __u32 num_slots,
		const struct enpu_fw_hooks *hooks, struct enpu_fw_status *st);

struct fw_vop;

/**
 * enum fw_rounding - whether an operation requantizes, i.e. whether
 * ENPU_OP_FLAG_ROUND_HALF_UP means anything to it (it is rejected where not).
 * @FW_ROUNDS: always requantizes.
 * @FW_ROUNDS_NEVER: never requantizes (MAXPOOL, LUT).
 * @FW_ROUNDS_IF_QUANT: requantizes only with quant_count 1 (COPY, CONCAT).
 */
enum fw_rounding {
	FW_ROUNDS = 0,
	FW_ROUNDS_NEVER,
	FW_ROUNDS_IF_QUANT,
};

/**
 * struct fw_op_desc - everything the firmware knows about one opcode.
 * @name: printable name (enpu_fw_op_name()).
 * @nin: required inputs; in[@nin..2] must be ENPU_NO_TENSOR unless @bias.
 * @bias: in[2] is an optional S32 bias (ENPU_NO_TENSOR or a tensor).
 * @in_place: out may be exactly in[0] (same slot, offset and size).
 * @psize: bytes of &enpu_op.params the opcode defines; the rest must be 0.
 * @rounding: &enum fw_rounding.
 * @no_round_msg: the validator's message when ENPU_OP_FLAG_ROUND_HALF_UP is
 *	set where @rounding says the op does not round.
 * @validate: the opcode's checks of operands and params, run after the
 *	checks common to every op; 0 or a negative ENPU_FW_E* with the status
 *	filled in.
 * @run: the kernel that ships (portable scalar).
 *
 * fw_op_table[] in ops.c holds one per opcode, indexed by &enum
 * enpu_opcode; a missing entry fails the build, an entry without
 * @validate or @run makes the validator reject the opcode (-EOPNOTSUPP).
 */
struct fw_op_desc {
	const char *name;
	__u8 nin;
	__u8 bias;
	__u8 in_place;
	__u8 psize;
	__u8 rounding;
	const char *no_round_msg;
	int (*validate)(struct fw_vop *v);
	int (*run)(struct fw_op_ctx *c);
};

extern const struct fw_op_desc fw_op_table[];

/**
 * struct enpu_fw_kernels - a kernel variant (firmware/simd/).
 * @name: "avx512vnni", ...
 * @supported: non-zero when this CPU runs it (checked once per call of
 *	enpu_fw_kernels_find() / _list()).
 * @run: per opcode, the variant's kernel, or NULL for the scalar one.  A
 *	variant kernel computes exactly what the scalar kernel does, bit for
 *	bit, for every input the validator accepts; where it cannot (a shape
 *	or scratch size it does not handle) it calls the scalar kernel.
 * @prepare: per opcode, optional: make the operation's state (packed
 *	weights) from a validated op whose weights sit in a constant slot.
 *	Returns the state, or NULL when none is kept (the kernel then works
 *	without it); sets *@err to a negative errno on failure.
 */
typedef void *(*fw_alloc_fn)(void *actx, __u64 size);
typedef void *(*fw_prepare_fn)(struct fw_op_ctx *c, fw_alloc_fn alloc,
			       void *actx, int *err);
typedef int (*fw_run_fn)(struct fw_op_ctx *c);

struct enpu_fw_kernels {
	const char *name;
	int (*supported)(void);
	fw_run_fn run[ENPU_OP_COUNT];
	fw_prepare_fn prepare[ENPU_OP_COUNT];
};

/* The per-opcode validators (validate.c), named by the table. */
int fw_check_conv(struct fw_vop *v);
int fw_check_fc(struct fw_vop *v);
int fw_check_eltwise(struct fw_vop *v);
int fw_check_pool(struct fw_vop *v);
int fw_check_global_avgpool(struct fw_vop *v);
int fw_check_concat(struct fw_vop *v);
int fw_check_copy(struct fw_vop *v);
int fw_check_softmax(struct fw_vop *v);
int fw_check_lut(struct fw_vop *v);

/*
 * The portable scalar kernels (name: what it computes, after "__": how).
 * Each returns 0 or the yield hook's error.
 */
int enpu_q8_conv2d_nchw__scalar(struct fw_op_ctx *c);
int enpu_q8_fully_connected__scalar(struct fw_op_ctx *c);
int enpu_q8_add__scalar(struct fw_op_ctx *c);
int enpu_q8_mul__scalar(struct fw_op_ctx *c);
int enpu_q8_avgpool_nchw__scalar(struct fw_op_ctx *c);
int enpu_q8_maxpool_nchw__scalar(struct fw_op_ctx *c);
int enpu_q8_global_avgpool_nchw__scalar(struct fw_op_ctx *c);
int enpu_q8_concat__scalar(struct fw_op_ctx *c);
int enpu_q8_copy__scalar(struct fw_op_ctx *c);
int enpu_q8_softmax__scalar(struct fw_op_ctx *c);
int enpu_q8_lut__scalar(struct fw_op_ctx *c);

#endif /* _ENPU_FW_INTERNAL_H_ */
