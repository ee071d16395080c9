// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * ENPU command-buffer validator: one linear pass that trusts no field.
 *
 * Order: header, sections, quantization table, tensors, operations.  The
 * first problem found is reported through &struct enpu_fw_status.  Work is
 * linear in the command-buffer size: per-operation loops over requantization
 * entries are bounded by the rule that the quant_count of all operations sum
 * to at most ENPU_ISA_MAX_QUANT.
 */
#include "fw_internal.h"

#define EINVAL_		(-ENPU_FW_EINVAL)
#define E2BIG_		(-ENPU_FW_E2BIG)
#define EOVERFLOW_	(-ENPU_FW_EOVERFLOW)
#define EOPNOTSUPP_	(-ENPU_FW_EOPNOTSUPP)

static int fail(struct enpu_fw_status *st, int err, __u32 op, __u32 tensor,
		const char *msg)
{
	if (st) {
		st->op = op;
		st->tensor = tensor;
		st->msg = msg;
	}
	return err;
}

#define HFAIL(err, msg)		fail(st, err, ENPU_NO_TENSOR, ENPU_NO_TENSOR, msg)
#define TFAIL(err, t, msg)	fail(st, err, ENPU_NO_TENSOR, t, msg)
#define OFAIL(err, o, t, msg)	fail(st, err, o, t, msg)

