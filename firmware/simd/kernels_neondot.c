// SPDX-License-Identifier: MIT
/*
 * The neondot kernel variant (arm64): its table.  Opcodes without an entry run
 * the scalar kernels.
 */
#include "simd.h"

const struct enpu_fw_kernels fw_kernels_neondot = {
	.name = "neondot",
	.supported = fw_cpu_neondot,
};
