// SPDX-License-Identifier: MIT
/*
 * GatherND and ScatterND (with reductions): indices whose last dimension
 * k addresses the first k dimensions of data (after batch_dims), each
 * tuple naming one slice of data's trailing dimensions.  Any element type;
 * indices int64, negative ones counted from the end, every index checked
 * at run time.  ScatterElements (and Scatter) in the same file: one index
 * per element along an axis, with the same reductions; ReverseSequence,
 * which reverses the first sequence_lens steps of each batch entry.
 */
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

/* Offset (in elements) of the slice @idx[0..k) names in data from @dim0. */
static int nd_offset(const struct ir_node *n, const int64_t *idx, int k,
		     const int64_t *dims, const int64_t *str, int64_t *off,
		     struct accel_err *e)
{
	*off = 0;
	for (int i = 0; i < k; i++) {
		int64_t v = idx[i];

		if (v < 0)
			v += dims[i];
		if (v < 0 || v >= dims[i])
			return CPU_ERR(n, e, -EINVAL,
				       "index %lld out of range for dimension of %lld",
				       (long long)idx[i], (long long)dims[i]);
		*off += v * str[i];
	}
	return 0;
}

/* ---- GatherND ---- */

static int gnd_shape(const struct ir_node *n, const struct ir_value *in,
		     int64_t *bd, int *rank, int64_t *dims,
		     struct accel_err *e)
{
	const struct ir_value *d = &in[0], *ix = &in[1];
	int64_t k;
	int ret;

	if ((ret = cpu_get_int(n, "batch_dims", 0, bd, e)) ||
	    (ret = cpu_check_in(n, in, 1, "indices", IR_I64, 1, IR_MAX_RANK,
				e)))
		return ret;
	if (d->rank < 1)
		return CPU_ERR(n, e, -EINVAL, "data must have rank >= 1");
	if (*bd < 0 || *bd >= d->rank || *bd >= ix->rank)
		return CPU_ERR(n, e, -EINVAL,
			       "batch_dims %lld must be below both ranks",
			       (long long)*bd);
	for (int i = 0; i < *bd; i++)
		if (d->dims[i] != ix->dims[i])
			return CPU_ERR(n, e, -EINVAL,
				       "batch dimension %d: data has %lld, indices %lld",
				       i, (long long)d->dims[i],
				       (long long)ix->dims[i]);
	k = ix->dims[ix->rank - 1];
	if (k < 1 || k > d->rank - *bd)
		return CPU_ERR(n, e, -EINVAL,
			       "indices' last dimension %lld must be in [1, %lld]",
			       (long long)k, (long long)(d->rank - *bd));
	*rank = 0;
	for (int i = 0; i < ix->rank - 1; i++)
		dims[(*rank)++] = ix->dims[i];
	for (int i = (int)(*bd + k); i < d->rank; i++) {
		if (*rank >= IR_MAX_RANK)
			return CPU_ERR(n, e, -EINVAL, "output rank too large");
		dims[(*rank)++] = d->dims[i];
	}
	return 0;
}

static int gnd_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int64_t bd, dims[IR_MAX_RANK];
	int rank = 0, ret;

	if ((ret = cpu_check_data(n, in, n_in, 2, 2, n_out, e)) ||
	    (ret = gnd_shape(n, in, &bd, &rank, dims, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, rank, dims, e);
}

static int gnd_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	const struct ir_value *d = &in[0], *ix = &in[1];
	const int64_t *idx = ix->data;
	size_t es = cpu_dtype_size(d->dtype);
	int64_t bd, dims[IR_MAX_RANK], str[IR_MAX_RANK], nbatch = 1, ntup = 1;
	int64_t k, slice = 1, bstride;
	unsigned char *y = out[0].data;
	const unsigned char *x = d->data;
	int rank, ret;

	(void)n_in;
	(void)n_out;
	if ((ret = gnd_shape(n, in, &bd, &rank, dims, e)))
		return ret;
	k = ix->dims[ix->rank - 1];
	cpu_strides(d->rank, d->dims, str);
	for (int i = 0; i < bd; i++)
		nbatch *= d->dims[i];
	for (int i = (int)bd; i < ix->rank - 1; i++)
		ntup *= ix->dims[i];
	for (int i = (int)(bd + k); i < d->rank; i++)
		slice *= d->dims[i];
	bstride = bd ? str[bd - 1] : 0;
	for (int64_t b = 0; b < nbatch; b++)
		for (int64_t t = 0; t < ntup; t++) {
			int64_t off;

			if ((ret = nd_offset(n, idx + (b * ntup + t) * k,
					     (int)k, d->dims + bd, str + bd,
					     &off, e)))
				return ret;
			memcpy(y + (b * ntup + t) * slice * es,
			       x + (b * bstride + off) * es, slice * es);
		}
	return 0;
}

