// SPDX-License-Identifier: MIT
/*
 * What the CPU backend needs to know to split an int8 program's batch
 * across threads (core/run.c runs the program compiled for a smaller batch
 * on each part): whether it computes each image of its batch on its own,
 * and how much work it is.
 *
 * A program of batch @n qualifies when every tensor outside the constants
 * has @n as its first dimension (batch-major: image i is the i-th block
 * of 1/@n of the elements) and every operation maps image i of its
 * operands to image i of its result:
 *	CONV2D, AVGPOOL, MAXPOOL, GLOBAL_AVGPOOL	per image ([N,C,H,W])
 *	FULLY_CONNECTED		rows are images; weights constant
 *	ADD, MUL		in[1] of out's shape, or a constant broadcast
 *	CONCAT			along an axis other than 0
 *	COPY			in order, [N,...] to [N,...]: blocks stay
 *	SOFTMAX			along the last axis, which is not axis 0
 *	LUT			elementwise
 * with in[0] never a constant (a constant of @n images would differ per
 * image), and every edge of the graph has @n as its first dimension.
 * Anything else (a transpose or reshape across the batch, an activation
 * broadcast over the batch, an opcode added later) keeps the batch whole.
 */
#include <string.h>

#include <drm/enpu_isa.h>

#include "compile/qcompile.h"

static void read_tensor(const struct qprog *p, const struct enpu_cmdbuf_header *h,
			uint32_t idx, struct enpu_tensor *t)
{
	memcpy(t, (const uint8_t *)p->cmdbuf + h->tensor_offset +
	       (size_t)idx * sizeof(*t), sizeof(*t));
}

static bool edge_batched(const struct qprog_edge *ed, uint32_t n)
{
	return ed->shape.rank >= 1 && ed->shape.dims[0] == (int64_t)n;
}

bool qprog_per_image(const struct qprog *p, uint32_t n)
{
	const uint8_t *cb = p->cmdbuf;
	struct enpu_cmdbuf_header h;
	struct enpu_tensor t, t0, t1;
	struct enpu_op op;
	uint32_t i;

	if (!n || p->cmdbuf_size < sizeof(h))
		return false;
	for (i = 0; i < (uint32_t)p->n_inputs; i++)
		if (!edge_batched(&p->inputs[i], n))
			return false;
	for (i = 0; i < (uint32_t)p->n_outputs; i++)
		if (!edge_batched(&p->outputs[i], n))
			return false;
	memcpy(&h, cb, sizeof(h));
	/* the program passed enpu_fw_validate(): the tables lie inside it */
	for (i = 0; i < h.num_tensors; i++) {
		read_tensor(p, &h, i, &t);
		if (t.slot != QPROG_SLOT_CONST && (t.rank < 1 || t.dims[0] != n))
			return false;
	}
	for (i = 0; i < h.num_ops; i++) {
		memcpy(&op, cb + h.op_offset + (size_t)i * sizeof(op), sizeof(op));
		if (op.in[0] == ENPU_NO_TENSOR)
			return false;
		read_tensor(p, &h, op.in[0], &t0);
		if (t0.slot == QPROG_SLOT_CONST)
			return false;
		switch (op.opcode) {
		case ENPU_OP_CONV2D:
		case ENPU_OP_FULLY_CONNECTED:
			read_tensor(p, &h, op.in[1], &t1);
			if (t1.slot != QPROG_SLOT_CONST)
				return false;
			break;
		case ENPU_OP_ADD:
		case ENPU_OP_MUL:
			read_tensor(p, &h, op.in[1], &t1);
			if (t1.slot == QPROG_SLOT_CONST ?
			    !op.params.eltwise.broadcast && n > 1 :
			    op.params.eltwise.broadcast != 0)
				return false;
			break;
		case ENPU_OP_CONCAT:
			if (op.params.concat.axis == 0)
				return false;
			break;
		case ENPU_OP_SOFTMAX:
			if (t0.rank < 2)
				return false;
			break;
		case ENPU_OP_AVGPOOL:
		case ENPU_OP_MAXPOOL:
		case ENPU_OP_GLOBAL_AVGPOOL:
		case ENPU_OP_COPY:
		case ENPU_OP_LUT:
			break;
		default:
			return false;
		}
	}
	return true;
}

static uint64_t tensor_count(const struct enpu_tensor *t)
{
	uint64_t n = 1;
	uint32_t d;

	for (d = 0; d < t->rank && d < ENPU_ISA_MAX_DIMS; d++)
		n *= t->dims[d];
	return n;
}

uint64_t qprog_work(const struct qprog *p)
{
	const uint8_t *cb = p->cmdbuf;
	struct enpu_cmdbuf_header h;
	struct enpu_tensor t0, t1, y;
	struct enpu_op op;
	uint64_t work = 0;
	uint32_t i;

	if (p->cmdbuf_size < sizeof(h))
		return 0;
	memcpy(&h, cb, sizeof(h));
	for (i = 0; i < h.num_ops; i++) {
		memcpy(&op, cb + h.op_offset + (size_t)i * sizeof(op), sizeof(op));
		read_tensor(p, &h, op.out, &y);
		switch (op.opcode) {
		case ENPU_OP_CONV2D:
			read_tensor(p, &h, op.in[1], &t1);
			work += tensor_count(&y) * t1.dims[1] * t1.dims[2] *
				t1.dims[3];
			break;
		case ENPU_OP_FULLY_CONNECTED:
			read_tensor(p, &h, op.in[0], &t0);
			work += tensor_count(&y) * t0.dims[1];
			break;
		default:
			work += tensor_count(&y);
			break;
		}
	}
	return work;
}
