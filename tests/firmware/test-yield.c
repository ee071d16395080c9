// SPDX-License-Identifier: MIT
/*
 * The yield hook bounds the work between two calls for every kernel and
 * every shape, and the validator yields too.
 *
 * The kernel's soft engine reschedules and checks the job's deadline only in
 * the yield hook, so a kernel that runs long without calling it stalls a CPU
 * (soft lockup) and overruns the job timeout.  For worst-case shapes of each
 * operation (one output costing a 64x64 window, 1-element rows, one-byte
 * concatenation moves, a conv tile summing thousands of channels, long
 * softmax rows, huge planes) this checks, around enpu_fw_execute_validated():
 *
 *  - a deterministic bound: the hook ran at least once per 2^21 units of
 *    streaming work (multiply-accumulates, taps, elements) plus once per
 *    2^18 pieces that each carry a fixed cost (output elements, rows,
 *    moves), both counted here from the shape alone;
 *  - the longest gap between two calls (and before the first / after the
 *    last) in thread CPU time is below GAP_MAX_NS, a generous bound for a
 *    design target of ~1 ms, scaled by ENPU_TEST_SLOWDOWN (an integer, for
 *    an emulator: qemu-user runs this CPU time many times over).  Skipped
 *    under valgrind only.
 *
 * Then the validator: a 64 MiB command buffer (64K tensors, 64K ops, 1M
 * quant entries, a 16 MiB header tail) calls the hook at least every 512 KiB
 * and every 2048 records, the hook's error aborts validation, and
 * enpu_fw_execute_validated() does not validate again.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ref.h"
#include "tap.h"

#define GAP_MAX_NS	(50 * 1000000LL)
/* Streaming units and fixed-cost pieces the firmware may do per yield. */
#define UNITS_PER_YIELD		(1ULL << 21)
#define PIECES_PER_YIELD	(1ULL << 18)

static int no_time_bound;
static long long gap_max_ns = GAP_MAX_NS;

struct ystat {
	unsigned long long calls;
	long long last, max_gap;
	unsigned long long fail_at;	/* 0: never */
	int in_simd;			/* between simd_begin and simd_end */
	unsigned long long sections, bad_nesting, yields_in_simd;
};

static long long thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void gap(struct ystat *y)
{
	long long now = thread_ns();

	if (now - y->last > y->max_gap)
		y->max_gap = now - y->last;
	y->last = now;
}

static int on_yield(void *arg)
{
	struct ystat *y = arg;

	gap(y);
	y->calls++;
	if (y->in_simd)
		y->yields_in_simd++;
	if (y->fail_at && y->calls >= y->fail_at)
		return -ENPU_FW_ECANCELED;
	return 0;
}

/* The kernel's kernel_fpu_begin() / _end(): never nested, never around a yield. */
static void on_simd_begin(void *arg)
{
	struct ystat *y = arg;

	if (y->in_simd)
		y->bad_nesting++;
	y->in_simd = 1;
	y->sections++;
}

static void on_simd_end(void *arg)
{
	struct ystat *y = arg;

	if (!y->in_simd)
		y->bad_nesting++;
	y->in_simd = 0;
}

/*
 * The variant the cases run with, as the kernel runs it: scratch memory,
 * no parallel hook, simd hooks.  NULL: the scalar kernels.
 */
static const struct enpu_fw_kernels *variant;
static void *scratch;

/*
 * One case: a one-op buffer, its streaming work @units and fixed-cost
 * @pieces as the test counts them from the shape.
 */
