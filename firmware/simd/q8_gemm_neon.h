/* SPDX-License-Identifier: MIT */
/*
 * CONV2D and FULLY_CONNECTED of the arm64 variants, as one exact integer
 * GEMM: out[o][j] = sum_k A[o][k] * B[j][k] with A the weights of output
 * channel o and B a column (the receptive field of an output pixel, or a
 * row of the FC input), K padded to the microkernel's step.
 *
 * Included by q8_conv_neon.c (FW_NDOT 0) and q8_conv_neondot.c (FW_NDOT 1):
 *
 *   neon     A and B hold centred int16 values ((raw ^ flip) - zpu, padding
 *            0); SMLAL / SMLAL2 multiply-accumulate them into int32.
 *   neondot  A and B hold the unsigned-domain bytes (raw ^ flip, padding the
 *            zero point so that it centres to 0); UDOT sums u8 x u8 products
 *            and the zero points come out afterwards:
 *            sum (a - za)(b - zb) = sum ab - zb sum a - za sum b + K za zb,
 *            in wrapping 32-bit arithmetic, exact because the result fits.
 *
 * A sum of K <= FW_NK_MAX products of centred values (|v| <= 255) is below
 * 32768 * 255 * 255 < 2^31, so it is exact in int32; adding the bias with
 * a saturating add is fw_sat32(sum + bias), and the requantization is the
 * 64-bit one of fw_requant_out() (see fw_nrq()).  Longer receptive fields
 * run the scalar kernel.  Both kernels work with and without the packed
 * weights of prepare() (c->state), packing into the scratch otherwise, and
 * split their columns or output channels over fw_parallel().
 */
#ifndef _ENPU_FW_Q8_GEMM_NEON_H_
#define _ENPU_FW_Q8_GEMM_NEON_H_

#include <arm_neon.h>
#include <errno.h>

#include "requant_neon.h"

#if FW_NDOT
typedef __u8 fw_nel;
#define FW_NSTEP	16
#define FW_NMAGIC	0x4e444f54u	/* "NDOT" */
#else
typedef __s16 fw_nel;
#define FW_NSTEP	8
#define FW_NMAGIC	0x4e454f4eu	/* "NEON" */
#endif
/* Largest padded K: 32768 * 255 * 255 < 2^31. */
#define FW_NK_MAX	32768u
/* Bytes of a column tile (conv): about half of a 64 KiB L1. */
#define FW_NTILE_BYTES	(16u << 10)
/* Most tasks handed to fw_parallel(). */
#define FW_NTASKS_MAX	64u

#define FW_NALIGN(v)	(((v) + 63) & ~(__u64)63)

/**
 * struct fw_nstate - packed weights (prepare(), or the scratch).
 * @magic: FW_NMAGIC.
 * @kp: padded K.
 * @nrows: rows of @a (output channels, each group's padded to 4).
 * @no: output channels.
 * @sw: per output channel, the sum of its row of @a (neondot).
 * @a: @nrows rows of @kp elements.
 */
struct fw_nstate {
	__u32 magic, kp, nrows, no;
	__s32 *sw;
	fw_nel *a;
};

static inline __u32 fw_nkp(__u64 k)
{
	return (__u32)((k + FW_NSTEP - 1) / FW_NSTEP * FW_NSTEP);
}

static inline __u64 fw_nstate_size(__u32 no, __u32 nrows, __u32 kp)
{
	return FW_NALIGN(sizeof(struct fw_nstate)) + FW_NALIGN(4ull * no) +
	       (__u64)nrows * kp * sizeof(fw_nel);
}

static inline void fw_nstate_init(struct fw_nstate *s, __u32 no, __u32 nrows,
				  __u32 kp)
{
	__u8 *p = (__u8 *)s;

	s->magic = FW_NMAGIC;
	s->kp = kp;
	s->nrows = nrows;
	s->no = no;
	s->sw = (__s32 *)(p + FW_NALIGN(sizeof(*s)));
	s->a = (fw_nel *)(p + FW_NALIGN(sizeof(*s)) + FW_NALIGN(4ull * no));
}

/* The packed value of a stored byte and the padding value (centred 0). */
static inline fw_nel fw_nval(__u8 raw, __u8 flip, __s32 zpu)
{
#if FW_NDOT
	(void)zpu;
	return (fw_nel)(raw ^ flip);
#else
	return (fw_nel)((raw ^ flip) - zpu);
#endif
}

