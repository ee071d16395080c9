// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: processes and accounting: fdinfo keys, two processes
 * submitting concurrently, a process killed with jobs in flight (debugfs
 * job and BO counts return to where they were: nothing leaks).
 */
#include <signal.h>
#include <sys/wait.h>
#include <liburing.h>

#include "enpu_test.h"
#include "kselftest_harness.h"

#define SEC	1000000000ll

FIXTURE(life) {
	int fd;
	const char *dbg;
};

FIXTURE_SETUP(life)
{
	self->fd = enpu_open_device();
	if (self->fd < 0)
		SKIP(return, "no enpu accel device (module not loaded?)");
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

TEST_F(life, killed_with_jobs_in_flight)
{
	long bos0, jobs0;
	int pipefd[2], st;
	char c;
	pid_t pid;

	if (!self->dbg)
		SKIP(return, "debugfs for the device not found");
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
	if (!pid) {
		struct io_uring ring;
		struct enpu_lut_job js;
		int fd = enpu_open_device(), i;

		if (fd < 0 || enpu_lut_job_init(fd, &js, 9) ||
		    io_uring_queue_init(512, &ring, IORING_SETUP_SQE128))
			_exit(1);
		for (i = 0; i < 500; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
			sqe->cmd_op = DRM_ENPU_URING_CMD_SUBMIT;
			memset(sqe->cmd, 0, 80);
			memcpy(sqe->cmd, &js.s, sizeof(js.s));
		}
		io_uring_submit(&ring);
		for (i = 0; i < 500; i++) {
			js.s.job_id = 0;
			enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &js.s);
		}
		if (write(pipefd[1], "x", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	close(pipefd[0]);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st));

	EXPECT_EQ(jobs0, enpu_debugfs_settle(self->dbg, "jobs", jobs0));
	EXPECT_EQ(bos0, enpu_debugfs_settle(self->dbg, "bo_count", bos0));

	/* The device still works. */
	EXPECT_EQ(0, child_submit(55, 3));
}

TEST_HARNESS_MAIN
