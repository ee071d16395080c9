/* SPDX-License-Identifier: MIT */
/*
 * Model inputs for the command-line tools: tensors shaped like a model
 * input, filled with zeros, seeded pseudo-random data, or a file (.npy or
 * raw little-endian data).
 */
#ifndef ENPU_TOOLS_INPUT_H
#define ENPU_TOOLS_INPUT_H

#include <stdint.h>

#include "accel.h"

/* A 64-bit LCG; any seed, same sequence for the same seed. */
struct tool_rng {
	uint64_t state;
};

/* The next 31 random bits. */
uint32_t tool_rng_next(struct tool_rng *r);

/*
 * Allocate @t (ACCEL_TENSOR_OWNED, zeroed) shaped like @inf, symbolic
 * dimensions taken as @batch for the first and 1 for the others.  With @rng,
 * fill it: floats in [0, 1), integers in [0, 100), bytes anything.  Returns
 * 0, or 1 after printing why (die()).
 */
int tool_make_input(const struct accel_tensor_info *inf, int64_t batch,
		    struct tool_rng *rng, struct accel_tensor *t);

/*
 * Read input @inf from @path: a .npy file as stored, anything else as raw
 * data of @inf's shape (symbolic dimensions 1).  Returns 0, or 1 after
 * printing why.
 */
int tool_load_input(const char *path, const struct accel_tensor_info *inf,
		    struct accel_tensor *t);

/* Write @t to @path as .npy.  Returns 0, or 1 after printing why. */
int tool_save_output(const char *path, const struct accel_tensor *t);

#endif /* ENPU_TOOLS_INPUT_H */
