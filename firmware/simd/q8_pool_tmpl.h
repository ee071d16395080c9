/* SPDX-License-Identifier: MIT */
/*
 * AVGPOOL, MAXPOOL and GLOBAL_AVGPOOL (q8_pool.c) for one ISA: included
 * once by q8_pool_<isa>.c after its vec_<isa>.h.
 *
 * The window pools walk the output rows in chunks (an even count of them,
 * fw_split(), fw_run_chunks()), each
 * row in blocks of FW_POOL_OB outputs: the window rows are first reduced
 * column by column into a row buffer (padding columns hold the value that
 * changes nothing: 0 in the unsigned domain for the max, nothing counted
 * for the sum), then along the row, then every stride-th result is kept.
 * Strides above FW_POOL_SMAX run the scalar kernel, as do average windows
 * whose sum could leave 16 bits.  The average divides with a multiply by
 * a rounded-up reciprocal, exact for every numerator the window can make;
 * outputs whose window the padding clips (count_include_pad 0) divide by
 * their own count in scalar code.  GLOBAL_AVGPOOL sums each plane with
 * vpsadbw and requantizes FW_VQ planes at a time.
 */
#include "q8_rq_tmpl.h"
#include "q8_eltpool.h"

#define FW_POOL_OB	256u	/* outputs per block */
#define FW_POOL_SMAX	4u	/* largest stride_w vectorized */
/* the row buffers: a block's columns plus a kernel and a vector of slack */
#define FW_POOL_T	((FW_POOL_OB - 1) * FW_POOL_SMAX + 2 * ENPU_ISA_MAX_KERNEL + 2 * FW_VB)

struct fw_pool {
	struct fw_op_ctx *c;
	__u32 H, W, OH, OW, rows_per_chunk;
	__u64 rows;		/* planes * OH */
	struct fw_rq_out rq;
	/* AVGPOOL, outputs with a full window row: */
	struct fw_vrq out;
	fw_vq zp, magic;
	__u32 div, dshift;
};

/* The output row's window rows [*khlo, *khhi) from input row *ih0. */
static inline void fw_pool_rows(const struct enpu_op_pool *p, __u32 H,
				__u32 oh, __s32 *ih0, __u32 *khlo,
				__u32 *khhi)
{
	__s32 s = (__s32)(oh * p->stride_h) - p->pad_top;
	__s32 l = s < 0 ? -s : 0, h = (__s32)H - s;

	if (h > (__s32)p->kernel_h)
		h = p->kernel_h;
	*ih0 = s;
	*khlo = (__u32)l;
	*khhi = (__u32)(h < l ? l : h);
}

/* Columns [j0, j0 + n) of the input, as the block's row buffer indices. */
static inline void fw_pool_cols(__s32 j0, __u32 n, __u32 W, __u32 *klo,
				__u32 *khi)
{
	__s32 l = j0 < 0 ? -j0 : 0, h = (__s32)W - j0;

	if (h > (__s32)n)
		h = (__s32)n;
	*klo = (__u32)l;
	*khi = (__u32)(h < l ? l : h);
}

/* --- MAXPOOL ----------------------------------------------------------- */

