// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENPU PCI NPU: probe, BAR mapping, MSI-X and the firmware boot handshake
 * (uapi/drm/enpu_hw.h, devmodel/README.md).
 *
 * The device is QEMU's ivshmem-doorbell (1af4:1110) backed by
 * enpu-devmodel; any other ivshmem device is left alone (one dmesg line).
 * At probe the driver checks the register block's id and contract major,
 * loads ENPU_FW_IMAGE_NAME with request_firmware(), checks its header and
 * CRC-32, writes it into the firmware window and boots it.  A refused
 * image leaves the device offline with one dmesg line naming the problem.
 *
 * Not yet here: the engine behind a DRM accel node (BOs in device memory,
 * the rings, completions, reset and heartbeat watch); until then the
 * device registers no node.
 */
#include <linux/crc32.h>
#include <linux/firmware.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <drm/enpu_hw.h>

#include "enpu_drv.h"

/* ivshmem's BAR0 registers (QEMU docs/specs/ivshmem-spec.txt). */
#define ENPU_IVSHMEM_BAR		0
#define ENPU_IVSHMEM_DOORBELL		12

/* Longest wait for a BOOT acknowledge (TCG guests are slow). */
#define ENPU_PCI_BOOT_TIMEOUT_MS	10000

/**
 * struct enpu_pci - one ENPU PCI device.
 * @pdev: the PCI device.
 * @db: ivshmem's BAR0 (the doorbell register).
 * @regs: the register block, start of BAR2 (memremap()ed write-back: the
 *	BAR is ordinary coherent memory shared with the device model).
 * @bar_size: bytes of BAR2.
 * @ctrl_wq: woken by the control vector; waiters check regs->ctrl_ack.
 * @ctrl_seq: sequence number of the last control command sent.
 * @online: the firmware booted and answered the handshake.
 */
struct enpu_pci {
	struct pci_dev *pdev;
	void __iomem *db;
	struct enpu_hw_regs *regs;
	resource_size_t bar_size;
	wait_queue_head_t ctrl_wq;
	u32 ctrl_seq;
	bool online;
};

static void enpu_pci_doorbell(struct enpu_pci *epci, u32 vector)
{
	writel((READ_ONCE(epci->regs->db_peer) << 16) | vector,
	       epci->db + ENPU_IVSHMEM_DOORBELL);
}

static irqreturn_t enpu_pci_ctrl_irq(int irq, void *arg)
{
	struct enpu_pci *epci = arg;

	xchg(&epci->regs->irq_status, 0);
	wake_up_all(&epci->ctrl_wq);
	return IRQ_HANDLED;
}

static irqreturn_t enpu_pci_cq_irq(int irq, void *arg)
{
	/* No jobs are submitted yet: nothing to reap. */
	return IRQ_HANDLED;
}

/* Send control command @cmd and wait for its acknowledge. */
static int enpu_pci_ctrl(struct enpu_pci *epci, u32 cmd, unsigned int ms)
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
	    fw->size > READ_ONCE(epci->regs->fw_window)) {
		dev_err(dev, "firmware %s refused: %zu bytes, header says %llu (window %llu)\n",
			ENPU_FW_IMAGE_NAME, fw->size, h->image_size,
			READ_ONCE(epci->regs->fw_window));
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
static int enpu_pci_boot(struct enpu_pci *epci)
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

	memcpy((u8 *)regs + READ_ONCE(regs->fw_offset), fw->data, fw->size);
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

static int enpu_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct enpu_pci *epci;
	u32 hwid, hwver;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;

	epci = devm_kzalloc(dev, sizeof(*epci), GFP_KERNEL);
	if (!epci)
		return -ENOMEM;
	epci->pdev = pdev;
	init_waitqueue_head(&epci->ctrl_wq);

	ret = pcim_iomap_regions(pdev, BIT(ENPU_IVSHMEM_BAR), "enpu");
	if (ret)
		return ret;
	epci->db = pcim_iomap_table(pdev)[ENPU_IVSHMEM_BAR];

	epci->bar_size = pci_resource_len(pdev, ENPU_HW_PCI_BAR);
	if (epci->bar_size < ENPU_HW_MIN_BAR_SIZE) {
		dev_info(dev, "ivshmem device without an ENPU BAR2 (%pa bytes): not an ENPU\n",
			 &epci->bar_size);
		return -ENODEV;
	}
	if (!devm_request_mem_region(dev, pci_resource_start(pdev, ENPU_HW_PCI_BAR),
				     epci->bar_size, "enpu"))
		return -EBUSY;
	epci->regs = devm_memremap(dev, pci_resource_start(pdev, ENPU_HW_PCI_BAR),
				   epci->bar_size, MEMREMAP_WB);
	if (IS_ERR(epci->regs))
		return PTR_ERR(epci->regs);

	hwid = READ_ONCE(epci->regs->id);
	hwver = READ_ONCE(epci->regs->hw_version);
	if (hwid != ENPU_HW_ID) {
		dev_info(dev, "ivshmem device with id %#x in BAR2: not an ENPU, left alone\n",
			 hwid);
		return -ENODEV;
	}
	if (hwver >> 16 != ENPU_HW_VERSION_MAJOR) {
		dev_err(dev, "ENPU contract %u.%u, driver speaks %u.x: device offline\n",
			hwver >> 16, hwver & 0xffff, ENPU_HW_VERSION_MAJOR);
		return -ENODEV;
	}
	if (enpu_pci_check_layout(epci)) {
		dev_err(dev, "ENPU BAR2 layout does not fit its %pa bytes: device offline\n",
			&epci->bar_size);
		return -ENODEV;
	}

	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, ENPU_HW_NUM_VECTORS,
				    ENPU_HW_NUM_VECTORS, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	ret = devm_request_irq(dev, pci_irq_vector(pdev, ENPU_HW_VEC_CQ),
			       enpu_pci_cq_irq, 0, "enpu-cq", epci);
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
	 * offline (a later version retries the boot on reset).
	 */
	epci->online = !enpu_pci_boot(epci);
	return 0;

err_free_cq_irq:
	devm_free_irq(dev, pci_irq_vector(pdev, ENPU_HW_VEC_CQ), epci);
err_free_vectors:
	pci_free_irq_vectors(pdev);
	return ret;
}

static void enpu_pci_remove(struct pci_dev *pdev)
{
	struct enpu_pci *epci = pci_get_drvdata(pdev);
	struct device *dev = &pdev->dev;

	/* Stop the firmware: the device drops what it runs. */
	if (epci->online && pci_device_is_present(pdev))
		enpu_pci_ctrl(epci, ENPU_HW_CMD_RESET,
			      ENPU_HW_RESET_TIMEOUT_MS + 1000);
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