static void run_case(struct tb *b, const char *name, unsigned long long units,
		     unsigned long long pieces)
{
	struct enpu_fw_buf slots[TB_MAX_SLOTS];
	struct ystat y = { 0 };
	struct enpu_fw_hooks hooks = {
		.yield = on_yield, .ctx = &y, .kernels = variant,
		.scratch = scratch, .scratch_size = ENPU_FW_SCRATCH_SIZE,
		.simd_begin = on_simd_begin, .simd_end = on_simd_end,
	};
	struct enpu_fw_status st = { 0, 0, NULL };
	__u64 sizes[TB_MAX_SLOTS];
	unsigned long long want = units / UNITS_PER_YIELD + pieces / PIECES_PER_YIELD;
	long long t0;
	unsigned int i;
	size_t size;
	uint8_t *cb = tb_build(b, &size);
	int err;

	for (i = 0; i < b->num_slots; i++)
		sizes[i] = b->slot_size[i];
	err = enpu_fw_validate(cb, size, sizes, b->num_slots, &st);
	TAP_CHECK(err == 0, "%s: rejected: %s", name, st.msg);
	/* a case too small to tell a bounded kernel from an unbounded one */
	TAP_CHECK(want >= 2, "%s: only %llu yields expected", name, want);
	if (err) {
		free(cb);
		return;
	}
	tb_alloc_slots(b, slots, 5);
	t0 = thread_ns();
	y.last = t0;
	err = enpu_fw_execute_validated(cb, slots, &hooks, &st);
	gap(&y);
	TAP_CHECK(err == 0, "%s: execute: %d (%s)", name, err, st.msg);
	printf("# %-28s %6llu yields (want >= %4llu), longest gap %7.3f ms, total %8.2f ms [%s, %llu simd sections]\n",
	       name, y.calls, want, y.max_gap / 1e6, (y.last - t0) / 1e6,
	       enpu_fw_kernels_name(variant), y.sections);
	TAP_CHECK(!y.bad_nesting && !y.in_simd,
		  "%s: simd_begin/simd_end unpaired or nested (%llu)", name,
		  y.bad_nesting);
	TAP_CHECK(!y.yields_in_simd, "%s: %llu yields inside a simd section",
		  name, y.yields_in_simd);
	TAP_CHECK(y.calls >= want, "%s: %llu yields, want >= %llu", name,
		  y.calls, want);
	if (!no_time_bound)
		TAP_CHECK(y.max_gap < gap_max_ns,
			  "%s: %.1f ms of CPU time without a yield", name,
			  y.max_gap / 1e6);
	/* the hook's error stops the kernel at once and execution fails */
	memset(&y, 0, sizeof(y));
	y.fail_at = 2;
	err = enpu_fw_execute_validated(cb, slots, &hooks, &st);
	TAP_CHECK(err == -ENPU_FW_ECANCELED && y.calls == 2,
		  "%s: cancel at the 2nd yield: %d after %llu yields", name,
		  err, y.calls);
	TAP_CHECK(!y.bad_nesting && !y.in_simd,
		  "%s: cancel: simd_begin/simd_end unpaired", name);
	tb_free_slots(b, slots);
	free(cb);
}

static struct tb *new_tb(unsigned int num_slots)
{
	struct tb *b = calloc(1, sizeof(*b));

	if (!b)
		abort();
	tb_init(b, num_slots);
	return b;
}

static struct enpu_op *op1(struct tb *b, uint32_t opcode, uint32_t out,
			   uint32_t i0, uint32_t i1, uint32_t i2, int quant)
{
	struct enpu_op *op = tb_op(b, opcode, out);

	op->in[0] = i0;
	op->in[1] = i1;
	op->in[2] = i2;
	if (quant) {
		op->quant_index = tb_quant(b, 1 << 30, 12, 0);
		op->quant_count = 1;
	}
	return op;
}

/* --- pooling ------------------------------------------------------------ */

static void pool_case(uint32_t opcode, uint32_t C, uint32_t H, uint32_t W,
		      uint32_t k, const char *name)
{
	struct tb *b = new_tb(2);
	uint32_t OH = H - k + 1, OW = W - k + 1;
	uint32_t x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 4, 1, C, H, W);
	uint32_t y = tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 4, 1, C, OH, OW);
	struct enpu_op *op = op1(b, opcode, y, x, ENPU_NO_TENSOR,
				 ENPU_NO_TENSOR, opcode == ENPU_OP_AVGPOOL);
	unsigned long long outs = (unsigned long long)C * OH * OW;

	op->params.pool = (struct enpu_op_pool){ .kernel_h = (uint16_t)k,
		.kernel_w = (uint16_t)k, .stride_h = 1, .stride_w = 1 };
	run_case(b, name, outs * k * k, outs);
	free(b);
}

