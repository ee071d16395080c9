// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENPU soft engine: executes validated command buffers on kernel worker
 * threads with the firmware core (the sources in firmware/, compiled into
 * the module).
 *
 * Each job the scheduler hands over gets a hardware fence and a work item on
 * an unbound workqueue limited to num_workers concurrent items.  The
 * firmware calls the yield hook between operations and inside long kernels;
 * the hook reschedules and stops execution on cancel, timeout or reset.  A
 * "reset" of the soft engine is exactly that: every running job is told to
 * abort and signals its fence with the error.
 *
 * The firmware's kernel variants (firmware/simd/: AVX2, AVX-512 ...) are
 * chosen once, at module load, from the CPU's features (module parameter
 * kernels=).  They run between kernel_fpu_begin() and kernel_fpu_end(),
 * which the firmware calls through the simd hooks around each variant
 * kernel and leaves around every call of the yield hook, so a section
 * (preemption off) lasts no longer than the work between two yields, about
 * 1 ms of a scalar core.  Each running job borrows one worker's scratch
 * buffer.
 */
#include <linux/dma-fence.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#ifdef CONFIG_X86
#include <asm/fpu/api.h>
#endif

#include "enpu_drv.h"
#include "enpu_trace.h"

static int enpu_soft_yield(void *ctx)
{
	struct enpu_job *job = ctx;
	int abort;

	cond_resched();
	abort = atomic_read(&job->abort);
	if (abort)
		return abort;
	if (time_after(jiffies, job->deadline))
		return -ETIMEDOUT;
	return 0;
}

#ifdef CONFIG_X86
static void enpu_soft_simd_begin(void *ctx)
{
	kernel_fpu_begin();
}

static void enpu_soft_simd_end(void *ctx)
{
	kernel_fpu_end();
}
#endif

/* The variant every soft device runs; NULL: the scalar kernels. */
static const struct enpu_fw_kernels *enpu_kernels;

/**
 * enpu_soft_select_kernels() - choose the firmware's kernel variant.
 * @name: "auto" (the fastest this CPU runs), "scalar" or a variant's name.
 *
 * Return: 0, or -EINVAL when @name is unknown or this CPU lacks its
 * features (logged with the variants it runs).
 */
int enpu_soft_select_kernels(const char *name)
{
	const struct enpu_fw_kernels *list[16];
	char have[128] = "";
	u32 i, n;

	enpu_kernels = enpu_fw_kernels_find(name ? name : "auto");
	if (enpu_kernels) {
		if (!strcmp(enpu_fw_kernels_name(enpu_kernels), "scalar"))
			enpu_kernels = NULL;
		pr_info("%s: firmware kernels: %s\n", ENPU_DRIVER_NAME,
			enpu_fw_kernels_name(enpu_kernels));
		return 0;
	}
	n = min_t(u32, enpu_fw_kernels_list(list, ARRAY_SIZE(list)),
		  ARRAY_SIZE(list));
	for (i = 0; i < n; i++) {
		strlcat(have, " ", sizeof(have));
		strlcat(have, enpu_fw_kernels_name(list[i]), sizeof(have));
	}
	pr_err("%s: kernels=%s: unknown, or this CPU lacks its features; this CPU runs: auto%s\n",
	       ENPU_DRIVER_NAME, name, have);
	return -EINVAL;
}

/* A scratch buffer for a job's variant kernels, or NULL. */
static void *enpu_soft_get_scratch(struct enpu_device *edev)
{
	void *p = NULL;

	spin_lock(&edev->scratch_lock);
	if (edev->nr_scratch)
		p = edev->scratch[--edev->nr_scratch];
	spin_unlock(&edev->scratch_lock);
	return p;
}

static void enpu_soft_put_scratch(struct enpu_device *edev, void *p)
{
	if (!p)
		return;
	spin_lock(&edev->scratch_lock);
	edev->scratch[edev->nr_scratch++] = p;
	spin_unlock(&edev->scratch_lock);
}

/*
 * drm_sched drops a job's dependencies on fences of its own entity: it
 * assumes an entity's jobs execute in order on one ring.  The soft engine
 * runs num_workers jobs side by side, so wait here for every dependency to
 * finish (the others have signalled already).  This cannot deadlock: the
 * scheduler's credit limit is num_workers, so every earlier job this one
 * can wait for has been handed a worker of its own.
 */
