// SPDX-License-Identifier: MIT
/*
 * Structured libFuzzer target for the firmware: the input is a stream of
 * choices, not a command buffer.  From it the target builds 1..3 operations
 * of any opcode that the validator should accept (shapes, strides, padding,
 * dilation, groups - including the conv row kernel's and patch kernel's
 * receptive fields, depthwise, wide rows, long FC rows -, per-tensor and
 * per-channel requantization and weight zero points, broadcast modes 0..2,
 * clamps, rounding, in-place COPY/LUT, later ops reading earlier outputs),
 * then nudges up to six fields by +-1 (dims, rank, dtype, zero points,
 * offsets, buffer sizes, operands, params, quant entries), validates, and
 * runs every accepted buffer three times:
 *
 *  - every tensor in its own buffer of exactly the validated size, placed
 *    right before a PROT_NONE guard page (any read or write past the end
 *    faults), the rest of the page before it holding canary bytes;
 *  - the same with the guard page right before each buffer (underruns);
 *  - every tensor packed in one buffer with canary gaps of 0..15 bytes, so
 *    a kernel that overruns one tensor into the next is caught.
 *
 * After each run every byte of every buffer must equal what the naive
 * reference of tests/firmware/ref.c computes on the same layout (outputs
 * bit-exact, everything else untouched).  Any difference aborts.
 *
 * Input format: bytes are consumed one (or two, for choices above 256) at a
 * time, each reduced modulo the number of options; an exhausted input reads
 * as zeros, so every input is a valid program.  Seeds in
 * tests/fuzz/corpus/cmdbuf select each opcode and kernel variant.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/enpu_isa.h>
#include "enpu_fw.h"
#include "../firmware/ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CB_MAX_OPS	3
#define CB_MAX_WORK	(1u << 19)	/* multiply-accumulates per input */
#define CB_MAX_BYTES	(16u << 20)	/* bytes of tensors per input */
#define CB_MAX_YIELDS	64
#define CB_CANARY	0x5a

/* --- the choice stream ---------------------------------------------------- */

struct src {
	const uint8_t *p;
	size_t n, i;
};

/* A choice in [0, n); 0 when the input is exhausted. */
static uint32_t take(struct src *s, uint32_t n)
{
	uint32_t v = 0;

	if (n <= 1)
		return 0;
	if (s->i < s->n)
		v = s->p[s->i++];
	if (n > 256 && s->i < s->n)
		v = v << 8 | s->p[s->i++];
	return v % n;
}

static uint32_t rng(struct src *s, uint32_t lo, uint32_t hi)
{
	return lo + take(s, hi - lo + 1);
}

/* --- the program ---------------------------------------------------------- */

static struct tb B;			/* the program, layout filled per run */
static int32_t alias_of[TB_MAX_TENSORS];	/* -1 or the tensor it overlays */
static int64_t off_nudge[TB_MAX_TENSORS], size_nudge[TB_MAX_TENSORS];
static uint8_t fill_mode[TB_MAX_TENSORS];

static uint8_t q8(struct src *s)
{
	return take(s, 2) ? ENPU_DTYPE_U8 : ENPU_DTYPE_S8;
}

static int32_t zp(struct src *s, uint8_t dt)
{
	int32_t lo = dt == ENPU_DTYPE_S8 ? -128 : 0;

	switch (take(s, 4)) {
	case 0:
		return dt == ENPU_DTYPE_S8 ? 0 : 128;
	case 1:
		return lo;
	case 2:
		return lo + 255;
	default:
		return lo + (int32_t)take(s, 256);
	}
}

static uint32_t tensor(struct src *s, uint8_t dt, int32_t z, unsigned int rank,
		       uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3)
{
	uint32_t t = tb_tensor(&B, 0, dt, z, rank, d0, d1, d2, d3);

	alias_of[t] = -1;
	fill_mode[t] = (uint8_t)take(s, 8);
	return t;
}

/* A tensor of @count elements as a random rank 1..4 factorization. */
static uint32_t tensor_count(struct src *s, uint8_t dt, int32_t z,
			     uint32_t count)
{
	uint32_t d[4] = { 1, 1, 1, 1 }, rank = rng(s, 1, 4), i, r = count;

	for (i = 0; i + 1 < rank; i++) {
		uint32_t f = rng(s, 1, 8);

		if (r % f == 0) {
			d[i] = f;
			r /= f;
		}
	}
	d[rank - 1] = r;
	return tensor(s, dt, z, rank, d[0], d[1], d[2], d[3]);
}

static int32_t mult(struct src *s)
{
	switch (take(s, 8)) {
	case 0:
		return 0;
	case 1:
		return 1 << 30;
	case 2:
		return INT32_MAX;
	case 3:
		return (1 << 30) + (int32_t)(take(s, 8) << 27);	/* ties */
	default:
		return (1 << 30) + (int32_t)(((uint32_t)take(s, 65536) << 14) |
					     take(s, 16384));
	}
}

