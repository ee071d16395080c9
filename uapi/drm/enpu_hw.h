/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/*
 * ENPU PCI device: the hardware contract between enpu.ko's PCI engine, the
 * device (enpu-devmodel, the silicon) and the firmware it boots.
 *
 * The device is QEMU's ivshmem-doorbell (PCI 1af4:1110).  Its BAR0 holds
 * ivshmem's own registers (IntrMask, IntrStatus, IVPosition, Doorbell, see
 * QEMU's docs/specs/ivshmem-spec.txt); its BAR2 is memory shared with the
 * device model, laid out as below.  Everything in this header is about BAR2
 * ("the BAR") unless it says otherwise.  Little-endian, naturally aligned.
 *
 *   +----------------------------+ 0
 *   | struct enpu_hw_regs        | register block, ENPU_HW_REGS_SIZE (4 KiB)
 *   +----------------------------+ regs.sq_offset
 *   | struct enpu_hw_sq_entry[n] | submission ring, regs.ring_entries
 *   +----------------------------+ regs.cq_offset
 *   | struct enpu_hw_cq_entry[n] | completion ring, regs.ring_entries
 *   +----------------------------+ regs.fw_offset
 *   | firmware window            | the driver writes the image here
 *   +----------------------------+ regs.cmd_offset
 *   | command region             | validated command buffers and slot tables
 *   +----------------------------+ regs.mem_offset
 *   | device memory              | buffer objects (the only region userspace
 *   |                            | may map)
 *   +----------------------------+ regs.bar_size (a power of two)
 *
 * Every region is ENPU_HW_REGION_ALIGN aligned; the driver reads the offsets
 * and sizes from the registers, it never assumes them.
 *
 * Registers are plain memory: there are no read or write side effects.  The
 * driver changes a control field, then rings a doorbell (ivshmem BAR0
 * Doorbell register, value (regs.db_peer << 16) | vector) so the device looks
 * at it; the device updates status fields, then raises an MSI-X vector.
 * Fields are marked D (written by the device only) or H (written by the host
 * driver only).  The device never trusts what it reads back from the BAR: it
 * keeps private copies of the layout, of sq_head and cq_tail, and re-checks
 * every value the host wrote (a corrupted H field makes the device fault,
 * it never makes it touch memory outside the BAR).
 *
 * Doorbell vectors (host -> device):
 *	%ENPU_HW_DB_SQ		sq_tail moved: new jobs
 *	%ENPU_HW_DB_CTRL	ctrl_seq moved: a control command
 * MSI-X vectors (device -> host), raised unless masked in irq_mask:
 *	%ENPU_HW_VEC_CQ		new completion records (cq_tail moved)
 *	%ENPU_HW_VEC_CTRL	a control command finished (ctrl_ack moved), or
 *				the device faulted (status %ENPU_HW_STATUS_FAULT)
 * The ivshmem-doorbell device must be created with vectors=%ENPU_HW_NUM_VECTORS.
 *
 * Boot handshake:
 *  1. The device starts (and comes out of every reset) in
 *     %ENPU_HW_STATUS_RESET with no firmware: id, hw_version, db_peer and
 *     the layout fields are valid, nothing else is.
 *  2. The driver checks id and the major of hw_version, writes the image
 *     (struct enpu_hw_fw_header followed by its payload) at fw_offset,
 *     writes fw_size, ctrl_cmd = %ENPU_HW_CMD_BOOT and ctrl_seq + 1, then
 *     rings %ENPU_HW_DB_CTRL.
 *  3. The device verifies the image (header, size, CRC32, versions,
 *     machine, relocations), loads it into its instruction memory and calls
 *     its entry.  On success it fills the boot info (fw_version,
 *     fw_isa_version, capabilities, num_cores, max_cmdbuf_size) and sets
 *     status %ENPU_HW_STATUS_READY; otherwise %ENPU_HW_STATUS_FAULT with
 *     fault_code and a one-line fault_msg naming the problem.  Then it
 *     writes ctrl_ack = ctrl_seq, ctrl_result (0 or a negative errno) and
 *     raises %ENPU_HW_VEC_CTRL.
 *
 * Reset (%ENPU_HW_CMD_RESET, any state, also the only way out of FAULT):
 * the device stops taking jobs, asks running jobs to stop at their next
 * preemption point, waits until every core is idle, drops every job
 * submitted and not completed without a completion record (the driver fails
 * their fences), sets sq_head, sq_tail, cq_head, cq_tail, irq_status, the
 * heartbeat and core state to zero, unloads the firmware, sets status
 * %ENPU_HW_STATUS_RESET and acknowledges as above.  Device memory and the
 * command region keep their contents.  The driver then boots again (step 2),
 * with the same or a newer image.  The device also resets itself when the
 * guest disconnects (QEMU exits).  A core that does not reach a preemption
 * point within %ENPU_HW_RESET_TIMEOUT_MS fails the reset: ctrl_result
 * -ETIMEDOUT, status %ENPU_HW_STATUS_FAULT (%ENPU_HW_FAULT_INTERNAL); the
 * driver may retry the reset or give the device up.
 *
 * Jobs: the driver writes a &struct enpu_hw_sq_entry at
 * sq_offset + (sq_tail % ring_entries) * sizeof(entry), then publishes
 * sq_tail + 1 (release order) and rings %ENPU_HW_DB_SQ.  It may have at most
 * ring_entries jobs submitted and not yet reaped from the completion ring.
 * Cores take jobs in ring order and may finish them in any order; each
 * finished job gets one &struct enpu_hw_cq_entry at
 * cq_offset + (cq_tail % ring_entries) * sizeof(entry), then cq_tail + 1
 * (release), then %ENPU_HW_VEC_CQ.  The driver consumes records and
 * publishes cq_head.  The four ring indices are free-running __u32 values.
 *
 * Liveness: while READY the firmware increments heartbeat every
 * %ENPU_HW_HEARTBEAT_MS; a heartbeat that stops for several periods means
 * the device hung (reset it).  core[i].progress increases while core i runs
 * a job (at every preemption point, about every 2^20 multiply-accumulates),
 * core[i].job_id names the job: a job whose core's progress stops is hung.
 *
 * Versioning: %ENPU_HW_VERSION_MAJOR changes break the contract (the driver
 * refuses a device whose major differs); minor changes only append fields
 * into reserved space and define new bits.
 */
