// SPDX-License-Identifier: MIT
/*
 * Job submission to the NPU: npu_queue() sends a job as an io_uring
 * command (IORING_OP_URING_CMD, SQE128; SQPOLL when asked) or, on the
 * ioctl path, DRM_IOCTL_ENPU_SUBMIT; npu_flush() pushes queued SQEs;
 * npu_reap() completes finished jobs from the CQ or by waiting on each
 * job's fence (ioctl path).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>
#include <xf86drm.h>

#include <drm/enpu_accel.h>
#include <drm/enpu_isa.h>

#include "accel.h"
#include "backend/npu_dev_internal.h"
static void fill_submit(const struct npu_job *job, struct drm_enpu_submit *s)
{
	memset(s, 0, sizeof(*s));
	if (job->cmdbuf_handle) {
		s->flags = DRM_ENPU_SUBMIT_CMDBUF_BO;
		s->cmdbuf_handle = job->cmdbuf_handle;
	} else {
		s->cmdbuf_ptr = (uint64_t)(uintptr_t)job->cmdbuf_ptr;
	}
	s->cmdbuf_size = job->cmdbuf_size;
	s->bo_handles = (uint64_t)(uintptr_t)job->handles;
	s->bo_count = job->n_handles;
	s->bo_handle_size = sizeof(uint32_t);
}

/* Submit SQEs; count the io_uring_enter liburing makes (see its submit). */
static int ring_submit(struct npu_dev *d, unsigned int wait_nr)
{
	int r;

	if (d->mode == NPU_SUBMIT_SQPOLL) {
		if (IO_URING_READ_ONCE(*d->ring.sq.kflags) &
		    IORING_SQ_NEED_WAKEUP)
			d->stats.uring_enters++;
		r = io_uring_submit(&d->ring);
	} else if (wait_nr) {
		d->stats.uring_enters++;
		r = io_uring_submit_and_wait(&d->ring, wait_nr);
	} else {
		if (!d->queued)
			return 0;
		d->stats.uring_enters++;
		r = io_uring_submit(&d->ring);
	}
	if (r < 0)
		return r;
	d->queued = 0;
	return 0;
}

int npu_queue(struct npu_dev *d, struct npu_job *job, struct accel_err *e)
{
	struct drm_enpu_submit s;
	struct io_uring_sqe *sqe;
	unsigned char *cmd;
	int r;

	job->done = false;
	job->status = 0;
	job->next = NULL;
	fill_submit(job, &s);
	if (d->mode == NPU_SUBMIT_IOCTL) {
		r = npu_ioctl(d, d->fd, DRM_IOCTL_ENPU_SUBMIT, &s);
		if (r)
			return accel_seterr(e, r, "%s: SUBMIT: %s", d->path,
					    strerror(-r));
		job->job_id = s.job_id;
		if (d->fifo_tail)
			d->fifo_tail->next = job;
		else
			d->fifo_head = job;
		d->fifo_tail = job;
		d->inflight++;
		d->stats.submitted++;
		return 0;
	}
	sqe = io_uring_get_sqe(&d->ring);
	if (!sqe) {
		r = ring_submit(d, 0);
		if (r)
			return accel_seterr(e, r, "%s: io_uring submit: %s",
					    d->path, strerror(-r));
		sqe = io_uring_get_sqe(&d->ring);
		if (!sqe)
			return accel_seterr(e, -EBUSY, "%s: submission queue full",
					    d->path);
	}
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, d->fd, NULL, 0, 0);
	sqe->cmd_op = DRM_ENPU_URING_CMD_SUBMIT;
	/* The payload lies in the 80-byte command area of the SQE128. */
	cmd = (unsigned char *)sqe + offsetof(struct io_uring_sqe, cmd);
	memset(cmd, 0, 80);
	memcpy(cmd, &s, sizeof(s));
	io_uring_sqe_set_data(sqe, job);
	d->queued++;
	d->inflight++;
	d->stats.submitted++;
	return 0;
}

int npu_flush(struct npu_dev *d)
{
	if (d->mode == NPU_SUBMIT_IOCTL)
		return 0;
	if (d->mode != NPU_SUBMIT_SQPOLL && !d->queued)
		return 0;
	return ring_submit(d, 0);
}

static void complete(struct npu_dev *d, struct npu_job *job, int status,
		     void (*cb)(struct npu_job *, void *), void *arg)
{
	job->status = status;
	job->done = true;
	d->inflight--;
	d->stats.completed++;
	if (cb)
		cb(job, arg);
}

static int reap_ioctl(struct npu_dev *d, unsigned int min,
		      void (*cb)(struct npu_job *, void *), void *arg)
{
	int n = 0, r;

	while (d->fifo_head) {
		struct npu_job *job = d->fifo_head;
		struct drm_enpu_wait w = { .job_id = job->job_id };
		struct timespec ts;

		if ((unsigned int)n < min) {
			/* Block: deadline well past the job timeout. */
			clock_gettime(CLOCK_MONOTONIC, &ts);
			w.timeout_ns = (int64_t)ts.tv_sec * 1000000000ll +
				ts.tv_nsec + 3600ll * 1000000000ll;
		}
		r = npu_ioctl(d, d->fd, DRM_IOCTL_ENPU_WAIT, &w);
		if (r == -ETIME)
			break;
		d->fifo_head = job->next;
		if (!d->fifo_head)
			d->fifo_tail = NULL;
		complete(d, job, r ? r : w.job_status, cb, arg);
		n++;
	}
	return n;
}

static int reap_cqes(struct npu_dev *d, void (*cb)(struct npu_job *, void *),
		     void *arg)
{
	struct io_uring_cqe *cqe;
	int n = 0;

	while (io_uring_peek_cqe(&d->ring, &cqe) == 0) {
		struct npu_job *job = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&d->ring, cqe);
		if (job) {
			complete(d, job, res, cb, arg);
			n++;
		}
	}
	return n;
}

int npu_reap(struct npu_dev *d, unsigned int min,
	     void (*cb)(struct npu_job *job, void *arg), void *arg)
{
	unsigned int n, spins;
	int r;

	if (min > d->inflight)
		min = d->inflight;
	if (d->mode == NPU_SUBMIT_IOCTL)
		return reap_ioctl(d, min, cb, arg);
	n = (unsigned int)reap_cqes(d, cb, arg);
	if (n >= min) {
		r = npu_flush(d);
		return r ? r : (int)n;
	}
	if (d->mode == NPU_SUBMIT_SQPOLL) {
		r = ring_submit(d, 0);
		if (r)
			return r;
		/* Poll the CQ: zero syscalls while the device keeps up. */
		for (spins = 0; n < min && spins < NPU_SPIN_POLLS; spins++) {
			if (io_uring_cq_ready(&d->ring))
				n += (unsigned int)reap_cqes(d, cb, arg);
			else
				cpu_relax();
		}
	} else if (d->queued) {
		r = ring_submit(d, min - n);
		if (r)
			return r;
		n += (unsigned int)reap_cqes(d, cb, arg);
	}
	while (n < min) {
		struct io_uring_cqe *cqe;

		d->stats.uring_enters++;
		r = io_uring_wait_cqe(&d->ring, &cqe);
		if (r == -EINTR)
			continue;
		if (r)
			return r;
		n += (unsigned int)reap_cqes(d, cb, arg);
	}
	return (int)n;
}
