// SPDX-License-Identifier: MIT
/*
 * accel-bench - measure a model's latency and throughput with libaccel, in
 * MLPerf Inference's scenarios:
 *
 *	single-stream	one request at a time; latency p50/p90/p99/max
 *	offline		N requests in flight per thread; throughput
 *	multi-process	P processes, each single-stream, sharing the device
 *
 * On the NPU every scenario reports the system calls libaccel made per
 * inference (ioctl + io_uring_enter), and single-stream/offline run once per
 * submission path (ioctl, io_uring, io_uring+sqpoll) unless --submit picks
 * one.  --json prints one JSON object per scenario (and path) on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"
#include "common/args.h"
#include "common/die.h"
#include "common/input.h"
#include "common/timing.h"

#define MAX_IO		16
#define MAX_INFLIGHT	256
#define MAX_PROCS	64

const char tool_name[] = "accel-bench";

struct opts {
	const char *model;
	enum accel_device device;
	const char *scenario;	/* "all" or one */
	const char *submit;	/* "all", "uring", "sqpoll", "ioctl" */
	int clients;		/* offline: worker threads, one context each */
	int threads;		/* CPU threads per run, 0 = the library's default */
	const char *kernels;	/* CPU kernel variant, NULL = auto */
	int inflight;
	int procs;
	int batch;		/* --batch: the symbolic batch dimension */
	bool batch_given;
	int samples;		/* inferences per request (the batch it ran) */
	struct tool_input_arg inputs[MAX_IO];	/* --input */
	int n_inputs;
	const char *shape_names[MAX_IO];	/* --shape NAME=DxD */
	struct tool_shape shapes[MAX_IO];
	int n_shapes;
	double time_s;		/* > 0: run for this long */
	long count;		/* > 0: run this many (per thread/process) */
	int warmup;
	bool json;
	bool progress;
};

/* What one scenario measured. */
struct result {
	const char *scenario;
	const char *submit;
	const char *device;
	double *lat;		/* microseconds, one per request */
	long n;
	double secs;
	double syscalls;	/* per inference, -1 when not measured */
	double ioctls, enters;
	long per_proc_min, per_proc_max;
	int errors;
};

static struct opts o = {
	.device = ACCEL_DEVICE_AUTO, .scenario = "all", .submit = "all",
	.clients = 1, .inflight = 8, .procs = 4, .batch = 1, .samples = 1,
	.warmup = 10,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: accel-bench MODEL [--scenario single-stream|offline|multi-process|all]\n"
		"                   [--device cpu|npu|auto] [--submit uring|sqpoll|ioctl|all]\n"
		"                   [--threads N] [--kernels NAME] [--clients C]\n"
		"                   [--inflight N] [--procs P] [--batch B]\n"
		"                   [--input [NAME=]FILE]... [--shape NAME=DIMS]...\n"
		"                   [--time SECONDS | --count N] [--warmup N] [--json]\n"
		"                   [--version]\n"
		"\n"
		"Runs MODEL on random inputs (or the given .npy/raw files) and reports\n"
		"latency percentiles, throughput and, on the NPU, system calls per\n"
		"inference for each submission path.  Throughput counts every sample of\n"
		"a batch: --batch B sets a symbolic leading dimension (a model whose\n"
		"batch is fixed runs only that batch); --shape NAME=1x3x96x96 sets every\n"
		"dimension of a random input.\n"
		"--threads: CPU threads one inference uses (default: every CPU this\n"
		"process may run on); --kernels: CPU kernel variant (auto, scalar,\n"
		"avx2, avxvnni, avx512bw, avx512vnni, neon, neondot); --clients:\n"
		"offline worker threads (one context each); --inflight: requests in\n"
		"flight per offline client; --procs: processes in the multi-process\n"
		"scenario.  Default: --time 2 per scenario.\n");
}

static double pct(const double *sorted, long n, double p)
{
	long i;

	if (n <= 0)
		return 0;
	i = (long)(p / 100.0 * (double)n + 0.5) - 1;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return sorted[i];
}

