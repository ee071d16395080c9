// SPDX-License-Identifier: MIT
/*
 * The NPU device (enpu.ko through libdrm): discovery, capabilities, opening
 * a context (and its io_uring), buffer objects.  Submission and reaping are
 * backend/npu_submit.c; the interface is backend/npu_dev.h.
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

/* ioctl() returning 0 or -errno; every call counted. */
int npu_ioctl(struct npu_dev *d, int fd, unsigned long req, void *arg)
{
	int r;

	do {
		if (d)
			d->stats.ioctls++;
		r = ioctl(fd, req, arg);
	} while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r == -1 ? -errno : 0;
}

static int get_param(int fd, uint32_t param, uint64_t *val)
{
	struct drm_enpu_get_param p = { .param = param };
	int r = npu_ioctl(NULL, fd, DRM_IOCTL_ENPU_GET_PARAM, &p);

	if (!r)
		*val = p.value;
	return r;
}

static int read_caps(int fd, struct npu_caps *c)
{
	static const uint32_t ids[] = {
		DRM_ENPU_PARAM_DRIVER_VERSION, DRM_ENPU_PARAM_ISA_VERSION,
		DRM_ENPU_PARAM_FW_VERSION, DRM_ENPU_PARAM_CAPABILITIES,
		DRM_ENPU_PARAM_NUM_ENGINES, DRM_ENPU_PARAM_ENGINE_TYPE,
		DRM_ENPU_PARAM_MEMORY_SIZE, DRM_ENPU_PARAM_MAX_BO_SIZE,
		DRM_ENPU_PARAM_JOB_TIMEOUT_MS,
	};
	uint64_t v[9];
	size_t i;
	int r;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		r = get_param(fd, ids[i], &v[i]);
		if (r)
			return r;
	}
	c->driver_version = (uint32_t)v[0];
	c->isa_version = (uint32_t)v[1];
	c->fw_version = (uint32_t)v[2];
	c->caps = v[3];
	c->num_engines = (uint32_t)v[4];
	c->engine_type = (uint32_t)v[5];
	c->memory_size = v[6];
	c->max_bo_size = v[7];
	c->timeout_ms = (uint32_t)v[8];
	return 0;
}

/*
 * Open node @index and say whether it is an ENPU device libaccel can use.
 * Returns the fd (>= 0) when it is an enpu node, even if unusable; fills
 * @info.
 */
static int probe_fd(int index, struct accel_device_info *info)
{
	drmVersionPtr v;
	int fd, r;

	memset(info, 0, sizeof(*info));
	info->kind = ACCEL_DEVICE_NPU;
	snprintf(info->path, sizeof(info->path), "/dev/accel/accel%d", index);
	fd = open(info->path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			return r;
		info->usable = r;
		snprintf(info->why, sizeof(info->why), "open: %s",
			 strerror(-r));
		return r;
	}
	v = drmGetVersion(fd);
	if (!v) {
		info->usable = -ENODEV;
		snprintf(info->why, sizeof(info->why),
			 "DRM_IOCTL_VERSION failed: not a DRM device");
		close(fd);
		return -ENODEV;
	}
	snprintf(info->driver, sizeof(info->driver), "%s",
		 v->name ? v->name : "");
	snprintf(info->description, sizeof(info->description), "%s",
		 v->desc ? v->desc : "");
	drmFreeVersion(v);
	if (strcmp(info->driver, "enpu")) {
		info->usable = -ENODEV;
		snprintf(info->why, sizeof(info->why),
			 "DRM driver '%s' is not enpu", info->driver);
		close(fd);
		return -ENODEV;
	}
	{
		struct npu_caps c = { 0 };

		r = read_caps(fd, &c);
		info->driver_version = c.driver_version;
		info->isa_version = c.isa_version;
		info->fw_version = c.fw_version;
		info->capabilities = c.caps;
		info->num_engines = c.num_engines;
		info->engine_type = c.engine_type;
		info->memory_size = c.memory_size;
		info->max_alloc_size = c.max_bo_size;
		info->job_timeout_ms = c.timeout_ms;
		if (r) {
			info->usable = r;
			snprintf(info->why, sizeof(info->why),
				 "GET_PARAM failed: %s", strerror(-r));
		} else if ((c.isa_version >> 16) != ENPU_ISA_VERSION_MAJOR ||
			   (int)(c.isa_version & 0xffff) < (int)ENPU_ISA_VERSION_MINOR) {
			info->usable = -EOPNOTSUPP;
			snprintf(info->why, sizeof(info->why),
				 "device ISA %u.%u, libaccel needs %u.%u or a later minor",
				 c.isa_version >> 16, c.isa_version & 0xffff,
				 ENPU_ISA_VERSION_MAJOR, ENPU_ISA_VERSION_MINOR);
		} else if (!(c.caps & DRM_ENPU_CAP_URING_SUBMIT)) {
			info->usable = 0;
			snprintf(info->why, sizeof(info->why),
				 "usable (ioctl submission only)");
		} else {
			snprintf(info->why, sizeof(info->why), "usable");
		}
	}
	return fd;
}

int npu_probe(int index, struct accel_device_info *info)
{
	int fd = probe_fd(index, info);

	if (fd == -ENOENT)
		return fd;
	if (fd >= 0)
		close(fd);
	return 0;
}

