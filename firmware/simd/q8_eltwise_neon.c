// SPDX-License-Identifier: MIT
/*
 * ADD and MUL of the arm64 variants (neondot runs them too): 16 elements at
 * a time, centred to int16 and widened to int32, then the three (ADD) or
 * one (MUL) requantization of q8_eltwise.c in vector form, bit for bit.  The
 * last elements of a row go through a 16-byte buffer.  The output is split
 * into ranges of elements over fw_parallel().
 */
#include "requant_neon.h"
#include "kernels_neon.h"

/* Elements of one range between yield checks (as q8_eltwise.c). */
#define FW_NELT_CHUNK	32768u
/* Elements per task, at least. */
#define FW_NELT_TASK	16384u
#define FW_NELT_TASKS	64u

struct fw_nelt {
	const struct fw_op_ctx *c;
	struct fw_nrow r0, r1, ro;	/* ADD: both inputs' rescale; output */
	struct fw_nout q;
	int32x4_t ls;			/* ADD: left shift */
	uint8x16_t af, bf;		/* flips */
	uint8x8_t az, bz;		/* zero points (unsigned domain) */
	__u64 count;
	__u32 inner, channels, mode, ntasks, serial, add;
	int err;
};

/* 16 output bytes from 16 bytes of each operand. */
static inline uint8x16_t fw_nelt16(const struct fw_nelt *e, uint8x16_t a,
				   uint8x16_t b)
{
	int16x8_t a16[2], b16[2];
	int32x4_t out[4];
	__u32 h, k;

	a = veorq_u8(a, e->af);
	b = veorq_u8(b, e->bf);
	a16[0] = vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(a), e->az));
	a16[1] = vreinterpretq_s16_u16(vsubl_high_u8(a, vcombine_u8(e->az, e->az)));
	b16[0] = vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(b), e->bz));
	b16[1] = vreinterpretq_s16_u16(vsubl_high_u8(b, vcombine_u8(e->bz, e->bz)));
	for (h = 0; h < 2; h++) {
		for (k = 0; k < 2; k++) {
			int32x4_t v0 = k ? vmovl_high_s16(a16[h]) :
					   vmovl_s16(vget_low_s16(a16[h]));
			int32x4_t v1 = k ? vmovl_high_s16(b16[h]) :
					   vmovl_s16(vget_low_s16(b16[h]));
			int32x4_t s;

			if (e->add)
				/* |centred << 20| < 2^28 */
				s = vqaddq_s32(fw_nrq_q(vshlq_s32(v0, e->ls), &e->r0),
					       fw_nrq_q(vshlq_s32(v1, e->ls), &e->r1));
			else
				s = vmulq_s32(v0, v1);
			out[h * 2 + k] = fw_nrq(s, &e->ro, e->q.zp, e->q.lo,
						e->q.hi);
		}
	}
	return vcombine_u8(
		vreinterpret_u8_s8(vmovn_s16(vcombine_s16(vmovn_s32(out[0]),
							  vmovn_s32(out[1])))),
		vreinterpret_u8_s8(vmovn_s16(vcombine_s16(vmovn_s32(out[2]),
							  vmovn_s32(out[3])))));
}

/*
 * Elements [e, e + n) of one row: in[0] and the output at @e, in[1] at
 * @x1 advancing when @s1 (else one value).
 */
static void fw_nelt_run(const struct fw_nelt *e, __u64 i, __u32 n,
			const __u8 *x1, __u32 s1)
{
	const __u8 *x0 = e->c->in[0].data + i;
	__u8 *y = e->c->out.data + i;
	const uint8x16_t bb = vdupq_n_u8(*x1);
	__u8 ta[16], tb[16], ty[16];
	__u32 k = 0, t;

	for (; k + 16 <= n; k += 16)
		vst1q_u8(y + k, fw_nelt16(e, vld1q_u8(x0 + k),
					  s1 ? vld1q_u8(x1 + k) : bb));
	if (k == n)
		return;
	for (t = 0; t < 16; t++) {
		ta[t] = k + t < n ? x0[k + t] : 0;
		tb[t] = k + t < n ? x1[s1 ? k + t : 0] : 0;
	}
	vst1q_u8(ty, fw_nelt16(e, vld1q_u8(ta), vld1q_u8(tb)));
	for (t = 0; k + t < n; t++)
		y[k + t] = ty[t];
}

