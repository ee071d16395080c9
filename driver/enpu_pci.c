// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENPU PCI NPU: probe, BAR mapping, MSI-X, the firmware boot handshake
 * (uapi/drm/enpu_hw.h, devmodel/README.md), the accel node and remove.
 *
 * The device is QEMU's ivshmem-doorbell (1af4:1110) backed by
 * enpu-devmodel; any other ivshmem device is left alone (one dmesg line).
 * At probe the driver checks the register block's id and contract major,
 * loads ENPU_FW_IMAGE_NAME with request_firmware(), checks its header and
 * CRC-32, writes it into the firmware window and boots it.  A refused
 * image leaves the device bound but offline, with one dmesg line naming
 * the problem and no accel node; a READY device gets a node, served by
 * the PCI engine (enpu_pci_engine.c) with BOs in device memory
 * (enpu_pci_gem.c).
 */
#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/firmware.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <drm/drm_mm.h>

#include "enpu_pci.h"

/* Longest wait for a BOOT acknowledge (TCG guests are slow). */
#define ENPU_PCI_BOOT_TIMEOUT_MS	10000

void enpu_pci_doorbell(struct enpu_pci *epci, u32 vector)
{
	writel((READ_ONCE(epci->regs->db_peer) << 16) | vector,
	       epci->db + ENPU_IVSHMEM_DOORBELL);
}

static irqreturn_t enpu_pci_ctrl_irq(int irq, void *arg)
{
	struct enpu_pci *epci = arg;

	xchg(&epci->regs->irq_status, 0);
	wake_up_all(&epci->ctrl_wq);
	/* A fault of a running device (not of a boot or reset under way). */
	if (READ_ONCE(epci->online) && !READ_ONCE(epci->resetting) &&
	    READ_ONCE(epci->regs->status) == ENPU_HW_STATUS_FAULT)
		queue_work(system_unbound_wq, &epci->recover_work);
	return IRQ_HANDLED;
}

/* Send control command @cmd and wait for its acknowledge. */
int enpu_pci_ctrl(struct enpu_pci *epci, u32 cmd, unsigned int ms)
{
	struct enpu_hw_regs *regs = epci->regs;
	u32 seq = ++epci->ctrl_seq;
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	WRITE_ONCE(regs->ctrl_cmd, cmd);
	/* Release: the device sees ctrl_cmd and fw_size once it sees seq. */
	smp_store_release(&regs->ctrl_seq, seq);
	enpu_pci_doorbell(epci, ENPU_HW_DB_CTRL);
	/*
	 * Acquire: ctrl_result and the boot info are read after the ack.
	 * Also polled every 100 ms, in case a vector is lost.
	 */
	while (smp_load_acquire(&regs->ctrl_ack) != seq) {
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		wait_event_timeout(epci->ctrl_wq,
				   READ_ONCE(regs->ctrl_ack) == seq, HZ / 10);
	}
	return READ_ONCE(regs->ctrl_result);
}

/*
 * The header checks the driver can make itself, with one line naming what
 * is wrong; the device verifies the image again (it trusts no host).
 */
