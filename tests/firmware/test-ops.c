// SPDX-License-Identifier: MIT
/*
 * Every ENPU operation executed by the firmware against the naive reference
 * (ref.c) on seeded random data: awkward sizes (prime and odd dimensions,
 * channel counts that are not multiples of 8 or 16), groups, depthwise,
 * dilation, strides, asymmetric padding, S8 and U8 everywhere, per-tensor and
 * per-channel requantization and weight zero points, both rounding modes,
 * random clamps.  tb_check() compares every byte of every slot, so writes
 * outside an output (into the gaps between tensors) are caught too.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"
#include "tap.h"

#define CASES 60
#define FW_TEST_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t rng = 0x2545f491;
static unsigned int cases_run;
static unsigned long op_total, op_interior;

static uint8_t rdtype(void)
{
	return ref_rand(&rng) & 1 ? ENPU_DTYPE_S8 : ENPU_DTYPE_U8;
}

static int32_t rzp(uint8_t dtype)
{
	/* bias towards the common 0 / 128 values but cover the range */
	switch (ref_rand(&rng) % 4) {
	case 0:
		return dtype == ENPU_DTYPE_S8 ? 0 : 128;
	case 1:
		return dtype == ENPU_DTYPE_S8 ? -128 : 0;
	default:
		return dtype == ENPU_DTYPE_S8 ? ref_range(&rng, -128, 127) :
						ref_range(&rng, 0, 255);
	}
}

static int32_t rmult(void)
{
	uint32_t r = ref_rand(&rng) % 16;

	if (r == 0)
		return 0;
	/* few significant bits: exact ties happen often */
	if (r < 8)
		return (int32_t)((1u << 30) + ((r - 1) << 27));
	return (int32_t)((1u << 30) + (ref_rand(&rng) & ((1u << 30) - 1)));
}

/* Random flags (rounding) and clamp for an op. */
static void rflags(const struct tb *b, struct enpu_op *op)
{
	int32_t lo = b->t[op->out].dtype == ENPU_DTYPE_S8 ? -128 : 0;

	/* the rounding flag only where the op requantizes (else invalid) */
	op->flags = ref_rand(&rng) & 1 ? ENPU_OP_FLAG_ROUND_HALF_UP : 0;
	if (op->opcode == ENPU_OP_MAXPOOL || op->opcode == ENPU_OP_LUT ||
	    ((op->opcode == ENPU_OP_COPY || op->opcode == ENPU_OP_CONCAT) &&
	     !op->quant_count))
		op->flags = 0;
	if (ref_rand(&rng) % 3 == 0) {
		op->act_min = ref_range(&rng, lo, lo + 200);
		op->act_max = ref_range(&rng, op->act_min, lo + 255);
	}
}

/* A shift that maps accumulators of magnitude ~2^bits onto ~2^7. */
static int32_t rshift(int bits)
{
	int32_t s = bits - 7 + ref_range(&rng, -2, 2);

	return s < -31 ? -31 : s > 32 ? 32 : s;
}

static int ilog2(uint64_t v)
{
	int n = 0;

	while (v >>= 1)
		n++;
	return n;
}

static void check_case(const struct tb *b, int32_t bias_lim,
		       void (*prep)(const struct tb *, struct enpu_fw_buf *,
				    void *),
		       void *arg, const char *what, unsigned int i)
{
	uint32_t seed = ref_rand(&rng);

	unsigned long t0 = ref_stat_total, i0 = ref_stat_interior;

	cases_run++;
	if (tb_check(b, seed, bias_lim, prep, arg))
		tap_fail(__FILE__, __LINE__,
			 "%s case %u (seed %#x) differs from the reference",
			 what, i, seed);
	op_total += ref_stat_total - t0;
	op_interior += ref_stat_interior - i0;
}

/*
 * Outputs must mostly land inside the clamp range, or the comparison would
 * mostly test saturation.
 */
static void check_interior(const char *what)
{
	printf("# %s: %lu outputs, %lu not clamped\n", what, op_total,
	       op_interior);
	TAP_CHECK(op_interior * 3 >= op_total,
		  "%s: too few unclamped outputs (%lu of %lu)", what,
		  op_interior, op_total);
	op_total = op_interior = 0;
}

static void conv_case(unsigned int i, int depthwise)
{
	struct tb *b = malloc(sizeof(*b));
	struct enpu_op *op;
	uint32_t N = ref_range(&rng, 1, 4), G, CG, OG, C, O, KH, KW, H, W;
	uint32_t sh = ref_range(&rng, 1, 3), sw = ref_range(&rng, 1, 3);
	uint32_t dh = ref_range(&rng, 1, 3), dw = ref_range(&rng, 1, 3);
	uint32_t eh, ew, pt, pb, pl, pr, OH, OW, x, w, bias = ENPU_NO_TENSOR;
	uint32_t y, o, qc, pc;
	uint8_t wt = rdtype();
	int wide;

	if (depthwise) {
		/* fewer than 16 channels: AVX-512 runs the plane kernel, else
		 * mostly the channel-blocked one */
		G = ref_rand(&rng) % 3 ? ref_range(&rng, 1, 13) :
					 ref_range(&rng, 14, 40);
		CG = 1;
		OG = ref_range(&rng, 1, 2);
	} else {
		G = ref_rand(&rng) % 3 ? 1 : ref_range(&rng, 2, 3);
		CG = ref_range(&rng, 1, 11);
		OG = ref_range(&rng, 1, 19);
	}
	C = G * CG;
	O = G * OG;
	KH = ref_range(&rng, 1, 5);
	KW = ref_range(&rng, 1, 5);
	/* Every fourth case has a receptive field past the patch kernel's
	 * limit (C/groups * KH * KW > 768) and rows wider than its tile, so
	 * the row kernel runs too.  Its int32 -> int64 spill (past 32768 taps)
	 * and the int32 saturation run in test-saturate.c, not here. */
	wide = !depthwise && i % 4 == 3;
	if (wide) {
		CG = ref_range(&rng, 40, 80);
		OG = ref_range(&rng, 1, 3);
		C = G * CG;
		O = G * OG;
		KH = KW = ref_range(&rng, 4, 5);
	}
	if (ref_rand(&rng) % 4 == 0)
		dh = dw = 1;
	eh = dh * (KH - 1) + 1;
	ew = dw * (KW - 1) + 1;
	pt = ref_rand(&rng) % eh;
	pb = ref_rand(&rng) % eh;
	pl = ref_rand(&rng) % ew;
	pr = ref_rand(&rng) % ew;
	H = ref_range(&rng, 1, 11);
	W = ref_range(&rng, 1, 13);
	if (wide) {
		H = ref_range(&rng, 1, 3);
		W = ref_range(&rng, 60, 100);
	}
	if (H + pt + pb < eh)
		H = eh - pt - pb;
	if (W + pl + pr < ew)
		W = ew - pl - pr;
	OH = (H + pt + pb - eh) / sh + 1;
	OW = (W + pl + pr - ew) / sw + 1;

	tb_init(b, 2);
	x = tb_tensor(b, 0, rdtype(), 0, 4, N, C, H, W);
	b->t[x].zero_point = rzp(b->t[x].dtype);
	w = tb_tensor(b, 0, wt, rzp(wt), 4, O, CG, KH, KW);
	if (ref_rand(&rng) % 4)
		bias = tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, O, 1, 1, 1);
	y = tb_tensor(b, ref_rand(&rng) & 1, rdtype(), 0, 4, N, O, OH, OW);
	b->t[y].zero_point = rzp(b->t[y].dtype);
	op = tb_op(b, ENPU_OP_CONV2D, y);
	op->in[0] = x;
	op->in[1] = w;
	op->in[2] = bias;
	op->params.conv = (struct enpu_op_conv){
		.stride_h = sh, .stride_w = sw, .dilation_h = dh,
		.dilation_w = dw, .pad_top = pt, .pad_left = pl,
		.pad_bottom = pb, .pad_right = pr, .groups = G,
	};
	qc = ref_rand(&rng) & 1 ? O : 1;
	pc = qc == O && (ref_rand(&rng) & 1);
	op->quant_count = qc;
	op->quant_index = b->nq;
	for (o = 0; o < qc; o++)
		tb_quant(b, rmult(), rshift(ilog2(CG * KH * KW) / 2 + 14),
			 pc ? rzp(wt) : 0);
	if (pc) {
		op->params.conv.flags = ENPU_QUANT_PER_CHANNEL_ZP;
		b->t[w].zero_point = 0;
	}
	rflags(b, op);
	check_case(b, 1 << 16, NULL, NULL, depthwise ? "depthwise" : "conv2d",
		   i);
	free(b);
}

