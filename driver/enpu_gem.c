// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENPU buffer objects: GEM shmem objects, mapped into the kernel while a job
 * uses them and into userspace through the DRM fake mmap offset.
 */
#include <linux/slab.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_vma_manager.h>

#include "enpu_drv.h"

static void enpu_gem_free(struct drm_gem_object *obj)
{
	struct enpu_device *edev = to_enpu_device(obj->dev);

	drm_gem_shmem_free(to_drm_gem_shmem_obj(obj));
	atomic_dec(&edev->bo_count);
}

static const struct drm_gem_object_funcs enpu_gem_funcs = {
	.free = enpu_gem_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/**
 * enpu_gem_create_object() - &drm_driver.gem_create_object.
 * @dev: the DRM device.
 * @size: object size.
 *
 * Allocates every GEM object of the device, created or imported, so that
 * they share &enpu_gem_funcs and are counted in enpu_device.bo_count.
 *
 * Return: the object or an ERR_PTR.
 */
struct drm_gem_object *enpu_gem_create_object(struct drm_device *dev,
					      size_t size)
{
	struct enpu_device *edev = to_enpu_device(dev);
	struct drm_gem_shmem_object *shmem;

	shmem = kzalloc(sizeof(*shmem), GFP_KERNEL);
	if (!shmem)
		return ERR_PTR(-ENOMEM);

	shmem->map_wc = false;
	shmem->base.funcs = &enpu_gem_funcs;
	atomic_inc(&edev->bo_count);
	return &shmem->base;
}

int enpu_ioctl_bo_create(struct drm_device *dev, void *data,
			 struct drm_file *file)
{
	struct enpu_device *edev = to_enpu_device(dev);
	struct drm_enpu_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	u32 handle;
	int ret;

	if (args->flags) {
		drm_dbg(dev, "bo_create: flags %#x not zero\n", args->flags);
		return -EINVAL;
	}
	if (edev->engine->bo_create) {
		if (!args->size) {
			drm_dbg(dev, "bo_create: size 0\n");
			return -EINVAL;
		}
		return edev->engine->bo_create(dev, file, args);
	}
	if (!args->size || args->size > ENPU_MAX_BO_SIZE) {
		drm_dbg(dev, "bo_create: bad size %llu\n", args->size);
		return -EINVAL;
	}

	shmem = drm_gem_shmem_create(dev, PAGE_ALIGN(args->size));
	if (IS_ERR(shmem))
		return PTR_ERR(shmem);

	ret = drm_gem_handle_create(file, &shmem->base, &handle);
	/* The handle holds the reference from here on (or nothing does). */
	drm_gem_object_put(&shmem->base);
	if (ret)
		return ret;

	args->size = shmem->base.size;
	args->handle = handle;
	return 0;
}

static int enpu_bo_offset(struct drm_gem_object *obj, u64 *offset)
{
	int ret = drm_gem_create_mmap_offset(obj);

	if (ret)
		return ret;
	*offset = drm_vma_node_offset_addr(&obj->vma_node);
	return 0;
}

int enpu_ioctl_bo_mmap_offset(struct drm_device *dev, void *data,
			      struct drm_file *file)
{
	struct drm_enpu_bo_mmap_offset *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->flags) {
		drm_dbg(dev, "bo_mmap_offset: flags %#x not zero\n",
			args->flags);
		return -EINVAL;
	}

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	ret = enpu_bo_offset(obj, &args->offset);
	drm_gem_object_put(obj);
	return ret;
}

int enpu_ioctl_bo_info(struct drm_device *dev, void *data,
		       struct drm_file *file)
{
	struct drm_enpu_bo_info *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->flags) {
		drm_dbg(dev, "bo_info: flags %#x not zero\n", args->flags);
		return -EINVAL;
	}

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	args->size = obj->size;
	ret = enpu_bo_offset(obj, &args->mmap_offset);
	drm_gem_object_put(obj);
	return ret;
}