/* Submission path name -> context flags. */
static uint32_t submit_flags(const char *s)
{
	if (!strcmp(s, "ioctl"))
		return ACCEL_CTX_SUBMIT_IOCTL;
	if (!strcmp(s, "sqpoll"))
		return ACCEL_CTX_SQPOLL;
	return 0;
}

/* One context + model + random inputs and output buffers. */
struct runner {
	accel_ctx *ctx;
	accel_model *m;
	int n_in, n_out;
	const char *paths[MAX_IO];	/* per input: its --input file or NULL */
	struct accel_tensor in[MAX_IO];
	struct accel_tensor out[MAX_INFLIGHT][MAX_IO];
};

static void runner_free(struct runner *r)
{
	int i, k;

	for (i = 0; i < r->n_in; i++)
		free(r->in[i].data);
	for (k = 0; k < MAX_INFLIGHT; k++)
		for (i = 0; i < r->n_out; i++)
			accel_tensor_release(&r->out[k][i]);
	accel_model_free(r->m);
	accel_close(r->ctx);
	free(r);
}

static struct runner *runner_new(const char *submit)
{
	struct accel_ctx_options co = { .size = sizeof(co), .npu_index = -1,
					.flags = ACCEL_CTX_QUIET };
	struct runner *r = calloc(1, sizeof(*r));
	struct tool_rng rng = { .state = 0x9e3779b97f4a7c15ull };
	int err, i;

	if (!r) {
		die("out of memory");
		return NULL;
	}
	co.flags |= submit_flags(submit);
	co.threads = (uint32_t)o.threads;
	r->ctx = accel_open_opts(o.device, &co, &err);
	if (!r->ctx)
		goto fail;
	r->m = accel_model_load(r->ctx, o.model, &err);
	if (!r->m)
		goto fail;
	r->n_in = accel_model_num_inputs(r->m);
	r->n_out = accel_model_num_outputs(r->m);
	if (r->n_in > MAX_IO || r->n_out > MAX_IO) {
		die("%s: more than %d inputs or outputs", o.model, MAX_IO);
		goto fail_quiet;
	}
	if (tool_inputs_match(r->m, o.inputs, o.n_inputs, r->paths, MAX_IO))
		goto fail_quiet;
	for (i = 0; i < r->n_in; i++) {
		const struct tool_shape *shape = NULL;
		struct accel_tensor_info inf;
		int k;

		accel_model_input(r->m, i, &inf);
		for (k = 0; k < o.n_shapes; k++)
			if (!strcmp(o.shape_names[k], inf.name))
				shape = &o.shapes[k];
		if (r->paths[i] && shape) {
			die("input '%s': --shape and --input exclude each other (the file has its shape)",
			    inf.name);
			goto fail_quiet;
		}
		if (r->paths[i] ? tool_load_input(r->paths[i], &inf, &r->in[i]) :
		    tool_make_input(&inf, o.batch, shape, &rng, &r->in[i]))
			goto fail_quiet;
	}
	return r;
fail:
	die("%s", accel_last_error());
fail_quiet:
	runner_free(r);
	return NULL;
}

static volatile sig_atomic_t stop_all;
static bool on_npu;		/* the model runs on the NPU (probed once) */

static bool done_yet(long n, double t0)
{
	if (stop_all)
		return true;
	if (o.count > 0)
		return n >= o.count;
	return tool_now_s() - t0 >= o.time_s;
}

static void progress(const char *what, long n, double t0)
{
	static double last;
	double t = tool_now_s();

	if (!o.progress || t - last < 0.25)
		return;
	last = t;
	if (o.count > 0)
		fprintf(stderr, "\r  %-28s %ld/%ld requests  %.0f/s   ", what, n,
			o.count, n / (t - t0 + 1e-9));
	else
		fprintf(stderr, "\r  %-28s %ld requests  %.1f/%.1fs  %.0f/s   ",
			what, n, t - t0, o.time_s, n / (t - t0 + 1e-9));
}

static void progress_end(void)
{
	if (o.progress)
		fprintf(stderr, "\r%*s\r", 78, "");
}

