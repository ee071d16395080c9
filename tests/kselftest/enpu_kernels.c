// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu kselftest: the firmware's kernel variants in the soft engine.
 *
 *  - the variant the engine runs (debugfs counters, "kernels:") is the one
 *    the module parameter kernels= named, unless that was "auto";
 *  - LUT jobs (the op with a variant kernel of its own, avx2) of every
 *    length up to 100, around the vector widths and past the kernel's
 *    yield chunk, for every input/output type pair, clamped or not, match
 *    a reference computed here, bit for bit;
 *  - ns per job of a LUT, a fully-connected and a conv2d job, printed as
 *    comments (figures only, nothing is asserted on them).
 */
#include "enpu_test.h"
#include "kselftest_harness.h"

#define SEC		1000000000ll
#define MAX_TENSORS	4

/* A command buffer of one operation; slot i holds tensor i. */
struct kjob {
	struct enpu_tensor t[MAX_TENSORS];
	uint32_t nt;
	struct enpu_op op;
	int quant;		/* one entry: multiplier 2^30, shift 12 */
	uint64_t bo_size[MAX_TENSORS];
};

static void kj_tensor(struct kjob *j, uint8_t dtype, uint32_t rank,
		      uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3)
{
	struct enpu_tensor *t = &j->t[j->nt];

	memset(t, 0, sizeof(*t));
	t->slot = j->nt;
	t->dtype = dtype;
	t->rank = rank;
	t->dims[0] = d0;
	t->dims[1] = d1;
	t->dims[2] = d2;
	t->dims[3] = d3;
	j->bo_size[j->nt] = (uint64_t)d0 * d1 * d2 * d3;
	j->nt++;
}

/* in[0] = tensor 0, in[1] = tensor 1, out = the last tensor. */
static void kj_op(struct kjob *j, uint32_t opcode)
{
	int32_t lo = j->t[j->nt - 1].dtype == ENPU_DTYPE_S8 ? -128 : 0;

	memset(&j->op, 0, sizeof(j->op));
	j->op.opcode = opcode;
	j->op.in[0] = 0;
	j->op.in[1] = 1;
	j->op.in[2] = ENPU_NO_TENSOR;
	j->op.out = j->nt - 1;
	j->op.act_min = lo;
	j->op.act_max = lo + 255;
	j->op.quant_count = j->quant ? 1 : 0;
}

/* Serialize: header, tensors, the op, quant.  malloc()ed. */
static uint8_t *kj_build(const struct kjob *j, uint32_t *size)
{
	struct enpu_cmdbuf_header h;
	struct enpu_quant q;
	uint8_t *cb;

	memset(&h, 0, sizeof(h));
	h.magic = ENPU_ISA_MAGIC;
	h.version_major = ENPU_ISA_VERSION_MAJOR;
	h.version_minor = ENPU_ISA_VERSION_MINOR;
	h.header_size = sizeof(h);
	h.num_slots = j->nt;
	h.tensor_offset = sizeof(h);
	h.tensor_size = sizeof(struct enpu_tensor);
	h.num_tensors = j->nt;
	h.op_offset = h.tensor_offset + j->nt * sizeof(struct enpu_tensor);
	h.op_size = sizeof(struct enpu_op);
	h.num_ops = 1;
	h.quant_offset = h.op_offset + sizeof(struct enpu_op);
	h.quant_size = sizeof(struct enpu_quant);
	h.num_quant = j->quant ? 1 : 0;
	h.total_size = h.quant_offset + h.num_quant * sizeof(q);
	cb = calloc(1, h.total_size);
	if (!cb)
		return NULL;
	memcpy(cb, &h, sizeof(h));
	memcpy(cb + h.tensor_offset, j->t, j->nt * sizeof(struct enpu_tensor));
	memcpy(cb + h.op_offset, &j->op, sizeof(j->op));
	if (j->quant) {
		memset(&q, 0, sizeof(q));
		q.multiplier = 1 << 30;
		q.shift = 12;
		memcpy(cb + h.quant_offset, &q, sizeof(q));
	}
	*size = h.total_size;
	return cb;
}

/* The BOs of a job, created and mapped. */
struct kbos {
	uint32_t bo[MAX_TENSORS];
	uint8_t *map[MAX_TENSORS];
	uint32_t n;
};

