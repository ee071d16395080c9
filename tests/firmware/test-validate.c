// SPDX-License-Identifier: MIT
/*
 * Validator: a valid command buffer using every opcode is accepted and runs;
 * then each class of field is broken one at a time and the exact errno is
 * checked; then a seeded, bounded random-mutation loop checks that whatever
 * validate accepts, execute runs inside the slots (ASan/valgrind watch the
 * exact-size slot allocations).  Also the yield hook: called between ops and
 * inside long kernels, and its error aborts execution.
 */
#include <stdlib.h>
#include <string.h>

#include "ref.h"
#include "tap.h"

#define EINVAL_		(-ENPU_FW_EINVAL)
#define E2BIG_		(-ENPU_FW_E2BIG)
#define EOVERFLOW_	(-ENPU_FW_EOVERFLOW)
#define EOPNOTSUPP_	(-ENPU_FW_EOPNOTSUPP)

/* Tensor and op indices of the base graph. */
enum { T_X, T_W, T_B, T_C, T_P, T_A, T_BC, T_G, T_F, T_FW, T_FB, T_FO,
       T_TAB, T_SM, T_LUT, T_CAT, T_AP, T_MU, T_COUNT };
enum { O_CONV, O_MAXPOOL, O_ADD, O_GAP, O_COPY, O_FC, O_SOFTMAX, O_LUT,
       O_CAT0, O_CAT1, O_AVGPOOL, O_MUL, O_COUNT };

static struct enpu_op *op_(struct tb *b, uint32_t opcode, uint32_t out,
			   uint32_t i0, uint32_t i1, uint32_t i2)
{
	struct enpu_op *op = tb_op(b, opcode, out);

	op->in[0] = i0;
	op->in[1] = i1;
	op->in[2] = i2;
	return op;
}

/* A valid buffer exercising every opcode (slot 0: constants, 1: data). */
static struct tb *base(void)
{
	struct tb *b = calloc(1, sizeof(*b));
	const uint32_t N = ENPU_NO_TENSOR;
	struct enpu_op *op;
	unsigned int i;

	tb_init(b, 2);
	tb_tensor(b, 0, ENPU_DTYPE_S8, -1, 4, 1, 4, 5, 5);	/* T_X */
	tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 4, 6, 2, 3, 3);	/* T_W */
	tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, 6, 1, 1, 1);	/* T_B */
	tb_tensor(b, 1, ENPU_DTYPE_U8, 3, 4, 1, 6, 5, 5);	/* T_C */
	tb_tensor(b, 1, ENPU_DTYPE_U8, 3, 4, 1, 6, 2, 2);	/* T_P */
	tb_tensor(b, 1, ENPU_DTYPE_U8, 0, 4, 1, 6, 2, 2);	/* T_A */
	tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 1, 6, 1, 1, 1);	/* T_BC */
	tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 4, 1, 6, 1, 1);	/* T_G */
	tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 2, 1, 6, 1, 1);	/* T_F */
	tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, 6, 5, 1, 1);	/* T_FW */
	tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, 5, 1, 1, 1);	/* T_FB */
	tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 2, 1, 5, 1, 1);	/* T_FO */
	tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, 256, 1, 1, 1);	/* T_TAB */
	tb_tensor(b, 1, ENPU_DTYPE_U8, 0, 2, 1, 5, 1, 1);	/* T_SM */
	tb_tensor(b, 0, ENPU_DTYPE_U8, 0, 1, 256, 1, 1, 1);	/* T_LUT */
	tb_tensor(b, 1, ENPU_DTYPE_U8, 0, 2, 1, 10, 1, 1);	/* T_CAT */
	tb_tensor(b, 1, ENPU_DTYPE_U8, 9, 4, 1, 6, 2, 2);	/* T_AP */
	tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 4, 1, 6, 2, 2);	/* T_MU */

	op = op_(b, ENPU_OP_CONV2D, T_C, T_X, T_W, T_B);
	op->params.conv = (struct enpu_op_conv){
		.stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
		.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
		.groups = 2 };
	op->quant_index = tb_quant(b, 1 << 30, 8, 0);
	op->quant_count = 1;
	op = op_(b, ENPU_OP_MAXPOOL, T_P, T_C, N, N);
	op->params.pool = (struct enpu_op_pool){ .kernel_h = 2, .kernel_w = 2,
						  .stride_h = 2, .stride_w = 2 };
	op = op_(b, ENPU_OP_ADD, T_A, T_P, T_BC, N);
	op->params.eltwise = (struct enpu_op_eltwise){
		.in_multiplier = { 1 << 30, 1 << 30 }, .in_shift = { 20, 21 },
		.left_shift = 20, .broadcast = 1 };
	op->quant_index = tb_quant(b, 1 << 30, 0, 0);
	op->quant_count = 1;
	op = op_(b, ENPU_OP_GLOBAL_AVGPOOL, T_G, T_A, N, N);
	op->quant_index = tb_quant(b, 1 << 30, -1, 0);
	op->quant_count = 1;
	op_(b, ENPU_OP_COPY, T_F, T_G, N, N);
	op = op_(b, ENPU_OP_FULLY_CONNECTED, T_FO, T_F, T_FW, T_FB);
	op->params.fc.flags = ENPU_QUANT_PER_CHANNEL_ZP;
	op->quant_index = b->nq;
	op->quant_count = 5;
	for (i = 0; i < 5; i++)
		tb_quant(b, (1 << 30) + (int32_t)i, 7, (int32_t)i - 2);
	op = op_(b, ENPU_OP_SOFTMAX, T_SM, T_FO, T_TAB, N);
	op->quant_index = tb_quant(b, 1 << 30, 6, 0);
	op->quant_count = 1;
	op_(b, ENPU_OP_LUT, T_SM, T_SM, T_LUT, N);	/* in place */
	op = op_(b, ENPU_OP_CONCAT, T_CAT, T_SM, N, N);
	op->params.concat = (struct enpu_op_concat){ .axis = 1, .offset = 0 };
	op = op_(b, ENPU_OP_CONCAT, T_CAT, T_SM, N, N);
	op->params.concat = (struct enpu_op_concat){ .axis = 1, .offset = 5 };
	op = op_(b, ENPU_OP_AVGPOOL, T_AP, T_P, N, N);
	op->params.pool = (struct enpu_op_pool){ .kernel_h = 3, .kernel_w = 3,
		.stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 1,
		.pad_bottom = 1, .pad_right = 1, .count_include_pad = 1 };
	op->quant_index = tb_quant(b, 1 << 30, -1, 0);
	op->quant_count = 1;
	op = op_(b, ENPU_OP_MUL, T_MU, T_P, T_A, N);
	op->quant_index = tb_quant(b, 1 << 30, 7, 0);
	op->quant_count = 1;
	return b;
}

