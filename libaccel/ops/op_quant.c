// SPDX-License-Identifier: MIT
/*
 * QuantizeLinear and DequantizeLinear: per-tensor or per-axis scale and
 * zero point, uint8/int8 (and int32 for dequantization); rounding half to
 * even and saturation as in ONNX.  DynamicQuantizeLinear, which takes
 * its uint8 scale and zero point from the data's range.
 */
#include <math.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/ops_util.h"

/*
 * Check scale/zero point (inputs 1 and 2) against x: scalars, or 1-D of
 * x.dims[axis]; *@axis_out is -1 for per-tensor.
 */
static int q_params(const struct ir_node *n, const struct ir_value *in,
		    int n_in, int *axis_out, struct accel_err *e)
{
	int64_t axis, block, len;
	int ax = -1, ret;

	if ((ret = cpu_get_int(n, "axis", 1, &axis, e)) ||
	    (ret = cpu_get_int(n, "block_size", 0, &block, e)))
		return ret;
	if (block)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "blocked quantization is not supported");
	if ((ret = cpu_check_in(n, in, 1, "scale", IR_F32, 0, 1, e)))
		return ret;
	len = cpu_numel(&in[1]);
	if (in[1].rank == 1 && len != 1) {
		if ((ret = cpu_norm_axis(n, axis, in[0].rank, false, &ax, e)))
			return ret;
		if (in[0].dims[ax] != len)
			return CPU_ERR(n, e, -EINVAL,
				       "scale has %lld elements, axis %d has %lld",
				       (long long)len, ax,
				       (long long)in[0].dims[ax]);
	} else if (len != 1) {
		return CPU_ERR(n, e, -EINVAL, "scale must not be empty");
	}
	if (cpu_has_in(in, n_in, 2)) {
		if ((ret = cpu_check_in(n, in, 2, "zero_point", IR_UNDEFINED,
					0, 1, e)))
			return ret;
		if (cpu_numel(&in[2]) != len)
			return CPU_ERR(n, e, -EINVAL,
				       "zero_point has %lld elements, scale %lld",
				       (long long)cpu_numel(&in[2]),
				       (long long)len);
	}
	*axis_out = ax;
	return 0;
}

/* Per-element index into scale/zero point: axis coordinate or 0. */
static void q_layout(const struct ir_value *x, int ax, int64_t *len,
		     int64_t *inner)
{
	*len = 1;
	*inner = 1;
	if (ax < 0)
		return;
	*len = x->dims[ax];
	for (int i = ax + 1; i < x->rank; i++)
		*inner *= x->dims[i];
}

static int quantize_infer(const struct ir_node *n, const struct ir_value *in,
			  int n_in, struct ir_value *out, int n_out,
			  struct accel_err *e)
{
	int dt = IR_U8, ax, ret;
	int64_t sat;
	int32_t lo, hi;

	if ((ret = cpu_check_io(n, n_in, 2, 3, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "x", IR_UNDEFINED, 0, IR_MAX_RANK,
				e)) ||
	    (ret = cpu_get_int(n, "saturate", 1, &sat, e)) ||
	    (ret = q_params(n, in, n_in, &ax, e)))
		return ret;
	if (in[0].dtype != IR_F32 && in[0].dtype != IR_I32)
		return CPU_ERR(n, e, -EINVAL, "x must be float32 or int32");
	if (cpu_has_in(in, n_in, 2))
		dt = in[2].dtype;
	if (dt != IR_U8 && dt != IR_I8)
		return CPU_ERR(n, e, -EOPNOTSUPP,
			       "output type %s not supported",
			       cpu_dtype_name(dt));
	if ((ret = cpu_qrange(n, dt, &lo, &hi, e)))
		return ret;
	return cpu_set_out(n, &out[0], dt, in[0].rank, in[0].dims, e);
}

static int quantize_run(const struct ir_node *n, const struct ir_value *in,
			int n_in, struct ir_value *out, int n_out,
			struct accel_err *e)
{
	int64_t numel = cpu_numel(&out[0]), len, inner;
	const float *sc = in[1].data;
	bool has_zp = cpu_has_in(in, n_in, 2);
	int32_t lo, hi;
	int ax, ret;

	(void)n_out;
	if ((ret = q_params(n, in, n_in, &ax, e)) ||
	    (ret = cpu_qrange(n, out[0].dtype, &lo, &hi, e)))
		return ret;
	q_layout(&in[0], ax, &len, &inner);
	for (int64_t i = 0; i < numel; i++) {
		int64_t c = ax < 0 ? 0 : (i / inner) % len;
		float x = in[0].dtype == IR_F32 ?
			((const float *)in[0].data)[i] :
			(float)((const int32_t *)in[0].data)[i];
		int32_t zp = has_zp ? cpu_load_i32(in[2].data, in[2].dtype, c)
				    : 0;
		int32_t v = cpu_quantize_f32(x, sc[c], zp, lo, hi);

		if (out[0].dtype == IR_U8)
			((uint8_t *)out[0].data)[i] = (uint8_t)v;
		else
			((int8_t *)out[0].data)[i] = (int8_t)v;
	}
	return 0;
}

