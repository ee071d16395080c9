// SPDX-License-Identifier: MIT
/*
 * Accumulators driven past the int32 range.  The ISA forms every sum
 * exactly and saturates it to int32 before requantizing (enpu_isa.h,
 * firmware/requant.h); these cases make the exact sums of conv (regular and
 * depthwise, patch and row kernel, the row kernel's int32 -> int64 spill),
 * fully connected, ADD (both rescaled inputs and their sum), MUL and
 * GLOBAL_AVGPOOL leave that range in both directions, and compare the
 * firmware byte for byte with the 128-bit reference of ref.c.
 *
 * Each case also proves its premise: the reference must have clamped at
 * least a given number of sums (ref_stat_saturated), else the case would not
 * test saturation at all.  The requantization maps +-2^31 onto +-64 around
 * an output zero point of 128, so a wrapped or truncated sum, a saturation
 * applied too early (before the bias) or a missing one all change bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "ref.h"
#include "tap.h"

/* acc * 2^30 / 2^55 = acc / 2^25: 2^31 -> 64 */
#define SAT_MULT	(1 << 30)
#define SAT_SHIFT	24

enum fill {
	FILL_HI,	/* centred +255: U8 255 with zero point 0 */
	FILL_LO,	/* centred -255: U8 0 with zero point 255 */
	FILL_RANDOM_HI,	/* U8 in [230, 255] with zero point 0 */
	FILL_PATTERN,	/* U8 255 or 0 in a fixed pattern, zero point 0 */
	FILL_S8_MAX,	/* S8 127: centred +255 with zero point -128 */
	FILL_S8_MIN,	/* S8 -128: centred -255 with zero point 127 */
};

struct sat_data {
	enum fill x, w;		/* operand 0 and 1 contents */
	int32_t bias;		/* every bias element */
	int32_t bias_step;	/* added per element (wraps in uint32) */
};

static uint32_t rng = 0x9e3779b9;

/* The zero point that centres a tensor filled with @f the right way. */
static int32_t fill_zp(enum fill f)
{
	switch (f) {
	case FILL_LO:
		return 255;
	case FILL_S8_MAX:
		return -128;
	case FILL_S8_MIN:
		return 127;
	default:
		return 0;
	}
}

static void fill(const struct enpu_fw_buf *s, const struct enpu_tensor *t,
		 enum fill f)
{
	uint64_t i, n = ref_count(t);
	uint8_t *p = (uint8_t *)s[t->slot].data + t->offset;

	switch (f) {
	case FILL_HI:
		memset(p, 255, n);
		break;
	case FILL_LO:
		memset(p, 0, n);
		break;
	case FILL_RANDOM_HI:
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)ref_range(&rng, 230, 255);
		break;
	case FILL_PATTERN:
		for (i = 0; i < n; i++)
			p[i] = i % 7 == 3 ? 0 : 255;
		break;
	case FILL_S8_MAX:
		memset(p, 0x7f, n);
		break;
	case FILL_S8_MIN:
		memset(p, 0x80, n);
		break;
	}
}

/* tb_check() hook: the op's operands get the extreme contents. */
static void prep(const struct tb *b, struct enpu_fw_buf *s, void *arg)
{
	const struct sat_data *d = arg;
	const struct enpu_op *op = &b->o[0];
	uint64_t i;

	fill(s, &b->t[op->in[0]], d->x);
	if (op->in[1] != ENPU_NO_TENSOR &&
	    b->t[op->in[1]].dtype != ENPU_DTYPE_S32)
		fill(s, &b->t[op->in[1]], d->w);
	if (op->in[2] != ENPU_NO_TENSOR)
		for (i = 0; i < ref_count(&b->t[op->in[2]]); i++)
			ref_set(s, &b->t[op->in[2]], i,
				(int32_t)((uint32_t)d->bias +
					  (uint32_t)i * (uint32_t)d->bias_step));
}

static unsigned int cases_run;

/*
 * Run @b with @d and compare with the reference; the reference must clamp
 * at least @min_sat sums (and none when @min_sat is 0, the in-range cases).
 */
