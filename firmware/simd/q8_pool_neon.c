// SPDX-License-Identifier: MIT
/*
 * MAXPOOL and GLOBAL_AVGPOOL of the arm64 variants (neondot runs them too),
 * bit for bit the kernels of q8_pool.c.  MAXPOOL takes the maximum in the
 * unsigned domain of 16 outputs at once where their windows lie inside the
 * row, the others one by one; GLOBAL_AVGPOOL sums a plane 16 bytes at a time
 * (UADALP into 16-bit, then 64-bit lanes).  Planes are split over
 * fw_parallel().
 */
#include "requant_neon.h"
#include "kernels_neon.h"

#define FW_NPOOL_TASKS	64u

struct fw_npool {
	struct fw_op_ctx *c;
	struct fw_rq_out rq;
	__u64 planes;
	__u32 ntasks, serial;
	int err;
};

/* Tasks @t's planes [*p0, *p1). */
static inline void fw_npool_range(const struct fw_npool *j, __u32 t,
				  __u64 *p0, __u64 *p1)
{
	*p0 = j->planes * t / j->ntasks;
	*p1 = j->planes * (t + 1) / j->ntasks;
}

static inline int fw_npool_tick(struct fw_npool *j, __u64 work)
{
	int err;

	if (!j->serial || j->err)
		return j->err;
	err = fw_tick(j->c->ex, work);
	if (err)
		j->err = err;
	return err;
}

/*
 * 16 bytes at @p spaced @sw apart; @wide: p[31] may be read too (stride 2
 * then loads 32 bytes and keeps the even ones).
 */
static inline uint8x16_t fw_npool_load(const __u8 *p, __u32 sw, int wide)
{
	__u8 t[16];
	__u32 i;

	if (sw == 1)
		return vld1q_u8(p);
	if (sw == 2 && wide)
		return vld2q_u8(p).val[0];
	for (i = 0; i < 16; i++)
		t[i] = p[i * sw];
	return vld1q_u8(t);
}

/* One MAXPOOL plane. */
static void fw_nmaxpool_plane(const struct fw_op_ctx *c, __u64 pl)
{
	const struct enpu_op_pool *p = &c->op.params.pool;
	const struct fw_tensor *x = &c->in[0], *y = &c->out;
	const __u32 H = x->dims[2], W = x->dims[3];
	const __u32 OH = y->dims[2], OW = y->dims[3];
	const __u32 KH = p->kernel_h, KW = p->kernel_w, sw = p->stride_w;
	const __s32 lo = c->op.act_min, hi = c->op.act_max;
	const __u8 *xp = x->data + pl * H * W;
	__u8 *yp = y->data + pl * OH * OW;
	const uint8x16_t flip = vdupq_n_u8(x->flip);
	const uint8x16_t ulo = vdupq_n_u8((__u8)(lo + x->bias));
	const uint8x16_t uhi = vdupq_n_u8((__u8)(hi + x->bias));
	const uint8x16_t ub = vdupq_n_u8((__u8)x->bias);
	__u32 oh, ow, kh, kw, khlo, khhi, clo, chi;
	__s32 l, h;

	/* columns whose window row lies inside [0, W) */
	l = ((__s32)p->pad_left + (__s32)sw - 1) / (__s32)sw;
	h = (__s32)W - (__s32)KW + (__s32)p->pad_left < 0 ? 0 :
	    ((__s32)W - (__s32)KW + (__s32)p->pad_left) / (__s32)sw + 1;
	if (h > (__s32)OW)
		h = (__s32)OW;
	if (l > h)
		l = h;
	clo = (__u32)l;
	chi = (__u32)h;
	for (oh = 0; oh < OH; oh++, yp += OW) {
		const __s32 ih0 = (__s32)(oh * p->stride_h) - p->pad_top;

		khlo = ih0 < 0 ? (__u32)-ih0 : 0;
		khhi = (__s32)H - ih0 < (__s32)KH ? (__u32)((__s32)H - ih0) : KH;
		if (khhi < khlo)
			khhi = khlo;
		for (ow = 0; ow < OW; ) {
			const __s32 iw0 = (__s32)(ow * sw) - p->pad_left;

			if (ow >= clo && ow + 16 <= chi) {
				const int wide = iw0 + (__s32)(15 * sw + KW) < (__s32)W;
				uint8x16_t m = vdupq_n_u8(0);

				for (kh = khlo; kh < khhi; kh++) {
					const __u8 *xr = xp + (__u64)(ih0 + (__s32)kh) * W + iw0;

					for (kw = 0; kw < KW; kw++)
						m = vmaxq_u8(m, veorq_u8(fw_npool_load(xr + kw, sw, wide), flip));
				}
				m = vminq_u8(vmaxq_u8(m, ulo), uhi);
				vst1q_u8(yp + ow, vsubq_u8(m, ub));
				ow += 16;
				continue;
			}
			{
				__u32 kwlo = iw0 < 0 ? (__u32)-iw0 : 0;
				__u32 kwhi = (__s32)W - iw0 < (__s32)KW ?
					     (__u32)((__s32)W - iw0) : KW;
				__u32 m = 0;
				__s32 v;

				for (kh = khlo; kh < khhi; kh++) {
					const __u8 *xr = xp + (__u64)(ih0 + (__s32)kh) * W + iw0;

					for (kw = kwlo; kw < kwhi; kw++)
						if ((__u32)(xr[kw] ^ x->flip) > m)
							m = xr[kw] ^ x->flip;
				}
				v = (__s32)m - x->bias;
				fw_st8(yp + ow, v < lo ? lo : v > hi ? hi : v);
				ow++;
			}
		}
	}
}