static unsigned int checks_run;

/* Validate @cb against @b's slot sizes; on success also execute it. */
static int validate_and_run(const struct tb *b, const uint8_t *cb,
			    size_t size, struct enpu_fw_status *st)
{
	struct enpu_fw_buf slots[TB_MAX_SLOTS];
	__u64 sizes[TB_MAX_SLOTS];
	unsigned int i;
	int err, err2;

	for (i = 0; i < b->num_slots; i++)
		sizes[i] = b->slot_size[i];
	err = enpu_fw_validate(cb, size, sizes, b->num_slots, st);
	if (err)
		return err;
	tb_alloc_slots(b, slots, 3);
	err2 = enpu_fw_execute(cb, size, slots, b->num_slots, NULL, st);
	tb_free_slots(b, slots);
	if (err2)
		printf("# validate accepted but execute returned %d\n", err2);
	return err2 ? 1000 : 0;
}

static void expect_tb(struct tb *b, int want, const char *what, int line)
{
	struct enpu_fw_status st = { 0, 0, NULL };
	size_t size;
	uint8_t *cb = tb_build(b, &size);
	int err = validate_and_run(b, cb, size, &st);

	checks_run++;
	if (err != want)
		tap_fail(__FILE__, line, "%s: got %d (%s), want %d", what, err,
			 st.msg ? st.msg : "-", want);
	else if (err && (!st.msg || !*st.msg))
		tap_fail(__FILE__, line, "%s: no status message", what);
	free(cb);
	free(b);
}

/* Run @stmt on a fresh base graph @b, then expect @want. */
#define CASE(want, stmt) do {					\
		struct tb *b = base();				\
		stmt;						\
		expect_tb(b, want, #stmt, __LINE__);		\
	} while (0)

/* Run @stmt on the serialized base buffer (@cb, @h, @size), then expect. */
#define HCASE(want, stmt) do {						\
		struct tb *b = base();					\
		struct enpu_cmdbuf_header hh, *h = &hh;			\
		struct enpu_fw_status st = { 0, 0, NULL };		\
		size_t size;						\
		uint8_t *cb = tb_build(b, &size);			\
		int err;						\
		memcpy(h, cb, sizeof(*h));				\
		stmt;							\
		memcpy(cb, h, sizeof(*h));				\
		err = validate_and_run(b, cb, size, &st);		\
		checks_run++;						\
		if (err != (want))					\
			tap_fail(__FILE__, __LINE__, "%s: got %d (%s), want %d", \
				 #stmt, err, st.msg ? st.msg : "-", want); \
		free(cb);						\
		free(b);						\
	} while (0)

#define OP(i) (&b->o[i])
#define T(i) (&b->t[i])

static void test_valid(void)
{
	struct tb *b = base();
	struct enpu_fw_status st;
	__u64 sizes[2] = { b->slot_size[0], b->slot_size[1] };
	size_t size;
	uint8_t *cb = tb_build(b, &size);

	TAP_CHECK(enpu_fw_validate(cb, size, sizes, 2, &st) == 0,
		  "base buffer rejected: %s (op %u tensor %u)", st.msg, st.op,
		  st.tensor);
	TAP_CHECK(st.op == ENPU_NO_TENSOR && st.tensor == ENPU_NO_TENSOR,
		  "status on success");
	TAP_CHECK(enpu_fw_validate(cb, size, sizes, 2, NULL) == 0,
		  "NULL status");
	/* a larger caller size than total_size is fine */
	TAP_CHECK(enpu_fw_validate(cb, size + 100, sizes, 2, NULL) == 0,
		  "larger buffer");
	/* larger slots are fine */
	sizes[0] += 1;
	TAP_CHECK(enpu_fw_validate(cb, size, sizes, 2, NULL) == 0,
		  "larger slot");
	free(cb);
	expect_tb(base(), 0, "base", __LINE__);
	TAP_CHECK(strcmp(enpu_fw_op_name(ENPU_OP_CONV2D), "conv2d") == 0 &&
		  strcmp(enpu_fw_op_name(ENPU_OP_LUT), "lut") == 0 &&
		  strcmp(enpu_fw_op_name(0), "invalid") == 0 &&
		  strcmp(enpu_fw_op_name(99), "invalid") == 0, "op names");
	free(b);
}

static void test_header(void)
{
	struct tb *b = base();
	__u64 sizes[2] = { b->slot_size[0], b->slot_size[1] };
	struct enpu_fw_status st;
	size_t size;
	uint8_t *cb = tb_build(b, &size);

	TAP_CHECK(enpu_fw_validate(NULL, size, sizes, 2, &st) == EINVAL_,
		  "NULL buffer");
	TAP_CHECK(enpu_fw_validate(cb, 71, sizes, 2, &st) == EINVAL_,
		  "71 bytes");
	TAP_CHECK(enpu_fw_validate(cb, size - 1, sizes, 2, &st) == EINVAL_,
		  "truncated by one byte");
	TAP_CHECK(enpu_fw_validate(cb, size, sizes, 1, &st) == EINVAL_,
		  "caller binds fewer slots");
	TAP_CHECK(enpu_fw_validate(cb, size, sizes, 3, &st) == EINVAL_,
		  "caller binds more slots");
	TAP_CHECK(enpu_fw_validate(cb, size, NULL, 2, &st) == EINVAL_,
		  "no slot sizes");
	free(cb);
	free(b);
}

