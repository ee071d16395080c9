/* SPDX-License-Identifier: MIT */
/*
 * Naive reference implementations of the ENPU ISA operations, written
 * straight from the comments in uapi/drm/enpu_isa.h and independent of the
 * firmware (requantization via exact 128-bit rational arithmetic with
 * explicit tie handling), plus a small command-buffer builder for tests.
 */
#ifndef ENPU_TESTS_FW_REF_H
#define ENPU_TESTS_FW_REF_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <drm/enpu_isa.h>
#include "enpu_fw.h"

/* --- reference arithmetic ---------------------------------------------- */

/* round(acc * mult / 2^(31 + shift)), ties to even or towards +inf. */
int64_t ref_requant(int64_t acc, int32_t mult, int32_t shift, int half_up);
/*
 * Saturate an exact (128-bit) sum to int32 as the ISA requires; counts each
 * value it clamps in ref_stat_saturated, so a test can prove its accumulators
 * really left the int32 range.
 */
int32_t ref_sat32(__int128 v);
extern unsigned long ref_stat_saturated;
/* the full output step: requant, + zp, clamp to [lo, hi] */
int32_t ref_out(int64_t acc32, const struct enpu_quant *q, int32_t zp,
		int32_t lo, int32_t hi, int half_up);

/* --- command-buffer builder -------------------------------------------- */

#define TB_MAX_TENSORS	64
#define TB_MAX_OPS	16
#define TB_MAX_QUANT	4096
#define TB_MAX_SLOTS	4
#define TB_GAP		13	/* bytes left between tensors in a slot */

struct tb {
	struct enpu_tensor t[TB_MAX_TENSORS];
	struct enpu_op o[TB_MAX_OPS];
	struct enpu_quant q[TB_MAX_QUANT];
	unsigned int nt, no, nq, num_slots;
	uint64_t slot_size[TB_MAX_SLOTS];
};

void tb_init(struct tb *b, unsigned int num_slots);
/* Append a tensor at the end of @slot (8-byte aligned, after a gap). */
uint32_t tb_tensor(struct tb *b, uint32_t slot, uint8_t dtype, int32_t zp,
		   unsigned int rank, uint32_t d0, uint32_t d1, uint32_t d2,
		   uint32_t d3);
uint32_t tb_quant(struct tb *b, int32_t mult, int32_t shift, int32_t zp);
/* A zeroed op, operands ENPU_NO_TENSOR, clamp = out's full range. */
struct enpu_op *tb_op(struct tb *b, uint32_t opcode, uint32_t out);
/* Serialize: header, tensors, ops, quants.  malloc()ed; free() it. */
uint8_t *tb_build(const struct tb *b, size_t *size);
/*
 * The kernel variant tb_check() and tb_execute() run (NULL: scalar).  A
 * variant runs with scratch memory, a parallel hook that runs the chunks in
 * reverse order, and the weights of slot 0 packed by its prepare().  With
 * tb_plain set, without the parallel hook and without prepare(): the variant
 * runs its chunks in order here and packs what it needs into the scratch.
 */
extern const struct enpu_fw_kernels *tb_kernels;
extern int tb_plain;
int tb_execute(const void *cb, size_t size, struct enpu_fw_buf *slots,
	       uint32_t num_slots, struct enpu_fw_status *st);
/*
 * The variants a test runs every case with: all this machine runs (scalar
 * first), or the one ENPU_TEST_KERNELS=NAME pins.  0 (after a message)
 * when the pinned one is unknown or this CPU lacks its features.
 */
unsigned int tb_variants(const struct enpu_fw_kernels **vs, unsigned int max);
/* malloc() each slot at exactly its size, filled with a pattern. */
void tb_alloc_slots(const struct tb *b, struct enpu_fw_buf *slots,
		    uint32_t seed);
void tb_free_slots(const struct tb *b, struct enpu_fw_buf *slots);

/* --- tensor access ----------------------------------------------------- */

uint64_t ref_count(const struct enpu_tensor *t);
/* Element @i of tensor @t as its integer value. */
int32_t ref_get(const struct enpu_fw_buf *slots, const struct enpu_tensor *t,
		uint64_t i);
void ref_set(const struct enpu_fw_buf *slots, const struct enpu_tensor *t,
	     uint64_t i, int32_t v);
/* Fill with random values of the dtype (S32: in [-lim, lim]). */
void ref_fill(const struct enpu_fw_buf *slots, const struct enpu_tensor *t,
	      uint32_t *rng, int32_t lim);
uint32_t ref_rand(uint32_t *rng);
int32_t ref_range(uint32_t *rng, int32_t lo, int32_t hi);	/* inclusive */

/* --- reference operations ---------------------------------------------- */

/*
 * Compute the result of op @op of builder @b over @slots into @res (one int32
 * value per output element, in output order).  Returns 0, or -1 when the op
 * is not covered.
 */
int ref_op(const struct tb *b, const struct enpu_op *op,
	   const struct enpu_fw_buf *slots, int32_t *res);

/*
 * Build @b, fill every tensor some op reads with seeded random data (S32
 * within +-@bias_lim), let @prep adjust the inputs, then run the firmware and
 * the reference (op by op, on a copy of the slots) and compare every byte of
 * every slot: results and all bytes the ops must not touch (gaps between
 * tensors hold a pattern; slots are malloc()ed at their exact size so ASan
 * catches overruns past the end).  Returns 0 when identical; prints "# ..."
 * diagnostics otherwise.
 */
/* Reference outputs produced, and how many were not clamped. */
extern unsigned long ref_stat_total, ref_stat_interior;

int tb_check(const struct tb *b, uint32_t seed, int32_t bias_lim,
	     void (*prep)(const struct tb *b, struct enpu_fw_buf *slots,
			  void *arg),
	     void *arg);

#endif /* ENPU_TESTS_FW_REF_H */
