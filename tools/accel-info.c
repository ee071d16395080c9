// SPDX-License-Identifier: MIT
/*
 * accel-info - list every device libaccel knows (the CPU backend and each
 * /dev/accel/accel* node) with driver, ISA and firmware versions,
 * capabilities, memory, engines and whether libaccel can use it; like
 * clinfo or vainfo.
 *
 *	accel-info [--json]
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "accel.h"
#include "common/die.h"

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

int main(int argc, char **argv)
{
	struct accel_device_info d[65];
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	int n, i;

	if (argc > 1 && !json) {
		fprintf(stderr, "usage: accel-info [--json]\n");
		return strcmp(argv[1], "--help") ? 2 : 0;
	}
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