static int all_zero(const __u8 *p, __u64 n)
{
	__u64 i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/*
 * Yield accounting of one validation, in bytes examined: a record counts
 * VAL_RECORD_COST on top of its size.  The hook runs after every
 * VAL_YIELD_WORK (256 KiB, at most 1024 records), so a 64 MiB command
 * buffer is examined in a few hundred steps.
 */
#define VAL_YIELD_WORK		(1ULL << 18)
#define VAL_RECORD_COST		256
#define VAL_ZERO_CHUNK		(1ULL << 16)

struct vyield {
	const struct enpu_fw_hooks *hooks;
	__u64 work;
};

/* 0, or the hook's error (always negative). */
static int vtick(struct vyield *y, __u64 work)
{
	int err;

	y->work += work;
	if (y->work < VAL_YIELD_WORK)
		return 0;
	y->work = 0;
	if (!y->hooks || !y->hooks->yield)
		return 0;
	err = y->hooks->yield(y->hooks->ctx);
	return err > 0 ? -ENPU_FW_ECANCELED : err;
}

/*
 * all_zero() over a tail of any length (record tails and the header's may
 * be megabytes): 1 if zero, 0 if not, or the yield hook's error.
 */
static int zero_tail(struct vyield *y, const __u8 *p, __u64 n)
{
	__u64 len;
	int err;

	for (; n; n -= len, p += len) {
		len = n < VAL_ZERO_CHUNK ? n : VAL_ZERO_CHUNK;
		if (!all_zero(p, len))
			return 0;
		err = vtick(y, len);
		if (err)
			return err;
	}
	return 1;
}

#define YIELD_MSG	"aborted by the yield hook"

static int dtype_range(__u8 dtype, __s32 *lo, __s32 *hi)
{
	switch (dtype) {
	case ENPU_DTYPE_S8:
		*lo = -128;
		*hi = 127;
		return 1;
	case ENPU_DTYPE_U8:
		*lo = 0;
		*hi = 255;
		return 1;
	case ENPU_DTYPE_S32:
		*lo = 0;	/* zero point must be 0 */
		*hi = 0;
		return 1;
	}
	return 0;
}

static __u32 dtype_size(__u8 dtype)
{
	return dtype == ENPU_DTYPE_S32 ? 4 : 1;
}

static int is_q8(__u8 dtype)
{
	return dtype == ENPU_DTYPE_S8 || dtype == ENPU_DTYPE_U8;
}

static int mult_ok(__s32 m)
{
	return m == 0 || (m >= (1 << 30));	/* an __s32 is < 2^31 */
}

static int shift_ok(__s32 s)
{
	return s >= -31 && s <= 32;
}

struct section {
	__u64 start, end;
};

static int overlap(const struct section *a, const struct section *b)
{
	if (a->start == a->end || b->start == b->end)
		return 0;
	return a->start < b->end && b->start < a->end;
}

static int check_header(const __u8 *cb, __u64 size, __u32 num_slots,
			struct enpu_cmdbuf_header *h, struct vyield *y,
			struct enpu_fw_status *st)
{
	struct section sec[4];
	int i, j, z;

	if (!cb || size < sizeof(*h))
		return HFAIL(EINVAL_, "command buffer smaller than its header");
	fw_read_header(cb, h);
	if (h->magic != ENPU_ISA_MAGIC)
		return HFAIL(EINVAL_, "header: bad magic");
	if (h->version_major != ENPU_ISA_VERSION_MAJOR)
		return HFAIL(EOPNOTSUPP_, "header: unsupported ISA major version");
	if (h->version_minor > ENPU_ISA_VERSION_MINOR)
		return HFAIL(EOPNOTSUPP_, "header: ISA minor version newer than the executor's");
	if (h->header_size < sizeof(*h) || h->header_size % 8)
		return HFAIL(EINVAL_, "header: header_size below 72 or not a multiple of 8");
	if (h->total_size > ENPU_ISA_MAX_SIZE)
		return HFAIL(E2BIG_, "header: total_size exceeds ENPU_ISA_MAX_SIZE");
	if (h->total_size > size)
		return HFAIL(EINVAL_, "header: total_size exceeds the command buffer (truncated)");
	if (h->header_size > h->total_size)
		return HFAIL(EINVAL_, "header: header_size exceeds total_size");
	z = zero_tail(y, cb + sizeof(*h), h->header_size - sizeof(*h));
	if (z < 0)
		return HFAIL(z, YIELD_MSG);
	if (!z)
		return HFAIL(EINVAL_, "header: unknown trailing header bytes not zero");
	if (h->flags)
		return HFAIL(EINVAL_, "header: flags not zero");
	if (h->reserved[0] || h->reserved[1] || h->reserved[2])
		return HFAIL(EINVAL_, "header: reserved not zero");
	if (h->num_slots == 0)
		return HFAIL(EINVAL_, "header: num_slots is zero");
	if (h->num_slots > ENPU_ISA_MAX_SLOTS)
		return HFAIL(E2BIG_, "header: num_slots exceeds ENPU_ISA_MAX_SLOTS");
	if (h->num_slots != num_slots)
		return HFAIL(EINVAL_, "header: num_slots differs from the number of bound buffers");
	if (h->tensor_size < sizeof(struct enpu_tensor) || h->tensor_size % 8)
		return HFAIL(EINVAL_, "header: tensor_size below 48 or not a multiple of 8");
	if (h->op_size < sizeof(struct enpu_op) || h->op_size % 8)
		return HFAIL(EINVAL_, "header: op_size below 96 or not a multiple of 8");
	if (h->quant_size < sizeof(struct enpu_quant) || h->quant_size % 8)
		return HFAIL(EINVAL_, "header: quant_size below 16 or not a multiple of 8");
	if (h->num_tensors > ENPU_ISA_MAX_TENSORS)
		return HFAIL(E2BIG_, "header: num_tensors exceeds ENPU_ISA_MAX_TENSORS");
	if (h->num_ops == 0)
		return HFAIL(EINVAL_, "header: num_ops is zero");
	if (h->num_ops > ENPU_ISA_MAX_OPS)
		return HFAIL(E2BIG_, "header: num_ops exceeds ENPU_ISA_MAX_OPS");
	if (h->num_quant > ENPU_ISA_MAX_QUANT)
		return HFAIL(E2BIG_, "header: num_quant exceeds ENPU_ISA_MAX_QUANT");

	if (h->tensor_offset % 8 || h->op_offset % 8 || h->quant_offset % 8)
		return HFAIL(EINVAL_, "header: section offset not 8-byte aligned");
	sec[0].start = 0;
	sec[0].end = h->header_size;
	sec[1].start = h->tensor_offset;
	sec[1].end = sec[1].start + (__u64)h->tensor_size * h->num_tensors;
	sec[2].start = h->op_offset;
	sec[2].end = sec[2].start + (__u64)h->op_size * h->num_ops;
	sec[3].start = h->quant_offset;
	sec[3].end = sec[3].start + (__u64)h->quant_size * h->num_quant;
	for (i = 1; i < 4; i++) {
		if (sec[i].start > h->total_size || sec[i].end > h->total_size)
			return HFAIL(EINVAL_, "header: section outside total_size");
		for (j = 0; j < i; j++)
			if (overlap(&sec[i], &sec[j]))
				return HFAIL(EINVAL_, "header: sections overlap");
	}
	return 0;
}

static int check_quants(const __u8 *cb, const struct enpu_cmdbuf_header *h,
			struct vyield *y, struct enpu_fw_status *st)
{
	const __u8 *p = cb + h->quant_offset;
	struct enpu_quant q;
	__u32 i;
	int z;

	for (i = 0; i < h->num_quant; i++, p += h->quant_size) {
		z = vtick(y, VAL_RECORD_COST);
		if (!z)
			z = zero_tail(y, p + sizeof(q), h->quant_size - sizeof(q));
		if (z < 0)
			return HFAIL(z, YIELD_MSG);
		fw_memcpy(&q, p, sizeof(q));
		if (!z || q.reserved)
			return HFAIL(EINVAL_, "quant: reserved or tail bytes not zero");
		if (!mult_ok(q.multiplier))
			return HFAIL(EINVAL_, "quant: multiplier not 0 or in [2^30, 2^31)");
		if (!shift_ok(q.shift))
			return HFAIL(EINVAL_, "quant: shift outside [-31, 32]");
		if (q.zero_point < -128 || q.zero_point > 255)
			return HFAIL(EINVAL_, "quant: zero_point outside any weight type's range");
	}
	return 0;
}

static int check_tensor(const __u8 *cb, const struct enpu_cmdbuf_header *h,
			__u32 i, const __u64 *slot_sizes,
			const struct enpu_fw_buf *slots, struct vyield *y,
			struct enpu_fw_status *st)
{
	const __u8 *p = cb + h->tensor_offset + (__u64)i * h->tensor_size;
	struct enpu_tensor t;
	__u64 count = 1, extent, ssize;
	__s32 lo, hi;
	__u32 d;
	int z;

	z = vtick(y, VAL_RECORD_COST);
	if (!z)
		z = zero_tail(y, p + sizeof(t), h->tensor_size - sizeof(t));
	if (z < 0)
		return TFAIL(z, i, YIELD_MSG);
	fw_memcpy(&t, p, sizeof(t));
	if (!z)
		return TFAIL(EINVAL_, i, "tensor: tail bytes not zero");
	if (t.flags || t.reserved[0] || t.reserved[1] || t.reserved[2])
		return TFAIL(EINVAL_, i, "tensor: flags or reserved not zero");
	if (t.slot >= h->num_slots)
		return TFAIL(EINVAL_, i, "tensor: slot out of range");
	if (t.dtype == ENPU_DTYPE_INVALID)
		return TFAIL(EINVAL_, i, "tensor: dtype is invalid (0)");
	if (!dtype_range(t.dtype, &lo, &hi))
		return TFAIL(EOPNOTSUPP_, i, "tensor: unknown dtype");
	if (t.rank < 1 || t.rank > ENPU_ISA_MAX_DIMS)
		return TFAIL(EINVAL_, i, "tensor: rank not in 1..4");
	for (d = 0; d < ENPU_ISA_MAX_DIMS; d++) {
		if (d >= t.rank) {
			if (t.dims[d] != 1)
				return TFAIL(EINVAL_, i, "tensor: dims past rank not 1");
			continue;
		}
		if (t.dims[d] == 0)
			return TFAIL(EINVAL_, i, "tensor: zero dimension");
		if (t.dims[d] > ENPU_ISA_MAX_DIM)
			return TFAIL(E2BIG_, i, "tensor: dimension exceeds ENPU_ISA_MAX_DIM");
		count *= t.dims[d];
		if (count > FW_MAX_COUNT)
			return TFAIL(E2BIG_, i, "tensor: element count exceeds 2^31 - 1");
	}
	if (t.zero_point < lo || t.zero_point > hi)
		return TFAIL(EINVAL_, i, "tensor: zero_point outside dtype range");
	extent = count * dtype_size(t.dtype);
	ssize = slots ? slots[t.slot].size : slot_sizes[t.slot];
	if (t.offset > ssize || extent > ssize - t.offset)
		return TFAIL(EOVERFLOW_, i, "tensor: reaches past its slot's buffer");
	return 0;
}

struct fw_vop {
	const __u8 *cb;
	const struct enpu_cmdbuf_header *h;
	const struct enpu_op *op;
	__u32 idx;
	struct enpu_tensor in[3];
	struct enpu_tensor out;
	__u64 cnt[3], out_cnt;
	struct vyield *y;
	struct enpu_fw_status *st;
};

static __u64 tcount(const struct enpu_tensor *t)
{
	return (__u64)t->dims[0] * t->dims[1] * t->dims[2] * t->dims[3];
}

static int same_shape(const struct enpu_tensor *a, const struct enpu_tensor *b)
{
	return a->rank == b->rank && a->dims[0] == b->dims[0] &&
	       a->dims[1] == b->dims[1] && a->dims[2] == b->dims[2] &&
	       a->dims[3] == b->dims[3];
}

#define VFAIL(err, t, msg) fail(v->st, err, v->idx, t, msg)

/*
 * Check quant entries [quant_index, quant_index + quant_count): zero_point
 * must be inside @wtype's range when per-channel weight zero points are in
 * use (@wtype != 0), else zero.
 */
static int check_op_quant_zp(struct fw_vop *v, __u8 wtype)
{
	struct enpu_quant q;
	__s32 lo = 0, hi = 0;
	__u32 i;

	int err;

	if (wtype)
		dtype_range(wtype, &lo, &hi);
	for (i = 0; i < v->op->quant_count; i++) {
		/* one op may reference all 2^20 entries */
		err = vtick(v->y, sizeof(q));
		if (err)
			return VFAIL(err, ENPU_NO_TENSOR, YIELD_MSG);
		fw_read_quant(v->cb, v->h, v->op->quant_index + i, &q);
		if (q.zero_point < lo || q.zero_point > hi)
			return VFAIL(EINVAL_, ENPU_NO_TENSOR, wtype ?
				     "quant: per-channel weight zero point outside the weight type's range" :
				     "quant: zero_point must be zero for this operation");
	}
	return 0;
}

int fw_check_conv(struct fw_vop *v)
{
	const struct enpu_op_conv *p = &v->op->params.conv;
	const struct enpu_tensor *x = &v->in[0], *w = &v->in[1], *y = &v->out;
	__u32 C, O, kh, kw, g, qc = v->op->quant_count;
	__s64 eh, ew;

	if (x->rank != 4 || w->rank != 4 || y->rank != 4)
		return VFAIL(EINVAL_, v->op->in[0], "conv2d: input, weights and output must have rank 4");
	if (!is_q8(x->dtype) || !is_q8(w->dtype))
		return VFAIL(EINVAL_, v->op->in[0], "conv2d: input and weights must be S8 or U8");
	if (p->flags & ~ENPU_QUANT_PER_CHANNEL_ZP)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "conv2d: unknown params.conv.flags");
	if (p->stride_h < 1 || p->stride_h > ENPU_ISA_MAX_KERNEL ||
	    p->stride_w < 1 || p->stride_w > ENPU_ISA_MAX_KERNEL ||
	    p->dilation_h < 1 || p->dilation_h > ENPU_ISA_MAX_KERNEL ||
	    p->dilation_w < 1 || p->dilation_w > ENPU_ISA_MAX_KERNEL)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "conv2d: stride or dilation outside 1..64");
	C = x->dims[1];
	O = w->dims[0];
	kh = w->dims[2];
	kw = w->dims[3];
	g = p->groups;
	if (kh > ENPU_ISA_MAX_KERNEL || kw > ENPU_ISA_MAX_KERNEL)
		return VFAIL(EINVAL_, v->op->in[1], "conv2d: kernel larger than 64");
	if (g < 1 || C % g || O % g)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "conv2d: groups must divide input and output channels");
	if (w->dims[1] != C / g)
		return VFAIL(EINVAL_, v->op->in[1], "conv2d: weight channels do not match input channels / groups");
	eh = (__s64)p->dilation_h * (kh - 1) + 1;
	ew = (__s64)p->dilation_w * (kw - 1) + 1;
	if (p->pad_top >= eh || p->pad_bottom >= eh || p->pad_left >= ew ||
	    p->pad_right >= ew)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "conv2d: padding not smaller than the dilated kernel");
	eh = (__s64)x->dims[2] + p->pad_top + p->pad_bottom - eh;
	ew = (__s64)x->dims[3] + p->pad_left + p->pad_right - ew;
	if (eh < 0 || ew < 0)
		return VFAIL(EINVAL_, v->op->in[0], "conv2d: dilated kernel larger than the padded input");
	if (y->dims[0] != x->dims[0] || y->dims[1] != O ||
	    y->dims[2] != (__u32)eh / p->stride_h + 1 ||
	    y->dims[3] != (__u32)ew / p->stride_w + 1)
		return VFAIL(EINVAL_, v->op->out, "conv2d: output shape does not match the formula");
	if (v->op->in[2] != ENPU_NO_TENSOR &&
	    (v->in[2].dtype != ENPU_DTYPE_S32 || v->cnt[2] != O))
		return VFAIL(EINVAL_, v->op->in[2], "conv2d: bias must be S32 with one element per output channel");
	if (qc != 1 && qc != O)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "conv2d: quant_count must be 1 or the output channel count");
	if (p->flags & ENPU_QUANT_PER_CHANNEL_ZP) {
		if (qc != O)
			return VFAIL(EINVAL_, ENPU_NO_TENSOR, "conv2d: per-channel weight zero points need quant_count == output channels");
		if (w->zero_point)
			return VFAIL(EINVAL_, v->op->in[1], "conv2d: weight zero_point must be 0 with per-channel zero points");
		return check_op_quant_zp(v, w->dtype);
	}
	return check_op_quant_zp(v, 0);
}

