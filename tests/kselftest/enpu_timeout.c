// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: a job that runs past the job timeout fails with
 * -ETIMEDOUT, its context is banned (-ECANCELED, DRM reset guidelines) and
 * other clients carry on.  Needs the module loaded with timeout_ms <= 2000
 * (and fails, not skips, otherwise: make suite-kernel loads it so);
 * the job is a fully-connected layer of 2^32 multiply-accumulates, far
 * beyond that on any CPU, let alone under TCG.
 */
#include <sys/wait.h>

#include "enpu_test.h"
#include "kselftest_harness.h"

#define SEC	1000000000ll
#define FC_M	256
#define FC_K	4096
#define FC_N	4096

TEST(hung_job_times_out_and_bans_context)
{
	struct drm_enpu_get_param p = { .param = DRM_ENPU_PARAM_JOB_TIMEOUT_MS };
	static uint8_t cb[ENPU_FC_CB_SIZE];
	struct drm_enpu_submit s;
	struct enpu_lut_cmdbuf lut;
	struct enpu_lut_job job;
	uint32_t bo[3], lbo[2];
	int32_t status = 0;
	int fd, other, st;
	pid_t pid;

	ENPU_OPEN_DEVICE(fd, return);
	ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_GET_PARAM, &p));
	/* The suite loads the module so (driver/driver.mk): fail otherwise. */
	ASSERT_GE(2000ull, p.value)
		TH_LOG("job timeout %llu ms: load enpu with timeout_ms<=2000",
		       (unsigned long long)p.value);

	ASSERT_EQ(0, enpu_fc_bos(fd, FC_M, FC_K, FC_N, bo));
	enpu_build_fc(cb, FC_M, FC_K, FC_N);
	enpu_fc_submit_args(&s, cb, bo);
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

	/*
	 * ... while another process works (the ban follows the process: a
	 * file this one reopened would be banned too, see enpu_hardening).
	 */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		other = enpu_open_device();
		if (other < 0 || enpu_lut_job_init(other, &job, 77) ||
		    enpu_ioctl(other, DRM_IOCTL_ENPU_SUBMIT, &job.s) ||
		    enpu_wait(other, job.s.job_id, 60 * SEC, &status) ||
		    status || enpu_t_check(job.out, ENPU_T_N, 77))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST_HARNESS_MAIN
