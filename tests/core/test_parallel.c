// SPDX-License-Identifier: MIT
/*
 * libaccel's thread pool (libaccel/util/parallel.c): par_run() runs every
 * index of [0, n) exactly once, whatever n and the pool's size (more
 * threads than CPUs included), and the caller sees the tasks' writes when
 * it returns; a par_run() inside a task runs in that task's thread, in
 * order; runs after the workers fell asleep still run everything; many
 * pools, one after another, nested on one thread, one per thread at once,
 * and one shared by two threads (its runs take turns), all do their work;
 * all of it with every run handed to the workers (par_pool_always()), the
 * sizes also with the pool's serial fallback; tuned runs (par_enter_tuned())
 * time a round both ways (4 runs each, 256 runs apart: parallel.c's
 * PAR_TUNE_RUNS and PAR_TUNE_EVERY), then keep the choice.
 * Asserts nothing about time.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "util/parallel.h"

#define MAXN 70000u

struct job {
	_Atomic uint32_t *count;	/* runs of each index */
	uint32_t *value;		/* written by the task, read after */
	uint32_t n, seed;
	_Atomic uint32_t nested_bad;	/* a nested run not run serially */
};

static void task(void *arg, uint32_t i)
{
	struct job *j = arg;

	atomic_fetch_add_explicit(&j->count[i], 1, memory_order_relaxed);
	j->value[i] = i * 2654435761u + j->seed;
}

/* Runs @n indices of a fresh job on the current pool; 0 when all ran once. */
static int check_run(uint32_t n, uint32_t seed, const char *what)
{
	static _Atomic uint32_t count[MAXN];
	static uint32_t value[MAXN];
	struct job j = { .count = count, .value = value, .n = n, .seed = seed };
	uint32_t i, bad = 0;

	for (i = 0; i < n + 1 && i < MAXN; i++) {
		atomic_store(&count[i], 0);
		value[i] = ~0u;
	}
	par_run(task, &j, n);
	for (i = 0; i < n; i++)
		bad += count[i] != 1 || value[i] != i * 2654435761u + seed;
	if (n < MAXN)
		bad += count[n] != 0 || value[n] != ~0u;	/* nothing past n */
	return TAP_CHECK(!bad, "%s: n %u: %u indices not run exactly once",
			 what, n, bad) ? 0 : 1;
}

static void test_sizes(void)
{
	static const uint32_t ns[] = { 0, 1, 2, 3, 5, 7, 16, 63, 64, 65, 1000,
				       4097, 65537 };
	static const unsigned int threads[] = { 1, 2, 3, 4, 8 };
	unsigned int t, i, r, always;
	struct par_pool *p, *saved;

	for (t = 0; t < 2 * sizeof(threads) / sizeof(threads[0]); t++) {
		/* each size twice: handing every run to the workers, and not */
		always = t & 1;
		p = par_pool_create(threads[t / 2]);
		if (!TAP_CHECK(p, "pool of %u threads", threads[t / 2]))
			continue;
		par_pool_always(p, (int)always);
		TAP_CHECK(par_pool_threads(p) == threads[t / 2], "%u threads: %u",
			  threads[t / 2], par_pool_threads(p));
		par_enter(p, &saved);
		TAP_CHECK(par_threads() == threads[t / 2], "par_threads() %u, want %u",
			  par_threads(), threads[t / 2]);
		for (r = 0; r < 3; r++)
			for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
				check_run(ns[i], r * 7 + t, "sizes");
		/* many small runs back to back: late workers, generations */
		for (r = 0; r < 5000 && !tap_failures(); r++)
			check_run(1 + r % 9, r, "back to back");
		par_leave(saved);
		TAP_CHECK(par_threads() == 1, "par_threads() after par_leave %u",
			  par_threads());
		par_pool_destroy(p);
	}
	/* no pool current: a plain loop */
	check_run(100, 1, "no pool");
}

static void nested_task(void *arg, uint32_t i)
{
	struct job *j = arg;
	static _Atomic uint32_t inner[64][8];
	struct job in = { .count = inner[i % 64], .value = NULL };
	uint32_t k, v[8];

	if (par_threads() != 1)
		atomic_fetch_add(&j->nested_bad, 1);
	for (k = 0; k < 8; k++)
		atomic_store(&in.count[k], 0);
	in.value = v;
	par_run(task, &in, 8);	/* runs here, in order */
	for (k = 0; k < 8; k++)
		if (atomic_load(&in.count[k]) != 1 || v[k] != k * 2654435761u)
			atomic_fetch_add(&j->nested_bad, 1);
	task(arg, i);
}

