// SPDX-License-Identifier: MIT
/*
 * One ENPU PCI device (uapi/drm/enpu_hw.h): the BAR is a memfd shared with
 * QEMU's ivshmem-doorbell through the ivshmem server protocol
 * (docs/specs/ivshmem-spec.txt in QEMU); a server thread answers the socket,
 * the doorbells (control commands, new jobs) and ticks the heartbeat; core
 * threads take jobs from the submission ring, run them with the booted
 * firmware and write completion records.
 *
 * Peer ids: the device is ivshmem peer DM_PEER_DEVICE (regs.db_peer), the
 * one guest it serves at a time gets DM_PEER_GUEST.  A second guest is
 * turned away while one is connected.
 *
 * Locking: d->lock protects the device state (state, sq_head, cq_tail,
 * busy, the firmware, the guest's interrupt eventfds).  Cores drop it while
 * they run a job.  Values the host writes in the BAR are read with atomic
 * loads and checked; what the device owns lives in struct dm_dev and is
 * published to the BAR, never read back.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <drm/enpu_isa.h>

#include "devmodel.h"
#include "fwload.h"

#define DM_PEER_DEVICE	0
#define DM_PEER_GUEST	1
#define DM_IVSHMEM_PROTOCOL 0

struct dm_core {
	struct dm_dev *d;
	unsigned int idx;
	pthread_t thread;
	void *local;
	__u64 jobs_done;	/* under d->lock */
	struct enpu_fw_env env;
};

struct dm_dev {
	struct dm_config cfg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	int client_fd;		/* the connected guest, -1 when none */
	int shm_fd;
	unsigned char *bar;
	struct enpu_hw_regs *regs;
	struct enpu_hw_regs layout;	/* the trusted layout fields */
	int db_fd[ENPU_HW_NUM_VECTORS];	/* doorbells: the guest writes them */
	int irq_fd[ENPU_HW_NUM_VECTORS]; /* the guest's vectors, -1 when none */
	int stop_fd;
	pthread_t server;
	bool server_started;

	pthread_mutex_t lock;	/* protects all below */
	pthread_cond_t work;	/* cores: jobs arrived or state changed */
	pthread_cond_t idle;	/* a core finished a job */
	int state;		/* enum enpu_hw_status */
	bool quit;
	int aborting;		/* atomic: running jobs must stop */
	unsigned int busy;	/* cores running a job */
	__u32 sq_head, cq_tail;
	__u64 jobs_done;
	__u64 heartbeat;
	__u32 ctrl_seen;
	struct fw_loaded fw;
	__u64 local_size;
	unsigned int ncores;
	struct dm_core core[ENPU_HW_MAX_CORES];
};

