/* SPDX-License-Identifier: MIT */
/*
 * The AVX2 primitives the template kernels (q8_*_tmpl.h) are written in, as
 * vec_avx512bw.h defines them.  AVX2 has no 64-bit arithmetic shift nor
 * 64-bit min/max: they are built from the logical shift and vpcmpgtq,
 * exactly.  Only the files built with the avx2 flags include it.
 */
#ifndef _ENPU_FW_VEC_AVX2_H_
#define _ENPU_FW_VEC_AVX2_H_

#include <immintrin.h>

#include "simd.h"

#define FW_VQ		4
#define FW_VB		32
#define FW_ISA(name)	name##__avx2

#define fw_vq __m256i	/* vector types as macros: checkpatch refuses typedefs */
#define fw_vb __m256i

static inline fw_vq vq_set1(__s64 v) { return _mm256_set1_epi64x(v); }
static inline fw_vq vq_add(fw_vq a, fw_vq b) { return _mm256_add_epi64(a, b); }
static inline fw_vq vq_sub(fw_vq a, fw_vq b) { return _mm256_sub_epi64(a, b); }
static inline fw_vq vq_and(fw_vq a, fw_vq b) { return _mm256_and_si256(a, b); }
static inline fw_vq vq_xor(fw_vq a, fw_vq b) { return _mm256_xor_si256(a, b); }

static inline fw_vq vq_max(fw_vq a, fw_vq b)
{
	return _mm256_blendv_epi8(b, a, _mm256_cmpgt_epi64(a, b));
}

static inline fw_vq vq_min(fw_vq a, fw_vq b)
{
	return _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(a, b));
}

static inline fw_vq vq_mul32(fw_vq a, fw_vq b) { return _mm256_mul_epi32(a, b); }

static inline fw_vq vq_sll(fw_vq a, __u32 n)
{
	return _mm256_sll_epi64(a, _mm_cvtsi32_si128((int)n));
}

static inline fw_vq vq_srl(fw_vq a, __u32 n)
{
	return _mm256_srl_epi64(a, _mm_cvtsi32_si128((int)n));
}

/* floor(a / 2^n): ~a is -a - 1 >= 0 for a < 0, and ~(~a >> n) is a >> n. */
static inline fw_vq vq_sra(fw_vq a, __u32 n)
{
	fw_vq s = _mm256_cmpgt_epi64(_mm256_setzero_si256(), a);

	return vq_xor(vq_srl(vq_xor(a, s), n), s);
}

static inline fw_vq vq_ld8(const __u8 *p)
{
	__s32 v;

	__builtin_memcpy(&v, p, 4);
	return _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(v));
}

static inline fw_vq vq_ld32(const __s32 *p)
{
	return _mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)p));
}

static inline void vq_st8(__u8 *p, fw_vq v)
{
	const __m256i pick = _mm256_setr_epi8(0, 8, -1, -1, -1, -1, -1, -1,
					      -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, 0, 8, -1, -1, -1, -1,
					      -1, -1, -1, -1, -1, -1, -1, -1);
	__m256i b = _mm256_shuffle_epi8(v, pick);
	__s32 w = _mm_cvtsi128_si32(_mm_or_si128(_mm256_castsi256_si128(b),
						 _mm256_extracti128_si256(b, 1)));

	__builtin_memcpy(p, &w, 4);
}

/* "d" vectors: FW_VD = 2 * FW_VQ signed 32-bit lanes, same registers. */
#define FW_VD		8
static inline fw_vq vd_set1(__s32 v) { return _mm256_set1_epi32(v); }
static inline fw_vq vd_add(fw_vq a, fw_vq b) { return _mm256_add_epi32(a, b); }
static inline fw_vq vd_sub(fw_vq a, fw_vq b) { return _mm256_sub_epi32(a, b); }
static inline fw_vq vd_max(fw_vq a, fw_vq b) { return _mm256_max_epi32(a, b); }
static inline fw_vq vd_min(fw_vq a, fw_vq b) { return _mm256_min_epi32(a, b); }
static inline fw_vq vd_mullo(fw_vq a, fw_vq b) { return _mm256_mullo_epi32(a, b); }
static inline fw_vq vd_sll(fw_vq a, __u32 n)
{
	return _mm256_sll_epi32(a, _mm_cvtsi32_si128((int)n));
}

static inline fw_vq vd_sra(fw_vq a, __u32 n)
{
	return _mm256_sra_epi32(a, _mm_cvtsi32_si128((int)n));
}