int fw_check_fc(struct fw_vop *v)
{
	const struct enpu_op_fc *p = &v->op->params.fc;
	const struct enpu_tensor *x = &v->in[0], *w = &v->in[1], *y = &v->out;
	__u32 N = w->dims[1], qc = v->op->quant_count;

	if (x->rank != 2 || w->rank != 2 || y->rank != 2)
		return VFAIL(EINVAL_, v->op->in[0], "fully_connected: input, weights and output must have rank 2");
	if (!is_q8(x->dtype) || !is_q8(w->dtype))
		return VFAIL(EINVAL_, v->op->in[0], "fully_connected: input and weights must be S8 or U8");
	if (p->flags & ~ENPU_QUANT_PER_CHANNEL_ZP || p->reserved)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "fully_connected: unknown params.fc.flags or reserved not zero");
	if (w->dims[0] != x->dims[1])
		return VFAIL(EINVAL_, v->op->in[1], "fully_connected: weight rows do not match input columns");
	if (y->dims[0] != x->dims[0] || y->dims[1] != N)
		return VFAIL(EINVAL_, v->op->out, "fully_connected: output must be [M, N]");
	if (v->op->in[2] != ENPU_NO_TENSOR &&
	    (v->in[2].dtype != ENPU_DTYPE_S32 || v->cnt[2] != N))
		return VFAIL(EINVAL_, v->op->in[2], "fully_connected: bias must be S32 with N elements");
	if (qc != 1 && qc != N)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "fully_connected: quant_count must be 1 or N");
	if (p->flags & ENPU_QUANT_PER_CHANNEL_ZP) {
		if (qc != N)
			return VFAIL(EINVAL_, ENPU_NO_TENSOR, "fully_connected: per-channel weight zero points need quant_count == N");
		if (w->zero_point)
			return VFAIL(EINVAL_, v->op->in[1], "fully_connected: weight zero_point must be 0 with per-channel zero points");
		return check_op_quant_zp(v, w->dtype);
	}
	return check_op_quant_zp(v, 0);
}

