// SPDX-License-Identifier: MIT
/*
 * CONV2D and FULLY_CONNECTED of the neondot variant: the GEMM of
 * q8_gemm_neon.h with UDOT on the unsigned-domain bytes (zero points corrected after).
 */
#define FW_NDOT 1
#include "q8_gemm_neon.h"
#include "kernels_neon.h"

int enpu_q8_conv2d_nchw__neondot(struct fw_op_ctx *c)
{
	int r = fw_nrun(c);

	return r == 1 ? enpu_q8_conv2d_nchw__scalar(c) : r;
}

int enpu_q8_fully_connected__neondot(struct fw_op_ctx *c)
{
	int r = fw_nrun(c);

	return r == 1 ? enpu_q8_fully_connected__scalar(c) : r;
}

void *enpu_q8_gemm_prepare__neondot(struct fw_op_ctx *c,
			       void *(*alloc)(void *actx, __u64 size),
			       void *actx, int *err)
{
	return fw_nprepare(c, alloc, actx, err);
}