const struct cpu_op cpu_op_gather_nd = { "", "GatherND", gnd_infer,
					 gnd_run };

/* ---- ScatterND ---- */

enum snd_red { SND_NONE, SND_ADD, SND_MUL, SND_MAX, SND_MIN };

static int snd_check(const struct ir_node *n, const struct ir_value *in,
		     enum snd_red *red, struct accel_err *e)
{
	static const char *const names[] = { "none", "add", "mul", "max",
					     "min" };
	const struct ir_value *d = &in[0], *ix = &in[1], *u = &in[2];
	const char *r;
	int64_t k;
	int ret, ur = 0;

	if ((ret = cpu_get_string(n, "reduction", "none", &r, e)) ||
	    (ret = cpu_check_in(n, in, 1, "indices", IR_I64, 1, IR_MAX_RANK,
				e)) ||
	    (ret = cpu_check_in(n, in, 2, "updates", d->dtype, 0,
				IR_MAX_RANK, e)))
		return ret;
	*red = SND_NONE;
	while (strcmp(r, names[*red]))
		if (++*red > SND_MIN)
			return CPU_ERR(n, e, -EINVAL, "unknown reduction '%s'",
				       r);
	if (*red != SND_NONE && d->dtype == IR_BOOL)
		return CPU_ERR(n, e, -EINVAL,
			       "reduction '%s' on bool data", r);
	if (d->rank < 1)
		return CPU_ERR(n, e, -EINVAL, "data must have rank >= 1");
	k = ix->dims[ix->rank - 1];
	if (k < 1 || k > d->rank)
		return CPU_ERR(n, e, -EINVAL,
			       "indices' last dimension %lld must be in [1, %d]",
			       (long long)k, d->rank);
	/* updates: indices.shape[:-1] + data.shape[k:] */
	if (u->rank != ix->rank - 1 + d->rank - k)
		return CPU_ERR(n, e, -EINVAL,
			       "updates has rank %d, expected %lld", u->rank,
			       (long long)(ix->rank - 1 + d->rank - k));
	for (int i = 0; i < ix->rank - 1; i++, ur++)
		if (u->dims[ur] != ix->dims[i])
			goto bad;
	for (int i = (int)k; i < d->rank; i++, ur++)
		if (u->dims[ur] != d->dims[i])
			goto bad;
	return 0;
bad:
	return CPU_ERR(n, e, -EINVAL,
		       "updates dimension %d is %lld, does not match indices and data",
		       ur, (long long)u->dims[ur]);
}

