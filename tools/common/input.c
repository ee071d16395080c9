// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "input.h"

uint32_t tool_rng_next(struct tool_rng *r)
{
	r->state = r->state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(r->state >> 33);
}

int tool_make_input(const struct accel_tensor_info *inf, int64_t batch,
		    struct tool_rng *rng, struct accel_tensor *t)
{
	size_t n = 1, es, i;
	int d;

	memset(t, 0, sizeof(*t));
	es = accel_dtype_size(inf->dtype);
	if (!es || inf->rank < 0)
		return die("input '%s': cannot make data for dtype %s / unknown rank",
			   inf->name, accel_dtype_name(inf->dtype));
	t->dtype = inf->dtype;
	t->rank = inf->rank;
	for (d = 0; d < inf->rank; d++) {
		t->dims[d] = inf->dims[d] >= 0 ? inf->dims[d] : d == 0 ? batch : 1;
		if (__builtin_mul_overflow(n, (size_t)t->dims[d], &n))
			return die("input '%s': shape too large", inf->name);
	}
	if (__builtin_mul_overflow(n, es, &t->size))
		return die("input '%s': shape too large", inf->name);
	t->data = calloc(1, t->size ? t->size : 1);
	if (!t->data)
		return die("out of memory");
	t->flags = ACCEL_TENSOR_OWNED;
	if (!rng)
		return 0;
	for (i = 0; i < n; i++) {
		switch (inf->dtype) {
		case ACCEL_DTYPE_F32:
			((float *)t->data)[i] = (float)(tool_rng_next(rng) % 10000) / 10000.0f;
			break;
		case ACCEL_DTYPE_U8:
		case ACCEL_DTYPE_I8:
		case ACCEL_DTYPE_BOOL:
			((uint8_t *)t->data)[i] = (uint8_t)tool_rng_next(rng);
			break;
		case ACCEL_DTYPE_I32:
			((int32_t *)t->data)[i] = (int32_t)(tool_rng_next(rng) % 100);
			break;
		case ACCEL_DTYPE_I64:
			((int64_t *)t->data)[i] = tool_rng_next(rng) % 100;
			break;
		}
	}
	return 0;
}

static int load_raw(const char *path, const struct accel_tensor_info *inf,
		    struct accel_tensor *t)
{
	FILE *f;
	long n;
	int r = tool_make_input(inf, 1, NULL, t);

	if (r)
		return r;
	f = fopen(path, "rb");
	if (!f)
		return die("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return die("%s: cannot size file", path);
	}
	if ((size_t)n != t->size) {
		fclose(f);
		return die("%s: %ld bytes, input '%s' needs %zu", path, n,
			   inf->name, t->size);
	}
	if (fread(t->data, 1, t->size, f) != t->size) {
		fclose(f);
		return die("%s: read error", path);
	}
	fclose(f);
	return 0;
}

int tool_load_input(const char *path, const struct accel_tensor_info *inf,
		    struct accel_tensor *t)
{
	size_t l = strlen(path);

	if (l > 4 && !strcmp(path + l - 4, ".npy")) {
		if (accel_npy_read(path, t))
			return die("%s", accel_last_error());
		return 0;
	}
	return load_raw(path, inf, t);
}

int tool_save_output(const char *path, const struct accel_tensor *t)
{
	if (accel_npy_write(path, t))
		return die("%s", accel_last_error());
	return 0;
}