static __u32 ld32(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void st32(__u32 *p, __u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void st64(__u64 *p, __u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000u + (__u64)ts.tv_nsec;
}

__attribute__((format(printf, 2, 3)))
static void dm_log(const struct dm_dev *d, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "enpu-devmodel %s: %s\n", d->path, line);
}

static bool debug_bit(const struct dm_dev *d, __u32 bit)
{
	return d->cfg.faults && (ld32(&d->regs->debug) & bit);
}

/* Raise @vec (lock held). */
static void dm_raise(struct dm_dev *d, unsigned int vec)
{
	__u64 one = 1;

	__atomic_fetch_or(&d->regs->irq_status, 1u << vec, __ATOMIC_SEQ_CST);
	if (ld32(&d->regs->irq_mask) & (1u << vec) || d->irq_fd[vec] < 0)
		return;
	if (write(d->irq_fd[vec], &one, sizeof(one)) != sizeof(one))
		dm_log(d, "cannot raise vector %u: %s", vec, strerror(errno));
}

static void dm_set_state(struct dm_dev *d, int state)
{
	d->state = state;
	st32(&d->regs->status, (__u32)state);
	pthread_cond_broadcast(&d->work);
}

/* Stop on an error (lock held): status FAULT, code, message, vector. */
__attribute__((format(printf, 3, 4)))
static void dm_fault(struct dm_dev *d, int code, const char *fmt, ...)
{
	char msg[ENPU_HW_FAULT_MSG_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(d->regs->fault_msg, msg, sizeof(msg));
	st32(&d->regs->fault_code, (__u32)code);
	dm_set_state(d, ENPU_HW_STATUS_FAULT);
	dm_log(d, "fault %d: %s", code, msg);
	dm_raise(d, ENPU_HW_VEC_CTRL);
}

/* The BAR layout for @bar_size bytes and @n ring entries. */
static void dm_layout(struct enpu_hw_regs *l, __u64 bar_size, __u32 n)
{
	__u64 a = ENPU_HW_REGION_ALIGN;

	memset(l, 0, sizeof(*l));
	l->id = ENPU_HW_ID;
	l->hw_version = ENPU_HW_VERSION;
	l->bar_size = bar_size;
	l->db_peer = DM_PEER_DEVICE;
	l->ring_entries = n;
	l->sq_offset = ENPU_HW_REGS_SIZE;
	l->cq_offset = (l->sq_offset + (__u64)n * sizeof(struct enpu_hw_sq_entry) + a - 1) / a * a;
	l->fw_offset = (l->cq_offset + (__u64)n * sizeof(struct enpu_hw_cq_entry) + a - 1) / a * a;
	l->fw_window = 2ull << 20;
	l->cmd_offset = l->fw_offset + l->fw_window;
	l->cmd_size = bar_size / 8;
	l->mem_offset = l->cmd_offset + l->cmd_size;
	l->mem_size = bar_size - l->mem_offset;
}

/* Power-on / reset state of the register block (lock held, cores idle). */
static void dm_regs_reset(struct dm_dev *d, bool power_on)
{
	struct enpu_hw_regs *r = d->regs;
	__u32 seq = r->ctrl_seq, cmd = r->ctrl_cmd, ack = r->ctrl_ack;

	memset(r, 0, ENPU_HW_REGS_SIZE);
	memcpy(r, &d->layout, offsetof(struct enpu_hw_regs, status));
	if (!power_on) {	/* the reset command is acknowledged after this */
		r->ctrl_seq = seq;
		r->ctrl_cmd = cmd;
		r->ctrl_ack = ack;
	} else {
		d->ctrl_seen = 0;
	}
	d->sq_head = d->cq_tail = 0;
	d->jobs_done = d->heartbeat = 0;
	for (unsigned int i = 0; i < d->ncores; i++)
		d->core[i].jobs_done = 0;
}

/* How long a reset waits for the cores to reach a preemption point. */
#define DM_RESET_WAIT_S	(ENPU_HW_RESET_TIMEOUT_MS / 1000)

/*
 * Reset (lock held): stop cores, drop jobs, unload the firmware.  A core
 * that does not reach a preemption point in DM_RESET_WAIT_S (firmware stuck
 * in a loop without yielding) leaves the device in FAULT, firmware still
 * mapped under it; returns -ETIMEDOUT then.
 */
static int dm_reset(struct dm_dev *d, bool power_on)
{
	struct timespec ts;
	unsigned int i;

	__atomic_store_n(&d->aborting, 1, __ATOMIC_SEQ_CST);
	d->state = ENPU_HW_STATUS_RESET;
	pthread_cond_broadcast(&d->work);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += DM_RESET_WAIT_S;
	while (d->busy)
		if (pthread_cond_timedwait(&d->idle, &d->lock, &ts) == ETIMEDOUT &&
		    d->busy)
			break;
	if (d->busy) {
		for (i = 0; i < d->ncores; i++)
			if (d->regs->core[i].job_id)
				break;
		__atomic_store_n(&d->aborting, 0, __ATOMIC_SEQ_CST);
		dm_fault(d, ENPU_HW_FAULT_INTERNAL,
			 "reset: core %u did not stop within %d s", i, DM_RESET_WAIT_S);
		return -ETIMEDOUT;
	}
	fw_unload(&d->fw);
	dm_regs_reset(d, power_on);
	__atomic_store_n(&d->aborting, 0, __ATOMIC_SEQ_CST);
	dm_set_state(d, ENPU_HW_STATUS_RESET);
	return 0;
}

/* Boot the image in the firmware window (lock held). */
static int dm_boot(struct dm_dev *d)
{
	struct enpu_fw_boot_info info = { 0 };
	char msg[ENPU_HW_FAULT_MSG_SIZE];
	__u32 size = ld32(&d->regs->fw_size);
	void *img;
	int code, r;

	if (d->state != ENPU_HW_STATUS_RESET)
		return -EBUSY;
	dm_set_state(d, ENPU_HW_STATUS_BOOTING);
	if (size > d->layout.fw_window) {
		dm_fault(d, ENPU_HW_FAULT_FW_SIZE,
			 "firmware image refused: fw_size %u exceeds the %llu-byte firmware window",
			 size, (unsigned long long)d->layout.fw_window);
		return -ENOEXEC;
	}
	img = malloc(size ? size : 1);
	if (!img) {
		dm_fault(d, ENPU_HW_FAULT_INTERNAL, "out of memory copying the image");
		return -ENOMEM;
	}
	memcpy(img, d->bar + d->layout.fw_offset, size);
	code = fw_load(img, size, &d->fw, msg, sizeof(msg));
	free(img);
	if (code) {
		dm_fault(d, code, "%s", msg);
		return -ENOEXEC;
	}
	r = d->fw.entry->init(d->local_size, &info);
	if (r) {
		fw_unload(&d->fw);
		dm_fault(d, ENPU_HW_FAULT_FW_INIT, "firmware init failed: %d", r);
		return -ENOEXEC;
	}
	d->regs->fw_version = d->fw.hdr.fw_version;
	d->regs->fw_isa_version = d->fw.hdr.isa_version;
	d->regs->capabilities = info.capabilities |
				(d->cfg.faults ? ENPU_HW_CAP_FAULT_INJECT : 0);
	d->regs->num_cores = d->ncores;
	d->regs->max_cmdbuf_size = info.max_cmdbuf_size;
	d->regs->max_slots = info.max_slots;
	st32(&d->regs->fault_code, ENPU_HW_FAULT_NONE);
	memset(d->regs->fault_msg, 0, sizeof(d->regs->fault_msg));
	dm_set_state(d, ENPU_HW_STATUS_READY);
	if (d->cfg.verbose)
		dm_log(d, "booted firmware %u.%u (build %.12s), ISA %u.%u, %u cores",
		       d->fw.hdr.fw_version >> 16, d->fw.hdr.fw_version & 0xffff,
		       d->fw.hdr.build_id, d->fw.hdr.isa_version >> 16,
		       d->fw.hdr.isa_version & 0xffff, d->ncores);
	return 0;
}

/* A control doorbell: run the command if ctrl_seq moved (lock held). */
static void dm_control(struct dm_dev *d)
{
	__u32 seq = ld32(&d->regs->ctrl_seq), cmd;
	int r;

	if (seq == d->ctrl_seen)
		return;
	cmd = ld32(&d->regs->ctrl_cmd);
	switch (cmd) {
	case ENPU_HW_CMD_NOP:
		r = 0;
		break;
	case ENPU_HW_CMD_RESET:
		r = dm_reset(d, false);
		if (d->cfg.verbose && !r)
			dm_log(d, "reset");
		break;
	case ENPU_HW_CMD_BOOT:
		r = dm_boot(d);
		break;
	default:
		r = -EINVAL;
		break;
	}
	d->ctrl_seen = seq;
	d->regs->ctrl_result = r;
	st32(&d->regs->ctrl_ack, seq);
	dm_raise(d, ENPU_HW_VEC_CTRL);
}

static int core_yield(void *ctx)
{
	struct dm_core *c = ctx;
	struct dm_dev *d = c->d;

	if (debug_bit(d, ENPU_HW_DEBUG_HANG_JOBS)) {
		/* a hung core: no progress until reset or shutdown */
		while (!__atomic_load_n(&d->aborting, __ATOMIC_SEQ_CST))
			usleep(1000);
		return -ECANCELED;
	}
	__atomic_fetch_add(&d->regs->core[c->idx].progress, 1, __ATOMIC_RELAXED);
	return __atomic_load_n(&d->aborting, __ATOMIC_SEQ_CST) ? -ECANCELED : 0;
}

/* Post @done from core @c to the completion ring (lock held); false when dropped. */
static bool dm_complete(struct dm_dev *d, struct dm_core *c,
			struct enpu_hw_cq_entry *done)
{
	__u32 n = d->layout.ring_entries, head;

	for (;;) {
		if (d->state != ENPU_HW_STATUS_READY || d->aborting)
			return false;
		head = ld32(&d->regs->cq_head);
		if (d->cq_tail - head > n) {
			dm_fault(d, ENPU_HW_FAULT_RING,
				 "cq_head %u is not within %u entries behind cq_tail %u",
				 head, n, d->cq_tail);
			return false;
		}
		if (d->cq_tail - head < n)
			break;
		/* ring full: the driver broke its promise; wait for space */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&d->work, &d->lock, &ts);
	}
	done->seq = d->cq_tail;
	if (debug_bit(d, ENPU_HW_DEBUG_CORRUPT_CQ)) {
		done->job_id ^= 0x5a5a5a5a5a5a5a5aull;
		done->seq += 0x1000;
		__atomic_fetch_and(&d->regs->debug, ~ENPU_HW_DEBUG_CORRUPT_CQ,
				   __ATOMIC_SEQ_CST);
	}
	memcpy(d->bar + d->layout.cq_offset +
	       (size_t)(d->cq_tail % n) * sizeof(*done), done, sizeof(*done));
	d->cq_tail++;
	st32(&d->regs->cq_tail, d->cq_tail);
	d->jobs_done++;
	st64(&d->regs->jobs_done, d->jobs_done);
	st64(&d->regs->core[c->idx].jobs_done, ++c->jobs_done);
	dm_raise(d, ENPU_HW_VEC_CQ);
	return true;
}

static void *core_main(void *arg)
{
	struct dm_core *c = arg;
	struct dm_dev *d = c->d;
	__u32 n = d->layout.ring_entries, tail = 0;
	struct enpu_hw_sq_entry job;
	struct enpu_hw_cq_entry done;
	__u64 t0, us;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		for (;;) {
			if (d->quit)
				goto out;
			if (d->state == ENPU_HW_STATUS_READY && !d->aborting) {
				tail = ld32(&d->regs->sq_tail);
				if (tail != d->sq_head)
					break;
			}
			pthread_cond_wait(&d->work, &d->lock);
		}
		if (tail - d->sq_head > n) {
			dm_fault(d, ENPU_HW_FAULT_RING,
				 "sq_tail %u is %u entries past sq_head %u; the ring holds %u",
				 tail, tail - d->sq_head, d->sq_head, n);
			continue;
		}
		memcpy(&job, d->bar + d->layout.sq_offset +
		       (size_t)(d->sq_head % n) * sizeof(job), sizeof(job));
		d->sq_head++;
		st32(&d->regs->sq_head, d->sq_head);
		d->busy++;
		pthread_mutex_unlock(&d->lock);

		st64(&d->regs->core[c->idx].job_id, job.job_id);
		memset(&done, 0, sizeof(done));
		t0 = now_ns();
		d->fw.entry->run_job(&c->env, &job, &done);
		us = (now_ns() - t0) / 1000;
		done.core = c->idx;
		done.duration_us = us > UINT32_MAX ? UINT32_MAX : (__u32)us;
		st64(&d->regs->core[c->idx].job_id, 0);

		pthread_mutex_lock(&d->lock);
		d->busy--;
		dm_complete(d, c, &done);
		if (!d->busy)
			pthread_cond_broadcast(&d->idle);
	}
out:
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* One ivshmem server message: an int64 and maybe a file descriptor. */
static int send_msg(int sock, int64_t v, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { .iov_base = &v, .iov_len = sizeof(v) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		c.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&c.h), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) == sizeof(v) ? 0 : -errno;
}

