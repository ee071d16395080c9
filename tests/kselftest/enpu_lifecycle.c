// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: processes and accounting: fdinfo keys, two processes
 * submitting concurrently, a process killed with jobs in flight, running
 * and queued behind a gate (debugfs job and BO counts return to where they
 * were: nothing leaks).
 */
#include <signal.h>
#include <sys/wait.h>
#include <liburing.h>

#include "enpu_test.h"
#include "enpu_uring_test.h"
#include "kselftest_harness.h"

#define SEC	1000000000ll

FIXTURE(life) {
	int fd;
	const char *dbg;
};

FIXTURE_SETUP(life)
{
	ENPU_OPEN_DEVICE(self->fd, return);
	self->dbg = enpu_debugfs_dir("bo_count");
}

FIXTURE_TEARDOWN(life)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(life, fdinfo)
{
	char path[64], buf[4096];
	struct enpu_lut_job js;
	ssize_t n;
	int fd;

	ASSERT_EQ(0, enpu_lut_job_init(self->fd, &js, 3));
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &js.s));
	ASSERT_EQ(0, enpu_wait(self->fd, js.s.job_id, 60 * SEC, NULL));

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", self->fd);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_LT(0, n);
	buf[n] = 0;
	EXPECT_NE(NULL, strstr(buf, "drm-driver:\tenpu\n"));
	EXPECT_NE(NULL, strstr(buf, "drm-client-id:\t"));
	EXPECT_NE(NULL, strstr(buf, "drm-engine-npu:\t"));
	EXPECT_NE(NULL, strstr(buf, "drm-total-"));
	enpu_lut_job_unmap(&js);
}

static int child_submit(uint32_t seed, int jobs)
{
	struct enpu_lut_job js;
	uint64_t last = 0;
	int fd, i;
	int32_t status = 1;

	fd = enpu_open_device();
	if (fd < 0 || enpu_lut_job_init(fd, &js, seed))
		return 10;
	for (i = 0; i < jobs; i++) {
		js.s.job_id = 0;	/* output only; must be zero on input */
		if (enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &js.s))
			return 11;
		if (last && enpu_wait(fd, last, 120 * SEC, &status))
			return 12;
		if (last && status)
			return 13;
		last = js.s.job_id;
	}
	if (enpu_wait(fd, last, 120 * SEC, &status) || status)
		return 14;
	if (enpu_t_check(js.out, ENPU_T_N, seed))
		return 15;
	close(fd);
	return 0;
}

TEST_F(life, two_processes)
{
	pid_t pid[2];
	int i, st;

	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			_exit(child_submit(100 + i, 300));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &st, 0));
		EXPECT_TRUE(WIFEXITED(st));
		EXPECT_EQ(0, WEXITSTATUS(st));
	}
}

/* What the killed child reports through its pipe before it waits to die. */
struct kill_report {
	int ioctl_ok;		/* SUBMIT ioctls that succeeded */
	int uring_submitted;	/* SQEs io_uring_submit() consumed */
	int uring_errors;	/* CQEs already posted with an error */
	int first_error;	/* the first of them, with its SQE's index */
	int first_error_sqe;
	int setup;		/* 0, or the step that failed */
};

enum { KILL_RUN = 250, KILL_GATED = 2 * KILL_RUN };

/*
 * The child: KILL_RUN ioctl and KILL_RUN io_uring jobs that run at once,
 * then KILL_RUN io_uring and KILL_RUN ioctl jobs held back by the gate
 * (behind the first ones: one entity runs its jobs in order).
 */
