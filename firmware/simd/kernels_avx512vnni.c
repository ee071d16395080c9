// SPDX-License-Identifier: MIT
/*
 * The avx512vnni kernel variant: its table.  Opcodes without an entry run the
 * scalar kernels.
 */
#include "simd.h"
#include "q8_eltpool.h"
#include "q8_conv_simd.h"

const struct enpu_fw_kernels fw_kernels_avx512vnni = {
	.name = "avx512vnni",
	.supported = fw_cpu_avx512vnni,
	.run[ENPU_OP_LUT] = enpu_q8_lut__avx2,
#ifdef __KERNEL__	/* the AVX-512 form's frame is over the kernel's limit */
	.run[ENPU_OP_ADD] = enpu_q8_add__avx2,
	.run[ENPU_OP_MUL] = enpu_q8_mul__avx2,
#else
	.run[ENPU_OP_ADD] = enpu_q8_add__avx512bw,
	.run[ENPU_OP_MUL] = enpu_q8_mul__avx512bw,
#endif
#ifndef __KERNEL__	/* stack frames over the kernel's limit (driver/Kbuild) */
	.run[ENPU_OP_AVGPOOL] = enpu_q8_avgpool_nchw__avx512bw,
	.run[ENPU_OP_MAXPOOL] = enpu_q8_maxpool_nchw__avx512bw,
	.run[ENPU_OP_GLOBAL_AVGPOOL] = enpu_q8_global_avgpool_nchw__avx512bw,
	.run[ENPU_OP_CONV2D] = enpu_q8_conv2d_nchw__avx512vnni,
	.run[ENPU_OP_FULLY_CONNECTED] = enpu_q8_fully_connected__avx512vnni,
	.prepare[ENPU_OP_CONV2D] = enpu_q8_conv2d_prepare__avx512vnni,
	.prepare[ENPU_OP_FULLY_CONNECTED] = enpu_q8_fully_connected_prepare__avx512vnni,
#endif
};