/* A shift mapping sums of ~2^@bits to ~8 bits, or an extreme. */
static int32_t shift(struct src *s, int bits)
{
	int32_t v;

	switch (take(s, 8)) {
	case 0:
		return -31;
	case 1:
		return 32;
	default:
		v = bits - 7 + (int32_t)take(s, 7) - 3;
		return v < -31 ? -31 : v > 32 ? 32 : v;
	}
}

static void quants(struct src *s, struct enpu_op *op, uint32_t n, int bits,
		   uint8_t wdt)
{
	uint32_t i;

	op->quant_index = B.nq;
	op->quant_count = n;
	for (i = 0; i < n; i++)
		tb_quant(&B, mult(s), shift(s, bits),
			 wdt ? zp(s, wdt) : 0);
}

static void clamp(struct src *s, struct enpu_op *op)
{
	int32_t lo = op->act_min;

	/* rounding only where the op requantizes (the others never round) */
	op->flags = op->quant_count && take(s, 2) ? ENPU_OP_FLAG_ROUND_HALF_UP : 0;
	if (take(s, 3) == 0) {
		op->act_min = lo + (int32_t)take(s, 256);
		op->act_max = op->act_min +
			      (int32_t)take(s, (uint32_t)(lo + 256 - op->act_min));
	}
}

static int ilog2(uint64_t v)
{
	int n = 0;

	while (v >>= 1)
		n++;
	return n;
}

static void gen_conv(struct src *s)
{
	uint32_t kind = take(s, 7), N = rng(s, 1, 2), G, CG, OG, KH, KW;
	uint32_t sh = rng(s, 1, 3), sw = rng(s, 1, 3), dh = 1, dw = 1;
	uint32_t eh, ew, pt, pb, pl, pr, H, W, OH, OW, x, w, y, bias, O, pc;
	uint8_t wdt = q8(s), xdt = q8(s), ydt = q8(s);
	struct enpu_op *op;
	int sat;
	uint32_t i;

	switch (kind) {
	case 0: /* patch kernel, any groups */
	default:
		G = take(s, 3) ? 1 : rng(s, 2, 4);
		CG = rng(s, 1, 8);
		OG = rng(s, 1, 6);
		KH = rng(s, 1, 5);
		KW = rng(s, 1, 5);
		break;
	case 1: /* row kernel: CG * KH * KW > 768 */
		G = take(s, 4) ? 1 : 2;
		CG = rng(s, 31, 40);
		OG = rng(s, 1, 3);
		KH = rng(s, 5, 6);
		KW = rng(s, 5, 6);
		break;
	case 2: /* depthwise, patch */
		G = rng(s, 1, 8);
		CG = 1;
		OG = rng(s, 1, 3);
		KH = rng(s, 1, 7);
		KW = rng(s, 1, 7);
		break;
	case 3: /* depthwise, row kernel: KH * KW > 768 */
		N = 1;
		G = rng(s, 1, 3);
		CG = 1;
		OG = rng(s, 1, 2);
		KH = rng(s, 28, 33);
		KW = rng(s, 28, 33);
		sh = sw = rng(s, 1, 8);
		break;
	case 4: /* row kernel, rows wider than a 64-column tile */
		G = 1;
		CG = rng(s, 49, 52);
		OG = 1;
		KH = KW = 4;
		sw = rng(s, 1, 2);
		sh = 1;
		break;
	case 6: /* row kernel past 32768 taps: the int32 partial sums spill */
		N = 1;
		G = 1;
		CG = rng(s, 9, 10);
		OG = 1;
		KH = KW = 64;
		sh = sw = 1;
		break;
	case 5: /* the patch limit exactly: 768 taps (patch) or 769 (rows) */
		G = 1;
		OG = rng(s, 1, 2);
		if (take(s, 2)) {
			CG = 48;
			KH = KW = 4;
		} else {
			CG = 769;
			KH = KW = 1;
		}
		break;
	}
	if (take(s, 3) == 0 && kind != 6) {
		dh = rng(s, 1, 4);
		dw = rng(s, 1, 4);
	}
	eh = dh * (KH - 1) + 1;
	ew = dw * (KW - 1) + 1;
	pt = take(s, eh);
	pb = take(s, eh);
	pl = take(s, ew);
	pr = take(s, ew);
	if (kind == 6)		/* every tap on real input */
		pt = pb = pl = pr = 0;
	H = eh > pt + pb ? eh - pt - pb : 1;
	W = ew > pl + pr ? ew - pl - pr : 1;
	H += kind >= 3 && kind != 5 ? take(s, 2) : take(s, 6);
	W += kind == 4 ? rng(s, 64, 140) : kind == 6 ? take(s, 2) : take(s, 6);
	OH = (H + pt + pb - eh) / sh + 1;
	OW = (W + pl + pr - ew) / sw + 1;
	O = G * OG;
	x = tensor(s, xdt, zp(s, xdt), 4, N, G * CG, H, W);
	pc = take(s, 4) == 0;
	w = tensor(s, wdt, pc ? 0 : zp(s, wdt), 4, O, CG, KH, KW);
	sat = kind == 6 && take(s, 2);
	if (sat) {
		/* every product +-255 * 255: the taps alone leave int32 */
		B.t[x].dtype = B.t[w].dtype = ENPU_DTYPE_U8;
		B.t[x].zero_point = 0;
		B.t[w].zero_point = pc ? 0 : 255 * (int32_t)take(s, 2);
		fill_mode[x] = 1;
		fill_mode[w] = B.t[w].zero_point ? 0 : 1;
		wdt = ENPU_DTYPE_U8;
	}
	bias = ENPU_NO_TENSOR;
	if (take(s, 4))
		bias = take(s, 2) ? tensor(s, ENPU_DTYPE_S32, 0, 1, O, 1, 1, 1) :
				    tensor(s, ENPU_DTYPE_S32, 0, 2, 1, O, 1, 1);
	y = tensor(s, ydt, zp(s, ydt), 4, N, O, OH, OW);
	op = tb_op(&B, ENPU_OP_CONV2D, y);
	op->in[0] = x;
	op->in[1] = w;
	op->in[2] = bias;
	op->params.conv = (struct enpu_op_conv){
		.stride_h = (__u16)sh, .stride_w = (__u16)sw,
		.dilation_h = (__u16)dh, .dilation_w = (__u16)dw,
		.pad_top = (__u16)pt, .pad_bottom = (__u16)pb,
		.pad_left = (__u16)pl, .pad_right = (__u16)pr,
		.groups = G, .flags = pc ? ENPU_QUANT_PER_CHANNEL_ZP : 0,
	};
	quants(s, op, pc || take(s, 2) ? O : 1,
	       ilog2((uint64_t)CG * KH * KW) + 14, pc ? wdt : 0);
	clamp(s, op);
	if (sat) {
		/* +-2^31 -> 128 +- 64: a wrapped or unsaturated sum shows */
		for (i = 0; i < op->quant_count; i++) {
			B.q[op->quant_index + i].multiplier = 1 << 30;
			B.q[op->quant_index + i].shift = 24;
		}
		B.t[y].dtype = ENPU_DTYPE_U8;
		B.t[y].zero_point = 128;
		op->act_min = 0;
		op->act_max = 255;
	}
}

