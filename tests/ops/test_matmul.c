// SPDX-License-Identifier: MIT
/*
 * MatMul, Gemm, MatMulInteger, QLinearMatMul against naive references on
 * seeded random shapes (odd/prime sizes, batch broadcasting, 1-D operands),
 * plus infer() rejections.
 */
#include <math.h>
#include <stdio.h>

#include "ops_test.h"
#include "util/parallel.h"

static void test_matmul_hand(void)
{
	static const float a[6] = { 1, 2, 3, 4, 5, 6 };	/* 2x3 */
	static const float b[6] = { 7, 8, 9, 10, 11, 12 };	/* 3x2 */
	static const float want[4] = { 58, 64, 139, 154 };
	static const float v[3] = { 1, 0, -1 };
	static const float want_v[2] = { -2, -2 };	/* a . v */
	struct ir_value in[2], out[1];
	struct accel_err e;
	struct tnode t;
	int r;

	in[0] = tv(IR_F32, a, 2, 2LL, 3LL);
	in[1] = tv(IR_F32, b, 2, 3LL, 2LL);
	tn_init(&t, "MatMul");
	r = t_eval(&t, in, 2, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].rank == 2, "matmul %d %s", r, e.msg))
		t_close(out[0].data, want, 4, 0, "matmul 2x3x2");
	t_free_outs(out, 1);
	in[1] = tv(IR_F32, v, 1, 3LL);	/* 1-D B: result drops N */
	tn_init(&t, "MatMul");
	r = t_eval(&t, in, 2, out, 1, &e);
	if (TAP_CHECK(r == 0 && out[0].rank == 1 && out[0].dims[0] == 2,
		      "matmul 1-D %d %s", r, e.msg))
		t_close(out[0].data, want_v, 2, 0, "matmul vec");
	t_free_outs(out, 1);
}

static void test_matmul_random(void)
{
	uint64_t seed = 4242;
	int cases = 0;

	for (int it = 0; it < 40; it++) {
		int m = t_randi(&seed, 1, 13), k = t_randi(&seed, 1, 37);
		int n = t_randi(&seed, 1, 19);
		int ba = t_randi(&seed, 1, 3), bb = t_randi(&seed, 1, 3);
		int a1d = it % 7 == 3, b1d = it % 5 == 4;
		int bo, ra, rb;
		float *a, *b, *ref;
		struct ir_value in[2], out[1];
		struct accel_err e;
		struct tnode t;
		int r;

		/* batch dims: A [ba, 1, m, k], B [bb_or_1, 3, k, n] */
		if (ba != bb && ba != 1 && bb != 1)
			bb = 1;
		bo = ba > bb ? ba : bb;
		a = malloc(sizeof(float) * ba * m * k);
		b = malloc(sizeof(float) * bb * 3 * k * n);
		ref = calloc((size_t)bo * 3 * m * n, sizeof(float));
		for (int i = 0; i < ba * m * k; i++)
			a[i] = t_randf(&seed);
		for (int i = 0; i < bb * 3 * k * n; i++)
			b[i] = t_randf(&seed);
		if (a1d || b1d) {
			/* plain 1-D cases: A [k] x B [k, n] or A [m,k] x B [k] */
			m = a1d ? 1 : m;
			n = b1d ? 1 : n;
			for (int i = 0; i < m; i++)
				for (int j = 0; j < n; j++) {
					double s = 0;

					for (int p = 0; p < k; p++)
						s += a[i * k + p] * b[p * n + j];
					ref[i * n + j] = (float)s;
				}
			in[0] = a1d ? tv(IR_F32, a, 1, (int64_t)k) :
				tv(IR_F32, a, 2, (int64_t)m, (int64_t)k);
			in[1] = b1d ? tv(IR_F32, b, 1, (int64_t)k) :
				tv(IR_F32, b, 2, (int64_t)k, (int64_t)n);
			ra = 2 - a1d - b1d;
			rb = m * n;
		} else {
			for (int x = 0; x < bo; x++)
				for (int y = 0; y < 3; y++)
					for (int i = 0; i < m; i++)
						for (int j = 0; j < n; j++) {
							const float *ap = a + (ba == 1 ? 0 : x) * m * k;
							const float *bp = b + ((bb == 1 ? 0 : x) * 3 + y) * k * n;
							double s = 0;

							for (int p = 0; p < k; p++)
								s += ap[i * k + p] * bp[p * n + j];
							ref[((x * 3 + y) * m + i) * n + j] = (float)s;
						}
			in[0] = tv(IR_F32, a, 4, (int64_t)ba, 1LL, (int64_t)m,
				   (int64_t)k);
			in[1] = tv(IR_F32, b, 4, (int64_t)bb, 3LL, (int64_t)k,
				   (int64_t)n);
			ra = 4;
			rb = bo * 3 * m * n;
		}
		tn_init(&t, "MatMul");
		r = t_eval(&t, in, 2, out, 1, &e);
		if (TAP_CHECK(r == 0 && out[0].rank == ra, "matmul %d: %d %s rank %d",
			      it, r, e.msg, out[0].rank)) {
			char what[32];

			snprintf(what, sizeof(what), "matmul case %d", it);
			t_close(out[0].data, ref, rb, 1e-5f, what);
			cases++;
		}
		t_free_outs(out, 1);
		free(a);
		free(b);
		free(ref);
	}
	CHECK(cases == 40, "only %d cases", cases);
}

