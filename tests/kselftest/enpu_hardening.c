// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: hardening of the submission path.
 *
 * - jobs in flight per file are capped on both paths (-EBUSY), and the
 *   kernel copy of a command buffer is what its header declares, charged
 *   to the submitter's memory cgroup;
 * - HIGH priority needs CAP_SYS_NICE (-EACCES), on both paths;
 * - the soft device cannot be unbound through sysfs;
 * - a job's fence outlives the file it was submitted on;
 * - ABI: one BO in two slots, the io_uring command tail, a non-zero input
 *   job_id are -EINVAL; WAIT_BO reports a failed job; a hang bans the
 *   process, not just the file; io_uring inline issue punts a large
 *   command buffer to io-wq, and heavy concurrent submission through
 *   SQPOLL, inline io_uring and ioctl on one file completes every job.
 *
 * Jobs are kept in flight behind a "blocker": a child process that queues
 * BLK_JOBS fully-connected jobs of 2^32 multiply-accumulates (each runs
 * into the job timeout) writing a BO shared through PRIME; the parent's
 * jobs write that BO too and so wait for all of them.  The hangs ban the
 * child, not the test.
 */
#include <limits.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "enpu_test.h"
#include "enpu_uring_test.h"
#include "kselftest_harness.h"

#define SEC		1000000000ll
#define FC_M		256
#define FC_K		4096
#define FC_N		4096
#define BLK_JOBS	60	/* >= 60 job timeouts of room to fill the queue */
#define SHARED_SIZE	(FC_M * FC_N)
#define DEFAULT_CAP	4096	/* the driver's, for kernels without the param */
#define CG_ROOT		"/sys/fs/cgroup"

/* A LUT job reading @in and writing the shared BO: queued behind a blocker. */
struct hz_job {
	uint32_t bo[2];
	struct enpu_lut_cmdbuf cb;
	struct drm_enpu_submit s;
};

static void hz_job_init(struct hz_job *j, uint32_t in, uint32_t out)
{
	j->bo[0] = in;
	j->bo[1] = out;
	enpu_build_lut(&j->cb, ENPU_T_N, 0);
	enpu_t_submit_args(&j->s, &j->cb, j->bo);
}

struct blocker {
	pid_t pid;
	int go;			/* closing it lets the child exit */
	uint32_t shared;	/* the shared BO, in the parent's file */
};

static int blocker_child(int dmabuf, int ready, int go)
{
	static uint8_t cb[ENPU_FC_CB_SIZE];
	struct drm_prime_handle ph = { .fd = dmabuf };
	struct drm_enpu_submit s;
	uint32_t bo[3];
	char c = 'e';
	int fd, i;

	fd = enpu_open_device();
	if (fd < 0 || enpu_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph) ||
	    enpu_bo_create(fd, (uint64_t)FC_M * FC_K, &bo[0]) ||
	    enpu_bo_create(fd, (uint64_t)FC_K * FC_N, &bo[1]))
		goto out;
	bo[2] = ph.handle;
	enpu_build_fc(cb, FC_M, FC_K, FC_N);
	for (i = 0; i < BLK_JOBS; i++) {
		enpu_fc_submit_args(&s, cb, bo);
		if (enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s))
			goto out;
	}
	c = 'r';
out:
	if (write(ready, &c, 1) != 1 || c != 'r')
		return 1;
	/* Hold the jobs until the parent closes its end. */
	while (read(go, &c, 1) > 0)
		;
	close(fd);
	return 0;
}

/* Fork the blocker; its jobs write @b->shared (created here in @fd). */
static int blocker_start(int fd, struct blocker *b)
{
	struct drm_prime_handle ph = { .flags = DRM_CLOEXEC | DRM_RDWR };
	int ready[2], go[2];
	char c = 0;

	if (enpu_bo_create(fd, SHARED_SIZE, &b->shared))
		return -1;
	ph.handle = b->shared;
	if (enpu_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph))
		return -1;
	if (pipe(ready) || pipe(go))
		return -1;
	b->pid = fork();
	if (b->pid < 0)
		return -1;
	if (b->pid == 0) {
		close(ready[0]);
		close(go[1]);
		_exit(blocker_child(ph.fd, ready[1], go[0]));
	}
	close(ready[1]);
	close(go[0]);
	close(ph.fd);
	b->go = go[1];
	if (read(ready[0], &c, 1) != 1)
		c = 0;
	close(ready[0]);
	return c == 'r' ? 0 : -1;
}

