// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENPU DRM accel driver: module glue, devices, open/postclose, ioctl table.
 *
 * Loaded on a box without ENPU hardware, the module registers
 * enpu_soft_devices platform devices, each a DRM accel device
 * (/dev/accel/accelN) whose engine runs the firmware core on kernel worker
 * threads.
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>

#include "enpu_drv.h"

static unsigned int enpu_soft_devices = 1;
module_param_named(soft_devices, enpu_soft_devices, uint, 0444);
MODULE_PARM_DESC(soft_devices, "Number of soft (CPU) ENPU devices, 0-16 (default 1)");

static unsigned int enpu_workers = 2;
module_param_named(workers, enpu_workers, uint, 0444);
MODULE_PARM_DESC(workers, "Worker threads per soft device, 1-64 (default 2)");

static unsigned int enpu_timeout_ms = 5000;
module_param_named(timeout_ms, enpu_timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "Job timeout in milliseconds, 10-600000 (default 5000)");

static char *enpu_kernels = "auto";
module_param_named(kernels, enpu_kernels, charp, 0444);
MODULE_PARM_DESC(kernels, "Firmware kernel variant: auto (default: the fastest this CPU runs), scalar, avx2, avxvnni, avx512bw, avx512vnni");

unsigned int enpu_debug;
module_param_named(debug, enpu_debug, uint, 0644);
MODULE_PARM_DESC(debug, "Debug categories: 1 submit, 2 job, 4 io_uring");

#define ENPU_MAX_SOFT_DEVICES	16

static int enpu_ioctl_get_param(struct drm_device *dev, void *data,
				struct drm_file *file)
{
	struct enpu_device *edev = to_enpu_device(dev);
	struct drm_enpu_get_param *args = data;

	if (args->pad)
		return -EINVAL;

	switch (args->param) {
	case DRM_ENPU_PARAM_DRIVER_VERSION:
		args->value = ENPU_DRIVER_MAJOR << 16 | ENPU_DRIVER_MINOR;
		break;
	case DRM_ENPU_PARAM_ISA_VERSION:
		args->value = ENPU_ISA_VERSION_MAJOR << 16 |
			      ENPU_ISA_VERSION_MINOR;
		break;
	case DRM_ENPU_PARAM_FW_VERSION:
		args->value = ENPU_FW_VERSION_MAJOR << 16 |
			      ENPU_FW_VERSION_MINOR;
		break;
	case DRM_ENPU_PARAM_CAPABILITIES:
		args->value = edev->engine->caps;
		break;
	case DRM_ENPU_PARAM_ENGINE_TYPE:
		args->value = edev->engine->type;
		break;
	case DRM_ENPU_PARAM_NUM_ENGINES:
	case DRM_ENPU_PARAM_MEMORY_SIZE:
	case DRM_ENPU_PARAM_MAX_BO_SIZE:
		return edev->engine->get_param(edev, args->param,
					       &args->value);
	case DRM_ENPU_PARAM_JOB_TIMEOUT_MS:
		args->value = edev->timeout_ms;
		break;
	case DRM_ENPU_PARAM_MAX_JOBS_IN_FLIGHT:
		args->value = ENPU_MAX_JOBS_IN_FLIGHT;
		break;
	default:
		drm_dbg(dev, "get_param: unknown param %u\n", args->param);
		return -EINVAL;
	}
	return 0;
}

static void enpu_file_release(struct kref *kref)
{
	struct enpu_file *efile = container_of(kref, struct enpu_file,
					       refcount);

	mutex_destroy(&efile->submit_lock);
	kfree(efile);
}

/**
 * enpu_file_put() - drop a reference to a file context.
 * @efile: the context.
 */
void enpu_file_put(struct enpu_file *efile)
{
	kref_put(&efile->refcount, enpu_file_release);
}

