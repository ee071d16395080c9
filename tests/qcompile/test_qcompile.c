// SPDX-License-Identifier: MIT
/*
 * The int8 compiler (libaccel/compile/), one operator pattern at
 * a time, against an independent reference.
 *
 * tests/qcompile/data holds, per case, a small quantized ONNX model, its
 * inputs and the quantized outputs that ONNX Runtime computed for them with
 * graph optimizations off (make_cases.py, which also checks them against its
 * own NumPy QDQ reference).  cases.txt lists the cases with the ISA
 * operations the compiler must emit and how far the fixed-point
 * requantization may stray from the float reference: TOLERANCE quanta (0 or
 * 1), on at most MAX_OFF_PERMILLE of the elements (make_cases.py says when
 * which applies: exact unless a value sits on a rounding tie or the ISA
 * defines an approximation).
 *
 * For each case:
 *   - the model compiles to an int8 ISA program with exactly the listed
 *     operations (not the float executor, no lost fusion);
 *   - accel_run() on the CPU backend runs it on the firmware core
 *     (accel_model_engine() == ACCEL_ENGINE_INT8) and its quantized outputs
 *     match the reference within the case's bounds;
 *   - the same program on the portable scalar kernels on one thread (the
 *     reference every kernel variant equals) gives the same bytes as on the
 *     default kernels and threads;
 *   - the float executor (ACCEL_ENGINE=fp32) on the same model agrees with
 *     the reference within one quantum on a few elements.
 *
 * Run from the top of the tree: "qcompile: N passed, N failed, N skipped".
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <drm/enpu_isa.h>

#include "accel.h"
#include "ops/shape_pass.h"
#include "ir/ir.h"
#include "core/npy.h"
#include "compile/qcompile.h"
#include "tap.h"

#define DATA "tests/qcompile/data/"
#define MAX_IO 4
/*
 * The float executor evaluates DequantizeLinear, the operator and
 * QuantizeLinear in float32 like the reference, in another order: one
 * quantum on at most 2 % of the elements.
 */
#define FP32_PERMILLE 20

static const char *const op_names[] = {
	[ENPU_OP_INVALID] = "INVALID",
	[ENPU_OP_CONV2D] = "CONV2D",
	[ENPU_OP_FULLY_CONNECTED] = "FULLY_CONNECTED",
	[ENPU_OP_ADD] = "ADD",
	[ENPU_OP_MUL] = "MUL",
	[ENPU_OP_AVGPOOL] = "AVGPOOL",
	[ENPU_OP_MAXPOOL] = "MAXPOOL",
	[ENPU_OP_GLOBAL_AVGPOOL] = "GLOBAL_AVGPOOL",
	[ENPU_OP_CONCAT] = "CONCAT",
	[ENPU_OP_COPY] = "COPY",
	[ENPU_OP_SOFTMAX] = "SOFTMAX",
	[ENPU_OP_LUT] = "LUT",
};
_Static_assert(sizeof(op_names) / sizeof(op_names[0]) == ENPU_OP_COUNT,
	       "op_names must name every ISA opcode");

struct qcase {
	char name[64];
	int n_in;
	int tol;		/* quanta */
	int permille;		/* most elements off by tol (> 0) */
	char ref[16];
	char isa[256];		/* expected ISA ops, comma separated */
	char what[160];
};

static struct qcase cur;
static accel_ctx *ctx;
static accel_ctx *ctx_scalar;	/* scalar kernels, one thread */
static int n_cases, n_exact_cases;
static long total_elems, total_off;

static void path_of(char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, DATA "%s%s", cur.name, suffix);
}

static int read_inputs(struct accel_tensor *in)
{
	struct accel_err e = { 0 };
	char path[256];
	int i;

	for (i = 0; i < cur.n_in; i++) {
		char suf[24];

		snprintf(suf, sizeof(suf), ".in%d.npy", i);
		path_of(path, sizeof(path), suf);
		if (!TAP_CHECK(npy_read(path, &in[i], &e) == 0, "%s: %s", path, e.msg))
			return -1;
	}
	return 0;
}

