/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * io_uring helpers of the kselftests: one URING_CMD SQE carrying a submit
 * payload, and a submit-and-wait of one command.
 */
#ifndef _ENPU_URING_TEST_H_
#define _ENPU_URING_TEST_H_

#include <errno.h>
#include <string.h>
#include <liburing.h>

#include <drm/enpu_accel.h>

/* Queue command @op with payload @s (the rest of the 80 bytes zero). */
static inline struct io_uring_sqe *
enpu_prep_uring_cmd(struct io_uring *ring, int fd, uint32_t op,
		    const struct drm_enpu_submit *s, uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = op;
	memset(sqe->cmd, 0, 80);
	memcpy(sqe->cmd, s, sizeof(*s));
	sqe->user_data = tag;
	return sqe;
}

/* Submit one command and wait: its CQE's res, or a negative errno. */
static inline int enpu_uring_one(struct io_uring *ring, int fd, uint32_t op,
				 const struct drm_enpu_submit *s)
{
	struct io_uring_cqe *cqe;
	int ret;

	enpu_prep_uring_cmd(ring, fd, op, s, 42);
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret)
		return ret;
	ret = cqe->user_data == 42 ? cqe->res : -EIO;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

#endif /* _ENPU_URING_TEST_H_ */
