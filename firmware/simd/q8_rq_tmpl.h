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
 * the clamp of the output step.
 */
#ifndef _ENPU_FW_Q8_RQ_TMPL_H_
#define _ENPU_FW_Q8_RQ_TMPL_H_

#define FW_S32_MIN	(-0x7fffffffLL - 1)
#define FW_S32_MAX	0x7fffffffLL

/* One requantization, broadcast to every lane. */
struct fw_vrq {
	fw_vq m, rnd, one, lo, hi;
	__u32 n;
	int even;
};

static inline void fw_vrq_init(struct fw_vrq *v, __s32 mult, __s32 shift,
			       int half_up, __s64 lo, __s64 hi)
{
	__u32 n = (__u32)(31 + shift);
	__s64 rnd = 0;

	v->even = 0;
	if (n) {
		rnd = (__s64)1 << (n - 1);
		v->even = !half_up;
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

/*
 * Run fn(arg, i) for the @n chunks of an operation worth @work in all: on
 * the executor's threads when it has a parallel hook (which does not yield),
 * else here with a yield check after each chunk.
 */
static inline int fw_run_chunks(struct fw_op_ctx *c,
				void (*fn)(void *arg, __u32 i), void *arg,
				__u32 n, __u64 work)
{
	const struct enpu_fw_hooks *h = c->ex->hooks;
	__u32 i;
	int err;

	if (h && h->parallel && n > 1) {
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

#endif /* _ENPU_FW_Q8_RQ_TMPL_H_ */