static void run(const struct tb *b, const struct sat_data *d,
		unsigned long min_sat, const char *what)
{
	unsigned long s0 = ref_stat_saturated, sat;

	cases_run++;
	TAP_CHECK(!tb_check(b, ref_rand(&rng), 0, prep, (void *)d),
		  "%s differs from the reference", what);
	sat = ref_stat_saturated - s0;
	if (min_sat)
		TAP_CHECK(sat >= min_sat,
			  "%s: only %lu of %lu sums left int32: the case does not test saturation",
			  what, sat, min_sat);
	else
		TAP_CHECK(sat == 0, "%s: %lu sums saturated in an in-range case",
			  what, sat);
}

static struct tb *new_tb(void)
{
	struct tb *b = calloc(1, sizeof(*b));

	if (!b)
		abort();
	tb_init(b, 1);
	return b;
}

/*
 * One CONV2D, NCHW U8 throughout: x [1, C, H, W], w [O, C/G, K, K], bias
 * [O], out U8 zero point 128, no padding, stride 1.
 */
static struct tb *conv_tb(const struct sat_data *d, uint32_t C, uint32_t H,
			  uint32_t W, uint32_t O, uint32_t G, uint32_t K,
			  int per_channel)
{
	struct tb *b = new_tb();
	uint32_t x, w, bias, y, o;
	struct enpu_op *op;

	x = tb_tensor(b, 0, ENPU_DTYPE_U8, fill_zp(d->x), 4, 1, C, H, W);
	w = tb_tensor(b, 0, ENPU_DTYPE_U8, per_channel ? 0 : fill_zp(d->w), 4,
		      O, C / G, K, K);
	bias = tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, O, 1, 1, 1);
	y = tb_tensor(b, 0, ENPU_DTYPE_U8, 128, 4, 1, O, H - K + 1, W - K + 1);
	op = tb_op(b, ENPU_OP_CONV2D, y);
	op->in[0] = x, op->in[1] = w, op->in[2] = bias;
	op->params.conv = (struct enpu_op_conv){
		.stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
		.groups = G,
		.flags = per_channel ? ENPU_QUANT_PER_CHANNEL_ZP : 0,
	};
	op->quant_index = b->nq;
	op->quant_count = per_channel ? O : 1;
	for (o = 0; o < op->quant_count; o++)
		tb_quant(b, SAT_MULT, SAT_SHIFT,
			 per_channel ? fill_zp(d->w) : 0);
	return b;
}

/* The four data sets every conv shape runs with. */
static void conv_cases(uint32_t C, uint32_t H, uint32_t W, uint32_t O,
		       uint32_t G, uint32_t K, const char *what)
{
	/* every output sum leaves int32, the bias only pushes further */
	const struct sat_data sets[] = {
		{ FILL_HI, FILL_HI, INT32_MAX, -7 },	/* far above */
		{ FILL_HI, FILL_LO, INT32_MIN, 5 },	/* far below */
		{ FILL_LO, FILL_LO, INT32_MAX - 1000, 0 },	/* (-)(-) = + */
		{ FILL_RANDOM_HI, FILL_PATTERN, INT32_MAX - 3, -1 },
	};
	const uint32_t outs = O * (H - K + 1) * (W - K + 1);
	unsigned int i;
	char name[96];

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct tb *b = conv_tb(&sets[i], C, H, W, O, G, K, i & 1);

		snprintf(name, sizeof(name), "%s, data set %u", what, i);
		run(b, &sets[i], outs, name);
		free(b);
	}
}

/* Taps alone past int32, with a bias that brings the sum back inside. */
static void conv_back_inside(uint32_t C, uint32_t K, const char *what)
{
	/* C * K * K * 65025 in (2^31, 2^32); bias -2^31 + 1 lands inside */
	const struct sat_data d = { FILL_HI, FILL_HI, INT32_MIN + 1, 0 };
	struct tb *b = conv_tb(&d, C, K, K, 2, 1, K, 0);

	run(b, &d, 0, what);
	free(b);
}

/*
 * Row kernel (C * K * K > 768) with 9 * 64 * 64 = 36864 taps per output:
 * the int32 partial sums must spill into int64 (every 32768 taps), and
 * 36864 * 255 * 255 = 2.4e9 leaves int32 before any bias.
 */
