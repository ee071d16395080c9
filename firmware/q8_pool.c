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

/* s / d rounded half away from zero; 0 < d, |s| < 2^30. */
static inline __s32 fw_div_round_away32(__s32 s, __u32 d)
{
	__u32 m = s < 0 ? (__u32)-s : (__u32)s;
	__u32 q = (2 * m + d) / (2 * d);

	return s < 0 ? -(__s32)q : (__s32)q;
}

int enpu_q8_avgpool_nchw__scalar(struct fw_op_ctx *c)
{
	const struct enpu_op_pool *p = &c->op.params.pool;
	const struct fw_tensor *x = &c->in[0], *y = &c->out;
	const __u32 H = x->dims[2], W = x->dims[3];
	const __u32 OH = y->dims[2], OW = y->dims[3];
	const __u64 planes = (__u64)x->dims[0] * x->dims[1];
	const __u8 xf = x->flip;
	const __s32 xz = x->zpu;
	struct fw_rq_out rq;
	__u32 oh, ow, kh, kw, khlo, khhi, kwlo, kwhi;
	__u64 pl;
	int err;

	fw_op_rq(c, 0, &rq);
	for (pl = 0; pl < planes; pl++) {
		const __u8 *xp = x->data + pl * H * W;
		__u8 *yp = y->data + pl * OH * OW;

		for (oh = 0; oh < OH; oh++) {
			const __s32 ih0 = (__s32)(oh * p->stride_h) - p->pad_top;

			fw_pool_range(ih0, H, p->kernel_h, &khlo, &khhi);
			for (ow = 0; ow < OW; ow++) {
				const __s32 iw0 = (__s32)(ow * p->stride_w) -
						  p->pad_left;
				__s32 sum = 0, cnt, div;

				fw_pool_range(iw0, W, p->kernel_w, &kwlo, &kwhi);
				for (kh = khlo; kh < khhi; kh++) {
					const __u8 *xr = xp +
						(__u64)(ih0 + (__s32)kh) * W +
						(iw0 + (__s32)kwlo);

					for (kw = kwlo; kw < kwhi; kw++)
						sum += *xr++ ^ xf;
				}
				cnt = (__s32)((khhi - khlo) * (kwhi - kwlo));
				sum -= cnt * xz;
				div = p->count_include_pad ?
				      p->kernel_h * p->kernel_w : cnt;
				fw_st8(yp++, fw_requant_out(
					fw_div_round_away32(sum, (__u32)div), &rq));
			}
			err = fw_tick(c->ex, (__u64)OW * p->kernel_h * p->kernel_w);
			if (err)
				return err;
		}
	}
	return 0;
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

int enpu_q8_maxpool_nchw__scalar(struct fw_op_ctx *c)
{
	const struct enpu_op_pool *p = &c->op.params.pool;
	const struct fw_tensor *x = &c->in[0], *y = &c->out;
	const __u32 H = x->dims[2], W = x->dims[3];
	const __u32 OH = y->dims[2], OW = y->dims[3];
	const __u64 planes = (__u64)x->dims[0] * x->dims[1];
	const __u8 xf = x->flip;
	const __s32 lo = c->op.act_min, hi = c->op.act_max;
	__u32 oh, ow, kh, khlo, khhi, kwlo, kwhi;
	__u64 pl;
	int err;

	for (pl = 0; pl < planes; pl++) {
		const __u8 *xp = x->data + pl * H * W;
		__u8 *yp = y->data + pl * OH * OW;

		for (oh = 0; oh < OH; oh++) {
			const __s32 ih0 = (__s32)(oh * p->stride_h) - p->pad_top;

			fw_pool_range(ih0, H, p->kernel_h, &khlo, &khhi);
			for (ow = 0; ow < OW; ow++) {
				const __s32 iw0 = (__s32)(ow * p->stride_w) -
						  p->pad_left;
				__u32 m = 0;
				__s32 v;

				/* the validator guarantees a non-empty window */
				fw_pool_range(iw0, W, p->kernel_w, &kwlo, &kwhi);
				for (kh = khlo; kh < khhi; kh++)
					m = fw_row_max(xp + (__u64)(ih0 + (__s32)kh) * W +
						       (iw0 + (__s32)kwlo),
						       kwhi - kwlo, xf, m);
				v = (__s32)m - x->bias;
				fw_st8(yp++, v < lo ? lo : v > hi ? hi : v);
			}
			err = fw_tick(c->ex, (__u64)OW * p->kernel_h * p->kernel_w);
			if (err)
				return err;
		}
	}
	return 0;
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
			end = HW - i > FW_YIELD_WORK ? i + FW_YIELD_WORK : HW;
			err = fw_tick(c->ex, end - i);
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
