// SPDX-License-Identifier: MIT
/*
 * Requantization: hand-computed cases (exact ties both ways, negative ties,
 * extreme multipliers and shifts) for the firmware's helper, for the test
 * reference, and end to end through every requantizing operation.
 */
#include <stdlib.h>
#include <string.h>

#include "../../firmware/requant.h"
#include "ref.h"
#include "tap.h"

struct rq_case {
	int64_t acc;
	int32_t mult, shift;
	int64_t even, up;	/* expected, worked out by hand */
};

#define P30 (1 << 30)
#define MMAX 0x7fffffff

static const struct rq_case cases[] = {
	/* multiplier 2^30, shift 0: acc / 2 */
	{ 5, P30, 0, 2, 3 },		/* 2.5 */
	{ -5, P30, 0, -2, -2 },		/* -2.5: up is towards +inf */
	{ 7, P30, 0, 4, 4 },		/* 3.5 */
	{ -7, P30, 0, -4, -3 },		/* -3.5 */
	{ 3, P30, 0, 2, 2 },		/* 1.5 */
	{ -3, P30, 0, -2, -1 },		/* -1.5 */
	{ 1, P30, 0, 0, 1 },		/* 0.5 */
	{ -1, P30, 0, 0, 0 },		/* -0.5 */
	{ 4, P30, 0, 2, 2 },		/* exact */
	{ -4, P30, 0, -2, -2 },
	/* not ties: 1.25 -> 1, 1.75 -> 2, -1.25 -> -1, -1.75 -> -2 */
	{ 5, P30, 1, 1, 1 },
	{ 7, P30, 1, 2, 2 },
	{ -5, P30, 1, -1, -1 },
	{ -7, P30, 1, -2, -2 },
	/* 3 * 2^29 / 2^31 = 0.75 per unit: 2 -> 1.5, 6 -> 4.5, -6 -> -4.5 */
	{ 2, 3 << 29, 0, 2, 2 },
	{ 6, 3 << 29, 0, 4, 5 },
	{ -6, 3 << 29, 0, -4, -4 },
	{ 10, 3 << 29, 0, 8, 8 },	/* 7.5 */
	/* 1000 * 1518500250 / 2^33 = 176.776... */
	{ 1000, 1518500250, 2, 177, 177 },
	{ -1000, 1518500250, 2, -177, -177 },
	/* shift -31: no division at all */
	{ 3, P30, -31, 3LL << 30, 3LL << 30 },
	{ MMAX, MMAX, -31, 4611686014132420609LL, 4611686014132420609LL },
	{ INT32_MIN, MMAX, -31, -4611686016279904256LL, -4611686016279904256LL },
	/* shift 32 (divide by 2^63): (2^31-1)^2 / 2^63 = 0.49999... */
	{ MMAX, MMAX, 32, 0, 0 },
	{ INT32_MIN, MMAX, 32, 0, 0 },	/* -0.4999... */
	/* -2^31 * 2^30 / 2^62 = -0.5 exactly */
	{ INT32_MIN, P30, 31, 0, 0 },
	/* -2^31 * 3 * 2^29 / 2^62 = -0.75 */
	{ INT32_MIN, 3 << 29, 31, -1, -1 },
	/* (2^31 - 1) * 2^30 = 2^61 - 2^30: / 2^62 is just below the tie 0.5,
	 * / 2^61 just below 1, / 2^60 just below 2 */
	{ MMAX, P30, 31, 0, 0 },
	{ MMAX, P30, 30, 1, 1 },
	{ MMAX, P30, 29, 2, 2 },
	{ -MMAX, P30, 31, 0, 0 },
	{ -MMAX, P30, 30, -1, -1 },
	/* 2^30 * 2^30 / 2^59 = 2 */
	{ P30, P30, 28, 2, 2 },
	/* multiplier 0 */
	{ 12345, 0, 0, 0, 0 },
	{ INT32_MIN, 0, 32, 0, 0 },
};

static void test_helper_hand(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rq_case *c = &cases[i];
		int64_t e = fw_requant((int32_t)c->acc, c->mult, c->shift, 0);
		int64_t u = fw_requant((int32_t)c->acc, c->mult, c->shift, 1);

		TAP_CHECK(e == c->even, "case %u: half-even %lld, want %lld", i,
			  (long long)e, (long long)c->even);
		TAP_CHECK(u == c->up, "case %u: half-up %lld, want %lld", i,
			  (long long)u, (long long)c->up);
	}
}

