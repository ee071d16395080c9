// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENPU PCI NPU: the engine behind the device's accel node.
 *
 * Command slots: the validated command buffer of a job is copied into one
 * of ENPU_PCI_MAX_SLOTS equal slots of the command region (which userspace
 * cannot map), its slot table (BAR offsets of its BOs) after it.  The
 * scheduler's credit limit is the number of slots, and the slots are never
 * more than the ring entries, so neither a slot nor a ring entry is ever
 * missing when the scheduler hands over a job.
 *
 * Submission and completion: the engine writes the SQ entry, publishes
 * sq_tail (release) and rings the SQ doorbell; the completion vector's
 * threaded handler reads the CQ entries, checks each one (seq, job id of
 * a job in flight) and signals the job's fence with the device's status
 * mapped to an errno.  A record that fails a check, or a device FAULT, is
 * a device fault: the device is reset and rebooted and the jobs it held
 * are queued again.  So is a heartbeat that stands still (the device
 * hangs even without jobs).
 *
 * Timeout: the job is failed with -ETIMEDOUT, its context banned, the
 * device reset and rebooted (firmware read again, so an upgraded file
 * boots), and the other jobs in flight queued again from the start (a
 * reset drops them without completion records; command slots and device
 * memory keep their contents).  Jobs therefore run again from the
 * beginning after a reset: their results are those of a complete run
 * unless a job reads what it writes.
 *
 * Locking (struct enpu_pci): @ring_lock (a mutex: everything runs in process context, the
 * completion handler is threaded) protects the ring indices, the slot
 * table, the in-flight list and @resetting; @reset_lock serialises control
 * commands (boot, reset) and is taken before @ring_lock; @mm_lock
 * protects the device-memory allocator.
 */
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/workqueue.h>
#include <drm/drm_gem.h>

#include "enpu_pci.h"
#include "enpu_trace.h"

static void *enpu_pci_slot_addr(struct enpu_pci *epci, u32 slot)
{
	return (u8 *)epci->regs + epci->cmd_offset +
	       (size_t)slot * epci->slot_size;
}

/* Bytes of a job's slot: the command buffer, then its slot table. */
static u32 enpu_pci_slot_bytes(const struct enpu_job *job)
{
	return round_up(job->cmdbuf_size, 8) +
	       job->bo_count * sizeof(struct enpu_hw_slot);
}

/* Write @job's SQ entry and publish it (ring_lock held, device READY). */
static void enpu_pci_push(struct enpu_pci *epci, struct enpu_job *job)
{
	struct enpu_hw_regs *regs = epci->regs;
	struct enpu_hw_sq_entry *e;
	u64 base = epci->cmd_offset + (u64)job->hw_slot * epci->slot_size;

	lockdep_assert_held(&epci->ring_lock);
	e = (void *)((u8 *)regs + epci->sq_offset) +
	    (epci->sq_tail & (epci->ring_entries - 1)) * sizeof(*e);
	memset(e, 0, sizeof(*e));
	e->job_id = job->hw_job_id;
	e->cmdbuf_offset = base;
	e->cmdbuf_size = job->cmdbuf_size;
	e->num_slots = job->bo_count;
	e->slots_offset = base + round_up(job->cmdbuf_size, 8);
	/* Release: the device sees the entry and the slot once it sees sq_tail. */
	smp_store_release(&regs->sq_tail, ++epci->sq_tail);
}

/*
 * Give @job a slot, copy its command buffer and slot table there and queue
 * it (or leave it for the reboot while a reset is under way).
 */
