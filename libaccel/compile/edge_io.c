// SPDX-License-Identifier: MIT
/*
 * The conversions at a quantized program's edges (qcompile.h): float
 * inputs to int8 with ONNX QuantizeLinear's semantics, int8 outputs back
 * to float.  They run on every request over whole input images, so they
 * are written for the vectorizer (built at -O3, libaccel.mk): no calls,
 * no branches, one loop per output type.
 *
 * q = saturate(round_half_even(x / scale) + zp), NaN -> the lowest value,
 * exactly as cpu_quantize_f32() (the QuantizeLinear operator's) computes
 * it: adding and subtracting 1.5 * 2^23 rounds a float to an integer,
 * ties to even, in the default rounding mode whenever |v| < 2^22; larger
 * magnitudes (and infinities) stay beyond every 8-bit range on the same
 * side, so the clamp that follows gives the same result.  zp is within
 * [-128, 255], so r + zp is exact.  A NaN fails both comparisons of the
 * clamp and becomes @lo.
 *
 * On x86-64 each loop is also built for AVX-512 and AVX2 and the loader
 * picks the widest one the CPU runs (GCC's target_clones): the baseline
 * SSE2 loop spent ~10% of MobileNetV1-0.25's batch-1 time quantizing its
 * 96x96x3 input.  The clones compute the same IEEE operations (a true
 * division, no contraction possible: no product is added), so their
 * results are those of the baseline loop.
 */
#include <stdint.h>

#include <drm/enpu_isa.h>

#include "compile/qcompile.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EDGE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define EDGE_CLONES
#endif

static inline float edge_q(float x, float scale, float zp, float lo, float hi)
{
	const float magic = 12582912.0f;	/* 1.5 * 2^23 */
	float v = ((x / scale + magic) - magic) + zp;

	v = v >= lo ? v : lo;	/* NaN: lo */
	return v <= hi ? v : hi;
}

EDGE_CLONES void qprog_quantize(const float *x, void *q, size_t n, int isa_dtype,
		    float scale, int32_t zp)
{
	const float fz = (float)zp;
	size_t i;

	if (isa_dtype == ENPU_DTYPE_S8) {
		int8_t *o = q;

		for (i = 0; i < n; i++)
			o[i] = (int8_t)(int32_t)edge_q(x[i], scale, fz, -128.0f, 127.0f);
	} else {
		uint8_t *o = q;

		for (i = 0; i < n; i++)
			o[i] = (uint8_t)(int32_t)edge_q(x[i], scale, fz, 0.0f, 255.0f);
	}
}

EDGE_CLONES void qprog_dequantize(const void *q, float *x, size_t n, int isa_dtype,
		      float scale, int32_t zp)
{
	size_t i;

	if (isa_dtype == ENPU_DTYPE_S8) {
		const int8_t *s = q;

		for (i = 0; i < n; i++)
			x[i] = (float)(s[i] - zp) * scale;
	} else {
		const uint8_t *u = q;

		for (i = 0; i < n; i++)
			x[i] = (float)(u[i] - zp) * scale;
	}
}
