// SPDX-License-Identifier: MIT
/* ADD and MUL, AVX-512BW (q8_eltwise_tmpl.h). */
#include "vec_avx512bw.h"
#include "q8_eltwise_tmpl.h"