static void test_header_fields(void)
{
	HCASE(EINVAL_, h->magic ^= 1);
	HCASE(EOPNOTSUPP_, h->version_major = 2);
	HCASE(EOPNOTSUPP_, h->version_major = 0);
	HCASE(EOPNOTSUPP_, h->version_minor = ENPU_ISA_VERSION_MINOR + 1);
	HCASE(EINVAL_, h->header_size = 64);
	HCASE(EINVAL_, h->header_size = 76);
	HCASE(EINVAL_, h->header_size = 80);	/* overlaps the tensors */
	HCASE(EINVAL_, h->total_size = (uint32_t)size + 8);
	HCASE(E2BIG_, h->total_size = ENPU_ISA_MAX_SIZE + 8);
	HCASE(EINVAL_, h->flags = 1);
	HCASE(EINVAL_, h->reserved[0] = 1);
	HCASE(EINVAL_, h->reserved[2] = 0x80000000u);
	HCASE(EINVAL_, h->num_slots = 0);
	HCASE(E2BIG_, h->num_slots = ENPU_ISA_MAX_SLOTS + 1);
	HCASE(EINVAL_, h->num_slots = 3);
	HCASE(EINVAL_, h->tensor_size = 40);
	HCASE(EINVAL_, h->tensor_size = 52);
	HCASE(EINVAL_, h->op_size = 88);
	HCASE(EINVAL_, h->op_size = 100);
	HCASE(EINVAL_, h->quant_size = 8);
	HCASE(EINVAL_, h->quant_size = 20);
	HCASE(E2BIG_, h->num_tensors = ENPU_ISA_MAX_TENSORS + 1);
	HCASE(EINVAL_, h->num_ops = 0);
	HCASE(E2BIG_, h->num_ops = ENPU_ISA_MAX_OPS + 1);
	HCASE(E2BIG_, h->num_quant = ENPU_ISA_MAX_QUANT + 1);
	/* sections: misaligned, outside, overlapping */
	HCASE(EINVAL_, h->tensor_offset += 4);
	HCASE(EINVAL_, h->op_offset += 4);
	HCASE(EINVAL_, h->quant_offset += 4);
	HCASE(EINVAL_, h->quant_offset = h->total_size);
	HCASE(EINVAL_, h->quant_offset += 8);
	HCASE(EINVAL_, h->op_offset = 0xfffffff8u);
	HCASE(EINVAL_, h->num_tensors += 1);	/* runs into the ops */
	HCASE(EINVAL_, h->num_quant += 1);	/* runs past the end */
	HCASE(EINVAL_, h->tensor_offset = 0);	/* overlaps the header */
	HCASE(EINVAL_, h->op_offset = h->tensor_offset);
	HCASE(EINVAL_, h->quant_offset = h->op_offset + 96);
	/* the last quant entry is in use */
	HCASE(EINVAL_, h->num_quant -= 1);
	/* an empty section may sit anywhere inside, even on another */
	HCASE(EINVAL_, h->num_tensors = 0);	/* ops name missing tensors */
}

/* Serialize @b with larger records and a longer header; @dirty sets a tail. */
static int build_grown(struct tb *b, int dirty, int *err)
{
	const uint32_t hs = 88, ts = 56, os = 112, qs = 24;
	struct enpu_cmdbuf_header h;
	struct enpu_fw_status st;
	size_t size;
	uint8_t *old = tb_build(b, &size), *cb;
	uint32_t i;

	memcpy(&h, old, sizeof(h));
	h.header_size = hs;
	h.tensor_offset = hs;
	h.tensor_size = ts;
	h.op_offset = h.tensor_offset + ts * b->nt;
	h.op_size = os;
	h.quant_offset = h.op_offset + os * b->no;
	h.quant_size = qs;
	h.total_size = h.quant_offset + qs * b->nq;
	cb = calloc(1, h.total_size);
	memcpy(cb, &h, sizeof(h));
	for (i = 0; i < b->nt; i++)
		memcpy(cb + h.tensor_offset + i * ts, &b->t[i], sizeof(b->t[i]));
	for (i = 0; i < b->no; i++)
		memcpy(cb + h.op_offset + i * os, &b->o[i], sizeof(b->o[i]));
	for (i = 0; i < b->nq; i++)
		memcpy(cb + h.quant_offset + i * qs, &b->q[i], sizeof(b->q[i]));
	switch (dirty) {
	case 1:
		cb[80] = 1;
		break;
	case 2:
		cb[h.tensor_offset + 3 * ts + 50] = 1;
		break;
	case 3:
		cb[h.op_offset + 2 * os + 100] = 1;
		break;
	case 4:
		cb[h.quant_offset + 1 * qs + 17] = 1;
		break;
	}
	*err = validate_and_run(b, cb, h.total_size, &st);
	free(old);
	free(cb);
	return dirty;
}

static void test_grown_records(void)
{
	int d, err;

	for (d = 0; d <= 4; d++) {
		struct tb *b = base();

		build_grown(b, d, &err);
		TAP_CHECK(err == (d ? EINVAL_ : 0),
			  "grown records, dirty tail %d: %d", d, err);
		free(b);
	}
}

