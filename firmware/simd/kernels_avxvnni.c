// SPDX-License-Identifier: MIT
/*
 * The avxvnni kernel variant: its table.  Opcodes without an entry run the
 * scalar kernels.
 */
#include "simd.h"
#include "q8_eltpool.h"
#include "q8_conv_simd.h"

const struct enpu_fw_kernels fw_kernels_avxvnni = {
	.name = "avxvnni",
	.supported = fw_cpu_avxvnni,
	.run[ENPU_OP_LUT] = enpu_q8_lut__avx2,
	.run[ENPU_OP_ADD] = enpu_q8_add__avx2,
	.run[ENPU_OP_MUL] = enpu_q8_mul__avx2,
#ifndef __KERNEL__	/* stack frames over the kernel's limit (driver/Kbuild) */
	.run[ENPU_OP_AVGPOOL] = enpu_q8_avgpool_nchw__avx2,
	.run[ENPU_OP_MAXPOOL] = enpu_q8_maxpool_nchw__avx2,
	.run[ENPU_OP_GLOBAL_AVGPOOL] = enpu_q8_global_avgpool_nchw__avx2,
	.run[ENPU_OP_CONV2D] = enpu_q8_conv2d_nchw__avxvnni,
	.run[ENPU_OP_FULLY_CONNECTED] = enpu_q8_fully_connected__avxvnni,
	.prepare[ENPU_OP_CONV2D] = enpu_q8_conv2d_prepare__avxvnni,
	.prepare[ENPU_OP_FULLY_CONNECTED] = enpu_q8_fully_connected_prepare__avxvnni,
#endif
};
