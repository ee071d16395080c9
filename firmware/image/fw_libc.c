// SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT
/*
 * The three C library functions the firmware core calls (the compiler emits
 * them for struct copies and __builtin_memcpy): plain loops (words when
 * aligned), built with
 * -fno-tree-loop-distribute-patterns so they do not turn into calls to
 * themselves.
 */
#include "enpu_fw_types.h"

#define fw_size_t __SIZE_TYPE__

void *memcpy(void *dst, const void *src, fw_size_t n);
void *memmove(void *dst, const void *src, fw_size_t n);
void *memset(void *dst, int c, fw_size_t n);

void *memcpy(void *dst, const void *src, fw_size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((unsigned long)d | (unsigned long)s) & 7) == 0) {
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(__u64 *)d = *(const __u64 *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, fw_size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, fw_size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}
