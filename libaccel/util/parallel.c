// SPDX-License-Identifier: MIT
/*
 * Data-parallel loops, see parallel.h.
 *
 * A job is (fn, arg, n) plus a ticket: an atomic 64-bit word holding the
 * job's generation in its high half and the count of unclaimed indices in
 * the low half (index n - count is claimed next).  Threads claim indices
 * by compare-and-swap, so a worker that wakes late, after its job
 * finished, cannot claim an index of the next one: the generation no
 * longer matches.  The caller works too (a worker
 * that never gets the CPU delays nothing but its own claims), then waits
 * until the indices the others claimed are done: each thread adds the
 * count it ran to @done once, when it finds no index left.
 *
 * The job's words are read by workers without a lock: the caller stores
 * fn, arg and n, then the ticket, then publishes the generation (release);
 * a worker reads the generation (acquire), then the job.  What it read is
 * used only after a claim of that generation succeeded, and a claim (its
 * test needs nothing the worker read but the generation) can succeed only
 * while the job is unfinished, before the caller can store the next job:
 * so a successful claim proves the words read were this job's.
 *
 * Idle workers spin on @gen_pub (a line only the caller writes, once a
 * job) with the pause instruction alone for PAR_SPIN_NS (the operators of
 * one inference follow each other within microseconds; sched_yield() is a
 * system call of more than a microsecond in a virtual machine, as long as
 * some operators), then yield now and then until PAR_IDLE_NS, then sleep
 * on a condition variable.  The caller takes the mutex only
 * when a worker sleeps (@sleepers), so a job of busy workers costs no
 * system call.  Lost wake-ups cannot happen: a worker increments @sleepers
 * then reads @gen_pub, the caller stores @gen_pub then reads @sleepers,
 * all sequentially consistent, so at least one of them sees the other.
 *
 * The caller times its share and its wait (par_account()): when the
 * workers keep making par_run()s slower than the caller alone would have
 * been (they get no CPU on a machine busy with other work, or the tasks
 * are too small to share), the rest of this run (par_enter() to
 * par_leave(): one inference) and the next runs stay on the caller, then
 * it tries the workers again.  Runs of a kind (par_enter_tuned(): one
 * compiled model form) also time themselves both ways now and then and go
 * the faster way (struct par_tune).  A serial run is one to the kernels too:
 * par_threads() says 1, so they plan one thread's tiles instead of small
 * tasks that run in a row.
 *
 * The words each side writes are on their own cache lines: the job and
 * its generation (written by the caller once a job), the caller's own
 * state, the ticket (every claim), the done count (once per thread and
 * job) and the sleep state.
 * @run_lock serialises the runs of one pool (par_enter() to par_leave()).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/parallel.h"

#define PAR_LINE	64
/*
 * An idle worker spins PAR_SPIN_NS with the pause instruction alone, then
 * until PAR_IDLE_NS with a sched_yield() every PAR_SPIN_CHECK pauses (a
 * thread that shares its CPU, the caller included, gets it), then sleeps.
 */
#define PAR_SPIN_NS	100000u
#define PAR_IDLE_NS	1000000u
#define PAR_SPIN_CHECK	256u
/*
 * Pauses the caller waits for the others' last indices before it yields
 * the CPU, every PAR_WAIT_YIELD pauses (~20 ns each): a thread that is
 * not running (an oversubscribed CPU, valgrind) needs the CPU to finish.
 */
#define PAR_WAIT_SPIN	256u
#define PAR_WAIT_YIELD	32u
/*
 * par_run()s in a row that the workers made slower before the pool runs
 * the rest of the run and the next ones (par_enter() to par_leave()) on
 * the caller alone: PAR_BACKOFF_MIN runs, doubling up to PAR_BACKOFF_MAX
 * while the runs that probe the workers again keep losing.
 */
#define PAR_LOSSES	8u
/* par_tune: runs of each way per round; runs between rounds */
#define PAR_TUNE_RUNS	4u
#define PAR_TUNE_EVERY	256u
#define PAR_BACKOFF_MIN	2u
#define PAR_BACKOFF_MAX	256u

typedef void (*par_fn)(void *arg, uint32_t i);

struct par_pool {
	/* the job: written by the caller before it publishes @gen_pub */
	_Alignas(PAR_LINE) _Atomic uint32_t gen_pub;
	_Atomic(par_fn) fn;
	_Atomic(void *) arg;
	_Atomic uint32_t n;
	/* the caller's alone (a line the spinning workers do not read) */
	_Alignas(PAR_LINE) uint32_t gen;
	uint32_t losses;	/* par_run()s lost in a row */
	uint32_t serial_left;	/* runs (par_enter()s) left to run alone */
	uint32_t backoff;	/* the next serial_left */
	int serial_now;		/* this run stays on the caller */
	struct par_tune *tune;	/* this run's kind, or NULL */
	int tune_way;		/* this run is timed for a round: 1 workers, 0 alone; -1 not */
	uint64_t tune_t0;	/* when it began */
	int always;		/* par_pool_always() */
	_Alignas(PAR_LINE) _Atomic uint64_t ticket;
	_Alignas(PAR_LINE) _Atomic uint32_t done;
	/* sleeping: @mu guards the condition variable's wait and @stop */
	_Alignas(PAR_LINE) _Atomic uint32_t sleepers;
	_Atomic int stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* set up once */
	pthread_mutex_t run_lock;
	unsigned int threads;
	unsigned int nworkers;
	pthread_t *workers;
};

