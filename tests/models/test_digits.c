// SPDX-License-Identifier: MIT
/*
 * End-to-end tests on the digits models (models/README.md):
 *  - fp32 logits match the independent NumPy reference shipped with the
 *    model; accuracy as recorded;
 *  - the int8 model compiles to the ISA, its accuracy is within 1 point of
 *    fp32, and its logits stay within a few quanta of the float QDQ
 *    reference (fixed-point requantization vs float);
 *  - the int8 command buffer executed by the firmware interpreter is
 *    bit-identical to the naive reference of tests/firmware/ref.c run op by
 *    op on the same buffers;
 *  - batch 1 and batch N give identical int8 results.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <drm/enpu_isa.h>

#include "accel.h"
#include "ops/shape_pass.h"
#include "enpu_fw.h"
#include "ir/ir.h"
#include "core/npy.h"
#include "compile/qcompile.h"
#include "ref.h"
#include "tap.h"

static struct accel_tensor x, y, ref32, ref8;
static accel_ctx *ctx;

static int argmax(const float *v, int n)
{
	int i, b = 0;

	for (i = 1; i < n; i++)
		if (v[i] > v[b])
			b = i;
	return b;
}

static int accuracy_count(const struct accel_tensor *logits)
{
	int64_t i;
	int c = 0;

	for (i = 0; i < y.dims[0]; i++)
		c += argmax((const float *)logits->data + i * 10, 10) ==
		     ((const int64_t *)y.data)[i];
	return c;
}

static int run_model(const char *path, struct accel_tensor *out,
		     enum accel_engine *engine)
{
	int err;
	accel_model *m = accel_model_load(ctx, path, &err);

	if (!TAP_CHECK(m, "load %s: %s", path, accel_last_error()))
		return -1;
	memset(out, 0, sizeof(*out));
	err = accel_run(m, &x, 1, out, 1);
	TAP_CHECK(err == 0, "run %s: %s", path, accel_last_error());
	*engine = accel_model_engine(m);
	accel_model_free(m);
	return err;
}

static int fp32_correct = -1;

static void test_fp32_matches_reference(void)
{
	struct accel_tensor out;
	enum accel_engine eng;
	double maxd = 0;
	int64_t i, n;

	if (run_model("models/digits_fp32.onnx", &out, &eng))
		return;
	TAP_CHECK(eng == ACCEL_ENGINE_FP32, "fp32 model ran on engine %d", eng);
	TAP_CHECK(out.rank == 2 && out.dims[0] == y.dims[0] && out.dims[1] == 10,
		  "output shape [%lld,%lld]", (long long)out.dims[0],
		  (long long)out.dims[1]);
	n = y.dims[0] * 10;
	for (i = 0; i < n; i++) {
		double a = ((float *)out.data)[i], r = ((float *)ref32.data)[i];
		double d = fabs(a - r);

		if (d > maxd)
			maxd = d;
		if (d > 1e-4 + 1e-4 * fabs(r)) {
			TAP_CHECK(0, "logit %lld: %g vs reference %g", (long long)i, a, r);
			break;
		}
	}
	fp32_correct = accuracy_count(&out);
	printf("# fp32: accuracy %d/%lld, max |logit - reference| %.2g\n",
	       fp32_correct, (long long)y.dims[0], maxd);
	TAP_CHECK(fp32_correct * 100 >= 97 * y.dims[0], "fp32 accuracy %d/%lld",
		  fp32_correct, (long long)y.dims[0]);
	accel_tensor_release(&out);
}

/* Output quantization of the int8 model (models/README.md). */
#define OUT_SCALE 0.251020223f
#define OUT_ZP 34

static void compare_int8(const struct accel_tensor *out, const char *what,
			 int max_quanta, double min_exact)
{
	int64_t i, n = y.dims[0] * 10, exact = 0;
	int maxq = 0;

	for (i = 0; i < n; i++) {
		int a = (int)nearbyintf(((float *)out->data)[i] / OUT_SCALE);
		int r = (int)nearbyintf(((float *)ref8.data)[i] / OUT_SCALE);
		int d = abs(a - r);

		exact += d == 0;
		if (d > maxq)
			maxq = d;
	}
	printf("# %s: %lld/%lld logits exactly equal to the QDQ reference, max difference %d quanta\n",
	       what, (long long)exact, (long long)n, maxq);
	TAP_CHECK(maxq <= max_quanta, "%s: logits differ by %d quanta (limit %d)",
		  what, maxq, max_quanta);
	TAP_CHECK((double)exact >= min_exact * (double)n,
		  "%s: only %lld/%lld logits exact", what, (long long)exact,
		  (long long)n);
}

