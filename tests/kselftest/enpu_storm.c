// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu storm: several processes issue random sequences of every enpu ioctl
 * (GET_PARAM, BO_CREATE, BO_MMAP_OFFSET, BO_INFO, SUBMIT, WAIT), io_uring
 * DRM_ENPU_URING_CMD_SUBMIT, syncobjs, PRIME export/import, GEM_CLOSE,
 * mmap/munmap and close/reopen, with random and mutated-valid arguments
 * (command buffers mutated from valid LUT and FC jobs, now and then one
 * that runs into the job timeout), while the parent SIGKILLs and respawns
 * them at random and now and then forces an engine reset through debugfs.
 * Half the processes have a second thread issuing the same calls on the
 * same files, racing on the same objects.  Afterwards the debugfs job and
 * BO counts must return to their baseline, a known-good job must still
 * compute the right bytes, and the VM harness fails the run on any splat
 * in dmesg.
 *
 * Plain C printing TAP.  Seeded: the seed of every round is printed;
 * ENPU_STORM_SEED=0x... replays one round (the seed fixes every process's
 * random choices and the kill schedule's; the timing of the kills and what
 * the kernel returns still vary), ENPU_STORM_SECS sets the length of the new
 * round (default 14 s), ENPU_STORM_PROCS the number of processes (4).  The
 * seeds in replay_seeds[] (each once found a driver bug) run first.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <liburing.h>

#include "enpu_test.h"

/* Seeds that once found a bug: replayed, briefly, before the new round. */
static const uint64_t replay_seeds[] = {
	0,	/* (none yet; keep the list terminated by 0) */
};

#define REPLAY_SECS	2
#define MAX_PROCS	8
#define MAX_BOS		48
#define MAX_SYNCS	8
#define MAX_MAPS	16
#define MAX_IDS		64
#define BO_MAX		(256u << 10)	/* jobs map their BOs: keep them small */

enum op {
	OP_GET_PARAM, OP_BO_CREATE, OP_BO_MMAP_OFFSET, OP_BO_INFO, OP_SUBMIT,
	OP_WAIT, OP_URING, OP_SYNCOBJ, OP_PRIME, OP_GEM_CLOSE, OP_MMAP,
	OP_REOPEN, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"GET_PARAM", "BO_CREATE", "BO_MMAP_OFFSET", "BO_INFO", "SUBMIT",
	"WAIT", "URING_CMD_SUBMIT", "syncobj", "PRIME", "GEM_CLOSE",
	"mmap", "close/reopen",
};

/* Shared with the children: per-operation counts of successes and errors. */
struct stats {
	uint64_t ok[OP_COUNT];
	uint64_t err[OP_COUNT];
	uint64_t jobs_ok;		/* jobs that completed with status 0 */
};

static struct stats *stats;

static void count(enum op op, int ret)
{
	__atomic_fetch_add(ret >= 0 ? &stats->ok[op] : &stats->err[op], 1,
			   __ATOMIC_RELAXED);
}

/* splitmix64 */
static __thread uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static int chance(uint32_t percent)
{
	return below(100) < percent;
}

/* A random 32-bit value biased to the interesting ones. */
static uint32_t rnd_u32(void)
{
	static const uint32_t edge[] = {
		0, 1, 2, 3, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000,
		0x7fffffff, 0x80000000u, 0xfffffffeu, 0xffffffffu,
	};

	return chance(50) ? edge[below(sizeof(edge) / sizeof(edge[0]))] :
			    (uint32_t)rnd();
}

/* One open file of a child and what it created. */
struct dev {
	int fd;
	uint32_t bo[MAX_BOS];
	uint64_t bo_size[MAX_BOS];
	int nbo;
	uint32_t sync[MAX_SYNCS];
	int nsync;
	uint64_t id[MAX_IDS];
	int nid;
};

struct child {
	struct dev d[2];
	struct io_uring ring;
	int have_ring;
	struct { void *p; size_t len; } map[MAX_MAPS];
	int nmap;
};

static void dev_open(struct dev *d)
{
	int fd = enpu_open_device();

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	__atomic_store_n(&d->fd, fd, __ATOMIC_RELAXED);
}

static uint32_t pick_bo(const struct dev *d, uint64_t *size)
{
	int i;

	if (!d->nbo || chance(5)) {
		if (size)
			*size = 0;
		return chance(50) ? below(64) : rnd_u32();
	}
	i = below(d->nbo);
	if (size)
		*size = d->bo_size[i];
	return d->bo[i];
}

