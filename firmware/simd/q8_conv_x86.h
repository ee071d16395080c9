/* SPDX-License-Identifier: MIT */
/*
 * CONV2D and FULLY_CONNECTED for x86-64, one template for every ISA: the
 * including file defines FW_ISA (its name), FW_VW (int32 lanes of a vector:
 * 16 for AVX-512, 8 for AVX2) and FW_VNNI (1 when vpdpbusd / vpdpwssd exist).
 *
 * Bit-identical to enpu_q8_conv2d_nchw__scalar() and
 * enpu_q8_fully_connected__scalar().  Convolution is a GEMM over
 * K = C/groups * KH * KW per group: C[oc][pix] = sum_k W'[oc][k] X'[k][pix].
 * The input patches of a tile of PT output pixels are packed ("im2col") into
 * a panel interleaved for the dot instruction, in one of two modes:
 *
 * - u8 (VNNI, when every centred weight w' = (w ^ flip) - wzp fits s8): X as
 *   unsigned bytes (raw ^ flip), padding = the input zero point, grouped
 *   [k/4][pix][4]; vpdpbusd sums 4 products into an int32 lane, and
 *   zpu_x * sum_k w'[oc][k] is subtracted afterwards.
 * - s16 (everywhere else): centred x and w' as int16 pairs [k/2][pix][2],
 *   vpmaddwd / vpdpwssd; |products| <= 65025, pairs are exact in int32.
 *
 * A u8-mode conv with one group, stride 1 and several taps runs tap-major
 * (fw_tm_ok()): K groups are (tap, 4 channels), the padded input is
 * interleaved by 4 channels once per image, and each panel row is a
 * contiguous copy of it; the order of the exact int32 sum does not matter.
 *
 * The int32 lanes may wrap on the way but the final sum is exact (it is a
 * sum of K <= FW_GEMM_KMAX centred products, |sum| < 2^31, and int32
 * arithmetic is exact modulo 2^32).  The bias is added with int32
 * saturation (= fw_sat32(dot + bias)) and the requantization is done in
 * 64-bit lanes with the rounding identities of requant.h:
 *	half-even: q = (p + 2^(n-1) - 1 + ((p >> n) & 1)) >> n
 *	half-up:   q = (p + 2^(n-1)) >> n,	n = 31 + shift >= 1; q = p for n 0
 * AVX2 has no 64-bit arithmetic shift: for n >= 32 the quotient is the high
 * dword of the rounded product shifted by n - 32; operations with a smaller
 * n requantize with fw_requant_out() per element.
 *
 * Depthwise convolutions (C/groups == 1) run a direct kernel.  On AVX-512,
 * small planes of at least FW_DWC_MIN_C channels (fw_conv_dwc(), up to
 * FW_DWC_PIX padded pixels) are channel-blocked: 16 channels transposed
 * into one vector per pixel, each output pixel is KS vector multiply-adds,
 * the bytes transposed back.
 * Otherwise each group's input plane is converted once into centred int32
 * planes split by row and column phase of the stride, so that every kernel
 * tap is a contiguous run over the output pixels (flattened with a row
 * pitch L >= OW).
 *
 * Work is split with fw_parallel() into chunks, each with its own region of
 * the scratch memory; what is shared (padded input, packed weights) is
 * written before the parallel part.  A batched GEMM convolution on the
 * executor's threads runs in image mode: a chunk pads, packs and computes
 * whole images in its region, one parallel call per op.
 */
#include <immintrin.h>
#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

#include "q8_conv_simd.h"

#define FW_CAT_(a, b)	a##b
#define FW_CAT(a, b)	FW_CAT_(a, b)
#define FW_FN(f)	FW_CAT(f, FW_ISA)
#define FW_INLINE	static inline __attribute__((always_inline))

/* Largest K of the GEMM: K * 255 * 255 < 2^31. */
#define FW_GEMM_KMAX	32768
/* Output pixels of a panel. */
#define FW_PT		64
/* Most chunks (scratch regions) of one operation. */
#define FW_CHUNKS	16
/* Largest kernel (KH * KW) of the depthwise kernel. */
#define FW_DW_TAPS	256

#define FW_PACK_U8	1
#define FW_PACK_S16	2
#define FW_PACK_DWC	3	/* struct fw_dwcs, the blocked depthwise kernel's */

#if FW_VW == 16
typedef __m512i fv;		/* FW_VW int32 lanes */
typedef __m256i fh;		/* half of it */
typedef __m512i fq;		/* FW_VW / 2 int64 lanes */
#define v_load(p)	_mm512_loadu_si512((const void *)(p))
#define v_set1(x)	_mm512_set1_epi32(x)
#define v_zero()	_mm512_setzero_si512()
#define v_add		_mm512_add_epi32
#define v_mullo		_mm512_mullo_epi32
#define v_and		_mm512_and_si512
#define v_andnot	_mm512_andnot_si512
#define v_or		_mm512_or_si512
#define v_xor		_mm512_xor_si512
#define v_srai		_mm512_srai_epi32
#define v_lo(v)		_mm512_castsi512_si256(v)
#define v_hi(v)		_mm512_extracti64x4_epi64(v, 1)
#define q_set1(x)	_mm512_set1_epi64(x)
#define q_load32(p)	_mm512_cvtepi32_epi64(_mm256_loadu_si256((const void *)(p)))
#define q_load64(p)	_mm512_loadu_si512((const void *)(p))
#define FW_MR		4
#define FW_NR		4
#if FW_VNNI
#define v_dot8(a, x, w)		_mm512_dpbusd_epi32(a, x, w)
#define v_dot16(a, x, w)	_mm512_dpwssd_epi32(a, x, w)
#endif
#define v_madd16(a, x, w)	_mm512_add_epi32(a, _mm512_madd_epi16(x, w))
#else
typedef __m256i fv;
typedef __m128i fh;
typedef __m256i fq;
#define v_load(p)	_mm256_loadu_si256((const void *)(p))
#define v_set1(x)	_mm256_set1_epi32(x)
#define v_zero()	_mm256_setzero_si256()
#define v_add		_mm256_add_epi32
#define v_mullo		_mm256_mullo_epi32
#define v_and		_mm256_and_si256
#define v_andnot	_mm256_andnot_si256
#define v_or		_mm256_or_si256
#define v_xor		_mm256_xor_si256
#define v_srai		_mm256_srai_epi32
#define v_lo(v)		_mm256_castsi256_si128(v)
#define v_hi(v)		_mm256_extracti128_si256(v, 1)
#define q_set1(x)	_mm256_set1_epi64x(x)
#define q_load32(p)	_mm256_cvtepi32_epi64(_mm_loadu_si128((const void *)(p)))
#define q_load64(p)	_mm256_loadu_si256((const void *)(p))
#define FW_MR		4
#define FW_NR		2
#if FW_VNNI
#define v_dot8(a, x, w)		_mm256_dpbusd_avx_epi32(a, x, w)
#define v_dot16(a, x, w)	_mm256_dpwssd_avx_epi32(a, x, w)
#endif
#define v_madd16(a, x, w)	_mm256_add_epi32(a, _mm256_madd_epi16(x, w))
#endif

#if !FW_VNNI
#define v_dot16(a, x, w)	v_madd16(a, x, w)
#define v_dot8(a, x, w)		v_madd16(a, x, w)	/* never used */
#endif

/* Pixels of a micro-kernel's vectors. */
#define FW_TP		(FW_NR * FW_VW)

/* --- per-channel parameters and the output step ------------------------ */

/**
 * struct fw_chq - everything the output step needs of one channel.
 * @rc: rounding constant, 2^(n-1) - @pm, 0 when n is 0.
 * @pm: 1 when the quotient's parity breaks ties: half-even, n >= 1 and a
 *	tie possible for some int32 accumulator (fw_rq_ties(); where none
 *	is, half-even rounds as half-up does).
 * @mult: multiplier.
 * @n: 31 + shift.
 * @bias: S32 bias or 0.
 * @corr: added to the dot product (-zpu_x * sum w' in u8 mode).
 * @rq: the scalar parameters (fw_requant_out()).
 */
struct fw_chq {
	__s64 rc, pm;
	__s32 mult, n, bias, corr;
	struct fw_rq_out rq;
};

/* Weight zero point (unsigned domain) of output channel @oc. */
static __s32 fw_simd_wzpu(const struct fw_op_ctx *c, __u32 flags, __u32 oc)
{
	struct enpu_quant q;

	if (!(flags & ENPU_QUANT_PER_CHANNEL_ZP))
		return c->in[1].zpu;
	fw_read_quant(c->ex->cb, &c->ex->hdr, c->op.quant_index + oc, &q);
	return q.zero_point + c->in[1].bias;
}

static void fw_chq_get(const struct fw_op_ctx *c, __u32 oc, __s32 corr,
		       struct fw_chq *q)
{
	fw_op_rq(c, c->op.quant_count > 1 ? oc : 0, &q->rq);
	q->mult = q->rq.mult;
	q->n = 31 + q->rq.shift;
	q->pm = !c->half_up && fw_rq_ties(q->mult, (unsigned int)q->n, 0, 31);
	q->rc = q->n ? (1LL << (q->n - 1)) - q->pm : 0;
	q->bias = c->in[2].data ? fw_ld_s32(c->in[2].data + 4 * (__u64)oc) : 0;
	q->corr = corr;
}

/* Whether the run's bias of channels @c0 .. + @nv - 1 is @q's. */
static int fw_chq_bias_same(const struct fw_op_ctx *c, __u32 c0, __u32 nv,
			    const struct fw_chq *q)
{
	const __u8 *b = c->in[2].data;
	__u32 l;

	for (l = 0; l < nv; l++)
		if (q[l].bias != (b ? fw_ld_s32(b + 4 * (__u64)(c0 + l)) : 0))
			return 0;
	return 1;
}

/* Non-zero when every requantization of the op runs in vector lanes. */
static int fw_rq_vector_ok(const struct fw_op_ctx *c)
{
#if FW_VW == 16
	(void)c;
	return 1;
#else
	struct fw_rq_out rq;
	__u32 i;

	for (i = 0; i < c->op.quant_count; i++) {
		fw_op_rq(c, i, &rq);
		if (31 + rq.shift < 32)
			return 0;
	}
	return 1;
#endif
}

/* One half vector's requantization parameters, in int64 lanes. */
struct fw_rqv {
	fq mult, n, rc, pm;
};

/* The parameters of one vector of outputs. */
struct fw_vq {
	struct fw_rqv lo, hi;	/* the int64 path (any n, AVX-512) */
	fv mult, mult_o, nsh;	/* the n >= 32 path: dword lanes, ... */
	fq n_e, n_o, rc_e, rc_o, pm_e, pm_o;	/* ... even and odd lanes */
	fv bias, corr, cb;	/* cb = corr + bias */
	int safe;		/* |bias| + K * 255 * 255 < 2^31: no saturation */
	int big;		/* n >= 32 in every lane */
	int even;		/* pm in some lane: the parity term is needed */
	const struct fw_chq *q;	/* per lane, or ... */
	__u32 qs;		/* ... 0: the same for every lane */
};

/* The op-wide output parameters. */
struct fw_rqo {
	fq zp, lo, hi;		/* AVX-512: int64 lanes; AVX2: dwords */
	fv zp32, lo32, hi32;
	int vec;		/* fw_rq_vector_ok() */
};

static void fw_rqo_init(const struct fw_op_ctx *c, struct fw_rqo *o)
{
#if FW_VW == 16
	o->zp = q_set1(c->out.zp);
	o->lo = q_set1(c->op.act_min);
	o->hi = q_set1(c->op.act_max);
#else
	o->zp = _mm256_set1_epi32(c->out.zp);
	o->lo = _mm256_set1_epi32(c->op.act_min);
	o->hi = _mm256_set1_epi32(c->op.act_max);
#endif
	o->zp32 = v_set1(c->out.zp);
	o->lo32 = v_set1(c->op.act_min);
	o->hi32 = v_set1(c->op.act_max);
	o->vec = fw_rq_vector_ok(c);
}

/* Whether adding @bias to any sum of @K centred products stays in int32. */
static int fw_bias_safe(__s32 bias, __u32 K)
{
	__s64 b = bias < 0 ? -(__s64)bias : bias;

	return b + (__s64)K * 65025 < 0x7fffffffLL;
}

FW_INLINE void fw_vq_uniform(const struct fw_chq *q, __u32 K, struct fw_vq *v)
{
	v->lo.mult = q_set1(q->mult);
	v->lo.n = q_set1(q->n);
	v->lo.rc = q_set1(q->rc);
	v->lo.pm = q_set1(q->pm);
	v->hi = v->lo;
	v->mult = v_set1(q->mult);
	v->mult_o = v->mult;
	v->nsh = v_set1(q->n - 32);
	v->n_e = v->n_o = v->lo.n;
	v->rc_e = v->rc_o = v->lo.rc;
	v->pm_e = v->pm_o = v->lo.pm;
	v->bias = v_set1(q->bias);
	v->corr = v_set1(q->corr);
	v->cb = v_set1((__s32)((__u32)q->corr + (__u32)q->bias));
	v->safe = fw_bias_safe(q->bias, K);
	v->big = q->n >= 32;
	v->even = (int)q->pm;
	v->q = q;
	v->qs = 0;
}