static void enpu_pci_queue(struct enpu_pci *epci, struct enpu_job *job)
{
	struct enpu_hw_slot *slots;
	u8 *dst;
	u32 slot, i;

	mutex_lock(&epci->ring_lock);
	slot = find_first_zero_bit(epci->slot_used, epci->nr_slots);
	/* The scheduler's credit limit makes a missing slot impossible. */
	if (!epci->online || WARN_ON_ONCE(slot >= epci->nr_slots)) {
		mutex_unlock(&epci->ring_lock);
		dma_fence_set_error(job->hw_fence, -ENODEV);
		dma_fence_signal(job->hw_fence);
		enpu_job_put(job);
		return;
	}
	__set_bit(slot, epci->slot_used);
	epci->slot_job[slot] = job;
	job->hw_slot = slot;
	job->hw_job_id = job->hw_fence->seqno << ENPU_PCI_SLOT_BITS | slot;
	list_add_tail(&job->run_link, &epci->inflight);

	dst = enpu_pci_slot_addr(epci, slot);
	memcpy(dst, job->cmdbuf, job->cmdbuf_size);
	slots = (void *)(dst + round_up(job->cmdbuf_size, 8));
	for (i = 0; i < job->bo_count; i++) {
		slots[i].offset = to_enpu_pci_bo(job->bos[i])->node.start;
		slots[i].size = job->bos[i]->size;
	}
	trace_enpu_job_start(job->finished->context, job->finished->seqno, 0);
	if (!epci->resetting) {
		enpu_pci_push(epci, job);
		enpu_pci_doorbell(epci, ENPU_HW_DB_SQ);
	}
	mutex_unlock(&epci->ring_lock);
}

/*
 * Take @job off the device (ring_lock held) with @err, onto @done, whose
 * fences the caller signals with enpu_pci_signal() after dropping the lock.
 */
static void enpu_pci_retire(struct enpu_pci *epci, struct enpu_job *job,
			    int err, struct list_head *done)
{
	lockdep_assert_held(&epci->ring_lock);
	__clear_bit(job->hw_slot, epci->slot_used);
	epci->slot_job[job->hw_slot] = NULL;
	job->hw_slot = -1;
	job->hw_error = err;
	list_move_tail(&job->run_link, done);
}

static void enpu_pci_signal(struct enpu_pci *epci, struct list_head *done)
{
	struct enpu_device *edev = &epci->edev;
	struct enpu_job *job, *tmp;

	list_for_each_entry_safe(job, tmp, done, run_link) {
		struct dma_fence *fence = job->hw_fence;

		list_del_init(&job->run_link);
		if (job->hw_error) {
			atomic64_inc(&edev->jobs_failed);
			dma_fence_set_error(fence, job->hw_error);
		} else {
			atomic64_inc(&edev->jobs_done);
		}
		trace_enpu_job_done(job->finished->context,
				    job->finished->seqno, job->hw_error);
		dma_fence_signal(fence);
		enpu_job_put(job);	/* the reference of enpu_pci_run() */
	}
}

/* The errno of a device status; anything the contract does not name is -EIO. */
static int enpu_pci_status_errno(s32 status)
{
	switch (status) {
	case 0:
	case -EINVAL:
	case -EFAULT:
	case -EOVERFLOW:
	case -E2BIG:
	case -EOPNOTSUPP:
	case -ECANCELED:
		return status;
	default:
		return -EIO;
	}
}

/*
 * Read the completion records (ring_lock held) onto @done.  Return: false
 * when one is corrupt or the indices are impossible (a device fault).
 */
