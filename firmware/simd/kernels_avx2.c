// SPDX-License-Identifier: MIT
/*
 * The avx2 kernel variant: its table.  Opcodes without an entry run the
 * scalar kernels.
 */
#include "simd.h"

const struct enpu_fw_kernels fw_kernels_avx2 = {
	.name = "avx2",
	.supported = fw_cpu_avx2,
	.run = {
		[ENPU_OP_LUT] = enpu_q8_lut__avx2,
	},
};