static void test_gemm_random(void)
{
	uint64_t seed = 77;
	int cases = 0;

	for (int it = 0; it < 32; it++) {
		int m = t_randi(&seed, 1, 11), k = t_randi(&seed, 1, 17);
		int n = t_randi(&seed, 1, 9), ta = it & 1, tb = (it >> 1) & 1;
		int cmode = (it >> 2) % 5;	/* none, [m,n], [n], [m,1], scalar */
		float alpha = it % 3 ? 0.5f : 1.0f, beta = it % 4 ? 2.0f : 1.0f;
		float *a = malloc(sizeof(float) * m * k);
		float *b = malloc(sizeof(float) * k * n);
		float *c = malloc(sizeof(float) * m * n);
		float *ref = malloc(sizeof(float) * m * n);
		struct ir_value in[3], out[1];
		struct accel_err e;
		struct tnode t;
		int r;

		for (int i = 0; i < m * k; i++)
			a[i] = t_randf(&seed);
		for (int i = 0; i < k * n; i++)
			b[i] = t_randf(&seed);
		for (int i = 0; i < m * n; i++)
			c[i] = t_randf(&seed);
		for (int i = 0; i < m; i++)
			for (int j = 0; j < n; j++) {
				double s = 0, cv = 0;

				for (int p = 0; p < k; p++)
					s += (ta ? a[p * m + i] : a[i * k + p]) *
					     (tb ? b[j * k + p] : b[p * n + j]);
				switch (cmode) {
				case 1: cv = c[i * n + j]; break;
				case 2: cv = c[j]; break;
				case 3: cv = c[i]; break;
				case 4: cv = c[0]; break;
				}
				ref[i * n + j] = (float)(alpha * s + beta * cv);
			}
		in[0] = ta ? tv(IR_F32, a, 2, (int64_t)k, (int64_t)m) :
			     tv(IR_F32, a, 2, (int64_t)m, (int64_t)k);
		in[1] = tb ? tv(IR_F32, b, 2, (int64_t)n, (int64_t)k) :
			     tv(IR_F32, b, 2, (int64_t)k, (int64_t)n);
		switch (cmode) {
		case 1: in[2] = tv(IR_F32, c, 2, (int64_t)m, (int64_t)n); break;
		case 2: in[2] = tv(IR_F32, c, 1, (int64_t)n); break;
		case 3: in[2] = tv(IR_F32, c, 2, (int64_t)m, 1LL); break;
		case 4: in[2] = tv(IR_F32, c, 0); break;
		default: in[2] = tv_none(); break;
		}
		tn_init(&t, "Gemm");
		tn_int(&t, "transA", ta);
		tn_int(&t, "transB", tb);
		tn_float(&t, "alpha", alpha);
		tn_float(&t, "beta", beta);
		r = t_eval(&t, in, 3, out, 1, &e);
		if (TAP_CHECK(r == 0, "gemm %d: %d %s", it, r, e.msg)) {
			char what[32];

			snprintf(what, sizeof(what), "gemm case %d", it);
			t_close(out[0].data, ref, m * n, 1e-5f, what);
			cases++;
		}
		t_free_outs(out, 1);
		free(a);
		free(b);
		free(c);
		free(ref);
	}
	CHECK(cases == 32, "only %d cases", cases);
}

