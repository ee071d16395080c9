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
 * The CPU planner needs shape operands (Reshape's shape, Resize's scales,
 * Range's limits, OneHot's depth...) at planning time, while the node tests
 * feed them as graph inputs.  When planning fails with -EOPNOTSUPP because
 * an operand is "unknown at planning", the data set is retried on a fresh
 * copy of the graph with this data set's values frozen into constants:
 * every non-float graph input, plus the float graph inputs the failing node
 * reads, directly or through other nodes, as a shape/scale/size/depth
 * operand (see shape_operands()).  Such a pass is reported "(inputs frozen)".
 * A retry that fails is a failure; one that still cannot plan is a skip.
 *
 * The output is TAP, one point per test named by the test directory
 * ("ok 12 - test_adagrad # SKIP operator ... not supported"); every skip must
 * be listed in tests/conformance/expected-skips (scripts/check-skips.sh).
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

#include "ops/ops.h"
#include "exec/plan.h"
#include "ir/ir.h"
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

static bool is_float_type(int dtype)
{
	return dtype == IR_F32 || dtype == IR_F64 || dtype == IR_F16;
}

/*
 * Turn graph inputs of @g into constants holding this data set's values,
 * compacting g->inputs and @in: every non-float input and the float inputs
 * with @mask set (@mask indexed like g->inputs).  Takes ownership of their
 * data.
 */