int fw_check_eltwise(struct fw_vop *v)
{
	const struct enpu_op_eltwise *p = &v->op->params.eltwise;
	int add = v->op->opcode == ENPU_OP_ADD;

	if (!is_q8(v->in[0].dtype) || !is_q8(v->in[1].dtype))
		return VFAIL(EINVAL_, v->op->in[0], "add/mul: inputs must be S8 or U8");
	if (!same_shape(&v->in[0], &v->out))
		return VFAIL(EINVAL_, v->op->in[0], "add/mul: in[0] must have the output's shape");
	switch (p->broadcast) {
	case 0:
		if (!same_shape(&v->in[1], &v->out))
			return VFAIL(EINVAL_, v->op->in[1], "add/mul: in[1] must have the output's shape (broadcast 0)");
		break;
	case 1:
		if (v->out.rank < 2 || v->cnt[1] != v->out.dims[1])
			return VFAIL(EINVAL_, v->op->in[1], "add/mul: in[1] must have one element per channel (broadcast 1)");
		break;
	case 2:
		if (v->cnt[1] != 1)
			return VFAIL(EINVAL_, v->op->in[1], "add/mul: in[1] must be a single element (broadcast 2)");
		break;
	default:
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "add/mul: unknown broadcast mode");
	}
	if (add) {
		if (!mult_ok(p->in_multiplier[0]) ||
		    !mult_ok(p->in_multiplier[1]) ||
		    !shift_ok(p->in_shift[0]) || !shift_ok(p->in_shift[1]))
			return VFAIL(EINVAL_, ENPU_NO_TENSOR, "add: input multiplier or shift out of range");
		if (p->left_shift > 20)
			return VFAIL(EINVAL_, ENPU_NO_TENSOR, "add: left_shift exceeds 20");
	} else if (p->in_multiplier[0] || p->in_multiplier[1] ||
		   p->in_shift[0] || p->in_shift[1] || p->left_shift) {
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "mul: input multipliers, shifts and left_shift must be zero");
	}
	if (v->op->quant_count != 1)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "add/mul: quant_count must be 1");
	return check_op_quant_zp(v, 0);
}

