// SPDX-License-Identifier: MIT
/*
 * qprog_per_image() and qprog_work() (libaccel/compile/batch.c) on
 * hand-built programs: a batch-major conv + FC + softmax chain splits;
 * each way of mixing images (a reshape across the batch, concat along
 * axis 0, an activation broadcast over the batch, activation weights, a
 * constant first operand, softmax over a rank-1 batch, an edge without
 * the batch, an unknown opcode) keeps the batch whole.  The work is the
 * multiply-adds counted by hand.
 */
#include <stdlib.h>
#include <string.h>

#include <drm/enpu_isa.h>

#include "compile/qcompile.h"
#include "tap.h"

#define MAX_T	8
#define MAX_OPS	4

struct prog {
	struct enpu_cmdbuf_header h;
	struct enpu_tensor t[MAX_T];
	struct enpu_op op[MAX_OPS];
	struct qprog_edge in, out;
	struct qprog q;
};

static void tensor(struct prog *p, uint32_t i, uint32_t slot, uint32_t rank,
		   uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3)
{
	const uint32_t d[4] = { d0, d1, d2, d3 };

	memset(&p->t[i], 0, sizeof(p->t[i]));
	p->t[i].slot = slot;
	p->t[i].dtype = ENPU_DTYPE_U8;
	p->t[i].rank = (uint8_t)rank;
	for (uint32_t k = 0; k < ENPU_ISA_MAX_DIMS; k++)
		p->t[i].dims[k] = k < rank ? d[k] : 1;
	if (p->h.num_tensors <= i)
		p->h.num_tensors = i + 1;
}

static void op(struct prog *p, uint32_t opcode, uint32_t in0, uint32_t in1,
	       uint32_t out)
{
	struct enpu_op *o = &p->op[p->h.num_ops++];

	memset(o, 0, sizeof(*o));
	o->opcode = opcode;
	o->in[0] = in0;
	o->in[1] = in1;
	o->in[2] = ENPU_NO_TENSOR;
	o->out = out;
}

/* The command buffer of @p, in the ISA's layout; freed by the caller. */
static void *build(struct prog *p, uint32_t n)
{
	size_t tsz = sizeof(p->t[0]) * p->h.num_tensors;
	size_t osz = sizeof(p->op[0]) * p->h.num_ops;
	uint8_t *cb = calloc(1, sizeof(p->h) + tsz + osz);

	if (!cb)
		return NULL;
	p->h.magic = ENPU_ISA_MAGIC;
	p->h.header_size = sizeof(p->h);
	p->h.tensor_offset = sizeof(p->h);
	p->h.tensor_size = sizeof(p->t[0]);
	p->h.op_offset = (uint32_t)(sizeof(p->h) + tsz);
	p->h.op_size = sizeof(p->op[0]);
	p->h.total_size = (uint32_t)(sizeof(p->h) + tsz + osz);
	memcpy(cb, &p->h, sizeof(p->h));
	memcpy(cb + p->h.tensor_offset, p->t, tsz);
	memcpy(cb + p->h.op_offset, p->op, osz);
	memset(&p->q, 0, sizeof(p->q));
	p->q.cmdbuf = cb;
	p->q.cmdbuf_size = p->h.total_size;
	p->in.shape.rank = 4;
	p->in.shape.dims[0] = n;
	p->out.shape.rank = 2;
	p->out.shape.dims[0] = n;
	p->q.inputs = &p->in;
	p->q.n_inputs = 1;
	p->q.outputs = &p->out;
	p->q.n_outputs = 1;
	return cb;
}

/*
 * x [n,3,8,8] -conv(w [4,3,3,3])-> y [n,4,6,6] -copy-> f [n,144]
 * -fc(wf [144,10])-> z [n,10] -softmax-> s [n,10]; slot 0 constants.
 */
static void chain(struct prog *p, uint32_t n)
{
	memset(p, 0, sizeof(*p));
	tensor(p, 0, 2, 4, n, 3, 8, 8);		/* x */
	tensor(p, 1, 0, 4, 4, 3, 3, 3);		/* w */
	tensor(p, 2, 1, 4, n, 4, 6, 6);		/* y */
	tensor(p, 3, 1, 2, n, 144, 1, 1);	/* f */
	tensor(p, 4, 0, 2, 144, 10, 1, 1);	/* wf */
	tensor(p, 5, 1, 2, n, 10, 1, 1);	/* z */
	tensor(p, 6, 3, 2, n, 10, 1, 1);	/* s */
	tensor(p, 7, 0, 1, 256, 1, 1, 1);	/* softmax table */
	op(p, ENPU_OP_CONV2D, 0, 1, 2);
	op(p, ENPU_OP_COPY, 2, ENPU_NO_TENSOR, 3);
	op(p, ENPU_OP_FULLY_CONNECTED, 3, 4, 5);
	op(p, ENPU_OP_SOFTMAX, 5, 7, 6);
}

