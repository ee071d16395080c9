// SPDX-License-Identifier: MIT
/*
 * libaccel public API: device choice, errors for bad calls and bad models,
 * shape caching, .npy I/O, fixed-point multipliers and edge quantization
 * against hand-computed values.
 */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm/enpu_isa.h>

#include "accel.h"
#include "core/npy.h"
#include "compile/qcompile.h"
#include "ops/ops_util.h"
#include "tap.h"

static void *model_bytes;
static size_t model_len;

static int slurp(const char *path, void **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*buf = malloc((size_t)n);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

static void test_device_choice(void)
{
	accel_ctx *c;
	int err;

	unsetenv("ACCEL_DEVICE");
	c = accel_open(ACCEL_DEVICE_AUTO, &err);
	TAP_CHECK(c && err == 0, "auto: %d", err);
	TAP_CHECK(c && accel_ctx_device(c) == ACCEL_DEVICE_CPU, "auto without NPU is the CPU");
	accel_close(c);

	c = accel_open(ACCEL_DEVICE_NPU, &err);
	TAP_CHECK(!c && err == -ENODEV, "npu: %d", err);
	TAP_CHECK(strstr(accel_last_error(), "npu") != NULL, "message: %s",
		  accel_last_error());

	setenv("ACCEL_DEVICE", "npu", 1);
	c = accel_open(ACCEL_DEVICE_AUTO, &err);
	TAP_CHECK(!c && err == -ENODEV, "ACCEL_DEVICE=npu: %d", err);
	setenv("ACCEL_DEVICE", "gpu", 1);
	c = accel_open(ACCEL_DEVICE_AUTO, &err);
	TAP_CHECK(!c && err == -EINVAL, "ACCEL_DEVICE=gpu: %d", err);
	TAP_CHECK(strstr(accel_last_error(), "gpu") != NULL, "message: %s",
		  accel_last_error());
	setenv("ACCEL_DEVICE", "cpu", 1);
	c = accel_open(ACCEL_DEVICE_AUTO, &err);
	TAP_CHECK(c != NULL, "ACCEL_DEVICE=cpu: %d", err);
	accel_close(c);
	unsetenv("ACCEL_DEVICE");

	c = accel_open((enum accel_device)7, &err);
	TAP_CHECK(!c && err == -EINVAL, "device 7: %d", err);
}

static void test_bad_models(void)
{
	accel_ctx *c = accel_open(ACCEL_DEVICE_CPU, NULL);
	accel_model *m;
	unsigned char junk[256];
	size_t len, i;
	int err, fails = 0;

	m = accel_model_load(c, "/nonexistent/model.onnx", &err);
	TAP_CHECK(!m && err == -ENOENT, "missing file: %d", err);
	m = accel_model_load(c, ".", &err);
	TAP_CHECK(!m && err == -EINVAL, "directory: %d", err);

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	m = accel_model_load_mem(c, junk, sizeof(junk), &err);
	TAP_CHECK(!m && err < 0, "junk accepted");
	TAP_CHECK(accel_last_error()[0] != 0, "no message for junk");

	/* Every truncation of a real model fails cleanly (ASan/valgrind
	 * watch for the rest); step through prefixes. */
	for (len = 0; len < model_len; len += 1 + len / 16) {
		m = accel_model_load_mem(c, model_bytes, len, &err);
		if (m) {
			/* A prefix may still be a valid (smaller) model:
			 * then it must run or fail cleanly. */
			accel_model_free(m);
			continue;
		}
		fails++;
		if (!TAP_CHECK(err < 0 && accel_last_error()[0],
			       "prefix %zu: err %d, no message", len, err))
			break;
	}
	TAP_CHECK(fails > 0, "no truncated prefix was rejected");
	accel_close(c);
}

static void test_run_errors(void)
{
	accel_ctx *c = accel_open(ACCEL_DEVICE_CPU, NULL);
	accel_model *m;
	float img[2 * 64] = { 0 }, small[4];
	struct accel_tensor in = { .dtype = ACCEL_DTYPE_F32, .rank = 4,
				   .dims = { 1, 1, 8, 8 }, .data = img,
				   .size = 64 * sizeof(float) };
	struct accel_tensor bad, out = { 0 };
	struct accel_tensor_info inf;
	int err;

	m = accel_model_load_mem(c, model_bytes, model_len, &err);
	if (!TAP_CHECK(m, "load: %s", accel_last_error()))
		goto out;
	TAP_CHECK(accel_model_num_inputs(m) == 1 && accel_model_num_outputs(m) == 1,
		  "io counts");
	TAP_CHECK(accel_model_input(m, 0, &inf) == 0 && !strcmp(inf.name, "input") &&
		  inf.rank == 4 && inf.dims[0] == -1 && inf.dims[2] == 8,
		  "input info: %s rank %d dims[0] %lld", inf.name, inf.rank,
		  (long long)inf.dims[0]);
	TAP_CHECK(accel_model_input(m, 1, &inf) == -EINVAL, "input 1 exists");

	TAP_CHECK(accel_run(m, &in, 0, &out, 1) == -EINVAL, "0 inputs accepted");
	TAP_CHECK(accel_run(m, &in, 1, &out, 2) == -EINVAL, "2 outputs accepted");
	bad = in;
	bad.dtype = ACCEL_DTYPE_U8;
	TAP_CHECK(accel_run(m, &bad, 1, &out, 1) == -EINVAL, "u8 accepted");
	TAP_CHECK(strstr(accel_last_error(), "input") != NULL, "msg %s",
		  accel_last_error());
	bad = in;
	bad.rank = 3;
	TAP_CHECK(accel_run(m, &bad, 1, &out, 1) == -EINVAL, "rank 3 accepted");
	bad = in;
	bad.dims[2] = 9;
	TAP_CHECK(accel_run(m, &bad, 1, &out, 1) == -EINVAL, "9x8 accepted");
	bad = in;
	bad.size = 10;
	TAP_CHECK(accel_run(m, &bad, 1, &out, 1) == -EINVAL, "short buffer accepted");
	bad = in;
	bad.dims[0] = -3;
	TAP_CHECK(accel_run(m, &bad, 1, &out, 1) == -EINVAL, "negative dim accepted");

	out.data = small;
	out.size = sizeof(small);
	TAP_CHECK(accel_run(m, &in, 1, &out, 1) == -ENOSPC, "small output accepted");

	/* Symbolic batch: two shapes, each compiled and cached. */
	memset(&out, 0, sizeof(out));
	TAP_CHECK(accel_run(m, &in, 1, &out, 1) == 0, "batch 1: %s", accel_last_error());
	TAP_CHECK(out.rank == 2 && out.dims[0] == 1 && out.dims[1] == 10 &&
		  (out.flags & ACCEL_TENSOR_OWNED), "batch 1 output");
	in.dims[0] = 2;
	in.size = sizeof(img);
	TAP_CHECK(accel_run(m, &in, 1, &out, 1) == 0, "batch 2: %s", accel_last_error());
	TAP_CHECK(out.dims[0] == 2 && out.size == 2 * 10 * sizeof(float),
		  "batch 2 output %lld", (long long)out.dims[0]);
	TAP_CHECK(accel_model_arena_size(m) > 0, "arena size reported");
	accel_tensor_release(&out);
	TAP_CHECK(out.data == NULL, "release clears data");
	accel_model_free(m);
out:
	accel_close(c);
}

static void test_npy_roundtrip(void)
{
	char path[] = "/tmp/enpu-npy-XXXXXX";
	int64_t v[6] = { 1, -2, 3, -4, 5, 1LL << 40 };
	struct accel_tensor t = { .dtype = ACCEL_DTYPE_I64, .rank = 2,
				  .dims = { 2, 3 }, .data = v, .size = sizeof(v) };
	struct accel_tensor r;
	struct accel_err e;
	int fd = mkstemp(path);

	if (!TAP_CHECK(fd >= 0, "mkstemp"))
		return;
	close(fd);
	TAP_CHECK(npy_write(path, &t, &e) == 0, "write: %s", e.msg);
	TAP_CHECK(npy_read(path, &r, &e) == 0, "read: %s", e.msg);
	TAP_CHECK(r.dtype == ACCEL_DTYPE_I64 && r.rank == 2 && r.dims[0] == 2 &&
		  r.dims[1] == 3 && r.size == sizeof(v) &&
		  !memcmp(r.data, v, sizeof(v)), "round trip differs");
	accel_tensor_release(&r);
	/* The exported API (accel.h, LIBACCEL_0.3): same file, same tensor. */
	v[0] = 7;
	TAP_CHECK(accel_npy_write(path, &t) == 0, "accel_npy_write: %s",
		  accel_last_error());
	TAP_CHECK(accel_npy_read(path, &r) == 0, "accel_npy_read: %s",
		  accel_last_error());
	TAP_CHECK(r.dtype == ACCEL_DTYPE_I64 && r.rank == 2 && r.dims[1] == 3 &&
		  r.size == sizeof(v) && (r.flags & ACCEL_TENSOR_OWNED) &&
		  !memcmp(r.data, v, sizeof(v)), "accel_npy round trip differs");
	accel_tensor_release(&r);
	unlink(path);
	TAP_CHECK(accel_npy_read(path, &r) == -ENOENT &&
		  strstr(accel_last_error(), path),
		  "missing file: %s", accel_last_error());

	TAP_CHECK(npy_parse("\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'", 24, &r, &e) < 0,
		  "truncated header accepted");
	{
		/* A valid header whose shape needs 16 bytes, with 4 present. */
		char h[128];
		const char *d = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n";
		size_t dl = strlen(d);
		int rr;

		memcpy(h, "\x93NUMPY\x01\x00", 8);
		h[8] = (char)dl;
		h[9] = 0;
		memcpy(h + 10, d, dl);
		memset(h + 10 + dl, 0, 16);
		rr = npy_parse(h, 10 + dl + 4, &r, &e);
		TAP_CHECK(rr == -EINVAL && strstr(e.msg, "truncated"),
			  "missing data: %d %s", rr, e.msg);
		rr = npy_parse(h, 10 + dl + 16, &r, &e);
		TAP_CHECK(rr == 0 && r.size == 16, "complete file: %d %s", rr, e.msg);
		if (!rr)
			accel_tensor_release(&r);
	}
}

static void test_multiplier(void)
{
	int32_t m, s;
	unsigned int i, seed = 1;

	TAP_CHECK(qprog_quantize_multiplier(0.5, &m, &s) == 0 && m == 1 << 30 &&
		  s == 0, "0.5 -> %d, %d", m, s);
	TAP_CHECK(qprog_quantize_multiplier(1.0, &m, &s) == 0 && m == 1 << 30 &&
		  s == -1, "1.0 -> %d, %d", m, s);
	TAP_CHECK(qprog_quantize_multiplier(0.75, &m, &s) == 0 && m == 1610612736 &&
		  s == 0, "0.75 -> %d, %d", m, s);
	TAP_CHECK(qprog_quantize_multiplier(0.001, &m, &s) == 0 &&
		  m == 1099511628 && s == 9, "0.001 -> %d, %d", m, s);
	TAP_CHECK(qprog_quantize_multiplier(1e-30, &m, &s) == 0 && m == 0,
		  "tiny -> %d", m);
	TAP_CHECK(qprog_quantize_multiplier(1e12, &m, &s) == -ERANGE, "huge");
	TAP_CHECK(qprog_quantize_multiplier(-1, &m, &s) == -ERANGE, "negative");
	for (i = 0; i < 10000; i++) {
		double real, back;

		seed = seed * 1103515245 + 12345;
		real = ldexp((double)(seed % 1000000 + 1) / 1e6, (int)(seed % 40) - 30);
		if (qprog_quantize_multiplier(real, &m, &s))
			continue;
		if (m == 0) {
			/* Below the smallest representable 2^-33: zero. */
			if (!TAP_CHECK(real < ldexp(1, -32), "%g became 0", real))
				break;
			continue;
		}
		back = ldexp((double)m, -31 - s);
		if (!TAP_CHECK(m >= 1 << 30 && s >= -31 && s <= 32 &&
			       fabs(back - real) <= real * ldexp(1, -30),
			       "%g -> %d * 2^-(31+%d) = %g", real, m, s, back))
			break;
	}
}

static void test_edge_quantize(void)
{
	/* scale 0.5: x / 0.5 = 2x; ties go to even; NaN gives the lowest. */
	const float x[] = { 1.25f, 1.75f, -1.25f, -1.75f, 0.0f, 100.0f, -100.0f, 0.26f, NAN };
	const int8_t want_s8[] = { 2 + 3, 4 + 3, -2 + 3, -4 + 3, 3, 127, -128, 1 + 3, -128 };
	const uint8_t want_u8[] = { 2 + 3, 4 + 3, 1, 0, 3, 203, 0, 4, 0 };
	enum { N = sizeof(x) / sizeof(x[0]) };
	int8_t s8[N];
	uint8_t u8[N];
	float back[N];
	int i;

	qprog_quantize(x, s8, N, ENPU_DTYPE_S8, 0.5f, 3);
	qprog_quantize(x, u8, N, ENPU_DTYPE_U8, 0.5f, 3);
	for (i = 0; i < N; i++) {
		TAP_CHECK(s8[i] == want_s8[i], "s8 %g -> %d want %d", x[i], s8[i], want_s8[i]);
		TAP_CHECK(u8[i] == want_u8[i], "u8 %g -> %d want %d", x[i], u8[i], want_u8[i]);
		/* The QuantizeLinear operator quantizes with the same function. */
		TAP_CHECK(cpu_quantize_f32(x[i], 0.5f, 3, -128, 127) == want_s8[i],
			  "QuantizeLinear s8 %g", x[i]);
		TAP_CHECK(cpu_quantize_f32(x[i], 0.5f, 3, 0, 255) == want_u8[i],
			  "QuantizeLinear u8 %g", x[i]);
	}
	qprog_dequantize(s8, back, N, ENPU_DTYPE_S8, 0.5f, 3);
	TAP_CHECK(back[0] == 1.0f && back[5] == 62.0f && back[6] == -65.5f,
		  "dequantize %g %g %g", back[0], back[5], back[6]);
}

/*
 * The edge conversion against the QuantizeLinear operator's scalar
 * function (cpu_quantize_f32), element by element: random floats of every
 * magnitude (and raw bit patterns: NaN, infinities, denormals), exact
 * ties k + 1/2, values just around the saturation bounds, random scales
 * and zero points; an odd length so the vector loops' tails run too.
 */
static void test_quantize_vs_scalar(void)
{
	enum { N = 4099 };
	static float x[N];
	static int8_t s8[N];
	static uint8_t u8[N];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int round, bad = 0;

	for (round = 0; round < 40 && !bad; round++) {
		float scale;
		int32_t zs, zu;
		int i;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		scale = ldexpf((float)(seed >> 40 & 0xffff) / 65536.0f + 0.5f,
			       (int)(seed >> 33 & 31) - 20);
		zs = (int32_t)(seed >> 20 & 255) - 128;
		zu = (int32_t)(seed >> 12 & 255);
		for (i = 0; i < N; i++) {
			uint32_t bits;

			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			bits = (uint32_t)(seed >> 32);
			switch (seed >> 29 & 3) {
			case 0:		/* any bit pattern */
				memcpy(&x[i], &bits, sizeof(bits));
				break;
			case 1:		/* a tie: (k + 1/2) * scale */
				x[i] = ((float)((int)(bits % 1024) - 512) + 0.5f) * scale;
				break;
			case 2:		/* near the bounds */
				x[i] = ((float)((int)(bits % 1200) - 600) / 2.0f) * scale;
				break;
			default:	/* ordinary values */
				x[i] = ldexpf((float)(bits & 0xffffff) / 16777216.0f - 0.5f,
					      (int)(bits >> 24 & 15)) * scale * 64.0f;
			}
		}
		qprog_quantize(x, s8, N, ENPU_DTYPE_S8, scale, zs);
		qprog_quantize(x, u8, N, ENPU_DTYPE_U8, scale, zu);
		for (i = 0; i < N && !bad; i++) {
			int32_t ws = cpu_quantize_f32(x[i], scale, zs, -128, 127);
			int32_t wu = cpu_quantize_f32(x[i], scale, zu, 0, 255);

			bad = !TAP_CHECK(s8[i] == ws && u8[i] == wu,
					 "%a / %a: s8 %d want %d (zp %d), u8 %d want %d (zp %d)",
					 x[i], scale, s8[i], ws, zs, u8[i], wu, zu);
		}
	}
}

/* 0.5: inputs and outputs by name, symbolic dimension names, metadata. */
static void test_names_and_metadata(void)
{
	struct accel_model_meta meta;
	accel_model *m;
	accel_ctx *c;
	int err;

	c = accel_open(ACCEL_DEVICE_CPU, &err);
	m = c ? accel_model_load_mem(c, model_bytes, model_len, &err) : NULL;
	if (!TAP_CHECK(m, "load: %d", err))
		goto out;
	TAP_CHECK(accel_model_input_index(m, "input") == 0, "input 'input' is 0");
	TAP_CHECK(accel_model_output_index(m, "logits") == 0, "output 'logits' is 0");
	TAP_CHECK(accel_model_input_index(m, "logits") == -ENOENT,
		  "an output's name is no input");
	TAP_CHECK(strstr(accel_last_error(), "no input 'logits'") != NULL,
		  "message: %s", accel_last_error());
	TAP_CHECK(accel_model_output_index(m, "") == -ENOENT, "empty name");
	TAP_CHECK(accel_model_input_index(m, NULL) == -EINVAL, "NULL name");
	TAP_CHECK(accel_model_input_index(NULL, "input") == -EINVAL, "NULL model");
	TAP_CHECK(accel_model_input_dim_name(m, 0, 0) &&
		  !strcmp(accel_model_input_dim_name(m, 0, 0), "batch"),
		  "input dim 0 is 'batch'");
	TAP_CHECK(accel_model_output_dim_name(m, 0, 0) &&
		  !strcmp(accel_model_output_dim_name(m, 0, 0), "batch"),
		  "output dim 0 is 'batch'");
	TAP_CHECK(!accel_model_input_dim_name(m, 0, 1), "a fixed dim has no name");
	TAP_CHECK(!accel_model_input_dim_name(m, 0, 4) &&
		  !accel_model_input_dim_name(m, 0, -1) &&
		  !accel_model_input_dim_name(m, 1, 0) &&
		  !accel_model_output_dim_name(m, -1, 0) &&
		  !accel_model_input_dim_name(NULL, 0, 0),
		  "out-of-range dims, indices and NULL give NULL");
	memset(&meta, 0xa5, sizeof(meta));
	TAP_CHECK(accel_model_metadata(m, &meta) == 0, "metadata");
	TAP_CHECK(!strcmp(meta.producer_name, "enpu-models/make_digits.py") &&
		  !strcmp(meta.producer_version, "1"),
		  "producer %s %s", meta.producer_name, meta.producer_version);
	TAP_CHECK(!strcmp(meta.graph_name, "digits_fp32"), "graph %s", meta.graph_name);
	TAP_CHECK(meta.ir_version == 7 && meta.opset == 13 && meta.n_nodes > 0,
		  "ir %lld opset %lld nodes %d", (long long)meta.ir_version,
		  (long long)meta.opset, meta.n_nodes);
	TAP_CHECK(meta.domain && meta.doc && meta.reserved[0] == 0 &&
		  meta.reserved[8] == 0, "strings set, reserved zeroed");
	TAP_CHECK(accel_model_metadata(m, NULL) == -EINVAL &&
		  accel_model_metadata(NULL, &meta) == -EINVAL, "NULL arguments");
out:
	accel_model_free(m);
	accel_close(c);
}

int main(void)
{
	if (slurp("models/digits_fp32.onnx", &model_bytes, &model_len)) {
		printf("# cannot read models/digits_fp32.onnx\n");
		return tap_done("core-api");
	}
	tap_run("device choice and ACCEL_DEVICE", test_device_choice);
	tap_run("bad and truncated models fail cleanly", test_bad_models);
	tap_run("accel_run argument errors and shape cache", test_run_errors);
	tap_run("inputs/outputs by name, dim names, metadata", test_names_and_metadata);
	tap_run(".npy read/write", test_npy_roundtrip);
	tap_run("fixed-point multipliers", test_multiplier);
	tap_run("edge quantize/dequantize", test_edge_quantize);
	tap_run("edge quantize matches QuantizeLinear", test_quantize_vs_scalar);
	free(model_bytes);
	return tap_done("core-api");
}
