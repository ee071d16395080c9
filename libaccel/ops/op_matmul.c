// SPDX-License-Identifier: MIT
/*
 * Matrix products: MatMul (N-D, numpy broadcasting of batch dimensions,
 * 1-D operands promoted), Gemm (transA/transB, alpha, beta, broadcast C),
 * MatMulInteger and QLinearMatMul (uint8/int8, int32 accumulation).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"
#include "ops/f32k.h"
#include "util/parallel.h"

/**
 * struct mm_shape - geometry of a (batched) matrix product
 * @m/@k/@nn: matrix sizes; @rank/@dims: output shape
 * @brank/@bdims: broadcast batch shape
 * @sa/@sb: batch strides of A and B in matrices (0 when broadcast)
 */
struct mm_shape {
	int64_t m, k, nn;
	int rank;
	int64_t dims[IR_MAX_RANK];
	int brank;
	int64_t bdims[IR_MAX_RANK];
	int64_t sa[IR_MAX_RANK], sb[IR_MAX_RANK];
};

static int mm_infer_shape(const struct ir_node *n, const struct ir_value *a,
			  const struct ir_value *b, struct mm_shape *s,
			  struct accel_err *e)
{
	struct ir_value ba = { .dtype = IR_F32 }, bb = { .dtype = IR_F32 };
	const struct ir_value *vs[2] = { &ba, &bb };
	int ret;

	memset(s, 0, sizeof(*s));
	if (a->rank < 1 || b->rank < 1)
		return CPU_ERR(n, e, -EINVAL, "operands must have rank >= 1");
	s->m = a->rank == 1 ? 1 : a->dims[a->rank - 2];
	s->k = a->dims[a->rank - 1];
	s->nn = b->rank == 1 ? 1 : b->dims[b->rank - 1];
	if ((b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2]) != s->k)
		return CPU_ERR(n, e, -EINVAL,
			       "inner dimensions differ: A has %lld, B has %lld",
			       (long long)s->k,
			       (long long)(b->rank == 1 ? b->dims[0]
							: b->dims[b->rank - 2]));
	ba.rank = a->rank > 2 ? a->rank - 2 : 0;
	bb.rank = b->rank > 2 ? b->rank - 2 : 0;
	memcpy(ba.dims, a->dims, sizeof(int64_t) * (size_t)ba.rank);
	memcpy(bb.dims, b->dims, sizeof(int64_t) * (size_t)bb.rank);
	if ((ret = cpu_bcast_shape(n, vs, 2, &s->brank, s->bdims, e)))
		return ret;
	cpu_bcast_strides(&ba, s->brank, s->bdims, s->sa);
	cpu_bcast_strides(&bb, s->brank, s->bdims, s->sb);
	s->rank = s->brank;
	memcpy(s->dims, s->bdims, sizeof(int64_t) * (size_t)s->brank);
	if (a->rank != 1)
		s->dims[s->rank++] = s->m;
	if (b->rank != 1)
		s->dims[s->rank++] = s->nn;
	return 0;
}

/* Iterate batches: calls back with the matrix offsets of A, B and Y. */
#define MM_FOR_EACH_BATCH(s, ia, ib, iy, ...)				\
	do {								\
		int64_t idx_[IR_MAX_RANK] = { 0 }, nb_ = 1;		\
		int64_t ia = 0, ib = 0;					\
									\
		for (int d_ = 0; d_ < (s)->brank; d_++)			\
			nb_ *= (s)->bdims[d_];				\
		for (int64_t iy = 0; iy < nb_; iy++) {			\
			__VA_ARGS__;					\
			for (int d_ = (s)->brank - 1; d_ >= 0; d_--) {	\
				ia += (s)->sa[d_];			\
				ib += (s)->sb[d_];			\
				if (++idx_[d_] < (s)->bdims[d_])	\
					break;				\
				ia -= (s)->sa[d_] * (s)->bdims[d_];	\
				ib -= (s)->sb[d_] * (s)->bdims[d_];	\
				idx_[d_] = 0;				\
			}						\
		}							\
	} while (0)