static void test_matmul_reject(void)
{
	static const float d[64];
	struct ir_value in[3];
	struct tnode t;

	in[0] = tv(IR_F32, d, 2, 2LL, 3LL);
	in[1] = tv(IR_F32, d, 2, 4LL, 2LL);
	tn_init(&t, "MatMul");
	T_REJECT(&t, in, 2, 1, -EINVAL, "inner mismatch");
	in[0] = tv(IR_F32, d, 3, 2LL, 2LL, 4LL);
	in[1] = tv(IR_F32, d, 3, 3LL, 4LL, 2LL);
	tn_init(&t, "MatMul");
	T_REJECT(&t, in, 2, 1, -EINVAL, "batch mismatch");
	in[0] = tv(IR_F32, d, 0);
	tn_init(&t, "MatMul");
	T_REJECT(&t, in, 2, 1, -EINVAL, "scalar operand");
	in[0] = tv(IR_F32, d, 2, 2LL, 3LL);
	in[1] = tv(IR_F32, d, 2, 3LL, 2LL);
	in[2] = tv(IR_F32, d, 1, 3LL);	/* C [3] vs N = 2 */
	tn_init(&t, "Gemm");
	T_REJECT(&t, in, 3, 1, -EINVAL, "gemm C shape");
	tn_init(&t, "Gemm");
	tn_int(&t, "transA", 1);	/* A^T is 3x2, K 2 vs B's 3 */
	T_REJECT(&t, in, 2, 1, -EINVAL, "gemm transA mismatch");
	tn_init(&t, "Gemm");
	tn_int(&t, "transB", 3);
	T_REJECT(&t, in, 2, 1, -EINVAL, "gemm transB value");
	in[0] = tv(IR_F32, d, 3, 1LL, 2LL, 3LL);
	tn_init(&t, "Gemm");
	T_REJECT(&t, in, 2, 1, -EINVAL, "gemm rank 3");
}

static void test_qmatmul(void)
{
	uint64_t seed = 31337;
	int cases = 0;

	for (int it = 0; it < 20; it++) {
		int m = t_randi(&seed, 1, 7), k = t_randi(&seed, 1, 23);
		int n = t_randi(&seed, 1, 6);
		uint8_t *a = malloc((size_t)m * k), az = (uint8_t)t_randi(&seed, 0, 255);
		int8_t *b = malloc((size_t)k * n), bz[6];
		int32_t *ref = malloc(sizeof(int32_t) * m * n);
		float as = 0.05f, bs[6], ys = 0.1f + 0.3f * (float)(it % 4);
		int8_t yz = (int8_t)t_randi(&seed, -20, 20);
		struct ir_value in[8], out[1];
		struct accel_err e;
		struct tnode t;
		int r, ok = 1;

		for (int i = 0; i < m * k; i++)
			a[i] = (uint8_t)t_randi(&seed, 0, 255);
		for (int i = 0; i < k * n; i++)
			b[i] = (int8_t)t_randi(&seed, -128, 127);
		for (int j = 0; j < n; j++) {
			bz[j] = (int8_t)t_randi(&seed, -3, 3);
			bs[j] = 0.002f * (float)(j + 1);
		}
		for (int i = 0; i < m; i++)
			for (int j = 0; j < n; j++) {
				int32_t s = 0;

				for (int p = 0; p < k; p++)
					s += (a[i * k + p] - az) * (b[p * n + j] - bz[j]);
				ref[i * n + j] = s;
			}
		in[0] = tv(IR_U8, a, 2, (int64_t)m, (int64_t)k);
		in[1] = tv(IR_I8, b, 2, (int64_t)k, (int64_t)n);
		in[2] = tv(IR_U8, &az, 0);
		in[3] = tv(IR_I8, bz, 1, (int64_t)n);
		tn_init(&t, "MatMulInteger");
		r = t_eval(&t, in, 4, out, 1, &e);
		if (TAP_CHECK(r == 0 && out[0].dtype == IR_I32, "mmint %d %s", r,
			      e.msg))
			for (int i = 0; i < m * n && ok; i++)
				ok = TAP_CHECK(((int32_t *)out[0].data)[i] == ref[i],
					       "mmint case %d: %d != %d", it,
					       ((int32_t *)out[0].data)[i], ref[i]);
		t_free_outs(out, 1);
		in[0] = tv(IR_U8, a, 2, (int64_t)m, (int64_t)k);
		in[1] = tv(IR_F32, &as, 0);
		in[2] = tv(IR_U8, &az, 0);
		in[3] = tv(IR_I8, b, 2, (int64_t)k, (int64_t)n);
		in[4] = tv(IR_F32, bs, 1, (int64_t)n);
		in[5] = tv(IR_I8, bz, 1, (int64_t)n);
		in[6] = tv(IR_F32, &ys, 0);
		in[7] = tv(IR_I8, &yz, 0);
		tn_init(&t, "QLinearMatMul");
		r = t_eval(&t, in, 8, out, 1, &e);
		if (TAP_CHECK(r == 0 && out[0].dtype == IR_I8, "qlmm %d %s", r,
			      e.msg))
			for (int i = 0; i < m * n && ok; i++) {
				float mult = as * bs[i % n] / ys;
				double v = rint((double)ref[i] * mult) + yz;
				int q = v < -128 ? -128 : v > 127 ? 127 : (int)v;

				ok = TAP_CHECK(((int8_t *)out[0].data)[i] == q,
					       "qlmm case %d: %d != %d", it,
					       ((int8_t *)out[0].data)[i], q);
			}
		t_free_outs(out, 1);
		cases += ok;
		free(a);
		free(b);
		free(ref);
	}
	CHECK(cases == 20, "only %d cases", cases);
}