/*
 * Let the blocker go.  Killed, not asked to exit: a live process closing
 * the file waits for all its jobs to run, a killed one has its queued jobs
 * killed after a second (drm_sched_entity_flush()).  0 if it was still
 * there holding its jobs.
 */
static int blocker_stop(struct blocker *b)
{
	int st = 0;

	kill(b->pid, SIGKILL);
	close(b->go);
	if (waitpid(b->pid, &st, 0) != b->pid)
		return -1;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? 0 : -1;
}

static long get_param(int fd, uint32_t param)
{
	struct drm_enpu_get_param p = { .param = param };
	int ret = enpu_ioctl(fd, DRM_IOCTL_ENPU_GET_PARAM, &p);

	return ret ? ret : (long)p.value;
}

static long jobs_cap(int fd)
{
	long cap = get_param(fd, DRM_ENPU_PARAM_MAX_JOBS_IN_FLIGHT);

	/* A kernel without the parameter: test against the intended cap. */
	return cap > 0 ? cap : DEFAULT_CAP;
}

FIXTURE(hz) {
	int fd;
	struct enpu_lut_job j;	/* a LUT job on BOs of its own */
};

FIXTURE_SETUP(hz)
{
	ENPU_OPEN_DEVICE(self->fd, return);
	ASSERT_EQ(0, enpu_lut_job_init(self->fd, &self->j, 5));
}

FIXTURE_TEARDOWN(hz)
{
	if (self->fd < 0)
		return;
	enpu_lut_job_unmap(&self->j);
	close(self->fd);
}

/* Run the fixture's LUT job by ioctl; 0 if it ran and its output is exact. */
static int run_lut(int fd, struct enpu_lut_job *j)
{
	int32_t status = 1;
	int ret;

	memset(j->out, 0x5a, ENPU_T_BO_SIZE);
	j->s.job_id = 0;
	ret = enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &j->s);
	if (ret)
		return ret;
	ret = enpu_wait(fd, j->s.job_id, 120 * SEC, &status);
	if (ret)
		return ret;
	if (status)
		return status;
	return enpu_t_check(j->out, ENPU_T_N, 5) ? -EIO : 0;
}

/*
 * Item 2, ioctl path: a file gets -EBUSY once it has the cap of jobs in
 * flight, another file is not affected, and every accepted job completes.
 */
TEST_F_TIMEOUT(hz, in_flight_cap_ioctl, 600)
{
	long cap = jobs_cap(self->fd), n, i;
	static uint64_t ids[DEFAULT_CAP * 2 + 16];
	struct enpu_lut_job other;
	struct blocker b;
	struct hz_job hj;
	int32_t status;
	int ret = 0, fails = 0, fd2;
	int64_t t0;

	ASSERT_GE(DEFAULT_CAP * 2, cap);
	ASSERT_GE(cap, 1000);	/* what libaccel and the other tests need */
	ASSERT_EQ(0, blocker_start(self->fd, &b));
	hz_job_init(&hj, self->j.bo[0], b.shared);

	t0 = enpu_now_ns();
	for (n = 0; n < cap + 16; n++) {
		hj.s.job_id = 0;
		ret = enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &hj.s);
		if (ret)
			break;
		ids[n] = hj.s.job_id;
	}
	TH_LOG("%ld jobs accepted, then %d, in %lld ms", n, ret,
	       (long long)(enpu_now_ns() - t0) / 1000000);
	EXPECT_EQ(cap, n);
	EXPECT_EQ(-EBUSY, ret);
	/* Still full: the blocker holds every job. */
	hj.s.job_id = 0;
	EXPECT_EQ(-EBUSY, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &hj.s));

	/*
	 * Per file: another file still submits.  (Its job runs after the
	 * blocker: the blocker's jobs hold both workers of the engine.)
	 */
	fd2 = enpu_open_device();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, enpu_lut_job_init(fd2, &other, 6));
	ASSERT_EQ(0, enpu_ioctl(fd2, DRM_IOCTL_ENPU_SUBMIT, &other.s));

	t0 = enpu_now_ns();
	ASSERT_EQ(0, blocker_stop(&b));
	TH_LOG("blocker gone after %lld ms",
	       (long long)(enpu_now_ns() - t0) / 1000000);
	for (i = 0; i < n; i++) {
		status = 1;
		ASSERT_EQ(0, enpu_wait(self->fd, ids[i], 300 * SEC, &status));
		if (status)
			fails++;
	}
	TH_LOG("all done after %lld ms",
	       (long long)(enpu_now_ns() - t0) / 1000000);
	EXPECT_EQ(0, fails);
	status = 1;
	ASSERT_EQ(0, enpu_wait(fd2, other.s.job_id, 300 * SEC, &status));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, enpu_t_check(other.out, ENPU_T_N, 6));
	enpu_lut_job_unmap(&other);
	close(fd2);
	/* Drained: the file submits again. */
	EXPECT_EQ(0, run_lut(self->fd, &self->j));
}

