/* SPDX-License-Identifier: MIT */
/*
 * The int8 compiler's internals, shared by qcompile.c (program state, the
 * emitter, memory plan and command-buffer layout) and qlower.c (one
 * lowering per ONNX operator).  Not installed.
 */
#ifndef LIBACCEL_QCOMPILE_INTERNAL_H
#define LIBACCEL_QCOMPILE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <drm/enpu_isa.h>

#include "ir.h"
#include "ir/shape.h"
#include "qcompile.h"

enum qk { QK_NONE = 0, QK_ACT, QK_CONST, QK_PEND };

struct qbuf {
	uint64_t size;
	int slot;
	uint64_t offset;
	int first, last;	/* op indices using the buffer */
};

struct qact {
	struct enpu_tensor t;
	int buf;
};

enum pend_kind {
	PEND_CONV, PEND_FC, PEND_ADD, PEND_MUL, PEND_AVGPOOL, PEND_GAP,
	PEND_LUT, PEND_SOFTMAX, PEND_CONCAT, PEND_COPY,
};

/* LUT_CLAMP: the identity, clamped to [lo, hi] like every table (Relu, Clip). */
enum lut_fn { LUT_SIGMOID, LUT_TANH, LUT_LEAKY, LUT_CLAMP };

struct qpend {
	enum pend_kind kind;
	int node;
	struct enpu_op op;	/* in[] hold act indices */
	double *real;		/* per-channel accumulator scale (before / out) */
	int32_t *wzp;		/* per-channel weight zero points or NULL */
	int nreal;
	double lo, hi;		/* fused clamp in the real domain */
	int ins[16];		/* PEND_CONCAT: input acts */
	int n_ins;
	enum lut_fn fn;
	float alpha;
	int bias_const;		/* tensor index of a bias to fold, or -1 */
	struct ir_value shape;	/* float result shape */
};

struct qv {
	enum qk kind;
	bool view;		/* QK_ACT: graph tensor holds real values */
	int act;
	float scale;
	int32_t zp;
	/* QK_CONST */
	int cdtype;		/* IR dtype of the quantized data, or IR_F32 */
	const void *cdata;
	const float *cscales;
	int nscales;
	const void *czp;	/* same IR dtype as cdata, nzp entries */
	int nzp;
	int caxis;
	/* QK_PEND */
	int pend;
};

struct qc {
	const struct ir_graph *g;
	const struct shape_pass *shapes;	/* the caller's: shapes, folded constants */
	struct accel_err *e;
	struct qv *v;
	struct qact *acts;
	int n_acts, cap_acts;
	struct qbuf *bufs;
	int n_bufs, cap_bufs;
	struct enpu_op *ops;
	int n_ops, cap_ops;
	struct enpu_quant *quant;
	int n_quant, cap_quant;
	struct qpend *pends;
	int n_pends, cap_pends;
	uint8_t *consts;
	size_t n_consts, cap_consts;
	int n_in;
};

int qc_grow(void **p, int *cap, int need, size_t elem);
int qc_nosup(struct qc *q, int node, const char *why);
const struct ir_value *qc_val(struct qc *q, int t);
int qc_isa_dtype(int irdt);
int qc_qmin(int isadt);
int qc_qmax(int isadt);
int qc_new_buf(struct qc *q, uint64_t size, int slot);
int qc_new_act(struct qc *q, const struct ir_value *shape, int dtype,
		   int32_t zp, int buf);
uint64_t qc_act_bytes(const struct qact *a);
int qc_new_arena_act(struct qc *q, const struct ir_value *shape, int dtype,
			 int32_t zp);
int qc_const_act(struct qc *q, const void *data, size_t bytes, int dtype,
		     int rank, const int64_t *dims, int32_t zp);
int qc_add_quant(struct qc *q, double real, int32_t wzp);
int qc_emit(struct qc *q, const struct enpu_op *op);
void qc_op_init(struct enpu_op *op, uint32_t opcode);
int qc_const_f32(struct qc *q, int t, float *out);
int qc_const_scale(struct qc *q, int t, float *out);
int qc_const_zp(struct qc *q, int t, int dtype_if_absent, int *dtype,
		    int32_t *zp);
int32_t qc_elem_i32(const void *p, int dtype, size_t i);
double qc_const_real(const struct qv *c, const struct ir_value *v,
			 size_t i);
int qc_act_of(struct qc *q, int t, bool want_view);
struct qpend *qc_new_pend(struct qc *q, int node, enum pend_kind kind,
			      int out_tensor);
int qc_finalize(struct qc *q, int pi, int out_act, float ys, int32_t yzp);
/* Make room for one more element of array @arr (count @n, capacity @cap). */
#define GROW(q, arr, n, cap) \
	qc_grow((void **)&(q)->arr, &(q)->cap, (q)->n + 1, sizeof(*(q)->arr))

/* Lower node @ni (qlower.c). */
int qc_lower_node(struct qc *q, int ni);

#endif /* LIBACCEL_QCOMPILE_INTERNAL_H */
