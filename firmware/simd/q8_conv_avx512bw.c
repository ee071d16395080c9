// SPDX-License-Identifier: MIT
/*
 * CONV2D and FULLY_CONNECTED, avx512bw variant (see q8_conv_x86.h).
 */
#define FW_ISA		avx512bw
#define FW_VW		16
#define FW_VNNI		0
#include "q8_conv_x86.h"
