// SPDX-License-Identifier: GPL-2.0-only
/*
 * Registry of IOMMU backends (vfio_iommu_type1 and later ones).
 *
 * Invariants:
 *   - each vfio_iommu_backend_ops pointer is on the list at most once;
 *   - the list is walked in registration order, under vfio_backends_lock;
 *   - a backend is only called while a module reference on its owner is
 *     held: temporarily around a query, and for as long as it is set on a
 *     container (the reference taken by vfio_backends_select() is dropped
 *     by vfio_container_detach_group() with the container's last group).
 *
 * Ranges: none; extension and IOMMU type numbers from user space are
 * passed to the backends unchanged, and unknown ones are simply refused.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <uapi/linux/vfio.h>

#include "vfio_core_priv.h"

struct vfio_backend_entry {
	struct list_head node;
	const struct vfio_iommu_backend_ops *ops;
};

/* Protects vfio_backends.  Nests inside vfio_container::lock. */
static DEFINE_MUTEX(vfio_backends_lock);
static LIST_HEAD(vfio_backends);

/**
 * vfio_register_iommu_backend() - offer a backend to containers
 * @ops: the backend; must stay valid until unregistered
 *
 * Return: 0, -EBUSY if @ops is already registered, -ENOMEM.
 */
int vfio_register_iommu_backend(const struct vfio_iommu_backend_ops *ops)
{
	struct vfio_backend_entry *entry, *it;

	if (WARN_ON(!ops || !ops->open || !ops->release || !ops->ioctl ||
		    !ops->attach_group || !ops->detach_group))
		return -EINVAL;

	entry = kzalloc(sizeof(*entry), GFP_KERNEL);
	if (!entry)
		return -ENOMEM;
	entry->ops = ops;

	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(it, &vfio_backends, node) {
		if (it->ops == ops) {
			mutex_unlock(&vfio_backends_lock);
			kfree(entry);
			return -EBUSY;
		}
	}
	list_add_tail(&entry->node, &vfio_backends);
	mutex_unlock(&vfio_backends_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_register_iommu_backend);

/**
 * vfio_unregister_iommu_backend() - withdraw a backend
 * @ops: a registered backend that no container uses any more
 */
void vfio_unregister_iommu_backend(const struct vfio_iommu_backend_ops *ops)
{
	struct vfio_backend_entry *it;

	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(it, &vfio_backends, node) {
		if (it->ops == ops) {
			list_del(&it->node);
			mutex_unlock(&vfio_backends_lock);
			kfree(it);
			return;
		}
	}
	mutex_unlock(&vfio_backends_lock);
	WARN(1, "vfio: unregistering unknown IOMMU backend %s\n",
	     ops->name ? ops->name : "(unnamed)");
}
EXPORT_SYMBOL_GPL(vfio_unregister_iommu_backend);

/*
 * Ask one backend, which has no per-container state, whether it supports
 * @ext.  Returns its answer, or 0 if its module is going away.
 */
static long vfio_backend_query(const struct vfio_iommu_backend_ops *ops,
			       unsigned long ext)
{
	long ret;

	lockdep_assert_held(&vfio_backends_lock);

	if (!try_module_get(ops->owner))
		return 0;
	ret = ops->ioctl(NULL, VFIO_CHECK_EXTENSION, ext);
	module_put(ops->owner);
	return ret;
}

/**
 * vfio_backends_check_extension() - VFIO_CHECK_EXTENSION without a backend
 * @ext: the extension asked about
 *
 * Return: the first positive answer of a registered backend, else 0.
 */
long vfio_backends_check_extension(unsigned long ext)
{
	struct vfio_backend_entry *it;
	long ret = 0;

	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(it, &vfio_backends, node) {
		ret = vfio_backend_query(it->ops, ext);
		if (ret > 0)
			break;
		ret = 0;
	}
	mutex_unlock(&vfio_backends_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_backends_check_extension);

/* Hand every group of @container to a freshly opened backend state. */
static int vfio_backend_attach_all(struct vfio_container *container,
				   const struct vfio_iommu_backend_ops *ops,
				   void *data)
{
	struct vfio_group *group;
	int ret;

	lockdep_assert_held_write(&container->lock);

	list_for_each_entry(group, &container->group_list, container_entry) {
		ret = ops->attach_group(data, group->iommu_group);
		if (ret)
			goto detach_attached;
	}
	return 0;

detach_attached:
	list_for_each_entry_continue_reverse(group, &container->group_list,
					     container_entry)
		ops->detach_group(data, group->iommu_group);
	return ret;
}

/**
 * vfio_backends_select() - VFIO_SET_IOMMU: find a backend for a container
 * @container: a container with groups and no backend yet
 * @type: the IOMMU type user space asked for
 *
 * Tries the backends in registration order; the first one that claims
 * @type, opens and accepts every group becomes the container's backend.
 *
 * Return: 0, or the error of the last backend tried, -ENODEV if none
 * claimed @type.
 */
int vfio_backends_select(struct vfio_container *container, unsigned long type)
{
	const struct vfio_iommu_backend_ops *ops;
	struct vfio_backend_entry *it;
	int ret = -ENODEV;
	void *data;

	lockdep_assert_held_write(&container->lock);

	mutex_lock(&vfio_backends_lock);
	list_for_each_entry(it, &vfio_backends, node) {
		ops = it->ops;
		if (!try_module_get(ops->owner))
			continue;
		if (ops->ioctl(NULL, VFIO_CHECK_EXTENSION, type) <= 0)
			goto put_module;

		data = ops->open(type);
		if (IS_ERR(data)) {
			ret = PTR_ERR(data);
			goto put_module;
		}

		ret = vfio_backend_attach_all(container, ops, data);
		if (ret)
			goto release_data;

		/* The module reference now belongs to the container. */
		container->backend = ops;
		container->iommu_data = data;
		break;

release_data:
		ops->release(data);
put_module:
		module_put(ops->owner);
	}
	mutex_unlock(&vfio_backends_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_backends_select);
