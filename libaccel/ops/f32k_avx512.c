// SPDX-License-Identifier: MIT
/*
 * float32 kernels for AVX-512F (built with -mavx512f -mfma, called only
 * where the CPU has them; see f32k.c).
 *
 * gemm, gemm_ind: register tiles of 24 accumulators, 6 rows x 64
 * columns, 8 x 48, 12 x 32 or 24 x 16, the shape with the fewest load and
 * FMA slots for the matrix (tile_cost()); per step of k, one vector load
 * of B per 16 columns and one broadcast of A per row.  Ragged column edges use
 * masked loads and stores, so nothing is read or written past the
 * matrices; gemm_ind's vectors that straddle two output rows load each
 * piece masked.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdbool.h>

#include "ops/f32k.h"

#define AI static inline __attribute__((always_inline))

AI __mmask16 mask_n(int64_t cnt)
{
	return cnt >= 16 ? (__mmask16)0xffff :
	       cnt <= 0 ? (__mmask16)0 : (__mmask16)((1u << cnt) - 1);
}

/* bias, residual, clamp (NaN stays NaN, as in the portable kernels) */
AI __m512 epi_v(__m512 v, __m512 bias, const float *res, __mmask16 mk,
		__m512 lo, __m512 hi)
{
	v = _mm512_add_ps(v, bias);
	if (res)
		v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk, res));
	v = _mm512_max_ps(lo, v);
	return _mm512_min_ps(hi, v);
}

/*
 * Where vector v of a tile reads a row of B: lanes in @m1 at @o1 (lane
 * l at o1 + l), the rest in @m2 at @o2 (the next output row of a 2-D
 * column block, see gemm_ind); @m1 | @m2 are the lanes the tile stores.
 */
struct bvec {
	int64_t o1[4], o2[4];
	__mmask16 m1[4], m2[4];
};

/*
 * One register tile: @mr rows x @nv vectors of 16 columns (mr * nv <= 24
 * accumulators) over depth [0, @k) of the product.  @ind: 0, row p of B
 * at b + p * ldb; 1, at b + boff[p], vector v's lanes at @bv->o1[v];
 * 2, as 1 with some vectors in two pieces (@bv->o2); 3, as 1 with all
 * 16 lanes of every vector in (no masks).  Constant
 * @mr/@nv/@ind after inlining, so the loops unroll and the accumulators
 * stay in registers.
 */
AI void tile(const int mr, const int nv, const int ind, int64_t k,
	     const float *a, int64_t lda, const float *b, int64_t ldb,
	     const int64_t *boff, float *c, int64_t ldc,
	     const struct bvec *bv, const struct f32_epi *ep, int64_t i0,
	     int64_t j0)
{
	__m512 lo, hi, acc[24];
	__mmask16 mk[4], m1[4], m2[4];
	int64_t o1[4], o2[4];
	/*
	 * A's rows by threes from one pointer each: rows 3q, 3q + 1 and
	 * 3q + 2 at aq, aq + lda and aq + 2 * lda (scaled index addressing),
	 * so that the pointers fit in registers
	 */
	const float *aq[8];

#pragma GCC unroll 4
	for (int v = 0; v < nv; v++) {
		m1[v] = bv->m1[v];
		m2[v] = bv->m2[v];
		o1[v] = bv->o1[v];
		o2[v] = bv->o2[v];
		mk[v] = m1[v] | m2[v];
	}
#pragma GCC unroll 8
	for (int q = 0; q < (mr + 2) / 3; q++)
		aq[q] = a + 3 * q * lda;
#pragma GCC unroll 24
	for (int t = 0; t < mr * nv; t++)
		acc[t] = _mm512_setzero_ps();
	for (int64_t p = 0; p < k; p++) {
		const float *bp = ind ? b + boff[p] : b + p * ldb;
		__m512 bx[4];

#pragma GCC unroll 4
		for (int v = 0; v < nv; v++) {
			if (!ind) {
				/* only the last vector of a tile can be ragged */
				bx[v] = v < nv - 1 ? _mm512_loadu_ps(bp + 16 * v) :
					_mm512_maskz_loadu_ps(mk[v], bp + 16 * v);
				continue;
			}
			if (ind == 3) {
				bx[v] = _mm512_loadu_ps(bp + o1[v]);
				continue;
			}
			bx[v] = _mm512_maskz_loadu_ps(m1[v], bp + o1[v]);
			if (ind == 2)
				bx[v] = _mm512_mask_loadu_ps(bx[v], m2[v],
							     bp + o2[v]);
		}
#pragma GCC unroll 24
		for (int r = 0; r < mr; r++) {
			__m512 av = _mm512_set1_ps(aq[r / 3][r % 3 * lda]);

#pragma GCC unroll 4
			for (int v = 0; v < nv; v++)
				acc[r * nv + v] = _mm512_fmadd_ps(av, bx[v],
							acc[r * nv + v]);
		}
#pragma GCC unroll 8
		for (int q = 0; q < (mr + 2) / 3; q++)
			aq[q]++;
	}
	lo = _mm512_set1_ps(ep->lo);
	hi = _mm512_set1_ps(ep->hi);
#pragma GCC unroll 24
	for (int r = 0; r < mr; r++) {
		__m512 bias = _mm512_set1_ps(ep->bias ? ep->bias[i0 + r] : 0.0f);
		const float *res = ep->res ? ep->res + (i0 + r) * ep->ldr + j0 :
				   NULL;

#pragma GCC unroll 4
		for (int v = 0; v < nv; v++) {
			__m512 o = epi_v(acc[r * nv + v], bias,
					 res ? res + 16 * v : NULL, mk[v], lo, hi);

			/* masked stores are slow on some CPUs (AMD) */
			if (mk[v] == 0xffff)
				_mm512_storeu_ps(c + r * ldc + 16 * v, o);
			else
				_mm512_mask_storeu_ps(c + r * ldc + 16 * v, mk[v], o);
		}
	}
}

