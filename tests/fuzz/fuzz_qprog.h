/* SPDX-License-Identifier: MIT */
/*
 * Shared by the fuzz targets that compile models: the int8 compiler must
 * only emit command buffers the firmware validator accepts, with the slot
 * sizes the compiled program itself declares.
 */
#ifndef FUZZ_QPROG_H
#define FUZZ_QPROG_H

#include <stdio.h>
#include <stdlib.h>

#include <drm/enpu_isa.h>

#include "enpu_fw.h"
#include "compile/qcompile.h"

/* Abort (a fuzzer finding) when @q's command buffer does not validate. */
static inline void fuzz_check_qprog(const struct qprog *q)
{
	__u64 sizes[ENPU_ISA_MAX_SLOTS];
	struct enpu_fw_status st;
	int i;

	if (q->num_slots > ENPU_ISA_MAX_SLOTS)
		abort();
	sizes[QPROG_SLOT_CONST] = q->consts_size;
	sizes[QPROG_SLOT_ARENA] = q->arena_size ? q->arena_size : 64;
	for (i = 0; i < q->n_inputs; i++)
		sizes[q->inputs[i].slot] = q->inputs[i].qbytes;
	for (i = 0; i < q->n_outputs; i++)
		sizes[q->outputs[i].slot] = q->outputs[i].qbytes;
	if (enpu_fw_validate(q->cmdbuf, q->cmdbuf_size, sizes, q->num_slots,
			     &st)) {
		fprintf(stderr, "compiled buffer rejected: op %u tensor %u: %s\n",
			st.op, st.tensor, st.msg);
		abort();
	}
}

#endif /* FUZZ_QPROG_H */
