// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENPU job submission: copy and validate the command buffer, bind BOs,
 * schedule with drm_sched (one entity per file and priority), fences,
 * syncobjs, WAIT.
 */
#include <linux/capability.h>
#include <linux/dma-resv.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_utils.h>

#include "enpu_drv.h"
#include "enpu_trace.h"

/*
 * Compat: keyed on what the kernel headers provide (Kbuild greps them), not
 * on version numbers.
 */
static int enpu_sched_job_init(struct drm_sched_job *job,
			       struct drm_sched_entity *entity, void *owner,
			       struct drm_file *file)
{
#ifdef ENPU_HAVE_SCHED_JOB_CLIENT_ID
	return drm_sched_job_init(job, entity, 1, owner, file->client_id);
#else
	return drm_sched_job_init(job, entity, 1, owner);
#endif
}

static const enum drm_sched_priority enpu_prio_map[ENPU_NUM_PRIORITIES] = {
	[DRM_ENPU_PRIORITY_NORMAL] = DRM_SCHED_PRIORITY_NORMAL,
	[DRM_ENPU_PRIORITY_LOW] = DRM_SCHED_PRIORITY_LOW,
	[DRM_ENPU_PRIORITY_HIGH] = DRM_SCHED_PRIORITY_HIGH,
};

static void enpu_job_release(struct kref *kref)
{
	struct enpu_job *job = container_of(kref, struct enpu_job, refcount);
	struct enpu_device *edev = job->edev;
	u32 i;

	for (i = 0; i < job->mapped; i++) {
		struct iosys_map map = IOSYS_MAP_INIT_VADDR(job->slots[i].data);

		drm_gem_vunmap_unlocked(job->bos[i], &map);
	}
	if (job->bos) {
		for (i = 0; i < job->bo_count; i++)
			if (job->bos[i])
				drm_gem_object_put(job->bos[i]);
		kvfree(job->bos);
	}
	kfree(job->slots);
	kvfree(job->cmdbuf);
	if (job->hw_fence)
		dma_fence_put(job->hw_fence);
	if (job->finished)
		dma_fence_put(job->finished);
	put_pid(job->pid);
	atomic_dec(&job->efile->in_flight);
	enpu_file_put(job->efile);
	atomic_dec(&edev->jobs_in_flight);
	kfree(job);
}

/**
 * struct enpu_fence - a hardware fence of an engine.
 * @base: the fence; first member, so the default release frees the whole.
 * @lock: the fence's lock.  Its own, not the device's: a fence can outlive
 *	the device (a sync_file or another driver holds it).
 * @timeline: the engine's timeline name (static).
 */
struct enpu_fence {
	struct dma_fence base;
	spinlock_t lock; /* protects base (dma_fence_init) */
	const char *timeline;
};

static_assert(offsetof(struct enpu_fence, base) == 0);

static const char *enpu_fence_get_driver_name(struct dma_fence *fence)
{
	return ENPU_DRIVER_NAME;
}

static const char *enpu_fence_get_timeline_name(struct dma_fence *fence)
{
	return container_of(fence, struct enpu_fence, base)->timeline;
}

static const struct dma_fence_ops enpu_fence_ops = {
	.get_driver_name = enpu_fence_get_driver_name,
	.get_timeline_name = enpu_fence_get_timeline_name,
};

/**
 * enpu_hw_fence_create() - a new hardware fence on the device's timeline.
 * @edev: the device.
 *
 * Return: the fence (one reference), or NULL when out of memory.
 */
struct dma_fence *enpu_hw_fence_create(struct enpu_device *edev)
{
	struct enpu_fence *efence;

	efence = kzalloc(sizeof(*efence), GFP_KERNEL);
	if (!efence)
		return NULL;
	spin_lock_init(&efence->lock);
	efence->timeline = edev->engine->timeline;
	dma_fence_init(&efence->base, &enpu_fence_ops, &efence->lock,
		       edev->fence_context,
		       atomic64_inc_return(&edev->fence_seqno));
	return &efence->base;
}

