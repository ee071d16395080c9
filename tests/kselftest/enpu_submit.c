// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: SUBMIT and WAIT ioctls: a LUT job executed on the soft
 * engine and checked against the table computed here, every bad argument
 * with its errno, rejected command buffers, syncobjs, many jobs in flight.
 */
#include "enpu_test.h"
#include "kselftest_harness.h"

#define SEC	1000000000ll

FIXTURE(sub) {
	int fd;
	struct enpu_lut_job j;
};

FIXTURE_SETUP(sub)
{
	ENPU_OPEN_DEVICE(self->fd, return);
	ASSERT_EQ(0, enpu_lut_job_init(self->fd, &self->j, 1));
}

FIXTURE_TEARDOWN(sub)
{
	if (self->fd < 0)
		return;
	enpu_lut_job_unmap(&self->j);
	close(self->fd);
}

TEST_F(sub, lut_executes)
{
	int32_t status = 1;

	memset(self->j.out, 0x55, ENPU_T_BO_SIZE);
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &self->j.s));
	ASSERT_NE(0, self->j.s.job_id);
	ASSERT_EQ(0, enpu_wait(self->fd, self->j.s.job_id, 60 * SEC, &status));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, enpu_t_check(self->j.out, ENPU_T_N, 1));
	/* Bytes after the output are untouched. */
	EXPECT_EQ(0x55, (uint8_t)self->j.out[ENPU_T_N]);
	/* The id is reaped by the first successful WAIT. */
	EXPECT_EQ(-ENOENT, enpu_wait(self->fd, self->j.s.job_id, 0, NULL));
}

TEST_F(sub, cmdbuf_in_bo)
{
	uint32_t cbo;
	uint8_t *p;
	int32_t status = 1;

	ASSERT_EQ(0, enpu_bo_create(self->fd, 4096, &cbo));
	p = enpu_bo_map(self->fd, cbo, 4096);
	ASSERT_NE(NULL, p);
	memcpy(p + 1000, self->j.cb.bytes, sizeof(self->j.cb.bytes));
	self->j.s.cmdbuf_ptr = 0;
	self->j.s.flags = DRM_ENPU_SUBMIT_CMDBUF_BO;
	self->j.s.cmdbuf_handle = cbo;
	self->j.s.cmdbuf_offset = 1000;
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &self->j.s));
	ASSERT_EQ(0, enpu_wait(self->fd, self->j.s.job_id, 60 * SEC, &status));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, enpu_t_check(self->j.out, ENPU_T_N, 1));

	/* Reaching past the command-buffer BO. */
	self->j.s.job_id = 0;	/* output only; must be zero on input */
	self->j.s.cmdbuf_offset = 4096 - sizeof(self->j.cb.bytes) + 1;
	EXPECT_EQ(-EOVERFLOW, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &self->j.s));
	self->j.s.cmdbuf_offset = ~0ull;
	EXPECT_EQ(-EOVERFLOW, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &self->j.s));
	self->j.s.cmdbuf_offset = 0;
	self->j.s.cmdbuf_handle = 9999;
	EXPECT_EQ(-ENOENT, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &self->j.s));
	munmap(p, 4096);
	EXPECT_EQ(0, enpu_bo_close(self->fd, cbo));
}

