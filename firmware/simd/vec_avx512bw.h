/* SPDX-License-Identifier: MIT */
/*
 * The AVX-512BW primitives the template kernels (q8_*_tmpl.h) are written
 * in: "q" vectors of FW_VQ signed 64-bit lanes for the exact requantization,
 * "b" vectors of FW_VB bytes for the max pool and the plane sums.  Only the
 * files built with the avx512bw flags include it.
 */
#ifndef _ENPU_FW_VEC_AVX512BW_H_
#define _ENPU_FW_VEC_AVX512BW_H_

#include <immintrin.h>

#include "simd.h"

#define FW_VQ		8
#define FW_VB		64
#define FW_ISA(name)	name##__avx512bw

#define fw_vq __m512i	/* vector types as macros: checkpatch refuses typedefs */
#define fw_vb __m512i

static inline fw_vq vq_set1(__s64 v) { return _mm512_set1_epi64(v); }
static inline fw_vq vq_add(fw_vq a, fw_vq b) { return _mm512_add_epi64(a, b); }
static inline fw_vq vq_sub(fw_vq a, fw_vq b) { return _mm512_sub_epi64(a, b); }
static inline fw_vq vq_and(fw_vq a, fw_vq b) { return _mm512_and_si512(a, b); }
static inline fw_vq vq_xor(fw_vq a, fw_vq b) { return _mm512_xor_si512(a, b); }
static inline fw_vq vq_max(fw_vq a, fw_vq b) { return _mm512_max_epi64(a, b); }
static inline fw_vq vq_min(fw_vq a, fw_vq b) { return _mm512_min_epi64(a, b); }
/* The low 32 bits of each lane, signed, multiplied into 64. */
static inline fw_vq vq_mul32(fw_vq a, fw_vq b) { return _mm512_mul_epi32(a, b); }
static inline fw_vq vq_sll(fw_vq a, __u32 n)
{
	return _mm512_sll_epi64(a, _mm_cvtsi32_si128((int)n));
}

static inline fw_vq vq_srl(fw_vq a, __u32 n)
{
	return _mm512_srl_epi64(a, _mm_cvtsi32_si128((int)n));
}

static inline fw_vq vq_sra(fw_vq a, __u32 n)
{
	return _mm512_sra_epi64(a, _mm_cvtsi32_si128((int)n));
}

/* FW_VQ bytes, zero-extended. */
static inline fw_vq vq_ld8(const __u8 *p)
{
	return _mm512_cvtepu8_epi64(_mm_loadl_epi64((const __m128i *)p));
}

/* FW_VQ 32-bit values, sign-extended. */
static inline fw_vq vq_ld32(const __s32 *p)
{
	return _mm512_cvtepi32_epi64(_mm256_loadu_si256((const __m256i *)p));
}

/* The low byte of each lane. */
static inline void vq_st8(__u8 *p, fw_vq v)
{
	_mm_storel_epi64((__m128i *)p, _mm512_cvtepi64_epi8(v));
}

/* "d" vectors: FW_VD = 2 * FW_VQ signed 32-bit lanes, same registers. */
#define FW_VD		16
static inline fw_vq vd_set1(__s32 v) { return _mm512_set1_epi32(v); }
static inline fw_vq vd_add(fw_vq a, fw_vq b) { return _mm512_add_epi32(a, b); }
static inline fw_vq vd_sub(fw_vq a, fw_vq b) { return _mm512_sub_epi32(a, b); }
static inline fw_vq vd_max(fw_vq a, fw_vq b) { return _mm512_max_epi32(a, b); }
static inline fw_vq vd_min(fw_vq a, fw_vq b) { return _mm512_min_epi32(a, b); }
static inline fw_vq vd_mullo(fw_vq a, fw_vq b) { return _mm512_mullo_epi32(a, b); }
static inline fw_vq vd_sll(fw_vq a, __u32 n)
{
	return _mm512_sll_epi32(a, _mm_cvtsi32_si128((int)n));
}

