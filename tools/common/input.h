/* SPDX-License-Identifier: MIT */
/*
 * Model inputs for the command-line tools: tensors shaped like a model
 * input, filled with zeros, seeded pseudo-random data, or a file (.npy or
 * raw little-endian data).
 */
#ifndef ENPU_TOOLS_INPUT_H
#define ENPU_TOOLS_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "accel.h"

/* A 64-bit LCG; any seed, same sequence for the same seed. */
struct tool_rng {
	uint64_t state;
};

/* The next 31 random bits. */
uint32_t tool_rng_next(struct tool_rng *r);

/* A shape given on the command line (--shape NAME=2x3x224x224). */
struct tool_shape {
	int rank;
	int64_t dims[ACCEL_MAX_RANK];
};

/*
 * Parse "D0xD1x..." (positive whole numbers; "" or "scalar" is rank 0)
 * into @s.  Returns 0, or 1 after printing why, naming @what.
 */
int tool_parse_shape(const char *what, const char *str, struct tool_shape *s);

/*
 * Allocate @t (ACCEL_TENSOR_OWNED, zeroed) shaped like @inf.  With @shape,
 * that shape, which must have @inf's rank and agree with its fixed
 * dimensions; without, symbolic dimensions are taken as @batch for the
 * first and 1 for the others.  With @rng, fill it: floats in [0, 1),
 * integers in [0, 100), bytes anything.  Returns 0, or 1 after printing
 * why (die()).
 */
int tool_make_input(const struct accel_tensor_info *inf, int64_t batch,
		    const struct tool_shape *shape, struct tool_rng *rng,
		    struct accel_tensor *t);

/*
 * Read input @inf from @path: a .npy file as stored, anything else as raw
 * data of @inf's shape (symbolic dimensions 1).  Returns 0, or 1 after
 * printing why.
 */
int tool_load_input(const char *path, const struct accel_tensor_info *inf,
		    struct accel_tensor *t);

/* @inf's shape as "[?,3,96,96]" ('?': a symbolic dimension). */
const char *tool_fmt_dims(const struct accel_tensor_info *inf, char *buf,
			  size_t size);

/* Write @t to @path as .npy.  Returns 0, or 1 after printing why. */
int tool_save_output(const char *path, const struct accel_tensor *t);

#endif /* ENPU_TOOLS_INPUT_H */
