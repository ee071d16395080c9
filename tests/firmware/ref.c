// SPDX-License-Identifier: MIT
/*
 * Naive reference for the ENPU ISA and a command-buffer builder.  Written
 * from the header's text, deliberately without the firmware's tricks: every
 * element is fetched by its full multi-dimensional index, padding is
 * materialised as the zero point, requantization is exact rational arithmetic
 * in 128 bits (floor division, then an explicit comparison of the remainder
 * with half the divisor).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"

unsigned long ref_stat_saturated;

int32_t ref_sat32(__int128 v)
{
	if (v > INT32_MAX) {
		ref_stat_saturated++;
		return INT32_MAX;
	}
	if (v < INT32_MIN) {
		ref_stat_saturated++;
		return INT32_MIN;
	}
	return (int32_t)v;
}

int64_t ref_requant(int64_t acc, int32_t mult, int32_t shift, int half_up)
{
	/* exact rational p / den with den = 2^(31 + shift), in 128 bits */
	__int128 p = (__int128)acc * mult;
	__int128 den = (__int128)1 << (31 + shift);
	__int128 q = p / den, r = p % den;	/* truncating division */

	if (r < 0) {			/* make it floor division */
		q -= 1;
		r += den;
	}
	/* now p = q * den + r with 0 <= r < den; compare r with den / 2 */
	if (2 * r > den || (2 * r == den && (half_up || q % 2 != 0)))
		q += 1;
	return (int64_t)q;
}