static void test_conv_rows(void)
{
	conv_cases(9, 64, 64, 2, 1, 64, "conv rows 9x64x64");
	/* wider than one 64-column tile, several output rows */
	conv_cases(9, 66, 130, 1, 1, 64, "conv rows 2 tiles");
	conv_back_inside(9, 64, "conv rows: taps out, bias back in");
}

/* Depthwise with a 64x64 kernel: row kernel, 4096 taps, pushed by the bias. */
static void test_conv_depthwise_rows(void)
{
	conv_cases(3, 64, 65, 6, 3, 64, "depthwise rows 64x64");
}

/* Patch kernel (C * K * K <= 768): 12 * 8 * 8 = 768 taps, bias pushes out. */
static void test_conv_patch(void)
{
	conv_cases(12, 9, 10, 3, 1, 8, "conv patch 12x8x8");
	/* 2 groups, patch 6 * 8 * 8 */
	conv_cases(12, 8, 9, 4, 2, 8, "grouped conv patch 6x8x8");
}

/* Depthwise, 3x3: the patch kernel with CG = 1. */
static void test_conv_depthwise_patch(void)
{
	conv_cases(4, 5, 6, 8, 4, 3, "depthwise patch 3x3");
}

/*
 * FC [2, K] x [K, 3]: K = 40000 products of +-255 * 255 is 2.6e9 (the yield
 * tick every 32768 columns runs too), per-channel weight zero points give
 * every column its own sign.
 */
static void test_fully_connected(void)
{
	const uint32_t M = 2, K = 40000, N = 3;
	const struct sat_data sets[] = {
		{ FILL_HI, FILL_HI, 0, 0 },
		{ FILL_HI, FILL_LO, 0, 0 },
		{ FILL_LO, FILL_HI, INT32_MIN, 1 },
		{ FILL_HI, FILL_HI, INT32_MIN + 1, 0 },	/* back inside */
	};
	unsigned int i, n;
	char name[64];

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct tb *b = new_tb();
		uint32_t x, w, bias, y;
		struct enpu_op *op;
		int pc = i == 1;

		x = tb_tensor(b, 0, ENPU_DTYPE_U8, fill_zp(sets[i].x), 2, M, K, 1, 1);
		w = tb_tensor(b, 0, ENPU_DTYPE_U8, pc ? 0 : fill_zp(sets[i].w),
			      2, K, N, 1, 1);
		bias = tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, N, 1, 1, 1);
		y = tb_tensor(b, 0, ENPU_DTYPE_U8, 128, 2, M, N, 1, 1);
		op = tb_op(b, ENPU_OP_FULLY_CONNECTED, y);
		op->in[0] = x, op->in[1] = w, op->in[2] = bias;
		op->params.fc.flags = pc ? ENPU_QUANT_PER_CHANNEL_ZP : 0;
		op->quant_index = b->nq;
		op->quant_count = pc ? N : 1;
		for (n = 0; n < op->quant_count; n++)
			tb_quant(b, SAT_MULT, SAT_SHIFT,
				 pc ? fill_zp(sets[i].w) : 0);
		snprintf(name, sizeof(name), "fully_connected data set %u", i);
		run(b, &sets[i], i == 3 ? 0 : M * N, name);
		free(b);
	}
}

/*
 * ADD: with in_shift -31 each rescaled input is centred * 2^left_shift *
 * multiplier (up to 2^59) and must saturate; two saturated inputs of the
 * same sign overflow their sum; one saturated input against a moderate
 * one of the other sign lands back inside.
 */
struct add_case {
	enum fill a, b;
	int32_t m0, s0, m1, s1;
	uint32_t ls, bc;
	unsigned long min_sat;	/* per output element */
	const char *what;
};