static void gen_fc(struct src *s)
{
	uint32_t M = rng(s, 1, 4), K, N = rng(s, 1, 70), x, w, y, bias, pc;
	uint8_t xdt = q8(s), wdt = q8(s), ydt = q8(s);
	struct enpu_op *op;

	K = take(s, 8) ? rng(s, 1, 80) : rng(s, 32760, 32780);
	if (K > 80)
		N = rng(s, 1, 3);	/* the long-row yield path */
	x = tensor(s, xdt, zp(s, xdt), 2, M, K, 1, 1);
	pc = take(s, 4) == 0;
	w = tensor(s, wdt, pc ? 0 : zp(s, wdt), 2, K, N, 1, 1);
	bias = take(s, 4) ? tensor(s, ENPU_DTYPE_S32, 0, 1, N, 1, 1, 1) :
			    ENPU_NO_TENSOR;
	y = tensor(s, ydt, zp(s, ydt), 2, M, N, 1, 1);
	op = tb_op(&B, ENPU_OP_FULLY_CONNECTED, y);
	op->in[0] = x;
	op->in[1] = w;
	op->in[2] = bias;
	op->params.fc.flags = pc ? ENPU_QUANT_PER_CHANNEL_ZP : 0;
	quants(s, op, pc || take(s, 2) ? N : 1, ilog2(K) + 14, pc ? wdt : 0);
	clamp(s, op);
}