/**
 * enpu_job_put() - drop a reference to a job.
 * @job: the job; freed with its BO references and mappings on the last put.
 */
void enpu_job_put(struct enpu_job *job)
{
	kref_put(&job->refcount, enpu_job_release);
}

/*
 * Hang bans follow the process, not the file: a process whose job hung
 * gets -ECANCELED from every file it opens on the device, so reopening the
 * device does not escape the ban, while other processes are not affected.
 * The table holds a reference to each banned thread group's struct pid (never
 * reused while held, so a new process with the same number is not banned);
 * entries of processes that have exited are dropped whenever the table is
 * scanned, and when it is full the oldest entry makes room.
 */
static bool enpu_ban_alive(struct pid *pid)
{
	return pid_has_task(pid, PIDTYPE_TGID);
}

/* Drop the entries of exited processes; ban_lock held. */
static void enpu_bans_prune(struct enpu_device *edev)
{
	unsigned int i;

	lockdep_assert_held(&edev->ban_lock);
	for (i = 0; i < ENPU_MAX_BANS; i++) {
		if (edev->bans[i] && !enpu_ban_alive(edev->bans[i])) {
			put_pid(edev->bans[i]);
			edev->bans[i] = NULL;
			WRITE_ONCE(edev->nr_bans, edev->nr_bans - 1);
		}
	}
}

static bool enpu_pid_banned(struct enpu_device *edev, struct pid *pid)
{
	bool banned = false;
	unsigned int i;

	if (!READ_ONCE(edev->nr_bans))
		return false;
	spin_lock(&edev->ban_lock);
	enpu_bans_prune(edev);
	for (i = 0; i < ENPU_MAX_BANS && !banned; i++)
		banned = edev->bans[i] == pid;
	spin_unlock(&edev->ban_lock);
	return banned;
}

static void enpu_ban_pid(struct enpu_device *edev, struct pid *pid)
{
	unsigned int i, slot = ENPU_MAX_BANS;

	spin_lock(&edev->ban_lock);
	enpu_bans_prune(edev);
	for (i = 0; i < ENPU_MAX_BANS; i++) {
		if (edev->bans[i] == pid)
			goto out_unlock;
		if (!edev->bans[i] && slot == ENPU_MAX_BANS)
			slot = i;
	}
	if (slot == ENPU_MAX_BANS) {
		slot = edev->ban_next;
		edev->ban_next = (slot + 1) % ENPU_MAX_BANS;
		put_pid(edev->bans[slot]);
	} else {
		WRITE_ONCE(edev->nr_bans, edev->nr_bans + 1);
	}
	edev->bans[slot] = get_pid(pid);
out_unlock:
	spin_unlock(&edev->ban_lock);
}

/**
 * enpu_job_ban() - ban a hung job's context: its file and its process.
 * @job: the job that hung.
 * @err: the negative errno it failed with.
 */
void enpu_job_ban(struct enpu_job *job, int err)
{
	atomic_cmpxchg(&job->efile->banned, 0, err);
	enpu_ban_pid(job->edev, job->pid);
}

/**
 * enpu_bans_fini() - forget every banned process.
 * @edev: the device; no job may be left.
 */
void enpu_bans_fini(struct enpu_device *edev)
{
	unsigned int i;

	for (i = 0; i < ENPU_MAX_BANS; i++) {
		put_pid(edev->bans[i]);
		edev->bans[i] = NULL;
	}
	edev->nr_bans = 0;
}

static struct dma_fence *enpu_sched_run_job(struct drm_sched_job *sched_job)
{
	struct enpu_job *job = to_enpu_job(sched_job);
	int abort;

	/* Entity killed (file closed) or dependency failed: do not run. */
	if (unlikely(sched_job->s_fence->finished.error))
		return NULL;
	abort = atomic_read(&job->abort);
	if (unlikely(abort))
		return ERR_PTR(abort);

	return job->edev->engine->run(job);
}