/* Item 2, io_uring path: SQEs past the cap complete with -EBUSY. */
TEST_F_TIMEOUT(hz, in_flight_cap_uring, 600)
{
	enum { EXTRA = 8 };
	long cap = jobs_cap(self->fd), i, ok = 0, busy = 0, other = 0;
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 };
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	struct blocker b;
	struct hz_job hj;

	ASSERT_GE(DEFAULT_CAP * 2, cap);
	ASSERT_EQ(0, io_uring_queue_init_params(DEFAULT_CAP * 4, &ring, &p));
	ASSERT_EQ(0, blocker_start(self->fd, &b));
	hz_job_init(&hj, self->j.bo[0], b.shared);

	for (i = 0; i < cap + EXTRA; i++)
		enpu_prep_uring_cmd(&ring, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
				    &hj.s, i);
	ASSERT_EQ(cap + EXTRA, io_uring_submit(&ring));
	/* The rejected ones complete at once; the rest wait for the blocker. */
	for (i = 0; i < 200 && busy < EXTRA; i++) {
		while (io_uring_peek_cqe(&ring, &cqe) == 0) {
			if (cqe->res == -EBUSY)
				busy++;
			else if (cqe->res == 0)
				ok++;
			else
				other++;
			io_uring_cqe_seen(&ring, cqe);
		}
		if (busy < EXTRA)
			usleep(10000);
	}
	TH_LOG("with the blocker: %ld -EBUSY, %ld done, %ld other", busy, ok,
	       other);
	EXPECT_EQ(EXTRA, busy);

	ASSERT_EQ(0, blocker_stop(&b));
	while (ok + busy + other < cap + EXTRA) {
		struct __kernel_timespec ts = { .tv_sec = 300 };

		ASSERT_EQ(0, io_uring_wait_cqe_timeout(&ring, &cqe, &ts));
		if (cqe->res == -EBUSY)
			busy++;
		else if (cqe->res == 0)
			ok++;
		else
			other++;
		io_uring_cqe_seen(&ring, cqe);
	}
	EXPECT_EQ(EXTRA, busy);
	EXPECT_EQ(cap, ok);
	EXPECT_EQ(0, other);
	io_uring_queue_exit(&ring);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n == (ssize_t)strlen(s) ? 0 : -errno;
	close(fd);
	return n;
}

static long long read_ll(const char *path)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoll(buf) : -1;
}

/* cgroup2 at CG_ROOT with the memory controller for children, or -errno. */
static int cgroup_setup(void)
{
	char ctl[128] = { 0 };
	int fd;

	if (access(CG_ROOT "/cgroup.subtree_control", F_OK) &&
	    mount("none", CG_ROOT, "cgroup2", 0, NULL))
		return -errno;
	fd = open(CG_ROOT "/cgroup.controllers", O_RDONLY);
	if (fd < 0)
		return -errno;
	if (read(fd, ctl, sizeof(ctl) - 1) < 0)
		ctl[0] = 0;
	close(fd);
	if (!strstr(ctl, "memory"))
		return -EOPNOTSUPP;
	return write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
}

/* An anonymous buffer starting with the LUT command buffer, total @total. */
static uint8_t *cmdbuf_buffer(size_t size, uint32_t total)
{
	struct enpu_lut_cmdbuf cb;
	struct enpu_cmdbuf_header *h;
	uint8_t *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	enpu_build_lut(&cb, ENPU_T_N, 0);
	memcpy(p, cb.bytes, sizeof(cb.bytes));
	h = (struct enpu_cmdbuf_header *)p;
	h->total_size = total;
	return p;
}