static inline fw_nel fw_npad(__s32 zpu)
{
#if FW_NDOT
	return (fw_nel)zpu;
#else
	(void)zpu;
	return 0;
#endif
}

/* Weight zero point (unsigned domain) of output channel @oc. */
static inline __s32 fw_nwz(const struct fw_op_ctx *c, __u32 oc)
{
	__u32 flags = c->op.opcode == ENPU_OP_CONV2D ?
		      c->op.params.conv.flags : c->op.params.fc.flags;
	struct enpu_quant q;

	if (!(flags & ENPU_QUANT_PER_CHANNEL_ZP))
		return c->in[1].zpu;
	fw_read_quant(c->ex->cb, &c->ex->hdr, c->op.quant_index + oc, &q);
	return q.zero_point + c->in[1].bias;
}

/*
 * Row o of A from @n weights @w spaced @stride apart (the row is padded
 * with zeros, whose products vanish: the padding of B centres to 0).
 */
static inline void fw_npack_row(fw_nel *a, __s32 *sw, __u32 kp,
				const __u8 *w, __u64 stride, __u32 n,
				__u8 flip, __s32 zpu)
{
	__s32 s = 0;
	__u32 k;

	for (k = 0; k < n; k++, w += stride) {
		a[k] = fw_nval(*w, flip, zpu);
		s += a[k];
	}
	for (; k < kp; k++)
		a[k] = 0;
	*sw = s;
}

/*
 * Pack the weights: conv [O, CG, KH, KW] rows as they are, each group's
 * rows padded to a multiple of 4; FC [K, N] transposed, rows padded to 4.
 */
static void fw_npack(const struct fw_op_ctx *c, struct fw_nstate *s)
{
	const struct fw_tensor *w = &c->in[1];
	__u32 o, i, g, G, OG, OG4, K;

	if (c->op.opcode == ENPU_OP_CONV2D) {
		G = c->op.params.conv.groups;
		K = w->dims[1] * w->dims[2] * w->dims[3];
	} else {
		G = 1;
		K = w->dims[0];
	}
	OG = s->no / G;
	OG4 = (OG + 3) & ~3u;
	for (g = 0; g < G; g++) {
		for (i = 0; i < OG4; i++) {
			fw_nel *a = s->a + (__u64)(g * OG4 + i) * s->kp;
			__s32 dummy;

			o = g * OG + i;
			if (i >= OG)
				fw_npack_row(a, &dummy, s->kp, NULL, 0, 0, 0, 0);
			else if (c->op.opcode == ENPU_OP_CONV2D)
				fw_npack_row(a, &s->sw[o], s->kp,
					     w->data + (__u64)o * K, 1, K,
					     w->flip, fw_nwz(c, o));
			else
				fw_npack_row(a, &s->sw[o], s->kp, w->data + o,
					     s->no, K, w->flip, fw_nwz(c, o));
		}
	}
}

/* Shape of the packing of op @c: K, padded K, rows of A. */
static void fw_nshape(const struct fw_op_ctx *c, __u32 *no, __u32 *nrows,
		      __u64 *k)
{
	const struct fw_tensor *w = &c->in[1];
	__u32 G = 1, OG;

	if (c->op.opcode == ENPU_OP_CONV2D) {
		G = c->op.params.conv.groups;
		*no = w->dims[0];
		*k = (__u64)w->dims[1] * w->dims[2] * w->dims[3];
	} else {
		*no = w->dims[1];
		*k = w->dims[0];
	}
	OG = *no / G;
	*nrows = G * ((OG + 3) & ~3u);
}

/*
 * Depthwise (one input channel per output channel, KH * KW <= FW_NDW_TAPS):
 * per output row, each tap's centred weight times 8 output columns at once
 * (SMLAL by scalar into int32: at most 64 * 255 * 255 per sum), the
 * columns whose window reaches past the row's edges one by one.
 */
#define FW_NDW_TAPS	64

static inline int fw_ndw_fits(const struct fw_op_ctx *c)
{
	const struct fw_tensor *w = &c->in[1];

	return c->op.opcode == ENPU_OP_CONV2D && w->dims[1] == 1 &&
	       w->dims[2] * w->dims[3] <= FW_NDW_TAPS;
}

/*
 * prepare(): the packed weights, or NULL where the kernel runs scalar or
 * the depthwise kernel, which needs none.
 */
