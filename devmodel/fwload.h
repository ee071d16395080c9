/* SPDX-License-Identifier: MIT */
/*
 * Verify and load an ENPU firmware image (uapi/drm/enpu_hw.h,
 * firmware/image/README.md) into executable memory.
 */
#ifndef ENPU_DEVMODEL_FWLOAD_H
#define ENPU_DEVMODEL_FWLOAD_H

#include <stddef.h>

#include "enpu_fw_image.h"

/**
 * struct fw_loaded - a booted image.
 * @base: where the code lives (read-only, executable).
 * @map_size: bytes mapped at @base.
 * @entry: the image's entry table.
 * @hdr: the image's header.
 */
struct fw_loaded {
	void *base;
	size_t map_size;
	const struct enpu_fw_entry *entry;
	struct enpu_hw_fw_header hdr;
};

/* ELF e_machine of the cores this program runs (the host's). */
unsigned int fw_host_machine(void);

/*
 * Check @img (@size bytes, a private copy) and load it.  Returns
 * ENPU_HW_FAULT_NONE and fills @out, or the &enum enpu_hw_fault with a
 * one-line message in @msg (@msgsz bytes) naming what is wrong.
 */
int fw_load(const void *img, size_t size, struct fw_loaded *out, char *msg,
	    size_t msgsz);

/* Unmap a loaded image (no-op on a zeroed one). */
void fw_unload(struct fw_loaded *fw);

#endif /* ENPU_DEVMODEL_FWLOAD_H */
