// SPDX-License-Identifier: MIT
/*
 * The vector paths of the ADD, MUL and pooling kernel variants against the
 * reference (ref.c), per variant like test-ops: rows of thousands of
 * elements whose lengths are no multiple of 16/32/64, outputs of tens of
 * thousands (several chunks, shared by the parallel hook), every broadcast form
 * (per-channel rows long enough for the vectors and too short for them),
 * both rounding modes, extreme multipliers and shifts (n = 0 and 63,
 * inputs rescaled past the int32 range), narrow clamps, S8/U8 mixes, pools
 * over 48x48 and 96x96 planes with padding, rows wider than one block of
 * the row buffer, strides the vectors skip, and global pools over 1..10000
 * elements.
 */
#include <stdlib.h>
#include <string.h>

#include "ref.h"
#include "tap.h"

static uint32_t rng;
static unsigned int cases_run;

static uint8_t rdtype(void)
{
	return ref_rand(&rng) & 1 ? ENPU_DTYPE_S8 : ENPU_DTYPE_U8;
}

static int32_t rzp(uint8_t dtype)
{
	return dtype == ENPU_DTYPE_S8 ? ref_range(&rng, -128, 127) :
					ref_range(&rng, 0, 255);
}

/* Multipliers: zero, the ends of [2^30, 2^31), ties-prone and random. */
static int32_t rmult(void)
{
	switch (ref_rand(&rng) % 8) {
	case 0:
		return 0;
	case 1:
		return 1 << 30;
	case 2:
		return 0x7fffffff;
	case 3:
		return (int32_t)((1u << 30) + ((ref_rand(&rng) & 7) << 27));
	default:
		return (int32_t)((1u << 30) + (ref_rand(&rng) & ((1u << 30) - 1)));
	}
}

/* Mostly around @mid, sometimes the ends of [-31, 32]. */
static int32_t rshift(int32_t mid)
{
	int32_t s;

	switch (ref_rand(&rng) % 8) {
	case 0:
		return -31;
	case 1:
		return 32;
	default:
		s = mid + ref_range(&rng, -2, 2);
		return s < -31 ? -31 : s > 32 ? 32 : s;
	}
}

static void rclamp(const struct tb *b, struct enpu_op *op)
{
	int32_t lo = b->t[op->out].dtype == ENPU_DTYPE_S8 ? -128 : 0;

	op->flags = ref_rand(&rng) & 1 ? ENPU_OP_FLAG_ROUND_HALF_UP : 0;
	if (op->opcode == ENPU_OP_MAXPOOL)
		op->flags = 0;
	if (ref_rand(&rng) % 3 == 0) {
		op->act_min = ref_range(&rng, lo, lo + 200);
		op->act_max = ref_range(&rng, op->act_min, lo + 255);
	}
}

static unsigned long op_total, op_interior;

static void check(const struct tb *b, const char *what, unsigned int i)
{
	uint32_t seed = ref_rand(&rng);
	unsigned long t0 = ref_stat_total, i0 = ref_stat_interior;

	cases_run++;
	if (tb_check(b, seed, 0, NULL, NULL))
		tap_fail(__FILE__, __LINE__,
			 "%s case %u (seed %#x) differs from the reference",
			 what, i, seed);
	op_total += ref_stat_total - t0;
	op_interior += ref_stat_interior - i0;
}

/* The extremes saturate; most outputs must still land inside the clamp. */
static void check_interior(const char *what)
{
	printf("# %s: %lu outputs, %lu not clamped\n", what, op_total,
	       op_interior);
	TAP_CHECK(op_interior * 3 >= op_total,
		  "%s: too few unclamped outputs (%lu of %lu)", what,
		  op_interior, op_total);
	op_total = op_interior = 0;
}

/* Row lengths: >= 1000, none a multiple of 16. */
/* Outputs of several kernel chunks (2..6 of 8192 elements), odd counts. */
static int big_rows;

static uint32_t rlen(void)
{
	uint32_t n = big_rows ? ref_range(&rng, 16385, 45000) :
		     ref_range(&rng, 1000, 3000);

	return n % 16 ? n : n + ref_range(&rng, 1, 15);
}