static inline void *fw_nprepare(struct fw_op_ctx *c,
				void *(*alloc)(void *actx, __u64 size),
				void *actx, int *err)
{
	struct fw_nstate *s;
	__u32 no, nrows;
	__u64 k;

	fw_nshape(c, &no, &nrows, &k);
	if (fw_nkp(k) > FW_NK_MAX || fw_ndw_fits(c))
		return NULL;
	s = alloc(actx, fw_nstate_size(no, nrows, fw_nkp(k)));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	fw_nstate_init(s, no, nrows, fw_nkp(k));
	fw_npack(c, s);
	return s;
}

/* Channel @o's entry of the row table; @rq its requantization. */
static void fw_nrow_init(const struct fw_op_ctx *c, const struct fw_nstate *s,
			 __u32 o, const struct fw_rq_out *rq,
			 struct fw_nrow *r)
{
	fw_nrq_set(r, rq->mult, rq->shift, rq->half_up);
	r->bias = c->in[2].data ? fw_ld_s32(c->in[2].data + 4 * (__u64)o) : 0;
	r->wz = fw_nwz(c, o);
#if FW_NDOT
	r->cw = s ? (__s32)((__u32)c->in[0].zpu *
			    ((__u32)s->kp * (__u32)r->wz - (__u32)s->sw[o])) : 0;
#else
	(void)s;
	r->cw = 0;
#endif
}

/* The row table: requantization, bias and zero-point terms per channel. */
static void fw_nrows(const struct fw_op_ctx *c, const struct fw_nstate *s,
		     struct fw_nrow *rows)
{
	struct fw_rq_out rq;
	__u32 o;

	fw_op_rq(c, 0, &rq);
	for (o = 0; o < s->no; o++) {
		if (c->op.quant_count > 1)
			fw_op_rq(c, o, &rq);
		fw_nrow_init(c, s, o, &rq, &rows[o]);
	}
}

/*
 * Finish @nj lanes of channel @r: zero-point correction (neondot, with
 * the column sums @sx; none when NULL), bias, requantization; store lane j at y[j * ls].
 */
static inline void fw_nstore(const struct fw_nrow *r, int32x4_t s,
			     const __u32 *sx, const struct fw_nout *q,
			     __u8 *y, __u64 ls, __u32 nj)
{
	uint8x8_t b;
	__u8 t[8];
	__u32 j;

#if FW_NDOT
	if (sx)
		s = vreinterpretq_s32_u32(
			vmlsq_u32(vaddq_u32(vreinterpretq_u32_s32(s),
					    vdupq_n_u32((__u32)r->cw)),
				  vdupq_n_u32((__u32)r->wz), vld1q_u32(sx)));
#else
	(void)sx;
#endif
	s = vqaddq_s32(s, vdupq_n_s32(r->bias));
	s = fw_nrq(s, r, q->zp, q->lo, q->hi);
	b = vreinterpret_u8_s8(vmovn_s16(vcombine_s16(vmovn_s32(s),
						      vdup_n_s16(0))));
	if (ls == 1 && nj == 4) {
		vst1_lane_u8(y, b, 0);
		vst1_lane_u8(y + 1, b, 1);
		vst1_lane_u8(y + 2, b, 2);
		vst1_lane_u8(y + 3, b, 3);
		return;
	}
	vst1_u8(t, b);
	for (j = 0; j < nj; j++)
		y[j * ls] = t[j];
}

/*
 * The microkernel: out[i] lane j = sum_k a[i * kp + k] * b[j * kp + k] for
 * 4 rows of A and @nj (constant after inlining) rows of B; lanes past @nj
 * are 0.
 */
static inline __attribute__((always_inline)) void
fw_nmk(const fw_nel *a, const fw_nel *b, __u32 kp, const __u32 nj,
       int32x4_t out[4])
{
	__u32 i, j, k;
#if FW_NDOT
	uint32x4_t acc[4][4];

	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++)
			acc[i][j] = vdupq_n_u32(0);
	for (k = 0; k < kp; k += 16) {
		uint8x16_t av[4];

		for (i = 0; i < 4; i++)
			av[i] = vld1q_u8(a + i * kp + k);
		for (j = 0; j < nj; j++) {
			uint8x16_t bv = vld1q_u8(b + j * kp + k);

			for (i = 0; i < 4; i++)
				acc[i][j] = vdotq_u32(acc[i][j], av[i], bv);
		}
	}
	for (i = 0; i < 4; i++)
		out[i] = vreinterpretq_s32_u32(
			vpaddq_u32(vpaddq_u32(acc[i][0], acc[i][1]),
				   vpaddq_u32(acc[i][2], acc[i][3])));
