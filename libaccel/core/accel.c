// SPDX-License-Identifier: MIT
/*
 * libaccel library-level calls: version, errors and accel_last_error(),
 * device names and enumeration, contexts and the choice of device.
 *
 * A context picks its device at open: the NPU (enpu.ko) when asked for or
 * when AUTO finds a usable one, else the CPU backend.  Models, runs and
 * asynchronous requests live in the files listed in core/accel_internal.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm/enpu_isa.h>

#include "core/accel_internal.h"
#include "ops/f32k.h"
#include "util/log.h"

static __thread char last_error[ACCEL_ERR_MSG_MAX];

/* Record the message for accel_last_error() and pass the errno through. */
int accel_fail(int err, const struct accel_err *e)
{
	if (e && e->msg[0])
		snprintf(last_error, sizeof(last_error), "%s", e->msg);
	else
		snprintf(last_error, sizeof(last_error), "%s",
			 accel_strerror(err));
	accel_log(ACCEL_LOG_DEBUG, "returns %d (%s): %s", err,
		  accel_strerror(err), last_error);
	return err;
}

int accel_failf(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	accel_log(ACCEL_LOG_DEBUG, "returns %d (%s): %s", err,
		  accel_strerror(err), last_error);
	return err;
}

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
	if (env && *env)
		accel_log(ACCEL_LOG_WARN, "ACCEL_NPU_SUBMIT=%s ignored: not uring, sqpoll or ioctl",
			  env);
	if (flags & ACCEL_CTX_SUBMIT_IOCTL)
		return NPU_SUBMIT_IOCTL;
	if (flags & ACCEL_CTX_SQPOLL)
		return NPU_SUBMIT_SQPOLL;
	return NPU_SUBMIT_URING;
}

static const char *const cpu_kernel_names[] = {
	[ACCEL_CPU_KERNELS_AUTO] = "auto",
	[ACCEL_CPU_KERNELS_SCALAR] = "scalar",
	[ACCEL_CPU_KERNELS_AVX2] = "avx2",
	[ACCEL_CPU_KERNELS_AVXVNNI] = "avxvnni",
	[ACCEL_CPU_KERNELS_AVX512BW] = "avx512bw",
	[ACCEL_CPU_KERNELS_AVX512VNNI] = "avx512vnni",
	[ACCEL_CPU_KERNELS_NEON] = "neon",
	[ACCEL_CPU_KERNELS_NEONDOT] = "neondot",
};

/* The variants this CPU runs, for messages: "scalar avx2 ...". */
static void cpu_kernels_here(char *buf, size_t len)
{
	const struct enpu_fw_kernels *v[16];
	uint32_t i, n = enpu_fw_kernels_list(v, 16);
	size_t at = 0;

	buf[0] = 0;
	for (i = 0; i < n && i < 16 && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? " " : "",
				       enpu_fw_kernels_name(v[i]));
}

/*
 * The kernel variant and thread count of a new context: options, then the
 * ACCEL_CPU_KERNELS / ACCEL_THREADS environment variables; and
 * ACCEL_BATCH_SPLIT: int8 batches split across the threads when worth it
 * (auto, the default), never (0) or whenever the program allows (1).
 */
