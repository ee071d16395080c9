// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: long jobs of shapes whose kernels used to run without
 * calling the firmware's yield hook (the only place the soft engine
 * reschedules and checks the deadline) fail with -ETIMEDOUT close to the
 * job timeout instead of holding a CPU for tens of seconds (soft lockup,
 * which the VM harness fails on as a "BUG:" in dmesg):
 *
 *  - AVGPOOL with 64x64 windows over one 1M-wide output row (64 MiB input;
 *    the pooling kernel ticked once per output row);
 *  - CONCAT made of 128M one-byte moves (each move ticked n / 8 = 0);
 *  - CONV2D whose single 64-column row tile sums 4096 channels of 64x64
 *    taps, 1G multiply-accumulates (the row kernel ticked once per tile).
 *
 * Each op is repeated so the job outlasts the timeout on any CPU.  Needs
 * the module loaded with timeout_ms <= 2000 (the kernel suite does).
 */
#include "enpu_test.h"
#include "kselftest_harness.h"

#define SEC		1000000000ll
#define MAX_TENSORS	4

/* A command buffer of one operation repeated @nops times. */
struct yjob {
	struct enpu_tensor t[MAX_TENSORS];
	uint32_t nt;
	struct enpu_op op;
	uint32_t nops;
	int quant;		/* one entry: multiplier 2^30, shift 12 */
	uint64_t bo_size[MAX_TENSORS];	/* slot i holds tensor i */
};

static void yj_tensor(struct yjob *j, uint8_t dtype, uint32_t rank,
		      uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3)
{
	struct enpu_tensor *t = &j->t[j->nt];

	memset(t, 0, sizeof(*t));
	t->slot = j->nt;
	t->dtype = dtype;
	t->rank = rank;
	t->dims[0] = d0;
	t->dims[1] = d1;
	t->dims[2] = d2;
	t->dims[3] = d3;
	j->bo_size[j->nt] = (uint64_t)d0 * d1 * d2 * d3;
	j->nt++;
}

/* Serialize: header, tensors, ops, quant.  malloc()ed. */
static uint8_t *yj_build(const struct yjob *j, uint32_t *size)
{
	struct enpu_cmdbuf_header h;
	struct enpu_quant q;
	uint8_t *cb;
	uint32_t i;

	memset(&h, 0, sizeof(h));
	h.magic = ENPU_ISA_MAGIC;
	h.version_major = ENPU_ISA_VERSION_MAJOR;
	h.version_minor = ENPU_ISA_VERSION_MINOR;
	h.header_size = sizeof(h);
	h.num_slots = j->nt;
	h.tensor_offset = sizeof(h);
	h.tensor_size = sizeof(struct enpu_tensor);
	h.num_tensors = j->nt;
	h.op_offset = h.tensor_offset + j->nt * sizeof(struct enpu_tensor);
	h.op_size = sizeof(struct enpu_op);
	h.num_ops = j->nops;
	h.quant_offset = h.op_offset + j->nops * sizeof(struct enpu_op);
	h.quant_size = sizeof(struct enpu_quant);
	h.num_quant = j->quant ? 1 : 0;
	h.total_size = h.quant_offset + h.num_quant * sizeof(q);
	cb = calloc(1, h.total_size);
	if (!cb)
		return NULL;
	memcpy(cb, &h, sizeof(h));
	memcpy(cb + h.tensor_offset, j->t, j->nt * sizeof(struct enpu_tensor));
	for (i = 0; i < j->nops; i++)
		memcpy(cb + h.op_offset + i * sizeof(j->op), &j->op,
		       sizeof(j->op));
	if (j->quant) {
		memset(&q, 0, sizeof(q));
		q.multiplier = 1 << 30;
		q.shift = 12;
		memcpy(cb + h.quant_offset, &q, sizeof(q));
	}
	*size = h.total_size;
	return cb;
}

/* The op: in[0] = tensor 0, in[1] = tensor 1 or none, out = last tensor. */
static void yj_op(struct yjob *j, uint32_t opcode, int two_inputs,
		  uint32_t nops)
{
	memset(&j->op, 0, sizeof(j->op));
	j->op.opcode = opcode;
	j->op.in[0] = 0;
	j->op.in[1] = two_inputs ? 1 : ENPU_NO_TENSOR;
	j->op.in[2] = ENPU_NO_TENSOR;
	j->op.out = j->nt - 1;
	j->op.act_min = -128;
	j->op.act_max = 127;
	j->op.quant_count = j->quant ? 1 : 0;
	j->nops = nops;
}

