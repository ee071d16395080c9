// SPDX-License-Identifier: MIT
/*
 * accel-info - list every device libaccel knows (the CPU backend and each
 * /dev/accel/accel* node) with driver, ISA and firmware versions,
 * capabilities, memory, engines and whether libaccel can use it; like
 * clinfo or vainfo.  Given a model, print its interface instead: every
 * input and output with name, dtype and shape, and the device and engine
 * it compiles for.
 *
 *	accel-info [--json] [--device cpu|npu|auto] [MODEL]
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "accel.h"
#include "common/args.h"
#include "common/die.h"
#include "common/input.h"

const char tool_name[] = "accel-info";

static const char *const cap_names[] = {
	"uring-submit", "syncobj", "prime", "cmdbuf-bo", "priority",
};

static void ver(char *buf, size_t len, uint32_t v)
{
	snprintf(buf, len, "%u.%u", v >> 16, v & 0xffff);
}

static void caps(char *buf, size_t len, uint64_t c, bool cpu)
{
	size_t i, used = 0;

	buf[0] = 0;
	if (cpu) {
		snprintf(buf, len, "int8 ISA (firmware core), fp32 graph executor");
		return;
	}
	for (i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (c & (1ull << i))
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0,
						 "%s%s", used ? " " : "", cap_names[i]);
	if (c >> i)
		snprintf(buf + used, used < len ? len - used : 0,
			 "%sunknown-0x%llx", used ? " " : "",
			 (unsigned long long)(c >> i << i));
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: accel-info [--json] [--device cpu|npu|auto] [MODEL] [--version]\n"
		"\n"
		"Without MODEL: every device libaccel can run on, with versions,\n"
		"capabilities, memory and whether it is usable.  With MODEL: its inputs\n"
		"and outputs (name, dtype, shape; '?' is a symbolic dimension) and the\n"
		"device and engine it compiles for.\n");
}

static void json_str(const char *s)
{
	for (; *s; s++)
		printf((*s == '"' || *s == '\\') ? "\\%c" :
		       (unsigned char)*s < 0x20 ? "?" : "%c", *s);
}

/* Input (@in) or output @i of @m: symbolic dimensions by name, else '?'. */
static void print_tensor(const accel_model *m, bool json, bool in, int i,
			 bool last)
{
	struct accel_tensor_info inf;
	char dims[256];
	size_t at = 0;
	int d;

	if (in)
		accel_model_input(m, i, &inf);
	else
		accel_model_output(m, i, &inf);
	if (json) {
		printf("{\"index\":%d,\"name\":\"", i);
		json_str(inf.name);
		printf("\",\"dtype\":\"%s\",\"shape\":", accel_dtype_name(inf.dtype));
		if (inf.rank < 0)
			printf("null");
		for (d = 0; d < inf.rank; d++) {
			const char *name = in ? accel_model_input_dim_name(m, i, d) :
					   accel_model_output_dim_name(m, i, d);

			printf("%s", d ? "," : "[");
			if (inf.dims[d] >= 0) {
				printf("%lld", (long long)inf.dims[d]);
			} else if (name) {
				printf("\"");
				json_str(name);
				printf("\"");
			} else {
				printf("null");
			}
		}
		printf("%s}%s", inf.rank == 0 ? "[]" : inf.rank > 0 ? "]" : "",
		       last ? "" : ",");
		return;
	}
	if (inf.rank < 0) {
		snprintf(dims, sizeof(dims), "(rank unknown)");
	} else {
		at += (size_t)snprintf(dims, sizeof(dims), "[");
		for (d = 0; d < inf.rank && at < sizeof(dims); d++) {
			const char *name = in ? accel_model_input_dim_name(m, i, d) :
					   accel_model_output_dim_name(m, i, d);

			if (inf.dims[d] >= 0)
				at += (size_t)snprintf(dims + at, sizeof(dims) - at, "%s%lld",
						       d ? "," : "", (long long)inf.dims[d]);
			else
				at += (size_t)snprintf(dims + at, sizeof(dims) - at, "%s%s",
						       d ? "," : "", name ? name : "?");
		}
		if (at < sizeof(dims))
			snprintf(dims + at, sizeof(dims) - at, "]");
	}
	printf("  %-7s %d: %-24s %-8s %s\n", in ? "input" : "output", i, inf.name,
	       accel_dtype_name(inf.dtype), dims);
}

