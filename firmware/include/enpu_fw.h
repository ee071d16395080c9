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
#define ENPU_FW_EINVAL		22
#define ENPU_FW_ERANGE		34
#define ENPU_FW_EOVERFLOW	75
#define ENPU_FW_EOPNOTSUPP	95
#define ENPU_FW_ECANCELED	125

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
 * @ctx: passed to @yield.
 */
struct enpu_fw_hooks {
	int (*yield)(void *ctx);
	void *ctx;
};

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

#if defined(__cplusplus)
}
#endif

#endif /* _ENPU_FW_H_ */
