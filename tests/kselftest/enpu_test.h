/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the enpu kselftests: find and open the device, BOs, and
 * a tiny command buffer built here from the ISA header (a LUT operation,
 * whose result the tests compute independently).
 */
#ifndef _ENPU_TEST_H_
#define _ENPU_TEST_H_

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include <drm/enpu_accel.h>
#include <drm/enpu_isa.h>

/* ioctl() returning -errno, so ASSERT_EQ(-EINVAL, ...) reads naturally. */
static inline int enpu_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : ret;
}

/* Open the first node "<fmt with N>" (N = 0..63) whose DRM driver is @drv. */
static inline int enpu_open_drm_node(const char *fmt, const char *drv)
{
	char path[64], name[32];
	int i, fd;

	for (i = 0; i < 64; i++) {
		struct drm_version v;

		snprintf(path, sizeof(path), fmt, i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (enpu_ioctl(fd, DRM_IOCTL_VERSION, &v) == 0 &&
		    !strcmp(name, drv))
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * The device under test: $ENPU_DEVICE (e.g. /dev/accel/accel1, the PCI
 * NPU's node in the pci-vm suite) when set, else the first enpu node.
 */
static inline const char *enpu_device_path(void)
{
	const char *p = getenv("ENPU_DEVICE");

	return p && *p ? p : NULL;
}

/* Open the device under test; -1 if none. */
static inline int enpu_open_device(void)
{
	const char *p = enpu_device_path();

	if (p)
		return open(p, O_RDWR | O_CLOEXEC);
	return enpu_open_drm_node("/dev/accel/accel%d", "enpu");
}

/* The engine type the device under test has ($ENPU_ENGINE "pci" or soft). */
static inline uint64_t enpu_expected_engine(void)
{
	const char *e = getenv("ENPU_ENGINE");

	return e && !strcmp(e, "pci") ? DRM_ENPU_ENGINE_PCI : DRM_ENPU_ENGINE_SOFT;
}

/*
 * Inside the test VM (tests/vm/init.sh exports ENPU_VM=1) the module was
 * loaded so that these tests run: a missing device, debugfs or kernel
 * feature there is a failure.  On a development box it is a skip.
 */
static inline int enpu_in_vm(void)
{
	const char *v = getenv("ENPU_VM");

	return v && *v && strcmp(v, "0");
}

/*
 * In a kselftest harness test or fixture setup: when @cond is false, SKIP
 * (outside the VM) or FAIL (inside it) with the message, then @statement.
 */
#define ENPU_REQUIRE(cond, statement, fmt, ...)				\
	do {								\
		if (cond)						\
			break;						\
		if (enpu_in_vm()) {					\
			TH_LOG("FAIL inside the test VM (ENPU_VM=1): " fmt, \
			       ##__VA_ARGS__);				\
			_metadata->exit_code = KSFT_FAIL;		\
			statement;					\
		}							\
		SKIP(statement, fmt, ##__VA_ARGS__);			\
	} while (0)

/* Open the device into @fd or SKIP/FAIL as ENPU_REQUIRE(), then @statement. */
#define ENPU_OPEN_DEVICE(fd, statement)					\
	do {								\
		(fd) = enpu_open_device();				\
		ENPU_REQUIRE((fd) >= 0, statement,			\
			     "no enpu accel device (module not loaded?)"); \
	} while (0)

static inline int enpu_bo_create(int fd, uint64_t size, uint32_t *handle)
{
	struct drm_enpu_bo_create c = { .size = size };
	int ret = enpu_ioctl(fd, DRM_IOCTL_ENPU_BO_CREATE, &c);

	if (!ret)
		*handle = c.handle;
	return ret;
}

static inline void *enpu_bo_map(int fd, uint32_t handle, size_t size)
{
	struct drm_enpu_bo_mmap_offset m = { .handle = handle };
	void *p;

	if (enpu_ioctl(fd, DRM_IOCTL_ENPU_BO_MMAP_OFFSET, &m))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, m.offset);
	return p == MAP_FAILED ? NULL : p;
}

static inline int enpu_bo_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return enpu_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static inline int64_t enpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static inline int enpu_wait(int fd, uint64_t job_id, int64_t rel_ns,
			    int32_t *status)
{
	struct drm_enpu_wait w = {
		.job_id = job_id,
		.timeout_ns = enpu_now_ns() + rel_ns,
	};
	int ret = enpu_ioctl(fd, DRM_IOCTL_ENPU_WAIT, &w);

	if (!ret && status)
		*status = w.job_status;
	return ret;
}

/*
 * The LUT job: slot 0 holds N int8 inputs at offset 0 and the 256-entry
 * int8 table at ENPU_T_TABLE_OFF, slot 1 the N outputs at out_off.
 */
#define ENPU_T_N		1000
#define ENPU_T_TABLE_OFF	4096
#define ENPU_T_BO_SIZE		8192
#define ENPU_T_CMDBUF_SIZE	(72 + 3 * 48 + 96)

struct enpu_lut_cmdbuf {
	uint8_t bytes[ENPU_T_CMDBUF_SIZE];
};

static inline void enpu_t_tensor(struct enpu_tensor *t, uint32_t slot,
				 uint64_t offset, uint32_t n)
{
	memset(t, 0, sizeof(*t));
	t->slot = slot;
	t->dtype = ENPU_DTYPE_S8;
	t->rank = 1;
	t->offset = offset;
	t->dims[0] = n;
	t->dims[1] = t->dims[2] = t->dims[3] = 1;
}

/*
 * Header of a one-op command buffer: three tensors at 72, the op right
 * after them, @nquant quant records at @quant_off.
 */
static inline void enpu_t_header(struct enpu_cmdbuf_header *h,
				 uint32_t total, uint32_t slots,
				 uint32_t quant_off, uint32_t nquant)
{
	memset(h, 0, sizeof(*h));
	h->magic = ENPU_ISA_MAGIC;
	h->version_major = ENPU_ISA_VERSION_MAJOR;
	h->version_minor = ENPU_ISA_VERSION_MINOR;
	h->header_size = sizeof(*h);
	h->total_size = total;
	h->num_slots = slots;
	h->tensor_offset = 72;
	h->tensor_size = sizeof(struct enpu_tensor);
	h->num_tensors = 3;
	h->op_offset = 72 + 3 * 48;
	h->op_size = sizeof(struct enpu_op);
	h->num_ops = 1;
	h->quant_offset = quant_off;
	h->quant_size = sizeof(struct enpu_quant);
	h->num_quant = nquant;
}

/* The op: tensors 0 and 1 in, 2 out, full int8 activation range. */
static inline void enpu_t_op(struct enpu_op *op, uint32_t opcode)
{
	memset(op, 0, sizeof(*op));
	op->opcode = opcode;
	op->in[0] = 0;
	op->in[1] = 1;
	op->in[2] = ENPU_NO_TENSOR;
	op->out = 2;
	op->act_min = -128;
	op->act_max = 127;
}

/*
 * Build out[i] = table[in[i] + 128] over n elements: inputs at @in_off and
 * the table at @table_off in slot 0, outputs at @out_off in slot 1.
 */
static inline void enpu_build_lut_at(struct enpu_lut_cmdbuf *cb, uint32_t n,
				     uint64_t in_off, uint64_t table_off,
				     uint64_t out_off)
{
	struct enpu_cmdbuf_header h;
	struct enpu_tensor t[3];
	struct enpu_op op;

	memset(cb, 0, sizeof(*cb));
	enpu_t_header(&h, ENPU_T_CMDBUF_SIZE, 2, ENPU_T_CMDBUF_SIZE, 0);
	memcpy(cb->bytes, &h, sizeof(h));

	enpu_t_tensor(&t[0], 0, in_off, n);
	enpu_t_tensor(&t[1], 0, table_off, 256);
	enpu_t_tensor(&t[2], 1, out_off, n);
	memcpy(cb->bytes + h.tensor_offset, t, sizeof(t));

	enpu_t_op(&op, ENPU_OP_LUT);
	memcpy(cb->bytes + h.op_offset, &op, sizeof(op));
}

/* The same with inputs at 0, the table at ENPU_T_TABLE_OFF. */
static inline void enpu_build_lut(struct enpu_lut_cmdbuf *cb, uint32_t n,
				  uint64_t out_off)
{
	enpu_build_lut_at(cb, n, 0, ENPU_T_TABLE_OFF, out_off);
}

/* Independent reference data: a pseudo-random input and an affine table. */
static inline int8_t enpu_t_input(uint32_t i, uint32_t seed)
{
	uint32_t x = (i + 1) * 2654435761u ^ seed * 40503u;

	return (int8_t)(x >> 24);
}

static inline int8_t enpu_t_table(int v)	/* v in [-128, 127] */
{
	return (int8_t)(uint8_t)(v * 3 + 17);
}

/* Fill slot 0 (inputs + table) for a seed. */
static inline void enpu_t_fill(int8_t *in, uint32_t n, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		in[i] = enpu_t_input(i, seed);
	for (i = 0; i < 256; i++)
		in[ENPU_T_TABLE_OFF + i] = enpu_t_table((int)i - 128);
}

/* Number of output bytes that differ from the reference. */
static inline uint32_t enpu_t_check(const int8_t *out, uint32_t n,
				    uint32_t seed)
{
	uint32_t i, bad = 0;

	for (i = 0; i < n; i++)
		if (out[i] != enpu_t_table(enpu_t_input(i, seed)))
			bad++;
	return bad;
}

static inline void enpu_t_submit_args(struct drm_enpu_submit *s,
				      const struct enpu_lut_cmdbuf *cb,
				      const uint32_t *handles)
{
	memset(s, 0, sizeof(*s));
	s->cmdbuf_ptr = (uintptr_t)cb->bytes;
	s->cmdbuf_size = sizeof(cb->bytes);
	s->bo_handles = (uintptr_t)handles;
	s->bo_count = 2;
	s->bo_handle_size = sizeof(uint32_t);
}

/* A LUT job on two fresh BOs of its own, mapped, ready to SUBMIT. */
struct enpu_lut_job {
	uint32_t bo[2];
	int8_t *in, *out;
	struct enpu_lut_cmdbuf cb;
	struct drm_enpu_submit s;
};

/* Create and map the BOs, fill the inputs for @seed; -1 on failure. */
static inline int enpu_lut_job_init(int fd, struct enpu_lut_job *j,
				    uint32_t seed)
{
	if (enpu_bo_create(fd, ENPU_T_BO_SIZE, &j->bo[0]) ||
	    enpu_bo_create(fd, ENPU_T_BO_SIZE, &j->bo[1]))
		return -1;
	j->in = enpu_bo_map(fd, j->bo[0], ENPU_T_BO_SIZE);
	j->out = enpu_bo_map(fd, j->bo[1], ENPU_T_BO_SIZE);
	if (!j->in || !j->out)
		return -1;
	enpu_t_fill(j->in, ENPU_T_N, seed);
	enpu_build_lut(&j->cb, ENPU_T_N, 0);
	enpu_t_submit_args(&j->s, &j->cb, j->bo);
	return 0;
}

/* Unmap the BOs (closing the file frees them). */
static inline void enpu_lut_job_unmap(struct enpu_lut_job *j)
{
	munmap(j->in, ENPU_T_BO_SIZE);
	munmap(j->out, ENPU_T_BO_SIZE);
}

/*
 * A fully-connected job: [m,k] x [k,n] -> [m,n], int8, slots 0..2 (sizes
 * m*k, k*n, m*n bytes).  m*k*n multiply-accumulates of CPU time: the tests
 * use it as a job of tunable length.
 */
#define ENPU_FC_CB_SIZE	(72 + 3 * 48 + 96 + 16)

static inline void enpu_build_fc(uint8_t *cb, uint32_t m, uint32_t k,
				 uint32_t n)
{
	struct enpu_cmdbuf_header h;
	struct enpu_tensor t[3];
	struct enpu_op op;
	struct enpu_quant q;
	int i;

	memset(cb, 0, ENPU_FC_CB_SIZE);
	enpu_t_header(&h, ENPU_FC_CB_SIZE, 3, 72 + 3 * 48 + 96, 1);
	memcpy(cb, &h, sizeof(h));

	memset(t, 0, sizeof(t));
	for (i = 0; i < 3; i++) {
		t[i].slot = i;
		t[i].dtype = ENPU_DTYPE_S8;
		t[i].rank = 2;
		t[i].dims[2] = t[i].dims[3] = 1;
	}
	t[0].dims[0] = m;
	t[0].dims[1] = k;
	t[1].dims[0] = k;
	t[1].dims[1] = n;
	t[2].dims[0] = m;
	t[2].dims[1] = n;
	memcpy(cb + h.tensor_offset, t, sizeof(t));

	enpu_t_op(&op, ENPU_OP_FULLY_CONNECTED);
	op.quant_index = 0;
	op.quant_count = 1;
	memcpy(cb + h.op_offset, &op, sizeof(op));

	memset(&q, 0, sizeof(q));
	q.multiplier = 1 << 30;
	q.shift = 8;
	memcpy(cb + h.quant_offset, &q, sizeof(q));
}

/* Three fresh BOs for an [m,k] x [k,n] job: no implicit dependency. */
static inline int enpu_fc_bos(int fd, uint32_t m, uint32_t k, uint32_t n,
			      uint32_t *bo)
{
	int ret;

	ret = enpu_bo_create(fd, (uint64_t)m * k, &bo[0]);
	if (!ret)
		ret = enpu_bo_create(fd, (uint64_t)k * n, &bo[1]);
	if (!ret)
		ret = enpu_bo_create(fd, (uint64_t)m * n, &bo[2]);
	return ret;
}

static inline void enpu_fc_submit_args(struct drm_enpu_submit *s,
				       const uint8_t *cb, const uint32_t *bo)
{
	memset(s, 0, sizeof(*s));
	s->cmdbuf_ptr = (uintptr_t)cb;
	s->cmdbuf_size = ENPU_FC_CB_SIZE;
	s->bo_handles = (uintptr_t)bo;
	s->bo_count = 3;
	s->bo_handle_size = sizeof(uint32_t);
}

static inline int enpu_syncobj_create(int fd, uint32_t *handle)
{
	struct drm_syncobj_create c = { 0 };
	int ret = enpu_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c);

	if (!ret)
		*handle = c.handle;
	return ret;
}

static inline int enpu_syncobj_destroy(int fd, uint32_t handle)
{
	struct drm_syncobj_destroy d = { .handle = handle };

	return enpu_ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
}

/*
 * CLOCK_MONOTONIC time at which the fence in a syncobj signalled, read from
 * the kernel through a sync_file export: the completion order of jobs in
 * different processes, independent of when their submitters got to run.
 * -EBUSY if not signalled yet.
 */
static inline int enpu_syncobj_signal_ns(int fd, uint32_t handle,
					 int64_t *ns)
{
	struct drm_syncobj_handle h = {
		.handle = handle,
		.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1,
	};
	struct sync_fence_info fi;
	struct sync_file_info info;
	int ret;

	ret = enpu_ioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h);
	if (ret)
		return ret;
	memset(&info, 0, sizeof(info));
	memset(&fi, 0, sizeof(fi));
	info.num_fences = 1;
	info.sync_fence_info = (uintptr_t)&fi;
	ret = enpu_ioctl(h.fd, SYNC_IOC_FILE_INFO, &info);
	close(h.fd);
	if (ret)
		return ret;
	if (info.num_fences != 1 || fi.status == 0)
		return -EBUSY;
	*ns = (int64_t)fi.timestamp_ns;
	return 0;
}

/*
 * The device's debugfs directory (found by a @file in it), or NULL when
 * there is not exactly one.
 */
static inline const char *enpu_debugfs_dir(const char *file)
{
	static char dir[256];
	char pat[128];
	glob_t g;
	int n;

	if (enpu_device_path()) {
		/* accel/<parent device>: the name behind /sys/class/accel/X/device */
		char link[128], target[200], probe[300], *base;
		const char *node = strrchr(enpu_device_path(), '/');
		ssize_t len;

		snprintf(link, sizeof(link), "/sys/class/accel/%s/device",
			 node ? node + 1 : enpu_device_path());
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			return NULL;
		target[len] = 0;
		base = strrchr(target, '/');
		snprintf(dir, sizeof(dir), "/sys/kernel/debug/accel/%s",
			 base ? base + 1 : target);
		snprintf(probe, sizeof(probe), "%s/%s", dir, file);
		return access(probe, F_OK) ? NULL : dir;
	}

	snprintf(pat, sizeof(pat), "/sys/kernel/debug/accel/*/%s", file);
	if (glob(pat, 0, NULL, &g))
		return NULL;
	n = g.gl_pathc;
	if (n == 1) {
		snprintf(dir, sizeof(dir), "%s", g.gl_pathv[0]);
		*strrchr(dir, '/') = 0;
	}
	globfree(&g);
	return n == 1 ? dir : NULL;
}

/* A single number file ("jobs") or, with @key, a "key N" line; -1 if none. */
static inline long enpu_debugfs_read(const char *dir, const char *file,
				     const char *key)
{
	char path[320], buf[1024] = { 0 }, *p = buf;
	long v = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0) {
		if (key) {
			p = strstr(buf, key);
			p = p ? p + strlen(key) : NULL;
		}
		if (p)
			v = strtol(p, NULL, 10);
	}
	close(fd);
	return v;
}

/* Wait (bounded) until a debugfs count drops to at most @want. */
static inline long enpu_debugfs_settle(const char *dir, const char *file,
				       long want)
{
	long v = enpu_debugfs_read(dir, file, NULL);
	int i;

	for (i = 0; i < 6000 && v > want; i++) {
		usleep(10000);
		v = enpu_debugfs_read(dir, file, NULL);
	}
	return v;
}

/*
 * Many distinct LUT jobs on one input and one output BO: job j reads
 * ENPU_M_N inputs at j * ENPU_M_N (filled for seed ENPU_M_SEED + j) and the
 * table placed after all inputs, and writes ENPU_M_N outputs at
 * j * ENPU_M_N.  Every job writes different bytes to its own region, so
 * enpu_many_check() sees each job that did not run (or ran another's
 * command buffer).
 */
#define ENPU_M_N	128
#define ENPU_M_SEED	1000

struct enpu_many {
	uint32_t jobs;
	uint32_t bo[2];
	size_t in_size, out_size;
	int8_t *in, *out;
	struct enpu_lut_cmdbuf *cb;	/* one per job */
	struct drm_enpu_submit *s;	/* one per job */
};

static inline int enpu_many_init(int fd, struct enpu_many *m, uint32_t jobs,
				 uint32_t in_syncobj)
{
	uint64_t table = (uint64_t)jobs * ENPU_M_N;
	uint32_t j, i;

	memset(m, 0, sizeof(*m));
	m->jobs = jobs;
	m->in_size = table + 256;
	m->out_size = table;
	m->cb = calloc(jobs, sizeof(*m->cb));
	m->s = calloc(jobs, sizeof(*m->s));
	if (!m->cb || !m->s ||
	    enpu_bo_create(fd, m->in_size, &m->bo[0]) ||
	    enpu_bo_create(fd, m->out_size, &m->bo[1]))
		return -1;
	m->in = enpu_bo_map(fd, m->bo[0], m->in_size);
	m->out = enpu_bo_map(fd, m->bo[1], m->out_size);
	if (!m->in || !m->out)
		return -1;
	for (j = 0; j < jobs; j++)
		for (i = 0; i < ENPU_M_N; i++)
			m->in[(size_t)j * ENPU_M_N + i] =
				enpu_t_input(i, ENPU_M_SEED + j);
	for (i = 0; i < 256; i++)
		m->in[table + i] = enpu_t_table((int)i - 128);
	memset(m->out, 0x55, m->out_size);
	for (j = 0; j < jobs; j++) {
		enpu_build_lut_at(&m->cb[j], ENPU_M_N, (uint64_t)j * ENPU_M_N,
				  table, (uint64_t)j * ENPU_M_N);
		enpu_t_submit_args(&m->s[j], &m->cb[j], m->bo);
		m->s[j].in_syncobj = in_syncobj;
	}
	return 0;
}

/* Number of jobs whose output region differs from the reference. */
static inline uint32_t enpu_many_check(const struct enpu_many *m)
{
	uint32_t j, bad = 0;

	for (j = 0; j < m->jobs; j++)
		bad += enpu_t_check(m->out + (size_t)j * ENPU_M_N, ENPU_M_N,
				    ENPU_M_SEED + j) != 0;
	return bad;
}

static inline void enpu_many_fini(struct enpu_many *m)
{
	if (m->in)
		munmap(m->in, m->in_size);
	if (m->out)
		munmap(m->out, m->out_size);
	free(m->cb);
	free(m->s);
}

/*
 * A gate: a fence nothing in enpu signals, so that jobs given it as their
 * in_syncobj are all queued (counted in debugfs "jobs") until the test
 * opens it.  It comes from vgem, the virtual GEM driver (loaded in the
 * test VM): a fence attached to a vgem BO, exported from its dma-buf as a
 * sync_file, which any process imports into a syncobj of its own.  vgem
 * signals it by itself after 10 s, which bounds a test that dies with the
 * gate closed.  The vgem uAPI (include/uapi/drm/vgem_drm.h), not in libdrm:
 */
struct enpu_t_vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;		/* 1: VGEM_FENCE_WRITE */
	uint32_t out_fence;
	uint32_t pad;
};

struct enpu_t_vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};