static int snd_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	enum snd_red red;
	int ret;

	if ((ret = cpu_check_data(n, in, n_in, 3, 3, n_out, e)) ||
	    (ret = snd_check(n, in, &red, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, in[0].dims,
			   e);
}

static void snd_reduce(void *y, const void *u, int dtype, int64_t cnt,
		       enum snd_red red)
{
	bool fl = cpu_is_float(dtype);

	for (int64_t i = 0; i < cnt; i++) {
		if (fl) {
			double a = cpu_load_f64(y, dtype, i);
			double b = cpu_load_f64(u, dtype, i);

			a = red == SND_ADD ? a + b : red == SND_MUL ? a * b :
			    red == SND_MAX ? (b > a ? b : a) : (b < a ? b : a);
			cpu_store_f64(y, dtype, i, a);
		} else {
			int64_t a = cpu_load_i64(y, dtype, i);
			int64_t b = cpu_load_i64(u, dtype, i);

			/* wrap like the fixed-width type would */
			a = red == SND_ADD ? (int64_t)((uint64_t)a + (uint64_t)b) :
			    red == SND_MUL ? (int64_t)((uint64_t)a * (uint64_t)b) :
			    red == SND_MAX ? (b > a ? b : a) : (b < a ? b : a);
			cpu_store_i64(y, dtype, i, a);
		}
	}
}

static int snd_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	const struct ir_value *d = &in[0], *ix = &in[1];
	const int64_t *idx = ix->data;
	const unsigned char *u = in[2].data;
	size_t es = cpu_dtype_size(d->dtype);
	int64_t str[IR_MAX_RANK], ntup = 1, slice = 1, k;
	unsigned char *y = out[0].data;
	enum snd_red red;
	int ret;

	(void)n_in;
	(void)n_out;
	if ((ret = snd_check(n, in, &red, e)))
		return ret;
	k = ix->dims[ix->rank - 1];
	cpu_strides(d->rank, d->dims, str);
	for (int i = 0; i < ix->rank - 1; i++)
		ntup *= ix->dims[i];
	for (int i = (int)k; i < d->rank; i++)
		slice *= d->dims[i];
	cpu_copy(y, d->data, cpu_nbytes(&out[0]));
	for (int64_t t = 0; t < ntup; t++) {
		int64_t off;

		if ((ret = nd_offset(n, idx + t * k, (int)k, d->dims, str,
				     &off, e)))
			return ret;
		if (red == SND_NONE)
			memcpy(y + off * es, u + t * slice * es, slice * es);
		else
			snd_reduce(y + off * es, u + t * slice * es, d->dtype,
				   slice, red);
	}
	return 0;
}

const struct cpu_op cpu_op_scatter_nd = { "", "ScatterND", snd_infer,
					  snd_run };

/* ---- ScatterElements (and Scatter, its opset 9 name) ---- */

static int sel_check(const struct ir_node *n, const struct ir_value *in,
		     int *ax, enum snd_red *red, struct accel_err *e)
{
	static const char *const names[] = { "none", "add", "mul", "max",
					     "min" };
	const char *r;
	int ret;

	if ((ret = cpu_check_gather(n, in, true, ax, e)) ||
	    (ret = cpu_check_in(n, in, 2, "updates", in[0].dtype,
				in[1].rank, in[1].rank, e)) ||
	    (ret = cpu_get_string(n, "reduction", "none", &r, e)))
		return ret;
	*red = SND_NONE;
	while (strcmp(r, names[*red]))
		if (++*red > SND_MIN)
			return CPU_ERR(n, e, -EINVAL, "unknown reduction '%s'",
				       r);
	if (*red != SND_NONE && in[0].dtype == IR_BOOL)
		return CPU_ERR(n, e, -EINVAL,
			       "reduction '%s' on bool data", r);
	for (int d = 0; d < in[0].rank; d++) {
		if (in[2].dims[d] != in[1].dims[d])
			return CPU_ERR(n, e, -EINVAL,
				       "updates dim %d (%lld) differs from indices' %lld",
				       d, (long long)in[2].dims[d],
				       (long long)in[1].dims[d]);
	}
	return cpu_check_elem_dims(n, in, *ax, e);
}

static int sel_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	enum snd_red red;
	int ax, ret;

	if ((ret = cpu_check_data(n, in, n_in, 3, 3, n_out, e)) ||
	    (ret = sel_check(n, in, &ax, &red, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, in[0].dims,
			   e);
}

static int sel_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	int64_t idx[IR_MAX_RANK] = { 0 }, str[IR_MAX_RANK];
	int64_t numel = cpu_numel(&in[1]);
	size_t es = cpu_dtype_size(in[0].dtype);
	const unsigned char *u = in[2].data;
	unsigned char *y = out[0].data;
	int r = in[0].rank, ax, ret;
	enum snd_red red;

	(void)n_in;
	(void)n_out;
	if ((ret = sel_check(n, in, &ax, &red, e)))
		return ret;
	cpu_copy(y, in[0].data, cpu_nbytes(&out[0]));
	cpu_strides(r, in[0].dims, str);
	for (int64_t i = 0; i < numel; i++) {
		int64_t off;

		if ((ret = cpu_elem_offset(n, &in[0], str, idx, ax,
					   cpu_load_i64(in[1].data,
							in[1].dtype, i),
					   &off, e)))
			return ret;
		if (red == SND_NONE)
			memcpy(y + off * (int64_t)es, u + i * (int64_t)es, es);
		else
			snd_reduce(y + off * (int64_t)es, u + i * (int64_t)es,
				   in[0].dtype, 1, red);
		cpu_odo_next(idx, in[1].dims, r);
	}
	return 0;
}

