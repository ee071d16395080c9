// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENPU PCI NPU: buffer objects in device memory.
 *
 * The device computes on its own memory only.  BOs are ranges of
 * the BAR's device-memory region, allocated with a drm_mm, zeroed at
 * creation, mapped write-combined into userspace (and into the kernel,
 * the same memory type, for CMDBUF_BO copies); the jobs' slot tables name
 * them by BAR offset, nothing is copied per job.  BO_CREATE fails with
 * -E2BIG beyond the size of device memory and with -ENOSPC when no free
 * range is large enough.  Foreign dma-bufs are not imported (the device
 * cannot reach them): enpu_pci_drm_driver has no gem_prime_import_sg_table.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_mm.h>

#include "enpu_pci.h"

static void enpu_pci_bo_free(struct drm_gem_object *obj)
{
	struct enpu_pci *epci = to_enpu_pci(to_enpu_device(obj->dev));
	struct enpu_pci_bo *bo = to_enpu_pci_bo(obj);

	mutex_lock(&epci->mm_lock);
	drm_mm_remove_node(&bo->node);
	mutex_unlock(&epci->mm_lock);
	drm_gem_object_release(obj);
	atomic_dec(&epci->edev.bo_count);
	kfree(bo);
}

/*
 * The kernel mapping is the write-combined one of device memory (the same
 * memory type as userspace's); it stays valid while the device is bound,
 * and only submission (under drm_dev_enter()) uses it.
 */
static int enpu_pci_bo_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	struct enpu_pci *epci = to_enpu_pci(to_enpu_device(obj->dev));
	struct enpu_pci_bo *bo = to_enpu_pci_bo(obj);

	iosys_map_set_vaddr(map, epci->mem + (bo->node.start - epci->mem_offset));
	return 0;
}

static void enpu_pci_bo_vunmap(struct drm_gem_object *obj,
			       struct iosys_map *map)
{
}

static int enpu_pci_bo_mmap(struct drm_gem_object *obj,
			    struct vm_area_struct *vma)
{
	struct enpu_pci *epci = to_enpu_pci(to_enpu_device(obj->dev));
	struct enpu_pci_bo *bo = to_enpu_pci_bo(obj);
	unsigned long size = vma->vm_end - vma->vm_start;
	int idx, ret;

	/* Device memory has no struct pages to copy on write. */
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;
	/* drm_gem_mmap_obj() checked size against the object's size. */
	if (!drm_dev_enter(obj->dev, &idx))
		return -ENODEV;
	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_writecombine(vm_get_page_prot(vma->vm_flags));
	ret = io_remap_pfn_range(vma, vma->vm_start,
				 (epci->bar_start + bo->node.start) >> PAGE_SHIFT,
				 size, vma->vm_page_prot);
	drm_dev_exit(idx);
	return ret;
}

static const struct vm_operations_struct enpu_pci_bo_vm_ops = {
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

const struct drm_gem_object_funcs enpu_pci_bo_funcs = {
	.free = enpu_pci_bo_free,
	.vmap = enpu_pci_bo_vmap,
	.vunmap = enpu_pci_bo_vunmap,
	.mmap = enpu_pci_bo_mmap,
	.vm_ops = &enpu_pci_bo_vm_ops,
};

int enpu_pci_bo_create(struct drm_device *dev, struct drm_file *file,
			      struct drm_enpu_bo_create *args)
{
	struct enpu_pci *epci = to_enpu_pci(to_enpu_device(dev));
	struct enpu_pci_bo *bo;
	u64 size;
	u32 handle;
	int ret;

	if (args->size > epci->mem_size) {
		drm_dbg(dev, "bo_create: %llu bytes, device memory is %llu\n",
			args->size, epci->mem_size);
		return -E2BIG;
	}
	size = PAGE_ALIGN(args->size);

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return -ENOMEM;
	bo->base.funcs = &enpu_pci_bo_funcs;
	drm_gem_private_object_init(dev, &bo->base, size);

	mutex_lock(&epci->mm_lock);
	ret = drm_mm_insert_node_in_range(&epci->mm, &bo->node, size,
					  PAGE_SIZE, 0, epci->mem_offset,
					  epci->mem_offset + epci->mem_size,
					  DRM_MM_INSERT_BEST);
	mutex_unlock(&epci->mm_lock);
	if (ret) {
		drm_dbg(dev, "bo_create: no %llu free bytes of device memory\n",
			size);
		drm_gem_object_release(&bo->base);
		kfree(bo);
		return -ENOSPC;
	}
	atomic_inc(&epci->edev.bo_count);
	/* What an earlier owner left there is not for this one to read. */
	memset(epci->mem + (bo->node.start - epci->mem_offset), 0, size);

	ret = drm_gem_handle_create(file, &bo->base, &handle);
	/* The handle holds the reference from here on (or nothing does). */
	drm_gem_object_put(&bo->base);
	if (ret)
		return ret;
	args->size = size;
	args->handle = handle;
	return 0;
}

void enpu_pci_mm_fini(struct drm_device *dev, void *arg)
{
	struct enpu_pci *epci = arg;

	drm_mm_takedown(&epci->mm);
}