/*
 * Rows [0, m) of one column block: tiles of MR rows, then the remainder
 * in tiles of 16, 8, 4, 2, 1 rows (fewer instantiations than every size).
 */
AI void rows_nv(const int MR, const int nv, const int ind, int64_t m,
		int64_t k, const float *a, int64_t lda, const float *bj,
		int64_t ldb, const int64_t *boff, float *c, int64_t ldc,
		const struct bvec *bv, const struct f32_epi *ep, int64_t j0)
{
	int64_t i0 = 0;

	for (; i0 + MR <= m; i0 += MR)
		tile(MR, nv, ind, k, a + i0 * lda, lda, bj, ldb, boff,
		     c + i0 * ldc + j0, ldc, bv, ep, i0, j0);
#define REM_TILE(R)							\
	if ((R) < MR && (m - i0) & (R)) {				\
		tile((R), nv, ind, k, a + i0 * lda, lda, bj, ldb, boff,	\
		     c + i0 * ldc + j0, ldc, bv, ep, i0, j0); \
		i0 += (R);						\
	}
	REM_TILE(16)
	REM_TILE(8)
	REM_TILE(4)
	REM_TILE(2)
	REM_TILE(1)
#undef REM_TILE
}

/* Tile shapes, rows x vectors of 16 columns: 24 accumulators each. */
static const int tile_mr[5] = { 0, 24, 12, 8, 6 };

/*
 * Cost of covering @m rows and @n columns with tiles of @nv vectors:
 * per step of k, the FMA or the load slots, whichever a tile has more of
 * (scaled by 4), plus the loads once more, so that of two shapes as
 * FMA-bound the one with fewer loads wins.
 */
static int64_t tile_cost(int nv, int64_t m, int64_t n)
{
	int64_t mr = tile_mr[nv], blocks = (n + 16 * nv - 1) / (16 * nv);
	int64_t full = m / mr, rem = m % mr, c;

	c = full * (4 * (mr * nv > mr + nv ? mr * nv : mr + nv) + mr + nv);
	if (rem)
		c += 4 * (rem * nv > rem + nv ? rem * nv : rem + nv) + rem + nv;
	return c * blocks;
}

/*
 * Vector v of the column block at @j0 (@jn columns) of a 2-D block:
 * column j at (j / bw) * bld + j % bw.  Returns true when some vector
 * spans two rows.  Needs bw >= 16, or bw == 8 with j0 a multiple of 16
 * (a vector spans at most two rows).
 */
