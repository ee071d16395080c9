// SPDX-License-Identifier: GPL-2.0-only
/*
 * Jobs on the ENPU PCI NPU (guest side of `make suite-pci-vm`): the accel
 * nodes of the PCI devices (DRM_ENPU_PARAM_ENGINE_TYPE), BOs in device
 * memory (create, write-combined mmap, too big, out of space), a LUT job
 * whose output is computed here independently, on every NPU, many jobs in
 * flight beyond the device's command slots, a command buffer in a BO, a
 * hung device (devmodel --faults) ending in -ETIMEDOUT with the device
 * usable afterwards, a corrupted completion record rejected, a stalled
 * heartbeat detected; the
 * --submit-and-exit and --unbind-open modes serve pci-rmmod.sh.  Each
 * test prints the submit -> complete latency it sees as a comment.
 *
 * ENPU_NPUS (default 2): PCI nodes that must exist; fewer fails.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <drm/enpu_hw.h>

#include "enpu_test.h"
#include "kselftest_harness.h"

#define PCI_MAX_NODES	16

static uint64_t param(int fd, uint32_t p)
{
	struct drm_enpu_get_param g = { .param = p, .value = ~0ull };

	return enpu_ioctl(fd, DRM_IOCTL_ENPU_GET_PARAM, &g) ? ~0ull : g.value;
}

/* Open every enpu node with @engine; returns how many (fds in @fds). */
static int open_nodes(uint64_t engine, int *fds, int max)
{
	char path[64], name[32];
	int i, n = 0;

	for (i = 0; i < 64 && n < max; i++) {
		struct drm_version v;
		int fd;

		snprintf(path, sizeof(path), "/dev/accel/accel%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!enpu_ioctl(fd, DRM_IOCTL_VERSION, &v) &&
		    !strcmp(name, "enpu") &&
		    param(fd, DRM_ENPU_PARAM_ENGINE_TYPE) == engine)
			fds[n++] = fd;
		else
			close(fd);
	}
	return n;
}

/* The node's debugfs directory: accel/<PCI address>. */
static int debugfs_dir(int fd, char *dir, size_t size)
{
	char link[128], target[256], *base;
	struct stat st;
	ssize_t len;

	if (fstat(fd, &st))
		return -1;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	len = readlink(link, target, sizeof(target) - 1);
	if (len <= 0)
		return -1;
	target[len] = 0;
	base = strrchr(target, '/');
	snprintf(dir, size, "/sys/kernel/debug/accel/%s", base ? base + 1 : target);
	return 0;
}

static int hw_debug(int fd, unsigned int bits)
{
	char dir[300], path[340], val[16];
	int dfd, ok;

	if (debugfs_dir(fd, dir, sizeof(dir)))
		return -1;
	snprintf(path, sizeof(path), "%s/hw_debug", dir);
	dfd = open(path, O_WRONLY);
	if (dfd < 0)
		return -1;
	snprintf(val, sizeof(val), "%u", bits);
	ok = write(dfd, val, strlen(val)) == (ssize_t)strlen(val);
	close(dfd);
	return ok ? 0 : -1;
}

/* Submit @j, wait for it: 0 and its status, or a negative errno. */
static int run_job(int fd, struct enpu_lut_job *j, int32_t *status,
		   int64_t *ns)
{
	int64_t t0 = enpu_now_ns();
	int ret;

	j->s.job_id = 0;
	ret = enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &j->s);
	if (ret)
		return ret;
	ret = enpu_wait(fd, j->s.job_id, 60ll * 1000000000, status);
	if (ns)
		*ns = enpu_now_ns() - t0;
	return ret;
}

FIXTURE(pci) {
	int fd[PCI_MAX_NODES];
	int n;
};

FIXTURE_SETUP(pci)
{
	const char *e = getenv("ENPU_NPUS");
	int want = e ? atoi(e) : 2;

	self->n = open_nodes(DRM_ENPU_ENGINE_PCI, self->fd, PCI_MAX_NODES);
	ASSERT_LE(want, self->n) {
		TH_LOG("%d PCI NPU nodes, want %d", self->n, want);
	}
	ASSERT_LE(1, self->n);
}

FIXTURE_TEARDOWN(pci)
{
	int i;

	for (i = 0; i < self->n; i++)
		close(self->fd[i]);
}

