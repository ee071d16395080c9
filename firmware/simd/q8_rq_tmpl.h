/* SPDX-License-Identifier: MIT */
/*
 * What the template kernels share, written in the primitives of a
 * vec_<isa>.h included before: the exact requantization of FW_VQ
 * accumulators and the chunked run of an operation.
 *
 * Requantization (requant.h) in 64-bit lanes: p = acc * mult exactly
 * (vpmuldq), then for n = 31 + shift >= 1
 *
 *	half up:   q = (p + 2^(n-1)) >> n
 *	half even: q = (p + 2^(n-1) - 1 + ((p >> n) & 1)) >> n
 *
 * (the tie r == 2^(n-1) reaches the next multiple of 2^n only when the
 * floor quotient is odd; every other remainder rounds as half up does),
 * with |p| < 2^62 and the addend <= 2^62 so nothing wraps; n == 0 leaves p.
 * The result is clamped in 64 bits, to the int32 range (fw_sat32()) or to
 * the clamp of the output step.  A zero multiplier and n == 63 (|p| < 2^62
 * rounds to 0 there) both become multiplier 0 with n = 62.
 *
 * Half even rounds as half up where no accumulator can meet a tie
 * (fw_rq_ties()); the parity term is then left out.
 *
 * fw_vrq32() is the common case n in [31, 62] on 2 * FW_VQ int32 lanes: the
 * quotient then fits 31 bits, so it is the high half of p + addend (shifted
 * left once for n == 31, where |p + 2^30| < 2^62) shifted right by n - 32
 * in 32-bit lanes, and no int32 clamp is needed.
 */
#ifndef _ENPU_FW_Q8_RQ_TMPL_H_
#define _ENPU_FW_Q8_RQ_TMPL_H_

#define FW_S32_MIN	(-0x7fffffffLL - 1)
#define FW_S32_MAX	0x7fffffffLL

/* One requantization, broadcast to every lane. */
struct fw_vrq {
	fw_vq m, rnd, one, lo, hi;
	fw_vq dlo, dhi;		/* fw_vrq32(): lo, hi in 32-bit lanes */
	__u32 n, dsh;
	int even, n31;
	int fast;		/* n in [31, 62]: fw_vrq32() applies */
};

/*
 * The accumulators' nonzero values have @v2lo .. @v2hi trailing zero bits
 * (fw_rq_ties()): half even needs no parity term where no tie can occur.
 */
static inline void fw_vrq_init(struct fw_vrq *v, __s32 mult, __s32 shift,
			       int half_up, __s64 lo, __s64 hi,
			       unsigned int v2lo, unsigned int v2hi)
{
	__u32 n = (__u32)(31 + shift);
	__s64 rnd = 0;

	if (!mult || n == 63) {
		mult = 0;
		n = 62;
	}
	v->fast = n >= 31 && lo >= FW_S32_MIN && hi <= FW_S32_MAX;
	v->n31 = n == 31;
	v->dsh = n > 32 ? n - 32 : 0;
	v->dlo = vd_set1((__s32)(lo < FW_S32_MIN ? FW_S32_MIN : lo));
	v->dhi = vd_set1((__s32)(hi > FW_S32_MAX ? FW_S32_MAX : hi));
	v->even = 0;
	if (n) {
		rnd = (__s64)1 << (n - 1);
		v->even = !half_up && fw_rq_ties(mult, n, v2lo, v2hi);
		rnd -= v->even;
	}
	v->m = vq_set1(mult);
	v->rnd = vq_set1(rnd);
	v->one = vq_set1(1);
	v->lo = vq_set1(lo);
	v->hi = vq_set1(hi);
	v->n = n;
}

/* clamp(round(acc * mult / 2^n), lo, hi); acc lanes hold int32 values. */
static __always_inline fw_vq fw_vrq(fw_vq acc, const struct fw_vrq *r)
{
	fw_vq p = vq_mul32(acc, r->m);

	if (r->even)
		p = vq_add(p, vq_and(vq_srl(p, r->n), r->one));
	p = vq_sra(vq_add(p, r->rnd), r->n);
	return vq_min(vq_max(p, r->lo), r->hi);
}

/* fw_vrq() of 2 * FW_VQ int32 lanes, for r->fast. */
static __always_inline fw_vq fw_vrq32(fw_vq acc, const struct fw_vrq *r)
{
	fw_vq pe = vq_mul32(acc, r->m), po = vq_mul32(vq_srl(acc, 32), r->m);

	if (r->even) {
		pe = vq_add(pe, vq_and(vq_srl(pe, r->n), r->one));
		po = vq_add(po, vq_and(vq_srl(po, r->n), r->one));
	}
	pe = vq_add(pe, r->rnd);
	po = vq_add(po, r->rnd);
	if (r->n31) {
		pe = vq_sll(pe, 1);
		po = vq_sll(po, 1);
	}
	pe = vd_sra(vd_hi_pairs(pe, po), r->dsh);
	return vd_min(vd_max(pe, r->dlo), r->dhi);
}

/*
 * Run fn(arg, i) for the @n chunks of an operation worth @work in all: on
 * the executor's threads when it has a parallel hook (which does not yield)
 * and the work is worth sharing (FW_PAR_MIN_WORK), else here with a yield
 * check after each chunk.
 */
static inline int fw_run_chunks(struct fw_op_ctx *c,
				void (*fn)(void *arg, __u32 i), void *arg,
				__u32 n, __u64 work)
{
	const struct enpu_fw_hooks *h = c->ex->hooks;
	__u32 i;
	int err;

	if (h && h->parallel && n > 1 && work >= FW_PAR_MIN_WORK) {
		fw_parallel(c, fn, arg, n);
		return fw_tick(c->ex, work);
	}
	for (i = 0; i < n; i++) {
		fn(arg, i);
		err = fw_tick(c->ex, work / n + 1);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Chunks of @total items, at most @most each, for threads to share: an even
 * count when more than one (two threads, or four, then finish together),
 * the items of a chunk a multiple of @align (a power of two; the last
 * chunk takes the rest).  Returns the chunk count, *@per the items of one.
 */
static inline __u64 fw_split(__u64 total, __u64 most, __u32 align,
			     __u64 *per)
{
	__u64 n = (total + most - 1) / most, p;

	if (n <= 1) {
		*per = total ? total : 1;
		return total ? 1 : 0;
	}
	n += n & 1;
	p = (total + n - 1) / n;
	p = (p + align - 1) & ~(__u64)(align - 1);
	if (p > most)		/* @most not a multiple of @align */
		p = most & ~(__u64)(align - 1) ? most & ~(__u64)(align - 1) : most;
	*per = p;
	return (total + p - 1) / p;
}

#endif /* _ENPU_FW_Q8_RQ_TMPL_H_ */