static int matmul_infer(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct ir_value *out, int n_out,
			struct accel_err *e)
{
	struct mm_shape s;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 2, 2, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "A", IR_F32, 1, IR_MAX_RANK, e)) ||
	    (ret = cpu_check_in(n, in, 1, "B", IR_F32, 1, IR_MAX_RANK, e)) ||
	    (ret = mm_infer_shape(n, &in[0], &in[1], &s, e)))
		return ret;
	return cpu_set_out(n, &out[0], IR_F32, s.rank, s.dims, e);
}

static int matmul_run(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	const struct f32_kernels *k = f32k_get();
	const struct f32_epi ep = { .lo = -INFINITY, .hi = INFINITY };
	const float *a = in[0].data, *b = in[1].data;
	float *y = out[0].data;
	struct mm_shape s;
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = mm_infer_shape(n, &in[0], &in[1], &s, e)))
		return ret;
	if (!cpu_numel(&out[0]))
		return 0;
	MM_FOR_EACH_BATCH(&s, ia, ib, iy,
		k->gemm(s.m, s.nn, s.k, a + ia * s.m * s.k, s.k,
			b + ib * s.k * s.nn, s.nn, y + iy * s.m * s.nn,
			s.nn, &ep));
	return 0;
}

const struct cpu_op cpu_op_matmul = { "", "MatMul", matmul_infer,
				      matmul_run };

/* ---- Gemm ---- */

static int gemm_params(const struct ir_node *n, const struct ir_value *in,
		       int n_in, int64_t *ta, int64_t *tb, float *alpha,
		       float *beta, int64_t *m, int64_t *k, int64_t *nn,
		       struct accel_err *e)
{
	int64_t kb;
	int ret;

	if ((ret = cpu_get_int(n, "transA", 0, ta, e)) ||
	    (ret = cpu_get_int(n, "transB", 0, tb, e)) ||
	    (ret = cpu_get_float(n, "alpha", 1.0f, alpha, e)) ||
	    (ret = cpu_get_float(n, "beta", 1.0f, beta, e)))
		return ret;
	if ((*ta != 0 && *ta != 1) || (*tb != 0 && *tb != 1))
		return CPU_ERR(n, e, -EINVAL, "transA/transB must be 0 or 1");
	*m = in[0].dims[*ta ? 1 : 0];
	*k = in[0].dims[*ta ? 0 : 1];
	kb = in[1].dims[*tb ? 1 : 0];
	*nn = in[1].dims[*tb ? 0 : 1];
	if (kb != *k)
		return CPU_ERR(n, e, -EINVAL,
			       "inner dimensions differ: A has %lld, B has %lld",
			       (long long)*k, (long long)kb);
	if (cpu_has_in(in, n_in, 2)) {
		const struct ir_value *c = &in[2];
		int64_t want[2] = { *m, *nn };

		for (int d = 0; d < c->rank; d++) {
			int64_t w = want[2 - c->rank + d];

			if (c->dims[d] != 1 && c->dims[d] != w)
				return CPU_ERR(n, e, -EINVAL,
					       "C dimension %d (%lld) does not broadcast to %lld",
					       d, (long long)c->dims[d],
					       (long long)w);
		}
	}
	return 0;
}

static int gemm_infer(const struct ir_node *n, const struct ir_value *in,
		      int n_in, struct ir_value *out, int n_out,
		      struct accel_err *e)
{
	int64_t ta, tb, m, k, nn, dims[2];
	float alpha, beta;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 2, 3, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "A", IR_F32, 2, 2, e)) ||
	    (ret = cpu_check_in(n, in, 1, "B", IR_F32, 2, 2, e)))
		return ret;
	if (cpu_has_in(in, n_in, 2) &&
	    (ret = cpu_check_in(n, in, 2, "C", IR_F32, 0, 2, e)))
		return ret;
	if ((ret = gemm_params(n, in, n_in, &ta, &tb, &alpha, &beta, &m, &k,
			       &nn, e)))
		return ret;
	dims[0] = m;
	dims[1] = nn;
	return cpu_set_out(n, &out[0], IR_F32, 2, dims, e);
}

