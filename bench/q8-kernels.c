// SPDX-License-Identifier: MIT
/*
 * ns per call of the CONV2D / FULLY_CONNECTED kernels on model-like shapes,
 * scalar against every kernel variant this machine runs, on 1 and 2 threads
 * (libaccel's thread pool behind the parallel hook; the best batch of
 * ~2 ms counts), with the outputs
 * compared against the scalar kernel's.  Prints figures, asserts nothing
 * about speed.  `make bench-kernels` [BENCH_ARGS="-t SECONDS -s SHAPE"].
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/firmware/ref.h"
#include "../libaccel/util/parallel.h"

struct shape {
	const char *name;
	int fc;
	uint32_t C, O, H, W, k, s, pad, groups;	/* conv; fc: C = K, O = N */
};

static const struct shape shapes[] = {
	{ "ds-cnn conv 10x4 s2 1->64 49x10", 0, 1, 64, 49, 10, 4, 2, 1, 1 },
	{ "ds-cnn pw 64->64 25x5", 0, 64, 64, 25, 5, 1, 1, 0, 1 },
	{ "ds-cnn dw 3x3 64ch 25x5", 0, 64, 64, 25, 5, 3, 1, 1, 64 },
	{ "mbv1 conv 3x3 s2 3->8 96x96", 0, 3, 8, 96, 96, 3, 2, 1, 1 },
	{ "mbv1 dw 3x3 s1 8ch 48x48", 0, 8, 8, 48, 48, 3, 1, 1, 8 },
	{ "mbv1 dw 3x3 s2 8ch 48x48", 0, 8, 8, 48, 48, 3, 2, 1, 8 },
	{ "mbv1 dw 3x3 s2 16ch 48x48", 0, 16, 16, 48, 48, 3, 2, 1, 16 },
	{ "mbv1 dw 3x3 s1 32ch 24x24", 0, 32, 32, 24, 24, 3, 1, 1, 32 },
	{ "mbv1 dw 3x3 s1 128ch 6x6", 0, 128, 128, 6, 6, 3, 1, 1, 128 },
	{ "mbv1 pw 8->16 48x48", 0, 8, 16, 48, 48, 1, 1, 0, 1 },
	{ "mbv1 pw 32->64 12x12", 0, 32, 64, 12, 12, 1, 1, 0, 1 },
	{ "mbv1 pw 64->128 6x6", 0, 64, 128, 6, 6, 1, 1, 0, 1 },
	{ "resnet8 3x3 16->16 32x32", 0, 16, 16, 32, 32, 3, 1, 1, 1 },
	{ "resnet8 3x3 3->16 32x32", 0, 3, 16, 32, 32, 3, 1, 1, 1 },
	{ "resnet8 3x3 32->32 16x16", 0, 32, 32, 16, 16, 3, 1, 1, 1 },
	{ "resnet8 3x3 64->64 8x8", 0, 64, 64, 8, 8, 3, 1, 1, 1 },
	{ "resnet8 3x3 s2 16->32 32x32", 0, 16, 32, 32, 32, 3, 2, 1, 1 },
	{ "resnet8 1x1 s2 16->32 32x32", 0, 16, 32, 32, 32, 1, 2, 0, 1 },
	{ "pw 256->256 24x24", 0, 256, 256, 24, 24, 1, 1, 0, 1 },
	{ "fc 640x128", 1, 640, 128, 0, 0, 0, 0, 0, 0 },
	{ "fc 128x640", 1, 128, 640, 0, 0, 0, 0, 0, 0 },
};

static struct par_pool *pool;

static void bench_parallel(void *ctx, void (*fn)(void *arg, __u32 i),
			   void *arg, __u32 n)
{
	(void)ctx;
	par_run(fn, arg, n);
}

static void *bench_alloc(void *actx, __u64 size)
{
	void *p;

	(void)actx;
	if (posix_memalign(&p, 64, (size + 63) & ~(__u64)63))
		return NULL;
	memset(p, 0, size);
	return p;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint64_t build(const struct shape *s, struct tb *b)
{
	uint32_t rng = 12345, x, w, bias, y, o, OH, OW;
	struct enpu_op *op;

	tb_init(b, 2);
	if (s->fc) {
		x = tb_tensor(b, 0, ENPU_DTYPE_S8, -3, 2, 1, s->C, 1, 1);
		w = tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 2, s->C, s->O, 1, 1);
		bias = tb_tensor(b, 1, ENPU_DTYPE_S32, 0, 1, s->O, 1, 1, 1);
		y = tb_tensor(b, 0, ENPU_DTYPE_S8, 5, 2, 1, s->O, 1, 1);
		op = tb_op(b, ENPU_OP_FULLY_CONNECTED, y);
	} else {
		OH = (s->H + 2 * s->pad - s->k) / s->s + 1;
		OW = (s->W + 2 * s->pad - s->k) / s->s + 1;
		x = tb_tensor(b, 0, ENPU_DTYPE_S8, -3, 4, 1, s->C, s->H, s->W);
		w = tb_tensor(b, 1, ENPU_DTYPE_S8, 0, 4, s->O, s->C / s->groups,
			      s->k, s->k);
		bias = tb_tensor(b, 1, ENPU_DTYPE_S32, 0, 1, s->O, 1, 1, 1);
		y = tb_tensor(b, 0, ENPU_DTYPE_S8, 5, 4, 1, s->O, OH, OW);
		op = tb_op(b, ENPU_OP_CONV2D, y);
		op->params.conv = (struct enpu_op_conv){
			.stride_h = s->s, .stride_w = s->s, .dilation_h = 1,
			.dilation_w = 1, .pad_top = s->pad, .pad_left = s->pad,
			.pad_bottom = s->pad, .pad_right = s->pad,
			.groups = s->groups,
		};
	}
	op->in[0] = x;
	op->in[1] = w;
	op->in[2] = bias;
	op->quant_count = s->O;
	for (o = 0; o < s->O; o++)
		tb_quant(b, (1 << 30) + (int32_t)(ref_rand(&rng) >> 2), 10, 0);
	op->act_min = -128;
	(void)rng;
	return s->fc ? (uint64_t)s->C * s->O :
	       (uint64_t)s->O * (s->C / s->groups) * s->k * s->k *
	       b->t[y].dims[2] * b->t[y].dims[3];
}