static int enpu_pci_check_image(struct enpu_pci *epci, const struct firmware *fw)
{
	struct device *dev = &epci->pdev->dev;
	const struct enpu_hw_fw_header *h = (const void *)fw->data;
	u32 zero = 0, crc;

	if (fw->size < sizeof(*h)) {
		dev_err(dev, "firmware %s refused: %zu bytes, shorter than its header\n",
			ENPU_FW_IMAGE_NAME, fw->size);
		return -EINVAL;
	}
	if (h->magic != ENPU_FW_IMAGE_MAGIC || h->format != ENPU_FW_IMAGE_FORMAT ||
	    h->header_size != sizeof(*h)) {
		dev_err(dev, "firmware %s refused: not an ENPU image (magic %#x format %u)\n",
			ENPU_FW_IMAGE_NAME, h->magic, h->format);
		return -EINVAL;
	}
	if (h->image_size != fw->size ||
	    fw->size > epci->fw_window) {
		dev_err(dev, "firmware %s refused: %zu bytes, header says %llu (window %llu)\n",
			ENPU_FW_IMAGE_NAME, fw->size, h->image_size,
			epci->fw_window);
		return -EINVAL;
	}
	if (h->hw_version >> 16 != ENPU_HW_VERSION_MAJOR) {
		dev_err(dev, "firmware %s refused: built for contract %u.%u, device has %u.%u\n",
			ENPU_FW_IMAGE_NAME, h->hw_version >> 16,
			h->hw_version & 0xffff, ENPU_HW_VERSION_MAJOR,
			ENPU_HW_VERSION_MINOR);
		return -EINVAL;
	}
	crc = ~crc32_le(~0u, fw->data, offsetof(struct enpu_hw_fw_header, crc32));
	crc = ~crc32_le(~crc, (const u8 *)&zero, sizeof(zero));
	crc = ~crc32_le(~crc, fw->data + offsetof(struct enpu_hw_fw_header, crc32) + 4,
			fw->size - offsetof(struct enpu_hw_fw_header, crc32) - 4);
	if (crc != h->crc32) {
		dev_err(dev, "firmware %s refused: CRC-32 %#x, header says %#x (corrupted)\n",
			ENPU_FW_IMAGE_NAME, crc, h->crc32);
		return -EINVAL;
	}
	return 0;
}

/* Load, write and boot the image; on success the device is READY. */
int enpu_pci_boot(struct enpu_pci *epci)
{
	struct device *dev = &epci->pdev->dev;
	struct enpu_hw_regs *regs = epci->regs;
	const struct firmware *fw;
	int ret;

	ret = firmware_request_nowarn(&fw, ENPU_FW_IMAGE_NAME, dev);
	if (ret) {
		dev_err(dev, "firmware %s not loaded (%d): device offline\n",
			ENPU_FW_IMAGE_NAME, ret);
		return ret;
	}
	ret = enpu_pci_check_image(epci, fw);
	if (ret)
		goto out_release;

	memcpy((u8 *)regs + epci->fw_offset, fw->data, fw->size);
	WRITE_ONCE(regs->fw_size, fw->size);
	ret = enpu_pci_ctrl(epci, ENPU_HW_CMD_BOOT, ENPU_PCI_BOOT_TIMEOUT_MS);
	if (ret == -ETIMEDOUT) {
		dev_err(dev, "firmware boot: no answer in %u ms: device offline\n",
			ENPU_PCI_BOOT_TIMEOUT_MS);
	} else if (ret || READ_ONCE(regs->status) != ENPU_HW_STATUS_READY) {
		char msg[ENPU_HW_FAULT_MSG_SIZE];

		memcpy(msg, regs->fault_msg, sizeof(msg));
		msg[sizeof(msg) - 1] = '\0';
		dev_err(dev, "firmware %s refused by the device (%d, fault %u): %s\n",
			ENPU_FW_IMAGE_NAME, ret, READ_ONCE(regs->fault_code), msg);
		ret = ret ?: -EIO;
	} else {
		dev_info(dev, "firmware %u.%u (ISA %u.%u) booted: %u cores, %llu MiB device memory\n",
			 regs->fw_version >> 16, regs->fw_version & 0xffff,
			 regs->fw_isa_version >> 16,
			 regs->fw_isa_version & 0xffff, regs->num_cores,
			 regs->mem_size >> 20);
	}
out_release:
	release_firmware(fw);
	return ret;
}

/* The layout the device announces must fit its BAR, in order. */
static int enpu_pci_check_layout(struct enpu_pci *epci)
{
	const struct enpu_hw_regs *r = epci->regs;
	u64 end = ENPU_HW_REGS_SIZE;
	const u64 off[] = { r->sq_offset, r->cq_offset, r->fw_offset,
			    r->cmd_offset, r->mem_offset };
	const u64 len[] = { (u64)r->ring_entries * sizeof(struct enpu_hw_sq_entry),
			    (u64)r->ring_entries * sizeof(struct enpu_hw_cq_entry),
			    r->fw_window, r->cmd_size, r->mem_size };
	unsigned int i;

	if (r->bar_size != epci->bar_size || !r->ring_entries ||
	    !is_power_of_2(r->ring_entries) || r->ring_entries > 65536)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(off); i++) {
		if (off[i] < end || len[i] > epci->bar_size ||
		    off[i] > epci->bar_size - len[i])
			return -EINVAL;
		end = off[i] + len[i];
	}
	return 0;
}

