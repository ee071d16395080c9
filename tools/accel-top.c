// SPDX-License-Identifier: MIT
/*
 * accel-top - a live view of ENPU devices and the processes using them, like
 * nvtop or intel_gpu_top: per device engine busy %, jobs/s, jobs in flight,
 * failures, timeouts, resets and buffer objects (the driver's debugfs
 * counters); per process (DRM fdinfo) engine busy % and buffer memory.
 *
 * Devices are the /sys/class/accel/accelN whose debugfs directory
 * (DEBUGFS/accel/<parent device name>) has enpu's "counters" file; clients
 * are the /proc/PID/fdinfo entries with "drm-driver: enpu", one per
 * drm-client-id, their device found through /proc/PID/fd.  Rates are the
 * difference of two samples one interval apart.  Reading debugfs needs
 * root; without it the devices show their node only.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/args.h"
#include "common/die.h"
#include "common/timing.h"

const char tool_name[] = "accel-top";

#define MAX_DEVS	64
#define MAX_CLIENTS	1024

struct dev {
	int minor;			/* N of accelN */
	char name[128];			/* parent device (debugfs directory) */
	bool counters;			/* its counters file was readable */
	long long in_flight, done, failed, timedout, resets, busy_ns, bos;
	long long engines;
};

struct client {
	int pid;
	char comm[32];
	int minor;			/* -1: unknown */
	long long id;			/* drm-client-id */
	long long engine_ns;		/* drm-engine-npu */
	long long mem_total, mem_resident;	/* bytes, summed over regions */
};

struct sample {
	double t;
	int n_dev, n_cli;
	struct dev dev[MAX_DEVS];
	struct client cli[MAX_CLIENTS];
};

static struct {
	const char *proc, *sys, *debugfs;
	double interval;
	long iterations;		/* 0: until interrupted */
	bool json;
} o = { "/proc", "/sys", "/sys/kernel/debug", 1.0, 0, false };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: accel-top [--interval SECONDS] [--iterations N | --once] [--json]\n"
		"                 [--proc DIR] [--sys DIR] [--debugfs DIR] [--version]\n"
		"\n"
		"Shows each ENPU device (engine busy %%, jobs/s, jobs in flight, done,\n"
		"failed, timed out, resets, buffer objects; from debugfs, so as root) and\n"
		"each process with an ENPU device open (busy %%, buffer memory; from DRM\n"
		"fdinfo), refreshed every --interval seconds (default 1) until Ctrl-C, or\n"
		"--iterations times (--once: 1).  --json prints one object per refresh.\n"
		"--proc, --sys, --debugfs: where those file systems are mounted.\n");
}

/* Read a small file into @buf (NUL-terminated).  Returns bytes or -1. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = 0;
	return (ssize_t)n;
}

/* The value of "KEY:<spaces/tab>VALUE" in @text, or @def. */
static long long field(const char *text, const char *key, long long def)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			char *end;
			long long v;

			errno = 0;
			v = strtoll(p + kl + 1, &end, 10);
			return errno || end == p + kl + 1 ? def : v;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return def;
}

