// SPDX-License-Identifier: MIT
/* What both backends need to know of a compiled int8 program. */
#include "backend/backend.h"
#include "compile/qcompile.h"

size_t prog_slot_size(const struct qprog *p, uint32_t slot)
{
	int i;

	if (slot == QPROG_SLOT_CONST)
		return p->consts_size;
	if (slot == QPROG_SLOT_ARENA)
		return p->arena_size ? p->arena_size : 64;
	for (i = 0; i < p->n_inputs; i++)
		if ((uint32_t)p->inputs[i].slot == slot)
			return p->inputs[i].qbytes;
	for (i = 0; i < p->n_outputs; i++)
		if ((uint32_t)p->outputs[i].slot == slot)
			return p->outputs[i].qbytes;
	return 0;
}