/* FW_VW lanes of parameters, from arrays of them. */
static void fw_vq_lanes(const struct fw_chq *q, __u32 K, struct fw_vq *v)
{
	__s32 m[FW_VW + 1], n[FW_VW], b[FW_VW], cr[FW_VW], cb[FW_VW];
	__s64 rc[FW_VW], pm[FW_VW], re[FW_VW / 2], ro[FW_VW / 2];
	__s64 pe[FW_VW / 2], po[FW_VW / 2], ne[FW_VW / 2], no[FW_VW / 2];
	__u32 l;

	v->safe = 1;
	v->big = 1;
	v->even = 0;
	m[FW_VW] = 0;
	for (l = 0; l < FW_VW; l++) {
		m[l] = q[l].mult;
		n[l] = q[l].n;
		b[l] = q[l].bias;
		cr[l] = q[l].corr;
		cb[l] = (__s32)((__u32)q[l].corr + (__u32)q[l].bias);
		rc[l] = q[l].rc;
		pm[l] = q[l].pm;
		v->safe &= fw_bias_safe(q[l].bias, K);
		v->big &= q[l].n >= 32;
		v->even |= (int)q[l].pm;
	}
	for (l = 0; l < FW_VW / 2; l++) {
		re[l] = rc[2 * l];
		ro[l] = rc[2 * l + 1];
		pe[l] = pm[2 * l];
		po[l] = pm[2 * l + 1];
		ne[l] = n[2 * l];
		no[l] = n[2 * l + 1];
	}
	v->lo.mult = q_load32(m);
	v->hi.mult = q_load32(m + FW_VW / 2);
	v->lo.n = q_load32(n);
	v->hi.n = q_load32(n + FW_VW / 2);
	v->lo.rc = q_load64(rc);
	v->hi.rc = q_load64(rc + FW_VW / 2);
	v->lo.pm = q_load64(pm);
	v->hi.pm = q_load64(pm + FW_VW / 2);
	v->mult = v_load(m);
	v->mult_o = v_load(m + 1);	/* odd lanes into the even dwords */
	v->nsh = v_add(v_load(n), v_set1(-32));
	v->n_e = q_load64(ne);
	v->n_o = q_load64(no);
	v->rc_e = q_load64(re);
	v->rc_o = q_load64(ro);
	v->pm_e = q_load64(pe);
	v->pm_o = q_load64(po);
	v->bias = v_load(b);
	v->corr = v_load(cr);
	v->cb = v_load(cb);
	v->q = q;
	v->qs = 1;
}

/* a + b saturated to the int32 range (fw_sat32((s64)a + b)). */
FW_INLINE fv fw_sat_add(fv a, fv b)
{
	fv s = v_add(a, b);
	fv m = v_srai(v_and(v_xor(s, a), v_xor(s, b)), 31);
	fv sat = v_xor(v_srai(b, 31), v_set1(0x7fffffff));

	return v_or(v_andnot(m, s), v_and(m, sat));
}

#if FW_VW == 16
/* fw_requant_out() of 8 int32 lanes, as bytes in the low 8 bytes. */
FW_INLINE __m128i fw_rq_half(fh a, const struct fw_rqv *r,
			     const struct fw_rqo *o, int even)
{
	fq p = _mm512_mul_epi32(_mm512_cvtepi32_epi64(a), r->mult);
	fq t = _mm512_add_epi64(p, r->rc);
	fq v;

	if (even)
		t = _mm512_add_epi64(t, _mm512_and_si512(_mm512_srlv_epi64(p, r->n),
							 r->pm));
	v = _mm512_add_epi64(_mm512_srav_epi64(t, r->n), o->zp);

	v = _mm512_min_epi64(_mm512_max_epi64(v, o->lo), o->hi);
	return _mm512_cvtepi64_epi8(v);
}

FW_INLINE __m128i fw_rq_bytes(fv a, const struct fw_vq *q,
			      const struct fw_rqo *o)
{
	return _mm_unpacklo_epi64(fw_rq_half(v_lo(a), &q->lo, o, q->even),
				  fw_rq_half(v_hi(a), &q->hi, o, q->even));
}
#else
/* 4 lanes; the results are the low dwords of the int64 lanes. */
FW_INLINE fq fw_rq_half(fh a, const struct fw_rqv *r, const struct fw_rqo *o,
		      int even)
{
	fq p = _mm256_mul_epi32(_mm256_cvtepi32_epi64(a), r->mult);
	fq t = _mm256_add_epi64(p, r->rc);
	fq h;

	if (even)
		t = _mm256_add_epi64(t, _mm256_and_si256(_mm256_srlv_epi64(p, r->n),
							 r->pm));
	h = _mm256_srav_epi32(_mm256_srli_epi64(t, 32),
			      _mm256_sub_epi64(r->n, _mm256_set1_epi64x(32)));

	h = _mm256_add_epi32(h, o->zp);
	return _mm256_min_epi32(_mm256_max_epi32(h, o->lo), o->hi);
}

FW_INLINE __m128i fw_rq_bytes(fv a, const struct fw_vq *q,
			      const struct fw_rqo *o)
{
	const __m256i pick = _mm256_setr_epi8(
		0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
		0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
	fq l = fw_rq_half(v_lo(a), &q->lo, o, q->even);
	fq h = fw_rq_half(v_hi(a), &q->hi, o, q->even);
	__m256i v = _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(l),
							  _mm256_castsi256_ps(h),
							  _MM_SHUFFLE(2, 0, 2, 0)));

	v = _mm256_permute4x64_epi64(v, _MM_SHUFFLE(3, 1, 2, 0));
	v = _mm256_shuffle_epi8(v, pick);
	return _mm_unpacklo_epi32(_mm256_castsi256_si128(v),
				  _mm256_extracti128_si256(v, 1));
}
#endif

/*
 * Requantization when every n >= 32: the products of the even and odd
 * lanes (vpmuldq), rounded in int64; the quotient is the high dword shifted
 * right by n - 32, so zero point and clamp run on dword lanes.
 */
FW_INLINE __m128i fw_rq_bytes32(fv a, const struct fw_vq *q,
				const struct fw_rqo *o)
{
#if FW_VW == 16
	fq pe = _mm512_mul_epi32(a, q->mult);
	fq po = _mm512_mul_epi32(_mm512_srli_epi64(a, 32), q->mult_o);
	fv h;

	if (q->even) {
		pe = _mm512_add_epi64(pe, _mm512_and_si512(
			_mm512_srlv_epi64(pe, q->n_e), q->pm_e));
		po = _mm512_add_epi64(po, _mm512_and_si512(
			_mm512_srlv_epi64(po, q->n_o), q->pm_o));
	}
	pe = _mm512_add_epi64(pe, q->rc_e);
	po = _mm512_add_epi64(po, q->rc_o);
	h = _mm512_mask_blend_epi32(0xaaaa, _mm512_srli_epi64(pe, 32), po);
	h = _mm512_add_epi32(_mm512_srav_epi32(h, q->nsh), o->zp32);
	h = _mm512_min_epi32(_mm512_max_epi32(h, o->lo32), o->hi32);
	return _mm512_cvtepi32_epi8(h);
#else
	const __m256i pick = _mm256_setr_epi8(
		0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
		0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
	fq pe = _mm256_mul_epi32(a, q->mult);
	fq po = _mm256_mul_epi32(_mm256_srli_epi64(a, 32), q->mult_o);
	fv h;

	if (q->even) {
		pe = _mm256_add_epi64(pe, _mm256_and_si256(
			_mm256_srlv_epi64(pe, q->n_e), q->pm_e));
		po = _mm256_add_epi64(po, _mm256_and_si256(
			_mm256_srlv_epi64(po, q->n_o), q->pm_o));
	}
	pe = _mm256_add_epi64(pe, q->rc_e);
	po = _mm256_add_epi64(po, q->rc_o);
	h = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xaa);
	h = _mm256_add_epi32(_mm256_srav_epi32(h, q->nsh), o->zp32);
	h = _mm256_min_epi32(_mm256_max_epi32(h, o->lo32), o->hi32);
	h = _mm256_shuffle_epi8(h, pick);
	return _mm_unpacklo_epi32(_mm256_castsi256_si128(h),
				  _mm256_extracti128_si256(h, 1));
#endif
}

/*
 * The output step of one vector of dot products: + corr, + bias with
 * saturation, requantize, store @cnt (<= FW_VW) bytes at @dst.
 */
FW_INLINE void fw_out_vec(fv acc, const struct fw_vq *q,
			  const struct fw_rqo *o, __u8 *dst, __u32 cnt)
{
	__u8 tmp[16];
	__m128i b;

	if (q->safe)
		acc = v_add(acc, q->cb);
	else
		acc = fw_sat_add(v_add(acc, q->corr), q->bias);
	if (q->big) {
		b = fw_rq_bytes32(acc, q, o);
	} else if (__builtin_expect(!o->vec, 0)) {
		__s32 a[FW_VW];
		__u32 l;

		memcpy(a, &acc, sizeof(a));
		for (l = 0; l < cnt; l++)
			fw_st8(dst + l, fw_requant_out(a[l], &q->q[l * q->qs].rq));
		return;
	} else {
		b = fw_rq_bytes(acc, q, o);
	}
	if (cnt == FW_VW) {
#if FW_VW == 16
		_mm_storeu_si128((__m128i *)dst, b);
#else
		_mm_storel_epi64((__m128i *)dst, b);
#endif
		return;
	}
	_mm_storeu_si128((__m128i *)tmp, b);
	memcpy(dst, tmp, cnt);
}

/*
 * The output step with the parameters of one channel for every lane: the
 * vectors are broadcast from @q where they are used (a table of them per
 * channel cost more to fill than to broadcast).
 */
FW_INLINE void fw_out_vec_q(fv acc, const struct fw_chq *q, __u32 K,
			    const struct fw_rqo *o, __u8 *dst, __u32 cnt)
{
	struct fw_vq v;

	fw_vq_uniform(q, K, &v);
	fw_out_vec(acc, &v, o, dst, cnt);
}

/* --- weight packing ---------------------------------------------------- */

/**
 * struct fw_wpack - packed weights (prepare() state or scratch).
 * @mode: FW_PACK_U8 or FW_PACK_S16.
 * @K: dot product length.
 * @KG: groups of 4 (u8) or 2 (s16) taps, zero padded.
 * @tm: tap-major layout (fw_tm_ok()): group kg is tap kg / C4, channels
 *	4 (kg % C4) .. + 3, C4 = ceil(C / 4); else k = channel * KS + tap.
 * @rows: output channels packed (conv: groups * OGB * FW_MR; fc: N padded).
 * @sumw: sum of the centred weights per output channel (u8 mode).
 * @w: conv: [group][oc block][KG][FW_MR][4]; fc: [KG][rows][4] bytes.
 * @chq: prepare() state only, else NULL: the output parameters of every
 *	output channel (fw_chq_get() with the u8 correction), with the bias
 *	the constant slot held then (fw_chq_bias_same() checks it against
 *	the run's before they are used).
 */
struct fw_wpack {
	__u32 mode, K, KG, rows, tm;
	__s32 *sumw;
	__u8 *w;
	const struct fw_chq *chq;
};

static __u32 fw_kg(__u32 mode, __u32 K)
{
	return mode == FW_PACK_U8 ? (K + 3) / 4 : (K + 1) / 2;
}

static __u64 fw_wpack_size(__u32 KG, __u32 rows)
{
	return 64 + (((__u64)rows * 4 + 63) & ~63ULL) + (__u64)KG * rows * 4;
}

/*
 * Whether a u8-mode conv takes the tap-major layout: one group, stride 1,
 * a kernel of several taps and at most a quarter of the 4-channel groups
 * padding.  Its padded input is then interleaved by 4 channels once per
 * image ([C4][Rq][L][4] bytes) and every panel row is a contiguous copy.
 */
static int fw_tm_ok(const struct fw_op_ctx *c, __u32 mode)
{
	const struct enpu_op_conv *p = &c->op.params.conv;
	const struct fw_tensor *w = &c->in[1];
	const __u32 CG = w->dims[1];

	return mode == FW_PACK_U8 && c->op.opcode == ENPU_OP_CONV2D &&
	       p->groups == 1 && p->stride_h == 1 && p->stride_w == 1 &&
	       w->dims[2] * w->dims[3] > 1 && (CG + 3) / 4 * 16 <= CG * 5;
}

/*
 * The layout of the packed weights of op @c: K, rows, and the centred
 * weight of output channel oc, tap k is wq(c, oc, k).
 */
struct fw_wsrc {
	const struct fw_op_ctx *c;
	int fc;
	__u32 K, O, OG, G, OGB, rows, KS;
	__s32 *wz;	/* per output channel, NULL: tensor-wide */
};

static __s32 fw_wsrc_w(const struct fw_wsrc *s, __u32 oc, __u32 k, __s32 wz)
{
	const struct fw_tensor *w = &s->c->in[1];
	__u8 raw = s->fc ? w->data[(__u64)k * s->O + oc] :
			   w->data[(__u64)oc * s->K + k];

	return (raw ^ w->flip) - wz;
}

static void fw_wsrc_init(const struct fw_op_ctx *c, struct fw_wsrc *s)
{
	s->c = c;
	s->fc = c->op.opcode == ENPU_OP_FULLY_CONNECTED;
	if (s->fc) {
		s->K = c->in[0].dims[1];
		s->O = c->in[1].dims[1];
		s->G = 1;
		s->KS = 1;
		s->OG = s->O;
		s->rows = (s->O + FW_VW - 1) / FW_VW * FW_VW;
	} else {
		const struct fw_tensor *w = &c->in[1];

		s->K = w->dims[1] * w->dims[2] * w->dims[3];
		s->KS = w->dims[2] * w->dims[3];
		s->O = w->dims[0];
		s->G = c->op.params.conv.groups;
		s->OG = s->O / s->G;
		s->OGB = (s->OG + FW_MR - 1) / FW_MR;
		s->rows = s->G * s->OGB * FW_MR;
	}
}

static __u32 fw_op_flags(const struct fw_op_ctx *c)
{
	return c->op.opcode == ENPU_OP_CONV2D ? c->op.params.conv.flags :
						c->op.params.fc.flags;
}

/* The mode the weights need: u8 when VNNI and every w' fits s8. */
static __u32 fw_wsrc_mode(const struct fw_wsrc *s)
{
#if FW_VNNI
	const __u32 flags = fw_op_flags(s->c);
	__u32 oc, k;

	for (oc = 0; oc < s->O; oc++) {
		__s32 wz = fw_simd_wzpu(s->c, flags, oc);

		for (k = 0; k < s->K; k++) {
			__s32 v = fw_wsrc_w(s, oc, k, wz);

			if (v < -128 || v > 127)
				return FW_PACK_S16;
		}
	}
	return FW_PACK_U8;
#else
	(void)s;
	return FW_PACK_S16;
#endif
}