static void test_tensors(void)
{
	CASE(EOVERFLOW_, b->slot_size[0] -= 1);	/* last constant past by 1 */
	CASE(EOVERFLOW_, b->slot_size[1] -= 1);
	CASE(EOVERFLOW_, T(T_MU)->offset += 1);
	CASE(EOVERFLOW_, T(T_X)->offset = 1ULL << 63);
	CASE(EOVERFLOW_, T(T_X)->offset = ~0ULL);
	CASE(EOVERFLOW_, T(T_B)->offset = b->slot_size[0] - 23);	/* S32 x4 */
	CASE(EINVAL_, T(T_X)->slot = 2);
	CASE(EINVAL_, T(T_X)->slot = 0xffffffffu);
	CASE(EINVAL_, T(T_X)->dtype = ENPU_DTYPE_INVALID);
	CASE(EOPNOTSUPP_, T(T_X)->dtype = 4);
	CASE(EOPNOTSUPP_, T(T_X)->dtype = 255);
	CASE(EINVAL_, T(T_X)->rank = 0);
	CASE(EINVAL_, T(T_X)->rank = 5);
	CASE(EINVAL_, T(T_X)->dims[1] = 0);
	CASE(E2BIG_, T(T_X)->dims[1] = ENPU_ISA_MAX_DIM + 1);
	CASE(E2BIG_, T(T_X)->dims[0] = 1 << 16; T(T_X)->dims[1] = 1 << 16);
	CASE(E2BIG_, T(T_TAB)->rank = 4; T(T_TAB)->dims[1] = 1 << 23;
	     T(T_TAB)->dims[2] = 1 << 23; T(T_TAB)->dims[3] = 1 << 23);
	CASE(EINVAL_, T(T_B)->dims[1] = 2);	/* past rank 1 */
	CASE(EINVAL_, T(T_F)->dims[3] = 0);
	CASE(EINVAL_, T(T_X)->zero_point = 128);
	CASE(EINVAL_, T(T_X)->zero_point = -129);
	CASE(EINVAL_, T(T_C)->zero_point = -1);
	CASE(EINVAL_, T(T_C)->zero_point = 256);
	CASE(EINVAL_, T(T_B)->zero_point = 1);
	CASE(EINVAL_, T(T_X)->flags = 1);
	CASE(EINVAL_, T(T_X)->reserved[1] = 1);
	/* unused tensors are checked too */
	CASE(EOVERFLOW_, tb_tensor(b, 1, ENPU_DTYPE_U8, 0, 1, 8, 1, 1, 1);
	     b->slot_size[1] -= 1);
}

static void test_ops(void)
{
	const uint32_t N = ENPU_NO_TENSOR;

	/* generic fields */
	CASE(EINVAL_, OP(O_COPY)->opcode = ENPU_OP_INVALID);
	CASE(EOPNOTSUPP_, OP(O_COPY)->opcode = ENPU_OP_COUNT);
	CASE(EOPNOTSUPP_, OP(O_COPY)->opcode = 0xffffffffu);
	CASE(EINVAL_, OP(O_COPY)->flags = 2);
	CASE(EINVAL_, OP(O_COPY)->flags = ENPU_OP_FLAG_ROUND_HALF_UP);
	CASE(0, OP(O_COPY)->flags = ENPU_OP_FLAG_ROUND_HALF_UP;
	     OP(O_COPY)->quant_count = 1);
	CASE(EINVAL_, OP(O_COPY)->reserved[1] = 1);
	CASE(EINVAL_, OP(O_COPY)->params.raw[0] = 1);
	CASE(EINVAL_, OP(O_ADD)->params.raw[6] = 1);
	CASE(EINVAL_, OP(O_CONV)->params.raw[6] = 1);
	CASE(EINVAL_, OP(O_FC)->params.raw[11] = 1);
	CASE(EINVAL_, OP(O_FC)->params.fc.reserved = 1);
	CASE(EINVAL_, OP(O_SOFTMAX)->params.softmax.reserved[1] = 1);
	CASE(EINVAL_, OP(O_COPY)->in[0] = T_COUNT);
	CASE(EINVAL_, OP(O_COPY)->in[0] = N);
	CASE(EINVAL_, OP(O_COPY)->in[1] = T_X);
	CASE(EINVAL_, OP(O_ADD)->in[2] = T_X);
	CASE(EINVAL_, OP(O_CONV)->in[2] = T_COUNT);
	CASE(0, OP(O_CONV)->in[2] = N);
	CASE(0, OP(O_FC)->in[2] = N);
	CASE(EINVAL_, OP(O_COPY)->out = T_COUNT);
	CASE(EINVAL_, OP(O_COPY)->out = N);
	/* outputs must be S8/U8 */
	CASE(EINVAL_, OP(O_COPY)->out = T_B);
	/* clamp */
	CASE(EINVAL_, OP(O_COPY)->act_min = 5; OP(O_COPY)->act_max = 4);
	CASE(EINVAL_, OP(O_COPY)->act_max = 128);
	CASE(EINVAL_, OP(O_COPY)->act_min = -129);
	CASE(EINVAL_, OP(O_LUT)->act_min = -1);
	CASE(0, OP(O_LUT)->act_min = 7; OP(O_LUT)->act_max = 7);
	/* quant index / count */
	CASE(EINVAL_, OP(O_CONV)->quant_index = b->nq);
	CASE(EINVAL_, OP(O_FC)->quant_index = b->nq - 4);
	CASE(EINVAL_, OP(O_FC)->quant_index = 0xffffffffu);
	CASE(EINVAL_, OP(O_COPY)->quant_index = 1);
	CASE(EINVAL_, OP(O_CONV)->quant_count = 2);
	CASE(EINVAL_, OP(O_CONV)->quant_count = 0);
	CASE(0, OP(O_CONV)->quant_index = b->nq; OP(O_CONV)->quant_count = 6;
	     for (int q = 0; q < 6; q++) tb_quant(b, 1 << 30, q, 0));
	CASE(EINVAL_, OP(O_MAXPOOL)->quant_count = 1);
	CASE(EINVAL_, OP(O_ADD)->quant_count = 2);
	CASE(EINVAL_, OP(O_LUT)->quant_count = 1);
	CASE(EINVAL_, OP(O_SOFTMAX)->quant_count = 0);
	CASE(EINVAL_, OP(O_GAP)->quant_count = 0);
	CASE(EINVAL_, OP(O_AVGPOOL)->quant_count = 2);
	CASE(EINVAL_, OP(O_COPY)->quant_count = 2);
	CASE(0, OP(O_COPY)->quant_count = 1);
	/* quant entries */
	CASE(EINVAL_, b->q[0].multiplier = (1 << 30) - 1);
	CASE(EINVAL_, b->q[0].multiplier = -1);
	CASE(EINVAL_, b->q[0].multiplier = INT32_MIN);
	CASE(0, b->q[0].multiplier = 0);
	CASE(0, b->q[0].multiplier = INT32_MAX);
	CASE(EINVAL_, b->q[0].shift = 33);
	CASE(EINVAL_, b->q[0].shift = -32);
	CASE(0, b->q[0].shift = -31);
	CASE(0, b->q[0].shift = 32);
	CASE(EINVAL_, b->q[0].reserved = 1);
	CASE(EINVAL_, b->q[0].zero_point = 1);	/* not per-channel */
	CASE(EINVAL_, b->q[1].zero_point = -1);	/* add */
	CASE(EINVAL_, b->q[4].zero_point = 128);	/* S8 weights */
	CASE(EINVAL_, b->q[4].zero_point = 256);
	CASE(0, b->q[4].zero_point = -128);
	CASE(EINVAL_, T(T_FW)->zero_point = 1);	/* with per-channel zp */
	CASE(EINVAL_, OP(O_FC)->quant_count = 1);	/* per-channel needs N */
	CASE(EINVAL_, OP(O_FC)->params.fc.flags = 2);
	CASE(EINVAL_, OP(O_FC)->params.fc.flags = 0);	/* zp now must be 0 */
}