int32_t ref_out(int64_t acc32, const struct enpu_quant *q, int32_t zp,
		int32_t lo, int32_t hi, int half_up)
{
	int64_t v = ref_requant(acc32, q->multiplier, q->shift, half_up) + zp;

	return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* --- builder ----------------------------------------------------------- */

void tb_init(struct tb *b, unsigned int num_slots)
{
	memset(b, 0, sizeof(*b));
	b->num_slots = num_slots;
}

uint32_t tb_tensor(struct tb *b, uint32_t slot, uint8_t dtype, int32_t zp,
		   unsigned int rank, uint32_t d0, uint32_t d1, uint32_t d2,
		   uint32_t d3)
{
	struct enpu_tensor *t = &b->t[b->nt];
	uint64_t esz = dtype == ENPU_DTYPE_S32 ? 4 : 1;

	if (b->nt >= TB_MAX_TENSORS)
		abort();
	memset(t, 0, sizeof(*t));
	t->slot = slot;
	t->dtype = dtype;
	t->rank = (uint8_t)rank;
	t->dims[0] = d0;
	t->dims[1] = rank > 1 ? d1 : 1;
	t->dims[2] = rank > 2 ? d2 : 1;
	t->dims[3] = rank > 3 ? d3 : 1;
	t->zero_point = zp;
	t->offset = (b->slot_size[slot] + TB_GAP + 7) & ~7ULL;
	b->slot_size[slot] = t->offset + ref_count(t) * esz;
	return b->nt++;
}

uint32_t tb_quant(struct tb *b, int32_t mult, int32_t shift, int32_t zp)
{
	struct enpu_quant *q = &b->q[b->nq];

	if (b->nq >= TB_MAX_QUANT)
		abort();
	memset(q, 0, sizeof(*q));
	q->multiplier = mult;
	q->shift = shift;
	q->zero_point = zp;
	return b->nq++;
}

struct enpu_op *tb_op(struct tb *b, uint32_t opcode, uint32_t out)
{
	struct enpu_op *op = &b->o[b->no++];

	if (b->no > TB_MAX_OPS)
		abort();
	memset(op, 0, sizeof(*op));
	op->opcode = opcode;
	op->in[0] = op->in[1] = op->in[2] = ENPU_NO_TENSOR;
	op->out = out;
	if (b->t[out].dtype == ENPU_DTYPE_S8) {
		op->act_min = -128;
		op->act_max = 127;
	} else {
		op->act_min = 0;
		op->act_max = 255;
	}
	return op;
}

uint8_t *tb_build(const struct tb *b, size_t *size)
{
	struct enpu_cmdbuf_header h;
	size_t ts = sizeof(struct enpu_tensor) * b->nt;
	size_t os = sizeof(struct enpu_op) * b->no;
	size_t qs = sizeof(struct enpu_quant) * b->nq;
	uint8_t *p;

	memset(&h, 0, sizeof(h));
	h.magic = ENPU_ISA_MAGIC;
	h.version_major = ENPU_ISA_VERSION_MAJOR;
	h.version_minor = ENPU_ISA_VERSION_MINOR;
	h.header_size = sizeof(h);
	h.num_slots = b->num_slots;
	h.tensor_offset = sizeof(h);
	h.tensor_size = sizeof(struct enpu_tensor);
	h.num_tensors = b->nt;
	h.op_offset = h.tensor_offset + ts;
	h.op_size = sizeof(struct enpu_op);
	h.num_ops = b->no;
	h.quant_offset = h.op_offset + os;
	h.quant_size = sizeof(struct enpu_quant);
	h.num_quant = b->nq;
	h.total_size = h.quant_offset + qs;
	*size = h.total_size;
	p = calloc(1, h.total_size);
	if (!p)
		abort();
	memcpy(p, &h, sizeof(h));
	memcpy(p + h.tensor_offset, b->t, ts);
	memcpy(p + h.op_offset, b->o, os);
	memcpy(p + h.quant_offset, b->q, qs);
	return p;
}

void tb_alloc_slots(const struct tb *b, struct enpu_fw_buf *slots,
		    uint32_t seed)
{
	unsigned int i;
	uint64_t j;

	for (i = 0; i < b->num_slots; i++) {
		slots[i].size = b->slot_size[i];
		slots[i].data = malloc(b->slot_size[i] ? b->slot_size[i] : 1);
		if (!slots[i].data)
			abort();
		for (j = 0; j < b->slot_size[i]; j++)
			((uint8_t *)slots[i].data)[j] = (uint8_t)(0xa5 ^ (j * 7) ^ seed);
	}
}

void tb_free_slots(const struct tb *b, struct enpu_fw_buf *slots)
{
	unsigned int i;

	for (i = 0; i < b->num_slots; i++)
		free(slots[i].data);
}

/* --- tensor access ----------------------------------------------------- */

uint64_t ref_count(const struct enpu_tensor *t)
{
	return (uint64_t)t->dims[0] * t->dims[1] * t->dims[2] * t->dims[3];
}

int32_t ref_get(const struct enpu_fw_buf *slots, const struct enpu_tensor *t,
		uint64_t i)
{
	const uint8_t *p = (const uint8_t *)slots[t->slot].data + t->offset;
	int32_t v;

	switch (t->dtype) {
	case ENPU_DTYPE_S8:
		return (int8_t)p[i];
	case ENPU_DTYPE_U8:
		return p[i];
	default:
		memcpy(&v, p + 4 * i, 4);
		return v;
	}
}

void ref_set(const struct enpu_fw_buf *slots, const struct enpu_tensor *t,
	     uint64_t i, int32_t v)
{
	uint8_t *p = (uint8_t *)slots[t->slot].data + t->offset;

	if (t->dtype == ENPU_DTYPE_S32)
		memcpy(p + 4 * i, &v, 4);
	else
		p[i] = (uint8_t)v;
}

uint32_t ref_rand(uint32_t *rng)
{
	/* xorshift32 */
	uint32_t x = *rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *rng = x;
}

int32_t ref_range(uint32_t *rng, int32_t lo, int32_t hi)
{
	return lo + (int32_t)(ref_rand(rng) % (uint32_t)(hi - lo + 1));
}

void ref_fill(const struct enpu_fw_buf *slots, const struct enpu_tensor *t,
	      uint32_t *rng, int32_t lim)
{
	uint64_t i, n = ref_count(t);

	for (i = 0; i < n; i++) {
		int32_t v;

		if (t->dtype == ENPU_DTYPE_S8)
			v = ref_range(rng, -128, 127);
		else if (t->dtype == ENPU_DTYPE_U8)
			v = ref_range(rng, 0, 255);
		else
			v = ref_range(rng, -lim, lim);
		ref_set(slots, t, i, v);
	}
}

/* --- operations -------------------------------------------------------- */

static int32_t get4(const struct enpu_fw_buf *s, const struct enpu_tensor *t,
		    int64_t a, int64_t b, int64_t c, int64_t d)
{
	return ref_get(s, t, ((a * t->dims[1] + b) * t->dims[2] + c) *
			     t->dims[3] + d);
}

/* s / d rounded half away from zero, d > 0 */
static int64_t div_away(int64_t s, int64_t d)
{
	int64_t q = s / d, r = s % d;

	if (2 * (r < 0 ? -r : r) >= d)
		q += s < 0 ? -1 : 1;
	return q;
}

static int ref_conv(const struct tb *b, const struct enpu_op *op,
		    const struct enpu_fw_buf *s, int32_t *res)
{
	const struct enpu_op_conv *p = &op->params.conv;
	const struct enpu_tensor *x = &b->t[op->in[0]], *w = &b->t[op->in[1]];
	const struct enpu_tensor *y = &b->t[op->out];
	int64_t N = y->dims[0], O = y->dims[1], OH = y->dims[2], OW = y->dims[3];
	int64_t H = x->dims[2], W = x->dims[3], CG = w->dims[1];
	int64_t KH = w->dims[2], KW = w->dims[3], OG = O / p->groups;
	int64_t n, o, oh, ow, c, kh, kw, i = 0;
	int pc = op->params.conv.flags & ENPU_QUANT_PER_CHANNEL_ZP;

	for (n = 0; n < N; n++)
	for (o = 0; o < O; o++)
	for (oh = 0; oh < OH; oh++)
	for (ow = 0; ow < OW; ow++) {
		const struct enpu_quant *q =
			&b->q[op->quant_index + (op->quant_count > 1 ? o : 0)];
		int32_t wzp = pc ? q->zero_point : w->zero_point;
		__int128 acc = op->in[2] != ENPU_NO_TENSOR ?
			       ref_get(s, &b->t[op->in[2]], o) : 0;

		for (c = 0; c < CG; c++)
		for (kh = 0; kh < KH; kh++)
		for (kw = 0; kw < KW; kw++) {
			int64_t ih = oh * p->stride_h - p->pad_top + kh * p->dilation_h;
			int64_t iw = ow * p->stride_w - p->pad_left + kw * p->dilation_w;
			int32_t xv = x->zero_point;

			if (ih >= 0 && ih < H && iw >= 0 && iw < W)
				xv = get4(s, x, n, (o / OG) * CG + c, ih, iw);
			acc += (__int128)(xv - x->zero_point) *
			       (get4(s, w, o, c, kh, kw) - wzp);
		}
		res[i++] = ref_out(ref_sat32(acc), q, y->zero_point,
				   op->act_min, op->act_max,
				   op->flags & ENPU_OP_FLAG_ROUND_HALF_UP);
	}
	return 0;
}

static int ref_fc(const struct tb *b, const struct enpu_op *op,
		  const struct enpu_fw_buf *s, int32_t *res)
{
	const struct enpu_tensor *x = &b->t[op->in[0]], *w = &b->t[op->in[1]];
	const struct enpu_tensor *y = &b->t[op->out];
	int64_t M = x->dims[0], K = x->dims[1], N = w->dims[1], m, n, k;
	int pc = op->params.fc.flags & ENPU_QUANT_PER_CHANNEL_ZP;

	for (m = 0; m < M; m++)
	for (n = 0; n < N; n++) {
		const struct enpu_quant *q =
			&b->q[op->quant_index + (op->quant_count > 1 ? n : 0)];
		int32_t wzp = pc ? q->zero_point : w->zero_point;
		__int128 acc = op->in[2] != ENPU_NO_TENSOR ?
			       ref_get(s, &b->t[op->in[2]], n) : 0;

		for (k = 0; k < K; k++)
			acc += (__int128)(ref_get(s, x, m * K + k) - x->zero_point) *
			       (ref_get(s, w, k * N + n) - wzp);
		res[m * N + n] = ref_out(ref_sat32(acc), q, y->zero_point,
					 op->act_min, op->act_max,
					 op->flags & ENPU_OP_FLAG_ROUND_HALF_UP);
	}
	return 0;
}

static int ref_eltwise(const struct tb *b, const struct enpu_op *op,
		       const struct enpu_fw_buf *s, int32_t *res)
{
	const struct enpu_op_eltwise *p = &op->params.eltwise;
	const struct enpu_tensor *x0 = &b->t[op->in[0]], *x1 = &b->t[op->in[1]];
	const struct enpu_tensor *y = &b->t[op->out];
	const struct enpu_quant *q = &b->q[op->quant_index];
	int hu = op->flags & ENPU_OP_FLAG_ROUND_HALF_UP;
	uint64_t i, n = ref_count(y), inner = 1;
	int d;

	for (d = 2; d < 4; d++)
		inner *= y->dims[d];
	for (i = 0; i < n; i++) {
		uint64_t j = p->broadcast == 0 ? i :
			     p->broadcast == 1 ? (i / inner) % y->dims[1] : 0;
		int64_t a = ref_get(s, x0, i) - x0->zero_point;
		int64_t c = ref_get(s, x1, j) - x1->zero_point;
		__int128 acc;

		if (op->opcode == ENPU_OP_MUL) {
			acc = (__int128)a * c;
		} else {
			int64_t sc = (int64_t)1 << p->left_shift;
			int32_t v0 = ref_sat32(ref_requant(a * sc, p->in_multiplier[0],
							   p->in_shift[0], hu));
			int32_t v1 = ref_sat32(ref_requant(c * sc, p->in_multiplier[1],
							   p->in_shift[1], hu));

			acc = ref_sat32((__int128)v0 + v1);
		}
		/* |a * c| <= 255 * 255: a product never leaves int32 */
		res[i] = ref_out((int64_t)acc, q, y->zero_point, op->act_min,
				 op->act_max, hu);
	}
	return 0;
}

static int ref_pool(const struct tb *b, const struct enpu_op *op,
		    const struct enpu_fw_buf *s, int32_t *res)
{
	const struct enpu_op_pool *p = &op->params.pool;
	const struct enpu_tensor *x = &b->t[op->in[0]], *y = &b->t[op->out];
	int64_t N = y->dims[0], C = y->dims[1], OH = y->dims[2], OW = y->dims[3];
	int64_t H = x->dims[2], W = x->dims[3];
	int64_t n, c, oh, ow, kh, kw, i = 0;
	int gl = op->opcode == ENPU_OP_GLOBAL_AVGPOOL;
	int64_t KH = gl ? H : p->kernel_h, KW = gl ? W : p->kernel_w;

	for (n = 0; n < N; n++)
	for (c = 0; c < C; c++)
	for (oh = 0; oh < OH; oh++)
	for (ow = 0; ow < OW; ow++) {
		__int128 sum = 0;
		int64_t cnt = 0, mx = INT64_MIN;

		for (kh = 0; kh < KH; kh++)
		for (kw = 0; kw < KW; kw++) {
			int64_t ih = gl ? kh : oh * p->stride_h - p->pad_top + kh;
			int64_t iw = gl ? kw : ow * p->stride_w - p->pad_left + kw;
			int32_t v;

			if (ih < 0 || ih >= H || iw < 0 || iw >= W)
				continue;
			v = get4(s, x, n, c, ih, iw);
			sum += v - x->zero_point;
			cnt++;
			if (v > mx)
				mx = v;
		}
		if (op->opcode == ENPU_OP_MAXPOOL) {
			res[i++] = mx < op->act_min ? op->act_min :
				   mx > op->act_max ? op->act_max : (int32_t)mx;
			continue;
		}
		if (!gl && p->count_include_pad)
			cnt = KH * KW;
		/* GLOBAL_AVGPOOL requantizes the sum: 1/(H*W) is in the
		 * multiplier. */
		res[i++] = ref_out(gl ? ref_sat32(sum) :
				   div_away((int64_t)sum, cnt),
				   &b->q[op->quant_index],
				   y->zero_point, op->act_min, op->act_max,
				   op->flags & ENPU_OP_FLAG_ROUND_HALF_UP);
	}
	return 0;
}

static int32_t ref_move1(const struct tb *b, const struct enpu_op *op,
			 int32_t v)
{
	const struct enpu_tensor *x = &b->t[op->in[0]], *y = &b->t[op->out];

	if (op->quant_count == 0)
		return v < op->act_min ? op->act_min :
		       v > op->act_max ? op->act_max : v;
	return ref_out(v - x->zero_point, &b->q[op->quant_index],
		       y->zero_point, op->act_min, op->act_max,
		       op->flags & ENPU_OP_FLAG_ROUND_HALF_UP);
}

/*
 * CONCAT: returns the values of the output region written; elements of the
 * output outside in[0]'s region are reported as INT32_MIN (untouched).
 */
static int ref_concat(const struct tb *b, const struct enpu_op *op,
		      const struct enpu_fw_buf *s, int32_t *res)
{
	const struct enpu_tensor *x = &b->t[op->in[0]], *y = &b->t[op->out];
	uint32_t ax = op->params.concat.axis, off = op->params.concat.offset;
	uint64_t i, n = ref_count(y);

	for (i = 0; i < n; i++) {
		uint64_t idx[4], r = i, xi = 0;
		int d;

		for (d = 3; d >= 0; d--) {
			idx[d] = r % y->dims[d];
			r /= y->dims[d];
		}
		if (idx[ax] < off || idx[ax] >= off + x->dims[ax]) {
			res[i] = INT32_MIN;
			continue;
		}
		idx[ax] -= off;
		for (d = 0; d < 4; d++)
			xi = xi * x->dims[d] + idx[d];
		res[i] = ref_move1(b, op, ref_get(s, x, xi));
	}
	return 0;
}

static int ref_softmax(const struct tb *b, const struct enpu_op *op,
		       const struct enpu_fw_buf *s, int32_t *res)
{
	const struct enpu_tensor *x = &b->t[op->in[0]], *y = &b->t[op->out];
	const struct enpu_tensor *tab = &b->t[op->in[1]];
	uint64_t len = x->dims[x->rank - 1], rows = ref_count(x) / len, r, i;

	for (r = 0; r < rows; r++) {
		int32_t mx = INT32_MIN;
		int64_t *e = calloc(len, sizeof(*e)), sum = 0;

		if (!e)
			abort();

		for (i = 0; i < len; i++)
			if (ref_get(s, x, r * len + i) > mx)
				mx = ref_get(s, x, r * len + i);
		for (i = 0; i < len; i++) {
			int64_t v = ref_get(s, tab, mx - ref_get(s, x, r * len + i));

			e[i] = v < 0 ? 0 : v > 65536 ? 65536 : v;
			sum += e[i];
		}
		for (i = 0; i < len; i++) {
			/* e * 2^15 / sum, to nearest, ties to even */
			int64_t p = 0;

			if (sum) {
				int64_t num = e[i] * 32768, rem;

				p = num / sum;
				rem = num % sum;
				if (2 * rem > sum || (2 * rem == sum && p % 2))
					p++;
			}

			res[r * len + i] = ref_out(p, &b->q[op->quant_index],
						   y->zero_point, op->act_min,
						   op->act_max,
						   op->flags & ENPU_OP_FLAG_ROUND_HALF_UP);
		}
		free(e);
	}
	return 0;
}

int ref_op(const struct tb *b, const struct enpu_op *op,
	   const struct enpu_fw_buf *s, int32_t *res)
{
	const struct enpu_tensor *x = &b->t[op->in[0]], *y = &b->t[op->out];
	uint64_t i, n = ref_count(y);

	switch (op->opcode) {
	case ENPU_OP_CONV2D:
		return ref_conv(b, op, s, res);
	case ENPU_OP_FULLY_CONNECTED:
		return ref_fc(b, op, s, res);
	case ENPU_OP_ADD:
	case ENPU_OP_MUL:
		return ref_eltwise(b, op, s, res);
	case ENPU_OP_AVGPOOL:
	case ENPU_OP_MAXPOOL:
	case ENPU_OP_GLOBAL_AVGPOOL:
		return ref_pool(b, op, s, res);
	case ENPU_OP_CONCAT:
		return ref_concat(b, op, s, res);
	case ENPU_OP_COPY:
		for (i = 0; i < n; i++)
			res[i] = ref_move1(b, op, ref_get(s, x, i));
		return 0;
	case ENPU_OP_SOFTMAX:
		return ref_softmax(b, op, s, res);
	case ENPU_OP_LUT:
		for (i = 0; i < n; i++) {
			int32_t v = ref_get(s, x, i);
			int32_t t = ref_get(s, &b->t[op->in[1]],
					    x->dtype == ENPU_DTYPE_S8 ? v + 128 : v);

			res[i] = t < op->act_min ? op->act_min :
				 t > op->act_max ? op->act_max : t;
		}
		return 0;
	}
	return -1;
}

/* --- running a case ---------------------------------------------------- */

unsigned long ref_stat_total, ref_stat_interior;

const struct enpu_fw_kernels *tb_kernels;
int tb_plain;

/* The parallel hook of the tests: every chunk, in reverse order. */
static void tb_parallel(void *ctx, void (*fn)(void *arg, __u32 i), void *arg,
			__u32 n)
{
	(void)ctx;
	while (n--)
		fn(arg, n);
}

static void *tb_alloc(void *actx, __u64 size)
{
	void *p;

	(void)actx;
	if (posix_memalign(&p, 64, (size + 63) & ~(__u64)63))
		return NULL;
	memset(p, 0, size);
	return p;
}

int tb_execute(const void *cb, size_t size, struct enpu_fw_buf *slots,
	       uint32_t num_slots, struct enpu_fw_status *st)
{
	struct enpu_cmdbuf_header h;
	struct enpu_fw_hooks hooks = { 0 };
	__u64 sizes[TB_MAX_SLOTS] = { 0 };
	struct enpu_fw_buf pslots[TB_MAX_SLOTS];
	void **state = NULL;
	uint32_t i;
	int err;

	if (!tb_kernels || num_slots > TB_MAX_SLOTS)
		return enpu_fw_execute(cb, size, slots, num_slots, NULL, st);
	for (i = 0; i < num_slots && i < TB_MAX_SLOTS; i++)
		sizes[i] = slots[i].size;
	/* prepare() takes a validated buffer */
	err = enpu_fw_validate(cb, size, sizes, num_slots, st);
	if (err)
		return err;
	memcpy(&h, cb, sizeof(h));
	hooks.kernels = tb_kernels;
	hooks.scratch = tb_alloc(NULL, ENPU_FW_SCRATCH_SIZE);
	hooks.scratch_size = ENPU_FW_SCRATCH_SIZE;
	hooks.parallel = tb_plain ? NULL : tb_parallel;
	if (!hooks.scratch)
		abort();
	/*
	 * packed weights of slot 0, as libaccel packs its constant slot:
	 * the other slots unbound, so that no state depends on them
	 */
	state = calloc(h.num_ops + 1, sizeof(*state));
	if (!state)
		abort();
	memset(pslots, 0, sizeof(pslots));
	pslots[0] = slots[0];
	err = tb_plain ? 0 :
	      enpu_fw_kernels_prepare(tb_kernels, cb, pslots, 0, state,
				      tb_alloc, NULL);
	if (err) {
		printf("# prepare failed: %d\n", err);
		goto out;
	}
	hooks.op_state = state;
	hooks.num_op_state = h.num_ops;
	err = enpu_fw_execute(cb, size, slots, num_slots, &hooks, st);
out:
	for (i = 0; i < h.num_ops; i++)
		free(state[i]);
	free(state);
	free(hooks.scratch);
	return err;
}

unsigned int tb_variants(const struct enpu_fw_kernels **vs, unsigned int max)
{
	const char *pin = getenv("ENPU_TEST_KERNELS");
	unsigned int nv = enpu_fw_kernels_list(vs, max);

	if (!pin)
		return nv < max ? nv : max;
	vs[0] = enpu_fw_kernels_find(pin);
	if (!vs[0]) {
		printf("# FAIL ENPU_TEST_KERNELS=%s: unknown, or this CPU lacks its features\n",
		       pin);
		return 0;
	}
	return 1;
}

int tb_check(const struct tb *b, uint32_t seed, int32_t bias_lim,
	     void (*prep)(const struct tb *b, struct enpu_fw_buf *slots,
			  void *arg),
	     void *arg)
{
	struct enpu_fw_buf slots[TB_MAX_SLOTS], ref[TB_MAX_SLOTS];
	struct enpu_fw_status st;
	uint32_t rng = seed | 1;
	unsigned int i, k;
	size_t size;
	uint8_t *cb = tb_build(b, &size);
	int err, bad = 0;

	tb_alloc_slots(b, slots, seed);
	for (i = 0; i < b->nt; i++) {
		int read = 0;

		for (k = 0; k < b->no; k++)
			read |= b->o[k].in[0] == i || b->o[k].in[1] == i ||
				b->o[k].in[2] == i;
		if (read)
			ref_fill(slots, &b->t[i], &rng, bias_lim);
	}
	if (prep)
		prep(b, slots, arg);
	tb_alloc_slots(b, ref, seed);
	for (i = 0; i < b->num_slots; i++)
		memcpy(ref[i].data, slots[i].data, slots[i].size);

	for (k = 0; k < b->no; k++) {
		const struct enpu_tensor *y = &b->t[b->o[k].out];
		uint64_t j, n = ref_count(y);
		int32_t *res = calloc(n, sizeof(*res));

		if (!res)
			abort();
		if (ref_op(b, &b->o[k], ref, res)) {
			printf("# reference lacks opcode %u\n", b->o[k].opcode);
			bad = -1;
		}
		for (j = 0; j < n; j++) {
			if (res[j] == INT32_MIN)
				continue;
			ref_set(ref, y, j, res[j]);
			ref_stat_total++;
			ref_stat_interior += res[j] > b->o[k].act_min &&
					     res[j] < b->o[k].act_max;
		}
		free(res);
	}

	err = tb_execute(cb, size, slots, b->num_slots, &st);
	if (err) {
		printf("# execute failed: %d (op %u tensor %u: %s)\n", err,
		       st.op, st.tensor, st.msg);
		bad = err;
	}
	for (i = 0; !bad && i < b->num_slots; i++) {
		const uint8_t *f = slots[i].data, *r = ref[i].data;
		uint64_t j;

		for (j = 0; j < slots[i].size; j++) {
			if (f[j] == r[j])
				continue;
			printf("# slot %u byte %llu: firmware %u reference %u\n",
			       i, (unsigned long long)j, f[j], r[j]);
			for (k = 0; k < b->nt; k++) {
				const struct enpu_tensor *t = &b->t[k];
				uint64_t ext = ref_count(t) *
					(t->dtype == ENPU_DTYPE_S32 ? 4 : 1);

				if (t->slot == i && j >= t->offset &&
				    j < t->offset + ext)
					printf("#   inside tensor %u, element %llu\n",
					       k, (unsigned long long)(j - t->offset));
			}
			bad = 1;
			break;
		}
	}
	tb_free_slots(b, slots);
	tb_free_slots(b, ref);
	free(cb);
	return bad;
}
