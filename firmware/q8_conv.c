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

/* Output columns computed together; accumulators live on the stack. */
#define CONV_TILE	64
/* Taps summed in int32 before spilling to int64: 32768 * 255 * 255 < 2^31. */
#define CONV_TAPS32	32768

/*
 * Columns ow in [*lo, *hi) of a CONV_TILE-wide tile starting at @ow0 whose
 * input column ow * sw - pad + koff falls inside [0, W).
 */
static inline void fw_col_range(__u32 ow0, __u32 ntile, __s32 koff, __u32 sw,
				__u32 W, __u32 *lo, __u32 *hi)
{
	__s32 first = (__s32)(ow0 * sw) + koff;	/* input column of ow0 */
	__s32 l = 0, h = (__s32)ntile;

	if (first < 0)
		l = (-first + (__s32)sw - 1) / (__s32)sw;
	/* last valid: first + t * sw <= W - 1 */
	if (first > (__s32)W - 1)
		h = 0;
	else if ((((__s32)W - 1 - first) / (__s32)sw) + 1 < h)
		h = (((__s32)W - 1 - first) / (__s32)sw) + 1;
	if (l > h)
		l = h;
	*lo = (__u32)l;
	*hi = (__u32)h;
}

/* What the row kernel needs for one output row tile. */
struct fw_conv_tile {
	const struct enpu_op_conv *p;
	const __u8 *xg;		/* first input channel of the group */
	const __u8 *wk;		/* weights of the output channel */
	__u64 HW;
	__u32 W, CG, KW, KS, khlo, khhi, ow0, nt;
	__s32 ih0, xz, wz;
	__u8 xf, wf;
};

/* acc[t] += centred x[ow0 + t at kernel column koff] * wv, t in [lo, hi). */
static inline void fw_conv_run(const struct fw_conv_tile *k, const __u8 *xr,
			       __s32 koff, __u32 lo, __u32 hi, __s32 wv,
			       __s32 *acc)
{
	const __u32 sw = k->p->stride_w;
	const __u8 *xs;
	__u32 t;

	if (lo >= hi || !wv)
		return;
	xs = xr + ((__s32)((k->ow0 + lo) * sw) + koff);
	if (sw == 1) {
		for (t = lo; t < hi; t++, xs++)
			acc[t] += ((*xs ^ k->xf) - k->xz) * wv;
	} else {
		for (t = lo; t < hi; t++, xs += sw)
			acc[t] += ((*xs ^ k->xf) - k->xz) * wv;
	}
}

/* The same over the valid columns of kernel column koff. */
static inline void fw_conv_tap(const struct fw_conv_tile *k,
			       const __u8 *xr, __s32 koff, __s32 wv,
			       __s32 *acc)
{
	__u32 lo, hi;

	fw_col_range(k->ow0, k->nt, koff, k->p->stride_w, k->W, &lo, &hi);
	fw_conv_run(k, xr, koff, lo, hi, wv, acc);
}

/* Kernel widths whose column ranges the row kernel computes once per tile. */
#define CONV_KW_CACHED	16

/*
 * Sum one tile over every input channel and tap: int32 partial sums spill
 * into @acc64 every CONV_TAPS32 taps so that nothing overflows.  One tile
 * can be C/groups * KH * KW * 64 multiply-accumulates (2^37), so the work
 * is charged per input channel: each tap is a run of nt columns plus a
 * column-range computation.
 */