static void test_conv2d(void)
{
	unsigned int i;

	for (i = 0; i < CASES * 2; i++)
		conv_case(i, 0);
	check_interior("conv2d");
}

static void test_conv2d_depthwise(void)
{
	unsigned int i;

	for (i = 0; i < CASES; i++)
		conv_case(i, 1);
	check_interior("conv2d_depthwise");
}

static void test_fully_connected(void)
{
	static const uint32_t sizes[] = { 1, 2, 3, 5, 7, 13, 31, 32, 33, 67 };
	unsigned int i, j;

	for (i = 0; i < CASES; i++) {
		struct tb *b = malloc(sizeof(*b));
		uint32_t M = ref_range(&rng, 1, 5);
		uint32_t K = sizes[ref_rand(&rng) % 10];
		uint32_t N = sizes[ref_rand(&rng) % 10] + ref_range(&rng, 0, 9);
		uint32_t x, w, bias = ENPU_NO_TENSOR, y, qc, pc;
		uint8_t wt = rdtype();
		struct enpu_op *op;

		tb_init(b, 1);
		x = tb_tensor(b, 0, rdtype(), 0, 2, M, K, 1, 1);
		b->t[x].zero_point = rzp(b->t[x].dtype);
		w = tb_tensor(b, 0, wt, rzp(wt), 2, K, N, 1, 1);
		if (ref_rand(&rng) % 4)
			bias = tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, N, 1, 1, 1);
		y = tb_tensor(b, 0, rdtype(), 0, 2, M, N, 1, 1);
		b->t[y].zero_point = rzp(b->t[y].dtype);
		op = tb_op(b, ENPU_OP_FULLY_CONNECTED, y);
		op->in[0] = x;
		op->in[1] = w;
		op->in[2] = bias;
		qc = ref_rand(&rng) & 1 ? N : 1;
		pc = qc == N && (ref_rand(&rng) & 1);
		op->quant_count = qc;
		for (j = 0; j < qc; j++)
			tb_quant(b, rmult(), rshift(ilog2(K) / 2 + 14),
				 pc ? rzp(wt) : 0);
		if (pc) {
			op->params.fc.flags = ENPU_QUANT_PER_CHANNEL_ZP;
			b->t[w].zero_point = 0;
		}
		rflags(b, op);
		check_case(b, 1 << 16, NULL, NULL, "fully_connected", i);
		free(b);
	}
	check_interior("fully_connected");
}

/*
 * Model-sized shapes, where the variants' fast paths run (GEMM panels of
 * 64 pixels, pointwise without im2col, the direct depthwise kernel, FC
 * weight blocks): odd channel counts, K not a multiple of 4 or 16,
 * asymmetric padding, batches of 2 to 19.
 */
struct cshape {
	uint32_t N, C, O, H, W, KH, KW, sh, sw, dh, dw, pt, pl, pb, pr, G;
};

