/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * ENPU firmware core: command-buffer validator, interpreter and int8 kernels.
 *
 * One freestanding source compiled into libaccel's CPU backend, enpu.ko's
 * soft engine and the device firmware.  No libc, no floating point, no
 * allocation, no global mutable state: every function is reentrant and may run
 * on several threads at once for different command buffers.
 *
 * The command buffer format and the semantics of every operation are defined
 * by uapi/drm/enpu_isa.h.
 */
#ifndef _ENPU_FW_H_
#define _ENPU_FW_H_

#include "enpu_fw_types.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define ENPU_FW_VERSION_MAJOR	1
#define ENPU_FW_VERSION_MINOR	0

/* errno values, identical to Linux's, so firmware compiles without libc. */
#define ENPU_FW_E2BIG		7
#define ENPU_FW_ENOMEM		12
#define ENPU_FW_EINVAL		22
#define ENPU_FW_ERANGE		34
#define ENPU_FW_EOVERFLOW	75
#define ENPU_FW_EOPNOTSUPP	95
#define ENPU_FW_ECANCELED	125

/* A set of kernel variants (SIMD), see enpu_fw_kernels_find(). */
struct enpu_fw_kernels;

/**
 * struct enpu_fw_buf - one buffer bound to a slot.
 * @data: first byte of the buffer (may be NULL only when @size is 0).
 * @size: size in bytes.
 */
struct enpu_fw_buf {
	void *data;
	__u64 size;
};

/**
 * struct enpu_fw_status - where validation or execution failed.
 * @op: index of the operation at fault, or %ENPU_NO_TENSOR (0xffffffff).
 * @tensor: index of the tensor at fault, or %ENPU_NO_TENSOR.
 * @msg: static string describing the first problem found ("ok" on success).
 */
struct enpu_fw_status {
	__u32 op;
	__u32 tensor;
	const char *msg;
};

/**
 * struct enpu_fw_hooks - callbacks into the executor's environment.
 * @yield: optional; called between operations and inside every kernel
 *	after about 2^20 multiply-accumulates' worth of work (~1 ms of a
 *	scalar core) whatever the shape: huge pooling windows, one-element
 *	rows, one-byte concatenation moves and long softmax rows included.
 *	enpu_fw_validate_hooked() calls it about every 256 KiB of command
 *	buffer examined.  A non-zero return (a negative errno) aborts
 *	execution or validation, which then returns that value.  The kernel
 *	uses it for cond_resched(), cancellation and timeouts.
 * @ctx: passed to @yield, @parallel, @simd_begin and @simd_end.
 * @kernels: optional; the kernel variant to run (enpu_fw_kernels_find()),
 *	NULL for the portable scalar kernels, which are the reference every
 *	variant is bit-identical to.
 * @scratch: optional working memory for the variant kernels, 64-byte
 *	aligned; a variant kernel that needs more than @scratch_size bytes
 *	runs the scalar kernel instead.  Never shared by two executions at
 *	once.
 * @scratch_size: bytes at @scratch.
 * @parallel: optional; runs fn(arg, i) for every i in [0, n), possibly on
 *	several threads at once, and returns when all have finished.  The
 *	variant kernels split their work with it.  Work run through it does
 *	not call @yield, so executors that need @yield (the kernel) leave it
 *	NULL: the chunks then run in order with @yield between them, so each
 *	chunk must be bounded work (about 2^20 multiply-accumulates).
 * @op_state: optional; @op_state[i] is what enpu_fw_kernels_prepare()
 *	made for operation i (packed weights), or NULL.
 * @num_op_state: entries in @op_state.
 * @simd_begin: optional; called before every call of a variant kernel
 *	(one operation), and @simd_end after it, so that an executor that
 *	must claim the vector registers first (the kernel: kernel_fpu_begin()
 *	and kernel_fpu_end()) can.  The scalar kernels run outside.  @yield
 *	is never called between the two: inside a variant kernel the firmware
 *	calls @simd_end before @yield and @simd_begin after it, so a section
 *	lasts no longer than the work between two yields.
 * @simd_end: optional; see @simd_begin.
 */
struct enpu_fw_hooks {
	int (*yield)(void *ctx);
	void *ctx;
	const struct enpu_fw_kernels *kernels;
	void *scratch;
	__u64 scratch_size;
	void (*parallel)(void *ctx, void (*fn)(void *arg, __u32 i), void *arg,
			 __u32 n);
	void *const *op_state;
	__u32 num_op_state;
	void (*simd_begin)(void *ctx);
	void (*simd_end)(void *ctx);
};

/* Scratch memory the variant kernels run with at best (enpu_fw_hooks). */
#define ENPU_FW_SCRATCH_SIZE	(1u << 20)

/**
 * enpu_fw_validate() - check a command buffer against the bound buffers.
 * @cmdbuf: the command buffer (need not be aligned).
 * @size: bytes readable at @cmdbuf; header.total_size must not exceed it.
 * @slot_sizes: size in bytes of the buffer bound to each slot.
 * @num_slots: number of entries in @slot_sizes; must equal header.num_slots.
 * @st: optional; receives the operation/tensor at fault and a message.
 *
 * One linear pass that trusts no field.  After it succeeds, executing the
 * buffer with buffers of (at least) these sizes never touches memory outside
 * them, whatever the buffers contain.
 *
 * Return: 0, -EINVAL (malformed), -EOVERFLOW (a tensor reaches past its
 * buffer), -E2BIG (a limit is exceeded), -EOPNOTSUPP (unknown version,
 * opcode or dtype).
 */
