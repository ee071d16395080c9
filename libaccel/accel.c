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

struct accel_ctx {
	enum accel_device device;
};

/* One compiled form of a model, for one set of input shapes. */
struct compiled {
	struct compiled *next;
	struct ir_value *shapes;	/* per input: dtype/rank/dims */
	enum accel_engine engine;
	struct cpu_plan *plan;		/* ACCEL_ENGINE_FP32 */
	struct qprog *prog;		/* ACCEL_ENGINE_INT8 */
	struct enpu_fw_buf *slots;	/* INT8: arena and edge buffers */
	void **outputs;			/* FP32: nothing; INT8: unused */
	struct ir_value *out_info;
	pthread_mutex_t lock;		/* one run at a time (shared arena) */
};

struct accel_model {
	accel_ctx *ctx;
	struct ir_graph *g;
	struct accel_tensor_info *in_info, *out_info;
	pthread_mutex_t lock;		/* protects cache and last_* */
	struct compiled *cache;		/* most recently used first */
	int n_cached;
	enum accel_engine last_engine;
	size_t last_arena;
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

accel_ctx *accel_open(enum accel_device device, int *err)
{
	const char *env = getenv("ACCEL_DEVICE");
	accel_ctx *ctx;
	int dummy;

	if (!err)
		err = &dummy;
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
	if (device == ACCEL_DEVICE_NPU) {
		*err = failf(-ENODEV, "npu: no ENPU device is usable: this libaccel has no NPU backend yet (use cpu or auto)");
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		*err = failf(-ENOMEM, "out of memory");
		return NULL;
	}
	/* AUTO without an NPU backend is the CPU. */
	ctx->device = ACCEL_DEVICE_CPU;
	*err = 0;
	return ctx;
}

void accel_close(accel_ctx *ctx)
{
	free(ctx);
}

enum accel_device accel_ctx_device(const accel_ctx *ctx)
{
	return ctx ? ctx->device : ACCEL_DEVICE_CPU;
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
	m->g = ir_load_onnx(buf, len, &e, err);
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
	if (!m) {
		char msg[ACCEL_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", last_error);
		failf(*err, "%s: %s", path, msg);
	}
out:
	free(buf);
	close(fd);
	return m;
}

static void compiled_free(struct compiled *c)
{
	int i;

	if (!c)
		return;
	if (c->prog && c->slots)
		for (i = QPROG_SLOT_ARENA; i < (int)c->prog->num_slots; i++)
			free(c->slots[i].data);
	free(c->slots);
	qprog_free(c->prog);
	cpu_plan_free(c->plan);
	free(c->shapes);
	free(c->out_info);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void accel_model_free(accel_model *m)
{
	struct compiled *c, *n;

	if (!m)
		return;
	for (c = m->cache; c; c = n) {
		n = c->next;
		compiled_free(c);
	}
	ir_graph_free(m->g);
	free(m->in_info);
	free(m->out_info);
	pthread_mutex_destroy(&m->lock);
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
	(void)m;
	return ACCEL_DEVICE_CPU;
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
	struct qprog *p;
	int r, i;

	r = qprog_compile(g, c->shapes, g->n_inputs, &p, e);
	if (r)
		return r;
	c->prog = p;
	c->slots = calloc(p->num_slots, sizeof(*c->slots));
	if (!c->slots)
		return -ENOMEM;
	c->slots[QPROG_SLOT_CONST].data = p->consts;
	c->slots[QPROG_SLOT_CONST].size = p->consts_size;
	c->slots[QPROG_SLOT_ARENA].size = p->arena_size ? p->arena_size : 64;
	for (i = 0; i < p->n_inputs; i++)
		c->slots[p->inputs[i].slot].size = p->inputs[i].qbytes;
	for (i = 0; i < p->n_outputs; i++)
		c->slots[p->outputs[i].slot].size = p->outputs[i].qbytes;
	for (i = QPROG_SLOT_ARENA; i < (int)p->num_slots; i++) {
		c->slots[i].data = aligned_alloc(64, (c->slots[i].size + 63) & ~63ULL);
		if (!c->slots[i].data)
			return -ENOMEM;
	}
	for (i = 0; i < p->n_outputs; i++)
		c->out_info[i] = p->outputs[i].shape;
	/* Validate once here so a compiler bug surfaces at compile time. */
	{
		__u64 sizes[ENPU_ISA_MAX_SLOTS];
		struct enpu_fw_status st = { 0 };

		for (i = 0; i < (int)p->num_slots; i++)
			sizes[i] = c->slots[i].size;
		r = enpu_fw_validate(p->cmdbuf, p->cmdbuf_size, sizes,
				     p->num_slots, &st);
		if (r)
			return accel_seterr(e, r,
					    "internal error: compiled command buffer rejected (op %u, tensor %u): %s",
					    st.op, st.tensor, st.msg ? st.msg : "");
	}
	c->engine = ACCEL_ENGINE_INT8;
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

static struct compiled *get_compiled(accel_model *m,
				     const struct accel_tensor *in,
				     struct accel_err *e, int *err)
{
	const struct ir_graph *g = m->g;
	struct compiled *c, **pp;
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
		*err = -ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->shapes = calloc((size_t)g->n_inputs + 1, sizeof(*c->shapes));
	c->out_info = calloc((size_t)g->n_outputs + 1, sizeof(*c->out_info));
	if (!c->shapes || !c->out_info) {
		compiled_free(c);
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < g->n_inputs; i++) {
		c->shapes[i].dtype = in[i].dtype;
		c->shapes[i].rank = in[i].rank;
		for (d = 0; d < in[i].rank; d++)
			c->shapes[i].dims[d] = in[i].dims[d];
	}
	*err = -EOPNOTSUPP;
	if (int8_allowed()) {
		struct accel_err qe = { { 0 } };

		*err = compile_int8(c, g, &qe);
		if (*err) {
			/* Not (fully) quantized: the float executor runs it. */
			if (c->prog && c->slots)
				for (i = QPROG_SLOT_ARENA; i < (int)c->prog->num_slots; i++) {
					free(c->slots[i].data);
					c->slots[i].data = NULL;
				}
			free(c->slots);
			c->slots = NULL;
			qprog_free(c->prog);
			c->prog = NULL;
			if (*err != -EOPNOTSUPP) {
				*e = qe;
				compiled_free(c);
				return NULL;
			}
		}
	}
	if (*err)
		*err = compile_fp32(c, g, e);
	if (*err) {
		compiled_free(c);
		return NULL;
	}
	c->next = m->cache;
	m->cache = c;
	if (++m->n_cached > ACCEL_CACHE_MAX) {
		/* Evict the least recently used. */
		for (pp = &m->cache; (*pp)->next; pp = &(*pp)->next)
			;
		compiled_free(*pp);
		*pp = NULL;
		m->n_cached--;
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

static int run_int8(struct compiled *c, const struct accel_tensor *in,
		    struct accel_tensor *out, struct accel_err *e)
{
	const struct qprog *p = c->prog;
	struct enpu_fw_status st = { 0 };
	int i, r;

	for (i = 0; i < p->n_inputs; i++) {
		const struct qprog_edge *ed = &p->inputs[i];

		if (ed->convert)
			qprog_quantize(in[i].data, c->slots[ed->slot].data,
				       ed->qbytes, ed->isa_dtype, ed->scale,
				       ed->zero_point);
		else
			memcpy(c->slots[ed->slot].data, in[i].data, ed->qbytes);
	}
	r = enpu_fw_execute(p->cmdbuf, p->cmdbuf_size, c->slots, p->num_slots,
			    NULL, &st);
	if (r)
		return accel_seterr(e, r, "int8 execution failed at op %u: %s",
				    st.op, st.msg ? st.msg : "");
	for (i = 0; i < p->n_outputs; i++) {
		const struct qprog_edge *ed = &p->outputs[i];

		if (ed->convert)
			qprog_dequantize(c->slots[ed->slot].data, out[i].data,
					 ed->qbytes, ed->isa_dtype, ed->scale,
					 ed->zero_point);
		else
			memcpy(out[i].data, c->slots[ed->slot].data, ed->qbytes);
	}
	return 0;
}

int accel_run(accel_model *m, const struct accel_tensor *inputs, int n_inputs,
	      struct accel_tensor *outputs, int n_outputs)
{
	struct accel_err e = { { 0 } };
	struct compiled *c;
	int r, i;

	if (!m || (n_inputs && !inputs) || (n_outputs && !outputs))
		return failf(-EINVAL, "accel_run: NULL argument");
	r = check_inputs(m, inputs, n_inputs);
	if (r)
		return r;
	if (n_outputs != m->g->n_outputs)
		return failf(-EINVAL, "model has %d outputs, %d given",
			     m->g->n_outputs, n_outputs);

	pthread_mutex_lock(&m->lock);
	c = get_compiled(m, inputs, &e, &r);
	if (!c) {
		pthread_mutex_unlock(&m->lock);
		return fail(r, &e);
	}
	m->last_engine = c->engine;
	m->last_arena = c->engine == ACCEL_ENGINE_INT8 ? c->prog->arena_size :
			cpu_plan_arena_size(c->plan);
	/* Hold the entry while running; eviction happens under m->lock. */
	pthread_mutex_lock(&c->lock);
	r = prepare_outputs(m, c, outputs, n_outputs);
	if (r) {
		pthread_mutex_unlock(&c->lock);
		pthread_mutex_unlock(&m->lock);
		return r;
	}
	if (c->engine == ACCEL_ENGINE_INT8) {
		r = run_int8(c, inputs, outputs, &e);
	} else {
		const void *ip[64];
		void *op[64];

		if (n_inputs > 64 || n_outputs > 64) {
			r = accel_seterr(&e, -E2BIG, "more than 64 inputs or outputs");
		} else {
			for (i = 0; i < n_inputs; i++)
				ip[i] = inputs[i].data;
			for (i = 0; i < n_outputs; i++)
				op[i] = outputs[i].data;
			r = cpu_plan_run(c->plan, ip, op, &e);
		}
	}
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_unlock(&m->lock);
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