static const struct cshape cshapes[] = {
	{ 1, 64, 64, 24, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1 },
	{ 1, 256, 96, 12, 12, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1 },
	{ 1, 67, 33, 48, 48, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1 },
	{ 1, 32, 32, 48, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32 },
	{ 1, 32, 32, 48, 48, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 32 },
	{ 1, 16, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
	{ 1, 3, 8, 96, 96, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1 },
	{ 2, 16, 32, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1 },
	{ 1, 16, 32, 32, 32, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1 },
	{ 1, 32, 36, 20, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4 },
	{ 2, 16, 32, 30, 30, 5, 5, 1, 1, 2, 2, 4, 3, 4, 2, 16 },
	{ 1, 24, 20, 9, 40, 1, 7, 1, 1, 1, 1, 0, 3, 0, 3, 1 },
	{ 1, 5, 7, 33, 17, 3, 3, 1, 3, 1, 1, 1, 2, 1, 0, 1 },
	{ 2, 64, 64, 25, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 64 },
	/* depthwise, channels not a multiple of 16 (a partial lane block) */
	{ 1, 37, 37, 15, 13, 3, 3, 2, 1, 1, 1, 1, 1, 1, 0, 37 },
	{ 2, 21, 21, 12, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 21 },
	/* depthwise, fewer than 16 channels: the plane kernel on AVX-512 */
	{ 1, 8, 8, 48, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8 },
	{ 1, 15, 15, 47, 33, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1, 15 },
	/* batches: whole images per chunk (image mode of the GEMM) */
	{ 5, 16, 16, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
	{ 3, 32, 20, 8, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1 },
	{ 19, 3, 16, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
	{ 4, 16, 32, 16, 16, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1 },
};

/* Bias elements at the int32 limits (the sums saturate when adding it). */
static void bias_limits(const struct tb *b, struct enpu_fw_buf *slots,
			void *arg)
{
	const struct enpu_tensor *t;
	uint64_t i;

	(void)arg;
	if (b->o[0].in[2] == ENPU_NO_TENSOR)
		return;
	t = &b->t[b->o[0].in[2]];
	for (i = 0; i < ref_count(t); i++)
		ref_set(slots, t, i, i % 3 == 0 ? INT32_MAX - (int32_t)(i % 1000) :
				     i % 3 == 1 ? INT32_MIN + (int32_t)(i % 777) :
				     ref_range(&rng, -100000, 100000));
}

enum shape_kind {
	SHAPE_PLAIN,	/* clamp-friendly requantization */
	SHAPE_RARE,	/* any shift in [-31, 32], any multiplier */
	SHAPE_BIAS,	/* bias at the int32 limits */
};

/*
 * Weights: mode 0 random dtype and zero point, 1 symmetric S8 (centred
 * weights fit s8: the u8 x s8 dot product), 2 U8 zero point 0 (they do
 * not).  Odd cases put the weights in slot 1, which prepare() does not
 * pack, so the kernels pack into the scratch memory per call; every
 * fourth case keeps the weights in slot 0 but the bias in slot 1, which
 * prepare() does not see (its state must not stand in for the bias).
 */
static void shape_case(const struct cshape *sh, unsigned int i,
		       enum shape_kind kind)
{
	struct tb *b = malloc(sizeof(*b));
	uint32_t eh = sh->dh * (sh->KH - 1) + 1, ew = sh->dw * (sh->KW - 1) + 1;
	uint32_t OH = (sh->H + sh->pt + sh->pb - eh) / sh->sh + 1;
	uint32_t OW = (sh->W + sh->pl + sh->pr - ew) / sh->sw + 1;
	uint32_t x, w, bias = ENPU_NO_TENSOR, y, o, qc, pc, K;
	uint32_t mode = i % 3, wslot = i & 1;
	uint8_t wt = mode == 1 ? ENPU_DTYPE_S8 : mode == 2 ? ENPU_DTYPE_U8 : rdtype();
	struct enpu_op *op;

	tb_init(b, 2);
	x = tb_tensor(b, 0, rdtype(), 0, 4, sh->N, sh->C, sh->H, sh->W);
	b->t[x].zero_point = rzp(b->t[x].dtype);
	w = tb_tensor(b, wslot, wt, mode ? 0 : rzp(wt), 4, sh->O, sh->C / sh->G,
		      sh->KH, sh->KW);
	if (kind == SHAPE_BIAS || ref_rand(&rng) % 4)
		bias = tb_tensor(b, i % 4 == 2 ? 1 : wslot, ENPU_DTYPE_S32, 0,
				 1, sh->O, 1, 1, 1);
	y = tb_tensor(b, 0, rdtype(), 0, 4, sh->N, sh->O, OH, OW);
	b->t[y].zero_point = rzp(b->t[y].dtype);
	op = tb_op(b, ENPU_OP_CONV2D, y);
	op->in[0] = x;
	op->in[1] = w;
	op->in[2] = bias;
	op->params.conv = (struct enpu_op_conv){
		.stride_h = sh->sh, .stride_w = sh->sw, .dilation_h = sh->dh,
		.dilation_w = sh->dw, .pad_top = sh->pt, .pad_left = sh->pl,
		.pad_bottom = sh->pb, .pad_right = sh->pr, .groups = sh->G,
	};
	K = sh->C / sh->G * sh->KH * sh->KW;
	qc = ref_rand(&rng) & 1 ? sh->O : 1;
	pc = !mode && qc == sh->O && (ref_rand(&rng) & 1);
	op->quant_count = qc;
	op->quant_index = b->nq;
	for (o = 0; o < qc; o++) {
		/* one draw a statement: the same cases on every compiler */
		int32_t qm, qs, qz;

		if (kind == SHAPE_RARE) {
			qm = ref_rand(&rng) % 8 ? rmult() : 0;
			qs = o % 5 == 0 ? -31 : o % 5 == 1 ? 32 :
			     ref_range(&rng, -31, 32);
		} else {
			qm = rmult();
			qs = rshift(ilog2(K) / 2 + 15);
		}
		qz = pc ? rzp(wt) : 0;
		tb_quant(b, qm, qs, qz);
	}
	if (pc) {
		op->params.conv.flags = ENPU_QUANT_PER_CHANNEL_ZP;
		b->t[w].zero_point = 0;
	}
	rflags(b, op);
	check_case(b, 1 << 16, kind == SHAPE_BIAS ? bias_limits : NULL, NULL,
		   kind == SHAPE_RARE ? "conv2d shape, rare requant" :
		   kind == SHAPE_BIAS ? "conv2d shape, bias limits" :
		   "conv2d shape", i);
	free(b);
}

struct fshape {
	uint32_t M, K, N;
};

static const struct fshape fshapes[] = {
	{ 1, 640, 128 }, { 1, 128, 640 }, { 2, 1000, 10 }, { 3, 33, 17 },
	{ 1, 4093, 65 }, { 2, 250, 129 },
};

static void fc_shape_case(const struct fshape *sh, unsigned int i,
			  enum shape_kind kind)
{
	struct tb *b = malloc(sizeof(*b));
	uint32_t x, w, bias = ENPU_NO_TENSOR, y, j, qc, pc;
	uint32_t mode = i % 3, wslot = i & 1;
	uint8_t wt = mode == 1 ? ENPU_DTYPE_S8 : mode == 2 ? ENPU_DTYPE_U8 : rdtype();
	struct enpu_op *op;

	tb_init(b, 2);
	x = tb_tensor(b, 0, rdtype(), 0, 2, sh->M, sh->K, 1, 1);
	b->t[x].zero_point = rzp(b->t[x].dtype);
	w = tb_tensor(b, wslot, wt, mode ? 0 : rzp(wt), 2, sh->K, sh->N, 1, 1);
	if (kind == SHAPE_BIAS || ref_rand(&rng) % 4)
		/* some with packed weights but the bias unbound at prepare */
		bias = tb_tensor(b, i % 6 == 4 ? 1 : wslot, ENPU_DTYPE_S32, 0,
				 1, sh->N, 1, 1, 1);
	y = tb_tensor(b, 0, rdtype(), 0, 2, sh->M, sh->N, 1, 1);
	b->t[y].zero_point = rzp(b->t[y].dtype);
	op = tb_op(b, ENPU_OP_FULLY_CONNECTED, y);
	op->in[0] = x;
	op->in[1] = w;
	op->in[2] = bias;
	qc = ref_rand(&rng) & 1 ? sh->N : 1;
	pc = !mode && qc == sh->N && (ref_rand(&rng) & 1);
	op->quant_count = qc;
	for (j = 0; j < qc; j++) {
		/* one draw a statement: the same cases on every compiler */
		int32_t qm, qs, qz;

		if (kind == SHAPE_RARE) {
			qm = ref_rand(&rng) % 8 ? rmult() : 0;
			qs = j % 5 == 0 ? -31 : j % 5 == 1 ? 32 :
			     ref_range(&rng, -31, 32);
		} else {
			qm = rmult();
			qs = rshift(ilog2(sh->K) / 2 + 17);
		}
		qz = pc ? rzp(wt) : 0;
		tb_quant(b, qm, qs, qz);
	}
	if (pc) {
		op->params.fc.flags = ENPU_QUANT_PER_CHANNEL_ZP;
		b->t[w].zero_point = 0;
	}
	rflags(b, op);
	check_case(b, 1 << 16, kind == SHAPE_BIAS ? bias_limits : NULL, NULL,
		   "fully_connected shape", i);
	free(b);
}

/*
 * Stride 1, one group, several taps: the tap-major GEMM of the VNNI
 * variants (input interleaved by 4 channels) when the weights fit s8.
 * Channels past C (7, 15, 13) pad the last group of 4.
 */
static const struct cshape tmshapes[] = {
	{ 1, 16, 16, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
	{ 3, 15, 20, 9, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
	{ 1, 7, 9, 6, 13, 3, 3, 1, 1, 2, 2, 2, 0, 1, 2, 1 },
	{ 2, 13, 5, 10, 7, 2, 5, 1, 1, 1, 1, 0, 2, 1, 2, 1 },
	{ 1, 64, 64, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
};

static void test_conv2d_shapes(void)
{
	unsigned int i, r;

	for (r = 0; r < 2; r++)
		for (i = 0; i < sizeof(cshapes) / sizeof(cshapes[0]); i++)
			shape_case(&cshapes[i], r * 16 + i, SHAPE_PLAIN);
	/* i % 3 == 1: symmetric S8 weights (u8 mode); odd i: unpacked */
	for (r = 0; r < 2; r++)
		for (i = 0; i < FW_TEST_ARRAY_SIZE(tmshapes); i++)
			shape_case(&tmshapes[i], 6 * i + 3 * r + 1, SHAPE_PLAIN);
	check_interior("conv2d shapes");
}

static void test_fully_connected_shapes(void)
{
	unsigned int i, r;

	for (r = 0; r < 3; r++)
		for (i = 0; i < sizeof(fshapes) / sizeof(fshapes[0]); i++)
			fc_shape_case(&fshapes[i], r * 8 + i, SHAPE_PLAIN);
	check_interior("fully_connected shapes");
}

/* Outputs mostly clamp here: no interior check. */
static void test_shapes_rare(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(cshapes) / sizeof(cshapes[0]); i++)
		shape_case(&cshapes[i], i, i & 2 ? SHAPE_BIAS : SHAPE_RARE);
	for (i = 0; i < sizeof(fshapes) / sizeof(fshapes[0]); i++)
		fc_shape_case(&fshapes[i], i, i & 2 ? SHAPE_BIAS : SHAPE_RARE);
	op_total = op_interior = 0;
}

/* Random shape of rank 1..4 with small awkward dims. */
static void rshape(unsigned int *rank, uint32_t d[4], unsigned int minrank)
{
	unsigned int k;

	*rank = ref_range(&rng, minrank, 4);
	for (k = 0; k < 4; k++)
		d[k] = k < *rank ? ref_range(&rng, 1, 7) : 1;
}

static void eltwise_case(unsigned int i, uint32_t opcode)
{
	struct tb *b = malloc(sizeof(*b));
	uint32_t d[4], a, c, y, bc = ref_range(&rng, 0, 2);
	unsigned int rank;
	struct enpu_op *op;

	rshape(&rank, d, bc == 1 ? 2 : 1);
	tb_init(b, 1);
	a = tb_tensor(b, 0, rdtype(), 0, rank, d[0], d[1], d[2], d[3]);
	if (bc == 0)
		c = tb_tensor(b, 0, rdtype(), 0, rank, d[0], d[1], d[2], d[3]);
	else if (bc == 1)
		c = ref_rand(&rng) & 1 ?
		    tb_tensor(b, 0, rdtype(), 0, 1, d[1], 1, 1, 1) :
		    tb_tensor(b, 0, rdtype(), 0, 4, 1, d[1], 1, 1);
	else
		c = tb_tensor(b, 0, rdtype(), 0, 1, 1, 1, 1, 1);
	y = tb_tensor(b, 0, rdtype(), 0, rank, d[0], d[1], d[2], d[3]);
	b->t[a].zero_point = rzp(b->t[a].dtype);
	b->t[c].zero_point = rzp(b->t[c].dtype);
	b->t[y].zero_point = rzp(b->t[y].dtype);
	op = tb_op(b, opcode, y);
	op->in[0] = a;
	op->in[1] = c;
	op->params.eltwise.broadcast = bc;
	op->quant_count = 1;
	if (opcode == ENPU_OP_ADD) {
		uint32_t ls = ref_range(&rng, 0, 20);

		op->params.eltwise.left_shift = ls;
		op->params.eltwise.in_multiplier[0] = rmult();
		op->params.eltwise.in_multiplier[1] = rmult();
		op->params.eltwise.in_shift[0] = (int32_t)ls + ref_range(&rng, -3, 2);
		op->params.eltwise.in_shift[1] = (int32_t)ls + ref_range(&rng, -3, 2);
		tb_quant(b, rmult(), ref_range(&rng, -1, 2), 0);
	} else {
		tb_quant(b, rmult(), rshift(14), 0);
	}
	rflags(b, op);
	check_case(b, 0, NULL, NULL, opcode == ENPU_OP_ADD ? "add" : "mul", i);
	free(b);
}

static void test_add(void)
{
	unsigned int i;

	for (i = 0; i < CASES; i++)
		eltwise_case(i, ENPU_OP_ADD);
	check_interior("add");
}

static void test_mul(void)
{
	unsigned int i;

	for (i = 0; i < CASES; i++)
		eltwise_case(i, ENPU_OP_MUL);
	check_interior("mul");
}

static void pool_case(unsigned int i, uint32_t opcode)
{
	struct tb *b = malloc(sizeof(*b));
	uint32_t N = ref_range(&rng, 1, 2), C = ref_range(&rng, 1, 5);
	uint32_t H = ref_range(&rng, 1, 12), W = ref_range(&rng, 1, 12);
	uint32_t kh = ref_range(&rng, 1, 5), kw = ref_range(&rng, 1, 5);
	uint32_t pt = ref_rand(&rng) % kh, pb = ref_rand(&rng) % kh;
	uint32_t pl = ref_rand(&rng) % kw, pr = ref_rand(&rng) % kw;
	uint32_t sh = ref_range(&rng, 1, 3), sw = ref_range(&rng, 1, 3);
	uint32_t x, y, OH, OW;
	struct enpu_op *op;

	if (opcode == ENPU_OP_GLOBAL_AVGPOOL) {
		OH = OW = 1;
	} else {
		if (H + pt + pb < kh)
			H = kh - pt - pb;
		if (W + pl + pr < kw)
			W = kw - pl - pr;
		OH = (H + pt + pb - kh) / sh + 1;
		OW = (W + pl + pr - kw) / sw + 1;
	}
	tb_init(b, 1);
	x = tb_tensor(b, 0, rdtype(), 0, 4, N, C, H, W);
	b->t[x].zero_point = rzp(b->t[x].dtype);
	if (opcode == ENPU_OP_MAXPOOL) {
		y = tb_tensor(b, 0, b->t[x].dtype, b->t[x].zero_point, 4,
			      N, C, OH, OW);
	} else {
		y = tb_tensor(b, 0, rdtype(), 0, 4, N, C, OH, OW);
		b->t[y].zero_point = rzp(b->t[y].dtype);
	}
	op = tb_op(b, opcode, y);
	op->in[0] = x;
	if (opcode != ENPU_OP_GLOBAL_AVGPOOL)
		op->params.pool = (struct enpu_op_pool){
			.kernel_h = kh, .kernel_w = kw, .stride_h = sh,
			.stride_w = sw, .pad_top = pt, .pad_left = pl,
			.pad_bottom = pb, .pad_right = pr,
			.count_include_pad = opcode == ENPU_OP_AVGPOOL &&
					     (ref_rand(&rng) & 1),
		};
	if (opcode != ENPU_OP_MAXPOOL) {
		int32_t bits = 0;

		/* GLOBAL_AVGPOOL requantizes the plane sum: fold 1/(H*W). */
		while (opcode == ENPU_OP_GLOBAL_AVGPOOL && (1u << bits) < H * W)
			bits++;
		op->quant_count = 1;
		tb_quant(b, rmult(), ref_range(&rng, -2, 1) + bits, 0);
	}
	rflags(b, op);
	check_case(b, 0, NULL, NULL, enpu_fw_op_name(opcode), i);
	free(b);
}

static void test_avgpool(void)
{
	unsigned int i;

	for (i = 0; i < CASES; i++)
		pool_case(i, ENPU_OP_AVGPOOL);
	check_interior("avgpool");
}

static void test_maxpool(void)
{
	unsigned int i;

	for (i = 0; i < CASES; i++)
		pool_case(i, ENPU_OP_MAXPOOL);
	check_interior("maxpool");
}

static void test_global_avgpool(void)
{
	unsigned int i;

	for (i = 0; i < CASES; i++)
		pool_case(i, ENPU_OP_GLOBAL_AVGPOOL);
	check_interior("global_avgpool");
}

/* CONCAT (several inputs into one output) and COPY (reshape, in place). */
static void test_concat(void)
{
	unsigned int i, k;

	for (i = 0; i < CASES; i++) {
		struct tb *b = malloc(sizeof(*b));
		uint32_t d[4], y, axis, nin = ref_range(&rng, 1, 3), off = 0;
		unsigned int rank;
		uint8_t yt = rdtype();

		rshape(&rank, d, 1);
		axis = ref_rand(&rng) % rank;
		tb_init(b, 1);
		y = tb_tensor(b, 0, yt, rzp(yt), rank, d[0], d[1], d[2], d[3]);
		b->t[y].dims[axis] = 0;
		for (k = 0; k < nin; k++) {
			uint32_t e[4], x, plain = ref_rand(&rng) & 1;
			struct enpu_op *op;

			memcpy(e, d, sizeof(e));
			e[axis] = ref_range(&rng, 1, 5);
			x = plain ?
			    tb_tensor(b, 0, yt, b->t[y].zero_point, rank,
				      e[0], e[1], e[2], e[3]) :
			    tb_tensor(b, 0, rdtype(), 0, rank, e[0], e[1], e[2], e[3]);
			if (!plain)
				b->t[x].zero_point = rzp(b->t[x].dtype);
			op = tb_op(b, ENPU_OP_CONCAT, y);
			op->in[0] = x;
			op->params.concat.axis = axis;
			op->params.concat.offset = off;
			/* leave a hole sometimes: it must stay untouched */
			off += e[axis] + (ref_rand(&rng) % 4 == 0);
			if (!plain) {
				op->quant_count = 1;
				op->quant_index = b->nq;
				tb_quant(b, rmult(), ref_range(&rng, -2, 1), 0);
			}
			rflags(b, op);
		}
		/* the output is laid out last in the slot: grow it now */
		b->t[y].dims[axis] = off + (ref_rand(&rng) & 1);
		b->t[y].offset = (b->slot_size[0] + TB_GAP + 7) & ~7ULL;
		b->slot_size[0] = b->t[y].offset + ref_count(&b->t[y]);
		check_case(b, 0, NULL, NULL, "concat", i);
		free(b);
	}
	check_interior("concat");
}

static void test_copy(void)
{
	unsigned int i;

	for (i = 0; i < CASES; i++) {
		struct tb *b = malloc(sizeof(*b));
		uint32_t d[4], x, y, n, inplace = ref_rand(&rng) % 3 == 0;
		unsigned int rank;
		uint8_t xt = rdtype(), yt;
		struct enpu_op *op;
		int plain = ref_rand(&rng) & 1;

		rshape(&rank, d, 1);
		n = d[0] * d[1] * d[2] * d[3];
		tb_init(b, 1);
		x = tb_tensor(b, 0, xt, rzp(xt), rank, d[0], d[1], d[2], d[3]);
		yt = plain || inplace ? xt : rdtype();
		if (inplace) {
			y = tb_tensor(b, 0, yt, 0, 1, n, 1, 1, 1);
			b->t[y].offset = b->t[x].offset;
			b->slot_size[0] = b->t[x].offset + n;
		} else {
			y = tb_tensor(b, 0, yt, 0, 2, 1, n, 1, 1);
		}
		b->t[y].zero_point = plain ? b->t[x].zero_point : rzp(yt);
		op = tb_op(b, ENPU_OP_COPY, y);
		op->in[0] = x;
		if (!plain) {
			op->quant_count = 1;
			tb_quant(b, rmult(), ref_range(&rng, -2, 1), 0);
		}
		rflags(b, op);
		check_case(b, 0, NULL, NULL, inplace ? "copy in place" : "copy", i);
		free(b);
	}
	check_interior("copy");
}

struct sm_arg {
	double in_scale;
	int wild;	/* random entries incl. negative and > 2^16 */
};

static void softmax_prep(const struct tb *b, struct enpu_fw_buf *slots,
			 void *arg)
{
	const struct sm_arg *a = arg;
	const struct enpu_tensor *tab = &b->t[b->o[0].in[1]];
	int d;

	for (d = 0; d < 256; d++) {
		int32_t v = (int32_t)lround(65536.0 * exp(-d * a->in_scale));

		if (a->wild)
			v = ref_range(&rng, -100000, 200000);
		ref_set(slots, tab, d, v);
	}
}

static void test_softmax(void)
{
	unsigned int i;

	for (i = 0; i < CASES; i++) {
		struct tb *b = malloc(sizeof(*b));
		struct sm_arg a = {
			.in_scale = 0.002 + (ref_rand(&rng) % 1000) / 40000.0,
			.wild = ref_rand(&rng) % 5 == 0,
		};
		uint32_t d[4], x, t, y;
		unsigned int rank;
		struct enpu_op *op;
		uint8_t yt = rdtype();

		rshape(&rank, d, 1);
		d[rank - 1] = ref_range(&rng, 1, 37);
		tb_init(b, 1);
		x = tb_tensor(b, 0, rdtype(), 0, rank, d[0], d[1], d[2], d[3]);
		b->t[x].zero_point = rzp(b->t[x].dtype);
		t = tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, 256, 1, 1, 1);
		/* out_scale 1/256: multiplier 2^-15 * 256 = 2^-7 */
		y = tb_tensor(b, 0, yt, yt == ENPU_DTYPE_S8 ? -128 : 0, rank,
			      d[0], d[1], d[2], d[3]);
		op = tb_op(b, ENPU_OP_SOFTMAX, y);
		op->in[0] = x;
		op->in[1] = t;
		op->quant_count = 1;
		if (ref_rand(&rng) & 1)
			tb_quant(b, 1 << 30, 7 - 1, 0);
		else
			tb_quant(b, rmult(), ref_range(&rng, 5, 8), 0);
		rflags(b, op);
		check_case(b, 0, softmax_prep, &a, "softmax", i);
		free(b);
	}
	check_interior("softmax");
}

static void test_lut(void)
{
	unsigned int i;

	for (i = 0; i < CASES; i++) {
		struct tb *b = malloc(sizeof(*b));
		uint32_t d[4], x, t, y, inplace = ref_rand(&rng) % 3 == 0;
		unsigned int rank;
		struct enpu_op *op;
		uint8_t xt = rdtype(), yt = inplace ? xt : rdtype();

		rshape(&rank, d, 1);
		tb_init(b, 1);
		t = tb_tensor(b, 0, yt, 0, 1, 256, 1, 1, 1);
		x = tb_tensor(b, 0, xt, rzp(xt), rank, d[0], d[1], d[2], d[3]);
		if (inplace) {
			y = tb_tensor(b, 0, yt, 0, rank, d[0], d[1], d[2], d[3]);
			b->t[y].offset = b->t[x].offset;
			b->slot_size[0] = b->t[x].offset + ref_count(&b->t[x]);
		} else {
			y = tb_tensor(b, 0, yt, 0, rank, d[0], d[1], d[2], d[3]);
		}
		b->t[y].zero_point = rzp(yt);
		op = tb_op(b, ENPU_OP_LUT, y);
		op->in[0] = x;
		op->in[1] = t;
		rflags(b, op);
		check_case(b, 0, NULL, NULL, inplace ? "lut in place" : "lut", i);
		free(b);
	}
	check_interior("lut");
}

/*
 * LUT over every length up to 100 and around the vector widths (a variant
 * kernel's vector body, its tail and their seam), every type pair, in place
 * or not, with and without a clamp.
 */
static void test_lut_lengths(void)
{
	static const uint32_t more[] = { 127, 128, 129, 255, 256, 257, 1000,
					 4099, 65536 + 33 };
	unsigned int i, nl = 100 + sizeof(more) / sizeof(more[0]);

	for (i = 0; i < 2 * nl; i++) {
		struct tb *b = malloc(sizeof(*b));
		uint32_t n = i % nl < 100 ? i % nl + 1 : more[i % nl - 100];
		uint8_t xt = i & 1 ? ENPU_DTYPE_S8 : ENPU_DTYPE_U8;
		uint8_t yt = i & 2 ? ENPU_DTYPE_S8 : ENPU_DTYPE_U8;
		uint32_t x, t, y, inplace = i >= nl && xt == yt;
		struct enpu_op *op;

		tb_init(b, 1);
		t = tb_tensor(b, 0, yt, 0, 1, 256, 1, 1, 1);
		x = tb_tensor(b, 0, xt, rzp(xt), 2, 1, n, 1, 1);
		y = tb_tensor(b, 0, yt, rzp(yt), 2, 1, n, 1, 1);
		if (inplace) {
			b->t[y].offset = b->t[x].offset;
			b->slot_size[0] = b->t[x].offset + n;
		}
		op = tb_op(b, ENPU_OP_LUT, y);
		op->in[0] = x;
		op->in[1] = t;
		if (i & 4) {
			op->act_min = yt == ENPU_DTYPE_S8 ? -90 : 30;
			op->act_max = yt == ENPU_DTYPE_S8 ? 80 : 220;
		}
		check_case(b, 0, NULL, NULL, "lut length", n);
		free(b);
	}
	check_interior("lut lengths");
}

/* Long rows cross the kernels' internal yield chunks (2^16 and 2^20). */
static void test_long_rows(void)
{
	static const uint32_t ops[] = { ENPU_OP_ADD, ENPU_OP_MUL, ENPU_OP_COPY,
					ENPU_OP_COPY, ENPU_OP_LUT };
	unsigned int i;

	for (i = 0; i < 5; i++) {
		struct tb *b = malloc(sizeof(*b));
		uint32_t n = i < 2 ? 70001 : 1100003, x, c = 0, y;
		struct enpu_op *op;

		tb_init(b, 1);
		if (ops[i] == ENPU_OP_LUT)
			c = tb_tensor(b, 0, ENPU_DTYPE_U8, 0, 1, 256, 1, 1, 1);
		x = tb_tensor(b, 0, ENPU_DTYPE_S8, 3, 2, 1, n, 1, 1);
		if (i < 2)
			c = tb_tensor(b, 0, ENPU_DTYPE_U8, 7, 2, 1, n, 1, 1);
		y = tb_tensor(b, 0, i == 2 ? ENPU_DTYPE_S8 : ENPU_DTYPE_U8,
			      i == 2 ? 3 : 100, 2, 1, n, 1, 1);
		op = tb_op(b, ops[i], y);
		op->in[0] = x;
		if (ops[i] != ENPU_OP_COPY)
			op->in[1] = c;
		if (ops[i] == ENPU_OP_ADD) {
			op->params.eltwise.in_multiplier[0] = 1 << 30;
			op->params.eltwise.in_multiplier[1] = 1 << 30;
			op->params.eltwise.in_shift[0] = 0;
			op->params.eltwise.in_shift[1] = 1;
		}
		if (i != 2 && ops[i] != ENPU_OP_LUT) {
			op->quant_count = 1;
			tb_quant(b, (1 << 30) + 12345, ops[i] == ENPU_OP_MUL ? 7 : 0, 0);
		}
		op->act_min = i == 2 ? -100 : 10;	/* not the full range */
		op->act_max = i == 2 ? 100 : 250;
		check_case(b, 0, NULL, NULL, "long rows", i);
		free(b);
	}
	check_interior("long rows");
}

/* A small CNN: conv -> maxpool -> conv -> global avgpool -> fc -> softmax. */
static void test_chain(void)
{
	static const struct enpu_op_conv conv3x3 = {
		.stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
		.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
		.groups = 1,
	};
	unsigned int i;

	for (i = 0; i < CASES / 4; i++) {
		struct tb *b = malloc(sizeof(*b));
		uint32_t x, w1, b1, c1, p1, w2, c2, g, f, wf, bf, fo, t, sm;
		struct enpu_op *op;
		unsigned int o;

		tb_init(b, 3);
		x = tb_tensor(b, 0, ENPU_DTYPE_S8, -3, 4, 1, 1, 8, 8);
		w1 = tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 4, 6, 1, 3, 3);
		b1 = tb_tensor(b, 1, ENPU_DTYPE_S32, 0, 1, 6, 1, 1, 1);
		w2 = tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 4, 10, 6, 3, 3);
		wf = tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 2, 10, 7, 1, 1);
		bf = tb_tensor(b, 1, ENPU_DTYPE_S32, 0, 1, 7, 1, 1, 1);
		t = tb_tensor(b, 1, ENPU_DTYPE_S32, 0, 1, 256, 1, 1, 1);
		c1 = tb_tensor(b, 2, ENPU_DTYPE_S8, -128, 4, 1, 6, 8, 8);
		p1 = tb_tensor(b, 2, ENPU_DTYPE_S8, -128, 4, 1, 6, 4, 4);
		c2 = tb_tensor(b, 2, ENPU_DTYPE_S8, -128, 4, 1, 10, 4, 4);
		g = tb_tensor(b, 2, ENPU_DTYPE_S8, 5, 4, 1, 10, 1, 1);
		f = tb_tensor(b, 2, ENPU_DTYPE_S8, 5, 2, 1, 10, 1, 1);
		fo = tb_tensor(b, 2, ENPU_DTYPE_S8, 1, 2, 1, 7, 1, 1);
		sm = tb_tensor(b, 0, ENPU_DTYPE_U8, 0, 2, 1, 7, 1, 1);

		op = tb_op(b, ENPU_OP_CONV2D, c1);
		op->in[0] = x, op->in[1] = w1, op->in[2] = b1;
		op->params.conv = conv3x3;
		op->quant_index = b->nq;
		op->quant_count = 6;
		for (o = 0; o < 6; o++)
			tb_quant(b, rmult(), 8, 0);
		op->act_min = -128;	/* fused ReLU: zero point -128 */
		op = tb_op(b, ENPU_OP_MAXPOOL, p1);
		op->in[0] = c1;
		op->params.pool = (struct enpu_op_pool){
			.kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2,
		};
		op = tb_op(b, ENPU_OP_CONV2D, c2);
		op->in[0] = p1, op->in[1] = w2;
		op->params.conv = conv3x3;
		op->quant_index = b->nq;
		op->quant_count = 1;
		tb_quant(b, rmult(), 10, 0);
		op = tb_op(b, ENPU_OP_GLOBAL_AVGPOOL, g);
		op->in[0] = c2;
		op->quant_index = b->nq;
		op->quant_count = 1;
		tb_quant(b, 1 << 30, -1, 0);
		op = tb_op(b, ENPU_OP_COPY, f);
		op->in[0] = g;
		op = tb_op(b, ENPU_OP_FULLY_CONNECTED, fo);
		op->in[0] = f, op->in[1] = wf, op->in[2] = bf;
		op->quant_index = b->nq;
		op->quant_count = 1;
		tb_quant(b, rmult(), 7, 0);
		op = tb_op(b, ENPU_OP_SOFTMAX, sm);
		op->in[0] = fo, op->in[1] = t;
		op->quant_index = b->nq;
		op->quant_count = 1;
		tb_quant(b, 1 << 30, 6, 0);
		/* random table entries, clamped to [0, 2^16] when read */
		check_case(b, 1 << 17, NULL, NULL, "chain", i);
		free(b);
	}
	check_interior("chain");
}

/*
 * Shapes larger than the random cases, where the variant kernels take
 * their fast paths (full 4x4 tiles, column tiles and tasks, long K):
 * pointwise 64 -> 64 channels on 12x12, 3x3 16 -> 24 on 20x20, depthwise
 * 3x3 stride 2 on 48x48, and a 640 x 128 fully connected layer.
 */
struct big_conv {
	uint32_t N, C, H, W, O, G, K, s, pad;
};

/*
 * Requantization of a sum of 2^kbits products (~2^(kbits / 2 + 13)) onto
 * about +-2^6, and a zero point of weight type @wt (0: none).  One random
 * draw a statement, so that the cases are the same on every compiler.
 */
static void big_quant(struct tb *b, int kbits, uint8_t wt)
{
	int32_t mult = rmult();
	int32_t shift = kbits / 2 + 13 - 6 + ref_range(&rng, -1, 1);
	int32_t zp = wt ? rzp(wt) : 0;

	tb_quant(b, mult, shift, zp);
}

/* Random rounding, no clamp: the random cases test the clamps. */
static void big_flags(const struct tb *b, struct enpu_op *op)
{
	op->flags = ref_rand(&rng) & 1 ? ENPU_OP_FLAG_ROUND_HALF_UP : 0;
	op->act_min = b->t[op->out].dtype == ENPU_DTYPE_S8 ? -128 : 0;
	op->act_max = op->act_min + 255;
}

static void big_conv_case(const struct big_conv *sh, unsigned int i)
{
	struct tb *b = malloc(sizeof(*b));
	const uint32_t CG = sh->C / sh->G;
	const uint32_t OH = (sh->H + 2 * sh->pad - sh->K) / sh->s + 1;
	const uint32_t OW = (sh->W + 2 * sh->pad - sh->K) / sh->s + 1;
	uint32_t x, w, bias, y, o, pc = ref_rand(&rng) & 1;
	uint8_t wt = rdtype();
	struct enpu_op *op;

	tb_init(b, 2);
	x = tb_tensor(b, 1, rdtype(), 0, 4, sh->N, sh->C, sh->H, sh->W);
	b->t[x].zero_point = rzp(b->t[x].dtype);
	w = tb_tensor(b, 0, wt, pc ? 0 : rzp(wt), 4, sh->O, CG, sh->K, sh->K);
	bias = tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, sh->O, 1, 1, 1);
	y = tb_tensor(b, 1, rdtype(), 0, 4, sh->N, sh->O, OH, OW);
	b->t[y].zero_point = rzp(b->t[y].dtype);
	op = tb_op(b, ENPU_OP_CONV2D, y);
	op->in[0] = x;
	op->in[1] = w;
	op->in[2] = bias;
	op->params.conv = (struct enpu_op_conv){
		.stride_h = sh->s, .stride_w = sh->s, .dilation_h = 1,
		.dilation_w = 1, .pad_top = sh->pad, .pad_left = sh->pad,
		.pad_bottom = sh->pad, .pad_right = sh->pad, .groups = sh->G,
		.flags = pc ? ENPU_QUANT_PER_CHANNEL_ZP : 0,
	};
	op->quant_count = sh->O;
	op->quant_index = b->nq;
	for (o = 0; o < sh->O; o++)
		big_quant(b, ilog2(CG * sh->K * sh->K), pc ? wt : 0);
	big_flags(b, op);
	check_case(b, 1 << 12, NULL, NULL, "large conv2d", i);
	free(b);
}