static void test_pool(void)
{
	/* one output row, every output a 64x64 window */
	pool_case(ENPU_OP_AVGPOOL, 1, 64, 4096 + 63, 64, "avgpool 64x64 window");
	pool_case(ENPU_OP_MAXPOOL, 1, 64, 4096 + 63, 64, "maxpool 64x64 window");
	/* 4M planes of one element */
	pool_case(ENPU_OP_AVGPOOL, 1u << 22, 1, 1, 1, "avgpool 1x1 planes");
	pool_case(ENPU_OP_MAXPOOL, 1u << 22, 1, 1, 1, "maxpool 1x1 planes");
}

static void gap_case(uint32_t C, uint32_t H, uint32_t W, const char *name)
{
	struct tb *b = new_tb(2);
	uint32_t x = tb_tensor(b, 0, ENPU_DTYPE_U8, 3, 4, 1, C, H, W);
	uint32_t y = tb_tensor(b, 1, ENPU_DTYPE_U8, 0, 4, 1, C, 1, 1);

	op1(b, ENPU_OP_GLOBAL_AVGPOOL, y, x, ENPU_NO_TENSOR, ENPU_NO_TENSOR, 1);
	run_case(b, name, (unsigned long long)C * H * W, C);
	free(b);
}

static void test_global_avgpool(void)
{
	gap_case(1, 4096, 4096, "global_avgpool 16M plane");
	gap_case(1u << 22, 1, 1, "global_avgpool 1x1 planes");
}

/* --- convolution and fully connected ------------------------------------ */

static void conv_case(uint32_t O, uint32_t C, uint32_t H, uint32_t W,
		      uint32_t K, const char *name)
{
	struct tb *b = new_tb(3);
	uint32_t OH = H - K + 1, OW = W - K + 1;
	uint32_t x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 4, 1, C, H, W);
	uint32_t w = tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 4, O, C, K, K);
	uint32_t y = tb_tensor(b, 2, ENPU_DTYPE_S8, 0, 4, 1, O, OH, OW);
	struct enpu_op *op = op1(b, ENPU_OP_CONV2D, y, x, w, ENPU_NO_TENSOR, 1);
	unsigned long long outs = (unsigned long long)O * OH * OW;

	op->params.conv = (struct enpu_op_conv){ .stride_h = 1, .stride_w = 1,
		.dilation_h = 1, .dilation_w = 1, .groups = 1 };
	run_case(b, name, outs * C * K * K, outs);
	free(b);
}

static void test_conv(void)
{
	/* row kernel: one 49-column tile sums 1024 channels x 16x16 taps */
	conv_case(1, 1024, 16, 64, 16, "conv rows: one long tile");
	/* row kernel: one column, 16K channels x 8x8 taps per output */
	conv_case(8, 1u << 14, 8, 8, 8, "conv rows: one column");
	/* patch kernel: one pixel, 16K output channels of 768 taps */
	conv_case(16384, 768, 1, 1, 1, "conv patch: 16K channels");
}

static void fc_case(uint32_t M, uint32_t K, uint32_t N, const char *name)
{
	struct tb *b = new_tb(3);
	uint32_t x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, M, K, 1, 1);
	uint32_t w = tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 2, K, N, 1, 1);
	uint32_t y = tb_tensor(b, 2, ENPU_DTYPE_S8, 0, 2, M, N, 1, 1);

	op1(b, ENPU_OP_FULLY_CONNECTED, y, x, w, ENPU_NO_TENSOR, 1);
	run_case(b, name, (unsigned long long)M * K * N,
		 (unsigned long long)M * N);
	free(b);
}