#else
	int32x4_t acc[4][4];

	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++)
			acc[i][j] = vdupq_n_s32(0);
	for (k = 0; k < kp; k += 8) {
		int16x8_t av[4];

		for (i = 0; i < 4; i++)
			av[i] = vld1q_s16(a + i * kp + k);
		for (j = 0; j < nj; j++) {
			int16x8_t bv = vld1q_s16(b + j * kp + k);

			for (i = 0; i < 4; i++) {
				acc[i][j] = vmlal_s16(acc[i][j],
						      vget_low_s16(av[i]),
						      vget_low_s16(bv));
				acc[i][j] = vmlal_high_s16(acc[i][j], av[i], bv);
			}
		}
	}
	for (i = 0; i < 4; i++)
		out[i] = vpaddq_s32(vpaddq_s32(acc[i][0], acc[i][1]),
				    vpaddq_s32(acc[i][2], acc[i][3]));
#endif
}

static void fw_nmk_any(const fw_nel *a, const fw_nel *b, __u32 kp, __u32 nj,
		       int32x4_t out[4])
{
	switch (nj) {
	case 1:
		fw_nmk(a, b, kp, 1, out);
		break;
	case 2:
		fw_nmk(a, b, kp, 2, out);
		break;
	case 3:
		fw_nmk(a, b, kp, 3, out);
		break;
	default:
		fw_nmk(a, b, kp, 4, out);
		break;
	}
}

/*
 * Rows [r0, r0 + nr) of A (a multiple of 4, @nvalid of them real output
 * channels starting at @o0) times @ncols columns of B: channel o's lane j
 * is stored at y0 + o * rs + j * ls.
 */
static void fw_nblock(const struct fw_nstate *s, const struct fw_nrow *rows,
		      const struct fw_nout *q, __u32 r0, __u32 nr, __u32 o0,
		      __u32 nvalid, const fw_nel *b, const __u32 *sx,
		      __u32 ncols, __u8 *y0, __u64 rs, __u64 ls)
{
	int32x4_t out[4];
	__u32 ib, i, jb, nj;

	for (ib = 0; ib < nr; ib += 4) {
		const fw_nel *a = s->a + (__u64)(r0 + ib) * s->kp;

		for (jb = 0; jb < ncols; jb += 4) {
			nj = ncols - jb < 4 ? ncols - jb : 4;
			fw_nmk_any(a, b + (__u64)jb * s->kp, s->kp, nj, out);
			for (i = 0; i < 4 && ib + i < nvalid; i++) {
				const __u32 o = o0 + ib + i;

				fw_nstore(&rows[o], out[i], sx + jb, q,
					  y0 + o * rs + jb * ls, ls, nj);
			}
		}
	}
}

/* What the tasks share. */
struct fw_njob {
	struct fw_op_ctx *c;
	const struct fw_nstate *s;
	const struct fw_nrow *rows;
	struct fw_nout q;
	__u8 *bufs;		/* conv: per task, a column tile and its sums */
	__u64 buf_size;
	const fw_nel *b;	/* FC: the packed input rows */
	const __u32 *sx;	/* FC: their sums */
	__u32 ntasks, nunits, tile, ntiles, serial;
	int err;
};

/* Charge @work when the tasks run in order here (else nobody may). */
static inline int fw_njob_tick(struct fw_njob *j, __u64 work)
{
	int err;

	if (!j->serial || j->err)
		return j->err;
	err = fw_tick(j->c->ex, work);
	if (err)
		j->err = err;
	return err;
}

/*
 * Gather column @pix (output pixel) of the (n, g) plane at @xg: the
 * receptive field in the weights' order (ci, kh, kw), padding centred to 0.
 */