static bool enpu_pci_reap(struct enpu_pci *epci, struct list_head *done,
			  bool log)
{
	struct enpu_hw_regs *regs = epci->regs;
	const struct enpu_hw_cq_entry *cq = (const void *)((u8 *)regs +
							  epci->cq_offset);
	struct device *dev = &epci->pdev->dev;
	u32 n = epci->ring_entries, tail;
	bool ok = true;

	lockdep_assert_held(&epci->ring_lock);
	if (epci->resetting || !epci->online)
		return true;
	/* Acquire: the records are read after cq_tail. */
	tail = smp_load_acquire(&regs->cq_tail);
	if (tail - epci->cq_head > n) {
		if (log)
			dev_err_ratelimited(dev, "device fault: cq_tail %u is not within %u entries of cq_head %u\n",
					    tail, n, epci->cq_head);
		return false;
	}
	while (epci->cq_head != tail) {
		struct enpu_hw_cq_entry e;
		struct enpu_job *job = NULL;
		u32 slot;

		memcpy(&e, &cq[epci->cq_head & (n - 1)], sizeof(e));
		slot = e.job_id & (BIT(ENPU_PCI_SLOT_BITS) - 1);
		if (slot < epci->nr_slots)
			job = epci->slot_job[slot];
		if (e.seq != epci->cq_head || !job || job->hw_job_id != e.job_id) {
			if (log)
				dev_err_ratelimited(dev, "device fault: corrupt completion record %u (seq %u, job id %#llx)\n",
						    epci->cq_head, e.seq, e.job_id);
			ok = false;
			break;
		}
		epci->cq_head++;
		atomic64_add((u64)e.duration_us * NSEC_PER_USEC,
			     &epci->edev.busy_ns);
		atomic64_add((u64)e.duration_us * NSEC_PER_USEC,
			     &job->efile->busy_ns);
		if (e.status)
			enpu_dbg(&epci->edev, ENPU_DBG_JOB,
				 "job %llu failed on the device (%d): op %d tensor %d\n",
				 job->hw_fence->seqno, e.status, (int)e.op,
				 (int)e.tensor);
		enpu_pci_retire(epci, job, enpu_pci_status_errno(e.status), done);
	}
	/* Release: the slots of the records read may be reused. */
	smp_store_release(&regs->cq_head, epci->cq_head);
	return ok;
}

irqreturn_t enpu_pci_cq_thread(int irq, void *arg)
{
	struct enpu_pci *epci = arg;
	LIST_HEAD(done);
	bool ok;

	mutex_lock(&epci->ring_lock);
	ok = enpu_pci_reap(epci, &done, true);
	mutex_unlock(&epci->ring_lock);
	enpu_pci_signal(epci, &done);
	if (!ok)
		queue_work(system_unbound_wq, &epci->recover_work);
	return IRQ_HANDLED;
}

/**
 * enpu_pci_recover() - reset and reboot the device.
 * @epci: the device.
 * @guilty: a job to fail with @guilty_err, or NULL.
 * @guilty_err: its negative errno.
 * @all_err: 0: queue the other jobs in flight again after the reboot; else
 *	the negative errno they fail with.
 *
 * Records already written are read first.  When the reset or the reboot
 * fails the device goes offline: every job in flight fails with -ENODEV,
 * and so do later ones (only a new bind brings it back).
 *
 * The reboot reads the firmware file again (an upgraded image boots), so
 * request_firmware() allocates memory here, in the scheduler's timeout
 * work and thus in the fences' signalling path: keeping the booted image
 * in memory would avoid that, at the price of upgrades needing a rebind.
 *
 * Return: the number of jobs failed.
 */