/* Task @t: its range of the output, row piece by row piece. */
static void fw_nelt_task(void *arg, __u32 t)
{
	struct fw_nelt *e = arg;
	const __u8 *b = e->c->in[1].data;
	__u64 i = e->count * t / e->ntasks, end = e->count * (t + 1) / e->ntasks;

	while (i < end) {
		const __u64 row = i / e->inner, col = i % e->inner;
		__u64 left = e->inner - col < end - i ? e->inner - col : end - i;
		const __u32 n = left < FW_NELT_CHUNK ? (__u32)left : FW_NELT_CHUNK;
		int err;

		if (e->err)
			return;
		if (e->mode == 0)
			fw_nelt_run(e, i, n, b + i, 1);
		else if (e->mode == 1)
			fw_nelt_run(e, i, n, b + row % e->channels, 0);
		else
			fw_nelt_run(e, i, n, b, 0);
		i += n;
		if (e->serial) {
			err = fw_tick(e->c->ex, (__u64)n * (e->add ? 8 : 4) +
						FW_COST_CALL);
			if (err)
				e->err = err;
		}
	}
}

static int fw_nelt(struct fw_op_ctx *c, int add)
{
	const struct enpu_op_eltwise *p = &c->op.params.eltwise;
	const struct enpu_fw_hooks *h = c->ex->hooks;
	const struct fw_tensor *y = &c->out;
	struct fw_nelt e = { .c = c, .add = (__u32)add };
	struct fw_rq_out rq;

	fw_op_rq(c, 0, &rq);
	fw_nrq_set(&e.ro, rq.mult, rq.shift, rq.half_up);
	if (add) {
		fw_nrq_set(&e.r0, p->in_multiplier[0], p->in_shift[0], rq.half_up);
		fw_nrq_set(&e.r1, p->in_multiplier[1], p->in_shift[1], rq.half_up);
		e.ls = vdupq_n_s32((__s32)p->left_shift);
	}
	e.q.zp = vdupq_n_s32(rq.zp);
	e.q.lo = vdupq_n_s32(rq.lo);
	e.q.hi = vdupq_n_s32(rq.hi);
	e.af = vdupq_n_u8(c->in[0].flip);
	e.bf = vdupq_n_u8(c->in[1].flip);
	e.az = vdup_n_u8((__u8)c->in[0].zpu);
	e.bz = vdup_n_u8((__u8)c->in[1].zpu);
	e.mode = p->broadcast;
	e.count = y->count;
	if (e.mode == 1) {
		e.channels = y->dims[1];
		e.inner = y->count / (y->dims[0] * y->dims[1]);
	} else {
		e.channels = 1;
		e.inner = y->count;
	}
	e.ntasks = (__u32)((e.count + FW_NELT_TASK - 1) / FW_NELT_TASK);
	if (e.ntasks > FW_NELT_TASKS)
		e.ntasks = FW_NELT_TASKS;
	e.serial = !h || !h->parallel;
	fw_parallel(c, fw_nelt_task, &e, e.ntasks);
	if (!e.serial)
		return fw_tick(c->ex, e.count * (add ? 8 : 4));
	return e.err;
}

int enpu_q8_add__neon(struct fw_op_ctx *c)
{
	return fw_nelt(c, 1);
}

int enpu_q8_mul__neon(struct fw_op_ctx *c)
{
	return fw_nelt(c, 0);
}