static uint32_t pick_sync(const struct dev *d)
{
	if (!d->nsync || chance(5))
		return chance(50) ? 0 : rnd_u32();
	return d->sync[below(d->nsync)];
}

static void forget_bo(struct dev *d, uint32_t h)
{
	int i;

	for (i = 0; i < d->nbo; i++)
		if (d->bo[i] == h) {
			d->bo[i] = d->bo[--d->nbo];
			d->bo_size[i] = d->bo_size[d->nbo];
			return;
		}
}

static void add_bo(struct dev *d, uint32_t h, uint64_t size)
{
	int i;

	for (i = 0; i < d->nbo; i++)
		if (d->bo[i] == h)
			return;
	if (d->nbo == MAX_BOS) {
		enpu_bo_close(d->fd, d->bo[0]);
		forget_bo(d, d->bo[0]);
	}
	d->bo[d->nbo] = h;
	d->bo_size[d->nbo++] = size;
}

static void op_get_param(struct dev *d)
{
	struct drm_enpu_get_param p = {
		.param = chance(80) ? below(10) : rnd_u32(),
		.pad = chance(90) ? 0 : rnd_u32(),
	};

	count(OP_GET_PARAM, enpu_ioctl(d->fd, DRM_IOCTL_ENPU_GET_PARAM, &p));
}

static uint64_t rnd_bo_size(void)
{
	switch (below(10)) {
	case 0:
		return 0;
	case 1:
		return (1ull << 30) + 1 + below(1 << 20);	/* too big */
	case 2:
		return rnd();					/* too big */
	case 3:
		return 1 + below(64);
	default:
		return 1 + below(BO_MAX);
	}
}

static void op_bo_create(struct dev *d)
{
	struct drm_enpu_bo_create c = {
		.size = rnd_bo_size(),
		.flags = chance(90) ? 0 : rnd_u32(),
		.handle = chance(90) ? 0 : rnd_u32(),
	};
	int ret = enpu_ioctl(d->fd, DRM_IOCTL_ENPU_BO_CREATE, &c);

	count(OP_BO_CREATE, ret);
	if (!ret)
		add_bo(d, c.handle, c.size);
}

static void op_bo_mmap_offset(struct dev *d)
{
	struct drm_enpu_bo_mmap_offset m = {
		.handle = pick_bo(d, NULL),
		.flags = chance(90) ? 0 : rnd_u32(),
		.offset = chance(90) ? 0 : rnd(),
	};

	count(OP_BO_MMAP_OFFSET,
	      enpu_ioctl(d->fd, DRM_IOCTL_ENPU_BO_MMAP_OFFSET, &m));
}

static void op_bo_info(struct dev *d)
{
	struct drm_enpu_bo_info i = {
		.handle = pick_bo(d, NULL),
		.flags = chance(90) ? 0 : rnd_u32(),
	};

	count(OP_BO_INFO, enpu_ioctl(d->fd, DRM_IOCTL_ENPU_BO_INFO, &i));
}

/* Map a BO, scribble on it, keep the mapping or drop it. */
static void op_mmap(struct child *c, struct dev *d)
{
	struct drm_enpu_bo_mmap_offset m = { 0 };
	uint64_t size;
	size_t len;
	void *p;
	int i;

	if (c->nmap && (chance(50) || c->nmap == MAX_MAPS)) {
		i = below(c->nmap);
		count(OP_MMAP, munmap(c->map[i].p, c->map[i].len) ? -errno : 0);
		c->map[i] = c->map[--c->nmap];
		return;
	}
	m.handle = pick_bo(d, &size);
	if (enpu_ioctl(d->fd, DRM_IOCTL_ENPU_BO_MMAP_OFFSET, &m))
		return;
	len = size ? size : 4096;
	if (chance(10))
		len += 4096 * (1 + below(4));	/* past the end: refused */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		 m.offset + (chance(5) ? 4096 : 0));
	count(OP_MMAP, p == MAP_FAILED ? -errno : 0);
	if (p == MAP_FAILED)
		return;
	/* Within the BO: random bytes (inputs of later jobs). */
	if (size)
		for (i = 0; i < 16; i++)
			((uint8_t *)p)[below(size)] = (uint8_t)rnd();
	c->map[c->nmap].p = p;
	c->map[c->nmap++].len = len;
}