/* Groups of the packed K in @mode. */
static __u32 fw_wsrc_kg(const struct fw_wsrc *s, __u32 mode)
{
	if (!s->fc && fw_tm_ok(s->c, mode))
		return s->KS * ((s->K / s->KS + 3) / 4);
	return fw_kg(mode, s->K);
}

/* Pack into @mem (fw_wpack_size() bytes, 64-byte aligned). */
static struct fw_wpack *fw_wpack_fill(const struct fw_wsrc *s, __u32 mode,
				      void *mem)
{
	const __u32 flags = fw_op_flags(s->c);
	struct fw_wpack *p = mem;
	__u32 oc, k, KG = fw_wsrc_kg(s, mode), gk = mode == FW_PACK_U8 ? 4 : 2;
	const __u32 tm = !s->fc && fw_tm_ok(s->c, mode);
	const __u32 C4 = (s->K / s->KS + 3) / 4;

	p->mode = mode;
	p->K = s->K;
	p->KG = KG;
	p->tm = tm;
	p->rows = s->rows;
	p->chq = NULL;
	p->sumw = (__s32 *)((__u8 *)mem + 64);
	p->w = (__u8 *)mem + 64 + (((__u64)s->rows * 4 + 63) & ~63ULL);
	memset(p->sumw, 0, (__u64)s->rows * 4);
	memset(p->w, 0, (__u64)KG * s->rows * 4);
	for (oc = 0; oc < s->O; oc++) {
		__s32 wz = fw_simd_wzpu(s->c, flags, oc), sum = 0;
		__u64 row;

		if (s->fc) {
			row = oc;
		} else {
			__u32 g = oc / s->OG, j = oc % s->OG;

			row = ((__u64)g * s->OGB + j / FW_MR) * FW_MR * KG +
			      j % FW_MR;
		}
		for (k = 0; k < s->K; k++) {
			__s32 v = fw_wsrc_w(s, oc, k, wz);
			__u32 kg = k / gk, r = k % gk;
			__u64 at;

			sum += v;
			if (tm) {
				kg = k % s->KS * C4 + k / s->KS / 4;
				r = k / s->KS % 4;
			}
			if (s->fc)
				at = ((__u64)kg * s->rows + row) * 4;
			else
				at = (row + (__u64)kg * FW_MR) * 4;
			if (mode == FW_PACK_U8) {
				p->w[at + r] = (__u8)(__s8)v;
			} else {
				__s16 h = (__s16)v;

				memcpy(p->w + at + 2 * r, &h, 2);
			}
		}
		p->sumw[oc] = sum;
	}
	return p;
}

/*
 * Whether conv @c goes to the depthwise kernel: one input channel per
 * group, unless one group feeds many output channels (a first layer on a
 * 1-channel input), which the GEMM computes with its weights packed, far
 * faster.
 */
static int fw_conv_is_dw(const struct fw_op_ctx *c)
{
	const struct fw_tensor *w = &c->in[1];

	return w->dims[1] == 1 && w->dims[0] / c->op.params.conv.groups <= 4;
}

#if FW_VW == 16
static void *fw_dwc_prepare(struct fw_op_ctx *c,
			    void *(*alloc)(void *actx, __u64 size), void *actx,
			    int *err);
#endif

static void *fw_prepare(struct fw_op_ctx *c,
			void *(*alloc)(void *actx, __u64 size), void *actx,
			int *err)
{
	struct fw_wpack *p;
	struct fw_chq *chq;
	struct fw_wsrc s;
	__u32 mode, oc;
	__u64 size;
	void *mem;

	fw_wsrc_init(c, &s);
	if (!s.fc && fw_conv_is_dw(c)) {
#if FW_VW == 16
		return fw_dwc_prepare(c, alloc, actx, err);
#else
		return NULL;
#endif
	}
	if (s.K > FW_GEMM_KMAX)
		return NULL;	/* scalar */
	mode = fw_wsrc_mode(&s);
	size = (fw_wpack_size(fw_wsrc_kg(&s, mode), s.rows) + 63) & ~63ULL;
	mem = alloc(actx, size + (__u64)s.O * sizeof(struct fw_chq));
	if (!mem) {
		*err = -ENPU_FW_ENOMEM;
		return NULL;
	}
	p = fw_wpack_fill(&s, mode, mem);
	chq = (struct fw_chq *)((__u8 *)mem + size);
	for (oc = 0; oc < s.O; oc++)
		fw_chq_get(c, oc, mode == FW_PACK_U8 ?
			   -c->in[0].zpu * p->sumw[oc] : 0, &chq[oc]);
	p->chq = chq;
	return p;
}

void *FW_FN(enpu_q8_conv2d_prepare__)(struct fw_op_ctx *c,
				      void *(*alloc)(void *actx, __u64 size),
				      void *actx, int *err)
{
	return fw_prepare(c, alloc, actx, err);
}

void *FW_FN(enpu_q8_fully_connected_prepare__)(struct fw_op_ctx *c,
					       void *(*alloc)(void *actx, __u64 size),
					       void *actx, int *err)
{
	return fw_prepare(c, alloc, actx, err);
}

/*
 * The packed weights of @c: its prepare() state (unless that is the
 * depthwise kernel's, for a depthwise conv that kernel declined), else
 * packed into the scratch memory at @*used (advanced), else NULL.
 */
static const struct fw_wpack *fw_wpack_get(const struct fw_op_ctx *c,
					   __u64 *used)
{
	struct fw_wsrc s;
	__u64 size;
	__u32 mode;
	__u8 *mem;

	if (c->state &&
	    ((const struct fw_wpack *)c->state)->mode != FW_PACK_DWC)
		return c->state;
	fw_wsrc_init(c, &s);
	/* too big for the scratch either way: do not scan the weights */
	if (!fw_scratch(c, *used + ((fw_wpack_size(fw_wsrc_kg(&s, FW_PACK_U8), s.rows) + 63) & ~63ULL)) &&
	    !fw_scratch(c, *used + ((fw_wpack_size(fw_wsrc_kg(&s, FW_PACK_S16), s.rows) + 63) & ~63ULL)))
		return NULL;
	mode = fw_wsrc_mode(&s);
	size = (fw_wpack_size(fw_wsrc_kg(&s, mode), s.rows) + 63) & ~63ULL;
	mem = fw_scratch(c, *used + size);
	if (!mem)
		return NULL;
	mem += *used;
	*used += size;
	return fw_wpack_fill(&s, mode, mem);
}

/* --- byte helpers ------------------------------------------------------ */

/* memcpy() of short runs, inline (no call for the few bytes of a row). */
FW_INLINE void fw_cpy(__u8 *d, const __u8 *s, __u32 n)
{
	__u32 i;

	if (n >= 16) {
		for (i = 0; i + 16 <= n; i += 16)
			_mm_storeu_si128((__m128i *)(d + i),
					 _mm_loadu_si128((const __m128i *)(s + i)));
		if (i < n)
			_mm_storeu_si128((__m128i *)(d + n - 16),
					 _mm_loadu_si128((const __m128i *)(s + n - 16)));
	} else if (FW_VW == 16) {
#if FW_VW == 16
		const __mmask16 m = (__mmask16)((1u << n) - 1);

		_mm_mask_storeu_epi8(d, m, _mm_maskz_loadu_epi8(m, s));
#endif
	} else if (n >= 8) {
		__u64 a, b;

		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else {
		for (i = 0; i < n; i++)
			d[i] = s[i];
	}
}

/* memset() of short runs, inline. */
FW_INLINE void fw_set(__u8 *d, __u8 v, __u32 n)
{
	const __m128i x = _mm_set1_epi8((char)v);
	__u32 i;

	if (n >= 16) {
		for (i = 0; i + 16 <= n; i += 16)
			_mm_storeu_si128((__m128i *)(d + i), x);
		if (i < n)
			_mm_storeu_si128((__m128i *)(d + n - 16), x);
	} else {
#if FW_VW == 16
		_mm_mask_storeu_epi8(d, (__mmask16)((1u << n) - 1), x);
#else
		for (i = 0; i < n; i++)
			d[i] = v;
#endif
	}
}

/* d[i] = s[2 * i] for i < n (s[2n - 2] is the last byte read). */
static void fw_deint2(const __u8 *s, __u8 *d, __u32 n)
{
	__u32 i = 0;
#if FW_VW == 16
	for (; i < n; i += 32) {
		__u32 k = n - i < 32 ? n - i : 32;
		__mmask64 lm = k == 32 ? ~0ULL >> 1 : (1ULL << (2 * k - 1)) - 1;
		__m512i v = _mm512_maskz_loadu_epi8(lm, s + 2 * i);

		_mm256_mask_storeu_epi8(d + i, (__mmask32)(k == 32 ? ~0u : (1u << k) - 1),
					_mm512_cvtepi16_epi8(v));
	}
#else
	const __m128i lo = _mm_set1_epi16(0xff);

	for (; i + 16 < n; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(s + 2 * i));
		__m128i b = _mm_loadu_si128((const __m128i *)(s + 2 * i + 16));

		_mm_storeu_si128((__m128i *)(d + i),
				 _mm_packus_epi16(_mm_and_si128(a, lo),
						  _mm_and_si128(b, lo)));
	}
	for (; i < n; i++)
		d[i] = s[2 * i];
#endif
}

/* d[i] = s[i * st] for i < n. */
static void fw_gather(const __u8 *s, __u8 *d, __u32 n, __u32 st)
{
	__u32 i;

	if (st == 1) {
		fw_cpy(d, s, n);
		return;
	}
	if (st == 2) {
		fw_deint2(s, d, n);
		return;
	}
	for (i = 0; i < n; i++)
		d[i] = s[(__u64)i * st];
}

/* Centred int32 of @n bytes. */
static void fw_centre32(const __u8 *s, __s32 *d, __u32 n, __u8 flip, __s32 zx)
{
	__u32 i = 0;
#if FW_VW == 16
	const __m128i f = _mm_set1_epi8((char)flip);
	const __m512i z = _mm512_set1_epi32(zx);

	for (; i + 16 <= n; i += 16)
		_mm512_storeu_si512(d + i, _mm512_sub_epi32(_mm512_cvtepu8_epi32(
			_mm_xor_si128(_mm_loadu_si128((const __m128i *)(s + i)), f)), z));
	if (i < n) {
		__mmask16 m = (__mmask16)((1u << (n - i)) - 1);

		_mm512_mask_storeu_epi32(d + i, m, _mm512_sub_epi32(_mm512_cvtepu8_epi32(
			_mm_xor_si128(_mm_maskz_loadu_epi8(m, s + i), f)), z));
		return;
	}
#else
	const __m128i f = _mm_set1_epi8((char)flip);
	const __m256i z = _mm256_set1_epi32(zx);

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_si256((__m256i *)(d + i), _mm256_sub_epi32(_mm256_cvtepu8_epi32(
			_mm_xor_si128(_mm_loadl_epi64((const __m128i *)(s + i)), f)), z));
#endif
	for (; i < n; i++)
		d[i] = (s[i] ^ flip) - zx;
}

/*
 * Rows [r0, r0 + nr) of a padded input plane at column phase @p of stride
 * @sw: dst[i][j] (pitch @pitch) = padded row (r0 + i) * @rs + @q, padded
 * column j * sw + p, for j < L; @pad outside the image.  With @i32, the
 * rows are converted to centred int32 (pitch in int32) through @tmp.
 */
static void fw_pad_rows(const __u8 *plane, __u32 H, __u32 W, __s32 pt,
			__u32 rs, __u32 q, __s32 pl, __u32 p, __u32 sw,
			__u32 L, __u8 pad, void *dst, __u64 pitch, __u32 nr,
			__u8 *tmp, __u8 flip, __s32 zx)
{
	__s32 first = (__s32)p - pl;	/* input column of j = 0 */
	__u32 jlo = 0, jhi, i;

	if (first < 0)
		jlo = (__u32)((-first + (__s32)sw - 1) / (__s32)sw);
	if (first > (__s32)W - 1)
		jhi = 0;
	else
		jhi = (__u32)(((__s32)W - 1 - first) / (__s32)sw) + 1;
	if (jhi > L)
		jhi = L;
	if (jlo > jhi)
		jlo = jhi;
	for (i = 0; i < nr; i++) {
		__s32 ih = (__s32)(i * rs + q) - pt;
		__u8 *d = tmp ? tmp : (__u8 *)dst + i * pitch;

		if (ih < 0 || ih >= (__s32)H) {
			fw_set(d, pad, L);
		} else {
			fw_set(d, pad, jlo);
			fw_gather(plane + (__u64)ih * W + (__s32)(jlo * sw) + first,
				  d + jlo, jhi - jlo, sw);
			fw_set(d + jhi, pad, L - jhi);
		}
		if (tmp)
			fw_centre32(tmp, (__s32 *)dst + i * pitch, L, flip, zx);
	}
}

/* --- convolution: GEMM ------------------------------------------------- */

/* One image of a GEMM convolution. */
struct fw_gimg {
	const __u8 *src;	/* input: raw or padded copy */
	const __u8 *src_end;	/* readable end of the source */
	__u8 *y;		/* output */
};

struct fw_gemm {
	const struct fw_op_ctx *c;
	const struct fw_wpack *wp;
	struct fw_rqo o;
	struct fw_gimg im;	/* the image of the split mode */
	const struct fw_chq *chqt;	/* output parameters per channel, or NULL */
	__u8 *small;		/* per chunk: staging rows, output tile */
	__u8 *panels;		/* every panel (shared mode), or NULL */
	__u8 *cpanels;		/* a panel per chunk (else) */
	__u64 psize, xsize;
	__u64 region;		/* image mode: bytes of a chunk's region */
	__u64 CS, PS, RS;	/* source strides: channel, phase plane, row */
	__u32 CG, OG, OGB, KS, KW, K, KG, OHW, OW, L, FL, sh, sw, dh, dw;
	__u32 ntiles, nparts, units, nchunks;
	__u32 N, C, H, W, O, Rq, qmask, pmask, raw;
	__s32 zx;
	__u8 pad, flip;
	__u64 offh[64], offw[64];	/* source offset of kernel row / column */
};

