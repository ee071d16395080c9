/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ENPU DRM accel driver: internal interfaces shared by the driver's files.
 */
#ifndef _ENPU_DRV_H_
#define _ENPU_DRV_H_

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>
#include <drm/gpu_scheduler.h>

#include <drm/enpu_accel.h>
#include <drm/enpu_isa.h>
#include "enpu_fw.h"

#define ENPU_DRIVER_NAME	"enpu"
#define ENPU_DRIVER_DESC	"ENPU edge NPU (soft engine)"
#define ENPU_DRIVER_MAJOR	1
#define ENPU_DRIVER_MINOR	0

/* Number of scheduler priorities exposed to userspace (enum drm_enpu_priority). */
#define ENPU_NUM_PRIORITIES	3
/* Jobs a file may have submitted by ioctl and not yet reaped with WAIT. */
#define ENPU_MAX_UNREAPED	65536
/*
 * Jobs a file may have in flight (submitted by ioctl or io_uring and not yet
 * freed); DRM_ENPU_PARAM_MAX_JOBS_IN_FLIGHT reports it.
 */
#define ENPU_MAX_JOBS_IN_FLIGHT	4096
/*
 * io_uring submissions issued with IO_URING_F_NONBLOCK and a command buffer
 * larger than this are punted to io-wq: copying and validating it is long.
 */
#define ENPU_URING_INLINE_MAX	(64u << 10)
/* Processes remembered as banned per device (oldest evicted when full). */
#define ENPU_MAX_BANS		32
/* Worker threads of one soft device at most (module parameter workers=). */
#define ENPU_MAX_WORKERS	64
/* Largest BO accepted by BO_CREATE. */
#define ENPU_MAX_BO_SIZE	(1ull << 30)

/* enpu_debug bits, see enpu_dbg(). */
#define ENPU_DBG_SUBMIT		BIT(0)
#define ENPU_DBG_JOB		BIT(1)
#define ENPU_DBG_URING		BIT(2)

extern unsigned int enpu_debug;