AI bool bvec_2d(struct bvec *bv, int64_t j0, int64_t jn, int64_t bw,
		int64_t bld)
{
	bool split = false;

	for (int v = 0; v < 4; v++) {
		int64_t js = j0 + 16 * v, r = js / bw, cc = js % bw;
		int64_t cnt = jn - 16 * v, s = bw - cc;
		__mmask16 all = mask_n(cnt);

		s = s > 16 ? 16 : s;
		bv->o1[v] = r * bld + cc;
		bv->o2[v] = (r + 1) * bld - s;
		bv->m1[v] = all & mask_n(s);
		bv->m2[v] = all & (__mmask16)~mask_n(s);
		split |= bv->m2[v] != 0;
	}
	return split;
}

#define NV_CASE(NV, MR, IND)						\
	rows_nv(MR, NV, IND, m, k, a, lda, IND ? b : b + j0, ldb, boff,	\
		c, ldc, &bv, ep, j0)
#define NV_SWITCH(IND)							\
	switch (vn) {							\
	case 1: NV_CASE(1, 24, IND); break;				\
	case 2: NV_CASE(2, 12, IND); break;				\
	case 3: NV_CASE(3, 8, IND); break;				\
	default: NV_CASE(4, 6, IND); break;				\
	}

/*
 * c = epi(a * b) in column blocks of 16 * nv.  @ind: B rows at boff
 * (gemm_ind), column j at (j / bw) * bld + j % bw.
 */
AI void gemm_body(const int ind, int64_t m, int64_t n, int64_t k,
		  const float *a, int64_t lda, const float *b, int64_t ldb,
		  const int64_t *boff, int64_t bw, int64_t bld, float *c,
		  int64_t ldc, const struct f32_epi *ep)
{
	int nv = 1;

	for (int v = 2; v <= 4; v++)
		if (tile_cost(v, m, n) < tile_cost(nv, m, n))
			nv = v;
	for (int64_t j0 = 0; j0 < n; j0 += 16 * nv) {
		int64_t jn = n - j0 < 16 * nv ? n - j0 : 16 * nv;
		int vn = (int)((jn + 15) / 16);
		struct bvec bv;
		bool split = false;

		if (ind) {
			split = bvec_2d(&bv, j0, jn, bw, bld);
		} else {
			for (int v = 0; v < 4; v++) {
				bv.m1[v] = mask_n(jn - 16 * v);
				bv.m2[v] = 0;
			}
		}
		if (!ind)
			NV_SWITCH(0)
		else if (!split && jn == 16 * vn)
			NV_SWITCH(3)
		else if (!split)
			NV_SWITCH(1)
		else
			NV_SWITCH(2)
	}
}
#undef NV_SWITCH
#undef NV_CASE

static void gemm_avx512(int64_t m, int64_t n, int64_t k, const float *a,
		int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc,
		const struct f32_epi *ep)
{
	gemm_body(0, m, n, k, a, lda, b, ldb, NULL, n, 0, c, ldc, ep);
}

static void gemm_ind_avx512(int64_t m, int64_t n, int64_t k, const float *a,
		int64_t lda, const float *b, const int64_t *boff, int64_t bw,
		int64_t bld, float *c, int64_t ldc, const struct f32_epi *ep)
{
	struct f32_epi er = *ep;

	if (bw >= n || bw >= 16 || bw == 8) {
		gemm_body(1, m, n, k, a, lda, b, 0, boff, bw < n ? bw : n,
			  bld, c, ldc, ep);
		return;
	}
	/* narrower rows: one output row at a time */
	for (int64_t j0 = 0; j0 < n; j0 += bw) {
		if (ep->res)
			er.res = ep->res + j0;
		gemm_body(1, m, n - j0 < bw ? n - j0 : bw, k, a, lda,
			  b + j0 / bw * bld, 0, boff, bw, bld, c + j0, ldc,
			  &er);
	}
}

