// SPDX-License-Identifier: MIT
/*
 * Models: load, free, tensor info, and a small cache of compiled forms, one
 * per set of input shapes.  Each compiled form is either an int8 program
 * (ENPU command buffer executed by the firmware core or the NPU, with
 * quantize/dequantize at the graph's edges) or, when the graph does not
 * lower to the ISA, a float plan for the CPU graph executor.
 */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm/enpu_isa.h>

#include "core/accel_internal.h"
#include "exec/plan.h"
#include "ops/ops.h"
#include "ops/shape_pass.h"
#include "compile/qcompile.h"
#include "util/log.h"

#define ACCEL_MODEL_MAX_BYTES	(1ULL << 31)
#define ACCEL_CACHE_MAX		8

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

static void log_loaded(const accel_model *m)
{
	accel_log(ACCEL_LOG_INFO, "%s: loaded: %d nodes, opset %lld, %d input%s, %d output%s",
		  m->name, m->g->n_nodes, (long long)m->g->opset, m->g->n_inputs,
		  m->g->n_inputs == 1 ? "" : "s", m->g->n_outputs,
		  m->g->n_outputs == 1 ? "" : "s");
}

/* @dirfd: the model file's directory (external data), -1 from memory. */
static accel_model *model_from_buf(accel_ctx *ctx, const void *buf, size_t len,
				  int dirfd, int *err)
{
	struct accel_err e = { { 0 } };
	accel_model *m;
	int dummy, i;

	if (!err)
		err = &dummy;
	if (!ctx || (!buf && len)) {
		*err = accel_failf(-EINVAL, "accel_model_load_mem: NULL argument");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		*err = accel_failf(-ENOMEM, "out of memory");
		return NULL;
	}
	m->ctx = ctx;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->map_lock, NULL);
	m->last_device = ctx->device;
	m->name = strdup("model");
	m->g = m->name ? ir_load_onnx_at(buf, len, dirfd, &e, err) : NULL;
	if (!m->name)
		*err = accel_seterr(&e, -ENOMEM, "out of memory");
	if (m->g)
		*err = cpu_ops_check_graph(m->g, &e);
	if (!m->g || *err) {
		accel_fail(*err, &e);
		accel_model_free(m);
		return NULL;
	}
	m->in_info = calloc((size_t)m->g->n_inputs + 1, sizeof(*m->in_info));
	m->out_info = calloc((size_t)m->g->n_outputs + 1, sizeof(*m->out_info));
	if (!m->in_info || !m->out_info) {
		*err = accel_failf(-ENOMEM, "out of memory");
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

accel_model *accel_model_load_mem(accel_ctx *ctx, const void *buf, size_t len,
				  int *err)
{
	accel_model *m = model_from_buf(ctx, buf, len, -1, err);

	if (m)
		log_loaded(m);
	return m;
}

accel_model *accel_model_load(accel_ctx *ctx, const char *path, int *err)
{
	accel_model *m = NULL;
	struct stat st;
	void *buf = NULL;
	size_t got = 0;
	int fd, dirfd, dummy;

	if (!err)
		err = &dummy;
	if (!ctx || !path) {
		*err = accel_failf(-EINVAL, "accel_model_load: NULL argument");
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = accel_failf(-errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		*err = accel_failf(-EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > ACCEL_MODEL_MAX_BYTES) {
		*err = accel_failf(-E2BIG, "%s: model larger than 2 GiB", path);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		*err = accel_failf(-ENOMEM, "%s: out of memory", path);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, (char *)buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = accel_failf(n < 0 ? -errno : -EIO, "%s: read failed", path);
			goto out;
		}
		got += (size_t)n;
	}
	{
		/* external data files are named relative to the model's directory */
		char *copy = strdup(path);

		dirfd = copy ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		free(copy);
	}
	m = model_from_buf(ctx, buf, got, dirfd, err);
	if (dirfd >= 0)
		close(dirfd);
	if (m) {
		char *copy = strdup(path), *base = copy ? strdup(basename(copy)) : NULL;

		free(copy);
		if (base) {
			free(m->name);
			m->name = base;
		}
		log_loaded(m);
	} else {
		char msg[ACCEL_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", accel_last_error());
		accel_failf(*err, "%s: %s", path, msg);
	}
out:
	free(buf);
	close(fd);
	return m;
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
	ctx->be->release(ctx, c);
	cpu_unpack(c);
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

void accel_model_free(accel_model *m)
{
	accel_ctx *ctx;
	struct compiled *c, *n;

	if (!m)
		return;
	ctx = m->ctx;
	/* Outstanding asynchronous requests finish first (completions kept). */
	pthread_mutex_lock(&ctx->lock);
	while (model_busy(m) && ctx->be->inflight(ctx) &&
	       ctx->be->reap(ctx, 1) >= 0)
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
		return accel_failf(-EINVAL, "input index %d out of range", i);
	*info = m->in_info[i];
	return 0;
}

int accel_model_output(const accel_model *m, int i, struct accel_tensor_info *info)
{
	if (!m || !info || i < 0 || i >= m->g->n_outputs)
		return accel_failf(-EINVAL, "output index %d out of range", i);
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

static int find_named(const struct ir_graph *g, const int *list, int n,
		      const char *name, const char *what)
{
	int i;

	if (!name)
		return accel_failf(-EINVAL, "accel_model_%s_index: NULL argument", what);
	for (i = 0; i < n; i++)
		if (!strcmp(g->tensors[list[i]].name, name))
			return i;
	return accel_failf(-ENOENT, "the model has no %s '%s'", what, name);
}

int accel_model_input_index(const accel_model *m, const char *name)
{
	if (!m)
		return accel_failf(-EINVAL, "accel_model_input_index: NULL argument");
	return find_named(m->g, m->g->inputs, m->g->n_inputs, name, "input");
}

int accel_model_output_index(const accel_model *m, const char *name)
{
	if (!m)
		return accel_failf(-EINVAL, "accel_model_output_index: NULL argument");
	return find_named(m->g, m->g->outputs, m->g->n_outputs, name, "output");
}

static const char *dim_name(const struct ir_graph *g, const int *list, int n,
			    int i, int d)
{
	const struct ir_tensor *t;

	if (i < 0 || i >= n)
		return NULL;
	t = &g->tensors[list[i]];
	if (d < 0 || d >= t->rank || d >= IR_MAX_RANK || t->dims[d] >= 0)
		return NULL;
	return t->dim_param[d];
}

const char *accel_model_input_dim_name(const accel_model *m, int i, int d)
{
	return m ? dim_name(m->g, m->g->inputs, m->g->n_inputs, i, d) : NULL;
}

const char *accel_model_output_dim_name(const accel_model *m, int i, int d)
{
	return m ? dim_name(m->g, m->g->outputs, m->g->n_outputs, i, d) : NULL;
}

int accel_model_metadata(const accel_model *m, struct accel_model_meta *meta)
{
	if (!m || !meta)
		return accel_failf(-EINVAL, "accel_model_metadata: NULL argument");
	memset(meta, 0, sizeof(*meta));
	meta->producer_name = m->g->meta.producer_name;
	meta->producer_version = m->g->meta.producer_version;
	meta->domain = m->g->meta.domain;
	meta->graph_name = m->g->name;
	meta->doc = m->g->meta.doc;
	meta->ir_version = m->g->meta.ir_version;
	meta->model_version = m->g->meta.model_version;
	meta->opset = m->g->opset;
	meta->n_nodes = m->g->n_nodes;
	return 0;
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
			const struct shape_pass *s, struct accel_err *e)
{
	__u64 sizes[ENPU_ISA_MAX_SLOTS];
	struct enpu_fw_status st = { 0 };
	struct qprog *p;
	int r, i;

	r = qprog_compile(g, s, c->shapes, g->n_inputs, &p, e);
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
		sizes[i] = prog_slot_size(p, (uint32_t)i);
	r = enpu_fw_validate(p->cmdbuf, p->cmdbuf_size, sizes, p->num_slots,
			     &st);
	if (r)
		return accel_seterr(e, r,
				    "internal error: compiled command buffer rejected (op %u, tensor %u): %s",
				    st.op, st.tensor, st.msg ? st.msg : "");
	c->engine = ACCEL_ENGINE_INT8;
	return 0;
}

/* The float executor runs a plan made from the shape pass @s (taken over). */
static int compile_fp32(struct compiled *c, const struct ir_graph *g,
			struct shape_pass *s, struct accel_err *e)
{
	int r, i;

	c->plan = cpu_plan_from_shapes(s, e, &r);
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
	accel_log(ACCEL_LOG_WARN, "%s runs on the CPU, not %s: %s", m->name,
		  accel_ctx_device_path(m->ctx), why);
}

/* Forget the device copy of an int8 program; the CPU can still run it. */
static void drop_npu(struct compiled *c)
{
	accel_ctx *ctx = c->m->ctx;

	ctx->be->release(ctx, c);
	c->be = &backend_cpu_ops;
}

/* The model is the float executor's after all. */
static void drop_int8(struct compiled *c)
{
	drop_npu(c);
	cpu_unpack(c);
	qprog_free(c->prog);
	c->prog = NULL;
	c->engine = ACCEL_ENGINE_NONE;
}

/* info: which engine and device a new shape got. */
static void log_compiled(const struct compiled *c, int n_inputs)
{
	char shapes[256];
	size_t at = 0;
	int i, d;

	shapes[0] = 0;
	for (i = 0; i < n_inputs && at < sizeof(shapes); i++) {
		at += (size_t)snprintf(shapes + at, sizeof(shapes) - at, "%s[",
				       i ? " " : "");
		for (d = 0; d < c->shapes[i].rank && at < sizeof(shapes); d++)
			at += (size_t)snprintf(shapes + at, sizeof(shapes) - at,
					       "%s%lld", d ? "," : "",
					       (long long)c->shapes[i].dims[d]);
		if (at < sizeof(shapes))
			at += (size_t)snprintf(shapes + at, sizeof(shapes) - at, "]");
	}
	accel_log(ACCEL_LOG_INFO, "%s: compiled for %s: %s on the %s",
		  c->name, shapes,
		  c->engine == ACCEL_ENGINE_INT8 ? "int8 program" : "float plan",
		  c->be == &backend_cpu_ops ? "cpu" : "npu");
}

struct compiled *model_get_compiled(accel_model *m,
				    const struct accel_tensor *in,
				    struct accel_err *e, int *err)
{
	const struct ir_graph *g = m->g;
	accel_ctx *ctx = m->ctx;
	struct compiled *c, **pp, **victim;
	struct shape_pass *s;
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
	c->name = m->name;
	c->be = &backend_cpu_ops;	/* until prepared for the device */
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
	/*
	 * One shape pass for these shapes: the int8 compiler reads shapes and
	 * folded constants from it, and the float executor plans from it when
	 * the graph does not lower.  When it fails, neither can run the model.
	 */
	s = shape_infer(g, c->shapes, g->n_inputs, e, err);
	if (!s)
		goto refuse;
	*err = accel_seterr(e, -EOPNOTSUPP, "ACCEL_ENGINE=fp32 forces the float executor");
	if (int8_allowed()) {
		struct accel_err qe = { { 0 } };

		*err = compile_int8(c, g, s, &qe);
		if (!*err) {
			*err = ctx->be->prepare(ctx, c, &qe);
			if (*err && ctx->auto_fallback) {
				/* Lowered, but the device refused it: CPU int8. */
				log_fallback(m, qe.msg);
				drop_npu(c);
				*err = 0;
			}
		}
		if (!*err && c->be == &backend_cpu_ops)
			*err = cpu_pack(ctx, c, &qe);
		if (*err) {
			bool not_lowered = c->engine != ACCEL_ENGINE_INT8;

			drop_int8(c);
			*e = qe;
			if (*err != -EOPNOTSUPP || !not_lowered) {
				shape_free(s);
				compiled_free(c);
				return NULL;
			}
		}
	}
	if (*err) {
		if (!ctx->be->runs_fp32 && !ctx->auto_fallback) {
			shape_free(s);
			goto refuse;
		}
		if (!ctx->be->runs_fp32)
			log_fallback(m, e->msg);
		*err = compile_fp32(c, g, s, e);
	} else {
		/* The int8 program runs; no float plan (nor arena) is made. */
		shape_free(s);
	}
	if (*err) {
		compiled_free(c);
		return NULL;
	}
	if (accel_log_on(ACCEL_LOG_INFO))
		log_compiled(c, g->n_inputs);
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

refuse:
	/* An explicit NPU context says why the model cannot run there. */
	if (*err == -EOPNOTSUPP && !ctx->be->runs_fp32 && !ctx->auto_fallback) {
		char why[ACCEL_ERR_MSG_MAX];

		snprintf(why, sizeof(why), "%s", e->msg);
		*err = accel_seterr(e, -EOPNOTSUPP, "%s cannot run on the NPU (%s): %s",
				    m->name, accel_ctx_device_path(ctx), why);
	}
	compiled_free(c);
	return NULL;
}