/*
 * Map BAR2: the register block first, to read the layout; then everything
 * up to device memory write-back, and device memory write-combined (the
 * type userspace maps it with).
 */
static int enpu_pci_map(struct enpu_pci *epci)
{
	struct device *dev = &epci->pdev->dev;
	u32 hwid, hwver;
	int ret = 0;

	epci->regs = memremap(epci->bar_start, ENPU_HW_REGS_SIZE, MEMREMAP_WB);
	if (!epci->regs)
		return -ENOMEM;
	hwid = READ_ONCE(epci->regs->id);
	hwver = READ_ONCE(epci->regs->hw_version);
	if (hwid != ENPU_HW_ID) {
		dev_info(dev, "ivshmem device with id %#x in BAR2: not an ENPU, left alone\n",
			 hwid);
		ret = -ENODEV;
	} else if (hwver >> 16 != ENPU_HW_VERSION_MAJOR) {
		dev_err(dev, "ENPU contract %u.%u, driver speaks %u.x: device offline\n",
			hwver >> 16, hwver & 0xffff, ENPU_HW_VERSION_MAJOR);
		ret = -ENODEV;
	} else if (enpu_pci_check_layout(epci)) {
		dev_err(dev, "ENPU BAR2 layout does not fit its %pa bytes: device offline\n",
			&epci->bar_size);
		ret = -ENODEV;
	} else {
		/* The layout is read once: the driver never trusts it again. */
		epci->ring_entries = epci->regs->ring_entries;
		epci->sq_offset = epci->regs->sq_offset;
		epci->cq_offset = epci->regs->cq_offset;
		epci->cmd_offset = epci->regs->cmd_offset;
		epci->fw_offset = epci->regs->fw_offset;
		epci->fw_window = epci->regs->fw_window;
		epci->cmd_size = epci->regs->cmd_size;
		epci->mem_offset = epci->regs->mem_offset;
		epci->mem_size = epci->regs->mem_size;
	}
	memunmap(epci->regs);
	epci->regs = NULL;
	if (ret)
		return ret;

	epci->regs = devm_memremap(dev, epci->bar_start, epci->mem_offset,
				   MEMREMAP_WB);
	if (IS_ERR(epci->regs))
		return PTR_ERR(epci->regs);
	epci->mem = devm_memremap(dev, epci->bar_start + epci->mem_offset,
				  epci->mem_size, MEMREMAP_WC);
	if (IS_ERR(epci->mem))
		return PTR_ERR(epci->mem);
	return 0;
}

/*
 * debugfs hw_debug (write-only): a value for regs.debug, the fault
 * injection of test devices (honoured only by a device model run with
 * --faults; a reset clears it).
 */
static ssize_t enpu_pci_hw_debug_write(struct file *f, const char __user *buf,
				       size_t len, loff_t *pos)
{
	struct enpu_pci *epci = f->private_data;
	u32 val;
	int idx, ret;

	ret = kstrtou32_from_user(buf, len, 0, &val);
	if (ret)
		return ret;
	if (val & ~(ENPU_HW_DEBUG_STALL_HEARTBEAT | ENPU_HW_DEBUG_HANG_JOBS |
		    ENPU_HW_DEBUG_CORRUPT_CQ))
		return -EINVAL;
	/* The BAR mapping goes with the device. */
	if (!drm_dev_enter(&epci->edev.drm, &idx))
		return -ENODEV;
	WRITE_ONCE(epci->regs->debug, val);
	drm_dev_exit(idx);
	return len;
}

static const struct file_operations enpu_pci_hw_debug_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = enpu_pci_hw_debug_write,
};

/*
 * The last reference to the DRM device is gone (no file, mapping or job
 * is left): stop the scheduler and the engine.
 */
static void enpu_pci_release(struct drm_device *drm, void *arg)
{
	struct enpu_pci *epci = arg;

	if (epci->registered) {
		flush_workqueue(epci->deps_wq);
		enpu_pci_drain(epci);
		enpu_device_unregister(&epci->edev);
	}
	epci->edev.engine->fini(&epci->edev);
}