static void freeze_inputs(struct ir_graph *g, struct ir_value *in,
			  const bool *mask)
{
	int i, k = 0;

	for (i = 0; i < g->n_inputs; i++) {
		struct ir_tensor *t = &g->tensors[g->inputs[i]];

		if (is_float_type(in[i].dtype) && !mask[i]) {
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
 * Run one data set; returns a verdict and fills @why.  With @freeze, the
 * inputs freeze_inputs() picks become constants first (the graph is
 * modified).  *@unknown tells whether planning failed with -EOPNOTSUPP for
 * an operand unknown at planning; @msg then holds the planner's message.
 */
static enum verdict run_dataset(struct ir_graph *g, const char *dir,
				const bool *freeze, bool *unknown,
				char *msg, size_t msz, char *why, size_t sz)
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
		freeze_inputs(g, in, freeze);
	p = cpu_plan_create(g, in, g->n_inputs, &e, &err);
	if (!p) {
		v = err == -EOPNOTSUPP && e.msg[0] ? V_SKIP : V_FAIL;
		*unknown = err == -EOPNOTSUPP &&
			   strstr(e.msg, "unknown at planning");
		sfmt(msg, msz, "%s", e.msg);
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
 * The inputs of @n that its operator needs at planning time and that a
 * test may feed as float tensors: Resize's scales and sizes (scales only
 * before opset 11; never the roi, which is read when running), Upsample's
 * scales, Range's start/limit/delta, OneHot's depth, Dropout's ratio and
 * training_mode (which decide whether it is the identity).  Returns the
 * count.
 */
static int shape_operands(const struct ir_node *n, int *idx)
{
	static const struct {
		const char *op;
		int idx[3];
		int cnt;
	} tab[] = {
		{ "Upsample", { 1 }, 1 },
		{ "Range", { 0, 1, 2 }, 3 },
		{ "OneHot", { 1 }, 1 },
		{ "Dropout", { 1, 2 }, 2 },
		{ "Loop", { 0, 1 }, 2 },	/* M, cond: size scan outputs */
	};
	size_t i;

	if (n->domain[0])
		return 0;
	if (!strcmp(n->op_type, "Resize")) {
		if (n->opset > 0 && n->opset < 11) {
			idx[0] = 1;
			return 1;
		}
		idx[0] = 2;
		idx[1] = 3;
		return 2;
	}
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(n->op_type, tab[i].op)) {
			memcpy(idx, tab[i].idx, sizeof(tab[i].idx));
			return tab[i].cnt;
		}
	return 0;
}

/*
 * Mark in @mask the graph inputs that tensor @t is computed from (itself
 * when it is one).  @seen and @stack hold g->n_tensors entries.
 */
static void mark_sources(const struct ir_graph *g, int t, bool *mask,
			 bool *seen, int *stack)
{
	int sp = 0, i, k;

	if (t < 0 || t >= g->n_tensors || seen[t])
		return;
	seen[t] = true;
	stack[sp++] = t;
	while (sp) {
		int cur = stack[--sp];
		const struct ir_tensor *tt = &g->tensors[cur];

		if (tt->kind == IR_TENSOR_INPUT) {
			for (i = 0; i < g->n_inputs; i++)
				if (g->inputs[i] == cur)
					mask[i] = true;
			continue;
		}
		if (tt->producer < 0 || tt->producer >= g->n_nodes)
			continue;
		for (k = 0; k < g->nodes[tt->producer].n_inputs; k++) {
			int u = g->nodes[tt->producer].inputs[k];

			if (u >= 0 && u < g->n_tensors && !seen[u]) {
				seen[u] = true;
				stack[sp++] = u;
			}
		}
	}
}

/*
 * Add to @mask the float inputs behind the shape operands of the node(s)
 * that planning message @msg names ("node '<name>' (<op>): ...").
 * Returns how many inputs were newly marked, -1 when out of memory.
 */
static int mark_failing_node(const struct ir_graph *g, const char *msg,
			     bool *mask)
{
	bool *seen = calloc((size_t)g->n_tensors + 1, sizeof(*seen));
	int *stack = calloc((size_t)g->n_tensors + 1, sizeof(*stack));
	bool *before = calloc((size_t)g->n_inputs + 1, sizeof(*before));
	int i, j, added = 0;

	if (!seen || !stack || !before) {
		added = -1;
		goto out;
	}
	memcpy(before, mask, (size_t)g->n_inputs * sizeof(*mask));
	for (i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = &g->nodes[i];
		char pfx[512];
		int idx[3], cnt;

		sfmt(pfx, sizeof(pfx), "node '%s' (%s): ", n->name,
		     n->op_type);
		if (strncmp(msg, pfx, strlen(pfx)))
			continue;
		cnt = shape_operands(n, idx);
		for (j = 0; j < cnt; j++)
			if (idx[j] < n->n_inputs)
				mark_sources(g, n->inputs[idx[j]], mask, seen,
					     stack);
	}
	for (i = 0; i < g->n_inputs; i++)
		added += mask[i] && !before[i];
out:
	free(seen);
	free(stack);
	free(before);
	return added;
}

/*
 * Retry a data set whose shape operands must be known at plan time, on a
 * fresh copy of the graph with them frozen as constants.  @msg is the
 * first planning failure.  The freeze set grows while each retry fails
 * for another unknown operand behind a newly found float input.
 */
static enum verdict run_frozen(const void *model, size_t len, const char *dir,
			       const char *msg0, char *why, size_t sz)
{
	struct accel_err e = { { 0 } };
	char msg[ACCEL_ERR_MSG_MAX];
	struct ir_graph *g = NULL;
	enum verdict v = V_FAIL;
	bool *mask = NULL, unknown = true;
	int err = 0, tries;

	sfmt(msg, sizeof(msg), "%s", msg0);
	for (tries = 0; unknown; tries++) {
		g = ir_load_onnx(model, len, &e, &err);
		if (!g) {
			sfmt(why, sz, "reload: %s (%d)", e.msg, err);
			v = V_FAIL;
			break;
		}
		if (!mask) {
			mask = calloc((size_t)g->n_inputs + 1, sizeof(*mask));
			if (!mask) {
				sfmt(why, sz, "out of memory");
				break;
			}
		}
		/* the first retry always runs (non-float inputs) */
		if (mark_failing_node(g, msg, mask) <= 0 && tries) {
			ir_graph_free(g);
			g = NULL;
			break;	/* nothing new to freeze: keep the skip */
		}
		unknown = false;
		v = run_dataset(g, dir, mask, &unknown, msg, sizeof(msg), why,
				sz);
		ir_graph_free(g);
		g = NULL;
		if (v != V_SKIP)
			break;
	}
	free(mask);
	return v;
}

static enum verdict run_test(const char *root, const char *name, char *key,
			     size_t ksz, bool *frozen, char *why, size_t sz)
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
	*frozen = false;
	for (i = 0; i < n; i++) {
		char dir[4096], msg[ACCEL_ERR_MSG_MAX] = "";
		bool unknown = false;

		if (v == V_PASS) {
			sfmt(dir, sizeof(dir), "%s/%s", path,
				 sets[i]->d_name);
			v = run_dataset(g, dir, NULL, &unknown, msg,
					sizeof(msg), why, sz);
			if (v == V_SKIP && unknown) {
				v = run_frozen(model, len, dir, msg, why, sz);
				*frozen = true;
			}
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
	int n, i, tot[3] = { 0, 0, 0 }, n_frozen = 0, n_run = 0;

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
		bool frozen = false;
		enum verdict v;

		if (filter && filter[0] && fnmatch(filter, name, 0)) {
			free(tests[i]);
			continue;
		}
		v = run_test(root, name, key, sizeof(key), &frozen, why,
			     sizeof(why));
		count(key, v);
		tot[v]++;
		n_run++;
		/* TAP; the test name is the id expected-skips lists. */
		if (v == V_PASS && frozen) {
			printf("ok %d - %s (inputs frozen)\n", n_run, name);
			n_frozen++;
		} else if (v == V_PASS) {
			printf("ok %d - %s\n", n_run, name);
		} else if (v == V_SKIP) {
			printf("ok %d - %s # SKIP %s\n", n_run, name, why);
		} else {
			printf("not ok %d - %s\n# %s\n", n_run, name, why);
		}
		fflush(stdout);
		free(tests[i]);
	}
	free(tests);

	printf("1..%d\n", n_run);
	printf("\n# %d of the passes needed inputs frozen into constants\n",
	       n_frozen);
	printf("\n# %-28s %6s %6s %6s\n", "operator", "pass", "fail", "skip");
	for (i = 0; i < n_stats; i++)
		printf("# %-28s %6d %6d %6d\n", stats[i].name,
		       stats[i].n[V_PASS], stats[i].n[V_FAIL],
		       stats[i].n[V_SKIP]);
	printf("conformance: %d passed, %d failed, %d skipped\n", tot[V_PASS],
	       tot[V_FAIL], tot[V_SKIP]);
	return tot[V_FAIL] || !tot[V_PASS] ? 1 : 0;
}