static void test_shapes(void)
{
	/* conv2d */
	CASE(EINVAL_, T(T_W)->dims[1] = 4);	/* C / groups mismatch */
	CASE(EINVAL_, OP(O_CONV)->params.conv.groups = 0);
	CASE(EINVAL_, OP(O_CONV)->params.conv.groups = 3);
	CASE(EINVAL_, OP(O_CONV)->params.conv.groups = 4);	/* W dims[1] */
	CASE(EINVAL_, T(T_C)->dims[2] = 4);
	CASE(EINVAL_, T(T_C)->dims[3] = 6);
	CASE(EINVAL_, T(T_C)->dims[1] = 5);
	CASE(EINVAL_, OP(O_CONV)->params.conv.stride_h = 0);
	CASE(EINVAL_, OP(O_CONV)->params.conv.stride_w = 65);
	CASE(EINVAL_, OP(O_CONV)->params.conv.dilation_w = 0);
	CASE(EINVAL_, OP(O_CONV)->params.conv.pad_top = 3);	/* >= 3 */
	CASE(EINVAL_, OP(O_CONV)->params.conv.pad_right = 3);
	CASE(EINVAL_, OP(O_CONV)->params.conv.flags = 2);
	CASE(EINVAL_, T(T_B)->dims[0] = 5);
	CASE(EINVAL_, T(T_B)->dtype = ENPU_DTYPE_S8);
	CASE(EINVAL_, T(T_X)->rank = 3; T(T_X)->dims[3] = 1);
	CASE(EINVAL_, T(T_W)->dtype = ENPU_DTYPE_S32);
	/* stride 2 changes the output extent: (5 + 2 - 3) / 2 + 1 = 3 */
	CASE(EINVAL_, OP(O_CONV)->params.conv.stride_h = 2);
	/* dilation 2: 5 + 2 - 5 + 1 = 3 rows */
	CASE(EINVAL_, OP(O_CONV)->params.conv.dilation_h = 2);
	/* fully connected */
	CASE(EINVAL_, T(T_FW)->dims[0] = 5);
	CASE(EINVAL_, T(T_FO)->dims[1] = 4);
	CASE(EINVAL_, T(T_FB)->dims[0] = 6);
	/* add / mul broadcast */
	CASE(EINVAL_, OP(O_ADD)->params.eltwise.broadcast = 0);
	CASE(EINVAL_, OP(O_ADD)->params.eltwise.broadcast = 2);
	CASE(EINVAL_, OP(O_ADD)->params.eltwise.broadcast = 3);
	CASE(EINVAL_, OP(O_ADD)->params.eltwise.left_shift = 21);
	CASE(EINVAL_, OP(O_ADD)->params.eltwise.in_shift[1] = 33);
	CASE(EINVAL_, OP(O_ADD)->params.eltwise.in_multiplier[0] = 5);
	CASE(EINVAL_, OP(O_MUL)->params.eltwise.left_shift = 1);
	CASE(EINVAL_, OP(O_MUL)->params.eltwise.in_multiplier[0] = 1 << 30);
	CASE(EINVAL_, OP(O_MUL)->in[1] = T_BC);	/* broadcast 0 */
	CASE(0, OP(O_MUL)->in[1] = T_BC; OP(O_MUL)->params.eltwise.broadcast = 1);
	CASE(EINVAL_, OP(O_MUL)->in[0] = T_BC);
	/* pools */
	CASE(0, OP(O_MAXPOOL)->params.pool.kernel_h = 3);	/* (5-3)/2+1 */
	CASE(EINVAL_, OP(O_MAXPOOL)->params.pool.kernel_h = 4);
	CASE(EINVAL_, OP(O_MAXPOOL)->params.pool.kernel_w = 0);
	CASE(EINVAL_, OP(O_MAXPOOL)->params.pool.pad_top = 2);
	CASE(EINVAL_, OP(O_MAXPOOL)->params.pool.count_include_pad = 1);
	CASE(EINVAL_, OP(O_AVGPOOL)->params.pool.count_include_pad = 2);
	CASE(EINVAL_, OP(O_AVGPOOL)->params.pool.reserved = 1);
	CASE(EINVAL_, T(T_P)->zero_point = 4);	/* maxpool keeps zp */
	CASE(EINVAL_, T(T_G)->dims[2] = 2);
	CASE(EINVAL_, T(T_AP)->dims[3] = 1);
	/* concat: offset 5 + 5 > 10; axis; other dims */
	CASE(EINVAL_, OP(O_CAT1)->params.concat.offset = 6);
	CASE(EINVAL_, OP(O_CAT1)->params.concat.offset = 0xffffffffu);
	CASE(EINVAL_, OP(O_CAT1)->params.concat.axis = 2);
	CASE(EINVAL_, OP(O_CAT1)->params.concat.axis = 0);
	CASE(EINVAL_, T(T_CAT)->zero_point = 1);	/* plain copy */
	/* copy: counts, plain copy needs equal dtype and zp */
	CASE(EINVAL_, T(T_F)->dims[1] = 5);
	CASE(EINVAL_, T(T_F)->zero_point = 1);
	CASE(EINVAL_, T(T_F)->dtype = ENPU_DTYPE_U8);
	/* softmax / lut tables */
	CASE(EINVAL_, T(T_TAB)->dims[0] = 255);
	CASE(EINVAL_, T(T_TAB)->dtype = ENPU_DTYPE_U8);
	CASE(EINVAL_, T(T_LUT)->dtype = ENPU_DTYPE_S8);
	CASE(EINVAL_, T(T_SM)->dims[1] = 4);
}

