// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/accel_internal.h"
#include "core/npy.h"
#include "ir/ir.h"

#define NPY_MAX_FILE (1ULL << 32)

static const struct {
	const char *descr;
	int dtype;
} npy_types[] = {
	{ "<f4", ACCEL_DTYPE_F32 }, { "|u1", ACCEL_DTYPE_U8 },
	{ "|i1", ACCEL_DTYPE_I8 }, { "<i4", ACCEL_DTYPE_I32 },
	{ "<i8", ACCEL_DTYPE_I64 }, { "|b1", ACCEL_DTYPE_BOOL },
};

/* Value of 'key': in the header dict; NULL when absent. */
static const char *field(const char *h, const char *key)
{
	const char *p = strstr(h, key);

	if (!p)
		return NULL;
	p += strlen(key);
	while (*p == ' ' || *p == ':')
		p++;
	return p;
}

int npy_parse(const void *buf, size_t len, struct accel_tensor *t,
	      struct accel_err *e)
{
	const unsigned char *b = buf;
	size_t hlen, hoff, es, numel = 1;
	char *h;
	const char *p;
	unsigned int i;
	int r = 0;

	memset(t, 0, sizeof(*t));
	if (len < 10 || memcmp(b, "\x93NUMPY", 6))
		return accel_seterr(e, -EINVAL, "not a .npy file (bad magic)");
	if (b[6] == 1) {
		hlen = b[8] | (size_t)b[9] << 8;
		hoff = 10;
	} else if (b[6] == 2 || b[6] == 3) {
		if (len < 12)
			return accel_seterr(e, -EINVAL, "truncated .npy header");
		hlen = b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 |
		       (size_t)b[11] << 24;
		hoff = 12;
	} else {
		return accel_seterr(e, -EOPNOTSUPP, ".npy format version %u not supported",
				    b[6]);
	}
	if (hlen > 65536 || hoff + hlen > len)
		return accel_seterr(e, -EINVAL, "truncated .npy header");
	h = malloc(hlen + 1);
	if (!h)
		return -ENOMEM;
	memcpy(h, b + hoff, hlen);
	h[hlen] = 0;

	p = field(h, "'descr'");
	t->dtype = 0;
	for (i = 0; p && i < sizeof(npy_types) / sizeof(npy_types[0]); i++)
		if (!strncmp(p + 1, npy_types[i].descr, 3) && p[4] == '\'')
			t->dtype = npy_types[i].dtype;
	if (!t->dtype) {
		r = accel_seterr(e, -EOPNOTSUPP,
				 ".npy dtype not supported (want little-endian f4, u1, i1, i4, i8 or b1)");
		goto out;
	}
	p = field(h, "'fortran_order'");
	if (!p || strncmp(p, "False", 5)) {
		r = accel_seterr(e, -EOPNOTSUPP, ".npy in Fortran order not supported");
		goto out;
	}
	p = field(h, "'shape'");
	if (!p || *p != '(') {
		r = accel_seterr(e, -EINVAL, ".npy header has no shape");
		goto out;
	}
	p++;
	while (*p && *p != ')') {
		char *end;
		long long d;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == ')')
			break;
		d = strtoll(p, &end, 10);
		if (end == p || d < 0 || t->rank >= ACCEL_MAX_RANK) {
			r = accel_seterr(e, -EINVAL, ".npy shape is malformed or has more than %d dimensions",
					 ACCEL_MAX_RANK);
			goto out;
		}
		t->dims[t->rank++] = d;
		if (__builtin_mul_overflow(numel, (size_t)d, &numel)) {
			r = accel_seterr(e, -EOVERFLOW, ".npy shape too large");
			goto out;
		}
		p = end;
	}
	if (*p != ')') {
		r = accel_seterr(e, -EINVAL, ".npy shape is malformed");
		goto out;
	}
	es = ir_dtype_size(t->dtype);
	if (__builtin_mul_overflow(numel, es, &t->size) ||
	    len - hoff - hlen < t->size) {
		r = accel_seterr(e, -EINVAL, ".npy data truncated: shape needs %zu bytes, file has %zu",
				 numel * es, len - hoff - hlen);
		goto out;
	}
	t->data = malloc(t->size ? t->size : 1);
	if (!t->data) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(t->data, b + hoff + hlen, t->size);
	t->flags = ACCEL_TENSOR_OWNED;
