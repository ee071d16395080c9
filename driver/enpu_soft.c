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
 */
#include <linux/dma-fence.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "enpu_drv.h"
#include "enpu_trace.h"

/**
 * struct enpu_fence - a hardware fence of the soft engine.
 * @base: the fence; first member, so the default release frees the whole.
 * @lock: the fence's lock.  Its own, not the device's: a fence can outlive
 *	the device (a sync_file or another driver holds it).
 */
struct enpu_fence {
	struct dma_fence base;
	spinlock_t lock; /* protects base (dma_fence_init) */
};

static_assert(offsetof(struct enpu_fence, base) == 0);

static const char *enpu_fence_get_driver_name(struct dma_fence *fence)
{
	return ENPU_DRIVER_NAME;
}

static const char *enpu_fence_get_timeline_name(struct dma_fence *fence)
{
	return "enpu-soft";
}

static const struct dma_fence_ops enpu_fence_ops = {
	.get_driver_name = enpu_fence_get_driver_name,
	.get_timeline_name = enpu_fence_get_timeline_name,
};

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
	/* Validated at submission against these BOs' sizes (enpu_job.c). */
	if (!ret)
		ret = enpu_fw_execute_validated(job->cmdbuf, job->slots,
						&hooks, &st);
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
struct dma_fence *enpu_soft_run(struct enpu_job *job)
{
	struct enpu_device *edev = job->edev;
	struct enpu_fence *efence;
	struct dma_fence *fence;

	/* run_job may be called again after a timeout; run only once. */
	if (job->hw_fence)
		return ERR_PTR(-ECANCELED);

	efence = kzalloc(sizeof(*efence), GFP_KERNEL);
	if (!efence)
		return ERR_PTR(-ENOMEM);

	spin_lock_init(&efence->lock);
	fence = &efence->base;
	dma_fence_init(fence, &enpu_fence_ops, &efence->lock,
		       edev->fence_context,
		       atomic64_inc_return(&edev->fence_seqno));

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
unsigned int enpu_soft_reset(struct enpu_device *edev, int err)
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

/**
 * enpu_soft_init() - create the engine's workers.
 * @edev: the device; num_workers set.
 *
 * Return: 0 or a negative errno.
 */
int enpu_soft_init(struct enpu_device *edev)
{
	edev->fence_context = dma_fence_context_alloc(1);
	edev->exec_wq = alloc_workqueue("enpu-soft-%s", WQ_UNBOUND,
				       edev->num_workers,
				       dev_name(edev->drm.dev));
	if (!edev->exec_wq)
		return -ENOMEM;
	return 0;
}

/**
 * enpu_soft_fini() - wait for running jobs and destroy the workers.
 * @edev: the device.
 */
void enpu_soft_fini(struct enpu_device *edev)
{
	destroy_workqueue(edev->exec_wq);
}