static void gemv_t_avx512(int64_t n, int64_t k, const float *x,
			  const float *w, int64_t ldw, float *y,
			  const struct f32_epi *ep)
{
	int64_t j = 0;

	for (; j < n; j += 4) {
		int rows = n - j < 4 ? (int)(n - j) : 4;
		__m512 acc[4];

		for (int r = 0; r < 4; r++)
			acc[r] = _mm512_setzero_ps();
		for (int64_t p = 0; p < k; p += 16) {
			__mmask16 mk = mask_n(k - p);
			__m512 xv = _mm512_maskz_loadu_ps(mk, x + p);

			for (int r = 0; r < rows; r++)
				acc[r] = _mm512_fmadd_ps(xv,
					_mm512_maskz_loadu_ps(mk, w + (j + r) * ldw + p),
					acc[r]);
		}
		for (int r = 0; r < rows; r++) {
			float v = _mm512_reduce_add_ps(acc[r]);

			if (ep->bias)
				v += ep->bias[j + r];
			if (ep->res)
				v += ep->res[j + r];
			v = v < ep->lo ? ep->lo : v;
			y[j + r] = v > ep->hi ? ep->hi : v;
		}
	}
}

/*
 * Depthwise 3x3 at stride 1 over the padded width: output (oy, ox) is the
 * same sum at flat position q = oy * xpw + ox for every tap, so vectors
 * run over q with no row edges (columns ox >= ow are computed, then
 * dropped), the nine weights stay in registers, and only the vectors near
 * the plane's end need masks (loads never pass the plane's last row).
 */
static void dw3x3_flat_avx512(const float *xp, int64_t xpw, int64_t oh,
			      int64_t ow, int dh, int dw, const float *w,
			      float *y, const struct f32_epi *ep)
{
	enum { CHUNK = 1024 };
	float tmp[CHUNK];
	int64_t plane = (oh + 2 * (int64_t)dh) * xpw;
	int64_t rows = CHUNK / xpw, offs[9];
	int64_t maxoff = 2 * (int64_t)dh * xpw + 2 * (int64_t)dw;
	__m512 wv[9];
	__m512 bv = _mm512_set1_ps(ep->bias ? ep->bias[0] : 0.0f);
	__m512 lo = _mm512_set1_ps(ep->lo), hi = _mm512_set1_ps(ep->hi);

	for (int t = 0; t < 9; t++) {
		wv[t] = _mm512_set1_ps(w[t]);
		offs[t] = (t / 3) * (int64_t)dh * xpw + (t % 3) * (int64_t)dw;
	}
	for (int64_t oy0 = 0; oy0 < oh; oy0 += rows) {
		int64_t nr = oh - oy0 < rows ? oh - oy0 : rows;
		int64_t len = nr * xpw;
		const float *src = xp + oy0 * xpw;
		int64_t q = 0, room = plane - oy0 * xpw;

		/* whole vectors whose every tap stays in the plane */
		for (; q + 16 <= len && q + 16 + maxoff <= room; q += 16) {
			const float *s0 = src + q;
			__m512 acc = _mm512_mul_ps(wv[0], _mm512_loadu_ps(s0));

			for (int t = 1; t < 9; t++)
				acc = _mm512_fmadd_ps(wv[t],
						      _mm512_loadu_ps(s0 + offs[t]),
						      acc);
			_mm512_storeu_ps(tmp + q, acc);
		}
		for (; q < len; q += 16) {
			__m512 acc = _mm512_setzero_ps();

			for (int t = 0; t < 9; t++) {
				int64_t off = q + offs[t];
				int64_t cnt = len - q < room - off ? len - q :
					      room - off;

				acc = _mm512_fmadd_ps(wv[t],
					_mm512_maskz_loadu_ps(mask_n(cnt), src + off),
					acc);
			}
			_mm512_mask_storeu_ps(tmp + q, mask_n(len - q), acc);
		}
		for (int64_t r = 0; r < nr; r++) {
			float *yr = y + (oy0 + r) * ow;
			const float *res = ep->res ? ep->res + (oy0 + r) * ow :
					   NULL;

			for (int64_t o = 0; o < ow; o += 16) {
				__mmask16 mk = mask_n(ow - o);

				_mm512_mask_storeu_ps(yr + o, mk,
					epi_v(_mm512_maskz_loadu_ps(mk, tmp + r * xpw + o),
					      bv, res ? res + o : NULL, mk, lo, hi));
			}
		}
	}
}

