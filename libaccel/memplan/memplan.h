/* SPDX-License-Identifier: MIT */
/*
 * The arena memory planner: one for everything a run touches.
 *
 * The caller lists every buffer that lives in the arena: each tensor and
 * each operator's scratch workspace, with its size, alignment and live
 * range in execution steps.  The planner assigns offsets so that no two
 * buffers whose live ranges intersect overlap, and returns the arena size.
 * The float executor (exec/plan.c) and the int8 compiler (compile/compile.c) both
 * plan through it.
 *
 *	struct memplan_buf b[] = {
 *		{ .size = 4096, .align = 64, .first = 0, .last = 2 },	// tensor
 *		{ .size = 512,  .align = 64, .first = 1, .last = 1 },	// scratch
 *	};
 *	size_t arena;
 *	memplan_place(b, 2, &arena);	// b[i].offset set
 */
#ifndef LIBACCEL_MEMPLAN_H
#define LIBACCEL_MEMPLAN_H

#include <stddef.h>

/**
 * struct memplan_buf - one buffer of the arena
 * @size: bytes (0: offset 0, occupies nothing)
 * @align: alignment of @offset, a power of two (0 counts as 1)
 * @first: first execution step that uses the buffer
 * @last: last execution step that uses it (inclusive, >= @first); a
 *	  workspace of step s has @first == @last == s
 * @offset: Output: offset in the arena
 */
struct memplan_buf {
	size_t size;
	size_t align;
	int first, last;
	size_t offset;
};

/**
 * memplan_place() - lay out @n buffers in one arena
 * @b: the buffers; their @offset is set
 * @n: count
 * @arena_size: Output: bytes of the arena (end of the furthest buffer)
 *
 * Greedy by size: buffers are placed from the largest down (ties in list
 * order), each in the smallest gap between the already placed buffers it is
 * live with that holds it (best fit), else after the last of them.  The
 * same order is also laid out first-fit (the lowest gap that holds it) and
 * the smaller of the two arenas is kept, so the result is never worse than
 * a first-fit planner's.  Deterministic.
 *
 * Return: 0, -EINVAL for an alignment that is not a power of two or an
 * empty live range, -EOVERFLOW when the arena would not fit in size_t,
 * -ENOMEM.
 */
int memplan_place(struct memplan_buf *b, size_t n, size_t *arena_size);

#endif /* LIBACCEL_MEMPLAN_H */
