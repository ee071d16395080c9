// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: SUBMIT through io_uring (IORING_OP_URING_CMD, SQE128):
 * results in the CQE, rejected command buffers, 1000 SQEs submitted with
 * one io_uring_enter, ring teardown with jobs in flight.
 */
#include <liburing.h>

#include "enpu_test.h"
#include "enpu_uring_test.h"
#include "kselftest_harness.h"

FIXTURE(ur) {
	int fd;
	struct enpu_lut_job j;
	struct io_uring ring;
	int have_ring;
};

FIXTURE_SETUP(ur)
{
	int ret;

	self->have_ring = 0;
	ENPU_OPEN_DEVICE(self->fd, return);
	ASSERT_EQ(0, enpu_lut_job_init(self->fd, &self->j, 7));
	ret = io_uring_queue_init(1024, &self->ring, IORING_SETUP_SQE128);
	ENPU_REQUIRE(!ret, return, "io_uring with SQE128 unavailable: %d", ret);
	self->have_ring = 1;
}

FIXTURE_TEARDOWN(ur)
{
	if (self->have_ring)
		io_uring_queue_exit(&self->ring);
	if (self->fd < 0)
		return;
	enpu_lut_job_unmap(&self->j);
	close(self->fd);
}

TEST_F(ur, lut_executes)
{
	memset(self->j.out, 0x33, ENPU_T_BO_SIZE);
	ASSERT_EQ(0, enpu_uring_one(&self->ring, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
			 &self->j.s));
	EXPECT_EQ(0, enpu_t_check(self->j.out, ENPU_T_N, 7));
	EXPECT_EQ(0x33, (uint8_t)self->j.out[ENPU_T_N]);
}

TEST_F(ur, errors_in_cqe)
{
	struct enpu_lut_cmdbuf cb;
	struct drm_enpu_submit s = self->j.s;

	/* Tensor past the end of its BO. */
	enpu_build_lut(&cb, ENPU_T_N, ENPU_T_BO_SIZE - 1);
	s.cmdbuf_ptr = (uintptr_t)cb.bytes;
	EXPECT_EQ(-EOVERFLOW, enpu_uring_one(&self->ring, self->fd,
				  DRM_ENPU_URING_CMD_SUBMIT, &s));
	/* Bad arguments, as for the ioctl. */
	s = self->j.s;
	s.flags = 0x100;
	EXPECT_EQ(-EINVAL, enpu_uring_one(&self->ring, self->fd,
			       DRM_ENPU_URING_CMD_SUBMIT, &s));
	s = self->j.s;
	s.job_id = 1;
	EXPECT_EQ(-EINVAL, enpu_uring_one(&self->ring, self->fd,
			       DRM_ENPU_URING_CMD_SUBMIT, &s));
	s = self->j.s;
	s.bo_count = 0;
	EXPECT_EQ(-EINVAL, enpu_uring_one(&self->ring, self->fd,
			       DRM_ENPU_URING_CMD_SUBMIT, &s));
	/* Unknown command. */
	EXPECT_EQ(-EINVAL, enpu_uring_one(&self->ring, self->fd, 0x77, &self->j.s));
}

TEST_F(ur, needs_sqe128)
{
	struct io_uring small;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;

	ASSERT_EQ(0, io_uring_queue_init(8, &small, 0));
	sqe = io_uring_get_sqe(&small);
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, self->fd, NULL, 0, 0);
	sqe->cmd_op = DRM_ENPU_URING_CMD_SUBMIT;
	ASSERT_EQ(1, io_uring_submit(&small));
	ASSERT_EQ(0, io_uring_wait_cqe(&small, &cqe));
	EXPECT_EQ(-EINVAL, cqe->res);
	io_uring_cqe_seen(&small, cqe);
	io_uring_queue_exit(&small);
}

/*
 * 1000 SQEs, one io_uring_enter, each becomes a job with its own CQE: all
 * held back by a gate (an in-syncobj no job signals) until debugfs shows
 * every one queued, then each writes its own distinct output region.
 */