static void test_reference_hand(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rq_case *c = &cases[i];
		int64_t e = ref_requant(c->acc, c->mult, c->shift, 0);
		int64_t u = ref_requant(c->acc, c->mult, c->shift, 1);

		TAP_CHECK(e == c->even, "case %u: ref half-even %lld, want %lld",
			  i, (long long)e, (long long)c->even);
		TAP_CHECK(u == c->up, "case %u: ref half-up %lld, want %lld", i,
			  (long long)u, (long long)c->up);
	}
}

static void test_output_step(void)
{
	struct fw_rq_out q = { .mult = P30, .shift = 0, .zp = 10, .lo = -128,
			       .hi = 11, .half_up = 0 };

	TAP_CHECK(fw_requant_out(5, &q) == 11, "2 + 10 -> 11 (clamp)");
	TAP_CHECK(fw_requant_out(-5, &q) == 8, "-2 + 10 -> 8");
	q.half_up = 1;
	TAP_CHECK(fw_requant_out(-5, &q) == 8, "-2.5 up -> -2 + 10");
	TAP_CHECK(fw_requant_out(INT32_MIN, &q) == -128, "clamp low");
	q.shift = -31;
	q.hi = 127;
	TAP_CHECK(fw_requant_out(INT32_MAX, &q) == 127, "huge -> clamp high");
	TAP_CHECK(fw_sat32(1LL << 40) == INT32_MAX, "sat32 high");
	TAP_CHECK(fw_sat32(-(1LL << 40)) == INT32_MIN, "sat32 low");
	TAP_CHECK(fw_sat32(-5) == -5, "sat32 inside");
}

/* The helper against the independent reference on random and edge values. */
static void test_helper_vs_reference(void)
{
	static const int32_t accs[] = { 0, 1, -1, 2, -2, INT32_MAX, INT32_MIN,
					INT32_MIN + 1, 1 << 16, -(1 << 16) };
	uint32_t rng = 0x9e3779b9;
	unsigned int i, bad = 0;

	for (i = 0; i < 400000; i++) {
		int32_t acc = i < 10 * 64 ? accs[i % 10] : (int32_t)ref_rand(&rng);
		int32_t shift = i < 10 * 64 ? (int32_t)(i / 10) - 31 :
				ref_range(&rng, -31, 32);
		int32_t mult = ref_rand(&rng) % 8 == 0 ? P30 :
			       (int32_t)(P30 + (ref_rand(&rng) & (P30 - 1)));
		int hu = ref_rand(&rng) & 1;

		if (i % 3 == 0)	/* small accumulators: ties are frequent */
			acc = (int32_t)(ref_rand(&rng) % 512) - 256;
		if (fw_requant(acc, mult, shift, hu) !=
		    ref_requant(acc, mult, shift, hu) && bad++ < 5)
			tap_fail(__FILE__, __LINE__, "acc %d mult %d shift %d half_up %d: %lld vs %lld",
				  acc, mult, shift, hu,
				  (long long)fw_requant(acc, mult, shift, hu),
				  (long long)ref_requant(acc, mult, shift, hu));
	}
	TAP_CHECK(bad == 0, "%u mismatches", bad);
}

/*
 * fw_rq_ties() against the definition: for accumulators with exactly k
 * trailing zeros (an odd value shifted left by k), whether acc * mult has
 * the remainder 2^(n-1) modulo 2^n must be what the helper says for the
 * range [k, k], for multipliers with 0..31 trailing zeros.
 */
