// SPDX-License-Identifier: MIT
/*
 * peak - this machine's arithmetic peak, for the benchmark's "% of peak".
 *
 *	fp32: chains of fused multiply-adds on independent accumulators
 *	      (AVX-512 zmm and AVX2 ymm), 2 FLOP per lane per FMA
 *	int8: vpdpbusd (AVX-512 VNNI) on zmm, else vpmaddubsw + vpmaddwd +
 *	      vpaddd (AVX2), 2 OP (multiply, add) per u8 x s8 product
 *
 * Each is measured on one thread (per second of that thread's CPU time: the
 * core's rate even when other work shares the machine) and on T threads
 * (default 2, up to the CPUs this process may use; per second of wall
 * time).  Features the CPU lacks are skipped.
 * Output: one line per figure, and with --json one JSON object.
 *
 *	peak [--threads T] [--json]
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACC 12			/* independent accumulators per chain */
#define ITERS 4000000L
#define REPS 10		/* best of: the machine may be shared */		/* inner iterations per measurement */

static volatile float sink_f;
static volatile unsigned int sink_i;	/* sums wrap: unsigned */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Each kernel returns the operations it did. */
typedef double (*kernel_fn)(long iters);

/*
 * ACC accumulators as separate variables, the loop unrolled by hand: an
 * array would live in memory, and the chain would measure store forwarding.
 */
#define REP12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

__attribute__((target("avx512f")))
static double fma_avx512(long iters)
{
	__m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
	float s = 0;
#define DECL(k) __m512 a##k = _mm512_set1_ps((float)k);
#define STEP(k) a##k = _mm512_fmadd_ps(a##k, b, c);
#define SUM(k) s += _mm512_reduce_add_ps(a##k);
	REP12(DECL)
	for (long i = 0; i < iters; i++) {
		REP12(STEP)
	}
	REP12(SUM)
#undef DECL
#undef STEP
#undef SUM
	sink_f = s;
	return (double)iters * ACC * 16 * 2;
}

__attribute__((target("avx2,fma")))
static float hsum256(__m256 v)
{
	float x[8], s = 0;
	int j;

	_mm256_storeu_ps(x, v);
	for (j = 0; j < 8; j++)
		s += x[j];
	return s;
}

__attribute__((target("avx2,fma")))
static double fma_avx2(long iters)
{
	__m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
	float s = 0;
#define DECL(k) __m256 a##k = _mm256_set1_ps((float)k);
#define STEP(k) a##k = _mm256_fmadd_ps(a##k, b, c);
#define SUM(k) s += hsum256(a##k);
	REP12(DECL)
	for (long i = 0; i < iters; i++) {
		REP12(STEP)
	}
	REP12(SUM)
#undef DECL
#undef STEP
#undef SUM
	sink_f = s;
	return (double)iters * ACC * 8 * 2;
}

__attribute__((target("avx512f,avx512vnni")))
static double vnni_avx512(long iters)
{
	__m512i u = _mm512_set1_epi8(3), w = _mm512_set1_epi8(-2);
	unsigned int s = 0;
#define DECL(k) __m512i a##k = _mm512_set1_epi32(k);
#define STEP(k) a##k = _mm512_dpbusd_epi32(a##k, u, w);
#define SUM(k) s += (unsigned int)_mm512_reduce_add_epi32(a##k);
	REP12(DECL)
	for (long i = 0; i < iters; i++) {
		REP12(STEP)
	}
	REP12(SUM)
#undef DECL
#undef STEP
#undef SUM
	sink_i = s;
	return (double)iters * ACC * 64 * 2;
}

__attribute__((target("avx2")))
static unsigned int hsum256i(__m256i v)
{
	unsigned int x[8], s = 0;
	int j;

	_mm256_storeu_si256((__m256i *)x, v);
	for (j = 0; j < 8; j++)
		s += x[j];
	return s;
}

/*
 * Without VNNI: vpmaddubsw (u8 x s8 pairs to s16), vpmaddwd by ones (to
 * s32), vpaddd into the accumulator.  The operands vary per accumulator so
 * the products are not hoisted out of the loop.
 */