static inline fw_vq vd_hi_pairs(fw_vq e, fw_vq o)
{
	return _mm256_blend_epi32(_mm256_srli_epi64(e, 32), o, 0xaa);
}

static inline fw_vq vd_ld8(const __u8 *p)
{
	return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
}

static inline void vd_st8(__u8 *p, fw_vq v)
{
	const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1,
					      -1, -1, -1, -1, -1, -1, -1, -1,
					      -1, -1, -1, -1, 0, 4, 8, 12,
					      -1, -1, -1, -1, -1, -1, -1, -1);
	__m256i b = _mm256_shuffle_epi8(v, pick);

	_mm_storel_epi64((__m128i *)p,
			 _mm_or_si128(_mm256_castsi256_si128(b),
				      _mm256_extracti128_si256(b, 1)));
}

static inline fw_vb vb_set1(__u8 v) { return _mm256_set1_epi8((char)v); }
static inline fw_vb vb_ld(const __u8 *p) { return _mm256_loadu_si256((const __m256i *)p); }
static inline void vb_st(__u8 *p, fw_vb v) { _mm256_storeu_si256((__m256i *)p, v); }
static inline fw_vb vb_xor(fw_vb a, fw_vb b) { return _mm256_xor_si256(a, b); }
static inline fw_vb vb_max(fw_vb a, fw_vb b) { return _mm256_max_epu8(a, b); }
static inline fw_vb vb_min(fw_vb a, fw_vb b) { return _mm256_min_epu8(a, b); }

static inline void vb_st_part(__u8 *p, fw_vb v, __u32 n)
{
	__u8 t[32];
	__u32 i = 0;

	vb_st(t, v);
	if (n >= 16) {
		__builtin_memcpy(p, t, 16);
		i = 16;
	}
	if (n - i >= 8) {
		__builtin_memcpy(p + i, t + i, 8);
		i += 8;
	}
	for (; i < n; i++)
		p[i] = t[i];
}

static inline void vb_even(__u8 *dst, const __u8 *src, __u32 n)
{
	__m256i v = _mm256_and_si256(vb_ld(src), _mm256_set1_epi16(0xff));

	v = _mm256_permute4x64_epi64(_mm256_packus_epi16(v, v), 0x08);
	if (n >= 16)
		_mm_storeu_si128((__m128i *)dst, _mm256_castsi256_si128(v));
	else
		vb_st_part(dst, v, n);
}

static inline fw_vb vb_ld_part(const __u8 *p, __u32 n, __u8 fill)
{
	__u8 t[32];

	__builtin_memset(t, fill, sizeof(t));
	__builtin_memcpy(t, p, n);
	return vb_ld(t);
}

static inline fw_vq vb_sum8(fw_vb v)
{
	return _mm256_sad_epu8(v, _mm256_setzero_si256());
}

static inline __s64 vq_hsum(fw_vq v)
{
	__m128i s = _mm_add_epi64(_mm256_castsi256_si128(v),
				  _mm256_extracti128_si256(v, 1));

	return _mm_cvtsi128_si64(_mm_add_epi64(s, _mm_unpackhi_epi64(s, s)));
}

/* The sum of (p[i] ^ xf) for i < n < FW_VB (AVX2 has no byte-masked loads). */
static inline __s64 vb_sum_tail(const __u8 *p, __u32 n, __u8 xf)
{
	__u32 i, s = 0;

	for (i = 0; i < n; i++)
		s += p[i] ^ xf;
	return s;
}

/*
 * The same for n <= 16; @safe: 16 bytes are readable at @p (the bytes past
 * @n are masked off), else a byte loop.
 */
static inline __s64 vb_sum16(const __u8 *p, __u32 n, __u8 xf, int safe)
{
	static const __u8 ones[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	__m128i v, k;

	if (!safe)
		return vb_sum_tail(p, n, xf);
	k = _mm_loadu_si128((const __m128i *)(ones + 16 - n));
	v = _mm_and_si128(_mm_xor_si128(_mm_loadu_si128((const __m128i *)p),
					_mm_set1_epi8((char)xf)), k);
	v = _mm_sad_epu8(v, _mm_setzero_si128());
	return _mm_cvtsi128_si64(_mm_add_epi64(v, _mm_unpackhi_epi64(v, v)));
}

#endif /* _ENPU_FW_VEC_AVX2_H_ */