static void test_int8_accuracy(void)
{
	struct accel_tensor out;
	enum accel_engine eng;
	int c;

	if (run_model("models/digits_int8.onnx", &out, &eng))
		return;
	TAP_CHECK(eng == ACCEL_ENGINE_INT8, "int8 model did not lower to the ISA (engine %d)",
		  eng);
	c = accuracy_count(&out);
	printf("# int8: accuracy %d/%lld (fp32 %d)\n", c, (long long)y.dims[0],
	       fp32_correct);
	TAP_CHECK(c * 100 >= 97 * y.dims[0], "int8 accuracy %d", c);
	TAP_CHECK(fp32_correct < 0 || (fp32_correct - c) * 100 <= y.dims[0],
		  "int8 accuracy %d more than 1 point below fp32 %d", c,
		  fp32_correct);
	/* Fixed-point vs float requantization may differ by one quantum
	 * where a product lands within 2^-31 of a tie. */
	compare_int8(&out, "int8 ISA", 1, 0.99);
	accel_tensor_release(&out);
}

static void test_int8_float_emulation(void)
{
	struct accel_tensor out;
	enum accel_engine eng;

	/* The float executor runs the QDQ graph as ONNX defines it. */
	setenv("ACCEL_ENGINE", "fp32", 1);
	run_model("models/digits_int8.onnx", &out, &eng);
	unsetenv("ACCEL_ENGINE");
	if (tap_failures())
		return;
	TAP_CHECK(eng == ACCEL_ENGINE_FP32, "engine %d", eng);
	compare_int8(&out, "int8 QDQ on the float executor", 1, 0.99);
	accel_tensor_release(&out);
}

/* Load the int8 graph and compile it at batch @n. */
static struct qprog *compile_digits(struct ir_graph **gp, int64_t n)
{
	struct accel_err e = { { 0 } };
	struct ir_value in = { .dtype = IR_F32, .rank = 4, .dims = { n, 1, 8, 8 } };
	struct qprog *p = NULL;
	struct shape_pass *sp;
	FILE *f = fopen("models/digits_int8.onnx", "rb");
	static char buf[1 << 20];
	size_t len;
	int err;

	if (!TAP_CHECK(f, "open model"))
		return NULL;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	*gp = ir_load_onnx(buf, len, &e, &err);
	if (!TAP_CHECK(*gp, "load: %s", e.msg))
		return NULL;
	sp = shape_infer(*gp, &in, 1, &e, &err);
	if (!TAP_CHECK(sp, "shapes: %s", e.msg))
		return NULL;
	err = qprog_compile(*gp, sp, &in, 1, &p, &e);
	shape_free(sp);
	TAP_CHECK(err == 0, "compile: %s", e.msg);
	return p;
}

/* Turn a compiled command buffer back into a test builder for ref_op(). */
static int cmdbuf_to_tb(const struct qprog *p, struct tb *b)
{
	const struct enpu_cmdbuf_header *h = p->cmdbuf;
	const uint8_t *cb = p->cmdbuf;

	if (h->num_tensors > TB_MAX_TENSORS || h->num_ops > TB_MAX_OPS ||
	    h->num_quant > TB_MAX_QUANT)
		return -1;
	memset(b, 0, sizeof(*b));
	memcpy(b->t, cb + h->tensor_offset, h->num_tensors * sizeof(b->t[0]));
	memcpy(b->o, cb + h->op_offset, h->num_ops * sizeof(b->o[0]));
	memcpy(b->q, cb + h->quant_offset, h->num_quant * sizeof(b->q[0]));
	b->nt = h->num_tensors;
	b->no = h->num_ops;
	b->nq = h->num_quant;
	b->num_slots = h->num_slots;
	return 0;
}