__attribute__((target("avx2")))
static double madd_avx2(long iters)
{
	__m256i w = _mm256_set1_epi8(-2), one = _mm256_set1_epi16(1);
	unsigned int s = 0;
#define DECL(k) __m256i a##k = _mm256_set1_epi32(k), u##k = _mm256_set1_epi8(k + 1);
#define STEP(k) a##k = _mm256_add_epi32(a##k, _mm256_madd_epi16(_mm256_maddubs_epi16(u##k, w), one)); \
	u##k = _mm256_xor_si256(u##k, a##k);
#define SUM(k) s += hsum256i(a##k);
	REP12(DECL)
	for (long i = 0; i < iters; i++) {
		REP12(STEP)
	}
	REP12(SUM)
#undef DECL
#undef STEP
#undef SUM
	sink_i = s;
	return (double)iters * ACC * 32 * 2;
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct job {
	kernel_fn fn;
	long iters;
	double ops, cpu_s;
	pthread_barrier_t *bar;
};

static void *run_job(void *arg)
{
	struct job *j = arg;
	double c0;

	pthread_barrier_wait(j->bar);
	c0 = thread_cpu_s();
	j->ops = j->fn(j->iters);
	j->cpu_s = thread_cpu_s() - c0;
	return NULL;
}

/*
 * Operations per second of @fn on @threads threads, best of REPS.  One
 * thread: per second of its CPU time (the core's rate, whatever else the
 * machine runs); several: per second of wall time (what they get together).
 */
static double measure(kernel_fn fn, int threads)
{
	double best = 0;
	int rep, t;

	fn(ITERS / 20);		/* warm up (clocks, licence levels) */
	for (rep = 0; rep < REPS; rep++) {
		pthread_t tid[64];
		struct job jobs[64];
		pthread_barrier_t bar;
		double t0, ops = 0, rate;

		pthread_barrier_init(&bar, NULL, (unsigned int)threads + 1);
		for (t = 0; t < threads; t++) {
			jobs[t] = (struct job){ .fn = fn, .iters = ITERS, .bar = &bar };
			pthread_create(&tid[t], NULL, run_job, &jobs[t]);
		}
		t0 = now_s();
		pthread_barrier_wait(&bar);
		for (t = 0; t < threads; t++) {
			pthread_join(tid[t], NULL);
			ops += jobs[t].ops;
		}
		rate = threads == 1 ? ops / jobs[0].cpu_s : ops / (now_s() - t0);
		pthread_barrier_destroy(&bar);
		if (rate > best)
			best = rate;
	}
	return best;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name, *kind, *feat1, *feat2;
		kernel_fn fn;
	} k[] = {
		{ "fp32_avx512_fma", "fp32", "avx512f", NULL, fma_avx512 },
		{ "fp32_avx2_fma", "fp32", "avx2", "fma", fma_avx2 },
		{ "int8_avx512_vnni", "int8", "avx512f", "avx512vnni", vnni_avx512 },
		{ "int8_avx2_maddubs", "int8", "avx2", NULL, madd_avx2 },
	};
	double best[2][2] = { { 0 } };	/* [fp32/int8][1 thread/T threads] */
	const char *best_name[2] = { "none", "none" };
	int threads = 2, json = 0, i, n = 0;
	cpu_set_t cs;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: peak [--threads T] [--json]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > 64) {
		fprintf(stderr, "peak: --threads 1..64\n");
		return 2;
	}
	if (!sched_getaffinity(0, sizeof(cs), &cs) && CPU_COUNT(&cs) < threads)
		threads = CPU_COUNT(&cs);
	__builtin_cpu_init();
	if (json)
		printf("{\"threads\":%d,\"kernels\":{", threads);
	for (i = 0; i < (int)(sizeof(k) / sizeof(k[0])); i++) {
		int kind = !strcmp(k[i].kind, "int8");
		int ok = 1;
		double r1, rt;

		/* __builtin_cpu_supports() needs literal names */
		if (!strcmp(k[i].feat1, "avx512f"))
			ok = __builtin_cpu_supports("avx512f");
		else
			ok = __builtin_cpu_supports("avx2");
		if (ok && k[i].feat2 && !strcmp(k[i].feat2, "fma"))
			ok = __builtin_cpu_supports("fma");
		if (ok && k[i].feat2 && !strcmp(k[i].feat2, "avx512vnni"))
			ok = __builtin_cpu_supports("avx512vnni");
		if (!ok) {
			if (!json)
				printf("%-18s skipped: the CPU lacks %s%s%s\n", k[i].name,
				       k[i].feat1, k[i].feat2 ? " or " : "",
				       k[i].feat2 ? k[i].feat2 : "");
			continue;
		}
		/* 1 thread, T threads, then both again: the better of each */
		r1 = measure(k[i].fn, 1) * 1e-9;
		rt = threads > 1 ? measure(k[i].fn, threads) * 1e-9 : r1;
		r1 = fmax(r1, measure(k[i].fn, 1) * 1e-9);
		if (threads > 1)
			rt = fmax(rt, measure(k[i].fn, threads) * 1e-9);
		if (json)
			printf("%s\"%s\":{\"1\":%.1f,\"%d\":%.1f}", n++ ? "," : "",
			       k[i].name, r1, threads, rt);
		else
			printf("%-18s %8.1f %s/s on 1 thread, %8.1f on %d\n", k[i].name,
			       r1, kind ? "GOP" : "GFLOP", rt, threads);
		if (r1 > best[kind][0]) {
			best[kind][0] = r1;
			best[kind][1] = rt;
			best_name[kind] = k[i].name;
		}
	}
	if (json)
		printf("},\"fp32_gflops\":{\"1\":%.1f,\"%d\":%.1f,\"kernel\":\"%s\"},"
		       "\"int8_gops\":{\"1\":%.1f,\"%d\":%.1f,\"kernel\":\"%s\"}}\n",
		       best[0][0], threads, best[0][1], best_name[0],
		       best[1][0], threads, best[1][1], best_name[1]);
	else
		printf("peak: fp32 %.1f GFLOP/s (1 thread), %.1f (%d); int8 %.1f GOP/s (1), %.1f (%d)\n",
		       best[0][0], best[0][1], threads, best[1][0], best[1][1], threads);
	return 0;
}