static void test_overlap(void)
{
	/* output overlapping an input in the same slot */
	CASE(EINVAL_, T(T_C)->offset = T(T_X)->offset; T(T_C)->slot = 0);
	CASE(EINVAL_, T(T_F)->offset = T(T_G)->offset + 1);
	/* exact in place is fine for COPY and LUT only */
	CASE(0, T(T_F)->offset = T(T_G)->offset);
	CASE(EINVAL_, T(T_A)->offset = T(T_P)->offset);	/* ADD */
	CASE(EINVAL_, T(T_MU)->offset = T(T_A)->offset;
	     T(T_MU)->dtype = ENPU_DTYPE_U8);
	CASE(EINVAL_, T(T_SM)->offset = T(T_LUT)->offset;
	     T(T_SM)->slot = 0);	/* LUT out onto its table */
	/* overlapping ranges in different slots are independent */
	CASE(0, T(T_BC)->offset = T(T_A)->offset);
	/* output overlapping the bias */
	CASE(EINVAL_, T(T_C)->slot = 0; T(T_C)->offset = T(T_B)->offset - 3);
}

/* The status names the op and tensor at fault. */
static void test_status(void)
{
	struct tb *b = base();
	struct enpu_fw_status st = { 0, 0, NULL };
	__u64 sizes[2];
	size_t size;
	uint8_t *cb;

	T(T_W)->dims[1] = 4;
	sizes[0] = b->slot_size[0];
	sizes[1] = b->slot_size[1];
	b->slot_size[0] += 96;
	sizes[0] = b->slot_size[0];
	cb = tb_build(b, &size);
	TAP_CHECK(enpu_fw_validate(cb, size, sizes, 2, &st) == EINVAL_,
		  "bad weights accepted");
	TAP_CHECK(st.op == O_CONV && st.tensor == T_W, "op %u tensor %u",
		  st.op, st.tensor);
	TAP_CHECK(st.msg && strstr(st.msg, "conv2d"), "msg %s", st.msg);
	printf("# %s\n", st.msg);
	free(cb);
	T(T_W)->dims[1] = 2;
	b->slot_size[1] -= 1;
	sizes[1] = b->slot_size[1];
	cb = tb_build(b, &size);
	TAP_CHECK(enpu_fw_validate(cb, size, sizes, 2, &st) == EOVERFLOW_,
		  "short slot accepted");
	TAP_CHECK(st.tensor == T_MU && st.op == ENPU_NO_TENSOR,
		  "op %u tensor %u", st.op, st.tensor);
	free(cb);
	free(b);
}

/*
 * ENPU_OP_FLAG_ROUND_HALF_UP only where the op requantizes: accepted on
 * every rounding op of the base graph, rejected with a message naming the
 * op and the flag on MAXPOOL, LUT and plain COPY / CONCAT.
 */