/* Growable latency array. */
static int lat_push(double **v, long *n, long *cap, double x)
{
	if (*n == *cap) {
		long nc = *cap ? *cap * 2 : 4096;
		double *p = realloc(*v, (size_t)nc * sizeof(double));

		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Single stream on @r; fills @res (lat owned by it). */
static int single_stream(struct runner *r, struct result *res, const char *label)
{
	struct accel_ctx_stats s0, s1;
	long cap = 0, i;
	double t0;
	int err;

	for (i = 0; i < o.warmup; i++) {
		err = accel_run(r->m, r->in, r->n_in, r->out[0], r->n_out);
		if (err)
			return die("%s", accel_last_error());
	}
	accel_ctx_stats(r->ctx, &s0);
	t0 = tool_now_s();
	while (!done_yet(res->n, t0)) {
		double a = tool_now_s();

		err = accel_run(r->m, r->in, r->n_in, r->out[0], r->n_out);
		if (err) {
			res->errors++;
			return die("%s", accel_last_error());
		}
		if (lat_push(&res->lat, &res->n, &cap, (tool_now_s() - a) * 1e6))
			return die("out of memory for %ld latency samples",
				   res->n);
		progress(label, res->n, t0);
	}
	res->secs = tool_now_s() - t0;
	accel_ctx_stats(r->ctx, &s1);
	res->ioctls = (double)(s1.ioctls - s0.ioctls);
	res->enters = (double)(s1.uring_enters - s0.uring_enters);
	res->device = accel_device_name(accel_model_device(r->m));
	return 0;
}

/* One offline worker: keep o.inflight requests in flight. */
struct worker {
	struct runner *r;
	struct result res;
	const char *label;
	int index;
	int ret;
	pthread_t tid;
};

static void *offline_worker(void *arg)
{
	struct worker *w = arg;
	struct runner *r = w->r;
	struct accel_completion done[MAX_INFLIGHT];
	struct accel_ctx_stats s0, s1;
	double start[MAX_INFLIGHT], t0;
	long submitted = 0, cap = 0;
	int inflight = 0, free_slot[MAX_INFLIGHT], n_free = 0, k, n, err;

	for (k = o.inflight - 1; k >= 0; k--)
		free_slot[n_free++] = k;
	/* Warm up with a full window: every in-flight slot's buffers exist. */
	for (k = 0; k < o.warmup || k < o.inflight; k++)
		if (accel_submit(r->m, r->in, r->n_in, r->out[k % o.inflight],
				 r->n_out, 0))
			goto fail;
	while (accel_ctx_pending(r->ctx) > 0)
		if (accel_wait(r->ctx, done, MAX_INFLIGHT, 1) < 0)
			goto fail;
	accel_ctx_stats(r->ctx, &s0);
	t0 = tool_now_s();
	for (;;) {
		bool more = !done_yet(submitted, t0);

		while (more && n_free) {
			int slot = free_slot[--n_free];

			start[slot] = tool_now_s();
			err = accel_submit(r->m, r->in, r->n_in, r->out[slot],
					   r->n_out, (uint64_t)slot);
			if (err)
				goto fail;
			submitted++;
			inflight++;
			more = !done_yet(submitted, t0);
		}
		if (!inflight)
			break;
		/*
		 * Reap half the window before refilling it: submissions then
		 * go out in batches (one io_uring_enter each) instead of one
		 * per completion.
		 */
		n = accel_wait(r->ctx, done, MAX_INFLIGHT,
			       inflight / 2 > 0 ? inflight / 2 : 1);
		if (n < 0)
			goto fail;
		for (k = 0; k < n; k++) {
			int slot = (int)done[k].user_data;

			if (done[k].status)
				w->res.errors++;
			if (lat_push(&w->res.lat, &w->res.n, &cap,
				     (tool_now_s() - start[slot]) * 1e6)) {
				w->ret = die("out of memory for %ld latency samples",
					     w->res.n);
				return NULL;
			}
			free_slot[n_free++] = slot;
		}
		inflight -= n;
		if (w->index == 0)
			progress(w->label, w->res.n, t0);
	}
	w->res.secs = tool_now_s() - t0;
	accel_ctx_stats(r->ctx, &s1);
	w->res.ioctls = (double)(s1.ioctls - s0.ioctls);
	w->res.enters = (double)(s1.uring_enters - s0.uring_enters);
	w->res.device = accel_device_name(accel_model_device(r->m));
	return NULL;
fail:
	die("%s", accel_last_error());
	w->ret = 1;
	return NULL;
}

static int offline(const char *submit, struct result *res, const char *label)
{
	struct worker *w = calloc((size_t)o.clients, sizeof(*w));
	long cap = 0, i;
	int t, ret = 0;

	if (!w)
		return die("out of memory");
	for (t = 0; t < o.clients; t++) {
		w[t].r = runner_new(submit);
		w[t].label = label;
		w[t].index = t;
		if (!w[t].r) {
			ret = 1;
			goto out;
		}
	}
	for (t = 0; t < o.clients; t++)
		if (pthread_create(&w[t].tid, NULL, offline_worker, &w[t])) {
			ret = die("cannot start thread %d", t);
			o.clients = t;
			break;
		}
	for (t = 0; t < o.clients; t++) {
		pthread_join(w[t].tid, NULL);
		ret |= w[t].ret;
		for (i = 0; i < w[t].res.n; i++)
			if (lat_push(&res->lat, &res->n, &cap, w[t].res.lat[i])) {
				ret = die("out of memory for %ld latency samples",
					  res->n);
				break;
			}
		if (w[t].res.secs > res->secs)
			res->secs = w[t].res.secs;
		res->ioctls += w[t].res.ioctls;
		res->enters += w[t].res.enters;
		res->errors += w[t].res.errors;
		res->device = w[t].res.device;
	}
out:
	for (t = 0; t < o.clients; t++) {
		free(w[t].res.lat);
		if (w[t].r)
			runner_free(w[t].r);
	}
	free(w);
	return ret;
}

/* Read exactly @len bytes. */
static int read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = write(fd, (const char *)buf + put, len - put);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		put += (size_t)n;
	}
	return 0;
}