#ifndef _UAPI_DRM_ENPU_HW_H_
#define _UAPI_DRM_ENPU_HW_H_

#include <linux/types.h>

#if defined(__cplusplus)
extern "C" {
#endif

/** ENPU_HW_ID - regs.id: "ENHW" read as a little-endian __u32. */
#define ENPU_HW_ID			0x5748454eu
/** ENPU_HW_VERSION_MAJOR - incompatible changes of this contract. */
#define ENPU_HW_VERSION_MAJOR		1
/** ENPU_HW_VERSION_MINOR - compatible additions. */
#define ENPU_HW_VERSION_MINOR		0
/** ENPU_HW_VERSION - regs.hw_version: major << 16 | minor. */
#define ENPU_HW_VERSION	((ENPU_HW_VERSION_MAJOR << 16) | ENPU_HW_VERSION_MINOR)

/** ENPU_HW_PCI_VENDOR, ENPU_HW_PCI_DEVICE - ivshmem-doorbell's PCI ids. */
#define ENPU_HW_PCI_VENDOR		0x1af4
#define ENPU_HW_PCI_DEVICE		0x1110
/** ENPU_HW_PCI_BAR - the BAR holding this layout (ivshmem's BAR2). */
#define ENPU_HW_PCI_BAR			2

/** ENPU_HW_REGS_SIZE - bytes of the register block at BAR offset 0. */
#define ENPU_HW_REGS_SIZE		4096u
/** ENPU_HW_REGION_ALIGN - alignment of every region's offset and size. */
#define ENPU_HW_REGION_ALIGN		4096u
/** ENPU_HW_MIN_BAR_SIZE - smallest BAR a device has (16 MiB). */
#define ENPU_HW_MIN_BAR_SIZE		(16ull << 20)
/** ENPU_HW_MAX_CORES - entries of regs.core[]; num_cores <= this. */
#define ENPU_HW_MAX_CORES		16
/** ENPU_HW_HEARTBEAT_MS - period of regs.heartbeat while READY. */
#define ENPU_HW_HEARTBEAT_MS		10
/** ENPU_HW_RESET_TIMEOUT_MS - longest a reset waits for a core to stop. */
#define ENPU_HW_RESET_TIMEOUT_MS	10000
/** ENPU_HW_FAULT_MSG_SIZE - bytes of regs.fault_msg (NUL-terminated). */
#define ENPU_HW_FAULT_MSG_SIZE		128

/* Doorbell vectors, host -> device (ivshmem Doorbell low 16 bits). */
#define ENPU_HW_DB_SQ			0
#define ENPU_HW_DB_CTRL			1
/* MSI-X vectors, device -> host; bit (1 << vector) in irq_mask/irq_status. */
#define ENPU_HW_VEC_CQ			0
#define ENPU_HW_VEC_CTRL		1
/** ENPU_HW_NUM_VECTORS - ivshmem-doorbell vectors= (both directions). */
#define ENPU_HW_NUM_VECTORS		2

/**
 * enum enpu_hw_status - regs.status.
 * @ENPU_HW_STATUS_RESET: no firmware; waiting for %ENPU_HW_CMD_BOOT.
 * @ENPU_HW_STATUS_BOOTING: verifying and starting an image.
 * @ENPU_HW_STATUS_READY: firmware running, jobs accepted.
 * @ENPU_HW_STATUS_FAULT: stopped on an error (fault_code, fault_msg); only
 *	%ENPU_HW_CMD_RESET leaves it.  Jobs not completed are lost.
 */
enum enpu_hw_status {
	ENPU_HW_STATUS_RESET = 0,
	ENPU_HW_STATUS_BOOTING = 1,
	ENPU_HW_STATUS_READY = 2,
	ENPU_HW_STATUS_FAULT = 3,
};

/**
 * enum enpu_hw_cmd - regs.ctrl_cmd.
 * @ENPU_HW_CMD_NOP: acknowledge only (the driver checks the device answers).
 * @ENPU_HW_CMD_RESET: reset, see the header comment.
 * @ENPU_HW_CMD_BOOT: boot the image in the firmware window (status RESET
 *	only; in another state the command fails with -EBUSY).
 */
enum enpu_hw_cmd {
	ENPU_HW_CMD_NOP = 0,
	ENPU_HW_CMD_RESET = 1,
	ENPU_HW_CMD_BOOT = 2,
};

/**
 * enum enpu_hw_fault - regs.fault_code (0 when no fault).
 * @ENPU_HW_FAULT_NONE: no fault.
 * @ENPU_HW_FAULT_FW_SIZE: fw_size is not a possible image size, or the
 *	header's sizes disagree with it (truncated or padded image).
 * @ENPU_HW_FAULT_FW_MAGIC: the image does not start with %ENPU_FW_IMAGE_MAGIC.
 * @ENPU_HW_FAULT_FW_FORMAT: unknown image format version, header size or flags.
 * @ENPU_HW_FAULT_FW_CHECKSUM: the image's CRC32 does not match.
 * @ENPU_HW_FAULT_FW_VERSION: the image was built for another hw_version major
 *	or ISA major, or for another machine (instruction set of the cores).
 * @ENPU_HW_FAULT_FW_LOAD: relocations or entry table out of range or
 *	inconsistent with the header.
 * @ENPU_HW_FAULT_FW_INIT: the firmware's init entry failed.
 * @ENPU_HW_FAULT_RING: sq_tail more than ring_entries ahead of sq_head.
 * @ENPU_HW_FAULT_INTERNAL: the device model ran out of host resources, or a
 *	core did not stop on reset.
 */
enum enpu_hw_fault {
	ENPU_HW_FAULT_NONE = 0,
	ENPU_HW_FAULT_FW_SIZE = 1,
	ENPU_HW_FAULT_FW_MAGIC = 2,
	ENPU_HW_FAULT_FW_FORMAT = 3,
	ENPU_HW_FAULT_FW_CHECKSUM = 4,
	ENPU_HW_FAULT_FW_VERSION = 5,
	ENPU_HW_FAULT_FW_LOAD = 6,
	ENPU_HW_FAULT_FW_INIT = 7,
	ENPU_HW_FAULT_RING = 8,
	ENPU_HW_FAULT_INTERNAL = 9,
};

/* regs.capabilities (boot info), bits the firmware reports. */
/** ENPU_HW_CAP_ISA_INT8 - executes ENPU ISA int8 command buffers. */
#define ENPU_HW_CAP_ISA_INT8		(1ull << 0)
/** ENPU_HW_CAP_PROGRESS - core[].progress advances during a job. */
#define ENPU_HW_CAP_PROGRESS		(1ull << 1)
/** ENPU_HW_CAP_FAULT_INJECT - regs.debug is honoured (test devices only). */
#define ENPU_HW_CAP_FAULT_INJECT	(1ull << 2)

/*
 * regs.debug (H): fault injection for tests, honoured only when the device
 * model runs with --faults (capability %ENPU_HW_CAP_FAULT_INJECT), ignored
 * otherwise.
 */
/** ENPU_HW_DEBUG_STALL_HEARTBEAT - heartbeat stops advancing. */
#define ENPU_HW_DEBUG_STALL_HEARTBEAT	(1u << 0)
/** ENPU_HW_DEBUG_HANG_JOBS - jobs started from now on never finish (until reset). */
#define ENPU_HW_DEBUG_HANG_JOBS		(1u << 1)
/** ENPU_HW_DEBUG_CORRUPT_CQ - the next completion record has a wrong job_id and seq. */
#define ENPU_HW_DEBUG_CORRUPT_CQ	(1u << 2)

/**
 * struct enpu_hw_core - per-core state (D).
 * @job_id: job_id of the job the core runs, 0 when idle.
 * @progress: increases at every preemption point of a job; never reset but
 *	by a device reset.
 * @jobs_done: jobs this core finished since the last reset.
 * @reserved: zero.
 */
struct enpu_hw_core {
	__u64 job_id;
	__u64 progress;
	__u64 jobs_done;
	__u64 reserved;
};

/**
 * struct enpu_hw_regs - the register block at BAR offset 0.
 *
 * Identification and layout (D, valid from device start, in every state):
 * @id: %ENPU_HW_ID.
 * @hw_version: %ENPU_HW_VERSION of the device.
 * @bar_size: size of the BAR in bytes (a power of two).
 * @db_peer: ivshmem peer id of the device: ring doorbell v by writing
 *	(db_peer << 16) | v to ivshmem's BAR0 Doorbell register.
 * @ring_entries: entries in each ring, a power of two.
 * @sq_offset: BAR offset of the submission ring.
 * @cq_offset: BAR offset of the completion ring.
 * @fw_offset: BAR offset of the firmware window.
 * @fw_window: bytes of the firmware window (largest image).
 * @cmd_offset: BAR offset of the command region.
 * @cmd_size: bytes of the command region.
 * @mem_offset: BAR offset of device memory.
 * @mem_size: bytes of device memory.
 * @reserved0: zero.
 *
 * State (D):
 * @status: &enum enpu_hw_status.
 * @fault_code: &enum enpu_hw_fault, valid in %ENPU_HW_STATUS_FAULT or after
 *	a failed boot.
 * @ctrl_ack: the ctrl_seq of the last control command finished.
 * @ctrl_result: 0 or the negative errno of that command.
 * @fault_msg: NUL-terminated one-line description of the fault.
 *
 * Boot info (D, valid in %ENPU_HW_STATUS_READY):
 * @fw_version: the running image's version, major << 16 | minor.
 * @fw_isa_version: command-buffer ISA it executes, major << 16 | minor
 *	(uapi/drm/enpu_isa.h).
 * @capabilities: %ENPU_HW_CAP_* bits.
 * @num_cores: compute cores (1..%ENPU_HW_MAX_CORES).
 * @max_cmdbuf_size: largest cmdbuf_size a job may have, bytes.
 * @max_slots: largest num_slots a job may have.
 * @reserved1: zero.
 *
 * Control (H):
 * @ctrl_cmd: &enum enpu_hw_cmd to run when ctrl_seq changes.
 * @ctrl_seq: incremented by the driver for every command, then
 *	%ENPU_HW_DB_CTRL.
 * @fw_size: bytes of the image written at fw_offset.
 * @irq_mask: bit (1 << vector) set: the device does not raise that vector
 *	(irq_status still records it).  0 after reset: all enabled.
 * @debug: %ENPU_HW_DEBUG_* bits (test devices only).
 * @reserved2: zero.
 *
 * Interrupt status (both): the device sets bit (1 << vector) with an atomic
 * OR before raising a vector; the driver reads and clears it with an atomic
 * exchange (the BAR is ordinary coherent memory on both sides).
 * @irq_status: pending vector bits.
 * @reserved3: zero.
 *
 * Rings (each index on its own 64-byte line):
 * @sq_tail: (H) next submission index the driver will write.
 * @sq_head: (D) next submission index the device will take.
 * @cq_tail: (D) next completion index the device will write.
 * @cq_head: (H) next completion index the driver will read.
 *
 * Liveness (D):
 * @heartbeat: incremented every %ENPU_HW_HEARTBEAT_MS while READY.
 * @jobs_done: jobs completed since the last reset (all cores).
 * @core: per-core state, num_cores entries used.
 */
struct enpu_hw_regs {
	/* 0x000: identification and layout */
	__u32 id;
	__u32 hw_version;
	__u64 bar_size;
	__u32 db_peer;
	__u32 ring_entries;
	__u64 sq_offset;
	__u64 cq_offset;
	__u64 fw_offset;
	__u64 fw_window;
	__u64 cmd_offset;
	__u64 cmd_size;
	__u64 mem_offset;
	__u64 mem_size;
	__u64 reserved0[5];
	/* 0x080: state */
	__u32 status;
	__u32 fault_code;
	__u32 ctrl_ack;
	__s32 ctrl_result;
	char fault_msg[ENPU_HW_FAULT_MSG_SIZE];
	/* 0x110: boot info */
	__u32 fw_version;
	__u32 fw_isa_version;
	__u64 capabilities;
	__u32 num_cores;
	__u32 max_cmdbuf_size;
	__u32 max_slots;
	__u32 reserved1[9];
	/* 0x150: control */
	__u32 ctrl_cmd;
	__u32 ctrl_seq;
	__u32 fw_size;
	__u32 irq_mask;
	__u32 debug;
	__u32 reserved2[3];
	/* 0x170: interrupt status */
	__u32 irq_status;
	__u32 reserved3[3];
	/* 0x180: ring indices, one cache line each */
	__u32 sq_tail;
	__u32 pad_sq_tail[15];
	__u32 sq_head;
	__u32 pad_sq_head[15];
	__u32 cq_tail;
	__u32 pad_cq_tail[15];
	__u32 cq_head;
	__u32 pad_cq_head[15];
	/* 0x280: liveness */
	__u64 heartbeat;
	__u64 jobs_done;
	__u64 pad_liveness[6];
	/* 0x2c0 */
	struct enpu_hw_core core[ENPU_HW_MAX_CORES];
	/* 0x4c0 .. ENPU_HW_REGS_SIZE: reserved, zero */
};

/* sq_entry.flags: none defined yet. */
#define ENPU_HW_JOB_FLAGS_ALL		0u

/**
 * struct enpu_hw_slot - one buffer bound to a job (in the command region).
 * @offset: BAR offset of the buffer; [offset, offset + size) must lie in
 *	device memory.
 * @size: bytes of the buffer (what the command buffer was validated against).
 */
struct enpu_hw_slot {
	__u64 offset;
	__u64 size;
};

/**
 * struct enpu_hw_sq_entry - one job (H).
 * @job_id: non-zero tag chosen by the driver, echoed in the completion
 *	(e.g. the fence seqno).
 * @cmdbuf_offset: BAR offset of the command buffer, 8-byte aligned; it and
 *	@cmdbuf_size must lie in the command region.
 * @cmdbuf_size: bytes, 72..regs.max_cmdbuf_size.
 * @num_slots: entries of the slot table, 1..regs.max_slots; must equal the
 *	command buffer's header.num_slots.
 * @slots_offset: BAR offset of num_slots &struct enpu_hw_slot, 8-byte
 *	aligned, in the command region.
 * @flags: must be zero (%ENPU_HW_JOB_FLAGS_ALL).
 * @reserved: must be zero.
 *
 * The device copies the command buffer and the slot table into core-private
 * memory before it validates them, so later writes to the command region
 * cannot change a running job; it validates the command buffer again against
 * the slot sizes (the device trusts no host).  Buffer contents may change
 * while the job runs (results are then unspecified, never unsafe).
 */
struct enpu_hw_sq_entry {
	__u64 job_id;
	__u64 cmdbuf_offset;
	__u32 cmdbuf_size;
	__u32 num_slots;
	__u64 slots_offset;
	__u32 flags;
	__u32 reserved[7];
};

/**
 * struct enpu_hw_cq_entry - one finished job (D).
 * @job_id: the job's sq_entry.job_id.
 * @seq: the completion index this record was written at (cq_tail before the
 *	increment): a record whose seq differs from the index it is read at,
 *	or whose job_id names no job in flight, is corrupt.
 * @status: 0, or a negative Linux errno: -EINVAL malformed job or command
 *	buffer, -EFAULT a region outside the BAR region it must lie in,
 *	-EOVERFLOW a tensor past its slot, -E2BIG a limit exceeded,
 *	-EOPNOTSUPP unknown ISA version/opcode/dtype, -ECANCELED stopped by a
 *	reset.
 * @op: index of the operation at fault, 0xffffffff when none.
 * @tensor: index of the tensor at fault, 0xffffffff when none.
 * @core: the core that ran the job.
 * @duration_us: time the core spent on the job, microseconds (saturates).
 */
struct enpu_hw_cq_entry {
	__u64 job_id;
	__u32 seq;
	__s32 status;
	__u32 op;
	__u32 tensor;
	__u32 core;
	__u32 duration_us;
};

/*
 * The firmware image: a header, then header.code_size bytes of code and
 * read-only data loaded at a base address of the device's choosing, then
 * header.num_relocs __u64 offsets into the code: for each, the device adds
 * the load base to the little-endian __u64 stored there.  The whole file is
 * header.image_size bytes exactly.  installed as ENPU_FW_IMAGE_NAME under
 * /lib/firmware.
 */
/** ENPU_FW_IMAGE_MAGIC - "ENFW" read as a little-endian __u32. */
#define ENPU_FW_IMAGE_MAGIC		0x57464e45u
/** ENPU_FW_IMAGE_FORMAT - header.format of this layout. */
#define ENPU_FW_IMAGE_FORMAT		1
/** ENPU_FW_IMAGE_NAME - request_firmware() name. */
#define ENPU_FW_IMAGE_NAME		"enpu/enpu-fw.bin"
/** ENPU_FW_MACHINE_X86_64, ENPU_FW_MACHINE_AARCH64 - ELF e_machine values. */
#define ENPU_FW_MACHINE_X86_64		62
#define ENPU_FW_MACHINE_AARCH64		183

/**
 * struct enpu_hw_fw_header - start of a firmware image.
 * @magic: %ENPU_FW_IMAGE_MAGIC.
 * @format: %ENPU_FW_IMAGE_FORMAT.
 * @header_size: sizeof(struct enpu_hw_fw_header) (64).
 * @fw_version: image version, major << 16 | minor.
 * @isa_version: ISA the image executes, major << 16 | minor.
 * @hw_version: %ENPU_HW_VERSION the image was built against; its major must
 *	equal the device's.
 * @machine: instruction set of the code, %ENPU_FW_MACHINE_*.
 * @flags: must be zero.
 * @image_size: bytes of the whole image (header + code + relocations).
 * @code_size: bytes of code and data loaded.
 * @num_relocs: entries of the relocation table after the code.
 * @entry_offset: offset in the code of the firmware's entry table, 8-byte
 *	aligned.
 * @crc32: CRC-32 (ISO-HDLC: zlib's crc32(), Linux ~crc32_le(~0, ...)) of the
 *	whole image with this field taken as zero.
 * @build_id: NUL-padded text naming the build (informative).
 */
struct enpu_hw_fw_header {
	__u32 magic;
	__u16 format;
	__u16 header_size;
	__u32 fw_version;
	__u32 isa_version;
	__u32 hw_version;
	__u32 machine;
	__u32 flags;
	__u32 code_size;
	__u64 image_size;
	__u32 num_relocs;
	__u32 entry_offset;
	__u32 crc32;
	char build_id[12];
};

#if defined(__cplusplus)
#define ENPU_HW_STATIC_ASSERT(c, m) static_assert(c, m)
#define ENPU_HW_OFFSETOF(t, f) __builtin_offsetof(t, f)
#else
#define ENPU_HW_STATIC_ASSERT(c, m) _Static_assert(c, m)
#define ENPU_HW_OFFSETOF(t, f) __builtin_offsetof(t, f)
#endif

ENPU_HW_STATIC_ASSERT(ENPU_HW_OFFSETOF(struct enpu_hw_regs, status) == 0x80,
		      "state at 0x80");
ENPU_HW_STATIC_ASSERT(ENPU_HW_OFFSETOF(struct enpu_hw_regs, fw_version) == 0x110,
		      "boot info at 0x110");
ENPU_HW_STATIC_ASSERT(ENPU_HW_OFFSETOF(struct enpu_hw_regs, ctrl_cmd) == 0x150,
		      "control at 0x150");
ENPU_HW_STATIC_ASSERT(ENPU_HW_OFFSETOF(struct enpu_hw_regs, irq_status) == 0x170,
		      "irq status at 0x170");
ENPU_HW_STATIC_ASSERT(ENPU_HW_OFFSETOF(struct enpu_hw_regs, sq_tail) == 0x180,
		      "sq_tail at 0x180");
ENPU_HW_STATIC_ASSERT(ENPU_HW_OFFSETOF(struct enpu_hw_regs, sq_head) == 0x1c0,
		      "sq_head at 0x1c0");
ENPU_HW_STATIC_ASSERT(ENPU_HW_OFFSETOF(struct enpu_hw_regs, cq_tail) == 0x200,
		      "cq_tail at 0x200");
ENPU_HW_STATIC_ASSERT(ENPU_HW_OFFSETOF(struct enpu_hw_regs, cq_head) == 0x240,
		      "cq_head at 0x240");
ENPU_HW_STATIC_ASSERT(ENPU_HW_OFFSETOF(struct enpu_hw_regs, heartbeat) == 0x280,
		      "liveness at 0x280");
ENPU_HW_STATIC_ASSERT(ENPU_HW_OFFSETOF(struct enpu_hw_regs, core) == 0x2c0,
		      "cores at 0x2c0");
ENPU_HW_STATIC_ASSERT(sizeof(struct enpu_hw_regs) == 0x4c0,
		      "enpu_hw_regs is 0x4c0 bytes");
ENPU_HW_STATIC_ASSERT(sizeof(struct enpu_hw_regs) <= ENPU_HW_REGS_SIZE,
		      "registers fit their block");
ENPU_HW_STATIC_ASSERT(sizeof(struct enpu_hw_core) == 32, "enpu_hw_core is 32 bytes");
ENPU_HW_STATIC_ASSERT(sizeof(struct enpu_hw_slot) == 16, "enpu_hw_slot is 16 bytes");
ENPU_HW_STATIC_ASSERT(sizeof(struct enpu_hw_sq_entry) == 64,
		      "enpu_hw_sq_entry is 64 bytes");
ENPU_HW_STATIC_ASSERT(sizeof(struct enpu_hw_cq_entry) == 32,
		      "enpu_hw_cq_entry is 32 bytes");
ENPU_HW_STATIC_ASSERT(sizeof(struct enpu_hw_fw_header) == 64,
		      "enpu_hw_fw_header is 64 bytes");
ENPU_HW_STATIC_ASSERT(ENPU_HW_OFFSETOF(struct enpu_hw_fw_header, image_size) == 32,
		      "image_size 8-byte aligned");

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_DRM_ENPU_HW_H_ */