static void gen_eltwise(struct src *s, uint32_t opcode)
{
	uint32_t rank = rng(s, 1, 4), d[4] = { 1, 1, 1, 1 }, i, bc, x0, x1, y;
	uint8_t adt = q8(s), bdt = q8(s), ydt = q8(s);
	struct enpu_op *op;

	for (i = 0; i < rank; i++)
		d[i] = rng(s, 1, 7);
	if (take(s, 16) == 0) {		/* past one 65536-element chunk */
		rank = 4;
		d[0] = 1;
		d[1] = rng(s, 1, 2);
		d[2] = 1;
		d[3] = rng(s, 65530, 65540);
	}
	bc = take(s, 3);
	if (bc == 1 && rank < 2)
		bc = 2;
	x0 = tensor(s, adt, zp(s, adt), rank, d[0], d[1], d[2], d[3]);
	if (bc == 0 && take(s, 8) == 0) {
		x1 = x0;		/* x op x */
	} else if (bc == 0) {
		x1 = tensor(s, bdt, zp(s, bdt), rank, d[0], d[1], d[2], d[3]);
	} else if (bc == 1) {
		x1 = take(s, 2) ? tensor(s, bdt, zp(s, bdt), 1, d[1], 1, 1, 1) :
				  tensor(s, bdt, zp(s, bdt), 4, 1, d[1], 1, 1);
	} else {
		x1 = tensor(s, bdt, zp(s, bdt), rng(s, 1, 4), 1, 1, 1, 1);
	}
	y = tensor(s, ydt, zp(s, ydt), rank, d[0], d[1], d[2], d[3]);
	op = tb_op(&B, opcode, y);
	op->in[0] = x0;
	op->in[1] = x1;
	op->params.eltwise.broadcast = bc;
	if (opcode == ENPU_OP_ADD) {
		op->params.eltwise.left_shift = take(s, 21);
		op->params.eltwise.in_multiplier[0] = mult(s);
		op->params.eltwise.in_multiplier[1] = mult(s);
		op->params.eltwise.in_shift[0] =
			shift(s, 8 + (int)op->params.eltwise.left_shift);
		op->params.eltwise.in_shift[1] =
			shift(s, 8 + (int)op->params.eltwise.left_shift);
	}
	quants(s, op, 1, opcode == ENPU_OP_ADD ? 9 : 16, 0);
	clamp(s, op);
}

static void gen_pool(struct src *s, uint32_t opcode)
{
	uint32_t N = rng(s, 1, 2), C = rng(s, 1, 5), KH = rng(s, 1, 6);
	uint32_t KW = rng(s, 1, 6), sh = rng(s, 1, 4), sw = rng(s, 1, 4);
	uint32_t pt, pb, pl, pr, H, W, x, y, cip;
	uint8_t xdt = q8(s), ydt = q8(s);
	int32_t xz = zp(s, xdt);
	struct enpu_op *op;

	if (take(s, 16) == 0) {
		KH = rng(s, 60, 64);
		KW = rng(s, 60, 64);
	}
	pt = take(s, KH);
	pb = take(s, KH);
	pl = take(s, KW);
	pr = take(s, KW);
	H = (KH > pt + pb ? KH - pt - pb : 1) + take(s, 7);
	W = (KW > pl + pr ? KW - pl - pr : 1) + take(s, 7);
	if (opcode == ENPU_OP_MAXPOOL)
		ydt = xdt;
	x = tensor(s, xdt, xz, 4, N, C, H, W);
	y = tensor(s, ydt, opcode == ENPU_OP_MAXPOOL ? xz : zp(s, ydt), 4, N, C,
		   (H + pt + pb - KH) / sh + 1, (W + pl + pr - KW) / sw + 1);
	op = tb_op(&B, opcode, y);
	op->in[0] = x;
	cip = opcode == ENPU_OP_AVGPOOL ? take(s, 2) : 0;
	op->params.pool = (struct enpu_op_pool){
		.kernel_h = (__u16)KH, .kernel_w = (__u16)KW,
		.stride_h = (__u16)sh, .stride_w = (__u16)sw,
		.pad_top = (__u16)pt, .pad_bottom = (__u16)pb,
		.pad_left = (__u16)pl, .pad_right = (__u16)pr,
		.count_include_pad = cip,
	};
	if (opcode == ENPU_OP_AVGPOOL)
		quants(s, op, 1, 8, 0);
	clamp(s, op);
}

static void gen_gap(struct src *s)
{
	uint32_t N = rng(s, 1, 2), C = rng(s, 1, 6), H = rng(s, 1, 9);
	uint32_t W = rng(s, 1, 9), x, y;
	uint8_t xdt = q8(s), ydt = q8(s);
	struct enpu_op *op;

	if (take(s, 32) == 0) {		/* past one yield chunk of 2^20 */
		N = C = 1;
		H = 1025;
		W = rng(s, 1023, 1025);
	}
	x = tensor(s, xdt, zp(s, xdt), 4, N, C, H, W);
	y = tensor(s, ydt, zp(s, ydt), 4, N, C, 1, 1);
	op = tb_op(&B, ENPU_OP_GLOBAL_AVGPOOL, y);
	op->in[0] = x;
	quants(s, op, 1, ilog2((uint64_t)H * W) + 8, 0);
	clamp(s, op);
}