int fw_check_pool(struct fw_vop *v)
{
	const struct enpu_op_pool *p = &v->op->params.pool;
	const struct enpu_tensor *x = &v->in[0], *y = &v->out;
	int maxp = v->op->opcode == ENPU_OP_MAXPOOL;
	__s64 eh, ew;

	if (x->rank != 4 || y->rank != 4)
		return VFAIL(EINVAL_, v->op->in[0], "pool: input and output must have rank 4");
	if (!is_q8(x->dtype))
		return VFAIL(EINVAL_, v->op->in[0], "pool: input must be S8 or U8");
	if (p->reserved || p->count_include_pad > 1 ||
	    (maxp && p->count_include_pad))
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "pool: reserved not zero or bad count_include_pad");
	if (p->kernel_h < 1 || p->kernel_h > ENPU_ISA_MAX_KERNEL ||
	    p->kernel_w < 1 || p->kernel_w > ENPU_ISA_MAX_KERNEL ||
	    p->stride_h < 1 || p->stride_h > ENPU_ISA_MAX_KERNEL ||
	    p->stride_w < 1 || p->stride_w > ENPU_ISA_MAX_KERNEL)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "pool: kernel or stride outside 1..64");
	if (p->pad_top >= p->kernel_h || p->pad_bottom >= p->kernel_h ||
	    p->pad_left >= p->kernel_w || p->pad_right >= p->kernel_w)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "pool: padding not smaller than the kernel");
	eh = (__s64)x->dims[2] + p->pad_top + p->pad_bottom - p->kernel_h;
	ew = (__s64)x->dims[3] + p->pad_left + p->pad_right - p->kernel_w;
	if (eh < 0 || ew < 0)
		return VFAIL(EINVAL_, v->op->in[0], "pool: kernel larger than the padded input");
	if (y->dims[0] != x->dims[0] || y->dims[1] != x->dims[1] ||
	    y->dims[2] != (__u32)eh / p->stride_h + 1 ||
	    y->dims[3] != (__u32)ew / p->stride_w + 1)
		return VFAIL(EINVAL_, v->op->out, "pool: output shape does not match the formula");
	if (maxp) {
		if (x->dtype != y->dtype || x->zero_point != y->zero_point)
			return VFAIL(EINVAL_, v->op->out, "maxpool: output type and zero point must equal the input's");
		if (v->op->quant_count != 0)
			return VFAIL(EINVAL_, ENPU_NO_TENSOR, "maxpool: quant_count must be 0");
		return 0;
	}
	if (v->op->quant_count != 1)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "avgpool: quant_count must be 1");
	return check_op_quant_zp(v, 0);
}

