// SPDX-License-Identifier: MIT
/*
 * float32 kernels in portable C, written for the compiler to vectorize
 * (fixed-size accumulator blocks, no index math in the inner loops), and
 * the choice of the table runs use (see f32k.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ops/f32k.h"

static inline float epi_one(float v, const struct f32_epi *ep, float bias,
			    const float *res, int64_t j)
{
	v += bias;
	if (res)
		v += res[j];
	v = v < ep->lo ? ep->lo : v;
	return v > ep->hi ? ep->hi : v;
}

enum { SC_MR = 4, SC_NB = 64 };

static inline __attribute__((always_inline)) void
gemm_body(const int ind, int64_t m, int64_t n, int64_t k, const float *a,
	  int64_t lda, const float *b, int64_t ldb, const int64_t *boff,
	  float *c, int64_t ldc, const struct f32_epi *ep)
{
	for (int64_t j0 = 0; j0 < n; j0 += SC_NB) {
		int64_t jn = n - j0 < SC_NB ? n - j0 : SC_NB;

		for (int64_t i0 = 0; i0 < m; i0 += SC_MR) {
			int64_t mr = m - i0 < SC_MR ? m - i0 : SC_MR;
			float acc[SC_MR][SC_NB];

			memset(acc, 0, sizeof(acc));
			for (int64_t p = 0; p < k; p++) {
				const float *restrict brow = (ind ? b + boff[p] :
							 b + p * ldb) + j0;

				for (int64_t r = 0; r < mr; r++) {
					float av = a[(i0 + r) * lda + p];
					float *restrict ar = acc[r];

					for (int64_t j = 0; j < jn; j++)
						ar[j] += av * brow[j];
				}
			}
			for (int64_t r = 0; r < mr; r++) {
				int64_t i = i0 + r;
				float bv = ep->bias ? ep->bias[i] : 0.0f;
				const float *res = ep->res ?
						   ep->res + i * ep->ldr + j0 :
						   NULL;

				for (int64_t j = 0; j < jn; j++)
					c[i * ldc + j0 + j] =
						epi_one(acc[r][j], ep, bv, res, j);
			}
		}
	}
}

static void gemm_scalar(int64_t m, int64_t n, int64_t k, const float *a,
			int64_t lda, const float *b, int64_t ldb, float *c,
			int64_t ldc, const struct f32_epi *ep)
{
	gemm_body(0, m, n, k, a, lda, b, ldb, NULL, c, ldc, ep);
}

/* One output row (a run of B) at a time. */
static void gemm_ind_scalar(int64_t m, int64_t n, int64_t k, const float *a,
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

static void gemv_t_scalar(int64_t n, int64_t k, const float *x,
			  const float *w, int64_t ldw, float *y,
			  const struct f32_epi *ep)
{
	for (int64_t j = 0; j < n; j++) {
		const float *wr = w + j * ldw;
		float part[8] = { 0 }, s;
		int64_t p = 0;

		for (; p + 8 <= k; p += 8)
			for (int t = 0; t < 8; t++)
				part[t] += x[p + t] * wr[p + t];
		s = ((part[0] + part[1]) + (part[2] + part[3])) +
		    ((part[4] + part[5]) + (part[6] + part[7]));
		for (; p < k; p++)
			s += x[p] * wr[p];
		y[j] = epi_one(s, ep, ep->bias ? ep->bias[j] : 0.0f, ep->res,
			       j);
	}
}

static void dwconv_scalar(const float *xp, int64_t xpw, int64_t oh,
			  int64_t ow, int kh, int kw, int sh, int sw, int dh,
			  int dw, const float *w, float *y,
			  const struct f32_epi *ep)
{
	float bv = ep->bias ? ep->bias[0] : 0.0f;

	for (int64_t oy = 0; oy < oh; oy++) {
		for (int64_t o0 = 0; o0 < ow; o0 += SC_NB) {
			int64_t on = ow - o0 < SC_NB ? ow - o0 : SC_NB;
			float acc[SC_NB];

			memset(acc, 0, sizeof(acc));
			for (int ky = 0; ky < kh; ky++) {
				const float *row = xp + (oy * sh + ky * dh) * xpw +
						   o0 * sw;

				for (int kx = 0; kx < kw; kx++) {
					const float *restrict r = row + kx * dw;
					float wv = w[ky * kw + kx];

					if (sw == 1)
						for (int64_t t = 0; t < on; t++)
							acc[t] += wv * r[t];
					else
						for (int64_t t = 0; t < on; t++)
							acc[t] += wv * r[t * sw];
				}
			}
			for (int64_t t = 0; t < on; t++)
				y[oy * ow + o0 + t] = epi_one(acc[t], ep, bv,
					ep->res ? ep->res + oy * ow + o0 : NULL, t);
		}
	}
}

/*
 * GCC turns short copy loops into memset/memcpy calls, slower than the
 * loops for the rows of a few floats that convs pad.
 */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
void f32k_pad_plane_c(float *restrict dst, int64_t rows, int64_t len,
		      const float *restrict src, int64_t lds, int64_t rlo,
		      int64_t rhi, int64_t lo, int64_t hi, int64_t step)
{
	for (int64_t i = 0; i < rows; i++, dst += len) {
		const float *restrict sr = src + i * lds;
		int64_t j = 0;

		if (i < rlo || i >= rhi) {
			for (; j < len; j++)
				dst[j] = 0.0f;
			continue;
		}
		for (; j < lo; j++)
			dst[j] = 0.0f;
		if (step == 1)
			for (; j < hi; j++)
				dst[j] = sr[j];
		else
			for (; j < hi; j++)
				dst[j] = sr[j * step];
		for (; j < len; j++)
			dst[j] = 0.0f;
	}
}

const struct f32_kernels f32k_scalar = {
	.name = "scalar",
	.gemm = gemm_scalar,
	.gemm_ind = gemm_ind_scalar,
	.gemv_t = gemv_t_scalar,
	.dwconv = dwconv_scalar,
	.pad_plane = f32k_pad_plane_c,
};

#if defined(__x86_64__)
static int cpu_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static int cpu_avx512(void)
{
	return cpu_avx2() && __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512vl") &&
	       __builtin_cpu_supports("avx512dq");
}
#endif

const struct f32_kernels *f32k_find(const char *name)
{
	if (!name)
		return NULL;
	if (!strcmp(name, "scalar"))
		return &f32k_scalar;
#if defined(__x86_64__)
	if (!strcmp(name, "avx2") || !strcmp(name, "avxvnni"))
		return cpu_avx2() ? &f32k_avx2 : NULL;
	if (!strcmp(name, "avx512") || !strcmp(name, "avx512bw") ||
	    !strcmp(name, "avx512vnni"))
		return cpu_avx512() ? &f32k_avx512 : NULL;
#endif
	return NULL;
}

static const struct f32_kernels *f32k_best(void)
{
	const struct f32_kernels *k = f32k_find(getenv("ACCEL_CPU_KERNELS"));

	if (k)
		return k;
#if defined(__x86_64__)
	if (cpu_avx512())
		return &f32k_avx512;
	if (cpu_avx2())
		return &f32k_avx2;
#endif
	return &f32k_scalar;
}

static const struct f32_kernels *f32k_cur;
static __thread const struct f32_kernels *f32k_run;

void f32k_enter(const struct f32_kernels *k, const struct f32_kernels **saved)
{
	*saved = f32k_run;
	f32k_run = k;
}

void f32k_leave(const struct f32_kernels *saved)
{
	f32k_run = saved;
}

const struct f32_kernels *f32k_for_variant(const char *name)
{
	const struct f32_kernels *k = f32k_find(name);

	return k ? k : &f32k_scalar;
}

const struct f32_kernels *f32k_get(void)
{
	const struct f32_kernels *k;

	if (f32k_run)
		return f32k_run;
	k = __atomic_load_n(&f32k_cur, __ATOMIC_ACQUIRE);

	if (!k) {
		k = f32k_best();
		__atomic_store_n(&f32k_cur, k, __ATOMIC_RELEASE);
	}
	return k;
}

void f32k_set(const struct f32_kernels *k)
{
	__atomic_store_n(&f32k_cur, k, __ATOMIC_RELEASE);
}
