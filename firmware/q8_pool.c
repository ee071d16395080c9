// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * qs8/qu8 average, max and global average pooling, NCHW (portable scalar).
 */
#include "fw_internal.h"

/* Window taps [*lo, *hi) of a @k-wide window at @start inside [0, @n). */
static inline void fw_pool_range(__s32 start, __u32 n, __u32 k, __u32 *lo,
				 __u32 *hi)
{
	__s32 l = start < 0 ? -start : 0;
	__s32 h = (__s32)n - start;

	if (h > (__s32)k)
		h = (__s32)k;
	if (h < l)
		h = l;
	*lo = (__u32)l;
	*hi = (__u32)h;
}

/*
 * Work charged per output element: the whole window (one output may cost
 * up to 64 * 64 taps), one tap-row call per window row and the output step.
 * Rows are walked in blocks of FW_TICK_MAX / cost outputs (>= 1).
 */
static inline __u32 fw_pool_cost(const struct enpu_op_pool *p)
{
	return (__u32)p->kernel_h * p->kernel_w + p->kernel_h * 2 + FW_COST_OUT;
}

/* s / d rounded half away from zero; 0 < d, |s| < 2^30. */
static inline __s32 fw_div_round_away32(__s32 s, __u32 d)
{
	__u32 m = s < 0 ? (__u32)-s : (__u32)s;
	__u32 q = (2 * m + d) / (2 * d);

	return s < 0 ? -(__s32)q : (__s32)q;
}

/* max(@m, the @n values at @xr in the unsigned domain) */
static inline __u32 fw_row_max(const __u8 *xr, __u32 n, __u8 xf, __u32 m)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if ((__u32)(xr[i] ^ xf) > m)
			m = xr[i] ^ xf;
	return m;
}

/* One output row's window rows [khlo, khhi) start at input row ih0. */
struct fw_pool_row {
	const __u8 *xp;		/* the input plane */
	__u8 *yp;		/* the output row */
	__s32 ih0;
	__u32 khlo, khhi;
};

/* Outputs [ow0, owe) of one AVGPOOL row. */
static void fw_avgpool_run(const struct fw_op_ctx *c,
			   const struct fw_pool_row *r,
			   const struct fw_rq_out *rq, __u32 ow0, __u32 owe)
{
	const struct enpu_op_pool *p = &c->op.params.pool;
	const struct fw_tensor *x = &c->in[0];
	const __u32 W = x->dims[3];
	const __u8 xf = x->flip;
	__u32 ow, kh, kw, kwlo, kwhi;

	for (ow = ow0; ow < owe; ow++) {
		const __s32 iw0 = (__s32)(ow * p->stride_w) - p->pad_left;
		__s32 sum = 0, cnt, div;

		fw_pool_range(iw0, W, p->kernel_w, &kwlo, &kwhi);
		for (kh = r->khlo; kh < r->khhi; kh++) {
			const __u8 *xr = r->xp + (__u64)(r->ih0 + (__s32)kh) * W +
					 (iw0 + (__s32)kwlo);

			for (kw = kwlo; kw < kwhi; kw++)
				sum += *xr++ ^ xf;
		}
		cnt = (__s32)((r->khhi - r->khlo) * (kwhi - kwlo));
		sum -= cnt * x->zpu;
		div = p->count_include_pad ? p->kernel_h * p->kernel_w : cnt;
		fw_st8(r->yp + ow,
		       fw_requant_out(fw_div_round_away32(sum, (__u32)div), rq));
	}
}

