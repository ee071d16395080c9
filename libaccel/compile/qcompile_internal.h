/* SPDX-License-Identifier: MIT */
/*
 * The int8 compiler's internals, shared by compile.c (program state, the
 * emitter, memory plan and command-buffer layout), ops.c (the operator
 * tables) and one file per operator family holding its lowering and its
 * finalization (conv.c, eltwise.c, activation.c, pool.c, concat.c,
 * quant.c, view.c; helpers in lower_util.c).  Not installed.
 */
#ifndef LIBACCEL_QCOMPILE_INTERNAL_H
#define LIBACCEL_QCOMPILE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <drm/enpu_isa.h>

#include "ir/ir.h"
#include "ops/shape_pass.h"
#include "compile/qcompile.h"

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
	PEND_COUNT
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

/*
 * Lowering (one file per operator family, found through compile/qc_ops.c's
 * table): lower node @ni whose first input is @x0 and output @y.  Each
 * records what @y is in the integer world or declines with -EOPNOTSUPP
 * (qc_nosup()) so the float executor runs the model.
 */
#define QC_NUM_OPS 24		/* entries of qc_ops[] (compile/qc_ops.c) */
int qc_lower_node(struct qc *q, int ni);			/* ops.c */
int qc_lower_quantize(struct qc *q, int ni, int x0, int y);	/* quant.c */
int qc_lower_dequantize(struct qc *q, int ni, int x0, int y);
int qc_lower_conv(struct qc *q, int ni, int x0, int y);	/* conv.c */
int qc_lower_qlinear(struct qc *q, int ni, int x0, int y);
int qc_lower_gemm(struct qc *q, int ni, int x0, int y);
int qc_lower_matmul_bias(struct qc *q, int ni, int x0, int y);
int qc_lower_clamp(struct qc *q, int ni, int x0, int y);	/* activation.c */
int qc_lower_lut(struct qc *q, int ni, int x0, int y);
int qc_lower_pool(struct qc *q, int ni, int x0, int y);	/* pool.c */
int qc_lower_eltwise(struct qc *q, int ni, int x0, int y);	/* eltwise.c */
int qc_lower_add(struct qc *q, int ni, int x0, int y);
int qc_lower_concat(struct qc *q, int ni, int x0, int y);	/* concat.c */
int qc_lower_view(struct qc *q, int ni, int x0, int y);	/* view.c */

/*
 * Finalization: @p's op once its output quantization (@ys, @yzp) is known;
 * its act_min/act_max and out are already set.  Returns 0 to have the op
 * emitted, QC_EMITTED when it emitted its ops itself, or a negative errno.
 */
#define QC_EMITTED 1
int qc_finalize_kind(struct qc *q, struct qpend *p, float ys, int32_t yzp); /* ops.c */
int qc_finalize_requant(struct qc *q, struct qpend *p, float ys, int32_t yzp);
int qc_finalize_conv(struct qc *q, struct qpend *p, float ys, int32_t yzp);
int qc_finalize_add(struct qc *q, struct qpend *p, float ys, int32_t yzp);
int qc_finalize_lut(struct qc *q, struct qpend *p, float ys, int32_t yzp);
int qc_finalize_softmax(struct qc *q, struct qpend *p, float ys, int32_t yzp);
int qc_finalize_concat(struct qc *q, struct qpend *p, float ys, int32_t yzp);

/* Helpers shared by the lowering rules (lower_util.c). */
int qc_view_in(struct qc *q, int t, float *scale);
int qc_pads4(const struct ir_node *n, const struct ir_value *x,
	     const int64_t *k, const int64_t *s, const int64_t *d,
	     uint16_t pad[4], const struct ir_value *y, bool pool);
bool qc_window_fits(const int64_t k[2], const int64_t s[2],
		    const int64_t d[2], const uint16_t pad[4]);

#endif /* LIBACCEL_QCOMPILE_INTERNAL_H */
