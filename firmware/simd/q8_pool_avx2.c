// SPDX-License-Identifier: MIT
/* AVGPOOL, MAXPOOL, GLOBAL_AVGPOOL, AVX2 (q8_pool_tmpl.h). */
#include "vec_avx2.h"
#include "q8_pool_tmpl.h"