static void gen_concat(struct src *s)
{
	uint32_t rank = rng(s, 1, 4), d[4] = { 1, 1, 1, 1 }, i, axis, extra;
	uint32_t x, y, e[4];
	uint8_t xdt = q8(s), ydt;
	int32_t xz = zp(s, xdt), yz;
	struct enpu_op *op;
	int plain = take(s, 2);

	for (i = 0; i < rank; i++)
		d[i] = rng(s, 1, 6);
	axis = take(s, rank);
	extra = take(s, 5);
	memcpy(e, d, sizeof(e));
	e[axis] += extra;
	ydt = plain ? xdt : q8(s);
	yz = plain ? xz : zp(s, ydt);
	x = tensor(s, xdt, xz, rank, d[0], d[1], d[2], d[3]);
	y = tensor(s, ydt, yz, rank, e[0], e[1], e[2], e[3]);
	op = tb_op(&B, ENPU_OP_CONCAT, y);
	op->in[0] = x;
	op->params.concat.axis = axis;
	op->params.concat.offset = take(s, extra + 1);
	if (!plain)
		quants(s, op, 1, 8, 0);
	clamp(s, op);
}

/* COPY or LUT; in place (a second descriptor over the same bytes) at times. */
static void gen_unary(struct src *s, uint32_t opcode)
{
	uint32_t n = rng(s, 1, 300), x, y, t = ENPU_NO_TENSOR;
	uint8_t xdt = q8(s), ydt = q8(s);
	int32_t xz = zp(s, xdt);
	int plain = opcode == ENPU_OP_LUT || take(s, 2);
	struct enpu_op *op;

	if (opcode == ENPU_OP_COPY && plain)
		ydt = xdt;
	x = tensor_count(s, xdt, xz, n);
	if (opcode == ENPU_OP_LUT)	/* same shape */
		y = tensor(s, ydt, zp(s, ydt), B.t[x].rank, B.t[x].dims[0],
			   B.t[x].dims[1], B.t[x].dims[2], B.t[x].dims[3]);
	else
		y = tensor_count(s, ydt, plain ? xz : zp(s, ydt), n);
	if (take(s, 3) == 0)
		alias_of[y] = (int32_t)x;	/* exact in place */
	if (opcode == ENPU_OP_LUT)
		t = take(s, 2) ? tensor(s, ydt, 0, 1, 256, 1, 1, 1) :
				 tensor(s, ydt, 0, 2, 16, 16, 1, 1);
	op = tb_op(&B, opcode, y);
	op->in[0] = x;
	op->in[1] = t;
	if (!plain)
		quants(s, op, 1, 8, 0);
	clamp(s, op);
}

static void gen_softmax(struct src *s)
{
	uint32_t rank = rng(s, 1, 4), d[4] = { 1, 1, 1, 1 }, i, x, y, t;
	uint8_t xdt = q8(s), ydt = q8(s);
	struct enpu_op *op;

	for (i = 0; i < rank; i++)
		d[i] = rng(s, 1, 9);
	if (take(s, 16) == 0) {		/* rows whose exp sum passes 2^32 */
		rank = 1;
		d[0] = rng(s, 65536, 70000);
		d[1] = d[2] = d[3] = 1;
	}
	x = tensor(s, xdt, zp(s, xdt), rank, d[0], d[1], d[2], d[3]);
	t = take(s, 2) ? tensor(s, ENPU_DTYPE_S32, 0, 1, 256, 1, 1, 1) :
			 tensor(s, ENPU_DTYPE_S32, 0, 2, 16, 16, 1, 1);
	y = tensor(s, ydt, zp(s, ydt), rank, d[0], d[1], d[2], d[3]);
	op = tb_op(&B, ENPU_OP_SOFTMAX, y);
	op->in[0] = x;
	op->in[1] = t;
	quants(s, op, 1, 15, 0);
	clamp(s, op);
}

static void gen_op(struct src *s)
{
	uint32_t opcode = 1 + take(s, ENPU_OP_COUNT - 1);

	switch (opcode) {
	case ENPU_OP_CONV2D:
		gen_conv(s);
		break;
	case ENPU_OP_FULLY_CONNECTED:
		gen_fc(s);
		break;
	case ENPU_OP_ADD:
	case ENPU_OP_MUL:
		gen_eltwise(s, opcode);
		break;
	case ENPU_OP_AVGPOOL:
	case ENPU_OP_MAXPOOL:
		gen_pool(s, opcode);
		break;
	case ENPU_OP_GLOBAL_AVGPOOL:
		gen_gap(s);
		break;
	case ENPU_OP_CONCAT:
		gen_concat(s);
		break;
	case ENPU_OP_SOFTMAX:
		gen_softmax(s);
		break;
	default:
		gen_unary(s, opcode);
		break;
	}
}

/* --- nudges ----------------------------------------------------------------- */

static void nudge32(void *p, int d)
{
	uint32_t v;

	memcpy(&v, p, 4);
	v += (uint32_t)d;
	memcpy(p, &v, 4);
}

static void nudge16(void *p, int d)
{
	uint16_t v;

	memcpy(&v, p, 2);
	v = (uint16_t)(v + d);
	memcpy(p, &v, 2);
}