static int kb_init(int fd, const struct kjob *j, struct kbos *b)
{
	uint32_t i;

	b->n = j->nt;
	for (i = 0; i < j->nt; i++) {
		if (enpu_bo_create(fd, j->bo_size[i], &b->bo[i]))
			return -1;
		b->map[i] = enpu_bo_map(fd, b->bo[i], j->bo_size[i]);
		if (!b->map[i])
			return -1;
	}
	return 0;
}

static void kb_unmap(const struct kjob *j, struct kbos *b)
{
	uint32_t i;

	for (i = 0; i < b->n; i++)
		munmap(b->map[i], j->bo_size[i]);
}

/* Submit @reps copies of the job one after the other; status of the last. */
static int kj_run(int fd, const struct kjob *j, const struct kbos *b,
		  uint32_t reps, int64_t *ns)
{
	struct drm_enpu_submit s;
	uint32_t size = 0, r;
	int32_t status = -1;
	int64_t t0;
	uint8_t *cb = kj_build(j, &size);

	if (!cb)
		return -ENOMEM;
	t0 = enpu_now_ns();
	for (r = 0; r < reps; r++) {
		memset(&s, 0, sizeof(s));
		s.cmdbuf_ptr = (uintptr_t)cb;
		s.cmdbuf_size = size;
		s.bo_handles = (uintptr_t)b->bo;
		s.bo_count = j->nt;
		s.bo_handle_size = sizeof(uint32_t);
		if (enpu_ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s) ||
		    enpu_wait(fd, s.job_id, 300 * SEC, &status)) {
			status = -EIO;
			break;
		}
		if (status)
			break;
	}
	if (ns)
		*ns = (enpu_now_ns() - t0) / (reps ? reps : 1);
	free(cb);
	return status;
}

/* The "key: value" line of the debugfs counters as a string, or "". */
static void counters_str(const char *key, char *out, size_t len)
{
	const char *dir = enpu_debugfs_dir("counters");
	char path[320], buf[2048] = { 0 }, *p;
	int fd;

	out[0] = 0;
	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/counters", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	if (read(fd, buf, sizeof(buf) - 1) > 0) {
		p = strstr(buf, key);
		if (p)
			sscanf(p + strlen(key), " %63s", out);
	}
	close(fd);
	(void)len;
}

TEST(variant_is_the_parameter)
{
	char param[64] = "", running[64] = "";
	FILE *f = fopen("/sys/module/enpu/parameters/kernels", "r");
	int fd;

	ENPU_OPEN_DEVICE(fd, return);
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%63s", param));
	fclose(f);
	counters_str("kernels:", running, sizeof(running));
	printf("# kernels=%s: the engine runs the %s kernels\n", param,
	       running);
	ASSERT_NE(0, running[0]);
	if (strcmp(param, "auto"))
		EXPECT_STREQ(param, running);
	close(fd);
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 24;
}

/* One LUT job of @n elements; the number of outputs that differ. */
static uint32_t lut_case(struct __test_metadata *_metadata, int fd,
			 uint32_t n, uint8_t xt, uint8_t yt, int clamp,
			 uint32_t seed)
{
	struct kjob j = { .quant = 0 };
	struct kbos b;
	uint32_t i, bad = 0;
	int32_t lo, hi;

	kj_tensor(&j, xt, 1, n, 1, 1, 1);
	kj_tensor(&j, yt, 1, 256, 1, 1, 1);
	kj_tensor(&j, yt, 1, n, 1, 1, 1);
	kj_op(&j, ENPU_OP_LUT);
	if (clamp) {
		j.op.act_min = yt == ENPU_DTYPE_S8 ? -90 : 30;
		j.op.act_max = yt == ENPU_DTYPE_S8 ? 80 : 220;
	}
	lo = j.op.act_min;
	hi = j.op.act_max;
	if (kb_init(fd, &j, &b)) {
		TH_LOG("LUT of %u: BOs", n);
		return n + 1;
	}
	for (i = 0; i < n; i++)
		b.map[0][i] = lcg(&seed);
	for (i = 0; i < 256; i++)
		b.map[1][i] = lcg(&seed);
	memset(b.map[2], 0x5a, n);
	if (kj_run(fd, &j, &b, 1, NULL)) {
		TH_LOG("LUT of %u failed", n);
		kb_unmap(&j, &b);
		return n + 1;
	}
	for (i = 0; i < n; i++) {
		/* table index: the input value + 128 (S8) or the value (U8) */
		uint8_t x = b.map[0][i] ^ (xt == ENPU_DTYPE_S8 ? 0x80 : 0);
		int32_t v = yt == ENPU_DTYPE_S8 ? (int8_t)b.map[1][x] :
						  b.map[1][x];

		v = v < lo ? lo : v > hi ? hi : v;
		if (b.map[2][i] != (uint8_t)v)
			bad++;
	}
	kb_unmap(&j, &b);
	return bad;
}

