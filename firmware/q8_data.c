// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * qs8/qu8 data movement and table kernels: CONCAT, COPY, LUT, SOFTMAX
 * (portable scalar).
 */
#include "fw_internal.h"

/* Elements moved, looked up or normalized between two ticks. */
#define FW_MOVE_CHUNK	(1ULL << 16)

/* Whether the op's clamp is the whole range of the output type. */
static int fw_clamp_is_full(const struct fw_op_ctx *c)
{
	__s32 lo = c->out.dtype == ENPU_DTYPE_S8 ? -128 : 0;

	return c->op.act_min == lo && c->op.act_max == lo + 255;
}

/*
 * Move @n elements from @src (in[0]'s type) to @dst (out's type): a plain
 * copy (quant_count 0, same type and zero point) or a requantization of the
 * centred value.  Both clamp to [act_min, act_max].  @src == @dst is allowed
 * (exact in-place): each element is read before it is written.
 */
static int fw_move_chunk(struct fw_op_ctx *c, const __u8 *src, __u8 *dst,
			 __u64 n)
{
	const __u8 xf = c->in[0].flip;
	const __s32 xz = c->in[0].zpu, xb = c->in[0].bias;
	struct fw_rq_out rq;
	__u64 i;

	if (c->op.quant_count == 0) {
		const __s32 lo = c->op.act_min, hi = c->op.act_max;

		if (fw_clamp_is_full(c)) {
			if (src != dst)
				fw_memcpy(dst, src, n);
			return fw_tick(c->ex, n / 8 + FW_COST_CALL);
		}
		for (i = 0; i < n; i++) {
			__s32 v = (src[i] ^ xf) - xb;

			fw_st8(dst + i, v < lo ? lo : v > hi ? hi : v);
		}
		return fw_tick(c->ex, n + FW_COST_CALL);
	}
	fw_op_rq(c, 0, &rq);
	for (i = 0; i < n; i++)
		fw_st8(dst + i, fw_requant_out((src[i] ^ xf) - xz, &rq));
	return fw_tick(c->ex, n * 2 + FW_COST_CALL);
}

/*
 * fw_move_chunk() in pieces, so the yield hook runs in long copies; every
 * piece (a concatenation may be made of 2^31 one-byte moves) costs at least
 * FW_COST_CALL.
 */
static int fw_move(struct fw_op_ctx *c, const __u8 *src, __u8 *dst, __u64 n)
{
	__u64 i, len;
	int err;

	for (i = 0; i < n; i += len) {
		len = n - i < FW_MOVE_CHUNK ? n - i : FW_MOVE_CHUNK;
		err = fw_move_chunk(c, src + i, dst + i, len);
		if (err)
			return err;
	}
	return 0;
}

int enpu_q8_copy__scalar(struct fw_op_ctx *c)
{
	return fw_move(c, c->in[0].data, c->out.data, c->out.count);
}

int enpu_q8_concat__scalar(struct fw_op_ctx *c)
{
	const struct fw_tensor *x = &c->in[0], *y = &c->out;
	const __u32 axis = c->op.params.concat.axis;
	__u64 outer = 1, inner = 1, o;
	__u32 d;
	int err;

	for (d = 0; d < axis; d++)
		outer *= y->dims[d];
	for (d = axis + 1; d < ENPU_ISA_MAX_DIMS; d++)
		inner *= y->dims[d];
	for (o = 0; o < outer; o++) {
		err = fw_move(c, x->data + o * x->dims[axis] * inner,
			      y->data + (o * y->dims[axis] +
					 c->op.params.concat.offset) * inner,
			      x->dims[axis] * inner);
		if (err)
			return err;
	}
	return 0;
}