/* Move one field by +-1. */
static void nudge(struct src *s)
{
	int d = take(s, 2) ? 1 : -1;
	uint32_t i;

	switch (take(s, 4)) {
	case 0: {	/* a tensor */
		struct enpu_tensor *t;

		i = take(s, B.nt);
		t = &B.t[i];
		switch (take(s, 8)) {
		case 0: case 1: case 2: case 3:
			nudge32(&t->dims[take(s, 4)], d);
			break;
		case 4:
			t->rank = (uint8_t)(t->rank + d);
			break;
		case 5:
			nudge32(&t->zero_point, d);
			break;
		case 6:
			off_nudge[i] += d;
			break;
		default:
			size_nudge[i] += d;
			break;
		}
		break;
	}
	case 1: {	/* an op's word */
		struct enpu_op *op = &B.o[take(s, B.no)];
		uint32_t w = take(s, 10 + 12);

		if (w < 10)
			nudge32((uint32_t *)op + w, d);
		else
			nudge32(&op->params.raw[w - 10], d);
		break;
	}
	case 2: {	/* an op's params as 16-bit fields (conv, pool) */
		struct enpu_op *op = &B.o[take(s, B.no)];

		nudge16((uint16_t *)op->params.raw + take(s, 12), d);
		break;
	}
	default:	/* a quant entry */
		if (!B.nq)
			break;
		i = take(s, B.nq);
		switch (take(s, 3)) {
		case 0:
			nudge32(&B.q[i].multiplier, d);
			break;
		case 1:
			nudge32(&B.q[i].shift, d);
			break;
		default:
			nudge32(&B.q[i].zero_point, d);
			break;
		}
		break;
	}
}

/* --- layouts and runs --------------------------------------------------------- */

static uint64_t extent(const struct enpu_tensor *t)
{
	uint64_t n = 1;
	int d;

	for (d = 0; d < ENPU_ISA_MAX_DIMS; d++) {
		n *= t->dims[d] ? t->dims[d] : 1;
		if (n > CB_MAX_BYTES)
			return CB_MAX_BYTES + 1;
	}
	return n * (t->dtype == ENPU_DTYPE_S32 ? 4 : 1);
}

struct region {
	uint8_t *map;		/* mmap()ed, guard page included */
	size_t map_len;
};

static long page;

/*
 * CMDBUF_STATS=1: per opcode, buffers built / accepted / compared at exit;
 * CMDBUF_DEBUG=1: why each rejected buffer was rejected.
 */
static unsigned long st_built[ENPU_OP_COUNT], st_ok[ENPU_OP_COUNT];
static unsigned long st_cmp[ENPU_OP_COUNT];

static void count(unsigned long *c)
{
	uint32_t k;

	for (k = 0; k < B.no; k++)
		if (B.o[k].opcode < ENPU_OP_COUNT)
			c[B.o[k].opcode]++;
}

static void print_stats(void)
{
	uint32_t k;

	for (k = 1; k < ENPU_OP_COUNT; k++)
		fprintf(stderr, "cmdbuf: %-16s built %8lu accepted %8lu compared %8lu\n",
			enpu_fw_op_name(k), st_built[k], st_ok[k], st_cmp[k]);
}

/*
 * Map @size bytes with a guard page right after (@head 0) or right before
 * (@head 1); the rest of the data pages holds canaries.
 */
static uint8_t *guarded(struct region *r, uint64_t size, int head)
{
	size_t data = ((size_t)size + (size_t)page - 1) / (size_t)page * (size_t)page;

	if (!data)
		data = (size_t)page;
	r->map_len = data + (size_t)page;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->map == MAP_FAILED)
		abort();
	memset(r->map, CB_CANARY, r->map_len);
	if (head) {
		if (mprotect(r->map, (size_t)page, PROT_NONE))
			abort();
		return r->map + page;
	}
	if (mprotect(r->map + data, (size_t)page, PROT_NONE))
		abort();
	return r->map + data - size;
}

/*
 * The harness's own per-byte loops are not coverage-instrumented: they would
 * cost more than the kernels and tell the fuzzer nothing.
 */
#define CB_PLAIN __attribute__((no_sanitize("coverage")))

/* Whether the @n bytes at @p all hold the canary. */
static CB_PLAIN int canaries_intact(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != CB_CANARY)
			return 0;
	return 1;
}

