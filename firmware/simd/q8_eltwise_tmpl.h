/* SPDX-License-Identifier: MIT */
/*
 * ADD and MUL (q8_eltwise.c) for one ISA: included once by
 * q8_eltwise_<isa>.c after its vec_<isa>.h.
 *
 * The output is cut into chunks of at most FW_ELT_CHUNK elements, an even
 * count of them (fw_split(), fw_run_chunks());
 * inside a chunk every row segment runs FW_VD elements at a time in 32-bit
 * lanes when every requantization has n = 31 + shift in [31, 62] (the
 * common case: fw_vrq32()), else FW_VQ at a time in 64-bit lanes; the last
 * partial vector goes through a small buffer.  in[1] streams
 * with the output (broadcast 0) or is one value per row (1, 2) whose
 * centred value, and for ADD its rescaled value, is computed once per row
 * by the scalar code.  Broadcast 1 with rows shorter than two vectors runs
 * the scalar kernel.
 */
#include "q8_rq_tmpl.h"
#include "q8_eltpool.h"

/* Elements of one chunk, most (~8 us of AVX-512 ADD), * 8 work units <= FW_TICK_MAX. */
#define FW_ELT_CHUNK	8192u

struct fw_elt {
	const struct fw_op_ctx *c;
	int add;
	struct fw_vrq in0, in1;	/* ADD: input rescaling, int32 clamp */
	struct fw_vrq out;	/* [act_min - zp, act_max - zp] */
	fw_vq f0, f1, z0, z1, zp, s32lo, s32hi;
	fw_vq df0, df1, dz0, dz1, dzp;	/* the same in 32-bit lanes */
	__u32 ls;
	int fast;		/* every requantization fw_vrq32() */
	__u32 rows, inner, channels;
	int mode;
	__u64 count, per;	/* elements, of one chunk */
};

/* FW_VQ outputs from in[0] at @x0 and in[1] at @x1 or the constant @k1. */
static __always_inline void fw_elt_vec(const struct fw_elt *e, int add,
				       int stream, const __u8 *x0,
				       const __u8 *x1, fw_vq k1, __u8 *y)
{
	fw_vq a = vq_sub(vq_xor(vq_ld8(x0), e->f0), e->z0), b = k1, acc;

	if (stream)
		b = vq_sub(vq_xor(vq_ld8(x1), e->f1), e->z1);
	if (add) {
		a = fw_vrq(vq_sll(a, e->ls), &e->in0);
		if (stream)
			b = fw_vrq(vq_sll(b, e->ls), &e->in1);
		acc = vq_min(vq_max(vq_add(a, b), e->s32lo), e->s32hi);
	} else {
		acc = vq_mul32(a, b);
	}
	vq_st8(y, vq_add(fw_vrq(acc, &e->out), e->zp));
}

/*
 * fw_elt_vec() on FW_VD int32 lanes when every requantization is fast:
 * then |rescaled input| <= 2^28, so the int32 clamps change nothing.
 */
static __always_inline void fw_elt_vec32(const struct fw_elt *e, int add,
					 int stream, const __u8 *x0,
					 const __u8 *x1, fw_vq k1, __u8 *y)
{
	fw_vq a = vd_sub(vq_xor(vd_ld8(x0), e->df0), e->dz0), b = k1, acc;

	if (stream)
		b = vd_sub(vq_xor(vd_ld8(x1), e->df1), e->dz1);
	if (add) {
		a = fw_vrq32(vd_sll(a, e->ls), &e->in0);
		if (stream)
			b = fw_vrq32(vd_sll(b, e->ls), &e->in1);
		acc = vd_add(a, b);
	} else {
		acc = vd_mullo(a, b);
	}
	vd_st8(y, vd_add(fw_vrq32(acc, &e->out), e->dzp));
}

static __always_inline void fw_elt_seg32(const struct fw_elt *e, int add,
					 int stream, const __u8 *x0,
					 const __u8 *x1, fw_vq k1, __u8 *y,
					 __u32 n)
{
	__u32 i;

	for (i = 0; i + FW_VD <= n; i += FW_VD)
		fw_elt_vec32(e, add, stream, x0 + i, x1 + (stream ? i : 0), k1,
			     y + i);
	if (i < n) {
		__u8 t0[FW_VD] = { 0 }, t1[FW_VD] = { 0 }, ty[FW_VD];

		__builtin_memcpy(t0, x0 + i, n - i);
		if (stream)
			__builtin_memcpy(t1, x1 + i, n - i);
		fw_elt_vec32(e, add, stream, t0, t1, k1, ty);
		__builtin_memcpy(y + i, ty, n - i);
	}
}

static __always_inline void fw_elt_seg(const struct fw_elt *e, int add,
				       int stream, const __u8 *x0,
				       const __u8 *x1, fw_vq k1, __u8 *y,
				       __u32 n)
{
	__u32 i;

	for (i = 0; i + FW_VQ <= n; i += FW_VQ)
		fw_elt_vec(e, add, stream, x0 + i, x1 + (stream ? i : 0), k1,
			   y + i);
	if (i < n) {
		__u8 t0[FW_VQ] = { 0 }, t1[FW_VQ] = { 0 }, ty[FW_VQ];

		__builtin_memcpy(t0, x0 + i, n - i);
		if (stream)
			__builtin_memcpy(t1, x1 + i, n - i);
		fw_elt_vec(e, add, stream, t0, t1, k1, ty);
		__builtin_memcpy(y + i, ty, n - i);
	}
}

