/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * ENPU DRM accel driver userspace interface.
 *
 * Device node: /dev/accel/accelN, DRM driver name "enpu".  Buffers are GEM
 * objects; a job is an ENPU command buffer (see <drm/enpu_isa.h>) plus the
 * buffer objects bound to its slots, submitted by ioctl or by io_uring
 * (IORING_OP_URING_CMD on a ring created with IORING_SETUP_SQE128).
 *
 * Rules of this ABI: every pad, reserved and flags field must be zero (the
 * kernel returns -EINVAL otherwise, so they can be given meaning later);
 * ioctl numbers and parameter ids are append-only and never reused; user
 * pointers travel as __u64; arrays carry an element-size field.
 */
#ifndef _UAPI_DRM_ENPU_ACCEL_H_
#define _UAPI_DRM_ENPU_ACCEL_H_

/*
 * In the kernel, <drm/drm.h> is include/uapi/drm/drm.h; userspace builds
 * find drm.h with `pkg-config --cflags libdrm` (Debian: /usr/include/libdrm).
 */
#ifdef __KERNEL__
#include <drm/drm.h>
#else
#include "drm.h"
#endif

#if defined(__cplusplus)
extern "C" {
#endif

/* Ioctl numbers, relative to DRM_COMMAND_BASE.  Append-only. */
#define DRM_ENPU_GET_PARAM		0x00
#define DRM_ENPU_BO_CREATE		0x01
#define DRM_ENPU_BO_MMAP_OFFSET		0x02
#define DRM_ENPU_BO_INFO		0x03
#define DRM_ENPU_SUBMIT			0x04
#define DRM_ENPU_WAIT			0x05

/**
 * enum drm_enpu_param - values of &drm_enpu_get_param.param.
 * @DRM_ENPU_PARAM_DRIVER_VERSION: driver interface version, major << 16 |
 *	minor.
 * @DRM_ENPU_PARAM_ISA_VERSION: highest command-buffer ISA version accepted,
 *	%ENPU_ISA_VERSION_MAJOR << 16 | %ENPU_ISA_VERSION_MINOR.
 * @DRM_ENPU_PARAM_FW_VERSION: firmware core version, major << 16 | minor.
 * @DRM_ENPU_PARAM_CAPABILITIES: bitmask of %DRM_ENPU_CAP_*.
 * @DRM_ENPU_PARAM_NUM_ENGINES: number of engines (execution units) behind
 *	this device.
 * @DRM_ENPU_PARAM_ENGINE_TYPE: &enum drm_enpu_engine_type.
 * @DRM_ENPU_PARAM_MEMORY_SIZE: bytes of memory buffers can be allocated
 *	from (system RAM for the soft engine).
 * @DRM_ENPU_PARAM_MAX_BO_SIZE: largest size accepted by BO_CREATE, bytes.
 * @DRM_ENPU_PARAM_JOB_TIMEOUT_MS: per-job timeout, milliseconds.
 * @DRM_ENPU_PARAM_MAX_JOBS_IN_FLIGHT: jobs one open file may have in flight
 *	(submitted by ioctl or io_uring and not yet retired: a job retires
 *	shortly after it finishes, once its io_uring CQE is posted; reaping
 *	its id with WAIT is not needed); SUBMIT fails with -EBUSY beyond it.
 *	Kernels without this parameter return -EINVAL.
 */
enum drm_enpu_param {
	DRM_ENPU_PARAM_DRIVER_VERSION = 0,
	DRM_ENPU_PARAM_ISA_VERSION = 1,
	DRM_ENPU_PARAM_FW_VERSION = 2,
	DRM_ENPU_PARAM_CAPABILITIES = 3,
	DRM_ENPU_PARAM_NUM_ENGINES = 4,
	DRM_ENPU_PARAM_ENGINE_TYPE = 5,
	DRM_ENPU_PARAM_MEMORY_SIZE = 6,
	DRM_ENPU_PARAM_MAX_BO_SIZE = 7,
	DRM_ENPU_PARAM_JOB_TIMEOUT_MS = 8,
	DRM_ENPU_PARAM_MAX_JOBS_IN_FLIGHT = 9,
};

/**
 * enum drm_enpu_engine_type - what executes jobs.
 * @DRM_ENPU_ENGINE_SOFT: kernel worker threads running the firmware core.
 * @DRM_ENPU_ENGINE_PCI: an ENPU PCI device.
 */
enum drm_enpu_engine_type {
	DRM_ENPU_ENGINE_SOFT = 0,
	DRM_ENPU_ENGINE_PCI = 1,
};

/** DRM_ENPU_CAP_URING_SUBMIT - SUBMIT works through io_uring URING_CMD. */
#define DRM_ENPU_CAP_URING_SUBMIT	(1ull << 0)
/** DRM_ENPU_CAP_SYNCOBJ - SUBMIT accepts in/out syncobj handles. */
#define DRM_ENPU_CAP_SYNCOBJ		(1ull << 1)
/** DRM_ENPU_CAP_PRIME - BOs can be exported/imported as dma-bufs. */
#define DRM_ENPU_CAP_PRIME		(1ull << 2)
/** DRM_ENPU_CAP_CMDBUF_BO - SUBMIT accepts the command buffer in a BO. */
#define DRM_ENPU_CAP_CMDBUF_BO		(1ull << 3)
/** DRM_ENPU_CAP_PRIORITY - SUBMIT honours &drm_enpu_submit.priority. */
#define DRM_ENPU_CAP_PRIORITY		(1ull << 4)

/**
 * struct drm_enpu_get_param - query a device parameter.
 * @param: Input: &enum drm_enpu_param.  Unknown values return -EINVAL.
 * @pad: Input: must be zero.
 * @value: Output: the parameter's value.
 */
struct drm_enpu_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

/**
 * struct drm_enpu_bo_create - create a GEM buffer object.
 * @size: Input: requested size in bytes, 1..%DRM_ENPU_PARAM_MAX_BO_SIZE.
 *	Output: the actual size, rounded up to the page size.
 * @flags: Input: must be zero.
 * @handle: Output: GEM handle of the new object.
 *
 * The object's memory is zero-filled and mappable through
 * DRM_IOCTL_ENPU_BO_MMAP_OFFSET.  On a soft device (%DRM_ENPU_ENGINE_SOFT)
 * it is CPU-cached system memory; on a PCI NPU (%DRM_ENPU_ENGINE_PCI) it is
 * the device's own memory, mapped write-combined (read it back once, write
 * it sequentially), and creation fails with -E2BIG when @size exceeds
 * %DRM_ENPU_PARAM_MAX_BO_SIZE (the device memory) and with -ENOSPC when no
 * free range of device memory is large enough.  A PCI NPU does not import
 * other devices' buffers (no %DRM_ENPU_CAP_PRIME).
 */
struct drm_enpu_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
};

