/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * The firmware image's entry table: the interface between the device (the
 * silicon, enpu-devmodel) and the firmware it boots.  The driver never sees
 * it; what the driver sees of the image is &struct enpu_hw_fw_header
 * (uapi/drm/enpu_hw.h).
 *
 * The image is position independent: the device loads header.code_size
 * bytes at a base of its choosing, applies the relocation table, maps it
 * read-only and executable (the firmware has no mutable globals) and reads
 * &struct enpu_fw_entry at base + header.entry_offset.  It calls init() once
 * per boot, then run_job() on any core thread, concurrently, one job per
 * core at a time.  Calls follow the C ABI of the machine.
 */
#ifndef ENPU_FW_IMAGE_H
#define ENPU_FW_IMAGE_H

#include <drm/enpu_hw.h>

/** ENPU_FW_ENTRY_MAGIC - "FENT" read as a little-endian __u32. */
#define ENPU_FW_ENTRY_MAGIC	0x544e4546u
/** ENPU_FW_ENTRY_ABI - version of this interface. */
#define ENPU_FW_ENTRY_ABI	1

/**
 * struct enpu_fw_env - what the device gives a core running a job.
 * @size: sizeof(struct enpu_fw_env).
 * @core: index of the core.
 * @bar: the BAR as the core sees it.
 * @cmd_offset: the command region (the device's own, trusted layout).
 * @cmd_size: bytes of the command region.
 * @mem_offset: device memory.
 * @mem_size: bytes of device memory.
 * @local: core-private memory, 64-byte aligned, @local_size bytes: the job's
 *	command buffer is copied here before validation.
 * @local_size: bytes at @local.
 * @yield: preemption point, called between operations and about every 2^20
 *	multiply-accumulates; the device counts progress there.  Non-zero (a
 *	negative errno) stops the job with that status.
 * @ctx: passed to @yield.
 */
struct enpu_fw_env {
	__u32 size;
	__u32 core;
	unsigned char *bar;
	__u64 cmd_offset;
	__u64 cmd_size;
	__u64 mem_offset;
	__u64 mem_size;
	void *local;
	__u64 local_size;
	int (*yield)(void *ctx);
	void *ctx;
};

/**
 * struct enpu_fw_boot_info - what init() reports (the handshake's boot info).
 * @capabilities: %ENPU_HW_CAP_* the firmware implements.
 * @max_cmdbuf_size: largest command buffer a job may have.
 * @max_slots: largest slot count.
 */
struct enpu_fw_boot_info {
	__u64 capabilities;
	__u32 max_cmdbuf_size;
	__u32 max_slots;
};

/**
 * struct enpu_fw_entry - the entry table (read-only in the image).
 * @magic: %ENPU_FW_ENTRY_MAGIC.
 * @abi: %ENPU_FW_ENTRY_ABI.
 * @fw_version: equals the image header's.
 * @isa_version: equals the image header's.
 * @hw_version: equals the image header's.
 * @reserved: zero.
 * @init: boots the firmware for cores with @local_size bytes of private
 *	memory each; fills @info.  Return: 0 or a negative errno.
 * @run_job: runs @job on the core @env describes and fills @done (job_id,
 *	status, op, tensor; the device fills seq, core and duration).
 */
struct enpu_fw_entry {
	__u32 magic;
	__u32 abi;
	__u32 fw_version;
	__u32 isa_version;
	__u32 hw_version;
	__u32 reserved;
	int (*init)(__u64 local_size, struct enpu_fw_boot_info *info);
	void (*run_job)(const struct enpu_fw_env *env,
			const struct enpu_hw_sq_entry *job,
			struct enpu_hw_cq_entry *done);
};

/*
 * CRC-32/ISO-HDLC (reflected 0xedb88320, initial and final ~0: zlib's
 * crc32()).  @crc is 0 to start, or the previous return value to continue.
 */
static inline __u32 enpu_fw_crc32(__u32 crc, const void *buf, __u64 len)
{
	const unsigned char *p = (const unsigned char *)buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

#endif /* ENPU_FW_IMAGE_H */
