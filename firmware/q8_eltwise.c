// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * qs8/qu8 elementwise ADD and MUL with in[1] broadcast (portable scalar).
 *
 * The output is walked as rows of `inner` contiguous elements; in[1] either
 * advances with the output (broadcast 0), holds one value per row (broadcast
 * 1: rows are the channels of dims[1]) or one value overall (broadcast 2).
 */
#include "fw_internal.h"

/* Elements between yield checks inside one row. */
#define FW_ELT_CHUNK_MASK	0x7fffULL
/* Work of one element: ADD requantizes three times, MUL once. */
#define FW_COST_ADD		8
#define FW_COST_MUL		4

struct fw_rows {
	__u32 rows;		/* number of rows */
	__u32 inner;		/* elements per row */
	__u32 channels;		/* broadcast 1: rows cycle through channels */
	int mode;		/* params.eltwise.broadcast */
};

static void fw_eltwise_rows(const struct fw_op_ctx *c, struct fw_rows *r)
{
	const struct fw_tensor *y = &c->out;

	r->mode = (int)c->op.params.eltwise.broadcast;
	if (r->mode == 1) {
		r->channels = y->dims[1];
		r->rows = y->dims[0] * y->dims[1];	/* <= count < 2^31 */
		r->inner = y->count / r->rows;
	} else {
		r->channels = 1;
		r->rows = 1;
		r->inner = y->count;
	}
}

/* The in[1] pointer and stride for row @row. */
static const __u8 *fw_in1_row(const struct fw_op_ctx *c,
			      const struct fw_rows *r, __u32 row,
			      __u32 *stride)
{
	switch (r->mode) {
	case 0:
		*stride = 1;
		return c->in[1].data + (__u64)row * r->inner;
	case 1:
		*stride = 0;
		return c->in[1].data + row % r->channels;
	default:
		*stride = 0;
		return c->in[1].data;
	}
}

/* One output element from the centred operands, requantized and clamped. */
typedef __s32 (*fw_elt_fn)(const struct fw_op_ctx *c,
			   const struct fw_rq_out *rq, __s32 v0, __s32 v1);

/*
 * Walk the output row by row, centring both operands (in[1] broadcast as
 * the op says) and storing @f's result, with a yield check every
 * FW_ELT_CHUNK_MASK + 1 elements and after every row, each element charged
 * @cost.  Always inlined so that @f is a direct call the compiler folds
 * into the loop.
 */
static __always_inline int fw_eltwise_apply(struct fw_op_ctx *c, fw_elt_fn f,
					    __u32 cost)
{
	const struct fw_tensor *a = &c->in[0], *b = &c->in[1];
	const __u8 af = a->flip, bf = b->flip;
	const __s32 az = a->zpu, bz = b->zpu;
	struct fw_rq_out rq;
	struct fw_rows r;
	__u32 row, i, s1;
	int err;

	fw_op_rq(c, 0, &rq);
	fw_eltwise_rows(c, &r);
	for (row = 0; row < r.rows; row++) {
		const __u8 *x0 = a->data + (__u64)row * r.inner;
		const __u8 *x1 = fw_in1_row(c, &r, row, &s1);
		__u8 *yp = c->out.data + (__u64)row * r.inner;

		for (i = 0; i < r.inner; i++, x1 += s1) {
			fw_st8(yp + i, f(c, &rq, (x0[i] ^ af) - az,
					 (*x1 ^ bf) - bz));
			if ((i & FW_ELT_CHUNK_MASK) == FW_ELT_CHUNK_MASK) {
				err = fw_tick(c->ex, (FW_ELT_CHUNK_MASK + 1) * cost);
				if (err)
					return err;
			}
		}
		/* rows can be single elements: charge the row's setup too */
		err = fw_tick(c->ex, (r.inner & FW_ELT_CHUNK_MASK) * cost +
				     FW_COST_CALL);
		if (err)
			return err;
	}
	return 0;
}

/* ADD: rescale both to the common scale, sum, requantize. */
static inline __s32 fw_add1(const struct fw_op_ctx *c,
			    const struct fw_rq_out *rq, __s32 v0, __s32 v1)
{
	const struct enpu_op_eltwise *p = &c->op.params.eltwise;
	const __s32 lsm = 1 << p->left_shift;
	/* |centred << 20| < 2^28: no overflow */
	__s32 r0 = fw_sat32(fw_requant(v0 * lsm, p->in_multiplier[0],
				       p->in_shift[0], rq->half_up));
	__s32 r1 = fw_sat32(fw_requant(v1 * lsm, p->in_multiplier[1],
				       p->in_shift[1], rq->half_up));

	return fw_requant_out(fw_sat32((__s64)r0 + r1), rq);
}

/* MUL: the product of the centred operands, requantized. */
static inline __s32 fw_mul1(const struct fw_op_ctx *c,
			    const struct fw_rq_out *rq, __s32 v0, __s32 v1)
{
	(void)c;
	return fw_requant_out(v0 * v1, rq);
}

int enpu_q8_add__scalar(struct fw_op_ctx *c)
{
	return fw_eltwise_apply(c, fw_add1, FW_COST_ADD);
}

int enpu_q8_mul__scalar(struct fw_op_ctx *c)
{
	return fw_eltwise_apply(c, fw_mul1, FW_COST_MUL);
}