static void test_rounding_flag(void)
{
	static const struct { unsigned int op; int want; const char *name; } c[] = {
		{ O_CONV, 0, NULL }, { O_FC, 0, NULL }, { O_ADD, 0, NULL },
		{ O_MUL, 0, NULL }, { O_AVGPOOL, 0, NULL }, { O_GAP, 0, NULL },
		{ O_SOFTMAX, 0, NULL },
		{ O_MAXPOOL, EINVAL_, "maxpool" }, { O_LUT, EINVAL_, "lut" },
		{ O_COPY, EINVAL_, "copy" }, { O_CAT0, EINVAL_, "concat" },
		{ O_CAT1, EINVAL_, "concat" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct tb *b = base();
		struct enpu_fw_status st = { 0, 0, NULL };
		size_t size;
		uint8_t *cb;
		int err;

		OP(c[i].op)->flags = ENPU_OP_FLAG_ROUND_HALF_UP;
		cb = tb_build(b, &size);
		err = validate_and_run(b, cb, size, &st);
		checks_run++;
		TAP_CHECK(err == c[i].want, "op %u (%s): got %d (%s), want %d",
			  c[i].op, enpu_fw_op_name(b->o[c[i].op].opcode), err,
			  st.msg ? st.msg : "-", c[i].want);
		if (c[i].want && err == c[i].want) {
			TAP_CHECK(st.op == c[i].op, "status op %u, want %u",
				  st.op, c[i].op);
			TAP_CHECK(st.msg && strstr(st.msg, "ROUND_HALF_UP") &&
				  strstr(st.msg, c[i].name) &&
				  strstr(st.msg, "never rounds"),
				  "message: %s", st.msg ? st.msg : "-");
		}
		free(cb);
		free(b);
	}
	/* a requantizing COPY / CONCAT rounds: the flag is valid there */
	CASE(0, OP(O_CAT0)->flags = ENPU_OP_FLAG_ROUND_HALF_UP;
	     OP(O_CAT0)->quant_count = 1);
}

/* The sum of quant_count over all ops is bounded (linear validation). */
static void test_quant_refs(void)
{
	struct tb *b = base();
	struct enpu_cmdbuf_header h;
	uint8_t *cb, *big;
	__u64 sizes[2] = { b->slot_size[0], b->slot_size[1] };
	size_t size, total;
	uint32_t i, nq = 300000;
	int err;

	cb = tb_build(b, &size);
	memcpy(&h, cb, sizeof(h));
	/* grow the quant table to nq entries (all valid) */
	total = h.quant_offset + (size_t)nq * 16;
	big = calloc(1, total);
	memcpy(big, cb, size);
	for (i = b->nq; i < nq; i++) {
		struct enpu_quant q = { 1 << 30, 0, 0, 0 };

		memcpy(big + h.quant_offset + (size_t)i * 16, &q, 16);
	}
	h.num_quant = nq;
	h.total_size = (uint32_t)total;
	memcpy(big, &h, sizeof(h));
	err = enpu_fw_validate(big, total, sizes, 2, NULL);
	TAP_CHECK(err == 0, "big quant table: %d", err);
	free(big);
	free(cb);
	free(b);
}

/*
 * Ops referencing more than ENPU_ISA_MAX_QUANT entries in total: three FCs
 * with N = 2^19 per-channel entries each share one table.
 */
static void test_quant_refs_limit(void)
{
	const uint32_t n = 1u << 19;
	struct tb *b = calloc(1, sizeof(*b));
	struct enpu_cmdbuf_header h;
	__u64 sizes[1];
	uint32_t x, w, y, i, k;
	uint8_t *cb, *big;
	size_t size, total;
	int err;

	tb_init(b, 1);
	x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, 1, 1, 1, 1);
	w = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, 1, n, 1, 1);
	for (k = 0; k < 3; k++) {
		struct enpu_op *op;

		y = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, 1, n, 1, 1);
		op = op_(b, ENPU_OP_FULLY_CONNECTED, y, x, w, ENPU_NO_TENSOR);
		op->quant_count = n;
	}
	sizes[0] = b->slot_size[0];
	cb = tb_build(b, &size);
	memcpy(&h, cb, sizeof(h));
	total = h.quant_offset + (size_t)n * 16;
	big = calloc(1, total);
	memcpy(big, cb, size);
	for (i = 0; i < n; i++) {
		struct enpu_quant q = { 1 << 30, 0, 0, 0 };

		memcpy(big + h.quant_offset + (size_t)i * 16, &q, 16);
	}
	h.num_quant = n;
	h.total_size = (uint32_t)total;
	memcpy(big, &h, sizeof(h));
	err = enpu_fw_validate(big, total, sizes, 1, NULL);
	TAP_CHECK(err == E2BIG_, "3 x 2^19 quant references: %d", err);
	/* two ops (2^20 references) are still fine */
	h.num_ops = 2;
	memcpy(big, &h, sizeof(h));
	memset(big + h.op_offset + 2 * sizeof(struct enpu_op), 0,
	       sizeof(struct enpu_op));
	err = enpu_fw_validate(big, total, sizes, 1, NULL);
	TAP_CHECK(err == 0, "2 x 2^19 quant references: %d", err);
	free(big);
	free(cb);
	free(b);
}

/* --- random mutations -------------------------------------------------- */

static const uint32_t interesting[] = {
	0, 1, 2, 3, 4, 7, 8, 16, 48, 72, 96, 255, 256, 0x7fff, 0x8000,
	0xffff, 0x10000, 1u << 24, (1u << 24) + 1, 0x7fffffff, 0x80000000u,
	0xfffffffe, 0xffffffff,
};