/* MAXPOOL 3x3 / 2x2 and GLOBAL_AVGPOOL on planes wider than 16. */
static void big_pool_case(unsigned int i)
{
	static const struct enpu_op_pool pools[] = {
		{ .kernel_h = 3, .kernel_w = 3, .stride_h = 1, .stride_w = 1,
		  .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1 },
		{ .kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2 },
		{ .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2,
		  .pad_left = 1 },
	};
	struct tb *b = malloc(sizeof(*b));
	const int gavg = i >= 3;
	const struct enpu_op_pool *p = &pools[i % 3];
	uint32_t C = 3, H = gavg ? 150 + 37 * i : 40 + i, W = gavg ? 300 : 47;
	uint32_t OH = gavg ? 1 : (H + p->pad_top + p->pad_bottom - p->kernel_h) / p->stride_h + 1;
	uint32_t OW = gavg ? 1 : (W + p->pad_left + p->pad_right - p->kernel_w) / p->stride_w + 1;
	uint8_t xt = rdtype();
	uint32_t x, y;
	struct enpu_op *op;

	tb_init(b, 1);
	x = tb_tensor(b, 0, xt, 0, 4, 1, C, H, W);
	b->t[x].zero_point = rzp(xt);
	if (gavg) {
		int32_t bits = 0, mult;

		y = tb_tensor(b, 0, rdtype(), 0, 4, 1, C, 1, 1);
		b->t[y].zero_point = rzp(b->t[y].dtype);
		op = tb_op(b, ENPU_OP_GLOBAL_AVGPOOL, y);
		while ((1u << bits) < H * W)
			bits++;
		op->quant_count = 1;
		mult = rmult();
		tb_quant(b, mult, bits - 2, 0);
		big_flags(b, op);
	} else {
		y = tb_tensor(b, 0, xt, b->t[x].zero_point, 4, 1, C, OH, OW);
		op = tb_op(b, ENPU_OP_MAXPOOL, y);
		op->params.pool = *p;
		op->act_min = xt == ENPU_DTYPE_S8 ? -128 : 0;
		op->act_max = op->act_min + 255;
		if (i == 1) {	/* a clamp that bites */
			op->act_min += 150;
			op->act_max -= 40;
		}
	}
	op->in[0] = x;
	check_case(b, 0, NULL, NULL, gavg ? "large global_avgpool" :
		   "large maxpool", i);
	free(b);
}