TEST_F(pci, params)
{
	int i;

	for (i = 0; i < self->n; i++) {
		int fd = self->fd[i];
		uint64_t mem = param(fd, DRM_ENPU_PARAM_MEMORY_SIZE);

		EXPECT_EQ(DRM_ENPU_ENGINE_PCI,
			  param(fd, DRM_ENPU_PARAM_ENGINE_TYPE));
		EXPECT_LE(1, param(fd, DRM_ENPU_PARAM_NUM_ENGINES));
		EXPECT_GE(16, param(fd, DRM_ENPU_PARAM_NUM_ENGINES));
		/* Device memory: below the 64 MiB BAR the device model has. */
		EXPECT_LT(1ull << 20, mem);
		EXPECT_GT(64ull << 20, mem);
		EXPECT_EQ(mem, param(fd, DRM_ENPU_PARAM_MAX_BO_SIZE));
		EXPECT_EQ(0, param(fd, DRM_ENPU_PARAM_CAPABILITIES) &
			  DRM_ENPU_CAP_PRIME);
		TH_LOG("NPU %d: %llu cores, %llu MiB device memory", i,
		       (unsigned long long)param(fd, DRM_ENPU_PARAM_NUM_ENGINES),
		       (unsigned long long)(mem >> 20));
	}
}

TEST_F(pci, bo)
{
	int fd = self->fd[0];
	uint64_t mem = param(fd, DRM_ENPU_PARAM_MEMORY_SIZE);
	struct drm_enpu_bo_create c = { 0 };
	uint32_t h, h2;
	uint8_t *p;
	int i;

	/* Zeroed, mapped, what is written reads back. */
	ASSERT_EQ(0, enpu_bo_create(fd, 12345, &h));
	p = enpu_bo_map(fd, h, 16384);
	ASSERT_NE(NULL, p);
	for (i = 0; i < 16384; i++)
		ASSERT_EQ(0, p[i]);
	for (i = 0; i < 16384; i++)
		p[i] = (uint8_t)(i * 7);
	for (i = 0; i < 16384; i++)
		ASSERT_EQ((uint8_t)(i * 7), p[i]);
	munmap(p, 16384);
	/* A private (copy-on-write) mapping of device memory is refused. */
	{
		struct drm_enpu_bo_mmap_offset m = { .handle = h };

		ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_BO_MMAP_OFFSET, &m));
		EXPECT_EQ(MAP_FAILED, mmap(NULL, 16384, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE, fd, m.offset));
		/* Longer than the BO. */
		EXPECT_EQ(MAP_FAILED, mmap(NULL, 20480, PROT_READ, MAP_SHARED,
					   fd, m.offset));
	}
	ASSERT_EQ(0, enpu_bo_close(fd, h));

	/* Larger than device memory: -E2BIG; larger than what is free: -ENOSPC. */
	c.size = mem + 1;
	EXPECT_EQ(-E2BIG, enpu_ioctl(fd, DRM_IOCTL_ENPU_BO_CREATE, &c));
	c.size = 0;
	EXPECT_EQ(-EINVAL, enpu_ioctl(fd, DRM_IOCTL_ENPU_BO_CREATE, &c));
	ASSERT_EQ(0, enpu_bo_create(fd, mem / 2 + 4096, &h));
	EXPECT_EQ(-ENOSPC, enpu_bo_create(fd, mem / 2 + 4096, &h2));
	ASSERT_EQ(0, enpu_bo_close(fd, h));
	/* Freed: it fits again. */
	ASSERT_EQ(0, enpu_bo_create(fd, mem / 2 + 4096, &h2));
	ASSERT_EQ(0, enpu_bo_close(fd, h2));
}

/* The LUT job computes the table lookup done here, on every NPU. */
TEST_F(pci, lut_each_npu)
{
	int i;

	for (i = 0; i < self->n; i++) {
		struct enpu_lut_job j;
		int32_t st = 1;
		int64_t ns;

		ASSERT_EQ(0, enpu_lut_job_init(self->fd[i], &j, 77 + i));
		ASSERT_EQ(0, run_job(self->fd[i], &j, &st, &ns));
		EXPECT_EQ(0, st);
		EXPECT_EQ(0, enpu_t_check(j.out, ENPU_T_N, 77 + i));
		TH_LOG("NPU %d: LUT job submit -> complete %lld us", i,
		       (long long)(ns / 1000));
		enpu_lut_job_unmap(&j);
	}
}