/*
 * Item 2, accounting: jobs held in flight by a process in a memory cgroup.
 * With a large cmdbuf_size and a small header total_size the cgroup's
 * memory.current grows by far less than the buffers submitted (only the
 * declared bytes are copied); with a large total_size it grows by at least
 * the bytes copied (the copy is charged to the submitter).
 */
TEST_F_TIMEOUT(hz, cmdbuf_copy_charged_to_cgroup, 600)
{
	enum { N_SMALL = 8, N_BIG = 16 };
	const size_t small_size = 32u << 20, big_total = 4u << 20;
	long long base, after_small, after_big;
	uint64_t ids[N_SMALL + N_BIG];
	char cg[128], path[192], pid[32];
	uint8_t *small, *big;
	struct blocker b;
	struct hz_job hj;
	int ret, i, n = 0;
	int32_t status;

	ret = cgroup_setup();
	ENPU_REQUIRE(!ret, return, "no cgroup2 memory controller: %d", ret);
	small = cmdbuf_buffer(small_size, ENPU_T_CMDBUF_SIZE);
	big = cmdbuf_buffer(big_total, big_total);
	ASSERT_NE(NULL, small);
	ASSERT_NE(NULL, big);
	memset(big + ENPU_T_CMDBUF_SIZE, 0, big_total - ENPU_T_CMDBUF_SIZE);

	/* The blocker stays outside; only this process joins the cgroup. */
	ASSERT_EQ(0, blocker_start(self->fd, &b));
	hz_job_init(&hj, self->j.bo[0], b.shared);
	snprintf(cg, sizeof(cg), CG_ROOT "/enpu-hardening-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	ASSERT_EQ(0, write_file(path, pid));
	snprintf(path, sizeof(path), "%s/memory.current", cg);

	base = read_ll(path);
	ASSERT_LE(0, base);
	hj.s.cmdbuf_ptr = (uintptr_t)small;
	hj.s.cmdbuf_size = small_size;
	for (i = 0; i < N_SMALL; i++, n++) {
		hj.s.job_id = 0;
		ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &hj.s));
		ids[n] = hj.s.job_id;
	}
	after_small = read_ll(path);
	hj.s.cmdbuf_ptr = (uintptr_t)big;
	hj.s.cmdbuf_size = big_total;
	for (i = 0; i < N_BIG; i++, n++) {
		hj.s.job_id = 0;
		ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &hj.s));
		ids[n] = hj.s.job_id;
	}
	after_big = read_ll(path);
	TH_LOG("memory.current: %lld, +%lld after %d x %zu MiB buffers of %u bytes, +%lld after %d x %zu MiB",
	       base, after_small - base, N_SMALL, small_size >> 20,
	       ENPU_T_CMDBUF_SIZE, after_big - after_small, N_BIG,
	       big_total >> 20);
	/* Were the whole buffers copied, that would be N_SMALL * 32 MiB. */
	EXPECT_GT((long long)(N_SMALL * small_size / 8), after_small - base);
	EXPECT_LE((long long)(N_BIG * big_total), after_big - after_small);

	ASSERT_EQ(0, write_file(CG_ROOT "/cgroup.procs", pid));
	ASSERT_EQ(0, blocker_stop(&b));
	for (i = 0; i < n; i++) {
		status = 1;
		ASSERT_EQ(0, enpu_wait(self->fd, ids[i], 300 * SEC, &status));
		EXPECT_EQ(0, status);
	}
	rmdir(cg);
	munmap(small, small_size);
	munmap(big, big_total);
}