static void test_random_mutations(void)
{
	struct tb *b = base();
	struct enpu_fw_buf slots[TB_MAX_SLOTS];
	__u64 sizes[TB_MAX_SLOTS];
	uint32_t rng = 0xc0ffee11;
	unsigned int it, accepted = 0, rejected = 0, executed = 0;
	size_t size;
	uint8_t *orig = tb_build(b, &size), *cb = malloc(size);

	for (it = 0; it < 30000; it++) {
		unsigned int k, nmut = 1 + ref_rand(&rng) % 3, s;
		int err;

		memcpy(cb, orig, size);
		for (k = 0; k < nmut; k++) {
			uint32_t pos = ref_rand(&rng) % size, v;

			switch (ref_rand(&rng) % 4) {
			case 0:	/* flip a bit */
				cb[pos] ^= (uint8_t)(1u << (ref_rand(&rng) % 8));
				break;
			case 1:	/* random byte */
				cb[pos] = (uint8_t)ref_rand(&rng);
				break;
			default:	/* an interesting aligned word */
				pos &= ~3u;
				if (pos + 4 > size)
					break;
				v = interesting[ref_rand(&rng) %
						(sizeof(interesting) / 4)];
				if (ref_rand(&rng) & 1)
					v += ref_range(&rng, -2, 2);
				memcpy(cb + pos, &v, 4);
				break;
			}
		}
		for (s = 0; s < b->num_slots; s++) {
			sizes[s] = b->slot_size[s];
			if (ref_rand(&rng) % 8 == 0)
				sizes[s] = ref_rand(&rng) % (sizes[s] + 64);
		}
		err = enpu_fw_validate(cb, size, sizes, b->num_slots, NULL);
		if (err) {
			rejected++;
			TAP_CHECK(err == EINVAL_ || err == E2BIG_ ||
				  err == EOVERFLOW_ || err == EOPNOTSUPP_,
				  "unexpected errno %d", err);
			continue;
		}
		accepted++;
		/* exact-size slots full of random bytes */
		for (s = 0; s < b->num_slots; s++) {
			uint64_t j;

			slots[s].size = sizes[s];
			slots[s].data = malloc(sizes[s] ? sizes[s] : 1);
			for (j = 0; j < sizes[s]; j++)
				((uint8_t *)slots[s].data)[j] = (uint8_t)ref_rand(&rng);
		}
		err = enpu_fw_execute(cb, size, slots, b->num_slots, NULL, NULL);
		TAP_CHECK(err == 0, "accepted buffer failed to execute: %d", err);
		executed += err == 0;
		for (s = 0; s < b->num_slots; s++)
			free(slots[s].data);
	}
	printf("# %u mutations accepted and executed, %u rejected\n",
	       executed, rejected);
	TAP_CHECK(accepted > 100 && rejected > 1000,
		  "mutation mix degenerate: %u accepted %u rejected", accepted,
		  rejected);
	free(cb);
	free(orig);
	free(b);
}

/* --- yield hook -------------------------------------------------------- */

struct yield_ctx {
	unsigned int calls;
	unsigned int fail_at;	/* 0: never */
};

static int count_yield(void *arg)
{
	struct yield_ctx *y = arg;

	y->calls++;
	if (y->fail_at && y->calls >= y->fail_at)
		return -ENPU_FW_ECANCELED;
	return 0;
}

static void test_yield(void)
{
	struct tb *b = base();
	struct enpu_fw_buf slots[TB_MAX_SLOTS];
	struct yield_ctx y = { 0, 0 };
	struct enpu_fw_hooks hooks = { .yield = count_yield, .ctx = &y };
	struct enpu_fw_status st;
	struct enpu_op *op;
	uint32_t x, w, out;
	size_t size;
	uint8_t *cb = tb_build(b, &size);
	int err;

	tb_alloc_slots(b, slots, 1);
	err = enpu_fw_execute(cb, size, slots, 2, &hooks, &st);
	TAP_CHECK(err == 0, "execute with hooks: %d", err);
	TAP_CHECK(y.calls >= O_COUNT - 1, "yield called %u times for %u ops",
		  y.calls, O_COUNT);
	y.calls = 0;
	y.fail_at = 3;
	err = enpu_fw_execute(cb, size, slots, 2, &hooks, &st);
	TAP_CHECK(err == -ENPU_FW_ECANCELED, "cancel: %d", err);
	TAP_CHECK(st.op == 3, "cancelled before op %u, want 3", st.op);
	tb_free_slots(b, slots);
	free(cb);
	free(b);

	/* one long conv: 16 x 32 x 32 outputs x 64 x 9 MACs = 9.4M MACs */
	b = calloc(1, sizeof(*b));
	tb_init(b, 1);
	x = tb_tensor(b, 0, ENPU_DTYPE_U8, 0, 4, 1, 64, 32, 32);
	w = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 4, 16, 64, 3, 3);
	out = tb_tensor(b, 0, ENPU_DTYPE_U8, 0, 4, 1, 16, 32, 32);
	op = op_(b, ENPU_OP_CONV2D, out, x, w, ENPU_NO_TENSOR);
	op->params.conv = (struct enpu_op_conv){
		.stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
		.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
		.groups = 1 };
	op->quant_count = 1;
	tb_quant(b, 1 << 30, 10, 0);
	cb = tb_build(b, &size);
	tb_alloc_slots(b, slots, 1);
	y.calls = 0;
	y.fail_at = 0;
	err = enpu_fw_execute(cb, size, slots, 1, &hooks, &st);
	TAP_CHECK(err == 0, "long conv: %d", err);
	TAP_CHECK(y.calls >= 8 && y.calls <= 20,
		  "yield called %u times in ~9M MACs", y.calls);
	y.calls = 0;
	y.fail_at = 2;
	err = enpu_fw_execute(cb, size, slots, 1, &hooks, &st);
	TAP_CHECK(err == -ENPU_FW_ECANCELED && y.calls == 2,
		  "cancel inside a kernel: %d after %u calls", err, y.calls);
	tb_free_slots(b, slots);
	free(cb);
	free(b);
}

int main(void)
{
	tap_run("valid buffer accepted and executed", test_valid);
	tap_run("validate arguments", test_header);
	tap_run("header and section errors", test_header_fields);
	tap_run("grown element sizes: zero tails accepted", test_grown_records);
	tap_run("tensor errors", test_tensors);
	tap_run("op field and quant errors", test_ops);
	tap_run("per-op shape errors", test_shapes);
	tap_run("output/input overlap", test_overlap);
	tap_run("status names op and tensor", test_status);
	tap_run("round-half-up only on ops that round", test_rounding_flag);
	tap_run("large quant table validates", test_quant_refs);
	tap_run("quant references are bounded", test_quant_refs_limit);
	tap_run("random mutations never crash", test_random_mutations);
	tap_run("yield hook", test_yield);
	printf("# %u errno checks\n", checks_run);
	if (checks_run < 150) {
		tap_fail(__FILE__, __LINE__, "only %u checks ran", checks_run);
		return 1;
	}
	return tap_done("test-validate");
}