static unsigned int enpu_pci_recover(struct enpu_pci *epci,
				     struct enpu_job *guilty, int guilty_err,
				     int all_err)
{
	struct device *dev = &epci->pdev->dev;
	struct enpu_job *job, *tmp;
	unsigned int failed = 0;
	LIST_HEAD(done);
	int ret;

	mutex_lock(&epci->reset_lock);
	mutex_lock(&epci->ring_lock);
	/* Quiet: a fault found here was logged by the completion handler. */
	enpu_pci_reap(epci, &done, false);
	WRITE_ONCE(epci->resetting, true);
	mutex_unlock(&epci->ring_lock);
	enpu_pci_signal(epci, &done);

	atomic64_inc(&epci->edev.resets);
	ret = -ENODEV;
	if (READ_ONCE(epci->online) && pci_device_is_present(epci->pdev)) {
		ret = enpu_pci_ctrl(epci, ENPU_HW_CMD_RESET,
				    ENPU_HW_RESET_TIMEOUT_MS + 1000);
		if (ret)
			dev_err(dev, "device reset failed (%d): device offline\n",
				ret);
		else
			ret = enpu_pci_boot(epci);
	}

	mutex_lock(&epci->ring_lock);
	epci->sq_tail = 0;
	epci->cq_head = 0;
	if (ret)
		WRITE_ONCE(epci->online, false);
	if (guilty && guilty->hw_slot >= 0) {
		enpu_pci_retire(epci, guilty, guilty_err, &done);
		failed++;
	}
	list_for_each_entry_safe(job, tmp, &epci->inflight, run_link) {
		if (ret || all_err) {
			enpu_pci_retire(epci, job, ret ? -ENODEV : all_err,
					&done);
			failed++;
		} else {
			enpu_pci_push(epci, job);
		}
	}
	WRITE_ONCE(epci->resetting, false);
	if (!ret && !list_empty(&epci->inflight))
		enpu_pci_doorbell(epci, ENPU_HW_DB_SQ);
	mutex_unlock(&epci->ring_lock);
	mutex_unlock(&epci->reset_lock);
	enpu_pci_signal(epci, &done);
	return failed;
}

void enpu_pci_recover_work(struct work_struct *work)
{
	struct enpu_pci *epci = container_of(work, struct enpu_pci,
					     recover_work);

	if (!READ_ONCE(epci->online))
		return;
	dev_warn(&epci->pdev->dev, "device fault: resetting the device, jobs in flight queued again\n");
	enpu_pci_recover(epci, NULL, 0, 0);
}

/**
 * enpu_pci_heartbeat_start() - watch regs.heartbeat from now on.
 * @epci: the device, READY.
 */
void enpu_pci_heartbeat_start(struct enpu_pci *epci)
{
	epci->hb_last = READ_ONCE(epci->regs->heartbeat);
	epci->hb_seen = jiffies;
	queue_delayed_work(system_unbound_wq, &epci->hb_work,
			   msecs_to_jiffies(ENPU_PCI_HEARTBEAT_CHECK_MS));
}

/*
 * The firmware ticks regs.heartbeat every ENPU_HW_HEARTBEAT_MS while
 * READY: standing still for ENPU_PCI_HEARTBEAT_STALL_MS (hundreds of
 * ticks) means the device hangs, jobs or not.  Reset and reboot it, and
 * queue its jobs again.  Stops for good when the device goes offline.
 */
void enpu_pci_heartbeat_work(struct work_struct *work)
{
	struct enpu_pci *epci = container_of(to_delayed_work(work),
					     struct enpu_pci, hb_work);
	u64 hb;

	if (!READ_ONCE(epci->online))
		return;
	hb = READ_ONCE(epci->regs->heartbeat);
	if (hb != epci->hb_last || READ_ONCE(epci->resetting)) {
		epci->hb_last = hb;
		epci->hb_seen = jiffies;
	} else if (time_after(jiffies, epci->hb_seen +
			      msecs_to_jiffies(ENPU_PCI_HEARTBEAT_STALL_MS))) {
		dev_warn(&epci->pdev->dev, "heartbeat stalled at %llu for %u ms: resetting the device\n",
			 hb, ENPU_PCI_HEARTBEAT_STALL_MS);
		enpu_pci_recover(epci, NULL, 0, 0);
		if (!READ_ONCE(epci->online))
			return;
		epci->hb_last = READ_ONCE(epci->regs->heartbeat);
		epci->hb_seen = jiffies;
	}
	queue_delayed_work(system_unbound_wq, &epci->hb_work,
			   msecs_to_jiffies(ENPU_PCI_HEARTBEAT_CHECK_MS));
}

/*
 * A job that depends on an earlier job of its own entity: drm_sched
 * dropped that dependency (one in-order ring assumed), but the device runs
 * jobs on several cores.  Wait for it here; every earlier job this one can
 * wait for holds a slot of its own (the credit limit), so this ends.
 */
