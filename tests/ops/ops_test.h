/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the CPU operator tests: build an ir_node with attributes in
 * C, wrap arrays as ir_values, and evaluate an operator the way the planner
 * does (infer, allocate outputs with guard bytes, run, check the guards).
 */
#ifndef ENPU_TESTS_OPS_TEST_H
#define ENPU_TESTS_OPS_TEST_H

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ir/ir.h"
#include "ops/ops.h"

/* TAP_CHECK as a statement (its value unused). */
#define CHECK(...) ((void)TAP_CHECK(__VA_ARGS__))

#define T_MAX_ATTRS 16
#define T_GUARD 64

struct tnode {
	struct ir_node n;
	struct ir_attr attrs[T_MAX_ATTRS];
	int outputs[4];
};

static inline void tn_init(struct tnode *t, const char *op)
{
	memset(t, 0, sizeof(*t));
	t->n.name = (char *)"t";
	t->n.op_type = (char *)op;
	t->n.domain = (char *)"";
	t->n.attrs = t->attrs;
	t->n.outputs = t->outputs;
}

static inline struct ir_attr *tn_attr(struct tnode *t, const char *name,
				      enum ir_attr_type type)
{
	struct ir_attr *a = &t->attrs[t->n.n_attrs++];

	a->name = (char *)name;
	a->type = type;
	return a;
}

static inline void tn_int(struct tnode *t, const char *name, int64_t v)
{
	tn_attr(t, name, IR_ATTR_INT)->i = v;
}

static inline void tn_float(struct tnode *t, const char *name, float v)
{
	tn_attr(t, name, IR_ATTR_FLOAT)->f = v;
}

static inline void tn_str(struct tnode *t, const char *name, const char *s)
{
	tn_attr(t, name, IR_ATTR_STRING)->s = (char *)s;
}

/* @v must outlive the node. */
static inline void tn_ints(struct tnode *t, const char *name,
			   const int64_t *v, size_t cnt)
{
	struct ir_attr *a = tn_attr(t, name, IR_ATTR_INTS);

	a->ints = (int64_t *)v;
	a->n = cnt;
}

/* A value of @rank dims (varargs, int64_t) over @data. */
static inline struct ir_value tv(int dtype, const void *data, int rank, ...)
{
	struct ir_value v = { .dtype = dtype, .rank = rank,
			      .data = (void *)data };
	va_list ap;

	va_start(ap, rank);
	for (int i = 0; i < rank; i++)
		v.dims[i] = va_arg(ap, int64_t);
	va_end(ap);
	return v;
}

static inline struct ir_value tv_none(void)
{
	struct ir_value v = { .dtype = IR_UNDEFINED, .rank = -1 };

	return v;
}

static inline size_t t_nbytes(const struct ir_value *v)
{
	int64_t n = ir_value_numel(v);

	return n < 0 ? 0 : (size_t)n * ir_dtype_size(v->dtype);
}

/*
 * Infer and run @t; outputs are malloc'ed (free with t_free_outs) and
 * followed by guard bytes that must survive run().  Returns the first
 * error.  @e receives the message.
 */
static inline int t_eval(struct tnode *t, struct ir_value *in, int n_in,
			 struct ir_value *out, int n_out, struct accel_err *e)
{
	const struct cpu_op *op = cpu_op_find(t->n.domain, t->n.op_type);
	int ret;