static void test_ties_possible(void)
{
	uint32_t rng = 0x51ed270b;
	unsigned int i, bad = 0, ties = 0;

	for (i = 0; i < 200000; i++) {
		uint32_t tz = ref_rand(&rng) % 32, k = ref_rand(&rng) % 32;
		uint32_t m = (ref_rand(&rng) | 1u) << tz & 0x7fffffffu;
		unsigned int n = ref_range(&rng, 0, 63);
		int32_t acc;
		int64_t p;
		int tie;

		if (i % 4 == 0 && n && m)	/* the one k that can tie */
			k = (uint32_t)(n - 1) - (uint32_t)__builtin_ctz(m);
		if (k > 31)
			continue;
		acc = (int32_t)((ref_rand(&rng) | 1u) << k);
		p = (int64_t)acc * (int32_t)m;
		tie = n && m &&
		      ((uint64_t)p & ((1ull << n) - 1)) == 1ull << (n - 1);
		ties += tie;
		if (fw_rq_ties((int32_t)m, n, k, k) != tie && bad++ < 5)
			tap_fail(__FILE__, __LINE__,
				 "mult %#x n %u acc %d: tie %d, fw_rq_ties %d",
				 m, n, acc, tie, fw_rq_ties((int32_t)m, n, k, k));
	}
	TAP_CHECK(bad == 0, "%u mismatches", bad);
	TAP_CHECK(ties > 1000, "only %u ties met", ties);
	/* ranges: any int32, and a byte shifted left by 20 */
	TAP_CHECK(!fw_rq_ties(P30 + 12345, 40, 0, 31), "odd multiplier, n 40");
	TAP_CHECK(fw_rq_ties(P30, 40, 0, 31), "2^30, n 40: acc 2^9 ties");
	TAP_CHECK(!fw_rq_ties(P30, 40, 20, 27), "2^30, n 40, acc x << 20");
	TAP_CHECK(fw_rq_ties(P30 + 1, 32, 0, 31), "odd multiplier, n 32");
	TAP_CHECK(!fw_rq_ties(0, 40, 0, 31) && !fw_rq_ties(P30, 0, 0, 31),
		  "mult 0 or n 0");
}

/*
 * End to end: the tie inputs 1, 3, 5, 7 and their negatives through each
 * requantizing op with an effective scale of 1/2 must give the hand-computed
 * values for both rounding modes.
 */
static const int8_t tie_in[8] = { 1, 3, 5, 7, -1, -3, -5, -7 };
static const int8_t tie_even[8] = { 0, 2, 2, 4, 0, -2, -2, -4 };
static const int8_t tie_up[8] = { 1, 2, 3, 4, 0, -1, -2, -3 };

static void check_ties(const char *what, uint32_t opcode, int half_up)
{
	struct enpu_fw_buf slots[TB_MAX_SLOTS];
	struct tb *b = calloc(1, sizeof(*b));
	const int8_t *want = half_up ? tie_up : tie_even;
	struct enpu_op *op;
	uint32_t x, w = 0, y, one = 0, i;

	tb_init(b, 1);
	switch (opcode) {
	case ENPU_OP_CONV2D:	/* 1x1 conv, weight 1, input [1,1,1,8] */
	case ENPU_OP_FULLY_CONNECTED:	/* [8,1] x [1,1] */
		x = opcode == ENPU_OP_CONV2D ?
		    tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 4, 1, 1, 1, 8) :
		    tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, 8, 1, 1, 1);
		w = opcode == ENPU_OP_CONV2D ?
		    tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 4, 1, 1, 1, 1) :
		    tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, 1, 1, 1, 1);
		y = opcode == ENPU_OP_CONV2D ?
		    tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 4, 1, 1, 1, 8) :
		    tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, 8, 1, 1, 1);
		op = tb_op(b, opcode, y);
		op->in[0] = x;
		op->in[1] = w;
		if (opcode == ENPU_OP_CONV2D)
			op->params.conv = (struct enpu_op_conv){
				.stride_h = 1, .stride_w = 1, .dilation_h = 1,
				.dilation_w = 1, .groups = 1 };
		tb_quant(b, P30, 0, 0);
		break;
	case ENPU_OP_MUL:	/* x * 1 with zero points 0 */
	case ENPU_OP_ADD:	/* x * 1 + 0 */
		x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 1, 8, 1, 1, 1);
		one = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 1, 1, 1, 1, 1);
		y = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 1, 8, 1, 1, 1);
		op = tb_op(b, opcode, y);
		op->in[0] = x;
		op->in[1] = one;
		op->params.eltwise.broadcast = 2;
		if (opcode == ENPU_OP_ADD) {
			/* inputs scaled by exactly 1 (2^30 / 2^30), then / 2 */
			op->params.eltwise.in_multiplier[0] = P30;
			op->params.eltwise.in_shift[0] = -1;
			op->params.eltwise.in_multiplier[1] = 0;
		}
		tb_quant(b, P30, 0, 0);
		break;
	default:	/* COPY with requantization */
		x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 1, 8, 1, 1, 1);
		y = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 1, 8, 1, 1, 1);
		op = tb_op(b, opcode, y);
		op->in[0] = x;
		tb_quant(b, P30, 0, 0);
		break;
	}
	op->quant_count = 1;
	op->flags = half_up ? ENPU_OP_FLAG_ROUND_HALF_UP : 0;
	/* weights / the second operand are 1 */
	{
		struct enpu_fw_status st;
		size_t size;
		uint8_t *cb = tb_build(b, &size);
		int err;

		tb_alloc_slots(b, slots, 0);
		for (i = 0; i < 8; i++)
			ref_set(slots, &b->t[x], i, tie_in[i]);
		if (w)
			ref_set(slots, &b->t[w], 0, 1);
		if (one)
			ref_set(slots, &b->t[one], 0, 1);
		err = enpu_fw_execute(cb, size, slots, 1, NULL, &st);
		TAP_CHECK(err == 0, "%s: execute %d (%s)", what, err, st.msg);
		for (i = 0; !err && i < 8; i++)
			TAP_CHECK(ref_get(slots, &b->t[y], i) == want[i],
				  "%s %s: %d/2 -> %d, want %d", what,
				  half_up ? "half-up" : "half-even", tie_in[i],
				  ref_get(slots, &b->t[y], i), want[i]);
		free(cb);
	}
	tb_free_slots(b, slots);
	free(b);
}