/* P children, each single-stream on its own context; samples via pipes. */
static int multi_process(const char *submit, struct result *res)
{
	pid_t pid[MAX_PROCS];
	int fds[MAX_PROCS], p, ret = 0, status;
	long cap = 0;
	double t0 = tool_now_s();

	fflush(NULL);
	for (p = 0; p < o.procs; p++) {
		int pfd[2];

		if (pipe(pfd))
			return die("pipe: %s", strerror(errno));
		pid[p] = fork();
		if (pid[p] < 0)
			return die("fork: %s", strerror(errno));
		if (pid[p] == 0) {
			struct result r = { 0 };
			struct runner *run;
			double hdr[4];
			int rc = 1;

			close(pfd[0]);
			o.progress = false;
			run = runner_new(submit);
			if (run && !single_stream(run, &r, "multi-process")) {
				hdr[0] = (double)r.n;
				hdr[1] = r.ioctls;
				hdr[2] = r.enters;
				hdr[3] = r.secs;
				if (!write_all(pfd[1], hdr, sizeof(hdr)) &&
				    !write_all(pfd[1], r.lat,
					       (size_t)r.n * sizeof(double)))
					rc = 0;
			}
			if (run)
				runner_free(run);
			free(r.lat);
			_exit(rc);
		}
		close(pfd[1]);
		fds[p] = pfd[0];
	}
	res->per_proc_min = -1;
	for (p = 0; p < o.procs; p++) {
		double hdr[4];
		long n, i;

		if (read_all(fds[p], hdr, sizeof(hdr))) {
			ret = die("process %d (pid %d) reported nothing", p, (int)pid[p]);
			res->errors++;
		} else {
			n = (long)hdr[0];
			res->ioctls += hdr[1];
			res->enters += hdr[2];
			if (res->per_proc_min < 0 || n < res->per_proc_min)
				res->per_proc_min = n;
			if (n > res->per_proc_max)
				res->per_proc_max = n;
			for (i = 0; i < n; i++) {
				double x;

				if (read_all(fds[p], &x, sizeof(x)))
					break;
				if (lat_push(&res->lat, &res->n, &cap, x)) {
					ret = die("out of memory for %ld latency samples",
						  res->n);
					break;
				}
			}
		}
		close(fds[p]);
	}
	for (p = 0; p < o.procs; p++) {
		if (waitpid(pid[p], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			ret = die("process %d (pid %d) failed", p, (int)pid[p]);
			res->errors++;
		}
	}
	res->secs = tool_now_s() - t0;
	res->device = on_npu ? "npu" : "cpu";
	return ret;
}

/* @s as a JSON string body: quotes, backslashes and controls escaped. */
static void json_str(const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
}

/* What the probe context runs with (CPU side). */
static unsigned int cpu_threads;
static const char *cpu_kernels = "scalar";

static void report(const struct result *r, int clients)
{
	double *s = r->lat;
	long n = r->n;
	int batch = o.samples;
	double ips = r->secs > 0 ? (double)n * batch / r->secs : 0;
	double sc = n ? (r->ioctls + r->enters) / (double)n : 0;
	bool npu = !strcmp(r->device ? r->device : "", "npu");

	tool_sort(s, (size_t)n);
	if (o.json) {
		printf("{\"model\":\"");
		json_str(o.model);
		printf("\",\"device\":\"%s\",\"submit\":\"%s\","
		       "\"clients\":%d,\"cpu_threads\":%u,\"cpu_kernels\":\"%s\","
		       "\"batch\":%d,\"scenario\":\"%s\","
		       "\"count\":%ld,\"errors\":%d,"
		       "\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f},"
		       "\"throughput_ips\":%.1f",
		       r->device ? r->device : "?", npu ? r->submit : "cpu",
		       clients, cpu_threads, cpu_kernels, batch, r->scenario, n,
		       r->errors,
		       pct(s, n, 50), pct(s, n, 90), pct(s, n, 99),
		       n ? s[n - 1] : 0.0, ips);
		if (npu)
			printf(",\"syscalls_per_inference\":%.3f,\"ioctls_per_inference\":%.3f,"
			       "\"uring_enters_per_inference\":%.3f",
			       sc, n ? r->ioctls / (double)n : 0,
			       n ? r->enters / (double)n : 0);
		if (!strcmp(r->scenario, "multi-process"))
			printf(",\"processes\":%d,\"per_process_count\":{\"min\":%ld,\"max\":%ld}",
			       o.procs, r->per_proc_min, r->per_proc_max);
		if (!strcmp(r->scenario, "offline"))
			printf(",\"inflight\":%d", o.inflight);
		printf("}\n");
	} else {
		printf("%-14s %-4s %-16s cl %-2d  n %-7ld p50 %8.1f  p90 %8.1f  p99 %8.1f  max %8.1f us  %9.1f inf/s",
		       r->scenario, r->device ? r->device : "?",
		       npu ? r->submit : "-", clients, n, pct(s, n, 50),
		       pct(s, n, 90), pct(s, n, 99), n ? s[n - 1] : 0.0, ips);
		if (npu)
			printf("  %.2f syscalls/inf (%.2f ioctl + %.2f io_uring_enter)",
			       sc, n ? r->ioctls / (double)n : 0,
			       n ? r->enters / (double)n : 0);
		if (!strcmp(r->scenario, "multi-process"))
			printf("  [%d procs, %ld..%ld each]", o.procs,
			       r->per_proc_min, r->per_proc_max);
		if (r->errors)
			printf("  %d ERRORS", r->errors);
		printf("\n");
	}
	fflush(stdout);
}

/*
 * How many samples one request of @r carries, into o.samples: the leading
 * dimension of the inputs where the model leaves it symbolic (what --batch
 * or the input file set), else 1.  A --batch the model cannot take (its
 * leading dimensions are fixed at something else) is an error rather than
 * a throughput multiplied by a batch that never ran.
 */
static int batch_check(const struct runner *r)
{
	int64_t b = -1;
	int i;

	for (i = 0; i < r->n_in; i++) {
		struct accel_tensor_info inf;

		accel_model_input(r->m, i, &inf);
		if (inf.rank < 1 || r->in[i].rank < 1)
			continue;
		if (inf.dims[0] >= 0 && !(o.batch_given && inf.dims[0] == o.batch))
			continue;
		if (b < 0)
			b = r->in[i].dims[0];
		else if (r->in[i].dims[0] != b)
			return die("inputs disagree on the batch: '%s' has %lld, another %lld",
				   inf.name, (long long)r->in[i].dims[0],
				   (long long)b);
	}
	if (o.batch_given && b < 0) {
		struct accel_tensor_info inf;
		char dims[128];

		accel_model_input(r->m, 0, &inf);
		return die("--batch %d: the model's batch is fixed (input '%s' is %s); only a symbolic leading dimension takes --batch",
			   o.batch, inf.name, tool_fmt_dims(&inf, dims, sizeof(dims)));
	}
	if (b > INT_MAX)
		return die("a batch of %lld is too large", (long long)b);
	if (o.batch_given && b != o.batch)
		return die("--batch %d, but the input files hold a batch of %lld",
			   o.batch, (long long)b);
	o.samples = b > 0 ? (int)b : 1;
	return 0;
}

static bool want(const char *scenario)
{
	return !strcmp(o.scenario, "all") || !strcmp(o.scenario, scenario);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_all = 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scenario", required_argument, NULL, 'S' },
		{ "device", required_argument, NULL, 'd' },
		{ "submit", required_argument, NULL, 'u' },
		{ "threads", required_argument, NULL, 't' },
		{ "kernels", required_argument, NULL, 'k' },
		{ "clients", required_argument, NULL, 'c' },
		{ "inflight", required_argument, NULL, 'i' },
		{ "procs", required_argument, NULL, 'p' },
		{ "batch", required_argument, NULL, 'b' },
		{ "time", required_argument, NULL, 'T' },
		{ "count", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "input", required_argument, NULL, 'I' },
		{ "shape", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const paths[] = { "ioctl", "uring", "sqpoll" };
	static const char *const path_names[] = { "ioctl", "io_uring", "io_uring+sqpoll" };
	struct runner *probe;
	bool npu;
	int c, ret = 0, k;
	long v;

	while ((c = getopt_long(argc, argv, "S:d:u:t:k:c:i:p:b:T:n:w:I:s:jVh",
				opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			if (strcmp(optarg, "single-stream") && strcmp(optarg, "offline") &&
			    strcmp(optarg, "multi-process") && strcmp(optarg, "all"))
				return die("--scenario: '%s' unknown", optarg);
			o.scenario = optarg;
			break;
		case 'd':
			if (tool_arg_device(optarg, &o.device))
				return 1;
			break;
		case 'u':
			if (strcmp(optarg, "uring") && strcmp(optarg, "sqpoll") &&
			    strcmp(optarg, "ioctl") && strcmp(optarg, "all"))
				return die("--submit: '%s' is not uring, sqpoll, ioctl or all",
					   optarg);
			o.submit = optarg;
			break;
		case 't':
			if (tool_arg_long("threads", optarg, 1, 256, &v))
				return 1;
			o.threads = (int)v;
			break;
		case 'k':
			/* the library checks the name against this CPU */
			if (setenv("ACCEL_CPU_KERNELS", optarg, 1))
				return die("--kernels: %s", strerror(errno));
			o.kernels = optarg;
			break;
		case 'c':
			if (tool_arg_long("clients", optarg, 1, 64, &v))
				return 1;
			o.clients = (int)v;
			break;
		case 'i':
			if (tool_arg_long("inflight", optarg, 1, MAX_INFLIGHT, &v))
				return 1;
			o.inflight = (int)v;
			break;
		case 'p':
			if (tool_arg_long("procs", optarg, 1, MAX_PROCS, &v))
				return 1;
			o.procs = (int)v;
			break;
		case 'b':
			if (tool_arg_long("batch", optarg, 1, 1 << 20, &v))
				return 1;
			o.batch = (int)v;
			o.batch_given = true;
			break;
		case 'T':
			if (tool_arg_secs("time", optarg, 1e6, &o.time_s))
				return 1;
			break;
		case 'n':
			if (tool_arg_long("count", optarg, 1, 1000000000L, &o.count))
				return 1;
			break;
		case 'w':
			if (tool_arg_long("warmup", optarg, 0, 1000000, &v))
				return 1;
			o.warmup = (int)v;
			break;
		case 'I':
			if (o.n_inputs == MAX_IO)
				return die("--input: more than %d", MAX_IO);
			tool_input_arg_parse(optarg, &o.inputs[o.n_inputs++]);
			break;
		case 's': {
			const char *eq = strchr(optarg, '=');
			char what[80];

			if (!eq || eq == optarg)
				return die("--shape: '%s' is not NAME=DIMS (e.g. input=1x3x96x96)",
					   optarg);
			if (o.n_shapes == MAX_IO)
				return die("--shape: more than %d", MAX_IO);
			snprintf(what, sizeof(what), "--shape %.*s",
				 (int)(eq - optarg), optarg);
			if (tool_parse_shape(what, eq + 1, &o.shapes[o.n_shapes]))
				return 1;
			/* the NAME part, terminated in place of the '=' */
			optarg[eq - optarg] = '\0';
			o.shape_names[o.n_shapes++] = optarg;
			break;
		}
		case 'V': tool_print_version(stdout); return 0;
		case 'j': o.json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	o.model = argv[optind];
	if (o.time_s > 0 && o.count > 0)
		return die("--time and --count exclude each other");
	if (o.time_s <= 0 && o.count <= 0)
		o.time_s = 2;
	o.progress = isatty(STDERR_FILENO) && !o.json;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* Where does the model run?  That decides whether paths matter. */
	probe = runner_new("uring");
	if (!probe)
		return 1;
	if (accel_run(probe->m, probe->in, probe->n_in, probe->out[0], probe->n_out))
		return die("%s", accel_last_error());
	if (batch_check(probe)) {
		runner_free(probe);
		return 1;
	}
	npu = accel_model_device(probe->m) == ACCEL_DEVICE_NPU;
	on_npu = npu;
	cpu_threads = accel_ctx_threads(probe->ctx);
	cpu_kernels = accel_ctx_cpu_kernels(probe->ctx);
	if (!o.json)
		printf("accel-bench: %s on %s%s%s, batch %d, %s, CPU: %s kernels, %u thread%s\n",
		       o.model, accel_device_name(accel_model_device(probe->m)),
		       npu ? " " : "", npu ? accel_ctx_device_path(probe->ctx) : "",
		       o.samples, o.count > 0 ? "fixed count" : "fixed time",
		       cpu_kernels, cpu_threads, cpu_threads == 1 ? "" : "s");
	runner_free(probe);
	if (!npu)
		o.submit = "uring";	/* one path: the CPU */

	for (k = 0; k < 3; k++) {
		struct result r = { 0 };
		const char *path = paths[k];
		char label[64];

		if (strcmp(o.submit, "all") && strcmp(o.submit, path))
			continue;
		if (want("single-stream")) {
			struct runner *run = runner_new(path);

			snprintf(label, sizeof(label), "single-stream %s", npu ? path_names[k] : "");
			r.scenario = "single-stream";
			r.submit = path_names[k];
			if (!run || single_stream(run, &r, label))
				ret = 1;
			progress_end();
			if (run)
				report(&r, 1);
			if (run)
				runner_free(run);
			free(r.lat);
			memset(&r, 0, sizeof(r));
		}
		if (want("offline")) {
			snprintf(label, sizeof(label), "offline %s", npu ? path_names[k] : "");
			r.scenario = "offline";
			r.submit = path_names[k];
			ret |= offline(path, &r, label);
			progress_end();
			report(&r, o.clients);
			free(r.lat);
			memset(&r, 0, sizeof(r));
		}
		if (stop_all)
			break;
	}
	if (want("multi-process") && !stop_all) {
		struct result r = { .scenario = "multi-process" };
		const char *path = strcmp(o.submit, "all") ? o.submit : "uring";

		r.submit = !strcmp(path, "ioctl") ? "ioctl" :
			   !strcmp(path, "sqpoll") ? "io_uring+sqpoll" : "io_uring";
		if (!npu)
			r.submit = "cpu";
		ret |= multi_process(path, &r);
		if (!npu)
			r.device = "cpu";
		report(&r, 1);
		free(r.lat);
	}
	return ret || stop_all;
}