static void dm_drop_guest(struct dm_dev *d)
{
	unsigned int v;

	pthread_mutex_lock(&d->lock);
	for (v = 0; v < ENPU_HW_NUM_VECTORS; v++) {
		if (d->irq_fd[v] >= 0)
			close(d->irq_fd[v]);
		d->irq_fd[v] = -1;
	}
	if (d->client_fd >= 0)
		close(d->client_fd);
	d->client_fd = -1;
	(void)dm_reset(d, true);	/* a stuck core is logged; the device stays in FAULT */
	pthread_mutex_unlock(&d->lock);
}

/* Protocol steps 1-5 of ivshmem-spec.txt for a new guest. */
static void dm_accept(struct dm_dev *d)
{
	int s = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC), err = 0;
	unsigned int v;

	if (s < 0)
		return;
	if (d->client_fd >= 0) {
		dm_log(d, "a guest is already connected; refusing another");
		close(s);
		return;
	}
	pthread_mutex_lock(&d->lock);
	d->client_fd = s;
	for (v = 0; v < ENPU_HW_NUM_VECTORS; v++) {
		d->irq_fd[v] = eventfd(0, EFD_CLOEXEC);
		if (d->irq_fd[v] < 0)
			err = -errno;
	}
	pthread_mutex_unlock(&d->lock);
	if (!err)
		err = send_msg(s, DM_IVSHMEM_PROTOCOL, -1);
	if (!err)
		err = send_msg(s, DM_PEER_GUEST, -1);
	if (!err)
		err = send_msg(s, -1, d->shm_fd);
	for (v = 0; !err && v < ENPU_HW_NUM_VECTORS; v++)
		err = send_msg(s, DM_PEER_DEVICE, d->db_fd[v]);
	for (v = 0; !err && v < ENPU_HW_NUM_VECTORS; v++)
		err = send_msg(s, DM_PEER_GUEST, d->irq_fd[v]);
	if (err) {
		dm_log(d, "guest setup failed: %s", strerror(-err));
		dm_drop_guest(d);
		return;
	}
	if (d->cfg.verbose)
		dm_log(d, "guest connected");
}

