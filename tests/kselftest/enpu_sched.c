// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: scheduling.  Two or three processes, each with its own
 * file (so its own scheduler entity), stream equal jobs at the same
 * priority: neither is starved.  HIGH and LOW priority jobs of one file,
 * both backlogged: HIGH completes first.  A job reading another job's
 * output (implicit or explicit dependency) starts only after it finished.
 *
 * Completion order comes from the kernel: every job signals an out syncobj,
 * exported as a sync_file whose fence info carries the CLOCK_MONOTONIC
 * time the scheduler fence signalled.  So the order measured is the order
 * the engine finished the jobs in, not the order the submitters happened to
 * be scheduled on the (two, emulated) CPUs.  No timing threshold is
 * asserted anywhere: only orders and ratios.
 *
 * Every job has BOs of its own: the driver adds implicit dependencies
 * between jobs sharing a BO, which would serialise a file's jobs and hide
 * what the scheduler does.
 */
#include <sys/wait.h>

#include "enpu_test.h"
#include "kselftest_harness.h"

#define SEC	1000000000ll

/* One job: 8 x 256 x 256 = 512K multiply-accumulates. */
#define JOB_M	8
#define JOB_K	256
#define JOB_N	256

#define FAIR_MAX_PROCS	3
#define FAIR_JOBS	60	/* per process */
#define FAIR_WINDOW	8	/* jobs each process keeps in flight */

/* Shared (MAP_SHARED) between the parent and the submitting children. */
struct fair_result {
	int64_t ts[FAIR_MAX_PROCS][FAIR_JOBS];
};

/*
 * One streaming client: keeps FAIR_WINDOW jobs in flight, reaping the
 * oldest before submitting the next, and records when each job completed.
 * Returns 0 or the number of the step that failed (the exit status).
 */
static int fair_child(struct fair_result *res, int p, int ready_fd, int go_fd)
{
	static uint8_t cb[ENPU_FC_CB_SIZE];
	uint32_t bo[FAIR_WINDOW][3], sync[FAIR_WINDOW];
	uint64_t id[FAIR_WINDOW] = { 0 };
	struct drm_enpu_submit s;
	int32_t status;
	int fd, i, w;
	char c = 'r';

	fd = enpu_open_device();
	if (fd < 0)
		return 10;
	enpu_build_fc(cb, JOB_M, JOB_K, JOB_N);
	for (w = 0; w < FAIR_WINDOW; w++)
		if (enpu_fc_bos(fd, JOB_M, JOB_K, JOB_N, bo[w]) ||
		    enpu_syncobj_create(fd, &sync[w]))
			return 11;
	if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 1)
		return 12;

	for (i = 0; i < FAIR_JOBS + FAIR_WINDOW; i++) {
		w = i % FAIR_WINDOW;
		if (i >= FAIR_WINDOW) {
			status = 1;
			if (enpu_wait(fd, id[w], 120 * SEC, &status) || status)
				return 13;
			if (enpu_syncobj_signal_ns(fd, sync[w],
						   &res->ts[p][i - FAIR_WINDOW]))
				return 14;
		}
		if (i < FAIR_JOBS) {
			enpu_fc_submit_args(&s, cb, bo[w]);
			s.out_syncobj = sync[w];
			if (enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s))
				return 15;
			id[w] = s.job_id;
		}
	}
	close(fd);
	return 0;
}

struct done {
	int64_t ts;
	int proc;
};

static int done_cmp(const void *a, const void *b)
{
	const struct done *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->proc - y->proc;
}

FIXTURE(fair) {
	struct fair_result *res;
};

FIXTURE_VARIANT(fair) {
	int procs;
};

FIXTURE_VARIANT_ADD(fair, two_processes) {
	.procs = 2,
};

FIXTURE_VARIANT_ADD(fair, three_processes) {
	.procs = 3,
};

FIXTURE_SETUP(fair)
{
	int fd = enpu_open_device();

	self->res = MAP_FAILED;
	ENPU_REQUIRE(fd >= 0, return, "no enpu accel device (module not loaded?)");
	close(fd);
	self->res = mmap(NULL, sizeof(*self->res), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->res);
}

