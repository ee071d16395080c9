// SPDX-License-Identifier: MIT
/*
 * enpu-devmodel: ENPU PCI devices for QEMU's ivshmem-doorbell.
 *
 *	enpu-devmodel [options] --socket PATH [--socket PATH ...]
 *
 * Each --socket is one device (its own BAR, cores and firmware); attach it
 * to a VM with
 *	-chardev socket,path=PATH,id=npu0
 *	-device ivshmem-doorbell,chardev=npu0,vectors=2
 * Runs until SIGINT or SIGTERM.  Prints "enpu-devmodel: ready" on stdout
 * once every socket listens.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devmodel.h"

#define MAX_DEVICES 16

static void usage(FILE *f)
{
	fprintf(f,
		"usage: enpu-devmodel [options] --socket PATH [--socket PATH ...]\n"
		"  --socket PATH      serve one device on this UNIX socket (repeat for more)\n"
		"  --bar-size SIZE    shared-memory BAR per device, power of two, K/M/G suffix\n"
		"                     (default 64M, at least 16M)\n"
		"  --cores N          compute cores per device (default 2, at most 16)\n"
		"  --ring-entries N   submission/completion ring entries (default 256)\n"
		"  --faults           honour the debug register (fault injection for tests)\n"
		"  -v, --verbose      log boots, resets and connections on stderr\n"
		"  -h, --help         this text\n");
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "bar-size", required_argument, NULL, 'b' },
		{ "cores", required_argument, NULL, 'c' },
		{ "ring-entries", required_argument, NULL, 'r' },
		{ "faults", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dm_config cfg = {
		.bar_size = 64ull << 20, .num_cores = 2, .ring_entries = 256,
	};
	const char *sockets[MAX_DEVICES];
	struct dm_dev *dev[MAX_DEVICES];
	unsigned int n = 0, i;
	char err[256];
	sigset_t set;
	int o, sig;

	while ((o = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (n == MAX_DEVICES) {
				fprintf(stderr, "enpu-devmodel: at most %d devices\n",
					MAX_DEVICES);
				return 2;
			}
			sockets[n++] = optarg;
			break;
		case 'b':
			if (parse_size(optarg, &cfg.bar_size)) {
				fprintf(stderr, "enpu-devmodel: --bar-size '%s': not a size\n",
					optarg);
				return 2;
			}
			break;
		case 'c':
		case 'r':
			if (parse_u32(optarg, o == 'c' ? &cfg.num_cores : &cfg.ring_entries)) {
				fprintf(stderr, "enpu-devmodel: --%s '%s': not a number\n",
					o == 'c' ? "cores" : "ring-entries", optarg);
				return 2;
			}
			break;
		case 'f':
			cfg.faults = true;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || n == 0) {
		usage(stderr);
		return 2;
	}

	/* Block the signals before any thread starts; main waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < n; i++) {
		cfg.socket_path = sockets[i];
		dev[i] = dm_create(&cfg, err, sizeof(err));
		if (!dev[i]) {
			fprintf(stderr, "enpu-devmodel: %s: %s\n", sockets[i], err);
			while (i--)
				dm_destroy(dev[i]);
			return 1;
		}
	}
	printf("enpu-devmodel: ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	for (i = 0; i < n; i++)
		dm_destroy(dev[i]);
	return 0;
}