static void fw_ngather(const struct fw_op_ctx *c, const __u8 *xg, __u32 pix,
		       __u32 kp, fw_nel *col, __u32 *sum)
{
	const struct enpu_op_conv *p = &c->op.params.conv;
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1];
	const __u32 H = x->dims[2], W = x->dims[3], KH = w->dims[2];
	const __u32 KW = w->dims[3], CG = w->dims[1], OW = c->out.dims[3];
	const __s32 ih0 = (__s32)((pix / OW) * p->stride_h) - p->pad_top;
	const __s32 iw0 = (__s32)((pix % OW) * p->stride_w) - p->pad_left;
	const __u64 HW = (__u64)H * W;
	const fw_nel pad = fw_npad(x->zpu);
	fw_nel *pp = col;
	__u32 ci, kh, kw, s = 0, k;

	if (KH == 1 && KW == 1 && ih0 >= 0 && ih0 < (__s32)H && iw0 >= 0 &&
	    iw0 < (__s32)W) {
		/* pointwise: one input per channel */
		const __u8 *xi = xg + (__u64)ih0 * W + iw0;

		for (ci = 0; ci < CG; ci++, xi += HW)
			*pp++ = fw_nval(*xi, x->flip, x->zpu);
	} else {
		const __s32 dw = (__s32)p->dilation_w;
		__u32 kwlo = 0, kwhi = 0;

		/* taps kw in [kwlo, kwhi) fall inside [0, W) */
		while (kwlo < KW && iw0 + (__s32)kwlo * dw < 0)
			kwlo++;
		for (kwhi = kwlo; kwhi < KW && iw0 + (__s32)kwhi * dw < (__s32)W; )
			kwhi++;
		for (ci = 0; ci < CG; ci++) {
			for (kh = 0; kh < KH; kh++) {
				const __s32 ih = ih0 + (__s32)(kh * p->dilation_h);
				const __u8 *xr;

				if (ih < 0 || ih >= (__s32)H) {
					for (kw = 0; kw < KW; kw++)
						*pp++ = pad;
					continue;
				}
				xr = xg + ci * HW + (__u64)ih * W + iw0;
				for (kw = 0; kw < kwlo; kw++)
					*pp++ = pad;
				for (; kw < kwhi; kw++)
					*pp++ = fw_nval(xr[(__s32)kw * dw], x->flip, x->zpu);
				for (; kw < KW; kw++)
					*pp++ = pad;
			}
		}
	}
	for (k = (__u32)(pp - col); k < kp; k++)
		*pp++ = pad;
#if FW_NDOT
	for (k = 0; k < kp; k++)
		s += col[k];
#endif
	*sum = s;
}

/* Conv task @t: its range of column tiles over every (n, g) plane. */
static void fw_nconv_task(void *arg, __u32 t)
{
	struct fw_njob *j = arg;
	const struct fw_op_ctx *c = j->c;
	const struct fw_tensor *x = &c->in[0], *y = &c->out;
	const __u32 G = c->op.params.conv.groups, C = x->dims[1];
	const __u32 O = j->s->no, OG = O / G, OG4 = (OG + 3) & ~3u;
	const __u32 CG = C / G, OHW = y->dims[2] * y->dims[3];
	const __u64 HW = (__u64)x->dims[2] * x->dims[3];
	const __u32 kp = j->s->kp;
	fw_nel *b = (fw_nel *)(j->bufs + t * j->buf_size);
	__u32 *sx = (__u32 *)((__u8 *)b + FW_NALIGN((__u64)j->tile * kp *
						    sizeof(fw_nel)));
	__u32 u, u0 = (__u32)((__u64)t * j->nunits / j->ntasks);
	__u32 u1 = (__u32)((__u64)(t + 1) * j->nunits / j->ntasks);

	for (u = u0; u < u1; u++) {
		const __u32 plane = u / j->ntiles, g = plane % G, n = plane / G;
		const __u32 pix0 = (u % j->ntiles) * j->tile;
		const __u32 np = OHW - pix0 < j->tile ? OHW - pix0 : j->tile;
		const __u8 *xg = x->data + ((__u64)n * C + (__u64)g * CG) * HW;
		__u32 i;

		if (j->err)
			return;
		for (i = 0; i < np; i++)
			fw_ngather(c, xg, pix0 + i, kp, b + (__u64)i * kp, &sx[i]);
		for (; i < ((np + 3) & ~3u); i++)
			sx[i] = 0;
		fw_nblock(j->s, j->rows, &j->q, g * OG4, OG4, g * OG, OG, b, sx,
			  np, y->data + (__u64)n * O * OHW + pix0, OHW, 1);
		if (fw_njob_tick(j, (__u64)np * kp * (OG4 + 1) +
				    (__u64)np * OG * FW_COST_OUT))
			return;
	}
}

