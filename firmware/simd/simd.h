/* SPDX-License-Identifier: MIT */
/*
 * What the kernel variants share: their tables, the CPU checks, and the
 * helpers every variant uses.  Hosted builds and enpu.ko (x86-64).
 */
#ifndef _ENPU_FW_SIMD_H_
#define _ENPU_FW_SIMD_H_

#include "../fw_internal.h"

extern const struct enpu_fw_kernels fw_kernels_avx2;
extern const struct enpu_fw_kernels fw_kernels_avxvnni;
extern const struct enpu_fw_kernels fw_kernels_avx512bw;
extern const struct enpu_fw_kernels fw_kernels_avx512vnni;
extern const struct enpu_fw_kernels fw_kernels_neon;
extern const struct enpu_fw_kernels fw_kernels_neondot;

int fw_cpu_avx2(void);
int fw_cpu_avxvnni(void);
int fw_cpu_avx512bw(void);
int fw_cpu_avx512vnni(void);
int fw_cpu_neon(void);
int fw_cpu_neondot(void);

/* The variant kernels (name: what it computes, after "__": the variant). */
int enpu_q8_lut__avx2(struct fw_op_ctx *c);

/* Non-zero when tensor @idx of the buffer lives in slot @slot. */
static inline int fw_in_slot(const struct fw_exec *ex, __u32 idx, __u32 slot)
{
	struct enpu_tensor d;

	if (idx == ENPU_NO_TENSOR)
		return 0;
	fw_read_tensor(ex->cb, &ex->hdr, idx, &d);
	return d.slot == slot;
}

/* The scratch memory of this execution, or NULL when smaller than @size. */
static inline void *fw_scratch(const struct fw_op_ctx *c, __u64 size)
{
	const struct enpu_fw_hooks *h = c->ex->hooks;

	return h && h->scratch && h->scratch_size >= size ? h->scratch : NULL;
}

/*
 * Run fn(arg, i) for i in [0, n): on the executor's threads when it gave
 * a parallel hook, else here in order, calling the yield hook (outside the
 * vector register section) between two chunks: an executor without a
 * parallel hook (the kernel) yields at least once per chunk, so a chunk is
 * bounded work (about FW_YIELD_WORK).  An error of the yield hook skips the
 * remaining chunks; the operation then fails with it.
 */
static inline void fw_parallel(const struct fw_op_ctx *c,
			       void (*fn)(void *arg, __u32 i), void *arg,
			       __u32 n)
{
	const struct enpu_fw_hooks *h = c->ex->hooks;
	__u32 i;

	if (h && h->parallel && n > 1) {
		h->parallel(h->ctx, fn, arg, n);
		return;
	}
	for (i = 0; i < n && !c->ex->err; i++) {
		if (i && h && h->yield)
			c->ex->err = fw_yield(c->ex);
		if (!c->ex->err)
			fn(arg, i);
	}
}

/*
 * Work (fw_tick() units) below which an operation runs on the calling
 * thread alone even with a parallel hook: handing chunks to another thread
 * costs about a microsecond (the hand-over and the wait for the last
 * chunk), while 2^16 units are ~8 us of a vector ADD and less of a
 * convolution.
 */
#define FW_PAR_MIN_WORK	(1ULL << 16)

/*
 * fw_parallel() of an operation worth @work in all: in order on this
 * thread when that is too little to share (FW_PAR_MIN_WORK).
 */
static inline void fw_parallel_work(const struct fw_op_ctx *c,
				    void (*fn)(void *arg, __u32 i), void *arg,
				    __u32 n, __u64 work)
{
	__u32 i;

	if (work >= FW_PAR_MIN_WORK || !c->ex->hooks ||
	    !c->ex->hooks->parallel) {
		fw_parallel(c, fn, arg, n);
		return;
	}
	for (i = 0; i < n; i++)
		fn(arg, i);
}

#endif /* _ENPU_FW_SIMD_H_ */
