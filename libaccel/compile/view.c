// SPDX-License-Identifier: MIT
/*
 * Reshape, Flatten, Squeeze, Unsqueeze and Identity: a new view of the same
 * buffer, no code emitted.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compile/qcompile_internal.h"

int qc_lower_view(struct qc *q, int ni, int x0, int y)
{
	struct qv *vy = &q->v[y];
	int xa;
	int a;

	if (q->v[x0].kind != QK_ACT)
		return qc_nosup(q, ni, "input is not quantized");
	xa = q->v[x0].act;
	a = qc_new_act(q, qc_val(q, y), q->acts[xa].t.dtype,
		       q->acts[xa].t.zero_point, q->acts[xa].buf);
	if (a < 0)
		return a == -ENOMEM ? a : qc_nosup(q, ni, "shape not supported");
	*vy = q->v[x0];
	vy->act = a;
	return 0;
}
