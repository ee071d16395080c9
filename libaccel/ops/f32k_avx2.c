// SPDX-License-Identifier: MIT
/*
 * float32 kernels for AVX2+FMA (built with -mavx2 -mfma, called only where
 * the CPU has them; see f32k.c).
 *
 * gemm: register tiles of up to 6 rows x 16 columns (12 accumulators of the
 * 16 ymm registers); ragged column edges use masked loads and stores.
 */
#if defined(__x86_64__)
#include <immintrin.h>

#include "ops/f32k.h"

#define AI static inline __attribute__((always_inline))

AI __m256i mask_n(int64_t cnt)
{
	int c = cnt > 8 ? 8 : cnt < 0 ? 0 : (int)cnt;

	return _mm256_cmpgt_epi32(_mm256_set1_epi32(c),
				  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

AI __m256 epi_v(__m256 v, __m256 bias, const float *res, __m256i mk,
		__m256 lo, __m256 hi)
{
	v = _mm256_add_ps(v, bias);
	if (res)
		v = _mm256_add_ps(v, _mm256_maskload_ps(res, mk));
	v = _mm256_max_ps(lo, v);
	return _mm256_min_ps(hi, v);
}

/* named accumulators (an array of them would live on the stack) */
#define TILE_STEP(r)							\
	do {								\
		if (mr > (r)) {						\
			__m256 av_ = _mm256_set1_ps(ap[(r) * lda]);		\
									\
			a0_##r = _mm256_fmadd_ps(av_, b0, a0_##r);		\
			if (nv > 1)					\
				a1_##r = _mm256_fmadd_ps(av_, b1, a1_##r);	\
		}							\
	} while (0)
#define TILE_STORE(r, x0, x1)						\
	do {								\
		if (mr > (r)) {						\
			__m256 bv = _mm256_set1_ps(ep->bias ?			\
						ep->bias[i0 + (r)] : 0.0f); \
			const float *res = ep->res ?			\
				ep->res + (i0 + (r)) * ep->ldr + j0 : NULL; \
									\
			_mm256_maskstore_ps(c + (r) * ldc, m0, epi_v(x0, bv, res, m0, lo, hi)); \
			if (nv > 1)					\
				_mm256_maskstore_ps(c + (r) * ldc + 8, m1, epi_v(x1, bv, res ? res + 8 : NULL, m1, lo, hi)); \
		}							\
	} while (0)

AI void tile(const int mr, const int nv, const int ind, int64_t k,
	     const float *a, int64_t lda, const float *b, int64_t ldb,
	     const int64_t *boff, float *c, int64_t ldc,
	     __m256i m0, __m256i m1, const struct f32_epi *ep, int64_t i0,
	     int64_t j0)
{
	__m256 lo = _mm256_set1_ps(ep->lo), hi = _mm256_set1_ps(ep->hi);
	__m256 a0_0 = _mm256_setzero_ps(), a1_0 = _mm256_setzero_ps();
	__m256 a0_1 = _mm256_setzero_ps(), a1_1 = _mm256_setzero_ps();
	__m256 a0_2 = _mm256_setzero_ps(), a1_2 = _mm256_setzero_ps();
	__m256 a0_3 = _mm256_setzero_ps(), a1_3 = _mm256_setzero_ps();
	__m256 a0_4 = _mm256_setzero_ps(), a1_4 = _mm256_setzero_ps();
	__m256 a0_5 = _mm256_setzero_ps(), a1_5 = _mm256_setzero_ps();

	for (int64_t p = 0; p < k; p++) {
		const float *bp = ind ? b + boff[p] : b + p * ldb;
		const float *ap = a + p;
		__m256 b0 = _mm256_maskload_ps(bp, m0);
		__m256 b1 = nv > 1 ? _mm256_maskload_ps(bp + 8, m1) : b0;

		TILE_STEP(0);
		TILE_STEP(1);
		TILE_STEP(2);
		TILE_STEP(3);
		TILE_STEP(4);
		TILE_STEP(5);
	}
	TILE_STORE(0, a0_0, a1_0);
	TILE_STORE(1, a0_1, a1_1);
	TILE_STORE(2, a0_2, a1_2);
	TILE_STORE(3, a0_3, a1_3);
	TILE_STORE(4, a0_4, a1_4);
	TILE_STORE(5, a0_5, a1_5);
}

#define TILE_CASE(MR)							\
	case MR:							\
		if (nv > 1)						\
			tile(MR, 2, ind, k, ai, lda, bj, ldb, boff, cij, ldc, \
			     m0, m1, ep, i0, j0);			\
		else							\
			tile(MR, 1, ind, k, ai, lda, bj, ldb, boff, cij, ldc, \
			     m0, m1, ep, i0, j0);			\
		break

AI void gemm_body(const int ind, int64_t m, int64_t n, int64_t k,
		  const float *a, int64_t lda, const float *b, int64_t ldb,
		  const int64_t *boff, float *c, int64_t ldc,
		  const struct f32_epi *ep)
{
	for (int64_t j0 = 0; j0 < n; j0 += 16) {
		int64_t jn = n - j0 < 16 ? n - j0 : 16;
		__m256i m0 = mask_n(jn), m1 = mask_n(jn - 8);
		int nv = jn > 8 ? 2 : 1;
		const float *bj = b + j0;

		for (int64_t i0 = 0; i0 < m; i0 += 6) {
			const float *ai = a + i0 * lda;
			float *cij = c + i0 * ldc + j0;

			switch (m - i0 < 6 ? (int)(m - i0) : 6) {
			TILE_CASE(1);
			TILE_CASE(2);
			TILE_CASE(3);
			TILE_CASE(4);
			TILE_CASE(5);
			default:
			TILE_CASE(6);
			}
		}
	}
}

static void gemm_avx2(int64_t m, int64_t n, int64_t k, const float *a,
		int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc,
		const struct f32_epi *ep)
{
	gemm_body(0, m, n, k, a, lda, b, ldb, NULL, c, ldc, ep);
}

/* One output row (a run of B) at a time. */
static void gemm_ind_avx2(int64_t m, int64_t n, int64_t k, const float *a,
			  int64_t lda, const float *b, const int64_t *boff,
			  int64_t bw, int64_t bld, float *c, int64_t ldc,
			  const struct f32_epi *ep)
{
	struct f32_epi er = *ep;

	if (bw >= n) {
		gemm_body(1, m, n, k, a, lda, b, 0, boff, c, ldc, ep);
		return;
	}
	for (int64_t j0 = 0; j0 < n; j0 += bw) {
		if (ep->res)
			er.res = ep->res + j0;
		gemm_body(1, m, n - j0 < bw ? n - j0 : bw, k, a, lda,
			  b + j0 / bw * bld, 0, boff, c + j0, ldc, &er);
	}
}

AI float hsum(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v),
			      _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
	return _mm_cvtss_f32(s);
}

static void gemv_t_avx2(int64_t n, int64_t k, const float *x,
			const float *w, int64_t ldw, float *y,
			const struct f32_epi *ep)
{
	for (int64_t j = 0; j < n; j += 4) {
		int rows = n - j < 4 ? (int)(n - j) : 4;
		__m256 acc[4];

		for (int r = 0; r < 4; r++)
			acc[r] = _mm256_setzero_ps();
		for (int64_t p = 0; p < k; p += 8) {
			__m256i mk = mask_n(k - p);
			__m256 xv = _mm256_maskload_ps(x + p, mk);

			for (int r = 0; r < rows; r++)
				acc[r] = _mm256_fmadd_ps(xv,
					_mm256_maskload_ps(w + (j + r) * ldw + p, mk),
					acc[r]);
		}
		for (int r = 0; r < rows; r++) {
			float v = hsum(acc[r]);

			if (ep->bias)
				v += ep->bias[j + r];
			if (ep->res)
				v += ep->res[j + r];
			v = v < ep->lo ? ep->lo : v;
			y[j + r] = v > ep->hi ? ep->hi : v;
		}
	}
}

static void dwconv_avx2(const float *xp, int64_t xpw, int64_t oh,
			int64_t ow, int kh, int kw, int sh, int sw, int dh,
			int dw, const float *w, float *y,
			const struct f32_epi *ep)
{
	__m256 lo = _mm256_set1_ps(ep->lo), hi = _mm256_set1_ps(ep->hi);
	__m256 bv = _mm256_set1_ps(ep->bias ? ep->bias[0] : 0.0f);
	__m256i gidx = _mm256_mullo_epi32(
		_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(sw));

	for (int64_t oy = 0; oy < oh; oy++) {
		for (int64_t o0 = 0; o0 < ow; o0 += 8) {
			__m256i mk = mask_n(ow - o0);
			__m256 acc = _mm256_setzero_ps();

			for (int ky = 0; ky < kh; ky++) {
				const float *row = xp + (oy * sh + ky * dh) * xpw +
						   o0 * sw;

				for (int kx = 0; kx < kw; kx++) {
					const float *r = row + kx * dw;
					__m256 wv = _mm256_set1_ps(w[ky * kw + kx]);
					__m256 v;

					if (sw == 1)
						v = _mm256_maskload_ps(r, mk);
					else
						v = _mm256_mask_i32gather_ps(
							_mm256_setzero_ps(), r,
							gidx,
							_mm256_castsi256_ps(mk), 4);
					acc = _mm256_fmadd_ps(wv, v, acc);
				}
			}
			_mm256_maskstore_ps(y + oy * ow + o0, mk,
				epi_v(acc, bv, ep->res ? ep->res + oy * ow + o0 :
					   NULL, mk, lo, hi));
		}
	}
}

const struct f32_kernels f32k_avx2 = {
	.name = "avx2",
	.gemm = gemm_avx2,
	.gemm_ind = gemm_ind_avx2,
	.gemv_t = gemv_t_avx2,
	.dwconv = dwconv_avx2,
	.pad_plane = f32k_pad_plane_c,
};
#endif /* __x86_64__ */