static void test_fc(void)
{
	fc_case(1, 1u << 24, 1, "fully_connected K = 16M");
	fc_case(1u << 22, 1, 1, "fully_connected 4M rows");
	fc_case(1, 4096, 4096, "fully_connected 4096x4096");
}

/* --- elementwise --------------------------------------------------------- */

static void eltwise_case(uint32_t opcode, uint32_t C, uint32_t HW,
			 uint32_t broadcast, const char *name)
{
	struct tb *b = new_tb(3);
	uint32_t a = tb_tensor(b, 0, ENPU_DTYPE_S8, 1, 4, 1, C, HW, 1);
	uint32_t c = broadcast == 1 ?
		     tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 1, C, 1, 1, 1) :
		     tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 4, 1, C, HW, 1);
	uint32_t y = tb_tensor(b, 2, ENPU_DTYPE_S8, 0, 4, 1, C, HW, 1);
	struct enpu_op *op = op1(b, opcode, y, a, c, ENPU_NO_TENSOR, 1);
	unsigned long long n = (unsigned long long)C * HW;

	op->params.eltwise.broadcast = broadcast;
	if (opcode == ENPU_OP_ADD) {
		op->params.eltwise.in_multiplier[0] = 1 << 30;
		op->params.eltwise.in_multiplier[1] = 1 << 30;
		op->params.eltwise.left_shift = 20;
		op->params.eltwise.in_shift[0] = 20;
		op->params.eltwise.in_shift[1] = 20;
	}
	/* broadcast 1 walks one row per channel */
	run_case(b, name, n, broadcast == 1 ? C : 0);
	free(b);
}

static void test_eltwise(void)
{
	eltwise_case(ENPU_OP_ADD, 1u << 22, 1, 1, "add: 4M rows of 1");
	eltwise_case(ENPU_OP_MUL, 1u << 22, 1, 1, "mul: 4M rows of 1");
	eltwise_case(ENPU_OP_ADD, 1, 1u << 23, 0, "add: one 8M row");
	eltwise_case(ENPU_OP_MUL, 1, 1u << 23, 0, "mul: one 8M row");
}

/* --- data movement and tables -------------------------------------------- */

static void test_concat(void)
{
	const uint32_t rows = 1u << 22;
	struct tb *b = new_tb(2);
	uint32_t x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, rows, 1, 1, 1);
	uint32_t y = tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 2, rows, 2, 1, 1);
	struct enpu_op *op = op1(b, ENPU_OP_CONCAT, y, x, ENPU_NO_TENSOR,
				 ENPU_NO_TENSOR, 0);

	/* 4M moves of one byte each (the plain memcpy path) */
	op->params.concat = (struct enpu_op_concat){ .axis = 1, .offset = 1 };
	run_case(b, "concat: 4M one-byte moves", rows, rows);
	free(b);

	/* the same with requantization */
	b = new_tb(2);
	x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, rows, 1, 1, 1);
	y = tb_tensor(b, 1, ENPU_DTYPE_U8, 0, 2, rows, 2, 1, 1);
	op = op1(b, ENPU_OP_CONCAT, y, x, ENPU_NO_TENSOR, ENPU_NO_TENSOR, 1);
	op->params.concat = (struct enpu_op_concat){ .axis = 1, .offset = 0 };
	run_case(b, "concat: 4M requantized moves", rows, rows);
	free(b);
}

static void copy_case(uint32_t n, int requant, const char *name)
{
	struct tb *b = new_tb(2);
	/* [n / 4096, 4096]: a dimension is at most 2^24 */
	uint32_t x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, n >> 12, 4096, 1, 1);
	uint32_t y = tb_tensor(b, 1, requant ? ENPU_DTYPE_U8 : ENPU_DTYPE_S8,
			       0, 2, n >> 12, 4096, 1, 1);

	op1(b, ENPU_OP_COPY, y, x, ENPU_NO_TENSOR, ENPU_NO_TENSOR, requant);
	/* memcpy moves 8 bytes as fast as a multiply-accumulate */
	run_case(b, name, requant ? n : n / 8, 0);
	free(b);
}