TEST_F(ur, thousand_in_flight)
{
	enum { JOBS = 1000 };
	const char *dbg = enpu_debugfs_dir("jobs");
	static uint8_t seen[JOBS];
	struct io_uring_cqe *cqe;
	struct enpu_gate gate;
	struct enpu_many m;
	uint32_t sync;
	long jobs0;
	int i, ret, bad = 0, dup = 0;

	ENPU_REQUIRE(dbg, return, "debugfs for the device not found");
	ret = enpu_gate_init(&gate);
	ENPU_REQUIRE(ret != -ENODEV, return, "no vgem device for the gate");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, enpu_gate_syncobj(self->fd, &gate, &sync));
	ASSERT_EQ(0, enpu_many_init(self->fd, &m, JOBS, sync));
	jobs0 = enpu_debugfs_settle(dbg, "jobs", 0);
	ASSERT_LE(0, jobs0);

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < JOBS; i++)
		enpu_prep_uring_cmd(&self->ring, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
			    &m.s[i], i);
	ASSERT_EQ(JOBS, io_uring_submit(&self->ring));
	/* A rejected SQE would have its CQE now; a queued one cannot. */
	EXPECT_EQ(0, io_uring_cq_ready(&self->ring));
	/* All queued at once: none can have run with the gate closed. */
	EXPECT_EQ(jobs0 + JOBS, enpu_debugfs_read(dbg, "jobs", NULL));
	EXPECT_EQ(JOBS, enpu_many_check(&m));
	/* 0, not -ETIMEDOUT: the gate was still closed until now. */
	ASSERT_EQ(0, enpu_gate_open(&gate));

	for (i = 0; i < JOBS; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&self->ring, &cqe));
		if (cqe->res != 0)
			bad++;
		if (cqe->user_data >= JOBS || seen[cqe->user_data]++)
			dup++;
		io_uring_cqe_seen(&self->ring, cqe);
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, enpu_many_check(&m));
	EXPECT_EQ(jobs0, enpu_debugfs_settle(dbg, "jobs", jobs0));
	enpu_many_fini(&m);
	enpu_gate_fini(&gate);
}

/* Tearing the ring down with commands in flight cancels or completes them. */
TEST_F(ur, teardown_in_flight)
{
	int i;

	for (i = 0; i < 500; i++)
		enpu_prep_uring_cmd(&self->ring, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
			    &self->j.s, i);
	ASSERT_EQ(500, io_uring_submit(&self->ring));
	io_uring_queue_exit(&self->ring);
	self->have_ring = 0;
	/* The device still works afterwards. */
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &self->j.s));
	ASSERT_EQ(0, enpu_wait(self->fd, self->j.s.job_id, 60000000000ll,
			       NULL));
	EXPECT_EQ(0, enpu_t_check(self->j.out, ENPU_T_N, 7));
}

/*
 * An SQPOLL ring: the kernel's SQ thread, not the submitter, issues the
 * URING_CMDs (reading the command buffer and handle array from the
 * submitter's memory) and runs the completion task work.
 */
TEST_F(ur, sqpoll)
{
	enum { JOBS = 200, BAD = 77 };
	struct io_uring_params p = {
		.flags = IORING_SETUP_SQPOLL | IORING_SETUP_SQE128,
		.sq_thread_idle = 1000,
	};
	struct drm_enpu_submit bad_s = self->j.s;
	static uint8_t seen[JOBS];
	struct enpu_lut_cmdbuf bad_cb;
	struct io_uring_cqe *cqe;
	struct io_uring sq;
	int i, ret, bad = 0, dup = 0;

	ret = io_uring_queue_init_params(JOBS, &sq, &p);
	ENPU_REQUIRE(ret != -EPERM && ret != -EINVAL, return,
		     "SQPOLL ring not available: %d", ret);
	ASSERT_EQ(0, ret);

	/* A tensor past the end of its BO: rejected in the CQE. */
	enpu_build_lut(&bad_cb, ENPU_T_N, ENPU_T_BO_SIZE - 1);
	bad_s.cmdbuf_ptr = (uintptr_t)bad_cb.bytes;
	memset(seen, 0, sizeof(seen));
	memset(self->j.out, 0x11, ENPU_T_BO_SIZE);
	for (i = 0; i < JOBS; i++)
		enpu_prep_uring_cmd(&sq, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
			    i == BAD ? &bad_s : &self->j.s, i);
	ASSERT_EQ(JOBS, io_uring_submit(&sq));
	for (i = 0; i < JOBS; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&sq, &cqe));
		if (cqe->user_data >= JOBS || seen[cqe->user_data]++) {
			dup++;
		} else if (cqe->user_data == BAD) {
			EXPECT_EQ(-EOVERFLOW, cqe->res);
		} else if (cqe->res != 0) {
			bad++;
		}
		io_uring_cqe_seen(&sq, cqe);
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, enpu_t_check(self->j.out, ENPU_T_N, 7));
	EXPECT_EQ(0x11, (uint8_t)self->j.out[ENPU_T_N]);

	/* Tear the SQPOLL ring down with commands in flight. */
	for (i = 0; i < JOBS; i++)
		enpu_prep_uring_cmd(&sq, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
			    &self->j.s, i);
	ASSERT_EQ(JOBS, io_uring_submit(&sq));
	io_uring_queue_exit(&sq);
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &self->j.s));
	ASSERT_EQ(0, enpu_wait(self->fd, self->j.s.job_id, 60000000000ll,
			       NULL));
	EXPECT_EQ(0, enpu_t_check(self->j.out, ENPU_T_N, 7));
}

TEST_HARNESS_MAIN