/* Tensor contents: a few extreme patterns, else pseudo-random. */
static CB_PLAIN void fill(const struct enpu_fw_buf *slots, uint32_t i, uint32_t seed)
{
	const struct enpu_tensor *t = &B.t[i];
	uint8_t *p = (uint8_t *)slots[t->slot].data + t->offset;
	uint64_t j, n = ref_count(t);
	uint32_t x = seed * 2654435761u + i * 40503u + 1;

	for (j = 0; j < n; j++) {
		int32_t v;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (t->dtype == ENPU_DTYPE_S32) {
			switch (fill_mode[i]) {
			case 0:
				v = 0;
				break;
			case 1:
				v = -1;
				break;
			case 2:
				v = j & 1 ? INT32_MIN : INT32_MAX;
				break;
			case 3:
				v = (int32_t)x;
				break;
			case 5:		/* softmax: exp entries at their maximum */
				v = 65536;
				break;
			default:
				v = (int32_t)(x % 131073) - 65536;
				break;
			}
			memcpy(p + 4 * j, &v, 4);
			continue;
		}
		switch (fill_mode[i]) {
		case 0:
			p[j] = 0;
			break;
		case 1:
			p[j] = 0xff;
			break;
		case 2:
			p[j] = j & 1 ? 0x80 : 0x7f;
			break;
		case 3:
			p[j] = x & 1 ? 0xff : 0;
			break;
		default:
			p[j] = (uint8_t)x;
			break;
		}
	}
}

/* The yield hook: cancels after cancel_at yields (the abort paths). */
static unsigned int cancel_at;

static int budget_yield(void *ctx)
{
	unsigned int *n = ctx;

	return ++*n > cancel_at ? -ENPU_FW_ECANCELED : 0;
}

/* Work of the program, in multiply-accumulates of the reference. */
static uint64_t work(void)
{
	uint64_t w = 0;
	uint32_t k;

	for (k = 0; k < B.no; k++) {
		const struct enpu_op *op = &B.o[k];
		const struct enpu_tensor *y = &B.t[op->out];
		/* one pass over the data: cheap, so 1/4 of a MAC each */
		uint64_t n = (extent(y) + extent(&B.t[op->in[0]])) / 4;

		if (op->opcode == ENPU_OP_CONV2D)
			n = ref_count(y) * ref_count(&B.t[op->in[1]]) /
			    (B.t[op->in[1]].dims[0] ? B.t[op->in[1]].dims[0] : 1);
		else if (op->opcode == ENPU_OP_FULLY_CONNECTED)
			n = ref_count(y) * B.t[op->in[0]].dims[1];
		else if (op->opcode == ENPU_OP_AVGPOOL ||
			 op->opcode == ENPU_OP_MAXPOOL)
			n = ref_count(y) * op->params.pool.kernel_h *
			    op->params.pool.kernel_w;
		w += n;
	}
	return w;
}

/*
 * Lay the tensors out (@packed: one slot with canary gaps of @gap bytes;
 * else one slot per tensor, aliases sharing their target's), validate, and
 * when accepted run the firmware on each placement (guard page after, and
 * for separate buffers also before) and compare it with the reference.
 */
