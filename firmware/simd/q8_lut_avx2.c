// SPDX-License-Identifier: MIT
/*
 * LUT, avx2.  The table, the input's flip and the output clamp fold into
 * one 256-byte table indexed by the raw input byte; then 32 lookups at a
 * time: vpshufb looks the low nibble up in each of the 16 rows of 16
 * entries, and the high nibble selects the row.  Chunks of the tensor go
 * through fw_parallel() (the executor's threads, or in order with yields
 * between them).
 */
#include <immintrin.h>

#include "simd.h"

/*
 * Elements of one chunk (fw_parallel()): 2^20 units of work as the scalar
 * kernel charges them (2 a byte), bounded work between two yields.
 */
#define FW_LUT_CHUNK	(1ULL << 19)

static void fw_lut_fold(const struct fw_op_ctx *c, __u8 *f)
{
	const __u8 *table = c->in[1].data;
	const __u8 xf = c->in[0].flip, yf = c->out.flip;
	const __s32 yb = c->out.bias;
	const __s32 lo = c->op.act_min, hi = c->op.act_max;
	__u32 i;

	for (i = 0; i < 256; i++) {
		__s32 v = (table[i ^ xf] ^ yf) - yb;

		f[i] = (__u8)(v < lo ? lo : v > hi ? hi : v);
	}
}

static void fw_lut_run(const __u8 *f, const __m256i *rows, const __u8 *src,
		       __u8 *dst, __u64 n)
{
	const __m256i nib = _mm256_set1_epi8(0x0f);
	__u64 i = 0;

	for (; i + 32 <= n; i += 32) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(src + i));
		__m256i lo = _mm256_and_si256(x, nib);
		__m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), nib);
		__m256i r = _mm256_setzero_si256();
		int k;

		for (k = 0; k < 16; k++) {
			__m256i m = _mm256_cmpeq_epi8(hi, _mm256_set1_epi8(k));
			__m256i t = _mm256_shuffle_epi8(rows[k], lo);

			r = _mm256_or_si256(r, _mm256_and_si256(m, t));
		}
		_mm256_storeu_si256((__m256i *)(dst + i), r);
	}
	for (; i < n; i++)
		dst[i] = f[src[i]];
}

struct fw_lut_job {
	const __u8 *f;
	const __m256i *rows;
	const __u8 *src;
	__u8 *dst;
	__u64 n;
};

static void fw_lut_chunk(void *arg, __u32 i)
{
	const struct fw_lut_job *j = arg;
	const __u64 i0 = (__u64)i * FW_LUT_CHUNK;
	const __u64 len = j->n - i0 < FW_LUT_CHUNK ? j->n - i0 : FW_LUT_CHUNK;

	fw_lut_run(j->f, j->rows, j->src + i0, j->dst + i0, len);
}

int enpu_q8_lut__avx2(struct fw_op_ctx *c)
{
	struct fw_lut_job j = {
		.src = c->in[0].data, .dst = c->out.data, .n = c->out.count,
	};
	__u8 f[256];
	__m256i rows[16];
	int k;

	fw_lut_fold(c, f);
	for (k = 0; k < 16; k++)
		rows[k] = _mm256_broadcastsi128_si256(
			_mm_loadu_si128((const __m128i *)(f + 16 * k)));
	j.f = f;
	j.rows = rows;
	fw_parallel(c, fw_lut_chunk, &j,
		    (__u32)((j.n + FW_LUT_CHUNK - 1) / FW_LUT_CHUNK));
	return 0;
}
