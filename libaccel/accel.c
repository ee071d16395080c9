// SPDX-License-Identifier: MIT
/*
 * libaccel public API: contexts, models, synchronous runs on the CPU backend.
 *
 * A model keeps its graph and a small cache of compiled forms, one per set of
 * input shapes.  Each compiled form is either an int8 program (ENPU command
 * buffer executed by the firmware core, with quantize/dequantize at the
 * graph's edges) or, when the graph does not lower to the ISA, a float plan
 * for the CPU graph executor.
 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm/enpu_isa.h>

#include "accel.h"
#include "cpu/plan.h"
#include "enpu_fw.h"
#include "ir.h"
#include "npu.h"
#include "qcompile.h"

#define ACCEL_MODEL_MAX_BYTES	(1ULL << 31)
#define ACCEL_CACHE_MAX		8

static __thread char last_error[ACCEL_ERR_MSG_MAX];

/* Record the message for accel_last_error() and pass the errno through. */
static int fail(int err, const struct accel_err *e)
{
	if (e && e->msg[0])
		snprintf(last_error, sizeof(last_error), "%s", e->msg);
	else
		snprintf(last_error, sizeof(last_error), "%s",
			 accel_strerror(err));
	return err;
}

static int failf(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int failf(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

/* A finished asynchronous request waiting for accel_poll()/accel_wait(). */
struct done_queue {
	struct accel_completion *v;
	size_t head, len, cap;
};

struct accel_ctx {
	enum accel_device device;	/* CPU or NPU, never AUTO */
	bool auto_fallback;		/* AUTO: models the NPU cannot run go to the CPU */
	uint32_t flags;			/* ACCEL_CTX_* */
	unsigned int depth;		/* most frames per compiled form */
	struct npu_dev *npu;		/* NPU contexts */
	pthread_mutex_t lock;		/* protects npu, done, frames' busy, stats */
	struct done_queue done;
	unsigned int pending;		/* submitted, completion not yet returned */
	uint64_t cpu_submitted, cpu_completed;
};

struct compiled;

/*
 * One set of buffers to run a compiled int8 form: the arena and the edge
 * tensors (mmapped BOs on the NPU, heap on the CPU).  Several frames let
 * requests overlap; one frame is reserved for the zero-copy mapping.
 */
struct frame {
	struct compiled *c;
	struct npu_job job;		/* NPU */
	struct enpu_fw_buf *slots;	/* CPU view of every slot */
	struct npu_bo *bos;		/* NPU: per slot (slot 0 unused) */
	bool busy;			/* under ctx->lock */
	bool mapped;			/* the zero-copy frame */
	bool async;
	uint64_t user_data;
	void **out_data;		/* async: where to dequantize outputs */
};

/* One compiled form of a model, for one set of input shapes. */
struct compiled {
	struct compiled *next;
	struct accel_model *m;
	struct ir_value *shapes;	/* per input: dtype/rank/dims */
	enum accel_engine engine;
	struct cpu_plan *plan;		/* ACCEL_ENGINE_FP32 */
	struct qprog *prog;		/* ACCEL_ENGINE_INT8 */
	bool on_npu;			/* INT8 uploaded to the device */
	struct npu_bo const_bo, cmd_bo;	/* NPU: slot 0 and command buffer */
	struct frame **frames;		/* INT8, grown up to ctx->depth */
	unsigned int n_frames;
	struct ir_value *out_info;
	int users;			/* runs in progress; under m->lock */
	bool pinned;			/* holds the zero-copy frame */
	pthread_mutex_t lock;		/* FP32: one run at a time (shared arena) */
};

struct accel_model {
	accel_ctx *ctx;
	struct ir_graph *g;
	char *name;
	struct accel_tensor_info *in_info, *out_info;
	pthread_mutex_t lock;		/* protects cache and last_* */
	struct compiled *cache;		/* most recently used first */
	int n_cached;
	enum accel_engine last_engine;
	enum accel_device last_device;
	size_t last_arena;
	bool warned;			/* CPU fallback logged */
	struct compiled *mapped;	/* zero-copy form, pinned */
	struct frame *mapped_frame;
	pthread_mutex_t map_lock;	/* one accel_run_mapped() at a time */
};

const char *accel_version(void)
{
	return ACCEL_VERSION_STRING;
}

const char *accel_strerror(int err)
{
	switch (-err) {
	case 0: return "success";
	case ACCEL_E_MODEL: return "malformed or unsupported model";
	case ACCEL_E_SHAPE: return "input does not fit the model";
	case ENODEV: return "no such device";
	case EOPNOTSUPP: return "not supported";
	case EINVAL: return "invalid argument";
	case ENOMEM: return "out of memory";
	case ENOSPC: return "output buffer too small";
	case E2BIG: return "too large";
	case EOVERFLOW: return "value too large";
	case ENOENT: return "no such file";
	case EIO: return "I/O error";
	default: return strerror(-err);
	}
}

const char *accel_last_error(void)
{
	return last_error;
}

const char *accel_device_name(enum accel_device device)
{
	switch (device) {
	case ACCEL_DEVICE_CPU: return "cpu";
	case ACCEL_DEVICE_NPU: return "npu";
	case ACCEL_DEVICE_AUTO: return "auto";
	}
	return "unknown";
}

size_t accel_dtype_size(int dtype)
{
	return ir_dtype_size(dtype);
}

const char *accel_dtype_name(int dtype)
{
	return ir_dtype_name(dtype);
}

static bool fallback_logged;	/* one "no NPU" line per process */

static enum npu_submit_mode submit_mode(uint32_t flags)
{
	const char *env = getenv("ACCEL_NPU_SUBMIT");

	if (env && !strcmp(env, "ioctl"))
		return NPU_SUBMIT_IOCTL;
	if (env && !strcmp(env, "sqpoll"))
		return NPU_SUBMIT_SQPOLL;
	if (env && !strcmp(env, "uring"))
		return NPU_SUBMIT_URING;
	if (flags & ACCEL_CTX_SUBMIT_IOCTL)
		return NPU_SUBMIT_IOCTL;
	if (flags & ACCEL_CTX_SQPOLL)
		return NPU_SUBMIT_SQPOLL;
	return NPU_SUBMIT_URING;
}

accel_ctx *accel_open_opts(enum accel_device device,
			   const struct accel_ctx_options *opts, int *err)
{
	const char *env = getenv("ACCEL_DEVICE");
	struct accel_ctx_options o = { .npu_index = -1 };
	struct accel_err e = { { 0 } };
	accel_ctx *ctx;
	int dummy, r;
	size_t i;

	if (!err)
		err = &dummy;
	if (opts) {
		if (opts->size < offsetof(struct accel_ctx_options, reserved)) {
			*err = failf(-EINVAL, "accel_ctx_options.size %u too small",
				     opts->size);
			return NULL;
		}
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size : sizeof(o));
		for (i = 0; i < sizeof(o.reserved) / sizeof(o.reserved[0]); i++)
			if (o.reserved[i]) {
				*err = failf(-EINVAL, "accel_ctx_options: reserved fields must be zero");
				return NULL;
			}
		if (o.flags & ~(ACCEL_CTX_SUBMIT_IOCTL | ACCEL_CTX_SQPOLL |
				ACCEL_CTX_QUIET) ||
		    (o.flags & ACCEL_CTX_SUBMIT_IOCTL && o.flags & ACCEL_CTX_SQPOLL)) {
			*err = failf(-EINVAL, "accel_ctx_options: bad flags 0x%x",
				     o.flags);
			return NULL;
		}
		if (o.queue_depth > 4096) {
			*err = failf(-EINVAL, "accel_ctx_options: queue_depth %u > 4096",
				     o.queue_depth);
			return NULL;
		}
	}
	if (device == ACCEL_DEVICE_AUTO && env && *env) {
		if (!strcmp(env, "cpu"))
			device = ACCEL_DEVICE_CPU;
		else if (!strcmp(env, "npu"))
			device = ACCEL_DEVICE_NPU;
		else if (strcmp(env, "auto")) {
			*err = failf(-EINVAL, "ACCEL_DEVICE='%s': expected cpu, npu or auto",
				     env);
			return NULL;
		}
	}
	if (device != ACCEL_DEVICE_AUTO && device != ACCEL_DEVICE_CPU &&
	    device != ACCEL_DEVICE_NPU) {
		*err = failf(-EINVAL, "unknown device %d", (int)device);
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		*err = failf(-ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->flags = o.flags;
	ctx->depth = o.queue_depth ? o.queue_depth : 256;
	ctx->device = ACCEL_DEVICE_CPU;
	if (device != ACCEL_DEVICE_CPU) {
		r = npu_open(o.npu_index, submit_mode(o.flags), ctx->depth,
			     &ctx->npu, &e);
		if (r && device == ACCEL_DEVICE_NPU) {
			*err = fail(r, &e);
			accel_close(ctx);
			return NULL;
		}
		if (r) {
			if (!(o.flags & ACCEL_CTX_QUIET) &&
			    !__atomic_exchange_n(&fallback_logged, true,
						 __ATOMIC_RELAXED))
				fprintf(stderr, "libaccel: running on the CPU: %s\n",
					e.msg);
		} else {
			ctx->device = ACCEL_DEVICE_NPU;
			ctx->auto_fallback = device == ACCEL_DEVICE_AUTO;
		}
	}
	*err = 0;
	return ctx;
}

accel_ctx *accel_open(enum accel_device device, int *err)
{
	return accel_open_opts(device, NULL, err);
}

void accel_close(accel_ctx *ctx)
{
	if (!ctx)
		return;
	npu_close(ctx->npu);
	free(ctx->done.v);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

enum accel_device accel_ctx_device(const accel_ctx *ctx)
{
	return ctx ? ctx->device : ACCEL_DEVICE_CPU;
}

const char *accel_ctx_submit_path(const accel_ctx *ctx)
{
	if (!ctx || !ctx->npu)
		return "cpu";
	switch (npu_mode(ctx->npu)) {
	case NPU_SUBMIT_IOCTL: return "ioctl";
	case NPU_SUBMIT_SQPOLL: return "io_uring+sqpoll";
	case NPU_SUBMIT_URING: break;
	}
	return "io_uring";
}

const char *accel_ctx_device_path(const accel_ctx *ctx)
{
	return ctx && ctx->npu ? npu_path(ctx->npu) : "";
}

int accel_ctx_stats(accel_ctx *ctx, struct accel_ctx_stats *st)
{
	struct npu_stats ns = { 0 };

	if (!ctx || !st)
		return failf(-EINVAL, "accel_ctx_stats: NULL argument");
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&ctx->lock);
	if (ctx->npu)
		npu_get_stats(ctx->npu, &ns);
	st->submitted = ns.submitted + ctx->cpu_submitted;
	st->completed = ns.completed + ctx->cpu_completed;
	st->ioctls = ns.ioctls;
	st->uring_enters = ns.uring_enters;
	pthread_mutex_unlock(&ctx->lock);
	return 0;
}

int accel_devices(struct accel_device_info *info, int max)
{
	struct accel_device_info d;
	int n = 0, i;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (max < 0 || (max && !info))
		return failf(-EINVAL, "accel_devices: bad arguments");
	memset(&d, 0, sizeof(d));
	d.kind = ACCEL_DEVICE_CPU;
	snprintf(d.driver, sizeof(d.driver), "cpu");
	snprintf(d.description, sizeof(d.description),
		 "libaccel CPU backend (firmware core + float executor)");
	snprintf(d.why, sizeof(d.why), "usable");
	d.isa_version = ENPU_ISA_VERSION_MAJOR << 16 | ENPU_ISA_VERSION_MINOR;
	d.fw_version = ENPU_FW_VERSION_MAJOR << 16 | ENPU_FW_VERSION_MINOR;
	d.driver_version = ACCEL_VERSION_MAJOR << 16 | ACCEL_VERSION_MINOR;
	d.num_engines = cpus > 0 ? (uint32_t)cpus : 1;
	{
		long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

		if (pages > 0 && psz > 0)
			d.memory_size = (uint64_t)pages * (uint64_t)psz;
		d.max_alloc_size = d.memory_size;
	}
	if (n < max)
		info[n] = d;
	n++;
	for (i = 0; i < 64; i++) {
		if (npu_probe(i, &d) == -ENOENT)
			continue;
		if (n < max)
			info[n] = d;
		n++;
	}
	return n;
}

static void fill_info(const struct ir_graph *g, int t,
		      struct accel_tensor_info *info)
{
	const struct ir_tensor *tt = &g->tensors[t];
	int i;

	memset(info, 0, sizeof(*info));
	info->name = tt->name;
	info->dtype = tt->dtype;
	info->rank = tt->rank;
	for (i = 0; i < tt->rank && i < ACCEL_MAX_RANK; i++)
		info->dims[i] = tt->dims[i];
}

accel_model *accel_model_load_mem(accel_ctx *ctx, const void *buf, size_t len,
				  int *err)
{
	struct accel_err e = { { 0 } };
	accel_model *m;
	int dummy, i;

	if (!err)
		err = &dummy;
	if (!ctx || (!buf && len)) {
		*err = failf(-EINVAL, "accel_model_load_mem: NULL argument");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		*err = failf(-ENOMEM, "out of memory");
		return NULL;
	}
	m->ctx = ctx;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->map_lock, NULL);
	m->last_device = ctx->device;
	m->name = strdup("model");
	m->g = m->name ? ir_load_onnx(buf, len, &e, err) : NULL;
	if (!m->name)
		*err = accel_seterr(&e, -ENOMEM, "out of memory");
	if (!m->g) {
		fail(*err, &e);
		accel_model_free(m);
		return NULL;
	}
	m->in_info = calloc((size_t)m->g->n_inputs + 1, sizeof(*m->in_info));
	m->out_info = calloc((size_t)m->g->n_outputs + 1, sizeof(*m->out_info));
	if (!m->in_info || !m->out_info) {
		*err = failf(-ENOMEM, "out of memory");
		accel_model_free(m);
		return NULL;
	}
	for (i = 0; i < m->g->n_inputs; i++)
		fill_info(m->g, m->g->inputs[i], &m->in_info[i]);
	for (i = 0; i < m->g->n_outputs; i++)
		fill_info(m->g, m->g->outputs[i], &m->out_info[i]);
	*err = 0;
	return m;
}

accel_model *accel_model_load(accel_ctx *ctx, const char *path, int *err)
{
	accel_model *m = NULL;
	struct stat st;
	void *buf = NULL;
	size_t got = 0;
	int fd, dummy;

	if (!err)
		err = &dummy;
	if (!ctx || !path) {
		*err = failf(-EINVAL, "accel_model_load: NULL argument");
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = failf(-errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		*err = failf(-EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > ACCEL_MODEL_MAX_BYTES) {
		*err = failf(-E2BIG, "%s: model larger than 2 GiB", path);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		*err = failf(-ENOMEM, "%s: out of memory", path);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, (char *)buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = failf(n < 0 ? -errno : -EIO, "%s: read failed", path);
			goto out;
		}
		got += (size_t)n;
	}
	m = accel_model_load_mem(ctx, buf, got, err);
	if (m) {
		char *copy = strdup(path), *base = copy ? strdup(basename(copy)) : NULL;

		free(copy);
		if (base) {
			free(m->name);
			m->name = base;
		}
	} else {
		char msg[ACCEL_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", last_error);
		failf(*err, "%s: %s", path, msg);
	}
out:
	free(buf);
	close(fd);
	return m;
}

/* ---- frames: the buffers one int8 run uses ---- */

static void frame_free(accel_ctx *ctx, struct compiled *c, struct frame *f)
{
	uint32_t i;

	if (!f)
		return;
	if (f->slots) {
		for (i = QPROG_SLOT_ARENA; i < c->prog->num_slots; i++) {
			if (f->bos)
				npu_bo_free(ctx->npu, &f->bos[i]);
			else
				free(f->slots[i].data);
		}
	}
	free(f->bos);
	free(f->slots);
	free(f->out_data);
	free(f);
}

static size_t slot_size(const struct qprog *p, uint32_t slot)
{
	int i;

	if (slot == QPROG_SLOT_CONST)
		return p->consts_size;
	if (slot == QPROG_SLOT_ARENA)
		return p->arena_size ? p->arena_size : 64;
	for (i = 0; i < p->n_inputs; i++)
		if ((uint32_t)p->inputs[i].slot == slot)
			return p->inputs[i].qbytes;
	for (i = 0; i < p->n_outputs; i++)
		if ((uint32_t)p->outputs[i].slot == slot)
			return p->outputs[i].qbytes;
	return 0;
}

static struct frame *frame_new(accel_ctx *ctx, struct compiled *c,
			       struct accel_err *e, int *err)
{
	const struct qprog *p = c->prog;
	struct frame *f = calloc(1, sizeof(*f));
	uint32_t i;

	if (!f || !(f->slots = calloc(p->num_slots, sizeof(*f->slots))) ||
	    !(f->out_data = calloc((size_t)p->n_outputs + 1, sizeof(void *))) ||
	    (c->on_npu && !(f->bos = calloc(p->num_slots, sizeof(*f->bos))))) {
		*err = accel_seterr(e, -ENOMEM, "out of memory");
		goto fail;
	}
	f->c = c;
	if (c->on_npu) {
		f->slots[0].data = c->const_bo.map;
		f->slots[0].size = c->const_bo.size;
		f->job.handles[0] = c->const_bo.handle;
	} else {
		f->slots[0].data = p->consts;
		f->slots[0].size = p->consts_size;
	}
	for (i = QPROG_SLOT_ARENA; i < p->num_slots; i++) {
		size_t sz = slot_size(p, i);

		if (c->on_npu) {
			*err = npu_bo_alloc(ctx->npu, sz, &f->bos[i], e);
			if (*err)
				goto fail;
			f->slots[i].data = f->bos[i].map;
			f->job.handles[i] = f->bos[i].handle;
		} else {
			f->slots[i].data = aligned_alloc(64, (sz + 63) & ~(size_t)63);
			if (!f->slots[i].data) {
				*err = accel_seterr(e, -ENOMEM, "out of memory");
				goto fail;
			}
		}
		f->slots[i].size = sz;
	}
	f->job.n_handles = p->num_slots;
	f->job.cmdbuf_size = (uint32_t)p->cmdbuf_size;
	if (c->cmd_bo.handle)
		f->job.cmdbuf_handle = c->cmd_bo.handle;
	else
		f->job.cmdbuf_ptr = p->cmdbuf;
	return f;
fail:
	frame_free(ctx, c, f);
	return NULL;
}

static void compiled_free(struct compiled *c)
{
	accel_ctx *ctx;
	unsigned int i;

	if (!c)
		return;
	ctx = c->m->ctx;
	for (i = 0; i < c->n_frames; i++)
		frame_free(ctx, c, c->frames[i]);
	free(c->frames);
	if (ctx->npu) {
		npu_bo_free(ctx->npu, &c->const_bo);
		npu_bo_free(ctx->npu, &c->cmd_bo);
	}
	qprog_free(c->prog);
	cpu_plan_free(c->plan);
	free(c->shapes);
	free(c->out_info);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Is any frame of @m still in flight?  Under ctx->lock. */
static bool model_busy(const accel_model *m)
{
	const struct compiled *c;
	unsigned int i;

	for (c = m->cache; c; c = c->next)
		for (i = 0; i < c->n_frames; i++)
			if (c->frames[i]->busy)
				return true;
	return false;
}

static void on_complete(struct npu_job *job, void *arg);

void accel_model_free(accel_model *m)
{
	accel_ctx *ctx;
	struct compiled *c, *n;

	if (!m)
		return;
	ctx = m->ctx;
	/* Outstanding asynchronous requests finish first (completions kept). */
	pthread_mutex_lock(&ctx->lock);
	while (ctx->npu && model_busy(m) && npu_inflight(ctx->npu) &&
	       npu_reap(ctx->npu, 1, on_complete, ctx) >= 0)
		;
	pthread_mutex_unlock(&ctx->lock);
	if (m->mapped_frame)
		frame_free(ctx, m->mapped, m->mapped_frame);
	for (c = m->cache; c; c = n) {
		n = c->next;
		compiled_free(c);
	}
	ir_graph_free(m->g);
	free(m->in_info);
	free(m->out_info);
	free(m->name);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->map_lock);
	free(m);
}

int accel_model_num_inputs(const accel_model *m)
{
	return m ? m->g->n_inputs : -EINVAL;
}

int accel_model_num_outputs(const accel_model *m)
{
	return m ? m->g->n_outputs : -EINVAL;
}

int accel_model_input(const accel_model *m, int i, struct accel_tensor_info *info)
{
	if (!m || !info || i < 0 || i >= m->g->n_inputs)
		return failf(-EINVAL, "input index %d out of range", i);
	*info = m->in_info[i];
	return 0;
}

int accel_model_output(const accel_model *m, int i, struct accel_tensor_info *info)
{
	if (!m || !info || i < 0 || i >= m->g->n_outputs)
		return failf(-EINVAL, "output index %d out of range", i);
	*info = m->out_info[i];
	return 0;
}

enum accel_device accel_model_device(const accel_model *m)
{
	return m ? m->last_device : ACCEL_DEVICE_CPU;
}

enum accel_engine accel_model_engine(const accel_model *m)
{
	return m ? m->last_engine : ACCEL_ENGINE_NONE;
}

size_t accel_model_arena_size(const accel_model *m)
{
	return m ? m->last_arena : 0;
}

static bool same_shapes(const struct compiled *c, const struct accel_tensor *in,
			int n)
{
	int i, d;

	for (i = 0; i < n; i++) {
		if (c->shapes[i].dtype != in[i].dtype ||
		    c->shapes[i].rank != in[i].rank)
			return false;
		for (d = 0; d < in[i].rank; d++)
			if (c->shapes[i].dims[d] != in[i].dims[d])
				return false;
	}
	return true;
}

/* Which engine to try: ACCEL_ENGINE=fp32 forces the float executor. */
static bool int8_allowed(void)
{
	const char *env = getenv("ACCEL_ENGINE");

	return !(env && !strcmp(env, "fp32"));
}

static int compile_int8(struct compiled *c, const struct ir_graph *g,
			struct accel_err *e)
{
	__u64 sizes[ENPU_ISA_MAX_SLOTS];
	struct enpu_fw_status st = { 0 };
	struct qprog *p;
	int r, i;

	r = qprog_compile(g, c->shapes, g->n_inputs, &p, e);
	if (r)
		return r;
	c->prog = p;
	if (p->num_slots > ENPU_ISA_MAX_SLOTS)
		return accel_seterr(e, -E2BIG, "program uses %u buffer slots",
				    p->num_slots);
	for (i = 0; i < p->n_outputs; i++)
		c->out_info[i] = p->outputs[i].shape;
	/* Validate once here so a compiler bug surfaces at compile time. */
	for (i = 0; i < (int)p->num_slots; i++)
		sizes[i] = slot_size(p, (uint32_t)i);
	r = enpu_fw_validate(p->cmdbuf, p->cmdbuf_size, sizes, p->num_slots,
			     &st);
	if (r)
		return accel_seterr(e, r,
				    "internal error: compiled command buffer rejected (op %u, tensor %u): %s",
				    st.op, st.tensor, st.msg ? st.msg : "");
	c->engine = ACCEL_ENGINE_INT8;
	return 0;
}

/* Upload the constants and the command buffer into BOs, once. */
static int upload_npu(accel_ctx *ctx, struct compiled *c, struct accel_err *e)
{
	const struct qprog *p = c->prog;
	int r;

	r = npu_bo_alloc(ctx->npu, p->consts_size, &c->const_bo, e);
	if (r)
		return r;
	memcpy(c->const_bo.map, p->consts, p->consts_size);
	if (npu_cmdbuf_in_bo(ctx->npu)) {
		r = npu_bo_alloc(ctx->npu, p->cmdbuf_size, &c->cmd_bo, e);
		if (r)
			return r;
		memcpy(c->cmd_bo.map, p->cmdbuf, p->cmdbuf_size);
	}
	c->on_npu = true;
	return 0;
}

static int compile_fp32(struct compiled *c, const struct ir_graph *g,
			struct accel_err *e)
{
	int r = 0, i;

	c->plan = cpu_plan_create(g, c->shapes, g->n_inputs, e, &r);
	if (!c->plan)
		return r;
	for (i = 0; i < g->n_outputs; i++) {
		r = cpu_plan_output_info(c->plan, i, &c->out_info[i]);
		if (r)
			return r;
	}
	c->engine = ACCEL_ENGINE_FP32;
	return 0;
}

/* AUTO: say once per model why it runs on the CPU. */
static void log_fallback(accel_model *m, const char *why)
{
	if (m->warned || (m->ctx->flags & ACCEL_CTX_QUIET))
		return;
	m->warned = true;
	fprintf(stderr, "libaccel: %s runs on the CPU, not %s: %s\n", m->name,
		npu_path(m->ctx->npu), why);
}

static void drop_int8(struct compiled *c)
{
	accel_ctx *ctx = c->m->ctx;

	if (ctx->npu) {
		npu_bo_free(ctx->npu, &c->const_bo);
		npu_bo_free(ctx->npu, &c->cmd_bo);
	}
	qprog_free(c->prog);
	c->prog = NULL;
	c->on_npu = false;
	c->engine = ACCEL_ENGINE_NONE;
}

static struct compiled *get_compiled(accel_model *m,
				     const struct accel_tensor *in,
				     struct accel_err *e, int *err)
{
	const struct ir_graph *g = m->g;
	accel_ctx *ctx = m->ctx;
	struct compiled *c, **pp, **victim;
	int i, d;

	for (pp = &m->cache; (c = *pp); pp = &c->next) {
		if (same_shapes(c, in, g->n_inputs)) {
			*pp = c->next;		/* move to front */
			c->next = m->cache;
			m->cache = c;
			return c;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		*err = accel_seterr(e, -ENOMEM, "out of memory");
		return NULL;
	}
	c->m = m;
	pthread_mutex_init(&c->lock, NULL);
	c->shapes = calloc((size_t)g->n_inputs + 1, sizeof(*c->shapes));
	c->out_info = calloc((size_t)g->n_outputs + 1, sizeof(*c->out_info));
	if (!c->shapes || !c->out_info) {
		compiled_free(c);
		*err = accel_seterr(e, -ENOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < g->n_inputs; i++) {
		c->shapes[i].dtype = in[i].dtype;
		c->shapes[i].rank = in[i].rank;
		for (d = 0; d < in[i].rank; d++)
			c->shapes[i].dims[d] = in[i].dims[d];
	}
	*err = accel_seterr(e, -EOPNOTSUPP, "ACCEL_ENGINE=fp32 forces the float executor");
	if (int8_allowed()) {
		struct accel_err qe = { { 0 } };

		*err = compile_int8(c, g, &qe);
		if (!*err && ctx->npu)
			*err = upload_npu(ctx, c, &qe);
		if (*err) {
			bool not_lowered = c->engine != ACCEL_ENGINE_INT8;

			drop_int8(c);
			if (!not_lowered && ctx->npu && ctx->auto_fallback) {
				/* Lowered, but the device refused it: CPU int8. */
				log_fallback(m, qe.msg);
				*err = compile_int8(c, g, &qe);
			} else if (*err != -EOPNOTSUPP || !not_lowered) {
				*e = qe;
				compiled_free(c);
				return NULL;
			}
			if (*err)
				*e = qe;
		}
	}
	if (*err && ctx->npu && !ctx->auto_fallback) {
		char why[ACCEL_ERR_MSG_MAX];

		snprintf(why, sizeof(why), "%s", e->msg);
		*err = accel_seterr(e, -EOPNOTSUPP, "%s cannot run on the NPU (%s): %s",
				    m->name, npu_path(ctx->npu), why);
		compiled_free(c);
		return NULL;
	}
	if (*err) {
		if (ctx->npu)
			log_fallback(m, e->msg);
		*err = compile_fp32(c, g, e);
	}
	if (*err) {
		compiled_free(c);
		return NULL;
	}
	c->next = m->cache;
	m->cache = c;
	if (++m->n_cached > ACCEL_CACHE_MAX) {
		/* Evict the least recently used entry nobody is using. */
		victim = NULL;
		for (pp = &m->cache; *pp; pp = &(*pp)->next)
			if (!(*pp)->pinned &&
			    !__atomic_load_n(&(*pp)->users, __ATOMIC_ACQUIRE))
				victim = pp;
		if (victim && *victim != c) {
			struct compiled *v = *victim;

			*victim = v->next;
			compiled_free(v);
			m->n_cached--;
		}
	}
	return c;
}

static int check_inputs(const accel_model *m, const struct accel_tensor *in,
			int n)
{
	int i, d;

	if (n != m->g->n_inputs)
		return failf(-EINVAL, "model takes %d inputs, %d given",
			     m->g->n_inputs, n);
	for (i = 0; i < n; i++) {
		const struct accel_tensor_info *inf = &m->in_info[i];
		int64_t numel = 1;
		size_t es = ir_dtype_size(in[i].dtype);

		if (in[i].rank < 0 || in[i].rank > ACCEL_MAX_RANK || !es)
			return failf(-EINVAL, "input '%s': bad rank or dtype", inf->name);
		if (in[i].dtype != inf->dtype)
			return failf(-EINVAL, "input '%s': model expects %s, got %s",
				     inf->name, ir_dtype_name(inf->dtype),
				     ir_dtype_name(in[i].dtype));
		if (inf->rank >= 0 && in[i].rank != inf->rank)
			return failf(-EINVAL, "input '%s': model expects rank %d, got %d",
				     inf->name, inf->rank, in[i].rank);
		for (d = 0; d < in[i].rank; d++) {
			if (in[i].dims[d] < 0 ||
			    (inf->rank >= 0 && inf->dims[d] >= 0 &&
			     in[i].dims[d] != inf->dims[d]))
				return failf(-EINVAL, "input '%s': dimension %d is %lld, model expects %lld",
					     inf->name, d, (long long)in[i].dims[d],
					     (long long)inf->dims[d]);
			if (__builtin_mul_overflow(numel, in[i].dims[d], &numel))
				return failf(-EOVERFLOW, "input '%s': too many elements",
					     inf->name);
		}
		if (!in[i].data || in[i].size / es < (uint64_t)numel)
			return failf(-EINVAL, "input '%s': buffer of %zu bytes, shape needs %llu",
				     inf->name, in[i].size,
				     (unsigned long long)numel * es);
	}
	return 0;
}

static int prepare_outputs(const accel_model *m, const struct compiled *c,
			   struct accel_tensor *out, int n)
{
	int i, d;

	if (n != m->g->n_outputs)
		return failf(-EINVAL, "model has %d outputs, %d given",
			     m->g->n_outputs, n);
	for (i = 0; i < n; i++) {
		const struct ir_value *v = &c->out_info[i];
		int64_t bytes = ir_value_nbytes(v);

		if (bytes < 0 || v->rank > ACCEL_MAX_RANK)
			return failf(-EOVERFLOW, "output '%s' too large",
				     m->out_info[i].name);
		if (out[i].data && !(out[i].flags & ACCEL_TENSOR_OWNED) &&
		    out[i].size < (size_t)bytes)
			return failf(-ENOSPC, "output '%s': buffer of %zu bytes, needs %lld",
				     m->out_info[i].name, out[i].size,
				     (long long)bytes);
		if (!out[i].data || (out[i].flags & ACCEL_TENSOR_OWNED)) {
			if (out[i].data && out[i].size >= (size_t)bytes) {
				/* reuse our earlier allocation */
			} else {
				void *p = malloc(bytes ? (size_t)bytes : 1);

				if (!p)
					return failf(-ENOMEM, "out of memory");
				if (out[i].flags & ACCEL_TENSOR_OWNED)
					free(out[i].data);
				out[i].data = p;
				out[i].flags |= ACCEL_TENSOR_OWNED;
			}
		}
		out[i].size = (size_t)bytes;
		out[i].dtype = v->dtype;
		out[i].rank = v->rank;
		for (d = 0; d < ACCEL_MAX_RANK; d++)
			out[i].dims[d] = d < v->rank ? v->dims[d] : 0;
	}
	return 0;
}

static void quantize_inputs(const struct compiled *c, struct frame *f,
			    const struct accel_tensor *in)
{
	const struct qprog *p = c->prog;
	int i;

	for (i = 0; i < p->n_inputs; i++) {
		const struct qprog_edge *ed = &p->inputs[i];

		if (ed->convert)
			qprog_quantize(in[i].data, f->slots[ed->slot].data,
				       ed->qbytes, ed->isa_dtype, ed->scale,
				       ed->zero_point);
		else
			memcpy(f->slots[ed->slot].data, in[i].data, ed->qbytes);
	}
}

static void dequantize_outputs(const struct compiled *c, const struct frame *f,
			       void *const *out)
{
	const struct qprog *p = c->prog;
	int i;

	for (i = 0; i < p->n_outputs; i++) {
		const struct qprog_edge *ed = &p->outputs[i];

		if (ed->convert)
			qprog_dequantize(f->slots[ed->slot].data, out[i],
					 ed->qbytes, ed->isa_dtype, ed->scale,
					 ed->zero_point);
		else
			memcpy(out[i], f->slots[ed->slot].data, ed->qbytes);
	}
}

/* Room for every completion that can still arrive.  Under ctx->lock. */
static int done_reserve(accel_ctx *ctx, size_t need)
{
	struct done_queue *q = &ctx->done;
	struct accel_completion *v;
	size_t cap, i;

	if (need <= q->cap)
		return 0;
	cap = q->cap ? q->cap * 2 : 64;
	while (cap < need)
		cap *= 2;
	v = malloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < q->len; i++)
		v[i] = q->v[(q->head + i) % q->cap];
	free(q->v);
	q->v = v;
	q->cap = cap;
	q->head = 0;
	return 0;
}

static void done_push(accel_ctx *ctx, uint64_t user_data, int status)
{
	struct done_queue *q = &ctx->done;
	struct accel_completion *cpl;

	/* Capacity was reserved when the request was submitted. */
	cpl = &q->v[(q->head + q->len) % q->cap];
	memset(cpl, 0, sizeof(*cpl));
	cpl->user_data = user_data;
	cpl->status = status;
	q->len++;
}

static int done_pop(accel_ctx *ctx, struct accel_completion *out, int max)
{
	struct done_queue *q = &ctx->done;
	int n = 0;

	while (n < max && q->len) {
		out[n++] = q->v[q->head];
		q->head = (q->head + 1) % q->cap;
		q->len--;
		ctx->pending--;
	}
	return n;
}

/* A job finished (ctx->lock held, called from npu_reap()). */
static void on_complete(struct npu_job *job, void *arg)
{
	struct frame *f = (struct frame *)((char *)job -
					   offsetof(struct frame, job));
	accel_ctx *ctx = arg;

	if (!f->async)
		return;		/* its synchronous owner looks at job->done */
	if (!job->status)
		dequantize_outputs(f->c, f, f->out_data);
	done_push(ctx, f->user_data, job->status);
	f->async = false;
	f->busy = false;
	__atomic_sub_fetch(&f->c->users, 1, __ATOMIC_RELEASE);
}

/* A free frame of @c, created on demand.  Under ctx->lock. */
static struct frame *frame_get(accel_ctx *ctx, struct compiled *c,
			       struct accel_err *e, int *err)
{
	struct frame *f, **v;
	unsigned int i;
	int r;

	for (;;) {
		for (i = 0; i < c->n_frames; i++)
			if (!c->frames[i]->busy) {
				c->frames[i]->busy = true;
				return c->frames[i];
			}
		if (c->n_frames < ctx->depth)
			break;
		if (!c->on_npu || !npu_inflight(ctx->npu)) {
			*err = accel_seterr(e, -EBUSY, "%s: more than %u runs at once",
					    c->m->name, ctx->depth);
			return NULL;
		}
		r = npu_reap(ctx->npu, 1, on_complete, ctx);
		if (r < 0) {
			*err = accel_seterr(e, r, "%s: waiting for a completion: %s",
					    npu_path(ctx->npu), strerror(-r));
			return NULL;
		}
	}
	v = realloc(c->frames, (c->n_frames + 1) * sizeof(*v));
	if (!v) {
		*err = accel_seterr(e, -ENOMEM, "out of memory");
		return NULL;
	}
	c->frames = v;
	f = frame_new(ctx, c, e, err);
	if (!f)
		return NULL;
	c->frames[c->n_frames++] = f;
	f->busy = true;
	return f;
}

/* Run @f's job on the device and wait for it.  Under ctx->lock. */
static int npu_run_frame(accel_ctx *ctx, struct frame *f, struct accel_err *e)
{
	int r;

	f->async = false;
	r = npu_queue(ctx->npu, &f->job, e);
	if (r)
		return r;
	while (!f->job.done) {
		r = npu_reap(ctx->npu, 1, on_complete, ctx);
		if (r < 0)
			return accel_seterr(e, r, "%s: waiting for the job: %s",
					    npu_path(ctx->npu), strerror(-r));
	}
	if (f->job.status)
		return accel_seterr(e, f->job.status, "%s: job of %s failed: %s",
				    npu_path(ctx->npu), f->c->m->name,
				    accel_strerror(f->job.status));
	return 0;
}

static int cpu_run_frame(struct frame *f, struct accel_err *e)
{
	const struct qprog *p = f->c->prog;
	struct enpu_fw_status st = { 0 };
	int r;

	r = enpu_fw_execute(p->cmdbuf, p->cmdbuf_size, f->slots, p->num_slots,
			    NULL, &st);
	if (r)
		return accel_seterr(e, r, "int8 execution failed at op %u: %s",
				    st.op, st.msg ? st.msg : "");
	return 0;
}

/* Synchronous int8 run of @c. */
static int run_int8(accel_ctx *ctx, struct compiled *c,
		    const struct accel_tensor *in, struct accel_tensor *out,
		    struct accel_err *e)
{
	void *op[64];
	struct frame *f;
	int r, i;

	if (c->prog->n_outputs > 64)
		return accel_seterr(e, -E2BIG, "more than 64 outputs");
	for (i = 0; i < c->prog->n_outputs; i++)
		op[i] = out[i].data;
	pthread_mutex_lock(&ctx->lock);
	f = frame_get(ctx, c, e, &r);
	if (!f) {
		pthread_mutex_unlock(&ctx->lock);
		return r;
	}
	if (c->on_npu) {
		quantize_inputs(c, f, in);
		r = npu_run_frame(ctx, f, e);
		if (!r)
			dequantize_outputs(c, f, op);
		f->busy = false;
		pthread_mutex_unlock(&ctx->lock);
		return r;
	}
	ctx->cpu_submitted++;
	pthread_mutex_unlock(&ctx->lock);
	quantize_inputs(c, f, in);
	r = cpu_run_frame(f, e);
	if (!r)
		dequantize_outputs(c, f, op);
	pthread_mutex_lock(&ctx->lock);
	ctx->cpu_completed++;
	f->busy = false;
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

static int run_fp32(struct compiled *c, const struct accel_tensor *inputs,
		    int n_inputs, struct accel_tensor *outputs, int n_outputs,
		    struct accel_err *e)
{
	accel_ctx *ctx = c->m->ctx;
	const void *ip[64];
	void *op[64];
	int r, i;

	if (n_inputs > 64 || n_outputs > 64)
		return accel_seterr(e, -E2BIG, "more than 64 inputs or outputs");
	for (i = 0; i < n_inputs; i++)
		ip[i] = inputs[i].data;
	for (i = 0; i < n_outputs; i++)
		op[i] = outputs[i].data;
	pthread_mutex_lock(&ctx->lock);
	ctx->cpu_submitted++;
	pthread_mutex_unlock(&ctx->lock);
	pthread_mutex_lock(&c->lock);
	r = cpu_plan_run(c->plan, ip, op, e);
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_lock(&ctx->lock);
	ctx->cpu_completed++;
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

/* Look up (or compile) the form for @inputs and take a reference on it. */
static struct compiled *begin_run(accel_model *m,
				  const struct accel_tensor *inputs,
				  int n_inputs, struct accel_tensor *outputs,
				  int n_outputs, int *err)
{
	struct accel_err e = { { 0 } };
	struct compiled *c;
	int r;

	if (!m || (n_inputs && !inputs) || (n_outputs && !outputs)) {
		*err = failf(-EINVAL, "accel_run: NULL argument");
		return NULL;
	}
	r = check_inputs(m, inputs, n_inputs);
	if (!r && n_outputs != m->g->n_outputs)
		r = failf(-EINVAL, "model has %d outputs, %d given",
			  m->g->n_outputs, n_outputs);
	if (r) {
		*err = r;
		return NULL;
	}
	pthread_mutex_lock(&m->lock);
	c = get_compiled(m, inputs, &e, &r);
	if (!c) {
		pthread_mutex_unlock(&m->lock);
		*err = fail(r, &e);
		return NULL;
	}
	__atomic_add_fetch(&c->users, 1, __ATOMIC_ACQUIRE);
	m->last_engine = c->engine;
	m->last_device = c->on_npu ? ACCEL_DEVICE_NPU : ACCEL_DEVICE_CPU;
	m->last_arena = c->engine == ACCEL_ENGINE_INT8 ? c->prog->arena_size :
			cpu_plan_arena_size(c->plan);
	pthread_mutex_unlock(&m->lock);
	r = prepare_outputs(m, c, outputs, n_outputs);
	if (r) {
		__atomic_sub_fetch(&c->users, 1, __ATOMIC_RELEASE);
		*err = r;
		return NULL;
	}
	*err = 0;
	return c;
}

int accel_run(accel_model *m, const struct accel_tensor *inputs, int n_inputs,
	      struct accel_tensor *outputs, int n_outputs)
{
	struct accel_err e = { { 0 } };
	struct compiled *c;
	int r;

	c = begin_run(m, inputs, n_inputs, outputs, n_outputs, &r);
	if (!c)
		return r;
	if (c->engine == ACCEL_ENGINE_INT8)
		r = run_int8(m->ctx, c, inputs, outputs, &e);
	else
		r = run_fp32(c, inputs, n_inputs, outputs, n_outputs, &e);
	__atomic_sub_fetch(&c->users, 1, __ATOMIC_RELEASE);
	return r ? fail(r, &e) : 0;
}

int accel_submit(accel_model *m, const struct accel_tensor *inputs,
		 int n_inputs, struct accel_tensor *outputs, int n_outputs,
		 uint64_t user_data)
{
	struct accel_err e = { { 0 } };
	struct compiled *c;
	struct frame *f;
	accel_ctx *ctx;
	int r, i;

	c = begin_run(m, inputs, n_inputs, outputs, n_outputs, &r);
	if (!c)
		return r;
	ctx = m->ctx;
	pthread_mutex_lock(&ctx->lock);
	r = done_reserve(ctx, (size_t)ctx->pending + 1);
	if (r) {
		pthread_mutex_unlock(&ctx->lock);
		__atomic_sub_fetch(&c->users, 1, __ATOMIC_RELEASE);
		return failf(r, "out of memory");
	}
	if (!c->on_npu) {
		/* CPU: run now, report through the completion queue. */
		ctx->pending++;
		pthread_mutex_unlock(&ctx->lock);
		if (c->engine == ACCEL_ENGINE_INT8)
			r = run_int8(ctx, c, inputs, outputs, &e);
		else
			r = run_fp32(c, inputs, n_inputs, outputs, n_outputs, &e);
		if (r)
			fail(r, &e);
		pthread_mutex_lock(&ctx->lock);
		done_push(ctx, user_data, r);
		pthread_mutex_unlock(&ctx->lock);
		__atomic_sub_fetch(&c->users, 1, __ATOMIC_RELEASE);
		return 0;
	}
	f = frame_get(ctx, c, &e, &r);
	if (!f)
		goto err_unlock;
	quantize_inputs(c, f, inputs);
	for (i = 0; i < c->prog->n_outputs; i++)
		f->out_data[i] = outputs[i].data;
	f->user_data = user_data;
	f->async = true;
	r = npu_queue(ctx->npu, &f->job, &e);
	if (r) {
		f->async = false;
		f->busy = false;
		goto err_unlock;
	}
	ctx->pending++;
	pthread_mutex_unlock(&ctx->lock);
	return 0;	/* the reference on c is dropped by on_complete() */
err_unlock:
	pthread_mutex_unlock(&ctx->lock);
	__atomic_sub_fetch(&c->users, 1, __ATOMIC_RELEASE);
	return fail(r, &e);
}

int accel_flush(accel_ctx *ctx)
{
	int r = 0;

	if (!ctx)
		return failf(-EINVAL, "accel_flush: NULL context");
	pthread_mutex_lock(&ctx->lock);
	if (ctx->npu)
		r = npu_flush(ctx->npu);
	pthread_mutex_unlock(&ctx->lock);
	return r ? failf(r, "%s: io_uring submit: %s", npu_path(ctx->npu),
			 strerror(-r)) : 0;
}

static int collect(accel_ctx *ctx, struct accel_completion *done, int max,
		   int min)
{
	int r = 0;

	if (!ctx || max < 0 || (max && !done))
		return failf(-EINVAL, "accel_poll/accel_wait: bad arguments");
	if (min > max)
		min = max;
	pthread_mutex_lock(&ctx->lock);
	if (min > (int)ctx->pending)
		min = (int)ctx->pending;
	if (ctx->npu) {
		unsigned int want = ctx->done.len < (size_t)min ?
				    (unsigned int)(min - (int)ctx->done.len) : 0;

		r = npu_reap(ctx->npu, want, on_complete, ctx);
		while (r >= 0 && ctx->done.len < (size_t)min)
			r = npu_reap(ctx->npu, 1, on_complete, ctx);
	}
	if (r >= 0)
		r = done_pop(ctx, done, max);
	else
		r = failf(r, "%s: reaping completions: %s",
			  npu_path(ctx->npu), strerror(-r));
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

int accel_poll(accel_ctx *ctx, struct accel_completion *done, int max)
{
	return collect(ctx, done, max, 0);
}

int accel_wait(accel_ctx *ctx, struct accel_completion *done, int max,
	       int min)
{
	return collect(ctx, done, max, min < 0 ? 0 : min);
}

int accel_ctx_pending(accel_ctx *ctx)
{
	int n;

	if (!ctx)
		return -EINVAL;
	pthread_mutex_lock(&ctx->lock);
	n = (int)ctx->pending;
	pthread_mutex_unlock(&ctx->lock);
	return n;
}

/* ---- zero-copy ---- */

static int ensure_mapped(accel_model *m, struct accel_err *e)
{
	struct accel_tensor in[16];
	struct compiled *c;
	int i, d, r;
	static const char dummy;

	if (m->mapped)
		return 0;
	if (m->g->n_inputs > 16)
		return accel_seterr(e, -E2BIG, "%s: more than 16 inputs", m->name);
	memset(in, 0, sizeof(in));
	for (i = 0; i < m->g->n_inputs; i++) {
		const struct accel_tensor_info *inf = &m->in_info[i];

		if (inf->rank < 0)
			return accel_seterr(e, -EINVAL, "input '%s' has no declared rank",
					    inf->name);
		in[i].dtype = inf->dtype;
		in[i].rank = inf->rank;
		for (d = 0; d < inf->rank; d++)
			in[i].dims[d] = inf->dims[d] < 0 ? 1 : inf->dims[d];
		in[i].data = (void *)&dummy;
	}
	c = get_compiled(m, in, e, &r);
	if (!c)
		return r;
	if (c->engine != ACCEL_ENGINE_INT8)
		return accel_seterr(e, -EOPNOTSUPP,
				    "%s is not an int8 model: nothing to map", m->name);
	pthread_mutex_lock(&m->ctx->lock);
	m->mapped_frame = frame_new(m->ctx, c, e, &r);
	pthread_mutex_unlock(&m->ctx->lock);
	if (!m->mapped_frame)
		return r;
	m->mapped_frame->mapped = true;
	c->pinned = true;
	m->mapped = c;
	return 0;
}

static int map_edge(accel_model *m, int index, bool output,
		    struct accel_tensor *t, struct accel_quant *q)
{
	struct accel_err e = { { 0 } };
	const struct qprog_edge *ed;
	const struct qprog *p;
	int r, d;

	if (!m || !t)
		return failf(-EINVAL, "accel_model_map_*: NULL argument");
	pthread_mutex_lock(&m->lock);
	r = ensure_mapped(m, &e);
	pthread_mutex_unlock(&m->lock);
	if (r)
		return fail(r, &e);
	p = m->mapped->prog;
	if (index < 0 || index >= (output ? p->n_outputs : p->n_inputs))
		return failf(-EINVAL, "%s index %d out of range",
			     output ? "output" : "input", index);
	ed = output ? &p->outputs[index] : &p->inputs[index];
	memset(t, 0, sizeof(*t));
	t->data = m->mapped_frame->slots[ed->slot].data;
	t->size = ed->qbytes;
	t->dtype = ed->convert ? (ed->isa_dtype == ENPU_DTYPE_S8 ?
				  ACCEL_DTYPE_I8 : ACCEL_DTYPE_U8) :
		   ed->shape.dtype;
	t->rank = ed->shape.rank;
	for (d = 0; d < ed->shape.rank && d < ACCEL_MAX_RANK; d++)
		t->dims[d] = ed->shape.dims[d];
	if (q) {
		memset(q, 0, sizeof(*q));
		q->scale = ed->convert ? ed->scale : 0.0f;
		q->zero_point = ed->convert ? ed->zero_point : 0;
	}
	return 0;
}

int accel_model_map_input(accel_model *m, int index, struct accel_tensor *t,
			  struct accel_quant *q)
{
	return map_edge(m, index, false, t, q);
}

int accel_model_map_output(accel_model *m, int index, struct accel_tensor *t,
			   struct accel_quant *q)
{
	return map_edge(m, index, true, t, q);
}

int accel_run_mapped(accel_model *m)
{
	struct accel_err e = { { 0 } };
	struct frame *f;
	accel_ctx *ctx;
	int r;

	if (!m)
		return failf(-EINVAL, "accel_run_mapped: NULL model");
	if (!m->mapped)
		return failf(-EINVAL, "%s: call accel_model_map_input() first",
			     m->name);
	ctx = m->ctx;
	f = m->mapped_frame;
	pthread_mutex_lock(&m->map_lock);
	pthread_mutex_lock(&m->lock);
	m->last_engine = ACCEL_ENGINE_INT8;
	m->last_device = m->mapped->on_npu ? ACCEL_DEVICE_NPU : ACCEL_DEVICE_CPU;
	pthread_mutex_unlock(&m->lock);
	if (m->mapped->on_npu) {
		pthread_mutex_lock(&ctx->lock);
		r = npu_run_frame(ctx, f, &e);
		pthread_mutex_unlock(&ctx->lock);
	} else {
		r = cpu_run_frame(f, &e);
	}
	pthread_mutex_unlock(&m->map_lock);
	return r ? fail(r, &e) : 0;
}

void accel_tensor_release(struct accel_tensor *t)
{
	if (!t || !(t->flags & ACCEL_TENSOR_OWNED))
		return;
	free(t->data);
	t->data = NULL;
	t->size = 0;
	t->flags &= ~ACCEL_TENSOR_OWNED;
}