TEST_F(sub, bad_args)
{
	struct drm_enpu_submit s;
	uint32_t bad_handles[2] = { self->j.bo[0], 4242 };

#define EXPECT_SUBMIT(err, field, value)				\
	do {								\
		s = self->j.s;						\
		s.field = value;					\
		EXPECT_EQ(err, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s)); \
	} while (0)

	EXPECT_SUBMIT(-EINVAL, flags, 0x80);
	EXPECT_SUBMIT(-EINVAL, priority, 3);
	EXPECT_SUBMIT(-EINVAL, bo_handle_size, 8);
	EXPECT_SUBMIT(-EINVAL, bo_handle_size, 0);
	EXPECT_SUBMIT(-EINVAL, bo_count, 0);
	EXPECT_SUBMIT(-EINVAL, bo_count, ENPU_ISA_MAX_SLOTS + 1);
	EXPECT_SUBMIT(-EINVAL, cmdbuf_size, 71);
	EXPECT_SUBMIT(-EINVAL, cmdbuf_size, ENPU_ISA_MAX_SIZE + 1);
	EXPECT_SUBMIT(-EINVAL, cmdbuf_handle, self->j.bo[0]);
	EXPECT_SUBMIT(-EINVAL, cmdbuf_offset, 8);
	EXPECT_SUBMIT(-EFAULT, cmdbuf_ptr, 8);
	EXPECT_SUBMIT(-EFAULT, bo_handles, 8);
	EXPECT_SUBMIT(-ENOENT, bo_handles, (uintptr_t)bad_handles);
	EXPECT_SUBMIT(-ENOENT, out_syncobj, 777);
	EXPECT_SUBMIT(-ENOENT, in_syncobj, 777);
	/* Slot count differs from the command buffer's num_slots. */
	EXPECT_SUBMIT(-EINVAL, bo_count, 1);
	/* CMDBUF_BO with a user pointer as well. */
	s = self->j.s;
	s.flags = DRM_ENPU_SUBMIT_CMDBUF_BO;
	s.cmdbuf_handle = self->j.bo[0];
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
#undef EXPECT_SUBMIT
}

TEST_F(sub, rejected_cmdbufs)
{
	struct enpu_lut_cmdbuf cb;
	struct enpu_tensor t;
	struct drm_enpu_submit s = self->j.s;
	uint32_t magic = 0x12345678;

	s.cmdbuf_ptr = (uintptr_t)cb.bytes;

	/* Output tensor reaching past the end of its BO. */
	enpu_build_lut(&cb, ENPU_T_N, ENPU_T_BO_SIZE - ENPU_T_N / 2);
	EXPECT_EQ(-EOVERFLOW, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));

	/* Input tensor offset far past its BO (overflow-prone value). */
	enpu_build_lut(&cb, ENPU_T_N, 0);
	memcpy(&t, cb.bytes + 72, sizeof(t));
	t.offset = ~0ull - 10;
	memcpy(cb.bytes + 72, &t, sizeof(t));
	EXPECT_EQ(-EOVERFLOW, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));

	/* Bad magic. */
	enpu_build_lut(&cb, ENPU_T_N, 0);
	memcpy(cb.bytes, &magic, sizeof(magic));
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));

	/* Unknown opcode. */
	enpu_build_lut(&cb, ENPU_T_N, 0);
	cb.bytes[72 + 3 * 48] = 200;
	EXPECT_EQ(-EOPNOTSUPP, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));

	/* Truncated: total_size larger than what was passed. */
	enpu_build_lut(&cb, ENPU_T_N, 0);
	s.cmdbuf_size = sizeof(cb.bytes) - 8;
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));

	/* Nothing ran: the output BO is still zero. */
	EXPECT_EQ(0, self->j.out[0] | self->j.out[ENPU_T_N - 1]);
}

TEST_F(sub, wait_bad_args)
{
	struct drm_enpu_wait w = { 0 };

	w.job_id = 123456;
	EXPECT_EQ(-ENOENT, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_WAIT, &w));
	w.job_id = 0;
	EXPECT_EQ(-ENOENT, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_WAIT, &w));
	w.flags = 0x10;
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_WAIT, &w));
	w.flags = 0;
	w.pad = 1;
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_WAIT, &w));
	w.pad = 0;
	w.handle = self->j.bo[0];
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_WAIT, &w));
	w.flags = DRM_ENPU_WAIT_BO;
	w.job_id = 1;
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_WAIT, &w));
	w.job_id = 0;
	w.handle = 4242;
	EXPECT_EQ(-ENOENT, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_WAIT, &w));
}

