// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the firmware's command-buffer validator and
 * interpreter.
 *
 * Input: a command buffer, optionally followed (after header.total_size) by
 * one little-endian __u32 slot size per slot.  Slots without a size in the
 * input get the extent their tensors need, so mutated buffers are often
 * accepted.  Accepted buffers are executed with slots malloc()ed at exactly
 * the validated sizes (ASan catches any access outside them) and filled from
 * the input; a yield hook bounds the work per input.
 *
 * Build it with clang -fsanitize=fuzzer,address,undefined -Iuapi
 * -Ifirmware/include, the firmware sources and this file; run it on
 * tests/fuzz/corpus/validator (seeds: the valid every-opcode buffer of
 * tests/firmware/test-validate.c cut after 1..12 operations, each followed by
 * its exact slot sizes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <drm/enpu_isa.h>
#include "enpu_fw.h"

#define FUZZ_MAX_SLOTS	8
#define FUZZ_MAX_SLOT	(1u << 20)	/* bytes per slot we execute with */
#define FUZZ_MAX_YIELDS	64		/* ~64M multiply-accumulates */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int budget_yield(void *ctx)
{
	unsigned int *n = ctx;

	return ++*n > FUZZ_MAX_YIELDS ? -ENPU_FW_ECANCELED : 0;
}

/* The bytes tensor @i of slot @slot needs, read defensively. */
static void tensor_extents(const uint8_t *data, size_t size,
			   const struct enpu_cmdbuf_header *h, __u64 *need,
			   uint32_t num_slots)
{
	uint32_t i;

	if (h->tensor_size < sizeof(struct enpu_tensor))
		return;
	for (i = 0; i < h->num_tensors && i < 4096; i++) {
		__u64 off = h->tensor_offset + (__u64)i * h->tensor_size;
		struct enpu_tensor t;
		__u64 n = 1, end;
		int d;

		if (off + sizeof(t) > size)
			return;
		memcpy(&t, data + off, sizeof(t));
		if (t.slot >= num_slots)
			continue;
		for (d = 0; d < ENPU_ISA_MAX_DIMS; d++)
			n *= t.dims[d] ? t.dims[d] : 1;
		n *= t.dtype == ENPU_DTYPE_S32 ? 4 : 1;
		end = t.offset + n;
		if (end < t.offset || n > FUZZ_MAX_SLOT || end > FUZZ_MAX_SLOT)
			continue;
		if (end > need[t.slot])
			need[t.slot] = end;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct enpu_fw_buf slots[FUZZ_MAX_SLOTS];
	__u64 sizes[FUZZ_MAX_SLOTS] = { 0 };
	struct enpu_cmdbuf_header h;
	struct enpu_fw_status st;
	struct enpu_fw_hooks hooks = { 0 };
	unsigned int yields = 0;
	uint32_t num_slots = 1, s;
	uint8_t *cb;
	int err;

	memset(&h, 0, sizeof(h));
	if (size >= sizeof(h)) {
		memcpy(&h, data, sizeof(h));
		num_slots = h.num_slots;
		if (num_slots == 0 || num_slots > FUZZ_MAX_SLOTS)
			num_slots = 1;
		tensor_extents(data, size, &h, sizes, num_slots);
		for (s = 0; s < num_slots; s++) {
			__u64 at = (__u64)h.total_size + 4 * s;
			uint32_t v;

			if (h.total_size <= size && at + 4 <= size) {
				memcpy(&v, data + at, 4);
				sizes[s] = v;
			}
		}
	}

	/* A private, exactly sized copy: ASan flags reads past it. */
	cb = malloc(size ? size : 1);
	if (!cb)
		return 0;
	memcpy(cb, data, size);
	err = enpu_fw_validate(cb, size, sizes, num_slots, &st);
	if (err) {
		if (!st.msg || (err != -ENPU_FW_EINVAL && err != -ENPU_FW_E2BIG &&
				err != -ENPU_FW_EOVERFLOW &&
				err != -ENPU_FW_EOPNOTSUPP))
			abort();
		free(cb);
		return 0;
	}
	for (s = 0; s < num_slots; s++)
		if (sizes[s] > FUZZ_MAX_SLOT) {
			free(cb);
			return 0;
		}
	for (s = 0; s < num_slots; s++) {
		__u64 j;

		slots[s].size = sizes[s];
		slots[s].data = malloc(sizes[s] ? sizes[s] : 1);
		if (!slots[s].data)
			abort();
		for (j = 0; j < sizes[s]; j++)
			((uint8_t *)slots[s].data)[j] =
				size ? data[(j * 31 + s) % size] ^ (uint8_t)j : 0;
	}
	hooks.yield = budget_yield;
	hooks.ctx = &yields;
	err = enpu_fw_execute(cb, size, slots, num_slots, &hooks, &st);
	/* validate accepted it: only the hook may stop it */
	if (err && err != -ENPU_FW_ECANCELED)
		abort();
	for (s = 0; s < num_slots; s++)
		free(slots[s].data);
	free(cb);
	return 0;
}