static enum drm_gpu_sched_stat
enpu_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct enpu_job *job = to_enpu_job(sched_job);

	trace_enpu_job_timeout(sched_job->s_fence->finished.context,
			       sched_job->s_fence->finished.seqno, -ETIMEDOUT);
	return job->edev->engine->timedout(job);
}

static void enpu_sched_free_job(struct drm_sched_job *sched_job)
{
	struct enpu_job *job = to_enpu_job(sched_job);

	drm_sched_job_cleanup(sched_job);
	/* The scheduler's reference, taken before drm_sched_entity_push_job. */
	enpu_job_put(job);
}

static const struct drm_sched_backend_ops enpu_sched_ops = {
	.run_job = enpu_sched_run_job,
	.timedout_job = enpu_sched_timedout_job,
	.free_job = enpu_sched_free_job,
};

/**
 * enpu_sched_init() - create the device's scheduler.
 * @edev: the device; num_workers and timeout_ms set.
 *
 * Return: 0 or a negative errno.
 */
int enpu_sched_init(struct enpu_device *edev)
{
	long timeout = msecs_to_jiffies(edev->timeout_ms);
	int ret;

#ifdef ENPU_HAVE_SCHED_INIT_ARGS
	const struct drm_sched_init_args args = {
		.ops = &enpu_sched_ops,
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
		.credit_limit = edev->num_workers,
		.timeout = timeout,
		.name = dev_name(edev->drm.dev),
		.dev = edev->drm.dev,
	};

	ret = drm_sched_init(&edev->sched, &args);
#else
	ret = drm_sched_init(&edev->sched, &enpu_sched_ops, NULL,
			     DRM_SCHED_PRIORITY_COUNT, edev->num_workers, 0,
			     timeout, NULL, NULL, dev_name(edev->drm.dev),
			     edev->drm.dev);
#endif
	if (ret)
		return ret;
	edev->sched_list[0] = &edev->sched;
	return 0;
}

/**
 * enpu_sched_fini() - tear down the scheduler.
 * @edev: the device; no file may be open.
 */
void enpu_sched_fini(struct enpu_device *edev)
{
	drm_sched_fini(&edev->sched);
}

/**
 * enpu_file_sched_init() - create a file's entities, one per priority.
 * @efile: the file context.
 *
 * Return: 0 or a negative errno.
 */
int enpu_file_sched_init(struct enpu_file *efile)
{
	struct enpu_device *edev = efile->edev;
	int i, ret;

	for (i = 0; i < ENPU_NUM_PRIORITIES; i++) {
		ret = drm_sched_entity_init(&efile->entity[i], enpu_prio_map[i],
					    edev->sched_list, 1, NULL);
		if (ret)
			goto err_destroy;
	}
	return 0;

err_destroy:
	while (--i >= 0)
		drm_sched_entity_destroy(&efile->entity[i]);
	return ret;
}

/**
 * enpu_file_sched_fini() - flush and destroy a file's entities.
 * @efile: the file context.
 */
void enpu_file_sched_fini(struct enpu_file *efile)
{
	int i;

	for (i = 0; i < ENPU_NUM_PRIORITIES; i++)
		drm_sched_entity_destroy(&efile->entity[i]);
}

