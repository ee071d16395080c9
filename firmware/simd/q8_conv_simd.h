/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 CONV2D and FULLY_CONNECTED kernel variants (q8_conv_x86.h
 * instantiated once per ISA) and their weight packing.
 */
#ifndef _ENPU_FW_Q8_CONV_SIMD_H_
#define _ENPU_FW_Q8_CONV_SIMD_H_

#include "simd.h"

#define FW_Q8_CONV_DECLARE(isa)						\
int enpu_q8_conv2d_nchw__##isa(struct fw_op_ctx *c);			\
int enpu_q8_fully_connected__##isa(struct fw_op_ctx *c);		\
void *enpu_q8_conv2d_prepare__##isa(struct fw_op_ctx *c,		\
		void *(*alloc)(void *actx, __u64 size), void *actx,	\
		int *err);						\
void *enpu_q8_fully_connected_prepare__##isa(struct fw_op_ctx *c,	\
		void *(*alloc)(void *actx, __u64 size), void *actx,	\
		int *err);

FW_Q8_CONV_DECLARE(avx2)
FW_Q8_CONV_DECLARE(avxvnni)
FW_Q8_CONV_DECLARE(avx512bw)
FW_Q8_CONV_DECLARE(avx512vnni)

#endif /* _ENPU_FW_Q8_CONV_SIMD_H_ */
