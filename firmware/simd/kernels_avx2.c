// SPDX-License-Identifier: MIT
/*
 * The avx2 kernel variant: its table.  Opcodes without an entry run the
 * scalar kernels.
 */
#include "simd.h"
#include "q8_eltpool.h"
#include "q8_conv_simd.h"

const struct enpu_fw_kernels fw_kernels_avx2 = {
	.name = "avx2",
	.supported = fw_cpu_avx2,
	.run[ENPU_OP_ADD] = enpu_q8_add__avx2,
	.run[ENPU_OP_MUL] = enpu_q8_mul__avx2,
	.run[ENPU_OP_LUT] = enpu_q8_lut__avx2,
#ifndef __KERNEL__	/* stack frames over the kernel's limit (driver/Kbuild) */
	.run[ENPU_OP_AVGPOOL] = enpu_q8_avgpool_nchw__avx2,
	.run[ENPU_OP_MAXPOOL] = enpu_q8_maxpool_nchw__avx2,
	.run[ENPU_OP_GLOBAL_AVGPOOL] = enpu_q8_global_avgpool_nchw__avx2,
	.run[ENPU_OP_CONV2D] = enpu_q8_conv2d_nchw__avx2,
	.run[ENPU_OP_FULLY_CONNECTED] = enpu_q8_fully_connected__avx2,
	.prepare[ENPU_OP_CONV2D] = enpu_q8_conv2d_prepare__avx2,
	.prepare[ENPU_OP_FULLY_CONNECTED] = enpu_q8_fully_connected_prepare__avx2,
#endif
};
