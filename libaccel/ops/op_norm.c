// SPDX-License-Identifier: MIT
/*
 * Normalisations and reductions: Softmax, LogSoftmax and Hardmax (opset
 * < 13 flattening and opset >= 13 single-axis semantics),
 * BatchNormalization (inference) and ReduceMean (axes as attribute or
 * input).
 */
#include <math.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

/* Softmax as [outer, len, inner] with the reduction over len. */
static int softmax_dims(const struct ir_node *n, const struct ir_value *x,
			int64_t *outer, int64_t *len, int64_t *inner,
			struct accel_err *e)
{
	bool legacy = cpu_node_opset(n, 13) < 13;
	int64_t axis;
	int ax, ret;

	if ((ret = cpu_get_int(n, "axis", legacy ? 1 : -1, &axis, e)))
		return ret;
	if (x->rank == 0)
		return CPU_ERR(n, e, -EINVAL, "input must have rank >= 1");
	if ((ret = cpu_norm_axis(n, axis, x->rank, legacy, &ax, e)))
		return ret;
	*outer = *len = *inner = 1;
	for (int i = 0; i < x->rank; i++) {
		if (i < ax)
			*outer *= x->dims[i];
		else if (i == ax || legacy)
			*len *= x->dims[i];
		else
			*inner *= x->dims[i];
	}
	return 0;
}

static int softmax_infer(const struct ir_node *n, const struct ir_value *in,
			 int n_in, struct ir_value *out, int n_out,
			 struct accel_err *e)
{
	int64_t a, b, c;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "input", IR_F32, 1, IR_MAX_RANK,
				e)) ||
	    (ret = softmax_dims(n, &in[0], &a, &b, &c, e)))
		return ret;
	return cpu_set_out(n, &out[0], IR_F32, in[0].rank, in[0].dims, e);
}

/* One [len] line with stride @inner of each op, in its own precision. */
static void softmax_line(const float *xs, float *ys, int64_t len,
			 int64_t inner)
{
	float mx = -INFINITY, sum = 0.0f;

	for (int64_t l = 0; l < len; l++)
		if (xs[l * inner] > mx)
			mx = xs[l * inner];
	for (int64_t l = 0; l < len; l++) {
		ys[l * inner] = expf(xs[l * inner] - mx);
		sum += ys[l * inner];
	}
	for (int64_t l = 0; l < len; l++)
		ys[l * inner] /= sum;
}

static void log_softmax_line(const float *xs, float *ys, int64_t len,
			     int64_t inner)
{
	double mx = -INFINITY, sum = 0.0, lse;

	for (int64_t l = 0; l < len; l++)
		if (xs[l * inner] > mx)
			mx = xs[l * inner];
	for (int64_t l = 0; l < len; l++)
		sum += exp(xs[l * inner] - mx);
	lse = mx + log(sum);
	for (int64_t l = 0; l < len; l++)
		ys[l * inner] = (float)(xs[l * inner] - lse);
}

static void hardmax_line(const float *xs, float *ys, int64_t len,
			 int64_t inner)
{
	double mx = -INFINITY;
	int64_t arg = 0;

	for (int64_t l = 0; l < len; l++)
		if (xs[l * inner] > mx) {
			mx = xs[l * inner];
			arg = l;
		}
	for (int64_t l = 0; l < len; l++)
		ys[l * inner] = l == arg ? 1.0f : 0.0f;
}

static int softmax_run(const struct ir_node *n, const struct ir_value *in,
		       int n_in, struct ir_value *out, int n_out,
		       struct accel_err *e)
{
	void (*line)(const float *xs, float *ys, int64_t len, int64_t inner);
	const float *x = in[0].data;
	float *y = out[0].data;
	int64_t outer, len, inner;
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = softmax_dims(n, &in[0], &outer, &len, &inner, e)))
		return ret;
	if (!strcmp(n->op_type, "Hardmax"))
		line = hardmax_line;
	else if (!strcmp(n->op_type, "LogSoftmax"))
		line = log_softmax_line;
	else
		line = softmax_line;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0; i < inner; i++)
			line(x + o * len * inner + i, y + o * len * inner + i,
			     len, inner);
	return 0;
}

const struct cpu_op cpu_op_softmax = { "", "Softmax", softmax_infer,
				       softmax_run };
const struct cpu_op cpu_op_log_softmax = { "", "LogSoftmax", softmax_infer,
					   softmax_run };
const struct cpu_op cpu_op_hardmax = { "", "Hardmax", softmax_infer,
				       softmax_run };

/* ---- BatchNormalization ---- */

static int bn_infer(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	static const char *const what[] = { "X", "scale", "B", "mean", "var" };
	int64_t training;
	float eps;
	int ret;

	if ((ret = cpu_check_io(n, n_in, 5, 5, n_out, 1, 5, e)) ||
	    (ret = cpu_check_in(n, in, 0, "X", IR_F32, 2, IR_MAX_RANK, e)) ||
	    (ret = cpu_get_int(n, "training_mode", 0, &training, e)) ||
	    (ret = cpu_get_float(n, "epsilon", 1e-5f, &eps, e)))
		return ret;
	if (training)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "training_mode is not supported");
	for (int j = 1; j < n_out; j++)
		if (cpu_has_out(n, n_out, j))
			return CPU_ERR(n, e, -EOPNOTSUPP,
				       "output %d (training statistics) is not supported",
				       j);
	if (!(eps >= 0.0f))
		return CPU_ERR(n, e, -EINVAL, "epsilon must be >= 0");
	if ((ret = cpu_check_per_channel(n, in, 5, what, e)))
		return ret;
	return cpu_set_out(n, &out[0], IR_F32, in[0].rank, in[0].dims, e);
}