static void dwconv_avx512(const float *xp, int64_t xpw, int64_t oh,
			  int64_t ow, int kh, int kw, int sh, int sw, int dh,
			  int dw, const float *w, float *y,
			  const struct f32_epi *ep)
{
	__m512 lo = _mm512_set1_ps(ep->lo), hi = _mm512_set1_ps(ep->hi);
	__m512 bv = _mm512_set1_ps(ep->bias ? ep->bias[0] : 0.0f);
	__m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
					 20, 22, 24, 26, 28, 30);
	__m512i gidx = _mm512_mullo_epi32(
		_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
				  13, 14, 15), _mm512_set1_epi32(sw));

	if (kh == 3 && kw == 3 && sh == 1 && sw == 1 && xpw <= 1024) {
		dw3x3_flat_avx512(xp, xpw, oh, ow, dh, dw, w, y, ep);
		return;
	}

	for (int64_t oy = 0; oy < oh; oy++) {
		for (int64_t o0 = 0; o0 < ow; o0 += 16) {
			int64_t on = ow - o0 < 16 ? ow - o0 : 16;
			__mmask16 mk = mask_n(on);
			/* sw 2: the 2 * on - 1 inputs in two masked loads */
			__mmask16 l0 = mask_n(2 * on - 1),
				  l1 = mask_n(2 * on - 1 - 16);
			__m512 acc = _mm512_setzero_ps();

			for (int ky = 0; ky < kh; ky++) {
				const float *row = xp + (oy * sh + ky * dh) * xpw +
						   o0 * sw;

				for (int kx = 0; kx < kw; kx++) {
					const float *r = row + kx * dw;
					__m512 wv = _mm512_set1_ps(w[ky * kw + kx]);
					__m512 v;

					if (sw == 1)
						v = _mm512_maskz_loadu_ps(mk, r);
					else if (sw == 2)
						v = _mm512_permutex2var_ps(
							_mm512_maskz_loadu_ps(l0, r),
							even,
							_mm512_maskz_loadu_ps(l1, r + 16));
					else
						v = _mm512_mask_i32gather_ps(
							_mm512_setzero_ps(), mk,
							gidx, r, 4);
					acc = _mm512_fmadd_ps(wv, v, acc);
				}
			}
			_mm512_mask_storeu_ps(y + oy * ow + o0, mk,
				epi_v(acc, bv, ep->res ? ep->res + oy * ow + o0 :
					   NULL, mk, lo, hi));
		}
	}
}

/* The channel loop of dw_same_avx512(); a constant @taps unrolls. */
AI void dw_same_run(const int taps, const float *x, int64_t n, int64_t nch,
		    const float *wt, float *y, const struct f32_epi *ep,
		    const __mmask16 *mk, const int64_t *offs)
{
	int64_t nvec = (n + 15) / 16;
	__m512 lo = _mm512_set1_ps(ep->lo), hi = _mm512_set1_ps(ep->hi);

	for (int64_t ch = 0; ch < nch; ch++) {
		const float *xc = x + ch * n, *wc = wt + ch * taps;
		const float *rc = ep->res ? ep->res + ch * n : NULL;
		float *yc = y + ch * n;
		__m512 bv = _mm512_set1_ps(ep->bias ? ep->bias[ch] : 0.0f);
		__m512 wv[F32K_SAME_MAX_TAPS];

		for (int t = 0; t < taps; t++)
			wv[t] = _mm512_set1_ps(wc[t]);
		for (int64_t v = 0; v < nvec; v++) {
			const __mmask16 *m = mk + v * taps;
			const float *xv = xc + v * 16;
			__mmask16 out = mask_n(n - v * 16);
			__m512 acc = bv;

#pragma GCC unroll 9
			for (int t = 0; t < taps; t++)
				acc = _mm512_fmadd_ps(wv[t],
					_mm512_maskz_loadu_ps(m[t], xv + offs[t]), acc);
			_mm512_mask_storeu_ps(yc + v * 16, out,
				epi_v(acc, _mm512_setzero_ps(),
				      rc ? rc + v * 16 : NULL, out, lo, hi));
		}
	}
}