static int per_image(struct prog *p, uint32_t n)
{
	void *cb = build(p, n);
	int r = cb ? qprog_per_image(&p->q, n) : -1;

	free(cb);
	return r;
}

static void test_chain(void)
{
	struct prog p;
	void *cb;

	for (uint32_t n = 1; n <= 5; n += 2) {
		chain(&p, n);
		TAP_CHECK(per_image(&p, n) == 1, "batch-major chain of %u images splits", n);
		chain(&p, n);
		cb = build(&p, n);
		/* conv 4*6*6 outputs * 27, fc 10 * 144, copy 144, softmax 10 */
		TAP_CHECK(cb && qprog_work(&p.q) == n * (144u * 27 + 1440 + 144 + 10),
			  "work of %u images: %llu", n,
			  cb ? (unsigned long long)qprog_work(&p.q) : 0ULL);
		free(cb);
	}
	chain(&p, 4);
	TAP_CHECK(per_image(&p, 3) == 0, "tensors of 4 images are not a batch of 3");
}

static void test_mixing(void)
{
	struct prog p;
	void *cb;

	/* a reshape across the batch: [4,4,6,6] -> [16,36] */
	chain(&p, 4);
	tensor(&p, 3, 1, 2, 16, 36, 1, 1);
	TAP_CHECK(per_image(&p, 4) == 0, "reshape across the batch");
	/* a transpose-like copy to [144, n] */
	chain(&p, 4);
	tensor(&p, 3, 1, 2, 144, 4, 1, 1);
	TAP_CHECK(per_image(&p, 4) == 0, "batch moved off axis 0");
	/* concat along the batch */
	chain(&p, 4);
	p.op[1].opcode = ENPU_OP_CONCAT;
	p.op[1].params.concat.axis = 0;
	TAP_CHECK(per_image(&p, 4) == 0, "concat along axis 0");
	p.op[1].params.concat.axis = 1;
	TAP_CHECK(per_image(&p, 4) == 1, "concat along axis 1");
	/* an activation broadcast over the images */
	chain(&p, 4);
	p.op[3].opcode = ENPU_OP_ADD;
	p.op[3].params.eltwise.broadcast = 0;
	p.op[3].in[1] = 5;
	TAP_CHECK(per_image(&p, 4) == 1, "add of two batched activations");
	p.op[3].params.eltwise.broadcast = 1;
	TAP_CHECK(per_image(&p, 4) == 0, "activation broadcast over the batch");
	p.op[3].in[1] = 7;
	TAP_CHECK(per_image(&p, 4) == 1, "constant broadcast");
	p.op[3].params.eltwise.broadcast = 0;
	tensor(&p, 7, 0, 2, 4, 10, 1, 1);
	TAP_CHECK(per_image(&p, 4) == 0, "a constant of one value per image");
	/* weights that are activations */
	chain(&p, 4);
	tensor(&p, 4, 1, 2, 4, 10, 1, 1);
	TAP_CHECK(per_image(&p, 4) == 0, "fc weights computed at run time");
	chain(&p, 4);
	p.op[0].in[0] = 1;
	TAP_CHECK(per_image(&p, 4) == 0, "constant first operand");
	/* softmax whose last axis is the batch */
	chain(&p, 4);
	tensor(&p, 5, 1, 1, 4, 1, 1, 1);
	tensor(&p, 6, 3, 1, 4, 1, 1, 1);
	TAP_CHECK(per_image(&p, 4) == 0, "softmax over a rank-1 batch");
	/* an output edge without the batch */
	chain(&p, 4);
	cb = build(&p, 4);
	p.out.shape.dims[0] = 1;
	TAP_CHECK(cb && !qprog_per_image(&p.q, 4), "output edge of one image");
	free(cb);
	/* an opcode the check does not know */
	chain(&p, 4);
	p.op[1].opcode = ENPU_OP_COUNT;
	TAP_CHECK(per_image(&p, 4) == 0, "unknown opcode");
	chain(&p, 4);
	TAP_CHECK(per_image(&p, 0) == 0, "batch 0");
}

int main(void)
{
	tap_run("a batch-major program splits; its work", test_chain);
	tap_run("programs that mix images stay whole", test_mixing);
	return tap_done("test_batch");
}
