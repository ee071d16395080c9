/* SPDX-License-Identifier: MIT */
/*
 * The ADD, MUL and pooling kernels of the x86-64 variants (template
 * q8_eltwise_tmpl.h / q8_pool_tmpl.h, one instance per ISA).  Each computes
 * exactly what its scalar kernel does and calls it for what it does not
 * vectorize.
 */
#ifndef _ENPU_FW_Q8_ELTPOOL_H_
#define _ENPU_FW_Q8_ELTPOOL_H_

#include "simd.h"

int enpu_q8_add__avx2(struct fw_op_ctx *c);
int enpu_q8_mul__avx2(struct fw_op_ctx *c);
int enpu_q8_avgpool_nchw__avx2(struct fw_op_ctx *c);
int enpu_q8_maxpool_nchw__avx2(struct fw_op_ctx *c);
int enpu_q8_global_avgpool_nchw__avx2(struct fw_op_ctx *c);

int enpu_q8_add__avx512bw(struct fw_op_ctx *c);
int enpu_q8_mul__avx512bw(struct fw_op_ctx *c);
int enpu_q8_avgpool_nchw__avx512bw(struct fw_op_ctx *c);
int enpu_q8_maxpool_nchw__avx512bw(struct fw_op_ctx *c);
int enpu_q8_global_avgpool_nchw__avx512bw(struct fw_op_ctx *c);

#endif /* _ENPU_FW_Q8_ELTPOOL_H_ */