/* Transposed copy of a rows x cols matrix into @t. */
static const float *transposed(const float *src, int64_t rows, int64_t cols,
			       float *t)
{
	for (int64_t i = 0; i < rows; i++)
		for (int64_t j = 0; j < cols; j++)
			t[j * rows + i] = src[i * cols + j];
	return t;
}

/* Workspace: transposed copies of A and B when transA/transB. */
static int gemm_ws(const struct ir_node *n, const struct ir_value *in,
		   int n_in, const struct ir_value *out, int n_out,
		   size_t *bytes, struct accel_err *e)
{
	int64_t ta, tb, m = 0, k, nn = 0;
	float alpha, beta;
	int ret;

	(void)out;
	(void)n_out;
	if ((ret = gemm_params(n, in, n_in, &ta, &tb, &alpha, &beta, &m, &k,
			       &nn, e)))
		return ret;
	if (!m || !nn)
		return 0;
	if (ta && (ret = cpu_ws_add(n, bytes, cpu_numel(&in[0]),
				    sizeof(float), e)))
		return ret;
	return 0;
}

/**
 * struct gemm_nt - A * W^T (W stored [N, K]) by row dot products, in
 * blocks of @blk rows of W (small enough to stay in cache while every row
 * of A passes over them), one block per par_run() task
 */
struct gemm_nt {
	const struct f32_kernels *k;
	const float *a, *w, *res;
	float *y;
	int64_t m, n, kd, blk;
	struct f32_epi ep;
};

static void gemm_nt_task(void *arg, uint32_t t)
{
	const struct gemm_nt *g = arg;
	int64_t j0 = (int64_t)t * g->blk;
	int64_t nj = g->n - j0 < g->blk ? g->n - j0 : g->blk;

	for (int64_t i = 0; i < g->m; i++) {
		struct f32_epi er = g->ep;

		er.bias = g->ep.bias ? g->ep.bias + j0 : NULL;
		er.res = g->res ? g->res + i * g->n + j0 : NULL;
		g->k->gemv_t(nj, g->kd, g->a + i * g->kd, g->w + j0 * g->kd,
			     g->kd, g->y + i * g->n + j0, &er);
	}
}

/* W rows per block: 32 KiB of them, at least 4, a multiple of 4. */
static int64_t gemm_nt_blk(int64_t kd, int64_t n)
{
	int64_t b = kd > 0 ? 8192 / kd : n;

	b = b < 4 ? 4 : b / 4 * 4;
	return b > n ? n : b;
}

/*
 * Y = alpha * A' * B' + beta * C, then what the plan fused (@f, or NULL).
 * B' = B^T (transB, how exporters store a Linear layer's weights) is
 * read in place by row dot products; a C of one row with beta 1 (a bias)
 * goes into the kernels' epilogue.
 */
