/* SPDX-License-Identifier: MIT */
/*
 * enpu-devmodel's device: one ENPU PCI device (uapi/drm/enpu_hw.h) served to
 * one QEMU ivshmem-doorbell client at a time over a UNIX socket.  Several
 * devices may live in one process; each has its own socket, shared memory,
 * server thread and core threads.
 */
#ifndef ENPU_DEVMODEL_H
#define ENPU_DEVMODEL_H

#include <stdbool.h>
#include <stdint.h>

struct dm_dev;

/**
 * struct dm_config - what a device is made of.
 * @socket_path: the ivshmem server socket (a stale file is removed).
 * @bar_size: bytes of the shared memory BAR, a power of two >= 16 MiB.
 * @num_cores: compute cores (threads), 1..ENPU_HW_MAX_CORES.
 * @ring_entries: entries per ring, a power of two, 16..4096.
 * @faults: honour regs.debug (fault injection for tests).
 * @verbose: log every boot, reset and connection on stderr.
 */
struct dm_config {
	const char *socket_path;
	uint64_t bar_size;
	uint32_t num_cores;
	uint32_t ring_entries;
	bool faults;
	bool verbose;
};

/*
 * Create the device and start serving its socket.  Returns NULL with a
 * message in @err (@errsz bytes) on failure.
 */
struct dm_dev *dm_create(const struct dm_config *cfg, char *err, size_t errsz);

/* Stop serving, join every thread, free everything, remove the socket. */
void dm_destroy(struct dm_dev *d);

#endif /* ENPU_DEVMODEL_H */