static void fw_maxpool_row(const struct fw_pool *P, __u64 r)
{
	const struct fw_op_ctx *c = P->c;
	const struct enpu_op_pool *p = &c->op.params.pool;
	const __u32 s = p->stride_w, kw = p->kernel_w, W = P->W;
	const __u8 xf = c->in[0].flip;
	const fw_vb f = vb_set1(xf);
	const fw_vb lo = vb_set1((__u8)(c->op.act_min + c->in[0].bias));
	const fw_vb hi = vb_set1((__u8)(c->op.act_max + c->in[0].bias));
	const __u64 pl = r / P->OH;
	const __u8 *xp = c->in[0].data + pl * P->H * W;
	__u8 *yp = c->out.data + r * P->OW;
	__u8 t[FW_POOL_T], u[FW_POOL_OB * FW_POOL_SMAX + FW_VB];
	__u32 ob, oe, n, un, k, kh, d, klo, khi, khlo, khhi;
	__s32 ih0, j0;

	fw_pool_rows(p, P->H, (__u32)(r % P->OH), &ih0, &khlo, &khhi);
	for (ob = 0; ob < P->OW; ob = oe) {
		oe = P->OW - ob > FW_POOL_OB ? ob + FW_POOL_OB : P->OW;
		j0 = (__s32)(ob * s) - p->pad_left;
		un = (oe - ob - 1) * s + 1;	/* row results needed */
		n = un + kw - 1;		/* columns they read */
		fw_pool_cols(j0, n, W, &klo, &khi);
		__builtin_memset(t, 0, klo);
		for (k = klo; k < khi; k += FW_VB) {
			__u32 m = khi - k < FW_VB ? khi - k : FW_VB;
			fw_vb v = vb_set1(0);

			for (kh = khlo; kh < khhi; kh++) {
				const __u8 *xr = xp + (__u64)(ih0 + (__s32)kh) * W +
						 (j0 + (__s32)k);

				v = vb_max(v, vb_xor(m == FW_VB ? vb_ld(xr) :
						     vb_ld_part(xr, m, xf), f));
			}
			vb_st(t + k, v);
		}
		/* what the row pass reads past the columns */
		d = (un + FW_VB - 1) / FW_VB * FW_VB + kw;
		if (d > khi)
			__builtin_memset(t + khi, 0, d - khi);
		for (k = 0; k < un; k += FW_VB) {
			fw_vb v = vb_ld(t + k);

			for (d = 1; d < kw; d++)
				v = vb_max(v, vb_ld(t + k + d));
			vb_st(u + k, vb_xor(vb_min(vb_max(v, lo), hi), f));
		}
		if (s == 2) {
			for (k = 0; k < oe - ob; k += FW_VB / 2)
				vb_even(yp + ob + k, u + 2 * k,
					oe - ob - k < FW_VB / 2 ? oe - ob - k : FW_VB / 2);
			continue;
		}
		if (s > 2) {
			for (k = 0; k < oe - ob; k++)
				yp[ob + k] = u[k * s];
			continue;
		}
		for (k = 0; k + FW_VB <= oe - ob; k += FW_VB)
			vb_st(yp + ob + k, vb_ld(u + k));
		if (k < oe - ob)
			vb_st_part(yp + ob + k, vb_ld(u + k), oe - ob - k);
	}
}

/* --- AVGPOOL ----------------------------------------------------------- */

/* s / d rounded half away from zero (q8_pool.c). */
static inline __s32 fw_pool_div(__s32 s, __u32 d)
{
	__u32 m = s < 0 ? (__u32)-s : (__u32)s;
	__u32 q = (2 * m + d) / (2 * d);

	return s < 0 ? -(__s32)q : (__s32)q;
}

/*
 * FW_VQ window sums (unsigned domain, at @sum) of windows of @cnt taps,
 * divided by P->div and requantized into @y.
 */
static __always_inline void fw_avg_vec(const struct fw_pool *P,
				       const __s32 *sum, __s32 cnt, __u8 *y)
{
	const fw_vq zero = vq_set1(0);
	fw_vq v = vq_sub(vq_ld32(sum), vq_set1((__s64)cnt * P->c->in[0].zpu));
	fw_vq sg = vq_sra(v, 63), m = vq_max(v, vq_sub(zero, v)), q;

	/* (2m + d) / 2d by the reciprocal, then the sign back */
	q = vq_add(vq_add(m, m), vq_set1(P->div));
	q = vq_srl(vq_mul32(q, P->magic), P->dshift);
	q = vq_sub(vq_xor(q, sg), sg);
	vq_st8(y, vq_add(fw_vrq(q, &P->out), P->zp));
}

static inline void fw_colsum(__u16 *__restrict t, const __u8 *__restrict x,
			     __u32 n, __u8 xf)
{
	__u32 k;

	for (k = 0; k < n; k++)
		t[k] = (__u16)(t[k] + (x[k] ^ xf));
}