int enpu_fw_validate(const void *cmdbuf, __u64 size, const __u64 *slot_sizes,
		     __u32 num_slots, struct enpu_fw_status *st);

/**
 * enpu_fw_validate_hooked() - enpu_fw_validate() that yields.
 * @cmdbuf: as for enpu_fw_validate().
 * @size: as for enpu_fw_validate().
 * @slot_sizes: as for enpu_fw_validate().
 * @num_slots: as for enpu_fw_validate().
 * @hooks: optional; @hooks->yield is called after about every 256 KiB of
 *	command buffer (or 1024 records) examined, so that validating a
 *	64 MiB buffer does not hog the CPU.  Its error aborts validation.
 * @st: optional status.
 *
 * Return: as enpu_fw_validate(), or the negative value returned by
 * @hooks->yield.
 */
int enpu_fw_validate_hooked(const void *cmdbuf, __u64 size,
			    const __u64 *slot_sizes, __u32 num_slots,
			    const struct enpu_fw_hooks *hooks,
			    struct enpu_fw_status *st);

/**
 * enpu_fw_execute() - validate, then run every operation in order.
 * @cmdbuf: the command buffer; must not change during the call (the kernel
 *	executes its private, validated copy).
 * @size: bytes readable at @cmdbuf.
 * @slots: the buffers bound to the slots; their contents may change
 *	concurrently without making execution unsafe (results are then
 *	unspecified).
 * @num_slots: number of entries in @slots; must equal header.num_slots.
 * @hooks: optional, see &struct enpu_fw_hooks.
 * @st: optional status, as for enpu_fw_validate().
 *
 * Return: 0, any error of enpu_fw_validate(), or the negative value returned
 * by @hooks->yield.
 */
int enpu_fw_execute(const void *cmdbuf, __u64 size,
		    const struct enpu_fw_buf *slots, __u32 num_slots,
		    const struct enpu_fw_hooks *hooks,
		    struct enpu_fw_status *st);

/**
 * enpu_fw_execute_validated() - run an already validated command buffer.
 * @cmdbuf: a command buffer that enpu_fw_validate() (or _hooked()) accepted
 *	for buffers no larger than @slots' and that has not changed since:
 *	the caller owns a private copy (the kernel's soft engine validates its
 *	copy at submission).  Nothing is checked again.
 * @slots: the buffers, header.num_slots of them, each at least as large as
 *	the size it was validated against; contents may change as for
 *	enpu_fw_execute().
 * @hooks: optional, see &struct enpu_fw_hooks.
 * @st: optional status.
 *
 * Return: 0 or the negative value returned by @hooks->yield.
 */
int enpu_fw_execute_validated(const void *cmdbuf,
			      const struct enpu_fw_buf *slots,
			      const struct enpu_fw_hooks *hooks,
			      struct enpu_fw_status *st);

/**
 * enpu_fw_op_name() - name of an opcode.
 * @opcode: &enum enpu_opcode value.
 *
 * Return: a static string such as "conv2d", or "invalid" when unknown.
 */
const char *enpu_fw_op_name(__u32 opcode);

/*
 * Kernel variants (firmware/simd/, hosted builds only: libaccel and the
 * tests).  Names: "scalar", "avx2", "avx512bw", "avx512vnni", "avxvnni",
 * "neon", "neondot".
 */

/**
 * enpu_fw_kernels_find() - a kernel variant by name.
 * @name: a variant name, or "auto" for enpu_fw_kernels_best().
 *
 * Return: the variant, or NULL when @name is unknown or needs CPU features
 * this machine (or this build) lacks.  "scalar" returns a variant with no
 * overrides.
 */
const struct enpu_fw_kernels *enpu_fw_kernels_find(const char *name);

/* The fastest variant this CPU runs. */
const struct enpu_fw_kernels *enpu_fw_kernels_best(void);

/* The variant's name, "scalar" for NULL. */
const char *enpu_fw_kernels_name(const struct enpu_fw_kernels *k);

/**
 * enpu_fw_kernels_list() - every variant this machine runs, best last.
 * @out: receives up to @max variants ("scalar" first).
 * @max: entries at @out.
 *
 * Return: the number of variants this machine runs (may exceed @max).
 */
__u32 enpu_fw_kernels_list(const struct enpu_fw_kernels **out, __u32 max);

/**
 * enpu_fw_kernels_prepare() - per-operation state for a validated buffer.
 * @k: the variant.
 * @cmdbuf: a validated command buffer.
 * @slots: its buffers; only constant slots (weights) may be read, and
 *	their contents must not change while the state is in use.
 * @const_slot: the slot holding the weights that may be packed.
 * @state: receives header.num_ops entries (NULL where nothing is kept).
 * @alloc: allocates zeroed, 64-byte aligned memory (NULL on failure).
 * @actx: passed to @alloc.
 *
 * Packs weights into the layout the variant's kernels want, once.  The
 * memory is the caller's to free (each non-NULL @state entry is one
 * allocation).
 *
 * Return: 0 or -ENPU_FW_ENOMEM.
 */
int enpu_fw_kernels_prepare(const struct enpu_fw_kernels *k,
			    const void *cmdbuf,
			    const struct enpu_fw_buf *slots, __u32 const_slot,
			    void **state, void *(*alloc)(void *actx, __u64 size),
			    void *actx);

#if defined(__cplusplus)
}
#endif

#endif /* _ENPU_FW_H_ */