static void empty_task(void *arg, uint32_t i)
{
	(void)arg;
	(void)i;
}

static void test_nested(void)
{
	static _Atomic uint32_t count[64], count2[64];
	static uint32_t value[64], value2[64];
	struct job j = { .count = count, .value = value, .n = 64, .seed = 5 };
	struct par_pool *p = par_pool_create(2), *saved;
	uint32_t i, bad = 0;

	if (!TAP_CHECK(p, "pool"))
		return;
	par_enter(p, &saved);
	par_run(nested_task, &j, 64);
	/* the same after empty runs the workers cannot win: serial ones */
	for (i = 0; i < 1000; i++)
		par_run(empty_task, NULL, 2);
	j.count = count2;
	j.value = value2;
	par_run(nested_task, &j, 64);
	/* the run may stay on the caller now (par_threads() 1), not forced */
	TAP_CHECK(par_threads() >= 1 && par_threads() <= 2,
		  "par_threads() after the runs: %u", par_threads());
	par_pool_always(p, 1);
	TAP_CHECK(par_threads() == 2, "par_threads() with the workers forced: %u",
		  par_threads());
	par_pool_always(p, 0);
	par_leave(saved);
	par_pool_destroy(p);
	for (i = 0; i < 64; i++)
		bad += count[i] != 1 || count2[i] != 1;
	TAP_CHECK(!bad && !j.nested_bad, "nested: %u outer, %u inner wrong",
		  bad, atomic_load(&j.nested_bad));
}

/* After the workers went to sleep (idle more than a few ms), runs still run. */
static void test_sleep_wake(void)
{
	struct par_pool *p = par_pool_create(3), *saved;
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	unsigned int r;

	if (!TAP_CHECK(p, "pool"))
		return;
	par_pool_always(p, 1);
	par_enter(p, &saved);
	for (r = 0; r < 6; r++) {
		nanosleep(&ts, NULL);
		check_run(2 + r, r, "after sleeping");
		check_run(1000, r, "after sleeping, again");
	}
	par_leave(saved);
	par_pool_destroy(p);
}

static void test_many_pools(void)
{
	struct par_pool *a, *b, *sa, *sb, *sb2;
	unsigned int r;

	for (r = 0; r < 50; r++) {	/* created and destroyed, some unused */
		a = par_pool_create(1 + r % 4);
		if (!TAP_CHECK(a, "pool %u", r))
			return;
		if (r % 3) {
			par_enter(a, &sa);
			check_run(r, r, "pool after pool");
			par_leave(sa);
		}
		par_pool_destroy(a);
	}
	/* nested on one thread: b current inside a's run section */
	a = par_pool_create(2);
	b = par_pool_create(3);
	if (!TAP_CHECK(a && b, "pools"))
		goto out;
	par_enter(a, &sa);
	check_run(500, 1, "outer pool");
	par_enter(b, &sb);
	TAP_CHECK(par_threads() == 3, "inner pool threads %u", par_threads());
	check_run(500, 2, "inner pool");
	par_enter(b, &sb2);	/* entering the current pool again */
	check_run(77, 3, "inner pool entered twice");
	par_leave(sb2);
	TAP_CHECK(par_threads() == 3, "inner pool left once: %u", par_threads());
	check_run(77, 4, "inner pool left once");
	par_leave(sb);
	TAP_CHECK(par_threads() == 2, "outer pool threads %u", par_threads());
	check_run(500, 4, "outer pool again");
	par_leave(sa);
out:
	par_pool_destroy(b);
	par_pool_destroy(a);
}