static void fw_avgpool_row(const struct fw_pool *P, __u64 r)
{
	const struct fw_op_ctx *c = P->c;
	const struct enpu_op_pool *p = &c->op.params.pool;
	const __u32 s = p->stride_w, kw = p->kernel_w, W = P->W;
	const __u8 xf = c->in[0].flip;
	const __u64 pl = r / P->OH;
	const __u8 *xp = c->in[0].data + pl * P->H * W;
	__u8 *yp = c->out.data + r * P->OW;
	__u16 t[FW_POOL_T], w[FW_POOL_T];
	__s32 u[FW_POOL_OB + FW_VQ];
	__u32 ob, oe, n, un, k, kh, d, klo, khi, khlo, khhi, nr, lo, hi;
	__s32 ih0, j0, cnt;

	fw_pool_rows(p, P->H, (__u32)(r % P->OH), &ih0, &khlo, &khhi);
	nr = khhi - khlo;
	for (ob = 0; ob < P->OW; ob = oe) {
		oe = P->OW - ob > FW_POOL_OB ? ob + FW_POOL_OB : P->OW;
		j0 = (__s32)(ob * s) - p->pad_left;
		un = (oe - ob - 1) * s + 1;
		n = un + kw - 1;
		fw_pool_cols(j0, n, W, &klo, &khi);
		/* column sums; plain loops the compiler vectorizes */
		for (k = 0; k < n; k++)
			t[k] = 0;
		for (kh = khlo; kh < khhi; kh++)
			fw_colsum(t + klo, xp + (__u64)(ih0 + (__s32)kh) * W +
				  (j0 + (__s32)klo), khi - klo, xf);
		/* window sums at every column (<= 257 * 255), every s-th kept */
		for (k = 0; k < un; k++)
			w[k] = t[k];
		for (d = 1; d < kw; d++)
			for (k = 0; k < un; k++)
				w[k] += t[k + d];
		for (k = 0; k < oe - ob; k++)
			u[k] = w[k * s];
		/* the outputs whose window no column padding clips */
		lo = 0;
		while (lo < oe - ob && (j0 + (__s32)(lo * s) < 0))
			lo++;
		hi = oe - ob;
		while (hi > lo && j0 + (__s32)((hi - 1) * s + kw) > (__s32)W)
			hi--;
		cnt = (__s32)(nr * kw);
		if (!p->count_include_pad && nr != p->kernel_h)
			lo = hi = 0;	/* P->div is the full window's */
		for (k = 0; k < oe - ob; k++) {
			__s32 sum = u[k], dv;
			__u32 c0, c1;

			if (k >= lo && k + FW_VQ <= hi) {
				fw_avg_vec(P, u + k, cnt, yp + ob + k);
				k += FW_VQ - 1;
				continue;
			}
			fw_pool_cols(j0 + (__s32)(k * s), kw, W, &c0, &c1);
			dv = (__s32)(nr * (c1 - c0));
			sum -= dv * c->in[0].zpu;
			if (p->count_include_pad)
				dv = p->kernel_h * p->kernel_w;
			yp[ob + k] = (__u8)fw_requant_out(fw_pool_div(sum, (__u32)dv),
							  &P->rq);
		}
	}
}

/* --- the window pools' driver ------------------------------------------ */

static void fw_pool_chunk_max(void *arg, __u32 ci)
{
	const struct fw_pool *P = arg;
	__u64 r = (__u64)ci * P->rows_per_chunk, end = r + P->rows_per_chunk;

	for (end = end > P->rows ? P->rows : end; r < end; r++)
		fw_maxpool_row(P, r);
}

static void fw_pool_chunk_avg(void *arg, __u32 ci)
{
	const struct fw_pool *P = arg;
	__u64 r = (__u64)ci * P->rows_per_chunk, end = r + P->rows_per_chunk;

	for (end = end > P->rows ? P->rows : end; r < end; r++)
		fw_avgpool_row(P, r);
}

/* ceil(log2(d)) */
static inline __u32 fw_clog2(__u32 d)
{
	__u32 l = 0;

	while ((1u << l) < d)
		l++;
	return l;
}

static int fw_pool_run(struct fw_op_ctx *c, int avg)
{
	const struct enpu_op_pool *p = &c->op.params.pool;
	const __u32 cost = (__u32)p->kernel_h * p->kernel_w +
			   p->kernel_h * 2 + FW_COST_OUT;
	struct fw_pool P;
	__u64 per, n;

	P.c = c;
	P.H = c->in[0].dims[2];
	P.W = c->in[0].dims[3];
	P.OH = c->out.dims[2];
	P.OW = c->out.dims[3];
	P.rows = (__u64)c->in[0].dims[0] * c->in[0].dims[1] * P.OH;
	per = FW_TICK_MAX / ((__u64)P.OW * cost);
	/*
	 * An output row worth more than one tick (huge windows): the scalar
	 * kernel, which yields inside a row.  Not a shape models have.
	 */
	if (!per)
		return avg ? enpu_q8_avgpool_nchw__scalar(c) :
			     enpu_q8_maxpool_nchw__scalar(c);
	n = fw_split(P.rows, per > 4096 ? 4096 : per, 1, &per);
	P.rows_per_chunk = (__u32)per;
	if (avg) {
		/* a window sum stays in 16 bits; count_include_pad counts */
		__u32 D, L;

		if (p->stride_w > FW_POOL_SMAX ||
		    (__u32)p->kernel_h * p->kernel_w > 257 || n > 0xffffffffULL)
			return enpu_q8_avgpool_nchw__scalar(c);
		fw_op_rq(c, 0, &P.rq);
		fw_vrq_init(&P.out, P.rq.mult, P.rq.shift, P.rq.half_up,
			    (__s64)P.rq.lo - P.rq.zp, (__s64)P.rq.hi - P.rq.zp,
			    0, 31);
		P.zp = vq_set1(P.rq.zp);
		/*
		 * Numerators 2|s| + d < 2^22 (|s| <= 257 * 255); with
		 * D = 2d <= 2^L, M = ceil(2^(22+L) / D) < 2^23 gives
		 * floor(x * M / 2^(22+L)) = floor(x / D) for every x < 2^22.
		 */
		P.div = (__u32)p->kernel_h * p->kernel_w;
		D = 2 * P.div;
		L = fw_clog2(D);
		P.dshift = 22 + L;
		P.magic = vq_set1((__s64)((((__u64)1 << P.dshift) + D - 1) / D));
		return fw_run_chunks(c, fw_pool_chunk_avg, &P, (__u32)n,
				     P.rows * P.OW * cost);
	}
	if (p->stride_w > FW_POOL_SMAX || n > 0xffffffffULL)
		return enpu_q8_maxpool_nchw__scalar(c);
	return fw_run_chunks(c, fw_pool_chunk_max, &P, (__u32)n,
			     P.rows * P.OW * cost);
}