/* The engine's state and the accel node of a READY device. */
static int enpu_pci_engine_init(struct enpu_pci *epci)
{
	struct device *dev = &epci->pdev->dev;
	struct enpu_device *edev = &epci->edev;
	int ret;

	epci->nr_slots = min3((u64)ENPU_PCI_MAX_SLOTS, (u64)epci->ring_entries,
			      epci->cmd_size / ENPU_PCI_MIN_SLOT_SIZE);
	if (!epci->nr_slots) {
		dev_err(dev, "command region of %llu bytes holds no job: device offline\n",
			epci->cmd_size);
		return -ENODEV;
	}
	epci->slot_size = rounddown(epci->cmd_size / epci->nr_slots,
				    ENPU_HW_REGION_ALIGN);

	drm_mm_init(&epci->mm, epci->mem_offset, epci->mem_size);
	ret = drmm_add_action_or_reset(&edev->drm, enpu_pci_mm_fini, epci);
	if (ret)
		return ret;

	epci->deps_wq = alloc_workqueue("enpu-pci-%s", WQ_UNBOUND,
					epci->nr_slots, dev_name(dev));
	if (!epci->deps_wq)
		return -ENOMEM;

	enpu_device_init(edev, epci->nr_slots);
	edev->engine = &enpu_pci_engine;
	/* Destroys deps_wq, and the scheduler once registered. */
	ret = drmm_add_action_or_reset(&edev->drm, enpu_pci_release, epci);
	if (ret)
		return ret;
	debugfs_create_file("hw_debug", 0200, edev->drm.debugfs_root, epci,
			    &enpu_pci_hw_debug_fops);
	ret = enpu_device_register(edev);
	if (ret)
		return ret;
	epci->registered = true;
	enpu_pci_heartbeat_start(epci);
	dev_info(dev, "accel node %s: %u command slots of %u KiB, %u ring entries\n",
		 edev->drm.accel ? dev_name(edev->drm.accel->kdev) : "?",
		 epci->nr_slots, epci->slot_size >> 10, epci->ring_entries);
	return 0;
}

static int enpu_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct enpu_pci *epci;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;

	epci = devm_drm_dev_alloc(dev, &enpu_pci_drm_driver, struct enpu_pci,
				  edev.drm);
	if (IS_ERR(epci))
		return PTR_ERR(epci);
	epci->pdev = pdev;
	init_waitqueue_head(&epci->ctrl_wq);
	INIT_LIST_HEAD(&epci->inflight);
	INIT_WORK(&epci->recover_work, enpu_pci_recover_work);
	INIT_DELAYED_WORK(&epci->hb_work, enpu_pci_heartbeat_work);
	ret = drmm_mutex_init(&epci->edev.drm, &epci->mm_lock);
	if (!ret)
		ret = drmm_mutex_init(&epci->edev.drm, &epci->reset_lock);
	if (!ret)
		ret = drmm_mutex_init(&epci->edev.drm, &epci->ring_lock);
	if (ret)
		return ret;

	ret = pcim_iomap_regions(pdev, BIT(ENPU_IVSHMEM_BAR), "enpu");
	if (ret)
		return ret;
	epci->db = pcim_iomap_table(pdev)[ENPU_IVSHMEM_BAR];

	epci->bar_start = pci_resource_start(pdev, ENPU_HW_PCI_BAR);
	epci->bar_size = pci_resource_len(pdev, ENPU_HW_PCI_BAR);
	if (epci->bar_size < ENPU_HW_MIN_BAR_SIZE) {
		dev_info(dev, "ivshmem device without an ENPU BAR2 (%pa bytes): not an ENPU\n",
			 &epci->bar_size);
		return -ENODEV;
	}
	if (!devm_request_mem_region(dev, epci->bar_start, epci->bar_size,
				     "enpu"))
		return -EBUSY;
	ret = enpu_pci_map(epci);
	if (ret)
		return ret;

	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, ENPU_HW_NUM_VECTORS,
				    ENPU_HW_NUM_VECTORS, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	/* Threaded: completions take ring_lock, a mutex. */
	ret = devm_request_threaded_irq(dev, pci_irq_vector(pdev, ENPU_HW_VEC_CQ),
					NULL, enpu_pci_cq_thread, IRQF_ONESHOT,
					"enpu-cq", epci);
	if (ret)
		goto err_free_vectors;
	ret = devm_request_irq(dev, pci_irq_vector(pdev, ENPU_HW_VEC_CTRL),
			       enpu_pci_ctrl_irq, 0, "enpu-ctrl", epci);
	if (ret)
		goto err_free_cq_irq;

	epci->ctrl_seq = READ_ONCE(epci->regs->ctrl_ack);
	pci_set_drvdata(pdev, epci);
	/*
	 * BOOT is accepted in RESET only: a device left READY or FAULT (an
	 * earlier bind, a refused image) is reset first.
	 */
	if (READ_ONCE(epci->regs->status) != ENPU_HW_STATUS_RESET) {
		ret = enpu_pci_ctrl(epci, ENPU_HW_CMD_RESET,
				    ENPU_HW_RESET_TIMEOUT_MS + 1000);
		if (ret) {
			dev_err(dev, "device reset failed (%d): device offline\n",
				ret);
			return 0;
		}
	}
	/*
	 * A refused image is not a probe failure: the device stays bound and
	 * offline, without an accel node (a later bind retries the boot).
	 */
	if (enpu_pci_boot(epci))
		return 0;
	WRITE_ONCE(epci->online, true);
	ret = enpu_pci_engine_init(epci);
	if (ret) {
		WRITE_ONCE(epci->online, false);
		enpu_pci_ctrl(epci, ENPU_HW_CMD_RESET,
			      ENPU_HW_RESET_TIMEOUT_MS + 1000);
		goto err_free_ctrl_irq;
	}
	return 0;

