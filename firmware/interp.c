// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * ENPU command-buffer interpreter: validate, then run each operation through
 * the kernel its opcode's descriptor names (ops.c).
 */
#include "fw_internal.h"

const char *enpu_fw_op_name(__u32 opcode)
{
	if (opcode >= ENPU_OP_COUNT || !fw_op_table[opcode].name)
		return "invalid";
	return fw_op_table[opcode].name;
}

static void resolve(const struct fw_exec *ex, const struct enpu_fw_buf *slots,
		    __u32 idx, struct fw_tensor *t)
{
	struct enpu_tensor d;
	__u32 i;

	if (idx == ENPU_NO_TENSOR) {
		t->data = NULL;
		return;
	}
	fw_read_tensor(ex->cb, &ex->hdr, idx, &d);
	/* unbound slots (enpu_fw_kernels_prepare() binds constants only) */
	t->data = slots[d.slot].data ? (__u8 *)slots[d.slot].data + d.offset :
				       NULL;
	t->rank = d.rank;
	t->count = 1;
	for (i = 0; i < ENPU_ISA_MAX_DIMS; i++) {
		t->dims[i] = d.dims[i];
		t->count *= d.dims[i];
	}
	t->zp = d.zero_point;
	t->dtype = d.dtype;
	t->flip = d.dtype == ENPU_DTYPE_S8 ? 0x80 : 0;
	t->bias = d.dtype == ENPU_DTYPE_S8 ? 128 : 0;
	t->zpu = t->zp + t->bias;
}

void fw_op_ctx_init(struct fw_exec *ex, const struct enpu_fw_buf *slots,
		    __u32 i, struct fw_op_ctx *c)
{
	__u32 k;

	c->ex = ex;
	fw_read_op(ex->cb, &ex->hdr, i, &c->op);
	for (k = 0; k < 3; k++)
		resolve(ex, slots, c->op.in[k], &c->in[k]);
	resolve(ex, slots, c->op.out, &c->out);
	c->half_up = !!(c->op.flags & ENPU_OP_FLAG_ROUND_HALF_UP);
	c->index = i;
	c->state = NULL;
}

static int fw_status(struct enpu_fw_status *st, int err, __u32 op,
		     const char *msg)
{
	if (st) {
		st->op = op;
		st->tensor = ENPU_NO_TENSOR;
		st->msg = msg;
	}
	return err;
}

int fw_yield(struct fw_exec *ex)
{
	const struct enpu_fw_hooks *h = ex->hooks;
	int err;

	if (ex->err)
		return ex->err;
	if (!ex->in_simd) {
		err = h->yield(h->ctx);
	} else {
		if (h->simd_end)
			h->simd_end(h->ctx);
		err = h->yield(h->ctx);
		if (h->simd_begin)
			h->simd_begin(h->ctx);
	}
	/* latched: the kernel's remaining chunks and ticks stop at once */
	if (err)
		ex->err = err;
	return err;
}

/* Run @run, a variant kernel, between the hooks' simd_begin() and _end(). */
static int fw_run_simd(struct fw_op_ctx *c, int (*run)(struct fw_op_ctx *c))
{
	const struct enpu_fw_hooks *h = c->ex->hooks;
	int err;

	if (h->simd_begin)
		h->simd_begin(h->ctx);
	c->ex->in_simd = 1;
	err = run(c);
	c->ex->in_simd = 0;
	if (h->simd_end)
		h->simd_end(h->ctx);
	return err;
}

/* Run every operation of a validated command buffer. */
static int fw_run(const void *cmdbuf, const struct enpu_fw_buf *slots,
		  const struct enpu_fw_hooks *hooks, struct enpu_fw_status *st)
{
	struct fw_exec ex;
	int (*run)(struct fw_op_ctx *c);
	struct fw_op_ctx c;
	__u32 i;
	int err;

	ex.cb = cmdbuf;
	fw_read_header(ex.cb, &ex.hdr);
	ex.hooks = hooks;
	ex.work = 0;
	ex.in_simd = 0;
	ex.err = 0;
	for (i = 0; i < ex.hdr.num_ops; i++) {
		if (i && hooks && hooks->yield) {
			err = hooks->yield(hooks->ctx);
			if (err)
				return fw_status(st, err, i,
						 "aborted by the yield hook");
		}
		fw_op_ctx_init(&ex, slots, i, &c);
		c.state = hooks && hooks->op_state && i < hooks->num_op_state ?
			  hooks->op_state[i] : NULL;
		run = NULL;
		if (hooks && hooks->kernels)
			run = hooks->kernels->run[c.op.opcode];
		if (run)
			err = fw_run_simd(&c, run);
		else
			err = fw_op_table[c.op.opcode].run(&c);
		if (!err)
			err = ex.err;
		if (err)
			return fw_status(st, err, i, "aborted by the yield hook");
	}
	return fw_status(st, 0, ENPU_NO_TENSOR, "ok");
}

int enpu_fw_execute(const void *cmdbuf, __u64 size,
		    const struct enpu_fw_buf *slots, __u32 num_slots,
		    const struct enpu_fw_hooks *hooks,
		    struct enpu_fw_status *st)
{
	int err;

	if (num_slots && !slots)
		return fw_status(st, -ENPU_FW_EINVAL, ENPU_NO_TENSOR,
				 "no slots given");
	err = fw_validate(cmdbuf, size, NULL, slots, num_slots, hooks, st);
	if (err)
		return err;
	return fw_run(cmdbuf, slots, hooks, st);
}

int enpu_fw_execute_validated(const void *cmdbuf,
			      const struct enpu_fw_buf *slots,
			      const struct enpu_fw_hooks *hooks,
			      struct enpu_fw_status *st)
{
	return fw_run(cmdbuf, slots, hooks, st);
}
