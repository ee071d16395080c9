// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * qs8/qu8 convolution and fully connected kernels (portable scalar).
 *
 * Data are read in the unsigned domain ((raw ^ flip) - zpu is the centred
 * value, see &struct fw_tensor), so one kernel serves every mix of S8 and U8
 * inputs and weights.  Sums are exact in 64 bits and saturated to int32
 * before requantization.
 */
#include "fw_internal.h"

/*
 * Taps t in [*lo, *hi) of a window of @k taps spaced @dil apart and starting
 * at @start that fall inside [0, @n).
 */
static inline void fw_win_range(__s32 start, __u32 n, __u32 k, __u32 dil,
				__u32 *lo, __u32 *hi)
{
	__s32 l = 0, h, last = (__s32)n - 1 - start;

	if (start < 0)
		l = (-start + (__s32)dil - 1) / (__s32)dil;
	if (last < 0) {
		h = 0;
	} else {
		h = last / (__s32)dil + 1;
		if (h > (__s32)k)
			h = (__s32)k;
	}
	if (l > h)
		l = h;
	*lo = (__u32)l;
	*hi = (__u32)h;
}

/* Weight zero point (unsigned domain) of output channel @oc. */
static __s32 fw_weight_zpu(const struct fw_op_ctx *c, __u32 oc)
{
	__u32 flags = c->op.opcode == ENPU_OP_CONV2D ?
		      c->op.params.conv.flags : c->op.params.fc.flags;
	struct enpu_quant q;

	if (!(flags & ENPU_QUANT_PER_CHANNEL_ZP))
		return c->in[1].zpu;
	fw_read_quant(c->ex->cb, &c->ex->hdr, c->op.quant_index + oc, &q);
	return q.zero_point + c->in[1].bias;
}

int enpu_q8_conv2d_nchw__scalar(struct fw_op_ctx *c)
{
	const struct enpu_op_conv *p = &c->op.params.conv;
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1], *y = &c->out;
	const __u32 N = x->dims[0], C = x->dims[1], H = x->dims[2];
	const __u32 W = x->dims[3], O = w->dims[0], KH = w->dims[2];
	const __u32 KW = w->dims[3], OH = y->dims[2], OW = y->dims[3];
	const __u32 CG = C / p->groups, OG = O / p->groups, KS = KH * KW;
	const __u32 sh = p->stride_h, sw = p->stride_w;
	const __u32 dh = p->dilation_h, dw = p->dilation_w;
	const __u8 xf = x->flip, wf = w->flip;
	const __s32 xz = x->zpu;
	const __u64 HW = (__u64)H * W;
	/* Channels per yield check so one check covers <= 2^20 MACs. */
	const __u32 cchunk = (__u32)(FW_YIELD_WORK / KS);
	struct fw_rq_out rq;
	__u32 n, oc, oh, ow, ci, c0, cend, kh, kw, khlo, khhi, kwlo, kwhi;
	int err;

	fw_op_rq(c, 0, &rq);
	for (oc = 0; oc < O; oc++) {
		const __u8 *wk = w->data + (__u64)oc * CG * KS;
		const __s32 wz = fw_weight_zpu(c, oc);
		const __s32 bias = c->in[2].data ?
				   fw_ld_s32(c->in[2].data + 4 * (__u64)oc) : 0;

		if (c->op.quant_count > 1)
			fw_op_rq(c, oc, &rq);
		for (n = 0; n < N; n++) {
			const __u8 *xg = x->data +
				((__u64)n * C + (__u64)(oc / OG) * CG) * HW;
			__u8 *yp = y->data + ((__u64)n * O + oc) * OH * OW;

			for (oh = 0; oh < OH; oh++) {
				const __s32 ih0 = (__s32)(oh * sh) - p->pad_top;

				fw_win_range(ih0, H, KH, dh, &khlo, &khhi);
				for (ow = 0; ow < OW; ow++) {
					const __s32 iw0 = (__s32)(ow * sw) -
							  p->pad_left;
					__s64 acc = bias;

					__u32 khend;

					fw_win_range(iw0, W, KW, dw, &kwlo, &kwhi);
					/* no tap inside the input: only the bias */
					khend = kwlo < kwhi ? khhi : khlo;
					for (c0 = 0; c0 < CG; c0 = cend) {
						cend = CG - c0 > cchunk ?
						       c0 + cchunk : CG;
						for (ci = c0; ci < cend; ci++) {
							const __u8 *xc = xg + ci * HW;
							const __u8 *wc = wk + (__u64)ci * KS;
							__s32 a = 0;

							for (kh = khlo; kh < khend; kh++) {
								const __u8 *xr = xc +
									(__u64)(ih0 + (__s32)(kh * dh)) * W +
									(iw0 + (__s32)(kwlo * dw));
								const __u8 *wr = wc + kh * KW;

								for (kw = kwlo; kw < kwhi; kw++, xr += dw)
									a += ((*xr ^ xf) - xz) *
									     ((wr[kw] ^ wf) - wz);
							}
							acc += a;
						}
						if (cend < CG) {
							err = fw_tick(c->ex, (__u64)(cend - c0) * KS);
							if (err)
								return err;
						}
					}
					fw_st8(yp++, fw_requant_out(fw_sat32(acc), &rq));
					err = fw_tick(c->ex, (__u64)KS * (CG < cchunk ? CG : cchunk));
					if (err)
						return err;
				}
			}
		}
	}
	return 0;
}

#define FC_BLOCK 32

int enpu_q8_fully_connected__scalar(struct fw_op_ctx *c)
{
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1], *y = &c->out;
	const __u32 M = x->dims[0], K = x->dims[1], N = w->dims[1];
	const __u8 xf = x->flip, wf = w->flip;
	const __s32 xz = x->zpu;
	__s32 wz[FC_BLOCK], bias[FC_BLOCK];
	__s64 acc[FC_BLOCK];
	struct fw_rq_out rq;
	__u32 n0, nb, m, k, j;
	int err;

	fw_op_rq(c, 0, &rq);
	for (n0 = 0; n0 < N; n0 += nb) {
		nb = N - n0 < FC_BLOCK ? N - n0 : FC_BLOCK;
		for (j = 0; j < nb; j++) {
			wz[j] = fw_weight_zpu(c, n0 + j);
			bias[j] = c->in[2].data ?
				  fw_ld_s32(c->in[2].data + 4 * (__u64)(n0 + j)) : 0;
		}
		for (m = 0; m < M; m++) {
			const __u8 *xr = x->data + (__u64)m * K;
			const __u8 *wr = w->data + n0;
			__u8 *yr = y->data + (__u64)m * N + n0;

			for (j = 0; j < nb; j++)
				acc[j] = bias[j];
			for (k = 0; k < K; k++, wr += N) {
				const __s32 xv = (xr[k] ^ xf) - xz;

				for (j = 0; j < nb; j++)
					acc[j] += xv * ((wr[j] ^ wf) - wz[j]);
				if ((k & 0x7fff) == 0x7fff) {
					err = fw_tick(c->ex, 0x8000ULL * nb);
					if (err)
						return err;
				}
			}
			for (j = 0; j < nb; j++) {
				if (c->op.quant_count > 1)
					fw_op_rq(c, n0 + j, &rq);
				fw_st8(yr + j, fw_requant_out(fw_sat32(acc[j]), &rq));
			}
			err = fw_tick(c->ex, (__u64)(K & 0x7fff) * nb);
			if (err)
				return err;
		}
	}
	return 0;
}