static void eltwise_case(unsigned int i, uint32_t opcode)
{
	struct tb *b = malloc(sizeof(*b));
	uint32_t bc = i % 3, d[4] = { 1, 1, 1, 1 }, a, c, y;
	unsigned int rank = 2;
	struct enpu_op *op;

	if (bc == 1) {
		/* channels of rows long enough for the vectors, or not */
		rank = 4;
		d[0] = ref_range(&rng, 1, 2);
		d[1] = ref_range(&rng, 1, 9);
		d[2] = big_rows ? ref_range(&rng, 60, 99) : ref_range(&rng, 1, 11);
		d[3] = i % 4 == 1 ? ref_range(&rng, 1, 3) : ref_range(&rng, 5, 67);
	} else if (i % 2) {
		rank = 3;
		d[0] = ref_range(&rng, 1, 3);
		d[1] = ref_range(&rng, 1, 5);
		d[2] = rlen() / (d[0] * d[1]) + 1;
	} else {
		d[1] = rlen();
	}
	tb_init(b, 1);
	a = tb_tensor(b, 0, rdtype(), 0, rank, d[0], d[1], d[2], d[3]);
	if (bc == 0)
		c = tb_tensor(b, 0, rdtype(), 0, rank, d[0], d[1], d[2], d[3]);
	else if (bc == 1)
		c = tb_tensor(b, 0, rdtype(), 0, 1, d[1], 1, 1, 1);
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
		uint32_t ls = ref_rand(&rng) % 4 ? 20 : ref_range(&rng, 0, 20);

		op->params.eltwise.left_shift = ls;
		op->params.eltwise.in_multiplier[0] = rmult();
		op->params.eltwise.in_multiplier[1] = rmult();
		op->params.eltwise.in_shift[0] = rshift((int32_t)ls - 1);
		op->params.eltwise.in_shift[1] = rshift((int32_t)ls - 1);
		tb_quant(b, rmult(), rshift(1), 0);
	} else {
		tb_quant(b, rmult(), rshift(9), 0);
	}
	rclamp(b, op);
	check(b, opcode == ENPU_OP_ADD ? "add" : "mul", i);
	free(b);
}

static void test_add(void)
{
	unsigned int i;
	uint32_t saved;

	for (i = 0; i < 48; i++)
		eltwise_case(i, ENPU_OP_ADD);
	check_interior("add");
	saved = rng;		/* the cases after these draw as before */
	rng ^= 0x9e3779b9u;
	big_rows = 1;		/* outputs split over several chunks */
	for (i = 0; i < 12; i++)
		eltwise_case(i, ENPU_OP_ADD);
	big_rows = 0;
	rng = saved;
	check_interior("add, several chunks");
}

static void test_mul(void)
{
	unsigned int i;
	uint32_t saved;

	for (i = 0; i < 48; i++)
		eltwise_case(i, ENPU_OP_MUL);
	check_interior("mul");
	saved = rng;		/* the cases after these draw as before */
	rng ^= 0x9e3779b9u;
	big_rows = 1;		/* outputs split over several chunks */
	for (i = 0; i < 12; i++)
		eltwise_case(i, ENPU_OP_MUL);
	big_rows = 0;
	rng = saved;
	check_interior("mul, several chunks");
}

/* A window pool; @plane 0 picks a random shape of the kinds above. */
static void pool_case(unsigned int i, uint32_t opcode, uint32_t H, uint32_t W,
		      uint32_t k, uint32_t s)
{
	struct tb *b = malloc(sizeof(*b));
	uint32_t C = ref_range(&rng, 1, 3), kh = k, kw = k, sh = s, sw = s;
	uint32_t pt, pb, pl, pr, x, y, OH, OW;
	struct enpu_op *op;

	if (i % 5 == 4) {	/* rectangular windows and strides */
		kh = ref_range(&rng, 1, 7);
		kw = ref_range(&rng, 1, 7);
		sh = ref_range(&rng, 1, 3);
		sw = ref_range(&rng, 1, 5);
	}
	if (kh > H)
		kh = H;
	pt = ref_rand(&rng) % kh;
	pb = ref_rand(&rng) % kh;
	pl = ref_rand(&rng) % kw;
	pr = ref_rand(&rng) % kw;
	OH = (H + pt + pb - kh) / sh + 1;
	OW = (W + pl + pr - kw) / sw + 1;
	tb_init(b, 1);
	x = tb_tensor(b, 0, rdtype(), 0, 4, 1, C, H, W);
	b->t[x].zero_point = rzp(b->t[x].dtype);
	if (opcode == ENPU_OP_MAXPOOL) {
		y = tb_tensor(b, 0, b->t[x].dtype, b->t[x].zero_point, 4,
			      1, C, OH, OW);
	} else {
		y = tb_tensor(b, 0, rdtype(), 0, 4, 1, C, OH, OW);
		b->t[y].zero_point = rzp(b->t[y].dtype);
	}
	op = tb_op(b, opcode, y);
	op->in[0] = x;
	op->params.pool = (struct enpu_op_pool){
		.kernel_h = kh, .kernel_w = kw, .stride_h = sh,
		.stride_w = sw, .pad_top = pt, .pad_left = pl,
		.pad_bottom = pb, .pad_right = pr,
		.count_include_pad = opcode == ENPU_OP_AVGPOOL && (i & 1),
	};
	if (opcode == ENPU_OP_AVGPOOL) {
		op->quant_count = 1;
		tb_quant(b, rmult(), rshift(-1), 0);
	}
	rclamp(b, op);
	check(b, enpu_fw_op_name(opcode), i);
	free(b);
}

