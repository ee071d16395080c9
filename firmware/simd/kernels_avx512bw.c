// SPDX-License-Identifier: MIT
/*
 * The avx512bw kernel variant: its table.  Opcodes without an entry run the
 * scalar kernels.
 */
#include "simd.h"

const struct enpu_fw_kernels fw_kernels_avx512bw = {
	.name = "avx512bw",
	.supported = fw_cpu_avx512bw,
};