#if FW_VW == 16
/* 4 x 4 transpose of the 128-bit lanes of q[], stored at @o. */
FW_INLINE void fw_lanes4x4(__m512i q0, __m512i q1, __m512i q2, __m512i q3,
			   __u8 *o)
{
	__m512i t0 = _mm512_shuffle_i32x4(q0, q1, 0x44);
	__m512i t1 = _mm512_shuffle_i32x4(q0, q1, 0xee);
	__m512i t2 = _mm512_shuffle_i32x4(q2, q3, 0x44);
	__m512i t3 = _mm512_shuffle_i32x4(q2, q3, 0xee);

	_mm512_storeu_si512(o, _mm512_shuffle_i32x4(t0, t2, 0x88));
	_mm512_storeu_si512(o + 64, _mm512_shuffle_i32x4(t0, t2, 0xdd));
	_mm512_storeu_si512(o + 128, _mm512_shuffle_i32x4(t1, t3, 0x88));
	_mm512_storeu_si512(o + 192, _mm512_shuffle_i32x4(t1, t3, 0xdd));
}

/* One panel row (FW_PT = 64 pixels) from @gk rows of raw bytes. */
FW_INLINE void fw_interleave512(const __u8 *const *rp, __u32 gk, __u8 flip,
				__s32 zx, __u8 *o)
{
	const __m512i f = _mm512_set1_epi8((char)flip);

	if (gk == 4) {
		__m512i a = _mm512_xor_si512(_mm512_loadu_si512(rp[0]), f);
		__m512i b = _mm512_xor_si512(_mm512_loadu_si512(rp[1]), f);
		__m512i c = _mm512_xor_si512(_mm512_loadu_si512(rp[2]), f);
		__m512i d = _mm512_xor_si512(_mm512_loadu_si512(rp[3]), f);
		__m512i ab0 = _mm512_unpacklo_epi8(a, b), ab1 = _mm512_unpackhi_epi8(a, b);
		__m512i cd0 = _mm512_unpacklo_epi8(c, d), cd1 = _mm512_unpackhi_epi8(c, d);

		fw_lanes4x4(_mm512_unpacklo_epi16(ab0, cd0),
			    _mm512_unpackhi_epi16(ab0, cd0),
			    _mm512_unpacklo_epi16(ab1, cd1),
			    _mm512_unpackhi_epi16(ab1, cd1), o);
	} else {
		const __m512i z = _mm512_setzero_si512();
		const __m512i zv = _mm512_set1_epi16((short)zx);
		__m512i a = _mm512_xor_si512(_mm512_loadu_si512(rp[0]), f);
		__m512i b = _mm512_xor_si512(_mm512_loadu_si512(rp[1]), f);
		__m512i a0 = _mm512_sub_epi16(_mm512_unpacklo_epi8(a, z), zv);
		__m512i a1 = _mm512_sub_epi16(_mm512_unpackhi_epi8(a, z), zv);
		__m512i b0 = _mm512_sub_epi16(_mm512_unpacklo_epi8(b, z), zv);
		__m512i b1 = _mm512_sub_epi16(_mm512_unpackhi_epi8(b, z), zv);

		fw_lanes4x4(_mm512_unpacklo_epi16(a0, b0),
			    _mm512_unpackhi_epi16(a0, b0),
			    _mm512_unpacklo_epi16(a1, b1),
			    _mm512_unpackhi_epi16(a1, b1), o);
	}
}
#endif

/* Pack the panel of group @g, pixels [pix0, pix0 + np). */
/*
 * The panel of group @g, flat pixels [pix0, pix0 + np): pixel f is output
 * (f / L, f % L) of a grid whose rows are L >= OW wide (columns past OW are
 * computed and dropped), so that every tap reads a contiguous run of the
 * source.  Runs past the source's end (raw input) are staged in @rows.
 */
static void fw_gemm_pack(const struct fw_gemm *j, const struct fw_gimg *im,
			 __u32 g, __u32 pix0, __u32 np, __u8 *rows,
			 __u8 *panel)
{
	const __u32 gk = j->wp->mode == FW_PACK_U8 ? 4 : 2;
	const __u8 *src = im->src + (__u64)g * j->CG * j->CS + pix0;
	__u32 kg, r, ci = 0, kh = 0, kw = 0;
#if FW_VW != 16
	__u32 i;
#endif
	const __u8 *rp[4];

	if (j->wp->tm) {
		/* tap-major: each row is a run of the interleaved input */
		const __u32 C4 = j->KG / j->KS;
		__u32 cg = 0, tap = 0;

		for (kg = 0; kg < j->KG; kg++) {
			const __u8 *b = im->src + ((__u64)cg * j->CS +
				j->offh[tap / j->KW] + j->offw[tap % j->KW] +
				pix0) * 4;

			fw_cpy(panel + (__u64)kg * FW_PT * 4, b, FW_PT * 4);
			if (++cg == C4) {
				cg = 0;
				tap++;
			}
		}
		return;
	}
	for (kg = 0; kg < j->KG; kg++) {
		for (r = 0; r < gk; r++) {
			__u32 k = kg * gk + r;
			const __u8 *base;

			rp[r] = rows + r * FW_PT;
			if (k >= j->K) {
				memset(rows + r * FW_PT, j->pad, FW_PT);
				continue;
			}
			base = src + ci * j->CS + j->offh[kh] + j->offw[kw];
			if (++kw == j->KW) {
				kw = 0;
				if (++kh == j->KS / j->KW) {
					kh = 0;
					ci++;
				}
			}
			if (base + FW_PT <= im->src_end) {
				rp[r] = base;
			} else {
				__u64 n = base < im->src_end ?
					  (__u64)(im->src_end - base) : 0;

				if (n > np)
					n = np;
				fw_cpy(rows + r * FW_PT, base, (__u32)n);
				memset(rows + r * FW_PT + n, j->pad, FW_PT - n);
			}
		}
#if FW_VW == 16
		fw_interleave512(rp, gk, j->flip, j->zx,
				 panel + (__u64)kg * FW_PT * 4);
#else
		if (gk == 4) {
			const __m128i f = _mm_set1_epi8((char)j->flip);

			for (i = 0; i < FW_PT; i += 16) {
				__m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(rp[0] + i)), f);
				__m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(rp[1] + i)), f);
				__m128i c = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(rp[2] + i)), f);
				__m128i d = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(rp[3] + i)), f);
				__m128i ab0 = _mm_unpacklo_epi8(a, b), ab1 = _mm_unpackhi_epi8(a, b);
				__m128i cd0 = _mm_unpacklo_epi8(c, d), cd1 = _mm_unpackhi_epi8(c, d);
				__m128i *o = (__m128i *)(panel + ((__u64)kg * FW_PT + i) * 4);

				_mm_storeu_si128(o + 0, _mm_unpacklo_epi16(ab0, cd0));
				_mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ab0, cd0));
				_mm_storeu_si128(o + 2, _mm_unpacklo_epi16(ab1, cd1));
				_mm_storeu_si128(o + 3, _mm_unpackhi_epi16(ab1, cd1));
			}
		} else {
			const __m128i f = _mm_set1_epi8((char)j->flip);
			const __m128i z = _mm_setzero_si128();
			const __m128i zx = _mm_set1_epi16((short)j->zx);

			for (i = 0; i < FW_PT; i += 16) {
				__m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(rp[0] + i)), f);
				__m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(rp[1] + i)), f);
				__m128i a0 = _mm_sub_epi16(_mm_unpacklo_epi8(a, z), zx);
				__m128i a1 = _mm_sub_epi16(_mm_unpackhi_epi8(a, z), zx);
				__m128i b0 = _mm_sub_epi16(_mm_unpacklo_epi8(b, z), zx);
				__m128i b1 = _mm_sub_epi16(_mm_unpackhi_epi8(b, z), zx);
				__m128i *o = (__m128i *)(panel + ((__u64)kg * FW_PT + i) * 4);

				_mm_storeu_si128(o + 0, _mm_unpacklo_epi16(a0, b0));
				_mm_storeu_si128(o + 1, _mm_unpackhi_epi16(a0, b0));
				_mm_storeu_si128(o + 2, _mm_unpacklo_epi16(a1, b1));
				_mm_storeu_si128(o + 3, _mm_unpackhi_epi16(a1, b1));
			}
		}
#endif
	}
}

/*
 * FW_MR output channels x @nr vectors of pixels: the dot products over
 * the panel at @xp (row pitch FW_PT * 4 bytes), then the output step.
 */
#if FW_NR != 4
FW_INLINE void fw_gemm_mk(const struct fw_gemm *j, const __u8 *xp,
			  const __u8 *wb, const struct fw_chq *vq, __u32 nvalid,
			  __u8 *y, __u64 ys, __u32 np, const int nr,
			  const int u8)
{
	fv acc[FW_MR][FW_NR];
	__u32 kg;
	int i, t;

	for (i = 0; i < FW_MR; i++)
		for (t = 0; t < nr; t++)
			acc[i][t] = v_zero();
	for (kg = 0; kg < j->KG; kg++, xp += FW_PT * 4, wb += FW_MR * 4) {
		fv x[FW_NR];

		for (t = 0; t < nr; t++)
			x[t] = v_load(xp + t * FW_VW * 4);
		for (i = 0; i < FW_MR; i++) {
			__s32 wi;
			fv w;

			memcpy(&wi, wb + 4 * i, 4);
			w = v_set1(wi);
			for (t = 0; t < nr; t++)
				acc[i][t] = u8 ? v_dot8(acc[i][t], x[t], w) :
						 v_dot16(acc[i][t], x[t], w);
		}
	}
	for (i = 0; i < FW_MR && (__u32)i < nvalid; i++)
		for (t = 0; t < nr; t++) {
			__u32 cnt = np - t * FW_VW;

			fw_out_vec_q(acc[i][t], &vq[i], j->K, &j->o,
				   y + (__u64)i * ys + t * FW_VW,
				   cnt < FW_VW ? cnt : FW_VW);
		}
}
#endif

#if FW_NR == 4
/*
 * FW_MR x @nr (1..4) vectors of pixels with the accumulators as named
 * variables: GCC keeps them in registers (with an accumulator array it
 * copied them around on every step of the K loop).
 */