static void pools(uint32_t opcode)
{
	static const uint32_t planes[][2] = {
		{ 48, 48 }, { 96, 96 }, { 3, 601 }, { 17, 47 }, { 2, 1100 },
	};
	unsigned int i;

	for (i = 0; i < 30; i++) {
		const uint32_t *hw = planes[i % 5];

		pool_case(i, opcode, hw[0], hw[1], ref_range(&rng, 2, 3),
			  ref_range(&rng, 1, 2));
	}
	/* a window past the 16-bit sums, a stride past the vectors */
	pool_case(0, opcode, 40, 40, 17, 1);
	pool_case(1, opcode, 20, 90, 5, 7);
}

static void test_avgpool(void)
{
	pools(ENPU_OP_AVGPOOL);
	check_interior("avgpool");
}

static void test_maxpool(void)
{
	pools(ENPU_OP_MAXPOOL);
	check_interior("maxpool");
}

static void test_global_avgpool(void)
{
	static const uint32_t hw[][2] = {
		{ 1, 1 }, { 1, 7 }, { 3, 3 }, { 1, 15 }, { 4, 4 }, { 1, 17 },
		{ 1, 31 }, { 1, 33 }, { 6, 6 }, { 7, 9 }, { 8, 8 }, { 5, 13 },
		{ 1, 65 }, { 10, 10 }, { 1, 127 }, { 31, 33 }, { 64, 64 },
		{ 100, 100 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(hw) / sizeof(hw[0]); i++) {
		struct tb *b = malloc(sizeof(*b));
		uint32_t N = ref_range(&rng, 1, 2), C = ref_range(&rng, 1, 40);
		uint32_t x, y, bits = 0, n = hw[i][0] * hw[i][1];
		struct enpu_op *op;

		if (n > 1000)
			C = ref_range(&rng, 1, 3);
		while ((1u << bits) < n)
			bits++;
		tb_init(b, 1);
		x = tb_tensor(b, 0, rdtype(), 0, 4, N, C, hw[i][0], hw[i][1]);
		b->t[x].zero_point = rzp(b->t[x].dtype);
		y = tb_tensor(b, 0, rdtype(), 0, 4, N, C, 1, 1);
		b->t[y].zero_point = rzp(b->t[y].dtype);
		op = tb_op(b, ENPU_OP_GLOBAL_AVGPOOL, y);
		op->in[0] = x;
		op->quant_count = 1;
		tb_quant(b, rmult(), i % 4 ? (int32_t)bits - 1 : rshift(0), 0);
		rclamp(b, op);
		check(b, "global_avgpool", i);
		free(b);
	}
	check_interior("global_avgpool");
}

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
		rng = 0x6d2b79f5;	/* the same cases for every variant */
		printf("# kernel variant %s\n", vn);
#define RUN(what, fn) \
	do { \
		snprintf(name, sizeof(name), "%s vs reference [%s]", what, vn); \
		tap_run(name, fn); \
	} while (0)
		RUN("add, long rows", test_add);
		RUN("mul, long rows", test_mul);
		RUN("avgpool, large planes", test_avgpool);
		RUN("maxpool, large planes", test_maxpool);
		RUN("global_avgpool, 1..10000", test_global_avgpool);
#undef RUN
	}
	printf("# %u cases compared over %u kernel variants\n", cases_run, nv);
	if (!nv || cases_run / nv < 48 * 2 + 32 * 2 + 18) {
		tap_fail(__FILE__, __LINE__, "only %u cases ran", cases_run);
		return 1;
	}
	return tap_done("test-eltpool");
}