/* Elements [i, i + n) inside one row; @x1 is that row's in[1] element. */
static void fw_elt_part(const struct fw_elt *e, __u64 i, __u32 n,
			const __u8 *x1)
{
	const struct fw_op_ctx *c = e->c;
	const __u8 *x0 = c->in[0].data + i;
	__u8 *y = c->out.data + i;
	__s32 v1;
	fw_vq k1;

	if (e->mode == 0) {
		if (e->fast && e->add)
			fw_elt_seg32(e, 1, 1, x0, x1, e->zp, y, n);
		else if (e->fast)
			fw_elt_seg32(e, 0, 1, x0, x1, e->zp, y, n);
		else if (e->add)
			fw_elt_seg(e, 1, 1, x0, x1, e->zp, y, n);
		else
			fw_elt_seg(e, 0, 1, x0, x1, e->zp, y, n);
		return;
	}
	v1 = (*x1 ^ c->in[1].flip) - c->in[1].zpu;
	if (e->add) {
		const struct enpu_op_eltwise *p = &c->op.params.eltwise;

		v1 = fw_sat32(fw_requant(v1 * (1 << p->left_shift),
					 p->in_multiplier[1], p->in_shift[1],
					 c->half_up));
		if (e->fast)
			fw_elt_seg32(e, 1, 0, x0, x1, vd_set1(v1), y, n);
		else
			fw_elt_seg(e, 1, 0, x0, x1, vq_set1(v1), y, n);
	} else if (e->fast) {
		fw_elt_seg32(e, 0, 0, x0, x1, vd_set1(v1), y, n);
	} else {
		k1 = vq_set1(v1);
		fw_elt_seg(e, 0, 0, x0, x1, k1, y, n);
	}
}

static void fw_elt_chunk(void *arg, __u32 ci)
{
	const struct fw_elt *e = arg;
	const __u8 *x1 = e->c->in[1].data;
	__u64 i = (__u64)ci * e->per, end = i + e->per;
	__u64 row, rend;

	if (end > e->count)
		end = e->count;
	if (e->mode != 1) {
		fw_elt_part(e, i, (__u32)(end - i), e->mode ? x1 : x1 + i);
		return;
	}
	for (; i < end; i = rend) {
		row = i / e->inner;
		rend = (row + 1) * e->inner;
		if (rend > end)
			rend = end;
		fw_elt_part(e, i, (__u32)(rend - i), x1 + row % e->channels);
	}
}

static int fw_elt_run(struct fw_op_ctx *c, int add)
{
	const struct enpu_op_eltwise *p = &c->op.params.eltwise;
	struct fw_elt e;
	struct fw_rq_out rq;
	__u32 n;

	e.c = c;
	e.add = add;
	e.mode = (int)p->broadcast;
	e.count = c->out.count;
	e.channels = 1;
	e.rows = 1;
	e.inner = c->out.count;
	if (e.mode == 1) {
		e.channels = c->out.dims[1];
		e.rows = c->out.dims[0] * c->out.dims[1];
		e.inner = c->out.count / e.rows;
		if (e.inner < 2 * FW_VQ)
			return add ? enpu_q8_add__scalar(c) :
				     enpu_q8_mul__scalar(c);
	}
	fw_op_rq(c, 0, &rq);
	fw_vrq_init(&e.out, rq.mult, rq.shift, rq.half_up,
		    (__s64)rq.lo - rq.zp, (__s64)rq.hi - rq.zp, 0, 31);
	if (add) {
		/* centred bytes << left_shift: 7 more trailing zeros at most */
		fw_vrq_init(&e.in0, p->in_multiplier[0], p->in_shift[0],
			    c->half_up, FW_S32_MIN, FW_S32_MAX, p->left_shift,
			    p->left_shift + 7);
		fw_vrq_init(&e.in1, p->in_multiplier[1], p->in_shift[1],
			    c->half_up, FW_S32_MIN, FW_S32_MAX, p->left_shift,
			    p->left_shift + 7);
	}
	e.ls = p->left_shift;
	e.f0 = vq_set1(c->in[0].flip);
	e.f1 = vq_set1(c->in[1].flip);
	e.z0 = vq_set1(c->in[0].zpu);
	e.z1 = vq_set1(c->in[1].zpu);
	e.zp = vq_set1(rq.zp);
	e.s32lo = vq_set1(FW_S32_MIN);
	e.s32hi = vq_set1(FW_S32_MAX);
	e.df0 = vd_set1(c->in[0].flip);
	e.df1 = vd_set1(c->in[1].flip);
	e.dz0 = vd_set1(c->in[0].zpu);
	e.dz1 = vd_set1(c->in[1].zpu);
	e.dzp = vd_set1(rq.zp);
	e.fast = e.out.fast && (!add || (e.in0.fast && e.in1.fast));
	n = (__u32)fw_split(e.count, FW_ELT_CHUNK, 64, &e.per);
	return fw_run_chunks(c, fw_elt_chunk, &e, n,
			     e.count * (add ? 8 : 4) +
			     (__u64)e.rows * FW_COST_CALL);
}

int FW_ISA(enpu_q8_add)(struct fw_op_ctx *c)
{
	return fw_elt_run(c, 1);
}

int FW_ISA(enpu_q8_mul)(struct fw_op_ctx *c)
{
	return fw_elt_run(c, 0);
}