err_free_ctrl_irq:
	devm_free_irq(dev, pci_irq_vector(pdev, ENPU_HW_VEC_CTRL), epci);
err_free_cq_irq:
	devm_free_irq(dev, pci_irq_vector(pdev, ENPU_HW_VEC_CQ), epci);
err_free_vectors:
	pci_free_irq_vectors(pdev);
	return ret;
}

static void enpu_pci_remove(struct pci_dev *pdev)
{
	struct enpu_pci *epci = pci_get_drvdata(pdev);
	struct enpu_device *edev = &epci->edev;
	struct device *dev = &pdev->dev;

	/*
	 * Files may stay open after the device is gone (unbind, surprise
	 * removal): the scheduler lives until the DRM device is released
	 * (enpu_pci_release()), failing what is still queued with -ENODEV.
	 */
	if (epci->registered) {
		drm_dev_unplug(&edev->drm);
		/* Userspace mappings of device memory go with the device. */
		unmap_mapping_range(edev->drm.anon_inode->i_mapping, 0, 0, 1);
		enpu_pci_stop(epci);
		cancel_delayed_work_sync(&epci->hb_work);
		cancel_work_sync(&epci->recover_work);
	} else if (epci->online && pci_device_is_present(pdev)) {
		enpu_pci_ctrl(epci, ENPU_HW_CMD_RESET,
			      ENPU_HW_RESET_TIMEOUT_MS + 1000);
	}
	devm_free_irq(dev, pci_irq_vector(pdev, ENPU_HW_VEC_CTRL), epci);
	devm_free_irq(dev, pci_irq_vector(pdev, ENPU_HW_VEC_CQ), epci);
	pci_free_irq_vectors(pdev);
}

static const struct pci_device_id enpu_pci_ids[] = {
	{ PCI_DEVICE(ENPU_HW_PCI_VENDOR, ENPU_HW_PCI_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, enpu_pci_ids);
MODULE_FIRMWARE(ENPU_FW_IMAGE_NAME);

static struct pci_driver enpu_pci_driver = {
	.name = "enpu",
	.id_table = enpu_pci_ids,
	.probe = enpu_pci_probe,
	.remove = enpu_pci_remove,
};

/**
 * enpu_pci_register() - register the PCI driver.
 *
 * Return: 0 or a negative errno.
 */
int enpu_pci_register(void)
{
	return pci_register_driver(&enpu_pci_driver);
}

/**
 * enpu_pci_unregister() - unregister the PCI driver (removes its devices).
 */
void enpu_pci_unregister(void)
{
	pci_unregister_driver(&enpu_pci_driver);
}
