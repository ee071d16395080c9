// SPDX-License-Identifier: MIT
/*
 * The neon kernel variant (arm64): its table.  Opcodes without an entry run
 * the scalar kernels.
 */
#include "simd.h"

const struct enpu_fw_kernels fw_kernels_neon = {
	.name = "neon",
	.supported = fw_cpu_neon,
};