static int enpu_open(struct drm_device *dev, struct drm_file *file)
{
	struct enpu_device *edev = to_enpu_device(dev);
	struct enpu_file *efile;
	int ret;

	efile = kzalloc(sizeof(*efile), GFP_KERNEL);
	if (!efile)
		return -ENOMEM;

	kref_init(&efile->refcount);
	efile->edev = edev;
	mutex_init(&efile->submit_lock);
	xa_init_flags(&efile->jobs, XA_FLAGS_ALLOC1);

	ret = enpu_file_sched_init(efile);
	if (ret)
		goto err_put_file;

	file->driver_priv = efile;
	return 0;

err_put_file:
	enpu_file_put(efile);
	return ret;
}

static void enpu_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct enpu_file *efile = file->driver_priv;
	struct dma_fence *fence;
	unsigned long id;

	/* Waits for queued jobs (up to the timeout), then kills the rest. */
	enpu_file_sched_fini(efile);

	xa_for_each(&efile->jobs, id, fence)
		dma_fence_put(fence);
	xa_destroy(&efile->jobs);

	file->driver_priv = NULL;
	enpu_file_put(efile);
}

static void enpu_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct enpu_file *efile = file->driver_priv;

	drm_printf(p, "drm-engine-npu:\t%llu ns\n",
		   (unsigned long long)atomic64_read(&efile->busy_ns));
	drm_show_memory_stats(p, file);
}

#define ENPU_IOCTL(n, func) \
	DRM_IOCTL_DEF_DRV(ENPU_##n, enpu_ioctl_##func, DRM_RENDER_ALLOW)

static const struct drm_ioctl_desc enpu_ioctls[] = {
	ENPU_IOCTL(GET_PARAM, get_param),
	ENPU_IOCTL(BO_CREATE, bo_create),
	ENPU_IOCTL(BO_MMAP_OFFSET, bo_mmap_offset),
	ENPU_IOCTL(BO_INFO, bo_info),
	ENPU_IOCTL(SUBMIT, submit),
	ENPU_IOCTL(WAIT, wait),
};

/* DEFINE_DRM_ACCEL_FOPS takes no extra members: spell it out. */
static const struct file_operations enpu_fops = {
	.owner = THIS_MODULE,
	DRM_ACCEL_FOPS,
	.show_fdinfo = drm_show_fdinfo,
	.uring_cmd = enpu_uring_cmd,
};

/*
 * The PCI NPU's BOs live in device memory (enpu_pci.c): no shmem objects,
 * no import of other devices' buffers (the device cannot reach them).
 */
const struct drm_driver enpu_pci_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM |
			   DRIVER_SYNCOBJ,
	.open = enpu_open,
	.postclose = enpu_postclose,
	.show_fdinfo = enpu_show_fdinfo,
	.ioctls = enpu_ioctls,
	.num_ioctls = ARRAY_SIZE(enpu_ioctls),
	.fops = &enpu_fops,
	.name = ENPU_DRIVER_NAME,
	.desc = "ENPU edge NPU (PCI)",
	.major = ENPU_DRIVER_MAJOR,
	.minor = ENPU_DRIVER_MINOR,
};

static const struct drm_driver enpu_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM |
			   DRIVER_SYNCOBJ,
	.open = enpu_open,
	.postclose = enpu_postclose,
	.show_fdinfo = enpu_show_fdinfo,
	.gem_create_object = enpu_gem_create_object,
	.gem_prime_import_sg_table = drm_gem_shmem_prime_import_sg_table,
	.ioctls = enpu_ioctls,
	.num_ioctls = ARRAY_SIZE(enpu_ioctls),
	.fops = &enpu_fops,
	.name = ENPU_DRIVER_NAME,
	.desc = ENPU_DRIVER_DESC,
	.major = ENPU_DRIVER_MAJOR,
	.minor = ENPU_DRIVER_MINOR,
};

/**
 * enpu_device_init() - set up what every device's engine and scheduler use.
 * @edev: the device, just allocated.
 * @credits: jobs the engine runs at once (the scheduler's credit limit).
 */