/**
 * struct drm_enpu_bo_mmap_offset - get the fake offset to mmap a BO.
 * @handle: Input: GEM handle.
 * @flags: Input: must be zero.
 * @offset: Output: pass to mmap() on the device file descriptor.
 */
struct drm_enpu_bo_mmap_offset {
	__u32 handle;
	__u32 flags;
	__u64 offset;
};

/**
 * struct drm_enpu_bo_info - describe a BO.
 * @handle: Input: GEM handle.
 * @flags: Input: must be zero.
 * @size: Output: size in bytes.
 * @mmap_offset: Output: as returned by DRM_IOCTL_ENPU_BO_MMAP_OFFSET.
 */
struct drm_enpu_bo_info {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u64 mmap_offset;
};

/**
 * DRM_ENPU_SUBMIT_CMDBUF_BO - &drm_enpu_submit.flags: the command buffer
 * lies in the BO @cmdbuf_handle at @cmdbuf_offset instead of at the user
 * pointer @cmdbuf_ptr.
 */
#define DRM_ENPU_SUBMIT_CMDBUF_BO	(1u << 0)
/** DRM_ENPU_SUBMIT_FLAGS_ALL - every defined SUBMIT flag. */
#define DRM_ENPU_SUBMIT_FLAGS_ALL	DRM_ENPU_SUBMIT_CMDBUF_BO

/**
 * enum drm_enpu_priority - &drm_enpu_submit.priority.
 * @DRM_ENPU_PRIORITY_NORMAL: default.
 * @DRM_ENPU_PRIORITY_LOW: batch work; runs when nothing else is ready.
 * @DRM_ENPU_PRIORITY_HIGH: latency-sensitive work; runs first.  Needs
 *	CAP_SYS_NICE (it can starve other clients): -EACCES without it.
 */