FIXTURE_TEARDOWN(fair)
{
	if (self->res != MAP_FAILED)
		munmap(self->res, sizeof(*self->res));
}

/*
 * Starvation check.  Sort the completions of all processes by time; a fair
 * scheduler finishes about half of each process's jobs within the first
 * half of all completions, and never runs long streaks of one process's
 * jobs while the others wait with jobs queued.
 *
 * Bounds, from 8 boots of the 2-CPU TCG VM (drm_sched's default FIFO
 * policy, 2 workers, jobs of ~2.6 ms): with 2 processes each one's share
 * of the first half was 28..32 of its 60 jobs and the longest streak 3..8
 * (8 = one window: a process that starts first fills it before the other
 * has submitted); with 3 processes 26..33 of 60 and 8.  A starved process
 * (checked by submitting one stream at LOW priority) has a share of 0 and
 * a streak of 60.  Asserted: a share of at least a quarter (15, against 26
 * measured) and a streak of at most three windows (24, against 8).
 */
#define FAIR_MIN_SHARE	(FAIR_JOBS / 4)
#define FAIR_MAX_RUN	(3 * FAIR_WINDOW)

TEST_F(fair, no_starvation)
{
	struct done all[FAIR_MAX_PROCS * FAIR_JOBS];
	int ready[2], go[2], st, p, i, n, run, max_run;
	int share[FAIR_MAX_PROCS] = { 0 };
	pid_t pid[FAIR_MAX_PROCS];
	char c[FAIR_MAX_PROCS];

	memset(self->res, 0, sizeof(*self->res));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	for (p = 0; p < variant->procs; p++) {
		pid[p] = fork();
		ASSERT_LE(0, pid[p]);
		if (!pid[p]) {
			close(ready[0]);
			close(go[1]);
			_exit(fair_child(self->res, p, ready[1], go[0]));
		}
	}
	close(ready[1]);
	close(go[0]);
	/* Start all streams together once every child has its BOs. */
	for (p = 0; p < variant->procs; p++)
		ASSERT_EQ(1, read(ready[0], c, 1));
	memset(c, 'g', sizeof(c));
	ASSERT_EQ(variant->procs, write(go[1], c, variant->procs));
	close(ready[0]);
	close(go[1]);
	for (p = 0; p < variant->procs; p++) {
		ASSERT_EQ(pid[p], waitpid(pid[p], &st, 0));
		ASSERT_TRUE(WIFEXITED(st));
		ASSERT_EQ(0, WEXITSTATUS(st));
	}

	n = 0;
	for (p = 0; p < variant->procs; p++)
		for (i = 0; i < FAIR_JOBS; i++) {
			ASSERT_LT(0, self->res->ts[p][i]);
			all[n].ts = self->res->ts[p][i];
			all[n++].proc = p;
		}
	qsort(all, n, sizeof(all[0]), done_cmp);

	max_run = run = 1;
	for (i = 0; i < n; i++) {
		if (i < n / 2)
			share[all[i].proc]++;
		if (i && all[i].proc == all[i - 1].proc && ++run > max_run)
			max_run = run;
		else if (i && all[i].proc != all[i - 1].proc)
			run = 1;
	}
	TH_LOG("%d processes x %d jobs: first-half shares %d %d %d, longest streak %d, %lld us/job",
	       variant->procs, FAIR_JOBS, share[0], share[1], share[2],
	       max_run, (long long)(all[n - 1].ts - all[0].ts) / 1000 / (n - 1));
	for (p = 0; p < variant->procs; p++)
		EXPECT_LE(FAIR_MIN_SHARE, share[p]);
	EXPECT_GE(FAIR_MAX_RUN, max_run);
}

/*
 * HIGH and LOW priority jobs of one file, all queued behind a gate: every
 * job takes as in-syncobj the fence of a longer "gate" job, so all of them
 * become runnable at the same moment, whatever the submission speed.  The
 * LOW jobs are submitted first, so FIFO alone would finish them first; the
 * priorities must reverse that.
 */
