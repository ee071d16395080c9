// SPDX-License-Identifier: MIT
/*
 * CONV2D and FULLY_CONNECTED, avx512vnni variant (see q8_conv_x86.h).
 */
#define FW_ISA		avx512vnni
#define FW_VW		16
#define FW_VNNI		1
#include "q8_conv_x86.h"
