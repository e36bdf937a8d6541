/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private state of vfio.ko: containers, groups and the glue between them.
 *
 * Lock order (outermost first; never take an earlier lock while holding a
 * later one):
 *
 *   vfio_groups_lock                (group registry: list + minor table)
 *     vfio_group::group_lock        (container link, opened file, kvm,
 *                                    open device count, iommu_group)
 *       vfio_container::lock        (rwsem: group list, backend, data)
 *         vfio_backends_lock        (backend registry)
 *       vfio_device::open_lock      (open_count, kvm, open/close calls)
 *       vfio_group::device_lock     (device list; also taken alone; a
 *                                    leaf: only ops->match runs under it)
 *
 * Reference counting:
 *   - a container lives while its /dev/vfio/vfio file is open or any group
 *     is attached to it (vfio_container::kref);
 *   - a group lives while it has a registered device or while its
 *     /dev/vfio/<id> file is open (vfio_group::kref);
 *   - an open device file holds a users reference on its vfio_device, a
 *     reference on the group file (so the group cannot lose its container
 *     while a device is open) and a module reference on the driver.
 */
#ifndef VFIO_CORE_PRIV_H
#define VFIO_CORE_PRIV_H

#include <kunit/visibility.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>

#include "vfio_backend_api.h"
#include "vfio_device_api.h"

struct iommu_group;
struct kvm;

/**
 * struct vfio_container - state behind one open of /dev/vfio/vfio
 * @kref: one for the file, one per attached group
 * @lock: written across SET_IOMMU, group attach and detach; read across
 *        CHECK_EXTENSION and every ioctl forwarded to the backend
 * @group_list: attached groups (vfio_group::container_entry), under @lock
 * @backend: the backend chosen by VFIO_SET_IOMMU, or NULL; under @lock.
 *           Non-NULL implies @group_list is not empty and a module
 *           reference on @backend->owner is held.
 * @iommu_data: what @backend->open() returned, under @lock
 * @noiommu: the groups on @group_list are noiommu groups (meaningful only
 *           while the list is not empty), under @lock
 */
struct vfio_container {
	struct kref kref;
	struct rw_semaphore lock;
	struct list_head group_list;
	const struct vfio_iommu_backend_ops *backend;
	void *iommu_data;
	bool noiommu;
};

/**
 * struct vfio_group - one IOMMU group exposed as /dev/vfio/<id>
 * @kref: one while registered (@registrations > 0), one while the group
 *        file is open
 * @id: iommu_group_id(), the name of the device node
 * @minor: minor number of the device node
 * @iommu_group: the IOMMU group; a reference is held until the last device
 *               unregisters, then it is set to NULL (under @group_lock)
 * @dev: the class device behind /dev/vfio/<id>, NULL once removed
 * @registry_entry: link on the global group list (vfio_groups_lock)
 * @registrations: number of registered devices (vfio_groups_lock)
 * @noiommu: a fake IOMMU group of noiommu.c (/dev/vfio/noiommu-<id>);
 *           set at creation, never changes
 * @device_lock: protects @device_list
 * @device_list: registered devices (vfio_device::group_entry)
 * @group_lock: protects the members below it
 * @container: the attached container, or NULL
 * @container_entry: link on @container's group list (container->lock)
 * @opened_file: the open group file, or NULL; only one opener at a time
 * @opener: the process (thread group) that opened @opened_file, a pid
 *          reference, for debugfs; NULL while the file is not open
 * @device_opens: open device files; the container cannot be unset while
 *                this is not zero
 * @kvm: set by kvm through vfio_file_set_kvm()
 */
struct vfio_group {
	struct kref kref;
	int id;
	unsigned int minor;
	struct iommu_group *iommu_group;
	struct device *dev;
	struct list_head registry_entry;
	unsigned int registrations;
	bool noiommu;

	struct mutex device_lock;	/* protects device_list */
	struct list_head device_list;

	struct mutex group_lock;	/* protects the members below */
	struct vfio_container *container;
	struct list_head container_entry;
	struct file *opened_file;
	struct pid *opener;
	unsigned int device_opens;
	struct kvm *kvm;
};

/* main.c */
extern struct class *vfio_group_class;
extern dev_t vfio_group_devt;

/* iommu_backend.c */
long vfio_backends_check_extension(unsigned long ext);
int vfio_backends_select(struct vfio_container *container,
			 unsigned long type);

/* container.c */
int vfio_container_init(void);
void vfio_container_exit(void);
struct vfio_container *vfio_container_from_file(struct file *file);
long vfio_container_check_extension(struct vfio_container *container,
				    unsigned long ext);
int vfio_container_attach_group(struct vfio_container *container,
				struct vfio_group *group);
void vfio_container_detach_group(struct vfio_group *group);
bool vfio_container_has_backend(struct vfio_container *container);

/* group.c */
int vfio_group_init(void);
void vfio_group_exit(void);
struct vfio_group *vfio_group_get_or_create(struct iommu_group *iommu_group,
					    bool noiommu);
void vfio_group_put_registration(struct vfio_group *group);
void vfio_group_put(struct vfio_group *group);
void vfio_group_leave_container(struct vfio_group *group);
void vfio_groups_for_each(void (*fn)(struct vfio_group *group, void *data),
			  void *data);
bool vfio_file_is_our_group(struct file *file);

/* noiommu.c */
bool vfio_noiommu_enabled(void);
struct iommu_group *vfio_noiommu_group_alloc(struct device *dev);
void vfio_noiommu_group_remove_device(struct device *dev);
long vfio_noiommu_check_extension(unsigned long ext);
int vfio_noiommu_select(struct vfio_container *container, unsigned long type);

/* group_ioctl.c */
long vfio_group_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* viability.c */
void vfio_group_report_not_viable(struct vfio_group *group, int err);
typedef void (*vfio_dma_owner_fn)(struct device *dev, const char *driver,
				  const char *module, void *data);
unsigned int vfio_dma_owners_walk(struct iommu_group *iommu_group,
				  vfio_dma_owner_fn fn, void *data);

/* debugfs.c */
void vfio_debugfs_init(void);
void vfio_debugfs_exit(void);

/* device.c */
void vfio_device_put_users(struct vfio_device *vdev);

/* device_file.c */
int vfio_device_open_fd(struct vfio_group *group, struct vfio_device *vdev);

#if IS_ENABLED(CONFIG_KUNIT)
/* Internals exported to vfio_core_kunit.ko only (VISIBLE_IF_KUNIT) */
struct vfio_device *vfio_group_find_device(struct vfio_group *group,
					   const char *name);
int vfio_device_feature_check(unsigned long arg);
#endif

#endif /* VFIO_CORE_PRIV_H */