static void enpu_soft_wait_deps(struct enpu_job *job)
{
	struct dma_fence *fence;
	unsigned long i;

	xa_for_each(&job->base.dependencies, i, fence)
		dma_fence_wait(fence, false);
}

static void enpu_soft_work(struct work_struct *work)
{
	struct enpu_job *job = container_of(work, struct enpu_job, work);
	struct enpu_device *edev = job->edev;
	struct enpu_fw_hooks hooks = {
		.yield = enpu_soft_yield,
		.ctx = job,
		.kernels = edev->kernels,
#ifdef CONFIG_X86
		.simd_begin = enpu_soft_simd_begin,
		.simd_end = enpu_soft_simd_end,
#endif
	};
	struct enpu_fw_status st = { 0 };
	struct dma_fence *fence = job->hw_fence;
	ktime_t start;
	u64 ns;
	int ret;

	enpu_soft_wait_deps(job);

	spin_lock(&edev->running_lock);
	list_add_tail(&job->run_link, &edev->running);
	spin_unlock(&edev->running_lock);

	job->deadline = jiffies + msecs_to_jiffies(edev->timeout_ms);
	trace_enpu_job_start(job->finished->context, job->finished->seqno, 0);
	start = ktime_get();
	ret = atomic_read(&job->abort);
	if (hooks.kernels) {
		/* Without one (none left) the variants run the scalar kernels. */
		hooks.scratch = enpu_soft_get_scratch(edev);
		hooks.scratch_size = hooks.scratch ? ENPU_FW_SCRATCH_SIZE : 0;
	}
	/* Validated at submission against these BOs' sizes (enpu_job.c). */
	if (!ret)
		ret = enpu_fw_execute_validated(job->cmdbuf, job->slots,
						&hooks, &st);
	enpu_soft_put_scratch(edev, hooks.scratch);
	ns = ktime_to_ns(ktime_sub(ktime_get(), start));

	spin_lock(&edev->running_lock);
	list_del_init(&job->run_link);
	spin_unlock(&edev->running_lock);

	atomic64_add(ns, &edev->busy_ns);
	atomic64_add(ns, &job->efile->busy_ns);
	if (ret) {
		if (ret == -ETIMEDOUT) {
			/* Deadline seen by the yield hook before the TDR. */
			if (atomic_cmpxchg(&job->abort, 0, ret) == 0) {
				trace_enpu_job_timeout(job->finished->context,
						       job->finished->seqno,
						       ret);
				atomic64_inc(&edev->jobs_timedout);
				atomic64_inc(&edev->resets);
			}
			enpu_job_ban(job, ret);
		}
		enpu_dbg(edev, ENPU_DBG_JOB, "job %llu failed (%d): op %d: %s\n",
			 fence->seqno, ret, (int)st.op, st.msg ? st.msg : "");
		atomic64_inc(&edev->jobs_failed);
		dma_fence_set_error(fence, ret);
	} else {
		atomic64_inc(&edev->jobs_done);
	}
	trace_enpu_job_done(job->finished->context, job->finished->seqno, ret);
	dma_fence_signal(fence);
	/* The reference taken by enpu_soft_run(). */
	enpu_job_put(job);
}

/**
 * enpu_soft_run() - start a job on the soft engine.
 * @job: the job, validated and armed.
 *
 * Return: a new reference to the job's hardware fence, for the scheduler,
 * or an ERR_PTR.
 */
static struct dma_fence *enpu_soft_run(struct enpu_job *job)
{
	struct enpu_device *edev = job->edev;
	struct dma_fence *fence;

	/* run_job may be called again after a timeout; run only once. */
	if (job->hw_fence)
		return ERR_PTR(-ECANCELED);

	fence = enpu_hw_fence_create(edev);
	if (!fence)
		return ERR_PTR(-ENOMEM);

	job->hw_fence = fence;
	kref_get(&job->refcount); /* put by enpu_soft_work() */
	INIT_WORK(&job->work, enpu_soft_work);
	queue_work(edev->exec_wq, &job->work);
	return dma_fence_get(fence);
}

/**
 * enpu_soft_reset() - abort every running job.
 * @edev: the device.
 * @err: negative errno the jobs fail with.
 *
 * Return: the number of jobs told to abort.
 */
