/* SPDX-License-Identifier: MIT */
/*
 * float32 compute kernels of the CPU operators (Conv, Gemm/MatMul), one
 * table per instruction set: portable C (what the compiler vectorizes),
 * AVX2+FMA and AVX-512 (x86-64, chosen at run time).  Every variant has the
 * same signatures and computes the same sums (the order of additions, and
 * so the last bits, may differ).
 *
 * ACCEL_CPU_KERNELS picks the table: scalar (portable), avx2 and avxvnni
 * (AVX2), avx512bw, avx512vnni or avx512 (AVX-512), auto or unset (the best
 * this CPU runs).  A name this CPU cannot run falls back to auto.
 */
#ifndef LIBACCEL_OPS_F32K_H
#define LIBACCEL_OPS_F32K_H

#include <stdint.h>

/**
 * struct f32_epi - what a kernel does to each sum before storing it
 * @bias: per row of the output (Conv: per output channel), or NULL
 * @res: added after the bias (a residual), [row * @ldr + col], or NULL
 * @ldr: row stride of @res
 * @lo/@hi: the result is clamped to [@lo, @hi] (-inf/inf: no clamp;
 *	Relu is [0, inf], Clip/Relu6 [min, max])
 */
struct f32_epi {
	const float *bias;
	const float *res;
	int64_t ldr;
	float lo, hi;
};

/**
 * struct f32_kernels - one instruction set's kernels
 * @name: "scalar", "avx2", "avx512"
 * @gemm: c[i * ldc + j] = epi(sum_p a[i * lda + p] * b[p * ldb + j]) for
 *	i < m, j < n; @epi.bias is indexed by i
 * @gemm_ind: @gemm with column j of row p of B at
 *	b + boff[p] + (j / bw) * bld + j % bw (an implicit im2col: each
 *	row of a convolution's column matrix is a block of a padded input
 *	plane at some offset, @bw columns of output row per plane row of
 *	@bld floats; @bw >= n: one run)
 * @gemv_t: y[j] = epi(sum_p x[p] * w[j * ldw + p]) for j < n (a row
 *	times a matrix stored transposed, Gemm's transB); @epi.bias is indexed
 *	by j, @epi.res as res[j]
 * @dwconv: one channel of a depthwise convolution over a zero-padded plane
 *	@xp (row stride @xpw, readable 64 floats past its last row):
 *	y[oy * ow + ox] = epi(sum w[ky * kw + kx] *
 *	xp[(oy * sh + ky * dh) * xpw + ox * sw + kx * dw]); @epi.bias points
 *	at this channel's bias, @epi.res at this channel's plane (@ldr unused)
 * @dw_same: @nch channels of a depthwise convolution at stride 1 and
 *	dilation 1 whose output is as large as its @h x @w input (padding
 *	@pt rows above, @pl columns left), read unpadded: channel c's
 *	plane is x + c * h * w, its weights @w + c * kh * kw, and
 *	y[c * h * w + ...] = epi(sum); @epi.bias per channel, @epi.res like
 *	y; h * w <= F32K_SAME_MAX_PLANE, kh * kw <= F32K_SAME_MAX_TAPS.
 *	NULL in variants without it (the caller pads and runs @dwconv)
 * @dw_s2: @nch channels of a depthwise convolution at stride 2 and
 *	dilation 1 over unpadded @h x @w planes (x + c * h * w) with
 *	padding @pt above and @pl left, output @oh x @ow planes
 *	(y + c * oh * ow); weights, @epi as @dw_same; kh, kw <= 8,
 *	ow <= F32K_S2_MAX_OW.  NULL
 *	in variants without it
 * @pad_plane: a plane of a padded (and stride-split) input, @rows rows
 *	of @len: dst[i * len + j] = src[i * lds + j * step] for
 *	rlo <= i < rhi and lo <= j < hi, 0 for the other i, j (0 <= rlo <=
 *	rhi <= rows, 0 <= lo <= hi <= len, step >= 1; src is read only
 *	there).  May write up to F32K_PAD_SLACK floats past the plane
 *	(garbage the caller overwrites or ignores)
 */
struct f32_kernels {
	const char *name;
	void (*gemm)(int64_t m, int64_t n, int64_t k, const float *a,
		     int64_t lda, const float *b, int64_t ldb, float *c,
		     int64_t ldc, const struct f32_epi *epi);
	void (*gemm_ind)(int64_t m, int64_t n, int64_t k, const float *a,
			 int64_t lda, const float *b, const int64_t *boff,
			 int64_t bw, int64_t bld, float *c, int64_t ldc,
			 const struct f32_epi *ep);
	void (*gemv_t)(int64_t n, int64_t k, const float *x, const float *w,
		       int64_t ldw, float *y, const struct f32_epi *epi);
	void (*dwconv)(const float *xp, int64_t xpw, int64_t oh, int64_t ow,
		       int kh, int kw, int sh, int sw, int dh, int dw,
		       const float *w, float *y, const struct f32_epi *epi);
	void (*dw_same)(const float *x, int64_t h, int64_t w, int kh, int kw,
			int pt, int pl, int64_t nch, const float *wt, float *y,
			const struct f32_epi *epi);
	void (*dw_s2)(const float *x, int64_t h, int64_t w, int64_t oh,
		      int64_t ow, int kh, int kw, int pt, int pl, int64_t nch,
		      const float *wt, float *y, const struct f32_epi *epi);
	void (*pad_plane)(float *dst, int64_t rows, int64_t len,
			  const float *src, int64_t lds, int64_t rlo,
			  int64_t rhi, int64_t lo, int64_t hi, int64_t step);
};

/* Limits of dw_same() (its tap masks live on the stack). */
#define F32K_SAME_MAX_PLANE 2048
#define F32K_SAME_MAX_TAPS 25
#define F32K_S2_MAX_OW 256

/* Floats past a plane that pad_plane() may overwrite. */
#define F32K_PAD_SLACK 16

/* Floats a dwconv() plane must stay readable past its last row. */
#define F32K_DW_SLACK 64

extern const struct f32_kernels f32k_scalar;
/* The portable pad_plane (variants without their own share it). */
void f32k_pad_plane_c(float *dst, int64_t rows, int64_t len,
		      const float *src, int64_t lds, int64_t rlo, int64_t rhi,
		      int64_t lo, int64_t hi, int64_t step);
#if defined(__x86_64__)
extern const struct f32_kernels f32k_avx2;
extern const struct f32_kernels f32k_avx512;
#endif

/*
 * The table runs use: the running context's (f32k_enter()), else the pinned
 * one (f32k_set()), else ACCEL_CPU_KERNELS, else the best this CPU runs.
 */
const struct f32_kernels *f32k_get(void);
/*
 * Make @k the table of this thread's runs until f32k_leave(@saved): a
 * context runs the variant it was opened with (accel_ctx_options).
 */
void f32k_enter(const struct f32_kernels *k, const struct f32_kernels **saved);
void f32k_leave(const struct f32_kernels *saved);
/* The table for a firmware kernel variant name (portable C when none fits). */
const struct f32_kernels *f32k_for_variant(const char *name);
/*
 * The table called @name (the names ACCEL_CPU_KERNELS takes), NULL when
 * unknown or when this CPU cannot run it.
 */
const struct f32_kernels *f32k_find(const char *name);
/* Pin the table runs use (tests and benchmarks); NULL: back to the default. */
void f32k_set(const struct f32_kernels *k);

#endif /* LIBACCEL_OPS_F32K_H */
