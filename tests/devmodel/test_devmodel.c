// SPDX-License-Identifier: MIT
/*
 * enpu-devmodel on the host, without a VM: this program plays QEMU and the
 * guest driver.  It starts the device model, speaks the client side of the
 * ivshmem server protocol (version, peer ids, the shared memory fd, one
 * eventfd per vector each way), maps the BAR and drives the device through
 * uapi/drm/enpu_hw.h only: boot handshake, the int8 digits model compiled
 * by libaccel submitted through the ring and doorbell (outputs bit-identical
 * to libaccel's CPU backend and to the firmware core run in process), every
 * kind of bad image and hostile job (error status, never a crash), ring
 * corruption, fault injection, reset and reboot, reconnection, two devices.
 *
 *	test_devmodel ENPU-DEVMODEL FIRMWARE-IMAGE
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <drm/enpu_hw.h>
#include <drm/enpu_isa.h>

#include "accel.h"
#include "compile/qcompile.h"
#include "enpu_fw.h"
#include "enpu_fw_image.h"
#include "ir/ir.h"
#include "ops/shape_pass.h"
#include "tap.h"

#define WAIT_MS 60000	/* hang guard only, never a timing assertion */

static const char *devmodel_bin, *image_path;
static unsigned char *image;
static size_t image_size;
static char tmpdir[64];

/* ---- the device model processes ---- */

struct proc {
	pid_t pid;
};

static int start_devmodel(struct proc *p, const char *const *args)
{
	const char *argv[16];
	int fd[2], n = 0;
	char line[64] = { 0 };
	ssize_t r;
	size_t got = 0;

	argv[n++] = devmodel_bin;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (pipe(fd))
		return -errno;
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		execv(devmodel_bin, (char *const *)argv);
		_exit(127);
	}
	close(fd[1]);
	while (got < sizeof(line) - 1 &&
	       (r = read(fd[0], line + got, sizeof(line) - 1 - got)) > 0) {
		got += (size_t)r;
		if (strchr(line, '\n'))
			break;
	}
	close(fd[0]);
	return strstr(line, "enpu-devmodel: ready") ? 0 : -EIO;
}

static struct proc dm_faults, dm_plain;

/* False once a device model process died: later waits give up at once. */
static bool devmodels_alive(void)
{
	struct proc *ps[] = { &dm_faults, &dm_plain };
	static bool dead;
	int st;

	for (int i = 0; !dead && i < 2; i++) {
		if (ps[i]->pid > 0 && waitpid(ps[i]->pid, &st, WNOHANG) == ps[i]->pid) {
			tap_fail(__FILE__, __LINE__, "enpu-devmodel died: status 0x%x", st);
			ps[i]->pid = 0;
			dead = true;
		}
	}
	return !dead;
}

