// SPDX-License-Identifier: MIT
/*
 * CONV2D and FULLY_CONNECTED, avxvnni variant (see q8_conv_x86.h).
 */
#define FW_ISA		avxvnni
#define FW_VW		8
#define FW_VNNI		1
#include "q8_conv_x86.h"
