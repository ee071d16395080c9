// SPDX-License-Identifier: MIT
/* ADD and MUL, AVX2 (q8_eltwise_tmpl.h). */
#include "vec_avx2.h"
#include "q8_eltwise_tmpl.h"