static void test_add(void)
{
	static const struct add_case cases[] = {
		/* r0 = r1 = INT32_MAX: their sum saturates too */
		{ FILL_HI, FILL_HI, INT32_MAX, -31, INT32_MAX, -31, 20, 0, 3,
		  "both inputs and the sum high" },
		{ FILL_LO, FILL_LO, 1 << 30, -31, 1 << 30, -31, 20, 2, 3,
		  "both inputs and the sum low, broadcast 2" },
		/* r0 saturates high, r1 = -255 * 2^20 * 2: back inside */
		{ FILL_HI, FILL_LO, INT32_MAX, -31, 1 << 30, -2, 20, 1, 1,
		  "input 0 saturated, sum inside, broadcast 1" },
		{ FILL_HI, FILL_LO, 1 << 30, -2, INT32_MAX, -31, 20, 0, 1,
		  "input 1 saturated, sum inside" },
		/* rescaled inputs inside (+-255 * 2^20 * 4.5 = 1.2e9), sum not */
		{ FILL_HI, FILL_HI, (1 << 30) + (1 << 27), -3, (1 << 30) + (1 << 27), -3,
		  20, 2, 1, "inputs inside, sum high, broadcast 2" },
		{ FILL_LO, FILL_LO, (1 << 30) + (1 << 27), -3, (1 << 30) + (1 << 27), -3,
		  20, 1, 1, "inputs inside, sum low, broadcast 1" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct add_case *c = &cases[i];
		const struct sat_data d = { c->a, c->b, 0, 0 };
		struct tb *b = new_tb();
		uint32_t x0, x1, y, n = 2 * 3 * 5 * 7;
		struct enpu_op *op;

		x0 = tb_tensor(b, 0, ENPU_DTYPE_U8, fill_zp(c->a), 4, 2, 3, 5, 7);
		x1 = c->bc == 0 ? tb_tensor(b, 0, ENPU_DTYPE_U8, fill_zp(c->b), 4, 2, 3, 5, 7) :
		     c->bc == 1 ? tb_tensor(b, 0, ENPU_DTYPE_U8, fill_zp(c->b), 1, 3, 1, 1, 1) :
				  tb_tensor(b, 0, ENPU_DTYPE_U8, fill_zp(c->b), 1, 1, 1, 1, 1);
		y = tb_tensor(b, 0, ENPU_DTYPE_U8, 128, 4, 2, 3, 5, 7);
		op = tb_op(b, ENPU_OP_ADD, y);
		op->in[0] = x0, op->in[1] = x1;
		op->params.eltwise = (struct enpu_op_eltwise){
			.in_multiplier = { c->m0, c->m1 },
			.in_shift = { c->s0, c->s1 },
			.left_shift = c->ls, .broadcast = c->bc,
		};
		op->quant_index = b->nq;
		op->quant_count = 1;
		tb_quant(b, SAT_MULT, SAT_SHIFT, 0);
		run(b, &d, c->min_sat * n, c->what);
		free(b);
	}
}

/*
 * MUL: the centred product never leaves int32 (|255 * 255| < 2^16), but a
 * multiplier of 2^31 - 1 with shift -31 makes the requantized value ~2^47:
 * the output clamp must act on the exact 64-bit value, not a truncation.
 */
static void test_mul(void)
{
	const struct sat_data sets[] = {
		{ FILL_HI, FILL_HI, 0, 0 }, { FILL_HI, FILL_LO, 0, 0 },
		{ FILL_RANDOM_HI, FILL_PATTERN, 0, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct tb *b = new_tb();
		uint32_t x0, x1, y;
		struct enpu_op *op;
		const struct sat_data d = sets[i];

		x0 = tb_tensor(b, 0, ENPU_DTYPE_U8, fill_zp(d.x), 4, 1, 4, 3, 11);
		x1 = tb_tensor(b, 0, ENPU_DTYPE_U8, fill_zp(d.w), 4, 1, 4, 3, 11);
		y = tb_tensor(b, 0, ENPU_DTYPE_U8, 128, 4, 1, 4, 3, 11);
		op = tb_op(b, ENPU_OP_MUL, y);
		op->in[0] = x0, op->in[1] = x1;
		op->params.eltwise.broadcast = 0;
		op->quant_index = b->nq;
		op->quant_count = 1;
		/* 2^47 wraps to a small value in a truncated int32 */
		tb_quant(b, INT32_MAX, -31, 0);
		run(b, &d, 0, "mul with a 2^31 - 1 multiplier, shift -31");
		free(b);
	}
}

/*
 * GLOBAL_AVGPOOL over 3000 * 3000 = 9e6 elements per plane: the centred
 * plane sums +-255 * 9e6 = +-2.3e9 leave int32 and saturate.
 */
static void test_global_avgpool(void)
{
	const struct sat_data sets[] = {
		{ FILL_HI, FILL_HI, 0, 0 }, { FILL_LO, FILL_LO, 0, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct tb *b = new_tb();
		uint32_t x, y;
		struct enpu_op *op;

		x = tb_tensor(b, 0, ENPU_DTYPE_U8, fill_zp(sets[i].x), 4, 1, 2,
			      3000, 3000);
		y = tb_tensor(b, 0, ENPU_DTYPE_U8, 128, 4, 1, 2, 1, 1);
		op = tb_op(b, ENPU_OP_GLOBAL_AVGPOOL, y);
		op->in[0] = x;
		op->quant_index = b->nq;
		op->quant_count = 1;
		tb_quant(b, SAT_MULT, SAT_SHIFT, 0);
		run(b, &sets[i], 2, i ? "global_avgpool low" : "global_avgpool high");
		free(b);
	}
}

/* S8 operands: the same sums reached through the signed domain. */
static void test_conv_s8(void)
{
	const struct sat_data sets[] = {
		{ FILL_S8_MAX, FILL_S8_MIN, 0, 0 },	/* rows, low */
		{ FILL_S8_MIN, FILL_S8_MIN, 0, 0 },	/* rows, high */
		{ FILL_S8_MAX, FILL_S8_MAX, INT32_MAX, 0 },	/* patch */
	};
	unsigned int i;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		const struct sat_data *d = &sets[i];
		const uint32_t C = i < 2 ? 9 : 12, K = i < 2 ? 64 : 8;
		struct tb *b = new_tb();
		uint32_t x, w, bias, y;
		struct enpu_op *op;

		x = tb_tensor(b, 0, ENPU_DTYPE_S8, fill_zp(d->x), 4, 1, C, K, K);
		w = tb_tensor(b, 0, ENPU_DTYPE_S8, fill_zp(d->w), 4, 1, C, K, K);
		bias = tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, 1, 1, 1, 1);
		y = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 4, 1, 1, 1, 1);
		op = tb_op(b, ENPU_OP_CONV2D, y);
		op->in[0] = x, op->in[1] = w, op->in[2] = bias;
		op->params.conv = (struct enpu_op_conv){
			.stride_h = 1, .stride_w = 1, .dilation_h = 1,
			.dilation_w = 1, .groups = 1,
		};
		op->quant_index = b->nq;
		op->quant_count = 1;
		tb_quant(b, SAT_MULT, SAT_SHIFT, 0);
		run(b, d, 1, i < 2 ? "conv rows, S8 operands" :
				     "conv patch, S8 operands");
		free(b);
	}
}