/*
 * Submit @j on a fresh file (a timed-out context is banned) and expect
 * -ETIMEDOUT within a generous bound of the module's job timeout.
 */
static void expect_times_out(struct __test_metadata *_metadata,
			     const struct yjob *j)
{
	struct drm_enpu_get_param p = { .param = DRM_ENPU_PARAM_JOB_TIMEOUT_MS };
	struct drm_enpu_submit s;
	uint32_t bo[MAX_TENSORS], size = 0, i;
	int64_t t0, elapsed, bound;
	int32_t status = 0;
	uint8_t *cb;
	int fd;

	ENPU_OPEN_DEVICE(fd, return);
	ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_GET_PARAM, &p));
	ASSERT_LE(p.value, 2000) {
		TH_LOG("job timeout %llu ms: load enpu with timeout_ms<=2000",
		       (unsigned long long)p.value);
	}
	for (i = 0; i < j->nt; i++)
		ASSERT_EQ(0, enpu_bo_create(fd, j->bo_size[i], &bo[i]));
	cb = yj_build(j, &size);
	ASSERT_NE(NULL, cb);
	memset(&s, 0, sizeof(s));
	s.cmdbuf_ptr = (uintptr_t)cb;
	s.cmdbuf_size = size;
	s.bo_handles = (uintptr_t)bo;
	s.bo_count = j->nt;
	s.bo_handle_size = sizeof(uint32_t);
	ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	t0 = enpu_now_ns();
	ASSERT_EQ(0, enpu_wait(fd, s.job_id, 300 * SEC, &status));
	elapsed = enpu_now_ns() - t0;
	bound = 3 * (int64_t)p.value * 1000000 + 5 * SEC;
	TH_LOG("opcode %u x %u: status %d after %lld ms (timeout %llu ms)",
	       j->op.opcode, j->nops, status,
	       (long long)(elapsed / 1000000), (unsigned long long)p.value);
	EXPECT_EQ(-ETIMEDOUT, status);
	EXPECT_LT(elapsed, bound);
	free(cb);
	close(fd);
}

TEST(avgpool_huge_windows_times_out)
{
	struct yjob j = { .quant = 1 };
	const uint32_t ow = 1u << 20;

	/* [1,1,64,ow+63] -> [1,1,1,ow]: every output a 64x64 window */
	yj_tensor(&j, ENPU_DTYPE_S8, 4, 1, 1, 64, ow + 63);
	yj_tensor(&j, ENPU_DTYPE_S8, 4, 1, 1, 1, ow);
	yj_op(&j, ENPU_OP_AVGPOOL, 0, 16);
	j.op.params.pool.kernel_h = 64;
	j.op.params.pool.kernel_w = 64;
	j.op.params.pool.stride_h = 1;
	j.op.params.pool.stride_w = 1;
	expect_times_out(_metadata, &j);
}

TEST(concat_one_byte_moves_times_out)
{
	struct yjob j = { .quant = 0 };

	/* concatenation along the last axis of extent 1: 128M one-byte moves */
	yj_tensor(&j, ENPU_DTYPE_S8, 3, 1u << 14, 1u << 13, 1, 1);
	yj_tensor(&j, ENPU_DTYPE_S8, 3, 1u << 14, 1u << 13, 1, 1);
	yj_op(&j, ENPU_OP_CONCAT, 0, 32);
	j.op.params.concat.axis = 2;
	expect_times_out(_metadata, &j);
}

TEST(conv_row_tile_times_out)
{
	struct yjob j = { .quant = 1 };

	/* [1,4096,64,127] * [1,4096,64,64] -> [1,1,1,64]: one row tile */
	yj_tensor(&j, ENPU_DTYPE_S8, 4, 1, 4096, 64, 127);
	yj_tensor(&j, ENPU_DTYPE_S8, 4, 1, 4096, 64, 64);
	yj_tensor(&j, ENPU_DTYPE_S8, 4, 1, 1, 1, 64);
	yj_op(&j, ENPU_OP_CONV2D, 1, 32);
	j.op.params.conv.stride_h = 1;
	j.op.params.conv.stride_w = 1;
	j.op.params.conv.dilation_h = 1;
	j.op.params.conv.dilation_w = 1;
	j.op.params.conv.groups = 1;
	expect_times_out(_metadata, &j);
}

TEST_HARNESS_MAIN