static void op_gem_close(struct dev *d)
{
	uint32_t h = pick_bo(d, NULL);
	int ret = enpu_bo_close(d->fd, h);

	count(OP_GEM_CLOSE, ret);
	if (!ret)
		forget_bo(d, h);
}

static void op_syncobj(struct dev *d)
{
	struct drm_syncobj_handle h = { .fd = -1 };
	uint32_t s;
	int ret, i;

	switch (below(4)) {
	case 0:
		if (d->nsync == MAX_SYNCS)
			break;
		ret = enpu_syncobj_create(d->fd, &s);
		count(OP_SYNCOBJ, ret);
		if (!ret)
			d->sync[d->nsync++] = s;
		break;
	case 1:
		s = pick_sync(d);
		ret = enpu_syncobj_destroy(d->fd, s);
		count(OP_SYNCOBJ, ret);
		for (i = 0; !ret && i < d->nsync; i++)
			if (d->sync[i] == s)
				d->sync[i--] = d->sync[--d->nsync];
		break;
	default:
		/* Export as a sync_file or syncobj fd and import it back. */
		h.handle = pick_sync(d);
		h.flags = chance(50) ?
			DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE : 0;
		ret = enpu_ioctl(d->fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h);
		count(OP_SYNCOBJ, ret);
		if (ret)
			break;
		if (h.flags && d->nsync) {
			h.handle = d->sync[below(d->nsync)];
			h.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE;
		} else {
			h.handle = 0;
			h.flags = 0;
		}
		ret = enpu_ioctl(d->fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &h);
		count(OP_SYNCOBJ, ret);
		close(h.fd);
		if (!ret && !h.flags && d->nsync < MAX_SYNCS)
			d->sync[d->nsync++] = h.handle;
		else if (!ret && !h.flags)
			enpu_syncobj_destroy(d->fd, h.handle);
		break;
	}
}

