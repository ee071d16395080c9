/* SPDX-License-Identifier: MIT */
/*
 * A tiny protobuf writer for tests: builds ONNX messages byte by byte from
 * the field numbers of onnx.proto, independently of the loader's schema.
 * Allocation failures abort (tests only).
 */
#ifndef ENPU_TESTS_LOADER_PBW_H
#define ENPU_TESTS_LOADER_PBW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pbw {
	uint8_t *buf;
	size_t len, cap;
};

static inline void pbw_put(struct pbw *w, const void *p, size_t n)
{
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2 + 64;
		w->buf = realloc(w->buf, w->cap);
		if (!w->buf)
			abort();
	}
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static inline void pbw_varint(struct pbw *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	do {
		b[n] = v & 0x7f;
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	pbw_put(w, b, n);
}

static inline void pbw_tag(struct pbw *w, int field, int wt)
{
	pbw_varint(w, ((uint64_t)field << 3) | (uint64_t)wt);
}

static inline void pbw_int(struct pbw *w, int field, int64_t v)
{
	pbw_tag(w, field, 0);
	pbw_varint(w, (uint64_t)v);
}

static inline void pbw_float(struct pbw *w, int field, float f)
{
	pbw_tag(w, field, 5);
	pbw_put(w, &f, 4);
}

static inline void pbw_bytes(struct pbw *w, int field, const void *p, size_t n)
{
	pbw_tag(w, field, 2);
	pbw_varint(w, n);
	pbw_put(w, p, n);
}

static inline void pbw_str(struct pbw *w, int field, const char *s)
{
	pbw_bytes(w, field, s, strlen(s));
}

/* Append @sub as a length-delimited field and free it. */
static inline void pbw_msg(struct pbw *w, int field, struct pbw *sub)
{
	pbw_bytes(w, field, sub->buf, sub->len);
	free(sub->buf);
	memset(sub, 0, sizeof(*sub));
}

#endif /* ENPU_TESTS_LOADER_PBW_H */