FW_INLINE void fw_gemm_mkn(const struct fw_gemm *j, const __u8 *xp,
			   const __u8 *wb, const struct fw_chq *vq,
			   __u32 nvalid, __u8 *y, __u64 ys, __u32 np,
			   const int nr, const int u8)
{
	fv a00 = v_zero(), a01 = v_zero(), a02 = v_zero(), a03 = v_zero();
	fv a10 = v_zero(), a11 = v_zero(), a12 = v_zero(), a13 = v_zero();
	fv a20 = v_zero(), a21 = v_zero(), a22 = v_zero(), a23 = v_zero();
	fv a30 = v_zero(), a31 = v_zero(), a32 = v_zero(), a33 = v_zero();
	const __u8 *xe = xp + (__u64)j->KG * FW_PT * 4;

	for (; xp < xe; xp += FW_PT * 4, wb += FW_MR * 4) {
		const fv x0 = v_load(xp);
		const fv x1 = nr > 1 ? v_load(xp + FW_VW * 4) : x0;
		const fv x2 = nr > 2 ? v_load(xp + 2 * FW_VW * 4) : x0;
		const fv x3 = nr > 3 ? v_load(xp + 3 * FW_VW * 4) : x0;
		__s32 wi;
		fv w;

#define FW_DOT(a, x) (u8 ? v_dot8(a, x, w) : v_dot16(a, x, w))
#define FW_ROW(i) \
	do { \
		memcpy(&wi, wb + 4 * (i), 4); \
		w = v_set1(wi); \
		a##i##0 = FW_DOT(a##i##0, x0); \
		if (nr > 1) \
			a##i##1 = FW_DOT(a##i##1, x1); \
		if (nr > 2) \
			a##i##2 = FW_DOT(a##i##2, x2); \
		if (nr > 3) \
			a##i##3 = FW_DOT(a##i##3, x3); \
	} while (0)
		FW_ROW(0);
		FW_ROW(1);
		FW_ROW(2);
		FW_ROW(3);
#undef FW_ROW
#undef FW_DOT
	}
#define FW_CNT(t) (np - (t) * FW_VW < FW_VW ? np - (t) * FW_VW : FW_VW)
#define FW_OUT(i) \
	do { \
		fw_out_vec_q(a##i##0, &vq[i], j->K, &j->o, y + (i) * ys, FW_CNT(0)); \
		if (nr > 1) \
			fw_out_vec_q(a##i##1, &vq[i], j->K, &j->o, y + (i) * ys + FW_VW, \
				   FW_CNT(1)); \
		if (nr > 2) \
			fw_out_vec_q(a##i##2, &vq[i], j->K, &j->o, \
				   y + (i) * ys + 2 * FW_VW, FW_CNT(2)); \
		if (nr > 3) \
			fw_out_vec_q(a##i##3, &vq[i], j->K, &j->o, \
				   y + (i) * ys + 3 * FW_VW, FW_CNT(3)); \
	} while (0)
	FW_OUT(0);
	if (nvalid > 1)
		FW_OUT(1);
	if (nvalid > 2)
		FW_OUT(2);
	if (nvalid > 3)
		FW_OUT(3);
#undef FW_OUT
#undef FW_CNT
}
#define fw_gemm_mk	fw_gemm_mkn
#endif

static void fw_gemm_block(const struct fw_gemm *j, const __u8 *xp,
			  const __u8 *wb, const struct fw_chq *vq, __u32 nvalid,
			  __u8 *y, __u64 ys, __u32 np)
{
	const int u8 = j->wp->mode == FW_PACK_U8;
	const __u32 nr = (np + FW_VW - 1) / FW_VW;


#define FW_MK(n) \
	do { \
		if (u8) \
			fw_gemm_mk(j, xp, wb, vq, nvalid, y, ys, np, n, 1); \
		else \
			fw_gemm_mk(j, xp, wb, vq, nvalid, y, ys, np, n, 0); \
	} while (0)
	switch (nr) {
	case 1:
		FW_MK(1);
		break;
	case 2:
		FW_MK(2);
		break;
#if FW_NR > 2
	case 3:
		FW_MK(3);
		break;
	case 4:
		FW_MK(4);
		break;
#endif
	}
#undef FW_MK
}

/* Largest table of per-channel output parameters of a GEMM conv. */
#define FW_VQT_MAX	(256u << 10)

/* Bytes of a chunk's small area: staging rows and an output tile. */
#define FW_SMALL	((4 + FW_MR) * FW_PT)

/* Phase 1 of the shared-panel mode: pack the panels of some (group, tile). */
static void fw_gemm_pack_chunk(void *arg, __u32 ci)
{
	const struct fw_gemm *j = arg;
	const __u32 gts = j->units / j->nparts;
	__u32 u0 = (__u32)((__u64)ci * gts / j->nchunks);
	__u32 u1 = (__u32)((__u64)(ci + 1) * gts / j->nchunks);
	__u8 *rows = j->small + ci * FW_SMALL;
	__u32 gt;

	for (gt = u0; gt < u1; gt++) {
		__u32 pix0 = gt % j->ntiles * FW_PT, np = j->FL - pix0;

		fw_gemm_pack(j, &j->im, gt / j->ntiles, pix0,
			     np < FW_PT ? np : FW_PT, rows,
			     j->panels + gt * j->psize);
	}
}

/*
 * Output tile @ot (FW_MR rows of FW_PT) of flat pixels @pix0.. to y: one
 * division for the first grid row, then row by row.
 */
static void fw_gemm_scatter(const struct fw_gemm *j, const __u8 *ot,
			    __u32 nvalid, __u8 *y, __u32 pix0, __u32 np)
{
	__u32 oh = pix0 / j->L, ow = pix0 % j->L, f, i;

	for (f = 0; f < np; oh++, ow = 0) {
		__u32 len = j->L - ow, cnt;
		__u8 *yo = y + (__u64)oh * j->OW + ow;

		if (len > np - f)
			len = np - f;
		cnt = ow < j->OW ? (j->OW - ow < len ? j->OW - ow : len) : 0;
		for (i = 0; cnt && i < nvalid; i++)
			fw_cpy(yo + (__u64)i * j->OHW, ot + i * FW_PT + f, cnt);
		f += len;
	}
}

/* The output parameters of channel @oc. */
static void fw_gemm_chq(const struct fw_gemm *j, __u32 oc, struct fw_chq *q)
{
	fw_chq_get(j->c, oc, j->wp->mode == FW_PACK_U8 ?
		   -j->zx * j->wp->sumw[oc] : 0, q);
}

/*
 * Units [u0, u1) (group, tile, part of the output channel blocks) of image
 * @im: the dot products and the output step, packing the panel into
 * @panel first unless phase 1 did (shared panels).
 */
static void fw_gemm_units(const struct fw_gemm *j, const struct fw_gimg *im,
			  __u32 u0, __u32 u1, __u8 *rows, __u8 *ot,
			  __u8 *panel, const __u8 *panels)
{
	const int remap = j->L != j->OW;
	__u32 u, packed = ~0u;

	for (u = u0; u < u1; u++) {
		__u32 part = u % j->nparts, gt = u / j->nparts;
		__u32 g = gt / j->ntiles, tile = gt % j->ntiles;
		__u32 pix0 = tile * FW_PT, np = j->FL - pix0, ob, ob0, ob1, s;
		const __u8 *pn = panel;

		if (np > FW_PT)
			np = FW_PT;
		if (panels) {
			pn = panels + gt * j->psize;
		} else if (packed != gt) {
			fw_gemm_pack(j, im, g, pix0, np, rows, panel);
			packed = gt;
		}
		ob0 = (__u32)((__u64)part * j->OGB / j->nparts);
		ob1 = (__u32)((__u64)(part + 1) * j->OGB / j->nparts);
		for (ob = ob0; ob < ob1; ob++) {
			const __u8 *wb = j->wp->w +
				((__u64)g * j->OGB + ob) * j->KG * FW_MR * 4;
			struct fw_chq ql[FW_MR];
			const struct fw_chq *vq = ql;
			__u32 i, oc0 = g * j->OG + ob * FW_MR;
			__u32 nvalid = j->OG - ob * FW_MR;
			__u8 *yo = im->y + (__u64)oc0 * j->OHW;

			if (nvalid > FW_MR)
				nvalid = FW_MR;
			if (j->chqt)
				vq = j->chqt + oc0;
			else
				for (i = 0; i < nvalid; i++)
					fw_gemm_chq(j, oc0 + i, &ql[i]);
			for (s = 0; s < np; s += FW_TP)
				fw_gemm_block(j, pn + (__u64)s * 4, wb, vq, nvalid,
					      remap ? ot + s : yo + pix0 + s,
					      remap ? FW_PT : j->OHW,
					      np - s < FW_TP ? np - s : FW_TP);
			if (remap)
				fw_gemm_scatter(j, ot, nvalid, yo, pix0, np);
		}
	}
}

/* Split mode, phase 2: chunk @ci's units of the current image. */
static void fw_gemm_chunk(void *arg, __u32 ci)
{
	const struct fw_gemm *j = arg;
	__u8 *rows = j->small + ci * FW_SMALL;

	fw_gemm_units(j, &j->im, (__u32)((__u64)ci * j->units / j->nchunks),
		      (__u32)((__u64)(ci + 1) * j->units / j->nchunks),
		      rows, rows + 4 * FW_PT, j->cpanels + ci * j->psize,
		      j->panels);
}

/*
 * The input of one image, padded and split by stride phases:
 * [channel][row phase][column phase][Rq][L], @pad elsewhere.
 */
static void fw_gemm_pad(const struct fw_gemm *j, const __u8 *xn, __u8 *xp)
{
	const struct enpu_op_conv *p = &j->c->op.params.conv;
	const struct fw_tensor *x = &j->c->in[0];
	const __u32 C = x->dims[1], H = x->dims[2], W = x->dims[3];
	const __u32 Rq = j->Rq, qmask = j->qmask, pmask = j->pmask;
	__u32 ci, ih, e;

	memset(xp, j->pad, j->xsize);
	for (e = 0; e < j->sw && e < W; e++) {
		const __u32 ph = (p->pad_left + e) % j->sw;
		const __u32 js = (p->pad_left + e) / j->sw;
		__u32 cnt = (W - e + j->sw - 1) / j->sw;
		__u8 *dp = xp + ph * j->PS + js;

		if (js >= j->L || !(pmask >> (ph % 32) & 1))
			continue;
		if (cnt > j->L - js)
			cnt = j->L - js;
		for (ci = 0; ci < C; ci++) {
			const __u8 *src = xn + (__u64)ci * H * W + e;
			__u32 q = p->pad_top % j->sh, i = p->pad_top / j->sh;

			for (ih = 0; ih < H && i < Rq; ih++, src += W) {
				if (qmask >> (q % 32) & 1) {
					__u8 *d = dp + ci * j->CS +
						  q * j->sw * j->PS +
						  (__u64)i * j->L;

					if (j->sw == 1)
						fw_cpy(d, src, cnt);
					else
						fw_gather(src, d, cnt, j->sw);
				}
				if (++q == j->sh) {
					q = 0;
					i++;
				}
			}
		}
	}
}

/*
 * The tap-major source of one image (stride 1): the padded input with 4
 * channels interleaved, [C4][Rq][L][4] unsigned bytes (raw ^ flip), the
 * zero point outside the image and in the channels past C.
 */
static void fw_gemm_pad4(const struct fw_gemm *j, const __u8 *xn, __u8 *xp)
{
	const struct enpu_op_conv *p = &j->c->op.params.conv;
	const __u32 C = j->C, H = j->H, W = j->W, C4 = (C + 3) / 4;
	const __m128i f = _mm_set1_epi8((char)j->flip);
	const __u8 zu = (__u8)(j->pad ^ j->flip);
	__u8 pr[4][16], pz[16], t[64];
	__u32 cg, ih, i, r;

	memset(xp, zu, j->xsize);
	memset(pz, j->pad, sizeof(pz));
	for (cg = 0; cg < C4; cg++) {
		for (ih = 0; ih < H && ih + p->pad_top < j->Rq; ih++) {
			__u8 *d = xp + ((__u64)cg * j->CS +
				(__u64)(ih + p->pad_top) * j->L + p->pad_left) * 4;
			const __u8 *rs[4];

			for (r = 0; r < 4; r++)
				rs[r] = 4 * cg + r < C ?
					xn + ((__u64)(4 * cg + r) * H + ih) * W : NULL;
			for (i = 0; i < W; i += 16) {
				__u32 n = W - i < 16 ? W - i : 16;
				__m128i v[4], ab0, ab1, cd0, cd1;

				for (r = 0; r < 4; r++) {
					const __u8 *q = rs[r] ? rs[r] + i : pz;

					if (n < 16 && rs[r]) {
						fw_cpy(pr[r], q, n);
						q = pr[r];
					}
					v[r] = _mm_xor_si128(_mm_loadu_si128(
						(const __m128i *)q), f);
				}
				ab0 = _mm_unpacklo_epi8(v[0], v[1]);
				ab1 = _mm_unpackhi_epi8(v[0], v[1]);
				cd0 = _mm_unpacklo_epi8(v[2], v[3]);
				cd1 = _mm_unpackhi_epi8(v[2], v[3]);
				if (n < 16) {
					__m128i *o = (__m128i *)t;

					_mm_storeu_si128(o, _mm_unpacklo_epi16(ab0, cd0));
					_mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ab0, cd0));
					_mm_storeu_si128(o + 2, _mm_unpacklo_epi16(ab1, cd1));
					_mm_storeu_si128(o + 3, _mm_unpackhi_epi16(ab1, cd1));
					fw_cpy(d + 4 * i, t, 4 * n);
				} else {
					__m128i *o = (__m128i *)(d + 4 * i);

					_mm_storeu_si128(o, _mm_unpacklo_epi16(ab0, cd0));
					_mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ab0, cd0));
					_mm_storeu_si128(o + 2, _mm_unpacklo_epi16(ab1, cd1));
					_mm_storeu_si128(o + 3, _mm_unpackhi_epi16(ab1, cd1));
				}
			}
		}
	}
}

/* Image @n of the op: its source (padded into @xp unless raw) and output. */
static void fw_gemm_image(const struct fw_gemm *j, __u32 n, __u8 *xp,
			  struct fw_gimg *im)
{
	const struct fw_tensor *x = &j->c->in[0];
	const __u8 *xn = x->data + (__u64)n * j->C * j->H * j->W;

	if (j->raw) {
		im->src = xn;
		im->src_end = x->data + x->count;
	} else {
		if (j->wp->tm)
			fw_gemm_pad4(j, xn, xp);
		else
			fw_gemm_pad(j, xn, xp);
		im->src = xp;
		im->src_end = xp + j->xsize;
	}
	im->y = j->c->out.data + (__u64)n * j->O * j->OHW;
}

/*
 * Image mode (a batch on the executor's threads): chunk @ci computes whole
 * images, padding and packing them in its own region [staging rows, output
 * tile][panel][padded input], so the operation has a single parallel call.
 */
static void fw_gemm_img_chunk(void *arg, __u32 ci)
{
	const struct fw_gemm *j = arg;
	__u8 *rows = j->small + ci * j->region;
	__u8 *panel = rows + FW_SMALL, *xp = panel + j->psize;
	__u32 n0 = (__u32)((__u64)ci * j->N / j->nchunks);
	__u32 n1 = (__u32)((__u64)(ci + 1) * j->N / j->nchunks);
	struct fw_gimg im;
	__u32 n;

	for (n = n0; n < n1; n++) {
		fw_gemm_image(j, n, xp, &im);
		fw_gemm_units(j, &im, 0, j->units, rows, rows + 4 * FW_PT,
			      panel, NULL);
	}
}