static int bn_run(const struct ir_node *n, const struct ir_value *in,
		  int n_in, struct ir_value *out, int n_out,
		  struct accel_err *e)
{
	const float *x = in[0].data, *sc = in[1].data, *bi = in[2].data;
	const float *mean = in[3].data, *var = in[4].data;
	int64_t nb = in[0].dims[0], c = in[0].dims[1], sz = 1;
	float *y = out[0].data;
	float eps;
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = cpu_get_float(n, "epsilon", 1e-5f, &eps, e)))
		return ret;
	for (int i = 2; i < in[0].rank; i++)
		sz *= in[0].dims[i];
	for (int64_t b = 0; b < nb; b++) {
		for (int64_t ch = 0; ch < c; ch++) {
			float inv = 1.0f / sqrtf(var[ch] + eps);
			float a = sc[ch] * inv, bb = bi[ch] - mean[ch] * a;
			const float *xp = x + (b * c + ch) * sz;
			float *yp = y + (b * c + ch) * sz;

			for (int64_t i = 0; i < sz; i++)
				yp[i] = xp[i] * a + bb;
		}
	}
	return 0;
}

const struct cpu_op cpu_op_batch_norm = { "", "BatchNormalization",
					  bn_infer, bn_run };

/* ---- ReduceMean ---- */

/* Which axes are reduced (@red), and the output shape. */
static int reduce_axes(const struct ir_node *n, const struct ir_value *in,
		       int n_in, bool *red, bool *noop, int *rank,
		       int64_t *dims, struct accel_err *e)
{
	int64_t keepdims;
	int r = in[0].rank, ret;

	if ((ret = cpu_get_int(n, "keepdims", 1, &keepdims, e)) ||
	    (ret = cpu_reduce_axes(n, in, n_in, red, noop, e)))
		return ret;
	*rank = 0;
	for (int i = 0; i < r; i++) {
		if (red[i] && !in[0].dims[i])
			return CPU_ERR(n, e, -EINVAL,
				       "cannot average empty axis %d", i);
		if (!red[i])
			dims[(*rank)++] = in[0].dims[i];
		else if (keepdims)
			dims[(*rank)++] = 1;
	}
	return 0;
}

static int reduce_mean_infer(const struct ir_node *n,
			     const struct ir_value *in, int n_in,
			     struct ir_value *out, int n_out,
			     struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK];
	bool red[IR_MAX_RANK], noop;
	int rank, ret;

	if ((ret = cpu_check_io(n, n_in, 1, 2, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "data", IR_F32, 0, IR_MAX_RANK,
				e)) ||
	    (ret = reduce_axes(n, in, n_in, red, &noop, &rank, dims, e)))
		return ret;
	return cpu_set_out(n, &out[0], IR_F32, rank, dims, e);
}

static int reduce_mean_run(const struct ir_node *n,
			   const struct ir_value *in, int n_in,
			   struct ir_value *out, int n_out,
			   struct accel_err *e)
{
	int64_t dims[IR_MAX_RANK], ostr[IR_MAX_RANK], idx[IR_MAX_RANK] = { 0 };
	int64_t numel = cpu_numel(&in[0]), onumel = cpu_numel(&out[0]);
	int64_t full[IR_MAX_RANK], off = 0;
	const float *x = in[0].data;
	float *y = out[0].data;
	bool red[IR_MAX_RANK], noop;
	int rank, r = in[0].rank, ret;

	(void)n_out;
	if ((ret = reduce_axes(n, in, n_in, red, &noop, &rank, dims, e)))
		return ret;
	if (noop) {
		cpu_copy(y, x, cpu_nbytes(&out[0]));
		return 0;
	}
	/* strides of the output indexed by input dims (0 on reduced ones) */
	for (int i = 0; i < r; i++)
		full[i] = red[i] ? 1 : in[0].dims[i];
	cpu_strides(r, full, ostr);
	for (int i = 0; i < r; i++)
		if (red[i])
			ostr[i] = 0;
	for (int64_t i = 0; i < onumel; i++)
		y[i] = 0.0f;
	for (int64_t i = 0; i < numel; i++) {
		y[off] += x[i];
		for (int d = r - 1; d >= 0; d--) {
			off += ostr[d];
			if (++idx[d] < in[0].dims[d])
				break;
			off -= ostr[d] * in[0].dims[d];
			idx[d] = 0;
		}
	}
	if (onumel && numel / onumel > 1)
		for (int64_t i = 0; i < onumel; i++)
			y[i] /= (float)(numel / onumel);
	return 0;
}

const struct cpu_op cpu_op_reduce_mean = { "", "ReduceMean",
					   reduce_mean_infer,
					   reduce_mean_run };