static void test_copy(void)
{
	copy_case(1u << 25, 0, "copy: 32 MiB plain");
	copy_case(1u << 23, 1, "copy: 8M requantized");
}

static void softmax_case(uint32_t rows, uint32_t len, const char *name)
{
	struct tb *b = new_tb(2);
	uint32_t x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 2, rows, len, 1, 1);
	uint32_t t = tb_tensor(b, 0, ENPU_DTYPE_S32, 0, 1, 256, 1, 1, 1);
	uint32_t y = tb_tensor(b, 1, ENPU_DTYPE_U8, 0, 2, rows, len, 1, 1);
	unsigned long long n = (unsigned long long)rows * len;

	op1(b, ENPU_OP_SOFTMAX, y, x, t, ENPU_NO_TENSOR, 1);
	/* every output is a division: a fixed-cost piece */
	run_case(b, name, 2 * n, n + rows);
	free(b);
}

static void test_softmax(void)
{
	softmax_case(1, 1u << 22, "softmax: one 4M row");
	softmax_case(1u << 22, 1, "softmax: 4M rows of 1");
}

static void test_lut(void)
{
	const uint32_t n = 1u << 24;
	struct tb *b = new_tb(2);
	uint32_t x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 1, n, 1, 1, 1);
	uint32_t t = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 1, 256, 1, 1, 1);
	uint32_t y = tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 1, n, 1, 1, 1);
	struct enpu_op *op = op1(b, ENPU_OP_LUT, y, x, t, ENPU_NO_TENSOR, 0);

	run_case(b, "lut: 16M", n, 0);
	op->act_min = -5;	/* the clamping path */
	run_case(b, "lut: 16M clamped", n, 0);
	free(b);
}

/* --- the validator -------------------------------------------------------- */

#define V_TENSORS	65536u
#define V_OPS		65536u
#define V_QUANT		(1u << 20)
#define V_REC		256u		/* tensor and op record size */
#define V_HEADER	(16u << 20)	/* header with a 16 MiB zero tail */

/*
 * A valid 64 MiB command buffer: 64K one-element tensors, 64K requantizing
 * COPY ops, 1M quant entries.  @records receives the record count.
 */
static uint8_t *big_cmdbuf(size_t *size, unsigned long long *records)
{
	struct enpu_cmdbuf_header h;
	uint8_t *cb;
	uint32_t i;

	memset(&h, 0, sizeof(h));
	h.magic = ENPU_ISA_MAGIC;
	h.version_major = ENPU_ISA_VERSION_MAJOR;
	h.version_minor = ENPU_ISA_VERSION_MINOR;
	h.header_size = V_HEADER;
	h.num_slots = 1;
	h.tensor_offset = V_HEADER;
	h.tensor_size = V_REC;
	h.num_tensors = V_TENSORS;
	h.op_offset = h.tensor_offset + V_TENSORS * V_REC;
	h.op_size = V_REC;
	h.num_ops = V_OPS;
	h.quant_offset = h.op_offset + V_OPS * V_REC;
	h.quant_size = sizeof(struct enpu_quant);
	h.num_quant = V_QUANT;
	h.total_size = h.quant_offset + V_QUANT * sizeof(struct enpu_quant);
	*size = h.total_size;
	*records = (unsigned long long)V_TENSORS + V_OPS + V_QUANT;
	cb = calloc(1, *size);
	if (!cb)
		abort();
	memcpy(cb, &h, sizeof(h));
	for (i = 0; i < V_TENSORS; i++) {
		struct enpu_tensor t = { .slot = 0, .dtype = ENPU_DTYPE_S8,
			.rank = 1, .offset = i, .dims = { 1, 1, 1, 1 } };

		memcpy(cb + h.tensor_offset + (size_t)i * V_REC, &t, sizeof(t));
	}
	for (i = 0; i < V_OPS; i++) {
		struct enpu_op op = { .opcode = ENPU_OP_COPY,
			.in = { 2 * (i % (V_TENSORS / 2)), ENPU_NO_TENSOR,
				ENPU_NO_TENSOR },
			.out = 2 * (i % (V_TENSORS / 2)) + 1,
			.quant_index = i, .quant_count = 1,
			.act_min = -128, .act_max = 127 };

		memcpy(cb + h.op_offset + (size_t)i * V_REC, &op, sizeof(op));
	}
	for (i = 0; i < V_QUANT; i++) {
		struct enpu_quant q = { .multiplier = 1 << 30, .shift = 0 };

		memcpy(cb + h.quant_offset + (size_t)i * sizeof(q), &q,
		       sizeof(q));
	}
	return cb;
}