/* "drm-total-<region>: N [KiB|MiB]" summed over regions, in bytes. */
static long long mem_sum(const char *text, const char *prefix)
{
	size_t pl = strlen(prefix);
	const char *p = text;
	long long sum = 0;

	while (p && *p) {
		if (!strncmp(p, prefix, pl)) {
			const char *colon = strchr(p, ':');
			char *end;
			long long v;

			if (colon) {
				v = strtoll(colon + 1, &end, 10);
				while (*end == ' ' || *end == '\t')
					end++;
				if (!strncmp(end, "KiB", 3))
					v <<= 10;
				else if (!strncmp(end, "MiB", 3))
					v <<= 20;
				else if (!strncmp(end, "GiB", 3))
					v <<= 30;
				sum += v;
			}
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return sum;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct dev *x = a, *y = b;

	return (x->minor > y->minor) - (x->minor < y->minor);
}

static void scan_devices(struct sample *s)
{
	char path[PATH_MAX], link[PATH_MAX], buf[4096];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/class/accel", o.sys);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)) && s->n_dev < MAX_DEVS) {
		struct dev *v = &s->dev[s->n_dev];
		const char *base;
		ssize_t n;
		int minor;
		char c;

		if (sscanf(de->d_name, "accel%d%c", &minor, &c) != 1 || minor < 0)
			continue;
		snprintf(path, sizeof(path), "%s/class/accel/%s/device", o.sys, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		base = strrchr(link, '/');
		base = base ? base + 1 : link;
		memset(v, 0, sizeof(*v));
		v->minor = minor;
		snprintf(v->name, sizeof(v->name), "%.127s", base);
		snprintf(path, sizeof(path), "%s/accel/%s/counters", o.debugfs, v->name);
		if (slurp(path, buf, sizeof(buf)) < 0) {
			/* another accel driver, or no debugfs access: enpu's
			 * node is told apart by its driver link */
			snprintf(path, sizeof(path), "%s/class/accel/%s/device/driver",
				 o.sys, de->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = 0;
			base = strrchr(link, '/');
			/* the soft device's platform driver, the PCI driver */
			if (strcmp(base ? base + 1 : link, "enpu-soft") &&
			    strcmp(base ? base + 1 : link, "enpu"))
				continue;
		} else {
			v->counters = true;
			v->in_flight = field(buf, "jobs_in_flight", 0);
			v->done = field(buf, "jobs_done", 0);
			v->failed = field(buf, "jobs_failed", 0);
			v->timedout = field(buf, "jobs_timedout", 0);
			v->resets = field(buf, "resets", 0);
			v->busy_ns = field(buf, "busy_ns", 0);
			v->bos = field(buf, "bo_count", 0);
			v->engines = field(buf, "engines", field(buf, "workers", 1));
			if (v->engines < 1)
				v->engines = 1;
		}
		s->n_dev++;
	}
	closedir(d);
	qsort(s->dev, (size_t)s->n_dev, sizeof(s->dev[0]), cmp_dev);
}

/* The accel minor /proc/PID/fd/FD points to, or -1. */
static int fd_minor(const char *pid, const char *fd)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *p;
	ssize_t n;
	int minor;
	char c;

	snprintf(path, sizeof(path), "%s/%s/fd/%s", o.proc, pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = 0;
	p = strrchr(link, '/');
	if (!p || sscanf(p, "/accel%d%c", &minor, &c) != 1 || minor < 0)
		return -1;
	return minor;
}

static void scan_clients(struct sample *s)
{
	char path[PATH_MAX], buf[4096];
	struct dirent *pe, *fe;
	DIR *pd, *fd;

	pd = opendir(o.proc);
	if (!pd)
		return;
	while ((pe = readdir(pd)) && s->n_cli < MAX_CLIENTS) {
		int pid = atoi(pe->d_name);
		char comm[32] = "?";

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/fdinfo", o.proc, pe->d_name);
		fd = opendir(path);
		if (!fd)
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", o.proc, pe->d_name);
		if (slurp(path, comm, sizeof(comm)) > 0)
			comm[strcspn(comm, "\n")] = 0;
		while ((fe = readdir(fd)) && s->n_cli < MAX_CLIENTS) {
			struct client *c = &s->cli[s->n_cli];
			long long id;
			int k;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/fdinfo/%s", o.proc,
				 pe->d_name, fe->d_name);
			if (slurp(path, buf, sizeof(buf)) <= 0 ||
			    !strstr(buf, "drm-driver:\tenpu\n"))
				continue;
			id = field(buf, "drm-client-id", -1);
			/* the same open file through a dup()ed fd: once */
			for (k = 0; k < s->n_cli; k++)
				if (s->cli[k].pid == pid && s->cli[k].id == id)
					break;
			if (k < s->n_cli)
				continue;
			memset(c, 0, sizeof(*c));
			c->pid = pid;
			snprintf(c->comm, sizeof(c->comm), "%s", comm);
			c->id = id;
			c->minor = fd_minor(pe->d_name, fe->d_name);
			c->engine_ns = field(buf, "drm-engine-npu", 0);
			c->mem_total = mem_sum(buf, "drm-total-");
			c->mem_resident = mem_sum(buf, "drm-resident-");
			s->n_cli++;
		}
		closedir(fd);
	}
	closedir(pd);
}

static void take(struct sample *s)
{
	s->n_dev = 0;
	s->n_cli = 0;
	s->t = tool_now_s();
	scan_devices(s);
	scan_clients(s);
}

static const struct dev *find_dev(const struct sample *s, int minor)
{
	for (int i = 0; i < s->n_dev; i++)
		if (s->dev[i].minor == minor)
			return &s->dev[i];
	return NULL;
}

static const struct client *find_cli(const struct sample *s, int pid, long long id)
{
	for (int i = 0; i < s->n_cli; i++)
		if (s->cli[i].pid == pid && s->cli[i].id == id)
			return &s->cli[i];
	return NULL;
}

/* Percent of @engines engines busy for @ns over @dt seconds. */
static double busy_pct(long long ns, double dt, long long engines)
{
	if (dt <= 0 || ns <= 0)
		return 0;
	return (double)ns / (dt * 1e9 * (double)engines) * 100.0;
}

static void human(char *buf, size_t len, long long bytes)
{
	if (bytes >= 1ll << 30)
		snprintf(buf, len, "%.1f GiB", (double)bytes / (1 << 30));
	else if (bytes >= 1ll << 20)
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1 << 20));
	else if (bytes >= 1ll << 10)
		snprintf(buf, len, "%.1f KiB", (double)bytes / (1 << 10));
	else
		snprintf(buf, len, "%lld B", bytes);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++)
		printf((*s == '"' || *s == '\\') ? "\\%c" :
		       (unsigned char)*s < 0x20 ? "?" : "%c", *s);
	putchar('"');
}