static int ring_init(struct npu_dev *d, unsigned int depth,
		     struct accel_err *e)
{
	struct io_uring_params p;
	int r;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128;
	if (d->mode == NPU_SUBMIT_SQPOLL) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 100;	/* ms before the poller sleeps */
	}
	r = io_uring_queue_init_params(depth, &d->ring, &p);
	if (r && d->mode == NPU_SUBMIT_SQPOLL) {
		/* No SQPOLL here (e.g. seccomp, old kernel): plain io_uring. */
		d->mode = NPU_SUBMIT_URING;
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_SQE128;
		r = io_uring_queue_init_params(depth, &d->ring, &p);
	}
	if (r)
		return accel_seterr(e, r, "%s: io_uring setup (SQE128%s): %s",
				    d->path,
				    d->mode == NPU_SUBMIT_SQPOLL ? ", SQPOLL" : "",
				    strerror(-r));
	d->ring_ok = true;
	return 0;
}

int npu_open(int index, enum npu_submit_mode mode, unsigned int depth,
	     struct npu_dev **out, struct accel_err *e)
{
	struct accel_device_info info;
	struct npu_dev *d;
	int i, fd = -ENODEV, r, seen = 0;
	char why[256] = "no /dev/accel/accel* device";

	for (i = index >= 0 ? index : 0; i < NPU_MAX_NODES; i++) {
		fd = probe_fd(i, &info);
		if (fd >= 0 && !info.usable)
			break;
		if (fd != -ENOENT) {
			seen++;
			snprintf(why, sizeof(why), "%s: %s", info.path,
				 info.why);
		}
		if (fd >= 0)
			close(fd);
		fd = -ENODEV;
		if (index >= 0)
			break;
	}
	if (fd < 0)
		return accel_seterr(e, -ENODEV, "npu: no usable ENPU device (%s%s)",
				    why, seen > 1 ? ", and others" : "");
	d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return accel_seterr(e, -ENOMEM, "out of memory");
	}
	d->fd = fd;
	snprintf(d->path, sizeof(d->path), "%s", info.path);
	r = read_caps(fd, &d->caps);
	if (r) {
		npu_close(d);
		return accel_seterr(e, r, "%s: GET_PARAM: %s", info.path,
				    strerror(-r));
	}
	if (!(d->caps.caps & DRM_ENPU_CAP_URING_SUBMIT))
		mode = NPU_SUBMIT_IOCTL;
	d->mode = mode;
	if (mode != NPU_SUBMIT_IOCTL) {
		r = ring_init(d, depth ? depth : 256, e);
		if (r) {
			npu_close(d);
			return r;
		}
	}
	*out = d;
	return 0;
}

void npu_close(struct npu_dev *d)
{
	if (!d)
		return;
	/* Jobs still in the kernel are cancelled by closing the fd/ring. */
	if (d->ring_ok)
		io_uring_queue_exit(&d->ring);
	if (d->fd >= 0)
		close(d->fd);
	free(d);
}

const struct npu_caps *npu_caps(const struct npu_dev *d)
{
	return &d->caps;
}

const char *npu_path(const struct npu_dev *d)
{
	return d->path;
}

enum npu_submit_mode npu_mode(const struct npu_dev *d)
{
	return d->mode;
}

bool npu_cmdbuf_in_bo(const struct npu_dev *d)
{
	return d->caps.caps & DRM_ENPU_CAP_CMDBUF_BO;
}

void npu_get_stats(const struct npu_dev *d, struct npu_stats *s)
{
	*s = d->stats;
}

unsigned int npu_inflight(const struct npu_dev *d)
{
	return d->inflight;
}

int npu_bo_alloc(struct npu_dev *d, size_t size, struct npu_bo *bo,
		 struct accel_err *e)
{
	struct drm_enpu_bo_create c = { .size = size ? size : 1 };
	struct drm_enpu_bo_mmap_offset mo = { 0 };
	struct drm_gem_close gc = { 0 };
	void *p;
	int r;

	memset(bo, 0, sizeof(*bo));
	if (d->caps.max_bo_size && size > d->caps.max_bo_size)
		return accel_seterr(e, -E2BIG, "%s: buffer of %zu bytes exceeds the device's limit of %llu",
				    d->path, size,
				    (unsigned long long)d->caps.max_bo_size);
	r = npu_ioctl(d, d->fd, DRM_IOCTL_ENPU_BO_CREATE, &c);
	if (r)
		return accel_seterr(e, r, "%s: BO_CREATE of %zu bytes: %s",
				    d->path, size, strerror(-r));
	mo.handle = c.handle;
	r = npu_ioctl(d, d->fd, DRM_IOCTL_ENPU_BO_MMAP_OFFSET, &mo);
	if (!r) {
		p = mmap(NULL, (size_t)c.size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, d->fd, (off_t)mo.offset);
		if (p == MAP_FAILED)
			r = -errno;
	}
	if (r) {
		gc.handle = c.handle;
		npu_ioctl(d, d->fd, DRM_IOCTL_GEM_CLOSE, &gc);
		return accel_seterr(e, r, "%s: mapping a BO of %zu bytes: %s",
				    d->path, size, strerror(-r));
	}
	bo->handle = c.handle;
	bo->map = p;
	bo->size = (size_t)c.size;
	return 0;
}

void npu_bo_free(struct npu_dev *d, struct npu_bo *bo)
{
	struct drm_gem_close gc = { .handle = bo->handle };

	if (!bo->handle)
		return;
	if (bo->map)
		munmap(bo->map, bo->size);
	npu_ioctl(d, d->fd, DRM_IOCTL_GEM_CLOSE, &gc);
	memset(bo, 0, sizeof(*bo));
}