static unsigned int enpu_soft_reset(struct enpu_device *edev, int err)
{
	struct enpu_job *job;
	unsigned int n = 0;

	spin_lock(&edev->running_lock);
	list_for_each_entry(job, &edev->running, run_link)
		if (atomic_cmpxchg(&job->abort, 0, err) == 0)
			n++;
	spin_unlock(&edev->running_lock);
	atomic64_inc(&edev->resets);
	return n;
}

/*
 * Soft engine reset on a timeout: the worker sees the abort at its next
 * yield and signals the hardware fence with -ETIMEDOUT; the guilty context
 * is banned.  The scheduler took the job off its pending list: put it back
 * so that it is freed normally once its fence signals.
 */
static enum drm_gpu_sched_stat enpu_soft_timedout(struct enpu_job *job)
{
	struct enpu_device *edev = job->edev;
	struct drm_gpu_scheduler *sched = job->base.sched;

	drm_dbg(&edev->drm, "job %llu timed out, resetting soft engine\n",
		job->base.s_fence->finished.seqno);

	if (atomic_cmpxchg(&job->abort, 0, -ETIMEDOUT) == 0) {
		atomic64_inc(&edev->jobs_timedout);
		atomic64_inc(&edev->resets);
	}
	enpu_job_ban(job, -ETIMEDOUT);

	spin_lock(&sched->job_list_lock);
	list_add(&job->base.list, &sched->pending_list);
	spin_unlock(&sched->job_list_lock);

	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static int enpu_soft_get_param(struct enpu_device *edev, u32 param,
			       u64 *value)
{
	switch (param) {
	case DRM_ENPU_PARAM_NUM_ENGINES:
		*value = edev->num_workers;
		return 0;
	case DRM_ENPU_PARAM_MEMORY_SIZE:
		/* BOs are shmem: any of the box's memory. */
		*value = (u64)totalram_pages() << PAGE_SHIFT;
		return 0;
	case DRM_ENPU_PARAM_MAX_BO_SIZE:
		*value = ENPU_MAX_BO_SIZE;
		return 0;
	default:
		return -EINVAL;
	}
}

static void enpu_soft_fini(struct enpu_device *edev);

static const struct enpu_engine_ops enpu_soft_engine = {
	.type = DRM_ENPU_ENGINE_SOFT,
	.timeline = "enpu-soft",
	.caps = DRM_ENPU_CAP_URING_SUBMIT | DRM_ENPU_CAP_SYNCOBJ |
		DRM_ENPU_CAP_PRIME | DRM_ENPU_CAP_CMDBUF_BO |
		DRM_ENPU_CAP_PRIORITY,
	.kmap_bos = true,
	.run = enpu_soft_run,
	.timedout = enpu_soft_timedout,
	.reset = enpu_soft_reset,
	.get_param = enpu_soft_get_param,
	.fini = enpu_soft_fini,
};

/**
 * enpu_soft_init() - create the engine's workers and their scratch memory.
 * @edev: the device; num_workers set.  Sets @edev->engine; the engine's
 *	&enpu_engine_ops.fini undoes this.
 *
 * Return: 0 or a negative errno.
 */
int enpu_soft_init(struct enpu_device *edev)
{
	unsigned int i;

	edev->kernels = enpu_kernels;
	for (i = 0; edev->kernels && i < edev->num_workers; i++) {
		edev->scratch_all[i] = vmalloc(ENPU_FW_SCRATCH_SIZE);
		if (!edev->scratch_all[i])
			goto err_free;
		edev->scratch[edev->nr_scratch++] = edev->scratch_all[i];
	}
	edev->exec_wq = alloc_workqueue("enpu-soft-%s", WQ_UNBOUND,
				       edev->num_workers,
				       dev_name(edev->drm.dev));
	if (!edev->exec_wq)
		goto err_free;
	edev->engine = &enpu_soft_engine;
	return 0;

err_free:
	for (i = 0; i < ARRAY_SIZE(edev->scratch_all); i++) {
		vfree(edev->scratch_all[i]);
		edev->scratch_all[i] = NULL;
	}
	edev->nr_scratch = 0;
	return -ENOMEM;
}

/* Wait for running jobs and destroy the workers (&enpu_engine_ops.fini). */
static void enpu_soft_fini(struct enpu_device *edev)
{
	unsigned int i;

	destroy_workqueue(edev->exec_wq);
	for (i = 0; i < ARRAY_SIZE(edev->scratch_all); i++)
		vfree(edev->scratch_all[i]);
}