static __thread struct par_pool *par_cur;
static __thread int par_inside;	/* in a task: nested loops run serially */

static inline void par_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

static uint64_t par_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Claim and run indices of job @gen until none is left; how many ran. */
static uint32_t par_work(struct par_pool *p, uint32_t gen, par_fn fn,
			 void *arg, uint32_t n)
{
	uint64_t t = atomic_load_explicit(&p->ticket, memory_order_relaxed);
	uint32_t ran = 0;

	par_inside = 1;
	while ((uint32_t)(t >> 32) == gen && (uint32_t)t) {
		if (!atomic_compare_exchange_weak_explicit(&p->ticket, &t, t - 1,
							   memory_order_acquire,
							   memory_order_relaxed))
			continue;
		fn(arg, n - (uint32_t)t);
		ran++;
		t = atomic_load_explicit(&p->ticket, memory_order_relaxed);
	}
	par_inside = 0;
	return ran;
}

/* Spin, then sleep, until a generation other than @last is published. */
static uint32_t par_wait_job(struct par_pool *p, uint32_t last)
{
	uint64_t t0 = 0, d;
	uint32_t g;
	unsigned int i;

	for (;;) {
		for (i = 0; i < PAR_SPIN_CHECK; i++) {
			g = atomic_load_explicit(&p->gen_pub, memory_order_acquire);
			if (g != last || atomic_load_explicit(&p->stop,
							      memory_order_relaxed))
				return g;
			par_pause();
		}
		if (!t0) {
			t0 = par_now_ns();
			continue;
		}
		d = par_now_ns() - t0;
		if (d > PAR_IDLE_NS)
			break;
		if (d > PAR_SPIN_NS)
			sched_yield();
	}
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add(&p->sleepers, 1);
	while ((g = atomic_load(&p->gen_pub)) == last && !atomic_load(&p->stop))
		pthread_cond_wait(&p->cv, &p->mu);
	atomic_fetch_sub(&p->sleepers, 1);
	pthread_mutex_unlock(&p->mu);
	return g;
}

static void *par_worker(void *ctx)
{
	struct par_pool *p = ctx;
	uint32_t last = 0, gen, n, ran;
	par_fn fn;
	void *arg;

	for (;;) {
		gen = par_wait_job(p, last);
		if (atomic_load_explicit(&p->stop, memory_order_relaxed))
			return NULL;
		last = gen;
		fn = atomic_load_explicit(&p->fn, memory_order_relaxed);
		arg = atomic_load_explicit(&p->arg, memory_order_relaxed);
		n = atomic_load_explicit(&p->n, memory_order_relaxed);
		ran = par_work(p, gen, fn, arg, n);
		if (ran)
			atomic_fetch_add_explicit(&p->done, ran,
						  memory_order_release);
	}
}

unsigned int par_cpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	n = CPU_COUNT(&set);
	return n > 0 ? (unsigned int)n : 1;
}

struct par_pool *par_pool_create(unsigned int threads)
{
	const size_t size = (sizeof(struct par_pool) + PAR_LINE - 1) /
			    PAR_LINE * PAR_LINE;
	struct par_pool *p = aligned_alloc(PAR_LINE, size);
	unsigned int i;

	if (!p)
		return NULL;
	memset(p, 0, size);
	p->threads = threads ? threads : par_cpus();
	pthread_mutex_init(&p->run_lock, NULL);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (p->threads > 1) {
		p->workers = calloc(p->threads - 1, sizeof(*p->workers));
		if (!p->workers)
			goto fail;
		for (i = 0; i < p->threads - 1; i++) {
			if (pthread_create(&p->workers[i], NULL, par_worker, p))
				goto fail;
			p->nworkers++;
		}
	}
	return p;
fail:
	par_pool_destroy(p);
	return NULL;
}

void par_pool_destroy(struct par_pool *p)
{
	unsigned int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->stop, 1);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nworkers; i++)
		pthread_join(p->workers[i], NULL);
	free(p->workers);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->run_lock);
	free(p);
}

void par_pool_always(struct par_pool *p, int on)
{
	p->always = on;
	p->serial_left = 0;
	p->serial_now = 0;
}

unsigned int par_pool_threads(const struct par_pool *p)
{
	return p ? p->nworkers + 1 : 1;
}