static int stop_devmodel(struct proc *p)
{
	int st = 0;

	if (p->pid <= 0)
		return -1;
	kill(p->pid, SIGTERM);
	waitpid(p->pid, &st, 0);
	p->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- the guest side ---- */

struct guest {
	int sock;
	int64_t my_id, dev_id;
	int shm_fd;
	unsigned char *bar;
	size_t bar_size;
	struct enpu_hw_regs *regs;
	int db_fd[ENPU_HW_NUM_VECTORS];	/* write: ring the device */
	int irq_fd[ENPU_HW_NUM_VECTORS];	/* read: our MSI-X vectors */
	uint32_t cq_head;
};

/* One server message: an int64 and maybe one fd (-1 when none). */
static int recv_msg(int sock, int64_t *v, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { .iov_base = v, .iov_len = sizeof(*v) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h;
	struct pollfd p = { .fd = sock, .events = POLLIN };
	ssize_t r;

	*fd = -1;
	if (poll(&p, 1, WAIT_MS) != 1)
		return -ETIMEDOUT;
	r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	if (r == 0)
		return -ECONNRESET;
	if (r != sizeof(*v))
		return -EPROTO;
	for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(h), sizeof(int));
	return 0;
}

static int sock_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

static void guest_close(struct guest *g)
{
	for (int v = 0; v < ENPU_HW_NUM_VECTORS; v++) {
		if (g->db_fd[v] >= 0)
			close(g->db_fd[v]);
		if (g->irq_fd[v] >= 0)
			close(g->irq_fd[v]);
	}
	if (g->bar && g->bar != MAP_FAILED)
		munmap(g->bar, g->bar_size);
	if (g->shm_fd >= 0)
		close(g->shm_fd);
	if (g->sock >= 0)
		close(g->sock);
	memset(g, 0, sizeof(*g));
	g->sock = g->shm_fd = -1;
	for (int v = 0; v < ENPU_HW_NUM_VECTORS; v++)
		g->db_fd[v] = g->irq_fd[v] = -1;
}

/* Connect as QEMU's ivshmem-doorbell with vectors=2 would. */
static int guest_open(struct guest *g, const char *path)
{
	struct stat st;
	int64_t v;
	int fd, i;

	memset(g, 0, sizeof(*g));
	g->sock = g->shm_fd = -1;
	for (i = 0; i < ENPU_HW_NUM_VECTORS; i++)
		g->db_fd[i] = g->irq_fd[i] = -1;
	if (!devmodels_alive())
		return -1;
	g->sock = sock_connect(path);
	if (!TAP_CHECK(g->sock >= 0, "connect %s: %s", path, strerror(errno)))
		return -1;
	if (!TAP_CHECK(recv_msg(g->sock, &v, &fd) == 0 && v == 0 && fd < 0,
		       "protocol version message: %lld", (long long)v))
		return -1;
	if (!TAP_CHECK(recv_msg(g->sock, &g->my_id, &fd) == 0 && fd < 0 &&
		       g->my_id >= 0 && g->my_id <= 65535, "own id %lld",
		       (long long)g->my_id))
		return -1;
	if (!TAP_CHECK(recv_msg(g->sock, &v, &g->shm_fd) == 0 && v == -1 &&
		       g->shm_fd >= 0, "shared memory message: %lld fd %d",
		       (long long)v, g->shm_fd))
		return -1;
	/* step 4: the device's doorbells, then step 5: our own vectors */
	for (i = 0; i < ENPU_HW_NUM_VECTORS; i++) {
		if (!TAP_CHECK(recv_msg(g->sock, &g->dev_id, &g->db_fd[i]) == 0 &&
			       g->db_fd[i] >= 0 && g->dev_id != g->my_id,
			       "peer vector %d", i))
			return -1;
	}
	for (i = 0; i < ENPU_HW_NUM_VECTORS; i++) {
		if (!TAP_CHECK(recv_msg(g->sock, &v, &g->irq_fd[i]) == 0 &&
			       g->irq_fd[i] >= 0 && v == g->my_id,
			       "own vector %d: id %lld", i, (long long)v))
			return -1;
	}
	if (!TAP_CHECK(fstat(g->shm_fd, &st) == 0 && st.st_size > 0, "fstat shm"))
		return -1;
	g->bar_size = (size_t)st.st_size;
	g->bar = mmap(NULL, g->bar_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      g->shm_fd, 0);
	if (!TAP_CHECK(g->bar != MAP_FAILED, "mmap BAR"))
		return -1;
	g->regs = (struct enpu_hw_regs *)g->bar;
	return 0;
}

static uint32_t rd32(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void wr32(__u32 *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static uint64_t rd64(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void ring(struct guest *g, int vec)
{
	uint64_t one = 1;

	if (write(g->db_fd[vec], &one, sizeof(one)) != sizeof(one))
		tap_fail(__FILE__, __LINE__, "doorbell %d: %s", vec, strerror(errno));
}

/* Wait for vector @vec; 0, or -ETIMEDOUT after @ms. */
static int wait_irq(struct guest *g, int vec, int ms)
{
	struct pollfd p = { .fd = g->irq_fd[vec], .events = POLLIN };
	uint64_t n;

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	if (read(g->irq_fd[vec], &n, sizeof(n)) != sizeof(n))
		return -EIO;
	__atomic_exchange_n(&g->regs->irq_status, 0, __ATOMIC_SEQ_CST);
	return 0;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Run a control command; returns ctrl_result, or -ETIMEDOUT. */
static int ctrl(struct guest *g, uint32_t cmd)
{
	uint32_t seq = rd32(&g->regs->ctrl_seq) + 1;
	int waited = 0;

	wr32(&g->regs->ctrl_cmd, cmd);
	wr32(&g->regs->ctrl_seq, seq);
	ring(g, ENPU_HW_DB_CTRL);
	while (rd32(&g->regs->ctrl_ack) != seq) {
		if (waited >= WAIT_MS || !devmodels_alive())
			return -ETIMEDOUT;
		if (wait_irq(g, ENPU_HW_VEC_CTRL, 100))
			waited += 100;
	}
	return g->regs->ctrl_result;
}

static int boot_image(struct guest *g, const void *img, size_t size)
{
	memcpy(g->bar + g->regs->fw_offset, img, size);
	wr32(&g->regs->fw_size, (uint32_t)size);
	return ctrl(g, ENPU_HW_CMD_BOOT);
}

static int boot(struct guest *g)
{
	int r = boot_image(g, image, image_size);

	TAP_CHECK(r == 0 && g->regs->status == ENPU_HW_STATUS_READY,
		  "boot: %d, status %u: %s", r, g->regs->status, g->regs->fault_msg);
	g->cq_head = 0;
	return r;
}

/* ---- the digits model, compiled by libaccel ---- */

static struct qprog *prog;
static struct accel_tensor test_x;
#define NJOBS 40

static int compile_digits(void)
{
	struct accel_err e = { { 0 } };
	struct ir_value in = { .dtype = IR_F32, .rank = 4, .dims = { 1, 1, 8, 8 } };
	struct shape_pass *sp;
	struct ir_graph *g;
	static char buf[1 << 20];
	FILE *f = fopen("models/digits_int8.onnx", "rb");
	size_t len;
	int err;

	if (!f)
		return -ENOENT;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	g = ir_load_onnx(buf, len, &e, &err);
	if (!g)
		return err;
	sp = shape_infer(g, &in, 1, &e, &err);
	if (!sp) {
		ir_graph_free(g);
		return err;
	}
	err = qprog_compile(g, sp, &in, 1, &prog, &e);
	shape_free(sp);
	ir_graph_free(g);
	if (err)
		printf("# compile: %s\n", e.msg);
	return err;
}

static size_t slot_size(uint32_t s)
{
	if (s == QPROG_SLOT_CONST)
		return prog->consts_size;
	if (s == QPROG_SLOT_ARENA)
		return prog->arena_size;
	if (s < QPROG_SLOT_IO + (uint32_t)prog->n_inputs)
		return prog->inputs[s - QPROG_SLOT_IO].qbytes;
	return prog->outputs[s - QPROG_SLOT_IO - prog->n_inputs].qbytes;
}

static uint64_t align64(uint64_t v)
{
	return (v + 63) & ~63ull;
}

/*
 * Lay out @n jobs of image i = first..first+n-1: the command buffer once at
 * the start of the command region, then one slot table per job; constants
 * once at the start of device memory, then arena, input and output per job.
 * Fills @sq[] (job_id = i + 1) and @out_off[].
 */
static void place_jobs(struct guest *g, int first, int n, struct enpu_hw_sq_entry *sq,
		       uint64_t *out_off)
{
	struct enpu_hw_regs *r = g->regs;
	uint64_t cmd = r->cmd_offset, tab = align64(cmd + prog->cmdbuf_size);
	uint64_t mem = r->mem_offset, next;
	uint32_t s, ns = prog->num_slots;

	memcpy(g->bar + cmd, prog->cmdbuf, prog->cmdbuf_size);
	memcpy(g->bar + mem, prog->consts, prog->consts_size);
	next = align64(mem + prog->consts_size);
	for (int j = 0; j < n; j++) {
		struct enpu_hw_slot *st = (struct enpu_hw_slot *)(g->bar + tab);
		const float *x = (const float *)test_x.data + (size_t)(first + j) * 64;

		for (s = 0; s < ns; s++) {
			st[s].size = slot_size(s);
			if (s == QPROG_SLOT_CONST) {
				st[s].offset = mem;
				continue;
			}
			st[s].offset = next;
			next = align64(next + st[s].size);
		}
		memset(g->bar + st[QPROG_SLOT_ARENA].offset, 0xa5,
		       st[QPROG_SLOT_ARENA].size);
		qprog_quantize(x, g->bar + st[QPROG_SLOT_IO].offset,
			       prog->inputs[0].qbytes, prog->inputs[0].isa_dtype,
			       prog->inputs[0].scale, prog->inputs[0].zero_point);
		out_off[j] = st[QPROG_SLOT_IO + 1].offset;
		memset(g->bar + out_off[j], 0xee, st[QPROG_SLOT_IO + 1].size);
		memset(&sq[j], 0, sizeof(sq[j]));
		sq[j].job_id = (uint64_t)(first + j + 1);
		sq[j].cmdbuf_offset = cmd;
		sq[j].cmdbuf_size = (uint32_t)prog->cmdbuf_size;
		sq[j].num_slots = ns;
		sq[j].slots_offset = tab;
		tab = align64(tab + ns * sizeof(*st));
	}
}

/* Write @n entries to the ring, publish sq_tail, ring the doorbell. */
static void submit(struct guest *g, const struct enpu_hw_sq_entry *e, int n)
{
	uint32_t tail = rd32(&g->regs->sq_tail), ne = g->regs->ring_entries;

	for (int i = 0; i < n; i++, tail++)
		memcpy(g->bar + g->regs->sq_offset +
		       (size_t)(tail % ne) * sizeof(*e), &e[i], sizeof(*e));
	wr32(&g->regs->sq_tail, tail);
	ring(g, ENPU_HW_DB_SQ);
}

/*
 * Reap @n completions into @c (in completion order), checking each record's
 * seq against the index it is read at.  Returns how many were reaped.
 */
static int reap(struct guest *g, struct enpu_hw_cq_entry *c, int n)
{
	int got = 0, waited = 0;
	uint32_t ne = g->regs->ring_entries;

	while (got < n) {
		while (g->cq_head != rd32(&g->regs->cq_tail) && got < n) {
			memcpy(&c[got], g->bar + g->regs->cq_offset +
			       (size_t)(g->cq_head % ne) * sizeof(*c), sizeof(*c));
			TAP_CHECK(c[got].seq == g->cq_head, "record seq %u at index %u",
				  c[got].seq, g->cq_head);
			g->cq_head++;
			got++;
		}
		wr32(&g->regs->cq_head, g->cq_head);
		if (got == n)
			break;
		if (waited >= WAIT_MS || !devmodels_alive()) {
			TAP_CHECK(0, "%d completions of %d after %d ms", got, n, waited);
			break;
		}
		if (wait_irq(g, ENPU_HW_VEC_CQ, 100))
			waited += 100;
	}
	return got;
}

/* Submit one job, reap its completion; returns its status. */
static int run_one(struct guest *g, const struct enpu_hw_sq_entry *e,
		   struct enpu_hw_cq_entry *c)
{
	submit(g, e, 1);
	if (reap(g, c, 1) != 1)
		return -ETIMEDOUT;
	TAP_CHECK(c->job_id == e->job_id, "job_id %llu, submitted %llu",
		  (unsigned long long)c->job_id, (unsigned long long)e->job_id);
	return c->status;
}

/* Device outputs vs the CPU backend (floats, bit for bit) and the firmware core. */
static void check_outputs(struct guest *g, int first, int n, const uint64_t *out_off)
{
	accel_ctx *ctx;
	accel_model *m;
	size_t qb = prog->outputs[0].qbytes;
	int err, bad = 0;

	ctx = accel_open(ACCEL_DEVICE_CPU, &err);
	m = ctx ? accel_model_load(ctx, "models/digits_int8.onnx", &err) : NULL;
	if (!TAP_CHECK(m, "CPU backend: %s", accel_last_error()))
		goto out;
	for (int j = 0; j < n; j++) {
		struct accel_tensor in = {
			.dtype = ACCEL_DTYPE_F32, .rank = 4, .dims = { 1, 1, 8, 8 },
			.data = (float *)test_x.data + (size_t)(first + j) * 64,
			.size = 64 * sizeof(float),
		};
		struct accel_tensor out = { 0 };
		float dev[64];
		struct enpu_fw_buf fb[ENPU_ISA_MAX_SLOTS];
		struct enpu_fw_status st;
		unsigned char *q[ENPU_ISA_MAX_SLOTS];
		uint32_t s;

		err = accel_run(m, &in, 1, &out, 1);
		if (!TAP_CHECK(err == 0 && out.size == qb * sizeof(float) && qb <= 64,
			       "CPU run: %s", accel_last_error()))
			break;
		qprog_dequantize(g->bar + out_off[j], dev, qb, prog->outputs[0].isa_dtype,
				 prog->outputs[0].scale, prog->outputs[0].zero_point);
		if (memcmp(dev, out.data, out.size))
			bad++;
		accel_tensor_release(&out);

		/* the firmware core in process, on its own buffers */
		for (s = 0; s < prog->num_slots; s++) {
			q[s] = calloc(1, slot_size(s) + 1);
			fb[s].data = q[s];
			fb[s].size = slot_size(s);
		}
		memcpy(q[QPROG_SLOT_CONST], prog->consts, prog->consts_size);
		qprog_quantize(in.data, q[QPROG_SLOT_IO], prog->inputs[0].qbytes,
			       prog->inputs[0].isa_dtype, prog->inputs[0].scale,
			       prog->inputs[0].zero_point);
		err = enpu_fw_execute(prog->cmdbuf, prog->cmdbuf_size, fb,
				      prog->num_slots, NULL, &st);
		TAP_CHECK(err == 0, "firmware core: %d %s", err, st.msg);
		if (memcmp(q[QPROG_SLOT_IO + 1], g->bar + out_off[j], qb))
			bad++;
		for (s = 0; s < prog->num_slots; s++)
			free(q[s]);
	}
	TAP_CHECK(bad == 0, "%d of %d outputs differ from the CPU backend / firmware core",
		  bad, n);
out:
	accel_model_free(m);
	accel_close(ctx);
}

/* ---- the tests ---- */

static char sock_a[96], sock_b[96], sock_c[96];

static void test_crc32(void)
{
	TAP_CHECK(enpu_fw_crc32(0, "123456789", 9) == 0xcbf43926u, "CRC-32 check value");
	TAP_CHECK(enpu_fw_crc32(enpu_fw_crc32(0, "1234", 4), "56789", 5) == 0xcbf43926u,
		  "CRC-32 in two pieces");
}

static void test_image_header(void)
{
	struct enpu_hw_fw_header h;
	uint32_t crc;

	if (!TAP_CHECK(image_size > sizeof(h), "image of %zu bytes", image_size))
		return;
	memcpy(&h, image, sizeof(h));
	TAP_CHECK(h.magic == ENPU_FW_IMAGE_MAGIC && h.format == ENPU_FW_IMAGE_FORMAT &&
		  h.header_size == sizeof(h) && h.image_size == image_size,
		  "header magic 0x%x format %u size %llu", h.magic, h.format,
		  (unsigned long long)h.image_size);
	TAP_CHECK(h.fw_version == ((ENPU_FW_VERSION_MAJOR << 16) | ENPU_FW_VERSION_MINOR) &&
		  h.isa_version == ((ENPU_ISA_VERSION_MAJOR << 16) | ENPU_ISA_VERSION_MINOR) &&
		  h.hw_version == ENPU_HW_VERSION, "versions 0x%x 0x%x 0x%x",
		  h.fw_version, h.isa_version, h.hw_version);
	h.crc32 = 0;
	crc = enpu_fw_crc32(enpu_fw_crc32(0, &h, sizeof(h)), image + sizeof(h),
			    image_size - sizeof(h));
	TAP_CHECK(crc == ((const struct enpu_hw_fw_header *)image)->crc32,
		  "image CRC 0x%08x", crc);
}

static void test_protocol(void)
{
	struct guest g, g2;
	struct enpu_hw_regs *r;
	int64_t v;
	int fd;

	if (guest_open(&g, sock_a))
		goto out;
	r = g.regs;
	TAP_CHECK(r->id == ENPU_HW_ID && r->hw_version == ENPU_HW_VERSION,
		  "id 0x%x version 0x%x", r->id, r->hw_version);
	TAP_CHECK(r->bar_size == g.bar_size && r->db_peer == g.dev_id,
		  "bar_size %llu (fd %zu), db_peer %u (peer id %lld)",
		  (unsigned long long)r->bar_size, g.bar_size, r->db_peer,
		  (long long)g.dev_id);
	TAP_CHECK(r->status == ENPU_HW_STATUS_RESET, "status %u", r->status);
	TAP_CHECK(r->sq_offset >= ENPU_HW_REGS_SIZE &&
		  r->cq_offset >= r->sq_offset + r->ring_entries * sizeof(struct enpu_hw_sq_entry) &&
		  r->fw_offset >= r->cq_offset + r->ring_entries * sizeof(struct enpu_hw_cq_entry) &&
		  r->cmd_offset >= r->fw_offset + r->fw_window &&
		  r->mem_offset >= r->cmd_offset + r->cmd_size &&
		  r->mem_offset + r->mem_size <= r->bar_size &&
		  !((r->sq_offset | r->cq_offset | r->fw_offset | r->cmd_offset |
		     r->mem_offset | r->cmd_size | r->mem_size) % ENPU_HW_REGION_ALIGN) &&
		  r->fw_window >= image_size && r->mem_size > 0,
		  "regions in order, aligned, inside the BAR");
	/* a second guest on the same device is turned away */
	g2.sock = sock_connect(sock_a);
	if (TAP_CHECK(g2.sock >= 0, "second connect")) {
		TAP_CHECK(recv_msg(g2.sock, &v, &fd) == -ECONNRESET,
			  "second guest not refused");
		close(g2.sock);
	}
out:
	guest_close(&g);
}

static void test_boot(void)
{
	struct guest g;
	struct enpu_hw_regs *r;
	uint64_t hb;
	int waited = 0;

	if (guest_open(&g, sock_a))
		goto out;
	r = g.regs;
	TAP_CHECK(ctrl(&g, ENPU_HW_CMD_NOP) == 0, "NOP");
	if (boot(&g))
		goto out;
	TAP_CHECK(r->fw_version == ((const struct enpu_hw_fw_header *)image)->fw_version &&
		  r->fw_isa_version == ((ENPU_ISA_VERSION_MAJOR << 16) | ENPU_ISA_VERSION_MINOR),
		  "boot info versions 0x%x 0x%x", r->fw_version, r->fw_isa_version);
	TAP_CHECK((r->capabilities & (ENPU_HW_CAP_ISA_INT8 | ENPU_HW_CAP_PROGRESS |
				      ENPU_HW_CAP_FAULT_INJECT)) ==
		  (ENPU_HW_CAP_ISA_INT8 | ENPU_HW_CAP_PROGRESS | ENPU_HW_CAP_FAULT_INJECT),
		  "capabilities 0x%llx", (unsigned long long)r->capabilities);
	TAP_CHECK(r->num_cores == 2 && r->max_slots == ENPU_ISA_MAX_SLOTS &&
		  r->max_cmdbuf_size >= (1u << 20) && r->fault_code == 0,
		  "cores %u slots %u max cmdbuf %u", r->num_cores, r->max_slots,
		  r->max_cmdbuf_size);
	TAP_CHECK(boot_image(&g, image, image_size) == -EBUSY,
		  "BOOT while READY is refused");
	TAP_CHECK(ctrl(&g, 99) == -EINVAL, "unknown command");
	/* a masked vector is not raised; irq_status still records it */
	{
		struct pollfd p = { .fd = g.irq_fd[ENPU_HW_VEC_CTRL], .events = POLLIN };

		wait_irq(&g, ENPU_HW_VEC_CTRL, 0);
		wr32(&r->irq_mask, 1u << ENPU_HW_VEC_CTRL);
		__atomic_exchange_n(&r->irq_status, 0, __ATOMIC_SEQ_CST);
		TAP_CHECK(ctrl(&g, ENPU_HW_CMD_NOP) == 0, "NOP with the vector masked");
		TAP_CHECK(poll(&p, 1, 50) == 0, "masked vector raised");
		TAP_CHECK(rd32(&r->irq_status) & (1u << ENPU_HW_VEC_CTRL),
			  "irq_status 0x%x", rd32(&r->irq_status));
		wr32(&r->irq_mask, 0);
		TAP_CHECK(ctrl(&g, ENPU_HW_CMD_NOP) == 0, "NOP unmasked");
	}
	hb = rd64(&r->heartbeat);
	while (rd64(&r->heartbeat) < hb + 3 && waited < WAIT_MS) {
		msleep(10);
		waited += 10;
	}
	TAP_CHECK(rd64(&r->heartbeat) >= hb + 3, "heartbeat stuck at %llu",
		  (unsigned long long)rd64(&r->heartbeat));
	TAP_CHECK(ctrl(&g, ENPU_HW_CMD_RESET) == 0 && r->status == ENPU_HW_STATUS_RESET &&
		  r->heartbeat == 0 && r->fw_version == 0, "reset: status %u", r->status);
out:
	guest_close(&g);
}

#define EMPTY ((size_t)-1)

struct bad_image {
	const char *what;
	size_t size;		/* 0: image_size */
	size_t off;		/* patch at @off ... */
	uint64_t val;		/* ... with @val of @len bytes */
	int len;
	bool fix_crc;
	int fault;
	const char *msg;
};

static void test_bad_images(void)
{
	const struct enpu_hw_fw_header *h0 = (const void *)image;
	const size_t relocs = sizeof(*h0) + h0->code_size;
	const struct bad_image cases[] = {
		{ "truncated", image_size - 1, 0, 0, 0, false, ENPU_HW_FAULT_FW_SIZE, "truncated or padded" },
		{ "padded", image_size + 8, 0, 0, 0, false, ENPU_HW_FAULT_FW_SIZE, "truncated or padded" },
		{ "shorter than a header", 20, 0, 0, 0, false, ENPU_HW_FAULT_FW_SIZE, "shorter than" },
		{ "empty", EMPTY, 0, 0, 0, false, ENPU_HW_FAULT_FW_SIZE, "0 bytes" },
		{ "bad magic", 0, 0, 0x464c457f, 4, false, ENPU_HW_FAULT_FW_MAGIC, "magic 0x464c457f" },
		{ "corrupted code", 0, sizeof(*h0) + 100, 0xcc, 1, false, ENPU_HW_FAULT_FW_CHECKSUM, "CRC32" },
		{ "corrupted relocations", 0, relocs, 0xff, 1, false, ENPU_HW_FAULT_FW_CHECKSUM, "CRC32" },
		{ "format 2", 0, offsetof(struct enpu_hw_fw_header, format), 2, 2, true, ENPU_HW_FAULT_FW_FORMAT, "format 2" },
		{ "flags", 0, offsetof(struct enpu_hw_fw_header, flags), 1, 4, true, ENPU_HW_FAULT_FW_FORMAT, "flags 0x1" },
		{ "code size", 0, offsetof(struct enpu_hw_fw_header, code_size), 8, 4, true, ENPU_HW_FAULT_FW_SIZE, "code 8" },
		{ "hw contract 2.0", 0, offsetof(struct enpu_hw_fw_header, hw_version), 2 << 16, 4, true, ENPU_HW_FAULT_FW_VERSION, "hardware contract 2.0" },
		{ "ISA 2.0", 0, offsetof(struct enpu_hw_fw_header, isa_version), 2 << 16, 4, true, ENPU_HW_FAULT_FW_VERSION, "ISA 2.0" },
		{ "foreign machine", 0, offsetof(struct enpu_hw_fw_header, machine),
#if defined(__x86_64__)
		  ENPU_FW_MACHINE_AARCH64, 4, true, ENPU_HW_FAULT_FW_VERSION, "machine 183 (aarch64)" },
#else
		  ENPU_FW_MACHINE_X86_64, 4, true, ENPU_HW_FAULT_FW_VERSION, "machine 62 (x86-64)" },
#endif
		{ "entry outside", 0, offsetof(struct enpu_hw_fw_header, entry_offset), 0xfffffff8, 4, true, ENPU_HW_FAULT_FW_LOAD, "does not fit" },
		{ "entry misplaced", 0, offsetof(struct enpu_hw_fw_header, entry_offset), 0, 4, true, ENPU_HW_FAULT_FW_LOAD, "does not match the header" },
		{ "relocation outside", 0, relocs, 0x7fffffff, 8, true, ENPU_HW_FAULT_FW_LOAD, "relocation 0 at offset 0x7fffffff" },
		{ "window overflow", (2u << 20) + 1, 0, 0, 0, false, ENPU_HW_FAULT_FW_SIZE, "firmware window" },
	};
	unsigned char *buf = calloc(1, (2u << 20) + 16);
	struct guest g;

	if (!TAP_CHECK(buf, "oom") || guest_open(&g, sock_a))
		goto out_free;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_image *c = &cases[i];
		size_t n = c->size == EMPTY ? 0 : c->size ? c->size : image_size;
		int r;

		memset(buf, 0, (2u << 20) + 16);
		memcpy(buf, image, n < image_size ? n : image_size);
		if (c->len)
			memcpy(buf + c->off, &c->val, (size_t)c->len);
		if (c->fix_crc) {
			struct enpu_hw_fw_header *h = (void *)buf;

			h->crc32 = 0;
			h->crc32 = enpu_fw_crc32(0, buf, n);
		}
		r = boot_image(&g, buf, n);
		if (r == -ETIMEDOUT)
			break;
		TAP_CHECK(r == -ENOEXEC && g.regs->status == ENPU_HW_STATUS_FAULT &&
			  (int)g.regs->fault_code == c->fault,
			  "%s: result %d status %u fault %u (want %d)", c->what, r,
			  g.regs->status, g.regs->fault_code, c->fault);
		TAP_CHECK(strstr(g.regs->fault_msg, c->msg) &&
			  !strncmp(g.regs->fault_msg, "firmware image refused: ", 24),
			  "%s: message '%s' lacks '%s'", c->what, g.regs->fault_msg, c->msg);
		printf("# %-22s -> %s\n", c->what, g.regs->fault_msg);
		/* FAULT needs a reset; booting again first is refused */
		TAP_CHECK(boot_image(&g, image, image_size) == -EBUSY, "%s: boot in FAULT",
			  c->what);
		TAP_CHECK(ctrl(&g, ENPU_HW_CMD_RESET) == 0 &&
			  g.regs->status == ENPU_HW_STATUS_RESET && g.regs->fault_code == 0,
			  "%s: reset", c->what);
	}
	/* and the good image still boots */
	boot(&g);
	ctrl(&g, ENPU_HW_CMD_RESET);
	guest_close(&g);
out_free:
	free(buf);
}

static void test_digits(void)
{
	static struct enpu_hw_sq_entry sq[NJOBS];
	static struct enpu_hw_cq_entry cq[NJOBS];
	uint64_t out_off[NJOBS], progress = 0, per_core = 0;
	bool seen[NJOBS + 1] = { false };
	struct timespec t0, t1;
	uint64_t dev_us = 0;
	double rt_us = 0, dev1_us = 0;
	struct guest g;
	int i, got;

	if (!TAP_CHECK(prog, "no compiled model") || guest_open(&g, sock_a))
		goto out;
	if (boot(&g))
		goto out;
	place_jobs(&g, 0, NJOBS, sq, out_off);
	/* half one by one, half as one batch behind a single doorbell */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < NJOBS / 2; i++)
		submit(&g, &sq[i], 1);
	submit(&g, &sq[NJOBS / 2], NJOBS - NJOBS / 2);
	got = reap(&g, cq, NJOBS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < got; i++)
		dev_us += cq[i].duration_us;
	printf("# %d jobs: %.0f us wall from first submit to last completion, %.0f us per job on a core (mean)\n",
	       got, (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3,
	       got ? (double)dev_us / got : 0.0);
	/* one job at a time: the round trip doorbell -> core -> vector */
	for (i = 0; i < 8; i++) {
		struct enpu_hw_cq_entry one;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		run_one(&g, &sq[i], &one);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		rt_us += (double)(t1.tv_sec - t0.tv_sec) * 1e6 +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
		dev1_us += one.duration_us;
	}
	printf("# one job at a time: %.0f us round trip, %.0f us of it on the core (mean of 8)\n",
	       rt_us / 8, dev1_us / 8);
	TAP_CHECK(got == NJOBS, "%d of %d completions", got, NJOBS);
	for (i = 0; i < got; i++) {
		uint64_t id = cq[i].job_id;

		if (!TAP_CHECK(id >= 1 && id <= NJOBS && !seen[id], "bad or repeated job_id %llu",
			       (unsigned long long)id))
			continue;
		seen[id] = true;
		TAP_CHECK(cq[i].status == 0 && cq[i].core < 2, "job %llu: status %d core %u",
			  (unsigned long long)id, cq[i].status, cq[i].core);
	}
	for (i = 0; i < 2; i++) {
		progress += rd64(&g.regs->core[i].progress);
		per_core += rd64(&g.regs->core[i].jobs_done);
		printf("# core %d: %llu jobs, progress %llu\n", i,
		       (unsigned long long)g.regs->core[i].jobs_done,
		       (unsigned long long)g.regs->core[i].progress);
	}
	TAP_CHECK(per_core == NJOBS + 8 && rd64(&g.regs->jobs_done) == NJOBS + 8 &&
		  progress >= NJOBS && rd32(&g.regs->sq_head) == NJOBS + 8,
		  "counters: per core %llu total %llu progress %llu sq_head %u",
		  (unsigned long long)per_core,
		  (unsigned long long)g.regs->jobs_done,
		  (unsigned long long)progress, g.regs->sq_head);
	check_outputs(&g, 0, NJOBS, out_off);
	ctrl(&g, ENPU_HW_CMD_RESET);
out:
	guest_close(&g);
}

/* A job built from a good one by @patch; expect @status. */
struct hostile {
	const char *what;
	int status;
};

static void test_hostile_jobs(void)
{
	struct enpu_hw_sq_entry good, e;
	struct enpu_hw_cq_entry c;
	struct enpu_hw_slot *st;
	uint64_t out_off, save;
	struct guest g;
	struct enpu_hw_regs *r;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int i, n, st_r;

	if (!TAP_CHECK(prog, "no compiled model") || guest_open(&g, sock_a))
		goto out;
	r = g.regs;
	if (boot(&g))
		goto out;
	place_jobs(&g, 3, 1, &good, &out_off);
	st = (struct enpu_hw_slot *)(g.bar + good.slots_offset);

#define HOSTILE(desc, want, ...) do { \
		e = good; \
		__VA_ARGS__; \
		st_r = run_one(&g, &e, &c); \
		TAP_CHECK(st_r == (want), "%s: status %d, want %d", desc, st_r, want); \
	} while (0)
	HOSTILE("job_id 0", -EINVAL, e.job_id = 0);
	HOSTILE("flags", -EINVAL, e.flags = 1);
	HOSTILE("reserved", -EINVAL, e.reserved[6] = 1);
	HOSTILE("misaligned cmdbuf", -EINVAL, e.cmdbuf_offset += 4);
	HOSTILE("cmdbuf smaller than a header", -EINVAL, e.cmdbuf_size = 71);
	HOSTILE("cmdbuf too large", -E2BIG, e.cmdbuf_size = r->max_cmdbuf_size + 8);
	HOSTILE("cmdbuf in device memory", -EFAULT, e.cmdbuf_offset = r->mem_offset);
	HOSTILE("cmdbuf in the registers", -EFAULT, e.cmdbuf_offset = 0);
	HOSTILE("cmdbuf past the BAR", -EFAULT, e.cmdbuf_offset = 1ull << 63);
	HOSTILE("cmdbuf wrapping", -EFAULT,
		e.cmdbuf_offset = r->cmd_offset + r->cmd_size - 64);
	HOSTILE("0 slots", -EINVAL, e.num_slots = 0);
	HOSTILE("65 slots", -EINVAL, e.num_slots = ENPU_ISA_MAX_SLOTS + 1);
	HOSTILE("slot table outside", -EFAULT, e.slots_offset = r->mem_offset + 64);
	HOSTILE("slot count vs header", -EINVAL, e.num_slots = good.num_slots - 1);

	/* slots: each corrupted in the table, restored after */
#define HOSTILE_SLOT(desc, want, s, field, v) do { \
		save = st[s].field; \
		st[s].field = (v); \
		st_r = run_one(&g, &good, &c); \
		st[s].field = save; \
		TAP_CHECK(st_r == (want), "%s: status %d, want %d", desc, st_r, want); \
	} while (0)
	HOSTILE_SLOT("slot in the registers", -EFAULT, QPROG_SLOT_IO, offset, 0);
	HOSTILE_SLOT("slot in the command region", -EFAULT, QPROG_SLOT_IO, offset,
		     r->cmd_offset);
	HOSTILE_SLOT("slot past the BAR", -EFAULT, QPROG_SLOT_IO + 1, offset,
		     r->bar_size - 8);
	HOSTILE_SLOT("slot size overflow", -EFAULT, QPROG_SLOT_CONST, size, ~0ull);
	HOSTILE_SLOT("slot too small", -EOVERFLOW, QPROG_SLOT_ARENA, size, 16);
	TAP_CHECK(c.op != 0xffffffffu || c.tensor != 0xffffffffu,
		  "too-small slot names no op/tensor");
	/* a corrupted command buffer (in the command region) */
	save = *(uint32_t *)(g.bar + good.cmdbuf_offset);
	*(uint32_t *)(g.bar + good.cmdbuf_offset) = 0xdeadbeef;
	st_r = run_one(&g, &good, &c);
	*(uint32_t *)(g.bar + good.cmdbuf_offset) = (uint32_t)save;
	TAP_CHECK(st_r == -EINVAL || st_r == -EOPNOTSUPP, "bad cmdbuf magic: %d", st_r);

	/* seeded random garbage entries: each completes with an error */
	for (i = 0, n = 0; i < 200; i++) {
		uint64_t *w = (uint64_t *)&e;

		for (size_t k = 0; k < sizeof(e) / 8; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			w[k] = seed;
		}
		if (i % 2) {	/* half of them near-plausible */
			e.flags = 0;
			memset(e.reserved, 0, sizeof(e.reserved));
			e.cmdbuf_offset = r->cmd_offset + (seed % r->cmd_size & ~7ull);
			e.slots_offset = good.slots_offset;
			e.num_slots = good.num_slots;
			e.cmdbuf_size = (uint32_t)(seed >> 40) % 4096 + 72;
		}
		e.job_id |= 1;
		st_r = run_one(&g, &e, &c);
		n += st_r != 0;
	}
	TAP_CHECK(n == 200, "%d of 200 garbage jobs failed", n);
	TAP_CHECK(r->status == ENPU_HW_STATUS_READY, "status %u after hostile jobs",
		  r->status);
	/* and a good job still gives the right answer */
	memset(g.bar + out_off, 0xee, prog->outputs[0].qbytes);
	TAP_CHECK(run_one(&g, &good, &c) == 0, "good job after hostile ones: %d", c.status);
	check_outputs(&g, 3, 1, &out_off);
	ctrl(&g, ENPU_HW_CMD_RESET);
out:
	guest_close(&g);
}

static void test_ring_corruption(void)
{
	struct enpu_hw_sq_entry job;
	struct enpu_hw_cq_entry c;
	uint64_t out_off;
	struct guest g;
	int waited = 0;

	if (!TAP_CHECK(prog, "no compiled model") || guest_open(&g, sock_a))
		goto out;
	if (boot(&g))
		goto out;
	wr32(&g.regs->sq_tail, g.regs->ring_entries + 5);
	ring(&g, ENPU_HW_DB_SQ);
	while (rd32(&g.regs->status) != ENPU_HW_STATUS_FAULT && waited < WAIT_MS) {
		wait_irq(&g, ENPU_HW_VEC_CTRL, 100);
		waited += 100;
	}
	TAP_CHECK(g.regs->status == ENPU_HW_STATUS_FAULT &&
		  g.regs->fault_code == ENPU_HW_FAULT_RING &&
		  strstr(g.regs->fault_msg, "sq_tail 261 is 261 entries past sq_head 0"),
		  "status %u fault %u: %s", g.regs->status, g.regs->fault_code,
		  g.regs->fault_msg);
	TAP_CHECK(ctrl(&g, ENPU_HW_CMD_RESET) == 0 && g.regs->sq_tail == 0 &&
		  g.regs->sq_head == 0, "reset clears the rings");
	if (boot(&g))
		goto out;
	place_jobs(&g, 5, 1, &job, &out_off);
	TAP_CHECK(run_one(&g, &job, &c) == 0, "job after ring fault: %d", c.status);
	check_outputs(&g, 5, 1, &out_off);

	/* cq_head ahead of cq_tail: fault, not a wait forever */
	wr32(&g.regs->cq_head, 1000);
	submit(&g, &job, 1);
	waited = 0;
	while (rd32(&g.regs->status) != ENPU_HW_STATUS_FAULT && waited < WAIT_MS) {
		wait_irq(&g, ENPU_HW_VEC_CTRL, 100);
		waited += 100;
	}
	TAP_CHECK(g.regs->fault_code == ENPU_HW_FAULT_RING &&
		  strstr(g.regs->fault_msg, "cq_head 1000"), "cq_head: %s",
		  g.regs->fault_msg);
	ctrl(&g, ENPU_HW_CMD_RESET);
out:
	guest_close(&g);
}

static void test_hang_reset_reboot(void)
{
	struct enpu_hw_sq_entry job[3];
	struct enpu_hw_cq_entry c;
	uint64_t out_off[3], p0, hb;
	struct guest g;
	int waited = 0;

	if (!TAP_CHECK(prog, "no compiled model") || guest_open(&g, sock_a))
		goto out;
	if (boot(&g))
		goto out;
	place_jobs(&g, 7, 3, job, out_off);
	/* a hung job: core busy, progress frozen, heartbeat alive */
	wr32(&g.regs->debug, ENPU_HW_DEBUG_HANG_JOBS);
	submit(&g, job, 1);
	while (!rd64(&g.regs->core[0].job_id) && !rd64(&g.regs->core[1].job_id) &&
	       waited < WAIT_MS) {
		msleep(5);
		waited += 5;
	}
	TAP_CHECK(rd64(&g.regs->core[0].job_id) == job[0].job_id ||
		  rd64(&g.regs->core[1].job_id) == job[0].job_id, "hung job on no core");
	p0 = rd64(&g.regs->core[0].progress) + rd64(&g.regs->core[1].progress);
	hb = rd64(&g.regs->heartbeat);
	msleep(50);
	TAP_CHECK(rd64(&g.regs->core[0].progress) + rd64(&g.regs->core[1].progress) == p0,
		  "a hung job made progress");
	TAP_CHECK(rd32(&g.regs->cq_tail) == 0, "a hung job completed");
	waited = 0;
	while (rd64(&g.regs->heartbeat) == hb && waited < WAIT_MS) {
		msleep(5);
		waited += 5;
	}
	TAP_CHECK(rd64(&g.regs->heartbeat) > hb, "heartbeat stopped with a hung job");
	/* reset: the hung job is dropped, no completion */
	TAP_CHECK(ctrl(&g, ENPU_HW_CMD_RESET) == 0, "reset with a hung job");
	TAP_CHECK(g.regs->status == ENPU_HW_STATUS_RESET && g.regs->cq_tail == 0 &&
		  g.regs->sq_head == 0 && g.regs->debug == 0 &&
		  g.regs->core[0].job_id == 0 && g.regs->core[1].job_id == 0,
		  "state after reset");
	/* reboot, jobs run again */
	if (boot(&g))
		goto out;
	TAP_CHECK(run_one(&g, &job[1], &c) == 0, "job after reboot: %d", c.status);
	check_outputs(&g, 8, 1, &out_off[1]);

	/* stalled heartbeat */
	wr32(&g.regs->debug, ENPU_HW_DEBUG_STALL_HEARTBEAT);
	msleep(3 * ENPU_HW_HEARTBEAT_MS);
	hb = rd64(&g.regs->heartbeat);
	msleep(10 * ENPU_HW_HEARTBEAT_MS);
	TAP_CHECK(rd64(&g.regs->heartbeat) == hb, "stalled heartbeat advanced");
	wr32(&g.regs->debug, 0);
	waited = 0;
	while (rd64(&g.regs->heartbeat) == hb && waited < WAIT_MS) {
		msleep(5);
		waited += 5;
	}
	TAP_CHECK(rd64(&g.regs->heartbeat) > hb, "heartbeat did not resume");

	/* a corrupted completion record: the driver must catch it */
	wr32(&g.regs->debug, ENPU_HW_DEBUG_CORRUPT_CQ);
	submit(&g, &job[2], 1);
	while (rd32(&g.regs->cq_tail) == g.cq_head && waited < 2 * WAIT_MS) {
		wait_irq(&g, ENPU_HW_VEC_CQ, 100);
		waited += 100;
	}
	memcpy(&c, g.bar + g.regs->cq_offset +
	       (g.cq_head % g.regs->ring_entries) * sizeof(c), sizeof(c));
	TAP_CHECK(c.seq != g.cq_head && c.job_id != job[2].job_id,
		  "corrupted record looks valid: seq %u job %llu", c.seq,
		  (unsigned long long)c.job_id);
	TAP_CHECK(g.regs->debug == 0, "CORRUPT_CQ is one-shot");
	ctrl(&g, ENPU_HW_CMD_RESET);
out:
	guest_close(&g);
}

/* An upgraded image (version 1.0 -> 1.7 in header and entry table) boots after a reset. */
static void test_upgrade(void)
{
	const struct enpu_hw_fw_header *h0 = (const void *)image;
	unsigned char *up = malloc(image_size);
	struct enpu_hw_fw_header *h = (void *)up;
	struct enpu_fw_entry *ent;
	struct enpu_hw_sq_entry job;
	struct enpu_hw_cq_entry c;
	uint64_t out_off;
	struct guest g;

	if (!TAP_CHECK(up && prog, "setup") || guest_open(&g, sock_b))
		goto out;
	memcpy(up, image, image_size);
	ent = (struct enpu_fw_entry *)(up + sizeof(*h) + h0->entry_offset);
	h->fw_version = ent->fw_version = (h0->fw_version & ~0xffffu) | 7;
	h->crc32 = 0;
	h->crc32 = enpu_fw_crc32(0, up, image_size);
	if (boot(&g))
		goto out;
	TAP_CHECK(g.regs->fw_version == h0->fw_version, "first image 0x%x", g.regs->fw_version);
	/* the entry table must agree with the header */
	ent->fw_version = h0->fw_version;
	h->crc32 = 0;
	h->crc32 = enpu_fw_crc32(0, up, image_size);
	TAP_CHECK(ctrl(&g, ENPU_HW_CMD_RESET) == 0, "reset");
	TAP_CHECK(boot_image(&g, up, image_size) == -ENOEXEC &&
		  g.regs->fault_code == ENPU_HW_FAULT_FW_LOAD, "entry/header mismatch: %s",
		  g.regs->fault_msg);
	ent->fw_version = h->fw_version;
	h->crc32 = 0;
	h->crc32 = enpu_fw_crc32(0, up, image_size);
	TAP_CHECK(ctrl(&g, ENPU_HW_CMD_RESET) == 0, "reset");
	TAP_CHECK(boot_image(&g, up, image_size) == 0 &&
		  g.regs->status == ENPU_HW_STATUS_READY &&
		  g.regs->fw_version == h->fw_version, "upgraded image: status %u version 0x%x: %s",
		  g.regs->status, g.regs->fw_version, g.regs->fault_msg);
	g.cq_head = 0;
	place_jobs(&g, 30, 1, &job, &out_off);
	TAP_CHECK(run_one(&g, &job, &c) == 0, "job on the upgraded image: %d", c.status);
	check_outputs(&g, 30, 1, &out_off);
	ctrl(&g, ENPU_HW_CMD_RESET);
out:
	guest_close(&g);
	free(up);
}

static void test_no_fault_injection(void)
{
	struct guest g;
	uint64_t hb;
	int waited = 0;

	if (guest_open(&g, sock_c))
		goto out;
	if (boot(&g))
		goto out;
	TAP_CHECK(!(g.regs->capabilities & ENPU_HW_CAP_FAULT_INJECT), "capabilities 0x%llx",
		  (unsigned long long)g.regs->capabilities);
	wr32(&g.regs->debug, ENPU_HW_DEBUG_STALL_HEARTBEAT);
	hb = rd64(&g.regs->heartbeat);
	while (rd64(&g.regs->heartbeat) < hb + 2 && waited < WAIT_MS) {
		msleep(10);
		waited += 10;
	}
	TAP_CHECK(rd64(&g.regs->heartbeat) >= hb + 2,
		  "debug register honoured without --faults");
out:
	guest_close(&g);
}

static void test_reconnect(void)
{
	struct guest g;

	if (guest_open(&g, sock_c))
		goto out;
	TAP_CHECK(g.regs->status == ENPU_HW_STATUS_RESET,
		  "status %u after the guest went away", g.regs->status);
	TAP_CHECK(g.regs->ctrl_ack == 0 && g.regs->ctrl_seq == 0, "control state cleared");
	boot(&g);
out:
	guest_close(&g);
}

static void test_two_devices(void)
{
	struct enpu_hw_sq_entry ja[4], jb[4];
	struct enpu_hw_cq_entry ca[4], cb[4];
	uint64_t oa[4], ob[4];
	struct guest a, b;

	if (!TAP_CHECK(prog, "no compiled model"))
		return;
	if (guest_open(&a, sock_a) || guest_open(&b, sock_b))
		goto out;
	TAP_CHECK(a.bar != b.bar && a.regs->status == ENPU_HW_STATUS_RESET &&
		  b.regs->status == ENPU_HW_STATUS_RESET, "two devices");
	if (boot(&a) || boot(&b))
		goto out;
	place_jobs(&a, 10, 4, ja, oa);
	place_jobs(&b, 20, 4, jb, ob);
	a.bar[a.regs->mem_offset + a.regs->mem_size - 1] = 0x11;
	b.bar[b.regs->mem_offset + b.regs->mem_size - 1] = 0x22;
	submit(&a, ja, 4);
	submit(&b, jb, 4);
	TAP_CHECK(reap(&a, ca, 4) == 4 && reap(&b, cb, 4) == 4, "completions");
	for (int i = 0; i < 4; i++)
		TAP_CHECK(ca[i].status == 0 && cb[i].status == 0, "status %d %d",
			  ca[i].status, cb[i].status);
	TAP_CHECK(a.bar[a.regs->mem_offset + a.regs->mem_size - 1] == 0x11 &&
		  b.bar[b.regs->mem_offset + b.regs->mem_size - 1] == 0x22,
		  "device memories are separate");
	check_outputs(&a, 10, 4, oa);
	check_outputs(&b, 20, 4, ob);
	ctrl(&a, ENPU_HW_CMD_RESET);
	ctrl(&b, ENPU_HW_CMD_RESET);
out:
	guest_close(&a);
	guest_close(&b);
}

static void test_bad_options(void)
{
	static const char *const cases[][3] = {
		{ "--bar-size", "24M", "power of two" },
		{ "--cores", "17", "17 cores" },
		{ "--ring-entries", "100", "100 ring entries" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char cmd[512];
		FILE *f;
		char out[512] = { 0 };
		int st;

		snprintf(cmd, sizeof(cmd), "%s --socket %s/x.sock %s %s 2>&1",
			 devmodel_bin, tmpdir, cases[i][0], cases[i][1]);
		f = popen(cmd, "r");
		if (!TAP_CHECK(f, "popen"))
			continue;
		if (!fread(out, 1, sizeof(out) - 1, f))
			out[0] = 0;
		st = pclose(f);
		TAP_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1 && strstr(out, cases[i][2]),
			  "%s %s: exit %d, '%s'", cases[i][0], cases[i][1], st, out);
	}
}

static void test_stop(void)
{
	int a = stop_devmodel(&dm_faults), b = stop_devmodel(&dm_plain);

	TAP_CHECK(a == 0 && b == 0, "exit status %d %d", a, b);
	TAP_CHECK(access(sock_a, F_OK) && access(sock_c, F_OK), "sockets left behind");
}

static int read_image(void)
{
	FILE *f = fopen(image_path, "rb");
	long n;

	if (!f)
		return -errno;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	image = malloc((size_t)n);
	image_size = (size_t)n;
	if (!image || fread(image, 1, image_size, f) != image_size) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: test_devmodel ENPU-DEVMODEL FIRMWARE-IMAGE\n");
		return 2;
	}
	devmodel_bin = argv[1];
	image_path = argv[2];
	signal(SIGPIPE, SIG_IGN);
	if (read_image()) {
		printf("# cannot read %s\n", image_path);
		return tap_done("devmodel");
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/enpu-devmodel-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("# mkdtemp failed\n");
		return tap_done("devmodel");
	}
	snprintf(sock_a, sizeof(sock_a), "%s/a.sock", tmpdir);
	snprintf(sock_b, sizeof(sock_b), "%s/b.sock", tmpdir);
	snprintf(sock_c, sizeof(sock_c), "%s/c.sock", tmpdir);
	if (start_devmodel(&dm_faults, (const char *const[]){
		"--faults", "-v", "--socket", sock_a, "--socket", sock_b, NULL }) ||
	    start_devmodel(&dm_plain, (const char *const[]){
		"--cores", "1", "--bar-size", "16M", "--socket", sock_c, NULL })) {
		printf("# cannot start %s\n", devmodel_bin);
		stop_devmodel(&dm_faults);
		return tap_done("devmodel");
	}
	err = accel_npy_read("models/digits_test_x.npy", &test_x);
	if (err || compile_digits())
		printf("# digits model: %d\n", err);

	tap_run("crc32 known answers", test_crc32);
	tap_run("image header", test_image_header);
	tap_run("ivshmem protocol and layout", test_protocol);
	tap_run("boot handshake, heartbeat, reset", test_boot);
	tap_run("bad images refused with a precise fault", test_bad_images);
	tap_run("digits jobs through the ring, bit-identical to the CPU backend", test_digits);
	tap_run("hostile jobs complete with errors", test_hostile_jobs);
	tap_run("ring corruption faults, reset recovers", test_ring_corruption);
	tap_run("hung job, reset, reboot, stalled heartbeat, corrupt completion",
		test_hang_reset_reboot);
	tap_run("an upgraded image boots after reset", test_upgrade);
	tap_run("debug register ignored without --faults", test_no_fault_injection);
	tap_run("guest reconnects to a reset device", test_reconnect);
	tap_run("two devices in one process", test_two_devices);
	tap_run("bad options", test_bad_options);

	tap_run("devmodel exits cleanly on SIGTERM", test_stop);
	rmdir(tmpdir);
	qprog_free(prog);
	accel_tensor_release(&test_x);
	free(image);
	return tap_done("devmodel");
}