static void enpu_pci_deps_work(struct work_struct *work)
{
	struct enpu_job *job = container_of(work, struct enpu_job, work);
	struct enpu_pci *epci = to_enpu_pci(job->edev);
	struct dma_fence *fence;
	unsigned long i;
	int abort;

	xa_for_each(&job->base.dependencies, i, fence)
		dma_fence_wait(fence, false);
	abort = atomic_read(&job->abort);
	if (abort) {
		dma_fence_set_error(job->hw_fence, abort);
		dma_fence_signal(job->hw_fence);
		enpu_job_put(job);
		return;
	}
	enpu_pci_queue(epci, job);
}

static bool enpu_pci_deps_signaled(struct enpu_job *job)
{
	struct dma_fence *fence;
	unsigned long i;

	xa_for_each(&job->base.dependencies, i, fence)
		if (!dma_fence_is_signaled(fence))
			return false;
	return true;
}

static struct dma_fence *enpu_pci_run(struct enpu_job *job)
{
	struct enpu_pci *epci = to_enpu_pci(job->edev);
	struct dma_fence *fence;

	/* run_job may be called again after a timeout; run only once. */
	if (job->hw_fence)
		return ERR_PTR(-ECANCELED);
	if (!READ_ONCE(epci->online))
		return ERR_PTR(-ENODEV);

	fence = enpu_hw_fence_create(&epci->edev);
	if (!fence)
		return ERR_PTR(-ENOMEM);
	job->hw_fence = fence;
	kref_get(&job->refcount); /* put by enpu_pci_signal() */
	if (enpu_pci_deps_signaled(job)) {
		enpu_pci_queue(epci, job);
	} else {
		INIT_WORK(&job->work, enpu_pci_deps_work);
		queue_work(epci->deps_wq, &job->work);
	}
	return dma_fence_get(fence);
}

/*
 * The job's timeout expired: fail it with -ETIMEDOUT, ban its context,
 * reset and reboot the device, queue the others again.  The scheduler took
 * the job off its pending list: put it back first, so that it is freed
 * normally once its fence signals.
 */
static enum drm_gpu_sched_stat enpu_pci_timedout(struct enpu_job *job)
{
	struct enpu_pci *epci = to_enpu_pci(job->edev);
	struct drm_gpu_scheduler *sched = job->base.sched;
	bool on_device;

	spin_lock(&sched->job_list_lock);
	list_add(&job->base.list, &sched->pending_list);
	spin_unlock(&sched->job_list_lock);

	mutex_lock(&epci->ring_lock);
	on_device = job->hw_slot >= 0;
	mutex_unlock(&epci->ring_lock);
	if (!on_device) {
		/* Finished meanwhile, or still waiting for a dependency. */
		atomic_cmpxchg(&job->abort, 0, -ETIMEDOUT);
		return DRM_GPU_SCHED_STAT_NOMINAL;
	}

