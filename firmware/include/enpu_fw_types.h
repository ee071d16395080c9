/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * Fixed-width types for the ENPU firmware core.  The firmware includes
 * nothing else: in the kernel <linux/types.h> is the real one, on the host it
 * comes from the C library's kernel headers, and the freestanding build finds
 * firmware/shim/linux/types.h instead.
 */
#ifndef _ENPU_FW_TYPES_H_
#define _ENPU_FW_TYPES_H_

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <linux/types.h>
#endif

#ifndef NULL
#define NULL ((void *)0)
#endif

#endif /* _ENPU_FW_TYPES_H_ */
