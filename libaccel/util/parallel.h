/* SPDX-License-Identifier: MIT */
/*
 * Data-parallel loops on a small thread pool of our own.  (Debian ships
 * pthreadpool only as a shared library, and the test binaries the VMs run
 * are static.)  A context owns one pool; a run makes it current for its thread
 * (par_enter()/par_leave()), and kernels split their work with par_run(),
 * which falls back to a plain loop where no pool is current (and inside a
 * par_run() task: no nesting), and for the rest of the run and a few more
 * runs (par_enter() to par_leave()) after the workers kept making
 * par_run()s slower (a machine busy with other work).
 */
#ifndef LIBACCEL_PARALLEL_H
#define LIBACCEL_PARALLEL_H

#include <stdint.h>

struct par_pool;

/*
 * A pool of @threads threads (the caller counts as one); 0 means one per
 * CPU this process may run on.  NULL on failure.  A pool of 1 thread runs
 * everything in the caller.
 */
struct par_pool *par_pool_create(unsigned int threads);
void par_pool_destroy(struct par_pool *p);
unsigned int par_pool_threads(const struct par_pool *p);
/*
 * @on: every par_run() hands work to the workers, even when recent runs
 * found them slower than the caller alone (tests of the parallel path);
 * off (the default): such runs go serial for a while.
 */
void par_pool_always(struct par_pool *p, int on);
/* The CPUs this process may run on (sched_getaffinity), at least 1. */
unsigned int par_cpus(void);

/*
 * Make @p current for this thread until par_leave(), which restores the
 * previous one.  A pool runs one par_run() at a time: par_enter() takes its
 * lock, so two runs on one context share its threads in turn.
 */
void par_enter(struct par_pool *p, struct par_pool **saved);
void par_leave(struct par_pool *saved);

/*
 * struct par_tune - whether runs of one kind (one compiled form of a
 * model) go faster on the workers or on the caller alone.  Splitting every
 * operation of a small model costs more than it saves on some machines
 * (each operation's output moves between the cores' caches), while a batch
 * in parts scales: so a round of PAR_TUNE_RUNS runs of each way, in turn,
 * times them (the fastest of each, which other work on the machine slows
 * least), and the next PAR_TUNE_EVERY runs go the way that won (the
 * workers by at least 5%), then another round.  Zero-initialised; read and
 * written by par_enter_tuned() and par_leave() under the pool's run lock.
 */
struct par_tune {
	uint64_t best[2];	/* this round's fastest run: alone, workers */
	uint32_t left;		/* runs before the next round */
	uint32_t step;		/* runs of this round so far */
	int choice;		/* 1: the workers */
};

/* par_enter() for a run of kind @t (timed until par_leave()). */
void par_enter_tuned(struct par_pool *p, struct par_pool **saved,
		     struct par_tune *t);

/*
 * Threads the next par_run() of this thread uses: the current pool's, 1
 * when none, inside a task, or while the pool runs on the caller alone.
 */
unsigned int par_threads(void);

/* fn(arg, i) for every i in [0, n), on the current pool's threads. */
void par_run(void (*fn)(void *arg, uint32_t i), void *arg, uint32_t n);

#endif /* LIBACCEL_PARALLEL_H */