static int fw_conv_tile_sum(struct fw_exec *ex, const struct fw_conv_tile *k,
			    __s32 *acc32, __s64 *acc64)
{
	const __u32 dh = k->p->dilation_h, dw = k->p->dilation_w;
	const __u64 cost = (__u64)k->KS * (k->nt + FW_COST_CALL);
	const int cached = k->KW <= CONV_KW_CACHED;
	__u32 ci, kh, kw, t, taps = 0;
	__u32 clo[CONV_KW_CACHED], chi[CONV_KW_CACHED];
	int err;

	/* The valid columns depend on the kernel column alone. */
	for (kw = 0; cached && kw < k->KW; kw++)
		fw_col_range(k->ow0, k->nt, (__s32)(kw * dw) - k->p->pad_left,
			     k->p->stride_w, k->W, &clo[kw], &chi[kw]);
	for (ci = 0; ci < k->CG; ci++) {
		const __u8 *xc = k->xg + ci * k->HW;
		const __u8 *wc = k->wk + (__u64)ci * k->KS;

		if (taps + k->KS > CONV_TAPS32) {
			for (t = 0; t < k->nt; t++) {
				acc64[t] += acc32[t];
				acc32[t] = 0;
			}
			taps = 0;
		}
		taps += k->KS;
		for (kh = k->khlo; kh < k->khhi; kh++) {
			const __u8 *xr = xc +
				(__u64)(k->ih0 + (__s32)(kh * dh)) * k->W;

			const __u8 *wr = wc + kh * k->KW;

			for (kw = 0; cached && kw < k->KW; kw++)
				fw_conv_run(k, xr,
					    (__s32)(kw * dw) - k->p->pad_left,
					    clo[kw], chi[kw],
					    (wr[kw] ^ k->wf) - k->wz, acc32);
			for (kw = 0; !cached && kw < k->KW; kw++)
				fw_conv_tap(k, xr,
					    (__s32)(kw * dw) - k->p->pad_left,
					    (wr[kw] ^ k->wf) - k->wz, acc32);
		}
		err = fw_tick(ex, cost);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Direct convolution, one output row tile at a time (any channel count):
 * for each input channel and kernel tap the centred weight is broadcast
 * over a run of output columns, a loop compilers vectorize (unit stride
 * when stride_w is 1).  Sums are exact and saturate to int32 before
 * requantization, exactly as the ISA specifies.
 */
static int fw_conv2d_rows(struct fw_op_ctx *c)
{
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1], *y = &c->out;
	const __u32 N = x->dims[0], C = x->dims[1], O = w->dims[0];
	const __u32 OH = y->dims[2], OW = y->dims[3];
	struct fw_conv_tile k = {
		.p = &c->op.params.conv, .HW = (__u64)x->dims[2] * x->dims[3],
		.W = x->dims[3], .KW = w->dims[3],
		.KS = w->dims[2] * w->dims[3], .xz = x->zpu,
		.xf = x->flip, .wf = w->flip,
	};
	const __u32 OG = O / k.p->groups;
	__s32 acc32[CONV_TILE];
	__s64 acc64[CONV_TILE];
	struct fw_rq_out rq;
	__u32 n, oc, oh, t;
	__s32 bias;
	int err;

	k.CG = C / k.p->groups;
	fw_op_rq(c, 0, &rq);
	for (oc = 0; oc < O; oc++) {
		k.wk = w->data + (__u64)oc * k.CG * k.KS;
		k.wz = fw_weight_zpu(c, oc);
		bias = c->in[2].data ? fw_ld_s32(c->in[2].data + 4 * (__u64)oc) : 0;
		if (c->op.quant_count > 1)
			fw_op_rq(c, oc, &rq);
		for (n = 0; n < N; n++) {
			__u8 *yp = y->data + ((__u64)n * O + oc) * OH * OW;

			k.xg = x->data + ((__u64)n * C + (__u64)(oc / OG) * k.CG) * k.HW;
			for (oh = 0; oh < OH; oh++, yp += OW) {
				k.ih0 = (__s32)(oh * k.p->stride_h) - k.p->pad_top;
				fw_win_range(k.ih0, x->dims[2], w->dims[2],
					     k.p->dilation_h, &k.khlo, &k.khhi);
				for (k.ow0 = 0; k.ow0 < OW; k.ow0 += k.nt) {
					k.nt = OW - k.ow0 < CONV_TILE ?
					       OW - k.ow0 : CONV_TILE;
					for (t = 0; t < k.nt; t++) {
						acc32[t] = 0;
						acc64[t] = bias;
					}
					err = fw_conv_tile_sum(c->ex, &k, acc32, acc64);
					if (err)
						return err;
					for (t = 0; t < k.nt; t++)
						fw_st8(yp + k.ow0 + t,
						       fw_requant_out(fw_sat32(acc64[t] + acc32[t]),
								      &rq));
					err = fw_tick(c->ex, (__u64)k.nt * FW_COST_OUT);
					if (err)
						return err;
				}
			}
		}
	}
	return 0;
}

/* Largest patch (C/groups * KH * KW) the patch kernel gathers: 1.5 KiB. */
#define CONV_PATCH_MAX	768

/*
 * Patch convolution for small receptive fields: for each output pixel the
 * centred input patch is gathered once (padding reads as 0 after
 * centring) and dotted with every output channel's weights of its group.
 * The dot product of two int16 runs is what compilers vectorize best, and
 * small images (where the row kernel's runs are short) gain most.  Needs
 * C/groups * KH * KW <= CONV_PATCH_MAX; one patch sum stays below
 * 768 * 255 * 255 < 2^31.
 */
/* Centred input patch of output pixel (@ih0, @iw0); padding reads 0. */
static void fw_conv_gather(const struct fw_op_ctx *c, const __u8 *xg,
			   __s32 ih0, __s32 iw0, __s16 *pp)
{
	const struct enpu_op_conv *p = &c->op.params.conv;
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1];
	const __u32 H = x->dims[2], W = x->dims[3], KH = w->dims[2];
	const __u32 KW = w->dims[3], CG = w->dims[1];
	const __u64 HW = (__u64)H * W;
	__u32 ci, kh, kw;

	for (ci = 0; ci < CG; ci++) {
		for (kh = 0; kh < KH; kh++) {
			const __s32 ih = ih0 + (__s32)(kh * p->dilation_h);
			const __u8 *xr;

			if (ih < 0 || ih >= (__s32)H) {
				for (kw = 0; kw < KW; kw++)
					*pp++ = 0;
				continue;
			}
			xr = xg + ci * HW + (__u64)ih * W;
			for (kw = 0; kw < KW; kw++) {
				const __s32 iw = iw0 + (__s32)(kw * p->dilation_w);

				*pp++ = iw < 0 || iw >= (__s32)W ? 0 :
					(__s16)((xr[iw] ^ x->flip) - x->zpu);
			}
		}
	}
}

