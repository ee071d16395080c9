// SPDX-License-Identifier: MIT
/*
 * The neondot kernel variant (arm64): its table.  Opcodes without an entry run
 * the scalar kernels.
 */
#include "kernels_neon.h"

const struct enpu_fw_kernels fw_kernels_neondot = {
	.name = "neondot",
	.supported = fw_cpu_neondot,
	.run = {
		[ENPU_OP_CONV2D] = enpu_q8_conv2d_nchw__neondot,
		[ENPU_OP_FULLY_CONNECTED] = enpu_q8_fully_connected__neondot,
		[ENPU_OP_ADD] = enpu_q8_add__neon,
		[ENPU_OP_MUL] = enpu_q8_mul__neon,
		[ENPU_OP_MAXPOOL] = enpu_q8_maxpool_nchw__neon,
		[ENPU_OP_GLOBAL_AVGPOOL] = enpu_q8_global_avgpool_nchw__neon,
	},
	.prepare = {
		[ENPU_OP_CONV2D] = enpu_q8_gemm_prepare__neondot,
		[ENPU_OP_FULLY_CONNECTED] = enpu_q8_gemm_prepare__neondot,
	},
};
