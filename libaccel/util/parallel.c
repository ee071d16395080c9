// SPDX-License-Identifier: MIT
/*
 * Data-parallel loops, see parallel.h.
 *
 * A job is (fn, arg, n) plus a ticket: an atomic 64-bit word holding the
 * job's generation in its high half and the next unclaimed index in the
 * low half.  Threads claim indices by compare-and-swap, so a worker that
 * wakes late, after its job finished, cannot claim an index of the next
 * one: the generation no longer matches.  The caller works too and then
 * waits for the job's done count.  Workers spin briefly between jobs (the
 * operators of one inference follow each other within microseconds), then
 * sleep on a condition variable.
 *
 * Locking: @mu guards the job description (fn, arg, n, gen), @sleepers and
 * @stop; @ticket and @done are atomics; @run_lock serialises the runs of
 * one pool (par_enter() to par_leave()).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "util/parallel.h"

/* Spin iterations of an idle worker before it sleeps (~100 us). */
#define PAR_SPIN	20000

struct par_pool {
	unsigned int threads;
	unsigned int nworkers;
	pthread_t *workers;
	pthread_mutex_t run_lock;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void (*fn)(void *arg, uint32_t i);
	void *arg;
	uint32_t n;
	uint32_t gen;
	unsigned int sleepers;
	int stop;
	_Atomic uint32_t gen_pub;	/* gen, readable without @mu */
	_Atomic uint64_t ticket;
	_Atomic uint32_t done;
};

static __thread struct par_pool *par_cur;
static __thread int par_inside;	/* in a task: nested loops run serially */

static inline void par_pause(unsigned int i)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
	if ((i & 63) == 63)
		sched_yield();	/* let an oversubscribed CPU (valgrind) move on */
}

/* Claim and run indices of job @gen until none is left. */
static void par_work(struct par_pool *p, uint32_t gen,
		     void (*fn)(void *arg, uint32_t i), void *arg, uint32_t n)
{
	uint64_t t = atomic_load_explicit(&p->ticket, memory_order_acquire);

	par_inside = 1;
	while ((uint32_t)(t >> 32) == gen && (uint32_t)t < n) {
		if (!atomic_compare_exchange_weak_explicit(&p->ticket, &t, t + 1,
							   memory_order_acq_rel,
							   memory_order_acquire))
			continue;
		fn(arg, (uint32_t)t);
		atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
		t = atomic_load_explicit(&p->ticket, memory_order_acquire);
	}
	par_inside = 0;
}

static void *par_worker(void *ctx)
{
	struct par_pool *p = ctx;
	uint32_t last = 0;

	for (;;) {
		void (*fn)(void *arg, uint32_t i);
		unsigned int i;
		uint32_t gen, n;
		void *arg;

		for (i = 0; i < PAR_SPIN; i++) {
			if (atomic_load_explicit(&p->gen_pub,
						 memory_order_acquire) != last)
				break;
			par_pause(i);
		}
		pthread_mutex_lock(&p->mu);
		while (p->gen == last && !p->stop) {
			p->sleepers++;
			pthread_cond_wait(&p->cv, &p->mu);
			p->sleepers--;
		}
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		last = gen = p->gen;
		fn = p->fn;
		arg = p->arg;
		n = p->n;
		pthread_mutex_unlock(&p->mu);
		par_work(p, gen, fn, arg, n);
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
	struct par_pool *p = calloc(1, sizeof(*p));
	unsigned int i;

	if (!p)
		return NULL;
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
	p->stop = 1;
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

unsigned int par_pool_threads(const struct par_pool *p)
{
	return p ? p->nworkers + 1 : 1;
}

void par_enter(struct par_pool *p, struct par_pool **saved)
{
	*saved = par_cur;
	if (p && p != par_cur)
		pthread_mutex_lock(&p->run_lock);
	par_cur = p;
}

void par_leave(struct par_pool *saved)
{
	if (par_cur && par_cur != saved)
		pthread_mutex_unlock(&par_cur->run_lock);
	par_cur = saved;
}

unsigned int par_threads(void)
{
	return par_cur && !par_inside ? par_pool_threads(par_cur) : 1;
}

void par_run(void (*fn)(void *arg, uint32_t i), void *arg, uint32_t n)
{
	struct par_pool *p = par_cur;
	unsigned int spins = 0;
	uint32_t i, gen;

	if (!p || !p->nworkers || par_inside || n < 2) {
		for (i = 0; i < n; i++)
			fn(arg, i);
		return;
	}
	pthread_mutex_lock(&p->mu);
	gen = ++p->gen;
	p->fn = fn;
	p->arg = arg;
	p->n = n;
	atomic_store_explicit(&p->done, 0, memory_order_relaxed);
	atomic_store_explicit(&p->ticket, (uint64_t)gen << 32,
			      memory_order_release);
	atomic_store_explicit(&p->gen_pub, gen, memory_order_release);
	if (p->sleepers)
		pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	par_work(p, gen, fn, arg, n);
	while (atomic_load_explicit(&p->done, memory_order_acquire) != n)
		par_pause(spins++);
}