/* Output channels the patch kernel dots with one patch at a time. */
#define CONV_OC_BLOCK	4

/*
 * d[j] = sum over i < @ps of pp[i] * value of wk[j * ps + i] for @nb <= 4
 * channels, the weights read as S8 (@s8) or U8 values, not centred: the
 * caller subtracts zero point * patch sum.  One load of the patch serves
 * every channel of the block, and no weight is centred per pixel.
 */
static inline void fw_patch_dot(const __s16 *pp, const __u8 *wk, __u32 ps,
				__u32 nb, int s8, __s32 *d)
{
	const __u8 *w0 = wk, *w1 = wk + ps, *w2 = w1 + ps, *w3 = w2 + ps;
	__s32 d0 = 0, d1 = 0, d2 = 0, d3 = 0;
	__u32 i;

	if (nb == CONV_OC_BLOCK && s8) {
		for (i = 0; i < ps; i++) {
			const __s32 p = pp[i];

			d0 += p * (__s8)w0[i];
			d1 += p * (__s8)w1[i];
			d2 += p * (__s8)w2[i];
			d3 += p * (__s8)w3[i];
		}
	} else if (nb == CONV_OC_BLOCK) {
		for (i = 0; i < ps; i++) {
			const __s32 p = pp[i];

			d0 += p * w0[i];
			d1 += p * w1[i];
			d2 += p * w2[i];
			d3 += p * w3[i];
		}
	} else {
		__u32 j;

		for (j = 0; j < nb; j++, w0 += ps) {
			d0 = 0;
			if (s8) {
				for (i = 0; i < ps; i++)
					d0 += pp[i] * (__s8)w0[i];
			} else {
				for (i = 0; i < ps; i++)
					d0 += pp[i] * w0[i];
			}
			d[j] = d0;
		}
		return;
	}
	d[0] = d0;
	d[1] = d1;
	d[2] = d2;
	d[3] = d3;
}

/*
 * Store the outputs of @nb channels from @oc on of one pixel (@yp, the
 * first; channels @ohw apart): the centred dot products dot - zp * @psum,
 * plus bias, requantized.
 */
static void fw_patch_store(const struct fw_op_ctx *c, const __s32 *dot,
			   __s32 psum, __u32 oc, __u32 nb, __u8 *yp, __u64 ohw,
			   struct fw_rq_out *rq)
{
	__u32 j;