int FW_ISA(enpu_q8_avgpool_nchw)(struct fw_op_ctx *c)
{
	return fw_pool_run(c, 1);
}

int FW_ISA(enpu_q8_maxpool_nchw)(struct fw_op_ctx *c)
{
	return fw_pool_run(c, 0);
}

/* --- GLOBAL_AVGPOOL ---------------------------------------------------- */

/* Planes of one chunk, at most; the plane size the vector path takes. */
#define FW_GAP_PLANES	1024u
#define FW_GAP_MAX_HW	(1u << 20)

struct fw_gap {
	const struct fw_op_ctx *c;
	struct fw_vrq out;
	fw_vq zp;
	__u64 planes, bytes;
	__u32 HW, per;
};

/*
 * The sum of the plane's bytes in the unsigned domain; @safe: 16 bytes are
 * readable at @xp.
 */
static inline __s64 fw_plane_sum(const __u8 *xp, __u32 n, __u8 xf, int safe)
{
	const fw_vb f = vb_set1(xf);
	fw_vq acc = vq_set1(0);
	__u32 i;

	if (n <= 16)
		return vb_sum16(xp, n, xf, safe);
	for (i = 0; i + FW_VB <= n; i += FW_VB)
		acc = vq_add(acc, vb_sum8(vb_xor(vb_ld(xp + i), f)));
	return vq_hsum(acc) + (i < n ? vb_sum_tail(xp + i, n - i, xf) : 0);
}

static void fw_gap_chunk(void *arg, __u32 ci)
{
	const struct fw_gap *G = arg;
	const struct fw_tensor *x = &G->c->in[0];
	__u64 pl = (__u64)ci * G->per, end = pl + G->per, j;
	__s32 s[FW_VQ];
	__u8 y[FW_VQ];

	if (end > G->planes)
		end = G->planes;
	for (; pl < end; pl += FW_VQ) {
		__u32 m = end - pl < FW_VQ ? (__u32)(end - pl) : FW_VQ;

		for (j = 0; j < FW_VQ; j++) {
			const __u64 o = (pl + j) * G->HW;

			s[j] = j < m ? fw_sat32(fw_plane_sum(x->data + o, G->HW, x->flip,
							     o + 16 <= G->bytes) -
						(__s64)G->HW * x->zpu) : 0;
		}
		vq_st8(y, vq_add(fw_vrq(vq_ld32(s), &G->out), G->zp));
		__builtin_memcpy(G->c->out.data + pl, y, m);
	}
}

int FW_ISA(enpu_q8_global_avgpool_nchw)(struct fw_op_ctx *c)
{
	const struct fw_tensor *x = &c->in[0];
	const __u64 HW = (__u64)x->dims[2] * x->dims[3];
	struct fw_rq_out rq;
	struct fw_gap G;
	__u64 n, per;

	if (HW > FW_GAP_MAX_HW)
		return enpu_q8_global_avgpool_nchw__scalar(c);
	G.c = c;
	G.HW = (__u32)HW;
	G.planes = (__u64)x->dims[0] * x->dims[1];
	G.bytes = G.planes * HW;
	/* chunks of <= FW_TICK_MAX / 4 work, or one plane (<= 2^20 bytes) */
	G.per = (__u32)((FW_TICK_MAX / 4) / (HW + FW_COST_OUT));
	G.per = G.per < FW_VQ ? (G.per ? G.per : 1) :
		G.per > FW_GAP_PLANES ? FW_GAP_PLANES : G.per - G.per % FW_VQ;
	n = fw_split(G.planes, G.per, G.per % FW_VQ ? 1 : FW_VQ, &per);
	G.per = (__u32)per;
	fw_op_rq(c, 0, &rq);
	fw_vrq_init(&G.out, rq.mult, rq.shift, rq.half_up,
		    (__s64)rq.lo - rq.zp, (__s64)rq.hi - rq.zp, 0, 31);
	G.zp = vq_set1(rq.zp);
	return fw_run_chunks(c, fw_gap_chunk, &G, (__u32)n,
			     G.planes * (HW + FW_COST_OUT));
}
