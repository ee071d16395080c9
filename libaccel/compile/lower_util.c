// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the lowering rules: the DQ view of an activation and the
 * conv/pool window geometry (pads, auto_pad) the ISA can express.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compile/qcompile_internal.h"
#include "ops/ops_util.h"

/* An activation-valued input of a float op: DQ view of a quantized act. */
int qc_view_in(struct qc *q, int t, float *scale)
{
	if (t < 0 || q->v[t].kind != QK_ACT || !q->v[t].view)
		return -1;
	*scale = q->v[t].scale;
	return q->v[t].act;
}

int qc_pads4(const struct ir_node *n, const struct ir_value *x,
	     const int64_t *k, const int64_t *s, const int64_t *d,
	     uint16_t pad[4], const struct ir_value *y, bool pool)
{
	struct cpu_geom g;
	struct accel_err e;
	int i;

	/* The float plan's geometry (ops/ops_util.c): one auto_pad rule. */
	if (x->rank != 4 || cpu_geom_init(n, x, k, pool, true, &g, &e))
		return -EOPNOTSUPP;
	for (i = 0; i < 2; i++) {
		if (g.pb[i] < 0 || g.pb[i] > 4096 || g.pe[i] < 0 ||
		    g.pe[i] > 4096)
			return -EOPNOTSUPP;
		pad[i] = (uint16_t)g.pb[i];
		pad[i + 2] = (uint16_t)g.pe[i];
	}
	/* Ceil mode or trailing rows: extend bottom/right so the floor
	 * formula yields the planned output extent. */
	for (i = 0; i < 2; i++) {
		int64_t need = (y->dims[2 + i] - 1) * s[i] + (k[i] - 1) * d[i] +
			       1 - x->dims[2 + i] - pad[i];

		if (need > 4096)
			return -EOPNOTSUPP;
		if (need > pad[i + 2])
			pad[i + 2] = (uint16_t)need;
	}
	return 0;
}

/* Window geometry the ISA can express (enpu_isa.h limits). */
bool qc_window_fits(const int64_t k[2], const int64_t s[2],
		    const int64_t d[2], const uint16_t pad[4])
{
	int i;

	for (i = 0; i < 2; i++) {
		int64_t ext = (k[i] - 1) * d[i] + 1;

		if (k[i] < 1 || k[i] > ENPU_ISA_MAX_KERNEL || s[i] < 1 ||
		    s[i] > ENPU_ISA_MAX_KERNEL || d[i] < 1 ||
		    d[i] > ENPU_ISA_MAX_KERNEL || pad[i] >= ext ||
		    pad[i + 2] >= ext)
			return false;
	}
	return true;
}