static inline fw_vq vd_sra(fw_vq a, __u32 n)
{
	return _mm512_sra_epi32(a, _mm_cvtsi32_si128((int)n));
}

/* The high halves of @e's and @o's 64-bit lanes, interleaved. */
static inline fw_vq vd_hi_pairs(fw_vq e, fw_vq o)
{
	return _mm512_mask_blend_epi32(0xaaaa, _mm512_srli_epi64(e, 32), o);
}

static inline fw_vq vd_ld8(const __u8 *p)
{
	return _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p));
}

static inline void vd_st8(__u8 *p, fw_vq v)
{
	_mm_storeu_si128((__m128i *)p, _mm512_cvtepi32_epi8(v));
}

static inline fw_vb vb_set1(__u8 v) { return _mm512_set1_epi8((char)v); }
static inline fw_vb vb_ld(const __u8 *p) { return _mm512_loadu_si512(p); }
static inline void vb_st(__u8 *p, fw_vb v) { _mm512_storeu_si512(p, v); }
static inline fw_vb vb_xor(fw_vb a, fw_vb b) { return _mm512_xor_si512(a, b); }
static inline fw_vb vb_max(fw_vb a, fw_vb b) { return _mm512_max_epu8(a, b); }
static inline fw_vb vb_min(fw_vb a, fw_vb b) { return _mm512_min_epu8(a, b); }

/* Store bytes [0, n) of @v at @p, n < FW_VB (writes only those). */
static inline void vb_st_part(__u8 *p, fw_vb v, __u32 n)
{
	_mm512_mask_storeu_epi8(p, (1ULL << n) - 1, v);
}

/* The even bytes of FW_VB at @src: the first n <= FW_VB / 2 at @dst. */
static inline void vb_even(__u8 *dst, const __u8 *src, __u32 n)
{
	__mmask32 k = n >= 32 ? ~0u : (1u << n) - 1;

	_mm256_mask_storeu_epi8(dst, k, _mm512_cvtepi16_epi8(vb_ld(src)));
}

/* Bytes [0, n) of @p, n <= FW_VB, the rest @fill; reads only [0, n). */
static inline fw_vb vb_ld_part(const __u8 *p, __u32 n, __u8 fill)
{
	__mmask64 k = n >= 64 ? ~0ULL : (1ULL << n) - 1;

	return _mm512_mask_loadu_epi8(_mm512_set1_epi8((char)fill), k, p);
}

/* Per 8-byte group, the sum of its bytes: FW_VB / 8 sums in q lanes. */
static inline fw_vq vb_sum8(fw_vb v)
{
	return _mm512_sad_epu8(v, _mm512_setzero_si512());
}

static inline __s64 vq_hsum(fw_vq v) { return _mm512_reduce_add_epi64(v); }

/* The sum of (p[i] ^ xf) for i < n <= 16 (reads only those bytes). */
static inline __s64 vb_sum16(const __u8 *p, __u32 n, __u8 xf, int safe)
{
	(void)safe;
	__m128i v = _mm_maskz_loadu_epi8((__mmask16)((1u << n) - 1), p);
	__m128i k = _mm_maskz_mov_epi8((__mmask16)((1u << n) - 1),
				       _mm_set1_epi8((char)xf));

	v = _mm_sad_epu8(_mm_xor_si128(v, k), _mm_setzero_si128());
	return _mm_cvtsi128_si64(_mm_add_epi64(v, _mm_unpackhi_epi64(v, v)));
}

/* The sum of (p[i] ^ xf) for i < n < FW_VB. */
static inline __s64 vb_sum_tail(const __u8 *p, __u32 n, __u8 xf)
{
	__mmask64 k = (1ULL << n) - 1;
	__m512i v = _mm512_maskz_loadu_epi8(k, p);

	v = _mm512_xor_si512(v, _mm512_maskz_mov_epi8(k, _mm512_set1_epi8((char)xf)));
	return _mm512_reduce_add_epi64(vb_sum8(v));
}

#endif /* _ENPU_FW_VEC_AVX512BW_H_ */