/* Export a BO of one file and import it into the other (or the same). */
static void op_prime(struct child *c)
{
	struct dev *from = &c->d[below(2)], *to = &c->d[below(2)];
	struct drm_prime_handle ph = {
		.flags = chance(90) ? DRM_CLOEXEC | (chance(50) ? DRM_RDWR : 0) :
				      rnd_u32(),
		.fd = -1,
	};
	uint64_t size;
	int ret, fd;

	if (from->fd < 0 || to->fd < 0)
		return;
	ph.handle = pick_bo(from, &size);
	ret = enpu_ioctl(from->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
	count(OP_PRIME, ret);
	if (ret)
		return;
	fd = ph.fd;
	memset(&ph, 0, sizeof(ph));
	ph.fd = chance(95) ? fd : (int)rnd_u32();
	ret = enpu_ioctl(to->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph);
	count(OP_PRIME, ret);
	close(fd);
	if (!ret)
		add_bo(to, ph.handle, size);
}

/* A valid job for @d's BOs (LUT or FC), its handles in @bo. */
static int valid_job(struct dev *d, uint8_t *cb, uint32_t *cb_size,
		     uint32_t *bo, uint32_t *nbo)
{
	uint64_t need[3];
	uint32_t n, m, k, i, j;

	if (chance(70)) {
		n = 1 + below(2048);
		need[0] = ENPU_T_TABLE_OFF + 256;	/* inputs, then the table */
		need[1] = n;
		*nbo = 2;
		enpu_build_lut_at((struct enpu_lut_cmdbuf *)cb, n, 0,
				  ENPU_T_TABLE_OFF, 0);
		*cb_size = ENPU_T_CMDBUF_SIZE;
	} else {
		m = 1 + below(32);
		k = 1 + below(128);
		n = 1 + below(128);
		need[0] = (uint64_t)m * k;
		need[1] = (uint64_t)k * n;
		need[2] = (uint64_t)m * n;
		*nbo = 3;
		enpu_build_fc(cb, m, k, n);
		*cb_size = ENPU_FC_CB_SIZE;
	}
	/* A BO big enough for each slot, else a fresh one. */
	for (i = 0; i < *nbo; i++) {
		bo[i] = 0;
		for (j = 0; j < 4 && d->nbo; j++) {
			uint32_t x = below(d->nbo);

			if (d->bo_size[x] >= need[i]) {
				bo[i] = d->bo[x];
				break;
			}
		}
		if (!bo[i]) {
			if (enpu_bo_create(d->fd, need[i], &bo[i]))
				return -1;
			add_bo(d, bo[i], need[i]);
		}
	}
	return 0;
}

/* Mutate a valid submission: command-buffer bytes and every field. */
static void mutate(struct dev *d, struct drm_enpu_submit *s, uint8_t *cb,
		   uint32_t cb_size, uint32_t *bo, uint32_t nbo)
{
	uint32_t i, n;

	enpu_t_submit_args(s, (const struct enpu_lut_cmdbuf *)cb, bo);
	s->cmdbuf_size = cb_size;
	s->bo_count = nbo;
	if (chance(30))
		s->in_syncobj = pick_sync(d);
	if (chance(30))
		s->out_syncobj = pick_sync(d);
	if (chance(20))
		s->priority = below(4);
	if (chance(40)) {	/* bytes of the command buffer */
		n = 1 + below(4);
		for (i = 0; i < n; i++) {
			uint32_t at = below(cb_size);

			if (chance(50))
				cb[at] ^= 1u << below(8);
			else if (chance(50))
				cb[at] += chance(50) ? 1 : -1;
			else
				cb[at] = (uint8_t)rnd();
		}
	}
	if (chance(20)) {	/* one field of the submission */
		switch (below(10)) {
		case 0: s->cmdbuf_ptr = chance(50) ? rnd() : 8; break;
		case 1: s->cmdbuf_size = rnd_u32(); break;
		case 2: s->bo_count = below(ENPU_ISA_MAX_SLOTS + 3); break;
		case 3: s->bo_handle_size = rnd_u32(); break;
		case 4: s->flags = rnd_u32(); break;
		case 5: s->job_id = rnd(); break;
		case 6: s->bo_handles = chance(50) ? rnd() : 8; break;
		case 7: bo[below(nbo)] = pick_bo(d, NULL); break;
		case 8: bo[below(nbo)] = bo[0]; break;	/* aliasing */
		default: s->cmdbuf_offset = rnd(); break;
		}
	}
}

/* Put the command buffer in a BO: DRM_ENPU_SUBMIT_CMDBUF_BO. */
static void cmdbuf_in_bo(struct dev *d, struct drm_enpu_submit *s,
			 const uint8_t *cb)
{
	struct drm_enpu_bo_mmap_offset m = { 0 };
	uint32_t h;
	uint8_t *p;

	if (enpu_bo_create(d->fd, 4096, &h))
		return;
	add_bo(d, h, 4096);
	m.handle = h;
	if (enpu_ioctl(d->fd, DRM_IOCTL_ENPU_BO_MMAP_OFFSET, &m))
		return;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		 m.offset);
	if (p == MAP_FAILED)
		return;
	memcpy(p + 1024, cb, s->cmdbuf_size <= 3072 ? s->cmdbuf_size : 3072);
	munmap(p, 4096);
	s->flags |= DRM_ENPU_SUBMIT_CMDBUF_BO;
	s->cmdbuf_ptr = 0;
	s->cmdbuf_handle = chance(90) ? h : pick_bo(d, NULL);
	s->cmdbuf_offset = chance(90) ? 1024 : rnd_u32();
}

/* A few processes submit one job that runs into the job timeout. */
static __thread int hang_budget;