#define MAX_IO 64

/*
 * Compile @m for its declared shapes (symbolic dimensions 1) by running it
 * once on zeros: the device and engine are chosen when it first runs.
 */
static int compile_once(accel_model *m, int n_in, int n_out)
{
	struct accel_tensor in[MAX_IO], out[MAX_IO];
	int i, ret = 1;

	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	if (n_in > MAX_IO || n_out > MAX_IO)
		return die("model has more than %d inputs or outputs", MAX_IO);
	for (i = 0; i < n_in; i++) {
		struct accel_tensor_info inf;

		accel_model_input(m, i, &inf);
		if (tool_make_input(&inf, 1, NULL, NULL, &in[i]))
			goto out;
	}
	if (accel_run(m, in, n_in, out, n_out))
		die("%s", accel_last_error());
	else
		ret = 0;
out:
	for (i = 0; i < n_in; i++)
		accel_tensor_release(&in[i]);
	for (i = 0; i < n_out; i++)
		accel_tensor_release(&out[i]);
	return ret;
}

/* accel-info MODEL: the model's interface. */
static int model_info(const char *path, enum accel_device dev, bool json)
{
	struct accel_ctx_options co = { .size = sizeof(co), .npu_index = -1,
					.flags = ACCEL_CTX_QUIET };
	struct accel_model_meta meta;
	accel_model *m;
	accel_ctx *ctx;
	int err, i, n_in, n_out;

	ctx = accel_open_opts(dev, &co, &err);
	if (!ctx)
		return die("%s", accel_last_error());
	m = accel_model_load(ctx, path, &err);
	if (!m) {
		die("%s", accel_last_error());
		accel_close(ctx);
		return 1;
	}
	n_in = accel_model_num_inputs(m);
	n_out = accel_model_num_outputs(m);
	if (compile_once(m, n_in, n_out)) {
		accel_model_free(m);
		accel_close(ctx);
		return 1;
	}
	accel_model_metadata(m, &meta);
	if (json) {
		printf("{\"model\":\"");
		json_str(path);
		printf("\",\"producer\":\"");
		json_str(meta.producer_name);
		printf("\",\"producer_version\":\"");
		json_str(meta.producer_version);
		printf("\",\"graph\":\"");
		json_str(meta.graph_name);
		printf("\",\"ir_version\":%lld,\"opset\":%lld,\"nodes\":%d,",
		       (long long)meta.ir_version, (long long)meta.opset, meta.n_nodes);
		printf("\"device\":\"%s\",\"engine\":\"%s\",\"inputs\":[",
		       accel_device_name(accel_model_device(m)),
		       accel_model_engine(m) == ACCEL_ENGINE_INT8 ? "int8" : "fp32");
	} else {
		printf("model:   %s\n", path);
		printf("made by: %s%s%s (ONNX IR %lld, opset %lld, %d nodes, graph '%s')\n",
		       meta.producer_name[0] ? meta.producer_name : "(unknown)",
		       meta.producer_version[0] ? " " : "", meta.producer_version,
		       (long long)meta.ir_version, (long long)meta.opset,
		       meta.n_nodes, meta.graph_name);
		printf("runs on: %s%s%s (%s, for the declared shapes)\n",
		       accel_device_name(accel_model_device(m)),
		       accel_model_device(m) == ACCEL_DEVICE_NPU ? " " : "",
		       accel_model_device(m) == ACCEL_DEVICE_NPU ?
		       accel_ctx_device_path(ctx) : "",
		       accel_model_engine(m) == ACCEL_ENGINE_INT8 ?
		       "int8 command buffer" : "fp32 graph executor");
	}
	for (i = 0; i < n_in; i++)
		print_tensor(m, json, true, i, i == n_in - 1);
	if (json)
		printf("],\"outputs\":[");
	for (i = 0; i < n_out; i++)
		print_tensor(m, json, false, i, i == n_out - 1);
	if (json)
		printf("]}\n");
	accel_model_free(m);
	accel_close(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum accel_device dev = ACCEL_DEVICE_AUTO;
	struct accel_device_info d[65];
	bool json = false;
	int n, i, c;

	while ((c = getopt_long(argc, argv, "jd:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'd':
			if (tool_arg_device(optarg, &dev))
				return 1;
			break;
		case 'V':
			tool_print_version(stdout);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc - 1) {
		usage(stderr);
		return 2;
	}
	if (optind == argc - 1)
		return model_info(argv[optind], dev, json);
	n = accel_devices(d, 65);
	if (n < 0)
		return die("%s", accel_last_error());
	if (n > 65)
		n = 65;
	if (!json)
		printf("libaccel %s: %d device%s\n", accel_version(), n,
		       n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		bool cpu = d[i].kind == ACCEL_DEVICE_CPU;
		char dv[16], iv[16], fv[16], cb[160];

		ver(dv, sizeof(dv), d[i].driver_version);
		ver(iv, sizeof(iv), d[i].isa_version);
		ver(fv, sizeof(fv), d[i].fw_version);
		caps(cb, sizeof(cb), d[i].capabilities, cpu);
		if (json) {
			printf("{\"index\":%d,\"kind\":\"%s\",\"path\":\"%s\",\"driver\":\"%s\","
			       "\"description\":\"%s\",\"driver_version\":\"%s\",\"isa_version\":\"%s\","
			       "\"firmware_version\":\"%s\",\"capabilities\":\"%s\",\"engines\":%u,"
			       "\"engine_type\":\"%s\",\"memory_bytes\":%llu,\"max_alloc_bytes\":%llu,"
			       "\"job_timeout_ms\":%u,\"usable\":%s,\"status\":\"%s\"}\n",
			       i, cpu ? "cpu" : "npu", d[i].path, d[i].driver,
			       d[i].description, dv, iv, fv, cb, d[i].num_engines,
			       cpu ? "cpu" : d[i].engine_type ? "pci" : "soft",
			       (unsigned long long)d[i].memory_size,
			       (unsigned long long)d[i].max_alloc_size,
			       d[i].job_timeout_ms, d[i].usable ? "false" : "true",
			       d[i].why);
			continue;
		}
		printf("\nDevice %d: %s%s%s\n", i, cpu ? "CPU" : "NPU",
		       cpu ? "" : " ", d[i].path);
		printf("  Driver:            %s%s%s%s\n", d[i].driver,
		       d[i].description[0] ? " (" : "", d[i].description,
		       d[i].description[0] ? ")" : "");
		if (d[i].driver[0] && (cpu || !strcmp(d[i].driver, "enpu"))) {
			printf("  %-18s %s\n", cpu ? "libaccel version:" : "Driver version:", dv);
			printf("  ISA version:       %s\n", iv);
			printf("  Firmware version:  %s\n", fv);
			printf("  Capabilities:      %s\n", cb);
			printf("  Engines:           %u (%s)\n", d[i].num_engines,
			       cpu ? "online CPU cores" :
			       d[i].engine_type ? "PCI NPU" : "soft engine: kernel workers running the firmware core");
			printf("  Memory:            %llu MiB (largest buffer %llu MiB)\n",
			       (unsigned long long)(d[i].memory_size >> 20),
			       (unsigned long long)(d[i].max_alloc_size >> 20));
			if (!cpu)
				printf("  Job timeout:       %u ms\n", d[i].job_timeout_ms);
		}
		printf("  Usable by libaccel: %s%s%s\n", d[i].usable ? "no" : "yes",
		       d[i].usable ? ": " : "", d[i].usable ? d[i].why : "");
	}
	if (!json && n == 1)
		printf("\nNo /dev/accel device: models run on the CPU (load enpu.ko for the NPU).\n");
	return 0;
}