#define PRIO_JOBS	16	/* per priority */

TEST(high_priority_first)
{
	static uint8_t cb[ENPU_FC_CB_SIZE], gate_cb[ENPU_FC_CB_SIZE];
	uint32_t bo[2 * PRIO_JOBS][3], sync[2 * PRIO_JOBS], gate_bo[3], gate;
	uint64_t id[2 * PRIO_JOBS], gate_id;
	int64_t ts[2 * PRIO_JOBS];
	struct drm_enpu_submit s;
	int fd, i, j, ahead = 0;
	long long rank_hi = 0, rank_lo = 0;
	int32_t status;

	ENPU_OPEN_DEVICE(fd, return);
	enpu_build_fc(cb, JOB_M, JOB_K, JOB_N);
	/* 16 times a normal job: the others are all queued long before. */
	enpu_build_fc(gate_cb, 16 * JOB_M, JOB_K, JOB_N);
	ASSERT_EQ(0, enpu_fc_bos(fd, 16 * JOB_M, JOB_K, JOB_N, gate_bo));
	ASSERT_EQ(0, enpu_syncobj_create(fd, &gate));
	for (i = 0; i < 2 * PRIO_JOBS; i++) {
		ASSERT_EQ(0, enpu_fc_bos(fd, JOB_M, JOB_K, JOB_N, bo[i]));
		ASSERT_EQ(0, enpu_syncobj_create(fd, &sync[i]));
	}

	enpu_fc_submit_args(&s, gate_cb, gate_bo);
	s.out_syncobj = gate;
	s.priority = DRM_ENPU_PRIORITY_HIGH;
	ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	gate_id = s.job_id;
	/* Jobs 0..PRIO_JOBS-1 LOW, then PRIO_JOBS..2*PRIO_JOBS-1 HIGH. */
	for (i = 0; i < 2 * PRIO_JOBS; i++) {
		enpu_fc_submit_args(&s, cb, bo[i]);
		s.in_syncobj = gate;
		s.out_syncobj = sync[i];
		s.priority = i < PRIO_JOBS ? DRM_ENPU_PRIORITY_LOW :
					     DRM_ENPU_PRIORITY_HIGH;
		ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s));
		id[i] = s.job_id;
	}
	status = 1;
	ASSERT_EQ(0, enpu_wait(fd, gate_id, 120 * SEC, &status));
	ASSERT_EQ(0, status);
	for (i = 0; i < 2 * PRIO_JOBS; i++) {
		status = 1;
		ASSERT_EQ(0, enpu_wait(fd, id[i], 120 * SEC, &status));
		ASSERT_EQ(0, status);
		ASSERT_EQ(0, enpu_syncobj_signal_ns(fd, sync[i], &ts[i]));
	}

	/* Pairs (HIGH h, LOW l) with h completed before l, and mean ranks. */
	for (i = PRIO_JOBS; i < 2 * PRIO_JOBS; i++)
		for (j = 0; j < PRIO_JOBS; j++)
			ahead += ts[i] < ts[j];
	for (i = 0; i < 2 * PRIO_JOBS; i++) {
		int rank = 0;

		for (j = 0; j < 2 * PRIO_JOBS; j++)
			rank += ts[j] < ts[i];
		if (i < PRIO_JOBS)
			rank_lo += rank;
		else
			rank_hi += rank;
	}
	TH_LOG("HIGH ahead of LOW in %d of %d pairs; mean rank HIGH %.1f LOW %.1f",
	       ahead, PRIO_JOBS * PRIO_JOBS, (double)rank_hi / PRIO_JOBS,
	       (double)rank_lo / PRIO_JOBS);
	/*
	 * Strict priority with everything released at once gives all pairs
	 * (measured: 256 of 256 in 8 boots, mean rank HIGH 7.5, LOW 23.5);
	 * FIFO gives none (checked by swapping the priorities: 0 of 256).
	 * Ask for three quarters.
	 */
	EXPECT_LE(3 * PRIO_JOBS * PRIO_JOBS / 4, ahead);
	EXPECT_LT(rank_hi, rank_lo);
	close(fd);
}