TEST(lut_lengths_bit_exact)
{
	static const uint32_t more[] = { 127, 128, 129, 255, 256, 257, 4099,
					 65536 + 33, 1u << 20 };
	uint32_t i, n, bad, total = 0, cases = 0;
	int fd;

	ENPU_OPEN_DEVICE(fd, return);
	for (i = 0; i < 100 + ARRAY_SIZE(more); i++) {
		n = i < 100 ? i + 1 : more[i - 100];
		bad = lut_case(_metadata, fd, n, i & 1 ? ENPU_DTYPE_S8 :
			       ENPU_DTYPE_U8, i & 2 ? ENPU_DTYPE_S8 :
			       ENPU_DTYPE_U8, i & 4, 1000 + i);
		if (bad)
			TH_LOG("LUT of %u (case %u): %u outputs differ", n, i,
			       bad);
		total += bad;
		cases++;
	}
	printf("# %u LUT jobs compared\n", cases);
	EXPECT_EQ(0, total);
	close(fd);
}

/* ns per job of a few shapes: figures for the kernel variants. */
TEST(bench)
{
	char running[64] = "";
	struct kjob lut = { .quant = 0 }, fc = { .quant = 1 },
		    conv = { .quant = 1 };
	struct {
		const char *name;
		struct kjob *j;
		uint32_t reps;
	} b[] = {
		{ "lut 1M elements", &lut, 20 },
		{ "fully_connected 64x512x512", &fc, 8 },
		{ "conv2d 3x3 32->32 ch 32x32", &conv, 8 },
	};
	struct kbos bos;
	int64_t ns;
	uint32_t i, k;
	int fd;

	ENPU_OPEN_DEVICE(fd, return);
	counters_str("kernels:", running, sizeof(running));
	kj_tensor(&lut, ENPU_DTYPE_S8, 1, 1u << 20, 1, 1, 1);
	kj_tensor(&lut, ENPU_DTYPE_S8, 1, 256, 1, 1, 1);
	kj_tensor(&lut, ENPU_DTYPE_S8, 1, 1u << 20, 1, 1, 1);
	kj_op(&lut, ENPU_OP_LUT);
	kj_tensor(&fc, ENPU_DTYPE_S8, 2, 64, 512, 1, 1);
	kj_tensor(&fc, ENPU_DTYPE_S8, 2, 512, 512, 1, 1);
	kj_tensor(&fc, ENPU_DTYPE_S8, 2, 64, 512, 1, 1);
	kj_op(&fc, ENPU_OP_FULLY_CONNECTED);
	kj_tensor(&conv, ENPU_DTYPE_S8, 4, 1, 32, 32, 32);
	kj_tensor(&conv, ENPU_DTYPE_S8, 4, 32, 32, 3, 3);
	kj_tensor(&conv, ENPU_DTYPE_S8, 4, 1, 32, 30, 30);
	kj_op(&conv, ENPU_OP_CONV2D);
	conv.op.params.conv.stride_h = 1;
	conv.op.params.conv.stride_w = 1;
	conv.op.params.conv.dilation_h = 1;
	conv.op.params.conv.dilation_w = 1;
	conv.op.params.conv.groups = 1;
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		ASSERT_EQ(0, kb_init(fd, b[i].j, &bos));
		for (k = 0; k < bos.n; k++)
			memset(bos.map[k], 0x11 * (k + 1), b[i].j->bo_size[k]);
		EXPECT_EQ(0, kj_run(fd, b[i].j, &bos, b[i].reps, &ns));
		printf("# bench [%s] %s: %lld ns/job (%u jobs)\n", running,
		       b[i].name, (long long)ns, b[i].reps);
		kb_unmap(b[i].j, &bos);
	}
	close(fd);
}

TEST_HARNESS_MAIN