const struct cpu_op cpu_op_quantize_linear = { "", "QuantizeLinear",
					       quantize_infer,
					       quantize_run };

static int dequantize_infer(const struct ir_node *n,
			    const struct ir_value *in, int n_in,
			    struct ir_value *out, int n_out,
			    struct accel_err *e)
{
	int ax, ret;

	if ((ret = cpu_check_io(n, n_in, 2, 3, n_out, 1, 1, e)) ||
	    (ret = cpu_check_in(n, in, 0, "x", IR_UNDEFINED, 0, IR_MAX_RANK,
				e)) ||
	    (ret = q_params(n, in, n_in, &ax, e)))
		return ret;
	if (in[0].dtype != IR_U8 && in[0].dtype != IR_I8 &&
	    in[0].dtype != IR_I32)
		return CPU_ERR(n, e, -EOPNOTSUPP, "x type %s not supported",
			       cpu_dtype_name(in[0].dtype));
	if (cpu_has_in(in, n_in, 2) && in[2].dtype != in[0].dtype)
		return CPU_ERR(n, e, -EINVAL,
			       "zero_point type %s differs from x type %s",
			       cpu_dtype_name(in[2].dtype),
			       cpu_dtype_name(in[0].dtype));
	return cpu_set_out(n, &out[0], IR_F32, in[0].rank, in[0].dims, e);
}

static int dequantize_run(const struct ir_node *n, const struct ir_value *in,
			  int n_in, struct ir_value *out, int n_out,
			  struct accel_err *e)
{
	int64_t numel = cpu_numel(&out[0]), len, inner;
	const float *sc = in[1].data;
	bool has_zp = cpu_has_in(in, n_in, 2);
	float *y = out[0].data;
	int ax, ret;

	(void)n_out;
	if ((ret = q_params(n, in, n_in, &ax, e)))
		return ret;
	q_layout(&in[0], ax, &len, &inner);
	for (int64_t i = 0; i < numel; i++) {
		int64_t c = ax < 0 ? 0 : (i / inner) % len;
		int64_t zp = has_zp ? cpu_load_i32(in[2].data, in[2].dtype, c)
				    : 0;

		y[i] = (float)(cpu_load_i32(in[0].data, in[0].dtype, i) - zp) *
		       sc[c];
	}
	return 0;
}

const struct cpu_op cpu_op_dequantize_linear = { "", "DequantizeLinear",
						 dequantize_infer,
						 dequantize_run };

/* ---- DynamicQuantizeLinear ---- */

/*
 * uint8 with the range of the data (widened to include 0): scale =
 * (max - min) / 255, zero point = round(-min / scale), both computed in
 * float as the ONNX definition does.  All-zero data gives scale 0 and
 * zeros everywhere.
 */
static int dql_infer(const struct ir_node *n, const struct ir_value *in,
		     int n_in, struct ir_value *out, int n_out,
		     struct accel_err *e)
{
	int ret;

	if ((ret = cpu_check_io(n, n_in, 1, 1, n_out, 3, 3, e)) ||
	    (ret = cpu_check_in(n, in, 0, "x", IR_F32, 0, IR_MAX_RANK, e)) ||
	    (ret = cpu_set_out(n, &out[0], IR_U8, in[0].rank, in[0].dims,
			       e)) ||
	    (ret = cpu_set_out(n, &out[1], IR_F32, 0, NULL, e)))
		return ret;
	return cpu_set_out(n, &out[2], IR_U8, 0, NULL, e);
}

static int dql_run(const struct ir_node *n, const struct ir_value *in,
		   int n_in, struct ir_value *out, int n_out,
		   struct accel_err *e)
{
	const float *x = in[0].data;
	int64_t cnt = cpu_numel(&in[0]);
	float lo = 0.0f, hi = 0.0f, scale;
	uint8_t *y = out[0].data;
	int32_t zp = 0;

	(void)n;
	(void)n_in;
	(void)n_out;
	(void)e;
	for (int64_t i = 0; i < cnt; i++) {
		if (x[i] < lo)
			lo = x[i];
		if (x[i] > hi)
			hi = x[i];
	}
	scale = (hi - lo) / 255.0f;
	if (scale > 0.0f)
		zp = cpu_round_sat((double)(-lo / scale), 0, 255);
	for (int64_t i = 0; i < cnt; i++)
		y[i] = scale > 0.0f ? (uint8_t)cpu_quantize_f32(x[i], scale,
								 zp, 0, 255)
				    : 0;
	*(float *)out[1].data = scale;
	*(uint8_t *)out[2].data = (uint8_t)zp;
	return 0;
}

const struct cpu_op cpu_op_dynamic_quantize_linear = {
	"", "DynamicQuantizeLinear", dql_infer, dql_run
};
