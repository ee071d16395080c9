// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the lowering rules: the DQ view of an activation and the
 * conv/pool window geometry (pads, auto_pad) the ISA can express.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compile/qcompile_internal.h"

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
	     uint16_t pad[4], const struct ir_value *y)
{
	const int64_t *pads;
	const char *ap = ir_attr_string(n, "auto_pad", "NOTSET");
	int i;

	memset(pad, 0, 4 * sizeof(uint16_t));
	if (!strcmp(ap, "NOTSET")) {
		size_t np = ir_attr_ints(n, "pads", &pads);

		if (np == 4) {
			for (i = 0; i < 4; i++)
				if (pads[i] < 0 || pads[i] > 4096)
					return -EOPNOTSUPP;
			pad[0] = (uint16_t)pads[0];
			pad[1] = (uint16_t)pads[1];
			pad[2] = (uint16_t)pads[2];
			pad[3] = (uint16_t)pads[3];
		} else if (np) {
			return -EOPNOTSUPP;
		}
	} else if (strcmp(ap, "VALID")) {
		for (i = 0; i < 2; i++) {
			int64_t in = x->dims[2 + i], out = y->dims[2 + i];
			int64_t tot = (out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - in;

			if (tot < 0)
				tot = 0;
			if (tot > 8192)
				return -EOPNOTSUPP;
			if (!strcmp(ap, "SAME_UPPER")) {
				pad[i] = (uint16_t)(tot / 2);
				pad[i + 2] = (uint16_t)(tot - tot / 2);
			} else {
				pad[i + 2] = (uint16_t)(tot / 2);
				pad[i] = (uint16_t)(tot - tot / 2);
			}
		}
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
