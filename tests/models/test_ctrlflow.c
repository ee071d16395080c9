// SPDX-License-Identifier: MIT
/*
 * Control flow end to end (If, Loop, Scan) through the public API, on the
 * models tests/models/make_ctrlflow.py builds with onnx.helper; expected
 * outputs are that script's NumPy evaluation of the ONNX definitions:
 *  - an If whose branch is chosen by the input data (both branches run);
 *  - an If nested in a Loop, reading a value of the Loop body and one of
 *    the main graph (two levels up);
 *  - a Loop with a run-time trip count (3 and 0 iterations) and a run-time
 *    condition that stops it early, a Loop with zero iterations and a
 *    scan output, a Loop whose body returns its inputs swapped, a Scan
 *    with reversed inputs and outputs;
 *  - an If with a constant condition becomes the branch it takes at load;
 *  - malformed control flow is refused at load with a message naming it.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "accel.h"
#include "ir/ir.h"
#include "tap.h"

#define DIR "tests/models/data/ctrlflow/"
#define MAX_IO 4

static accel_ctx *ctx;

static bool same(const struct accel_tensor *got,
		 const struct accel_tensor *want)
{
	int64_t n = 1, i;

	if (!TAP_CHECK(got->dtype == want->dtype && got->rank == want->rank,
		       "dtype %d rank %d, expected %d rank %d", got->dtype,
		       got->rank, want->dtype, want->rank))
		return false;
	for (i = 0; i < got->rank; i++) {
		if (!TAP_CHECK(got->dims[i] == want->dims[i],
			       "dim %lld is %lld, expected %lld", (long long)i,
			       (long long)got->dims[i], (long long)want->dims[i]))
			return false;
		n *= got->dims[i];
	}
	for (i = 0; i < n; i++) {
		float a = ((const float *)got->data)[i];
		float b = ((const float *)want->data)[i];

		if (!TAP_CHECK(fabsf(a - b) <= 1e-5f + 1e-5f * fabsf(b),
			       "element %lld is %g, expected %g", (long long)i,
			       a, b))
			return false;
	}
	return true;
}

/* Run case @cname of @model: inputs and references from the .npy files. */
static void run_case(const char *model, const char *cname, int n_in, int n_out)
{
	struct accel_tensor in[MAX_IO] = { 0 }, out[MAX_IO] = { 0 },
			    ref[MAX_IO] = { 0 };
	char path[256];
	accel_model *m;
	int i, err;

	snprintf(path, sizeof(path), DIR "%s.onnx", model);
	m = accel_model_load(ctx, path, &err);
	if (!TAP_CHECK(m, "load %s: %s", path, accel_last_error()))
		return;
	for (i = 0; i < n_in; i++) {
		snprintf(path, sizeof(path), DIR "%s.%s.in%d.npy", model, cname, i);
		err = accel_npy_read(path, &in[i]);
		if (!TAP_CHECK(!err, "%s: %s", path, accel_last_error()))
			goto out;
	}
	for (i = 0; i < n_out; i++) {
		snprintf(path, sizeof(path), DIR "%s.%s.out%d.npy", model, cname, i);
		err = accel_npy_read(path, &ref[i]);
		if (!TAP_CHECK(!err, "%s: %s", path, accel_last_error()))
			goto out;
	}
	err = accel_run(m, in, n_in, out, n_out);
	if (!TAP_CHECK(!err, "run %s/%s: %s", model, cname, accel_last_error()))
		goto out;
	for (i = 0; i < n_out; i++)
		if (!same(&out[i], &ref[i]))
			printf("# %s/%s: output %d differs\n", model, cname, i);
out:
	for (i = 0; i < MAX_IO; i++) {
		accel_tensor_release(&in[i]);
		accel_tensor_release(&out[i]);
		accel_tensor_release(&ref[i]);
	}
	accel_model_free(m);
}

static void test_if_data(void)
{
	run_case("if_data", "pos", 1, 1);
	run_case("if_data", "neg", 1, 1);
}

static void test_if_in_loop(void)
{
	run_case("loop_if", "run", 2, 2);
}

static void test_loop_count(void)
{
	run_case("loop_count", "three", 4, 1);
	run_case("loop_count", "zero", 4, 1);
	run_case("loop_count", "cond", 4, 1);
}

static void test_loop_zero(void)
{
	run_case("loop_zero", "run", 1, 2);
}