/* FC task @t: its range of blocks of 4 output channels, every input row. */
static void fw_nfc_task(void *arg, __u32 t)
{
	struct fw_njob *j = arg;
	const struct fw_op_ctx *c = j->c;
	const __u32 M = c->in[0].dims[0], N = j->s->no;
	__u32 u, u0 = (__u32)((__u64)t * j->nunits / j->ntasks);
	__u32 u1 = (__u32)((__u64)(t + 1) * j->nunits / j->ntasks);
	__u32 m0, nm;

	for (u = u0; u < u1; u++) {
		const __u32 o0 = u * 4, nv = N - o0 < 4 ? N - o0 : 4;

		if (j->err)
			return;
		for (m0 = 0; m0 < M; m0 += nm) {
			nm = M - m0 < 64 ? M - m0 : 64;
			fw_nblock(j->s, j->rows, &j->q, o0, 4, o0, nv,
				  j->b + (__u64)m0 * j->s->kp, j->sx + m0, nm,
				  c->out.data + (__u64)m0 * N, 1, N);
			if (fw_njob_tick(j, (__u64)nm * 4 * j->s->kp +
					    (__u64)nm * nv * FW_COST_OUT))
				return;
		}
	}
}

/* Output columns [*lo, *hi) whose whole window row lies inside [0, W). */
static inline void fw_ndw_cols(const struct enpu_op_conv *p, __u32 W,
			       __u32 KW, __u32 OW, __u32 *lo, __u32 *hi)
{
	const __s32 span = (__s32)((KW - 1) * p->dilation_w);
	const __s32 sw = (__s32)p->stride_w, pl = (__s32)p->pad_left;
	__s32 l = (pl + sw - 1) / sw, h;

	/* ow * sw - pl + span <= W - 1 */
	h = (__s32)W - 1 + pl - span < 0 ? 0 :
	    ((__s32)W - 1 + pl - span) / sw + 1;
	if (h > (__s32)OW)
		h = (__s32)OW;
	if (l > h)
		l = h;
	*lo = (__u32)l;
	*hi = (__u32)h;
}

/*
 * 8 input bytes at @p spaced @sw apart, centred, as int16; @wide: p[15]
 * may be read too (stride 2 then loads 16 bytes and keeps the even ones).
 */
static inline int16x8_t fw_ndw_load(const __u8 *p, __u32 sw, int wide,
				    uint8x8_t flip, int16x8_t xz)
{
	uint8x8_t v;

	if (sw == 1) {
		v = vld1_u8(p);
	} else if (sw == 2 && wide) {
		v = vld2_u8(p).val[0];
	} else {
		__u8 t[8];
		__u32 i;

		for (i = 0; i < 8; i++)
			t[i] = p[i * sw];
		v = vld1_u8(t);
	}
	return vsubq_s16(vreinterpretq_s16_u16(vmovl_u8(veor_u8(v, flip))), xz);
}