static void kill_child(int out, const struct enpu_gate *gate)
{
	struct kill_report r = { 0 };
	struct enpu_lut_job run, gated;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	uint32_t sync;
	int fd, i;

	fd = enpu_open_device();
	if (fd < 0)
		r.setup = 1;
	else if (enpu_lut_job_init(fd, &run, 9) ||
		 enpu_lut_job_init(fd, &gated, 10))
		r.setup = 2;
	else if (enpu_gate_syncobj(fd, gate, &sync))
		r.setup = 3;
	else if (io_uring_queue_init(2 * KILL_RUN, &ring, IORING_SETUP_SQE128))
		r.setup = 4;
	if (r.setup) {
		if (write(out, &r, sizeof(r)) != sizeof(r))
			_exit(2);
		_exit(1);
	}
	gated.s.in_syncobj = sync;

	/* job_id is written by each ioctl and must be zero on input. */
	for (i = 0; i < KILL_RUN; i++) {
		run.s.job_id = 0;
		r.ioctl_ok += !enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &run.s);
	}
	run.s.job_id = 0;
	for (i = 0; i < 2 * KILL_RUN; i++)
		enpu_prep_uring_cmd(&ring, fd, DRM_ENPU_URING_CMD_SUBMIT,
				    i < KILL_RUN ? &run.s : &gated.s, i);
	r.uring_submitted = io_uring_submit(&ring);
	for (i = 0; i < KILL_RUN; i++) {
		gated.s.job_id = 0;
		r.ioctl_ok += !enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &gated.s);
	}
	/* Completions so far: the running jobs' (0) and any rejection. */
	while (!io_uring_peek_cqe(&ring, &cqe)) {
		if (cqe->res && !r.uring_errors++) {
			r.first_error = cqe->res;
			r.first_error_sqe = cqe->user_data;
		}
		io_uring_cqe_seen(&ring, cqe);
	}
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(2);
	pause();
	_exit(0);
}

/*
 * A process killed with jobs in flight on both paths, some running, the
 * rest held back by a gate that opens only after the kill: every job and
 * BO it left behind is freed (debugfs counts back to where they were).
 */
TEST_F(life, killed_with_jobs_in_flight)
{
	struct kill_report r;
	struct enpu_gate gate;
	long bos0, jobs0;
	int pipefd[2], st, ret;
	pid_t pid;

	ENPU_REQUIRE(self->dbg, return, "debugfs for the device not found");
	ret = enpu_gate_init(&gate);
	ENPU_REQUIRE(ret != -ENODEV, return, "no vgem device for the gate");
	ASSERT_EQ(0, ret);
	/* Only this test's objects count: close the fixture's file. */
	close(self->fd);
	self->fd = -1;
	bos0 = enpu_debugfs_read(self->dbg, "bo_count", NULL);
	jobs0 = enpu_debugfs_read(self->dbg, "jobs", NULL);
	ASSERT_LE(0, bos0);
	ASSERT_LE(0, jobs0);

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		kill_child(pipefd[1], &gate);
	close(pipefd[1]);
	ret = read(pipefd[0], &r, sizeof(r));
	close(pipefd[0]);
	if (ret != sizeof(r)) {
		kill(pid, SIGKILL);
		enpu_gate_open(&gate);
		waitpid(pid, &st, 0);
	}
	ASSERT_EQ(sizeof(r), ret);
	EXPECT_EQ(0, r.setup);
	EXPECT_EQ(2 * KILL_RUN, r.ioctl_ok);
	EXPECT_EQ(2 * KILL_RUN, r.uring_submitted);
	EXPECT_EQ(0, r.uring_errors)
		TH_LOG("first: %d on SQE %d", r.first_error,
		       r.first_error_sqe);
	/* The gated jobs at least are queued, the child's 4 BOs alive. */
	EXPECT_LE(jobs0 + KILL_GATED, enpu_debugfs_read(self->dbg, "jobs", NULL));
	EXPECT_EQ(bos0 + 4, enpu_debugfs_read(self->dbg, "bo_count", NULL));

	ASSERT_EQ(0, kill(pid, SIGKILL));
	/* 0, not -ETIMEDOUT: closed until after the kill, so the gated jobs
	 * were still in flight when it landed.
	 */
	EXPECT_EQ(0, enpu_gate_open(&gate));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st));
	enpu_gate_fini(&gate);

	EXPECT_EQ(jobs0, enpu_debugfs_settle(self->dbg, "jobs", jobs0));
	EXPECT_EQ(bos0, enpu_debugfs_settle(self->dbg, "bo_count", bos0));

	/* The device still works. */
	EXPECT_EQ(0, child_submit(55, 3));
}

TEST_HARNESS_MAIN