/* Latency of the same job on the soft engine, for comparison. */
TEST(soft_latency)
{
	int fd, n;
	struct enpu_lut_job j;
	int32_t st = 1;
	int64_t ns, best = INT64_MAX, best_pci = INT64_MAX;
	int pfd[PCI_MAX_NODES], np, i, k;

	n = open_nodes(DRM_ENPU_ENGINE_SOFT, &fd, 1);
	ASSERT_EQ(1, n);
	np = open_nodes(DRM_ENPU_ENGINE_PCI, pfd, PCI_MAX_NODES);
	ASSERT_LE(1, np);
	ASSERT_EQ(0, enpu_lut_job_init(fd, &j, 5));
	for (k = 0; k < 5; k++) {
		ASSERT_EQ(0, run_job(fd, &j, &st, &ns));
		ASSERT_EQ(0, st);
		best = ns < best ? ns : best;
	}
	enpu_lut_job_unmap(&j);
	ASSERT_EQ(0, enpu_lut_job_init(pfd[0], &j, 5));
	for (k = 0; k < 5; k++) {
		ASSERT_EQ(0, run_job(pfd[0], &j, &st, &ns));
		ASSERT_EQ(0, st);
		best_pci = ns < best_pci ? ns : best_pci;
	}
	EXPECT_EQ(0, enpu_t_check(j.out, ENPU_T_N, 5));
	enpu_lut_job_unmap(&j);
	TH_LOG("LUT job submit -> complete, best of 5: soft %lld us, PCI %lld us",
	       (long long)(best / 1000), (long long)(best_pci / 1000));
	close(fd);
	for (i = 0; i < np; i++)
		close(pfd[i]);
}

/*
 * 100 jobs on the same two BOs (each depends on the one before: implicit
 * synchronisation across the device's cores), queued at once.
 */
TEST_F(pci, many_dependent)
{
	int fd = self->fd[self->n - 1];
	struct enpu_many m;
	uint32_t j;
	int64_t t0 = enpu_now_ns();

	ASSERT_EQ(0, enpu_many_init(fd, &m, 100, 0));
	for (j = 0; j < m.jobs; j++)
		ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &m.s[j]));
	for (j = 0; j < m.jobs; j++) {
		int32_t st = 1;

		ASSERT_EQ(0, enpu_wait(fd, m.s[j].job_id, 120ll * 1000000000,
				       &st));
		ASSERT_EQ(0, st);
	}
	EXPECT_EQ(0, enpu_many_check(&m));
	TH_LOG("%u jobs in %lld ms", m.jobs,
	       (long long)((enpu_now_ns() - t0) / 1000000));
	enpu_many_fini(&m);
}

/* 96 independent jobs in flight at once: three times the command slots. */
#define PCI_INDEP 96
TEST_F(pci, many_independent)
{
	int fd = self->fd[0];
	static struct enpu_lut_job j[PCI_INDEP];
	int64_t t0 = enpu_now_ns();
	uint32_t i, bad = 0;

	for (i = 0; i < PCI_INDEP; i++)
		ASSERT_EQ(0, enpu_lut_job_init(fd, &j[i], 500 + i));
	for (i = 0; i < PCI_INDEP; i++) {
		j[i].s.job_id = 0;
		ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &j[i].s));
	}
	for (i = 0; i < PCI_INDEP; i++) {
		int32_t st = 1;

		ASSERT_EQ(0, enpu_wait(fd, j[i].s.job_id, 120ll * 1000000000,
				       &st));
		ASSERT_EQ(0, st);
	}
	for (i = 0; i < PCI_INDEP; i++) {
		bad += enpu_t_check(j[i].out, ENPU_T_N, 500 + i) != 0;
		enpu_lut_job_unmap(&j[i]);
	}
	EXPECT_EQ(0, bad);
	TH_LOG("%u independent jobs in %lld ms", PCI_INDEP,
	       (long long)((enpu_now_ns() - t0) / 1000000));
}

/* The command buffer taken from a BO in device memory. */
TEST_F(pci, cmdbuf_bo)
{
	int fd = self->fd[0];
	struct enpu_lut_job j;
	uint32_t cbo;
	void *cb;
	int32_t st = 1;

	ASSERT_EQ(0, enpu_lut_job_init(fd, &j, 11));
	ASSERT_EQ(0, enpu_bo_create(fd, 4096, &cbo));
	cb = enpu_bo_map(fd, cbo, 4096);
	ASSERT_NE(NULL, cb);
	memcpy(cb, j.cb.bytes, sizeof(j.cb.bytes));
	j.s.cmdbuf_ptr = 0;
	j.s.flags = DRM_ENPU_SUBMIT_CMDBUF_BO;
	j.s.cmdbuf_handle = cbo;
	ASSERT_EQ(0, run_job(fd, &j, &st, NULL));
	EXPECT_EQ(0, st);
	EXPECT_EQ(0, enpu_t_check(j.out, ENPU_T_N, 11));
	munmap(cb, 4096);
	enpu_lut_job_unmap(&j);
}