/* Clear CAP_SYS_NICE from this thread's effective and permitted sets. */
static int drop_cap_sys_nice(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[CAP_SYS_NICE / 32].effective &= ~(1u << (CAP_SYS_NICE % 32));
	d[CAP_SYS_NICE / 32].permitted &= ~(1u << (CAP_SYS_NICE % 32));
	d[CAP_SYS_NICE / 32].inheritable &= ~(1u << (CAP_SYS_NICE % 32));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* In a child without CAP_SYS_NICE; the exit status names what failed. */
static int unprivileged_priorities(int fd, struct enpu_lut_job *j)
{
	struct io_uring ring;
	int ret;

	if (drop_cap_sys_nice())
		return 10;
	j->s.priority = DRM_ENPU_PRIORITY_HIGH;
	j->s.job_id = 0;
	if (enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &j->s) != -EACCES)
		return 11;
	j->s.priority = DRM_ENPU_PRIORITY_NORMAL;
	if (run_lut(fd, j))
		return 12;
	j->s.priority = DRM_ENPU_PRIORITY_LOW;
	if (run_lut(fd, j))
		return 13;
	if (io_uring_queue_init(8, &ring, IORING_SETUP_SQE128))
		return 14;
	j->s.priority = DRM_ENPU_PRIORITY_HIGH;
	j->s.job_id = 0;
	ret = enpu_uring_one(&ring, fd, DRM_ENPU_URING_CMD_SUBMIT, &j->s);
	ret = ret == -EACCES ? 0 : 15;
	j->s.priority = DRM_ENPU_PRIORITY_NORMAL;
	if (!ret &&
	    enpu_uring_one(&ring, fd, DRM_ENPU_URING_CMD_SUBMIT, &j->s))
		ret = 16;
	io_uring_queue_exit(&ring);
	return ret;
}

/* Item 3: HIGH priority needs CAP_SYS_NICE, on both paths. */
TEST_F(hz, high_priority_needs_cap_sys_nice)
{
	struct io_uring ring;
	pid_t pid;
	int st;

	/* Root (with CAP_SYS_NICE): HIGH works on both paths. */
	self->j.s.priority = DRM_ENPU_PRIORITY_HIGH;
	EXPECT_EQ(0, run_lut(self->fd, &self->j));
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, IORING_SETUP_SQE128));
	self->j.s.job_id = 0;
	EXPECT_EQ(0, enpu_uring_one(&ring, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
				    &self->j.s));
	io_uring_queue_exit(&ring);

	/* The same open file, in a process without CAP_SYS_NICE. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(unprivileged_priorities(self->fd, &self->j));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* Item 4: the soft device cannot be unbound; it keeps working. */
TEST_F(hz, unbind_suppressed)
{
	const char *drv = "/sys/bus/platform/drivers/enpu-soft";
	char path[128];
	struct stat st;

	ASSERT_EQ(0, stat(drv, &st));	/* the driver is there ... */
	snprintf(path, sizeof(path), "%s/unbind", drv);
	EXPECT_NE(0, access(path, F_OK));	/* ... without unbind/bind */
	EXPECT_EQ(ENOENT, errno);
	snprintf(path, sizeof(path), "%s/bind", drv);
	EXPECT_NE(0, access(path, F_OK));
	EXPECT_EQ(0, run_lut(self->fd, &self->j));
}

/*
 * Item 5: a job's fence exported as a sync_file stays usable after the
 * device file (and with it the syncobj and the job's file context) is gone.
 * Without KASAN this cannot see a use-after-free of a device-owned lock: it
 * checks the fence's state and that querying it does not crash.
 */
TEST_F(hz, fence_outlives_file)
{
	struct drm_syncobj_handle h = {
		.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1,
	};
	struct pollfd pfd = { .events = POLLIN };
	struct sync_fence_info fi;
	struct sync_file_info info;
	uint32_t sync;

	ASSERT_EQ(0, enpu_syncobj_create(self->fd, &sync));
	self->j.s.out_syncobj = sync;
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &self->j.s));
	self->j.s.out_syncobj = 0;
	h.handle = sync;
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h));
	enpu_lut_job_unmap(&self->j);
	close(self->fd);
	self->fd = -1;

	pfd.fd = h.fd;
	ASSERT_EQ(1, poll(&pfd, 1, 120000));
	memset(&info, 0, sizeof(info));
	memset(&fi, 0, sizeof(fi));
	info.num_fences = 1;
	info.sync_fence_info = (uintptr_t)&fi;
	ASSERT_EQ(0, enpu_ioctl(h.fd, SYNC_IOC_FILE_INFO, &info));
	EXPECT_EQ(1, info.status);
	EXPECT_EQ(1, fi.status);
	EXPECT_NE(0, fi.timestamp_ns);
	close(h.fd);
}

/* Item 6a: one BO bound to two slots is -EINVAL on both paths. */
TEST_F(hz, one_bo_two_slots)
{
	uint32_t dup[2] = { self->j.bo[0], self->j.bo[0] };
	struct drm_enpu_submit s = self->j.s;
	struct io_uring ring;

	s.bo_handles = (uintptr_t)dup;
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, IORING_SETUP_SQE128));
	EXPECT_EQ(-EINVAL, enpu_uring_one(&ring, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
					  &s));
	io_uring_queue_exit(&ring);
	EXPECT_EQ(0, run_lut(self->fd, &self->j));
}