	for (j = 0; j < nb; j++, yp += ohw) {
		const __s32 zp = fw_weight_zpu(c, oc + j) - c->in[1].bias;
		__s64 acc = (__s64)(dot[j] - zp * psum);

		if (c->in[2].data)
			acc += fw_ld_s32(c->in[2].data + 4 * (__u64)(oc + j));
		if (c->op.quant_count > 1)
			fw_op_rq(c, oc + j, rq);
		fw_st8(yp, fw_requant_out(fw_sat32(acc), rq));
	}
}

/*
 * The centred weight is value - zp, so a channel's centred dot product is
 * sum(patch * value) - zp * sum(patch): exact in int32 as the direct sum
 * (|patch|, |value|, |zp| <= 255 and at most CONV_PATCH_MAX terms).
 */
static int fw_conv2d_patch(struct fw_op_ctx *c)
{
	const struct enpu_op_conv *p = &c->op.params.conv;
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1], *y = &c->out;
	const __u32 N = x->dims[0], C = x->dims[1], O = w->dims[0];
	const __u32 OH = y->dims[2], OW = y->dims[3];
	const __u32 G = p->groups, CG = C / G, OG = O / G;
	const __u32 PS = CG * w->dims[2] * w->dims[3];
	const __u64 HW = (__u64)x->dims[2] * x->dims[3], OHW = (__u64)OH * OW;
	const int s8 = w->dtype == ENPU_DTYPE_S8;
	__s16 patch[CONV_PATCH_MAX];
	__s32 dot[CONV_OC_BLOCK];
	struct fw_rq_out rq;
	__u32 n, g, pix, oc, nb, i;
	__s32 psum;
	int err;

	fw_op_rq(c, 0, &rq);
	for (n = 0; n < N; n++) {
		for (g = 0; g < G; g++) {
			const __u8 *xg = x->data + ((__u64)n * C + (__u64)g * CG) * HW;

			for (pix = 0; pix < OHW; pix++) {
				const __u32 oh = pix / OW, ow = pix % OW;

				fw_conv_gather(c, xg,
					       (__s32)(oh * p->stride_h) - p->pad_top,
					       (__s32)(ow * p->stride_w) - p->pad_left,
					       patch);
				psum = 0;
				for (i = 0; i < PS; i++)
					psum += patch[i];
				err = fw_tick(c->ex, (__u64)PS * 3 + FW_COST_CALL);
				if (err)
					return err;
				for (oc = g * OG; oc < (g + 1) * OG; oc += nb) {
					nb = (g + 1) * OG - oc < CONV_OC_BLOCK ?
					     (g + 1) * OG - oc : CONV_OC_BLOCK;
					fw_patch_dot(patch, w->data + (__u64)oc * PS,
						     PS, nb, s8, dot);
					fw_patch_store(c, dot, psum, oc, nb,
						       y->data + ((__u64)n * O + oc) * OHW + pix,
						       OHW, &rq);
					/* OG * PS can reach 2^31: charge per block */
					err = fw_tick(c->ex, (__u64)nb * (PS + FW_COST_OUT));
					if (err)
						return err;
				}
			}
		}
	}
	return 0;
}

/* CONV2D: the patch kernel when the receptive field fits, else rows. */
int enpu_q8_conv2d_nchw__scalar(struct fw_op_ctx *c)
{
	const struct fw_tensor *w = &c->in[1];
	__u64 ps = (__u64)w->dims[1] * w->dims[2] * w->dims[3];

	return ps <= CONV_PATCH_MAX ? fw_conv2d_patch(c) : fw_conv2d_rows(c);
}

#define FC_BLOCK 32
/*
 * Rows of the weights between two ticks: each row is a strided access (one
 * cache line of wr, likely a miss for large N) plus nb multiply-accumulates.
 * Also the rows summed in int32: 4096 * 255 * 255 < 2^31.
 */
#define FC_K_MASK	0xfffULL
/* Output columns summed together in registers. */
#define FC_COLS		4

/*
 * d[j] = sum over k in [@k0, @k1) of the centred x[k] times the value of
 * the weight wr[k * @n + j], j < @nb <= FC_COLS, S8 (@s8) or U8 values, not
 * centred: the caller subtracts zero point * sum of x.
 */