static void test_int8_bit_exact_with_reference(void)
{
	struct ir_graph *g = NULL;
	struct qprog *p;
	struct enpu_fw_buf fw[ENPU_ISA_MAX_SLOTS], rf[ENPU_ISA_MAX_SLOTS];
	struct enpu_fw_status st = { 0 };
	static struct tb b;
	int64_t n = y.dims[0];
	uint32_t s, i;
	int r;

	p = compile_digits(&g, n);
	if (!p)
		goto out;
	if (!TAP_CHECK(cmdbuf_to_tb(p, &b) == 0, "program too large for the test builder"))
		goto out;
	memset(fw, 0, sizeof(fw));
	memset(rf, 0, sizeof(rf));
	for (s = 0; s < p->num_slots; s++) {
		size_t sz = s == QPROG_SLOT_CONST ? p->consts_size :
			    s == QPROG_SLOT_ARENA ? p->arena_size :
			    s < (uint32_t)QPROG_SLOT_IO + (uint32_t)p->n_inputs ?
			    p->inputs[s - QPROG_SLOT_IO].qbytes :
			    p->outputs[s - QPROG_SLOT_IO - p->n_inputs].qbytes;

		fw[s].size = rf[s].size = sz;
		fw[s].data = calloc(1, sz + 1);
		rf[s].data = calloc(1, sz + 1);
		if (!fw[s].data || !rf[s].data)
			goto out_free;
	}
	memcpy(fw[0].data, p->consts, p->consts_size);
	memcpy(rf[0].data, p->consts, p->consts_size);
	qprog_quantize(x.data, fw[QPROG_SLOT_IO].data, p->inputs[0].qbytes,
		       p->inputs[0].isa_dtype, p->inputs[0].scale,
		       p->inputs[0].zero_point);
	memcpy(rf[QPROG_SLOT_IO].data, fw[QPROG_SLOT_IO].data, p->inputs[0].qbytes);

	r = enpu_fw_execute(p->cmdbuf, p->cmdbuf_size, fw, p->num_slots, NULL, &st);
	if (!TAP_CHECK(r == 0, "firmware: %d at op %u: %s", r, st.op, st.msg))
		goto out_free;
	for (i = 0; i < b.no; i++) {
		const struct enpu_op *op = &b.o[i];
		const struct enpu_tensor *ot = &b.t[op->out];
		int32_t *res = calloc(ref_count(ot), sizeof(int32_t));
		uint64_t k;

		if (!res)
			break;
		r = ref_op(&b, op, rf, res);
		if (!TAP_CHECK(r == 0, "reference does not cover op %u (%s)", i,
			       enpu_fw_op_name(op->opcode))) {
			free(res);
			goto out_free;
		}
		for (k = 0; k < ref_count(ot); k++)
			ref_set(rf, ot, k, res[k]);
		free(res);
	}
	for (s = QPROG_SLOT_IO + (uint32_t)p->n_inputs; s < p->num_slots; s++)
		TAP_CHECK(!memcmp(fw[s].data, rf[s].data, fw[s].size),
			  "output slot %u differs between firmware and reference", s);
	printf("# %u ops, %zu-byte command buffer, %zu-byte arena: firmware == reference over %lld images\n",
	       b.no, p->cmdbuf_size, p->arena_size, (long long)n);
out_free:
	for (s = 0; s < p->num_slots; s++) {
		free(fw[s].data);
		free(rf[s].data);
	}
out:
	qprog_free(p);
	ir_graph_free(g);
}

static void test_int8_batch_invariance(void)
{
	struct accel_tensor in = x, one = { 0 }, all = { 0 };
	accel_model *m;
	int64_t i;
	int err;

	m = accel_model_load(ctx, "models/digits_int8.onnx", &err);
	if (!TAP_CHECK(m, "load: %s", accel_last_error()))
		return;
	err = accel_run(m, &x, 1, &all, 1);
	TAP_CHECK(err == 0, "batch run: %s", accel_last_error());
	in.flags = 0;
	in.dims[0] = 1;
	in.size = 64 * sizeof(float);
	for (i = 0; !err && i < x.dims[0]; i += 7) {
		in.data = (float *)x.data + i * 64;
		err = accel_run(m, &in, 1, &one, 1);
		TAP_CHECK(err == 0, "run: %s", accel_last_error());
		if (!err && memcmp(one.data, (float *)all.data + i * 10,
				   10 * sizeof(float))) {
			TAP_CHECK(0, "image %lld: batch-1 and batch-N results differ",
				  (long long)i);
			break;
		}
	}
	accel_tensor_release(&one);
	accel_tensor_release(&all);
	accel_model_free(m);
}