static void fw_nmaxpool_task(void *arg, __u32 t)
{
	struct fw_npool *j = arg;
	const struct enpu_op_pool *p = &j->c->op.params.pool;
	const __u64 work = (__u64)j->c->out.dims[2] * j->c->out.dims[3] *
			   ((__u64)p->kernel_h * p->kernel_w + p->kernel_h * 2 +
			    FW_COST_OUT);
	__u64 pl, p0, p1;

	fw_npool_range(j, t, &p0, &p1);
	for (pl = p0; pl < p1; pl++) {
		if (j->err)
			return;
		fw_nmaxpool_plane(j->c, pl);
		if (fw_npool_tick(j, work))
			return;
	}
}

/* One GLOBAL_AVGPOOL plane: the exact sum, centred, requantized. */
static void fw_ngavg_plane(struct fw_npool *j, __u64 pl)
{
	const struct fw_tensor *x = &j->c->in[0];
	const __u64 HW = (__u64)x->dims[2] * x->dims[3];
	const __u8 *xp = x->data + pl * HW;
	const uint8x16_t flip = vdupq_n_u8(x->flip);
	uint64x2_t acc = vdupq_n_u64(0);
	__u64 i = 0, sum;
	__s64 centred;

	while (i + 16 <= HW) {
		/* 128 blocks of 16 fit 16-bit lanes: 128 * 2 * 255 < 2^16 */
		uint16x8_t a16 = vdupq_n_u16(0);
		__u32 b;

		for (b = 0; b < 128 && i + 16 <= HW; b++, i += 16)
			a16 = vpadalq_u8(a16, veorq_u8(vld1q_u8(xp + i), flip));
		acc = vpadalq_u32(acc, vpaddlq_u16(a16));
		if (fw_npool_tick(j, 16 * b))
			return;
	}
	sum = vgetq_lane_u64(acc, 0) + vgetq_lane_u64(acc, 1);
	for (; i < HW; i++)
		sum += xp[i] ^ x->flip;
	centred = (__s64)sum - (__s64)HW * x->zpu;
	fw_st8(j->c->out.data + pl, fw_requant_out(fw_sat32(centred), &j->rq));
}

static void fw_ngavg_task(void *arg, __u32 t)
{
	struct fw_npool *j = arg;
	__u64 pl, p0, p1;

	fw_npool_range(j, t, &p0, &p1);
	for (pl = p0; pl < p1; pl++) {
		if (j->err)
			return;
		fw_ngavg_plane(j, pl);
		if (fw_npool_tick(j, FW_COST_OUT + 16))
			return;
	}
}

static int fw_npool_run(struct fw_op_ctx *c, void (*fn)(void *arg, __u32 t))
{
	const struct enpu_fw_hooks *h = c->ex->hooks;
	struct fw_npool j = { .c = c };

	if (c->op.quant_count)
		fw_op_rq(c, 0, &j.rq);
	j.planes = (__u64)c->in[0].dims[0] * c->in[0].dims[1];
	j.ntasks = j.planes < FW_NPOOL_TASKS ? (__u32)j.planes : FW_NPOOL_TASKS;
	j.serial = !h || !h->parallel;
	fw_parallel(c, fn, &j, j.ntasks);
	if (!j.serial)
		return fw_tick(c->ex, (__u64)c->in[0].count);
	return j.err;
}

int enpu_q8_maxpool_nchw__neon(struct fw_op_ctx *c)
{
	const struct enpu_op_pool *p = &c->op.params.pool;

	/*
	 * An output row worth more than one tick (huge windows): the scalar
	 * kernel, which yields inside a row.  Not a shape models have.
	 */
	if ((__u64)c->out.dims[3] * p->kernel_h * p->kernel_w > FW_TICK_MAX)
		return enpu_q8_maxpool_nchw__scalar(c);
	return fw_npool_run(c, fw_nmaxpool_task);
}

int enpu_q8_global_avgpool_nchw__neon(struct fw_op_ctx *c)
{
	return fw_npool_run(c, fw_ngavg_task);
}