static void run_layout(int packed, uint32_t gap, uint32_t seed)
{
	struct enpu_fw_buf slots[ENPU_ISA_MAX_SLOTS], ref[ENPU_ISA_MAX_SLOTS];
	struct enpu_fw_buf init[ENPU_ISA_MAX_SLOTS];
	struct region reg[ENPU_ISA_MAX_SLOTS];
	__u64 sizes[ENPU_ISA_MAX_SLOTS];
	struct enpu_fw_status st;
	struct enpu_fw_hooks hooks = { 0 };
	uint32_t i, k, ns = 0, slot_of[TB_MAX_TENSORS];
	uint64_t at = 0, total = 0;
	unsigned int yields;
	int head, err, skip;
	uint8_t *cb;
	size_t cbsize;

	for (i = 0; i < B.nt; i++) {
		struct enpu_tensor *t = &B.t[i];
		uint64_t ext = extent(t);

		if (ext > CB_MAX_BYTES)
			return;
		if (packed) {
			t->slot = 0;
			if (alias_of[i] >= 0) {
				t->offset = B.t[alias_of[i]].offset;
			} else {
				t->offset = at + gap;
				at = t->offset + ext;
			}
			t->offset += (uint64_t)off_nudge[i];
			ns = 1;
			continue;
		}
		if (alias_of[i] >= 0) {
			slot_of[i] = slot_of[alias_of[i]];
		} else {
			slot_of[i] = ns;
			sizes[ns++] = 0;
		}
		t->slot = slot_of[i];
		t->offset = (uint64_t)off_nudge[i];
	}
	if (packed) {
		/* an overlay may reach past the last tensor */
		for (i = 0; i < B.nt; i++)
			if (B.t[i].offset < CB_MAX_BYTES &&
			    B.t[i].offset + extent(&B.t[i]) > at)
				at = B.t[i].offset + extent(&B.t[i]);
		sizes[0] = at + gap + (uint64_t)size_nudge[B.nt - 1];
	} else {
		for (i = 0; i < B.nt; i++) {
			uint64_t end = extent(&B.t[i]) + (uint64_t)size_nudge[i];

			if (end > sizes[slot_of[i]] &&
			    end < CB_MAX_BYTES + 2)
				sizes[slot_of[i]] = end;
		}
	}
	for (i = 0; i < ns; i++) {
		if (sizes[i] > CB_MAX_BYTES)
			return;
		total += sizes[i];
	}
	if (total > CB_MAX_BYTES)
		return;
	B.num_slots = ns;
	count(st_built);
	cb = tb_build(&B, &cbsize);
	err = enpu_fw_validate(cb, cbsize, sizes, ns, &st);
	if (err) {
		if (!st.msg || (err != -ENPU_FW_EINVAL && err != -ENPU_FW_E2BIG &&
				err != -ENPU_FW_EOVERFLOW &&
				err != -ENPU_FW_EOPNOTSUPP))
			abort();
		if (getenv("CMDBUF_DEBUG"))
			fprintf(stderr, "cmdbuf: rejected (op %u tensor %u): %s\n",
				st.op, st.tensor, st.msg);
		free(cb);
		return;
	}
	count(st_ok);
	if (work() > CB_MAX_WORK) {
		free(cb);
		return;
	}

	/* inputs in @init, the reference's run in @ref (malloc()ed: ASan) */
	for (i = 0; i < ns; i++) {
		init[i].size = ref[i].size = sizes[i];
		init[i].data = malloc(sizes[i] ? sizes[i] : 1);
		ref[i].data = malloc(sizes[i] ? sizes[i] : 1);
		if (!init[i].data || !ref[i].data)
			abort();
		memset(init[i].data, CB_CANARY, sizes[i]);
	}
	for (i = 0; i < B.nt; i++)
		if (alias_of[i] < 0)
			fill(init, i, seed);
	for (i = 0; i < ns; i++)
		memcpy(ref[i].data, init[i].data, sizes[i]);
	for (k = 0; k < B.no; k++) {
		const struct enpu_tensor *y = &B.t[B.o[k].out];
		uint64_t j, n = ref_count(y);
		int32_t *res = malloc(n * sizeof(*res));

		if (!res || ref_op(&B, &B.o[k], ref, res))
			abort();
		for (j = 0; j < n; j++)
			if (res[j] != INT32_MIN)
				ref_set(ref, y, j, res[j]);
		free(res);
	}
	/* the firmware on the same bytes, each placement in turn */
	for (head = 0; head < (packed ? 1 : 2); head++) {
		for (i = 0; i < ns; i++) {
			slots[i].size = sizes[i];
			slots[i].data = guarded(&reg[i], sizes[i], head);
			memcpy(slots[i].data, init[i].data, sizes[i]);
		}
		yields = 0;
		hooks.yield = budget_yield;
		hooks.ctx = &yields;
		err = enpu_fw_execute(cb, cbsize, slots, ns, &hooks, &st);
		if (err && err != -ENPU_FW_ECANCELED)
			abort();	/* validate accepted it */
		skip = err != 0;
		if (!skip)
			count(st_cmp);
		for (i = 0; i < ns; i++) {
			if (!skip && memcmp(slots[i].data, ref[i].data, sizes[i]))
				abort();	/* differs from the reference */
			/* the canaries around the buffer in its pages */
			if (head) {
				uint8_t *e = (uint8_t *)slots[i].data + sizes[i];

				/* up to the end of the data pages */
				if (!canaries_intact(e, (size_t)(reg[i].map +
						reg[i].map_len - e)))
					abort();
			} else if (!canaries_intact(reg[i].map,
					(size_t)((uint8_t *)slots[i].data - reg[i].map))) {
				abort();
			}
			munmap(reg[i].map, reg[i].map_len);
		}
	}
	for (i = 0; i < ns; i++) {
		free(init[i].data);
		free(ref[i].data);
	}
	free(cb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct src s = { data, size, 0 };
	uint32_t nops, nn, k, gap, seed;

	if (!page) {
		page = sysconf(_SC_PAGESIZE);
		if (getenv("CMDBUF_STATS"))
			atexit(print_stats);
	}
	tb_init(&B, 1);
	memset(off_nudge, 0, sizeof(off_nudge));
	memset(size_nudge, 0, sizeof(size_nudge));
	nops = 1 + take(&s, CB_MAX_OPS);
	for (k = 0; k < nops; k++)
		gen_op(&s);
	/*
	 * Data flow: a later op's first input may read the bytes an earlier
	 * op wrote (its descriptor overlays that output, shape and type its
	 * own, the extent past it reading whatever lies there).
	 */
	for (k = 1; k < nops; k++)
		if (take(&s, 2))
			alias_of[B.o[k].in[0]] = (int32_t)B.o[take(&s, k)].out;
	nn = take(&s, 4) == 3 ? 1 + take(&s, 6) : 0;
	for (k = 0; k < nn; k++)
		nudge(&s);
	gap = take(&s, 16);
	seed = take(&s, 65536);
	cancel_at = take(&s, 8) == 7 ? take(&s, 3) : CB_MAX_YIELDS;
	run_layout(0, 0, seed);
	run_layout(1, gap, seed);
	return 0;
}
