// SPDX-License-Identifier: MIT
/*
 * The arena memory planner (libaccel/memplan/): hand cases with known
 * layouts, a case where best fit wins and one where first fit wins (the
 * planner must keep the smaller arena of the two), and seeded random
 * buffer sets checked for what any valid plan must satisfy.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "memplan/memplan.h"
#include "tap.h"

#define B(sz, al, f, l) { .size = (sz), .align = (al), .first = (f), .last = (l) }

/* No two buffers live at the same step overlap; offsets are aligned. */
static int check_valid(const struct memplan_buf *b, size_t n, size_t arena)
{
	for (size_t i = 0; i < n; i++) {
		size_t a = b[i].align ? b[i].align : 1;

		if (b[i].offset % a || b[i].offset + b[i].size > arena)
			return 0;
		for (size_t j = 0; j < i; j++) {
			if (!b[i].size || !b[j].size ||
			    b[i].last < b[j].first || b[j].last < b[i].first)
				continue;
			if (b[i].offset < b[j].offset + b[j].size &&
			    b[j].offset < b[i].offset + b[i].size)
				return 0;
		}
	}
	return 1;
}

static void test_hand(void)
{
	/* disjoint lifetimes share offset 0; overlapping ones stack, aligned */
	struct memplan_buf b[] = {
		B(100, 64, 0, 1), B(100, 64, 2, 3), B(10, 64, 1, 2), B(0, 64, 0, 3),
	};
	size_t arena;

	TAP_CHECK(memplan_place(b, 4, &arena) == 0, "place");
	TAP_CHECK(b[0].offset == 0 && b[1].offset == 0, "reuse: %zu %zu",
		  b[0].offset, b[1].offset);
	TAP_CHECK(b[2].offset == 128, "after both, aligned: %zu", b[2].offset);
	TAP_CHECK(b[3].offset == 0, "empty buffer: %zu", b[3].offset);
	TAP_CHECK(arena == 138, "arena %zu", arena);
	TAP_CHECK(check_valid(b, 4, arena), "valid");
	TAP_CHECK(memplan_place(b, 0, &arena) == 0 && arena == 0, "no buffers");
}

static void test_best_and_first(void)
{
	/* best fit: 27 bytes, first fit would need 30 */
	struct memplan_buf bf[] = {
		B(5, 1, 3, 5), B(6, 1, 5, 8), B(3, 1, 1, 4), B(5, 1, 4, 7),
		B(6, 1, 4, 7), B(5, 1, 2, 5), B(5, 1, 0, 3),
	};
	/* first fit: 13 bytes, best fit would need 14 */
	struct memplan_buf ff[] = {
		B(1, 1, 3, 6), B(3, 1, 3, 6), B(5, 1, 4, 4), B(2, 1, 2, 3),
		B(6, 1, 1, 1), B(3, 1, 0, 3), B(4, 1, 0, 1),
	};
	size_t arena;

	TAP_CHECK(memplan_place(bf, 7, &arena) == 0 && arena == 27,
		  "best fit case: arena %zu, want 27", arena);
	TAP_CHECK(check_valid(bf, 7, arena), "valid");
	TAP_CHECK(memplan_place(ff, 7, &arena) == 0 && arena == 13,
		  "first fit case: arena %zu, want 13", arena);
	TAP_CHECK(check_valid(ff, 7, arena), "valid");
}

static void test_errors(void)
{
	struct memplan_buf b[] = { B(8, 3, 0, 0) }, c[] = { B(8, 8, 2, 1) };
	struct memplan_buf big[] = { B(SIZE_MAX - 8, 1, 0, 0), B(64, 64, 0, 0) };
	size_t arena;

	TAP_CHECK(memplan_place(b, 1, &arena) == -EINVAL, "alignment 3");
	TAP_CHECK(memplan_place(c, 1, &arena) == -EINVAL, "empty live range");
	TAP_CHECK(memplan_place(big, 2, &arena) == -EOVERFLOW, "overflow");
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

static void test_random(void)
{
	struct memplan_buf b[64];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int cases = 0;

	for (int t = 0; t < 2000; t++) {
		size_t n = 1 + rnd(&seed) % 64, arena, peak = 0;

		for (size_t i = 0; i < n; i++) {
			b[i].size = rnd(&seed) % 5 ? rnd(&seed) % 5000 : 0;
			b[i].align = (size_t)1 << (rnd(&seed) % 7);
			b[i].first = (int)(rnd(&seed) % 40);
			b[i].last = b[i].first + (int)(rnd(&seed) % 10);
		}
		if (!TAP_CHECK(memplan_place(b, n, &arena) == 0, "place"))
			return;
		if (!TAP_CHECK(check_valid(b, n, arena), "case %d invalid", t))
			return;
		/* never below the bytes live at the busiest step */
		for (int s = 0; s < 50; s++) {
			size_t live = 0;

			for (size_t i = 0; i < n; i++)
				if (b[i].first <= s && s <= b[i].last)
					live += b[i].size;
			if (live > peak)
				peak = live;
		}
		TAP_CHECK(arena >= peak, "case %d: arena %zu below peak %zu", t,
			  arena, peak);
		cases++;
	}
	TAP_CHECK(cases == 2000, "%d cases ran", cases);
}

int main(void)
{
	tap_run("hand layouts: reuse, stacking, alignment", test_hand);
	tap_run("best fit and first fit: the smaller arena is kept",
		test_best_and_first);
	tap_run("bad alignment, empty range, overflow", test_errors);
	tap_run("random buffer sets give valid plans", test_random);
	return tap_done("memplan");
}
