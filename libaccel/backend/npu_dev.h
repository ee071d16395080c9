/* SPDX-License-Identifier: MIT */
/*
 * NPU backend: an ENPU device (/dev/accel/accelN, DRM driver "enpu") driven
 * through enpu.ko's uapi.  Buffer objects are mmapped so the edge
 * conversions write straight into the memory the device reads; jobs go to
 * the kernel by io_uring (IORING_OP_URING_CMD on an SQE128 ring, optionally
 * with SQPOLL) or, for comparison, by the SUBMIT/WAIT ioctls.
 *
 * Locking: none inside; the caller serialises every call on one struct
 * npu_dev with accel_ctx.lock (see backend/backend.h).
 */
#ifndef LIBACCEL_NPU_H
#define LIBACCEL_NPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct accel_device_info;

/* How jobs reach the kernel. */
enum npu_submit_mode {
	NPU_SUBMIT_URING = 0,	/* io_uring URING_CMD, one enter per batch */
	NPU_SUBMIT_SQPOLL = 1,	/* io_uring with a kernel SQ polling thread */
	NPU_SUBMIT_IOCTL = 2,	/* DRM_IOCTL_ENPU_SUBMIT + _WAIT per job */
};

struct npu_caps {
	uint32_t driver_version;
	uint32_t isa_version;
	uint32_t fw_version;
	uint64_t caps;
	uint32_t num_engines;
	uint32_t engine_type;
	uint64_t memory_size;
	uint64_t max_bo_size;
	uint32_t timeout_ms;
};

/* A mapped buffer object. */
struct npu_bo {
	uint32_t handle;
	void *map;
	size_t size;
};

/*
 * One job in flight.  The owner fills @handles/@n_handles and the command
 * buffer fields; npu_* sets @status and @done when the job completes.
 */
struct npu_job {
	uint32_t handles[64];
	uint32_t n_handles;
	uint32_t cmdbuf_handle;	/* 0: the command buffer is at @cmdbuf_ptr */
	uint32_t cmdbuf_size;
	const void *cmdbuf_ptr;
	uint64_t job_id;	/* ioctl path */
	struct npu_job *next;	/* ioctl path: FIFO of jobs awaiting WAIT */
	int status;
	bool done;
};

struct npu_stats {
	uint64_t ioctls;
	uint64_t uring_enters;
	uint64_t submitted;
	uint64_t completed;
};

struct npu_dev;

/*
 * Describe /dev/accel/accel@index into @info (kind NPU); returns -ENOENT when
 * the node does not exist.  info->usable is 0 when libaccel can use it, else
 * a negative errno with the reason in info->why.
 */
int npu_probe(int index, struct accel_device_info *info);

/*
 * Open the first usable ENPU device (or /dev/accel/accel@index when
 * @index >= 0) with @mode submission and a ring of @depth entries.
 */
int npu_open(int index, enum npu_submit_mode mode, unsigned int depth,
	     struct npu_dev **out, struct accel_err *e);
void npu_close(struct npu_dev *d);
const struct npu_caps *npu_caps(const struct npu_dev *d);
const char *npu_path(const struct npu_dev *d);
enum npu_submit_mode npu_mode(const struct npu_dev *d);
/* The device takes the command buffer from a BO (uploaded once). */
bool npu_cmdbuf_in_bo(const struct npu_dev *d);
void npu_get_stats(const struct npu_dev *d, struct npu_stats *s);

int npu_bo_alloc(struct npu_dev *d, size_t size, struct npu_bo *bo,
		 struct accel_err *e);
void npu_bo_free(struct npu_dev *d, struct npu_bo *bo);

/*
 * Queue @job.  io_uring: the SQE is only queued (flushed by npu_flush() or
 * npu_reap()), unless the SQ is full.  ioctl: submitted at once.  On failure
 * the job is not queued.
 */
int npu_queue(struct npu_dev *d, struct npu_job *job, struct accel_err *e);
/* Push queued SQEs to the kernel (one io_uring_enter; none with SQPOLL). */
int npu_flush(struct npu_dev *d);
/*
 * Complete jobs: marks each completed job done with its status and calls
 * @cb(job, arg) for it.  Blocks until at least @min jobs completed (0 polls).
 * Returns the number of jobs completed or a negative errno.
 */
int npu_reap(struct npu_dev *d, unsigned int min,
	     void (*cb)(struct npu_job *job, void *arg), void *arg);
/* Jobs queued or submitted and not yet reaped. */
unsigned int npu_inflight(const struct npu_dev *d);

#endif /* LIBACCEL_NPU_H */