/* Item 6b: the 16 bytes after the payload in the SQE must be zero. */
TEST_F(hz, uring_cmd_tail_must_be_zero)
{
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int i;

	ASSERT_EQ(0, io_uring_queue_init(8, &ring, IORING_SETUP_SQE128));
	memset(self->j.out, 0x5a, ENPU_T_BO_SIZE);
	for (i = sizeof(struct drm_enpu_submit); i < 80; i++) {
		enpu_prep_uring_cmd(&ring, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
				    &self->j.s, i)->cmd[i] = 1;
		ASSERT_EQ(1, io_uring_submit(&ring));
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		EXPECT_EQ(-EINVAL, cqe->res);
		EXPECT_EQ(i, cqe->user_data);
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	/* Wait for anything wrongly accepted; then check that nothing ran. */
	EXPECT_EQ(0, run_lut(self->fd, &self->j));
	memset(self->j.out, 0x5a, ENPU_T_BO_SIZE);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, IORING_SETUP_SQE128));
	self->j.s.job_id = 0;
	EXPECT_EQ(0, enpu_uring_one(&ring, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
				    &self->j.s));
	io_uring_queue_exit(&ring);
	EXPECT_EQ(0, enpu_t_check(self->j.out, ENPU_T_N, 5));
}

/* Item 6c: the ioctl rejects a non-zero input job_id, as io_uring does. */
TEST_F(hz, ioctl_job_id_must_be_zero)
{
	struct io_uring ring;

	memset(self->j.out, 0x5a, ENPU_T_BO_SIZE);
	self->j.s.job_id = 5;
	EXPECT_EQ(-EINVAL, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT,
				      &self->j.s));
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, IORING_SETUP_SQE128));
	EXPECT_EQ(-EINVAL, enpu_uring_one(&ring, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
					  &self->j.s));
	io_uring_queue_exit(&ring);
	/* Nothing ran. */
	EXPECT_EQ(0x5a, (uint8_t)self->j.out[0]);
	EXPECT_EQ(0, run_lut(self->fd, &self->j));
}

static int force_reset(void)
{
	const char *dir = enpu_debugfs_dir("reset");
	char path[320];

	if (!dir)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/reset", dir);
	return write_file(path, "1\n");
}

static int wait_bo(int fd, uint32_t handle, int64_t abs_ns, int32_t *status)
{
	struct drm_enpu_wait w = {
		.handle = handle,
		.flags = DRM_ENPU_WAIT_BO,
		.timeout_ns = abs_ns,
		.job_status = 1,
	};
	int ret = enpu_ioctl(fd, DRM_IOCTL_ENPU_WAIT, &w);

	*status = w.job_status;
	return ret;
}

/*
 * Item 6d: WAIT_BO reports a failed job's error.  The long job is reset
 * through debugfs (-EIO) or, should it reach the job timeout first, hangs
 * (-ETIMEDOUT): it fails either way, and WAIT_BO must say so, as WAIT by
 * id does.
 */
TEST_F_TIMEOUT(hz, wait_bo_reports_failed_job, 600)
{
	static uint8_t cb[ENPU_FC_CB_SIZE];
	struct drm_enpu_submit s;
	struct hz_job hj;
	int32_t bo_status = 0, id_status = 0;
	uint32_t bo[3];
	int i, ret = -ETIME;

	ENPU_REQUIRE(enpu_debugfs_dir("reset"), return,
		     "debugfs reset file of the device not found");
	ASSERT_EQ(0, enpu_fc_bos(self->fd, FC_M, FC_K, FC_N, bo));
	enpu_build_fc(cb, FC_M, FC_K, FC_N);
	enpu_fc_submit_args(&s, cb, bo);
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	for (i = 0; i < 100000 && ret == -ETIME; i++) {
		ASSERT_EQ(0, force_reset());
		usleep(1000);
		ret = wait_bo(self->fd, bo[2], 0, &bo_status);
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, enpu_wait(self->fd, s.job_id, 60 * SEC, &id_status));
	TH_LOG("job status %d, WAIT_BO status %d", id_status, bo_status);
	EXPECT_GT(0, id_status);
	EXPECT_EQ(id_status, bo_status);
	/* A hang (not a reset) banned this process: nothing more to try. */
	if (id_status == -ETIMEDOUT)
		return;
	/* A later successful job on the BO replaces the failed one. */
	hz_job_init(&hj, self->j.bo[0], bo[2]);
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &hj.s));
	bo_status = 1;
	EXPECT_EQ(0, wait_bo(self->fd, bo[2], enpu_now_ns() + 60 * SEC,
			     &bo_status));
	EXPECT_EQ(0, bo_status);
	ASSERT_EQ(0, enpu_wait(self->fd, hj.s.job_id, 60 * SEC, &id_status));
	EXPECT_EQ(0, id_status);
}