static void test_large(void)
{
	static const struct big_conv convs[] = {
		{ .N = 1, .C = 64, .H = 12, .W = 12, .O = 64, .G = 1, .K = 1, .s = 1 },
		{ .N = 2, .C = 16, .H = 20, .W = 20, .O = 24, .G = 1, .K = 3, .s = 1, .pad = 1 },
		{ .N = 1, .C = 32, .H = 48, .W = 48, .O = 32, .G = 32, .K = 3, .s = 2, .pad = 1 },
		{ .N = 1, .C = 24, .H = 17, .W = 19, .O = 48, .G = 24, .K = 3, .s = 1, .pad = 1 },
	};
	unsigned int i, rep;

	rng = 0x6b43a9b5;	/* the same cases wherever the test runs */
	for (rep = 0; rep < 2; rep++)
		for (i = 0; i < FW_TEST_ARRAY_SIZE(convs); i++)
			big_conv_case(&convs[i], rep * 8 + i);
	for (i = 0; i < 6; i++) {
		/* batches of 37 and 67 rows: the multi-row micro-kernels */
		static const uint32_t ms[] = { 1, 1, 3, 3, 37, 67 };
		struct tb *b = malloc(sizeof(*b));
		uint32_t M = ms[i], K = i < 4 ? 640 : 96 + i, N = 128 + i;
		uint32_t x, w, bias, y, j;
		uint8_t wt = rdtype();
		struct enpu_op *op;

		tb_init(b, 2);
		x = tb_tensor(b, 1, rdtype(), 0, 2, M, K, 1, 1);
		b->t[x].zero_point = rzp(b->t[x].dtype);
		w = tb_tensor(b, 0, wt, i & 1 ? 0 : rzp(wt), 2, K, N, 1, 1);
		bias = tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, N, 1, 1, 1);
		y = tb_tensor(b, 1, rdtype(), 0, 2, M, N, 1, 1);
		b->t[y].zero_point = rzp(b->t[y].dtype);
		op = tb_op(b, ENPU_OP_FULLY_CONNECTED, y);
		op->in[0] = x;
		op->in[1] = w;
		op->in[2] = bias;
		op->quant_count = N;
		if (i & 1)
			op->params.fc.flags = ENPU_QUANT_PER_CHANNEL_ZP;
		for (j = 0; j < N; j++)
			big_quant(b, ilog2(K), i & 1 ? wt : 0);
		big_flags(b, op);
		check_case(b, 1 << 12, NULL, NULL, "large fully_connected", i);
		free(b);
	}
	for (i = 0; i < 6; i++)
		big_pool_case(i);
	check_interior("large");
}