/* ns per call of variant @k (NULL: scalar) on @threads threads. */
static double run(const struct tb *b, const uint8_t *cb,
		  struct enpu_fw_buf *slots, const struct enpu_fw_kernels *k,
		  unsigned int threads, double secs)
{
	struct enpu_fw_hooks h = { .kernels = k };
	void *state[TB_MAX_OPS] = { 0 };
	struct par_pool *saved;
	double t0, t, best = 1e30;
	unsigned long batch = 1;

	h.scratch = bench_alloc(NULL, ENPU_FW_SCRATCH_SIZE);
	h.scratch_size = ENPU_FW_SCRATCH_SIZE;
	if (threads > 1)
		h.parallel = bench_parallel;
	if (k && enpu_fw_kernels_prepare(k, cb, slots, 1, state, bench_alloc,
					 NULL))
		abort();
	h.op_state = state;
	h.num_op_state = b->no;
	par_enter(threads > 1 ? pool : NULL, &saved);
	/* the best of batches of ~2 ms: robust against a loaded machine */
	t0 = now();
	do {
		double b0 = now(), bt;
		unsigned long i;

		for (i = 0; i < batch; i++)
			if (enpu_fw_execute_validated(cb, slots, &h, NULL))
				abort();
		bt = now() - b0;
		if (bt / batch < best)
			best = bt / batch;
		if (bt < 2e-3)
			batch *= 2;
		t = now() - t0;
	} while (t < secs);
	par_leave(saved);
	free(state[0]);
	free(h.scratch);
	return best * 1e9;
}

int main(int argc, char **argv)
{
	const struct enpu_fw_kernels *vs[16];
	unsigned int nv = enpu_fw_kernels_list(vs, 16), i, v, th;
	const char *only = NULL;
	double secs = 0.2;
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "-t"))
			secs = atof(argv[a + 1]);
		else if (!strcmp(argv[a], "-s"))
			only = argv[a + 1];
	}
	if (nv > 16)
		nv = 16;
	pool = par_pool_create(2);
	printf("%-30s %-11s %3s %11s %8s %8s\n", "shape", "variant", "thr",
	       "ns/call", "GMAC/s", "speedup");
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct tb *b = calloc(1, sizeof(*b));
		struct enpu_fw_buf slots[TB_MAX_SLOTS];
		uint64_t macs = build(&shapes[i], b);
		__u64 sizes[TB_MAX_SLOTS];
		uint32_t rng = 777, t;
		const struct enpu_tensor *y;
		uint8_t *ref = NULL;
		size_t size;
		uint8_t *cb = tb_build(b, &size);
		double base = 0;

		if (only && !strstr(shapes[i].name, only)) {
			free(cb);
			free(b);
			continue;
		}

		tb_alloc_slots(b, slots, 1);
		for (t = 0; t < b->nt; t++)
			ref_fill(slots, &b->t[t], &rng, 1 << 12);
		for (t = 0; t < b->num_slots; t++)
			sizes[t] = slots[t].size;
		if (enpu_fw_validate(cb, size, sizes, b->num_slots, NULL))
			abort();
		y = &b->t[b->o[0].out];
		for (v = 0; v < nv; v++) {
			for (th = 1; th <= 2; th++) {
				const char *vn = enpu_fw_kernels_name(vs[v]);
				double ns;

				if (v == 0 && th == 2)
					continue;	/* scalar is one thread */
				ns = run(b, cb, slots, v ? vs[v] : NULL,
					 th, secs);
				if (!v) {
					base = ns;
					ref = malloc(ref_count(y));
					memcpy(ref, (uint8_t *)slots[y->slot].data +
					       y->offset, ref_count(y));
				} else if (memcmp(ref, (uint8_t *)slots[y->slot].data +
						  y->offset, ref_count(y))) {
					printf("# %s: %s differs from scalar\n",
					       shapes[i].name, vn);
				}
				printf("%-30s %-11s %3u %11.0f %8.2f %7.1fx\n",
				       shapes[i].name, vn, th, ns, macs / ns,
				       base / ns);
			}
		}
		free(ref);
		free(cb);
		tb_free_slots(b, slots);
		free(b);
	}
	par_pool_destroy(pool);
	return 0;
}