void par_enter_tuned(struct par_pool *p, struct par_pool **saved,
		     struct par_tune *t)
{
	*saved = par_cur;
	if (p && p != par_cur) {
		pthread_mutex_lock(&p->run_lock);
		p->tune = p->nworkers && !p->always ? t : NULL;
		p->tune_way = -1;
		if (p->tune && !t->left) {
			/* a round: alone first, then the workers, in turn */
			p->tune_way = (int)(t->step & 1);
			p->serial_now = !p->tune_way;
			p->tune_t0 = par_now_ns();
		} else if (p->tune && !t->choice) {
			t->left--;
			p->serial_now = 1;
		} else {
			if (p->tune)
				t->left--;
			/* on the workers unless backing off */
			p->serial_now = p->serial_left && !p->always;
			if (p->serial_now)
				p->serial_left--;
		}
	}
	par_cur = p;
}

void par_enter(struct par_pool *p, struct par_pool **saved)
{
	par_enter_tuned(p, saved, NULL);
}

/* The run of a round that began at p->tune_t0 ended. */
static void par_tune_done(struct par_pool *p)
{
	struct par_tune *t = p->tune;
	uint64_t ns = par_now_ns() - p->tune_t0;
	int way = p->tune_way;

	if (t->step < 2 || ns < t->best[way])
		t->best[way] = ns;
	if (++t->step < 2 * PAR_TUNE_RUNS)
		return;
	t->choice = t->best[1] * 20 < t->best[0] * 19;
	t->step = 0;
	t->left = PAR_TUNE_EVERY;
}

void par_leave(struct par_pool *saved)
{
	struct par_pool *p = par_cur;

	if (p && p != saved) {
		if (p->tune && p->tune_way >= 0)
			par_tune_done(p);
		p->tune = NULL;
		pthread_mutex_unlock(&p->run_lock);
	}
	par_cur = saved;
}

unsigned int par_threads(void)
{
	return par_cur && !par_inside && !par_cur->serial_now ?
	       par_pool_threads(par_cur) : 1;
}

/*
 * Whether the workers helped the run just finished: the caller ran @mine
 * of @n indices in @work ns, then waited @wait ns for the others'.  Doing
 * those here would have taken about work * (n - mine) / mine.  par_run()s
 * that keep losing (the workers get no CPU: a machine shared with other
 * work, or the tasks are too small to share) make the rest of this run and
 * the next runs serial.
 */
static void par_account(struct par_pool *p, uint32_t n, uint32_t mine,
			uint64_t work, uint64_t wait)
{
	if (mine && mine < n && (n - mine) * work >= (uint64_t)mine * wait) {
		p->losses = 0;
		p->backoff = PAR_BACKOFF_MIN;
		return;
	}
	if (!mine || p->always)
		return;		/* the workers did it all; or no policy */
	if (++p->losses < PAR_LOSSES)
		return;
	p->losses = PAR_LOSSES - 1;	/* one more loss: serial again */
	p->serial_now = 1;
	p->serial_left = p->backoff;
	p->backoff = p->backoff < PAR_BACKOFF_MAX / 2 ? 2 * p->backoff :
		     PAR_BACKOFF_MAX;
}

void par_run(void (*fn)(void *arg, uint32_t i), void *arg, uint32_t n)
{
	struct par_pool *p = par_cur;
	uint32_t i, gen, mine;
	uint64_t t0, t1;
	int inside = par_inside;

	if (!p || !p->nworkers || inside || n < 2 || p->serial_now) {
		par_inside = 1;		/* a nested run stays here */
		for (i = 0; i < n; i++)
			fn(arg, i);
		par_inside = inside;
		return;
	}
	if (!p->backoff)
		p->backoff = PAR_BACKOFF_MIN;
	gen = ++p->gen;
	if (!gen)
		gen = p->gen = 1;	/* 0 is the workers' "none seen yet" */
	atomic_store_explicit(&p->fn, fn, memory_order_relaxed);
	atomic_store_explicit(&p->arg, arg, memory_order_relaxed);
	atomic_store_explicit(&p->n, n, memory_order_relaxed);
	atomic_store_explicit(&p->done, 0, memory_order_relaxed);
	atomic_store_explicit(&p->ticket, (uint64_t)gen << 32 | n,
			      memory_order_relaxed);
	atomic_store(&p->gen_pub, gen);		/* seq_cst: see @sleepers */
	if (atomic_load(&p->sleepers)) {
		pthread_mutex_lock(&p->mu);
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	t0 = par_now_ns();
	mine = par_work(p, gen, fn, arg, n);
	t1 = par_now_ns();
	for (i = 0; atomic_load_explicit(&p->done, memory_order_acquire) !=
		    n - mine; i++) {
		par_pause();
		if (i >= PAR_WAIT_SPIN && i % PAR_WAIT_YIELD == 0)
			sched_yield();
	}
	par_account(p, n, mine, t1 - t0, par_now_ns() - t1);
}