static void test_validator_yields(void)
{
	struct ystat y = { 0 };
	struct enpu_fw_hooks hooks = { .yield = on_yield, .ctx = &y };
	struct enpu_fw_status st = { 0, 0, NULL };
	__u64 sizes[1] = { V_TENSORS };
	unsigned long long records, want;
	long long t0;
	size_t size;
	uint8_t *cb = big_cmdbuf(&size, &records);
	int err;

	TAP_CHECK(size == ENPU_ISA_MAX_SIZE, "buffer is %zu bytes", size);
	/* at least every 512 KiB examined and every 2048 records */
	want = size / (512 << 10) + records / 2048;
	t0 = thread_ns();
	y.last = t0;
	err = enpu_fw_validate_hooked(cb, size, sizes, 1, &hooks, &st);
	gap(&y);
	printf("# validate 64 MiB: %llu yields (want >= %llu), longest gap %.3f ms, total %.2f ms\n",
	       y.calls, want, y.max_gap / 1e6, (y.last - t0) / 1e6);
	TAP_CHECK(err == 0, "64 MiB buffer rejected: %d (%s)", err, st.msg);
	TAP_CHECK(y.calls >= want, "%llu yields, want >= %llu", y.calls, want);
	if (!no_time_bound)
		TAP_CHECK(y.max_gap < gap_max_ns,
			  "%.1f ms of CPU time without a yield",
			  y.max_gap / 1e6);

	/* no hook: the same answer */
	TAP_CHECK(enpu_fw_validate(cb, size, sizes, 1, &st) == 0,
		  "without hooks: %s", st.msg);
	/* the hook's error aborts validation */
	memset(&y, 0, sizeof(y));
	y.fail_at = 3;
	err = enpu_fw_validate_hooked(cb, size, sizes, 1, &hooks, &st);
	TAP_CHECK(err == -ENPU_FW_ECANCELED && y.calls == 3,
		  "cancel: %d after %llu calls", err, y.calls);
	TAP_CHECK(st.msg && strstr(st.msg, "yield"), "cancel msg %s", st.msg);
	/* a bad record after the hook ran is still found */
	cb[size - 4] = 1;	/* last quant's reserved */
	err = enpu_fw_validate_hooked(cb, size, sizes, 1, NULL, &st);
	TAP_CHECK(err == -ENPU_FW_EINVAL, "bad last quant: %d", err);
	free(cb);
}

/*
 * enpu_fw_execute_validated() trusts its caller: slots whose sizes would
 * fail validation (here 0, over real, large enough buffers) still run,
 * while enpu_fw_execute() validates and refuses them.
 */
