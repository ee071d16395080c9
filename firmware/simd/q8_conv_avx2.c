// SPDX-License-Identifier: MIT
/*
 * CONV2D and FULLY_CONNECTED, avx2 variant (see q8_conv_x86.h).
 */
#define FW_ISA		avx2
#define FW_VW		8
#define FW_VNNI		0
#include "q8_conv_x86.h"