/* Returns 1 when it ran, 0 when the scalar kernel must, or an error. */
static int fw_conv_gemm(struct fw_op_ctx *c)
{
	const struct enpu_op_conv *p = &c->op.params.conv;
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1], *y = &c->out;
	const __u32 N = x->dims[0], C = x->dims[1], H = x->dims[2];
	const __u32 W = x->dims[3], O = w->dims[0];
	const __u32 KH = w->dims[2], KW = w->dims[3];
	__u32 raw = !p->pad_top && !p->pad_left && !p->pad_bottom &&
		    !p->pad_right && p->stride_w == 1 && p->stride_h == 1;
	struct fw_gemm j = { .c = c };
	__u64 used = 0, avail, shared, each, tsize;
	__u32 n, k;
	__u8 *s;
	int err;

	j.K = w->dims[1] * KH * KW;
	if (j.K > FW_GEMM_KMAX)
		return 0;
	j.wp = fw_wpack_get(c, &used);
	if (!j.wp)
		return 0;
	if (j.wp->tm)
		raw = 0;	/* the interleaved copy is the source */
	j.sh = p->stride_h;
	j.sw = p->stride_w;
	j.dh = p->dilation_h;
	j.dw = p->dilation_w;
	j.OW = y->dims[3];
	j.OHW = y->dims[2] * y->dims[3];
	if (raw) {
		j.L = W;
		j.CS = (__u64)H * W;
		j.PS = 0;
	} else {
		j.Rq = y->dims[2] + (KH - 1) * j.dh / j.sh;
		j.L = j.OW + (KW - 1) * j.dw / j.sw;
		j.PS = (__u64)j.Rq * j.L;
		j.CS = j.PS * j.sh * j.sw;
		/* the tiles' runs read up to FW_PT past the last pixel */
		j.xsize = ((__u64)C * j.CS + FW_PT + 63) & ~63ULL;
		if (j.wp->tm)
			j.xsize = ((__u64)(C + 3) / 4 * 4 * j.CS +
				   4 * FW_PT + 63) & ~63ULL;
		for (k = 0; k < KH && k < 32; k++)
			j.qmask |= 1u << (k * j.dh % j.sh % 32);
		for (k = 0; k < KW && k < 32; k++)
			j.pmask |= 1u << (k * j.dw % j.sw % 32);
		if (KH > 32 || KW > 32)
			j.qmask = j.pmask = ~0u;
	}
	j.RS = j.L;
	j.FL = y->dims[2] * j.L;
	if (KH > 64 || KW > 64)
		return 0;	/* the validator's limit */
	for (k = 0; k < KH; k++)
		j.offh[k] = (k * j.dh % j.sh) * j.sw * j.PS +
			    (k * j.dh / j.sh) * j.RS;
	for (k = 0; k < KW; k++)
		j.offw[k] = (k * j.dw % j.sw) * j.PS + k * j.dw / j.sw;
	j.KG = j.wp->KG;
	j.psize = (__u64)j.KG * FW_PT * 4;
	j.raw = raw;
	j.N = N;
	j.C = C;
	j.H = H;
	j.W = W;
	j.O = O;
	j.CG = w->dims[1];
	j.OG = O / p->groups;
	j.OGB = (j.OG + FW_MR - 1) / FW_MR;
	j.KS = KH * KW;
	j.KW = KW;
	j.zx = x->zpu;
	j.flip = x->flip;
	j.pad = (__u8)(x->zpu ^ x->flip);
	fw_rqo_init(c, &j.o);
	j.ntiles = (j.FL + FW_PT - 1) / FW_PT;
	/* the output parameters once per op rather than per tile */
	tsize = ((__u64)O * sizeof(struct fw_chq) + 63) / 64 * 64;
	s = fw_scratch(c, used + tsize + FW_SMALL + j.psize + j.xsize);
	if (j.wp->chq && fw_chq_bias_same(c, 0, O, j.wp->chq)) {
		j.chqt = j.wp->chq;	/* prepare()'s */
	} else if (s && tsize <= FW_VQT_MAX) {
		struct fw_chq *t = (struct fw_chq *)(s + used);

		for (k = 0; k < O; k++)
			fw_gemm_chq(&j, k, &t[k]);
		j.chqt = t;
		used += tsize;
	}
	/* a batch on threads: whole images per chunk, one parallel call */
	j.region = FW_SMALL + j.psize + j.xsize;
	s = fw_scratch(c, used + 2 * j.region);
	if (s && N >= 2 && c->ex->hooks->parallel) {
		avail = c->ex->hooks->scratch_size - used;
		j.small = s + used;
		j.nparts = 1;
		j.units = p->groups * j.ntiles;
		j.nchunks = N < FW_CHUNKS ? N : FW_CHUNKS;
		if (j.nchunks > avail / j.region)
			j.nchunks = (__u32)(avail / j.region);
		fw_parallel(c, fw_gemm_img_chunk, &j, j.nchunks);
		err = fw_tick(c->ex, (__u64)N * O * j.OHW * j.K / 16 + 1);
		return err ? err : 1;
	}
	used += j.xsize;
	s = fw_scratch(c, used + FW_SMALL + j.psize);
	if (!s)
		return 0;
	avail = c->ex->hooks->scratch_size - used;
	j.small = s + used;
	/* every panel packed once, shared by the chunks, when they fit */
	shared = FW_CHUNKS * FW_SMALL + (__u64)p->groups * j.ntiles * j.psize;
	j.panels = shared <= avail ? j.small + FW_CHUNKS * FW_SMALL : NULL;
	j.nparts = 1;
	while (j.panels && p->groups * j.ntiles * j.nparts < 8 &&
	       j.nparts < j.OGB)
		j.nparts++;
	j.units = p->groups * j.ntiles * j.nparts;
	j.nchunks = j.units < FW_CHUNKS ? j.units : FW_CHUNKS;
	each = FW_SMALL + j.psize;
	if (!j.panels && j.nchunks > avail / each)
		j.nchunks = (__u32)(avail / each);
	j.cpanels = j.small + (__u64)j.nchunks * FW_SMALL;
	for (n = 0; n < N; n++) {
		fw_gemm_image(&j, n, s + used - j.xsize, &j.im);
		if (j.panels) {
			j.nchunks = j.units / j.nparts;
			if (j.nchunks > FW_CHUNKS)
				j.nchunks = FW_CHUNKS;
			fw_parallel(c, fw_gemm_pack_chunk, &j, j.nchunks);
			j.nchunks = j.units < FW_CHUNKS ? j.units : FW_CHUNKS;
		}
		fw_parallel(c, fw_gemm_chunk, &j, j.nchunks);
		err = fw_tick(c->ex, (__u64)O * j.OHW * j.K / 16 + 1);
		if (err)
			return err;
	}
	return 1;
}

/* --- convolution: depthwise ------------------------------------------- */

struct fw_dw {
	const struct fw_op_ctx *c;
	struct fw_rqo o;
	__u8 *scratch;
	__u64 region, PSZ;
	__u32 N, C, H, W, G, OG, KS, OH, OW, Rq, L, sh, sw, nchunks;
	__s32 pt, pl, zx;
	__u8 flip;
	__u32 toff[FW_DW_TAPS];
};

/* The planes of one input channel: [row phase][col phase][Rq][L]. */
static void fw_dw_planes(const struct fw_dw *j, const __u8 *xc, __s32 *pl,
			 __u8 *row)
{
	__u32 q, p;

	for (q = 0; q < j->sh; q++)
		for (p = 0; p < j->sw; p++) {
			__s32 *d = pl + (q * j->sw + p) * j->PSZ;

			fw_pad_rows(xc, j->H, j->W, j->pt, j->sh, q, j->pl, p,
				    j->sw, j->L, (__u8)(j->zx ^ j->flip), d, j->L,
				    j->Rq, row, j->flip, j->zx);
			memset(d + (__u64)j->Rq * j->L, 0,
			       (j->PSZ - (__u64)j->Rq * j->L) * 4);
		}
}

/* d[i] = centred s[2 * i] for i < n (s[2n - 2] is the last byte read). */
static void fw_deint2_c32(const __u8 *s, __s32 *d, __u32 n, __u8 flip,
			  __s32 zx)
{
	__u32 i = 0;
#if FW_VW == 16
	const __m512i m8 = _mm512_set1_epi32(0xff), f = _mm512_set1_epi32(flip);
	const __m512i z = _mm512_set1_epi32(zx);

	for (; i < n; i += 32) {
		__u32 k = n - i < 32 ? n - i : 32;
		__mmask64 lm = k == 32 ? ~0ULL >> 1 : (1ULL << (2 * k - 1)) - 1;
		__m512i v = _mm512_maskz_loadu_epi8(lm, s + 2 * i);
		__m512i a = _mm512_cvtepu16_epi32(_mm512_castsi512_si256(v));
		__m512i b = _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(v, 1));

		a = _mm512_sub_epi32(_mm512_xor_si512(_mm512_and_si512(a, m8), f), z);
		b = _mm512_sub_epi32(_mm512_xor_si512(_mm512_and_si512(b, m8), f), z);
		_mm512_mask_storeu_epi32(d + i, (__mmask16)(k >= 16 ? 0xffff :
							   (1u << k) - 1), a);
		if (k > 16)
			_mm512_mask_storeu_epi32(d + i + 16,
						 (__mmask16)(k == 32 ? 0xffff :
							     (1u << (k - 16)) - 1), b);
	}
#else
	const __m256i m8 = _mm256_set1_epi32(0xff), f = _mm256_set1_epi32(flip);
	const __m256i z = _mm256_set1_epi32(zx);

	for (; i + 9 <= n; i += 8) {
		__m256i a = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(s + 2 * i)));

		_mm256_storeu_si256((__m256i *)(d + i),
				    _mm256_sub_epi32(_mm256_xor_si256(_mm256_and_si256(a, m8), f), z));
	}
	for (; i < n; i++)
		d[i] = (s[2 * i] ^ flip) - zx;
#endif
}

/*
 * The same for column strides 1 and 2, row by row of the input: the planes
 * are zeroed (the centred padding), then each input row is converted into
 * its row phase (and split into the two column phases for stride 2).
 */
static void fw_dw_planes_fast(const struct fw_dw *j, const __u8 *xc,
			      __s32 *pl)
{
	__u32 ih, e;

	memset(pl, 0, (__u64)j->sh * j->sw * j->PSZ * 4);
	for (ih = 0; ih < j->H; ih++) {
		__u32 pr = ih + (__u32)j->pt, q = pr % j->sh, i = pr / j->sh;
		const __u8 *src = xc + (__u64)ih * j->W;

		if (i >= j->Rq)
			continue;
		for (e = 0; e < j->sw; e++) {
			__u32 p = ((__u32)j->pl + e) % j->sw;
			__u32 js = ((__u32)j->pl + e) / j->sw;
			__u32 cnt = (j->W - e + j->sw - 1) / j->sw;
			__s32 *d = pl + (q * j->sw + p) * j->PSZ + (__u64)i * j->L + js;

			if (js >= j->L || e >= j->W)
				continue;
			if (cnt > j->L - js)
				cnt = j->L - js;
			if (j->sw == 1) {
				fw_centre32(src, d, cnt, j->flip, j->zx);
			} else {
				fw_deint2_c32(src + e, d, cnt, j->flip, j->zx);
			}
		}
	}
}

/*
 * One output plane, flattened with row pitch L, into @obuf: @ks taps
 * (a compile-time 9 for 3x3, whose weights stay in registers, or 0 for
 * j->KS).
 */
FW_INLINE void fw_dw_plane(const struct fw_dw *j, const __s32 *pl,
			   const __s32 *wv, const struct fw_vq *vq, __u8 *obuf,
			   __u32 flat, const __u32 ks)
{
	const __u32 KS = ks ? ks : j->KS;
	fv wb[9];
	__u32 f, t;

	for (t = 0; ks && t < ks; t++)
		wb[t] = v_set1(wv[t]);
	for (f = 0; f < flat; f += 2 * FW_VW) {
		fv a0 = v_zero(), a1 = v_zero();

		for (t = 0; t < KS; t++) {
			const __s32 *sp = pl + j->toff[t] + f;
			fv wt = ks ? wb[t] : v_set1(wv[t]);

			a0 = v_add(a0, v_mullo(v_load(sp), wt));
			a1 = v_add(a1, v_mullo(v_load(sp + FW_VW), wt));
		}
		fw_out_vec(a0, vq, &j->o, obuf + f, FW_VW);
		fw_out_vec(a1, vq, &j->o, obuf + f + FW_VW, FW_VW);
	}
}

static void fw_dw_chunk(void *arg, __u32 ci)
{
	const struct fw_dw *j = arg;
	const struct fw_op_ctx *c = j->c;
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1];
	const __u32 units = j->N * j->G, flags = c->op.params.conv.flags;
	const __u32 flat = j->OH * j->L;
	__s32 *pl = (__s32 *)(j->scratch + ci * j->region);
	__u8 *obuf = (__u8 *)(pl + (__u64)j->sh * j->sw * j->PSZ);
	__u8 *row = obuf + (flat + 2 * FW_VW + 63) / 64 * 64;
	__u32 u0 = (__u32)((__u64)ci * units / j->nchunks);
	__u32 u1 = (__u32)((__u64)(ci + 1) * units / j->nchunks);
	__u32 u, k, t, oh;

	for (u = u0; u < u1; u++) {
		__u32 n = u / j->G, g = u % j->G;

		if (j->sw <= 2)
			fw_dw_planes_fast(j, x->data + ((__u64)n * j->C + g) *
					  j->H * j->W, pl);
		else
			fw_dw_planes(j, x->data + ((__u64)n * j->C + g) *
				     j->H * j->W, pl, row);
		for (k = 0; k < j->OG; k++) {
			const __u32 oc = g * j->OG + k;
			const __u8 *wk = w->data + (__u64)oc * j->KS;
			const __s32 wz = fw_simd_wzpu(c, flags, oc);
			__s32 wv[FW_DW_TAPS];
			struct fw_chq q;
			struct fw_vq vq;
			__u8 *yo = c->out.data +
				   ((__u64)n * j->G * j->OG + oc) * j->OH * j->OW;

			for (t = 0; t < j->KS; t++)
				wv[t] = (wk[t] ^ w->flip) - wz;
			fw_chq_get(c, oc, 0, &q);
			fw_vq_uniform(&q, j->KS, &vq);
			if (j->KS == 9)
				fw_dw_plane(j, pl, wv, &vq, obuf, flat, 9);
			else
				fw_dw_plane(j, pl, wv, &vq, obuf, flat, 0);
			for (oh = 0; oh < j->OH; oh++)
				fw_cpy(yo + (__u64)oh * j->OW,
				       obuf + (__u64)oh * j->L, j->OW);
		}
	}
}

#if FW_VW == 16
/*
 * Depthwise convolution of small planes, channel-blocked: 16 channels of
 * an image per unit, one vector per pixel.  The input block is transposed
 * into centred int32 [Hp][Wp][16] (padding 0), each output pixel is the sum
 * over the taps of one vector load times the tap's 16 weights (vpdpwssd /
 * vpmaddwd on the low int16 halves: the weights' high halves are 0, so each
 * lane is exactly x * w'), the outputs are requantized per lane into
 * [OH * OW][16] bytes and transposed back into the channels' planes.
 */
struct fw_dwc {
	const struct fw_op_ctx *c;
	struct fw_rqo o;
	__u8 *scratch;
	__u64 region, inb, wb;
	__u32 N, C, H, W, OH, OW, Hp, Wp, KS, sh, sw, pt, pl;
	__u32 cblocks, units, nchunks, shared;
	__s32 zx;
	__u8 flip;
	const struct fw_dwcs *st;	/* prepare()'s, or NULL */
	__u32 toff[FW_DW_TAPS];
};