static void test_execute_validated(void)
{
	struct tb *b = new_tb(2);
	uint32_t x = tb_tensor(b, 0, ENPU_DTYPE_S8, 0, 1, 64, 1, 1, 1);
	uint32_t y = tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 1, 64, 1, 1, 1);
	struct enpu_fw_buf slots[TB_MAX_SLOTS];
	struct enpu_fw_status st = { 0, 0, NULL };
	__u64 sizes[2] = { b->slot_size[0], b->slot_size[1] };
	size_t size;
	uint8_t *cb;
	int i, err, bad = 0;

	op1(b, ENPU_OP_COPY, y, x, ENPU_NO_TENSOR, ENPU_NO_TENSOR, 0);
	cb = tb_build(b, &size);
	TAP_CHECK(enpu_fw_validate(cb, size, sizes, 2, &st) == 0, "%s", st.msg);
	tb_alloc_slots(b, slots, 9);
	slots[0].size = 0;
	slots[1].size = 0;
	err = enpu_fw_execute(cb, size, slots, 2, NULL, &st);
	TAP_CHECK(err == -ENPU_FW_EOVERFLOW, "execute with zero sizes: %d", err);
	memset((uint8_t *)slots[1].data + b->t[y].offset, 0, 64);
	err = enpu_fw_execute_validated(cb, slots, NULL, &st);
	TAP_CHECK(err == 0, "execute_validated: %d (%s)", err, st.msg);
	for (i = 0; i < 64; i++)
		bad += ((uint8_t *)slots[1].data)[b->t[y].offset + i] !=
		       ((uint8_t *)slots[0].data)[b->t[x].offset + i];
	TAP_CHECK(bad == 0, "%d bytes not copied", bad);
	TAP_CHECK(st.msg && !strcmp(st.msg, "ok"), "status %s", st.msg);
	tb_free_slots(b, slots);
	free(cb);
	free(b);
}

/* Valgrind runs code ~50x slower: keep the counts, drop the time bound. */
static int under_valgrind(void)
{
	const char *w = getenv("TEST_WRAP"), *p = getenv("LD_PRELOAD");
	const char *v = getenv("ENPU_VALGRIND");

	return (v && !strcmp(v, "1")) || (w && strstr(w, "valgrind")) ||
	       (p && strstr(p, "vgpreload"));
}

/*
 * The kernel cases once per kernel variant this machine runs (scalar first),
 * run as enpu.ko runs them (no parallel hook: a variant's chunks run in
 * order and must yield between them; simd hooks, which no yield may fall
 * between).  ENPU_TEST_KERNELS=NAME pins one.
 */
int main(void)
{
	const struct enpu_fw_kernels *vs[16];
	unsigned int v, nv = tb_variants(vs, 16);
	char name[128];

	no_time_bound = under_valgrind();
	if (no_time_bound)
		printf("# under valgrind: gap times not checked\n");
	if (getenv("ENPU_TEST_SLOWDOWN")) {
		long s = strtol(getenv("ENPU_TEST_SLOWDOWN"), NULL, 10);

		if (s > 1 && s <= 1000)
			gap_max_ns *= s;
		printf("# gap bound %.0f ms (ENPU_TEST_SLOWDOWN=%ld)\n", gap_max_ns / 1e6, s);
	}
	if (!nv) {
		tap_fail(__FILE__, __LINE__, "no kernel variant to run");
		return 1;
	}
	scratch = aligned_alloc(64, ENPU_FW_SCRATCH_SIZE);
	if (!scratch)
		abort();
	for (v = 0; v < nv; v++) {
		variant = vs[v];
#define RUN(what, fn) \
	do { \
		snprintf(name, sizeof(name), "%s [%s]", what, \
			 enpu_fw_kernels_name(variant)); \
		tap_run(name, fn); \
	} while (0)
		RUN("pooling yields in huge windows and tiny planes", test_pool);
		RUN("global_avgpool yields", test_global_avgpool);
		RUN("conv2d row and patch kernels yield", test_conv);
		RUN("fully_connected yields", test_fc);
		RUN("add/mul yield", test_eltwise);
		RUN("concat yields in one-byte moves", test_concat);
		RUN("copy yields", test_copy);
		RUN("softmax yields in long rows and many rows", test_softmax);
		RUN("lut yields", test_lut);
#undef RUN
	}
	variant = NULL;
	free(scratch);
	tap_run("validator yields over a 64 MiB buffer", test_validator_yields);
	tap_run("execute_validated does not validate again",
		test_execute_validated);
	return tap_done("test-yield");
}