const struct cpu_op cpu_op_scatter_elements = { "", "ScatterElements",
						sel_infer, sel_run };
const struct cpu_op cpu_op_scatter = { "", "Scatter", sel_infer, sel_run };

/* ---- ReverseSequence ---- */

static int rs_axes(const struct ir_node *n, const struct ir_value *in,
		   int *ta, int *ba, struct accel_err *e)
{
	int64_t t, b;
	int ret;

	if ((ret = cpu_get_int(n, "time_axis", 0, &t, e)) ||
	    (ret = cpu_get_int(n, "batch_axis", 1, &b, e)))
		return ret;
	if (!((t == 0 && b == 1) || (t == 1 && b == 0)))
		return CPU_ERR(n, e, -EINVAL,
			       "time_axis %lld and batch_axis %lld must be 0 and 1",
			       (long long)t, (long long)b);
	if (in[0].rank < 2)
		return CPU_ERR(n, e, -EINVAL, "input must have rank >= 2");
	if (in[1].dims[0] != in[0].dims[b])
		return CPU_ERR(n, e, -EINVAL,
			       "sequence_lens has %lld elements, the batch is %lld",
			       (long long)in[1].dims[0],
			       (long long)in[0].dims[b]);
	*ta = (int)t;
	*ba = (int)b;
	return 0;
}

static int rs_infer(const struct ir_node *n, const struct ir_value *in,
		    int n_in, struct ir_value *out, int n_out,
		    struct accel_err *e)
{
	int ta, ba, ret;

	if ((ret = cpu_check_data(n, in, n_in, 2, 2, n_out, e)) ||
	    (ret = cpu_check_in(n, in, 1, "sequence_lens", IR_I64, 1, 1, e)) ||
	    (ret = rs_axes(n, in, &ta, &ba, e)))
		return ret;
	return cpu_set_out(n, &out[0], in[0].dtype, in[0].rank, in[0].dims,
			   e);
}

static int rs_run(const struct ir_node *n, const struct ir_value *in,
		  int n_in, struct ir_value *out, int n_out,
		  struct accel_err *e)
{
	const int64_t *lens = in[1].data;
	size_t es = cpu_dtype_size(in[0].dtype);
	int64_t str[IR_MAX_RANK], inner;
	const unsigned char *x = in[0].data;
	unsigned char *y = out[0].data;
	int ta, ba, ret;

	(void)n_in;
	(void)n_out;
	if ((ret = rs_axes(n, in, &ta, &ba, e)))
		return ret;
	cpu_strides(in[0].rank, in[0].dims, str);
	inner = str[1];
	for (int64_t b = 0; b < in[0].dims[ba]; b++) {
		int64_t len = lens[b], steps = in[0].dims[ta];

		if (len < 0 || len > steps)
			return CPU_ERR(n, e, -EINVAL,
				       "sequence_lens[%lld] = %lld is not in [0, %lld]",
				       (long long)b, (long long)len,
				       (long long)steps);
		for (int64_t t = 0; t < steps; t++) {
			int64_t src = t < len ? len - 1 - t : t;
			int64_t yo = t * str[ta] + b * str[ba];
			int64_t xo = src * str[ta] + b * str[ba];

			memcpy(y + yo * es, x + xo * es, inner * es);
		}
	}
	return 0;
}

const struct cpu_op cpu_op_reverse_sequence = { "", "ReverseSequence",
						rs_infer, rs_run };