void enpu_device_init(struct enpu_device *edev, unsigned int credits)
{
	edev->num_workers = credits;
	edev->timeout_ms = clamp(enpu_timeout_ms, 10u, 600000u);
	spin_lock_init(&edev->ban_lock);
	spin_lock_init(&edev->running_lock);
	spin_lock_init(&edev->scratch_lock);
	INIT_LIST_HEAD(&edev->running);
	edev->fence_context = dma_fence_context_alloc(1);
}

/**
 * enpu_device_register() - start the scheduler and register the node.
 * @edev: the device, its engine initialised.
 *
 * Return: 0 or a negative errno (nothing left to undo but the engine).
 */
int enpu_device_register(struct enpu_device *edev)
{
	int ret;

	ret = enpu_sched_init(edev);
	if (ret)
		return ret;

	enpu_debugfs_init(edev);

	ret = drm_dev_register(&edev->drm, 0);
	if (ret)
		enpu_sched_fini(edev);
	return ret;
}

/**
 * enpu_device_unregister() - unplug the node and stop the scheduler.
 * @edev: the device; its engine is finalised by the caller afterwards.
 */
void enpu_device_unregister(struct enpu_device *edev)
{
	enpu_sched_fini(edev);
	enpu_bans_fini(edev);
}

static int enpu_probe(struct platform_device *pdev)
{
	struct enpu_device *edev;
	int ret;

	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;

	edev = devm_drm_dev_alloc(&pdev->dev, &enpu_drm_driver,
				  struct enpu_device, drm);
	if (IS_ERR(edev))
		return PTR_ERR(edev);

	enpu_device_init(edev, clamp(enpu_workers, 1u, ENPU_MAX_WORKERS));

	ret = enpu_soft_init(edev);
	if (ret)
		return ret;

	ret = enpu_device_register(edev);
	if (ret)
		goto err_engine_fini;

	platform_set_drvdata(pdev, edev);
	return 0;

err_engine_fini:
	edev->engine->fini(edev);
	return ret;
}

static void enpu_remove(struct platform_device *pdev)
{
	struct enpu_device *edev = platform_get_drvdata(pdev);

	drm_dev_unplug(&edev->drm);
	enpu_sched_fini(edev);
	edev->engine->fini(edev);
	enpu_bans_fini(edev);
}

static struct platform_driver enpu_platform_driver = {
	.probe = enpu_probe,
	.remove = enpu_remove,
	.driver = {
		.name = "enpu-soft",
		/*
		 * A soft device has nothing to unbind from; jobs, files and
		 * fences must not see their device torn down under them.
		 */
		.suppress_bind_attrs = true,
	},
};

static struct platform_device *enpu_pdevs[ENPU_MAX_SOFT_DEVICES];

static void enpu_unregister_devices(void)
{
	int i;

	for (i = ENPU_MAX_SOFT_DEVICES - 1; i >= 0; i--) {
		if (enpu_pdevs[i])
			platform_device_unregister(enpu_pdevs[i]);
		enpu_pdevs[i] = NULL;
	}
}

static int __init enpu_init(void)
{
	unsigned int i, n = min(enpu_soft_devices, ENPU_MAX_SOFT_DEVICES);
	int ret;

	ret = enpu_soft_select_kernels(enpu_kernels);
	if (ret)
		return ret;

	ret = platform_driver_register(&enpu_platform_driver);
	if (ret)
		return ret;

	for (i = 0; i < n; i++) {
		struct platform_device *pdev;

		pdev = platform_device_register_simple("enpu-soft", i, NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err_unregister;
		}
		enpu_pdevs[i] = pdev;
		if (!platform_get_drvdata(pdev)) {
			ret = -ENODEV;
			goto err_unregister;
		}
	}

	ret = enpu_pci_register();
	if (ret)
		goto err_unregister;
	return 0;

err_unregister:
	enpu_unregister_devices();
	platform_driver_unregister(&enpu_platform_driver);
	return ret;
}

static void __exit enpu_exit(void)
{
	enpu_pci_unregister();
	enpu_unregister_devices();
	platform_driver_unregister(&enpu_platform_driver);
}

module_init(enpu_init);
module_exit(enpu_exit);

MODULE_DESCRIPTION(ENPU_DRIVER_DESC);
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
