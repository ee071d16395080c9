// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: forced engine reset through debugfs and WAIT deadlines.
 *
 * What the driver does (enpu_soft.c, enpu_debugfs.c): a write to
 * <debugfs>/accel/<dev>/reset aborts every job *executing* at that moment;
 * each fails with -EIO (its fence carries the error, WAIT's job_status and
 * a URING_CMD's CQE report it).  Jobs still queued are not touched and run
 * normally afterwards; nothing is re-run.  A forced reset bans no context
 * (only a job that hung does): both files keep submitting.
 *
 * WAIT with a deadline already passed polls: -ETIME (the uapi's errno, not
 * -ETIMEDOUT, which is a job's status after it hung) while the job or BO is
 * busy, 0 once idle.
 */
#include "enpu_test.h"
#include "kselftest_harness.h"

#define SEC	1000000000ll

/* 2^32 multiply-accumulates: runs into the job timeout unless reset. */
#define LONG_M	256
#define LONG_K	4096
#define LONG_N	4096
#define QUEUED	3	/* short jobs queued per file behind the long one */

static int force_reset(const char *dir)
{
	char path[320];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/reset", dir);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, "1\n", 2) == 2 ? 0 : -errno;
	close(fd);
	return ret;
}

static int wait_bo(int fd, uint32_t handle, int64_t abs_ns)
{
	struct drm_enpu_wait w = {
		.handle = handle,
		.flags = DRM_ENPU_WAIT_BO,
		.timeout_ns = abs_ns,
	};

	return enpu_ioctl(fd, DRM_IOCTL_ENPU_WAIT, &w);
}

/* One file: a long job on its own BOs plus QUEUED LUT jobs behind it. */
struct client {
	int fd;
	uint32_t long_bo[3];
	uint64_t long_id;
	struct enpu_lut_job q[QUEUED];
	uint64_t q_id[QUEUED];
};

static int client_init(struct client *c)
{
	int i;

	c->fd = enpu_open_device();
	if (c->fd < 0)
		return -ENODEV;
	if (enpu_fc_bos(c->fd, LONG_M, LONG_K, LONG_N, c->long_bo))
		return -ENOMEM;
	for (i = 0; i < QUEUED; i++)
		if (enpu_lut_job_init(c->fd, &c->q[i], 40 + i))
			return -ENOMEM;
	return 0;
}

static void client_fini(struct client *c)
{
	int i;

	for (i = 0; i < QUEUED; i++)
		enpu_lut_job_unmap(&c->q[i]);
	close(c->fd);
}

FIXTURE(reset) {
	const char *dbg;
	struct client c[2];
	uint8_t long_cb[ENPU_FC_CB_SIZE];
};

FIXTURE_SETUP(reset)
{
	struct drm_enpu_get_param p = { .param = DRM_ENPU_PARAM_JOB_TIMEOUT_MS };
	int fd = enpu_open_device();

	self->c[0].fd = self->c[1].fd = -1;
	ENPU_REQUIRE(fd >= 0, return, "no enpu accel device (module not loaded?)");
	ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_GET_PARAM, &p));
	close(fd);
	self->dbg = enpu_debugfs_dir("reset");
	ENPU_REQUIRE(self->dbg, return, "debugfs reset file of the device not found");
	/* Only this test's jobs and BOs count from here on. */
	ASSERT_EQ(0, enpu_debugfs_settle(self->dbg, "jobs", 0));
	ASSERT_EQ(0, client_init(&self->c[0]));
	ASSERT_EQ(0, client_init(&self->c[1]));
	enpu_build_fc(self->long_cb, LONG_M, LONG_K, LONG_N);
}

FIXTURE_TEARDOWN(reset)
{
	if (self->c[0].fd >= 0)
		client_fini(&self->c[0]);
	if (self->c[1].fd >= 0)
		client_fini(&self->c[1]);
}