/*
 * Item 6e: a hang bans the process: a file it opens afterwards gets
 * -ECANCELED (ioctl and io_uring), another process is not affected.
 */
TEST_F_TIMEOUT(hz, ban_follows_process, 600)
{
	static uint8_t cb[ENPU_FC_CB_SIZE];
	struct drm_enpu_submit s;
	struct enpu_lut_job j2;
	struct io_uring ring;
	int32_t status = 0;
	uint32_t bo[3];
	pid_t pid;
	int fd2, st;

	ENPU_REQUIRE(get_param(self->fd, DRM_ENPU_PARAM_JOB_TIMEOUT_MS) <= 2000,
		     return,
		     "job timeout over 2000 ms: load enpu with timeout_ms<=2000");
	ASSERT_EQ(0, enpu_fc_bos(self->fd, FC_M, FC_K, FC_N, bo));
	enpu_build_fc(cb, FC_M, FC_K, FC_N);
	enpu_fc_submit_args(&s, cb, bo);
	ASSERT_EQ(0, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	ASSERT_EQ(0, enpu_wait(self->fd, s.job_id, 300 * SEC, &status));
	ASSERT_EQ(-ETIMEDOUT, status);
	self->j.s.job_id = 0;
	EXPECT_EQ(-ECANCELED, enpu_ioctl(self->fd, DRM_IOCTL_ENPU_SUBMIT,
					 &self->j.s));

	/* Reopening does not escape the ban ... */
	fd2 = enpu_open_device();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, enpu_lut_job_init(fd2, &j2, 5));
	EXPECT_EQ(-ECANCELED, enpu_ioctl(fd2, DRM_IOCTL_ENPU_SUBMIT, &j2.s));
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, IORING_SETUP_SQE128));
	j2.s.job_id = 0;
	EXPECT_EQ(-ECANCELED, enpu_uring_one(&ring, fd2, DRM_ENPU_URING_CMD_SUBMIT,
					     &j2.s));
	io_uring_queue_exit(&ring);

	/* ... while another process, even on this very file, is fine. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd3 = enpu_open_device();
		struct enpu_lut_job j3;

		if (fd3 < 0 || enpu_lut_job_init(fd3, &j3, 5))
			_exit(2);
		if (run_lut(fd3, &j3))
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	enpu_lut_job_unmap(&j2);
	close(fd2);
}

/* Threads of this process, from /proc/self/task. */
static int count_threads(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * Item 6f: issued inline (IO_URING_F_NONBLOCK), a command buffer above the
 * inline limit goes to an io-wq worker (a new thread of this process)
 * instead of being copied and validated inline; its result is the same.
 */
TEST_F(hz, uring_large_cmdbuf_punted)
{
	const uint32_t total = 1u << 20;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int before, after;
	uint8_t *big;

	big = cmdbuf_buffer(total, total);
	ASSERT_NE(NULL, big);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, IORING_SETUP_SQE128));
	memset(self->j.out, 0x5a, ENPU_T_BO_SIZE);
	self->j.s.cmdbuf_ptr = (uintptr_t)big;
	self->j.s.cmdbuf_size = total;
	before = count_threads();
	enpu_prep_uring_cmd(&ring, self->fd, DRM_ENPU_URING_CMD_SUBMIT,
			    &self->j.s, 1);
	ASSERT_EQ(1, io_uring_submit(&ring));
	after = count_threads();
	TH_LOG("threads %d before, %d after the submit", before, after);
	EXPECT_EQ(1, before);
	EXPECT_LT(before, after);
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ(0, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	EXPECT_EQ(0, enpu_t_check(self->j.out, ENPU_T_N, 5));
	io_uring_queue_exit(&ring);
	munmap(big, total);
}