/**
 * struct fw_dwcs - the blocked depthwise kernel's prepare() state: what
 * fw_dwc_params() computes for every block of 16 channels, once.
 * @mode: FW_PACK_DWC (the first member, as struct fw_wpack's).
 * @cblocks: blocks of 16 channels.
 * @KS: taps.
 * @wv: [cblocks][KS] weight vectors.
 * @q: [cblocks][16] channel parameters, with the bias the constant slot
 *	held (the kernel checks it against the run's).
 * @vq: [cblocks] their vectors (@vq[b].q points into @q).
 */
struct fw_dwcs {
	__u32 mode, cblocks, KS;
	fv *wv;
	struct fw_chq *q;
	struct fw_vq *vq;
};

/*
 * The weight vectors @wv[KS] (centred s16 in the low half of each dword,
 * 0 past @nv channels) and output parameters @q[16], @vq of the channels
 * @c0 .. @c0 + @nv - 1.
 */
static void fw_dwc_params(const struct fw_op_ctx *c, __u32 c0, __u32 nv,
			  __u32 KS, fv *wv, struct fw_chq *q, struct fw_vq *vq)
{
	const struct fw_tensor *w = &c->in[1];
	const __u32 flags = c->op.params.conv.flags;
	__s32 wz[16];
	__u32 l, t;

	for (l = 0; l < nv; l++)
		wz[l] = fw_simd_wzpu(c, flags, c0 + l);
	for (t = 0; t < KS; t++) {
		const __u8 *wt = w->data + (__u64)c0 * KS + t;
		__s32 wl[16];

		for (l = 0; l < 16; l++)
			wl[l] = l < nv ? (((wt[(__u64)l * KS] ^ w->flip) -
					   wz[l]) & 0xffff) : 0;
		wv[t] = v_load(wl);
	}
	for (l = 0; l < 16; l++)
		fw_chq_get(c, c0 + (l < nv ? l : nv - 1), 0, &q[l]);
	fw_vq_lanes(q, KS, vq);
}


/* Largest padded plane (pixels) and unit (MACs) of the blocked kernel. */
#define FW_DWC_PIX	4096
#define FW_DWC_WORK	(1u << 20)
/*
 * Fewest channels of the blocked kernel: with fewer than 16 it computes
 * idle lanes, and the plane kernel (fw_conv_dw()) is faster (8 channels
 * of 48 x 48, stride 1: twice as fast; stride 2: even).
 */
#define FW_DWC_MIN_C	16

static void *fw_dwc_prepare(struct fw_op_ctx *c,
			    void *(*alloc)(void *actx, __u64 size), void *actx,
			    int *err)
{
	const struct enpu_op_conv *p = &c->op.params.conv;
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1];
	const __u32 KS = w->dims[2] * w->dims[3], C = x->dims[1];
	const __u32 CB = (C + 15) / 16;
	const __u64 wvb = (__u64)CB * KS * sizeof(fv);
	const __u64 qb = ((__u64)CB * 16 * sizeof(struct fw_chq) + 63) & ~63ULL;
	const __u64 vqb = (__u64)CB * sizeof(struct fw_vq);
	struct fw_dwcs *st;
	__u8 *mem;
	__u32 b;

	if (w->dims[0] != p->groups || C != p->groups || KS > FW_DW_TAPS ||
	    C < FW_DWC_MIN_C)
		return NULL;	/* not fw_conv_dwc()'s */
	mem = alloc(actx, 64 + wvb + qb + vqb);
	if (!mem) {
		*err = -ENPU_FW_ENOMEM;
		return NULL;
	}
	st = (struct fw_dwcs *)mem;
	st->mode = FW_PACK_DWC;
	st->cblocks = CB;
	st->KS = KS;
	st->wv = (fv *)(mem + 64);
	st->q = (struct fw_chq *)(mem + 64 + wvb);
	st->vq = (struct fw_vq *)(mem + 64 + wvb + qb);
	for (b = 0; b < CB; b++)
		fw_dwc_params(c, 16 * b, C - 16 * b < 16 ? C - 16 * b : 16, KS,
			      st->wv + (__u64)b * KS, st->q + 16 * b,
			      &st->vq[b]);
	return st;
}


/* Transpose a 16 x 16 byte matrix held in r[] (row i = r[i]). */
FW_INLINE void fw_tr16(__m128i r[16])
{
	__m128i t[16];
	int s, i;

	for (s = 0; s < 4; s++) {
		for (i = 0; i < 8; i++) {
			t[2 * i] = _mm_unpacklo_epi8(r[i], r[i + 8]);
			t[2 * i + 1] = _mm_unpackhi_epi8(r[i], r[i + 8]);
		}
		for (i = 0; i < 16; i++)
			r[i] = t[i];
	}
}

/* The output pixels of one block; @ks: a compile-time 9, or 0 for j->KS. */
FW_INLINE void fw_dwc_pixels(const struct fw_dwc *j, const __s32 *in,
			     const fv *wv, const struct fw_vq *vq, __u8 *ob,
			     const __u32 ks)
{
	const __u32 KS = ks ? ks : j->KS;
	fv wr[9];
	__u32 oh, ow, t;

	for (t = 0; ks && t < ks; t++)
		wr[t] = wv[t];
	for (oh = 0; oh < j->OH; oh++) {
		const __s32 *row = in + (__u64)oh * j->sh * j->Wp * 16;

		for (ow = 0; ow < j->OW; ow++, ob += 16) {
			const __s32 *px = row + (__u64)ow * j->sw * 16;
			fv a = v_zero();

			for (t = 0; t < KS; t++)
				a = v_dot16(a, v_load(px + (__u64)j->toff[t] * 16),
					    ks ? wr[t] : wv[t]);
			fw_out_vec(a, vq, &j->o, ob, 16);
		}
	}
}

/*
 * Zero the padding of a block's centred input (@in, [Hp][Wp][16] int32):
 * the pixels the image does not cover; the transposition writes the rest.
 */
static void fw_dwc_border(const struct fw_dwc *j, __s32 *in)
{
	const __u64 row = (__u64)j->Wp * 16;
	const __u32 r0 = j->pt < j->Hp ? j->pt : j->Hp;
	const __u32 r1 = j->pt + j->H < j->Hp ? j->pt + j->H : j->Hp;
	const __u32 c0 = j->pl < j->Wp ? j->pl : j->Wp;
	const __u32 c1 = j->pl + j->W < j->Wp ? j->pl + j->W : j->Wp;
	__u32 r;

	memset(in, 0, r0 * row * 4);
	memset(in + r1 * row, 0, (j->Hp - r1) * row * 4);
	if (!c0 && c1 == j->Wp)
		return;
	for (r = r0; r < r1; r++) {
		memset(in + r * row, 0, (__u64)c0 * 64);
		memset(in + r * row + (__u64)c1 * 16, 0,
		       (__u64)(j->Wp - c1) * 64);
	}
}

static void fw_dwc_chunk(void *arg, __u32 ci)
{
	const struct fw_dwc *j = arg;
	const struct fw_op_ctx *c = j->c;
	const struct fw_tensor *x = &c->in[0];
	const __u32 HW = j->H * j->W, OHW = j->OH * j->OW;
	__u8 *reg = j->scratch + (j->shared ? 0 : ci * j->region);
	__s32 *in = (__s32 *)reg;
	fv *wv = (fv *)(reg + j->inb);
	__u8 *ob = reg + j->inb + j->wb;
	const __m512i f32 = _mm512_set1_epi32(j->flip);
	const __m512i z32 = _mm512_set1_epi32(j->zx);
	__u32 u0 = (__u32)((__u64)ci * j->units / j->nchunks);
	__u32 u1 = (__u32)((__u64)(ci + 1) * j->units / j->nchunks);
	__u32 u, l, p, i;

	for (u = u0; u < u1; u++) {
		const __u32 n = u / j->cblocks, c0 = u % j->cblocks * 16;
		const __u32 nv = j->C - c0 < 16 ? j->C - c0 : 16;
		const __u8 *xb = x->data + ((__u64)n * j->C + c0) * HW;
		__u8 *yb = c->out.data + ((__u64)n * j->C + c0) * OHW;
		struct fw_chq q[16];
		struct fw_vq vq;
		const struct fw_vq *vqp = &vq;
		const fv *wvp = wv;
		__u32 ih = 0, iw = 0;

		/* the weights and output parameters of the 16 lanes */
		if (j->st && fw_chq_bias_same(c, c0, nv, j->st->q + c0)) {
			wvp = j->st->wv + (__u64)(c0 / 16) * j->KS;
			vqp = &j->st->vq[c0 / 16];
		} else {
			fw_dwc_params(c, c0, nv, j->KS, wv, q, &vq);
		}
		/* the input block, transposed and centred */
		fw_dwc_border(j, in);
		for (p = 0; p < HW; p += 16) {
			const __u32 cnt = HW - p < 16 ? HW - p : 16;
			const __mmask16 m = (__mmask16)(cnt == 16 ? 0xffff :
							(1u << cnt) - 1);
			__m128i r[16];

			for (l = 0; l < 16; l++)
				r[l] = l < nv ? _mm_maskz_loadu_epi8(m, xb + (__u64)l * HW + p) :
						_mm_setzero_si128();
			fw_tr16(r);
			for (i = 0; i < cnt; i++) {
				__u32 ph = ih + j->pt, pw = iw + j->pl;

				if (ph < j->Hp && pw < j->Wp)
					_mm512_storeu_si512(in + ((__u64)ph * j->Wp + pw) * 16,
						_mm512_sub_epi32(_mm512_xor_si512(
							_mm512_cvtepu8_epi32(r[i]), f32), z32));
				if (++iw == j->W) {
					iw = 0;
					ih++;
				}
			}
		}
		if (j->KS == 9)
			fw_dwc_pixels(j, in, wvp, vqp, ob, 9);
		else
			fw_dwc_pixels(j, in, wvp, vqp, ob, 0);
		/* back to the channels' planes */
		for (p = 0; p < OHW; p += 16) {
			const __u32 cnt = OHW - p < 16 ? OHW - p : 16;
			const __mmask16 m = (__mmask16)(cnt == 16 ? 0xffff :
							(1u << cnt) - 1);
			__m128i r[16];

			for (i = 0; i < 16; i++)
				r[i] = _mm_loadu_si128((const __m128i *)(ob + (__u64)(p + i) * 16));
			fw_tr16(r);
			for (l = 0; l < nv; l++)
				_mm_mask_storeu_epi8(yb + (__u64)l * OHW + p, m, r[l]);
		}
	}
}

/* Returns 1 when it ran, 0 when it does not apply, or an error. */
static int fw_conv_dwc(struct fw_op_ctx *c)
{
	const struct enpu_op_conv *p = &c->op.params.conv;
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1], *y = &c->out;
	const __u32 KH = w->dims[2], KW = w->dims[3];
	struct fw_dwc *j;
	__u64 avail, Hp, Wp, obs;
	__u32 kh, kw;
	__u8 *s;
	int err;

	if (w->dims[0] != p->groups || x->dims[1] != p->groups ||
	    x->dims[1] < FW_DWC_MIN_C || KH * KW > FW_DW_TAPS || !c->ex->hooks)
		return 0;
	Hp = (__u64)(y->dims[2] - 1) * p->stride_h + (KH - 1) * p->dilation_h + 1;
	Wp = (__u64)(y->dims[3] - 1) * p->stride_w + (KW - 1) * p->dilation_w + 1;
	if (Hp * Wp > FW_DWC_PIX ||
	    (__u64)y->dims[2] * y->dims[3] * KH * KW * 16 > FW_DWC_WORK)
		return 0;
	s = fw_scratch(c, 4096);
	if (!s)
		return 0;
	j = (struct fw_dwc *)s;
	memset(j, 0, sizeof(*j));
	j->c = c;
	j->N = x->dims[0];
	j->C = x->dims[1];
	j->H = x->dims[2];
	j->W = x->dims[3];
	j->OH = y->dims[2];
	j->OW = y->dims[3];
	j->Hp = (__u32)Hp;
	j->Wp = (__u32)Wp;
	j->KS = KH * KW;
	j->sh = p->stride_h;
	j->sw = p->stride_w;
	j->pt = p->pad_top;
	j->pl = p->pad_left;
	j->zx = x->zpu;
	j->flip = x->flip;
	j->inb = Hp * Wp * 64;
	j->wb = (__u64)j->KS * 64;
	/* the output transposition reads whole 16-pixel groups */
	obs = ((__u64)j->OH * j->OW + 15) / 16 * 16 * 16;
	j->region = j->inb + j->wb + obs;
	avail = c->ex->hooks->scratch_size - 4096;
	if (c->ex->hooks->scratch_size < 4096 || j->region > avail)
		return 0;
	for (kh = 0; kh < KH; kh++)
		for (kw = 0; kw < KW; kw++)
			j->toff[kh * KW + kw] = kh * p->dilation_h * j->Wp +
						kw * p->dilation_w;
	fw_rqo_init(c, &j->o);
	j->scratch = s + 4096;
	j->cblocks = (j->C + 15) / 16;
	j->units = j->N * j->cblocks;
	if (c->state) {
		const struct fw_dwcs *st = c->state;

		if (st->mode == FW_PACK_DWC && st->cblocks == j->cblocks &&
		    st->KS == j->KS)
			j->st = st;
	}
	/* without threads, a chunk per unit (a yield between two) */
	j->shared = !c->ex->hooks->parallel;
	j->nchunks = j->shared || j->units < FW_CHUNKS ? j->units : FW_CHUNKS;
	if (!j->shared && j->nchunks > avail / j->region)
		j->nchunks = (__u32)(avail / j->region);
	fw_parallel(c, fw_dwc_chunk, j, j->nchunks);
	err = fw_tick(c->ex, (__u64)j->C * j->N * j->OH * j->OW * j->KS / 16 + 1);
	return err ? err : 1;
}
#endif