	dev_warn(&epci->pdev->dev, "job %llu timed out after %u ms: resetting the device\n",
		 job->hw_fence->seqno, job->edev->timeout_ms);
	atomic64_inc(&job->edev->jobs_timedout);
	enpu_job_ban(job, -ETIMEDOUT);
	enpu_pci_recover(epci, job, -ETIMEDOUT, 0);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

/* debugfs reset: every job in flight fails with @err. */
static unsigned int enpu_pci_reset(struct enpu_device *edev, int err)
{
	struct enpu_pci *epci = to_enpu_pci(edev);

	if (!READ_ONCE(epci->online))
		return 0;
	return enpu_pci_recover(epci, NULL, 0, err);
}

/* Submission-time limits of the device (before any side effect). */
static int enpu_pci_prepare(struct enpu_job *job)
{
	struct enpu_pci *epci = to_enpu_pci(job->edev);
	struct drm_device *dev = &epci->edev.drm;
	u32 i;

	if (job->cmdbuf_size > READ_ONCE(epci->regs->max_cmdbuf_size) ||
	    enpu_pci_slot_bytes(job) > epci->slot_size) {
		drm_dbg(dev, "submit: command buffer of %u bytes does not fit the device's %u-byte slot\n",
			job->cmdbuf_size, epci->slot_size);
		return -E2BIG;
	}
	if (job->bo_count > READ_ONCE(epci->regs->max_slots))
		return -E2BIG;
	for (i = 0; i < job->bo_count; i++)
		if (WARN_ON_ONCE(job->bos[i]->funcs != &enpu_pci_bo_funcs))
			return -EINVAL;
	return 0;
}

static int enpu_pci_get_param(struct enpu_device *edev, u32 param, u64 *value)
{
	struct enpu_pci *epci = to_enpu_pci(edev);

	switch (param) {
	case DRM_ENPU_PARAM_NUM_ENGINES:
		*value = min_t(u32, READ_ONCE(epci->regs->num_cores),
			       ENPU_HW_MAX_CORES);
		return 0;
	case DRM_ENPU_PARAM_MEMORY_SIZE:
	case DRM_ENPU_PARAM_MAX_BO_SIZE:
		*value = epci->mem_size;
		return 0;
	default:
		return -EINVAL;
	}
}

/* After the scheduler: no job is left, the work queue is idle. */
static void enpu_pci_engine_fini(struct enpu_device *edev)
{
	struct enpu_pci *epci = to_enpu_pci(edev);

	destroy_workqueue(epci->deps_wq);
}

const struct enpu_engine_ops enpu_pci_engine = {
	.type = DRM_ENPU_ENGINE_PCI,
	.timeline = "enpu-pci",
	.caps = DRM_ENPU_CAP_URING_SUBMIT | DRM_ENPU_CAP_SYNCOBJ |
		DRM_ENPU_CAP_CMDBUF_BO | DRM_ENPU_CAP_PRIORITY,
	.bo_create = enpu_pci_bo_create,
	.prepare = enpu_pci_prepare,
	.run = enpu_pci_run,
	.timedout = enpu_pci_timedout,
	.reset = enpu_pci_reset,
	.get_param = enpu_pci_get_param,
	.fini = enpu_pci_engine_fini,
};

/*
 * Stop the engine: the device drops what it runs (reset), every job in
 * flight fails with -ENODEV, later ones too (offline).
 */
void enpu_pci_stop(struct enpu_pci *epci)
{
	struct enpu_job *job, *tmp;
	LIST_HEAD(done);

	mutex_lock(&epci->reset_lock);
	if (epci->online && pci_device_is_present(epci->pdev))
		enpu_pci_ctrl(epci, ENPU_HW_CMD_RESET,
			      ENPU_HW_RESET_TIMEOUT_MS + 1000);
	mutex_lock(&epci->ring_lock);
	WRITE_ONCE(epci->online, false);
	list_for_each_entry_safe(job, tmp, &epci->inflight, run_link)
		enpu_pci_retire(epci, job, -ENODEV, &done);
	mutex_unlock(&epci->ring_lock);
	mutex_unlock(&epci->reset_lock);
	enpu_pci_signal(epci, &done);
}

/* Wait (bounded) until the scheduler freed every job handed to the engine. */
void enpu_pci_drain(struct enpu_pci *epci)
{
	struct drm_gpu_scheduler *sched = &epci->edev.sched;
	unsigned int ms;
	bool empty;

	for (ms = 0; ms < ENPU_PCI_DRAIN_MS; ms += 20) {
		spin_lock(&sched->job_list_lock);
		empty = list_empty(&sched->pending_list);
		spin_unlock(&sched->job_list_lock);
		if (empty)
			return;
		msleep(20);
	}
	dev_err(&epci->pdev->dev, "jobs still pending after %u ms\n",
		ENPU_PCI_DRAIN_MS);
}