#define ENPU_T_VGEM_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct enpu_t_vgem_fence_attach)
#define ENPU_T_VGEM_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + 0x2, struct enpu_t_vgem_fence_signal)

struct enpu_gate {
	int vgem;		/* the vgem device, -1 if none */
	uint32_t fence;		/* vgem's fence id */
	int sync_file;		/* the fence as a sync_file */
};

/* The first /dev/dri/cardN whose driver is vgem; -1 if none. */
static inline int enpu_open_vgem(void)
{
	return enpu_open_drm_node("/dev/dri/card%d", "vgem");
}

/* A closed gate; -ENODEV without vgem, another -errno on failure. */
static inline int enpu_gate_init(struct enpu_gate *g)
{
	struct drm_mode_create_dumb dumb = {
		.width = 1024, .height = 1, .bpp = 32,
	};
	struct enpu_t_vgem_fence_attach att = { .flags = 1 };
	struct drm_prime_handle ph = { .flags = DRM_CLOEXEC, .fd = -1 };
	struct dma_buf_export_sync_file es = {
		.flags = DMA_BUF_SYNC_RW, .fd = -1,
	};
	int ret;

	g->sync_file = -1;
	g->vgem = enpu_open_vgem();
	if (g->vgem < 0)
		return -ENODEV;
	ret = enpu_ioctl(g->vgem, DRM_IOCTL_MODE_CREATE_DUMB, &dumb);
	if (ret)
		return ret;
	att.handle = dumb.handle;
	ret = enpu_ioctl(g->vgem, ENPU_T_VGEM_FENCE_ATTACH, &att);
	if (ret)
		return ret;
	g->fence = att.out_fence;
	ph.handle = dumb.handle;
	ret = enpu_ioctl(g->vgem, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
	if (ret)
		return ret;
	ret = enpu_ioctl(ph.fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &es);
	close(ph.fd);
	if (ret)
		return ret;
	g->sync_file = es.fd;
	return 0;
}

/* A new syncobj of @fd holding the gate's fence (for in_syncobj). */
static inline int enpu_gate_syncobj(int fd, const struct enpu_gate *g,
				    uint32_t *handle)
{
	struct drm_syncobj_handle h = {
		.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
		.fd = g->sync_file,
	};
	int ret = enpu_syncobj_create(fd, handle);

	if (ret)
		return ret;
	h.handle = *handle;
	return enpu_ioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h);
}

/*
 * Open the gate: 0, or -ETIMEDOUT when vgem's 10 s timer had opened it
 * already (so the jobs were not all held back the whole time).
 */
static inline int enpu_gate_open(struct enpu_gate *g)
{
	struct enpu_t_vgem_fence_signal sig = { .fence = g->fence };

	return enpu_ioctl(g->vgem, ENPU_T_VGEM_FENCE_SIGNAL, &sig);
}

/* Close the gate's files (an unopened gate then opens by vgem's timer). */
static inline void enpu_gate_fini(struct enpu_gate *g)
{
	if (g->sync_file >= 0)
		close(g->sync_file);
	if (g->vgem >= 0)
		close(g->vgem);
	g->sync_file = g->vgem = -1;
}

#endif /* _ENPU_TEST_H_ */