/*
 * A QOperator-form model (QLinearConv, MaxPool on uint8, QLinearMatMul;
 * tests/models/make_qop.py) lowers to the ISA and agrees with the float
 * executor's ONNX semantics.
 */
static void test_qoperator_model(void)
{
	float xin[3 * 3 * 9 * 7];
	struct accel_tensor in = { .dtype = ACCEL_DTYPE_F32, .rank = 4,
				   .dims = { 3, 3, 9, 7 }, .data = xin,
				   .size = sizeof(xin) };
	struct accel_tensor a = { 0 }, b = { 0 };
	accel_model *m;
	unsigned int seed = 7, i, exact = 0;
	int err, maxd = 0;

	for (i = 0; i < sizeof(xin) / sizeof(xin[0]); i++) {
		seed = seed * 1103515245 + 12345;
		xin[i] = (float)((seed >> 8) % 512) / 100.0f - 2.56f;
	}
	m = accel_model_load(ctx, "tests/models/data/qop_small.onnx", &err);
	if (!TAP_CHECK(m, "load: %s", accel_last_error()))
		return;
	err = accel_run(m, &in, 1, &a, 1);
	TAP_CHECK(err == 0, "int8 run: %s", accel_last_error());
	TAP_CHECK(accel_model_engine(m) == ACCEL_ENGINE_INT8,
		  "QOperator model did not lower to the ISA");
	accel_model_free(m);
	setenv("ACCEL_ENGINE", "fp32", 1);
	m = accel_model_load(ctx, "tests/models/data/qop_small.onnx", &err);
	unsetenv("ACCEL_ENGINE");
	if (!TAP_CHECK(m, "load: %s", accel_last_error()))
		goto out;
	err = accel_run(m, &in, 1, &b, 1);
	TAP_CHECK(err == 0, "fp32 run: %s", accel_last_error());
	accel_model_free(m);
	if (err || !TAP_CHECK(a.dims[0] == 3 && a.dims[1] == 4 && b.dims[1] == 4,
			      "output shapes"))
		goto out;
	for (i = 0; i < 12; i++) {
		/* output scale 0.1 */
		int d = abs((int)nearbyintf(((float *)a.data)[i] * 10) -
			    (int)nearbyintf(((float *)b.data)[i] * 10));

		exact += d == 0;
		if (d > maxd)
			maxd = d;
	}
	printf("# QOperator model: %u/12 outputs identical to the float executor, max difference %d quanta\n",
	       exact, maxd);
	TAP_CHECK(maxd <= 1 && exact >= 10, "int8 and float executors disagree");
out:
	accel_tensor_release(&a);
	accel_tensor_release(&b);
}

int main(void)
{
	struct accel_err e;
	int err;

	if (npy_read("models/digits_test_x.npy", &x, &e) ||
	    npy_read("models/digits_test_y.npy", &y, &e) ||
	    npy_read("models/digits_ref_fp32.npy", &ref32, &e) ||
	    npy_read("models/digits_ref_int8.npy", &ref8, &e)) {
		printf("# %s\n", e.msg);
		return tap_done("models");
	}
	ctx = accel_open(ACCEL_DEVICE_CPU, &err);
	if (!ctx) {
		printf("# %s\n", accel_last_error());
		return tap_done("models");
	}
	tap_run("digits fp32 matches the NumPy reference", test_fp32_matches_reference);
	tap_run("digits int8 lowers to the ISA, accuracy within 1 point", test_int8_accuracy);
	tap_run("digits int8 QDQ on the float executor", test_int8_float_emulation);
	tap_run("digits int8 firmware bit-exact with reference ops", test_int8_bit_exact_with_reference);
	tap_run("digits int8 batch 1 == batch N", test_int8_batch_invariance);
	tap_run("QOperator model lowers to the ISA", test_qoperator_model);
	accel_close(ctx);
	accel_tensor_release(&x);
	accel_tensor_release(&y);
	accel_tensor_release(&ref32);
	accel_tensor_release(&ref8);
	return tap_done("models");
}
