// SPDX-License-Identifier: MIT
/*
 * ns per call of the ADD, MUL, MAXPOOL, AVGPOOL and GLOBAL_AVGPOOL kernels,
 * scalar against every kernel variant this CPU runs, on the shapes of
 * small edge CNNs: one thread, no parallel hook (the kernels alone plus the
 * interpreter's per-op setup, the same for every variant), then the best
 * variant with a parallel hook on a pool of 2 threads.  Prints
 * figures, asserts nothing; `make bench-eltwise` builds and runs it,
 * BENCH_ONLY=text only the cases whose name contains text, BENCH_BATCH=N
 * at batch N (default 1).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ref.h"
#include "util/parallel.h"

static uint32_t bench_batch = 1;	/* BENCH_BATCH */

static void bench_parallel(void *ctx, void (*fn)(void *arg, __u32 i),
			   void *arg, __u32 n)
{
	(void)ctx;
	par_run(fn, arg, n);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * ns per execution of @b's single op with variant @k (NULL: scalar), on
 * the pool's threads when @par.
 */
static double time_op(const struct tb *b, const struct enpu_fw_kernels *k,
		      int par)
{
	struct enpu_fw_hooks hooks = { .kernels = k };
	struct enpu_fw_buf slots[TB_MAX_SLOTS];
	__u64 sizes[TB_MAX_SLOTS];
	double t0, best = 1e30;
	unsigned int i, r, n = 1;
	size_t size;
	uint8_t *cb = tb_build(b, &size);

	tb_alloc_slots(b, slots, 1);
	for (i = 0; i < b->num_slots; i++)
		sizes[i] = slots[i].size;
	hooks.scratch = aligned_alloc(64, ENPU_FW_SCRATCH_SIZE);
	hooks.scratch_size = ENPU_FW_SCRATCH_SIZE;
	if (par)
		hooks.parallel = bench_parallel;
	if (!hooks.scratch ||
	    enpu_fw_validate(cb, size, sizes, b->num_slots, NULL)) {
		fprintf(stderr, "bench: invalid case\n");
		exit(1);
	}
	/* calibrate to ~2 ms per sample, then the best of 7 samples */
	for (;;) {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			enpu_fw_execute_validated(cb, slots, &hooks, NULL);
		if (now_ns() - t0 > 2e6 || n > (1u << 24))
			break;
		n *= 2;
	}
	for (r = 0; r < 7; r++) {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			enpu_fw_execute_validated(cb, slots, &hooks, NULL);
		t0 = (now_ns() - t0) / n;
		if (t0 < best)
			best = t0;
	}
	free(hooks.scratch);
	tb_free_slots(b, slots);
	free(cb);
	return best;
}

static void eltwise(struct tb *b, uint32_t opcode, uint32_t bc, uint32_t C,
		    uint32_t H, uint32_t W)
{
	uint32_t x = tb_tensor(b, 0, ENPU_DTYPE_S8, 3, 4, bench_batch, C, H, W);
	uint32_t c = bc ? tb_tensor(b, 0, ENPU_DTYPE_S8, -5, 1, C, 1, 1, 1) :
			  tb_tensor(b, 0, ENPU_DTYPE_S8, -5, 4, bench_batch, C, H, W);
	uint32_t y = tb_tensor(b, 0, ENPU_DTYPE_S8, 1, 4, bench_batch, C, H, W);
	struct enpu_op *op = tb_op(b, opcode, y);

	op->in[0] = x;
	op->in[1] = c;
	op->params.eltwise.broadcast = bc;
	op->quant_count = 1;
	if (opcode == ENPU_OP_ADD) {
		op->params.eltwise.left_shift = 20;
		op->params.eltwise.in_multiplier[0] = 1518500250;
		op->params.eltwise.in_multiplier[1] = 1237940039;
		op->params.eltwise.in_shift[0] = 20;
		op->params.eltwise.in_shift[1] = 20;
		tb_quant(b, 1395864371, 20, 0);
	} else {
		tb_quant(b, 1395864371, 7, 0);
	}
}

static void pool(struct tb *b, uint32_t opcode, uint32_t C, uint32_t H,
		 uint32_t W, uint32_t k, uint32_t s, uint32_t pad)
{
	uint32_t OH = opcode == ENPU_OP_GLOBAL_AVGPOOL ? 1 : (H + 2 * pad - k) / s + 1;
	uint32_t OW = opcode == ENPU_OP_GLOBAL_AVGPOOL ? 1 : (W + 2 * pad - k) / s + 1;
	uint32_t x = tb_tensor(b, 0, ENPU_DTYPE_S8, -128, 4, bench_batch, C, H, W);
	uint32_t y = tb_tensor(b, 0, ENPU_DTYPE_S8, -128, 4, bench_batch, C, OH, OW);
	struct enpu_op *op = tb_op(b, opcode, y);

	op->in[0] = x;
	if (opcode != ENPU_OP_GLOBAL_AVGPOOL)
		op->params.pool = (struct enpu_op_pool){
			.kernel_h = k, .kernel_w = k, .stride_h = s,
			.stride_w = s, .pad_top = pad, .pad_left = pad,
			.pad_bottom = pad, .pad_right = pad,
		};
	if (opcode != ENPU_OP_MAXPOOL) {
		op->quant_count = 1;
		tb_quant(b, 1 << 30, opcode == ENPU_OP_GLOBAL_AVGPOOL ? 5 : 0, 0);
	}
}

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static __thread int on_caller;
static _Atomic unsigned long elsewhere;	/* tasks the workers ran */

/* A task of @arg ns (0: empty). */
static void tiny_task(void *arg, uint32_t i)
{
	const double ns = (double)(uintptr_t)arg, t0 = ns ? now_ns() : 0;

	(void)i;
	while (ns && now_ns() - t0 < ns)
		;
	if (!on_caller)
		atomic_fetch_add_explicit(&elsewhere, 1, memory_order_relaxed);
}

/*
 * The pool's own cost: ns (wall and CPU of the process) per par_run() of
 * @n empty tasks on the current pool, back to back, and with a gap of
 * serial work between two runs, as between two operations.
 */
static void bench_dispatch(void)
{
	static const struct {
		uint32_t n, ns, gap;
	} cs[] = {
		{ 2, 0, 0 }, { 8, 0, 0 }, { 64, 0, 0 },
		{ 2, 2000, 0 }, { 8, 1000, 0 }, { 8, 1000, 20000 },
		{ 64, 1000, 0 },
	};
	unsigned int i, r, reps;
	double t0, c0, t, c;

	on_caller = 1;
	printf("par_run() of n tasks of t ns, %u threads, back to back or g ns "
	       "apart: ns/call wall and cpu (less n * t and g), share of the "
	       "tasks the workers ran\n", par_threads());
	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		reps = 2000000000u / (cs[i].n * cs[i].ns + cs[i].gap + 10000);
		elsewhere = 0;
		t0 = now_ns();
		c0 = cpu_ns();
		for (r = 0; r < reps; r++) {
			double g;

			par_run(tiny_task, (void *)(uintptr_t)cs[i].ns, cs[i].n);
			for (g = now_ns(); cs[i].gap && now_ns() - g < cs[i].gap;)
				;
		}
		t = (now_ns() - t0) / reps - cs[i].gap;
		c = (cpu_ns() - c0) / reps - cs[i].gap;
		printf("  n %-3u t %-5u g %-5u %8.0f %8.0f  %3.0f%%\n", cs[i].n,
		       cs[i].ns, cs[i].gap, t - (double)cs[i].n * cs[i].ns,
		       c - (double)cs[i].n * cs[i].ns,
		       100.0 * elsewhere / ((double)reps * cs[i].n));
	}
}

