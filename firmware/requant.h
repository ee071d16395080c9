/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * The one requantization helper every ENPU kernel uses.
 *
 * An operation producing an 8-bit output from an accumulator computes
 *
 *	y = clamp(round(acc * multiplier / 2^(31 + shift)) + zero_point,
 *		  act_min, act_max)
 *
 * acc is an int32 (callers saturate wider sums to the int32 range first, see
 * fw_sat32()), multiplier is in [0, 2^31) and shift in [-31, 32], so the
 * product |acc * multiplier| < 2^62 is exact in 64 bits and the divisor is
 * 2^n with n = 31 + shift in [0, 63].
 *
 * Rounding: with q = floor(p / 2^n) and the remainder r = p - q * 2^n in
 * [0, 2^n) (p's low n bits, also for negative p), the quotient rounds up to
 * q + 1 when r > 2^(n-1), stays q when r < 2^(n-1), and on an exact tie
 * r == 2^(n-1) goes to the even one of q, q + 1 (ENPU_ROUND_HALF_EVEN) or to
 * q + 1, i.e. towards +infinity (ENPU_ROUND_HALF_UP).  Examples: 2.5 -> 2 /
 * 3, -2.5 -> -2 / -2, 3.5 -> 4 / 4, -3.5 -> -4 / -3.
 *
 * Right shifts of negative values are arithmetic (GCC and Clang guarantee it;
 * the kernel relies on it too).
 */
#ifndef _ENPU_FW_REQUANT_H_
#define _ENPU_FW_REQUANT_H_

#include "enpu_fw_types.h"

/* Saturate a wide accumulator to the int32 range. */
static inline __s32 fw_sat32(__s64 v)
{
	if (v > 0x7fffffffLL)
		return 0x7fffffff;
	if (v < -0x80000000LL)
		return -0x7fffffff - 1;
	return (__s32)v;
}

/* round(acc * mult / 2^(31 + shift)), see above. */
static inline __s64 fw_requant(__s32 acc, __s32 mult, __s32 shift,
			       int half_up)
{
	__s64 p = (__s64)acc * mult;
	unsigned int n = (unsigned int)(31 + shift);
	__s64 q;
	__u64 r, half;

	if (n == 0)
		return p;
	q = p >> n;
	r = (__u64)p & ((1ULL << n) - 1);
	half = 1ULL << (n - 1);
	if (r > half || (r == half && (half_up || (q & 1))))
		q++;
	return q;
}

/*
 * Whether round(acc * mult / 2^n) can meet an exact tie for some
 * accumulator whose nonzero values have between @v2lo and @v2hi trailing
 * zero bits (0 and 31 for any int32; x << s of a centred byte: s, s + 7).
 * Where none can, half even and half up round alike, and SIMD kernels
 * drop the parity term.
 *
 * With mult = m' * 2^t, m' odd, a tie is acc * mult = 2^(n-1) (mod 2^n),
 * i.e. acc * m' = 2^(n-1-t) (mod 2^(n-t)); m' is invertible modulo a power
 * of two, so that holds exactly for the acc with n - 1 - t trailing zeros
 * (and some odd part).  acc = 0 or mult = 0 give p = 0, never a tie; n = 0
 * does not round.
 */
static inline int fw_rq_ties(__s32 mult, unsigned int n, unsigned int v2lo,
			     unsigned int v2hi)
{
	/* the lowest set bit 2^t against 2^(n-1-v2hi) .. 2^(n-1-v2lo) */
	const __u64 low = (__u32)mult & (0u - (__u32)mult);
	const int a = (int)n - 1 - (int)v2hi, b = (int)n - 1 - (int)v2lo;

	if (!low || !n || b < 0 || a > 31)
		return 0;
	return (a <= 0 || low >= 1ull << a) && (b > 31 || low <= 1ull << b);
}

/**
 * struct fw_rq_out - requantization of one output channel.
 * @mult: multiplier, 0 or [2^30, 2^31).
 * @shift: shift, [-31, 32].
 * @zp: output zero point.
 * @lo: act_min.
 * @hi: act_max.
 * @half_up: non-zero for ENPU_ROUND_HALF_UP.
 */
struct fw_rq_out {
	__s32 mult;
	__s32 shift;
	__s32 zp;
	__s32 lo;
	__s32 hi;
	int half_up;
};

/* The full output step: requantize, add the zero point, clamp. */
static inline __s32 fw_requant_out(__s32 acc, const struct fw_rq_out *q)
{
	__s64 v = fw_requant(acc, q->mult, q->shift, q->half_up) + q->zp;

	if (v < q->lo)
		return q->lo;
	if (v > q->hi)
		return q->hi;
	return (__s32)v;
}

#endif /* _ENPU_FW_REQUANT_H_ */