static void drain(int fd)
{
	__u64 v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

static void *server_main(void *arg)
{
	struct dm_dev *d = arg;
	__u64 last_beat = now_ns();

	for (;;) {
		struct pollfd p[5] = {
			{ .fd = d->stop_fd, .events = POLLIN },
			{ .fd = d->listen_fd, .events = POLLIN },
			{ .fd = d->db_fd[ENPU_HW_DB_SQ], .events = POLLIN },
			{ .fd = d->db_fd[ENPU_HW_DB_CTRL], .events = POLLIN },
			{ .fd = d->client_fd, .events = POLLIN },
		};
		__u64 t;

		if (poll(p, d->client_fd >= 0 ? 5 : 4, ENPU_HW_HEARTBEAT_MS) < 0 &&
		    errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[3].revents & POLLIN) {	/* control before jobs */
			drain(d->db_fd[ENPU_HW_DB_CTRL]);
			pthread_mutex_lock(&d->lock);
			dm_control(d);
			pthread_mutex_unlock(&d->lock);
		}
		if (p[2].revents & POLLIN) {
			drain(d->db_fd[ENPU_HW_DB_SQ]);
			pthread_mutex_lock(&d->lock);
			pthread_cond_broadcast(&d->work);
			pthread_mutex_unlock(&d->lock);
		}
		if (d->client_fd >= 0 && p[4].revents) {
			char buf[64];
			ssize_t r = recv(d->client_fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
				if (d->cfg.verbose)
					dm_log(d, "guest disconnected; device reset");
				dm_drop_guest(d);
			}
		}
		if (p[1].revents & POLLIN)
			dm_accept(d);
		t = now_ns();
		if (t - last_beat >= ENPU_HW_HEARTBEAT_MS * 1000000ull) {
			last_beat = t;
			pthread_mutex_lock(&d->lock);
			if (d->state == ENPU_HW_STATUS_READY &&
			    !debug_bit(d, ENPU_HW_DEBUG_STALL_HEARTBEAT))
				st64(&d->regs->heartbeat, ++d->heartbeat);
			pthread_mutex_unlock(&d->lock);
		}
	}
	return NULL;
}

__attribute__((format(printf, 4, 5)))
static struct dm_dev *fail(struct dm_dev *d, char *err, size_t errsz,
			   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	dm_destroy(d);
	return NULL;
}

struct dm_dev *dm_create(const struct dm_config *cfg, char *err, size_t errsz)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct dm_dev *d;
	unsigned int i;

	if (cfg->bar_size < ENPU_HW_MIN_BAR_SIZE || cfg->bar_size > (1ull << 34) ||
	    cfg->bar_size & (cfg->bar_size - 1)) {
		snprintf(err, errsz, "BAR size %llu: must be a power of two from 16 MiB to 16 GiB",
			 (unsigned long long)cfg->bar_size);
		return NULL;
	}
	if (cfg->num_cores < 1 || cfg->num_cores > ENPU_HW_MAX_CORES) {
		snprintf(err, errsz, "%u cores: must be 1..%u", cfg->num_cores,
			 ENPU_HW_MAX_CORES);
		return NULL;
	}
	if (cfg->ring_entries < 16 || cfg->ring_entries > 4096 ||
	    cfg->ring_entries & (cfg->ring_entries - 1)) {
		snprintf(err, errsz, "%u ring entries: must be a power of two, 16..4096",
			 cfg->ring_entries);
		return NULL;
	}
	if (!cfg->socket_path || strlen(cfg->socket_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errsz, "socket path missing or longer than %zu bytes",
			 sizeof(sa.sun_path) - 1);
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	d->cfg = *cfg;
	strcpy(d->path, cfg->socket_path);
	d->listen_fd = d->client_fd = d->shm_fd = d->stop_fd = -1;
	for (i = 0; i < ENPU_HW_NUM_VECTORS; i++)
		d->db_fd[i] = d->irq_fd[i] = -1;
	d->bar = MAP_FAILED;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->work, NULL);
	pthread_cond_init(&d->idle, NULL);
	d->ncores = cfg->num_cores;

	d->shm_fd = memfd_create("enpu-bar", MFD_CLOEXEC);
	if (d->shm_fd < 0 || ftruncate(d->shm_fd, (off_t)cfg->bar_size))
		return fail(d, err, errsz, "shared memory of %llu bytes: %s",
			    (unsigned long long)cfg->bar_size, strerror(errno));
	d->bar = mmap(NULL, cfg->bar_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      d->shm_fd, 0);
	if (d->bar == MAP_FAILED)
		return fail(d, err, errsz, "mapping the BAR: %s", strerror(errno));
	d->regs = (struct enpu_hw_regs *)d->bar;
	dm_layout(&d->layout, cfg->bar_size, cfg->ring_entries);
	dm_regs_reset(d, true);
	d->state = ENPU_HW_STATUS_RESET;

	d->local_size = d->layout.cmd_size < ENPU_ISA_MAX_SIZE ?
			d->layout.cmd_size : ENPU_ISA_MAX_SIZE;
	for (i = 0; i < d->ncores; i++) {
		struct dm_core *c = &d->core[i];

		c->d = d;
		c->idx = i;
		c->local = aligned_alloc(64, d->local_size);
		if (!c->local)
			return fail(d, err, errsz, "out of memory for core memory");
		c->env = (struct enpu_fw_env){
			.size = sizeof(c->env), .core = i, .bar = d->bar,
			.cmd_offset = d->layout.cmd_offset,
			.cmd_size = d->layout.cmd_size,
			.mem_offset = d->layout.mem_offset,
			.mem_size = d->layout.mem_size,
			.local = c->local, .local_size = d->local_size,
			.yield = core_yield, .ctx = c,
		};
	}
	for (i = 0; i < ENPU_HW_NUM_VECTORS; i++) {
		d->db_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->db_fd[i] < 0)
			return fail(d, err, errsz, "eventfd: %s", strerror(errno));
	}
	d->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (d->stop_fd < 0)
		return fail(d, err, errsz, "eventfd: %s", strerror(errno));

	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->listen_fd < 0)
		return fail(d, err, errsz, "socket: %s", strerror(errno));
	strcpy(sa.sun_path, d->path);
	unlink(d->path);	/* a stale socket of an earlier run */
	if (bind(d->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(d->listen_fd, 4))
		return fail(d, err, errsz, "listening on %s: %s", d->path,
			    strerror(errno));

	for (i = 0; i < d->ncores; i++)
		if (pthread_create(&d->core[i].thread, NULL, core_main, &d->core[i])) {
			d->ncores = i;
			return fail(d, err, errsz, "cannot start core threads");
		}
	if (pthread_create(&d->server, NULL, server_main, d))
		return fail(d, err, errsz, "cannot start the server thread");
	d->server_started = true;
	if (cfg->verbose)
		dm_log(d, "listening (BAR %llu MiB, %u cores, %u ring entries%s)",
		       (unsigned long long)(cfg->bar_size >> 20), d->ncores,
		       cfg->ring_entries, cfg->faults ? ", fault injection" : "");
	return d;
}

void dm_destroy(struct dm_dev *d)
{
	__u64 one = 1;
	unsigned int i;

	if (!d)
		return;
	if (d->server_started) {
		if (write(d->stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(d->server, NULL);
	}
	pthread_mutex_lock(&d->lock);
	d->quit = true;
	__atomic_store_n(&d->aborting, 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&d->work);
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < d->ncores; i++) {
		if (d->core[i].thread)
			pthread_join(d->core[i].thread, NULL);
		free(d->core[i].local);
	}
	fw_unload(&d->fw);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->path);
	}
	if (d->client_fd >= 0)
		close(d->client_fd);
	for (i = 0; i < ENPU_HW_NUM_VECTORS; i++) {
		if (d->db_fd[i] >= 0)
			close(d->db_fd[i]);
		if (d->irq_fd[i] >= 0)
			close(d->irq_fd[i]);
	}
	if (d->stop_fd >= 0)
		close(d->stop_fd);
	if (d->bar != MAP_FAILED)
		munmap(d->bar, d->cfg.bar_size);
	if (d->shm_fd >= 0)
		close(d->shm_fd);
	pthread_cond_destroy(&d->idle);
	pthread_cond_destroy(&d->work);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
