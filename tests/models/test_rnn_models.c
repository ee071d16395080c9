// SPDX-License-Identifier: MIT
/*
 * Recurrent models as PyTorch exports them (tests/models/make_rnn.py):
 * a two-layer bidirectional batch-first LSTM and a GRU with an initial
 * state, loaded through the public API and compared with the outputs
 * torch computed (shipped as .npy beside the models).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "accel.h"
#include "tap.h"

#define DATA "tests/models/data/"

static accel_ctx *ctx;

/* Load @name.onnx, run it on its .npy inputs, compare every output. */
static void run_model(const char *name, const char *const *ins, int n_in,
		      const char *const *outs, int n_out)
{
	struct accel_tensor in[4] = { 0 }, got[4] = { 0 }, want[4] = { 0 };
	char path[256];
	accel_model *m = NULL;
	int err;

	for (int i = 0; i < n_in; i++) {
		snprintf(path, sizeof(path), DATA "%s_%s.npy", name, ins[i]);
		if (!TAP_CHECK(!accel_npy_read(path, &in[i]), "%s: %s", path,
			       accel_last_error()))
			goto out;
	}
	for (int j = 0; j < n_out; j++) {
		snprintf(path, sizeof(path), DATA "%s_%s.npy", name, outs[j]);
		if (!TAP_CHECK(!accel_npy_read(path, &want[j]), "%s: %s", path,
			       accel_last_error()))
			goto out;
	}
	snprintf(path, sizeof(path), DATA "%s.onnx", name);
	m = accel_model_load(ctx, path, &err);
	if (!TAP_CHECK(m, "load %s: %s", path, accel_last_error()))
		goto out;
	err = accel_run(m, in, n_in, got, n_out);
	if (!TAP_CHECK(err == 0, "run %s: %s", name, accel_last_error()))
		goto out;
	for (int j = 0; j < n_out; j++) {
		const float *g = got[j].data, *w = want[j].data;
		size_t cnt = want[j].size / sizeof(float);
		double maxd = 0;

		if (!TAP_CHECK(got[j].rank == want[j].rank &&
			       !memcmp(got[j].dims, want[j].dims,
				       sizeof(int64_t) * (size_t)want[j].rank),
			       "%s output %s: shape differs", name, outs[j]))
			continue;
		for (size_t i = 0; i < cnt; i++) {
			double d = fabs((double)g[i] - w[i]);

			if (d > maxd)
				maxd = d;
			if (!TAP_CHECK(d <= 1e-5 + 1e-4 * fabs(w[i]),
				       "%s output %s[%zu]: got %g, torch %g",
				       name, outs[j], i, g[i], w[i]))
				break;
		}
		printf("# %s %s: %zu values, max |difference| from torch %.2g\n",
		       name, outs[j], cnt, maxd);
	}
out:
	accel_model_free(m);
	for (int i = 0; i < 4; i++) {
		accel_tensor_release(&in[i]);
		accel_tensor_release(&got[i]);
		accel_tensor_release(&want[i]);
	}
}

static void test_lstm(void)
{
	static const char *const ins[] = { "x" };
	static const char *const outs[] = { "y", "h_n", "c_n" };

	run_model("lstm_torch", ins, 1, outs, 3);
}

static void test_gru(void)
{
	static const char *const ins[] = { "x", "h0" };
	static const char *const outs[] = { "y", "h_n" };

	run_model("gru_torch", ins, 2, outs, 2);
}

int main(void)
{
	int err;

	ctx = accel_open(ACCEL_DEVICE_CPU, &err);
	if (!ctx) {
		printf("# %s\n", accel_last_error());
		return tap_done("models-rnn");
	}
	tap_run("torch 2-layer bidirectional batch-first LSTM", test_lstm);
	tap_run("torch GRU with an initial state", test_gru);
	accel_close(ctx);
	return tap_done("models-rnn");
}