/* Outputs [ow0, owe) of one MAXPOOL row. */
static void fw_maxpool_run(const struct fw_op_ctx *c,
			   const struct fw_pool_row *r,
			   const struct fw_rq_out *rq, __u32 ow0, __u32 owe)
{
	const struct enpu_op_pool *p = &c->op.params.pool;
	const struct fw_tensor *x = &c->in[0];
	const __u32 W = x->dims[3];
	const __s32 lo = c->op.act_min, hi = c->op.act_max;
	__u32 ow, kh, kwlo, kwhi;

	(void)rq;
	for (ow = ow0; ow < owe; ow++) {
		const __s32 iw0 = (__s32)(ow * p->stride_w) - p->pad_left;
		__u32 m = 0;
		__s32 v;

		/* the validator guarantees a non-empty window */
		fw_pool_range(iw0, W, p->kernel_w, &kwlo, &kwhi);
		for (kh = r->khlo; kh < r->khhi; kh++)
			m = fw_row_max(r->xp + (__u64)(r->ih0 + (__s32)kh) * W +
				       (iw0 + (__s32)kwlo),
				       kwhi - kwlo, x->flip, m);
		v = (__s32)m - x->bias;
		fw_st8(r->yp + ow, v < lo ? lo : v > hi ? hi : v);
	}
}

typedef void (*fw_pool_run_fn)(const struct fw_op_ctx *c,
			       const struct fw_pool_row *r,
			       const struct fw_rq_out *rq, __u32 ow0,
			       __u32 owe);

/*
 * Walk every output row in blocks of outputs whose windows add up to at
 * most FW_TICK_MAX work, ticking after each block.  Always inlined so that
 * @run is a direct call.
 */
static __always_inline int fw_pool_apply(struct fw_op_ctx *c,
					 fw_pool_run_fn run)
{
	const struct enpu_op_pool *p = &c->op.params.pool;
	const struct fw_tensor *x = &c->in[0], *y = &c->out;
	const __u32 H = x->dims[2], W = x->dims[3];
	const __u32 OH = y->dims[2], OW = y->dims[3];
	const __u64 planes = (__u64)x->dims[0] * x->dims[1];
	const __u32 cost = fw_pool_cost(p), blk = (__u32)(FW_TICK_MAX / cost);
	struct fw_pool_row r;
	struct fw_rq_out rq = { 0 };	/* MAXPOOL: no quant entry */
	__u32 oh, ow0, owe;
	__u64 pl;
	int err;

	if (c->op.quant_count)
		fw_op_rq(c, 0, &rq);
	for (pl = 0; pl < planes; pl++) {
		r.xp = x->data + pl * H * W;
		for (oh = 0; oh < OH; oh++) {
			r.yp = y->data + (pl * OH + oh) * OW;
			r.ih0 = (__s32)(oh * p->stride_h) - p->pad_top;
			fw_pool_range(r.ih0, H, p->kernel_h, &r.khlo, &r.khhi);
			for (ow0 = 0; ow0 < OW; ow0 = owe) {
				owe = OW - ow0 > blk ? ow0 + blk : OW;
				run(c, &r, &rq, ow0, owe);
				err = fw_tick(c->ex, (__u64)(owe - ow0) * cost);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

int enpu_q8_avgpool_nchw__scalar(struct fw_op_ctx *c)
{
	return fw_pool_apply(c, fw_avgpool_run);
}

int enpu_q8_maxpool_nchw__scalar(struct fw_op_ctx *c)
{
	return fw_pool_apply(c, fw_maxpool_run);
}

int enpu_q8_global_avgpool_nchw__scalar(struct fw_op_ctx *c)
{
	const struct fw_tensor *x = &c->in[0];
	const __u64 HW = (__u64)x->dims[2] * x->dims[3];
	const __u64 planes = (__u64)x->dims[0] * x->dims[1];
	const __u8 xf = x->flip;
	struct fw_rq_out rq;
	__u64 pl, i, end;
	int err;

	fw_op_rq(c, 0, &rq);
	for (pl = 0; pl < planes; pl++) {
		const __u8 *xp = x->data + pl * HW;
		__u64 sum = 0;
		__s64 centred;

		for (i = 0; i < HW; i = end) {
			end = HW - i > FW_TICK_MAX ? i + FW_TICK_MAX : HW;
			err = fw_tick(c->ex, end - i + FW_COST_OUT);
			for (; i < end; i++)
				sum += xp[i] ^ xf;
			if (err)
				return err;
		}
		centred = (__s64)sum - (__s64)HW * x->zpu;
		/* 1/(H*W) is folded into the multiplier: one rounding. */
		fw_st8(c->out.data + pl, fw_requant_out(fw_sat32(centred), &rq));
	}
	return 0;
}