static int enpu_check_submit_args(struct drm_device *dev,
				  const struct drm_enpu_submit *args)
{
	if (args->flags & ~DRM_ENPU_SUBMIT_FLAGS_ALL) {
		drm_dbg(dev, "submit: unknown flags %#x\n", args->flags);
		return -EINVAL;
	}
	if (args->priority >= ENPU_NUM_PRIORITIES) {
		drm_dbg(dev, "submit: bad priority %u\n", args->priority);
		return -EINVAL;
	}
	/* HIGH can starve everyone else: the same rule as amdgpu. */
	if (args->priority == DRM_ENPU_PRIORITY_HIGH &&
	    !capable(CAP_SYS_NICE)) {
		drm_dbg(dev, "submit: HIGH priority needs CAP_SYS_NICE\n");
		return -EACCES;
	}
	if (args->bo_handle_size != sizeof(u32)) {
		drm_dbg(dev, "submit: bo_handle_size %u\n",
			args->bo_handle_size);
		return -EINVAL;
	}
	if (!args->bo_count || args->bo_count > ENPU_ISA_MAX_SLOTS) {
		drm_dbg(dev, "submit: bo_count %u\n", args->bo_count);
		return -EINVAL;
	}
	if (args->cmdbuf_size < sizeof(struct enpu_cmdbuf_header) ||
	    args->cmdbuf_size > ENPU_ISA_MAX_SIZE) {
		drm_dbg(dev, "submit: cmdbuf_size %u\n", args->cmdbuf_size);
		return -EINVAL;
	}
	if (args->flags & DRM_ENPU_SUBMIT_CMDBUF_BO) {
		if (args->cmdbuf_ptr) {
			drm_dbg(dev, "submit: cmdbuf_ptr with CMDBUF_BO\n");
			return -EINVAL;
		}
	} else if (args->cmdbuf_handle || args->cmdbuf_offset) {
		drm_dbg(dev, "submit: cmdbuf_handle/offset without CMDBUF_BO\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * Map a BO into the kernel.  With @nonblock (io_uring inline issue) the
 * reservation lock is only tried: -EAGAIN punts the command to io-wq.
 */
static int enpu_bo_vmap(struct drm_gem_object *obj, struct iosys_map *map,
			bool nonblock)
{
	int ret;

	if (!nonblock)
		return drm_gem_vmap_unlocked(obj, map);
	if (!obj->funcs->vmap)
		return -EOPNOTSUPP;
	if (!dma_resv_trylock(obj->resv))
		return -EAGAIN;
	/* What drm_gem_vmap_unlocked() calls, under the lock just taken. */
	ret = obj->funcs->vmap(obj, map);
	dma_resv_unlock(obj->resv);
	return ret;
}

/*
 * Bytes of a command buffer to copy: what its header declares, when that
 * fits the submitted size, so a job pins no more kernel memory than its
 * command buffer needs.  A header declaring an impossible size is copied
 * alone and the validator rejects it with its usual errno.
 */
static u32 enpu_cmdbuf_copy_size(const struct enpu_cmdbuf_header *h,
				 u32 cmdbuf_size)
{
	if (h->total_size < sizeof(*h) || h->total_size > cmdbuf_size)
		return sizeof(*h);
	return h->total_size;
}

static int enpu_copy_cmdbuf(struct drm_file *file, struct enpu_job *job,
			    const struct drm_enpu_submit *args, bool nonblock)
{
	struct drm_device *dev = file->minor->dev;
	struct enpu_cmdbuf_header h;
	struct drm_gem_object *obj;
	struct iosys_map map;
	void __user *uptr;
	const u8 *src;
	u64 end;
	u32 size;
	int ret;

	if (!(args->flags & DRM_ENPU_SUBMIT_CMDBUF_BO)) {
		uptr = u64_to_user_ptr(args->cmdbuf_ptr);
		if (copy_from_user(&h, uptr, sizeof(h)))
			return -EFAULT;
		size = enpu_cmdbuf_copy_size(&h, args->cmdbuf_size);
		/* Charged to the submitter's memory cgroup. */
		job->cmdbuf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
		if (!job->cmdbuf)
			return -ENOMEM;
		/*
		 * The header is read again: the validator checks the copy's
		 * total_size against the size copied.
		 */
		if (copy_from_user(job->cmdbuf, uptr, size))
			return -EFAULT;
		job->cmdbuf_size = size;
		return 0;
	}

	obj = drm_gem_object_lookup(file, args->cmdbuf_handle);
	if (!obj) {
		drm_dbg(dev, "submit: no cmdbuf BO %u\n", args->cmdbuf_handle);
		return -ENOENT;
	}
	if (check_add_overflow(args->cmdbuf_offset, (u64)args->cmdbuf_size,
			       &end) || end > obj->size) {
		drm_dbg(dev, "submit: cmdbuf reaches past its BO\n");
		ret = -EOVERFLOW;
		goto err_put_obj;
	}
	ret = enpu_bo_vmap(obj, &map, nonblock);
	if (ret)
		goto err_put_obj;
	src = (const u8 *)map.vaddr + args->cmdbuf_offset;
	memcpy(&h, src, sizeof(h));
	size = enpu_cmdbuf_copy_size(&h, args->cmdbuf_size);
	job->cmdbuf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (job->cmdbuf) {
		memcpy(job->cmdbuf, src, size);
		job->cmdbuf_size = size;
	} else {
		ret = -ENOMEM;
	}
	drm_gem_vunmap_unlocked(obj, &map);
err_put_obj:
	drm_gem_object_put(obj);
	return ret;
}

/* A 64 MiB command buffer takes tens of ms to validate: let others run. */
static int enpu_validate_yield(void *ctx)
{
	cond_resched();
	return 0;
}

/*
 * One BO bound to two slots would alias two tensors the validator checks
 * as disjoint buffers: refuse it.
 */
static int enpu_check_unique_bos(struct drm_device *dev, struct enpu_job *job)
{
	u32 i, j;

	for (i = 1; i < job->bo_count; i++) {
		for (j = 0; j < i; j++) {
			if (job->bos[i] == job->bos[j]) {
				drm_dbg(dev, "submit: slots %u and %u bind the same BO\n",
					j, i);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/*
 * Validate the kernel's private copy once, at submission; the engine runs
 * it with enpu_fw_execute_validated().
 */
static int enpu_validate_job(struct drm_device *dev, struct enpu_job *job)
{
	static const struct enpu_fw_hooks hooks = {
		.yield = enpu_validate_yield,
	};
	struct enpu_fw_status st;
	u64 *sizes;
	u32 i;
	int ret;

	sizes = kcalloc(job->bo_count, sizeof(*sizes), GFP_KERNEL);
	if (!sizes)
		return -ENOMEM;
	for (i = 0; i < job->bo_count; i++)
		sizes[i] = job->bos[i]->size;

	ret = enpu_fw_validate_hooked(job->cmdbuf, job->cmdbuf_size, sizes,
				      job->bo_count, &hooks, &st);
	if (ret)
		drm_dbg(dev, "submit: command buffer rejected (%d): op %d tensor %d: %s\n",
			ret, (int)st.op, (int)st.tensor, st.msg);
	kfree(sizes);
	return ret;
}

static int enpu_map_bos(struct enpu_job *job, bool nonblock)
{
	struct iosys_map map;
	int ret;

	job->slots = kcalloc(job->bo_count, sizeof(*job->slots),
			     GFP_KERNEL_ACCOUNT);
	if (!job->slots)
		return -ENOMEM;

	for (job->mapped = 0; job->mapped < job->bo_count; job->mapped++) {
		struct drm_gem_object *obj = job->bos[job->mapped];

		ret = enpu_bo_vmap(obj, &map, nonblock);
		if (ret)
			return ret;
		if (WARN_ON_ONCE(map.is_iomem)) {
			drm_gem_vunmap_unlocked(obj, &map);
			return -EINVAL;
		}
		job->slots[job->mapped].data = map.vaddr;
		job->slots[job->mapped].size = obj->size;
	}
	return 0;
}

/*
 * Implicit synchronisation: the job waits for earlier jobs using the same
 * BOs and publishes its own fence in each BO's reservation object, which is
 * what WAIT with DRM_ENPU_WAIT_BO (and dma-buf importers) wait on.
 */
static int enpu_trylock_bos(struct enpu_job *job, struct ww_acquire_ctx *ctx)
{
	u32 i;

	ww_acquire_init(ctx, &reservation_ww_class);
	for (i = 0; i < job->bo_count; i++) {
		if (!ww_mutex_trylock(&job->bos[i]->resv->lock, ctx)) {
			while (i--)
				dma_resv_unlock(job->bos[i]->resv);
			ww_acquire_fini(ctx);
			return -EAGAIN;
		}
	}
	ww_acquire_done(ctx);
	return 0;
}

static int enpu_lock_bos(struct enpu_job *job, struct ww_acquire_ctx *ctx,
			 bool nonblock)
{
	u32 i;
	int ret;

	if (nonblock)
		ret = enpu_trylock_bos(job, ctx);
	else
		ret = drm_gem_lock_reservations(job->bos, job->bo_count, ctx);
	if (ret)
		return ret;
	for (i = 0; i < job->bo_count; i++) {
		ret = dma_resv_reserve_fences(job->bos[i]->resv, 1);
		if (ret)
			goto err_unlock;
		ret = drm_sched_job_add_implicit_dependencies(&job->base,
							      job->bos[i],
							      true);
		if (ret)
			goto err_unlock;
	}
	return 0;

err_unlock:
	drm_gem_unlock_reservations(job->bos, job->bo_count, ctx);
	return ret;
}

/**
 * enpu_submit() - validate and queue one job.
 * @file: the submitting file.
 * @args: the request, already copied into kernel memory.
 * @want_id: allocate a job id for WAIT (the ioctl path).
 * @job_id: receives the id when @want_id.
 * @nonblock: do not sleep on a contended lock (io_uring's
 *	IO_URING_F_NONBLOCK): fail with -EAGAIN instead.
 *
 * Every argument is checked and the command buffer copied and validated
 * before any side effect.  The caller holds drm_dev_enter().
 *
 * Return: the job with one reference for the caller, or an ERR_PTR.
 */
struct enpu_job *enpu_submit(struct drm_file *file,
			     const struct drm_enpu_submit *args,
			     bool want_id, u32 *job_id, bool nonblock)
{
	struct drm_device *dev = file->minor->dev;
	struct enpu_device *edev = to_enpu_device(dev);
	struct enpu_file *efile = file->driver_priv;
	struct drm_syncobj *out_sync = NULL;
	struct ww_acquire_ctx acquire_ctx;
	struct enpu_job *job;
	u32 id = 0;
	int ret;

	ret = enpu_check_submit_args(dev, args);
	if (ret)
		return ERR_PTR(ret);
	if (atomic_read(&efile->banned) ||
	    enpu_pid_banned(edev, task_tgid(current))) {
		drm_dbg(dev, "submit: context banned after a hang\n");
		return ERR_PTR(-ECANCELED);
	}
	if (atomic_inc_return(&efile->in_flight) > ENPU_MAX_JOBS_IN_FLIGHT) {
		atomic_dec(&efile->in_flight);
		drm_dbg(dev, "submit: too many jobs in flight\n");
		return ERR_PTR(-EBUSY);
	}

	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job) {
		atomic_dec(&efile->in_flight);
		return ERR_PTR(-ENOMEM);
	}
	/* From here on enpu_job_release() undoes everything. */
	kref_init(&job->refcount);
	job->edev = edev;
	job->efile = efile;
	kref_get(&efile->refcount);
	job->pid = get_task_pid(current, PIDTYPE_TGID);
	INIT_LIST_HEAD(&job->run_link);
	job->hw_slot = -1;
	atomic_inc(&edev->jobs_in_flight);

	ret = enpu_copy_cmdbuf(file, job, args, nonblock);
	if (ret)
		goto err_put_job;

	job->bo_count = args->bo_count;
	ret = drm_gem_objects_lookup(file, u64_to_user_ptr(args->bo_handles),
				     args->bo_count, &job->bos);
	if (ret) {
		drm_dbg(dev, "submit: BO handle lookup failed (%d)\n", ret);
		goto err_put_job;
	}
	ret = enpu_check_unique_bos(dev, job);
	if (ret)
		goto err_put_job;

	ret = enpu_validate_job(dev, job);
	if (ret)
		goto err_put_job;
	if (edev->engine->prepare) {
		ret = edev->engine->prepare(job);
		if (ret)
			goto err_put_job;
	}

	if (args->out_syncobj) {
		out_sync = drm_syncobj_find(file, args->out_syncobj);
		if (!out_sync) {
			drm_dbg(dev, "submit: no out syncobj %u\n",
				args->out_syncobj);
			ret = -ENOENT;
			goto err_put_job;
		}
	}

	if (edev->engine->kmap_bos) {
		ret = enpu_map_bos(job, nonblock);
		if (ret)
			goto err_put_sync;
	}

	if (want_id) {
		if (atomic_inc_return(&efile->unreaped) > ENPU_MAX_UNREAPED) {
			atomic_dec(&efile->unreaped);
			drm_dbg(dev, "submit: too many jobs not reaped by WAIT\n");
			ret = -ENOSPC;
			goto err_put_sync;
		}
		/* Reserve the id now so nothing can fail after arming. */
		ret = xa_alloc_cyclic(&efile->jobs, &id, NULL, xa_limit_32b,
				      &efile->next_id, GFP_KERNEL);
		if (ret < 0) {
			atomic_dec(&efile->unreaped);
			goto err_put_sync;
		}
	}

	ret = enpu_sched_job_init(&job->base, &efile->entity[args->priority],
				  efile, file);
	if (ret)
		goto err_release_id;

	if (args->in_syncobj) {
		ret = drm_sched_job_add_syncobj_dependency(&job->base, file,
							   args->in_syncobj,
							   0);
		if (ret) {
			drm_dbg(dev, "submit: in syncobj %u: %d\n",
				args->in_syncobj, ret);
			goto err_cleanup_job;
		}
	}

	if (!nonblock) {
		mutex_lock(&efile->submit_lock);
	} else if (!mutex_trylock(&efile->submit_lock)) {
		ret = -EAGAIN;
		goto err_cleanup_job;
	}
	ret = enpu_lock_bos(job, &acquire_ctx, nonblock);
	if (ret) {
		mutex_unlock(&efile->submit_lock);
		goto err_cleanup_job;
	}

	drm_sched_job_arm(&job->base);
	job->finished = dma_fence_get(&job->base.s_fence->finished);
	/*
	 * drm_sched lets a job that depends on a fence of the same scheduler
	 * run as soon as that job is scheduled, assuming one in-order ring.
	 * Both engines run several jobs side by side (workers, compute
	 * cores): a dependent job must wait until this one has finished.
	 */
	set_bit(DRM_SCHED_FENCE_DONT_PIPELINE, &job->finished->flags);

	for (u32 i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, job->finished,
				   DMA_RESV_USAGE_WRITE);
	drm_gem_unlock_reservations(job->bos, job->bo_count, &acquire_ctx);

	if (out_sync)
		drm_syncobj_replace_fence(out_sync, job->finished);
	if (want_id)
		xa_store(&efile->jobs, id, dma_fence_get(job->finished),
			 GFP_KERNEL);

	kref_get(&job->refcount); /* put by enpu_sched_free_job() */
	trace_enpu_job_submit(job->finished->context, job->finished->seqno, 0);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&efile->submit_lock);

	if (out_sync)
		drm_syncobj_put(out_sync);
	enpu_dbg(edev, ENPU_DBG_SUBMIT, "submitted job %llu (id %u)\n",
		 job->finished->seqno, id);
	if (job_id)
		*job_id = id;
	return job;

err_cleanup_job:
	drm_sched_job_cleanup(&job->base);
err_release_id:
	if (want_id) {
		xa_erase(&efile->jobs, id);
		atomic_dec(&efile->unreaped);
	}
err_put_sync:
	if (out_sync)
		drm_syncobj_put(out_sync);
err_put_job:
	enpu_job_put(job);
	return ERR_PTR(ret);
}

int enpu_ioctl_submit(struct drm_device *dev, void *data,
		      struct drm_file *file)
{
	struct drm_enpu_submit *args = data;
	struct enpu_job *job;
	int idx;
	u32 id;

	/* Output only: must be zero on input, as over io_uring. */
	if (args->job_id) {
		drm_dbg(dev, "submit: job_id not zero\n");
		return -EINVAL;
	}
	if (!drm_dev_enter(dev, &idx))
		return -ENODEV;
	job = enpu_submit(file, args, true, &id, false);
	drm_dev_exit(idx);
	if (IS_ERR(job))
		return PTR_ERR(job);
	enpu_job_put(job);
	args->job_id = id;
	return 0;
}

static long enpu_wait_timeout(s64 timeout_ns)
{
	unsigned long j = drm_timeout_abs_to_jiffies(timeout_ns);

	return j > MAX_SCHEDULE_TIMEOUT ? MAX_SCHEDULE_TIMEOUT : (long)j;
}

/*
 * The status of the jobs whose fences a BO holds (the last jobs that used
 * it): the first error among them, else 0.  Under the reservation lock:
 * the unlocked iterator skips signalled fences, the very ones wanted here.
 */
static int enpu_resv_status(struct dma_resv *resv, s32 *status)
{
	struct dma_resv_iter cursor;
	struct dma_fence *fence;
	int ret;

	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret)
		return ret;
	*status = 0;
	dma_resv_for_each_fence(&cursor, resv, DMA_RESV_USAGE_READ, fence) {
		if (!*status)
			*status = min(dma_fence_get_status(fence), 0);
	}
	dma_resv_unlock(resv);
	return 0;
}

static int enpu_wait_bo(struct drm_device *dev, struct drm_file *file,
			struct drm_enpu_wait *args)
{
	struct drm_gem_object *obj;
	long ret;
	int idx;

	if (!drm_dev_enter(dev, &idx))
		return -ENODEV;
	obj = drm_gem_object_lookup(file, args->handle);
	drm_dev_exit(idx);
	if (!obj)
		return -ENOENT;

	ret = dma_resv_wait_timeout(obj->resv, DMA_RESV_USAGE_READ, true,
				    enpu_wait_timeout(args->timeout_ns));
	if (ret > 0)
		ret = enpu_resv_status(obj->resv, &args->job_status);
	else if (ret == 0)
		ret = -ETIME;
	drm_gem_object_put(obj);
	return ret;
}

int enpu_ioctl_wait(struct drm_device *dev, void *data,
		    struct drm_file *file)
{
	struct enpu_file *efile = file->driver_priv;
	struct drm_enpu_wait *args = data;
	struct dma_fence *fence;
	long ret;
	int idx;

	if (args->flags & ~DRM_ENPU_WAIT_FLAGS_ALL || args->pad) {
		drm_dbg(dev, "wait: bad flags %#x or pad\n", args->flags);
		return -EINVAL;
	}
	if (args->flags & DRM_ENPU_WAIT_BO) {
		if (args->job_id) {
			drm_dbg(dev, "wait: job_id with WAIT_BO\n");
			return -EINVAL;
		}
		return enpu_wait_bo(dev, file, args);
	}
	if (args->handle) {
		drm_dbg(dev, "wait: handle without WAIT_BO\n");
		return -EINVAL;
	}
	if (!args->job_id || args->job_id > U32_MAX)
		return -ENOENT;

	/*
	 * Entering the device only to look the job up: the sleep below holds
	 * a fence reference, and must not hold up an unplug.
	 */
	if (!drm_dev_enter(dev, &idx))
		return -ENODEV;
	xa_lock(&efile->jobs);
	fence = xa_load(&efile->jobs, args->job_id);
	if (fence)
		dma_fence_get(fence);
	xa_unlock(&efile->jobs);
	drm_dev_exit(idx);
	if (!fence)
		return -ENOENT;

	ret = dma_fence_wait_timeout(fence, true,
				     enpu_wait_timeout(args->timeout_ns));
	if (ret == 0) {
		ret = -ETIME;
	} else if (ret > 0) {
		args->job_status = fence->error;
		/* Reap: the id is released once a waiter saw the result. */
		if (xa_cmpxchg(&efile->jobs, args->job_id, fence, NULL,
			       GFP_KERNEL) == fence) {
			xa_erase(&efile->jobs, args->job_id);
			atomic_dec(&efile->unreaped);
			dma_fence_put(fence);
		}
		ret = 0;
	}
	dma_fence_put(fence);
	return ret;
}