enum drm_enpu_priority {
	DRM_ENPU_PRIORITY_NORMAL = 0,
	DRM_ENPU_PRIORITY_LOW = 1,
	DRM_ENPU_PRIORITY_HIGH = 2,
};

/**
 * struct drm_enpu_submit - queue one command buffer for execution.
 * @cmdbuf_ptr: Input: user pointer to the command buffer (ignored, must be
 *	zero, with %DRM_ENPU_SUBMIT_CMDBUF_BO).
 * @cmdbuf_offset: Input: byte offset of the command buffer inside
 *	@cmdbuf_handle with %DRM_ENPU_SUBMIT_CMDBUF_BO, else must be zero.
 * @bo_handles: Input: user pointer to an array of @bo_count GEM handles;
 *	element i is bound to the command buffer's buffer slot i.  A BO may
 *	be bound to one slot only (-EINVAL otherwise).
 * @cmdbuf_size: Input: size in bytes of the memory holding the command
 *	buffer, 72..%ENPU_ISA_MAX_SIZE.  The kernel reads the header, then
 *	only the header's total_size bytes (which must not exceed
 *	@cmdbuf_size); the rest is never read.
 * @cmdbuf_handle: Input: BO holding the command buffer with
 *	%DRM_ENPU_SUBMIT_CMDBUF_BO, else must be zero.
 * @bo_count: Input: number of handles, 1..%ENPU_ISA_MAX_SLOTS; must equal
 *	the command buffer's num_slots.
 * @bo_handle_size: Input: size of one element of @bo_handles in bytes; must
 *	be sizeof(__u32) in this version.
 * @in_syncobj: Input: syncobj handle the job waits for, or zero.
 * @out_syncobj: Input: syncobj handle that receives the job's completion
 *	fence, or zero.
 * @flags: Input: %DRM_ENPU_SUBMIT_* bits; others must be zero.
 * @priority: Input: &enum drm_enpu_priority.
 * @job_id: Input: must be zero.  Output (ioctl only): identifies the job
 *	for DRM_IOCTL_ENPU_WAIT.  Over io_uring it is not written and the CQE
 *	carries the result.
 *
 * The command buffer is copied into kernel memory (charged to the
 * submitter's memory cgroup) and validated there against the sizes of the
 * bound BOs before anything is queued; errors:
 * -EINVAL (malformed arguments or command buffer, non-zero @job_id, one BO
 * in two slots), -EOVERFLOW (a tensor or the command buffer reaches past
 * its BO), -E2BIG, -EOPNOTSUPP (see enpu_fw_validate()), -ENOENT (unknown
 * handle), -EFAULT, -ENOMEM, -EACCES (%DRM_ENPU_PRIORITY_HIGH without
 * CAP_SYS_NICE), -ECANCELED (a job of this file, or of any file of the
 * submitting process, hung: the context is banned, DRM reset guidelines;
 * other processes are not affected), -EBUSY (the file has
 * %DRM_ENPU_PARAM_MAX_JOBS_IN_FLIGHT jobs in flight: reap some and retry),
 * -ENOSPC (too many jobs not yet reaped by WAIT), -ENODEV (the device is
 * gone).  A PCI NPU also refuses with -E2BIG a command buffer that does not
 * fit its command-region slot or the firmware's limit.  The same structure is the payload of %DRM_ENPU_URING_CMD_SUBMIT.
 */
struct drm_enpu_submit {
	__u64 cmdbuf_ptr;
	__u64 cmdbuf_offset;
	__u64 bo_handles;
	__u32 cmdbuf_size;
	__u32 cmdbuf_handle;
	__u32 bo_count;
	__u32 bo_handle_size;
	__u32 in_syncobj;
	__u32 out_syncobj;
	__u32 flags;
	__u32 priority;
	__u64 job_id;
};

/**
 * DRM_ENPU_WAIT_BO - &drm_enpu_wait.flags: wait until every job using the
 * BO @handle has finished instead of waiting for @job_id.
 */