static int gemm_f32(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, void *ws,
		    const struct cpu_fused *f, struct accel_err *e)
{
	const struct f32_kernels *kr = f32k_get();
	const float *a = in[0].data, *b = in[1].data;
	struct f32_epi ep = { .lo = -INFINITY, .hi = INFINITY };
	unsigned char *wp = ws;
	float *y = out[0].data;
	int64_t ta, tb, m, k, nn;
	bool post_c, post_epi;
	float alpha, beta;
	int ret;

	if ((ret = gemm_params(n, in, n_in, &ta, &tb, &alpha, &beta, &m, &k,
			       &nn, e)))
		return ret;
	if (!m || !nn)
		return 0;
	if (ta)
		a = transposed(a, k, m, cpu_ws_take(&wp, cpu_numel(&in[0]),
						    sizeof(float)));
	post_c = cpu_has_in(in, n_in, 2) && cpu_numel(&in[2]);
	/* a bias row: C of [N] or [1, N], beta 1, alpha 1 */
	if (post_c && tb && alpha == 1.0f && beta == 1.0f &&
	    cpu_numel(&in[2]) == nn && nn > 1 &&
	    in[2].dims[in[2].rank - 1] == nn) {
		ep.bias = in[2].data;
		post_c = false;
	}
	post_epi = f && (post_c || alpha != 1.0f || !tb);
	if (f && !post_epi) {
		ep.lo = f->lo;
		ep.hi = f->hi;
	}
	if (tb) {
		struct gemm_nt g = {
			.k = kr, .a = a, .w = b, .y = y, .m = m, .n = nn, .kd = k,
			.res = f && !post_epi ? f->res : NULL, .ep = ep,
		};
		int64_t blocks;

		g.blk = gemm_nt_blk(k, nn);
		blocks = (nn + g.blk - 1) / g.blk;
		/* one task when the work cannot pay for waking a thread */
		if (par_threads() < 2 || (double)m * nn * k < 256.0 * 1024) {
			for (int64_t t = 0; t < blocks; t++)
				gemm_nt_task(&g, (uint32_t)t);
		} else {
			par_run(gemm_nt_task, &g, (uint32_t)blocks);
		}
	} else {
		kr->gemm(m, nn, k, a, k, b, nn, y, nn, &ep);
	}
	if (alpha != 1.0f)
		for (int64_t i = 0; i < m * nn; i++)
			y[i] *= alpha;
	if (post_c) {
		const struct ir_value *c = &in[2];
		const float *cd = c->data;
		int64_t cs_m = 0, cs_n = 0;

		if (c->rank == 2) {
			cs_m = c->dims[0] == 1 ? 0 : c->dims[1];
			cs_n = c->dims[1] == 1 ? 0 : 1;
		} else if (c->rank == 1) {
			cs_n = c->dims[0] == 1 ? 0 : 1;
		}
		for (int64_t i = 0; i < m; i++)
			for (int64_t j = 0; j < nn; j++)
				y[i * nn + j] += beta * cd[i * cs_m + j * cs_n];
	}
	if (post_epi)
		for (int64_t i = 0; i < m * nn; i++) {
			float v = y[i] + (f->res ? f->res[i] : 0.0f);

			v = v < f->lo ? f->lo : v;
			y[i] = v > f->hi ? f->hi : v;
		}
	return 0;
}

static int gemm_run(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out, void *ws,
		    struct accel_err *e)
{
	(void)n_out;
	return gemm_f32(n, in, n_in, out, ws, NULL, e);
}

static int gemm_run_fused(const struct ir_node *n, const struct ir_value *in,
			  int n_in, struct ir_value *out, int n_out, void *ws,
			  const struct cpu_fused *f, struct accel_err *e)
{
	(void)n_out;
	return gemm_f32(n, in, n_in, out, ws, f, e);
}

const struct cpu_op_ws cpu_op_gemm = {
	.op = { "", "Gemm", gemm_infer, NULL },
	.workspace = gemm_ws,
	.run = gemm_run,
	.run_fused = gemm_run_fused,
};

/* ---- integer matrix products ---- */

static bool is_q8(int dtype)
{
	return dtype == IR_U8 || dtype == IR_I8;
}

/* Scalar or 1-D of @len elements (@len <= 0: scalar only). */
static int check_vec(const struct ir_node *n, const struct ir_value *in,
		     int i, const char *what, int dtype, int64_t len,
		     struct accel_err *e)
{
	int64_t cnt;
	int ret;

