// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: a job that runs past the job timeout fails with
 * -ETIMEDOUT, its context is banned (-ECANCELED, DRM reset guidelines) and
 * other clients carry on.  Needs the module loaded with timeout_ms <= 2000;
 * the job is a fully-connected layer of 2^32 multiply-accumulates, far
 * beyond that on any CPU, let alone under TCG.
 */
#include "enpu_test.h"
#include "kselftest_harness.h"

#define SEC	1000000000ll
#define FC_M	256
#define FC_K	4096
#define FC_N	4096
#define FC_CB_SIZE	(72 + 3 * 48 + 96 + 16)

static void build_fc(uint8_t *cb)
{
	struct enpu_cmdbuf_header h;
	struct enpu_tensor t[3];
	struct enpu_op op;
	struct enpu_quant q;
	int i;

	memset(cb, 0, FC_CB_SIZE);
	memset(&h, 0, sizeof(h));
	h.magic = ENPU_ISA_MAGIC;
	h.version_major = ENPU_ISA_VERSION_MAJOR;
	h.version_minor = ENPU_ISA_VERSION_MINOR;
	h.header_size = sizeof(h);
	h.total_size = FC_CB_SIZE;
	h.num_slots = 3;
	h.tensor_offset = 72;
	h.tensor_size = sizeof(struct enpu_tensor);
	h.num_tensors = 3;
	h.op_offset = 72 + 3 * 48;
	h.op_size = sizeof(struct enpu_op);
	h.num_ops = 1;
	h.quant_offset = 72 + 3 * 48 + 96;
	h.quant_size = sizeof(struct enpu_quant);
	h.num_quant = 1;
	memcpy(cb, &h, sizeof(h));

	memset(t, 0, sizeof(t));
	for (i = 0; i < 3; i++) {
		t[i].slot = i;
		t[i].dtype = ENPU_DTYPE_S8;
		t[i].rank = 2;
		t[i].dims[2] = t[i].dims[3] = 1;
	}
	t[0].dims[0] = FC_M;
	t[0].dims[1] = FC_K;
	t[1].dims[0] = FC_K;
	t[1].dims[1] = FC_N;
	t[2].dims[0] = FC_M;
	t[2].dims[1] = FC_N;
	memcpy(cb + h.tensor_offset, t, sizeof(t));

	memset(&op, 0, sizeof(op));
	op.opcode = ENPU_OP_FULLY_CONNECTED;
	op.in[0] = 0;
	op.in[1] = 1;
	op.in[2] = ENPU_NO_TENSOR;
	op.out = 2;
	op.quant_index = 0;
	op.quant_count = 1;
	op.act_min = -128;
	op.act_max = 127;
	memcpy(cb + h.op_offset, &op, sizeof(op));

	memset(&q, 0, sizeof(q));
	q.multiplier = 1 << 30;
	q.shift = 8;
	memcpy(cb + h.quant_offset, &q, sizeof(q));
}

TEST(hung_job_times_out_and_bans_context)
{
	struct drm_enpu_get_param p = { .param = DRM_ENPU_PARAM_JOB_TIMEOUT_MS };
	static uint8_t cb[FC_CB_SIZE];
	struct drm_enpu_submit s;
	struct enpu_lut_cmdbuf lut;
	uint32_t bo[3], lbo[2];
	int32_t status = 0;
	int8_t *in, *out;
	int fd, other;

	fd = enpu_open_device();
	if (fd < 0)
		SKIP(return, "no enpu accel device (module not loaded?)");
	ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_GET_PARAM, &p));
	if (p.value > 2000)
		SKIP(return, "job timeout %llu ms: load enpu with timeout_ms<=2000",
		     (unsigned long long)p.value);

	ASSERT_EQ(0, enpu_bo_create(fd, FC_M * FC_K, &bo[0]));
	ASSERT_EQ(0, enpu_bo_create(fd, FC_K * FC_N, &bo[1]));
	ASSERT_EQ(0, enpu_bo_create(fd, FC_M * FC_N, &bo[2]));
	build_fc(cb);
	memset(&s, 0, sizeof(s));
	s.cmdbuf_ptr = (uintptr_t)cb;
	s.cmdbuf_size = FC_CB_SIZE;
	s.bo_handles = (uintptr_t)bo;
	s.bo_count = 3;
	s.bo_handle_size = sizeof(uint32_t);
	ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	ASSERT_EQ(0, enpu_wait(fd, s.job_id, 300 * SEC, &status));
	EXPECT_EQ(-ETIMEDOUT, status);

	/* The guilty context is banned ... */
	ASSERT_EQ(0, enpu_bo_create(fd, ENPU_T_BO_SIZE, &lbo[0]));
	ASSERT_EQ(0, enpu_bo_create(fd, ENPU_T_BO_SIZE, &lbo[1]));
	enpu_build_lut(&lut, ENPU_T_N, 0);
	enpu_t_submit_args(&s, &lut, lbo);
	EXPECT_EQ(-ECANCELED, enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	close(fd);

	/* ... while a new one works. */
	other = enpu_open_device();
	ASSERT_LE(0, other);
	ASSERT_EQ(0, enpu_bo_create(other, ENPU_T_BO_SIZE, &lbo[0]));
	ASSERT_EQ(0, enpu_bo_create(other, ENPU_T_BO_SIZE, &lbo[1]));
	in = enpu_bo_map(other, lbo[0], ENPU_T_BO_SIZE);
	out = enpu_bo_map(other, lbo[1], ENPU_T_BO_SIZE);
	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, out);
	enpu_t_fill(in, ENPU_T_N, 77);
	ASSERT_EQ(0, enpu_ioctl(other, DRM_IOCTL_ENPU_SUBMIT, &s));
	status = 1;
	ASSERT_EQ(0, enpu_wait(other, s.job_id, 60 * SEC, &status));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, enpu_t_check(out, ENPU_T_N, 77));
	munmap(in, ENPU_T_BO_SIZE);
	munmap(out, ENPU_T_BO_SIZE);
	close(other);
}

TEST_HARNESS_MAIN