/* A tensor past its BO in device memory is refused at submission. */
TEST_F(pci, submit_overflow)
{
	int fd = self->fd[0];
	struct enpu_lut_job j;

	ASSERT_EQ(0, enpu_lut_job_init(fd, &j, 3));
	/* Validated by the kernel; the output BO is then too small. */
	enpu_build_lut(&j.cb, ENPU_T_N, ENPU_T_BO_SIZE - ENPU_T_N + 1);
	j.s.job_id = 0;
	EXPECT_EQ(-EOVERFLOW, enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &j.s));
	enpu_lut_job_unmap(&j);
}

/*
 * A hung device: the job fails with -ETIMEDOUT after the device was reset
 * and rebooted, the hanging process is banned, another process's job then
 * runs and computes the right bytes.
 */
TEST_F(pci, hang_then_recover)
{
	int fd = self->fd[0];
	struct enpu_lut_job j;
	int32_t st = 0;
	pid_t pid;
	int wst;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* A job long enough to reach the firmware's preemption points. */
		static uint8_t cb[ENPU_FC_CB_SIZE];
		struct drm_enpu_submit s;
		uint32_t bo[3];
		int cfd = open_nodes(DRM_ENPU_ENGINE_PCI, &fd, 1) == 1 ? fd : -1;
		int64_t t0 = enpu_now_ns();

		if (cfd < 0 || hw_debug(cfd, ENPU_HW_DEBUG_HANG_JOBS))
			_exit(10);
		if (enpu_fc_bos(cfd, 64, 512, 512, bo))
			_exit(11);
		enpu_build_fc(cb, 64, 512, 512);
		enpu_fc_submit_args(&s, cb, bo);
		if (enpu_ioctl(cfd, DRM_IOCTL_ENPU_SUBMIT, &s) ||
		    enpu_wait(cfd, s.job_id, 60ll * 1000000000, &st))
			_exit(12);
		if (st != -ETIMEDOUT) {
			fprintf(stderr, "# hung job: status %d\n", st);
			_exit(13);
		}
		/* Banned after the hang (DRM reset guidelines). */
		s.job_id = 0;
		if (enpu_ioctl(cfd, DRM_IOCTL_ENPU_SUBMIT, &s) != -ECANCELED)
			_exit(14);
		fprintf(stderr, "# hung job failed with -ETIMEDOUT after %lld ms\n",
			(long long)((enpu_now_ns() - t0) / 1000000));
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &wst, 0));
	ASSERT_TRUE(WIFEXITED(wst));
	ASSERT_EQ(0, WEXITSTATUS(wst));

	ASSERT_EQ(0, enpu_lut_job_init(fd, &j, 22));
	ASSERT_EQ(0, run_job(fd, &j, &st, NULL));
	EXPECT_EQ(0, st);
	EXPECT_EQ(0, enpu_t_check(j.out, ENPU_T_N, 22));
	enpu_lut_job_unmap(&j);
}

/*
 * A completion record with a wrong job id and seq is not trusted: the
 * device is reset and the job queued again, it completes correctly.
 */
TEST_F(pci, corrupt_completion)
{
	int fd = self->fd[self->n - 1];
	struct enpu_lut_job j;
	int32_t st = 1;

	ASSERT_EQ(0, hw_debug(fd, ENPU_HW_DEBUG_CORRUPT_CQ));
	ASSERT_EQ(0, enpu_lut_job_init(fd, &j, 31));
	ASSERT_EQ(0, run_job(fd, &j, &st, NULL));
	EXPECT_EQ(0, st);
	EXPECT_EQ(0, enpu_t_check(j.out, ENPU_T_N, 31));
	enpu_lut_job_unmap(&j);
}

/*
 * A heartbeat that stands still is a hung device even without jobs: the
 * driver resets it (debugfs counters "resets" goes up) and it runs jobs
 * again.
 */
TEST_F(pci, heartbeat_stall)
{
	int fd = self->fd[self->n - 1];
	struct enpu_lut_job j;
	char dir[300];
	long before, now = -1;
	int32_t st = 1;
	int i;

	ASSERT_EQ(0, debugfs_dir(fd, dir, sizeof(dir)));
	before = enpu_debugfs_read(dir, "counters", "resets: ");
	ASSERT_LE(0, before);
	ASSERT_EQ(0, hw_debug(fd, ENPU_HW_DEBUG_STALL_HEARTBEAT));
	for (i = 0; i < 300; i++) {	/* the driver waits 3 s; allow 30 */
		now = enpu_debugfs_read(dir, "counters", "resets: ");
		if (now > before)
			break;
		usleep(100000);
	}
	ASSERT_LT(before, now);
	TH_LOG("stalled heartbeat: device reset after about %d ms", i * 100);
	ASSERT_EQ(0, enpu_lut_job_init(fd, &j, 41));
	ASSERT_EQ(0, run_job(fd, &j, &st, NULL));
	EXPECT_EQ(0, st);
	EXPECT_EQ(0, enpu_t_check(j.out, ENPU_T_N, 41));
	enpu_lut_job_unmap(&j);
}