out:
	free(h);
	return r;
}

int npy_read(const char *path, struct accel_tensor *t, struct accel_err *e)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;
	int r;

	memset(t, 0, sizeof(*t));
	if (!f)
		return accel_seterr(e, -errno, "%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    (unsigned long long)n > NPY_MAX_FILE || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return accel_seterr(e, -EINVAL, "%s: cannot size file", path);
	}
	buf = malloc((size_t)n + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return accel_seterr(e, -EIO, "%s: read error", path);
	}
	fclose(f);
	r = npy_parse(buf, (size_t)n, t, e);
	free(buf);
	if (r) {
		char msg[ACCEL_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", e ? e->msg : "");
		accel_seterr(e, r, "%s: %s", path, msg);
	}
	return r;
}

int npy_write(const char *path, const struct accel_tensor *t,
	      struct accel_err *e)
{
	char hdr[256], shape[200];
	const char *descr = NULL;
	size_t hl, i, pos = 0;
	FILE *f;

	for (i = 0; i < sizeof(npy_types) / sizeof(npy_types[0]); i++)
		if (npy_types[i].dtype == t->dtype)
			descr = npy_types[i].descr;
	if (!descr)
		return accel_seterr(e, -EOPNOTSUPP, "%s: dtype has no .npy form", path);
	shape[0] = 0;
	for (i = 0; i < (size_t)t->rank; i++)
		pos += (size_t)snprintf(shape + pos, sizeof(shape) - pos, "%lld,%s",
					(long long)t->dims[i],
					i + 1 < (size_t)t->rank ? " " : "");
	if (t->rank > 1)
		shape[pos - 1] = 0;	/* "(2, 3)" not "(2, 3,)" */
	hl = (size_t)snprintf(hdr, sizeof(hdr),
			      "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
			      descr, shape);
	/* pad with spaces so data starts 64-byte aligned; newline last */
	while ((10 + hl + 1) % 64)
		hdr[hl++] = ' ';
	hdr[hl++] = '\n';
	f = fopen(path, "wb");
	if (!f)
		return accel_seterr(e, -errno, "%s: %s", path, strerror(errno));
	if (fwrite("\x93NUMPY\x01\x00", 1, 8, f) != 8 ||
	    fputc((int)(hl & 0xff), f) == EOF || fputc((int)(hl >> 8), f) == EOF ||
	    fwrite(hdr, 1, hl, f) != hl ||
	    fwrite(t->data, 1, t->size, f) != t->size) {
		fclose(f);
		return accel_seterr(e, -EIO, "%s: write error", path);
	}
	if (fclose(f))
		return accel_seterr(e, -EIO, "%s: write error", path);
	return 0;
}

/* The exported forms: errors go to accel_last_error(). */
int accel_npy_read(const char *path, struct accel_tensor *t)
{
	struct accel_err e = { { 0 } };
	int r;

	if (!path || !t)
		return accel_failf(-EINVAL, "accel_npy_read: NULL argument");
	r = npy_read(path, t, &e);
	return r ? accel_fail(r, &e) : 0;
}

int accel_npy_write(const char *path, const struct accel_tensor *t)
{
	struct accel_err e = { { 0 } };
	int r;

	if (!path || !t)
		return accel_failf(-EINVAL, "accel_npy_write: NULL argument");
	r = npy_write(path, t, &e);
	return r ? accel_fail(r, &e) : 0;
}