#define enpu_dbg(edev, cat, fmt, ...)					\
	do {								\
		if (enpu_debug & (cat))					\
			drm_dbg_driver(&(edev)->drm, fmt, ##__VA_ARGS__); \
	} while (0)

struct enpu_device;
struct enpu_job;
struct drm_enpu_bo_create;

/**
 * struct enpu_engine_ops - what executes a device's jobs.
 *
 * The scheduler, submission, validation, fences and files are the same for
 * every device (enpu_job.c); only execution differs.  The soft engine
 * (enpu_soft.c) runs jobs on kernel worker threads; the PCI NPU's engine
 * (enpu_pci_engine.c) puts them on the device's ring.
 *
 * @type: &enum drm_enpu_engine_type, reported by DRM_ENPU_PARAM_ENGINE_TYPE.
 * @timeline: name of the engine's fence timeline (a static string).
 * @caps: DRM_ENPU_CAP_* bits the engine supports (DRM_ENPU_PARAM_CAPABILITIES).
 * @kmap_bos: the engine reads the BOs through kernel mappings: a job's BOs
 *	are vmapped at submission into &enpu_job.slots.
 * @bo_create: optional, allocate a BO for BO_CREATE (@args->size > 0, flags
 *	checked) and fill @args->size and @args->handle; NULL: a shmem BO.
 * @prepare: optional, check a validated job against the engine's limits at
 *	submission, before any side effect.  Return: 0 or a negative errno.
 * @run: start a validated, armed job (&drm_sched_backend_ops.run_job).
 *	Return: a new reference to the fence signalled when execution ends
 *	(with the job's error set), or an ERR_PTR.
 * @timedout: the job's timeout expired (&drm_sched_backend_ops.timedout_job):
 *	stop it, reset what has to be reset, ban its context; the engine
 *	still signals the fence @run returned.
 * @reset: abort every running job with the negative errno @err (debugfs
 *	reset).  Return: the number of jobs told to abort.
 * @get_param: the engine's value of DRM_ENPU_PARAM_NUM_ENGINES,
 *	_MEMORY_SIZE and _MAX_BO_SIZE.  Return: 0, or -EINVAL for a param
 *	the engine does not answer.
 * @fini: wait for running jobs and free the engine (after the scheduler).
 */
struct enpu_engine_ops {
	u32 type;
	const char *timeline;
	u64 caps;
	bool kmap_bos;
	int (*bo_create)(struct drm_device *dev, struct drm_file *file,
			 struct drm_enpu_bo_create *args);
	int (*prepare)(struct enpu_job *job);
	struct dma_fence *(*run)(struct enpu_job *job);
	enum drm_gpu_sched_stat (*timedout)(struct enpu_job *job);
	unsigned int (*reset)(struct enpu_device *edev, int err);
	int (*get_param)(struct enpu_device *edev, u32 param, u64 *value);
	void (*fini)(struct enpu_device *edev);
};

/**
 * struct enpu_device - one ENPU device.
 * @drm: the DRM device; embedded, allocated with devm_drm_dev_alloc().
 * @engine: the engine executing the device's jobs, set by its init.
 * @sched: the scheduler feeding the engine.
 * @sched_list: @sched as the one-element list entities are created with.
 * @exec_wq: soft engine worker threads (max_active = @num_workers).
 * @num_workers: jobs the engine runs at once, the scheduler's credit
 *	limit: the soft engine's worker threads, the PCI NPU's command slots.
 * @timeout_ms: per-job timeout.
 * @fence_context: dma_fence context of the engine's hardware fences.
 * @fence_seqno: last hardware fence seqno (each fence has its own lock, so
 *	that a fence outliving the device touches no freed memory).
 * @running_lock: protects @running.
 * @running: jobs currently executing on a worker (enpu_job.run_link).
 * @jobs_in_flight: jobs submitted and not yet freed.
 * @bo_count: live GEM objects of this device.
 * @jobs_done: jobs that completed successfully.
 * @jobs_failed: jobs that completed with an error.
 * @jobs_timedout: jobs aborted by the timeout handler.
 * @resets: engine resets (timeouts and forced resets).
 * @busy_ns: total execution time of all jobs.
 * @ban_lock: protects @bans, @nr_bans and @ban_next.
 * @bans: thread groups (references) a job of which hung: their submissions
 *	fail with -ECANCELED from any file; entries of exited processes are
 *	dropped when the table is scanned.
 * @nr_bans: entries in use in @bans; read without the lock to skip the
 *	scan while nothing is banned.
 * @ban_next: the entry of @bans to evict next when it is full.
 * @kernels: the firmware's kernel variant the engine runs (module
 *	parameter kernels=), NULL for the scalar kernels.
 * @scratch_lock: protects @scratch and @nr_scratch.
 * @scratch: free scratch buffers of the variant kernels, one per worker
 *	(ENPU_FW_SCRATCH_SIZE bytes each, vmalloc()ed); a job takes one
 *	while it runs.
 * @nr_scratch: entries of @scratch free.
 * @scratch_all: every scratch buffer, for enpu_soft_fini().
 */
struct enpu_device {
	struct drm_device drm;
	const struct enpu_engine_ops *engine;
	struct drm_gpu_scheduler sched;
	struct drm_gpu_scheduler *sched_list[1];
	struct workqueue_struct *exec_wq;
	unsigned int num_workers;
	unsigned int timeout_ms;
	u64 fence_context;
	atomic64_t fence_seqno;
	spinlock_t running_lock; /* protects running */
	struct list_head running;
	atomic_t jobs_in_flight;
	atomic_t bo_count;
	atomic64_t jobs_done;
	atomic64_t jobs_failed;
	atomic64_t jobs_timedout;
	atomic64_t resets;
	atomic64_t busy_ns;
	spinlock_t ban_lock; /* protects bans, nr_bans, ban_next */
	struct pid *bans[ENPU_MAX_BANS];
	unsigned int nr_bans;
	unsigned int ban_next;
	const struct enpu_fw_kernels *kernels;
	spinlock_t scratch_lock; /* protects scratch, nr_scratch */
	void *scratch[ENPU_MAX_WORKERS];
	unsigned int nr_scratch;
	void *scratch_all[ENPU_MAX_WORKERS];
};

#define to_enpu_device(dev) container_of(dev, struct enpu_device, drm)

/**
 * struct enpu_file - per open file context.
 * @refcount: the drm_file holds one reference, each job another.
 * @edev: the device.
 * @entity: one scheduler entity per &enum drm_enpu_priority.
 * @submit_lock: serialises job arm + push on the entities.
 * @jobs: job id -> finished fence of ioctl-submitted jobs not yet reaped by
 *	WAIT (xarray's own lock).
 * @next_id: cyclic allocation cursor for @jobs.
 * @unreaped: number of entries in @jobs.
 * @in_flight: jobs of this file submitted and not yet freed, at most
 *	%ENPU_MAX_JOBS_IN_FLIGHT.
 * @banned: set (to a negative errno) once a job of this file hung; later
 *	submissions fail with -ECANCELED (DRM reset guidelines).  The
 *	submitting process is banned too (enpu_device.bans).
 * @busy_ns: execution time of this file's jobs (fdinfo drm-engine-npu).
 */
struct enpu_file {
	struct kref refcount;
	struct enpu_device *edev;
	struct drm_sched_entity entity[ENPU_NUM_PRIORITIES];
	struct mutex submit_lock; /* arm + push order on the entities */
	struct xarray jobs;
	u32 next_id;
	atomic_t unreaped;
	atomic_t in_flight;
	atomic_t banned;
	atomic64_t busy_ns;
};

/**
 * struct enpu_job - one submitted command buffer.
 * @base: scheduler job.
 * @refcount: submitter's reference plus the scheduler's (put in free_job).
 * @edev: the device.
 * @efile: the submitting file's context (a reference).
 * @pid: the submitting thread group (a reference), banned if the job hangs.
 * @cmdbuf: kernel-owned, validated copy of the command buffer.
 * @cmdbuf_size: its size in bytes.
 * @bos: the BOs bound to the slots (references).
 * @slots: their kernel mappings, as the firmware core wants them.
 * @bo_count: entries in @bos and @slots.
 * @mapped: number of leading @bos that are vmapped.
 * @finished: the scheduler's finished fence (a reference), once armed.
 * @hw_fence: the engine fence signalled when execution ends.
 * @work: the soft engine work item.
 * @run_link: on enpu_device.running while executing.
 * @abort: 0, or the negative errno execution must stop with (cancel,
 *	timeout, reset).
 * @deadline: jiffies by which execution must end.
 * @uring_cb: fence callback of an io_uring submission.
 * @uring_cmd: the io_uring command to complete, or NULL.
 * @hw_slot: PCI engine: the command-region slot the job occupies, or -1.
 * @hw_job_id: PCI engine: the sq_entry.job_id the job was queued with.
 * @hw_error: PCI engine: the negative errno the job ended with.
 */
struct enpu_job {
	struct drm_sched_job base;
	struct kref refcount;
	struct enpu_device *edev;
	struct enpu_file *efile;
	struct pid *pid;
	void *cmdbuf;
	u32 cmdbuf_size;
	struct drm_gem_object **bos;
	struct enpu_fw_buf *slots;
	u32 bo_count;
	u32 mapped;
	struct dma_fence *finished;
	struct dma_fence *hw_fence;
	struct work_struct work;
	struct list_head run_link;
	atomic_t abort;
	unsigned long deadline;
	struct dma_fence_cb uring_cb;
	struct io_uring_cmd *uring_cmd;
	int hw_slot;
	u64 hw_job_id;
	int hw_error;
};

#define to_enpu_job(job) container_of(job, struct enpu_job, base)

/* enpu_drv.c */
extern const struct drm_driver enpu_pci_drm_driver;
void enpu_file_put(struct enpu_file *efile);
void enpu_device_init(struct enpu_device *edev, unsigned int credits);
int enpu_device_register(struct enpu_device *edev);
void enpu_device_unregister(struct enpu_device *edev);

/* enpu_gem.c */
struct drm_gem_object *enpu_gem_create_object(struct drm_device *dev,
					      size_t size);
int enpu_ioctl_bo_create(struct drm_device *dev, void *data,
			 struct drm_file *file);
int enpu_ioctl_bo_mmap_offset(struct drm_device *dev, void *data,
			      struct drm_file *file);
int enpu_ioctl_bo_info(struct drm_device *dev, void *data,
		       struct drm_file *file);

/* enpu_job.c */
int enpu_sched_init(struct enpu_device *edev);
void enpu_sched_fini(struct enpu_device *edev);
int enpu_file_sched_init(struct enpu_file *efile);
void enpu_file_sched_fini(struct enpu_file *efile);
struct enpu_job *enpu_submit(struct drm_file *file,
			     const struct drm_enpu_submit *args,
			     bool want_id, u32 *job_id, bool nonblock);
void enpu_job_put(struct enpu_job *job);
struct dma_fence *enpu_hw_fence_create(struct enpu_device *edev);
void enpu_job_ban(struct enpu_job *job, int err);
void enpu_bans_fini(struct enpu_device *edev);
int enpu_ioctl_submit(struct drm_device *dev, void *data,
		      struct drm_file *file);
int enpu_ioctl_wait(struct drm_device *dev, void *data,
		    struct drm_file *file);

/* enpu_pci.c */
int enpu_pci_register(void);
void enpu_pci_unregister(void);

/* enpu_soft.c */
int enpu_soft_select_kernels(const char *name);
int enpu_soft_init(struct enpu_device *edev);

/* enpu_uring.c */
int enpu_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);

/* enpu_debugfs.c */
void enpu_debugfs_init(struct enpu_device *edev);

#endif /* _ENPU_DRV_H_ */