static void test_op_ties(void)
{
	static const struct { const char *name; uint32_t opcode; } ops[] = {
		{ "conv2d", ENPU_OP_CONV2D },
		{ "fully_connected", ENPU_OP_FULLY_CONNECTED },
		{ "add", ENPU_OP_ADD },
		{ "mul", ENPU_OP_MUL },
		{ "copy", ENPU_OP_COPY },
	};
	unsigned int i;

	for (i = 0; i < 5; i++) {
		check_ties(ops[i].name, ops[i].opcode, 0);
		check_ties(ops[i].name, ops[i].opcode, 1);
	}
}

/*
 * AVGPOOL divides the window sum rounding half away from zero before it
 * requantizes (here with scale 1): [2, 3] -> 2.5 -> 3, [-2, -3] -> -3,
 * [1, 2] -> 2, [-1, -2] -> -2, [0, 1] -> 1, [0, -1] -> -1.
 */
static void test_avgpool_rounding(void)
{
	static const int8_t in[12] = { 2, 3, -2, -3, 1, 2, -1, -2, 0, 1, 0, -1 };
	static const int8_t want[6] = { 3, -3, 2, -2, 1, -1 };
	struct enpu_fw_buf slots[TB_MAX_SLOTS];
	struct tb *b = calloc(1, sizeof(*b));
	struct enpu_fw_status st;
	struct enpu_op *op;
	uint32_t x, y, i;
	size_t size;
	uint8_t *cb;
	int err;

	tb_init(b, 1);
	x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 4, 1, 6, 1, 2);
	y = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 4, 1, 6, 1, 1);
	op = tb_op(b, ENPU_OP_AVGPOOL, y);
	op->in[0] = x;
	op->params.pool = (struct enpu_op_pool){ .kernel_h = 1, .kernel_w = 2,
						  .stride_h = 1, .stride_w = 1 };
	op->quant_count = 1;
	tb_quant(b, P30, -1, 0);	/* 2^30 / 2^30 = 1 */
	cb = tb_build(b, &size);
	tb_alloc_slots(b, slots, 0);
	for (i = 0; i < 12; i++)
		ref_set(slots, &b->t[x], i, in[i]);
	err = enpu_fw_execute(cb, size, slots, 1, NULL, &st);
	TAP_CHECK(err == 0, "execute %d (%s)", err, st.msg);
	for (i = 0; !err && i < 6; i++)
		TAP_CHECK(ref_get(slots, &b->t[y], i) == want[i],
			  "window %u: %d, want %d", i,
			  ref_get(slots, &b->t[y], i), want[i]);
	tb_free_slots(b, slots);
	free(cb);
	free(b);
}