/* One (n, oc) plane. */
static void fw_ndw_plane(const struct fw_op_ctx *c, __u32 n, __u32 oc)
{
	const struct enpu_op_conv *p = &c->op.params.conv;
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1], *y = &c->out;
	const __u32 C = x->dims[1], H = x->dims[2], W = x->dims[3];
	const __u32 O = w->dims[0], KH = w->dims[2], KW = w->dims[3];
	const __u32 OH = y->dims[2], OW = y->dims[3], OG = O / p->groups;
	const __u32 sw = p->stride_w, dw = p->dilation_w;
	const __u8 *xp = x->data + ((__u64)n * C + oc / OG) * H * W;
	const __u8 *wk = w->data + (__u64)oc * KH * KW;
	__u8 *yp = y->data + ((__u64)n * O + oc) * OH * OW;
	const uint8x8_t flip = vdup_n_u8(x->flip);
	const int16x8_t xz = vdupq_n_s16((__s16)x->zpu);
	struct fw_nout q;
	struct fw_rq_out rq;
	struct fw_nrow r;
	__s16 wv[FW_NDW_TAPS];
	__u32 oh, ow, kh, kw, khlo, khhi, clo, chi, t;

	fw_op_rq(c, c->op.quant_count > 1 ? oc : 0, &rq);
	fw_nrow_init(c, NULL, oc, &rq, &r);
	for (t = 0; t < KH * KW; t++)
		wv[t] = (__s16)((wk[t] ^ w->flip) - r.wz);
	q.zp = vdupq_n_s32(rq.zp);
	q.lo = vdupq_n_s32(rq.lo);
	q.hi = vdupq_n_s32(rq.hi);
	fw_ndw_cols(p, W, KW, OW, &clo, &chi);
	for (oh = 0; oh < OH; oh++, yp += OW) {
		const __s32 ih0 = (__s32)(oh * p->stride_h) - p->pad_top;

		/* rows kh in [khlo, khhi) fall inside [0, H) */
		for (khlo = 0; khlo < KH &&
		     ih0 + (__s32)(khlo * p->dilation_h) < 0; khlo++)
			;
		for (khhi = khlo; khhi < KH &&
		     ih0 + (__s32)(khhi * p->dilation_h) < (__s32)H; khhi++)
			;
		for (ow = 0; ow < OW; ) {
			if (ow >= clo && ow + 8 <= chi) {
				const int wide = (__s32)((ow + 7) * sw) - p->pad_left +
						 (__s32)((KW - 1) * dw) + 1 < (__s32)W;
				int32x4_t a0 = vdupq_n_s32(0), a1 = a0;

				for (kh = khlo; kh < khhi; kh++) {
					const __u8 *xr = xp + (__u64)(ih0 + (__s32)(kh * p->dilation_h)) * W +
						ow * sw - p->pad_left;

					for (kw = 0; kw < KW; kw++) {
						const int16x8_t v = fw_ndw_load(xr + kw * dw, sw, wide, flip, xz);
						const __s16 wt = wv[kh * KW + kw];

						a0 = vmlal_n_s16(a0, vget_low_s16(v), wt);
						a1 = vmlal_high_n_s16(a1, v, wt);
					}
				}
				fw_nstore(&r, a0, NULL, &q, yp + ow, 1, 4);
				fw_nstore(&r, a1, NULL, &q, yp + ow + 4, 1, 4);
				ow += 8;
				continue;
			}
			{
				const __s32 iw0 = (__s32)(ow * sw) - p->pad_left;
				__s32 acc = 0;

				for (kh = khlo; kh < khhi; kh++) {
					const __u8 *xr = xp + (__u64)(ih0 + (__s32)(kh * p->dilation_h)) * W;

					for (kw = 0; kw < KW; kw++) {
						const __s32 iw = iw0 + (__s32)(kw * dw);

						if (iw >= 0 && iw < (__s32)W)
							acc += ((xr[iw] ^ x->flip) - x->zpu) *
							       wv[kh * KW + kw];
					}
				}
				fw_st8(yp + ow, fw_requant_out(fw_sat32((__s64)acc + r.bias), &rq));
				ow++;
			}
		}
	}
}

/* Depthwise task @t: its range of (n, oc) planes. */
static void fw_ndw_task(void *arg, __u32 t)
{
	struct fw_njob *j = arg;
	const struct fw_op_ctx *c = j->c;
	const __u32 O = c->in[1].dims[0];
	const __u64 work = (__u64)c->out.dims[2] * c->out.dims[3] *
			   (c->in[1].dims[2] * c->in[1].dims[3] + FW_COST_OUT);
	__u32 u, u0 = (__u32)((__u64)t * j->nunits / j->ntasks);
	__u32 u1 = (__u32)((__u64)(t + 1) * j->nunits / j->ntasks);

	for (u = u0; u < u1; u++) {
		if (j->err)
			return;
		fw_ndw_plane(c, u / O, u % O);
		if (fw_njob_tick(j, work))
			return;
	}
}

static int fw_ndw_run(struct fw_op_ctx *c)
{
	const struct enpu_fw_hooks *h = c->ex->hooks;
	struct fw_njob j = { .c = c };

	j.nunits = c->in[0].dims[0] * c->in[1].dims[0];
	j.ntasks = j.nunits < FW_NTASKS_MAX ? j.nunits : FW_NTASKS_MAX;
	j.serial = !h || !h->parallel;
	fw_parallel(c, fw_ndw_task, &j, j.ntasks);
	if (!j.serial)
		return fw_tick(c->ex, (__u64)c->out.count *
				      c->in[1].dims[2] * c->in[1].dims[3]);
	return j.err;
}

/*
 * Run op @c: the packed weights from c->state or packed into @scratch,
 * then the tasks.  Returns 1 when the shape or the scratch does not suit
 * (the caller runs the scalar kernel), else 0 or the yield hook's error.
 */