static void submit_hung(struct dev *d)
{
	static __thread uint8_t cb[ENPU_FC_CB_SIZE];
	struct drm_enpu_submit s;
	uint32_t bo[3];

	hang_budget = 0;
	/* 2^32 multiply-accumulates (as enpu_timeout.c): many seconds. */
	if (enpu_fc_bos(d->fd, 256, 4096, 4096, bo))
		return;
	enpu_build_fc(cb, 256, 4096, 4096);
	enpu_fc_submit_args(&s, cb, bo);
	count(OP_SUBMIT, enpu_ioctl(d->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	enpu_bo_close(d->fd, bo[0]);
	enpu_bo_close(d->fd, bo[1]);
	enpu_bo_close(d->fd, bo[2]);
}

static void op_submit(struct dev *d)
{
	static __thread uint8_t cb[ENPU_FC_CB_SIZE + 64];
	uint32_t bo[ENPU_ISA_MAX_SLOTS + 3], nbo, cb_size;
	struct drm_enpu_submit s;
	int ret;

	if (hang_budget && chance(2)) {
		submit_hung(d);
		return;
	}
	if (valid_job(d, cb, &cb_size, bo, &nbo))
		return;
	mutate(d, &s, cb, cb_size, bo, nbo);
	if (chance(10))
		cmdbuf_in_bo(d, &s, cb);
	if (chance(90))
		s.job_id = 0;
	ret = enpu_ioctl(d->fd, DRM_IOCTL_ENPU_SUBMIT, &s);
	count(OP_SUBMIT, ret);
	if (!ret && d->nid < MAX_IDS)
		d->id[d->nid++] = s.job_id;
}

static void op_wait(struct dev *d)
{
	struct drm_enpu_wait w = { 0 };
	int32_t st;
	int i = -1, ret;

	if (d->nid && chance(80)) {
		i = below(d->nid);
		w.job_id = d->id[i];
	} else if (chance(50)) {
		w.flags = DRM_ENPU_WAIT_BO;
		w.handle = pick_bo(d, NULL);
	} else {
		w.job_id = rnd_u32();
	}
	if (chance(5))
		w.flags = rnd_u32();
	if (chance(5))
		w.pad = rnd_u32();
	if (chance(5))
		w.handle = rnd_u32();
	/* Up to 50 ms from now, or already past. */
	w.timeout_ns = chance(10) ? 0 : enpu_now_ns() + below(50000000);
	ret = enpu_ioctl(d->fd, DRM_IOCTL_ENPU_WAIT, &w);
	count(OP_WAIT, ret);
	st = w.job_status;
	if (!ret && i >= 0) {
		d->id[i] = d->id[--d->nid];
		if (!st)
			__atomic_fetch_add(&stats->jobs_ok, 1,
					   __ATOMIC_RELAXED);
	}
}

static void reap_cqes(struct child *c)
{
	struct io_uring_cqe *cqe;

	while (!io_uring_peek_cqe(&c->ring, &cqe)) {
		count(OP_URING, cqe->res);
		if (!cqe->res)
			__atomic_fetch_add(&stats->jobs_ok, 1,
					   __ATOMIC_RELAXED);
		io_uring_cqe_seen(&c->ring, cqe);
	}
}

/*
 * The 80 command bytes of an SQE128 entry (not inlined: GCC would size
 * sqe->cmd by its declaration, which ends in the next SQE's half).
 */
static __attribute__((noinline)) void
sqe_cmd(struct io_uring_sqe *sqe, const struct drm_enpu_submit *s)
{
	uint8_t *cmd = (uint8_t *)sqe->cmd;

	memset(cmd, 0, 80);
	memcpy(cmd, s, sizeof(*s));
	if (chance(5))	/* the 16 bytes past the payload */
		cmd[sizeof(*s) + below(80 - sizeof(*s))] = (uint8_t)rnd();
}

static void op_uring(struct child *c, struct dev *d)
{
	static __thread uint8_t cb[8][ENPU_FC_CB_SIZE + 64];
	static __thread uint32_t bo[8][ENPU_ISA_MAX_SLOTS + 3];
	struct __kernel_timespec ts = { .tv_nsec = 20000000 };
	struct io_uring_cqe *cqe;
	uint32_t nbo, cb_size;
	int i, n = 1 + below(8), ret;

	if (!c->have_ring) {
		struct io_uring_params p = { 0 };

		/* Mostly SQE128, which the command needs; sometimes not. */
		p.flags = chance(90) ? IORING_SETUP_SQE128 : 0;
		if (chance(10)) {
			p.flags |= IORING_SETUP_SQPOLL;
			p.sq_thread_idle = 100;
		}
		ret = io_uring_queue_init_params(64, &c->ring, &p);
		count(OP_URING, ret);
		c->have_ring = !ret;
		return;
	}
	if (chance(3)) {	/* tear down with commands in flight */
		io_uring_queue_exit(&c->ring);
		c->have_ring = 0;
		return;
	}
	reap_cqes(c);
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);
		struct drm_enpu_submit s;

		if (!sqe || valid_job(d, cb[i], &cb_size, bo[i], &nbo))
			break;
		mutate(d, &s, cb[i], cb_size, bo[i], nbo);
		if (chance(90))
			s.job_id = 0;
		io_uring_prep_rw(IORING_OP_URING_CMD, sqe, d->fd, NULL, 0, 0);
		sqe->cmd_op = chance(95) ? DRM_ENPU_URING_CMD_SUBMIT :
					   rnd_u32();
		if (c->ring.flags & IORING_SETUP_SQE128)
			sqe_cmd(sqe, &s);
	}
	ret = io_uring_submit(&c->ring);
	count(OP_URING, ret);
	if (chance(30) && !io_uring_wait_cqe_timeout(&c->ring, &cqe, &ts)) {
		count(OP_URING, cqe->res);
		io_uring_cqe_seen(&c->ring, cqe);
	}
	reap_cqes(c);
}