static int cpu_exec_setup(accel_ctx *ctx, const struct accel_ctx_options *o)
{
	const char *kname = NULL, *env = getenv("ACCEL_CPU_KERNELS");
	const char *tenv = getenv("ACCEL_THREADS");
	const char *senv = getenv("ACCEL_BATCH_SPLIT");
	unsigned long threads = o->threads;
	char here[128], *end;

	if (o->cpu_kernels >= sizeof(cpu_kernel_names) / sizeof(cpu_kernel_names[0]))
		return accel_failf(-EINVAL, "accel_ctx_options: unknown cpu_kernels %u",
				   o->cpu_kernels);
	kname = cpu_kernel_names[o->cpu_kernels];
	if (env && *env)
		kname = env;
	ctx->kernels = enpu_fw_kernels_find(kname);
	if (!ctx->kernels) {
		size_t i;
		bool known = false;

		for (i = 0; i < sizeof(cpu_kernel_names) / sizeof(cpu_kernel_names[0]); i++)
			known |= !strcmp(kname, cpu_kernel_names[i]);
		cpu_kernels_here(here, sizeof(here));
		return accel_failf(known ? -EOPNOTSUPP : -EINVAL,
				   "%s='%s': %s; this CPU runs: %s",
				   env && *env ? "ACCEL_CPU_KERNELS" : "accel_ctx_options.cpu_kernels",
				   kname, known ? "needs CPU features this machine (or build) lacks" :
				   "unknown kernel variant (auto, scalar, avx2, avxvnni, avx512bw, avx512vnni, neon, neondot)",
				   here);
	}
	ctx->f32 = f32k_for_variant(enpu_fw_kernels_name(ctx->kernels));
	/* The scalar variant has no overrides: run the firmware's own. */
	if (!strcmp(enpu_fw_kernels_name(ctx->kernels), "scalar"))
		ctx->kernels = NULL;
	if (tenv && *tenv) {
		errno = 0;
		threads = strtoul(tenv, &end, 10);
		if (errno || *end || end == tenv || tenv[0] == '-' || !threads ||
		    threads > 256)
			return accel_failf(-EINVAL, "ACCEL_THREADS='%s': expected 1 to 256",
					   tenv);
	}
	if (threads > 256)
		return accel_failf(-EINVAL, "accel_ctx_options: threads %lu > 256",
				   threads);
	if (senv && *senv) {
		if (!strcmp(senv, "0"))
			ctx->batch_split = -1;
		else if (!strcmp(senv, "1"))
			ctx->batch_split = 1;
		else if (strcmp(senv, "auto"))
			return accel_failf(-EINVAL, "ACCEL_BATCH_SPLIT='%s': expected auto, 0 or 1",
					   senv);
	}
	if (!threads)
		threads = par_cpus();
	if (threads > 1) {
		ctx->pool = par_pool_create((unsigned int)threads);
		if (!ctx->pool)
			return accel_failf(-ENOMEM, "cannot start %lu threads", threads);
	}
	return 0;
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
			*err = accel_failf(-EINVAL, "accel_ctx_options.size %u too small",
					   opts->size);
			return NULL;
		}
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size : sizeof(o));
		for (i = 0; i < sizeof(o.reserved) / sizeof(o.reserved[0]); i++)
			if (o.reserved[i]) {
				*err = accel_failf(-EINVAL, "accel_ctx_options: reserved fields must be zero");
				return NULL;
			}
		if (o.flags & ~(ACCEL_CTX_SUBMIT_IOCTL | ACCEL_CTX_SQPOLL |
				ACCEL_CTX_QUIET) ||
		    (o.flags & ACCEL_CTX_SUBMIT_IOCTL && o.flags & ACCEL_CTX_SQPOLL)) {
			*err = accel_failf(-EINVAL, "accel_ctx_options: bad flags 0x%x",
					   o.flags);
			return NULL;
		}
		if (o.queue_depth > 4096) {
			*err = accel_failf(-EINVAL, "accel_ctx_options: queue_depth %u > 4096",
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
			*err = accel_failf(-EINVAL, "ACCEL_DEVICE='%s': expected cpu, npu or auto",
					   env);
			return NULL;
		}
	}
	if (device != ACCEL_DEVICE_AUTO && device != ACCEL_DEVICE_CPU &&
	    device != ACCEL_DEVICE_NPU) {
		*err = accel_failf(-EINVAL, "unknown device %d", (int)device);
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		*err = accel_failf(-ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->flags = o.flags;
	ctx->depth = o.queue_depth ? o.queue_depth : 256;
	ctx->device = ACCEL_DEVICE_CPU;
	ctx->be = &backend_cpu_ops;
	ctx->job_done = async_complete;
	r = cpu_exec_setup(ctx, &o);
	if (r) {
		*err = r;
		accel_close(ctx);
		return NULL;
	}
	if (device != ACCEL_DEVICE_CPU) {
		r = npu_open(o.npu_index, submit_mode(o.flags), ctx->depth,
			     &ctx->npu, &e);
		if (r && device == ACCEL_DEVICE_NPU) {
			*err = accel_fail(r, &e);
			accel_close(ctx);
			return NULL;
		}
		if (r) {
			if (!(o.flags & ACCEL_CTX_QUIET) &&
			    !__atomic_exchange_n(&fallback_logged, true,
						 __ATOMIC_RELAXED))
				accel_log(ACCEL_LOG_WARN, "running on the CPU: %s",
					  e.msg);
		} else {
			ctx->device = ACCEL_DEVICE_NPU;
			ctx->be = &backend_npu_ops;
			ctx->auto_fallback = device == ACCEL_DEVICE_AUTO;
		}
	}
	if (accel_log_on(ACCEL_LOG_INFO)) {
		if (ctx->device == ACCEL_DEVICE_NPU)
			accel_log(ACCEL_LOG_INFO, "context: npu %s, %s submission; CPU fallback: %s kernels, %u thread%s",
				  accel_ctx_device_path(ctx), accel_ctx_submit_path(ctx),
				  accel_ctx_cpu_kernels(ctx), accel_ctx_threads(ctx),
				  accel_ctx_threads(ctx) == 1 ? "" : "s");
		else
			accel_log(ACCEL_LOG_INFO, "context: cpu, %s kernels, %u thread%s",
				  accel_ctx_cpu_kernels(ctx), accel_ctx_threads(ctx),
				  accel_ctx_threads(ctx) == 1 ? "" : "s");
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
	par_pool_destroy(ctx->pool);
	free(ctx->done.v);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

enum accel_device accel_ctx_device(const accel_ctx *ctx)
{
	return ctx ? ctx->device : ACCEL_DEVICE_CPU;
}

const char *accel_ctx_cpu_kernels(const accel_ctx *ctx)
{
	return enpu_fw_kernels_name(ctx ? ctx->kernels : NULL);
}

unsigned int accel_ctx_threads(const accel_ctx *ctx)
{
	return ctx ? par_pool_threads(ctx->pool) : 1;
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
		return accel_failf(-EINVAL, "accel_ctx_stats: NULL argument");
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
		return accel_failf(-EINVAL, "accel_devices: bad arguments");
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
