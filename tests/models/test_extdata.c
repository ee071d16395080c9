// SPDX-License-Identifier: MIT
/*
 * Models with external data (tests/models/make_extdata.py): the digits
 * fp32 model with its initializers in digits.data beside it runs
 * bit-identically to the model that embeds them, and hostile
 * external_data entries (outside the directory, missing file, past the
 * end, wrong length, bad offset) or a load from memory are refused with
 * the errno and a message naming the initializer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"
#include "tap.h"

#define DIR "tests/models/data/extdata/"

static accel_ctx *ctx;

static void test_same_as_embedded(void)
{
	struct accel_tensor x = { 0 }, a = { 0 }, b = { 0 };
	accel_model *ext, *emb;
	int err;

	ext = accel_model_load(ctx, DIR "digits_ext.onnx", &err);
	TAP_CHECK(ext, "load with external data: %s", accel_last_error());
	emb = accel_model_load(ctx, "models/digits_fp32.onnx", &err);
	if (!ext || !emb || !TAP_CHECK(!accel_npy_read("models/digits_test_x.npy", &x),
				       "%s", accel_last_error()))
		goto out;
	TAP_CHECK(!accel_run(ext, &x, 1, &a, 1), "run external: %s", accel_last_error());
	TAP_CHECK(!accel_run(emb, &x, 1, &b, 1), "run embedded: %s", accel_last_error());
	TAP_CHECK(a.size == b.size && a.size == 360 * 10 * sizeof(float) &&
		  !memcmp(a.data, b.data, a.size),
		  "logits of the external-data model are bit-identical to the embedded one's");
out:
	accel_tensor_release(&x);
	accel_tensor_release(&a);
	accel_tensor_release(&b);
	accel_model_free(ext);
	accel_model_free(emb);
}

static void test_from_memory(void)
{
	FILE *f = fopen(DIR "digits_ext.onnx", "rb");
	char buf[8192];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	accel_model *m;
	int err = 0;

	if (f)
		fclose(f);
	if (!TAP_CHECK(n > 0 && n < sizeof(buf), "read the model"))
		return;
	m = accel_model_load_mem(ctx, buf, n, &err);
	TAP_CHECK(!m && err == -EOPNOTSUPP, "from memory: %d", err);
	TAP_CHECK(strstr(accel_last_error(), "loaded from memory cannot reach") != NULL,
		  "message: %s", accel_last_error());
	accel_model_free(m);
}

static void test_hostile(void)
{
	static const struct {
		const char *file;
		int err;
		const char *msg;
	} cases[] = {
		{ "abs.onnx", -EINVAL, "location '/etc/passwd' leaves the model's directory" },
		{ "dotdot.onnx", -EINVAL, "location '../extdata/digits.data' leaves the model's directory" },
		{ "missing.onnx", -ENOENT, "external data file 'nope.data': No such file" },
		{ "past_end.onnx", -EINVAL, "has 57512 bytes, the tensor needs" },
		{ "bad_length.onnx", -EINVAL, "external data length 12, shape and type need" },
		{ "bad_offset.onnx", -EINVAL, "offset or length is not a number" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[256];
		accel_model *m;
		int err = 0;

		snprintf(path, sizeof(path), DIR "%s", cases[i].file);
		m = accel_model_load(ctx, path, &err);
		TAP_CHECK(!m && err == cases[i].err, "%s: errno %d, want %d", cases[i].file,
			  err, cases[i].err);
		TAP_CHECK(strstr(accel_last_error(), cases[i].msg) &&
			  strstr(accel_last_error(), "initializer '"),
			  "%s: message: %s", cases[i].file, accel_last_error());
		accel_model_free(m);
	}
}

int main(void)
{
	int err;

	ctx = accel_open(ACCEL_DEVICE_CPU, &err);
	if (!ctx) {
		printf("# %s\n", accel_last_error());
		return tap_done("models-extdata");
	}
	tap_run("initializers in an external file run like embedded ones", test_same_as_embedded);
	tap_run("external data refused when loaded from memory", test_from_memory);
	tap_run("hostile external_data entries are refused", test_hostile);
	accel_close(ctx);
	return tap_done("models-extdata");
}