int enpu_q8_lut__scalar(struct fw_op_ctx *c)
{
	const __u8 *table = c->in[1].data;
	const __u8 *src = c->in[0].data;
	const __u8 xf = c->in[0].flip, yf = c->out.flip;
	const __s32 yb = c->out.bias;
	const __s32 lo = c->op.act_min, hi = c->op.act_max;
	const __u64 n = c->out.count;
	__u8 *dst = c->out.data;
	__u64 i;

	__u64 i0, end;
	int err;

	for (i0 = 0; i0 < n; i0 = end) {
		end = n - i0 < FW_MOVE_CHUNK ? n : i0 + FW_MOVE_CHUNK;
		/* S8: table[x + 128] == table[raw ^ 0x80]; U8: table[raw] */
		if (fw_clamp_is_full(c)) {
			for (i = i0; i < end; i++)
				dst[i] = table[src[i] ^ xf];
		} else {
			for (i = i0; i < end; i++) {
				__s32 v = (table[src[i] ^ xf] ^ yf) - yb;

				fw_st8(dst + i, v < lo ? lo : v > hi ? hi : v);
			}
		}
		err = fw_tick(c->ex, (end - i0) * 2);
		if (err)
			return err;
	}
	return 0;
}

#define FW_EXP_ONE	65536	/* table entries are clamped to [0, 2^16] */

static inline __u32 fw_exp_entry(const __u8 *table, __u32 d)
{
	__s32 e = fw_ld_s32(table + 4 * d);

	return e < 0 ? 0 : e > FW_EXP_ONE ? FW_EXP_ONE : (__u32)e;
}

/* round_half_even(num / den) for den > 0, without 64-bit division. */
static inline __u32 fw_div_round_even(__u32 num, __u64 den)
{
	__u32 d, q, r;

	if (den > 0xffffffffULL)
		return 0;	/* 2 * num <= 2^32 <= den: below or at 1/2 */
	d = (__u32)den;
	q = num / d;
	r = num - q * d;
	if ((__u64)r * 2 > d || ((__u64)r * 2 == d && (q & 1)))
		q++;
	return q;
}

/* Outputs of a softmax row between two ticks (a division each). */
#define FW_SOFTMAX_CHUNK	8192

int enpu_q8_softmax__scalar(struct fw_op_ctx *c)
{
	const struct fw_tensor *x = &c->in[0];
	const __u8 *table = c->in[1].data;
	const __u32 len = x->dims[x->rank - 1];
	const __u32 rows = x->count / len;
	const __u8 xf = x->flip;
	struct fw_rq_out rq;
	__u32 row, i, i0, end;
	int err;

	fw_op_rq(c, 0, &rq);
	for (row = 0; row < rows; row++) {
		const __u8 *xr = x->data + (__u64)row * len;
		__u8 *yr = c->out.data + (__u64)row * len;
		__u32 max = 0, v;
		__u64 sum = 0;

		/* Rows are up to 2^24 long: each pass ticks per chunk. */
		for (i0 = 0; i0 < len; i0 = end) {
			end = len - i0 < FW_SOFTMAX_CHUNK ? len : i0 + FW_SOFTMAX_CHUNK;
			for (i = i0; i < end; i++) {
				v = xr[i] ^ xf;
				if (v > max)
					max = v;
			}
			err = fw_tick(c->ex, end - i0 + FW_COST_CALL);
			if (err)
				return err;
		}
		/*
		 * The buffer may change under us: an element above the max
		 * seen reads entry 0, so the index stays inside the table.
		 */
		for (i0 = 0; i0 < len; i0 = end) {
			end = len - i0 < FW_SOFTMAX_CHUNK ? len : i0 + FW_SOFTMAX_CHUNK;
			for (i = i0; i < end; i++) {
				v = xr[i] ^ xf;
				sum += fw_exp_entry(table, v >= max ? 0 : max - v);
			}
			err = fw_tick(c->ex, 4ULL * (end - i0));
			if (err)
				return err;
		}
		for (i0 = 0; i0 < len; i0 = end) {
			end = len - i0 < FW_SOFTMAX_CHUNK ? len : i0 + FW_SOFTMAX_CHUNK;
			for (i = i0; i < end; i++) {
				__u32 p = 0;

				v = xr[i] ^ xf;
				if (sum)
					p = fw_div_round_even(fw_exp_entry(table,
							v >= max ? 0 : max - v) << 15, sum);
				if (p > 32768)
					p = 32768;
				fw_st8(yr + i, fw_requant_out((__s32)p, &rq));
			}
			err = fw_tick(c->ex, (__u64)(end - i0) * FW_COST_OUT);
			if (err)
				return err;
		}
	}
	return 0;
}