static void op_reopen(struct child *c)
{
	struct dev *d = &c->d[below(2)];

	int fd = d->fd;

	__atomic_store_n(&d->fd, -1, __ATOMIC_RELAXED);
	if (fd >= 0)
		close(fd);
	dev_open(d);
	count(OP_REOPEN, d->fd < 0 ? -ENODEV : 0);
}

/*
 * The second thread of a storm process: random operations on the same two
 * files (their current fds, read each time: the main thread reopens them)
 * with its own objects and handles guessed from the other thread's, so
 * that GEM_CLOSE, syncobj destroy and SUBMIT race on the same objects.  No
 * mmap: a stale fd may by then be another file, say an io_uring.
 */
struct racer {
	struct child *main;
	uint64_t seed;
	int64_t deadline_ns;
};

static void *racer_run(void *arg)
{
	const struct racer *r = arg;
	struct child *c = calloc(1, sizeof(*c));
	int k;

	if (!c)
		return NULL;
	rng_state = r->seed;
	while (enpu_now_ns() < r->deadline_ns) {
		struct dev *d;

		for (k = 0; k < 2; k++) {
			int fd = __atomic_load_n(&r->main->d[k].fd,
						 __ATOMIC_RELAXED);

			if (fd != c->d[k].fd) {
				memset(&c->d[k], 0, sizeof(c->d[k]));
				c->d[k].fd = fd;
			}
		}
		d = &c->d[below(2)];
		if (d->fd < 0) {
			usleep(1000);
			continue;
		}
		switch (below(100) < 25 ? OP_SUBMIT : below(OP_COUNT)) {
		case OP_GET_PARAM: op_get_param(d); break;
		case OP_BO_CREATE: op_bo_create(d); break;
		case OP_BO_MMAP_OFFSET: op_bo_mmap_offset(d); break;
		case OP_BO_INFO: op_bo_info(d); break;
		case OP_SUBMIT: op_submit(d); break;
		case OP_WAIT: op_wait(d); break;
		case OP_URING: op_uring(c, d); break;
		case OP_SYNCOBJ: op_syncobj(d); break;
		case OP_PRIME: op_prime(c); break;
		case OP_GEM_CLOSE: op_gem_close(d); break;
		default: break;
		}
	}
	return NULL;
}

/* The body of a storm process: random operations until @deadline_ns. */
static void child_run(uint64_t seed, int64_t deadline_ns)
{
	struct racer racer;
	pthread_t thread;
	struct child c;
	int i;

	memset(&c, 0, sizeof(c));
	rng_state = seed;
	/* Hard bound: a child blocked 10 s past its deadline dies of it. */
	alarm((deadline_ns - enpu_now_ns()) / 1000000000ll + 10);
	dev_open(&c.d[0]);
	dev_open(&c.d[1]);
	if (c.d[0].fd < 0 || c.d[1].fd < 0)
		_exit(10);
	hang_budget = chance(4);
	racer.main = &c;
	racer.seed = rnd();
	racer.deadline_ns = deadline_ns;
	if (chance(50) && pthread_create(&thread, NULL, racer_run, &racer))
		_exit(11);

	while (enpu_now_ns() < deadline_ns) {
		struct dev *d = &c.d[below(2)];
		enum op op = below(100) < 25 ? OP_SUBMIT : below(OP_COUNT);

		if (d->fd < 0) {
			op_reopen(&c);
			continue;
		}
		switch (op) {
		case OP_GET_PARAM: op_get_param(d); break;
		case OP_BO_CREATE: op_bo_create(d); break;
		case OP_BO_MMAP_OFFSET: op_bo_mmap_offset(d); break;
		case OP_BO_INFO: op_bo_info(d); break;
		case OP_SUBMIT: op_submit(d); break;
		case OP_WAIT: op_wait(d); break;
		case OP_URING: op_uring(&c, d); break;
		case OP_SYNCOBJ: op_syncobj(d); break;
		case OP_PRIME: op_prime(&c); break;
		case OP_GEM_CLOSE: op_gem_close(d); break;
		case OP_MMAP: op_mmap(&c, d); break;
		default:
			if (chance(20))
				op_reopen(&c);
			break;
		}
	}
	/* A normal exit, with whatever is still in flight. */
	for (i = 0; i < c.nmap; i++)
		munmap(c.map[i].p, c.map[i].len);
	_exit(0);
}