/*
 * The variants this CPU runs: each found by its name, the best one last.
 * Under qemu (suite firmware-arm64), which knows the emulated CPU, they must
 * be exactly ENPU_TEST_EXPECT_KERNELS="scalar neon", and each of
 * ENPU_TEST_ABSENT_KERNELS must be refused by enpu_fw_kernels_find().
 */
static void test_variants(void)
{
	const char *expect = getenv("ENPU_TEST_EXPECT_KERNELS");
	const char *absent = getenv("ENPU_TEST_ABSENT_KERNELS");
	const struct enpu_fw_kernels *vs[16];
	unsigned int v, nv = enpu_fw_kernels_list(vs, 16);
	char got[256] = "", names[256], *tok, *save;

	for (v = 0; v < nv && v < 16; v++) {
		const char *vn = enpu_fw_kernels_name(vs[v]);

		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
			 v ? " " : "", vn);
		TAP_CHECK(enpu_fw_kernels_find(vn) == vs[v],
			  "enpu_fw_kernels_find(\"%s\") is not the listed one", vn);
	}
	printf("# variants this CPU runs: %s\n", got);
	TAP_CHECK(!expect || !strcmp(got, expect), "variants \"%s\", expected \"%s\"",
		  got, expect);
	TAP_CHECK(nv && enpu_fw_kernels_best() == vs[nv - 1],
		  "enpu_fw_kernels_best() is not the last listed variant");
	snprintf(names, sizeof(names), "%s", absent ? absent : "");
	for (tok = strtok_r(names, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		TAP_CHECK(!enpu_fw_kernels_find(tok),
			  "enpu_fw_kernels_find(\"%s\") is not NULL", tok);
}

/* FNV-1a of @s, never 0 (the generator's fixed point). */
static uint32_t seed_of(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h ? h : 1;
}

/*
 * Every test once per kernel variant this machine runs (scalar first), each
 * against the reference, so every variant is bit-identical to the scalar
 * kernels.  ENPU_TEST_KERNELS=NAME pins one.
 */
int main(void)
{
	const struct enpu_fw_kernels *vs[16];
	unsigned int v, nv = tb_variants(vs, 16), per;
	char name[96];

	tap_run("kernel variants of this CPU", test_variants);
	if (!nv) {
		tap_fail(__FILE__, __LINE__, "no kernel variant to run");
		return 1;
	}
	for (v = 0; v < nv; v++) {
		const char *vn = enpu_fw_kernels_name(vs[v]);

		tb_kernels = vs[v];
		rng = 0x2545f491;	/* the same cases for every variant */
		printf("# kernel variant %s\n", vn);
/*
 * Each test from a seed of its own name: its cases do not depend on the
 * tests before it (whose draws may differ between compilers).
 */
#define RUN(what, fn) RUN_AS(what, what, fn)
#define RUN_AS(what, cases, fn) \
	do { \
		rng = seed_of(cases); \
		snprintf(name, sizeof(name), "%s vs reference [%s]", what, vn); \
		tap_run(name, fn); \
	} while (0)
		RUN("conv2d", test_conv2d);
		RUN("depthwise conv2d", test_conv2d_depthwise);
		RUN("fully_connected", test_fully_connected);
		RUN("conv2d model shapes", test_conv2d_shapes);
		RUN("fully_connected model shapes", test_fully_connected_shapes);
		RUN("conv2d/fc rare requantization, bias limits", test_shapes_rare);
		RUN("add", test_add);
		RUN("mul", test_mul);
		RUN("avgpool", test_avgpool);
		RUN("maxpool", test_maxpool);
		RUN("global_avgpool", test_global_avgpool);
		RUN("concat", test_concat);
		RUN("copy", test_copy);
		RUN("softmax", test_softmax);
		RUN("lut", test_lut);
		RUN("lut lengths", test_lut_lengths);
		RUN("conv/pool/fc/softmax chain", test_chain);
		RUN("long rows", test_long_rows);
		RUN("large shapes", test_large);
		if (strcmp(vn, "scalar")) {
			/* the same cases through the variant's other paths:
			 * scratch packing, chunks in order */
			tb_plain = 1;
			RUN_AS("conv2d, unpacked and serial", "conv2d",
			       test_conv2d);
			RUN_AS("depthwise conv2d, unpacked and serial",
			       "depthwise conv2d", test_conv2d_depthwise);
			RUN_AS("fully_connected, unpacked and serial",
			       "fully_connected", test_fully_connected);
			RUN_AS("large shapes, unpacked and serial",
			       "large shapes", test_large);
			tb_plain = 0;
		}
#undef RUN
#undef RUN_AS
	}
	printf("# %u cases compared over %u kernel variants\n", cases_run, nv);
	per = nv ? cases_run / nv : 0;
	if (per < 13 * CASES / 4) {
		tap_fail(__FILE__, __LINE__, "only %u cases ran per variant", per);
		return 1;
	}
	return tap_done("test-ops");
}