/*
 * --submit-and-exit: queue @PCI_LEAVE long jobs on every NPU and exit
 * without waiting (pci-rmmod.sh then unloads the module under them).
 */
#define PCI_LEAVE 64
static int submit_and_exit(void)
{
	static uint8_t cb[ENPU_FC_CB_SIZE];
	int fd[PCI_MAX_NODES], n, i, k, queued = 0;

	n = open_nodes(DRM_ENPU_ENGINE_PCI, fd, PCI_MAX_NODES);
	enpu_build_fc(cb, 64, 512, 512);
	for (i = 0; i < n; i++) {
		for (k = 0; k < PCI_LEAVE; k++) {
			struct drm_enpu_submit s;
			uint32_t bo[3];

			if (enpu_fc_bos(fd[i], 64, 512, 512, bo))
				return 1;
			enpu_fc_submit_args(&s, cb, bo);
			if (enpu_ioctl(fd[i], DRM_IOCTL_ENPU_SUBMIT, &s))
				return 1;
			queued++;
		}
	}
	printf("# %d jobs queued on %d NPUs, exiting\n", queued, n);
	return n ? 0 : 1;
}

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(fault_jmp, sig);
}

/*
 * --unbind-open: with a file open on the first PCI NPU, a BO mapped and
 * long jobs queued, unbind the device from enpu (sysfs): submitting and
 * waiting then fail with -ENODEV at once, the mapping is gone (SIGBUS),
 * closing the file afterwards frees the jobs (the scheduler outlives the
 * device until then); then bind it again.  Prints one line per failed check.
 */
static int unbind_open(void)
{
	static uint8_t cb[ENPU_FC_CB_SIZE];
	struct drm_enpu_submit s[PCI_LEAVE];
	char dir[300], *addr, path[128];
	volatile uint8_t *map;
	uint32_t bo, fbo[3];
	int fd, k, bad = 0, n_err = 0;
	struct sigaction sa = { .sa_handler = on_sigbus };
	FILE *f;

	if (open_nodes(DRM_ENPU_ENGINE_PCI, &fd, 1) != 1 ||
	    debugfs_dir(fd, dir, sizeof(dir)))
		return 1;
	addr = strrchr(dir, '/') + 1;
	if (enpu_bo_create(fd, 65536, &bo))
		return 2;
	map = enpu_bo_map(fd, bo, 65536);
	if (!map)
		return 3;
	map[0] = 42;
	enpu_build_fc(cb, 64, 512, 512);
	for (k = 0; k < PCI_LEAVE; k++) {
		if (enpu_fc_bos(fd, 64, 512, 512, fbo))
			return 4;
		enpu_fc_submit_args(&s[k], cb, fbo);
		if (enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s[k]))
			return 5;
	}
	f = fopen("/sys/bus/pci/drivers/enpu/unbind", "w");
	if (!f || fprintf(f, "%s", addr) < 0 || fclose(f))
		return 6;

	s[0].job_id = 0;
	if (enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s[0]) != -ENODEV) {
		printf("# submit after unbind did not fail with -ENODEV\n");
		bad++;
	}
	for (k = 1; k < PCI_LEAVE; k++) {
		int32_t st = 1;
		int ret = enpu_wait(fd, s[k].job_id, 30ll * 1000000000, &st);

		/* The node is gone: WAIT fails at once (no waiter hangs). */
		if (ret != -ENODEV && (ret || st > 0)) {
			printf("# job %d after unbind: wait %d status %d\n", k, ret, st);
			bad++;
		}
		n_err += ret == -ENODEV || st < 0;
	}
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	if (!sigsetjmp(fault_jmp, 1)) {
		(void)map[0];
		printf("# the BO mapping survived the unbind\n");
		bad++;
	}
	printf("# unbind with %d jobs queued: %d waits failed, the rest completed\n",
	       PCI_LEAVE - 1, n_err);
	close(fd);
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/enpu/bind");
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s", addr) < 0 || fclose(f))
		return 7;
	return bad ? 8 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--submit-and-exit"))
		return submit_and_exit();
	if (argc == 2 && !strcmp(argv[1], "--unbind-open"))
		return unbind_open();
	return test_harness_run(argc, argv);
}