/*
 * SOFTMAX with table[0] = 2^16: two equal inputs give p = 2^15 / 2 = 16384,
 * three give 32768 / 3 = 10922.67 -> 10923; out_scale 1/256 (multiplier
 * 2^30, shift 6: 2^-7) gives 128 and 85.33 -> 85.  A row whose entries all
 * read as 0 (S = 0) gives p = 0.
 */
static void test_softmax_hand(void)
{
	struct enpu_fw_buf slots[TB_MAX_SLOTS];
	struct tb *b = calloc(1, sizeof(*b));
	struct enpu_fw_status st;
	struct enpu_op *op;
	uint32_t x2, x3, t, t0, y2, y3, x1, y1, i;
	size_t size;
	uint8_t *cb;
	int err;

	tb_init(b, 1);
	x2 = tb_tensor(b, 0, ENPU_DTYPE_U8, 0, 1, 2, 1, 1, 1);
	x3 = tb_tensor(b, 0, ENPU_DTYPE_S8, 5, 2, 1, 3, 1, 1);
	x1 = tb_tensor(b, 0, ENPU_DTYPE_U8, 0, 1, 4, 1, 1, 1);
	t = tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, 256, 1, 1, 1);
	t0 = tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, 256, 1, 1, 1);
	y2 = tb_tensor(b, 0, ENPU_DTYPE_U8, 0, 1, 2, 1, 1, 1);
	y3 = tb_tensor(b, 0, ENPU_DTYPE_S8, -128, 2, 1, 3, 1, 1);
	y1 = tb_tensor(b, 0, ENPU_DTYPE_U8, 7, 1, 4, 1, 1, 1);
	tb_quant(b, P30, 6, 0);
	op = tb_op(b, ENPU_OP_SOFTMAX, y2);
	op->in[0] = x2, op->in[1] = t, op->quant_count = 1;
	op = tb_op(b, ENPU_OP_SOFTMAX, y3);
	op->in[0] = x3, op->in[1] = t, op->quant_count = 1;
	op = tb_op(b, ENPU_OP_SOFTMAX, y1);
	op->in[0] = x1, op->in[1] = t0, op->quant_count = 1;
	cb = tb_build(b, &size);
	tb_alloc_slots(b, slots, 0);
	for (i = 0; i < 256; i++) {
		ref_set(slots, &b->t[t], i, i == 0 ? 65536 : 0);
		ref_set(slots, &b->t[t0], i, i == 0 ? -5 : 99);
	}
	ref_set(slots, &b->t[x2], 0, 200);
	ref_set(slots, &b->t[x2], 1, 200);
	for (i = 0; i < 3; i++)
		ref_set(slots, &b->t[x3], i, -100);
	for (i = 0; i < 4; i++)
		ref_set(slots, &b->t[x1], i, 3);
	err = enpu_fw_execute(cb, size, slots, 1, NULL, &st);
	TAP_CHECK(err == 0, "execute %d (%s)", err, st.msg);
	for (i = 0; !err && i < 2; i++)
		TAP_CHECK(ref_get(slots, &b->t[y2], i) == 128, "pair: %d",
			  ref_get(slots, &b->t[y2], i));
	for (i = 0; !err && i < 3; i++)
		TAP_CHECK(ref_get(slots, &b->t[y3], i) == 85 - 128,
			  "triple: %d", ref_get(slots, &b->t[y3], i));
	for (i = 0; !err && i < 4; i++)	/* table[0] = -5 clamps to 0 */
		TAP_CHECK(ref_get(slots, &b->t[y1], i) == 7, "S = 0: %d",
			  ref_get(slots, &b->t[y1], i));
	tb_free_slots(b, slots);
	free(cb);
	free(b);
}

int main(void)
{
	tap_run("requant helper: hand-computed cases", test_helper_hand);
	tap_run("requant reference: hand-computed cases", test_reference_hand);
	tap_run("requant output step and saturation", test_output_step);
	tap_run("requant helper vs reference", test_helper_vs_reference);
	tap_run("where ties can occur (fw_rq_ties)", test_ties_possible);
	tap_run("ties through conv/fc/add/mul/copy", test_op_ties);
	tap_run("avgpool divides half away from zero", test_avgpool_rounding);
	tap_run("softmax hand-computed", test_softmax_hand);
	return tap_done("test-requant");
}