TEST_F(reset, jobs_in_flight_fail_with_eio)
{
	long resets0, timedout0, failed0, bos0;
	struct drm_enpu_submit s;
	int32_t status;
	int i, k, writes = 0, done;
	struct client *c;

	bos0 = enpu_debugfs_read(self->dbg, "bo_count", NULL);
	resets0 = enpu_debugfs_read(self->dbg, "counters", "resets:");
	timedout0 = enpu_debugfs_read(self->dbg, "counters",
				      "jobs_timedout:");
	failed0 = enpu_debugfs_read(self->dbg, "counters", "jobs_failed:");
	ASSERT_LE(0, resets0);

	/* Both long jobs first: they take the engine's two workers. */
	for (k = 0; k < 2; k++) {
		c = &self->c[k];
		enpu_fc_submit_args(&s, self->long_cb, c->long_bo);
		ASSERT_EQ(0, enpu_ioctl(c->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
		c->long_id = s.job_id;
	}
	for (k = 0; k < 2; k++) {
		c = &self->c[k];
		for (i = 0; i < QUEUED; i++) {
			enpu_t_submit_args(&s, &c->q[i].cb, c->q[i].bo);
			ASSERT_EQ(0, enpu_ioctl(c->fd, DRM_IOCTL_ENPU_SUBMIT,
						&s));
			c->q_id[i] = s.job_id;
		}
	}

	/*
	 * Deadline in the past: busy job and busy BO poll with -ETIME.  (The
	 * long job cannot finish before the 1 s job timeout.)
	 */
	c = &self->c[0];
	EXPECT_EQ(-ETIME, enpu_wait(c->fd, c->long_id, -SEC, NULL));
	EXPECT_EQ(-ETIME, wait_bo(c->fd, c->long_bo[2], 0));
	EXPECT_EQ(-ETIME, wait_bo(c->fd, c->long_bo[0],
				  enpu_now_ns() - SEC));

	/*
	 * Reset until both long jobs are over.  A reset only hits jobs that
	 * are executing when it is written, so repeat it until each long job
	 * has started and been hit; each is done long before its timeout.
	 */
	for (done = 0; done != 3 && writes < 100000; writes++) {
		ASSERT_EQ(0, force_reset(self->dbg));
		for (k = 0; k < 2; k++) {
			c = &self->c[k];
			if (done & (1 << k))
				continue;
			status = 1;
			if (!enpu_wait(c->fd, c->long_id, 0, &status)) {
				done |= 1 << k;
				EXPECT_EQ(-EIO, status);
			}
		}
		usleep(1000);
	}
	ASSERT_EQ(3, done);
	TH_LOG("%d reset writes until both long jobs were hit", writes);

	/* The id was reaped by the WAIT that saw the result. */
	EXPECT_EQ(-ENOENT, enpu_wait(self->c[0].fd, self->c[0].long_id, SEC,
				     NULL));
	/* Idle now: a deadline in the past polls successfully. */
	EXPECT_EQ(0, wait_bo(self->c[0].fd, self->c[0].long_bo[2], 0));

	/*
	 * Queued jobs: -EIO if a later reset write caught them running,
	 * otherwise they ran normally and their output is exact.
	 */
	for (k = 0; k < 2; k++) {
		c = &self->c[k];
		for (i = 0; i < QUEUED; i++) {
			status = 1;
			ASSERT_EQ(0, enpu_wait(c->fd, c->q_id[i], 60 * SEC,
					       &status));
			if (status == -EIO)
				continue;
			EXPECT_EQ(0, status);
			EXPECT_EQ(0, enpu_t_check(c->q[i].out, ENPU_T_N,
						  40 + i));
		}
	}

	/* No context was banned: both files submit and get exact results. */
	for (k = 0; k < 2; k++) {
		c = &self->c[k];
		enpu_t_fill(c->q[0].in, ENPU_T_N, 90 + k);
		memset(c->q[0].out, 0, ENPU_T_BO_SIZE);
		enpu_t_submit_args(&s, &c->q[0].cb, c->q[0].bo);
		ASSERT_EQ(0, enpu_ioctl(c->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
		status = 1;
		ASSERT_EQ(0, enpu_wait(c->fd, s.job_id, 60 * SEC, &status));
		EXPECT_EQ(0, status);
		EXPECT_EQ(0, enpu_t_check(c->q[0].out, ENPU_T_N, 90 + k));
	}

	/* Counted as resets and failures, not as timeouts. */
	EXPECT_LE(resets0 + writes,
		  enpu_debugfs_read(self->dbg, "counters", "resets:"));
	EXPECT_EQ(timedout0,
		  enpu_debugfs_read(self->dbg, "counters", "jobs_timedout:"));
	EXPECT_LE(failed0 + 2,
		  enpu_debugfs_read(self->dbg, "counters", "jobs_failed:"));

	/* Every job is freed; closing the files frees every BO. */
	EXPECT_EQ(0, enpu_debugfs_settle(self->dbg, "jobs", 0));
	client_fini(&self->c[0]);
	client_fini(&self->c[1]);
	self->c[0].fd = self->c[1].fd = -1;
	EXPECT_LT(0, bos0);
	EXPECT_EQ(0, enpu_debugfs_settle(self->dbg, "bo_count", 0));
	EXPECT_EQ(0, enpu_debugfs_settle(self->dbg, "jobs", 0));
}

/* A reset with nothing running is harmless. */
TEST_F(reset, idle_reset)
{
	struct client *c = &self->c[1];
	struct drm_enpu_submit s;
	int32_t status = 1;

	ASSERT_EQ(0, force_reset(self->dbg));
	enpu_t_submit_args(&s, &c->q[1].cb, c->q[1].bo);
	ASSERT_EQ(0, enpu_ioctl(c->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	ASSERT_EQ(0, enpu_wait(c->fd, s.job_id, 60 * SEC, &status));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, enpu_t_check(c->q[1].out, ENPU_T_N, 41));
	/* Idle BO, deadline in the past: 0 at once. */
	EXPECT_EQ(0, wait_bo(c->fd, c->q[1].bo[1], enpu_now_ns() - SEC));
}

TEST_HARNESS_MAIN
