/* SPDX-License-Identifier: MIT */
/*
 * NumPy .npy files (format 1.0-3.0, little-endian, C order).  Exported as
 * accel_npy_read()/accel_npy_write() (accel.h); these internal forms take an
 * error record and npy_parse() reads a buffer (the tests and fuzzers).
 */
#ifndef LIBACCEL_NPY_H
#define LIBACCEL_NPY_H

#include "accel.h"
#include "util/err.h"

/*
 * Read @path into @t (data malloc'ed, ACCEL_TENSOR_OWNED set: release with
 * accel_tensor_release()).  Supported dtypes: f4, u1, i1, i4, i8, b1.
 */
int npy_read(const char *path, struct accel_tensor *t, struct accel_err *e);
int npy_parse(const void *buf, size_t len, struct accel_tensor *t,
	      struct accel_err *e);
int npy_write(const char *path, const struct accel_tensor *t,
	      struct accel_err *e);

#endif /* LIBACCEL_NPY_H */