static int fw_conv_dw(struct fw_op_ctx *c)
{
	const struct enpu_op_conv *p = &c->op.params.conv;
	const struct fw_tensor *x = &c->in[0], *w = &c->in[1], *y = &c->out;
	const __u32 KH = w->dims[2], KW = w->dims[3];
	struct fw_dw *j;
	__u64 avail, flat;
	__u32 kh, kw;
	__u8 *s;
	int err;

	if (KH * KW > FW_DW_TAPS || !c->ex->hooks)
		return 0;
	s = fw_scratch(c, 4096);
	if (!s)
		return 0;
	j = (struct fw_dw *)s;
	memset(j, 0, sizeof(*j));
	j->c = c;
	j->N = x->dims[0];
	j->C = x->dims[1];
	j->H = x->dims[2];
	j->W = x->dims[3];
	j->G = p->groups;
	j->OG = w->dims[0] / j->G;
	j->KS = KH * KW;
	j->OH = y->dims[2];
	j->OW = y->dims[3];
	j->sh = p->stride_h;
	j->sw = p->stride_w;
	j->pt = p->pad_top;
	j->pl = p->pad_left;
	j->zx = x->zpu;
	j->flip = x->flip;
	j->Rq = j->OH + (KH - 1) * p->dilation_h / j->sh;
	j->L = j->OW + (KW - 1) * p->dilation_w / j->sw;
	j->PSZ = (__u64)j->Rq * j->L + 2 * FW_VW;
	flat = (__u64)j->OH * j->L;
	j->region = ((__u64)j->sh * j->sw * j->PSZ * 4 + 63) / 64 * 64 +
		    (flat + 2 * FW_VW + 63) / 64 * 64 + (j->L + 63) / 64 * 64;
	avail = c->ex->hooks->scratch_size - 4096;
	if (c->ex->hooks->scratch_size < 4096 || j->region > avail)
		return 0;
	for (kh = 0; kh < KH; kh++)
		for (kw = 0; kw < KW; kw++) {
			__u32 rh = kh * p->dilation_h, rw = kw * p->dilation_w;

			j->toff[kh * KW + kw] = (__u32)(((rh % j->sh) * j->sw +
							 rw % j->sw) * j->PSZ +
							(rh / j->sh) * j->L +
							rw / j->sw);
		}
	fw_rqo_init(c, &j->o);
	j->scratch = s + 4096;
	j->nchunks = j->N * j->G < FW_CHUNKS ? j->N * j->G : FW_CHUNKS;
	if (j->nchunks > avail / j->region)
		j->nchunks = (__u32)(avail / j->region);
	fw_parallel(c, fw_dw_chunk, j, j->nchunks);
	err = fw_tick(c->ex, (__u64)w->dims[0] * j->N * flat * j->KS / 16 + 1);
	return err ? err : 1;
}

int FW_FN(enpu_q8_conv2d_nchw__)(struct fw_op_ctx *c)
{
	int r = 0;

	if (fw_conv_is_dw(c)) {
#if FW_VW == 16
		r = fw_conv_dwc(c);
		if (!r)
#endif
			r = fw_conv_dw(c);
	}
	if (!r)
		r = fw_conv_gemm(c);
	if (r < 0)
		return r;
	return r ? 0 : enpu_q8_conv2d_nchw__scalar(c);
}

/* --- fully connected --------------------------------------------------- */

/* Output channels of one FC block. */
#define FW_FC_NB	4

struct fw_fc {
	const struct fw_op_ctx *c;
	const struct fw_wpack *wp;
	const struct fw_chq *chq;	/* prepare()'s, when its bias is the run's */
	struct fw_rqo o;
	const __u8 *xq;		/* M rows of KG * 4 bytes */
	__u32 M, N, K, KG, blocks, nchunks;
	__u32 bparts, mrows;	/* chunks: bparts block ranges x row ranges */
	__s32 zx;
};

/*
 * Multiply-accumulates of one FC chunk at most: bounded so that a variant
 * that runs without a parallel hook (the kernel) yields between chunks
 * about every millisecond whatever M, N and K are.
 */
#define FW_FC_CHUNK_MACS	(1ULL << 23)
/* Chunks an FC op is split into on threads, at least (if M allows). */
#define FW_FC_SPLIT		8

/* Rows of the FC micro-kernel. */
#define FW_FC_MR	4

/*
 * @mr (<= FW_FC_MR) rows m.. x @nv vectors of outputs n0..; named
 * accumulators (an array of them was copied between registers each step).
 */
FW_INLINE void fw_fc_rows(const struct fw_fc *j, __u32 n0,
			  const struct fw_vq *vq, const int nv, const int u8,
			  __u32 m, const int mr)
{
	const __u32 rows = j->wp->rows;
	const __u8 *xr = j->xq + (__u64)m * j->KG * 4;
	const __u8 *wr = j->wp->w + (__u64)n0 * 4;
	const __u64 xs = (__u64)j->KG * 4;
	fv a00 = v_zero(), a01 = v_zero(), a02 = v_zero(), a03 = v_zero();
	fv a10 = v_zero(), a11 = v_zero(), a12 = v_zero(), a13 = v_zero();
	fv a20 = v_zero(), a21 = v_zero(), a22 = v_zero(), a23 = v_zero();
	fv a30 = v_zero(), a31 = v_zero(), a32 = v_zero(), a33 = v_zero();
	__u32 kg;

	for (kg = 0; kg < j->KG; kg++, wr += (__u64)rows * 4) {
		const fv w0 = v_load(wr);
		const fv w1 = nv > 1 ? v_load(wr + FW_VW * 4) : w0;
		const fv w2 = nv > 2 ? v_load(wr + 2 * FW_VW * 4) : w0;
		const fv w3 = nv > 3 ? v_load(wr + 3 * FW_VW * 4) : w0;
		__s32 xi;
		fv xb;

#define FW_DOT(a, w) (u8 ? v_dot8(a, xb, w) : v_dot16(a, xb, w))
#define FW_ROW(r) \
	do { \
		memcpy(&xi, xr + (r) * xs + kg * 4, 4); \
		xb = v_set1(xi); \
		a##r##0 = FW_DOT(a##r##0, w0); \
		if (nv > 1) \
			a##r##1 = FW_DOT(a##r##1, w1); \
		if (nv > 2) \
			a##r##2 = FW_DOT(a##r##2, w2); \
		if (nv > 3) \
			a##r##3 = FW_DOT(a##r##3, w3); \
	} while (0)
		FW_ROW(0);
		if (mr > 1)
			FW_ROW(1);
		if (mr > 2)
			FW_ROW(2);
		if (mr > 3)
			FW_ROW(3);
#undef FW_ROW
#undef FW_DOT
	}
#define FW_O(r, t, a) \
	do { \
		__u32 cnt = j->N - n0 - (t) * FW_VW; \
		fw_out_vec(a, &vq[t], &j->o, j->c->out.data + \
			   (__u64)(m + (r)) * j->N + n0 + (t) * FW_VW, \
			   cnt < FW_VW ? cnt : FW_VW); \
	} while (0)
#define FW_OUT(r) \
	do { \
		FW_O(r, 0, a##r##0); \
		if (nv > 1) \
			FW_O(r, 1, a##r##1); \
		if (nv > 2) \
			FW_O(r, 2, a##r##2); \
		if (nv > 3) \
			FW_O(r, 3, a##r##3); \
	} while (0)
	FW_OUT(0);
	if (mr > 1)
		FW_OUT(1);
	if (mr > 2)
		FW_OUT(2);
	if (mr > 3)
		FW_OUT(3);
#undef FW_OUT
#undef FW_O
}

FW_INLINE void fw_fc_mk(const struct fw_fc *j, __u32 n0, const struct fw_vq *vq,
			const int nv, const int u8, __u32 m0, __u32 m1)
{
	__u32 m = m0;

	/* fewer rows at once when the vectors of 4 would not fit registers */
	if (nv <= 2 || FW_VW == 16) {
		for (; m + FW_FC_MR <= m1; m += FW_FC_MR)
			fw_fc_rows(j, n0, vq, nv, u8, m, FW_FC_MR);
	}
	for (; m + 2 <= m1; m += 2)
		fw_fc_rows(j, n0, vq, nv, u8, m, 2);
	for (; m < m1; m++)
		fw_fc_rows(j, n0, vq, nv, u8, m, 1);
}

static void fw_fc_chunk(void *arg, __u32 ci)
{
	const struct fw_fc *j = arg;
	const int u8 = j->wp->mode == FW_PACK_U8;
	const __u32 bi = ci % j->bparts, mi = ci / j->bparts;
	__u32 b0 = (__u32)((__u64)bi * j->blocks / j->bparts);
	__u32 b1 = (__u32)((__u64)(bi + 1) * j->blocks / j->bparts);
	__u32 m0 = mi * j->mrows;
	__u32 m1 = m0 + j->mrows < j->M ? m0 + j->mrows : j->M;
	__u32 b, l;

	for (b = b0; b < b1; b++) {
		const __u32 n0 = b * FW_FC_NB * FW_VW;
		struct fw_chq q[FW_FC_NB * FW_VW];
		struct fw_vq vq[FW_FC_NB];
		__u32 nv = (j->N - n0 + FW_VW - 1) / FW_VW, t;

		if (nv > FW_FC_NB)
			nv = FW_FC_NB;
		for (l = 0; l < nv * FW_VW; l++) {
			__u32 n = n0 + l < j->N ? n0 + l : j->N - 1;

			if (j->chq)
				q[l] = j->chq[n];
			else
				fw_chq_get(j->c, n, u8 ? -j->zx * j->wp->sumw[n] : 0,
					   &q[l]);
		}
		for (t = 0; t < nv; t++)
			fw_vq_lanes(q + t * FW_VW, j->K, &vq[t]);
#define FW_MK(n) \
	do { \
		if (u8) \
			fw_fc_mk(j, n0, vq, n, 1, m0, m1); \
		else \
			fw_fc_mk(j, n0, vq, n, 0, m0, m1); \
	} while (0)
		switch (nv) {
		case 1:
			FW_MK(1);
			break;
		case 2:
			FW_MK(2);
			break;
		case 3:
			FW_MK(3);
			break;
		case 4:
			FW_MK(4);
			break;
		}
#undef FW_MK
	}
}

int FW_FN(enpu_q8_fully_connected__)(struct fw_op_ctx *c)
{
	const struct fw_tensor *x = &c->in[0];
	struct fw_fc j = { .c = c };
	__u64 used = 0, xs;
	__u32 K = x->dims[1], m, k;
	__m128i f8, z16;
	__u8 *s;
	int err;

	if (K > FW_GEMM_KMAX)
		return enpu_q8_fully_connected__scalar(c);
	j.wp = fw_wpack_get(c, &used);
	if (!j.wp)
		return enpu_q8_fully_connected__scalar(c);
	j.M = x->dims[0];
	j.N = c->in[1].dims[1];
	j.K = K;
	j.KG = j.wp->KG;
	j.zx = x->zpu;
	if (j.wp->chq && fw_chq_bias_same(c, 0, j.N, j.wp->chq))
		j.chq = j.wp->chq;
	xs = ((__u64)j.M * j.KG * 4 + 63) & ~63ULL;
	s = fw_scratch(c, used + xs);
	if (!s)
		return enpu_q8_fully_connected__scalar(c);
	f8 = _mm_set1_epi8((char)x->flip);
	z16 = _mm_set1_epi16((short)j.zx);
	for (m = 0; m < j.M; m++) {
		const __u8 *xr = x->data + (__u64)m * K;
		__u8 *d = s + used + (__u64)m * j.KG * 4;

		if (j.wp->mode == FW_PACK_U8) {
			for (k = 0; k + 16 <= K; k += 16)
				_mm_storeu_si128((__m128i *)(d + k),
						 _mm_xor_si128(_mm_loadu_si128((const __m128i *)(xr + k)), f8));
			for (; k < K; k++)
				d[k] = xr[k] ^ x->flip;
			for (; k < j.KG * 4; k++)
				d[k] = (__u8)j.zx;
		} else {
			__s16 *h = (__s16 *)d;

			for (k = 0; k + 8 <= K; k += 8)
				_mm_storeu_si128((__m128i *)(h + k),
						 _mm_sub_epi16(_mm_cvtepu8_epi16(_mm_xor_si128(
							_mm_loadl_epi64((const __m128i *)(xr + k)), f8)), z16));
			for (; k < K; k++)
				h[k] = (__s16)((xr[k] ^ x->flip) - j.zx);
			for (; k < j.KG * 2; k++)
				h[k] = 0;
		}
	}
	j.xq = s + used;
	fw_rqo_init(c, &j.o);
	j.blocks = (j.N + FW_FC_NB * FW_VW - 1) / (FW_FC_NB * FW_VW);
	j.bparts = j.blocks < FW_CHUNKS ? j.blocks : FW_CHUNKS;
	/* rows per chunk: the block range's work within FW_FC_CHUNK_MACS */
	{
		__u64 per_row = ((__u64)j.blocks / j.bparts + 1) *
				FW_FC_NB * FW_VW * (__u64)K;
		__u64 rows = FW_FC_CHUNK_MACS / per_row;

		j.mrows = rows < 1 ? 1 : rows > j.M ? j.M : (__u32)rows;
		/* with threads: at least FW_FC_SPLIT chunks when rows allow */
		if (c->ex->hooks->parallel && j.bparts < FW_FC_SPLIT) {
			__u32 want = (FW_FC_SPLIT + j.bparts - 1) / j.bparts;
			__u32 mr = (j.M + want - 1) / want;

			if (mr < j.mrows)
				j.mrows = mr;
		}
	}
	j.nchunks = j.bparts * ((j.M + j.mrows - 1) / j.mrows);
	fw_parallel(c, fw_fc_chunk, &j, j.nchunks);
	err = fw_tick(c->ex, (__u64)j.M * j.N * K / 16 + 1);
	return err;
}
