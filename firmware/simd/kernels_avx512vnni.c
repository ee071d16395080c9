// SPDX-License-Identifier: MIT
/*
 * The avx512vnni kernel variant: its table.  Opcodes without an entry run the
 * scalar kernels.
 */
#include "simd.h"

const struct enpu_fw_kernels fw_kernels_avx512vnni = {
	.name = "avx512vnni",
	.supported = fw_cpu_avx512vnni,
};
