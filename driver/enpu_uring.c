// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENPU io_uring submission: IORING_OP_URING_CMD with the SUBMIT payload in a
 * 128-byte SQE.
 *
 * Life of a command: ->uring_cmd copies the payload out of the SQE (which
 * is only stable during this call), submits the job exactly like the ioctl,
 * marks the command cancelable and returns -EIOCBQUEUED.  The job's finished
 * fence callback (any context) defers to io_uring task work, which posts the
 * CQE with the job's status and drops the command's job reference.  Only
 * that path completes the command, so cancel and completion cannot race:
 * cancel (IO_URING_F_CANCEL, called under the ring lock while the command is
 * still live) only asks the job to abort with -ECANCELED, and the normal
 * completion then reports it.
 *
 * Issued inline or by the SQPOLL thread (IO_URING_F_NONBLOCK), submission
 * must not sleep on contended locks: it only tries them and returns -EAGAIN,
 * which makes io_uring retry the command from an io-wq worker (blocking
 * allowed).  Command buffers over %ENPU_URING_INLINE_MAX go to io-wq
 * straight away, so that their copy and validation stall neither the
 * submitter nor the SQPOLL thread.  Memory is still allocated with
 * GFP_KERNEL, as io_uring's own inline paths do.
 */
#include <linux/io_uring/cmd.h>
#include <linux/string.h>
#include <drm/drm_drv.h>

#include "enpu_drv.h"

/* Bytes of command area in an SQE128 (io_uring_sqe.cmd and the second half). */
#define ENPU_URING_CMD_BYTES	80

/* Per-command state kept in io_uring_cmd.pdu. */
struct enpu_uring_pdu {
	struct enpu_job *job;
};

static void enpu_uring_task_cb(struct io_uring_cmd *cmd,
			       unsigned int issue_flags)
{
	struct enpu_uring_pdu *pdu = io_uring_cmd_to_pdu(cmd,
							 struct enpu_uring_pdu);
	struct enpu_job *job = pdu->job;
	int status = job->finished->error;

	enpu_dbg(job->edev, ENPU_DBG_URING, "uring job %llu done: %d\n",
		 job->finished->seqno, status);
	io_uring_cmd_done(cmd, status, 0, issue_flags);
	/* The command's reference, from enpu_submit(). */
	enpu_job_put(job);
}

static void enpu_uring_fence_cb(struct dma_fence *fence,
				struct dma_fence_cb *cb)
{
	struct enpu_job *job = container_of(cb, struct enpu_job, uring_cb);

	io_uring_cmd_complete_in_task(job->uring_cmd, enpu_uring_task_cb);
}

static int enpu_uring_submit(struct io_uring_cmd *cmd,
			     unsigned int issue_flags)
{
	struct enpu_uring_pdu *pdu = io_uring_cmd_to_pdu(cmd,
							 struct enpu_uring_pdu);
	struct drm_file *file = cmd->file->private_data;
	bool nonblock = issue_flags & IO_URING_F_NONBLOCK;
	union {
		struct drm_enpu_submit args;
		u8 bytes[ENPU_URING_CMD_BYTES];
	} payload;
	struct drm_enpu_submit *args = &payload.args;
	struct enpu_job *job;
	int idx;

	static_assert(sizeof(payload) == ENPU_URING_CMD_BYTES);

	if (!(issue_flags & IO_URING_F_SQE128))
		return -EINVAL;

	/* One copy: the SQE is shared with userspace. */
	memcpy(&payload, io_uring_sqe_cmd(cmd->sqe), sizeof(payload));
	/* Reserved for growth, as every pad of the ABI. */
	if (memchr_inv(payload.bytes + sizeof(*args), 0,
		       sizeof(payload) - sizeof(*args))) {
		drm_dbg(file->minor->dev, "uring submit: command tail not zero\n");
		return -EINVAL;
	}
	if (args->job_id) {
		drm_dbg(file->minor->dev, "uring submit: job_id not zero\n");
		return -EINVAL;
	}
	if (nonblock && args->cmdbuf_size > ENPU_URING_INLINE_MAX)
		return -EAGAIN;

	if (!drm_dev_enter(file->minor->dev, &idx))
		return -ENODEV;
	job = enpu_submit(file, args, false, NULL, nonblock);
	drm_dev_exit(idx);
	if (IS_ERR(job))
		return PTR_ERR(job);

	pdu->job = job;
	job->uring_cmd = cmd;
	io_uring_cmd_mark_cancelable(cmd, issue_flags);
	if (dma_fence_add_callback(job->finished, &job->uring_cb,
				   enpu_uring_fence_cb))
		/* Already signalled. */
		enpu_uring_fence_cb(job->finished, &job->uring_cb);
	return -EIOCBQUEUED;
}

static void enpu_uring_cancel(struct io_uring_cmd *cmd)
{
	struct enpu_uring_pdu *pdu = io_uring_cmd_to_pdu(cmd,
							 struct enpu_uring_pdu);

	/* The command is live (ring lock held), so is its job reference. */
	atomic_cmpxchg(&pdu->job->abort, 0, -ECANCELED);
}

/**
 * enpu_uring_cmd() - &file_operations.uring_cmd of the accel node.
 * @cmd: the command.
 * @issue_flags: io_uring issue flags.
 *
 * Return: -EIOCBQUEUED once a job is queued (the CQE comes later), 0 for a
 * cancel request, or a negative errno that becomes the CQE's result.
 */
int enpu_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	if (issue_flags & IO_URING_F_CANCEL) {
		enpu_uring_cancel(cmd);
		return 0;
	}

	switch (cmd->cmd_op) {
	case DRM_ENPU_URING_CMD_SUBMIT:
		return enpu_uring_submit(cmd, issue_flags);
	default:
		return -EINVAL;
	}
}