static void free_tensors(struct accel_tensor *t, int n)
{
	for (int i = 0; i < n; i++)
		accel_tensor_release(&t[i]);
}

/* The ISA operations of the compiled program, comma separated. */
static int program_ops(const struct accel_tensor *in, char *buf, size_t len)
{
	struct ir_value shapes[MAX_IO];
	struct accel_err e = { 0 };
	struct ir_graph *g = NULL;
	struct shape_pass *sp = NULL;
	struct qprog *p = NULL;
	char path[256];
	void *model = NULL;
	size_t n = 0;
	long sz;
	FILE *f;
	int err = -1, i;

	path_of(path, sizeof(path), ".onnx");
	f = fopen(path, "rb");
	if (!TAP_CHECK(f, "open %s", path))
		return -1;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	rewind(f);
	model = sz > 0 ? malloc((size_t)sz) : NULL;
	if (model)
		n = fread(model, 1, (size_t)sz, f);
	fclose(f);
	if (!TAP_CHECK(model && n == (size_t)sz, "read %s", path))
		goto out;
	g = ir_load_onnx(model, n, &e, &err);
	if (!TAP_CHECK(g, "load %s: %s", path, e.msg))
		goto out;
	for (i = 0; i < cur.n_in; i++) {
		memset(&shapes[i], 0, sizeof(shapes[i]));
		shapes[i].dtype = in[i].dtype;
		shapes[i].rank = in[i].rank;
		memcpy(shapes[i].dims, in[i].dims, sizeof(in[i].dims));
	}
	sp = shape_infer(g, shapes, cur.n_in, &e, &err);
	if (!TAP_CHECK(sp, "shapes: %s", e.msg))
		goto out;
	err = qprog_compile(g, sp, shapes, cur.n_in, &p, &e);
	if (!TAP_CHECK(err == 0, "not compiled to the ISA: %s", e.msg))
		goto out;
	{
		const struct enpu_cmdbuf_header *h = p->cmdbuf;
		const struct enpu_op *ops =
			(const void *)((const char *)p->cmdbuf + h->op_offset);
		size_t o = 0;

		buf[0] = 0;
		for (uint32_t k = 0; k < h->num_ops && o < len; k++) {
			uint32_t c = ops[k].opcode;

			o += (size_t)snprintf(buf + o, len - o, "%s%s", k ? "," : "",
					      c < ENPU_OP_COUNT ? op_names[c] : "?");
		}
	}
	err = 0;
out:
	qprog_free(p);
	shape_free(sp);
	ir_graph_free(g);
	free(model);
	return err;
}

static int32_t elem(const struct accel_tensor *t, int64_t i)
{
	return t->dtype == ACCEL_DTYPE_I8 ? ((const int8_t *)t->data)[i] :
	       ((const uint8_t *)t->data)[i];
}

/*
 * Compare output @o with the reference @ref: at most @tol quanta apart, on
 * at most @permille of the elements (at least one) when @tol > 0.
 */
static void compare(const char *what, int o, const struct accel_tensor *out,
		    const struct accel_tensor *ref, int tol, int permille)
{
	int64_t n = 1, i, off = 0, worst_at = -1;
	int32_t worst = 0;
	long limit;

	if (!TAP_CHECK(out->dtype == ref->dtype && out->rank == ref->rank,
		       "%s output %d: dtype %d rank %d, reference %d rank %d",
		       what, o, out->dtype, out->rank, ref->dtype, ref->rank))
		return;
	for (i = 0; i < ref->rank; i++) {
		if (!TAP_CHECK(out->dims[i] == ref->dims[i],
			       "%s output %d: dim %lld is %lld, reference %lld", what,
			       o, (long long)i, (long long)out->dims[i],
			       (long long)ref->dims[i]))
			return;
		n *= ref->dims[i];
	}
	if (!TAP_CHECK(ref->dtype == ACCEL_DTYPE_I8 || ref->dtype == ACCEL_DTYPE_U8,
		       "reference is not quantized (dtype %d)", ref->dtype))
		return;
	for (i = 0; i < n; i++) {
		int32_t d = abs(elem(out, i) - elem(ref, i));

		if (d)
			off++;
		if (d > worst) {
			worst = d;
			worst_at = i;
		}
	}
	limit = tol ? (n * permille + 999) / 1000 : 0;
	if (limit < 1 && tol)
		limit = 1;
	printf("# %s %s: %lld/%lld elements equal to the reference, %lld off, max %d quanta (allowed: %d on at most %ld)\n",
	       cur.name, what, (long long)(n - off), (long long)n, (long long)off,
	       worst, tol, limit);
	TAP_CHECK(worst <= tol, "%s output %d: element %lld is %d, reference %d (%d quanta off, limit %d)",
		  what, o, (long long)worst_at, elem(out, worst_at),
		  elem(ref, worst_at), worst, tol);
	TAP_CHECK(off <= limit, "%s output %d: %lld of %lld elements off (limit %ld)",
		  what, o, (long long)off, (long long)n, limit);
	if (!strcmp(what, "int8")) {
		total_elems += (long)n;
		total_off += (long)off;
	}
}