	for (int j = 0; j < n_out; j++)
		out[j].data = NULL;
	if (!TAP_CHECK(op, "op %s not registered", t->n.op_type))
		return -ENOSYS;
	if (!t->n.n_outputs) {
		t->n.n_outputs = n_out;
		for (int j = 0; j < n_out; j++)
			t->outputs[j] = j;
	}
	ret = op->infer(&t->n, in, n_in, out, n_out, e);
	if (ret)
		return ret;
	for (int j = 0; j < n_out; j++) {
		size_t nb;
		unsigned char *p;

		if (t->outputs[j] < 0)
			continue;
		CHECK(out[j].data == NULL, "infer set data");
		nb = t_nbytes(&out[j]);
		p = malloc(nb + T_GUARD);
		if (!p)
			return -ENOMEM;
		memset(p, 0xa5, nb + T_GUARD);
		out[j].data = p;
	}
	{
		/* The workspace the op declares, guarded like the outputs. */
		size_t wsz = 0;
		unsigned char *ws = NULL;

		ret = cpu_op_workspace(op, &t->n, in, n_in, out, n_out, &wsz, e);
		if (ret)
			return ret;
		if (wsz) {
			ws = aligned_alloc(64, (wsz + T_GUARD + 63) & ~(size_t)63);
			if (!ws)
				return -ENOMEM;
			memset(ws, 0xa5, wsz + T_GUARD);
		}
		ret = cpu_op_run(op, &t->n, in, n_in, out, n_out, ws, e);
		for (size_t i = 0; ws && i < T_GUARD; i++)
			if (ws[wsz + i] != 0xa5) {
				CHECK(0, "%s wrote past its workspace",
				      t->n.op_type);
				break;
			}
		free(ws);
	}
	for (int j = 0; j < n_out; j++) {
		const unsigned char *p = out[j].data;
		size_t nb = t_nbytes(&out[j]);

		if (!p)
			continue;
		for (size_t i = 0; i < T_GUARD; i++)
			if (p[nb + i] != 0xa5) {
				CHECK(0, "%s wrote past output %d",
					  t->n.op_type, j);
				break;
			}
	}
	return ret;
}

static inline void t_free_outs(struct ir_value *out, int n_out)
{
	for (int j = 0; j < n_out; j++) {
		free(out[j].data);
		out[j].data = NULL;
	}
}

/* Only infer (for rejection tests). */
static inline int t_infer(struct tnode *t, struct ir_value *in, int n_in,
			  struct ir_value *out, int n_out, struct accel_err *e)
{
	const struct cpu_op *op = cpu_op_find(t->n.domain, t->n.op_type);

	if (!TAP_CHECK(op, "op %s not registered", t->n.op_type))
		return -ENOSYS;
	if (!t->n.n_outputs) {
		t->n.n_outputs = n_out;
		for (int j = 0; j < n_out; j++)
			t->outputs[j] = j;
	}
	memset(e, 0, sizeof(*e));
	return op->infer(&t->n, in, n_in, out, n_out, e);
}

/* Deterministic xorshift generator for seeded random cases. */
static inline uint32_t t_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

static inline float t_randf(uint64_t *s)
{
	return (float)(t_rand(s) % 2001) / 1000.0f - 1.0f;
}

static inline int t_randi(uint64_t *s, int lo, int hi)
{
	return lo + (int)(t_rand(s) % (uint32_t)(hi - lo + 1));
}

/* Relative/absolute float comparison of @cnt values. */
static inline int t_close(const float *got, const float *want, int64_t cnt,
			  float tol, const char *what)
{
	for (int64_t i = 0; i < cnt; i++) {
		float d = got[i] - want[i], m = want[i] < 0 ? -want[i] : want[i];

		if (d < 0)
			d = -d;
		if (!(d <= tol * (1.0f + m))) {
			CHECK(0, "%s: element %lld got %g want %g", what,
				  (long long)i, got[i], want[i]);
			return 0;
		}
	}
	return 1;
}

/* Expect infer() to fail with @err and a message naming the node. */
#define T_REJECT(t, in, n_in, n_out, err, why)				\
	do {								\
		struct ir_value o_[4];					\
		struct accel_err e_;					\
		int r_ = t_infer((t), (in), (n_in), o_, (n_out), &e_);	\
									\
		CHECK(r_ == (err), "%s: got %d want %d (%s)", (why), \
			  r_, (err), e_.msg);				\
		CHECK(r_ == 0 || strstr(e_.msg, (t)->n.op_type),	\
			  "%s: message '%s' does not name the op", (why), \
			  e_.msg);					\
	} while (0)

#endif /* ENPU_TESTS_OPS_TEST_H */