int main(void)
{
	const struct enpu_fw_kernels *vs[16];
	unsigned int nv = enpu_fw_kernels_list(vs, 16), v, i;
	const char *only = getenv("BENCH_ONLY");	/* a case name substring */
	static struct tb b;
	static const struct {
		const char *name;
		uint32_t op, a, C, H, W, k, s;
	} cases[] = {
		{ "add 64x25x5", ENPU_OP_ADD, 0, 64, 25, 5, 0, 0 },
		{ "add 32x32x16", ENPU_OP_ADD, 0, 32, 32, 16, 0, 0 },
		{ "add 32x32x16 per-channel", ENPU_OP_ADD, 1, 32, 32, 16, 0, 0 },
		{ "mul 64x25x5", ENPU_OP_MUL, 0, 64, 25, 5, 0, 0 },
		{ "mul 32x32x16", ENPU_OP_MUL, 0, 32, 32, 16, 0, 0 },
		{ "maxpool 2x2/2 16x32x32", ENPU_OP_MAXPOOL, 0, 16, 32, 32, 2, 2 },
		{ "maxpool 3x3/1 p1 16x48x48", ENPU_OP_MAXPOOL, 1, 16, 48, 48, 3, 1 },
		{ "maxpool 3x3/2 p1 32x96x96", ENPU_OP_MAXPOOL, 1, 32, 96, 96, 3, 2 },
		{ "avgpool 2x2/2 16x32x32", ENPU_OP_AVGPOOL, 0, 16, 32, 32, 2, 2 },
		{ "avgpool 3x3/1 p1 16x48x48", ENPU_OP_AVGPOOL, 1, 16, 48, 48, 3, 1 },
		{ "gap 64x8x8", ENPU_OP_GLOBAL_AVGPOOL, 0, 64, 8, 8, 0, 0 },
		{ "gap 256x3x3", ENPU_OP_GLOBAL_AVGPOOL, 0, 256, 3, 3, 0, 0 },
		{ "gap 128x6x6", ENPU_OP_GLOBAL_AVGPOOL, 0, 128, 6, 6, 0, 0 },
	};

	struct par_pool *threads = par_pool_create(2), *saved;
	char best[40];

	if (getenv("BENCH_BATCH"))
		bench_batch = (uint32_t)atoi(getenv("BENCH_BATCH"));
	if (bench_batch < 1 || bench_batch > 1024)
		bench_batch = 1;
	if (nv > 16)
		nv = 16;
	if (!threads)
		return 1;
	par_enter(threads, &saved);
	if (!only || strstr("dispatch", only))
		bench_dispatch();
	printf("%-28s", bench_batch > 1 ? "ns/call, whole batch" : "ns/call");
	for (v = 0; v < nv; v++)
		printf(" %12s", enpu_fw_kernels_name(vs[v]));
	snprintf(best, sizeof(best), "%s x2", enpu_fw_kernels_name(vs[nv - 1]));
	printf(" %12s\n", best);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double scalar = 0, t;

		if (only && !strstr(cases[i].name, only))
			continue;
		tb_init(&b, 1);
		if (cases[i].op == ENPU_OP_ADD || cases[i].op == ENPU_OP_MUL)
			eltwise(&b, cases[i].op, cases[i].a, cases[i].C,
				cases[i].H, cases[i].W);
		else
			pool(&b, cases[i].op, cases[i].C, cases[i].H,
			     cases[i].W, cases[i].k, cases[i].s, cases[i].a);
		printf("%-28s", cases[i].name);
		for (v = 0; v < nv; v++) {
			t = time_op(&b, v ? vs[v] : NULL, 0);
			if (!v)
				scalar = t;
			if (v)
				printf(" %7.0f %3.1fx", t, scalar / t);
			else
				printf(" %12.0f", t);
		}
		t = time_op(&b, vs[nv - 1], 1);
		printf(" %7.0f %3.1fx\n", t, scalar / t);
	}
	par_leave(saved);
	par_pool_destroy(threads);
	return 0;
}