	if ((ret = cpu_check_in(n, in, i, what, dtype, 0, 1, e)))
		return ret;
	cnt = cpu_numel(&in[i]);
	if (cnt != 1 && cnt != len)
		return CPU_ERR(n, e, -EINVAL,
			       "%s has %lld elements, expected 1 or %lld", what,
			       (long long)cnt, (long long)len);
	return 0;
}

/* Element @i of a scalar-or-vector, 0 when absent. */
static int32_t zp_at(const struct ir_value *v, int64_t i)
{
	if (!v || v->rank < 0 || !v->data)
		return 0;
	return cpu_load_i32(v->data, v->dtype, cpu_numel(v) == 1 ? 0 : i);
}

/* acc[batch, m, n] = sum_k (a - azp[m]) * (b - bzp[n]), wrapping int32. */
static void mm_int_core(const struct mm_shape *s, const struct ir_value *a,
			const struct ir_value *b, const struct ir_value *azp,
			const struct ir_value *bzp, int32_t *acc)
{
	MM_FOR_EACH_BATCH(s, ia, ib, iy, {
		int64_t oa = ia * s->m * s->k, ob = ib * s->k * s->nn;
		uint32_t *y = (uint32_t *)acc + iy * s->m * s->nn;

		for (int64_t i = 0; i < s->m; i++) {
			int32_t za = zp_at(azp, i);
			uint32_t *yr = y + i * s->nn;

			memset(yr, 0, (size_t)s->nn * sizeof(*yr));
			for (int64_t p = 0; p < s->k; p++) {
				uint32_t av = (uint32_t)(cpu_load_i32(
					a->data, a->dtype,
					oa + i * s->k + p) - za);

				for (int64_t j = 0; j < s->nn; j++)
					yr[j] += av * (uint32_t)(cpu_load_i32(
						b->data, b->dtype,
						ob + p * s->nn + j) -
						zp_at(bzp, j));
			}
		}
	});
}

static int matmul_integer_infer(const struct ir_node *n,
				const struct ir_value *in, int n_in,
				struct ir_value *out, int n_out,
				struct accel_err *e)
{
	struct mm_shape s;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 2, 4, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "A", IR_UNDEFINED, 1, IR_MAX_RANK,
				e)) ||
	    (ret = cpu_check_in(n, in, 1, "B", IR_UNDEFINED, 1, IR_MAX_RANK,
				e)))
		return ret;
	if (!is_q8(in[0].dtype) || !is_q8(in[1].dtype))
		return CPU_ERR(n, e, -EINVAL, "A and B must be uint8 or int8");
	if ((ret = mm_infer_shape(n, &in[0], &in[1], &s, e)))
		return ret;
	if (cpu_has_in(in, n_in, 2) &&
	    (ret = check_vec(n, in, 2, "a_zero_point", in[0].dtype, s.m, e)))
		return ret;
	if (cpu_has_in(in, n_in, 3) &&
	    (ret = check_vec(n, in, 3, "b_zero_point", in[1].dtype, s.nn, e)))
		return ret;
	return cpu_set_out(n, &out[0], IR_I32, s.rank, s.dims, e);
}

static int matmul_integer_run(const struct ir_node *n,
			      const struct ir_value *in, int n_in,
			      struct ir_value *out, int n_out,
			      struct accel_err *e)
{
	struct mm_shape s;
	int ret;

	(void)n_out;
	if ((ret = mm_infer_shape(n, &in[0], &in[1], &s, e)))
		return ret;
	if (!cpu_numel(&out[0]))
		return 0;
	mm_int_core(&s, &in[0], &in[1],
		    cpu_has_in(in, n_in, 2) ? &in[2] : NULL,
		    cpu_has_in(in, n_in, 3) ? &in[3] : NULL, out[0].data);
	return 0;
}

const struct cpu_op cpu_op_matmul_integer = { "", "MatMulInteger",
					      matmul_integer_infer,
					      matmul_integer_run };