/*
 * Gemm with transB (a Linear layer) large enough to split W into blocks,
 * rows of A from 1 to 40, bias row, on 1 and 2 threads, plain and with a
 * fused residual + clamp, against double sums.
 */
static void test_gemm_nt_blocks(void)
{
	const struct cpu_op_ws *op = (const void *)cpu_op_find("", "Gemm");
	struct par_pool *pool = par_pool_create(2);
	uint64_t seed = 0x9e77;
	int cases = 0;

	CHECK(pool && op && op->run_fused, "pool and Gemm run_fused");
	for (int it = 0; pool && op && it < 12; it++) {
		int m = t_randi(&seed, 1, 40), k = t_randi(&seed, 1, 700);
		int n = t_randi(&seed, 1, 300);
		float *a = malloc(sizeof(float) * m * k);
		float *w = malloc(sizeof(float) * n * k);
		float *c = malloc(sizeof(float) * n);
		float *res = malloc(sizeof(float) * m * n);
		float *ref = malloc(sizeof(float) * m * n);
		float *reff = malloc(sizeof(float) * m * n);
		struct cpu_fused f = { .res = res, .lo = -0.5f, .hi = 3.0f };
		struct ir_value in[3], out[1];
		struct tnode t;

		for (int i = 0; i < m * k; i++)
			a[i] = t_randf(&seed);
		for (int i = 0; i < n * k; i++)
			w[i] = t_randf(&seed);
		for (int i = 0; i < n; i++)
			c[i] = t_randf(&seed);
		for (int i = 0; i < m * n; i++)
			res[i] = t_randf(&seed);
		for (int i = 0; i < m; i++)
			for (int j = 0; j < n; j++) {
				double sum = c[j];
				float v;

				for (int p = 0; p < k; p++)
					sum += (double)a[i * k + p] * w[j * k + p];
				ref[i * n + j] = (float)sum;
				v = (float)(sum + res[i * n + j]);
				reff[i * n + j] = v < -0.5f ? -0.5f : v > 3.0f ? 3.0f : v;
			}
		in[0] = tv(IR_F32, a, 2, (int64_t)m, (int64_t)k);
		in[1] = tv(IR_F32, w, 2, (int64_t)n, (int64_t)k);
		in[2] = tv(IR_F32, c, 1, (int64_t)n);
		tn_init(&t, "Gemm");
		tn_int(&t, "transB", 1);
		for (int thr = 1; thr <= 2; thr++) {
			struct par_pool *saved;
			struct accel_err e;
			char what[64];
			size_t wsz = 0;
			void *ws;
			int r;

			snprintf(what, sizeof(what), "gemm nt m%d k%d n%d %d thr", m,
				 k, n, thr);
			par_enter(thr == 2 ? pool : NULL, &saved);
			r = t_eval(&t, in, 3, out, 1, &e);
			CHECK(r == 0, "%s: %d %s", what, r, e.msg);
			if (!r)
				t_close(out[0].data, ref, (int64_t)m * n, 1e-5f, what);
			if (!r) {
				r = cpu_op_workspace(&op->op, &t.n, in, 3, out, 1,
						     &wsz, &e);
				ws = aligned_alloc(64, (wsz + 127) & ~(size_t)63);
				if (!r)
					r = op->run_fused(&t.n, in, 3, out, 1, ws, &f, &e);
				CHECK(r == 0, "%s fused: %d %s", what, r, e.msg);
				if (!r)
					t_close(out[0].data, reff, (int64_t)m * n,
						1e-5f, what);
				free(ws);
				cases += !r;
			}
			par_leave(saved);
			t_free_outs(out, 1);
		}
		free(a), free(w), free(c), free(res), free(ref), free(reff);
	}
	par_pool_destroy(pool);
	CHECK(cases == 24, "only %d cases", cases);
}

int main(void)
{
	tap_run("matmul_hand", test_matmul_hand);
	tap_run("matmul_random_vs_ref", test_matmul_random);
	tap_run("gemm_random_vs_ref", test_gemm_random);
	tap_run("gemm_transb_blocks_threads", test_gemm_nt_blocks);
	tap_run("matmul_reject", test_matmul_reject);
	tap_run("matmul_integer_qlinear_vs_ref", test_qmatmul);
	return tap_done("ops-matmul");
}