#define DRM_ENPU_WAIT_BO		(1u << 0)
/** DRM_ENPU_WAIT_FLAGS_ALL - every defined WAIT flag. */
#define DRM_ENPU_WAIT_FLAGS_ALL		DRM_ENPU_WAIT_BO

/**
 * struct drm_enpu_wait - wait for a job or a BO to become idle.
 * @job_id: Input: from &drm_enpu_submit.job_id; must be zero with
 *	%DRM_ENPU_WAIT_BO.
 * @timeout_ns: Input: absolute CLOCK_MONOTONIC deadline in nanoseconds; a
 *	deadline in the past polls.
 * @handle: Input: BO handle with %DRM_ENPU_WAIT_BO, else must be zero.
 * @flags: Input: %DRM_ENPU_WAIT_* bits; others must be zero.
 * @job_status: Output: 0 when the job succeeded, else its negative errno
 *	(-ETIMEDOUT: it hung, -ECANCELED, -EIO: engine reset ...).  With
 *	%DRM_ENPU_WAIT_BO, the first error among the jobs the BO still
 *	tracks (the last ones that used it), else 0.
 * @pad: must be zero.
 *
 * Return: 0 once finished (for a job, the id is then released: waiting on
 * it again returns -ENOENT), -ETIME when the deadline passes first, -ENOENT
 * for an unknown id or handle, -EINTR/-ERESTARTSYS on a signal, -ENODEV
 * when the device is gone.
 */
struct drm_enpu_wait {
	__u64 job_id;
	__s64 timeout_ns;
	__u32 handle;
	__u32 flags;
	__s32 job_status;
	__u32 pad;
};

/*
 * io_uring commands: IORING_OP_URING_CMD with sqe->cmd_op set to one of
 * these, on a ring created with IORING_SETUP_SQE128.  The payload struct
 * lies in the SQE's command area (80 bytes); the bytes after it must be
 * zero (-EINVAL).  The CQE's res is the job's result: 0, or a negative
 * errno as for the ioctl and the job's status (-ETIMEDOUT for a job that
 * hung, -ECANCELED when canceled).  Issued inline or from the SQPOLL
 * thread, a submission that would sleep on a lock, or whose command buffer
 * is large, continues in an io_uring worker thread: the result is the same.
 */
/** DRM_ENPU_URING_CMD_SUBMIT - payload &struct drm_enpu_submit. */
#define DRM_ENPU_URING_CMD_SUBMIT	0x00

#define DRM_IOCTL_ENPU_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_GET_PARAM, struct drm_enpu_get_param)
#define DRM_IOCTL_ENPU_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_BO_CREATE, struct drm_enpu_bo_create)
#define DRM_IOCTL_ENPU_BO_MMAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_BO_MMAP_OFFSET, \
		 struct drm_enpu_bo_mmap_offset)
#define DRM_IOCTL_ENPU_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_BO_INFO, struct drm_enpu_bo_info)
#define DRM_IOCTL_ENPU_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_SUBMIT, struct drm_enpu_submit)
#define DRM_IOCTL_ENPU_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_WAIT, struct drm_enpu_wait)

#if defined(__cplusplus)
#define ENPU_ACCEL_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define ENPU_ACCEL_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

ENPU_ACCEL_STATIC_ASSERT(sizeof(struct drm_enpu_get_param) == 16,
			 "drm_enpu_get_param is 16 bytes");
ENPU_ACCEL_STATIC_ASSERT(sizeof(struct drm_enpu_bo_create) == 16,
			 "drm_enpu_bo_create is 16 bytes");
ENPU_ACCEL_STATIC_ASSERT(sizeof(struct drm_enpu_bo_mmap_offset) == 16,
			 "drm_enpu_bo_mmap_offset is 16 bytes");
ENPU_ACCEL_STATIC_ASSERT(sizeof(struct drm_enpu_bo_info) == 24,
			 "drm_enpu_bo_info is 24 bytes");
ENPU_ACCEL_STATIC_ASSERT(sizeof(struct drm_enpu_submit) == 64,
			 "drm_enpu_submit is 64 bytes and fits an SQE128 cmd");
ENPU_ACCEL_STATIC_ASSERT(sizeof(struct drm_enpu_wait) == 32,
			 "drm_enpu_wait is 32 bytes");

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_DRM_ENPU_ACCEL_H_ */