TEST_F(sub, wait_bo_and_syncobj)
{
	struct drm_syncobj_create sc = { 0 };
	struct drm_syncobj_wait sw = { 0 };
	struct drm_syncobj_destroy sd = { 0 };
	struct drm_enpu_wait w = { 0 };

	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc));
	self->j.s.out_syncobj = sc.handle;
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &self->j.s));

	sw.handles = (uintptr_t)&sc.handle;
	sw.count_handles = 1;
	sw.timeout_nsec = enpu_now_ns() + 60 * SEC;
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_SYNCOBJ_WAIT, &sw));
	EXPECT_EQ(0, enpu_t_check(self->j.out, ENPU_T_N, 1));

	/* A second job waits for the syncobj, then WAIT on its output BO. */
	enpu_t_fill(self->j.in, ENPU_T_N, 2);
	self->j.s.out_syncobj = 0;
	self->j.s.in_syncobj = sc.handle;
	self->j.s.job_id = 0;
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &self->j.s));
	w.flags = DRM_ENPU_WAIT_BO;
	w.handle = self->j.bo[1];
	w.timeout_ns = enpu_now_ns() + 60 * SEC;
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_WAIT, &w));
	EXPECT_EQ(0, enpu_t_check(self->j.out, ENPU_T_N, 2));
	ASSERT_EQ(0, enpu_wait(self->fd, self->j.s.job_id, 60 * SEC, NULL));

	sd.handle = sc.handle;
	EXPECT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &sd));
}

TEST_F(sub, priorities)
{
	uint32_t prio;
	int32_t status;

	for (prio = 0; prio < 3; prio++) {
		enpu_t_fill(self->j.in, ENPU_T_N, 10 + prio);
		self->j.s.priority = prio;
		self->j.s.job_id = 0;
		ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT,
					&self->j.s));
		status = 1;
		ASSERT_EQ(0, enpu_wait(self->fd, self->j.s.job_id, 60 * SEC,
				       &status));
		EXPECT_EQ(0, status);
		EXPECT_EQ(0, enpu_t_check(self->j.out, ENPU_T_N, 10 + prio));
	}
}

/*
 * 1000 jobs in flight at once: all held back by a gate (an in-syncobj no
 * job signals) until debugfs shows every one of them queued, then each
 * writes its own distinct output region, all checked.
 */
TEST_F(sub, many_jobs)
{
	enum { JOBS = 1000 };
	const char *dbg = enpu_debugfs_dir("jobs");
	static uint64_t ids[JOBS];
	struct enpu_gate gate;
	struct enpu_many m;
	uint32_t sync;
	long jobs0;
	int i, ret, failed = 0;
	int32_t status;

	ENPU_REQUIRE(dbg, return, "debugfs for the device not found");
	ret = enpu_gate_init(&gate);
	ENPU_REQUIRE(ret != -ENODEV, return, "no vgem device for the gate");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, enpu_gate_syncobj(self->fd, &gate, &sync));
	ASSERT_EQ(0, enpu_many_init(self->fd, &m, JOBS, sync));
	jobs0 = enpu_debugfs_settle(dbg, "jobs", 0);
	ASSERT_LE(0, jobs0);

	for (i = 0; i < JOBS; i++) {
		ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT,
					&m.s[i]));
		ids[i] = m.s[i].job_id;
	}
	/* All queued at once: none can have run with the gate closed. */
	EXPECT_EQ(jobs0 + JOBS, enpu_debugfs_read(dbg, "jobs", NULL));
	EXPECT_EQ(JOBS, enpu_many_check(&m));
	/* 0, not -ETIMEDOUT: the gate was still closed until now. */
	ASSERT_EQ(0, enpu_gate_open(&gate));

	for (i = 0; i < JOBS; i++) {
		status = 1;
		ASSERT_EQ(0, enpu_wait(self->fd, ids[i], 300 * SEC, &status));
		failed += status != 0;
	}
	EXPECT_EQ(0, failed);
	EXPECT_EQ(0, enpu_many_check(&m));
	EXPECT_EQ(jobs0, enpu_debugfs_settle(dbg, "jobs", jobs0));
	enpu_many_fini(&m);
	enpu_gate_fini(&gate);
}

/* Closing the file with jobs queued must neither hang nor leak. */
TEST_F(sub, close_with_jobs_in_flight)
{
	int fd2, i;
	uint32_t h[2];

	fd2 = enpu_open_device();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, enpu_bo_create(fd2, ENPU_T_BO_SIZE, &h[0]));
	ASSERT_EQ(0, enpu_bo_create(fd2, ENPU_T_BO_SIZE, &h[1]));
	self->j.s.bo_handles = (uintptr_t)h;
	for (i = 0; i < 200; i++) {
		self->j.s.job_id = 0;
		ASSERT_EQ(0, enpu_ioctl(fd2, DRM_IOCTL_ENPU_SUBMIT,
					&self->j.s));
	}
	EXPECT_EQ(0, close(fd2));
}

TEST_HARNESS_MAIN
