// SPDX-License-Identifier: MIT
/*
 * ONNX backend conformance: runs every node test of the ONNX test data
 * (Debian's libonnx-testdata) through the loader and the CPU planner and
 * compares the outputs with the reference outputs, using ONNX's backend
 * test tolerances (rtol 1e-3, atol 1e-7 for floating point, exact for
 * integers and booleans, NaN equals NaN).
 *
 * A test is skipped, with its reason, when one of its operators is not in
 * the CPU registry, or when the loader or the planner reports -EOPNOTSUPP
 * with a message (an unsupported type or attribute of a supported op).
 * Anything else that goes wrong is a failure, and any failure makes the
 * program exit 1.
 *
 * Environment: ENPU_ONNX_TESTDATA overrides the node test directory;
 * ENPU_CONFORMANCE_FILTER is an fnmatch(3) pattern of test names to run.
 */
#include <dirent.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu/ops.h"
#include "cpu/plan.h"
#include "ir.h"
#include "onnx/onnx.h"

#define RTOL 1e-3
#define ATOL 1e-7
#define MAX_KEYS 1024
#define MAX_FILE (256u << 20)

/* snprintf() that may truncate: messages and paths are best effort. */
static void sfmt(char *buf, size_t sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sfmt(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
}

enum verdict { V_PASS, V_FAIL, V_SKIP };

struct op_stat {
	char name[64];
	int n[3];
};

static struct op_stat stats[MAX_KEYS];
static int n_stats;

static void count(const char *key, enum verdict v)
{
	int i;

	for (i = 0; i < n_stats; i++)
		if (!strcmp(stats[i].name, key))
			break;
	if (i == n_stats) {
		if (n_stats == MAX_KEYS)
			i = MAX_KEYS - 1;
		else
			sfmt(stats[n_stats++].name, sizeof(stats[0].name),
				 "%s", key);
	}
	stats[i].n[v]++;
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	void *buf;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || st.st_size < 0 ||
	    (unsigned long long)st.st_size > MAX_FILE) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static const char *find_data_dir(void)
{
	static const char *const cands[] = {
		"/usr/share/libonnx-testdata/data/node",
		"/usr/share/onnx/testdata/node",
	};
	const char *env = getenv("ENPU_ONNX_TESTDATA");
	struct stat st;
	size_t i;

	if (env && env[0])
		return stat(env, &st) == 0 && S_ISDIR(st.st_mode) ? env : NULL;
	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (stat(cands[i], &st) == 0 && S_ISDIR(st.st_mode))
			return cands[i];
	return NULL;
}

static double half_to_double(uint16_t h)
{
	int ex = (h >> 10) & 0x1f, m = h & 0x3ff;
	double v;

	if (ex == 0)
		v = ldexp(m, -24);
	else if (ex == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(m + 1024, ex - 25);
	return (h & 0x8000) ? -v : v;
}

static double elem_f(const struct ir_value *v, int64_t i)
{
	switch (v->dtype) {
	case IR_F32:
		return ((const float *)v->data)[i];
	case IR_F64:
		return ((const double *)v->data)[i];
	default:
		return half_to_double(((const uint16_t *)v->data)[i]);
	}
}

/* 0 when equal within tolerance; else a message in @why. */
static int compare(const struct ir_value *got, const struct ir_value *want,
		   char *why, size_t sz)
{
	int64_t n = ir_value_numel(want), i;
	int d;

	if (got->dtype != want->dtype) {
		sfmt(why, sz, "dtype %s, expected %s",
			 ir_dtype_name(got->dtype), ir_dtype_name(want->dtype));
		return 1;
	}
	if (got->rank != want->rank) {
		sfmt(why, sz, "rank %d, expected %d", got->rank, want->rank);
		return 1;
	}
	for (d = 0; d < got->rank; d++)
		if (got->dims[d] != want->dims[d]) {
			sfmt(why, sz, "dim %d is %lld, expected %lld", d,
				 (long long)got->dims[d],
				 (long long)want->dims[d]);
			return 1;
		}
	if (want->dtype == IR_F32 || want->dtype == IR_F64 ||
	    want->dtype == IR_F16) {
		for (i = 0; i < n; i++) {
			double a = elem_f(got, i), b = elem_f(want, i);

			if (isnan(a) && isnan(b))
				continue;
			if (a == b)
				continue;
			if (!(fabs(a - b) <= ATOL + RTOL * fabs(b))) {
				sfmt(why, sz,
					 "element %lld is %.9g, expected %.9g",
					 (long long)i, a, b);
				return 1;
			}
		}
		return 0;
	}
	if (memcmp(got->data, want->data,
		   (size_t)n * ir_dtype_size(want->dtype))) {
		size_t es = ir_dtype_size(want->dtype);

		for (i = 0; i < n; i++)
			if (memcmp((const char *)got->data + i * es,
				   (const char *)want->data + i * es, es))
				break;
		sfmt(why, sz, "element %lld differs (exact compare)",
			 (long long)i);
		return 1;
	}
	return 0;
}

/* Test key for the per-operator table. */
static void test_key(const struct ir_graph *g, char *key, size_t sz)
{
	int i;

	if (!g->n_nodes) {
		sfmt(key, sz, "(no node)");
		return;
	}
	for (i = 1; i < g->n_nodes; i++)
		if (strcmp(g->nodes[i].op_type, g->nodes[0].op_type))
			break;
	if (i < g->n_nodes)
		sfmt(key, sz, "(multi-op)");
	else
		sfmt(key, sz, "%s", g->nodes[0].op_type);
}

static int is_dataset(const struct dirent *d)
{
	return !strncmp(d->d_name, "test_data_set_", 14);
}

static int is_dir(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/*
 * Turn the int64 graph inputs of @g into constants holding this data set's
 * values (shape, axes and pads operands that the planner needs at plan
 * time), compacting g->inputs and @in.  Takes ownership of their data.
 */
static void freeze_int64_inputs(struct ir_graph *g, struct ir_value *in)
{
	int i, k = 0;

	for (i = 0; i < g->n_inputs; i++) {
		struct ir_tensor *t = &g->tensors[g->inputs[i]];

		if (in[i].dtype != IR_I64) {
			g->inputs[k] = g->inputs[i];
			in[k++] = in[i];
			continue;
		}
		t->kind = IR_TENSOR_CONST;
		t->dtype = in[i].dtype;
		t->rank = in[i].rank;
		memcpy(t->dims, in[i].dims, sizeof(t->dims));
		t->data = in[i].data;
		t->nbytes = (size_t)ir_value_nbytes(&in[i]);
	}
	g->n_inputs = k;
}

/*
 * Run one data set; returns a verdict and fills @why.  With @freeze, int64
 * inputs become constants first (the graph is modified).
 */
static enum verdict run_dataset(struct ir_graph *g, const char *dir,
				bool freeze, char *why, size_t sz)
{
	struct ir_value *in = calloc((size_t)g->n_inputs + 1, sizeof(*in));
	struct ir_value *out = calloc((size_t)g->n_outputs + 1, sizeof(*out));
	struct ir_value *want = calloc((size_t)g->n_outputs + 1, sizeof(*want));
	const void **in_ptr = calloc((size_t)g->n_inputs + 1, sizeof(void *));
	void **out_ptr = calloc((size_t)g->n_outputs + 1, sizeof(void *));
	enum verdict v = V_FAIL;
	struct cpu_plan *p = NULL;
	struct accel_err e = { { 0 } };
	char path[4096];
	int i, err;

	if (!in || !out || !want || !in_ptr || !out_ptr) {
		sfmt(why, sz, "out of memory");
		goto out;
	}
	for (i = 0; i < g->n_inputs + g->n_outputs; i++) {
		bool is_in = i < g->n_inputs;
		int k = is_in ? i : i - g->n_inputs;
		struct ir_value *dst = is_in ? &in[k] : &want[k];
		size_t len;
		void *buf;

		sfmt(path, sizeof(path), "%s/%s_%d.pb", dir,
			 is_in ? "input" : "output", k);
		buf = read_file(path, &len);
		if (!buf) {
			sfmt(why, sz, "cannot read %s", path);
			goto out;
		}
		err = onnx_load_tensor(buf, len, dst, NULL, &e);
		free(buf);
		if (err) {
			v = err == -EOPNOTSUPP ? V_SKIP : V_FAIL;
			sfmt(why, sz, "%s: %s", path, e.msg);
			goto out;
		}
	}
	sfmt(path, sizeof(path), "%s/input_%d.pb", dir, g->n_inputs);
	if (!access(path, F_OK)) {
		sfmt(why, sz, "more input files than graph inputs (%d)",
			 g->n_inputs);
		goto out;
	}
	if (freeze)
		freeze_int64_inputs(g, in);
	p = cpu_plan_create(g, in, g->n_inputs, &e, &err);
	if (!p) {
		v = err == -EOPNOTSUPP && e.msg[0] ? V_SKIP : V_FAIL;
		sfmt(why, sz, "plan: %s (%d)", e.msg, err);
		goto out;
	}
	for (i = 0; i < g->n_inputs; i++)
		in_ptr[i] = in[i].data;
	for (i = 0; i < g->n_outputs; i++) {
		int64_t nb;

		cpu_plan_output_info(p, i, &out[i]);
		nb = ir_value_nbytes(&out[i]);
		out[i].data = malloc(nb > 0 ? (size_t)nb : 1);
		if (!out[i].data) {
			sfmt(why, sz, "out of memory");
			goto out;
		}
		out_ptr[i] = out[i].data;
	}
	err = cpu_plan_run(p, in_ptr, out_ptr, &e);
	if (err) {
		sfmt(why, sz, "run: %s (%d)", e.msg, err);
		goto out;
	}
	for (i = 0; i < g->n_outputs; i++) {
		char w[200];

		if (compare(&out[i], &want[i], w, sizeof(w))) {
			sfmt(why, sz, "output %d '%s': %s", i,
				 g->tensors[g->outputs[i]].name, w);
			goto out;
		}
	}
	v = V_PASS;
out:
	cpu_plan_free(p);
	for (i = 0; in && i < g->n_inputs; i++)
		free(in[i].data);
	for (i = 0; out && i < g->n_outputs; i++)
		free(out[i].data);
	for (i = 0; want && i < g->n_outputs; i++)
		free(want[i].data);
	free(in);
	free(out);
	free(want);
	free(in_ptr);
	free(out_ptr);
	return v;
}

/*
 * Retry a data set whose int64 operands must be known at plan time, on a
 * fresh copy of the graph with those inputs frozen as constants.
 */
static enum verdict run_frozen(const void *model, size_t len, const char *dir,
			       char *why, size_t sz)
{
	struct accel_err e = { { 0 } };
	struct ir_graph *g;
	enum verdict v;
	int err = 0;

	g = ir_load_onnx(model, len, &e, &err);
	if (!g) {
		sfmt(why, sz, "reload: %s (%d)", e.msg, err);
		return V_FAIL;
	}
	v = run_dataset(g, dir, true, why, sz);
	ir_graph_free(g);
	return v;
}

static enum verdict run_test(const char *root, const char *name, char *key,
			     size_t ksz, char *why, size_t sz)
{
	struct dirent **sets = NULL;
	struct accel_err e = { { 0 } };
	struct ir_graph *g;
	enum verdict v = V_PASS;
	const void *model;
	char path[4096];
	size_t len;
	void *buf;
	int i, n, err = 0;

	sfmt(key, ksz, "(unloaded)");
	sfmt(path, sizeof(path), "%s/%s/model.onnx", root, name);
	buf = read_file(path, &len);
	if (!buf) {
		sfmt(why, sz, "cannot read %s", path);
		return V_FAIL;
	}
	g = ir_load_onnx(buf, len, &e, &err);
	if (!g) {
		free(buf);
		sfmt(why, sz, "load: %s (%d)", e.msg, err);
		return err == -EOPNOTSUPP && e.msg[0] ? V_SKIP : V_FAIL;
	}
	model = buf;
	test_key(g, key, ksz);
	for (i = 0; i < g->n_nodes; i++)
		if (!cpu_op_find(g->nodes[i].domain, g->nodes[i].op_type)) {
			sfmt(why, sz, "operator %s%s%s not supported",
				 g->nodes[i].domain,
				 g->nodes[i].domain[0] ? ":" : "",
				 g->nodes[i].op_type);
			ir_graph_free(g);
			free(buf);
			return V_SKIP;
		}
	sfmt(path, sizeof(path), "%s/%s", root, name);
	n = scandir(path, &sets, is_dataset, alphasort);
	if (n <= 0) {
		sfmt(why, sz, "no test_data_set_* in %s", path);
		v = V_FAIL;
	}
	for (i = 0; i < n; i++) {
		char dir[4096];

		if (v == V_PASS) {
			sfmt(dir, sizeof(dir), "%s/%s", path,
				 sets[i]->d_name);
			v = run_dataset(g, dir, false, why, sz);
			if (v == V_SKIP && strstr(why, "not a constant"))
				v = run_frozen(model, len, dir, why, sz);
		}
		free(sets[i]);
	}
	free(sets);
	ir_graph_free(g);
	free(buf);
	return v;
}

int main(void)
{
	const char *root = find_data_dir(), *filter;
	struct dirent **tests;
	int n, i, tot[3] = { 0, 0, 0 };
	static const char *const tag[] = { "PASS", "FAIL", "SKIP" };

	if (!root) {
		fprintf(stderr, "conformance: ONNX node test data not found; install libonnx-testdata or set ENPU_ONNX_TESTDATA\n");
		printf("conformance: 0 passed, 1 failed, 0 skipped\n");
		return 1;
	}
	filter = getenv("ENPU_CONFORMANCE_FILTER");
	n = scandir(root, &tests, is_dir, alphasort);
	if (n <= 0) {
		fprintf(stderr, "conformance: no tests in %s\n", root);
		printf("conformance: 0 passed, 1 failed, 0 skipped\n");
		return 1;
	}
	printf("# ONNX node tests from %s\n", root);
	for (i = 0; i < n; i++) {
		const char *name = tests[i]->d_name;
		char key[64], why[512] = "";
		enum verdict v;

		if (filter && filter[0] && fnmatch(filter, name, 0)) {
			free(tests[i]);
			continue;
		}
		v = run_test(root, name, key, sizeof(key), why, sizeof(why));
		count(key, v);
		tot[v]++;
		if (v == V_PASS)
			printf("PASS %s\n", name);
		else
			printf("%s %s: %s\n", tag[v], name, why);
		fflush(stdout);
		free(tests[i]);
	}
	free(tests);

	printf("\n%-28s %6s %6s %6s\n", "operator", "pass", "fail", "skip");
	for (i = 0; i < n_stats; i++)
		printf("%-28s %6d %6d %6d\n", stats[i].name,
		       stats[i].n[V_PASS], stats[i].n[V_FAIL],
		       stats[i].n[V_SKIP]);
	printf("conformance: %d passed, %d failed, %d skipped\n", tot[V_PASS],
	       tot[V_FAIL], tot[V_SKIP]);
	return tot[V_FAIL] || !tot[V_PASS] ? 1 : 0;
}