/*
 * Every case once per kernel variant this machine runs (scalar first):
 * the variants saturate exactly where the scalar kernels do.
 * ENPU_TEST_KERNELS=NAME pins one.
 */
int main(void)
{
	const struct enpu_fw_kernels *vs[16];
	unsigned int v, nv = tb_variants(vs, 16);
	char name[96];

	if (!nv) {
		tap_fail(__FILE__, __LINE__, "no kernel variant to run");
		return 1;
	}
	for (v = 0; v < nv; v++) {
		const char *vn = enpu_fw_kernels_name(vs[v]);

		tb_kernels = vs[v];
		rng = 0x9e3779b9;	/* the same cases for every variant */
		printf("# kernel variant %s\n", vn);
#define RUN(what, fn) \
	do { \
		snprintf(name, sizeof(name), "%s [%s]", what, vn); \
		tap_run(name, fn); \
	} while (0)
		RUN("conv row kernel past int32 (spill path)", test_conv_rows);
		RUN("depthwise conv row kernel past int32", test_conv_depthwise_rows);
		RUN("conv patch kernel past int32", test_conv_patch);
		RUN("depthwise conv patch kernel past int32", test_conv_depthwise_patch);
		RUN("conv S8 operands", test_conv_s8);
		RUN("fully_connected past int32", test_fully_connected);
		RUN("add inputs and sum past int32", test_add);
		RUN("mul requantized past int32", test_mul);
		RUN("global_avgpool sum past int32", test_global_avgpool);
#undef RUN
	}
	printf("# %u cases compared over %u kernel variants\n", cases_run, nv);
	return tap_done("test-saturate");
}
