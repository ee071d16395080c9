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

int tool_parse_shape(const char *what, const char *str, struct tool_shape *s)
{
	const char *p = str;

	s->rank = 0;
	if (!*p || !strcmp(p, "scalar"))
		return 0;
	for (;;) {
		char *end;
		long long v;

		if (s->rank == ACCEL_MAX_RANK)
			return die("%s: '%s' has more than %d dimensions", what, str,
				   ACCEL_MAX_RANK);
		errno = 0;
		v = strtoll(p, &end, 10);
		if (end == p || *p == '-' || *p == '+' || errno || v < 1 ||
		    (*end && *end != 'x'))
			return die("%s: '%s' is not a shape like 1x3x224x224 (positive dimensions)",
				   what, str);
		s->dims[s->rank++] = v;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

int tool_make_input(const struct accel_tensor_info *inf, int64_t batch,
		    const struct tool_shape *shape, struct tool_rng *rng,
		    struct accel_tensor *t)
{
	size_t n = 1, es, i;
	int d;

	memset(t, 0, sizeof(*t));
	es = accel_dtype_size(inf->dtype);
	if (!es || inf->rank < 0)
		return die("input '%s': cannot make data for dtype %s / unknown rank",
			   inf->name, accel_dtype_name(inf->dtype));
	if (shape && shape->rank != inf->rank)
		return die("--shape %s: %d dimensions given, the input has %d",
			   inf->name, shape->rank, inf->rank);
	t->dtype = inf->dtype;
	t->rank = inf->rank;
	for (d = 0; d < inf->rank; d++) {
		if (shape && inf->dims[d] >= 0 && shape->dims[d] != inf->dims[d])
			return die("--shape %s: dimension %d is fixed at %lld, not %lld",
				   inf->name, d, (long long)inf->dims[d],
				   (long long)shape->dims[d]);
		if (shape)
			t->dims[d] = shape->dims[d];
		else
			t->dims[d] = inf->dims[d] >= 0 ? inf->dims[d] :
				     d == 0 ? batch : 1;
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
	int r = tool_make_input(inf, 1, NULL, NULL, t);

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

const char *tool_fmt_dims(const struct accel_tensor_info *inf, char *buf,
			  size_t size)
{
	size_t len = 0;
	int d;

	len += (size_t)snprintf(buf, size, "[");
	for (d = 0; d < inf->rank && len < size; d++) {
		if (inf->dims[d] >= 0)
			len += (size_t)snprintf(buf + len, size - len, "%s%lld",
						d ? "," : "", (long long)inf->dims[d]);
		else
			len += (size_t)snprintf(buf + len, size - len, "%s?",
						d ? "," : "");
	}
	if (len < size)
		snprintf(buf + len, size - len, "]");
	return buf;
}

int tool_save_output(const char *path, const struct accel_tensor *t)
{
	if (accel_npy_write(path, t))
		return die("%s", accel_last_error());
	return 0;
}
