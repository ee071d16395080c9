/* SPDX-License-Identifier: MIT */
/*
 * The requantization of firmware/requant.h in NEON, four lanes at a time,
 * bit for bit: shared by the arm64 variants' kernels.
 */
#ifndef _ENPU_FW_REQUANT_NEON_H_
#define _ENPU_FW_REQUANT_NEON_H_

#include <arm_neon.h>

#include "simd.h"

/**
 * struct fw_nrow - what the epilogue needs of output channel o.
 * @add: rounding addend of the 64-bit product (see fw_nrq()).
 * @odd: 1 for half-even rounding with n > 0 where some int32 accumulator
 *	can tie (fw_rq_ties(); the quotient's parity is then added), else 0:
 *	without a possible tie half-even rounds as half-up does.
 * @negn: -(31 + shift): vshlq_s64() by it is the arithmetic right shift.
 * @mult: multiplier.
 * @bias: the channel's bias (0 without one).
 * @wz: weight zero point (unsigned domain).
 * @cw: neondot: za (K zb - sum of the row), the column-independent part of
 *	the zero-point correction; neon: 0.
 */
struct fw_nrow {
	__s64 add, odd, negn;
	__s32 mult, bias, wz, cw;
};

/* The rounding terms of @r for (@mult, @shift) and the rounding mode. */
static inline void fw_nrq_set(struct fw_nrow *r, __s32 mult, __s32 shift,
			      int half_up)
{
	const __u32 n = (__u32)(31 + shift);

	r->mult = mult;
	r->negn = -(__s64)n;
	r->odd = !half_up && fw_rq_ties(mult, n, 0, 31);
	r->add = !n ? 0 : (1ll << (n - 1)) - r->odd;
}

/*
 * fw_sat32(fw_requant(acc, mult, shift, half_up)) lane by lane: with
 * p = acc * mult (|p| < 2^62) and q = p >> n, half-up is (p + 2^(n-1)) >> n
 * and half-even (p + 2^(n-1) - 1 + (q & 1)) >> n (a tie rounds up only from
 * an odd q), or half-up's where no tie can occur (@r->odd 0); n = 0 adds
 * nothing.  The sum stays below 2^63.
 */
static inline int32x4_t fw_nrq_q(int32x4_t acc, const struct fw_nrow *r)
{
	const int64x2_t sh = vdupq_n_s64(r->negn), add = vdupq_n_s64(r->add);
	const int64x2_t odd = vdupq_n_s64(r->odd);
	int64x2_t p0 = vmull_s32(vget_low_s32(acc), vdup_n_s32(r->mult));
	int64x2_t p1 = vmull_high_s32(acc, vdupq_n_s32(r->mult));

	if (r->odd) {
		p0 = vaddq_s64(p0, vandq_s64(vshlq_s64(p0, sh), odd));
		p1 = vaddq_s64(p1, vandq_s64(vshlq_s64(p1, sh), odd));
	}
	p0 = vshlq_s64(vaddq_s64(p0, add), sh);
	p1 = vshlq_s64(vaddq_s64(p1, add), sh);
	return vcombine_s32(vqmovn_s64(p0), vqmovn_s64(p1));
}

/*
 * fw_requant_out() lane by lane: the quotient saturated to int32 and the
 * zero point added saturating leave the clamp to [lo, hi] (inside
 * [-128, 255]) unchanged.
 */
static inline int32x4_t fw_nrq(int32x4_t acc, const struct fw_nrow *r,
			       int32x4_t zp, int32x4_t lo, int32x4_t hi)
{
	int32x4_t v = vqaddq_s32(fw_nrq_q(acc, r), zp);

	return vminq_s32(vmaxq_s32(v, lo), hi);
}

/* The output clamp and zero point of the op, as vectors. */
struct fw_nout {
	int32x4_t zp, lo, hi;
};

/* Four int32 lanes in [-128, 255] as bytes (the low byte of each). */
static inline uint8x8_t fw_nbytes(int32x4_t v)
{
	return vreinterpret_u8_s8(vmovn_s16(vcombine_s16(vmovn_s32(v),
							 vdup_n_s16(0))));
}

#endif /* _ENPU_FW_REQUANT_NEON_H_ */
