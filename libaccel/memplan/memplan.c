// SPDX-License-Identifier: MIT
/*
 * The arena memory planner (see memplan.h), after the greedy-by-size
 * planners of TFLite Micro (GreedyMemoryPlanner) and XNNPACK
 * (memory-planner.c).  O(n^2) in the number of buffers, which is fine for
 * the graphs an edge box runs; the plan is made once per input shape.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "memplan/memplan.h"

struct order_item {
	size_t i;
	size_t size;
};

static int cmp_order(const void *a, const void *b)
{
	const struct order_item *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static bool align_up(size_t x, size_t a, size_t *out)
{
	if (x > SIZE_MAX - (a - 1))
		return false;
	*out = (x + a - 1) & ~(a - 1);
	return true;
}

/*
 * Place every buffer of @ord (@n_ord, nonzero sizes, largest first) into
 * @off; @placed and @near are scratch of @n_ord entries.  @best picks the
 * smallest fitting gap, else the lowest.  Returns the arena size or
 * SIZE_MAX on overflow.
 */
static size_t place(const struct memplan_buf *b, const struct order_item *ord,
		    size_t n_ord, bool best, size_t *off, size_t *placed,
		    size_t *near)
{
	size_t n_placed = 0, top = 0, k, j;

	for (k = 0; k < n_ord; k++) {
		const struct memplan_buf *x = &b[ord[k].i];
		size_t a = x->align ? x->align : 1, n_near = 0, cur = 0, at;
		size_t gap = SIZE_MAX, pick = SIZE_MAX, end;

		for (j = 0; j < n_placed; j++) {
			const struct memplan_buf *u = &b[placed[j]];

			if (u->first <= x->last && x->first <= u->last)
				near[n_near++] = placed[j];
		}
		/* neighbours by offset (insertion sort: lists are short) */
		for (j = 1; j < n_near; j++) {
			size_t v = near[j], l = j;

			for (; l > 0 && off[near[l - 1]] > off[v]; l--)
				near[l] = near[l - 1];
			near[l] = v;
		}
		for (j = 0; j < n_near; j++) {
			size_t u = near[j];
			size_t uend = off[u] + b[u].size;

			if (align_up(cur, a, &at) && at <= off[u] &&
			    off[u] - at >= x->size && off[u] - cur < gap) {
				gap = off[u] - cur;
				pick = at;
				if (!best)
					break;
			}
			if (uend > cur)
				cur = uend;
		}
		if (pick == SIZE_MAX) {
			if (!align_up(cur, a, &pick))
				return SIZE_MAX;
		}
		if (pick > SIZE_MAX - x->size)
			return SIZE_MAX;
		off[ord[k].i] = pick;
		placed[n_placed++] = ord[k].i;
		end = pick + x->size;
		if (end > top)
			top = end;
	}
	return top;
}

int memplan_place(struct memplan_buf *b, size_t n, size_t *arena_size)
{
	struct order_item *ord = NULL;
	size_t *off_best = NULL, *off_first = NULL, *placed = NULL, *near = NULL;
	size_t i, n_ord = 0, top_best, top_first;
	int ret = 0;

	*arena_size = 0;
	for (i = 0; i < n; i++) {
		size_t a = b[i].align;

		if ((a & (a - 1)) || b[i].first > b[i].last)
			return -EINVAL;
		b[i].offset = 0;
	}
	if (n > SIZE_MAX / sizeof(*ord))
		return -ENOMEM;
	ord = malloc((n + 1) * sizeof(*ord));
	off_best = calloc(n + 1, sizeof(size_t));
	off_first = calloc(n + 1, sizeof(size_t));
	placed = malloc((n + 1) * sizeof(size_t));
	near = malloc((n + 1) * sizeof(size_t));
	if (!ord || !off_best || !off_first || !placed || !near) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (b[i].size) {
			ord[n_ord].i = i;
			ord[n_ord].size = b[i].size;
			n_ord++;
		}
	qsort(ord, n_ord, sizeof(*ord), cmp_order);
	top_best = place(b, ord, n_ord, true, off_best, placed, near);
	top_first = place(b, ord, n_ord, false, off_first, placed, near);
	if (top_best == SIZE_MAX && top_first == SIZE_MAX) {
		ret = -EOVERFLOW;
		goto out;
	}
	if (top_first < top_best) {
		top_best = top_first;
		for (i = 0; i < n; i++)
			off_best[i] = off_first[i];
	}
	for (i = 0; i < n; i++)
		b[i].offset = b[i].size ? off_best[i] : 0;
	*arena_size = top_best;
out:
	free(ord);
	free(off_best);
	free(off_first);
	free(placed);
	free(near);
	return ret;
}
