/* SPDX-License-Identifier: MIT */
/* The kernels of the arm64 variants (q8_*_neon.c, q8_*_neondot.c). */
#ifndef _ENPU_FW_KERNELS_NEON_H_
#define _ENPU_FW_KERNELS_NEON_H_

#include "simd.h"

int enpu_q8_conv2d_nchw__neon(struct fw_op_ctx *c);
int enpu_q8_fully_connected__neon(struct fw_op_ctx *c);
void *enpu_q8_gemm_prepare__neon(struct fw_op_ctx *c,
				 void *(*alloc)(void *actx, __u64 size),
				 void *actx, int *err);
/* ADD, MUL and pooling: neondot runs the neon kernels. */
int enpu_q8_add__neon(struct fw_op_ctx *c);
int enpu_q8_mul__neon(struct fw_op_ctx *c);
int enpu_q8_maxpool_nchw__neon(struct fw_op_ctx *c);
int enpu_q8_global_avgpool_nchw__neon(struct fw_op_ctx *c);

int enpu_q8_conv2d_nchw__neondot(struct fw_op_ctx *c);
int enpu_q8_fully_connected__neondot(struct fw_op_ctx *c);
void *enpu_q8_gemm_prepare__neondot(struct fw_op_ctx *c,
				    void *(*alloc)(void *actx, __u64 size),
				    void *actx, int *err);

#endif /* _ENPU_FW_KERNELS_NEON_H_ */