int fw_check_global_avgpool(struct fw_vop *v)
{
	const struct enpu_tensor *x = &v->in[0], *y = &v->out;

	if (x->rank != 4 || y->rank != 4)
		return VFAIL(EINVAL_, v->op->in[0], "global_avgpool: input and output must have rank 4");
	if (!is_q8(x->dtype))
		return VFAIL(EINVAL_, v->op->in[0], "global_avgpool: input must be S8 or U8");
	if (y->dims[0] != x->dims[0] || y->dims[1] != x->dims[1] ||
	    y->dims[2] != 1 || y->dims[3] != 1)
		return VFAIL(EINVAL_, v->op->out, "global_avgpool: output must be [N, C, 1, 1]");
	if (v->op->quant_count != 1)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "global_avgpool: quant_count must be 1");
	return check_op_quant_zp(v, 0);
}

/* CONCAT and COPY: quant_count 0 (plain) or 1 (requantize). */
static int check_copy_quant(struct fw_vop *v)
{
	if (!is_q8(v->in[0].dtype))
		return VFAIL(EINVAL_, v->op->in[0], "copy/concat: input must be S8 or U8");
	if (v->op->quant_count > 1)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "copy/concat: quant_count must be 0 or 1");
	if (v->op->quant_count == 0 &&
	    (v->in[0].dtype != v->out.dtype ||
	     v->in[0].zero_point != v->out.zero_point))
		return VFAIL(EINVAL_, v->op->out, "copy/concat: a plain copy needs equal dtype and zero point");
	return check_op_quant_zp(v, 0);
}