static int tap_n;
static int tap_failed;

static void tap(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_failed += !ok;
}

/* A child's end: ours (SIGKILL), its own clean exit, or a failure. */
static int judge(pid_t pid, int st, uint64_t seed)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		return 0;
	printf("# pid %d (seed %#llx): %s %d\n", (int)pid,
	       (unsigned long long)seed,
	       WIFSIGNALED(st) ? "killed by signal" : "exit status",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return 1;
}

/* A forced engine reset (debugfs): running jobs fail with -EIO. */
static int engine_reset(const char *dbg)
{
	char path[320];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/reset", dbg);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ret = write(fd, "1", 1) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * One round: @procs processes for @secs seconds, killed and respawned at
 * random.  Returns the number of processes that ended badly, -1 if the
 * round could not finish (a process stuck in the kernel).
 */
static int storm(const char *dbg, uint64_t seed, int procs, int secs,
		 int *kills, int *spawns, int *resets)
{
	struct { pid_t pid; uint64_t seed; int killed; } kid[MAX_PROCS];
	int64_t end = enpu_now_ns() + (int64_t)secs * 1000000000ll;
	uint64_t gen = 0;
	int i, st, bad = 0, live;
	pid_t pid;

	rng_state = seed;
	*kills = *spawns = *resets = 0;
	for (i = 0; i < procs; i++)
		kid[i].pid = 0;
	while (enpu_now_ns() < end) {
		for (i = 0; i < procs; i++) {
			if (kid[i].pid)
				continue;
			kid[i].seed = seed ^ (++gen * 0x2545f4914f6cdd1dull);
			fflush(stdout);
			pid = fork();
			if (pid == 0)
				child_run(kid[i].seed, end);
			if (pid > 0) {
				kid[i].pid = pid;
				kid[i].killed = 0;
				++*spawns;
			}
		}
		usleep(10000 + below(200000));
		/* Kill one at random, now and then reset the engine. */
		i = below(procs);
		if (kid[i].pid && !kid[i].killed && chance(70) &&
		    !kill(kid[i].pid, SIGKILL)) {
			kid[i].killed = 1;
			++*kills;
		}
		if (chance(3))
			*resets += !engine_reset(dbg);
		/* Reap whoever has ended. */
		for (i = 0; i < procs; i++) {
			if (!kid[i].pid)
				continue;
			pid = waitpid(kid[i].pid, &st, WNOHANG);
			if (pid == kid[i].pid) {
				bad += judge(pid, st, kid[i].seed);
				kid[i].pid = 0;
			}
		}
	}
	/* The children stop at @end by themselves: wait (bounded) for them. */
	end = enpu_now_ns() + 60 * 1000000000ll;
	do {
		live = 0;
		for (i = 0; i < procs; i++) {
			if (!kid[i].pid)
				continue;
			pid = waitpid(kid[i].pid, &st, WNOHANG);
			if (pid == kid[i].pid) {
				bad += judge(pid, st, kid[i].seed);
				kid[i].pid = 0;
			} else {
				live++;
			}
		}
		if (live)
			usleep(20000);
	} while (live && enpu_now_ns() < end);
	if (live) {
		for (i = 0; i < procs; i++)
			if (kid[i].pid) {
				printf("# pid %d (seed %#llx) did not end in 60 s\n",
				       (int)kid[i].pid,
				       (unsigned long long)kid[i].seed);
				kill(kid[i].pid, SIGKILL);
			}
		return -1;
	}
	return bad;
}

/* The known-good job on a fresh file: computes the right bytes. */
static int known_good(void)
{
	struct enpu_lut_job j;
	int32_t status = 1;
	int fd = enpu_open_device(), ret = -1;

	if (fd < 0)
		return -1;
	if (!enpu_lut_job_init(fd, &j, 4242)) {
		memset(j.out, 0x5a, ENPU_T_BO_SIZE);
		if (!enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &j.s) &&
		    !enpu_wait(fd, j.s.job_id, 60 * 1000000000ll, &status) &&
		    !status && !enpu_t_check(j.out, ENPU_T_N, 4242) &&
		    (uint8_t)j.out[ENPU_T_N] == 0x5a)
			ret = 0;
		enpu_lut_job_unmap(&j);
	}
	close(fd);
	return ret;
}