/*
 * Item 6f: SQPOLL, inline io_uring and ioctl submitters on one file, every
 * job reading one shared BO (contended reservation and submit locks) and
 * writing its own 1 KiB of its thread's output BO: every job completes with
 * status 0 and exact output.  (It shows that the non-blocking attempts and
 * their retries in io-wq lose and duplicate nothing; it cannot show that
 * nothing slept, which only a scheduler trace could.)
 */
#define CC_JOBS	150
#define CC_SLOT	1024

enum { CC_SQPOLL, CC_INLINE, CC_IOCTL, CC_THREADS };

struct cc_thread {
	int fd, mode, errors, done;
	uint32_t bo[2];
	int8_t *out;
	struct enpu_lut_cmdbuf cb[CC_JOBS];
	struct drm_enpu_submit s[CC_JOBS];
};

static void *cc_run(void *arg)
{
	struct cc_thread *t = arg;
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 };
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int i;

	if (t->mode == CC_IOCTL) {
		uint64_t ids[CC_JOBS];
		int32_t status;

		for (i = 0; i < CC_JOBS; i++) {
			if (enpu_ioctl(t->fd, DRM_IOCTL_ENPU_SUBMIT, &t->s[i]))
				t->errors++;
			ids[i] = t->s[i].job_id;
		}
		for (i = 0; i < CC_JOBS; i++) {
			status = 1;
			if (!ids[i] || enpu_wait(t->fd, ids[i], 300 * SEC,
						 &status) || status)
				t->errors++;
			else
				t->done++;
		}
		return NULL;
	}
	if (t->mode == CC_SQPOLL) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 1000;
	}
	if (io_uring_queue_init_params(CC_JOBS, &ring, &p)) {
		t->errors = CC_JOBS;
		return NULL;
	}
	/* Several batches, so that submissions overlap the other threads. */
	for (i = 0; i < CC_JOBS; i++) {
		enpu_prep_uring_cmd(&ring, t->fd, DRM_ENPU_URING_CMD_SUBMIT,
				    &t->s[i], i);
		if (i % 10 == 9 && io_uring_submit(&ring) < 0)
			t->errors++;
	}
	if (io_uring_submit(&ring) < 0)
		t->errors++;
	for (i = 0; i < CC_JOBS; i++) {
		struct __kernel_timespec ts = { .tv_sec = 300 };

		if (io_uring_wait_cqe_timeout(&ring, &cqe, &ts)) {
			t->errors++;
			break;
		}
		if (cqe->res)
			t->errors++;
		else
			t->done++;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return NULL;
}

TEST_F_TIMEOUT(hz, concurrent_sqpoll_inline_ioctl, 600)
{
	static struct cc_thread t[CC_THREADS];
	pthread_t th[CC_THREADS];
	int k, i, bad = 0;

	for (k = 0; k < CC_THREADS; k++) {
		memset(&t[k], 0, sizeof(t[k]));
		t[k].fd = self->fd;
		t[k].mode = k;
		t[k].bo[0] = self->j.bo[0];
		ASSERT_EQ(0, enpu_bo_create(self->fd, CC_JOBS * CC_SLOT,
					    &t[k].bo[1]));
		t[k].out = enpu_bo_map(self->fd, t[k].bo[1], CC_JOBS * CC_SLOT);
		ASSERT_NE(NULL, t[k].out);
		memset(t[k].out, 0x5a, CC_JOBS * CC_SLOT);
		for (i = 0; i < CC_JOBS; i++) {
			enpu_build_lut(&t[k].cb[i], ENPU_T_N, i * CC_SLOT);
			enpu_t_submit_args(&t[k].s[i], &t[k].cb[i], t[k].bo);
		}
	}
	for (k = 0; k < CC_THREADS; k++)
		ASSERT_EQ(0, pthread_create(&th[k], NULL, cc_run, &t[k]));
	for (k = 0; k < CC_THREADS; k++)
		pthread_join(th[k], NULL);
	for (k = 0; k < CC_THREADS; k++) {
		EXPECT_EQ(0, t[k].errors);
		EXPECT_EQ(CC_JOBS, t[k].done);
		for (i = 0; i < CC_JOBS; i++)
			if (enpu_t_check(t[k].out + i * CC_SLOT, ENPU_T_N, 5))
				bad++;
		munmap(t[k].out, CC_JOBS * CC_SLOT);
	}
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
