// SPDX-License-Identifier: MIT
/*
 * CONV2D and FULLY_CONNECTED of the neon variant: the GEMM of q8_gemm_neon.h
 * with SMLAL on centred int16 values.
 */
#define FW_NDOT 0
#include "q8_gemm_neon.h"
#include "kernels_neon.h"

int enpu_q8_conv2d_nchw__neon(struct fw_op_ctx *c)
{
	int r = fw_nrun(c);

	return r == 1 ? enpu_q8_conv2d_nchw__scalar(c) : r;
}

int enpu_q8_fully_connected__neon(struct fw_op_ctx *c)
{
	int r = fw_nrun(c);

	return r == 1 ? enpu_q8_fully_connected__scalar(c) : r;
}

void *enpu_q8_gemm_prepare__neon(struct fw_op_ctx *c,
			       void *(*alloc)(void *actx, __u64 size),
			       void *actx, int *err)
{
	return fw_nprepare(c, alloc, actx, err);
}