/*
 * Depthwise "same" convolution straight over the unpadded planes: vector v
 * covers flat positions [16v, 16v + 16) of the output and of each tap's
 * shifted input; the lanes whose tap falls in the padding are masked off
 * (masked-off lanes of a load do not fault), with masks worked out once
 * for all channels: row-valid lanes per kernel row & column-valid lanes
 * per kernel column.
 */
static void dw_same_avx512(const float *x, int64_t h, int64_t w, int kh,
			   int kw, int pt, int pl, int64_t nch,
			   const float *wt, float *y, const struct f32_epi *ep)
{
	int64_t n = h * w, nvec = (n + 15) / 16, offs[F32K_SAME_MAX_TAPS];
	int taps = kh * kw;
	__mmask16 mk[F32K_SAME_MAX_PLANE / 16 * F32K_SAME_MAX_TAPS];

	for (int t = 0; t < taps; t++)
		offs[t] = (int64_t)(t / kw - pt) * w + (t % kw - pl);
	for (int64_t v = 0, r = 0, c = 0; v < nvec; v++) {
		unsigned rows[F32K_SAME_MAX_TAPS] = { 0 };
		unsigned cols[F32K_SAME_MAX_TAPS] = { 0 };

		for (int i = 0; i < 16 && v * 16 + i < n; i++) {
			for (int ky = 0; ky < kh; ky++)
				if (r + ky - pt >= 0 && r + ky - pt < h)
					rows[ky] |= 1u << i;
			for (int kx = 0; kx < kw; kx++)
				if (c + kx - pl >= 0 && c + kx - pl < w)
					cols[kx] |= 1u << i;
			if (++c == w)
				c = 0, r++;
		}
		for (int t = 0; t < taps; t++)
			mk[v * taps + t] = (__mmask16)(rows[t / kw] & cols[t % kw]);
	}
	if (taps == 9)
		dw_same_run(9, x, n, nch, wt, y, ep, mk, offs);
	else
		dw_same_run(taps, x, n, nch, wt, y, ep, mk, offs);
}

/* Lanes [lo, hi) of 16 set (clipped to the vector). */
AI __mmask16 mask_range(int64_t lo, int64_t hi)
{
	lo = lo < 0 ? 0 : lo;
	return (__mmask16)(mask_n(hi) & ~mask_n(lo));
}

/*
 * Depthwise stride 2 over unpadded planes, output row by row: 16 outputs
 * of a row read 31 consecutive inputs of each kernel row (two masked
 * loads, the lanes in the padding off), of which the even ones are kept.
 */
AI void dw_s2_body(const int kh, const int kw, const float *x, int64_t h,
		       int64_t w, int64_t oh, int64_t ow, int pt, int pl,
		       int64_t nch, const float *wt, float *y,
		       const struct f32_epi *ep)
{
	__m512 lo = _mm512_set1_ps(ep->lo), hi = _mm512_set1_ps(ep->hi);
	__m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
					 20, 22, 24, 26, 28, 30);
	/* the load masks depend on the column block and kx only */
	__mmask16 mk[F32K_S2_MAX_OW / 16][8][2];

	for (int64_t b = 0; b * 16 < ow; b++)
		for (int kx = 0; kx < kw; kx++) {
			int64_t base = 32 * b + kx - pl;

			mk[b][kx][0] = mask_range(-base, w - base);
			mk[b][kx][1] = mask_range(-base - 16, w - base - 16);
		}
	for (int64_t ch = 0; ch < nch; ch++) {
		const float *xc = x + ch * h * w, *wc = wt + ch * kh * kw;
		const float *rc = ep->res ? ep->res + ch * oh * ow : NULL;
		float *yc = y + ch * oh * ow;
		__m512 bv = _mm512_set1_ps(ep->bias ? ep->bias[ch] : 0.0f);

		for (int64_t oy = 0; oy < oh; oy++) {
			for (int64_t o0 = 0; o0 < ow; o0 += 16) {
				__mmask16 out = mask_n(ow - o0);
				__m512 acc = bv;

#pragma GCC unroll 8
				for (int ky = 0; ky < kh; ky++) {
					int64_t iy = 2 * oy + ky - pt;
					const float *row = xc + iy * w;

					if (iy < 0 || iy >= h)
						continue;
#pragma GCC unroll 8
					for (int kx = 0; kx < kw; kx++) {
						/* input column of lane j: base + j */
						int64_t base = 2 * o0 + kx - pl;
						__mmask16 m0 = mk[o0 / 16][kx][0];
						__mmask16 m1 = mk[o0 / 16][kx][1];
						__m512 v = _mm512_permutex2var_ps(
							_mm512_maskz_loadu_ps(m0, row + base),
							even,
							_mm512_maskz_loadu_ps(m1, row + base + 16));

						acc = _mm512_fmadd_ps(
							_mm512_set1_ps(wc[ky * kw + kx]),
							v, acc);
					}
				}
				_mm512_mask_storeu_ps(yc + oy * ow + o0, out,
					epi_v(acc, _mm512_setzero_ps(),
					      rc ? rc + oy * ow + o0 : NULL, out,
					      lo, hi));
			}
		}
	}
}