static void test_loop_swap(void)
{
	run_case("loop_swap", "run", 2, 3);
}

static void test_scan_reverse(void)
{
	run_case("scan_rev", "run", 3, 3);
}

static void test_if_const(void)
{
	static char buf[1 << 16];
	struct accel_err e = { { 0 } };
	struct ir_graph *g;
	size_t len;
	FILE *f;
	int err = 0, i;

	run_case("if_const", "run", 1, 1);
	/* The loader replaced the If by the else branch (Concat). */
	f = fopen(DIR "if_const.onnx", "rb");
	if (!TAP_CHECK(f, "open if_const.onnx"))
		return;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	g = ir_load_onnx(buf, len, &e, &err);
	if (!TAP_CHECK(g, "load: %s", e.msg))
		return;
	for (i = 0; i < g->n_nodes; i++)
		TAP_CHECK(strcmp(g->nodes[i].op_type, "If") &&
			  strcmp(g->nodes[i].op_type, "Neg"),
			  "node %d is %s after loading", i, g->nodes[i].op_type);
	TAP_CHECK(g->n_nodes == 2 && !strcmp(g->nodes[0].op_type, "Concat") &&
		  !strcmp(g->nodes[1].op_type, "Identity"),
		  "%d nodes, expected Concat and Identity", g->n_nodes);
	ir_graph_free(g);
}

/*
 * @model must fail to load (or, for what only planning can see, to run)
 * with @want in the message and errno @errnum.
 */
static void refused(const char *model, int errnum, const char *want)
{
	struct accel_tensor in[2] = { 0 }, out = { 0 };
	bool k = true;
	float x[3] = { 1, 2, 3 };
	char path[256];
	accel_model *m;
	int err = 0;

	snprintf(path, sizeof(path), DIR "%s.onnx", model);
	m = accel_model_load(ctx, path, &err);
	if (m) {
		in[0] = (struct accel_tensor){ .dtype = ACCEL_DTYPE_BOOL,
			.rank = 0, .data = &k, .size = 1 };
		in[1] = (struct accel_tensor){ .dtype = ACCEL_DTYPE_F32,
			.rank = 1, .dims = { 3 }, .data = x,
			.size = sizeof(x) };
		err = accel_run(m, in, 2, &out, 1);
		accel_tensor_release(&out);
		accel_model_free(m);
	}
	TAP_CHECK(err == errnum, "%s: errno %d, expected %d (%s)", model, err,
		  errnum, accel_last_error());
	TAP_CHECK(strstr(accel_last_error(), want),
		  "%s: message '%s' lacks '%s'", model, accel_last_error(),
		  want);
}

static void test_refused(void)
{
	refused("bad_if_count", -EINVAL,
		"node 'bad_if' (If): then_branch has 2 outputs, else_branch 1, the node 1");
	refused("bad_if_missing", -EINVAL,
		"node 'bad_if' (If): subgraph attribute 'else_branch' is missing");
	refused("bad_outer_undef", -EINVAL,
		"node 'bad_if' (If) attribute 'then_branch': node 'add' (Add): input 'nowhere' is not defined");
	refused("bad_outer_self", -EINVAL,
		"node 'bad_if' (If) attribute 'then_branch': reads 'y', an output of node 'bad_if' (If) that owns the subgraph (a cycle)");
	refused("bad_outer_cycle", -EINVAL, "graph has a cycle through node");
	refused("bad_if_shapes", -EOPNOTSUPP,
		"node 'if_shapes' (If): output 0 is float32[3] from then_branch and float32[6] from else_branch");
}

int main(void)
{
	int err;

	ctx = accel_open(ACCEL_DEVICE_CPU, &err);
	if (!ctx) {
		printf("# %s\n", accel_last_error());
		return tap_done("models-ctrlflow");
	}
	tap_run("If chosen by the input data, both branches", test_if_data);
	tap_run("If nested in Loop reading outer-scope values", test_if_in_loop);
	tap_run("Loop with a run-time trip count and condition", test_loop_count);
	tap_run("Loop with zero iterations and a scan output", test_loop_zero);
	tap_run("Loop body passing its inputs through (swap)", test_loop_swap);
	tap_run("Scan with reversed inputs and outputs", test_scan_reverse);
	tap_run("If on a constant condition is inlined at load", test_if_const);
	tap_run("malformed control flow is refused", test_refused);
	accel_close(ctx);
	return tap_done("models-ctrlflow");
}
