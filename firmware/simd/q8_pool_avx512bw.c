// SPDX-License-Identifier: MIT
/* AVGPOOL, MAXPOOL, GLOBAL_AVGPOOL, AVX-512BW (q8_pool_tmpl.h). */
#include "vec_avx512bw.h"
#include "q8_pool_tmpl.h"