static void dw_s2_avx512(const float *x, int64_t h, int64_t w, int64_t oh,
			 int64_t ow, int kh, int kw, int pt, int pl,
			 int64_t nch, const float *wt, float *y,
			 const struct f32_epi *ep)
{
	if (kh == 3 && kw == 3)
		dw_s2_body(3, 3, x, h, w, oh, ow, pt, pl, nch, wt, y, ep);
	else
		dw_s2_body(kh, kw, x, h, w, oh, ow, pt, pl, nch, wt, y, ep);
}

/* Bits 0..7 of @v to the even bits 0, 2, .. 14. */
AI __mmask16 even_bits(unsigned v)
{
	v &= 0xff;
	v = (v | v << 4) & 0x0f0f;
	v = (v | v << 2) & 0x3333;
	v = (v | v << 1) & 0x5555;
	return (__mmask16)v;
}

/* dst[0, n) = 0 in whole vectors (up to 15 floats past: see pad_plane) */
AI void zero_run(float *dst, int64_t n)
{
	for (int64_t j = 0; j < n; j += 16)
		_mm512_storeu_ps(dst + j, _mm512_setzero_ps());
}

/*
 * pad_plane in vectors of 16: the zero rows as one run, in the others
 * the lanes in [lo, hi) loaded masked (the rest read nothing), stride 2
 * as two masked loads of the even inputs and one permutation.  Whole
 * vectors are stored (masked stores are slow on some CPUs): a row's last
 * one runs into the next row, written after it, and the plane's into
 * the 15 floats past it.
 */
static void pad_plane_avx512(float *dst, int64_t rows, int64_t len,
			     const float *src, int64_t lds, int64_t rlo,
			     int64_t rhi, int64_t lo, int64_t hi, int64_t step)
{
	__m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
					 20, 22, 24, 26, 28, 30);

	if (step > 2) {
		f32k_pad_plane_c(dst, rows, len, src, lds, rlo, rhi, lo, hi,
				 step);
		return;
	}
	zero_run(dst, rlo * len);
	zero_run(dst + rhi * len, (rows - rhi) * len);
	for (int64_t i = rlo; i < rhi; i++) {
		const float *sr = src + i * lds;
		float *dr = dst + i * len;

		for (int64_t j = 0; j < len; j += 16) {
			__mmask16 in = mask_range(lo - j, hi - j);
			__m512 v;

			if (!in)
				v = _mm512_setzero_ps();
			else if (step == 1)
				v = _mm512_maskz_loadu_ps(in, sr + j);
			else
				v = _mm512_permutex2var_ps(
					_mm512_maskz_loadu_ps(even_bits(in),
							      sr + 2 * j),
					even,
					_mm512_maskz_loadu_ps(even_bits(in >> 8),
							      sr + 2 * j + 16));
			_mm512_storeu_ps(dr + j, v);
		}
	}
}

const struct f32_kernels f32k_avx512 = {
	.name = "avx512",
	.gemm = gemm_avx512,
	.gemm_ind = gemm_ind_avx512,
	.gemv_t = gemv_t_avx512,
	.dwconv = dwconv_avx512,
	.dw_same = dw_same_avx512,
	.dw_s2 = dw_s2_avx512,
	.pad_plane = pad_plane_avx512,
};
#endif /* __x86_64__ */