static inline void fw_fc_dot(const __u8 *xr, const __u8 *wr, __u32 n,
			     __u32 k0, __u32 k1, __u8 xf, __s32 xz, __u32 nb,
			     int s8, __s32 *d)
{
	__s32 d0 = 0, d1 = 0, d2 = 0, d3 = 0;
	__u32 k, j;

	wr += (__u64)k0 * n;
	if (nb == FC_COLS && s8) {
		for (k = k0; k < k1; k++, wr += n) {
			const __s32 xv = (xr[k] ^ xf) - xz;

			d0 += xv * (__s8)wr[0];
			d1 += xv * (__s8)wr[1];
			d2 += xv * (__s8)wr[2];
			d3 += xv * (__s8)wr[3];
		}
	} else if (nb == FC_COLS) {
		for (k = k0; k < k1; k++, wr += n) {
			const __s32 xv = (xr[k] ^ xf) - xz;

			d0 += xv * wr[0];
			d1 += xv * wr[1];
			d2 += xv * wr[2];
			d3 += xv * wr[3];
		}
	} else {
		for (j = 0; j < nb; j++) {
			const __u8 *wc = wr + j;

			d0 = 0;
			for (k = k0; k < k1; k++, wc += n)
				d0 += ((xr[k] ^ xf) - xz) *
				      (s8 ? (__s8)*wc : *wc);
			d[j] = d0;
		}
		return;
	}
	d[0] = d0;
	d[1] = d1;
	d[2] = d2;
	d[3] = d3;
}

/*
 * Blocks of FC_BLOCK output columns; within one, FC_COLS columns at a time
 * sum a row of x in registers, FC_K_MASK + 1 rows of the weights at a time
 * in int32.  The centred weight is value - zp, so each column's sum is
 * sum(x * value) - zp * sum(x), exact in int64 like the direct sum.
 */
int enpu_q8_fully_connected__scalar(struct fw_op_ctx *c)
{
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1], *y = &c->out;
	const __u32 M = x->dims[0], K = x->dims[1], N = w->dims[1];
	const __u8 xf = x->flip;
	const __s32 xz = x->zpu;
	const int s8 = w->dtype == ENPU_DTYPE_S8;
	__s32 zp[FC_BLOCK], bias[FC_BLOCK], d[FC_COLS];
	__s64 acc[FC_BLOCK], xsum;
	struct fw_rq_out rq;
	__u32 n0, nb, m, k, k1, j, jn;
	int err;

	fw_op_rq(c, 0, &rq);
	for (n0 = 0; n0 < N; n0 += nb) {
		nb = N - n0 < FC_BLOCK ? N - n0 : FC_BLOCK;
		for (j = 0; j < nb; j++) {
			zp[j] = fw_weight_zpu(c, n0 + j) - w->bias;
			bias[j] = c->in[2].data ?
				  fw_ld_s32(c->in[2].data + 4 * (__u64)(n0 + j)) : 0;
		}
		for (m = 0; m < M; m++) {
			const __u8 *xr = x->data + (__u64)m * K;
			__u8 *yr = y->data + (__u64)m * N + n0;

			xsum = 0;
			for (k = 0; k < K; k++)
				xsum += (xr[k] ^ xf) - xz;
			for (j = 0; j < nb; j++)
				acc[j] = bias[j] - (__s64)zp[j] * xsum;
			for (k = 0; k < K; k = k1) {
				k1 = K - k <= FC_K_MASK ? K : k + FC_K_MASK + 1;
				for (j = 0; j < nb; j += FC_COLS) {
					jn = nb - j < FC_COLS ? nb - j : FC_COLS;
					fw_fc_dot(xr, w->data + n0 + j, N, k, k1,
						  xf, xz, jn, s8, d);
					acc[j] += d[0];
					if (jn > 1)
						acc[j + 1] += d[1];
					if (jn > 2)
						acc[j + 2] += d[2];
					if (jn > 3)
						acc[j + 3] += d[3];
				}
				err = fw_tick(c->ex, (__u64)(k1 - k) * (nb + 4));
				if (err)
					return err;
			}
			for (j = 0; j < nb; j++) {
				if (c->op.quant_count > 1)
					fw_op_rq(c, n0 + j, &rq);
				fw_st8(yr + j, fw_requant_out(fw_sat32(acc[j]), &rq));
			}
			err = fw_tick(c->ex, (__u64)K + (__u64)(nb + 1) * FW_COST_OUT);
			if (err)
				return err;
		}
	}
	return 0;
}
