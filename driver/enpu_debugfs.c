// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENPU debugfs: a table of show functions plus a write-only file that
 * forces an engine reset.  Under /sys/kernel/debug/accel/<device>/.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <drm/drm_debugfs.h>
#include <drm/drm_file.h>

#include "enpu_drv.h"

static struct enpu_device *enpu_debugfs_dev(struct seq_file *m)
{
	struct drm_debugfs_entry *entry = m->private;

	return to_enpu_device(entry->dev);
}

static int enpu_debugfs_jobs(struct seq_file *m, void *data)
{
	struct enpu_device *edev = enpu_debugfs_dev(m);

	seq_printf(m, "%d\n", atomic_read(&edev->jobs_in_flight));
	return 0;
}

static int enpu_debugfs_bo_count(struct seq_file *m, void *data)
{
	struct enpu_device *edev = enpu_debugfs_dev(m);

	seq_printf(m, "%d\n", atomic_read(&edev->bo_count));
	return 0;
}

static int enpu_debugfs_counters(struct seq_file *m, void *data)
{
	struct enpu_device *edev = enpu_debugfs_dev(m);

	seq_printf(m, "jobs_in_flight: %d\n",
		   atomic_read(&edev->jobs_in_flight));
	seq_printf(m, "jobs_done: %lld\n",
		   (long long)atomic64_read(&edev->jobs_done));
	seq_printf(m, "jobs_failed: %lld\n",
		   (long long)atomic64_read(&edev->jobs_failed));
	seq_printf(m, "jobs_timedout: %lld\n",
		   (long long)atomic64_read(&edev->jobs_timedout));
	seq_printf(m, "resets: %lld\n",
		   (long long)atomic64_read(&edev->resets));
	seq_printf(m, "busy_ns: %lld\n",
		   (long long)atomic64_read(&edev->busy_ns));
	seq_printf(m, "bo_count: %d\n", atomic_read(&edev->bo_count));
	seq_printf(m, "workers: %u\n", edev->num_workers);
	seq_printf(m, "kernels: %s\n", enpu_fw_kernels_name(edev->kernels));
	return 0;
}

static const struct drm_debugfs_info enpu_debugfs_list[] = {
	{ "jobs", enpu_debugfs_jobs, 0 },
	{ "bo_count", enpu_debugfs_bo_count, 0 },
	{ "counters", enpu_debugfs_counters, 0 },
};

static ssize_t enpu_debugfs_reset_write(struct file *f, const char __user *buf,
					size_t len, loff_t *pos)
{
	struct enpu_device *edev = f->private_data;

	edev->engine->reset(edev, -EIO);
	return len;
}

static const struct file_operations enpu_debugfs_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = enpu_debugfs_reset_write,
};

/**
 * enpu_debugfs_init() - register the device's debugfs files.
 * @edev: the device, before drm_dev_register().
 */
void enpu_debugfs_init(struct enpu_device *edev)
{
	drm_debugfs_add_files(&edev->drm, enpu_debugfs_list,
			      ARRAY_SIZE(enpu_debugfs_list));
	debugfs_create_file("reset", 0200, edev->drm.debugfs_root, edev,
			    &enpu_debugfs_reset_fops);
}
