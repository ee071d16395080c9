/* SPDX-License-Identifier: MIT */
/*
 * The NPU device's state, shared by backend/npu_dev.c (open, capabilities,
 * buffer objects) and backend/npu_submit.c (ioctl and io_uring submission,
 * reaping).  Nothing outside those two files looks inside struct npu_dev.
 */
#ifndef LIBACCEL_NPU_DEV_INTERNAL_H
#define LIBACCEL_NPU_DEV_INTERNAL_H

#include <liburing.h>

#include "backend/npu_dev.h"


#define NPU_MAX_NODES	64
/* SQPOLL: CQ polls before falling back to a blocking io_uring_enter. */
#define NPU_SPIN_POLLS	(1u << 22)

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

struct npu_dev {
	int fd;
	char path[32];
	struct npu_caps caps;
	enum npu_submit_mode mode;
	bool ring_ok;
	struct io_uring ring;
	unsigned int queued;		/* SQEs not yet flushed */
	unsigned int inflight;		/* queued or submitted, not reaped */
	struct npu_job *fifo_head;	/* ioctl path, oldest first */
	struct npu_job *fifo_tail;
	struct npu_stats stats;
};

/* ioctl() returning 0 or -errno; every call counted (npu_dev.c). */
int npu_ioctl(struct npu_dev *d, int fd, unsigned long req, void *arg);

#endif /* LIBACCEL_NPU_DEV_INTERNAL_H */
