/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ENPU PCI NPU: what its files (enpu_pci.c probe and boot, enpu_pci_gem.c
 * device memory, enpu_pci_engine.c rings and recovery) share.
 */
#ifndef _ENPU_PCI_H_
#define _ENPU_PCI_H_

#include <linux/bitmap.h>
#include <linux/interrupt.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <drm/drm_gem.h>
#include <drm/drm_mm.h>

#include <drm/enpu_hw.h>

#include "enpu_drv.h"

/* ivshmem's BAR0 registers (QEMU docs/specs/ivshmem-spec.txt). */
#define ENPU_IVSHMEM_BAR		0
#define ENPU_IVSHMEM_DOORBELL		12

/* Command-region slots (jobs on the device at once) at most. */
#define ENPU_PCI_MAX_SLOTS		32
/* Smallest slot: a command buffer and its slot table. */
#define ENPU_PCI_MIN_SLOT_SIZE		(64u << 10)
/* sq_entry.job_id = seqno << ENPU_PCI_SLOT_BITS | slot. */
#define ENPU_PCI_SLOT_BITS		8
/* Heartbeat watch: how often, and how long regs.heartbeat may stand still. */
#define ENPU_PCI_HEARTBEAT_CHECK_MS	500
#define ENPU_PCI_HEARTBEAT_STALL_MS	3000
/* Longest wait in remove for the scheduler to free failed jobs. */
#define ENPU_PCI_DRAIN_MS		5000

/**
 * struct enpu_pci - one ENPU PCI device.
 * @edev: the ENPU device (first: devm_drm_dev_alloc() allocates the whole).
 * @pdev: the PCI device.
 * @db: ivshmem's BAR0 (the doorbell register).
 * @regs: the register block, rings, firmware window and command region:
 *	BAR2 up to the device memory (memremap()ed write-back: the BAR is
 *	ordinary coherent memory shared with the device model).
 * @mem: the device-memory region of BAR2, memremap()ed write-combined, as
 *	userspace maps it.
 * @bar_start: physical address of BAR2.
 * @bar_size: bytes of BAR2.
 * @ctrl_wq: woken by the control vector; waiters check regs->ctrl_ack.
 * @ctrl_seq: sequence number of the last control command sent (reset_lock,
 *	or probe/remove before and after the node exists).
 * @online: the firmware booted and answered the handshake; cleared when a
 *	reboot fails (jobs then fail with -ENODEV).
 * @registered: the accel node was registered.
 * @mem_offset: BAR offset of device memory (as read at probe).
 * @mem_size: bytes of device memory.
 * @mm_lock: protects @mm.
 * @mm: allocator of device memory, in BAR offsets.
 * @reset_lock: serialises control commands after probe (boot, reset).
 * @ring_lock: protects everything below.
 * @ring_entries: entries of each ring.
 * @sq_offset: BAR offset of the submission ring (as read at probe).
 * @cq_offset: BAR offset of the completion ring.
 * @cmd_offset: BAR offset of the command region.
 * @cmd_size: bytes of the command region.
 * @fw_offset: BAR offset of the firmware window.
 * @fw_window: bytes of the firmware window.
 * @sq_tail: next submission index (the driver's copy, never read back).
 * @cq_head: next completion index to read.
 * @nr_slots: command-region slots, also the scheduler's credit limit.
 * @slot_size: bytes of each slot.
 * @slot_used: slots owned by a job in flight.
 * @slot_job: the job owning each slot.
 * @inflight: jobs owning a slot, in the order they were queued
 *	(enpu_job.run_link).
 * @resetting: a reset is under way: new jobs take a slot and wait in
 *	@inflight for the reboot; completions are not read.
 * @recover_work: resets the device after a device fault.
 * @hb_work: the heartbeat watch (enpu_pci_heartbeat_work() only).
 * @hb_last: the heartbeat value last seen.
 * @hb_seen: jiffies when it last changed.
 * @deps_wq: runs jobs that wait for an earlier job of their own entity.
 */
struct enpu_pci {
	struct enpu_device edev;
	struct pci_dev *pdev;
	void __iomem *db;
	struct enpu_hw_regs *regs;
	u8 *mem;
	resource_size_t bar_start;
	resource_size_t bar_size;
	wait_queue_head_t ctrl_wq;
	u32 ctrl_seq;
	bool online;
	bool registered;
	u64 mem_offset;
	u64 mem_size;
	struct mutex mm_lock; /* protects mm */
	struct drm_mm mm;
	struct mutex reset_lock; /* serialises control commands */
	struct mutex ring_lock; /* protects the fields below */
	u32 ring_entries;
	u32 sq_tail;
	u32 cq_head;
	u32 nr_slots;
	u32 slot_size;
	DECLARE_BITMAP(slot_used, ENPU_PCI_MAX_SLOTS);
	struct enpu_job *slot_job[ENPU_PCI_MAX_SLOTS];
	u64 sq_offset;
	u64 cq_offset;
	u64 cmd_offset;
	u64 cmd_size;
	u64 fw_offset;
	u64 fw_window;
	struct list_head inflight;
	bool resetting;
	struct work_struct recover_work;
	struct delayed_work hb_work;
	u64 hb_last;
	unsigned long hb_seen;
	struct workqueue_struct *deps_wq;
};

static inline struct enpu_pci *to_enpu_pci(struct enpu_device *edev)
{
	return container_of(edev, struct enpu_pci, edev);
}

/**
 * struct enpu_pci_bo - a buffer object in device memory.
 * @base: the GEM object.
 * @node: its range of device memory, in BAR offsets.
 */
struct enpu_pci_bo {
	struct drm_gem_object base;
	struct drm_mm_node node;
};

#define to_enpu_pci_bo(obj) container_of(obj, struct enpu_pci_bo, base)

/* enpu_pci.c */
void enpu_pci_doorbell(struct enpu_pci *epci, u32 vector);
int enpu_pci_ctrl(struct enpu_pci *epci, u32 cmd, unsigned int ms);
int enpu_pci_boot(struct enpu_pci *epci);

/* enpu_pci_gem.c */
extern const struct drm_gem_object_funcs enpu_pci_bo_funcs;
int enpu_pci_bo_create(struct drm_device *dev, struct drm_file *file,
		       struct drm_enpu_bo_create *args);
void enpu_pci_mm_fini(struct drm_device *dev, void *arg);

/* enpu_pci_engine.c */
extern const struct enpu_engine_ops enpu_pci_engine;
irqreturn_t enpu_pci_cq_thread(int irq, void *arg);
void enpu_pci_recover_work(struct work_struct *work);
void enpu_pci_heartbeat_work(struct work_struct *work);
void enpu_pci_heartbeat_start(struct enpu_pci *epci);
void enpu_pci_stop(struct enpu_pci *epci);
void enpu_pci_drain(struct enpu_pci *epci);

#endif /* _ENPU_PCI_H_ */