static int fw_nrun(struct fw_op_ctx *c)
{
	const struct enpu_fw_hooks *h = c->ex->hooks;
	const struct fw_nstate *s = c->state;
	struct fw_njob j = { .c = c };
	struct fw_nstate *ps = NULL;
	__u32 no, nrows, kp, m = 0;
	__u64 k, need, rows_sz, state_sz = 0, bsz = 0, per, left;
	__u8 *scr;

	if (fw_ndw_fits(c))
		return fw_ndw_run(c);
	fw_nshape(c, &no, &nrows, &k);
	kp = fw_nkp(k);
	if (kp > FW_NK_MAX || !h || !h->scratch)
		return 1;
	if (s && (s->magic != FW_NMAGIC || s->kp != kp || s->no != no ||
		  s->nrows != nrows))
		s = NULL;
	rows_sz = FW_NALIGN((__u64)no * sizeof(struct fw_nrow));
	if (!s)
		state_sz = FW_NALIGN(fw_nstate_size(no, nrows, kp));
	need = rows_sz + state_sz;
	if (c->op.opcode == ENPU_OP_FULLY_CONNECTED) {
		m = c->in[0].dims[0];
		bsz = FW_NALIGN((__u64)m * kp * sizeof(fw_nel)) +
		      FW_NALIGN(4ull * ((m + 3) & ~3u));
		need += bsz;
	} else {
		const __u32 OHW = c->out.dims[2] * c->out.dims[3];

		j.tile = (__u32)(FW_NTILE_BYTES / ((__u64)kp * sizeof(fw_nel)));
		j.tile = j.tile < 4 ? 4 : j.tile > 64 ? 64 : j.tile & ~3u;
		j.ntiles = (OHW + j.tile - 1) / j.tile;
		j.nunits = j.ntiles * c->in[0].dims[0] * c->op.params.conv.groups;
		j.buf_size = FW_NALIGN((__u64)j.tile * kp * sizeof(fw_nel)) +
			     FW_NALIGN(4ull * j.tile);
		need += j.buf_size;
	}
	scr = fw_scratch(c, need);
	if (!scr)
		return 1;
	if (!s) {
		ps = (struct fw_nstate *)(scr + rows_sz);
		fw_nstate_init(ps, no, nrows, kp);
		fw_npack(c, ps);
		s = ps;
	}
	j.s = s;
	j.rows = (const struct fw_nrow *)scr;
	fw_nrows(c, s, (struct fw_nrow *)scr);
	j.q.zp = vdupq_n_s32(c->out.zp);
	j.q.lo = vdupq_n_s32(c->op.act_min);
	j.q.hi = vdupq_n_s32(c->op.act_max);
	j.serial = !h->parallel;
	if (c->op.opcode == ENPU_OP_FULLY_CONNECTED) {
		const struct fw_tensor *x = &c->in[0];
		fw_nel *b = (fw_nel *)(scr + rows_sz + state_sz);
		__u32 *sx = (__u32 *)((__u8 *)b +
				      FW_NALIGN((__u64)m * kp * sizeof(fw_nel)));
		__u32 i, kk, sum;

		for (i = 0; i < m; i++) {
			fw_nel *br = b + (__u64)i * kp;
			const __u8 *xr = x->data + (__u64)i * k;

			for (kk = 0, sum = 0; kk < k; kk++) {
				br[kk] = fw_nval(xr[kk], x->flip, x->zpu);
				sum += (__u32)br[kk];
			}
			for (; kk < kp; kk++) {
				br[kk] = fw_npad(x->zpu);
				sum += (__u32)br[kk];
			}
			sx[i] = sum;
		}
		for (; i < ((m + 3) & ~3u); i++)
			sx[i] = 0;
		j.b = b;
		j.sx = sx;
		j.nunits = (no + 3) / 4;
		j.ntasks = j.nunits < FW_NTASKS_MAX ? j.nunits : FW_NTASKS_MAX;
		fw_parallel(c, fw_nfc_task, &j, j.ntasks);
	} else {
		/* as many column tiles as the scratch holds, one per task */
		j.bufs = scr + rows_sz + state_sz;
		left = h->scratch_size - (rows_sz + state_sz);
		per = left / j.buf_size;
		j.ntasks = j.nunits;
		if (j.ntasks > per)
			j.ntasks = (__u32)per;
		if (j.ntasks > FW_NTASKS_MAX)
			j.ntasks = FW_NTASKS_MAX;
		fw_parallel(c, fw_nconv_task, &j, j.ntasks);
	}
	if (!j.serial)
		return fw_tick(c->ex, (__u64)no * k);
	return j.err;
}

#endif /* _ENPU_FW_Q8_GEMM_NEON_H_ */
