/* SPDX-License-Identifier: MIT */
/*
 * Freestanding stand-in for <linux/types.h>: the firmware is built once with
 * -nostdinc to prove it needs nothing from libc; only the compiler's own
 * freestanding <stdint.h> is available there.
 */
#ifndef _ENPU_FW_SHIM_LINUX_TYPES_H
#define _ENPU_FW_SHIM_LINUX_TYPES_H

#include <stdint.h>

typedef uint8_t __u8;
typedef int8_t __s8;
typedef uint16_t __u16;
typedef int16_t __s16;
typedef uint32_t __u32;
typedef int32_t __s32;
typedef uint64_t __u64;
typedef int64_t __s64;

/* The kernel and glibc provide it; the freestanding build gets it here. */
#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif

#endif /* _ENPU_FW_SHIM_LINUX_TYPES_H */
