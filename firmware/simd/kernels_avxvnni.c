// SPDX-License-Identifier: MIT
/*
 * The avxvnni kernel variant: its table.  Opcodes without an entry run the
 * scalar kernels.
 */
#include "simd.h"

const struct enpu_fw_kernels fw_kernels_avxvnni = {
	.name = "avxvnni",
	.supported = fw_cpu_avxvnni,
};