static void report(const struct sample *a, const struct sample *b, bool tty)
{
	double dt = b->t - a->t;
	char when[32], mem[32];
	time_t now = time(NULL);
	int i;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&now));
	if (o.json) {
		printf("{\"time\":\"%s\",\"interval_s\":%.3f,\"devices\":[", when, dt);
		for (i = 0; i < b->n_dev; i++) {
			const struct dev *v = &b->dev[i], *p = find_dev(a, v->minor);

			printf("%s{\"device\":\"accel%d\",\"name\":", i ? "," : "", v->minor);
			json_str(v->name);
			printf(",\"counters\":%s", v->counters ? "true" : "false");
			if (v->counters)
				printf(",\"busy_pct\":%.1f,\"jobs_per_s\":%.1f,\"in_flight\":%lld,"
				       "\"done\":%lld,\"failed\":%lld,\"timedout\":%lld,"
				       "\"resets\":%lld,\"bos\":%lld,\"engines\":%lld",
				       p ? busy_pct(v->busy_ns - p->busy_ns, dt, v->engines) : 0,
				       p && dt > 0 ? (double)(v->done + v->failed - p->done -
							      p->failed) / dt : 0,
				       v->in_flight, v->done, v->failed, v->timedout,
				       v->resets, v->bos, v->engines);
			printf("}");
		}
		printf("],\"clients\":[");
		for (i = 0; i < b->n_cli; i++) {
			const struct client *c = &b->cli[i];
			const struct client *p = find_cli(a, c->pid, c->id);
			const struct dev *v = find_dev(b, c->minor);

			printf("%s{\"pid\":%d,\"command\":", i ? "," : "", c->pid);
			json_str(c->comm);
			printf(",\"device\":");
			if (c->minor >= 0)
				printf("\"accel%d\"", c->minor);
			else
				printf("null");
			printf(",\"client_id\":%lld,\"busy_pct\":%.1f,\"engine_ns\":%lld,"
			       "\"memory_bytes\":%lld,\"resident_bytes\":%lld}",
			       c->id, p ? busy_pct(c->engine_ns - p->engine_ns, dt,
						   v ? v->engines : 1) : 0,
			       c->engine_ns, c->mem_total, c->mem_resident);
		}
		printf("]}\n");
		fflush(stdout);
		return;
	}
	if (tty)
		printf("\033[H\033[2J");
	printf("accel-top  %s  every %.1f s%s\n\n", when, o.interval,
	       tty ? "  (Ctrl-C quits)" : "");
	printf("%-8s %-16s %6s %8s %6s %10s %7s %8s %6s %6s %4s\n", "DEVICE", "NAME",
	       "BUSY%", "JOBS/S", "QUEUE", "DONE", "FAILED", "TIMEDOUT", "RESETS",
	       "BOS", "ENG");
	if (!b->n_dev)
		printf("(no ENPU device)\n");
	for (i = 0; i < b->n_dev; i++) {
		const struct dev *v = &b->dev[i], *p = find_dev(a, v->minor);
		char dn[16];

		snprintf(dn, sizeof(dn), "accel%d", v->minor);
		if (!v->counters) {
			printf("%-8s %-16.16s (no debugfs counters: run as root)\n", dn, v->name);
			continue;
		}
		printf("%-8s %-16.16s %6.1f %8.1f %6lld %10lld %7lld %8lld %6lld %6lld %4lld\n",
		       dn, v->name,
		       p ? busy_pct(v->busy_ns - p->busy_ns, dt, v->engines) : 0.0,
		       p && dt > 0 ? (double)(v->done + v->failed - p->done - p->failed) / dt : 0.0,
		       v->in_flight, v->done, v->failed, v->timedout, v->resets, v->bos,
		       v->engines);
	}
	printf("\n%-8s %-16s %-8s %7s %6s %10s\n", "PID", "COMMAND", "DEVICE", "CLIENT",
	       "BUSY%", "MEMORY");
	if (!b->n_cli)
		printf("(no process has an ENPU device open)\n");
	for (i = 0; i < b->n_cli; i++) {
		const struct client *c = &b->cli[i];
		const struct client *p = find_cli(a, c->pid, c->id);
		const struct dev *v = find_dev(b, c->minor);
		char dn[16];

		if (c->minor >= 0)
			snprintf(dn, sizeof(dn), "accel%d", c->minor);
		else
			snprintf(dn, sizeof(dn), "?");
		human(mem, sizeof(mem), c->mem_total);
		printf("%-8d %-16.16s %-8s %7lld %6.1f %10s\n", c->pid, c->comm, dn, c->id,
		       p ? busy_pct(c->engine_ns - p->engine_ns, dt, v ? v->engines : 1) : 0.0,
		       mem);
	}
	fflush(stdout);
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "once", no_argument, NULL, '1' },
		{ "json", no_argument, NULL, 'j' },
		{ "proc", required_argument, NULL, 'P' },
		{ "sys", required_argument, NULL, 'Y' },
		{ "debugfs", required_argument, NULL, 'D' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sample *a, *b, *t;
	bool tty = isatty(STDOUT_FILENO);
	long i;
	int c;

	while ((c = getopt_long(argc, argv, "d:n:1jVh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (tool_arg_secs("interval", optarg, 3600, &o.interval))
				return 1;
			break;
		case 'n':
			if (tool_arg_long("iterations", optarg, 1, 1000000000L, &o.iterations))
				return 1;
			break;
		case '1':
			o.iterations = 1;
			break;
		case 'j':
			o.json = true;
			break;
		case 'P':
			o.proc = optarg;
			break;
		case 'Y':
			o.sys = optarg;
			break;
		case 'D':
			o.debugfs = optarg;
			break;
		case 'V':
			tool_print_version(stdout);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (access(o.proc, R_OK | X_OK))
		return die("--proc %s: %s", o.proc, strerror(errno));
	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		return die("out of memory");
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	take(a);
	for (i = 0; !stop && (!o.iterations || i < o.iterations); i++) {
		sleep_s(o.interval);
		if (stop)
			break;
		take(b);
		report(a, b, tty && !o.json && !o.iterations);
		t = a;
		a = b;
		b = t;
	}
	free(a);
	free(b);
	return 0;
}