/* Run the model through the public API; returns the engine it ran on. */
static enum accel_engine run(const struct accel_tensor *in,
			     struct accel_tensor *out, int *n_out)
{
	char path[256];
	enum accel_engine eng = ACCEL_ENGINE_NONE;
	accel_model *m;
	int err;

	path_of(path, sizeof(path), ".onnx");
	m = accel_model_load(ctx, path, &err);
	if (!TAP_CHECK(m, "load %s: %s", path, accel_last_error()))
		return eng;
	*n_out = accel_model_num_outputs(m);
	if (TAP_CHECK(*n_out >= 1 && *n_out <= MAX_IO, "%d outputs", *n_out)) {
		memset(out, 0, sizeof(*out) * (size_t)*n_out);
		err = accel_run(m, in, cur.n_in, out, *n_out);
		if (TAP_CHECK(err == 0, "run: %s", accel_last_error()))
			eng = accel_model_engine(m);
	}
	accel_model_free(m);
	return eng;
}

static void check_outputs(const char *what, const struct accel_tensor *out,
			  int n_out, int tol, int permille)
{
	struct accel_err e = { 0 };
	char path[256], suf[24];

	for (int o = 0; o < n_out; o++) {
		struct accel_tensor ref = { 0 };

		snprintf(suf, sizeof(suf), ".out%d.npy", o);
		path_of(path, sizeof(path), suf);
		if (!TAP_CHECK(npy_read(path, &ref, &e) == 0, "%s: %s", path, e.msg))
			continue;
		compare(what, o, &out[o], &ref, tol, permille);
		accel_tensor_release(&ref);
	}
}

static void test_int8(void)
{
	struct accel_tensor in[MAX_IO] = { 0 }, out[MAX_IO];
	char ops[512];
	enum accel_engine eng;
	int n_out = 0;

	if (read_inputs(in))
		goto out;
	if (program_ops(in, ops, sizeof(ops)) == 0)
		TAP_CHECK(!strcmp(ops, cur.isa), "ISA program is %s, expected %s",
			  ops, cur.isa);
	eng = run(in, out, &n_out);
	if (TAP_CHECK(eng == ACCEL_ENGINE_INT8,
		      "ran on engine %d, not the int8 ISA program", eng))
		check_outputs("int8", out, n_out, cur.tol, cur.permille);
	if (eng == ACCEL_ENGINE_INT8 && TAP_CHECK(ctx_scalar, "scalar context")) {
		struct accel_tensor ref[MAX_IO];
		accel_ctx *saved = ctx;
		int n_ref = 0;

		ctx = ctx_scalar;
		eng = run(in, ref, &n_ref);
		ctx = saved;
		TAP_CHECK(eng == ACCEL_ENGINE_INT8 && n_ref == n_out,
			  "scalar: engine %d, %d outputs", eng, n_ref);
		for (int o = 0; o < n_ref && o < n_out; o++)
			TAP_CHECK(ref[o].size == out[o].size &&
				  !memcmp(ref[o].data, out[o].data, ref[o].size),
				  "output %d: default kernels differ from scalar", o);
		free_tensors(ref, n_ref);
	}
	free_tensors(out, n_out);
out:
	free_tensors(in, MAX_IO);
}