struct thr {
	struct par_pool *pool;	/* NULL: a pool of its own */
	_Atomic uint32_t *count;
	uint32_t *value;
	uint32_t bad;
};

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	struct par_pool *own = t->pool ? NULL : par_pool_create(2), *saved;
	struct job j = { .count = t->count, .value = t->value, .n = 333 };
	uint32_t r, i;

	if (!t->pool && !own) {
		t->bad = 1;
		return NULL;
	}
	if (own)
		par_pool_always(own, 1);
	for (r = 0; r < 300; r++) {
		j.seed = r;
		for (i = 0; i < j.n; i++)
			atomic_store(&j.count[i], 0);
		par_enter(own ? own : t->pool, &saved);
		par_run(task, &j, j.n);
		par_leave(saved);
		for (i = 0; i < j.n; i++)
			t->bad += j.count[i] != 1 ||
				  j.value[i] != i * 2654435761u + r;
	}
	par_pool_destroy(own);
	return NULL;
}

static void run_threads(struct par_pool *shared, const char *what)
{
	static _Atomic uint32_t count[2][333];
	static uint32_t value[2][333];
	struct thr t[2];
	pthread_t id[2];
	int i, started[2];

	for (i = 0; i < 2; i++) {
		t[i] = (struct thr){ .pool = shared, .count = count[i],
				     .value = value[i] };
		started[i] = !pthread_create(&id[i], NULL, thread_main, &t[i]);
		TAP_CHECK(started[i], "%s: thread %d", what, i);
	}
	for (i = 0; i < 2; i++) {
		if (!started[i])
			continue;
		pthread_join(id[i], NULL);
		TAP_CHECK(!t[i].bad, "%s: thread %d: %u indices wrong", what, i,
			  t[i].bad);
	}
}

static void test_threads(void)
{
	struct par_pool *p = par_pool_create(2);

	run_threads(NULL, "a pool per thread");
	if (TAP_CHECK(p, "pool")) {
		par_pool_always(p, 1);
		run_threads(p, "one pool, two threads");
	}
	par_pool_destroy(p);
}

/*
 * par_enter_tuned(): the first PAR_TUNE_RUNS * 2 runs of a kind alternate
 * between the caller alone (par_threads() 1) and the workers (2), then the
 * chosen way holds for the next runs (the workers' way may still back off
 * to the caller); a pool that always uses its workers is never tuned.  The
 * choice itself depends on time and is only reported.  Every run does all
 * its work either way.
 */
static void test_tuned(void)
{
	struct par_tune t = { 0 };
	struct par_pool *p = par_pool_create(2), *saved;
	unsigned int r, bad = 0, seen;

	if (!TAP_CHECK(p, "pool"))
		return;
	for (r = 0; r < 8; r++) {
		par_enter_tuned(p, &saved, &t);
		seen = par_threads();
		bad += seen != (r & 1 ? 2u : 1u);
		check_run(5000, r, "tuning round");
		par_leave(saved);
	}
	TAP_CHECK(!bad, "%u runs of the round not alternating alone / workers", bad);
	TAP_CHECK(t.left == 256 && t.step == 0 && t.best[0] && t.best[1],
		  "round done: %u runs to the next, step %u", t.left, t.step);
	printf("# fastest alone %llu ns, on the workers %llu ns: %s\n",
	       (unsigned long long)t.best[0], (unsigned long long)t.best[1],
	       t.choice ? "workers" : "alone");
	for (r = 0, bad = 0; r < 20; r++) {
		par_enter_tuned(p, &saved, &t);
		bad += !t.choice && par_threads() != 1;
		check_run(5000, r, "tuned");
		par_leave(saved);
	}
	TAP_CHECK(!bad && t.left == 236, "%u runs not alone after choosing alone; %u left",
		  bad, t.left);
	par_pool_always(p, 1);
	memset(&t, 0, sizeof(t));
	for (r = 0, bad = 0; r < 10; r++) {
		par_enter_tuned(p, &saved, &t);
		bad += par_threads() != 2;
		check_run(5000, r, "always");
		par_leave(saved);
	}
	TAP_CHECK(!bad && !t.step && !t.left, "forced workers: %u runs alone, step %u",
		  bad, t.step);
	par_pool_destroy(p);
}

int main(void)
{
	tap_run("par_run: every index once, any n, any pool size", test_sizes);
	tap_run("par_run inside a task runs serially", test_nested);
	tap_run("par_run after the workers slept", test_sleep_wake);
	tap_run("many pools, nested, one after another", test_many_pools);
	tap_run("pools used by several threads", test_threads);
	tap_run("tuned runs: a round both ways, then the winner", test_tuned);
	return tap_done("test_parallel");
}