int fw_check_concat(struct fw_vop *v)
{
	const struct enpu_op_concat *p = &v->op->params.concat;
	const struct enpu_tensor *x = &v->in[0], *y = &v->out;
	__u32 d;

	if (x->rank != y->rank || p->axis >= y->rank)
		return VFAIL(EINVAL_, v->op->in[0], "concat: ranks differ or axis not below the rank");
	for (d = 0; d < y->rank; d++)
		if (d != p->axis && x->dims[d] != y->dims[d])
			return VFAIL(EINVAL_, v->op->in[0], "concat: dimensions other than axis differ");
	if ((__u64)p->offset + x->dims[p->axis] > y->dims[p->axis])
		return VFAIL(EINVAL_, v->op->in[0], "concat: offset + input extent exceeds the output's");
	return check_copy_quant(v);
}

int fw_check_copy(struct fw_vop *v)
{
	if (v->cnt[0] != v->out_cnt)
		return VFAIL(EINVAL_, v->op->out, "copy: element counts differ");
	return check_copy_quant(v);
}

int fw_check_softmax(struct fw_vop *v)
{
	if (v->op->params.softmax.reserved[0] ||
	    v->op->params.softmax.reserved[1])
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "softmax: reserved not zero");
	if (!is_q8(v->in[0].dtype))
		return VFAIL(EINVAL_, v->op->in[0], "softmax: input must be S8 or U8");
	if (!same_shape(&v->in[0], &v->out))
		return VFAIL(EINVAL_, v->op->out, "softmax: output must have the input's shape");
	if (v->in[1].dtype != ENPU_DTYPE_S32 || v->cnt[1] != 256)
		return VFAIL(EINVAL_, v->op->in[1], "softmax: table must be 256 S32 entries");
	if (v->op->quant_count != 1)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "softmax: quant_count must be 1");
	return check_op_quant_zp(v, 0);
}

int fw_check_lut(struct fw_vop *v)
{
	if (!is_q8(v->in[0].dtype))
		return VFAIL(EINVAL_, v->op->in[0], "lut: input must be S8 or U8");
	if (!same_shape(&v->in[0], &v->out))
		return VFAIL(EINVAL_, v->op->out, "lut: output must have the input's shape");
	if (v->in[1].dtype != v->out.dtype || v->cnt[1] != 256)
		return VFAIL(EINVAL_, v->op->in[1], "lut: table must be 256 entries of the output's dtype");
	if (v->op->quant_count != 0)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "lut: quant_count must be 0");
	return 0;
}

static int check_op(const __u8 *cb, const struct enpu_cmdbuf_header *h,
		    __u32 idx, __u64 *quant_refs, struct vyield *y,
		    struct enpu_fw_status *st)
{
	const __u8 *p = cb + h->op_offset + (__u64)idx * h->op_size;
	const struct fw_op_desc *d;
	struct enpu_op op;
	struct fw_vop vv, *v = &vv;
	__s32 lo, hi;
	__u64 ostart, oend, istart, iend;
	__u32 k;
	int err;