/* The device's debugfs counters, as comments. */
static void print_counters(const char *dbg)
{
	char path[320], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/counters", dbg);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("# counters: %s", line);
	fclose(f);
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

int main(void)
{
	uint64_t seeds[64], seed;
	int nseeds = 0, procs, secs, i, r, kills, spawns, resets, fd, op;
	long jobs0, bos0, jobs, bos;
	const char *dbg;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	fd = enpu_open_device();
	if (fd < 0) {
		if (enpu_in_vm()) {
			printf("1..1\nnot ok 1 - no enpu device inside the test VM\n");
			return 1;
		}
		printf("1..0 # SKIP no enpu accel device (module not loaded?)\n");
		return 4;
	}
	close(fd);
	dbg = enpu_debugfs_dir("jobs");
	if (!dbg) {
		printf("1..1\nnot ok 1 - debugfs of the device not found\n");
		return 1;
	}

	procs = env_u64("ENPU_STORM_PROCS", 4);
	procs = procs < 1 ? 1 : procs > MAX_PROCS ? MAX_PROCS : procs;
	secs = env_u64("ENPU_STORM_SECS", 14);
	secs = secs < 1 ? 1 : secs > 120 ? 120 : secs;
	seed = env_u64("ENPU_STORM_SEED", 0);
	if (seed) {
		seeds[nseeds++] = seed;
	} else {
		for (i = 0; replay_seeds[i] && nseeds < 63; i++)
			seeds[nseeds++] = replay_seeds[i];
		seeds[nseeds++] = (uint64_t)enpu_now_ns() * 0x9e3779b97f4a7c15ull ^
				  (uint64_t)getpid();
	}
	printf("1..%d\n", nseeds + 4);

	stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED)
		return 1;
	memset(stats, 0, sizeof(*stats));
	jobs0 = enpu_debugfs_settle(dbg, "jobs", 0);
	bos0 = enpu_debugfs_read(dbg, "bo_count", NULL);
	printf("# baseline: jobs %ld, bo_count %ld; %d processes\n",
	       jobs0, bos0, procs);

	for (i = 0; i < nseeds; i++) {
		int s = !seed && i < nseeds - 1 ? REPLAY_SECS : secs;

		printf("# seed %#llx (replay with ENPU_STORM_SEED=%#llx)\n",
		       (unsigned long long)seeds[i],
		       (unsigned long long)seeds[i]);
		r = storm(dbg, seeds[i], procs, s, &kills, &spawns, &resets);
		tap(r == 0, "storm seed %#llx: %d s, %d processes spawned, "
		    "%d killed, %d engine resets%s",
		    (unsigned long long)seeds[i], s, spawns, kills, resets,
		    r < 0 ? ", a process stuck in the kernel" :
		    r > 0 ? ", processes ended badly" : "");
	}

	for (op = 0; op < OP_COUNT; op++)
		printf("# %-17s %8llu ok %8llu errors\n", op_names[op],
		       (unsigned long long)stats->ok[op],
		       (unsigned long long)stats->err[op]);
	printf("# jobs completed with status 0: %llu\n",
	       (unsigned long long)stats->jobs_ok);
	/* The storm's own premise: every operation both worked and failed. */
	r = stats->jobs_ok > 0;
	for (op = 0; op < OP_COUNT; op++)
		r &= stats->ok[op] > 0 && (op == OP_REOPEN || op == OP_GEM_CLOSE ||
					   stats->err[op] > 0);
	tap(r, "every operation was accepted and refused, and jobs ran");

	print_counters(dbg);
	jobs = enpu_debugfs_settle(dbg, "jobs", jobs0);
	tap(jobs == jobs0, "jobs in flight back to %ld (%ld)", jobs0, jobs);
	bos = enpu_debugfs_settle(dbg, "bo_count", bos0);
	tap(bos == bos0, "bo_count back to %ld (%ld)", bos0, bos);
	tap(known_good() == 0, "a known-good job still computes the right bytes");

	printf("# enpu_storm: %d passed, %d failed, 0 skipped\n",
	       tap_n - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}