/*
 * A job that reads another job's output must not start before that job has
 * finished.  Job A (a long fully-connected layer) writes X; job B (a short
 * LUT) reads X and writes Y.  The engine has several workers, so a B
 * started as soon as A was merely *scheduled* would run next to A and read
 * X before A wrote it.  B's output is checked against X as A left it.
 */
#define DEP_M	16
#define DEP_K	2048
#define DEP_N	256

TEST(dependent_job_waits_for_its_input)
{
	static uint8_t fc[ENPU_FC_CB_SIZE];
	struct enpu_lut_cmdbuf lut;
	uint32_t a_bo[3], b_bo[2], sync, i, nonzero = 0, bad = 0;
	struct drm_enpu_submit s;
	int8_t *in, *w, *x, *y;
	int32_t status;
	uint64_t a_id;
	int fd, explicit;

	ENPU_OPEN_DEVICE(fd, return);
	ASSERT_EQ(0, enpu_syncobj_create(fd, &sync));
	/* Once with the implicit (shared BO) dependency only, once also
	 * with an explicit in-syncobj on A's fence.
	 */
	for (explicit = 0; explicit < 2; explicit++) {
		ASSERT_EQ(0, enpu_bo_create(fd, DEP_M * DEP_K, &a_bo[0]));
		ASSERT_EQ(0, enpu_bo_create(fd, DEP_K * DEP_N, &a_bo[1]));
		ASSERT_EQ(0, enpu_bo_create(fd, ENPU_T_BO_SIZE, &a_bo[2]));
		ASSERT_EQ(0, enpu_bo_create(fd, ENPU_T_BO_SIZE, &b_bo[1]));
		b_bo[0] = a_bo[2];
		in = enpu_bo_map(fd, a_bo[0], DEP_M * DEP_K);
		w = enpu_bo_map(fd, a_bo[1], DEP_K * DEP_N);
		x = enpu_bo_map(fd, a_bo[2], ENPU_T_BO_SIZE);
		y = enpu_bo_map(fd, b_bo[1], ENPU_T_BO_SIZE);
		ASSERT_NE(NULL, in);
		ASSERT_NE(NULL, w);
		ASSERT_NE(NULL, x);
		ASSERT_NE(NULL, y);
		for (i = 0; i < DEP_M * DEP_K; i++)
			in[i] = enpu_t_input(i, 5);
		for (i = 0; i < DEP_K * DEP_N; i++)
			w[i] = enpu_t_input(i, 6);
		/* X: A's output at 0 (zero now), B's table at 4096. */
		enpu_t_fill(x, 0, 0);

		enpu_build_fc(fc, DEP_M, DEP_K, DEP_N);
		enpu_fc_submit_args(&s, fc, a_bo);
		s.out_syncobj = sync;
		ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s));
		a_id = s.job_id;
		enpu_build_lut(&lut, DEP_M * DEP_N, 0);
		enpu_t_submit_args(&s, &lut, b_bo);
		s.in_syncobj = explicit ? sync : 0;
		ASSERT_EQ(0, enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s));
		status = 1;
		ASSERT_EQ(0, enpu_wait(fd, s.job_id, 120 * SEC, &status));
		ASSERT_EQ(0, status);
		status = 1;
		ASSERT_EQ(0, enpu_wait(fd, a_id, 120 * SEC, &status));
		ASSERT_EQ(0, status);

		for (i = 0; i < DEP_M * DEP_N; i++) {
			nonzero += x[i] != 0;
			bad += y[i] != enpu_t_table(x[i]);
		}
		ASSERT_LT(DEP_M * DEP_N / 2, nonzero);
		EXPECT_EQ(0, bad) TH_LOG("%s dependency: B ran before A finished",
					 explicit ? "explicit" : "implicit");
		munmap(in, DEP_M * DEP_K);
		munmap(w, DEP_K * DEP_N);
		munmap(x, ENPU_T_BO_SIZE);
		munmap(y, ENPU_T_BO_SIZE);
		nonzero = bad = 0;
	}
	close(fd);
}

TEST_HARNESS_MAIN