/* The float executor implements the same QDQ semantics as the reference. */
static void test_fp32(void)
{
	struct accel_tensor in[MAX_IO] = { 0 }, out[MAX_IO];
	enum accel_engine eng;
	int n_out = 0;

	if (read_inputs(in))
		goto out;
	setenv("ACCEL_ENGINE", "fp32", 1);
	eng = run(in, out, &n_out);
	unsetenv("ACCEL_ENGINE");
	if (TAP_CHECK(eng == ACCEL_ENGINE_FP32, "ran on engine %d, not fp32", eng))
		check_outputs("fp32", out, n_out, 1, FP32_PERMILLE);
	free_tensors(out, n_out);
out:
	free_tensors(in, MAX_IO);
}

static int parse_line(char *line, struct qcase *c)
{
	char *hash = strchr(line, '#');
	int n;

	memset(c, 0, sizeof(*c));
	if (hash) {
		snprintf(c->what, sizeof(c->what), "%s", hash + 1 + (hash[1] == ' '));
		c->what[strcspn(c->what, "\n")] = 0;
		*hash = 0;
	}
	n = sscanf(line, "%63s %d %d %d %15s %255s", c->name, &c->n_in, &c->tol,
		   &c->permille, c->ref, c->isa);
	if (n <= 0)
		return 0;	/* blank or comment */
	if (n != 6 || c->n_in < 1 || c->n_in > MAX_IO || c->tol < 0 ||
	    c->tol > 1 || c->permille < 0 || c->permille > 1000)
		return -1;
	return 1;
}

/* Fewer cases than make_cases.py writes means lost data, not a pass. */
#define MIN_CASES 50
static int bad_lines;
static bool opened;

static void test_manifest(void)
{
	TAP_CHECK(opened, "cannot open " DATA "cases.txt or a CPU context (run from the top of the tree)");
	TAP_CHECK(bad_lines == 0, "%d malformed lines in cases.txt", bad_lines);
	TAP_CHECK(ctx_scalar && !strcmp(accel_ctx_cpu_kernels(ctx_scalar), "scalar") &&
		  accel_ctx_threads(ctx_scalar) == 1,
		  "the reference context runs %s kernels on %u threads",
		  ctx_scalar ? accel_ctx_cpu_kernels(ctx_scalar) : "-",
		  ctx_scalar ? accel_ctx_threads(ctx_scalar) : 0);
	TAP_CHECK(n_cases >= MIN_CASES, "only %d cases (at least %d expected)",
		  n_cases, MIN_CASES);
}

int main(void)
{
	char line[512], name[160];
	FILE *f = fopen(DATA "cases.txt", "r");
	int err, r;

	setenv("ACCEL_CPU_KERNELS", "scalar", 1);
	setenv("ACCEL_THREADS", "1", 1);
	ctx_scalar = accel_open(ACCEL_DEVICE_CPU, &err);
	unsetenv("ACCEL_CPU_KERNELS");
	unsetenv("ACCEL_THREADS");
	ctx = accel_open(ACCEL_DEVICE_CPU, &err);
	opened = f && ctx;
	while (opened && fgets(line, sizeof(line), f)) {
		r = parse_line(line, &cur);
		if (r < 0) {
			printf("# bad line in cases.txt: %s", line);
			bad_lines++;
			continue;
		}
		if (!r)
			continue;
		n_cases++;
		n_exact_cases += cur.tol == 0;
		printf("# %s: %s (reference %s)\n", cur.name, cur.what, cur.ref);
		snprintf(name, sizeof(name), "%s: int8 program matches the reference", cur.name);
		tap_run(name, test_int8);
		snprintf(name, sizeof(name), "%s: float executor matches the reference", cur.name);
		tap_run(name, test_fp32);
	}
	if (f)
		fclose(f);
	tap_run("every case of cases.txt ran", test_manifest);
	printf("# %d cases (%d exact), int8: %ld of %ld elements one quantum off\n",
	       n_cases, n_exact_cases, total_off, total_elems);
	if (ctx)
		accel_close(ctx);
	if (ctx_scalar)
		accel_close(ctx_scalar);
	return tap_done("qcompile");
}