	fw_memcpy(&op, p, sizeof(op));
	v->cb = cb;
	v->h = h;
	v->op = &op;
	v->idx = idx;
	v->y = y;
	v->st = st;
	err = vtick(y, VAL_RECORD_COST);
	if (!err)
		err = zero_tail(y, p + sizeof(op), h->op_size - sizeof(op));
	if (err < 0)
		return VFAIL(err, ENPU_NO_TENSOR, YIELD_MSG);
	if (!err)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "op: tail bytes not zero");
	if (op.opcode == ENPU_OP_INVALID)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "op: opcode is invalid (0)");
	if (op.opcode >= ENPU_OP_COUNT)
		return VFAIL(EOPNOTSUPP_, ENPU_NO_TENSOR, "op: unknown opcode");
	if (op.flags & ~ENPU_OP_FLAGS_ALL)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "op: unknown flags");
	if (op.reserved[0] || op.reserved[1])
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "op: reserved not zero");
	d = &fw_op_table[op.opcode];
	if (!d->validate || !d->run)
		return VFAIL(EOPNOTSUPP_, ENPU_NO_TENSOR, "op: opcode not supported by this executor");
	if (!all_zero((const __u8 *)&op.params + d->psize,
		      sizeof(op.params) - d->psize))
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "op: unused params bytes not zero");

	for (k = 0; k < 3; k++) {
		int optional = k == 2 && d->bias;

		v->cnt[k] = 0;
		if (k >= d->nin && !optional) {
			if (op.in[k] != ENPU_NO_TENSOR)
				return VFAIL(EINVAL_, op.in[k], "op: unused operand not ENPU_NO_TENSOR");
			continue;
		}
		if (optional && op.in[k] == ENPU_NO_TENSOR)
			continue;
		if (op.in[k] >= h->num_tensors)
			return VFAIL(EINVAL_, op.in[k], "op: operand tensor index out of range");
		fw_read_tensor(cb, h, op.in[k], &v->in[k]);
		v->cnt[k] = tcount(&v->in[k]);
	}
	if (op.out >= h->num_tensors)
		return VFAIL(EINVAL_, op.out, "op: output tensor index out of range");
	fw_read_tensor(cb, h, op.out, &v->out);
	v->out_cnt = tcount(&v->out);
	if (!is_q8(v->out.dtype))
		return VFAIL(EINVAL_, op.out, "op: output must be S8 or U8");

	if (op.quant_count == 0 && op.quant_index)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "op: quant_index must be 0 when quant_count is 0");
	if ((__u64)op.quant_index + op.quant_count > h->num_quant)
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, "op: quant entries outside the requantization table");
	*quant_refs += op.quant_count;
	if (*quant_refs > ENPU_ISA_MAX_QUANT)
		return VFAIL(E2BIG_, ENPU_NO_TENSOR, "op: operations reference more than ENPU_ISA_MAX_QUANT quant entries in total");
	dtype_range(v->out.dtype, &lo, &hi);
	if (op.act_min > op.act_max || op.act_min < lo || op.act_max > hi)
		return VFAIL(EINVAL_, op.out, "op: act_min/act_max not an interval inside the output type's range");

	err = d->validate(v);
	if (err)
		return err;
	/*
	 * ENPU_OP_FLAG_ROUND_HALF_UP selects how requantization rounds, so it
	 * is only accepted on operations that requantize.
	 */
	if ((op.flags & ENPU_OP_FLAG_ROUND_HALF_UP) &&
	    (d->rounding == FW_ROUNDS_NEVER ||
	     (d->rounding == FW_ROUNDS_IF_QUANT && !op.quant_count)))
		return VFAIL(EINVAL_, ENPU_NO_TENSOR, d->no_round_msg);

	/* The output must not overlap any input, except exact in-place. */
	ostart = v->out.offset;
	oend = ostart + v->out_cnt * dtype_size(v->out.dtype);
	for (k = 0; k < 3; k++) {
		if (op.in[k] == ENPU_NO_TENSOR || v->in[k].slot != v->out.slot)
			continue;
		istart = v->in[k].offset;
		iend = istart + v->cnt[k] * dtype_size(v->in[k].dtype);
		if (istart >= oend || ostart >= iend)
			continue;
		if (k == 0 && istart == ostart && iend == oend && d->in_place)
			continue;
		return VFAIL(EINVAL_, op.out, "op: output overlaps an input");
	}
	return 0;
}

int fw_validate(const __u8 *cb, __u64 size, const __u64 *slot_sizes,
		const struct enpu_fw_buf *slots, __u32 num_slots,
		const struct enpu_fw_hooks *hooks, struct enpu_fw_status *st)
{
	struct vyield y = { .hooks = hooks, .work = 0 };
	struct enpu_cmdbuf_header h;
	__u64 quant_refs = 0;
	__u32 i;
	int err;

	if (num_slots && !slot_sizes && !slots)
		return HFAIL(EINVAL_, "no slot sizes given");
	err = check_header(cb, size, num_slots, &h, &y, st);
	if (err)
		return err;
	err = check_quants(cb, &h, &y, st);
	if (err)
		return err;
	for (i = 0; i < h.num_tensors; i++) {
		err = check_tensor(cb, &h, i, slot_sizes, slots, &y, st);
		if (err)
			return err;
	}
	for (i = 0; i < h.num_ops; i++) {
		err = check_op(cb, &h, i, &quant_refs, &y, st);
		if (err)
			return err;
	}
	if (st) {
		st->op = ENPU_NO_TENSOR;
		st->tensor = ENPU_NO_TENSOR;
		st->msg = "ok";
	}
	return 0;
}

int enpu_fw_validate(const void *cmdbuf, __u64 size, const __u64 *slot_sizes,
		     __u32 num_slots, struct enpu_fw_status *st)
{
	return fw_validate(cmdbuf, size, slot_sizes, NULL, num_slots, NULL, st);
}

int enpu_fw_validate_hooked(const void *cmdbuf, __u64 size,
			    const __u64 *slot_sizes, __u32 num_slots,
			    const struct enpu_fw_hooks *hooks,
			    struct enpu_fw_status *st)
{
	return fw_validate(cmdbuf, size, slot_sizes, NULL, num_slots, hooks, st);
}