static int qlinear_matmul_infer(const struct ir_node *n,
				const struct ir_value *in, int n_in,
				struct ir_value *out, int n_out,
				struct accel_err *e)
{
	struct mm_shape s;
	int32_t lo, hi;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 8, 8, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "a", IR_UNDEFINED, 1, IR_MAX_RANK,
				e)) ||
	    (ret = cpu_check_in(n, in, 3, "b", IR_UNDEFINED, 1, IR_MAX_RANK,
				e)))
		return ret;
	if (!is_q8(in[0].dtype) || !is_q8(in[3].dtype))
		return CPU_ERR(n, e, -EINVAL, "a and b must be uint8 or int8");
	if ((ret = mm_infer_shape(n, &in[0], &in[3], &s, e)) ||
	    (ret = check_vec(n, in, 1, "a_scale", IR_F32, s.m, e)) ||
	    (ret = check_vec(n, in, 2, "a_zero_point", in[0].dtype, s.m, e)) ||
	    (ret = check_vec(n, in, 4, "b_scale", IR_F32, s.nn, e)) ||
	    (ret = check_vec(n, in, 5, "b_zero_point", in[3].dtype, s.nn,
			     e)) ||
	    (ret = check_vec(n, in, 6, "y_scale", IR_F32, 1, e)) ||
	    (ret = check_vec(n, in, 7, "y_zero_point", IR_UNDEFINED, 1, e)) ||
	    (ret = cpu_qrange(n, in[7].dtype, &lo, &hi, e)))
		return ret;
	if (!is_q8(in[7].dtype))
		return CPU_ERR(n, e, -EINVAL, "y_zero_point must be 8-bit");
	return cpu_set_out(n, &out[0], in[7].dtype, s.rank, s.dims, e);
}

/* Workspace: the int32 accumulators. */
static int qlinear_matmul_ws(const struct ir_node *n,
			     const struct ir_value *in, int n_in,
			     const struct ir_value *out, int n_out,
			     size_t *bytes, struct accel_err *e)
{
	int64_t numel = cpu_numel(&out[0]);

	(void)in;
	(void)n_in;
	(void)n_out;
	return numel ? cpu_ws_add(n, bytes, numel, sizeof(int32_t), e) : 0;
}

static int qlinear_matmul_run(const struct ir_node *n,
			      const struct ir_value *in, int n_in,
			      struct ir_value *out, int n_out, void *ws,
			      struct accel_err *e)
{
	int64_t numel = cpu_numel(&out[0]);
	const float *as = in[1].data, *bs = in[4].data;
	float ys = *(const float *)in[6].data;
	int32_t zy = cpu_load_i32(in[7].data, in[7].dtype, 0);
	bool a_per = cpu_numel(&in[1]) != 1, b_per = cpu_numel(&in[4]) != 1;
	struct mm_shape s;
	int32_t *acc, lo, hi;
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = mm_infer_shape(n, &in[0], &in[3], &s, e)) ||
	    (ret = cpu_qrange(n, out[0].dtype, &lo, &hi, e)))
		return ret;
	if (!numel)
		return 0;
	acc = ws;
	mm_int_core(&s, &in[0], &in[3], &in[2], &in[5], acc);
	for (int64_t t = 0; t < numel; t++) {
		int64_t j = t % s.nn, i = (t / s.nn) % s.m;
		float mult = as[a_per ? i : 0] * bs[b_per ? j : 0] / ys;
		int32_t q = cpu_round_sat((double)acc[t] * (double)mult + zy,
					  lo, hi);

		if (out[0].dtype == IR_U8)
			((uint8_t *)out[0].data)[t] = (uint8_t)q;
		else
			((int8_t *)out[0].data)[t] = (int8_t)q;
	}
	return 0;
}

const struct cpu_op_ws cpu_op_qlinear_matmul = {
	.op = { "", "QLinearMatMul", qlinear_matmul_infer, NULL },
	.workspace = qlinear_matmul_ws,
	.run = qlinear_matmul_run,
};
